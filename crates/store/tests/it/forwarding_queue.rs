//! The forwarding round's change queue (issue 5, migration 0022), on both backends: after
//! every kind of write that can make a person one to forward to a power of origin
//! (GC3-123-a, GC4-140-a), the round that reads only the queue finds exactly the nationals a
//! full scan of the tenant would find, and reads nothing else that has not changed.

use std::collections::BTreeSet;

use domain::{AssertedValue, FieldKey, PersonCategory, PersonId, Presence};
use time::OffsetDateTime;
use whereabouts_store::{NewAssertion, NewForwardingDecision, NewPerson, Store, TenantScope};

use crate::harness::{backends, seed};

const TO: &str = "bureau-b";
const ORIGIN: &str = "XB";

fn nationality(code: &str) -> NewAssertion {
    NewAssertion {
        field: FieldKey::Nationality,
        value: Presence::Present(AssertedValue::Country(code.into())),
        locator: format!("nationality {code}"),
    }
}

fn person(reference: &str, nationality_code: Option<&str>) -> NewPerson {
    NewPerson {
        reference: reference.into(),
        category: PersonCategory::PrisonerOfWar,
        assertions: nationality_code.map(nationality).into_iter().collect(),
        events: vec![],
    }
}

/// The persons among `persons` whose current nationality is `origin`, as the round decides it
/// (`web::transmission::nationality_of`), and the others.
async fn split_nationals(
    store: &Store,
    scope: &TenantScope,
    persons: &[PersonId],
    origin: &str,
) -> (BTreeSet<PersonId>, Vec<PersonId>) {
    let mut nationals = BTreeSet::new();
    let mut others = Vec::new();
    for record in store.person_records(scope, persons).await.unwrap() {
        let view = domain::CurrentView::project(&record.assertions);
        let code = match view.value(FieldKey::Nationality) {
            Some(AssertedValue::Country(code) | AssertedValue::Text(code)) => {
                Some(code.trim().to_uppercase())
            }
            _ => None,
        };
        if code.as_deref() == Some(origin) {
            nationals.insert(record.person.id);
        } else {
            others.push(record.person.id);
        }
    }
    (nationals, others)
}

/// The nationals a full scan of the tenant finds for `to` (the path before migration 0022).
async fn full_scan(
    store: &Store,
    scope: &TenantScope,
    to: &str,
    origin: &str,
) -> BTreeSet<PersonId> {
    let all = store.persons_without_forwarding(scope, to).await.unwrap();
    split_nationals(store, scope, &all, origin).await.0
}

/// A decision for `person` (withheld here: no envelope is needed to test what is read).
fn withheld(person: PersonId, to: &str) -> NewForwardingDecision {
    NewForwardingDecision {
        person,
        recipient: to.into(),
        forwarded: false,
        fields_forwarded: vec![],
        fields_withheld: vec!["*: test round".into()],
        reason: "test round".into(),
    }
}

/// One round as `web::transmission::forward_to_origin` and `commit_forwarding` run it: the
/// queue's candidates, a decision for each national (withheld here: no envelope is needed to
/// test what is read), the others noted as considered, then the queue consumed. Returns the
/// nationals decided and how many persons the round read.
async fn round(
    store: &Store,
    scope: &TenantScope,
    to: &str,
    origin: &str,
) -> (BTreeSet<PersonId>, usize) {
    let read_at = OffsetDateTime::now_utc();
    let candidates = store.forwarding_candidates(scope, to).await.unwrap();
    let persons: Vec<PersonId> = candidates.persons.iter().map(|(p, _)| *p).collect();
    let (nationals, others) = split_nationals(store, scope, &persons, origin).await;
    let decisions: Vec<NewForwardingDecision> =
        nationals.iter().map(|p| withheld(*p, to)).collect();
    store
        .record_forwarding(scope, None, &decisions)
        .await
        .unwrap();
    store
        .note_forwarding_considered(scope, to, &others, read_at)
        .await
        .unwrap();
    if let Some(through) = candidates.through {
        store
            .consume_forwarding_candidates(scope, to, through)
            .await
            .unwrap();
    }
    (nationals, candidates.persons.len())
}

/// Runs the full scan, then the queue's round, and asserts they find the same nationals.
async fn same_as_full_scan(
    store: &Store,
    scope: &TenantScope,
    to: &str,
    origin: &str,
    after: &str,
) -> (BTreeSet<PersonId>, usize) {
    let expected = full_scan(store, scope, to, origin).await;
    let (found, read) = round(store, scope, to, origin).await;
    assert_eq!(
        found, expected,
        "after {after}: the queue's round and the full scan differ"
    );
    (found, read)
}

#[tokio::test]
async fn the_queued_round_finds_what_a_full_scan_finds_after_every_kind_of_write() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let (a, src) = (&f.scope_a, f.source_a);
        let register = |reference: &'static str, code: Option<&'static str>| async move {
            store
                .register_person(a, src, &person(reference, code))
                .await
                .unwrap()
        };
        let xb1 = register("A-1", Some("XB")).await;
        let xa1 = register("A-2", Some("XA")).await;
        let none = register("A-3", None).await;

        // The recipient's first round reads the whole tenant.
        let (found, read) =
            same_as_full_scan(store, a, TO, ORIGIN, "the first registrations").await;
        assert_eq!(found, BTreeSet::from([xb1]), "{}", backend.name);
        assert_eq!(read, 3);
        // Nothing written: the next round reads no one.
        let (found, read) = same_as_full_scan(store, a, TO, ORIGIN, "nothing").await;
        assert!(found.is_empty());
        assert_eq!(read, 0, "an unchanged tenant is not read again");

        // A registration: only the new persons are read.
        let xb2 = register("A-4", Some("XB")).await;
        let _xa2 = register("A-5", Some("XA")).await;
        let (found, read) = same_as_full_scan(store, a, TO, ORIGIN, "registrations").await;
        assert_eq!(found, BTreeSet::from([xb2]));
        assert_eq!(read, 2);

        // A nationality corrected to the origin's (XC-3: the earlier value is superseded).
        let earlier = store.person(a, xa1).await.unwrap().assertions[0].id;
        store
            .add_assertion(a, xa1, src, &nationality("XB"), Some(earlier))
            .await
            .unwrap();
        let (found, read) =
            same_as_full_scan(store, a, TO, ORIGIN, "a nationality corrected").await;
        assert_eq!(found, BTreeSet::from([xa1]));
        assert_eq!(read, 1);

        // Another field: nothing to forward (the full scan reads the person, finds nothing).
        store
            .add_assertion(
                a,
                none,
                src,
                &NewAssertion {
                    field: FieldKey::Occupation,
                    value: Presence::Present(AssertedValue::Text("farmer".into())),
                    locator: "occupation".into(),
                },
                None,
            )
            .await
            .unwrap();
        let (found, read) = same_as_full_scan(store, a, TO, ORIGIN, "another field").await;
        assert!(found.is_empty());
        assert_eq!(
            read, 0,
            "only a nationality can make a person one to forward"
        );

        // A nationality given to a person decided before: decided once, not again.
        store
            .add_assertion(a, xb1, src, &nationality("XB"), None)
            .await
            .unwrap();
        let (found, _) =
            same_as_full_scan(store, a, TO, ORIGIN, "a decided person's nationality").await;
        assert!(found.is_empty());

        // A nationality given where there was none.
        store
            .add_assertion(a, none, src, &nationality("XB"), None)
            .await
            .unwrap();
        let (found, _) = same_as_full_scan(store, a, TO, ORIGIN, "a first nationality").await;
        assert_eq!(found, BTreeSet::from([none]));

        // An import (the path of CSV lists and received envelopes), committed and abandoned.
        let mut batch = store.begin_import(a, src).await.unwrap();
        let imported = batch
            .insert(&[person("A-6", Some("XB")), person("A-7", None)])
            .await
            .unwrap();
        batch.commit().await.unwrap();
        let mut abandoned = store.begin_import(a, src).await.unwrap();
        abandoned
            .insert(&[person("A-8", Some("XB"))])
            .await
            .unwrap();
        drop(abandoned);
        let (found, read) = same_as_full_scan(store, a, TO, ORIGIN, "an import").await;
        assert_eq!(found, BTreeSet::from([imported[0]]));
        assert_eq!(read, 2, "the abandoned import left nothing queued");

        // A round that fails after reading (no decision recorded, the queue not consumed):
        // the next round reads its persons again, with what came since.
        let xb3 = register("A-9", Some("XB")).await;
        let failed = store.forwarding_candidates(a, TO).await.unwrap();
        assert_eq!(failed.persons.len(), 1);
        assert_eq!(failed.persons[0].0, xb3);
        let xb4 = register("A-10", Some("XB")).await;
        let (found, read) = same_as_full_scan(store, a, TO, ORIGIN, "a failed round").await;
        assert_eq!(found, BTreeSet::from([xb3, xb4]));
        assert_eq!(read, 2);

        // A round that stops early (its envelope full) consumes through the last person it
        // took: the others stay queued, in order, with what comes after.
        let xb5 = register("A-12", Some("XB")).await;
        let xa4 = register("A-13", Some("XA")).await;
        let xb6 = register("A-14", Some("XB")).await;
        let partial = store.forwarding_candidates(a, TO).await.unwrap();
        // The envelope took A-12 only: its decision, then the queue consumed through it.
        store
            .record_forwarding(a, None, &[withheld(xb5, TO)])
            .await
            .unwrap();
        let order: Vec<PersonId> = partial.persons.iter().map(|(p, _)| *p).collect();
        assert_eq!(order, [xb5, xa4, xb6], "in the order they were queued");
        store
            .consume_forwarding_candidates(a, TO, partial.persons[0].1)
            .await
            .unwrap();
        let rest = store.forwarding_candidates(a, TO).await.unwrap();
        let order: Vec<PersonId> = rest.persons.iter().map(|(p, _)| *p).collect();
        assert_eq!(order, [xa4, xb6], "the persons not taken wait");
        let (found, read) = same_as_full_scan(store, a, TO, ORIGIN, "a round stopped early").await;
        assert_eq!(found, BTreeSet::from([xb6]));
        assert_eq!(read, 2);

        // A second recipient's first round reads the whole tenant; the first one's queue is
        // its own.
        let (found, read) =
            same_as_full_scan(store, a, "bureau-a", "XA", "a second recipient").await;
        assert_eq!(found.len(), 2, "A-5 and A-13 are the nationals of XA left");
        assert_eq!(read, 12, "the twelve persons the tenant holds");
        let xa3 = register("A-11", Some("XA")).await;
        let (found, _) = same_as_full_scan(
            store,
            a,
            "bureau-a",
            "XA",
            "a registration, second recipient",
        )
        .await;
        assert_eq!(found, BTreeSet::from([xa3]));
        let (found, read) =
            same_as_full_scan(store, a, TO, ORIGIN, "a registration, first recipient").await;
        assert!(found.is_empty());
        assert_eq!(read, 1, "each recipient reads each change once");

        // Another tenant's writes stay in its own queue.
        store
            .register_person(&f.scope_b, f.source_b, &person("B-1", Some("XB")))
            .await
            .unwrap();
        let (found, read) =
            same_as_full_scan(store, a, TO, ORIGIN, "another tenant's registration").await;
        assert!(found.is_empty());
        assert_eq!(read, 0);
        let (found, _) = same_as_full_scan(
            store,
            &f.scope_b,
            TO,
            ORIGIN,
            "the other tenant's first round",
        )
        .await;
        assert_eq!(found.len(), 1);
    }
}

/// The case a timestamp watermark gets wrong: a person written by a transaction that began
/// before a round and committed after it. PostgreSQL only: on SQLite the round's `BEGIN
/// IMMEDIATE` waits for the import's write transaction, so the two cannot overlap.
#[tokio::test]
async fn a_person_committed_after_a_round_read_is_read_by_the_next_round() {
    for backend in backends().await {
        if backend.name != "postgres" {
            continue;
        }
        let store = &backend.store;
        let f = seed(store).await;
        let a = &f.scope_a;
        let first = store
            .register_person(a, f.source_a, &person("A-1", Some("XB")))
            .await
            .unwrap();
        let mut open = store.begin_import(a, f.source_a).await.unwrap();
        let late = open.insert(&[person("A-2", Some("XB"))]).await.unwrap()[0];
        // The round reads while the import is open: it cannot yet.
        let (found, _) = same_as_full_scan(store, a, TO, ORIGIN, "a write still open").await;
        assert_eq!(found, BTreeSet::from([first]));
        open.commit().await.unwrap();
        let (found, read) = same_as_full_scan(store, a, TO, ORIGIN, "the late commit").await;
        assert_eq!(found, BTreeSet::from([late]), "the late person is not lost");
        assert_eq!(read, 1);
        // A person of another nationality written across a round: read once, found nothing.
        let mut open = store.begin_import(a, f.source_a).await.unwrap();
        let other = open.insert(&[person("A-3", Some("XA"))]).await.unwrap()[0];
        let (found, _) = same_as_full_scan(store, a, TO, ORIGIN, "another open write").await;
        assert!(found.is_empty());
        open.commit().await.unwrap();
        let (found, read) = same_as_full_scan(store, a, TO, ORIGIN, "its commit").await;
        assert!(found.is_empty(), "{other} is of XA");
        assert_eq!(read, 1);
    }
}
