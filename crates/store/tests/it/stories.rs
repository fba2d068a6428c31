use domain::{
    AbsenceReason, AssertedValue, Channel, CurrentView, EventKind, FieldKey, NamePart,
    NamePartKind, NotificationKind, PartialDate, PersonCategory, PersonName, Presence, RuleId, Sex,
};
use time::{Duration, OffsetDateTime};
use whereabouts_store::{NewAssertion, NewEvent, NewNotification, NewPerson, StoreError};

use crate::harness::{backends, seed};

fn name(given: &str, family: &str) -> Presence<AssertedValue> {
    let parts = vec![
        NamePart::new(NamePartKind::Given, given, Some("uk".parse().unwrap())).unwrap(),
        NamePart::new(NamePartKind::Family, family, Some("uk".parse().unwrap())).unwrap(),
    ];
    Presence::Present(AssertedValue::Name(PersonName::new(parts).unwrap()))
}

fn assertion(field: FieldKey, value: Presence<AssertedValue>) -> NewAssertion {
    NewAssertion {
        field,
        value,
        locator: format!("test, {field}"),
    }
}

fn event(kind: EventKind, at: OffsetDateTime, place: Option<domain::PlaceId>) -> NewEvent {
    NewEvent {
        kind,
        occurred_at: at,
        place,
        place_to: None,
        locator: "test".into(),
        note: None,
    }
}

fn person(reference: &str, given: &str, family: &str, captured: OffsetDateTime) -> NewPerson {
    NewPerson {
        reference: reference.into(),
        category: PersonCategory::PrisonerOfWar,
        assertions: vec![
            assertion(FieldKey::Name, name(given, family)),
            assertion(
                FieldKey::Sex,
                Presence::Present(AssertedValue::Sex(Sex::Male)),
            ),
            assertion(
                FieldKey::BirthDate,
                Presence::Present(AssertedValue::Date(PartialDate::parse("1991").unwrap())),
            ),
            assertion(
                FieldKey::BirthPlace,
                Presence::Absent(AbsenceReason::DeclinedByPerson),
            ),
            assertion(
                FieldKey::ServiceNumber,
                Presence::Absent(AbsenceReason::Unknown),
            ),
        ],
        events: vec![event(EventKind::FellIntoPower, captured, None)],
    }
}

fn days_ago(days: i64) -> OffsetDateTime {
    OffsetDateTime::now_utc() - Duration::days(days)
}

#[tokio::test]
async fn register_and_read_back_with_provenance_and_absences() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let id = store
            .register_person(
                &f.scope_a,
                f.source_a,
                &person("A-1", "Олександр", "Коваленко", days_ago(3)),
            )
            .await
            .unwrap();
        let record = store.person(&f.scope_a, id).await.unwrap();
        assert_eq!(record.person.reference, "A-1", "{}", backend.name);
        assert_eq!(record.person.category, PersonCategory::PrisonerOfWar);
        assert_eq!(record.assertions.len(), 5);
        assert_eq!(record.events.len(), 1);
        let view = CurrentView::project(&record.assertions);
        assert_eq!(
            view.value(FieldKey::Name).unwrap().display(),
            "Олександр Коваленко"
        );
        // XC-2: declined is stored as declined, not as unknown.
        assert_eq!(
            view.fields[&FieldKey::BirthPlace].absence(),
            Some(AbsenceReason::DeclinedByPerson)
        );
        assert_eq!(
            view.fields[&FieldKey::ServiceNumber].absence(),
            Some(AbsenceReason::Unknown)
        );
        // XC-3: every value cites its source, and the source is returned with the record.
        assert!(record.assertions.iter().all(|a| a.source == f.source_a));
        assert_eq!(record.sources.len(), 1);
        assert_eq!(record.sources[0].reference, "list-a.csv");
        assert_eq!(record.sources[0].language.as_ref().unwrap().as_str(), "uk");
        assert!(record.assertions[0].locator.starts_with("test"));
        if let Some(AssertedValue::Name(name)) = view.value(FieldKey::Name) {
            assert_eq!(
                name.part(NamePartKind::Family).unwrap().script,
                domain::Script::CYRILLIC
            );
        } else {
            panic!("{}: name lost its parts", backend.name);
        }
    }
}

#[tokio::test]
async fn another_tenant_sees_nothing() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let id = store
            .register_person(
                &f.scope_a,
                f.source_a,
                &person("A-1", "Іван", "Петренко", days_ago(3)),
            )
            .await
            .unwrap();
        assert!(
            matches!(
                store.person(&f.scope_b, id).await,
                Err(StoreError::NotFound)
            ),
            "{}",
            backend.name
        );
        assert_eq!(store.count_persons(&f.scope_b).await.unwrap(), 0);
        assert_eq!(
            store.list_persons(&f.scope_b, 0, 50).await.unwrap().total,
            0
        );
        assert!(store.tenant_facts(&f.scope_b).await.unwrap().is_empty());
        assert!(matches!(
            store.person_id_by_reference(&f.scope_b, "A-1").await,
            Err(StoreError::NotFound)
        ));
        // Writing into another tenant's person is refused as not found, too.
        let source_b = f.source_b;
        let write = store
            .add_assertion(
                &f.scope_b,
                id,
                source_b,
                &assertion(
                    FieldKey::Rank,
                    Presence::Present(AssertedValue::Text("x".into())),
                ),
                None,
            )
            .await;
        assert!(
            matches!(write, Err(StoreError::NotFound)),
            "{}",
            backend.name
        );
        let notify = store
            .record_notification(
                &f.scope_b,
                source_b,
                &NewNotification {
                    person: id,
                    rule: RuleId::Gc3_70a,
                    trigger_event: None,
                    channel: Channel::Agency,
                    kind: NotificationKind::Sent,
                    sent_at: days_ago(1),
                    reference: "card".into(),
                },
            )
            .await;
        assert!(matches!(notify, Err(StoreError::NotFound)));
        // The same reference may exist in both tenants: references are per party.
        store
            .register_person(
                &f.scope_b,
                f.source_b,
                &person("A-1", "Іван", "Петренко", days_ago(3)),
            )
            .await
            .unwrap();
        assert_eq!(store.count_persons(&f.scope_a).await.unwrap(), 1);
        assert_eq!(store.count_persons(&f.scope_b).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn corrections_supersede_and_conflicts_stand_side_by_side() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let id = store
            .register_person(
                &f.scope_a,
                f.source_a,
                &person("A-7", "Андрій", "Шевчук", days_ago(5)),
            )
            .await
            .unwrap();
        let first = store
            .add_assertion(
                &f.scope_a,
                id,
                f.source_a,
                &assertion(
                    FieldKey::Rank,
                    Presence::Present(AssertedValue::Text("sergeant".into())),
                ),
                None,
            )
            .await
            .unwrap();
        let second_source = store
            .record_source(&f.scope_a, &crate::harness::new_source("capture card 7"))
            .await
            .unwrap();
        store
            .add_assertion(
                &f.scope_a,
                id,
                second_source,
                &assertion(
                    FieldKey::Rank,
                    Presence::Present(AssertedValue::Text("corporal".into())),
                ),
                None,
            )
            .await
            .unwrap();
        let record = store.person(&f.scope_a, id).await.unwrap();
        let view = CurrentView::project(&record.assertions);
        assert!(
            view.fields[&FieldKey::Rank].is_conflicting(),
            "{}",
            backend.name
        );
        assert_eq!(record.sources.len(), 2);

        let correction = store
            .add_assertion(
                &f.scope_a,
                id,
                f.source_a,
                &assertion(
                    FieldKey::Rank,
                    Presence::Present(AssertedValue::Text("staff sergeant".into())),
                ),
                Some(first),
            )
            .await
            .unwrap();
        let record = store.person(&f.scope_a, id).await.unwrap();
        let view = CurrentView::project(&record.assertions);
        let rank = &view.fields[&FieldKey::Rank];
        assert_eq!(
            rank.superseded.len(),
            1,
            "{}: the corrected value is kept",
            backend.name
        );
        assert_eq!(rank.superseded[0].id, first);
        assert_eq!(rank.standing.len(), 2);
        assert!(rank.standing.iter().any(|a| a.id == correction));

        // A correction must target the same person and field.
        let wrong = store
            .add_assertion(
                &f.scope_a,
                id,
                f.source_a,
                &assertion(
                    FieldKey::Unit,
                    Presence::Present(AssertedValue::Text("x".into())),
                ),
                Some(first),
            )
            .await;
        assert!(
            matches!(wrong, Err(StoreError::Invalid(_))),
            "{}",
            backend.name
        );
        let wrong_kind = store
            .add_assertion(
                &f.scope_a,
                id,
                f.source_a,
                &assertion(
                    FieldKey::Sex,
                    Presence::Present(AssertedValue::Text("M".into())),
                ),
                None,
            )
            .await;
        assert!(matches!(wrong_kind, Err(StoreError::Invalid(_))));
    }
}

#[tokio::test]
async fn xc1_events_close_the_record_and_nothing_follows() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let id = store
            .register_person(
                &f.scope_a,
                f.source_a,
                &person("A-9", "Микола", "Бондар", days_ago(20)),
            )
            .await
            .unwrap();
        store
            .record_event(
                &f.scope_a,
                id,
                f.source_a,
                &event(EventKind::ArrivalAtPlace, days_ago(18), Some(f.camp_a)),
            )
            .await
            .unwrap();
        store
            .record_event(
                &f.scope_a,
                id,
                f.source_a,
                &event(
                    EventKind::HospitalAdmission,
                    days_ago(10),
                    Some(f.hospital_a),
                ),
            )
            .await
            .unwrap();
        // A place of another tenant is refused.
        let foreign = store
            .record_event(
                &f.scope_a,
                id,
                f.source_a,
                &event(EventKind::TransferArrival, days_ago(9), Some(f.camp_b)),
            )
            .await;
        assert!(
            matches!(foreign, Err(StoreError::Invalid(_))),
            "{}",
            backend.name
        );
        store
            .record_event(
                &f.scope_a,
                id,
                f.source_a,
                &event(EventKind::Death, days_ago(8), Some(f.hospital_a)),
            )
            .await
            .unwrap();
        let after = store
            .record_event(
                &f.scope_a,
                id,
                f.source_a,
                &event(EventKind::Release, days_ago(2), None),
            )
            .await;
        match after {
            Err(StoreError::Invalid(message)) => assert!(message.contains("closed"), "{message}"),
            other => panic!(
                "{}: expected refusal after death, got {other:?}",
                backend.name
            ),
        }
        let record = store.person(&f.scope_a, id).await.unwrap();
        assert_eq!(record.events.len(), 4);
        assert!(domain::Custody::from_events(&record.events).is_closed());
        // Still there: a closed record is never deleted.
        assert_eq!(store.count_persons(&f.scope_a).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn import_is_all_or_nothing() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        // Dropped without commit: nothing lands.
        {
            let mut batch = store.begin_import(&f.scope_a, f.source_a).await.unwrap();
            let people: Vec<NewPerson> = (0..1000)
                .map(|i| person(&format!("B-{i}"), "Іван", "Коваль", days_ago(4)))
                .collect();
            batch.insert(&people).await.unwrap();
            assert_eq!(batch.inserted(), 1000);
        }
        assert_eq!(
            store.count_persons(&f.scope_a).await.unwrap(),
            0,
            "{}",
            backend.name
        );

        // A duplicate reference fails the batch; the caller drops it and nothing lands.
        store
            .register_person(
                &f.scope_a,
                f.source_a,
                &person("C-1", "Іван", "Коваль", days_ago(4)),
            )
            .await
            .unwrap();
        let mut batch = store.begin_import(&f.scope_a, f.source_a).await.unwrap();
        let people = vec![
            person("C-2", "Петро", "Мороз", days_ago(4)),
            person("C-1", "Іван", "Коваль", days_ago(4)),
        ];
        let result = batch.insert(&people).await;
        assert!(
            matches!(result, Err(StoreError::DuplicateReference { .. })),
            "{}: {result:?}",
            backend.name
        );
        drop(batch);
        assert_eq!(store.count_persons(&f.scope_a).await.unwrap(), 1);

        // Committed: every row lands at once, with all its assertions.
        let mut batch = store.begin_import(&f.scope_a, f.source_a).await.unwrap();
        let people: Vec<NewPerson> = (0..2500)
            .map(|i| person(&format!("D-{i}"), "Олена", "Ткаченко", days_ago(4)))
            .collect();
        batch.insert(&people[..1200]).await.unwrap();
        batch.insert(&people[1200..]).await.unwrap();
        assert_eq!(batch.commit().await.unwrap(), 2500);
        assert_eq!(store.count_persons(&f.scope_a).await.unwrap(), 2501);
        let existing = store
            .existing_references(&f.scope_a, &["D-0".into(), "D-2499".into(), "Z-1".into()])
            .await
            .unwrap();
        assert_eq!(existing.len(), 2);
        let facts = store.tenant_facts(&f.scope_a).await.unwrap();
        assert_eq!(facts.len(), 2501);
        assert!(facts.iter().all(|p| p.events.len() == 1));
    }
}

#[tokio::test]
async fn an_import_records_its_source_in_its_own_transaction() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let tenant = f.tenant_a.id.to_string();
        let count = "SELECT count(*) FROM sources";
        let before = raw_count(&backend.raw_url, &tenant, count).await;
        // Abandoned: neither the persons nor the source land (nothing half-written).
        {
            let mut batch = store
                .begin_import_from(
                    &f.scope_a,
                    &crate::harness::new_source("list.csv sha256:00"),
                )
                .await
                .unwrap();
            let people: Vec<NewPerson> = (0..300)
                .map(|i| person(&format!("S-{i}"), "Іван", "Коваль", days_ago(4)))
                .collect();
            batch.insert(&people).await.unwrap();
        }
        assert_eq!(
            raw_count(&backend.raw_url, &tenant, count).await,
            before,
            "{}",
            backend.name
        );
        assert_eq!(store.count_persons(&f.scope_a).await.unwrap(), 0);

        // A place of another tenant is refused, whichever way the rows are written.
        let mut batch = store
            .begin_import_from(
                &f.scope_a,
                &crate::harness::new_source("list.csv sha256:01"),
            )
            .await
            .unwrap();
        let mut moved = person("S-1", "Іван", "Коваль", days_ago(4));
        moved.events.push(event(
            EventKind::ArrivalAtPlace,
            days_ago(2),
            Some(f.camp_b),
        ));
        let refused = batch.insert(std::slice::from_ref(&moved)).await;
        assert!(refused.is_err(), "{}: {refused:?}", backend.name);
        drop(batch);

        // Committed: the source and its persons land together, and provenance names it.
        let mut batch = store
            .begin_import_from(
                &f.scope_a,
                &crate::harness::new_source("list.csv sha256:02"),
            )
            .await
            .unwrap();
        let source = batch.source();
        let mut kept = person("S-2", "Іван", "Коваль", days_ago(4));
        kept.events.push(event(
            EventKind::ArrivalAtPlace,
            days_ago(2),
            Some(f.camp_a),
        ));
        let ids = batch.insert(&[kept]).await.unwrap();
        assert_eq!(batch.commit().await.unwrap(), 1);
        assert_eq!(
            raw_count(&backend.raw_url, &tenant, count).await,
            before + 1,
            "{}",
            backend.name
        );
        let record = store.person(&f.scope_a, ids[0]).await.unwrap();
        assert!(
            record.assertions.iter().all(|a| a.source == source),
            "{}",
            backend.name
        );
        assert_eq!(record.events.len(), 2, "{}", backend.name);
    }
}

/// `SELECT count(*)` over a raw connection (as the tenant on PostgreSQL, under its row-level
/// security).
async fn raw_count(url: &str, tenant: &str, statement: &'static str) -> i64 {
    use sqlx::Connection;
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
            .await
            .unwrap();
        return sqlx::query_scalar(statement)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    }
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query_scalar(statement)
        .fetch_one(&mut *tx)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_invalid_event_sequence_is_refused_at_import() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let mut bad = person("E-1", "Іван", "Коваль", days_ago(4));
        bad.events
            .push(event(EventKind::Release, days_ago(6), None));
        let mut batch = store.begin_import(&f.scope_a, f.source_a).await.unwrap();
        let result = batch.insert(&[bad]).await;
        assert!(
            matches!(result, Err(StoreError::Invalid(ref m)) if m.contains("E-1")),
            "{}: {result:?}",
            backend.name
        );
    }
}

#[tokio::test]
async fn notifications_are_recorded_against_the_persons_own_events() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let id = store
            .register_person(
                &f.scope_a,
                f.source_a,
                &person("N-1", "Іван", "Коваль", days_ago(9)),
            )
            .await
            .unwrap();
        let other = store
            .register_person(
                &f.scope_a,
                f.source_a,
                &person("N-2", "Петро", "Мороз", days_ago(9)),
            )
            .await
            .unwrap();
        let capture = store.person(&f.scope_a, id).await.unwrap().events[0].id;
        let other_capture = store.person(&f.scope_a, other).await.unwrap().events[0].id;
        let note = |trigger| NewNotification {
            person: id,
            rule: RuleId::Gc3_70a,
            trigger_event: Some(trigger),
            channel: Channel::Agency,
            kind: NotificationKind::Sent,
            sent_at: days_ago(5),
            reference: "capture card 1".into(),
        };
        store
            .record_notification(&f.scope_a, f.source_a, &note(capture))
            .await
            .unwrap();
        let wrong = store
            .record_notification(&f.scope_a, f.source_a, &note(other_capture))
            .await;
        assert!(
            matches!(wrong, Err(StoreError::Invalid(_))),
            "{}",
            backend.name
        );
        let mut future = note(capture);
        future.sent_at = OffsetDateTime::now_utc() + Duration::days(5);
        assert!(
            store
                .record_notification(&f.scope_a, f.source_a, &future)
                .await
                .is_err()
        );
        let record = store.person(&f.scope_a, id).await.unwrap();
        assert_eq!(record.notifications.len(), 1);
        assert_eq!(record.notifications[0].rule, RuleId::Gc3_70a);
        assert_eq!(record.notifications[0].trigger_event, Some(capture));

        // Many at once (what an envelope sent records), all or nothing, checking only the
        // persons and events named: another person's event, a person of another tenant, or an
        // event of another tenant refuse the whole batch.
        let theirs = store
            .register_person(
                &f.scope_b,
                f.source_b,
                &person("N-3", "Олег", "Лисенко", days_ago(9)),
            )
            .await
            .unwrap();
        let their_capture = store.person(&f.scope_b, theirs).await.unwrap().events[0].id;
        let of = |person, trigger| NewNotification {
            person,
            trigger_event: trigger,
            ..note(capture)
        };
        let (scope_a, source_a) = (&f.scope_a, f.source_a);
        let batch = |notes: Vec<NewNotification>| async move {
            store.record_notifications(scope_a, source_a, &notes).await
        };
        let wrong = batch(vec![
            of(other, Some(other_capture)),
            of(id, Some(other_capture)),
        ])
        .await;
        assert!(
            matches!(wrong, Err(StoreError::Invalid(ref m)) if m.starts_with("notification 1: the trigger event")),
            "{}: {wrong:?}",
            backend.name
        );
        let foreign = batch(vec![of(other, None), of(theirs, None)]).await;
        assert!(
            matches!(foreign, Err(StoreError::NotFound)),
            "{}: {foreign:?}",
            backend.name
        );
        let foreign_event = batch(vec![of(other, Some(their_capture))]).await;
        assert!(
            matches!(foreign_event, Err(StoreError::Invalid(_))),
            "{}: {foreign_event:?}",
            backend.name
        );
        assert_eq!(
            store
                .person(&f.scope_a, other)
                .await
                .unwrap()
                .notifications
                .len(),
            0,
            "{}: nothing of a refused batch",
            backend.name
        );
        assert_eq!(
            batch(vec![
                of(other, Some(other_capture)),
                of(id, None),
                of(other, None)
            ])
            .await
            .unwrap(),
            3
        );
        assert_eq!(
            store
                .person(&f.scope_a, other)
                .await
                .unwrap()
                .notifications
                .len(),
            2
        );
        assert_eq!(
            store
                .person(&f.scope_a, id)
                .await
                .unwrap()
                .notifications
                .len(),
            2
        );
    }
}

#[tokio::test]
async fn list_pages_and_searches_by_reference_and_name() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let mut batch = store.begin_import(&f.scope_a, f.source_a).await.unwrap();
        let mut people: Vec<NewPerson> = (0..30)
            .map(|i| person(&format!("L-{i:02}"), "Іван", "Коваль", days_ago(4)))
            .collect();
        people.push(person("M-1", "Олександр", "Коваленко", days_ago(4)));
        batch.insert(&people).await.unwrap();
        batch.commit().await.unwrap();
        let page = store.list_persons(&f.scope_a, 0, 10).await.unwrap();
        assert_eq!(page.total, 31, "{}", backend.name);
        assert_eq!(page.persons.len(), 10);
        let last = store.list_persons(&f.scope_a, 30, 10).await.unwrap();
        assert_eq!(last.persons.len(), 1);
        // The directory holds every person with every name, newest registration first.
        let directory = store.person_directory(&f.scope_a).await.unwrap();
        assert_eq!(directory.len(), 31);
        let kovalenko = directory
            .iter()
            .find(|row| row.summary.reference == "M-1")
            .unwrap();
        assert_eq!(
            kovalenko.summary.display_name.as_deref(),
            Some("Олександр Коваленко")
        );
        assert_eq!(kovalenko.names.len(), 1);
        assert_eq!(kovalenko.names[0].display(), "Олександр Коваленко");
        // Another tenant's directory holds none of them.
        assert!(
            store
                .person_directory(&f.scope_b)
                .await
                .unwrap()
                .iter()
                .all(|row| !row.summary.reference.starts_with("L-"))
        );
    }
}

#[tokio::test]
async fn append_only_tables_refuse_update_and_delete_even_from_a_raw_connection() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        store
            .register_person(
                &f.scope_a,
                f.source_a,
                &person("R-1", "Іван", "Коваль", days_ago(4)),
            )
            .await
            .unwrap();
        // A correction, so that `assertions` holds a row beside the person's pack: a DELETE
        // that finds no row would pass the triggers unnoticed.
        let id = store
            .person_id_by_reference(&f.scope_a, "R-1")
            .await
            .unwrap();
        store
            .add_assertion(
                &f.scope_a,
                id,
                f.source_a,
                &assertion(
                    FieldKey::Rank,
                    Presence::Present(AssertedValue::Text("сержант".into())),
                ),
                None,
            )
            .await
            .unwrap();
        let statements = [
            "DELETE FROM persons",
            "UPDATE persons SET category = 'unidentified'",
            "DELETE FROM assertions",
            "UPDATE assertions SET value = NULL, absence = 'unknown'",
            "DELETE FROM assertion_packs",
            "UPDATE assertion_packs SET source_id = source_id",
            "DELETE FROM events",
            "DELETE FROM sources",
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
        assert_eq!(store.count_persons(&f.scope_a).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn postgres_row_level_security_hides_other_tenants_rows() {
    for backend in backends().await {
        if backend.name != "postgres" {
            continue;
        }
        let store = &backend.store;
        let f = seed(store).await;
        store
            .register_person(
                &f.scope_a,
                f.source_a,
                &person("S-1", "Іван", "Коваль", days_ago(4)),
            )
            .await
            .unwrap();
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&backend.raw_url).await.unwrap();
        // No tenant set: not a single row, even without a WHERE clause.
        let none: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM persons")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(none, 0);
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(f.tenant_b.id.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        let as_b: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assertions")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(as_b, 0);
        let packs_as_b: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assertion_packs")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(packs_as_b, 0);
        // Writing a row for tenant A while scoped to B is refused by the policy.
        let forged = sqlx::query("INSERT INTO sources (id, tenant_id, kind, reference, collected_by, collected_at, confidence, recorded_at) VALUES ($1, $2, 'family', 'x', 'x', now(), 50, now())")
            .bind(uuid::Uuid::new_v4()).bind(f.tenant_a.id.as_uuid()).execute(&mut *tx).await;
        assert!(forged.is_err());
        tx.rollback().await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(f.tenant_a.id.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        let as_a: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM persons")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(as_a, 1);
        let packs_as_a: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assertion_packs")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(packs_as_a, 1);
    }
}

/// Issue 2: an import stores a person's assertions as one pack (migration 0008). Read back,
/// each is the assertion that was imported, with its source, locator and time (XC-3), and a
/// later correction may supersede a packed assertion.
#[tokio::test]
async fn packed_assertions_read_back_with_their_provenance_and_can_be_corrected() {
    for backend in backends().await {
        let store = &backend.store;
        let name_of = backend.name;
        let f = seed(store).await;
        let tenant = f.tenant_a.id.to_string();
        let mut new = person("P-1", "Олександр", "Коваленко", days_ago(3));
        new.assertions.push(NewAssertion {
            field: FieldKey::Unit,
            value: Presence::Present(AssertedValue::Text("в/ч \"Північ\"\n2".into())),
            locator: "рядок 2, стовпець підрозділ".into(),
        });
        new.assertions.push(NewAssertion {
            field: FieldKey::Address,
            value: Presence::Absent(AbsenceReason::WithheldDetrimental),
            locator: "рядок 2, стовпець адреса".into(),
        });
        let before = OffsetDateTime::now_utc();
        let mut batch = store.begin_import(&f.scope_a, f.source_a).await.unwrap();
        let ids = batch.insert(std::slice::from_ref(&new)).await.unwrap();
        batch.commit().await.unwrap();
        let after = OffsetDateTime::now_utc();
        let id = ids[0];

        // Stored as one pack, not as rows of `assertions`.
        let packs = raw_count(
            &backend.raw_url,
            &tenant,
            "SELECT COUNT(*) FROM assertion_packs",
        )
        .await;
        let rows = raw_count(&backend.raw_url, &tenant, "SELECT COUNT(*) FROM assertions").await;
        assert_eq!((packs, rows), (1, 0), "{name_of}");

        let record = store.person(&f.scope_a, id).await.unwrap();
        assert_eq!(record.assertions.len(), new.assertions.len(), "{name_of}");
        for (read, written) in record.assertions.iter().zip(&new.assertions) {
            assert_eq!(read.person, id);
            assert_eq!(read.field, written.field, "{name_of}");
            assert_eq!(read.value, written.value, "{name_of}");
            assert_eq!(read.locator, written.locator, "{name_of}");
            assert_eq!(read.source, f.source_a);
            assert_eq!(read.supersedes, None);
            assert!(read.recorded_at >= before - Duration::seconds(1));
            assert!(read.recorded_at <= after + Duration::seconds(1));
        }
        let mut distinct: Vec<_> = record.assertions.iter().map(|a| a.id).collect();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), new.assertions.len());
        assert_eq!(record.sources.len(), 1, "{name_of}");
        assert_eq!(record.sources[0].id, f.source_a);

        // A correction supersedes the packed name; a value of another field may not.
        let packed_name = record.assertions[0].id;
        let wrong = store
            .add_assertion(
                &f.scope_a,
                id,
                f.source_a,
                &assertion(
                    FieldKey::Rank,
                    Presence::Present(AssertedValue::Text("x".into())),
                ),
                Some(packed_name),
            )
            .await;
        assert!(
            matches!(wrong, Err(StoreError::Invalid(_))),
            "{name_of}: {wrong:?}"
        );
        store
            .add_assertion(
                &f.scope_a,
                id,
                f.source_a,
                &assertion(FieldKey::Name, name("Олександр", "Коваль")),
                Some(packed_name),
            )
            .await
            .unwrap();
        let record = store.person(&f.scope_a, id).await.unwrap();
        assert_eq!(record.assertions.len(), new.assertions.len() + 1);
        assert_eq!(
            CurrentView::project(&record.assertions)
                .value(FieldKey::Name)
                .unwrap()
                .display(),
            "Олександр Коваль",
            "{name_of}"
        );
        let page = store.list_persons(&f.scope_a, 0, 10).await.unwrap();
        assert_eq!(
            page.persons[0].display_name.as_deref(),
            Some("Олександр Коваль"),
            "{name_of}"
        );
        let directory = store.person_directory(&f.scope_a).await.unwrap();
        let names: Vec<String> = directory[0].names.iter().map(|n| n.display()).collect();
        assert_eq!(
            names,
            ["Олександр Коваленко", "Олександр Коваль"],
            "{name_of}"
        );
        // Another tenant sees no pack and no person.
        assert!(matches!(
            store.person(&f.scope_b, id).await,
            Err(StoreError::NotFound)
        ));
        assert!(store.person_directory(&f.scope_b).await.unwrap().is_empty());
    }
}

async fn raw_execute(url: &str, tenant: &str, statement: &'static str) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}")).await?;
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

#[tokio::test]
async fn users_sessions_and_scopes() {
    use whereabouts_store::{NewUser, UserRole};
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let admin = store
            .create_user(&NewUser {
                tenant: None,
                username: "admin",
                password_hash: "$argon2id$fake",
                role: UserRole::SystemAdmin,
            })
            .await
            .unwrap();
        store
            .create_user(&NewUser {
                tenant: Some(f.tenant_a.id),
                username: "clerk.a",
                password_hash: "$argon2id$fake",
                role: UserRole::BureauClerk,
            })
            .await
            .unwrap();
        assert!(
            store
                .create_user(&NewUser {
                    tenant: None,
                    username: "clerk.x",
                    password_hash: "h",
                    role: UserRole::BureauClerk
                })
                .await
                .is_err()
        );
        assert!(
            store
                .create_user(&NewUser {
                    tenant: None,
                    username: "admin",
                    password_hash: "h",
                    role: UserRole::SystemAdmin
                })
                .await
                .is_err(),
            "{}",
            backend.name
        );
        let clerk = store.user_by_username("clerk.a").await.unwrap().unwrap();
        let scope = store.scope_for_user(&clerk).unwrap();
        assert_eq!(scope.tenant(), f.tenant_a.id);
        // The system administrator manages users but gets no scope on protected data.
        let admin_record = store.user_by_username("admin").await.unwrap().unwrap();
        assert_eq!(admin_record.id, admin);
        assert!(store.scope_for_user(&admin_record).is_none());
        assert!(!format!("{admin_record:?}").contains("argon2"));

        let hash = [7u8; 32];
        store
            .create_session(
                &hash,
                clerk.id,
                OffsetDateTime::now_utc() + Duration::hours(1),
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .session_user(&hash)
                .await
                .unwrap()
                .unwrap()
                .user
                .username,
            "clerk.a"
        );
        let expired = [8u8; 32];
        store
            .create_session(
                &expired,
                clerk.id,
                OffsetDateTime::now_utc() - Duration::hours(1),
            )
            .await
            .unwrap();
        assert!(store.session_user(&expired).await.unwrap().is_none());
        store.delete_session(&hash).await.unwrap();
        assert!(store.session_user(&hash).await.unwrap().is_none());
    }
}
