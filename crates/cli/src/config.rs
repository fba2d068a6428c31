//! Where the data lives, resolved once from flags and the environment.

use std::path::{Path, PathBuf};

use anyhow::Context;
use store::{DatabaseUrl, Store};

/// The environment variable naming the file that keeps the audit head outside the database.
pub const AUDIT_WITNESS_ENV: &str = "WHEREABOUTS_AUDIT_WITNESS";

pub struct Locations {
    pub data_dir: PathBuf,
    database_url: Option<String>,
}

impl Locations {
    pub fn new(data_dir: PathBuf, database_url: Option<String>) -> Self {
        Self {
            data_dir,
            database_url,
        }
    }

    /// The database URL: the flag or environment, or the SQLite file in the data directory.
    pub fn url(&self) -> anyhow::Result<DatabaseUrl> {
        match &self.database_url {
            Some(text) => Ok(DatabaseUrl::parse(text)?),
            None => Ok(DatabaseUrl::sqlite_file(
                &self.data_dir.join("whereabouts.db"),
            )),
        }
    }

    /// Opens an existing store. The embedded default must have been created by `init` first,
    /// so that a mistyped data directory does not silently start an empty registry.
    pub async fn open(&self) -> anyhow::Result<Store> {
        let url = self.url()?;
        if let DatabaseUrl::Sqlite(path) = &url
            && !path.exists()
        {
            anyhow::bail!(
                "no database at {}: run `whereabouts init` first, or pass --data-dir",
                path.display()
            );
        }
        self.open_url(&url).await
    }

    /// Opens the store with its master key: the environment's, the key file beside a SQLite
    /// database, or (PostgreSQL without either) `master.key` in the data directory.
    async fn open_url(&self, url: &DatabaseUrl) -> anyhow::Result<Store> {
        let mut store = Store::open(url)
            .await
            .with_context(|| format!("opening {url}"))?;
        if store.key_provider().is_none() {
            let path = self.data_dir.join("master.key");
            create_dir(&self.data_dir)?;
            let provider = vault::FileKeyProvider::open_or_create(&path)?;
            store = store.with_key_provider(std::sync::Arc::new(provider));
        }
        Ok(store.with_audit_witness(self.audit_witness()))
    }

    /// Where the newest signed head of the audit log is saved outside the database
    /// (`WHEREABOUTS_AUDIT_WITNESS`, or `audit-head` in the data directory): a database rolled
    /// back to an older copy no longer reaches it, and `audit verify` says so
    /// (docs/security.md, L11).
    pub fn audit_witness(&self) -> PathBuf {
        std::env::var_os(AUDIT_WITNESS_ENV)
            .filter(|p| !p.is_empty())
            .map_or_else(|| self.data_dir.join("audit-head"), PathBuf::from)
    }

    /// Creates the data directory (if the store is embedded) and opens or creates the store.
    pub async fn create(&self) -> anyhow::Result<Store> {
        let url = self.url()?;
        if let DatabaseUrl::Sqlite(path) = &url {
            create_dir(path.parent().unwrap_or(Path::new(".")))?;
        }
        self.open_url(&url).await
    }
}

pub fn create_dir(dir: &Path) -> anyhow::Result<()> {
    if dir.as_os_str().is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The directory holds protected data: only its owner may enter it.
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}
