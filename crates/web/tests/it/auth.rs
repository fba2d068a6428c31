//! Sign-in, sessions, and the headers every response carries.

use axum::http::{StatusCode, header};
use time::{Duration, OffsetDateTime};

use crate::harness::{HOST, PASSWORD, apps, apps_with, config};

#[tokio::test]
async fn health_names_the_backend_and_nothing_else() {
    for app in apps().await {
        let page = app.get("/health", None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.header("content-type"), "application/json");
        let json: serde_json::Value = serde_json::from_str(&page.body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "ok", "backend": app.backend})
        );
    }
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_session_cookie() {
    for app in apps().await {
        let form = app.get("/login", None).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains(r#"<form method="post" action="/login""#));
        assert!(form.body.contains(r#"type="password""#));

        let page = app
            .post(
                "/login",
                &format!("username=clerk-a&password={}", PASSWORD.replace(' ', "+")),
                None,
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", app.backend);
        assert_eq!(page.header("location"), "/");
        let cookie = page.header("set-cookie");
        let (pair, attributes) = cookie.split_once(';').unwrap();
        let (name, token) = pair.split_once('=').unwrap();
        assert_eq!(name, "whereabouts");
        assert_eq!(token.len(), 64, "32 random bytes, hex");
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
            assert!(attributes.contains(attribute), "{attribute} in {cookie}");
        }
        assert!(
            !attributes.contains("Secure"),
            "plain-HTTP config: {cookie}"
        );

        // Two sign-ins get two different tokens.
        let again = app.login("clerk-a").await;
        assert_ne!(again, pair);
    }
}

#[tokio::test]
async fn secure_cookies_are_secure_and_host_prefixed() {
    for app in apps_with(config(true)).await {
        let cookie = app.login("clerk-a").await;
        assert!(cookie.starts_with("__Host-whereabouts="), "{cookie}");
        let page = app
            .post(
                "/login",
                &format!("username=clerk-a&password={}", PASSWORD.replace(' ', "+")),
                None,
                None,
            )
            .await;
        assert!(page.header("set-cookie").contains("; Secure"));
        let home = app.get("/", Some(&cookie)).await;
        assert_eq!(home.status, StatusCode::OK);
        // The plain name is not accepted under a secure configuration.
        let plain = cookie.replace("__Host-whereabouts=", "whereabouts=");
        assert_eq!(
            app.get("/", Some(&plain)).await.status,
            StatusCode::SEE_OTHER
        );
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    for app in apps().await {
        let wrong = app
            .post("/login", "username=clerk-a&password=nope", None, None)
            .await;
        let unknown = app
            .post("/login", "username=nobody&password=nope", None, None)
            .await;
        for page in [&wrong, &unknown] {
            assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", app.backend);
            assert!(page.headers.get(header::SET_COOKIE).is_none());
            assert!(page.body.contains("Unknown username or wrong password."));
            assert!(page.body.contains(r#"action="/login""#));
        }
        assert_eq!(wrong.body, unknown.body);
        assert!(!wrong.body.contains("clerk-a"));
    }
}

#[tokio::test]
async fn pages_send_strangers_to_the_sign_in_page() {
    for app in apps().await {
        let person = format!("/persons/{}", app.fx.pow_a);
        for path in ["/", "/persons", person.as_str(), "/deadlines"] {
            let page = app.get(path, None).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
            assert_eq!(page.header("location"), "/login", "{path}");
            assert!(!page.body.contains("КОВАЛЕНКО"));
        }
        // A forged token is no better than none.
        let forged = format!("whereabouts={}", "ab".repeat(32));
        for cookie in [forged.as_str(), "whereabouts=not-hex", "other=1"] {
            let page = app.get("/persons", Some(cookie)).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{cookie}");
        }
    }
}

#[tokio::test]
async fn an_expired_session_is_refused() {
    for app in apps().await {
        let token = [7u8; 32];
        let hash = {
            use sha2::Digest;
            sha2::Sha256::digest(token).to_vec()
        };
        let user = app
            .store
            .user_by_username("clerk-a")
            .await
            .unwrap()
            .unwrap();
        app.store
            .create_session(
                &hash,
                user.id,
                OffsetDateTime::now_utc() - Duration::minutes(1),
            )
            .await
            .unwrap();
        let cookie = format!("whereabouts={}", hex::encode(token));
        let page = app.get("/persons", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", app.backend);
    }
}

#[tokio::test]
async fn sign_out_ends_the_session_in_the_store() {
    for app in apps().await {
        let cookie = app.login("clerk-a").await;
        assert_eq!(
            app.get("/persons", Some(&cookie)).await.status,
            StatusCode::OK
        );
        let out = app.post("/logout", "", Some(&cookie), None).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(out.header("location"), "/login");
        assert!(out.header("set-cookie").contains("Max-Age=0"));
        // The browser might have kept the cookie; the server no longer honours it.
        let page = app.get("/persons", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", app.backend);
        assert_eq!(page.header("location"), "/login");
    }
}

#[tokio::test]
async fn cross_origin_posts_are_refused() {
    for app in apps().await {
        let form = format!("username=clerk-a&password={}", PASSWORD.replace(' ', "+"));
        let page = app
            .post("/login", &form, None, Some("https://evil.example"))
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.headers.get(header::SET_COOKIE).is_none());
        assert!(page.body.contains("did not come from a page of this site"));

        let cookie = app.login("clerk-a").await;
        let out = app.post("/logout", "", Some(&cookie), Some("null")).await;
        assert_eq!(out.status, StatusCode::FORBIDDEN);
        // The session survived the refused sign-out.
        assert_eq!(
            app.get("/persons", Some(&cookie)).await.status,
            StatusCode::OK
        );

        let same = app
            .post(
                "/logout",
                "",
                Some(&cookie),
                Some(&format!("https://{HOST}")),
            )
            .await;
        assert_eq!(same.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    for app in apps().await {
        let cookie = app.login("clerk-a").await;
        let pages = [
            app.get("/login", None).await,
            app.get("/health", None).await,
            app.get("/persons", Some(&cookie)).await,
            app.get("/no-such-page", Some(&cookie)).await,
            app.get("/persons", None).await,
            app.get("/static/app.css", None).await,
        ];
        for page in &pages {
            assert_eq!(
                page.header("content-security-policy"),
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
            );
            assert_eq!(page.header("referrer-policy"), "no-referrer");
            assert_eq!(page.header("x-content-type-options"), "nosniff");
            assert_eq!(page.header("x-frame-options"), "DENY");
        }
        for page in &pages[..5] {
            assert_eq!(page.header("cache-control"), "no-store");
        }
        assert_eq!(pages[3].status, StatusCode::NOT_FOUND);
        let css = &pages[5];
        assert_eq!(css.status, StatusCode::OK);
        assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
        assert!(css.body.contains("@media print"));
        assert!(css.header("cache-control").starts_with("public"));
        // No page loads anything from elsewhere, and none has inline script or style.
        for page in &pages[..5] {
            assert!(!page.body.contains("<script"));
            assert!(!page.body.contains("style="));
            assert!(!page.body.contains("http://") && !page.body.contains("https://"));
        }
    }
}
