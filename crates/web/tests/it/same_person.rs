//! Same-person proposals at the agency (issue 5, item 3), on both backends, through the one
//! receiving code the CLI and the server share: party A's bureau notifies a prisoner in
//! Cyrillic, party B's bureau the same man in Latin letters; the agency holds two records, the
//! matching engine proposes that they are one person with its explanation (MATCH-7), never
//! merges them (MATCH-1); a caseworker confirms, and the person page shows what each source said
//! side by side with its provenance (XC-3). A rejected pair is remembered and not proposed
//! again; another tenant cannot read or decide; bad input gets a clear error; a detriment flag on
//! either linked record withholds the other from the power of origin (GC4-137-b).

use axum::http::StatusCode;
use domain::{
    AssertedValue, FieldKey, NamePartKind, PartialDate, PersonCategory, PersonId, Presence, Tenant,
    TenantId, TenantKind,
};
use store::{NewAssertion, NewPerson, Store, TenantScope, UserRole};
use transmit::ReceiptStatus;
use web::transmission::{commit_forwarding, forward_to_origin};

use crate::changes::{receive, send, three};
use crate::harness::{App, Browser, Page, apps, json_of, name, source};

struct Card<'a> {
    reference: &'a str,
    given: &'a str,
    family: &'a str,
    language: &'a str,
    born: &'a str,
    service_number: Option<&'a str>,
    nationality: Option<&'a str>,
}

/// A card with a name and a birth date only.
fn card<'a>(
    reference: &'a str,
    given: &'a str,
    family: &'a str,
    language: &'a str,
    born: &'a str,
) -> Card<'a> {
    Card {
        reference,
        given,
        family,
        language,
        born,
        service_number: None,
        nationality: None,
    }
}

async fn register(store: &Store, scope: &TenantScope, card: &Card<'_>) -> PersonId {
    let source = store
        .record_source(scope, &source("clerk-7", card.language))
        .await
        .unwrap();
    let mut assertions = vec![
        NewAssertion {
            field: FieldKey::Name,
            value: Presence::Present(name(
                &[
                    (NamePartKind::Given, card.given),
                    (NamePartKind::Family, card.family),
                ],
                card.language,
            )),
            locator: "line 2, column name".into(),
        },
        NewAssertion {
            field: FieldKey::BirthDate,
            value: Presence::Present(AssertedValue::Date(PartialDate::parse(card.born).unwrap())),
            locator: "line 2, column born".into(),
        },
    ];
    if let Some(number) = card.service_number {
        assertions.push(NewAssertion {
            field: FieldKey::ServiceNumber,
            value: Presence::Present(AssertedValue::Text(number.into())),
            locator: "line 2, column number".into(),
        });
    }
    if let Some(country) = card.nationality {
        assertions.push(NewAssertion {
            field: FieldKey::Nationality,
            value: Presence::Present(AssertedValue::Country(country.into())),
            locator: "line 2, column nationality".into(),
        });
    }
    store
        .register_person(
            scope,
            source,
            &NewPerson {
                reference: card.reference.into(),
                category: PersonCategory::PrisonerOfWar,
                assertions,
                events: Vec::new(),
            },
        )
        .await
        .unwrap()
}

/// The proposal (as the API shows it) between the two records, in either order.
fn proposal_between<'v>(
    list: &'v serde_json::Value,
    one: &str,
    other: &str,
) -> Option<&'v serde_json::Value> {
    list["proposals"].as_array()?.iter().find(|p| {
        let refs: Vec<&str> = p["persons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["reference"].as_str())
            .collect();
        refs.contains(&one) && refs.contains(&other)
    })
}

async fn open_proposals(app: &App, token: &str) -> serde_json::Value {
    let page = app
        .api(
            "GET",
            "/api/v1/same-person-proposals?limit=500",
            Some(token),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    json_of(&page.body)
}

/// Bureau `from`'s notifications, sent to the agency and applied there.
async fn ingest(store: &Store, from: &Tenant, agency: &Tenant) {
    let bundle = send(store, from, "agency").await;
    assert!(matches!(
        receive(store, agency, &bundle).await,
        ReceiptStatus::Applied { .. }
    ));
}

/// Whether no person waits for the comparison pass.
async fn nothing_pending(store: &Store, scope: &TenantScope) -> bool {
    store.link_pending(scope, 100).await.unwrap().is_empty()
}

/// GET one proposal through the API.
async fn fetch(app: &App, id: &str, token: &str) -> Page {
    app.api(
        "GET",
        &format!("/api/v1/same-person-proposals/{id}"),
        Some(token),
        None,
    )
    .await
}

/// POST a decision on one proposal through the API.
async fn decide(app: &App, id: &str, token: &str, body: &str) -> Page {
    app.api(
        "POST",
        &format!("/api/v1/same-person-proposals/{id}/decisions"),
        Some(token),
        Some(body),
    )
    .await
}

/// Submit the decision form on one proposal's page.
async fn decide_on_form(app: &App, id: &str, form: &str, browser: &Browser) -> Page {
    app.submit(&format!("/same-person/{id}/decisions"), form, browser)
        .await
}

#[tokio::test]
async fn two_bureaus_notify_one_man_in_two_scripts_and_the_agency_links_the_records_never_merging()
{
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_b = store.operator_scope(&t.bureau_b, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        // Party A's bureau writes him in Cyrillic, party B's in Latin letters, each under its own
        // reference; the birth date and service number agree.
        register(
            store,
            &scope_a,
            &Card {
                service_number: Some("ZX-558812"),
                nationality: Some("XB"),
                ..card("A-SH-1", "Тарас", "ШЕВЧУК", "uk", "1985-02-09")
            },
        )
        .await;
        register(
            store,
            &scope_b,
            &Card {
                service_number: Some("ZX-558812"),
                ..card("B-SH-1", "Taras", "SHEVCHUK", "en", "1985-02-09")
            },
        )
        .await;
        // Another pair, to reject: bureau A's Марія Бондар and the agency's own registration.
        register(
            store,
            &scope_a,
            &card("A-BO-1", "Марія", "БОНДАР", "uk", "1979-11-30"),
        )
        .await;
        let agency_bondar = register(
            store,
            &scope_agency,
            &card("XA-LIST-0077", "Mariia", "BONDAR", "en", "1979-11-30"),
        )
        .await;

        ingest(store, &t.bureau_a, &t.agency).await;
        ingest(store, &t.bureau_b, &t.agency).await;
        // Nothing is compared inside the ingest: the persons wait, marked, for the pass.
        assert!(!nothing_pending(store, &scope_agency).await);

        // The API runs the pass and lists the proposal, with the engine's explanation.
        let token = app.token(t.agency.id, UserRole::Caseworker).await;
        let list = open_proposals(&app, &token).await;
        let shevchuk = proposal_between(&list, "bureau-a:A-SH-1", "bureau-b:B-SH-1")
            .unwrap_or_else(|| panic!("{}: no proposal: {list}", app.backend))
            .clone();
        assert!(nothing_pending(store, &scope_agency).await);
        assert_eq!(shevchuk["status"], "open");
        assert!(shevchuk["score"].as_f64().unwrap() >= 0.5, "{shevchuk}");
        assert_eq!(shevchuk["algorithm"], matching::ALGORITHM_VERSION);
        let features = shevchuk["explanation"]["features"].as_array().unwrap();
        assert!(features.len() >= 3, "{shevchuk}");
        let values: String = features
            .iter()
            .map(|f| format!("{} {} ", f["value_a"], f["value_b"]))
            .collect();
        assert!(
            values.contains("Тарас") && values.contains("Taras"),
            "{values}"
        );
        assert!(
            features
                .iter()
                .all(|f| f["weight"].is_number() && f["text"].is_string())
        );
        // Each record's source says who notified it (XC-3).
        let sources: Vec<&str> = shevchuk["persons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["source"].as_str().unwrap())
            .collect();
        assert!(
            sources
                .iter()
                .any(|s| s.contains("notified by") && s.contains("(bureau-a)"))
        );
        assert!(
            sources
                .iter()
                .any(|s| s.contains("notified by") && s.contains("(bureau-b)"))
        );
        let bondar = proposal_between(&list, "bureau-a:A-BO-1", "XA-LIST-0077")
            .unwrap_or_else(|| panic!("{}: no Bondar proposal: {list}", app.backend))
            .clone();
        let shevchuk_id = shevchuk["id"].as_str().unwrap().to_owned();
        let bondar_id = bondar["id"].as_str().unwrap().to_owned();

        // The worklist page shows it, best first, under the agency's navigation.
        let caseworker = app.browser("caseworker").await;
        let page = app.get("/same-person", Some(&caseworker.cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("href=\"/same-person\""));
        assert!(page.body.contains(&format!("/same-person/{shevchuk_id}")));
        let pair = app
            .get(
                &format!("/same-person/{shevchuk_id}"),
                Some(&caseworker.cookie),
            )
            .await;
        assert_eq!(pair.status, StatusCode::OK);
        assert!(pair.body.contains("Тарас") && pair.body.contains("Taras"));
        assert!(pair.body.contains("Confirm: same person"));

        // Bad input: a decision that is neither, on the form: 422 naming it; nothing recorded.
        let refused = decide_on_form(&app, &shevchuk_id, "decision=maybe", &caseworker).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(refused.body.contains("choose confirm or reject"));
        // The caseworker confirms, with a note.
        let confirmed = decide_on_form(
            &app,
            &shevchuk_id,
            "decision=confirm&note=Same+service+number+on+both+cards",
            &caseworker,
        )
        .await;
        assert_eq!(
            confirmed.status,
            StatusCode::SEE_OTHER,
            "{}",
            confirmed.body
        );
        // A second decision by the same caseworker: 409.
        let again = decide_on_form(&app, &shevchuk_id, "decision=reject", &caseworker).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        let got = fetch(&app, &shevchuk_id, &token).await;
        let got = json_of(&got.body);
        assert_eq!(got["status"], "confirmed");
        assert_eq!(got["decisions"][0]["by"], "caseworker");
        assert_eq!(
            got["decisions"][0]["note"],
            "Same service number on both cards"
        );
        assert_eq!(
            got["decisions"][0]["algorithm"],
            matching::ALGORITHM_VERSION
        );
        assert_eq!(got["decisions"][0]["score"], shevchuk["score"]);
        // Decided pairs leave the open list.
        let list = open_proposals(&app, &token).await;
        assert!(proposal_between(&list, "bureau-a:A-SH-1", "bureau-b:B-SH-1").is_none());

        // A family's tracing request, in Latin letters: its review page shows the proposed
        // record's confirmed same-person record (the other source's, with its own news).
        let request = store
            .create_tracing_request(
                &scope_agency,
                &store::NewTracingRequest {
                    reference: "TR-SH".into(),
                    enquirer_name: "Enquirer".into(),
                    enquirer_contact: "Street 1".into(),
                    relationship: "parent".into(),
                    sought_name: domain::PersonName::new(vec![
                        domain::NamePart::new(NamePartKind::Given, "Taras", None).unwrap(),
                        domain::NamePart::new(NamePartKind::Family, "Shevchuk", None).unwrap(),
                    ])
                    .unwrap(),
                    sought_birth: Some(PartialDate::parse("1985").unwrap()),
                    sought_birth_place: None,
                    sought_father_name: None,
                    circumstances: "Separated".into(),
                    consent_tracing: true,
                    consent_share: false,
                    language: Some("en".into()),
                },
            )
            .await
            .unwrap();
        let review = app
            .get(&format!("/tracing/{request}"), Some(&caseworker.cookie))
            .await;
        assert_eq!(review.status, StatusCode::OK);
        assert!(
            review.body.contains("Confirmed as the same person as"),
            "{}",
            app.backend
        );

        // The person page: both records side by side with their sources, nothing merged.
        let at_a = store
            .person_id_by_reference(&scope_agency, "bureau-a:A-SH-1")
            .await
            .unwrap();
        let page = app
            .get(&format!("/persons/{at_a}"), Some(&caseworker.cookie))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Everything every source said"),
            "{}",
            app.backend
        );
        assert!(page.body.contains("bureau-b:B-SH-1"));
        assert!(page.body.contains("(bureau-a)") && page.body.contains("(bureau-b)"));
        assert!(page.body.contains("SHEVCHUK") && page.body.contains("ШЕВЧУК"));
        assert!(
            page.body.contains("records differ"),
            "the names differ as written"
        );
        assert!(page.body.contains("confirmed: the same person"));
        // Both records stand as they were: nothing merged.
        let record_a = store.person(&scope_agency, at_a).await.unwrap();
        assert!(
            record_a
                .assertions
                .iter()
                .all(|a| !format!("{:?}", a.value).contains("SHEVCHUK"))
        );

        // The API rejects the Bondar pair: remembered, not proposed again.
        let rejected = decide(
            &app,
            &bondar_id,
            &token,
            r#"{"decision": "reject", "note": "different mothers"}"#,
        )
        .await;
        assert_eq!(rejected.status, StatusCode::CREATED, "{}", rejected.body);
        assert_eq!(json_of(&rejected.body)["status"], "rejected");
        let reviewer = app.token(t.agency.id, UserRole::Reviewer).await;
        let again = decide(&app, &bondar_id, &reviewer, r#"{"decision": "confirm"}"#).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert!(again.body.contains("rejected"));
        // Bureau B notifies her too, later: its record is proposed against both, and the
        // rejected pair stays rejected, once.
        register(
            store,
            &scope_b,
            &card("B-BO-2", "Maria", "BONDAR", "en", "1979-11-30"),
        )
        .await;
        ingest(store, &t.bureau_b, &t.agency).await;
        let list = open_proposals(&app, &token).await;
        assert!(proposal_between(&list, "bureau-a:A-BO-1", "XA-LIST-0077").is_none());
        assert!(
            proposal_between(&list, "bureau-b:B-BO-2", "XA-LIST-0077").is_some(),
            "{list}"
        );
        let links = store.links_of(&scope_agency, agency_bondar).await.unwrap();
        let with_a: Vec<_> = links
            .iter()
            .filter(|l| l.decisions.iter().any(|d| d.note == "different mothers"))
            .collect();
        assert_eq!(with_a.len(), 1);
        assert_eq!(with_a[0].status(), store::LinkStatus::Rejected);

        // Bad input and other callers.
        let unknown = uuid::Uuid::now_v7();
        for path in [
            format!("/api/v1/same-person-proposals/{unknown}"),
            "/api/v1/same-person-proposals/not-an-id".to_owned(),
        ] {
            let page = app.api("GET", &path, Some(&token), None).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        }
        let page = decide(
            &app,
            &unknown.to_string(),
            &token,
            r#"{"decision": "confirm"}"#,
        )
        .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let page = decide(&app, &shevchuk_id, &reviewer, r#"{"decision": "confirm""#).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
        assert!(page.body.contains("line 1, column"), "{}", page.body);
        let page = decide(&app, &shevchuk_id, &reviewer, r#"{"decision": "perhaps"}"#).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        assert!(page.body.contains("decision"));
        // A bureau's clerk has no tracing capability: refused.
        let clerk = app.token(t.bureau_a.id, UserRole::BureauClerk).await;
        let page = fetch(&app, &shevchuk_id, &clerk).await;
        assert!(
            matches!(page.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{}",
            page.status
        );
        assert!(!page.body.contains("SHEVCHUK"));
        // Another agency's caseworker: the proposal does not exist for them.
        let other = Tenant {
            id: TenantId::new(),
            slug: "agency-2".into(),
            name: "Another agency".into(),
            kind: TenantKind::Agency,
            party: None,
        };
        store.create_tenant(&other).await.unwrap();
        let outsider = app.token(other.id, UserRole::Caseworker).await;
        let page = fetch(&app, &shevchuk_id, &outsider).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let page = decide(&app, &shevchuk_id, &outsider, r#"{"decision": "reject"}"#).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert_eq!(open_proposals(&app, &outsider).await["total"], 0);
        assert_eq!(
            json_of(&fetch(&app, &shevchuk_id, &token).await.body)["status"],
            "confirmed",
            "the outsider's reject changed nothing"
        );

        // GC4-137-b: the agency flags bureau B's record as detrimental; bureau A's record of the
        // same man (a national of XB) is then withheld from XB's bureau too.
        let at_b = store
            .person_id_by_reference(&scope_agency, "bureau-b:B-SH-1")
            .await
            .unwrap();
        store
            .flag_detriment(
                &scope_agency,
                at_b,
                "Fictional reason: reprisals against the family",
            )
            .await
            .unwrap();
        let (forwarded, decisions) =
            forward_to_origin(store, &t.agency, &scope_agency, "bureau-b", "XB", None)
                .await
                .unwrap();
        let about_a: Vec<_> = decisions.iter().filter(|d| d.person == at_a).collect();
        assert_eq!(about_a.len(), 1, "{}", app.backend);
        assert!(!about_a[0].forwarded, "withheld through the link");
        commit_forwarding(store, &scope_agency, &forwarded, &decisions)
            .await
            .unwrap();
        if let Some(prepared) = &forwarded.prepared {
            let _ = receive(store, &t.bureau_b, &prepared.bundle).await;
        }
        assert!(
            store
                .person_id_by_reference(&scope_b, "agency:bureau-a:A-SH-1")
                .await
                .is_err(),
            "nothing of him reached the power of origin"
        );
    }
}

/// The pass after a push (crate::links): an envelope pushed over HTTP is applied in its own
/// transaction, and the server then compares its new persons on its own, with no page opened:
/// bureau A's record in Cyrillic is proposed as the agency's own registration in Latin letters.
#[tokio::test]
async fn a_pushed_envelope_is_compared_after_it_commits_without_a_page_being_opened() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        register(
            store,
            &scope_a,
            &card("A-HR-1", "Ганна", "ГРИЦЕНКО", "uk", "1993-06-21"),
        )
        .await;
        let own = register(
            store,
            &scope_agency,
            &card("XA-LIST-0101", "Hanna", "HRYTSENKO", "en", "1993-06-21"),
        )
        .await;
        let bundle = send(store, &t.bureau_a, "agency").await;
        let request = axum::http::Request::post("/api/v1/transmissions")
            .header(axum::http::header::HOST, crate::harness::HOST)
            .header(axum::http::header::CONTENT_TYPE, "application/octet-stream")
            .body(axum::body::Body::from(bundle))
            .unwrap();
        let page = app.send_from(request, crate::harness::CLIENT).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let started = std::time::Instant::now();
        let found = loop {
            let links = store.links_of(&scope_agency, own).await.unwrap();
            if store
                .link_pending(&scope_agency, 10)
                .await
                .unwrap()
                .is_empty()
                && !links.is_empty()
            {
                break links;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(60),
                "{}: no pass after the push",
                app.backend
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        let at_a = store
            .person_id_by_reference(&scope_agency, "bureau-a:A-HR-1")
            .await
            .unwrap();
        assert!(
            found.iter().any(|l| l.other(own) == Some(at_a)),
            "{}: {found:?}",
            app.backend
        );
        let explanation = &found[0].explanation;
        assert!(explanation.contains("Ганна") && explanation.contains("Hanna"));
    }
}

/// In Chromium: a caseworker opens "Same person?" from the agency's navigation, reviews the pair
/// (a bureau's record in Cyrillic, the agency's own in Latin letters), confirms with a note, and
/// sees both sources side by side on the person page. Skipped without Chromium unless
/// `WHEREABOUTS_BROWSER_TESTS=1`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caseworker_confirms_a_same_person_proposal_and_sees_both_sources_in_chromium() {
    let app = apps().await.remove(0);
    let scope = app.store.operator_scope(&app.fx.agency, "test");
    // A second record of the fixture's XA-LIST-0042 (Oleksandr KOVALENKO, born 1990-04-12),
    // as a bureau wrote it.
    register(
        &app.store,
        &scope,
        &card(
            "bureau-a:A-0042",
            "Олександр",
            "КОВАЛЕНКО",
            "uk",
            "1990-04-12",
        ),
    )
    .await;
    crate::browser::in_chromium(app, |driver, base| {
        let password = crate::harness::PASSWORD;
        driver.sign_in(base, "caseworker", password);
        driver.goto(&format!("{base}/"));
        driver.click("nav a[href='/same-person']");
        let list = driver.wait_for("open proposal(s)");
        assert!(list.contains("XA-LIST-0042"), "{list}");
        assert!(list.contains("bureau-a:A-0042"), "{list}");
        driver.click("table.same-person tbody tr a[href^='/same-person/']");
        let pair = driver.wait_for("Why the engine proposes it");
        assert!(
            pair.contains("KOVALENKO") && pair.contains("КОВАЛЕНКО"),
            "{pair}"
        );
        driver.type_into("#note", "Same birth date; the name in two scripts");
        driver.click("form.decide button[value=confirm]");
        let decided = driver.wait_for("confirmed: the same person");
        assert!(decided.contains("Same birth date; the name in two scripts"));
        driver.click("table.pair-sides a[href^='/persons/']");
        let person = driver.wait_for("Everything every source said");
        assert!(person.contains("XA-LIST-0042") && person.contains("bureau-a:A-0042"));
        assert!(person.contains("records differ"), "{person}");
        driver.sign_out();
    })
    .await;
}
