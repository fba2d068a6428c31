//! The linkage CSV reader (`link`, `dedupe`, `search`) as a fuzz target: arbitrary bytes are read
//! or refused with a line number, never a panic. Corpus: `fuzz/corpus/linkage_csv`; the property
//! test mutates it (docs/security.md, "Fuzzing").

use std::path::Path;

use proptest::prelude::*;

use crate::fuzz_corpus::{corpus, mutated};

use super::read_records_from;

fn run(bytes: &[u8]) {
    let mut seen = 0usize;
    let result = read_records_from(bytes, Path::new("input.csv"), &mut |record, line| {
        assert!(line >= 1);
        assert!(!record.id.trim().is_empty());
        seen += 1;
        Ok(())
    });
    match result {
        Ok(loaded) => assert_eq!(loaded.ids.len(), seen),
        Err(error) => {
            let message = format!("{error:#}");
            assert!(message.starts_with("input.csv: line "), "{message}");
        }
    }
}

#[test]
fn the_linkage_corpus_runs_clean() {
    let corpus = corpus("linkage_csv");
    assert!(corpus.len() >= 4);
    for input in &corpus {
        run(input);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_read_or_refused_with_a_line(
        data in prop_oneof![proptest::collection::vec(any::<u8>(), 0..256), mutated("linkage_csv")]
    ) {
        run(&data);
    }
}
