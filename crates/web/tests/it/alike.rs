//! The person search beside its prefix matches: the names the matching engine finds alike in
//! another script, spelling or order (MATCH-1), on the page and in the API, within the tenant,
//! and never a person a restriction keeps from the caller (ICRC-DP-c).

use axum::http::StatusCode;
use serde_json::{Value, json};
use store::UserRole;

use crate::harness::{App, apps, json_of};

/// Registers a prisoner of war in bureau A through the API; answers the new person's id.
pub(crate) async fn register(app: &App, token: &str, reference: &str, name: Value) -> String {
    let body = json!({
        "reference": reference,
        "category": "pow",
        "name": name,
        "fell_into_power_at": "2026-01-10T08:00:00Z",
    });
    let page = app
        .api(
            "POST",
            "/api/v1/persons",
            Some(token),
            Some(&body.to_string()),
        )
        .await;
    assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
    json_of(&page.body)["id"].as_str().unwrap().to_owned()
}

/// The part of the persons page after the prefix matches: the engine's alike names.
fn alike_section(body: &str) -> Option<&str> {
    body.find(r#"<h2 id="alike">"#).map(|at| &body[at..])
}

#[tokio::test]
async fn a_latin_query_finds_a_name_written_in_arabic_script_through_the_engine() {
    for app in apps().await {
        let token = app.token(app.fx.tenant_a.id, UserRole::BureauClerk).await;
        let id = register(
            &app,
            &token,
            "A-0300",
            json!({"given": "محمود", "patronymic": "أنس", "family": "النعيمي", "language": "ar"}),
        )
        .await;
        register(
            &app,
            &token,
            "A-0301",
            json!({"given": "Тарас", "family": "Шевченко", "language": "uk"}),
        )
        .await;
        let cookie = app.login("clerk-a").await;

        // No name starts with the Latin spelling: the prefix list is empty, the engine finds it.
        let page = app
            .get("/persons?q=Mahmoud%20al-Nuaimi", Some(&cookie))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.backend);
        assert!(page.body.contains("0 persons matching"), "{}", page.body);
        let alike = alike_section(&page.body)
            .unwrap_or_else(|| panic!("{}: no alike section: {}", app.backend, page.body));
        assert!(
            alike.contains(&format!(r#"<a href="/persons/{id}">A-0300</a>"#)),
            "{alike}"
        );
        assert!(
            alike.contains("النعيمي محمود أنس"),
            "the name as written: {alike}"
        );
        assert!(alike.contains("same name in different scripts"), "{alike}");
        assert!(!alike.contains("Шевченко"), "an unrelated name: {alike}");

        // The API answers the same person with the engine's probability and explanation.
        let list = json_of(
            &app.api(
                "GET",
                "/api/v1/persons?q=Mahmoud%20al-Nuaimi",
                Some(&token),
                None,
            )
            .await
            .body,
        );
        assert_eq!(list["total"], 0, "{list}");
        let similar = list["similar"].as_array().expect("similar");
        assert_eq!(similar[0]["reference"], "A-0300", "{list}");
        assert!(similar[0]["score"].as_f64().unwrap() > 0.5, "{list}");
        assert!(
            similar[0]["features"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["feature"] == "family name" && f["weight"].as_f64().unwrap() > 0.0),
            "{list}"
        );
        // Only the first page of a search carries it.
        let later = json_of(
            &app.api(
                "GET",
                "/api/v1/persons?q=Mahmoud%20al-Nuaimi&offset=50",
                Some(&token),
                None,
            )
            .await
            .body,
        );
        assert!(later.get("similar").is_none(), "{later}");

        // A person the prefix search lists is not listed again as alike.
        let page = app.get("/persons?q=Shevchenko", Some(&cookie)).await;
        assert!(page.body.contains("1 person matching"), "{}", page.body);
        assert!(
            alike_section(&page.body).is_none_or(|alike| !alike.contains("A-0301")),
            "{}",
            page.body
        );
    }
}

#[tokio::test]
async fn a_reference_search_looks_at_references_only() {
    for app in apps().await {
        let token = app.token(app.fx.tenant_a.id, UserRole::BureauClerk).await;
        register(
            &app,
            &token,
            "A-0300",
            json!({"given": "Тарас", "family": "Шевченко", "language": "uk"}),
        )
        .await;
        let cookie = app.login("clerk-a").await;
        // `A-03` once searched the names for `a` as well (the tokeniser keeps letters only), and
        // so listed Олександр КОВАЛЕНКО (A-0001).
        let page = app.get("/persons?q=A-03", Some(&cookie)).await;
        assert!(page.body.contains("1 person matching"), "{}", page.body);
        assert!(page.body.contains("A-0300"));
        assert!(!page.body.contains("A-0001"), "{}", page.body);
        assert!(alike_section(&page.body).is_none(), "{}", page.body);
        let list = json_of(
            &app.api("GET", "/api/v1/persons?q=A-03", Some(&token), None)
                .await
                .body,
        );
        assert_eq!(list["total"], 1, "{list}");
        assert!(list.get("similar").is_none(), "{list}");
        // A pasted paragraph is not a name: the prefix search answers, the engine is not asked.
        let long = "Shevchenko%20".repeat(40);
        let list = json_of(
            &app.api(
                "GET",
                &format!("/api/v1/persons?q={long}"),
                Some(&token),
                None,
            )
            .await
            .body,
        );
        assert_eq!(list["total"], 1, "{list}");
        assert!(list.get("similar").is_none(), "{list}");
    }
}

#[tokio::test]
async fn alike_names_stay_in_the_tenant_and_respect_restrictions() {
    for app in apps().await {
        let clerk = app.token(app.fx.tenant_a.id, UserRole::BureauClerk).await;
        let id = register(
            &app,
            &clerk,
            "A-0300",
            json!({"given": "محمود", "family": "النعيمي", "language": "ar"}),
        )
        .await;
        // Bureau B holds ПЕТРЕНКО; bureau A's search never shows it, not even as alike.
        let cookie = app.login("clerk-a").await;
        let page = app.get("/persons?q=Petrenko", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("ПЕТРЕНКО"), "{}", page.body);
        assert!(!page.body.contains(&app.fx.pow_b.to_string()));

        // Restricted to officers: the clerk's alike names lose the person at once.
        let scope = app.store.operator_scope(&app.fx.tenant_a, "dpo");
        app.store
            .restrict_processing(
                &scope,
                id.parse().unwrap(),
                &[UserRole::BureauOfficer],
                "the person asked for restriction pending verification",
            )
            .await
            .unwrap();
        let page = app.get("/persons?q=Mahmud%20Nuaimi", Some(&cookie)).await;
        assert!(!page.body.contains("A-0300"), "{}", page.body);
        let list = json_of(
            &app.api(
                "GET",
                "/api/v1/persons?q=Mahmud%20Nuaimi",
                Some(&clerk),
                None,
            )
            .await
            .body,
        );
        assert!(!list.to_string().contains("A-0300"), "{list}");
        let officer = app.token(app.fx.tenant_a.id, UserRole::BureauOfficer).await;
        let list = json_of(
            &app.api(
                "GET",
                "/api/v1/persons?q=Mahmud%20Nuaimi",
                Some(&officer),
                None,
            )
            .await
            .body,
        );
        assert_eq!(list["similar"][0]["reference"], "A-0300", "{list}");
    }
}
