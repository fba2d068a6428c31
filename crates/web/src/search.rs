//! The one place the agency's pages ask the matching engine for proposals.
//!
//! The engine (`crates/matching`) keeps an in-memory [`matching::Index`] of records; this module
//! builds one per tenant from the store (every tenant's when the server starts, [`warm_up`], or
//! else at its first use), keeps it in the application state, and updates it incrementally:
//! persons are append-only, so when the tenant's number of persons grows, only the persons that
//! arrived are read and inserted. It is built again after [`MAX_AGE`] (a correction to an
//! existing person is seen then) or when the number shrinks (an erasure). A query is the
//! tracing request turned into the engine's [`matching::Record`].
//!
//! Every proposal carries the engine's explanation per feature, shown side by side with the
//! values as written on both sides, and recorded with every decision (MATCH-7).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use domain::{
    AssertedValue, CurrentView, FieldKey, NamePartKind, PartialDate, PartialDateKind, PersonId,
    PersonName, Presence,
};
use matching::{Explanation, Feature, Index, Model, Record};
use store::{PersonRecord, TenantScope, TracingRequest};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Recorded with every decision (MATCH-7).
pub(crate) const ALGORITHM: &str = matching::ALGORITHM_VERSION;

/// Proposals below this probability are not shown.
pub(crate) const FLOOR: f64 = 0.05;

/// The engine's configured model, with the prior of one query against a tenant of `persons`
/// records: about one of them is the person sought, so the prior that a given record is that
/// person is 1/N, not the configured 0.05 of a pair that a batch run's blocking already chose.
/// With 0.05 a family name and a birth year alone read as 99.9% in a tenant of thousands; with
/// 1/N the percentages a caseworker sees (tracing proposals, same-person proposals, the
/// worklist's triage column) say how likely the record is among all the tenant's records
/// (MATCH-1, MATCH-7). The order of the candidates does not change: the prior is one constant.
pub(crate) fn tenant_model(persons: i64) -> Model {
    let mut model = Model::default();
    model.prior = tenant_prior(persons);
    model
}

/// The prior of one query against a tenant of `persons` records ([`tenant_model`]).
fn tenant_prior(persons: i64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let n = persons.max(2) as f64;
    1.0 / n
}

/// An index older than this is rebuilt (to see corrections to existing persons).
pub(crate) const MAX_AGE: Duration = Duration::from_secs(300);

/// A tenant's index and what it was built from.
pub(crate) struct TenantIndex {
    index: Index,
    persons: i64,
    built: Instant,
    /// The engine's records, by person, to show values as written.
    records: HashMap<PersonId, Record>,
    /// Persons the engine refused (no name at all): nothing to compare them by.
    unmatchable: HashSet<PersonId>,
}

impl TenantIndex {
    fn empty(persons: i64) -> TenantIndex {
        TenantIndex {
            index: Index::with_model(tenant_model(persons)),
            persons,
            built: Instant::now(),
            records: HashMap::new(),
            unmatchable: HashSet::new(),
        }
    }

    /// Whether the index holds `person` (or refused it for having no name).
    fn holds(&self, person: &PersonId) -> bool {
        self.records.contains_key(person) || self.unmatchable.contains(person)
    }

    /// Adds the persons that arrived since the index was built, each into the engine's index
    /// (it updates incrementally: no rebuild), skipping any it already holds, and takes the
    /// prior of the tenant's new number of persons (`persons`).
    fn add(&mut self, arrived: Vec<(PersonId, Record)>, persons: i64) {
        for (person, record) in arrived {
            if self.holds(&person) {
                continue;
            }
            // A person without any name cannot be matched by name; the engine refuses it.
            if self.index.insert(&record).is_ok() {
                self.records.insert(person, record);
            } else {
                self.unmatchable.insert(person);
            }
        }
        self.persons = self.persons.max(persons);
        self.index.set_prior(tenant_prior(self.persons));
    }
}

/// One feature of a comparison, as the review page shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct FeatureExplanation {
    pub feature: &'static str,
    /// As the family wrote it.
    pub request_value: String,
    /// As the record holds it.
    pub record_value: String,
    /// The values as the engine analysed them: request, record.
    pub keys: (String, String),
    /// The engine's level code (`exact`, `same_name_other_spelling`, `conflict`, …).
    pub outcome: &'static str,
    /// The outcome in plain words ("same name in different scripts").
    pub words: String,
    /// Weight in bits.
    pub weight: f64,
    /// The engine's sentence.
    pub text: String,
}

/// A proposed person for a request.
#[derive(Clone, Debug)]
pub(crate) struct Proposal {
    pub person: PersonId,
    pub reference: String,
    pub display_name: Option<String>,
    /// Match probability, 0..=1.
    pub score: f64,
    pub features: Vec<FeatureExplanation>,
    /// Extra sentences: names in swapped order, conflicts on strong features.
    pub notes: Vec<String>,
}

/// The engine's record of a stored person.
pub(crate) fn record_of(person: &PersonRecord) -> Record {
    let view = CurrentView::project(&person.assertions);
    let mut record = Record::new(person.person.id.to_string());
    if let Some(AssertedValue::Name(name)) = view.value(FieldKey::Name) {
        set_name(&mut record, name);
    }
    let text = |field| -> String {
        view.fields
            .get(&field)
            .and_then(|f| f.standing.first())
            .and_then(|a| match &a.value {
                Presence::Present(value) => Some(value.display()),
                Presence::Absent(_) => None,
            })
            .unwrap_or_default()
    };
    record.birth_place = text(FieldKey::BirthPlace);
    record.father_name = text(FieldKey::FatherName);
    record.mother_name = text(FieldKey::MotherName);
    record.service_number = text(FieldKey::ServiceNumber);
    record.nationality = text(FieldKey::Nationality);
    record.sex = match view.value(FieldKey::Sex) {
        Some(AssertedValue::Sex(sex)) if matches!(sex.code(), "M" | "F") => sex.code().to_owned(),
        _ => String::new(),
    };
    if let Some(AssertedValue::Date(date)) = view.value(FieldKey::BirthDate) {
        record.birth_date = engine_date(date);
    }
    record
}

pub(crate) fn set_name(record: &mut Record, name: &PersonName) {
    let join = |kinds: &[NamePartKind]| -> String {
        name.parts()
            .iter()
            .filter(|p| kinds.contains(&p.kind))
            .map(domain::NamePart::value)
            .collect::<Vec<_>>()
            .join(" ")
    };
    record.given_name = join(&[NamePartKind::Given]);
    record.family_name = join(&[NamePartKind::Family, NamePartKind::Tribe]);
    record.patronymic = join(&[NamePartKind::Patronymic, NamePartKind::Grandfather]);
    if record.given_name.is_empty() && record.family_name.is_empty() {
        record.full_name = name.display();
    }
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as the engine reads dates; a range or an age becomes the
/// middle year.
pub(crate) fn engine_date(date: &PartialDate) -> String {
    match date.kind() {
        PartialDateKind::Year(_) | PartialDateKind::YearMonth(..) | PartialDateKind::Full(_) => {
            date.canonical()
        }
        _ => format!("{:04}", (date.earliest().year() + date.latest().year()) / 2),
    }
}

/// The engine's record of a tracing request: the person sought.
pub(crate) fn query_of(request: &TracingRequest) -> Record {
    let mut record = Record::new(format!("request:{}", request.id));
    set_name(&mut record, &request.request.sought_name);
    if let Some(date) = &request.request.sought_birth {
        record.birth_date = engine_date(date);
    }
    record.birth_place = request
        .request
        .sought_birth_place
        .clone()
        .unwrap_or_default();
    record.father_name = request
        .request
        .sought_father_name
        .clone()
        .unwrap_or_default();
    record
}

fn field_of(record: &Record, feature: Feature) -> &str {
    match feature {
        Feature::GivenName => &record.given_name,
        Feature::FamilyName => {
            if record.family_name.is_empty() {
                &record.full_name
            } else {
                &record.family_name
            }
        }
        Feature::Patronymic => &record.patronymic,
        Feature::BirthDate => &record.birth_date,
        Feature::Sex => &record.sex,
        Feature::FatherName => &record.father_name,
        Feature::MotherName => &record.mother_name,
        Feature::ServiceNumber => &record.service_number,
        Feature::BirthPlace => &record.birth_place,
        Feature::Nationality => &record.nationality,
        Feature::Address => &record.address,
    }
}

fn proposal(
    person: PersonId,
    reference: String,
    query: &Record,
    record: &Record,
    display_name: Option<String>,
    explanation: &Explanation,
) -> Proposal {
    let features = explanation
        .contributions
        .iter()
        .map(|c| FeatureExplanation {
            feature: c.feature.label(),
            request_value: field_of(query, c.feature).to_owned(),
            record_value: field_of(record, c.feature).to_owned(),
            keys: (c.left.clone(), c.right.clone()),
            outcome: c.level,
            words: c.words.clone(),
            weight: c.weight,
            text: c.text.clone(),
        })
        .collect();
    let mut notes = Vec::new();
    if explanation.order_swapped {
        notes.push("given and family names are written in the other order".to_owned());
    }
    for feature in &explanation.conflicts {
        notes.push(format!(
            "{}: conflict on a strong identifier; the probability is capped (MATCH-6)",
            feature.label()
        ));
    }
    Proposal {
        person,
        reference,
        display_name,
        score: explanation.probability,
        features,
        notes,
    }
}

/// Loads every person of the tenant into a fresh index.
async fn build(state: &AppState, scope: &TenantScope, persons: i64) -> AppResult<TenantIndex> {
    let mut built = TenantIndex::empty(persons);
    let mut after = None;
    loop {
        let ids = state.store.person_ids_after(scope, after, 1000).await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        after = Some(last);
        built.add(records_of(state, scope, &ids).await?, persons);
    }
    built.built = Instant::now();
    Ok(built)
}

/// The engine's records of these persons.
async fn records_of(
    state: &AppState,
    scope: &TenantScope,
    ids: &[PersonId],
) -> AppResult<Vec<(PersonId, Record)>> {
    Ok(state
        .store
        .person_records(scope, ids)
        .await?
        .iter()
        .map(|person| (person.person.id, record_of(person)))
        .collect())
}

/// The persons of the tenant that its index does not hold yet, with their engine records: the
/// ids are read in pages (ids only), the records only of the new ones.
async fn arrivals(state: &AppState, scope: &TenantScope) -> AppResult<Vec<(PersonId, Record)>> {
    let tenant = scope.tenant();
    let mut new = Vec::new();
    let mut after = None;
    loop {
        let ids = state.store.person_ids_after(scope, after, 10_000).await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        after = Some(last);
        {
            let indexes = lock(state)?;
            let held = indexes.get(&tenant);
            new.extend(
                ids.into_iter()
                    .filter(|id| !held.is_some_and(|t| t.holds(id))),
            );
        }
    }
    let mut arrived = Vec::with_capacity(new.len());
    for chunk in new.chunks(1000) {
        arrived.extend(records_of(state, scope, chunk).await?);
    }
    Ok(arrived)
}

/// Builds every tenant's index from the store, one after the other, when the server starts
/// (issue 3: the index is built from the store at start-up, so that the first tracing search or
/// same-person pass does not wait for it). Logs the number of tenants and the time it took, never
/// a name or a count of persons; a tenant whose build fails is built again at its first use.
pub(crate) async fn warm_up(state: AppState) {
    let started = Instant::now();
    let tenants = match state.store.tenants().await {
        Ok(tenants) => tenants,
        Err(error) => {
            tracing::warn!(%error, "search index: cannot list the tenants at start-up");
            return;
        }
    };
    for tenant in &tenants {
        let scope = state
            .store
            .operator_scope(tenant, "search-index")
            .for_shared_cache();
        if let Err(error) = fresh_index(&state, &scope).await {
            tracing::warn!(tenant = %tenant.slug, %error, "search index: start-up build failed");
        }
    }
    state
        .index_ready
        .store(true, std::sync::atomic::Ordering::Release);
    tracing::info!(
        tenants = tenants.len(),
        seconds = started.elapsed().as_secs_f64(),
        "search index: built from the store at start-up"
    );
}

/// The best `limit` proposals for `request` among the tenant's persons, best first.
pub(crate) async fn propose(
    state: &AppState,
    scope: &TenantScope,
    request: &TracingRequest,
    limit: usize,
) -> AppResult<Vec<Proposal>> {
    propose_for(state, scope, &query_of(request), limit).await
}

/// The persons whose names the engine finds alike to `text`, a name as a user typed it in any
/// script and order, best first: what the person list shows beside its prefix matches, so that
/// `Mahmoud al-Nuaimi` finds `محمود النعيمي` and `Oleksandr` finds `Александр` (MATCH-1). `None`
/// when the text holds no letter, or a digit (a reference, a number), or is longer than any name:
/// it is not a name.
pub(crate) async fn similar_names(
    state: &AppState,
    scope: &TenantScope,
    text: &str,
    limit: usize,
) -> AppResult<Option<Vec<Proposal>>> {
    if !text.chars().any(char::is_alphabetic)
        || text.chars().any(char::is_numeric)
        || text.chars().count() > SIMILAR_MAX_CHARS
        || text.split_whitespace().count() > SIMILAR_MAX_WORDS
    {
        return Ok(None);
    }
    let mut query = Record::new("query");
    query.full_name = text.to_owned();
    let found = propose_for(state, scope, &query, limit).await?;
    Ok(Some(
        found
            .into_iter()
            .filter(|p| p.score >= SIMILAR_FLOOR)
            .collect(),
    ))
}

/// The engine's alike names for `q` that `directory` does not already list for it (on any page),
/// at most `limit`, leaving out `hidden`: what the person list and `GET /api/v1/persons` show
/// beside their prefix matches.
pub(crate) async fn alike_unlisted(
    state: &AppState,
    scope: &TenantScope,
    q: &str,
    directory: &crate::directory::Directory,
    hidden: &std::collections::HashSet<PersonId>,
    limit: usize,
) -> AppResult<Option<Vec<Proposal>>> {
    let listed: std::collections::HashSet<PersonId> = directory
        .search(q, hidden, 0, usize::MAX)
        .persons
        .into_iter()
        .map(|p| p.id)
        .collect();
    let asked = limit + listed.len().min(50);
    Ok(similar_names(state, scope, q, asked).await?.map(|found| {
        found
            .into_iter()
            .filter(|p| !listed.contains(&p.person))
            .take(limit)
            .collect()
    }))
}

/// Longer texts are not names (a pasted paragraph): the engine is not asked.
const SIMILAR_MAX_CHARS: usize = 400;
const SIMILAR_MAX_WORDS: usize = 16;

/// A name alone is thin evidence: below this probability a name-only match is not shown.
pub(crate) const SIMILAR_FLOOR: f64 = 0.2;

/// Makes the tenant's index current, and answers the persons a restriction keeps from this
/// caller's role. The index is shared by every role of the tenant, so it holds every person; the
/// hidden ones are left out of each answer (ICRC-DP-c).
async fn fresh_index(state: &AppState, scope: &TenantScope) -> AppResult<HashSet<PersonId>> {
    let tenant = scope.tenant();
    let hidden = state.store.hidden_persons(scope).await?;
    let shared = scope.for_shared_cache();
    let persons = state.store.count_persons(&shared).await?;
    let current = {
        let indexes = lock(state)?;
        indexes
            .get(&tenant)
            .filter(|t| t.built.elapsed() < MAX_AGE)
            .map(|t| t.persons)
    };
    match current {
        Some(held) if held == persons => {}
        // Persons are append-only: those that arrived are added to the index as they are.
        Some(held) if held < persons => {
            let arrived = arrivals(state, &shared).await?;
            if let Some(t) = lock(state)?.get_mut(&tenant) {
                t.add(arrived, persons);
            }
        }
        // Never built, older than MAX_AGE (corrections to existing persons), or fewer persons
        // than it holds (an erasure): built again.
        _ => {
            let built = build(state, &shared, persons).await?;
            lock(state)?.insert(tenant, built);
        }
    }
    Ok(hidden)
}

/// For each request, the best match probability among the engine's proposals, leaving out the
/// persons the caller may not see and each request's rejected pairs (MATCH-1): the worklist's
/// triage column. One index check and one restriction lookup serve the whole page.
pub(crate) async fn best_scores(
    state: &AppState,
    scope: &TenantScope,
    requests: &[(&TracingRequest, HashSet<PersonId>)],
) -> AppResult<Vec<Option<f64>>> {
    let hidden = fresh_index(state, scope).await?;
    let mut indexes = lock(state)?;
    let Some(tenant_index) = indexes.get_mut(&scope.tenant()) else {
        return Ok(vec![None; requests.len()]);
    };
    Ok(requests
        .iter()
        .map(|(request, rejected)| {
            let skip = hidden.len() + rejected.len();
            tenant_index
                .index
                .search(&query_of(request), 1 + skip)
                .into_iter()
                .filter(|hit| hit.probability >= FLOOR)
                .find(|hit| {
                    hit.id
                        .parse::<PersonId>()
                        .is_ok_and(|p| !hidden.contains(&p) && !rejected.contains(&p))
                })
                .map(|hit| hit.probability)
        })
        .collect())
}

async fn propose_for(
    state: &AppState,
    scope: &TenantScope,
    query: &Record,
    limit: usize,
) -> AppResult<Vec<Proposal>> {
    let tenant = scope.tenant();
    let hidden = fresh_index(state, scope).await?;
    let hits = {
        let mut indexes = lock(state)?;
        let Some(tenant_index) = indexes.get_mut(&tenant) else {
            return Ok(Vec::new());
        };
        tenant_index
            .index
            .search(query, limit.saturating_add(hidden.len()))
            .into_iter()
            .filter(|hit| hit.probability >= FLOOR)
            .filter_map(|hit| {
                let person: PersonId = hit.id.parse().ok()?;
                if hidden.contains(&person) {
                    return None;
                }
                let record = tenant_index.records.get(&person)?.clone();
                Some((person, record, hit.explanation))
            })
            .take(limit)
            .collect::<Vec<_>>()
    };
    let ids: Vec<PersonId> = hits.iter().map(|(p, _, _)| *p).collect();
    let stored: HashMap<PersonId, PersonRecord> = state
        .store
        .person_records(scope, &ids)
        .await?
        .into_iter()
        .map(|r| (r.person.id, r))
        .collect();
    Ok(hits
        .into_iter()
        .filter_map(|(person, record, explanation)| {
            let stored = stored.get(&person)?;
            Some(proposal(
                person,
                stored.person.reference.clone(),
                query,
                &record,
                display_name(stored),
                &explanation,
            ))
        })
        .collect())
}

/// What a same-person pass found (issue 5, item 3): the persons it compared, and for each of them
/// the other persons the engine proposes (the proposal's `request_value`s are the compared
/// person's values, its `record_value`s the other's).
pub(crate) struct SamePerson {
    pub compared: Vec<PersonId>,
    pub pairs: Vec<(PersonId, Proposal)>,
}

/// Compares each of `persons` with every other person of the tenant, through the tenant's index
/// (the same keys, comparison and model as a tracing request's proposals): at most `per_person`
/// others each, at or above `floor`. Every other record is another source's statement (another
/// bureau, the same bureau under another reference, the agency's own registration): references
/// are unique per tenant, so no two records are one source's one record. A person the index
/// does not hold yet (registered while it was built) is left out of `compared`, so that its
/// marker waits for the next pass; a person with no name at all is compared with nothing.
/// Restricted persons are compared too: the proposals are filtered per reader (ICRC-DP-c).
pub(crate) async fn same_person_candidates(
    state: &AppState,
    scope: &TenantScope,
    persons: &[PersonId],
    floor: f64,
    per_person: usize,
) -> AppResult<SamePerson> {
    fresh_index(state, scope).await?;
    let mut indexes = lock(state)?;
    let mut found = SamePerson {
        compared: Vec::new(),
        pairs: Vec::new(),
    };
    let Some(tenant_index) = indexes.get_mut(&scope.tenant()) else {
        return Ok(found);
    };
    for person in persons {
        if tenant_index.unmatchable.contains(person) {
            found.compared.push(*person);
            continue;
        }
        let Some(query) = tenant_index.records.get(person).cloned() else {
            continue;
        };
        found.compared.push(*person);
        let hits = tenant_index
            .index
            .search(&query, per_person.saturating_add(1));
        for hit in hits {
            if hit.probability < floor {
                continue;
            }
            let Ok(other) = hit.id.parse::<PersonId>() else {
                continue;
            };
            if other == *person {
                continue;
            }
            let Some(record) = tenant_index.records.get(&other) else {
                continue;
            };
            found.pairs.push((
                *person,
                proposal(other, String::new(), &query, record, None, &hit.explanation),
            ));
        }
    }
    Ok(found)
}

/// Compares one request with one stored person (for a decision on a pair, and for pairs the
/// engine no longer ranks among the best), with the tenant's model, so that the percentage is
/// the one the ranked proposals show.
pub(crate) async fn explain_pair(
    state: &AppState,
    scope: &TenantScope,
    request: &TracingRequest,
    person: &PersonRecord,
) -> AppResult<Proposal> {
    fresh_index(state, scope).await?;
    let model = lock(state)?
        .get(&scope.tenant())
        .map_or_else(|| tenant_model(1), |t| t.index.model().clone());
    Ok(explain_with(model, request, person))
}

fn explain_with(model: Model, request: &TracingRequest, person: &PersonRecord) -> Proposal {
    let query = query_of(request);
    let record = record_of(person);
    let mut index = Index::with_model(model);
    let hit = index
        .insert(&record)
        .ok()
        .and_then(|_| index.search(&query, 1).into_iter().next());
    match hit {
        Some(hit) => proposal(
            person.person.id,
            person.person.reference.clone(),
            &query,
            &record,
            display_name(person),
            &hit.explanation,
        ),
        // No shared key at all, or no name: nothing in common to explain.
        None => Proposal {
            person: person.person.id,
            reference: person.person.reference.clone(),
            display_name: display_name(person),
            score: 0.0,
            features: Vec::new(),
            notes: vec!["the engine finds nothing in common".to_owned()],
        },
    }
}

fn display_name(person: &PersonRecord) -> Option<String> {
    CurrentView::project(&person.assertions)
        .value(FieldKey::Name)
        .map(AssertedValue::display)
}

fn lock(
    state: &AppState,
) -> AppResult<std::sync::MutexGuard<'_, HashMap<domain::TenantId, TenantIndex>>> {
    state
        .indexes
        .lock()
        .map_err(|_| AppError::Internal("search index lock poisoned".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(given: &str, family: &str) -> (PersonId, Record) {
        let mut record = Record::new("");
        record.given_name = given.to_owned();
        record.family_name = family.to_owned();
        let id = PersonId::new();
        record.id = id.to_string();
        (id, record)
    }

    /// Persons that arrive go into the index as they are, without a rebuild: the build time
    /// stays, the prior follows the tenant's number of persons, a person already held is not
    /// inserted twice and one without a name is held as unmatchable.
    #[test]
    fn arrivals_are_added_without_a_rebuild() {
        let mut tenant = TenantIndex::empty(1);
        let built = tenant.built;
        let first = person("Тарас", "Шевченко");
        tenant.add(vec![first.clone()], 1);
        assert_eq!(tenant.index.len(), 1);
        let second = person("محمود", "النعيمي");
        let nameless = person("", "");
        tenant.add(vec![first.clone(), second.clone(), nameless.clone()], 3);
        assert_eq!(tenant.index.len(), 2);
        assert!(tenant.holds(&first.0) && tenant.holds(&second.0) && tenant.holds(&nameless.0));
        assert!(tenant.unmatchable.contains(&nameless.0));
        assert_eq!(tenant.built, built);
        assert!((tenant.index.model().prior - 1.0 / 3.0).abs() < 1e-12);
        let mut query = Record::new("q");
        query.full_name = "Mahmoud al-Nuaimi".to_owned();
        let hits = tenant.index.search(&query, 1);
        assert_eq!(
            hits.first().map(|h| h.id.clone()),
            Some(second.0.to_string())
        );
    }
}
