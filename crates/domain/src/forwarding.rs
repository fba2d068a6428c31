//! What the agency may forward to a person's power of origin (GC3-123-a, GC4-140-a), and what it
//! must withhold. Pure: the caller gives the person's assertions with the kind of source each
//! came from, and the detriment flag a bureau sent with the card (GC4-137-b).
//!
//! The rules, in order:
//! 1. A detriment flag withholds the whole person from the power of origin (GC4-137-b,
//!    GC4-140-a). It never withholds anything from the agency: only onward transmission is
//!    decided here.
//! 2. Protection data never flows: a value the agency's own delegates registered during a visit
//!    (`SourceKind::IcrcRegistration`) stays with the agency (ICRC-VIS-e: visit findings are not
//!    information to be sent to the power of origin).
//! 3. Only the particulars the conventions list travel: GC3-122-d for prisoners of war,
//!    GC4-138-a for civilians. Anything else (unit, occupation, …) is withheld and the decision
//!    says which field and why.

use std::collections::BTreeMap;

use crate::absence::Presence;
use crate::assertion::{Assertion, FieldKey};
use crate::person::PersonCategory;
use crate::provenance::SourceKind;

/// Why a field or a person was not forwarded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WithheldBecause {
    /// GC4-137-b: the sending bureau judged transmission detrimental to the person or relatives.
    Detrimental(String),
    /// ICRC-VIS-e: registered by the agency's delegates during a visit.
    Protection,
    /// Not among the particulars GC3-122-d or GC4-138-a list.
    NotListed,
}

impl WithheldBecause {
    #[must_use]
    pub fn text(&self) -> String {
        match self {
            Self::Detrimental(reason) => format!(
                "GC4-137-b: the bureau flagged transmission to the power of origin as detrimental ({reason}); the agency keeps the information"
            ),
            Self::Protection => {
                "ICRC-VIS-e: protection data (the agency's own visit registration) never flows to a party".into()
            }
            Self::NotListed => {
                "not among the particulars GC3-122-d (prisoners of war) or GC4-138-a (civilians) list".into()
            }
        }
    }

    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Detrimental(_) => "detrimental",
            Self::Protection => "protection",
            Self::NotListed => "not-listed",
        }
    }
}

/// The decision for one person and one recipient (the power of origin).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForwardingDecision {
    /// Nothing at all is forwarded when the whole person is withheld.
    pub person_withheld: Option<WithheldBecause>,
    /// The assertions to forward: per field, the latest one from an allowed source.
    pub forward: Vec<Assertion>,
    /// Fields not forwarded, each with its reason (one entry per field).
    pub withheld: BTreeMap<FieldKey, WithheldBecause>,
}

impl ForwardingDecision {
    #[must_use]
    pub fn forwards_anything(&self) -> bool {
        self.person_withheld.is_none() && !self.forward.is_empty()
    }
}

/// GC3-122-d (POWs) and GC4-138-a (civilians): the particulars that travel to the power of
/// origin. Nationality stands for "the Power on which the prisoner depends" (GC3-122-d).
#[must_use]
pub const fn listed(category: PersonCategory, field: FieldKey) -> bool {
    match field {
        FieldKey::Name
        | FieldKey::BirthDate
        | FieldKey::BirthPlace
        | FieldKey::Nationality
        | FieldKey::FatherName
        | FieldKey::MotherName
        | FieldKey::PersonToInform
        | FieldKey::Address => true,
        // GC3-122-d: rank and service number, for prisoners of war.
        FieldKey::Rank | FieldKey::ServiceNumber => !category.is_civilian(),
        // GC4-138-a: last residence, for civilians.
        FieldKey::LastResidence => category.is_civilian(),
        FieldKey::Sex | FieldKey::Unit | FieldKey::Occupation => false,
    }
}

/// Decides what of one person goes to the power of origin. `assertions` pairs each assertion
/// with the kind of its source, in the order recorded; `detriment` is the flag's reason.
#[must_use]
pub fn decide(
    category: PersonCategory,
    assertions: &[(Assertion, SourceKind)],
    detriment: Option<&str>,
) -> ForwardingDecision {
    let mut withheld = BTreeMap::new();
    if let Some(reason) = detriment {
        // GC4-137-b: the whole person; every field they have is listed as withheld.
        let because = WithheldBecause::Detrimental(reason.to_owned());
        for (assertion, _) in assertions {
            withheld.insert(assertion.field, because.clone());
        }
        return ForwardingDecision {
            person_withheld: Some(because),
            forward: Vec::new(),
            withheld,
        };
    }
    let mut latest: BTreeMap<FieldKey, Assertion> = BTreeMap::new();
    for (assertion, kind) in assertions {
        if !listed(category, assertion.field) {
            withheld.insert(assertion.field, WithheldBecause::NotListed);
            continue;
        }
        if *kind == SourceKind::IcrcRegistration {
            withheld
                .entry(assertion.field)
                .or_insert(WithheldBecause::Protection);
            continue;
        }
        // A withheld or declined value travels as its reason (XC-2), like any absence.
        let replace = match (&assertion.value, latest.get(&assertion.field)) {
            (_, None) => true,
            (Presence::Present(_), Some(_)) => true,
            (Presence::Absent(_), Some(previous)) => {
                matches!(previous.value, Presence::Absent(_))
            }
        };
        if replace {
            latest.insert(assertion.field, assertion.clone());
        }
    }
    // A field forwarded from a party's source is not also reported as withheld because the
    // agency's visit registered it too.
    for field in latest.keys() {
        withheld.remove(field);
    }
    ForwardingDecision {
        person_withheld: None,
        forward: latest.into_values().collect(),
        withheld,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::absence::AbsenceReason;
    use crate::assertion::AssertedValue;
    use crate::ids::{AssertionId, PersonId, SourceId};
    use time::OffsetDateTime;

    fn assertion(field: FieldKey, value: Presence<AssertedValue>) -> Assertion {
        Assertion {
            id: AssertionId::new(),
            person: PersonId::new(),
            field,
            value,
            source: SourceId::new(),
            locator: "test".into(),
            recorded_at: OffsetDateTime::UNIX_EPOCH,
            supersedes: None,
        }
    }

    fn text(field: FieldKey, value: &str) -> Assertion {
        assertion(field, Presence::Present(AssertedValue::Text(value.into())))
    }

    #[test]
    fn detriment_withholds_the_whole_person_from_the_power_of_origin() {
        let all = vec![
            (
                text(FieldKey::BirthPlace, "Velmora"),
                SourceKind::BureauList,
            ),
            (text(FieldKey::FatherName, "Oren"), SourceKind::BureauList),
        ];
        let decision = decide(
            PersonCategory::CivilianInternee,
            &all,
            Some("relatives at risk"),
        );
        assert!(!decision.forwards_anything());
        assert_eq!(decision.withheld.len(), 2);
        assert!(matches!(
            decision.person_withheld,
            Some(WithheldBecause::Detrimental(ref r)) if r == "relatives at risk"
        ));
    }

    #[test]
    fn protection_data_and_unlisted_fields_never_flow() {
        let all = vec![
            (
                text(FieldKey::BirthPlace, "Velmora"),
                SourceKind::BureauList,
            ),
            (
                text(FieldKey::FatherName, "Oren"),
                SourceKind::IcrcRegistration,
            ),
            (text(FieldKey::Unit, "3rd"), SourceKind::BureauList),
            (text(FieldKey::Occupation, "baker"), SourceKind::BureauList),
            (
                text(FieldKey::ServiceNumber, "XA-1"),
                SourceKind::BureauList,
            ),
        ];
        let decision = decide(PersonCategory::PrisonerOfWar, &all, None);
        let forwarded: Vec<FieldKey> = decision.forward.iter().map(|a| a.field).collect();
        assert_eq!(
            forwarded,
            vec![FieldKey::BirthPlace, FieldKey::ServiceNumber]
        );
        assert_eq!(
            decision.withheld.get(&FieldKey::FatherName),
            Some(&WithheldBecause::Protection)
        );
        assert_eq!(
            decision.withheld.get(&FieldKey::Unit),
            Some(&WithheldBecause::NotListed)
        );
        assert_eq!(
            decision.withheld.get(&FieldKey::Occupation),
            Some(&WithheldBecause::NotListed)
        );
    }

    #[test]
    fn civilians_and_prisoners_have_their_own_particulars() {
        assert!(listed(
            PersonCategory::PrisonerOfWar,
            FieldKey::ServiceNumber
        ));
        assert!(!listed(
            PersonCategory::CivilianInternee,
            FieldKey::ServiceNumber
        ));
        assert!(listed(
            PersonCategory::CivilianInternee,
            FieldKey::LastResidence
        ));
        assert!(!listed(
            PersonCategory::PrisonerOfWar,
            FieldKey::LastResidence
        ));
    }

    #[test]
    fn a_present_value_wins_over_a_later_absence() {
        let all = vec![
            (
                text(FieldKey::BirthPlace, "Velmora"),
                SourceKind::BureauList,
            ),
            (
                assertion(
                    FieldKey::BirthPlace,
                    Presence::Absent(AbsenceReason::Unknown),
                ),
                SourceKind::BureauList,
            ),
        ];
        let decision = decide(PersonCategory::PrisonerOfWar, &all, None);
        assert_eq!(decision.forward.len(), 1);
        assert!(matches!(decision.forward[0].value, Presence::Present(_)));
    }
}
