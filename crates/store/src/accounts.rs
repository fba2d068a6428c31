//! Accounts beyond the password: the TOTP second factor, staged sessions with idle and absolute
//! expiry, failed sign-ins for throttling and lockout, and API tokens for machine clients.
//!
//! None of this is personal data about detained persons; it is system data, like `system.rs`.
//! Secrets are never stored in a form that can be replayed: sessions and API tokens are kept as
//! the SHA-256 of the token the client holds. The TOTP secret must be kept (the server computes
//! codes from it); it is readable by whoever holds the database, which the web layer documents.

use std::fmt;

use domain::{TenantId, UserId};
use sqlx::Row;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::scope::TenantScope;
use crate::system::UserRole;
use crate::{Store, on_backend};

/// How far a session has got through sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStage {
    /// The password was right; the second factor is still owed (enrol or enter a code).
    Password,
    /// Both factors passed.
    Full,
}

impl SessionStage {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Full => "full",
        }
    }

    fn parse(code: &str) -> StoreResult<Self> {
        match code {
            "password" => Ok(Self::Password),
            "full" => Ok(Self::Full),
            other => Err(StoreError::Corrupt(format!("session stage {other:?}"))),
        }
    }
}

/// A session as stored, with the user behind it and their second-factor state.
#[derive(Clone, Debug)]
pub struct SessionDetails {
    pub user: crate::UserRecord,
    pub stage: SessionStage,
    pub created_at: OffsetDateTime,
    /// The last request seen on this session (updated at most once a minute).
    pub last_seen_at: OffsetDateTime,
    /// The absolute end of the session.
    pub expires_at: OffsetDateTime,
    /// Whether the user has a confirmed TOTP secret.
    pub totp_enrolled: bool,
}

/// A user's TOTP state. `Debug` does not print the secret.
#[derive(Clone, Default)]
pub struct TotpState {
    pub secret: Option<Vec<u8>>,
    pub confirmed: bool,
    pub last_step: Option<i64>,
}

impl fmt::Debug for TotpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpState")
            .field("secret", &self.secret.as_ref().map(|_| "…"))
            .field("confirmed", &self.confirmed)
            .field("last_step", &self.last_step)
            .finish()
    }
}

/// A machine client's token as stored: which tenant and role it acts as.
#[derive(Clone, Debug)]
pub struct ApiTokenRecord {
    pub id: Uuid,
    pub tenant: TenantId,
    pub role: UserRole,
    pub label: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked: bool,
}

pub struct NewApiToken<'a> {
    pub token_hash: &'a [u8],
    pub tenant: TenantId,
    pub role: UserRole,
    pub label: &'a str,
    pub created_by: Option<UserId>,
    pub expires_at: OffsetDateTime,
}

impl Store {
    /// Stores a session under the SHA-256 of its token, at a sign-in stage.
    pub async fn create_staged_session(
        &self,
        token_hash: &[u8],
        user: UserId,
        stage: SessionStage,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        on_backend!(self, pool => {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, stage, last_seen_at) VALUES ($1, $2, $3, $4, $5, $3)")
                .bind(token_hash)
                .bind(user.as_uuid())
                .bind(now)
                .bind(expires_at)
                .bind(stage.code())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The session stored under `token_hash`, expired or not: the caller decides what is stale,
    /// so that it can tell an expired session from a forged one.
    pub async fn session_details(&self, token_hash: &[u8]) -> StoreResult<Option<SessionDetails>> {
        on_backend!(self, pool => {
            let row = sqlx::query(
                "SELECT u.id, u.tenant_id, u.username, u.password_hash, u.role, u.totp_confirmed_at, \
                 s.stage, s.created_at, s.last_seen_at, s.expires_at \
                 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            let Some(row) = row else { return Ok(None) };
            let tenant: Option<Uuid> = row.try_get("tenant_id")?;
            let role: String = row.try_get("role")?;
            let created_at: OffsetDateTime = row.try_get("created_at")?;
            let last_seen_at: Option<OffsetDateTime> = row.try_get("last_seen_at")?;
            let confirmed: Option<OffsetDateTime> = row.try_get("totp_confirmed_at")?;
            let stage: String = row.try_get("stage")?;
            Ok(Some(SessionDetails {
                user: crate::UserRecord {
                    id: UserId::from_uuid(row.try_get("id")?),
                    tenant: tenant.map(TenantId::from_uuid),
                    username: row.try_get("username")?,
                    password_hash: row.try_get("password_hash")?,
                    role: role.parse().map_err(StoreError::Corrupt)?,
                },
                stage: SessionStage::parse(&stage)?,
                created_at,
                last_seen_at: last_seen_at.unwrap_or(created_at),
                expires_at: row.try_get("expires_at")?,
                totp_enrolled: confirmed.is_some(),
            }))
        })
    }

    /// Records activity on a session (for the idle timeout).
    pub async fn touch_session(&self, token_hash: &[u8], now: OffsetDateTime) -> StoreResult<()> {
        on_backend!(self, pool => {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Moves a session to the full stage once the second factor passed.
    pub async fn promote_session(&self, token_hash: &[u8], now: OffsetDateTime) -> StoreResult<()> {
        on_backend!(self, pool => {
            sqlx::query("UPDATE sessions SET stage = 'full', last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(token_hash)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Ends every session of a user (after a lockout, or a second-factor reset).
    pub async fn delete_user_sessions(&self, user: UserId) -> StoreResult<()> {
        on_backend!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user.as_uuid())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Deletes sessions that ended before `before`; returns how many.
    pub async fn purge_sessions(&self, before: OffsetDateTime) -> StoreResult<u64> {
        on_backend!(self, pool => {
            let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(before)
                .execute(pool)
                .await?;
            Ok(done.rows_affected())
        })
    }

    /// The user's TOTP state. The secret is stored sealed under the instance's data key
    /// (SEC-3); a secret written in clear before migration 0006 is sealed on this first read.
    pub async fn totp_state(&self, user: UserId) -> StoreResult<TotpState> {
        type Row = (
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Option<OffsetDateTime>,
            Option<i64>,
        );
        let (clear, sealed, confirmed, last_step): Row = on_backend!(self, pool => {
            sqlx::query_as("SELECT totp_secret, totp_secret_sealed, totp_confirmed_at, totp_last_step FROM users WHERE id = $1")
                .bind(user.as_uuid())
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)?
        });
        let context = totp_context(user);
        let secret = match (sealed, clear) {
            (Some(sealed), _) => Some(
                self.vault()
                    .open_for(crate::vault::INSTANCE_OWNER, &context, &sealed)
                    .await?
                    .to_vec(),
            ),
            (None, Some(clear)) => {
                let sealed = self
                    .vault()
                    .seal_for(crate::vault::INSTANCE_OWNER, &context, &clear)
                    .await?;
                on_backend!(self, pool => {
                    sqlx::query("UPDATE users SET totp_secret_sealed = $1, totp_secret = NULL WHERE id = $2 AND totp_secret = $3")
                        .bind(sealed)
                        .bind(user.as_uuid())
                        .bind(&clear)
                        .execute(pool)
                        .await?;
                });
                Some(clear)
            }
            (None, None) => None,
        };
        Ok(TotpState {
            secret,
            confirmed: confirmed.is_some(),
            last_step,
        })
    }

    /// Sets a new, unconfirmed TOTP secret. Refused once a secret is confirmed: a second factor
    /// is reset only by an administrator ([`Store::reset_totp`]).
    pub async fn begin_totp_enrolment(&self, user: UserId, secret: &[u8]) -> StoreResult<()> {
        let sealed = self
            .vault()
            .seal_for(crate::vault::INSTANCE_OWNER, &totp_context(user), secret)
            .await?;
        on_backend!(self, pool => {
            let done = sqlx::query("UPDATE users SET totp_secret_sealed = $1, totp_secret = NULL, totp_last_step = NULL WHERE id = $2 AND totp_confirmed_at IS NULL")
                .bind(sealed)
                .bind(user.as_uuid())
                .execute(pool)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Invalid("the second factor is already set up".into()));
            }
        });
        Ok(())
    }

    /// Marks the pending secret as confirmed.
    pub async fn confirm_totp(&self, user: UserId, now: OffsetDateTime) -> StoreResult<()> {
        on_backend!(self, pool => {
            sqlx::query("UPDATE users SET totp_confirmed_at = $1 WHERE id = $2 AND (totp_secret IS NOT NULL OR totp_secret_sealed IS NOT NULL)")
                .bind(now)
                .bind(user.as_uuid())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Forgets a user's second factor and ends their sessions; they enrol again at next sign-in.
    pub async fn reset_totp(&self, user: UserId) -> StoreResult<()> {
        on_backend!(self, pool => {
            sqlx::query("UPDATE users SET totp_secret = NULL, totp_secret_sealed = NULL, totp_confirmed_at = NULL, totp_last_step = NULL WHERE id = $1")
                .bind(user.as_uuid())
                .execute(pool)
                .await?;
        });
        self.delete_user_sessions(user).await
    }

    /// Uses up a TOTP time step: `true` when `step` is later than any step accepted before, so
    /// that a code is accepted once (RFC 6238 §5.2). Atomic across concurrent requests.
    pub async fn use_totp_step(&self, user: UserId, step: i64) -> StoreResult<bool> {
        on_backend!(self, pool => {
            let done = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)")
                .bind(step)
                .bind(user.as_uuid())
                .execute(pool)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Records a failed sign-in under `key` (`user:<name>` or `ip:<address>`).
    pub async fn record_login_failure(&self, key: &str, at: OffsetDateTime) -> StoreResult<()> {
        on_backend!(self, pool => {
            sqlx::query("INSERT INTO login_failures (key, failed_at) VALUES ($1, $2)")
                .bind(key)
                .bind(at)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// How many failures `key` has since `since`, and when the latest was.
    pub async fn login_failures(
        &self,
        key: &str,
        since: OffsetDateTime,
    ) -> StoreResult<(i64, Option<OffsetDateTime>)> {
        on_backend!(self, pool => {
            let row = sqlx::query("SELECT COUNT(*) AS n, MAX(failed_at) AS latest FROM login_failures WHERE key = $1 AND failed_at > $2")
                .bind(key)
                .bind(since)
                .fetch_one(pool)
                .await?;
            let count: i64 = row.try_get("n")?;
            let latest: Option<OffsetDateTime> = if count == 0 { None } else { row.try_get("latest")? };
            Ok((count, latest))
        })
    }

    /// Forgets the failures of `key` (after a successful sign-in).
    pub async fn clear_login_failures(&self, key: &str) -> StoreResult<()> {
        on_backend!(self, pool => {
            sqlx::query("DELETE FROM login_failures WHERE key = $1")
                .bind(key)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Stores a new API token (its hash) for a tenant and a role. A system administrator's role
    /// cannot be given to a token: tokens act inside a tenant.
    pub async fn create_api_token(&self, token: &NewApiToken<'_>) -> StoreResult<Uuid> {
        if token.role == UserRole::SystemAdmin {
            return Err(StoreError::Invalid(
                "an API token acts inside a tenant; it cannot be a system administrator".into(),
            ));
        }
        let label = token.label.trim();
        if label.is_empty() || label.chars().count() > 100 {
            return Err(StoreError::Invalid(
                "a token label is 1 to 100 characters".into(),
            ));
        }
        let id = Uuid::now_v7();
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            sqlx::query(
                "INSERT INTO api_tokens (id, token_hash, tenant_id, role, label, created_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(token.token_hash)
            .bind(token.tenant.as_uuid())
            .bind(token.role.code())
            .bind(label)
            .bind(token.created_by.map(|u| *u.as_uuid()))
            .bind(now)
            .bind(token.expires_at)
            .execute(pool)
            .await?;
        });
        Ok(id)
    }

    /// The live token stored under `token_hash`: not revoked and not expired at `now`.
    pub async fn api_token(
        &self,
        token_hash: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<Option<ApiTokenRecord>> {
        on_backend!(self, pool => {
            let row = sqlx::query(
                "SELECT id, tenant_id, role, label, created_at, expires_at, revoked_at FROM api_tokens \
                 WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            row.map(|row| token_from_row(&row)).transpose()
        })
    }

    /// The tenant's tokens, newest first (hashes are never returned).
    pub async fn api_tokens(&self, tenant: TenantId) -> StoreResult<Vec<ApiTokenRecord>> {
        on_backend!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, tenant_id, role, label, created_at, expires_at, revoked_at FROM api_tokens \
                 WHERE tenant_id = $1 ORDER BY created_at DESC",
            )
            .bind(tenant.as_uuid())
            .fetch_all(pool)
            .await?;
            rows.iter().map(token_from_row).collect()
        })
    }

    /// Revokes one of the tenant's tokens. Another tenant's token answers not found.
    pub async fn revoke_api_token(&self, tenant: TenantId, id: Uuid) -> StoreResult<()> {
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND tenant_id = $3 AND revoked_at IS NULL")
                .bind(now)
                .bind(id)
                .bind(tenant.as_uuid())
                .execute(pool)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::NotFound);
            }
        });
        Ok(())
    }

    /// The scope a live API token acts in: its tenant, as `token:<label>`.
    #[must_use]
    pub fn scope_for_token(&self, token: &ApiTokenRecord) -> Option<TenantScope> {
        token.role.reads_tenant_data().then(|| {
            TenantScope::new(
                token.tenant,
                None,
                format!("token:{}", token.label),
                Some(token.role),
            )
        })
    }
}

fn token_from_row<R>(row: &R) -> StoreResult<ApiTokenRecord>
where
    R: Row,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> Uuid: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> OffsetDateTime: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<OffsetDateTime>: sqlx::Decode<'r, R::Database>,
{
    let role: String = row.try_get("role")?;
    let revoked: Option<OffsetDateTime> = row.try_get("revoked_at")?;
    Ok(ApiTokenRecord {
        id: row.try_get("id")?,
        tenant: TenantId::from_uuid(row.try_get("tenant_id")?),
        role: role.parse().map_err(StoreError::Corrupt)?,
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked: revoked.is_some(),
    })
}

/// The associated data of a sealed TOTP secret: the column and the user, so a secret copied to
/// another user's row does not open.
fn totp_context(user: UserId) -> String {
    format!("users.totp_secret:{}", user.as_uuid())
}
