//! Why a value is missing. Partial data is normal (XC-2): every optional value is either present
//! or absent with a reason, and "declined by the person" is never the same as "unknown".

use std::fmt;
use std::str::FromStr;

/// XC-2: the reason an optional value is empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AbsenceReason {
    /// Nobody knows it yet.
    Unknown,
    /// GC3-17-b: the person declined to give it. Refusing is not a data error.
    DeclinedByPerson,
    /// GC4-137-b: withheld because transmitting it would be detrimental to the person or family.
    WithheldDetrimental,
    /// AP1-78-b: withheld because of a risk to the child.
    WithheldRiskToChild,
    /// The field does not apply (a civilian has no service number).
    NotApplicable,
    /// It has not been asked yet.
    NotYetCollected,
    /// The source is there but cannot be read.
    Illegible,
}

impl AbsenceReason {
    pub const ALL: [AbsenceReason; 7] = [
        Self::Unknown,
        Self::DeclinedByPerson,
        Self::WithheldDetrimental,
        Self::WithheldRiskToChild,
        Self::NotApplicable,
        Self::NotYetCollected,
        Self::Illegible,
    ];

    /// The stable code used in files, the database and the API.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::DeclinedByPerson => "declined",
            Self::WithheldDetrimental => "withheld-detrimental",
            Self::WithheldRiskToChild => "withheld-risk-to-child",
            Self::NotApplicable => "not-applicable",
            Self::NotYetCollected => "not-yet-collected",
            Self::Illegible => "illegible",
        }
    }

    /// Words a clerk reads on a page.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::DeclinedByPerson => "declined by the person (GC III 17)",
            Self::WithheldDetrimental => "withheld as detrimental (GC IV 137)",
            Self::WithheldRiskToChild => "withheld: risk to the child (AP I 78)",
            Self::NotApplicable => "not applicable",
            Self::NotYetCollected => "not yet collected",
            Self::Illegible => "illegible",
        }
    }
}

impl fmt::Display for AbsenceReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown absence reason {0:?}: expected one of unknown, declined, withheld-detrimental, withheld-risk-to-child, not-applicable, not-yet-collected, illegible"
)]
pub struct UnknownAbsenceReason(pub String);

impl FromStr for AbsenceReason {
    type Err = UnknownAbsenceReason;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|reason| reason.code() == s)
            .ok_or_else(|| UnknownAbsenceReason(s.to_owned()))
    }
}

/// A value that is either there or absent for a stated reason (XC-2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Presence<T> {
    Present(T),
    Absent(AbsenceReason),
}

impl<T> Presence<T> {
    #[must_use]
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Present(value) => Some(value),
            Self::Absent(_) => None,
        }
    }

    #[must_use]
    pub fn absence(&self) -> Option<AbsenceReason> {
        match self {
            Self::Present(_) => None,
            Self::Absent(reason) => Some(*reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xc2_codes_round_trip_and_declined_is_not_unknown() {
        for reason in AbsenceReason::ALL {
            assert_eq!(reason.code().parse::<AbsenceReason>(), Ok(reason));
        }
        assert_ne!(AbsenceReason::DeclinedByPerson, AbsenceReason::Unknown);
        assert!("maybe".parse::<AbsenceReason>().is_err());
    }
}
