//! Issue 5, continued, on both backends: lists a bureau draws from its records (GC3-46-a,
//! GC4-127, GC3-122-e) on the `/lists` page and the API, and received at the agency; enquiries a
//! caseworker closes (answered by other means, withdrawn), which leave the compliance view's
//! owed count; an answer about a tracing request on the request's page and API (the news the
//! agency passes to the family); the peers' last pull kept across a restart.

use axum::http::StatusCode;
use domain::{EventKind, NamePart, NamePartKind, PersonName, PlaceKind};
use store::{NewEnquiry, NewEvent, NewPeer, NewPlace, NewTracingRequest, UserRole};
use time::{Duration, OffsetDateTime};
use transmit::ReceiptStatus;
use web::transmission as tx;

use crate::changes::{receive, record_of, send, three};
use crate::harness::{apps, between};

/// A second camp for bureau A and a transfer of its prisoner there two days ago; the place id.
async fn transfer_to_camp_south(app: &crate::harness::App) -> String {
    let store = &app.store;
    let scope_a = store.operator_scope(&app.fx.tenant_a, "test");
    let north = store.places(&scope_a).await.unwrap().remove(0);
    let south = store
        .create_place(
            &scope_a,
            &NewPlace {
                controlling_party: north.controlling_party,
                kind: PlaceKind::PowCamp,
                name: "Camp South".into(),
                parent: None,
                postal_address: None,
            },
        )
        .await
        .unwrap();
    let record = store.person(&scope_a, app.fx.pow_a).await.unwrap();
    store
        .record_event(
            &scope_a,
            app.fx.pow_a,
            record.sources[0].id,
            &NewEvent {
                kind: EventKind::TransferDeparture,
                occurred_at: OffsetDateTime::now_utc() - Duration::days(2),
                place: Some(north.id),
                place_to: Some(south),
                locator: "transfer order 12".into(),
                note: None,
            },
        )
        .await
        .unwrap();
    south.to_string()
}

#[tokio::test]
async fn a_bureau_draws_the_list_of_persons_transferred_to_a_place_from_its_records() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let south = transfer_to_camp_south(&app).await;
        let clerk = app.browser("clerk-a").await;
        let page = app.get("/lists", Some(&clerk.cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Draw a list from the records"));
        assert!(page.body.contains(&south), "the place is offered");

        // Bad input is named on its field: no place for a transfer list, a bad date, a period
        // that ends before it starts, an unknown kind.
        let refused = app.submit("/lists", "list=transferred", &clerk).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("this list is of one place"),
            "{}",
            refused.body
        );
        let refused = app
            .submit(
                "/lists",
                &format!("list=transferred&place={south}&from=yesterday"),
                &clerk,
            )
            .await;
        assert!(refused.body.contains("is not a date"), "{}", refused.body);
        let refused = app
            .submit(
                "/lists",
                "list=released&from=2026-03-02&until=2026-03-01",
                &clerk,
            )
            .await;
        assert!(refused.body.contains("ends before it starts"));
        let refused = app.submit("/lists", "list=escaped", &clerk).await;
        assert!(refused.body.contains("choose which list"));
        // Nobody was released: nothing to list, nothing drawn.
        let refused = app.submit("/lists", "list=released", &clerk).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("nothing to list"));
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        assert!(store.lists(&scope_a).await.unwrap().is_empty());
        // A period that misses the transfer finds nobody either.
        let old = (OffsetDateTime::now_utc() - Duration::days(30)).date();
        let refused = app
            .submit(
                "/lists",
                &format!("list=transferred&place={south}&until={old}"),
                &clerk,
            )
            .await;
        assert!(refused.body.contains("nothing to list"), "{}", refused.body);

        // GC3-46-a: the transfer to Camp South, this week.
        let week = (OffsetDateTime::now_utc() - Duration::days(7)).date();
        let today = OffsetDateTime::now_utc().date();
        let drawn = app
            .submit(
                "/lists",
                &format!("list=transferred&place={south}&from={week}&until={today}"),
                &clerk,
            )
            .await;
        assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.body);
        let lists = store.lists(&scope_a).await.unwrap();
        assert_eq!(lists.len(), 1, "{}", app.backend);
        assert_eq!(lists[0].persons, vec![app.fx.pow_a]);
        assert_eq!(lists[0].rule.as_deref(), Some("GC3-46-a, GC4-127"));
        assert!(lists[0].title.contains("Camp South"), "{}", lists[0].title);
        let page = app.get("/lists", Some(&clerk.cookie)).await;
        assert!(page.body.contains(&lists[0].reference));
        assert!(page.body.contains("A-0001"));
        assert!(page.body.contains("meets GC3-46-a, GC4-127"));

        // The API draws the same from the records; both ways of giving persons is refused.
        let token = app.token(t.bureau_a.id, UserRole::BureauClerk).await;
        let body = format!(r#"{{"from_records":{{"list":"transferred","place":"{south}"}}}}"#);
        let api = app
            .api("POST", "/api/v1/lists", Some(&token), Some(&body))
            .await;
        assert_eq!(api.status, StatusCode::CREATED, "{}", api.body);
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(json["persons"][0], "A-0001");
        assert_eq!(json["rule"], "GC3-46-a, GC4-127");
        let both = app
            .api(
                "POST",
                "/api/v1/lists",
                Some(&token),
                Some(r#"{"persons":["A-0001"],"from_records":{"list":"died"}}"#),
            )
            .await;
        assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);
        let none = app
            .api(
                "POST",
                "/api/v1/lists",
                Some(&token),
                Some(r#"{"from_records":{"list":"died"}}"#),
            )
            .await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(none.body.contains("nothing to list"), "{}", none.body);

        // The lists follow the card to the agency, whose page shows them as received.
        let envelope = send(store, &t.bureau_a, "agency").await;
        assert!(matches!(
            receive(store, &t.agency, &envelope).await,
            ReceiptStatus::Applied { .. }
        ));
        let caseworker = app.browser("caseworker").await;
        let page = app.get("/lists", Some(&caseworker.cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("received from bureau-a"),
            "{}",
            page.body
        );
        assert!(page.body.contains("bureau-a:A-0001"));
        assert!(!page.body.contains("Draw a list from the records"));
        // The agency draws no lists: its caseworker may not post one.
        let refused = app.submit("/lists", "list=died", &caseworker).await;
        assert!(
            matches!(
                refused.status,
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
            ),
            "{}",
            refused.status
        );
    }
}

fn tracing_request() -> NewTracingRequest {
    NewTracingRequest {
        reference: "TR-NEWS".into(),
        enquirer_name: "Halyna Kovalenko".into(),
        enquirer_contact: "Street 1, Town".into(),
        relationship: "mother".into(),
        sought_name: PersonName::new(vec![
            NamePart::new(NamePartKind::Given, "Олександр", None).unwrap(),
            NamePart::new(NamePartKind::Family, "Коваленко", None).unwrap(),
        ])
        .unwrap(),
        sought_birth: None,
        sought_birth_place: None,
        sought_father_name: None,
        circumstances: "No news since the fighting near the river".into(),
        consent_tracing: true,
        consent_share: false,
        language: Some("uk".into()),
    }
}

#[tokio::test]
async fn a_closed_enquiry_is_no_longer_owed_and_an_answer_reaches_the_tracing_request() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_agency = store.operator_scope(&t.agency, "test");
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let first = send(store, &t.bureau_a, "agency").await;
        assert!(matches!(
            receive(store, &t.agency, &first).await,
            ReceiptStatus::Applied { .. }
        ));
        let held = record_of(store, &scope_agency, "bureau-a:A-0001").await;
        let request = store
            .create_tracing_request(&scope_agency, &tracing_request())
            .await
            .unwrap();
        // Two enquiries to bureau A: one about the family's request, one about the person;
        // both overdue already (asked with a target in the past).
        let past = Some(OffsetDateTime::now_utc() - Duration::days(1));
        let about_request = store
            .ask_enquiry(
                &scope_agency,
                &NewEnquiry {
                    peer: "bureau-a".into(),
                    tracing_request: Some(request),
                    question: "Do you hold a person of this name?".into(),
                    due_at: past,
                    ..NewEnquiry::default()
                },
            )
            .await
            .unwrap();
        let about_person = store
            .ask_enquiry(
                &scope_agency,
                &NewEnquiry {
                    peer: "bureau-a".into(),
                    person: Some(held.person.id),
                    question: "Where is he held now?".into(),
                    due_at: past,
                    ..NewEnquiry::default()
                },
            )
            .await
            .unwrap();
        let owed = |report: &tx::compliance::Compliance| {
            report
                .enquiries
                .iter()
                .find(|r| r.direction == "asked" && r.peer == "bureau-a")
                .map(|r| (r.owed, r.overdue, r.closed))
        };
        let report =
            tx::compliance::compute(store, &scope_agency, "agency", OffsetDateTime::now_utc())
                .await
                .unwrap();
        assert_eq!(owed(&report), Some((2, 2, 0)), "{}", app.backend);

        // The caseworker closes the second: the reason is required, the outcome one of two.
        let caseworker = app.browser("caseworker").await;
        let path = format!("/enquiries/{}/close", about_person.id);
        let refused = app.submit(&path, "outcome=answered", &caseworker).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("say why"), "{}", refused.body);
        let refused = app
            .submit(&path, "outcome=forgotten&reason=x", &caseworker)
            .await;
        assert!(
            refused
                .body
                .contains("answered (by other means) or withdrawn")
        );
        // Another tenant's enquiry answers 404; a bureau does not close (it answers).
        let clerk = app.browser("clerk-a").await;
        let foreign = app
            .submit(&path, "outcome=withdrawn&reason=Not+ours", &clerk)
            .await;
        assert!(
            matches!(
                foreign.status,
                StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
            ),
            "{}",
            foreign.status
        );
        let closed = app
            .submit(
                &path,
                "outcome=withdrawn&reason=The+family+found+him+through+a+Red+Cross+message",
                &caseworker,
            )
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
        let again = app
            .submit(&path, "outcome=answered&reason=twice", &caseworker)
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            again.body.contains("closed as withdrawn already"),
            "{}",
            again.body
        );
        let page = app.get("/enquiries", Some(&caseworker.cookie)).await;
        assert!(page.body.contains("closed: withdrawn"), "{}", page.body);
        assert!(page.body.contains("found him through a Red Cross message"));
        let report =
            tx::compliance::compute(store, &scope_agency, "agency", OffsetDateTime::now_utc())
                .await
                .unwrap();
        assert_eq!(owed(&report), Some((1, 1, 1)), "{}", app.backend);
        let page = app.get("/compliance", Some(&caseworker.cookie)).await;
        assert!(
            between(&page.body, "<caption>Enquiries", "</table>")
                .is_some_and(|t| t.contains("Closed without answer")),
            "{}",
            page.body
        );

        // The enquiry about the request travels to bureau A, which answers; the answer comes
        // back and shows on the tracing request's page and API: news for the family.
        let to_a = send(store, &t.agency, "bureau-a").await;
        assert!(matches!(
            receive(store, &t.bureau_a, &to_a).await,
            ReceiptStatus::Applied { .. }
        ));
        let inbox = store.enquiries(&scope_a).await.unwrap();
        let received = inbox
            .iter()
            .find(|e| e.reference == about_request.reference)
            .expect("the enquiry about the request arrived");
        store
            .answer_enquiry(
                &scope_a,
                received.id,
                "Yes: held at Camp North, in good health.",
                &["A-0001".to_owned()],
            )
            .await
            .unwrap();
        // A bureau cannot close what it received: it replies to all enquiries.
        let refused = store
            .close_enquiry(
                &scope_a,
                received.id,
                store::ClosureOutcome::Withdrawn,
                "no",
            )
            .await;
        assert!(matches!(refused, Err(store::StoreError::Invalid(_))));
        let back = send(store, &t.bureau_a, "agency").await;
        assert!(matches!(
            receive(store, &t.agency, &back).await,
            ReceiptStatus::Applied { .. }
        ));
        let page = app
            .get(&format!("/tracing/{request}"), Some(&caseworker.cookie))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let section = between(
            &page.body,
            "<h2>Enquiries to bureaus</h2>",
            "<h2>Proposed matches",
        )
        .expect("the enquiries section");
        assert!(
            section.contains("held at Camp North, in good health."),
            "{section}"
        );
        assert!(section.contains("answered late"), "{section}");
        let token = app.token(t.agency.id, UserRole::Caseworker).await;
        let api = app
            .api(
                "GET",
                &format!("/api/v1/tracing-requests/{request}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(api.status, StatusCode::OK, "{}", api.body);
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(json["enquiries"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            json["enquiries"][0]["answers"][0]["answer"],
            "Yes: held at Camp North, in good health."
        );
        // Answered (late): owed and answered, no longer overdue.
        let report =
            tx::compliance::compute(store, &scope_agency, "agency", OffsetDateTime::now_utc())
                .await
                .unwrap();
        assert_eq!(owed(&report), Some((1, 0, 1)), "{}", app.backend);

        // The API closes too, with the same checks.
        let third = store
            .ask_enquiry(
                &scope_agency,
                &NewEnquiry {
                    peer: "bureau-a".into(),
                    person: Some(held.person.id),
                    question: "Has he been visited?".into(),
                    ..NewEnquiry::default()
                },
            )
            .await
            .unwrap();
        let path = format!("/api/v1/enquiries/{}/close", third.id);
        let bad = app
            .api(
                "POST",
                &path,
                Some(&token),
                Some(r#"{"outcome":"answered"}"#),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let done = app
            .api(
                "POST",
                &path,
                Some(&token),
                Some(r#"{"outcome":"answered","reason":"Answered by telephone on 3 March"}"#),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let json: serde_json::Value = serde_json::from_str(&done.body).unwrap();
        assert_eq!(json["state"], "closed-answered");
        assert_eq!(
            json["closure"]["reason"],
            "Answered by telephone on 3 March"
        );
    }
}

/// The peers page reads each peer's last pull and failure from the database, where a previous
/// server process left them (migration 0018), not from this process's memory.
#[tokio::test]
async fn the_peers_page_shows_the_last_pull_and_failure_kept_in_the_database() {
    for app in apps().await {
        let store = &app.store;
        let scope_agency = store.operator_scope(&app.fx.agency, "test");
        store
            .set_peer(
                &scope_agency,
                &store::NewPeer {
                    url: Some("http://127.0.0.1:9"),
                    pull: true,
                    ..store::NewPeer::new("bureau-a", "agency")
                },
            )
            .await
            .unwrap();
        let pulled = time::macros::datetime!(2026-03-14 09:30 UTC);
        let failed = time::macros::datetime!(2026-03-15 10:45 UTC);
        store
            .note_peer_exchange(
                &scope_agency,
                "bureau-a",
                &store::PeerExchangeUpdate {
                    pulled: Some(pulled),
                    error: Some(Some((failed, "pull: cannot reach the peer".into()))),
                    ..store::PeerExchangeUpdate::default()
                },
            )
            .await
            .unwrap();
        let reviewer = app.browser("reviewer").await;
        let page = app.get("/peers", Some(&reviewer.cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("<td>2026-03-14 09:30 UTC</td>"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("2026-03-15 10:45 UTC: pull: cannot reach the peer"),
            "{}",
            page.body
        );
        // The pull schedule reads the same: an hourly peer pulled long ago is due.
        let status = tx::status::peer_status(store, &scope_agency, "bureau-a")
            .await
            .unwrap();
        let hourly = store::PeerSetting {
            pull_every: Some(3600),
            ..store.peers(&scope_agency).await.unwrap().remove(0)
        };
        assert!(tx::status::pull_due_at(
            &status,
            &hourly,
            pulled + Duration::hours(1)
        ));
        assert!(!tx::status::pull_due_at(
            &status,
            &hourly,
            pulled + Duration::minutes(59)
        ));
    }
}

/// The lists page in a real browser (CI runs it with `WHEREABOUTS_BROWSER_TESTS=1`): the
/// clerk draws the list of the persons transferred to Camp South (GC3-46-a, GC4-127) with the
/// form, is told by the field what is missing first, and sees the list drawn, waiting for the
/// agency.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_draws_the_transfer_list_in_chromium() {
    let app = apps().await.remove(0);
    three(&app).await;
    let south = transfer_to_camp_south(&app).await;
    app.store
        .set_peer(
            &app.store.operator_scope(&app.fx.tenant_a, "test"),
            &NewPeer::new("agency", "agency"),
        )
        .await
        .unwrap();
    crate::browser::in_chromium(app, move |driver, base| {
        driver.sign_in(base, "clerk-a", crate::harness::PASSWORD);
        driver.goto(&format!("{base}/lists"));
        driver.wait_for("Draw a list from the records");
        driver.click("#list option[value=transferred]");
        driver.click("form.record button[type=submit]");
        let refused = driver.wait_for("this list is of one place");
        assert!(refused.contains("aria-invalid=\"true\""), "{refused}");
        // The form keeps what was chosen; the place is given now, and the period.
        let week = (OffsetDateTime::now_utc() - Duration::days(7)).date();
        let today = OffsetDateTime::now_utc().date();
        driver.click(&format!("#place option[value='{south}']"));
        driver.set_value("#from", &week.to_string());
        driver.set_value("#until", &today.to_string());
        driver.click("form.record button[type=submit]");
        let drawn = driver.wait_for("meets GC3-46-a, GC4-127");
        assert!(drawn.contains("A-0001"), "{drawn}");
        assert!(drawn.contains("Camp South"));
        assert!(
            drawn.contains("Not sent to agency yet"),
            "the list waits for the next envelope: {drawn}"
        );
        assert!(driver.url().contains("/lists"), "{}", driver.url());
    })
    .await;
}
