//! The application under test: the real router over a fresh store, driven in-process with
//! `oneshot`. SQLite always; PostgreSQL too when `WHEREABOUTS_TEST_POSTGRES` names a server.

use std::sync::LazyLock;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use domain::{
    AbsenceReason, AssertedValue, Confidence, Conflict, ConflictId, EventKind, FieldKey, NamePart,
    NamePartKind, Party, PartyId, PersonCategory, PersonId, PersonName, PlaceKind, Presence,
    SourceKind, Tenant, TenantId, TenantKind,
};
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

pub struct App {
    pub backend: &'static str,
    pub router: Router,
    pub store: Store,
    pub fx: Fixture,
    _dir: Option<tempfile::TempDir>,
}

/// What every app is seeded with: two bureaus of two fictional parties, a clerk in each, a system
/// administrator, and one prisoner of war in each bureau.
pub struct Fixture {
    pub tenant_a: Tenant,
    /// Bureau A's prisoner of war, captured ten days ago, with no card sent; name in Cyrillic.
    pub pow_a: PersonId,
    pub pow_b: PersonId,
}

pub fn config(secure_cookies: bool) -> ServeConfig {
    ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        session_ttl: Duration::hours(8),
        secure_cookies,
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
    apps.push(App::new("sqlite", store, &config, Some(dir)).await);
    if let Some(url) = postgres_url() {
        let fresh = fresh_postgres_database(&url).await;
        let store = Store::open(&DatabaseUrl::parse(&fresh).unwrap())
            .await
            .expect("open postgres");
        apps.push(App::new("postgres", store, &config, None).await);
    }
    apps
}

fn postgres_url() -> Option<String> {
    std::env::var("WHEREABOUTS_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

async fn fresh_postgres_database(url: &str) -> String {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(url)
        .await
        .expect("connect to WHEREABOUTS_TEST_POSTGRES");
    let name = format!("wb_web_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let (base, _) = url.rsplit_once('/').expect("URL with a database name");
    format!("{base}/{name}")
}

impl App {
    async fn new(
        backend: &'static str,
        store: Store,
        config: &ServeConfig,
        dir: Option<tempfile::TempDir>,
    ) -> Self {
        let fx = seed(&store).await;
        Self {
            backend,
            router: web::router(store.clone(), config),
            store,
            fx,
            _dir: dir,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Page {
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

    /// Signs in and returns the `Cookie` header value that carries the session.
    pub async fn login(&self, username: &str) -> String {
        let page = self
            .post(
                "/login",
                &format!(
                    "username={username}&password={}",
                    PASSWORD.replace(' ', "+")
                ),
                None,
                Some(&format!("https://{HOST}")),
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{}: sign-in",
            self.backend
        );
        let set_cookie = page.header(header::SET_COOKIE.as_str());
        set_cookie
            .split(';')
            .next()
            .expect("cookie pair")
            .to_owned()
    }
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

fn source(collected_by: &str, language: &str) -> NewSource {
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
    store.create_tenant(&tenant_a).await.unwrap();
    store.create_tenant(&tenant_b).await.unwrap();
    for (username, tenant, role) in [
        ("clerk-a", Some(tenant_a.id), UserRole::BureauClerk),
        ("clerk-b", Some(tenant_b.id), UserRole::BureauClerk),
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
    Fixture {
        tenant_a,
        pow_a,
        pow_b,
    }
}
