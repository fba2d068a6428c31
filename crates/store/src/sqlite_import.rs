//! The SQLite bulk-import path. sqlx copies every bound value into two fresh allocations; for
//! an import of about ten assertion rows per person that was most of the time spent (perf:
//! `malloc`, `free` and `memmove` on the importing thread). Here a dedicated connection binds
//! borrowed values into prepared statements, one row at a time, inside one `BEGIN IMMEDIATE`
//! transaction. The rows and their encoding are the same as the sqlx path: timestamps as
//! RFC 3339 text, identifiers as 16-byte blobs, values as the JSON of `codec`.

use std::path::Path;
use std::time::Duration;

use domain::{SourceId, TenantId};
use rusqlite::{Connection, ErrorCode, params};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{StoreError, StoreResult};
use crate::registry::{AssertionRow, Flattened};

/// A connection holding an open write transaction.
pub(crate) struct DirectImport {
    connection: Connection,
}

fn sqlite_error(error: rusqlite::Error) -> StoreError {
    StoreError::Invalid(format!("SQLite: {error}"))
}

fn text_time(at: OffsetDateTime) -> StoreResult<String> {
    at.format(&Rfc3339)
        .map_err(|e| StoreError::Invalid(format!("time out of range: {e}")))
}

impl DirectImport {
    /// Opens the database file and takes the write lock at once.
    pub(crate) fn begin(path: &Path) -> StoreResult<Self> {
        let connection = Connection::open(path).map_err(sqlite_error)?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(sqlite_error)?;
        connection
            .execute_batch(
                // Up to 256 MiB of page cache for the import: the tables of a 100,000-person list
                // then stay in memory until commit (measured: 13,550 -> 18,740 persons/s; peak RSS
                // 119 -> 310 MiB).
                "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144; BEGIN IMMEDIATE;",
            )
            .map_err(sqlite_error)?;
        Ok(Self { connection })
    }

    pub(crate) fn insert(
        &mut self,
        tenant: TenantId,
        source: SourceId,
        now: OffsetDateTime,
        flat: &Flattened,
    ) -> StoreResult<()> {
        let tenant = tenant.as_uuid().as_bytes();
        let source = source.as_uuid().as_bytes();
        let now = text_time(now)?;
        let mut persons = self
            .connection
            .prepare(
                "INSERT INTO persons (id, tenant_id, reference, category, registered_at, source_id) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .map_err(sqlite_error)?;
        for (id, reference, category) in &flat.persons {
            persons
                .execute(params![
                    id.as_uuid().as_bytes(),
                    tenant,
                    reference,
                    category,
                    now,
                    source
                ])
                .map_err(|error| match error.sqlite_error_code() {
                    Some(ErrorCode::ConstraintViolation) => StoreError::DuplicateReference {
                        reference: reference.clone(),
                    },
                    _ => sqlite_error(error),
                })?;
        }
        drop(persons);
        // Assertions are most of the rows: write them ROWS at a time, one statement each, so
        // that SQLite starts, resets and clears one program per ROWS rows instead of per row.
        const ROWS: usize = 64;
        const COLUMNS: usize = 9;
        let sql = |rows: usize| {
            let one = "(?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)";
            format!(
                "INSERT INTO assertions (tenant_id, person_id, id, field, value, absence, source_id, locator, recorded_at, supersedes_id) VALUES {}",
                vec![one; rows].join(", ")
            )
        };
        let mut full = self.connection.prepare(&sql(ROWS)).map_err(sqlite_error)?;
        let mut single = self.connection.prepare(&sql(1)).map_err(sqlite_error)?;
        for chunk in flat.assertions.chunks(ROWS) {
            if chunk.len() == ROWS {
                for (r, row) in chunk.iter().enumerate() {
                    bind_assertion(&mut full, r * COLUMNS, tenant, source, &now, row)?;
                }
                full.raw_execute().map_err(sqlite_error)?;
            } else {
                for row in chunk {
                    bind_assertion(&mut single, 0, tenant, source, &now, row)?;
                    single.raw_execute().map_err(sqlite_error)?;
                }
            }
        }
        drop(full);
        drop(single);
        let mut events = self
            .connection
            .prepare(
                "INSERT INTO events (tenant_id, person_id, id, kind, occurred_at, recorded_at, place_id, place_to_id, source_id, locator, note) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .map_err(sqlite_error)?;
        for event in &flat.events {
            events
                .execute(params![
                    tenant,
                    event.person.as_uuid().as_bytes(),
                    event.id.as_uuid().as_bytes(),
                    event.kind.code(),
                    text_time(event.occurred_at)?,
                    text_time(event.recorded_at)?,
                    event.place.map(|p| *p.as_uuid().as_bytes()),
                    event.place_to.map(|p| *p.as_uuid().as_bytes()),
                    source,
                    event.locator,
                    event.note,
                ])
                .map_err(sqlite_error)?;
        }
        Ok(())
    }

    /// Makes the import visible at once. Dropping without commit closes the connection, which
    /// rolls the transaction back.
    pub(crate) fn commit(self) -> StoreResult<()> {
        self.connection
            .execute_batch("COMMIT")
            .map_err(sqlite_error)
    }
}

/// Binds one assertion row at `offset` (0-based) into a multi-row INSERT.
fn bind_assertion(
    statement: &mut rusqlite::Statement<'_>,
    offset: usize,
    tenant: &[u8; 16],
    source: &[u8; 16],
    now: &str,
    row: &AssertionRow,
) -> StoreResult<()> {
    let (id, person, field, value, absence, locator) = row;
    statement
        .raw_bind_parameter(offset + 1, tenant)
        .map_err(sqlite_error)?;
    statement
        .raw_bind_parameter(offset + 2, person.as_uuid().as_bytes())
        .map_err(sqlite_error)?;
    statement
        .raw_bind_parameter(offset + 3, id.as_uuid().as_bytes())
        .map_err(sqlite_error)?;
    statement
        .raw_bind_parameter(offset + 4, field)
        .map_err(sqlite_error)?;
    statement
        .raw_bind_parameter(offset + 5, value)
        .map_err(sqlite_error)?;
    statement
        .raw_bind_parameter(offset + 6, absence)
        .map_err(sqlite_error)?;
    statement
        .raw_bind_parameter(offset + 7, source)
        .map_err(sqlite_error)?;
    statement
        .raw_bind_parameter(offset + 8, locator)
        .map_err(sqlite_error)?;
    statement
        .raw_bind_parameter(offset + 9, now)
        .map_err(sqlite_error)?;
    Ok(())
}
