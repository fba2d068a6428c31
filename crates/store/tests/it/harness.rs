use domain::{
    Confidence, Conflict, ConflictId, Party, PartyId, PlaceKind, SourceId, SourceKind, Tenant,
    TenantId, TenantKind,
};
use time::OffsetDateTime;
use whereabouts_store::testing::ScratchDatabase;
use whereabouts_store::{DatabaseUrl, NewPlace, NewSource, Store, TenantScope};

/// One backend under test. `url` lets a story open a raw connection, as an attacker with the
/// database credentials would.
pub struct Backend {
    pub name: &'static str,
    pub store: Store,
    pub raw_url: String,
    _dir: Option<tempfile::TempDir>,
    // After `store`, so the pool goes first; dropping it drops the database.
    _scratch: Option<ScratchDatabase>,
}

/// SQLite always; PostgreSQL when `WHEREABOUTS_TEST_POSTGRES` is set. Each call makes fresh,
/// empty databases.
pub async fn backends() -> Vec<Backend> {
    let mut all = Vec::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("test.db");
    let store = Store::open(&DatabaseUrl::sqlite_file(&path))
        .await
        .expect("open sqlite");
    all.push(Backend {
        name: "sqlite",
        store,
        raw_url: format!("sqlite://{}", path.display()),
        _dir: Some(dir),
        _scratch: None,
    });
    if let Some(url) = postgres_url() {
        let fresh = fresh_postgres_database(&url).await;
        // PostgreSQL has no directory for a key file: the master key is given, as a deployment
        // would give it through WHEREABOUTS_MASTER_KEY or a KMS.
        let store = Store::open(&DatabaseUrl::parse(fresh.url()).unwrap())
            .await
            .expect("open postgres")
            .with_key_provider(test_key_provider());
        all.push(Backend {
            name: "postgres",
            store,
            raw_url: fresh.url().to_owned(),
            _dir: None,
            _scratch: Some(fresh),
        });
    }
    all
}

/// A fresh master key in memory.
pub fn test_key_provider() -> std::sync::Arc<dyn vault::KeyProvider> {
    std::sync::Arc::new(
        vault::StaticKeyProvider::new(vec![vault::MasterKey::generate().unwrap()]).unwrap(),
    )
}

pub use whereabouts_store::testing::postgres_url;

/// An empty database next to the one in `url`, dropped with the guard.
pub async fn fresh_postgres_database(url: &str) -> ScratchDatabase {
    ScratchDatabase::create(url, "wb_test").await
}

pub struct Fixture {
    pub tenant_a: Tenant,
    pub tenant_b: Tenant,
    pub scope_a: TenantScope,
    pub scope_b: TenantScope,
    pub source_a: SourceId,
    pub source_b: SourceId,
    pub camp_a: domain::PlaceId,
    pub hospital_a: domain::PlaceId,
    pub camp_b: domain::PlaceId,
}

pub fn new_source(reference: &str) -> NewSource {
    NewSource {
        kind: SourceKind::BureauList,
        reference: reference.into(),
        collected_by: "clerk-1".into(),
        collected_at: OffsetDateTime::now_utc(),
        language: Some("uk".parse().unwrap()),
        script: Some(domain::Script::CYRILLIC),
        confidence: Confidence::MEDIUM,
    }
}

/// Two fictional parties, each with its bureau, a camp, and a source.
pub async fn seed(store: &Store) -> Fixture {
    let conflict = Conflict {
        id: ConflictId::new(),
        name: "Test conflict".into(),
        started_on: None,
    };
    store.create_conflict(&conflict).await.unwrap();
    let party_a = Party {
        id: PartyId::new(),
        name: "Aldera".into(),
        iso_country: "XA".into(),
    };
    let party_b = Party {
        id: PartyId::new(),
        name: "Borovia".into(),
        iso_country: "XB".into(),
    };
    store.create_party(&party_a).await.unwrap();
    store.create_party(&party_b).await.unwrap();
    let tenant_a = Tenant {
        id: TenantId::new(),
        slug: "bureau-a".into(),
        name: "Bureau A".into(),
        kind: TenantKind::PartyBureau,
        party: Some(party_a.id),
    };
    let tenant_b = Tenant {
        id: TenantId::new(),
        slug: "bureau-b".into(),
        name: "Bureau B".into(),
        kind: TenantKind::PartyBureau,
        party: Some(party_b.id),
    };
    store.create_tenant(&tenant_a).await.unwrap();
    store.create_tenant(&tenant_b).await.unwrap();
    let scope_a = store.operator_scope(&tenant_a, "test");
    let scope_b = store.operator_scope(&tenant_b, "test");
    let source_a = store
        .record_source(&scope_a, &new_source("list-a.csv"))
        .await
        .unwrap();
    let source_b = store
        .record_source(&scope_b, &new_source("list-b.csv"))
        .await
        .unwrap();
    let place = |kind, name: &str, party| NewPlace {
        controlling_party: party,
        kind,
        name: name.into(),
        parent: None,
        postal_address: None,
    };
    let camp_a = store
        .create_place(
            &scope_a,
            &place(PlaceKind::PowCamp, "Camp North", party_a.id),
        )
        .await
        .unwrap();
    let hospital_a = store
        .create_place(
            &scope_a,
            &place(PlaceKind::Hospital, "Hospital 3", party_a.id),
        )
        .await
        .unwrap();
    let camp_b = store
        .create_place(
            &scope_b,
            &place(PlaceKind::PowCamp, "Camp South", party_b.id),
        )
        .await
        .unwrap();
    Fixture {
        tenant_a,
        tenant_b,
        scope_a,
        scope_b,
        source_a,
        source_b,
        camp_a,
        hospital_a,
        camp_b,
    }
}

/// A prisoner of war with no assertion, for the transmission and forwarding tests.
pub async fn register_pow(
    store: &Store,
    scope: &TenantScope,
    source: domain::SourceId,
    reference: &str,
) -> domain::PersonId {
    store
        .register_person(
            scope,
            source,
            &whereabouts_store::NewPerson {
                reference: reference.into(),
                category: domain::PersonCategory::PrisonerOfWar,
                assertions: vec![],
                events: vec![],
            },
        )
        .await
        .expect("register")
}
