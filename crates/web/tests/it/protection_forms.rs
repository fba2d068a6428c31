//! The delegates' forms (issue 6) on both backends: a visit, its conditions, refusals and their
//! end, persons seen, follow-ups, interviews, allegations and their steps, evidence uploaded and
//! downloaded through the browser, and working copies through the API. Each form: good input is
//! recorded, bad input answers 422 naming the field, and another protection unit's delegate
//! gets 404. (Other roles: `protection::every_protection_route_answers_404_…` and the matrix.)

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::{Tenant, TenantId, TenantKind};
use store::UserRole;
use time::{Duration, OffsetDateTime};

use crate::harness::{App, Browser, HOST, apps};
use crate::protection::{unit, user};

pub(crate) fn local(at: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

fn enc(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char);
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub(crate) fn location(page: &crate::harness::Page) -> String {
    page.header("location")
}

/// A multipart body: text fields in order, then the file.
fn multipart(fields: &[(&str, &str)], file: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "----whereabouts-test-boundary-7";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(bytes) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cell.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(
    app: &App,
    path: &str,
    browser: &Browser,
    content_type: &str,
    body: Vec<u8>,
) -> crate::harness::Page {
    let request = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::COOKIE, &browser.cookie)
        .header(header::ORIGIN, format!("https://{HOST}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

/// A second protection unit with its own delegate: its requests for the first unit's records
/// answer 404.
pub(crate) async fn other_unit_delegate(app: &App) -> Browser {
    let tenant = Tenant {
        id: TenantId::new(),
        slug: "protection-2".into(),
        name: "Another protection unit".into(),
        kind: TenantKind::ProtectionUnit,
        party: None,
    };
    app.store.create_tenant(&tenant).await.unwrap();
    user(app, Some(tenant.id), "delegate-other", UserRole::Delegate).await;
    app.browser("delegate-other").await
}

#[tokio::test]
async fn a_delegate_records_a_visit_with_conditions_refusals_persons_and_interviews() {
    for app in apps().await {
        let backend = app.backend;
        let u = unit(&app).await;
        user(&app, Some(u.tenant.id), "delegate-f", UserRole::Delegate).await;
        let delegate = app.browser("delegate-f").await;
        let scope = app.store.operator_scope(&u.tenant, "test");
        let place = app.store.places(&scope).await.unwrap()[0].id.to_string();
        let now = OffsetDateTime::now_utc();
        let yesterday = local(now - Duration::days(1));

        // The visit form.
        let page = app
            .get("/protection/visits/new", Some(&delegate.cookie))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{backend}");
        assert!(page.body.contains("Collecting point K-7"));
        let bad = app
            .submit(
                "/protection/visits",
                &form(&[("reference", ""), ("body", "icrc"), ("team", "delegate")]),
                &delegate,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("id=\"reference-error\""), "{}", bad.body);
        assert!(bad.body.contains("id=\"places-error\""));
        // The values entered are kept.
        assert!(bad.body.contains("value=\"delegate\""));
        let good = app
            .submit(
                "/protection/visits",
                &form(&[
                    ("reference", "V-FORM-1"),
                    ("body", "icrc"),
                    ("team", "delegate-f, doctor"),
                    ("places", &place),
                    ("started_at", &yesterday),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(
            good.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            good.body
        );
        let visit_path = location(&good);
        assert!(visit_path.starts_with("/protection/visits/"));
        let visit_id = visit_path
            .trim_start_matches("/protection/visits/")
            .to_owned();
        let same = app
            .submit(
                "/protection/visits",
                &form(&[
                    ("reference", "V-FORM-1"),
                    ("body", "icrc"),
                    ("team", "delegate-f"),
                    ("places", &place),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            same.body.contains("id=\"reference-error\""),
            "a duplicate reference names the field"
        );

        // ICRC-VIS-a: a condition not granted needs the authority's reason.
        let conditions = format!("{visit_path}/conditions");
        let bad = app
            .submit(
                &conditions,
                &form(&[
                    ("condition", "private-interviews"),
                    ("outcome", "partly-granted"),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("id=\"reason-error\""));
        let bad = app
            .submit(
                &conditions,
                &form(&[("condition", "tea"), ("outcome", "granted")]),
                &delegate,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("id=\"condition-error\""));
        let good = app
            .submit(
                &conditions,
                &form(&[
                    ("condition", "private-interviews"),
                    ("outcome", "partly-granted"),
                    ("reason", "Only in the presence of a guard"),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(
            good.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            good.body
        );

        // GC3-126-c: a refusal, then its end recorded later.
        let refusals = format!("{visit_path}/refusals");
        let bad = app
            .submit(
                &refusals,
                &form(&[
                    ("refusal_place", &place),
                    ("refused_at", &yesterday),
                    ("refusal_scope", "the basement"),
                    ("ground", "security"),
                    ("actual_end", &local(now - Duration::days(3))),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("id=\"actual_end-error\""), "{}", bad.body);
        let good = app
            .submit(
                &refusals,
                &form(&[
                    ("refusal_place", &place),
                    ("refused_at", &yesterday),
                    ("refusal_scope", "the basement"),
                    ("ground", "security"),
                    ("grounds_text", "works in progress"),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(
            good.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            good.body
        );
        let refusal = app.store.refusals(&scope).await.unwrap();
        let refusal = refusal.iter().find(|r| r.scope == "the basement").unwrap();
        let end = format!("/protection/refusals/{}/end", refusal.id);
        let bad = app
            .submit(&end, &form(&[("ended_at", "")]), &delegate)
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("id=\"ended_at-error\""));
        let bad = app
            .submit(
                &end,
                &form(&[("ended_at", &local(now - Duration::days(5)))]),
                &delegate,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("before the refusal"), "{}", bad.body);
        let lifted_at = local(now - Duration::hours(2));
        let good = app
            .submit(
                &end,
                &form(&[
                    ("ended_at", &lifted_at),
                    ("end_note", "granted after talks"),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(
            good.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            good.body
        );
        let again = app
            .submit(&end, &form(&[("ended_at", &lifted_at)]), &delegate)
            .await;
        assert_eq!(
            again.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "lifted once"
        );
        let overview = app.get("/protection", Some(&delegate.cookie)).await;
        let series =
            crate::harness::between(&overview.body, "id=\"refusals\"", "</table>").unwrap();
        assert!(
            series.contains("the basement") && series.contains("granted after talks"),
            "{series}"
        );
        assert!(
            series.contains(&lifted_at.replace('T', " ")),
            "both instants show: {series}"
        );

        // A person seen, a follow-up and a private interview.
        let bad = app
            .submit(
                &format!("{visit_path}/persons-seen"),
                &form(&[
                    ("name_family", "Шевчук"),
                    ("seen_place", &place),
                    ("seen_at", &yesterday),
                    ("nationality", "Ukraine"),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("id=\"nationality-error\""));
        let good = app
            .submit(
                &format!("{visit_path}/persons-seen"),
                &form(&[
                    ("name_family", "Шевчук"),
                    ("name_given", "Андрій"),
                    ("name_language", "uk"),
                    ("birth_date", "1991-07"),
                    ("seen_place", &place),
                    ("seen_at", &yesterday),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(
            good.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            good.body
        );
        let seen = app
            .store
            .registrations(&scope, Some(visit_id.parse().unwrap()))
            .await
            .unwrap();
        assert_eq!(seen.len(), 1);
        let seen_id = seen[0].id.to_string();

        let follow = format!("{visit_path}/follow-ups");
        let bad = app
            .submit(
                &follow,
                &form(&[
                    ("follow_registration", &seen_id),
                    ("family_contact_wanted", "on"),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("id=\"family_contact-error\""));
        let good = app
            .submit(
                &follow,
                &form(&[
                    ("follow_registration", &seen_id),
                    ("health", "Needs glasses"),
                    ("family_contact_wanted", "on"),
                    ("family_contact", "Sister, village of Fictional"),
                    ("messages", "I am well\nPlease write"),
                    ("next_visit_due", "2027-01-15"),
                    ("reprisals", "no"),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(
            good.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            good.body
        );

        let interviews = format!("{visit_path}/interviews");
        let bad = app
            .submit(
                &interviews,
                &form(&[
                    ("interviewees", &seen_id),
                    ("interview_place", &place),
                    ("held_at", &yesterday),
                    ("interviewers", "delegate-f"),
                    ("witnesses", "present"),
                    ("consent_authorities", "anonymous"),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("id=\"present-error\""), "{}", bad.body);
        let good = app
            .submit(
                &interviews,
                &form(&[
                    ("interviewees", &seen_id),
                    ("interview_place", &place),
                    ("held_at", &yesterday),
                    ("interviewers", "delegate-f"),
                    ("interpreter", "interpreter 4"),
                    ("language", "uk"),
                    ("witnesses", "none"),
                    ("consent_authorities", "anonymous"),
                    ("consent_family", "on"),
                    ("notes", "Fictional notes: the cell is cold at night."),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(
            good.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            good.body
        );

        let page = app.get(&visit_path, Some(&delegate.cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        let conditions =
            crate::harness::between(&page.body, "id=\"condition-list\"", "</table>").unwrap();
        assert!(conditions.contains("private-interviews") && conditions.contains("partly-granted"));
        assert!(conditions.contains("Only in the presence of a guard"));
        assert!(page.body.contains("Шевчук"));
        assert!(page.body.contains("family contact wanted"));
        let interviews =
            crate::harness::between(&page.body, "id=\"interview-list\"", "</table>").unwrap();
        assert!(
            interviews.contains("without witnesses") && interviews.contains("the cell is cold"),
            "{interviews}"
        );
        assert!(interviews.contains("interpreter 4"));
        // A person seen on this visit who was never notified: the alert shows.
        assert!(page.body.contains("never notified"), "{backend}");

        // Another unit's delegate: 404 on every form of this visit.
        let other = other_unit_delegate(&app).await;
        for path in [
            conditions_path(&visit_path),
            format!("{visit_path}/refusals"),
            format!("{visit_path}/persons-seen"),
            format!("{visit_path}/follow-ups"),
            format!("{visit_path}/interviews"),
        ] {
            let page = app
                .submit(
                    &path,
                    &form(&[("condition", "repeat-visits"), ("outcome", "granted")]),
                    &other,
                )
                .await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{backend}: {path}");
        }
        let page = app
            .submit(&end, &form(&[("ended_at", &lifted_at)]), &other)
            .await;
        assert_eq!(
            page.status,
            StatusCode::NOT_FOUND,
            "{backend}: another unit's refusal"
        );
        // The visits of the other unit stay its own.
        assert_eq!(
            app.store
                .conditions(&scope, visit_id.parse().unwrap())
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

fn conditions_path(visit_path: &str) -> String {
    format!("{visit_path}/conditions")
}

#[tokio::test]
async fn a_delegate_records_an_allegation_raises_it_and_keeps_its_evidence() {
    for app in apps().await {
        let backend = app.backend;
        let u = unit(&app).await;
        user(&app, Some(u.tenant.id), "delegate-g", UserRole::Delegate).await;
        let delegate = app.browser("delegate-g").await;
        let scope = app.store.operator_scope(&u.tenant, "test");
        let victim = app.store.registrations(&scope, None).await.unwrap()[0]
            .id
            .to_string();

        let page = app
            .get("/protection/allegations/new", Some(&delegate.cookie))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{backend}");
        let bad = app
            .submit(
                "/protection/allegations",
                &form(&[
                    ("reference", "AL-FORM-1"),
                    ("category", "ill-treatment"),
                    ("sources", "interview"),
                    ("consent", "anonymous"),
                    ("narrative", "A fictional account."),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("id=\"acts-error\""));
        let good = app
            .submit(
                "/protection/allegations",
                &form(&[
                    ("reference", "AL-FORM-1"),
                    ("category", "ill-treatment"),
                    ("acts", "beating"),
                    ("acts", "threats"),
                    ("victims", &victim),
                    ("perpetrator_kind", "guards"),
                    ("perpetrator_designation", "Night guard company"),
                    ("sources", "interview"),
                    ("consent", "anonymous"),
                    ("narrative", "A fictional account of a night search."),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(
            good.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            good.body
        );
        let allegation_path = location(&good);
        let allegation_id = allegation_path
            .trim_start_matches("/protection/allegations/")
            .to_owned();
        let page = app.get(&allegation_path, Some(&delegate.cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("A fictional account of a night search."));
        assert!(page.body.contains("beating, threats"));

        // ICRC-VIS-c: anonymous consent refuses a named representation, on the field `form`.
        let steps = format!("{allegation_path}/steps");
        let bad = app
            .submit(
                &steps,
                &form(&[
                    ("step", "representation"),
                    ("addressee", "Camp command"),
                    ("form", "named"),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("id=\"form-error\""), "{}", bad.body);
        let good = app
            .submit(
                &steps,
                &form(&[
                    ("step", "representation"),
                    ("addressee", "Camp command"),
                    ("form", "anonymous"),
                ]),
                &delegate,
            )
            .await;
        assert_eq!(
            good.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            good.body
        );
        let page = app.get(&allegation_path, Some(&delegate.cookie)).await;
        assert!(page.body.contains("raised-with-authority"));

        // Evidence through the browser: the CSRF token first, the file streamed and hashed.
        let upload_path = format!("{allegation_path}/evidence");
        let bytes: Vec<u8> = "fictional photograph line\n".repeat(6000).into_bytes();
        let captured = local(OffsetDateTime::now_utc() - Duration::days(1));
        let fields = |csrf: &str| {
            vec![
                ("csrf".to_owned(), csrf.to_owned()),
                ("kind".to_owned(), "photo".to_owned()),
                ("title".to_owned(), "Cell 4".to_owned()),
                ("captured_at".to_owned(), captured.clone()),
                ("captured_by".to_owned(), "delegate-g".to_owned()),
            ]
        };
        let as_refs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
        let owned = as_refs(&fields("not-the-token"));
        let refs: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (content_type, body) = multipart(&refs, Some(&bytes));
        let forged = upload(&app, &upload_path, &delegate, &content_type, body).await;
        assert_eq!(
            forged.status,
            StatusCode::FORBIDDEN,
            "{backend}: CSRF checked first"
        );

        let mut owned = fields(&delegate.csrf);
        owned.retain(|(k, _)| k != "title");
        let refs: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (content_type, body) = multipart(&refs, Some(&bytes));
        let bad = upload(&app, &upload_path, &delegate, &content_type, body).await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend}: {}",
            bad.body
        );
        assert!(bad.body.contains("id=\"title-error\""));
        assert!(app.store.evidence_items(&scope).await.unwrap().is_empty());

        let owned = fields(&delegate.csrf);
        let refs: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (content_type, body) = multipart(&refs, None);
        let missing = upload(&app, &upload_path, &delegate, &content_type, body).await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(missing.body.contains("id=\"file-error\""));

        let (content_type, body) = multipart(&refs, Some(&bytes));
        let good = upload(&app, &upload_path, &delegate, &content_type, body).await;
        assert_eq!(
            good.status,
            StatusCode::SEE_OTHER,
            "{backend}: {}",
            good.body
        );
        let items = app.store.evidence_items(&scope).await.unwrap();
        assert_eq!(
            items.len(),
            1,
            "{backend}: nothing kept from the refused uploads"
        );
        let item = &items[0];
        let expected = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&bytes))
        };
        assert_eq!(item.item.sha256.as_deref(), Some(expected.as_str()));
        assert_eq!(
            item.links,
            vec![store::EvidenceTarget::Allegation(
                allegation_id.parse().unwrap()
            )]
        );
        let page = app.get(&allegation_path, Some(&delegate.cookie)).await;
        assert!(
            page.body.contains(&expected),
            "the hash shows on the allegation"
        );

        // Download: the purpose is required, logged, and in the chain of custody.
        let file = format!("/protection/evidence/{}/file", item.item.id);
        let bad = app.get(&file, Some(&delegate.cookie)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}");
        assert!(bad.body.contains("purpose"));
        let good = app
            .get(
                &format!("{file}?purpose=prepare%20the%20representation"),
                Some(&delegate.cookie),
            )
            .await;
        assert_eq!(good.status, StatusCode::OK, "{backend}");
        assert_eq!(good.body.as_bytes(), bytes.as_slice(), "the file as saved");
        assert_eq!(good.header("content-type"), "application/octet-stream");
        assert!(good.header("content-disposition").starts_with("attachment"));
        let log = app.store.audit_entries(0, 10_000).await.unwrap();
        assert!(log.iter().any(|e| e.action == "export"
            && e.object == format!("evidence:{}", item.item.id)
            && e.purpose.as_deref() == Some("prepare the representation")));
        let custody = app.store.custody(&scope, item.item.id).await.unwrap();
        assert_eq!(custody.last().unwrap().action.code(), "viewed");
        assert!(domain::protection::verify_chain(item.item.id, &custody).is_empty());

        // A working copy through the API names its original, whose custody records the copy.
        let token = app.token(u.tenant.id, UserRole::Delegate).await;
        let request = Request::post(format!(
            "/api/v1/protection/evidence?kind=photo&title=cropped&captured_by=delegate-g&captured_at=2026-03-01T10:00:00Z&working_copy_of={}",
            item.item.id
        ))
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from("cropped bytes"))
        .unwrap();
        let copy = app.send(request).await;
        assert_eq!(copy.status, StatusCode::CREATED, "{backend}: {}", copy.body);
        let json: serde_json::Value = serde_json::from_str(&copy.body).unwrap();
        assert_eq!(json["role"], "working");
        assert_eq!(json["derived_from"], item.item.id.to_string().as_str());
        let custody = app.store.custody(&scope, item.item.id).await.unwrap();
        assert_eq!(custody.last().unwrap().action.code(), "copied");
        let copy_id = json["id"].as_str().unwrap().to_owned();
        let request = Request::post(format!(
            "/api/v1/protection/evidence?kind=photo&title=copy%20of%20a%20copy&captured_by=d&captured_at=2026-03-01T10:00:00Z&working_copy_of={copy_id}"
        ))
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from("x"))
        .unwrap();
        let refused = app.send(request).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{backend}"
        );
        assert!(refused.body.contains("working_copy_of"));

        // Another unit's delegate: 404 on the allegation, its forms and its evidence.
        let other = other_unit_delegate(&app).await;
        assert_eq!(
            app.get(&allegation_path, Some(&other.cookie)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.submit(&steps, &form(&[("step", "closed"), ("text", "x")]), &other)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let (content_type, body) = multipart(&[("csrf", other.csrf.as_str())], Some(b"x"));
        assert_eq!(
            upload(&app, &upload_path, &other, &content_type, body)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("{file}?purpose=curiosity"), Some(&other.cookie))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{backend}"
        );
        assert!(app.store.audit_verify().await.unwrap().is_intact());
    }
}

/// The delegate's forms in a real browser: a new visit, a condition refused without a reason
/// (the field says so), then with the authority's reason (CI runs it with
/// `WHEREABOUTS_BROWSER_TESTS=1`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegate_enters_a_visit_with_a_condition_in_chromium() {
    let app = apps().await.remove(0);
    let u = unit(&app).await;
    user(&app, Some(u.tenant.id), "delegate-c", UserRole::Delegate).await;
    let started = local(OffsetDateTime::now_utc() - Duration::days(1));
    crate::browser::in_chromium(app, move |driver, base| {
        driver.sign_in(base, "delegate-c", crate::harness::PASSWORD);
        driver.click("nav a[href='/protection']");
        driver.wait_for("Places of detention");
        driver.click("#new-visit");
        driver.wait_for("<h1>New visit</h1>");
        driver.type_into("#reference", "V-CHROME-1");
        driver.click("#body option[value=icrc]");
        driver.type_into("#team", "delegate-c, doctor");
        driver.click("input[name=places]");
        driver.set_value("#started_at", &started);
        driver.click("#visit-form button[type=submit]");
        driver.wait_for("<span class=\"reference\">V-CHROME-1</span>");

        driver.click("#condition option[value=private-interviews]");
        driver.click("#outcome option[value=refused]");
        driver.click("#condition-form button[type=submit]");
        let refused = driver.wait_for("id=\"reason-error\"");
        assert!(refused.contains("the authority's reason"), "{refused}");
        driver.type_into("#reason", "Interviews only with a guard present");
        driver.click("#condition-form button[type=submit]");
        driver.wait_for("<td>refused</td>");
        let conditions = driver.text("#condition-list");
        assert!(conditions.contains("private-interviews"), "{conditions}");
        assert!(
            conditions.contains("Interviews only with a guard present"),
            "{conditions}"
        );
        driver.click("nav a[href='/protection']");
        let overview = driver.wait_for("Places of detention");
        assert!(overview.contains("V-CHROME-1"), "{overview}");
    })
    .await;
}

/// "Huge uploads are bounded and streamed": the browser form refuses a declared length over the
/// bound before reading, and a body that streams past it without declaring its length (413),
/// and keeps nothing of either.
#[tokio::test]
async fn a_browser_upload_past_the_bound_is_refused_and_leaves_nothing() {
    let evidence = tempfile::tempdir().unwrap();
    let mut config = crate::harness::config(false);
    config.evidence_dir = Some(evidence.path().to_owned());
    let app = crate::harness::apps_with(config).await.remove(0);
    let u = unit(&app).await;
    user(&app, Some(u.tenant.id), "delegate-h", UserRole::Delegate).await;
    let delegate = app.browser("delegate-h").await;
    let path = format!("/protection/allegations/{}/evidence", u.allegation);
    let (content_type, head) = multipart(
        &[
            ("csrf", delegate.csrf.as_str()),
            ("kind", "photo"),
            ("title", "huge"),
            ("captured_at", "2026-03-01T10:00"),
            ("captured_by", "delegate-h"),
        ],
        None,
    );
    // The declared length alone is enough to refuse.
    let declared = Request::post(&path)
        .header(header::HOST, HOST)
        .header(header::COOKIE, &delegate.cookie)
        .header(header::ORIGIN, format!("https://{HOST}"))
        .header(header::CONTENT_TYPE, &content_type)
        .header(header::CONTENT_LENGTH, (65u64 * 1024 * 1024).to_string())
        .body(Body::from("x"))
        .unwrap();
    assert_eq!(
        app.send(declared).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // A body that streams 65 MiB of file without declaring its length, one 1 MiB piece at a
    // time, never whole in memory.
    let boundary = content_type.split("boundary=").nth(1).unwrap().to_owned();
    let mut prefix = head;
    // Drop the closing boundary of the text fields and open the file part instead.
    prefix.truncate(prefix.len() - (boundary.len() + 6));
    prefix.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.bin\"\r\n\r\n").as_bytes(),
    );
    let pieces = std::iter::once(Ok::<_, std::io::Error>(axum::body::Bytes::from(prefix)))
        .chain((0..65).map(|_| Ok(axum::body::Bytes::from(vec![7u8; 1024 * 1024]))));
    let streamed = Request::post(&path)
        .header(header::HOST, HOST)
        .header(header::COOKIE, &delegate.cookie)
        .header(header::ORIGIN, format!("https://{HOST}"))
        .header(header::CONTENT_TYPE, &content_type)
        .body(Body::from_stream(futures_util::stream::iter(pieces)))
        .unwrap();
    let page = app.send(streamed).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", page.body);
    let scope = app.store.operator_scope(&u.tenant, "test");
    assert!(app.store.evidence_items(&scope).await.unwrap().is_empty());
    let dir = evidence.path().join(u.tenant.id.to_string());
    let left = std::fs::read_dir(&dir).map_or(0, Iterator::count);
    assert_eq!(left, 0, "no file or partial file is left");
}
