//! Persons in a party's power (§9.2). A person's record is never deleted (XC-1); it closes only
//! on a terminal event.

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;

use crate::event::{Event, EventKind};
use crate::ids::{EventId, PersonId, TenantId};

/// The legal category a person is held under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PersonCategory {
    /// GC3-4-a: a prisoner of war.
    PrisonerOfWar,
    /// GC4-136-b, GC4-78-a: a civilian interned or in assigned residence.
    CivilianInternee,
    /// GC4-136-b, AP1-33-b: a protected person in custody otherwise (arrested, detained).
    ProtectedPersonInCustody,
    /// GC3-17-d: a person unable to state their identity.
    Unidentified,
}

impl PersonCategory {
    pub const ALL: [PersonCategory; 4] = [
        Self::PrisonerOfWar,
        Self::CivilianInternee,
        Self::ProtectedPersonInCustody,
        Self::Unidentified,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::PrisonerOfWar => "pow",
            Self::CivilianInternee => "civilian-internee",
            Self::ProtectedPersonInCustody => "protected-person",
            Self::Unidentified => "unidentified",
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::PrisonerOfWar => "Prisoner of war (GC III 4)",
            Self::CivilianInternee => "Civilian internee (GC IV 78–79)",
            Self::ProtectedPersonInCustody => "Protected person in custody (GC IV 136)",
            Self::Unidentified => "Unidentified (GC III 17)",
        }
    }

    /// Whether the Fourth Convention's bureau rules (GC IV 136–138) apply rather than GC III.
    #[must_use]
    pub const fn is_civilian(self) -> bool {
        matches!(
            self,
            Self::CivilianInternee | Self::ProtectedPersonInCustody
        )
    }
}

impl fmt::Display for PersonCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for PersonCategory {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|category| category.code() == s)
            .ok_or_else(|| {
                format!(
                    "unknown category {s:?}: expected pow, civilian-internee, protected-person or unidentified"
                )
            })
    }
}

/// AP1-78-b(c).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
    Other,
}

impl Sex {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Female => "F",
            Self::Male => "M",
            Self::Other => "X",
        }
    }
}

impl FromStr for Sex {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "F" | "f" => Ok(Self::Female),
            "M" | "m" => Ok(Self::Male),
            "X" | "x" => Ok(Self::Other),
            other => Err(format!("sex {other:?} must be F, M or X")),
        }
    }
}

/// The identity row of a person. Everything said about them is an assertion; everything that
/// happened to them is an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: PersonId,
    pub tenant: TenantId,
    /// The detaining party's own reference (the ID in its list, a POW number). Unique per tenant.
    pub reference: String,
    pub category: PersonCategory,
    pub registered_at: OffsetDateTime,
}

/// Where a person stands, derived from the events: in custody, or closed by a terminal event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Custody {
    /// No capture or arrest event is recorded yet.
    NotRecorded,
    InCustody {
        since: OffsetDateTime,
    },
    /// XC-1: closed by a documented terminal event.
    Closed {
        by: EventId,
        kind: EventKind,
        at: OffsetDateTime,
    },
}

impl Custody {
    /// Folds the events, in order of occurrence, into the current custody state.
    #[must_use]
    pub fn from_events(events: &[Event]) -> Self {
        let mut ordered: Vec<&Event> = events.iter().collect();
        ordered.sort_by_key(|event| (event.occurred_at, event.recorded_at));
        let mut state = Self::NotRecorded;
        for event in ordered {
            state = match (state, event.kind) {
                (_, EventKind::FellIntoPower) | (Self::Closed { .. }, EventKind::Recapture) => {
                    Self::InCustody {
                        since: event.occurred_at,
                    }
                }
                (Self::InCustody { .. }, kind) if kind.is_terminal() => Self::Closed {
                    by: event.id,
                    kind,
                    at: event.occurred_at,
                },
                (state, _) => state,
            };
        }
        state
    }

    #[must_use]
    pub fn is_closed(&self) -> bool {
        matches!(self, Self::Closed { .. })
    }
}
