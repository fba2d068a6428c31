//! Issue 5, continued (migration 0019), on both backends: a withdrawal travels to the bureau
//! asked (GC3-122-g, GC4-137-a; §10 #47). Tenant A plays the agency, tenant B the bureau.

use whereabouts_store::{
    ClosureOutcome, DatabaseUrl, NewEnquiry, NewTransmission, NoticeItem, NoticeKind,
    ReceivedEnquiry, ReceivedWithdrawal, Store, StoreError, WithdrawalReceived,
};

use crate::harness::{backends, new_source, register_pow as register, seed};

/// Reads `withdrawal` from the agency's envelope `envelope` at the bureau in one committed import.
async fn read_withdrawal(
    store: &Store,
    scope: &whereabouts_store::TenantScope,
    envelope: &str,
    withdrawal: &ReceivedWithdrawal,
) -> WithdrawalReceived {
    let mut batch = store
        .begin_import_from(scope, &new_source(envelope))
        .await
        .unwrap();
    let received = batch.receive_withdrawal(withdrawal).await.unwrap();
    batch.commit().await.unwrap();
    received
}

fn envelope(sequence: i64, kind: NoticeKind, id: uuid::Uuid) -> NewTransmission {
    NewTransmission {
        recipient: "bureau-b".into(),
        channel: "agency".into(),
        sequence,
        content_hash: format!("sha256:{sequence:064}"),
        envelope: format!("{{\"sequence\":{sequence}}}"),
        officer: "Officer Varga".into(),
        persons: Vec::new(),
        notices: vec![NoticeItem {
            person: domain::PersonId::from_uuid(uuid::Uuid::nil()),
            kind,
            id,
        }],
    }
}

#[tokio::test]
async fn a_withdrawal_waits_for_its_enquiry_travels_once_and_closes_it_at_the_bureau() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let at_agency = register(store, &f.scope_a, f.source_a, "bureau-b:B-7").await;
        let ask = |question: &str| NewEnquiry {
            peer: "bureau-b".into(),
            person: Some(at_agency),
            question: question.into(),
            ..NewEnquiry::default()
        };
        let withdrawn = store
            .ask_enquiry(&f.scope_a, &ask("Where is he held?"))
            .await
            .unwrap();
        let answered = store
            .ask_enquiry(&f.scope_a, &ask("Is he in hospital?"))
            .await
            .unwrap();
        for (sequence, enquiry) in [(1, &withdrawn), (2, &answered)] {
            store
                .record_transmission(
                    &f.scope_a,
                    &envelope(sequence, NoticeKind::Enquiry, enquiry.id),
                )
                .await
                .unwrap();
        }
        // Closed after they travelled: the withdrawal waits for bureau B, the closure as
        // answered does not travel (the bureau still replies to all enquiries).
        let closure = store
            .close_enquiry(
                &f.scope_a,
                withdrawn.id,
                ClosureOutcome::Withdrawn,
                "The family had news through a Red Cross message",
            )
            .await
            .unwrap();
        let by_other_means = store
            .close_enquiry(
                &f.scope_a,
                answered.id,
                ClosureOutcome::Answered,
                "Answered by telephone",
            )
            .await
            .unwrap();
        let pending = store
            .pending_messages(&f.scope_a, "bureau-b")
            .await
            .unwrap();
        assert_eq!(pending.withdrawals.len(), 1, "{name}");
        assert_eq!(pending.withdrawals[0].id, withdrawn.id);
        assert_eq!(
            pending.withdrawals[0].closure.as_ref().map(|c| c.id),
            Some(closure.id)
        );
        assert!(pending.enquiries.is_empty() && !pending.is_empty());
        // Only the bureau asked is told; another tenant has nothing to send.
        assert!(
            store
                .pending_messages(&f.scope_a, "bureau-c")
                .await
                .unwrap()
                .withdrawals
                .is_empty()
        );
        assert!(
            store
                .pending_messages(&f.scope_b, "bureau-b")
                .await
                .unwrap()
                .is_empty()
        );
        // An envelope cannot record a closure as answered as a withdrawal.
        let refused = store
            .record_transmission(
                &f.scope_a,
                &envelope(3, NoticeKind::Withdrawal, by_other_means.id),
            )
            .await;
        assert!(
            matches!(&refused, Err(StoreError::Invalid(m)) if m.contains("withdrawal")),
            "{name}: {refused:?}"
        );
        store
            .record_transmission(&f.scope_a, &envelope(3, NoticeKind::Withdrawal, closure.id))
            .await
            .unwrap();
        assert!(
            store
                .pending_messages(&f.scope_a, "bureau-b")
                .await
                .unwrap()
                .is_empty(),
            "{name}: a withdrawal travels once"
        );

        // At bureau B: the enquiry arrived, then its withdrawal, twice: applied once.
        let mut batch = store
            .begin_import_from(&f.scope_b, &new_source("envelope agency #1"))
            .await
            .unwrap();
        batch
            .receive_enquiry(&ReceivedEnquiry {
                peer: "agency".into(),
                reference: withdrawn.reference.clone(),
                person: None,
                subject_reference: Some("B-7".into()),
                sought: None,
                question: withdrawn.question.clone(),
                asked_by: "Caseworker".into(),
                asked_at: withdrawn.asked_at,
                due_at: withdrawn.due_at,
            })
            .await
            .unwrap();
        batch.commit().await.unwrap();
        let received = ReceivedWithdrawal {
            peer: "agency".into(),
            reference: withdrawn.reference.clone(),
            reason: closure.reason.clone(),
            closed_by: "Caseworker".into(),
            closed_at: closure.closed_at,
        };
        for expected in [
            WithdrawalReceived::Closed,
            WithdrawalReceived::ClosedAlready,
        ] {
            assert_eq!(
                read_withdrawal(store, &f.scope_b, "envelope agency #3", &received).await,
                expected,
                "{name}"
            );
        }
        // The same reference from another sender, or in another tenant: held for an enquiry
        // of that sender (migration 0021), never applied to this one.
        let mut batch = store
            .begin_import_from(&f.scope_b, &new_source("envelope x"))
            .await
            .unwrap();
        let stray = ReceivedWithdrawal {
            peer: "bureau-c".into(),
            ..received.clone()
        };
        assert_eq!(
            batch.receive_withdrawal(&stray).await.unwrap(),
            WithdrawalReceived::Parked
        );
        let empty = ReceivedWithdrawal {
            reason: " ".into(),
            ..received.clone()
        };
        assert!(matches!(
            batch.receive_withdrawal(&empty).await,
            Err(StoreError::Invalid(m)) if m.contains("reason")
        ));
        drop(batch);
        assert!(
            store
                .parked_withdrawals(&f.scope_b)
                .await
                .unwrap()
                .is_empty(),
            "{name}: an abandoned import holds nothing"
        );
        let mut batch = store
            .begin_import_from(&f.scope_a, &new_source("envelope y"))
            .await
            .unwrap();
        assert_eq!(
            batch.receive_withdrawal(&received).await.unwrap(),
            WithdrawalReceived::Parked
        );
        drop(batch);

        let inbox = store.enquiries(&f.scope_b).await.unwrap();
        assert_eq!(inbox.len(), 1, "{name}");
        let held = inbox[0].closure.as_ref().expect("closed at the bureau");
        assert_eq!(held.outcome, ClosureOutcome::Withdrawn);
        assert!(held.received, "{name}: the closure cites the envelope");
        assert_eq!(held.reason, closure.reason);
        assert_eq!(held.closed_at, closure.closed_at, "{name}");
        // The agency's own closure is not a received one.
        let own = store.enquiry(&f.scope_a, withdrawn.id).await.unwrap();
        assert!(!own.closure.unwrap().received);
    }
}

/// A withdrawal read before the enquiry it withdraws (bundles out of order) is held, durably,
/// and closes the enquiry when it arrives: once, citing the withdrawal's envelope (GC3-122-g,
/// XC-3; migration 0021). Before, it refused the whole envelope.
#[tokio::test]
async fn a_withdrawal_read_before_its_enquiry_is_held_and_closes_it_when_it_arrives() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let early = ReceivedWithdrawal {
            peer: "agency".into(),
            reference: "ENQ-0000feedbeef".into(),
            reason: "The family had news through a Red Cross message".into(),
            closed_by: "Caseworker".into(),
            closed_at: time::macros::datetime!(2026-03-02 10:00 UTC),
        };
        let enquiry = |peer: &str| ReceivedEnquiry {
            peer: peer.into(),
            reference: early.reference.clone(),
            person: None,
            subject_reference: Some("B-7".into()),
            sought: None,
            question: "Where is he held?".into(),
            asked_by: "Caseworker".into(),
            asked_at: time::macros::datetime!(2026-03-01 09:00 UTC),
            due_at: time::macros::datetime!(2026-03-15 09:00 UTC),
        };
        // Envelope #2 first: the withdrawal is held, twice read, held once.
        for expected in [
            WithdrawalReceived::Parked,
            WithdrawalReceived::ParkedAlready,
        ] {
            assert_eq!(
                read_withdrawal(store, &f.scope_b, "envelope agency #2", &early).await,
                expected,
                "{name}"
            );
        }
        assert!(store.enquiries(&f.scope_b).await.unwrap().is_empty());
        // Held durably: another connection to the same database sees it; another tenant not.
        let reopened = Store::open(&DatabaseUrl::parse(&backend.raw_url).unwrap())
            .await
            .unwrap();
        let held = reopened.parked_withdrawals(&f.scope_b).await.unwrap();
        reopened.close().await;
        assert_eq!(held.len(), 1, "{name}");
        assert_eq!(
            (held[0].peer.as_str(), held[0].reference.as_str()),
            ("agency", "ENQ-0000feedbeef")
        );
        assert_eq!(held[0].closed_at, early.closed_at);
        assert!(
            store
                .parked_withdrawals(&f.scope_a)
                .await
                .unwrap()
                .is_empty()
        );

        // The same reference from another sender is not the one withdrawn: it stays open.
        let mut batch = store
            .begin_import_from(&f.scope_b, &new_source("envelope bureau-c #1"))
            .await
            .unwrap();
        assert!(batch.receive_enquiry(&enquiry("bureau-c")).await.unwrap());
        batch.commit().await.unwrap();
        // An import that fails after the enquiry is written leaves the withdrawal held.
        let mut batch = store
            .begin_import_from(&f.scope_b, &new_source("envelope agency #1, abandoned"))
            .await
            .unwrap();
        assert!(batch.receive_enquiry(&enquiry("agency")).await.unwrap());
        drop(batch);
        assert_eq!(store.parked_withdrawals(&f.scope_b).await.unwrap().len(), 1);

        // Envelope #1 arrives: the enquiry is kept and closed in the same transaction.
        for expected in [true, false] {
            let mut batch = store
                .begin_import_from(&f.scope_b, &new_source("envelope agency #1"))
                .await
                .unwrap();
            assert_eq!(
                batch.receive_enquiry(&enquiry("agency")).await.unwrap(),
                expected,
                "{name}"
            );
            batch.commit().await.unwrap();
        }
        assert!(
            store
                .parked_withdrawals(&f.scope_b)
                .await
                .unwrap()
                .is_empty(),
            "{name}: applied, no longer waiting"
        );
        let inbox = store.enquiries(&f.scope_b).await.unwrap();
        assert_eq!(inbox.len(), 2, "{name}");
        let from_agency = inbox.iter().find(|e| e.peer == "agency").unwrap();
        let closure = from_agency.closure.as_ref().expect("closed on arrival");
        assert_eq!(closure.outcome, ClosureOutcome::Withdrawn);
        assert!(
            closure.received,
            "{name}: it cites the withdrawal's envelope"
        );
        assert_eq!(closure.reason, early.reason);
        assert_eq!(closure.closed_at, early.closed_at);
        let other = inbox.iter().find(|e| e.peer == "bureau-c").unwrap();
        assert!(other.closure.is_none(), "{name}: another sender's enquiry");

        // Envelope #2 read again, now in order: nothing more.
        assert_eq!(
            read_withdrawal(store, &f.scope_b, "envelope agency #2", &early).await,
            WithdrawalReceived::ClosedAlready
        );
        let again = store.enquiries(&f.scope_b).await.unwrap();
        let closure_again = again
            .iter()
            .find(|e| e.peer == "agency")
            .and_then(|e| e.closure.clone());
        assert_eq!(
            closure_again.map(|c| c.id),
            Some(closure.id),
            "{name}: once"
        );
    }
}
