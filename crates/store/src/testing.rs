//! Scratch PostgreSQL databases for tests (feature `testing`; never in a release build).
//!
//! Each test that runs on PostgreSQL gets its own empty database next to the one named by
//! `WHEREABOUTS_TEST_POSTGRES`. The [`ScratchDatabase`] guard drops it again when the test ends,
//! whether it passed or panicked: a database per test that is never dropped filled a
//! developer's 16 GB disk in a day. Set `WHEREABOUTS_TEST_KEEP_DATABASES=1` to keep them for a
//! post-mortem.

use sqlx::Connection as _;

/// The server URL for tests, from `WHEREABOUTS_TEST_POSTGRES`; `None` when unset or empty.
pub fn postgres_url() -> Option<String> {
    std::env::var("WHEREABOUTS_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// An empty database that is dropped when the guard is.
#[derive(Debug)]
pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// Creates `<prefix>_<uuid>` on the server of `admin_url` (a URL with a database name,
    /// which is used for the administrative connection). Panics with the server's reason if it
    /// cannot: this is test set-up.
    pub async fn create(admin_url: &str, prefix: &str) -> Self {
        Self::create_with(admin_url, prefix, None).await
    }

    /// Like [`Self::create`], as a copy of the database at `template_url` (`CREATE DATABASE …
    /// TEMPLATE`): no other session may be connected to it meanwhile.
    pub async fn copy_of(template_url: &str, prefix: &str) -> Self {
        Self::create_with(template_url, prefix, Some(template_url)).await
    }

    async fn create_with(admin_url: &str, prefix: &str, template_url: Option<&str>) -> Self {
        assert!(
            prefix.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "a database name prefix is lower-case letters and underscores"
        );
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let (base, _) = admin_url
            .rsplit_once('/')
            .expect("WHEREABOUTS_TEST_POSTGRES is a URL with a database name");
        let statement = match template_url.map(|url| url.rsplit_once('/')) {
            Some(Some((_, template))) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
            Some(None) => panic!("a template URL with a database name"),
            None => format!("CREATE DATABASE {name}"),
        };
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("connect to WHEREABOUTS_TEST_POSTGRES: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("create test database {name}: {e}"));
        let _ = admin.close().await;
        let url = format!("{base}/{name}");
        Self {
            admin_url: admin_url.to_owned(),
            name,
            url,
        }
    }

    /// [`Self::create`] from synchronous code (CLI tests that run the binary).
    pub fn create_blocking(admin_url: &str, prefix: &str) -> Self {
        Self::blocking(admin_url, prefix, false)
    }

    /// [`Self::copy_of`] from synchronous code.
    pub fn copy_of_blocking(template_url: &str, prefix: &str) -> Self {
        Self::blocking(template_url, prefix, true)
    }

    fn blocking(url: &str, prefix: &str, copy: bool) -> Self {
        let url = url.to_owned();
        let prefix = prefix.to_owned();
        // Its own thread: the caller may be inside a runtime already.
        std::thread::spawn(move || {
            let template = copy.then_some(url.as_str());
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for test set-up")
                .block_on(Self::create_with(&url, &prefix, template))
        })
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// The URL of the scratch database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if std::env::var_os("WHEREABOUTS_TEST_KEEP_DATABASES").is_some() {
            return;
        }
        let admin_url = self.admin_url.clone();
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop cannot await, and the test's runtime may be the current thread: a thread of its
        // own with its own runtime. WITH (FORCE) ends the pool's connections still open.
        let outcome = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .map_err(|e| e.to_string())?;
                sqlx::query(sqlx::AssertSqlSafe(statement))
                    .execute(&mut admin)
                    .await
                    .map_err(|e| e.to_string())?;
                let _ = admin.close().await;
                Ok::<(), String>(())
            })
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => eprintln!("could not drop test database {}: {reason}", self.name),
            Err(_) => eprintln!(
                "could not drop test database {}: the thread panicked",
                self.name
            ),
        }
    }
}
