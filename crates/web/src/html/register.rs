//! Registering a person and recording events: the bureau's intake (GC3-122-b, GC4-136-b).
//!
//! The form follows GC III 17 and 122 and GC IV 138: the name in typed parts, in any script
//! (the script is detected, never converted); every other field is either a value or an absence
//! with its reason, and "declined by the person" (GC3-17-b) is a reason of its own, never
//! "unknown". Only the identity the conventions require is asked for; nothing is mandatory
//! beyond a reference and either a name or the reason there is none (GC3-17-b: no pressure).
//!
//! [`parse_registration`] is shared with the JSON API, so both answer the same messages per field.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{
    AbsenceReason, AssertedValue, Confidence, EventKind, FieldKey, LanguageTag, NamePart,
    NamePartKind, PartialDate, PersonCategory, PersonId, PersonName, PlaceId, Presence, Sex,
    SourceKind,
};
use store::{NewAssertion, NewEvent, NewPerson, NewSource, StoreError, TenantScope};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::auth::CsrfForm;
use crate::authz::{Authorized, Register};
use crate::error::{AppError, AppResult};
use crate::html::{Layout, render};
use crate::state::AppState;

/// Form field names of the name parts, in the order the form shows them.
pub(crate) const NAME_PARTS: [(&str, NamePartKind, &str); 3] = [
    ("name_family", NamePartKind::Family, "Surname (family name)"),
    ("name_given", NamePartKind::Given, "First names (in full)"),
    (
        "name_patronymic",
        NamePartKind::Patronymic,
        "Patronymic or father's name in the name",
    ),
];

/// The fields after the name, in the order of GC III 17/122 and GC IV 138, with where each
/// comes from.
pub(crate) const FIELDS: [(FieldKey, &str); 13] = [
    (FieldKey::Rank, "GC III 17, 122"),
    (FieldKey::ServiceNumber, "GC III 17, 122"),
    (FieldKey::BirthDate, "GC III 17, 122; GC IV 138 (full date)"),
    (FieldKey::BirthPlace, "GC III 122; GC IV 138"),
    (
        FieldKey::Nationality,
        "GC III 122 (Power depended on); GC IV 138",
    ),
    (FieldKey::Sex, ""),
    (FieldKey::Unit, "GC III 17 (equivalent information)"),
    (FieldKey::FatherName, "GC III 122; GC IV 138"),
    (FieldKey::MotherName, "GC III 122; GC IV 138"),
    (
        FieldKey::PersonToInform,
        "GC III 122; GC IV 138 (name and address)",
    ),
    (FieldKey::Address, "GC III 122; GC IV 138"),
    (FieldKey::LastResidence, "GC IV 138"),
    (FieldKey::Occupation, "GC IV Annex III"),
];

/// A field's messages, keyed by form field name.
pub(crate) type FieldErrors = Vec<(String, String)>;

/// What a valid registration form yields.
pub(crate) struct Registration {
    pub person: NewPerson,
    pub language: Option<LanguageTag>,
}

fn get<'a>(input: &'a HashMap<String, String>, key: &str) -> &'a str {
    input.get(key).map_or("", |v| v.trim())
}

/// Parses `YYYY-MM-DDTHH:MM` (a browser's `datetime-local`) or RFC 3339, as UTC.
pub(crate) fn parse_instant(text: &str) -> Result<OffsetDateTime, String> {
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        return Ok(at);
    }
    let local = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let with_seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text, local)
        .or_else(|_| time::PrimitiveDateTime::parse(text, with_seconds))
        .map(time::PrimitiveDateTime::assume_utc)
        .map_err(|_| format!("{text:?} is not a date and time: use YYYY-MM-DDTHH:MM (UTC)"))
}

fn parse_absence(text: &str) -> Result<Option<AbsenceReason>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<AbsenceReason>()
        .map(Some)
        .map_err(|_| format!("{text:?} is not a reason; use one of the listed reasons"))
}

fn parse_language(text: &str) -> Result<Option<LanguageTag>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<LanguageTag>()
        .map(Some)
        .map_err(|_| format!("{text:?} is not a language tag (for example uk, ru, ar, en)"))
}

/// One field's value in the form's terms: a value, a reason, or nothing.
fn field_value(field: FieldKey, text: &str, today: time::Date) -> Result<AssertedValue, String> {
    if text.chars().count() > 500 {
        return Err("at most 500 characters".into());
    }
    if let Some(control) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "contains a control character (U+{:04X})",
            control as u32
        ));
    }
    match field {
        FieldKey::BirthDate => {
            let date = PartialDate::parse(text).map_err(|e| e.to_string())?;
            date.validate_birth(today).map_err(|e| e.to_string())?;
            Ok(AssertedValue::Date(date))
        }
        FieldKey::Nationality => {
            let code = text.to_ascii_uppercase();
            if domain::conflict::is_country_code(&code) {
                Ok(AssertedValue::Country(code))
            } else {
                Err(format!(
                    "{text:?} is not a two-letter country code (ISO 3166-1)"
                ))
            }
        }
        FieldKey::Sex => text
            .parse::<Sex>()
            .map(AssertedValue::Sex)
            .map_err(|_| "choose F, M or X".into()),
        _ => Ok(AssertedValue::Text(text.to_owned())),
    }
}

/// Checks a registration and builds the person, or names every problem by field.
pub(crate) fn parse_registration(
    input: &HashMap<String, String>,
    now: OffsetDateTime,
) -> Result<Registration, FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let reference = get(input, "reference");
    if reference.is_empty() {
        errors.push((
            "reference".into(),
            "give the bureau's reference for this person".into(),
        ));
    } else if reference.chars().count() > 64 || reference.chars().any(char::is_control) {
        errors.push((
            "reference".into(),
            "at most 64 characters, no control characters".into(),
        ));
    }
    let category = match get(input, "category").parse::<PersonCategory>() {
        Ok(category) => Some(category),
        Err(_) => {
            errors.push(("category".into(), "choose a category".into()));
            None
        }
    };
    let language = match parse_language(get(input, "name_language")) {
        Ok(language) => language,
        Err(message) => {
            errors.push(("name_language".into(), message));
            None
        }
    };
    let mut parts = Vec::new();
    for (key, kind, _) in NAME_PARTS {
        let text = get(input, key);
        if text.is_empty() {
            continue;
        }
        match NamePart::new(kind, text, language.clone()) {
            Ok(part) => parts.push(part),
            Err(error) => errors.push((key.into(), error.to_string())),
        }
    }
    let mut assertions = Vec::new();
    let name_absence = parse_absence(get(input, "name_absent"));
    match (parts.is_empty(), name_absence) {
        (_, Err(message)) => errors.push(("name_absent".into(), message)),
        (false, Ok(Some(_))) => errors.push((
            "name_absent".into(),
            "a name is given: leave the reason empty, or clear the name".into(),
        )),
        (true, Ok(None)) => errors.push((
            "name_family".into(),
            "give at least one part of the name, or the reason there is none (declined, unknown…)"
                .into(),
        )),
        (true, Ok(Some(reason))) => assertions.push(NewAssertion {
            field: FieldKey::Name,
            value: Presence::Absent(reason),
            locator: "form: name".into(),
        }),
        (false, Ok(None)) => {
            if let Ok(name) = PersonName::new(parts) {
                assertions.push(NewAssertion {
                    field: FieldKey::Name,
                    value: Presence::Present(AssertedValue::Name(name)),
                    locator: "form: name".into(),
                });
            }
        }
    }
    for (field, _) in FIELDS {
        let value_key = format!("f_{}", field.code());
        let absence_key = format!("a_{}", field.code());
        let text = get(input, &value_key);
        let absence = match parse_absence(get(input, &absence_key)) {
            Ok(absence) => absence,
            Err(message) => {
                errors.push((absence_key, message));
                continue;
            }
        };
        let value = match (text.is_empty(), absence) {
            (true, None) => continue,
            (false, Some(_)) => {
                errors.push((
                    value_key,
                    "give a value or a reason it is missing, not both".into(),
                ));
                continue;
            }
            (true, Some(reason)) => Presence::Absent(reason),
            (false, None) => match field_value(field, text, now.date()) {
                Ok(value) => Presence::Present(value),
                Err(message) => {
                    errors.push((value_key, message));
                    continue;
                }
            },
        };
        assertions.push(NewAssertion {
            field,
            value,
            locator: format!("form: {}", field.code()),
        });
    }
    let mut events = Vec::new();
    let captured = get(input, "fell_into_power_at");
    if !captured.is_empty() {
        match parse_instant(captured) {
            Ok(at) if at > now + time::Duration::minutes(5) => {
                errors.push(("fell_into_power_at".into(), "this is in the future".into()));
            }
            Ok(at) => events.push(NewEvent {
                kind: EventKind::FellIntoPower,
                occurred_at: at,
                place: None,
                place_to: None,
                locator: "form: fell_into_power_at".into(),
                note: None,
            }),
            Err(message) => errors.push(("fell_into_power_at".into(), message)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let Some(category) = category else {
        return Err(errors);
    };
    Ok(Registration {
        person: NewPerson {
            reference: reference.to_owned(),
            category,
            assertions,
            events,
        },
        language,
    })
}

/// Records the clerk's entry as a source, then the person; a taken reference is a field error.
pub(crate) async fn store_registration(
    state: &AppState,
    scope: &TenantScope,
    collected_by: &str,
    registration: &Registration,
) -> AppResult<Result<PersonId, FieldErrors>> {
    let now = OffsetDateTime::now_utc();
    let source = state
        .store
        .record_source(
            scope,
            &NewSource {
                kind: SourceKind::ClerkEntry,
                reference: format!("registration form {}", registration.person.reference),
                collected_by: collected_by.to_owned(),
                collected_at: now,
                language: registration.language.clone(),
                script: None,
                confidence: Confidence::MEDIUM,
            },
        )
        .await?;
    match state
        .store
        .register_person(scope, source, &registration.person)
        .await
    {
        Ok(id) => {
            state.facts_changed(scope.tenant());
            Ok(Ok(id))
        }
        Err(StoreError::DuplicateReference { reference }) => Ok(Err(vec![(
            "reference".into(),
            format!("{reference:?} is already registered in this bureau"),
        )])),
        Err(StoreError::Invalid(message)) => Ok(Err(vec![("form".into(), message)])),
        Err(error) => Err(error.into()),
    }
}

struct Choice {
    code: &'static str,
    label: &'static str,
}

struct FieldInput {
    key: String,
    absence_key: String,
    label: &'static str,
    cite: &'static str,
    /// `text`, `date`, `country` or `sex`.
    kind: &'static str,
    value: String,
    absence: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    layout: Layout,
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    categories: Vec<Choice>,
    reasons: Vec<Choice>,
    name_parts: Vec<(&'static str, &'static str)>,
    fields: Vec<FieldInput>,
}

impl RegisterPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }
}

fn reasons() -> Vec<Choice> {
    AbsenceReason::ALL
        .into_iter()
        .map(|r| Choice {
            code: r.code(),
            label: r.label(),
        })
        .collect()
}

async fn register_page(
    state: &AppState,
    member: &Authorized<Register>,
    values: HashMap<String, String>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let layout = Layout::new(state, &member.signed_in, "Register a person").await?;
    let errors: HashMap<String, String> = errors.into_iter().collect();
    let fields = FIELDS
        .into_iter()
        .map(|(field, cite)| {
            let key = format!("f_{}", field.code());
            let absence_key = format!("a_{}", field.code());
            FieldInput {
                value: values.get(&key).cloned().unwrap_or_default(),
                absence: values.get(&absence_key).cloned().unwrap_or_default(),
                error: errors
                    .get(&key)
                    .or_else(|| errors.get(&absence_key))
                    .cloned(),
                key,
                absence_key,
                label: field.label(),
                cite,
                kind: match field {
                    FieldKey::BirthDate => "date",
                    FieldKey::Nationality => "country",
                    FieldKey::Sex => "sex",
                    _ => "text",
                },
            }
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(&RegisterPage {
        layout,
        values,
        errors,
        categories: PersonCategory::ALL
            .into_iter()
            .map(|c| Choice {
                code: c.code(),
                label: c.label(),
            })
            .collect(),
        reasons: reasons(),
        name_parts: NAME_PARTS
            .iter()
            .map(|(key, _, label)| (*key, *label))
            .collect(),
        fields,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /persons/new`.
pub(crate) async fn form(
    State(state): State<AppState>,
    member: Authorized<Register>,
) -> AppResult<Response> {
    register_page(&state, &member, HashMap::new(), Vec::new()).await
}

/// `POST /persons`: registers, then shows the new person's page (with its deadlines).
pub(crate) async fn submit(
    State(state): State<AppState>,
    member: Authorized<Register>,
    CsrfForm(input): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let now = OffsetDateTime::now_utc();
    let registration = match parse_registration(&input, now) {
        Ok(registration) => registration,
        Err(errors) => return register_page(&state, &member, input, errors).await,
    };
    match store_registration(&state, &member.scope, &member.principal.name, &registration).await? {
        Ok(id) => {
            tracing::info!(person.id = %id, "person registered");
            Ok(Redirect::to(&format!("/persons/{id}")).into_response())
        }
        Err(errors) => register_page(&state, &member, input, errors).await,
    }
}

/// A valid event form.
pub(crate) struct EventInput {
    pub event: NewEvent,
}

/// Checks an event form against this tenant's places.
pub(crate) fn parse_event(
    input: &HashMap<String, String>,
    places: &[PlaceId],
    now: OffsetDateTime,
) -> Result<EventInput, FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let kind = match get(input, "kind").parse::<EventKind>() {
        Ok(kind) => Some(kind),
        Err(_) => {
            errors.push(("kind".into(), "choose what happened".into()));
            None
        }
    };
    let occurred_at = match parse_instant(get(input, "occurred_at")) {
        Ok(at) if at > now + time::Duration::minutes(5) => {
            errors.push(("occurred_at".into(), "this is in the future".into()));
            None
        }
        Ok(at) => Some(at),
        Err(message) => {
            errors.push(("occurred_at".into(), message));
            None
        }
    };
    let mut place_of = |key: &str| -> Option<PlaceId> {
        let text = get(input, key);
        if text.is_empty() {
            return None;
        }
        match text.parse::<PlaceId>() {
            Ok(id) if places.contains(&id) => Some(id),
            _ => {
                errors.push((key.into(), "choose one of this bureau's places".into()));
                None
            }
        }
    };
    let place = place_of("place");
    let place_to = place_of("place_to");
    let note = get(input, "note");
    if note.chars().count() > 1000 {
        errors.push(("note".into(), "at most 1000 characters".into()));
    }
    match (kind, occurred_at) {
        (Some(kind), Some(occurred_at)) if errors.is_empty() => Ok(EventInput {
            event: NewEvent {
                kind,
                occurred_at,
                place,
                place_to,
                locator: "form: event".into(),
                note: (!note.is_empty()).then(|| note.to_owned()),
            },
        }),
        _ => Err(errors),
    }
}

/// Records an event with the clerk's entry as its source; a sequence error (XC-1) is a message
/// on the event kind.
pub(crate) async fn store_event(
    state: &AppState,
    scope: &TenantScope,
    collected_by: &str,
    person: PersonId,
    input: &EventInput,
) -> AppResult<Result<domain::EventId, FieldErrors>> {
    // Refuse another tenant's person before writing anything.
    state.store.person(scope, person).await?;
    let source = state
        .store
        .record_source(
            scope,
            &NewSource {
                kind: SourceKind::ClerkEntry,
                reference: "event form".into(),
                collected_by: collected_by.to_owned(),
                collected_at: OffsetDateTime::now_utc(),
                language: None,
                script: None,
                confidence: Confidence::MEDIUM,
            },
        )
        .await?;
    match state
        .store
        .record_event(scope, person, source, &input.event)
        .await
    {
        Ok(id) => {
            state.facts_changed(scope.tenant());
            Ok(Ok(id))
        }
        Err(StoreError::Invalid(message)) => Ok(Err(vec![("kind".into(), message)])),
        Err(error) => Err(error.into()),
    }
}

struct PlaceChoice {
    id: String,
    name: String,
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage {
    layout: Layout,
    person_id: PersonId,
    reference: String,
    kinds: Vec<Choice>,
    places: Vec<PlaceChoice>,
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
}

impl EventPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }
}

async fn event_page(
    state: &AppState,
    member: &Authorized<Register>,
    person: PersonId,
    values: HashMap<String, String>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let record = state.store.person(&member.scope, person).await?;
    let places = state.store.places(&member.scope).await?;
    let layout = Layout::new(state, &member.signed_in, "Record an event").await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(&EventPage {
        layout,
        person_id: person,
        reference: record.person.reference,
        kinds: EventKind::ALL
            .into_iter()
            .map(|k| Choice {
                code: k.code(),
                label: k.label(),
            })
            .collect(),
        places: places
            .into_iter()
            .map(|p| PlaceChoice {
                id: p.id.to_string(),
                name: p.name,
            })
            .collect(),
        values,
        errors: errors.into_iter().collect(),
    })?;
    *response.status_mut() = status;
    Ok(response)
}

pub(crate) fn person_id(text: &str) -> AppResult<PersonId> {
    text.parse().map_err(|_| AppError::NotFound)
}

/// `GET /persons/{id}/events/new`.
pub(crate) async fn event_form(
    State(state): State<AppState>,
    member: Authorized<Register>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let person = person_id(&id)?;
    event_page(&state, &member, person, HashMap::new(), Vec::new()).await
}

/// `POST /persons/{id}/events`.
pub(crate) async fn event_submit(
    State(state): State<AppState>,
    member: Authorized<Register>,
    Path(id): Path<String>,
    CsrfForm(input): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let person = person_id(&id)?;
    let places: Vec<PlaceId> = state
        .store
        .places(&member.scope)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let parsed = match parse_event(&input, &places, OffsetDateTime::now_utc()) {
        Ok(parsed) => parsed,
        Err(errors) => return event_page(&state, &member, person, input, errors).await,
    };
    match store_event(
        &state,
        &member.scope,
        &member.principal.name,
        person,
        &parsed,
    )
    .await?
    {
        Ok(_) => Ok(Redirect::to(&format!("/persons/{person}")).into_response()),
        Err(errors) => event_page(&state, &member, person, input, errors).await,
    }
}
