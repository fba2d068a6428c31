//! XC-8: the tamper-evident audit log on both backends. Each story writes a chain, then plays
//! an intruder with the database credentials (who can drop the append-only triggers) and checks
//! that `audit_verify` names the entry that was edited, deleted, inserted or reordered.

use time::{Duration, OffsetDateTime};
use whereabouts_store::{AuditAction, AuditEntry, AuditPolicy, AuditProblem, Store};

use crate::harness::{Backend, backends, seed};

fn policy() -> AuditPolicy {
    AuditPolicy {
        bulk_threshold: 10,
        bulk_window: Duration::minutes(10),
        checkpoint_every: 5,
    }
}

/// Ten entries (checkpoints at 5 and 10).
async fn chain(backend: &Backend) -> Store {
    let store = backend.store.clone().with_audit_policy(policy());
    let f = seed(&store).await;
    store
        .audit_system(
            "alice",
            Some(f.tenant_a.id),
            AuditEntry::new(AuditAction::Login, "user:alice"),
        )
        .await
        .unwrap();
    for n in 2..=10 {
        let seq = store
            .audit(
                &f.scope_a,
                AuditEntry::new(AuditAction::Create, format!("person:{n}")).detail("register"),
            )
            .await
            .unwrap();
        assert_eq!(seq, n);
    }
    store
}

/// Verifies the log and asserts that nothing is wrong with it.
async fn intact(store: &Store, backend: &Backend) -> whereabouts_store::AuditReport {
    let report = store.audit_verify().await.unwrap();
    assert!(
        report.is_intact(),
        "{}: {:?}",
        backend.name,
        report.problems
    );
    report
}

/// Whether the database refuses `statement` from a raw connection with the triggers in place.
async fn refused(backend: &Backend, statement: &str) -> bool {
    use sqlx::Connection;
    let statement = sqlx::AssertSqlSafe(statement.to_owned());
    if let Some(path) = backend.raw_url.strip_prefix("sqlite://") {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
            .await
            .unwrap();
        sqlx::query(statement).execute(&mut conn).await.is_err()
    } else {
        let mut conn = sqlx::PgConnection::connect(&backend.raw_url).await.unwrap();
        sqlx::query(statement).execute(&mut conn).await.is_err()
    }
}

/// Runs statements as the intruder: triggers off, then the tampering.
async fn tamper(backend: &Backend, statements: &[&str]) {
    use sqlx::Connection;
    if let Some(path) = backend.raw_url.strip_prefix("sqlite://") {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
            .await
            .unwrap();
        for statement in [
            "DROP TRIGGER IF EXISTS audit_log_no_update",
            "DROP TRIGGER IF EXISTS audit_log_no_delete",
        ]
        .iter()
        .chain(statements)
        {
            sqlx::query(sqlx::AssertSqlSafe(*statement))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    } else {
        let mut conn = sqlx::PgConnection::connect(&backend.raw_url).await.unwrap();
        for statement in ["ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"]
            .iter()
            .chain(statements)
        {
            sqlx::query(sqlx::AssertSqlSafe(*statement))
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn an_intact_chain_verifies_and_its_checkpoints_are_signed() {
    for backend in backends().await {
        let store = chain(&backend).await;
        let report = intact(&store, &backend).await;
        assert_eq!(report.entries, 10);
        assert_eq!(report.checkpoints, 2);
        assert_eq!(report.public_key, store.audit_public_key().await.unwrap());
        // The append-only triggers refuse an ordinary UPDATE or DELETE.
        for statement in ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"] {
            assert!(
                refused(&backend, statement).await,
                "{}: {statement}",
                backend.name
            );
        }
    }
}

#[tokio::test]
async fn audit_verify_names_an_edited_entry() {
    for backend in backends().await {
        let store = chain(&backend).await;
        tamper(
            &backend,
            &["UPDATE audit_log SET object = 'person:other' WHERE seq = 7"],
        )
        .await;
        let report = store.audit_verify().await.unwrap();
        assert_eq!(
            report.problems,
            vec![AuditProblem::Edited { seq: 7 }],
            "{}",
            backend.name
        );
        assert_eq!(
            report.problems[0].to_string(),
            "entry 7 was edited: its content does not match its hash"
        );
    }
}

#[tokio::test]
async fn audit_verify_names_a_deleted_entry() {
    for backend in backends().await {
        let store = chain(&backend).await;
        tamper(&backend, &["DELETE FROM audit_log WHERE seq = 4"]).await;
        let report = store.audit_verify().await.unwrap();
        assert_eq!(
            report.problems,
            vec![AuditProblem::Deleted { first: 4, last: 4 }],
            "{}",
            backend.name
        );
    }
}

#[tokio::test]
async fn audit_verify_names_an_inserted_entry() {
    for backend in backends().await {
        let store = chain(&backend).await;
        // Make room at 4 and forge an entry there, linked to entry 3 (the intruder cannot
        // compute a valid hash without the key; they copy entry 3's).
        let random = if backend.name == "sqlite" {
            "randomblob(32)"
        } else {
            "decode(md5(random()::text) || md5(random()::text), 'hex')"
        };
        let forge = format!(
            "INSERT INTO audit_log (seq, at, tenant_id, actor, action, object, purpose, records, detail, prev_hash, hash) \
             SELECT 4, at, tenant_id, 'mallory', 'create', 'person:forged', purpose, records, detail, hash, {random} FROM audit_log WHERE seq = 3"
        );
        tamper(
            &backend,
            &[
                "UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 4",
                "UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000",
                &forge,
            ],
        )
        .await;
        let report = store.audit_verify().await.unwrap();
        assert!(
            report.problems.contains(&AuditProblem::Inserted { seq: 4 }),
            "{}: {:?}",
            backend.name,
            report.problems
        );
        assert!(
            !report
                .problems
                .iter()
                .any(|p| matches!(p, AuditProblem::Edited { .. })),
            "{}: {:?}",
            backend.name,
            report.problems
        );
    }
}

#[tokio::test]
async fn audit_verify_names_reordered_entries() {
    for backend in backends().await {
        let store = chain(&backend).await;
        tamper(
            &backend,
            &[
                "UPDATE audit_log SET seq = 1003 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = 4",
                "UPDATE audit_log SET seq = 4 WHERE seq = 1003",
            ],
        )
        .await;
        let report = store.audit_verify().await.unwrap();
        assert_eq!(
            report.problems,
            vec![AuditProblem::Reordered {
                seq: 3,
                written_after: 4
            }],
            "{}",
            backend.name
        );
    }
}

#[tokio::test]
async fn audit_verify_notices_entries_cut_from_the_end_before_a_checkpoint() {
    for backend in backends().await {
        let store = chain(&backend).await;
        tamper(&backend, &["DELETE FROM audit_log WHERE seq >= 9"]).await;
        let report = store.audit_verify().await.unwrap();
        assert_eq!(
            report.problems,
            vec![
                AuditProblem::Truncated {
                    last: 8,
                    checkpoint: 10
                },
                AuditProblem::Cut { last: 8, head: 10 }
            ],
            "{}",
            backend.name
        );
    }
}

// XC-8: entries after the last checkpoint used to be cuttable unnoticed; the signed head, moved
// in the same transaction as every entry, names the cut.
#[tokio::test]
async fn entries_cut_after_the_last_checkpoint_are_named_by_the_signed_head() {
    for backend in backends().await {
        let store = chain(&backend).await;
        for n in 11..=12 {
            store
                .audit_system(
                    "bob",
                    None,
                    AuditEntry::new(AuditAction::Read, format!("person:{n}")),
                )
                .await
                .unwrap();
        }
        assert!(store.audit_verify().await.unwrap().is_intact());
        // The head cannot be moved back or removed while the triggers stand.
        for statement in ["UPDATE audit_head SET seq = 10", "DELETE FROM audit_head"] {
            assert!(
                refused(&backend, statement).await,
                "{}: {statement}",
                backend.name
            );
        }
        // The last two entries, after checkpoint 10, are cut.
        tamper(&backend, &["DELETE FROM audit_log WHERE seq > 10"]).await;
        let report = store.audit_verify().await.unwrap();
        assert_eq!(
            report.problems,
            vec![AuditProblem::Cut { last: 10, head: 12 }],
            "{}",
            backend.name
        );
        assert_eq!(
            report.problems[0].to_string(),
            "the log ends at entry 10 but its signed head is entry 12: entries 11 to 12 were cut from the end"
        );
        // Moving the head back by hand breaks its signature; removing it is named too.
        let (disable, enable) = if backend.raw_url.starts_with("sqlite://") {
            ("DROP TRIGGER audit_head_forward_only", "SELECT 1")
        } else {
            (
                "ALTER TABLE audit_head DISABLE TRIGGER audit_head_forward_only",
                "SELECT 1",
            )
        };
        tamper(
            &backend,
            &[disable, "UPDATE audit_head SET seq = 10", enable],
        )
        .await;
        let report = store.audit_verify().await.unwrap();
        assert!(
            matches!(report.problems.as_slice(), [AuditProblem::BadHead { reason }] if reason.contains("signature")),
            "{}: {:?}",
            backend.name,
            report.problems
        );
        let drop_delete = if backend.raw_url.starts_with("sqlite://") {
            "DROP TRIGGER audit_head_no_delete"
        } else {
            "SELECT 1"
        };
        tamper(&backend, &[drop_delete, "DELETE FROM audit_head"]).await;
        let report = store.audit_verify().await.unwrap();
        assert!(
            matches!(report.problems.as_slice(), [AuditProblem::BadHead { reason }] if reason.contains("none")),
            "{}: {:?}",
            backend.name,
            report.problems
        );
    }
}

#[tokio::test]
async fn a_forged_checkpoint_is_refused() {
    for backend in backends().await {
        let store = chain(&backend).await;
        use sqlx::Connection;
        let statement = "UPDATE audit_checkpoints SET hash = prev_hash FROM audit_log WHERE audit_log.seq = 5 AND audit_checkpoints.seq = 5";
        if let Some(path) = backend.raw_url.strip_prefix("sqlite://") {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .unwrap();
            sqlx::query("DROP TRIGGER audit_checkpoints_no_update")
                .execute(&mut conn)
                .await
                .unwrap();
            sqlx::query(statement).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::PgConnection::connect(&backend.raw_url).await.unwrap();
            sqlx::query(
                "ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only",
            )
            .execute(&mut conn)
            .await
            .unwrap();
            sqlx::query(statement).execute(&mut conn).await.unwrap();
        }
        let report = store.audit_verify().await.unwrap();
        assert!(
            matches!(
                report.problems.as_slice(),
                [AuditProblem::BadCheckpoint { seq: 5, .. }]
            ),
            "{}: {:?}",
            backend.name,
            report.problems
        );
    }
}

// SEC-4: bulk reads beyond the threshold raise one alert per window, queryable afterwards.
#[tokio::test]
async fn bulk_reads_beyond_the_threshold_raise_an_alert() {
    for backend in backends().await {
        let store = backend.store.clone().with_audit_policy(policy());
        let f = seed(&store).await;
        let start = OffsetDateTime::now_utc() - Duration::seconds(1);
        for n in 0..2 {
            store
                .audit(
                    &f.scope_a,
                    AuditEntry::new(AuditAction::Read, format!("interview:{n}"))
                        .purpose("tracing")
                        .records(4),
                )
                .await
                .unwrap();
        }
        assert!(
            store.audit_alerts(start).await.unwrap().is_empty(),
            "{}",
            backend.name
        );
        // 8 + 4 = 12 >= 10: one alert.
        store
            .audit(
                &f.scope_a,
                AuditEntry::new(AuditAction::Export, "export:persons").records(4),
            )
            .await
            .unwrap();
        // More reads in the same window do not repeat it; another actor's reads are not counted.
        store
            .audit(
                &f.scope_a,
                AuditEntry::new(AuditAction::Read, "interview:9")
                    .purpose("tracing")
                    .records(4),
            )
            .await
            .unwrap();
        store
            .audit(
                &f.scope_b,
                AuditEntry::new(AuditAction::Read, "interview:b")
                    .purpose("tracing")
                    .records(4),
            )
            .await
            .unwrap();
        let alerts = store.audit_alerts(start).await.unwrap();
        assert_eq!(alerts.len(), 1, "{}: {alerts:?}", backend.name);
        assert_eq!(alerts[0].actor, f.scope_a.actor_name());
        assert_eq!(alerts[0].records, 12);
        assert!(alerts[0].detail.contains("threshold 10"));
        assert!(store.audit_verify().await.unwrap().is_intact());
    }
}

// L11: a signed head proves an end, not that it is the newest. An intruder who kept an older
// head cuts the log back to it and puts it in place: the log then verifies on its own. The head
// saved outside the database after every entry names the rollback, and it is not moved onto the
// rolled-back log's new entries, which are named as a replacement.
#[tokio::test]
async fn a_log_cut_back_to_an_older_signed_head_is_named_by_the_head_saved_outside_it() {
    for backend in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let witness = dir.path().join("audit-head");
        let store = chain(&backend).await.with_audit_witness(witness.clone());
        let read = |n: i64| AuditEntry::new(AuditAction::Read, format!("person:{n}"));
        store.audit_system("bob", None, read(11)).await.unwrap();
        assert_eq!(store.audit_head().await.unwrap().unwrap().seq, 11);
        // The intruder keeps the head as it is now.
        tamper(
            &backend,
            &["CREATE TABLE kept_head AS SELECT * FROM audit_head"],
        )
        .await;
        for n in 12..=13 {
            store.audit_system("bob", None, read(n)).await.unwrap();
        }
        let saved = std::fs::read_to_string(&witness).unwrap();
        assert!(
            saved.starts_with("whereabouts-audit-head v1 13 "),
            "{}: {saved}",
            backend.name
        );
        let report = intact(&store, &backend).await;
        assert_eq!(report.witness, Some(13));

        let head_off = if backend.raw_url.starts_with("sqlite://") {
            "DROP TRIGGER audit_head_no_delete"
        } else {
            "ALTER TABLE audit_head DISABLE TRIGGER audit_head_forward_only"
        };
        tamper(
            &backend,
            &[
                "DELETE FROM audit_log WHERE seq > 11",
                head_off,
                "DELETE FROM audit_head",
                "INSERT INTO audit_head SELECT * FROM kept_head",
            ],
        )
        .await;
        // On its own the log is whole: this is the gap the saved head closes.
        assert!(store.audit_verify_against(None).await.unwrap().is_intact());
        let report = store.audit_verify().await.unwrap();
        assert_eq!(
            report.problems,
            vec![AuditProblem::RolledBack {
                last: 11,
                saved: 13
            }],
            "{}",
            backend.name
        );
        assert!(
            report.problems[0].to_string().starts_with(
                "the log ends at entry 11 but the head saved outside the database is entry 13"
            ),
            "{}",
            report.problems[0]
        );

        // The application goes on writing on the rolled-back log: entries 12 to 14 are new
        // ones. The saved head stays at the old entry 13, which is named as replaced.
        for n in 12..=14 {
            store.audit_system("carol", None, read(n)).await.unwrap();
        }
        assert_eq!(std::fs::read_to_string(&witness).unwrap(), saved);
        let report = store.audit_verify().await.unwrap();
        assert_eq!(
            report.problems,
            vec![AuditProblem::Replaced { seq: 13 }],
            "{}",
            backend.name
        );

        // A witness that is not a signed head is named, with its line.
        let forged = dir.path().join("forged");
        std::fs::write(&forged, saved.replace(" 13 ", " 12 ")).unwrap();
        let report = store.audit_verify_against(Some(&forged)).await.unwrap();
        assert!(
            matches!(report.problems.as_slice(), [AuditProblem::BadWitness { reason }] if reason.contains("signature")),
            "{}: {:?}",
            backend.name,
            report.problems
        );
        std::fs::write(&forged, "whereabouts-audit-head v1 12\n").unwrap();
        let report = store.audit_verify_against(Some(&forged)).await.unwrap();
        assert!(
            matches!(report.problems.as_slice(), [AuditProblem::BadWitness { reason }] if reason.contains("line 1")),
            "{}: {:?}",
            backend.name,
            report.problems
        );

        // A restore goes back in time on purpose: it resets the saved head.
        assert_eq!(
            store.reset_audit_witness().await.unwrap(),
            Some((Some(13), 14))
        );
        assert!(store.audit_verify().await.unwrap().is_intact());
    }
}
