//! Data-key rotation for one tenant (SEC-3): a new version of the tenant's data key, every
//! protected field re-sealed under it in batches, and the old versions retired (their wrapped
//! keys erased) once nothing uses them.
//!
//! Each batch is one transaction that rewrites a value only if it is still the one read
//! (compare and swap), so a crash between or inside batches leaves every value sealed under
//! either the old or the new version, and both are readable until retirement. Running the
//! rotation again resumes: it first finishes moving values still under older versions to the
//! newest one, and only starts a new version when nothing is left behind.
//!
//! What is re-sealed: [`SEALED_COLUMNS`]. Evidence files (sealed in chunks on disk,
//! `evidence_files.rs`) are not rewritten; while a tenant has any, its old versions are kept.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use uuid::Uuid;
use vault::VaultError;

use crate::error::{StoreError, StoreResult};
use crate::rows::ScopedPool;
use crate::scope::TenantScope;
use crate::vault::SEALED_TEXT_PREFIX;
use crate::{Store, on_backend};

/// Every column that holds a value sealed with a tenant's data key, as `table.column`; the
/// value's context is `table.column:<row id>`.
pub const SEALED_COLUMNS: [&str; 11] = [
    "tracing_requests.enquirer_contact",
    "tracing_requests.circumstances",
    "transmission_keys.signing_seed",
    "transmission_keys.encryption_secret",
    "follow_ups.health",
    "follow_ups.family_contact",
    "follow_ups.messages",
    "allegations.narrative",
    "interviews.notes",
    "representations.text",
    "representation_replies.text",
];

/// What a rotation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotationReport {
    /// The version every value is now sealed under.
    pub version: u32,
    /// Whether this run finished an interrupted rotation instead of starting a new one.
    pub resumed: bool,
    pub resealed: usize,
    /// Versions whose wrapped key was erased.
    pub retired: Vec<u32>,
    /// Versions kept, and why.
    pub kept: Vec<(u32, String)>,
}

/// How many sealed values of the tenant each key version holds.
pub type VersionCounts = BTreeMap<u32, usize>;

/// What [`Store::check_sealed`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SealedCheck {
    /// Values that opened, by key version.
    pub opened: VersionCounts,
    /// Values that did not open, as `table.column:<row id> (version n): reason`.
    pub failed: Vec<String>,
}

/// A stored value: hex text (`wv1:…`) or bytes. Values written before sealing (text without the
/// prefix, 32-byte transmission secrets) belong to no version and are left alone.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stored {
    Text(String),
    Bytes(Vec<u8>),
}

impl Stored {
    fn sealed(&self) -> Option<Vec<u8>> {
        match self {
            Self::Text(text) => hex::decode(text.strip_prefix(SEALED_TEXT_PREFIX)?).ok(),
            Self::Bytes(bytes) if bytes.len() == 32 => None,
            Self::Bytes(bytes) => Some(bytes.clone()),
        }
    }

    fn version(&self) -> StoreResult<Option<u32>> {
        self.sealed()
            .map(|sealed| Ok(vault::sealed_header(&sealed)?.key_version))
            .transpose()
    }

    fn with(&self, sealed: Vec<u8>) -> Self {
        match self {
            Self::Text(_) => Self::Text(format!("{SEALED_TEXT_PREFIX}{}", hex::encode(sealed))),
            Self::Bytes(_) => Self::Bytes(sealed),
        }
    }
}

/// One page of a column: `(row id as text, value)`, and the id to continue after.
struct Page {
    rows: Vec<(RowId, Stored)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum RowId {
    Uuid(Uuid),
    Text(String),
}

impl std::fmt::Display for RowId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Uuid(id) => id.fmt(f),
            Self::Text(id) => f.write_str(id),
        }
    }
}

/// Every sealed column of a tenant, a page of 1,000 rows at a time, in column then id order.
#[derive(Default)]
struct SealedWalk {
    column: usize,
    after: Option<RowId>,
}

impl SealedWalk {
    /// The next page and its column; `None` once every column is read.
    async fn next(
        &mut self,
        store: &Store,
        scope: &TenantScope,
    ) -> StoreResult<Option<(&'static str, Vec<(RowId, Stored)>)>> {
        while let Some(column) = SEALED_COLUMNS.get(self.column).copied() {
            let page = store
                .sealed_page(scope, column, self.after.as_ref(), 1000)
                .await?;
            match page.rows.last() {
                Some((last, _)) => {
                    self.after = Some(last.clone());
                    return Ok(Some((column, page.rows)));
                }
                None => {
                    self.column += 1;
                    self.after = None;
                }
            }
        }
        Ok(None)
    }
}

/// The rows of one sealed column after `after`, in id order.
macro_rules! page {
    ($tx:expr, $tenant:expr, $after:expr, $limit:expr, $column:expr) => {{
        let tx = $tx;
        let tenant: Uuid = $tenant;
        let limit: i64 = $limit;
        let mut rows = Vec::new();
        match $column {
            "transmission_keys.signing_seed" | "transmission_keys.encryption_secret" => {
                let after = match $after { Some(RowId::Text(id)) => id.clone(), _ => String::new() };
                let found: Vec<(String, Option<Vec<u8>>)> = if $column == "transmission_keys.signing_seed" {
                    sqlx::query_as("SELECT id, signing_seed FROM transmission_keys WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3")
                        .bind(tenant).bind(after).bind(limit).fetch_all(&mut **tx).await?
                } else {
                    sqlx::query_as("SELECT id, encryption_secret FROM transmission_keys WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3")
                        .bind(tenant).bind(after).bind(limit).fetch_all(&mut **tx).await?
                };
                for (id, value) in found {
                    rows.push((RowId::Text(id), value.map(Stored::Bytes)));
                }
            }
            column => {
                let after = match $after { Some(RowId::Uuid(id)) => *id, _ => Uuid::nil() };
                let sql = match column {
                    "tracing_requests.enquirer_contact" => "SELECT id, enquirer_contact FROM tracing_requests WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                    "tracing_requests.circumstances" => "SELECT id, circumstances FROM tracing_requests WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                    "follow_ups.health" => "SELECT id, health FROM follow_ups WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                    "follow_ups.family_contact" => "SELECT id, family_contact FROM follow_ups WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                    "follow_ups.messages" => "SELECT id, messages FROM follow_ups WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                    "allegations.narrative" => "SELECT id, narrative FROM allegations WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                    "interviews.notes" => "SELECT id, notes FROM interviews WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                    "representations.text" => "SELECT id, text FROM representations WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                    "representation_replies.text" => "SELECT id, text FROM representation_replies WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                    other => return Err(StoreError::Invalid(format!("{other} is not a sealed column"))),
                };
                let found: Vec<(Uuid, Option<String>)> = sqlx::query_as(sql)
                    .bind(tenant).bind(after).bind(limit).fetch_all(&mut **tx).await?;
                for (id, value) in found {
                    rows.push((RowId::Uuid(id), value.map(Stored::Text)));
                }
            }
        }
        rows
    }};
}

/// Rewrites one value if it is still `old` (compare and swap); evaluates to the rows changed.
macro_rules! swap {
    ($tx:expr, $tenant:expr, $column:expr, $id:expr, $old:expr, $new:expr) => {{
        let tx = $tx;
        let tenant: Uuid = $tenant;
        let (table, field) = $column.split_once('.').unwrap_or(("", ""));
        let sql = format!(
            "UPDATE {table} SET {field} = $1 WHERE tenant_id = $2 AND id = $3 AND {field} = $4"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql));
        let query = match $new {
            Stored::Text(new) => query.bind(new.clone()),
            Stored::Bytes(new) => query.bind(new.clone()),
        };
        let query = query.bind(tenant);
        let query = match $id {
            RowId::Uuid(id) => query.bind(*id),
            RowId::Text(id) => query.bind(id.clone()),
        };
        let query = match $old {
            Stored::Text(old) => query.bind(old.clone()),
            Stored::Bytes(old) => query.bind(old.clone()),
        };
        query.execute(&mut **tx).await?.rows_affected()
    }};
}

impl Store {
    /// How many of the tenant's sealed values each data key version holds (for `keys status`
    /// and for deciding what may be retired).
    ///
    /// # Errors
    /// When the database fails or a stored value is malformed.
    pub async fn sealed_versions(&self, scope: &TenantScope) -> StoreResult<VersionCounts> {
        let mut counts = VersionCounts::new();
        let mut walk = SealedWalk::default();
        while let Some((_, rows)) = walk.next(self, scope).await? {
            for (_, value) in &rows {
                if let Some(version) = value.version()? {
                    *counts.entry(version).or_default() += 1;
                }
            }
        }
        Ok(counts)
    }

    /// Opens every sealed value of the tenant, each with its own field context: after a crash,
    /// a restore or a rotation, proof that nothing became unreadable. The plain values are
    /// dropped at once; only counts and the names of the values that fail are kept.
    ///
    /// # Errors
    /// When the database fails or the master key is missing.
    pub async fn check_sealed(&self, scope: &TenantScope) -> StoreResult<SealedCheck> {
        let owner = *scope.tenant().as_uuid();
        let vault = self.vault();
        let mut check = SealedCheck::default();
        let mut walk = SealedWalk::default();
        while let Some((column, rows)) = walk.next(self, scope).await? {
            for (id, value) in &rows {
                let Some(sealed) = value.sealed() else {
                    continue;
                };
                let context = format!("{column}:{id}");
                let version = vault::sealed_header(&sealed).map(|h| h.key_version);
                match (version, vault.open_for(owner, &context, &sealed).await) {
                    (Ok(version), Ok(_)) => *check.opened.entry(version).or_default() += 1,
                    (Ok(version), Err(e)) => {
                        check
                            .failed
                            .push(format!("{context} (version {version}): {e}"));
                    }
                    (Err(e), _) => check.failed.push(format!("{context}: {e}")),
                }
            }
        }
        Ok(check)
    }

    async fn sealed_page(
        &self,
        scope: &TenantScope,
        column: &str,
        after: Option<&RowId>,
        limit: i64,
    ) -> StoreResult<Page> {
        let tenant = *scope.tenant().as_uuid();
        let rows: Vec<(RowId, Option<Stored>)> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = page!(&mut tx, tenant, after, limit, column);
            tx.commit().await?;
            rows
        });
        Ok(Page {
            rows: rows
                .into_iter()
                .filter_map(|(id, value)| value.map(|v| (id, v)))
                .collect(),
        })
    }

    /// Rotates the scope's tenant's data key: finishes an interrupted rotation if values are
    /// still sealed under older versions, otherwise makes a new version; re-seals every value
    /// under it, `batch` rows per transaction; then, with `retire_after`, retires each older
    /// version that no value uses any more, once the newest version has been the newest for at
    /// least that long (`None` keeps them all). The wait closes a race: a writer that read the
    /// old version just before the new one was made may still be about to store a value sealed
    /// under it; after the grace period no such writer is still in flight, so the rotation never
    /// erases a key a value still needs. `stop_after` ends the run after that many batches,
    /// as a crash would (for tests and for spreading the work over several runs).
    ///
    /// # Errors
    /// Without the master key, when an old version no longer opens a value, or when the
    /// database fails. Nothing is lost on an error: every value is sealed under a version
    /// that is kept.
    pub async fn rotate_data_key(
        &self,
        scope: &TenantScope,
        batch: usize,
        retire_after: Option<time::Duration>,
        stop_after: Option<usize>,
    ) -> StoreResult<RotationReport> {
        let owner = *scope.tenant().as_uuid();
        let vault = self.vault();
        let newest = vault.newest_version(owner).await?;
        let before = self.sealed_versions(scope).await?;
        let behind = newest.is_some_and(|n| before.keys().any(|v| *v < n));
        let (version, resumed) = match newest {
            Some(n) if behind => (n, true),
            Some(n) => (vault.create_version(owner, n + 1).await?, false),
            None => (vault.create_version(owner, 1).await?, false),
        };
        let target = vault.key(owner, version).await?;
        let mut resealed = 0;
        let mut batches = 0;
        let batch = i64::try_from(batch.max(1)).unwrap_or(1000);
        for column in SEALED_COLUMNS {
            let mut after: Option<RowId> = None;
            loop {
                if stop_after.is_some_and(|limit| batches >= limit) {
                    return Ok(RotationReport {
                        version,
                        resumed,
                        resealed,
                        retired: Vec::new(),
                        kept: vec![(version, "stopped before the end".into())],
                    });
                }
                let page = self
                    .sealed_page(scope, column, after.as_ref(), batch)
                    .await?;
                let Some((last, _)) = page.rows.last() else {
                    break;
                };
                after = Some(last.clone());
                let mut changes = Vec::new();
                for (id, value) in page.rows {
                    let Some(sealed) = value.sealed() else {
                        continue;
                    };
                    if vault::sealed_header(&sealed)?.key_version == version {
                        continue;
                    }
                    let context = format!("{column}:{id}");
                    let plain = vault.open_for(owner, &context, &sealed).await?;
                    let fresh = vault::seal(&target, owner, version, &context, &plain)?;
                    changes.push((id, value.clone(), value.with(fresh)));
                }
                if !changes.is_empty() {
                    resealed += self.swap_batch(scope, column, &changes).await?;
                }
                batches += 1;
            }
        }
        let mut report = RotationReport {
            version,
            resumed,
            resealed,
            retired: Vec::new(),
            kept: Vec::new(),
        };
        if let Some(grace) = retire_after {
            self.retire_unused(scope, version, grace, &mut report)
                .await?;
        }
        Ok(report)
    }

    /// Retires the tenant's older data-key versions that no value uses, once the newest has
    /// been the newest for `grace` (what a rotation run too early left for later). Makes no new
    /// version and re-seals nothing.
    ///
    /// # Errors
    /// Without the master key, or when the database fails.
    pub async fn retire_data_keys(
        &self,
        scope: &TenantScope,
        grace: time::Duration,
    ) -> StoreResult<RotationReport> {
        let owner = *scope.tenant().as_uuid();
        let Some(version) = self.vault().newest_version(owner).await? else {
            return Err(StoreError::Invalid(
                "this tenant has no data key yet: nothing to retire".into(),
            ));
        };
        let mut report = RotationReport {
            version,
            resumed: false,
            resealed: 0,
            retired: Vec::new(),
            kept: Vec::new(),
        };
        self.retire_unused(scope, version, grace, &mut report)
            .await?;
        Ok(report)
    }

    async fn swap_batch(
        &self,
        scope: &TenantScope,
        column: &str,
        changes: &[(RowId, Stored, Stored)],
    ) -> StoreResult<usize> {
        let tenant = *scope.tenant().as_uuid();
        let mut done = 0u64;
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            for (id, old, new) in changes {
                done += swap!(&mut tx, tenant, column, id, old, new);
            }
            tx.commit().await?;
        });
        Ok(usize::try_from(done).unwrap_or(usize::MAX))
    }

    /// Retires every version below `current` that no value uses, once `current` has been the
    /// newest for `grace`: its wrapped key is erased, so not even the master key opens it again.
    async fn retire_unused(
        &self,
        scope: &TenantScope,
        current: u32,
        grace: time::Duration,
        report: &mut RotationReport,
    ) -> StoreResult<()> {
        let owner = *scope.tenant().as_uuid();
        let stored_current = i32::try_from(current)
            .map_err(|_| StoreError::Vault(VaultError::Malformed("key version")))?;
        let made: OffsetDateTime = on_backend!(self, pool => {
            sqlx::query_scalar("SELECT created_at FROM data_keys WHERE owner_id = $1 AND version = $2")
                .bind(owner)
                .bind(stored_current)
                .fetch_one(pool)
                .await?
        });
        let newest_for = OffsetDateTime::now_utc() - made;
        let too_soon = newest_for < grace;
        let in_use = self.sealed_versions(scope).await?;
        let files: i64 = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let n = sqlx::query_scalar("SELECT COUNT(*) FROM evidence_items WHERE tenant_id = $1 AND stored_as IS NOT NULL")
                .bind(owner)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            n
        });
        let live: Vec<i32> = on_backend!(self, pool => {
            sqlx::query_scalar("SELECT version FROM data_keys WHERE owner_id = $1 AND retired_at IS NULL ORDER BY version")
                .bind(owner)
                .fetch_all(pool)
                .await?
        });
        for version in live {
            let Ok(version) = u32::try_from(version) else {
                continue;
            };
            if version >= current {
                continue;
            }
            if let Some(n) = in_use.get(&version) {
                report
                    .kept
                    .push((version, format!("{n} values are still sealed under it")));
                continue;
            }
            if too_soon {
                report.kept.push((
                    version,
                    format!(
                        "version {current} has been the newest for {} s of the {} s a writer \
                         may still hold a value sealed under an older one; run `keys retire-data` \
                         later to retire it",
                        newest_for.whole_seconds().max(0),
                        grace.whole_seconds()
                    ),
                ));
                continue;
            }
            if files > 0 {
                report.kept.push((
                    version,
                    format!("{files} evidence files are sealed on disk and are not re-sealed"),
                ));
                continue;
            }
            let stored = i32::try_from(version)
                .map_err(|_| StoreError::Vault(VaultError::Malformed("key version")))?;
            on_backend!(self, pool => {
                sqlx::query("UPDATE data_keys SET wrapped = $1, retired_at = $2 WHERE owner_id = $3 AND version = $4 AND retired_at IS NULL")
                    .bind(Vec::<u8>::new())
                    .bind(OffsetDateTime::now_utc())
                    .bind(owner)
                    .bind(stored)
                    .execute(pool)
                    .await?;
            });
            self.keys.forget(owner, version);
            report.retired.push(version);
        }
        Ok(())
    }
}
