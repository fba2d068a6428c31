//! Issue 5, "done when": three separate instances on loopback (party A's bureau, the agency,
//! party B's bureau), each with its own database (the agency on PostgreSQL when
//! `WHEREABOUTS_TEST_POSTGRES` is set), driven through the real binary. A person registered at
//! A reaches the agency, is proposed for a family's tracing request, and reaches B's bureau as
//! information about its own national, over files and over HTTP pushes. Also: a kill -9
//! during ingest, a peer that is down, an unknown peer pushing, and the compliance numbers.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use domain::{NamePart, NamePartKind, PersonName};
use store::{DatabaseUrl, NewTracingRequest, Store, TenantScope, UserRole};

use crate::harness::{Instance, http, stderr};
use crate::transmit::{keyed, ok, pin, register, s, transmit_args};

pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

pub(crate) fn store_of(rt: &tokio::runtime::Runtime, instance: &Instance) -> Store {
    let url = instance.database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}",
            instance.path("data").join("whereabouts.db").display()
        )
    });
    let store = rt
        .block_on(Store::open(&DatabaseUrl::parse(&url).unwrap()))
        .unwrap();
    // On PostgreSQL the CLI keeps the master key in the data directory (issue 7); a direct
    // handle needs the same key to seal and open protected fields.
    if store.key_provider().is_none() {
        let key = vault::FileKeyProvider::open_or_create(&instance.path("data").join("master.key"))
            .unwrap();
        return store.with_key_provider(std::sync::Arc::new(key));
    }
    store
}

pub(crate) fn scope(rt: &tokio::runtime::Runtime, store: &Store, tenant: &str) -> TenantScope {
    let tenant = rt.block_on(store.tenant_by_slug(tenant)).unwrap();
    store.operator_scope(&tenant, "test")
}

fn add_agency(instance: &Instance) {
    ok(
        instance,
        &[
            "tenant",
            "add",
            "agency",
            "--name",
            "Central Tracing Agency",
            "--kind",
            "agency",
        ],
    );
    keyed(instance, "agency");
}

/// Party A's bureau, the agency and party B's bureau, each on its own database, with keys
/// exchanged: A ↔ agency and agency ↔ B. A and B never pin each other.
pub(crate) struct Net {
    pub(crate) a: Instance,
    pub(crate) agency: Instance,
    pub(crate) b: Instance,
}

pub(crate) fn net() -> Net {
    let a = Instance::sqlite();
    keyed(&a, "bureau-a");
    let agency = Instance::postgres().unwrap_or_else(Instance::sqlite);
    add_agency(&agency);
    let b = Instance::sqlite();
    keyed(&b, "bureau-b");
    pin(&a, "bureau-a", &agency, "agency", "agency-keys-a.json");
    pin(&agency, "agency", &a, "bureau-a", "a-keys.json");
    pin(&b, "bureau-b", &agency, "agency", "agency-keys-b.json");
    pin(&agency, "agency", &b, "bureau-b", "b-keys.json");
    Net { a, agency, b }
}

/// A Borovian prisoner of war held by Aldera (sought by the family), a Borovian civilian
/// internee whose bureau judged transmission to Borovia detrimental, and a prisoner of a
/// third party. Captured 20 days ago, so the cards (due within 7 days) go out late.
fn rows() -> Vec<String> {
    let captured = (time::OffsetDateTime::now_utc() - time::Duration::days(20)).date();
    vec![
        format!("A-1,pow,Олександр,Петрович,Коваленко,uk,M,1991-04-17,Київ,XB,AB-123,{captured}"),
        format!("A-2,civilian-internee,Тарас,,Мельник,uk,M,1988,Львів,XB,,{captured}"),
        format!("A-3,pow,Ion,,Popescu,ro,M,1990,Chisinau,XC,C-77,{captured}"),
    ]
}

pub(crate) fn register_persons(net: &Net) {
    let rows = rows();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    register(&net.a, "bureau-a", &rows);
    ok(
        &net.a,
        &[
            "detriment",
            "--tenant",
            "bureau-a",
            "--person",
            "A-2",
            "--reason",
            "relatives at risk in the country of origin",
        ],
    );
}

/// The family's tracing request at the agency, and a caseworker's API token.
pub(crate) fn tracing_request(rt: &tokio::runtime::Runtime, agency: &Instance) -> (String, String) {
    let store = store_of(rt, agency);
    let scope = scope(rt, &store, "agency");
    let request = rt
        .block_on(
            store.create_tracing_request(
                &scope,
                &NewTracingRequest {
                    reference: "TR-1".into(),
                    enquirer_name: "Enquirer".into(),
                    enquirer_contact: "Street 1".into(),
                    relationship: "mother".into(),
                    sought_name: PersonName::new(vec![
                        NamePart::new(NamePartKind::Given, "Oleksandr", None).unwrap(),
                        NamePart::new(NamePartKind::Family, "Kovalenko", None).unwrap(),
                    ])
                    .unwrap(),
                    sought_birth: Some(domain::PartialDate::parse("1991-04-17").unwrap()),
                    sought_birth_place: None,
                    sought_father_name: None,
                    circumstances: "Separated in November".into(),
                    consent_tracing: true,
                    consent_share: false,
                    language: Some("uk".into()),
                },
            ),
        )
        .unwrap();
    let tenant = rt.block_on(store.tenant_by_slug("agency")).unwrap();
    let mut secret = [0u8; 32];
    for (i, byte) in secret.iter_mut().enumerate() {
        *byte = u8::try_from(i).unwrap().wrapping_mul(37).wrapping_add(11);
    }
    let hash = {
        use sha2::Digest as _;
        sha2::Sha256::digest(secret).to_vec()
    };
    rt.block_on(store.create_api_token(&store::NewApiToken {
        token_hash: &hash,
        tenant: tenant.id,
        role: UserRole::Caseworker,
        label: "network test",
        created_by: None,
        expires_at: time::OffsetDateTime::now_utc() + time::Duration::days(1),
    }))
    .unwrap();
    rt.block_on(store.close());
    (request.to_string(), format!("wbt_{}", hex::encode(secret)))
}

/// A running `whereabouts serve`; killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(instance: &Instance, listen: &str, push_interval: u64) -> Server {
    serve_with(instance, listen, push_interval, &[])
}

/// A self-signed certificate for 127.0.0.1 in the instance's directory: `(cert, key)` paths.
/// Each instance has its own; a peer pins it with `peer set --tls-cert`.
pub(crate) fn certificate(instance: &Instance) -> (String, String) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert = instance.path("tls-cert.pem");
    let key = instance.path("tls-key.pem");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (s(&cert).to_owned(), s(&key).to_owned())
}

/// `serve` over HTTPS with the instance's certificate.
pub(crate) fn serve_tls(instance: &Instance, listen: &str, push_interval: u64) -> Server {
    let (cert, key) = certificate_paths(instance);
    serve_with(
        instance,
        listen,
        push_interval,
        &["--tls-cert", &cert, "--tls-key", &key],
    )
}

pub(crate) fn certificate_paths(instance: &Instance) -> (String, String) {
    (
        s(&instance.path("tls-cert.pem")).to_owned(),
        s(&instance.path("tls-key.pem")).to_owned(),
    )
}

fn serve_with(instance: &Instance, listen: &str, push_interval: u64, extra: &[&str]) -> Server {
    let interval = push_interval.to_string();
    let mut args = vec![
        "serve",
        "--listen",
        listen,
        "--push-interval",
        &interval,
        // Retries at most 2 s apart, so that a peer coming back is reached quickly.
        "--push-max-backoff",
        "2",
    ];
    args.extend_from_slice(extra);
    let mut child = instance
        .command(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    Server { child, addr }
}

/// A free loopback port, for a server started later.
pub(crate) fn free_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

pub(crate) fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

pub(crate) fn count(rt: &tokio::runtime::Runtime, instance: &Instance, tenant: &str) -> i64 {
    let store = store_of(rt, instance);
    let scope = scope(rt, &store, tenant);
    let n = rt.block_on(store.count_persons(&scope)).unwrap();
    rt.block_on(store.close());
    n
}

/// What the agency and B must hold at the end, whichever way the bundles travelled.
fn assert_outcome(rt: &tokio::runtime::Runtime, net: &Net, request: &str, token: &str) {
    // The agency holds all three, with provenance naming the bureau (XC-3).
    let export = net.agency.export("agency");
    for reference in ["bureau-a:A-1", "bureau-a:A-2", "bureau-a:A-3"] {
        assert!(export.contains(reference), "{export}");
    }
    // GC4-137-b: the detrimental flag never withholds from the agency.
    assert!(export.contains("Мельник"), "{export}");
    let store = store_of(rt, &net.agency);
    let agency = scope(rt, &store, "agency");
    let id = rt
        .block_on(store.person_id_by_reference(&agency, "bureau-a:A-1"))
        .unwrap();
    let record = rt.block_on(store.person(&agency, id)).unwrap();
    assert!(
        record.sources.iter().any(|s| s
            .reference
            .starts_with("notified by bureau-a (bureau-a) on ")),
        "{:?}",
        record.sources
    );

    // Every forwarding decision is recorded: A-1 forwarded, A-2 withheld as detrimental; A-3
    // is not a national of XB and gets no decision for bureau-b.
    let decisions = rt
        .block_on(store.forwarding_decisions(&agency, None))
        .unwrap();
    assert_eq!(decisions.len(), 2, "{decisions:?}");
    let a2 = rt
        .block_on(store.person_id_by_reference(&agency, "bureau-a:A-2"))
        .unwrap();
    for decision in &decisions {
        let d = &decision.decision;
        assert_eq!(d.recipient, "bureau-b");
        if d.person == id {
            assert!(d.forwarded && decision.transmission.is_some(), "{d:?}");
            assert!(d.fields_forwarded.contains(&"name".to_owned()), "{d:?}");
            // GC3-122-d lists no sex: withheld, with the reason.
            assert!(
                d.fields_withheld.iter().any(|f| f == "sex: not-listed"),
                "{d:?}"
            );
        } else {
            assert_eq!(d.person, a2);
            assert!(!d.forwarded && decision.transmission.is_none(), "{d:?}");
            assert!(d.reason.contains("GC4-137-b"), "{d:?}");
            assert!(d.reason.contains("relatives at risk"), "{d:?}");
        }
    }
    // XC-8: the receipt of A's envelope and both decisions are in the audit log, without names.
    let audit = rt.block_on(store.audit_entries(0, 10_000)).unwrap();
    let tenant = rt.block_on(store.tenant_by_slug("agency")).unwrap();
    let ours: Vec<_> = audit
        .iter()
        .filter(|e| e.tenant == Some(*tenant.id.as_uuid()))
        .collect();
    assert!(
        ours.iter().any(|e| e.action == "receive"
            && e.detail
                .starts_with("bureau-a #1 on the agency channel: applied")),
        "{ours:?}"
    );
    assert!(
        ours.iter().any(|e| e.action == "transmit"
            && e.object == format!("person:{id}")
            && e.detail.starts_with("forwarded to bureau-b")),
        "{ours:?}"
    );
    assert!(
        ours.iter().any(|e| e.action == "transmit"
            && e.object == format!("person:{a2}")
            && e.detail.contains("withheld from bureau-b")
            && e.detail.contains("detrimental")),
        "{ours:?}"
    );
    assert!(
        !ours
            .iter()
            .any(|e| e.detail.contains("Коваленко") || e.detail.contains("Мельник")),
        "{ours:?}"
    );
    rt.block_on(store.close());

    // B's bureau has the information about its own national, and nothing else.
    let export_b = net.b.export("bureau-b");
    assert!(export_b.contains("agency:bureau-a:A-1"), "{export_b}");
    assert!(export_b.contains("Коваленко"), "{export_b}");
    assert!(export_b.contains("AB-123"), "{export_b}");
    assert!(!export_b.contains("Мельник"), "{export_b}");
    assert!(!export_b.contains("Popescu"), "{export_b}");
    assert_eq!(export_b.lines().count(), 2, "{export_b}");

    // The matching engine proposes A-1 for the family's request (the same proposals as the
    // review page), and nothing was merged.
    let server = serve(&net.agency, "127.0.0.1:0", 0);
    let (status, body) = http(
        &server.addr,
        "GET",
        &format!("/api/v1/tracing-requests/{request}/proposals"),
        Some(token),
        b"",
    );
    assert_eq!(status, 200, "{body}");
    let first = body.find("\"reference\"").unwrap();
    assert!(
        body[first..].starts_with("\"reference\":\"bureau-a:A-1\""),
        "{body}"
    );
    drop(server);
    assert_eq!(count(rt, &net.agency, "agency"), 3);
}

fn compliance_of(
    rt: &tokio::runtime::Runtime,
    instance: &Instance,
    tenant: &str,
) -> web::transmission::compliance::Compliance {
    let store = store_of(rt, instance);
    let scope = scope(rt, &store, tenant);
    let report = rt
        .block_on(web::transmission::compliance::compute(
            &store,
            &scope,
            tenant,
            time::OffsetDateTime::now_utc(),
        ))
        .unwrap();
    rt.block_on(store.close());
    report
}

/// The capture cards went out after their 7-day deadline (GC3-70-a), and the agency
/// acknowledged them: the compliance numbers say exactly that.
fn assert_compliance(rt: &tokio::runtime::Runtime, a: &Instance) {
    let report = compliance_of(rt, a, "bureau-a");
    let card = report
        .rules
        .iter()
        .find(|r| r.rule == "GC3-70-a" && r.channel == "agency")
        .unwrap_or_else(|| panic!("{report:?}"));
    assert_eq!(
        (card.owed, card.sent_on_time, card.sent_late, card.overdue),
        (2, 0, 2, 0),
        "{card:?}"
    );
    assert_eq!(card.acknowledged, 2, "{card:?}");
    // GC4-136-b: the civilian held more than two weeks, recorded and transmitted late.
    let civilian = report
        .rules
        .iter()
        .find(|r| r.rule == "GC4-136-b" && r.channel == "agency")
        .unwrap_or_else(|| panic!("{report:#?}"));
    assert_eq!(
        (civilian.sent_late, civilian.acknowledged),
        (1, 1),
        "{civilian:?}"
    );
    // GC3-122-c: the bureau's first information, on the agency channel only (nothing went
    // through the protecting power, whose copies are overdue).
    let first = report
        .rules
        .iter()
        .find(|r| r.rule == "GC3-122-c" && r.channel == "agency")
        .unwrap_or_else(|| panic!("{report:#?}"));
    assert_eq!((first.sent_late, first.acknowledged), (2, 2), "{first:?}");
    let protecting = report
        .rules
        .iter()
        .find(|r| r.rule == "GC3-122-c" && r.channel == "protecting-power")
        .unwrap_or_else(|| panic!("{report:#?}"));
    assert_eq!(protecting.overdue, 2, "{protecting:?}");
    // The family's copy of the card (GC3-70-a, family channel) was never sent: overdue.
    let family = report
        .rules
        .iter()
        .find(|r| r.rule == "GC3-70-a" && r.channel == "family")
        .unwrap();
    assert_eq!(family.overdue, 2, "{family:?}");
    assert_eq!(report.sent.len(), 1, "{report:?}");
    assert_eq!(
        (
            report.sent[0].envelopes,
            report.sent[0].notices,
            report.sent[0].acknowledged
        ),
        (1, 3, 1)
    );
    assert!(
        report
            .late
            .iter()
            .any(|l| l.reference == "A-1" && l.status == "sent-late")
    );
}

#[test]
fn done_when_over_files_a_person_reaches_the_agency_the_family_and_their_own_bureau() {
    let rt = runtime();
    let net = net();
    register_persons(&net);
    let (request, token) = tracing_request(&rt, &net.agency);

    let bundle = net.a.path("a-1.wab");
    let out = ok(
        &net.a,
        &transmit_args("bureau-a", "agency", &[], s(&bundle)),
    );
    assert!(out.contains("3 card(s)"), "{out}");
    let out = ok(&net.agency, &["receive", "--tenant", "agency", s(&bundle)]);
    assert!(out.contains("6 notice(s) applied"), "{out}");
    // The acknowledgement goes back on the same stick.
    let ack = format!("{}.ack.json", s(&bundle));
    let out = ok(
        &net.a,
        &["receipt", "--tenant", "bureau-a", "--from", "agency", &ack],
    );
    assert!(out.contains("applied (6 notice(s))"), "{out}");

    ok(
        &net.agency,
        &[
            "peer", "set", "--tenant", "agency", "bureau-b", "--origin", "XB",
        ],
    );
    let forwarded = net.agency.path("to-b.wab");
    // An envelope of no person is refused by name, and nothing is written or decided.
    let refused = net.agency.run(&[
        "forward",
        "--tenant",
        "agency",
        "--to",
        "bureau-b",
        "--per-envelope",
        "0",
        "-o",
        s(&forwarded),
    ]);
    assert!(!refused.status.success());
    let refusal = stderr(&refused);
    assert!(refusal.contains("--per-envelope 0"), "{refusal}");
    assert!(!forwarded.exists());
    let out = ok(
        &net.agency,
        &[
            "forward",
            "--tenant",
            "agency",
            "--to",
            "bureau-b",
            "-o",
            s(&forwarded),
        ],
    );
    assert!(out.contains("1 person(s) forwarded, 1 withheld"), "{out}");
    let out = ok(&net.b, &["receive", "--tenant", "bureau-b", s(&forwarded)]);
    assert!(out.contains("applied agency #1"), "{out}");
    // A second forwarding run has nothing left to decide.
    let again = net.agency.path("to-b-2.wab");
    let out = ok(
        &net.agency,
        &[
            "forward",
            "--tenant",
            "agency",
            "--to",
            "bureau-b",
            "-o",
            s(&again),
        ],
    );
    assert!(out.contains("nothing to forward"), "{out}");
    assert!(!again.exists());

    assert_outcome(&rt, &net, &request, &token);
    assert_compliance(&rt, &net.a);
}

/// The same path over HTTPS between the three instances, each with its own self-signed
/// certificate, pinned by its peers (`peer set --tls-cert`); the power of origin is down at
/// first and the agency's sender keeps the forwarding until it comes up.
#[test]
fn done_when_over_https_with_the_power_of_origin_down_at_first() {
    let rt = runtime();
    let net = net();
    let (request, token) = tracing_request(&rt, &net.agency);
    for instance in [&net.a, &net.agency, &net.b] {
        certificate(instance);
    }
    let agency = serve_tls(&net.agency, "127.0.0.1:0", 1);
    let a = serve_tls(&net.a, "127.0.0.1:0", 1);
    // B's bureau is down: the agency knows where it will be, but nothing listens there yet.
    let b_addr = free_port();
    let (agency_cert, _) = certificate_paths(&net.agency);
    let out = ok(
        &net.a,
        &[
            "peer",
            "set",
            "--tenant",
            "bureau-a",
            "agency",
            "--url",
            &format!("https://{}", agency.addr),
            "--tls-cert",
            &agency_cert,
        ],
    );
    assert!(out.contains("certificate pinned: sha256:"), "{out}");
    let (b_cert, _) = certificate_paths(&net.b);
    ok(
        &net.agency,
        &[
            "peer",
            "set",
            "--tenant",
            "agency",
            "bureau-b",
            "--url",
            &format!("https://{b_addr}"),
            "--tls-cert",
            &b_cert,
            "--origin",
            "XB",
        ],
    );
    register_persons(&net);

    // A's sender seals the cards and pushes them; the agency applies them.
    wait_for(
        "the agency to hold A's persons",
        Duration::from_secs(240),
        || count(&rt, &net.agency, "agency") == 3,
    );
    // The agency's sender seals the forwarding to B and keeps it while B is down.
    wait_for(
        "the forwarding to be sealed and kept",
        Duration::from_secs(240),
        || {
            let store = store_of(&rt, &net.agency);
            let scope = scope(&rt, &store, "agency");
            let pending = rt
                .block_on(store.pending_transmissions(&scope, "bureau-b"))
                .unwrap();
            rt.block_on(store.close());
            pending.len() == 1
        },
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(count(&rt, &net.b, "bureau-b"), 0);

    // B comes up; the agency's sender retries and delivers what it kept.
    let b = serve_tls(&net.b, &b_addr, 0);
    wait_for("B to hold its national", Duration::from_secs(240), || {
        count(&rt, &net.b, "bureau-b") == 1
    });
    wait_for(
        "A's cards to be acknowledged",
        Duration::from_secs(240),
        || {
            let store = store_of(&rt, &net.a);
            let scope = scope(&rt, &store, "bureau-a");
            let pending = rt
                .block_on(store.pending_transmissions(&scope, "agency"))
                .unwrap();
            rt.block_on(store.close());
            pending.is_empty()
        },
    );
    drop(a);
    drop(agency);
    drop(b);
    assert_outcome(&rt, &net, &request, &token);
    assert_compliance(&rt, &net.a);
}

/// HTTPS through the binary: a certificate other than the one pinned makes `peer push` fail
/// with the reason, nothing is applied and the envelope is kept; once the right certificate is
/// pinned it is delivered. Bad TLS settings are refused with the problem named.
#[test]
fn https_to_a_certificate_not_pinned_is_refused_and_everything_kept() {
    let rt = runtime();
    let net = net();
    certificate(&net.agency);
    certificate(&net.a);
    let (agency_cert, _) = certificate_paths(&net.agency);
    let (a_cert, a_key) = certificate_paths(&net.a);
    let agency = serve_tls(&net.agency, "127.0.0.1:0", 0);
    let url = format!("https://{}", agency.addr);
    // Bureau A pins the wrong certificate for the agency (its own).
    ok(
        &net.a,
        &[
            "peer",
            "set",
            "--tenant",
            "bureau-a",
            "agency",
            "--url",
            &url,
            "--tls-cert",
            &a_cert,
        ],
    );
    let rows = rows();
    register(&net.a, "bureau-a", &[rows[0].as_str()]);
    let out = net.a.run(&["peer", "push", "--tenant", "bureau-a"]);
    assert!(!out.status.success());
    let error = stderr(&out);
    assert!(error.contains("TLS with the peer failed"), "{error}");
    assert!(error.contains("is pinned for it"), "{error}");
    assert!(error.contains("everything kept"), "{error}");
    assert_eq!(count(&rt, &net.agency, "agency"), 0);

    // The agency's own certificate: the kept envelope is delivered.
    ok(
        &net.a,
        &[
            "peer",
            "set",
            "--tenant",
            "bureau-a",
            "agency",
            "--url",
            &url,
            "--tls-cert",
            &agency_cert,
        ],
    );
    let out = ok(&net.a, &["peer", "push", "--tenant", "bureau-a"]);
    assert!(out.contains("0 sealed, 1 pushed"), "{out}");
    assert_eq!(count(&rt, &net.agency, "agency"), 1);
    drop(agency);

    // https:// without a pin, a pin without https://, a key that is not the certificate's.
    let out = net.a.run(&[
        "peer", "set", "--tenant", "bureau-a", "agency", "--url", &url,
    ]);
    assert!(
        stderr(&out).contains("https:// needs the peer's certificate pinned"),
        "{}",
        stderr(&out)
    );
    let out = net.a.run(&[
        "peer",
        "set",
        "--tenant",
        "bureau-a",
        "agency",
        "--url",
        "http://127.0.0.1:1",
        "--tls-cert",
        &agency_cert,
    ]);
    assert!(
        stderr(&out).contains("a certificate pin needs an https:// URL"),
        "{}",
        stderr(&out)
    );
    let out = net.a.run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        &agency_cert,
        "--tls-key",
        &a_key,
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not the key of"), "{}", stderr(&out));
    let out = net.a.run(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        &a_key,
        "--tls-key",
        &a_key,
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("tls-key.pem: no certificate in it"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn http_pushes_from_an_unknown_peer_or_for_another_recipient_are_refused_and_logged() {
    let rt = runtime();
    let net = net();
    // A stranger calling itself bureau-b: its own keys, and the agency's keys pinned, but the
    // agency pinned other keys for bureau-b.
    let stranger = Instance::sqlite();
    keyed(&stranger, "bureau-b");
    pin(
        &stranger,
        "bureau-b",
        &net.agency,
        "agency",
        "agency-keys-s.json",
    );
    register(
        &stranger,
        "bureau-b",
        &["S-1,pow,Ivan,,Stranger,en,M,1990,Nowhere,XA,S-1,2026-11-01"],
    );
    let bundle = stranger.path("s.wab");
    ok(
        &stranger,
        &transmit_args("bureau-b", "agency", &[], s(&bundle)),
    );
    let server = serve(&net.agency, "127.0.0.1:0", 0);
    let bytes = std::fs::read(&bundle).unwrap();
    let (status, body) = http(&server.addr, "POST", "/api/v1/transmissions", None, &bytes);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("unknown-key"), "{body}");
    assert!(body.contains("not pinned for the sender"), "{body}");

    // A sender the agency has never heard of.
    ok(
        &stranger,
        &[
            "tenant",
            "add",
            "bureau-x",
            "--name",
            "bureau-x",
            "--party",
            "Xandria",
            "--country",
            "XX",
        ],
    );
    keyed(&stranger, "bureau-x");
    pin(
        &stranger,
        "bureau-x",
        &net.agency,
        "agency",
        "agency-keys-x.json",
    );
    register(
        &stranger,
        "bureau-x",
        &["X-1,pow,Ivan,,Unknown,en,M,1990,Nowhere,XA,X-1,2026-11-01"],
    );
    let unknown = stranger.path("x.wab");
    ok(
        &stranger,
        &transmit_args("bureau-x", "agency", &[], s(&unknown)),
    );
    let bytes = std::fs::read(&unknown).unwrap();
    let (status, body) = http(&server.addr, "POST", "/api/v1/transmissions", None, &bytes);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("unknown-sender"), "{body}");

    // A tampered push: one byte of the ciphertext changed.
    register(
        &net.a,
        "bureau-a",
        &["A-9,pow,Petro,,Bondar,uk,M,1990,Kyiv,XB,P-9,2026-11-01"],
    );
    let good = net.a.path("a.wab");
    ok(&net.a, &transmit_args("bureau-a", "agency", &[], s(&good)));
    let mut tampered = std::fs::read(&good).unwrap();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let (status, body) = http(
        &server.addr,
        "POST",
        "/api/v1/transmissions",
        None,
        &tampered,
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("tampered"), "{body}");
    // Not a bundle at all.
    let (status, _) = http(
        &server.addr,
        "POST",
        "/api/v1/transmissions",
        None,
        b"hello",
    );
    assert_eq!(status, 400);
    drop(server);
    assert_eq!(count(&rt, &net.agency, "agency"), 0);
    // XC-8: every refusal is in the ledger.
    let store = store_of(&rt, &net.agency);
    let scope = scope(&rt, &store, "agency");
    let log = rt.block_on(store.received_log(&scope)).unwrap();
    let codes: Vec<_> = log
        .iter()
        .filter_map(|r| r.entry.reason_code.clone())
        .collect();
    assert_eq!(
        codes,
        vec!["unknown-key", "unknown-sender", "tampered"],
        "{log:?}"
    );
    rt.block_on(store.close());
    // The good bundle still applies afterwards, once.
    let out = ok(&net.agency, &["receive", "--tenant", "agency", s(&good)]);
    assert!(out.contains("2 notice(s) applied"), "{out}");
}

/// A tiny deterministic generator for kill points (xorshift; the seed is printed).
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn sigkill_during_receive_applies_everything_exactly_once() {
    let rt = runtime();
    let a = Instance::sqlite();
    keyed(&a, "bureau-a");
    let agency = Instance::postgres().unwrap_or_else(Instance::sqlite);
    add_agency(&agency);
    pin(&a, "bureau-a", &agency, "agency", "agency-keys.json");
    pin(&agency, "agency", &a, "bureau-a", "a-keys.json");
    let dir = a.path("gen");
    let out = a.run(&[
        "gen",
        "--seed",
        "5",
        "--persons",
        "6000",
        "--now",
        "2026-11-01T00:00:00Z",
        "--csv-dir",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = a.import("bureau-a", &dir.join("bureau-aldera.csv"), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = count(&rt, &a, "bureau-a");
    let bundle = a.path("big.wab");
    let started = Instant::now();
    // One envelope of all 6,000 (more than the 5,000 first cards an envelope carries by
    // default), so that a kill can fall anywhere in one large receive.
    ok(
        &a,
        &transmit_args(
            "bureau-a",
            "agency",
            &["--per-envelope", "6000"],
            s(&bundle),
        ),
    );
    // Kill points start at a tenth of the sealing time (a receive does more: it decrypts,
    // verifies and writes every person) and grow by a random factor of 1.2 to 2 each round,
    // so they fall at start-up, decryption, verification, the writes and the commit.
    let mut at_ms = (started.elapsed().as_millis() as u64 / 10).max(20);

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut random = Xorshift(seed);
    let mut killed_mid_way = 0;
    for round in 0..12 {
        let at = Duration::from_millis(at_ms);
        at_ms = at_ms * (12 + random.next() % 9) / 10;
        let started = Instant::now();
        let ack = agency.path(&format!("ack-{round}.json"));
        let mut child = agency
            .command(&[
                "receive",
                "--tenant",
                "agency",
                s(&bundle),
                "--ack",
                s(&ack),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        while started.elapsed() < at && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(5));
        }
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        let n = count(&rt, &agency, "agency");
        assert!(
            n == 0 || n == expected,
            "seed {seed}, round {round}: a receive killed after {at:?} left {n} of {expected} persons"
        );
        if finished {
            break;
        }
        killed_mid_way += 1;
    }
    assert!(
        killed_mid_way > 0,
        "seed {seed}: every receive finished before its kill point"
    );
    // Then once more, uninterrupted: everything applied exactly once.
    let out = ok(&agency, &["receive", "--tenant", "agency", s(&bundle)]);
    assert!(
        out.contains("notice(s) applied") || out.contains("duplicate"),
        "{out}"
    );
    assert_eq!(count(&rt, &agency, "agency"), expected, "seed {seed}");
    let store = store_of(&rt, &agency);
    let scope = scope(&rt, &store, "agency");
    let applied = rt
        .block_on(store.applied_on_channel(&scope, "bureau-a", "agency"))
        .unwrap();
    assert_eq!(applied.len(), 1, "seed {seed}: {applied:?}");
    rt.block_on(store.close());
    eprintln!("seed {seed}: {killed_mid_way} receive(s) killed before they finished");
}

/// The demo data's bureaus keep most deadlines, miss some and meet some late: the compliance
/// command shows the late and overdue capture cards, and its rows add up.
#[test]
fn gc3_70_a_the_generated_data_shows_late_capture_cards() {
    let instance = Instance::sqlite();
    let out = instance.run(&["gen", "--persons", "300", "--now", "2026-11-01T00:00:00Z"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json = ok(
        &instance,
        &[
            "compliance",
            "--tenant",
            "bureau-borovia",
            "--at",
            "2026-11-01T00:00:00Z",
            "--json",
        ],
    );
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = report["rules"].as_array().unwrap();
    let card = rows
        .iter()
        .find(|r| r["rule"] == "GC3-70-a" && r["channel"] == "agency")
        .unwrap();
    let n = |v: &serde_json::Value, k: &str| v[k].as_u64().unwrap();
    assert!(n(card, "sent_late") > 0, "{card}");
    assert!(n(card, "overdue") > 0, "{card}");
    for row in rows {
        assert_eq!(
            n(row, "owed"),
            n(row, "sent_on_time")
                + n(row, "sent_late")
                + n(row, "overdue")
                + n(row, "not_yet_due"),
            "{row}"
        );
        assert_eq!(
            n(row, "due"),
            n(row, "owed") - n(row, "not_yet_due"),
            "{row}"
        );
    }
    // The same data through the table: the capture card row is there.
    let table = ok(
        &instance,
        &[
            "compliance",
            "--tenant",
            "bureau-borovia",
            "--at",
            "2026-11-01",
        ],
    );
    assert!(table.contains("GC3-70-a   agency"), "{table}");
}
