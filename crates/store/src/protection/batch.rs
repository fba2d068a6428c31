//! One transaction for a delegate's field records (issue 6): a visit report from the laptop
//! applies whole or not at all. A refused row half-way, an error or a killed process leaves
//! nothing of the report, because nothing is committed until [`FieldBatch::commit`]; dropping
//! the batch rolls everything back.
//!
//! The single-record methods (`Store::record_visit`, `record_registration`, …) are batches of
//! one, so a record is checked the same way whether it comes from a form or a bundle. Every
//! check that reads (ownership, the interviews an allegation comes from, the reprisal check, a
//! refusal's end) reads inside the transaction, so it sees the rows written before it in the
//! same batch.

use domain::protection::{
    AccessRefusal, Allegation, ConditionRecord, FollowUp, Interview, PersonSeen, RefusalEnd, Visit,
    check_interviews,
};
use domain::{InterviewId, PartialDate, RegistrationId, VisitId};
use sqlx::{Postgres, Sqlite, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{INTERVIEW_COLUMNS, code, interview_from, invalid, json_list, refusal_from};
use crate::error::{StoreError, StoreResult};
use crate::rows::ScopedPool;
use crate::scope::TenantScope;
use crate::vault::Sealer;
use crate::{Backend, Store};

enum BatchTx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs the same body on whichever transaction the batch holds; `$tx` is the connection.
macro_rules! on_tx {
    ($batch:expr, $tx:ident => $body:expr) => {
        match &mut $batch.tx {
            BatchTx::Sqlite(t) => {
                let $tx = &mut **t;
                $body
            }
            BatchTx::Postgres(t) => {
                let $tx = &mut **t;
                $body
            }
        }
    };
}

mod bulk;
mod letters;

pub use bulk::{Held, ItemError};

/// Field records written in one transaction.
pub struct FieldBatch<'a> {
    scope: &'a TenantScope,
    tx: BatchTx,
    now: OffsetDateTime,
    /// The tenant's data key for the batch: sealing reads nothing.
    sealer: Sealer,
    /// The tenant's interviews (notes sealed away) and registration links, read once per batch
    /// when a follow-up first needs them, then kept up to date by the batch's own writes.
    interviews: Option<Vec<Interview>>,
    links: Option<Vec<(RegistrationId, RegistrationId)>>,
    /// Rows of `persons_due` the batch wrote, and on PostgreSQL the pool to analyse the table
    /// with after a large batch ([`ANALYZE_AFTER_DUE_ROWS`]).
    due_rows: u64,
    analyze: Option<sqlx::PgPool>,
}

/// PostgreSQL: after a batch that wrote at least this many rows of `persons_due`, the table is
/// analysed once the batch is committed. Until then the planner has no statistics for rows it
/// has not seen and reads the whole range of the follow-ups due and sorts it for one page
/// (bench/README.md: 135 ms at 10^5 due) instead of walking the index `persons_due_by_day` in
/// order; autovacuum would analyse it too, but only later. SQLite plans this page from the index
/// alone (`crates/store/tests/it/plans.rs`).
const ANALYZE_AFTER_DUE_ROWS: u64 = 1000;

impl Store {
    /// Starts a batch of field records in one transaction, scoped to `scope`.
    pub async fn begin_field_batch<'a>(
        &'a self,
        scope: &'a TenantScope,
    ) -> StoreResult<FieldBatch<'a>> {
        // SEC-3: protected fields are sealed while the transaction is open; the key must exist.
        let sealer = self.vault().sealer(scope).await?;
        let mut analyze = None;
        let tx = match &self.backend {
            Backend::Sqlite(pool) => BatchTx::Sqlite(pool.begin_scoped(scope).await?),
            Backend::Postgres(pool) => {
                analyze = Some(pool.clone());
                let mut tx = pool.begin_scoped(scope).await?;
                // A batch reads tables it is filling (ownership checks, `persons_due`, migration
                // 0020). A plan cached while they looked empty scans them whole once they are
                // not (10^5 follow-ups in one batch: each refresh of `persons_due` took
                // seconds); plans made for each statement see their current size.
                sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
                    .execute(&mut *tx)
                    .await?;
                BatchTx::Postgres(tx)
            }
        };
        Ok(FieldBatch {
            scope,
            tx,
            now: OffsetDateTime::now_utc(),
            sealer,
            interviews: None,
            links: None,
            due_rows: 0,
            analyze,
        })
    }
}

/// Who a field record is recorded as by: `recorded_by` when the visit report names someone
/// (the delegate who recorded it on the laptop), otherwise the scope's actor. Refused when
/// longer than 200 characters (as a follow-up's `recorded_by`).
pub(crate) fn recorder(scope: &TenantScope, recorded_by: Option<&str>) -> StoreResult<String> {
    let by = recorded_by.map(str::trim).filter(|b| !b.is_empty());
    match by {
        Some(by) if by.chars().count() > 200 => {
            Err(invalid("recorded by: at most 200 characters".into()))
        }
        Some(by) => Ok(by.to_owned()),
        None => Ok(scope.actor_name().to_owned()),
    }
}

impl FieldBatch<'_> {
    /// Makes everything in the batch visible at once.
    /// After a batch that wrote many rows of `persons_due` (a large visit report, a load), on
    /// PostgreSQL, the table is analysed ([`ANALYZE_AFTER_DUE_ROWS`]).
    pub async fn commit(self) -> StoreResult<()> {
        match self.tx {
            BatchTx::Sqlite(tx) => tx.commit().await?,
            BatchTx::Postgres(tx) => tx.commit().await?,
        }
        if self.due_rows >= ANALYZE_AFTER_DUE_ROWS
            && let Some(pool) = self.analyze
        {
            // Statistics only: no row is read or written for a tenant (no scope needed).
            sqlx::query("ANALYZE persons_due").execute(&pool).await?;
        }
        Ok(())
    }

    /// A visit; `false` when a visit with its id is already recorded.
    pub async fn visit(&mut self, visit: &Visit) -> StoreResult<bool> {
        visit.validate().map_err(invalid)?;
        let (scope, now) = (self.scope, self.now);
        let team = json_list(visit.team.iter().map(|m| m.trim().to_owned()));
        on_tx!(self, tx => {
            for place in &visit.places {
                ensure_own!(tx, scope, "places", place.as_uuid());
            }
            let existing: Option<Uuid> = sqlx::query_scalar("SELECT id FROM visits WHERE tenant_id = $1 AND id = $2")
                .bind(*scope.tenant().as_uuid())
                .bind(visit.id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            if existing.is_some() {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO visits (id, tenant_id, reference, body, planned_start, started_at, ended_at, team, next_visit_planned, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(visit.id.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(visit.reference.trim())
            .bind(visit.body.code())
            .bind(visit.planned_start)
            .bind(visit.started_at)
            .bind(visit.ended_at)
            .bind(&team)
            .bind(visit.next_visit_planned)
            .bind(scope.actor_name())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(crate::error::unless_taken(|| invalid(format!("a visit {:?} already exists", visit.reference.trim()))))?;
            for place in &visit.places {
                sqlx::query("INSERT INTO visit_places (visit_id, place_id, tenant_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(visit.id.as_uuid())
                    .bind(place.as_uuid())
                    .bind(*scope.tenant().as_uuid())
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(true)
    }

    /// ICRC-VIS-a: a condition record, unless the same record already stands for the visit
    /// (`false` then).
    pub async fn condition_if_new(
        &mut self,
        visit: VisitId,
        record: &ConditionRecord,
    ) -> StoreResult<bool> {
        self.condition_if_new_by(visit, record, None).await
    }

    /// [`FieldBatch::condition_if_new`], recorded as by `recorded_by` when given (the delegate
    /// who recorded it on the laptop, carried by the visit report) instead of the scope's actor.
    pub async fn condition_if_new_by(
        &mut self,
        visit: VisitId,
        record: &ConditionRecord,
        recorded_by: Option<&str>,
    ) -> StoreResult<bool> {
        record.validate().map_err(invalid)?;
        let (scope, now) = (self.scope, self.now);
        let by = recorder(scope, recorded_by)?;
        on_tx!(self, tx => {
            ensure_own!(tx, scope, "visits", visit.as_uuid());
            let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
                "SELECT condition_code, outcome, reason FROM visit_conditions WHERE tenant_id = $1 AND visit_id = $2 ORDER BY recorded_at, id",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(visit.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            let mut standing: Option<ConditionRecord> = None;
            for (condition, outcome, reason) in rows {
                let earlier = ConditionRecord {
                    condition: code(&condition)?,
                    outcome: code(&outcome)?,
                    reason,
                };
                if earlier.condition == record.condition {
                    standing = Some(earlier);
                }
            }
            if standing.as_ref() == Some(record) {
                return Ok(false);
            }
            sqlx::query(
                "INSERT INTO visit_conditions (id, tenant_id, visit_id, condition_code, outcome, reason, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(Uuid::now_v7())
            .bind(*scope.tenant().as_uuid())
            .bind(visit.as_uuid())
            .bind(record.condition.code())
            .bind(record.outcome.code())
            .bind(record.reason.as_deref().map(str::trim))
            .bind(&by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        });
        Ok(true)
    }

    /// GC3-126-c: a refusal or restriction of access; `false` when already recorded.
    pub async fn refusal(&mut self, refusal: &AccessRefusal) -> StoreResult<bool> {
        self.refusal_by(refusal, None).await
    }

    /// [`FieldBatch::refusal`], recorded as by `recorded_by` when given (as
    /// [`FieldBatch::condition_if_new_by`]).
    pub async fn refusal_by(
        &mut self,
        refusal: &AccessRefusal,
        recorded_by: Option<&str>,
    ) -> StoreResult<bool> {
        refusal.validate().map_err(invalid)?;
        let (scope, now) = (self.scope, self.now);
        let by = recorder(scope, recorded_by)?;
        on_tx!(self, tx => {
            ensure_own!(tx, scope, "places", refusal.place.as_uuid());
            if let Some(visit) = refusal.visit {
                ensure_own!(tx, scope, "visits", visit.as_uuid());
            }
            let done = sqlx::query(
                "INSERT INTO access_refusals (id, tenant_id, visit_id, place_id, refused_at, scope, ground, grounds_text, expected_end, actual_end, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING",
            )
            .bind(refusal.id.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(refusal.visit.map(|v| *v.as_uuid()))
            .bind(refusal.place.as_uuid())
            .bind(refusal.refused_at)
            .bind(refusal.scope.trim())
            .bind(refusal.ground.code())
            .bind(refusal.grounds_text.as_deref())
            .bind(refusal.expected_end)
            .bind(refusal.actual_end)
            .bind(&by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// ICRC-VIS-a: a person seen; `false` when already registered
    /// ([`FieldBatch::registrations`] with one).
    pub async fn registration(&mut self, seen: &PersonSeen) -> StoreResult<bool> {
        let done = self
            .registrations(std::slice::from_ref(seen))
            .await
            .map_err(|e| e.error)?;
        Ok(done.first().copied().unwrap_or(false))
    }

    /// GC3-126-b: a private interview, notes sealed (SEC-3); `false` when already recorded.
    pub async fn interview(&mut self, interview: &Interview) -> StoreResult<bool> {
        self.interview_by(interview, None).await
    }

    /// [`FieldBatch::interview`], recorded as by `recorded_by` when given (as
    /// [`FieldBatch::condition_if_new_by`]).
    pub async fn interview_by(
        &mut self,
        interview: &Interview,
        recorded_by: Option<&str>,
    ) -> StoreResult<bool> {
        let (scope, now) = (self.scope, self.now);
        interview.validate(now).map_err(invalid)?;
        let by = recorder(scope, recorded_by)?;
        let notes = match &interview.notes {
            Some(text) => Some(
                self.sealer
                    .seal_text(&format!("interviews.notes:{}", interview.id), text.trim())?,
            ),
            None => None,
        };
        let interviewees = json_list(interview.interviewees.iter().map(ToString::to_string));
        let interviewers = json_list(interview.interviewers.iter().map(|i| i.trim().to_owned()));
        let new = on_tx!(self, tx => {
            ensure_own!(tx, scope, "visits", interview.visit.as_uuid());
            ensure_own!(tx, scope, "places", interview.place.as_uuid());
            for person in &interview.interviewees {
                let visit: Option<Uuid> = sqlx::query_scalar(
                    "SELECT visit_id FROM registrations WHERE tenant_id = $1 AND id = $2",
                )
                .bind(*scope.tenant().as_uuid())
                .bind(person.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
                match visit {
                    None => return Err(StoreError::NotFound),
                    Some(visit) if visit != *interview.visit.as_uuid() => {
                        return Err(invalid(
                            "interviewees: a person seen on another visit".into(),
                        ));
                    }
                    Some(_) => {}
                }
            }
            let done = sqlx::query(
                "INSERT INTO interviews (id, tenant_id, visit_id, place_id, held_at, interviewees, interviewers, interpreter, language, without_witnesses, present, consent_authorities, consent_family, consent_medical, notes, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) ON CONFLICT (id) DO NOTHING",
            )
            .bind(interview.id.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(interview.visit.as_uuid())
            .bind(interview.place.as_uuid())
            .bind(interview.held_at)
            .bind(&interviewees)
            .bind(&interviewers)
            .bind(interview.interpreter.as_deref().map(str::trim))
            .bind(interview.language.as_deref().map(str::trim))
            .bind(interview.without_witnesses)
            .bind(interview.present.as_deref().map(str::trim))
            .bind(interview.consent_authorities.code())
            .bind(interview.consent_family)
            .bind(interview.consent_medical)
            .bind(notes.as_deref())
            .bind(&by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            done.rows_affected() == 1
        });
        if new && let Some(known) = &mut self.interviews {
            known.push(Interview {
                notes: None,
                ..interview.clone()
            });
        }
        Ok(new)
    }

    /// Every interview of the tenant as the transaction sees it, notes left sealed away: read
    /// once per batch, then kept up to date by [`Self::interview`].
    async fn interviews(&mut self) -> StoreResult<&[Interview]> {
        if self.interviews.is_none() {
            self.interviews = Some(self.read_interviews().await?);
        }
        Ok(self.interviews.as_deref().unwrap_or_default())
    }

    async fn read_interviews(&mut self) -> StoreResult<Vec<Interview>> {
        let scope = self.scope;
        let sql = format!(
            "SELECT {INTERVIEW_COLUMNS} FROM interviews WHERE tenant_id = $1 ORDER BY held_at, id"
        );
        let mut found: Vec<Interview> = on_tx!(self, tx => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(*scope.tenant().as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            rows.iter().map(interview_from).collect::<StoreResult<_>>()?
        });
        for interview in &mut found {
            interview.notes = None;
        }
        Ok(found)
    }

    /// ICRC-VIS-d: a follow-up under the id it was made with; `false` when already recorded.
    /// After a private interview of the person (any registration of theirs, any visit), it
    /// says whether reprisals were reported ([`FieldBatch::follow_ups`] with one).
    pub async fn follow_up(&mut self, id: Uuid, follow_up: &FollowUp) -> StoreResult<bool> {
        let done = self
            .follow_ups(&[(id, follow_up.clone())])
            .await
            .map_err(|e| e.error)?;
        Ok(done.first().copied().unwrap_or(false))
    }

    /// GC3-126-c: the end of a refusal recorded on the laptop, once: the same end again is
    /// `false`, a different end of a refusal already ended is refused.
    pub async fn refusal_end(&mut self, end: &RefusalEnd) -> StoreResult<bool> {
        self.refusal_end_by(end, None).await
    }

    /// [`FieldBatch::refusal_end`], recorded as by `recorded_by` when given (as
    /// [`FieldBatch::condition_if_new_by`]).
    pub async fn refusal_end_by(
        &mut self,
        end: &RefusalEnd,
        recorded_by: Option<&str>,
    ) -> StoreResult<bool> {
        let (scope, now) = (self.scope, self.now);
        let by = recorder(scope, recorded_by)?;
        on_tx!(self, tx => {
            let known: Option<OffsetDateTime> = sqlx::query_scalar(
                "SELECT ended_at FROM refusal_ends WHERE tenant_id = $1 AND refusal_id = $2",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(end.refusal.as_uuid())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(known) = known {
                return if known == end.ended_at {
                    Ok(false)
                } else {
                    Err(invalid(format!(
                        "ended at: access was already granted again on {}",
                        known.date()
                    )))
                };
            }
            let row = sqlx::query(
                "SELECT id, visit_id, place_id, refused_at, scope, ground, grounds_text, expected_end, actual_end \
                 FROM access_refusals WHERE tenant_id = $1 AND id = $2",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(end.refusal.as_uuid())
            .fetch_optional(&mut *tx)
            .await?;
            let refusal: AccessRefusal = row.as_ref().map(refusal_from).transpose()?.ok_or(StoreError::NotFound)?;
            end.check(&refusal, now).map_err(invalid)?;
            sqlx::query(
                "INSERT INTO refusal_ends (refusal_id, tenant_id, ended_at, note, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(end.refusal.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(end.ended_at)
            .bind(end.note.as_deref().map(str::trim))
            .bind(&by)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Ok(true)
        })
    }

    /// ICRC-VIS-f, ICRC-VIS-c: an allegation and the private interviews it comes from (its
    /// consent no wider than any of theirs, checked against the interviews as the transaction
    /// sees them). Idempotent on its id: `false` when the allegation was known; new links to
    /// interviews are still recorded, under the same consent check.
    pub async fn allegation(
        &mut self,
        allegation: &Allegation,
        interviews: &[InterviewId],
    ) -> StoreResult<bool> {
        allegation.validate().map_err(invalid)?;
        let all: &[Interview] = if interviews.is_empty() {
            &[]
        } else {
            self.interviews().await?
        };
        let sources = interviews
            .iter()
            .map(|id| {
                all.iter()
                    .find(|i| i.id == *id)
                    .cloned()
                    .ok_or(StoreError::NotFound)
            })
            .collect::<StoreResult<Vec<_>>>()?;
        check_interviews(allegation, &sources).map_err(invalid)?;
        let (scope, now) = (self.scope, self.now);
        let acts = json_list(allegation.acts.iter().map(|a| a.code().to_owned()));
        let victims = json_list(allegation.victims.iter().map(ToString::to_string));
        let perpetrators = json_list(
            allegation
                .perpetrators
                .iter()
                .map(|p| format!("{}:{}", p.kind.code(), p.designation.trim())),
        );
        let source_codes = json_list(allegation.sources.iter().map(|s| s.code().to_owned()));
        let narrative = self.sealer.seal_text(
            &format!("allegations.narrative:{}", allegation.id),
            allegation.narrative.trim(),
        )?;
        on_tx!(self, tx => {
            if let Some(place) = allegation.place {
                ensure_own!(tx, scope, "places", place.as_uuid());
            }
            for victim in &allegation.victims {
                ensure_own!(tx, scope, "registrations", victim.as_uuid());
            }
            let known: Option<Uuid> = sqlx::query_scalar("SELECT id FROM allegations WHERE tenant_id = $1 AND id = $2")
                .bind(*scope.tenant().as_uuid())
                .bind(allegation.id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                sqlx::query(
                    "INSERT INTO allegations (id, tenant_id, reference, category, acts, occurred, place_id, victims, perpetrators, sources, consent, narrative, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(allegation.id.as_uuid())
                .bind(*scope.tenant().as_uuid())
                .bind(allegation.reference.trim())
                .bind(allegation.category.code())
                .bind(&acts)
                .bind(allegation.occurred.as_ref().map(PartialDate::original))
                .bind(allegation.place.map(|p| *p.as_uuid()))
                .bind(&victims)
                .bind(&perpetrators)
                .bind(&source_codes)
                .bind(allegation.consent.code())
                .bind(&narrative)
                .bind(scope.actor_name())
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(crate::error::unless_taken(|| invalid(format!("an allegation {:?} already exists", allegation.reference.trim()))))?;
            }
            for interview in interviews {
                link_interview!(&mut *tx, scope, allegation.id, interview, now);
            }
            Ok(known.is_none())
        })
    }
}
