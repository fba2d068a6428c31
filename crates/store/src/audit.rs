//! The tamper-evident audit log (XC-8, SEC-4).
//!
//! One hash chain for the instance: entry `n` stores `prev_hash` (entry `n-1`'s hash) and
//! `hash = HMAC-SHA256(k, prev_hash ‖ entry)`, where `k` is derived from the instance's data key,
//! so only a holder of the master key can write a valid entry. Every [`AuditPolicy::checkpoint_every`]
//! entries a checkpoint `(seq, hash)` is signed with the instance's Ed25519 key (its secret
//! sealed in `instance_keys`). [`Store::audit_verify`] walks the chain and names each edited,
//! deleted, inserted or reordered entry. Reads and exports beyond
//! [`AuditPolicy::bulk_threshold`] records per actor within [`AuditPolicy::bulk_window`] add an
//! `alert` entry (the 2022 intruders read in bulk for 70 days unnoticed).
//!
//! Entries hold identifiers, actions and purposes, never personal data.

use std::fmt;
use std::sync::Mutex;

use ed25519_dalek::{Signer as _, SigningKey, Verifier as _};
use hmac::{Hmac, Mac};
use sqlx::Row;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::{StoreError, StoreResult};
use crate::scope::TenantScope;
use crate::vault::INSTANCE_OWNER;
use crate::{Backend, Store, on_backend};

/// What was done. The code is what the log stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditAction {
    Login,
    LoginFailed,
    Logout,
    /// A user created with a role, or a role given or changed.
    RoleChange,
    Create,
    Update,
    /// A read of protected data; carries a purpose.
    Read,
    /// A protected field decrypted.
    Decrypt,
    Export,
    Transmit,
    Receive,
    MatchDecision,
    Restrict,
    Archive,
    KeyRotation,
    Backup,
    Restore,
    /// Written by the log itself when a threshold is crossed.
    Alert,
}

impl AuditAction {
    pub const ALL: [Self; 18] = [
        Self::Login,
        Self::LoginFailed,
        Self::Logout,
        Self::RoleChange,
        Self::Create,
        Self::Update,
        Self::Read,
        Self::Decrypt,
        Self::Export,
        Self::Transmit,
        Self::Receive,
        Self::MatchDecision,
        Self::Restrict,
        Self::Archive,
        Self::KeyRotation,
        Self::Backup,
        Self::Restore,
        Self::Alert,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::LoginFailed => "login_failed",
            Self::Logout => "logout",
            Self::RoleChange => "role_change",
            Self::Create => "create",
            Self::Update => "update",
            Self::Read => "read",
            Self::Decrypt => "decrypt",
            Self::Export => "export",
            Self::Transmit => "transmit",
            Self::Receive => "receive",
            Self::MatchDecision => "match_decision",
            Self::Restrict => "restrict",
            Self::Archive => "archive",
            Self::KeyRotation => "key_rotation",
            Self::Backup => "backup",
            Self::Restore => "restore",
            Self::Alert => "alert",
        }
    }

    /// Whether the action counts towards the bulk-read alert.
    #[must_use]
    pub const fn is_bulk_read(self) -> bool {
        matches!(self, Self::Read | Self::Export | Self::Decrypt)
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One thing to log. `object` names what was acted on by kind and id (`person:<uuid>`,
/// `interview:<uuid>`, `export:persons`), never by a person's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub action: AuditAction,
    pub object: String,
    /// Why (required for reads of protected data: ICRC-DP-b purpose limitation).
    pub purpose: Option<String>,
    /// How many records the action touched (an export of 500 persons counts 500).
    pub records: i64,
    /// Free detail without personal data (counts, a file's SHA-256, a reason code).
    pub detail: String,
}

impl AuditEntry {
    #[must_use]
    pub fn new(action: AuditAction, object: impl Into<String>) -> Self {
        Self {
            action,
            object: object.into(),
            purpose: None,
            records: 1,
            detail: String::new(),
        }
    }

    #[must_use]
    pub fn purpose(mut self, purpose: impl Into<String>) -> Self {
        self.purpose = Some(purpose.into());
        self
    }

    #[must_use]
    pub fn records(mut self, records: i64) -> Self {
        self.records = records;
        self
    }

    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// An entry as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: OffsetDateTime,
    pub tenant: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub purpose: Option<String>,
    pub records: i64,
    pub detail: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// Thresholds and cadence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditPolicy {
    /// Records read, decrypted or exported by one actor within `bulk_window` that raise an alert.
    pub bulk_threshold: i64,
    pub bulk_window: Duration,
    /// A signed checkpoint every this many entries.
    pub checkpoint_every: i64,
}

impl Default for AuditPolicy {
    fn default() -> Self {
        Self {
            bulk_threshold: 500,
            bulk_window: Duration::minutes(10),
            checkpoint_every: 100,
        }
    }
}

/// What `audit verify` found wrong, naming the entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuditProblem {
    /// The entry's content does not match its MAC: it was edited (or forged without the key).
    Edited { seq: i64 },
    /// Entries are missing from the sequence.
    Deleted { first: i64, last: i64 },
    /// The entry does not follow its predecessor; the one after it links past it.
    Inserted { seq: i64 },
    /// The entry was written after the entry now at `written_after` (its position was changed).
    Reordered { seq: i64, written_after: i64 },
    /// The chain breaks before this entry for a reason the log cannot name (an earlier entry
    /// was deleted and the rest renumbered).
    Broken { seq: i64 },
    /// A checkpoint's signature, key or hash does not hold.
    BadCheckpoint { seq: i64, reason: String },
    /// The log ends before a signed checkpoint: entries after `last` were deleted.
    Truncated { last: i64, checkpoint: i64 },
    /// The log ends before its signed head: entries `last + 1` to `head` were cut from the end.
    Cut { last: i64, head: i64 },
    /// The signed head's signature, key or hash does not hold, or it is missing.
    BadHead { reason: String },
    /// The log ends at `last`, before the head saved outside the database (`saved`): the
    /// database was rolled back to an older copy, or cut back to an older signed head.
    RolledBack { last: i64, saved: i64 },
    /// Entry `seq` is not the entry the head saved outside the database signed: the log was
    /// replaced from there on.
    Replaced { seq: i64 },
    /// The head saved outside the database cannot be read or its signature does not hold.
    BadWitness { reason: String },
}

impl fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Edited { seq } => write!(
                f,
                "entry {seq} was edited: its content does not match its hash"
            ),
            Self::Deleted { first, last } if first == last => {
                write!(f, "entry {first} was deleted")
            }
            Self::Deleted { first, last } => write!(f, "entries {first} to {last} were deleted"),
            Self::Inserted { seq } => {
                write!(f, "entry {seq} was inserted: the next entry links past it")
            }
            Self::Reordered { seq, written_after } => write!(
                f,
                "entry {seq} was reordered: it was written after the entry now at {written_after}"
            ),
            Self::Broken { seq } => write!(
                f,
                "the chain breaks before entry {seq}: an earlier entry was removed or changed"
            ),
            Self::BadCheckpoint { seq, reason } => write!(f, "checkpoint at entry {seq}: {reason}"),
            Self::Truncated { last, checkpoint } => write!(
                f,
                "the log ends at entry {last} but a signed checkpoint covers entry {checkpoint}: entries were deleted from the end"
            ),
            Self::Cut { last, head } => write!(
                f,
                "the log ends at entry {last} but its signed head is entry {head}: entries {} to {head} were cut from the end",
                last + 1
            ),
            Self::BadHead { reason } => write!(f, "the signed head of the log: {reason}"),
            Self::RolledBack { last, saved } => write!(
                f,
                "the log ends at entry {last} but the head saved outside the database is entry {saved}: the database was rolled back or cut to an older signed head (entries {} to {saved} are missing)",
                last + 1
            ),
            Self::Replaced { seq } => write!(
                f,
                "entry {seq} is not the entry the head saved outside the database signed: the log was replaced from there on"
            ),
            Self::BadWitness { reason } => {
                write!(f, "the head saved outside the database: {reason}")
            }
        }
    }
}

/// The result of [`Store::audit_verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: i64,
    pub checkpoints: i64,
    /// The instance's public key (hex) that signs checkpoints: pin it outside the instance.
    pub public_key: String,
    /// The entry of the head saved outside the database that the log was checked against;
    /// `None` when no witness was given or none has been saved yet.
    pub witness: Option<i64>,
    pub problems: Vec<AuditProblem>,
}

impl AuditReport {
    #[must_use]
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Keys of the log, loaded once per store.
pub(crate) struct AuditState {
    pub(crate) policy: AuditPolicy,
    keys: Mutex<Option<AuditKeys>>,
    /// Where the newest signed head is saved outside the database (rollback detection).
    pub(crate) witness: Option<std::path::PathBuf>,
}

#[derive(Clone)]
struct AuditKeys {
    mac: Zeroizing<[u8; 32]>,
    signing: SigningKey,
}

impl fmt::Debug for AuditState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuditState({:?}, <keys redacted>)", self.policy)
    }
}

impl AuditState {
    pub(crate) fn new(policy: AuditPolicy) -> Self {
        Self {
            policy,
            keys: Mutex::new(None),
            witness: None,
        }
    }

    /// A state with the same policy and witness and no keys loaded.
    pub(crate) fn fresh(&self) -> Self {
        Self {
            witness: self.witness.clone(),
            ..Self::new(self.policy)
        }
    }
}

const GENESIS: [u8; 32] = [0; 32];

/// Timestamps are kept to the microsecond, which both backends store exactly.
fn now_micros() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or(now)
}

fn put(out: &mut Vec<u8>, field: &[u8]) {
    out.extend_from_slice(&u32::try_from(field.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(field);
}

/// The MAC over `prev_hash` and the entry's content (not its position: a moved entry shows
/// as a broken link, which names the move).
fn mac(key: &[u8; 32], record: &AuditRecord) -> Vec<u8> {
    let mut bytes = b"whereabouts/audit/v1\0".to_vec();
    put(&mut bytes, &record.prev_hash);
    put(&mut bytes, &record.at.unix_timestamp_nanos().to_be_bytes());
    put(
        &mut bytes,
        record.tenant.as_ref().map_or(&[][..], |t| t.as_bytes()),
    );
    put(&mut bytes, record.actor.as_bytes());
    put(&mut bytes, record.action.as_bytes());
    put(&mut bytes, record.object.as_bytes());
    match &record.purpose {
        Some(purpose) => {
            bytes.push(1);
            put(&mut bytes, purpose.as_bytes());
        }
        None => bytes.push(0),
    }
    put(&mut bytes, &record.records.to_be_bytes());
    put(&mut bytes, record.detail.as_bytes());
    let mut mac = <Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(&bytes);
    mac.finalize().into_bytes().to_vec()
}

/// What the head's signature covers; its own context, so a head is never a valid checkpoint.
pub(crate) fn head_message(seq: i64, hash: &[u8], at: OffsetDateTime) -> Vec<u8> {
    let mut bytes = b"whereabouts/audit-head/v1\0".to_vec();
    bytes.extend_from_slice(&seq.to_be_bytes());
    put(&mut bytes, hash);
    bytes.extend_from_slice(&at.unix_timestamp_nanos().to_be_bytes());
    bytes
}

fn checkpoint_message(seq: i64, hash: &[u8], at: OffsetDateTime) -> Vec<u8> {
    let mut bytes = b"whereabouts/audit-checkpoint/v1\0".to_vec();
    bytes.extend_from_slice(&seq.to_be_bytes());
    put(&mut bytes, hash);
    bytes.extend_from_slice(&at.unix_timestamp_nanos().to_be_bytes());
    bytes
}

/// Appends one entry inside the transaction `$tx` (a `&mut Transaction`); pushes
/// `(seq, hash)` to `$written` and evaluates to the new sequence number.
macro_rules! write_entry {
    ($tx:expr, $keys:expr, $tenant:expr, $actor:expr, $entry:expr, $written:expr) => {{
        let head: Option<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut **$tx)
                .await?;
        let (prev_seq, prev_hash) = head.unwrap_or((0, GENESIS.to_vec()));
        let entry: &AuditEntry = $entry;
        let mut record = AuditRecord {
            seq: prev_seq + 1,
            at: now_micros(),
            tenant: $tenant,
            actor: $actor.to_owned(),
            action: entry.action.code().to_owned(),
            object: entry.object.clone(),
            purpose: entry.purpose.clone(),
            records: entry.records,
            detail: entry.detail.clone(),
            prev_hash,
            hash: Vec::new(),
        };
        record.hash = mac(&$keys.mac, &record);
        sqlx::query("INSERT INTO audit_log (seq, at, tenant_id, actor, action, object, purpose, records, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(record.seq)
            .bind(record.at)
            .bind(record.tenant)
            .bind(&record.actor)
            .bind(&record.action)
            .bind(&record.object)
            .bind(&record.purpose)
            .bind(record.records)
            .bind(&record.detail)
            .bind(&record.prev_hash)
            .bind(&record.hash)
            .execute(&mut **$tx)
            .await?;
        $written.push((record.seq, record.hash.clone()));
        record.seq
    }};
}

/// Signs and stores a checkpoint for `(seq, hash)` inside `$tx`.
macro_rules! write_checkpoint {
    ($tx:expr, $keys:expr, $seq:expr, $hash:expr) => {{
        let at = now_micros();
        let hash: Vec<u8> = $hash;
        let signature = $keys.signing.sign(&checkpoint_message($seq, &hash, at));
        sqlx::query("INSERT INTO audit_checkpoints (seq, hash, at, public_key, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
            .bind($seq)
            .bind(hash)
            .bind(at)
            .bind($keys.signing.verifying_key().to_bytes().to_vec())
            .bind(signature.to_bytes().to_vec())
            .execute(&mut **$tx)
            .await?;
    }};
}

/// Signs `(seq, hash)` as the log's head and stores it inside `$tx`, in the transaction that
/// wrote the entry: the head and the log's end never disagree unless someone cut the log.
macro_rules! write_head {
    ($tx:expr, $keys:expr, $seq:expr, $hash:expr) => {{
        let at = now_micros();
        let seq: i64 = $seq;
        let hash: Vec<u8> = $hash;
        let signature = $keys.signing.sign(&head_message(seq, &hash, at));
        let hash_copy = hash.clone();
        sqlx::query("INSERT INTO audit_head (id, seq, hash, at, public_key, signature) VALUES (1, $1, $2, $3, $4, $5) \
                     ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at, public_key = excluded.public_key, signature = excluded.signature")
            .bind(seq)
            .bind(hash)
            .bind(at)
            .bind($keys.signing.verifying_key().to_bytes().to_vec())
            .bind(signature.to_bytes().to_vec())
            .execute(&mut **$tx)
            .await?;
        crate::witness::SavedHead {
            seq,
            hash: hash_copy,
            at,
            public_key: $keys.signing.verifying_key().to_bytes().to_vec(),
            signature: signature.to_bytes().to_vec(),
        }
    }};
}

macro_rules! record_from_row {
    ($row:expr) => {{
        let row = $row;
        AuditRecord {
            seq: row.try_get("seq")?,
            at: row.try_get("at")?,
            tenant: row.try_get("tenant_id")?,
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            object: row.try_get("object")?,
            purpose: row.try_get("purpose")?,
            records: row.try_get("records")?,
            detail: row.try_get("detail")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        }
    }};
}

const COLUMNS: &str =
    "seq, at, tenant_id, actor, action, object, purpose, records, detail, prev_hash, hash";

impl Store {
    /// The store with other audit thresholds (tests, or a deployment's configuration).
    #[must_use]
    pub fn with_audit_policy(self, policy: AuditPolicy) -> Self {
        Self {
            audit: std::sync::Arc::new(AuditState {
                witness: self.audit.witness.clone(),
                ..AuditState::new(policy)
            }),
            ..self
        }
    }

    /// Logs what the scope's actor did in its tenant. Returns the entry's sequence number.
    ///
    /// # Errors
    /// Without a master key, or when the database fails: the caller must then not go on with
    /// the action it was logging.
    pub async fn audit(&self, scope: &TenantScope, entry: AuditEntry) -> StoreResult<i64> {
        self.append_audit(Some(*scope.tenant().as_uuid()), scope.actor_name(), entry)
            .await
    }

    /// Logs an action outside a tenant scope: a sign-in, an administrator's change, a backup.
    ///
    /// # Errors
    /// As [`Store::audit`].
    pub async fn audit_system(
        &self,
        actor: &str,
        tenant: Option<domain::TenantId>,
        entry: AuditEntry,
    ) -> StoreResult<i64> {
        self.append_audit(tenant.map(|t| *t.as_uuid()), actor, entry)
            .await
    }

    async fn audit_keys(&self) -> StoreResult<AuditKeys> {
        if let Some(keys) = self.audit.keys.lock().ok().and_then(|k| k.clone()) {
            return Ok(keys);
        }
        let mac = self.vault().subkey(INSTANCE_OWNER, "audit-chain").await?;
        let signing = self.instance_signing_key().await?;
        let keys = AuditKeys { mac, signing };
        if let Ok(mut slot) = self.audit.keys.lock() {
            *slot = Some(keys.clone());
        }
        Ok(keys)
    }

    /// The instance's Ed25519 key, created on first use, its secret sealed under the instance's
    /// data key.
    async fn instance_signing_key(&self) -> StoreResult<SigningKey> {
        type Row = (String, Vec<u8>, Vec<u8>);
        let select = "SELECT id, public_key, sealed_secret FROM instance_keys ORDER BY created_at, id LIMIT 1";
        let mut row: Option<Row> = on_backend!(self, pool => {
            sqlx::query_as(select).fetch_optional(pool).await?
        });
        if row.is_none() {
            let seed: [u8; 32] = vault::random_bytes()?;
            let signing = SigningKey::from_bytes(&seed);
            let public = signing.verifying_key().to_bytes();
            let id = hex::encode(&public[..8]);
            let sealed = self
                .vault()
                .seal_for(INSTANCE_OWNER, &format!("instance_keys.secret:{id}"), &seed)
                .await?;
            on_backend!(self, pool => {
                sqlx::query("INSERT INTO instance_keys (id, public_key, sealed_secret, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                    .bind(&id)
                    .bind(public.to_vec())
                    .bind(sealed)
                    .bind(now_micros())
                    .execute(pool)
                    .await?;
            });
            row = on_backend!(self, pool => {
                sqlx::query_as(select).fetch_optional(pool).await?
            });
        }
        let (id, public, sealed) = row.ok_or(StoreError::NotFound)?;
        let seed = self
            .vault()
            .open_for(
                INSTANCE_OWNER,
                &format!("instance_keys.secret:{id}"),
                &sealed,
            )
            .await?;
        let seed: [u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| StoreError::Corrupt("instance key length".into()))?;
        let signing = SigningKey::from_bytes(&seed);
        if signing.verifying_key().to_bytes().as_slice() != public.as_slice() {
            return Err(StoreError::Corrupt(
                "the instance's public key does not match its sealed secret".into(),
            ));
        }
        Ok(signing)
    }

    /// The public key that signs checkpoints (hex).
    ///
    /// # Errors
    /// Without a master key, or when the database fails.
    pub async fn audit_public_key(&self) -> StoreResult<String> {
        Ok(hex::encode(
            self.audit_keys().await?.signing.verifying_key().to_bytes(),
        ))
    }

    async fn append_audit(
        &self,
        tenant: Option<Uuid>,
        actor: &str,
        entry: AuditEntry,
    ) -> StoreResult<i64> {
        let keys = self.audit_keys().await?;
        let policy = self.audit.policy;
        macro_rules! append {
            ($tx:expr) => {{
                let tx = $tx;
                let mut written = Vec::new();
                let seq = write_entry!(tx, &keys, tenant, actor, &entry, &mut written);
                if entry.action.is_bulk_read() {
                    let since = now_micros() - policy.bulk_window;
                    let read: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(records), 0) AS BIGINT) FROM audit_log WHERE actor = $1 AND action IN ('read', 'export', 'decrypt') AND at > $2")
                        .bind(actor)
                        .bind(since)
                        .fetch_one(&mut **tx)
                        .await?;
                    let alerted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE actor = $1 AND action = 'alert' AND at > $2")
                        .bind(actor)
                        .bind(since)
                        .fetch_one(&mut **tx)
                        .await?;
                    if read >= policy.bulk_threshold && alerted == 0 {
                        let alert = AuditEntry::new(AuditAction::Alert, "bulk-read").records(read).detail(format!(
                            "{read} records read, decrypted or exported within {} minutes (threshold {})",
                            policy.bulk_window.whole_minutes(),
                            policy.bulk_threshold
                        ));
                        tracing::warn!(actor, records = read, "audit alert: bulk read");
                        write_entry!(tx, &keys, tenant, actor, &alert, &mut written);
                    }
                }
                let mut head = None;
                if let Some((last, hash)) = written.last().cloned() {
                    head = Some(write_head!(tx, &keys, last, hash));
                }
                for (seq, hash) in written {
                    if seq % policy.checkpoint_every == 0 {
                        write_checkpoint!(tx, &keys, seq, hash);
                    }
                }
                (seq, head)
            }};
        }
        let (seq, head) = match &self.backend {
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = append!(&mut tx);
                tx.commit().await?;
                out
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                // One writer at a time extends the chain.
                sqlx::query("SELECT pg_advisory_xact_lock(7243001)")
                    .execute(&mut *tx)
                    .await?;
                let out = append!(&mut tx);
                tx.commit().await?;
                out
            }
        };
        if let Some(head) = head {
            self.save_witness(&head).await;
        }
        Ok(seq)
    }

    /// Signs a checkpoint at the current head (if it has none yet). Returns its sequence number.
    ///
    /// # Errors
    /// Without a master key, or when the database fails.
    pub async fn audit_checkpoint(&self) -> StoreResult<Option<i64>> {
        let out = self.checkpoint_now().await?;
        if let Some(head) = self.audit_head().await? {
            self.save_witness(&head).await;
        }
        Ok(out)
    }

    async fn checkpoint_now(&self) -> StoreResult<Option<i64>> {
        let keys = self.audit_keys().await?;
        macro_rules! run {
            ($tx:expr) => {{
                let tx = $tx;
                let head: Option<(i64, Vec<u8>)> =
                    sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                        .fetch_optional(&mut **tx)
                        .await?;
                match head {
                    Some((seq, hash)) => {
                        let exists: i64 = sqlx::query_scalar(
                            "SELECT COUNT(*) FROM audit_checkpoints WHERE seq = $1",
                        )
                        .bind(seq)
                        .fetch_one(&mut **tx)
                        .await?;
                        let head: Option<i64> =
                            sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
                                .fetch_optional(&mut **tx)
                                .await?;
                        if head.is_none_or(|head| head < seq) {
                            // A log written before the head existed (migration 0010) gets one.
                            write_head!(tx, &keys, seq, hash.clone());
                        }
                        if exists == 0 {
                            write_checkpoint!(tx, &keys, seq, hash);
                        }
                        Some(seq)
                    }
                    None => None,
                }
            }};
        }
        Ok(match &self.backend {
            Backend::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = run!(&mut tx);
                tx.commit().await?;
                out
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7243001)")
                    .execute(&mut *tx)
                    .await?;
                let out = run!(&mut tx);
                tx.commit().await?;
                out
            }
        })
    }

    /// Entries in order, from `after` (exclusive), at most `limit`.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn audit_entries(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        on_backend!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(after)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(record_from_row!(row));
            }
            Ok(out)
        })
    }

    /// Alert entries since `since`, newest last.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn audit_alerts(&self, since: OffsetDateTime) -> StoreResult<Vec<AuditRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_log WHERE action = 'alert' AND at >= $1 ORDER BY seq"
        );
        on_backend!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(since)
                .fetch_all(pool)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(record_from_row!(row));
            }
            Ok(out)
        })
    }

    /// Walks the whole chain and every checkpoint; names each entry that was edited, deleted,
    /// inserted or reordered.
    ///
    /// # Errors
    /// Without a master key (the MAC key is derived from it), or when the database fails.
    pub async fn audit_verify(&self) -> StoreResult<AuditReport> {
        let witness = self.audit.witness.clone();
        self.audit_verify_against(witness.as_deref()).await
    }

    /// [`Store::audit_verify`], checking the log against the heads saved in `witness` (a copy
    /// shipped elsewhere, say) instead of the store's own witness; `None` checks the database
    /// alone (a restore, which may lawfully go back in time).
    ///
    /// # Errors
    /// As [`Store::audit_verify`].
    pub async fn audit_verify_against(
        &self,
        witness: Option<&std::path::Path>,
    ) -> StoreResult<AuditReport> {
        let keys = self.audit_keys().await?;
        let public = keys.signing.verifying_key();
        let mut records = Vec::new();
        let mut after = i64::MIN;
        loop {
            let page = self.audit_entries(after, 10_000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            records.extend(page);
        }
        type Checkpoint = (i64, Vec<u8>, OffsetDateTime, Vec<u8>, Vec<u8>);
        let checkpoints: Vec<Checkpoint> = on_backend!(self, pool => {
            sqlx::query_as("SELECT seq, hash, at, public_key, signature FROM audit_checkpoints ORDER BY seq")
                .fetch_all(pool)
                .await?
        });
        let mut problems = chain_problems(&keys.mac, &records);
        let hash_at: std::collections::HashMap<i64, &[u8]> =
            records.iter().map(|r| (r.seq, r.hash.as_slice())).collect();
        let last_seq = records.last().map_or(0, |r| r.seq);
        for (seq, hash, at, key, signature) in &checkpoints {
            let bad = |reason: &str| AuditProblem::BadCheckpoint {
                seq: *seq,
                reason: reason.to_owned(),
            };
            if key.as_slice() != public.to_bytes().as_slice() {
                problems.push(bad("signed by a key that is not the instance's"));
                continue;
            }
            let signature = match <[u8; 64]>::try_from(signature.as_slice()) {
                Ok(bytes) => ed25519_dalek::Signature::from_bytes(&bytes),
                Err(_) => {
                    problems.push(bad("malformed signature"));
                    continue;
                }
            };
            if public
                .verify(&checkpoint_message(*seq, hash, *at), &signature)
                .is_err()
            {
                problems.push(bad("the signature does not verify"));
                continue;
            }
            match hash_at.get(seq) {
                Some(stored) if *stored == hash.as_slice() => {}
                Some(_) => problems.push(bad("the entry's hash differs from the signed one")),
                None if *seq > last_seq => problems.push(AuditProblem::Truncated {
                    last: last_seq,
                    checkpoint: *seq,
                }),
                None => {} // reported as deleted by the chain walk
            }
        }
        let head: Option<SignedHead> = on_backend!(self, pool => {
            sqlx::query_as("SELECT seq, hash, at, public_key, signature FROM audit_head WHERE id = 1")
                .fetch_optional(pool)
                .await?
        });
        problems.extend(head_problems(&public, head, &records));
        let mut witnessed = None;
        if let Some(path) = witness {
            match crate::witness::read(path) {
                Ok(None) => {}
                Ok(Some(saved)) => {
                    witnessed = Some(saved.seq);
                    problems.extend(witness_problems(&public, &saved, &records));
                }
                Err(reason) => problems.push(AuditProblem::BadWitness {
                    reason: format!("{}: {reason}", path.display()),
                }),
            }
        }
        Ok(AuditReport {
            entries: i64::try_from(records.len()).unwrap_or(i64::MAX),
            checkpoints: i64::try_from(checkpoints.len()).unwrap_or(i64::MAX),
            public_key: hex::encode(public.to_bytes()),
            witness: witnessed,
            problems,
        })
    }
}

impl Store {
    /// The store saving the newest signed head of the audit log to `path`, a file outside the
    /// database, after every entry it writes; [`Store::audit_verify`] then checks the log
    /// against it (rollback detection, see [`crate::witness`]).
    #[must_use]
    pub fn with_audit_witness(self, path: std::path::PathBuf) -> Self {
        Self {
            audit: std::sync::Arc::new(AuditState {
                witness: Some(path),
                ..self.audit.fresh()
            }),
            ..self
        }
    }

    /// Where this store saves the head outside the database, if anywhere.
    #[must_use]
    pub fn audit_witness(&self) -> Option<&std::path::Path> {
        self.audit.witness.as_deref()
    }

    /// The signed head stored in the database, to be shipped elsewhere
    /// ([`crate::witness::SavedHead::to_line`]).
    ///
    /// # Errors
    /// When the database fails.
    pub async fn audit_head(&self) -> StoreResult<Option<crate::witness::SavedHead>> {
        let head: Option<SignedHead> = on_backend!(self, pool => {
            sqlx::query_as("SELECT seq, hash, at, public_key, signature FROM audit_head WHERE id = 1")
                .fetch_optional(pool)
                .await?
        });
        Ok(head.map(
            |(seq, hash, at, public_key, signature)| crate::witness::SavedHead {
                seq,
                hash,
                at,
                public_key,
                signature,
            },
        ))
    }

    /// Replaces the saved head with the database's own, even when that is older: after a
    /// restore, which goes back in time on purpose. Returns the entry saved before (if any)
    /// and the entry saved now.
    ///
    /// # Errors
    /// When the database fails, or the file cannot be written.
    pub async fn reset_audit_witness(&self) -> StoreResult<Option<(Option<i64>, i64)>> {
        let (Some(path), Some(head)) = (self.audit_witness(), self.audit_head().await?) else {
            return Ok(None);
        };
        let before = crate::witness::read(path).ok().flatten().map(|h| h.seq);
        crate::witness::write(path, &head).map_err(|e| {
            StoreError::Storage(format!("saving the audit head to {}: {e}", path.display()))
        })?;
        Ok(Some((before, head.seq)))
    }

    /// Saves `head` outside the database, unless a newer one is there. It moves forward only
    /// along the same chain: when the log no longer holds the entry the saved head signed (the
    /// database was rolled back and written to since), the saved head is kept as the evidence
    /// `audit verify` needs. The entry is already committed, so a failure here is logged (a
    /// path and an error, no personal data) rather than failing the action.
    async fn save_witness(&self, head: &crate::witness::SavedHead) {
        let Some(path) = self.audit_witness() else {
            return;
        };
        let keep = |why: &str| {
            tracing::warn!(path = %path.display(), why, "the audit head saved outside the database was not moved: run `whereabouts audit verify`");
        };
        match crate::witness::read(path) {
            Ok(Some(saved)) if saved.public_key == head.public_key => {
                if saved.seq >= head.seq {
                    return;
                }
                match self.audit_hash_at(saved.seq).await {
                    Ok(Some(hash)) if hash == saved.hash => {}
                    Ok(_) => return keep("the log no longer holds the entry it signed"),
                    Err(_) => return keep("the log could not be read"),
                }
            }
            // None yet, or another instance's (a new instance in this data directory).
            Ok(_) => {}
            Err(_) => return keep("the file cannot be read"),
        }
        if let Err(error) = crate::witness::write(path, head) {
            tracing::warn!(path = %path.display(), %error, "the audit head could not be saved outside the database");
        }
    }

    async fn audit_hash_at(&self, seq: i64) -> StoreResult<Option<Vec<u8>>> {
        on_backend!(self, pool => {
            Ok(sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
                .bind(seq)
                .fetch_optional(pool)
                .await?)
        })
    }
}

/// The stored head: sequence number, hash, time, public key, signature.
type SignedHead = (i64, Vec<u8>, OffsetDateTime, Vec<u8>, Vec<u8>);

/// Checks the signed head against the log's end: entries cut from the end (even after the last
/// checkpoint) leave the head pointing past it.
fn head_problems(
    public: &ed25519_dalek::VerifyingKey,
    head: Option<SignedHead>,
    records: &[AuditRecord],
) -> Vec<AuditProblem> {
    let bad = |reason: &str| {
        vec![AuditProblem::BadHead {
            reason: reason.to_owned(),
        }]
    };
    let last = records.last();
    let Some((seq, hash, at, key, signature)) = head else {
        return match last {
            None => Vec::new(),
            Some(last) => bad(&format!(
                "there is none, yet the log has {} entries (deleted, or written before the head existed: run `whereabouts audit checkpoint`)",
                last.seq
            )),
        };
    };
    if key.as_slice() != public.to_bytes().as_slice() {
        return bad("signed by a key that is not the instance's");
    }
    let Ok(signature) = <[u8; 64]>::try_from(signature.as_slice()) else {
        return bad("malformed signature");
    };
    let signature = ed25519_dalek::Signature::from_bytes(&signature);
    if public
        .verify(&head_message(seq, &hash, at), &signature)
        .is_err()
    {
        return bad("the signature does not verify");
    }
    let last_seq = last.map_or(0, |r| r.seq);
    if seq > last_seq {
        return vec![AuditProblem::Cut {
            last: last_seq,
            head: seq,
        }];
    }
    match records.iter().find(|r| r.seq == seq) {
        Some(record) if record.hash == hash => {}
        Some(_) => return bad(&format!("entry {seq}'s hash differs from the signed one")),
        None => {} // reported as deleted by the chain walk
    }
    if seq < last_seq {
        return bad(&format!(
            "entries {} to {last_seq} were written without moving the head",
            seq + 1
        ));
    }
    Vec::new()
}

/// Checks the log against a head saved outside the database: the log must reach that entry,
/// and hold the signed hash there.
fn witness_problems(
    public: &ed25519_dalek::VerifyingKey,
    saved: &crate::witness::SavedHead,
    records: &[AuditRecord],
) -> Vec<AuditProblem> {
    if let Err(reason) = saved.verifies(public) {
        return vec![AuditProblem::BadWitness { reason }];
    }
    let last = records.last().map_or(0, |r| r.seq);
    if saved.seq > last {
        return vec![AuditProblem::RolledBack {
            last,
            saved: saved.seq,
        }];
    }
    match records.iter().find(|r| r.seq == saved.seq) {
        Some(record) if record.hash == saved.hash => Vec::new(),
        Some(_) => vec![AuditProblem::Replaced { seq: saved.seq }],
        None => Vec::new(), // reported as deleted by the chain walk
    }
}

/// The chain walk, separate from the database so its rules can be read at once.
fn chain_problems(key: &[u8; 32], records: &[AuditRecord]) -> Vec<AuditProblem> {
    let mut problems = Vec::new();
    let position_of_hash: std::collections::HashMap<&[u8], usize> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.hash.as_slice(), i))
        .collect();
    let mut expected_seq = 1;
    let mut prev_hash: &[u8] = &GENESIS;
    for (i, record) in records.iter().enumerate() {
        if record.seq > expected_seq {
            problems.push(AuditProblem::Deleted {
                first: expected_seq,
                last: record.seq - 1,
            });
        }
        expected_seq = record.seq + 1;
        if record.prev_hash != prev_hash {
            match position_of_hash.get(record.prev_hash.as_slice()) {
                // It links to an entry further back: the ones in between were inserted.
                Some(&p) if p + 1 < i => {
                    for inserted in &records[p + 1..i] {
                        // A swapped pair also makes the entry after it link backwards.
                        let explained = problems.iter().any(|q| {
                            matches!(q, AuditProblem::Reordered { seq, written_after }
                                if *seq == inserted.seq || *written_after == inserted.seq)
                        });
                        if !explained {
                            problems.push(AuditProblem::Inserted { seq: inserted.seq });
                        }
                    }
                }
                // It links to an entry now after it: positions were swapped.
                Some(&p) if p >= i => problems.push(AuditProblem::Reordered {
                    seq: record.seq,
                    written_after: records[p].seq,
                }),
                Some(_) => {}
                None if record.prev_hash == GENESIS && i > 0 => {
                    problems.push(AuditProblem::Reordered {
                        seq: record.seq,
                        written_after: 0,
                    })
                }
                None => {
                    // Deleted entries already explain a gap in the numbers.
                    if !matches!(problems.last(), Some(AuditProblem::Deleted { last, .. }) if *last == record.seq - 1)
                    {
                        problems.push(AuditProblem::Broken { seq: record.seq });
                    }
                }
            }
        }
        if mac(key, record) != record.hash {
            problems.push(AuditProblem::Edited { seq: record.seq });
        }
        prev_hash = &record.hash;
    }
    dedup_inserted(problems)
}

/// An inserted entry also fails its MAC (it was forged without the key): report it once, as
/// inserted.
fn dedup_inserted(problems: Vec<AuditProblem>) -> Vec<AuditProblem> {
    let inserted: Vec<i64> = problems
        .iter()
        .filter_map(|p| match p {
            AuditProblem::Inserted { seq } => Some(*seq),
            _ => None,
        })
        .collect();
    let mut out: Vec<AuditProblem> = problems
        .into_iter()
        .filter(|p| !matches!(p, AuditProblem::Edited { seq } if inserted.contains(seq)))
        .collect();
    out.sort_by_key(|p| match p {
        AuditProblem::Edited { seq }
        | AuditProblem::Inserted { seq }
        | AuditProblem::Reordered { seq, .. }
        | AuditProblem::Broken { seq }
        | AuditProblem::BadCheckpoint { seq, .. } => *seq,
        AuditProblem::Deleted { first, .. } => *first,
        AuditProblem::Truncated { last, .. }
        | AuditProblem::Cut { last, .. }
        | AuditProblem::RolledBack { last, .. } => *last,
        AuditProblem::Replaced { seq } => *seq,
        AuditProblem::BadHead { .. } | AuditProblem::BadWitness { .. } => i64::MAX,
    });
    out.dedup();
    out
}
