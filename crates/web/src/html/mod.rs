//! Server-rendered pages. Each page module turns domain values into a small view model of
//! strings and flags, and an askama template (in `templates/`) lays it out. Templates escape
//! everything by default and carry no logic beyond loops and conditions.

pub(crate) mod account;
pub(crate) mod agency;
pub(crate) mod cards;
pub(crate) mod compliance;
pub(crate) mod dashboard;
pub(crate) mod deadlines;
pub(crate) mod enquiries;
pub(crate) mod family_news;
pub(crate) mod links;
pub(crate) mod lists;
pub(crate) mod login;
pub(crate) mod peers;
pub(crate) mod person;
pub(crate) mod persons;
pub(crate) mod register;

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::auth::SignedIn;
use crate::authz::{Capability, ManageTokens, ReadRegistry, Register, Trace};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The stylesheet, compiled into the binary: no external assets (DESIGN principle 7).
const STYLESHEET: &str = include_str!("../../static/app.css");

/// htmx, vendored and pinned (see `static/VENDORED.md` for the version and its SHA-256).
const HTMX: &str = include_str!("../../static/htmx.min.js");

/// What the frame of every signed-in page shows: who is signed in, for which tenant, and the
/// links their capabilities open.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    pub title: String,
    pub username: String,
    pub tenant_name: Option<String>,
    /// Whether the data pages (persons, deadlines) are offered.
    pub reads_data: bool,
    pub registers: bool,
    pub traces: bool,
    pub manages_tokens: bool,
    /// A protection unit's delegate (issue 6).
    pub protects: bool,
    /// This session's CSRF token, for every form on the page.
    pub csrf: String,
}

impl Layout {
    pub(crate) async fn new(
        state: &AppState,
        signed_in: &SignedIn,
        title: impl Into<String>,
    ) -> AppResult<Self> {
        let tenant = match signed_in.tenant() {
            Some(id) => state.tenant(id).await?,
            None => None,
        };
        let role = signed_in.role();
        let can = |allows: fn(store::UserRole, domain::TenantKind) -> bool| {
            tenant.as_ref().is_some_and(|t| allows(role, t.kind))
        };
        Ok(Self {
            title: title.into(),
            username: signed_in.username().to_owned(),
            reads_data: signed_in.scope().is_some() && can(ReadRegistry::allows),
            registers: can(Register::allows),
            traces: can(Trace::allows),
            manages_tokens: can(ManageTokens::allows),
            protects: can(crate::protection::Protect::allows),
            tenant_name: tenant.map(|t| t.name),
            csrf: signed_in.csrf().to_owned(),
        })
    }
}

/// Renders a template as an HTML response.
pub(crate) fn render(template: &impl askama::Template) -> AppResult<Response> {
    Ok(Html(template.render()?).into_response())
}

/// `2026-03-14 09:30 UTC`.
pub(crate) fn datetime(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

/// `2026-03-14`.
pub(crate) fn date(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// A positive page number from a query parameter; anything else is page 1.
pub(crate) fn page_number(text: Option<&str>) -> i64 {
    text.and_then(|t| t.trim().parse::<i64>().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(1)
}

/// `GET /health`: whether the server answers, and on which backend. No personal data.
pub(crate) async fn health(State(state): State<AppState>) -> Response {
    // The matching indexes' start-up build: no counts, which would tell how many persons a
    // party holds.
    let search_index = if !state.index_warming {
        "built at first use"
    } else if state.index_ready.load(std::sync::atomic::Ordering::Acquire) {
        "ready"
    } else {
        "building"
    };
    let body = serde_json::json!({
        "status": "ok",
        "backend": state.store.backend_name(),
        "search_index": search_index,
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// `GET /static/app.css`.
pub(crate) async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

/// `GET /static/htmx.min.js`: the only script, from this origin (CSP `script-src 'self'`).
pub(crate) async fn htmx() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400, immutable"),
        ],
        HTMX,
    )
        .into_response()
}

/// Anything without a route.
pub(crate) async fn not_found() -> AppError {
    AppError::NotFound
}
