//! HTTPS between instances (issue 5) over real sockets on loopback, on both backends: the
//! server listens with a self-signed certificate made here (`web::serve_tls`), and bureau A's
//! sender reaches the agency only through the certificate pinned for it. A certificate that is
//! not the pinned one is refused before anything is sent: nothing is applied, and the sender
//! keeps the envelope and delivers it once the right certificate is pinned. The agency also
//! fetches what bureau A holds for it from A's outbox (pull), with signed requests that the
//! outbox checks against the keys it pinned.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use domain::{FieldKey, NamePartKind, PersonCategory, Presence};
use store::{NewAssertion, NewPeer, NewPerson, Store, TenantScope};
use time::OffsetDateTime;
use transmit::{KeyOwner, PullRequest, SecretKey, SignedPullRequest};
use web::transmission::pull::{OUTBOX_PATH, pull_pending};
use web::transmission::push::{Endpoint, one_peer, push_pending, seal_new, seal_new_bounded};
use web::transmission::status::{peer_status, pull_due_at};
use web::transmission::tls::{certificate_pin, server_config};

use crate::changes::{clerk_source, three};
use crate::harness::{App, apps, config, name};

const TIMEOUT: Duration = Duration::from_secs(20);

/// A self-signed certificate for 127.0.0.1, written to `dir`: `(certificate, key, pin)`.
fn certificate(
    dir: &std::path::Path,
    stem: &str,
) -> (std::path::PathBuf, std::path::PathBuf, String) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert = dir.join(format!("{stem}.pem"));
    let key = dir.join(format!("{stem}.key"));
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key, certificate_pin(made.cert.der()))
}

/// The app's store served over TLS on a loopback port; the server stops when the task is
/// aborted.
async fn serve_tls(
    app: &App,
    cert: &std::path::Path,
    key: &std::path::Path,
) -> (String, tokio::task::JoinHandle<std::io::Result<()>>) {
    let tls = server_config(cert, key).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut serve_config = config(false);
    serve_config.addr = addr;
    let store = app.store.clone();
    let server =
        tokio::spawn(async move { web::serve_tls(store, serve_config, listener, &tls).await });
    (format!("https://{addr}"), server)
}

/// Registers a prisoner of war at `scope`'s bureau, with a name.
async fn register(store: &Store, scope: &TenantScope, reference: &str, family: &str) {
    let source = clerk_source(store, scope).await;
    store
        .register_person(
            scope,
            source,
            &NewPerson {
                reference: reference.into(),
                category: PersonCategory::PrisonerOfWar,
                assertions: vec![NewAssertion {
                    field: FieldKey::Name,
                    value: Presence::Present(name(
                        &[
                            (NamePartKind::Given, "Petro"),
                            (NamePartKind::Family, family),
                        ],
                        "uk",
                    )),
                    locator: "line 1".into(),
                }],
                events: vec![],
            },
        )
        .await
        .unwrap();
}

async fn held(store: &Store, scope: &TenantScope, reference: &str) -> bool {
    store.person_id_by_reference(scope, reference).await.is_ok()
}

async fn peer(store: &Store, scope: &TenantScope, name: &str) -> store::PeerSetting {
    store
        .peers(scope)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.peer == name)
        .unwrap()
}

/// Sets a peer of `tenant` and runs one round of the sender for it (seal, push, pull): the
/// set-up the tests share.
async fn set_and_run(
    store: &Store,
    tenant: &domain::Tenant,
    setting: NewPeer<'_>,
) -> web::transmission::push::RoundReport {
    let scope = store.operator_scope(tenant, "test");
    store.set_peer(&scope, &setting).await.unwrap();
    let setting = peer(store, &scope, setting.peer).await;
    run_peer(store, tenant, &scope, &setting).await
}

/// One round of the sender loop for one peer, through the peer's own endpoint.
async fn run_peer(
    store: &Store,
    tenant: &domain::Tenant,
    scope: &store::TenantScope,
    setting: &store::PeerSetting,
) -> web::transmission::push::RoundReport {
    one_peer(
        store,
        tenant,
        scope,
        setting,
        Endpoint::of(setting).as_ref(),
        TIMEOUT,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn pushes_reach_the_agency_over_https_only_through_the_pinned_certificate() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        let dir = tempfile::tempdir().unwrap();
        let (cert, key, pin) = certificate(dir.path(), "agency");
        let (_, _, other_pin) = certificate(dir.path(), "impostor");
        let (url, server) = serve_tls(&app, &cert, &key).await;

        register(store, &scope_a, "A-TLS", "Bondar").await;
        store
            .set_peer(
                &scope_a,
                &NewPeer {
                    url: Some(&url),
                    tls_pin: Some(&other_pin),
                    ..NewPeer::new("agency", "agency")
                },
            )
            .await
            .unwrap();
        let setting = peer(store, &scope_a, "agency").await;
        assert_eq!(
            seal_new(store, &t.bureau_a, &scope_a, &setting)
                .await
                .unwrap(),
            1,
            "{}",
            app.backend
        );

        // A certificate other than the one pinned: refused in the handshake, with the reason;
        // nothing reaches the agency and the envelope is kept.
        let wrong = Endpoint::of(&setting).unwrap();
        let report = push_pending(store, &scope_a, "agency", &wrong, TIMEOUT)
            .await
            .unwrap();
        let failure = report.failure.clone().unwrap_or_default();
        assert!(failure.starts_with("TLS with the peer failed"), "{failure}");
        assert!(
            failure.contains(&format!("but {other_pin} is pinned")),
            "{failure}"
        );
        assert!(failure.contains(&pin), "{failure}");
        assert_eq!((report.pushed, report.pending), (0, 1), "{report:?}");
        assert!(!held(store, &scope_agency, "bureau-a:A-TLS").await);

        // Plain HTTP to the TLS listener gets no answer it can use; nothing is applied either.
        let plain = Endpoint::new(&url.replace("https://", "http://"), None);
        let report = push_pending(store, &scope_a, "agency", &plain, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(report.failure.is_some(), "{report:?}");
        assert_eq!(report.pending, 1);
        // https:// without a pin is refused before connecting: no web certificate authority
        // is trusted.
        let unpinned = Endpoint::new(&url, None);
        let report = push_pending(store, &scope_a, "agency", &unpinned, TIMEOUT)
            .await
            .unwrap();
        assert!(
            report
                .failure
                .as_deref()
                .is_some_and(|f| f.contains("needs the peer's certificate pinned")),
            "{report:?}"
        );
        assert!(!held(store, &scope_agency, "bureau-a:A-TLS").await);

        // The right certificate pinned: the kept envelope is delivered and acknowledged.
        let report = set_and_run(
            store,
            &t.bureau_a,
            NewPeer {
                url: Some(&url),
                tls_pin: Some(&pin),
                ..NewPeer::new("agency", "agency")
            },
        )
        .await;
        assert_eq!(report.failure, None, "{}", app.backend);
        assert_eq!((report.pushed, report.pending), (1, 0), "{report:?}");
        assert!(held(store, &scope_agency, "bureau-a:A-TLS").await);
        assert!(
            store
                .pending_transmissions(&scope_a, "agency")
                .await
                .unwrap()
                .is_empty()
        );
        server.abort();
    }
}

#[tokio::test]
async fn the_agency_pulls_from_the_bureaus_outbox_over_https_with_signed_requests() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        let dir = tempfile::tempdir().unwrap();
        let (cert, key, pin) = certificate(dir.path(), "bureau-a");
        let (url, server) = serve_tls(&app, &cert, &key).await;

        // Bureau A keeps what it seals for the agency in its outbox (it pushes nothing).
        store
            .set_peer(
                &scope_a,
                &NewPeer {
                    outbox: true,
                    ..NewPeer::new("agency", "agency")
                },
            )
            .await
            .unwrap();
        for (reference, family) in [("A-P1", "Shevchuk"), ("A-P2", "Lysenko")] {
            register(store, &scope_a, reference, family).await;
        }
        let holder = peer(store, &scope_a, "agency").await;
        let report = one_peer(store, &t.bureau_a, &scope_a, &holder, None, TIMEOUT)
            .await
            .unwrap();
        assert_eq!((report.sealed, report.pushed), (1, 0), "{report:?}");
        // A second person, a second envelope.
        register(store, &scope_a, "A-P3", "Tkachenko").await;
        let report = one_peer(store, &t.bureau_a, &scope_a, &holder, None, TIMEOUT)
            .await
            .unwrap();
        assert_eq!((report.sealed, report.pending), (1, 2), "{report:?}");

        // The agency fetches both, applies them, and its receipts empty A's outbox.
        let report = set_and_run(
            store,
            &t.agency,
            NewPeer {
                url: Some(&url),
                tls_pin: Some(&pin),
                pull: true,
                ..NewPeer::new("bureau-a", "agency")
            },
        )
        .await;
        let puller = peer(store, &scope_agency, "bureau-a").await;
        assert_eq!(report.failure, None, "{}", app.backend);
        assert_eq!(report.pulled, 2, "{report:?}");
        for reference in ["bureau-a:A-P1", "bureau-a:A-P2", "bureau-a:A-P3"] {
            assert!(held(store, &scope_agency, reference).await, "{reference}");
        }
        assert!(
            store
                .pending_transmissions(&scope_a, "agency")
                .await
                .unwrap()
                .is_empty(),
            "{}",
            app.backend
        );
        // Again: nothing waits, nothing is applied twice.
        let again = pull_pending(
            store,
            &t.agency,
            &scope_agency,
            "bureau-a",
            &Endpoint::of(&puller).unwrap(),
            TIMEOUT,
        )
        .await
        .unwrap();
        assert_eq!((again.fetched, again.failure), (0, None));
        let applied = store
            .applied_on_channel(&scope_agency, "bureau-a", "agency")
            .await
            .unwrap();
        assert_eq!(applied.len(), 2, "{applied:?}");

        // A wrong pin for the holder: refused, nothing fetched.
        let (_, _, other_pin) = certificate(dir.path(), "impostor");
        let report = pull_pending(
            store,
            &t.agency,
            &scope_agency,
            "bureau-a",
            &Endpoint::new(&url, Some(&other_pin)),
            TIMEOUT,
        )
        .await
        .unwrap();
        assert!(
            report
                .failure
                .as_deref()
                .is_some_and(|f| f.contains("is pinned for it")),
            "{report:?}"
        );
        server.abort();
    }
}

/// Issue 5, per-peer pull schedule: the agency pulls from bureau A every hour
/// (`peer set --pull-every 3600`) and from bureau B every round. In a second round, moments
/// after the first, what bureau B holds is fetched; what bureau A holds waits in its outbox
/// until A's hour has passed.
#[tokio::test]
async fn a_peer_with_a_long_pull_interval_is_not_pulled_again_within_it_while_another_is() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_b = store.operator_scope(&t.bureau_b, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        let dir = tempfile::tempdir().unwrap();
        let (cert, key, pin) = certificate(dir.path(), "bureaus");
        let (url, server) = serve_tls(&app, &cert, &key).await;

        // Both bureaus keep what they seal for the agency in their outboxes.
        let outbox = NewPeer {
            outbox: true,
            ..NewPeer::new("agency", "agency")
        };
        store.set_peer(&scope_a, &outbox).await.unwrap();
        store.set_peer(&scope_b, &outbox).await.unwrap();
        let seal = async |tenant: &domain::Tenant, scope: &TenantScope, reference, family| {
            register(store, scope, reference, family).await;
            let holder = peer(store, scope, "agency").await;
            let report = one_peer(store, tenant, scope, &holder, None, TIMEOUT)
                .await
                .unwrap();
            assert_eq!(report.sealed, 1, "{reference}: {report:?}");
        };
        seal(&t.bureau_a, &scope_a, "A-S1", "Melnyk").await;
        seal(&t.bureau_b, &scope_b, "B-S1", "Bondar").await;

        // The agency pulls A every hour, B every round; the first round fetches from both.
        let hourly = set_and_run(
            store,
            &t.agency,
            NewPeer {
                url: Some(&url),
                tls_pin: Some(&pin),
                pull: true,
                pull_every: Some(3600),
                ..NewPeer::new("bureau-a", "agency")
            },
        )
        .await;
        assert_eq!(
            (hourly.pulled, hourly.failure),
            (1, None),
            "{}",
            app.backend
        );
        let every_round = set_and_run(
            store,
            &t.agency,
            NewPeer {
                url: Some(&url),
                tls_pin: Some(&pin),
                pull: true,
                ..NewPeer::new("bureau-b", "agency")
            },
        )
        .await;
        assert_eq!((every_round.pulled, every_round.failure), (1, None));
        assert!(held(store, &scope_agency, "bureau-a:A-S1").await);
        assert!(held(store, &scope_agency, "bureau-b:B-S1").await);
        let puller_a = peer(store, &scope_agency, "bureau-a").await;
        let puller_b = peer(store, &scope_agency, "bureau-b").await;
        assert_eq!(puller_a.pull_every, Some(3600));
        let first_pull_a = peer_status(store, &scope_agency, "bureau-a")
            .await
            .unwrap()
            .last_pull
            .unwrap();

        // Something new waits at both bureaus; the second round fetches only from B.
        seal(&t.bureau_a, &scope_a, "A-S2", "Kovalenko").await;
        seal(&t.bureau_b, &scope_b, "B-S2", "Savchenko").await;
        let report = run_peer(store, &t.agency, &scope_agency, &puller_a).await;
        assert_eq!(
            (report.pulled, report.failure),
            (0, None),
            "{}",
            app.backend
        );
        let report = run_peer(store, &t.agency, &scope_agency, &puller_b).await;
        assert_eq!(
            (report.pulled, report.failure),
            (1, None),
            "{}",
            app.backend
        );
        assert!(held(store, &scope_agency, "bureau-b:B-S2").await);
        assert!(!held(store, &scope_agency, "bureau-a:A-S2").await);
        assert_eq!(
            store
                .pending_transmissions(&scope_a, "agency")
                .await
                .unwrap()
                .len(),
            1,
            "A's envelope waits in its outbox"
        );
        let status_a = peer_status(store, &scope_agency, "bureau-a").await.unwrap();
        assert_eq!(status_a.last_pull, Some(first_pull_a));

        // Once the hour has passed, A is due again (B always is).
        let within = first_pull_a + time::Duration::seconds(3599);
        let after = first_pull_a + time::Duration::seconds(3600);
        assert!(!pull_due_at(&status_a, &puller_a, within));
        assert!(pull_due_at(&status_a, &puller_a, after));
        let status_b = peer_status(store, &scope_agency, "bureau-b").await.unwrap();
        assert!(pull_due_at(&status_b, &puller_b, within));
        server.abort();
    }
}

/// What the outbox answered: the status, the pending header and the body (a bundle is binary).
struct Answer {
    status: StatusCode,
    pending: String,
    body: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn outbox(app: &App, body: Vec<u8>) -> Answer {
    use tower::ServiceExt as _;
    let mut request = Request::post(OUTBOX_PATH)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let client: std::net::SocketAddr = crate::harness::CLIENT.parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(client));
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let pending = response
        .headers()
        .get("x-whereabouts-pending")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        pending,
        body,
    }
}

fn signed(requester_key: &SecretKey, holder: &str, at: OffsetDateTime) -> Vec<u8> {
    let request = PullRequest {
        format: transmit::FORMAT_VERSION,
        requester: requester_key.public.owner.tenant.clone(),
        holder: holder.to_owned(),
        at: at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
        receipts: vec![],
    };
    SignedPullRequest::sign(&request, requester_key)
        .unwrap()
        .to_bytes()
}

#[tokio::test]
async fn the_outbox_answers_only_pinned_peers_with_fresh_signed_requests() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        register(store, &scope_a, "A-O1", "Hnatiuk").await;
        store
            .set_peer(
                &scope_a,
                &NewPeer {
                    outbox: true,
                    ..NewPeer::new("agency", "agency")
                },
            )
            .await
            .unwrap();
        let holder = peer(store, &scope_a, "agency").await;
        seal_new(store, &t.bureau_a, &scope_a, &holder)
            .await
            .unwrap();
        let now = OffsetDateTime::now_utc();

        // The agency's own key: the bundle, encrypted to the agency.
        let page = outbox(&app, signed(&t.keys_agency.seal, "bureau-a", now)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.backend);
        assert_eq!(page.pending, "1");
        assert!(page.body.starts_with(b"WAB2"), "a bundle");

        // A key bureau A never pinned for the agency.
        let stranger = SecretKey::generate(
            KeyOwner {
                tenant: "agency".into(),
                officer: None,
            },
            &web::transmission::now_text(),
        )
        .unwrap();
        let page = outbox(&app, signed(&stranger, "bureau-a", now)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.text());
        assert!(page.text().contains("unknown-key"), "{}", page.text());
        // Bureau B is pinned by the agency, not by bureau A: an unknown requester.
        let keys_b = crate::changes::keys_for(store, &t.bureau_b).await;
        let page = outbox(&app, signed(&keys_b.seal, "bureau-a", now)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.text());
        assert!(page.text().contains("unknown-sender"), "{}", page.text());
        // An old request (replayed): refused with the clock skew named.
        let page = outbox(
            &app,
            signed(
                &t.keys_agency.seal,
                "bureau-a",
                now - time::Duration::hours(1),
            ),
        )
        .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.text());
        assert!(page.text().contains("stale-request"), "{}", page.text());
        assert!(page.text().contains("3600 s"), "{}", page.text());
        // A holder this instance does not hold, and a body that is not a request.
        let page = outbox(&app, signed(&t.keys_agency.seal, "bureau-z", now)).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.text());
        let page = outbox(&app, b"{\"body\":1}".to_vec()).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.text());
        assert!(
            page.text().contains("not a pull request"),
            "{}",
            page.text()
        );
        // A receipt that does not verify is named, and nothing is acknowledged.
        let request = PullRequest {
            format: transmit::FORMAT_VERSION,
            requester: "agency".into(),
            holder: "bureau-a".into(),
            at: web::transmission::now_text(),
            receipts: vec!["{\"body\":\"{}\",\"key\":\"ed25519:00\",\"signature\":\"00\"}".into()],
        };
        let body = SignedPullRequest::sign(&request, &t.keys_agency.seal)
            .unwrap()
            .to_bytes();
        let page = outbox(&app, body).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.text()
        );
        assert!(page.text().contains("receipt 1"), "{}", page.text());
        assert_eq!(
            store
                .pending_transmissions(&scope_a, "agency")
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

/// Bureau A's setting for the agency at `url` with `pins`.
fn at<'a>(url: &'a str, pins: &'a str) -> NewPeer<'a> {
    NewPeer {
        url: Some(url),
        tls_pin: Some(pins),
        ..NewPeer::new("agency", "agency")
    }
}

/// While the agency renews its certificate, bureau A pins both (the old and the new): either
/// is accepted, a third is not; once the old pin is removed, only the new one is.
#[tokio::test]
async fn two_pins_while_a_certificate_is_renewed_accept_the_old_and_the_new() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        let dir = tempfile::tempdir().unwrap();
        let (old_cert, old_key, old_pin) = certificate(dir.path(), "agency-old");
        let (new_cert, new_key, new_pin) = certificate(dir.path(), "agency-new");
        let (_, _, third_pin) = certificate(dir.path(), "impostor");
        let both = format!("{old_pin} {new_pin}");

        // The agency still serves the old certificate: accepted.
        let (url, server) = serve_tls(&app, &old_cert, &old_key).await;
        register(store, &scope_a, "A-R1", "Hnatiuk").await;
        let report = set_and_run(store, &t.bureau_a, at(&url, &both)).await;
        assert_eq!(report.failure, None, "{}", app.backend);
        assert_eq!(report.pushed, 1, "{report:?}");
        server.abort();

        // It switches to the new one: accepted too, with the same setting.
        let (url, server) = serve_tls(&app, &new_cert, &new_key).await;
        register(store, &scope_a, "A-R2", "Savchuk").await;
        let report = set_and_run(store, &t.bureau_a, at(&url, &both)).await;
        assert_eq!(report.failure, None, "{}", app.backend);
        assert!(held(store, &scope_agency, "bureau-a:A-R2").await);

        // A third certificate is still refused, naming both pins.
        register(store, &scope_a, "A-R3", "Marchenko").await;
        let report = set_and_run(
            store,
            &t.bureau_a,
            at(&url, &format!("{old_pin} {third_pin}")),
        )
        .await;
        let failure = report.failure.unwrap_or_default();
        assert!(
            failure.contains(&format!("but {old_pin} or {third_pin} is pinned")),
            "{failure}"
        );
        assert!(!held(store, &scope_agency, "bureau-a:A-R3").await);

        // The old pin removed: the new certificate alone is accepted.
        let report = set_and_run(store, &t.bureau_a, at(&url, &new_pin)).await;
        assert_eq!(report.failure, None);
        assert!(held(store, &scope_agency, "bureau-a:A-R3").await);
        server.abort();

        // Three pins, the same pin twice, or a malformed second pin: refused by name.
        for (pins, expected) in [
            (
                format!("{old_pin} {new_pin} {third_pin}"),
                "one pin, or two",
            ),
            (format!("{new_pin} {new_pin}"), "given twice"),
            (
                format!("{new_pin} sha256:nothex"),
                "64 lowercase hex digits",
            ),
        ] {
            let refused = store.set_peer(&scope_a, &at(&url, &pins)).await;
            assert!(
                matches!(&refused, Err(store::StoreError::Invalid(m)) if m.contains(expected)),
                "{pins}: {refused:?}"
            );
        }
        assert_eq!(
            peer(store, &scope_a, "agency").await.tls_pin.as_deref(),
            Some(new_pin.as_str())
        );
    }
}

/// "Pull now" on the peers page fetches at once what bureau A's outbox holds for the agency,
/// without the sender loop; the page shows the pins, what waits, the last pull and the last
/// failure.
#[tokio::test]
async fn pull_now_from_the_peers_page_fetches_at_once_and_shows_the_last_failure() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        let dir = tempfile::tempdir().unwrap();
        let (cert, key, pin) = certificate(dir.path(), "bureau-a");
        let (url, server) = serve_tls(&app, &cert, &key).await;
        register(store, &scope_a, "A-N1", "Kravets").await;
        let report = set_and_run(
            store,
            &t.bureau_a,
            NewPeer {
                outbox: true,
                ..NewPeer::new("agency", "agency")
            },
        )
        .await;
        assert_eq!((report.sealed, report.pending), (1, 1), "{report:?}");
        store
            .set_peer(
                &scope_agency,
                &NewPeer {
                    url: Some(&url),
                    tls_pin: Some(&pin),
                    pull: true,
                    ..NewPeer::new("bureau-a", "agency")
                },
            )
            .await
            .unwrap();

        let reviewer = app.browser("reviewer").await;
        let page = app.get("/peers", Some(&reviewer.cookie)).await;
        assert_eq!(page.status, axum::http::StatusCode::OK);
        assert!(page.body.contains(&pin), "{}", page.body);
        assert!(page.body.contains("/peers/bureau-a/pull"));
        // No interval set: pulled every round of the loop (issue 5, `--pull-every`).
        assert!(page.body.contains("pull every round"), "{}", page.body);
        // Bureau A's page shows the envelope waiting in its outbox.
        let officer = app.browser("officer-a").await;
        let page = app.get("/peers", Some(&officer.cookie)).await;
        assert!(page.body.contains("<td>1</td>"), "{}", page.body);

        let pulled = app.submit("/peers/bureau-a/pull", "", &reviewer).await;
        assert_eq!(
            pulled.status,
            axum::http::StatusCode::SEE_OTHER,
            "{}",
            pulled.body
        );
        assert!(
            held(store, &scope_agency, "bureau-a:A-N1").await,
            "{}",
            app.backend
        );
        assert!(
            store
                .pending_transmissions(&scope_a, "agency")
                .await
                .unwrap()
                .is_empty()
        );
        let status = web::transmission::status::peer_status(store, &scope_agency, "bureau-a")
            .await
            .unwrap();
        assert!(
            status.last_pull.is_some() && status.last_error.is_none(),
            "{status:?}"
        );

        // A peer not set to pull is named.
        let unknown = app.submit("/peers/bureau-b/pull", "", &reviewer).await;
        assert_eq!(unknown.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY);

        // The holder is down: the failure shows on the page, nothing is lost.
        server.abort();
        let _ = server.await;
        register(store, &scope_a, "A-N2", "Honchar").await;
        let setting = peer(store, &scope_a, "agency").await;
        seal_new(store, &t.bureau_a, &scope_a, &setting)
            .await
            .unwrap();
        let pulled = app.submit("/peers/bureau-a/pull", "", &reviewer).await;
        assert_eq!(pulled.status, axum::http::StatusCode::SEE_OTHER);
        let page = app.get("/peers", Some(&reviewer.cookie)).await;
        assert!(page.body.contains("pull: "), "{}", page.body);
        assert!(!held(store, &scope_agency, "bureau-a:A-N2").await);
        assert_eq!(
            store
                .pending_transmissions(&scope_a, "agency")
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

/// Issue 5 (XC-5): the sender loop's first round of a bureau larger than an envelope seals
/// several bounded envelopes, each recorded before the next, and pushes them over HTTPS one at
/// a time; the agency applies each once and the bureau's compliance view counts each card sent
/// once and acknowledged. The same envelopes as over files (`transmit_bounded.rs`).
#[tokio::test]
async fn a_bureaus_first_round_is_pushed_over_https_in_bounded_envelopes() {
    use crate::transmit_bounded::{PER_ENVELOPE, each_card_sent, each_carried_once};
    for app in apps().await {
        let store = &app.store;
        let backend = app.backend;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        let held_before = store.count_persons(&scope_agency).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (cert, key, pin) = certificate(dir.path(), "agency");
        let (url, server) = serve_tls(&app, &cert, &key).await;
        let ids = crate::transmit_bounded::register(store, &scope_a).await;
        store
            .set_peer(
                &scope_a,
                &NewPeer {
                    url: Some(&url),
                    tls_pin: Some(&pin),
                    ..NewPeer::new("agency", "agency")
                },
            )
            .await
            .unwrap();
        let setting = peer(store, &scope_a, "agency").await;
        assert_eq!(
            seal_new_bounded(store, &t.bureau_a, &scope_a, &setting, PER_ENVELOPE)
                .await
                .unwrap(),
            3,
            "{backend}: 500, 500 and 201 cards (the fixture's person first)"
        );
        let heads = store
            .pending_transmission_heads(&scope_a, "agency")
            .await
            .unwrap();
        let sequences: Vec<i64> = heads.iter().map(|h| h.sequence).collect();
        assert_eq!(sequences, [1, 2, 3], "{backend}: gapless");
        assert!(heads.iter().all(|h| h.envelope.is_empty()), "heads only");
        // Nothing more to seal: every card is in an envelope.
        assert_eq!(
            seal_new_bounded(store, &t.bureau_a, &scope_a, &setting, PER_ENVELOPE)
                .await
                .unwrap(),
            0,
            "{backend}"
        );
        each_carried_once(store, &scope_a, &ids, backend).await;

        let endpoint = Endpoint::of(&setting).unwrap();
        let report = push_pending(store, &scope_a, "agency", &endpoint, TIMEOUT)
            .await
            .unwrap();
        assert_eq!(report.failure, None, "{backend}");
        assert_eq!((report.pushed, report.pending), (3, 0), "{backend}");
        assert_eq!(
            store.count_persons(&scope_agency).await.unwrap() - held_before,
            store.count_persons(&scope_a).await.unwrap(),
            "{backend}: every person once"
        );
        assert!(held(store, &scope_agency, "bureau-a:X-01199").await);
        // Pushed again (a lost receipt, say): nothing is pending, nothing is applied twice.
        let again = push_pending(store, &scope_a, "agency", &endpoint, TIMEOUT)
            .await
            .unwrap();
        assert_eq!((again.pushed, again.pending), (0, 0), "{backend}");
        each_card_sent(store, &scope_a, true, backend).await;
        server.abort();
    }
}
