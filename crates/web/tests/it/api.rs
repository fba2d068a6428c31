//! The JSON API: bearer tokens, stable error codes, body limits, content types, and the same
//! validation as the forms.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use store::UserRole;

use crate::harness::{HOST, apps, json_of};

#[tokio::test]
async fn errors_have_stable_codes_and_one_shape() {
    for app in apps().await {
        let token = app.token(app.fx.tenant_a.id, UserRole::BureauClerk).await;
        let none = app.api("GET", "/api/v1/persons", None, None).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{}", app.backend);
        assert_eq!(none.header("www-authenticate"), "Bearer");
        assert_eq!(json_of(&none.body)["error"]["code"], "unauthenticated");
        let forged = app
            .api(
                "GET",
                "/api/v1/persons",
                Some(&format!("wbt_{}", "ab".repeat(32))),
                None,
            )
            .await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED);

        let other = app
            .api(
                "GET",
                &format!("/api/v1/persons/{}", app.fx.pow_b),
                Some(&token),
                None,
            )
            .await;
        let unknown = app
            .api(
                "GET",
                &format!("/api/v1/persons/{}", uuid::Uuid::now_v7()),
                Some(&token),
                None,
            )
            .await;
        let malformed = app
            .api("GET", "/api/v1/persons/nope", Some(&token), None)
            .await;
        for page in [&other, &unknown, &malformed] {
            assert_eq!(page.status, StatusCode::NOT_FOUND);
            assert_eq!(json_of(&page.body)["error"]["code"], "not_found");
        }
        assert_eq!(
            other.body, unknown.body,
            "another tenant's person is indistinguishable"
        );
        let nowhere = app.api("GET", "/api/v1/nowhere", Some(&token), None).await;
        assert_eq!(nowhere.status, StatusCode::NOT_FOUND);

        // A clerk's token cannot use the agency's endpoints.
        let forbidden = app
            .api("GET", "/api/v1/tracing-requests", Some(&token), None)
            .await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        assert_eq!(json_of(&forbidden.body)["error"]["code"], "forbidden");

        // Wrong content type, oversized body, malformed JSON.
        let request = Request::post("/api/v1/persons")
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("reference=A-1"))
            .unwrap();
        let page = app.send(request).await;
        assert_eq!(page.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            json_of(&page.body)["error"]["code"],
            "unsupported_media_type"
        );
        let huge = format!(r#"{{"reference":"{}"}}"#, "x".repeat(100_000));
        let page = app
            .api("POST", "/api/v1/persons", Some(&token), Some(&huge))
            .await;
        assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(json_of(&page.body)["error"]["code"], "payload_too_large");
        let page = app
            .api(
                "POST",
                "/api/v1/persons",
                Some(&token),
                Some("{\n  \"reference\": 12,"),
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        let error = json_of(&page.body);
        assert_eq!(error["error"]["code"], "bad_request");
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("line 2, column"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn register_read_and_record_through_the_api() {
    for app in apps().await {
        let token = app.token(app.fx.tenant_a.id, UserRole::BureauClerk).await;
        let invalid = json!({
            "reference": "A-0200",
            "category": "pow",
            "name": {"family": "Шевченко", "language": "uk"},
            "fields": {"birth_date": "1990-13-01", "rank": {"absent": "maybe"}, "shoe_size": "44"}
        });
        let page = app
            .api(
                "POST",
                "/api/v1/persons",
                Some(&token),
                Some(&invalid.to_string()),
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        let error = json_of(&page.body);
        assert_eq!(error["error"]["code"], "invalid");
        assert!(
            error["error"]["fields"]["fields.shoe_size"].is_string(),
            "{error}"
        );
        let invalid = json!({
            "reference": "A-0200",
            "category": "pow",
            "name": {"family": "Шевченко", "language": "uk"},
            "fields": {"birth_date": "1990-13-01", "rank": {"absent": "maybe"}}
        });
        let page = app
            .api(
                "POST",
                "/api/v1/persons",
                Some(&token),
                Some(&invalid.to_string()),
            )
            .await;
        let error = json_of(&page.body);
        assert!(
            error["error"]["fields"]["fields.birth_date"]
                .as_str()
                .unwrap()
                .contains("1990-13-01")
        );
        assert!(
            error["error"]["fields"]["fields.rank"]
                .as_str()
                .unwrap()
                .contains("not a reason")
        );

        let valid = json!({
            "reference": "A-0200",
            "category": "pow",
            "name": {"family": "Шевченко", "given": "Тарас", "language": "uk"},
            "fields": {"birth_date": "1990-03-01", "birth_place": {"absent": "declined"}, "occupation": {"absent": "unknown"}},
            "fell_into_power_at": (time::OffsetDateTime::now_utc() - time::Duration::days(1)).format(&time::format_description::well_known::Rfc3339).unwrap()
        });
        let page = app
            .api(
                "POST",
                "/api/v1/persons",
                Some(&token),
                Some(&valid.to_string()),
            )
            .await;
        assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);
        let location = page.header("location");
        let id = json_of(&page.body)["id"].as_str().unwrap().to_owned();
        assert_eq!(location, format!("/api/v1/persons/{id}"));
        let person = json_of(&app.api("GET", &location, Some(&token), None).await.body);
        assert_eq!(person["reference"], "A-0200");
        assert_eq!(
            person["fields"]["name"]["standing"][0]["value"]["display"],
            "Шевченко Тарас"
        );
        assert_eq!(
            person["fields"]["birth_place"]["standing"][0]["absent"],
            "declined"
        );
        assert_eq!(
            person["fields"]["occupation"]["standing"][0]["absent"],
            "unknown"
        );
        assert_eq!(
            person["fields"]["name"]["standing"][0]["source"]["collected_by"],
            "token:test client"
        );
        assert_eq!(person["events"][0]["kind"], "fell-into-power");

        let event =
            json!({"kind": "serious-illness-declared", "occurred_at": "2000-01-01T00:00:00Z"});
        let page = app
            .api(
                "POST",
                &format!("{location}/events"),
                Some(&token),
                Some(&event.to_string()),
            )
            .await;
        // Before the capture: the sequence rule names the problem on the kind.
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(json_of(&page.body)["error"]["fields"]["kind"].is_string());
        let event = json!({"kind": "serious-illness-declared", "occurred_at": time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap()});
        let page = app
            .api(
                "POST",
                &format!("{location}/events"),
                Some(&token),
                Some(&event.to_string()),
            )
            .await;
        assert_eq!(page.status, StatusCode::CREATED, "{}", page.body);

        let list = json_of(
            &app.api(
                "GET",
                "/api/v1/persons?q=%D0%A8%D0%B5%D0%B2",
                Some(&token),
                None,
            )
            .await
            .body,
        );
        assert_eq!(list["total"], 1);
        assert_eq!(list["persons"][0]["reference"], "A-0200");
        let deadlines = json_of(
            &app.api("GET", "/api/v1/deadlines?status=due", Some(&token), None)
                .await
                .body,
        );
        let items = deadlines["deadlines"].as_array().unwrap();
        assert!(
            items.iter().any(|d| d["rule"] == "GC3-70-a"
                && d["reference"] == "A-0200"
                && d["status"] == "due"),
            "{deadlines}"
        );
        let bad = app
            .api("GET", "/api/v1/deadlines?status=soon", Some(&token), None)
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn tracing_requests_and_token_management() {
    for app in apps().await {
        let token = app.token(app.fx.agency.id, UserRole::Caseworker).await;
        let body = json!({
            "reference": "TR-API-1",
            "enquirer": {"name": "Марія Коваленко", "contact": "Київ", "relationship": "parent"},
            "sought": {"family": "Коваленко", "given": "Олександр", "language": "uk", "birth": "1990"},
            "circumstances": "Зник у березні",
            "consent": {"tracing": true}
        });
        let page = app
            .api(
                "POST",
                "/api/v1/tracing-requests",
                Some(&token),
                Some(&body.to_string()),
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::CREATED,
            "{}: {}",
            app.backend,
            page.body
        );
        let created = json_of(&page.body);
        assert_eq!(created["sought"]["name"]["name"][0]["script"], "Cyrl");
        let got = json_of(
            &app.api("GET", &page.header("location"), Some(&token), None)
                .await
                .body,
        );
        assert_eq!(got["reference"], "TR-API-1");
        let list = json_of(
            &app.api("GET", "/api/v1/tracing-requests", Some(&token), None)
                .await
                .body,
        );
        assert_eq!(list["tracing_requests"].as_array().unwrap().len(), 1);
        let mut no_consent = body.clone();
        no_consent["reference"] = json!("TR-API-2");
        no_consent["consent"]["tracing"] = json!(false);
        let page = app
            .api(
                "POST",
                "/api/v1/tracing-requests",
                Some(&token),
                Some(&no_consent.to_string()),
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(json_of(&page.body)["error"]["fields"]["consent.tracing"].is_string());

        // A tenant administrator creates a token in the browser; it works until revoked.
        let admin = app.browser("tadmin-a").await;
        let page = app
            .submit(
                "/account/tokens",
                "label=sync&role=bureau-clerk&days=30",
                &admin,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let new =
            crate::harness::between(&page.body, r#"<code id="new-token">"#, "</code>").unwrap();
        assert!(new.starts_with("wbt_"));
        assert_eq!(
            app.api("GET", "/api/v1/persons", Some(&new), None)
                .await
                .status,
            StatusCode::OK
        );
        let bad = app
            .submit("/account/tokens", "label=&role=system-admin&days=0", &admin)
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let tokens = app.store.api_tokens(app.fx.tenant_a.id).await.unwrap();
        let id = tokens.iter().find(|t| t.label == "sync").unwrap().id;
        let revoke = app
            .submit(&format!("/account/tokens/{id}/revoke"), "", &admin)
            .await;
        assert_eq!(revoke.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.api("GET", "/api/v1/persons", Some(&new), None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        // Another tenant's token cannot be revoked from here.
        let foreign = app.token(app.fx.agency.id, UserRole::Caseworker).await;
        let foreign_id = app.store.api_tokens(app.fx.agency.id).await.unwrap()[0].id;
        let page = app
            .submit(&format!("/account/tokens/{foreign_id}/revoke"), "", &admin)
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.api("GET", "/api/v1/tracing-requests", Some(&foreign), None)
                .await
                .status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_api_route() {
    let app = apps().await.remove(0);
    let page = app.api("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = json_of(&page.body);
    assert_eq!(doc["openapi"], "3.1.0");
    for route in web::route_table()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
    {
        let op = &doc["paths"][route.path][route.method.to_lowercase()];
        assert!(op.is_object(), "{} {}", route.method, route.path);
        assert_eq!(op["x-capability"], route.access);
    }
    let codes = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
        ["enum"]
        .as_array()
        .unwrap();
    for code in [
        "not_found",
        "unauthenticated",
        "forbidden",
        "invalid",
        "payload_too_large",
        "unsupported_media_type",
    ] {
        assert!(codes.contains(&json!(code)), "{code}");
    }
}
