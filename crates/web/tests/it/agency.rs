//! The agency's work: a tracing request in Cyrillic finds a record written in Latin letters; two
//! different people must confirm before the answer letter exists; a rejected pair is never
//! proposed again (MATCH-1).

use axum::http::StatusCode;

use crate::harness::{App, Browser, apps, json_of};

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
        assert!(
            body.contains("<td>same name in different scripts</td>"),
            "the outcome in words"
        );
        assert!(
            !body.contains("same_name_other_spelling"),
            "no engine codes on the page"
        );
        assert!(body.contains(
            r#"<span dir="auto">Олександр</span></td><td><span dir="auto">Oleksandr</span>"#
        ));
        assert!(body.contains("<th scope=\"row\">birth date</th>"));
        assert!(body.contains("whereabouts-matching/5"));
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

/// The caseworker's worklist (MATCH-1): each request shows where it stands, a tab per stage
/// counts them, the filters keep only what they name (an unknown stage is refused by name), the
/// dashboard counts the same, and the API gives the same list with the counts.
#[tokio::test]
async fn the_worklist_shows_each_request_at_its_stage_with_counts() {
    use store::UserRole;

    for app in apps().await {
        let caseworker = app.browser("caseworker").await;
        let reviewer = app.browser("reviewer").await;
        let person = app.fx.agency_person;
        let mut locations = Vec::new();
        for reference in ["TR-W1", "TR-W2", "TR-W3"] {
            locations.push(file_request(&app, &caseworker, reference).await);
        }
        let confirm = format!("person={person}&decision=confirm");
        for (location, browser) in [
            (&locations[1], &caseworker),
            (&locations[2], &caseworker),
            (&locations[2], &reviewer),
        ] {
            let page = app
                .submit(&format!("{location}/decisions"), &confirm, browser)
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        }
        let list = app.get("/tracing", Some(&caseworker.cookie)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", app.backend);
        let body = &list.body;
        assert!(
            body.contains(r#"<strong aria-current="page">All (3)</strong>"#),
            "{body}"
        );
        assert!(body.contains(">To review (1)</a>"), "{body}");
        assert!(body.contains(">Awaiting a second confirmation (1)</a>"));
        assert!(body.contains(">Found (1)</a>"));
        assert!(body.contains("3 requests · page 1 of 1"));
        // Each row says its stage and how many decisions were taken.
        let row = |body: &str, reference: &str| {
            let start = body.find(&format!(">{reference}</a>")).unwrap();
            let end = start + body[start..].find("</tr>").unwrap();
            body[start..end].to_owned()
        };
        assert!(
            row(body, "TR-W1").contains(r#"<td class="stage-to-review">To review</td><td>0</td>"#)
        );
        assert!(row(body, "TR-W2").contains("Awaiting a second confirmation</td><td>1</td>"));
        assert!(row(body, "TR-W3").contains(r#"<td class="stage-found">Found</td><td>2</td>"#));
        // Triage: the engine's best proposal (the Latin record of the Cyrillic request).
        let best = |row: String| -> Option<f64> {
            let cell = row.rsplit("<td>").next()?;
            cell.split('%').next()?.parse().ok()
        };
        let w1 = best(row(body, "TR-W1")).expect("TR-W1 has a proposal");
        assert!(w1 >= 50.0, "{w1}");

        let found = app
            .get("/tracing?stage=found", Some(&reviewer.cookie))
            .await;
        assert!(found.body.contains(">TR-W3</a>"));
        assert!(!found.body.contains(">TR-W1</a>") && !found.body.contains(">TR-W2</a>"));
        assert!(
            found
                .body
                .contains(r#"<strong aria-current="page">Found (1)</strong>"#)
        );
        let by_reference = app
            .get("/tracing?reference=TR-W2", Some(&caseworker.cookie))
            .await;
        assert!(by_reference.body.contains(">TR-W2</a>"));
        assert!(!by_reference.body.contains(">TR-W3</a>"));
        assert!(by_reference.body.contains("1 request · page 1 of 1"));
        let none = app
            .get(
                "/tracing?stage=found&reference=TR-W1",
                Some(&caseworker.cookie),
            )
            .await;
        assert!(none.body.contains("No tracing requests with this filter."));
        let unknown = app
            .get("/tracing?stage=lost", Some(&caseworker.cookie))
            .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.body.contains("unknown stage"), "{}", unknown.body);

        // A rejected pair leaves the best-proposal column (MATCH-1: never proposed again).
        let w4 = file_request(&app, &caseworker, "TR-W4").await;
        let reject = format!("person={person}&decision=reject");
        let page = app
            .submit(&format!("{w4}/decisions"), &reject, &reviewer)
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let page = app
            .get("/tracing?reference=TR-W4", Some(&caseworker.cookie))
            .await;
        let w4_row = row(&page.body, "TR-W4");
        assert!(w4_row.contains("To review</td><td>1</td>"), "{w4_row}");
        assert!(best(w4_row.clone()).is_none_or(|p| p < w1), "{w4_row}");

        // The dashboard: the same counts, linking to each tab.
        let dashboard = app.get("/", Some(&caseworker.cookie)).await;
        assert!(dashboard.body.contains(
            r#"<span class="number">1</span> <a href="/tracing?stage=awaiting-second">awaiting a second confirmation</a>"#
        ), "{}", dashboard.body);
        assert!(dashboard.body.contains("All tracing requests</a> (4)"));

        // The API: the same list, filtered and paged, with the counts per stage.
        let token = app.token(app.fx.agency.id, UserRole::Caseworker).await;
        let page = app
            .api(
                "GET",
                "/api/v1/tracing-requests?stage=awaiting-second",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let list = json_of(&page.body);
        assert_eq!(list["total"], 1);
        assert_eq!(list["tracing_requests"][0]["reference"], "TR-W2");
        assert_eq!(list["tracing_requests"][0]["stage"], "awaiting-second");
        assert_eq!(list["tracing_requests"][0]["decisions"], 1);
        assert_eq!(list["stages"]["to-review"], 2);
        assert_eq!(list["stages"]["found"], 1);
        let paged = json_of(
            &app.api(
                "GET",
                "/api/v1/tracing-requests?limit=2&offset=3",
                Some(&token),
                None,
            )
            .await
            .body,
        );
        assert_eq!(paged["total"], 4);
        assert_eq!(paged["tracing_requests"].as_array().unwrap().len(), 1);
        assert_eq!(paged["tracing_requests"][0]["reference"], "TR-W1");
        let bad = app
            .api(
                "GET",
                "/api/v1/tracing-requests?stage=lost",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            json_of(&bad.body)["error"]["fields"]["stage"].is_string(),
            "{}",
            bad.body
        );
    }
}
