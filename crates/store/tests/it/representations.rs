//! Confidential representations with their text and the authority's replies (issue 6,
//! ICRC-VIS-e, migration 0017) on both backends: the texts are sealed at rest and opened only by
//! `representation`; consent decides the form (ICRC-VIS-c); replies date from the day sent; the
//! allegation's status follows; append-only, tenant-isolated, re-sealed by a key rotation.

use domain::protection::{
    AllegationStatus, AllegationStep, AuthorityReply, Consent, ReplyOutcome, RepresentationForm,
    RepresentationLetter, StepKind,
};
use domain::{ReplyId, RepresentationId};
use time::{Duration, OffsetDateTime};
use whereabouts_store::StoreError;

use crate::harness::{backends, seed};
use crate::protection::{allegation, raw_execute, raw_text, unit};

fn letter(
    allegation: domain::AllegationId,
    form: RepresentationForm,
    days_ago: i64,
) -> RepresentationLetter {
    RepresentationLetter {
        id: RepresentationId::new(),
        allegation,
        form,
        addressee: "Command of the fictional camp K-7".into(),
        sent_on: (OffsetDateTime::now_utc() - Duration::days(days_ago)).date(),
        text: "Fictional: we raise, confidentially, the beatings on arrival.".into(),
    }
}

fn reply(
    representation: RepresentationId,
    days_ago: i64,
    outcome: ReplyOutcome,
    text: Option<&str>,
) -> AuthorityReply {
    AuthorityReply {
        id: ReplyId::new(),
        representation,
        received_on: (OffsetDateTime::now_utc() - Duration::days(days_ago)).date(),
        outcome,
        text: text.map(str::to_owned),
    }
}

#[tokio::test]
async fn a_representation_and_its_replies_are_sealed_and_lead_the_status() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        store.record_visit(&u.scope, &u.visit).await.unwrap();
        let a = allegation(&u, "AL-R1", Consent::Anonymous);
        store.record_allegation(&u.scope, &a).await.unwrap();
        assert_eq!(
            store.allegation_status(&u.scope, a.id).await.unwrap(),
            AllegationStatus::Recorded
        );

        // ICRC-VIS-c: anonymous consent, no named representation; nothing is written.
        let named = letter(a.id, RepresentationForm::Named, 3);
        match store.record_representation(&u.scope, &named).await {
            Err(StoreError::Invalid(m)) => assert!(m.starts_with("ICRC-VIS-c"), "{name}: {m}"),
            other => panic!("{name}: {other:?}"),
        }
        // Not sent yet: refused; today is the boundary and passes.
        let future = letter(a.id, RepresentationForm::Anonymous, -1);
        assert!(matches!(
            store.record_representation(&u.scope, &future).await,
            Err(StoreError::Invalid(m)) if m.starts_with("sent_on")
        ));
        let sent = letter(a.id, RepresentationForm::Anonymous, 10);
        assert!(store.record_representation(&u.scope, &sent).await.unwrap());
        assert!(
            !store.record_representation(&u.scope, &sent).await.unwrap(),
            "{name}: the same representation again adds nothing"
        );
        assert_eq!(
            store.allegation_status(&u.scope, a.id).await.unwrap(),
            AllegationStatus::RaisedWithAuthority
        );

        // SEC-3: the text is sealed at rest, bound to its row.
        let at_rest = raw_text(
            &backend.raw_url,
            &u.scope.tenant().to_string(),
            "SELECT text FROM representations",
        )
        .await;
        assert!(at_rest.starts_with("wv1:"), "{name}: {at_rest}");
        assert!(!at_rest.contains("beatings"));

        // Replies: not before the day sent, text required but for "no reply".
        let early = reply(sent.id, 11, ReplyOutcome::Acknowledged, Some("Received."));
        assert!(matches!(
            store.record_reply(&u.scope, &early).await,
            Err(StoreError::Invalid(m)) if m.starts_with("received_on")
        ));
        let mute = reply(sent.id, 5, ReplyOutcome::Denied, None);
        assert!(matches!(
            store.record_reply(&u.scope, &mute).await,
            Err(StoreError::Invalid(m)) if m.starts_with("text")
        ));
        let ack = reply(sent.id, 10, ReplyOutcome::Acknowledged, Some("Received."));
        assert!(store.record_reply(&u.scope, &ack).await.unwrap());
        assert_eq!(
            store.allegation_status(&u.scope, a.id).await.unwrap(),
            AllegationStatus::AuthorityReplied
        );
        let denied = reply(
            sent.id,
            4,
            ReplyOutcome::Denied,
            Some("Fictional: the command denies any beating."),
        );
        assert!(store.record_reply(&u.scope, &denied).await.unwrap());
        assert_eq!(
            store.allegation_status(&u.scope, a.id).await.unwrap(),
            AllegationStatus::Denied,
            "{name}"
        );
        // Raised again, then no reply: the latest decides.
        let again = letter(a.id, RepresentationForm::Aggregated, 2);
        store.record_representation(&u.scope, &again).await.unwrap();
        assert_eq!(
            store.allegation_status(&u.scope, a.id).await.unwrap(),
            AllegationStatus::RaisedWithAuthority
        );
        let silent = reply(again.id, 0, ReplyOutcome::NoReply, None);
        store.record_reply(&u.scope, &silent).await.unwrap();
        assert_eq!(
            store.allegation_status(&u.scope, a.id).await.unwrap(),
            AllegationStatus::NoReply
        );

        // The list leaves every text sealed away; one representation opens them.
        let listed = store.representations(&u.scope, a.id).await.unwrap();
        assert_eq!(listed.len(), 2, "{name}");
        assert_eq!(listed[0].letter.id, sent.id);
        assert_eq!(listed[0].letter.text, "");
        assert_eq!(listed[0].replies.len(), 2);
        assert!(listed[0].replies.iter().all(|r| r.reply.text.is_none()));
        assert_eq!(listed[0].replies[1].reply.outcome, ReplyOutcome::Denied);
        let opened = store.representation(&u.scope, sent.id).await.unwrap();
        assert_eq!(opened.letter, sent);
        assert_eq!(opened.recorded_by, u.scope.actor_name());
        assert_eq!(
            opened.replies[1].reply.text.as_deref(),
            Some("Fictional: the command denies any beating.")
        );

        // Another tenant: not found, for reading and for writing.
        assert!(matches!(
            store.representation(&f.scope_a, sent.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.representations(&f.scope_a, a.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store
                .record_reply(
                    &f.scope_a,
                    &reply(sent.id, 1, ReplyOutcome::Acknowledged, Some("x"))
                )
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store
                .record_representation(&f.scope_a, &letter(a.id, RepresentationForm::Aggregated, 1))
                .await,
            Err(StoreError::NotFound)
        ));

        // Append-only: only the sealed text may change (by a rotation).
        let tenant = u.scope.tenant().to_string();
        for statement in [
            "UPDATE representations SET addressee = 'someone else'",
            "DELETE FROM representations",
            "UPDATE representation_replies SET outcome = 'measures-announced'",
            "DELETE FROM representation_replies",
        ] {
            assert!(
                raw_execute(&backend.raw_url, &tenant, statement)
                    .await
                    .is_err(),
                "{name}: {statement}"
            );
        }

        // A data-key rotation re-seals both texts; they still open.
        store
            .rotate_data_key(&u.scope, 10, Some(Duration::ZERO), None)
            .await
            .unwrap();
        let check = store.check_sealed(&u.scope).await.unwrap();
        assert!(check.failed.is_empty(), "{name}: {:?}", check.failed);
        assert_eq!(
            store
                .representation(&u.scope, sent.id)
                .await
                .unwrap()
                .letter
                .text,
            sent.text
        );

        // Closed: no representation and no reply after.
        store
            .add_allegation_step(
                &u.scope,
                a.id,
                &AllegationStep {
                    at: OffsetDateTime::now_utc(),
                    by: "delegate".into(),
                    kind: StepKind::Closed {
                        reason: "Fictional: the person was released.".into(),
                    },
                },
            )
            .await
            .unwrap();
        assert_eq!(
            store.allegation_status(&u.scope, a.id).await.unwrap(),
            AllegationStatus::Closed
        );
        assert!(matches!(
            store
                .record_representation(&u.scope, &letter(a.id, RepresentationForm::Aggregated, 0))
                .await,
            Err(StoreError::Invalid(m)) if m.contains("closed")
        ));
        assert!(matches!(
            store
                .record_reply(&u.scope, &reply(again.id, 0, ReplyOutcome::Acknowledged, Some("Late.")))
                .await,
            Err(StoreError::Invalid(m)) if m.contains("closed")
        ));
    }
}

#[tokio::test]
async fn row_level_security_hides_representations_from_a_raw_connection() {
    for backend in backends().await {
        if backend.name != "postgres" {
            continue;
        }
        let store = &backend.store;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        store.record_visit(&u.scope, &u.visit).await.unwrap();
        let a = allegation(&u, "AL-R2", Consent::Named);
        store.record_allegation(&u.scope, &a).await.unwrap();
        let sent = letter(a.id, RepresentationForm::Named, 1);
        store.record_representation(&u.scope, &sent).await.unwrap();
        store
            .record_reply(
                &u.scope,
                &reply(sent.id, 0, ReplyOutcome::Acknowledged, Some("Noted.")),
            )
            .await
            .unwrap();
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&backend.raw_url).await.unwrap();
        for table in ["representations", "representation_replies"] {
            let count: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            assert_eq!(count, 0, "{table} without a tenant");
        }
        let theirs = raw_text(
            &backend.raw_url,
            &f.tenant_a.id.to_string(),
            "SELECT COUNT(*)::text FROM representations",
        )
        .await;
        assert_eq!(theirs, "0", "a bureau's scope sees no representation");
    }
}
