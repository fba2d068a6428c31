//! "Same person as" suggestions (ICRC-VIS-d, MATCH-1): when a delegate registers a person seen,
//! the matching engine compares them with the persons seen on the unit's other visits, up to
//! the time of this sighting, and proposes the likely earlier registrations of the same person,
//! each with the engine's probability and its explanation. Nothing is linked on its own: the
//! delegate confirms a suggestion with the "same person as" form (`same_as_submit`), and the
//! link is theirs.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use domain::RegistrationId;
use domain::protection::PersonSeen;
use matching::Index;
use serde_json::json;

use super::followed::Followed;
use super::reconcile::record_of_seen;
use super::{Protect, audit_read, parse_id};
use crate::api::Json;
use crate::authz::ApiAuthorized;
use crate::error::{AppError, AppResult};
use crate::html::date;
use crate::state::AppState;

/// Below this probability a registration is not proposed at all.
pub(crate) const SUGGESTION_FLOOR: f64 = 0.2;
/// At most this many persons are proposed.
pub(crate) const SUGGESTIONS_MAX: usize = 5;

/// One proposed earlier registration of the same person.
#[derive(Clone, Debug)]
pub struct Suggestion {
    /// The person the unit follows (their first registration): what the link names.
    pub person: RegistrationId,
    /// The registration the engine matched.
    pub registration: RegistrationId,
    pub name: String,
    pub place: String,
    pub visit: String,
    pub seen_on: String,
    pub probability: f64,
    /// The engine's sentences, strongest evidence first.
    pub explanation: Vec<String>,
}

/// The persons seen on other visits, up to `seen`'s sighting, that the engine finds most like
/// `seen`, best first, one per followed person; none when `seen` already belongs to a person
/// followed across registrations (it is linked, or others are linked to it).
pub(crate) fn suggest(followed: &Followed, seen: &PersonSeen) -> Vec<Suggestion> {
    let person_of: HashMap<RegistrationId, RegistrationId> = followed
        .persons
        .iter()
        .flat_map(|p| p.registrations().map(move |r| (r, p.id)))
        .collect();
    let me = person_of.get(&seen.id).copied().unwrap_or(seen.id);
    if followed
        .persons
        .iter()
        .find(|p| p.id == me)
        .is_some_and(|p| p.sightings.len() > 1)
    {
        return Vec::new();
    }
    let mut earlier: Vec<&PersonSeen> = followed
        .seen
        .values()
        .filter(|r| r.visit != seen.visit && r.seen_at <= seen.seen_at)
        .filter(|r| person_of.get(&r.id).copied().unwrap_or(r.id) != me)
        .collect();
    // Insertion order decides ties; keep it stable.
    earlier.sort_by_key(|r| (r.seen_at, r.id));
    let mut index = Index::new();
    let mut inserted = Vec::with_capacity(earlier.len());
    for registration in earlier {
        if index.insert(&record_of_seen(registration)).is_ok() {
            inserted.push(registration);
        }
    }
    let mut best: HashMap<RegistrationId, Suggestion> = HashMap::new();
    for hit in index.search(&record_of_seen(seen), SUGGESTIONS_MAX * 3) {
        if hit.probability < SUGGESTION_FLOOR {
            continue;
        }
        let Some(registration) = inserted.get(hit.index) else {
            continue;
        };
        let person = person_of
            .get(&registration.id)
            .copied()
            .unwrap_or(registration.id);
        let suggestion = Suggestion {
            person,
            registration: registration.id,
            name: registration.name.display(),
            place: followed
                .places
                .get(&registration.place)
                .cloned()
                .unwrap_or_default(),
            visit: followed
                .visits
                .get(&registration.visit)
                .cloned()
                .unwrap_or_default(),
            seen_on: date(registration.seen_at),
            probability: hit.probability,
            explanation: hit.explanation.sentences(),
        };
        match best.entry(person) {
            Entry::Occupied(mut held) if held.get().probability < suggestion.probability => {
                held.insert(suggestion);
            }
            Entry::Occupied(_) => {}
            Entry::Vacant(slot) => {
                slot.insert(suggestion);
            }
        }
    }
    let mut out: Vec<Suggestion> = best.into_values().collect();
    out.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.person.cmp(&b.person))
    });
    out.truncate(SUGGESTIONS_MAX);
    out
}

/// The persons seen of a field bundle just imported, each with the earlier registrations the
/// engine proposes as the same person (MATCH-1, ICRC-VIS-d): what the import's report shows.
/// Proposals only; nothing is linked. Each list is logged as a read of the registration with
/// the purpose "same-person suggestions at import".
///
/// # Errors
/// A store error reading the unit's registrations or writing the audit log.
pub async fn suggestions_at_import(
    store: &store::Store,
    scope: &store::TenantScope,
    imported: &[RegistrationId],
) -> Result<Vec<(PersonSeen, Vec<Suggestion>)>, store::StoreError> {
    if imported.is_empty() {
        return Ok(Vec::new());
    }
    let followed = Followed::from_store(store, scope).await?;
    let mut out = Vec::new();
    for id in imported {
        let Some(seen) = followed.seen.get(id) else {
            continue;
        };
        let suggestions = suggest(&followed, seen);
        store
            .audit(
                scope,
                store::AuditEntry::new(store::AuditAction::Read, format!("registration:{id}"))
                    .purpose("same-person suggestions at import")
                    .records(i64::try_from(suggestions.len()).unwrap_or(i64::MAX)),
            )
            .await?;
        out.push((seen.clone(), suggestions));
    }
    Ok(out)
}

/// `GET /api/v1/protection/persons-seen/{id}/suggestions`: the earlier registrations the engine
/// proposes as the same person, with probability and explanation (a proposal; linking is
/// `POST /protection/persons-seen/{id}/same-as`). Logged as a read of the registration.
pub(crate) async fn api_suggestions(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id: RegistrationId = parse_id(&id)?;
    let scope = caller.scope();
    let followed = Followed::load(&state, scope).await?;
    let seen = followed.seen.get(&id).ok_or(AppError::NotFound)?;
    let suggestions = suggest(&followed, seen);
    audit_read(
        &state,
        scope,
        format!("registration:{id}"),
        "same-person suggestions (api)",
        suggestions.len(),
    )
    .await?;
    let list: Vec<_> = suggestions
        .iter()
        .map(|s| {
            json!({
                "person": s.person.to_string(),
                "registration": s.registration.to_string(),
                "name": s.name,
                "place": s.place,
                "visit": s.visit,
                "seen_on": s.seen_on,
                "probability": s.probability,
                "explanation": s.explanation,
            })
        })
        .collect();
    Ok(Json(json!({
        "registration": id.to_string(),
        "suggestions": list,
    }))
    .into_response())
}
