//! Confidential representations with their text and the authority's replies (ICRC-VIS-e), in
//! pages and the API, on both backends: consent decides the form (ICRC-VIS-c), replies are
//! dated from the day sent, the allegation's status follows, the texts appear only for a
//! stated purpose that is logged with the read, another unit's delegate gets 404.

use axum::http::StatusCode;
use serde_json::Value;
use store::UserRole;
use time::{Duration, OffsetDateTime};

use crate::harness::{apps, between};
use crate::protection::{unit, user};
use crate::protection_forms::{form, location, other_unit_delegate};

fn day(days_ago: i64) -> String {
    (OffsetDateTime::now_utc() - Duration::days(days_ago))
        .date()
        .to_string()
}

#[tokio::test]
async fn a_delegate_writes_a_representation_records_replies_and_reads_it_with_a_purpose() {
    for app in apps().await {
        let backend = app.backend;
        let u = unit(&app).await;
        user(&app, Some(u.tenant.id), "delegate-l", UserRole::Delegate).await;
        let delegate = app.browser("delegate-l").await;
        let scope = app.store.operator_scope(&u.tenant, "test");
        let page_path = format!("/protection/allegations/{}", u.allegation);
        let post = format!("{page_path}/representations");
        let letter = |kind: &str, sent_on: &str, text: &str| {
            form(&[
                ("r_addressee", "Command of the fictional camp K-7"),
                ("r_form", kind),
                ("sent_on", sent_on),
                ("r_text", text),
            ])
        };
        let text = "Fictional: we raise, confidentially, beatings on arrival at block B.";

        // ICRC-VIS-c: the seeded allegation has anonymous consent; named is refused on `r_form`.
        let refused = app
            .submit(&post, &letter("named", &day(2), text), &delegate)
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend}"
        );
        assert!(
            refused.body.contains("id=\"r_form-error\""),
            "{}",
            refused.body
        );
        // Bad input names its field; nothing is written.
        let refused = app
            .submit(&post, &letter("anonymous", &day(2), ""), &delegate)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("id=\"r_text-error\""));
        let refused = app
            .submit(&post, &letter("anonymous", &day(-1), text), &delegate)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("id=\"sent_on-error\""),
            "{}",
            refused.body
        );
        let refused = app
            .submit(&post, &letter("anonymous", "12/03/2026", text), &delegate)
            .await;
        assert!(refused.body.contains("id=\"sent_on-error\""));
        assert!(
            app.store
                .representations(&scope, u.allegation)
                .await
                .unwrap()
                .is_empty(),
            "{backend}"
        );

        let saved = app
            .submit(&post, &letter("anonymous", &day(6), text), &delegate)
            .await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            saved.body
        );
        assert!(location(&saved).ends_with("#representations"));
        let page = app.get(&page_path, Some(&delegate.cookie)).await;
        assert!(page.body.contains("raised-with-authority"), "{backend}");
        let listed = between(&page.body, "id=\"letters\"", "</table>").unwrap();
        assert!(
            listed.contains("Command of the fictional camp K-7"),
            "{listed}"
        );
        assert!(
            !page.body.contains("beatings on arrival"),
            "the list never shows the text"
        );
        let id = app
            .store
            .representations(&scope, u.allegation)
            .await
            .unwrap()[0]
            .letter
            .id;
        let read_path = format!("/protection/representations/{id}");

        // Without a purpose: no text, a form asking why; nothing logged.
        let page = app.get(&read_path, Some(&delegate.cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{backend}");
        assert!(page.body.contains("id=\"purpose-form\""));
        assert!(!page.body.contains("beatings on arrival"));
        let blank = app
            .get(&format!("{read_path}?purpose=+"), Some(&delegate.cookie))
            .await;
        assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(blank.body.contains("id=\"purpose-error\""));
        let page = app
            .get(
                &format!("{read_path}?purpose=preparing+the+follow-up+meeting"),
                Some(&delegate.cookie),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("beatings on arrival"), "{backend}");
        let csrf = crate::harness::csrf_of(&page.body);
        assert!(!csrf.is_empty());

        // Replies: not before the day sent; then acknowledged, then denied.
        let reply = |received_on: &str, outcome: &str, said: &str| {
            form(&[
                ("purpose", "recording the reply"),
                ("received_on", received_on),
                ("outcome", outcome),
                ("reply_text", said),
            ])
        };
        let early = app
            .submit(
                &format!("{read_path}/replies"),
                &reply(&day(7), "acknowledged", "Received."),
                &delegate,
            )
            .await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(
            early.body.contains("id=\"received_on-error\""),
            "{}",
            early.body
        );
        let mute = app
            .submit(
                &format!("{read_path}/replies"),
                &reply(&day(3), "denied", ""),
                &delegate,
            )
            .await;
        assert_eq!(mute.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            mute.body.contains("id=\"reply_text-error\""),
            "{}",
            mute.body
        );
        for (days, outcome, said) in [
            (6, "acknowledged", "Received."),
            (3, "denied", "Fictional: the command denies any beating."),
        ] {
            let saved = app
                .submit(
                    &format!("{read_path}/replies"),
                    &reply(&day(days), outcome, said),
                    &delegate,
                )
                .await;
            assert_eq!(
                saved.status,
                StatusCode::SEE_OTHER,
                "{backend}: {}",
                saved.body
            );
        }
        let page = app.get(&page_path, Some(&delegate.cookie)).await;
        let status = between(&page.body, "id=\"status\">", "<").unwrap();
        assert_eq!(status, "authority-denied", "{backend}");

        // The API: the same rules, the same log.
        let token = app.token(u.tenant.id, UserRole::Delegate).await;
        let api_post = format!("/api/v1{post}");
        let bad = app
            .api(
                "POST",
                &api_post,
                Some(&token),
                Some(&format!(
                    r#"{{"form":"named","addressee":"Camp command","sent_on":"{}","text":"x"}}"#,
                    day(1)
                )),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("ICRC-VIS-c"), "{}", bad.body);
        let bad = app
            .api(
                "POST",
                &api_post,
                Some(&token),
                Some(r#"{"form":"aggregated","addressee":"","sent_on":"yesterday","text":"x"}"#),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("addressee") && bad.body.contains("sent_on"),
            "{}",
            bad.body
        );
        let made = app
            .api(
                "POST",
                &api_post,
                Some(&token),
                Some(&format!(
                    r#"{{"form":"aggregated","addressee":"Ministry of the fictional interior","sent_on":"{}","text":"Fictional: a trend of beatings on arrival."}}"#,
                    day(1)
                )),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{backend}: {}", made.body);
        let made: Value = serde_json::from_str(&made.body).unwrap();
        assert_eq!(made["allegation_status"], "raised-with-authority");
        let second = made["id"].as_str().unwrap().to_owned();
        let silent = app
            .api(
                "POST",
                &format!("/api/v1/protection/representations/{second}/replies"),
                Some(&token),
                Some(&format!(
                    r#"{{"received_on":"{}","outcome":"no-reply"}}"#,
                    day(0)
                )),
            )
            .await;
        assert_eq!(
            silent.status,
            StatusCode::CREATED,
            "{backend}: {}",
            silent.body
        );
        assert!(silent.body.contains("\"no-reply\""));
        let read = format!("/api/v1/protection/representations/{second}");
        let bad = app.api("GET", &read, Some(&token), None).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("\"purpose\"") && !bad.body.contains("trend of beatings"));
        let got = app
            .api(
                "GET",
                &format!("{read}?purpose=trend%20report"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(got.status, StatusCode::OK, "{backend}: {}", got.body);
        let got: Value = serde_json::from_str(&got.body).unwrap();
        assert_eq!(got["text"], "Fictional: a trend of beatings on arrival.");
        assert_eq!(got["replies"][0]["outcome"], "no-reply");
        assert_eq!(got["replies"][0]["text"], Value::Null);
        let allegation = app
            .api("GET", &format!("/api/v1{page_path}"), Some(&token), None)
            .await;
        let allegation: Value = serde_json::from_str(&allegation.body).unwrap();
        assert_eq!(allegation["status"], "no-reply", "{backend}");
        assert_eq!(allegation["representations"].as_array().unwrap().len(), 2);
        assert_eq!(
            allegation["representations"][0]["text"],
            Value::Null,
            "no text in lists"
        );

        // Every read of a text is logged with its purpose; reads without one are not reads.
        let log = app.store.audit_entries(0, 10_000).await.unwrap();
        let purposes = |object: String| {
            log.iter()
                .filter(|e| e.action == "read" && e.object == object)
                .filter_map(|e| e.purpose.clone())
                .collect::<Vec<_>>()
        };
        let first_reads = purposes(format!("representation:{id}"));
        assert!(
            first_reads.contains(&"preparing the follow-up meeting".to_owned()),
            "{backend}: {first_reads:?}"
        );
        assert_eq!(
            purposes(format!("representation:{second}")),
            vec!["trend report"]
        );

        // Another unit's delegate: 404 everywhere, never the text.
        let other = other_unit_delegate(&app).await;
        let theirs = app
            .get(&format!("{read_path}?purpose=curious"), Some(&other.cookie))
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{backend}");
        assert!(!theirs.body.contains("beatings"));
        let theirs = app
            .submit(
                &format!("{read_path}/replies"),
                &reply(&day(0), "acknowledged", "x"),
                &other,
            )
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        let their_tenant = app.store.tenant_by_slug("protection-2").await.unwrap();
        let their_token = app.token(their_tenant.id, UserRole::Delegate).await;
        let theirs = app
            .api(
                "GET",
                &format!("{read}?purpose=curious"),
                Some(&their_token),
                None,
            )
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        let theirs = app
            .api(
                "POST",
                &api_post,
                Some(&their_token),
                Some(&format!(
                    r#"{{"form":"aggregated","addressee":"x","sent_on":"{}","text":"x"}}"#,
                    day(0)
                )),
            )
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{backend}");
        assert_eq!(
            app.store
                .representations(&scope, u.allegation)
                .await
                .unwrap()
                .len(),
            2
        );
    }
}

/// What a visit report from the laptop brings, written as `whereabouts visit import` writes it
/// (one field batch by the operator "importer", each record with the name the report carries):
/// a condition and a refusal by "laptop-anna", an interview by "laptop-boris", a representation
/// by "laptop-anna" with a reply by "laptop-boris". Answers the representation's id.
pub(crate) async fn imported_from_laptop(
    app: &crate::harness::App,
    u: &crate::protection::Unit,
) -> domain::RepresentationId {
    use domain::protection::{
        AccessRefusal, AuthorityReply, Condition, ConditionRecord, Consent, Interview, Outcome,
        RefusalGround, ReplyOutcome, RepresentationForm, RepresentationLetter,
    };
    use domain::{InterviewId, RefusalId, ReplyId, RepresentationId};
    let importer = app.store.operator_scope(&u.tenant, "importer");
    let visit = app.store.visit(&importer, u.visit).await.unwrap();
    let seen = app
        .store
        .registrations(&importer, Some(u.visit))
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let letter = RepresentationLetter {
        id: RepresentationId::new(),
        allegation: u.allegation,
        form: RepresentationForm::Anonymous,
        addressee: "Command of the fictional camp K-7".into(),
        sent_on: (now - Duration::days(2)).date(),
        text: "Fictional: written on the laptop.".into(),
    };
    let mut batch = app.store.begin_field_batch(&importer).await.unwrap();
    batch
        .condition_if_new_by(
            u.visit,
            &ConditionRecord {
                condition: Condition::PrivateInterviews,
                outcome: Outcome::Granted,
                reason: None,
            },
            Some("laptop-anna"),
        )
        .await
        .unwrap();
    batch
        .refusal_by(
            &AccessRefusal {
                id: RefusalId::new(),
                visit: Some(u.visit),
                place: visit.places[0],
                refused_at: now - Duration::hours(20),
                scope: "the basement".into(),
                ground: RefusalGround::Security,
                grounds_text: None,
                expected_end: None,
                actual_end: None,
            },
            Some("laptop-anna"),
        )
        .await
        .unwrap();
    batch
        .interview_by(
            &Interview {
                id: InterviewId::new(),
                visit: u.visit,
                interviewees: vec![seen[0].id],
                place: visit.places[0],
                held_at: now - Duration::hours(19),
                interviewers: vec!["delegate".into()],
                interpreter: None,
                language: None,
                without_witnesses: true,
                present: None,
                consent_authorities: Consent::Anonymous,
                consent_family: false,
                consent_medical: false,
                notes: Some("Fictional notes.".into()),
            },
            Some("laptop-boris"),
        )
        .await
        .unwrap();
    batch
        .representation_by(&letter, Some("laptop-anna"))
        .await
        .unwrap();
    batch
        .reply_by(
            &AuthorityReply {
                id: ReplyId::new(),
                representation: letter.id,
                received_on: (now - Duration::days(1)).date(),
                outcome: ReplyOutcome::Acknowledged,
                text: Some("Fictional: received.".into()),
            },
            Some("laptop-boris"),
        )
        .await
        .unwrap();
    batch.commit().await.unwrap();
    letter.id
}

// Issue 6: what a visit report brought from a delegate's laptop shows, on the unit's pages, who
// recorded it on the laptop (`recorded_by`), not the operator who imported the bundle: on the
// visit page the standard conditions (ICRC-VIS-a), the refusals of access (GC3-126-c) and the
// private interviews (GC3-126-b); on the representation's page the letter and its reply
// (ICRC-VIS-e). Written in one field batch with the names the report carries, as
// `whereabouts visit import` writes a report; both backends.
#[tokio::test]
async fn the_units_pages_show_who_recorded_imported_records_on_the_laptop() {
    for app in apps().await {
        let backend = app.backend;
        let u = unit(&app).await;
        user(&app, Some(u.tenant.id), "delegate-r", UserRole::Delegate).await;
        let delegate = app.browser("delegate-r").await;
        let letter = imported_from_laptop(&app, &u).await;

        let page = app
            .get(
                &format!("/protection/visits/{}", u.visit),
                Some(&delegate.cookie),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{backend}");
        let table = |id: &str| {
            between(&page.body, &format!("id=\"{id}\""), "</table>")
                .unwrap_or_else(|| panic!("{backend}: no table {id}"))
        };
        for (list, by) in [
            ("condition-list", "laptop-anna"),
            ("refusal-list", "laptop-anna"),
            ("interview-list", "laptop-boris"),
        ] {
            let rows = table(list);
            assert!(rows.contains("Recorded by"), "{backend}: {list}");
            assert!(
                rows.contains(&format!(
                    "<td class=\"recorded-by\"><span dir=\"auto\">{by}</span></td>"
                )),
                "{backend}: {list}: {rows}"
            );
        }
        assert!(!page.body.contains("importer"), "{backend}");

        let page = app
            .get(
                &format!("/protection/representations/{letter}"),
                Some(&delegate.cookie),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{backend}");
        assert!(
            page.body
                .contains("<dt>Recorded by</dt><dd>laptop-anna</dd>"),
            "{backend}: {}",
            page.body
        );
        assert!(page.body.contains("<td>laptop-boris</td>"), "{backend}");
        assert!(!page.body.contains("importer"), "{backend}");
    }
}

/// Issue 6 in a real browser: after records came from the laptop, the delegate opens the visit
/// from the protection page and sees, in each table, who recorded them on the laptop (CI runs it
/// with `WHEREABOUTS_BROWSER_TESTS=1`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visit_page_shows_who_recorded_imported_records_in_chromium() {
    let app = apps().await.remove(0);
    let u = unit(&app).await;
    imported_from_laptop(&app, &u).await;
    user(&app, Some(u.tenant.id), "delegate-c", UserRole::Delegate).await;
    let visit = u.visit.to_string();
    crate::browser::in_chromium(app, move |driver, base| {
        driver.sign_in(base, "delegate-c", crate::harness::PASSWORD);
        driver.click("nav a[href='/protection']");
        driver.wait_for("Places of detention");
        driver.click(&format!("a[href='/protection/visits/{visit}']"));
        driver.wait_for("Recorded by");
        assert!(driver.text("#condition-list").contains("laptop-anna"));
        assert!(driver.text("#refusal-list").contains("laptop-anna"));
        assert!(driver.text("#interview-list").contains("laptop-boris"));
        assert!(!driver.source().contains("importer"));
    })
    .await;
}
