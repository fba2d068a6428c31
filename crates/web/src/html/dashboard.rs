//! The first page after sign-in.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use domain::Tally;
use time::OffsetDateTime;

use crate::auth::SignedIn;
use crate::error::AppResult;
use crate::html::deadlines::tenant_obligations;
use crate::html::{Layout, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    layout: Layout,
    persons: i64,
    tally: Tally,
    /// The agency's tracing requests per stage (MATCH-1), for a role that traces.
    tracing: Option<store::StageCounts>,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
}

/// `GET /`: for a tenant member, the tenant at a glance; for a system administrator, what they
/// may do, since they cannot read protected data.
pub(crate) async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> AppResult<Response> {
    let Some(scope) = signed_in.scope() else {
        let layout = Layout::new(&state, &signed_in, "Administration").await?;
        return render(&AdminPage { layout });
    };
    let layout = Layout::new(&state, &signed_in, "Dashboard").await?;
    if !layout.reads_data {
        // A role that does not fit its tenant's kind: nothing to show but who they are.
        return render(&AdminPage { layout });
    }
    let persons = state.store.count_persons(scope).await?;
    let owed = tenant_obligations(&state, scope, OffsetDateTime::now_utc()).await?;
    let mut tally = Tally::default();
    for item in owed.iter() {
        tally.add(item.obligation.status);
    }
    let tracing = if layout.traces {
        Some(state.store.tracing_stage_counts(scope).await?)
    } else {
        None
    };
    render(&DashboardPage {
        layout,
        persons,
        tally,
        tracing,
    })
}
