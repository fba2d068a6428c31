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
    /// first) and how many are due in all. Nothing here decodes a name; the caller reads the
    /// names of the page's persons only ([`Store::registrations_by_id`]), so a page costs the
    /// same whether 10 or 10^5 persons are due.
    pub async fn overdue_follow_ups_page(
        &self,
        scope: &TenantScope,
        today: Date,
        offset: usize,
        limit: usize,
    ) -> StoreResult<(Vec<Overdue>, usize)> {
        let all = self.overdue_follow_ups(scope, today).await?;
        let total = all.len();
        Ok((all.into_iter().skip(offset).take(limit).collect(), total))
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
    /// been seen since, most overdue first (`domain::protection::overdue`).
    ///
    /// Indexed (migration 0017, `follow_ups_due`): the follow-ups due by `today` are found by
    /// the index; when they are at most a quarter of the registrations followed up, only their
    /// persons' registrations, links and follow-ups are read, so the work follows the persons
    /// due, not every follow-up the unit ever recorded; otherwise everything is read once.
    pub async fn overdue_follow_ups(
        &self,
        scope: &TenantScope,
        today: Date,
    ) -> StoreResult<Vec<Overdue>> {
        // How many registrations have a follow-up due (the index's range) against all that have
        // one: when most are due, one plain read of everything is cheaper than the joins
        // (measured in `bench/overdue.sh`: at 10^5 follow-ups all due, 3.0 s against 7.5 s).
        let (due, total): (i64, i64) = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let due: i64 = sqlx::query_scalar(
                "SELECT COUNT(DISTINCT registration_id) FROM follow_ups \
                 WHERE tenant_id = $1 AND next_visit_due IS NOT NULL AND next_visit_due <= $2",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(today)
            .fetch_one(&mut *tx)
            .await?;
            let total: i64 = sqlx::query_scalar(
                "SELECT COUNT(DISTINCT registration_id) FROM follow_ups WHERE tenant_id = $1",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            (due, total)
        });
        if due == 0 {
            return Ok(Vec::new());
        }
        if due * 4 > total {
            let persons = self.followed_persons(scope).await?;
            let marks = self.due_marks(scope).await?;
            return Ok(overdue(&persons, &marks, today));
        }
        // The persons (first registrations) with any follow-up due by today, and every
        // registration of theirs.
        const PERSONS: &str = "WITH due AS (SELECT DISTINCT registration_id AS r FROM follow_ups \
             WHERE tenant_id = $1 AND next_visit_due IS NOT NULL AND next_visit_due <= $2), \
             persons AS (SELECT DISTINCT COALESCE(l.person_id, due.r) AS p FROM due \
             LEFT JOIN registration_links l ON l.tenant_id = $1 AND l.registration_id = due.r), \
             regs AS (SELECT p AS r FROM persons UNION \
             SELECT l.registration_id FROM persons JOIN registration_links l ON l.tenant_id = $1 AND l.person_id = persons.p)";
        let seen_sql = format!(
            "{PERSONS} SELECT g.id, g.visit_id, g.place_id, g.seen_at FROM regs JOIN registrations g ON g.tenant_id = $1 AND g.id = regs.r"
        );
        let links_sql = format!(
            "{PERSONS} SELECT l.registration_id, l.person_id FROM persons JOIN registration_links l ON l.tenant_id = $1 AND l.person_id = persons.p"
        );
        let marks_sql = format!(
            "{PERSONS} SELECT f.registration_id, f.recorded_at, f.next_visit_due FROM regs JOIN follow_ups f ON f.tenant_id = $1 AND f.registration_id = regs.r"
        );
        let (seen, links, marks) = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let seen: Vec<(Uuid, Uuid, Uuid, OffsetDateTime)> = sqlx::query_as(sqlx::AssertSqlSafe(seen_sql))
                .bind(*scope.tenant().as_uuid())
                .bind(today)
                .fetch_all(&mut *tx)
                .await?;
            let links: Vec<(Uuid, Uuid)> = sqlx::query_as(sqlx::AssertSqlSafe(links_sql))
                .bind(*scope.tenant().as_uuid())
                .bind(today)
                .fetch_all(&mut *tx)
                .await?;
            let marks = sqlx::query(sqlx::AssertSqlSafe(marks_sql))
                .bind(*scope.tenant().as_uuid())
                .bind(today)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|row| {
                    Ok(DueMark {
                        registration: RegistrationId::from_uuid(
                            row.try_get::<Uuid, _>("registration_id")?,
                        ),
                        recorded_at: row.try_get::<OffsetDateTime, _>("recorded_at")?,
                        next_visit_due: row.try_get::<Option<Date>, _>("next_visit_due")?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            tx.commit().await?;
            (seen, links, marks)
        });
        let links: Vec<(RegistrationId, RegistrationId)> = links
            .into_iter()
            .map(|(from, to)| {
                (
                    RegistrationId::from_uuid(from),
                    RegistrationId::from_uuid(to),
                )
            })
            .collect();
        let persons = group_sightings(seen.into_iter().map(sighting), &links);
        Ok(overdue(&persons, &marks, today))
    }
}
