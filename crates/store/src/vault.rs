//! The store's side of the key hierarchy (SEC-3): each tenant's data keys live in `data_keys`,
//! wrapped by a master key that the [`KeyProvider`] holds outside the database; unwrapped keys
//! are kept in memory only. Other modules seal and open a tenant's fields through
//! [`Store::vault`].
//!
//! Which master key: [`Store::open`] takes [`vault::MASTER_KEY_ENV`] or
//! [`vault::MASTER_KEY_FILE_ENV`] if set, otherwise (SQLite) the key file beside the database,
//! `<file>.master-key`, created with mode 0600 for a new database. [`Store::open_with`] takes
//! any provider (a KMS or HSM client implements [`KeyProvider`]).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use time::OffsetDateTime;
use uuid::Uuid;
use vault::{DataKey, KeyProvider, MasterKeyId, VaultError};
use zeroize::Zeroizing;

use crate::error::{StoreError, StoreResult};
use crate::scope::TenantScope;
use crate::{Store, on_backend};

/// The owner of the instance's own secrets (TOTP secrets, the audit key, the signing key).
pub(crate) const INSTANCE_OWNER: Uuid = Uuid::nil();

/// Prefix of a sealed value kept in a text column: `wv1:` and the sealed bytes in hex.
pub const SEALED_TEXT_PREFIX: &str = "wv1:";

/// The key file used for a SQLite database when the environment names none.
#[must_use]
pub fn default_key_file(database: &Path) -> PathBuf {
    let name = database.file_name().map_or_else(
        || "whereabouts".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    database.with_file_name(format!("{name}.master-key"))
}

/// Unwrapped data keys in memory, and the master key provider.
pub(crate) struct KeyState {
    provider: Option<Arc<dyn KeyProvider>>,
    keys: Mutex<HashMap<(Uuid, u32), DataKey>>,
}

impl fmt::Debug for KeyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.provider {
            Some(provider) => write!(f, "KeyState({})", provider.describe()),
            None => f.write_str("KeyState(no master key)"),
        }
    }
}

impl KeyState {
    pub(crate) fn new(provider: Option<Arc<dyn KeyProvider>>) -> Self {
        Self {
            provider,
            keys: Mutex::new(HashMap::new()),
        }
    }

    fn provider(&self) -> StoreResult<&Arc<dyn KeyProvider>> {
        self.provider
            .as_ref()
            .ok_or(StoreError::Vault(VaultError::NoMasterKey))
    }

    fn cached(&self, owner: Uuid, version: u32) -> Option<DataKey> {
        self.keys
            .lock()
            .ok()
            .and_then(|k| k.get(&(owner, version)).cloned())
    }

    /// Drops a retired key from memory.
    pub(crate) fn forget(&self, owner: Uuid, version: u32) {
        if let Ok(mut keys) = self.keys.lock() {
            keys.remove(&(owner, version));
        }
    }

    fn remember(&self, owner: Uuid, version: u32, key: DataKey) {
        if let Ok(mut keys) = self.keys.lock() {
            keys.insert((owner, version), key);
        }
    }
}

/// One row of `data_keys`, without the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataKeyInfo {
    /// The tenant, or the nil UUID for the instance's own key.
    pub owner: Uuid,
    pub version: u32,
    pub master_key_id: String,
    pub created_at: OffsetDateTime,
    pub rewrapped_at: Option<OffsetDateTime>,
}

/// A tenant's current data key held for one batch ([`Vault::sealer`]): seals like
/// [`Vault::seal_text`], without a query.
pub(crate) struct Sealer {
    owner: Uuid,
    version: u32,
    key: DataKey,
}

impl Sealer {
    /// As [`Vault::seal_text`].
    pub(crate) fn seal_text(&self, context: &str, plaintext: &str) -> StoreResult<String> {
        let sealed = vault::seal(
            &self.key,
            self.owner,
            self.version,
            context,
            plaintext.as_bytes(),
        )?;
        Ok(format!("{SEALED_TEXT_PREFIX}{}", hex::encode(sealed)))
    }
}

/// Sealing and opening a tenant's fields. Obtain it with [`Store::vault`].
#[derive(Clone, Copy, Debug)]
pub struct Vault<'a> {
    store: &'a Store,
}

impl Store {
    /// The tenant keys: seal and open protected fields.
    #[must_use]
    pub fn vault(&self) -> Vault<'_> {
        Vault { store: self }
    }

    /// Where the master key comes from (never the key), or `None` without one.
    #[must_use]
    pub fn key_provider(&self) -> Option<Arc<dyn KeyProvider>> {
        self.keys.provider.clone()
    }
}

impl Vault<'_> {
    /// Seals `plaintext` for the scope's tenant, bound to `context` (e.g. `"interviews.notes"`,
    /// or with the row: `"interviews.notes:<id>"`). The same context opens it.
    ///
    /// # Errors
    /// Without a master key, or when the database fails.
    pub async fn seal(
        &self,
        scope: &TenantScope,
        context: &str,
        plaintext: &[u8],
    ) -> StoreResult<Vec<u8>> {
        self.seal_for(*scope.tenant().as_uuid(), context, plaintext)
            .await
    }

    /// The scope's current data key (created if missing, before the batch's transaction, so
    /// that sealing inside it only reads: on SQLite, creating the key from another connection
    /// would wait for the transaction's lock), to seal many values in one batch without
    /// reading the key's version once per value (`protection::batch`: at 10^5 follow-ups those
    /// three reads per follow-up, outside the transaction, were much of the loading time).
    pub(crate) async fn sealer(&self, scope: &TenantScope) -> StoreResult<Sealer> {
        let owner = *scope.tenant().as_uuid();
        let (version, key) = self.current_key(owner).await?;
        Ok(Sealer {
            owner,
            version,
            key,
        })
    }

    /// Opens a value sealed by [`Self::seal`] for the same tenant and context.
    ///
    /// Callers that show the value to a person log the read with its purpose
    /// ([`Store::audit`], action `read`).
    ///
    /// # Errors
    /// [`StoreError::Vault`] when it does not open (altered, another tenant or field).
    pub async fn open(
        &self,
        scope: &TenantScope,
        context: &str,
        sealed: &[u8],
    ) -> StoreResult<Zeroizing<Vec<u8>>> {
        self.open_for(*scope.tenant().as_uuid(), context, sealed)
            .await
    }

    /// [`Self::seal`] for a text column: `wv1:` followed by hex.
    ///
    /// # Errors
    /// As [`Self::seal`].
    pub async fn seal_text(
        &self,
        scope: &TenantScope,
        context: &str,
        plaintext: &str,
    ) -> StoreResult<String> {
        let sealed = self.seal(scope, context, plaintext.as_bytes()).await?;
        Ok(format!("{SEALED_TEXT_PREFIX}{}", hex::encode(sealed)))
    }

    /// Opens a text column written by [`Self::seal_text`]. A value without the `wv1:` prefix was
    /// written before encryption and is returned as it is.
    ///
    /// # Errors
    /// As [`Self::open`], or when the opened bytes are not UTF-8.
    pub async fn open_text(
        &self,
        scope: &TenantScope,
        context: &str,
        stored: &str,
    ) -> StoreResult<String> {
        let Some(hex_text) = stored.strip_prefix(SEALED_TEXT_PREFIX) else {
            return Ok(stored.to_owned());
        };
        let sealed = hex::decode(hex_text)
            .map_err(|_| StoreError::Vault(VaultError::Malformed("sealed text is not hex")))?;
        let plain = self.open(scope, context, &sealed).await?;
        String::from_utf8(plain.to_vec())
            .map_err(|_| StoreError::Corrupt(format!("{context}: sealed text is not UTF-8")))
    }

    pub(crate) async fn seal_for(
        &self,
        owner: Uuid,
        context: &str,
        plaintext: &[u8],
    ) -> StoreResult<Vec<u8>> {
        let (version, key) = self.current_key(owner).await?;
        Ok(vault::seal(&key, owner, version, context, plaintext)?)
    }

    pub(crate) async fn open_for(
        &self,
        owner: Uuid,
        context: &str,
        sealed: &[u8],
    ) -> StoreResult<Zeroizing<Vec<u8>>> {
        let header = vault::sealed_header(sealed)?;
        // An owner without that key version cannot have sealed it: the value belongs elsewhere.
        let key = match self.key(owner, header.key_version).await {
            Err(StoreError::NotFound) => return Err(StoreError::Vault(VaultError::Decryption)),
            other => other?,
        };
        Ok(vault::open(&key, owner, context, sealed)?)
    }

    /// A key derived from the owner's current data key for `label` (the audit chain's MAC key).
    pub(crate) async fn subkey(
        &self,
        owner: Uuid,
        label: &str,
    ) -> StoreResult<Zeroizing<[u8; 32]>> {
        let key = self.key(owner, 1).await;
        let key = match key {
            Ok(key) => key,
            Err(StoreError::NotFound) => self.current_key(owner).await?.1,
            Err(error) => return Err(error),
        };
        Ok(vault::derive_subkey(&key, label))
    }

    /// The owner's newest data key, created (version 1) if it has none. The newest version is
    /// read from the database on every seal (one indexed lookup), so that a data-key rotation by
    /// another process is followed at once and nothing new is sealed under a version about to
    /// be retired.
    async fn current_key(&self, owner: Uuid) -> StoreResult<(u32, DataKey)> {
        let version = match self.newest_version(owner).await? {
            Some(version) => version,
            None => {
                self.create_key(owner).await?;
                self.newest_version(owner)
                    .await?
                    .ok_or(StoreError::NotFound)?
            }
        };
        let key = self.key(owner, version).await?;
        Ok((version, key))
    }

    pub(crate) async fn newest_version(&self, owner: Uuid) -> StoreResult<Option<u32>> {
        let version: Option<i32> = on_backend!(self.store, pool => {
            sqlx::query_scalar("SELECT MAX(version) FROM data_keys WHERE owner_id = $1")
                .bind(owner)
                .fetch_one(pool)
                .await?
        });
        Ok(version.and_then(|v| u32::try_from(v).ok()))
    }

    async fn create_key(&self, owner: Uuid) -> StoreResult<()> {
        self.create_version(owner, 1).await.map(|_| ())
    }

    /// Creates version `version` of the owner's data key (a rotation's new key), wrapped under
    /// the current master key. Returns the version.
    pub(crate) async fn create_version(&self, owner: Uuid, version: u32) -> StoreResult<u32> {
        let master = self.store.keys.provider()?.current()?;
        let key = DataKey::generate()?;
        let wrapped = vault::wrap_data_key(&master, owner, version, &key)?;
        let stored = i32::try_from(version)
            .map_err(|_| StoreError::Vault(VaultError::Malformed("key version")))?;
        // Two processes may race to create the same version: the second insert does nothing and
        // both then read the one that landed.
        on_backend!(self.store, pool => {
            sqlx::query("INSERT INTO data_keys (owner_id, version, master_key_id, wrapped, created_at) VALUES ($1, $5, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(owner)
                .bind(master.id().as_str())
                .bind(wrapped)
                .bind(OffsetDateTime::now_utc())
                .bind(stored)
                .execute(pool)
                .await?;
        });
        Ok(version)
    }

    /// The owner's data key of `version`, unwrapped (from memory if seen before).
    pub(crate) async fn key(&self, owner: Uuid, version: u32) -> StoreResult<DataKey> {
        let state = &self.store.keys;
        if let Some(key) = state.cached(owner, version) {
            return Ok(key);
        }
        let stored_version = i32::try_from(version)
            .map_err(|_| StoreError::Vault(VaultError::Malformed("key version")))?;
        let row: Option<(String, Vec<u8>, Option<OffsetDateTime>)> = on_backend!(self.store, pool => {
            sqlx::query_as("SELECT master_key_id, wrapped, retired_at FROM data_keys WHERE owner_id = $1 AND version = $2")
                .bind(owner)
                .bind(stored_version)
                .fetch_optional(pool)
                .await?
        });
        let (master_id, wrapped, retired) = row.ok_or(StoreError::NotFound)?;
        if retired.is_some() {
            return Err(StoreError::Vault(VaultError::Malformed(
                "the value is sealed under a retired data key version",
            )));
        }
        let master = state
            .provider()?
            .get(&MasterKeyId::from_stored(&master_id))?;
        let key = vault::unwrap_data_key(&master, owner, version, &wrapped)?;
        state.remember(owner, version, key.clone());
        Ok(key)
    }

    /// Every data key's metadata (no key material), for `whereabouts keys status`.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn data_keys(&self) -> StoreResult<Vec<DataKeyInfo>> {
        type Row = (Uuid, i32, String, OffsetDateTime, Option<OffsetDateTime>);
        let rows: Vec<Row> = on_backend!(self.store, pool => {
            sqlx::query_as("SELECT owner_id, version, master_key_id, created_at, rewrapped_at FROM data_keys ORDER BY owner_id, version")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(owner, version, master_key_id, created_at, rewrapped_at)| DataKeyInfo {
                    owner,
                    version: u32::try_from(version).unwrap_or_default(),
                    master_key_id,
                    created_at,
                    rewrapped_at,
                },
            )
            .collect())
    }

    /// Rewraps every data key not yet under the provider's current master key, one row at a
    /// time; running servers keep their unwrapped keys and read the new wrapping when they
    /// next need it, so nothing stops. Returns how many keys were rewrapped.
    ///
    /// # Errors
    /// When an old master key is no longer available, or the database fails.
    pub async fn rewrap_all(&self) -> StoreResult<usize> {
        let provider = self.store.keys.provider()?;
        let current = provider.current()?;
        type Row = (Uuid, i32, String, Vec<u8>);
        let rows: Vec<Row> = on_backend!(self.store, pool => {
            sqlx::query_as("SELECT owner_id, version, master_key_id, wrapped FROM data_keys WHERE master_key_id <> $1 AND retired_at IS NULL")
                .bind(current.id().as_str())
                .fetch_all(pool)
                .await?
        });
        let mut done = 0;
        for (owner, version, old_id, wrapped) in rows {
            let version_u = u32::try_from(version)
                .map_err(|_| StoreError::Vault(VaultError::Malformed("key version")))?;
            let old = provider.get(&MasterKeyId::from_stored(&old_id))?;
            let key = vault::unwrap_data_key(&old, owner, version_u, &wrapped)?;
            let rewrapped = vault::wrap_data_key(&current, owner, version_u, &key)?;
            let changed = on_backend!(self.store, pool => {
                sqlx::query("UPDATE data_keys SET master_key_id = $1, wrapped = $2, rewrapped_at = $3 WHERE owner_id = $4 AND version = $5 AND master_key_id = $6")
                    .bind(current.id().as_str())
                    .bind(rewrapped)
                    .bind(OffsetDateTime::now_utc())
                    .bind(owner)
                    .bind(version)
                    .bind(&old_id)
                    .execute(pool)
                    .await?
                    .rows_affected()
            });
            done += usize::try_from(changed).unwrap_or_default();
        }
        Ok(done)
    }

    /// The master key ids the database still depends on.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn master_keys_in_use(&self) -> StoreResult<Vec<String>> {
        Ok(on_backend!(self.store, pool => {
            sqlx::query_scalar("SELECT DISTINCT master_key_id FROM data_keys WHERE retired_at IS NULL ORDER BY master_key_id")
                .fetch_all(pool)
                .await?
        }))
    }
}
