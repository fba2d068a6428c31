//! The agency's casework: families' tracing requests (ICRC-RFL-b) and the reviewers' decisions on
//! the matches the engine proposes (MATCH-1, MATCH-7).
//!
//! Decisions are append-only and one per user and pair, so "two independent confirmations" is a
//! count of distinct users, and a rejected pair stays rejected: the store keeps the facts, the
//! web layer applies the rule.

use std::fmt;
use std::str::FromStr;

use domain::{AssertedValue, PartialDate, PersonId, PersonName, Presence, UserId};
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntry};
use crate::error::{StoreError, StoreResult};
use crate::rows::ScopedPool;
use crate::scope::TenantScope;
use crate::{Store, codec, on_backend};

/// A tracing request's id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TracingRequestId(Uuid);

impl TracingRequestId {
    #[must_use]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    #[must_use]
    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl Default for TracingRequestId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for TracingRequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for TracingRequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TracingRequestId({})", self.0)
    }
}

impl FromStr for TracingRequestId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// A tracing request as taken in.
#[derive(Clone, Debug)]
pub struct NewTracingRequest {
    pub reference: String,
    pub enquirer_name: String,
    pub enquirer_contact: String,
    pub relationship: String,
    /// The sought person's name as the family wrote it, in any script.
    pub sought_name: PersonName,
    pub sought_birth: Option<PartialDate>,
    pub sought_birth_place: Option<String>,
    pub sought_father_name: Option<String>,
    pub circumstances: String,
    /// The enquirer agrees that the agency traces the person with these particulars.
    pub consent_tracing: bool,
    /// The enquirer agrees that their details may be given to the sought person.
    pub consent_share: bool,
    /// The language of the request (BCP 47), for the answer letter.
    pub language: Option<String>,
}

/// A stored tracing request.
#[derive(Clone, Debug)]
pub struct TracingRequest {
    pub id: TracingRequestId,
    pub request: NewTracingRequest,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Confirm,
    Reject,
}

impl Decision {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Reject => "reject",
        }
    }
}

/// One reviewer's decision, as they took it.
#[derive(Clone, Debug)]
pub struct NewMatchDecision<'a> {
    pub request: TracingRequestId,
    pub person: PersonId,
    pub decision: Decision,
    /// The score shown, in thousandths.
    pub score: i32,
    /// Which engine and version proposed the pair (MATCH-7).
    pub algorithm: &'a str,
    /// The explanation shown, as the web layer serialised it.
    pub explanation: &'a str,
}

#[derive(Clone, Debug)]
pub struct MatchDecision {
    pub request: TracingRequestId,
    pub person: PersonId,
    pub decision: Decision,
    pub user: UserId,
    pub username: String,
    pub decided_at: OffsetDateTime,
    pub score: i32,
    pub algorithm: String,
    pub explanation: String,
}

/// Where a tracing request stands, from its reviewers' decisions (MATCH-1: a match needs two
/// independent confirmations; a rejected pair is never proposed again).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestStage {
    /// No pair has a confirmation that stands: the proposals wait for a first review.
    ToReview,
    /// One reviewer confirmed a pair; a second, different reviewer must confirm it.
    AwaitingSecond,
    /// A pair has two confirmations by different reviewers and no rejection.
    Found,
}

impl RequestStage {
    pub const ALL: [Self; 3] = [Self::ToReview, Self::AwaitingSecond, Self::Found];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::ToReview => "to-review",
            Self::AwaitingSecond => "awaiting-second",
            Self::Found => "found",
        }
    }

    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    const fn rank(self) -> i64 {
        match self {
            Self::ToReview => 0,
            Self::AwaitingSecond => 1,
            Self::Found => 2,
        }
    }

    fn from_rank(rank: i64) -> StoreResult<Self> {
        match rank {
            0 => Ok(Self::ToReview),
            1 => Ok(Self::AwaitingSecond),
            2 => Ok(Self::Found),
            other => Err(StoreError::Corrupt(format!("request stage {other}"))),
        }
    }
}

/// A request's stage and the number of decisions on its pairs.
pub type StageKept = (RequestStage, i64);

/// Which requests the worklist keeps.
#[derive(Clone, Debug, Default)]
pub struct WorklistFilter {
    pub stage: Option<RequestStage>,
    /// The start of the reference, as typed (`%` and `_` match themselves).
    pub reference_prefix: Option<String>,
}

#[derive(Clone, Debug)]
pub struct WorklistRow {
    pub request: TracingRequest,
    pub stage: RequestStage,
    /// Every reviewer decision taken on the request's pairs.
    pub decisions: i64,
}

#[derive(Clone, Debug)]
pub struct Worklist {
    pub rows: Vec<WorklistRow>,
    /// Requests the filter keeps, on every page.
    pub total: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StageCounts {
    pub to_review: i64,
    pub awaiting_second: i64,
    pub found: i64,
}

impl StageCounts {
    #[must_use]
    pub const fn get(&self, stage: RequestStage) -> i64 {
        match stage {
            RequestStage::ToReview => self.to_review,
            RequestStage::AwaitingSecond => self.awaiting_second,
            RequestStage::Found => self.found,
        }
    }

    #[must_use]
    pub const fn total(&self) -> i64 {
        self.to_review + self.awaiting_second + self.found
    }
}

/// Per request, its furthest stage (MATCH-1): per pair, the distinct confirming users and
/// whether anyone rejected it; a pair with a rejection counts for nothing. Recomputed from every
/// decision of the tenant: what the stage kept per request (`tracing_request_stages`,
/// migration 0025, written by triggers in the decision's transaction) must equal
/// ([`Store::recomputed_request_stages`]).
const STAGES: &str = "WITH pairs AS (\
     SELECT request_id, COUNT(DISTINCT CASE WHEN decision = 'confirm' THEN user_id END) AS confirmers, \
     MAX(CASE WHEN decision = 'reject' THEN 1 ELSE 0 END) AS rejected, COUNT(*) AS n \
     FROM match_decisions WHERE tenant_id = $1 GROUP BY request_id, person_id), \
     per_request AS (SELECT request_id, \
     CAST(MAX(CASE WHEN rejected = 0 AND confirmers >= 2 THEN 2 WHEN rejected = 0 AND confirmers = 1 THEN 1 ELSE 0 END) AS BIGINT) AS stage, \
     CAST(SUM(n) AS BIGINT) AS decisions FROM pairs GROUP BY request_id)";

const WORKLIST_COLUMNS: &str = "r.id, r.reference, r.enquirer_name, r.enquirer_contact, r.relationship, r.sought_name, \
     r.sought_birth, r.sought_birth_place, r.sought_father_name, r.circumstances, r.consent_tracing, \
     r.consent_share, r.language, r.created_by, r.created_at";

/// `text` for a LIKE pattern with `\` as the escape character.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

const REQUEST_COLUMNS: &str = "id, reference, enquirer_name, enquirer_contact, relationship, sought_name, sought_birth, \
     sought_birth_place, sought_father_name, circumstances, consent_tracing, consent_share, language, created_by, created_at";

impl Store {
    /// Takes in a tracing request. The reference is unique in the tenant.
    pub async fn create_tracing_request(
        &self,
        scope: &TenantScope,
        new: &NewTracingRequest,
    ) -> StoreResult<TracingRequestId> {
        for (what, text, max) in [
            ("reference", &new.reference, 64),
            ("enquirer name", &new.enquirer_name, 200),
            ("enquirer contact", &new.enquirer_contact, 500),
            ("relationship", &new.relationship, 100),
            ("circumstances", &new.circumstances, 4000),
        ] {
            let length = text.trim().chars().count();
            if length == 0 || length > max {
                return Err(StoreError::Invalid(format!(
                    "the {what} is 1 to {max} characters"
                )));
            }
        }
        let id = TracingRequestId::new();
        let now = OffsetDateTime::now_utc();
        let (name, _) = codec::encode(&Presence::Present(AssertedValue::Name(
            new.sought_name.clone(),
        )));
        // SEC-3, ICRC-DP-f: the family's contact details and their account of the circumstances
        // are sealed under the tenant's key; names stay clear for tracing (ARCHITECTURE.md).
        let contact = self
            .vault()
            .seal_text(scope, &contact_context(id), new.enquirer_contact.trim())
            .await?;
        let circumstances = self
            .vault()
            .seal_text(scope, &circumstances_context(id), new.circumstances.trim())
            .await?;
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            sqlx::query(
                "INSERT INTO tracing_requests (id, tenant_id, reference, enquirer_name, enquirer_contact, relationship, sought_name, \
                 sought_birth, sought_birth_place, sought_father_name, circumstances, consent_tracing, consent_share, language, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            )
            .bind(id.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(new.reference.trim())
            .bind(new.enquirer_name.trim())
            .bind(&contact)
            .bind(new.relationship.trim())
            .bind(name.as_deref())
            .bind(new.sought_birth.as_ref().map(PartialDate::original))
            .bind(new.sought_birth_place.as_deref())
            .bind(new.sought_father_name.as_deref())
            .bind(&circumstances)
            .bind(new.consent_tracing)
            .bind(new.consent_share)
            .bind(new.language.as_deref())
            .bind(scope.actor_name())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(crate::error::unless_taken(|| StoreError::Invalid(
                    format!("a tracing request {:?} already exists", new.reference.trim()),
                )))?;
            tx.commit().await?;
        });
        self.audit(
            scope,
            AuditEntry::new(
                AuditAction::Create,
                format!("tracing_request:{}", id.as_uuid()),
            ),
        )
        .await?;
        Ok(id)
    }

    /// Opens the sealed fields of requests read from the database.
    async fn open_requests(
        &self,
        scope: &TenantScope,
        mut requests: Vec<TracingRequest>,
    ) -> StoreResult<Vec<TracingRequest>> {
        for request in &mut requests {
            let vault = self.vault();
            request.request.enquirer_contact = vault
                .open_text(
                    scope,
                    &contact_context(request.id),
                    &request.request.enquirer_contact,
                )
                .await?;
            request.request.circumstances = vault
                .open_text(
                    scope,
                    &circumstances_context(request.id),
                    &request.request.circumstances,
                )
                .await?;
        }
        Ok(requests)
    }

    /// The tenant's tracing requests, newest first.
    pub async fn tracing_requests(
        &self,
        scope: &TenantScope,
        limit: i64,
    ) -> StoreResult<Vec<TracingRequest>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM tracing_requests WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        let requests = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(*scope.tenant().as_uuid())
                .bind(limit.clamp(1, 1000))
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows.iter().map(request_from_row).collect::<StoreResult<Vec<_>>>()
        })?;
        let requests = self.open_requests(scope, requests).await?;
        self.audit_requests_read(scope, requests.len()).await?;
        Ok(requests)
    }

    /// The caseworker's worklist: one page of requests, newest first, each with where it stands
    /// (MATCH-1), filtered by stage and by the start of the reference. `total` counts every
    /// request the filter keeps, for paging.
    ///
    /// The stage is computed in SQL so that a filter and a page agree at any size; it follows
    /// the web layer's rule (`pair_states`: a pair is found with two confirmations by different
    /// users and no rejection); `tests/it/accounts_agency.rs` checks each case of that rule.
    pub async fn tracing_worklist(
        &self,
        scope: &TenantScope,
        filter: &WorklistFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Worklist> {
        let stage = filter.stage.map(RequestStage::rank);
        let prefix = filter
            .reference_prefix
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| format!("{}%", like_escape(p)));
        // The stage kept per request (migration 0025): a page reads the index of the stage
        // (or of the order) instead of aggregating every decision of the tenant. Only the
        // filters given are in the statement, so each plan can use its index.
        let mut conditions = String::new();
        let mut n = 1;
        if stage.is_some() {
            n += 1;
            conditions.push_str(&format!(" AND s.stage = ${n}"));
        }
        if prefix.is_some() {
            n += 1;
            conditions.push_str(&format!(" AND r.reference LIKE ${n} ESCAPE '\\'"));
        }
        let page_sql = format!(
            "SELECT {WORKLIST_COLUMNS}, s.stage, s.decisions FROM tracing_request_stages s \
             JOIN tracing_requests r ON r.id = s.request_id \
             WHERE s.tenant_id = $1 AND r.tenant_id = $1{conditions} \
             ORDER BY s.created_at DESC, s.request_id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let count_sql = if prefix.is_some() {
            format!(
                "SELECT COUNT(*) AS n FROM tracing_request_stages s JOIN tracing_requests r ON r.id = s.request_id \
                 WHERE s.tenant_id = $1 AND r.tenant_id = $1{conditions}"
            )
        } else {
            format!(
                "SELECT COUNT(*) AS n FROM tracing_request_stages s WHERE s.tenant_id = $1{conditions}"
            )
        };
        let (rows, total) = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let mut count = sqlx::query(sqlx::AssertSqlSafe(count_sql)).bind(*scope.tenant().as_uuid());
            let mut page = sqlx::query(sqlx::AssertSqlSafe(page_sql)).bind(*scope.tenant().as_uuid());
            if let Some(stage) = stage {
                count = count.bind(stage);
                page = page.bind(stage);
            }
            if let Some(prefix) = prefix.as_deref() {
                count = count.bind(prefix.to_owned());
                page = page.bind(prefix.to_owned());
            }
            let total: i64 = count.fetch_one(&mut *tx).await?.try_get("n")?;
            let rows = page
                .bind(limit.clamp(1, 1000))
                .bind(offset.max(0))
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            let rows = rows
                .iter()
                .map(|row| {
                    let request = request_from_row(row)?;
                    let stage: i64 = row.try_get("stage")?;
                    Ok((request, RequestStage::from_rank(stage)?, row.try_get::<i64, _>("decisions")?))
                })
                .collect::<StoreResult<Vec<_>>>()?;
            Ok::<_, StoreError>((rows, total))
        })?;
        let (requests, facts): (Vec<_>, Vec<_>) = rows
            .into_iter()
            .map(|(request, stage, decisions)| (request, (stage, decisions)))
            .unzip();
        let requests = self.open_requests(scope, requests).await?;
        self.audit_requests_read(scope, requests.len()).await?;
        Ok(Worklist {
            rows: requests
                .into_iter()
                .zip(facts)
                .map(|(request, (stage, decisions))| WorklistRow {
                    request,
                    stage,
                    decisions,
                })
                .collect(),
            total,
        })
    }

    /// How many of the tenant's requests stand at each stage: the worklist's tabs and the
    /// dashboard. Counts only: nothing personal is read.
    pub async fn tracing_stage_counts(&self, scope: &TenantScope) -> StoreResult<StageCounts> {
        // The stage kept per request (migration 0025): a count over the stage index.
        let sql = "SELECT stage, COUNT(*) AS n FROM tracing_request_stages WHERE tenant_id = $1 GROUP BY stage";
        let rows: Vec<(i64, i64)> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(*scope.tenant().as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| Ok((row.try_get("stage")?, row.try_get("n")?)))
                .collect::<StoreResult<Vec<_>>>()
        })?;
        let mut counts = StageCounts::default();
        for (stage, n) in rows {
            match RequestStage::from_rank(stage)? {
                RequestStage::ToReview => counts.to_review = n,
                RequestStage::AwaitingSecond => counts.awaiting_second = n,
                RequestStage::Found => counts.found = n,
            }
        }
        Ok(counts)
    }

    /// Each request's stage and number of decisions as kept (`tracing_request_stages`,
    /// migration 0025) and as recomputed from every decision of the tenant (MATCH-1), by
    /// request: `(kept, recomputed)`, each `(stage, decisions)`. Counts only: nothing personal
    /// is read. For the tests and checks that the two agree.
    pub async fn recomputed_request_stages(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<Vec<(TracingRequestId, StageKept, StageKept)>> {
        let sql = format!(
            "{STAGES} SELECT r.id, s.stage AS kept, s.decisions AS kept_decisions, \
             COALESCE(p.stage, 0) AS stage, COALESCE(p.decisions, 0) AS decisions \
             FROM tracing_requests r LEFT JOIN per_request p ON p.request_id = r.id \
             LEFT JOIN tracing_request_stages s ON s.request_id = r.id \
             WHERE r.tenant_id = $1 ORDER BY r.created_at, r.id"
        );
        /// The request, the stage and decisions kept, and those recomputed.
        type Row = (Uuid, Option<i64>, Option<i64>, i64, i64);
        let rows: Vec<Row> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(*scope.tenant().as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok((
                        row.try_get::<Uuid, _>("id")?,
                        row.try_get("kept")?,
                        row.try_get("kept_decisions")?,
                        row.try_get("stage")?,
                        row.try_get("decisions")?,
                    ))
                })
                .collect::<StoreResult<Vec<_>>>()
        })?;
        rows.into_iter()
            .map(|(id, kept, kept_decisions, stage, decisions)| {
                let kept = kept.ok_or_else(|| {
                    StoreError::Corrupt(format!("tracing request {id} has no stage kept"))
                })?;
                Ok((
                    TracingRequestId(id),
                    (
                        RequestStage::from_rank(kept)?,
                        kept_decisions.unwrap_or_default(),
                    ),
                    (RequestStage::from_rank(stage)?, decisions),
                ))
            })
            .collect()
    }

    /// XC-8: a read of `count` tracing requests (protected data), with its purpose.
    async fn audit_requests_read(&self, scope: &TenantScope, count: usize) -> StoreResult<()> {
        self.audit(
            scope,
            AuditEntry::new(AuditAction::Read, "tracing_requests")
                .purpose("tracing")
                .records(i64::try_from(count).unwrap_or(i64::MAX)),
        )
        .await?;
        Ok(())
    }

    /// One tracing request; another tenant's answers [`StoreError::NotFound`].
    pub async fn tracing_request(
        &self,
        scope: &TenantScope,
        id: TracingRequestId,
    ) -> StoreResult<TracingRequest> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM tracing_requests WHERE tenant_id = $1 AND id = $2"
        );
        let request = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(*scope.tenant().as_uuid())
                .bind(id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            tx.commit().await?;
            row.as_ref().map(request_from_row).transpose()?.ok_or(StoreError::NotFound)
        })?;
        let request = self
            .open_requests(scope, vec![request])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        self.audit(
            scope,
            AuditEntry::new(
                AuditAction::Read,
                format!("tracing_request:{}", id.as_uuid()),
            )
            .purpose("tracing"),
        )
        .await?;
        Ok(request)
    }

    /// Records a reviewer's decision. Only a signed-in user decides; one decision per user and
    /// pair; the request and the person must be this tenant's.
    pub async fn record_match_decision(
        &self,
        scope: &TenantScope,
        new: &NewMatchDecision<'_>,
    ) -> StoreResult<()> {
        let Some(user) = scope.actor() else {
            return Err(StoreError::Invalid(
                "a match decision is taken by a signed-in reviewer".into(),
            ));
        };
        let id = Uuid::now_v7();
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            let request: Option<i32> = sqlx::query_scalar("SELECT 1 FROM tracing_requests WHERE tenant_id = $1 AND id = $2")
                .bind(*scope.tenant().as_uuid())
                .bind(new.request.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            let person: Option<i32> = sqlx::query_scalar("SELECT 1 FROM persons WHERE tenant_id = $1 AND id = $2")
                .bind(*scope.tenant().as_uuid())
                .bind(new.person.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            if request.is_none() || person.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO match_decisions (id, tenant_id, request_id, person_id, decision, user_id, decided_at, score, algorithm, explanation) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(*scope.tenant().as_uuid())
            .bind(new.request.as_uuid())
            .bind(new.person.as_uuid())
            .bind(new.decision.code())
            .bind(user.as_uuid())
            .bind(now)
            .bind(new.score)
            .bind(new.algorithm)
            .bind(new.explanation)
            .execute(&mut *tx)
            .await
            .map_err(crate::error::unless_taken(|| StoreError::Invalid("you have already decided on this pair".into())))?;
            tx.commit().await?;
        });
        self.audit(
            scope,
            AuditEntry::new(
                AuditAction::MatchDecision,
                format!("tracing_request:{}", new.request.as_uuid()),
            )
            .detail(format!(
                "{} person:{}",
                new.decision.code(),
                new.person.as_uuid()
            )),
        )
        .await?;
        Ok(())
    }

    /// Every decision on the pairs of one request, oldest first.
    pub async fn match_decisions(
        &self,
        scope: &TenantScope,
        request: TracingRequestId,
    ) -> StoreResult<Vec<MatchDecision>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT d.request_id, d.person_id, d.decision, d.user_id, u.username, d.decided_at, d.score, d.algorithm, d.explanation \
                 FROM match_decisions d JOIN users u ON u.id = d.user_id \
                 WHERE d.tenant_id = $1 AND d.request_id = $2 ORDER BY d.decided_at, d.id",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(request.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    let decision: String = row.try_get("decision")?;
                    Ok(MatchDecision {
                        request: TracingRequestId(row.try_get("request_id")?),
                        person: PersonId::from_uuid(row.try_get("person_id")?),
                        decision: match decision.as_str() {
                            "confirm" => Decision::Confirm,
                            "reject" => Decision::Reject,
                            other => return Err(StoreError::Corrupt(format!("decision {other:?}"))),
                        },
                        user: UserId::from_uuid(row.try_get("user_id")?),
                        username: row.try_get("username")?,
                        decided_at: row.try_get("decided_at")?,
                        score: row.try_get("score")?,
                        algorithm: row.try_get("algorithm")?,
                        explanation: row.try_get("explanation")?,
                    })
                })
                .collect()
        })
    }
}

fn request_from_row<R>(row: &R) -> StoreResult<TracingRequest>
where
    R: Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> Uuid: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> OffsetDateTime: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let name: String = row.try_get("sought_name")?;
    let sought_name = match codec::decode(Some(&name), None)? {
        Presence::Present(AssertedValue::Name(name)) => name,
        _ => return Err(StoreError::Corrupt("a sought name is not a name".into())),
    };
    let birth: Option<String> = row.try_get("sought_birth")?;
    let sought_birth = birth
        .map(|text| PartialDate::parse(&text).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()?;
    Ok(TracingRequest {
        id: TracingRequestId(row.try_get("id")?),
        request: NewTracingRequest {
            reference: row.try_get("reference")?,
            enquirer_name: row.try_get("enquirer_name")?,
            enquirer_contact: row.try_get("enquirer_contact")?,
            relationship: row.try_get("relationship")?,
            sought_name,
            sought_birth,
            sought_birth_place: row.try_get("sought_birth_place")?,
            sought_father_name: row.try_get("sought_father_name")?,
            circumstances: row.try_get("circumstances")?,
            consent_tracing: row.try_get("consent_tracing")?,
            consent_share: row.try_get("consent_share")?,
            language: row.try_get("language")?,
        },
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn contact_context(id: TracingRequestId) -> String {
    format!("tracing_requests.enquirer_contact:{}", id.as_uuid())
}

fn circumstances_context(id: TracingRequestId) -> String {
    format!("tracing_requests.circumstances:{}", id.as_uuid())
}
