//! Every fuzz target in `cargo test`, in bounded time: the kept corpus (`fuzz/corpus/<target>`,
//! seeds plus what cargo-fuzz found worth keeping), then bounded property tests with arbitrary
//! and mutated inputs. A crash found by cargo-fuzz is added to the corpus and stays a test.

use std::path::PathBuf;

use proptest::prelude::*;

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no corpus", dir.display());
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

fn run_corpus(target: &str, body: impl Fn(&[u8])) -> usize {
    let inputs = corpus(target);
    for input in &inputs {
        body(input);
    }
    inputs.len()
}

#[test]
fn every_target_has_a_corpus() {
    for target in fuzz_targets::TARGETS {
        assert!(!corpus(target).is_empty());
    }
}

#[test]
fn names_corpus() {
    run_corpus("names", fuzz_targets::names);
}

#[test]
fn matching_record_corpus() {
    run_corpus("matching_record", fuzz_targets::matching_record);
}

#[test]
fn transmit_bundle_corpus() {
    run_corpus("transmit_bundle", fuzz_targets::transmit_bundle);
}

#[test]
fn transmit_envelope_corpus() {
    run_corpus("transmit_envelope", fuzz_targets::transmit_envelope);
}

#[test]
fn api_json_corpus() {
    let target = fuzz_targets::ApiTarget::new();
    run_corpus("api_json", |data| target.run(data));
}

/// Inputs near the corpus: a corpus entry with bytes flipped, inserted or cut.
fn mutated(target: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let seeds = corpus(target);
    (
        0..seeds.len(),
        proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 0..8),
    )
        .prop_map(move |(i, edits)| {
            let mut bytes = seeds[i].clone();
            for (at, byte, op) in edits {
                let at = if bytes.is_empty() {
                    0
                } else {
                    at % (bytes.len() + 1)
                };
                match op {
                    0 if at < bytes.len() => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ => {
                        bytes.truncate(at);
                    }
                }
            }
            bytes
        })
}

fn input(target: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        any::<String>().prop_map(String::into_bytes),
        mutated(target),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn names_never_panic(data in input("names")) {
        fuzz_targets::names(&data);
    }

    #[test]
    fn matching_records_never_panic(data in input("matching_record")) {
        fuzz_targets::matching_record(&data);
    }

    #[test]
    fn bundles_never_panic(data in input("transmit_bundle")) {
        fuzz_targets::transmit_bundle(&data);
    }

    #[test]
    fn envelopes_never_panic(data in input("transmit_envelope")) {
        fuzz_targets::transmit_envelope(&data);
    }
}

#[test]
fn api_bodies_never_answer_5xx() {
    // One server for all cases: each case is a request through the whole router and a write.
    let target = fuzz_targets::ApiTarget::new();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&input("api_json"), |data| {
            target.run(&data);
            Ok(())
        })
        .unwrap();
}
