//! The delegates' forms (issue 6): a visit, the five standard conditions (ICRC-VIS-a), refusals
//! of access and their end (GC3-126-c), persons seen, follow-ups (ICRC-VIS-d), private
//! interviews (GC3-126-b, ICRC-VIS-c), allegations and their representations (ICRC-VIS-e/f).
//!
//! Server-rendered like the rest of the application: every form carries the session's CSRF
//! token ([`CsrfForm`]), a bad value answers 422 with the page again and one message per field,
//! and a good one redirects (303) to the page that shows it. Only a protection unit's delegates
//! reach these handlers ([`Protect`], 404 for everyone else). Each form checks its values here,
//! then the domain's rules through the store; a rule the store refuses is shown on the field
//! the message names.
//!
//! The forms of one visit live on the visit's page, so a refused form re-renders that page with
//! its values and messages; field names are unique across the page's forms.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::protection::{
    AccessRefusal, ActKind, Allegation, AllegationCategory, AllegationSource, AllegationStep,
    Condition, ConditionRecord, Consent, FollowUp, Interview, Outcome, Perpetrator,
    PerpetratorKind, PersonSeen, RefusalEnd, RefusalGround, RepresentationForm, StepKind, Visit,
    VisitingBody,
};
use domain::{
    AllegationId, InterviewId, LanguageTag, NamePart, NamePartKind, PartialDate, PersonName,
    PlaceId, RefusalId, RegistrationId, Sex, VisitId,
};
use store::{StoreError, TenantScope};
use time::{Date, OffsetDateTime};

use super::{Protect, audit_read, parse_id, place_names};
use crate::auth::CsrfForm;
use crate::authz::Authorized;
use crate::error::AppResult;
use crate::html::register::parse_instant;
use crate::html::{Layout, date, datetime, render};
use crate::state::AppState;

/// The accessors a form page's template calls: `value` (what was entered), `error` (the
/// message on a field) and, with `checked`, whether a box of a list was ticked.
macro_rules! form_page {
    ($page:ty) => {
        impl $page {
            fn value(&self, key: &str) -> &str {
                self.form.get(key)
            }
            fn error(&self, key: &str) -> &str {
                self.errors.get(key).map_or("", String::as_str)
            }
        }
    };
    ($page:ty, checked) => {
        form_page!($page);
        impl $page {
            fn checked(&self, key: &str, value: &str) -> bool {
                self.form.has(key, value)
            }
        }
    };
}
pub(crate) use form_page;

/// A submitted form as its pairs, in order: a checkbox list sends one pair per box.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    pub(crate) fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The first value of `key`, trimmed; empty when absent.
    pub(crate) fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.trim())
    }

    /// The value of `key` when it is not empty.
    fn opt(&self, key: &str) -> Option<String> {
        let value = self.get(key);
        (!value.is_empty()).then(|| value.to_owned())
    }

    /// Every non-empty value of `key`.
    fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }

    pub(super) fn has(&self, key: &str, value: &str) -> bool {
        self.0.iter().any(|(k, v)| k == key && v.trim() == value)
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), "on" | "yes" | "true" | "1")
    }
}

pub(super) type FieldErrors = Vec<(String, String)>;

/// Collects field messages while a form is parsed.
#[derive(Default)]
pub(super) struct Check(pub(super) FieldErrors);

impl Check {
    pub(super) fn add(&mut self, field: &str, message: impl Into<String>) {
        if !self.0.iter().any(|(f, _)| f == field) {
            self.0.push((field.to_owned(), message.into()));
        }
    }

    /// A required free text of at most `max` characters, without control characters (a
    /// line break is allowed where `multiline`).
    pub(super) fn text(
        &mut self,
        form: &Fields,
        key: &str,
        max: usize,
        multiline: bool,
    ) -> Option<String> {
        let value = form.get(key);
        if value.is_empty() {
            self.add(key, "required");
            return None;
        }
        self.bounded(key, value, max, multiline)
    }

    /// An optional free text.
    pub(super) fn opt_text(
        &mut self,
        form: &Fields,
        key: &str,
        max: usize,
        multiline: bool,
    ) -> Option<String> {
        let value = form.get(key);
        if value.is_empty() {
            return None;
        }
        self.bounded(key, value, max, multiline)
    }

    fn bounded(&mut self, key: &str, value: &str, max: usize, multiline: bool) -> Option<String> {
        let length = value.chars().count();
        if length > max {
            self.add(key, format!("at most {max} characters ({length} given)"));
            return None;
        }
        if let Some(control) = value
            .chars()
            .find(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
        {
            self.add(
                key,
                format!("contains a control character (U+{:04X})", control as u32),
            );
            return None;
        }
        Some(value.to_owned())
    }

    /// A code from a controlled vocabulary.
    pub(super) fn code<T: std::str::FromStr<Err = String>>(
        &mut self,
        form: &Fields,
        key: &str,
        required: bool,
    ) -> Option<T> {
        let value = form.get(key);
        if value.is_empty() {
            if required {
                self.add(key, "choose one");
            }
            return None;
        }
        match value.parse() {
            Ok(code) => Some(code),
            Err(message) => {
                self.add(key, message);
                None
            }
        }
    }

    /// Every code of a checkbox list.
    fn codes<T: std::str::FromStr<Err = String>>(&mut self, form: &Fields, key: &str) -> Vec<T> {
        let mut out = Vec::new();
        for value in form.all(key) {
            match value.parse() {
                Ok(code) => out.push(code),
                Err(message) => self.add(key, message),
            }
        }
        out
    }

    /// An instant (`YYYY-MM-DDTHH:MM`, UTC), not in the future.
    pub(super) fn instant(
        &mut self,
        form: &Fields,
        key: &str,
        required: bool,
        now: OffsetDateTime,
        future_allowed: bool,
    ) -> Option<OffsetDateTime> {
        let value = form.get(key);
        if value.is_empty() {
            if required {
                self.add(key, "required");
            }
            return None;
        }
        match parse_instant(value) {
            Ok(at) if !future_allowed && at > now + time::Duration::minutes(5) => {
                self.add(key, "this is in the future");
                None
            }
            Ok(at) => Some(at),
            Err(message) => {
                self.add(key, message);
                None
            }
        }
    }

    /// A calendar day, `YYYY-MM-DD`.
    pub(super) fn day(&mut self, form: &Fields, key: &str) -> Option<Date> {
        let value = form.get(key);
        if value.is_empty() {
            return None;
        }
        match Date::parse(
            value,
            time::macros::format_description!("[year]-[month]-[day]"),
        ) {
            Ok(day) => Some(day),
            Err(_) => {
                self.add(key, format!("{value:?} is not a date: use YYYY-MM-DD"));
                None
            }
        }
    }

    /// A partial date (`1990`, `1990-04`, `1990-04-12`, …).
    fn partial(&mut self, form: &Fields, key: &str) -> Option<PartialDate> {
        let value = form.get(key);
        if value.is_empty() {
            return None;
        }
        match PartialDate::parse(value) {
            Ok(partial) => Some(partial),
            Err(error) => {
                self.add(key, error.to_string());
                None
            }
        }
    }

    /// One of `choices` (ids of this unit's places, persons seen, …).
    pub(super) fn choice<T: Copy + PartialEq + std::str::FromStr>(
        &mut self,
        form: &Fields,
        key: &str,
        choices: &[T],
        required: bool,
        what: &str,
    ) -> Option<T> {
        let value = form.get(key);
        if value.is_empty() {
            if required {
                self.add(key, format!("choose {what}"));
            }
            return None;
        }
        match value.parse::<T>() {
            Ok(id) if choices.contains(&id) => Some(id),
            _ => {
                self.add(key, format!("choose {what} from the list"));
                None
            }
        }
    }

    pub(super) fn ok(&self) -> bool {
        self.0.is_empty()
    }
}

/// Puts a store's refusal on the field its message names (`"present: …"` → `present`), or on
/// `fallback`.
pub(super) fn store_errors(
    error: StoreError,
    fallback: &str,
    fields: &[&str],
) -> AppResult<FieldErrors> {
    match error {
        StoreError::Invalid(message) => {
            let field = message
                .split_once(':')
                .map(|(head, _)| head.trim().replace(' ', "_"))
                .filter(|head| fields.contains(&head.as_str()))
                .unwrap_or_else(|| fallback.to_owned());
            Ok(vec![(field, message)])
        }
        other => Err(other.into()),
    }
}

pub(super) fn with_status(mut response: Response, invalid: bool) -> Response {
    if invalid {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

pub(crate) struct Choice {
    pub code: String,
    pub label: String,
}

pub(super) fn vocabulary(codes: impl IntoIterator<Item = &'static str>) -> Vec<Choice> {
    codes
        .into_iter()
        .map(|code| Choice {
            code: code.to_owned(),
            label: code.replace('-', " "),
        })
        .collect()
}

async fn place_choices(state: &AppState, scope: &TenantScope) -> AppResult<Vec<Choice>> {
    Ok(state
        .store
        .places(scope)
        .await?
        .into_iter()
        .map(|p| Choice {
            code: p.id.to_string(),
            label: p.name,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// A new visit.

#[derive(Template)]
#[template(path = "protection_visit_new.html")]
struct NewVisitPage {
    layout: Layout,
    bodies: Vec<Choice>,
    places: Vec<Choice>,
    form: Fields,
    errors: HashMap<String, String>,
}

form_page!(NewVisitPage, checked);

async fn new_visit_page(
    state: &AppState,
    member: &Authorized<Protect>,
    form: Fields,
    errors: FieldErrors,
) -> AppResult<Response> {
    let invalid = !errors.is_empty();
    let page = NewVisitPage {
        layout: Layout::new(state, &member.signed_in, "New visit").await?,
        bodies: vocabulary(VisitingBody::ALL.iter().map(|b| b.code())),
        places: place_choices(state, &member.scope).await?,
        form,
        errors: errors.into_iter().collect(),
    };
    Ok(with_status(render(&page)?, invalid))
}

/// `GET /protection/visits/new`.
pub(crate) async fn visit_form(
    State(state): State<AppState>,
    member: Authorized<Protect>,
) -> AppResult<Response> {
    new_visit_page(&state, &member, Fields::default(), Vec::new()).await
}

fn parse_visit(
    form: &Fields,
    places: &[PlaceId],
    now: OffsetDateTime,
) -> Result<Visit, FieldErrors> {
    let mut check = Check::default();
    let reference = check.text(form, "reference", 64, false);
    let body = check.code::<VisitingBody>(form, "body", true);
    let planned_start = check.day(form, "planned_start");
    let started_at = check.instant(form, "started_at", false, now, false);
    let ended_at = check.instant(form, "ended_at", false, now, false);
    if let (Some(start), Some(end)) = (started_at, ended_at)
        && end < start
    {
        check.add("ended_at", "before the start");
    }
    let team: Vec<String> = form
        .get("team")
        .split([',', '\n'])
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect();
    if team.is_empty() {
        check.add("team", "at least one member of the visiting team");
    } else if team.iter().any(|m| m.chars().count() > 200) {
        check.add("team", "each member at most 200 characters");
    }
    let mut chosen = Vec::new();
    for value in form.all("places") {
        match value.parse::<PlaceId>() {
            Ok(id) if places.contains(&id) => chosen.push(id),
            _ => check.add("places", "choose places from the list"),
        }
    }
    if chosen.is_empty() {
        check.add("places", "a visit goes to at least one place (GC III 126)");
    }
    let next_visit_planned = check.day(form, "next_visit_planned");
    match (reference, body, check.ok()) {
        (Some(reference), Some(body), true) => Ok(Visit {
            id: VisitId::new(),
            reference,
            body,
            planned_start,
            started_at,
            ended_at,
            team,
            places: chosen,
            next_visit_planned,
        }),
        _ => Err(check.0),
    }
}

/// `POST /protection/visits`: records the visit, then shows its page.
pub(crate) async fn visit_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let form = Fields::new(pairs);
    let places: Vec<PlaceId> = state
        .store
        .places(&member.scope)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let visit = match parse_visit(&form, &places, OffsetDateTime::now_utc()) {
        Ok(visit) => visit,
        Err(errors) => return new_visit_page(&state, &member, form, errors).await,
    };
    match state.store.record_visit(&member.scope, &visit).await {
        Ok(_) => {
            tracing::info!(visit.id = %visit.id, "visit recorded");
            Ok(Redirect::to(&format!("/protection/visits/{}", visit.id)).into_response())
        }
        Err(error) => {
            let errors = store_errors(error, "reference", &["reference", "places", "ended_at"])?;
            new_visit_page(&state, &member, form, errors).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The visit's page, with its forms.

struct ConditionRow {
    condition: &'static str,
    outcome: &'static str,
    reason: String,
    /// Who recorded it: on the laptop for a visit report (issue 6), otherwise here.
    recorded_by: String,
}

struct SeenRow {
    id: String,
    name: String,
    place: String,
    seen: String,
    birth: String,
    follow_up: String,
}

struct RefusalRow {
    place: String,
    refused_at: String,
    scope: String,
    ground: &'static str,
    grounds_text: String,
    ended: String,
    recorded_by: String,
}

struct InterviewRow {
    held_at: String,
    place: String,
    interviewees: String,
    interviewers: String,
    interpreter: String,
    witnesses: String,
    consent: String,
    notes: String,
    recorded_by: String,
}

#[derive(Template)]
#[template(path = "protection_visit.html")]
struct VisitPage {
    layout: Layout,
    id: String,
    reference: String,
    body: &'static str,
    team: String,
    places: String,
    conditions: Vec<ConditionRow>,
    seen: Vec<SeenRow>,
    refusals: Vec<RefusalRow>,
    interviews: Vec<InterviewRow>,
    alerts: Vec<super::AlertView>,
    place_choices: Vec<Choice>,
    condition_choices: Vec<Choice>,
    outcome_choices: Vec<Choice>,
    ground_choices: Vec<Choice>,
    consent_choices: Vec<Choice>,
    form: Fields,
    errors: HashMap<String, String>,
}

form_page!(VisitPage, checked);

/// Renders a visit's page: what was recorded, the alerts, and the forms (with `form`'s values and
/// `errors` when a form was refused). Logged as a read of the visit with its purpose.
pub(crate) async fn render_visit(
    state: &AppState,
    member: &Authorized<Protect>,
    visit: VisitId,
    form: Fields,
    errors: FieldErrors,
) -> AppResult<Response> {
    let scope = &member.scope;
    let visit = state.store.visit(scope, visit).await?;
    audit_read(
        state,
        scope,
        format!("visit:{}", visit.id),
        "visit follow-up",
        1,
    )
    .await?;
    let layout = Layout::new(
        state,
        &member.signed_in,
        format!("Visit {}", visit.reference),
    )
    .await?;
    let places = state.store.places(scope).await?;
    let names = place_names(&places);
    let place_name = |id: &PlaceId| names.get(id).cloned().unwrap_or_default();
    // Who recorded each condition, refusal and interview (as entered on the laptop for what
    // came in a visit report).
    let by = state.store.visit_recorders(scope, visit.id).await?;
    let conditions = state
        .store
        .conditions(scope, visit.id)
        .await?
        .into_iter()
        .map(|c| ConditionRow {
            condition: c.condition.code(),
            outcome: c.outcome.code(),
            recorded_by: by.condition(c.condition).unwrap_or_default().to_owned(),
            reason: c.reason.unwrap_or_default(),
        })
        .collect();
    let registrations = state.store.registrations(scope, Some(visit.id)).await?;
    let mut seen = Vec::new();
    for person in &registrations {
        let follow_up = state
            .store
            .follow_ups(scope, person.id)
            .await?
            .pop()
            .map(|f| follow_up_summary(&f.follow_up))
            .unwrap_or_default();
        seen.push(SeenRow {
            id: person.id.to_string(),
            name: person.name.display(),
            place: place_name(&person.place),
            seen: datetime(person.seen_at),
            birth: person
                .birth_date
                .as_ref()
                .map(|d| d.original().to_owned())
                .unwrap_or_default(),
            follow_up,
        });
    }
    let seen_name = |id: &RegistrationId| {
        registrations
            .iter()
            .find(|r| r.id == *id)
            .map(|r| r.name.display())
            .unwrap_or_default()
    };
    let refusals = state
        .store
        .refusals(scope)
        .await?
        .into_iter()
        .filter(|r| r.visit == Some(visit.id))
        .map(|r| RefusalRow {
            recorded_by: by.refusal(r.id).unwrap_or_default().to_owned(),
            place: place_name(&r.place),
            refused_at: datetime(r.refused_at),
            scope: r.scope,
            ground: r.ground.code(),
            grounds_text: r.grounds_text.unwrap_or_default(),
            ended: r
                .actual_end
                .map_or_else(|| "still refused".to_owned(), datetime),
        })
        .collect();
    let interviews = state.store.interviews(scope, visit.id).await?;
    // The page shows each interview's notes: each is a read of that interview, logged with the
    // page's purpose like the API's read with a stated one (§7.5, ICRC-VIS-c).
    for interview in &interviews {
        audit_read(
            state,
            scope,
            format!("interview:{}", interview.id),
            "visit follow-up",
            1,
        )
        .await?;
    }
    let interviews = interviews
        .into_iter()
        .map(|i| InterviewRow {
            recorded_by: by.interview(i.id).unwrap_or_default().to_owned(),
            held_at: datetime(i.held_at),
            place: place_name(&i.place),
            interviewees: i
                .interviewees
                .iter()
                .map(seen_name)
                .collect::<Vec<_>>()
                .join(", "),
            interviewers: i.interviewers.join(", "),
            interpreter: i.interpreter.unwrap_or_default(),
            witnesses: if i.without_witnesses {
                "without witnesses".to_owned()
            } else {
                format!("present: {}", i.present.unwrap_or_default())
            },
            consent: format!(
                "authorities: {}; family: {}; medical referral: {}",
                i.consent_authorities,
                if i.consent_family { "yes" } else { "no" },
                if i.consent_medical { "yes" } else { "no" }
            ),
            notes: i.notes.unwrap_or_default(),
        })
        .collect();
    let alerts = super::reconcile_visit(&state.store, scope, &visit).await?;
    let invalid = !errors.is_empty();
    let page = VisitPage {
        layout,
        id: visit.id.to_string(),
        reference: visit.reference.clone(),
        body: visit.body.code(),
        team: visit.team.join(", "),
        places: visit
            .places
            .iter()
            .map(place_name)
            .collect::<Vec<_>>()
            .join(", "),
        conditions,
        seen,
        refusals,
        interviews,
        alerts,
        place_choices: places
            .iter()
            .map(|p| Choice {
                code: p.id.to_string(),
                label: p.name.clone(),
            })
            .collect(),
        condition_choices: vocabulary(Condition::ALL.iter().map(|c| c.code())),
        outcome_choices: vocabulary(Outcome::ALL.iter().map(|c| c.code())),
        ground_choices: vocabulary(RefusalGround::ALL.iter().map(|c| c.code())),
        consent_choices: vocabulary(Consent::ALL.iter().map(|c| c.code())),
        form,
        errors: errors.into_iter().collect(),
    };
    Ok(with_status(render(&page)?, invalid))
}

pub(super) fn follow_up_summary(f: &FollowUp) -> String {
    let mut parts = Vec::new();
    if let Some(health) = &f.health {
        parts.push(format!("health: {health}"));
    }
    if f.family_contact_wanted {
        parts.push("family contact wanted".to_owned());
    }
    if !f.messages.is_empty() {
        parts.push(format!("{} message(s)", f.messages.len()));
    }
    if let Some(due) = f.next_visit_due {
        parts.push(format!("next visit due {due}"));
    }
    if f.reprisals_reported == Some(true) {
        parts.push("reprisals reported".to_owned());
    }
    parts.join("; ")
}

/// Loads the visit (404 for another tenant's) before a form about it is parsed.
async fn own_visit(state: &AppState, scope: &TenantScope, id: &str) -> AppResult<Visit> {
    Ok(state.store.visit(scope, parse_id(id)?).await?)
}

fn back_to(visit: VisitId, anchor: &str) -> Response {
    Redirect::to(&format!("/protection/visits/{visit}#{anchor}")).into_response()
}

/// The answer to a visit's form once the store was asked to keep it: back to the visit's
/// `anchor` section, or the visit page again (422) with the store's refusal on the field it
/// names (`fallback` when it names none of `fields`).
#[allow(clippy::too_many_arguments)]
async fn visit_saved<T>(
    state: &AppState,
    member: &Authorized<Protect>,
    visit: VisitId,
    form: Fields,
    saved: Result<T, StoreError>,
    anchor: &str,
    fallback: &str,
    fields: &[&str],
) -> AppResult<Response> {
    match saved {
        Ok(_) => Ok(back_to(visit, anchor)),
        Err(error) => {
            let errors = store_errors(error, fallback, fields)?;
            render_visit(state, member, visit, form, errors).await
        }
    }
}

/// The persons seen on a visit, for the forms that refer to one of them.
async fn seen_on(
    state: &AppState,
    scope: &store::TenantScope,
    visit: VisitId,
) -> AppResult<Vec<RegistrationId>> {
    Ok(state
        .store
        .registrations(scope, Some(visit))
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// `POST /protection/visits/{id}/conditions`: ICRC-VIS-a, one condition and how it went.
pub(crate) async fn condition_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let visit = own_visit(&state, &member.scope, &id).await?;
    let form = Fields::new(pairs);
    let mut check = Check::default();
    let condition = check.code::<Condition>(&form, "condition", true);
    let outcome = check.code::<Outcome>(&form, "outcome", true);
    let reason = check.opt_text(&form, "reason", 2000, true);
    if outcome.is_some_and(|o| o != Outcome::Granted) && reason.is_none() && check.ok() {
        check.add(
            "reason",
            "the authority's reason is recorded when a condition is not granted",
        );
    }
    let (Some(condition), Some(outcome), true) = (condition, outcome, check.ok()) else {
        return render_visit(&state, &member, visit.id, form, check.0).await;
    };
    let record = ConditionRecord {
        condition,
        outcome,
        reason,
    };
    let saved = state
        .store
        .record_condition(&member.scope, visit.id, &record)
        .await;
    visit_saved(
        &state,
        &member,
        visit.id,
        form,
        saved,
        "conditions",
        "reason",
        &["reason"],
    )
    .await
}

/// `POST /protection/visits/{id}/refusals`: GC3-126-c, a refusal or restriction of access.
pub(crate) async fn refusal_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let visit = own_visit(&state, &member.scope, &id).await?;
    let places: Vec<PlaceId> = state
        .store
        .places(&member.scope)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let form = Fields::new(pairs);
    let now = OffsetDateTime::now_utc();
    let mut check = Check::default();
    let place = check.choice(&form, "refusal_place", &places, true, "the place");
    let refused_at = check.instant(&form, "refused_at", true, now, false);
    let scope_text = check.text(&form, "refusal_scope", 500, false);
    let ground = check.code::<RefusalGround>(&form, "ground", true);
    let grounds_text = check.opt_text(&form, "grounds_text", 2000, true);
    let expected_end = check.instant(&form, "expected_end", false, now, true);
    let actual_end = check.instant(&form, "actual_end", false, now, false);
    for (key, end) in [("expected_end", expected_end), ("actual_end", actual_end)] {
        if let (Some(end), Some(start)) = (end, refused_at)
            && end < start
        {
            check.add(key, "before the refusal");
        }
    }
    let (Some(place), Some(refused_at), Some(scope_text), Some(ground), true) =
        (place, refused_at, scope_text, ground, check.ok())
    else {
        return render_visit(&state, &member, visit.id, form, check.0).await;
    };
    let refusal = AccessRefusal {
        id: RefusalId::new(),
        visit: Some(visit.id),
        place,
        refused_at,
        scope: scope_text,
        ground,
        grounds_text,
        expected_end,
        actual_end,
    };
    let saved = state.store.record_refusal(&member.scope, &refusal).await;
    visit_saved(
        &state,
        &member,
        visit.id,
        form,
        saved,
        "refusals",
        "refusal_scope",
        &["expected_end", "actual_end"],
    )
    .await
}

/// `POST /protection/visits/{id}/persons-seen`: ICRC-VIS-a, registers a person seen.
pub(crate) async fn person_seen_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let visit = own_visit(&state, &member.scope, &id).await?;
    let places: Vec<PlaceId> = state
        .store
        .places(&member.scope)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let form = Fields::new(pairs);
    let now = OffsetDateTime::now_utc();
    let mut check = Check::default();
    let place = check.choice(&form, "seen_place", &places, true, "the place");
    let seen_at = check.instant(&form, "seen_at", true, now, false);
    let language = match form.get("name_language") {
        "" => None,
        text => match text.parse::<LanguageTag>() {
            Ok(tag) => Some(tag),
            Err(_) => {
                check.add(
                    "name_language",
                    format!("{text:?} is not a language tag (for example uk, ru, ar)"),
                );
                None
            }
        },
    };
    let mut parts = Vec::new();
    for (key, kind) in [
        ("name_family", NamePartKind::Family),
        ("name_given", NamePartKind::Given),
        ("name_patronymic", NamePartKind::Patronymic),
    ] {
        let text = form.get(key);
        if text.is_empty() {
            continue;
        }
        match NamePart::new(kind, text, language.clone()) {
            Ok(part) => parts.push(part),
            Err(error) => check.add(key, error.to_string()),
        }
    }
    if parts.is_empty() && check.ok() {
        check.add("name_family", "a name: at least the family or given name");
    }
    let name = PersonName::new(parts).ok();
    let birth_date = check.partial(&form, "birth_date");
    let held_since = check.partial(&form, "held_since");
    let sex = match form.get("sex") {
        "" => None,
        text => match text.parse::<Sex>() {
            Ok(sex) => Some(sex),
            Err(message) => {
                check.add("sex", message);
                None
            }
        },
    };
    let nationality = form.opt("nationality").map(|c| c.to_ascii_uppercase());
    if let Some(code) = &nationality
        && !domain::conflict::is_country_code(code)
    {
        check.add(
            "nationality",
            format!("{code:?} is not a two-letter country code"),
        );
    }
    let service_number = check.opt_text(&form, "service_number", 200, false);
    let father_name = check.opt_text(&form, "father_name", 200, false);
    let (Some(place), Some(seen_at), Some(name), true) = (place, seen_at, name, check.ok()) else {
        return render_visit(&state, &member, visit.id, form, check.0).await;
    };
    let person = PersonSeen {
        id: RegistrationId::new(),
        visit: visit.id,
        place,
        seen_at,
        name,
        birth_date,
        sex,
        nationality,
        service_number,
        father_name,
        held_since,
        registered_by: member.principal.name.clone(),
    };
    let saved = state
        .store
        .record_registration(&member.scope, &person)
        .await;
    // MATCH-1, ICRC-VIS-d: seen on an earlier visit? The person's page shows the engine's
    // proposals for the delegate to confirm; nothing is linked here.
    if saved.is_ok() {
        let followed = super::followed::Followed::load(&state, &member.scope).await?;
        if !super::same_person::suggest(&followed, &person).is_empty() {
            return Ok(Redirect::to(&format!(
                "/protection/persons-seen/{}#suggestions",
                person.id
            ))
            .into_response());
        }
    }
    visit_saved(
        &state,
        &member,
        visit.id,
        form,
        saved,
        "seen",
        "name_family",
        &["nationality", "service_number", "father_name"],
    )
    .await
}

/// `POST /protection/visits/{id}/follow-ups`: ICRC-VIS-d, the follow-up of a person seen.
pub(crate) async fn follow_up_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let visit = own_visit(&state, &member.scope, &id).await?;
    let seen = seen_on(&state, &member.scope, visit.id).await?;
    let form = Fields::new(pairs);
    let mut check = Check::default();
    let registration = check.choice(
        &form,
        "follow_registration",
        &seen,
        true,
        "a person seen on this visit",
    );
    let Some(follow_up) = parse_follow_up(&mut check, &form, registration, &member.principal.name)
    else {
        return render_visit(&state, &member, visit.id, form, check.0).await;
    };
    let saved = state
        .store
        .record_follow_up(&member.scope, uuid::Uuid::now_v7(), &follow_up)
        .await;
    visit_saved(
        &state,
        &member,
        visit.id,
        form,
        saved,
        "seen",
        "follow_registration",
        &["health", "family_contact", "messages", "reprisals"],
    )
    .await
}

/// ICRC-VIS-d: the follow-up's fields, shared by the visit's page and the person's page
/// (`protection_follow_up_fields.html`); `None` when a field is refused (the messages are in
/// `check`).
pub(super) fn parse_follow_up(
    check: &mut Check,
    form: &Fields,
    registration: Option<RegistrationId>,
    by: &str,
) -> Option<FollowUp> {
    let health = check.opt_text(form, "health", 4000, true);
    let family_contact_wanted = form.flag("family_contact_wanted");
    let family_contact = check.opt_text(form, "family_contact", 1000, true);
    if family_contact_wanted && family_contact.is_none() && check.ok() {
        check.add("family_contact", "whom to contact, when contact is wanted");
    }
    let messages: Vec<String> = form
        .get("messages")
        .lines()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect();
    if messages.iter().any(|m| m.chars().count() > 4000) {
        check.add("messages", "each message at most 4000 characters");
    }
    let next_visit_due = check.day(form, "next_visit_due");
    // ICRC-VIS-d: every follow-up asks about reprisals after earlier interviews.
    let reprisals_reported = match form.get("reprisals") {
        "yes" => Some(true),
        "no" => Some(false),
        "" | "not-asked" => None,
        other => {
            check.add(
                "reprisals",
                format!("{other:?}: choose yes, no or not asked"),
            );
            None
        }
    };
    let (Some(registration), true) = (registration, check.ok()) else {
        return None;
    };
    Some(FollowUp {
        registration,
        recorded_at: OffsetDateTime::now_utc(),
        health,
        family_contact_wanted,
        family_contact,
        messages,
        next_visit_due,
        reprisals_reported,
        recorded_by: by.to_owned(),
    })
}

/// `POST /protection/visits/{id}/interviews`: GC3-126-b, a private interview with its consent.
pub(crate) async fn interview_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let visit = own_visit(&state, &member.scope, &id).await?;
    let seen = seen_on(&state, &member.scope, visit.id).await?;
    let places: Vec<PlaceId> = state
        .store
        .places(&member.scope)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let form = Fields::new(pairs);
    let now = OffsetDateTime::now_utc();
    let mut check = Check::default();
    let mut interviewees = Vec::new();
    for value in form.all("interviewees") {
        match value.parse::<RegistrationId>() {
            Ok(id) if seen.contains(&id) => interviewees.push(id),
            _ => check.add("interviewees", "choose persons seen on this visit"),
        }
    }
    if interviewees.is_empty() {
        check.add("interviewees", "at least one person seen on this visit");
    }
    let place = check.choice(&form, "interview_place", &places, true, "the place");
    let held_at = check.instant(&form, "held_at", true, now, false);
    let interviewers: Vec<String> = form
        .get("interviewers")
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .collect();
    if interviewers.is_empty() {
        check.add("interviewers", "at least one");
    }
    let interpreter = check.opt_text(&form, "interpreter", 200, false);
    let language = check.opt_text(&form, "language", 64, false);
    let without_witnesses = match form.get("witnesses") {
        "" | "none" => true,
        "present" => false,
        other => {
            check.add("witnesses", format!("{other:?}: choose none or present"));
            true
        }
    };
    let present = check.opt_text(&form, "present", 500, false);
    if !without_witnesses && present.is_none() && check.ok() {
        check.add(
            "present",
            "who was present, when the interview was not without witnesses (GC III 126)",
        );
    }
    let consent = check.code::<Consent>(&form, "consent_authorities", true);
    let notes = check.opt_text(&form, "notes", 20_000, true);
    let (Some(place), Some(held_at), Some(consent), true) = (place, held_at, consent, check.ok())
    else {
        return render_visit(&state, &member, visit.id, form, check.0).await;
    };
    let interview = Interview {
        id: InterviewId::new(),
        visit: visit.id,
        interviewees,
        place,
        held_at,
        interviewers,
        interpreter,
        language,
        without_witnesses,
        present,
        consent_authorities: consent,
        consent_family: form.flag("consent_family"),
        consent_medical: form.flag("consent_medical"),
        notes,
    };
    let saved = state
        .store
        .record_interview(&member.scope, &interview)
        .await;
    visit_saved(
        &state,
        &member,
        visit.id,
        form,
        saved,
        "interviews",
        "interviewees",
        &[
            "interviewees",
            "interviewers",
            "present",
            "notes",
            "language",
            "interpreter",
        ],
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Lifting a refusal.

/// `POST /protection/refusals/{id}/end`: GC3-126-c, access granted again. Refused: the overview
/// again, with the message on that refusal's form.
pub(crate) async fn refusal_end_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let refusal: RefusalId = parse_id(&id)?;
    let form = Fields::new(pairs);
    let now = OffsetDateTime::now_utc();
    let mut check = Check::default();
    let ended_at = check.instant(&form, "ended_at", true, now, false);
    let note = check.opt_text(&form, "end_note", 2000, true);
    let (Some(ended_at), true) = (ended_at, check.ok()) else {
        return super::render_overview(&state, &member, Some((refusal, form, check.0))).await;
    };
    let end = RefusalEnd {
        refusal,
        ended_at,
        note,
    };
    match state.store.lift_refusal(&member.scope, &end).await {
        Ok(()) => Ok(Redirect::to("/protection#refusal-series").into_response()),
        Err(error) => {
            let errors = store_errors(error, "ended_at", &["ended_at", "note"])?;
            super::render_overview(&state, &member, Some((refusal, form, errors))).await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Allegations.

#[derive(Template)]
#[template(path = "protection_allegation_new.html")]
struct NewAllegationPage {
    layout: Layout,
    categories: Vec<Choice>,
    acts: Vec<Choice>,
    sources: Vec<Choice>,
    consents: Vec<Choice>,
    perpetrator_kinds: Vec<Choice>,
    places: Vec<Choice>,
    victims: Vec<Choice>,
    interviews: Vec<Choice>,
    form: Fields,
    errors: HashMap<String, String>,
}

form_page!(NewAllegationPage, checked);

async fn victim_choices(state: &AppState, scope: &TenantScope) -> AppResult<Vec<Choice>> {
    let visits = state.store.visits(scope).await?;
    Ok(state
        .store
        .registrations(scope, None)
        .await?
        .into_iter()
        .map(|r| Choice {
            code: r.id.to_string(),
            label: format!(
                "{} ({}, {})",
                r.name.display(),
                visits
                    .iter()
                    .find(|v| v.id == r.visit)
                    .map(|v| v.reference.as_str())
                    .unwrap_or_default(),
                date(r.seen_at)
            ),
        })
        .collect())
}

async fn new_allegation_page(
    state: &AppState,
    member: &Authorized<Protect>,
    form: Fields,
    errors: FieldErrors,
) -> AppResult<Response> {
    let invalid = !errors.is_empty();
    let page = NewAllegationPage {
        layout: Layout::new(state, &member.signed_in, "New allegation").await?,
        categories: vocabulary(AllegationCategory::ALL.iter().map(|c| c.code())),
        acts: vocabulary(ActKind::ALL.iter().map(|c| c.code())),
        sources: vocabulary(AllegationSource::ALL.iter().map(|c| c.code())),
        consents: vocabulary(Consent::ALL.iter().map(|c| c.code())),
        perpetrator_kinds: vocabulary(PerpetratorKind::ALL.iter().map(|c| c.code())),
        places: place_choices(state, &member.scope).await?,
        victims: victim_choices(state, &member.scope).await?,
        interviews: super::consent::interview_choices(state, &member.scope).await?,
        form,
        errors: errors.into_iter().collect(),
    };
    Ok(with_status(render(&page)?, invalid))
}

/// `GET /protection/allegations/new`.
pub(crate) async fn allegation_form(
    State(state): State<AppState>,
    member: Authorized<Protect>,
) -> AppResult<Response> {
    new_allegation_page(&state, &member, Fields::default(), Vec::new()).await
}

/// `POST /protection/allegations`: ICRC-VIS-f, records an allegation, then shows it.
pub(crate) async fn allegation_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let scope = &member.scope;
    let form = Fields::new(pairs);
    let places: Vec<PlaceId> = state
        .store
        .places(scope)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let seen: Vec<RegistrationId> = state
        .store
        .registrations(scope, None)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    let mut check = Check::default();
    let reference = check.text(&form, "reference", 64, false);
    let category = check.code::<AllegationCategory>(&form, "category", true);
    let acts = check.codes::<ActKind>(&form, "acts");
    if acts.is_empty() {
        check.add("acts", "at least one act");
    }
    let occurred = check.partial(&form, "occurred");
    let place = check.choice(&form, "place", &places, false, "the place");
    let mut victims = Vec::new();
    for value in form.all("victims") {
        match value.parse::<RegistrationId>() {
            Ok(id) if seen.contains(&id) => victims.push(id),
            _ => check.add("victims", "choose persons seen from the list"),
        }
    }
    let perpetrator_kind = check.code::<PerpetratorKind>(&form, "perpetrator_kind", false);
    let designation = check.opt_text(&form, "perpetrator_designation", 200, false);
    let perpetrators = match (perpetrator_kind, designation) {
        (Some(kind), Some(designation)) => vec![Perpetrator { kind, designation }],
        (None, None) => Vec::new(),
        (Some(_), None) => {
            check.add(
                "perpetrator_designation",
                "the unit or authority (not a person's name)",
            );
            Vec::new()
        }
        (None, Some(_)) => {
            check.add("perpetrator_kind", "choose one");
            Vec::new()
        }
    };
    let sources = check.codes::<AllegationSource>(&form, "sources");
    if sources.is_empty() {
        check.add("sources", "at least one source");
    }
    let known: Vec<InterviewId> = state
        .store
        .all_interviews(scope)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let mut interviews = Vec::new();
    for value in form.all("interviews") {
        match value.parse::<InterviewId>() {
            Ok(id) if known.contains(&id) => interviews.push(id),
            _ => check.add("interviews", "choose private interviews from the list"),
        }
    }
    let consent = check.code::<Consent>(&form, "consent", true);
    let narrative = check.text(&form, "narrative", 20_000, true);
    let (Some(reference), Some(category), Some(consent), Some(narrative), true) =
        (reference, category, consent, narrative, check.ok())
    else {
        return new_allegation_page(&state, &member, form, check.0).await;
    };
    let allegation = Allegation {
        id: AllegationId::new(),
        reference,
        category,
        acts,
        occurred,
        place,
        victims,
        perpetrators,
        sources,
        consent,
        narrative,
    };
    match state
        .store
        .record_allegation_from(scope, &allegation, &interviews)
        .await
    {
        Ok(_) => {
            tracing::info!(allegation.id = %allegation.id, "allegation recorded");
            Ok(Redirect::to(&format!("/protection/allegations/{}", allegation.id)).into_response())
        }
        Err(error) => {
            let errors = store_errors(
                error,
                "reference",
                &["reference", "narrative", "acts", "consent"],
            )?;
            new_allegation_page(&state, &member, form, errors).await
        }
    }
}

struct StepRow {
    at: String,
    by: String,
    kind: &'static str,
    detail: String,
}

pub(crate) struct EvidenceRow {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub role: &'static str,
    pub captured: String,
    pub hash: String,
    pub file: bool,
}

#[derive(Template)]
#[template(path = "protection_allegation.html")]
struct AllegationPage {
    layout: Layout,
    id: String,
    reference: String,
    category: &'static str,
    status: &'static str,
    acts: String,
    sources: String,
    consent: &'static str,
    effective_consent: &'static str,
    interviews: Vec<super::consent::SourceRow>,
    interview_choices: Vec<Choice>,
    occurred: String,
    place: String,
    victims: String,
    perpetrators: String,
    narrative: String,
    steps: Vec<StepRow>,
    /// ICRC-VIS-e: representations with their text, listed without it.
    letters: Vec<super::representations::LetterRow>,
    today: String,
    evidence: Vec<EvidenceRow>,
    forms: Vec<Choice>,
    kinds: Vec<Choice>,
    max_mib: u64,
    form: Fields,
    errors: HashMap<String, String>,
}

form_page!(AllegationPage);

pub(crate) fn evidence_row(stored: store::StoredEvidence) -> EvidenceRow {
    let item = stored.item;
    EvidenceRow {
        id: item.id.to_string(),
        title: item.title,
        kind: item.kind.code(),
        role: item.role.code(),
        captured: datetime(item.captured_at),
        file: item.sha256.is_some(),
        hash: item
            .sha256
            .or(item.unavailable.map(|u| format!("not saved: {u}")))
            .unwrap_or_default(),
    }
}

/// Renders an allegation's page with its history, evidence and forms. Logged as a read of the
/// allegation with its purpose (§7.5).
pub(crate) async fn render_allegation(
    state: &AppState,
    member: &Authorized<Protect>,
    id: AllegationId,
    form: Fields,
    errors: FieldErrors,
) -> AppResult<Response> {
    let scope = &member.scope;
    let (allegation, history) = state.store.allegation(scope, id).await?;
    audit_read(
        state,
        scope,
        format!("allegation:{}", allegation.id),
        "allegation follow-up",
        1,
    )
    .await?;
    let names = place_names(&state.store.places(scope).await?);
    let registrations = state.store.registrations(scope, None).await?;
    let evidence = state
        .store
        .evidence_items(scope)
        .await?
        .into_iter()
        .filter(|e| e.links.contains(&store::EvidenceTarget::Allegation(id)))
        .map(evidence_row)
        .collect();
    let sources = super::consent::sources(state, scope, &allegation).await?;
    let letters = super::representations::letter_rows(state, scope, id).await?;
    let status = state.store.allegation_status(scope, id).await?;
    let invalid = !errors.is_empty();
    let page = AllegationPage {
        layout: Layout::new(
            state,
            &member.signed_in,
            format!("Allegation {}", allegation.reference),
        )
        .await?,
        id: allegation.id.to_string(),
        reference: allegation.reference.clone(),
        category: allegation.category.code(),
        status: status.code(),
        acts: join_codes(allegation.acts.iter().map(|a| a.code())),
        sources: join_codes(allegation.sources.iter().map(|s| s.code())),
        consent: allegation.consent.code(),
        effective_consent: sources.effective,
        interviews: sources.rows,
        interview_choices: sources.choices,
        occurred: allegation
            .occurred
            .as_ref()
            .map(|d| d.original().to_owned())
            .unwrap_or_default(),
        place: allegation
            .place
            .and_then(|p| names.get(&p).cloned())
            .unwrap_or_default(),
        victims: allegation
            .victims
            .iter()
            .filter_map(|v| registrations.iter().find(|r| r.id == *v))
            .map(|r| r.name.display())
            .collect::<Vec<_>>()
            .join(", "),
        perpetrators: allegation
            .perpetrators
            .iter()
            .map(|p| format!("{} ({})", p.designation, p.kind))
            .collect::<Vec<_>>()
            .join("; "),
        narrative: allegation.narrative,
        steps: history
            .iter()
            .map(|s| StepRow {
                at: datetime(s.at),
                by: s.by.clone(),
                kind: s.kind.code(),
                detail: match &s.kind {
                    StepKind::Representation { addressee, form } => {
                        format!("{form} representation to {addressee}")
                    }
                    StepKind::AuthorityReply { text } => text.clone(),
                    StepKind::Closed { reason } => reason.clone(),
                },
            })
            .collect(),
        letters,
        today: super::representations::today(),
        evidence,
        forms: vocabulary(RepresentationForm::ALL.iter().map(|f| f.code())),
        kinds: vocabulary(
            domain::protection::EvidenceKind::ALL
                .iter()
                .map(|k| k.code()),
        ),
        max_mib: store::EVIDENCE_MAX_BYTES / (1024 * 1024),
        form,
        errors: errors.into_iter().collect(),
    };
    Ok(with_status(render(&page)?, invalid))
}

fn join_codes<'a>(codes: impl Iterator<Item = &'a str>) -> String {
    codes.collect::<Vec<_>>().join(", ")
}

/// `GET /protection/allegations/{id}`.
pub(crate) async fn allegation_page(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render_allegation(
        &state,
        &member,
        parse_id(&id)?,
        Fields::default(),
        Vec::new(),
    )
    .await
}

/// `POST /protection/allegations/{id}/steps`: ICRC-VIS-e, a confidential representation, the
/// authority's reply, or the closure; consent decides which representation is possible
/// (ICRC-VIS-c, `domain::protection::check_step`).
pub(crate) async fn step_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id: AllegationId = parse_id(&id)?;
    // Another tenant's allegation: 404 before anything is parsed.
    state.store.allegation(&member.scope, id).await?;
    let form = Fields::new(pairs);
    let mut check = Check::default();
    let kind = match form.get("step") {
        "representation" => {
            let addressee = check.text(&form, "addressee", 200, false);
            let representation = check.code::<RepresentationForm>(&form, "form", true);
            match (addressee, representation) {
                (Some(addressee), Some(form)) => Some(StepKind::Representation { addressee, form }),
                _ => None,
            }
        }
        "authority-reply" => check
            .text(&form, "text", 20_000, true)
            .map(|text| StepKind::AuthorityReply { text }),
        "closed" => check
            .text(&form, "text", 2000, true)
            .map(|reason| StepKind::Closed { reason }),
        "" => {
            check.add("step", "choose what happened");
            None
        }
        other => {
            check.add(
                "step",
                format!("{other:?}: choose representation, authority-reply or closed"),
            );
            None
        }
    };
    let (Some(kind), true) = (kind, check.ok()) else {
        return render_allegation(&state, &member, id, form, check.0).await;
    };
    let step = AllegationStep {
        at: OffsetDateTime::now_utc(),
        by: member.principal.name.clone(),
        kind,
    };
    match state
        .store
        .add_allegation_step(&member.scope, id, &step)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/protection/allegations/{id}#history")).into_response())
        }
        Err(error) => {
            // ICRC-VIS-c refusals ("consent is anonymous; …") concern the form of the
            // representation; the others the step as a whole.
            let errors = store_errors(error, "step", &["addressee", "reply", "reason"])?;
            let errors = errors
                .into_iter()
                .map(|(field, message)| {
                    let field = match field.as_str() {
                        "reply" | "reason" => "text".to_owned(),
                        _ if message.starts_with("ICRC-VIS-c") => "form".to_owned(),
                        _ => field,
                    };
                    (field, message)
                })
                .collect();
            render_allegation(&state, &member, id, form, errors).await
        }
    }
}
