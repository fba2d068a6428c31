//! The matching engine's per-tenant index (issue 3, item 3): built from the store when the
//! server starts, then updated as persons arrive, so that a person registered a moment ago is
//! found by name in another script.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};
use store::UserRole;

use crate::alike::register;
use crate::harness::{App, apps_with, config, json_of};

async fn health(app: &App) -> Value {
    let page = app.get("/health", None).await;
    assert_eq!(page.status, StatusCode::OK);
    json_of(&page.body)
}

/// The references the engine finds alike to `q` (`GET /api/v1/persons?q=`).
async fn alike(app: &App, token: &str, q: &str) -> Vec<String> {
    let list = json_of(
        &app.api("GET", &format!("/api/v1/persons?q={q}"), Some(token), None)
            .await
            .body,
    );
    list["similar"]
        .as_array()
        .map(|similar| {
            similar
                .iter()
                .map(|s| s["reference"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_index_is_built_at_start_up_and_takes_each_new_person() {
    let mut warm = config(false);
    warm.warm_indexes = true;
    for app in apps_with(warm).await {
        // The start-up build runs beside the server; /health says when it is done, and never
        // how many persons a party holds.
        let mut state = health(&app).await;
        for _ in 0..200 {
            if state["search_index"] == "ready" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            state = health(&app).await;
        }
        assert_eq!(state["search_index"], "ready", "{}: {state}", app.backend);
        assert_eq!(state.as_object().unwrap().len(), 3, "{state}");

        // Persons registered after the build are found by name in another script: the index
        // takes them as they arrive.
        let token = app.token(app.fx.tenant_a.id, UserRole::BureauClerk).await;
        register(
            &app,
            &token,
            "A-0400",
            json!({"given": "محمود", "family": "النعيمي", "language": "ar"}),
        )
        .await;
        assert_eq!(
            alike(&app, &token, "Mahmoud%20al-Nuaimi")
                .await
                .first()
                .map(String::as_str),
            Some("A-0400"),
            "{}",
            app.backend
        );
        register(
            &app,
            &token,
            "A-0401",
            json!({"given": "أنس", "family": "الحلبي", "language": "ar"}),
        )
        .await;
        assert_eq!(
            alike(&app, &token, "Anass%20Halaby")
                .await
                .first()
                .map(String::as_str),
            Some("A-0401"),
            "{}",
            app.backend
        );
        // The earlier person is still there, and the other tenant sees neither.
        assert_eq!(
            alike(&app, &token, "Mahmoud%20al-Nuaimi")
                .await
                .first()
                .map(String::as_str),
            Some("A-0400")
        );
        let other = app.token(app.fx.agency.id, UserRole::Caseworker).await;
        assert!(alike(&app, &other, "Anass%20Halaby").await.is_empty());
    }
}

#[tokio::test]
async fn without_the_start_up_build_health_says_the_index_is_built_at_first_use() {
    for app in apps_with(config(false)).await {
        assert_eq!(health(&app).await["search_index"], "built at first use");
    }
}
