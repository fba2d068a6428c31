//! The person as the unit follows them (issue 6, ICRC-VIS-d, migration 0015): a later
//! registration of the same person (another visit, another place after a transfer) is linked to
//! the person's first registration, so that the follow-up history, the reprisal check and the
//! next visit due run across visits and places. Links are append-only, like everything here.

use domain::protection::{
    DueMark, FollowedPerson, Overdue, PersonSeen, Sighting, check_link, group_sightings, overdue,
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

/// The most registrations one refresh of `persons_due` names (the rest in further rounds), and
/// the most ids in one `IN (…)` list of a refresh.
pub(crate) const REFRESH_DUE_IDS: usize = 500;

/// The tenant condition (`$1`) for rows looked up by a list of ids, `column` the row's
/// `tenant_id`: a CASE, which no index serves, so that SQLite (no statistics) looks each id up
/// by its key instead of reading every row of the tenant through an index on `tenant_id`. With
/// `tenant_id = $1 AND id IN (…500 ids…)` it chose `registrations_visit (tenant_id=?)` and read
/// all the tenant's registrations for each statement: a 10^5 load read them 300 times (as
/// `forwarding::TENANT_CHECK` for persons).
pub(crate) fn tenant_check(column: &str) -> String {
    format!("CASE WHEN {column} = $1 THEN 1 ELSE 0 END = 1")
}

/// `$2, $3, …` for `n` ids after the tenant (`$1`).
pub(crate) fn id_marks(n: usize) -> String {
    (0..n)
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `$sql` (with `{}` for the list of ids) once per [`REFRESH_DUE_IDS`] of `$ids`, the
/// tenant bound first, and answers every row as `$row`.
macro_rules! fetch_by_ids {
    ($tx:expr, $tenant:expr, $sql:expr, $ids:expr, $row:ty) => {{
        let mut rows: Vec<$row> = Vec::new();
        for part in $ids.chunks($crate::protection::followed::REFRESH_DUE_IDS) {
            let sql = $sql.replace("{}", &$crate::protection::followed::id_marks(part.len()));
            let mut query = sqlx::query_as::<_, $row>(sqlx::AssertSqlSafe(sql)).bind($tenant);
            for id in part {
                query = query.bind(*id);
            }
            rows.extend(query.fetch_all(&mut *$tx).await?);
        }
        rows
    }};
}

/// ICRC-VIS-d: computes again the due state of the persons of the registrations `$ids` (a
/// slice of `Uuid`) in `$tx`, the write's own transaction, and writes it to `persons_due`.
/// Per [`REFRESH_DUE_IDS`] registrations: the persons they belong to and those persons' other
/// registrations (two index reads of `registration_links`), their sightings and follow-ups
/// (index reads by id and by registration), the rule of `domain::protection::overdue` in Rust
/// ([`due_rows`]), then one delete by primary key and one multi-row insert. (It was a single
/// `INSERT … SELECT` computing the rule per person in SQL, with a sort per person and, on
/// SQLite, each instant parsed from its text: about 0.1 ms of CPU a person, most of a 10^5
/// load; bench/README.md.) Answers how many rows of `persons_due` were written (deleted or
/// inserted).
macro_rules! refresh_due_in {
    ($tx:expr, $scope:expr, $ids:expr) => {{
        let tenant = *$scope.tenant().as_uuid();
        let mut written: u64 = 0;
        for chunk in $ids.chunks($crate::protection::followed::REFRESH_DUE_IDS) {
            // The person of each registration: its first registration, or itself.
            let linked = fetch_by_ids!(
                $tx,
                tenant,
                "SELECT registration_id, person_id FROM registration_links WHERE registration_id IN ({}) AND CASE WHEN tenant_id = $1 THEN 1 ELSE 0 END = 1",
                chunk,
                (Uuid, Uuid)
            );
            let mut persons: Vec<Uuid> = chunk
                .iter()
                .map(|id| linked.iter().find(|(r, _)| r == id).map_or(*id, |(_, p)| *p))
                .collect();
            persons.sort_unstable();
            persons.dedup();
            // Every registration of those persons.
            let links = fetch_by_ids!(
                $tx,
                tenant,
                "SELECT registration_id, person_id FROM registration_links WHERE tenant_id = $1 AND person_id IN ({})",
                persons,
                (Uuid, Uuid)
            );
            let mut members = persons.clone();
            members.extend(links.iter().map(|(r, _)| *r));
            members.sort_unstable();
            members.dedup();
            let sightings = fetch_by_ids!(
                $tx,
                tenant,
                "SELECT id, visit_id, place_id, seen_at FROM registrations WHERE id IN ({}) AND CASE WHEN tenant_id = $1 THEN 1 ELSE 0 END = 1",
                members,
                (Uuid, Uuid, Uuid, time::OffsetDateTime)
            );
            let marks = fetch_by_ids!(
                $tx,
                tenant,
                "SELECT id, registration_id, recorded_at, next_visit_due FROM follow_ups WHERE tenant_id = $1 AND registration_id IN ({})",
                members,
                (Uuid, Uuid, time::OffsetDateTime, Option<time::Date>)
            );
            let rows = $crate::protection::followed::due_rows(sightings, &links, marks);
            // The rows of the registrations themselves (one just linked is no longer a person
            // of its own) and of their persons, by primary key; then the persons' new rows.
            let mut gone: Vec<Uuid> = chunk.to_vec();
            gone.extend(persons.iter().copied());
            gone.sort_unstable();
            gone.dedup();
            for part in gone.chunks($crate::protection::followed::REFRESH_DUE_IDS) {
                let sql = format!(
                    "DELETE FROM persons_due WHERE tenant_id = $1 AND person_id IN ({})",
                    $crate::protection::followed::id_marks(part.len())
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant);
                for id in part {
                    query = query.bind(*id);
                }
                written += query.execute(&mut *$tx).await?.rows_affected();
            }
            for part in rows.chunks($crate::protection::followed::REFRESH_DUE_IDS) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO persons_due (person_id, tenant_id, due, set_at, last_registration, last_visit, last_place, last_seen_at) ",
                );
                insert.push_values(part, |mut row, due| {
                    row.push_bind(*due.person.as_uuid())
                        .push_bind(tenant)
                        .push_bind(due.due)
                        .push_bind(due.set_at)
                        .push_bind(*due.last_seen.registration.as_uuid())
                        .push_bind(*due.last_seen.visit.as_uuid())
                        .push_bind(*due.last_seen.place.as_uuid())
                        .push_bind(due.last_seen.seen_at);
                });
                written += insert.build().execute(&mut *$tx).await?.rows_affected();
            }
        }
        written
    }};
}

/// ICRC-VIS-d, GC3-126-c: the rows of `persons_due` for the persons whose registrations are
/// `sightings` (id, visit, place, seen at; `links` joining later registrations to the person's
/// first) and whose follow-ups are `marks` (id, registration, recorded at, next visit due): the
/// rule of `domain::protection::overdue` without the day. A person is due from the date named
/// by their latest follow-up over all their registrations — the greatest (recorded at,
/// registration, follow-up id) — unless that follow-up names none or one of their
/// registrations was seen after it was recorded; the last sighting is the greatest (seen at,
/// registration). Instants compare as instants (sub-second parts, offsets). Migration 0020
/// back-filled the table with the same rule in SQL.
pub(crate) fn due_rows(
    sightings: Vec<(Uuid, Uuid, Uuid, OffsetDateTime)>,
    links: &[(Uuid, Uuid)],
    mut marks: Vec<(Uuid, Uuid, OffsetDateTime, Option<Date>)>,
) -> Vec<Overdue> {
    let links: Vec<(RegistrationId, RegistrationId)> = links
        .iter()
        .map(|(from, to)| {
            (
                RegistrationId::from_uuid(*from),
                RegistrationId::from_uuid(*to),
            )
        })
        .collect();
    let persons = group_sightings(sightings.into_iter().map(sighting), &links);
    // On the same (recorded at, registration), `overdue` takes the later mark: the greater id.
    marks.sort_unstable_by_key(|(id, ..)| *id);
    let marks: Vec<DueMark> = marks
        .into_iter()
        .map(|(_, registration, recorded_at, next_visit_due)| DueMark {
            registration: RegistrationId::from_uuid(registration),
            recorded_at,
            next_visit_due,
        })
        .collect();
    overdue(&persons, &marks, Date::MAX)
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
            let _ = refresh_due_in!(tx, scope, [*registration.as_uuid()]);
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
    /// where each person's due state is kept by the writes that change it ([`refresh_due_in!`]):
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

    /// The database's plan for one page of the follow-ups due (`bench/overdue.sh` prints it;
    /// pinned by `crates/store/tests/it/plans.rs`): SQLite's `EXPLAIN QUERY PLAN`, PostgreSQL's
    /// `EXPLAIN (ANALYZE, BUFFERS)` (the query runs).
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
        // By key (`tenant_check`): a page's names, not every registration of the tenant.
        let sql = format!(
            "SELECT {} FROM registrations WHERE id IN ({}) AND {}",
            super::REGISTRATION_COLUMNS,
            id_marks(ids.len()),
            tenant_check("tenant_id")
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
    /// been seen since, most overdue first: the rule of `domain::protection::overdue`, kept per
    /// person in `persons_due` ([`refresh_due_in!`]), so no follow-up or registration outside
    /// the list is read.
    pub async fn overdue_follow_ups(
        &self,
        scope: &TenantScope,
        today: Date,
    ) -> StoreResult<Vec<Overdue>> {
        self.overdue_rows(scope, today, 0, None).await
    }
}

/// One page of the follow-ups due (`$1` tenant, `$2` today, `$3` rows from `$4`): person, due,
/// set at, and the last sighting (registration, visit, place, seen at), from the range of the
/// index `persons_due_by_day` (tenant, due, person) up to `$2`, in index order.
const OVERDUE_PAGE: &str = "SELECT person_id, due, set_at, last_registration, last_visit, last_place, last_seen_at \
     FROM persons_due WHERE tenant_id = $1 AND due <= $2 ORDER BY due, person_id LIMIT $3 OFFSET $4";

/// How many persons are due on `$2` (`$1` tenant): the same index range, counted.
const OVERDUE_COUNT: &str = "SELECT COUNT(*) FROM persons_due WHERE tenant_id = $1 AND due <= $2";
