//! API tokens for machine clients, managed by the tenant's administrator. A token acts for the
//! tenant in one role; the full token is shown once, and only its SHA-256 is stored.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::{NewApiToken, UserRole};
use time::{Duration, OffsetDateTime};

use crate::auth::{self, CsrfForm};
use crate::authz::{API_TOKEN_PREFIX, Authorized, ManageTokens, role_fits};
use crate::error::{AppError, AppResult};
use crate::html::{Layout, date, render};
use crate::state::AppState;

struct TokenRow {
    id: String,
    label: String,
    role: &'static str,
    created: String,
    expires: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    layout: Layout,
    rows: Vec<TokenRow>,
    roles: Vec<&'static str>,
    /// The token just created, shown once.
    created: Option<String>,
    errors: Vec<(String, String)>,
}

async fn tokens_page(
    state: &AppState,
    member: &Authorized<ManageTokens>,
    created: Option<String>,
    errors: Vec<(String, String)>,
) -> AppResult<Response> {
    let layout = Layout::new(state, &member.signed_in, "API tokens").await?;
    let rows = state
        .store
        .api_tokens(member.principal.tenant)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.to_string(),
            label: t.label,
            role: t.role.code(),
            created: date(t.created_at),
            expires: date(t.expires_at),
            revoked: t.revoked,
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(&TokensPage {
        layout,
        rows,
        roles: token_roles(member.principal.tenant_kind),
        created,
        errors,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// The roles a token of this kind of tenant may carry: those that fit the tenant, less the
/// tenant administrator (a token manages nothing).
fn token_roles(kind: domain::TenantKind) -> Vec<&'static str> {
    UserRole::ALL
        .into_iter()
        .filter(|r| *r != UserRole::TenantAdmin && role_fits(*r, kind))
        .map(UserRole::code)
        .collect()
}

/// `GET /account/tokens`.
pub(crate) async fn tokens(
    State(state): State<AppState>,
    member: Authorized<ManageTokens>,
) -> AppResult<Response> {
    tokens_page(&state, &member, None, Vec::new()).await
}

#[derive(Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    days: String,
}

/// `POST /account/tokens`: creates a token and shows it once.
pub(crate) async fn create_token(
    State(state): State<AppState>,
    member: Authorized<ManageTokens>,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let label = form.label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        errors.push((
            "label".to_owned(),
            "name the client, 1 to 100 characters".to_owned(),
        ));
    }
    let role = form
        .role
        .parse::<UserRole>()
        .ok()
        .filter(|r| token_roles(member.principal.tenant_kind).contains(&r.code()));
    if role.is_none() {
        errors.push((
            "role".to_owned(),
            "choose one of the listed roles".to_owned(),
        ));
    }
    let days = form
        .days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=365).contains(d));
    if days.is_none() {
        errors.push(("days".to_owned(), "a token lives 1 to 365 days".to_owned()));
    }
    let (Some(role), Some(days), true) = (role, days, errors.is_empty()) else {
        return tokens_page(&state, &member, None, errors).await;
    };
    let secret = auth::new_token()?;
    let hash = auth::token_hash(&secret)
        .ok_or_else(|| AppError::Internal("a fresh token does not hash".into()))?;
    state
        .store
        .create_api_token(&NewApiToken {
            token_hash: &hash,
            tenant: member.principal.tenant,
            role,
            label,
            created_by: member.principal.user,
            expires_at: OffsetDateTime::now_utc() + Duration::days(days),
        })
        .await?;
    tracing::info!(role = role.code(), "API token created");
    tokens_page(
        &state,
        &member,
        Some(format!("{API_TOKEN_PREFIX}{secret}")),
        Vec::new(),
    )
    .await
}

/// `POST /account/tokens/{id}/revoke`. Another tenant's token answers 404.
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    member: Authorized<ManageTokens>,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<crate::html::login::Empty>,
) -> AppResult<Response> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    state
        .store
        .revoke_api_token(member.principal.tenant, id)
        .await?;
    tracing::info!("API token revoked");
    Ok(Redirect::to("/account/tokens").into_response())
}
