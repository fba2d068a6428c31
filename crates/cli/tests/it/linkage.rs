//! `whereabouts link`, `dedupe` and `search` on small files (the CSV contract).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::harness::{BIN, stderr, stdout};

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn run(args: &[&Path]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("WHEREABOUTS_LOG", "error")
        .output()
        .unwrap()
}

fn p(s: &str) -> &Path {
    Path::new(s)
}

const LEFT: &str = "\u{feff}id,full_name,birth_date,father_name,unknown_column\n\
l1,Олександр Петрович Коваленко,1990-03-07,Петро,x\n\
l2,Mykola Shevchuk,1985,,y\n\
l3,محمد عبد الرحمن,1979,,z\n";

const RIGHT: &str = "birth_date,id,given_name,family_name\n\
1990,r1,Oleksandr,Kovalenko\n\
1962-01-01,r2,Anna,Melnyk\n\
1979,r3,Mohammed,Abdulrahman\n";

#[test]
fn link_writes_the_contract_pairs() {
    let files = Files::new();
    let left = files.write("left.csv", LEFT);
    let right = files.write("right.csv", RIGHT);
    let out = files.path("pairs.csv");
    let result = run(&[p("link"), &left, &right, p("-o"), &out]);
    assert!(result.status.success(), "{}", stderr(&result));
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("left_id,right_id,score"));
    let pairs: Vec<(String, String, f64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].parse().unwrap())
        })
        .collect();
    let found: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b, _)| (a.as_str(), b.as_str()))
        .collect();
    assert!(found.contains(&("l1", "r1")), "{text}");
    assert!(found.contains(&("l3", "r3")), "{text}");
    assert!(!found.iter().any(|&(_, r)| r == "r2"), "{text}");
    assert!(pairs.iter().all(|(_, _, s)| (0.0..=1.0).contains(s)));

    // --top keeps candidates whatever their score.
    let out_top = files.path("top.csv");
    let result = run(&[
        p("link"),
        &left,
        &right,
        p("-o"),
        &out_top,
        p("--top"),
        p("2"),
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let text = std::fs::read_to_string(&out_top).unwrap();
    assert!(text.contains("l1,r1,"), "{text}");
}

#[test]
fn dedupe_writes_a_cluster_for_every_record() {
    let files = Files::new();
    let records = files.write(
        "records.csv",
        "id,full_name,given_name,family_name,birth_date\n\
         a,Олександр Петрович Коваленко,,,1990-03-07\n\
         b,,Oleksandr,Kovalenko,1990\n\
         c,,Mykola,Shevchuk,1985\n\
         d,КОВАЛЕНКО Александр Петрович,,,\n",
    );
    let out = files.path("clusters.csv");
    let result = run(&[p("dedupe"), &records, p("-o"), &out]);
    assert!(result.status.success(), "{}", stderr(&result));
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0], ["id", "cluster_id"]);
    assert_eq!(rows.len(), 5, "{text}");
    let cluster = |id: &str| rows.iter().find(|r| r[0] == id).unwrap()[1];
    assert_eq!(cluster("a"), cluster("b"), "{text}");
    assert_eq!(cluster("a"), cluster("d"), "{text}");
    assert_ne!(cluster("a"), cluster("c"), "{text}");
}

#[test]
fn search_prints_hits_with_explanations() {
    let files = Files::new();
    let records = files.write("records.csv", LEFT);
    let result = run(&[
        p("search"),
        p("--records"),
        &records,
        p("Alexander Kovalenko, 34"),
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let out = stdout(&result);
    assert!(out.starts_with("1. l1  probability"), "{out}");
    assert!(
        out.contains("family name: same name in different scripts"),
        "{out}"
    );

    let queries = files.write("queries.csv", RIGHT);
    let hits = files.path("hits.csv");
    let result = run(&[
        p("search"),
        p("--records"),
        &records,
        p("--queries"),
        &queries,
        p("--top"),
        p("3"),
        p("-o"),
        &hits,
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(stderr(&result).contains("queries/s"), "{}", stderr(&result));
    let text = std::fs::read_to_string(&hits).unwrap();
    assert!(text.starts_with("query_id,id,rank,score\n"), "{text}");
    assert!(text.contains("r1,l1,1,"), "{text}");
}

fn fails_with(content: &str, expected: &[&str]) {
    let files = Files::new();
    let records = files.write("bad.csv", content);
    let out = files.path("clusters.csv");
    let result = run(&[p("dedupe"), &records, p("-o"), &out]);
    assert!(!result.status.success());
    let message = stderr(&result);
    for part in expected {
        assert!(message.contains(part), "{message}");
    }
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn malformed_csv_is_refused_with_its_line() {
    fails_with(
        "id,full_name\n1,Ivan Petrenko\n2,\"Anna Melnyk\n",
        &["line 3", "malformed CSV"],
    );
    fails_with(
        "id,full_name\n1,Ivan Petrenko\n2,Anna,extra\n",
        &["line 3", "3 fields"],
    );
}

#[test]
fn duplicate_ids_and_nameless_records_are_refused() {
    fails_with(
        "id,full_name\n1,Ivan Petrenko\n1,Anna Melnyk\n",
        &["line 3", "duplicate id (first at line 2)"],
    );
    fails_with(
        "id,full_name,given_name,family_name,birth_date\n1,Ivan Petrenko,,,\n2,,,,1990\n",
        &["line 3", "no name"],
    );
    fails_with("full_name\nIvan Petrenko\n", &["no `id` column"]);
}

/// A spreadsheet's "Unicode text" export is UTF-16: the error names the encoding and the fix,
/// and nothing is written.
#[test]
fn a_utf16_file_is_refused_by_name() {
    let text = "id,full_name\n1,Олександр Коваленко\n";
    let little: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let big: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (bytes, expected) in [
        (
            [&[0xFF, 0xFE][..], &little].concat(),
            "UTF-16 (little-endian)",
        ),
        ([&[0xFE, 0xFF][..], &big].concat(), "UTF-16 (big-endian)"),
        (little, "UTF-16 (little-endian)"),
    ] {
        let files = Files::new();
        let records = files.path("sheet.csv");
        std::fs::write(&records, &bytes).unwrap();
        let out = files.path("clusters.csv");
        let result = run(&[p("dedupe"), &records, p("-o"), &out]);
        assert!(!result.status.success());
        let message = stderr(&result);
        assert!(message.contains("line 1"), "{message}");
        assert!(message.contains(expected), "{message}");
        assert!(message.contains("CSV UTF-8"), "{message}");
        assert!(!out.exists(), "nothing is written");
    }
}

#[test]
fn odd_content_is_handled_without_a_panic() {
    let files = Files::new();
    let long = "Коваленко".repeat(1200);
    let records = files.write(
        "odd.csv",
        &format!(
            "id,full_name,birth_date\n1,\"Ivan\u{7}\u{1b} Petrenko\",0000-13-45\n2,{long},1990\n3,Ivan Петренко محمد,\n"
        ),
    );
    let out = files.path("clusters.csv");
    let result = run(&[p("dedupe"), &records, p("-o"), &out]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("1 birth date(s) could not be read"),
        "{}",
        stderr(&result)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 4);
}
