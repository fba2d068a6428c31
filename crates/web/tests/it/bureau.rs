//! The bureau's work in the browser's terms: register a person (GC III 17/122, GC IV 136–138),
//! record events, print the cards, watch the deadlines.

use axum::http::StatusCode;
use time::macros::format_description;
use time::{Duration, OffsetDateTime};

use crate::harness::apps;

fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn the_registration_form_names_each_problem_by_field() {
    for app in apps().await {
        let clerk = app.browser("clerk-a").await;
        let form = app.get("/persons/new", Some(&clerk.cookie)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", app.backend);
        // "declined" and "unknown" are distinct choices for every field.
        assert!(
            form.body.contains(
                r#"<option value="declined">declined by the person (GC III 17)</option>"#
            )
        );
        assert!(
            form.body
                .contains(r#"<option value="unknown">unknown</option>"#)
        );
        assert!(form.body.len() < 100_000);

        let bad = "reference=&category=&name_language=not+a+tag%21&f_birth_date=31.02.1990&f_nationality=Aldera&f_rank=sergeant&a_rank=declined&a_unit=bogus&fell_into_power_at=yesterday";
        let page = app.submit("/persons", bad, &clerk).await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.backend
        );
        for (field, message) in [
            (
                "reference",
                "give the bureau&#39;s reference for this person",
            ),
            ("category", "choose a category"),
            ("name_language", "is not a language tag"),
            ("f_birth_date", "is impossible"),
            ("f_nationality", "is not a two-letter country code"),
            ("f_rank", "give a value or a reason it is missing, not both"),
            ("f_unit", "is not a reason"),
            ("fell_into_power_at", "is not a date and time"),
        ] {
            let marker = format!(r#"<span class="field-error" id="{field}-error">"#);
            let at = page
                .body
                .find(&marker)
                .unwrap_or_else(|| panic!("no message for {field}: {}", page.body));
            let text = &page.body[at..at + 300.min(page.body.len() - at)];
            assert!(text.contains(message), "{field}: {text}");
        }
        // What was typed is kept.
        assert!(page.body.contains(r#"value="sergeant""#));
        // No name and no reason: the name is asked for, never forced (a reason is enough).
        let nameless = app
            .submit("/persons", "reference=A-9&category=pow", &clerk)
            .await;
        assert!(
            nameless
                .body
                .contains("give at least one part of the name, or the reason there is none")
        );
        let declined = app
            .submit(
                "/persons",
                "reference=A-9&category=unidentified&name_absent=declined",
                &clerk,
            )
            .await;
        assert_eq!(declined.status, StatusCode::SEE_OTHER, "{}", declined.body);
        // A reference already used is a message on the reference.
        let taken = app
            .submit(
                "/persons",
                "reference=A-0001&category=pow&name_family=X",
                &clerk,
            )
            .await;
        assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(taken.body.contains("is already registered in this bureau"));
    }
}

#[tokio::test]
async fn a_registered_person_shows_declined_apart_from_unknown_and_owes_a_capture_card() {
    for app in apps().await {
        let clerk = app.browser("clerk-a").await;
        let captured = (OffsetDateTime::now_utc() - Duration::days(2))
            .format(format_description!("[year]-[month]-[day]T[hour]:[minute]"))
            .unwrap();
        let form = format!(
            "reference=A-0100&category=pow&name_family={}&name_given={}&name_language=uk&f_rank={}&f_birth_date=1990-04-12&f_nationality=XB&a_birth_place=declined&a_occupation=unknown&fell_into_power_at={captured}",
            enc("Шевченко"),
            enc("Тарас"),
            enc("солдат"),
        );
        let page = app.submit("/persons", &form, &clerk).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            app.backend,
            page.body
        );
        let location = page.header("location");
        assert!(location.starts_with("/persons/"));
        let person = app.get(&location, Some(&clerk.cookie)).await;
        assert_eq!(person.status, StatusCode::OK);
        assert!(person.body.contains(r#"<span class="name-part" dir="auto" lang="uk">Шевченко</span> <span class="tag">family</span> <span class="tag">Cyrl</span>"#), "{}", person.body);
        assert!(person.body.contains(
            r#"<span class="absence absence-declined">declined by the person (GC III 17)</span>"#
        ));
        assert!(
            person
                .body
                .contains(r#"<span class="absence absence-unknown">unknown</span>"#)
        );
        assert!(person.body.contains("Clerk entry"));
        assert!(
            person
                .body
                .contains("collected by <span dir=\"auto\">clerk-a</span>")
        );
        // GC3-70-a: the capture card is due within a week of capture, and not yet overdue.
        assert!(person.body.contains("GC3-70-a Capture card (GC III 70)"));
        assert!(
            person
                .body
                .contains(r#"<span class="status due">due</span>"#)
        );
        let deadlines = app.get("/deadlines?status=due", Some(&clerk.cookie)).await;
        assert!(deadlines.body.contains("A-0100"));
        assert!(
            deadlines
                .body
                .contains(r#"<abbr title="Capture card (GC III 70)">GC3-70-a</abbr>"#)
        );
        let overdue = app
            .get("/deadlines?status=overdue", Some(&clerk.cookie))
            .await;
        assert!(!overdue.body.contains("A-0100"));
        let done = app.get("/deadlines?status=done", Some(&clerk.cookie)).await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(done.body.contains("done"));
    }
}

#[tokio::test]
async fn events_are_recorded_and_impossible_sequences_are_named() {
    for app in apps().await {
        let clerk = app.browser("clerk-a").await;
        let path = format!("/persons/{}/events", app.fx.pow_a);
        let form = app.get(&format!("{path}/new"), Some(&clerk.cookie)).await;
        assert_eq!(form.status, StatusCode::OK, "{}", app.backend);
        let scope = app.store.operator_scope(&app.fx.tenant_a, "test");
        let place = app.store.places(&scope).await.unwrap()[0].id.to_string();
        assert!(form.body.contains(&place), "the camp is offered");
        let yesterday = (OffsetDateTime::now_utc() - Duration::days(1))
            .format(format_description!("[year]-[month]-[day]T[hour]:[minute]"))
            .unwrap();
        let bad = app
            .submit(
                &path,
                "kind=&occurred_at=2999-01-01T00:00&place=nope",
                &clerk,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("choose what happened"));
        assert!(bad.body.contains("this is in the future"));
        assert!(bad.body.contains("choose one of this bureau&#39;s places"));
        let arrival = app
            .submit(
                &path,
                &format!(
                    "kind=arrival&occurred_at={yesterday}&place={place}&note={}",
                    enc("табір")
                ),
                &clerk,
            )
            .await;
        assert_eq!(arrival.status, StatusCode::SEE_OTHER, "{}", arrival.body);
        let page = app
            .get(&format!("/persons/{}", app.fx.pow_a), Some(&clerk.cookie))
            .await;
        assert!(
            page.body
                .contains("<strong>Arrival at a place of detention</strong>")
        );
        // A death, then a release: XC-1 refuses anything after a terminal event.
        let death = app
            .submit(
                &path,
                &format!("kind=death&occurred_at={yesterday}"),
                &clerk,
            )
            .await;
        assert_eq!(death.status, StatusCode::SEE_OTHER, "{}", death.body);
        let release = app
            .submit(
                &path,
                &format!("kind=release&occurred_at={yesterday}"),
                &clerk,
            )
            .await;
        assert_eq!(release.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(release.body.contains(r#"id="kind-error""#));
        // Another tenant's person: not found.
        let other = app
            .submit(
                &format!("/persons/{}/events", app.fx.pow_b),
                &format!("kind=arrival&occurred_at={yesterday}"),
                &clerk,
            )
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn cards_print_in_the_detainees_language_and_the_bureaus() {
    for app in apps().await {
        let clerk = app.browser("clerk-a").await;
        let card = app
            .get(
                &format!("/persons/{}/capture-card", app.fx.pow_a),
                Some(&clerk.cookie),
            )
            .await;
        assert_eq!(card.status, StatusCode::OK, "{}", app.backend);
        let body = &card.body;
        // The name is Ukrainian, so the detainee's side is Ukrainian; the bureau's is English.
        assert!(body.contains(r#"<span lang="uk" dir="ltr">Прізвище</span><br><span class="second" lang="en" dir="ltr">Name</span>"#), "{body}");
        assert!(body.contains("Пошта військовополонених"));
        assert!(body.contains("Prisoner of war mail"));
        assert!(body.contains("Central Prisoners of War Agency, International Committee of the Red Cross, Geneva, Switzerland"));
        assert!(body.contains("КОВАЛЕНКО"));
        // B9 place of birth was declined: said as such in both languages, never "unknown".
        assert!(body.contains(
            r#"<span class="absence absence-declined">відмовився повідомити / declined</span>"#
        ));
        assert!(body.len() < 100_000);
        let arabic = app
            .get(
                &format!("/persons/{}/capture-card?lang=ar&bureau=fr", app.fx.pow_a),
                Some(&clerk.cookie),
            )
            .await;
        assert!(
            arabic
                .body
                .contains(r#"<span lang="ar" dir="rtl">اللقب</span>"#)
        );
        assert!(arabic.body.contains("Nom"));
        let internment = app
            .get(
                &format!("/persons/{}/internment-card?lang=ru", app.fx.pow_a),
                Some(&clerk.cookie),
            )
            .await;
        assert_eq!(internment.status, StatusCode::OK);
        assert!(internment.body.contains("Карточка интернированного"));
        assert!(
            internment
                .body
                .contains("Central Information Agency for Protected Persons")
        );
        let unknown = app
            .get(
                &format!("/persons/{}/capture-card?lang=ka", app.fx.pow_a),
                Some(&clerk.cookie),
            )
            .await;
        assert!(
            unknown
                .body
                .contains("There is no label table for “ka” yet")
        );
        // Another tenant's person has no card here.
        let other = app
            .get(
                &format!("/persons/{}/capture-card", app.fx.pow_b),
                Some(&clerk.cookie),
            )
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        // The stylesheet prints the card on its own.
        let css = app.get("/static/app.css", None).await;
        assert!(css.body.contains(".card"));
    }
}

#[tokio::test]
async fn every_page_stays_under_100_kb() {
    for app in apps().await {
        let clerk = app.browser("clerk-a").await;
        let person = app.fx.pow_a;
        for path in [
            "/".to_owned(),
            "/persons".to_owned(),
            "/persons/new".to_owned(),
            format!("/persons/{person}"),
            format!("/persons/{person}/events/new"),
            format!("/persons/{person}/capture-card"),
            format!("/persons/{person}/internment-card"),
            "/deadlines".to_owned(),
        ] {
            let page = app.get(&path, Some(&clerk.cookie)).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert!(
                page.body.len() < 100_000,
                "{path}: {} bytes",
                page.body.len()
            );
        }
        let caseworker = app.browser("caseworker").await;
        for path in ["/tracing", "/tracing/new"] {
            let page = app.get(path, Some(&caseworker.cookie)).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert!(page.body.len() < 100_000);
        }
        let htmx = app.get("/static/htmx.min.js", None).await;
        assert!(htmx.body.len() < 100_000);
    }
}
