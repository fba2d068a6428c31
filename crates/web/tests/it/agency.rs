//! The agency's work: a tracing request in Cyrillic finds a record written in Latin letters; two
//! different people must confirm before the answer letter exists; a rejected pair is never
//! proposed again (MATCH-1).

use axum::http::StatusCode;

use crate::harness::{App, Browser, apps};

fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn file_request(app: &App, browser: &Browser, reference: &str) -> String {
    let form = format!(
        "reference={reference}&enquirer_name={}&enquirer_contact={}&relationship=parent&sought_family={}&sought_given={}&sought_language=uk&sought_birth=1990&circumstances={}&consent_tracing=on",
        enc("Марія Коваленко"),
        enc("вул. Садова 3, Київ"),
        enc("Коваленко"),
        enc("Олександр"),
        enc("Зник під час боїв у березні"),
    );
    let page = app.submit("/tracing", &form, browser).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "{}: {}",
        app.backend,
        page.body
    );
    page.header("location")
}

#[tokio::test]
async fn intake_names_missing_consent_and_fields() {
    for app in apps().await {
        let caseworker = app.browser("caseworker").await;
        let page = app
            .submit(
                "/tracing",
                "reference=&sought_birth=3000&relationship=parent",
                &caseworker,
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        for (field, message) in [
            ("reference", "give the request&#39;s reference"),
            ("enquirer_name", "who is asking?"),
            (
                "sought_family",
                "give at least one part of the sought person&#39;s name",
            ),
            ("sought_birth", "3000"),
            (
                "circumstances",
                "when and where was the person last heard of",
            ),
            (
                "consent_tracing",
                "the agency traces only with the enquirer&#39;s consent",
            ),
        ] {
            let marker = format!(r#"id="{field}-error">"#);
            let at = page
                .body
                .find(&marker)
                .unwrap_or_else(|| panic!("{field}: {}", page.body));
            assert!(page.body[at..].starts_with(&marker));
            assert!(
                page.body[at..at + 250.min(page.body.len() - at)].contains(message),
                "{field}"
            );
        }
        // A bureau clerk cannot take in tracing requests at all.
        let clerk = app.browser("clerk-a").await;
        assert_eq!(
            app.get("/tracing/new", Some(&clerk.cookie)).await.status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn a_cyrillic_request_finds_the_latin_record_and_needs_two_confirmations() {
    for app in apps().await {
        let caseworker = app.browser("caseworker").await;
        let reviewer = app.browser("reviewer").await;
        let location = file_request(&app, &caseworker, "TR-1").await;
        let review = app.get(&location, Some(&caseworker.cookie)).await;
        assert_eq!(review.status, StatusCode::OK, "{}", app.backend);
        let body = &review.body;
        assert!(body.contains("XA-LIST-0042"), "{body}");
        assert!(!body.contains("XA-LIST-0043"), "Petrenko is not proposed");
        // Each feature side by side: as the family wrote it, as the record holds it, and the key.
        // The engine's explanation: the family name is the same name in another script.
        assert!(body.contains(r#"<th scope="row">family name</th><td><span dir="auto">Коваленко</span></td><td><span dir="auto">KOVALENKO</span></td>"#), "{body}");
        assert!(body.contains("<td>same_name_other_spelling</td>"));
        assert!(body.contains(
            r#"<span dir="auto">Олександр</span></td><td><span dir="auto">Oleksandr</span>"#
        ));
        assert!(body.contains("<th scope=\"row\">birth date</th>"));
        assert!(body.contains("whereabouts-matching/1"));
        assert!(body.contains("No confirmation yet."));
        let person = app.fx.agency_person;
        let decisions = format!("{location}/decisions");
        let letter = format!("{location}/letter/{person}");

        let first = app
            .submit(
                &decisions,
                &format!("person={person}&decision=confirm"),
                &caseworker,
            )
            .await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
        let review = app.get(&location, Some(&caseworker.cookie)).await;
        assert!(
            review
                .body
                .contains("Confirmed by <strong>caseworker</strong>.")
        );
        assert!(review.body.contains("You decided: confirm."));
        // One confirmation is not enough for the family.
        let early = app.get(&letter, Some(&caseworker.cookie)).await;
        assert_eq!(early.status, StatusCode::CONFLICT);
        assert!(early.body.contains("two independent confirmations"));
        // The same person cannot confirm twice.
        let twice = app
            .submit(
                &decisions,
                &format!("person={person}&decision=confirm"),
                &caseworker,
            )
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT);
        assert!(twice.body.contains("you have already decided on this pair"));
        assert_eq!(
            app.get(&letter, Some(&caseworker.cookie)).await.status,
            StatusCode::CONFLICT
        );
        // A second, different person confirms: the letter exists.
        let second = app
            .submit(
                &decisions,
                &format!("person={person}&decision=confirm"),
                &reviewer,
            )
            .await;
        assert_eq!(second.status, StatusCode::SEE_OTHER);
        let review = app.get(&location, Some(&reviewer.cookie)).await;
        assert!(
            review
                .body
                .contains("Confirmed by <strong>caseworker</strong>, <strong>reviewer</strong>.")
        );
        assert!(review.body.contains(&format!(r#"href="{letter}""#)));
        let page = app.get(&letter, Some(&reviewer.cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Марія Коваленко"));
        assert!(page.body.contains("Oleksandr KOVALENKO"));
        assert!(page.body.contains("Prisoner of war (GC III 4)"));
        assert!(page.body.contains("Confirmed by caseworker and reviewer."));
        // A decision on a person who is not in the agency's records: not found.
        let foreign = app
            .submit(
                &decisions,
                &format!("person={}&decision=confirm", app.fx.pow_a),
                &reviewer,
            )
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_rejected_pair_is_never_proposed_again() {
    for app in apps().await {
        let caseworker = app.browser("caseworker").await;
        let reviewer = app.browser("reviewer").await;
        let location = file_request(&app, &caseworker, "TR-2").await;
        let person = app.fx.agency_person;
        let decisions = format!("{location}/decisions");
        let reject = app
            .submit(
                &decisions,
                &format!("person={person}&decision=reject"),
                &reviewer,
            )
            .await;
        assert_eq!(reject.status, StatusCode::SEE_OTHER, "{}", app.backend);
        for browser in [&caseworker, &reviewer] {
            let review = app.get(&location, Some(&browser.cookie)).await;
            assert!(
                !review.body.contains("XA-LIST-0042"),
                "rejected pair proposed again"
            );
            assert!(review.body.contains("(1 rejected so far)"));
        }
        let confirm = app
            .submit(
                &decisions,
                &format!("person={person}&decision=confirm"),
                &caseworker,
            )
            .await;
        assert_eq!(confirm.status, StatusCode::CONFLICT);
        assert!(
            confirm
                .body
                .contains("a rejected pair is not reviewed again")
        );
        let letter = app
            .get(
                &format!("{location}/letter/{person}"),
                Some(&caseworker.cookie),
            )
            .await;
        assert_eq!(letter.status, StatusCode::CONFLICT);
        // The request list shows both the request and the sought name as written.
        let list = app.get("/tracing", Some(&caseworker.cookie)).await;
        assert!(list.body.contains("TR-2"));
        assert!(list.body.contains("Коваленко"));
    }
}

#[tokio::test]
async fn namesakes_at_the_top_are_flagged_with_what_to_ask_the_family() {
    use domain::{AssertedValue, FieldKey, NamePartKind, PersonCategory, Presence};
    use store::{NewAssertion, NewPerson};
    for app in apps().await {
        let caseworker = app.browser("caseworker").await;
        // One record only: no warning.
        let location = file_request(&app, &caseworker, "TR-1").await;
        let review = app.get(&location, Some(&caseworker.cookie)).await;
        assert!(review.body.contains("XA-LIST-0042"), "{}", review.body);
        assert!(!review.body.contains("score alike"), "{}", review.body);

        // A second Oleksandr KOVALENKO born in 1990 (another list, another day of birth).
        let scope = app.store.operator_scope(&app.fx.agency, "test");
        let list = app
            .store
            .record_source(&scope, &crate::harness::source("clerk-9", "en"))
            .await
            .unwrap();
        app.store
            .register_person(
                &scope,
                list,
                &NewPerson {
                    reference: "XA-LIST-0044".into(),
                    category: PersonCategory::PrisonerOfWar,
                    assertions: vec![
                        NewAssertion {
                            field: FieldKey::Name,
                            value: Presence::Present(crate::harness::name(
                                &[
                                    (NamePartKind::Given, "Oleksandr"),
                                    (NamePartKind::Family, "KOVALENKO"),
                                ],
                                "en",
                            )),
                            locator: "line 7".into(),
                        },
                        NewAssertion {
                            field: FieldKey::BirthDate,
                            value: Presence::Present(AssertedValue::Date(
                                domain::PartialDate::parse("1990-09-30").unwrap(),
                            )),
                            locator: "line 7".into(),
                        },
                    ],
                    events: Vec::new(),
                },
            )
            .await
            .unwrap();
        let location = file_request(&app, &caseworker, "TR-2").await;
        let review = app.get(&location, Some(&caseworker.cookie)).await;
        let body = &review.body;
        assert!(
            body.contains("XA-LIST-0042") && body.contains("XA-LIST-0044"),
            "{body}"
        );
        let warning =
            crate::harness::between(body, r#"<p class="flag namesakes" role="note">"#, "</p>")
                .unwrap_or_else(|| panic!("{}: no namesake warning: {body}", app.backend));
        assert!(warning.starts_with("2 records score alike"), "{warning}");
        // The request gives the year only, no father's name and no place of birth.
        assert!(
            warning.contains(
                "Ask the family for the full date of birth, the father&#39;s name and the place of birth"
            ),
            "{warning}"
        );
    }
}
