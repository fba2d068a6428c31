//! What the CSV fuzz targets share (tests only): the corpus kept in the repository under
//! `fuzz/corpus/<name>` and a strategy that mutates it around CSV's structural bytes
//! (docs/security.md, "Fuzzing").

use std::path::PathBuf;

use proptest::prelude::*;

/// Every file of `fuzz/corpus/<name>`, in name order.
pub fn corpus(name: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

/// A corpus file with up to ten edits: a byte replaced, inserted or removed, or the rest cut.
/// Half of the bytes written are CSV's own: `,`, `"`, LF and CR.
pub fn mutated(name: &str) -> impl Strategy<Value = Vec<u8>> + use<> {
    let seeds = corpus(name);
    (
        0..seeds.len(),
        proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..4), 0..10),
    )
        .prop_map(move |(i, edits)| {
            let mut bytes = seeds[i].clone();
            for (at, byte, op) in edits {
                let at = at % (bytes.len() + 1);
                let byte = match byte % 8 {
                    0 => b',',
                    1 => b'"',
                    2 => b'\n',
                    3 => b'\r',
                    _ => byte,
                };
                match op {
                    0 if at < bytes.len() => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    2 if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.truncate(at),
                }
            }
            bytes
        })
}
