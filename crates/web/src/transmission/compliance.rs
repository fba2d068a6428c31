//! Compliance (issue 5 §5; XC-5, XC-8, §10): per party and per channel, what was due, what was
//! sent, on time or late, what the recipient acknowledged, and what is overdue. The factual
//! basis for a confidential dialogue with a party, so every number is computed from the
//! records, never estimated:
//!
//! - obligations come from the domain deadline engine (`domain::obligations`), the same the
//!   deadlines page shows, starting with the 7-day capture card (GC3-70-a) and covering every
//!   rule of §10 the engine supports (`RuleId::ALL`);
//! - an obligation is *acknowledged* when the notification that met it is a transmission whose
//!   envelope the recipient answered with a receipt `applied` or `duplicate`;
//! - envelopes sent, acknowledged, rejected and unanswered are counted per recipient and
//!   channel, and envelopes received per sender and channel, with the sequence numbers missing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use domain::{
    Channel, DeadlinePolicy, NotificationId, Obligation, ObligationStatus, PlaceId, RuleId,
};
use serde::Serialize;
use store::{ReceivedStatus, Store, TenantScope};
use time::OffsetDateTime;

use super::TransmissionResult;

/// One rule on one channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleRow {
    pub rule: &'static str,
    pub label: &'static str,
    pub channel: &'static str,
    /// Every obligation of this rule and channel so far (met or not, due or not yet due).
    pub owed: usize,
    /// Whose due time has passed, or which were met.
    pub due: usize,
    pub sent_on_time: usize,
    pub sent_late: usize,
    /// Due time passed, nothing sent.
    pub overdue: usize,
    /// Not met, due time not reached yet.
    pub not_yet_due: usize,
    /// Met by a transmission the recipient acknowledged.
    pub acknowledged: usize,
    /// Met, but not (yet) acknowledged by the recipient.
    pub unacknowledged: usize,
}

/// Envelopes this tenant sent to one recipient on one channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SentRow {
    pub recipient: String,
    pub channel: String,
    pub envelopes: usize,
    pub notices: usize,
    pub acknowledged: usize,
    pub rejected: usize,
    /// No receipt yet: the sender loop keeps pushing them.
    pub unanswered: usize,
}

/// Envelopes received from one sender on one channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReceivedRow {
    pub sender: String,
    pub channel: String,
    pub applied: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// Notices applied: persons registered, persons corrected and events kept.
    pub persons: usize,
    /// Sequence numbers below the highest applied that never arrived.
    pub missing: Vec<u64>,
}

/// Enquiries to or from one peer (GC3-122-g, GC4-137-a; §10 #47 gives no time, so each
/// enquiry's target is the asker's). `received`: a bureau's obligation to answer; `asked`: the
/// agency's view of what it is owed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EnquiryRow {
    pub rule: &'static str,
    pub direction: &'static str,
    pub peer: String,
    pub owed: usize,
    /// An answer recorded by the target (it travels with the next envelope to the peer).
    pub answered_on_time: usize,
    pub answered_late: usize,
    /// Target passed, no answer.
    pub overdue: usize,
    /// No answer, target not reached.
    pub open: usize,
    /// Closed by a caseworker without an answer (answered by other means, or withdrawn): not
    /// owed, so not in `owed`.
    pub closed: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Compliance {
    pub tenant: String,
    pub at: String,
    pub rules: Vec<RuleRow>,
    pub sent: Vec<SentRow>,
    pub received: Vec<ReceivedRow>,
    /// Overdue obligations by rule, oldest first: `(rule, person reference, due)`.
    pub late: Vec<LateItem>,
    /// Enquiries per direction and peer (issue 5, migration 0014).
    pub enquiries: Vec<EnquiryRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LateItem {
    pub rule: &'static str,
    pub channel: &'static str,
    /// Empty when `restricted`.
    pub reference: String,
    /// A restriction keeps the person from the caller's role (ICRC-DP-c): the late duty counts,
    /// but not whose it is.
    pub restricted: bool,
    pub due_at: String,
    /// `overdue` (nothing sent) or `sent-late`.
    pub status: &'static str,
    pub sent_at: Option<String>,
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Tallies obligations into rule × channel rows. Pure, so its exactness is tested directly.
/// `acknowledged` holds the notifications met by an acknowledged transmission.
#[must_use]
pub fn tally_rules(
    obligations: &[Obligation],
    acknowledged: &HashSet<NotificationId>,
) -> Vec<RuleRow> {
    let mut rows: BTreeMap<(RuleId, Channel), RuleRow> = BTreeMap::new();
    for obligation in obligations {
        let row = rows
            .entry((obligation.rule, obligation.channel))
            .or_insert_with(|| RuleRow {
                rule: obligation.rule.code(),
                label: obligation.rule.label(),
                channel: obligation.channel.code(),
                ..RuleRow::default()
            });
        row.owed += 1;
        match obligation.status {
            ObligationStatus::Due => row.not_yet_due += 1,
            ObligationStatus::Overdue => {
                row.due += 1;
                row.overdue += 1;
            }
            ObligationStatus::Done { late, .. } => {
                row.due += 1;
                if late {
                    row.sent_late += 1;
                } else {
                    row.sent_on_time += 1;
                }
                if obligation.met_by.is_some_and(|n| acknowledged.contains(&n)) {
                    row.acknowledged += 1;
                } else {
                    row.unacknowledged += 1;
                }
            }
        }
    }
    // GC3-70-a first: the capture card is the first case (RuleId's order puts it first).
    rows.into_values().collect()
}

/// The missing sequence numbers of a channel: gaps below the highest applied.
fn gaps(applied: &BTreeSet<u64>) -> Vec<u64> {
    let Some(&highest) = applied.last() else {
        return Vec::new();
    };
    (1..highest).filter(|s| !applied.contains(s)).collect()
}

/// The tenant's compliance at `now`.
///
/// # Errors
/// A database error.
pub async fn compute(
    store: &Store,
    scope: &TenantScope,
    tenant: &str,
    now: OffsetDateTime,
) -> TransmissionResult<Compliance> {
    // Receipts the tenant received, by envelope hash: what the recipient made of each.
    let mut answered: HashMap<String, String> = HashMap::new();
    for record in store.acknowledgements(scope).await? {
        if !record.ack.issued {
            answered.insert(record.ack.envelope_hash, record.ack.status);
        }
    }
    let ack_ok = |hash: &str| {
        answered
            .get(hash)
            .is_some_and(|s| s == "applied" || s == "duplicate")
    };

    let facts = store.tenant_facts(scope).await?;
    let hidden = store.hidden_persons(scope).await?;
    let kinds: HashMap<PlaceId, domain::PlaceKind> = store
        .places(scope)
        .await?
        .into_iter()
        .map(|p| (p.id, p.kind))
        .collect();
    let place_kind = |id: PlaceId| kinds.get(&id).copied();
    let policy = DeadlinePolicy::default();
    // GC3-122-a, GC4-136-a: only a party's bureau owes deadlines.
    let owes = store
        .tenants()
        .await?
        .iter()
        .any(|t| t.id == scope.tenant() && t.kind.owes_deadlines());
    let mut obligations = Vec::new();
    let mut references = HashMap::new();
    let mut acknowledged = HashSet::new();
    let mut sent_at = HashMap::new();
    // Persons registered by an envelope from a peer are held by the sender: their deadlines
    // are the sender's, shown in the sender's view, not this tenant's.
    for person in facts.iter().filter(|p| owes && !p.received) {
        for notification in &person.notifications {
            sent_at.insert(notification.id, notification.sent_at);
            if ack_ok(&notification.reference) {
                acknowledged.insert(notification.id);
            }
        }
        let owed = domain::obligations(
            &domain::PersonFacts {
                person: person.person,
                category: person.category,
                events: &person.events,
                notifications: &person.notifications,
                place_kind: &place_kind,
            },
            &policy,
            now,
        );
        for obligation in &owed {
            references.insert(obligation.person, person.reference.clone());
        }
        obligations.extend(owed);
    }
    let rules = tally_rules(&obligations, &acknowledged);

    let mut late: Vec<LateItem> = obligations
        .iter()
        .filter_map(|o| {
            let (status, at) = match o.status {
                ObligationStatus::Overdue => ("overdue", None),
                ObligationStatus::Done { late: true, at } => ("sent-late", Some(at)),
                _ => return None,
            };
            let restricted = hidden.contains(&o.person);
            Some(LateItem {
                rule: o.rule.code(),
                channel: o.channel.code(),
                reference: if restricted {
                    String::new()
                } else {
                    references.get(&o.person).cloned().unwrap_or_default()
                },
                restricted,
                due_at: rfc3339(o.due_at),
                status,
                sent_at: at
                    .or_else(|| o.met_by.and_then(|n| sent_at.get(&n).copied()))
                    .map(rfc3339),
            })
        })
        .collect();
    late.sort_by(|a, b| (a.rule, &a.due_at, &a.reference).cmp(&(b.rule, &b.due_at, &b.reference)));

    let mut sent: BTreeMap<(String, String), SentRow> = BTreeMap::new();
    for transmission in store.transmissions_sent(scope).await? {
        let row = sent
            .entry((transmission.recipient.clone(), transmission.channel.clone()))
            .or_insert_with(|| SentRow {
                recipient: transmission.recipient.clone(),
                channel: transmission.channel.clone(),
                ..SentRow::default()
            });
        row.envelopes += 1;
        row.notices += usize::try_from(transmission.items).unwrap_or(0);
        match answered.get(&transmission.content_hash).map(String::as_str) {
            Some("applied" | "duplicate") => row.acknowledged += 1,
            Some(_) => row.rejected += 1,
            None => row.unanswered += 1,
        }
    }

    let mut received: BTreeMap<(String, String), (ReceivedRow, BTreeSet<u64>)> = BTreeMap::new();
    for record in store.received_log(scope).await? {
        let entry = &record.entry;
        let key = (
            entry.sender.clone().unwrap_or_else(|| "unknown".into()),
            entry.channel.clone().unwrap_or_else(|| "unknown".into()),
        );
        let (row, applied) = received.entry(key.clone()).or_insert_with(|| {
            (
                ReceivedRow {
                    sender: key.0.clone(),
                    channel: key.1.clone(),
                    ..ReceivedRow::default()
                },
                BTreeSet::new(),
            )
        });
        match entry.status {
            ReceivedStatus::Applied => {
                row.applied += 1;
                row.persons += usize::try_from(entry.applied).unwrap_or(0);
                if let Some(sequence) = entry.sequence.and_then(|s| u64::try_from(s).ok()) {
                    applied.insert(sequence);
                }
            }
            ReceivedStatus::Duplicate => row.duplicates += 1,
            ReceivedStatus::Rejected => row.rejected += 1,
        }
    }
    let received = received
        .into_values()
        .map(|(mut row, applied)| {
            row.missing = gaps(&applied);
            row
        })
        .collect();

    let mut enquiries: BTreeMap<(&'static str, String), EnquiryRow> = BTreeMap::new();
    for enquiry in store.enquiries(scope).await? {
        let direction = enquiry.direction.code();
        let row = enquiries
            .entry((direction, enquiry.peer.clone()))
            .or_insert_with(|| EnquiryRow {
                rule: "GC3-122-g",
                direction,
                peer: enquiry.peer.clone(),
                ..EnquiryRow::default()
            });
        // A closed enquiry without an answer is no longer owed; it is counted apart.
        match super::messages::EnquiryState::of(&enquiry, now) {
            super::messages::EnquiryState::AnsweredOnTime => row.answered_on_time += 1,
            super::messages::EnquiryState::AnsweredLate => row.answered_late += 1,
            super::messages::EnquiryState::Overdue => row.overdue += 1,
            super::messages::EnquiryState::Open => row.open += 1,
            super::messages::EnquiryState::ClosedAnswered
            | super::messages::EnquiryState::Withdrawn => {
                row.closed += 1;
                continue;
            }
        }
        row.owed += 1;
    }

    Ok(Compliance {
        tenant: tenant.to_owned(),
        at: rfc3339(now),
        rules,
        sent: sent.into_values().collect(),
        received,
        late,
        enquiries: enquiries.into_values().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{EventId, PersonId};
    use time::Duration;

    fn obligation(
        status: ObligationStatus,
        due_at: OffsetDateTime,
        met: Option<NotificationId>,
    ) -> Obligation {
        Obligation {
            rule: RuleId::Gc3_70a,
            person: PersonId::new(),
            trigger_event: EventId::new(),
            channel: Channel::Agency,
            due_at,
            status,
            met_by: met,
            met_by_event: None,
        }
    }

    #[test]
    fn tallies_are_exact() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(100);
        let acked = NotificationId::new();
        let unacked = NotificationId::new();
        let all = vec![
            obligation(ObligationStatus::Overdue, now - Duration::days(3), None),
            obligation(ObligationStatus::Due, now + Duration::days(3), None),
            obligation(
                ObligationStatus::Done {
                    at: now - Duration::days(20),
                    late: false,
                },
                now - Duration::days(10),
                Some(acked),
            ),
            obligation(
                ObligationStatus::Done {
                    at: now - Duration::days(1),
                    late: true,
                },
                now - Duration::days(5),
                Some(unacked),
            ),
        ];
        let rows = tally_rules(&all, &HashSet::from([acked]));
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.rule, "GC3-70-a");
        assert_eq!(
            (
                row.owed,
                row.due,
                row.sent_on_time,
                row.sent_late,
                row.overdue,
                row.not_yet_due
            ),
            (4, 3, 1, 1, 1, 1)
        );
        assert_eq!((row.acknowledged, row.unacknowledged), (1, 1));
    }

    #[test]
    fn gaps_below_the_highest() {
        assert_eq!(gaps(&BTreeSet::from([1, 3, 6])), vec![2, 4, 5]);
        assert!(gaps(&BTreeSet::new()).is_empty());
    }
}
