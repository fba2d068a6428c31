//! Consistent snapshots for `whereabouts backup`, and their restoration.
//!
//! SQLite: `VACUUM INTO` a temporary file, a transactionally consistent copy taken while other
//! connections write. PostgreSQL: every row of every table as JSON, read in one `REPEATABLE
//! READ` transaction (one snapshot), tenant by tenant through row-level security; restored row
//! by row into a freshly migrated, empty database. Encryption to the recovery key is the
//! caller's (`vault::seal_to`).

use sqlx::{Connection as _, Row as _};

use crate::error::{StoreError, StoreResult};
use crate::{Backend, DatabaseUrl, Store};

/// A snapshot's bytes: the SQLite file, or JSON lines `{"table": …, "row": {…}}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub backend: &'static str,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Snapshot({}, {} bytes)", self.backend, self.bytes.len())
    }
}

/// Tables a snapshot leaves out and a restore does not copy: the target's migrations wrote
/// its own `_sqlx_migrations`; and the forwarding queue (migration 0022) is rebuilt, not
/// copied: restoring the persons and assertions fires its triggers again, and with no
/// `forwarding_recipients` each recipient's first round after a restore reads the whole tenant
/// (its identity columns could not take the copied ids either). The same-person markers of
/// migration 0024 (`link_pending`) are copied: restored in name order, before `persons` and
/// `tenants`, and the registration trigger adds none of its own then (no tenant yet, and it
/// skips a marker held already). The stage kept per tracing request (migration 0025) is
/// rebuilt like the forwarding queue, by the triggers of the requests and decisions restored,
/// in whichever order they come.
const SKIPPED: &[&str] = &[
    "_sqlx_migrations",
    "forwarding_changes",
    "forwarding_pending",
    "forwarding_recipients",
    "tracing_request_stages",
];

/// Where a snapshot's lines or bytes go, with how many bytes went.
struct Counting<'a> {
    out: &'a mut dyn std::io::Write,
    bytes: u64,
}

impl Counting<'_> {
    fn put(&mut self, bytes: &[u8]) -> StoreResult<()> {
        self.out
            .write_all(bytes)
            .map_err(|e| StoreError::Invalid(format!("writing the snapshot: {e}")))?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }
}

/// Rows fetched from a cursor at a time: what a snapshot holds in memory.
const FETCH_ROWS: i64 = 500;

impl Store {
    /// A consistent snapshot of the whole database, taken while the server runs, held in
    /// memory. For large databases use [`Store::snapshot_to`].
    ///
    /// # Errors
    /// When the database fails or the temporary file cannot be written.
    pub async fn snapshot(&self) -> StoreResult<Snapshot> {
        let mut bytes = Vec::new();
        let backend = self.snapshot_to(&mut bytes).await?;
        Ok(Snapshot { backend, bytes })
    }

    /// A consistent snapshot written to `out` as it is read, in bounded memory: SQLite's
    /// `VACUUM INTO` file copied in blocks; PostgreSQL's rows read through a cursor,
    /// [`FETCH_ROWS`] at a time, inside one `REPEATABLE READ` transaction. Returns the backend.
    ///
    /// # Errors
    /// When the database fails or `out` refuses a write.
    pub async fn snapshot_to(&self, out: &mut dyn std::io::Write) -> StoreResult<&'static str> {
        let mut out = Counting { out, bytes: 0 };
        match &self.backend {
            Backend::Sqlite(pool) => {
                let dir = self
                    .sqlite_path
                    .as_deref()
                    .and_then(std::path::Path::parent)
                    .filter(|d| !d.as_os_str().is_empty())
                    .map_or_else(std::env::temp_dir, std::path::Path::to_path_buf);
                let tmp = tempfile::Builder::new()
                    .prefix(".snapshot-")
                    .tempdir_in(&dir)
                    .map_err(|e| StoreError::Invalid(format!("snapshot directory: {e}")))?;
                let path = tmp.path().join("snapshot.db");
                // VACUUM INTO sizes the copy's page cache from the connection's (64 MiB here),
                // and then held a 400 MB database almost whole in memory (measured: 347 MB
                // resident with the pool's setting, 25 MB with SQLite's default). So the copy is
                // made on a connection with the default cache, which is then put back.
                let mut conn = pool.acquire().await?;
                sqlx::query("PRAGMA cache_size = -2000")
                    .execute(&mut *conn)
                    .await?;
                let copied = sqlx::query("VACUUM INTO $1")
                    .bind(path.to_string_lossy().into_owned())
                    .execute(&mut *conn)
                    .await;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "PRAGMA cache_size = {}",
                    crate::SQLITE_CACHE_SIZE
                )))
                .execute(&mut *conn)
                .await?;
                drop(conn);
                copied?;
                let mut file = std::fs::File::open(&path)
                    .map_err(|e| StoreError::Invalid(format!("reading the snapshot: {e}")))?;
                std::io::copy(&mut file, out.out)
                    .map_err(|e| StoreError::Invalid(format!("copying the snapshot: {e}")))?;
                Ok("sqlite")
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .execute(&mut *tx)
                    .await?;
                let tables: Vec<(String, bool)> = sqlx::query_as(
                    "SELECT c.relname::text, c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                     WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname",
                )
                .fetch_all(&mut *tx)
                .await?;
                let tenants: Vec<uuid::Uuid> =
                    sqlx::query_scalar("SELECT id FROM tenants ORDER BY id")
                        .fetch_all(&mut *tx)
                        .await?;
                for (table, secured) in &tables {
                    if SKIPPED.contains(&table.as_str()) {
                        continue;
                    }
                    let scopes: Vec<String> = if *secured {
                        tenants.iter().map(ToString::to_string).collect()
                    } else {
                        vec![String::new()]
                    };
                    for scope in scopes {
                        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
                            .bind(&scope)
                            .execute(&mut *tx)
                            .await?;
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DECLARE snapshot_rows NO SCROLL CURSOR FOR SELECT row_to_json(t)::text FROM \"{table}\" t"
                        )))
                        .execute(&mut *tx)
                        .await?;
                        loop {
                            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(
                                format!("FETCH FORWARD {FETCH_ROWS} FROM snapshot_rows"),
                            ))
                            .fetch_all(&mut *tx)
                            .await?;
                            if rows.is_empty() {
                                break;
                            }
                            for row in rows {
                                // `{"table":…,"row":…}` without re-parsing the row.
                                let mut line = format!("{{\"table\":\"{table}\",\"row\":");
                                line.push_str(&row);
                                line.push_str("}\n");
                                out.put(line.as_bytes())?;
                            }
                        }
                        sqlx::query("CLOSE snapshot_rows").execute(&mut *tx).await?;
                    }
                }
                tx.commit().await?;
                Ok("postgres")
            }
        }
    }

    /// Restores `snapshot` into `url`, which must be new. See [`Store::restore_from`].
    ///
    /// # Errors
    /// As [`Store::restore_from`].
    pub async fn restore_snapshot(url: &DatabaseUrl, snapshot: &Snapshot) -> StoreResult<usize> {
        Self::restore_from(url, snapshot.backend, &mut snapshot.bytes.as_slice()).await
    }

    /// Restores a snapshot of `backend` read from `input` into `url`, which must be new: for
    /// SQLite a file that does not exist; for PostgreSQL an empty database. Memory stays
    /// bounded: SQLite's file is copied in blocks; PostgreSQL's rows go in line by line, in one
    /// transaction, with the foreign keys put back (and so checked) at the end. Returns
    /// the number of rows (PostgreSQL) or bytes (SQLite) restored.
    ///
    /// # Errors
    /// When the target is not empty, the snapshot is of the other backend, or a row is refused.
    pub async fn restore_from(
        url: &DatabaseUrl,
        backend: &str,
        input: &mut dyn std::io::Read,
    ) -> StoreResult<usize> {
        match url {
            DatabaseUrl::Sqlite(path) => {
                if backend != "sqlite" {
                    return Err(StoreError::Invalid(
                        "this backup is of a PostgreSQL database; restore it into PostgreSQL"
                            .into(),
                    ));
                }
                if path.exists() {
                    return Err(StoreError::Invalid(format!(
                        "{} exists: restore into a new file",
                        path.display()
                    )));
                }
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let written = (|| -> std::io::Result<u64> {
                    let mut file = options.open(path)?;
                    let n = std::io::copy(input, &mut file)?;
                    file.sync_all()?;
                    Ok(n)
                })();
                let written = match written {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = std::fs::remove_file(path);
                        return Err(StoreError::Invalid(format!("{}: {e}", path.display())));
                    }
                };
                let mut conn =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await?;
                let check: String = sqlx::query_scalar("PRAGMA integrity_check")
                    .fetch_one(&mut conn)
                    .await?;
                conn.close().await?;
                if check != "ok" {
                    let _ = std::fs::remove_file(path);
                    return Err(StoreError::Corrupt(format!(
                        "the restored file fails its integrity check: {check}"
                    )));
                }
                Ok(usize::try_from(written).unwrap_or(usize::MAX))
            }
            DatabaseUrl::Postgres(secret) => {
                if backend != "postgres" {
                    return Err(StoreError::Invalid(
                        "this backup is of a SQLite database; restore it into SQLite".into(),
                    ));
                }
                // Migrate the empty target first, so the schema is this version's.
                let target = Store::open_with(url, None).await?;
                target.close().await;
                let mut conn = sqlx::PgConnection::connect(secret.expose()).await?;
                let mut tx = conn.begin().await?;
                let existing: i64 = sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM tenants) + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM audit_log)")
                    .fetch_one(&mut *tx)
                    .await?;
                if existing > 0 {
                    return Err(StoreError::Invalid(
                        "the target database is not empty".into(),
                    ));
                }
                // Rows go in as the backup holds them (tables in name order, so children may
                // come before their parents), with the foreign keys set aside and put back at the
                // end, as pg_restore does: putting a key back checks every row at once, and a row
                // whose parent the backup does not hold fails the whole restore. The first
                // version kept a savepoint per row to defer such rows; each savepoint that wrote
                // keeps a lock until the commit, and a restore of some 6,000 rows ran out of
                // the server's lock table ("out of shared memory").
                type ForeignKey = (String, String, String);
                let keys: Vec<ForeignKey> = sqlx::query_as(
                    "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) FROM pg_constraint \
                     WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY conrelid::regclass::text, conname",
                )
                .fetch_all(&mut *tx)
                .await?;
                for (table, name, _) in &keys {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "ALTER TABLE {table} DROP CONSTRAINT \"{name}\""
                    )))
                    .execute(&mut *tx)
                    .await?;
                }
                let mut restored = 0;
                use std::io::BufRead as _;
                let mut reader = std::io::BufReader::new(input);
                let mut line = String::new();
                let mut number = 0usize;
                let mut scope: Option<String> = None;
                loop {
                    line.clear();
                    let read = reader
                        .read_line(&mut line)
                        .map_err(|e| StoreError::Corrupt(format!("reading the backup: {e}")))?;
                    if read == 0 {
                        break;
                    }
                    number += 1;
                    let text = line.trim_end_matches('\n');
                    if text.is_empty() {
                        continue;
                    }
                    let at = || format!("backup line {number}");
                    let value: serde_json::Value = serde_json::from_str(text)
                        .map_err(|e| StoreError::Corrupt(format!("{}: {e}", at())))?;
                    let table = value["table"].as_str().unwrap_or_default();
                    if table.is_empty()
                        || !table
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                    {
                        return Err(StoreError::Corrupt(format!("{}: bad table name", at())));
                    }
                    // Row-level security: the row goes in under its own tenant.
                    let tenant = value["row"]["tenant_id"].as_str().unwrap_or_default();
                    if scope.as_deref() != Some(tenant) {
                        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
                            .bind(tenant)
                            .execute(&mut *tx)
                            .await?;
                        scope = Some(tenant.to_owned());
                    }
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO \"{table}\" SELECT * FROM json_populate_record(NULL::\"{table}\", $1::json)"
                    )))
                    .bind(value["row"].to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match &e {
                        sqlx::Error::Database(db) => {
                            StoreError::Corrupt(format!("{}: table {table}: {}", at(), db.message()))
                        }
                        _ => StoreError::from(e),
                    })?;
                    restored += 1;
                }
                for (table, name, definition) in &keys {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "ALTER TABLE {table} ADD CONSTRAINT \"{name}\" {definition}"
                    )))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match &e {
                        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                            StoreError::Corrupt(format!(
                                "rows of table {table} refer to rows the backup does not hold ({name})"
                            ))
                        }
                        _ => StoreError::from(e),
                    })?;
                }
                tx.commit().await?;
                Ok(restored)
            }
        }
    }
}

/// Every row of every table as sorted text, for comparing a database with its restoration.
///
/// # Errors
/// When the database fails.
pub async fn table_contents(store: &Store) -> StoreResult<Vec<(String, Vec<String>)>> {
    let mut out = Vec::new();
    match &store.backend {
        Backend::Sqlite(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .fetch_all(pool)
            .await?;
            for table in tables {
                if SKIPPED.contains(&table.as_str()) {
                    continue;
                }
                let columns: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT name FROM pragma_table_info('{table}')"
                )))
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<_, _>>()?;
                let expr = columns
                    .iter()
                    .map(|c| format!("quote(\"{c}\")"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                let mut rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT {expr} FROM \"{table}\""
                )))
                .fetch_all(pool)
                .await?;
                rows.sort();
                out.push((table, rows));
            }
        }
        Backend::Postgres(_) => {
            let snapshot = store.snapshot().await?;
            let mut by_table: std::collections::BTreeMap<String, Vec<String>> =
                std::collections::BTreeMap::new();
            for line in snapshot
                .bytes
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
            {
                let value: serde_json::Value =
                    serde_json::from_slice(line).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                by_table
                    .entry(value["table"].as_str().unwrap_or_default().to_owned())
                    .or_default()
                    .push(value["row"].to_string());
            }
            for (table, mut rows) in by_table {
                rows.sort();
                out.push((table, rows));
            }
        }
    }
    Ok(out)
}
