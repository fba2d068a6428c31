//! `whereabouts import persons`: a party's list into the registry, all or nothing.
//!
//! One pass over the file, in one transaction: a scanning thread checks every row and collects
//! every error, and hands the good rows in batches to the writer while it reads on. The import
//! commits only when the whole file is good (or, with `--skip-bad`, its good rows); otherwise
//! the transaction is rolled back and nothing is visible. Memory stays flat however long the
//! list is: only the batch in flight and the references seen so far are held.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use domain::{
    AbsenceReason, AssertedValue, Confidence, EventKind, FieldKey, LanguageTag, NamePart,
    NamePartKind, PartialDate, PersonCategory, PersonName, Presence, SourceKind,
};
use sha2::{Digest, Sha256};
use store::{NewAssertion, NewEvent, NewPerson, NewSource, PreparedPeople};
use time::{Date, OffsetDateTime};

use crate::config::Locations;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import a party's list of persons (CSV in UTF-8, or an .xlsx workbook; see
    /// docs/import-format.md).
    Persons(ImportPersonsArgs),
}

#[derive(Args)]
pub struct ImportPersonsArgs {
    /// The list: a CSV file (UTF-8) or an .xlsx workbook.
    pub file: PathBuf,
    /// The workbook's sheet to read (an .xlsx list only). Defaults to the first sheet.
    #[arg(long)]
    pub sheet: Option<String>,
    /// The tenant (bureau) the list belongs to, by its slug.
    #[arg(long)]
    pub tenant: String,
    /// Import the good rows and write the rejected ones, with their reasons, to this file.
    #[arg(long, value_name = "REJECTS.csv")]
    pub skip_bad: Option<PathBuf>,
    /// Who collected the list (provenance). Defaults to the account running the command.
    #[arg(long)]
    pub collector: Option<String>,
    /// The language of the list, as a BCP 47 tag (provenance).
    #[arg(long)]
    pub language: Option<String>,
    /// Confidence in the source, 0 to 100 (provenance).
    #[arg(long, default_value_t = 60)]
    pub confidence: u8,
}

pub async fn run(locations: &Locations, command: ImportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ImportCommand::Persons(args) => import_persons(locations, &args).await,
    }
}

/// The most rows one file may hold.
const MAX_ROWS: u64 = 1_000_000;
/// The longest cell accepted, in bytes.
const MAX_CELL: usize = 64 * 1024;
/// Persons written per statement batch.
const BATCH: usize = 2_000;
/// Errors printed before the rest are only counted.
const MAX_PRINTED: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Column {
    Id,
    Category,
    FullName,
    GivenName,
    Patronymic,
    GrandfatherName,
    FamilyName,
    OtherNames,
    NameLanguage,
    Sex,
    BirthDate,
    BirthPlace,
    Nationality,
    FatherName,
    MotherName,
    ServiceNumber,
    Rank,
    Unit,
    PersonToInform,
    Address,
    CapturedAt,
    CapturedPlace,
}

const COLUMNS: [(&str, Column); 22] = [
    ("id", Column::Id),
    ("category", Column::Category),
    ("full_name", Column::FullName),
    ("given_name", Column::GivenName),
    ("patronymic", Column::Patronymic),
    ("grandfather_name", Column::GrandfatherName),
    ("family_name", Column::FamilyName),
    ("other_names", Column::OtherNames),
    ("name_language", Column::NameLanguage),
    ("sex", Column::Sex),
    ("birth_date", Column::BirthDate),
    ("birth_place", Column::BirthPlace),
    ("nationality", Column::Nationality),
    ("father_name", Column::FatherName),
    ("mother_name", Column::MotherName),
    ("service_number", Column::ServiceNumber),
    ("rank", Column::Rank),
    ("unit", Column::Unit),
    ("person_to_inform", Column::PersonToInform),
    ("address", Column::Address),
    ("captured_at", Column::CapturedAt),
    ("captured_place", Column::CapturedPlace),
];

/// The cells of one row, by column: an array indexed by the column's position in [`COLUMNS`]
/// (no hashing per cell; measured on the import path).
struct Cells<'a>([Option<(usize, &'a str)>; COLUMNS.len()]);

impl<'a> Cells<'a> {
    fn get(&self, column: &Column) -> Option<&(usize, &'a str)> {
        self.0[*column as usize].as_ref()
    }

    fn insert(&mut self, column: Column, cell: (usize, &'a str)) {
        self.0[column as usize] = Some(cell);
    }

    fn contains_key(&self, column: &Column) -> bool {
        self.0[*column as usize].is_some()
    }
}

/// The columns, in the order `export` writes them.
pub fn column_names() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|(name, _)| *name)
}

/// One problem, located: `line 12, column 5 (birth_date): …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: Option<(usize, String)>,
    pub message: String,
}

impl RowError {
    /// The problem located as a spreadsheet shows it: `row 12, column E (birth_date): …`.
    fn in_sheet(&self) -> String {
        match &self.column {
            Some((index, name)) if name.is_empty() => format!(
                "row {}, column {}: {}",
                self.line,
                crate::sheet::column_letters(*index),
                self.message
            ),
            Some((index, name)) => format!(
                "row {}, column {} ({name}): {}",
                self.line,
                crate::sheet::column_letters(*index),
                self.message
            ),
            None => format!("row {}: {}", self.line, self.message),
        }
    }
}

/// How a list's places are named: a CSV file's lines, or a sheet's rows and lettered columns.
#[derive(Clone, Copy)]
enum Form {
    Csv,
    Sheet,
}

impl Form {
    fn describe(self, error: &RowError) -> String {
        match self {
            Self::Csv => error.to_string(),
            Self::Sheet => error.in_sheet(),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some((index, name)) => write!(
                f,
                "line {}, column {} ({name}): {}",
                self.line,
                index + 1,
                self.message
            ),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// The header, resolved to column positions.
pub struct Header {
    positions: Vec<(usize, Column)>,
    names: Vec<String>,
    id: usize,
}

fn header_error(message: String) -> RowError {
    RowError {
        line: 1,
        column: None,
        message,
    }
}

impl Header {
    fn parse(record: &csv::ByteRecord) -> Result<Self, Vec<RowError>> {
        let mut errors = Vec::new();
        let mut positions = Vec::new();
        let mut names = Vec::new();
        let mut seen: HashMap<Column, usize> = HashMap::new();
        for (index, raw) in record.iter().enumerate() {
            let raw = if index == 0 {
                raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
            } else {
                raw
            };
            let Ok(name) = std::str::from_utf8(raw) else {
                errors.push(RowError {
                    line: 1,
                    column: Some((index, "?".into())),
                    message: "the header is not UTF-8".into(),
                });
                names.push(String::from("?"));
                continue;
            };
            let name = name.trim().to_owned();
            names.push(name.clone());
            match COLUMNS.iter().find(|(known, _)| *known == name) {
                Some((_, column)) => {
                    if let Some(first) = seen.insert(*column, index) {
                        errors.push(RowError {
                            line: 1,
                            column: Some((index, name.clone())),
                            message: format!(
                                "column {name:?} appears twice (first as column {})",
                                first + 1
                            ),
                        });
                    }
                    positions.push((index, *column));
                }
                None => errors.push(RowError {
                    line: 1,
                    column: Some((index, name.clone())),
                    message: format!(
                        "unknown column {name:?}; known columns: {}",
                        column_names().collect::<Vec<_>>().join(", ")
                    ),
                }),
            }
        }
        for required in [Column::Id, Column::Category] {
            if !seen.contains_key(&required) {
                let name = COLUMNS
                    .iter()
                    .find(|(_, c)| *c == required)
                    .map_or("?", |(n, _)| n);
                errors.push(header_error(format!(
                    "the required column {name:?} is missing"
                )));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let id = seen[&Column::Id];
        Ok(Self {
            positions,
            names,
            id,
        })
    }
}

/// The moment the import runs, for checks against the future.
#[derive(Clone, Copy)]
pub struct Clock {
    pub now: OffsetDateTime,
    pub today: Date,
}

/// Parses one data row into a person, or every problem found in it.
pub fn parse_row(
    header: &Header,
    record: &csv::ByteRecord,
    line: u64,
    clock: Clock,
) -> Result<NewPerson, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut cells = Cells([None; COLUMNS.len()]);
    for &(index, column) in &header.positions {
        let raw = record.get(index).unwrap_or_default();
        let at = |message: String| RowError {
            line,
            column: Some((index, header.names[index].clone())),
            message,
        };
        if raw.len() > MAX_CELL {
            errors.push(at(format!(
                "the cell is {} bytes; at most {MAX_CELL} are accepted",
                raw.len()
            )));
            continue;
        }
        match std::str::from_utf8(raw) {
            Ok(text) => {
                let text = text.trim();
                if let Some(control) = text.chars().find(|c| c.is_control()) {
                    errors.push(at(format!("contains the control character U+{:04X}", control as u32)));
                    continue;
                }
                if !text.is_empty() {
                    cells.insert(column, (index, text));
                }
            }
            Err(error) => errors.push(at(format!(
                "not UTF-8 (invalid byte at offset {} of the cell): the file must be UTF-8; convert it first, e.g. iconv -f CP1251 -t UTF-8",
                error.valid_up_to()
            ))),
        }
    }
    let locate = |column: Column| -> (usize, String) {
        let index = cells.get(&column).map_or(0, |(i, _)| *i);
        (index, header.names.get(index).cloned().unwrap_or_default())
    };
    let fail = |column: Column, message: String| RowError {
        line,
        column: Some(locate(column)),
        message,
    };
    let prefix = format!("line {line}, column ");
    let locator = |column: Column| {
        let index = cells.get(&column).map_or(0, |(i, _)| *i);
        let name = header.names.get(index).map_or("", String::as_str);
        let mut locator = String::with_capacity(prefix.len() + name.len());
        locator.push_str(&prefix);
        locator.push_str(name);
        locator
    };

    let reference = cells.get(&Column::Id).map(|(_, t)| (*t).to_owned());
    if reference.is_none() {
        errors.push(RowError {
            line,
            column: Some((header.id, "id".into())),
            message: "the id is empty".into(),
        });
    }
    if let Some(reference) = &reference
        && reference.chars().count() > 200
    {
        errors.push(fail(
            Column::Id,
            "the id is longer than 200 characters".into(),
        ));
    }
    let category = match cells.get(&Column::Category) {
        None => {
            errors.push(RowError { line, column: None, message: "the category is empty: use pow, civilian-internee, protected-person or unidentified".into() });
            None
        }
        Some((_, text)) => match text.parse::<PersonCategory>() {
            Ok(category) => Some(category),
            Err(message) => {
                errors.push(fail(Column::Category, message));
                None
            }
        },
    };

    let mut assertions = Vec::new();
    let language = match cells.get(&Column::NameLanguage) {
        None => None,
        Some((_, text)) => match text.parse::<LanguageTag>() {
            Ok(tag) => Some(tag),
            Err(message) => {
                errors.push(fail(Column::NameLanguage, message));
                None
            }
        },
    };

    // The name: typed parts, or the whole name as written, or an absence with its reason.
    let name_columns = [
        (Column::GivenName, NamePartKind::Given),
        (Column::Patronymic, NamePartKind::Patronymic),
        (Column::GrandfatherName, NamePartKind::Grandfather),
        (Column::FamilyName, NamePartKind::Family),
        (Column::OtherNames, NamePartKind::Other),
    ];
    let mut parts = Vec::new();
    let mut name_absence: Option<(Column, AbsenceReason)> = None;
    for (column, kind) in name_columns
        .into_iter()
        .chain([(Column::FullName, NamePartKind::Unsplit)])
    {
        let Some((_, text)) = cells.get(&column) else {
            continue;
        };
        match absence_token(text) {
            Some(Ok(reason)) => name_absence = Some((column, reason)),
            Some(Err(message)) => errors.push(fail(column, message)),
            None => {
                if kind == NamePartKind::Unsplit && !parts.is_empty() {
                    // Both the parts and the whole name were given: keep both, as two statements.
                    match NamePart::new(kind, text, language.clone())
                        .map(|p| PersonName::new(vec![p]))
                    {
                        Ok(Ok(name)) => assertions.push(NewAssertion {
                            field: FieldKey::Name,
                            value: Presence::Present(AssertedValue::Name(name)),
                            locator: locator(column),
                        }),
                        Ok(Err(error)) | Err(error) => errors.push(fail(column, error.to_string())),
                    }
                    continue;
                }
                match NamePart::new(kind, text, language.clone()) {
                    Ok(part) => parts.push(part),
                    Err(error) => errors.push(fail(column, error.to_string())),
                }
            }
        }
    }
    match (parts.is_empty(), name_absence) {
        (false, Some((column, _))) => errors.push(fail(
            column,
            "an absence token in a name column is accepted only when no part of the name is given".into(),
        )),
        (false, None) => {
            let first_column = name_columns.iter().map(|(c, _)| *c).chain([Column::FullName]).find(|c| cells.contains_key(c)).unwrap_or(Column::FullName);
            match PersonName::new(parts) {
                Ok(name) => assertions.insert(0, NewAssertion { field: FieldKey::Name, value: Presence::Present(AssertedValue::Name(name)), locator: locator(first_column) }),
                Err(error) => errors.push(fail(first_column, error.to_string())),
            }
        }
        (true, Some((column, reason))) => assertions.insert(0, NewAssertion { field: FieldKey::Name, value: Presence::Absent(reason), locator: locator(column) }),
        (true, None) => errors.push(RowError { line, column: None, message: "the row has no name: fill full_name, given_name or family_name, or write a reason such as [unknown] in full_name".into() }),
    }

    // Single-valued fields.
    let simple = [
        (Column::Sex, FieldKey::Sex),
        (Column::BirthDate, FieldKey::BirthDate),
        (Column::BirthPlace, FieldKey::BirthPlace),
        (Column::Nationality, FieldKey::Nationality),
        (Column::FatherName, FieldKey::FatherName),
        (Column::MotherName, FieldKey::MotherName),
        (Column::ServiceNumber, FieldKey::ServiceNumber),
        (Column::Rank, FieldKey::Rank),
        (Column::Unit, FieldKey::Unit),
        (Column::PersonToInform, FieldKey::PersonToInform),
        (Column::Address, FieldKey::Address),
    ];
    for (column, field) in simple {
        let Some((_, text)) = cells.get(&column) else {
            continue;
        };
        let value = match absence_token(text) {
            Some(Ok(reason)) => Ok(Presence::Absent(reason)),
            Some(Err(message)) => Err(message),
            None => parse_value(field, text, clock.today).map(Presence::Present),
        };
        match value {
            Ok(value) => assertions.push(NewAssertion {
                field,
                value,
                locator: locator(column),
            }),
            Err(message) => errors.push(fail(column, message)),
        }
    }

    let mut events = Vec::new();
    if let Some((_, text)) = cells.get(&Column::CapturedAt) {
        match parse_instant(text, clock) {
            Ok(at) => events.push(NewEvent {
                kind: EventKind::FellIntoPower,
                occurred_at: at,
                place: None,
                place_to: None,
                locator: locator(Column::CapturedAt),
                note: cells
                    .get(&Column::CapturedPlace)
                    .map(|(_, t)| (*t).to_owned()),
            }),
            Err(message) => errors.push(fail(Column::CapturedAt, message)),
        }
    } else if cells.contains_key(&Column::CapturedPlace) {
        errors.push(fail(
            Column::CapturedPlace,
            "captured_place needs captured_at".into(),
        ));
    }

    match (errors.is_empty(), reference, category) {
        (true, Some(reference), Some(category)) => Ok(NewPerson {
            reference,
            category,
            assertions,
            events,
        }),
        _ => Err(errors),
    }
}

fn absence_token(text: &str) -> Option<Result<AbsenceReason, String>> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    Some(inner.parse::<AbsenceReason>().map_err(|e| e.to_string()))
}

fn parse_value(field: FieldKey, text: &str, today: Date) -> Result<AssertedValue, String> {
    match field {
        FieldKey::Sex => text.parse().map(AssertedValue::Sex),
        FieldKey::BirthDate => {
            let date = PartialDate::parse(text).map_err(|e| e.to_string())?;
            date.validate_birth(today).map_err(|e| e.to_string())?;
            Ok(AssertedValue::Date(date))
        }
        FieldKey::Nationality => {
            if domain::conflict::is_country_code(text) {
                Ok(AssertedValue::Country(text.to_owned()))
            } else {
                Err(format!(
                    "{text:?} is not an ISO 3166-1 alpha-2 code such as UA or XA"
                ))
            }
        }
        _ => {
            if text.chars().count() > 2000 {
                return Err("longer than 2000 characters".into());
            }
            Ok(AssertedValue::Text(text.to_owned()))
        }
    }
}

fn parse_instant(text: &str, clock: Clock) -> Result<OffsetDateTime, String> {
    let at = if text.len() == 10 {
        let date = PartialDate::parse(text).map_err(|e| e.to_string())?;
        if !date.is_full() {
            return Err(format!("{text:?} is not a full date YYYY-MM-DD"));
        }
        date.earliest().midnight().assume_utc()
    } else {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).map_err(
            |_| {
                format!(
                    "{text:?} is not a date (YYYY-MM-DD) or an RFC 3339 time (2026-03-01T10:00:00Z)"
                )
            },
        )?
    };
    if at > clock.now + time::Duration::days(1) {
        return Err(format!("{text} is in the future"));
    }
    if at.year() < 1900 {
        return Err(format!("{text} is before 1900"));
    }
    Ok(at)
}

/// Reads and hashes the file as it goes.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

fn reader<R: Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input)
}

/// The file's SHA-256 and its header, read before anything is written: a file in the wrong
/// encoding or with a wrong header is refused at once.
fn precheck(path: &Path) -> anyhow::Result<Result<String, Vec<RowError>>> {
    let mut file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut prefix = [0u8; 4];
    let read = file.read(&mut prefix)?;
    if let Some(encoding) = crate::linkage::utf16(&prefix[..read]) {
        return Ok(Err(vec![header_error(format!(
            "the file is {encoding}; save it as UTF-8"
        ))]));
    }
    let mut csv = reader(BufReader::new(File::open(path)?));
    let mut record = csv::ByteRecord::new();
    if !csv
        .read_byte_record(&mut record)
        .map_err(|e| anyhow::anyhow!("line 1: {e}"))?
    {
        return Ok(Err(vec![header_error(
            "the file is empty: it needs a header row".into(),
        )]));
    }
    if let Err(errors) = Header::parse(&record) {
        return Ok(Err(errors));
    }
    let mut hashing = Hashing {
        inner: BufReader::with_capacity(1 << 16, File::open(path)?),
        hasher: Sha256::new(),
    };
    std::io::copy(&mut hashing, &mut std::io::sink())?;
    Ok(Ok(hex::encode(hashing.hasher.finalize())))
}

/// What the scan found.
struct Scanned {
    rows: u64,
    rejected: Vec<(u64, Vec<RowError>)>,
    sha256: String,
}

/// The scan's view of the writer: which references the tenant already holds, and where good
/// rows go.
struct Sink<E, D> {
    existing: E,
    deliver: D,
    /// With `--skip-bad`, good rows are written whatever else the file holds; without it,
    /// writing stops at the first bad row (the rest is still checked, for the report).
    skip_bad: bool,
    writing: bool,
}

impl<E, D> Sink<E, D>
where
    E: FnMut(&[String]) -> anyhow::Result<HashSet<String>>,
    D: FnMut(Vec<NewPerson>, u64) -> bool,
{
    fn reject(
        &mut self,
        rejected: &mut Vec<(u64, Vec<RowError>)>,
        line: u64,
        errors: Vec<RowError>,
    ) {
        rejected.push((line, errors));
        if !self.skip_bad {
            self.writing = false;
        }
    }

    /// Checks a batch against the tenant's registered references, then hands it to the writer.
    fn flush(
        &mut self,
        pending: &mut Vec<(u64, NewPerson)>,
        rejected: &mut Vec<(u64, Vec<RowError>)>,
        tenant: &str,
        offset: u64,
    ) -> anyhow::Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let references: Vec<String> = pending.iter().map(|(_, p)| p.reference.clone()).collect();
        let existing = (self.existing)(&references)?;
        let mut good = Vec::with_capacity(pending.len());
        for (line, person) in pending.drain(..) {
            if existing.contains(&person.reference) {
                let message = format!(
                    "id {:?} is already registered in {tenant}",
                    person.reference
                );
                self.reject(
                    rejected,
                    line,
                    vec![RowError {
                        line,
                        column: None,
                        message,
                    }],
                );
            } else {
                good.push(person);
            }
        }
        if self.writing && !good.is_empty() && !(self.deliver)(good, offset) {
            // The writer is gone (it failed); the import is abandoned.
            self.writing = false;
        }
        Ok(())
    }
}

/// One pass over the file: every row checked; good rows handed to the writer in batches while
/// the rest of the file is still being read. Nothing is visible until the caller commits, and it
/// commits only when the scan found nothing wrong (or with `--skip-bad`).
fn scan<E, D>(
    path: &Path,
    clock: Clock,
    tenant: &str,
    sink: &mut Sink<E, D>,
) -> anyhow::Result<Scanned>
where
    E: FnMut(&[String]) -> anyhow::Result<HashSet<String>>,
    D: FnMut(Vec<NewPerson>, u64) -> bool,
{
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut hashing = Hashing {
        inner: BufReader::with_capacity(1 << 16, file),
        hasher: Sha256::new(),
    };
    let mut csv = reader(&mut hashing);
    let mut record = csv::ByteRecord::new();
    if !csv.read_byte_record(&mut record)? {
        bail!("the file changed during the import: it is empty now; nothing imported");
    }
    let header = Header::parse(&record)
        .map_err(|e| anyhow::anyhow!("the file changed during the import: {}", e[0]))?;
    let width = header.names.len();
    let mut rejected = Vec::new();
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    let mut pending: Vec<(u64, NewPerson)> = Vec::with_capacity(BATCH);
    let mut rows = 0u64;
    loop {
        let line = csv.position().line();
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let message = format!("malformed CSV: {error}");
                sink.reject(
                    &mut rejected,
                    line,
                    vec![RowError {
                        line,
                        column: None,
                        message,
                    }],
                );
                continue;
            }
        }
        rows += 1;
        if rows > MAX_ROWS {
            bail!("line {line}: more than {MAX_ROWS} rows: split the file; nothing imported");
        }
        let line = record.position().map_or(line, csv::Position::line);
        if record.len() != width {
            let message = format!(
                "the row has {} fields; the header has {width}",
                record.len()
            );
            sink.reject(
                &mut rejected,
                line,
                vec![RowError {
                    line,
                    column: None,
                    message,
                }],
            );
            continue;
        }
        match parse_row(&header, &record, line, clock) {
            Ok(person) => match first_seen.get(&person.reference) {
                Some(first) => {
                    let error = RowError {
                        line,
                        column: Some((header.id, "id".into())),
                        message: format!(
                            "duplicate id {:?}: first on line {first}",
                            person.reference
                        ),
                    };
                    sink.reject(&mut rejected, line, vec![error]);
                }
                None => {
                    first_seen.insert(person.reference.clone(), line);
                    pending.push((line, person));
                    if pending.len() == BATCH {
                        let offset = csv.position().byte();
                        sink.flush(&mut pending, &mut rejected, tenant, offset)?;
                    }
                }
            },
            Err(errors) => sink.reject(&mut rejected, line, errors),
        }
    }
    let offset = csv.position().byte();
    sink.flush(&mut pending, &mut rejected, tenant, offset)?;
    drop(csv);
    rejected.sort_by_key(|(line, _)| *line);
    Ok(Scanned {
        rows,
        rejected,
        sha256: hex::encode(hashing.hasher.finalize()),
    })
}

async fn import_persons(
    locations: &Locations,
    args: &ImportPersonsArgs,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let store = locations.open().await?;
    let tenant = store
        .tenant_by_slug(&args.tenant)
        .await
        .with_context(|| format!("no tenant {:?}: see `whereabouts tenant list`", args.tenant))?;
    let operator = args
        .collector
        .clone()
        .unwrap_or_else(crate::setup::operator_name);
    let scope = store.operator_scope(&tenant, &operator);
    let language = args
        .language
        .as_deref()
        .map(str::parse::<LanguageTag>)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let confidence = Confidence::new(args.confidence).map_err(anyhow::Error::msg)?;
    let now = OffsetDateTime::now_utc();
    let clock = Clock {
        now,
        today: now.date(),
    };

    // A workbook is read into the CSV form first; its rows and columns keep their names.
    let workbook = match crate::sheet::kind(&args.file) {
        Some(crate::sheet::Kind::Other(extension)) => {
            eprintln!(
                "nothing imported: .{extension} files are not read; save the list as .xlsx, or as CSV UTF-8"
            );
            return Ok(ExitCode::from(2));
        }
        Some(crate::sheet::Kind::Xlsx) => {
            match crate::sheet::to_csv(&args.file, args.sheet.as_deref())? {
                Ok(converted) => Some(converted),
                Err(problems) => {
                    report(&problems, problems.len(), Form::Sheet);
                    eprintln!("nothing imported: some cells cannot be read as a list");
                    return Ok(ExitCode::from(2));
                }
            }
        }
        None if args.sheet.is_some() => {
            bail!(
                "--sheet names a sheet of an .xlsx workbook; {} is not one",
                args.file.display()
            )
        }
        None => None,
    };
    let form = if workbook.is_some() {
        Form::Sheet
    } else {
        Form::Csv
    };
    let path: &Path = workbook.as_ref().map_or(&args.file, |w| w.csv.path());
    let sha256 = match precheck(path)? {
        Ok(sha256) => sha256,
        Err(errors) => {
            report(&errors, errors.len(), form);
            eprintln!("nothing imported: the file's header or encoding is wrong");
            return Ok(ExitCode::from(2));
        }
    };
    let file_name = args
        .file
        .file_name()
        .map_or_else(|| "list.csv".into(), |n| n.to_string_lossy().into_owned());
    let reference = match &workbook {
        Some(w) => format!("{file_name} sheet {:?} sha256:{}", w.sheet, w.sha256),
        None => format!("{file_name} sha256:{sha256}"),
    };
    // The source is written inside the import's transaction: a refused file leaves no trace.
    let mut batch = store
        .begin_import_from(
            &scope,
            &NewSource {
                kind: SourceKind::BureauList,
                reference,
                collected_by: operator,
                collected_at: now,
                language,
                script: None,
                confidence,
            },
        )
        .await?;
    let source = batch.source();
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    let progress = indicatif::ProgressBar::new(size);
    progress.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} importing {msg} persons [{bar:30}] {percent}% {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );

    // The scan (reading, checking, flattening) runs on its own thread and hands over batches,
    // so the next batch is checked while the database writes the current one.
    let (sender, mut receiver) =
        tokio::sync::mpsc::channel::<anyhow::Result<(PreparedPeople, u64)>>(2);
    let scan_path = path.to_path_buf();
    let skip_bad = args.skip_bad.is_some();
    let runtime = tokio::runtime::Handle::current();
    let lookup = store.clone();
    let lookup_scope = scope.clone();
    let slug = tenant.slug.clone();
    let scanner = tokio::task::spawn_blocking(move || {
        let deliver_to = sender.clone();
        let mut sink = Sink {
            existing: |references: &[String]| -> anyhow::Result<HashSet<String>> {
                let found =
                    runtime.block_on(lookup.existing_references(&lookup_scope, references))?;
                Ok(found.into_iter().collect())
            },
            deliver: |people: Vec<NewPerson>, offset: u64| {
                let prepared = PreparedPeople::prepare_owned(people, source)
                    .map(|p| (p, offset))
                    .map_err(anyhow::Error::from);
                deliver_to.blocking_send(prepared).is_ok()
            },
            skip_bad,
            writing: true,
        };
        let scanned = scan(&scan_path, clock, &slug, &mut sink);
        if let Err(error) = &scanned {
            let _ = sender.blocking_send(Err(anyhow::anyhow!("{error:#}")));
        }
        scanned
    });
    let mut written = 0u64;
    while let Some(prepared) = receiver.recv().await {
        let (prepared, offset) = prepared?;
        written += prepared.len() as u64;
        batch.insert_prepared(prepared).await?;
        progress.set_message(written.to_string());
        progress.set_position(offset);
    }
    let scanned = scanner.await??;
    progress.finish_and_clear();
    if scanned.sha256 != sha256 {
        bail!("the file changed during the import; nothing imported");
    }
    if !scanned.rejected.is_empty() {
        let all: Vec<RowError> = scanned
            .rejected
            .iter()
            .flat_map(|(_, e)| e.iter().cloned())
            .collect();
        report(&all, all.len(), form);
        match &args.skip_bad {
            None => {
                drop(batch);
                eprintln!(
                    "nothing imported: {} of {} rows have errors. Fix them, or pass --skip-bad REJECTS.csv to import the good rows",
                    scanned.rejected.len(),
                    scanned.rows
                );
                return Ok(ExitCode::from(2));
            }
            Some(rejects) => {
                write_rejects(path, rejects, &scanned.rejected, form)?;
                eprintln!(
                    "{} rejected rows written to {}",
                    scanned.rejected.len(),
                    rejects.display()
                );
            }
        }
    }
    let good = scanned.rows - scanned.rejected.len() as u64;
    if batch.inserted() as u64 != good {
        bail!(
            "{} good rows found but {} written; nothing imported",
            good,
            batch.inserted()
        );
    }
    let imported = batch.commit().await?;
    // XC-8: an import is one audited creation of `imported` records.
    store
        .audit(
            &scope,
            store::AuditEntry::new(store::AuditAction::Create, format!("source:{source}"))
                .records(i64::try_from(imported).unwrap_or(i64::MAX))
                .detail("import"),
        )
        .await?;
    store.close().await;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "imported {imported} persons into {} from {file_name} in {seconds:.2} s ({:.0} persons/s); source {source}",
        tenant.slug,
        imported as f64 / seconds.max(1e-9)
    );
    if imported == 0 && scanned.rows > 0 {
        bail!("no row could be imported");
    }
    Ok(ExitCode::SUCCESS)
}

fn report(errors: &[RowError], total: usize, form: Form) {
    for error in errors.iter().take(MAX_PRINTED) {
        eprintln!("{}", form.describe(error));
    }
    if total > MAX_PRINTED {
        eprintln!("… and {} more errors", total - MAX_PRINTED);
    }
}

/// Writes each rejected row as it was, after its line number and reasons.
fn write_rejects(
    input: &Path,
    output: &Path,
    rejected: &[(u64, Vec<RowError>)],
    form: Form,
) -> anyhow::Result<()> {
    let by_line: HashMap<u64, &Vec<RowError>> = rejected.iter().map(|(l, e)| (*l, e)).collect();
    let mut csv = reader(BufReader::new(File::open(input)?));
    let mut writer =
        csv::Writer::from_path(output).with_context(|| format!("writing {}", output.display()))?;
    let mut record = csv::ByteRecord::new();
    let mut first = true;
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) => continue,
        }
        let line = record.position().map_or(0, csv::Position::line);
        let mut out = csv::ByteRecord::new();
        if first {
            out.push_field(match form {
                Form::Csv => b"line".as_slice(),
                Form::Sheet => b"row".as_slice(),
            });
            out.push_field(b"errors");
            first = false;
        } else if let Some(errors) = by_line.get(&line) {
            out.push_field(line.to_string().as_bytes());
            let text: Vec<String> = errors.iter().map(|e| form.describe(e)).collect();
            out.push_field(text.join("; ").as_bytes());
        } else {
            continue;
        }
        for field in &record {
            out.push_field(field);
        }
        writer.write_byte_record(&out)?;
    }
    // Rows the CSV reader itself could not split are listed with their reasons only.
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
#[path = "fuzz_import.rs"]
mod fuzz_import;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_listed_in_the_order_of_their_discriminants() {
        for (index, (_, column)) in COLUMNS.iter().enumerate() {
            assert_eq!(*column as usize, index);
        }
    }
}
