//! A private interview read through the API outside its visit (GC3-126-b, ICRC-VIS-c). What was
//! said in private is read only for a purpose the delegate states; the read is written to the
//! audit log with that purpose (`interview:<id>`), like every read of protection data.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use domain::InterviewId;
use serde_json::json;

use super::{Protect, audit_read, interview_json, parse_id};
use crate::api::Json;
use crate::authz::ApiAuthorized;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// `GET /api/v1/protection/interviews/{id}?purpose=…`: one interview with its notes, and the
/// allegations it is linked to. The purpose is required (422 on `purpose`, checked before the
/// interview is looked up); another unit's interview answers 404.
pub(crate) async fn api_interview(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let purpose = query.get("purpose").map_or("", |p| p.trim());
    if purpose.is_empty() || purpose.chars().count() > 200 || purpose.chars().any(char::is_control)
    {
        return Err(AppError::Invalid(vec![(
            "purpose".into(),
            "why the interview is read (at most 200 characters); the read is logged with it".into(),
        )]));
    }
    let id: InterviewId = parse_id(&id)?;
    let scope = caller.scope();
    let visit = state
        .store
        .all_interviews(scope)
        .await?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or(AppError::NotFound)?
        .visit;
    let interview = state
        .store
        .interviews(scope, visit)
        .await?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or(AppError::NotFound)?;
    audit_read(&state, scope, format!("interview:{id}"), purpose, 1).await?;
    let mut allegations = Vec::new();
    for allegation in state.store.allegations(scope).await? {
        if state
            .store
            .allegation_interviews(scope, allegation.id)
            .await?
            .iter()
            .any(|i| i.id == id)
        {
            allegations
                .push(json!({"id": allegation.id.to_string(), "reference": allegation.reference}));
        }
    }
    let mut body = interview_json(&interview);
    body["allegations"] = json!(allegations);
    Ok(Json(body).into_response())
}
