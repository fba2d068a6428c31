//! Accounts (TOTP, staged sessions, sign-in failures, API tokens) and the agency's tracing
//! requests and match decisions, on both backends.

use domain::{NamePart, NamePartKind, PersonCategory, PersonName, UserId};
use time::{Duration, OffsetDateTime};
use whereabouts_store::{
    Decision, NewApiToken, NewMatchDecision, NewPerson, NewTracingRequest, NewUser, RequestStage,
    SessionStage, StageKept, Store, StoreError, UserRole, WorklistFilter,
};

use crate::harness::{backends, seed};

async fn user(store: &Store, tenant: domain::TenantId, username: &str, role: UserRole) -> UserId {
    store
        .create_user(&NewUser {
            tenant: Some(tenant),
            username,
            password_hash: "$argon2id$fake",
            role,
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn totp_steps_are_used_once_and_enrolment_is_fixed_once_confirmed() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let clerk = user(store, f.tenant_a.id, "clerk", UserRole::BureauClerk).await;
        assert!(store.totp_state(clerk).await.unwrap().secret.is_none());
        store.begin_totp_enrolment(clerk, &[1; 20]).await.unwrap();
        // Before confirmation a new secret may replace the pending one.
        store.begin_totp_enrolment(clerk, &[2; 20]).await.unwrap();
        assert_eq!(
            store.totp_state(clerk).await.unwrap().secret.unwrap(),
            vec![2; 20]
        );
        assert!(store.use_totp_step(clerk, 100).await.unwrap());
        assert!(
            !store.use_totp_step(clerk, 100).await.unwrap(),
            "{}: replay",
            backend.name
        );
        assert!(
            !store.use_totp_step(clerk, 99).await.unwrap(),
            "an older step"
        );
        assert!(store.use_totp_step(clerk, 101).await.unwrap());
        store
            .confirm_totp(clerk, OffsetDateTime::now_utc())
            .await
            .unwrap();
        let state = store.totp_state(clerk).await.unwrap();
        assert!(state.confirmed);
        assert!(
            !format!("{state:?}").contains('2'),
            "Debug hides the secret: {state:?}"
        );
        assert!(matches!(
            store.begin_totp_enrolment(clerk, &[3; 20]).await,
            Err(StoreError::Invalid(_))
        ));
        store.reset_totp(clerk).await.unwrap();
        assert!(store.totp_state(clerk).await.unwrap().secret.is_none());
    }
}

#[tokio::test]
async fn sessions_have_a_stage_and_a_last_use() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let clerk = user(store, f.tenant_a.id, "clerk", UserRole::BureauClerk).await;
        let now = OffsetDateTime::now_utc();
        let hash = vec![9u8; 32];
        store
            .create_staged_session(
                &hash,
                clerk,
                SessionStage::Password,
                now,
                now + Duration::hours(8),
            )
            .await
            .unwrap();
        let session = store.session_details(&hash).await.unwrap().unwrap();
        assert_eq!(session.stage, SessionStage::Password);
        assert!(!session.totp_enrolled);
        store
            .touch_session(&hash, now + Duration::minutes(5))
            .await
            .unwrap();
        store
            .promote_session(&hash, now + Duration::minutes(6))
            .await
            .unwrap();
        let session = store.session_details(&hash).await.unwrap().unwrap();
        assert_eq!(session.stage, SessionStage::Full, "{}", backend.name);
        assert!(session.last_seen_at > now + Duration::minutes(5));
        assert_eq!(
            store
                .purge_sessions(now + Duration::hours(9))
                .await
                .unwrap(),
            1
        );
        assert!(store.session_details(&hash).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn login_failures_count_per_key_within_a_window() {
    for backend in backends().await {
        let store = &backend.store;
        let now = OffsetDateTime::now_utc();
        for minutes in [30, 10, 5, 1] {
            store
                .record_login_failure("user:clerk", now - Duration::minutes(minutes))
                .await
                .unwrap();
        }
        store
            .record_login_failure("ip:192.0.2.1", now)
            .await
            .unwrap();
        let (count, latest) = store
            .login_failures("user:clerk", now - Duration::minutes(15))
            .await
            .unwrap();
        assert_eq!(count, 3, "{}", backend.name);
        assert!(latest.unwrap() > now - Duration::minutes(2));
        store.clear_login_failures("user:clerk").await.unwrap();
        assert_eq!(
            store
                .login_failures("user:clerk", now - Duration::hours(1))
                .await
                .unwrap()
                .0,
            0
        );
        assert_eq!(
            store
                .login_failures("ip:192.0.2.1", now - Duration::hours(1))
                .await
                .unwrap()
                .0,
            1
        );
    }
}

#[tokio::test]
async fn api_tokens_are_found_by_hash_until_revoked_or_expired() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let now = OffsetDateTime::now_utc();
        let token = |hash: &'static [u8], role, expires_at| NewApiToken {
            token_hash: hash,
            tenant: f.tenant_a.id,
            role,
            label: "sync",
            created_by: None,
            expires_at,
        };
        let id = store
            .create_api_token(&token(
                &[1; 32],
                UserRole::BureauClerk,
                now + Duration::days(1),
            ))
            .await
            .unwrap();
        store
            .create_api_token(&token(
                &[2; 32],
                UserRole::BureauClerk,
                now - Duration::seconds(1),
            ))
            .await
            .unwrap();
        assert!(matches!(
            store
                .create_api_token(&token(
                    &[3; 32],
                    UserRole::SystemAdmin,
                    now + Duration::days(1)
                ))
                .await,
            Err(StoreError::Invalid(_))
        ));
        let live = store.api_token(&[1; 32], now).await.unwrap().unwrap();
        assert_eq!(live.role, UserRole::BureauClerk);
        let scope = store.scope_for_token(&live).unwrap();
        assert_eq!(scope.tenant(), f.tenant_a.id);
        assert_eq!(scope.actor_name(), "token:sync");
        assert!(
            store.api_token(&[2; 32], now).await.unwrap().is_none(),
            "expired"
        );
        // Another tenant cannot revoke it.
        assert!(matches!(
            store.revoke_api_token(f.tenant_b.id, id).await,
            Err(StoreError::NotFound)
        ));
        store.revoke_api_token(f.tenant_a.id, id).await.unwrap();
        assert!(
            store.api_token(&[1; 32], now).await.unwrap().is_none(),
            "{}",
            backend.name
        );
        assert_eq!(store.api_tokens(f.tenant_a.id).await.unwrap().len(), 2);
    }
}

pub(crate) fn request(reference: &str) -> NewTracingRequest {
    NewTracingRequest {
        reference: reference.into(),
        enquirer_name: "Марія Коваленко".into(),
        enquirer_contact: "Київ".into(),
        relationship: "parent".into(),
        sought_name: PersonName::new(vec![
            NamePart::new(
                NamePartKind::Given,
                "Олександр",
                Some("uk".parse().unwrap()),
            )
            .unwrap(),
            NamePart::new(
                NamePartKind::Family,
                "Коваленко",
                Some("uk".parse().unwrap()),
            )
            .unwrap(),
        ])
        .unwrap(),
        sought_birth: Some(domain::PartialDate::parse("~1990").unwrap()),
        sought_birth_place: None,
        sought_father_name: Some("Петро".into()),
        circumstances: "Зник у березні".into(),
        consent_tracing: true,
        consent_share: false,
        language: Some("uk".into()),
    }
}

#[tokio::test]
async fn tracing_requests_and_decisions_stay_in_their_tenant() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let id = store
            .create_tracing_request(&f.scope_a, &request("TR-1"))
            .await
            .unwrap();
        assert!(matches!(
            store
                .create_tracing_request(&f.scope_a, &request("TR-1"))
                .await,
            Err(StoreError::Invalid(_))
        ));
        let stored = store.tracing_request(&f.scope_a, id).await.unwrap();
        assert_eq!(stored.request.sought_name.display(), "Олександр Коваленко");
        assert_eq!(
            stored.request.sought_name.parts()[1].script.as_str(),
            "Cyrl"
        );
        assert_eq!(stored.request.sought_birth.unwrap().original(), "~1990");
        assert!(stored.request.consent_tracing);
        assert!(matches!(
            store.tracing_request(&f.scope_b, id).await,
            Err(StoreError::NotFound)
        ));
        assert!(
            store
                .tracing_requests(&f.scope_b, 10)
                .await
                .unwrap()
                .is_empty()
        );

        let person = store
            .register_person(
                &f.scope_a,
                f.source_a,
                &NewPerson {
                    reference: "A-1".into(),
                    category: PersonCategory::PrisonerOfWar,
                    assertions: Vec::new(),
                    events: Vec::new(),
                },
            )
            .await
            .unwrap();
        let decision = |decision| NewMatchDecision {
            request: id,
            person,
            decision,
            score: 930,
            algorithm: "test/1",
            explanation: "[]",
        };
        // The operator's scope has no user: decisions are taken by people.
        assert!(matches!(
            store
                .record_match_decision(&f.scope_a, &decision(Decision::Confirm))
                .await,
            Err(StoreError::Invalid(_))
        ));
        let caseworker = user(store, f.tenant_a.id, "caseworker", UserRole::Caseworker).await;
        let reviewer = user(store, f.tenant_a.id, "reviewer", UserRole::Reviewer).await;
        let users = [caseworker, reviewer];
        let records: Vec<_> = futures_users(store, &users).await;
        let scope_1 = store.scope_for_user(&records[0]).unwrap();
        let scope_2 = store.scope_for_user(&records[1]).unwrap();
        store
            .record_match_decision(&scope_1, &decision(Decision::Confirm))
            .await
            .unwrap();
        assert!(
            matches!(
                store
                    .record_match_decision(&scope_1, &decision(Decision::Reject))
                    .await,
                Err(StoreError::Invalid(_))
            ),
            "{}: one decision per user and pair",
            backend.name
        );
        store
            .record_match_decision(&scope_2, &decision(Decision::Reject))
            .await
            .unwrap();
        let decisions = store.match_decisions(&scope_1, id).await.unwrap();
        assert_eq!(decisions.len(), 2);
        assert_eq!(decisions[0].username, "caseworker");
        assert_eq!(decisions[1].decision, Decision::Reject);
        assert_eq!(decisions[0].score, 930);
        // Another tenant's scope sees none, and cannot decide on this tenant's pair.
        assert!(
            store
                .match_decisions(&f.scope_b, id)
                .await
                .unwrap()
                .is_empty()
        );
        let outsider = user(store, f.tenant_b.id, "outsider", UserRole::Caseworker).await;
        let outsider = futures_users(store, &[outsider]).await.remove(0);
        let scope_b = store.scope_for_user(&outsider).unwrap();
        assert!(matches!(
            store
                .record_match_decision(&scope_b, &decision(Decision::Confirm))
                .await,
            Err(StoreError::NotFound)
        ));
    }
}

/// MATCH-1 on the worklist: the stage of each request follows its reviewers' decisions (two
/// confirmations by different people, a rejection cancels a pair), the filters and pages agree
/// with the counts, and another tenant sees nothing.
#[tokio::test]
async fn the_worklist_gives_each_request_its_stage_and_pages_by_filter() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let mut ids = Vec::new();
        for reference in ["TR-1", "TR-2", "TR-3", "TR-4", "TR-5", "TR_6", "XR-7"] {
            ids.push(
                store
                    .create_tracing_request(&f.scope_a, &request(reference))
                    .await
                    .unwrap(),
            );
        }
        let mut persons = Vec::new();
        for reference in ["A-1", "A-2"] {
            persons.push(
                store
                    .register_person(
                        &f.scope_a,
                        f.source_a,
                        &NewPerson {
                            reference: reference.into(),
                            category: PersonCategory::PrisonerOfWar,
                            assertions: Vec::new(),
                            events: Vec::new(),
                        },
                    )
                    .await
                    .unwrap(),
            );
        }
        let caseworker = user(store, f.tenant_a.id, "caseworker", UserRole::Caseworker).await;
        let reviewer = user(store, f.tenant_a.id, "reviewer", UserRole::Reviewer).await;
        let records = futures_users(store, &[caseworker, reviewer]).await;
        let one = store.scope_for_user(&records[0]).unwrap();
        let two = store.scope_for_user(&records[1]).unwrap();
        let decide = |request: usize, person: usize, decision: Decision| NewMatchDecision {
            request: ids[request],
            person: persons[person],
            decision,
            score: 900,
            algorithm: "test/1",
            explanation: "[]",
        };
        // TR-1: nothing decided. TR-2: one confirmation. TR-3: two, by different people.
        // TR-4: a confirmation and a rejection of the same pair. TR-5: one pair rejected, the
        // other confirmed twice.
        let steps = [
            (&one, decide(1, 0, Decision::Confirm)),
            (&one, decide(2, 0, Decision::Confirm)),
            (&two, decide(2, 0, Decision::Confirm)),
            (&one, decide(3, 0, Decision::Confirm)),
            (&two, decide(3, 0, Decision::Reject)),
            (&one, decide(4, 0, Decision::Reject)),
            (&one, decide(4, 1, Decision::Confirm)),
            (&two, decide(4, 1, Decision::Confirm)),
        ];
        for (scope, decision) in &steps {
            store.record_match_decision(scope, decision).await.unwrap();
        }
        let all = store
            .tracing_worklist(&f.scope_a, &WorklistFilter::default(), 0, 100)
            .await
            .unwrap();
        assert_eq!(all.total, 7, "{}", backend.name);
        let stage_of = |reference: &str| {
            let row = all
                .rows
                .iter()
                .find(|r| r.request.request.reference == reference)
                .unwrap();
            (row.stage, row.decisions)
        };
        assert_eq!(stage_of("TR-1"), (RequestStage::ToReview, 0));
        assert_eq!(stage_of("TR-2"), (RequestStage::AwaitingSecond, 1));
        assert_eq!(stage_of("TR-3"), (RequestStage::Found, 2));
        assert_eq!(stage_of("TR-4"), (RequestStage::ToReview, 2));
        assert_eq!(stage_of("TR-5"), (RequestStage::Found, 3));
        // The contact is opened from the vault, as on the request's own page.
        assert_eq!(all.rows[0].request.request.enquirer_contact, "Київ");
        // Newest first.
        assert_eq!(all.rows[0].request.request.reference, "XR-7");

        let counts = store.tracing_stage_counts(&f.scope_a).await.unwrap();
        assert_eq!(
            (counts.to_review, counts.awaiting_second, counts.found),
            (4, 1, 2)
        );
        assert_eq!(counts.total(), 7);
        for stage in RequestStage::ALL {
            let filter = WorklistFilter {
                stage: Some(stage),
                reference_prefix: None,
            };
            let page = store
                .tracing_worklist(&f.scope_a, &filter, 0, 100)
                .await
                .unwrap();
            assert_eq!(page.total, counts.get(stage), "{stage:?}");
            assert_eq!(page.rows.len() as i64, counts.get(stage));
            assert!(page.rows.iter().all(|r| r.stage == stage));
        }
        // Pages: two at a time, no row twice, none left out.
        let mut seen = Vec::new();
        for offset in [0, 2, 4, 6] {
            let page = store
                .tracing_worklist(&f.scope_a, &WorklistFilter::default(), offset, 2)
                .await
                .unwrap();
            assert_eq!(page.total, 7);
            seen.extend(page.rows.into_iter().map(|r| r.request.id));
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 7);
        // The reference prefix: `_` is a character, not a wildcard.
        let by_reference = |prefix: &str| WorklistFilter {
            stage: None,
            reference_prefix: Some(prefix.into()),
        };
        let tr = store
            .tracing_worklist(&f.scope_a, &by_reference("TR-"), 0, 100)
            .await
            .unwrap();
        assert_eq!(tr.total, 5);
        let underscore = store
            .tracing_worklist(&f.scope_a, &by_reference("TR_"), 0, 100)
            .await
            .unwrap();
        assert_eq!(underscore.total, 1);
        assert_eq!(underscore.rows[0].request.request.reference, "TR_6");
        let percent = store
            .tracing_worklist(&f.scope_a, &by_reference("%"), 0, 100)
            .await
            .unwrap();
        assert_eq!(percent.total, 0);
        // Another tenant: nothing, and no counts.
        let other = store
            .tracing_worklist(&f.scope_b, &WorklistFilter::default(), 0, 100)
            .await
            .unwrap();
        assert_eq!((other.total, other.rows.len()), (0, 0));
        assert_eq!(
            store
                .tracing_stage_counts(&f.scope_b)
                .await
                .unwrap()
                .total(),
            0
        );
    }
}

async fn futures_users(store: &Store, ids: &[UserId]) -> Vec<whereabouts_store::UserRecord> {
    let mut out = Vec::new();
    for name in ["caseworker", "reviewer", "outsider"] {
        if let Some(user) = store.user_by_username(name).await.unwrap()
            && ids.contains(&user.id)
        {
            out.push(user);
        }
    }
    out
}

/// MATCH-1, migration 0025: the stage and the number of decisions kept per request
/// (`tracing_request_stages`, written by triggers in the request's and each decision's
/// transaction) equal those recomputed from every decision of the tenant, after every kind of
/// decision: a first confirmation, a second by another reviewer, a rejection of a found pair,
/// a confirmation after a rejection, a third confirmer, a second pair; and after two reviewers
/// decide on one request at the same moment (PostgreSQL: two transactions at once).
#[tokio::test]
async fn the_stage_kept_per_request_equals_the_recomputed_one_after_every_kind_of_decision() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let mut ids = Vec::new();
        for reference in ["KR-1", "KR-2", "KR-3", "KR-4"] {
            ids.push(
                store
                    .create_tracing_request(&f.scope_a, &request(reference))
                    .await
                    .unwrap(),
            );
        }
        let mut persons = Vec::new();
        for reference in ["K-1", "K-2"] {
            persons.push(
                store
                    .register_person(
                        &f.scope_a,
                        f.source_a,
                        &NewPerson {
                            reference: reference.into(),
                            category: PersonCategory::PrisonerOfWar,
                            assertions: Vec::new(),
                            events: Vec::new(),
                        },
                    )
                    .await
                    .unwrap(),
            );
        }
        let mut scopes = Vec::new();
        for (username, role) in [
            ("k-caseworker", UserRole::Caseworker),
            ("k-reviewer", UserRole::Reviewer),
            ("k-third", UserRole::Reviewer),
        ] {
            user(store, f.tenant_a.id, username, role).await;
            let record = store.user_by_username(username).await.unwrap().unwrap();
            scopes.push(store.scope_for_user(&record).unwrap());
        }
        let decide = |request: usize, person: usize, decision: Decision| NewMatchDecision {
            request: ids[request],
            person: persons[person],
            decision,
            score: 900,
            algorithm: "test/1",
            explanation: "[]",
        };
        // Kept equals recomputed, for every request; and the stage expected for each.
        let (scope_a, made) = (&f.scope_a, &ids);
        let check = |expected: [StageKept; 4], after: &'static str| async move {
            let rows = store.recomputed_request_stages(scope_a).await.unwrap();
            assert_eq!(rows.len(), 4, "{name}: {after}");
            for (i, (id, kept, recomputed)) in rows.iter().enumerate() {
                assert_eq!(*id, made[i], "{name}: {after}: in the order made");
                assert_eq!(kept, recomputed, "{name}: {after}: KR-{}", i + 1);
                assert_eq!(*kept, expected[i], "{name}: {after}: KR-{}", i + 1);
            }
            let counts = store.tracing_stage_counts(scope_a).await.unwrap();
            for stage in RequestStage::ALL {
                let n = expected.iter().filter(|(s, _)| *s == stage).count();
                assert_eq!(counts.get(stage), n as i64, "{name}: {after}: {stage:?}");
            }
        };
        use RequestStage::{AwaitingSecond as One, Found, ToReview as Zero};
        check([(Zero, 0); 4], "nothing decided").await;
        // (who decides, (request, person, decision), the stages expected after, what it is)
        type Step = (
            usize,
            (usize, usize, Decision),
            [StageKept; 4],
            &'static str,
        );
        let steps: [Step; 9] = [
            (
                0,
                (0, 0, Decision::Confirm),
                [(One, 1), (Zero, 0), (Zero, 0), (Zero, 0)],
                "a first confirmation",
            ),
            (
                1,
                (0, 0, Decision::Confirm),
                [(Found, 2), (Zero, 0), (Zero, 0), (Zero, 0)],
                "a second, by another reviewer",
            ),
            (
                2,
                (0, 0, Decision::Reject),
                [(Zero, 3), (Zero, 0), (Zero, 0), (Zero, 0)],
                "a rejection of a found pair",
            ),
            (
                0,
                (0, 1, Decision::Confirm),
                [(One, 4), (Zero, 0), (Zero, 0), (Zero, 0)],
                "another pair of the request",
            ),
            (
                1,
                (1, 0, Decision::Reject),
                [(One, 4), (Zero, 1), (Zero, 0), (Zero, 0)],
                "a rejection first",
            ),
            (
                0,
                (1, 0, Decision::Confirm),
                [(One, 4), (Zero, 2), (Zero, 0), (Zero, 0)],
                "a confirmation after a rejection",
            ),
            (
                0,
                (2, 1, Decision::Confirm),
                [(One, 4), (Zero, 2), (One, 1), (Zero, 0)],
                "a first confirmation elsewhere",
            ),
            (
                1,
                (2, 1, Decision::Confirm),
                [(One, 4), (Zero, 2), (Found, 2), (Zero, 0)],
                "found",
            ),
            (
                2,
                (2, 1, Decision::Confirm),
                [(One, 4), (Zero, 2), (Found, 3), (Zero, 0)],
                "a third confirmer",
            ),
        ];
        for (who, (request, person, decision), expected, after) in steps {
            store
                .record_match_decision(&scopes[who], &decide(request, person, decision))
                .await
                .unwrap();
            check(expected, after).await;
        }
        // A decision refused (the same reviewer twice on a pair) changes nothing.
        assert!(
            store
                .record_match_decision(&scopes[0], &decide(2, 1, Decision::Reject))
                .await
                .is_err()
        );
        check(
            [(One, 4), (Zero, 2), (Found, 3), (Zero, 0)],
            "a decision refused",
        )
        .await;
        // Two reviewers confirm KR-4's pair at the same moment: both count.
        let (one, two) = (
            decide(3, 0, Decision::Confirm),
            decide(3, 0, Decision::Confirm),
        );
        let (first, second) = tokio::join!(
            store.record_match_decision(&scopes[0], &one),
            store.record_match_decision(&scopes[1], &two),
        );
        first.unwrap();
        second.unwrap();
        check(
            [(One, 4), (Zero, 2), (Found, 3), (Found, 2)],
            "two decisions at once",
        )
        .await;
        // Another tenant keeps none of these.
        assert!(
            store
                .recomputed_request_stages(&f.scope_b)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
