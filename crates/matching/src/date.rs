//! Partial birth dates as the CSV contract writes them (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) and
//! their comparison (MATCH-4, DATE-1, DATE-2).

/// A birth date known to year, month or day precision. `0` in `month` or `day` means unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct BirthDate {
    /// Gregorian year; `0` when the date is unknown.
    pub year: u16,
    /// 1–12, or 0 when unknown.
    pub month: u8,
    /// 1–31, or 0 when unknown.
    pub day: u8,
}

/// Why a birth-date text could not be read. The record is kept with the date unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateProblem {
    /// Not `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (also accepted: `YYYYMMDD`, `DD.MM.YYYY`).
    Format,
    /// A year before 1850 or after 2100, a month outside 1–12 or a day outside the month.
    OutOfRange,
}

impl BirthDate {
    /// The unknown date.
    pub const UNKNOWN: BirthDate = BirthDate {
        year: 0,
        month: 0,
        day: 0,
    };

    /// Parses a contract date. Empty text is the unknown date, not an error.
    ///
    /// Accepted: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, and for other sources `YYYYMMDD` (FEBRL) and
    /// `DD.MM.YYYY`. A day `00` or month `00` is read as unknown at that precision (DATE-2).
    pub fn parse(text: &str) -> Result<BirthDate, DateProblem> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(BirthDate::UNKNOWN);
        }
        let (year, month, day) = split_date(text).ok_or(DateProblem::Format)?;
        Self::from_parts(year, month, day)
    }

    fn from_parts(year: u32, month: u32, day: u32) -> Result<BirthDate, DateProblem> {
        if !(1850..=2100).contains(&year) || month > 12 {
            return Err(DateProblem::OutOfRange);
        }
        let year = year as u16;
        let month = month as u8;
        if month == 0 {
            // DATE-2: "00" month is unknown; a day without a month means nothing.
            return Ok(BirthDate {
                year,
                month: 0,
                day: 0,
            });
        }
        if day > u32::from(days_in_month(year, month)) {
            return Err(DateProblem::OutOfRange);
        }
        Ok(BirthDate {
            year,
            month,
            day: day as u8,
        })
    }

    /// Whether any part is known.
    pub fn is_known(self) -> bool {
        self.year != 0
    }

    /// Whether day and month are both known.
    pub fn is_full(self) -> bool {
        self.year != 0 && self.month != 0 && self.day != 0
    }

    /// DATE-2 / NAME-AF-3: 1 January and 1 July are conventional placeholders; such a date is
    /// only trusted to the year.
    pub fn is_placeholder(self) -> bool {
        self.is_full() && self.day == 1 && (self.month == 1 || self.month == 7)
    }

    /// The contract form: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; empty when unknown.
    pub fn to_contract_string(self) -> String {
        match (self.year, self.month, self.day) {
            (0, _, _) => String::new(),
            (y, 0, _) => format!("{y:04}"),
            (y, m, 0) => format!("{y:04}-{m:02}"),
            (y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
        }
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn split_date(text: &str) -> Option<(u32, u32, u32)> {
    if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some((
            number(&text[..4])?,
            number(&text[4..6])?,
            number(&text[6..])?,
        ));
    }
    if text.contains('.') {
        let parts: Vec<&str> = text.split('.').collect();
        return match parts.as_slice() {
            [d, m, y] if y.len() == 4 => Some((number(y)?, number(m)?, number(d)?)),
            _ => None,
        };
    }
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [y] if y.len() == 4 => Some((number(y)?, 0, 0)),
        [y, m] if y.len() == 4 && m.len() <= 2 => Some((number(y)?, number(m)?, 0)),
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
            Some((number(y)?, number(m)?, number(d)?))
        }
        _ => None,
    }
}

/// How two birth dates relate, best first (but for [`DateLevel::FullYearsApart`], added last
/// so that the numbers of the others stay). `Missing` is neutral.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum DateLevel {
    /// One side or both unknown.
    Missing = 0,
    /// Same full date.
    Exact = 1,
    /// Day and month transposed (DATE-3).
    Swapped = 2,
    /// Both full, one digit differs (a typing slip).
    OneDigit = 3,
    /// Same year and month, a day known on one side only (or the day's two digits transposed).
    SameMonth = 4,
    /// Same year, the other side known only to the year.
    SameYear = 5,
    /// Same year, one date is a 1 January / 1 July placeholder (DATE-2: no disagreement).
    Placeholder = 6,
    /// Both full, same year, different day and month, or the same month and days that differ
    /// in both digits (not transposed).
    SameYearOtherDay = 7,
    /// Years one apart (age-derived years, DATE-5).
    YearOff1 = 8,
    /// Both full dates (neither a placeholder), years one apart and day and month different
    /// as well: not the age-derived slip of DATE-5, which keeps the day and month.
    YearOff1OtherDay = 9,
    /// Years two to five apart, one date known only in part (or a placeholder): two
    /// age-derived years (DATE-5, ±1 each) can be two apart.
    YearOff5 = 10,
    /// More than five years apart.
    Far = 11,
    /// Both full dates (neither a placeholder), years two to five apart: no slip of DATE-2,
    /// DATE-3 or DATE-5 explains it.
    FullYearsApart = 12,
}

/// The number of [`DateLevel`]s.
pub const DATE_LEVELS: usize = 13;

impl DateLevel {
    /// The level of a level number (`Missing` for an unknown number).
    pub fn from_u8(level: u8) -> DateLevel {
        use DateLevel::*;
        [
            Missing,
            Exact,
            Swapped,
            OneDigit,
            SameMonth,
            SameYear,
            Placeholder,
            SameYearOtherDay,
            YearOff1,
            YearOff1OtherDay,
            YearOff5,
            Far,
            FullYearsApart,
        ]
        .get(level as usize)
        .copied()
        .unwrap_or(Missing)
    }

    /// Two birth dates that disagree in parts both records know, in a way no known slip
    /// explains: not a day/month transposition (DATE-3), not a 1 January / 1 July placeholder
    /// (DATE-2), not an age-derived year one off (DATE-5, with the day and month kept), not one
    /// mistyped digit. GC III 17 and 122(4) and GC IV 138 ask for the full date of birth, and
    /// it is taken from the person or their papers; two such dates that differ like this are
    /// the records of two people, most often namesakes (the same name in the same village, a
    /// father and a son), or one date is wrong, which only a person can tell. The model caps
    /// such a pair below the threshold unless a service number agrees ([`crate::Model`]).
    pub fn is_unexplained_conflict(self) -> bool {
        matches!(
            self,
            DateLevel::SameYearOtherDay
                | DateLevel::YearOff1OtherDay
                | DateLevel::FullYearsApart
                | DateLevel::Far
        )
    }
}

/// Compares two birth dates (MATCH-4).
pub fn compare_dates(a: BirthDate, b: BirthDate) -> DateLevel {
    if !a.is_known() || !b.is_known() {
        return DateLevel::Missing;
    }
    let years = a.year.abs_diff(b.year);
    if a.is_full() && b.is_full() {
        if a == b {
            return DateLevel::Exact;
        }
        if a.year == b.year && a.month == b.day && a.day == b.month {
            return DateLevel::Swapped;
        }
        // One mistyped digit, but not where a date is a 1 January / 1 July placeholder
        // (DATE-2): its day and month say nothing, so 1993-01-01 and 1995-01-01 are two birth
        // years two apart (`YearOff5`), not a slip in one digit of a full date, and 1990-01-01
        // against 1990-01-07 is the placeholder's year agreeing.
        if digit_differences(a, b) == 1 && !a.is_placeholder() && !b.is_placeholder() {
            return DateLevel::OneDigit;
        }
    }
    if years == 0 {
        if a.is_placeholder() || b.is_placeholder() {
            return DateLevel::Placeholder;
        }
        if a.month != 0 && b.month != 0 {
            // Two full dates of one month whose days differ in both digits are two days, as
            // much as two months are (1 and 26 October): no slip of DATE-2, DATE-3 or DATE-5,
            // not one mistyped digit. Before, they fell into `SameMonth` (a day known on one
            // side only), weighed +0.6 bits and were no conflict: measured on the synthetic 10k
            // dedupe, "ولی جاوید" born on 4 and on 26 October 2002 shared a cluster. Two days
            // whose digits are transposed (12 / 21) are left there: a typing slip.
            let days_transposed = a.day % 10 == b.day / 10 && a.day / 10 == b.day % 10;
            if a.month == b.month && (!a.is_full() || !b.is_full() || days_transposed) {
                return DateLevel::SameMonth;
            }
            return DateLevel::SameYearOtherDay;
        }
        return DateLevel::SameYear;
    }
    let both_exact_days = a.is_full() && b.is_full() && !a.is_placeholder() && !b.is_placeholder();
    // An age-derived year (DATE-5) on a date whose day and month were also transposed (DATE-3):
    // two known slips, no conflict.
    let swapped = (a.month, a.day) == (b.day, b.month);
    match years {
        1 if both_exact_days && (a.month, a.day) != (b.month, b.day) && !swapped => {
            DateLevel::YearOff1OtherDay
        }
        1 => DateLevel::YearOff1,
        2..=5 if both_exact_days => DateLevel::FullYearsApart,
        2..=5 => DateLevel::YearOff5,
        _ => DateLevel::Far,
    }
}

/// Digits that differ between the two dates written `YYYYMMDD` (no allocation: this runs for
/// every compared pair).
fn digit_differences(a: BirthDate, b: BirthDate) -> usize {
    fn digits(d: BirthDate) -> [u8; 8] {
        let (y, m, day) = (d.year % 10_000, d.month % 100, d.day % 100);
        [
            (y / 1000) as u8,
            (y / 100 % 10) as u8,
            (y / 10 % 10) as u8,
            (y % 10) as u8,
            m / 10,
            m % 10,
            day / 10,
            day % 10,
        ]
    }
    let (da, db) = (digits(a), digits(b));
    da.iter().zip(&db).filter(|(x, y)| x != y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> BirthDate {
        BirthDate::parse(text).unwrap()
    }

    #[test]
    fn parses_contract_forms() {
        assert_eq!(
            d("1990"),
            BirthDate {
                year: 1990,
                month: 0,
                day: 0
            }
        );
        assert_eq!(
            d("1990-03"),
            BirthDate {
                year: 1990,
                month: 3,
                day: 0
            }
        );
        assert_eq!(
            d("1990-03-07"),
            BirthDate {
                year: 1990,
                month: 3,
                day: 7
            }
        );
        assert_eq!(d("19900307"), d("1990-03-07"));
        assert_eq!(d("07.03.1990"), d("1990-03-07"));
        assert_eq!(d(""), BirthDate::UNKNOWN);
        assert_eq!(d("1990-00-00"), d("1990"));
    }

    #[test]
    fn rejects_impossible_dates() {
        assert_eq!(BirthDate::parse("0000-13-45"), Err(DateProblem::OutOfRange));
        assert_eq!(BirthDate::parse("1990-02-30"), Err(DateProblem::OutOfRange));
        assert_eq!(BirthDate::parse("1990-13"), Err(DateProblem::OutOfRange));
        assert_eq!(BirthDate::parse("soon"), Err(DateProblem::Format));
        assert_eq!(BirthDate::parse("1990-1-1-1"), Err(DateProblem::Format));
        assert_eq!(BirthDate::parse("٢٠٠٠"), Err(DateProblem::Format));
        assert!(BirthDate::parse("2000-02-29").is_ok());
        assert!(BirthDate::parse("1900-02-29").is_err());
    }

    #[test]
    fn date_levels() {
        use DateLevel::*;
        assert_eq!(compare_dates(d("1990-03-07"), d("1990-03-07")), Exact);
        assert_eq!(compare_dates(d("1990-03-07"), d("1990-07-03")), Swapped);
        assert_eq!(compare_dates(d("1990-03-07"), d("1990-03-08")), OneDigit);
        assert_eq!(compare_dates(d("1990-03-07"), d("1990-03")), SameMonth);
        // Two full dates of one month, the days different in both digits: two days.
        assert_eq!(
            compare_dates(d("2002-10-04"), d("2002-10-26")),
            SameYearOtherDay
        );
        // The day's two digits transposed: a typing slip, no conflict.
        assert_eq!(compare_dates(d("1990-03-12"), d("1990-03-21")), SameMonth);
        assert_eq!(compare_dates(d("1990-03-07"), d("1990")), SameYear);
        // DATE-2: a placeholder never counts as a disagreement on day and month.
        assert_eq!(compare_dates(d("1990-01-01"), d("1990-06-15")), Placeholder);
        assert_eq!(
            compare_dates(d("1990-03-17"), d("1990-11-25")),
            SameYearOtherDay
        );
        assert_eq!(compare_dates(d("1990"), d("1991")), YearOff1);
        // DATE-5: an age-derived year keeps the day and month; a full date one year and
        // some months apart is another level.
        assert_eq!(compare_dates(d("1990-03-07"), d("1991-03-07")), OneDigit);
        assert_eq!(compare_dates(d("1999-03-07"), d("2000-03-07")), YearOff1);
        assert_eq!(
            compare_dates(d("1966-01-20"), d("1965-10-14")),
            YearOff1OtherDay
        );
        assert_eq!(compare_dates(d("1983-01-01"), d("1984-04-23")), YearOff1);
        // DATE-5 and DATE-3 together: a year one off on a date written day first.
        assert_eq!(compare_dates(d("1997-03-08"), d("1996-08-03")), YearOff1);
        assert_eq!(compare_dates(d("1990"), d("1994")), YearOff5);
        // Two age-derived years, one up and one down.
        assert_eq!(compare_dates(d("2003-04-20"), d("2001")), YearOff5);
        assert_eq!(
            compare_dates(d("1983-04-17"), d("1985-07-12")),
            FullYearsApart
        );
        assert_eq!(compare_dates(d("1983-01-01"), d("1985-07-12")), YearOff5);
        assert_eq!(compare_dates(d("1960"), d("1990")), Far);
        assert_eq!(compare_dates(d(""), d("1990")), Missing);
    }

    #[test]
    fn unexplained_conflicts_are_only_the_unexplained_ones() {
        let conflict = |a: &str, b: &str| compare_dates(d(a), d(b)).is_unexplained_conflict();
        // Namesakes: two full dates that no slip explains.
        assert!(conflict("1975-08-18", "1975-11-14"));
        assert!(conflict("1990-02-14", "1989-03-02"));
        assert!(conflict("1966-11-13", "1968-06-28"));
        assert!(conflict("1950-05-05", "1978-05-05"));
        // A father and a son of the same name, one date known only to the year.
        assert!(conflict("1950", "1978-05-05"));
        assert!(conflict("2002-10-04", "2002-10-26"));
        // Explained, or not enough known to tell.
        for (a, b) in [
            ("1990-03-12", "1990-03-21"),
            ("1990-03-12", "1990-03"),
            ("1975-08-18", "1975-08-18"),
            ("1975-03-08", "1975-08-03"),
            ("1975-08-18", "1975-08-19"),
            ("1975-08-18", "1976-08-18"),
            ("1997-03-08", "1996-08-03"),
            ("1975-01-01", "1975-11-14"),
            ("1975-07-01", "1976-11-14"),
            ("1975", "1975-11-14"),
            ("1975", "1977-11-14"),
            ("", "1975-11-14"),
        ] {
            assert!(!conflict(a, b), "{a} / {b}");
        }
        for level in 0..DATE_LEVELS as u8 {
            assert_eq!(DateLevel::from_u8(level) as u8, level);
        }
    }
}
