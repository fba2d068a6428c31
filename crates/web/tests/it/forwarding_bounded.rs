//! Issue 5, on both backends: a large forwarding round to the power of origin (GC3-123-a,
//! GC4-140-a) goes in several envelopes of bounded size, with gapless sequence numbers; the
//! power of origin's bureau applies each once, in any order, and holds every person once.

use domain::{AssertedValue, FieldKey, PersonCategory, Presence};
use store::{NewAssertion, NewPerson};
use transmit::ReceiptStatus;
use web::transmission::{commit_forwarding, forward_to_origin_bounded};

use crate::changes::{clerk_source, receive, send, three};
use crate::harness::apps;

/// The persons bureau A registers, all nationals of XB, and the cards an envelope carries.
const PERSONS: usize = 1_200;
const PER_ENVELOPE: usize = 500;

#[tokio::test]
async fn a_large_forwarding_round_goes_in_bounded_envelopes_applied_once_in_any_order() {
    for app in apps().await {
        let store = &app.store;
        let backend = app.backend;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        let scope_b = store.operator_scope(&t.bureau_b, "test");
        let held_before = store.count_persons(&scope_b).await.unwrap();
        let source = clerk_source(store, &scope_a).await;
        let people: Vec<NewPerson> = (0..PERSONS)
            .map(|i| NewPerson {
                reference: format!("X-{i:05}"),
                category: PersonCategory::PrisonerOfWar,
                assertions: vec![NewAssertion {
                    field: FieldKey::Nationality,
                    value: Presence::Present(AssertedValue::Country("XB".into())),
                    locator: format!("line {i}"),
                }],
                events: vec![],
            })
            .collect();
        let mut batch = store.begin_import(&scope_a, source).await.unwrap();
        batch.insert(&people).await.unwrap();
        batch.commit().await.unwrap();
        let cards = send(store, &t.bureau_a, "agency").await;
        assert!(matches!(
            receive(store, &t.agency, &cards).await,
            ReceiptStatus::Applied { .. }
        ));

        // Three rounds: 500, 500 and 200 persons, sequence numbers 1, 2, 3.
        let mut bundles = Vec::new();
        loop {
            let (forwarded, decisions) = forward_to_origin_bounded(
                store,
                &t.agency,
                &scope_agency,
                "bureau-b",
                "XB",
                None,
                PER_ENVELOPE,
            )
            .await
            .unwrap();
            let Some(prepared) = &forwarded.prepared else {
                assert_eq!(forwarded.forwarded, 0, "{backend}");
                assert!(!forwarded.more);
                break;
            };
            assert!(forwarded.forwarded <= PER_ENVELOPE, "{backend}: bounded");
            assert_eq!(
                prepared.header.sequence,
                u64::try_from(bundles.len() + 1).unwrap(),
                "{backend}: gapless"
            );
            bundles.push((forwarded.forwarded, forwarded.more, prepared.bundle.clone()));
            commit_forwarding(store, &scope_agency, &forwarded, &decisions)
                .await
                .unwrap();
        }
        let shape: Vec<(usize, bool)> = bundles.iter().map(|(n, more, _)| (*n, *more)).collect();
        assert_eq!(shape, [(500, true), (500, true), (200, false)], "{backend}");
        let decided = store
            .forwarding_decisions(&scope_agency, None)
            .await
            .unwrap();
        assert_eq!(decided.len(), PERSONS, "{backend}: one decision each");

        // Bureau B reads them out of order, then one again: each applies once.
        for i in [2, 0, 1] {
            assert!(
                matches!(
                    receive(store, &t.bureau_b, &bundles[i].2).await,
                    ReceiptStatus::Applied { .. }
                ),
                "{backend}: envelope {}",
                i + 1
            );
        }
        assert_eq!(
            receive(store, &t.bureau_b, &bundles[1].2).await,
            ReceiptStatus::Duplicate
        );
        assert_eq!(
            store.count_persons(&scope_b).await.unwrap() - held_before,
            i64::try_from(PERSONS).unwrap(),
            "{backend}: every person once"
        );
        let applied = crate::changes::applied_sequences(store, &scope_b, "agency").await;
        assert_eq!(applied, [Some(3), Some(1), Some(2)], "{backend}");
    }
}
