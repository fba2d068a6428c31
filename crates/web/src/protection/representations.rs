//! Confidential representations with their text, and the authority's replies (ICRC-VIS-e;
//! store migration 0017). A delegate writes what is handed to the responsible authority and the
//! day it was sent; each reply is recorded with its outcome; the allegation's status follows
//! (`domain::protection::status_with`). The texts are sealed at rest; the allegation's page
//! lists representations without them, and every read of a text (page or API) states a purpose
//! that goes to the audit log with the read (`representation:<id>`), like private interviews.
//! Nothing here leaves the protection unit: no export, no transmission.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::protection::{AuthorityReply, ReplyOutcome, RepresentationForm, RepresentationLetter};
use domain::{AllegationId, ReplyId, RepresentationId};
use serde::Deserialize;
use serde_json::{Value, json};
use store::{StoreError, StoredRepresentation, TenantScope};
use time::{Date, OffsetDateTime};

use super::forms::{Check, Fields, form_page, render_allegation, store_errors, with_status};
use super::{Protect, audit_read, parse_id};
use crate::api::{ApiJson, Json};
use crate::auth::CsrfForm;
use crate::authz::{ApiAuthorized, Authorized};
use crate::error::{AppError, AppResult};
use crate::html::{Layout, render};
use crate::state::AppState;

/// A representation as the allegation's page lists it: no text.
pub(crate) struct LetterRow {
    pub id: String,
    pub sent_on: String,
    pub addressee: String,
    pub form: &'static str,
    pub replies: String,
}

/// The allegation's representations for its page (texts sealed away, nothing to log).
pub(crate) async fn letter_rows(
    state: &AppState,
    scope: &TenantScope,
    allegation: AllegationId,
) -> AppResult<Vec<LetterRow>> {
    Ok(state
        .store
        .representations(scope, allegation)
        .await?
        .into_iter()
        .map(|s| LetterRow {
            id: s.letter.id.to_string(),
            sent_on: s.letter.sent_on.to_string(),
            addressee: s.letter.addressee,
            form: s.letter.form.code(),
            replies: s
                .replies
                .iter()
                .map(|r| format!("{} {}", r.reply.received_on, r.reply.outcome))
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect())
}

/// The representations as the allegation's API lists them (no text).
pub(crate) async fn letters_json(
    state: &AppState,
    scope: &TenantScope,
    allegation: AllegationId,
) -> AppResult<Vec<Value>> {
    Ok(state
        .store
        .representations(scope, allegation)
        .await?
        .iter()
        .map(|s| representation_json(s, false))
        .collect())
}

fn representation_json(s: &StoredRepresentation, with_text: bool) -> Value {
    let mut body = json!({
        "id": s.letter.id.to_string(),
        "allegation": s.letter.allegation.to_string(),
        "form": s.letter.form.code(),
        "addressee": s.letter.addressee,
        "sent_on": s.letter.sent_on.to_string(),
        "recorded_by": s.recorded_by,
        "replies": s.replies.iter().map(|r| {
            let mut reply = json!({
                "id": r.reply.id.to_string(),
                "received_on": r.reply.received_on.to_string(),
                "outcome": r.reply.outcome.code(),
                "recorded_by": r.recorded_by,
            });
            if with_text {
                reply["text"] = json!(r.reply.text);
            }
            reply
        }).collect::<Vec<_>>(),
    });
    if with_text {
        body["text"] = json!(s.letter.text);
    }
    body
}

/// §7.5: why a protected text is read; required, at most 200 characters, one line.
fn check_purpose(purpose: &str) -> Result<&str, String> {
    let purpose = purpose.trim();
    if purpose.is_empty() || purpose.chars().count() > 200 || purpose.chars().any(char::is_control)
    {
        return Err(
            "why the representation is read (at most 200 characters); the read is logged with it"
                .into(),
        );
    }
    Ok(purpose)
}

fn day(text: &str) -> Result<Date, String> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("{text:?} is not a date: use YYYY-MM-DD"))
}

/// A store refusal of a representation or a reply, on the field it names.
fn refusal_fields(error: StoreError) -> AppResult<Vec<(String, String)>> {
    let errors = store_errors(
        error,
        "text",
        &[
            "addressee",
            "text",
            "sent_on",
            "received_on",
            "representation",
        ],
    )?;
    Ok(errors
        .into_iter()
        .map(|(field, message)| {
            if message.starts_with("ICRC-VIS-c") {
                ("form".to_owned(), message)
            } else {
                (field, message)
            }
        })
        .collect())
}

/// `POST /protection/allegations/{id}/representations`: a representation as written and sent.
pub(crate) async fn representation_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id: AllegationId = parse_id(&id)?;
    // Another unit's allegation: 404 before anything is parsed.
    state.store.allegation(&member.scope, id).await?;
    let form = Fields::new(pairs);
    let mut check = Check::default();
    let addressee = check.text(&form, "r_addressee", 200, false);
    let kind = check.code::<RepresentationForm>(&form, "r_form", true);
    let sent_on = check.day(&form, "sent_on");
    if form.get("sent_on").is_empty() {
        check.add("sent_on", "required: the day it was handed over or sent");
    }
    let text = check.text(&form, "r_text", 50_000, true);
    let (Some(addressee), Some(kind), Some(sent_on), Some(text), true) =
        (addressee, kind, sent_on, text, check.ok())
    else {
        return render_allegation(&state, &member, id, form, check.0).await;
    };
    let letter = RepresentationLetter {
        id: RepresentationId::new(),
        allegation: id,
        form: kind,
        addressee,
        sent_on,
        text,
    };
    match state
        .store
        .record_representation(&member.scope, &letter)
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/protection/allegations/{id}#representations")).into_response(),
        ),
        Err(error) => {
            let errors = refusal_fields(error)?
                .into_iter()
                .map(|(field, message)| {
                    let field = match field.as_str() {
                        "addressee" | "text" | "form" => format!("r_{field}"),
                        _ => field,
                    };
                    (field, message)
                })
                .collect();
            render_allegation(&state, &member, id, form, errors).await
        }
    }
}

struct ReplyRow {
    received_on: String,
    outcome: &'static str,
    text: String,
    recorded_by: String,
}

#[derive(Template)]
#[template(path = "protection_letter.html")]
struct LetterPage {
    layout: Layout,
    id: String,
    allegation: String,
    addressee: String,
    form_code: &'static str,
    sent_on: String,
    recorded_by: String,
    /// Empty until a purpose is given; then the texts are shown and the read is logged.
    purpose: String,
    text: String,
    replies: Vec<ReplyRow>,
    outcomes: Vec<super::forms::Choice>,
    form: Fields,
    errors: HashMap<String, String>,
}

form_page!(LetterPage);

/// Renders a representation: without a purpose, only what the list shows and a form asking
/// why it is read; with one, the texts, logged as a read with that purpose.
async fn render_representation(
    state: &AppState,
    member: &Authorized<Protect>,
    id: RepresentationId,
    purpose: Option<&str>,
    form: Fields,
    mut errors: Vec<(String, String)>,
) -> AppResult<Response> {
    let scope = &member.scope;
    let stored = state.store.representation(scope, id).await?;
    let purpose = match purpose.map(check_purpose) {
        Some(Ok(purpose)) => Some(purpose.to_owned()),
        Some(Err(message)) => {
            errors.push(("purpose".into(), message));
            None
        }
        None => None,
    };
    if let Some(purpose) = &purpose {
        audit_read(
            state,
            scope,
            format!("representation:{id}"),
            purpose,
            1 + stored.replies.len(),
        )
        .await?;
    }
    let shown = purpose.is_some();
    let invalid = !errors.is_empty();
    let page = LetterPage {
        layout: Layout::new(state, &member.signed_in, "Confidential representation").await?,
        id: id.to_string(),
        allegation: stored.letter.allegation.to_string(),
        addressee: stored.letter.addressee.clone(),
        form_code: stored.letter.form.code(),
        sent_on: stored.letter.sent_on.to_string(),
        recorded_by: stored.recorded_by.clone(),
        purpose: purpose.unwrap_or_default(),
        text: if shown {
            stored.letter.text.clone()
        } else {
            String::new()
        },
        replies: stored
            .replies
            .iter()
            .map(|r| ReplyRow {
                received_on: r.reply.received_on.to_string(),
                outcome: r.reply.outcome.code(),
                text: if shown {
                    r.reply.text.clone().unwrap_or_default()
                } else {
                    String::new()
                },
                recorded_by: r.recorded_by.clone(),
            })
            .collect(),
        outcomes: super::forms::vocabulary(ReplyOutcome::ALL.iter().map(|o| o.code())),
        form,
        errors: errors.into_iter().collect(),
    };
    Ok(with_status(render(&page)?, invalid))
}

/// `GET /protection/representations/{id}[?purpose=…]`.
pub(crate) async fn representation_read_page(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let id: RepresentationId = parse_id(&id)?;
    render_representation(
        &state,
        &member,
        id,
        query.get("purpose").map(String::as_str),
        Fields::default(),
        Vec::new(),
    )
    .await
}

/// `POST /protection/representations/{id}/replies`: the authority's reply and its outcome.
pub(crate) async fn reply_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id: RepresentationId = parse_id(&id)?;
    let allegation = state
        .store
        .representation_allegation(&member.scope, id)
        .await?;
    let form = Fields::new(pairs);
    let purpose = form.get("purpose").to_owned();
    let mut check = Check::default();
    let received_on = check.day(&form, "received_on");
    if form.get("received_on").is_empty() {
        check.add("received_on", "required");
    }
    let outcome = check.code::<ReplyOutcome>(&form, "outcome", true);
    let text = check.opt_text(&form, "reply_text", 20_000, true);
    let (Some(received_on), Some(outcome), true) = (received_on, outcome, check.ok()) else {
        return render_representation(&state, &member, id, Some(&purpose), form, check.0).await;
    };
    let reply = AuthorityReply {
        id: ReplyId::new(),
        representation: id,
        received_on,
        outcome,
        text,
    };
    match state.store.record_reply(&member.scope, &reply).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/protection/allegations/{allegation}#representations"
        ))
        .into_response()),
        Err(error) => {
            let errors = refusal_fields(error)?
                .into_iter()
                .map(|(field, message)| {
                    let field = if field == "text" {
                        "reply_text".to_owned()
                    } else {
                        field
                    };
                    (field, message)
                })
                .collect();
            render_representation(&state, &member, id, Some(&purpose), form, errors).await
        }
    }
}

/// The body of `POST /api/v1/protection/allegations/{id}/representations`.
#[derive(Deserialize)]
pub(crate) struct RepresentationBody {
    form: String,
    addressee: String,
    sent_on: String,
    text: String,
}

/// The body of `POST /api/v1/protection/representations/{id}/replies`.
#[derive(Deserialize)]
pub(crate) struct ReplyBody {
    received_on: String,
    outcome: String,
    #[serde(default)]
    text: Option<String>,
}

fn api_refusal(error: StoreError) -> AppError {
    match refusal_fields(error) {
        Ok(fields) => AppError::Invalid(fields),
        Err(other) => other,
    }
}

/// `Some(value)`, or `None` with the message noted on `field`.
fn noted<T>(
    errors: &mut Vec<(String, String)>,
    field: &str,
    parsed: Result<T, String>,
) -> Option<T> {
    parsed.map_err(|e| errors.push((field.to_owned(), e))).ok()
}

/// What the two create handlers share: records `record` once it parsed (`None` with the
/// messages in `errors` otherwise; a store refusal is 422 on the field it names), then answers
/// 201 with its id and the allegation's status after it (ICRC-VIS-e).
async fn record_and_answer<T>(
    state: &AppState,
    scope: &TenantScope,
    record: Option<T>,
    errors: Vec<(String, String)>,
    write: impl AsyncFnOnce(&T) -> Result<(String, AllegationId), StoreError>,
) -> AppResult<Response> {
    let (Some(record), true) = (record, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let (id, allegation) = write(&record).await.map_err(api_refusal)?;
    let status = state.store.allegation_status(scope, allegation).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": id, "allegation_status": status.code()})),
    )
        .into_response())
}

/// `POST /api/v1/protection/allegations/{id}/representations`: 201 with the new id; 422 naming
/// the field (`form` for a form the consent does not allow, ICRC-VIS-c); another unit's
/// allegation 404.
pub(crate) async fn api_representation_create(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RepresentationBody>,
) -> AppResult<Response> {
    let allegation: AllegationId = parse_id(&id)?;
    let mut errors = Vec::new();
    let form = noted(&mut errors, "form", body.form.parse::<RepresentationForm>());
    let sent_on = noted(&mut errors, "sent_on", day(&body.sent_on));
    for (field, value, max) in [
        ("addressee", &body.addressee, 200),
        ("text", &body.text, 50_000),
    ] {
        if value.trim().is_empty() || value.chars().count() > max {
            errors.push((field.to_owned(), format!("1 to {max} characters")));
        }
    }
    let letter = form
        .zip(sent_on)
        .map(|(form, sent_on)| RepresentationLetter {
            id: RepresentationId::new(),
            allegation,
            form,
            addressee: body.addressee,
            sent_on,
            text: body.text,
        });
    let scope = caller.scope();
    record_and_answer(&state, scope, letter, errors, async |letter| {
        state.store.record_representation(scope, letter).await?;
        Ok((letter.id.to_string(), allegation))
    })
    .await
}

/// `POST /api/v1/protection/representations/{id}/replies`: 201 with the reply's id and the
/// allegation's status after it.
pub(crate) async fn api_reply_create(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> AppResult<Response> {
    let representation: RepresentationId = parse_id(&id)?;
    let mut errors = Vec::new();
    let outcome = noted(&mut errors, "outcome", body.outcome.parse::<ReplyOutcome>());
    let received_on = noted(&mut errors, "received_on", day(&body.received_on));
    let text = body.text.filter(|t| !t.trim().is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 20_000) {
        errors.push(("text".to_owned(), "at most 20000 characters".to_owned()));
    }
    let reply = outcome
        .zip(received_on)
        .map(|(outcome, received_on)| AuthorityReply {
            id: ReplyId::new(),
            representation,
            received_on,
            outcome,
            text,
        });
    let scope = caller.scope();
    record_and_answer(&state, scope, reply, errors, async |reply| {
        state.store.record_reply(scope, reply).await?;
        let allegation = state
            .store
            .representation_allegation(scope, representation)
            .await?;
        Ok((reply.id.to_string(), allegation))
    })
    .await
}

/// `GET /api/v1/protection/representations/{id}?purpose=…`: the representation and its
/// replies with their texts. The purpose is required (422 on `purpose`, before the lookup) and
/// logged with the read; another unit's representation answers 404.
pub(crate) async fn api_representation_read(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let purpose = check_purpose(query.get("purpose").map_or("", String::as_str))
        .map_err(|m| AppError::Invalid(vec![("purpose".into(), m)]))?
        .to_owned();
    let id: RepresentationId = parse_id(&id)?;
    let stored = state.store.representation(caller.scope(), id).await?;
    audit_read(
        &state,
        caller.scope(),
        format!("representation:{id}"),
        &purpose,
        1 + stored.replies.len(),
    )
    .await?;
    Ok(Json(representation_json(&stored, true)).into_response())
}

/// Today, for the forms' defaults.
pub(crate) fn today() -> String {
    OffsetDateTime::now_utc().date().to_string()
}
