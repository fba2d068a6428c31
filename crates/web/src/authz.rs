//! Authorization as types (style rule 4).
//!
//! Each task is a [`Capability`]: a zero-sized type with a rule over the caller's role and the
//! kind of their tenant. A handler takes `Authorized<C>` (a browser session that passed both
//! factors) or `ApiAuthorized<C>` (a bearer token), and cannot run unless the rule allows it. Both
//! hold the [`TenantScope`] the store needs for every read, so "which tenant" is never a
//! parameter a handler could get wrong. A record of another tenant is then simply not in scope
//! and answers 404.
//!
//! Roles fit tenant kinds (a clerk belongs to a party's bureau, a caseworker to the agency); a
//! role in a tenant of the wrong kind gets nothing beyond the dashboard. The system
//! administrator has no tenant and no capability over protected data (DESIGN principle 6).

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use domain::{TenantId, TenantKind};
use store::{TenantScope, UserRole};
use time::OffsetDateTime;

use crate::auth::{SignedIn, token_hash};
use crate::error::AppError;
use crate::state::AppState;

/// A task that some roles in some kinds of tenant may do.
pub trait Capability: Send + Sync + 'static {
    /// Shown in the route table and the OpenAPI document.
    const NAME: &'static str;
    /// A refusal answers 404 rather than 403, so that the routes' existence does not show
    /// (the protection unit's, issue 6).
    const HIDDEN: bool = false;
    fn allows(role: UserRole, kind: TenantKind) -> bool;
}

/// Whether a role belongs in a kind of tenant at all.
#[must_use]
pub fn role_fits(role: UserRole, kind: TenantKind) -> bool {
    use UserRole as R;
    match kind {
        TenantKind::PartyBureau => {
            matches!(role, R::TenantAdmin | R::BureauClerk | R::BureauOfficer)
        }
        TenantKind::Agency => matches!(role, R::TenantAdmin | R::Caseworker | R::Reviewer),
        TenantKind::ProtectionUnit => matches!(role, R::TenantAdmin | R::Delegate),
    }
}

/// Read the tenant's registry: persons, their pages, deadlines.
pub struct ReadRegistry;
impl Capability for ReadRegistry {
    const NAME: &'static str = "read-registry";
    fn allows(role: UserRole, kind: TenantKind) -> bool {
        role_fits(role, kind) && role != UserRole::SystemAdmin
    }
}

/// Register persons, record events and print cards: the bureau's clerks and officers
/// (GC3-122-b, GC4-136-b).
pub struct Register;
impl Capability for Register {
    const NAME: &'static str = "register";
    fn allows(role: UserRole, kind: TenantKind) -> bool {
        kind == TenantKind::PartyBureau
            && matches!(role, UserRole::BureauClerk | UserRole::BureauOfficer)
    }
}

/// Take in and read tracing requests, and review the engine's proposals (ICRC-RFL-b, MATCH-1).
pub struct Trace;
impl Capability for Trace {
    const NAME: &'static str = "trace";
    fn allows(role: UserRole, kind: TenantKind) -> bool {
        kind == TenantKind::Agency && matches!(role, UserRole::Caseworker | UserRole::Reviewer)
    }
}

/// Read enquiries and their answers (issue 5; GC3-122-g, GC4-137-a): the agency's caseworkers
/// and reviewers, who ask (with [`Trace`]), and the bureau's clerks and officers, who answer
/// (with [`Register`]).
pub struct Enquire;
impl Capability for Enquire {
    const NAME: &'static str = "enquire";
    fn allows(role: UserRole, kind: TenantKind) -> bool {
        Trace::allows(role, kind) || Register::allows(role, kind)
    }
}

/// Exchange with peers on demand ("pull now", issue 5): the tenant's administrator, a bureau's
/// officers and the agency's reviewers; not clerks or caseworkers, never a system administrator.
pub struct Exchange;
impl Capability for Exchange {
    const NAME: &'static str = "exchange";
    fn allows(role: UserRole, kind: TenantKind) -> bool {
        matches!(
            (kind, role),
            (
                TenantKind::PartyBureau | TenantKind::Agency,
                UserRole::TenantAdmin
            ) | (TenantKind::PartyBureau, UserRole::BureauOfficer)
                | (TenantKind::Agency, UserRole::Reviewer)
        )
    }
}

/// Answer a data subject's request for access: everything held about one person, exported and
/// audited (ICRC-DP-c). The bureau's officers and the agency's reviewers, who answer for the
/// record; not clerks or caseworkers, and never a system administrator.
pub struct SubjectAccess;
impl Capability for SubjectAccess {
    const NAME: &'static str = "subject-access";
    fn allows(role: UserRole, kind: TenantKind) -> bool {
        matches!(
            (kind, role),
            (TenantKind::PartyBureau, UserRole::BureauOfficer)
                | (TenantKind::Agency, UserRole::Reviewer)
        )
    }
}

/// Manage the tenant's API tokens.
pub struct ManageTokens;
impl Capability for ManageTokens {
    const NAME: &'static str = "manage-tokens";
    fn allows(role: UserRole, _kind: TenantKind) -> bool {
        role == UserRole::TenantAdmin
    }
}

/// Who is asking, once authenticated: enough to decide and to scope.
#[derive(Clone, Debug)]
pub struct Principal {
    pub role: UserRole,
    pub tenant: TenantId,
    pub tenant_kind: TenantKind,
    /// The signed-in user, or `None` for an API token.
    pub user: Option<domain::UserId>,
    /// A username, or `token:<label>`.
    pub name: String,
}

/// A browser session allowed to do `C`, with the scope of the user's tenant.
pub struct Authorized<C> {
    pub signed_in: SignedIn,
    pub principal: Principal,
    pub scope: TenantScope,
    _capability: PhantomData<C>,
}

impl<C> Authorized<C> {
    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }
}

async fn decide<C: Capability>(
    state: &AppState,
    role: UserRole,
    tenant: Option<TenantId>,
    scope: Option<TenantScope>,
) -> Result<(TenantKind, TenantId, TenantScope), AppError> {
    let (Some(tenant), Some(scope)) = (tenant, scope) else {
        return Err(if C::HIDDEN {
            AppError::NotFound
        } else {
            AppError::AdminCannotRead
        });
    };
    let info = state.tenant(tenant).await?.ok_or(AppError::NotFound)?;
    if !C::allows(role, info.kind) {
        tracing::info!(capability = C::NAME, role = role.code(), "refused by role");
        return Err(if C::HIDDEN {
            AppError::NotFound
        } else {
            AppError::Forbidden
        });
    }
    Ok((info.kind, tenant, scope))
}

impl<C: Capability> FromRequestParts<AppState> for Authorized<C> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        let (tenant_kind, tenant, scope) = decide::<C>(
            state,
            signed_in.role(),
            signed_in.tenant(),
            signed_in.scope().cloned(),
        )
        .await?;
        state
            .limiters
            .principal(&crate::limits::PrincipalKey::User(signed_in.user_id()))?;
        Ok(Self {
            principal: Principal {
                role: signed_in.role(),
                tenant,
                tenant_kind,
                user: Some(signed_in.user_id()),
                name: signed_in.username().to_owned(),
            },
            signed_in,
            scope,
            _capability: PhantomData,
        })
    }
}

/// The prefix of every API token, so that a leaked one is recognisable (secret scanners).
pub const API_TOKEN_PREFIX: &str = "wbt_";

/// A machine client allowed to do `C`: `Authorization: Bearer wbt_<64 hex>`, a live token of a
/// tenant and a role. Sessions are not accepted here, so the API needs no CSRF defence: nothing
/// ambient authenticates it.
pub struct ApiAuthorized<C> {
    pub principal: Principal,
    pub scope: TenantScope,
    _capability: PhantomData<C>,
}

impl<C> ApiAuthorized<C> {
    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }
}

impl<C: Capability> FromRequestParts<AppState> for ApiAuthorized<C> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .and_then(|v| v.trim().strip_prefix(API_TOKEN_PREFIX))
            .ok_or(AppError::Unauthenticated)?;
        let hash = token_hash(presented).ok_or(AppError::Unauthenticated)?;
        let token = state
            .store
            .api_token(&hash, OffsetDateTime::now_utc())
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let scope = state.store.scope_for_token(&token);
        let (tenant_kind, tenant, scope) =
            decide::<C>(state, token.role, Some(token.tenant), scope).await?;
        state
            .limiters
            .principal(&crate::limits::PrincipalKey::Token(token.id))?;
        Ok(Self {
            principal: Principal {
                role: token.role,
                tenant,
                tenant_kind,
                user: None,
                name: format!("token:{}", token.label),
            },
            scope,
            _capability: PhantomData,
        })
    }
}
