//! Lists drawn from the records (issue 5): the persons a bureau's events name, rather than ids
//! typed by hand. GC3-46-a and GC4-127: the complete list of the persons transferred, before
//! their departure; GC3-122-e: releases, repatriations and deaths are notified; GC3-119-a(1):
//! repatriation follows conditions like a transfer (a manifest); GC3-120-b: certified lists of
//! the dead. What the list then carries is `Store::draw_list`'s.

use std::collections::HashSet;

use domain::{EventKind, PersonId, PlaceId};
use sqlx::Row as _;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::StoreResult;
use crate::rows::{RowExt, ScopedPool};
use crate::scope::TenantScope;
use crate::subject::visible_clause;
use crate::{Store, on_backend};

/// Which events make a person part of a list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListCriteria {
    /// Event kinds that qualify (at least one).
    pub kinds: Vec<EventKind>,
    /// The place: a transfer's destination (the departure's place to, the arrival's place), or
    /// where any other event happened.
    pub place: Option<PlaceId>,
    /// Events at or after this instant.
    pub from: Option<OffsetDateTime>,
    /// Events before this instant.
    pub until: Option<OffsetDateTime>,
}

impl ListCriteria {
    /// Whether an event of `kind` at `place` (going to `place_to`) at `at` qualifies.
    #[must_use]
    pub fn admits(
        &self,
        kind: EventKind,
        at: OffsetDateTime,
        place: Option<PlaceId>,
        place_to: Option<PlaceId>,
    ) -> bool {
        if !self.kinds.contains(&kind) {
            return false;
        }
        if self.from.is_some_and(|from| at < from) || self.until.is_some_and(|until| at >= until) {
            return false;
        }
        match self.place {
            None => true,
            // GC3-46-a: a departure lists the persons going to the place.
            Some(wanted) if kind == EventKind::TransferDeparture => place_to == Some(wanted),
            Some(wanted) => place == Some(wanted),
        }
    }
}

impl Store {
    /// The persons of this tenant with an event the criteria admit, in the order of their first
    /// such event (then id), each once; a person restricted from the caller's role is left out
    /// (ICRC-DP-c). At most `limit` persons; `Ok((persons, more))` tells whether more qualified.
    ///
    /// # Errors
    /// A database error.
    pub async fn persons_by_events(
        &self,
        scope: &TenantScope,
        criteria: &ListCriteria,
        limit: usize,
    ) -> StoreResult<(Vec<PersonId>, bool)> {
        let tenant = *scope.tenant().as_uuid();
        let mut found: Vec<(OffsetDateTime, Uuid)> = Vec::new();
        let visible = visible_clause(scope, "e.tenant_id", "e.person_id");
        let sql = format!(
            "SELECT e.person_id, e.occurred_at, e.place_id, e.place_to_id FROM events e \
             WHERE e.tenant_id = $1 AND e.kind = $2{visible}"
        );
        for kind in &criteria.kinds {
            let rows: Vec<(Uuid, OffsetDateTime, Option<Uuid>, Option<Uuid>)> = on_backend!(self, pool => {
                let mut tx = pool.read_scoped(scope).await?;
                // Safe: `visible` holds no input, only a role code checked to be [a-z-].
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(tenant)
                    .bind(kind.code())
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.uuid("person_id")?,
                            r.time("occurred_at")?,
                            r.opt_uuid("place_id")?,
                            r.opt_uuid("place_to_id")?,
                        ))
                    })
                    .collect::<StoreResult<Vec<_>>>()?
            });
            for (person, at, place, place_to) in rows {
                if criteria.admits(
                    *kind,
                    at,
                    place.map(PlaceId::from_uuid),
                    place_to.map(PlaceId::from_uuid),
                ) {
                    found.push((at, person));
                }
            }
        }
        found.sort_unstable();
        let mut seen = HashSet::new();
        let mut persons = Vec::new();
        let mut more = false;
        for (_, person) in found {
            if !seen.insert(person) {
                continue;
            }
            if persons.len() == limit {
                more = true;
                break;
            }
            persons.push(PersonId::from_uuid(person));
        }
        Ok((persons, more))
    }
}

/// Where a list drawn up here went: one envelope to one peer, and whether the peer's signed
/// receipt came back (XC-5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListDelivery {
    pub list: Uuid,
    pub recipient: String,
    pub channel: String,
    pub sequence: i64,
    pub sent_at: OffsetDateTime,
    pub acknowledged: bool,
}

impl Store {
    /// A page of this tenant's lists, newest first, with their rows, and how many lists there
    /// are in all: `/lists` and `GET /api/v1/lists` read a page, never every list.
    ///
    /// # Errors
    /// A database error.
    pub async fn lists_page(
        &self,
        scope: &TenantScope,
        offset: i64,
        limit: i64,
    ) -> StoreResult<(Vec<crate::ListRecord>, i64)> {
        let tenant = *scope.tenant().as_uuid();
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let total: i64 = sqlx::query_scalar("SELECT count(*) FROM person_lists WHERE tenant_id = $1")
                .bind(tenant)
                .fetch_one(&mut *tx)
                .await?;
            let rows = sqlx::query(
                "SELECT id, direction, peer, reference, title, rule, drawn_by, drawn_at FROM person_lists \
                 WHERE tenant_id = $1 ORDER BY recorded_at DESC, id DESC LIMIT $2 OFFSET $3",
            )
            .bind(tenant)
            .bind(limit.max(0))
            .bind(offset.max(0))
            .fetch_all(&mut *tx)
            .await?;
            let mut lists = Vec::with_capacity(rows.len());
            for row in &rows {
                let id = row.uuid("id")?;
                let persons: Vec<Uuid> = sqlx::query_scalar(
                    "SELECT person_id FROM person_list_rows WHERE tenant_id = $1 AND list_id = $2 ORDER BY position",
                )
                .bind(tenant)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                lists.push(crate::ListRecord {
                    id,
                    drawn: row.text("direction")? == "drawn",
                    peer: row.text("peer")?,
                    reference: row.text("reference")?,
                    title: row.text("title")?,
                    rule: row.opt_text("rule")?,
                    drawn_by: row.text("drawn_by")?,
                    drawn_at: row.time("drawn_at")?,
                    persons: persons.into_iter().map(PersonId::from_uuid).collect(),
                });
            }
            tx.commit().await?;
            Ok((lists, total))
        })
    }

    /// The envelopes that carried each of `lists` (drawn up here) to a peer, oldest first, and
    /// whether the peer acknowledged each.
    ///
    /// # Errors
    /// A database error.
    pub async fn list_deliveries(
        &self,
        scope: &TenantScope,
        lists: &[Uuid],
    ) -> StoreResult<Vec<ListDelivery>> {
        if lists.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: HashSet<Uuid> = lists.iter().copied().collect();
        let tenant = *scope.tenant().as_uuid();
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT m.item_id, t.recipient, t.channel, t.sequence, t.created_at, \
                 EXISTS (SELECT 1 FROM acknowledgements a WHERE a.tenant_id = $1 AND a.direction = 'received' \
                         AND a.peer = t.recipient AND a.envelope_hash = t.content_hash) AS acknowledged \
                 FROM transmission_messages m JOIN transmissions_out t ON t.id = m.transmission_id \
                 WHERE m.tenant_id = $1 AND m.item_kind = 'list' ORDER BY t.created_at, t.sequence",
            )
            .bind(tenant)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            let mut out = Vec::new();
            for row in &rows {
                let list = row.uuid("item_id")?;
                if !wanted.contains(&list) {
                    continue;
                }
                out.push(ListDelivery {
                    list,
                    recipient: row.text("recipient")?,
                    channel: row.text("channel")?,
                    sequence: row.try_get("sequence")?,
                    sent_at: row.time("created_at")?,
                    acknowledged: row.try_get::<bool, _>("acknowledged")?,
                });
            }
            Ok(out)
        })
    }
}
