//! Same-person proposals at the agency (issue 5, item 3; migration 0024), on both backends:
//! the "not compared yet" markers, proposals written once per pair, decisions append-only and
//! one per user, a rejection remembered (MATCH-1), what each decision keeps (MATCH-7), and
//! another tenant's proposal indistinguishable from none.

use domain::{PersonCategory, PersonId, Tenant, TenantId, TenantKind};
use whereabouts_store::{
    Decision, LinkStatus, NewLinkDecision, NewLinkProposal, NewPerson, NewUser, Store, StoreError,
    TenantScope, UserRole,
};

use crate::harness::{backends, new_source, seed};

async fn register(store: &Store, scope: &TenantScope, reference: &str) -> PersonId {
    let source = store
        .record_source(scope, &new_source(&format!("source of {reference}")))
        .await
        .unwrap();
    store
        .register_person(
            scope,
            source,
            &NewPerson {
                reference: reference.into(),
                category: PersonCategory::PrisonerOfWar,
                assertions: Vec::new(),
                events: Vec::new(),
            },
        )
        .await
        .unwrap()
}

async fn user_scope(store: &Store, tenant: TenantId, username: &str) -> TenantScope {
    store
        .create_user(&NewUser {
            tenant: Some(tenant),
            username,
            password_hash: "$argon2id$fake",
            role: UserRole::Caseworker,
        })
        .await
        .unwrap();
    let record = store.user_by_username(username).await.unwrap().unwrap();
    store.scope_for_user(&record).unwrap()
}

fn proposal(left: PersonId, right: PersonId, score: i32) -> NewLinkProposal {
    NewLinkProposal {
        left,
        right,
        score,
        algorithm: "test/1".into(),
        explanation: r#"{"features":[],"notes":["test"]}"#.into(),
    }
}

#[tokio::test]
async fn same_person_proposals_are_made_once_decided_once_per_user_and_a_rejection_is_remembered() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let agency = Tenant {
            id: TenantId::new(),
            slug: "agency".into(),
            name: "Agency".into(),
            kind: TenantKind::Agency,
            party: None,
        };
        store.create_tenant(&agency).await.unwrap();
        let scope = store.operator_scope(&agency, "test");
        let a = register(store, &scope, "bureau-a:A-1").await;
        let b = register(store, &scope, "bureau-b:B-7").await;
        let c = register(store, &scope, "bureau-a:A-9").await;
        // The trigger marks an agency's persons as not compared yet, in the registering
        // transaction; a bureau's persons are never marked.
        let pending = store.link_pending(&scope, 10).await.unwrap();
        assert_eq!(pending, vec![a, b, c], "{}", backend.name);
        register(store, &f.scope_a, "A-1").await;
        assert!(store.link_pending(&f.scope_a, 10).await.unwrap().is_empty());

        // A pass writes its pairs and removes the markers of the persons it compared; the same
        // pair in the other order, a person with itself and another tenant's person are not
        // written.
        let outsider = register(store, &f.scope_b, "B-1").await;
        let new = store
            .record_link_pass(
                &scope,
                &[a, b],
                &[
                    proposal(a, b, 912),
                    proposal(b, a, 912),
                    proposal(a, a, 1000),
                    proposal(a, outsider, 800),
                    proposal(c, a, 640),
                ],
            )
            .await
            .unwrap();
        assert_eq!(new, 2, "{}", backend.name);
        assert_eq!(store.link_pending(&scope, 10).await.unwrap(), vec![c]);
        let (open, total) = store.open_link_proposals(&scope, 0, 10).await.unwrap();
        assert_eq!(total, 2);
        assert_eq!(open[0].score, 912, "best first");
        assert_eq!(open[1].score, 640);
        let ab = open[0].clone();
        assert!(ab.person_a.as_uuid() < ab.person_b.as_uuid());
        assert_eq!(ab.other(a), Some(b));
        assert_eq!(ab.status(), LinkStatus::Open);

        // The operator is no caseworker: decisions are taken by caseworkers and reviewers.
        assert!(matches!(
            store
                .record_link_decision(
                    &scope,
                    &NewLinkDecision {
                        proposal: ab.id,
                        decision: Decision::Confirm,
                        note: "",
                    },
                )
                .await,
            Err(StoreError::Invalid(_))
        ));
        let first = user_scope(store, agency.id, "caseworker-1").await;
        let second = user_scope(store, agency.id, "caseworker-2").await;
        store
            .record_link_decision(
                &first,
                &NewLinkDecision {
                    proposal: ab.id,
                    decision: Decision::Confirm,
                    note: "same service number on both cards",
                },
            )
            .await
            .unwrap();
        // One decision per user and pair.
        assert!(matches!(
            store
                .record_link_decision(
                    &first,
                    &NewLinkDecision {
                        proposal: ab.id,
                        decision: Decision::Reject,
                        note: "",
                    },
                )
                .await,
            Err(StoreError::Invalid(message)) if message.contains("already decided")
        ));
        let stored = store.link_proposal(&first, ab.id).await.unwrap();
        assert_eq!(stored.status(), LinkStatus::Confirmed);
        // MATCH-7: the decision keeps the score, algorithm and explanation shown, and the note.
        let decision = &stored.decisions[0];
        assert_eq!(decision.username, "caseworker-1");
        assert_eq!(decision.score, 912);
        assert_eq!(decision.algorithm, "test/1");
        assert!(decision.explanation.contains("test"));
        assert_eq!(decision.note, "same service number on both cards");
        assert_eq!(
            store.confirmed_links(&scope).await.unwrap(),
            vec![(ab.person_a, ab.person_b)]
        );
        assert_eq!(store.links_of(&scope, c).await.unwrap().len(), 1);
        assert_eq!(store.links_of(&scope, a).await.unwrap().len(), 2);
        // Decided pairs leave the worklist of open proposals.
        assert_eq!(store.open_link_proposals(&scope, 0, 10).await.unwrap().1, 1);

        // A rejection by anyone stands: no longer linked, never decided or proposed again.
        store
            .record_link_decision(
                &second,
                &NewLinkDecision {
                    proposal: ab.id,
                    decision: Decision::Reject,
                    note: "different fathers' names",
                },
            )
            .await
            .unwrap();
        assert_eq!(
            store.link_proposal(&scope, ab.id).await.unwrap().status(),
            LinkStatus::Rejected
        );
        assert!(store.confirmed_links(&scope).await.unwrap().is_empty());
        let third = user_scope(store, agency.id, "caseworker-3").await;
        assert!(matches!(
            store
                .record_link_decision(
                    &third,
                    &NewLinkDecision {
                        proposal: ab.id,
                        decision: Decision::Confirm,
                        note: "",
                    },
                )
                .await,
            Err(StoreError::Invalid(message)) if message.contains("rejected")
        ));
        assert_eq!(
            store
                .record_link_pass(&scope, &[a, b], &[proposal(b, a, 990)])
                .await
                .unwrap(),
            0,
            "a rejected pair is not proposed again (MATCH-1)"
        );
        assert_eq!(
            store.link_proposal(&scope, ab.id).await.unwrap().score,
            912,
            "the proposal keeps what the engine said when it proposed it"
        );

        // The right of access (§7.5): b's subject export lists the pair with the other record
        // by id only, the engine's score and version, and both decisions in order; the notes and
        // the deciders' names stay out of it.
        let export = store
            .subject_export(&scope, b, "subject access request")
            .await
            .unwrap();
        let links = export["same_person"].as_array().unwrap();
        assert_eq!(links.len(), 1, "{}", backend.name);
        assert_eq!(links[0]["other_record"], a.to_string());
        assert_eq!(links[0]["score"], 0.912);
        assert_eq!(links[0]["algorithm"], "test/1");
        assert_eq!(links[0]["status"], "rejected");
        let decided: Vec<_> = links[0]["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["decision"].as_str().unwrap())
            .collect();
        assert_eq!(decided, ["confirm", "reject"]);
        let text = export.to_string();
        assert!(!text.contains("different fathers' names") && !text.contains("caseworker-2"));
        assert_eq!(
            store.subject_export(&scope, c, "x").await.unwrap()["same_person"][0]["status"],
            "open"
        );

        // Another tenant's proposal is indistinguishable from none.
        let bureau_user = user_scope(store, f.tenant_b.id, "bureau-user").await;
        assert!(matches!(
            store.link_proposal(&f.scope_b, ab.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store
                .record_link_decision(
                    &bureau_user,
                    &NewLinkDecision {
                        proposal: ab.id,
                        decision: Decision::Confirm,
                        note: "",
                    },
                )
                .await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            store
                .open_link_proposals(&f.scope_b, 0, 10)
                .await
                .unwrap()
                .1,
            0
        );
        assert!(store.links_of(&f.scope_b, a).await.unwrap().is_empty());
        // A note longer than the limit is refused, naming it.
        assert!(matches!(
            store
                .record_link_decision(
                    &third,
                    &NewLinkDecision {
                        proposal: open[1].id,
                        decision: Decision::Confirm,
                        note: &"x".repeat(2001),
                    },
                )
                .await,
            Err(StoreError::Invalid(message)) if message.starts_with("note")
        ));
    }
}
