//! Enquiries, answers and lists on both backends (issue 5, migration 0014): GC3-122-g and
//! GC4-137-a (the bureau replies to all enquiries), GC3-46-a and GC4-127 (lists). Tenant A
//! plays the agency, tenant B a bureau; each sees only its own.

use time::{Duration, OffsetDateTime};
use whereabouts_store::{
    EnquiryDirection, NewEnquiry, NewList, NewTransmission, NoticeItem, NoticeKind, ReceivedAnswer,
    ReceivedEnquiry, ReceivedList, StoreError,
};

use crate::accounts_agency::request;
use crate::harness::{backends, new_source, register_pow as register, seed};

fn envelope(recipient: &str, sequence: i64, notices: Vec<NoticeItem>) -> NewTransmission {
    NewTransmission {
        recipient: recipient.into(),
        channel: "agency".into(),
        sequence,
        content_hash: format!("sha256:{sequence:064}"),
        envelope: format!("{{\"sequence\":{sequence}}}"),
        officer: "Officer Varga".into(),
        persons: Vec::new(),
        notices,
    }
}

fn message(kind: NoticeKind, id: uuid::Uuid, any_person: domain::PersonId) -> NoticeItem {
    NoticeItem {
        person: any_person,
        kind,
        id,
    }
}

#[tokio::test]
async fn the_agency_asks_and_each_enquiry_travels_once_in_its_tenant() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        // The agency holds a person the bureau notified.
        let person = register(store, &f.scope_a, f.source_a, "bureau-b:B-7").await;
        let asked = store
            .ask_enquiry(
                &f.scope_a,
                &NewEnquiry {
                    peer: "bureau-b".into(),
                    person: Some(person),
                    question: "Where is this person held now?".into(),
                    ..NewEnquiry::default()
                },
            )
            .await
            .unwrap();
        // GC3-122-g: the bureau's own reference travels, not the agency's.
        assert_eq!(asked.subject_reference.as_deref(), Some("B-7"));
        assert_eq!(asked.direction, EnquiryDirection::Asked);
        assert!(asked.due_at > asked.asked_at + Duration::days(13));
        // A tracing request: the sought particulars, never the enquirer.
        let tracing = store
            .create_tracing_request(&f.scope_a, &request("TR-9"))
            .await
            .unwrap();
        let traced = store
            .ask_enquiry(
                &f.scope_a,
                &NewEnquiry {
                    peer: "bureau-b".into(),
                    tracing_request: Some(tracing),
                    question: "Do you hold this person?".into(),
                    ..NewEnquiry::default()
                },
            )
            .await
            .unwrap();
        let sought = traced.sought.clone().unwrap();
        assert!(sought.contains("Коваленко"), "{sought}");
        assert!(!sought.contains("Марія"), "{sought}");
        // Bad input, by name.
        assert!(matches!(
            store.ask_enquiry(&f.scope_a, &NewEnquiry { peer: "bureau-b".into(), question: "?".into(), ..NewEnquiry::default() }).await,
            Err(StoreError::Invalid(m)) if m.contains("person or a tracing request")
        ));
        assert!(matches!(
            store.ask_enquiry(&f.scope_a, &NewEnquiry { peer: "bureau-b".into(), person: Some(person), question: " ".into(), ..NewEnquiry::default() }).await,
            Err(StoreError::Invalid(m)) if m.contains("question")
        ));
        // Another tenant's person or enquiry answers 404.
        assert!(matches!(
            store
                .ask_enquiry(
                    &f.scope_b,
                    &NewEnquiry {
                        peer: "bureau-b".into(),
                        person: Some(person),
                        question: "?".into(),
                        ..NewEnquiry::default()
                    }
                )
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.enquiry(&f.scope_b, asked.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(store.enquiries(&f.scope_b).await.unwrap().is_empty());
        // The asker cannot answer its own enquiry.
        assert!(matches!(
            store
                .answer_enquiry(&f.scope_a, asked.id, "here", &[])
                .await,
            Err(StoreError::Invalid(_))
        ));
        // Pending for bureau-b only, until an envelope carries them.
        let pending = store
            .pending_messages(&f.scope_a, "bureau-b")
            .await
            .unwrap();
        assert_eq!(pending.enquiries.len(), 2, "{}", backend.name);
        assert!(
            store
                .pending_messages(&f.scope_a, "bureau-c")
                .await
                .unwrap()
                .is_empty()
        );
        // An envelope cannot claim another tenant's enquiry.
        assert!(matches!(
            store
                .record_transmission(
                    &f.scope_b,
                    &envelope("agency", 1, vec![message(NoticeKind::Enquiry, asked.id, person)])
                )
                .await,
            Err(StoreError::Invalid(m)) if m.contains("not one of this tenant's")
        ));
        store
            .record_transmission(
                &f.scope_a,
                &envelope(
                    "bureau-b",
                    1,
                    vec![
                        message(NoticeKind::Enquiry, asked.id, person),
                        message(NoticeKind::Enquiry, traced.id, person),
                    ],
                ),
            )
            .await
            .unwrap();
        assert!(
            store
                .pending_messages(&f.scope_a, "bureau-b")
                .await
                .unwrap()
                .is_empty(),
            "{}",
            backend.name
        );
        assert_eq!(store.enquiries(&f.scope_a).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn a_bureau_receives_answers_and_the_agency_links_the_answer_once() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let at_bureau = register(store, &f.scope_b, f.source_b, "B-7").await;
        let at_agency = register(store, &f.scope_a, f.source_a, "bureau-b:B-7").await;
        let asked = store
            .ask_enquiry(
                &f.scope_a,
                &NewEnquiry {
                    peer: "bureau-b".into(),
                    person: Some(at_agency),
                    question: "Where is this person held now?".into(),
                    ..NewEnquiry::default()
                },
            )
            .await
            .unwrap();
        // The bureau receives it, twice: kept once.
        let received = ReceivedEnquiry {
            peer: "agency".into(),
            reference: asked.reference.clone(),
            person: Some(at_bureau),
            subject_reference: Some("B-7".into()),
            sought: None,
            question: asked.question.clone(),
            asked_by: "Caseworker".into(),
            asked_at: asked.asked_at,
            due_at: asked.due_at,
        };
        for expected in [true, false] {
            let mut batch = store
                .begin_import_from(&f.scope_b, &new_source("envelope agency #1"))
                .await
                .unwrap();
            assert_eq!(batch.receive_enquiry(&received).await.unwrap(), expected);
            batch.commit().await.unwrap();
        }
        let inbox = store.enquiries(&f.scope_b).await.unwrap();
        assert_eq!(inbox.len(), 1, "{}", backend.name);
        assert_eq!(inbox[0].direction, EnquiryDirection::Received);
        assert_eq!(inbox[0].person, Some(at_bureau));
        // GC3-122-g: the bureau answers; the answer waits for the agency.
        let answer = store
            .answer_enquiry(
                &f.scope_b,
                inbox[0].id,
                "Held at Camp North since 2026-11-02.",
                &["B-7".into(), " ".into()],
            )
            .await
            .unwrap();
        assert_eq!(answer.persons, vec!["B-7".to_owned()]);
        assert!(matches!(
            store
                .answer_enquiry(&f.scope_a, inbox[0].id, "x", &[])
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.answer_enquiry(&f.scope_b, inbox[0].id, "", &[]).await,
            Err(StoreError::Invalid(m)) if m.contains("answer")
        ));
        let pending = store.pending_messages(&f.scope_b, "agency").await.unwrap();
        assert_eq!(pending.answers.len(), 1);
        assert_eq!(pending.answers[0].1.id, answer.id);

        // At the agency: the answer is linked to the enquiry asked of that bureau only.
        let mut batch = store
            .begin_import_from(&f.scope_a, &new_source("envelope bureau-b #3"))
            .await
            .unwrap();
        assert_eq!(
            batch
                .asked_enquiry("bureau-c", &asked.reference)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            batch.asked_enquiry("bureau-b", "ENQ-none").await.unwrap(),
            None
        );
        let enquiry = batch
            .asked_enquiry("bureau-b", &asked.reference)
            .await
            .unwrap()
            .unwrap();
        let back = ReceivedAnswer {
            enquiry,
            reference: answer.reference.clone(),
            answer: answer.answer.clone(),
            persons: answer.persons.clone(),
            answered_by: "Officer Varga".into(),
            answered_at: answer.answered_at,
        };
        assert!(batch.receive_answer(&back).await.unwrap());
        assert!(!batch.receive_answer(&back).await.unwrap());
        batch.commit().await.unwrap();
        // Another tenant's import does not see the agency's enquiry.
        let mut batch = store
            .begin_import_from(&f.scope_b, &new_source("envelope x"))
            .await
            .unwrap();
        assert_eq!(
            batch
                .asked_enquiry("bureau-b", &asked.reference)
                .await
                .unwrap(),
            None
        );
        drop(batch);
        let held = store.enquiry(&f.scope_a, asked.id).await.unwrap();
        assert_eq!(held.answers.len(), 1, "{}", backend.name);
        assert!(!held.answers[0].given);
        // PostgreSQL keeps microseconds.
        let at = held.answered_at().unwrap();
        assert!((at - answer.answered_at).abs() < Duration::milliseconds(1));
    }
}

#[tokio::test]
async fn lists_are_drawn_sent_and_received_once_or_not_at_all() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let one = register(store, &f.scope_b, f.source_b, "B-1").await;
        let two = register(store, &f.scope_b, f.source_b, "B-2").await;
        let foreign = register(store, &f.scope_a, f.source_a, "bureau-b:B-1").await;
        let list = store
            .draw_list(
                &f.scope_b,
                &NewList {
                    title: "Transferred from Camp North to Camp South".into(),
                    rule: Some("GC3-46-a".into()),
                    persons: vec![one, two],
                },
            )
            .await
            .unwrap();
        assert!(matches!(
            store
                .draw_list(
                    &f.scope_b,
                    &NewList {
                        title: "x".into(),
                        rule: None,
                        persons: vec![one, foreign]
                    }
                )
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.draw_list(&f.scope_b, &NewList { title: "x".into(), rule: None, persons: vec![] }).await,
            Err(StoreError::Invalid(m)) if m.contains("1 to")
        ));
        assert_eq!(store.lists(&f.scope_b).await.unwrap().len(), 1);
        assert!(store.lists(&f.scope_a).await.unwrap().is_empty());
        let pending = store.pending_messages(&f.scope_b, "agency").await.unwrap();
        assert_eq!(pending.lists.len(), 1);
        store
            .record_transmission(
                &f.scope_b,
                &envelope("agency", 1, vec![message(NoticeKind::List, list.id, one)]),
            )
            .await
            .unwrap();
        assert!(
            store
                .pending_messages(&f.scope_b, "agency")
                .await
                .unwrap()
                .lists
                .is_empty()
        );
        // Another recipient still gets it.
        assert_eq!(
            store
                .pending_messages(&f.scope_b, "protecting-power")
                .await
                .unwrap()
                .lists
                .len(),
            1
        );

        // The agency receives it: a person of another tenant refuses the whole list.
        let received = ReceivedList {
            peer: "bureau-b".into(),
            reference: list.reference.clone(),
            title: list.title.clone(),
            rule: list.rule.clone(),
            drawn_by: "Officer Varga".into(),
            drawn_at: OffsetDateTime::now_utc(),
            persons: vec![foreign, one],
        };
        let mut batch = store
            .begin_import_from(&f.scope_a, &new_source("envelope bureau-b #1"))
            .await
            .unwrap();
        assert!(matches!(
            batch.receive_list(&received).await,
            Err(StoreError::NotFound)
        ));
        drop(batch);
        assert!(store.lists(&f.scope_a).await.unwrap().is_empty());
        let good = ReceivedList {
            persons: vec![foreign],
            ..received
        };
        for expected in [true, false] {
            let mut batch = store
                .begin_import_from(&f.scope_a, &new_source("envelope bureau-b #1"))
                .await
                .unwrap();
            assert_eq!(batch.receive_list(&good).await.unwrap(), expected);
            batch.commit().await.unwrap();
        }
        let lists = store.lists(&f.scope_a).await.unwrap();
        assert_eq!(lists.len(), 1, "{}", backend.name);
        assert!(!lists[0].drawn);
        assert_eq!(lists[0].peer, "bureau-b");
        assert_eq!(lists[0].persons, vec![foreign]);
        assert_eq!(lists[0].rule.as_deref(), Some("GC3-46-a"));
    }
}
