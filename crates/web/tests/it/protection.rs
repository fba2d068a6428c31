//! The protection unit's routes (issue 6) on both backends: only its delegate reaches them,
//! everyone else gets 404; the visit page and API show each reconciliation alert with its
//! explanation; evidence uploads are bounded (413) and verified.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::protection::{
    ActKind, Allegation, AllegationCategory, AllegationSource, Consent, PersonSeen, Visit,
    VisitingBody,
};
use domain::{
    AllegationId, AssertedValue, Confidence, EventKind, EvidenceId, FieldKey, NamePart,
    NamePartKind, PartialDate, PersonCategory, PersonName, PlaceKind, Presence, RefusalId,
    RegistrationId, SourceKind, Tenant, TenantId, TenantKind, UserId, VisitId,
};
use store::{
    NewAssertion, NewEvent, NewPerson, NewPlace, NewSource, NewUser, Store, TenantScope, UserRole,
};
use time::{Duration, OffsetDateTime};

use crate::harness::{App, HOST, apps, password_hash};

fn name(given: &str, family: &str) -> PersonName {
    PersonName::new(vec![
        NamePart::new(NamePartKind::Given, given, None).unwrap(),
        NamePart::new(NamePartKind::Family, family, None).unwrap(),
    ])
    .unwrap()
}

/// A place, three notified persons (held and seen, held and not seen, released and seen), a
/// visit with three persons seen (one never notified) and an allegation.
pub async fn seed_visit(store: &Store, scope: &TenantScope) -> (VisitId, AllegationId) {
    let party = store.parties().await.unwrap()[0].id;
    let place = store
        .create_place(
            scope,
            &NewPlace {
                controlling_party: party,
                kind: PlaceKind::CollectingPoint,
                name: "Collecting point K-7".into(),
                parent: None,
                postal_address: None,
            },
        )
        .await
        .unwrap();
    let source = store
        .record_source(
            scope,
            &NewSource {
                kind: SourceKind::BureauList,
                reference: "notified list".into(),
                collected_by: "test".into(),
                collected_at: OffsetDateTime::now_utc(),
                language: None,
                script: None,
                confidence: Confidence::MEDIUM,
            },
        )
        .await
        .unwrap();
    let captured = OffsetDateTime::now_utc() - Duration::days(30);
    let notified = [
        ("N-1", "Олександр", "Коваленко", "1990-04-12", false),
        ("N-2", "Петро", "Бондаренко", "1985-01-30", false),
        ("N-3", "Іван", "Мельничук", "1979-11-02", true),
    ];
    for (reference, given, family, born, released) in notified {
        let mut events = vec![NewEvent {
            kind: EventKind::FellIntoPower,
            occurred_at: captured,
            place: Some(place),
            place_to: None,
            locator: "list".into(),
            note: None,
        }];
        if released {
            events.push(NewEvent {
                kind: EventKind::Release,
                occurred_at: captured + Duration::days(10),
                place: Some(place),
                place_to: None,
                locator: "list".into(),
                note: None,
            });
        }
        store
            .register_person(
                scope,
                source,
                &NewPerson {
                    reference: reference.into(),
                    category: PersonCategory::PrisonerOfWar,
                    assertions: vec![
                        NewAssertion {
                            field: FieldKey::Name,
                            value: Presence::Present(AssertedValue::Name(name(given, family))),
                            locator: "list".into(),
                        },
                        NewAssertion {
                            field: FieldKey::BirthDate,
                            value: Presence::Present(AssertedValue::Date(
                                PartialDate::parse(born).unwrap(),
                            )),
                            locator: "list".into(),
                        },
                    ],
                    events,
                },
            )
            .await
            .unwrap();
    }
    let visit = Visit {
        id: VisitId::new(),
        reference: "V-TEST".into(),
        body: VisitingBody::Icrc,
        planned_start: None,
        started_at: Some(OffsetDateTime::now_utc() - Duration::days(1)),
        ended_at: None,
        team: vec!["delegate".into()],
        places: vec![place],
        next_visit_planned: None,
    };
    store.record_visit(scope, &visit).await.unwrap();
    let seen = [
        ("Олександр", "Коваленко", "1990-04-12"),
        ("Тарас", "Ничипорук", "1994"),
        ("Іван", "Мельничук", "1979-11-02"),
    ];
    let mut victim = None;
    for (given, family, born) in seen {
        let person = PersonSeen {
            id: RegistrationId::new(),
            visit: visit.id,
            place,
            seen_at: OffsetDateTime::now_utc() - Duration::hours(20),
            name: name(given, family),
            birth_date: Some(PartialDate::parse(born).unwrap()),
            sex: None,
            nationality: None,
            service_number: None,
            father_name: None,
            held_since: None,
            registered_by: "delegate".into(),
        };
        victim.get_or_insert(person.id);
        store.record_registration(scope, &person).await.unwrap();
    }
    let allegation = Allegation {
        id: AllegationId::new(),
        reference: "AL-TEST".into(),
        category: AllegationCategory::Conditions,
        acts: vec![ActKind::Overcrowding],
        occurred: None,
        place: Some(place),
        victims: victim.into_iter().collect(),
        perpetrators: Vec::new(),
        sources: vec![AllegationSource::Interview],
        consent: Consent::Anonymous,
        narrative: "A fictional account.".into(),
    };
    store.record_allegation(scope, &allegation).await.unwrap();
    (visit.id, allegation.id)
}

pub(crate) struct Unit {
    pub tenant: Tenant,
    pub visit: VisitId,
    pub allegation: AllegationId,
}

pub(crate) async fn unit(app: &App) -> Unit {
    let tenant = Tenant {
        id: TenantId::new(),
        slug: "protection".into(),
        name: "Protection unit".into(),
        kind: TenantKind::ProtectionUnit,
        party: None,
    };
    app.store.create_tenant(&tenant).await.unwrap();
    let scope = app.store.operator_scope(&tenant, "test");
    let (visit, allegation) = seed_visit(&app.store, &scope).await;
    Unit {
        tenant,
        visit,
        allegation,
    }
}

pub(crate) async fn user(
    app: &App,
    tenant: Option<TenantId>,
    username: &str,
    role: UserRole,
) -> UserId {
    app.store
        .create_user(&NewUser {
            tenant,
            username,
            password_hash: password_hash(),
            role,
        })
        .await
        .unwrap()
}

fn paths(u: &Unit) -> Vec<(&'static str, String)> {
    web::route_table()
        .into_iter()
        .filter(|r| r.access == "protect")
        .map(|r| {
            (
                r.method,
                r.path
                    .replace("/visits/{id}", &format!("/visits/{}", u.visit))
                    .replace(
                        "/allegations/{id}",
                        &format!("/allegations/{}", u.allegation),
                    )
                    // Any id: a refusal is only looked up after authorization.
                    .replace("/refusals/{id}", &format!("/refusals/{}", RefusalId::new()))
                    .replace(
                        "/evidence/{id}",
                        &format!("/evidence/{}", EvidenceId::new()),
                    )
                    .replace(
                        "/places/{id}",
                        &format!("/places/{}", domain::PlaceId::new()),
                    )
                    .replace(
                        "/persons-seen/{id}",
                        &format!("/persons-seen/{}", RegistrationId::new()),
                    )
                    .replace(
                        "/representations/{id}",
                        &format!("/representations/{}", domain::RepresentationId::new()),
                    )
                    .replace(
                        "/interviews/{id}",
                        &format!("/interviews/{}", domain::InterviewId::new()),
                    ),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_protection_route_answers_404_to_bureaus_the_agency_and_administrators() {
    for app in apps().await {
        let u = unit(&app).await;
        let routes = paths(&u);
        assert_eq!(routes.len(), 46, "every protection route is checked");
        let outsiders = [
            (
                Some(app.fx.tenant_a.id),
                "outsider-clerk",
                UserRole::BureauClerk,
            ),
            (
                Some(app.fx.tenant_a.id),
                "outsider-admin",
                UserRole::TenantAdmin,
            ),
            (Some(app.fx.agency.id), "caseworker-x", UserRole::Caseworker),
            (Some(app.fx.agency.id), "reviewer-x", UserRole::Reviewer),
            // The unit's own tenant administrator manages accounts, not protection data.
            (Some(u.tenant.id), "admin-p", UserRole::TenantAdmin),
        ];
        for (tenant, username, role) in outsiders {
            user(&app, tenant, username, role).await;
            let browser = app.browser(username).await;
            let token = app.token(tenant.unwrap(), role).await;
            for (method, path) in &routes {
                let page = if path.starts_with("/api/") {
                    app.api(
                        method,
                        path,
                        Some(&token),
                        (*method == "POST").then_some("{}"),
                    )
                    .await
                } else if *method == "POST" {
                    app.submit(path, "", &browser).await
                } else {
                    app.get(path, Some(&browser.cookie)).await
                };
                assert_eq!(
                    page.status,
                    StatusCode::NOT_FOUND,
                    "{}: {method} {path} as {username}",
                    app.backend
                );
                assert!(!page.body.contains("Коваленко") && !page.body.contains("K-7"));
            }
        }
        let admin = app.browser("admin").await;
        for (method, path) in routes.iter().filter(|(_, p)| !p.starts_with("/api/")) {
            let page = if *method == "POST" {
                app.submit(path, "", &admin).await
            } else {
                app.get(path, Some(&admin.cookie)).await
            };
            assert_eq!(
                page.status,
                StatusCode::NOT_FOUND,
                "{method} {path} as admin"
            );
        }
    }
}

#[tokio::test]
async fn the_visit_shows_each_alert_with_its_explanation() {
    for app in apps().await {
        let u = unit(&app).await;
        user(&app, Some(u.tenant.id), "delegate-1", UserRole::Delegate).await;
        let browser = app.browser("delegate-1").await;
        let page = app
            .get(
                &format!("/protection/visits/{}", u.visit),
                Some(&browser.cookie),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.backend);
        assert!(
            page.body
                .contains("Seen at Collecting point K-7 but never notified")
        );
        assert!(page.body.contains("Ничипорук"));
        assert!(
            page.body
                .contains("Notified as released, but seen detained")
        );
        assert!(
            page.body
                .contains("Notified as held at Collecting point K-7 but not seen")
        );
        assert!(page.body.contains("Бондаренко"));
        let overview = app.get("/protection", Some(&browser.cookie)).await;
        assert_eq!(overview.status, StatusCode::OK);
        assert!(overview.body.contains("V-TEST") && overview.body.contains("AL-TEST"));

        let token = app.token(u.tenant.id, UserRole::Delegate).await;
        let alerts = app
            .api(
                "GET",
                &format!("/api/v1/protection/visits/{}/alerts", u.visit),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(alerts.status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_str(&alerts.body).unwrap();
        let alerts = json["alerts"].as_array().unwrap();
        let codes: Vec<&str> = alerts.iter().map(|a| a["code"].as_str().unwrap()).collect();
        assert_eq!(
            codes,
            vec![
                "seen-never-notified",
                "released-but-seen-detained",
                "notified-not-seen"
            ],
            "{}: exactly the three alerts",
            app.backend
        );
        for alert in alerts {
            assert!(
                !alert["explanation"].as_array().unwrap().is_empty(),
                "every alert is explained: {alert}"
            );
        }
        // The released person's match is explained by the engine, feature by feature.
        assert!(alerts[1]["probability"].as_f64().unwrap() >= matching::DEFAULT_THRESHOLD);
        assert!(alerts[1]["explanation"].as_array().unwrap().len() > 1);
        let allegation = app
            .api(
                "GET",
                &format!("/api/v1/protection/allegations/{}", u.allegation),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(allegation.status, StatusCode::OK);
        assert!(allegation.body.contains("A fictional account."));
        // Each read of the visit and of the allegation is in the audit log with its purpose.
        let log = app.store.audit_entries(0, 10_000).await.unwrap();
        let read = |object: String| {
            log.iter()
                .filter(|e| e.action == "read" && e.object == object)
                .filter_map(|e| e.purpose.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            read(format!("allegation:{}", u.allegation)),
            ["allegation follow-up"],
            "{}",
            app.backend
        );
        // The delegate opened the visit page, then read its alerts through the API.
        assert_eq!(
            read(format!("visit:{}", u.visit)),
            ["visit follow-up", "reconciliation"]
        );
        assert!(app.store.audit_verify().await.unwrap().is_intact());
    }
}

#[tokio::test]
async fn evidence_uploads_are_bounded_streamed_and_verified() {
    for app in apps().await {
        let u = unit(&app).await;
        let token = app.token(u.tenant.id, UserRole::Delegate).await;
        let query = format!(
            "/api/v1/protection/evidence?kind=photo&title=cell&captured_by=delegate&captured_at=2026-03-01T10:00:00Z&allegation={}",
            u.allegation
        );
        let too_large = Request::builder()
            .method("POST")
            .uri(&query)
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_LENGTH, (64 * 1024 * 1024 + 1).to_string())
            .body(Body::from("x"))
            .unwrap();
        let page = app.send(too_large).await;
        assert_eq!(
            page.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            app.backend
        );
        assert!(page.body.contains("payload_too_large"));

        let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
        let upload = Request::builder()
            .method("POST")
            .uri(&query)
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "image/jpeg")
            .body(Body::from(bytes.clone()))
            .unwrap();
        let page = app.send(upload).await;
        assert_eq!(
            page.status,
            StatusCode::CREATED,
            "{}: {}",
            app.backend,
            page.body
        );
        let json: serde_json::Value = serde_json::from_str(&page.body).unwrap();
        let expected = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&bytes))
        };
        assert_eq!(json["sha256"], expected.as_str());
        assert_eq!(json["size"], 100_000);

        let missing = app
            .api(
                "POST",
                "/api/v1/protection/evidence",
                Some(&token),
                Some("x"),
            )
            .await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);

        let verify = app
            .api(
                "GET",
                "/api/v1/protection/evidence/verify",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(verify.status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_str(&verify.body).unwrap();
        assert_eq!(json["intact"], true, "{}", verify.body);
        assert_eq!(json["files"], 1);
        assert_eq!(json["custody_entries"], 2);
    }
}

/// The delegate's walk in a real browser: sign in, open the protection page, follow the visit,
/// read the alert and its explanation (CI runs it with `WHEREABOUTS_BROWSER_TESTS=1`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegate_reads_the_visit_alert_in_chromium() {
    let app = apps().await.remove(0);
    let u = unit(&app).await;
    user(&app, Some(u.tenant.id), "delegate-b", UserRole::Delegate).await;
    crate::browser::in_chromium(app, |driver, base| {
        driver.sign_in(base, "delegate-b", crate::harness::PASSWORD);
        driver.click("nav a[href='/protection']");
        driver.wait_for("Places of detention");
        driver.click("#visits a");
        driver.wait_for("Seen at Collecting point K-7 but never notified");
        let alerts = driver.text("#alerts");
        assert!(alerts.contains("Ничипорук"), "{alerts}");
        assert!(
            alerts.contains("below the threshold") || alerts.contains("No notified person"),
            "the alert is explained: {alerts}"
        );
        assert!(
            alerts.contains("Notified as released, but seen detained"),
            "{alerts}"
        );
        let seen = driver.text("#seen");
        assert!(seen.contains("Коваленко"), "{seen}");
    })
    .await;
}

/// Issue 6, "done when" in a real browser: an allegation with two evidence files passes the
/// verification page, and fails it, naming the item, after one byte of one stored file is changed
/// (the files are encrypted at rest; the page re-reads each one and checks its SHA-256 and the
/// chain of custody). CI runs it with `WHEREABOUTS_BROWSER_TESTS=1`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allegation_with_two_files_passes_verify_then_fails_after_a_changed_byte_in_chromium() {
    let evidence = tempfile::tempdir().unwrap();
    let mut config = crate::harness::config(false);
    config.evidence_dir = Some(evidence.path().to_owned());
    let app = crate::harness::apps_with(config.clone()).await.remove(0);
    let u = unit(&app).await;
    let token = app.token(u.tenant.id, UserRole::Delegate).await;
    for (title, fill) in [("cell photo", 17u8), ("yard photo", 29u8)] {
        let upload = Request::builder()
            .method("POST")
            .uri(format!(
                "/api/v1/protection/evidence?kind=photo&title={}&captured_by=delegate&captured_at=2026-03-01T10:00:00Z&allegation={}",
                title.replace(' ', "%20"),
                u.allegation
            ))
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "image/jpeg")
            .body(Body::from(vec![fill; 200_000]))
            .unwrap();
        assert_eq!(app.send(upload).await.status, StatusCode::CREATED);
    }
    let scope = app.store.operator_scope(&u.tenant, "test");
    let items = app.store.evidence_items(&scope).await.unwrap();
    assert_eq!(items.len(), 2);
    let yard = items.iter().find(|i| i.item.title == "yard photo").unwrap();
    let yard_id = yard.item.id.to_string();
    let stored = std::fs::read_dir(evidence.path().join(u.tenant.id.to_string()))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| yard.stored_as.as_deref().is_some_and(|s| s.ends_with(n)))
        })
        .expect("the yard photo's stored file");
    user(&app, Some(u.tenant.id), "delegate-v", UserRole::Delegate).await;
    // The browser's server keeps its evidence where the uploads went.
    crate::browser::in_chromium_with(app, config, move |driver, base| {
        driver.sign_in(base, "delegate-v", crate::harness::PASSWORD);
        driver.goto(&format!("{base}/protection/evidence/verify"));
        driver.wait_for("Evidence verification");
        let verdict = driver.text("#verdict");
        assert!(verdict.contains("2 file(s)"), "{verdict}");
        assert!(verdict.contains("all intact"), "{verdict}");
        // One byte of the stored (encrypted) file changes on disk.
        let mut bytes = std::fs::read(&stored).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(&stored, bytes).unwrap();
        driver.goto(&format!("{base}/protection/evidence/verify"));
        driver.wait_for("problem(s)");
        let verdict = driver.text("#verdict");
        assert!(verdict.contains("1 problem(s)"), "{verdict}");
        let page = driver.source();
        assert!(page.contains(&yard_id), "the changed item is named");
        assert!(page.contains("yard photo"));
        assert!(
            !page.contains("cell photo"),
            "only the changed file is listed"
        );
    })
    .await;
}
