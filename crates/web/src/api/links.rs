//! `/api/v1/same-person-proposals` (issue 5, item 3; `crate::links`): the agency's open
//! same-person proposals, one proposal with its decisions, and a caseworker's decision. Nothing
//! is merged (MATCH-1); every proposal and decision carries the score, the algorithm version and
//! the explanation per feature (MATCH-7).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::api::{ApiJson, Json};
use crate::authz::{ApiAuthorized, Trace};
use crate::error::AppResult;
use crate::links::{self, PairView, RecordSide};
use crate::state::AppState;

fn side(side: &RecordSide) -> Value {
    json!({
        "id": side.person.to_string(),
        "reference": side.reference,
        "display_name": side.display_name,
        "source": side.source,
    })
}

fn pair_json(pair: &PairView) -> Value {
    json!({
        "id": pair.id.to_string(),
        "status": pair.status.code(),
        "score": pair.score,
        "algorithm": pair.algorithm,
        "proposed_at": pair.proposed_at.format(&Rfc3339).unwrap_or_default(),
        "persons": [side(&pair.a), side(&pair.b)],
        "explanation": pair.explanation,
        "decisions": pair.decisions.iter().map(|d| json!({
            "decision": d.decision,
            "by": d.by,
            "at": d.at.format(&Rfc3339).unwrap_or_default(),
            "note": d.note,
            "score": f64::from(d.score) / 1000.0,
            "algorithm": d.algorithm,
        })).collect::<Vec<_>>(),
    })
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    offset: Option<i64>,
    limit: Option<i64>,
}

/// `GET /api/v1/same-person-proposals?offset=&limit=`: the open proposals (no decision yet),
/// best first; `total` counts them all. Compares the persons not compared yet first.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: ApiAuthorized<Trace>,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    links::compare_pending(&state, caller.scope(), links::PASS_BUDGET).await?;
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let offset = query.offset.unwrap_or(0).max(0);
    let (proposals, total) = state
        .store
        .open_link_proposals(
            caller.scope(),
            usize::try_from(offset).unwrap_or(usize::MAX),
            usize::try_from(limit).unwrap_or(500),
        )
        .await?;
    let pairs = links::pair_views(&state, caller.scope(), proposals).await?;
    Ok(Json(json!({
        "total": total,
        "offset": offset,
        "limit": limit,
        "proposals": pairs.iter().map(pair_json).collect::<Vec<_>>(),
    }))
    .into_response())
}

/// `GET /api/v1/same-person-proposals/{id}`: one proposal, whatever its status, with its
/// decisions. 404 for an unknown id, another tenant's, or a pair with a record the caller may
/// not see.
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: ApiAuthorized<Trace>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = links::proposal_id(&id)?;
    let proposal = state.store.link_proposal(caller.scope(), id).await?;
    let Some(pair) = links::pair_views(&state, caller.scope(), vec![proposal])
        .await?
        .pop()
    else {
        return Err(crate::error::AppError::NotFound);
    };
    Ok(Json(pair_json(&pair)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionBody {
    decision: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/same-person-proposals/{id}/decisions` with `{"decision": "confirm" | "reject",
/// "note": "…"}`: 201 with the proposal as it stands; 422 for another decision or a note over
/// 2,000 characters, 409 for a rejected pair or a second decision by the same user, 404 for an
/// unknown or another tenant's proposal, 400 for a body that is not that JSON.
pub(crate) async fn decide(
    State(state): State<AppState>,
    caller: ApiAuthorized<Trace>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> AppResult<Response> {
    let id = links::proposal_id(&id)?;
    links::decide(&state, caller.scope(), id, &body.decision, &body.note).await?;
    let proposal = state.store.link_proposal(caller.scope(), id).await?;
    let pair = links::pair_views(&state, caller.scope(), vec![proposal])
        .await?
        .pop()
        .ok_or(crate::error::AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(pair_json(&pair))).into_response())
}
