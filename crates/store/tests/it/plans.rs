//! Issue 5: lookups by id under a tenant condition use the id's index, not an index on
//! `tenant_id` alone. SQLite keeps no statistics here (the store never runs ANALYZE), so its
//! plan does not depend on the data; with `tenant_id = $1 AND id IN (…)` or
//! `($2 IS NULL OR id = $2)` it read every row of the tenant for each lookup (forwarding round 1
//! was quadratic: bench/README.md, "Forwarding"). PostgreSQL plans from statistics: its plans
//! are only read here.

use whereabouts_store::NewEnquiry;

use crate::harness::{backends, register_pow as register, seed};

#[tokio::test]
async fn lookups_by_id_use_the_ids_index_not_a_scan_of_the_tenant() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let mut person = None;
        for i in 0..50 {
            person = Some(register(store, &f.scope_a, f.source_a, &format!("A-{i}")).await);
        }
        let person = person.unwrap();
        let enquiry = store
            .ask_enquiry(
                &f.scope_a,
                &NewEnquiry {
                    peer: "bureau-b".into(),
                    person: Some(person),
                    question: "Where is he held?".into(),
                    ..NewEnquiry::default()
                },
            )
            .await
            .unwrap();
        let plans = store
            .explain_lookups_by_id(&f.scope_a, person, enquiry.id)
            .await
            .unwrap();
        assert_eq!(plans.len(), 5, "{name}");
        for (lookup, plan) in &plans {
            assert!(!plan.is_empty(), "{name}: {lookup}");
        }
        if name != "sqlite" {
            continue;
        }
        let plan = |lookup: &str| {
            plans
                .iter()
                .find(|(n, _)| *n == lookup)
                .map(|(_, p)| p.join(" | "))
                .unwrap()
        };
        // The primary key (or the unique index on the id), never `persons_listing`.
        let expected = [
            (
                "persons by id",
                "SEARCH persons USING INDEX sqlite_autoindex_persons_1 (id=?)",
            ),
            (
                "forwarding decisions of a person",
                "SEARCH forwarding_decisions USING INDEX forwarding_decisions_person (tenant_id=? AND person_id=?)",
            ),
            (
                "an enquiry",
                "SEARCH enquiries USING INDEX sqlite_autoindex_enquiries_1 (id=?)",
            ),
            (
                "its answers",
                "SEARCH enquiry_answers USING INDEX enquiry_answers_enquiry (tenant_id=? AND enquiry_id=?)",
            ),
            (
                "its closure",
                "SEARCH enquiry_closures USING INDEX sqlite_autoindex_enquiry_closures_2 (tenant_id=? AND enquiry_id=?)",
            ),
        ];
        for (lookup, search) in expected {
            let got = plan(lookup);
            assert!(got.contains(search), "{lookup}: {got}");
            assert!(
                !got.contains("(tenant_id=?)"),
                "{lookup} scans the tenant: {got}"
            );
            assert!(!got.contains("SCAN "), "{lookup} scans a table: {got}");
        }
    }
}

/// ICRC-VIS-d (issue 6): one page of the follow-ups due walks the index `persons_due_by_day`
/// (tenant, due, person) in order from the start, right after a large visit report or load, on
/// both backends: not a read of the whole range of the persons due and a sort of it. PostgreSQL
/// plans from statistics; a field batch that wrote many rows of `persons_due` analyses it once
/// committed (before, the page read and sorted all 100,000 due at 10^5: bench/README.md).
#[tokio::test]
async fn a_page_of_the_follow_ups_due_walks_its_index_in_order_after_a_large_load() {
    use time::macros::{date, datetime};
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let u = crate::protection::unit(store, &f).await;
        let seen: Vec<_> = (0..3000)
            .map(|i| crate::protection::seen(&u.visit, u.place, &format!("Бондар-{i}")))
            .collect();
        let follow_ups: Vec<_> = seen
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    uuid::Uuid::now_v7(),
                    crate::followed::follow_up(
                        p.id,
                        datetime!(2026-03-01 12:00 UTC),
                        Some(
                            date!(2026 - 03 - 02)
                                + time::Duration::days(i64::try_from(i % 300).unwrap()),
                        ),
                    ),
                )
            })
            .collect();
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        batch.visit(&u.visit).await.unwrap();
        batch.registrations(&seen).await.unwrap();
        batch.follow_ups(&follow_ups).await.unwrap();
        batch.commit().await.unwrap();
        let day = date!(2026 - 12 - 31);
        assert_eq!(store.overdue_count(&u.scope, day).await.unwrap(), 3000);
        let plan = store
            .explain_overdue_page(&u.scope, day, 100, 100)
            .await
            .unwrap()
            .join(" | ");
        if name == "sqlite" {
            assert!(
                plan.contains(
                    "SEARCH persons_due USING INDEX persons_due_by_day (tenant_id=? AND due<?)"
                ),
                "{name}: {plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{name} sorts: {plan}");
        } else {
            assert!(
                plan.contains("Index Scan using persons_due_by_day on persons_due"),
                "{name}: {plan}"
            );
            assert!(!plan.contains("Sort"), "{name} sorts: {plan}");
            assert!(!plan.contains("Bitmap"), "{name} reads the range: {plan}");
        }
    }
}
