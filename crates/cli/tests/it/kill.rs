//! A process killed with SIGKILL in the middle of an import leaves the whole file or none of it.

use std::time::{Duration, Instant};

use crate::harness::{Instance, instances, stderr};

fn wal_or_db_growth(instance: &Instance, baseline: u64) -> bool {
    let data = instance.path("data");
    let wal = std::fs::metadata(data.join("whereabouts.db-wal")).map_or(0, |m| m.len());
    wal > baseline + 2_000_000
}

#[test]
fn sigkill_during_import_leaves_all_or_nothing() {
    for instance in instances() {
        let dir = instance.path("gen");
        let out = instance.run(&[
            "gen",
            "--seed",
            "3",
            "--persons",
            "60000",
            "--now",
            "2026-11-01T00:00:00Z",
            "--csv-dir",
            dir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let file = dir.join("bureau-aldera.csv");
        // A reference run of the same file into the other bureau says how long a whole import
        // takes here; the kill comes at 60% of that, well after checking and before the commit.
        let reference_started = Instant::now();
        let out = instance.import("bureau-b", &file, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        let kill_at = reference_started.elapsed().mul_f64(0.6);
        let baseline = std::fs::metadata(instance.path("data").join("whereabouts.db-wal"))
            .map_or(0, |m| m.len());
        let mut child = instance
            .command(&[
                "import",
                "persons",
                file.to_str().unwrap(),
                "--tenant",
                "bureau-a",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until rows are being written (the write-ahead log grows), or 60% of a whole
        // import has passed, then kill without warning.
        let started = Instant::now();
        loop {
            if instance.database_url.is_none() && wal_or_db_growth(&instance, baseline) {
                break;
            }
            if started.elapsed() >= kill_at {
                break;
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "the import finished before it could be killed"
            );
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the import never started writing"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let count = instance.count("bureau-a");
        assert!(
            count == 0 || count == 60000,
            "a killed import left {count} of 60000 persons"
        );
        assert_eq!(
            count, 0,
            "the kill came before the commit, so nothing may be visible"
        );
        // The store is still sound: the same file imports whole afterwards.
        let out = instance.import("bureau-a", &file, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(instance.count("bureau-a"), 60000);
    }
}
