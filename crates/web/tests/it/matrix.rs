//! The authorization matrix: every route of `web::route_table()` × every role × every kind of
//! tenant, allowed or denied, on both backends. A route without a row here fails the test, and so
//! does a row for a route that no longer exists.
//!
//! Columns, in order (19): a party's bureau, the agency and the protection unit, each with the
//! roles tenant admin, bureau clerk, bureau officer, caseworker, reviewer, delegate; then the
//! system administrator (no tenant). `Y` allowed, `-` denied. A role in a tenant of the wrong
//! kind (a caseworker in a bureau) is denied everything beyond the dashboard.
//!
//! "Allowed" means the request got past authorization: any answer but 401, 403, 404 or a
//! redirect to a sign-in step. Bodies are empty or minimal, so an allowed POST typically answers
//! 422 with its field messages. Denied means 401, 403 or 404, never the data.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use domain::{
    Confidence, NamePart, NamePartKind, PersonCategory, PersonId, PersonName, SourceKind, Tenant,
    TenantId, TenantKind,
};
use store::{NewApiToken, NewPerson, NewSource, NewTracingRequest, NewUser, UserRole};
use time::{Duration, OffsetDateTime};

use crate::harness::{App, Browser, apps, password_hash};

const ROLES: [UserRole; 6] = [
    UserRole::TenantAdmin,
    UserRole::BureauClerk,
    UserRole::BureauOfficer,
    UserRole::Caseworker,
    UserRole::Reviewer,
    UserRole::Delegate,
];

const KINDS: [TenantKind; 3] = [
    TenantKind::PartyBureau,
    TenantKind::Agency,
    TenantKind::ProtectionUnit,
];

//                 bureau  agency  protect. sysadmin
//                 ABOCRD  ABOCRD  ABOCRD   S
const ALL: &str = "YYYYYY YYYYYY YYYYYY Y";
const READ: &str = "YYY--- Y--YY- Y----Y -";
const REGISTER: &str = "-YY--- ------ ------ -";
const TRACE: &str = "------ ---YY- ------ -";
// Issue 5: the agency's caseworkers and reviewers ask, the bureau's clerks and officers answer.
const ENQUIRE: &str = "-YY--- ---YY- ------ -";
// Issue 5, "pull now": a tenant admin, a bureau officer, an agency reviewer.
const EXCHANGE: &str = "Y-Y--- Y---Y- ------ -";
const TOKENS: &str = "Y----- Y----- Y----- -";
// ICRC-DP-c: the subject access export, a bureau officer or an agency reviewer.
const SUBJECT: &str = "--Y--- ----Y- ------ -";
// Issue 6: a protection unit's delegate only; everyone else gets 404.
const PROTECT: &str = "------ ------ -----Y -";

#[rustfmt::skip]
const MATRIX: &[(&str, &str, &str)] = &[
    ("GET", "/health", ALL),
    ("GET", "/static/app.css", ALL),
    ("GET", "/static/htmx.min.js", ALL),
    ("GET", "/login", ALL),
    ("POST", "/login", ALL),
    ("GET", "/login/second-factor", ALL),
    ("POST", "/login/second-factor", ALL),
    ("POST", "/logout", ALL),
    ("GET", "/", ALL),
    ("GET", "/persons", READ),
    ("GET", "/persons/new", REGISTER),
    ("POST", "/persons", REGISTER),
    ("GET", "/persons/{id}", READ),
    ("GET", "/persons/{id}/events/new", REGISTER),
    ("POST", "/persons/{id}/events", REGISTER),
    ("GET", "/persons/{id}/capture-card", REGISTER),
    ("GET", "/persons/{id}/internment-card", REGISTER),
    ("GET", "/deadlines", READ),
    ("GET", "/tracing", TRACE),
    ("GET", "/tracing/new", TRACE),
    ("POST", "/tracing", TRACE),
    ("GET", "/tracing/{id}", TRACE),
    ("POST", "/tracing/{id}/decisions", TRACE),
    ("GET", "/tracing/{id}/letter/{person}", TRACE),
    // Issue 5, item 3: same-person proposals at the agency (a proposal of the agency's in paths;
    // an allowed POST with an empty body answers 422 or 400).
    ("GET", "/same-person", TRACE),
    ("GET", "/same-person/{id}", TRACE),
    ("POST", "/same-person/{id}/decisions", TRACE),
    ("GET", "/api/v1/same-person-proposals", TRACE),
    ("GET", "/api/v1/same-person-proposals/{id}", TRACE),
    ("POST", "/api/v1/same-person-proposals/{id}/decisions", TRACE),
    ("GET", "/account/tokens", TOKENS),
    ("POST", "/account/tokens", TOKENS),
    ("POST", "/account/tokens/{id}/revoke", TOKENS),
    ("GET", "/api/v1/openapi.json", ALL),
    ("GET", "/api/v1/persons", READ),
    ("POST", "/api/v1/persons", REGISTER),
    ("GET", "/api/v1/persons/{id}", READ),
    ("POST", "/api/v1/persons/{id}/events", REGISTER),
    ("GET", "/api/v1/persons/{id}/subject-export", SUBJECT),
    ("GET", "/api/v1/deadlines", READ),
    ("GET", "/api/v1/tracing-requests", TRACE),
    ("POST", "/api/v1/tracing-requests", TRACE),
    ("GET", "/api/v1/tracing-requests/{id}", TRACE),
    // Issue 5. The receive endpoint is open to every caller: what authorizes a push is the
    // envelope's signatures against the pinned keys (an empty body answers 400, an unknown
    // peer 403 with a signed receipt; see the CLI's network tests).
    ("GET", "/api/v1/tracing-requests/{id}/proposals", TRACE),
    ("POST", "/api/v1/transmissions", ALL),
    // The outbox too: a signed pull request of a pinned peer authorizes it (an empty body
    // answers 400).
    ("POST", "/api/v1/transmissions/outbox", ALL),
    ("GET", "/api/v1/compliance", READ),
    ("GET", "/compliance", READ),
    ("GET", "/peers", READ),
    // An allowed caller names a peer that is not set to pull: 422.
    ("POST", "/peers/{peer}/pull", EXCHANGE),
    ("GET", "/enquiries", ENQUIRE),
    ("POST", "/enquiries", TRACE),
    ("POST", "/enquiries/{id}/answer", REGISTER),
    ("GET", "/api/v1/enquiries", ENQUIRE),
    ("POST", "/api/v1/enquiries", TRACE),
    ("POST", "/api/v1/enquiries/{id}/answer", REGISTER),
    ("GET", "/api/v1/lists", READ),
    ("POST", "/api/v1/lists", REGISTER),
    ("GET", "/lists", READ),
    ("POST", "/lists", REGISTER),
    ("POST", "/enquiries/{id}/close", TRACE),
    ("POST", "/api/v1/enquiries/{id}/close", TRACE),
    ("GET", "/protection", PROTECT),
    ("GET", "/protection/visits/{id}", PROTECT),
    ("GET", "/protection/evidence/verify", PROTECT),
    ("GET", "/protection/visits/new", PROTECT),
    ("POST", "/protection/visits", PROTECT),
    ("POST", "/protection/visits/{id}/conditions", PROTECT),
    ("POST", "/protection/visits/{id}/refusals", PROTECT),
    ("POST", "/protection/visits/{id}/persons-seen", PROTECT),
    ("POST", "/protection/visits/{id}/follow-ups", PROTECT),
    ("POST", "/protection/visits/{id}/interviews", PROTECT),
    ("POST", "/protection/refusals/{id}/end", PROTECT),
    ("GET", "/protection/allegations/new", PROTECT),
    ("POST", "/protection/allegations", PROTECT),
    ("GET", "/protection/allegations/{id}", PROTECT),
    ("POST", "/protection/allegations/{id}/steps", PROTECT),
    ("POST", "/protection/allegations/{id}/interviews", PROTECT),
    ("GET", "/protection/allegations/{id}/representation", PROTECT),
    ("GET", "/api/v1/protection/allegations/{id}/representation", PROTECT),
    ("POST", "/protection/allegations/{id}/representations", PROTECT),
    ("GET", "/protection/representations/{id}", PROTECT),
    ("POST", "/protection/representations/{id}/replies", PROTECT),
    ("POST", "/api/v1/protection/allegations/{id}/representations", PROTECT),
    ("GET", "/api/v1/protection/representations/{id}", PROTECT),
    ("POST", "/api/v1/protection/representations/{id}/replies", PROTECT),
    ("GET", "/protection/places/new", PROTECT),
    ("POST", "/protection/places", PROTECT),
    ("GET", "/protection/places/{id}", PROTECT),
    ("POST", "/protection/places/{id}/notices", PROTECT),
    ("POST", "/protection/places/{id}/profile", PROTECT),
    ("GET", "/protection/persons-seen/{id}", PROTECT),
    ("POST", "/protection/persons-seen/{id}/follow-ups", PROTECT),
    ("POST", "/protection/persons-seen/{id}/same-as", PROTECT),
    ("GET", "/protection/persons-seen", PROTECT),
    ("GET", "/protection/follow-ups/due", PROTECT),
    ("GET", "/api/v1/protection/persons-seen", PROTECT),
    ("GET", "/api/v1/protection/persons-seen/{id}/suggestions", PROTECT),
    ("GET", "/api/v1/protection/follow-ups/due", PROTECT),
    ("GET", "/api/v1/protection/interviews/{id}", PROTECT),
    // A form post, not multipart: the delegate gets 415, everyone else 404.
    ("POST", "/protection/allegations/{id}/evidence", PROTECT),
    // Without a purpose the delegate gets 422 before the item is looked up.
    ("GET", "/protection/evidence/{id}/file", PROTECT),
    ("GET", "/api/v1/protection/visits", PROTECT),
    ("GET", "/api/v1/protection/visits/{id}", PROTECT),
    ("GET", "/api/v1/protection/visits/{id}/alerts", PROTECT),
    ("GET", "/api/v1/protection/allegations/{id}", PROTECT),
    ("POST", "/api/v1/protection/evidence", PROTECT),
    ("GET", "/api/v1/protection/evidence/verify", PROTECT),
];

/// One column of the matrix: who, with a browser session and (for tenant roles) an API token.
struct Principal {
    label: String,
    browser: Browser,
    token: Option<String>,
    /// Ids to put in paths: a person, a tracing request and an API token of their tenant.
    person: PersonId,
    request: String,
    token_id: String,
    /// The protection unit's visit and allegation (issue 6), the same for every column.
    visit: String,
    allegation: String,
    refusal: String,
    /// The unit's place and a person seen (issue 6).
    place: String,
    seen: String,
    /// A confidential representation of the allegation (ICRC-VIS-e).
    representation: String,
    /// The agency's same-person proposal (issue 5, item 3), the same for every column.
    link: String,
}

fn expected(pattern: &str) -> Vec<bool> {
    let flags: Vec<bool> = pattern
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c == 'Y')
        .collect();
    assert_eq!(flags.len(), 19, "a matrix row has 19 columns: {pattern}");
    flags
}

#[test]
fn every_route_has_a_row_and_every_row_a_route() {
    let routes: Vec<(&str, &str)> = web::route_table()
        .iter()
        .map(|r| (r.method, r.path))
        .collect();
    for (method, path) in &routes {
        assert!(
            MATRIX.iter().any(|(m, p, _)| m == method && p == path),
            "route {method} {path} has no row in the authorization matrix: add one"
        );
    }
    for (method, path, _) in MATRIX {
        assert!(
            routes.contains(&(*method, *path)),
            "the matrix has a row for {method} {path}, which is not a route"
        );
    }
}

async fn setup(app: &App) -> Vec<Principal> {
    let hash = password_hash();
    let mut tenants: Vec<(TenantKind, Tenant)> = vec![
        (TenantKind::PartyBureau, app.fx.tenant_a.clone()),
        (TenantKind::Agency, app.fx.agency.clone()),
    ];
    let protection = Tenant {
        id: TenantId::new(),
        slug: "protection".into(),
        name: "Protection unit".into(),
        kind: TenantKind::ProtectionUnit,
        party: None,
    };
    app.store.create_tenant(&protection).await.unwrap();
    tenants.push((TenantKind::ProtectionUnit, protection.clone()));
    // A person in the protection unit, so that its readers have something of their own.
    let scope = app.store.operator_scope(&protection, "test");
    let source = app
        .store
        .record_source(
            &scope,
            &NewSource {
                kind: SourceKind::IcrcRegistration,
                reference: "visit 1".into(),
                collected_by: "delegate".into(),
                collected_at: OffsetDateTime::now_utc(),
                language: None,
                script: None,
                confidence: Confidence::HIGH,
            },
        )
        .await
        .unwrap();
    let protected_person = app
        .store
        .register_person(
            &scope,
            source,
            &NewPerson {
                reference: "P-1".into(),
                category: PersonCategory::CivilianInternee,
                assertions: Vec::new(),
                events: Vec::new(),
            },
        )
        .await
        .unwrap();
    let (visit, allegation) = crate::protection::seed_visit(&app.store, &scope).await;
    let letter = domain::protection::RepresentationLetter {
        id: domain::RepresentationId::new(),
        allegation,
        form: domain::protection::RepresentationForm::Aggregated,
        addressee: "Command of the fictional camp".into(),
        sent_on: time::OffsetDateTime::now_utc().date(),
        text: "Fictional representation text.".into(),
    };
    app.store
        .record_representation(&scope, &letter)
        .await
        .unwrap();
    let representation = letter.id.to_string();
    let (visit, allegation) = (visit.to_string(), allegation.to_string());
    // A refusal of access still in force, for the form that records its end.
    let refusal = domain::protection::AccessRefusal {
        id: domain::RefusalId::new(),
        visit: None,
        place: app.store.places(&scope).await.unwrap()[0].id,
        refused_at: OffsetDateTime::now_utc() - Duration::days(2),
        scope: "the yard".into(),
        ground: domain::protection::RefusalGround::Security,
        grounds_text: None,
        expected_end: None,
        actual_end: None,
    };
    app.store.record_refusal(&scope, &refusal).await.unwrap();
    let refusal = refusal.id.to_string();
    let place = app.store.places(&scope).await.unwrap()[0].id.to_string();
    let seen = app.store.registrations(&scope, None).await.unwrap()[0]
        .id
        .to_string();
    let agency_scope = app.store.operator_scope(&app.fx.agency, "test");
    let request = app
        .store
        .create_tracing_request(
            &agency_scope,
            &NewTracingRequest {
                reference: "TR-MATRIX".into(),
                enquirer_name: "Enquirer".into(),
                enquirer_contact: "Street 1".into(),
                relationship: "parent".into(),
                sought_name: PersonName::new(vec![
                    NamePart::new(NamePartKind::Family, "Коваленко", None).unwrap(),
                ])
                .unwrap(),
                sought_birth: None,
                sought_birth_place: None,
                sought_father_name: None,
                circumstances: "Separated".into(),
                consent_tracing: true,
                consent_share: false,
                language: Some("uk".into()),
            },
        )
        .await
        .unwrap()
        .to_string();
    // A same-person proposal at the agency: its person and a second record of it.
    let second = app
        .store
        .register_person(
            &agency_scope,
            app.store
                .record_source(
                    &agency_scope,
                    &NewSource {
                        kind: SourceKind::IcrcRegistration,
                        reference: "agency registration".into(),
                        collected_by: "caseworker".into(),
                        collected_at: OffsetDateTime::now_utc(),
                        language: None,
                        script: None,
                        confidence: Confidence::HIGH,
                    },
                )
                .await
                .unwrap(),
            &NewPerson {
                reference: "AG-MATRIX-2".into(),
                category: PersonCategory::PrisonerOfWar,
                assertions: Vec::new(),
                events: Vec::new(),
            },
        )
        .await
        .unwrap();
    app.store
        .record_link_pass(
            &agency_scope,
            &[],
            &[store::NewLinkProposal {
                left: app.fx.agency_person,
                right: second,
                score: 900,
                algorithm: "test".into(),
                explanation: "{}".into(),
            }],
        )
        .await
        .unwrap();
    let link = app
        .store
        .open_link_proposals(&agency_scope, 0, 10)
        .await
        .unwrap()
        .0[0]
        .id
        .to_string();

    let mut principals = Vec::new();
    for (kind, tenant) in &tenants {
        let person = match kind {
            TenantKind::PartyBureau => app.fx.pow_a,
            TenantKind::Agency => app.fx.agency_person,
            TenantKind::ProtectionUnit => protected_person,
        };
        // One token per tenant to revoke; tenant admins revoke their own.
        let mut revocable = Vec::new();
        for _ in ROLES {
            let hash = rand_hash();
            let id = app
                .store
                .create_api_token(&NewApiToken {
                    token_hash: &hash,
                    tenant: tenant.id,
                    role: UserRole::Delegate,
                    label: "to revoke",
                    created_by: None,
                    expires_at: OffsetDateTime::now_utc() + Duration::days(1),
                })
                .await
                .unwrap();
            revocable.push(id.to_string());
        }
        for (role, token_id) in ROLES.into_iter().zip(revocable) {
            let username = format!("{}-{}", kind.code(), role.code());
            app.store
                .create_user(&NewUser {
                    tenant: Some(tenant.id),
                    username: &username,
                    password_hash: hash,
                    role,
                })
                .await
                .unwrap();
            principals.push(Principal {
                browser: app.browser(&username).await,
                token: Some(app.token(tenant.id, role).await),
                label: username,
                person,
                request: request.clone(),
                token_id,
                visit: visit.clone(),
                allegation: allegation.clone(),
                refusal: refusal.clone(),
                place: place.clone(),
                seen: seen.clone(),
                representation: representation.clone(),
                link: link.clone(),
            });
        }
    }
    principals.push(Principal {
        label: "system-admin".into(),
        browser: app.browser("admin").await,
        token: None,
        person: app.fx.pow_a,
        request: request.clone(),
        token_id: uuid::Uuid::now_v7().to_string(),
        visit,
        allegation,
        refusal,
        place,
        seen,
        representation,
        link,
    });
    principals
}

fn rand_hash() -> Vec<u8> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).unwrap();
    bytes.to_vec()
}

fn denied(status: StatusCode, location: Option<&str>) -> bool {
    matches!(
        status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ) || (status == StatusCode::SEE_OTHER && location.is_some_and(|l| l.starts_with("/login")))
}

#[tokio::test]
async fn every_route_role_and_tenant_kind_is_allowed_or_denied_as_the_matrix_says() {
    assert_eq!(KINDS.len() * ROLES.len() + 1, 19);
    let rows: BTreeMap<(&str, &str), Vec<bool>> = MATRIX
        .iter()
        .map(|(m, p, pattern)| ((*m, *p), expected(pattern)))
        .collect();
    // Sign-out ends the session, so it goes last.
    let mut routes = web::route_table();
    routes.sort_by_key(|r| r.path == "/logout");
    for app in apps().await {
        let principals = setup(&app).await;
        let mut failures = Vec::new();
        for route in &routes {
            let row = rows
                .get(&(route.method, route.path))
                .unwrap_or_else(|| panic!("no matrix row for {} {}", route.method, route.path));
            for (column, principal) in principals.iter().enumerate() {
                let path = route
                    .path
                    .replace("/tracing/{id}", &format!("/tracing/{}", principal.request))
                    .replace(
                        "/same-person/{id}",
                        &format!("/same-person/{}", principal.link),
                    )
                    .replace(
                        "/same-person-proposals/{id}",
                        &format!("/same-person-proposals/{}", principal.link),
                    )
                    .replace(
                        "/tracing-requests/{id}",
                        &format!("/tracing-requests/{}", principal.request),
                    )
                    .replace("/tokens/{id}", &format!("/tokens/{}", principal.token_id))
                    .replace("/visits/{id}", &format!("/visits/{}", principal.visit))
                    .replace(
                        "/allegations/{id}",
                        &format!("/allegations/{}", principal.allegation),
                    )
                    .replace(
                        "/refusals/{id}",
                        &format!("/refusals/{}", principal.refusal),
                    )
                    .replace("/places/{id}", &format!("/places/{}", principal.place))
                    .replace(
                        "/representations/{id}",
                        &format!("/representations/{}", principal.representation),
                    )
                    .replace(
                        "/persons-seen/{id}",
                        &format!("/persons-seen/{}", principal.seen),
                    )
                    // Looked up after the purpose is checked: any id shows the authorization.
                    .replace(
                        "/evidence/{id}",
                        &format!("/evidence/{}", uuid::Uuid::now_v7()),
                    )
                    .replace("{person}", &principal.person.to_string())
                    .replace("{id}", &principal.person.to_string());
                let page = if route.path.starts_with("/api/") {
                    let body = (route.method == "POST").then_some("{}");
                    app.api(route.method, &path, principal.token.as_deref(), body)
                        .await
                } else if route.method == "POST" && route.path == "/login" {
                    // The sign-in form is open to everyone; it carries its own double-submit
                    // pair, not a session's. Empty, it answers 422 naming the fields.
                    let (cookie, token) = app.login_form().await;
                    let cookie = format!("{cookie}; {}", principal.browser.cookie);
                    app.post(&path, &format!("csrf={token}"), Some(&cookie), None)
                        .await
                } else if route.method == "POST" {
                    app.submit(&path, "", &principal.browser).await
                } else {
                    app.get(&path, Some(&principal.browser.cookie)).await
                };
                let location = page.headers.get("location").and_then(|v| v.to_str().ok());
                let was_denied = if route.path == "/logout" {
                    // A successful sign-out also redirects to /login: it is told by the cookie
                    // it clears.
                    !page
                        .headers
                        .get("set-cookie")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.contains("Max-Age=0"))
                } else {
                    denied(page.status, location)
                };
                if was_denied == row[column] {
                    failures.push(format!(
                        "{} {} as {}: expected {}, got {} {}",
                        route.method,
                        route.path,
                        principal.label,
                        if row[column] { "allowed" } else { "denied" },
                        page.status,
                        location.unwrap_or("")
                    ));
                }
                if was_denied {
                    // A refusal never carries the tenant's data.
                    assert!(!page.body.contains("КОВАЛЕНКО") && !page.body.contains("KOVALENKO"));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{}: {} cells disagree with the matrix:\n{}",
            app.backend,
            failures.len(),
            failures.join("\n")
        );
    }
}
