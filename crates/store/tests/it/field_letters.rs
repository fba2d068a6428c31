//! Allegation steps, representations and replies written on a laptop and recorded at the unit in
//! the visit report's batch (issue 6, ICRC-VIS-e), on both backends: the same records twice
//! apply once; a closed allegation, an unknown allegation or representation and a date in the
//! future are refused, and a refused batch leaves nothing of itself.

use domain::protection::{
    AllegationStatus, AllegationStep, AuthorityReply, Consent, ReplyOutcome, RepresentationForm,
    RepresentationLetter, StepKind,
};
use domain::{AllegationId, ReplyId, RepresentationId};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use whereabouts_store::StoreError;

use crate::harness::{backends, seed};
use crate::protection::{allegation, raw_text, unit};

fn letter(allegation: AllegationId, days_ago: i64) -> RepresentationLetter {
    RepresentationLetter {
        id: RepresentationId::new(),
        allegation,
        form: RepresentationForm::Anonymous,
        addressee: "Command of the fictional camp K-7".into(),
        sent_on: (OffsetDateTime::now_utc() - Duration::days(days_ago)).date(),
        text: "Fictional, written offline: beatings on arrival at block C.".into(),
    }
}

fn reply(representation: RepresentationId, days_ago: i64) -> AuthorityReply {
    AuthorityReply {
        id: ReplyId::new(),
        representation,
        received_on: (OffsetDateTime::now_utc() - Duration::days(days_ago)).date(),
        outcome: ReplyOutcome::MeasuresAnnounced,
        text: Some("Fictional: the command opens an inquiry.".into()),
    }
}

fn closure(days_ago: i64) -> AllegationStep {
    AllegationStep {
        at: OffsetDateTime::now_utc() - Duration::days(days_ago),
        by: "delegate".into(),
        kind: StepKind::Closed {
            reason: "Fictional: the guard was moved.".into(),
        },
    }
}

// ICRC-VIS-e: a laptop's allegation, its representation (text sealed), the reply and a noted
// step in one batch; the same batch again adds nothing; the status follows.
#[tokio::test]
async fn steps_representations_and_replies_in_a_field_batch_apply_once() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        let a = allegation(&u, "AL-F1", Consent::Anonymous);
        let sent = letter(a.id, 6);
        let answer = reply(sent.id, 2);
        let step_id = Uuid::now_v7();
        let noted = AllegationStep {
            // Whole seconds: PostgreSQL keeps microseconds.
            at: (OffsetDateTime::now_utc() - Duration::days(7))
                .replace_nanosecond(0)
                .unwrap(),
            by: "delegate".into(),
            kind: StepKind::Representation {
                addressee: "Camp command (oral)".into(),
                form: RepresentationForm::Anonymous,
            },
        };
        for round in 0..2 {
            let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
            let new = round == 0;
            assert_eq!(batch.visit(&u.visit).await.unwrap(), new, "{name}");
            assert_eq!(batch.allegation(&a, &[]).await.unwrap(), new, "{name}");
            assert_eq!(
                batch.allegation_step(step_id, a.id, &noted).await.unwrap(),
                new,
                "{name}: round {round}"
            );
            assert_eq!(batch.representation(&sent).await.unwrap(), new, "{name}");
            assert_eq!(batch.reply(&answer).await.unwrap(), new, "{name}");
            batch.commit().await.unwrap();
        }
        let stored = store.representations(&u.scope, a.id).await.unwrap();
        assert_eq!(stored.len(), 1, "{name}");
        assert_eq!(stored[0].replies.len(), 1, "{name}");
        assert_eq!(
            store.allegation_steps(&u.scope, a.id).await.unwrap(),
            vec![(step_id, noted.clone())],
            "{name}: the step keeps the laptop's id"
        );
        assert_eq!(
            store.allegation_status(&u.scope, a.id).await.unwrap(),
            AllegationStatus::MeasuresAnnounced,
            "{name}"
        );
        // SEC-3: sealed at rest like a representation typed at the unit.
        let at_rest = raw_text(
            &backend.raw_url,
            &u.scope.tenant().to_string(),
            "SELECT text FROM representations",
        )
        .await;
        assert!(at_rest.starts_with("wv1:"), "{name}: {at_rest}");
        let opened = store.representation(&u.scope, sent.id).await.unwrap();
        assert_eq!(opened.letter.text, sent.text.trim(), "{name}");
        assert_eq!(opened.replies[0].reply.text, answer.text, "{name}");

        // Once closed, a later representation or reply is refused, even a known one is not
        // re-checked (the same record again is simply known).
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        assert!(
            batch
                .allegation_step(Uuid::now_v7(), a.id, &closure(1))
                .await
                .unwrap()
        );
        assert!(!batch.representation(&sent).await.unwrap(), "{name}");
        match batch.reply(&reply(sent.id, 0)).await {
            Err(StoreError::Invalid(m)) => {
                assert_eq!(m, "the allegation is closed", "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
        match batch.representation(&letter(a.id, 0)).await {
            Err(StoreError::Invalid(m)) => {
                assert_eq!(m, "the allegation is closed", "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
        drop(batch);
        assert_ne!(
            store.allegation_status(&u.scope, a.id).await.unwrap(),
            AllegationStatus::Closed,
            "{name}: the refused batch rolled back its closure too"
        );
    }
}

// A refused record in a batch leaves nothing of the batch: an unknown allegation or
// representation is NotFound, a step or a representation dated in the future is refused by name.
#[tokio::test]
async fn unknown_or_future_letters_are_refused_and_the_batch_applies_nothing() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        let a = allegation(&u, "AL-F2", Consent::Anonymous);

        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        batch.visit(&u.visit).await.unwrap();
        batch.allegation(&a, &[]).await.unwrap();
        let sent = letter(a.id, 3);
        assert!(batch.representation(&sent).await.unwrap());
        assert!(matches!(
            batch.representation(&letter(AllegationId::new(), 1)).await,
            Err(StoreError::NotFound)
        ));
        drop(batch);
        assert!(
            store.allegations(&u.scope).await.unwrap().is_empty(),
            "{name}: nothing of the refused batch is kept"
        );
        assert!(
            matches!(
                store.representation(&u.scope, sent.id).await,
                Err(StoreError::NotFound)
            ),
            "{name}"
        );

        store.record_visit(&u.scope, &u.visit).await.unwrap();
        store.record_allegation(&u.scope, &a).await.unwrap();
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        assert!(matches!(
            batch.reply(&reply(RepresentationId::new(), 0)).await,
            Err(StoreError::NotFound)
        ));
        let mut late = closure(0);
        late.at = OffsetDateTime::now_utc() + Duration::days(2);
        match batch.allegation_step(Uuid::now_v7(), a.id, &late).await {
            Err(StoreError::Invalid(m)) => assert!(m.starts_with("at:"), "{name}: {m}"),
            other => panic!("{name}: {other:?}"),
        }
        match batch.representation(&letter(a.id, -1)).await {
            Err(StoreError::Invalid(m)) => assert!(m.starts_with("sent_on"), "{name}: {m}"),
            other => panic!("{name}: {other:?}"),
        }
        drop(batch);
        assert!(
            store
                .representations(&u.scope, a.id)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
    }
}

// Issue 6: conditions (ICRC-VIS-a), refusals and their ends (GC3-126-c) and private interviews
// (GC3-126-b) from a visit report are recorded as by who recorded them on the laptop, as persons
// seen, follow-ups, representations and replies are; without a name (older reports), as by the
// importing operator. A name longer than 200 characters is refused and the batch applies
// nothing.
#[tokio::test]
async fn field_records_keep_who_recorded_them_on_the_laptop() {
    use domain::protection::{
        AccessRefusal, Condition, ConditionRecord, Outcome, RefusalEnd, RefusalGround,
    };
    use time::macros::datetime;
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        let person = crate::protection::seen(&u.visit, u.place, "Мельник");
        let talk = crate::protection::interview(&u, person.id, Consent::Anonymous);
        let refusal = |scope: &str| AccessRefusal {
            id: domain::RefusalId::new(),
            visit: Some(u.visit.id),
            place: u.place,
            refused_at: datetime!(2026-03-01 09:00 UTC),
            scope: scope.into(),
            ground: RefusalGround::Security,
            grounds_text: None,
            expected_end: None,
            actual_end: None,
        };
        let (basement, yard) = (refusal("the basement"), refusal("the yard"));
        let end = RefusalEnd {
            refusal: basement.id,
            ended_at: datetime!(2026-03-01 15:00 UTC),
            note: None,
        };
        let condition = |c: Condition| ConditionRecord {
            condition: c,
            outcome: Outcome::Granted,
            reason: None,
        };

        // Too long a name: refused, and nothing of the batch is kept.
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        batch.visit(&u.visit).await.unwrap();
        let long = "d".repeat(201);
        assert!(matches!(
            batch.refusal_by(&yard, Some(&long)).await,
            Err(StoreError::Invalid(m)) if m.starts_with("recorded by")
        ));
        drop(batch);
        assert!(store.visits(&u.scope).await.unwrap().is_empty(), "{name}");

        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        batch.visit(&u.visit).await.unwrap();
        batch.registration(&person).await.unwrap();
        assert!(
            batch
                .condition_if_new_by(
                    u.visit.id,
                    &condition(Condition::PrivateInterviews),
                    Some(" delegate-anna ")
                )
                .await
                .unwrap()
        );
        batch
            .condition_if_new_by(u.visit.id, &condition(Condition::RepeatVisits), None)
            .await
            .unwrap();
        assert!(
            batch
                .refusal_by(&basement, Some("delegate-anna"))
                .await
                .unwrap()
        );
        batch.refusal_by(&yard, None).await.unwrap();
        assert!(
            batch
                .interview_by(&talk, Some("delegate-boris"))
                .await
                .unwrap()
        );
        assert!(
            batch
                .refusal_end_by(&end, Some("delegate-boris"))
                .await
                .unwrap()
        );
        batch.commit().await.unwrap();

        let by = store.visit_recorders(&u.scope, u.visit.id).await.unwrap();
        let operator = u.scope.actor_name();
        assert_eq!(
            by.condition(Condition::PrivateInterviews),
            Some("delegate-anna"),
            "{name}"
        );
        assert_eq!(
            by.condition(Condition::RepeatVisits),
            Some(operator),
            "{name}"
        );
        assert_eq!(by.refusal(basement.id), Some("delegate-anna"), "{name}");
        assert_eq!(by.refusal(yard.id), Some(operator), "{name}");
        assert_eq!(by.interview(talk.id), Some("delegate-boris"), "{name}");
        let ends = store.refusal_ends(&u.scope).await.unwrap();
        assert_eq!(ends[0].recorded_by, "delegate-boris", "{name}");

        // The same records again add nothing and keep who recorded them first.
        let mut batch = store.begin_field_batch(&u.scope).await.unwrap();
        assert!(
            !batch
                .interview_by(&talk, Some("someone-else"))
                .await
                .unwrap()
        );
        assert!(!batch.refusal_by(&basement, None).await.unwrap());
        batch.commit().await.unwrap();
        assert_eq!(
            store.visit_recorders(&u.scope, u.visit.id).await.unwrap(),
            by,
            "{name}"
        );
    }
}
