//! The SQLite bulk-import path. sqlx copies every bound value into two fresh allocations; for
//! an import of about ten assertion rows per person that was most of the time spent (perf:
//! `malloc`, `free` and `memmove` on the importing thread). Here a dedicated connection binds
//! borrowed values into prepared statements, one row at a time, inside one `BEGIN IMMEDIATE`
//! transaction. The rows and their encoding are the same as the sqlx path: timestamps as
//! RFC 3339 text, identifiers as 16-byte blobs, values as the JSON of `codec`.

use std::path::Path;
use std::time::Duration;

use domain::{Event, LanguageTag, SourceId, TenantId};
use rusqlite::{Connection, ErrorCode, OpenFlags, params};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{StoreError, StoreResult};
use crate::registry::{Flattened, INSERT_SOURCE, NewSource};

/// A connection holding an open write transaction.
pub(crate) struct DirectImport {
    connection: Connection,
}

fn sqlite_error(error: rusqlite::Error) -> StoreError {
    match error.sqlite_error_code() {
        // SQLite says "disk I/O error" for a write the kernel refused; on a write that is most
        // often a full disk (ENOSPC) or a file size limit (EFBIG), so say so.
        Some(ErrorCode::DiskFull | ErrorCode::SystemIoFailure) => StoreError::Storage(format!(
            "the disk is full, a file size limit was reached, or the disk failed (SQLite: {error})"
        )),
        _ => StoreError::Invalid(format!("SQLite: {error}")),
    }
}

fn text_time(at: OffsetDateTime) -> StoreResult<String> {
    at.format(&Rfc3339)
        .map_err(|e| StoreError::Invalid(format!("time out of range: {e}")))
}

impl DirectImport {
    /// Opens the database file and takes the write lock at once.
    pub(crate) fn begin(path: &Path) -> StoreResult<Self> {
        // One thread uses this connection at a time (the import moves it between blocking
        // tasks, never sharing it), so SQLite's per-connection mutex is not needed (measured
        // with callgrind: about 7% of an import's instructions were mutex calls).
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sqlite_error)?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(sqlite_error)?;
        // Two insert statements per table (64 rows and one row), kept for the whole import.
        connection.set_prepared_statement_cache_capacity(32);
        connection
            .execute_batch(
                // Up to 256 MiB of page cache for the import: the tables of a 100,000-person list
                // then stay in memory until commit (measured: 13,550 -> 18,740 persons/s; peak RSS
                // 119 -> 310 MiB).
                //
                // Foreign keys are off on this connection only: every parent row is checked
                // here instead, once per batch rather than once per row (measured with callgrind:
                // three B-tree lookups per row were a tenth of an import). The tenant is checked
                // when the source is written; the source is written by this transaction;
                // persons are written just before their assertions and events; places named by
                // events are checked against the tenant in `insert`.
                "PRAGMA foreign_keys = OFF; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144; BEGIN IMMEDIATE;",
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
        // The tenant, the source and the time are the same for every row of a batch: they are
        // written into the statements as literals instead of being bound row by row (three
        // copies fewer per row). All three are generated here, never user input: two UUIDs as
        // hexadecimal blobs and an RFC 3339 timestamp.
        self.check_places(tenant, flat)?;
        let tenant = blob_literal(tenant.as_uuid().as_bytes());
        let source = blob_literal(source.as_uuid().as_bytes());
        let now = text_time(now)?;
        debug_assert!(
            now.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-:.+".contains(&b))
        );
        // Every table is written ROWS rows per statement, so that SQLite starts, resets and
        // clears one program per ROWS rows instead of per row.
        let persons = format!("(?, {tenant}, ?, ?, '{now}', {source})");
        let written = self.insert_rows(
            "INSERT INTO persons (id, tenant_id, reference, category, registered_at, source_id) VALUES ",
            &persons,
            3,
            &flat.persons,
            |statement, at, (id, reference, category)| {
                statement.raw_bind_parameter(at, id.as_uuid().as_bytes())?;
                statement.raw_bind_parameter(at + 1, reference)?;
                statement.raw_bind_parameter(at + 2, category)
            },
        );
        if let Err(error) = written {
            // A multi-row statement that fails is undone whole; the rows are written again
            // one by one to name the reference that is taken (the CLI checks references
            // before, so this is a race with another writer, or a caller that did not).
            if error.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) {
                let sql = format!(
                    "INSERT INTO persons (id, tenant_id, reference, category, registered_at, source_id) VALUES {persons}"
                );
                let mut one = self.connection.prepare(&sql).map_err(sqlite_error)?;
                for (id, reference, category) in &flat.persons {
                    one.execute(params![id.as_uuid().as_bytes(), reference, category])
                        .map_err(|error| match error.sqlite_error_code() {
                            Some(ErrorCode::ConstraintViolation) => {
                                StoreError::DuplicateReference {
                                    reference: reference.clone(),
                                }
                            }
                            _ => sqlite_error(error),
                        })?;
                }
            }
            return Err(sqlite_error(error));
        }
        // Assertions are packed, one row per person (`pack.rs`, migration 0008).
        let packs: Vec<(domain::PersonId, &[u8])> = flat.packs().collect();
        self.insert_rows(
            "INSERT INTO assertion_packs (tenant_id, person_id, source_id, recorded_at, body) VALUES ",
            &format!("({tenant}, ?, {source}, '{now}', ?)"),
            2,
            &packs,
            |statement, at, (person, body)| {
                statement.raw_bind_parameter(at, person.as_uuid().as_bytes())?;
                statement.raw_bind_parameter(at + 1, body)
            },
        )
        .map_err(sqlite_error)?;
        let mut times = Vec::with_capacity(flat.events.len());
        for event in &flat.events {
            times.push((text_time(event.occurred_at)?, text_time(event.recorded_at)?));
        }
        let events: Vec<(&Event, &(String, String))> = flat.events.iter().zip(&times).collect();
        self.insert_rows(
            "INSERT INTO events (tenant_id, person_id, id, kind, occurred_at, recorded_at, place_id, place_to_id, source_id, locator, note) VALUES ",
            &format!("({tenant}, ?, ?, ?, ?, ?, ?, ?, {source}, ?, ?)"),
            9,
            &events,
            |statement, at, (event, (occurred, recorded))| {
                statement.raw_bind_parameter(at, event.person.as_uuid().as_bytes())?;
                statement.raw_bind_parameter(at + 1, event.id.as_uuid().as_bytes())?;
                statement.raw_bind_parameter(at + 2, event.kind.code())?;
                statement.raw_bind_parameter(at + 3, occurred)?;
                statement.raw_bind_parameter(at + 4, recorded)?;
                statement.raw_bind_parameter(at + 5, event.place.map(|p| *p.as_uuid().as_bytes()))?;
                statement.raw_bind_parameter(at + 6, event.place_to.map(|p| *p.as_uuid().as_bytes()))?;
                statement.raw_bind_parameter(at + 7, &event.locator)?;
                statement.raw_bind_parameter(at + 8, &event.note)
            },
        )
        .map_err(sqlite_error)?;
        Ok(())
    }

    /// Inserts `rows`, ROWS at a time: `insert` is the statement up to `VALUES `, `row` one
    /// row's tuple with `columns` placeholders, and `bind` binds one row from a 1-based index.
    fn insert_rows<T>(
        &self,
        insert: &str,
        row: &str,
        columns: usize,
        rows: &[T],
        bind: impl Fn(&mut rusqlite::Statement<'_>, usize, &T) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        const ROWS: usize = 64;
        let sql = |n: usize| format!("{insert}{}", vec![row; n].join(", "));
        // Cached: parsing a 64-row statement costs more than running it (callgrind: half the
        // writer's instructions when each batch prepared its own). The literals in the text
        // are the same for a whole import.
        let mut full = None;
        let mut single = None;
        for chunk in rows.chunks(ROWS) {
            let statement = if chunk.len() == ROWS {
                match &mut full {
                    Some(statement) => statement,
                    None => full.insert(self.connection.prepare_cached(&sql(ROWS))?),
                }
            } else {
                // The last, shorter chunk of a batch: row by row.
                let statement = match &mut single {
                    Some(statement) => statement,
                    None => single.insert(self.connection.prepare_cached(&sql(1))?),
                };
                for item in chunk {
                    bind(statement, 1, item)?;
                    statement.raw_execute()?;
                }
                continue;
            };
            for (r, item) in chunk.iter().enumerate() {
                bind(statement, r * columns + 1, item)?;
            }
            statement.raw_execute()?;
        }
        Ok(())
    }

    /// Every place an event names must be one of the tenant's places (the foreign key's
    /// check, and the tenant's too).
    fn check_places(&self, tenant: TenantId, flat: &Flattened) -> StoreResult<()> {
        let places = flat.places();
        if places.is_empty() {
            return Ok(());
        }
        let mut statement = self
            .connection
            .prepare("SELECT count(*) FROM places WHERE id = ? AND tenant_id = ?")
            .map_err(sqlite_error)?;
        for place in places {
            let found: i64 = statement
                .query_row(
                    params![place.as_uuid().as_bytes(), tenant.as_uuid().as_bytes()],
                    |row| row.get(0),
                )
                .map_err(sqlite_error)?;
            if found != 1 {
                return Err(StoreError::Invalid(format!(
                    "no place {} in this tenant",
                    place.as_uuid()
                )));
            }
        }
        Ok(())
    }

    /// Writes the import's source row, bound in the order of `registry::INSERT_SOURCE`.
    pub(crate) fn insert_source(
        &self,
        tenant: TenantId,
        id: SourceId,
        source: &NewSource,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let tenants: i64 = self
            .connection
            .query_row(
                "SELECT count(*) FROM tenants WHERE id = ?",
                [tenant.as_uuid().as_bytes()],
                |row| row.get(0),
            )
            .map_err(sqlite_error)?;
        if tenants != 1 {
            return Err(StoreError::NotFound);
        }
        self.connection
            .execute(
                INSERT_SOURCE,
                params![
                    id.as_uuid().as_bytes(),
                    tenant.as_uuid().as_bytes(),
                    source.kind.code(),
                    source.reference,
                    source.collected_by,
                    text_time(source.collected_at)?,
                    source.language.as_ref().map(LanguageTag::as_str),
                    source.script.map(|s| s.to_string()),
                    i32::from(source.confidence.percent()),
                    text_time(now)?,
                ],
            )
            .map_err(sqlite_error)?;
        Ok(())
    }

    /// The connection, for the writes of other modules inside the import (`messages.rs`).
    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Makes the import visible at once. Dropping without commit closes the connection, which
    /// rolls the transaction back.
    pub(crate) fn commit(self) -> StoreResult<()> {
        self.connection
            .execute_batch("COMMIT")
            .map_err(sqlite_error)
    }
}

/// `X'…'`: a blob literal for SQL text.
fn blob_literal(bytes: &[u8; 16]) -> String {
    let mut literal = String::with_capacity(35);
    literal.push_str("X'");
    for byte in bytes {
        literal.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        literal.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    literal.push('\'');
    literal
}

/// Ledger rows and detriment flags written inside an ingest's import transaction (see
/// `forwarding.rs`), in the same encoding as the sqlx path.
impl DirectImport {
    pub(crate) fn record_received(
        &self,
        id: uuid::Uuid,
        tenant: uuid::Uuid,
        entry: &crate::transmissions::NewReceived,
        source: Option<SourceId>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        self.connection
            .execute(
                "INSERT INTO transmissions_in (id, tenant_id, sender, channel, sequence, content_hash, status, reason_code, reason, applied, source_id, received_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    id.as_bytes(),
                    tenant.as_bytes(),
                    entry.sender,
                    entry.channel,
                    entry.sequence,
                    entry.content_hash,
                    entry.status.code(),
                    entry.reason_code,
                    entry.reason,
                    entry.applied,
                    source.map(|s| *s.as_uuid().as_bytes()),
                    text_time(now)?,
                ],
            )
            .map_err(|error| match error.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => {
                    StoreError::Invalid("this envelope was applied already".into())
                }
                _ => sqlite_error(error),
            })?;
        Ok(())
    }

    pub(crate) fn flag_detriment(
        &self,
        id: uuid::Uuid,
        tenant: uuid::Uuid,
        person: domain::PersonId,
        reason: &str,
        by: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        self.connection
            .execute(
                "INSERT INTO detriment_flags (id, tenant_id, person_id, reason, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id.as_bytes(),
                    tenant.as_bytes(),
                    person.as_uuid().as_bytes(),
                    reason,
                    by,
                    text_time(now)?,
                ],
            )
            .map_err(sqlite_error)?;
        Ok(())
    }
}

/// Corrections and events for persons already held, written inside an ingest's import
/// transaction (see `received.rs`).
impl DirectImport {
    /// Every person must be one of the tenant's (foreign keys are off on this connection).
    pub(crate) fn check_persons(
        &self,
        tenant: uuid::Uuid,
        persons: &[uuid::Uuid],
    ) -> StoreResult<()> {
        let mut statement = self
            .connection
            .prepare("SELECT 1 FROM persons WHERE tenant_id = ?1 AND id = ?2")
            .map_err(sqlite_error)?;
        for person in persons {
            let found = statement
                .exists(params![tenant.as_bytes(), person.as_bytes()])
                .map_err(sqlite_error)?;
            if !found {
                return Err(StoreError::NotFound);
            }
        }
        Ok(())
    }

    pub(crate) fn insert_received_assertion(
        &self,
        tenant: uuid::Uuid,
        source: uuid::Uuid,
        now: OffsetDateTime,
        received: &crate::received::ReceivedAssertion,
    ) -> StoreResult<()> {
        let (value, absence) = crate::codec::encode(&received.assertion.value);
        self.connection
            .execute(
                "INSERT INTO assertions (tenant_id, person_id, id, field, value, absence, source_id, locator, recorded_at, supersedes_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    tenant.as_bytes(),
                    received.person.as_uuid().as_bytes(),
                    uuid::Uuid::now_v7().as_bytes(),
                    received.assertion.field.code(),
                    value,
                    absence,
                    source.as_bytes(),
                    received.assertion.locator,
                    text_time(now)?,
                    received.supersedes.map(|a| *a.as_uuid().as_bytes()),
                ],
            )
            .map_err(sqlite_error)?;
        Ok(())
    }

    pub(crate) fn insert_received_event(
        &self,
        tenant: uuid::Uuid,
        source: uuid::Uuid,
        now: OffsetDateTime,
        event: &crate::received::ReceivedEvent,
    ) -> StoreResult<()> {
        self.connection
            .execute(
                "INSERT INTO events (tenant_id, person_id, id, kind, occurred_at, recorded_at, place_id, place_to_id, source_id, locator, note) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, NULL, ?7, ?8, ?9)",
                params![
                    tenant.as_bytes(),
                    event.person.as_uuid().as_bytes(),
                    event.id.as_uuid().as_bytes(),
                    event.kind.code(),
                    text_time(event.occurred_at)?,
                    text_time(now)?,
                    source.as_bytes(),
                    event.locator,
                    event.note,
                ],
            )
            .map_err(sqlite_error)?;
        Ok(())
    }
}
