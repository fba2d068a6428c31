//! `/enquiries`: enquiries about protected persons and their answers (issue 5; GC3-122-g,
//! GC4-137-a: the bureau replies to all enquiries, the agency forwards them). At the agency a
//! caseworker asks a bureau about a person it notified or a family's tracing request; at the
//! bureau a clerk or officer answers. Both travel in signed envelopes
//! (`transmission::messages`); the page shows each enquiry's target (§10 #47) and state.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use store::{EnquiryRecord, NewEnquiry, StoreError, TenantScope};
use time::OffsetDateTime;

use crate::auth::{CsrfForm, SignedIn};
use crate::authz::{Authorized, Enquire, Register, Trace};
use crate::error::{AppError, AppResult};
use crate::html::register::FieldErrors;
use crate::html::{Layout, datetime, render};
use crate::state::AppState;
use crate::transmission::messages::{EnquiryState, to_answer};
use store::ClosureOutcome;

/// One enquiry as the page shows it.
pub(crate) struct EnquiryView {
    pub id: String,
    pub reference: String,
    pub peer: String,
    pub about: String,
    pub question: String,
    pub asked_by: String,
    pub asked_at: String,
    pub due_at: String,
    pub state: &'static str,
    /// The status class: `overdue`, `due` (open), `done`, `done-late`.
    pub css: &'static str,
    pub to_answer: bool,
    /// An enquiry this tenant asked and has not closed.
    pub closable: bool,
    /// How and why it was closed.
    pub closure: Option<String>,
    /// `(when, by, answer, persons)`.
    pub answers: Vec<(String, String, String, String)>,
}

impl EnquiryView {
    pub(crate) fn of(enquiry: &EnquiryRecord, now: OffsetDateTime) -> Self {
        let state = EnquiryState::of(enquiry, now);
        let about = match (&enquiry.subject_reference, &enquiry.sought) {
            (Some(reference), _) => format!("person {reference}"),
            (None, Some(sought)) => format!("sought: {sought}"),
            (None, None) => String::new(),
        };
        Self {
            id: enquiry.id.to_string(),
            reference: enquiry.reference.clone(),
            peer: enquiry.peer.clone(),
            about,
            question: enquiry.question.clone(),
            asked_by: enquiry.asked_by.clone(),
            asked_at: datetime(enquiry.asked_at),
            due_at: datetime(enquiry.due_at),
            state: state.label(),
            css: match state {
                EnquiryState::Overdue => "overdue",
                EnquiryState::Open => "due",
                EnquiryState::AnsweredOnTime | EnquiryState::ClosedAnswered => "done",
                EnquiryState::AnsweredLate => "done-late",
                EnquiryState::Withdrawn => "closed",
            },
            closable: enquiry.direction == store::EnquiryDirection::Asked
                && enquiry.closure.is_none(),
            closure: enquiry.closure.as_ref().map(|c| {
                if c.received {
                    // GC3-122-g: the asker withdrew it (migration 0019); no answer is owed.
                    format!(
                        "Withdrawn by {} on {} ({}): {}",
                        enquiry.peer,
                        datetime(c.closed_at),
                        c.closed_by,
                        c.reason
                    )
                } else {
                    format!(
                        "Closed as {} on {} by {}: {}",
                        c.outcome.code(),
                        datetime(c.closed_at),
                        c.closed_by,
                        c.reason
                    )
                }
            }),
            to_answer: to_answer(enquiry),
            answers: enquiry
                .answers
                .iter()
                .map(|a| {
                    (
                        datetime(a.answered_at),
                        a.answered_by.clone(),
                        a.answer.clone(),
                        a.persons.join(", "),
                    )
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "enquiries.html")]
struct EnquiriesPage {
    layout: Layout,
    enquiries: Vec<EnquiryView>,
    /// The agency asks; a bureau answers.
    asks: bool,
    answers: bool,
    peers: Vec<String>,
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    /// The enquiry an answer form was refused for, and why.
    answer_error: Option<(String, String)>,
    /// Withdrawals received before their enquiry (migration 0021): `(reference, peer, when
    /// withdrawn, by)`. Each closes its enquiry when it arrives.
    held: Vec<(String, String, String, String)>,
}

impl EnquiriesPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }
    fn answer_error_for(&self, id: &str) -> &str {
        match &self.answer_error {
            Some((for_id, message)) if for_id == id => message,
            _ => "",
        }
    }
}

struct PageInput {
    values: HashMap<String, String>,
    errors: FieldErrors,
    answer_error: Option<(String, String)>,
}

async fn page_with(
    state: &AppState,
    signed_in: &SignedIn,
    scope: &TenantScope,
    input: PageInput,
) -> AppResult<Response> {
    let layout = Layout::new(state, signed_in, "Enquiries").await?;
    let now = OffsetDateTime::now_utc();
    let enquiries = state
        .store
        .enquiries(scope)
        .await?
        .iter()
        .map(|e| EnquiryView::of(e, now))
        .collect();
    let peers = state
        .store
        .peers(scope)
        .await?
        .into_iter()
        .map(|p| p.peer)
        .collect();
    let held = state
        .store
        .parked_withdrawals(scope)
        .await?
        .into_iter()
        .map(|w| (w.reference, w.peer, datetime(w.closed_at), w.closed_by))
        .collect();
    let status = if input.errors.is_empty() && input.answer_error.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(&EnquiriesPage {
        asks: layout.traces,
        answers: layout.registers,
        layout,
        enquiries,
        peers,
        values: input.values,
        errors: input.errors.into_iter().collect(),
        answer_error: input.answer_error,
        held,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /enquiries`.
pub(crate) async fn page(
    State(state): State<AppState>,
    member: Authorized<Enquire>,
) -> AppResult<Response> {
    page_with(
        &state,
        &member.signed_in,
        &member.scope,
        PageInput {
            values: HashMap::new(),
            errors: Vec::new(),
            answer_error: None,
        },
    )
    .await
}

/// Reads an enquiry to ask from form or API fields: `peer`, `person` (the reference the agency
/// holds, e.g. `bureau-a:A-2`), `tracing` (a tracing request's reference or id), `question`,
/// `due_days` (the target, 1 to 365 days; 14 when empty).
pub(crate) async fn parse_ask(
    state: &AppState,
    scope: &TenantScope,
    input: &HashMap<String, String>,
) -> AppResult<Result<NewEnquiry, FieldErrors>> {
    let field = |key: &str| input.get(key).map_or("", |v| v.trim());
    let mut errors: FieldErrors = Vec::new();
    let peer = field("peer");
    if peer.is_empty() || peer.len() > 200 {
        errors.push((
            "peer".into(),
            "name the bureau asked (1 to 200 characters)".into(),
        ));
    }
    let question = field("question");
    if question.is_empty() || question.chars().count() > 4000 {
        errors.push((
            "question".into(),
            "write the question (1 to 4000 characters)".into(),
        ));
    }
    let mut person = None;
    if !field("person").is_empty() {
        let reference = field("person").to_owned();
        person = state
            .store
            .persons_by_reference(scope, std::slice::from_ref(&reference))
            .await?
            .get(&reference)
            .copied();
        if person.is_none() {
            errors.push((
                "person".into(),
                format!("no person of this tenant has the reference {reference:?}"),
            ));
        }
    }
    let mut tracing_request = None;
    if !field("tracing").is_empty() {
        let wanted = field("tracing");
        tracing_request = state
            .store
            .tracing_requests(scope, 100_000)
            .await?
            .into_iter()
            .find(|r| r.request.reference == wanted || r.id.to_string() == wanted)
            .map(|r| r.id);
        if tracing_request.is_none() {
            errors.push((
                "tracing".into(),
                format!("no tracing request of this tenant is {wanted:?}"),
            ));
        }
    }
    if field("person").is_empty() && field("tracing").is_empty() {
        errors.push((
            "person".into(),
            "name a person (their reference here) or a tracing request".into(),
        ));
    }
    let due_at = match field("due_days") {
        "" => None,
        days => match days.parse::<i64>() {
            Ok(days) if (1..=365).contains(&days) => {
                Some(OffsetDateTime::now_utc() + time::Duration::days(days))
            }
            _ => {
                errors.push(("due_days".into(), "a number of days from 1 to 365".into()));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(NewEnquiry {
        peer: peer.to_owned(),
        person,
        tracing_request,
        question: question.to_owned(),
        due_at,
    }))
}

/// Asks, turning the store's refusals into field messages.
pub(crate) async fn ask(
    state: &AppState,
    scope: &TenantScope,
    new: &NewEnquiry,
) -> AppResult<Result<EnquiryRecord, FieldErrors>> {
    match state.store.ask_enquiry(scope, new).await {
        Ok(record) => {
            tracing::info!(enquiry = %record.id, "enquiry asked");
            Ok(Ok(record))
        }
        Err(StoreError::Invalid(message)) => Ok(Err(vec![("tracing".into(), message)])),
        Err(other) => Err(other.into()),
    }
}

/// `POST /enquiries`: the agency asks a bureau (GC4-137-a, GC3-123-a).
pub(crate) async fn submit(
    State(state): State<AppState>,
    member: Authorized<Trace>,
    CsrfForm(input): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let new = match parse_ask(&state, &member.scope, &input).await? {
        Ok(new) => new,
        Err(errors) => {
            return page_with(
                &state,
                &member.signed_in,
                &member.scope,
                PageInput {
                    values: input,
                    errors,
                    answer_error: None,
                },
            )
            .await;
        }
    };
    match ask(&state, &member.scope, &new).await? {
        Ok(_) => Ok(Redirect::to("/enquiries").into_response()),
        Err(errors) => {
            page_with(
                &state,
                &member.signed_in,
                &member.scope,
                PageInput {
                    values: input,
                    errors,
                    answer_error: None,
                },
            )
            .await
        }
    }
}

/// The persons an answer names: the bureau's references, one per line or comma.
pub(crate) fn persons_of(text: &str) -> Vec<String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `POST /enquiries/{id}/answer`: the bureau answers (GC3-122-g). The answer is checked before
/// the enquiry is looked up; an enquiry of another tenant answers 404.
pub(crate) async fn answer(
    State(state): State<AppState>,
    member: Authorized<Register>,
    Path(id): Path<String>,
    CsrfForm(input): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let text = input.get("answer").map_or("", |v| v.trim());
    if text.is_empty() || text.chars().count() > 4000 {
        return Err(AppError::Invalid(vec![(
            "answer".into(),
            "write the answer (1 to 4000 characters)".into(),
        )]));
    }
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let persons = persons_of(input.get("persons").map_or("", String::as_str));
    match state
        .store
        .answer_enquiry(&member.scope, id, text, &persons)
        .await
    {
        Ok(_) => {
            tracing::info!(enquiry = %id, "enquiry answered");
            Ok(Redirect::to("/enquiries").into_response())
        }
        Err(StoreError::Invalid(message)) => {
            page_with(
                &state,
                &member.signed_in,
                &member.scope,
                PageInput {
                    values: HashMap::new(),
                    errors: Vec::new(),
                    answer_error: Some((id.to_string(), message)),
                },
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// Reads a closure: `outcome` (`answered` or `withdrawn`) and `reason` (1 to 2000 characters).
///
/// # Errors
/// The field messages.
pub(crate) fn parse_close(
    outcome: &str,
    reason: &str,
) -> Result<(ClosureOutcome, String), FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let outcome = match ClosureOutcome::parse(outcome.trim()) {
        Ok(outcome) => Some(outcome),
        Err(_) => {
            errors.push((
                "outcome".into(),
                "closed as answered (by other means) or withdrawn".into(),
            ));
            None
        }
    };
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        errors.push((
            "reason".into(),
            "say why the enquiry is closed (1 to 2000 characters)".into(),
        ));
    }
    match outcome {
        Some(outcome) if errors.is_empty() => Ok((outcome, reason.to_owned())),
        _ => Err(errors),
    }
}

/// `POST /enquiries/{id}/close`: a caseworker closes an enquiry the agency asked, answered by
/// other means or withdrawn, with a reason (GC3-122-g, §10 #47: it is no longer owed). The form
/// is checked before the enquiry is looked up; an enquiry of another tenant answers 404.
pub(crate) async fn close(
    State(state): State<AppState>,
    member: Authorized<Trace>,
    Path(id): Path<String>,
    CsrfForm(input): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let (outcome, reason) = parse_close(
        input.get("outcome").map_or("", String::as_str),
        input.get("reason").map_or("", String::as_str),
    )
    .map_err(AppError::Invalid)?;
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    match state
        .store
        .close_enquiry(&member.scope, id, outcome, &reason)
        .await
    {
        Ok(_) => {
            tracing::info!(enquiry = %id, outcome = outcome.code(), "enquiry closed");
            Ok(Redirect::to("/enquiries").into_response())
        }
        Err(StoreError::Invalid(message)) => {
            page_with(
                &state,
                &member.signed_in,
                &member.scope,
                PageInput {
                    values: HashMap::new(),
                    errors: Vec::new(),
                    answer_error: Some((id.to_string(), message)),
                },
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
