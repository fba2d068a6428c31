//! Enquiries, answers and lists travel in envelopes (issue 5; GC3-122-g, GC4-137-a: the bureau
//! replies to all enquiries, the agency forwards them; GC3-46-a, GC4-127: lists), on both
//! backends, through the pages, the API and the one sending and receiving code
//! (`web::transmission`). A forged, stray or malformed notice rejects the whole envelope with
//! nothing written.

use axum::http::StatusCode;
use domain::PersonId;
use store::{NewEnquiry, NewList, Store, UserRole};
use time::OffsetDateTime;
use transmit::{
    Content, EnquiryAnswer, KeyOwner, ListNotice, PersonCard, Purpose, ReceiptStatus, SecretKey,
};
use web::transmission as tx;

use crate::changes::{Keys, Three, forged_with, receive, record_of, send, three};
use crate::harness::{apps, between};

const OFFICER: &str = "Officer Ilse Varga";

fn now_text() -> String {
    tx::now_text()
}

/// An envelope from bureau A to the agency with `contents`, signed with `keys`.
async fn forged(
    store: &Store,
    t: &Three,
    keys: &Keys,
    sequence: u64,
    contents: Vec<Content>,
) -> Vec<u8> {
    forged_with(store, t, keys, Purpose::EnquiryAnswer, sequence, contents).await
}

fn answer_to(reference: &str) -> Content {
    Content::EnquiryAnswer(EnquiryAnswer {
        enquiry_reference: reference.into(),
        reference: "ANS-forged".into(),
        answer: "Held at Camp North.".into(),
        persons: vec!["A-0001".into()],
        answered_by: OFFICER.into(),
        answered_at: now_text(),
    })
}

fn list_of(rows: &[&str]) -> Content {
    Content::List(ListNotice {
        reference: "LIST-forged".into(),
        title: "Transferred to Camp South".into(),
        rule: Some("GC3-46-a".into()),
        drawn_at: now_text(),
        drawn_by: OFFICER.into(),
        references: rows.iter().map(|r| (*r).to_owned()).collect(),
    })
}

#[tokio::test]
async fn an_enquiry_goes_to_the_bureau_and_its_answer_comes_back_with_a_list() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        // GC3-46-a: bureau A lists its prisoner as transferred; the list follows the card.
        store
            .draw_list(
                &scope_a,
                &NewList {
                    title: "Transferred from Camp North to Camp South".into(),
                    rule: Some("GC3-46-a".into()),
                    persons: vec![app.fx.pow_a],
                },
            )
            .await
            .unwrap();
        let first = send(store, &t.bureau_a, "agency").await;
        for _ in 0..2 {
            assert!(matches!(
                receive(store, &t.agency, &first).await,
                ReceiptStatus::Applied { .. } | ReceiptStatus::Duplicate
            ));
        }
        let held = record_of(store, &scope_agency, "bureau-a:A-0001").await;
        let lists = store.lists(&scope_agency).await.unwrap();
        assert_eq!(lists.len(), 1, "{}", app.backend);
        assert_eq!(lists[0].persons, vec![held.person.id]);
        assert_eq!(lists[0].peer, "bureau-a");

        // The agency's caseworker asks bureau A, on the page; bad input is named.
        let caseworker = app.browser("caseworker").await;
        let refused = app
            .submit(
                "/enquiries",
                "peer=bureau-a&person=bureau-a%3AA-0001",
                &caseworker,
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("write the question"),
            "{}",
            refused.body
        );
        let refused = app
            .submit(
                "/enquiries",
                "peer=bureau-a&person=nobody&question=Where%3F",
                &caseworker,
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.body.contains("no person of this tenant"));
        let asked = app
            .submit(
                "/enquiries",
                "peer=bureau-a&person=bureau-a%3AA-0001&question=Where+is+he+held+now%3F&due_days=7",
                &caseworker,
            )
            .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
        let enquiry = store.enquiries(&scope_agency).await.unwrap().remove(0);
        assert_eq!(enquiry.subject_reference.as_deref(), Some("A-0001"));

        // The agency's next envelope to bureau A carries it (purpose enquiry).
        let second = send(store, &t.agency, "bureau-a").await;
        assert!(matches!(
            receive(store, &t.bureau_a, &second).await,
            ReceiptStatus::Applied { applied: 1 }
        ));
        let inbox = store.enquiries(&scope_a).await.unwrap();
        assert_eq!(inbox.len(), 1, "{}", app.backend);
        assert_eq!(inbox[0].person, Some(app.fx.pow_a));
        assert_eq!(inbox[0].reference, enquiry.reference);

        // Bureau A's clerk sees it and answers on the page.
        let clerk = app.browser("clerk-a").await;
        let page = app.get("/enquiries", Some(&clerk.cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Where is he held now?"), "{}", page.body);
        assert!(
            page.body
                .contains(&format!("/enquiries/{}/answer", inbox[0].id))
        );
        let empty = app
            .submit(
                &format!("/enquiries/{}/answer", inbox[0].id),
                "answer=",
                &clerk,
            )
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Another tenant's enquiry answers 404.
        let clerk_b = app.browser("clerk-b").await;
        let foreign = app
            .submit(
                &format!("/enquiries/{}/answer", inbox[0].id),
                "answer=Not+ours",
                &clerk_b,
            )
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
        let answered = app
            .submit(
                &format!("/enquiries/{}/answer", inbox[0].id),
                "answer=Held+at+Camp+South+since+the+transfer.&persons=A-0001",
                &clerk,
            )
            .await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);

        // Bureau A's next envelope carries the answer back; the agency links it.
        let third = send(store, &t.bureau_a, "agency").await;
        assert!(matches!(
            receive(store, &t.agency, &third).await,
            ReceiptStatus::Applied { applied: 1 }
        ));
        let linked = store.enquiry(&scope_agency, enquiry.id).await.unwrap();
        assert_eq!(linked.answers.len(), 1, "{}", app.backend);
        assert_eq!(linked.answers[0].persons, vec!["A-0001".to_owned()]);
        let page = app.get("/enquiries", Some(&caseworker.cookie)).await;
        assert!(page.body.contains("Held at Camp South since the transfer."));
        assert!(page.body.contains("answered on time"));
        let token = app.token(t.agency.id, UserRole::Caseworker).await;
        let api = app
            .api("GET", "/api/v1/enquiries", Some(&token), None)
            .await;
        assert_eq!(api.status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(json["enquiries"][0]["state"], "answered-on-time");
        assert_eq!(json["enquiries"][0]["answers"][0]["given"], false);
        let api = app.api("GET", "/api/v1/lists", Some(&token), None).await;
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(json["lists"][0]["persons"][0], "bureau-a:A-0001");
        assert_eq!(json["lists"][0]["direction"], "received");

        // The bureau's compliance view counts the enquiry it answered (§10 #47).
        let report =
            tx::compliance::compute(store, &scope_a, "bureau-a", OffsetDateTime::now_utc())
                .await
                .unwrap();
        let row = report
            .enquiries
            .iter()
            .find(|r| r.direction == "received" && r.peer == "agency")
            .unwrap();
        assert_eq!((row.owed, row.answered_on_time, row.overdue), (1, 1, 0));
        let page = app.get("/compliance", Some(&clerk.cookie)).await;
        assert!(
            between(&page.body, "<caption>Enquiries", "</table>")
                .is_some_and(|t| t.contains("<td>agency</td>"))
        );
    }
}

#[tokio::test]
async fn the_api_asks_answers_and_draws_lists_with_named_errors() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let caseworker = app.token(t.agency.id, UserRole::Caseworker).await;
        let clerk = app.token(t.bureau_a.id, UserRole::BureauClerk).await;
        let created = app
            .api(
                "POST",
                "/api/v1/enquiries",
                Some(&caseworker),
                Some(r#"{"peer":"bureau-a","person":"XA-LIST-0042","question":"Is he held by you?"}"#),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let bad = app
            .api(
                "POST",
                "/api/v1/enquiries",
                Some(&caseworker),
                Some(r#"{"peer":"bureau-a","question":"?"}"#),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("tracing request"), "{}", bad.body);
        // A bureau answers only enquiries it received: the agency's id is unknown to it.
        let id = store
            .enquiries(&store.operator_scope(&t.agency, "t"))
            .await
            .unwrap()[0]
            .id;
        let stray = app
            .api(
                "POST",
                &format!("/api/v1/enquiries/{id}/answer"),
                Some(&clerk),
                Some(r#"{"answer":"yes"}"#),
            )
            .await;
        assert_eq!(stray.status, StatusCode::NOT_FOUND, "{}", stray.body);
        let list = app
            .api(
                "POST",
                "/api/v1/lists",
                Some(&clerk),
                Some(r#"{"title":"Evacuated","rule":"GC3-20-a","persons":["A-0001","A-0404"]}"#),
            )
            .await;
        assert_eq!(list.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(list.body.contains("row 2"), "{}", list.body);
        let list = app
            .api(
                "POST",
                "/api/v1/lists",
                Some(&clerk),
                Some(r#"{"title":"Evacuated","rule":"GC3-20-a","persons":["A-0001"]}"#),
            )
            .await;
        assert_eq!(list.status, StatusCode::CREATED, "{}", list.body);
        let openapi = app.api("GET", "/api/v1/openapi.json", None, None).await;
        assert!(openapi.body.contains("/api/v1/enquiries/{id}/answer"));
        assert!(openapi.body.contains("\"EnquiryList\""));
    }
}

#[tokio::test]
async fn a_forged_stray_or_malformed_answer_or_list_rejects_the_whole_envelope() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_agency = store.operator_scope(&t.agency, "test");
        let scope_b = store.operator_scope(&t.bureau_b, "test");
        let first = send(store, &t.bureau_a, "agency").await;
        assert!(matches!(
            receive(store, &t.agency, &first).await,
            ReceiptStatus::Applied { .. }
        ));
        let held: PersonId = record_of(store, &scope_agency, "bureau-a:A-0001")
            .await
            .person
            .id;
        // An enquiry the agency asked of bureau B, and one bureau B's tenant holds as asked.
        let of_b = store
            .ask_enquiry(
                &scope_agency,
                &NewEnquiry {
                    peer: "bureau-b".into(),
                    person: Some(held),
                    question: "?".into(),
                    ..NewEnquiry::default()
                },
            )
            .await
            .unwrap();
        let b_person = store
            .person_id_by_reference(&scope_b, "B-0001")
            .await
            .unwrap();
        let other_tenant = store
            .ask_enquiry(
                &scope_b,
                &NewEnquiry {
                    peer: "bureau-a".into(),
                    person: Some(b_person),
                    question: "?".into(),
                    ..NewEnquiry::default()
                },
            )
            .await
            .unwrap();
        let of_a = store
            .ask_enquiry(
                &scope_agency,
                &NewEnquiry {
                    peer: "bureau-a".into(),
                    person: Some(held),
                    question: "?".into(),
                    ..NewEnquiry::default()
                },
            )
            .await
            .unwrap();
        // A new person's card first in each envelope: it must not survive a refusal.
        let card = || {
            Content::CaptureCard(PersonCard {
                reference: "A-0777".into(),
                category: "pow".into(),
                registered_at: now_text(),
                fields: Vec::new(),
                detriment: None,
            })
        };
        let mut bad_time = answer_to(&of_a.reference);
        if let Content::EnquiryAnswer(a) = &mut bad_time {
            a.answered_at = "yesterday".into();
        }
        let cases: Vec<(Vec<Content>, &str)> = vec![
            (
                vec![card(), answer_to("ENQ-000000000000")],
                "never asked of bureau-a",
            ),
            (
                vec![card(), answer_to(&of_b.reference)],
                "never asked of bureau-a",
            ),
            (
                vec![card(), answer_to(&other_tenant.reference)],
                "never asked of bureau-a",
            ),
            (vec![card(), bad_time], "not an RFC 3339 time"),
            (
                vec![card(), list_of(&["A-0001", "A-0404"])],
                "row 2: reference \"A-0404\", whose card was never received",
            ),
            (
                vec![card(), list_of(&["A-0777", ""])],
                "row 2: an empty reference",
            ),
            (
                vec![card(), list_of(&["A-0001", "A-0001"])],
                "row 2: reference \"A-0001\" a second time",
            ),
            (vec![card(), list_of(&[])], "a list holds 1 to"),
        ];
        let lists_before = store.lists(&scope_agency).await.unwrap().len();
        for (i, (contents, expected)) in cases.into_iter().enumerate() {
            let sequence = 2 + u64::try_from(i).unwrap();
            let bundle = forged(store, &t, &t.keys_a, sequence, contents).await;
            match receive(store, &t.agency, &bundle).await {
                ReceiptStatus::Rejected { code, reason } => {
                    assert_eq!(code, "invalid-content", "{reason}");
                    assert!(reason.contains(expected), "{expected:?} not in {reason:?}");
                    assert!(reason.contains("notice 2"), "{reason}");
                }
                other => panic!("case {i} ({expected}) was not rejected: {other:?}"),
            }
            assert!(
                store
                    .person_id_by_reference(&scope_agency, "bureau-a:A-0777")
                    .await
                    .is_err(),
                "case {i}"
            );
        }
        assert_eq!(
            store.lists(&scope_agency).await.unwrap().len(),
            lists_before
        );
        // A forged answer: signed by keys bureau A never had pinned at the agency.
        let forger = Keys {
            seal: SecretKey::generate(
                KeyOwner {
                    tenant: "bureau-a".into(),
                    officer: None,
                },
                &now_text(),
            )
            .unwrap(),
            officer: SecretKey::generate(
                KeyOwner {
                    tenant: "bureau-a".into(),
                    officer: Some(OFFICER.into()),
                },
                &now_text(),
            )
            .unwrap(),
        };
        let bundle = forged(store, &t, &forger, 20, vec![answer_to(&of_a.reference)]).await;
        assert!(matches!(
            receive(store, &t.agency, &bundle).await,
            ReceiptStatus::Rejected { code, .. } if code == "unknown-key"
        ));
        // A tampered one: a byte changed in the bundle.
        let mut tampered = forged(store, &t, &t.keys_a, 21, vec![answer_to(&of_a.reference)]).await;
        let last = tampered.len() - 20;
        tampered[last] ^= 1;
        assert!(matches!(
            receive(store, &t.agency, &tampered).await,
            ReceiptStatus::Rejected { code, .. } if code == "tampered"
        ));
        assert!(
            store
                .enquiry(&scope_agency, of_a.id)
                .await
                .unwrap()
                .answers
                .is_empty()
        );
        // The genuine answer is applied, once.
        let genuine = forged(store, &t, &t.keys_a, 22, vec![answer_to(&of_a.reference)]).await;
        for _ in 0..2 {
            assert!(matches!(
                receive(store, &t.agency, &genuine).await,
                ReceiptStatus::Applied { .. } | ReceiptStatus::Duplicate
            ));
        }
        assert_eq!(
            store
                .enquiry(&scope_agency, of_a.id)
                .await
                .unwrap()
                .answers
                .len(),
            1,
            "{}",
            app.backend
        );
    }
}
