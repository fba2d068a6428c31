//! Issue 5, continued (migration 0019), on both backends: a withdrawal travels to the bureau
//! asked (GC3-122-g, GC4-137-a; §10 #47). Tenant A plays the agency, tenant B the bureau.

use whereabouts_store::{
    ClosureOutcome, NewEnquiry, NewTransmission, NoticeItem, NoticeKind, ReceivedEnquiry,
    ReceivedWithdrawal, StoreError,
};

use crate::harness::{backends, new_source, register_pow as register, seed};

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
        for expected in [Some(true), Some(false)] {
            let mut batch = store
                .begin_import_from(&f.scope_b, &new_source("envelope agency #3"))
                .await
                .unwrap();
            assert_eq!(
                batch.receive_withdrawal(&received).await.unwrap(),
                expected,
                "{name}"
            );
            batch.commit().await.unwrap();
        }
        // An enquiry never received from that sender, or in another tenant: nothing.
        let mut batch = store
            .begin_import_from(&f.scope_b, &new_source("envelope x"))
            .await
            .unwrap();
        let stray = ReceivedWithdrawal {
            peer: "bureau-c".into(),
            ..received.clone()
        };
        assert_eq!(batch.receive_withdrawal(&stray).await.unwrap(), None);
        let empty = ReceivedWithdrawal {
            reason: " ".into(),
            ..received.clone()
        };
        assert!(matches!(
            batch.receive_withdrawal(&empty).await,
            Err(StoreError::Invalid(m)) if m.contains("reason")
        ));
        drop(batch);
        let mut batch = store
            .begin_import_from(&f.scope_a, &new_source("envelope y"))
            .await
            .unwrap();
        assert_eq!(batch.receive_withdrawal(&received).await.unwrap(), None);
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
