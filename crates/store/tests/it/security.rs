//! Data protection (issue 7) on both backends: sealed fields, what a database dump shows, and
//! master key rotation while another process keeps serving.

use std::sync::Arc;

use vault::KeyProvider as _;

use domain::UserId;
use whereabouts_store::{DatabaseUrl, NewUser, Store, StoreError, UserRole};

use crate::harness::{Backend, backends, seed};

async fn user(store: &Store, tenant: domain::TenantId, username: &str) -> UserId {
    store
        .create_user(&NewUser {
            tenant: Some(tenant),
            username,
            password_hash: "$argon2id$fake",
            role: UserRole::BureauClerk,
        })
        .await
        .unwrap()
}

/// A key file for the backend: the default one beside a SQLite database, a new one otherwise.
fn key_file(backend: &Backend, dir: &tempfile::TempDir) -> std::path::PathBuf {
    match backend.raw_url.strip_prefix("sqlite://") {
        Some(path) => whereabouts_store::default_key_file(std::path::Path::new(path)),
        None => dir.path().join("pg.master-key"),
    }
}

async fn reopen(backend: &Backend, provider: Arc<dyn vault::KeyProvider>) -> Store {
    Store::open_with(
        &DatabaseUrl::parse(&backend.raw_url).unwrap(),
        Some(provider),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn sealed_fields_open_only_for_their_tenant_and_field() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let vault = store.vault();
        let sealed = vault
            .seal(&f.scope_a, "interviews.notes", b"fictional interview note")
            .await
            .unwrap();
        assert_eq!(
            vault
                .open(&f.scope_a, "interviews.notes", &sealed)
                .await
                .unwrap()
                .as_slice(),
            b"fictional interview note",
            "{}",
            backend.name
        );
        // Tenant B's key does not open tenant A's value; nor does another field.
        assert!(matches!(
            vault.open(&f.scope_b, "interviews.notes", &sealed).await,
            Err(StoreError::Vault(_))
        ));
        assert!(
            vault
                .open(&f.scope_a, "allegations.narrative", &sealed)
                .await
                .is_err()
        );
        let text = vault
            .seal_text(&f.scope_a, "contacts.phone", "+00 000 0001")
            .await
            .unwrap();
        assert!(text.starts_with("wv1:") && !text.contains("+00 000"));
        assert_eq!(
            vault
                .open_text(&f.scope_a, "contacts.phone", &text)
                .await
                .unwrap(),
            "+00 000 0001"
        );
        // A value written before encryption reads as it was.
        assert_eq!(
            vault
                .open_text(&f.scope_a, "contacts.phone", "legacy")
                .await
                .unwrap(),
            "legacy"
        );
        // Each tenant has its own key.
        let b = vault
            .seal(&f.scope_b, "interviews.notes", b"b")
            .await
            .unwrap();
        assert!(
            vault
                .open(&f.scope_a, "interviews.notes", &b)
                .await
                .is_err()
        );
        let keys = vault.data_keys().await.unwrap();
        assert!(keys.iter().any(|k| k.owner == *f.tenant_a.id.as_uuid()));
        assert!(keys.iter().any(|k| k.owner == *f.tenant_b.id.as_uuid()));
    }
}

/// Everything the database holds, as text and bytes: on SQLite the file itself (and its WAL),
/// on PostgreSQL every row of every table, read by the application's own role for each tenant
/// (the credentials an intruder with "admin" access to the database would hold).
async fn dump(backend: &Backend, tenants: &[String]) -> Vec<u8> {
    use sqlx::Connection;
    backend.store.close().await;
    if let Some(path) = backend.raw_url.strip_prefix("sqlite://") {
        let mut bytes = std::fs::read(path).unwrap();
        if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
            bytes.extend(wal);
        }
        return bytes;
    }
    let mut conn = sqlx::PgConnection::connect(&backend.raw_url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut out = Vec::new();
    for tenant in tenants {
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(tenant)
            .execute(&mut *tx)
            .await
            .unwrap();
        for table in &tables {
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT row_to_json(t)::text FROM {table} t"
            )))
            .fetch_all(&mut *tx)
            .await
            .unwrap();
            for row in rows {
                out.extend(row.into_bytes());
                out.push(b'\n');
            }
        }
        tx.commit().await.unwrap();
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

// SEC-3: someone holding a full dump, or the database role, reads only ciphertext.
#[tokio::test]
async fn a_database_dump_holds_only_ciphertext_of_protected_fields() {
    for backend in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let key_path = dir.path().join("dump.master-key");
        let provider = Arc::new(vault::FileKeyProvider::open_or_create(&key_path).unwrap());
        let master_hex = std::fs::read_to_string(&key_path).unwrap();
        let master_hex = master_hex
            .lines()
            .find_map(|l| l.strip_prefix("mk1 "))
            .unwrap()
            .to_owned();
        let store = reopen(&backend, provider).await;
        let f = seed(&store).await;
        let clerk = user(&store, f.tenant_a.id, "clerk").await;
        let totp = b"TOTPSECRETFICTIONAL1";
        store.begin_totp_enrolment(clerk, totp).await.unwrap();
        let mut request = crate::accounts_agency::request("TR-DUMP");
        request.enquirer_contact = "CONTACT-FICTIONAL-555-0100".into();
        request.circumstances = "CIRCUMSTANCES-FICTIONAL-NARRATIVE".into();
        let id = store
            .create_tracing_request(&f.scope_a, &request)
            .await
            .unwrap();
        let seed_bytes: Vec<u8> = (0..32u8)
            .map(|i| i.wrapping_mul(37).wrapping_add(101))
            .collect();
        store
            .add_transmission_key(
                &f.scope_a,
                &whereabouts_store::StoredKey {
                    id: "tk-dump".into(),
                    officer: None,
                    public_key: "{}".into(),
                    signing_seed: seed_bytes.clone(),
                    encryption_secret: Some(seed_bytes.iter().rev().copied().collect()),
                    created_at: time::OffsetDateTime::now_utc(),
                },
            )
            .await
            .unwrap();
        let keys = store.transmission_keys(&f.scope_a).await.unwrap();
        assert_eq!(keys[0].key.signing_seed, seed_bytes);
        let back = store.tracing_request(&f.scope_a, id).await.unwrap();
        assert_eq!(back.request.enquirer_contact, "CONTACT-FICTIONAL-555-0100");
        assert_eq!(
            back.request.circumstances,
            "CIRCUMSTANCES-FICTIONAL-NARRATIVE"
        );
        assert_eq!(
            store.totp_state(clerk).await.unwrap().secret.unwrap(),
            totp.to_vec()
        );
        store.close().await;
        let bytes = dump(
            &backend,
            &[f.tenant_a.id.to_string(), f.tenant_b.id.to_string()],
        )
        .await;
        assert!(
            contains(&bytes, b"Camp North"),
            "{}: the dump is not a dump",
            backend.name
        );
        assert!(
            !contains(&bytes, totp),
            "{}: TOTP secret in clear",
            backend.name
        );
        assert!(!contains(&bytes, hex::encode(totp).as_bytes()));
        let master_raw = hex::decode(&master_hex).unwrap();
        assert!(
            !contains(&bytes, &master_raw),
            "{}: master key",
            backend.name
        );
        assert!(!contains(&bytes, master_hex.as_bytes()));
    }
}

// A secret stored in clear before migration 0006 is sealed when first read.
#[tokio::test]
async fn clear_totp_secrets_from_before_encryption_are_sealed_on_first_read() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let clerk = user(store, f.tenant_a.id, "clerk").await;
        {
            use sqlx::Connection;
            let statement = "UPDATE users SET totp_secret = $1 WHERE id = $2";
            if let Some(path) = backend.raw_url.strip_prefix("sqlite://") {
                let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                    .await
                    .unwrap();
                sqlx::query(statement)
                    .bind(b"OLDCLEARSECRET".to_vec())
                    .bind(clerk.as_uuid())
                    .execute(&mut conn)
                    .await
                    .unwrap();
            } else {
                let mut conn = sqlx::PgConnection::connect(&backend.raw_url).await.unwrap();
                sqlx::query(statement)
                    .bind(b"OLDCLEARSECRET".to_vec())
                    .bind(clerk.as_uuid())
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
        }
        assert_eq!(
            store.totp_state(clerk).await.unwrap().secret.unwrap(),
            b"OLDCLEARSECRET".to_vec()
        );
        let f2 = [f.tenant_a.id.to_string()];
        let bytes = dump(&backend, &f2).await;
        if backend.name == "postgres" {
            assert!(!contains(&bytes, b"OLDCLEARSECRET"), "{}", backend.name);
        }
    }
}

// Rotation rewraps every tenant key under a new master key while another handle (a running
// server) keeps opening values; after the old key is retired, a new process opens everything.
#[tokio::test]
async fn master_key_rotation_rewraps_tenant_keys_without_downtime() {
    for backend in backends().await {
        let dir = tempfile::tempdir().unwrap();
        let path = key_file(&backend, &dir);
        let admin_keys = Arc::new(vault::FileKeyProvider::open_or_create(&path).unwrap());
        let old_id = admin_keys.ids().unwrap().pop().unwrap();
        let admin = reopen(&backend, admin_keys.clone()).await;
        let server = reopen(
            &backend,
            Arc::new(vault::FileKeyProvider::open(&path).unwrap()),
        )
        .await;
        let f = seed(&admin).await;
        let clerk = user(&admin, f.tenant_a.id, "clerk").await;
        admin
            .begin_totp_enrolment(clerk, b"ROTATE-ME")
            .await
            .unwrap();
        let a = admin.vault().seal(&f.scope_a, "n", b"alpha").await.unwrap();
        let b = admin.vault().seal(&f.scope_b, "n", b"beta").await.unwrap();
        assert_eq!(
            server
                .vault()
                .open(&f.scope_a, "n", &a)
                .await
                .unwrap()
                .as_slice(),
            b"alpha"
        );

        let new_id = admin_keys.add_new_key().unwrap();
        let rewrapped = admin.vault().rewrap_all().await.unwrap();
        assert_eq!(
            rewrapped, 3,
            "{}: tenants A, B and the instance",
            backend.name
        );
        assert_eq!(
            admin.vault().master_keys_in_use().await.unwrap(),
            vec![new_id.to_string()]
        );
        let retired = admin_keys.retire_old_keys().unwrap();
        assert_eq!(retired, vec![old_id.clone()]);
        // The running server goes on: values it had opened and values it had not.
        assert_eq!(
            server
                .vault()
                .open(&f.scope_a, "n", &a)
                .await
                .unwrap()
                .as_slice(),
            b"alpha"
        );
        assert_eq!(
            server
                .vault()
                .open(&f.scope_b, "n", &b)
                .await
                .unwrap()
                .as_slice(),
            b"beta"
        );
        assert_eq!(
            server.totp_state(clerk).await.unwrap().secret.unwrap(),
            b"ROTATE-ME".to_vec()
        );
        // A process started now, with only the new key, opens everything.
        let fresh = reopen(
            &backend,
            Arc::new(vault::FileKeyProvider::open(&path).unwrap()),
        )
        .await;
        assert_eq!(
            fresh
                .vault()
                .open(&f.scope_a, "n", &a)
                .await
                .unwrap()
                .as_slice(),
            b"alpha"
        );
        assert_eq!(
            fresh.totp_state(clerk).await.unwrap().secret.unwrap(),
            b"ROTATE-ME".to_vec()
        );
        // A process with only the retired key opens nothing.
        let stale_dir = tempfile::tempdir().unwrap();
        let stale = reopen(
            &backend,
            Arc::new(
                vault::StaticKeyProvider::new(vec![vault::MasterKey::generate().unwrap()]).unwrap(),
            ),
        )
        .await;
        drop(stale_dir);
        assert!(matches!(
            stale.vault().open(&f.scope_a, "n", &a).await,
            Err(StoreError::Vault(vault::VaultError::UnknownMasterKey(_)))
        ));
    }
}

// A SQLite database whose key file went missing refuses to open rather than silently starting
// a new key.
#[tokio::test]
async fn a_sqlite_store_without_its_key_file_refuses_to_open() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    let url = DatabaseUrl::sqlite_file(&db);
    let store = Store::open(&url).await.unwrap();
    let f = seed(&store).await;
    store.vault().seal(&f.scope_a, "n", b"x").await.unwrap();
    store.close().await;
    let key = whereabouts_store::default_key_file(&db);
    assert!(key.exists());
    std::fs::remove_file(&key).unwrap();
    let error = Store::open(&url).await.err().unwrap().to_string();
    assert!(
        error.contains("master-key") && error.contains("missing"),
        "{error}"
    );
}

// A backup taken while the store is open restores into a new database with every record equal,
// sealed fields still opening with the master key and the audit chain intact.
#[tokio::test]
async fn a_snapshot_restores_every_record() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let clerk = user(store, f.tenant_a.id, "clerk").await;
        store
            .begin_totp_enrolment(clerk, b"BACKUP-TOTP")
            .await
            .unwrap();
        let id = store
            .create_tracing_request(&f.scope_a, &crate::accounts_agency::request("TR-B"))
            .await
            .unwrap();
        // A decision on the request: the stage kept for it (migration 0025) is rebuilt by the
        // restore's triggers, not copied (PostgreSQL restores match_decisions first).
        let decided = store
            .register_person(
                &f.scope_a,
                f.source_a,
                &whereabouts_store::NewPerson {
                    reference: "A-B".into(),
                    category: domain::PersonCategory::PrisonerOfWar,
                    assertions: Vec::new(),
                    events: Vec::new(),
                },
            )
            .await
            .unwrap();
        let clerk_record = store.user_by_username("clerk").await.unwrap().unwrap();
        store
            .record_match_decision(
                &store.scope_for_user(&clerk_record).unwrap(),
                &whereabouts_store::NewMatchDecision {
                    request: id,
                    person: decided,
                    decision: whereabouts_store::Decision::Confirm,
                    score: 900,
                    algorithm: "test/1",
                    explanation: "[]",
                },
            )
            .await
            .unwrap();
        for n in 0..3 {
            store
                .register_person(
                    &f.scope_b,
                    f.source_b,
                    &whereabouts_store::NewPerson {
                        reference: format!("B-{n}"),
                        category: domain::PersonCategory::PrisonerOfWar,
                        assertions: Vec::new(),
                        events: Vec::new(),
                    },
                )
                .await
                .unwrap();
        }
        // Issue 5, item 3 (migration 0024): an agency's persons, one not compared yet, and a
        // same-person proposal; the markers and proposals restore as they were.
        let agency = domain::Tenant {
            id: domain::TenantId::new(),
            slug: "agency".into(),
            name: "Agency".into(),
            kind: domain::TenantKind::Agency,
            party: None,
        };
        store.create_tenant(&agency).await.unwrap();
        let agency_scope = store.operator_scope(&agency, "test");
        let agency_source = store
            .record_source(&agency_scope, &crate::harness::new_source("agency list"))
            .await
            .unwrap();
        let mut held = Vec::new();
        for n in 0..2 {
            held.push(
                store
                    .register_person(
                        &agency_scope,
                        agency_source,
                        &whereabouts_store::NewPerson {
                            reference: format!("bureau-a:A-{n}"),
                            category: domain::PersonCategory::PrisonerOfWar,
                            assertions: Vec::new(),
                            events: Vec::new(),
                        },
                    )
                    .await
                    .unwrap(),
            );
        }
        store
            .record_link_pass(
                &agency_scope,
                &held[..1],
                &[whereabouts_store::NewLinkProposal {
                    left: held[0],
                    right: held[1],
                    score: 870,
                    algorithm: "test/1".into(),
                    explanation: "{}".into(),
                }],
            )
            .await
            .unwrap();
        store.audit_checkpoint().await.unwrap();
        let snapshot = store.snapshot().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let scratch = match backend.name {
            "sqlite" => None,
            _ => Some(
                crate::harness::fresh_postgres_database(&crate::harness::postgres_url().unwrap())
                    .await,
            ),
        };
        let target = match &scratch {
            None => DatabaseUrl::sqlite_file(&dir.path().join("restored.db")),
            Some(scratch) => DatabaseUrl::parse(scratch.url()).unwrap(),
        };
        if backend.name != "sqlite" {
            // Rows whose parents the backup does not hold (every tenant left out) fail the
            // whole restore when the foreign keys are put back, and leave the target empty.
            let text = String::from_utf8(snapshot.bytes.clone()).unwrap();
            let orphans: String = text
                .lines()
                .filter(|line| !line.starts_with(r#"{"table":"tenants","#))
                .map(|line| format!("{line}\n"))
                .collect();
            assert!(orphans.len() < text.len());
            let refused = Store::restore_from(&target, "postgres", &mut orphans.as_bytes())
                .await
                .unwrap_err()
                .to_string();
            assert!(
                refused.contains("refer to rows the backup does not hold"),
                "{refused}"
            );
        }
        Store::restore_snapshot(&target, &snapshot).await.unwrap();
        // A second restore into the same target is refused.
        assert!(Store::restore_snapshot(&target, &snapshot).await.is_err());
        let restored = Store::open_with(&target, store.key_provider())
            .await
            .unwrap();
        let original = whereabouts_store::table_contents(store).await.unwrap();
        let copy = whereabouts_store::table_contents(&restored).await.unwrap();
        let rows: usize = original.iter().map(|(_, r)| r.len()).sum();
        assert!(rows > 20, "{}: {rows} rows", backend.name);
        assert_eq!(original, copy, "{}", backend.name);
        let restored_agency = restored.operator_scope(&agency, "test");
        assert_eq!(
            restored.link_pending(&restored_agency, 10).await.unwrap(),
            vec![held[1]],
            "{}: the marker of the person not compared yet",
            backend.name
        );
        assert_eq!(
            restored
                .open_link_proposals(&restored_agency, 0, 10)
                .await
                .unwrap()
                .1,
            1
        );
        let stages = restored
            .recomputed_request_stages(&f.scope_a)
            .await
            .unwrap();
        assert_eq!(stages.len(), 1, "{}", backend.name);
        let (_, kept, recomputed) = stages[0];
        assert_eq!(kept, recomputed, "{}", backend.name);
        assert_eq!(
            kept,
            (whereabouts_store::RequestStage::AwaitingSecond, 1),
            "{}",
            backend.name
        );
        assert_eq!(
            restored.totp_state(clerk).await.unwrap().secret.unwrap(),
            b"BACKUP-TOTP".to_vec()
        );
        assert_eq!(
            restored
                .tracing_request(&f.scope_a, id)
                .await
                .unwrap()
                .request
                .enquirer_contact,
            "Київ"
        );
        assert!(
            restored.audit_verify().await.unwrap().is_intact(),
            "{}",
            backend.name
        );
    }
}

async fn person(store: &Store, f: &crate::harness::Fixture, reference: &str) -> domain::PersonId {
    store
        .register_person(
            &f.scope_a,
            f.source_a,
            &whereabouts_store::NewPerson {
                reference: reference.into(),
                category: domain::PersonCategory::PrisonerOfWar,
                assertions: Vec::new(),
                events: Vec::new(),
            },
        )
        .await
        .unwrap()
}

async fn scope_of(
    store: &Store,
    username: &str,
    role: UserRole,
    tenant: domain::TenantId,
) -> whereabouts_store::TenantScope {
    store
        .create_user(&NewUser {
            tenant: Some(tenant),
            username,
            password_hash: "$argon2id$fake",
            role,
        })
        .await
        .unwrap();
    let record = store.user_by_username(username).await.unwrap().unwrap();
    store.scope_for_user(&record).unwrap()
}

// ICRC-DP-c: a restricted record is processed only by the roles the restriction allows.
#[tokio::test]
async fn restricted_processing_blocks_every_role_but_the_allowed_ones() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let id = person(store, &f, "R-1").await;
        let clerk = scope_of(store, "clerk", UserRole::BureauClerk, f.tenant_a.id).await;
        let caseworker = scope_of(store, "caseworker", UserRole::Caseworker, f.tenant_a.id).await;
        let note = whereabouts_store::NewAssertion {
            field: domain::FieldKey::Rank,
            value: domain::Presence::Present(domain::AssertedValue::Text("Private".into())),
            locator: "form".into(),
        };
        store.person(&clerk, id).await.unwrap();
        store
            .restrict_processing(
                &f.scope_a,
                id,
                &[UserRole::Caseworker],
                "the person objected",
            )
            .await
            .unwrap();
        assert!(
            matches!(store.person(&clerk, id).await, Err(StoreError::Restricted)),
            "{}",
            backend.name
        );
        assert!(matches!(
            store
                .add_assertion(&clerk, id, f.source_a, &note, None)
                .await,
            Err(StoreError::Restricted)
        ));
        // The allowed role goes on; the restriction and its author are on record.
        store.person(&caseworker, id).await.unwrap();
        store
            .add_assertion(&caseworker, id, f.source_a, &note, None)
            .await
            .unwrap();
        let restriction = store.restriction(&clerk, id).await.unwrap().unwrap();
        assert_eq!(restriction.allowed_roles, vec![UserRole::Caseworker]);
        // Another tenant cannot restrict (or learn of) this person.
        assert!(matches!(
            store.restrict_processing(&f.scope_b, id, &[], "x").await,
            Err(StoreError::NotFound)
        ));
        // The clerk cannot lift it; the caseworker can.
        assert!(store.lift_restriction(&clerk, id, "x").await.is_err());
        store
            .lift_restriction(&caseworker, id, "objection withdrawn")
            .await
            .unwrap();
        store.person(&clerk, id).await.unwrap();
        let log = store.audit_entries(0, 1000).await.unwrap();
        assert_eq!(log.iter().filter(|e| e.action == "restrict").count(), 2);
    }
}

// ICRC-DP-c: a restriction holds in every read of many persons, not only on the record: lists,
// counts, the directory, and the id walk plus full records that exports use.
#[tokio::test]
async fn restricted_persons_leave_lists_directories_and_exports_of_excluded_roles() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let kept = person(store, &f, "R-KEPT").await;
        let id = person(store, &f, "R-HIDDEN").await;
        let clerk = scope_of(store, "clerk", UserRole::BureauClerk, f.tenant_a.id).await;
        let officer = scope_of(store, "officer", UserRole::BureauOfficer, f.tenant_a.id).await;
        let references = |page: whereabouts_store::PersonPage| {
            page.persons
                .into_iter()
                .map(|p| p.reference)
                .collect::<Vec<_>>()
        };
        let exported = |scope: whereabouts_store::TenantScope| async move {
            let mut all = Vec::new();
            let mut after = None;
            loop {
                let ids = store.person_ids_after(&scope, after, 1).await.unwrap();
                let Some(last) = ids.last().copied() else {
                    break;
                };
                after = Some(last);
                all.extend(
                    store
                        .person_records(&scope, &ids)
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|r| r.person.reference),
                );
            }
            all
        };
        // Restricted, lifted, restricted again: the latest decision is in force.
        for (restrict, reason) in [(true, "first"), (false, "lifted"), (true, "again")] {
            if restrict {
                store
                    .restrict_processing(&f.scope_a, id, &[UserRole::BureauOfficer], reason)
                    .await
                    .unwrap();
            } else {
                store
                    .lift_restriction(&f.scope_a, id, reason)
                    .await
                    .unwrap();
            }
        }
        let page = store.list_persons(&clerk, 0, 500).await.unwrap();
        assert_eq!(
            page.total,
            store.list_persons(&f.scope_a, 0, 500).await.unwrap().total - 1,
            "{}",
            backend.name
        );
        assert!(
            !references(page).contains(&"R-HIDDEN".to_owned()),
            "{}",
            backend.name
        );
        assert!(
            references(store.list_persons(&officer, 0, 500).await.unwrap())
                .contains(&"R-HIDDEN".to_owned())
        );
        assert!(
            !exported(clerk.clone())
                .await
                .contains(&"R-HIDDEN".to_owned()),
            "{}",
            backend.name
        );
        assert!(exported(clerk.clone()).await.contains(&"R-KEPT".to_owned()));
        assert!(
            exported(officer.clone())
                .await
                .contains(&"R-HIDDEN".to_owned())
        );
        assert!(
            exported(f.scope_a.clone())
                .await
                .contains(&"R-HIDDEN".to_owned()),
            "the local operator sees every record"
        );
        assert!(
            store
                .person_records(&clerk, &[id, kept])
                .await
                .unwrap()
                .iter()
                .all(|r| r.person.id != id)
        );
        let directory = store.person_directory(&clerk).await.unwrap();
        assert!(directory.iter().all(|row| row.summary.id != id));
        assert!(
            store
                .person_directory(&clerk.for_shared_cache())
                .await
                .unwrap()
                .iter()
                .any(|row| row.summary.id == id)
        );
        assert_eq!(
            store.hidden_persons(&clerk).await.unwrap(),
            std::collections::HashSet::from([id])
        );
        assert!(store.hidden_persons(&officer).await.unwrap().is_empty());
        assert!(store.hidden_persons(&f.scope_a).await.unwrap().is_empty());
        // Another tenant's restrictions hide nothing here, and nothing of this tenant there.
        assert!(store.hidden_persons(&f.scope_b).await.unwrap().is_empty());
        store.lift_restriction(&officer, id, "done").await.unwrap();
        assert!(
            references(store.list_persons(&clerk, 0, 500).await.unwrap())
                .contains(&"R-HIDDEN".to_owned())
        );
        assert!(store.hidden_persons(&clerk).await.unwrap().is_empty());
    }
}

// ICRC-DP-c: everything about one person, in one document, and the export is audited.
#[tokio::test]
async fn a_subject_export_holds_everything_about_the_person_and_nothing_else() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let id = person(store, &f, "S-1").await;
        let other = person(store, &f, "S-2").await;
        let note = whereabouts_store::NewAssertion {
            field: domain::FieldKey::Rank,
            value: domain::Presence::Present(domain::AssertedValue::Text("Corporal".into())),
            locator: "form".into(),
        };
        store
            .add_assertion(&f.scope_a, id, f.source_a, &note, None)
            .await
            .unwrap();
        store
            .restrict_processing(&f.scope_a, id, &[UserRole::Caseworker], "objection")
            .await
            .unwrap();
        let export = store
            .subject_export(&f.scope_a, id, "subject access request 4")
            .await
            .unwrap();
        let text = export.to_string();
        assert_eq!(export["person"]["reference"], "S-1", "{}", backend.name);
        assert!(text.contains("Corporal"));
        assert_eq!(export["restrictions"].as_array().unwrap().len(), 1);
        assert!(export["audit"].as_array().unwrap().len() >= 3, "{text}");
        assert!(!text.contains(&other.to_string()));
        assert!(matches!(
            store.subject_export(&f.scope_b, id, "x").await,
            Err(StoreError::NotFound)
        ));
        let log = store.audit_entries(0, 1000).await.unwrap();
        assert!(
            log.iter().any(|e| e.action == "export"
                && e.purpose.as_deref() == Some("subject access request 4"))
        );
    }
}

// XC-1, ICRC-DP-b: retention archives; nothing is deleted and the archived record still reads.
#[tokio::test]
async fn retention_archives_old_records_and_deletes_nothing() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let id = store
            .create_tracing_request(&f.scope_a, &crate::accounts_agency::request("TR-OLD"))
            .await
            .unwrap();
        assert!(
            store
                .set_retention(&f.scope_a, "persons", 30)
                .await
                .is_err()
        );
        store
            .set_retention(&f.scope_a, "tracing_request", 30)
            .await
            .unwrap();
        let now = time::OffsetDateTime::now_utc();
        assert_eq!(store.apply_retention(&f.scope_a, now).await.unwrap(), 0);
        let later = now + time::Duration::days(31);
        assert_eq!(
            store.apply_retention(&f.scope_a, later).await.unwrap(),
            1,
            "{}",
            backend.name
        );
        assert_eq!(store.apply_retention(&f.scope_a, later).await.unwrap(), 0);
        let archived = store.archived_records(&f.scope_a).await.unwrap();
        assert_eq!(archived.len(), 1);
        assert_eq!(archived[0].record_id, *id.as_uuid());
        assert!(store.archived_records(&f.scope_b).await.unwrap().is_empty());
        // The record itself is whole.
        assert_eq!(
            store
                .tracing_request(&f.scope_a, id)
                .await
                .unwrap()
                .request
                .reference,
            "TR-OLD"
        );
        let log = store.audit_entries(0, 1000).await.unwrap();
        assert!(log.iter().any(|e| e.action == "archive" && e.records == 1));
    }
}
