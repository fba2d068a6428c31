//! The application under test: the real router over a fresh store, driven in-process with
//! `oneshot`. SQLite always; PostgreSQL too when `WHEREABOUTS_TEST_POSTGRES` names a server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{LazyLock, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use domain::{
    AbsenceReason, AssertedValue, Confidence, Conflict, ConflictId, EventKind, FieldKey, NamePart,
    NamePartKind, Party, PartyId, PersonCategory, PersonId, PersonName, PlaceKind, Presence,
    SourceKind, Tenant, TenantId, TenantKind,
};
use store::testing::{ScratchDatabase, postgres_url};
use store::{
    DatabaseUrl, NewAssertion, NewEvent, NewPerson, NewPlace, NewSource, NewUser, Store, UserRole,
};
use time::{Duration, OffsetDateTime};
use tower::ServiceExt;
use web::ServeConfig;

pub const PASSWORD: &str = "correct horse battery staple";
pub const HOST: &str = "bureau.example";

/// One hash for every test user: Argon2 is slow on purpose, and the tests need many users.
static PASSWORD_HASH: LazyLock<String> =
    LazyLock::new(|| web::hash_password(PASSWORD).expect("hash"));

/// The Argon2id hash of [`PASSWORD`], for tests that add users.
pub fn password_hash() -> &'static str {
    &PASSWORD_HASH
}

pub struct App {
    pub backend: &'static str,
    pub router: Router,
    pub store: Store,
    pub fx: Fixture,
    /// TOTP secrets learnt at enrolment, and the last time step used, per username.
    totp: Mutex<HashMap<String, (Vec<u8>, i64)>>,
    _dir: Option<tempfile::TempDir>,
    // Last, so the store's pool goes first; dropping it drops the PostgreSQL database.
    _scratch: Option<ScratchDatabase>,
}

/// The client address requests appear to come from, unless a test says otherwise.
pub const CLIENT: &str = "192.0.2.10:40000";

/// A signed-in browser: the session cookie and this session's CSRF token.
#[derive(Clone, Debug)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

/// What every app is seeded with: two bureaus of two fictional parties, a clerk in each, a system
/// administrator, and one prisoner of war in each bureau; the agency with a caseworker, a
/// reviewer and one record written in Latin letters.
pub struct Fixture {
    pub tenant_a: Tenant,
    pub agency: Tenant,
    /// The agency's record of Oleksandr KOVALENKO, in Latin letters, born 1990.
    pub agency_person: PersonId,
    /// Bureau A's prisoner of war, captured ten days ago, with no card sent; name in Cyrillic.
    pub pow_a: PersonId,
    pub pow_b: PersonId,
}

pub fn config(secure_cookies: bool) -> ServeConfig {
    ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        session_ttl: Duration::hours(8),
        secure_cookies,
        // Every in-process request comes from one address and a test sends hundreds in a burst;
        // the limits have their own tests (limits.rs), with their own settings.
        rate_limits: web::RateLimits::OFF,
        evidence_dir: Some(
            std::env::temp_dir().join(format!("wb-evidence-{}", uuid::Uuid::now_v7().simple())),
        ),
        // Each index is built at its first use; `search_index.rs` tests the start-up build.
        warm_indexes: false,
    }
}

/// A fresh, seeded app per backend.
pub async fn apps() -> Vec<App> {
    apps_with(config(false)).await
}

pub async fn apps_with(config: ServeConfig) -> Vec<App> {
    let mut apps = Vec::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&DatabaseUrl::sqlite_file(&dir.path().join("web.db")))
        .await
        .expect("open sqlite");
    apps.push(App::new("sqlite", store, &config, Some(dir), None).await);
    if let Some(url) = postgres_url() {
        let fresh = ScratchDatabase::create(&url, "wb_web").await;
        // PostgreSQL has no directory for a key file: the master key is given.
        let store = Store::open(&DatabaseUrl::parse(fresh.url()).unwrap())
            .await
            .expect("open postgres")
            .with_key_provider(std::sync::Arc::new(
                vault::StaticKeyProvider::new(vec![vault::MasterKey::generate().unwrap()]).unwrap(),
            ));
        apps.push(App::new("postgres", store, &config, None, Some(fresh)).await);
    }
    apps
}

impl App {
    async fn new(
        backend: &'static str,
        store: Store,
        config: &ServeConfig,
        dir: Option<tempfile::TempDir>,
        scratch: Option<ScratchDatabase>,
    ) -> Self {
        let fx = seed(&store).await;
        Self {
            backend,
            router: web::router(store.clone(), config),
            store,
            fx,
            totp: Mutex::new(HashMap::new()),
            _dir: dir,
            _scratch: scratch,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Page {
        self.send_from(request, CLIENT).await
    }

    /// Sends a request as if from `client` (the sign-in throttle counts per address).
    pub async fn send_from(&self, mut request: Request<Body>, client: &str) -> Page {
        let addr: SocketAddr = client.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(addr));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Page {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body"),
        }
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Page {
        let mut request = Request::get(path).header(header::HOST, HOST);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    pub async fn post(
        &self,
        path: &str,
        form: &str,
        cookie: Option<&str>,
        origin: Option<&str>,
    ) -> Page {
        let mut request = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        self.send(request.body(Body::from(form.to_owned())).unwrap())
            .await
    }

    /// The sign-in form's double-submit pair: (cookie header value, form token).
    pub async fn login_form(&self) -> (String, String) {
        let page = self.get("/login", None).await;
        let set_cookie = page.header(header::SET_COOKIE.as_str());
        let pair = set_cookie.split(';').next().unwrap().to_owned();
        let token = pair.split_once('=').unwrap().1.to_owned();
        assert!(
            page.body
                .contains(&format!(r#"name="csrf" value="{token}""#))
        );
        (pair, token)
    }

    /// Posts the password step; returns the response.
    pub async fn password_step(&self, username: &str, password: &str, client: &str) -> Page {
        let (cookie, token) = self.login_form().await;
        let form = format!(
            "username={username}&password={}&csrf={token}",
            password.replace(' ', "+")
        );
        let request = Request::post("/login")
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, format!("https://{HOST}"))
            .header(header::COOKIE, cookie)
            .body(Body::from(form))
            .unwrap();
        self.send_from(request, client).await
    }

    /// The TOTP code for `username` at the next unused time step (enrolling first if needed,
    /// from the secret the page shows), and the step it belongs to.
    pub async fn next_code(&self, username: &str, second_factor_page: &str) -> String {
        if let Some(secret) = between(second_factor_page, r#"<code id="totp-secret">"#, "</code>") {
            let secret = web::totp::base32_decode(&secret).expect("base32 secret");
            self.totp
                .lock()
                .unwrap()
                .insert(username.to_owned(), (secret, i64::MIN));
        }
        loop {
            let now = web::totp::step_at(OffsetDateTime::now_utc().unix_timestamp());
            let code = {
                let mut known = self.totp.lock().unwrap();
                let (secret, last) = known.get_mut(username).expect("a known TOTP secret");
                let step = (*last + 1).max(now - 1);
                (step <= now + 1).then(|| {
                    *last = step;
                    web::totp::code_at(secret, step)
                })
            };
            if let Some(code) = code {
                return code;
            }
            // Each step is accepted once: wait for the clock to open the next one.
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
    }

    /// Signs in with both factors and returns the session.
    pub async fn browser(&self, username: &str) -> Browser {
        let page = self.password_step(username, PASSWORD, CLIENT).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{}: sign-in of {username}",
            self.backend
        );
        assert_eq!(page.header("location"), "/login/second-factor");
        let cookie = session_pair(&page);
        let second = self.get("/login/second-factor", Some(&cookie)).await;
        assert_eq!(second.status, StatusCode::OK, "{}", second.body);
        let csrf = csrf_of(&second.body);
        let code = self.next_code(username, &second.body).await;
        let done = self
            .post(
                "/login/second-factor",
                &format!("code={code}&csrf={csrf}"),
                Some(&cookie),
                None,
            )
            .await;
        assert_eq!(
            done.status,
            StatusCode::SEE_OTHER,
            "{}: second factor of {username}: {}",
            self.backend,
            done.body
        );
        assert_eq!(done.header("location"), "/");
        let cookie = session_pair(&done);
        let home = self.get("/", Some(&cookie)).await;
        assert_eq!(home.status, StatusCode::OK);
        Browser {
            csrf: csrf_of(&home.body),
            cookie,
        }
    }

    /// Signs in with both factors and returns the `Cookie` header value of the session.
    pub async fn login(&self, username: &str) -> String {
        self.browser(username).await.cookie
    }

    /// A form post from a signed-in browser, with its CSRF token appended.
    pub async fn submit(&self, path: &str, form: &str, browser: &Browser) -> Page {
        let form = if form.is_empty() {
            format!("csrf={}", browser.csrf)
        } else {
            format!("{form}&csrf={}", browser.csrf)
        };
        self.post(
            path,
            &form,
            Some(&browser.cookie),
            Some(&format!("https://{HOST}")),
        )
        .await
    }

    /// A request to the API with a bearer token.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Page {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, HOST);
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(body) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_owned())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).unwrap()).await
    }

    /// Creates an API token for a tenant and role directly in the store.
    pub async fn token(&self, tenant: TenantId, role: UserRole) -> String {
        let secret = hex::encode(rand_bytes());
        let hash = {
            use sha2::Digest;
            sha2::Sha256::digest(hex::decode(&secret).unwrap()).to_vec()
        };
        self.store
            .create_api_token(&store::NewApiToken {
                token_hash: &hash,
                tenant,
                role,
                label: "test client",
                created_by: None,
                expires_at: OffsetDateTime::now_utc() + Duration::days(1),
            })
            .await
            .unwrap();
        format!("wbt_{secret}")
    }
}

fn rand_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).unwrap();
    bytes
}

/// The text between two markers.
pub fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(text[from..to].to_owned())
}

/// The session's CSRF token, from a page's `<meta name="csrf-token">` or a form's hidden field.
pub fn csrf_of(body: &str) -> String {
    between(body, r#"<meta name="csrf-token" content=""#, "\"")
        .or_else(|| between(body, r#"name="csrf" value=""#, "\""))
        .expect("a CSRF token on the page")
}

/// The `name=value` pair of the session cookie a response sets.
pub fn session_pair(page: &Page) -> String {
    page.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|pair| pair.starts_with("whereabouts=") || pair.starts_with("__Host-whereabouts="))
        .expect("a session cookie")
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
            .to_owned()
    }
}

pub fn source(collected_by: &str, language: &str) -> NewSource {
    NewSource {
        kind: SourceKind::BureauList,
        reference: format!("list-{collected_by}.csv"),
        collected_by: collected_by.into(),
        collected_at: OffsetDateTime::now_utc() - Duration::days(9),
        language: Some(language.parse().unwrap()),
        script: Some(domain::Script::CYRILLIC),
        confidence: Confidence::MEDIUM,
    }
}

pub fn name(parts: &[(NamePartKind, &str)], language: &str) -> AssertedValue {
    AssertedValue::Name(
        PersonName::new(
            parts
                .iter()
                .map(|(kind, value)| NamePart::new(*kind, value, Some(language.parse().unwrap())))
                .collect::<Result<_, _>>()
                .unwrap(),
        )
        .unwrap(),
    )
}

fn assertion(field: FieldKey, value: Presence<AssertedValue>, locator: &str) -> NewAssertion {
    NewAssertion {
        field,
        value,
        locator: locator.into(),
    }
}

fn text(value: &str) -> Presence<AssertedValue> {
    Presence::Present(AssertedValue::Text(value.into()))
}

async fn seed(store: &Store) -> Fixture {
    store
        .create_conflict(&Conflict {
            id: ConflictId::new(),
            name: "Test conflict".into(),
            started_on: None,
        })
        .await
        .unwrap();
    let party_a = Party {
        id: PartyId::new(),
        name: "Aldera".into(),
        iso_country: "XA".into(),
    };
    let party_b = Party {
        id: PartyId::new(),
        name: "Borovia".into(),
        iso_country: "XB".into(),
    };
    store.create_party(&party_a).await.unwrap();
    store.create_party(&party_b).await.unwrap();
    let tenant_a = Tenant {
        id: TenantId::new(),
        slug: "bureau-a".into(),
        name: "Bureau of Aldera".into(),
        kind: TenantKind::PartyBureau,
        party: Some(party_a.id),
    };
    let tenant_b = Tenant {
        id: TenantId::new(),
        slug: "bureau-b".into(),
        name: "Bureau of Borovia".into(),
        kind: TenantKind::PartyBureau,
        party: Some(party_b.id),
    };
    let agency = Tenant {
        id: TenantId::new(),
        slug: "agency".into(),
        name: "Central Tracing Agency".into(),
        kind: TenantKind::Agency,
        party: None,
    };
    store.create_tenant(&tenant_a).await.unwrap();
    store.create_tenant(&tenant_b).await.unwrap();
    store.create_tenant(&agency).await.unwrap();
    for (username, tenant, role) in [
        ("clerk-a", Some(tenant_a.id), UserRole::BureauClerk),
        ("officer-a", Some(tenant_a.id), UserRole::BureauOfficer),
        ("tadmin-a", Some(tenant_a.id), UserRole::TenantAdmin),
        ("clerk-b", Some(tenant_b.id), UserRole::BureauClerk),
        ("caseworker", Some(agency.id), UserRole::Caseworker),
        ("reviewer", Some(agency.id), UserRole::Reviewer),
        ("admin", None, UserRole::SystemAdmin),
    ] {
        store
            .create_user(&NewUser {
                tenant,
                username,
                password_hash: &PASSWORD_HASH,
                role,
            })
            .await
            .unwrap();
    }

    let scope_a = store.operator_scope(&tenant_a, "test");
    let scope_b = store.operator_scope(&tenant_b, "test");
    let list_a = store
        .record_source(&scope_a, &source("clerk-7", "uk"))
        .await
        .unwrap();
    let statement_a = store
        .record_source(&scope_a, &source("delegate-2", "ru"))
        .await
        .unwrap();
    let list_b = store
        .record_source(&scope_b, &source("clerk-9", "uk"))
        .await
        .unwrap();
    store
        .create_place(
            &scope_a,
            &NewPlace {
                controlling_party: party_a.id,
                kind: PlaceKind::PowCamp,
                name: "Табір Північ".into(),
                parent: None,
                postal_address: None,
            },
        )
        .await
        .unwrap();

    let captured = OffsetDateTime::now_utc() - Duration::days(10);
    let pow_a = store
        .register_person(
            &scope_a,
            list_a,
            &NewPerson {
                reference: "A-0001".into(),
                category: PersonCategory::PrisonerOfWar,
                assertions: vec![
                    assertion(
                        FieldKey::Name,
                        Presence::Present(name(
                            &[
                                (NamePartKind::Given, "Олександр"),
                                (NamePartKind::Family, "КОВАЛЕНКО"),
                            ],
                            "uk",
                        )),
                        "line 2, column name",
                    ),
                    assertion(FieldKey::Rank, text("сержант"), "line 2, column rank"),
                    assertion(
                        FieldKey::BirthPlace,
                        Presence::Absent(AbsenceReason::DeclinedByPerson),
                        "line 2, column birth_place",
                    ),
                    assertion(
                        FieldKey::Occupation,
                        Presence::Absent(AbsenceReason::Unknown),
                        "line 2, column occupation",
                    ),
                ],
                events: vec![NewEvent {
                    kind: EventKind::FellIntoPower,
                    occurred_at: captured,
                    place: None,
                    place_to: None,
                    locator: "line 2, column captured".into(),
                    note: None,
                }],
            },
        )
        .await
        .unwrap();
    // A second source disagrees on the rank; a correction supersedes a service number.
    store
        .add_assertion(
            &scope_a,
            pow_a,
            statement_a,
            &assertion(FieldKey::Rank, text("капрал"), "statement 4, page 1"),
            None,
        )
        .await
        .unwrap();
    let wrong = store
        .add_assertion(
            &scope_a,
            pow_a,
            list_a,
            &assertion(
                FieldKey::ServiceNumber,
                text("AB-123"),
                "line 2, column number",
            ),
            None,
        )
        .await
        .unwrap();
    store
        .add_assertion(
            &scope_a,
            pow_a,
            statement_a,
            &assertion(
                FieldKey::ServiceNumber,
                text("AB-128"),
                "statement 4, page 2",
            ),
            Some(wrong),
        )
        .await
        .unwrap();

    let pow_b = store
        .register_person(
            &scope_b,
            list_b,
            &NewPerson {
                reference: "B-0001".into(),
                category: PersonCategory::PrisonerOfWar,
                assertions: vec![assertion(
                    FieldKey::Name,
                    Presence::Present(name(
                        &[
                            (NamePartKind::Given, "Борис"),
                            (NamePartKind::Family, "ПЕТРЕНКО"),
                        ],
                        "uk",
                    )),
                    "line 2, column name",
                )],
                events: vec![NewEvent {
                    kind: EventKind::FellIntoPower,
                    occurred_at: captured,
                    place: None,
                    place_to: None,
                    locator: "line 2".into(),
                    note: None,
                }],
            },
        )
        .await
        .unwrap();
    let scope_agency = store.operator_scope(&agency, "test");
    let list_agency = store
        .record_source(&scope_agency, &source("clerk-9", "en"))
        .await
        .unwrap();
    let agency_person = store
        .register_person(
            &scope_agency,
            list_agency,
            &NewPerson {
                reference: "XA-LIST-0042".into(),
                category: PersonCategory::PrisonerOfWar,
                assertions: vec![
                    assertion(
                        FieldKey::Name,
                        Presence::Present(name(
                            &[
                                (NamePartKind::Given, "Oleksandr"),
                                (NamePartKind::Family, "KOVALENKO"),
                            ],
                            "en",
                        )),
                        "line 42, column name",
                    ),
                    assertion(
                        FieldKey::BirthDate,
                        Presence::Present(AssertedValue::Date(
                            domain::PartialDate::parse("1990-04-12").unwrap(),
                        )),
                        "line 42, column born",
                    ),
                ],
                events: Vec::new(),
            },
        )
        .await
        .unwrap();
    // Someone else entirely, who must not be proposed for Коваленко.
    store
        .register_person(
            &scope_agency,
            list_agency,
            &NewPerson {
                reference: "XA-LIST-0043".into(),
                category: PersonCategory::PrisonerOfWar,
                assertions: vec![assertion(
                    FieldKey::Name,
                    Presence::Present(name(
                        &[
                            (NamePartKind::Given, "Boris"),
                            (NamePartKind::Family, "PETRENKO"),
                        ],
                        "en",
                    )),
                    "line 43, column name",
                )],
                events: Vec::new(),
            },
        )
        .await
        .unwrap();
    Fixture {
        tenant_a,
        agency,
        agency_person,
        pow_a,
        pow_b,
    }
}

/// A response body as JSON; a body that is not JSON fails the test with the body.
pub fn json_of(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}
