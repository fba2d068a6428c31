//! Issue 5, on both backends: the family's answer letter carries the answers bureaus gave to
//! the agency's enquiries for the family's tracing request (GC3-122-g, GC4-137-a; the agency
//! forwards: GC3-123-a, GC4-140-a), and only what may reach a family: never the questions or
//! the bureau's references; nothing when a detriment flag is on the person (GC4-137-b); any
//! answer the caseworker leaves out (ICRC-RFL-b: where an adult is held needs their agreement).

use axum::http::StatusCode;
use domain::{NamePart, NamePartKind, PersonName};
use store::{NewEnquiry, NewTracingRequest};
use transmit::ReceiptStatus;

use crate::changes::{receive, record_of, send, three};
use crate::harness::apps;

fn request() -> NewTracingRequest {
    NewTracingRequest {
        reference: "TR-LETTER".into(),
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

/// The reference of the answer the agency received whose text contains `text`.
async fn answer_saying(store: &store::Store, scope: &store::TenantScope, text: &str) -> String {
    store
        .enquiries(scope)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|e| e.answers)
        .find(|a| a.answer.contains(text))
        .map(|a| a.reference)
        .unwrap()
}

/// The agency asks bureau A `question` about a person or for a tracing request.
async fn ask(
    store: &store::Store,
    scope: &store::TenantScope,
    about: (Option<domain::PersonId>, Option<store::TracingRequestId>),
    question: &str,
) -> store::EnquiryRecord {
    store
        .ask_enquiry(
            scope,
            &NewEnquiry {
                peer: "bureau-a".into(),
                person: about.0,
                tracing_request: about.1,
                question: question.into(),
                ..NewEnquiry::default()
            },
        )
        .await
        .unwrap()
}

/// The agency asks bureau A `question` about `person` (not about a tracing request).
async fn ask_about(
    store: &store::Store,
    scope: &store::TenantScope,
    person: domain::PersonId,
    question: &str,
) -> store::EnquiryRecord {
    ask(store, scope, (Some(person), None), question).await
}

/// The agency's tracing request for bureau A's person, received by the agency, with two
/// enquiries asked for the request and one about the person, each answered by bureau A and the
/// answers received back: the letter's news once two people confirm the pair.
pub(crate) async fn answered_request(
    app: &crate::harness::App,
    t: &crate::changes::Three,
) -> (store::TracingRequestId, store::PersonRecord) {
    let store = &app.store;
    let scope_agency = store.operator_scope(&t.agency, "test");
    let scope_a = store.operator_scope(&t.bureau_a, "test");
    let cards = send(store, &t.bureau_a, "agency").await;
    assert!(matches!(
        receive(store, &t.agency, &cards).await,
        ReceiptStatus::Applied { .. }
    ));
    let held = record_of(store, &scope_agency, "bureau-a:A-0001").await;
    let request = store
        .create_tracing_request(&scope_agency, &request())
        .await
        .unwrap();
    for question in ["Do you hold a person of this name?", "Has he written home?"] {
        ask(store, &scope_agency, (None, Some(request)), question).await;
    }
    // An enquiry about the person, not the request: its answer is not this letter's news.
    ask_about(store, &scope_agency, held.person.id, "Was he transferred?").await;
    let to_a = send(store, &t.agency, "bureau-a").await;
    assert!(matches!(
        receive(store, &t.bureau_a, &to_a).await,
        ReceiptStatus::Applied { .. }
    ));
    for enquiry in store.enquiries(&scope_a).await.unwrap() {
        let answer = match enquiry.question.as_str() {
            "Do you hold a person of this name?" => "Yes: held at Camp North.",
            "Has he written home?" => "He wrote a capture card on 3 March; it was sent.",
            _ => "Transferred to Camp South on 1 March.",
        };
        store
            .answer_enquiry(&scope_a, enquiry.id, answer, &["A-0001".to_owned()])
            .await
            .unwrap();
    }
    let back = send(store, &t.bureau_a, "agency").await;
    assert!(matches!(
        receive(store, &t.agency, &back).await,
        ReceiptStatus::Applied { .. }
    ));
    (request, held)
}

#[tokio::test]
async fn the_letter_carries_the_bureaus_answers_unless_left_out_or_detrimental() {
    for app in apps().await {
        let store = &app.store;
        let backend = app.backend;
        let t = three(&app).await;
        let scope_agency = store.operator_scope(&t.agency, "test");
        let (request, held) = answered_request(&app, &t).await;

        // Two different people confirm the pair (MATCH-1): the letter exists.
        let caseworker = app.browser("caseworker").await;
        let reviewer = app.browser("reviewer").await;
        let person = held.person.id;
        let decisions = format!("/tracing/{request}/decisions");
        for who in [&caseworker, &reviewer] {
            let done = app
                .submit(
                    &decisions,
                    &format!("person={person}&decision=confirm"),
                    who,
                )
                .await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        }
        let letter = format!("/tracing/{request}/letter/{person}");
        let page = app.get(&letter, Some(&caseworker.cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{backend}: {}", page.body);
        let body = &page.body;
        assert!(
            body.contains("News from the national information bureau"),
            "{body}"
        );
        assert!(body.contains("Yes: held at Camp North."), "{body}");
        assert!(
            body.contains("He wrote a capture card on 3 March"),
            "{body}"
        );
        // Only the request's enquiries, never the questions or the bureau's references.
        assert!(!body.contains("Transferred to Camp South"), "{body}");
        assert!(!body.contains("Do you hold a person"), "{body}");
        assert!(!body.contains("A-0001"), "{body}");

        // The caseworker leaves the answer that says where he is held out of the letter.
        let located = answer_saying(store, &scope_agency, "Camp North").await;
        let href = format!("{letter}?omit={located}");
        assert!(body.contains(&format!(r#"href="{href}""#)), "{body}");
        let page = app.get(&href, Some(&caseworker.cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("Yes: held at Camp North."),
            "{}",
            page.body
        );
        assert!(page.body.contains("He wrote a capture card on 3 March"));
        assert!(
            page.body.contains(&format!("Answer {located} of ")),
            "{}",
            page.body
        );
        assert!(page.body.contains(&format!(r#"href="{letter}""#)));
        // Something that is not an answer of this letter is ignored.
        let page = app
            .get(
                &format!("{letter}?omit=ANS-nothing,"),
                Some(&caseworker.cookie),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Yes: held at Camp North."));

        // GC4-137-b: a detriment flag on the person withholds every answer from the family; the
        // caseworker is told how many, not what.
        store
            .flag_detriment(
                &scope_agency,
                person,
                "His family's village is under the other party's control",
            )
            .await
            .unwrap();
        let page = app.get(&letter, Some(&reviewer.cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page
                .body
                .contains("News from the national information bureau")
        );
        assert!(!page.body.contains("Camp North") && !page.body.contains("3 March"));
        assert!(
            page.body
                .contains("2 answer(s) withheld from the family: a detriment flag"),
            "{backend}: {}",
            page.body
        );
        assert!(
            !page.body.contains("village"),
            "the reason stays at the agency"
        );
    }
}

/// GC3-122-g, §10 #47: the agency withdraws an enquiry bureau A received; the withdrawal
/// travels in the next envelope, once, and bureau A's page shows it closed, with no answer
/// form, and its compliance no longer counts it as owed.
#[tokio::test]
async fn a_withdrawal_reaches_the_bureaus_page_and_leaves_what_it_owes() {
    for app in apps().await {
        let store = &app.store;
        let backend = app.backend;
        let t = three(&app).await;
        let scope_agency = store.operator_scope(&t.agency, "test");
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let cards = send(store, &t.bureau_a, "agency").await;
        receive(store, &t.agency, &cards).await;
        let held = record_of(store, &scope_agency, "bureau-a:A-0001").await;
        let asked = ask_about(
            store,
            &scope_agency,
            held.person.id,
            "Where is he held now?",
        )
        .await;
        let to_a = send(store, &t.agency, "bureau-a").await;
        receive(store, &t.bureau_a, &to_a).await;
        let owed = |report: &web::transmission::compliance::Compliance| {
            report
                .enquiries
                .iter()
                .find(|r| r.direction == "received" && r.peer == "agency")
                .map(|r| (r.owed, r.closed))
        };
        let now = time::OffsetDateTime::now_utc();
        let report = web::transmission::compliance::compute(store, &scope_a, "bureau-a", now)
            .await
            .unwrap();
        assert_eq!(owed(&report), Some((1, 0)), "{backend}");

        // The caseworker withdraws it on the page; the form says the reason travels.
        let caseworker = app.browser("caseworker").await;
        let page = app.get("/enquiries", Some(&caseworker.cookie)).await;
        assert!(
            page.body
                .contains("a withdrawal&#39;s reason is sent to bureau-a")
                || page
                    .body
                    .contains("a withdrawal's reason is sent to bureau-a"),
            "{}",
            page.body
        );
        let closed = app
            .submit(
                &format!("/enquiries/{}/close", asked.id),
                "outcome=withdrawn&reason=The+family+withdrew+its+request",
                &caseworker,
            )
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
        let withdrawal = send(store, &t.agency, "bureau-a").await;
        assert!(matches!(
            receive(store, &t.bureau_a, &withdrawal).await,
            ReceiptStatus::Applied { applied: 1, .. }
        ));
        assert!(matches!(
            receive(store, &t.bureau_a, &withdrawal).await,
            ReceiptStatus::Duplicate
        ));

        let report = web::transmission::compliance::compute(store, &scope_a, "bureau-a", now)
            .await
            .unwrap();
        assert_eq!(owed(&report), Some((0, 1)), "{backend}");
        let clerk = app.browser("clerk-a").await;
        let page = app.get("/enquiries", Some(&clerk.cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("closed: withdrawn"), "{}", page.body);
        assert!(
            page.body.contains("Withdrawn by agency on")
                && page.body.contains("The family withdrew its request"),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains("/answer\""),
            "no answer form: {}",
            page.body
        );
        let token = app.token(t.bureau_a.id, store::UserRole::BureauClerk).await;
        let api = app
            .api("GET", "/api/v1/enquiries", Some(&token), None)
            .await;
        assert_eq!(api.status, StatusCode::OK, "{}", api.body);
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(json["enquiries"][0]["state"], "withdrawn");
        assert_eq!(json["enquiries"][0]["closure"]["received"], true);
    }
}

/// GC3-122-g, XC-3 (migration 0021): the bundles reach bureau A out of order, the withdrawal
/// before the enquiry it withdraws. The withdrawal is held (the page lists it), then closes the
/// enquiry when it arrives: once. The agency's `/peers` counts the withdrawal among what waits
/// to be sealed until an envelope carries it.
#[tokio::test]
async fn a_withdrawal_read_before_its_enquiry_is_held_and_the_peers_page_counts_it() {
    for app in apps().await {
        let store = &app.store;
        let backend = app.backend;
        let t = three(&app).await;
        let scope_agency = store.operator_scope(&t.agency, "test");
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        store
            .set_peer(&scope_agency, &store::NewPeer::new("bureau-a", "agency"))
            .await
            .unwrap();
        let cards = send(store, &t.bureau_a, "agency").await;
        receive(store, &t.agency, &cards).await;
        let held = record_of(store, &scope_agency, "bureau-a:A-0001").await;
        let asked = ask_about(
            store,
            &scope_agency,
            held.person.id,
            "Where is he held now?",
        )
        .await;
        let reviewer = app.browser("reviewer").await;
        let waits = |body: &str, text: &str| body.contains(&format!("<td>{text}</td>"));
        let page = app.get("/peers", Some(&reviewer.cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            waits(
                &page.body,
                "1 enquiry(ies), 0 answer(s), 0 list(s), 0 withdrawal(s)"
            ),
            "{backend}: {}",
            page.body
        );
        let first = send(store, &t.agency, "bureau-a").await;
        store
            .close_enquiry(
                &scope_agency,
                asked.id,
                store::ClosureOutcome::Withdrawn,
                "The family withdrew its request",
            )
            .await
            .unwrap();
        let page = app.get("/peers", Some(&reviewer.cookie)).await;
        assert!(
            waits(
                &page.body,
                "0 enquiry(ies), 0 answer(s), 0 list(s), 1 withdrawal(s)"
            ),
            "{backend}: {}",
            page.body
        );
        let second = send(store, &t.agency, "bureau-a").await;
        let page = app.get("/peers", Some(&reviewer.cookie)).await;
        assert!(
            waits(
                &page.body,
                "0 enquiry(ies), 0 answer(s), 0 list(s), 0 withdrawal(s)"
            ),
            "{backend}: {}",
            page.body
        );

        // Bureau A reads the second bundle first: applied, the withdrawal held.
        assert!(
            matches!(
                receive(store, &t.bureau_a, &second).await,
                ReceiptStatus::Applied { applied: 1, .. }
            ),
            "{backend}"
        );
        assert!(store.enquiries(&scope_a).await.unwrap().is_empty());
        let clerk = app.browser("clerk-a").await;
        let page = app.get("/enquiries", Some(&clerk.cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(&format!(
                "<li>{} from agency: withdrawn on ",
                asked.reference
            )),
            "{backend}: {}",
            page.body
        );
        // Then the first: the enquiry arrives closed; nothing is owed.
        assert!(
            matches!(
                receive(store, &t.bureau_a, &first).await,
                ReceiptStatus::Applied { .. }
            ),
            "{backend}"
        );
        for bundle in [&first, &second] {
            assert!(matches!(
                receive(store, &t.bureau_a, bundle).await,
                ReceiptStatus::Duplicate
            ));
        }
        let inbox = store.enquiries(&scope_a).await.unwrap();
        assert_eq!(inbox.len(), 1, "{backend}");
        let closure = inbox[0].closure.as_ref().expect("closed on arrival");
        assert!(closure.received && closure.reason == "The family withdrew its request");
        assert!(store.parked_withdrawals(&scope_a).await.unwrap().is_empty());
        let now = time::OffsetDateTime::now_utc();
        let report = web::transmission::compliance::compute(store, &scope_a, "bureau-a", now)
            .await
            .unwrap();
        let owed = report
            .enquiries
            .iter()
            .find(|r| r.direction == "received" && r.peer == "agency")
            .map(|r| (r.owed, r.closed));
        assert_eq!(owed, Some((0, 1)), "{backend}");
        let page = app.get("/enquiries", Some(&clerk.cookie)).await;
        assert!(
            page.body.contains("Withdrawn by agency on") && !page.body.contains("Withdrawals held"),
            "{backend}: {}",
            page.body
        );
        assert!(!page.body.contains("/answer\""), "no answer form");
    }
}

/// The letter in a real browser (CI runs it with `WHEREABOUTS_BROWSER_TESTS=1`): the second
/// person confirms the pair with the review page's form (MATCH-1), opens the answer letter, reads
/// the bureau's news (GC3-122-g, GC4-137-a), leaves the answer that says where the person is
/// held out of it and puts it back (ICRC-RFL-b).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reviewer_confirms_and_leaves_an_answer_out_of_the_letter_in_chromium() {
    let app = apps().await.remove(0);
    let t = three(&app).await;
    let (request, held) = answered_request(&app, &t).await;
    let person = held.person.id;
    // The first confirmation, by the caseworker; the second is the reviewer's, in Chromium.
    let caseworker = app.browser("caseworker").await;
    let done = app
        .submit(
            &format!("/tracing/{request}/decisions"),
            &format!("person={person}&decision=confirm"),
            &caseworker,
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let scope_agency = app.store.operator_scope(&t.agency, "test");
    let located = answer_saying(&app.store, &scope_agency, "Camp North").await;
    crate::browser::in_chromium(app, move |driver, base| {
        driver.sign_in(base, "reviewer", crate::harness::PASSWORD);
        driver.goto(&format!("{base}/tracing/{request}"));
        driver.wait_for("Confirm: same person");
        assert!(
            !driver.source().contains("Answer letter"),
            "one confirmation is not enough"
        );
        driver.click(&format!("#pair-{person} form.decide button[value=confirm]"));
        driver.wait_for("Answer letter");
        driver.click(&format!("#pair-{person} a.letter"));
        let letter = driver.wait_for("News from the national information bureau");
        assert!(letter.contains("Yes: held at Camp North."), "{letter}");
        assert!(letter.contains("He wrote a capture card on 3 March"));
        assert!(
            !letter.contains("Do you hold a person"),
            "never the question"
        );
        assert!(
            !letter.contains("Transferred to Camp South"),
            "not this request's"
        );
        // Leave out the answer that says where he is held: the letter no longer carries it.
        driver.click(&format!("a[href$='?omit={located}']"));
        let left_out = driver.wait_for("is left out of this letter");
        assert!(
            !left_out.contains("Yes: held at Camp North."),
            "the answer left out is not printed: {left_out}"
        );
        assert!(left_out.contains(&format!("Answer {located} of ")));
        assert!(left_out.contains("He wrote a capture card on 3 March"));
        // And put back.
        driver.click(&format!("a[href$='/letter/{person}']"));
        driver.wait_for("Yes: held at Camp North.");
        assert!(!driver.source().contains("is left out of this letter"));
    })
    .await;
}
