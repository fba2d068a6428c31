//! Issue 6, continued, on both backends: allegations linked to the private interviews they come
//! from and the interview's consent at every representation (ICRC-VIS-c); places and their
//! notifications in the browser (GC3-23-a); a follow-up entered from the person's page, asking
//! about reprisals after an interview (ICRC-VIS-d). Good input is kept, bad input answers 422
//! naming the field, another unit's delegate gets 404.

use axum::http::StatusCode;
use domain::InterviewId;
use domain::protection::{Consent, Interview};
use store::UserRole;
use time::{Duration, OffsetDateTime};

use crate::harness::{App, Browser, Page, apps};
use crate::protection::{Unit, unit, user};
use crate::protection_forms::{form, local, location, other_unit_delegate};

struct Setting {
    u: Unit,
    delegate: Browser,
    other: Browser,
    token: String,
    scope: store::TenantScope,
}

async fn setting(app: &App) -> Setting {
    let u = unit(app).await;
    user(app, Some(u.tenant.id), "delegate-c", UserRole::Delegate).await;
    let delegate = app.browser("delegate-c").await;
    let other = other_unit_delegate(app).await;
    let token = app.token(u.tenant.id, UserRole::Delegate).await;
    let scope = app.store.operator_scope(&u.tenant, "test");
    Setting {
        u,
        delegate,
        other,
        token,
        scope,
    }
}

/// A private interview of the visit's first person seen (Коваленко), with `consent`.
async fn interview(app: &App, s: &Setting, consent: Consent) -> Interview {
    let seen = app
        .store
        .registrations(&s.scope, Some(s.u.visit))
        .await
        .unwrap();
    let talk = Interview {
        id: InterviewId::new(),
        visit: s.u.visit,
        interviewees: vec![seen[0].id],
        place: seen[0].place,
        held_at: OffsetDateTime::now_utc() - Duration::hours(19),
        interviewers: vec!["delegate-c".into()],
        interpreter: None,
        language: Some("uk".into()),
        without_witnesses: true,
        present: None,
        consent_authorities: consent,
        consent_family: false,
        consent_medical: false,
        notes: Some("Fictional notes.".into()),
    };
    app.store.record_interview(&s.scope, &talk).await.unwrap();
    talk
}

fn allegation_form(reference: &str, consent: &str, interview: &str) -> String {
    form(&[
        ("reference", reference),
        ("category", "ill-treatment"),
        ("acts", "beating"),
        ("sources", "interview"),
        ("consent", consent),
        ("interviews", interview),
        (
            "narrative",
            "Fictional: beaten on arrival by the night shift.",
        ),
    ])
}

// ICRC-VIS-c: an allegation from an interview without consent never reaches the authority; an
// anonymous one strips the person; every read for a representation is logged with its purpose.
#[tokio::test]
async fn an_allegation_from_a_non_consenting_interview_never_reaches_the_authority() {
    for app in apps().await {
        let backend = app.backend;
        let s = setting(&app).await;
        let refusing = interview(&app, &s, Consent::No).await;
        let anonymous = interview(&app, &s, Consent::Anonymous).await;

        let page = app
            .get("/protection/allegations/new", Some(&s.delegate.cookie))
            .await;
        assert!(
            page.body.contains(&refusing.id.to_string()),
            "{backend}: the form offers the interviews"
        );
        assert!(!page.body.contains("Fictional notes"), "never their notes");
        // The allegation cannot claim more consent than the interview gave.
        let bad = app
            .submit(
                "/protection/allegations",
                &allegation_form("AL-C1", "named", &refusing.id.to_string()),
                &s.delegate,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("id=\"consent-error\""), "{}", bad.body);
        let bad = app
            .submit(
                "/protection/allegations",
                &allegation_form("AL-C1", "no", &InterviewId::new().to_string()),
                &s.delegate,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("id=\"interviews-error\""));
        let good = app
            .submit(
                "/protection/allegations",
                &allegation_form("AL-C1", "no", &refusing.id.to_string()),
                &s.delegate,
            )
            .await;
        assert_eq!(
            good.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            good.body
        );
        let path = location(&good);
        let page = app.get(&path, Some(&s.delegate.cookie)).await;
        let sources =
            crate::harness::between(&page.body, "id=\"interview-list\"", "</table>").unwrap();
        assert!(sources.contains("consent-no"), "{sources}");

        // No representation of any form; nothing in the history.
        for representation in ["named", "anonymous", "aggregated"] {
            let refused = app
                .submit(
                    &format!("{path}/steps"),
                    &form(&[
                        ("step", "representation"),
                        ("addressee", "Camp command"),
                        ("form", representation),
                    ]),
                    &s.delegate,
                )
                .await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{backend}: {representation}"
            );
            assert!(refused.body.contains("id=\"form-error\""));
            assert!(refused.body.contains("gave no consent"), "{representation}");
            let preview = app
                .get(
                    &format!("{path}/representation?form={representation}"),
                    Some(&s.delegate.cookie),
                )
                .await;
            assert_eq!(preview.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(preview.body.contains("id=\"refused\""));
            assert!(!preview.body.contains("Коваленко") && !preview.body.contains("beaten"));
            let api = app
                .api(
                    "GET",
                    &format!("/api/v1{path}/representation?form={representation}"),
                    Some(&s.token),
                    None,
                )
                .await;
            assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
            assert!(api.body.contains("gave no consent"), "{}", api.body);
        }
        let id = path.trim_start_matches("/protection/allegations/");
        let (_, history) = app
            .store
            .allegation(&s.scope, id.parse().unwrap())
            .await
            .unwrap();
        assert!(
            history.is_empty(),
            "{backend}: nothing reached the authority"
        );

        // Anonymous consent, linked after the allegation was recorded: the person is stripped.
        let page = app
            .get(
                &format!("/protection/allegations/{}", s.u.allegation),
                Some(&s.delegate.cookie),
            )
            .await;
        assert!(page.body.contains("id=\"link-interview-form\""));
        let link = format!("/protection/allegations/{}/interviews", s.u.allegation);
        let bad = app
            .submit(&link, &form(&[("interview", "nonsense")]), &s.delegate)
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("id=\"interview-error\""));
        let good = app
            .submit(
                &link,
                &form(&[("interview", &anonymous.id.to_string())]),
                &s.delegate,
            )
            .await;
        assert_eq!(
            good.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            good.body
        );
        let base = format!("/protection/allegations/{}/representation", s.u.allegation);
        let named = app
            .get(&format!("{base}?form=named"), Some(&s.delegate.cookie))
            .await;
        assert_eq!(named.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(named.body.contains("named consent"));
        let stripped = app
            .get(&format!("{base}?form=anonymous"), Some(&s.delegate.cookie))
            .await;
        assert_eq!(
            stripped.status,
            StatusCode::OK,
            "{backend}: {}",
            stripped.body
        );
        assert!(stripped.body.contains("1 person(s), not named"));
        assert!(
            !stripped.body.contains("Коваленко") && !stripped.body.contains("A fictional account."),
            "{backend}: the person and their account are stripped"
        );
        let api = app
            .api(
                "GET",
                &format!("/api/v1{base}?form=anonymous"),
                Some(&s.token),
                None,
            )
            .await;
        assert_eq!(api.status, StatusCode::OK, "{backend}: {}", api.body);
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(json["victims"], serde_json::json!([]));
        assert!(json["narrative"].is_null());
        assert_eq!(json["persons"], 1);
        let detail = app
            .api(
                "GET",
                &format!("/api/v1/protection/allegations/{}", s.u.allegation),
                Some(&s.token),
                None,
            )
            .await;
        let json: serde_json::Value = serde_json::from_str(&detail.body).unwrap();
        assert_eq!(json["effective_consent"], "anonymous", "{backend}");
        assert_eq!(json["interviews"][0]["use_with_authorities"], "anonymous");
        assert!(json["interviews"][0].get("notes").is_none(), "no notes");

        // Reads for a representation are logged with their purpose.
        let log = app.store.audit_entries(0, 10_000).await.unwrap();
        assert!(log.iter().any(|e| e.action == "read"
            && e.object == format!("allegation:{}", s.u.allegation)
            && e.purpose.as_deref() == Some("representation to the authority")));
        assert!(log.iter().any(|e| e.action == "read"
            && e.object == "interviews"
            && e.purpose.as_deref() == Some("allegation intake")));

        // Another unit's delegate: 404, nothing linked.
        let foreign = app
            .submit(
                &link,
                &form(&[("interview", &refusing.id.to_string())]),
                &s.other,
            )
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{backend}");
        let foreign = app
            .get(&format!("{base}?form=aggregated"), Some(&s.other.cookie))
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.store
                .allegation_interviews(&s.scope, s.u.allegation)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

/// Submits `pairs` as `who` and expects 422 with a message on each of `fields`, the values kept.
async fn refused(
    app: &App,
    path: &str,
    pairs: &[(&str, &str)],
    who: &Browser,
    fields: &[&str],
) -> Page {
    let page = app.submit(path, &form(pairs), who).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}: {path} {pairs:?}: {}",
        app.backend,
        page.body
    );
    for field in fields {
        assert!(
            page.body.contains(&format!("id=\"{field}-error\"")),
            "{}: {path}: no message on {field}",
            app.backend
        );
    }
    page
}

/// Submits `pairs` as `who` and expects the redirect (303) to the page that shows the record.
async fn accepted(app: &App, path: &str, pairs: &[(&str, &str)], who: &Browser) -> String {
    let page = app.submit(path, &form(pairs), who).await;
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "{}: {path}: {}",
        app.backend,
        page.body
    );
    location(&page)
}

// GC3-23-a: a place with its profile and the notice of its location, then later notices.
#[tokio::test]
async fn a_delegate_adds_a_place_and_records_what_was_notified_about_it() {
    for app in apps().await {
        let backend = app.backend;
        let s = setting(&app).await;
        let who = &s.delegate;
        let party = app.store.parties().await.unwrap()[0].id.to_string();
        let page = app.get("/protection/places/new", Some(&who.cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{backend}");
        let bad = refused(
            &app,
            "/protection/places",
            &[
                ("name", "Collecting point K-7"),
                ("kind", "dungeon"),
                ("party", &party),
                ("authority", ""),
                ("capacity", "0"),
            ],
            who,
            &["name", "kind", "authority", "capacity"],
        )
        .await;
        assert!(
            bad.body.contains("already exists"),
            "a place name is used once"
        );
        let notified = local(OffsetDateTime::now_utc() - Duration::days(2));
        let path = accepted(
            &app,
            "/protection/places",
            &[
                ("name", "Transit camp T-2"),
                ("kind", "transit-camp"),
                ("party", &party),
                ("authority", "Military police command"),
                ("location", "Fictional valley, km 12"),
                ("capacity", "120"),
                ("notified_at", &notified),
            ],
            who,
        )
        .await;
        let page = app.get(&path, Some(&who.cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Military police command") && page.body.contains("120"));
        let notified_cell =
            crate::harness::between(&page.body, "id=\"notified\"", "</dd>").unwrap();
        assert!(notified_cell.contains("yes"), "{notified_cell}");
        assert!(
            !page.body.contains("id=\"profile-form\""),
            "a profile is set once"
        );

        // A notice: bad input names the field; a good one joins the history.
        let notices = format!("{path}/notices");
        let tomorrow = local(OffsetDateTime::now_utc() + Duration::days(3));
        refused(
            &app,
            &notices,
            &[
                ("notice_kind", "vanished"),
                ("notified_at", &tomorrow),
                ("notified_by", ""),
            ],
            who,
            &["notice_kind", "notified_at", "notified_by"],
        )
        .await;
        let earlier = local(OffsetDateTime::now_utc() - Duration::hours(3));
        accepted(
            &app,
            &notices,
            &[
                ("notice_kind", "capacity-changed"),
                ("notified_at", &earlier),
                ("notified_by", "Protecting power Sarn"),
                ("note", "now 150 places"),
            ],
            who,
        )
        .await;
        let page = app.get(&path, Some(&who.cookie)).await;
        let history =
            crate::harness::between(&page.body, "id=\"notice-list\"", "</table>").unwrap();
        assert!(
            history.contains("location-notified")
                && history.contains("capacity-changed")
                && history.contains("now 150 places"),
            "{backend}: {history}"
        );

        // The seeded place has no profile: its page offers the form once.
        let places = app.store.places(&s.scope).await.unwrap();
        let k7 = places.iter().find(|p| p.name.contains("K-7")).unwrap().id;
        let k7_path = format!("/protection/places/{k7}");
        let page = app.get(&k7_path, Some(&who.cookie)).await;
        assert!(page.body.contains("id=\"profile-form\""), "{backend}");
        assert!(
            page.body
                .contains("no: the detaining party has not notified")
        );
        let profile = format!("{k7_path}/profile");
        refused(
            &app,
            &profile,
            &[("authority", "Camp command"), ("capacity", "many")],
            who,
            &["capacity"],
        )
        .await;
        accepted(
            &app,
            &profile,
            &[("authority", "Camp command"), ("capacity", "60")],
            who,
        )
        .await;
        refused(
            &app,
            &profile,
            &[("authority", "Another command")],
            who,
            &["authority"],
        )
        .await;

        // Another unit's delegate: 404 on the page and on each form, nothing recorded.
        let foreign = app.get(&k7_path, Some(&s.other.cookie)).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{backend}");
        for target in [format!("{k7_path}/notices"), profile] {
            let pairs = [
                ("notice_kind", "closed"),
                ("notified_at", notified.as_str()),
                ("notified_by", "x"),
                ("authority", "x"),
            ];
            let page = app.submit(&target, &form(&pairs), &s.other).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{backend}: {target}");
        }
        assert!(
            app.store
                .place_notices(&s.scope, k7)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

// ICRC-VIS-d: a follow-up from the person's page; after an interview it asks about reprisals.
#[tokio::test]
async fn a_follow_up_is_entered_from_the_person_page_and_asks_about_reprisals() {
    for app in apps().await {
        let backend = app.backend;
        let s = setting(&app).await;
        let who = &s.delegate;
        let talk = interview(&app, &s, Consent::Anonymous).await;
        let person = talk.interviewees[0];
        let path = format!("/protection/persons-seen/{person}");
        let page = app.get(&path, Some(&who.cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{backend}");
        assert!(page.body.contains("Коваленко"));
        assert!(
            page.body.contains("id=\"reprisal-check\""),
            "{backend}: the reminder shows"
        );
        let visit = app
            .get(
                &format!("/protection/visits/{}", s.u.visit),
                Some(&who.cookie),
            )
            .await;
        assert!(
            visit.body.contains(&path),
            "the visit links to the person's page"
        );

        let follow = format!("{path}/follow-ups");
        let bad = refused(
            &app,
            &follow,
            &[("health", "Cough"), ("reprisals", "not-asked")],
            who,
            &["reprisals"],
        )
        .await;
        assert!(bad.body.contains("Cough"), "the values are kept");
        refused(
            &app,
            &follow,
            &[("next_visit_due", "soon"), ("reprisals", "no")],
            who,
            &["next_visit_due"],
        )
        .await;
        accepted(
            &app,
            &follow,
            &[
                ("health", "Cough, seen by the doctor"),
                ("messages", "All is well"),
                ("next_visit_due", "2027-02-01"),
                ("reprisals", "yes"),
            ],
            who,
        )
        .await;
        let page = app.get(&path, Some(&who.cookie)).await;
        let history =
            crate::harness::between(&page.body, "id=\"follow-up-history\"", "</table>").unwrap();
        assert!(
            history.contains("reported") && history.contains("Cough"),
            "{history}"
        );
        assert!(
            !page.body.contains("id=\"reprisal-check\""),
            "asked since the interview"
        );
        // The visit's own follow-up form asks the same after the interview.
        refused(
            &app,
            &format!("/protection/visits/{}/follow-ups", s.u.visit),
            &[
                ("follow_registration", &person.to_string()),
                ("reprisals", "not-asked"),
            ],
            who,
            &["reprisals"],
        )
        .await;
        let log = app.store.audit_entries(0, 10_000).await.unwrap();
        assert!(
            log.iter()
                .any(|e| e.object == format!("registration:{person}")
                    && e.purpose.as_deref() == Some("visit follow-up"))
        );

        // Another unit's delegate: 404, nothing recorded.
        let foreign = app.get(&path, Some(&s.other.cookie)).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{backend}");
        let foreign = app
            .submit(&follow, &form(&[("reprisals", "no")]), &s.other)
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.store.follow_ups(&s.scope, person).await.unwrap().len(),
            1
        );
    }
}

/// ICRC-VIS-c in a real browser: the delegate links the allegation to an interview whose person
/// gave no consent, then tries to raise it with the authority and is told why not (CI runs it
/// with `WHEREABOUTS_BROWSER_TESTS=1`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegate_is_stopped_from_raising_a_non_consenting_interview_in_chromium() {
    let app = apps().await.remove(0);
    let s = setting(&app).await;
    let refusing = interview(&app, &s, Consent::No).await;
    let allegation = s.u.allegation.to_string();
    // A delegate who has not signed in yet: the browser enrols the second factor.
    user(&app, Some(s.u.tenant.id), "delegate-w", UserRole::Delegate).await;
    crate::browser::in_chromium(app, move |driver, base| {
        driver.sign_in(base, "delegate-w", crate::harness::PASSWORD);
        driver.click("nav a[href='/protection']");
        driver.wait_for("Places of detention");
        driver.click(&format!("a[href='/protection/allegations/{allegation}']"));
        driver.wait_for("From private interviews");
        driver.set_value("#interview", &refusing.id.to_string());
        driver.click("#link-interview-form button[type=submit]");
        driver.wait_for("consent-no");
        assert_eq!(driver.text("#effective-consent"), "no");
        driver.set_value("#step", "representation");
        driver.type_into("#addressee", "Camp command");
        driver.set_value("#form", "aggregated");
        driver.click("#step-form button[type=submit]");
        let page = driver.wait_for("gave no consent");
        assert!(
            page.contains("id=\"form-error\""),
            "the reason is on the form field"
        );
        let history = driver.text("#steps");
        assert!(
            history.contains("Not raised with the authority yet"),
            "{history}"
        );
        driver.click("#representation-forms a[href$='form=anonymous']");
        driver.wait_for("id=\"refused\"");
        assert!(!driver.source().contains("Коваленко"));
    })
    .await;
}
