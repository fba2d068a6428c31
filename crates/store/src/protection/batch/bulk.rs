//! Many field records of one kind in a few statements (issue 6, ICRC-VIS-a, ICRC-VIS-d): a
//! visit report or a load of 10^5 persons seen used to cost about five statements a person
//! (two ownership checks and an insert a registration, one and an insert a follow-up), each a
//! round trip; on PostgreSQL 10^5 follow-ups did not load in 20 minutes. Here ownership is
//! checked once per distinct visit, place or registration (in lists of ids) and the rows go in
//! multi-row `INSERT … ON CONFLICT (id) DO NOTHING RETURNING id`, [`ROWS_PER_INSERT`] at a time,
//! inside the batch's one transaction. The single-record methods are these with one record.

use std::collections::{HashMap, HashSet};

use domain::protection::{AccessRefusal, FollowUp, PersonSeen};
use domain::{AssertedValue, PartialDate, Presence, RegistrationId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{BatchTx, FieldBatch};
use crate::codec;
use crate::error::StoreError;
use crate::protection::{invalid, json_list, refusal_from};

/// Rows per `INSERT`: at 14 values a registration, 14,000 bound values, under SQLite's 32,766
/// and PostgreSQL's 65,535.
const ROWS_PER_INSERT: usize = 1000;

/// Ids per ownership check (`id IN (…)`).
const IDS_PER_CHECK: usize = 1000;

/// A bulk write refused: the record at `index` of the slice (when the failure is one
/// record's) and why. Nothing of the batch is kept unless the caller goes on and commits.
#[derive(Debug, thiserror::Error)]
#[error("{}{error}", index.map(|i| format!("record {i}: ")).unwrap_or_default())]
pub struct ItemError {
    pub index: Option<usize>,
    pub error: StoreError,
}

impl ItemError {
    fn at(index: usize) -> impl FnOnce(StoreError) -> Self {
        move |error| Self {
            index: Some(index),
            error,
        }
    }
}

impl From<StoreError> for ItemError {
    fn from(error: StoreError) -> Self {
        Self { index: None, error }
    }
}

impl From<sqlx::Error> for ItemError {
    fn from(error: sqlx::Error) -> Self {
        Self::from(StoreError::from(error))
    }
}

/// The position of the first record with each id: a later record with the same id is not
/// new (as when it is written twice one by one).
fn first_of_each<T>(records: &[T], id: impl Fn(&T) -> Uuid) -> Vec<usize> {
    let mut seen = HashSet::new();
    (0..records.len())
        .filter(|&i| seen.insert(id(&records[i])))
        .collect()
}

/// `true` for the records whose id the inserts returned (the first record of each id only).
fn answered<T>(records: &[T], id: impl Fn(&T) -> Uuid, mut inserted: HashSet<Uuid>) -> Vec<bool> {
    records.iter().map(|r| inserted.remove(&id(r))).collect()
}

/// A follow-up row ready to insert, sealed fields sealed.
struct FollowUpRow<'r> {
    id: Uuid,
    registration: Uuid,
    recorded_at: OffsetDateTime,
    health: Option<String>,
    family_contact_wanted: bool,
    family_contact: Option<String>,
    messages: String,
    next_visit_due: Option<Date>,
    reprisals_reported: Option<bool>,
    recorded_by: &'r str,
}

/// The records a visit report may name that the unit may already hold (issue 6): an import
/// reads only the ones the report names ([`FieldBatch::held`]), inside its transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// Persons seen (an allegation's victims).
    Registrations,
    /// Private interviews (the interviews an allegation comes from).
    Interviews,
    /// Allegations (named by steps and representations).
    Allegations,
    /// Confidential representations (named by replies).
    Representations,
}

impl Held {
    fn table(self) -> &'static str {
        match self {
            Self::Registrations => "registrations",
            Self::Interviews => "interviews",
            Self::Allegations => "allegations",
            Self::Representations => "representations",
        }
    }
}

impl FieldBatch<'_> {
    /// Which of `ids` the tenant holds as `kind`, as the transaction sees them (what the batch
    /// wrote before included); reads those ids only, [`IDS_PER_CHECK`] at a time.
    pub async fn held(&mut self, kind: Held, ids: &[Uuid]) -> Result<HashSet<Uuid>, StoreError> {
        let mut distinct = ids.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        self.owned(kind.table(), &distinct)
            .await
            .map_err(|e| e.error)
    }

    /// GC3-126-c: the refusals with these ids that the tenant holds, as the transaction sees
    /// them, with an end recorded later standing in for an actual end not known when the
    /// refusal was recorded (as `Store::refusals`).
    pub async fn refusals_by_id(
        &mut self,
        ids: &[domain::RefusalId],
    ) -> Result<Vec<AccessRefusal>, StoreError> {
        let tenant = *self.scope.tenant().as_uuid();
        let mut found = Vec::new();
        for chunk in ids.chunks(IDS_PER_CHECK) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT r.id, r.visit_id, r.place_id, r.refused_at, r.scope, r.ground, r.grounds_text, r.expected_end, \
                        COALESCE(r.actual_end, e.ended_at) AS actual_end \
                 FROM access_refusals r LEFT JOIN refusal_ends e ON e.refusal_id = r.id AND e.tenant_id = r.tenant_id \
                 WHERE r.id IN ({}) AND {} ORDER BY r.refused_at, r.id",
                marks.join(", "),
                crate::protection::followed::tenant_check("r.tenant_id")
            );
            let rows: Vec<AccessRefusal> = on_tx!(self, tx => {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant);
                for id in chunk {
                    query = query.bind(*id.as_uuid());
                }
                let rows = query.fetch_all(&mut *tx).await?;
                rows.iter().map(refusal_from).collect::<Result<_, StoreError>>()?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// ICRC-VIS-d: keeps `persons_due` (migration 0020) right for the persons of these
    /// registrations, in the batch's transaction (`refresh_due_in!`).
    async fn refresh_due(&mut self, registrations: &HashSet<Uuid>) -> Result<(), ItemError> {
        if registrations.is_empty() {
            return Ok(());
        }
        let mut ids: Vec<Uuid> = registrations.iter().copied().collect();
        ids.sort_unstable();
        let scope = self.scope;
        let written = on_tx!(self, tx => refresh_due_in!(tx, scope, ids));
        self.due_rows += written;
        Ok(())
    }

    /// Which of `ids` are rows of `table` in the scope's tenant, as the transaction sees them.
    async fn owned(
        &mut self,
        table: &'static str,
        ids: &[Uuid],
    ) -> Result<HashSet<Uuid>, ItemError> {
        let tenant = *self.scope.tenant().as_uuid();
        let mut found = HashSet::new();
        for chunk in ids.chunks(IDS_PER_CHECK) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            // By key, not through an index on `tenant_id` (`followed::tenant_check`).
            let sql = format!(
                "SELECT id FROM {table} WHERE id IN ({}) AND {}",
                marks.join(", "),
                crate::protection::followed::tenant_check("tenant_id")
            );
            let rows: Vec<Uuid> = on_tx!(self, tx => {
                let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(tenant);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.fetch_all(&mut *tx).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// The first record whose id in `table` is not the tenant's answers
    /// [`StoreError::NotFound`] (another tenant's row is as if it did not exist).
    async fn ensure_all_own<T>(
        &mut self,
        table: &'static str,
        records: &[T],
        ids: impl Fn(&T) -> Vec<Uuid>,
    ) -> Result<(), ItemError> {
        let mut distinct: Vec<Uuid> = records.iter().flat_map(&ids).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let own = self.owned(table, &distinct).await?;
        match records
            .iter()
            .position(|r| ids(r).iter().any(|id| !own.contains(id)))
        {
            Some(i) => Err(ItemError::at(i)(StoreError::NotFound)),
            None => Ok(()),
        }
    }

    /// ICRC-VIS-a: persons seen, in a few statements; for each, `false` when already registered
    /// (or an earlier record of the slice has its id).
    pub async fn registrations(&mut self, seen: &[PersonSeen]) -> Result<Vec<bool>, ItemError> {
        for (i, person) in seen.iter().enumerate() {
            person
                .validate()
                .map_err(|m| ItemError::at(i)(invalid(m)))?;
        }
        self.ensure_all_own("visits", seen, |s| vec![*s.visit.as_uuid()])
            .await?;
        self.ensure_all_own("places", seen, |s| vec![*s.place.as_uuid()])
            .await?;
        let (tenant, actor_now) = (*self.scope.tenant().as_uuid(), self.now);
        let rows: Vec<(&PersonSeen, Option<String>)> = first_of_each(seen, |s| *s.id.as_uuid())
            .into_iter()
            .map(|i| {
                let person = &seen[i];
                let (name, _) =
                    codec::encode(&Presence::Present(AssertedValue::Name(person.name.clone())));
                (person, name)
            })
            .collect();
        let mut inserted = HashSet::new();
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let ids: Vec<Uuid> = on_tx!(self, tx => {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO registrations (id, tenant_id, visit_id, place_id, seen_at, name, birth_date, sex, nationality, service_number, father_name, held_since, registered_by, recorded_at) ",
                );
                insert.push_values(chunk, |mut row, (person, name)| {
                    row.push_bind(*person.id.as_uuid())
                        .push_bind(tenant)
                        .push_bind(*person.visit.as_uuid())
                        .push_bind(*person.place.as_uuid())
                        .push_bind(person.seen_at)
                        .push_bind(name.as_deref())
                        .push_bind(person.birth_date.as_ref().map(PartialDate::original))
                        .push_bind(person.sex.map(domain::Sex::code))
                        .push_bind(person.nationality.as_deref())
                        .push_bind(person.service_number.as_deref())
                        .push_bind(person.father_name.as_deref())
                        .push_bind(person.held_since.as_ref().map(PartialDate::original))
                        .push_bind(person.registered_by.trim())
                        .push_bind(actor_now);
                });
                insert.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
                insert.build_query_scalar().fetch_all(&mut *tx).await?
            });
            inserted.extend(ids);
        }
        // ICRC-VIS-d: a registration just made changes no one's due state in `persons_due`
        // (migration 0020): no follow-up can name it yet and no link joins it to a person
        // (both refer to it by foreign key and are written after it). It counts once a
        // follow-up names it (`follow_ups`) or it is linked (`Store::link_registration`), which
        // refresh. (Refreshing here cost a due-state query per person seen for nothing: at
        // 10^5 persons, a third of the load's refresh work.)
        Ok(answered(seen, |s| *s.id.as_uuid(), inserted))
    }

    /// ICRC-VIS-d: follow-ups under the ids they were made with, in a few statements; for each,
    /// `false` when already recorded (or an earlier record of the slice has its id). Each is
    /// checked as [`FieldBatch::follow_up`] checks one: its registration is the tenant's (as
    /// the transaction sees it), and after a private interview of the person it says whether
    /// reprisals were reported.
    pub async fn follow_ups(
        &mut self,
        records: &[(Uuid, FollowUp)],
    ) -> Result<Vec<bool>, ItemError> {
        for (i, (_, follow_up)) in records.iter().enumerate() {
            follow_up
                .validate()
                .map_err(|m| ItemError::at(i)(invalid(m)))?;
        }
        self.ensure_all_own("registrations", records, |(_, f)| {
            vec![*f.registration.as_uuid()]
        })
        .await?;
        if self.links.is_none() {
            let scope = self.scope;
            self.links = Some(on_tx!(self, tx => registration_links_in!(tx, scope)));
        }
        self.interviews().await?;
        let links = self.links.as_deref().unwrap_or_default();
        let interviews = self.interviews.as_deref().unwrap_or_default();
        // Every registration of a person, under the person's first registration.
        let person_of: HashMap<RegistrationId, RegistrationId> = links.iter().copied().collect();
        let mut members: HashMap<RegistrationId, Vec<RegistrationId>> = HashMap::new();
        for (from, to) in links {
            members.entry(*to).or_default().push(*from);
        }
        let sealer = &self.sealer;
        let mut rows = Vec::with_capacity(records.len());
        for i in first_of_each(records, |(id, _)| *id) {
            let (id, follow_up) = &records[i];
            let registration = follow_up.registration;
            let person = person_of
                .get(&registration)
                .copied()
                .unwrap_or(registration);
            let mut same = vec![person];
            same.extend(members.get(&person).into_iter().flatten().copied());
            follow_up
                .check_reprisals_across(&same, interviews)
                .map_err(|m| ItemError::at(i)(invalid(m)))?;
            // SEC-3: health, family contact and messages are sealed with the tenant's data
            // key, bound to the row.
            let seal = |field: &str, text: &str| {
                sealer
                    .seal_text(&format!("follow_ups.{field}:{id}"), text)
                    .map_err(ItemError::at(i))
            };
            rows.push(FollowUpRow {
                id: *id,
                registration: *registration.as_uuid(),
                recorded_at: follow_up.recorded_at,
                health: follow_up
                    .health
                    .as_deref()
                    .map(|t| seal("health", t))
                    .transpose()?,
                family_contact_wanted: follow_up.family_contact_wanted,
                family_contact: follow_up
                    .family_contact
                    .as_deref()
                    .map(|t| seal("family_contact", t))
                    .transpose()?,
                messages: seal("messages", &json_list(follow_up.messages.iter().cloned()))?,
                next_visit_due: follow_up.next_visit_due,
                reprisals_reported: follow_up.reprisals_reported,
                recorded_by: follow_up.recorded_by.trim(),
            });
        }
        let tenant = *self.scope.tenant().as_uuid();
        let mut inserted = HashSet::new();
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let ids: Vec<Uuid> = on_tx!(self, tx => {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO follow_ups (id, tenant_id, registration_id, recorded_at, health, family_contact_wanted, family_contact, messages, next_visit_due, reprisals_reported, recorded_by) ",
                );
                insert.push_values(chunk, |mut row, r| {
                    row.push_bind(r.id)
                        .push_bind(tenant)
                        .push_bind(r.registration)
                        .push_bind(r.recorded_at)
                        .push_bind(r.health.as_deref())
                        .push_bind(r.family_contact_wanted)
                        .push_bind(r.family_contact.as_deref())
                        .push_bind(r.messages.as_str())
                        .push_bind(r.next_visit_due)
                        .push_bind(r.reprisals_reported)
                        .push_bind(r.recorded_by);
                });
                insert.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
                insert.build_query_scalar().fetch_all(&mut *tx).await?
            });
            inserted.extend(ids);
        }
        // ICRC-VIS-d: the persons whose follow-ups were new get their due state again.
        let touched: HashSet<Uuid> = rows
            .iter()
            .filter(|r| inserted.contains(&r.id))
            .map(|r| r.registration)
            .collect();
        self.refresh_due(&touched).await?;
        Ok(answered(records, |(id, _)| *id, inserted))
    }
}
