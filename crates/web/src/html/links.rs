//! The agency's same-person pages (issue 5, item 3; `crate::links`): the worklist of open
//! proposals, best first, and one pair side by side with the engine's explanation and the
//! caseworkers' decisions. Nothing is merged (MATCH-1).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::LinkStatus;

use crate::auth::CsrfForm;
use crate::authz::{Authorized, Trace};
use crate::error::{AppError, AppResult};
use crate::html::{Layout, datetime, page_number, render};
use crate::links::{self, LinkFeature, PairView};
use crate::state::AppState;

/// Proposals per worklist page.
const PAGE: usize = 50;

struct FeatureRow {
    feature: String,
    value_a: String,
    value_b: String,
    keys: String,
    outcome: String,
    /// `for` or `against`, for the stylesheet.
    direction: &'static str,
    weight: String,
    text: String,
}

fn feature_row(f: &LinkFeature) -> FeatureRow {
    FeatureRow {
        feature: f.feature.clone(),
        value_a: f.value_a.clone(),
        value_b: f.value_b.clone(),
        keys: format!("{} · {}", f.key_a, f.key_b),
        outcome: f.words.clone(),
        direction: if f.weight >= 0.0 { "for" } else { "against" },
        weight: format!("{:+.1}", f.weight),
        text: f.text.clone(),
    }
}

struct Row {
    pair: PairView,
    percent: String,
    features: Vec<FeatureRow>,
    status: &'static str,
    proposed_at: String,
    decisions: Vec<(String, &'static str, String, String)>,
}

fn row(pair: PairView) -> Row {
    Row {
        percent: format!("{:.1}", pair.score * 100.0),
        features: pair.explanation.features.iter().map(feature_row).collect(),
        status: status_words(pair.status),
        proposed_at: datetime(pair.proposed_at),
        decisions: pair
            .decisions
            .iter()
            .map(|d| {
                (
                    d.by.clone(),
                    if d.decision == "confirm" {
                        "confirmed: same person"
                    } else {
                        "rejected: not the same person"
                    },
                    datetime(d.at),
                    d.note.clone(),
                )
            })
            .collect(),
        pair,
    }
}

pub(crate) const fn status_words(status: LinkStatus) -> &'static str {
    match status {
        LinkStatus::Open => "proposed, not reviewed yet",
        LinkStatus::Confirmed => "confirmed: the same person",
        LinkStatus::Rejected => "rejected: not the same person (not proposed again)",
    }
}

#[derive(Template)]
#[template(path = "same_person_list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    total: i64,
    page: usize,
    pages: usize,
    floor_percent: String,
    algorithm: &'static str,
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    page: Option<String>,
}

/// `GET /same-person?page=`: the open same-person proposals, best first, 50 a page. Compares
/// the persons not compared yet first.
pub(crate) async fn list(
    State(state): State<AppState>,
    member: Authorized<Trace>,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    links::compare_pending(&state, &member.scope, links::PASS_BUDGET).await?;
    let layout = Layout::new(&state, &member.signed_in, "Same person?").await?;
    let requested = usize::try_from(page_number(query.page.as_deref())).unwrap_or(1);
    let (proposals, total) = state
        .store
        .open_link_proposals(&member.scope, (requested - 1).saturating_mul(PAGE), PAGE)
        .await?;
    let pages = usize::try_from(total).unwrap_or(0).div_ceil(PAGE).max(1);
    let rows = links::pair_views(&state, &member.scope, proposals)
        .await?
        .into_iter()
        .map(row)
        .collect();
    render(&ListPage {
        layout,
        rows,
        total,
        page: requested.min(pages),
        pages,
        floor_percent: format!("{:.0}", links::LINK_FLOOR * 100.0),
        algorithm: crate::search::ALGORITHM,
    })
}

#[derive(Template)]
#[template(path = "same_person_pair.html")]
struct PairPage {
    layout: Layout,
    row: Row,
    /// The caller may still decide.
    can_decide: bool,
    message: Option<String>,
}

async fn pair_page(
    state: &AppState,
    member: &Authorized<Trace>,
    id: &str,
    status: StatusCode,
    message: Option<String>,
) -> AppResult<Response> {
    let id = links::proposal_id(id)?;
    let proposal = state.store.link_proposal(&member.scope, id).await?;
    let Some(pair) = links::pair_views(state, &member.scope, vec![proposal])
        .await?
        .pop()
    else {
        return Err(AppError::NotFound);
    };
    let layout = Layout::new(state, &member.signed_in, "Same person?").await?;
    let can_decide = pair.mine.is_none() && pair.status != LinkStatus::Rejected;
    let mut response = render(&PairPage {
        layout,
        row: row(pair),
        can_decide,
        message,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /same-person/{id}`: one proposed pair side by side: both records with their sources, the
/// engine's explanation per feature, the decisions and the decision form.
pub(crate) async fn pair(
    State(state): State<AppState>,
    member: Authorized<Trace>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    pair_page(&state, &member, &id, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// `POST /same-person/{id}/decisions`: confirm or reject the pair, with a note. The score and
/// explanation kept with the decision are the proposal's, never the form's (MATCH-7).
pub(crate) async fn decide(
    State(state): State<AppState>,
    member: Authorized<Trace>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> AppResult<Response> {
    let proposal = links::proposal_id(&id)?;
    match links::decide(&state, &member.scope, proposal, &form.decision, &form.note).await {
        Ok(()) => Ok(Redirect::to(&format!("/same-person/{proposal}")).into_response()),
        Err(AppError::Conflict(message)) => {
            pair_page(&state, &member, &id, StatusCode::CONFLICT, Some(message)).await
        }
        Err(error) => Err(error),
    }
}
