//! Issue 5, on both backends: `/lists` and `GET /api/v1/lists` page through many lists and
//! through a long list's rows, and show for each list drawn up here where it went: the envelope
//! that carried it to each peer and whether the peer acknowledged it (XC-5), or that it still
//! waits (GC3-46-a, GC4-127: the list of the persons transferred).

use axum::http::StatusCode;
use domain::{
    AssertedValue, FieldKey, NamePart, NamePartKind, PersonCategory, PersonName, Presence,
};
use store::{NewAssertion, NewList, NewPeer, NewPerson, UserRole};
use transmit::ReceiptStatus;

use crate::changes::{record_of, send, three};
use crate::harness::apps;

#[tokio::test]
async fn lists_page_through_lists_and_rows_and_show_what_each_peer_acknowledged() {
    for app in apps().await {
        let store = &app.store;
        let backend = app.backend;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        let source = record_of(store, &scope_a, "A-0001").await.sources[0].id;
        let mut persons = Vec::new();
        for i in 0..250 {
            let name = PersonName::new(vec![
                NamePart::new(NamePartKind::Given, "Ivo", None).unwrap(),
                NamePart::new(NamePartKind::Family, &format!("Listed{i:03}"), None).unwrap(),
            ])
            .unwrap();
            persons.push(
                store
                    .register_person(
                        &scope_a,
                        source,
                        &NewPerson {
                            reference: format!("L-{i:03}"),
                            category: PersonCategory::PrisonerOfWar,
                            assertions: vec![NewAssertion {
                                field: FieldKey::Name,
                                value: Presence::Present(AssertedValue::Name(name)),
                                locator: format!("line {i}"),
                            }],
                            events: Vec::new(),
                        },
                    )
                    .await
                    .unwrap(),
            );
        }
        let long = store
            .draw_list(
                &scope_a,
                &NewList {
                    title: "Transferred to Camp South".into(),
                    rule: Some("GC3-46-a".into()),
                    persons: persons.clone(),
                },
            )
            .await
            .unwrap();
        for (i, person) in persons.iter().take(21).enumerate() {
            store
                .draw_list(
                    &scope_a,
                    &NewList {
                        title: format!("Short list {i}"),
                        rule: None,
                        persons: vec![*person],
                    },
                )
                .await
                .unwrap();
        }
        store
            .set_peer(&scope_a, &NewPeer::new("agency", "agency"))
            .await
            .unwrap();

        let clerk = app.browser("clerk-a").await;
        let page = app.get("/lists", Some(&clerk.cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{backend}: {}", page.body);
        assert!(
            page.body.contains("Lists 1 to 20 of 22, newest first"),
            "{}",
            page.body
        );
        assert!(page.body.contains(r#"href="/lists?page=2""#));
        assert!(!page.body.contains("Transferred to Camp South"));
        // The oldest list is on page 2, its first 200 rows, then the next.
        let page = app.get("/lists?page=2", Some(&clerk.cookie)).await;
        assert!(page.body.contains("Lists 21 to 22 of 22"), "{}", page.body);
        assert!(page.body.contains("Transferred to Camp South"));
        assert!(page.body.contains("L-199") && !page.body.contains("L-200"));
        assert!(
            page.body
                .contains("Not sent to agency yet: <span class=\"status due\">waiting</span>"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("Next 200 rows") && page.body.contains("from=200"),
            "{}",
            page.body
        );
        let rows = app
            .get(
                &format!("/lists?page=2&list={}&from=200", long.id),
                Some(&clerk.cookie),
            )
            .await;
        assert_eq!(rows.status, StatusCode::OK);
        assert!(rows.body.contains("<td>201</td>"), "{}", rows.body);
        assert!(rows.body.contains("L-249") && !rows.body.contains("L-199"));
        assert!(rows.body.contains("Previous 200 rows"));
        // A page or a start that is no number is the first.
        let odd = app.get("/lists?page=x&from=-5", Some(&clerk.cookie)).await;
        assert_eq!(odd.status, StatusCode::OK);
        assert!(odd.body.contains("Lists 1 to 20 of 22"));

        // The lists travel to the agency with the cards; then the receipt comes back.
        let bundle = send(store, &t.bureau_a, "agency").await;
        let received = web::transmission::receive_bundle(store, &t.agency, &scope_agency, &bundle)
            .await
            .unwrap();
        assert!(matches!(
            received.outcome.status,
            ReceiptStatus::Applied { .. }
        ));
        let page = app.get("/lists?page=2", Some(&clerk.cookie)).await;
        assert!(
            page.body.contains("Sent to agency in envelope #1 on")
                && page.body.contains("no receipt yet"),
            "{}",
            page.body
        );
        web::transmission::accept_receipt(store, &scope_a, "agency", &received.receipt.to_bytes())
            .await
            .unwrap();
        let page = app.get("/lists?page=2", Some(&clerk.cookie)).await;
        assert!(
            page.body
                .contains("<span class=\"status done\">acknowledged</span>"),
            "{}",
            page.body
        );

        // The API pages the lists too, with each list's deliveries.
        let token = app.token(t.bureau_a.id, UserRole::BureauClerk).await;
        let api = app
            .api("GET", "/api/v1/lists?offset=20&limit=5", Some(&token), None)
            .await;
        assert_eq!(api.status, StatusCode::OK, "{}", api.body);
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(json["total"], 22, "{backend}");
        assert_eq!(json["lists"].as_array().map(Vec::len), Some(2));
        let oldest = &json["lists"][1];
        assert_eq!(oldest["title"], "Transferred to Camp South");
        assert_eq!(oldest["persons"].as_array().map(Vec::len), Some(250));
        assert_eq!(oldest["deliveries"][0]["peer"], "agency");
        assert_eq!(oldest["deliveries"][0]["sequence"], 1);
        assert_eq!(oldest["deliveries"][0]["acknowledged"], true);
        let api = app
            .api("GET", "/api/v1/lists?limit=500", Some(&token), None)
            .await;
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(json["limit"], 100);
        assert_eq!(json["lists"].as_array().map(Vec::len), Some(22));
        // The agency received every list; it sent none, so no deliveries.
        let token = app.token(t.agency.id, UserRole::Caseworker).await;
        let api = app.api("GET", "/api/v1/lists", Some(&token), None).await;
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(json["total"], 22, "{backend}: {}", api.body);
        assert_eq!(json["lists"][0]["direction"], "received");
        assert_eq!(json["lists"][0]["deliveries"], serde_json::json!([]));
    }
}
