//! The person as the protection unit follows them (issue 6, ICRC-VIS-d, migration 0015) on both
//! backends: a person seen at one place, transferred and seen at another on a later visit, keeps
//! one follow-up history; the reprisal check and the next visit due run across both; links are
//! the tenant's own and append-only.

use domain::protection::{Consent, FollowUp, Visit};
use domain::{PlaceKind, RegistrationId, VisitId};
use time::OffsetDateTime;
use time::macros::{date, datetime};
use whereabouts_store::{NewPlace, StoreError};

use crate::harness::{backends, seed};
use crate::protection::{interview, seen, unit};

/// A delegate's follow-up of `registration` recorded at `recorded_at`, next visit due `due`.
pub(crate) fn follow_up(
    registration: RegistrationId,
    recorded_at: OffsetDateTime,
    due: Option<time::Date>,
) -> FollowUp {
    FollowUp {
        registration,
        recorded_at,
        health: None,
        family_contact_wanted: false,
        family_contact: None,
        messages: Vec::new(),
        next_visit_due: due,
        reprisals_reported: None,
        recorded_by: "delegate".into(),
    }
}

/// The seeded fixture, the protection unit with its first visit, and a later visit "V-LATER" to the same place,
/// held on the day of `start` from `start` to 17:00, both recorded.
async fn unit_with_later_visit(
    store: &whereabouts_store::Store,
    start: OffsetDateTime,
) -> (crate::harness::Fixture, crate::protection::Unit, Visit) {
    let f = seed(store).await;
    let u = unit(store, &f).await;
    store.record_visit(&u.scope, &u.visit).await.unwrap();
    let later = Visit {
        id: VisitId::new(),
        reference: "V-LATER".into(),
        started_at: Some(start),
        ended_at: Some(start.replace_time(time::macros::time!(17:00))),
        ..u.visit.clone()
    };
    store.record_visit(&u.scope, &later).await.unwrap();
    (f, u, later)
}

/// Records `follow_up` under a new id, as a delegate's form does.
async fn record(
    store: &whereabouts_store::Store,
    scope: &whereabouts_store::TenantScope,
    follow_up: FollowUp,
) {
    store
        .record_follow_up(scope, uuid::Uuid::now_v7(), &follow_up)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_person_seen_again_after_a_transfer_keeps_one_follow_up_history() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        store.record_visit(&u.scope, &u.visit).await.unwrap();
        // A second place, and a later visit there.
        let camp = store
            .create_place(
                &u.scope,
                &NewPlace {
                    controlling_party: f.tenant_a.party.unwrap(),
                    kind: PlaceKind::PowCamp,
                    name: "Camp L-2".into(),
                    parent: None,
                    postal_address: None,
                },
            )
            .await
            .unwrap();
        let later_visit = Visit {
            id: VisitId::new(),
            reference: "V-2".into(),
            places: vec![camp],
            planned_start: Some(date!(2026 - 04 - 02)),
            started_at: Some(datetime!(2026-04-02 08:00 UTC)),
            ended_at: Some(datetime!(2026-04-02 17:00 UTC)),
            ..u.visit.clone()
        };
        store.record_visit(&u.scope, &later_visit).await.unwrap();
        let first = seen(&u.visit, u.place, "Коваленко");
        let other = seen(&u.visit, u.place, "Ничипорук");
        let mut again = seen(&later_visit, camp, "Коваленко");
        again.seen_at = datetime!(2026-04-02 10:00 UTC);
        for person in [&first, &other, &again] {
            store.record_registration(&u.scope, person).await.unwrap();
        }
        let follow_up = |registration: RegistrationId,
                         at: OffsetDateTime,
                         due,
                         reprisals: Option<bool>| FollowUp {
            registration,
            recorded_at: at,
            health: Some("a cough".into()),
            family_contact_wanted: false,
            family_contact: None,
            messages: Vec::new(),
            next_visit_due: due,
            reprisals_reported: reprisals,
            recorded_by: "delegate".into(),
        };
        store
            .record_follow_up(
                &u.scope,
                uuid::Uuid::now_v7(),
                &follow_up(
                    first.id,
                    datetime!(2026-03-01 12:00 UTC),
                    Some(date!(2026 - 03 - 15)),
                    None,
                ),
            )
            .await
            .unwrap();
        store
            .record_interview(&u.scope, &interview(&u, first.id, Consent::Anonymous))
            .await
            .unwrap();

        // Before the link, the person seen at the camp is someone else: two persons due.
        let late = store
            .overdue_follow_ups(&u.scope, date!(2026 - 03 - 20))
            .await
            .unwrap();
        assert_eq!(late.len(), 1, "{name}");
        assert_eq!(late[0].person, first.id, "{name}");

        // Linked through any registration of the person; the person keeps the first id.
        let person = store
            .link_registration(&u.scope, again.id, first.id)
            .await
            .unwrap();
        assert_eq!(person, first.id, "{name}");
        let followed = store.followed_person(&u.scope, again.id).await.unwrap();
        assert_eq!(followed.id, first.id, "{name}");
        assert_eq!(
            followed.registrations().collect::<Vec<_>>(),
            [first.id, again.id],
            "{name}"
        );
        assert_eq!(followed.transfers().len(), 1, "{name}: K-7 then L-2");
        // Seen at the camp after the follow-up that set the date: nothing overdue.
        assert!(
            store
                .overdue_follow_ups(&u.scope, date!(2026 - 04 - 10))
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );

        // ICRC-VIS-d across visits: interviewed on V-1, a follow-up on the V-2 registration
        // asks about reprisals.
        let error = store
            .record_follow_up(
                &u.scope,
                uuid::Uuid::now_v7(),
                &follow_up(again.id, datetime!(2026-04-02 12:00 UTC), None, None),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::Invalid(m) if m.starts_with("reprisals:")),
            "{name}: {error:?}"
        );
        store
            .record_follow_up(
                &u.scope,
                uuid::Uuid::now_v7(),
                &follow_up(
                    again.id,
                    datetime!(2026-04-02 12:00 UTC),
                    Some(date!(2026 - 04 - 20)),
                    Some(false),
                ),
            )
            .await
            .unwrap();
        let history = store.person_follow_ups(&u.scope, &followed).await.unwrap();
        assert_eq!(history.len(), 2, "{name}");
        assert_eq!(history[0].follow_up.registration, first.id, "{name}");
        assert_eq!(history[1].follow_up.registration, again.id, "{name}");
        assert_eq!(
            history[0].follow_up.health.as_deref(),
            Some("a cough"),
            "{name}: sealed fields opened"
        );
        // The latest follow-up sets the date; past it, the person is overdue, last seen at the camp.
        let late = store
            .overdue_follow_ups(&u.scope, date!(2026 - 04 - 25))
            .await
            .unwrap();
        assert_eq!(late.len(), 1, "{name}");
        assert_eq!(late[0].person, first.id, "{name}");
        assert_eq!(late[0].days, 5, "{name}");
        assert_eq!(late[0].last_seen.place, camp, "{name}");

        // Refused links name the field; the same link twice is refused.
        for (registration, same_as) in [(again.id, other.id), (first.id, other.id)] {
            let error = store
                .link_registration(&u.scope, registration, same_as)
                .await
                .unwrap_err();
            assert!(
                matches!(&error, StoreError::Invalid(m) if m.starts_with("same_as:")),
                "{name}: {error:?}"
            );
        }
        // Another tenant's registration is as if it did not exist.
        let error = store
            .link_registration(&f.scope_a, other.id, first.id)
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::NotFound), "{name}: {error:?}");
        assert!(
            store
                .registration_links(&f.scope_a)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        let error = store
            .link_registration(&u.scope, other.id, RegistrationId::new())
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::NotFound), "{name}: {error:?}");
        assert_eq!(store.registration_links(&u.scope).await.unwrap().len(), 1);
    }
}

// Issue 6: a field batch is one transaction. Its checks read inside it (a follow-up after an
// interview written earlier in the batch asks about reprisals); an error half-way and a batch
// dropped without commit leave nothing; a committed one shows everything at once.
#[tokio::test]
async fn a_field_batch_applies_whole_or_not_at_all() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        let person = seen(&u.visit, u.place, "Коваленко");
        let talk = interview(&u, person.id, Consent::Anonymous);
        let follow_up = |reprisals: Option<bool>| FollowUp {
            registration: person.id,
            recorded_at: datetime!(2026-03-01 12:00 UTC),
            health: None,
            family_contact_wanted: false,
            family_contact: None,
            messages: vec!["alive (fictional)".into()],
            next_visit_due: None,
            reprisals_reported: reprisals,
            recorded_by: "delegate".into(),
        };

        // Refused half-way: the visit, the person and the interview are not kept.
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        assert!(batch.visit(&u.visit).await.unwrap());
        assert!(batch.registration(&person).await.unwrap());
        assert!(batch.interview(&talk).await.unwrap());
        let error = batch
            .follow_up(uuid::Uuid::now_v7(), &follow_up(None))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::Invalid(m) if m.starts_with("reprisals:")),
            "{name}: the interview written in the batch counts: {error:?}"
        );
        drop(batch);
        assert!(store.visits(&u.scope).await.unwrap().is_empty(), "{name}");
        assert!(
            store
                .registrations(&u.scope, None)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        assert!(
            store.all_interviews(&u.scope).await.unwrap().is_empty(),
            "{name}"
        );

        // Uncommitted rows are not seen outside the batch; committed, all are.
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        assert!(batch.visit(&u.visit).await.unwrap());
        assert!(batch.registration(&person).await.unwrap());
        assert!(batch.interview(&talk).await.unwrap());
        assert!(
            batch
                .follow_up(uuid::Uuid::now_v7(), &follow_up(Some(false)))
                .await
                .unwrap()
        );
        assert!(!batch.registration(&person).await.unwrap(), "{name}: once");
        batch.commit().await.unwrap();
        assert_eq!(store.visits(&u.scope).await.unwrap().len(), 1, "{name}");
        assert_eq!(
            store.follow_ups(&u.scope, person.id).await.unwrap()[0]
                .follow_up
                .messages,
            ["alive (fictional)"],
            "{name}"
        );

        // Another tenant's visit is as if it did not exist, inside a batch too.
        let mut batch = store.begin_field_batch(&f.scope_a).await.unwrap();
        let error = batch.registration(&person).await.unwrap_err();
        assert!(matches!(error, StoreError::NotFound), "{name}: {error:?}");
    }
}

/// ICRC-VIS-d, migration 0017: the indexed follow-ups-due query reads only the persons with a
/// follow-up due by the day, and answers exactly what the full scan answers (every person,
/// every follow-up, `domain::protection::overdue`) on every day of a two-and-a-half-month span,
/// including the day a visit falls due (0 days overdue) and persons followed across visits.
#[tokio::test]
async fn the_indexed_follow_ups_due_answer_what_the_full_scan_answers() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let (_, u, later) = unit_with_later_visit(store, datetime!(2026-03-20 08:00 UTC)).await;
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        let mut links = Vec::new();
        for i in 0..60_i64 {
            let first = seen(&u.visit, u.place, &format!("Коваленко-{i}"));
            batch.registration(&first).await.unwrap();
            let due = date!(2026 - 03 - 05) + time::Duration::days((i * 7) % 40);
            let at = datetime!(2026-03-01 10:30 UTC) + time::Duration::minutes(i);
            batch
                .follow_up(uuid::Uuid::now_v7(), &follow_up(first.id, at, Some(due)))
                .await
                .unwrap();
            if i % 4 == 0 {
                // A later follow-up without a date: the person is not due at all.
                let at = datetime!(2026-03-02 09:00 UTC);
                batch
                    .follow_up(uuid::Uuid::now_v7(), &follow_up(first.id, at, None))
                    .await
                    .unwrap();
            }
            if i % 3 == 0 {
                let mut again = seen(&later, u.place, &format!("Коваленко-{i}"));
                again.seen_at = datetime!(2026-03-20 10:00 UTC);
                batch.registration(&again).await.unwrap();
                links.push((again.id, first.id));
                if i % 2 == 0 {
                    let due = date!(2026 - 04 - 01) + time::Duration::days(i % 10);
                    let at = datetime!(2026-03-20 11:00 UTC);
                    batch
                        .follow_up(uuid::Uuid::now_v7(), &follow_up(again.id, at, Some(due)))
                        .await
                        .unwrap();
                }
            }
        }
        // Seen, never followed up.
        batch
            .registration(&seen(&u.visit, u.place, "Ничипорук"))
            .await
            .unwrap();
        batch.commit().await.unwrap();
        for (registration, person) in links {
            store
                .link_registration(&u.scope, registration, person)
                .await
                .unwrap();
        }

        let persons = store.followed_persons(&u.scope).await.unwrap();
        let marks = store.due_marks(&u.scope).await.unwrap();
        let mut nonempty = 0;
        let mut due_today = 0;
        let mut day = date!(2026 - 03 - 01);
        while day <= date!(2026 - 05 - 15) {
            let scan = domain::protection::overdue(&persons, &marks, day);
            let indexed = store.overdue_follow_ups(&u.scope, day).await.unwrap();
            assert_eq!(indexed, scan, "{name}: {day}");
            nonempty += usize::from(!indexed.is_empty());
            due_today += indexed.iter().filter(|o| o.days == 0).count();
            day += time::Duration::days(1);
        }
        assert!(nonempty > 60, "{name}: {nonempty} days with persons due");
        assert!(
            due_today > 0,
            "{name}: the day a visit falls due is on the list"
        );

        // ICRC-VIS-d: pages of the list answer the list, in order, with the total; the names of
        // a page's persons are read for that page only, in the order asked.
        let day = date!(2026 - 05 - 15);
        let all = store.overdue_follow_ups(&u.scope, day).await.unwrap();
        assert!(all.len() > 3, "{name}: {}", all.len());
        let mut paged = Vec::new();
        let mut offset = 0;
        loop {
            let (page, total) = store
                .overdue_follow_ups_page(&u.scope, day, offset, 3)
                .await
                .unwrap();
            assert_eq!(total, all.len(), "{name}");
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 3);
            offset += page.len();
            paged.extend(page);
        }
        assert_eq!(paged, all, "{name}: the pages make the list");
        let wanted: Vec<domain::RegistrationId> =
            all.iter().rev().map(|o| o.last_seen.registration).collect();
        let named = store.registrations_by_id(&u.scope, &wanted).await.unwrap();
        assert_eq!(
            named.iter().map(|s| s.id).collect::<Vec<_>>(),
            wanted,
            "{name}"
        );
        let too_many = vec![wanted[0]; whereabouts_store::REGISTRATIONS_BY_ID_MAX + 1];
        assert!(matches!(
            store.registrations_by_id(&u.scope, &too_many).await,
            Err(whereabouts_store::StoreError::Invalid(m)) if m.starts_with("limit")
        ));
    }
}

/// ICRC-VIS-d: the follow-ups-due rule runs in SQL (no longer over every row in Rust), so its
/// edges are pinned here on both backends, each against `domain::protection::overdue` too:
/// the latest follow-up of the person wins, a person seen after it is not due, and instants
/// compare as instants — on SQLite they are RFC 3339 text, where `…10:00:00Z` sorts after
/// `…10:00:00.5Z` and `12:30+02:00` after `11:00Z`, so a text comparison answers wrongly for
/// persons A to D. Pages of one, two and three rows make the whole list, ties by person.
#[tokio::test]
async fn the_sql_rule_takes_the_latest_follow_up_and_compares_instants() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        store.record_visit(&u.scope, &u.visit).await.unwrap();
        let plus_two = time::UtcOffset::from_hms(2, 0, 0).unwrap();
        let half = time::Duration::milliseconds(500);
        let due = Some(date!(2026 - 03 - 10));
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        let add = |family: &str, seen_at: OffsetDateTime| {
            let mut person = seen(&u.visit, u.place, family);
            person.seen_at = seen_at;
            person
        };
        let ten = datetime!(2026-03-01 10:00 UTC);
        // A: seen at 10:00:00, followed up half a second later: due.
        let a = add("A", ten);
        // B: followed up at 10:00:00, seen half a second later: not due.
        let b = add("B", ten + half);
        // C: seen at 12:30+02:00 (10:30 UTC), followed up at 11:00 UTC: due.
        let c = add("C", datetime!(2026-03-01 10:30 UTC).to_offset(plus_two));
        // D: a follow-up with a date at 10:00:00, a later one without at 10:00:00.25: not due.
        let d = add("D", datetime!(2026-03-01 09:00 UTC));
        // E: due 03-05, then a later follow-up moves the date to 03-30.
        let e = add("E", datetime!(2026-03-01 09:00 UTC));
        // F, G, H: the same day due, to order by person within a day.
        let g: Vec<_> = ["F", "G", "H"]
            .iter()
            .map(|n| add(n, datetime!(2026-03-01 09:00 UTC)))
            .collect();
        for person in [&a, &b, &c, &d, &e].into_iter().chain(&g) {
            batch.registration(person).await.unwrap();
        }
        let id = uuid::Uuid::now_v7;
        let records = [
            follow_up(a.id, ten + half, due),
            follow_up(b.id, ten, due),
            follow_up(c.id, datetime!(2026-03-01 11:00 UTC), due),
            follow_up(d.id, ten, due),
            follow_up(d.id, ten + time::Duration::milliseconds(250), None),
            follow_up(
                e.id,
                datetime!(2026-03-01 12:00 UTC),
                Some(date!(2026 - 03 - 05)),
            ),
            follow_up(
                e.id,
                datetime!(2026-03-02 12:00 UTC),
                Some(date!(2026 - 03 - 30)),
            ),
        ];
        for record in &records {
            batch.follow_up(id(), record).await.unwrap();
        }
        for person in &g {
            let record = follow_up(person.id, datetime!(2026-03-01 12:00 UTC), due);
            batch.follow_up(id(), &record).await.unwrap();
        }
        batch.commit().await.unwrap();

        let persons = store.followed_persons(&u.scope).await.unwrap();
        let marks = store.due_marks(&u.scope).await.unwrap();
        let day = date!(2026 - 03 - 20);
        let list = store.overdue_follow_ups(&u.scope, day).await.unwrap();
        assert_eq!(
            list,
            domain::protection::overdue(&persons, &marks, day),
            "{name}"
        );
        let mut expected = vec![a.id, c.id, g[0].id, g[1].id, g[2].id];
        expected.sort();
        assert_eq!(
            list.iter().map(|o| o.person).collect::<Vec<_>>(),
            expected,
            "{name}: A, C and F-H due on 03-10, by person; B seen since, D's latest has no date, E moved to 03-30"
        );
        assert!(list.iter().all(|o| o.days == 10), "{name}");
        let c_row = list.iter().find(|o| o.person == c.id).unwrap();
        assert_eq!(
            c_row.last_seen.seen_at, c.seen_at,
            "{name}: the instant kept"
        );
        assert_eq!(
            store.overdue_count(&u.scope, day).await.unwrap(),
            5,
            "{name}"
        );

        // E falls due with the date of its latest follow-up (03-30, not 03-05): the least
        // overdue, so last.
        let day = date!(2026 - 03 - 31);
        let list = store.overdue_follow_ups(&u.scope, day).await.unwrap();
        assert_eq!(
            list,
            domain::protection::overdue(&persons, &marks, day),
            "{name}"
        );
        assert_eq!(list.len(), 6, "{name}");
        assert_eq!(list[5].person, e.id, "{name}");
        assert_eq!(list[5].due, date!(2026 - 03 - 30), "{name}");
        assert_eq!(list[5].days, 1, "{name}");
        for size in 1..=3 {
            let mut paged = Vec::new();
            let mut offset = 0;
            loop {
                let (page, total) = store
                    .overdue_follow_ups_page(&u.scope, day, offset, size)
                    .await
                    .unwrap();
                assert_eq!(total, 6, "{name}");
                if page.is_empty() {
                    break;
                }
                offset += page.len();
                paged.extend(page);
            }
            assert_eq!(paged, list, "{name}: pages of {size}");
        }
        // Before any date, nothing; another tenant sees none of it.
        assert!(
            store
                .overdue_follow_ups(&u.scope, date!(2026 - 03 - 04))
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        assert_eq!(
            store.overdue_count(&f.scope_a, day).await.unwrap(),
            0,
            "{name}"
        );
    }
}

/// The list the store answers (from `persons_due`, migration 0020) on each of a span of days,
/// checked against the rule computed from scratch over every person and follow-up
/// (`domain::protection::overdue`), with the count and a page of two.
async fn assert_due_as_computed(
    store: &whereabouts_store::Store,
    scope: &whereabouts_store::TenantScope,
    context: &str,
) -> usize {
    let persons = store.followed_persons(scope).await.unwrap();
    let marks = store.due_marks(scope).await.unwrap();
    let mut most = 0;
    let mut day = date!(2026 - 03 - 01);
    while day <= date!(2026 - 05 - 31) {
        let scan = domain::protection::overdue(&persons, &marks, day);
        let kept = store.overdue_follow_ups(scope, day).await.unwrap();
        assert_eq!(kept, scan, "{context}: {day}");
        assert_eq!(
            store.overdue_count(scope, day).await.unwrap(),
            scan.len(),
            "{context}: {day}"
        );
        let (page, total) = store
            .overdue_follow_ups_page(scope, day, 1, 2)
            .await
            .unwrap();
        assert_eq!(total, scan.len(), "{context}: {day}");
        assert_eq!(
            page.as_slice(),
            &scan[1.min(scan.len())..3.min(scan.len())],
            "{context}: {day}"
        );
        most = most.max(scan.len());
        day += time::Duration::days(9);
    }
    most
}

/// ICRC-VIS-d, migration 0020: each person's due state is kept in `persons_due` by the writes
/// that change it, in their own transaction. After each kind of write — a follow-up recorded
/// (one, and many in a batch), a person seen (registered, then linked as seen again: seen since
/// the follow-up, or seen before it at another place), a link of a registration that had its own
/// follow-up (transfer), and a batch dropped without commit — the list, its count and its pages
/// equal the rule computed from scratch.
#[tokio::test]
async fn the_persons_due_table_follows_every_write_that_changes_it() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let (f, u, later) = unit_with_later_visit(store, datetime!(2026-04-10 08:00 UTC)).await;
        let a = seen(&u.visit, u.place, "A");
        let b = seen(&u.visit, u.place, "B");
        for person in [&a, &b] {
            store.record_registration(&u.scope, person).await.unwrap();
        }
        assert_eq!(
            assert_due_as_computed(store, &u.scope, &format!("{name}: registered")).await,
            0
        );

        // A follow-up recorded: A is due from 03-15.
        record(
            store,
            &u.scope,
            follow_up(
                a.id,
                datetime!(2026-03-01 12:00 UTC),
                Some(date!(2026 - 03 - 15)),
            ),
        )
        .await;
        let late = store
            .overdue_follow_ups(&u.scope, date!(2026 - 03 - 20))
            .await
            .unwrap();
        assert_eq!(
            late.iter().map(|o| o.person).collect::<Vec<_>>(),
            [a.id],
            "{name}"
        );
        assert_eq!(
            assert_due_as_computed(store, &u.scope, &format!("{name}: follow-up")).await,
            1
        );

        // A later follow-up without a date: A is no longer due; one with a date again: due.
        record(
            store,
            &u.scope,
            follow_up(a.id, datetime!(2026-03-02 12:00 UTC), None),
        )
        .await;
        assert_eq!(
            assert_due_as_computed(store, &u.scope, &format!("{name}: no date")).await,
            0
        );
        record(
            store,
            &u.scope,
            follow_up(
                a.id,
                datetime!(2026-03-03 12:00 UTC),
                Some(date!(2026 - 04 - 01)),
            ),
        )
        .await;
        // An older follow-up recorded late (imported after the others): the latest still wins.
        record(
            store,
            &u.scope,
            follow_up(
                a.id,
                datetime!(2026-03-01 18:00 UTC),
                Some(date!(2026 - 03 - 05)),
            ),
        )
        .await;
        let row = &store
            .overdue_follow_ups(&u.scope, date!(2026 - 04 - 05))
            .await
            .unwrap()[0];
        assert_eq!(row.due, date!(2026 - 04 - 01), "{name}");
        assert_eq!(assert_due_as_computed(store, &u.scope, name).await, 1);

        // Transfer: B seen at the camp on the later visit has a follow-up there, due 04-20 and
        // listed as a person of its own; linked to B, one person, under B's first id.
        let b_again = {
            let mut p = seen(&later, u.place, "B");
            p.seen_at = datetime!(2026-04-10 10:00 UTC);
            p
        };
        store.record_registration(&u.scope, &b_again).await.unwrap();
        record(
            store,
            &u.scope,
            follow_up(
                b_again.id,
                datetime!(2026-04-10 11:00 UTC),
                Some(date!(2026 - 04 - 20)),
            ),
        )
        .await;
        let before = store
            .overdue_follow_ups(&u.scope, date!(2026 - 05 - 01))
            .await
            .unwrap();
        assert!(
            before.iter().any(|o| o.person == b_again.id),
            "{name}: {before:?}"
        );
        store
            .link_registration(&u.scope, b_again.id, b.id)
            .await
            .unwrap();
        let after = store
            .overdue_follow_ups(&u.scope, date!(2026 - 05 - 01))
            .await
            .unwrap();
        assert!(
            after.iter().all(|o| o.person != b_again.id),
            "{name}: {after:?}"
        );
        let b_row = after.iter().find(|o| o.person == b.id).unwrap();
        assert_eq!(b_row.due, date!(2026 - 04 - 20), "{name}");
        assert_eq!(b_row.last_seen.registration, b_again.id, "{name}");
        assert_eq!(
            assert_due_as_computed(store, &u.scope, &format!("{name}: transfer")).await,
            2
        );

        // A seen again after the follow-up that set the date (registered, then linked): off the
        // list.
        let a_again = {
            let mut p = seen(&later, u.place, "A");
            p.seen_at = datetime!(2026-04-10 09:00 UTC);
            p
        };
        store.record_registration(&u.scope, &a_again).await.unwrap();
        assert_eq!(
            assert_due_as_computed(store, &u.scope, &format!("{name}: seen, not linked")).await,
            2
        );
        store
            .link_registration(&u.scope, a_again.id, a.id)
            .await
            .unwrap();
        assert!(
            store
                .overdue_follow_ups(&u.scope, date!(2026 - 05 - 31))
                .await
                .unwrap()
                .iter()
                .all(|o| o.person != a.id),
            "{name}: A seen since"
        );
        assert_eq!(
            assert_due_as_computed(store, &u.scope, &format!("{name}: seen since")).await,
            1
        );

        // B seen before the follow-up at another registration (linked late): still due, and the
        // last sighting is still the latest one.
        let b_earlier = {
            let mut p = seen(&u.visit, u.place, "B");
            p.seen_at = datetime!(2026-03-01 16:00 UTC);
            p
        };
        store
            .record_registration(&u.scope, &b_earlier)
            .await
            .unwrap();
        store
            .link_registration(&u.scope, b_earlier.id, b_again.id)
            .await
            .unwrap();
        let b_row = store
            .overdue_follow_ups(&u.scope, date!(2026 - 05 - 01))
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.person == b.id)
            .unwrap();
        assert_eq!(b_row.last_seen.registration, b_again.id, "{name}");
        assert_eq!(
            assert_due_as_computed(store, &u.scope, &format!("{name}: seen before")).await,
            1
        );

        // Many in one batch (as a visit report is imported): persons seen and their follow-ups,
        // some already known; a batch dropped without commit leaves the list as it was.
        let many: Vec<_> = (0..30)
            .map(|i| seen(&later, u.place, &format!("Коваленко-{i}")))
            .collect();
        let records: Vec<_> = many
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    uuid::Uuid::now_v7(),
                    follow_up(
                        p.id,
                        datetime!(2026-04-10 12:00 UTC),
                        Some(
                            date!(2026 - 04 - 11) + time::Duration::days(i64::try_from(i).unwrap()),
                        ),
                    ),
                )
            })
            .collect();
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        batch.registrations(&many).await.unwrap();
        batch.follow_ups(&records).await.unwrap();
        drop(batch);
        assert_eq!(
            assert_due_as_computed(store, &u.scope, &format!("{name}: dropped batch")).await,
            1
        );
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        batch.registrations(&many).await.unwrap();
        batch.follow_ups(&records).await.unwrap();
        batch.commit().await.unwrap();
        assert_eq!(
            assert_due_as_computed(store, &u.scope, &format!("{name}: batch")).await,
            31
        );
        // The same again adds nothing.
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        assert!(
            batch
                .follow_ups(&records)
                .await
                .unwrap()
                .iter()
                .all(|new| !new)
        );
        batch.commit().await.unwrap();
        assert_eq!(
            assert_due_as_computed(store, &u.scope, &format!("{name}: again")).await,
            31
        );
        // Another tenant's list is its own.
        assert_eq!(
            store
                .overdue_count(&f.scope_a, date!(2026 - 05 - 31))
                .await
                .unwrap(),
            0,
            "{name}"
        );
    }
}

/// Migration 0020 back-fills `persons_due` from the records already there: the table and the
/// migration's row are taken away from a database written by the store (as a database from
/// before 0020 has neither), the store is opened again, the migration runs, and the list equals
/// the rule computed from scratch, with sub-second and +02:00 instants and a person followed
/// across visits.
#[tokio::test]
async fn migration_0020_back_fills_the_persons_due() {
    use sqlx::Connection as _;
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        store.record_visit(&u.scope, &u.visit).await.unwrap();
        let plus_two = time::UtcOffset::from_hms(2, 0, 0).unwrap();
        let half = time::Duration::milliseconds(500);
        let ten = datetime!(2026-03-01 10:00 UTC);
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        let mut persons = Vec::new();
        for i in 0..12_i64 {
            let mut p = seen(&u.visit, u.place, &format!("P-{i}"));
            p.seen_at = match i % 3 {
                0 => ten,
                1 => ten + half,
                _ => datetime!(2026-03-01 10:30 UTC).to_offset(plus_two),
            };
            batch.registration(&p).await.unwrap();
            let at = match i % 4 {
                0 => ten + half,
                1 => ten,
                2 => datetime!(2026-03-01 11:00 UTC).to_offset(plus_two),
                _ => datetime!(2026-03-01 10:15 UTC),
            };
            let due = date!(2026 - 03 - 05) + time::Duration::days(i);
            batch
                .follow_up(uuid::Uuid::now_v7(), &follow_up(p.id, at, Some(due)))
                .await
                .unwrap();
            persons.push(p);
        }
        let mut again = seen(&u.visit, u.place, "P-0");
        again.seen_at = datetime!(2026-03-01 09:00 UTC);
        batch.registration(&again).await.unwrap();
        batch.commit().await.unwrap();
        store
            .link_registration(&u.scope, again.id, persons[0].id)
            .await
            .unwrap();
        let due_before = assert_due_as_computed(store, &u.scope, name).await;
        assert!(due_before >= 6, "{name}: {due_before}");

        // A database as it was before migration 0020.
        let undo = [
            "DROP TABLE persons_due",
            "DELETE FROM _sqlx_migrations WHERE version = 20",
        ];
        if let Some(path) = backend.raw_url.strip_prefix("sqlite://") {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .unwrap();
            for sql in undo {
                sqlx::query(sql).execute(&mut conn).await.unwrap();
            }
        } else {
            let mut conn = sqlx::PgConnection::connect(&backend.raw_url).await.unwrap();
            for sql in undo {
                sqlx::query(sql).execute(&mut conn).await.unwrap();
            }
        }
        assert!(
            store
                .overdue_count(&u.scope, date!(2026 - 05 - 31))
                .await
                .is_err(),
            "{name}: the table is gone"
        );
        let reopened = whereabouts_store::Store::open(
            &whereabouts_store::DatabaseUrl::parse(&backend.raw_url).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(
            assert_due_as_computed(&reopened, &u.scope, &format!("{name}: back-filled")).await,
            due_before
        );
        reopened.close().await;
    }
}
