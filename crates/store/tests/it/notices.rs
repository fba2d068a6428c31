//! Changes and corrections in transmissions on both backends (issue 5, migration 0011): which
//! events and corrected values are still to go to a recipient, and the receiver's writes for
//! persons it holds, inside the ingest's one transaction.

use domain::{
    AbsenceReason, AssertedValue, EventId, EventKind, FieldKey, PersonCategory, Presence,
};
use time::{Duration, OffsetDateTime};
use whereabouts_store::{
    NewAssertion, NewEvent, NewPerson, NewTransmission, NoticeItem, NoticeKind, ReceivedAssertion,
    ReceivedEvent, StoreError,
};

use crate::harness::{backends, new_source, seed};

fn text(value: &str) -> Presence<AssertedValue> {
    Presence::Present(AssertedValue::Text(value.into()))
}

#[tokio::test]
async fn events_and_corrections_go_once_per_recipient_and_channel() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let at = OffsetDateTime::now_utc() - Duration::days(10);
        let person = store
            .register_person(
                &f.scope_a,
                f.source_a,
                &NewPerson {
                    reference: "A-1".into(),
                    category: PersonCategory::PrisonerOfWar,
                    assertions: vec![NewAssertion {
                        field: FieldKey::Unit,
                        value: text("3rd company"),
                        locator: "line 1".into(),
                    }],
                    events: vec![NewEvent {
                        kind: EventKind::FellIntoPower,
                        occurred_at: at,
                        place: None,
                        place_to: None,
                        locator: "line 1".into(),
                        note: None,
                    }],
                },
            )
            .await
            .unwrap();
        let kinds = ["fell-into-power", "hospital-admission", "death"];
        // Nothing carried yet: the capture is pending and the person not carried.
        let pending = store
            .untransmitted_events(&f.scope_a, "agency", "agency", &kinds)
            .await
            .unwrap();
        assert_eq!(pending.len(), 1, "{}", backend.name);
        assert!(!pending[0].person_carried, "{}", backend.name);
        let capture = pending[0].event;
        // No correction before a first card.
        assert!(
            store
                .pending_corrections(&f.scope_a, "agency", "agency")
                .await
                .unwrap()
                .is_empty()
        );
        let sent = NewTransmission {
            recipient: "agency".into(),
            channel: "agency".into(),
            sequence: 1,
            content_hash: "sha256:01".into(),
            envelope: "{}".into(),
            officer: "Officer Varga".into(),
            persons: vec![person],
            notices: vec![NoticeItem {
                person,
                kind: NoticeKind::Event,
                id: *capture.as_uuid(),
            }],
        };
        store.record_transmission(&f.scope_a, &sent).await.unwrap();
        assert!(
            store
                .untransmitted_events(&f.scope_a, "agency", "agency", &kinds)
                .await
                .unwrap()
                .is_empty(),
            "{}",
            backend.name
        );
        // The other channel has its own bookkeeping (XC-5).
        assert_eq!(
            store
                .untransmitted_events(&f.scope_a, "agency", "protecting-power", &kinds)
                .await
                .unwrap()
                .len(),
            1
        );
        // A later event and a corrected value are pending, the person now carried.
        let admission = store
            .record_event(
                &f.scope_a,
                person,
                f.source_a,
                &NewEvent {
                    kind: EventKind::HospitalAdmission,
                    occurred_at: at + Duration::days(2),
                    place: Some(f.hospital_a),
                    place_to: None,
                    locator: "form 7".into(),
                    note: None,
                },
            )
            .await
            .unwrap();
        let pending = store
            .untransmitted_events(&f.scope_a, "agency", "agency", &kinds)
            .await
            .unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].event, admission);
        assert!(pending[0].person_carried);
        let standing = store.person(&f.scope_a, person).await.unwrap().assertions[0].id;
        let corrected = store
            .add_assertion(
                &f.scope_a,
                person,
                f.source_a,
                &NewAssertion {
                    field: FieldKey::Unit,
                    value: text("4th company"),
                    locator: "correction 1".into(),
                },
                Some(standing),
            )
            .await
            .unwrap();
        let corrections = store
            .pending_corrections(&f.scope_a, "agency", "agency")
            .await
            .unwrap();
        assert_eq!(corrections.len(), 1, "{}", backend.name);
        assert_eq!(corrections[0].assertion, corrected);
        // Once carried, neither is pending again.
        let second = NewTransmission {
            sequence: 2,
            content_hash: "sha256:02".into(),
            persons: vec![person],
            notices: vec![
                NoticeItem {
                    person,
                    kind: NoticeKind::Event,
                    id: *admission.as_uuid(),
                },
                NoticeItem {
                    person,
                    kind: NoticeKind::Assertion,
                    id: *corrected.as_uuid(),
                },
            ],
            ..sent.clone()
        };
        store
            .record_transmission(&f.scope_a, &second)
            .await
            .unwrap();
        assert!(
            store
                .untransmitted_events(&f.scope_a, "agency", "agency", &kinds)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .pending_corrections(&f.scope_a, "agency", "agency")
                .await
                .unwrap()
                .is_empty()
        );
        // Tenancy: another tenant sees none of it, and cannot list A's person as carried.
        assert!(
            store
                .untransmitted_events(&f.scope_b, "agency", "protecting-power", &kinds)
                .await
                .unwrap()
                .is_empty()
        );
        let foreign = NewTransmission {
            sequence: 1,
            persons: vec![],
            ..second.clone()
        };
        assert!(matches!(
            store.record_transmission(&f.scope_b, &foreign).await,
            Err(StoreError::UnknownPerson(p)) if p == person
        ));
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
async fn received_corrections_supersede_and_a_failure_writes_nothing() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let person = store
            .register_person(
                &f.scope_a,
                f.source_a,
                &NewPerson {
                    reference: "bureau-b:B-1".into(),
                    category: PersonCategory::PrisonerOfWar,
                    assertions: vec![NewAssertion {
                        field: FieldKey::Unit,
                        value: text("1st company"),
                        locator: "envelope bureau-b #1 notice 1, field unit".into(),
                    }],
                    events: vec![],
                },
            )
            .await
            .unwrap();
        let before = store.person(&f.scope_a, person).await.unwrap();
        let earlier = before.assertions[0].id;
        let at = OffsetDateTime::now_utc() - Duration::days(3);
        let event = |kind| ReceivedEvent {
            id: EventId::new(),
            person,
            kind,
            occurred_at: at,
            locator: "envelope bureau-b #2 notice 2, event".into(),
            note: Some("at Camp South".into()),
        };
        let correction = ReceivedAssertion {
            person,
            assertion: NewAssertion {
                field: FieldKey::Unit,
                value: text("2nd company"),
                locator: "envelope bureau-b #2 notice 1, field unit".into(),
            },
            supersedes: Some(earlier),
        };
        // A person of another tenant: refused, and nothing of the batch is written.
        let foreign = store
            .register_person(
                &f.scope_b,
                f.source_b,
                &NewPerson {
                    reference: "B-9".into(),
                    category: PersonCategory::PrisonerOfWar,
                    assertions: vec![],
                    events: vec![],
                },
            )
            .await
            .unwrap();
        let mut batch = store
            .begin_import_from(&f.scope_a, &new_source("envelope bureau-b #2"))
            .await
            .unwrap();
        let mut stray = event(EventKind::FellIntoPower);
        stray.person = foreign;
        assert!(matches!(
            batch
                .add_received(
                    std::slice::from_ref(&correction),
                    &[event(EventKind::FellIntoPower), stray]
                )
                .await,
            Err(StoreError::NotFound)
        ));
        drop(batch);
        let unchanged = store.person(&f.scope_a, person).await.unwrap();
        assert_eq!(unchanged.assertions.len(), 1, "{}", backend.name);
        assert!(unchanged.events.is_empty());
        // An overlong note is refused by name.
        let mut batch = store
            .begin_import_from(&f.scope_a, &new_source("envelope bureau-b #2"))
            .await
            .unwrap();
        let mut long = event(EventKind::FellIntoPower);
        long.note = Some("x".repeat(2001));
        assert!(matches!(
            batch.add_received(&[], &[long]).await,
            Err(StoreError::Invalid(m)) if m.contains("2000")
        ));
        drop(batch);
        // The real thing: the correction supersedes, the earlier value is kept (XC-3).
        let mut batch = store
            .begin_import_from(&f.scope_a, &new_source("envelope bureau-b #2"))
            .await
            .unwrap();
        let absent = ReceivedAssertion {
            person,
            assertion: NewAssertion {
                field: FieldKey::Occupation,
                value: Presence::Absent(AbsenceReason::DeclinedByPerson),
                locator: "envelope bureau-b #2 notice 1, field occupation".into(),
            },
            supersedes: None,
        };
        batch
            .add_received(&[correction, absent], &[event(EventKind::FellIntoPower)])
            .await
            .unwrap();
        batch.commit().await.unwrap();
        let after = store.person(&f.scope_a, person).await.unwrap();
        assert_eq!(after.assertions.len(), 3, "{}", backend.name);
        assert!(after.assertions.iter().any(|a| a.id == earlier));
        let view = domain::CurrentView::project(&after.assertions);
        assert_eq!(
            view.value(FieldKey::Unit),
            Some(&AssertedValue::Text("2nd company".into()))
        );
        assert_eq!(after.events.len(), 1);
        assert_eq!(after.events[0].note.as_deref(), Some("at Camp South"));
        assert_eq!(after.events[0].place, None);
        // Another tenant's scope sees nothing of it.
        assert!(matches!(
            store.person(&f.scope_b, person).await,
            Err(StoreError::NotFound)
        ));
    }
}

/// GC4-137-b, migration 0012: detriment flags not yet carried to a recipient on a channel,
/// whether the person's card went there, and each flag carried once (`transmission_flags`);
/// another tenant's flags are not seen.
#[tokio::test]
async fn detriment_flags_go_once_per_recipient_and_channel() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let person = store
            .register_person(
                &f.scope_a,
                f.source_a,
                &NewPerson {
                    reference: "A-F".into(),
                    category: PersonCategory::CivilianInternee,
                    assertions: vec![],
                    events: vec![],
                },
            )
            .await
            .unwrap();
        store
            .flag_detriment(&f.scope_a, person, "relatives at risk")
            .await
            .unwrap();
        let pending = store
            .untransmitted_flags(&f.scope_a, "agency", "agency")
            .await
            .unwrap();
        assert_eq!(pending.len(), 1, "{}", backend.name);
        assert_eq!(
            (
                pending[0].person,
                pending[0].reason.as_str(),
                pending[0].person_carried
            ),
            (person, "relatives at risk", false)
        );
        assert!(
            store
                .untransmitted_flags(&f.scope_b, "agency", "agency")
                .await
                .unwrap()
                .is_empty()
        );
        // The first card carries the flag.
        let first = NewTransmission {
            recipient: "agency".into(),
            channel: "agency".into(),
            sequence: 1,
            content_hash: "sha256:f1".into(),
            envelope: "{}".into(),
            officer: "Officer Varga".into(),
            persons: vec![person],
            notices: vec![NoticeItem {
                person,
                kind: NoticeKind::DetrimentFlag,
                id: pending[0].flag,
            }],
        };
        store.record_transmission(&f.scope_a, &first).await.unwrap();
        assert!(
            store
                .untransmitted_flags(&f.scope_a, "agency", "agency")
                .await
                .unwrap()
                .is_empty(),
            "{}",
            backend.name
        );
        // The protecting-power channel has its own bookkeeping (XC-5).
        assert_eq!(
            store
                .untransmitted_flags(&f.scope_a, "agency", "protecting-power")
                .await
                .unwrap()
                .len(),
            1
        );
        // A flag set later: pending, the person carried.
        store
            .flag_detriment(&f.scope_a, person, "a new statement")
            .await
            .unwrap();
        let later = store
            .untransmitted_flags(&f.scope_a, "agency", "agency")
            .await
            .unwrap();
        assert_eq!(later.len(), 1);
        assert_eq!(
            (later[0].reason.as_str(), later[0].person_carried),
            ("a new statement", true)
        );
        // A flag id that is not this tenant's is not recorded as carried.
        let bogus = NewTransmission {
            sequence: 2,
            content_hash: "sha256:f2".into(),
            persons: vec![],
            notices: vec![NoticeItem {
                person,
                kind: NoticeKind::DetrimentFlag,
                id: uuid::Uuid::now_v7(),
            }],
            ..first.clone()
        };
        match store.record_transmission(&f.scope_a, &bogus).await {
            Err(StoreError::Invalid(message)) => {
                assert!(
                    message.contains("not one of this tenant's flags"),
                    "{message}"
                );
            }
            other => panic!("{}: {other:?}", backend.name),
        }
        assert_eq!(
            store
                .untransmitted_flags(&f.scope_a, "agency", "agency")
                .await
                .unwrap()
                .len(),
            1
        );
    }
}
