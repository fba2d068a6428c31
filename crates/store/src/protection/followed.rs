//! The person as the unit follows them (issue 6, ICRC-VIS-d, migration 0015): a later
//! registration of the same person (another visit, another place after a transfer) is linked to
//! the person's first registration, so that the follow-up history, the reprisal check and the
//! next visit due run across visits and places. Links are append-only, like everything here.

use domain::protection::{
    DueMark, FollowedPerson, Overdue, PersonSeen, Sighting, check_link, group_sightings,
};
use domain::{PlaceId, RegistrationId, VisitId};
use sqlx::Row;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{StoredFollowUp, invalid};
use crate::error::{StoreError, StoreResult};
use crate::rows::ScopedPool;
use crate::scope::TenantScope;
use crate::{Store, on_backend};

/// The most registrations [`Store::registrations_by_id`] reads at once (a page of the
/// follow-ups due is at most this long).
pub const REGISTRATIONS_BY_ID_MAX: usize = 500;

fn sighting((id, visit, place, seen_at): (Uuid, Uuid, Uuid, OffsetDateTime)) -> Sighting {
    Sighting {
        registration: RegistrationId::from_uuid(id),
        visit: VisitId::from_uuid(visit),
        place: PlaceId::from_uuid(place),
        seen_at,
    }
}

/// The links of later registrations to the person's first one, read in `$tx`.
macro_rules! registration_links_in {
    ($tx:expr, $scope:expr) => {{
        let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT registration_id, person_id FROM registration_links WHERE tenant_id = $1",
        )
        .bind(*$scope.tenant().as_uuid())
        .fetch_all(&mut *$tx)
        .await?;
        rows.into_iter()
            .map(|(from, to)| {
                (
                    domain::RegistrationId::from_uuid(from),
                    domain::RegistrationId::from_uuid(to),
                )
            })
            .collect::<Vec<_>>()
    }};
}

/// The most registrations one refresh of `persons_due` names (the rest in further rounds).
pub(crate) const REFRESH_DUE_IDS: usize = 500;

/// Computes again the due state of the persons of the registrations `$ids` (a slice of
/// `Uuid`) in `$tx`, the write's own transaction ([`refresh_due_sql`]).
macro_rules! refresh_due_in {
    ($tx:expr, $scope:expr, $key:expr, $ids:expr) => {{
        let tenant = *$scope.tenant().as_uuid();
        for chunk in $ids.chunks($crate::protection::followed::REFRESH_DUE_IDS) {
            for sql in $crate::protection::followed::refresh_due_sql($key, chunk.len()) {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.execute(&mut *$tx).await?;
            }
        }
    }};
}

impl Store {
    /// Every link of a later registration to the person's first one: (registration, person).
    pub async fn registration_links(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<Vec<(RegistrationId, RegistrationId)>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let links = registration_links_in!(tx, scope);
            tx.commit().await?;
            Ok(links)
        })
    }

    /// ICRC-VIS-d: records that `registration` is the same person as `same_as` (any registration
    /// of that person), seen again on another visit or at another place. Answers the person's
    /// id (their first registration). Both must be the scope's own (otherwise
    /// [`StoreError::NotFound`]); a registration already linked, or one that other
    /// registrations are linked to, is refused on `same_as`.
    pub async fn link_registration(
        &self,
        scope: &TenantScope,
        registration: RegistrationId,
        same_as: RegistrationId,
    ) -> StoreResult<RegistrationId> {
        let now = OffsetDateTime::now_utc();
        let key = self.instant_key();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            ensure_own!(tx, scope, "registrations", registration.as_uuid());
            ensure_own!(tx, scope, "registrations", same_as.as_uuid());
            let links = registration_links_in!(tx, scope);
            let person = links
                .iter()
                .find(|(from, _)| *from == same_as)
                .map_or(same_as, |(_, to)| *to);
            check_link(registration, person, &links).map_err(invalid)?;
            sqlx::query(
                "INSERT INTO registration_links (registration_id, tenant_id, person_id, linked_by, linked_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(registration.as_uuid())
            .bind(*scope.tenant().as_uuid())
            .bind(person.as_uuid())
            .bind(scope.actor_name())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(crate::error::unless_taken(|| {
                invalid("same_as: this registration is already followed as another person".into())
            }))?;
            // ICRC-VIS-d: the registration is now the person's; its own due state goes and the
            // person's is computed again over all their registrations, in this transaction.
            refresh_due_in!(tx, scope, key, [*registration.as_uuid()]);
            tx.commit().await?;
            Ok(person)
        })
    }

    /// Every person the unit follows, in the order first seen.
    /// Reads only when and where each registration was seen: no name is decoded (at 10^5
    /// registrations the names were most of the cost, `bench/overdue.sh`).
    pub async fn followed_persons(&self, scope: &TenantScope) -> StoreResult<Vec<FollowedPerson>> {
        let sightings: Vec<(Uuid, Uuid, Uuid, OffsetDateTime)> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query_as(
                "SELECT id, visit_id, place_id, seen_at FROM registrations WHERE tenant_id = $1",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows
        });
        let links = self.registration_links(scope).await?;
        Ok(group_sightings(sightings.into_iter().map(sighting), &links))
    }

    /// ICRC-VIS-d: one page of the follow-ups due ([`Store::overdue_follow_ups`], most overdue
    /// first) and how many are due in all. Both read the table `persons_due` (migration 0020),
    /// where each person's due state is kept by the writes that change it ([`refresh_due_sql`]):
    /// the page is an index range read on (tenant, due, person) and the total a count over the
    /// same range; nothing decodes a name (the caller reads the names of the page's persons,
    /// [`Store::registrations_by_id`]).
    pub async fn overdue_follow_ups_page(
        &self,
        scope: &TenantScope,
        today: Date,
        offset: usize,
        limit: usize,
    ) -> StoreResult<(Vec<Overdue>, usize)> {
        let page = self.overdue_rows(scope, today, offset, Some(limit)).await?;
        let total = self.overdue_count(scope, today).await?;
        Ok((page, total))
    }

    /// How many persons [`Store::overdue_follow_ups`] lists on `today`: a count over the range
    /// of the index on `persons_due` (tenant, due, person) up to `today`.
    pub async fn overdue_count(&self, scope: &TenantScope, today: Date) -> StoreResult<usize> {
        let count: i64 = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let count = sqlx::query_scalar(OVERDUE_COUNT)
                .bind(*scope.tenant().as_uuid())
                .bind(today)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            count
        });
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// The rows of the list from `offset`, at most `limit` (all without one), with where and
    /// when each person was last seen.
    async fn overdue_rows(
        &self,
        scope: &TenantScope,
        today: Date,
        offset: usize,
        limit: Option<usize>,
    ) -> StoreResult<Vec<Overdue>> {
        let limit = limit.map_or(i64::MAX, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        type Row = (Uuid, Date, OffsetDateTime, Uuid, Uuid, Uuid, OffsetDateTime);
        let rows: Vec<Row> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query_as(OVERDUE_PAGE)
                .bind(*scope.tenant().as_uuid())
                .bind(today)
                .bind(limit)
                .bind(offset)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows
        });
        Ok(rows
            .into_iter()
            .map(
                |(person, due, set_at, last, visit, place, seen_at)| Overdue {
                    person: RegistrationId::from_uuid(person),
                    due,
                    set_at,
                    days: (today - due).whole_days(),
                    last_seen: sighting((last, visit, place, seen_at)),
                },
            )
            .collect())
    }

    /// The database's plan for one page of the follow-ups due (`bench/overdue.sh` prints it):
    /// SQLite's `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN (ANALYZE, BUFFERS)` (the query runs).
    pub async fn explain_overdue_page(
        &self,
        scope: &TenantScope,
        today: Date,
        offset: usize,
        limit: usize,
    ) -> StoreResult<Vec<String>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let tenant = *scope.tenant().as_uuid();
        match &self.backend {
            crate::Backend::Sqlite(pool) => {
                let mut tx = pool.read_scoped(scope).await?;
                let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(
                    format!("EXPLAIN QUERY PLAN {OVERDUE_PAGE}"),
                ))
                .bind(tenant)
                .bind(today)
                .bind(limit)
                .bind(offset)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows.into_iter().map(|(.., detail)| detail).collect())
            }
            crate::Backend::Postgres(pool) => {
                let mut tx = pool.read_scoped(scope).await?;
                let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "EXPLAIN (ANALYZE, BUFFERS) {OVERDUE_PAGE}"
                )))
                .bind(tenant)
                .bind(today)
                .bind(limit)
                .bind(offset)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(rows)
            }
        }
    }

    /// How this backend compares two stored instants in SQL (see [`InstantKey`]).
    pub(crate) fn instant_key(&self) -> InstantKey {
        match self.backend {
            crate::Backend::Sqlite(_) => InstantKey::SqliteText,
            crate::Backend::Postgres(_) => InstantKey::Native,
        }
    }

    /// The registrations with these ids that are the scope's own (others are left out), in the
    /// order asked. At most [`REGISTRATIONS_BY_ID_MAX`] ids.
    pub async fn registrations_by_id(
        &self,
        scope: &TenantScope,
        ids: &[RegistrationId],
    ) -> StoreResult<Vec<PersonSeen>> {
        if ids.len() > REGISTRATIONS_BY_ID_MAX {
            return Err(invalid(format!(
                "limit: at most {REGISTRATIONS_BY_ID_MAX} registrations at a time"
            )));
        }
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT {} FROM registrations WHERE tenant_id = $1 AND id IN ({})",
            super::REGISTRATION_COLUMNS,
            marks.join(", ")
        );
        let mut found: Vec<PersonSeen> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(*scope.tenant().as_uuid());
            for id in ids {
                query = query.bind(*id.as_uuid());
            }
            let rows = query.fetch_all(&mut *tx).await?;
            tx.commit().await?;
            rows.iter().map(super::registration_from).collect::<StoreResult<Vec<_>>>()?
        });
        found.sort_by_key(|s| ids.iter().position(|id| *id == s.id));
        Ok(found)
    }

    /// The person a registration belongs to, with every time they were seen; another
    /// tenant's registration answers [`StoreError::NotFound`].
    pub async fn followed_person(
        &self,
        scope: &TenantScope,
        registration: RegistrationId,
    ) -> StoreResult<FollowedPerson> {
        self.followed_persons(scope)
            .await?
            .into_iter()
            .find(|p| p.registrations().any(|r| r == registration))
            .ok_or(StoreError::NotFound)
    }

    /// ICRC-VIS-d: the follow-ups of a person over all their registrations, oldest first
    /// (the last one stands), sealed fields opened.
    pub async fn person_follow_ups(
        &self,
        scope: &TenantScope,
        person: &FollowedPerson,
    ) -> StoreResult<Vec<StoredFollowUp>> {
        let registrations: Vec<RegistrationId> = person.registrations().collect();
        let rows = self.follow_up_rows(scope, None).await?;
        let mine = rows
            .into_iter()
            .filter(|f| registrations.contains(&f.follow_up.registration))
            .collect();
        self.open_follow_ups(scope, mine).await
    }

    /// What every follow-up says of the next visit (no sealed field is read).
    pub async fn due_marks(&self, scope: &TenantScope) -> StoreResult<Vec<DueMark>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT registration_id, recorded_at, next_visit_due FROM follow_ups WHERE tenant_id = $1",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(DueMark {
                        registration: RegistrationId::from_uuid(
                            row.try_get::<Uuid, _>("registration_id")?,
                        ),
                        recorded_at: row.try_get::<OffsetDateTime, _>("recorded_at")?,
                        next_visit_due: row.try_get::<Option<Date>, _>("next_visit_due")?,
                    })
                })
                .collect()
        })
    }

    /// ICRC-VIS-d: the persons whose next visit is due on `today` or before and who have not
    /// been seen since, most overdue first: the rule of `domain::protection::overdue`, run in
    /// SQL ([`overdue_sql`]), so no follow-up or registration outside the list is read.
    pub async fn overdue_follow_ups(
        &self,
        scope: &TenantScope,
        today: Date,
    ) -> StoreResult<Vec<Overdue>> {
        self.overdue_rows(scope, today, 0, None).await
    }
}

/// How a backend's SQL compares two stored instants.
#[derive(Clone, Copy)]
pub(crate) enum InstantKey {
    /// PostgreSQL: `TIMESTAMPTZ` compares as it is.
    Native,
    /// SQLite: sqlx stores RFC 3339 text (`2026-03-20T11:00:00Z`, `…00.5Z`, `…00+02:00`), whose
    /// text order is not time order (`…00Z` sorts after `…00.5Z`; offsets). [`sqlite_instant`]
    /// turns it into integer nanoseconds since 1970.
    SqliteText,
}

impl InstantKey {
    fn of(self, column: &str) -> String {
        match self {
            Self::Native => column.to_owned(),
            Self::SqliteText => sqlite_instant(column),
        }
    }
}

/// An SQLite expression for the RFC 3339 text in `c` as integer nanoseconds since 1970, exact:
/// the whole seconds with their offset go to `unixepoch` (which would round a fraction to the
/// millisecond), the fraction is padded to nine digits and added.
fn sqlite_instant(c: &str) -> String {
    // Length of the offset suffix: `Z`, `+hh:mm` / `-hh:mm`, or none.
    let suffix = format!(
        "(CASE WHEN substr({c}, -1) = 'Z' THEN 1 WHEN length({c}) > 19 AND substr({c}, -6, 1) IN ('+', '-') THEN 6 ELSE 0 END)"
    );
    format!(
        "(unixepoch(substr({c}, 1, 19) || (CASE WHEN substr({c}, -1) = 'Z' THEN '' WHEN length({c}) > 19 AND substr({c}, -6, 1) IN ('+', '-') THEN substr({c}, -6) ELSE '' END)) * 1000000000 \
         + CAST(substr((CASE WHEN substr({c}, 20, 1) = '.' THEN substr({c}, 21, length({c}) - 20 - {suffix}) ELSE '' END) || '000000000', 1, 9) AS INTEGER))"
    )
}

/// One page of the follow-ups due (`$1` tenant, `$2` today, `$3` rows from `$4`): person, due,
/// set at, and the last sighting (registration, visit, place, seen at), from the range of the
/// index `persons_due_by_day` (tenant, due, person) up to `$2`, in index order.
const OVERDUE_PAGE: &str = "SELECT person_id, due, set_at, last_registration, last_visit, last_place, last_seen_at \
     FROM persons_due WHERE tenant_id = $1 AND due <= $2 ORDER BY due, person_id LIMIT $3 OFFSET $4";

/// How many persons are due on `$2` (`$1` tenant): the same index range, counted.
const OVERDUE_COUNT: &str = "SELECT COUNT(*) FROM persons_due WHERE tenant_id = $1 AND due <= $2";

/// ICRC-VIS-d, GC3-126-c: the due state of the persons of `persons` (a subquery answering
/// `tenant` and `person`, a person being a registration no link points from), the rule of
/// `domain::protection::overdue` without the day: a person is due from the date named by
/// their latest follow-up over all their registrations — the greatest (recorded at,
/// registration, follow-up id) — unless that follow-up names none or one of their
/// registrations was seen after it was recorded. Answers the columns of `persons_due`; the
/// last sighting is the greatest (seen at, registration) of the person's. Each person costs
/// index look-ups of their own follow-ups and registration and those of their links.
/// Migration 0020 back-fills with the same query over every person.
fn due_state_sql(key: InstantKey, persons: &str) -> String {
    let at = |c: &str| key.of(c);
    // PostgreSQL would pull the per-person subqueries up into the join conditions; `OFFSET 0`
    // keeps them as columns computed once per person, then joined by primary key.
    let fence = match key {
        InstantKey::Native => " OFFSET 0",
        InstantKey::SqliteText => "",
    };
    format!(
        "SELECT x.person, x.tenant, f.next_visit_due, f.recorded_at, g.id, g.visit_id, g.place_id, g.seen_at FROM ( \
         SELECT p.person AS person, p.tenant AS tenant, (SELECT s.id FROM ( \
             SELECT f2.id AS id, f2.registration_id AS reg, {f2} AS at FROM follow_ups f2 \
             WHERE f2.tenant_id = p.tenant AND f2.registration_id = p.person \
             UNION ALL SELECT f2.id, f2.registration_id, {f2} FROM registration_links l2 \
             CROSS JOIN follow_ups f2 WHERE l2.tenant_id = p.tenant AND l2.person_id = p.person \
             AND f2.tenant_id = p.tenant AND f2.registration_id = l2.registration_id) s \
             ORDER BY s.at DESC, s.reg DESC, s.id DESC LIMIT 1) AS latest, \
         (SELECT s.id FROM ( \
             SELECT g2.id AS id, {g2} AS at FROM registrations g2 \
             WHERE g2.tenant_id = p.tenant AND g2.id = p.person \
             UNION ALL SELECT g2.id, {g2} FROM registration_links l2 \
             CROSS JOIN registrations g2 WHERE l2.tenant_id = p.tenant AND l2.person_id = p.person \
             AND g2.tenant_id = p.tenant AND g2.id = l2.registration_id) s \
             ORDER BY s.at DESC, s.id DESC LIMIT 1) AS last \
         FROM ({persons}) p{fence}) x \
         JOIN follow_ups f ON f.id = x.latest \
         JOIN registrations g ON g.id = x.last \
         WHERE f.tenant_id = x.tenant AND g.tenant_id = x.tenant \
         AND f.next_visit_due IS NOT NULL AND {g} <= {f}",
        f2 = at("f2.recorded_at"),
        g2 = at("g2.seen_at"),
        g = at("g.seen_at"),
        f = at("f.recorded_at"),
    )
}

/// Keeping `persons_due` right after a write that touched `ids` registrations (`$1` tenant,
/// `$2…` the ids): the rows of the registrations themselves and of the persons they belong to
/// are deleted (a registration just linked to a person is no longer a person of its own), and
/// the persons' due state is computed again ([`due_state_sql`]). Run in the write's own
/// transaction, after the write.
pub(crate) fn refresh_due_sql(key: InstantKey, ids: usize) -> [String; 3] {
    let marks: Vec<String> = (0..ids).map(|i| format!("${}", i + 2)).collect();
    let marks = marks.join(", ");
    // Two deletes, each by the primary key (tenant, person): with an `OR` SQLite read the
    // tenant's whole range of the index by day instead.
    let own = format!("DELETE FROM persons_due WHERE tenant_id = $1 AND person_id IN ({marks})");
    let linked = format!(
        "DELETE FROM persons_due WHERE tenant_id = $1 AND person_id IN \
         (SELECT l.person_id FROM registration_links l WHERE l.tenant_id = $1 AND l.registration_id IN ({marks}))"
    );
    let persons = format!(
        "SELECT DISTINCT r.tenant_id AS tenant, COALESCE(l.person_id, r.id) AS person FROM registrations r \
         LEFT JOIN registration_links l ON l.tenant_id = $1 AND l.registration_id = r.id \
         WHERE r.tenant_id = $1 AND r.id IN ({marks})"
    );
    let insert = format!(
        "INSERT INTO persons_due (person_id, tenant_id, due, set_at, last_registration, last_visit, last_place, last_seen_at) {}",
        due_state_sql(key, &persons)
    );
    [own, linked, insert]
}
