//! Restriction of processing and the right of access over HTTP (ICRC-DP-c), on both backends:
//! a restricted person leaves the lists, searches and proposals of the roles the restriction
//! excludes, at once and until it is lifted; the subject access export is an authorised, audited
//! API route.

use axum::http::StatusCode;
use serde_json::{Value, json};
use store::UserRole;

use crate::harness::{App, apps, json_of};

/// What a bureau A clerk or officer sees of A-0001 through every list and search.
struct Seen {
    page_list: bool,
    page_search: bool,
    api_list: bool,
    api_search: bool,
    api_total: i64,
}

async fn seen(app: &App, username: &str, token: &str) -> Seen {
    let browser = app.browser(username).await;
    let page_list = app.get("/persons", Some(&browser.cookie)).await;
    assert_eq!(page_list.status, StatusCode::OK);
    // Cyrillic, and a Latin spelling of the same name, through the shared directory.
    let page_search = app
        .get(
            "/persons?q=%D0%9A%D0%BE%D0%B2%D0%B0%D0%BB",
            Some(&browser.cookie),
        )
        .await;
    assert_eq!(page_search.status, StatusCode::OK);
    let api_list = app.api("GET", "/api/v1/persons", Some(token), None).await;
    assert_eq!(api_list.status, StatusCode::OK, "{}", api_list.body);
    let api_search = app
        .api("GET", "/api/v1/persons?q=kovalenko", Some(token), None)
        .await;
    assert_eq!(api_search.status, StatusCode::OK);
    let list = json_of(&api_list.body);
    let has = |v: &Value| {
        v["persons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["reference"] == "A-0001")
    };
    Seen {
        page_list: page_list.body.contains("A-0001"),
        page_search: page_search.body.contains("A-0001"),
        api_list: has(&list),
        api_search: has(&json_of(&api_search.body)),
        api_total: list["total"].as_i64().unwrap(),
    }
}

#[tokio::test]
async fn a_restricted_person_leaves_the_lists_and_searches_of_excluded_roles_at_once() {
    for app in apps().await {
        let clerk = app.token(app.fx.tenant_a.id, UserRole::BureauClerk).await;
        let officer = app.token(app.fx.tenant_a.id, UserRole::BureauOfficer).await;
        // Before: both see the person, and the shared directory is built (so what follows shows
        // that a restriction needs no rebuild to hold).
        let before = seen(&app, "clerk-a", &clerk).await;
        assert!(before.page_list && before.page_search && before.api_list && before.api_search);
        let total = before.api_total;

        let scope = app.store.operator_scope(&app.fx.tenant_a, "dpo");
        app.store
            .restrict_processing(
                &scope,
                app.fx.pow_a,
                &[UserRole::BureauOfficer],
                "the person asked for restriction pending verification",
            )
            .await
            .unwrap();

        let clerk_sees = seen(&app, "clerk-a", &clerk).await;
        assert!(
            !clerk_sees.page_list
                && !clerk_sees.page_search
                && !clerk_sees.api_list
                && !clerk_sees.api_search,
            "{}: a clerk still sees a person restricted to officers",
            app.backend
        );
        assert_eq!(clerk_sees.api_total, total - 1, "{}", app.backend);
        // The bureau's duties towards the person still count on the deadlines page, but the
        // row no longer says whose they are.
        let clerk_cookie = app.login("clerk-a").await;
        let deadlines = app
            .get("/deadlines?status=overdue", Some(&clerk_cookie))
            .await;
        assert!(deadlines.body.contains("4 shown"), "{}", deadlines.body);
        assert!(!deadlines.body.contains("A-0001"), "{}", deadlines.body);
        assert!(!deadlines.body.contains("КОВАЛЕНКО"));
        assert!(
            deadlines
                .body
                .contains("a person whose processing is restricted for your role")
        );
        let compliance = app.get("/compliance", Some(&clerk_cookie)).await;
        assert_eq!(compliance.status, StatusCode::OK);
        assert!(!compliance.body.contains("A-0001"), "{}", compliance.body);
        assert!(compliance.body.contains("restricted for your role"));
        let api = json_of(
            &app.api("GET", "/api/v1/compliance", Some(&clerk), None)
                .await
                .body,
        );
        assert!(!api.to_string().contains("A-0001"), "{api}");
        assert!(
            api["late"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["restricted"] == true)
        );
        let api = json_of(
            &app.api(
                "GET",
                "/api/v1/deadlines?status=overdue",
                Some(&clerk),
                None,
            )
            .await
            .body,
        );
        let items = api["deadlines"].as_array().unwrap();
        assert_eq!(items.len(), 4, "{api}");
        assert!(
            items.iter().all(|d| d["restricted"] == true
                && d["reference"].is_null()
                && d["person"].is_null()),
            "{api}"
        );
        // The record itself is refused with the restriction's code.
        let page = app
            .api(
                "GET",
                &format!("/api/v1/persons/{}", app.fx.pow_a),
                Some(&clerk),
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert_eq!(json_of(&page.body)["error"]["code"], "restricted");
        assert!(!page.body.contains("КОВАЛЕНКО"));

        let officer_sees = seen(&app, "officer-a", &officer).await;
        assert!(
            officer_sees.page_list
                && officer_sees.page_search
                && officer_sees.api_list
                && officer_sees.api_search,
            "{}: the allowed role lost the person",
            app.backend
        );
        assert_eq!(officer_sees.api_total, total);

        // An officer lifts it: the clerk sees the person again, at once.
        let officer_scope = store_scope_for(&app, "officer-a").await;
        app.store
            .lift_restriction(&officer_scope, app.fx.pow_a, "verified")
            .await
            .unwrap();
        let after = seen(&app, "clerk-a", &clerk).await;
        assert!(after.page_list && after.page_search && after.api_list && after.api_search);
        assert_eq!(after.api_total, total);
    }
}

async fn store_scope_for(app: &App, username: &str) -> store::TenantScope {
    let user = app
        .store
        .user_by_username(username)
        .await
        .unwrap()
        .expect("user");
    app.store.scope_for_user(&user).expect("a tenant user")
}

#[tokio::test]
async fn the_matching_engine_does_not_propose_a_person_restricted_away_from_the_caller() {
    for app in apps().await {
        let caseworker = app.token(app.fx.agency.id, UserRole::Caseworker).await;
        let reviewer = app.token(app.fx.agency.id, UserRole::Reviewer).await;
        let body = json!({
            "reference": "TR-RESTRICT-1",
            "enquirer": {"name": "Марія Коваленко", "contact": "Київ", "relationship": "parent"},
            "sought": {"family": "Коваленко", "given": "Олександр", "language": "uk", "birth": "1990"},
            "circumstances": "Зник у березні",
            "consent": {"tracing": true}
        });
        let page = app
            .api(
                "POST",
                "/api/v1/tracing-requests",
                Some(&caseworker),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
        let id = json_of(&page.body)["id"].as_str().unwrap().to_owned();
        let proposals = |token: String| {
            let app = &app;
            let id = id.clone();
            async move {
                let page = app
                    .api(
                        "GET",
                        &format!("/api/v1/tracing-requests/{id}/proposals"),
                        Some(&token),
                        None,
                    )
                    .await;
                assert_eq!(page.status, StatusCode::OK, "{}", page.body);
                json_of(&page.body)["proposals"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["reference"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }
        };
        // The index is built before the restriction.
        assert!(
            proposals(caseworker.clone())
                .await
                .contains(&"XA-LIST-0042".to_owned()),
            "{}",
            app.backend
        );
        let scope = app.store.operator_scope(&app.fx.agency, "dpo");
        app.store
            .restrict_processing(
                &scope,
                app.fx.agency_person,
                &[UserRole::Reviewer],
                "objection to processing under review",
            )
            .await
            .unwrap();
        assert!(
            !proposals(caseworker)
                .await
                .contains(&"XA-LIST-0042".to_owned()),
            "{}: a caseworker is proposed a person restricted to reviewers",
            app.backend
        );
        assert!(
            proposals(reviewer)
                .await
                .contains(&"XA-LIST-0042".to_owned())
        );
    }
}

#[tokio::test]
async fn the_subject_access_export_is_authorised_audited_and_restricted() {
    for app in apps().await {
        let officer = app.token(app.fx.tenant_a.id, UserRole::BureauOfficer).await;
        let clerk = app.token(app.fx.tenant_a.id, UserRole::BureauClerk).await;
        let path = format!(
            "/api/v1/persons/{}/subject-export?purpose=request%20of%20the%20person%2C%20letter%2017",
            app.fx.pow_a
        );
        let page = app.api("GET", &path, Some(&officer), None).await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "{}: {}",
            app.backend,
            page.body
        );
        let export = json_of(&page.body);
        assert_eq!(export["format"], "whereabouts-subject-export/1");
        assert_eq!(export["person"]["reference"], "A-0001");
        let assertions = export["assertions"].as_array().unwrap();
        assert!(
            assertions.len() >= 4,
            "every assertion, superseded ones too"
        );
        assert!(page.body.contains("КОВАЛЕНКО"));
        // Nothing about anyone else: bureau B's person and the agency's record are not in it.
        assert!(!page.body.contains(&app.fx.pow_b.to_string()));
        assert!(!page.body.contains("XA-LIST-0042"));

        // Audited, with the purpose and the token as actor.
        let entries = app.store.audit_entries(0, 100_000).await.unwrap();
        let entry = entries
            .iter()
            .rev()
            .find(|e| e.object == format!("person:{}", app.fx.pow_a.as_uuid()))
            .expect("an audit entry for the export");
        assert_eq!(entry.action, "export");
        assert_eq!(
            entry.purpose.as_deref(),
            Some("request of the person, letter 17")
        );
        assert_eq!(entry.actor, "token:test client");

        // A clerk may not; a purpose is required; another tenant's person is not found.
        let page = app.api("GET", &path, Some(&clerk), None).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let no_purpose = format!("/api/v1/persons/{}/subject-export", app.fx.pow_a);
        let page = app.api("GET", &no_purpose, Some(&officer), None).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(json_of(&page.body)["error"]["fields"]["purpose"].is_string());
        let foreign = format!("/api/v1/persons/{}/subject-export?purpose=x", app.fx.pow_b);
        let page = app.api("GET", &foreign, Some(&officer), None).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(!page.body.contains("B-0001"));

        // Restricted to clerks: the officer's export is refused like the record.
        let scope = app.store.operator_scope(&app.fx.tenant_a, "dpo");
        app.store
            .restrict_processing(&scope, app.fx.pow_a, &[UserRole::BureauClerk], "test")
            .await
            .unwrap();
        let page = app.api("GET", &path, Some(&officer), None).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert_eq!(json_of(&page.body)["error"]["code"], "restricted");
    }
}
