//! Notices received for persons already held (issue 5; migration 0011 is the sender's side):
//! a later envelope's corrections, which land as new assertions superseding (never erasing)
//! the standing ones (XC-3), and the changes and deaths a bureau notifies (GC3-122-e,
//! GC4-136-b, GC3-120, GC4-129-a), which land as events. Both are written inside the ingest's
//! own import transaction, with the persons and the ledger row: all of it or nothing.

use std::collections::HashMap;

use domain::{AssertionId, EventId, EventKind, PersonId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::codec;
use crate::error::{StoreError, StoreResult};
use crate::registry::{ImportBatch, ImportTx, NewAssertion};
use crate::rows::ScopedPool;
use crate::scope::TenantScope;
use crate::{Store, on_backend};

/// A received value for a person already held; `supersedes` is the standing assertion it
/// corrects, which is kept.
#[derive(Clone, Debug)]
pub struct ReceivedAssertion {
    pub person: PersonId,
    pub assertion: NewAssertion,
    pub supersedes: Option<AssertionId>,
}

/// A received event. The sender's places are not the receiver's: where it happened is in the
/// note, in words, and `place` stays empty.
#[derive(Clone, Debug)]
pub struct ReceivedEvent {
    pub id: EventId,
    pub person: PersonId,
    pub kind: EventKind,
    pub occurred_at: OffsetDateTime,
    pub locator: String,
    pub note: Option<String>,
}

const INSERT_ASSERTION: &str = "INSERT INTO assertions (tenant_id, person_id, id, field, value, absence, source_id, locator, recorded_at, supersedes_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const INSERT_EVENT: &str = "INSERT INTO events (tenant_id, person_id, id, kind, occurred_at, recorded_at, place_id, place_to_id, source_id, locator, note) \
     VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7, $8, $9)";

impl ImportBatch {
    /// Adds corrections and events for persons of this tenant, in the import's transaction,
    /// citing the import's source. The caller has checked the values, the superseded
    /// assertions (same person and field) and the event sequence (XC-1).
    ///
    /// # Errors
    /// A person of another tenant, an overlong note, or a database error; the caller then drops
    /// the batch, which rolls everything back.
    pub async fn add_received(
        &mut self,
        assertions: &[ReceivedAssertion],
        events: &[ReceivedEvent],
    ) -> StoreResult<()> {
        for event in events {
            if event
                .note
                .as_ref()
                .is_some_and(|n| n.chars().count() > 2000)
            {
                return Err(StoreError::Invalid(format!(
                    "{}: a note is at most 2000 characters",
                    event.locator
                )));
            }
        }
        for received in assertions {
            if let domain::Presence::Present(value) = &received.assertion.value
                && !received.assertion.field.accepts(value)
            {
                return Err(StoreError::Invalid(format!(
                    "{}: the value is of the wrong kind for the field",
                    received.assertion.locator
                )));
            }
        }
        let now = OffsetDateTime::now_utc();
        let tenant = *self.scope.tenant().as_uuid();
        let source = *self.source.as_uuid();
        let mut persons: Vec<Uuid> = assertions
            .iter()
            .map(|a| *a.person.as_uuid())
            .chain(events.iter().map(|e| *e.person.as_uuid()))
            .collect();
        persons.sort_unstable();
        persons.dedup();
        match &mut self.tx {
            ImportTx::Sqlite(slot) => {
                let direct = slot.as_ref().ok_or_else(|| {
                    StoreError::Invalid("the import was abandoned after an error".into())
                })?;
                direct.check_persons(tenant, &persons)?;
                for received in assertions {
                    direct.insert_received_assertion(tenant, source, now, received)?;
                }
                for event in events {
                    direct.insert_received_event(tenant, source, now, event)?;
                }
            }
            ImportTx::Postgres(tx) => {
                let found: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM persons WHERE tenant_id = $1 AND id = ANY($2)",
                )
                .bind(tenant)
                .bind(&persons)
                .fetch_one(&mut **tx)
                .await?;
                if usize::try_from(found).ok() != Some(persons.len()) {
                    return Err(StoreError::NotFound);
                }
                for received in assertions {
                    let (value, absence) = codec::encode(&received.assertion.value);
                    sqlx::query(INSERT_ASSERTION)
                        .bind(tenant)
                        .bind(*received.person.as_uuid())
                        .bind(Uuid::now_v7())
                        .bind(received.assertion.field.code())
                        .bind(value)
                        .bind(absence)
                        .bind(source)
                        .bind(&received.assertion.locator)
                        .bind(now)
                        .bind(received.supersedes.map(|a| *a.as_uuid()))
                        .execute(&mut **tx)
                        .await?;
                }
                for event in events {
                    sqlx::query(INSERT_EVENT)
                        .bind(tenant)
                        .bind(*event.person.as_uuid())
                        .bind(*event.id.as_uuid())
                        .bind(event.kind.code())
                        .bind(event.occurred_at)
                        .bind(now)
                        .bind(source)
                        .bind(&event.locator)
                        .bind(event.note.as_deref())
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(())
    }
}

impl Store {
    /// The persons of this tenant named by `references`, by reference; references that name
    /// nobody are left out.
    pub async fn persons_by_reference(
        &self,
        scope: &TenantScope,
        references: &[String],
    ) -> StoreResult<HashMap<String, PersonId>> {
        let mut found = HashMap::new();
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            for reference in references {
                if found.contains_key(reference) {
                    continue;
                }
                let id = sqlx::query_scalar::<_, Uuid>(
                    "SELECT id FROM persons WHERE tenant_id = $1 AND reference = $2",
                )
                .bind(*scope.tenant().as_uuid())
                .bind(reference.as_str())
                .fetch_optional(&mut *tx)
                .await?;
                if let Some(id) = id {
                    found.insert(reference.clone(), PersonId::from_uuid(id));
                }
            }
            tx.commit().await?;
        });
        Ok(found)
    }
}
