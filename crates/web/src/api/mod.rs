//! The JSON API under `/api/v1`, for machine clients with a bearer token.
//!
//! Every error is `{"error":{"code":…,"message":…}}` with a stable code from
//! [`AppError::CODES`] (and `fields` for per-field validation messages). Bodies are JSON only
//! (`415` otherwise) and at most [`BODY_LIMIT`] bytes (`413`). The validation is the same code as
//! the HTML forms' (`html::register`, `html::agency`), so both say the same thing about the same
//! input. DTOs are written by hand here and converted to and from domain types; the domain has no
//! serde (style rule 2).

pub(crate) mod enquiries;
pub(crate) mod links;
mod openapi;
pub(crate) mod subject;
pub(crate) mod transmissions;

use std::collections::HashMap;

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::{AssertedValue, CurrentView, FieldKey, Presence};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub(crate) use openapi::openapi;

use crate::authz::{ApiAuthorized, ReadRegistry, Register, Trace};
use crate::error::{AppError, AppResult, ErrorInfo};
use crate::html::agency::{
    parse_tracing_request, reference_filter, request_id, stage_filter, store_tracing_request,
};
use crate::html::deadlines::tenant_obligations;
use crate::html::register::{
    parse_event, parse_registration, person_id, store_event, store_registration,
};
use crate::state::AppState;

/// A JSON response (axum's `json` feature is not enabled: this is all the API needs of it).
pub(crate) struct Json(pub Value);

impl IntoResponse for Json {
    fn into_response(self) -> Response {
        (
            [(header::CONTENT_TYPE, "application/json")],
            self.0.to_string(),
        )
            .into_response()
    }
}

/// The largest body the API accepts.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// Turns every error response of an API route into the JSON error shape. Errors the app raised
/// carry an [`ErrorInfo`]; the framework's own (a bad path or query) are named by status.
pub(crate) async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let info = response.extensions().get::<ErrorInfo>().cloned();
    if info.is_none() && !status.is_client_error() && !status.is_server_error() {
        return response;
    }
    let (status, code, message, fields) = match info {
        Some(info) => {
            let status = match info.code {
                // A page redirects to sign in; a machine gets 401.
                "unauthenticated" | "session_expired" | "second_factor_required" => {
                    StatusCode::UNAUTHORIZED
                }
                _ => status,
            };
            (status, info.code, info.message, info.fields)
        }
        None => {
            let code = match status {
                StatusCode::NOT_FOUND => "not_found",
                StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
                StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
                StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
                StatusCode::UNPROCESSABLE_ENTITY => "invalid",
                s if s.is_client_error() => "bad_request",
                _ => "internal",
            };
            let message = status.canonical_reason().unwrap_or("error").to_owned();
            (status, code, message, Vec::new())
        }
    };
    let mut body = json!({"error": {"code": code, "message": message}});
    if !fields.is_empty() {
        let map: serde_json::Map<String, Value> = fields
            .into_iter()
            .map(|(field, message)| (api_field_name(&field), Value::String(message)))
            .collect();
        body["error"]["fields"] = Value::Object(map);
    }
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let mut out = (status, Json(body)).into_response();
    if let Some(retry_after) = retry_after {
        out.headers_mut().insert(header::RETRY_AFTER, retry_after);
    }
    if status == StatusCode::UNAUTHORIZED {
        out.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    out
}

/// The API's name for a form field: `f_rank` → `fields.rank`, `name_family` → `name.family`,
/// `sought_given` → `sought.given`.
fn api_field_name(form: &str) -> String {
    if let Some(code) = form.strip_prefix("f_").or_else(|| form.strip_prefix("a_")) {
        return format!("fields.{code}");
    }
    for (prefix, object) in [("name_", "name."), ("sought_", "sought.")] {
        if let Some(rest) = form.strip_prefix(prefix) {
            return format!("{object}{rest}");
        }
    }
    match form {
        "enquirer_name" => "enquirer.name".into(),
        "enquirer_contact" => "enquirer.contact".into(),
        "relationship" => "enquirer.relationship".into(),
        "consent_tracing" => "consent.tracing".into(),
        other => other.to_owned(),
    }
}

/// A JSON body: `application/json` only, at most [`BODY_LIMIT`] bytes, errors with line and
/// column.
pub(crate) struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, AppError> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = axum::body::to_bytes(request.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        serde_json::from_slice(&bytes).map(ApiJson).map_err(|e| {
            AppError::BadForm(format!("line {}, column {}: {e}", e.line(), e.column()))
        })
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    q: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

/// `GET /api/v1/persons?q=&offset=&limit=`.
pub(crate) async fn persons_list(
    State(state): State<AppState>,
    caller: ApiAuthorized<ReadRegistry>,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let offset = query.offset.unwrap_or(0).max(0);
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let mut similar = None;
    let (persons, total) = match search {
        None => {
            let page = state
                .store
                .list_persons(caller.scope(), offset, limit)
                .await?;
            (page.persons, page.total)
        }
        Some(q) => {
            let (directory, hidden) = crate::directory::directory(&state, caller.scope()).await?;
            if offset == 0 {
                similar = similar_json(&state, caller.scope(), q, &directory, &hidden).await?;
            }
            let found = directory.search(
                q,
                &hidden,
                usize::try_from(offset).unwrap_or(usize::MAX),
                usize::try_from(limit).unwrap_or(500),
            );
            (found.persons.into_iter().cloned().collect(), found.total)
        }
    };
    let persons: Vec<Value> = persons
        .into_iter()
        .map(|p| {
            json!({
                "id": p.id.to_string(),
                "reference": p.reference,
                "category": p.category.code(),
                "name": p.display_name,
                "registered_at": rfc3339(p.registered_at),
            })
        })
        .collect();
    let mut body = json!({"total": total, "offset": offset, "limit": limit, "persons": persons});
    if let Some(similar) = similar {
        body["similar"] = Value::Array(similar);
    }
    Ok(Json(body).into_response())
}

/// On the first page of a name search, the persons the matching engine finds alike that the
/// prefix search does not list (another script, spelling or order), with the engine's
/// probability and its explanation per feature (MATCH-7). `None` for a query without letters.
async fn similar_json(
    state: &AppState,
    scope: &store::TenantScope,
    q: &str,
    directory: &crate::directory::Directory,
    hidden: &std::collections::HashSet<domain::PersonId>,
) -> AppResult<Option<Vec<Value>>> {
    let found =
        crate::search::alike_unlisted(state, scope, q, directory, hidden, SIMILAR_LIMIT).await?;
    Ok(found.map(|found| {
        found
            .into_iter()
            .map(|p| {
                json!({
                    "id": p.person.to_string(),
                    "reference": p.reference,
                    "name": p.display_name,
                    "score": p.score,
                    "features": p.features.iter().map(|f| json!({
                        "feature": f.feature, "outcome": f.outcome, "outcome_words": f.words,
                        "weight": f.weight, "text": f.text,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect()
    }))
}

/// How many alike names a search answers beside its prefix matches.
const SIMILAR_LIMIT: usize = 10;

fn value_json(value: &AssertedValue) -> Value {
    match value {
        AssertedValue::Name(name) => json!({
            "name": name.parts().iter().map(|p| json!({
                "kind": p.kind.code(),
                "value": p.value(),
                "script": p.script.as_str(),
                "language": p.language.as_ref().map(|l| l.as_str()),
            })).collect::<Vec<_>>(),
            "display": name.display(),
        }),
        AssertedValue::Date(date) => {
            json!({"date": date.original(), "canonical": date.canonical()})
        }
        other => json!({"text": other.display()}),
    }
}

/// `GET /api/v1/persons/{id}`: standing and superseded values with their sources, and events.
pub(crate) async fn person_get(
    State(state): State<AppState>,
    caller: ApiAuthorized<ReadRegistry>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = person_id(&id)?;
    let record = state.store.person(caller.scope(), id).await?;
    let sources: HashMap<_, _> = record.sources.iter().map(|s| (s.id, s)).collect();
    let view = CurrentView::project(&record.assertions);
    let assertion_json = |a: &domain::Assertion| {
        let source = sources.get(&a.source);
        let mut out = match &a.value {
            Presence::Present(value) => json!({"value": value_json(value)}),
            Presence::Absent(reason) => json!({"absent": reason.code()}),
        };
        out["recorded_at"] = json!(rfc3339(a.recorded_at));
        out["locator"] = json!(a.locator);
        out["source"] = source.map_or(Value::Null, |s| {
            json!({
                "kind": s.kind.code(),
                "reference": s.reference,
                "collected_by": s.collected_by,
                "collected_at": rfc3339(s.collected_at),
                "language": s.language.as_ref().map(|l| l.as_str()),
                "confidence": s.confidence.percent(),
            })
        });
        out
    };
    let fields: serde_json::Map<String, Value> = FieldKey::ALL
        .into_iter()
        .filter_map(|field| {
            view.fields.get(&field).map(|f| {
                (
                    field.code().to_owned(),
                    json!({
                        "conflicting": f.is_conflicting(),
                        "standing": f.standing.iter().map(|a| assertion_json(a)).collect::<Vec<_>>(),
                        "superseded": f.superseded.iter().map(|a| assertion_json(a)).collect::<Vec<_>>(),
                    }),
                )
            })
        })
        .collect();
    let events: Vec<Value> = record
        .events
        .iter()
        .map(|e| {
            json!({
                "id": e.id.to_string(),
                "kind": e.kind.code(),
                "occurred_at": rfc3339(e.occurred_at),
                "place": e.place.map(|p| p.to_string()),
                "place_to": e.place_to.map(|p| p.to_string()),
                "note": e.note,
            })
        })
        .collect();
    Ok(Json(json!({
        "id": record.person.id.to_string(),
        "reference": record.person.reference,
        "category": record.person.category.code(),
        "registered_at": rfc3339(record.person.registered_at),
        "fields": fields,
        "events": events,
    }))
    .into_response())
}

/// A name in the API: parts by kind, and the language they are written in.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct NameBody {
    family: Option<String>,
    given: Option<String>,
    patronymic: Option<String>,
    language: Option<String>,
}

/// A field's value: text, or `{"absent": "<reason>"}`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum FieldBody {
    Text(String),
    Absent { absent: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisterBody {
    reference: String,
    category: String,
    #[serde(default)]
    name: Option<NameBody>,
    /// The reason there is no name, instead of `name`.
    #[serde(default)]
    name_absent: Option<String>,
    #[serde(default)]
    fields: HashMap<String, FieldBody>,
    #[serde(default)]
    fell_into_power_at: Option<String>,
}

fn put(map: &mut HashMap<String, String>, key: &str, value: Option<String>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), value);
    }
}

fn created(location: String, body: Value) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// `POST /api/v1/persons`.
pub(crate) async fn persons_register(
    State(state): State<AppState>,
    caller: ApiAuthorized<Register>,
    ApiJson(body): ApiJson<RegisterBody>,
) -> AppResult<Response> {
    let mut input = HashMap::new();
    input.insert("reference".to_owned(), body.reference);
    input.insert("category".to_owned(), body.category);
    let name = body.name.unwrap_or_default();
    put(&mut input, "name_family", name.family);
    put(&mut input, "name_given", name.given);
    put(&mut input, "name_patronymic", name.patronymic);
    put(&mut input, "name_language", name.language);
    put(&mut input, "name_absent", body.name_absent);
    put(&mut input, "fell_into_power_at", body.fell_into_power_at);
    let known: Vec<&str> = crate::html::register::FIELDS
        .iter()
        .map(|(f, _)| f.code())
        .collect();
    let mut errors = Vec::new();
    for (code, value) in body.fields {
        if !known.contains(&code.as_str()) {
            errors.push((
                format!("f_{code}"),
                "not a field of the registration".to_owned(),
            ));
            continue;
        }
        match value {
            FieldBody::Text(text) => input.insert(format!("f_{code}"), text),
            FieldBody::Absent { absent } => input.insert(format!("a_{code}"), absent),
        };
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let registration =
        parse_registration(&input, OffsetDateTime::now_utc()).map_err(AppError::Invalid)?;
    let id = store_registration(
        &state,
        caller.scope(),
        &caller.principal.name,
        &registration,
    )
    .await?
    .map_err(AppError::Invalid)?;
    Ok(created(
        format!("/api/v1/persons/{id}"),
        json!({"id": id.to_string(), "reference": registration.person.reference}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventBody {
    kind: String,
    occurred_at: String,
    #[serde(default)]
    place: Option<String>,
    #[serde(default)]
    place_to: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

/// `POST /api/v1/persons/{id}/events`.
pub(crate) async fn events_record(
    State(state): State<AppState>,
    caller: ApiAuthorized<Register>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EventBody>,
) -> AppResult<Response> {
    let person = person_id(&id)?;
    let mut input = HashMap::new();
    input.insert("kind".to_owned(), body.kind);
    input.insert("occurred_at".to_owned(), body.occurred_at);
    put(&mut input, "place", body.place);
    put(&mut input, "place_to", body.place_to);
    put(&mut input, "note", body.note);
    let places: Vec<_> = state
        .store
        .places(caller.scope())
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let parsed =
        parse_event(&input, &places, OffsetDateTime::now_utc()).map_err(AppError::Invalid)?;
    let event = store_event(
        &state,
        caller.scope(),
        &caller.principal.name,
        person,
        &parsed,
    )
    .await?
    .map_err(AppError::Invalid)?;
    Ok(created(
        format!("/api/v1/persons/{person}"),
        json!({"id": event.to_string(), "person": person.to_string()}),
    ))
}

#[derive(Deserialize)]
pub(crate) struct DeadlinesQuery {
    status: Option<String>,
}

/// `GET /api/v1/deadlines?status=due|overdue|done`.
pub(crate) async fn deadlines(
    State(state): State<AppState>,
    caller: ApiAuthorized<ReadRegistry>,
    Query(query): Query<DeadlinesQuery>,
) -> AppResult<Response> {
    let status = query
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(status) = status
        && !matches!(status, "due" | "overdue" | "done")
    {
        return Err(AppError::Invalid(vec![(
            "status".into(),
            "one of due, overdue, done".into(),
        )]));
    }
    let owed = tenant_obligations(&state, caller.scope(), OffsetDateTime::now_utc()).await?;
    // ICRC-DP-c: a restricted person's duties still count, but not whose they are.
    let hidden = state.store.hidden_persons(caller.scope()).await?;
    let items: Vec<Value> = owed
        .iter()
        .filter(|item| {
            let code = item.obligation.status.code();
            status.is_none_or(|s| code == s || (s == "done" && code.starts_with("done")))
        })
        .map(|item| {
            let (met_at, late) = match item.obligation.status {
                domain::ObligationStatus::Done { at, late } => (Some(rfc3339(at)), late),
                _ => (None, false),
            };
            let restricted = hidden.contains(&item.obligation.person);
            json!({
                "rule": item.obligation.rule.code(),
                "label": item.obligation.rule.label(),
                "person": (!restricted).then(|| item.obligation.person.to_string()),
                "reference": (!restricted).then_some(&item.reference),
                "restricted": restricted,
                "channel": item.obligation.channel.code(),
                "due_at": rfc3339(item.obligation.due_at),
                "status": item.obligation.status.code(),
                "met_at": met_at,
                "late": late,
            })
        })
        .collect();
    Ok(Json(json!({"deadlines": items})).into_response())
}

fn tracing_json(request: &store::TracingRequest) -> Value {
    let r = &request.request;
    json!({
        "id": request.id.to_string(),
        "reference": r.reference,
        "enquirer": {"name": r.enquirer_name, "contact": r.enquirer_contact, "relationship": r.relationship},
        "sought": {
            "name": value_json(&AssertedValue::Name(r.sought_name.clone())),
            "birth": r.sought_birth.as_ref().map(domain::PartialDate::original),
            "birth_place": r.sought_birth_place,
            "father_name": r.sought_father_name,
            "language": r.language,
        },
        "circumstances": r.circumstances,
        "consent": {"tracing": r.consent_tracing, "share": r.consent_share},
        "created_at": rfc3339(request.created_at),
        "created_by": request.created_by,
    })
}

#[derive(Deserialize)]
pub(crate) struct WorklistQuery {
    stage: Option<String>,
    reference: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

/// `GET /api/v1/tracing-requests?stage=&reference=&offset=&limit=`: the worklist, newest first,
/// each request with its stage (MATCH-1), the total the filter keeps and the count per stage.
pub(crate) async fn tracing_list(
    State(state): State<AppState>,
    caller: ApiAuthorized<Trace>,
    Query(query): Query<WorklistQuery>,
) -> AppResult<Response> {
    let filter = store::WorklistFilter {
        stage: stage_filter(query.stage.as_deref())?,
        reference_prefix: reference_filter(query.reference.as_deref())?,
    };
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let offset = query.offset.unwrap_or(0).max(0);
    let counts = state.store.tracing_stage_counts(caller.scope()).await?;
    let worklist = state
        .store
        .tracing_worklist(caller.scope(), &filter, offset, limit)
        .await?;
    let items: Vec<Value> = worklist
        .rows
        .iter()
        .map(|row| {
            let mut item = tracing_json(&row.request);
            item["stage"] = json!(row.stage.code());
            item["decisions"] = json!(row.decisions);
            item
        })
        .collect();
    let by_stage: Map<String, Value> = store::RequestStage::ALL
        .into_iter()
        .map(|s| (s.code().to_owned(), json!(counts.get(s))))
        .collect();
    Ok(Json(json!({
        "tracing_requests": items,
        "total": worklist.total,
        "offset": offset,
        "limit": limit,
        "stages": by_stage,
    }))
    .into_response())
}

/// `GET /api/v1/tracing-requests/{id}`.
pub(crate) async fn tracing_get(
    State(state): State<AppState>,
    caller: ApiAuthorized<Trace>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = request_id(&id)?;
    let request = state.store.tracing_request(caller.scope(), id).await?;
    let mut body = tracing_json(&request);
    // Issue 5: the enquiries asked of bureaus for this request and their answers, the news the
    // agency forwards to the family (GC4-140-a, ICRC-RFL).
    let now = time::OffsetDateTime::now_utc();
    let enquiries: Vec<Value> = state
        .store
        .enquiries(caller.scope())
        .await?
        .iter()
        .filter(|e| e.tracing_request == Some(id))
        .map(|e| enquiries::enquiry_json(e, now))
        .collect();
    if let Value::Object(map) = &mut body {
        map.insert("enquiries".to_owned(), Value::Array(enquiries));
    }
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnquirerBody {
    name: String,
    contact: String,
    relationship: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct SoughtBody {
    family: Option<String>,
    given: Option<String>,
    patronymic: Option<String>,
    language: Option<String>,
    birth: Option<String>,
    birth_place: Option<String>,
    father_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConsentBody {
    tracing: bool,
    #[serde(default)]
    share: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TracingBody {
    reference: String,
    enquirer: EnquirerBody,
    sought: SoughtBody,
    circumstances: String,
    consent: ConsentBody,
}

/// `POST /api/v1/tracing-requests`.
pub(crate) async fn tracing_create(
    State(state): State<AppState>,
    caller: ApiAuthorized<Trace>,
    ApiJson(body): ApiJson<TracingBody>,
) -> AppResult<Response> {
    let mut input = HashMap::new();
    input.insert("reference".to_owned(), body.reference);
    input.insert("enquirer_name".to_owned(), body.enquirer.name);
    input.insert("enquirer_contact".to_owned(), body.enquirer.contact);
    input.insert("relationship".to_owned(), body.enquirer.relationship);
    input.insert("circumstances".to_owned(), body.circumstances);
    put(&mut input, "sought_family", body.sought.family);
    put(&mut input, "sought_given", body.sought.given);
    put(&mut input, "sought_patronymic", body.sought.patronymic);
    put(&mut input, "sought_language", body.sought.language);
    put(&mut input, "sought_birth", body.sought.birth);
    put(&mut input, "sought_birth_place", body.sought.birth_place);
    put(&mut input, "sought_father_name", body.sought.father_name);
    if body.consent.tracing {
        input.insert("consent_tracing".to_owned(), "true".to_owned());
    }
    if body.consent.share {
        input.insert("consent_share".to_owned(), "true".to_owned());
    }
    let request =
        parse_tracing_request(&input, OffsetDateTime::now_utc()).map_err(AppError::Invalid)?;
    let id = store_tracing_request(&state, caller.scope(), &request)
        .await?
        .map_err(AppError::Invalid)?;
    let stored = state.store.tracing_request(caller.scope(), id).await?;
    Ok(created(
        format!("/api/v1/tracing-requests/{id}"),
        tracing_json(&stored),
    ))
}
