//! Events: what happens to a person (§9.4). Each has its time, place and provenance. Deadlines
//! are computed from event times, never from sync or recording times (XC-10).

use std::fmt;
use std::str::FromStr;

use time::{Duration, OffsetDateTime};

use crate::ids::{EventId, PersonId, PlaceId, SourceId};
use crate::person::Custody;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// Capture (POW) or arrest (civilian): the person falls into the power of a party (GC3-5-a).
    FellIntoPower,
    /// Arrival at a place of detention, including a transit camp (GC3-70-a).
    ArrivalAtPlace,
    /// GC4-78-a / GC4-43-a: a decision to intern or assign residence.
    InternmentDecision,
    /// GC4-43-a / GC4-78-a: a periodic review of internment.
    InternmentReview,
    TransferDeparture,
    TransferArrival,
    HospitalAdmission,
    HospitalDischarge,
    /// GC3-122-f / GC4-138-b: seriously ill or wounded; weekly health reports start.
    SeriousIllnessDeclared,
    SeriousIllnessEnded,
    Escape,
    /// GC3-91: an escape that succeeded. Terminal (XC-1).
    SuccessfulEscape,
    /// GC3-94-a: recaptured after an escape; re-opens custody.
    Recapture,
    /// Final release. Terminal (XC-1).
    Release,
    /// Repatriation. Terminal (XC-1).
    Repatriation,
    /// Handover to another power. Terminal (XC-1).
    HandoverToOtherPower,
    /// Death, with a death record. Terminal (XC-1).
    Death,
}

impl EventKind {
    pub const ALL: [EventKind; 17] = [
        Self::FellIntoPower,
        Self::ArrivalAtPlace,
        Self::InternmentDecision,
        Self::InternmentReview,
        Self::TransferDeparture,
        Self::TransferArrival,
        Self::HospitalAdmission,
        Self::HospitalDischarge,
        Self::SeriousIllnessDeclared,
        Self::SeriousIllnessEnded,
        Self::Escape,
        Self::SuccessfulEscape,
        Self::Recapture,
        Self::Release,
        Self::Repatriation,
        Self::HandoverToOtherPower,
        Self::Death,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::FellIntoPower => "fell-into-power",
            Self::ArrivalAtPlace => "arrival",
            Self::InternmentDecision => "internment-decision",
            Self::InternmentReview => "internment-review",
            Self::TransferDeparture => "transfer-departure",
            Self::TransferArrival => "transfer-arrival",
            Self::HospitalAdmission => "hospital-admission",
            Self::HospitalDischarge => "hospital-discharge",
            Self::SeriousIllnessDeclared => "serious-illness-declared",
            Self::SeriousIllnessEnded => "serious-illness-ended",
            Self::Escape => "escape",
            Self::SuccessfulEscape => "successful-escape",
            Self::Recapture => "recapture",
            Self::Release => "release",
            Self::Repatriation => "repatriation",
            Self::HandoverToOtherPower => "handover",
            Self::Death => "death",
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::FellIntoPower => "Capture or arrest",
            Self::ArrivalAtPlace => "Arrival at a place of detention",
            Self::InternmentDecision => "Internment decision",
            Self::InternmentReview => "Review of internment",
            Self::TransferDeparture => "Transfer: departure",
            Self::TransferArrival => "Transfer: arrival",
            Self::HospitalAdmission => "Hospital admission",
            Self::HospitalDischarge => "Hospital discharge",
            Self::SeriousIllnessDeclared => "Seriously ill or wounded",
            Self::SeriousIllnessEnded => "No longer seriously ill",
            Self::Escape => "Escape",
            Self::SuccessfulEscape => "Successful escape (GC III 91)",
            Self::Recapture => "Recapture",
            Self::Release => "Release",
            Self::Repatriation => "Repatriation",
            Self::HandoverToOtherPower => "Handover to another power",
            Self::Death => "Death",
        }
    }

    /// XC-1: the events that close a record.
    #[must_use]
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::SuccessfulEscape
                | Self::Release
                | Self::Repatriation
                | Self::HandoverToOtherPower
                | Self::Death
        )
    }

    /// Whether the bureau notifies the event onward to the agency and the protecting power
    /// (§10): the capture or arrest itself (GC3-122-b, GC3-122-c, GC4-136-b), an internment
    /// decision (GC4-136-b, GC4-43-a), every change (transfers, hospital admission, escape,
    /// release, repatriation, handover: GC3-122-e, GC4-136-b), a recapture (GC3-94-a) and a
    /// death (GC3-120-b, GC4-129-a, AP1-33-b). Arrivals, reviews, discharges and the serious
    /// illness flag are kept by the bureau (weekly health reports, GC3-122-f, are not built as
    /// notices).
    #[must_use]
    pub const fn is_notifiable(self) -> bool {
        matches!(
            self,
            Self::FellIntoPower
                | Self::InternmentDecision
                | Self::TransferDeparture
                | Self::TransferArrival
                | Self::HospitalAdmission
                | Self::Escape
                | Self::SuccessfulEscape
                | Self::Recapture
                | Self::Release
                | Self::Repatriation
                | Self::HandoverToOtherPower
                | Self::Death
        )
    }

    /// Whether the event needs a destination place (a transfer) or a place at all.
    #[must_use]
    pub const fn needs_place(self) -> bool {
        matches!(
            self,
            Self::ArrivalAtPlace | Self::TransferArrival | Self::HospitalAdmission
        )
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for EventKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.code() == s)
            .ok_or_else(|| format!("unknown event kind {s:?}"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: EventId,
    pub person: PersonId,
    pub kind: EventKind,
    /// When it happened (UTC). Deadlines run from here.
    pub occurred_at: OffsetDateTime,
    /// When the bureau recorded it.
    pub recorded_at: OffsetDateTime,
    /// Where it happened, or where the person arrived.
    pub place: Option<PlaceId>,
    /// For a transfer departure: where the person is going (GC3-46-a).
    pub place_to: Option<PlaceId>,
    pub source: SourceId,
    pub locator: String,
    /// A short note in words, never interrogation content (XC-7).
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("the record was closed by {closed_by} on {closed_at}; a {kind} cannot follow (XC-1)")]
    AfterClosure {
        kind: EventKind,
        closed_by: EventKind,
        closed_at: String,
    },
    #[error("a {0} needs a capture or arrest before it")]
    BeforeCapture(EventKind),
    #[error("a {0} needs a place")]
    MissingPlace(EventKind),
    #[error("the event is dated more than a day after it was recorded")]
    InFuture,
    #[error("a recapture needs an escape before it")]
    RecaptureWithoutEscape,
    #[error("the note is {0} characters; at most 2000 are accepted")]
    NoteTooLong(usize),
}

impl Event {
    /// Checks a new event against the events already recorded for the person.
    ///
    /// XC-1: after a terminal event only a recapture (after a successful escape) may follow.
    ///
    /// # Errors
    /// An [`EventError`] that says what is wrong.
    pub fn check_against(&self, history: &[Event]) -> Result<(), EventError> {
        if self.occurred_at > self.recorded_at + Duration::days(1) {
            return Err(EventError::InFuture);
        }
        if self.kind.needs_place() && self.place.is_none() {
            return Err(EventError::MissingPlace(self.kind));
        }
        if let Some(note) = &self.note {
            let length = note.chars().count();
            if length > 2000 {
                return Err(EventError::NoteTooLong(length));
            }
        }
        let earlier: Vec<Event> = history
            .iter()
            .filter(|event| event.occurred_at <= self.occurred_at)
            .cloned()
            .collect();
        match (Custody::from_events(&earlier), self.kind) {
            (_, EventKind::FellIntoPower) => Ok(()),
            (
                Custody::Closed {
                    kind: EventKind::SuccessfulEscape,
                    ..
                },
                EventKind::Recapture,
            ) => Ok(()),
            (Custody::Closed { kind, at, .. }, new_kind) => Err(EventError::AfterClosure {
                kind: new_kind,
                closed_by: kind,
                closed_at: crate::partial_date::iso(at.date()),
            }),
            (Custody::NotRecorded, kind) => Err(EventError::BeforeCapture(kind)),
            (Custody::InCustody { .. }, EventKind::Recapture) => {
                let escaped = earlier.iter().any(|e| e.kind == EventKind::Escape);
                if escaped {
                    Ok(())
                } else {
                    Err(EventError::RecaptureWithoutEscape)
                }
            }
            (Custody::InCustody { .. }, _) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn event(kind: EventKind, day: u8) -> Event {
        let at = datetime!(2026-03-01 10:00 UTC) + Duration::days(i64::from(day));
        Event {
            id: EventId::new(),
            person: PersonId::from_uuid(uuid::Uuid::nil()),
            kind,
            occurred_at: at,
            recorded_at: at,
            place: Some(PlaceId::new()),
            place_to: None,
            source: SourceId::new(),
            locator: String::new(),
            note: None,
        }
    }

    #[test]
    fn xc1_terminal_event_closes_the_record() {
        let history = vec![
            event(EventKind::FellIntoPower, 0),
            event(EventKind::Death, 5),
        ];
        assert!(Custody::from_events(&history).is_closed());
        let late = event(EventKind::TransferDeparture, 6);
        assert!(matches!(
            late.check_against(&history),
            Err(EventError::AfterClosure { .. })
        ));
        // An event dated before the closure is still accepted: it fills in the past.
        event(EventKind::HospitalAdmission, 3)
            .check_against(&history)
            .unwrap();
    }

    #[test]
    fn xc1_recapture_reopens_after_successful_escape() {
        let history = vec![
            event(EventKind::FellIntoPower, 0),
            event(EventKind::SuccessfulEscape, 5),
        ];
        event(EventKind::Recapture, 9)
            .check_against(&history)
            .unwrap();
        let mut all = history.clone();
        all.push(event(EventKind::Recapture, 9));
        assert!(matches!(
            Custody::from_events(&all),
            Custody::InCustody { .. }
        ));
    }

    #[test]
    fn events_need_a_capture_and_places_where_they_happen() {
        assert_eq!(
            event(EventKind::Escape, 1).check_against(&[]),
            Err(EventError::BeforeCapture(EventKind::Escape))
        );
        let history = vec![event(EventKind::FellIntoPower, 0)];
        let mut admission = event(EventKind::HospitalAdmission, 2);
        admission.place = None;
        assert_eq!(
            admission.check_against(&history),
            Err(EventError::MissingPlace(EventKind::HospitalAdmission))
        );
        assert_eq!(
            event(EventKind::Recapture, 2).check_against(&history),
            Err(EventError::RecaptureWithoutEscape)
        );
        let mut future = event(EventKind::Escape, 2);
        future.occurred_at += Duration::days(3);
        assert_eq!(future.check_against(&history), Err(EventError::InFuture));
    }
}
