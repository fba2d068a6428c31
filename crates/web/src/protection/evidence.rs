//! Evidence through the browser (issue 6, §9.7): a delegate uploads a saved file to an
//! allegation, and downloads one with a stated purpose.
//!
//! The upload is `multipart/form-data` parsed by `multer` as it streams: the CSRF token must be
//! the form's first field and is checked before anything else is read; the file goes through the
//! same [`EvidenceWriter`] as the CLI and the API (hashed with SHA-256 on the way, sealed in
//! chunks, bounded by [`EVIDENCE_MAX_BYTES`], never held in memory whole); text fields are
//! bounded too. A refused upload leaves no file. The download streams the file back chunk by
//! chunk, each chunk authenticated before it is sent; it is written to the audit log (export,
//! with the purpose) and to the item's chain of custody (`viewed`, with the purpose).

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use domain::protection::{CopyRole, CustodyAction, EvidenceItem, EvidenceKind};
use domain::{AllegationId, EvidenceId};
use store::{
    AuditAction, AuditEntry, EVIDENCE_MAX_BYTES, EvidenceFileError, EvidenceReader, EvidenceTarget,
    EvidenceWriter, StoreError, WrittenFile,
};
use time::OffsetDateTime;

use super::forms::{Fields, render_allegation};
use super::{Protect, evidence_dir, parse_id};
use crate::authz::Authorized;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Room for the form's text fields and multipart framing around the file.
const FORM_OVERHEAD: u64 = 256 * 1024;
/// At most this many text fields, each at most [`TEXT_FIELD_LIMIT`] bytes.
const TEXT_FIELDS: usize = 16;
const TEXT_FIELD_LIMIT: usize = 8 * 1024;

fn multipart_error(error: &multer::Error) -> AppError {
    match error {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            AppError::PayloadTooLarge
        }
        _ => AppError::BadForm("the upload is not a complete multipart form".into()),
    }
}

/// Removes a file written for an upload that is not recorded.
async fn discard(root: &std::path::Path, scope: &store::TenantScope, written: &WrittenFile) {
    let _ = tokio::fs::remove_file(
        root.join(scope.tenant().to_string())
            .join(&written.stored_as),
    )
    .await;
}

/// `POST /protection/allegations/{id}/evidence`: a file a delegate saved, linked to the
/// allegation, as an evidentiary copy with its capture time and who captured it.
pub(crate) async fn evidence_upload_form(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    request: Request,
) -> AppResult<Response> {
    let allegation: AllegationId = parse_id(&id)?;
    let scope = member.scope.clone();
    // Another tenant's allegation: 404 before the body is read.
    state.store.allegation(&scope, allegation).await?;
    let (parts, body) = request.into_parts();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("multipart/form-data") {
        return Err(AppError::UnsupportedMediaType);
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > EVIDENCE_MAX_BYTES + FORM_OVERHEAD) {
        return Err(AppError::PayloadTooLarge);
    }
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| AppError::BadForm("a multipart form without its boundary".into()))?;
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(EVIDENCE_MAX_BYTES + FORM_OVERHEAD)
            .per_field(EVIDENCE_MAX_BYTES + 1),
    );
    let mut multipart =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);

    // The CSRF token comes first, and is checked before anything else is read.
    let first = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e))?;
    let token = match first {
        Some(field) if field.name() == Some("csrf") => read_text(field).await?,
        _ => String::new(),
    };
    if !crate::auth::same_secret(&token, member.signed_in.csrf()) {
        tracing::warn!("evidence upload without this session's CSRF token refused");
        return Err(AppError::CsrfRejected);
    }

    let root = evidence_dir(&state)?.to_owned();
    let evidence = EvidenceId::new();
    let mut values: Vec<(String, String)> = Vec::new();
    let mut written: Option<WrittenFile> = None;
    let mut media_type = None;
    let mut file_error = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) => {
                if let Some(written) = &written {
                    discard(&root, &scope, written).await;
                }
                return Err(multipart_error(&error));
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" {
            if values.len() >= TEXT_FIELDS {
                if let Some(written) = &written {
                    discard(&root, &scope, written).await;
                }
                return Err(AppError::BadForm("too many fields".into()));
            }
            let text = read_text(field).await;
            match text {
                Ok(text) => values.push((name, text)),
                Err(error) => {
                    if let Some(written) = &written {
                        discard(&root, &scope, written).await;
                    }
                    return Err(error);
                }
            }
            continue;
        }
        if written.is_some() {
            file_error = Some("one file per upload".to_owned());
            continue;
        }
        media_type = field.content_type().map(ToString::to_string);
        match stream_file(&state, &root, &scope, evidence, field).await? {
            Ok(file) => written = Some(file),
            Err(message) => file_error = Some(message),
        }
    }

    let form = Fields::new(values);
    let now = OffsetDateTime::now_utc();
    let mut errors: Vec<(String, String)> = Vec::new();
    let kind = match form.get("kind").parse::<EvidenceKind>() {
        Ok(kind) => Some(kind),
        Err(message) => {
            errors.push((
                "kind".into(),
                if form.get("kind").is_empty() {
                    "choose one".into()
                } else {
                    message
                },
            ));
            None
        }
    };
    let title = form.get("title").to_owned();
    if title.is_empty() || title.chars().count() > 500 {
        errors.push(("title".into(), "1 to 500 characters".into()));
    }
    let captured_by = form.get("captured_by").to_owned();
    if captured_by.is_empty() || captured_by.chars().count() > 200 {
        errors.push(("captured_by".into(), "1 to 200 characters".into()));
    }
    let captured_at = match crate::html::register::parse_instant(form.get("captured_at")) {
        Ok(at) if at > now + time::Duration::minutes(5) => {
            errors.push(("captured_at".into(), "this is in the future".into()));
            None
        }
        Ok(at) => Some(at),
        Err(_) if form.get("captured_at").is_empty() => {
            errors.push(("captured_at".into(), "required".into()));
            None
        }
        Err(message) => {
            errors.push(("captured_at".into(), message));
            None
        }
    };
    let source_url = form.get("source_url").to_owned();
    if source_url.chars().count() > 2000 {
        errors.push(("source_url".into(), "at most 2000 characters".into()));
    }
    if let Some(message) = file_error {
        errors.push(("file".into(), message));
    } else if written.is_none() {
        errors.push(("file".into(), "choose the file to upload".into()));
    }
    let (Some(kind), Some(captured_at), Some(file), true) =
        (kind, captured_at, written.clone(), errors.is_empty())
    else {
        if let Some(written) = &written {
            discard(&root, &scope, written).await;
        }
        return render_allegation(&state, &member, allegation, form, errors).await;
    };
    let item = EvidenceItem {
        id: evidence,
        kind,
        role: CopyRole::Evidentiary,
        derived_from: None,
        title,
        source_url: (!source_url.is_empty()).then_some(source_url),
        captured_at,
        sha256: Some(file.sha256.clone()),
        size: Some(file.size),
        media_type,
        unavailable: None,
    };
    let recorded = state
        .store
        .record_evidence(
            &scope,
            &item,
            Some(&file.stored_as),
            &captured_by,
            &[EvidenceTarget::Allegation(allegation)],
        )
        .await;
    if let Err(error) = recorded {
        discard(&root, &scope, &file).await;
        return match error {
            StoreError::Invalid(message) => {
                render_allegation(
                    &state,
                    &member,
                    allegation,
                    form,
                    vec![("file".into(), message)],
                )
                .await
            }
            other => Err(other.into()),
        };
    }
    tracing::info!(evidence.id = %evidence, "evidence uploaded");
    Ok(Redirect::to(&format!("/protection/allegations/{allegation}#evidence")).into_response())
}

/// A text field, bounded.
async fn read_text(mut field: multer::Field<'_>) -> AppResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
        if bytes.len() + chunk.len() > TEXT_FIELD_LIMIT {
            return Err(AppError::PayloadTooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| AppError::BadForm("a text field is not UTF-8".into()))
}

/// Streams the file field into the evidence store. `Ok(Err(message))` is a problem with the file
/// the form shows (empty); too large is 413 and a broken stream 400, with nothing kept.
async fn stream_file(
    state: &AppState,
    root: &std::path::Path,
    scope: &store::TenantScope,
    evidence: EvidenceId,
    mut field: multer::Field<'_>,
) -> AppResult<Result<WrittenFile, String>> {
    let mut writer =
        EvidenceWriter::create(&state.store, root, scope, evidence, EVIDENCE_MAX_BYTES)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => match writer.write(&chunk).await {
                Ok(()) => {}
                // The writer has removed its partial file.
                Err(EvidenceFileError::TooLarge { .. }) => return Err(AppError::PayloadTooLarge),
                Err(error) => return Err(AppError::Internal(error.to_string())),
            },
            Ok(None) => break,
            Err(error) => {
                writer.abandon().await;
                return Err(multipart_error(&error));
            }
        }
    }
    match writer.finish().await {
        Ok(file) => Ok(Ok(file)),
        Err(EvidenceFileError::Empty) => {
            Ok(Err("the file is empty (or none was chosen)".to_owned()))
        }
        Err(error) => Err(AppError::Internal(error.to_string())),
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct DownloadQuery {
    purpose: Option<String>,
}

/// `GET /protection/evidence/{id}/file?purpose=…`: the file as the delegate saved it, streamed;
/// the purpose is required and logged (audit: export; custody: viewed).
pub(crate) async fn evidence_download(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    Query(query): Query<DownloadQuery>,
) -> AppResult<Response> {
    let id: EvidenceId = parse_id(&id)?;
    let scope = &member.scope;
    let purpose = query.purpose.as_deref().map(str::trim).unwrap_or_default();
    if purpose.is_empty() || purpose.chars().count() > 200 || purpose.chars().any(char::is_control)
    {
        return Err(AppError::Invalid(vec![(
            "purpose".into(),
            "why the file is opened, 1 to 200 characters: it is logged".into(),
        )]));
    }
    let stored = state.store.evidence_item(scope, id).await?;
    if stored.stored_as.is_none() {
        return Err(AppError::Invalid(vec![(
            "purpose".into(),
            "this item is a link that could not be saved: there is no file".into(),
        )]));
    }
    let reader = EvidenceReader::open(&state.store, evidence_dir(&state)?, scope, &stored).await?;
    state
        .store
        .audit(
            scope,
            AuditEntry::new(AuditAction::Export, format!("evidence:{id}"))
                .purpose(purpose)
                .records(1),
        )
        .await?;
    state
        .store
        .add_custody(
            scope,
            id,
            CustodyAction::Viewed,
            Some(&format!("downloaded: {purpose}")),
        )
        .await?;
    let stream = futures_util::stream::try_unfold(reader, |mut reader| async move {
        match reader.next_chunk().await {
            Ok(Some(chunk)) => Ok(Some((Bytes::from(chunk), reader))),
            Ok(None) => Ok(None),
            // The response is cut short: a changed file is never sent whole.
            Err(error) => Err(std::io::Error::other(error.to_string())),
        }
    });
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    // Never rendered by the browser on this origin, whatever was uploaded.
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(value) =
        header::HeaderValue::from_str(&format!("attachment; filename=\"evidence-{id}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if let Some(size) = stored.item.size {
        headers.insert(header::CONTENT_LENGTH, header::HeaderValue::from(size));
    }
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
