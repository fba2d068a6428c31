//! Obligations and deadlines (§9.5 "Obligation", §10): what each party owes, computed from
//! events and the notifications recorded against them.

use std::fmt;
use std::str::FromStr;

use time::{Duration, OffsetDateTime};

use crate::ids::{EventId, NotificationId, PersonId, SourceId};

/// The requirement a deadline comes from (§10), e.g. `GC3-70-a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleId {
    /// §10 #1–2: capture card within one week of capture or arrival at a camp; again on
    /// sickness, hospital admission or transfer.
    Gc3_70a,
    /// §10 #4: internment card within one week of internment or arrival.
    Gc4_106a,
    /// §10 #6: the bureau forwards a POW's information to the power concerned through the
    /// protecting power and likewise through the agency.
    Gc3_122c,
    /// §10 #9: changes (transfer, hospital, escape, recapture, release, repatriation, death).
    Gc3_122e,
    /// §10 #10: weekly health reports on the seriously ill or wounded (POWs).
    Gc3_122f,
    /// §10 #7: a civilian in custody for more than two weeks, or interned, is recorded and
    /// transmitted.
    Gc4_136b,
    /// §10 #10: weekly health reports on seriously ill or wounded civilians.
    Gc4_138b,
    /// §10 #8: AP I detainees held more than two weeks, or who die in detention.
    Ap1_33b,
    /// §10 #12: the complete list of transferred persons, before departure.
    Gc3_46a,
    /// §10 #31: death certificate or certified list to the bureau, as rapidly as possible.
    Gc3_120b,
    /// §10 #32: certified copy of an internee's death record to the protecting power and agency.
    Gc4_129a,
    /// §10 #38 and #40: review of internment at least twice yearly.
    Gc4_43a,
}

impl RuleId {
    pub const ALL: [RuleId; 12] = [
        Self::Gc3_70a,
        Self::Gc4_106a,
        Self::Gc3_122c,
        Self::Gc3_122e,
        Self::Gc3_122f,
        Self::Gc4_136b,
        Self::Gc4_138b,
        Self::Ap1_33b,
        Self::Gc3_46a,
        Self::Gc3_120b,
        Self::Gc4_129a,
        Self::Gc4_43a,
    ];

    /// The requirement ID as written in `gc-requirements.md`.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Gc3_70a => "GC3-70-a",
            Self::Gc4_106a => "GC4-106-a",
            Self::Gc3_122c => "GC3-122-c",
            Self::Gc3_122e => "GC3-122-e",
            Self::Gc3_122f => "GC3-122-f",
            Self::Gc4_136b => "GC4-136-b",
            Self::Gc4_138b => "GC4-138-b",
            Self::Ap1_33b => "AP1-33-b",
            Self::Gc3_46a => "GC3-46-a",
            Self::Gc3_120b => "GC3-120-b",
            Self::Gc4_129a => "GC4-129-a",
            Self::Gc4_43a => "GC4-43-a",
        }
    }

    /// What is owed, in a clerk's words.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Gc3_70a => "Capture card (GC III 70)",
            Self::Gc4_106a => "Internment card (GC IV 106)",
            Self::Gc3_122c => "Notify the power concerned (GC III 122)",
            Self::Gc3_122e => "Notify a change (GC III 122)",
            Self::Gc3_122f => "Weekly health report (GC III 122)",
            Self::Gc4_136b => "Record and transmit civilian in custody (GC IV 136)",
            Self::Gc4_138b => "Weekly health report (GC IV 138)",
            Self::Ap1_33b => "AP I 33 detainee information",
            Self::Gc3_46a => "List of transferred persons before departure (GC III 46)",
            Self::Gc3_120b => "Death certificate to the bureau (GC III 120)",
            Self::Gc4_129a => "Death record to protecting power and agency (GC IV 129)",
            Self::Gc4_43a => "Review of internment (GC IV 43 / 78)",
        }
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for RuleId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|rule| rule.code() == s)
            .ok_or_else(|| format!("unknown rule {s:?}"))
    }
}

/// XC-5: the channel a notification went through. Each is tracked on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// The Central Tracing Agency.
    Agency,
    /// The protecting power (or its substitute).
    ProtectingPower,
    /// The family, directly (GC3-70-b: the capture card goes to the family too).
    Family,
    /// The detaining party's own bureau (GC3-120-b: death certificates reach the bureau).
    Bureau,
    /// An internal act with no recipient, such as an internment review (GC4-43-a).
    Internal,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Self::Agency,
        Self::ProtectingPower,
        Self::Family,
        Self::Bureau,
        Self::Internal,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::ProtectingPower => "protecting-power",
            Self::Family => "family",
            Self::Bureau => "bureau",
            Self::Internal => "internal",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|channel| channel.code() == s)
            .ok_or_else(|| format!("unknown channel {s:?}"))
    }
}

/// What a notification did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// It was sent.
    Sent,
    /// GC3-70-e: the card was offered and the person declined to write it. The obligation to
    /// enable them is met; the bureau's own duty (GC3-122) is not affected.
    OfferedDeclined,
}

impl NotificationKind {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::OfferedDeclined => "offered-declined",
        }
    }
}

impl FromStr for NotificationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sent" => Ok(Self::Sent),
            "offered-declined" => Ok(Self::OfferedDeclined),
            other => Err(format!("unknown notification kind {other:?}")),
        }
    }
}

/// A record that the party did what a rule asks: a card sent, a change notified, a report made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: NotificationId,
    pub person: PersonId,
    pub rule: RuleId,
    /// The event the notification answers. `None` answers the rule's earliest open obligation.
    pub trigger_event: Option<EventId>,
    pub channel: Channel,
    pub kind: NotificationKind,
    pub sent_at: OffsetDateTime,
    pub source: SourceId,
    /// A reference to the card, list or transmission.
    pub reference: String,
}

/// Targets for the obligations the treaties phrase as "immediately", "promptly" or "as rapidly
/// as possible" (§10: "ASAP rows get a configurable target SLA"). These are design choices, not
/// treaty numbers; the bureau sets them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadlinePolicy {
    /// GC3-70-a: the target after capture when the person has not reached a camp. The hard
    /// limit of seven days after arrival at a camp still applies.
    pub capture_card_after_capture: Duration,
    /// "Immediately", "promptly", "as rapidly as possible", "without delay".
    pub asap: Duration,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        Self {
            capture_card_after_capture: Duration::days(7),
            asap: Duration::days(3),
        }
    }
}

/// Where an obligation stands at a given moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObligationStatus {
    /// Not yet met, and the due time has not passed.
    Due,
    /// Not met, and the due time has passed.
    Overdue,
    /// Met by a notification, on time or late.
    Done { at: OffsetDateTime, late: bool },
}

impl ObligationStatus {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Due => "due",
            Self::Overdue => "overdue",
            Self::Done { late: false, .. } => "done",
            Self::Done { late: true, .. } => "done-late",
        }
    }
}

/// One thing a party owes, with its deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Obligation {
    pub rule: RuleId,
    pub person: PersonId,
    /// The event that started the clock.
    pub trigger_event: EventId,
    pub channel: Channel,
    pub due_at: OffsetDateTime,
    pub status: ObligationStatus,
    /// The notification that met it.
    pub met_by: Option<NotificationId>,
}
