//! The person list of a bureau in the import format (`docs/import-format.md`).

use std::fmt::Write as _;

use domain::{AbsenceReason, FieldKey, NamePartKind};
use time::{OffsetDateTime, UtcOffset};

use crate::{SynthBureau, SynthPerson};

/// The columns written, in this order: every column of `docs/import-format.md`.
pub const CSV_HEADER: [&str; 22] = [
    "id",
    "category",
    "full_name",
    "given_name",
    "patronymic",
    "grandfather_name",
    "family_name",
    "other_names",
    "name_language",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "father_name",
    "mother_name",
    "service_number",
    "rank",
    "unit",
    "person_to_inform",
    "address",
    "captured_at",
    "captured_place",
];

/// Writes the bureau's persons as a person list: a header row and one row per person, in the
/// bureau's order. A missing value with a recorded reason is written as its token (`[declined]`,
/// `[not-yet-collected]`, …); `captured_at` is the time of the capture or arrest event (RFC 3339,
/// UTC) and `captured_place` the name of its place, if it has one.
///
/// # Errors
/// When writing to `out` fails.
pub fn write_persons_csv(bureau: &SynthBureau, out: impl std::io::Write) -> Result<(), csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(out);
    writer.write_record(CSV_HEADER)?;
    let mut captured_at = String::with_capacity(20);
    for person in &bureau.persons {
        captured_at.clear();
        let capture = person
            .events
            .iter()
            .find(|event| event.kind == domain::EventKind::FellIntoPower);
        if let Some(capture) = capture {
            rfc3339(&mut captured_at, capture.at);
        }
        let captured_place = capture
            .and_then(|event| event.place)
            .and_then(|index| bureau.places.get(index))
            .map_or("", |place| place.name.as_str());
        let name = |kind: NamePartKind| person.part(kind).unwrap_or("");
        let row: [&str; 22] = [
            &person.reference,
            person.category.code(),
            name(NamePartKind::Unsplit),
            name(NamePartKind::Given),
            name(NamePartKind::Patronymic),
            name(NamePartKind::Grandfather),
            name(NamePartKind::Family),
            name(NamePartKind::Other),
            person.name_language.as_str(),
            person.sex.code(),
            cell(person, FieldKey::BirthDate, &person.birth_date),
            cell(person, FieldKey::BirthPlace, &person.birth_place),
            cell(person, FieldKey::Nationality, &person.nationality),
            cell(person, FieldKey::FatherName, &person.father_name),
            cell(person, FieldKey::MotherName, &person.mother_name),
            cell(person, FieldKey::ServiceNumber, &person.service_number),
            cell(person, FieldKey::Rank, &person.rank),
            cell(person, FieldKey::Unit, &person.unit),
            cell(person, FieldKey::PersonToInform, &person.person_to_inform),
            cell(person, FieldKey::Address, &person.address),
            &captured_at,
            captured_place,
        ];
        writer.write_record(row)?;
    }
    writer.flush()?;
    Ok(())
}

/// The value, the token of the reason it is absent, or nothing.
fn cell<'a>(person: &SynthPerson, key: FieldKey, value: &'a Option<String>) -> &'a str {
    match value {
        Some(value) => value,
        None => person.absence(key).map_or("", token),
    }
}

/// The import format's token for an absence reason.
#[must_use]
const fn token(reason: AbsenceReason) -> &'static str {
    match reason {
        AbsenceReason::Unknown => "[unknown]",
        AbsenceReason::DeclinedByPerson => "[declined]",
        AbsenceReason::WithheldDetrimental => "[withheld-detrimental]",
        AbsenceReason::WithheldRiskToChild => "[withheld-risk-to-child]",
        AbsenceReason::NotApplicable => "[not-applicable]",
        AbsenceReason::NotYetCollected => "[not-yet-collected]",
        AbsenceReason::Illegible => "[illegible]",
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339(out: &mut String, at: OffsetDateTime) {
    let at = at.to_offset(UtcOffset::UTC);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        at.month() as u8,
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_the_absence_codes() {
        for reason in AbsenceReason::ALL {
            assert_eq!(token(reason), format!("[{}]", reason.code()));
        }
    }

    #[test]
    fn rfc3339_in_utc() {
        let mut out = String::new();
        rfc3339(
            &mut out,
            time::macros::datetime!(2026-03-01 12:05:09 +02:00),
        );
        assert_eq!(out, "2026-03-01T10:05:09Z");
    }
}
