//! Partial dates (XC-9, DATE-1): often only the year is known, or an age at a date. The original
//! text is always kept, and nothing invents a day or a month (DATE-6).

use std::fmt;

use time::{Date, Month};

/// XC-9: the calendar the original text was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Calendar {
    Gregorian,
    SolarHijri,
    LunarHijri,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartialDateKind {
    Year(i32),
    YearMonth(i32, Month),
    Full(Date),
    /// An approximate date: anywhere between the two bounds, inclusive.
    Range(Date, Date),
    /// DATE-5: an age given at a known date.
    AgeAt {
        age: u8,
        at: Date,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PartialDate {
    kind: PartialDateKind,
    calendar: Calendar,
    original: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("empty date")]
    Empty,
    #[error(
        "{0:?} is not a date: use YYYY, YYYY-MM, YYYY-MM-DD, DD.MM.YYYY, ~YYYY, YYYY/YYYY or age:N@YYYY-MM-DD"
    )]
    Unrecognised(String),
    #[error("{text:?} is impossible: {reason}")]
    Impossible { text: String, reason: String },
    #[error("year {0} is outside 1800–2200")]
    AbsurdYear(i32),
    #[error("{0:?} is in the future")]
    InFuture(String),
    #[error("{0:?} would make the person older than 130 years")]
    TooOld(String),
}

const MIN_YEAR: i32 = 1800;
const MAX_YEAR: i32 = 2200;

impl PartialDate {
    /// Parses the Gregorian forms accepted in lists and forms. The original text is kept.
    ///
    /// Accepted: `1985`, `1985-03`, `1985-03-12`, `12.03.1985`, `~1985` or `ca. 1985`
    /// (± one year), `1984/1986` (a range of years), and `age:34@2026-11-01` (DATE-5).
    ///
    /// # Errors
    /// A [`DateError`] that names what is wrong: an unknown shape, a day that does not exist, a
    /// year outside 1800–2200, or a range whose end comes before its start.
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let original = text.to_owned();
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(DateError::Empty);
        }
        let kind = parse_kind(trimmed)?;
        Ok(Self {
            kind,
            calendar: Calendar::Gregorian,
            original,
        })
    }

    #[must_use]
    pub fn from_kind(kind: PartialDateKind, original: &str) -> Self {
        Self {
            kind,
            calendar: Calendar::Gregorian,
            original: original.to_owned(),
        }
    }

    #[must_use]
    pub fn full(date: Date) -> Self {
        Self::from_kind(PartialDateKind::Full(date), &iso(date))
    }

    #[must_use]
    pub fn kind(&self) -> PartialDateKind {
        self.kind
    }

    #[must_use]
    pub fn calendar(&self) -> Calendar {
        self.calendar
    }

    #[must_use]
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The earliest day the date can stand for.
    #[must_use]
    pub fn earliest(&self) -> Date {
        match self.kind {
            PartialDateKind::Year(year) => first_of(year, Month::January),
            PartialDateKind::YearMonth(year, month) => first_of(year, month),
            PartialDateKind::Full(date) => date,
            PartialDateKind::Range(from, _) => from,
            PartialDateKind::AgeAt { age, at } => {
                first_of(at.year() - i32::from(age) - 1, Month::January)
            }
        }
    }

    /// The latest day the date can stand for.
    #[must_use]
    pub fn latest(&self) -> Date {
        match self.kind {
            PartialDateKind::Year(year) => last_of(year, Month::December),
            PartialDateKind::YearMonth(year, month) => last_of(year, month),
            PartialDateKind::Full(date) => date,
            PartialDateKind::Range(_, to) => to,
            PartialDateKind::AgeAt { age, at } => {
                last_of(at.year() - i32::from(age), Month::December)
            }
        }
    }

    /// DATE-6: whether the day is known, as GC III 122(4) and GC IV 138 ask for a full date.
    #[must_use]
    pub fn is_full(&self) -> bool {
        matches!(self.kind, PartialDateKind::Full(_))
    }

    /// DATE-2: 1 January and 1 July are common placeholders for an unknown day and month.
    #[must_use]
    pub fn is_likely_placeholder(&self) -> bool {
        match self.kind {
            PartialDateKind::Full(date) => {
                date.day() == 1 && matches!(date.month(), Month::January | Month::July)
            }
            _ => false,
        }
    }

    /// Checks a date of birth against the day it is recorded.
    ///
    /// # Errors
    /// When the earliest possible day is after `today`, or the latest is more than 130 years
    /// before it.
    pub fn validate_birth(&self, today: Date) -> Result<(), DateError> {
        if self.earliest() > today {
            return Err(DateError::InFuture(self.original.clone()));
        }
        if today.year() - self.latest().year() > 130 {
            return Err(DateError::TooOld(self.original.clone()));
        }
        Ok(())
    }

    /// A normalised text form: the same for the same meaning, used by exports.
    #[must_use]
    pub fn canonical(&self) -> String {
        match self.kind {
            PartialDateKind::Year(year) => format!("{year:04}"),
            PartialDateKind::YearMonth(year, month) => format!("{year:04}-{:02}", month as u8),
            PartialDateKind::Full(date) => iso(date),
            PartialDateKind::Range(from, to) => format!("{}/{}", iso(from), iso(to)),
            PartialDateKind::AgeAt { age, at } => format!("age:{age}@{}", iso(at)),
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// `YYYY-MM-DD`.
#[must_use]
pub fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        date.month() as u8,
        date.day()
    )
}

fn first_of(year: i32, month: Month) -> Date {
    Date::from_calendar_date(year, month, 1).unwrap_or(Date::MIN)
}

fn last_of(year: i32, month: Month) -> Date {
    let day = month.length(year);
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

fn unrecognised(text: &str) -> DateError {
    DateError::Unrecognised(text.to_owned())
}

fn number(text: &str, digits: usize, whole: &str) -> Result<i32, DateError> {
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unrecognised(whole));
    }
    text.parse().map_err(|_| unrecognised(whole))
}

fn year(text: &str, whole: &str) -> Result<i32, DateError> {
    let year = number(text, 4, whole)?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(DateError::AbsurdYear(year));
    }
    Ok(year)
}

fn month(text: &str, whole: &str) -> Result<Month, DateError> {
    let value = number(text, 2, whole)?;
    u8::try_from(value)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| DateError::Impossible {
            text: whole.to_owned(),
            reason: format!("there is no month {value}"),
        })
}

fn day(year: i32, month: Month, text: &str, whole: &str) -> Result<Date, DateError> {
    let value = number(text, 2, whole)?;
    u8::try_from(value)
        .ok()
        .and_then(|d| Date::from_calendar_date(year, month, d).ok())
        .ok_or_else(|| DateError::Impossible {
            text: whole.to_owned(),
            reason: format!("{month} {year} has no day {value}"),
        })
}

fn full_iso(text: &str, whole: &str) -> Result<Date, DateError> {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(unrecognised(whole));
    };
    let y = year(y, whole)?;
    let m = month(m, whole)?;
    day(y, m, d, whole)
}

fn parse_kind(text: &str) -> Result<PartialDateKind, DateError> {
    if let Some(rest) = text.strip_prefix("age:") {
        let (age, at) = rest.split_once('@').ok_or_else(|| unrecognised(text))?;
        let age: u8 =
            age.parse()
                .ok()
                .filter(|age| *age <= 130)
                .ok_or_else(|| DateError::Impossible {
                    text: text.to_owned(),
                    reason: format!("age {age:?} is not a number from 0 to 130"),
                })?;
        let at = full_iso(at, text)?;
        return Ok(PartialDateKind::AgeAt { age, at });
    }
    let approximate = text
        .strip_prefix('~')
        .or_else(|| text.strip_prefix("ca."))
        .or_else(|| text.strip_prefix("c."))
        .map(str::trim);
    if let Some(rest) = approximate {
        let y = year(rest, text)?;
        return Ok(PartialDateKind::Range(
            first_of(y - 1, Month::January),
            last_of(y + 1, Month::December),
        ));
    }
    if let Some((from, to)) = text.split_once('/') {
        let from = match from.len() {
            4 => first_of(year(from, text)?, Month::January),
            _ => full_iso(from, text)?,
        };
        let to = match to.len() {
            4 => last_of(year(to, text)?, Month::December),
            _ => full_iso(to, text)?,
        };
        if to < from {
            return Err(DateError::Impossible {
                text: text.to_owned(),
                reason: format!(
                    "the range ends ({}) before it starts ({})",
                    iso(to),
                    iso(from)
                ),
            });
        }
        return Ok(PartialDateKind::Range(from, to));
    }
    if text.contains('.') {
        let parts: Vec<&str> = text.split('.').collect();
        let [d, m, y] = parts.as_slice() else {
            return Err(unrecognised(text));
        };
        let y = year(y, text)?;
        let m = month(m, text)?;
        return day(y, m, d, text).map(PartialDateKind::Full);
    }
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [y] => Ok(PartialDateKind::Year(year(y, text)?)),
        [y, m] => Ok(PartialDateKind::YearMonth(year(y, text)?, month(m, text)?)),
        [_, _, _] => full_iso(text, text).map(PartialDateKind::Full),
        _ => Err(unrecognised(text)),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn date_1_accepted_shapes() {
        assert_eq!(
            PartialDate::parse("1985").unwrap().kind(),
            PartialDateKind::Year(1985)
        );
        assert_eq!(
            PartialDate::parse("1985-03").unwrap().kind(),
            PartialDateKind::YearMonth(1985, Month::March)
        );
        assert_eq!(
            PartialDate::parse("1985-03-12").unwrap().kind(),
            PartialDateKind::Full(date!(1985 - 03 - 12))
        );
        assert_eq!(
            PartialDate::parse("12.03.1985").unwrap().kind(),
            PartialDateKind::Full(date!(1985 - 03 - 12))
        );
        let approx = PartialDate::parse("~1985").unwrap();
        assert_eq!(approx.earliest(), date!(1984 - 01 - 01));
        assert_eq!(approx.latest(), date!(1986 - 12 - 31));
        assert_eq!(approx.original(), "~1985");
    }

    #[test]
    fn date_5_age_at_a_date_is_a_two_year_range() {
        let date = PartialDate::parse("age:34@2026-11-01").unwrap();
        assert_eq!(date.earliest(), date!(1991 - 01 - 01));
        assert_eq!(date.latest(), date!(1992 - 12 - 31));
    }

    #[test]
    fn impossible_and_absurd_dates_are_refused_with_reasons() {
        let err = PartialDate::parse("1985-02-30").unwrap_err();
        assert!(err.to_string().contains("no day 30"), "{err}");
        assert!(matches!(
            PartialDate::parse("1985-13"),
            Err(DateError::Impossible { .. })
        ));
        assert_eq!(
            PartialDate::parse("0001-01-01"),
            Err(DateError::AbsurdYear(1))
        );
        assert_eq!(PartialDate::parse("9999"), Err(DateError::AbsurdYear(9999)));
        assert!(matches!(
            PartialDate::parse("1990/1980"),
            Err(DateError::Impossible { .. })
        ));
        assert!(matches!(
            PartialDate::parse("yesterday"),
            Err(DateError::Unrecognised(_))
        ));
        assert!(matches!(
            PartialDate::parse("85-3-1"),
            Err(DateError::Unrecognised(_))
        ));
        assert_eq!(PartialDate::parse("  "), Err(DateError::Empty));
    }

    #[test]
    fn birth_dates_in_the_future_or_too_old_are_refused() {
        let today = date!(2026 - 11 - 27);
        assert!(
            PartialDate::parse("2027")
                .unwrap()
                .validate_birth(today)
                .is_err()
        );
        assert!(
            PartialDate::parse("1850")
                .unwrap()
                .validate_birth(today)
                .is_err()
        );
        assert!(
            PartialDate::parse("2026")
                .unwrap()
                .validate_birth(today)
                .is_ok()
        );
    }

    #[test]
    fn date_2_placeholders_and_date_6_full_dates() {
        assert!(
            PartialDate::parse("1980-01-01")
                .unwrap()
                .is_likely_placeholder()
        );
        assert!(
            PartialDate::parse("1980-07-01")
                .unwrap()
                .is_likely_placeholder()
        );
        assert!(
            !PartialDate::parse("1980-07-02")
                .unwrap()
                .is_likely_placeholder()
        );
        assert!(!PartialDate::parse("1980").unwrap().is_full());
    }

    #[test]
    fn canonical_form_round_trips() {
        for text in [
            "1985",
            "1985-03",
            "1985-03-12",
            "~1985",
            "1984/1986",
            "age:34@2026-11-01",
        ] {
            let date = PartialDate::parse(text).unwrap();
            assert_eq!(
                PartialDate::parse(&date.canonical()).unwrap().kind(),
                date.kind()
            );
        }
    }
}
