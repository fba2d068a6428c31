//! Transmission endpoints (issue 5): the receive endpoint peers push bundles to, the
//! compliance API, and the proposals the matching engine makes for a tracing request.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

use super::Json;
use crate::authz::{ApiAuthorized, ReadRegistry, Trace};
use crate::error::{AppError, AppResult};
use crate::html::agency::request_id;
use crate::html::login::ClientAddr;
use crate::state::AppState;
use crate::transmission::{self, compliance};

/// The largest bundle a peer may push: 256 MiB (a bureau's backlog after weeks offline).
pub(crate) const BUNDLE_LIMIT: usize = 256 * 1024 * 1024;
/// Pushes accepted per client address per minute; beyond, 429 with `Retry-After`. A sender
/// pushes a few envelopes per round (every 30 s by default), so this is far above honest use.
pub(crate) const PUSHES_PER_MINUTE: u32 = 120;
/// Bundles verified at once. Uploads stream to a temporary file, so a slow or large upload
/// holds no memory; verification reads one whole bundle into memory (the `transmit` crate
/// works on byte slices), so at most this many bundles are in memory at any time.
pub(crate) const VERIFYING_AT_ONCE: usize = 2;

/// An error of the receive endpoint as the API's JSON shape, with its stable code (the route
/// has no `json_errors` layer: its refusals are signed receipts, not error bodies).
fn json_error(error: &AppError) -> Response {
    let body = json!({"error": {"code": error.code(), "message": error.to_string()}});
    (error.status(), Json(body)).into_response()
}

/// The 429 answer (with `Retry-After`) when `address` pushed or pulled too often this minute
/// ([`PUSHES_PER_MINUTE`], one count for both).
fn throttled(
    state: &AppState,
    address: Option<std::net::IpAddr>,
    what: &'static str,
) -> Option<Response> {
    let seconds = state.pushes.check(address, Instant::now()).err()?;
    tracing::warn!(outcome = "throttled", what, "transmission request");
    let mut response = json_error(&AppError::TooManyAttempts(format!(
        "Too many pushes or pulls from this address. Try again in {seconds} seconds."
    )));
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Some(response)
}

/// Streams `body` into an anonymous temporary file, refusing it past `limit` bytes.
async fn spool(body: Body, limit: usize) -> Result<(tokio::fs::File, usize), AppError> {
    let file = tempfile::tempfile()
        .map_err(|e| AppError::Internal(format!("a temporary file for a bundle: {e}")))?;
    let mut file = tokio::fs::File::from_std(file);
    let mut body = body;
    let mut size = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| AppError::BadForm("the upload was interrupted".into()))?;
        if let Ok(data) = frame.into_data() {
            size = size.saturating_add(data.len());
            if size > limit {
                return Err(AppError::PayloadTooLarge);
            }
            file.write_all(&data)
                .await
                .map_err(|e| AppError::Internal(format!("spooling a bundle: {e}")))?;
        }
    }
    file.flush()
        .await
        .map_err(|e| AppError::Internal(format!("spooling a bundle: {e}")))?;
    Ok((file, size))
}

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
///
/// Bounded: [`PUSHES_PER_MINUTE`] per client address (429 `too_many_attempts`), a body of at
/// most [`BUNDLE_LIMIT`] bytes (413 `payload_too_large`, refused from `Content-Length` before
/// reading when declared), streamed to disk while it arrives.
pub(crate) async fn receive(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(refused) = throttled(&state, address, "push") {
        return refused;
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BUNDLE_LIMIT as u64) {
        return json_error(&AppError::PayloadTooLarge);
    }
    match receive_spooled(&state, body).await {
        Ok(response) => response,
        Err(error) => {
            if error.status().is_server_error() {
                tracing::error!(%error, "transmission push");
            }
            json_error(&error)
        }
    }
}

struct RecipientOnly {
    recipient: String,
}

async fn receive_spooled(state: &AppState, body: Body) -> AppResult<Response> {
    let (mut file, size) = spool(body, BUNDLE_LIMIT).await?;
    let _permit = state
        .verifying
        .acquire()
        .await
        .map_err(|_| AppError::Internal("the verification gate is closed".into()))?;
    let _ = size;
    file.seek(std::io::SeekFrom::Start(0))
        .await
        .map_err(|e| AppError::Internal(format!("reading a spooled bundle: {e}")))?;
    // Only the clear header is read here; the bundle itself is read from the file as it is
    // decrypted (format 2 a chunk at a time).
    let mut start = vec![0u8; 8192];
    let mut filled = 0;
    while filled < start.len() {
        let read = file
            .read(&mut start[filled..])
            .await
            .map_err(|e| AppError::Internal(format!("reading a spooled bundle: {e}")))?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    start.truncate(filled);
    let recipient = match transmit::bundle_recipient(&start) {
        Ok(recipient) => recipient,
        Err(error) => {
            return Err(AppError::BadForm(format!("not a bundle: {error}")));
        }
    };
    drop(start);
    file.seek(std::io::SeekFrom::Start(0))
        .await
        .map_err(|e| AppError::Internal(format!("reading a spooled bundle: {e}")))?;
    let file = file.into_std().await;
    let header = RecipientOnly { recipient };
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
    let received = transmission::receive_from(&state.store, &tenant, &scope, file)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if matches!(
        received.outcome.status,
        transmit::ReceiptStatus::Applied { applied } if applied > 0
    ) {
        // The agency's tracing pages see the new persons at once.
        state.facts_changed(tenant.id);
        if tenant.kind == domain::TenantKind::Agency {
            // Issue 5, item 3: compare the new persons after the envelope committed, not inside
            // its transaction (crate::links). A failure leaves the markers for the next pass.
            let (state, scope) = (state.clone(), scope.clone());
            tokio::spawn(async move {
                if let Err(error) = crate::links::compare_pending(&state, &scope, usize::MAX).await
                {
                    tracing::error!(%error, "same-person pass after a push");
                }
            });
        }
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

/// A refusal of a pull request: the status, and the code and reason in the API's error shape.
fn pull_refusal(status: StatusCode, code: &str, message: String) -> Response {
    let body = json!({"error": {"code": code, "message": message}});
    (status, Json(body)).into_response()
}

/// `POST /api/v1/transmissions/outbox`: a peer fetches the oldest envelope this instance holds
/// for it (pull; docs/transmissions.md "Pull").
///
/// No session and no token: the body is a [`transmit::SignedPullRequest`], signed by the
/// requester's tenant key, which the holder must have pinned (403 with the refusal's code
/// otherwise, or when its date is more than five minutes from this clock). The receipts it
/// carries (for envelopes fetched before) are verified and kept (422 naming the receipt that
/// does not verify). Answers `200` with the bundle (encrypted afresh to the requester's pinned
/// key) and `x-whereabouts-pending` (how many wait, this one included), or `204` when nothing
/// waits; `404` for a holder this instance does not hold; `400` for a body that is not a pull
/// request. Throttled with the pushes, per client address.
pub(crate) async fn outbox(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    body: axum::body::Bytes,
) -> Response {
    if let Some(refused) = throttled(&state, address, "pull") {
        return refused;
    }
    match serve_outbox(&state, &body).await {
        Ok(response) => response,
        Err(error) => {
            if error.status().is_server_error() {
                tracing::error!(%error, "transmission pull");
            }
            json_error(&error)
        }
    }
}

async fn serve_outbox(state: &AppState, body: &[u8]) -> AppResult<Response> {
    let signed = transmit::SignedPullRequest::from_bytes(body)
        .map_err(|e| AppError::BadForm(format!("not a pull request: {e}")))?;
    let claimed = signed
        .claimed()
        .map_err(|e| AppError::BadForm(format!("not a pull request: {e}")))?;
    let tenant = match state.store.tenant_by_slug(&claimed.holder).await {
        Ok(tenant) => tenant,
        Err(store::StoreError::NotFound) => return Err(AppError::NotFound),
        Err(other) => return Err(other.into()),
    };
    let scope = state
        .store
        .operator_scope(&tenant, &format!("pull by {}", claimed.requester));
    let ring = transmission::load_ring(&state.store, &scope)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let request = match signed.verify(&ring) {
        Ok(request) => request,
        Err(error) => {
            tracing::warn!(code = error.code(), "pull request refused");
            return Ok(pull_refusal(
                StatusCode::FORBIDDEN,
                error.code(),
                error.to_string(),
            ));
        }
    };
    if let Err(problem) = transmission::pull::check_date(&request.at, OffsetDateTime::now_utc()) {
        tracing::warn!(code = "stale-request", "pull request refused");
        return Ok(pull_refusal(
            StatusCode::FORBIDDEN,
            "stale-request",
            problem,
        ));
    }
    for (n, receipt) in request.receipts.iter().enumerate() {
        if let Err(error) = transmission::accept_receipt(
            &state.store,
            &scope,
            &request.requester,
            receipt.as_bytes(),
        )
        .await
        {
            return Ok(pull_refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad-receipt",
                format!("receipt {}: {error}", n + 1),
            ));
        }
    }
    let pending = state
        .store
        .pending_transmission_heads(&scope, &request.requester)
        .await?;
    let Some(first) = pending.first() else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let recipient = transmission::recipient_key(&ring, &request.requester)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    // Only the first envelope's text is read (a bureau's first round is many envelopes).
    let envelope = state.store.transmission_envelope(&scope, first.id).await?;
    let bundle = transmission::bundle_for(envelope.as_bytes(), recipient)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    tracing::info!(
        sequence = first.sequence,
        pending = pending.len(),
        "transmission fetched by its recipient"
    );
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (
                header::HeaderName::from_static(transmission::pull::PENDING_HEADER),
                HeaderValue::from(pending.len()),
            ),
        ],
        bundle,
    )
        .into_response())
}
