//! The protection unit's records (issue 6, migration 0005): place profiles and notices, visits,
//! conditions, refusals, persons seen, follow-ups, allegations with their steps, evidence with
//! its links and chain of custody.
//!
//! Every table is append-only (triggers on both backends) and tenant-scoped (row-level security
//! on PostgreSQL). Rows made on a delegate's laptop keep their ids, and their inserts are
//! `ON CONFLICT (id) DO NOTHING`: importing the same bundle twice adds nothing. Every id that a
//! row refers to (visit, place, registration, allegation) is checked to be the scope's own.

use domain::protection::{
    AccessRefusal, ActKind, Allegation, AllegationSource, AllegationStep, ConditionRecord,
    CustodyAction, CustodyEntry, EvidenceItem, FollowUp, Interview, NoticeKind, Perpetrator,
    PersonSeen, PlaceNotice, PlaceProfile, RefusalEnd, RepresentationForm, StepKind, Visit,
    next_entry,
};
use domain::{
    AllegationId, AssertedValue, EvidenceId, InterviewId, PartialDate, PlaceId, Presence,
    RefusalId, RegistrationId, VisitId,
};
use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::rows::ScopedPool;
use crate::scope::TenantScope;
use crate::{Store, codec, on_backend};

/// What evidence can be linked to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvidenceTarget {
    Registration(RegistrationId),
    Place(PlaceId),
    Allegation(AllegationId),
}

impl EvidenceTarget {
    fn parts(self) -> (&'static str, Uuid) {
        match self {
            Self::Registration(id) => ("registration", *id.as_uuid()),
            Self::Place(id) => ("place", *id.as_uuid()),
            Self::Allegation(id) => ("allegation", *id.as_uuid()),
        }
    }

    fn from_parts(kind: &str, id: Uuid) -> StoreResult<Self> {
        match kind {
            "registration" => Ok(Self::Registration(RegistrationId::from_uuid(id))),
            "place" => Ok(Self::Place(PlaceId::from_uuid(id))),
            "allegation" => Ok(Self::Allegation(AllegationId::from_uuid(id))),
            other => Err(StoreError::Corrupt(format!("evidence link kind {other:?}"))),
        }
    }
}

/// A stored evidence item: the item, where its file lies, what it is linked to.
#[derive(Clone, Debug)]
pub struct StoredEvidence {
    pub item: EvidenceItem,
    /// The file's name under the evidence directory, for a saved file.
    pub stored_as: Option<String>,
    pub links: Vec<EvidenceTarget>,
    pub created_by: String,
}

/// A stored follow-up with its id.
#[derive(Clone, Debug)]
pub struct StoredFollowUp {
    pub id: Uuid,
    pub follow_up: FollowUp,
}

/// Typed access to the columns this module reads, for both backends.
trait Cols {
    fn uuid(&self, c: &str) -> StoreResult<Uuid>;
    fn opt_uuid(&self, c: &str) -> StoreResult<Option<Uuid>>;
    fn text(&self, c: &str) -> StoreResult<String>;
    fn opt_text(&self, c: &str) -> StoreResult<Option<String>>;
    fn time(&self, c: &str) -> StoreResult<OffsetDateTime>;
    fn opt_time(&self, c: &str) -> StoreResult<Option<OffsetDateTime>>;
    fn opt_date(&self, c: &str) -> StoreResult<Option<Date>>;
    fn boolean(&self, c: &str) -> StoreResult<bool>;
    fn opt_boolean(&self, c: &str) -> StoreResult<Option<bool>>;
    fn opt_i32(&self, c: &str) -> StoreResult<Option<i32>>;
    fn opt_i64(&self, c: &str) -> StoreResult<Option<i64>>;
    fn int(&self, c: &str) -> StoreResult<i32>;
}

macro_rules! cols {
    ($row:ty) => {
        impl Cols for $row {
            fn uuid(&self, c: &str) -> StoreResult<Uuid> {
                Ok(self.try_get(c)?)
            }
            fn opt_uuid(&self, c: &str) -> StoreResult<Option<Uuid>> {
                Ok(self.try_get(c)?)
            }
            fn text(&self, c: &str) -> StoreResult<String> {
                Ok(self.try_get(c)?)
            }
            fn opt_text(&self, c: &str) -> StoreResult<Option<String>> {
                Ok(self.try_get(c)?)
            }
            fn time(&self, c: &str) -> StoreResult<OffsetDateTime> {
                Ok(self.try_get(c)?)
            }
            fn opt_time(&self, c: &str) -> StoreResult<Option<OffsetDateTime>> {
                Ok(self.try_get(c)?)
            }
            fn opt_date(&self, c: &str) -> StoreResult<Option<Date>> {
                Ok(self.try_get(c)?)
            }
            fn boolean(&self, c: &str) -> StoreResult<bool> {
                Ok(self.try_get(c)?)
            }
            fn opt_boolean(&self, c: &str) -> StoreResult<Option<bool>> {
                Ok(self.try_get(c)?)
            }
            fn opt_i32(&self, c: &str) -> StoreResult<Option<i32>> {
                Ok(self.try_get(c)?)
            }
            fn opt_i64(&self, c: &str) -> StoreResult<Option<i64>> {
                Ok(self.try_get(c)?)
            }
            fn int(&self, c: &str) -> StoreResult<i32> {
                Ok(self.try_get(c)?)
            }
        }
    };
}
cols!(SqliteRow);
cols!(PgRow);

fn code<T: std::str::FromStr<Err = String>>(text: &str) -> StoreResult<T> {
    text.parse().map_err(StoreError::Corrupt)
}

fn json_list(items: impl IntoIterator<Item = String>) -> String {
    serde_json::Value::Array(items.into_iter().map(serde_json::Value::String).collect()).to_string()
}

fn from_json_list(text: &str) -> StoreResult<Vec<String>> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    value
        .as_array()
        .ok_or_else(|| StoreError::Corrupt("expected a JSON list".into()))?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| StoreError::Corrupt("expected a list of strings".into()))
        })
        .collect()
}

fn partial(text: Option<String>) -> StoreResult<Option<PartialDate>> {
    text.map(|t| PartialDate::parse(&t).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

/// Whether the scope's `$table` holds a row with this id (read on `$tx`).
macro_rules! known {
    ($tx:expr, $scope:expr, $table:literal, $id:expr) => {{
        let found: Option<i32> = sqlx::query_scalar(concat!(
            "SELECT 1 FROM ",
            $table,
            " WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(*$scope.tenant().as_uuid())
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await?;
        found.is_some()
    }};
}

/// Refuses a reference to a row that is not the scope's own, as if it did not exist.
macro_rules! ensure_own {
    ($tx:expr, $scope:expr, $table:literal, $id:expr) => {{
        if !known!($tx, $scope, $table, $id) {
            return Err(StoreError::NotFound);
        }
    }};
}

/// One allegation (narrative still sealed) and its steps in time order, read on `$tx`; another
/// tenant's (or no) allegation returns [`StoreError::NotFound`] from the enclosing function.
macro_rules! allegation_in {
    ($tx:expr, $scope:expr, $id:expr) => {{
        let row = sqlx::query(
            "SELECT id, reference, category, acts, occurred, place_id, victims, perpetrators, sources, consent, narrative \
             FROM allegations WHERE tenant_id = $1 AND id = $2",
        )
        .bind(*$scope.tenant().as_uuid())
        .bind($id.as_uuid())
        .fetch_optional(&mut *$tx)
        .await?;
        let steps = sqlx::query(
            "SELECT at, by_name, kind, addressee, form, text FROM allegation_steps WHERE tenant_id = $1 AND allegation_id = $2 ORDER BY at, id",
        )
        .bind(*$scope.tenant().as_uuid())
        .bind($id.as_uuid())
        .fetch_all(&mut *$tx)
        .await?;
        let allegation = row
            .as_ref()
            .map(allegation_from)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        let steps = steps.iter().map(step_from).collect::<StoreResult<Vec<_>>>()?;
        (allegation, steps)
    }};
}

fn invalid(message: String) -> StoreError {
    StoreError::Invalid(message)
}

const VISIT_COLUMNS: &str =
    "id, reference, body, planned_start, started_at, ended_at, team, next_visit_planned";
const REGISTRATION_COLUMNS: &str = "id, visit_id, place_id, seen_at, name, birth_date, sex, nationality, service_number, father_name, held_since, registered_by";
const EVIDENCE_COLUMNS: &str = "id, kind, role, derived_from, title, source_url, captured_at, sha256, size, media_type, unavailable, stored_as, created_by";

fn visit_from(row: &impl Cols, places: Vec<PlaceId>) -> StoreResult<Visit> {
    Ok(Visit {
        id: VisitId::from_uuid(row.uuid("id")?),
        reference: row.text("reference")?,
        body: code(&row.text("body")?)?,
        planned_start: row.opt_date("planned_start")?,
        started_at: row.opt_time("started_at")?,
        ended_at: row.opt_time("ended_at")?,
        team: from_json_list(&row.text("team")?)?,
        places,
        next_visit_planned: row.opt_date("next_visit_planned")?,
    })
}

fn registration_from(row: &impl Cols) -> StoreResult<PersonSeen> {
    let name = row.text("name")?;
    let name = match codec::decode(Some(&name), None)? {
        Presence::Present(AssertedValue::Name(name)) => name,
        _ => {
            return Err(StoreError::Corrupt(
                "a registered name is not a name".into(),
            ));
        }
    };
    Ok(PersonSeen {
        id: RegistrationId::from_uuid(row.uuid("id")?),
        visit: VisitId::from_uuid(row.uuid("visit_id")?),
        place: PlaceId::from_uuid(row.uuid("place_id")?),
        seen_at: row.time("seen_at")?,
        name,
        birth_date: partial(row.opt_text("birth_date")?)?,
        sex: row.opt_text("sex")?.map(|s| code(&s)).transpose()?,
        nationality: row.opt_text("nationality")?,
        service_number: row.opt_text("service_number")?,
        father_name: row.opt_text("father_name")?,
        held_since: partial(row.opt_text("held_since")?)?,
        registered_by: row.text("registered_by")?,
    })
}

fn refusal_from(row: &impl Cols) -> StoreResult<AccessRefusal> {
    Ok(AccessRefusal {
        id: RefusalId::from_uuid(row.uuid("id")?),
        visit: row.opt_uuid("visit_id")?.map(VisitId::from_uuid),
        place: PlaceId::from_uuid(row.uuid("place_id")?),
        refused_at: row.time("refused_at")?,
        scope: row.text("scope")?,
        ground: code(&row.text("ground")?)?,
        grounds_text: row.opt_text("grounds_text")?,
        expected_end: row.opt_time("expected_end")?,
        actual_end: row.opt_time("actual_end")?,
    })
}

fn follow_up_from(row: &impl Cols) -> StoreResult<StoredFollowUp> {
    Ok(StoredFollowUp {
        id: row.uuid("id")?,
        follow_up: FollowUp {
            registration: RegistrationId::from_uuid(row.uuid("registration_id")?),
            recorded_at: row.time("recorded_at")?,
            health: row.opt_text("health")?,
            family_contact_wanted: row.boolean("family_contact_wanted")?,
            family_contact: row.opt_text("family_contact")?,
            // Sealed: opened by `follow_ups`.
            messages: vec![row.text("messages")?],
            next_visit_due: row.opt_date("next_visit_due")?,
            reprisals_reported: row.opt_boolean("reprisals_reported")?,
            recorded_by: row.text("recorded_by")?,
        },
    })
}

fn allegation_from(row: &impl Cols) -> StoreResult<Allegation> {
    let perpetrators = from_json_list(&row.text("perpetrators")?)?
        .into_iter()
        .map(|text| {
            let (kind, designation) = text
                .split_once(':')
                .ok_or_else(|| StoreError::Corrupt("perpetrator without kind".into()))?;
            Ok(Perpetrator {
                kind: code(kind)?,
                designation: designation.to_owned(),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Allegation {
        id: AllegationId::from_uuid(row.uuid("id")?),
        reference: row.text("reference")?,
        category: code(&row.text("category")?)?,
        acts: from_json_list(&row.text("acts")?)?
            .iter()
            .map(|c| code::<ActKind>(c))
            .collect::<StoreResult<_>>()?,
        occurred: partial(row.opt_text("occurred")?)?,
        place: row.opt_uuid("place_id")?.map(PlaceId::from_uuid),
        victims: from_json_list(&row.text("victims")?)?
            .iter()
            .map(|v| {
                v.parse()
                    .map(RegistrationId::from_uuid)
                    .map_err(|_| StoreError::Corrupt("victim id".into()))
            })
            .collect::<StoreResult<_>>()?,
        perpetrators,
        sources: from_json_list(&row.text("sources")?)?
            .iter()
            .map(|c| code::<AllegationSource>(c))
            .collect::<StoreResult<_>>()?,
        consent: code(&row.text("consent")?)?,
        narrative: row.text("narrative")?,
    })
}

fn step_from(row: &impl Cols) -> StoreResult<AllegationStep> {
    let kind = row.text("kind")?;
    let text = row.opt_text("text")?.unwrap_or_default();
    let kind = match kind.as_str() {
        "representation" => StepKind::Representation {
            addressee: row.opt_text("addressee")?.unwrap_or_default(),
            form: code::<RepresentationForm>(&row.opt_text("form")?.unwrap_or_default())?,
        },
        "authority-reply" => StepKind::AuthorityReply { text },
        "closed" => StepKind::Closed { reason: text },
        other => return Err(StoreError::Corrupt(format!("allegation step {other:?}"))),
    };
    Ok(AllegationStep {
        at: row.time("at")?,
        by: row.text("by_name")?,
        kind,
    })
}

fn evidence_from(row: &impl Cols) -> StoreResult<StoredEvidence> {
    Ok(StoredEvidence {
        item: EvidenceItem {
            id: EvidenceId::from_uuid(row.uuid("id")?),
            kind: code(&row.text("kind")?)?,
            role: code(&row.text("role")?)?,
            derived_from: row.opt_uuid("derived_from")?.map(EvidenceId::from_uuid),
            title: row.text("title")?,
            source_url: row.opt_text("source_url")?,
            captured_at: row.time("captured_at")?,
            sha256: row.opt_text("sha256")?,
            size: row
                .opt_i64("size")?
                .map(|s| u64::try_from(s).map_err(|_| StoreError::Corrupt("negative size".into())))
                .transpose()?,
            media_type: row.opt_text("media_type")?,
            unavailable: row.opt_text("unavailable")?,
        },
        stored_as: row.opt_text("stored_as")?,
        links: Vec::new(),
        created_by: row.text("created_by")?,
    })
}

fn custody_from(row: &impl Cols) -> StoreResult<CustodyEntry> {
    Ok(CustodyEntry {
        evidence: EvidenceId::from_uuid(row.uuid("evidence_id")?),
        sequence: u32::try_from(row.int("sequence")?)
            .map_err(|_| StoreError::Corrupt("negative custody sequence".into()))?,
        at: row.time("at")?,
        by: row.text("by_name")?,
        action: code(&row.text("action")?)?,
        note: row.opt_text("note")?,
        previous: row.text("previous")?,
        hash: row.text("hash")?,
    })
}

macro_rules! insert_custody {
    ($executor:expr, $scope:expr, $entry:expr) => {{
        let entry: &CustodyEntry = $entry;
        sqlx::query(
            "INSERT INTO custody_entries (id, tenant_id, evidence_id, sequence, at, by_name, action, note, previous, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(Uuid::now_v7())
        .bind(*$scope.tenant().as_uuid())
        .bind(entry.evidence.as_uuid())
        .bind(i32::try_from(entry.sequence).unwrap_or(i32::MAX))
        .bind(entry.at)
        .bind(&entry.by)
        .bind(entry.action.code())
        .bind(entry.note.as_deref())
        .bind(&entry.previous)
        .bind(&entry.hash)
        .execute($executor)
        .await?;
    }};
}

const INTERVIEW_COLUMNS: &str = "id, visit_id, place_id, held_at, interviewees, interviewers, interpreter, language, without_witnesses, present, consent_authorities, consent_family, consent_medical, notes";

macro_rules! link_interview {
    ($executor:expr, $scope:expr, $allegation:expr, $interview:expr, $now:expr) => {{
        let interview: &InterviewId = $interview;
        sqlx::query(
            "INSERT INTO allegation_interviews (allegation_id, interview_id, tenant_id, linked_by, linked_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind($allegation.as_uuid())
        .bind(interview.as_uuid())
        .bind(*$scope.tenant().as_uuid())
        .bind($scope.actor_name())
        .bind($now)
        .execute($executor)
        .await?
    }};
}

impl Store {
    /// Records the visiting body's profile of one of the tenant's places (set once).
    pub async fn record_place_profile(
        &self,
        scope: &TenantScope,
        profile: &PlaceProfile,
    ) -> StoreResult<()> {
        profile.validate().map_err(invalid)?;
        let now = OffsetDateTime::now_utc();
        let capacity = profile
            .capacity
            .map(|c| i32::try_from(c).map_err(|_| invalid("capacity: too large".into())))
            .transpose()?;
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            ensure_own!(tx, scope, "places", profile.place.as_uuid());
            sqlx::query(
                "INSERT INTO place_profiles (place_id, tenant_id, authority, location, capacity, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(profile.place.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(profile.authority.trim())
            .bind(profile.location.as_deref())
            .bind(capacity)
            .bind(scope.actor_name())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(crate::error::unless_taken(|| invalid("this place already has a profile".into())))?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The profiles of the tenant's places.
    pub async fn place_profiles(&self, scope: &TenantScope) -> StoreResult<Vec<PlaceProfile>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query("SELECT place_id, authority, location, capacity FROM place_profiles WHERE tenant_id = $1")
                .bind(*scope.tenant().as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(PlaceProfile {
                        place: PlaceId::from_uuid(row.uuid("place_id")?),
                        authority: row.text("authority")?,
                        location: row.opt_text("location")?,
                        capacity: row.opt_i32("capacity")?.map(|c| c.unsigned_abs()),
                    })
                })
                .collect()
        })
    }

    /// GC3-23-a: records a notification about a place.
    pub async fn record_place_notice(
        &self,
        scope: &TenantScope,
        notice: &PlaceNotice,
    ) -> StoreResult<()> {
        let now = OffsetDateTime::now_utc();
        notice.validate(now).map_err(invalid)?;
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            ensure_own!(tx, scope, "places", notice.place.as_uuid());
            sqlx::query(
                "INSERT INTO place_notices (id, tenant_id, place_id, kind, notified_at, notified_by, note, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(Uuid::now_v7())
            .bind(*scope.tenant().as_uuid())
            .bind(notice.place.as_uuid())
            .bind(notice.kind.code())
            .bind(notice.notified_at)
            .bind(notice.notified_by.trim())
            .bind(notice.note.as_deref())
            .bind(scope.actor_name())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The notices about a place, oldest first.
    pub async fn place_notices(
        &self,
        scope: &TenantScope,
        place: PlaceId,
    ) -> StoreResult<Vec<PlaceNotice>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT kind, notified_at, notified_by, note FROM place_notices WHERE tenant_id = $1 AND place_id = $2 ORDER BY notified_at, id",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(place.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(PlaceNotice {
                        place,
                        kind: code::<NoticeKind>(&row.text("kind")?)?,
                        notified_at: row.time("notified_at")?,
                        notified_by: row.text("notified_by")?,
                        note: row.opt_text("note")?,
                    })
                })
                .collect()
        })
    }

    /// Records a visit with its places. The same visit (same id) recorded again changes
    /// nothing and answers `false`; another visit with the same reference is refused.
    pub async fn record_visit(&self, scope: &TenantScope, visit: &Visit) -> StoreResult<bool> {
        let mut batch = self.begin_field_batch(scope).await?;
        let inserted = batch.visit(visit).await?;
        batch.commit().await?;
        Ok(inserted)
    }

    /// The tenant's visits, newest first.
    pub async fn visits(&self, scope: &TenantScope) -> StoreResult<Vec<Visit>> {
        let sql = format!(
            "SELECT {VISIT_COLUMNS} FROM visits WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC"
        );
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(*scope.tenant().as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            let links = sqlx::query("SELECT visit_id, place_id FROM visit_places WHERE tenant_id = $1 ORDER BY place_id")
                .bind(*scope.tenant().as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            let links: Vec<(Uuid, Uuid)> = links
                .iter()
                .map(|row| Ok((row.uuid("visit_id")?, row.uuid("place_id")?)))
                .collect::<StoreResult<_>>()?;
            rows.iter()
                .map(|row| {
                    let id = row.uuid("id")?;
                    let places = links
                        .iter()
                        .filter(|(v, _)| *v == id)
                        .map(|(_, p)| PlaceId::from_uuid(*p))
                        .collect();
                    visit_from(row, places)
                })
                .collect()
        })
    }

    /// One visit; another tenant's answers [`StoreError::NotFound`].
    pub async fn visit(&self, scope: &TenantScope, id: VisitId) -> StoreResult<Visit> {
        self.visits(scope)
            .await?
            .into_iter()
            .find(|v| v.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// ICRC-VIS-a: records how a condition went on a visit; the latest record stands.
    pub async fn record_condition(
        &self,
        scope: &TenantScope,
        visit: VisitId,
        record: &ConditionRecord,
    ) -> StoreResult<()> {
        record.validate().map_err(invalid)?;
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            ensure_own!(tx, scope, "visits", visit.as_uuid());
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
            .bind(scope.actor_name())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The standing record of each condition of a visit, in the order of ICRC-VIS-a.
    pub async fn conditions(
        &self,
        scope: &TenantScope,
        visit: VisitId,
    ) -> StoreResult<Vec<ConditionRecord>> {
        let rows: Vec<ConditionRecord> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT condition_code, outcome, reason FROM visit_conditions WHERE tenant_id = $1 AND visit_id = $2 ORDER BY recorded_at, id",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(visit.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(ConditionRecord {
                        condition: code(&row.text("condition_code")?)?,
                        outcome: code(&row.text("outcome")?)?,
                        reason: row.opt_text("reason")?,
                    })
                })
                .collect::<StoreResult<_>>()?
        });
        let mut standing: Vec<ConditionRecord> = Vec::new();
        for record in rows {
            standing.retain(|r| r.condition != record.condition);
            standing.push(record);
        }
        standing.sort_by_key(|r| r.condition);
        Ok(standing)
    }

    /// GC3-126-c: records a refusal or restriction of access. Idempotent on its id.
    pub async fn record_refusal(
        &self,
        scope: &TenantScope,
        refusal: &AccessRefusal,
    ) -> StoreResult<bool> {
        let mut batch = self.begin_field_batch(scope).await?;
        let inserted = batch.refusal(refusal).await?;
        batch.commit().await?;
        Ok(inserted)
    }

    /// Every refusal of the tenant, in the order they happened.
    pub async fn refusals(&self, scope: &TenantScope) -> StoreResult<Vec<AccessRefusal>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            // An end recorded later (`refusal_ends`, GC3-126-c) stands in for an actual end
            // that was not known when the refusal was recorded.
            let rows = sqlx::query(
                "SELECT r.id, r.visit_id, r.place_id, r.refused_at, r.scope, r.ground, r.grounds_text, r.expected_end, \
                        COALESCE(r.actual_end, e.ended_at) AS actual_end \
                 FROM access_refusals r LEFT JOIN refusal_ends e ON e.refusal_id = r.id AND e.tenant_id = r.tenant_id \
                 WHERE r.tenant_id = $1 ORDER BY r.refused_at, r.id",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter().map(refusal_from).collect()
        })
    }

    /// ICRC-VIS-a: registers a person seen. The same registration (same id) again adds nothing
    /// and answers `false`.
    pub async fn record_registration(
        &self,
        scope: &TenantScope,
        seen: &PersonSeen,
    ) -> StoreResult<bool> {
        let mut batch = self.begin_field_batch(scope).await?;
        let inserted = batch.registration(seen).await?;
        batch.commit().await?;
        Ok(inserted)
    }

    /// The persons seen, on one visit or on all, in the order they were seen.
    pub async fn registrations(
        &self,
        scope: &TenantScope,
        visit: Option<VisitId>,
    ) -> StoreResult<Vec<PersonSeen>> {
        let sql = format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE tenant_id = $1 AND ($2 IS NULL OR visit_id = $2) ORDER BY seen_at, id"
        );
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(*scope.tenant().as_uuid())
                .bind(visit.map(|v| *v.as_uuid()))
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows.iter().map(registration_from).collect()
        })
    }

    /// One person seen; another tenant's answers [`StoreError::NotFound`].
    pub async fn registration(
        &self,
        scope: &TenantScope,
        id: RegistrationId,
    ) -> StoreResult<PersonSeen> {
        let sql = format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registrations WHERE tenant_id = $1 AND id = $2"
        );
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(*scope.tenant().as_uuid())
                .bind(id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            tx.commit().await?;
            row.as_ref().map(registration_from).transpose()?.ok_or(StoreError::NotFound)
        })
    }

    /// ICRC-VIS-d: records a follow-up under the id it was made with (idempotent).
    pub async fn record_follow_up(
        &self,
        scope: &TenantScope,
        id: Uuid,
        follow_up: &FollowUp,
    ) -> StoreResult<bool> {
        let mut batch = self.begin_field_batch(scope).await?;
        let inserted = batch.follow_up(id, follow_up).await?;
        batch.commit().await?;
        Ok(inserted)
    }

    /// The follow-ups of a person seen, oldest first (the last one stands).
    pub async fn follow_ups(
        &self,
        scope: &TenantScope,
        registration: RegistrationId,
    ) -> StoreResult<Vec<StoredFollowUp>> {
        let rows = self.follow_up_rows(scope, Some(registration)).await?;
        self.open_follow_ups(scope, rows).await
    }

    /// The follow-ups of one registration or of all, oldest first, sealed fields still sealed.
    async fn follow_up_rows(
        &self,
        scope: &TenantScope,
        registration: Option<RegistrationId>,
    ) -> StoreResult<Vec<StoredFollowUp>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT id, registration_id, recorded_at, health, family_contact_wanted, family_contact, messages, next_visit_due, reprisals_reported, recorded_by \
                 FROM follow_ups WHERE tenant_id = $1 AND ($2 IS NULL OR registration_id = $2) ORDER BY recorded_at, id",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(registration.map(|r| *r.as_uuid()))
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter().map(follow_up_from).collect::<StoreResult<Vec<_>>>()
        })
    }

    /// Opens the sealed fields of stored follow-ups.
    async fn open_follow_ups(
        &self,
        scope: &TenantScope,
        rows: Vec<StoredFollowUp>,
    ) -> StoreResult<Vec<StoredFollowUp>> {
        let mut opened = Vec::new();
        for mut stored in rows {
            let id = stored.id;
            let vault = self.vault();
            let f = &mut stored.follow_up;
            if let Some(text) = &f.health {
                f.health = Some(
                    vault
                        .open_text(scope, &format!("follow_ups.health:{id}"), text)
                        .await?,
                );
            }
            if let Some(text) = &f.family_contact {
                f.family_contact = Some(
                    vault
                        .open_text(scope, &format!("follow_ups.family_contact:{id}"), text)
                        .await?,
                );
            }
            if let [sealed] = f.messages.as_slice() {
                let text = vault
                    .open_text(scope, &format!("follow_ups.messages:{id}"), sealed)
                    .await?;
                f.messages = from_json_list(&text)?;
            }
            opened.push(stored);
        }
        Ok(opened)
    }

    /// ICRC-VIS-f: records an allegation. Its place and victims must be the tenant's.
    pub async fn record_allegation(
        &self,
        scope: &TenantScope,
        allegation: &Allegation,
    ) -> StoreResult<()> {
        self.record_allegation_from(scope, allegation, &[])
            .await
            .map(|_| ())
    }

    /// ICRC-VIS-c/f: records an allegation with the private interviews it comes from, in one
    /// transaction. Its place, victims and interviews must be the tenant's, and its consent no
    /// wider than any interview's ([`check_interviews`]). The same allegation (same id) again,
    /// as from a second import of a visit bundle, adds only links not yet known and answers
    /// `false`; another allegation with the same reference is refused.
    pub async fn record_allegation_from(
        &self,
        scope: &TenantScope,
        allegation: &Allegation,
        interviews: &[InterviewId],
    ) -> StoreResult<bool> {
        let mut batch = self.begin_field_batch(scope).await?;
        let inserted = batch.allegation(allegation, interviews).await?;
        batch.commit().await?;
        Ok(inserted)
    }

    /// ICRC-VIS-c: links an allegation to a private interview it comes from (append-only; the
    /// same link again answers `false`). From then on the interview's consent governs every
    /// representation of the allegation.
    pub async fn link_allegation_interview(
        &self,
        scope: &TenantScope,
        allegation: AllegationId,
        interview: InterviewId,
    ) -> StoreResult<bool> {
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            ensure_own!(tx, scope, "allegations", allegation.as_uuid());
            ensure_own!(tx, scope, "interviews", interview.as_uuid());
            let done = link_interview!(&mut *tx, scope, allegation, &interview, now);
            tx.commit().await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// ICRC-VIS-c: the private interviews an allegation comes from, in the order they were held,
    /// without their notes (what governs a representation is the consent, not the notes).
    pub async fn allegation_interviews(
        &self,
        scope: &TenantScope,
        allegation: AllegationId,
    ) -> StoreResult<Vec<Interview>> {
        self.interviews_without_notes(scope, Some(allegation)).await
    }

    /// Every private interview of the tenant (all visits), without notes: what a form offers
    /// to link an allegation to.
    pub async fn all_interviews(&self, scope: &TenantScope) -> StoreResult<Vec<Interview>> {
        self.interviews_without_notes(scope, None).await
    }

    /// The tenant's interviews, or those an allegation comes from, notes left sealed away.
    async fn interviews_without_notes(
        &self,
        scope: &TenantScope,
        allegation: Option<AllegationId>,
    ) -> StoreResult<Vec<Interview>> {
        let sql = format!(
            "SELECT {INTERVIEW_COLUMNS} FROM interviews WHERE tenant_id = $1 AND ($2 IS NULL OR id IN \
             (SELECT interview_id FROM allegation_interviews WHERE tenant_id = $1 AND allegation_id = $2)) \
             ORDER BY held_at, id"
        );
        let mut found: Vec<Interview> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(*scope.tenant().as_uuid())
                .bind(allegation.map(|a| *a.as_uuid()))
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows.iter().map(interview_from).collect::<StoreResult<_>>()?
        });
        for interview in &mut found {
            interview.notes = None;
        }
        Ok(found)
    }

    /// The tenant's allegations, newest first.
    pub async fn allegations(&self, scope: &TenantScope) -> StoreResult<Vec<Allegation>> {
        let rows: Vec<Allegation> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT id, reference, category, acts, occurred, place_id, victims, perpetrators, sources, consent, narrative \
                 FROM allegations WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter().map(allegation_from).collect::<StoreResult<_>>()?
        });
        let mut opened = Vec::with_capacity(rows.len());
        for allegation in rows {
            opened.push(self.open_narrative(scope, allegation).await?);
        }
        Ok(opened)
    }

    async fn open_narrative(
        &self,
        scope: &TenantScope,
        mut allegation: Allegation,
    ) -> StoreResult<Allegation> {
        allegation.narrative = self
            .vault()
            .open_text(
                scope,
                &format!("allegations.narrative:{}", allegation.id),
                &allegation.narrative,
            )
            .await?;
        Ok(allegation)
    }

    /// One allegation with its history; another tenant's answers [`StoreError::NotFound`].
    pub async fn allegation(
        &self,
        scope: &TenantScope,
        id: AllegationId,
    ) -> StoreResult<(Allegation, Vec<AllegationStep>)> {
        let (allegation, steps) = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let found = allegation_in!(tx, scope, id);
            tx.commit().await?;
            found
        });
        Ok((self.open_narrative(scope, allegation).await?, steps))
    }

    /// ICRC-VIS-e: adds a representation, a reply or the closure, checked against the history
    /// (`domain::protection::allegation::check_step`).
    pub async fn add_allegation_step(
        &self,
        scope: &TenantScope,
        id: AllegationId,
        step: &AllegationStep,
    ) -> StoreResult<()> {
        let mut batch = self.begin_field_batch(scope).await?;
        batch.allegation_step(Uuid::now_v7(), id, step).await?;
        batch.commit().await
    }

    /// An allegation's steps with the ids they were recorded under, in time order (for the
    /// visit report that carries them to the unit). Another tenant's allegation answers
    /// [`StoreError::NotFound`].
    pub async fn allegation_steps(
        &self,
        scope: &TenantScope,
        id: AllegationId,
    ) -> StoreResult<Vec<(Uuid, AllegationStep)>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            ensure_own!(tx, scope, "allegations", id.as_uuid());
            let rows = sqlx::query(
                "SELECT id, at, by_name, kind, addressee, form, text FROM allegation_steps WHERE tenant_id = $1 AND allegation_id = $2 ORDER BY at, id",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(id.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| Ok((row.uuid("id")?, step_from(row)?)))
                .collect()
        })
    }

    /// Records an evidence item with its links, and opens its chain of custody: `captured` by
    /// `captured_by` at the capture time, then `received` by the scope's actor now.
    pub async fn record_evidence(
        &self,
        scope: &TenantScope,
        item: &EvidenceItem,
        stored_as: Option<&str>,
        captured_by: &str,
        links: &[EvidenceTarget],
    ) -> StoreResult<()> {
        item.validate().map_err(invalid)?;
        if item.sha256.is_some() != stored_as.is_some() {
            return Err(invalid(
                "a saved file has a stored name, an unavailable link none".into(),
            ));
        }
        let now = OffsetDateTime::now_utc();
        let size = item
            .size
            .map(|s| i64::try_from(s).map_err(|_| invalid("size: too large".into())))
            .transpose()?;
        let captured = next_entry(
            item.id,
            None,
            item.captured_at,
            captured_by,
            CustodyAction::Captured,
            item.unavailable.as_deref(),
        );
        let received = next_entry(
            item.id,
            Some(&captured),
            now.max(item.captured_at),
            scope.actor_name(),
            CustodyAction::Received,
            None,
        );
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            if let Some(original) = item.derived_from {
                ensure_own!(tx, scope, "evidence_items", original.as_uuid());
            }
            for link in links {
                match link {
                    EvidenceTarget::Registration(id) => ensure_own!(tx, scope, "registrations", id.as_uuid()),
                    EvidenceTarget::Place(id) => ensure_own!(tx, scope, "places", id.as_uuid()),
                    EvidenceTarget::Allegation(id) => ensure_own!(tx, scope, "allegations", id.as_uuid()),
                }
            }
            sqlx::query(
                "INSERT INTO evidence_items (id, tenant_id, kind, role, derived_from, title, source_url, captured_at, sha256, size, media_type, unavailable, stored_as, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            )
            .bind(item.id.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(item.kind.code())
            .bind(item.role.code())
            .bind(item.derived_from.map(|d| *d.as_uuid()))
            .bind(item.title.trim())
            .bind(item.source_url.as_deref())
            .bind(item.captured_at)
            .bind(item.sha256.as_deref())
            .bind(size)
            .bind(item.media_type.as_deref())
            .bind(item.unavailable.as_deref())
            .bind(stored_as)
            .bind(scope.actor_name())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            for link in links {
                let (kind, target) = link.parts();
                sqlx::query("INSERT INTO evidence_links (tenant_id, evidence_id, target_kind, target_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                    .bind(*scope.tenant().as_uuid())
                    .bind(item.id.as_uuid())
                    .bind(kind)
                    .bind(target)
                    .execute(&mut *tx)
                    .await?;
            }
            for entry in [&captured, &received] {
                insert_custody!(&mut *tx, scope, entry);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Appends an entry to an item's chain of custody, after its last entry.
    pub async fn add_custody(
        &self,
        scope: &TenantScope,
        evidence: EvidenceId,
        action: CustodyAction,
        note: Option<&str>,
    ) -> StoreResult<CustodyEntry> {
        if let Some(note) = note
            && (note.trim().is_empty() || note.chars().count() > 2000)
        {
            return Err(invalid("note: 1 to 2000 characters".into()));
        }
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            ensure_own!(tx, scope, "evidence_items", evidence.as_uuid());
            let last = sqlx::query(
                "SELECT evidence_id, sequence, at, by_name, action, note, previous, hash FROM custody_entries \
                 WHERE tenant_id = $1 AND evidence_id = $2 ORDER BY sequence DESC LIMIT 1",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(evidence.as_uuid())
            .fetch_optional(&mut *tx)
            .await?;
            let last = last.as_ref().map(custody_from).transpose()?;
            let at = last.as_ref().map_or(now, |l| now.max(l.at));
            let entry = next_entry(evidence, last.as_ref(), at, scope.actor_name(), action, note);
            insert_custody!(&mut *tx, scope, &entry);
            tx.commit().await?;
            Ok(entry)
        })
    }

    /// An item's chain of custody, in sequence order.
    pub async fn custody(
        &self,
        scope: &TenantScope,
        evidence: EvidenceId,
    ) -> StoreResult<Vec<CustodyEntry>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT evidence_id, sequence, at, by_name, action, note, previous, hash FROM custody_entries \
                 WHERE tenant_id = $1 AND evidence_id = $2 ORDER BY sequence",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(evidence.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter().map(custody_from).collect()
        })
    }

    /// Every evidence item of the tenant with its links, oldest first.
    pub async fn evidence_items(&self, scope: &TenantScope) -> StoreResult<Vec<StoredEvidence>> {
        let sql = format!(
            "SELECT {EVIDENCE_COLUMNS} FROM evidence_items WHERE tenant_id = $1 ORDER BY created_at, id"
        );
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(*scope.tenant().as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            let links = sqlx::query("SELECT evidence_id, target_kind, target_id FROM evidence_links WHERE tenant_id = $1")
                .bind(*scope.tenant().as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            let links: Vec<(Uuid, EvidenceTarget)> = links
                .iter()
                .map(|row| {
                    Ok((
                        row.uuid("evidence_id")?,
                        EvidenceTarget::from_parts(&row.text("target_kind")?, row.uuid("target_id")?)?,
                    ))
                })
                .collect::<StoreResult<_>>()?;
            rows.iter()
                .map(|row| {
                    let mut stored = evidence_from(row)?;
                    stored.links = links
                        .iter()
                        .filter(|(e, _)| e == stored.item.id.as_uuid())
                        .map(|(_, t)| *t)
                        .collect();
                    Ok(stored)
                })
                .collect()
        })
    }

    /// One evidence item; another tenant's answers [`StoreError::NotFound`].
    pub async fn evidence_item(
        &self,
        scope: &TenantScope,
        id: EvidenceId,
    ) -> StoreResult<StoredEvidence> {
        self.evidence_items(scope)
            .await?
            .into_iter()
            .find(|e| e.item.id == id)
            .ok_or(StoreError::NotFound)
    }
}

/// The end of a refusal, as recorded after it.
#[derive(Clone, Debug)]
pub struct StoredRefusalEnd {
    pub end: RefusalEnd,
    pub recorded_by: String,
}

fn interview_from(row: &impl Cols) -> StoreResult<Interview> {
    let ids = |column: &str| -> StoreResult<Vec<RegistrationId>> {
        from_json_list(&row.text(column)?)?
            .iter()
            .map(|v| {
                v.parse()
                    .map(RegistrationId::from_uuid)
                    .map_err(|_| StoreError::Corrupt("interviewee id".into()))
            })
            .collect()
    };
    Ok(Interview {
        id: InterviewId::from_uuid(row.uuid("id")?),
        visit: VisitId::from_uuid(row.uuid("visit_id")?),
        interviewees: ids("interviewees")?,
        place: PlaceId::from_uuid(row.uuid("place_id")?),
        held_at: row.time("held_at")?,
        interviewers: from_json_list(&row.text("interviewers")?)?,
        interpreter: row.opt_text("interpreter")?,
        language: row.opt_text("language")?,
        without_witnesses: row.boolean("without_witnesses")?,
        present: row.opt_text("present")?,
        consent_authorities: code(&row.text("consent_authorities")?)?,
        consent_family: row.boolean("consent_family")?,
        consent_medical: row.boolean("consent_medical")?,
        // Sealed: opened by `interviews`.
        notes: row.opt_text("notes")?,
    })
}

impl Store {
    /// GC3-126-b, ICRC-VIS-c: records a private interview. Its visit, place and interviewees
    /// must be the scope's own, and every interviewee a person seen on that visit. The notes are
    /// sealed with the tenant's data key, bound to the row. The same interview (same id) again
    /// adds nothing and answers `false`.
    pub async fn record_interview(
        &self,
        scope: &TenantScope,
        interview: &Interview,
    ) -> StoreResult<bool> {
        let mut batch = self.begin_field_batch(scope).await?;
        let inserted = batch.interview(interview).await?;
        batch.commit().await?;
        Ok(inserted)
    }

    /// The interviews of a visit, in the order they were held, notes opened. Callers that show
    /// them log the read with its purpose (§7.5).
    pub async fn interviews(
        &self,
        scope: &TenantScope,
        visit: VisitId,
    ) -> StoreResult<Vec<Interview>> {
        let sql = format!(
            "SELECT {INTERVIEW_COLUMNS} FROM interviews WHERE tenant_id = $1 AND visit_id = $2 ORDER BY held_at, id"
        );
        let rows: Vec<Interview> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(*scope.tenant().as_uuid())
            .bind(visit.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter().map(interview_from).collect::<StoreResult<_>>()?
        });
        let mut opened = Vec::with_capacity(rows.len());
        for mut interview in rows {
            if let Some(sealed) = &interview.notes {
                interview.notes = Some(
                    self.vault()
                        .open_text(scope, &format!("interviews.notes:{}", interview.id), sealed)
                        .await?,
                );
            }
            opened.push(interview);
        }
        Ok(opened)
    }

    /// GC3-126-c: records that access was granted again after a refusal. The refusal must be the
    /// scope's own and not already ended (when recorded, or by an earlier end); checked by
    /// [`RefusalEnd::check`].
    pub async fn lift_refusal(&self, scope: &TenantScope, end: &RefusalEnd) -> StoreResult<()> {
        let now = OffsetDateTime::now_utc();
        let refusal = self
            .refusals(scope)
            .await?
            .into_iter()
            .find(|r| r.id == end.refusal)
            .ok_or(StoreError::NotFound)?;
        end.check(&refusal, now).map_err(invalid)?;
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            ensure_own!(tx, scope, "access_refusals", end.refusal.as_uuid());
            sqlx::query(
                "INSERT INTO refusal_ends (refusal_id, tenant_id, ended_at, note, recorded_by, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(end.refusal.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(end.ended_at)
            .bind(end.note.as_deref().map(str::trim))
            .bind(scope.actor_name())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(crate::error::unless_taken(|| invalid("ended at: access was already granted again".into())))?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// GC3-126-c: records an end that was recorded elsewhere (a delegate's laptop), once: the
    /// same end again answers `false`; a different end of a refusal already ended is refused.
    pub async fn merge_refusal_end(
        &self,
        scope: &TenantScope,
        end: &RefusalEnd,
    ) -> StoreResult<bool> {
        let mut batch = self.begin_field_batch(scope).await?;
        let inserted = batch.refusal_end(end).await?;
        batch.commit().await?;
        Ok(inserted)
    }

    /// The ends recorded after refusals, in the order access was granted again.
    pub async fn refusal_ends(&self, scope: &TenantScope) -> StoreResult<Vec<StoredRefusalEnd>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT refusal_id, ended_at, note, recorded_by FROM refusal_ends WHERE tenant_id = $1 ORDER BY ended_at, refusal_id",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(StoredRefusalEnd {
                        end: RefusalEnd {
                            refusal: RefusalId::from_uuid(row.uuid("refusal_id")?),
                            ended_at: row.time("ended_at")?,
                            note: row.opt_text("note")?,
                        },
                        recorded_by: row.text("recorded_by")?,
                    })
                })
                .collect()
        })
    }
}

/// Who recorded each field record of a visit (issue 6): as entered on the laptop for what came
/// in a visit report, otherwise the operator who recorded it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VisitRecorders {
    /// The standing record of each condition (ICRC-VIS-a), in the order of
    /// [`Store::conditions`].
    pub conditions: Vec<(domain::protection::Condition, String)>,
    /// Each private interview of the visit (GC3-126-b).
    pub interviews: Vec<(InterviewId, String)>,
    /// Each refusal of the visit (GC3-126-c).
    pub refusals: Vec<(RefusalId, String)>,
}

impl VisitRecorders {
    #[must_use]
    pub fn interview(&self, id: InterviewId) -> Option<&str> {
        self.interviews
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, by)| by.as_str())
    }

    #[must_use]
    pub fn refusal(&self, id: RefusalId) -> Option<&str> {
        self.refusals
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, by)| by.as_str())
    }

    #[must_use]
    pub fn condition(&self, condition: domain::protection::Condition) -> Option<&str> {
        self.conditions
            .iter()
            .find(|(c, _)| *c == condition)
            .map(|(_, by)| by.as_str())
    }
}

impl Store {
    /// Who recorded the conditions, interviews and refusals of `visit` (no notes, no names:
    /// ids and `recorded_by` only).
    pub async fn visit_recorders(
        &self,
        scope: &TenantScope,
        visit: VisitId,
    ) -> StoreResult<VisitRecorders> {
        let tenant = *scope.tenant().as_uuid();
        // (condition code, by), (interview, by), (refusal, by).
        type Rows = (
            Vec<(String, String)>,
            Vec<(Uuid, String)>,
            Vec<(Uuid, String)>,
        );
        let (conditions, interviews, refusals): Rows = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let conditions = sqlx::query_as(
                "SELECT condition_code, recorded_by FROM visit_conditions WHERE tenant_id = $1 AND visit_id = $2 ORDER BY recorded_at, id",
            )
            .bind(tenant)
            .bind(visit.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            let interviews = sqlx::query_as(
                "SELECT id, recorded_by FROM interviews WHERE tenant_id = $1 AND visit_id = $2 ORDER BY held_at, id",
            )
            .bind(tenant)
            .bind(visit.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            let refusals = sqlx::query_as(
                "SELECT id, recorded_by FROM access_refusals WHERE tenant_id = $1 AND visit_id = $2 ORDER BY refused_at, id",
            )
            .bind(tenant)
            .bind(visit.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            (conditions, interviews, refusals)
        });
        let mut standing: Vec<(domain::protection::Condition, String)> = Vec::new();
        for (condition, by) in conditions {
            let condition = code(&condition)?;
            standing.retain(|(c, _)| *c != condition);
            standing.push((condition, by));
        }
        standing.sort_by_key(|(c, _)| *c);
        Ok(VisitRecorders {
            conditions: standing,
            interviews: interviews
                .into_iter()
                .map(|(id, by)| (InterviewId::from_uuid(id), by))
                .collect(),
            refusals: refusals
                .into_iter()
                .map(|(id, by)| (RefusalId::from_uuid(id), by))
                .collect(),
        })
    }
}

#[macro_use]
mod followed;
mod batch;
mod letters_received;
mod representations;

pub use batch::{FieldBatch, Held, ItemError};
pub use followed::REGISTRATIONS_BY_ID_MAX;
pub use representations::{StoredReply, StoredRepresentation};
