//! System-level data that belongs to no single tenant: conflicts, parties, tenants, users and
//! sessions. None of it is protected personal data about detained persons.

use std::fmt;
use std::str::FromStr;

use domain::{Conflict, Party, PartyId, PartyRoleAssignment, Tenant, TenantId, TenantKind, UserId};
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::scope::TenantScope;
use crate::{Store, on_backend};

/// The roles of a user (issue #4 refines them; the store keeps the code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UserRole {
    /// Manages tenants and users; cannot read protected data (DESIGN principle 6).
    SystemAdmin,
    TenantAdmin,
    BureauClerk,
    BureauOfficer,
    Caseworker,
    Reviewer,
    Delegate,
}

impl UserRole {
    pub const ALL: [UserRole; 7] = [
        Self::SystemAdmin,
        Self::TenantAdmin,
        Self::BureauClerk,
        Self::BureauOfficer,
        Self::Caseworker,
        Self::Reviewer,
        Self::Delegate,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::SystemAdmin => "system-admin",
            Self::TenantAdmin => "tenant-admin",
            Self::BureauClerk => "bureau-clerk",
            Self::BureauOfficer => "bureau-officer",
            Self::Caseworker => "caseworker",
            Self::Reviewer => "reviewer",
            Self::Delegate => "delegate",
        }
    }

    /// Whether the role may read a tenant's protected data at all.
    #[must_use]
    pub const fn reads_tenant_data(self) -> bool {
        !matches!(self, Self::SystemAdmin)
    }
}

impl fmt::Display for UserRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for UserRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|role| role.code() == s)
            .ok_or_else(|| format!("unknown role {s:?}"))
    }
}

pub struct NewUser<'a> {
    pub tenant: Option<TenantId>,
    pub username: &'a str,
    /// An Argon2id PHC string; the store never sees a password.
    pub password_hash: &'a str,
    pub role: UserRole,
}

/// A user as stored. `Debug` does not print the password hash.
#[derive(Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub tenant: Option<TenantId>,
    pub username: String,
    pub password_hash: String,
    pub role: UserRole,
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("tenant", &self.tenant)
            .field("username", &self.username)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The user behind a live session.
#[derive(Clone, Debug)]
pub struct SessionUser {
    pub user: UserRecord,
    pub expires_at: OffsetDateTime,
}

impl Store {
    pub async fn create_conflict(&self, conflict: &Conflict) -> StoreResult<()> {
        on_backend!(self, pool => {
            sqlx::query("INSERT INTO conflicts (id, name, started_on) VALUES ($1, $2, $3)")
                .bind(conflict.id.as_uuid())
                .bind(&conflict.name)
                .bind(conflict.started_on)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn create_party(&self, party: &Party) -> StoreResult<()> {
        if !domain::conflict::is_country_code(&party.iso_country) {
            return Err(StoreError::Invalid(format!(
                "country code {:?} is not ISO 3166-1 alpha-2",
                party.iso_country
            )));
        }
        on_backend!(self, pool => {
            sqlx::query("INSERT INTO parties (id, name, iso_country) VALUES ($1, $2, $3)")
                .bind(party.id.as_uuid())
                .bind(&party.name)
                .bind(&party.iso_country)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub async fn parties(&self) -> StoreResult<Vec<Party>> {
        on_backend!(self, pool => {
            let rows = sqlx::query("SELECT id, name, iso_country FROM parties ORDER BY name")
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|row| {
                    Ok(Party {
                        id: PartyId::from_uuid(row.try_get("id")?),
                        name: row.try_get("name")?,
                        iso_country: row.try_get("iso_country")?,
                    })
                })
                .collect()
        })
    }

    pub async fn assign_role(&self, assignment: &PartyRoleAssignment) -> StoreResult<()> {
        assignment.validate().map_err(StoreError::Invalid)?;
        on_backend!(self, pool => {
            sqlx::query(
                "INSERT INTO party_roles (conflict_id, party_id, role, on_behalf_of) VALUES ($1, $2, $3, $4)",
            )
            .bind(assignment.conflict.as_uuid())
            .bind(assignment.party.as_uuid())
            .bind(assignment.role.code())
            .bind(assignment.on_behalf_of.map(|p| *p.as_uuid()))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    pub async fn create_tenant(&self, tenant: &Tenant) -> StoreResult<()> {
        tenant.validate().map_err(StoreError::Invalid)?;
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            sqlx::query(
                "INSERT INTO tenants (id, slug, name, kind, party_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(tenant.id.as_uuid())
            .bind(&tenant.slug)
            .bind(&tenant.name)
            .bind(tenant.kind.code())
            .bind(tenant.party.map(|p| *p.as_uuid()))
            .bind(now)
            .execute(pool)
            .await
            .map_err(crate::error::unless_taken(|| StoreError::Invalid(format!("a tenant {:?} already exists", tenant.slug))))?;
        });
        Ok(())
    }

    pub async fn tenants(&self) -> StoreResult<Vec<Tenant>> {
        on_backend!(self, pool => {
            let rows = sqlx::query("SELECT id, slug, name, kind, party_id FROM tenants ORDER BY slug")
                .fetch_all(pool)
                .await?;
            rows.iter().map(|row| {
                let kind: String = row.try_get("kind")?;
                let party: Option<Uuid> = row.try_get("party_id")?;
                Ok(Tenant {
                    id: TenantId::from_uuid(row.try_get("id")?),
                    slug: row.try_get("slug")?,
                    name: row.try_get("name")?,
                    kind: kind.parse::<TenantKind>().map_err(StoreError::Corrupt)?,
                    party: party.map(PartyId::from_uuid),
                })
            }).collect()
        })
    }

    pub async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Tenant> {
        self.tenants()
            .await?
            .into_iter()
            .find(|tenant| tenant.slug == slug)
            .ok_or(StoreError::NotFound)
    }

    /// The scope of the local operator: whoever runs the CLI on the data directory already
    /// holds the database file, so the CLI acts for any tenant it names. Provenance records
    /// the operator's name.
    #[must_use]
    pub fn operator_scope(&self, tenant: &Tenant, operator: &str) -> TenantScope {
        TenantScope::new(tenant.id, None, format!("operator:{operator}"), None)
    }

    /// The local operator's scope for a disclosure: a file that leaves the instance (the CLI's
    /// `export persons`). ICRC-DP-c: with `role`, it reads what that role reads in the web lists
    /// and exports (a person restricted away from the role is left out); without, every person
    /// under a restriction in force is left out, since the file's readers hold no role a
    /// restriction could allow.
    #[must_use]
    pub fn disclosure_scope(
        &self,
        tenant: &Tenant,
        operator: &str,
        role: Option<UserRole>,
    ) -> TenantScope {
        TenantScope::new(tenant.id, None, format!("operator:{operator}"), role).disclosing()
    }

    /// The scope of a signed-in user: their own tenant, if their role reads tenant data.
    #[must_use]
    pub fn scope_for_user(&self, user: &UserRecord) -> Option<TenantScope> {
        let tenant = user.tenant?;
        user.role.reads_tenant_data().then(|| {
            TenantScope::new(
                tenant,
                Some(user.id),
                user.username.clone(),
                Some(user.role),
            )
        })
    }

    pub async fn create_user(&self, user: &NewUser<'_>) -> StoreResult<UserId> {
        let username_ok = (3..=64).contains(&user.username.len())
            && user
                .username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
        if !username_ok {
            return Err(StoreError::Invalid(
                "a username is 3 to 64 characters of a-z, 0-9, '.', '-', '_' and '@'".into(),
            ));
        }
        if user.role != UserRole::SystemAdmin && user.tenant.is_none() {
            return Err(StoreError::Invalid(format!(
                "a {} belongs to a tenant",
                user.role
            )));
        }
        let id = UserId::new();
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            sqlx::query(
                "INSERT INTO users (id, tenant_id, username, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.as_uuid())
            .bind(user.tenant.map(|t| *t.as_uuid()))
            .bind(user.username)
            .bind(user.password_hash)
            .bind(user.role.code())
            .bind(now)
            .execute(pool)
            .await
            .map_err(crate::error::unless_taken(|| StoreError::Invalid(format!("the username {:?} is taken", user.username))))?;
        });
        Ok(id)
    }

    pub async fn user_by_username(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        on_backend!(self, pool => {
            let row = sqlx::query(
                "SELECT id, tenant_id, username, password_hash, role FROM users WHERE username = $1",
            )
            .bind(username)
            .fetch_optional(pool)
            .await?;
            row.map(|row| user_from_row(&row)).transpose()
        })
    }

    pub async fn count_users(&self) -> StoreResult<i64> {
        on_backend!(self, pool => {
            Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(pool).await?)
        })
    }

    /// Stores a session under the SHA-256 of its token; the token itself is never stored.
    pub async fn create_session(
        &self,
        token_hash: &[u8],
        user: UserId,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(user.as_uuid())
                .bind(now)
                .bind(expires_at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The user of a live session; expired sessions answer `None`.
    pub async fn session_user(&self, token_hash: &[u8]) -> StoreResult<Option<SessionUser>> {
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let row = sqlx::query(
                "SELECT u.id, u.tenant_id, u.username, u.password_hash, u.role, s.expires_at \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            row.map(|row| {
                Ok(SessionUser {
                    user: user_from_row(&row)?,
                    expires_at: row.try_get("expires_at")?,
                })
            })
            .transpose()
        })
    }

    pub async fn delete_session(&self, token_hash: &[u8]) -> StoreResult<()> {
        on_backend!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}

fn user_from_row<R>(row: &R) -> StoreResult<UserRecord>
where
    R: Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> Uuid: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<Uuid>: sqlx::Decode<'r, R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let tenant: Option<Uuid> = row.try_get("tenant_id")?;
    let role: String = row.try_get("role")?;
    Ok(UserRecord {
        id: UserId::from_uuid(row.try_get("id")?),
        tenant: tenant.map(TenantId::from_uuid),
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        role: role.parse().map_err(StoreError::Corrupt)?,
    })
}
