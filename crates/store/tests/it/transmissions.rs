//! Transmissions on both backends: keys and revocations, pinned peer key sets, outgoing
//! envelopes and the persons they carried, the receiver's ledger and acknowledgements (issue 5;
//! XC-4, XC-5). All of it stays in its tenant and is append-only.

use time::OffsetDateTime;
use whereabouts_store::{
    NewAcknowledgement, NewReceived, NewTransmission, ReceivedStatus, StoreError, StoredKey,
};

use crate::harness::{backends, register_pow as register, seed};

fn key(id: &str, officer: Option<&str>) -> StoredKey {
    StoredKey {
        id: id.into(),
        officer: officer.map(Into::into),
        public_key: format!("{{\"id\":\"{id}\"}}"),
        signing_seed: vec![7; 32],
        encryption_secret: officer.is_none().then(|| vec![9; 32]),
        created_at: OffsetDateTime::now_utc(),
    }
}

fn received(sequence: i64, hash: &str, status: ReceivedStatus) -> NewReceived {
    NewReceived {
        sender: Some("bureau-a".into()),
        channel: Some("agency".into()),
        sequence: Some(sequence),
        content_hash: Some(hash.into()),
        status,
        reason_code: None,
        reason: None,
        applied: i32::from(status == ReceivedStatus::Applied),
        source: None,
    }
}

#[tokio::test]
async fn xc4_keys_are_kept_per_tenant_and_revoked_for_good() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        store
            .add_transmission_key(&f.scope_a, &key("ed25519:aa", None))
            .await
            .unwrap();
        store
            .add_transmission_key(&f.scope_a, &key("ed25519:bb", Some("Officer Varga")))
            .await
            .unwrap();
        assert!(matches!(
            store
                .add_transmission_key(&f.scope_a, &key("ed25519:aa", None))
                .await,
            Err(StoreError::Invalid(_))
        ));
        let keys = store.transmission_keys(&f.scope_a).await.unwrap();
        assert_eq!(keys.len(), 2, "{}", backend.name);
        assert_eq!(
            keys[0].key,
            StoredKey {
                created_at: keys[0].key.created_at,
                ..key("ed25519:aa", None)
            }
        );
        assert!(keys.iter().all(|k| k.revoked.is_none()));
        assert!(
            store
                .transmission_keys(&f.scope_b)
                .await
                .unwrap()
                .is_empty()
        );

        // Another tenant cannot revoke it; a reason is required; revocation happens once.
        assert!(matches!(
            store
                .revoke_transmission_key(&f.scope_b, "ed25519:bb", "lost")
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(
            store
                .revoke_transmission_key(&f.scope_a, "ed25519:bb", " ")
                .await
                .is_err()
        );
        store
            .revoke_transmission_key(&f.scope_a, "ed25519:bb", "laptop lost")
            .await
            .unwrap();
        assert!(matches!(
            store
                .revoke_transmission_key(&f.scope_a, "ed25519:bb", "again")
                .await,
            Err(StoreError::Invalid(_))
        ));
        let keys = store.transmission_keys(&f.scope_a).await.unwrap();
        let officer = keys.iter().find(|k| k.key.id == "ed25519:bb").unwrap();
        assert_eq!(officer.revoked.as_ref().unwrap().reason, "laptop lost");
        assert_eq!(officer.key.encryption_secret, None);
    }
}

#[tokio::test]
async fn peer_key_sets_are_kept_in_the_order_pinned() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        store
            .pin_peer_key_set(&f.scope_a, "agency", "{\"set\":1}")
            .await
            .unwrap();
        store
            .pin_peer_key_set(&f.scope_a, "agency", "{\"set\":2}")
            .await
            .unwrap();
        let sets = store.peer_key_sets(&f.scope_a).await.unwrap();
        assert_eq!(
            sets.iter().map(|s| s.key_set.as_str()).collect::<Vec<_>>(),
            ["{\"set\":1}", "{\"set\":2}"],
            "{}",
            backend.name
        );
        assert_eq!(sets[0].pinned_by, "operator:test");
        assert!(store.peer_key_sets(&f.scope_b).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn gc3_122_c_each_envelope_carries_only_persons_not_sent_on_that_channel() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let p1 = register(store, &f.scope_a, f.source_a, "A-1").await;
        let p2 = register(store, &f.scope_a, f.source_a, "A-2").await;
        let other = register(store, &f.scope_b, f.source_b, "B-1").await;
        assert_eq!(
            store
                .next_sequence(&f.scope_a, "agency", "agency")
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            store
                .untransmitted_persons(&f.scope_a, "agency", "agency", None)
                .await
                .unwrap(),
            vec![p1, p2],
            "{}",
            backend.name
        );
        let sent = NewTransmission {
            recipient: "agency".into(),
            channel: "agency".into(),
            sequence: 1,
            content_hash: "sha256:01".into(),
            envelope: "{}".into(),
            officer: "Officer Varga".into(),
            persons: vec![p1],
            notices: Vec::new(),
        };
        store.record_transmission(&f.scope_a, &sent).await.unwrap();
        assert!(matches!(
            store.record_transmission(&f.scope_a, &sent).await,
            Err(StoreError::Invalid(message)) if message.contains("sequence 1")
        ));
        // A person of another tenant cannot be listed as carried.
        let mut foreign = sent.clone();
        foreign.sequence = 2;
        foreign.persons = vec![other];
        assert!(matches!(
            store.record_transmission(&f.scope_a, &foreign).await,
            Err(StoreError::UnknownPerson(_))
        ));
        assert_eq!(
            store
                .next_sequence(&f.scope_a, "agency", "agency")
                .await
                .unwrap(),
            2
        );
        assert_eq!(
            store
                .untransmitted_persons(&f.scope_a, "agency", "agency", None)
                .await
                .unwrap(),
            vec![p2]
        );
        // The protecting-power channel is tracked separately (XC-5).
        assert_eq!(
            store
                .untransmitted_persons(&f.scope_a, "power", "protecting-power", None)
                .await
                .unwrap(),
            vec![p1, p2]
        );
        let later = OffsetDateTime::now_utc() + time::Duration::hours(1);
        assert!(
            store
                .untransmitted_persons(&f.scope_a, "agency", "agency", Some(later))
                .await
                .unwrap()
                .is_empty()
        );
        let log = store.transmissions_sent(&f.scope_a).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!((log[0].sequence, log[0].items), (1, 1));
        assert!(
            store
                .transmissions_sent(&f.scope_b)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn xc5_the_ledger_applies_each_sequence_once_and_logs_rejections() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        store
            .record_received(
                &f.scope_b,
                &received(1, "sha256:01", ReceivedStatus::Applied),
            )
            .await
            .unwrap();
        store
            .record_received(
                &f.scope_b,
                &received(1, "sha256:01", ReceivedStatus::Duplicate),
            )
            .await
            .unwrap();
        assert!(
            matches!(
                store
                    .record_received(
                        &f.scope_b,
                        &received(1, "sha256:99", ReceivedStatus::Applied)
                    )
                    .await,
                Err(StoreError::Invalid(_))
            ),
            "{}",
            backend.name
        );
        store
            .record_received(
                &f.scope_b,
                &received(3, "sha256:03", ReceivedStatus::Applied),
            )
            .await
            .unwrap();
        store
            .record_received(
                &f.scope_b,
                &NewReceived {
                    sender: None,
                    channel: None,
                    sequence: None,
                    content_hash: None,
                    status: ReceivedStatus::Rejected,
                    reason_code: Some("tampered".into()),
                    reason: Some("the content hash does not match".into()),
                    applied: 0,
                    source: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .applied_on_channel(&f.scope_b, "bureau-a", "agency")
                .await
                .unwrap(),
            vec![(1, "sha256:01".to_owned()), (3, "sha256:03".to_owned())]
        );
        let log = store.received_log(&f.scope_b).await.unwrap();
        assert_eq!(
            log.iter().map(|r| r.entry.status).collect::<Vec<_>>(),
            [
                ReceivedStatus::Applied,
                ReceivedStatus::Duplicate,
                ReceivedStatus::Applied,
                ReceivedStatus::Rejected
            ]
        );
        assert_eq!(log[3].entry.reason_code.as_deref(), Some("tampered"));
        assert!(store.received_log(&f.scope_a).await.unwrap().is_empty());
        assert!(
            store
                .applied_on_channel(&f.scope_a, "bureau-a", "agency")
                .await
                .unwrap()
                .is_empty()
        );

        store
            .record_acknowledgement(
                &f.scope_b,
                &NewAcknowledgement {
                    issued: true,
                    peer: "bureau-a".into(),
                    envelope_hash: "sha256:01".into(),
                    status: "applied".into(),
                    receipt: "{}".into(),
                },
            )
            .await
            .unwrap();
        let acks = store.acknowledgements(&f.scope_b).await.unwrap();
        assert_eq!(acks.len(), 1);
        assert!(acks[0].ack.issued);
        assert!(store.acknowledgements(&f.scope_a).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn xc1_transmission_records_refuse_update_and_delete() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        store
            .add_transmission_key(&f.scope_a, &key("ed25519:aa", None))
            .await
            .unwrap();
        store
            .revoke_transmission_key(&f.scope_a, "ed25519:aa", "rotated")
            .await
            .unwrap();
        store
            .pin_peer_key_set(&f.scope_a, "agency", "{}")
            .await
            .unwrap();
        store
            .record_received(
                &f.scope_a,
                &received(1, "sha256:01", ReceivedStatus::Applied),
            )
            .await
            .unwrap();
        let statements = [
            "UPDATE transmission_keys SET officer = 'x'",
            "DELETE FROM transmission_keys",
            "DELETE FROM key_revocations",
            "UPDATE peer_key_sets SET key_set = 'x'",
            "UPDATE transmissions_in SET status = 'rejected'",
            "DELETE FROM transmissions_in",
        ];
        for statement in statements {
            let refused =
                raw_execute(&backend.raw_url, &f.tenant_a.id.to_string(), statement).await;
            assert!(
                refused.is_err(),
                "{}: {statement} was accepted",
                backend.name
            );
        }
        assert_eq!(store.received_log(&f.scope_a).await.unwrap().len(), 1);
    }
}

async fn raw_execute(url: &str, tenant: &str, statement: &'static str) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    if url.starts_with("sqlite://") {
        let mut conn = sqlx::SqliteConnection::connect(url).await?;
        sqlx::query(statement).execute(&mut conn).await?;
        return Ok(());
    }
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant)
        .execute(&mut *tx)
        .await?;
    sqlx::query(statement).execute(&mut *tx).await?;
    tx.commit().await
}
