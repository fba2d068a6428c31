//! Issue 5, continued (migration 0018), on both backends: closing an enquiry (GC3-122-g,
//! §10 #47), lists drawn from events (GC3-46-a, GC4-127, GC3-122-e), each peer's exchange
//! status kept across a restart, and the forwarding round's memory of the persons it found
//! nothing for (GC3-123-a, GC4-140-a). Tenant A plays the agency or a bureau, tenant B the
//! other; each sees only its own.

use domain::{AssertedValue, EventKind, FieldKey, Presence};
use time::{Duration, OffsetDateTime};
use whereabouts_store::{
    ClosureOutcome, DatabaseUrl, ListCriteria, NewAssertion, NewEnquiry, NewEvent,
    PeerExchangeUpdate, Store, StoreError,
};

use crate::harness::{backends, register_pow as register, seed};

#[tokio::test]
async fn an_enquiry_is_closed_once_by_the_tenant_that_asked_it() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let person = register(store, &f.scope_a, f.source_a, "bureau-b:B-7").await;
        let asked = store
            .ask_enquiry(
                &f.scope_a,
                &NewEnquiry {
                    peer: "bureau-b".into(),
                    person: Some(person),
                    question: "Where is this person held now?".into(),
                    ..NewEnquiry::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .pending_messages(&f.scope_a, "bureau-b")
                .await
                .unwrap()
                .enquiries
                .len(),
            1
        );
        // A reason is required; another tenant's enquiry is not found.
        assert!(matches!(
            store
                .close_enquiry(&f.scope_a, asked.id, ClosureOutcome::Withdrawn, "  ")
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store
                .close_enquiry(&f.scope_b, asked.id, ClosureOutcome::Withdrawn, "not ours")
                .await,
            Err(StoreError::NotFound)
        ));
        let closure = store
            .close_enquiry(
                &f.scope_a,
                asked.id,
                ClosureOutcome::Withdrawn,
                "The family found him",
            )
            .await
            .unwrap();
        assert_eq!(closure.outcome, ClosureOutcome::Withdrawn);
        let read = store.enquiry(&f.scope_a, asked.id).await.unwrap();
        assert_eq!(read.closure, Some(closure), "{}", backend.name);
        // The first closure stands.
        let again = store
            .close_enquiry(&f.scope_a, asked.id, ClosureOutcome::Answered, "twice")
            .await;
        assert!(
            matches!(&again, Err(StoreError::Invalid(m)) if m.contains("withdrawn")),
            "{again:?}"
        );
        // Withdrawn before it travelled: it is not sent at all.
        assert!(
            store
                .pending_messages(&f.scope_a, "bureau-b")
                .await
                .unwrap()
                .enquiries
                .is_empty()
        );
        assert!(ClosureOutcome::parse("forgotten").is_err());
    }
}

#[tokio::test]
async fn a_list_is_drawn_from_the_events_at_a_place_in_a_period() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let now = OffsetDateTime::now_utc();
        let event = |kind, days: i64, place, place_to| NewEvent {
            kind,
            occurred_at: now - Duration::days(days),
            place,
            place_to,
            locator: "order".into(),
            note: None,
        };
        let moved = register(store, &f.scope_a, f.source_a, "A-1").await;
        let stayed = register(store, &f.scope_a, f.source_a, "A-2").await;
        let freed = register(store, &f.scope_a, f.source_a, "A-3").await;
        for (person, new) in [
            (
                moved,
                event(EventKind::FellIntoPower, 20, Some(f.camp_a), None),
            ),
            (
                stayed,
                event(EventKind::FellIntoPower, 19, Some(f.camp_a), None),
            ),
            (
                freed,
                event(EventKind::FellIntoPower, 18, Some(f.camp_a), None),
            ),
            (
                moved,
                event(
                    EventKind::TransferDeparture,
                    3,
                    Some(f.camp_a),
                    Some(f.hospital_a),
                ),
            ),
            (freed, event(EventKind::Release, 2, Some(f.camp_a), None)),
        ] {
            store
                .record_event(&f.scope_a, person, f.source_a, &new)
                .await
                .unwrap();
        }
        let transferred = ListCriteria {
            kinds: vec![EventKind::TransferDeparture],
            place: Some(f.hospital_a),
            from: Some(now - Duration::days(7)),
            until: Some(now),
        };
        let (persons, more) = store
            .persons_by_events(&f.scope_a, &transferred, 100)
            .await
            .unwrap();
        assert_eq!((persons, more), (vec![moved], false), "{}", backend.name);
        // The departure's place is where the person left from, not the destination.
        let from_camp = ListCriteria {
            place: Some(f.camp_a),
            ..transferred.clone()
        };
        assert!(
            store
                .persons_by_events(&f.scope_a, &from_camp, 100)
                .await
                .unwrap()
                .0
                .is_empty()
        );
        // The period excludes an earlier transfer.
        let last_day = ListCriteria {
            from: Some(now - Duration::days(1)),
            ..transferred.clone()
        };
        assert!(
            store
                .persons_by_events(&f.scope_a, &last_day, 100)
                .await
                .unwrap()
                .0
                .is_empty()
        );
        // Released or repatriated: any place; captures in the order they happened; a limit.
        let released = ListCriteria {
            kinds: vec![EventKind::Release, EventKind::Repatriation],
            ..ListCriteria::default()
        };
        assert_eq!(
            store
                .persons_by_events(&f.scope_a, &released, 100)
                .await
                .unwrap()
                .0,
            vec![freed]
        );
        let captured = ListCriteria {
            kinds: vec![EventKind::FellIntoPower],
            ..ListCriteria::default()
        };
        let (first_two, more) = store
            .persons_by_events(&f.scope_a, &captured, 2)
            .await
            .unwrap();
        assert_eq!((first_two, more), (vec![moved, stayed], true));
        // Another tenant sees none of them.
        assert!(
            store
                .persons_by_events(&f.scope_b, &captured, 100)
                .await
                .unwrap()
                .0
                .is_empty()
        );
    }
}

#[tokio::test]
async fn each_peers_last_push_pull_and_failure_survive_reopening_the_store() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        assert_eq!(
            store.peer_exchange(&f.scope_a, "agency").await.unwrap(),
            Default::default()
        );
        let pulled = OffsetDateTime::now_utc() - Duration::minutes(5);
        store
            .note_peer_exchange(
                &f.scope_a,
                "agency",
                &PeerExchangeUpdate {
                    pulled: Some(pulled),
                    ..PeerExchangeUpdate::default()
                },
            )
            .await
            .unwrap();
        let failed = OffsetDateTime::now_utc();
        let long = "the peer answered 503: ".to_owned() + &"x".repeat(5000);
        store
            .note_peer_exchange(
                &f.scope_a,
                "agency",
                &PeerExchangeUpdate {
                    pushed: Some(failed),
                    error: Some(Some((failed, long))),
                    ..PeerExchangeUpdate::default()
                },
            )
            .await
            .unwrap();
        assert!(matches!(
            store
                .note_peer_exchange(&f.scope_a, " ", &PeerExchangeUpdate::default())
                .await,
            Err(StoreError::Invalid(_))
        ));
        // A new process: the store opened again from its URL.
        let reopened = Store::open(&DatabaseUrl::parse(&backend.raw_url).unwrap())
            .await
            .unwrap();
        let status = reopened.peer_exchange(&f.scope_a, "agency").await.unwrap();
        let near = |a: OffsetDateTime, b: OffsetDateTime| (a - b).abs() < Duration::milliseconds(1);
        assert!(near(status.last_pull.unwrap(), pulled), "{}", backend.name);
        assert!(near(status.last_push.unwrap(), failed));
        let (at, error) = status.last_error.clone().unwrap();
        assert!(near(at, failed));
        assert!(error.starts_with("the peer answered 503"));
        assert_eq!(error.chars().count(), whereabouts_store::PEER_ERROR_MAX);
        // A success clears the failure and keeps the rest.
        reopened
            .note_peer_exchange(
                &f.scope_a,
                "agency",
                &PeerExchangeUpdate {
                    error: Some(None),
                    ..PeerExchangeUpdate::default()
                },
            )
            .await
            .unwrap();
        let cleared = reopened.peer_exchange(&f.scope_a, "agency").await.unwrap();
        assert_eq!(cleared.last_error, None);
        assert_eq!(cleared.last_pull, status.last_pull);
        // Another tenant's peer of the same name is its own.
        assert_eq!(
            reopened.peer_exchange(&f.scope_b, "agency").await.unwrap(),
            Default::default()
        );
    }
}

#[tokio::test]
async fn a_person_found_not_to_be_forwarded_is_read_again_only_after_a_new_assertion() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let first = register(store, &f.scope_a, f.source_a, "bureau-a:A-1").await;
        let second = register(store, &f.scope_a, f.source_a, "bureau-a:A-2").await;
        let candidates = store
            .persons_without_forwarding(&f.scope_a, "bureau-b")
            .await
            .unwrap();
        assert_eq!(candidates, vec![first, second], "{}", backend.name);
        let read_at = OffsetDateTime::now_utc();
        store
            .note_forwarding_considered(&f.scope_a, "bureau-b", &[first], read_at)
            .await
            .unwrap();
        assert_eq!(
            store
                .persons_without_forwarding(&f.scope_a, "bureau-b")
                .await
                .unwrap(),
            vec![second]
        );
        // Another recipient reads it still.
        assert_eq!(
            store
                .persons_without_forwarding(&f.scope_a, "bureau-c")
                .await
                .unwrap(),
            vec![first, second]
        );
        // A correction of the nationality makes it a candidate again.
        store
            .add_assertion(
                &f.scope_a,
                first,
                f.source_a,
                &NewAssertion {
                    field: FieldKey::Nationality,
                    value: Presence::Present(AssertedValue::Country("XB".into())),
                    locator: "correction 1".into(),
                },
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .persons_without_forwarding(&f.scope_a, "bureau-b")
                .await
                .unwrap(),
            vec![first, second]
        );
        // A person of another tenant is never noted.
        let foreign = register(store, &f.scope_b, f.source_b, "B-1").await;
        store
            .note_forwarding_considered(&f.scope_a, "bureau-b", &[foreign], read_at)
            .await
            .unwrap();
        assert_eq!(
            store
                .persons_without_forwarding(&f.scope_b, "bureau-b")
                .await
                .unwrap(),
            vec![foreign]
        );
        // Noted in batches of 1,000 per statement: persons spread over three batches among
        // ids that are no person of this tenant (nothing is written for those).
        let mut many: Vec<domain::PersonId> = (0..2500)
            .map(|_| domain::PersonId::from_uuid(uuid::Uuid::now_v7()))
            .collect();
        many[999] = first;
        many[1000] = foreign;
        many[2400] = second;
        let later = OffsetDateTime::now_utc();
        store
            .note_forwarding_considered(&f.scope_a, "bureau-d", &many, later)
            .await
            .unwrap();
        assert!(
            store
                .persons_without_forwarding(&f.scope_a, "bureau-d")
                .await
                .unwrap()
                .is_empty(),
            "{}",
            backend.name
        );
        assert_eq!(
            store
                .persons_without_forwarding(&f.scope_b, "bureau-d")
                .await
                .unwrap(),
            vec![foreign]
        );
        // Noted again later: the time moves (an upsert), nothing is duplicated.
        store
            .note_forwarding_considered(&f.scope_a, "bureau-d", &[first, second], later)
            .await
            .unwrap();
    }
}
