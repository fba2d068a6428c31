//! Where the data lives, resolved once from flags and the environment.

use std::path::{Path, PathBuf};

use anyhow::Context;
use store::{DatabaseUrl, Store};

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
        let store = Store::open(url)
            .await
            .with_context(|| format!("opening {url}"))?;
        if store.key_provider().is_none() {
            let path = self.data_dir.join("master.key");
            create_dir(&self.data_dir)?;
            let provider = vault::FileKeyProvider::open_or_create(&path)?;
            return Ok(store.with_key_provider(std::sync::Arc::new(provider)));
        }
        Ok(store)
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
