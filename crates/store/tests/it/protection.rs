//! The protection unit's records (issue 6) on both backends: places, visits, conditions,
//! refusals, persons seen and follow-ups, allegations, evidence and custody; idempotent imports,
//! tenant isolation, append-only tables.

use domain::protection::{
    AccessRefusal, ActKind, Allegation, AllegationCategory, AllegationSource, AllegationStep,
    Condition, ConditionRecord, Consent, CopyRole, CustodyAction, EvidenceItem, EvidenceKind,
    FollowUp, NoticeKind, Outcome, Perpetrator, PerpetratorKind, PersonSeen, PlaceNotice,
    PlaceProfile, RefusalGround, RepresentationForm, StepKind, Visit, VisitingBody, status,
    verify_chain,
};
use domain::{
    AllegationId, EvidenceId, NamePart, NamePartKind, PersonName, PlaceKind, RefusalId,
    RegistrationId, Tenant, TenantId, TenantKind, VisitId,
};
use time::OffsetDateTime;
use time::macros::{date, datetime};
use whereabouts_store::{EvidenceTarget, NewPlace, Store, StoreError, TenantScope};

use crate::harness::{Fixture, backends, seed};

pub(crate) struct Unit {
    pub scope: TenantScope,
    pub place: domain::PlaceId,
    pub visit: Visit,
}

pub(crate) async fn unit(store: &Store, f: &Fixture) -> Unit {
    let tenant = Tenant {
        id: TenantId::new(),
        slug: "protection".into(),
        name: "Protection unit".into(),
        kind: TenantKind::ProtectionUnit,
        party: None,
    };
    store.create_tenant(&tenant).await.unwrap();
    let scope = store.operator_scope(&tenant, "delegate");
    let place = store
        .create_place(
            &scope,
            &NewPlace {
                controlling_party: f.tenant_a.party.unwrap(),
                kind: PlaceKind::CollectingPoint,
                name: "Collecting point K-7".into(),
                parent: None,
                postal_address: None,
            },
        )
        .await
        .unwrap();
    let visit = Visit {
        id: VisitId::new(),
        reference: "V-1".into(),
        body: VisitingBody::Icrc,
        planned_start: Some(date!(2026 - 03 - 01)),
        started_at: Some(datetime!(2026-03-01 08:00 UTC)),
        ended_at: Some(datetime!(2026-03-01 17:00 UTC)),
        team: vec!["delegate".into(), "doctor".into()],
        places: vec![place],
        next_visit_planned: Some(date!(2026 - 04 - 01)),
    };
    Unit {
        scope,
        place,
        visit,
    }
}

pub(crate) fn seen(visit: &Visit, place: domain::PlaceId, family: &str) -> PersonSeen {
    PersonSeen {
        id: RegistrationId::new(),
        visit: visit.id,
        place,
        seen_at: datetime!(2026-03-01 10:00 UTC),
        name: PersonName::new(vec![
            NamePart::new(NamePartKind::Given, "Олег", None).unwrap(),
            NamePart::new(NamePartKind::Family, family, None).unwrap(),
        ])
        .unwrap(),
        birth_date: Some(domain::PartialDate::parse("1990").unwrap()),
        sex: Some(domain::Sex::Male),
        nationality: Some("XA".into()),
        service_number: None,
        father_name: None,
        held_since: None,
        registered_by: "delegate".into(),
    }
}

/// A private interview of `person` on the unit's visit, an hour after they were seen.
pub(crate) fn interview(
    u: &Unit,
    person: RegistrationId,
    consent: Consent,
) -> domain::protection::Interview {
    domain::protection::Interview {
        id: domain::InterviewId::new(),
        visit: u.visit.id,
        interviewees: vec![person],
        place: u.place,
        held_at: datetime!(2026-03-01 11:00 UTC),
        interviewers: vec!["delegate".into()],
        interpreter: None,
        language: None,
        without_witnesses: true,
        present: None,
        consent_authorities: consent,
        consent_family: false,
        consent_medical: false,
        notes: None,
    }
}

#[tokio::test]
async fn a_visit_with_places_conditions_refusals_and_persons_seen() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        let name = backend.name;

        store
            .record_place_profile(
                &u.scope,
                &PlaceProfile {
                    place: u.place,
                    authority: "Ministry of the Interior (fictional)".into(),
                    location: Some("km 7 north of the river".into()),
                    capacity: Some(40),
                },
            )
            .await
            .unwrap();
        store
            .record_place_notice(
                &u.scope,
                &PlaceNotice {
                    place: u.place,
                    kind: NoticeKind::LocationNotified,
                    notified_at: datetime!(2026-02-20 09:00 UTC),
                    notified_by: "Detaining authority".into(),
                    note: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            store.place_profiles(&u.scope).await.unwrap()[0].capacity,
            Some(40)
        );
        assert_eq!(
            store.place_notices(&u.scope, u.place).await.unwrap().len(),
            1
        );

        assert!(store.record_visit(&u.scope, &u.visit).await.unwrap());
        assert!(
            !store.record_visit(&u.scope, &u.visit).await.unwrap(),
            "{name}: the same visit again changes nothing"
        );
        let mut other = u.visit.clone();
        other.id = VisitId::new();
        assert!(matches!(
            store.record_visit(&u.scope, &other).await,
            Err(StoreError::Invalid(_))
        ));
        let stored = store.visit(&u.scope, u.visit.id).await.unwrap();
        assert_eq!(stored, u.visit, "{name}");

        // ICRC-VIS-a: a refusal without the authority's reason is refused; the latest stands.
        let refused = ConditionRecord {
            condition: Condition::PrivateInterviews,
            outcome: Outcome::Refused,
            reason: None,
        };
        assert!(
            store
                .record_condition(&u.scope, u.visit.id, &refused)
                .await
                .is_err()
        );
        for record in [
            ConditionRecord {
                reason: Some("a guard must be present".into()),
                ..refused.clone()
            },
            ConditionRecord {
                condition: Condition::PrivateInterviews,
                outcome: Outcome::PartlyGranted,
                reason: Some("granted after the first day".into()),
            },
            ConditionRecord {
                condition: Condition::AllPlacesAndDetainees,
                outcome: Outcome::Granted,
                reason: None,
            },
        ] {
            store
                .record_condition(&u.scope, u.visit.id, &record)
                .await
                .unwrap();
        }
        let conditions = store.conditions(&u.scope, u.visit.id).await.unwrap();
        assert_eq!(conditions.len(), 2, "{name}");
        assert_eq!(conditions[0].condition, Condition::AllPlacesAndDetainees);
        assert_eq!(conditions[1].outcome, Outcome::PartlyGranted);

        let refusal = AccessRefusal {
            id: RefusalId::new(),
            visit: Some(u.visit.id),
            place: u.place,
            refused_at: datetime!(2026-03-01 09:00 UTC),
            scope: "the punishment block".into(),
            ground: RefusalGround::Security,
            grounds_text: Some("works in progress".into()),
            expected_end: None,
            actual_end: None,
        };
        assert!(store.record_refusal(&u.scope, &refusal).await.unwrap());
        assert!(!store.record_refusal(&u.scope, &refusal).await.unwrap());
        assert_eq!(store.refusals(&u.scope).await.unwrap(), vec![refusal]);

        // Registrations keep their laptop id: a second import adds nothing.
        let first = seen(&u.visit, u.place, "Коваленко");
        let second = seen(&u.visit, u.place, "Мельник");
        for person in [&first, &second] {
            assert!(store.record_registration(&u.scope, person).await.unwrap());
            assert!(!store.record_registration(&u.scope, person).await.unwrap());
        }
        let all = store
            .registrations(&u.scope, Some(u.visit.id))
            .await
            .unwrap();
        assert_eq!(all.len(), 2, "{name}");
        assert_eq!(store.registrations(&u.scope, None).await.unwrap().len(), 2);
        assert_eq!(store.registration(&u.scope, first.id).await.unwrap(), first);

        let follow_up = FollowUp {
            registration: first.id,
            recorded_at: datetime!(2026-03-01 11:00 UTC),
            health: Some("untreated wound, left arm".into()),
            family_contact_wanted: true,
            family_contact: Some("mother, village of Dovha".into()),
            messages: vec!["I am alive and well".into()],
            next_visit_due: Some(date!(2026 - 03 - 15)),
            reprisals_reported: Some(false),
            recorded_by: "delegate".into(),
        };
        let id = uuid::Uuid::now_v7();
        assert!(
            store
                .record_follow_up(&u.scope, id, &follow_up)
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_follow_up(&u.scope, id, &follow_up)
                .await
                .unwrap()
        );
        let stored = store.follow_ups(&u.scope, first.id).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].follow_up, follow_up, "{name}");
        let raw: String = raw_text(
            &backend.raw_url,
            &u.scope.tenant().to_string(),
            "SELECT health || family_contact || messages FROM follow_ups",
        )
        .await;
        assert!(
            !raw.contains("wound") && !raw.contains("Dovha") && !raw.contains("alive"),
            "{name}: protected fields are sealed at rest"
        );

        // Another tenant sees none of it and cannot refer to it.
        assert!(matches!(
            store.visit(&f.scope_a, u.visit.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(
            store
                .registrations(&f.scope_a, None)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            store.registration(&f.scope_a, first.id).await,
            Err(StoreError::NotFound)
        ));
        let mut foreign = seen(&u.visit, u.place, "Шевченко");
        foreign.place = f.camp_a;
        assert!(matches!(
            store.record_registration(&u.scope, &foreign).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store
                .record_condition(&f.scope_a, u.visit.id, &conditions[0])
                .await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn allegations_follow_consent_and_evidence_keeps_its_custody_chain() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        let name = backend.name;
        store.record_visit(&u.scope, &u.visit).await.unwrap();
        let victim = seen(&u.visit, u.place, "Коваленко");
        store.record_registration(&u.scope, &victim).await.unwrap();

        let allegation = Allegation {
            id: AllegationId::new(),
            reference: "AL-1".into(),
            category: AllegationCategory::IllTreatment,
            acts: vec![ActKind::Beating, ActKind::StressPosition],
            occurred: Some(domain::PartialDate::parse("2026-02").unwrap()),
            place: Some(u.place),
            victims: vec![victim.id],
            perpetrators: vec![Perpetrator {
                kind: PerpetratorKind::Guards,
                designation: "night guard shift".into(),
            }],
            sources: vec![
                AllegationSource::Interview,
                AllegationSource::MedicalObservation,
            ],
            consent: Consent::Anonymous,
            narrative: "A fictional account given in a private interview.".into(),
        };
        store
            .record_allegation(&u.scope, &allegation)
            .await
            .unwrap();
        let step = |kind| AllegationStep {
            at: OffsetDateTime::now_utc(),
            by: "delegate".into(),
            kind,
        };
        // ICRC-VIS-c: anonymous consent, so no named representation.
        assert!(matches!(
            store
                .add_allegation_step(
                    &u.scope,
                    allegation.id,
                    &step(StepKind::Representation {
                        addressee: "Camp command".into(),
                        form: RepresentationForm::Named,
                    }),
                )
                .await,
            Err(StoreError::Invalid(_))
        ));
        store
            .add_allegation_step(
                &u.scope,
                allegation.id,
                &step(StepKind::Representation {
                    addressee: "Camp command".into(),
                    form: RepresentationForm::Anonymous,
                }),
            )
            .await
            .unwrap();
        store
            .add_allegation_step(
                &u.scope,
                allegation.id,
                &step(StepKind::AuthorityReply {
                    text: "An inquiry is opened.".into(),
                }),
            )
            .await
            .unwrap();
        let (stored, history) = store.allegation(&u.scope, allegation.id).await.unwrap();
        assert_eq!(stored, allegation, "{name}");
        assert_eq!(
            status(&history),
            domain::protection::AllegationStatus::AuthorityReplied
        );
        assert_eq!(store.allegations(&u.scope).await.unwrap().len(), 1);
        assert!(matches!(
            store.allegation(&f.scope_a, allegation.id).await,
            Err(StoreError::NotFound)
        ));

        let photo = EvidenceItem {
            id: EvidenceId::new(),
            kind: EvidenceKind::Photo,
            role: CopyRole::Evidentiary,
            derived_from: None,
            title: "photo of the injury".into(),
            source_url: None,
            captured_at: datetime!(2026-03-01 11:30 UTC),
            sha256: Some("ab".repeat(32)),
            size: Some(1234),
            media_type: Some("image/jpeg".into()),
            unavailable: None,
        };
        store
            .record_evidence(
                &u.scope,
                &photo,
                Some("stored-1"),
                "delegate",
                &[
                    EvidenceTarget::Allegation(allegation.id),
                    EvidenceTarget::Registration(victim.id),
                ],
            )
            .await
            .unwrap();
        let post = EvidenceItem {
            id: EvidenceId::new(),
            kind: EvidenceKind::SocialMediaPost,
            role: CopyRole::Evidentiary,
            derived_from: None,
            title: "post about the camp".into(),
            source_url: Some("https://social.example/post/77".into()),
            captured_at: datetime!(2026-03-02 08:00 UTC),
            sha256: None,
            size: None,
            media_type: None,
            unavailable: Some("removed before it could be saved".into()),
        };
        store
            .record_evidence(
                &u.scope,
                &post,
                None,
                "delegate",
                &[EvidenceTarget::Place(u.place)],
            )
            .await
            .unwrap();
        store
            .add_custody(
                &u.scope,
                photo.id,
                CustodyAction::Viewed,
                Some("for the report"),
            )
            .await
            .unwrap();
        let chain = store.custody(&u.scope, photo.id).await.unwrap();
        assert_eq!(chain.len(), 3, "{name}");
        assert_eq!(chain[0].action, CustodyAction::Captured);
        assert_eq!(chain[1].action, CustodyAction::Received);
        assert!(verify_chain(photo.id, &chain).is_empty(), "{name}");
        let items = store.evidence_items(&u.scope).await.unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].item, photo);
        assert_eq!(items[0].links.len(), 2);
        assert_eq!(items[1].item.unavailable, post.unavailable);
        assert!(store.evidence_items(&f.scope_a).await.unwrap().is_empty());
        assert!(matches!(
            store
                .add_custody(&f.scope_a, photo.id, CustodyAction::Viewed, None)
                .await,
            Err(StoreError::NotFound)
        ));

        // Append-only, even from a raw connection.
        for statement in [
            "UPDATE custody_entries SET by_name = 'someone'",
            "DELETE FROM custody_entries",
            "UPDATE registrations SET registered_by = 'x'",
            "DELETE FROM allegation_steps",
            "UPDATE evidence_items SET sha256 = NULL",
        ] {
            assert!(
                refused(&backend, &u, statement).await,
                "{name}: {statement} was accepted"
            );
        }
    }
}

#[tokio::test]
async fn row_level_security_hides_protection_rows_from_a_raw_connection() {
    for backend in backends().await {
        if backend.name != "postgres" {
            continue;
        }
        let store = &backend.store;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        store.record_visit(&u.scope, &u.visit).await.unwrap();
        let person = seen(&u.visit, u.place, "Коваленко");
        store.record_registration(&u.scope, &person).await.unwrap();
        // Migration 0009's and 0013's tables too.
        let talk = interview(&u, person.id, Consent::No);
        store.record_interview(&u.scope, &talk).await.unwrap();
        let mut from_talk = allegation(&u, "AL-RLS", Consent::No);
        from_talk.victims = vec![person.id];
        store
            .record_allegation_from(&u.scope, &from_talk, &[talk.id])
            .await
            .unwrap();
        let refusal = AccessRefusal {
            id: RefusalId::new(),
            visit: None,
            place: u.place,
            refused_at: datetime!(2026-03-01 09:00 UTC),
            scope: "all".into(),
            ground: RefusalGround::NoneGiven,
            grounds_text: None,
            expected_end: None,
            actual_end: None,
        };
        store.record_refusal(&u.scope, &refusal).await.unwrap();
        store
            .lift_refusal(
                &u.scope,
                &domain::protection::RefusalEnd {
                    refusal: refusal.id,
                    ended_at: datetime!(2026-03-02 09:00 UTC),
                    note: None,
                },
            )
            .await
            .unwrap();
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&backend.raw_url).await.unwrap();
        for table in [
            "visits",
            "registrations",
            "visit_places",
            "interviews",
            "refusal_ends",
            "allegation_interviews",
        ] {
            let count: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            assert_eq!(count, 0, "{table} without a tenant");
        }
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(f.tenant_a.id.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        let as_bureau: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(as_bureau, 0, "a bureau's scope sees no registration");
    }
}

pub(crate) async fn raw_text(url: &str, tenant: &str, statement: &'static str) -> String {
    use sqlx::Connection;
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
            .await
            .unwrap();
        return sqlx::query_scalar(statement)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    }
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant)
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query_scalar(statement)
        .fetch_one(&mut *tx)
        .await
        .unwrap()
}

/// Whether a raw statement in the unit's tenant is refused (append-only tables).
async fn refused(backend: &crate::harness::Backend, u: &Unit, statement: &'static str) -> bool {
    raw_execute(&backend.raw_url, &u.scope.tenant().to_string(), statement)
        .await
        .is_err()
}

pub(crate) async fn raw_execute(
    url: &str,
    tenant: &str,
    statement: &'static str,
) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}")).await?;
        sqlx::query(statement).execute(&mut conn).await?;
        return Ok(());
    }
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant)
        .execute(&mut *tx)
        .await?;
    sqlx::query(statement).execute(&mut *tx).await?;
    tx.commit().await
}

#[tokio::test]
async fn evidence_files_stream_to_disk_bounded_and_verify_names_a_changed_byte() {
    use whereabouts_store::{EvidenceFileError, EvidenceWriter, store_file};
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        let name = backend.name;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("evidence");

        // The bound: past it the upload is refused and nothing is left behind.
        let mut writer = EvidenceWriter::create(store, &root, &u.scope, EvidenceId::new(), 10)
            .await
            .unwrap();
        writer.write(b"0123456789").await.unwrap();
        assert!(matches!(
            writer.write(b"x").await,
            Err(EvidenceFileError::TooLarge { limit: 10 })
        ));
        let tenant_dir = root.join(u.scope.tenant().to_string());
        assert_eq!(std::fs::read_dir(&tenant_dir).unwrap().count(), 0, "{name}");

        let source = dir.path().join("photo.jpg");
        std::fs::write(&source, b"fictional image bytes").unwrap();
        let expected = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(b"fictional image bytes"))
        };
        let mut ids = Vec::new();
        for title in ["photo 1", "photo 2"] {
            let id = EvidenceId::new();
            let written = store_file(store, &root, &u.scope, id, &source)
                .await
                .unwrap();
            assert_eq!(
                written.sha256, expected,
                "{name}: SHA-256 computed while streaming"
            );
            assert_eq!(written.size, 21);
            let item = EvidenceItem {
                id,
                kind: EvidenceKind::Photo,
                role: CopyRole::Evidentiary,
                derived_from: None,
                title: title.into(),
                source_url: None,
                captured_at: datetime!(2026-03-01 11:30 UTC),
                sha256: Some(written.sha256.clone()),
                size: Some(written.size),
                media_type: None,
                unavailable: None,
            };
            store
                .record_evidence(&u.scope, &item, Some(&written.stored_as), "delegate", &[])
                .await
                .unwrap();
            ids.push((id, tenant_dir.join(&written.stored_as)));
        }
        let report = store.verify_evidence(&u.scope, &root).await.unwrap();
        assert_eq!(
            (report.items, report.files, report.custody_entries),
            (2, 2, 4)
        );
        assert!(report.findings.is_empty(), "{name}: {:?}", report.findings);

        let (changed, path) = &ids[1];
        let mut bytes = std::fs::read(path).unwrap();
        let middle = bytes.len() - 5;
        bytes[middle] ^= 0x01;
        std::fs::write(path, bytes).unwrap();
        let report = store.verify_evidence(&u.scope, &root).await.unwrap();
        assert_eq!(report.findings.len(), 1, "{name}");
        assert_eq!(report.findings[0].evidence, *changed);
        assert_eq!(report.findings[0].file.as_ref(), Some(path));
        assert!(
            report.findings[0].problem.contains("altered"),
            "{name}: {}",
            report.findings[0].problem
        );
        // At rest the file is sealed: its bytes are not the plaintext.
        let on_disk = std::fs::read(&ids[0].1).unwrap();
        assert!(
            !on_disk.windows(9).any(|w| w == b"fictional"),
            "{name}: plaintext on disk"
        );
        // Another tenant's verification sees none of it.
        assert_eq!(
            store
                .verify_evidence(&f.scope_a, &root)
                .await
                .unwrap()
                .items,
            0
        );
    }
}

#[tokio::test]
async fn private_interviews_are_their_own_record_with_sealed_notes() {
    use domain::InterviewId;
    use domain::protection::Interview;
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        let name = backend.name;
        store.record_visit(&u.scope, &u.visit).await.unwrap();
        let person = seen(&u.visit, u.place, "Коваленко");
        store.record_registration(&u.scope, &person).await.unwrap();
        // GC3-126-b: who, when, where, without witnesses, through an interpreter, with consent.
        let interview = Interview {
            id: InterviewId::new(),
            visit: u.visit.id,
            interviewees: vec![person.id],
            place: u.place,
            held_at: datetime!(2026-03-01 11:00 UTC),
            interviewers: vec!["delegate".into()],
            interpreter: Some("interpreter 2".into()),
            language: Some("uk".into()),
            without_witnesses: true,
            present: None,
            consent_authorities: Consent::Anonymous,
            consent_family: true,
            consent_medical: false,
            notes: Some("Fictional notes: asks for a blanket.".into()),
        };
        assert!(store.record_interview(&u.scope, &interview).await.unwrap());
        assert!(
            !store.record_interview(&u.scope, &interview).await.unwrap(),
            "{name}: the same interview twice is one row"
        );
        let read = store.interviews(&u.scope, u.visit.id).await.unwrap();
        assert_eq!(read, vec![interview.clone()], "{name}");
        // ICRC-DP-f: the notes are sealed at rest.
        let raw = raw_text(
            &backend.raw_url,
            &u.scope.tenant().to_string(),
            "SELECT notes FROM interviews",
        )
        .await;
        assert!(!raw.contains("blanket"), "{name}: notes sealed at rest");

        // Bad input names the field; another visit's person or another tenant's visit is refused.
        let mut with_witness = interview.clone();
        with_witness.id = InterviewId::new();
        with_witness.without_witnesses = false;
        let error = store
            .record_interview(&u.scope, &with_witness)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::Invalid(m) if m.starts_with("present:")),
            "{name}: {error:?}"
        );
        let mut other_visit = u.visit.clone();
        other_visit.id = VisitId::new();
        other_visit.reference = "V-2".into();
        store.record_visit(&u.scope, &other_visit).await.unwrap();
        let mut elsewhere = interview.clone();
        elsewhere.id = InterviewId::new();
        elsewhere.visit = other_visit.id;
        assert!(matches!(
            store.record_interview(&u.scope, &elsewhere).await,
            Err(StoreError::Invalid(m)) if m.starts_with("interviewees:")
        ));
        let other = store.operator_scope(&f.tenant_a, "clerk");
        let mut foreign = interview.clone();
        foreign.id = InterviewId::new();
        assert!(matches!(
            store.record_interview(&other, &foreign).await,
            Err(StoreError::NotFound)
        ));
        assert!(
            store
                .interviews(&other, u.visit.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            refused(&backend, &u, "UPDATE interviews SET present = 'x'").await,
            "{name}: interviews are append-only"
        );
    }
}

#[tokio::test]
async fn a_refusal_lifted_later_shows_both_in_the_time_series() {
    use domain::protection::{RefusalEnd, summarise_refusals};
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        let name = backend.name;
        store.record_visit(&u.scope, &u.visit).await.unwrap();
        let refusal = AccessRefusal {
            id: RefusalId::new(),
            visit: Some(u.visit.id),
            place: u.place,
            refused_at: datetime!(2026-03-01 09:00 UTC),
            scope: "the basement".into(),
            ground: RefusalGround::Security,
            grounds_text: None,
            expected_end: None,
            actual_end: None,
        };
        store.record_refusal(&u.scope, &refusal).await.unwrap();
        let now = datetime!(2026-03-10 09:00 UTC);
        let before = store.refusals(&u.scope).await.unwrap();
        assert!(summarise_refusals(&before, now)[0].in_force, "{name}");

        let end = RefusalEnd {
            refusal: refusal.id,
            ended_at: datetime!(2026-03-04 09:00 UTC),
            note: Some("granted after a meeting with the command".into()),
        };
        store.lift_refusal(&u.scope, &end).await.unwrap();
        let after = store.refusals(&u.scope).await.unwrap();
        assert_eq!(after.len(), 1, "{name}: the refusal stays one record");
        assert_eq!(after[0].refused_at, refusal.refused_at);
        assert_eq!(after[0].actual_end, Some(end.ended_at), "{name}");
        let summary = summarise_refusals(&after, now);
        assert!(!summary[0].in_force, "{name}: no longer in force");
        assert_eq!(summary[0].total, time::Duration::days(3));
        let ends = store.refusal_ends(&u.scope).await.unwrap();
        assert_eq!(ends.len(), 1);
        assert_eq!(ends[0].end, end);
        assert_eq!(ends[0].recorded_by, "operator:delegate");

        // Lifted once; not before it began; not another tenant's.
        assert!(matches!(
            store.lift_refusal(&u.scope, &end).await,
            Err(StoreError::Invalid(m)) if m.starts_with("ended at:")
        ));
        let second = AccessRefusal {
            id: RefusalId::new(),
            ..refusal.clone()
        };
        store.record_refusal(&u.scope, &second).await.unwrap();
        let early = RefusalEnd {
            refusal: second.id,
            ended_at: datetime!(2026-02-01 09:00 UTC),
            note: None,
        };
        assert!(matches!(
            store.lift_refusal(&u.scope, &early).await,
            Err(StoreError::Invalid(m)) if m == "ended at: before the refusal"
        ));
        let other = store.operator_scope(&f.tenant_a, "clerk");
        let foreign = RefusalEnd {
            refusal: second.id,
            ended_at: datetime!(2026-03-05 09:00 UTC),
            note: None,
        };
        assert!(matches!(
            store.lift_refusal(&other, &foreign).await,
            Err(StoreError::NotFound)
        ));
        assert!(
            refused(&backend, &u, "DELETE FROM refusal_ends").await,
            "{name}: ends are append-only"
        );
    }
}

#[tokio::test]
async fn an_evidence_file_reads_back_chunk_by_chunk_and_a_changed_byte_stops_it() {
    use whereabouts_store::{EvidenceReader, store_file};
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        let name = backend.name;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("evidence");
        // Three chunks and a bit.
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let source = dir.path().join("statement.pdf");
        std::fs::write(&source, &bytes).unwrap();
        let id = EvidenceId::new();
        let written = store_file(store, &root, &u.scope, id, &source)
            .await
            .unwrap();
        let item = EvidenceItem {
            id,
            kind: EvidenceKind::Document,
            role: CopyRole::Evidentiary,
            derived_from: None,
            title: "statement".into(),
            source_url: None,
            captured_at: datetime!(2026-03-01 11:30 UTC),
            sha256: Some(written.sha256.clone()),
            size: Some(written.size),
            media_type: None,
            unavailable: None,
        };
        store
            .record_evidence(&u.scope, &item, Some(&written.stored_as), "delegate", &[])
            .await
            .unwrap();
        let stored = store.evidence_item(&u.scope, id).await.unwrap();
        let mut reader = EvidenceReader::open(store, &root, &u.scope, &stored)
            .await
            .unwrap();
        let mut back = Vec::new();
        let mut chunks = 0;
        while let Some(chunk) = reader.next_chunk().await.unwrap() {
            chunks += 1;
            back.extend_from_slice(&chunk);
        }
        assert_eq!(back, bytes, "{name}: the plaintext reads back");
        assert_eq!(chunks, 4);

        let path = root
            .join(u.scope.tenant().to_string())
            .join(&written.stored_as);
        let mut raw = std::fs::read(&path).unwrap();
        let at = raw.len() - 10;
        raw[at] ^= 1;
        std::fs::write(&path, &raw).unwrap();
        let mut reader = EvidenceReader::open(store, &root, &u.scope, &stored)
            .await
            .unwrap();
        let mut failed = None;
        loop {
            match reader.next_chunk().await {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(error) => {
                    failed = Some(error.to_string());
                    break;
                }
            }
        }
        assert!(
            failed.as_deref().is_some_and(|m| m.contains("chunk 3")),
            "{name}: {failed:?}"
        );
    }
}

/// An allegation of ill-treatment at the unit's place, with the consent given.
pub(crate) fn allegation(u: &Unit, reference: &str, consent: Consent) -> Allegation {
    Allegation {
        id: AllegationId::new(),
        reference: reference.into(),
        category: AllegationCategory::IllTreatment,
        acts: vec![ActKind::Beating],
        occurred: None,
        place: Some(u.place),
        victims: Vec::new(),
        perpetrators: Vec::new(),
        sources: vec![AllegationSource::Interview],
        consent,
        narrative: "A fictional account given in a private interview.".into(),
    }
}

fn representation(form: RepresentationForm) -> AllegationStep {
    AllegationStep {
        at: datetime!(2026-03-05 10:00 UTC),
        by: "delegate".into(),
        kind: StepKind::Representation {
            addressee: "Camp command".into(),
            form,
        },
    }
}

// ICRC-VIS-c: the interview's consent governs every representation of the allegations that
// come from it; a non-consenting interview keeps them from the authorities altogether.
#[tokio::test]
async fn an_allegation_from_a_private_interview_follows_the_interview_consent() {
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        store.record_visit(&u.scope, &u.visit).await.unwrap();
        let person = seen(&u.visit, u.place, "Коваленко");
        store.record_registration(&u.scope, &person).await.unwrap();
        let refusing = interview(&u, person.id, Consent::No);
        let anonymous = interview(&u, person.id, Consent::Anonymous);
        for talk in [&refusing, &anonymous] {
            store.record_interview(&u.scope, talk).await.unwrap();
        }

        // The allegation cannot claim more consent than the interview gave.
        let claims_named = allegation(&u, "AL-1", Consent::Named);
        let error = store
            .record_allegation_from(&u.scope, &claims_named, &[anonymous.id])
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::Invalid(m) if m.starts_with("consent:")),
            "{name}: {error:?}"
        );
        assert!(
            store.allegations(&u.scope).await.unwrap().is_empty(),
            "{name}: nothing kept"
        );

        // Anonymous: a named representation is refused, an anonymous one is made.
        let from_anonymous = allegation(&u, "AL-1", Consent::Anonymous);
        assert!(
            store
                .record_allegation_from(&u.scope, &from_anonymous, &[anonymous.id])
                .await
                .unwrap()
        );
        assert!(
            !store
                .record_allegation_from(&u.scope, &from_anonymous, &[anonymous.id])
                .await
                .unwrap(),
            "{name}: the same allegation twice is one"
        );
        let linked = store
            .allegation_interviews(&u.scope, from_anonymous.id)
            .await
            .unwrap();
        assert_eq!(linked.len(), 1, "{name}");
        assert_eq!(
            linked[0].notes, None,
            "{name}: notes are not read for consent"
        );
        let refusal = store
            .add_allegation_step(
                &u.scope,
                from_anonymous.id,
                &representation(RepresentationForm::Named),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&refusal, StoreError::Invalid(m) if m.contains("named consent")),
            "{name}: {refusal:?}"
        );
        store
            .add_allegation_step(
                &u.scope,
                from_anonymous.id,
                &representation(RepresentationForm::Anonymous),
            )
            .await
            .unwrap();

        // No consent in the interview: no representation at all, not even an aggregated one,
        // also when the interview is linked after the allegation was recorded.
        let later = allegation(&u, "AL-2", Consent::Named);
        store.record_allegation(&u.scope, &later).await.unwrap();
        assert!(
            store
                .link_allegation_interview(&u.scope, later.id, refusing.id)
                .await
                .unwrap()
        );
        assert!(
            !store
                .link_allegation_interview(&u.scope, later.id, refusing.id)
                .await
                .unwrap(),
            "{name}: linked once"
        );
        for form in RepresentationForm::ALL {
            let refusal = store
                .add_allegation_step(&u.scope, later.id, &representation(*form))
                .await
                .unwrap_err();
            assert!(
                matches!(&refusal, StoreError::Invalid(m) if m.contains("gave no consent")),
                "{name}: {form}: {refusal:?}"
            );
        }
        let (_, history) = store.allegation(&u.scope, later.id).await.unwrap();
        assert!(history.is_empty(), "{name}: nothing reached the authority");

        // Another tenant's interview or allegation does not exist for this one.
        let other = store.operator_scope(&f.tenant_a, "clerk");
        assert!(matches!(
            store
                .link_allegation_interview(&other, later.id, refusing.id)
                .await,
            Err(StoreError::NotFound)
        ));
        let mut foreign = allegation(&u, "AL-3", Consent::No);
        foreign.place = None;
        assert!(matches!(
            store
                .record_allegation_from(&other, &foreign, &[refusing.id])
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(
            refused(&backend, &u, "DELETE FROM allegation_interviews").await,
            "{name}: links are append-only"
        );
    }
}

// ICRC-VIS-d: a follow-up after a private interview asks about reprisals; a refusal end from
// the laptop is merged once.
#[tokio::test]
async fn follow_ups_after_an_interview_ask_about_reprisals_and_ends_merge_once() {
    use domain::protection::RefusalEnd;
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let f = seed(store).await;
        let u = unit(store, &f).await;
        store.record_visit(&u.scope, &u.visit).await.unwrap();
        let person = seen(&u.visit, u.place, "Коваленко");
        store.record_registration(&u.scope, &person).await.unwrap();
        let follow_up = |at: OffsetDateTime, reprisals: Option<bool>| FollowUp {
            registration: person.id,
            recorded_at: at,
            health: None,
            family_contact_wanted: false,
            family_contact: None,
            messages: Vec::new(),
            next_visit_due: None,
            reprisals_reported: reprisals,
            recorded_by: "delegate".into(),
        };
        // Before any interview, "not asked" is allowed.
        assert!(
            store
                .record_follow_up(
                    &u.scope,
                    uuid::Uuid::now_v7(),
                    &follow_up(datetime!(2026-03-01 10:30 UTC), None)
                )
                .await
                .unwrap()
        );
        store
            .record_interview(&u.scope, &interview(&u, person.id, Consent::Anonymous))
            .await
            .unwrap();
        let error = store
            .record_follow_up(
                &u.scope,
                uuid::Uuid::now_v7(),
                &follow_up(datetime!(2026-03-20 10:00 UTC), None),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&error, StoreError::Invalid(m) if m.starts_with("reprisals:") && m.contains("2026-03-01")),
            "{name}: {error:?}"
        );
        assert!(
            store
                .record_follow_up(
                    &u.scope,
                    uuid::Uuid::now_v7(),
                    &follow_up(datetime!(2026-03-20 10:00 UTC), Some(false))
                )
                .await
                .unwrap()
        );

        let refusal = AccessRefusal {
            id: RefusalId::new(),
            visit: Some(u.visit.id),
            place: u.place,
            refused_at: datetime!(2026-03-01 09:00 UTC),
            scope: "the basement".into(),
            ground: RefusalGround::Security,
            grounds_text: None,
            expected_end: None,
            actual_end: None,
        };
        store.record_refusal(&u.scope, &refusal).await.unwrap();
        let end = RefusalEnd {
            refusal: refusal.id,
            ended_at: datetime!(2026-03-01 15:00 UTC),
            note: Some("opened before the final talk".into()),
        };
        assert!(
            store.merge_refusal_end(&u.scope, &end).await.unwrap(),
            "{name}"
        );
        assert!(
            !store.merge_refusal_end(&u.scope, &end).await.unwrap(),
            "{name}: the same end twice is one"
        );
        let different = RefusalEnd {
            ended_at: datetime!(2026-03-01 16:00 UTC),
            ..end
        };
        assert!(matches!(
            store.merge_refusal_end(&u.scope, &different).await,
            Err(StoreError::Invalid(m)) if m.starts_with("ended at:")
        ));
        assert_eq!(
            store.refusal_ends(&u.scope).await.unwrap().len(),
            1,
            "{name}"
        );
    }
}
