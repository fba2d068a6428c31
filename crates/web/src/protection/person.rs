//! A person seen and their individual follow-up (ICRC-VIS-d): the follow-up history, the private
//! interviews they took part in, and a follow-up form of its own, so that a follow-up is
//! entered from the person's page on any later occasion, not only from the visit where the
//! person was seen. A follow-up after an interview says whether reprisals were reported
//! (`FollowUp::check_reprisals_across`).
//!
//! The page is the person's as the unit follows them (`domain::protection::followed`): every
//! visit and place where they were seen (transfers shown), the interviews and follow-ups of all
//! their registrations, and the form that links this registration to a person seen before.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::RegistrationId;
use store::TenantScope;

use super::followed::Followed;
use super::forms::{
    Check, FieldErrors, Fields, follow_up_summary, form_page, parse_follow_up, store_errors,
    with_status,
};
use super::{Protect, audit_read, parse_id};
use crate::auth::CsrfForm;
use crate::authz::Authorized;
use crate::error::AppResult;
use crate::html::{Layout, date, datetime, render};
use crate::state::AppState;

struct InterviewRow {
    held_at: String,
    by: String,
    consent: &'static str,
}

struct FollowUpRow {
    at: String,
    visit: String,
    by: String,
    summary: String,
    reprisals: &'static str,
}

/// Another person the unit follows, for the "same person as" form.
struct CandidateOption {
    id: String,
    label: String,
}

/// An earlier registration the engine proposes as the same person (never linked on its own).
struct SuggestionRow {
    person: String,
    label: String,
    probability: String,
    explanation: Vec<String>,
}

#[derive(Template)]
#[template(path = "protection_person.html")]
struct PersonPage {
    layout: Layout,
    id: String,
    name: String,
    birth: String,
    seen: String,
    place: String,
    visit: String,
    visit_id: String,
    held_since: String,
    person_id: String,
    sightings: Vec<super::followed::SeenRow>,
    candidates: Vec<CandidateOption>,
    suggestions: Vec<SuggestionRow>,
    interviews: Vec<InterviewRow>,
    follow_ups: Vec<FollowUpRow>,
    reprisal_check: String,
    form: Fields,
    errors: HashMap<String, String>,
}

form_page!(PersonPage, checked);

pub(super) async fn render_person(
    state: &AppState,
    member: &Authorized<Protect>,
    id: RegistrationId,
    form: Fields,
    errors: FieldErrors,
) -> AppResult<Response> {
    let scope: &TenantScope = &member.scope;
    let person = state.store.registration(scope, id).await?;
    audit_read(
        state,
        scope,
        format!("registration:{}", person.id),
        "visit follow-up",
        1,
    )
    .await?;
    let visit = state.store.visit(scope, person.visit).await?;
    let followed = Followed::load(state, scope).await?;
    let me = followed
        .persons
        .iter()
        .find(|p| p.registrations().any(|r| r == person.id))
        .ok_or(crate::error::AppError::NotFound)?;
    let names = &followed.places;
    let mine: Vec<RegistrationId> = me.registrations().collect();
    // ICRC-VIS-d: interviews and follow-ups of every registration of the person.
    let interviews: Vec<_> = state
        .store
        .all_interviews(scope)
        .await?
        .into_iter()
        .filter(|i| mine.iter().any(|r| i.interviewees.contains(r)))
        .collect();
    let follow_ups = state.store.person_follow_ups(scope, me).await?;
    let mut sightings: Vec<_> = followed
        .rows(None)
        .into_iter()
        .filter(|r| r.person == me.id.to_string())
        .collect();
    sightings.reverse();
    let visit_of = |registration: RegistrationId| -> String {
        followed
            .seen
            .get(&registration)
            .and_then(|s| followed.visits.get(&s.visit))
            .cloned()
            .unwrap_or_default()
    };
    let candidates = followed
        .persons
        .iter()
        .filter(|p| p.id != me.id)
        .filter_map(|p| {
            let last = p.last_seen()?;
            Some(CandidateOption {
                id: p.id.to_string(),
                label: format!(
                    "{} — {}, {} ({})",
                    followed.name(p),
                    names.get(&last.place).cloned().unwrap_or_default(),
                    date(last.seen_at),
                    followed
                        .visits
                        .get(&last.visit)
                        .cloned()
                        .unwrap_or_default()
                ),
            })
        })
        .collect();
    // MATCH-1, ICRC-VIS-d: the engine's proposals; the delegate confirms one, or none.
    let suggestions = super::same_person::suggest(&followed, &person)
        .into_iter()
        .map(|s| SuggestionRow {
            person: s.person.to_string(),
            label: format!("{} — {}, {} ({})", s.name, s.place, s.seen_on, s.visit),
            probability: format!("{:.3}", s.probability),
            explanation: s.explanation,
        })
        .collect();
    let last_interview = interviews.iter().map(|i| i.held_at).max();
    // ICRC-VIS-d: the next follow-up asks about reprisals after the last interview.
    let reprisal_check = match last_interview {
        Some(at)
            if !follow_ups.iter().any(|f| {
                f.follow_up.recorded_at > at && f.follow_up.reprisals_reported.is_some()
            }) =>
        {
            format!(
                "Interviewed in private on {}: ask whether there were reprisals since (ICRC-VIS-d).",
                date(at)
            )
        }
        _ => String::new(),
    };
    let invalid = !errors.is_empty();
    let page = PersonPage {
        layout: Layout::new(state, &member.signed_in, "Person seen").await?,
        id: person.id.to_string(),
        name: person.name.display(),
        birth: person
            .birth_date
            .as_ref()
            .map(|d| d.original().to_owned())
            .unwrap_or_default(),
        seen: datetime(person.seen_at),
        place: names.get(&person.place).cloned().unwrap_or_default(),
        visit: visit.reference,
        visit_id: visit.id.to_string(),
        held_since: person
            .held_since
            .as_ref()
            .map(|d| d.original().to_owned())
            .unwrap_or_default(),
        person_id: me.id.to_string(),
        sightings,
        candidates,
        suggestions,
        interviews: interviews
            .iter()
            .map(|i| InterviewRow {
                held_at: datetime(i.held_at),
                by: i.interviewers.join(", "),
                consent: i.consent_authorities.code(),
            })
            .collect(),
        follow_ups: follow_ups
            .iter()
            .map(|f| FollowUpRow {
                at: datetime(f.follow_up.recorded_at),
                visit: visit_of(f.follow_up.registration),
                by: f.follow_up.recorded_by.clone(),
                summary: follow_up_summary(&f.follow_up),
                reprisals: match f.follow_up.reprisals_reported {
                    Some(true) => "reported",
                    Some(false) => "none reported",
                    None => "not asked",
                },
            })
            .collect(),
        reprisal_check,
        form,
        errors: errors.into_iter().collect(),
    };
    Ok(with_status(render(&page)?, invalid))
}

/// `GET /protection/persons-seen/{id}`: the person seen, their interviews and follow-ups, and
/// the follow-up form (the read is logged as "visit follow-up").
pub(crate) async fn person_page(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render_person(
        &state,
        &member,
        parse_id(&id)?,
        Fields::default(),
        Vec::new(),
    )
    .await
}

/// `POST /protection/persons-seen/{id}/follow-ups`: ICRC-VIS-d, a follow-up entered from the
/// person's page; after an interview, "reprisals: not asked" is refused.
pub(crate) async fn person_follow_up_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id: RegistrationId = parse_id(&id)?;
    // Another tenant's person: 404 before anything is parsed.
    state.store.registration(&member.scope, id).await?;
    let form = Fields::new(pairs);
    let mut check = Check::default();
    let Some(follow_up) = parse_follow_up(&mut check, &form, Some(id), &member.principal.name)
    else {
        return render_person(&state, &member, id, form, check.0).await;
    };
    match state
        .store
        .record_follow_up(&member.scope, uuid::Uuid::now_v7(), &follow_up)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/protection/persons-seen/{id}#follow-ups")).into_response())
        }
        Err(error) => {
            let errors = store_errors(
                error,
                "health",
                &["health", "family_contact", "messages", "reprisals"],
            )?;
            render_person(&state, &member, id, form, errors).await
        }
    }
}
