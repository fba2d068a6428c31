//! Same-person proposals at the agency (issue 5, item 3; store side in `store/src/links.rs`,
//! migration 0024).
//!
//! When two bureaus, one bureau under two references, or a bureau and the agency's own
//! registration notify one human being, the agency holds two records. The matching engine
//! proposes that they are the same person; a caseworker confirms or rejects. Nothing is merged
//! (MATCH-1): a confirmed link shows both records side by side, each value with its provenance
//! (XC-3). A rejected pair is remembered and never proposed again.
//!
//! **When the comparison runs.** Not inside an ingest's import transaction (an envelope of
//! thousands of cards would hold the writer while the index is rebuilt). The transaction that
//! registers a person writes a "not compared yet" marker (a trigger, `link_pending`), and a pass
//! ([`compare_pending`]) compares the marked persons with the tenant's index and writes their
//! proposals and removes their markers in one transaction. The server runs a pass after every
//! pushed envelope it applies, and before it shows the same-person worklist, its API or an
//! agency person page, so what a caseworker sees is never behind; a crash after an ingest and
//! before its pass loses nothing (the markers commit with the persons).

use std::collections::{HashMap, HashSet, VecDeque};

use domain::{AssertedValue, CurrentView, FieldKey, PersonId};
use serde::{Deserialize, Serialize};
use store::{
    Decision, LINK_NOTE_MAX, LinkProposal, LinkProposalId, LinkStatus, NewLinkDecision,
    NewLinkProposal, PersonRecord, Store, StoreError, StoreResult, TenantScope,
};
use time::OffsetDateTime;

use crate::error::{AppError, AppResult};
use crate::search::{self, FeatureExplanation};
use crate::state::AppState;

/// Pairs below this probability are not proposed: a same-person proposal asks a caseworker to
/// look at two records, and below even odds most pairs are namesakes.
pub(crate) const LINK_FLOOR: f64 = 0.5;

/// At most this many other records are proposed for one person.
pub(crate) const LINK_PER_PERSON: usize = 5;

/// Persons compared per transaction.
const PASS_BATCH: usize = 500;

/// Persons one request compares at most before it shows a page; the rest wait for the next.
pub(crate) const PASS_BUDGET: usize = 5_000;

/// One feature of a same-person comparison (MATCH-7), oriented to the stored pair: `a` is the
/// pair's first person, `b` the second.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct LinkFeature {
    pub feature: String,
    pub value_a: String,
    pub value_b: String,
    /// The values as the engine analysed them.
    pub key_a: String,
    pub key_b: String,
    /// The engine's level code (`exact`, `same_name_other_spelling`, `conflict`, …).
    pub outcome: String,
    /// The outcome in plain words.
    pub words: String,
    /// Weight in bits.
    pub weight: f64,
    /// The engine's sentence.
    pub text: String,
}

/// What is stored with a proposal and every decision on it (MATCH-7).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct LinkExplanation {
    pub features: Vec<LinkFeature>,
    pub notes: Vec<String>,
}

impl LinkExplanation {
    /// Reads a stored explanation; a row this version cannot read shows as no features, with a
    /// note saying so (never a failure: the decision stays reviewable from its score).
    pub(crate) fn parse(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_else(|_| Self {
            features: Vec::new(),
            notes: vec!["the stored explanation could not be read".to_owned()],
        })
    }
}

fn explanation(
    features: &[FeatureExplanation],
    notes: &[String],
    compared_is_a: bool,
) -> LinkExplanation {
    LinkExplanation {
        features: features
            .iter()
            .map(|f| {
                let (value_a, value_b, key_a, key_b) = if compared_is_a {
                    (&f.request_value, &f.record_value, &f.keys.0, &f.keys.1)
                } else {
                    (&f.record_value, &f.request_value, &f.keys.1, &f.keys.0)
                };
                LinkFeature {
                    feature: f.feature.to_owned(),
                    value_a: value_a.clone(),
                    value_b: value_b.clone(),
                    key_a: key_a.clone(),
                    key_b: key_b.clone(),
                    outcome: f.outcome.to_owned(),
                    words: f.words.clone(),
                    weight: f.weight,
                    text: f.text.clone(),
                }
            })
            .collect(),
        notes: notes.to_vec(),
    }
}

/// Compares the persons not compared yet (at most `budget`), writes the engine's same-person
/// proposals and removes their markers; answers how many pairs were new. One pass at a time per
/// server. Does nothing for a tenant that holds no marker (a bureau: the trigger marks only an
/// agency's persons).
pub(crate) async fn compare_pending(
    state: &AppState,
    scope: &TenantScope,
    budget: usize,
) -> AppResult<usize> {
    let _one_at_a_time = state.linking.lock().await;
    let mut done = 0usize;
    let mut new_pairs = 0usize;
    while done < budget {
        let pending = state
            .store
            .link_pending(scope, PASS_BATCH.min(budget - done))
            .await?;
        if pending.is_empty() {
            break;
        }
        let found =
            search::same_person_candidates(state, scope, &pending, LINK_FLOOR, LINK_PER_PERSON)
                .await?;
        if found.compared.is_empty() {
            // The index does not hold them yet (written while it was being built): next pass.
            break;
        }
        let mut proposals = Vec::with_capacity(found.pairs.len());
        for (compared, proposal) in &found.pairs {
            let compared_is_a = compared.as_uuid() < proposal.person.as_uuid();
            let text = serde_json::to_string(&explanation(
                &proposal.features,
                &proposal.notes,
                compared_is_a,
            ))
            .map_err(|e| crate::error::AppError::Internal(format!("explanation: {e}")))?;
            #[allow(clippy::cast_possible_truncation)]
            let score = (proposal.score * 1000.0).round() as i32;
            proposals.push(NewLinkProposal {
                left: *compared,
                right: proposal.person,
                score,
                algorithm: search::ALGORITHM.to_owned(),
                explanation: text,
            });
        }
        new_pairs += state
            .store
            .record_link_pass(scope, &found.compared, &proposals)
            .await?;
        done += found.compared.len();
        if found.compared.len() < pending.len() {
            break;
        }
    }
    if new_pairs > 0 {
        // Counts only: no personal data in logs.
        tracing::info!(compared = done, proposed = new_pairs, "same-person pass");
    }
    Ok(new_pairs)
}

/// The records confirmed as the same person as `person`, following confirmed links from record
/// to record (a group), `person` first. A rejected pair links nothing.
pub(crate) fn group_of(links: &[(PersonId, PersonId)], person: PersonId) -> Vec<PersonId> {
    let mut next: HashMap<PersonId, Vec<PersonId>> = HashMap::new();
    for (a, b) in links {
        next.entry(*a).or_default().push(*b);
        next.entry(*b).or_default().push(*a);
    }
    let mut seen = HashSet::from([person]);
    let mut group = vec![person];
    let mut queue = VecDeque::from([person]);
    while let Some(at) = queue.pop_front() {
        for other in next.get(&at).into_iter().flatten() {
            if seen.insert(*other) {
                group.push(*other);
                queue.push_back(*other);
            }
        }
    }
    group
}

/// The detriment flags of the tenant, each also standing on every record confirmed as the same
/// person (GC4-137-b: a flag on either record withholds the person from the power of origin;
/// the agency itself always sees both). What the forwarding round and the family's letter read.
///
/// # Errors
/// A database error.
pub async fn detriment_flags_with_links(
    store: &Store,
    scope: &TenantScope,
) -> StoreResult<HashMap<PersonId, Vec<String>>> {
    let mut flags = store.detriment_flags(scope).await?;
    if flags.is_empty() {
        return Ok(flags);
    }
    let links = store.confirmed_links(scope).await?;
    if links.is_empty() {
        return Ok(flags);
    }
    let flagged: Vec<PersonId> = flags.keys().copied().collect();
    for person in flagged {
        let reasons = flags.get(&person).cloned().unwrap_or_default();
        for other in group_of(&links, person).into_iter().skip(1) {
            let entry = flags.entry(other).or_default();
            for reason in &reasons {
                let carried = format!("{reason} (flag on a record confirmed as the same person)");
                if !entry.contains(reason) && !entry.contains(&carried) {
                    entry.push(carried);
                }
            }
        }
    }
    Ok(flags)
}

/// Runs a pass over every person of the tenant not compared yet, outside a server (the demo,
/// after it loads its data): the same comparison as the server's, with an index of its own.
/// Answers how many pairs were new.
///
/// # Errors
/// A database error.
pub async fn propose_same_person(store: &Store, scope: &TenantScope) -> Result<usize, AppError> {
    let state = AppState::new(
        store.clone(),
        &crate::ServeConfig {
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            session_ttl: time::Duration::hours(8),
            secure_cookies: true,
            rate_limits: crate::RateLimits::default(),
            evidence_dir: None,
            warm_indexes: false,
        },
    );
    compare_pending(&state, scope, usize::MAX).await
}

/// One record of a pair, as the worklist, the pair page and the API show it.
#[derive(Clone, Debug)]
pub(crate) struct RecordSide {
    pub person: PersonId,
    pub reference: String,
    pub display_name: String,
    /// Who first said something about the record (XC-3): "notified by … on …: envelope …", or
    /// the agency's own registration.
    pub source: String,
    pub registered_at: String,
}

pub(crate) fn side_of(record: &PersonRecord) -> RecordSide {
    let first = record.sources.iter().min_by_key(|s| s.collected_at);
    RecordSide {
        person: record.person.id,
        reference: record.person.reference.clone(),
        display_name: CurrentView::project(&record.assertions)
            .value(FieldKey::Name)
            .map(AssertedValue::display)
            .unwrap_or_default(),
        source: first.map(|s| s.reference.clone()).unwrap_or_default(),
        registered_at: crate::html::datetime(record.person.registered_at),
    }
}

/// One decision, as shown.
#[derive(Clone, Debug)]
pub(crate) struct DecisionRow {
    pub decision: &'static str,
    pub by: String,
    pub at: OffsetDateTime,
    pub note: String,
    pub score: i32,
    pub algorithm: String,
}

/// A proposal with both records, as the caller may see them.
#[derive(Clone, Debug)]
pub(crate) struct PairView {
    pub id: LinkProposalId,
    pub a: RecordSide,
    pub b: RecordSide,
    pub score: f64,
    pub status: LinkStatus,
    pub algorithm: String,
    pub proposed_at: OffsetDateTime,
    pub explanation: LinkExplanation,
    pub decisions: Vec<DecisionRow>,
    /// What the caller decided, if they did.
    pub mine: Option<&'static str>,
}

/// The proposals with both records, leaving out every pair with a record the caller may not
/// see (a restriction, ICRC-DP-c), in the order given.
pub(crate) async fn pair_views(
    state: &AppState,
    scope: &TenantScope,
    proposals: Vec<LinkProposal>,
) -> AppResult<Vec<PairView>> {
    let ids: Vec<PersonId> = proposals
        .iter()
        .flat_map(|p| [p.person_a, p.person_b])
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let sides: HashMap<PersonId, RecordSide> = state
        .store
        .person_records(scope, &ids)
        .await?
        .iter()
        .map(|r| (r.person.id, side_of(r)))
        .collect();
    let me = scope.actor();
    let me_name = scope.actor_name().to_owned();
    Ok(proposals
        .into_iter()
        .filter_map(|p| {
            let a = sides.get(&p.person_a)?.clone();
            let b = sides.get(&p.person_b)?.clone();
            let status = p.status();
            let mine = p
                .decisions
                .iter()
                .find(|d| (me.is_some() && d.user == me) || d.username == me_name)
                .map(|d| d.decision.code());
            Some(PairView {
                id: p.id,
                a,
                b,
                score: f64::from(p.score) / 1000.0,
                status,
                explanation: LinkExplanation::parse(&p.explanation),
                algorithm: p.algorithm,
                proposed_at: p.proposed_at,
                decisions: p
                    .decisions
                    .into_iter()
                    .map(|d| DecisionRow {
                        decision: d.decision.code(),
                        by: d.username,
                        at: d.decided_at,
                        note: d.note,
                        score: d.score,
                        algorithm: d.algorithm,
                    })
                    .collect(),
                mine,
            })
        })
        .collect())
}

/// Takes a caseworker's decision on a proposal: `confirm` or `reject`, with a note (MATCH-1,
/// MATCH-7). Unknown decision or a note too long: 422 naming the field; a rejected pair, or a
/// second decision by the same user: 409; a proposal of another tenant or unknown: 404.
pub(crate) async fn decide(
    state: &AppState,
    scope: &TenantScope,
    id: LinkProposalId,
    decision: &str,
    note: &str,
) -> AppResult<()> {
    let decision = match decision {
        "confirm" => Decision::Confirm,
        "reject" => Decision::Reject,
        _ => {
            return Err(AppError::Invalid(vec![(
                "decision".into(),
                "choose confirm or reject".into(),
            )]));
        }
    };
    let note = note.trim();
    if note.chars().count() > LINK_NOTE_MAX {
        return Err(AppError::Invalid(vec![(
            "note".into(),
            format!("at most {LINK_NOTE_MAX} characters"),
        )]));
    }
    // 404 before anything else for another tenant's or an unknown proposal, or one whose
    // records the caller may not see.
    let proposal = state.store.link_proposal(scope, id).await?;
    if pair_views(state, scope, vec![proposal]).await?.is_empty() {
        return Err(AppError::NotFound);
    }
    match state
        .store
        .record_link_decision(
            scope,
            &NewLinkDecision {
                proposal: id,
                decision,
                note,
            },
        )
        .await
    {
        Ok(()) => {
            tracing::info!(decision = decision.code(), "same-person decision");
            Ok(())
        }
        Err(StoreError::Invalid(message)) => Err(AppError::Conflict(message)),
        Err(error) => Err(error.into()),
    }
}

/// A proposal id from a path; a malformed one is 404, like an unknown one.
pub(crate) fn proposal_id(text: &str) -> AppResult<LinkProposalId> {
    text.parse().map_err(|_| AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_follows_confirmed_links_and_starts_with_the_person() {
        let [a, b, c, d] = [
            PersonId::new(),
            PersonId::new(),
            PersonId::new(),
            PersonId::new(),
        ];
        let links = vec![(a, b), (c, b)];
        let group = group_of(&links, a);
        assert_eq!(group[0], a);
        assert_eq!(group.len(), 3);
        assert!(group.contains(&c));
        assert_eq!(group_of(&links, d), vec![d]);
    }

    #[test]
    fn an_unreadable_explanation_is_a_note_not_a_failure() {
        let e = LinkExplanation::parse("not json");
        assert!(e.features.is_empty());
        assert_eq!(e.notes.len(), 1);
    }
}
