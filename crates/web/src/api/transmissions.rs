//! Transmission endpoints (issue 5): the receive endpoint peers push bundles to, the
//! compliance API, and the proposals the matching engine makes for a tracing request.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::Json;
use crate::authz::{ApiAuthorized, ReadRegistry, Trace};
use crate::error::{AppError, AppResult};
use crate::html::agency::request_id;
use crate::state::AppState;
use crate::transmission::{self, compliance};

/// The largest bundle a peer may push: 256 MiB (a bureau's backlog after weeks offline).
pub(crate) const BUNDLE_LIMIT: usize = 256 * 1024 * 1024;

/// Refusals that concern who sent the envelope: the peer is not one this tenant trusts.
fn refused_sender(code: &str) -> bool {
    matches!(
        code,
        "unknown-sender"
            | "unknown-key"
            | "revoked-key"
            | "wrong-key-role"
            | "bad-signature"
            | "missing-signature"
            | "wrong-recipient"
    )
}

/// `POST /api/v1/transmissions`: a peer pushes one bundle (`.wab`, the same bytes as a file).
///
/// No session and no token: what authorizes the push is the envelope's signatures, checked
/// against the keys this tenant pinned for the sender. The bundle names its recipient tenant
/// in its authenticated header; an unknown sender, a bad signature or a revoked key is
/// refused (403) with a signed receipt saying why, nothing applied and the refusal in the
/// ledger. Applied and duplicate envelopes answer 200 with the receipt; other refusals
/// (tampered, malformed, reused sequence, invalid content) 422 with the receipt.
pub(crate) async fn receive(State(state): State<AppState>, body: Bytes) -> AppResult<Response> {
    let header = match transmit::bundle_header(&body) {
        Ok((header, _)) => header,
        Err(error) => {
            return Err(AppError::BadForm(format!("not a bundle: {error}")));
        }
    };
    let tenant = match state.store.tenant_by_slug(&header.recipient).await {
        Ok(tenant) => tenant,
        Err(store::StoreError::NotFound) => {
            tracing::warn!("transmission for a recipient this instance does not hold; refused");
            return Err(AppError::NotFound);
        }
        Err(other) => return Err(other.into()),
    };
    // The peer acts through this tenant's receiving path only: the scope is used to verify
    // the envelope against the pinned keys, and to apply it only if it verifies.
    let scope = state
        .store
        .operator_scope(&tenant, &format!("transmission to {}", tenant.slug));
    let received = transmission::receive_bundle(&state.store, &tenant, &scope, &body)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if matches!(
        received.outcome.status,
        transmit::ReceiptStatus::Applied { applied } if applied > 0
    ) {
        // The agency's tracing pages see the new persons at once.
        state.facts_changed(tenant.id);
    }
    let status = match received.outcome.rejection_code() {
        None => StatusCode::OK,
        Some(code) if refused_sender(code) => StatusCode::FORBIDDEN,
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    Ok((
        status,
        [(header::CONTENT_TYPE, "application/json")],
        received.receipt.to_bytes(),
    )
        .into_response())
}

async fn tenant_slug(state: &AppState, scope: &store::TenantScope) -> AppResult<String> {
    Ok(state
        .store
        .tenants()
        .await?
        .into_iter()
        .find(|t| t.id == scope.tenant())
        .map(|t| t.slug)
        .unwrap_or_default())
}

/// `GET /api/v1/compliance`: per rule and channel, what was due, sent, acknowledged and late;
/// envelopes sent per recipient and received per sender.
pub(crate) async fn compliance(
    State(state): State<AppState>,
    caller: ApiAuthorized<ReadRegistry>,
) -> AppResult<Response> {
    let slug = tenant_slug(&state, caller.scope()).await?;
    let report = compliance::compute(
        &state.store,
        caller.scope(),
        &slug,
        OffsetDateTime::now_utc(),
    )
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let value = serde_json::to_value(&report).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Json(value).into_response())
}

/// `GET /api/v1/tracing-requests/{id}/proposals`: the persons the matching engine proposes
/// for a request (the same `search::propose` the review page uses), with scores. Proposals
/// only: nothing is merged (MATCH-1).
pub(crate) async fn proposals(
    State(state): State<AppState>,
    caller: ApiAuthorized<Trace>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = request_id(&id)?;
    let request = state.store.tracing_request(caller.scope(), id).await?;
    let proposals = crate::search::propose(&state, caller.scope(), &request, 20).await?;
    let items: Vec<Value> = proposals
        .iter()
        .map(|p| {
            json!({
                "person": p.person.to_string(),
                "reference": p.reference,
                "display_name": p.display_name,
                "score": p.score,
                "notes": p.notes,
            })
        })
        .collect();
    Ok(Json(json!({"proposals": items})).into_response())
}
