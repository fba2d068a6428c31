//! `GET /api/v1/persons/{id}/subject-export?purpose=`: the right of access (ICRC-DP-c) over the
//! API, the same export as `whereabouts subject export` (`store::Store::subject_export`).
//!
//! Only [`SubjectAccess`] may call it (a bureau officer, an agency reviewer). The purpose is
//! required and goes into the audit entry the store writes with the export; a person restricted
//! away from the caller's role answers 403 `restricted`, another tenant's person 404.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::api::Json;
use crate::authz::{ApiAuthorized, SubjectAccess};
use crate::error::{AppError, AppResult};
use crate::html::register::person_id;
use crate::state::AppState;

/// The longest purpose kept in the audit log.
const PURPOSE_MAX: usize = 200;

#[derive(Deserialize)]
pub(crate) struct SubjectQuery {
    purpose: Option<String>,
}

pub(crate) async fn subject_export(
    State(state): State<AppState>,
    caller: ApiAuthorized<SubjectAccess>,
    Path(id): Path<String>,
    Query(query): Query<SubjectQuery>,
) -> AppResult<Response> {
    let id = person_id(&id)?;
    let purpose = query.purpose.as_deref().map(str::trim).unwrap_or_default();
    if purpose.is_empty() || purpose.chars().count() > PURPOSE_MAX {
        return Err(AppError::Invalid(vec![(
            "purpose".into(),
            format!("say why the export is made, in 1 to {PURPOSE_MAX} characters; it is audited"),
        )]));
    }
    if purpose.chars().any(char::is_control) {
        return Err(AppError::Invalid(vec![(
            "purpose".into(),
            "the purpose is one line of text".into(),
        )]));
    }
    let export = state
        .store
        .subject_export(caller.scope(), id, purpose)
        .await?;
    tracing::info!(route = "subject-export", "subject access export made");
    Ok(Json(export).into_response())
}
