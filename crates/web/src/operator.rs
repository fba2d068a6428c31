//! What the local operator (who holds the database anyway) can do without a browser: issue an
//! API token for a tenant, as `whereabouts token create` does. The token is made exactly as the
//! token page makes one (`html/account.rs`): 32 random bytes, only their SHA-256 stored.

use domain::{TenantId, TenantKind};
use store::{NewApiToken, Store, UserRole};
use time::{Duration, OffsetDateTime};

use crate::authz::{API_TOKEN_PREFIX, role_fits};
use crate::error::AppError;

/// Issues a token of `role` for `tenant`, valid for `days`, and returns it (`wbt_…`): the only
/// time it is ever shown.
///
/// # Errors
/// When the role does not fit the tenant's kind (or is the tenant administrator's, which no token
/// may carry), the operating system gives no randomness, or the store refuses the token.
pub async fn create_api_token(
    store: &Store,
    tenant: TenantId,
    kind: TenantKind,
    role: UserRole,
    label: &str,
    days: i64,
) -> Result<String, AppError> {
    if role == UserRole::TenantAdmin || !role_fits(role, kind) {
        return Err(AppError::Invalid(vec![(
            "role".into(),
            format!("a {kind} token cannot carry the role {role}"),
        )]));
    }
    if !(1..=365).contains(&days) {
        return Err(AppError::Invalid(vec![(
            "days".into(),
            "a token lives 1 to 365 days".into(),
        )]));
    }
    let secret = crate::auth::new_token()?;
    let hash = crate::auth::token_hash(&secret)
        .ok_or_else(|| AppError::Internal("a fresh token does not hash".into()))?;
    store
        .create_api_token(&NewApiToken {
            token_hash: &hash,
            tenant,
            role,
            label,
            created_by: None,
            expires_at: OffsetDateTime::now_utc() + Duration::days(days),
        })
        .await?;
    tracing::info!(role = role.code(), "API token created by the operator");
    Ok(format!("{API_TOKEN_PREFIX}{secret}"))
}
