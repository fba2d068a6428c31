//! Conflicts and parties (§9.1). Every party is modelled the same way (DESIGN principle 1).

use std::fmt;
use std::str::FromStr;

use time::Date;

use crate::ids::{ConflictId, PartyId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    pub id: ConflictId,
    pub name: String,
    /// GC3-112-a: relevant dates run from the outbreak of hostilities.
    pub started_on: Option<Date>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    pub id: PartyId,
    pub name: String,
    /// ISO 3166-1 alpha-2, upper case; fictional parties use user-assigned codes (XA–XZ).
    pub iso_country: String,
}

/// §0.3 and §9.1: the roles a party can hold in a conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartyRole {
    /// Holds persons and runs a bureau (GC3-122-a).
    DetainingPower,
    /// GC3-122-c, GC4-137-a: the power on which the person depends, which receives information.
    PowerOfOrigin,
    /// GC III 8 / GC IV 9: the channel for transmissions; carries out visits.
    ProtectingPower,
    /// GC3-122-a: an occupying power must also run a bureau.
    OccupyingPower,
    /// GC3-4-b: a neutral power that interns persons.
    Neutral,
}

impl PartyRole {
    pub const ALL: [PartyRole; 5] = [
        Self::DetainingPower,
        Self::PowerOfOrigin,
        Self::ProtectingPower,
        Self::OccupyingPower,
        Self::Neutral,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::DetainingPower => "detaining-power",
            Self::PowerOfOrigin => "power-of-origin",
            Self::ProtectingPower => "protecting-power",
            Self::OccupyingPower => "occupying-power",
            Self::Neutral => "neutral",
        }
    }
}

impl fmt::Display for PartyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for PartyRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|role| role.code() == s)
            .ok_or_else(|| format!("unknown party role {s:?}"))
    }
}

/// A party's role in one conflict; a protecting power acts on behalf of another party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyRoleAssignment {
    pub conflict: ConflictId,
    pub party: PartyId,
    pub role: PartyRole,
    /// GC3-122-c: the party whose interests a protecting power safeguards.
    pub on_behalf_of: Option<PartyId>,
}

impl PartyRoleAssignment {
    /// # Errors
    /// A protecting power must act on behalf of another party; other roles act for no one.
    pub fn validate(&self) -> Result<(), String> {
        match (self.role, self.on_behalf_of) {
            (PartyRole::ProtectingPower, None) => {
                Err("a protecting power must name the party it acts for".into())
            }
            (PartyRole::ProtectingPower, Some(other)) if other == self.party => {
                Err("a party cannot be its own protecting power".into())
            }
            (PartyRole::ProtectingPower, Some(_)) => Ok(()),
            (role, Some(_)) => Err(format!("role {role} acts on behalf of no one")),
            (_, None) => Ok(()),
        }
    }
}

/// ISO 3166-1 alpha-2 shape check: two upper-case ASCII letters.
#[must_use]
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protecting_power_acts_for_another_party() {
        let party = PartyId::new();
        let mut assignment = PartyRoleAssignment {
            conflict: ConflictId::new(),
            party,
            role: PartyRole::ProtectingPower,
            on_behalf_of: None,
        };
        assert!(assignment.validate().is_err());
        assignment.on_behalf_of = Some(party);
        assert!(assignment.validate().is_err());
        assignment.on_behalf_of = Some(PartyId::new());
        assert!(assignment.validate().is_ok());
        assignment.role = PartyRole::DetainingPower;
        assert!(assignment.validate().is_err());
    }

    #[test]
    fn country_codes() {
        assert!(is_country_code("XA"));
        assert!(!is_country_code("xa"));
        assert!(!is_country_code("XAB"));
    }
}
