//! Reconciliation of a visit (ICRC-VIS-a): the persons seen against the persons the detaining
//! party notified, which the protection tenant holds as persons with their custody events.
//!
//! The matching engine scores each person seen against every notified person (the same
//! [`matching::Index`] and records as the agency's proposals, `search.rs`); the rules in
//! `domain::protection::reconcile` turn the best candidates into alerts; each alert carries the
//! engine's explanation of its best candidate, or says why none reached the threshold.

use std::collections::HashMap;

use domain::protection::{Alert, Candidate, Notified, NotifiedStatus, PersonSeen, Seen, Visit};
use domain::{Custody, EventKind, PersonId, PlaceId};
use matching::{DEFAULT_THRESHOLD, Explanation, Index, Record};
use store::{PersonRecord, Store, StoreResult, TenantScope};

use crate::search::{engine_date, record_of, set_name};

/// One alert as the pages and the API show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct AlertView {
    /// `seen-never-notified`, `notified-not-seen` or `released-but-seen-detained`.
    pub code: &'static str,
    pub title: String,
    /// The person seen, if the alert is about one.
    pub registration: Option<String>,
    pub seen_name: Option<String>,
    /// The notified person, if the alert is about one (their reference in the notified list).
    pub notified: Option<String>,
    pub notified_reference: Option<String>,
    pub notified_name: Option<String>,
    /// The engine's probability for the pair shown, if any.
    pub probability: Option<f64>,
    /// Why: the engine's sentences, strongest evidence first, or the rule that applied.
    pub explanation: Vec<String>,
}

/// The engine's record of a person seen.
pub(crate) fn record_of_seen(seen: &PersonSeen) -> Record {
    let mut record = Record::new(format!("seen:{}", seen.id));
    set_name(&mut record, &seen.name);
    if let Some(date) = &seen.birth_date {
        record.birth_date = engine_date(date);
    }
    record.sex = match seen.sex {
        Some(sex) if matches!(sex.code(), "M" | "F") => sex.code().to_owned(),
        _ => String::new(),
    };
    record.nationality = seen.nationality.clone().unwrap_or_default();
    record.service_number = seen.service_number.clone().unwrap_or_default();
    record.father_name = seen.father_name.clone().unwrap_or_default();
    record
}

/// What the detaining party notified about one person: released, or held at the place of the
/// last event that names one.
fn status_of(person: &PersonRecord) -> NotifiedStatus {
    match Custody::from_events(&person.events) {
        Custody::Closed { kind, at, .. } => NotifiedStatus::Released { kind, at },
        Custody::InCustody { .. } => {
            let mut events: Vec<_> = person.events.iter().collect();
            events.sort_by_key(|e| (e.occurred_at, e.recorded_at));
            let place = events.iter().rev().find_map(|e| match e.kind {
                EventKind::TransferDeparture => e.place_to,
                _ => e.place,
            });
            NotifiedStatus::Held { place }
        }
        Custody::NotRecorded => NotifiedStatus::Unknown,
    }
}

async fn notified_persons(store: &Store, scope: &TenantScope) -> StoreResult<Vec<PersonRecord>> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let ids = store.person_ids_after(scope, after, 1000).await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        after = Some(last);
        all.extend(store.person_records(scope, &ids).await?);
    }
    Ok(all)
}

fn name_of(person: &PersonRecord) -> Option<String> {
    domain::CurrentView::project(&person.assertions)
        .value(domain::FieldKey::Name)
        .map(domain::AssertedValue::display)
}

/// The alerts of one visit, with their explanations.
///
/// # Errors
/// When the store fails.
pub async fn reconcile_visit(
    store: &Store,
    scope: &TenantScope,
    visit: &Visit,
) -> StoreResult<Vec<AlertView>> {
    let notified = notified_persons(store, scope).await?;
    let seen = store.registrations(scope, Some(visit.id)).await?;
    let places: HashMap<PlaceId, String> = store
        .places(scope)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();

    let mut index = Index::new();
    let mut positions: Vec<usize> = Vec::new();
    for (i, person) in notified.iter().enumerate() {
        // A person without any name cannot be matched by name; the engine refuses it.
        if index.insert(&record_of(person)).is_ok() {
            positions.push(i);
        }
    }
    let mut explanations: HashMap<domain::RegistrationId, Explanation> = HashMap::new();
    let mut inputs = Vec::with_capacity(seen.len());
    for person in &seen {
        let best = index
            .search(&record_of_seen(person), 1)
            .into_iter()
            .next()
            .and_then(|hit| {
                let notified = notified.get(*positions.get(hit.index)?)?;
                explanations.insert(person.id, hit.explanation);
                Some(Candidate {
                    notified: notified.person.id,
                    probability: hit.probability,
                })
            });
        inputs.push(Seen {
            registration: person.id,
            place: person.place,
            best,
        });
    }
    let statuses: Vec<Notified> = notified
        .iter()
        .map(|p| Notified {
            person: p.person.id,
            status: status_of(p),
        })
        .collect();
    let alerts =
        domain::protection::reconcile(&inputs, &statuses, &visit.places, DEFAULT_THRESHOLD);

    let by_id: HashMap<PersonId, &PersonRecord> =
        notified.iter().map(|p| (p.person.id, p)).collect();
    let seen_by_id: HashMap<domain::RegistrationId, &PersonSeen> =
        seen.iter().map(|s| (s.id, s)).collect();
    let place_name = |id: &PlaceId| places.get(id).cloned().unwrap_or_else(|| id.to_string());
    let views = alerts
        .iter()
        .map(|alert| {
            let mut view = AlertView {
                code: alert.code(),
                title: String::new(),
                registration: None,
                seen_name: None,
                notified: None,
                notified_reference: None,
                notified_name: None,
                probability: None,
                explanation: Vec::new(),
            };
            let set_seen = |view: &mut AlertView, id: &domain::RegistrationId| {
                view.registration = Some(id.to_string());
                view.seen_name = seen_by_id.get(id).map(|s| s.name.display());
            };
            let set_notified = |view: &mut AlertView, id: &PersonId| {
                view.notified = Some(id.to_string());
                if let Some(person) = by_id.get(id) {
                    view.notified_reference = Some(person.person.reference.clone());
                    view.notified_name = name_of(person);
                }
            };
            match alert {
                Alert::SeenNeverNotified {
                    registration,
                    closest,
                } => {
                    set_seen(&mut view, registration);
                    let place = seen_by_id
                        .get(registration)
                        .map(|s| place_name(&s.place))
                        .unwrap_or_default();
                    view.title = format!("Seen at {place} but never notified by the detaining party");
                    match closest {
                        Some(candidate) => {
                            set_notified(&mut view, &candidate.notified);
                            view.probability = Some(candidate.probability);
                            view.explanation.push(format!(
                                "The closest notified person scores {:.3}, below the threshold of {DEFAULT_THRESHOLD}:",
                                candidate.probability
                            ));
                            if let Some(explanation) = explanations.get(registration) {
                                view.explanation.extend(explanation.sentences());
                            }
                        }
                        None => view.explanation.push(format!(
                            "No notified person shares a name key, birth date or identifier with this person (compared with {} notified persons).",
                            statuses.len()
                        )),
                    }
                }
                Alert::NotifiedNotSeen { notified, place } => {
                    set_notified(&mut view, notified);
                    view.title = format!(
                        "Notified as held at {} but not seen during the visit",
                        place_name(place)
                    );
                    view.explanation.push(format!(
                        "The detaining party's last notice places this person at {}; none of the {} persons seen on this visit matches them at or above {DEFAULT_THRESHOLD}.",
                        place_name(place),
                        seen.len()
                    ));
                }
                Alert::ReleasedButSeenDetained {
                    registration,
                    candidate,
                    release,
                    released_at,
                } => {
                    set_seen(&mut view, registration);
                    set_notified(&mut view, &candidate.notified);
                    view.probability = Some(candidate.probability);
                    view.title = "Notified as released, but seen detained".to_owned();
                    view.explanation.push(format!(
                        "The detaining party notified {} on {}; the person seen matches with probability {:.3}:",
                        release.code(),
                        released_at.date(),
                        candidate.probability
                    ));
                    if let Some(explanation) = explanations.get(registration) {
                        view.explanation.extend(explanation.sentences());
                    }
                }
            }
            view
        })
        .collect();
    Ok(views)
}
