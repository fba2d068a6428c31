//! The CSV person import as a fuzz target (docs/security.md, "Fuzzing"): arbitrary bytes go
//! through the same precheck and scan as `whereabouts import persons`, with a writer that
//! accepts everything. Nothing may panic, every refusal names a line, and a row either becomes a
//! person or is rejected, never both and never neither. The corpus is `fuzz/corpus/import_csv`;
//! the property tests mutate it. (This code is in the binary crate, which cargo-fuzz cannot link,
//! so it is fuzzed here with proptest.)

use std::collections::HashSet;

use proptest::prelude::*;

use crate::fuzz_corpus::{corpus, mutated};

use super::{Clock, Sink, precheck, scan};

fn run(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.csv");
    std::fs::write(&path, bytes).unwrap();
    let now = time::macros::datetime!(2026-11-01 00:00 UTC);
    let clock = Clock {
        now,
        today: now.date(),
    };
    match precheck(&path) {
        Err(_) => {}
        Ok(Err(errors)) => assert!(errors.iter().all(|e| e.line >= 1 && !e.message.is_empty())),
        Ok(Ok(_sha256)) => {
            let mut delivered = 0u64;
            let mut sink = Sink {
                existing: |_: &[String]| Ok(HashSet::new()),
                deliver: |batch: Vec<store::NewPerson>, _offset: u64| {
                    delivered += batch.len() as u64;
                    true
                },
                skip_bad: true,
                writing: true,
            };
            if let Ok(scanned) = scan(&path, clock, "bureau-a", &mut sink) {
                for (line, errors) in &scanned.rejected {
                    assert!(*line >= 1);
                    assert!(errors.iter().all(|e| !e.message.is_empty()));
                }
                assert!(delivered <= scanned.rows);
            }
        }
    }
}

#[test]
fn the_import_corpus_runs_clean() {
    let corpus = corpus("import_csv");
    assert!(corpus.len() >= 5);
    for input in &corpus {
        run(input);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_refused_or_imported_never_a_panic(
        data in prop_oneof![proptest::collection::vec(any::<u8>(), 0..256), mutated("import_csv")]
    ) {
        run(&data);
    }
}
