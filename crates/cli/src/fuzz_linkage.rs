//! The linkage CSV reader (`link`, `dedupe`, `search`) as a fuzz target: arbitrary bytes are read
//! or refused with a line number, never a panic. Corpus: `fuzz/corpus/linkage_csv`; the property
//! test mutates it (docs/security.md, "Fuzzing").

use std::path::{Path, PathBuf};

use proptest::prelude::*;

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

fn corpus() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/linkage_csv");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

#[test]
fn the_linkage_corpus_runs_clean() {
    let corpus = corpus();
    assert!(corpus.len() >= 4);
    for input in &corpus {
        run(input);
    }
}

fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let seeds = corpus();
    (
        0..seeds.len(),
        proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 0..10),
    )
        .prop_map(move |(i, edits)| {
            let mut bytes = seeds[i].clone();
            for (at, byte, op) in edits {
                let at = at % (bytes.len() + 1);
                let byte = match byte % 6 {
                    0 => b',',
                    1 => b'"',
                    2 => b'\n',
                    _ => byte,
                };
                match op {
                    0 if at < bytes.len() => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ => bytes.truncate(at),
                }
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_read_or_refused_with_a_line(
        data in prop_oneof![proptest::collection::vec(any::<u8>(), 0..256), mutated()]
    ) {
        run(&data);
    }
}
