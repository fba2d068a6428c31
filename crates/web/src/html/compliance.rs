//! `GET /compliance`: the tenant's compliance per rule and channel (issue 5 §5), from
//! `transmission::compliance`, the same numbers as `GET /api/v1/compliance`.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use time::OffsetDateTime;

use crate::auth::SignedIn;
use crate::authz::{Authorized, ReadRegistry};
use crate::error::{AppError, AppResult};
use crate::html::{Layout, render};
use crate::state::AppState;
use crate::transmission::compliance::{Compliance, compute};

/// Late items shown on the page; the API has them all.
const LATE_SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "compliance.html")]
struct CompliancePage {
    layout: Layout,
    report: Compliance,
    late_total: usize,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    member: Authorized<ReadRegistry>,
    signed_in: SignedIn,
) -> AppResult<Response> {
    let layout = Layout::new(&state, &signed_in, "Compliance").await?;
    let slug = state
        .store
        .tenants()
        .await?
        .into_iter()
        .find(|t| t.id == member.scope().tenant())
        .map(|t| t.slug)
        .unwrap_or_default();
    let mut report = compute(
        &state.store,
        member.scope(),
        &slug,
        OffsetDateTime::now_utc(),
    )
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let late_total = report.late.len();
    report.late.truncate(LATE_SHOWN);
    render(&CompliancePage {
        layout,
        report,
        late_total,
    })
}
