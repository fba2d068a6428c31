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

/// Tables a restore does not copy: the target's migrations wrote its own.
const SKIPPED: &[&str] = &["_sqlx_migrations"];

impl Store {
    /// A consistent snapshot of the whole database, taken while the server runs.
    ///
    /// # Errors
    /// When the database fails or the temporary file cannot be written.
    pub async fn snapshot(&self) -> StoreResult<Snapshot> {
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
                sqlx::query("VACUUM INTO $1")
                    .bind(path.to_string_lossy().into_owned())
                    .execute(pool)
                    .await?;
                let bytes = std::fs::read(&path)
                    .map_err(|e| StoreError::Invalid(format!("reading the snapshot: {e}")))?;
                Ok(Snapshot {
                    backend: "sqlite",
                    bytes,
                })
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
                let mut out = Vec::new();
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
                        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                            "SELECT row_to_json(t)::text FROM \"{table}\" t"
                        )))
                        .fetch_all(&mut *tx)
                        .await?;
                        for row in rows {
                            let line = serde_json::json!({ "table": table, "row": serde_json::from_str::<serde_json::Value>(&row).map_err(|e| StoreError::Corrupt(e.to_string()))? });
                            out.extend(line.to_string().into_bytes());
                            out.push(b'\n');
                        }
                    }
                }
                tx.commit().await?;
                Ok(Snapshot {
                    backend: "postgres",
                    bytes: out,
                })
            }
        }
    }

    /// Restores `snapshot` into `url`, which must be new: for SQLite a file that does not
    /// exist; for PostgreSQL an empty database. Returns the number of rows (PostgreSQL) or
    /// bytes (SQLite) restored.
    ///
    /// # Errors
    /// When the target is not empty, the snapshot is of the other backend, or a row is refused.
    pub async fn restore_snapshot(url: &DatabaseUrl, snapshot: &Snapshot) -> StoreResult<usize> {
        match url {
            DatabaseUrl::Sqlite(path) => {
                if snapshot.backend != "sqlite" {
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
                let write = || -> std::io::Result<()> {
                    use std::io::Write;
                    let mut file = options.open(path)?;
                    file.write_all(&snapshot.bytes)?;
                    file.sync_all()
                };
                write().map_err(|e| StoreError::Invalid(format!("{}: {e}", path.display())))?;
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
                Ok(snapshot.bytes.len())
            }
            DatabaseUrl::Postgres(secret) => {
                if snapshot.backend != "postgres" {
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
                let mut pending = Vec::new();
                for (number, line) in snapshot.bytes.split(|&b| b == b'\n').enumerate() {
                    if line.is_empty() {
                        continue;
                    }
                    let value: serde_json::Value = serde_json::from_slice(line).map_err(|e| {
                        StoreError::Corrupt(format!("backup line {}: {e}", number + 1))
                    })?;
                    let table = value["table"].as_str().unwrap_or_default().to_owned();
                    if table.is_empty()
                        || !table
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                    {
                        return Err(StoreError::Corrupt(format!(
                            "backup line {}: bad table name",
                            number + 1
                        )));
                    }
                    let tenant = value["row"]["tenant_id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    pending.push((table, tenant, value["row"].to_string()));
                }
                // Rows go in as their parents exist: a row refused for a missing parent waits
                // for the next pass.
                let mut restored = 0;
                loop {
                    let mut waiting = Vec::new();
                    let before = pending.len();
                    for (table, tenant, row) in pending {
                        sqlx::query("SAVEPOINT row").execute(&mut *tx).await?;
                        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
                            .bind(&tenant)
                            .execute(&mut *tx)
                            .await?;
                        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "INSERT INTO \"{table}\" SELECT * FROM json_populate_record(NULL::\"{table}\", $1::json)"
                        )))
                        .bind(&row)
                        .execute(&mut *tx)
                        .await;
                        match inserted {
                            Ok(_) => {
                                sqlx::query("RELEASE SAVEPOINT row")
                                    .execute(&mut *tx)
                                    .await?;
                                restored += 1;
                            }
                            Err(sqlx::Error::Database(db)) if db.is_foreign_key_violation() => {
                                sqlx::query("ROLLBACK TO SAVEPOINT row")
                                    .execute(&mut *tx)
                                    .await?;
                                waiting.push((table, tenant, row));
                            }
                            Err(error) => return Err(error.into()),
                        }
                    }
                    if waiting.is_empty() {
                        break;
                    }
                    if waiting.len() == before {
                        return Err(StoreError::Corrupt(format!(
                            "{} rows refer to rows the backup does not hold (first in table {})",
                            waiting.len(),
                            waiting[0].0
                        )));
                    }
                    pending = waiting;
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
