//! Property tests: analysis, comparison and scoring of arbitrary text never panic, and scores
//! stay probabilities.

use matching::{BirthDate, Corpus, Index, Model, Record};
use proptest::prelude::*;
use whereabouts_matching as matching;

fn record(id: String, fields: Vec<String>) -> Record {
    let mut record = Record::new(id);
    for (column, value) in matching::COLUMNS[1..].iter().zip(fields) {
        record.set(column, &value);
    }
    record
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\p{Cyrillic}\\p{Arabic}\\p{Armenian}a-zA-Z '\\-]{0,40}",
        "[0-9\\-]{0,12}",
        Just("0000-13-45".to_owned()),
        Just("\u{0}\u{7}\u{1b}[31m".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn analysis_and_scoring_never_panic(
        a in proptest::collection::vec(field(), 11),
        b in proptest::collection::vec(field(), 11),
    ) {
        let mut corpus = Corpus::new();
        let ia = corpus.add(&record("a".into(), a));
        let ib = corpus.add(&record("b".into(), b));
        let model = Model::default();
        let (comparison, score) = model.score_records(&corpus, ia, ib);
        prop_assert!((0.0..=1.0).contains(&score.probability));
        let (_, reverse) = model.score_records(&corpus, ib, ia);
        prop_assert!((0.0..=1.0).contains(&reverse.probability));
        let explanation = model.explain(&corpus, corpus.features(ia), corpus.features(ib), &comparison);
        prop_assert_eq!(explanation.probability, score.probability);
    }

    #[test]
    fn dates_never_panic(text in any::<String>()) {
        if let Ok(date) = BirthDate::parse(&text) {
            prop_assert_eq!(BirthDate::parse(&date.to_contract_string()), Ok(date));
        }
    }

    #[test]
    fn the_index_takes_anything_with_a_name(names in proptest::collection::vec(field(), 1..20)) {
        let mut index = Index::new();
        for (i, name) in names.iter().enumerate() {
            let mut r = Record::new(format!("r{i}"));
            r.full_name = name.clone();
            let _ = index.insert(&r);
        }
        let mut q = Record::new("q");
        q.full_name = names[0].clone();
        let hits = index.search(&q, 5);
        prop_assert!(hits.len() <= 5);
        for hit in hits {
            prop_assert!((0.0..=1.0).contains(&hit.probability));
        }
    }
}

#[test]
fn ten_kilobyte_names_are_handled() {
    let long = "Коваленко ".repeat(1000);
    let mut corpus = Corpus::new();
    let mut a = Record::new("a");
    a.full_name = long.clone();
    let mut b = Record::new("b");
    b.family_name = long;
    let ia = corpus.add(&a);
    let ib = corpus.add(&b);
    let (_, score) = Model::default().score_records(&corpus, ia, ib);
    assert!((0.0..=1.0).contains(&score.probability));
}
