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
