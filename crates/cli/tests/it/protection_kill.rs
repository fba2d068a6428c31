//! A field bundle import killed with SIGKILL in the middle of its transaction (issue 6,
//! `store::protection::batch::FieldBatch`): nothing of the visit report is half-applied, and
//! importing the bundle again applies it exactly once. On SQLite and PostgreSQL.
//!
//! "In the middle" is observed, not guessed: the test watches the database for the import's
//! open write transaction (SQLite: the write lock is held, a second writer's `BEGIN
//! IMMEDIATE` is refused; PostgreSQL: a session of the scratch database is inside a
//! transaction) and kills the process then.

use std::process::Stdio;
use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::harness::{Instance, instances, stderr};
use crate::network::{runtime, scope, store_of};
use crate::protection::{REPORT, exchange_keys, export_visit, ok, s, unit_instance, unit_on};

/// Persons seen in the report, each with a follow-up: enough for the batch to take a while.
const PERSONS: usize = 4000;

/// A visit report with `PERSONS` persons seen and one follow-up (sealed fields) each.
fn big_report() -> String {
    let mut report: serde_json::Value = serde_json::from_str(REPORT).unwrap();
    report["visit"]["reference"] = "V-KILL".into();
    report["visit"]["id"] = "0193b6a0-0000-7000-8000-00000000f000".into();
    report["refusals"] = serde_json::json!([]);
    let template = report["persons_seen"][0].clone();
    let mut seen = Vec::new();
    let mut follow_ups = Vec::new();
    for n in 0..PERSONS {
        let id = format!("0193b6a0-0000-7000-8001-{n:012}");
        let mut person = template.clone();
        person["id"] = id.clone().into();
        person["name"]["value"]["parts"][1]["value"] = format!("Савчук-{n}").into();
        seen.push(person);
        follow_ups.push(serde_json::json!({
            "id": format!("0193b6a0-0000-7000-8002-{n:012}"), "registration": id,
            "recorded_at": "2026-03-01T10:30:00Z", "health": "fictional", "family_contact_wanted": true,
            "family_contact": "a fictional cousin", "messages": ["alive and well"],
            "next_visit_due": "2026-03-15", "reprisals_reported": false, "recorded_by": "delegate"
        }));
    }
    report["persons_seen"] = seen.into();
    report["follow_ups"] = follow_ups.into();
    report.to_string()
}

/// Whether another process holds an open write transaction on the unit's database.
fn writing(rt: &tokio::runtime::Runtime, unit: &Instance) -> bool {
    rt.block_on(async {
        match &unit.database_url {
            None => {
                let path = unit.path("data").join("whereabouts.db");
                let Ok(mut conn) =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await
                else {
                    return false;
                };
                let _ = sqlx::query("PRAGMA busy_timeout = 0")
                    .execute(&mut conn)
                    .await;
                match sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await {
                    Ok(_) => {
                        let _ = sqlx::query("ROLLBACK").execute(&mut conn).await;
                        false
                    }
                    Err(_) => true,
                }
            }
            Some(url) => {
                let Ok(mut conn) = sqlx::PgConnection::connect(url).await else {
                    return false;
                };
                let open: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                     AND pid <> pg_backend_pid() AND xact_start IS NOT NULL \
                     AND state IN ('active', 'idle in transaction')",
                )
                .fetch_one(&mut conn)
                .await
                .unwrap_or(0);
                open > 0
            }
        }
    })
}

#[test]
fn sigkill_during_a_field_bundle_import_applies_all_of_it_or_nothing_and_then_once() {
    for unit in instances() {
        let backend = unit.backend();
        let unit = unit_on(unit, "protection");
        let laptop = unit_instance("field-laptop");
        exchange_keys(&laptop, "field-laptop", &unit);
        let report = laptop.dir.path().join("big-visit.json");
        std::fs::write(&report, big_report()).unwrap();
        ok(
            &laptop,
            &["visit", "record", "--tenant", "field-laptop", s(&report)],
        );
        let bundle = export_visit(&laptop, "field-laptop", "V-KILL", "big-visit.wab");

        let rt = runtime();
        let store = store_of(&rt, &unit);
        let unit_scope = scope(&rt, &store, "protection");
        let counts = || {
            rt.block_on(async {
                let visits = store.visits(&unit_scope).await.unwrap().len();
                let seen = store.registrations(&unit_scope, None).await.unwrap().len();
                let follow_ups = store.due_marks(&unit_scope).await.unwrap().len();
                (visits, seen, follow_ups)
            })
        };
        assert_eq!(counts(), (0, 0, 0));

        // Kill while the import's transaction is open; up to five tries, in case the
        // transaction committed between the observation and the kill.
        let mut killed_mid_write = 0;
        for attempt in 0..5 {
            let mut child = unit
                .command(&["visit", "import", "--tenant", "protection", s(&bundle)])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let started = Instant::now();
            let mut seen_writing = false;
            while started.elapsed() < Duration::from_secs(120) {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                if writing(&rt, &unit) {
                    // Twice in a row, so that it is the long batch and not a short write.
                    std::thread::sleep(Duration::from_millis(30));
                    if writing(&rt, &unit) {
                        seen_writing = true;
                        break;
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            assert!(
                seen_writing,
                "{backend}, attempt {attempt}: the import finished before its transaction was seen"
            );
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            let after = counts();
            assert!(
                after == (0, 0, 0) || after == (1, PERSONS, PERSONS),
                "{backend}: a killed import left {after:?} of (1, {PERSONS}, {PERSONS})"
            );
            if after == (0, 0, 0) {
                killed_mid_write += 1;
                break;
            }
        }
        assert_eq!(
            killed_mid_write, 1,
            "{backend}: no kill came inside the import's transaction"
        );

        // The store is consistent and takes the whole bundle, once.
        if unit.database_url.is_none() {
            let integrity: String = rt.block_on(async {
                let path = unit.path("data").join("whereabouts.db");
                let mut conn =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await
                        .unwrap();
                sqlx::query_scalar("PRAGMA integrity_check")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap()
            });
            assert_eq!(integrity, "ok");
        }
        let first = unit.run(&["visit", "import", "--tenant", "protection", s(&bundle)]);
        assert!(first.status.success(), "{backend}: {}", stderr(&first));
        let first = String::from_utf8_lossy(&first.stdout).into_owned();
        assert!(
            first.contains(&format!(
                "visit new, 2 condition record(s), 0 refusal(s), {PERSONS} person(s) seen, {PERSONS} follow-up(s)"
            )),
            "{backend}: {first}"
        );
        assert_eq!(counts(), (1, PERSONS, PERSONS), "{backend}");
        let again = ok(
            &unit,
            &["visit", "import", "--tenant", "protection", s(&bundle)],
        );
        assert!(
            again.contains("visit already known, 0 condition record(s), 0 refusal(s), 0 person(s) seen, 0 follow-up(s)"),
            "{backend}: {again}"
        );
        assert_eq!(counts(), (1, PERSONS, PERSONS), "{backend}");
        rt.block_on(store.close());
    }
}
