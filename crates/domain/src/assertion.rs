//! Assertions: what a source said about a person (XC-3). They supersede but never erase, and
//! conflicting values from different sources stand side by side.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;

use crate::absence::{AbsenceReason, Presence};
use crate::ids::{AssertionId, PersonId, SourceId};
use crate::partial_date::PartialDate;
use crate::person::Sex;
use crate::person_name::PersonName;

/// The facts about a person that the bureau records (GC3-17-a, GC3-122-d, GC4-138-a).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldKey {
    Name,
    Sex,
    BirthDate,
    BirthPlace,
    Nationality,
    /// GC3-17-a: army, regimental, personal or serial number, or equivalent information.
    ServiceNumber,
    Rank,
    Unit,
    /// GC3-122-d, AP1-78-b(e): father's name.
    FatherName,
    /// GC3-122-d, AP1-78-b(f): mother's maiden name.
    MotherName,
    /// GC3-122-d: the person to be informed.
    PersonToInform,
    /// GC3-122-d, GC4-138-a: address for correspondence.
    Address,
    /// GC4-138-a: last residence before detention.
    LastResidence,
    Occupation,
}

impl FieldKey {
    pub const ALL: [FieldKey; 14] = [
        Self::Name,
        Self::Sex,
        Self::BirthDate,
        Self::BirthPlace,
        Self::Nationality,
        Self::ServiceNumber,
        Self::Rank,
        Self::Unit,
        Self::FatherName,
        Self::MotherName,
        Self::PersonToInform,
        Self::Address,
        Self::LastResidence,
        Self::Occupation,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Sex => "sex",
            Self::BirthDate => "birth_date",
            Self::BirthPlace => "birth_place",
            Self::Nationality => "nationality",
            Self::ServiceNumber => "service_number",
            Self::Rank => "rank",
            Self::Unit => "unit",
            Self::FatherName => "father_name",
            Self::MotherName => "mother_name",
            Self::PersonToInform => "person_to_inform",
            Self::Address => "address",
            Self::LastResidence => "last_residence",
            Self::Occupation => "occupation",
        }
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Sex => "Sex",
            Self::BirthDate => "Date of birth",
            Self::BirthPlace => "Place of birth",
            Self::Nationality => "Nationality",
            Self::ServiceNumber => "Service number",
            Self::Rank => "Rank",
            Self::Unit => "Unit",
            Self::FatherName => "Father's name",
            Self::MotherName => "Mother's maiden name",
            Self::PersonToInform => "Person to be informed",
            Self::Address => "Address for correspondence",
            Self::LastResidence => "Last residence",
            Self::Occupation => "Occupation",
        }
    }

    /// Whether a value of this field is a [`PersonName`], a date, a sex or free text.
    #[must_use]
    pub fn accepts(self, value: &AssertedValue) -> bool {
        matches!(
            (self, value),
            (Self::Name, AssertedValue::Name(_))
                | (Self::Sex, AssertedValue::Sex(_))
                | (Self::BirthDate, AssertedValue::Date(_))
                | (Self::Nationality, AssertedValue::Country(_))
                | (
                    Self::BirthPlace
                        | Self::ServiceNumber
                        | Self::Rank
                        | Self::Unit
                        | Self::FatherName
                        | Self::MotherName
                        | Self::PersonToInform
                        | Self::Address
                        | Self::LastResidence
                        | Self::Occupation,
                    AssertedValue::Text(_)
                )
        )
    }
}

impl fmt::Display for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for FieldKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|field| field.code() == s)
            .ok_or_else(|| format!("unknown field {s:?}"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssertedValue {
    Name(PersonName),
    Sex(Sex),
    Date(PartialDate),
    /// ISO 3166-1 alpha-2.
    Country(String),
    /// Free text in its original script.
    Text(String),
}

impl AssertedValue {
    /// A one-line rendering for lists and exports.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            Self::Name(name) => name.display(),
            Self::Sex(sex) => sex.code().to_owned(),
            Self::Date(date) => date.original().trim().to_owned(),
            Self::Country(code) => code.clone(),
            Self::Text(text) => text.clone(),
        }
    }
}

/// One statement by one source about one field of one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assertion {
    pub id: AssertionId,
    pub person: PersonId,
    pub field: FieldKey,
    pub value: Presence<AssertedValue>,
    pub source: SourceId,
    /// Where in the source: `line 42, column family_name`, `card box 3`.
    pub locator: String,
    pub recorded_at: OffsetDateTime,
    /// The earlier assertion this one corrects. The earlier one is kept.
    pub supersedes: Option<AssertionId>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("field {field} does not accept this kind of value")]
    WrongValueKind { field: FieldKey },
    #[error("assertion {0} supersedes an assertion about another person or field")]
    SupersedesElsewhere(AssertionId),
    #[error("assertion {0} supersedes itself")]
    SupersedesItself(AssertionId),
}

impl Assertion {
    /// # Errors
    /// When the value does not fit the field.
    pub fn validate(&self) -> Result<(), AssertionError> {
        if let Presence::Present(value) = &self.value
            && !self.field.accepts(value)
        {
            return Err(AssertionError::WrongValueKind { field: self.field });
        }
        if self.supersedes == Some(self.id) {
            return Err(AssertionError::SupersedesItself(self.id));
        }
        Ok(())
    }

    /// Checks that a correction targets an assertion about the same person and field.
    ///
    /// # Errors
    /// When `earlier` is about another person or field.
    pub fn check_supersedes(&self, earlier: &Assertion) -> Result<(), AssertionError> {
        if earlier.person != self.person || earlier.field != self.field {
            return Err(AssertionError::SupersedesElsewhere(self.id));
        }
        Ok(())
    }
}

/// The standing values of one field: every assertion not superseded by another. More than one
/// standing value means the sources disagree, and the page shows them side by side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldView<'a> {
    pub field: FieldKey,
    pub standing: Vec<&'a Assertion>,
    pub superseded: Vec<&'a Assertion>,
}

impl FieldView<'_> {
    #[must_use]
    pub fn is_conflicting(&self) -> bool {
        let mut values = self.standing.iter().map(|a| &a.value);
        let Some(first) = values.next() else {
            return false;
        };
        values.any(|value| value != first)
    }

    /// The reason the field is empty, when every standing assertion says it is absent.
    #[must_use]
    pub fn absence(&self) -> Option<AbsenceReason> {
        let mut reasons = self.standing.iter().map(|a| a.value.absence());
        let first = reasons.next()??;
        reasons.all(|r| r == Some(first)).then_some(first)
    }
}

/// The current state of a person, projected from all assertions without losing any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrentView<'a> {
    pub fields: BTreeMap<FieldKey, FieldView<'a>>,
}

impl<'a> CurrentView<'a> {
    #[must_use]
    pub fn project(assertions: &'a [Assertion]) -> Self {
        let superseded: std::collections::HashSet<AssertionId> =
            assertions.iter().filter_map(|a| a.supersedes).collect();
        let mut fields: BTreeMap<FieldKey, FieldView<'a>> = BTreeMap::new();
        for assertion in assertions {
            let view = fields.entry(assertion.field).or_insert_with(|| FieldView {
                field: assertion.field,
                standing: Vec::new(),
                superseded: Vec::new(),
            });
            if superseded.contains(&assertion.id) {
                view.superseded.push(assertion);
            } else {
                view.standing.push(assertion);
            }
        }
        Self { fields }
    }

    /// The first standing present value of a field, in recording order.
    #[must_use]
    pub fn value(&self, field: FieldKey) -> Option<&'a AssertedValue> {
        self.fields
            .get(&field)?
            .standing
            .iter()
            .find_map(|a| a.value.value())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn text(
        person: PersonId,
        field: FieldKey,
        value: &str,
        supersedes: Option<AssertionId>,
    ) -> Assertion {
        Assertion {
            id: AssertionId::new(),
            person,
            field,
            value: Presence::Present(AssertedValue::Text(value.into())),
            source: SourceId::new(),
            locator: "test".into(),
            recorded_at: datetime!(2026-01-01 0:00 UTC),
            supersedes,
        }
    }

    #[test]
    fn xc3_corrections_supersede_but_never_erase() {
        let person = PersonId::new();
        let first = text(person, FieldKey::ServiceNumber, "AB-123", None);
        let correction = text(person, FieldKey::ServiceNumber, "AB-128", Some(first.id));
        correction.check_supersedes(&first).unwrap();
        let all = [first.clone(), correction.clone()];
        let view = CurrentView::project(&all);
        let field = &view.fields[&FieldKey::ServiceNumber];
        assert_eq!(field.standing, vec![&correction]);
        assert_eq!(field.superseded, vec![&first]);
        assert!(!field.is_conflicting());
    }

    #[test]
    fn xc3_conflicting_values_stand_side_by_side() {
        let person = PersonId::new();
        let all = [
            text(person, FieldKey::Rank, "sergeant", None),
            text(person, FieldKey::Rank, "corporal", None),
        ];
        let view = CurrentView::project(&all);
        let field = &view.fields[&FieldKey::Rank];
        assert_eq!(field.standing.len(), 2);
        assert!(field.is_conflicting());
    }

    #[test]
    fn xc2_absence_is_a_standing_value_with_a_reason() {
        let person = PersonId::new();
        let mut declined = text(person, FieldKey::BirthPlace, "", None);
        declined.value = Presence::Absent(AbsenceReason::DeclinedByPerson);
        let all = [declined];
        let view = CurrentView::project(&all);
        assert_eq!(
            view.fields[&FieldKey::BirthPlace].absence(),
            Some(AbsenceReason::DeclinedByPerson)
        );
        assert_eq!(view.value(FieldKey::BirthPlace), None);
    }

    #[test]
    fn values_must_fit_their_field_and_corrections_their_target() {
        let person = PersonId::new();
        let mut wrong = text(person, FieldKey::Sex, "M", None);
        assert!(matches!(
            wrong.validate(),
            Err(AssertionError::WrongValueKind { .. })
        ));
        wrong.field = FieldKey::Rank;
        wrong.validate().unwrap();
        let other = text(PersonId::new(), FieldKey::Rank, "x", None);
        assert!(
            text(person, FieldKey::Rank, "y", Some(other.id))
                .check_supersedes(&other)
                .is_err()
        );
    }
}
