//! `/peers`: the instances this tenant exchanges envelopes with (issue 5): where each is
//! reached, the certificates pinned, how (push, pull, outbox), what waits for it, and the last
//! push, pull and failure (kept across restarts, migration 0018); "pull now" fetches at once what a peer set
//! to pull holds, without waiting for the sender loop's next round.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::authz::{Authorized, Capability, Exchange, ReadRegistry};
use crate::error::{AppError, AppResult};
use crate::html::{Layout, datetime, render};
use crate::state::AppState;
use crate::transmission::push::waiting;
use crate::transmission::status::{peer_status, pull_now, pull_schedule};

/// How long "pull now" waits for the peer.
const PULL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

struct PeerRow {
    peer: String,
    url: String,
    channel: String,
    origin: String,
    pins: Vec<String>,
    how: String,
    pull: bool,
    envelopes: usize,
    messages: String,
    last_push: String,
    last_pull: String,
    last_error: String,
}

#[derive(Template)]
#[template(path = "peers.html")]
struct PeersPage {
    layout: Layout,
    rows: Vec<PeerRow>,
    exchanges: bool,
}

/// `GET /peers`.
pub(crate) async fn page(
    State(state): State<AppState>,
    member: Authorized<ReadRegistry>,
) -> AppResult<Response> {
    let layout = Layout::new(&state, &member.signed_in, "Peers").await?;
    let tenant = member.scope.tenant();
    let mut rows = Vec::new();
    for setting in state.store.peers(&member.scope).await? {
        let waits = waiting(&state.store, &member.scope, &setting.peer)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let status = peer_status(&state.store, &member.scope, &setting.peer)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut how = Vec::new();
        if setting.url.is_some() && !setting.outbox {
            how.push("push");
        }
        let schedule = pull_schedule(&setting);
        if setting.pull {
            how.push(&schedule);
        }
        if setting.outbox {
            how.push("outbox");
        }
        if how.is_empty() {
            how.push("files");
        }
        rows.push(PeerRow {
            url: setting.url.clone().unwrap_or_default(),
            channel: setting.channel.clone(),
            origin: setting.origin.clone().unwrap_or_default(),
            pins: setting
                .tls_pin
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            how: how.join(", "),
            pull: setting.pull && setting.url.is_some(),
            envelopes: waits.envelopes,
            messages: format!(
                "{} enquiry(ies), {} answer(s), {} list(s), {} withdrawal(s)",
                waits.enquiries, waits.answers, waits.lists, waits.withdrawals
            ),
            last_push: status.last_push.map(datetime).unwrap_or_default(),
            last_pull: status.last_pull.map(datetime).unwrap_or_default(),
            last_error: status
                .last_error
                .map(|(at, error)| format!("{}: {error}", datetime(at)))
                .unwrap_or_default(),
            peer: setting.peer,
        });
    }
    let exchanges = state
        .tenant(tenant)
        .await?
        .is_some_and(|t| Exchange::allows(member.signed_in.role(), t.kind));
    render(&PeersPage {
        layout,
        rows,
        exchanges,
    })
}

/// `POST /peers/{peer}/pull`: fetch now what the peer holds for this tenant. A peer that is not
/// set to pull, or unknown, answers 422; a peer that is down shows its failure on the page.
pub(crate) async fn pull(
    State(state): State<AppState>,
    member: Authorized<Exchange>,
    Path(peer): Path<String>,
    crate::auth::CsrfForm(_form): crate::auth::CsrfForm<std::collections::HashMap<String, String>>,
) -> AppResult<Response> {
    let Some(setting) = state
        .store
        .peers(&member.scope)
        .await?
        .into_iter()
        .find(|p| p.peer == peer && p.pull)
    else {
        return Err(AppError::Invalid(vec![(
            "peer".into(),
            format!("no peer {peer:?} set to pull (`whereabouts peer set --pull`)"),
        )]));
    };
    let tenant = state
        .store
        .tenants()
        .await?
        .into_iter()
        .find(|t| t.id == member.scope.tenant())
        .ok_or(AppError::NotFound)?;
    let report = pull_now(&state.store, &tenant, &member.scope, &setting, PULL_TIMEOUT)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    tracing::info!(
        peer = %setting.peer,
        fetched = report.fetched,
        rejected = report.rejected,
        failed = report.failure.is_some(),
        "pull now"
    );
    Ok(Redirect::to("/peers").into_response())
}
