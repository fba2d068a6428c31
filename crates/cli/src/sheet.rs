//! Spreadsheet lists (`.xlsx`): a party's list as a bureau often receives it. The sheet is read
//! cell by cell (never held whole) and written as the CSV form `import persons` reads, so both
//! forms take one path and one set of checks. Row *n* of the sheet is line *n* of that CSV, so
//! every error names the sheet's own row and column.
//!
//! What the CSV form cannot say is refused here, each problem with its row and column: a line
//! break inside a cell, a formula error (`#N/A`), a duration. Dates typed as dates become
//! `YYYY-MM-DD` (or an RFC 3339 time when the cell has one); whole numbers lose Excel's `.0`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use anyhow::Context;
use calamine::{DataRef, Reader, Xlsx};
use sha2::{Digest, Sha256};

use crate::import::RowError;

/// The largest uncompressed part of a workbook accepted (a sheet or its shared strings): a
/// zip bomb is refused before anything is inflated.
const MAX_PART: u64 = 1 << 30;
/// The most rows a sheet may hold (as for a CSV list).
const MAX_ROWS: u32 = 1_000_001;
/// Problems listed before the rest are only counted.
const MAX_PROBLEMS: usize = 1_000;

/// Whether `path` names a spreadsheet this importer reads, or one it must refuse by name.
pub fn kind(path: &Path) -> Option<Kind> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "xlsx" | "xlsm" => Some(Kind::Xlsx),
        "xls" | "xlsb" | "ods" | "numbers" => Some(Kind::Other(extension)),
        _ => None,
    }
}

/// A spreadsheet format.
pub enum Kind {
    /// Office Open XML, read here.
    Xlsx,
    /// Another spreadsheet format, by extension: refused with a way out.
    Other(String),
}

/// A sheet converted to CSV.
pub struct Converted {
    /// The CSV, deleted when dropped.
    pub csv: tempfile::NamedTempFile,
    /// The sheet read.
    pub sheet: String,
    /// SHA-256 of the workbook file, for the source's reference.
    pub sha256: String,
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
#[must_use]
pub fn column_letters(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + u8::try_from(rem).unwrap_or(0));
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Converts the sheet (`sheet`, or the workbook's first) to CSV. `Ok(Err(problems))` when the
/// workbook opened but some cells cannot be imported; `Err` when it is not a workbook at all.
pub fn to_csv(
    path: &Path,
    sheet: Option<&str>,
) -> anyhow::Result<Result<Converted, Vec<RowError>>> {
    let sha256 = hash(path)?;
    check_sizes(path)?;
    let mut workbook: Xlsx<BufReader<File>> = calamine::open_workbook(path)
        .map_err(|e| anyhow::anyhow!("{}: not a readable .xlsx workbook: {e}", path.display()))?;
    let names = workbook.sheet_names();
    let sheet = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .with_context(|| {
                format!(
                    "the workbook has no sheet {wanted:?}; its sheets: {}",
                    names.join(", ")
                )
            })?,
        None => names
            .first()
            .cloned()
            .context("the workbook has no sheet")?,
    };
    let mut cells = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(|e| anyhow::anyhow!("sheet {sheet:?}: {e}"))?;
    let csv = tempfile::Builder::new()
        .prefix("whereabouts-sheet-")
        .suffix(".csv")
        .tempfile()
        .context("creating a temporary file for the sheet")?;
    let mut out = BufWriter::new(csv.reopen()?);
    let mut problems = Vec::new();
    let mut row: Vec<String> = Vec::new();
    // The next sheet row (0-based) the CSV's next line stands for.
    let mut written_rows = 0u32;
    // The header's width: shorter rows are padded to it, as a spreadsheet shows them.
    let mut width: Option<usize> = None;
    let mut current: Option<u32> = None;
    loop {
        let cell = cells.next_cell().map_err(|e| {
            anyhow::anyhow!(
                "sheet {sheet:?}, after row {}: the sheet cannot be read: {e}",
                current.map_or(0, |r| r + 1)
            )
        })?;
        let Some(cell) = cell else { break };
        let (r, c) = cell.get_position();
        if r >= MAX_ROWS {
            anyhow::bail!(
                "sheet {sheet:?}, row {}: more than {} rows: split the list; nothing imported",
                r + 1,
                MAX_ROWS - 1
            );
        }
        if current != Some(r) {
            if let Some(previous) = current {
                write_row(&mut out, &mut row, previous, &mut written_rows, &mut width)?;
            }
            current = Some(r);
        }
        let column = usize::try_from(c).unwrap_or(usize::MAX);
        if column >= 1_000 {
            anyhow::bail!(
                "sheet {sheet:?}, row {}: a value in column {}, beyond the list's columns; nothing imported",
                r + 1,
                column_letters(column)
            );
        }
        if row.len() <= column {
            row.resize(column + 1, String::new());
        }
        match text(cell.get_value()) {
            Ok(text) => row[column] = text,
            Err(message) => {
                if problems.len() < MAX_PROBLEMS {
                    problems.push(RowError {
                        line: u64::from(r) + 1,
                        column: Some((column, String::new())),
                        message,
                    });
                }
            }
        }
    }
    if let Some(previous) = current {
        write_row(&mut out, &mut row, previous, &mut written_rows, &mut width)?;
    }
    out.flush()?;
    drop(out);
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    Ok(Ok(Converted { csv, sheet, sha256 }))
}

/// Writes sheet row `r` as the CSV's line `r + 1`: empty lines stand for empty rows (the CSV
/// reader skips them but counts them).
fn write_row(
    out: &mut impl Write,
    row: &mut Vec<String>,
    r: u32,
    written_rows: &mut u32,
    width: &mut Option<usize>,
) -> anyhow::Result<()> {
    while *written_rows < r {
        out.write_all(b"\n")?;
        *written_rows += 1;
    }
    // A spreadsheet row ends at its last value: the header's width is that of its last name,
    // and a shorter row is padded to it (a longer one stays longer, and the import names it).
    while row.last().is_some_and(String::is_empty) {
        row.pop();
    }
    match *width {
        None if !row.is_empty() => *width = Some(row.len()),
        Some(w) if !row.is_empty() && row.len() < w => row.resize(w, String::new()),
        _ => {}
    }
    if row.is_empty() {
        out.write_all(b"\n")?;
    } else {
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        writer.write_record(row.iter())?;
        out.write_all(&writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
    }
    row.clear();
    *written_rows += 1;
    Ok(())
}

/// A cell's value as the CSV form writes it, or why it cannot be imported.
fn text(value: &DataRef<'_>) -> Result<String, String> {
    match value {
        DataRef::Empty => Ok(String::new()),
        DataRef::String(s) => plain(s),
        DataRef::SharedString(s) => plain(s),
        DataRef::Int(i) => Ok(i.to_string()),
        DataRef::Float(f) => Ok(number(*f)),
        DataRef::Bool(b) => Ok(if *b { "TRUE" } else { "FALSE" }.to_owned()),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            if (h, mi, s, ms) == (0, 0, 0, 0) {
                Ok(format!("{y:04}-{mo:02}-{d:02}"))
            } else {
                Ok(format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"))
            }
        }
        DataRef::DateTime(_) | DataRef::DurationIso(_) => {
            Err("the cell holds a duration, not a date or a text".into())
        }
        DataRef::DateTimeIso(s) => Ok(s.clone()),
        DataRef::Error(e) => Err(format!("the cell holds the spreadsheet error {e}")),
    }
}

/// A text cell: a line break cannot stand in one line of a list.
fn plain(s: &str) -> Result<String, String> {
    if s.contains(['\n', '\r']) {
        Err("the cell holds a line break; put each value on one line".into())
    } else {
        Ok(s.to_owned())
    }
}

/// A number as a person would type it: whole numbers without Excel's `.0`.
fn number(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

fn hash(path: &Path) -> anyhow::Result<String> {
    let mut file =
        BufReader::new(File::open(path).with_context(|| format!("opening {}", path.display()))?);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Refuses a workbook whose parts claim to inflate beyond [`MAX_PART`] (a zip bomb), before
/// anything is inflated.
fn check_sizes(path: &Path) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
        anyhow::anyhow!(
            "{}: not a .xlsx workbook (not a zip archive: {e})",
            path.display()
        )
    })?;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| anyhow::anyhow!("{}: damaged workbook: {e}", path.display()))?;
        if entry.size() > MAX_PART {
            anyhow::bail!(
                "{}: the part {:?} inflates to {} bytes; at most {MAX_PART} are accepted",
                path.display(),
                entry.name(),
                entry.size()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_spreadsheets_do() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(4), "E");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn numbers_lose_excels_point_zero_but_keep_fractions() {
        assert_eq!(number(12345.0), "12345");
        assert_eq!(number(-3.0), "-3");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(1e20), "100000000000000000000");
        assert_eq!(number(f64::NAN), "NaN");
    }

    #[test]
    fn a_line_break_in_a_cell_is_named() {
        assert!(plain("Іван\nПетренко").unwrap_err().contains("line break"));
        assert_eq!(plain("Іван Петренко").unwrap(), "Іван Петренко");
    }
}
