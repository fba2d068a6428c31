//! The agency's same-person proposals (issue 5, item 3; migration 0024): two records the matching
//! engine finds likely to be one human being, each from its own source (two bureaus, one bureau
//! under two references, a bureau and the agency's own registration), and the caseworkers'
//! decisions on them.
//!
//! Nothing is merged (MATCH-1): both records stay as they are, with every source's values and
//! provenance (XC-3). A pair is proposed once, with the probability, the algorithm version and
//! the explanation per feature the engine gave then (MATCH-7); decisions are append-only, one per
//! user and pair, and carry what the reviewer saw and their note. A rejected pair keeps its row,
//! so it is never proposed again.
//!
//! Persons not compared yet wait in `link_pending`, written by a trigger in the transaction that
//! registers them (an ingest, a registration): a crash after the ingest loses no comparison, and
//! [`Store::record_link_pass`] removes the markers of the persons it compared in the transaction
//! that writes their proposals.

use std::fmt;
use std::str::FromStr;

use domain::{PersonId, UserId};
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::agency::Decision;
use crate::audit::{AuditAction, AuditEntry};
use crate::error::{StoreError, StoreResult};
use crate::rows::ScopedPool;
use crate::scope::TenantScope;
use crate::{Store, on_backend};

/// A same-person proposal's id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkProposalId(Uuid);

impl LinkProposalId {
    #[must_use]
    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl fmt::Display for LinkProposalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for LinkProposalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LinkProposalId({})", self.0)
    }
}

impl FromStr for LinkProposalId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// A pair the engine proposes, as a pass found it.
#[derive(Clone, Debug)]
pub struct NewLinkProposal {
    pub left: PersonId,
    pub right: PersonId,
    /// The probability, in thousandths.
    pub score: i32,
    /// Which engine and version proposed the pair (MATCH-7).
    pub algorithm: String,
    /// The explanation per feature, as the web layer serialised it (MATCH-7).
    pub explanation: String,
}

/// Where a pair stands, from its decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkStatus {
    /// No decision yet.
    Open,
    /// Confirmed by a caseworker, and nobody rejected it: the two records are shown as one
    /// person's, side by side; nothing is merged.
    Confirmed,
    /// Rejected by a caseworker: remembered, never proposed again (MATCH-1).
    Rejected,
}

impl LinkStatus {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Confirmed => "confirmed",
            Self::Rejected => "rejected",
        }
    }
}

/// One caseworker's decision on a pair.
#[derive(Clone, Debug)]
pub struct LinkDecision {
    pub decision: Decision,
    /// The signed-in user; `None` for a decision taken through an API token.
    pub user: Option<UserId>,
    /// The username, or `token:<label>`.
    pub username: String,
    pub decided_at: OffsetDateTime,
    pub note: String,
    pub score: i32,
    pub algorithm: String,
    pub explanation: String,
}

/// A stored proposal with its decisions, oldest first.
#[derive(Clone, Debug)]
pub struct LinkProposal {
    pub id: LinkProposalId,
    /// The pair, the smaller id first.
    pub person_a: PersonId,
    pub person_b: PersonId,
    pub score: i32,
    pub algorithm: String,
    pub explanation: String,
    pub proposed_at: OffsetDateTime,
    pub decisions: Vec<LinkDecision>,
}

impl LinkProposal {
    /// Any rejection stands (MATCH-1: a rejected pair is remembered); otherwise a confirmation
    /// links the two records.
    #[must_use]
    pub fn status(&self) -> LinkStatus {
        if self
            .decisions
            .iter()
            .any(|d| d.decision == Decision::Reject)
        {
            LinkStatus::Rejected
        } else if self
            .decisions
            .iter()
            .any(|d| d.decision == Decision::Confirm)
        {
            LinkStatus::Confirmed
        } else {
            LinkStatus::Open
        }
    }

    /// The other record of the pair, when `person` is one of them.
    #[must_use]
    pub fn other(&self, person: PersonId) -> Option<PersonId> {
        if self.person_a == person {
            Some(self.person_b)
        } else if self.person_b == person {
            Some(self.person_a)
        } else {
            None
        }
    }
}

/// A caseworker's decision, as they took it.
#[derive(Clone, Debug)]
pub struct NewLinkDecision<'a> {
    pub proposal: LinkProposalId,
    pub decision: Decision,
    pub note: &'a str,
}

/// The longest note a decision keeps.
pub const LINK_NOTE_MAX: usize = 2000;

macro_rules! select_proposal {
    () => {
        "SELECT id, person_a, person_b, score, algorithm, explanation, proposed_at FROM link_proposals"
    };
}

fn proposal_of<R>(row: &R) -> StoreResult<LinkProposal>
where
    R: Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> Uuid: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> OffsetDateTime: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(LinkProposal {
        id: LinkProposalId(row.try_get("id")?),
        person_a: PersonId::from_uuid(row.try_get("person_a")?),
        person_b: PersonId::from_uuid(row.try_get("person_b")?),
        score: row.try_get("score")?,
        algorithm: row.try_get("algorithm")?,
        explanation: row.try_get("explanation")?,
        proposed_at: row.try_get("proposed_at")?,
        decisions: Vec::new(),
    })
}

fn decision_of<R>(row: &R) -> StoreResult<(LinkProposalId, LinkDecision)>
where
    R: Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> Uuid: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> OffsetDateTime: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<Uuid>: sqlx::Decode<'r, R::Database>,
{
    let decision: String = row.try_get("decision")?;
    Ok((
        LinkProposalId(row.try_get("proposal_id")?),
        LinkDecision {
            decision: match decision.as_str() {
                "confirm" => Decision::Confirm,
                "reject" => Decision::Reject,
                other => return Err(StoreError::Corrupt(format!("decision {other:?}"))),
            },
            user: row
                .try_get::<Option<Uuid>, _>("user_id")?
                .map(UserId::from_uuid),
            username: row.try_get("decided_by")?,
            decided_at: row.try_get("decided_at")?,
            note: row.try_get("note")?,
            score: row.try_get("score")?,
            algorithm: row.try_get("algorithm")?,
            explanation: row.try_get("explanation")?,
        },
    ))
}

/// Attaches each decision to its proposal.
fn attach(proposals: &mut [LinkProposal], decisions: Vec<(LinkProposalId, LinkDecision)>) {
    let index: std::collections::HashMap<LinkProposalId, usize> = proposals
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    for (id, decision) in decisions {
        if let Some(i) = index.get(&id) {
            proposals[*i].decisions.push(decision);
        }
    }
}

macro_rules! select_decisions {
    () => {
        "SELECT d.proposal_id, d.decision, d.user_id, d.decided_by, d.decided_at, d.note, d.score, d.algorithm, d.explanation \
         FROM link_decisions d WHERE d.tenant_id = $1"
    };
}

macro_rules! open_where {
    () => {
        " WHERE p.tenant_id = $1 AND NOT EXISTS \
         (SELECT 1 FROM link_decisions d WHERE d.tenant_id = p.tenant_id AND d.proposal_id = p.id)"
    };
}

impl Store {
    /// Up to `limit` persons of this tenant not compared yet (the markers the registration
    /// trigger of migration 0024 wrote), oldest registration first.
    pub async fn link_pending(
        &self,
        scope: &TenantScope,
        limit: usize,
    ) -> StoreResult<Vec<PersonId>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let ids: Vec<Uuid> = sqlx::query_scalar(
                "SELECT l.person_id FROM link_pending l JOIN persons p ON p.id = l.person_id \
                 WHERE l.tenant_id = $1 ORDER BY p.registered_at, p.id LIMIT $2",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(ids.into_iter().map(PersonId::from_uuid).collect())
        })
    }

    /// Writes the proposals a pass found for the persons it `compared`, and removes their
    /// markers, in one transaction: a pass that fails leaves the markers for the next one. A pair
    /// already proposed (in either order, whatever became of it: a rejected pair is remembered)
    /// is not proposed again. Pairs with a person of another tenant, or a person with itself, are
    /// left out. Answers how many pairs were new.
    pub async fn record_link_pass(
        &self,
        scope: &TenantScope,
        compared: &[PersonId],
        proposals: &[NewLinkProposal],
    ) -> StoreResult<usize> {
        let now = OffsetDateTime::now_utc();
        let tenant = *scope.tenant().as_uuid();
        let mut inserted = 0usize;
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            for proposal in proposals {
                let (a, b) = match proposal.left.as_uuid().cmp(proposal.right.as_uuid()) {
                    std::cmp::Ordering::Less => (proposal.left, proposal.right),
                    std::cmp::Ordering::Greater => (proposal.right, proposal.left),
                    std::cmp::Ordering::Equal => continue,
                };
                let done = sqlx::query(
                    "INSERT INTO link_proposals (id, tenant_id, person_a, person_b, score, algorithm, explanation, proposed_at) \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
                     WHERE EXISTS (SELECT 1 FROM persons WHERE tenant_id = $2 AND id = $3) \
                       AND EXISTS (SELECT 1 FROM persons WHERE tenant_id = $2 AND id = $4) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(Uuid::now_v7())
                .bind(tenant)
                .bind(*a.as_uuid())
                .bind(*b.as_uuid())
                .bind(proposal.score.clamp(0, 1000))
                .bind(&proposal.algorithm)
                .bind(&proposal.explanation)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                inserted += usize::try_from(done.rows_affected()).unwrap_or(0);
            }
            for person in compared {
                sqlx::query("DELETE FROM link_pending WHERE tenant_id = $1 AND person_id = $2")
                    .bind(tenant)
                    .bind(*person.as_uuid())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(inserted)
    }

    /// One proposal of this tenant with its decisions; another tenant's, or an unknown id, is
    /// [`StoreError::NotFound`].
    pub async fn link_proposal(
        &self,
        scope: &TenantScope,
        id: LinkProposalId,
    ) -> StoreResult<LinkProposal> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let row = sqlx::query(concat!(select_proposal!(), " WHERE tenant_id = $1 AND id = $2"))
                .bind(*scope.tenant().as_uuid())
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Err(StoreError::NotFound);
            };
            let mut proposal = proposal_of(&row)?;
            let rows = sqlx::query(concat!(select_decisions!(), " AND d.proposal_id = $2 ORDER BY d.decided_at, d.id"))
                .bind(*scope.tenant().as_uuid())
                .bind(id.0)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            let decisions = rows.iter().map(decision_of).collect::<StoreResult<Vec<_>>>()?;
            proposal.decisions = decisions.into_iter().map(|(_, d)| d).collect();
            Ok(proposal)
        })
    }

    /// The open proposals (no decision yet), best first, `limit` from `offset`, and how many
    /// there are: the caseworker's same-person worklist.
    pub async fn open_link_proposals(
        &self,
        scope: &TenantScope,
        offset: usize,
        limit: usize,
    ) -> StoreResult<(Vec<LinkProposal>, i64)> {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let total: i64 = sqlx::query_scalar(concat!("SELECT COUNT(*) FROM link_proposals p", open_where!()))
                .bind(*scope.tenant().as_uuid())
                .fetch_one(&mut *tx)
                .await?;
            let rows = sqlx::query(concat!(
                "SELECT p.id, p.person_a, p.person_b, p.score, p.algorithm, p.explanation, p.proposed_at FROM link_proposals p",
                open_where!(),
                " ORDER BY p.score DESC, p.id LIMIT $2 OFFSET $3"
            ))
            .bind(*scope.tenant().as_uuid())
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            let proposals = rows.iter().map(proposal_of).collect::<StoreResult<Vec<_>>>()?;
            Ok((proposals, total))
        })
    }

    /// Every proposal that names `person`, with its decisions, best first.
    pub async fn links_of(
        &self,
        scope: &TenantScope,
        person: PersonId,
    ) -> StoreResult<Vec<LinkProposal>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(concat!(
                select_proposal!(),
                " WHERE tenant_id = $1 AND (person_a = $2 OR person_b = $2) ORDER BY score DESC, id"
            ))
            .bind(*scope.tenant().as_uuid())
            .bind(*person.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            let decisions = sqlx::query(concat!(
                select_decisions!(),
                " AND d.proposal_id IN (SELECT id FROM link_proposals WHERE tenant_id = $1 AND (person_a = $2 OR person_b = $2)) ORDER BY d.decided_at, d.id"
            ))
            .bind(*scope.tenant().as_uuid())
            .bind(*person.as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            let mut proposals = rows.iter().map(proposal_of).collect::<StoreResult<Vec<_>>>()?;
            let decisions = decisions.iter().map(decision_of).collect::<StoreResult<Vec<_>>>()?;
            attach(&mut proposals, decisions);
            Ok(proposals)
        })
    }

    /// Every confirmed pair of the tenant (a confirmation and no rejection): what the forwarding
    /// round reads so that a detriment flag on one record withholds the other too (GC4-137-b),
    /// and what the person page follows to show a group.
    pub async fn confirmed_links(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<Vec<(PersonId, PersonId)>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
                "SELECT p.person_a, p.person_b FROM link_proposals p WHERE p.tenant_id = $1 \
                 AND EXISTS (SELECT 1 FROM link_decisions d WHERE d.tenant_id = $1 AND d.proposal_id = p.id AND d.decision = 'confirm') \
                 AND NOT EXISTS (SELECT 1 FROM link_decisions d WHERE d.tenant_id = $1 AND d.proposal_id = p.id AND d.decision = 'reject')",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(rows
                .into_iter()
                .map(|(a, b)| (PersonId::from_uuid(a), PersonId::from_uuid(b)))
                .collect())
        })
    }

    /// Records a caseworker's decision on a proposal of this tenant: the proposal's score,
    /// algorithm and explanation (what the caseworker was shown) are kept with it (MATCH-7).
    /// Only a signed-in caseworker or reviewer, or an API token issued for one of those roles,
    /// decides (never the operator's scope); one decision per decider and pair; a rejected pair
    /// is not decided again (MATCH-1).
    pub async fn record_link_decision(
        &self,
        scope: &TenantScope,
        new: &NewLinkDecision<'_>,
    ) -> StoreResult<()> {
        if !matches!(
            scope.role(),
            Some(crate::UserRole::Caseworker | crate::UserRole::Reviewer)
        ) {
            return Err(StoreError::Invalid(
                "a same-person decision is taken by a caseworker or reviewer".into(),
            ));
        }
        let user = scope.actor().map(|u| *u.as_uuid());
        let decided_by = scope.actor_name().to_owned();
        if new.note.chars().count() > LINK_NOTE_MAX {
            return Err(StoreError::Invalid(format!(
                "note: at most {LINK_NOTE_MAX} characters"
            )));
        }
        let proposal = self.link_proposal(scope, new.proposal).await?;
        if proposal.status() == LinkStatus::Rejected {
            return Err(StoreError::Invalid(
                "this pair was rejected; a rejected pair is not reviewed again (MATCH-1)".into(),
            ));
        }
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            sqlx::query(
                "INSERT INTO link_decisions (id, tenant_id, proposal_id, decision, user_id, decided_by, decided_at, note, score, algorithm, explanation) \
                 SELECT $1, tenant_id, id, $4, $5, $6, $7, $8, score, algorithm, explanation FROM link_proposals WHERE tenant_id = $2 AND id = $3",
            )
            .bind(Uuid::now_v7())
            .bind(*scope.tenant().as_uuid())
            .bind(new.proposal.0)
            .bind(new.decision.code())
            .bind(user)
            .bind(&decided_by)
            .bind(now)
            .bind(new.note)
            .execute(&mut *tx)
            .await
            .map_err(crate::error::unless_taken(|| {
                StoreError::Invalid("you have already decided on this pair".into())
            }))?;
            tx.commit().await?;
        });
        self.audit(
            scope,
            AuditEntry::new(
                AuditAction::MatchDecision,
                format!("link_proposal:{}", new.proposal),
            )
            .detail(format!(
                "{} person:{} person:{}",
                new.decision.code(),
                proposal.person_a.as_uuid(),
                proposal.person_b.as_uuid()
            )),
        )
        .await?;
        Ok(())
    }
}
