//! Data subject rights and retention (ICRC-DP-b, ICRC-DP-c, XC-1): restriction of processing,
//! everything held about one person, retention schedules that archive and never delete.

use domain::PersonId;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntry};
use crate::error::{StoreError, StoreResult};
use crate::rows::ScopedPool;
use crate::scope::TenantScope;
use crate::{Store, UserRole, on_backend};

/// A restriction in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restriction {
    pub person: PersonId,
    pub allowed_roles: Vec<UserRole>,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: OffsetDateTime,
}

/// A record moved out of the working lists by a retention schedule or a decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchivedRecord {
    pub record_kind: String,
    pub record_id: Uuid,
    pub reason: String,
    pub archived_by: String,
    pub archived_at: OffsetDateTime,
}

/// Record kinds a retention schedule can name.
pub const RETENTION_KINDS: [&str; 1] = ["tracing_request"];

/// A SQL condition, to append after `WHERE ...`, that leaves out every person whose restriction
/// in force excludes the scope's role (ICRC-DP-c). `tenant` and `person` name the columns of the
/// outer query that hold the tenant and the person id. Empty for the local operator (no role)
/// unless it makes a disclosure ([`crate::Store::disclosure_scope`]): then every restriction hides.
/// The role code is one of [`UserRole::code`]'s fixed ASCII codes, so it is written into the
/// text, not bound, and the callers' placeholders keep their numbers.
pub(crate) fn visible_clause(scope: &TenantScope, tenant: &str, person: &str) -> String {
    // Which restrictions hide the person: those that do not list the scope's role, or, for a
    // disclosure by the local operator, every one.
    let excludes = match scope.role() {
        Some(role) => {
            let code = role.code();
            debug_assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
            format!(" AND (',' || r.allowed_roles || ',') NOT LIKE '%,{code},%'")
        }
        None if scope.discloses() => String::new(),
        None => return String::new(),
    };
    // The restriction in force is the latest row for the person (decided_at, then id), as in
    // `Store::restriction`; it hides the person when it restricts and excludes the scope.
    format!(
        " AND NOT EXISTS (SELECT 1 FROM person_restrictions r WHERE r.tenant_id = {tenant} AND r.person_id = {person} \
         AND r.restricted = TRUE{excludes} \
         AND NOT EXISTS (SELECT 1 FROM person_restrictions l WHERE l.tenant_id = r.tenant_id AND l.person_id = r.person_id \
         AND (l.decided_at > r.decided_at OR (l.decided_at = r.decided_at AND l.id > r.id))))"
    )
}

fn roles_text(roles: &[UserRole]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

impl Store {
    /// Restricts processing of `person`: from now on only `allowed_roles` (and the local
    /// operator) may read or add to the record. ICRC-DP-c.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for a person of another tenant; an empty reason is refused.
    pub async fn restrict_processing(
        &self,
        scope: &TenantScope,
        person: PersonId,
        allowed_roles: &[UserRole],
        reason: &str,
    ) -> StoreResult<()> {
        self.write_restriction(scope, person, true, allowed_roles, reason)
            .await
    }

    /// Lifts a restriction.
    ///
    /// # Errors
    /// As [`Store::restrict_processing`]; also refused to a role the restriction does not allow.
    pub async fn lift_restriction(
        &self,
        scope: &TenantScope,
        person: PersonId,
        reason: &str,
    ) -> StoreResult<()> {
        self.check_processing(scope, person).await?;
        self.write_restriction(scope, person, false, &[], reason)
            .await
    }

    async fn write_restriction(
        &self,
        scope: &TenantScope,
        person: PersonId,
        restricted: bool,
        allowed_roles: &[UserRole],
        reason: &str,
    ) -> StoreResult<()> {
        if reason.trim().is_empty() || reason.chars().count() > 500 {
            return Err(StoreError::Invalid(
                "the reason is 1 to 500 characters".into(),
            ));
        }
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM persons WHERE tenant_id = $1 AND id = $2")
                .bind(*scope.tenant().as_uuid())
                .bind(person.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query("INSERT INTO person_restrictions (id, tenant_id, person_id, restricted, allowed_roles, reason, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(Uuid::now_v7())
                .bind(*scope.tenant().as_uuid())
                .bind(person.as_uuid())
                .bind(restricted)
                .bind(roles_text(allowed_roles))
                .bind(reason.trim())
                .bind(scope.actor_name())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        self.audit(
            scope,
            AuditEntry::new(
                AuditAction::Restrict,
                format!("person:{}", person.as_uuid()),
            )
            .detail(if restricted {
                format!("restricted; allowed: {}", roles_text(allowed_roles))
            } else {
                "lifted".into()
            }),
        )
        .await?;
        Ok(())
    }

    /// The restriction in force on `person`, if any.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn restriction(
        &self,
        scope: &TenantScope,
        person: PersonId,
    ) -> StoreResult<Option<Restriction>> {
        type Row = (bool, String, String, String, OffsetDateTime);
        let row: Option<Row> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let row = sqlx::query_as("SELECT restricted, allowed_roles, reason, decided_by, decided_at FROM person_restrictions WHERE tenant_id = $1 AND person_id = $2 ORDER BY decided_at DESC, id DESC LIMIT 1")
                .bind(*scope.tenant().as_uuid())
                .bind(person.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            tx.commit().await?;
            row
        });
        let Some((restricted, roles, reason, decided_by, decided_at)) = row else {
            return Ok(None);
        };
        if !restricted {
            return Ok(None);
        }
        let allowed_roles = roles
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| r.parse::<UserRole>().map_err(StoreError::Corrupt))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some(Restriction {
            person,
            allowed_roles,
            reason,
            decided_by,
            decided_at,
        }))
    }

    /// The persons this scope may not see in lists, searches and exports: those under a
    /// restriction in force that does not allow the scope's role. Empty for the local operator.
    /// For values shared by every role (built with [`TenantScope::for_shared_cache`]), which
    /// must leave these out on every request. ICRC-DP-c.
    ///
    /// # Errors
    /// When the database fails or a stored role is unknown.
    pub async fn hidden_persons(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<std::collections::HashSet<PersonId>> {
        let mut hidden = std::collections::HashSet::new();
        let role = scope.role();
        if role.is_none() && !scope.discloses() {
            return Ok(hidden);
        }
        type Row = (Uuid, bool, String);
        // Oldest first, so that the last row seen for a person is the one in force.
        let rows: Vec<Row> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query_as("SELECT person_id, restricted, allowed_roles FROM person_restrictions WHERE tenant_id = $1 ORDER BY decided_at, id")
                .bind(*scope.tenant().as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows
        });
        for (person, restricted, roles) in rows {
            let person = PersonId::from_uuid(person);
            let allowed = role.is_some_and(|role| roles.split(',').any(|code| code == role.code()));
            if restricted && !allowed {
                hidden.insert(person);
            } else {
                hidden.remove(&person);
            }
        }
        Ok(hidden)
    }

    /// Refuses to go on when `person` is restricted and the scope's role is not allowed. The
    /// local operator (no role) is allowed: it administers the restriction.
    ///
    /// # Errors
    /// [`StoreError::Restricted`].
    pub async fn check_processing(&self, scope: &TenantScope, person: PersonId) -> StoreResult<()> {
        if let Some(restriction) = self.restriction(scope, person).await?
            && scope.role().map_or(scope.discloses(), |role| {
                !restriction.allowed_roles.contains(&role)
            })
        {
            return Err(StoreError::Restricted);
        }
        Ok(())
    }

    /// Everything held about one person, as JSON: the record with every assertion (superseded
    /// ones too) and its source, events, notifications, restrictions, archive state, match
    /// decisions, transmissions that carried it, and the audit entries that name it. The export
    /// itself is audited. ICRC-DP-c (right of access).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for a person of another tenant.
    pub async fn subject_export(
        &self,
        scope: &TenantScope,
        person: PersonId,
        purpose: &str,
    ) -> StoreResult<serde_json::Value> {
        use serde_json::json;
        // A role the restriction excludes gets the same refusal as for reading the record.
        self.check_processing(scope, person).await?;
        let record = self
            .person_records(scope, &[person])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        let pid = *person.as_uuid();
        let value_text = |value: &domain::Presence<domain::AssertedValue>| match value {
            domain::Presence::Present(v) => v.display(),
            domain::Presence::Absent(reason) => format!("[{}]", reason.code()),
        };
        let assertions: Vec<_> = record
            .assertions
            .iter()
            .map(|a| {
                json!({
                    "id": a.id.to_string(),
                    "field": a.field.code(),
                    "value": value_text(&a.value),
                    "source": a.source.to_string(),
                    "recorded_at": a.recorded_at.to_string(),
                    "supersedes": a.supersedes.map(|s| s.to_string()),
                })
            })
            .collect();
        let events: Vec<_> = record
            .events
            .iter()
            .map(|e| {
                json!({
                    "id": e.id.to_string(),
                    "kind": e.kind.code(),
                    "occurred_at": e.occurred_at.to_string(),
                    "recorded_at": e.recorded_at.to_string(),
                    "place": e.place.map(|p| p.to_string()),
                    "place_to": e.place_to.map(|p| p.to_string()),
                    "source": e.source.to_string(),
                })
            })
            .collect();
        type Restr = (bool, String, String, String, OffsetDateTime);
        type Decision = (Uuid, String, String, OffsetDateTime);
        type Sent = (Uuid, String, i64, OffsetDateTime);
        type Archived = (String, String, OffsetDateTime);
        type Rows = (Vec<Restr>, Vec<Decision>, Vec<Sent>, Vec<Archived>);
        let (restrictions, decisions, transmissions, archived): Rows = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let restrictions = sqlx::query_as("SELECT restricted, allowed_roles, reason, decided_by, decided_at FROM person_restrictions WHERE tenant_id = $1 AND person_id = $2 ORDER BY decided_at")
                .bind(*scope.tenant().as_uuid()).bind(pid).fetch_all(&mut *tx).await?;
            let decisions = sqlx::query_as("SELECT request_id, decision, algorithm, decided_at FROM match_decisions WHERE tenant_id = $1 AND person_id = $2 ORDER BY decided_at")
                .bind(*scope.tenant().as_uuid()).bind(pid).fetch_all(&mut *tx).await?;
            let transmissions = sqlx::query_as("SELECT t.id, t.recipient, t.sequence, t.created_at FROM transmissions_out t JOIN transmission_items p ON p.transmission_id = t.id WHERE t.tenant_id = $1 AND p.person_id = $2 ORDER BY t.created_at")
                .bind(*scope.tenant().as_uuid()).bind(pid).fetch_all(&mut *tx).await?;
            let archived = sqlx::query_as("SELECT record_kind, reason, archived_at FROM archived_records WHERE tenant_id = $1 AND record_id = $2")
                .bind(*scope.tenant().as_uuid()).bind(pid).fetch_all(&mut *tx).await?;
            tx.commit().await?;
            (restrictions, decisions, transmissions, archived)
        });
        // Issue 5, item 3: the agency's same-person proposals that name this record, and the
        // decisions taken on them (MATCH-1, MATCH-7). The other record is named by its id only:
        // its particulars are another person's data.
        let links = self.links_of(scope, person).await?;
        let same_person: Vec<_> = links
            .iter()
            .map(|link| {
                json!({
                    "proposal": link.id.to_string(),
                    "other_record": link.other(person).map(|p| p.to_string()),
                    "score": f64::from(link.score) / 1000.0,
                    "algorithm": link.algorithm,
                    "proposed_at": link.proposed_at.to_string(),
                    "status": link.status().code(),
                    "decisions": link.decisions.iter().map(|d| json!({"decision": d.decision.code(), "algorithm": d.algorithm, "at": d.decided_at.to_string()})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let object = format!("person:{pid}");
        let audit: Vec<(i64, OffsetDateTime, String, String, Option<String>)> = on_backend!(self, pool => {
            sqlx::query_as("SELECT seq, at, actor, action, purpose FROM audit_log WHERE tenant_id = $1 AND object = $2 ORDER BY seq")
                .bind(*scope.tenant().as_uuid()).bind(&object).fetch_all(pool).await?
        });
        let export = json!({
            "format": "whereabouts-subject-export/1",
            "person": {
                "id": pid.to_string(),
                "reference": record.person.reference,
                "category": format!("{:?}", record.person.category),
            },
            "assertions": assertions,
            "events": events,
            "notifications": record.notifications.len(),
            "sources": record.sources.iter().map(|s| json!({"id": s.id.to_string(), "kind": format!("{:?}", s.kind), "reference": s.reference})).collect::<Vec<_>>(),
            "restrictions": restrictions.iter().map(|(r, roles, reason, by, at)| json!({"restricted": r, "allowed_roles": roles, "reason": reason, "decided_by": by, "decided_at": at.to_string()})).collect::<Vec<_>>(),
            "archived": archived.iter().map(|(kind, reason, at)| json!({"kind": kind, "reason": reason, "at": at.to_string()})).collect::<Vec<_>>(),
            "match_decisions": decisions.iter().map(|(req, d, alg, at)| json!({"request": req.to_string(), "decision": d, "algorithm": alg, "at": at.to_string()})).collect::<Vec<_>>(),
            "same_person": same_person,
            "transmissions": transmissions.iter().map(|(id, to, seq, at)| json!({"id": id.to_string(), "recipient": to, "sequence": seq, "sent_at": at.to_string()})).collect::<Vec<_>>(),
            "audit": audit.iter().map(|(seq, at, actor, action, purpose)| json!({"seq": seq, "at": at.to_string(), "actor": actor, "action": action, "purpose": purpose})).collect::<Vec<_>>(),
        });
        self.audit(
            scope,
            AuditEntry::new(AuditAction::Export, object)
                .purpose(purpose)
                .detail("subject access"),
        )
        .await?;
        Ok(export)
    }

    /// Sets the retention schedule for a record kind: records older than `archive_after_days`
    /// are archived by [`Store::apply_retention`].
    ///
    /// # Errors
    /// An unknown kind.
    pub async fn set_retention(
        &self,
        scope: &TenantScope,
        record_kind: &str,
        archive_after_days: i32,
    ) -> StoreResult<()> {
        if !RETENTION_KINDS.contains(&record_kind) {
            return Err(StoreError::Invalid(format!(
                "retention applies to: {}",
                RETENTION_KINDS.join(", ")
            )));
        }
        if archive_after_days < 0 {
            return Err(StoreError::Invalid("days cannot be negative".into()));
        }
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            sqlx::query("INSERT INTO retention_schedules (id, tenant_id, record_kind, archive_after_days, set_by, set_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(Uuid::now_v7())
                .bind(*scope.tenant().as_uuid())
                .bind(record_kind)
                .bind(archive_after_days)
                .bind(scope.actor_name())
                .bind(OffsetDateTime::now_utc())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Applies the tenant's retention schedules at `now`: every record past its period is
    /// archived (a row in `archived_records`, the record itself untouched) and the run is
    /// audited. Nothing is deleted (XC-1). Persons are never archived by a schedule: a person
    /// is accounted for until a terminal event, and then kept for tracing. Returns the number
    /// archived.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn apply_retention(
        &self,
        scope: &TenantScope,
        now: OffsetDateTime,
    ) -> StoreResult<usize> {
        let schedule: Option<(Uuid, i32)> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let row = sqlx::query_as("SELECT id, archive_after_days FROM retention_schedules WHERE tenant_id = $1 AND record_kind = 'tracing_request' ORDER BY set_at DESC, id DESC LIMIT 1")
                .bind(*scope.tenant().as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            tx.commit().await?;
            row
        });
        let Some((schedule, days)) = schedule else {
            return Ok(0);
        };
        let cutoff = now - Duration::days(i64::from(days));
        let archived = on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            let due: Vec<Uuid> = sqlx::query_scalar("SELECT r.id FROM tracing_requests r WHERE r.tenant_id = $1 AND r.created_at < $2 \
                 AND NOT EXISTS (SELECT 1 FROM archived_records a WHERE a.tenant_id = r.tenant_id AND a.record_kind = 'tracing_request' AND a.record_id = r.id)")
                .bind(*scope.tenant().as_uuid())
                .bind(cutoff)
                .fetch_all(&mut *tx)
                .await?;
            for id in &due {
                sqlx::query("INSERT INTO archived_records (id, tenant_id, record_kind, record_id, schedule_id, reason, archived_by, archived_at) VALUES ($1, $2, 'tracing_request', $3, $4, $5, $6, $7)")
                    .bind(Uuid::now_v7())
                    .bind(*scope.tenant().as_uuid())
                    .bind(id)
                    .bind(schedule)
                    .bind(format!("retention: {days} days"))
                    .bind(scope.actor_name())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            due.len()
        });
        if archived > 0 {
            self.audit(
                scope,
                AuditEntry::new(AuditAction::Archive, "tracing_requests")
                    .records(i64::try_from(archived).unwrap_or(i64::MAX))
                    .detail(format!("retention schedule: {days} days")),
            )
            .await?;
        }
        Ok(archived)
    }

    /// The tenant's archived records.
    ///
    /// # Errors
    /// When the database fails.
    pub async fn archived_records(&self, scope: &TenantScope) -> StoreResult<Vec<ArchivedRecord>> {
        type Row = (String, Uuid, String, String, OffsetDateTime);
        let rows: Vec<Row> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query_as("SELECT record_kind, record_id, reason, archived_by, archived_at FROM archived_records WHERE tenant_id = $1 ORDER BY archived_at, id")
                .bind(*scope.tenant().as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows
        });
        Ok(rows
            .into_iter()
            .map(
                |(record_kind, record_id, reason, archived_by, archived_at)| ArchivedRecord {
                    record_kind,
                    record_id,
                    reason,
                    archived_by,
                    archived_at,
                },
            )
            .collect())
    }
}
