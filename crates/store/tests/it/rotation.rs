//! SEC-3: a tenant's data-key rotation on both backends. Every sealed field opens after the
//! rotation, from this process and from a fresh one; a rotation stopped between batches (as a
//! crash would stop it) leaves everything readable and resumes; an old version is retired only
//! when nothing uses it, and then opens nothing.

use domain::protection::{
    ActKind, Allegation, AllegationCategory, AllegationSource, Consent, FollowUp,
};
use domain::{AllegationId, NamePart, NamePartKind, PersonName, RegistrationId};
use whereabouts_store::{
    DatabaseUrl, NewTracingRequest, Store, StoredKey, TenantScope, TracingRequestId,
};

use crate::harness::{Backend, backends, seed};

/// What the tenants hold, as read through the store's ordinary methods.
#[derive(Debug, PartialEq, Eq)]
struct Plain {
    requests: Vec<(String, String)>,
    keys: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    follow_ups: Vec<FollowUp>,
    narrative: String,
    interview_notes: Vec<Option<String>>,
}

struct Seeded {
    bureau: TenantScope,
    unit: TenantScope,
    requests: Vec<TracingRequestId>,
    registration: RegistrationId,
    allegation: AllegationId,
    visit: domain::VisitId,
}

async fn seed_sealed(store: &Store) -> Seeded {
    let f = seed(store).await;
    let mut requests = Vec::new();
    for n in 0..9 {
        let id = store
            .create_tracing_request(
                &f.scope_a,
                &NewTracingRequest {
                    reference: format!("TR-ROT-{n}"),
                    enquirer_name: "Enquirer".into(),
                    enquirer_contact: format!("Fictional street {n}, Dovha"),
                    relationship: "parent".into(),
                    sought_name: PersonName::new(vec![
                        NamePart::new(NamePartKind::Family, "Коваленко", None).unwrap(),
                    ])
                    .unwrap(),
                    sought_birth: None,
                    sought_birth_place: None,
                    sought_father_name: None,
                    circumstances: format!("Separated at checkpoint {n}"),
                    consent_tracing: true,
                    consent_share: false,
                    language: Some("uk".into()),
                },
            )
            .await
            .unwrap();
        requests.push(id);
    }
    for n in 0u8..3 {
        store
            .add_transmission_key(
                &f.scope_a,
                &StoredKey {
                    id: format!("tk-rot-{n}"),
                    officer: None,
                    public_key: "{}".into(),
                    signing_seed: vec![n; 32],
                    encryption_secret: Some(vec![n + 100; 32]),
                    created_at: time::OffsetDateTime::now_utc(),
                },
            )
            .await
            .unwrap();
    }
    let u = crate::protection::unit(store, &f).await;
    store.record_visit(&u.scope, &u.visit).await.unwrap();
    let seen = crate::protection::seen(&u.visit, u.place, "Коваленко");
    store.record_registration(&u.scope, &seen).await.unwrap();
    store
        .record_follow_up(
            &u.scope,
            uuid::Uuid::now_v7(),
            &FollowUp {
                registration: seen.id,
                recorded_at: time::macros::datetime!(2026-03-01 11:00 UTC),
                health: Some("fictional: untreated wound".into()),
                family_contact_wanted: true,
                family_contact: Some("fictional: mother in Dovha".into()),
                messages: vec!["I am alive".into()],
                next_visit_due: None,
                reprisals_reported: Some(false),
                recorded_by: "delegate".into(),
            },
        )
        .await
        .unwrap();
    let allegation = Allegation {
        id: AllegationId::new(),
        reference: "AL-ROT".into(),
        category: AllegationCategory::IllTreatment,
        acts: vec![ActKind::Beating],
        occurred: None,
        place: Some(u.place),
        victims: vec![seen.id],
        perpetrators: Vec::new(),
        sources: vec![AllegationSource::Interview],
        consent: Consent::Anonymous,
        narrative: "A fictional account.".into(),
    };
    store
        .record_allegation(&u.scope, &allegation)
        .await
        .unwrap();
    // Interview notes (issue 6, migration 0009) are sealed too.
    store
        .record_interview(
            &u.scope,
            &domain::protection::Interview {
                id: domain::InterviewId::new(),
                visit: u.visit.id,
                interviewees: vec![seen.id],
                place: u.place,
                held_at: time::macros::datetime!(2026-03-01 10:30 UTC),
                interviewers: vec!["delegate".into()],
                interpreter: None,
                language: Some("uk".into()),
                without_witnesses: true,
                present: None,
                consent_authorities: Consent::Anonymous,
                consent_family: false,
                consent_medical: false,
                notes: Some("fictional: asks about the family".into()),
            },
        )
        .await
        .unwrap();
    Seeded {
        bureau: f.scope_a,
        unit: u.scope,
        requests,
        registration: seen.id,
        allegation: allegation.id,
        visit: u.visit.id,
    }
}

async fn read_all(store: &Store, s: &Seeded) -> Plain {
    let mut requests = Vec::new();
    for id in &s.requests {
        let r = store.tracing_request(&s.bureau, *id).await.unwrap();
        requests.push((r.request.enquirer_contact, r.request.circumstances));
    }
    let keys = store
        .transmission_keys(&s.bureau)
        .await
        .unwrap()
        .into_iter()
        .map(|k| (k.key.signing_seed, k.key.encryption_secret))
        .collect();
    let follow_ups = store
        .follow_ups(&s.unit, s.registration)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.follow_up)
        .collect();
    let narrative = store
        .allegation(&s.unit, s.allegation)
        .await
        .unwrap()
        .0
        .narrative;
    let interview_notes = store
        .interviews(&s.unit, s.visit)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.notes)
        .collect();
    Plain {
        requests,
        keys,
        follow_ups,
        narrative,
        interview_notes,
    }
}

async fn fresh(backend: &Backend) -> Store {
    Store::open_with(
        &DatabaseUrl::parse(&backend.raw_url).unwrap(),
        backend.store.key_provider(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_data_key_rotation_reseals_every_field_survives_an_interruption_and_retires_the_old_key()
{
    for backend in backends().await {
        let store = &backend.store;
        let name = backend.name;
        let s = seed_sealed(store).await;
        let before = read_all(store, &s).await;
        // 9 requests × 2, 3 keys × 2 in the bureau.
        let versions = store.sealed_versions(&s.bureau).await.unwrap();
        assert_eq!(
            versions.into_iter().collect::<Vec<_>>(),
            [(1, 24)],
            "{name}"
        );

        // Interrupted after three batches of two rows: some values under version 2, the rest
        // still under version 1, and all of them open, here and in a fresh process.
        let stopped = store
            .rotate_data_key(&s.bureau, 2, Some(time::Duration::ZERO), Some(3))
            .await
            .unwrap();
        assert_eq!(stopped.version, 2);
        assert!(stopped.retired.is_empty());
        let versions = store.sealed_versions(&s.bureau).await.unwrap();
        assert_eq!(versions.get(&2), Some(&6), "{name}: {versions:?}");
        assert_eq!(versions.get(&1), Some(&18), "{name}: {versions:?}");
        assert_eq!(read_all(store, &s).await, before, "{name}");
        let other = fresh(&backend).await;
        assert_eq!(read_all(&other, &s).await, before, "{name}");
        // A value sealed meanwhile goes under the newest version at once.
        let written = store.vault().seal(&s.bureau, "t.c", b"x").await.unwrap();
        assert_eq!(vault::sealed_header(&written).unwrap().key_version, 2);

        // Run again with the default grace period: it resumes (no version 3) and re-seals
        // everything, but version 2 has been the newest for less than an hour, so a writer may
        // still hold a value sealed under version 1: version 1 is kept, with the reason.
        let early = store
            .rotate_data_key(&s.bureau, 2, Some(time::Duration::hours(1)), None)
            .await
            .unwrap();
        assert!(early.resumed, "{name}");
        assert_eq!(early.resealed, 18, "{name}");
        assert!(early.retired.is_empty(), "{name}: {early:?}");
        assert!(
            early
                .kept
                .iter()
                .any(|(v, why)| *v == 1 && why.contains("keys retire-data")),
            "{name}: {:?}",
            early.kept
        );
        assert!(store.vault().open(&s.bureau, "t.c", &written).await.is_ok());

        // Retiring before the grace period is over keeps it too; once it is over (zero here),
        // version 1 is retired without a new version.
        let waiting = store
            .retire_data_keys(&s.bureau, time::Duration::hours(1))
            .await
            .unwrap();
        assert!(waiting.retired.is_empty(), "{name}: {waiting:?}");
        let done = store
            .retire_data_keys(&s.bureau, time::Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(done.version, 2);
        assert_eq!(done.resealed, 0, "{name}");
        assert_eq!(done.retired, vec![1], "{name}: kept {:?}", done.kept);
        let versions = store.sealed_versions(&s.bureau).await.unwrap();
        assert_eq!(versions.into_iter().collect::<Vec<_>>(), [(2, 24)]);
        assert_eq!(read_all(store, &s).await, before, "{name}");
        let other = fresh(&backend).await;
        assert_eq!(read_all(&other, &s).await, before, "{name}");
        // Retired means erased: version 1 opens nothing any more, even with the master key.
        let keys = other.vault().data_keys().await.unwrap();
        let bureau = *s.bureau.tenant().as_uuid();
        assert!(keys.iter().any(|k| k.owner == bureau && k.version == 1));
        let old =
            vault::seal(&vault::DataKey::generate().unwrap(), bureau, 1, "t.c", b"x").unwrap();
        assert!(other.vault().open(&s.bureau, "t.c", &old).await.is_err());
        // A master key rotation afterwards skips the retired key.
        assert!(other.vault().rewrap_all().await.is_ok());

        // The protection unit's key: follow-ups, the allegation and the interview notes, in one
        // run.
        let unit = store
            .rotate_data_key(&s.unit, 1, Some(time::Duration::ZERO), None)
            .await
            .unwrap();
        assert_eq!((unit.version, unit.resealed, unit.resumed), (2, 5, false));
        assert_eq!(unit.retired, vec![1]);
        // A further rotation of the bureau starts version 3.
        let next = store
            .rotate_data_key(&s.bureau, 100, None, None)
            .await
            .unwrap();
        assert_eq!((next.version, next.resealed, next.resumed), (3, 24, false));
        assert!(next.retired.is_empty(), "--keep-old keeps version 2");
        assert_eq!(read_all(&fresh(&backend).await, &s).await, before, "{name}");
    }
}
