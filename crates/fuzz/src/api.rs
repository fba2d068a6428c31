//! The JSON API's bodies, through the whole router over a SQLite store: an arbitrary body to
//! each write route must answer 2xx or 4xx with the JSON error shape, never 5xx or a panic.

use axum::body::Body;
use axum::http::{Request, header};
use domain::{Conflict, ConflictId, Party, PartyId, Tenant, TenantId, TenantKind};
use store::{DatabaseUrl, Store, UserRole};
use tower::ServiceExt;

/// A server and two tokens (a bureau clerk, an agency caseworker), made once per fuzzing process.
pub struct ApiTarget {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    clerk: String,
    caseworker: String,
    person: String,
    _dir: tempfile::TempDir,
}

impl ApiTarget {
    /// # Panics
    /// When the temporary store cannot be set up (a broken machine, not an input).
    #[must_use]
    pub fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        let (router, clerk, caseworker, person) = runtime.block_on(async {
            let store = Store::open(&DatabaseUrl::sqlite_file(&dir.path().join("fuzz.db")))
                .await
                .expect("store");
            store
                .create_conflict(&Conflict {
                    id: ConflictId::new(),
                    name: "Fuzz conflict".into(),
                    started_on: None,
                })
                .await
                .expect("conflict");
            let party = Party {
                id: PartyId::new(),
                name: "Aldera".into(),
                iso_country: "XA".into(),
            };
            store.create_party(&party).await.expect("party");
            let bureau = Tenant {
                id: TenantId::new(),
                slug: "bureau-a".into(),
                name: "Bureau of Aldera".into(),
                kind: TenantKind::PartyBureau,
                party: Some(party.id),
            };
            let agency = Tenant {
                id: TenantId::new(),
                slug: "agency".into(),
                name: "Agency".into(),
                kind: TenantKind::Agency,
                party: None,
            };
            store.create_tenant(&bureau).await.expect("tenant");
            store.create_tenant(&agency).await.expect("tenant");
            let clerk = web::create_api_token(
                &store,
                bureau.id,
                bureau.kind,
                UserRole::BureauClerk,
                "fuzz",
                1,
            )
            .await
            .expect("token");
            let caseworker = web::create_api_token(
                &store,
                agency.id,
                agency.kind,
                UserRole::Caseworker,
                "fuzz",
                1,
            )
            .await
            .expect("token");
            let config = web::ServeConfig {
                addr: "127.0.0.1:0".parse().expect("addr"),
                session_ttl: time_hours(8),
                secure_cookies: false,
                rate_limits: web::RateLimits::OFF,
                evidence_dir: None,
                warm_indexes: false,
            };
            let router = web::router(store, &config);
            // One person, so that the event route has someone to record against.
            let body = serde_json::json!({
                "reference": "FUZZ-1",
                "category": "pow",
                "name": {"family": "Testenko", "language": "uk"},
                "fell_into_power_at": "2026-10-01T08:00:00Z",
            });
            let (status, text) = send(
                &router,
                "/api/v1/persons",
                &clerk,
                body.to_string().into_bytes(),
            )
            .await;
            assert_eq!(status, 201, "{text}");
            let person = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["id"].as_str().map(str::to_owned))
                .expect("the new person's id");
            (router, clerk, caseworker, person)
        });
        Self {
            runtime,
            router,
            clerk,
            caseworker,
            person,
            _dir: dir,
        }
    }

    /// The first byte picks the route; the rest is the body.
    ///
    /// # Panics
    /// On a 5xx answer or an error answer that is not the API's JSON error shape: the bugs this
    /// target looks for.
    pub fn run(&self, data: &[u8]) {
        let Some((&selector, body)) = data.split_first() else {
            return;
        };
        let events = format!("/api/v1/persons/{}/events", self.person);
        let (path, token) = match selector % 3 {
            0 => ("/api/v1/persons", &self.clerk),
            1 => (events.as_str(), &self.clerk),
            _ => ("/api/v1/tracing-requests", &self.caseworker),
        };
        let (status, text) = self
            .runtime
            .block_on(send(&self.router, path, token, body.to_vec()));
        assert!(status < 500, "{path}: {status} {text}");
        if status >= 400 {
            let json: serde_json::Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{path}: {status}, not JSON ({e}): {text}"));
            assert!(json["error"]["code"].is_string(), "{path}: {text}");
        }
    }
}

impl Default for ApiTarget {
    fn default() -> Self {
        Self::new()
    }
}

fn time_hours(hours: i64) -> time::Duration {
    time::Duration::hours(hours)
}

async fn send(router: &axum::Router, path: &str, token: &str, body: Vec<u8>) -> (u16, String) {
    let request = Request::post(path)
        .header(header::HOST, "localhost")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("a request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}
