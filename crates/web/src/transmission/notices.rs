//! Changes and corrections in envelopes (issue 5): what a bureau notifies after a person's
//! first card, and what the receiver makes of it.
//!
//! Sending: every event of a notifiable kind ([`domain::EventKind::is_notifiable`]: capture,
//! internment, transfer, hospital admission, escape, recapture, release, repatriation,
//! handover, death) travels once per recipient and channel, as an `event` notice or, for a
//! death, a `death_notification` (GC3-122-e, GC4-136-b, GC3-120-b, GC4-129-a). Every value
//! recorded after the person's first card travels as a correction: a card with the same
//! reference carrying only the corrected fields. The sender records a notification for every
//! obligation of §10 that an event sent meets (the compliance view's input).
//!
//! Receiving: a card for a reference already held is a correction. Each field whose value
//! differs from every standing value becomes a new assertion that supersedes the standing one
//! (XC-3: the earlier value is kept); a value already standing is skipped, so a correction
//! delivered again changes nothing. An event already held (same kind and time) is skipped; any
//! other is checked against the person's history (XC-1) and kept with the sender's place names
//! in its note.

use std::collections::{BTreeMap, HashMap, HashSet};

use domain::{
    Assertion, AssertionId, Channel, EventId, EventKind, FieldKey, NotificationKind, PersonId,
    PlaceId, RuleId, SourceId,
};
use store::{
    NewAssertion, NewNotification, NoticeItem, NoticeKind, PersonRecord, ReceivedAssertion,
    ReceivedEvent, Store, TenantScope,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use transmit::{CardField, Content, DeathNotice, EventNotice, PersonCard};

use super::TransmissionResult;

/// The codes of the event kinds a bureau notifies onward.
#[must_use]
pub fn notifiable_codes() -> Vec<&'static str> {
    EventKind::ALL
        .into_iter()
        .filter(|k| k.is_notifiable())
        .map(EventKind::code)
        .collect()
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// The changes and corrections one envelope carries after the new cards.
#[derive(Default)]
pub struct Changes {
    pub contents: Vec<Content>,
    pub notices: Vec<NoticeItem>,
    /// Persons a correction card was sent for.
    pub corrected: Vec<PersonId>,
    /// Events sent, for the notifications they meet.
    pub events: Vec<(PersonId, EventId)>,
}

impl Changes {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.contents.is_empty()
    }
}

/// How the sender turns its own events into notices: a bureau sends the note and place names;
/// the agency forwarding to a power of origin sends only the kind and time (the notes are not
/// among the particulars GC3-122-d / GC4-138-a list).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The bureau: notes and place names as recorded.
    Full,
    /// The agency to a power of origin: the kind and time of each event; for a death, also
    /// its place and cause, which the death certificate must show (GC3-120-b, GC4-129-a).
    FactAndDate,
}

/// The notices for `events` (sender's events, in the order they occurred) of `records`.
#[must_use]
pub fn event_notices(
    records: &HashMap<PersonId, &PersonRecord>,
    events: &[(PersonId, EventId)],
    place_names: &HashMap<PlaceId, String>,
    detail: Detail,
) -> (Vec<Content>, Vec<NoticeItem>, Vec<(PersonId, EventId)>) {
    let mut contents = Vec::new();
    let mut notices = Vec::new();
    let mut sent = Vec::new();
    for (person, event_id) in events {
        let Some(record) = records.get(person) else {
            continue;
        };
        let Some(event) = record.events.iter().find(|e| e.id == *event_id) else {
            continue;
        };
        let place = |id: Option<PlaceId>| match detail {
            Detail::Full => id.and_then(|p| place_names.get(&p).cloned()),
            Detail::FactAndDate => None,
        };
        let note = match detail {
            Detail::Full => event.note.clone(),
            Detail::FactAndDate => None,
        };
        let reference = record.person.reference.clone();
        contents.push(if event.kind == EventKind::Death {
            // GC3-120-b / GC4-129-a / Annex IV D: the death notification. The date, place and
            // cause of death are among what the death certificate must show, so they travel on
            // to the power of origin too (as the agency received them, in words).
            let (place_of_death, cause) = match detail {
                Detail::Full => (place(event.place), note),
                Detail::FactAndDate => death_particulars(event.note.as_deref()),
            };
            Content::DeathNotification(DeathNotice {
                reference,
                died_on: rfc3339(event.occurred_at),
                place: place_of_death,
                cause,
            })
        } else {
            // GC3-122-e / GC4-136-b: a change, "in the same way" as the first information.
            Content::Event(EventNotice {
                reference,
                kind: event.kind.code().to_owned(),
                occurred_at: rfc3339(event.occurred_at),
                note,
                place: place(event.place),
                place_to: place(event.place_to),
            })
        });
        notices.push(NoticeItem {
            person: *person,
            kind: NoticeKind::Event,
            id: *event_id.as_uuid(),
        });
        sent.push((*person, *event_id));
    }
    (contents, notices, sent)
}

/// The place and cause of a death the agency received (GC3-120-b, GC4-129-a), from the note
/// the receiver wrote (`place of death: …; cause: …`, see [`received_event`]). Any other
/// note (a death the agency recorded itself, in words) gives neither: free text is not among
/// the particulars forwarded.
#[must_use]
pub fn death_particulars(note: Option<&str>) -> (Option<String>, Option<String>) {
    const PLACE: &str = "place of death: ";
    const CAUSE: &str = "cause: ";
    let Some(note) = note else {
        return (None, None);
    };
    let (place, rest) = match note.strip_prefix(PLACE) {
        Some(rest) => match rest.find("; cause: ") {
            Some(at) => (Some(rest[..at].to_owned()), Some(&rest[at + 2..])),
            None => (Some(rest.to_owned()), None),
        },
        None => (None, Some(note)),
    };
    let cause = rest.and_then(|r| r.strip_prefix(CAUSE)).map(str::to_owned);
    let clean = |v: Option<String>| v.filter(|t| !t.trim().is_empty());
    (clean(place), clean(cause))
}

/// A correction card: the person's reference and category with, for each field in
/// `fields`, the latest assertion (value or reason for absence) among `allowed`.
#[must_use]
pub fn correction_card(
    record: &PersonRecord,
    fields: &HashSet<FieldKey>,
    allowed: &[&Assertion],
) -> Option<Content> {
    let mut latest: BTreeMap<FieldKey, &Assertion> = BTreeMap::new();
    for assertion in allowed {
        if fields.contains(&assertion.field) {
            latest.insert(assertion.field, assertion);
        }
    }
    if latest.is_empty() {
        return None;
    }
    let card = PersonCard {
        reference: record.person.reference.clone(),
        category: record.person.category.code().to_owned(),
        registered_at: rfc3339(record.person.registered_at),
        fields: latest
            .values()
            .map(|a| CardField::from_domain(a.field, &a.value))
            .collect(),
        detriment: None,
    };
    Some(if record.person.category.is_civilian() {
        Content::InternmentCard(card)
    } else {
        Content::CaptureCard(card)
    })
}

/// Puts a detriment flag set after the person's first card (GC4-137-b) on the person's
/// correction card among `contents`, or on a card of its own that carries no field: the
/// receiver keeps the flag (the agency then forwards nothing more of the person to the power
/// of origin) and changes nothing else.
pub fn attach_flag(contents: &mut Vec<Content>, record: &PersonRecord, reason: String) {
    for content in contents.iter_mut() {
        if let Content::CaptureCard(card) | Content::InternmentCard(card) = content
            && card.reference == record.person.reference
        {
            card.detriment = Some(reason);
            return;
        }
    }
    let card = PersonCard {
        reference: record.person.reference.clone(),
        category: record.person.category.code().to_owned(),
        registered_at: rfc3339(record.person.registered_at),
        fields: Vec::new(),
        detriment: Some(reason),
    };
    contents.push(if record.person.category.is_civilian() {
        Content::InternmentCard(card)
    } else {
        Content::CaptureCard(card)
    });
}

/// The notifications the events of an envelope sent on `channel` meet: for each event, every
/// obligation of §10 it triggered on that channel that is not met yet (the card rules
/// GC3-70-a and GC4-106-a excepted: the card is the person's to write). Obligations met
/// already (by a card sent in the same envelope, say) are left alone, so nothing is counted
/// twice. A recapture is owed only once the escape was notified (GC3-94-a), so the
/// computation runs again after each round that recorded something.
///
/// # Errors
/// A database error.
pub async fn record_event_notifications(
    store: &Store,
    scope: &TenantScope,
    events: &[(PersonId, EventId)],
    channel: Channel,
    source: SourceId,
    sent_at: OffsetDateTime,
    reference: &str,
) -> TransmissionResult<usize> {
    if events.is_empty() {
        return Ok(0);
    }
    let mut persons: Vec<PersonId> = events.iter().map(|(p, _)| *p).collect();
    persons.sort_unstable();
    persons.dedup();
    let sent: HashSet<EventId> = events.iter().map(|(_, e)| *e).collect();
    let kinds: HashMap<PlaceId, domain::PlaceKind> = store
        .places(scope)
        .await?
        .into_iter()
        .map(|p| (p.id, p.kind))
        .collect();
    let place_kind = |id: PlaceId| kinds.get(&id).copied();
    let policy = domain::DeadlinePolicy::default();
    let mut recorded = 0;
    for _round in 0..2 {
        let mut new = Vec::new();
        for record in store.person_records(scope, &persons).await? {
            let owed = domain::obligations(
                &domain::PersonFacts {
                    person: record.person.id,
                    category: record.person.category,
                    events: &record.events,
                    notifications: &record.notifications,
                    place_kind: &place_kind,
                },
                &policy,
                sent_at,
            );
            for obligation in owed {
                let open = matches!(
                    obligation.status,
                    domain::ObligationStatus::Due | domain::ObligationStatus::Overdue
                );
                if open
                    && obligation.channel == channel
                    && sent.contains(&obligation.trigger_event)
                    && !matches!(obligation.rule, RuleId::Gc3_70a | RuleId::Gc4_106a)
                {
                    new.push(NewNotification {
                        person: record.person.id,
                        rule: obligation.rule,
                        trigger_event: Some(obligation.trigger_event),
                        channel,
                        kind: NotificationKind::Sent,
                        sent_at,
                        reference: reference.to_owned(),
                    });
                }
            }
        }
        if new.is_empty() {
            break;
        }
        recorded += store.record_notifications(scope, source, &new).await?;
    }
    Ok(recorded)
}

// ---------------------------------------------------------------------------------------------
// Receiving
// ---------------------------------------------------------------------------------------------

/// What the receiver writes for persons it holds already, or for those the same envelope
/// registers (events only).
#[derive(Default)]
pub struct Plan {
    pub assertions: Vec<ReceivedAssertion>,
    /// Events for persons held before the envelope.
    pub events: Vec<ReceivedEvent>,
    /// Events for persons the envelope registers: (index among the new persons, event).
    pub new_person_events: Vec<(usize, ReceivedEvent)>,
    /// Corrected persons (for the count).
    pub corrected: HashSet<PersonId>,
}

/// The standing assertion a correction from `sender` supersedes: the sender's own standing
/// value of the field if there is one, else the latest standing value of any source.
fn superseded(record: &PersonRecord, field: FieldKey, sender: &str) -> Option<AssertionId> {
    let view = domain::CurrentView::project(&record.assertions);
    let standing = &view.fields.get(&field)?.standing;
    let prefix = format!("envelope {sender} #");
    standing
        .iter()
        .filter(|a| a.locator.starts_with(&prefix))
        .max_by_key(|a| a.recorded_at)
        .or_else(|| standing.iter().max_by_key(|a| a.recorded_at))
        .map(|a| a.id)
}

/// The corrections a card makes to `record`: one assertion per field whose value stands
/// nowhere yet.
///
/// # Errors
/// A field the registry would refuse, named.
pub fn corrections(
    record: &PersonRecord,
    card: &PersonCard,
    sender: &str,
    locator: &dyn Fn(&str) -> String,
) -> Result<Vec<ReceivedAssertion>, String> {
    let view = domain::CurrentView::project(&record.assertions);
    let mut out = Vec::new();
    for field in &card.fields {
        let (key, value) = field.to_domain().map_err(|e| e.to_string())?;
        let already = view
            .fields
            .get(&key)
            .is_some_and(|f| f.standing.iter().any(|a| a.value == value));
        if already {
            continue;
        }
        out.push(ReceivedAssertion {
            person: record.person.id,
            supersedes: superseded(record, key, sender),
            assertion: NewAssertion {
                field: key,
                value,
                locator: locator(key.code()),
            },
        });
    }
    Ok(out)
}

/// Reads an RFC 3339 time, or a `YYYY-MM-DD` date as midnight UTC.
fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| format!("{text:?} is not an RFC 3339 time or a YYYY-MM-DD date"))
}

/// An event notice as the receiver keeps it: kind, time and a note carrying the sender's place
/// names and note.
///
/// # Errors
/// An unknown kind, a bad time or a note over 2,000 characters, named.
pub fn received_event(
    content: &Content,
    person: PersonId,
    locator: String,
) -> Result<Option<ReceivedEvent>, String> {
    let (kind, at, parts) = match content {
        Content::Event(notice) => {
            let kind: EventKind = notice.kind.parse()?;
            let mut parts = Vec::new();
            if let Some(place) = &notice.place {
                parts.push(format!("at {place}"));
            }
            if let Some(place) = &notice.place_to {
                parts.push(format!("to {place}"));
            }
            if let Some(note) = &notice.note {
                parts.push(note.clone());
            }
            (kind, parse_time(&notice.occurred_at)?, parts)
        }
        Content::DeathNotification(death) => {
            let mut parts = Vec::new();
            if let Some(place) = &death.place {
                parts.push(format!("place of death: {place}"));
            }
            if let Some(cause) = &death.cause {
                parts.push(format!("cause: {cause}"));
            }
            (EventKind::Death, parse_time(&death.died_on)?, parts)
        }
        _ => return Ok(None),
    };
    let note = (!parts.is_empty()).then(|| parts.join("; "));
    if let Some(note) = &note {
        let length = note.chars().count();
        if length > 2000 {
            return Err(format!(
                "the note and places are {length} characters; at most 2000 are accepted"
            ));
        }
    }
    Ok(Some(ReceivedEvent {
        id: EventId::new(),
        person,
        kind,
        occurred_at: at,
        locator,
        note,
    }))
}

/// Whether `event` is held already (same kind, same time): a notice delivered again in a
/// later envelope changes nothing.
#[must_use]
pub fn already_held(history: &[domain::Event], event: &ReceivedEvent) -> bool {
    history
        .iter()
        .any(|e| e.kind == event.kind && e.occurred_at == event.occurred_at)
}

/// XC-1 for a received event: checked against what is held and what the envelope brought
/// before it. A place is not required (the sender's places are not the receiver's).
///
/// # Errors
/// The domain's refusal, in words.
pub fn check_received(
    history: &[domain::Event],
    event: &ReceivedEvent,
    source: SourceId,
) -> Result<domain::Event, String> {
    let now = OffsetDateTime::now_utc();
    let mut domain_event = domain::Event {
        id: event.id,
        person: event.person,
        kind: event.kind,
        occurred_at: event.occurred_at,
        recorded_at: now,
        // Stands in for the sender's place during the check only; nothing is stored.
        place: event.kind.needs_place().then(PlaceId::new),
        place_to: None,
        source,
        locator: event.locator.clone(),
        note: event.note.clone(),
    };
    domain_event
        .check_against(history)
        .map_err(|error| error.to_string())?;
    domain_event.place = None;
    Ok(domain_event)
}

#[cfg(test)]
mod tests {
    use super::death_particulars;

    fn owned(pair: (Option<&str>, Option<&str>)) -> (Option<String>, Option<String>) {
        (pair.0.map(str::to_owned), pair.1.map(str::to_owned))
    }

    #[test]
    fn gc3_120_b_the_place_and_cause_of_death_are_read_back_from_the_received_note() {
        assert_eq!(
            death_particulars(Some(
                "place of death: Camp North; cause: pneumonia; untreated"
            )),
            owned((Some("Camp North"), Some("pneumonia; untreated")))
        );
        assert_eq!(
            death_particulars(Some("place of death: Camp North")),
            owned((Some("Camp North"), None))
        );
        assert_eq!(
            death_particulars(Some("cause: wounds")),
            owned((None, Some("wounds")))
        );
        // Free text the agency wrote itself is not forwarded.
        assert_eq!(death_particulars(Some("died in hospital")), (None, None));
        assert_eq!(death_particulars(None), (None, None));
    }
}
