//! The agency's casework: tracing request intake (ICRC-RFL-b), review of the engine's proposals
//! (MATCH-1, MATCH-7) and the answer letter.
//!
//! The workflow rules live here and in the store's append-only decisions:
//! - a pair with any rejection is never proposed again, and cannot be confirmed;
//! - a user decides on a pair once (the store refuses a second decision);
//! - the answer letter exists only after confirmations by two different users, and no rejection.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{
    AssertedValue, CurrentView, FieldKey, LanguageTag, NamePart, PartialDate, PersonId, PersonName,
};
use serde::Deserialize;
use store::{
    Decision, MatchDecision, NewMatchDecision, NewTracingRequest, RequestStage, StoreError,
    TracingRequest, TracingRequestId, WorklistFilter,
};
use time::OffsetDateTime;

use crate::auth::CsrfForm;
use crate::authz::{Authorized, Trace};
use crate::error::{AppError, AppResult};
use crate::html::register::{FieldErrors, NAME_PARTS, person_id};
use crate::html::{Layout, date, datetime, page_number, render};
use crate::search::{self, FeatureExplanation, Proposal};
use crate::state::AppState;

/// Relationships offered on the intake form.
pub(crate) const RELATIONSHIPS: [&str; 7] = [
    "parent",
    "spouse or partner",
    "child",
    "sibling",
    "grandparent",
    "other relative",
    "other",
];

fn get<'a>(input: &'a HashMap<String, String>, key: &str) -> &'a str {
    input.get(key).map_or("", |v| v.trim())
}

fn checked(input: &HashMap<String, String>, key: &str) -> bool {
    matches!(get(input, key), "on" | "true" | "yes" | "1")
}

/// Checks an intake form (shared with the API), naming every problem by field.
pub(crate) fn parse_tracing_request(
    input: &HashMap<String, String>,
    now: OffsetDateTime,
) -> Result<NewTracingRequest, FieldErrors> {
    let mut errors: FieldErrors = Vec::new();
    let mut required = |key: &str, max: usize, message: &str| -> String {
        let text = get(input, key);
        if text.is_empty() {
            errors.push((key.into(), message.into()));
        } else if text.chars().count() > max {
            errors.push((key.into(), format!("at most {max} characters")));
        } else if text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
        {
            errors.push((key.into(), "contains a control character".into()));
        }
        text.to_owned()
    };
    let reference = required("reference", 64, "give the request's reference");
    let enquirer_name = required("enquirer_name", 200, "who is asking?");
    let enquirer_contact = required(
        "enquirer_contact",
        500,
        "how can the agency reach the enquirer (address, phone)?",
    );
    let relationship = required(
        "relationship",
        100,
        "how is the enquirer related to the person sought?",
    );
    let circumstances = required(
        "circumstances",
        4000,
        "when and where was the person last heard of, and how were they separated?",
    );
    let language = match get(input, "sought_language") {
        "" => None,
        text => match text.parse::<LanguageTag>() {
            Ok(tag) => Some(tag),
            Err(_) => {
                errors.push((
                    "sought_language".into(),
                    format!("{text:?} is not a language tag (for example uk, ru, ar, en)"),
                ));
                None
            }
        },
    };
    let mut parts = Vec::new();
    for (key, kind, _) in NAME_PARTS {
        let form_key = key.replace("name_", "sought_");
        let text = get(input, &form_key);
        if text.is_empty() {
            continue;
        }
        match NamePart::new(kind, text, language.clone()) {
            Ok(part) => parts.push(part),
            Err(error) => errors.push((form_key, error.to_string())),
        }
    }
    let sought_name = match PersonName::new(parts) {
        Ok(name) => Some(name),
        Err(_) => {
            if !errors.iter().any(|(k, _)| k.starts_with("sought_")) {
                errors.push((
                    "sought_family".into(),
                    "give at least one part of the sought person's name, in any script".into(),
                ));
            }
            None
        }
    };
    let sought_birth = match get(input, "sought_birth") {
        "" => None,
        text => {
            match PartialDate::parse(text).and_then(|d| d.validate_birth(now.date()).map(|()| d)) {
                Ok(date) => Some(date),
                Err(error) => {
                    errors.push(("sought_birth".into(), error.to_string()));
                    None
                }
            }
        }
    };
    let optional = |key: &str| -> Option<String> {
        let text = get(input, key);
        (!text.is_empty()).then(|| text.chars().take(500).collect())
    };
    // ICRC-RFL-b: the agency traces only with the enquirer's consent.
    let consent_tracing = checked(input, "consent_tracing");
    if !consent_tracing {
        errors.push((
            "consent_tracing".into(),
            "the agency traces only with the enquirer's consent; tick the box once they have given it".into(),
        ));
    }
    match sought_name {
        Some(sought_name) if errors.is_empty() => Ok(NewTracingRequest {
            reference,
            enquirer_name,
            enquirer_contact,
            relationship,
            sought_name,
            sought_birth,
            sought_birth_place: optional("sought_birth_place"),
            sought_father_name: optional("sought_father_name"),
            circumstances,
            consent_tracing,
            consent_share: checked(input, "consent_share"),
            language: language.map(|l| l.as_str().to_owned()),
        }),
        _ => Err(errors),
    }
}

/// Stores a request; a taken reference is a field error.
pub(crate) async fn store_tracing_request(
    state: &AppState,
    scope: &store::TenantScope,
    request: &NewTracingRequest,
) -> AppResult<Result<TracingRequestId, FieldErrors>> {
    match state.store.create_tracing_request(scope, request).await {
        Ok(id) => Ok(Ok(id)),
        Err(StoreError::Invalid(message)) => Ok(Err(vec![("reference".into(), message)])),
        Err(error) => Err(error.into()),
    }
}

pub(crate) fn request_id(text: &str) -> AppResult<TracingRequestId> {
    text.parse().map_err(|_| AppError::NotFound)
}

struct RequestRow {
    id: TracingRequestId,
    reference: String,
    sought: String,
    enquirer: String,
    created: String,
    stage: &'static str,
    stage_code: &'static str,
    decisions: i64,
    /// The engine's best proposal that nobody rejected, as a percentage; empty when none.
    best: String,
}

/// One tab of the worklist: a stage (or all), its count and whether it is the one shown.
struct StageTab {
    code: &'static str,
    label: &'static str,
    count: i64,
    current: bool,
}

#[derive(Template)]
#[template(path = "tracing_list.html")]
struct ListPage {
    layout: Layout,
    tabs: Vec<StageTab>,
    stage: &'static str,
    reference: String,
    rows: Vec<RequestRow>,
    total: i64,
    page: i64,
    pages: i64,
}

/// Requests a page of the worklist shows.
const WORKLIST_PAGE: i64 = 50;

#[derive(Deserialize)]
pub(crate) struct WorklistQuery {
    stage: Option<String>,
    reference: Option<String>,
    page: Option<String>,
}

/// What a caseworker calls each stage.
pub(crate) const fn stage_label(stage: RequestStage) -> &'static str {
    match stage {
        RequestStage::ToReview => "To review",
        RequestStage::AwaitingSecond => "Awaiting a second confirmation",
        RequestStage::Found => "Found",
    }
}

/// The stage a query asks for: empty or absent is every stage; an unknown code is refused by
/// name rather than shown as everything.
pub(crate) fn stage_filter(text: Option<&str>) -> AppResult<Option<RequestStage>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(code) => RequestStage::from_code(code).map(Some).ok_or_else(|| {
            AppError::Invalid(vec![(
                "stage".into(),
                "unknown stage; one of to-review, awaiting-second, found".into(),
            )])
        }),
    }
}

/// A reference prefix from a query: at most 64 characters, like a reference.
pub(crate) fn reference_filter(text: Option<&str>) -> AppResult<Option<String>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(prefix) if prefix.chars().count() > 64 || prefix.chars().any(char::is_control) => {
            Err(AppError::Invalid(vec![(
                "reference".into(),
                "a reference has at most 64 characters and no control characters".into(),
            )]))
        }
        Some(prefix) => Ok(Some(prefix.to_owned())),
    }
}

/// `GET /tracing?stage=&reference=&page=`: the caseworker's worklist, newest first, 50 a page,
/// with each request's stage (MATCH-1) and a tab per stage with its count.
pub(crate) async fn list(
    State(state): State<AppState>,
    member: Authorized<Trace>,
    Query(query): Query<WorklistQuery>,
) -> AppResult<Response> {
    let stage = stage_filter(query.stage.as_deref())?;
    let reference = reference_filter(query.reference.as_deref())?;
    let layout = Layout::new(&state, &member.signed_in, "Tracing requests").await?;
    let counts = state.store.tracing_stage_counts(&member.scope).await?;
    let filter = WorklistFilter {
        stage,
        reference_prefix: reference.clone(),
    };
    let requested = page_number(query.page.as_deref());
    let mut worklist = state
        .store
        .tracing_worklist(
            &member.scope,
            &filter,
            (requested - 1) * WORKLIST_PAGE,
            WORKLIST_PAGE,
        )
        .await?;
    let pages = ((worklist.total + WORKLIST_PAGE - 1) / WORKLIST_PAGE).max(1);
    if requested > pages {
        // Past the end: the last page rather than an empty one.
        worklist = state
            .store
            .tracing_worklist(
                &member.scope,
                &filter,
                (pages - 1) * WORKLIST_PAGE,
                WORKLIST_PAGE,
            )
            .await?;
    }
    let mut tabs = vec![StageTab {
        code: "",
        label: "All",
        count: counts.total(),
        current: stage.is_none(),
    }];
    tabs.extend(RequestStage::ALL.into_iter().map(|s| StageTab {
        code: s.code(),
        label: stage_label(s),
        count: counts.get(s),
        current: stage == Some(s),
    }));
    // Triage: the best proposal of each request shown, without its rejected pairs.
    let mut pairs = Vec::with_capacity(worklist.rows.len());
    for row in &worklist.rows {
        let decisions = state
            .store
            .match_decisions(&member.scope, row.request.id)
            .await?;
        let rejected = pair_states(&decisions)
            .into_iter()
            .filter(|(_, s)| s.rejected)
            .map(|(person, _)| person)
            .collect();
        pairs.push((&row.request, rejected));
    }
    let best = search::best_scores(&state, &member.scope, &pairs).await?;
    drop(pairs);
    let rows = worklist
        .rows
        .into_iter()
        .zip(best)
        .map(|(r, best)| RequestRow {
            id: r.request.id,
            reference: r.request.request.reference,
            sought: r.request.request.sought_name.display(),
            enquirer: format!(
                "{} ({})",
                r.request.request.enquirer_name, r.request.request.relationship
            ),
            created: date(r.request.created_at),
            stage: stage_label(r.stage),
            stage_code: r.stage.code(),
            decisions: r.decisions,
            best: best
                .map(|p| format!("{:.1}%", p * 100.0))
                .unwrap_or_default(),
        })
        .collect();
    render(&ListPage {
        layout,
        tabs,
        stage: stage.map_or("", RequestStage::code),
        reference: reference.unwrap_or_default(),
        rows,
        total: worklist.total,
        page: requested.min(pages),
        pages,
    })
}

#[derive(Template)]
#[template(path = "tracing_form.html")]
struct FormPage {
    layout: Layout,
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    relationships: [&'static str; 7],
    name_parts: Vec<(String, &'static str)>,
}

impl FormPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }
}

async fn form_page(
    state: &AppState,
    member: &Authorized<Trace>,
    values: HashMap<String, String>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let layout = Layout::new(state, &member.signed_in, "New tracing request").await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(&FormPage {
        layout,
        values,
        errors: errors.into_iter().collect(),
        relationships: RELATIONSHIPS,
        name_parts: NAME_PARTS
            .iter()
            .map(|(key, _, label)| (key.replace("name_", "sought_"), *label))
            .collect(),
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /tracing/new`.
pub(crate) async fn form(
    State(state): State<AppState>,
    member: Authorized<Trace>,
) -> AppResult<Response> {
    form_page(&state, &member, HashMap::new(), Vec::new()).await
}

/// `POST /tracing`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    member: Authorized<Trace>,
    CsrfForm(input): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let request = match parse_tracing_request(&input, OffsetDateTime::now_utc()) {
        Ok(request) => request,
        Err(errors) => return form_page(&state, &member, input, errors).await,
    };
    match store_tracing_request(&state, &member.scope, &request).await? {
        Ok(id) => Ok(Redirect::to(&format!("/tracing/{id}")).into_response()),
        Err(errors) => form_page(&state, &member, input, errors).await,
    }
}

/// A pair under review: the proposal and who has decided what.
struct PairView {
    person: PersonId,
    reference: String,
    display_name: String,
    score: f64,
    score_percent: String,
    features: Vec<FeatureView>,
    notes: Vec<String>,
    confirmed_by: Vec<String>,
    /// Whether the signed-in user has decided already.
    mine: Option<&'static str>,
    /// Two different users confirmed and nobody rejected.
    confirmed: bool,
    /// Issue 5, item 3: the records confirmed as the same person (another source's record of
    /// them, with its own news), by id and reference; never merged.
    same_person: Vec<(PersonId, String)>,
}

struct FeatureView {
    feature: &'static str,
    request_value: String,
    record_value: String,
    request_key: String,
    record_key: String,
    /// The engine's outcome in plain words.
    outcome: String,
    /// `for` or `against`, for the stylesheet.
    direction: &'static str,
    weight: String,
    text: String,
}

fn feature_view(f: &FeatureExplanation) -> FeatureView {
    FeatureView {
        feature: f.feature,
        request_value: f.request_value.clone(),
        record_value: f.record_value.clone(),
        request_key: f.keys.0.clone(),
        record_key: f.keys.1.clone(),
        outcome: f.words.clone(),
        direction: if f.weight >= 0.0 { "for" } else { "against" },
        weight: format!("{:+.1}", f.weight),
        text: f.text.clone(),
    }
}

/// What the decisions say about one pair.
pub(crate) struct PairState {
    pub rejected: bool,
    pub confirmers: Vec<(domain::UserId, String)>,
}

impl PairState {
    /// MATCH-1: two independent confirmations (two different users) and no rejection.
    pub(crate) fn confirmed(&self) -> bool {
        !self.rejected && self.confirmers.len() >= 2
    }
}

pub(crate) fn pair_states(decisions: &[MatchDecision]) -> HashMap<PersonId, PairState> {
    let mut states: HashMap<PersonId, PairState> = HashMap::new();
    for decision in decisions {
        let entry = states.entry(decision.person).or_insert(PairState {
            rejected: false,
            confirmers: Vec::new(),
        });
        match decision.decision {
            Decision::Reject => entry.rejected = true,
            Decision::Confirm => {
                if !entry.confirmers.iter().any(|(u, _)| *u == decision.user) {
                    entry
                        .confirmers
                        .push((decision.user, decision.username.clone()));
                }
            }
        }
    }
    states
}

#[derive(Template)]
#[template(path = "tracing_review.html")]
struct ReviewPage {
    layout: Layout,
    id: TracingRequestId,
    request: NewTracingRequest,
    sought_name: String,
    sought_lang: String,
    sought_birth: String,
    created: String,
    created_by: String,
    pairs: Vec<PairView>,
    /// Several records score alike at the top: a warning, and what to ask the family.
    namesakes: Option<String>,
    rejected: usize,
    algorithm: &'static str,
    message: Option<String>,
    /// Issue 5: the enquiries asked of bureaus for this request, with their answers: the news
    /// the agency forwards to the family.
    enquiries: Vec<crate::html::enquiries::EnquiryView>,
}

/// Records within this many points of probability of the best one "score alike".
const ALIKE_MARGIN: f64 = 0.02;

/// When two or more proposals score alike at the top (at least even odds), they may be
/// namesakes: different people who share a name, which real name frequencies make common (a
/// few surnames and given names cover much of a population). Confirming one on the name alone could tell a family that their
/// relative is someone else. The warning names what the request lacks that would tell them
/// apart (MATCH-6: strong identifiers decide).
fn namesake_warning(pairs: &[PairView], request: &NewTracingRequest) -> Option<String> {
    let top = pairs.iter().map(|p| p.score).fold(0.0_f64, f64::max);
    if top < 0.5 {
        return None;
    }
    let alike = pairs
        .iter()
        .filter(|p| p.score >= top - ALIKE_MARGIN)
        .count();
    if alike < 2 {
        return None;
    }
    let mut missing = Vec::new();
    match &request.sought_birth {
        None => missing.push("the date of birth"),
        Some(date) if date.earliest() != date.latest() => missing.push("the full date of birth"),
        Some(_) => {}
    }
    if request.sought_father_name.is_none()
        && request
            .sought_name
            .part(domain::NamePartKind::Patronymic)
            .is_none()
    {
        missing.push("the father's name");
    }
    if request.sought_birth_place.is_none() {
        missing.push("the place of birth");
    }
    let mut text = format!(
        "{alike} records score alike ({:.1}%): they may be different people who share a name. \
         Do not confirm one on the name alone.",
        top * 100.0
    );
    if missing.is_empty() {
        text.push_str(" Compare the dates of birth and the parents' names on each record.");
    } else {
        text.push_str(&format!(
            " Ask the family for {}: it tells them apart.",
            join_with_and(&missing)
        ));
    }
    Some(text)
}

fn join_with_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The proposals for a request that are still open to review or confirmed, with decisions.
async fn review_pairs(
    state: &AppState,
    member: &Authorized<Trace>,
    request: &TracingRequest,
) -> AppResult<(Vec<PairView>, usize)> {
    let decisions = state
        .store
        .match_decisions(&member.scope, request.id)
        .await?;
    let states = pair_states(&decisions);
    let mut proposals = search::propose(state, &member.scope, request, 10).await?;
    // Pairs already confirmed by someone stay on the page even if the engine changes its mind.
    let mut missing: Vec<PersonId> = states
        .iter()
        .filter(|(person, s)| !s.rejected && !proposals.iter().any(|p| p.person == **person))
        .map(|(person, _)| *person)
        .collect();
    missing.sort();
    for record in state.store.person_records(&member.scope, &missing).await? {
        proposals.push(search::explain_pair(state, &member.scope, request, &record).await?);
    }
    let me = member.principal.user;
    let rejected = states.values().filter(|s| s.rejected).count();
    // Issue 5, item 3: each proposed record's confirmed same-person records, as the caller may
    // see them (a restricted record is left out).
    let links = state.store.confirmed_links(&member.scope).await?;
    let mut same_person: HashMap<PersonId, Vec<PersonId>> = HashMap::new();
    if !links.is_empty() {
        for p in &proposals {
            let others: Vec<PersonId> = crate::links::group_of(&links, p.person)
                .into_iter()
                .skip(1)
                .collect();
            if !others.is_empty() {
                same_person.insert(p.person, others);
            }
        }
    }
    let wanted: Vec<PersonId> = same_person.values().flatten().copied().collect();
    let references: HashMap<PersonId, String> = state
        .store
        .person_records(&member.scope, &wanted)
        .await?
        .into_iter()
        .map(|r| (r.person.id, r.person.reference))
        .collect();
    let pairs = proposals
        .into_iter()
        // MATCH-1: a rejected pair is never proposed again.
        .filter(|p| !states.get(&p.person).is_some_and(|s| s.rejected))
        .map(|p: Proposal| {
            let pair = states.get(&p.person);
            let mine = decisions
                .iter()
                .find(|d| d.person == p.person && Some(d.user) == me)
                .map(|d| d.decision.code());
            PairView {
                person: p.person,
                reference: p.reference,
                display_name: p.display_name.unwrap_or_default(),
                score: p.score,
                score_percent: format!("{:.1}", p.score * 100.0),
                features: p.features.iter().map(feature_view).collect(),
                notes: p.notes,
                confirmed_by: pair
                    .map(|s| s.confirmers.iter().map(|(_, name)| name.clone()).collect())
                    .unwrap_or_default(),
                mine,
                confirmed: pair.is_some_and(PairState::confirmed),
                same_person: same_person
                    .get(&p.person)
                    .into_iter()
                    .flatten()
                    .filter_map(|o| references.get(o).map(|r| (*o, r.clone())))
                    .collect(),
            }
        })
        .collect();
    Ok((pairs, rejected))
}

async fn review_page(
    state: &AppState,
    member: &Authorized<Trace>,
    id: TracingRequestId,
    status: StatusCode,
    message: Option<String>,
) -> AppResult<Response> {
    let request = state.store.tracing_request(&member.scope, id).await?;
    let (pairs, rejected) = review_pairs(state, member, &request).await?;
    let layout = Layout::new(state, &member.signed_in, "Tracing request").await?;
    let now = OffsetDateTime::now_utc();
    let enquiries = state
        .store
        .enquiries(&member.scope)
        .await?
        .iter()
        .filter(|e| e.tracing_request == Some(id))
        .map(|e| crate::html::enquiries::EnquiryView::of(e, now))
        .collect();
    let mut response = render(&ReviewPage {
        enquiries,
        layout,
        id,
        sought_name: request.request.sought_name.display(),
        sought_lang: request.request.language.clone().unwrap_or_default(),
        sought_birth: request
            .request
            .sought_birth
            .as_ref()
            .map(|d| d.original().to_owned())
            .unwrap_or_default(),
        created: datetime(request.created_at),
        created_by: request.created_by.clone(),
        namesakes: namesake_warning(&pairs, &request.request),
        request: request.request,
        pairs,
        rejected,
        algorithm: search::ALGORITHM,
        message,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /tracing/{id}`: the request, and the proposals side by side with their explanations.
pub(crate) async fn review(
    State(state): State<AppState>,
    member: Authorized<Trace>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id = request_id(&id)?;
    review_page(&state, &member, id, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    person: String,
    #[serde(default)]
    decision: String,
}

/// `POST /tracing/{id}/decisions`: confirm or reject one pair. The score and explanation stored
/// with the decision are computed here again, never taken from the form.
pub(crate) async fn decide(
    State(state): State<AppState>,
    member: Authorized<Trace>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> AppResult<Response> {
    let id = request_id(&id)?;
    let request = state.store.tracing_request(&member.scope, id).await?;
    let decision = match form.decision.as_str() {
        "confirm" => Decision::Confirm,
        "reject" => Decision::Reject,
        _ => {
            return Err(AppError::Invalid(vec![(
                "decision".into(),
                "choose confirm or reject".into(),
            )]));
        }
    };
    let person = form.person.parse::<PersonId>().map_err(|_| {
        AppError::Invalid(vec![(
            "person".into(),
            "not a person of this tenant".into(),
        )])
    })?;
    let record = state.store.person(&member.scope, person).await?;
    let decisions = state.store.match_decisions(&member.scope, id).await?;
    if pair_states(&decisions)
        .get(&person)
        .is_some_and(|s| s.rejected)
    {
        return Err(AppError::Conflict(
            "this pair was rejected; a rejected pair is not reviewed again".into(),
        ));
    }
    // The explanation the reviewer saw: the engine's over the whole tenant, or, for a pair it no
    // longer ranks among the best, the pair on its own.
    let proposal = match search::propose(&state, &member.scope, &request, 50)
        .await?
        .into_iter()
        .find(|p| p.person == person)
    {
        Some(proposal) => proposal,
        None => search::explain_pair(&state, &member.scope, &request, &record).await?,
    };
    let explanation = serde_json::to_string(&proposal.features)
        .map_err(|e| AppError::Internal(format!("explanation: {e}")))?;
    #[allow(clippy::cast_possible_truncation)]
    let score = (proposal.score * 1000.0).round() as i32;
    match state
        .store
        .record_match_decision(
            &member.scope,
            &NewMatchDecision {
                request: id,
                person,
                decision,
                score,
                algorithm: search::ALGORITHM,
                explanation: &explanation,
            },
        )
        .await
    {
        Ok(()) => {
            tracing::info!(decision = decision.code(), "match decision");
            Ok(Redirect::to(&format!("/tracing/{id}")).into_response())
        }
        Err(StoreError::Invalid(message)) => {
            review_page(&state, &member, id, StatusCode::CONFLICT, Some(message)).await
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Template)]
#[template(path = "letter.html")]
struct LetterPage {
    layout: Layout,
    id: TracingRequestId,
    request: NewTracingRequest,
    sought_name: String,
    found_name: String,
    found_birth: String,
    category: &'static str,
    registered: String,
    confirmed_by: Vec<String>,
    today: String,
    /// Issue 5: the bureaus' answers to this request's enquiries (`html::family_news`).
    news: crate::html::family_news::FamilyNews,
}

/// `?omit=ANS-…,ANS-…`: answers the caseworker leaves out of the letter (ICRC-RFL-b).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LetterQuery {
    omit: Option<String>,
}

/// `GET /tracing/{id}/letter/{person}`: the answer to the family, only once two different users
/// confirmed the pair and nobody rejected it. It says that the person is registered, never where
/// (an adult's whereabouts go to the family only with their consent, ICRC-RFL-b).
pub(crate) async fn letter(
    State(state): State<AppState>,
    member: Authorized<Trace>,
    Path((id, person)): Path<(String, String)>,
    Query(query): Query<LetterQuery>,
) -> AppResult<Response> {
    let id = request_id(&id)?;
    let person = person_id(&person)?;
    let request = state.store.tracing_request(&member.scope, id).await?;
    let record = state.store.person(&member.scope, person).await?;
    let decisions = state.store.match_decisions(&member.scope, id).await?;
    let states = pair_states(&decisions);
    let Some(pair) = states.get(&person).filter(|s| s.confirmed()) else {
        return Err(AppError::Conflict(
            "an answer goes to the family only after two independent confirmations (MATCH-1)"
                .into(),
        ));
    };
    let view = CurrentView::project(&record.assertions);
    let found_name = view
        .value(FieldKey::Name)
        .map(AssertedValue::display)
        .unwrap_or_default();
    let found_birth = view
        .value(FieldKey::BirthDate)
        .map(AssertedValue::display)
        .unwrap_or_default();
    let news = crate::html::family_news::family_news(
        &state.store,
        &member.scope,
        id,
        person,
        &format!("/tracing/{id}/letter/{person}"),
        &crate::html::family_news::omitted(query.omit.as_deref()),
    )
    .await?;
    let layout = Layout::new(&state, &member.signed_in, "Answer letter").await?;
    render(&LetterPage {
        news,
        layout,
        id,
        sought_name: request.request.sought_name.display(),
        request: request.request,
        found_name,
        found_birth,
        category: record.person.category.label(),
        registered: date(record.person.registered_at),
        confirmed_by: pair.confirmers.iter().map(|(_, n)| n.clone()).collect(),
        today: date(OffsetDateTime::now_utc()),
    })
}
