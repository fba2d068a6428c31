//! The record-linkage benchmark data (`synth::write_linkage`): reproducible to the byte, in the
//! CSV contract, with a truth row for every record and a corruption log in the fixed vocabulary.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use synth::{CORRUPTIONS, LINKAGE_HEADER, LinkageConfig, SCHEMES, write_linkage};

const FILES: [&str; 7] = [
    "records.csv",
    "left.csv",
    "right.csv",
    "truth.csv",
    "corruptions.csv",
    "queries.csv",
    "hard_negatives.csv",
];

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("whereabouts-linkage-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn generate(name: &str, seed: u64, records: usize, queries: usize) -> TempDir {
    let dir = TempDir::new(name);
    let summary = write_linkage(
        &LinkageConfig {
            seed,
            records,
            queries,
        },
        &dir.0,
    )
    .expect("the data set is written");
    assert_eq!(summary.records, records);
    assert_eq!(summary.left + summary.right, records);
    dir
}

fn read(dir: &Path, file: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(dir.join(file)).expect("the file opens");
    let header = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|row| {
            row.expect("a well-formed row")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect();
    (header, rows)
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_data() {
    let a = generate("det-a", 7, 3000, 200);
    let b = generate("det-b", 7, 3000, 200);
    let c = generate("det-c", 8, 3000, 200);
    for file in FILES {
        let left = std::fs::read(a.0.join(file)).unwrap();
        let right = std::fs::read(b.0.join(file)).unwrap();
        assert!(left == right, "{file} differs between two runs of seed 7");
    }
    let other = std::fs::read(c.0.join("records.csv")).unwrap();
    assert_ne!(std::fs::read(a.0.join("records.csv")).unwrap(), other);
}

#[test]
fn headers_follow_the_contract() {
    let dir = generate("header", 1, 500, 50);
    // shared/bench/CONTRACT.md, "Input: person records".
    let contract = [
        "id",
        "full_name",
        "given_name",
        "patronymic",
        "family_name",
        "sex",
        "birth_date",
        "birth_place",
        "nationality",
        "father_name",
        "mother_name",
        "service_number",
    ];
    assert_eq!(LINKAGE_HEADER, contract);
    for file in ["records.csv", "left.csv", "right.csv"] {
        let text = std::fs::read_to_string(dir.0.join(file)).unwrap();
        assert_eq!(
            text.lines().next(),
            Some(contract.join(",").as_str()),
            "{file}"
        );
    }
    let (header, _) = read(&dir.0, "queries.csv");
    let mut expected: Vec<String> = contract.iter().map(|s| (*s).to_owned()).collect();
    expected.push("truth_cluster".into());
    assert_eq!(header, expected);
    assert_eq!(read(&dir.0, "truth.csv").0, ["id", "cluster_id"]);
    assert_eq!(read(&dir.0, "corruptions.csv").0, ["id", "corruptions"]);
}

#[test]
fn truth_covers_every_record_and_the_two_sides_partition_the_records() {
    let dir = generate("truth", 3, 5000, 300);
    let (_, records) = read(&dir.0, "records.csv");
    let (_, left) = read(&dir.0, "left.csv");
    let (_, right) = read(&dir.0, "right.csv");
    let (_, truth) = read(&dir.0, "truth.csv");
    let (_, queries) = read(&dir.0, "queries.csv");
    assert_eq!(records.len(), 5000);
    let ids: HashSet<&str> = records.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids.len(), records.len(), "record ids are unique");
    let sides: HashSet<&str> = left.iter().chain(&right).map(|r| r[0].as_str()).collect();
    assert_eq!(sides, ids, "left and right together are the records");
    assert_eq!(left.len() + right.len(), records.len());
    let clusters: HashMap<&str, &str> = truth
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(truth.len(), records.len());
    assert!(ids.iter().all(|id| clusters.contains_key(id)));
    // Every record has a name (the contract rejects one without).
    for row in &records {
        assert!(
            !(row[1].is_empty() && row[2].is_empty() && row[4].is_empty()),
            "{} has no name",
            row[0]
        );
    }
    // Persons have several records, and every query looks for a person who is in the records.
    let distinct: HashSet<&str> = clusters.values().copied().collect();
    assert!(
        distinct.len() < records.len() * 3 / 4,
        "{} clusters",
        distinct.len()
    );
    let known: HashSet<&str> = distinct;
    assert_eq!(queries.len(), 300);
    for query in &queries {
        assert!(known.contains(query[12].as_str()), "query {}", query[0]);
        assert!(!ids.contains(query[0].as_str()), "queries are not records");
    }
}

#[test]
fn the_corruption_log_uses_the_vocabulary_and_covers_every_record() {
    let dir = generate("log", 5, 5000, 300);
    let (_, records) = read(&dir.0, "records.csv");
    let (_, queries) = read(&dir.0, "queries.csv");
    let (_, log) = read(&dir.0, "corruptions.csv");
    let scripts = ["latn", "cyrl", "arab", "armn"];
    let mut seen: HashSet<String> = HashSet::new();
    for row in &log {
        for token in row[1].split(';').filter(|t| !t.is_empty()) {
            let valid = if let Some(change) = token.strip_prefix("script:") {
                let (from, to) = change.split_once('>').expect("script:<from>><to>");
                scripts.contains(&from) && scripts.contains(&to) && from != to
            } else if let Some(scheme) = token.strip_prefix("scheme:") {
                SCHEMES.contains(&scheme)
            } else {
                CORRUPTIONS.contains(&token)
            };
            assert!(valid, "{}: unknown corruption {token:?}", row[0]);
            seen.insert(token.to_owned());
        }
    }
    let logged: HashSet<&str> = log.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(logged.len(), log.len(), "one log row per id");
    assert_eq!(log.len(), records.len() + queries.len());
    for row in records.iter().chain(&queries) {
        assert!(
            logged.contains(row[0].as_str()),
            "{} has no log row",
            row[0]
        );
    }
    // The messy cases the benchmark stratifies by all occur in 5,000 records.
    for expected in [
        "typo",
        "order_swap",
        "unsplit",
        "patronymic_dropped",
        "given_diminutive",
        "given_cognate",
        "gender_form",
        "date_year_only",
        "date_swap_dm",
        "date_jan1",
        "date_off_by_one_year",
        "date_missing",
        "service_number_missing",
        "script:cyrl>latn",
        "script:arab>latn",
        "script:armn>latn",
        "script:armn>cyrl",
        "scheme:uk_national_2010",
        "scheme:ru_icao_9303",
        "scheme:german",
        "scheme:hy_western",
        "scheme:ar_common",
    ] {
        assert!(seen.contains(expected), "{expected} never occurs");
    }
}

#[test]
fn hard_negatives_are_planted_and_persons_cross_scripts() {
    let dir = generate("negatives", 11, 20_000, 0);
    let (_, records) = read(&dir.0, "records.csv");
    let (_, truth) = read(&dir.0, "truth.csv");
    let cluster: HashMap<&str, &str> = truth
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    // Namesakes: the same split name (given, patronymic, family) in one script, different
    // persons.
    let mut by_name: HashMap<(&str, &str, &str), HashSet<&str>> = HashMap::new();
    for row in records
        .iter()
        .filter(|r| !r[2].is_empty() && !r[3].is_empty())
    {
        by_name
            .entry((row[2].as_str(), row[3].as_str(), row[4].as_str()))
            .or_default()
            .insert(cluster[row[0].as_str()]);
    }
    let shared = by_name.values().filter(|c| c.len() > 1).count();
    assert!(
        shared > 20,
        "only {shared} names shared by different persons"
    );
    // Fathers and sons: the same given and family name, born 20 to 35 years apart.
    let mut by_given_family: HashMap<(&str, &str), Vec<(&str, i32)>> = HashMap::new();
    for row in records
        .iter()
        .filter(|r| !r[2].is_empty() && r[6].len() == 10)
    {
        let year: i32 = row[6][..4].parse().unwrap();
        by_given_family
            .entry((row[2].as_str(), row[4].as_str()))
            .or_default()
            .push((cluster[row[0].as_str()], year));
    }
    let generations = by_given_family
        .values()
        .filter(|people| {
            people.iter().any(|(a, ya)| {
                people
                    .iter()
                    .any(|(b, yb)| a != b && (20..=35).contains(&(yb - ya)))
            })
        })
        .count();
    assert!(generations > 20, "only {generations} father-and-son names");
    let script = |text: &str| {
        text.chars().find(|c| c.is_alphabetic()).map(|c| match c {
            'a'..='z' | 'A'..='Z' | 'À'..='ɏ' => "latn",
            'Ѐ'..='ӿ' => "cyrl",
            'Ա'..='֏' => "armn",
            _ => "arab",
        })
    };
    let mut scripts: HashMap<&str, HashSet<&str>> = HashMap::new();
    for row in &records {
        let name = if row[1].is_empty() { &row[2] } else { &row[1] };
        if let Some(s) = script(name) {
            scripts
                .entry(cluster[row[0].as_str()])
                .or_default()
                .insert(s);
        }
    }
    let crossing = scripts.values().filter(|s| s.len() > 1).count();
    assert!(
        crossing > 2000,
        "only {crossing} persons written in two scripts"
    );
}

/// The planted hard negatives are listed, each a later person drawn from an earlier one, so a
/// bench analysis can tell a false match between namesakes from the others.
#[test]
fn planted_hard_negatives_are_listed() {
    let dir = TempDir::new("hard");
    let summary = write_linkage(
        &LinkageConfig {
            seed: 3,
            records: 4000,
            queries: 0,
        },
        &dir.0,
    )
    .expect("the data set is written");
    let (header, rows) = read(&dir.0, "hard_negatives.csv");
    assert_eq!(header, ["cluster_id", "other_cluster_id", "kind"]);
    let count = |kind: &str| rows.iter().filter(|r| r[2] == kind).count();
    assert_eq!(count("namesake"), summary.namesakes);
    assert_eq!(count("son"), summary.fathers_and_sons);
    assert!(summary.namesakes > 0 && summary.fathers_and_sons > 0);
    let (_, truth) = read(&dir.0, "truth.csv");
    let clusters: std::collections::HashSet<&str> = truth.iter().map(|r| r[1].as_str()).collect();
    for row in &rows {
        assert_ne!(row[0], row[1]);
        assert!(
            clusters.contains(row[0].as_str()) && clusters.contains(row[1].as_str()),
            "{row:?}"
        );
    }
}
