//! Sign-in with both factors, sessions, CSRF, throttling, and the headers every response carries.

use axum::http::{StatusCode, header};
use time::{Duration, OffsetDateTime};

use crate::harness::{CLIENT, HOST, PASSWORD, apps, apps_with, config, csrf_of, session_pair};

#[tokio::test]
async fn health_names_the_backend_and_nothing_else() {
    for app in apps().await {
        let page = app.get("/health", None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.header("content-type"), "application/json");
        let json: serde_json::Value = serde_json::from_str(&page.body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "status": "ok",
                "backend": app.backend,
                "search_index": "built at first use",
            })
        );
    }
}

#[tokio::test]
async fn the_password_opens_only_the_second_factor_step() {
    for app in apps().await {
        let page = app.password_step("clerk-a", PASSWORD, CLIENT).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", app.backend);
        assert_eq!(page.header("location"), "/login/second-factor");
        let cookie = session_pair(&page);
        let set_cookie = page
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|v| v.starts_with("whereabouts="))
            .unwrap();
        let (pair, attributes) = set_cookie.split_once(';').unwrap();
        let token = pair.split_once('=').unwrap().1;
        assert_eq!(token.len(), 64, "32 random bytes, hex");
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
            assert!(
                attributes.contains(attribute),
                "{attribute} in {set_cookie}"
            );
        }
        // With the password alone, every data page sends the browser to the second factor.
        let person = format!("/persons/{}", app.fx.pow_a);
        for path in ["/", "/persons", person.as_str(), "/deadlines"] {
            let page = app.get(path, Some(&cookie)).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
            assert_eq!(page.header("location"), "/login/second-factor");
            assert!(!page.body.contains("КОВАЛЕНКО"));
        }
        // The first time, the page enrols: it shows the secret and the otpauth URI.
        let enrol = app.get("/login/second-factor", Some(&cookie)).await;
        assert_eq!(enrol.status, StatusCode::OK);
        assert!(enrol.body.contains(r#"<code id="totp-secret">"#));
        assert!(
            enrol
                .body
                .contains("otpauth://totp/Whereabouts:clerk-a?secret=")
        );
        // The secret is stable while enrolment is pending.
        let again = app.get("/login/second-factor", Some(&cookie)).await;
        assert_eq!(
            crate::harness::between(&enrol.body, "totp-secret\">", "<"),
            crate::harness::between(&again.body, "totp-secret\">", "<")
        );
    }
}

#[tokio::test]
async fn a_wrong_or_replayed_code_is_refused_and_the_session_is_renewed() {
    for app in apps().await {
        let page = app.password_step("clerk-a", PASSWORD, CLIENT).await;
        let cookie = session_pair(&page);
        let second = app.get("/login/second-factor", Some(&cookie)).await;
        let csrf = csrf_of(&second.body);
        let code = app.next_code("clerk-a", &second.body).await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let refused = app
            .post(
                "/login/second-factor",
                &format!("code={wrong}&csrf={csrf}"),
                Some(&cookie),
                None,
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", app.backend);
        assert!(refused.body.contains("That code is not valid."));
        // Without this session's CSRF token the code is not even looked at.
        let forged = app
            .post(
                "/login/second-factor",
                &format!("code={code}&csrf={}", "0".repeat(32)),
                Some(&cookie),
                None,
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let accepted = app
            .post(
                "/login/second-factor",
                &format!("code={code}&csrf={csrf}"),
                Some(&cookie),
                None,
            )
            .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER);
        let full = session_pair(&accepted);
        assert_ne!(
            full, cookie,
            "a new token once signed in (session fixation)"
        );
        // The half-open session is gone.
        assert_eq!(
            app.get("/", Some(&cookie)).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            app.get("/persons", Some(&full)).await.status,
            StatusCode::OK
        );

        // A second sign-in cannot reuse the same code (RFC 6238 §5.2).
        let page = app.password_step("clerk-a", PASSWORD, CLIENT).await;
        let cookie = session_pair(&page);
        let second = app.get("/login/second-factor", Some(&cookie)).await;
        assert!(
            second
                .body
                .contains("Enter the code your authenticator app shows")
        );
        assert!(
            !second.body.contains("totp-secret"),
            "enrolled: the secret is never shown again"
        );
        let csrf = csrf_of(&second.body);
        let replay = app
            .post(
                "/login/second-factor",
                &format!("code={code}&csrf={csrf}"),
                Some(&cookie),
                None,
            )
            .await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    for app in apps().await {
        let wrong = app.password_step("clerk-a", "nope", CLIENT).await;
        let unknown = app.password_step("nobody", "nope", CLIENT).await;
        for page in [&wrong, &unknown] {
            assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", app.backend);
            assert!(page.body.contains("Unknown username or wrong password."));
            assert!(
                !page
                    .headers
                    .get_all(header::SET_COOKIE)
                    .iter()
                    .any(|v| v.to_str().unwrap().starts_with("whereabouts="))
            );
        }
        let strip = |body: &str| body.split("name=\"csrf\"").next().unwrap().to_owned();
        assert_eq!(strip(&wrong.body), strip(&unknown.body));
        assert!(!wrong.body.contains("clerk-a"));
    }
}

#[tokio::test]
async fn sign_in_without_the_double_submit_token_is_refused() {
    for app in apps().await {
        let form = format!("username=clerk-a&password={}", PASSWORD.replace(' ', "+"));
        let page = app.post("/login", &form, None, None).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", app.backend);
        let (cookie, _) = app.login_form().await;
        let page = app
            .post(
                "/login",
                &format!("{form}&csrf={}", "ab".repeat(32)),
                Some(&cookie),
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn an_account_locks_after_five_failures_with_a_clear_message() {
    for app in apps().await {
        for _ in 0..5 {
            let page = app.password_step("clerk-a", "wrong", CLIENT).await;
            assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        }
        // Even the right password is refused now, from any address, without checking it.
        for client in [CLIENT, "198.51.100.7:1234"] {
            let page = app.password_step("clerk-a", PASSWORD, client).await;
            assert_eq!(
                page.status,
                StatusCode::TOO_MANY_REQUESTS,
                "{}",
                app.backend
            );
            assert!(
                page.body.contains(
                    "This account is locked after 5 failed attempts. Try again in 15 minutes"
                ),
                "{}",
                page.body
            );
        }
        // An unknown username locks the same way, so a lockout reveals nothing.
        for _ in 0..5 {
            app.password_step("nobody-at-all", "wrong", "198.51.100.8:1")
                .await;
        }
        let page = app
            .password_step("nobody-at-all", "wrong", "198.51.100.8:1")
            .await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
        // Another account is not affected.
        let page = app.password_step("clerk-b", PASSWORD, CLIENT).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn an_address_is_throttled_after_twenty_failures() {
    for app in apps().await {
        let noisy = "203.0.113.9:5555";
        for i in 0..20 {
            let page = app
                .password_step(&format!("guess{}", i % 4), "wrong", noisy)
                .await;
            assert_eq!(page.status, StatusCode::UNAUTHORIZED, "attempt {i}");
        }
        let page = app.password_step("clerk-a", PASSWORD, noisy).await;
        assert_eq!(
            page.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            app.backend
        );
        assert!(
            page.body
                .contains("Too many failed sign-ins from your network address.")
        );
        // The account itself is fine from elsewhere.
        let page = app.password_step("clerk-a", PASSWORD, CLIENT).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn strangers_and_forged_tokens_go_to_the_sign_in_page() {
    for app in apps().await {
        let person = format!("/persons/{}", app.fx.pow_a);
        for path in ["/", "/persons", person.as_str(), "/deadlines", "/tracing"] {
            let page = app.get(path, None).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
            assert_eq!(page.header("location"), "/login", "{path}");
            assert!(!page.body.contains("КОВАЛЕНКО"));
        }
        let forged = format!("whereabouts={}", "ab".repeat(32));
        for cookie in [forged.as_str(), "whereabouts=not-hex", "other=1"] {
            let page = app.get("/persons", Some(cookie)).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{cookie}");
        }
    }
}

#[tokio::test]
async fn idle_and_absolute_expiry_end_the_session_with_a_clean_redirect() {
    for app in apps().await {
        let user = app
            .store
            .user_by_username("clerk-a")
            .await
            .unwrap()
            .unwrap();
        let now = OffsetDateTime::now_utc();
        for (token, created, expires) in [
            // Unused for 31 minutes.
            (
                [7u8; 32],
                now - Duration::minutes(31),
                now + Duration::hours(7),
            ),
            // Past its absolute end.
            (
                [8u8; 32],
                now - Duration::minutes(1),
                now - Duration::seconds(1),
            ),
        ] {
            let hash = {
                use sha2::Digest;
                sha2::Sha256::digest(token).to_vec()
            };
            app.store
                .create_staged_session(&hash, user.id, store::SessionStage::Full, created, expires)
                .await
                .unwrap();
            let cookie = format!("whereabouts={}", hex::encode(token));
            let page = app.get("/persons", Some(&cookie)).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", app.backend);
            assert_eq!(page.header("location"), "/login?expired=1");
            let login = app.get("/login?expired=1", None).await;
            assert!(
                login
                    .body
                    .contains("Your session has ended. Please sign in again.")
            );
            // The stale session is deleted, not just refused.
            assert!(app.store.session_details(&hash).await.unwrap().is_none());
        }
    }
}

#[tokio::test]
async fn secure_cookies_are_secure_and_host_prefixed() {
    for app in apps_with(config(true)).await {
        let page = app.password_step("clerk-a", PASSWORD, CLIENT).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", app.backend);
        let cookie = session_pair(&page);
        assert!(cookie.starts_with("__Host-whereabouts="), "{cookie}");
        assert!(page.header("set-cookie").contains("; Secure"));
        let form = app.get("/login", None).await;
        assert!(
            form.header("set-cookie")
                .starts_with("__Host-whereabouts-login=")
        );
        assert!(form.header("set-cookie").contains("; Secure"));
        // The plain name is not accepted under a secure configuration.
        let plain = cookie.replace("__Host-whereabouts=", "whereabouts=");
        assert_eq!(
            app.get("/login/second-factor", Some(&plain)).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            app.get("/login/second-factor", Some(&cookie)).await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn sign_out_needs_the_csrf_token_and_ends_the_session() {
    for app in apps().await {
        let browser = app.browser("clerk-a").await;
        let forged = app.post("/logout", "", Some(&browser.cookie), None).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", app.backend);
        assert!(forged.body.contains("security token is missing or stale"));
        assert_eq!(
            app.get("/persons", Some(&browser.cookie)).await.status,
            StatusCode::OK
        );
        let out = app.submit("/logout", "", &browser).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(out.header("location"), "/login");
        assert!(out.header("set-cookie").contains("Max-Age=0"));
        let page = app.get("/persons", Some(&browser.cookie)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.header("location"), "/login");
    }
}

#[tokio::test]
async fn cross_origin_posts_are_refused() {
    for app in apps().await {
        let browser = app.browser("clerk-a").await;
        let out = app
            .post(
                "/logout",
                &format!("csrf={}", browser.csrf),
                Some(&browser.cookie),
                Some("https://evil.example"),
            )
            .await;
        assert_eq!(out.status, StatusCode::FORBIDDEN);
        assert!(out.body.contains("did not come from a page of this site"));
        assert_eq!(
            app.get("/persons", Some(&browser.cookie)).await.status,
            StatusCode::OK
        );
        let same = app
            .post(
                "/logout",
                &format!("csrf={}", browser.csrf),
                Some(&browser.cookie),
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
            app.get("/static/htmx.min.js", None).await,
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
        assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
        assert!(css.body.contains("@media print"));
        // No page has inline script or style, or loads anything from elsewhere; the only
        // script is the vendored htmx from this origin.
        for page in &pages[..5] {
            assert!(!page.body.contains("<script>"));
            for script in page.body.match_indices("<script") {
                let tag = &page.body[script.0..];
                assert!(tag.starts_with(r#"<script src="/static/htmx.min.js" defer></script>"#));
            }
            assert!(!page.body.contains("style="));
            assert!(!page.body.contains("http://") && !page.body.contains("https://"));
        }
    }
}

#[tokio::test]
async fn the_vendored_htmx_is_the_pinned_file() {
    use sha2::Digest;
    let app = apps().await.remove(0);
    let page = app.get("/static/htmx.min.js", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.header("content-type"),
        "text/javascript; charset=utf-8"
    );
    let digest = hex::encode(sha2::Sha256::digest(page.body.as_bytes()));
    let notes = include_str!("../../static/VENDORED.md");
    assert!(
        notes.contains(&digest),
        "static/VENDORED.md must list {digest}"
    );
    assert!(notes.contains("2.0.11"));
}

/// Posts the sign-in form as given (fields may be missing), with a valid double-submit pair.
async fn raw_sign_in(app: &crate::harness::App, fields: &str) -> crate::harness::Page {
    let (cookie, token) = app.login_form().await;
    let form = if fields.is_empty() {
        format!("csrf={token}")
    } else {
        format!("{fields}&csrf={token}")
    };
    app.post("/login", &form, Some(&cookie), None).await
}

#[tokio::test]
async fn an_incomplete_sign_in_form_names_each_missing_field_and_costs_no_attempt() {
    for app in apps().await {
        let password = format!("password={}", PASSWORD.replace(' ', "+"));
        let cases: [(&str, bool, bool); 5] = [
            ("", true, true),
            ("username=clerk-a", false, true),
            ("username=clerk-a&password=", false, true),
            (&password, true, false),
            (&format!("username=+++&{password}"), true, false),
        ];
        for (fields, username_missing, password_missing) in cases {
            let page = raw_sign_in(&app, fields).await;
            assert_eq!(
                page.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {fields}",
                app.backend
            );
            assert_eq!(
                page.body.contains("Enter your username."),
                username_missing,
                "{fields}"
            );
            assert_eq!(
                page.body.contains("Enter your password."),
                password_missing,
                "{fields}"
            );
            assert!(!page.body.contains("Unknown username or wrong password."));
            // The form is usable again: a fresh double-submit token comes with it.
            assert!(page.body.contains(r#"name="csrf" value=""#));
            // No session is started.
            assert!(
                !page
                    .headers
                    .get_all(header::SET_COOKIE)
                    .iter()
                    .any(|v| v.to_str().unwrap().starts_with("whereabouts="))
            );
        }
        // The username typed is kept (escaped) when only the password is missing.
        let page = raw_sign_in(&app, "username=%3Cclerk%3E").await;
        assert!(
            page.body.contains(r#"value="&#60;clerk&#62;""#)
                || page.body.contains(r#"value="&lt;clerk&gt;""#),
            "{}",
            page.body
        );
        // Five incomplete forms are not five failures: the account is not locked.
        for _ in 0..5 {
            raw_sign_in(&app, "username=clerk-a").await;
        }
        let page = app.password_step("clerk-a", PASSWORD, CLIENT).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", app.backend);
        // Wrong credentials keep the one generic answer.
        let page = app.password_step("clerk-a", "wrong", CLIENT).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(page.body.contains("Unknown username or wrong password."));
        assert!(!page.body.contains("Enter your"));
    }
}

#[tokio::test]
async fn a_code_that_is_not_six_digits_is_named_and_costs_no_attempt() {
    for app in apps().await {
        let page = app.password_step("clerk-a", PASSWORD, CLIENT).await;
        let cookie = session_pair(&page);
        let second = app.get("/login/second-factor", Some(&cookie)).await;
        let csrf = csrf_of(&second.body);
        let cases = [
            ("", "Enter the six-digit code"),
            ("12345", "The code is six digits"),
            ("1234567", "The code is six digits"),
            ("12a456", "The code is six digits"),
            (
                "%D9%A1%D9%A2%D9%A3%D9%A4%D9%A5%D9%A6",
                "The code is six digits",
            ),
        ];
        for _ in 0..2 {
            for (code, message) in cases {
                let page = app
                    .post(
                        "/login/second-factor",
                        &format!("code={code}&csrf={csrf}"),
                        Some(&cookie),
                        None,
                    )
                    .await;
                assert_eq!(
                    page.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{}: {code:?}",
                    app.backend
                );
                assert!(page.body.contains(message), "{code:?}: {}", page.body);
                assert!(page.body.contains(r#"aria-invalid="true""#));
                assert!(!page.body.contains("That code is not valid."));
            }
        }
        // Ten malformed codes did not lock the account; a real code (typed with a space, as
        // apps show it) signs in.
        let code = app.next_code("clerk-a", &second.body).await;
        let spaced = format!("{}+{}", &code[..3], &code[3..]);
        let accepted = app
            .post(
                "/login/second-factor",
                &format!("code={spaced}&csrf={csrf}"),
                Some(&cookie),
                None,
            )
            .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", app.backend);
    }
}
