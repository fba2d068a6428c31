//! ICRC-VIS-c: allegations and the private interviews they come from. The interview's consent
//! to use what was said with the authorities (named, anonymous, no) governs every
//! representation of the allegation: an allegation from an interview without consent never
//! reaches the authorities; an anonymous one strips the person (`domain::protection::representation`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::protection::{Interview, RepresentationForm, effective_consent, representation};
use domain::{AllegationId, InterviewId};
use serde_json::json;
use store::TenantScope;

use super::forms::{Choice, Fields, render_allegation};
use super::{Protect, audit_read, parse_id, place_names};
use crate::api::Json;
use crate::auth::CsrfForm;
use crate::authz::{ApiAuthorized, Authorized};
use crate::error::{AppError, AppResult};
use crate::html::{Layout, date, datetime, render};
use crate::state::AppState;

/// One interview an allegation comes from, as its page shows it (no notes: need to know).
pub(crate) struct SourceRow {
    pub held_at: String,
    pub visit: String,
    pub interviewees: String,
    pub consent: &'static str,
}

/// Names of the persons seen and references of the visits, to label interviews.
struct Labels {
    visits: HashMap<domain::VisitId, String>,
    seen: HashMap<domain::RegistrationId, String>,
}

impl Labels {
    async fn load(state: &AppState, scope: &TenantScope) -> AppResult<Self> {
        Ok(Self {
            visits: state
                .store
                .visits(scope)
                .await?
                .into_iter()
                .map(|v| (v.id, v.reference))
                .collect(),
            seen: state
                .store
                .registrations(scope, None)
                .await?
                .into_iter()
                .map(|r| (r.id, r.name.display()))
                .collect(),
        })
    }

    fn visit(&self, interview: &Interview) -> String {
        self.visits
            .get(&interview.visit)
            .cloned()
            .unwrap_or_default()
    }

    fn interviewees(&self, interview: &Interview) -> String {
        interview
            .interviewees
            .iter()
            .filter_map(|id| self.seen.get(id).cloned())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn choice(&self, interview: &Interview) -> Choice {
        Choice {
            code: interview.id.to_string(),
            label: format!(
                "{}, {}: {} (use with the authorities: {})",
                self.visit(interview),
                date(interview.held_at),
                self.interviewees(interview),
                interview.consent_authorities
            ),
        }
    }
}

/// Every private interview of the unit (who was interviewed, when, with what consent; never
/// the notes), for the new-allegation form. The listing is logged as a read with its purpose.
pub(crate) async fn interview_choices(
    state: &AppState,
    scope: &TenantScope,
) -> AppResult<Vec<Choice>> {
    let labels = Labels::load(state, scope).await?;
    let interviews = state.store.all_interviews(scope).await?;
    if !interviews.is_empty() {
        audit_read(
            state,
            scope,
            "interviews".to_owned(),
            "allegation intake",
            interviews.len(),
        )
        .await?;
    }
    Ok(interviews.iter().map(|i| labels.choice(i)).collect())
}

/// What the allegation's page shows about the interviews it comes from: the rows, the consent
/// that governs, and the interviews that could still be linked.
pub(crate) struct Sources {
    pub rows: Vec<SourceRow>,
    pub effective: &'static str,
    pub choices: Vec<Choice>,
}

pub(crate) async fn sources(
    state: &AppState,
    scope: &TenantScope,
    allegation: &domain::protection::Allegation,
) -> AppResult<Sources> {
    let labels = Labels::load(state, scope).await?;
    let linked = state
        .store
        .allegation_interviews(scope, allegation.id)
        .await?;
    let choices = state
        .store
        .all_interviews(scope)
        .await?
        .iter()
        .filter(|i| !linked.iter().any(|l| l.id == i.id))
        .map(|i| labels.choice(i))
        .collect();
    Ok(Sources {
        rows: linked
            .iter()
            .map(|i| SourceRow {
                held_at: datetime(i.held_at),
                visit: labels.visit(i),
                interviewees: labels.interviewees(i),
                consent: i.consent_authorities.code(),
            })
            .collect(),
        effective: effective_consent(allegation, &linked).code(),
        choices,
    })
}

/// `POST /protection/allegations/{id}/interviews`: ICRC-VIS-c, links a private interview the
/// allegation comes from. Append-only; from then on its consent governs.
pub(crate) async fn link_interview_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id: AllegationId = parse_id(&id)?;
    // Another tenant's allegation: 404 before anything is parsed.
    state.store.allegation(&member.scope, id).await?;
    let form = Fields::new(pairs);
    let interviews: Vec<InterviewId> = state
        .store
        .all_interviews(&member.scope)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let chosen = match form.get("interview") {
        "" => Err("choose the interview"),
        text => match text.parse::<InterviewId>() {
            Ok(interview) if interviews.contains(&interview) => Ok(interview),
            _ => Err("choose the interview from the list"),
        },
    };
    let interview = match chosen {
        Ok(interview) => interview,
        Err(message) => {
            let errors = vec![("interview".to_owned(), message.to_owned())];
            return render_allegation(&state, &member, id, form, errors).await;
        }
    };
    state
        .store
        .link_allegation_interview(&member.scope, id, interview)
        .await?;
    tracing::info!(allegation.id = %id, "allegation linked to an interview");
    Ok(Redirect::to(&format!("/protection/allegations/{id}#interviews")).into_response())
}

/// The representation of `form`, or why it may not be made. The read is logged with its
/// purpose ("representation to the authority").
async fn prepare(
    state: &AppState,
    scope: &TenantScope,
    id: &str,
    query: &HashMap<String, String>,
) -> AppResult<(
    domain::protection::Allegation,
    RepresentationForm,
    Result<domain::protection::Representation, String>,
)> {
    let id: AllegationId = parse_id(id)?;
    let (allegation, _) = state.store.allegation(scope, id).await?;
    let form = match query.get("form").map(|f| f.parse::<RepresentationForm>()) {
        Some(Ok(form)) => form,
        Some(Err(message)) => return Err(AppError::Invalid(vec![("form".into(), message)])),
        None => {
            return Err(AppError::Invalid(vec![(
                "form".into(),
                "named, anonymous or aggregated".into(),
            )]));
        }
    };
    let interviews = state.store.allegation_interviews(scope, id).await?;
    audit_read(
        state,
        scope,
        format!("allegation:{}", allegation.id),
        "representation to the authority",
        1,
    )
    .await?;
    let content = representation(&allegation, &interviews, form);
    Ok((allegation, form, content))
}

#[derive(Template)]
#[template(path = "protection_representation.html")]
struct RepresentationPage {
    layout: Layout,
    id: String,
    reference: String,
    form: &'static str,
    refused: Option<String>,
    category: &'static str,
    acts: String,
    occurred: String,
    place: String,
    perpetrators: String,
    persons: String,
    account: String,
}

/// `GET /protection/allegations/{id}/representation?form=named|anonymous|aggregated`: what a
/// confidential representation of that form would hand to the authority, or why it cannot be
/// made (422).
pub(crate) async fn representation_page(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let scope = &member.scope;
    let (allegation, form, content) = prepare(&state, scope, &id, &query).await?;
    let names = place_names(&state.store.places(scope).await?);
    let seen = state.store.registrations(scope, None).await?;
    let layout = Layout::new(
        &state,
        &member.signed_in,
        format!("Representation {}", allegation.reference),
    )
    .await?;
    let mut page = RepresentationPage {
        layout,
        id: allegation.id.to_string(),
        reference: allegation.reference.clone(),
        form: form.code(),
        refused: None,
        category: allegation.category.code(),
        acts: String::new(),
        occurred: String::new(),
        place: String::new(),
        perpetrators: String::new(),
        persons: String::new(),
        account: String::new(),
    };
    match content {
        Err(reason) => {
            page.refused = Some(reason);
            let mut response = render(&page)?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
        Ok(r) => {
            page.acts = r
                .acts
                .iter()
                .map(|a| a.code())
                .collect::<Vec<_>>()
                .join(", ");
            page.occurred = r
                .occurred
                .map(|d| d.original().to_owned())
                .unwrap_or_else(|| "not stated".into());
            page.place = r
                .place
                .and_then(|p| names.get(&p).cloned())
                .unwrap_or_default();
            page.perpetrators = r
                .perpetrators
                .iter()
                .map(|p| p.designation.clone())
                .collect::<Vec<_>>()
                .join("; ");
            let named: Vec<String> = r
                .victims
                .iter()
                .filter_map(|v| seen.iter().find(|s| s.id == *v))
                .map(|s| s.name.display())
                .collect();
            page.persons = if named.is_empty() {
                format!("{} person(s), not named", r.persons)
            } else {
                named.join(", ")
            };
            page.account = r
                .narrative
                .unwrap_or_else(|| "withheld: the person is not to be identified".into());
        }
    }
    render(&page)
}

/// `GET /api/v1/protection/allegations/{id}/representation?form=…`: the same, as JSON; a
/// representation the consent does not allow answers 422 with the reason on `form`.
pub(crate) async fn api_representation(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let (allegation, form, content) = prepare(&state, caller.scope(), &id, &query).await?;
    let r = content.map_err(|reason| AppError::Invalid(vec![("form".into(), reason)]))?;
    Ok(Json(json!({
        "allegation": allegation.reference,
        "form": form.code(),
        "category": r.category.code(),
        "acts": r.acts.iter().map(|a| a.code()).collect::<Vec<_>>(),
        "occurred": r.occurred.map(|d| d.original().to_owned()),
        "place": r.place.map(|p| p.to_string()),
        "perpetrators": r.perpetrators.iter().map(|p| json!({"kind": p.kind.code(), "designation": p.designation})).collect::<Vec<_>>(),
        "victims": r.victims.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "persons": r.persons,
        "narrative": r.narrative,
    }))
    .into_response())
}
