//! The registry of one tenant: sources, places, persons, assertions, events and notifications.
//! All of it is append-only; all of it is read and written through a [`TenantScope`].

use std::collections::HashMap;

use domain::{
    AssertedValue, Assertion, AssertionId, Channel, Confidence, Event, EventId, EventKind,
    FieldKey, LanguageTag, Notification, NotificationId, NotificationKind, PartyId, Person,
    PersonCategory, PersonId, PersonName, PlaceId, PlaceKind, PlaceOfDetention, Presence,
    Provenance, RuleId, Script, SourceId, SourceKind,
};
use time::OffsetDateTime;

use crate::codec;
use crate::error::{StoreError, StoreResult};
use crate::pack;
use crate::rows::{RowExt, ScopedPool};
use crate::scope::TenantScope;
use crate::{Backend, Store, on_backend};

/// The columns of `sources`, in the order [`insert_source!`] and `sqlite_import` bind them.
pub(crate) const INSERT_SOURCE: &str = "INSERT INTO sources (id, tenant_id, kind, reference, collected_by, collected_at, language, script, confidence, recorded_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Writes one source row on an open transaction of either backend.
macro_rules! insert_source {
    ($executor:expr, $tenant:expr, $id:expr, $source:expr, $now:expr) => {
        sqlx::query(INSERT_SOURCE)
            .bind($id.as_uuid())
            .bind(*$tenant.as_uuid())
            .bind($source.kind.code())
            .bind(&$source.reference)
            .bind(&$source.collected_by)
            .bind($source.collected_at)
            .bind($source.language.as_ref().map(LanguageTag::as_str))
            .bind($source.script.map(|s| s.to_string()))
            .bind(i32::from($source.confidence.percent()))
            .bind($now)
            .execute($executor)
            .await?;
    };
}

/// A source to cite (XC-3).
#[derive(Clone, Debug)]
pub struct NewSource {
    pub kind: SourceKind,
    pub reference: String,
    pub collected_by: String,
    pub collected_at: OffsetDateTime,
    pub language: Option<LanguageTag>,
    pub script: Option<Script>,
    pub confidence: Confidence,
}

impl NewSource {
    fn check(&self) -> StoreResult<()> {
        if self.reference.trim().is_empty() || self.reference.len() > 2000 {
            return Err(StoreError::Invalid(
                "a source reference is 1 to 2000 characters".into(),
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Debug)]
pub struct NewPlace {
    pub controlling_party: PartyId,
    pub kind: PlaceKind,
    pub name: String,
    pub parent: Option<PlaceId>,
    pub postal_address: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewAssertion {
    pub field: FieldKey,
    pub value: Presence<AssertedValue>,
    /// Where in the source, e.g. `line 42, column family_name`.
    pub locator: String,
}

#[derive(Clone, Debug)]
pub struct NewEvent {
    pub kind: EventKind,
    pub occurred_at: OffsetDateTime,
    pub place: Option<PlaceId>,
    pub place_to: Option<PlaceId>,
    pub locator: String,
    pub note: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewPerson {
    pub reference: String,
    pub category: PersonCategory,
    pub assertions: Vec<NewAssertion>,
    pub events: Vec<NewEvent>,
}

#[derive(Clone, Debug)]
pub struct NewNotification {
    pub person: PersonId,
    pub rule: RuleId,
    pub trigger_event: Option<EventId>,
    pub channel: Channel,
    pub kind: NotificationKind,
    pub sent_at: OffsetDateTime,
    pub reference: String,
}

/// One line of a list of persons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonSummary {
    pub id: PersonId,
    pub reference: String,
    pub category: PersonCategory,
    /// The first standing name, as written.
    pub display_name: Option<String>,
    pub registered_at: OffsetDateTime,
}

/// A person as a directory lists and searches it ([`Store::person_directory`]).
#[derive(Clone, Debug)]
pub struct DirectoryRow {
    pub summary: PersonSummary,
    /// Every name asserted, standing or superseded, in the order recorded.
    pub names: Vec<PersonName>,
}

#[derive(Clone, Debug)]
pub struct PersonPage {
    pub persons: Vec<PersonSummary>,
    pub total: i64,
}

/// Everything recorded about one person.
#[derive(Clone, Debug)]
pub struct PersonRecord {
    pub person: Person,
    pub assertions: Vec<Assertion>,
    pub events: Vec<Event>,
    pub notifications: Vec<Notification>,
    pub sources: Vec<Provenance>,
}

/// What the deadline engine needs about one person.
#[derive(Clone, Debug)]
pub struct PersonFacts {
    pub person: PersonId,
    pub reference: String,
    pub category: PersonCategory,
    pub events: Vec<Event>,
    pub notifications: Vec<Notification>,
    /// Registered by an envelope received from a peer (issue 5): the person is held by the
    /// sender, so the deadlines of §10 are the sender's, not this tenant's.
    pub received: bool,
}

/// Rows per multi-row INSERT. Well under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
const CHUNK_ROWS: usize = 400;

/// SQL assembled at run time from constant table and column names and numbered placeholders
/// only. No value, and nothing a user typed, is ever spliced into the text: values are bound.
pub(crate) fn sql_text(sql: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql.to_owned())
}

fn values_sql(table: &str, columns: &[&str], rows: usize, style: Placeholders) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 1;
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..columns.len() {
            if column > 0 {
                sql.push(',');
            }
            style.push(&mut sql, n);
            n += 1;
        }
        sql.push(')');
    }
    sql
}

/// How a backend numbers bind parameters in generated SQL. SQLite gets anonymous `?`: its
/// lookup of numbered parameter names is linear per parameter, which made a 4,000-parameter
/// INSERT quadratic (measured with perf: 73% of an import in `sqlite3_bind_parameter_name`).
#[derive(Clone, Copy)]
pub(crate) enum Placeholders {
    Question,
    Dollar,
}

impl Placeholders {
    fn push(self, sql: &mut String, n: usize) {
        match self {
            Self::Question => sql.push('?'),
            Self::Dollar => {
                sql.push('$');
                sql.push_str(&n.to_string());
            }
        }
    }

    /// `p1,p2,…` for `count` parameters numbered from `first`.
    fn list(self, first: usize, count: usize) -> String {
        let mut sql = String::with_capacity(count * 5);
        for i in 0..count {
            if i > 0 {
                sql.push(',');
            }
            self.push(&mut sql, first + i);
        }
        sql
    }
}

/// The placeholder style of a pool's backend.
pub(crate) trait Dialect {
    const PLACEHOLDERS: Placeholders;
}

impl Dialect for sqlx::SqlitePool {
    const PLACEHOLDERS: Placeholders = Placeholders::Question;
}

impl Dialect for sqlx::PgPool {
    const PLACEHOLDERS: Placeholders = Placeholders::Dollar;
}

fn style_of<P: Dialect>(_: &P) -> Placeholders {
    P::PLACEHOLDERS
}

const PERSON_COLUMNS: [&str; 6] = [
    "id",
    "tenant_id",
    "reference",
    "category",
    "registered_at",
    "source_id",
];
const ASSERTION_COLUMNS: [&str; 10] = [
    "id",
    "tenant_id",
    "person_id",
    "field",
    "value",
    "absence",
    "source_id",
    "locator",
    "recorded_at",
    "supersedes_id",
];
const PACK_COLUMNS: [&str; 5] = ["tenant_id", "person_id", "source_id", "recorded_at", "body"];
const EVENT_COLUMNS: [&str; 11] = [
    "id",
    "tenant_id",
    "person_id",
    "kind",
    "occurred_at",
    "recorded_at",
    "place_id",
    "place_to_id",
    "source_id",
    "locator",
    "note",
];

/// Rows ready to insert, flattened from [`NewPerson`]s after the domain checks.
pub(crate) struct Flattened {
    pub(crate) persons: Vec<(PersonId, String, &'static str)>,
    /// Each person's assertions as one pack (`pack.rs`): the person and where the pack's body
    /// lies in `pack_bytes` (one buffer for the batch, not one allocation per person).
    pub(crate) packs: Vec<(PersonId, std::ops::Range<usize>)>,
    pub(crate) pack_bytes: Vec<u8>,
    pub(crate) events: Vec<Event>,
}

impl Flattened {
    /// Every place the events name, once each: the import checks them against the tenant.
    pub(crate) fn places(&self) -> Vec<PlaceId> {
        let mut places: Vec<PlaceId> = self
            .events
            .iter()
            .flat_map(|e| [e.place, e.place_to])
            .flatten()
            .collect();
        places.sort_unstable_by_key(|p| *p.as_uuid());
        places.dedup();
        places
    }

    /// Each pack's person and body.
    pub(crate) fn packs(&self) -> impl ExactSizeIterator<Item = (PersonId, &[u8])> {
        self.packs
            .iter()
            .map(|(person, range)| (*person, &self.pack_bytes[range.clone()]))
    }
}

/// Consumes the persons, so that their strings move into the rows instead of being copied.
fn flatten(
    people: Vec<NewPerson>,
    source: SourceId,
    now: OffsetDateTime,
) -> StoreResult<(Flattened, Vec<PersonId>)> {
    let mut flat = Flattened {
        persons: Vec::with_capacity(people.len()),
        packs: Vec::with_capacity(people.len()),
        pack_bytes: Vec::with_capacity(people.len() * 512),
        events: Vec::with_capacity(people.len()),
    };
    let mut ids = Vec::with_capacity(people.len());
    let mut writer = pack::PackWriter::default();
    let mut json = String::with_capacity(512);
    for person in people {
        let id = PersonId::new();
        ids.push(id);
        let NewPerson {
            reference,
            category,
            assertions,
            events,
        } = person;
        if !assertions.is_empty() {
            writer.start(assertions.len());
            for assertion in &assertions {
                let packed = match &assertion.value {
                    Presence::Present(value) => {
                        if !assertion.field.accepts(value) {
                            return Err(StoreError::Invalid(format!(
                                "person {reference:?}: field {} does not accept this value",
                                assertion.field
                            )));
                        }
                        json.clear();
                        codec::encode_value_into(value, &mut json);
                        pack::Packed::Value(&json)
                    }
                    Presence::Absent(reason) => pack::Packed::Absence(reason.code()),
                };
                writer.push(
                    AssertionId::new(),
                    assertion.field.code(),
                    packed,
                    &assertion.locator,
                );
            }
            let start = flat.pack_bytes.len();
            flat.pack_bytes.extend_from_slice(writer.body());
            flat.packs.push((id, start..flat.pack_bytes.len()));
        }
        let mut history: Vec<Event> = Vec::with_capacity(events.len());
        let mut events = events;
        events.sort_by_key(|event| event.occurred_at);
        for new in events {
            let event = Event {
                id: EventId::new(),
                person: id,
                kind: new.kind,
                occurred_at: new.occurred_at,
                recorded_at: now,
                place: new.place,
                place_to: new.place_to,
                source,
                locator: new.locator,
                note: new.note,
            };
            event.check_against(&history).map_err(|e| {
                StoreError::Invalid(format!("person {reference:?}, {}: {e}", event.locator))
            })?;
            history.push(event);
        }
        flat.events.extend(history);
        flat.persons.push((id, reference, category.code()));
    }
    Ok((flat, ids))
}

/// Inserts flattened rows inside an open transaction of either backend.
macro_rules! insert_flattened {
    ($tx:expr, $style:expr, $tenant:expr, $source:expr, $now:expr, $flat:expr) => {{
        let tenant = *$tenant.as_uuid();
        let source = *$source.as_uuid();
        for chunk in $flat.persons.chunks(CHUNK_ROWS) {
            let sql = values_sql("persons", &PERSON_COLUMNS, chunk.len(), $style);
            let mut query = sqlx::query(sql_text(&sql));
            for (id, reference, category) in chunk {
                query = query
                    .bind(*id.as_uuid())
                    .bind(tenant)
                    .bind(reference.as_str())
                    .bind(*category)
                    .bind($now)
                    .bind(source);
            }
            query.execute(&mut **$tx).await.map_err(|e| {
                let reference = chunk.first().map(|c| c.1.as_str()).unwrap_or_default();
                StoreError::from_insert(e, reference)
            })?;
        }
        let packs: Vec<(PersonId, &[u8])> = $flat.packs().collect();
        for chunk in packs.chunks(CHUNK_ROWS) {
            let sql = values_sql("assertion_packs", &PACK_COLUMNS, chunk.len(), $style);
            let mut query = sqlx::query(sql_text(&sql));
            for (person, body) in chunk {
                query = query
                    .bind(tenant)
                    .bind(*person.as_uuid())
                    .bind(source)
                    .bind($now)
                    .bind(*body);
            }
            query.execute(&mut **$tx).await?;
        }
        for chunk in $flat.events.chunks(CHUNK_ROWS) {
            let sql = values_sql("events", &EVENT_COLUMNS, chunk.len(), $style);
            let mut query = sqlx::query(sql_text(&sql));
            for event in chunk {
                query = query
                    .bind(*event.id.as_uuid())
                    .bind(tenant)
                    .bind(*event.person.as_uuid())
                    .bind(event.kind.code())
                    .bind(event.occurred_at)
                    .bind(event.recorded_at)
                    .bind(event.place.map(|p| *p.as_uuid()))
                    .bind(event.place_to.map(|p| *p.as_uuid()))
                    .bind(source)
                    .bind(event.locator.as_str())
                    .bind(event.note.as_deref());
            }
            query.execute(&mut **$tx).await?;
        }
    }};
}

/// The PostgreSQL import: one statement per table and batch, each row's values passed as
/// arrays and unpacked by `UNNEST` (a few parameters per statement instead of one per value;
/// the rows go through the same row-level security checks and triggers).
async fn insert_unnest(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    tenant: domain::TenantId,
    source: SourceId,
    now: OffsetDateTime,
    flat: &Flattened,
) -> StoreResult<()> {
    let tenant = *tenant.as_uuid();
    let source = *source.as_uuid();
    let ids: Vec<uuid::Uuid> = flat.persons.iter().map(|p| *p.0.as_uuid()).collect();
    let references: Vec<&str> = flat.persons.iter().map(|p| p.1.as_str()).collect();
    let categories: Vec<&str> = flat.persons.iter().map(|p| p.2).collect();
    sqlx::query(
        "INSERT INTO persons (id, tenant_id, reference, category, registered_at, source_id) \
         SELECT id, $1, reference, category, $2, $3 FROM UNNEST($4::uuid[], $5::text[], $6::text[]) AS t(id, reference, category)",
    )
    .bind(tenant)
    .bind(now)
    .bind(source)
    .bind(&ids)
    .bind(&references)
    .bind(&categories)
    .execute(&mut **tx)
    .await
    .map_err(|e| StoreError::from_insert(e, references.first().copied().unwrap_or_default()))?;
    let people: Vec<uuid::Uuid> = flat.packs.iter().map(|p| *p.0.as_uuid()).collect();
    let bodies: Vec<&[u8]> = flat.packs().map(|(_, body)| body).collect();
    sqlx::query(
        "INSERT INTO assertion_packs (tenant_id, person_id, source_id, recorded_at, body) \
         SELECT $1, person, $2, $3, body FROM UNNEST($4::uuid[], $5::bytea[]) AS t(person, body)",
    )
    .bind(tenant)
    .bind(source)
    .bind(now)
    .bind(&people)
    .bind(&bodies)
    .execute(&mut **tx)
    .await?;
    let events = &flat.events;
    sqlx::query(
        "INSERT INTO events (id, tenant_id, person_id, kind, occurred_at, recorded_at, place_id, place_to_id, source_id, locator, note) \
         SELECT id, $1, person, kind, occurred_at, recorded_at, place, place_to, $2, locator, note \
         FROM UNNEST($3::uuid[], $4::uuid[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::uuid[], $9::uuid[], $10::text[], $11::text[]) \
         AS t(id, person, kind, occurred_at, recorded_at, place, place_to, locator, note)",
    )
    .bind(tenant)
    .bind(source)
    .bind(events.iter().map(|e| *e.id.as_uuid()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| *e.person.as_uuid()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.kind.code()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.occurred_at).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.recorded_at).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.place.map(|p| *p.as_uuid())).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.place_to.map(|p| *p.as_uuid())).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.locator.as_str()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.note.as_deref()).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Persons checked against the domain rules and flattened into rows, ready for
/// [`ImportBatch::insert_prepared`]. Preparing is pure computation.
pub struct PreparedPeople {
    flat: Flattened,
    ids: Vec<PersonId>,
    source: SourceId,
    now: OffsetDateTime,
}

impl PreparedPeople {
    /// # Errors
    /// A value that does not fit its field, or an event sequence the domain refuses (XC-1).
    pub fn prepare(people: &[NewPerson], source: SourceId) -> StoreResult<Self> {
        Self::prepare_owned(people.to_vec(), source)
    }

    /// As [`PreparedPeople::prepare`], moving the persons' strings into the rows.
    ///
    /// # Errors
    /// As [`PreparedPeople::prepare`].
    pub fn prepare_owned(people: Vec<NewPerson>, source: SourceId) -> StoreResult<Self> {
        let now = OffsetDateTime::now_utc();
        let (flat, ids) = flatten(people, source, now)?;
        Ok(Self {
            flat,
            ids,
            source,
            now,
        })
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

/// An import in progress: one transaction, so the whole file lands or none of it does.
pub struct ImportBatch {
    pub(crate) tx: ImportTx,
    pub(crate) scope: TenantScope,
    pub(crate) source: SourceId,
    inserted: usize,
}

pub(crate) enum ImportTx {
    /// A dedicated connection outside the pool: see `sqlite_import`.
    Sqlite(Option<crate::sqlite_import::DirectImport>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl ImportBatch {
    /// Adds persons to the import. Nothing is visible to others until [`ImportBatch::commit`].
    ///
    /// # Errors
    /// A duplicate reference, an invalid event sequence or a database error. The caller then
    /// drops the batch, which rolls everything back.
    pub async fn insert(&mut self, people: &[NewPerson]) -> StoreResult<Vec<PersonId>> {
        let prepared = PreparedPeople::prepare(people, self.source)?;
        self.insert_prepared(prepared).await
    }

    /// Adds persons checked and flattened beforehand, possibly on another thread, so that the
    /// caller can prepare the next batch while this one is written.
    ///
    /// # Errors
    /// As [`ImportBatch::insert`]; also when the batch was prepared for another source.
    pub async fn insert_prepared(
        &mut self,
        prepared: PreparedPeople,
    ) -> StoreResult<Vec<PersonId>> {
        if prepared.source != self.source {
            return Err(StoreError::Invalid(
                "the batch was prepared for another source".into(),
            ));
        }
        let PreparedPeople { flat, ids, now, .. } = prepared;
        let tenant = self.scope.tenant();
        match &mut self.tx {
            ImportTx::Sqlite(slot) => {
                // The statements block: run them off the async workers.
                let mut direct = slot.take().ok_or_else(|| {
                    StoreError::Invalid("the import was abandoned after an error".into())
                })?;
                let source = self.source;
                let (direct, result) = tokio::task::spawn_blocking(move || {
                    let result = direct.insert(tenant, source, now, &flat);
                    (direct, result)
                })
                .await
                .map_err(|e| StoreError::Invalid(format!("import worker failed: {e}")))?;
                result?;
                *slot = Some(direct);
            }
            ImportTx::Postgres(tx) => {
                // A foreign key sees places of every tenant (PostgreSQL runs its checks past
                // row-level security): a place must be one of this tenant's.
                let places: Vec<uuid::Uuid> = flat.places().iter().map(|p| *p.as_uuid()).collect();
                if !places.is_empty() {
                    let found: i64 = sqlx::query_scalar(
                        "SELECT count(*) FROM places WHERE tenant_id = $1 AND id = ANY($2)",
                    )
                    .bind(*tenant.as_uuid())
                    .bind(&places)
                    .fetch_one(&mut **tx)
                    .await?;
                    if usize::try_from(found).ok() != Some(places.len()) {
                        return Err(StoreError::Invalid(
                            "an event names a place that is not one of this tenant's".into(),
                        ));
                    }
                }
                insert_unnest(tx, tenant, self.source, now, &flat).await?;
            }
        }
        self.inserted += ids.len();
        Ok(ids)
    }

    #[must_use]
    pub fn inserted(&self) -> usize {
        self.inserted
    }

    #[must_use]
    pub fn source(&self) -> SourceId {
        self.source
    }

    /// Makes the whole import visible at once.
    ///
    /// # Errors
    /// When the commit fails; then nothing was written.
    pub async fn commit(self) -> StoreResult<usize> {
        match self.tx {
            ImportTx::Sqlite(slot) => {
                let direct = slot.ok_or_else(|| {
                    StoreError::Invalid("the import was abandoned after an error".into())
                })?;
                tokio::task::spawn_blocking(move || direct.commit())
                    .await
                    .map_err(|e| StoreError::Invalid(format!("import worker failed: {e}")))??;
            }
            ImportTx::Postgres(tx) => tx.commit().await?,
        }
        Ok(self.inserted)
    }
}

fn parse_code<T: std::str::FromStr<Err = String>>(text: &str) -> StoreResult<T> {
    text.parse().map_err(StoreError::Corrupt)
}

fn assertion_from_row(row: &impl RowExt) -> StoreResult<Assertion> {
    let value = row.opt_text("value")?;
    let absence = row.opt_text("absence")?;
    Ok(Assertion {
        id: AssertionId::from_uuid(row.uuid("id")?),
        person: PersonId::from_uuid(row.uuid("person_id")?),
        field: parse_code(&row.text("field")?)?,
        value: codec::decode(value.as_deref(), absence.as_deref())?,
        source: SourceId::from_uuid(row.uuid("source_id")?),
        locator: row.text("locator")?,
        recorded_at: row.time("recorded_at")?,
        supersedes: row.opt_uuid("supersedes_id")?.map(AssertionId::from_uuid),
    })
}

/// The assertions of one `assertion_packs` row (`person_id, source_id, recorded_at, body`);
/// with `only`, those of that field.
fn assertions_from_pack(row: &impl RowExt, only: Option<FieldKey>) -> StoreResult<Vec<Assertion>> {
    pack::decode(
        &row.bytes("body")?,
        PersonId::from_uuid(row.uuid("person_id")?),
        SourceId::from_uuid(row.uuid("source_id")?),
        row.time("recorded_at")?,
        only,
    )
}

/// The order the assertion queries ask for (`ORDER BY recorded_at, id`), after packed and
/// single assertions are put together.
fn sort_assertions(assertions: &mut [Assertion]) {
    assertions.sort_by_key(|a| (a.recorded_at, a.id));
}

fn event_from_row(row: &impl RowExt) -> StoreResult<Event> {
    Ok(Event {
        id: EventId::from_uuid(row.uuid("id")?),
        person: PersonId::from_uuid(row.uuid("person_id")?),
        kind: parse_code(&row.text("kind")?)?,
        occurred_at: row.time("occurred_at")?,
        recorded_at: row.time("recorded_at")?,
        place: row.opt_uuid("place_id")?.map(PlaceId::from_uuid),
        place_to: row.opt_uuid("place_to_id")?.map(PlaceId::from_uuid),
        source: SourceId::from_uuid(row.uuid("source_id")?),
        locator: row.text("locator")?,
        note: row.opt_text("note")?,
    })
}

fn notification_from_row(row: &impl RowExt) -> StoreResult<Notification> {
    Ok(Notification {
        id: NotificationId::from_uuid(row.uuid("id")?),
        person: PersonId::from_uuid(row.uuid("person_id")?),
        rule: parse_code(&row.text("rule")?)?,
        trigger_event: row.opt_uuid("trigger_event_id")?.map(EventId::from_uuid),
        channel: parse_code(&row.text("channel")?)?,
        kind: parse_code(&row.text("kind")?)?,
        sent_at: row.time("sent_at")?,
        source: SourceId::from_uuid(row.uuid("source_id")?),
        reference: row.text("reference")?,
    })
}

fn source_from_row(row: &impl RowExt) -> StoreResult<Provenance> {
    let confidence =
        u8::try_from(row.int("confidence")?).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Provenance {
        id: SourceId::from_uuid(row.uuid("id")?),
        kind: parse_code(&row.text("kind")?)?,
        reference: row.text("reference")?,
        collected_by: row.text("collected_by")?,
        collected_at: row.time("collected_at")?,
        language: row
            .opt_text("language")?
            .map(|t| parse_code(&t))
            .transpose()?,
        script: row
            .opt_text("script")?
            .map(|t| parse_code(&t))
            .transpose()?,
        confidence: Confidence::new(confidence).map_err(StoreError::Corrupt)?,
    })
}

fn person_from_row(row: &impl RowExt, tenant: domain::TenantId) -> StoreResult<Person> {
    Ok(Person {
        id: PersonId::from_uuid(row.uuid("id")?),
        tenant,
        reference: row.text("reference")?,
        category: parse_code(&row.text("category")?)?,
        registered_at: row.time("registered_at")?,
    })
}

/// Each person with their name assertions and the summary a list shows, in the persons' order.
fn summaries(persons: Vec<Person>, names: Vec<Assertion>) -> Vec<(PersonSummary, Vec<Assertion>)> {
    let mut by_person: HashMap<PersonId, Vec<Assertion>> = HashMap::with_capacity(persons.len());
    for assertion in names {
        by_person
            .entry(assertion.person)
            .or_default()
            .push(assertion);
    }
    persons
        .into_iter()
        .map(|person| {
            let assertions = by_person.remove(&person.id).unwrap_or_default();
            let summary = PersonSummary {
                display_name: display_name(&assertions),
                id: person.id,
                reference: person.reference,
                category: person.category,
                registered_at: person.registered_at,
            };
            (summary, assertions)
        })
        .collect()
}

fn display_name(assertions: &[Assertion]) -> Option<String> {
    domain::CurrentView::project(assertions)
        .value(FieldKey::Name)
        .map(AssertedValue::display)
}

impl Store {
    /// Records a source that values will cite.
    pub async fn record_source(
        &self,
        scope: &TenantScope,
        source: &NewSource,
    ) -> StoreResult<SourceId> {
        source.check()?;
        let id = SourceId::new();
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            insert_source!(&mut *tx, scope.tenant(), id, source, now);
            tx.commit().await?;
        });
        Ok(id)
    }

    pub async fn create_place(
        &self,
        scope: &TenantScope,
        place: &NewPlace,
    ) -> StoreResult<PlaceId> {
        if place.name.trim().is_empty() {
            return Err(StoreError::Invalid("a place needs a name".into()));
        }
        let id = PlaceId::new();
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            if let Some(parent) = place.parent {
                let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM places WHERE id = $1 AND tenant_id = $2")
                    .bind(parent.as_uuid())
                    .bind(*scope.tenant().as_uuid())
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Err(StoreError::NotFound);
                }
            }
            sqlx::query(
                "INSERT INTO places (id, tenant_id, controlling_party, kind, name, parent_id, postal_address, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(place.controlling_party.as_uuid())
            .bind(place.kind.code())
            .bind(&place.name)
            .bind(place.parent.map(|p| *p.as_uuid()))
            .bind(place.postal_address.as_deref())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    pub async fn places(&self, scope: &TenantScope) -> StoreResult<Vec<PlaceOfDetention>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT id, controlling_party, kind, name, parent_id, postal_address FROM places WHERE tenant_id = $1 ORDER BY name",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(PlaceOfDetention {
                        id: PlaceId::from_uuid(row.uuid("id")?),
                        tenant: scope.tenant(),
                        controlling_party: PartyId::from_uuid(row.uuid("controlling_party")?),
                        kind: parse_code(&row.text("kind")?)?,
                        name: row.text("name")?,
                        parent: row.opt_uuid("parent_id")?.map(PlaceId::from_uuid),
                        postal_address: row.opt_text("postal_address")?,
                    })
                })
                .collect()
        })
    }

    /// Starts an all-or-nothing import citing `source`.
    pub async fn begin_import(
        &self,
        scope: &TenantScope,
        source: SourceId,
    ) -> StoreResult<ImportBatch> {
        let tx = match &self.backend {
            Backend::Sqlite(_) => {
                let path = self
                    .sqlite_path
                    .clone()
                    .ok_or_else(|| StoreError::Invalid("no SQLite file".into()))?;
                let direct = tokio::task::spawn_blocking(move || {
                    crate::sqlite_import::DirectImport::begin(&path)
                })
                .await
                .map_err(|e| StoreError::Invalid(format!("import worker failed: {e}")))??;
                ImportTx::Sqlite(Some(direct))
            }
            Backend::Postgres(pool) => ImportTx::Postgres(pool.begin_scoped(scope).await?),
        };
        Ok(ImportBatch {
            tx,
            scope: scope.clone(),
            source,
            inserted: 0,
        })
    }

    /// Opens an import that first records its source, in the same transaction: when the
    /// import is abandoned, the source is gone with it.
    ///
    /// # Errors
    /// An invalid source, or a database error.
    pub async fn begin_import_from(
        &self,
        scope: &TenantScope,
        source: &NewSource,
    ) -> StoreResult<ImportBatch> {
        source.check()?;
        let id = SourceId::new();
        let now = OffsetDateTime::now_utc();
        let tx = match &self.backend {
            Backend::Sqlite(_) => {
                let path = self
                    .sqlite_path
                    .clone()
                    .ok_or_else(|| StoreError::Invalid("no SQLite file".into()))?;
                let tenant = scope.tenant();
                let source = source.clone();
                let direct = tokio::task::spawn_blocking(move || {
                    let direct = crate::sqlite_import::DirectImport::begin(&path)?;
                    direct.insert_source(tenant, id, &source, now)?;
                    Ok::<_, StoreError>(direct)
                })
                .await
                .map_err(|e| StoreError::Invalid(format!("import worker failed: {e}")))??;
                ImportTx::Sqlite(Some(direct))
            }
            Backend::Postgres(pool) => {
                let mut tx = pool.begin_scoped(scope).await?;
                insert_source!(&mut *tx, scope.tenant(), id, source, now);
                ImportTx::Postgres(tx)
            }
        };
        Ok(ImportBatch {
            tx,
            scope: scope.clone(),
            source: id,
            inserted: 0,
        })
    }

    /// Registers one person with their first assertions and events.
    pub async fn register_person(
        &self,
        scope: &TenantScope,
        source: SourceId,
        person: &NewPerson,
    ) -> StoreResult<PersonId> {
        let mut batch = self.begin_import(scope, source).await?;
        let ids = batch.insert(std::slice::from_ref(person)).await?;
        batch.commit().await?;
        let id = ids.into_iter().next().ok_or(StoreError::NotFound)?;
        self.audit(
            scope,
            crate::AuditEntry::new(
                crate::AuditAction::Create,
                format!("person:{}", id.as_uuid()),
            ),
        )
        .await?;
        Ok(id)
    }

    /// Which of `references` already name a person in this tenant.
    pub async fn existing_references(
        &self,
        scope: &TenantScope,
        references: &[String],
    ) -> StoreResult<Vec<String>> {
        let mut found = Vec::new();
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            for chunk in references.chunks(CHUNK_ROWS) {
                let style = style_of(pool);
                let sql = format!(
                    "SELECT reference FROM persons WHERE tenant_id = {} AND reference IN ({})",
                    style.list(1, 1),
                    style.list(2, chunk.len())
                );
                let mut query = sqlx::query_scalar::<_, String>(sql_text(&sql)).bind(*scope.tenant().as_uuid());
                for reference in chunk {
                    query = query.bind(reference.as_str());
                }
                found.extend(query.fetch_all(&mut *tx).await?);
            }
            tx.commit().await?;
        });
        Ok(found)
    }

    pub async fn count_persons(&self, scope: &TenantScope) -> StoreResult<i64> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let count = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM persons WHERE tenant_id = $1")
                .bind(*scope.tenant().as_uuid())
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(count)
        })
    }

    pub async fn person_id_by_reference(
        &self,
        scope: &TenantScope,
        reference: &str,
    ) -> StoreResult<PersonId> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let id = sqlx::query_scalar::<_, uuid::Uuid>("SELECT id FROM persons WHERE tenant_id = $1 AND reference = $2")
                .bind(*scope.tenant().as_uuid())
                .bind(reference)
                .fetch_optional(&mut *tx)
                .await?;
            tx.commit().await?;
            id.map(PersonId::from_uuid).ok_or(StoreError::NotFound)
        })
    }

    /// Everything about one person. A person of another tenant answers [`StoreError::NotFound`],
    /// exactly as a person who does not exist.
    pub async fn person(&self, scope: &TenantScope, id: PersonId) -> StoreResult<PersonRecord> {
        // ICRC-DP-c: a restricted record is read only by the roles the restriction allows.
        self.check_processing(scope, id).await?;
        let mut records = self.person_records(scope, &[id]).await?;
        records.pop().ok_or(StoreError::NotFound)
    }

    /// Full records for a set of persons of this tenant, in the order of `ids`; persons not in
    /// the tenant are left out.
    pub async fn person_records(
        &self,
        scope: &TenantScope,
        ids: &[PersonId],
    ) -> StoreResult<Vec<PersonRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let tenant = scope.tenant();
        let visible = crate::subject::visible_clause(scope, "persons.tenant_id", "persons.id");
        let mut records: Vec<PersonRecord> = Vec::with_capacity(ids.len());
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            for chunk in ids.chunks(CHUNK_ROWS) {
                let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                let list = list.join(",");
                let mut by_id: HashMap<PersonId, PersonRecord> = HashMap::with_capacity(chunk.len());
                // ICRC-DP-c: a person restricted away from the scope's role is left out, and so
                // is everything about them (the rows below attach only to persons found here).
                // Looked up by primary key: with `tenant_id = $1 AND id IN (…)` (and with the ids
                // as a VALUES list joined to persons) SQLite, without statistics, chose the
                // `persons_listing` index and read every person of the tenant per chunk of
                // CHUNK_ROWS: a forwarding round reading 10^5 persons spent 20 s in this
                // statement, quadratic in the persons read. The tenant is compared in a CASE,
                // which no index serves, so the primary key is the only plan; another tenant's
                // person is still left out by it (`TENANT_CHECK`).
                let by_key = format!("persons WHERE persons.id IN ({list}) AND {}", crate::forwarding::TENANT_CHECK);
                let sql = format!("SELECT persons.id, persons.reference, persons.category, persons.registered_at FROM {by_key}{visible}");
                let mut query = sqlx::query(sql_text(&sql)).bind(tenant.as_uuid());
                for id in chunk {
                    query = query.bind(id.as_uuid());
                }
                for row in query.fetch_all(&mut *tx).await? {
                    let person = person_from_row(&row, tenant)?;
                    by_id.insert(person.id, PersonRecord { person, assertions: Vec::new(), events: Vec::new(), notifications: Vec::new(), sources: Vec::new() });
                }
                // No ORDER BY: `sort_assertions` below orders them (recorded_at, id). With
                // `ORDER BY recorded_at, id` SQLite chose the `assertions_recorded` index
                // (tenant_id, recorded_at) and read every assertion of the tenant per chunk.
                let sql = format!("SELECT id, person_id, field, value, absence, source_id, locator, recorded_at, supersedes_id FROM assertions WHERE tenant_id = $1 AND person_id IN ({list})");
                let mut query = sqlx::query(sql_text(&sql)).bind(tenant.as_uuid());
                for id in chunk {
                    query = query.bind(id.as_uuid());
                }
                for row in query.fetch_all(&mut *tx).await? {
                    let assertion = assertion_from_row(&row)?;
                    if let Some(record) = by_id.get_mut(&assertion.person) {
                        record.assertions.push(assertion);
                    }
                }
                let sql = format!("SELECT person_id, source_id, recorded_at, body FROM assertion_packs WHERE tenant_id = $1 AND person_id IN ({list})");
                let mut query = sqlx::query(sql_text(&sql)).bind(tenant.as_uuid());
                for id in chunk {
                    query = query.bind(id.as_uuid());
                }
                for row in query.fetch_all(&mut *tx).await? {
                    for assertion in assertions_from_pack(&row, None)? {
                        if let Some(record) = by_id.get_mut(&assertion.person) {
                            record.assertions.push(assertion);
                        }
                    }
                }
                for record in by_id.values_mut() {
                    sort_assertions(&mut record.assertions);
                }
                let sql = format!("SELECT id, person_id, kind, occurred_at, recorded_at, place_id, place_to_id, source_id, locator, note FROM events WHERE tenant_id = $1 AND person_id IN ({list}) ORDER BY occurred_at, recorded_at");
                let mut query = sqlx::query(sql_text(&sql)).bind(tenant.as_uuid());
                for id in chunk {
                    query = query.bind(id.as_uuid());
                }
                for row in query.fetch_all(&mut *tx).await? {
                    let event = event_from_row(&row)?;
                    if let Some(record) = by_id.get_mut(&event.person) {
                        record.events.push(event);
                    }
                }
                let sql = format!("SELECT id, person_id, rule, trigger_event_id, channel, kind, sent_at, source_id, reference FROM notifications WHERE tenant_id = $1 AND person_id IN ({list}) ORDER BY sent_at");
                let mut query = sqlx::query(sql_text(&sql)).bind(tenant.as_uuid());
                for id in chunk {
                    query = query.bind(id.as_uuid());
                }
                for row in query.fetch_all(&mut *tx).await? {
                    let notification = notification_from_row(&row)?;
                    if let Some(record) = by_id.get_mut(&notification.person) {
                        record.notifications.push(notification);
                    }
                }
                let sql = format!(
                    "SELECT id, kind, reference, collected_by, collected_at, language, script, confidence FROM sources WHERE tenant_id = $1 AND id IN (\
                     SELECT source_id FROM assertions WHERE tenant_id = $1 AND person_id IN ({list}) \
                     UNION SELECT source_id FROM assertion_packs WHERE tenant_id = $1 AND person_id IN ({list}) \
                     UNION SELECT source_id FROM events WHERE tenant_id = $1 AND person_id IN ({list}) \
                     UNION SELECT source_id FROM notifications WHERE tenant_id = $1 AND person_id IN ({list}) \
                     UNION SELECT persons.source_id FROM {by_key})"
                );
                let mut query = sqlx::query(sql_text(&sql)).bind(tenant.as_uuid());
                for id in chunk {
                    query = query.bind(id.as_uuid());
                }
                let sources: Vec<Provenance> = query.fetch_all(&mut *tx).await?.iter().map(source_from_row).collect::<StoreResult<_>>()?;
                for id in chunk {
                    if let Some(mut record) = by_id.remove(id) {
                        let used: std::collections::HashSet<SourceId> = record.assertions.iter().map(|a| a.source)
                            .chain(record.events.iter().map(|e| e.source))
                            .chain(record.notifications.iter().map(|n| n.source))
                            .collect();
                        record.sources = sources.iter().filter(|s| used.contains(&s.id)).cloned().collect();
                        records.push(record);
                    }
                }
            }
            tx.commit().await?;
        });
        Ok(records)
    }

    /// A page of persons, newest registration first. Searching is the directory's job
    /// ([`Store::person_directory`]), which also reads names in other scripts.
    pub async fn list_persons(
        &self,
        scope: &TenantScope,
        offset: i64,
        limit: i64,
    ) -> StoreResult<PersonPage> {
        let limit = limit.clamp(1, 500);
        let offset = offset.max(0);
        let tenant = scope.tenant();
        // ICRC-DP-c: persons restricted away from the scope's role are neither listed nor counted.
        let visible = crate::subject::visible_clause(scope, "p.tenant_id", "p.id");
        let page_sql = format!(
            "SELECT p.id, p.reference, p.category, p.registered_at FROM persons p WHERE p.tenant_id = $1{visible} ORDER BY p.registered_at DESC, p.id DESC LIMIT $2 OFFSET $3"
        );
        let count_sql = format!("SELECT COUNT(*) FROM persons p WHERE p.tenant_id = $1{visible}");
        // One read transaction, three statements: the page of persons, the count, and only the
        // name assertions of the page (a list shows no more; `person_records` is for pages that
        // show a whole record).
        let (persons, names, total) = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(sql_text(&page_sql))
                .bind(*tenant.as_uuid()).bind(limit).bind(offset)
                .fetch_all(&mut *tx).await?;
            let total = sqlx::query_scalar::<_, i64>(sql_text(&count_sql))
                .bind(*tenant.as_uuid())
                .fetch_one(&mut *tx).await?;
            let persons = rows.iter().map(|row| person_from_row(row, tenant)).collect::<StoreResult<Vec<_>>>()?;
            let mut names: Vec<Assertion> = Vec::new();
            if !persons.is_empty() {
                let list: Vec<String> = (0..persons.len()).map(|i| format!("${}", i + 2)).collect();
                // Ordered by `sort_assertions` below: an ORDER BY here made SQLite read every
                // assertion of the tenant through `assertions_recorded` (as in `person_records`).
                let sql = format!("SELECT id, person_id, field, value, absence, source_id, locator, recorded_at, supersedes_id FROM assertions WHERE tenant_id = $1 AND field = 'name' AND person_id IN ({})", list.join(","));
                let mut query = sqlx::query(sql_text(&sql)).bind(tenant.as_uuid());
                for person in &persons {
                    query = query.bind(person.id.as_uuid());
                }
                for row in query.fetch_all(&mut *tx).await? {
                    names.push(assertion_from_row(&row)?);
                }
                let sql = format!("SELECT person_id, source_id, recorded_at, body FROM assertion_packs WHERE tenant_id = $1 AND person_id IN ({})", list.join(","));
                let mut query = sqlx::query(sql_text(&sql)).bind(tenant.as_uuid());
                for person in &persons {
                    query = query.bind(person.id.as_uuid());
                }
                for row in query.fetch_all(&mut *tx).await? {
                    names.extend(assertions_from_pack(&row, Some(FieldKey::Name))?);
                }
                sort_assertions(&mut names);
            }
            tx.commit().await?;
            (persons, names, total)
        });
        let persons = summaries(persons, names)
            .into_iter()
            .map(|(summary, _)| summary)
            .collect();
        Ok(PersonPage { persons, total })
    }

    /// Every person of the tenant with every name ever asserted (standing and superseded, so
    /// that an old spelling still finds the person), newest registration first: what a person
    /// directory searches. Two statements in one read transaction.
    ///
    /// Persons restricted away from the scope's role are left out (ICRC-DP-c); a directory shared
    /// by every role is built with [`TenantScope::for_shared_cache`] and filtered per request.
    pub async fn person_directory(&self, scope: &TenantScope) -> StoreResult<Vec<DirectoryRow>> {
        let tenant = scope.tenant();
        let visible = crate::subject::visible_clause(scope, "persons.tenant_id", "persons.id");
        let persons_sql = format!(
            "SELECT id, reference, category, registered_at FROM persons WHERE tenant_id = $1{visible} ORDER BY registered_at DESC, id DESC"
        );
        let (persons, names) = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let persons = sqlx::query(sql_text(&persons_sql))
                .bind(*tenant.as_uuid())
                .fetch_all(&mut *tx).await?
                .iter().map(|row| person_from_row(row, tenant)).collect::<StoreResult<Vec<_>>>()?;
            let names = sqlx::query("SELECT id, person_id, field, value, absence, source_id, locator, recorded_at, supersedes_id FROM assertions WHERE tenant_id = $1 AND field = 'name' ORDER BY recorded_at, id")
                .bind(*tenant.as_uuid())
                .fetch_all(&mut *tx).await?
                .iter().map(assertion_from_row).collect::<StoreResult<Vec<_>>>()?;
            let mut names = names;
            for row in sqlx::query("SELECT person_id, source_id, recorded_at, body FROM assertion_packs WHERE tenant_id = $1")
                .bind(*tenant.as_uuid())
                .fetch_all(&mut *tx).await?
            {
                names.extend(assertions_from_pack(&row, Some(FieldKey::Name))?);
            }
            sort_assertions(&mut names);
            tx.commit().await?;
            (persons, names)
        });
        Ok(summaries(persons, names)
            .into_iter()
            .map(|(summary, assertions)| DirectoryRow {
                summary,
                names: assertions
                    .into_iter()
                    .filter_map(|a| match a.value {
                        Presence::Present(AssertedValue::Name(name)) => Some(name),
                        _ => None,
                    })
                    .collect(),
            })
            .collect())
    }

    /// The ids of this tenant's persons after `after` in id order: for streaming exports.
    pub async fn person_ids_after(
        &self,
        scope: &TenantScope,
        after: Option<PersonId>,
        limit: i64,
    ) -> StoreResult<Vec<PersonId>> {
        let after = after.map_or(uuid::Uuid::nil(), |id| *id.as_uuid());
        // ICRC-DP-c: an export by a role a restriction excludes leaves the person out.
        let visible = crate::subject::visible_clause(scope, "persons.tenant_id", "persons.id");
        let sql = format!(
            "SELECT id FROM persons WHERE tenant_id = $1 AND id > $2{visible} ORDER BY id LIMIT $3"
        );
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let ids = sqlx::query_scalar::<_, uuid::Uuid>(sql_text(&sql))
                .bind(*scope.tenant().as_uuid())
                .bind(after)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(ids.into_iter().map(PersonId::from_uuid).collect())
        })
    }

    /// Adds an assertion about a person; a correction names the assertion it supersedes, which
    /// is kept (XC-3).
    pub async fn add_assertion(
        &self,
        scope: &TenantScope,
        person: PersonId,
        source: SourceId,
        assertion: &NewAssertion,
        supersedes: Option<AssertionId>,
    ) -> StoreResult<AssertionId> {
        self.check_processing(scope, person).await?;
        if let Presence::Present(value) = &assertion.value
            && !assertion.field.accepts(value)
        {
            return Err(StoreError::Invalid(format!(
                "field {} does not accept this value",
                assertion.field
            )));
        }
        let id = AssertionId::new();
        let now = OffsetDateTime::now_utc();
        let (value, absence) = codec::encode(&assertion.value);
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            self::require_person!(tx, scope, person);
            if let Some(earlier) = supersedes {
                let field: Option<String> = sqlx::query_scalar("SELECT field FROM assertions WHERE id = $1 AND tenant_id = $2 AND person_id = $3")
                    .bind(earlier.as_uuid()).bind(*scope.tenant().as_uuid()).bind(person.as_uuid())
                    .fetch_optional(&mut *tx).await?;
                // Or one of the assertions the person was registered with (`pack.rs`).
                let field = match field {
                    Some(field) => Some(field),
                    None => {
                        let body: Option<Vec<u8>> = sqlx::query_scalar("SELECT body FROM assertion_packs WHERE tenant_id = $1 AND person_id = $2")
                            .bind(*scope.tenant().as_uuid()).bind(person.as_uuid())
                            .fetch_optional(&mut *tx).await?;
                        match body {
                            Some(body) => pack::field_of(&body, earlier)?.map(|f| f.code().to_owned()),
                            None => None,
                        }
                    }
                };
                match field {
                    None => return Err(StoreError::Invalid("the superseded assertion is not about this person".into())),
                    Some(field) if field != assertion.field.code() => {
                        return Err(StoreError::Invalid(format!("a {} assertion cannot supersede a {field} assertion", assertion.field)));
                    }
                    Some(_) => {}
                }
            }
            sqlx::query(sql_text(&values_sql("assertions", &ASSERTION_COLUMNS, 1, style_of(pool))))
                .bind(id.as_uuid())
                .bind(*scope.tenant().as_uuid())
                .bind(person.as_uuid())
                .bind(assertion.field.code())
                .bind(value.as_deref())
                .bind(absence)
                .bind(source.as_uuid())
                .bind(&assertion.locator)
                .bind(now)
                .bind(supersedes.map(|a| *a.as_uuid()))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        self.audit(
            scope,
            crate::AuditEntry::new(
                crate::AuditAction::Update,
                format!("person:{}", person.as_uuid()),
            )
            .detail(format!("assertion {}", assertion.field.code())),
        )
        .await?;
        Ok(id)
    }

    /// Records an event after checking it against the person's history (XC-1).
    pub async fn record_event(
        &self,
        scope: &TenantScope,
        person: PersonId,
        source: SourceId,
        new: &NewEvent,
    ) -> StoreResult<EventId> {
        let record = self.person(scope, person).await?;
        let event = Event {
            id: EventId::new(),
            person,
            kind: new.kind,
            occurred_at: new.occurred_at,
            recorded_at: OffsetDateTime::now_utc(),
            place: new.place,
            place_to: new.place_to,
            source,
            locator: new.locator.clone(),
            note: new.note.clone(),
        };
        event
            .check_against(&record.events)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let places: Vec<PlaceId> = self
            .places(scope)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        for place in event.place.iter().chain(event.place_to.iter()) {
            if !places.contains(place) {
                return Err(StoreError::Invalid(
                    "the place is not one of this tenant's places".into(),
                ));
            }
        }
        let flat = Flattened {
            persons: Vec::new(),
            packs: Vec::new(),
            pack_bytes: Vec::new(),
            events: vec![event.clone()],
        };
        let tenant = scope.tenant();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            let tx_ref = &mut tx;
            insert_flattened!(tx_ref, style_of(pool), tenant, source, event.recorded_at, flat);
            tx.commit().await?;
        });
        self.audit(
            scope,
            crate::AuditEntry::new(
                crate::AuditAction::Update,
                format!("person:{}", person.as_uuid()),
            )
            .detail(format!("event {}", event.kind.code())),
        )
        .await?;
        Ok(event.id)
    }

    /// Records that an obligation was met: a card sent, a change notified.
    pub async fn record_notification(
        &self,
        scope: &TenantScope,
        source: SourceId,
        new: &NewNotification,
    ) -> StoreResult<NotificationId> {
        let id = NotificationId::new();
        let now = OffsetDateTime::now_utc();
        if new.sent_at > now + time::Duration::days(1) {
            return Err(StoreError::Invalid(
                "a notification cannot be sent in the future".into(),
            ));
        }
        if new.reference.len() > 2000 {
            return Err(StoreError::Invalid(
                "a notification reference is at most 2000 characters".into(),
            ));
        }
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            self::require_person!(tx, scope, new.person);
            if let Some(event) = new.trigger_event {
                let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM events WHERE id = $1 AND tenant_id = $2 AND person_id = $3")
                    .bind(event.as_uuid()).bind(*scope.tenant().as_uuid()).bind(new.person.as_uuid())
                    .fetch_optional(&mut *tx).await?;
                if found.is_none() {
                    return Err(StoreError::Invalid("the trigger event is not one of this person's events".into()));
                }
            }
            sqlx::query(
                "INSERT INTO notifications (id, tenant_id, person_id, rule, trigger_event_id, channel, kind, sent_at, source_id, reference, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(new.person.as_uuid())
            .bind(new.rule.code())
            .bind(new.trigger_event.map(|e| *e.as_uuid()))
            .bind(new.channel.code())
            .bind(new.kind.code())
            .bind(new.sent_at)
            .bind(source.as_uuid())
            .bind(&new.reference)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    /// Records many notifications at once, all or nothing: each must answer an event of its own
    /// person in this tenant, or name no event.
    pub async fn record_notifications(
        &self,
        scope: &TenantScope,
        source: SourceId,
        notifications: &[NewNotification],
    ) -> StoreResult<usize> {
        let now = OffsetDateTime::now_utc();
        // Only the persons and events named are looked up (by primary key, the tenant compared
        // in a CASE: see `person_records`), not every person and event of the tenant: a bureau's
        // first round records 10^4 notifications an envelope at a tenant of 10^5 persons.
        let mut named: Vec<PersonId> = notifications.iter().map(|n| n.person).collect();
        named.sort_unstable();
        named.dedup();
        let mut triggers: Vec<EventId> = notifications
            .iter()
            .filter_map(|n| n.trigger_event)
            .collect();
        triggers.sort_unstable();
        triggers.dedup();
        let (persons, owner) = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let mut persons: std::collections::HashSet<PersonId> = std::collections::HashSet::new();
            for chunk in named.chunks(CHUNK_ROWS) {
                let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                let sql = format!(
                    "SELECT persons.id FROM persons WHERE persons.id IN ({}) AND {}",
                    list.join(","),
                    crate::forwarding::TENANT_CHECK
                );
                let mut query = sqlx::query(sql_text(&sql)).bind(scope.tenant().as_uuid());
                for id in chunk {
                    query = query.bind(id.as_uuid());
                }
                for row in query.fetch_all(&mut *tx).await? {
                    persons.insert(PersonId::from_uuid(row.uuid("id")?));
                }
            }
            let mut owner: HashMap<EventId, PersonId> = HashMap::new();
            for chunk in triggers.chunks(CHUNK_ROWS) {
                let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                let sql = format!(
                    "SELECT events.id, events.person_id FROM events WHERE events.id IN ({}) \
                     AND CASE WHEN events.tenant_id = $1 THEN 1 ELSE 0 END = 1",
                    list.join(",")
                );
                let mut query = sqlx::query(sql_text(&sql)).bind(scope.tenant().as_uuid());
                for id in chunk {
                    query = query.bind(id.as_uuid());
                }
                for row in query.fetch_all(&mut *tx).await? {
                    owner.insert(EventId::from_uuid(row.uuid("id")?), PersonId::from_uuid(row.uuid("person_id")?));
                }
            }
            tx.commit().await?;
            Ok::<_, StoreError>((persons, owner))
        })?;
        for (i, new) in notifications.iter().enumerate() {
            if !persons.contains(&new.person) {
                return Err(StoreError::NotFound);
            }
            if let Some(event) = new.trigger_event
                && owner.get(&event) != Some(&new.person)
            {
                return Err(StoreError::Invalid(format!(
                    "notification {i}: the trigger event is not one of this person's events"
                )));
            }
            if new.sent_at > now + time::Duration::days(1) {
                return Err(StoreError::Invalid(format!(
                    "notification {i}: sent in the future"
                )));
            }
        }
        const COLUMNS: [&str; 11] = [
            "id",
            "tenant_id",
            "person_id",
            "rule",
            "trigger_event_id",
            "channel",
            "kind",
            "sent_at",
            "source_id",
            "reference",
            "recorded_at",
        ];
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            for chunk in notifications.chunks(CHUNK_ROWS) {
                let sql = values_sql("notifications", &COLUMNS, chunk.len(), style_of(pool));
                let mut query = sqlx::query(sql_text(&sql));
                for new in chunk {
                    query = query
                        .bind(*NotificationId::new().as_uuid())
                        .bind(*scope.tenant().as_uuid())
                        .bind(*new.person.as_uuid())
                        .bind(new.rule.code())
                        .bind(new.trigger_event.map(|e| *e.as_uuid()))
                        .bind(new.channel.code())
                        .bind(new.kind.code())
                        .bind(new.sent_at)
                        .bind(*source.as_uuid())
                        .bind(new.reference.as_str())
                        .bind(now);
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(notifications.len())
    }

    /// Events and notifications of every person in the tenant, for the deadline engine.
    pub async fn tenant_facts(&self, scope: &TenantScope) -> StoreResult<Vec<PersonFacts>> {
        let tenant = scope.tenant();
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let mut facts: Vec<PersonFacts> = Vec::new();
            let mut index: HashMap<PersonId, usize> = HashMap::new();
            let rows = sqlx::query("SELECT p.id, p.reference, p.category, EXISTS (SELECT 1 FROM transmissions_in r WHERE r.tenant_id = p.tenant_id AND r.source_id = p.source_id) AS received FROM persons p WHERE p.tenant_id = $1 ORDER BY p.id")
                .bind(tenant.as_uuid()).fetch_all(&mut *tx).await?;
            for row in &rows {
                let id = PersonId::from_uuid(row.uuid("id")?);
                index.insert(id, facts.len());
                facts.push(PersonFacts { person: id, reference: row.text("reference")?, category: parse_code(&row.text("category")?)?, events: Vec::new(), notifications: Vec::new(), received: sqlx::Row::try_get::<bool, _>(row, "received")? });
            }
            let rows = sqlx::query("SELECT id, person_id, kind, occurred_at, recorded_at, place_id, place_to_id, source_id, locator, note FROM events WHERE tenant_id = $1 ORDER BY occurred_at")
                .bind(tenant.as_uuid()).fetch_all(&mut *tx).await?;
            for row in &rows {
                let event = event_from_row(row)?;
                if let Some(i) = index.get(&event.person) {
                    facts[*i].events.push(event);
                }
            }
            let rows = sqlx::query("SELECT id, person_id, rule, trigger_event_id, channel, kind, sent_at, source_id, reference FROM notifications WHERE tenant_id = $1 ORDER BY sent_at")
                .bind(tenant.as_uuid()).fetch_all(&mut *tx).await?;
            for row in &rows {
                let notification = notification_from_row(row)?;
                if let Some(i) = index.get(&notification.person) {
                    facts[*i].notifications.push(notification);
                }
            }
            tx.commit().await?;
            Ok(facts)
        })
    }
}

/// Refuses, as not found, a person who is not in the scope's tenant.
macro_rules! require_person {
    ($tx:expr, $scope:expr, $person:expr) => {{
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM persons WHERE id = $1 AND tenant_id = $2")
                .bind($person.as_uuid())
                .bind(*$scope.tenant().as_uuid())
                .fetch_optional(&mut *$tx)
                .await?;
        if found.is_none() {
            return Err(StoreError::NotFound);
        }
    }};
}
use require_person;
