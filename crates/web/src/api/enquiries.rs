//! `/api/v1/enquiries` and `/api/v1/lists` (issue 5; GC3-122-g, GC4-137-a; GC3-46-a, GC4-127):
//! the same checks as the `/enquiries` page (`html::enquiries`), in JSON.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use store::{EnquiryRecord, ListRecord, NewList};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{ApiJson, Json};
use crate::authz::{ApiAuthorized, Enquire, ReadRegistry, Register, Trace};
use crate::error::{AppError, AppResult};
use crate::html::enquiries::{ask, parse_ask};
use crate::state::AppState;
use crate::transmission::messages::EnquiryState;

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn created(location: String, body: Value) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub(crate) fn enquiry_json(enquiry: &EnquiryRecord, now: OffsetDateTime) -> Value {
    json!({
        "id": enquiry.id.to_string(),
        "reference": enquiry.reference,
        "direction": enquiry.direction.code(),
        "peer": enquiry.peer,
        "person": enquiry.person.map(|p| p.to_string()),
        "subject_reference": enquiry.subject_reference,
        "tracing_request": enquiry.tracing_request.map(|t| t.to_string()),
        "sought": enquiry.sought,
        "question": enquiry.question,
        "asked_by": enquiry.asked_by,
        "asked_at": rfc3339(enquiry.asked_at),
        "due_at": rfc3339(enquiry.due_at),
        "state": EnquiryState::of(enquiry, now),
        "answers": enquiry.answers.iter().map(|a| json!({
            "reference": a.reference,
            "given": a.given,
            "answer": a.answer,
            "persons": a.persons,
            "answered_by": a.answered_by,
            "answered_at": rfc3339(a.answered_at),
        })).collect::<Vec<_>>(),
        "closure": enquiry.closure.as_ref().map(|c| json!({
            "outcome": c.outcome.code(),
            "reason": c.reason,
            "closed_by": c.closed_by,
            "closed_at": rfc3339(c.closed_at),
            // At a bureau: withdrawn by the agency that asked (migration 0019).
            "received": c.received,
        })),
    })
}

/// `GET /api/v1/enquiries`: asked (the agency) or received (a bureau), with their answers.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: ApiAuthorized<Enquire>,
) -> AppResult<Response> {
    let now = OffsetDateTime::now_utc();
    let items: Vec<Value> = state
        .store
        .enquiries(caller.scope())
        .await?
        .iter()
        .map(|e| enquiry_json(e, now))
        .collect();
    Ok(Json(json!({ "enquiries": items })).into_response())
}

#[derive(Deserialize)]
pub(crate) struct AskBody {
    #[serde(default)]
    peer: String,
    /// The person's reference at the agency, e.g. `bureau-a:A-2`.
    #[serde(default)]
    person: Option<String>,
    /// A tracing request's reference or id.
    #[serde(default)]
    tracing_request: Option<String>,
    #[serde(default)]
    question: String,
    #[serde(default)]
    due_days: Option<u32>,
}

/// `POST /api/v1/enquiries`: the agency asks a bureau.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: ApiAuthorized<Trace>,
    ApiJson(body): ApiJson<AskBody>,
) -> AppResult<Response> {
    let mut input = HashMap::new();
    input.insert("peer".to_owned(), body.peer);
    input.insert("question".to_owned(), body.question);
    if let Some(person) = body.person {
        input.insert("person".to_owned(), person);
    }
    if let Some(tracing) = body.tracing_request {
        input.insert("tracing".to_owned(), tracing);
    }
    if let Some(days) = body.due_days {
        input.insert("due_days".to_owned(), days.to_string());
    }
    let new = parse_ask(&state, caller.scope(), &input)
        .await?
        .map_err(AppError::Invalid)?;
    let record = ask(&state, caller.scope(), &new)
        .await?
        .map_err(AppError::Invalid)?;
    Ok(created(
        "/api/v1/enquiries".to_owned(),
        enquiry_json(&record, OffsetDateTime::now_utc()),
    ))
}

#[derive(Deserialize)]
pub(crate) struct AnswerBody {
    #[serde(default)]
    answer: String,
    #[serde(default)]
    persons: Vec<String>,
}

/// `POST /api/v1/enquiries/{id}/answer`: a bureau answers an enquiry it received.
pub(crate) async fn answer(
    State(state): State<AppState>,
    caller: ApiAuthorized<Register>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> AppResult<Response> {
    let text = body.answer.trim();
    if text.is_empty() || text.chars().count() > 4000 {
        return Err(AppError::Invalid(vec![(
            "answer".into(),
            "write the answer (1 to 4000 characters)".into(),
        )]));
    }
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    state
        .store
        .answer_enquiry(caller.scope(), id, text, &body.persons)
        .await?;
    let enquiry = state.store.enquiry(caller.scope(), id).await?;
    Ok(created(
        "/api/v1/enquiries".to_owned(),
        enquiry_json(&enquiry, OffsetDateTime::now_utc()),
    ))
}

#[derive(Deserialize)]
pub(crate) struct CloseBody {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/enquiries/{id}/close`: a caseworker closes an enquiry asked (answered by other
/// means, or withdrawn) with a reason; it leaves the compliance view's owed count.
pub(crate) async fn close(
    State(state): State<AppState>,
    caller: ApiAuthorized<Trace>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CloseBody>,
) -> AppResult<Response> {
    let (outcome, reason) = crate::html::enquiries::parse_close(&body.outcome, &body.reason)
        .map_err(AppError::Invalid)?;
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    state
        .store
        .close_enquiry(caller.scope(), id, outcome, &reason)
        .await?;
    tracing::info!(enquiry = %id, outcome = outcome.code(), "enquiry closed");
    let enquiry = state.store.enquiry(caller.scope(), id).await?;
    Ok(Json(enquiry_json(&enquiry, OffsetDateTime::now_utc())).into_response())
}

fn list_json(list: &ListRecord, references: &HashMap<domain::PersonId, String>) -> Value {
    json!({
        "id": list.id.to_string(),
        "reference": list.reference,
        "direction": if list.drawn { "drawn" } else { "received" },
        "peer": list.peer,
        "title": list.title,
        "rule": list.rule,
        "drawn_by": list.drawn_by,
        "drawn_at": rfc3339(list.drawn_at),
        "persons": list.persons.iter().map(|p| references.get(p).cloned().unwrap_or_default()).collect::<Vec<_>>(),
    })
}

async fn references_of(
    state: &AppState,
    scope: &store::TenantScope,
    lists: &[ListRecord],
) -> AppResult<HashMap<domain::PersonId, String>> {
    let mut ids: Vec<domain::PersonId> = lists.iter().flat_map(|l| l.persons.clone()).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(state
        .store
        .person_records(scope, &ids)
        .await?
        .into_iter()
        .map(|r| (r.person.id, r.person.reference))
        .collect())
}

/// `GET /api/v1/lists`: lists drawn up here or received, with the persons' references.
pub(crate) async fn lists(
    State(state): State<AppState>,
    caller: ApiAuthorized<ReadRegistry>,
) -> AppResult<Response> {
    let lists = state.store.lists(caller.scope()).await?;
    let references = references_of(&state, caller.scope(), &lists).await?;
    let items: Vec<Value> = lists.iter().map(|l| list_json(l, &references)).collect();
    Ok(Json(json!({ "lists": items })).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ListBody {
    #[serde(default)]
    title: String,
    #[serde(default)]
    rule: Option<String>,
    /// The persons' references in this tenant.
    #[serde(default)]
    persons: Vec<String>,
    /// Or: the list drawn from the records (`html::lists::derive`).
    #[serde(default)]
    from_records: Option<FromRecords>,
}

#[derive(Deserialize)]
pub(crate) struct FromRecords {
    #[serde(default)]
    list: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
}

/// `POST /api/v1/lists`: a bureau draws up a list; it goes with the next envelope to each peer.
pub(crate) async fn draw(
    State(state): State<AppState>,
    caller: ApiAuthorized<Register>,
    ApiJson(body): ApiJson<ListBody>,
) -> AppResult<Response> {
    if let Some(derived) = body.from_records {
        if !body.persons.is_empty() {
            return Err(AppError::Invalid(vec![(
                "persons".to_owned(),
                "give persons or from_records, not both".to_owned(),
            )]));
        }
        let input = crate::html::lists::DeriveInput {
            list: derived.list,
            place: derived.place,
            from: derived.from,
            until: derived.until,
            title: body.title,
        };
        let list = crate::html::lists::derive(&state.store, caller.scope(), &input)
            .await
            .map_err(crate::transmission::lists::app_error)?
            .map_err(AppError::Invalid)?;
        let references = references_of(&state, caller.scope(), std::slice::from_ref(&list)).await?;
        return Ok(created(
            "/api/v1/lists".to_owned(),
            list_json(&list, &references),
        ));
    }
    let mut errors = Vec::new();
    if body.title.trim().is_empty() || body.title.chars().count() > 200 {
        errors.push((
            "title".to_owned(),
            "a title of 1 to 200 characters".to_owned(),
        ));
    }
    if body.persons.is_empty() || body.persons.len() > store::LIST_ROWS_MAX {
        errors.push((
            "persons".to_owned(),
            format!("1 to {} person references", store::LIST_ROWS_MAX),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let found = state
        .store
        .persons_by_reference(caller.scope(), &body.persons)
        .await?;
    let mut persons = Vec::with_capacity(body.persons.len());
    for (i, reference) in body.persons.iter().enumerate() {
        match found.get(reference) {
            Some(id) => persons.push(*id),
            None => {
                return Err(AppError::Invalid(vec![(
                    "persons".to_owned(),
                    format!(
                        "row {}: no person of this tenant has the reference {reference:?}",
                        i + 1
                    ),
                )]));
            }
        }
    }
    let list = state
        .store
        .draw_list(
            caller.scope(),
            &NewList {
                title: body.title,
                rule: body.rule.filter(|r| !r.trim().is_empty()),
                persons,
            },
        )
        .await?;
    let references = references_of(&state, caller.scope(), std::slice::from_ref(&list)).await?;
    Ok(created(
        "/api/v1/lists".to_owned(),
        list_json(&list, &references),
    ))
}
