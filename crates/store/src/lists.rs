//! Lists drawn from the records (issue 5): the persons a bureau's events name, rather than ids
//! typed by hand. GC3-46-a and GC4-127: the complete list of the persons transferred, before
//! their departure; GC3-122-e: releases, repatriations and deaths are notified; GC3-119-a(1):
//! repatriation follows conditions like a transfer (a manifest); GC3-120-b: certified lists of
//! the dead. What the list then carries is `Store::draw_list`'s.

use std::collections::HashSet;

use domain::{EventKind, PersonId, PlaceId};
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
