//! Issue 5, on both backends: a bureau's first round (GC3-122-c, GC3-70-a; XC-5) larger than
//! an envelope goes in several envelopes of bounded size, with gapless sequence numbers, each
//! recorded as sent before the next is prepared; the persons not taken wait with their events
//! and the lists naming them. The agency applies each envelope once, in any order (a list
//! waits for its persons' cards), over files and over HTTPS alike, and the bureau's compliance
//! view counts every card as sent exactly once.

use std::collections::BTreeMap;

use domain::{EventKind, FieldKey, NamePartKind, PersonCategory, PersonId, Presence};
use store::{NewAssertion, NewEvent, NewList, NewPerson, Store, TenantScope};
use time::{Duration, OffsetDateTime};
use transmit::ReceiptStatus;
use web::transmission::{self as tx, commit_prepared, prepare_cards_bounded, receive_bundle};

use crate::changes::{clerk_source, three};
use crate::harness::{apps, name};

/// The persons bureau A registers, and the first cards an envelope carries.
pub(crate) const PERSONS: usize = 1_200;
pub(crate) const PER_ENVELOPE: usize = 500;

/// Registers `PERSONS` prisoners of war at `scope`'s bureau, each captured a day ago (one
/// capture event each), in one import; their ids in the order registered.
pub(crate) async fn register(store: &Store, scope: &TenantScope) -> Vec<PersonId> {
    let source = clerk_source(store, scope).await;
    let captured = OffsetDateTime::now_utc() - Duration::days(1);
    let people: Vec<NewPerson> = (0..PERSONS)
        .map(|i| NewPerson {
            reference: format!("X-{i:05}"),
            category: PersonCategory::PrisonerOfWar,
            assertions: vec![NewAssertion {
                field: FieldKey::Name,
                value: Presence::Present(name(
                    &[
                        (NamePartKind::Given, "Petro"),
                        (NamePartKind::Family, "Bondar"),
                    ],
                    "uk",
                )),
                locator: format!("line {i}"),
            }],
            events: vec![NewEvent {
                kind: EventKind::FellIntoPower,
                occurred_at: captured,
                place: None,
                place_to: None,
                locator: format!("line {i}"),
                note: None,
            }],
        })
        .collect();
    let mut batch = store.begin_import(scope, source).await.unwrap();
    batch.insert(&people).await.unwrap();
    batch.commit().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..PERSONS {
        ids.push(
            store
                .person_id_by_reference(scope, &format!("X-{i:05}"))
                .await
                .unwrap(),
        );
    }
    ids
}

/// GC3-70-a on the agency channel in bureau A's compliance view.
pub(crate) async fn capture_cards(store: &Store, scope: &TenantScope) -> tx::compliance::RuleRow {
    tx::compliance::compute(store, scope, "bureau-a", OffsetDateTime::now_utc())
        .await
        .unwrap()
        .rules
        .into_iter()
        .find(|r| r.rule == "GC3-70-a" && r.channel == "agency")
        .unwrap()
}

/// Every person of the bureau (`held`), and each of `ids`, carried by exactly one envelope to
/// the agency.
pub(crate) async fn each_carried_once(
    store: &Store,
    scope: &TenantScope,
    ids: &[PersonId],
    backend: &str,
) {
    let held = usize::try_from(store.count_persons(scope).await.unwrap()).unwrap();
    let mut carried: BTreeMap<PersonId, usize> = BTreeMap::new();
    for (_, person) in store.transmission_items(scope).await.unwrap() {
        *carried.entry(person).or_default() += 1;
    }
    assert_eq!(carried.len(), held, "{backend}: every person carried");
    assert!(
        carried.values().all(|n| *n == 1),
        "{backend}: each exactly once"
    );
    assert!(ids.iter().all(|p| carried.contains_key(p)), "{backend}");
}

/// GC3-70-a for every person of the bureau: owed, each sent once (the fixture's own person
/// late), none overdue; `acknowledged` as given.
pub(crate) async fn each_card_sent(
    store: &Store,
    scope: &TenantScope,
    acknowledged: bool,
    backend: &str,
) {
    let held = usize::try_from(store.count_persons(scope).await.unwrap()).unwrap();
    let row = capture_cards(store, scope).await;
    assert_eq!(
        (row.owed, row.sent_on_time + row.sent_late, row.overdue),
        (held, held, 0),
        "{backend}: {row:?}"
    );
    assert!(row.sent_on_time >= PERSONS, "{backend}: {row:?}");
    assert_eq!(
        row.acknowledged,
        if acknowledged { held } else { 0 },
        "{backend}: {row:?}"
    );
}

#[tokio::test]
async fn a_bureaus_first_round_goes_in_bounded_envelopes_applied_once_in_any_order() {
    for app in apps().await {
        let store = &app.store;
        let backend = app.backend;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        let held_before = store.count_persons(&scope_agency).await.unwrap();
        let ids = register(store, &scope_a).await;
        // A list of the first and the last person: it waits for the last one's card.
        store
            .draw_list(
                &scope_a,
                &NewList {
                    title: "Transferred to Camp South".into(),
                    rule: Some("GC3-46-a".into()),
                    persons: vec![ids[0], ids[PERSONS - 1]],
                },
            )
            .await
            .unwrap();
        // The fixture's own person, registered before, goes first.
        let earlier =
            usize::try_from(store.count_persons(&scope_a).await.unwrap()).unwrap() - PERSONS;
        let owed = capture_cards(store, &scope_a).await;
        assert_eq!(owed.owed, PERSONS + earlier, "{backend}");
        assert_eq!(owed.sent_on_time, 0, "{backend}");

        // Three envelopes: 500, 500 and 200 cards, sequence numbers 1, 2, 3, each recorded
        // before the next is prepared; then nothing is left.
        let mut bundles = Vec::new();
        while let Some(prepared) = prepare_cards_bounded(
            store,
            &t.bureau_a,
            &scope_a,
            "agency",
            transmit::Channel::Agency,
            None,
            None,
            PER_ENVELOPE,
        )
        .await
        .unwrap()
        {
            assert_eq!(
                prepared.header.sequence,
                u64::try_from(bundles.len() + 1).unwrap(),
                "{backend}: gapless"
            );
            let lists = prepared
                .changes
                .notices
                .iter()
                .filter(|n| n.kind == store::NoticeKind::List)
                .count();
            commit_prepared(store, &scope_a, &prepared).await.unwrap();
            bundles.push((
                prepared.persons.len(),
                prepared.changes.events.len(),
                lists,
                prepared.more,
                prepared.bundle,
            ));
            assert!(
                bundles.len() <= 3,
                "{backend}: no more than three envelopes"
            );
        }
        let shape: Vec<(usize, usize, bool)> = bundles
            .iter()
            .map(|(cards, _, lists, more, _)| (*cards, *lists, *more))
            .collect();
        let last = PERSONS + earlier - 2 * PER_ENVELOPE;
        assert_eq!(
            shape,
            [(500, 0, true), (500, 0, true), (last, 1, false)],
            "{backend}: the list goes with its last person"
        );
        // Each person's capture goes with its card.
        assert_eq!((bundles[1].1, bundles[2].1), (500, last), "{backend}");
        each_carried_once(store, &scope_a, &ids, backend).await;
        // Every card sent once; none acknowledged yet.
        each_card_sent(store, &scope_a, false, backend).await;

        // The agency reads them out of order. The third first: its list names a person whose
        // card has not arrived, so it is refused whole and nothing of it is applied.
        let third = receive_bundle(store, &t.agency, &scope_agency, &bundles[2].4)
            .await
            .unwrap();
        match &third.outcome.status {
            ReceiptStatus::Rejected { code, reason } => {
                assert_eq!(code, "invalid-content", "{backend}");
                assert!(
                    reason.contains("whose card was never received"),
                    "{backend}: {reason}"
                );
            }
            other => panic!("{backend}: {other:?}"),
        }
        assert_eq!(
            store.count_persons(&scope_agency).await.unwrap(),
            held_before
        );
        // Then the second, the first, the third again, and the second once more.
        for i in [1, 0, 2] {
            let received = receive_bundle(store, &t.agency, &scope_agency, &bundles[i].4)
                .await
                .unwrap();
            assert!(
                matches!(received.outcome.status, ReceiptStatus::Applied { .. }),
                "{backend}: envelope {}: {:?}",
                i + 1,
                received.outcome.status
            );
            tx::accept_receipt(store, &scope_a, "agency", &received.receipt.to_bytes())
                .await
                .unwrap();
        }
        let again = receive_bundle(store, &t.agency, &scope_agency, &bundles[1].4)
            .await
            .unwrap();
        assert_eq!(again.outcome.status, ReceiptStatus::Duplicate, "{backend}");
        assert_eq!(
            store.count_persons(&scope_agency).await.unwrap() - held_before,
            i64::try_from(PERSONS + earlier).unwrap(),
            "{backend}: every person once"
        );
        let held = crate::changes::record_of(store, &scope_agency, "bureau-a:X-01199").await;
        assert_eq!(held.events.len(), 1, "{backend}: its capture, once");
        let applied = crate::changes::applied_sequences(store, &scope_agency, "bureau-a").await;
        assert_eq!(applied, [Some(2), Some(1), Some(3)], "{backend}");
        // The list arrived once, with both its persons.
        let (lists, total) = store.lists_page(&scope_agency, 0, 10).await.unwrap();
        assert_eq!(total, 1, "{backend}");
        assert_eq!(lists[0].persons.len(), 2, "{backend}");
        // Bureau A: each card sent once, acknowledged.
        each_card_sent(store, &scope_a, true, backend).await;
    }
}
