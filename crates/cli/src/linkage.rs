//! `whereabouts link`, `dedupe` and `search`: the matching engine on person-record CSV files
//! (`/work/shared/bench/CONTRACT.md`, `docs/matching.md`).
//!
//! Files are read once, row by row, straight into the engine's compact analysis; only the ids
//! are kept as text. Bad rows stop the run with their line number: a malformed CSV row, a
//! missing or duplicate `id`, a record without any name. A birth date that cannot be read
//! (`0000-13-45`) does not stop the run: it is treated as unknown and counted in a warning.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use matching::{Corpus, DEFAULT_THRESHOLD, Index, Progress, Record, Settings};

#[derive(Args)]
pub struct LinkArgs {
    /// Left records (CSV per the contract).
    pub left: PathBuf,
    /// Right records (CSV per the contract).
    pub right: PathBuf,
    /// Output: `left_id,right_id,score`.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Match probability at or above which a pair is written (default 0.5).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Keep the best K candidates of every right record whatever their score (with
    /// `--threshold`, only those at or above it).
    #[arg(long, value_name = "K")]
    pub top: Option<usize>,
    /// Score with the configured weights instead of estimating them from the files.
    #[arg(long)]
    pub fixed_weights: bool,
    /// A conflict on the service number, father's or mother's name only weighs; it does not
    /// cap the probability at 0.35 or keep records apart (MATCH-6 switched off). Only for
    /// sources whose identifier column is not a reliable service number. Birth dates in a
    /// conflict no slip explains then only weigh too (their cap is lifted where the service
    /// numbers agree, which such a source cannot show).
    #[arg(long)]
    pub no_conflict_cap: bool,
}

#[derive(Args)]
pub struct DedupeArgs {
    /// Records (CSV per the contract).
    pub records: PathBuf,
    /// Output: `id,cluster_id` for every input record.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Match probability at or above which two records may share a cluster (default 0.5).
    #[arg(long)]
    pub threshold: Option<f64>,
    /// Score with the configured weights instead of estimating them from the file.
    #[arg(long)]
    pub fixed_weights: bool,
    /// A conflict on the service number, father's or mother's name only weighs; it does not
    /// cap the probability at 0.35 or keep records apart (MATCH-6 switched off). Only for
    /// sources whose identifier column is not a reliable service number. Birth dates in a
    /// conflict no slip explains then only weigh too (their cap is lifted where the service
    /// numbers agree, which such a source cannot show).
    #[arg(long)]
    pub no_conflict_cap: bool,
}

#[derive(Args)]
pub struct SearchArgs {
    /// Records to search (CSV per the contract).
    #[arg(long)]
    pub records: PathBuf,
    /// One query: a name in any script and order, optionally a birth date (`1990-03-07`), a
    /// birth year (`1990`) or an age (`34`).
    pub query: Option<String>,
    /// Many queries (CSV per the contract); writes `query_id,id,rank,score` to `--output` and
    /// reports latency on standard error.
    #[arg(long, conflicts_with = "query", requires = "output")]
    pub queries: Option<PathBuf>,
    /// Hits per query.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Output of `--queries`.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Indicatif behind the engine's progress interface (standard error; hidden when not a
/// terminal).
struct Bar {
    bar: ProgressBar,
}

impl Bar {
    fn new() -> Bar {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos}/{len} [{elapsed_precise}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        Bar { bar }
    }
}

impl Progress for Bar {
    fn stage(&self, name: &'static str, total: u64) {
        self.bar.set_message(name);
        self.bar.set_length(total);
        self.bar.set_position(0);
    }

    fn advance(&self, steps: u64) {
        self.bar.inc(steps);
    }
}

/// What reading a file found.
struct Loaded {
    ids: Vec<String>,
    bad_dates: usize,
    first_bad_date_line: Option<u64>,
}

/// Reads contract records, handing each to `sink` with its line number.
fn read_records(
    path: &Path,
    mut sink: impl FnMut(&Record, u64) -> anyhow::Result<()>,
) -> anyhow::Result<Loaded> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    read_records_from(BufReader::with_capacity(1 << 20, file), path, &mut sink)
}

fn read_records_from(
    mut input: impl BufRead,
    path: &Path,
    sink: &mut dyn FnMut(&Record, u64) -> anyhow::Result<()>,
) -> anyhow::Result<Loaded> {
    let name = path.display();
    // A spreadsheet's "Unicode text" export is UTF-16: name it, rather than report bytes
    // that are not UTF-8.
    let head = input
        .fill_buf()
        .with_context(|| format!("{name}: line 1: cannot read"))?;
    if let Some(encoding) = utf16(head) {
        bail!(
            "{name}: line 1: the file is {encoding}, not UTF-8; save it as \"CSV UTF-8\" (the contract's encoding)"
        );
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(QuoteCount {
            inner: input,
            quotes: 0,
        });
    let headers = reader
        .headers()
        .with_context(|| format!("{name}: line 1: cannot read the header"))?
        .clone();
    let columns: Vec<String> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            };
            h.trim().to_ascii_lowercase()
        })
        .collect();
    let Some(id_column) = columns.iter().position(|c| c == "id") else {
        bail!("{name}: line 1: the header has no `id` column");
    };
    let known: Vec<bool> = columns
        .iter()
        .map(|c| matching::COLUMNS.contains(&c.as_str()))
        .collect();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut ids = Vec::new();
    let mut bad_dates = 0;
    let mut first_bad_date_line = None;
    let mut row = csv::StringRecord::new();
    let mut record = Record::default();
    let mut last_line = 1;
    loop {
        match reader.read_record(&mut row) {
            Ok(false) => {
                // The reader takes an unclosed quote to the end of the file as one field; in
                // RFC 4180 every quote is paired (escaped ones are doubled), so an odd count
                // means a quoted field was never closed.
                if reader.get_ref().quotes % 2 == 1 {
                    bail!(
                        "{name}: line {last_line}: malformed CSV: a quoted field is not closed before the end of the file"
                    );
                }
                break;
            }
            Ok(true) => {}
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line());
                bail!("{name}: line {line}: malformed CSV: {}", csv_reason(&error));
            }
        }
        let line = row.position().map_or(0, |p| p.line());
        last_line = line;
        record = Record {
            id: std::mem::take(&mut record.id),
            ..Record::default()
        };
        record.id.clear();
        for (i, value) in row.iter().enumerate() {
            if known[i] {
                record.set(&columns[i], value);
            }
        }
        let id = row.get(id_column).unwrap_or("").trim();
        if id.is_empty() {
            bail!("{name}: line {line}: the record has no id");
        }
        if let Some(first) = seen.insert(id.to_owned(), line) {
            bail!("{name}: line {line}: duplicate id (first at line {first})");
        }
        id.clone_into(&mut record.id);
        if !record.has_name() {
            bail!(
                "{name}: line {line}: the record has no name (full_name, given_name and family_name are all empty)"
            );
        }
        if matching::BirthDate::parse(&record.birth_date).is_err() {
            bad_dates += 1;
            first_bad_date_line.get_or_insert(line);
        }
        sink(&record, line)?;
        ids.push(record.id.clone());
    }
    Ok(Loaded {
        ids,
        bad_dates,
        first_bad_date_line,
    })
}

/// Counts the quote characters read, to find a quoted field left open at the end of the file.
struct QuoteCount<R> {
    inner: R,
    quotes: u64,
}

impl<R: Read> Read for QuoteCount<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.quotes += buf[..n].iter().filter(|&&b| b == b'"').count() as u64;
        Ok(n)
    }
}

/// UTF-16 by its byte order mark, or by the zero bytes that ASCII letters leave in it.
pub(crate) fn utf16(head: &[u8]) -> Option<&'static str> {
    match head {
        [0xFF, 0xFE, ..] => Some("UTF-16 (little-endian)"),
        [0xFE, 0xFF, ..] => Some("UTF-16 (big-endian)"),
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => Some("UTF-16 (little-endian)"),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => Some("UTF-16 (big-endian)"),
        _ => None,
    }
}

fn csv_reason(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_owned(),
        _ => "unreadable row".to_owned(),
    }
}

fn warn_bad_dates(path: &Path, loaded: &Loaded) {
    if let Some(line) = loaded.first_bad_date_line {
        eprintln!(
            "warning: {}: {} birth date(s) could not be read and are treated as unknown (first at line {line})",
            path.display(),
            loaded.bad_dates
        );
    }
}

fn check_threshold(threshold: Option<f64>) -> anyhow::Result<f64> {
    let t = threshold.unwrap_or(DEFAULT_THRESHOLD);
    if !(0.0..=1.0).contains(&t) {
        bail!("--threshold must be between 0 and 1");
    }
    Ok(t)
}

fn load_corpus(path: &Path, corpus: &mut Corpus, bar: &Bar) -> anyhow::Result<Loaded> {
    bar.stage("reading", 0);
    let loaded = read_records(path, |record, _| {
        corpus.add(record);
        bar.advance(1);
        Ok(())
    })?;
    warn_bad_dates(path, &loaded);
    Ok(loaded)
}

fn create(path: &Path) -> anyhow::Result<BufWriter<File>> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

pub fn link(args: LinkArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let threshold = check_threshold(args.threshold)?;
    let bar = Bar::new();
    let mut corpus = Corpus::new();
    let left = load_corpus(&args.left, &mut corpus, &bar)?;
    let right = load_corpus(&args.right, &mut corpus, &bar)?;
    let mut settings = Settings {
        threshold,
        train: !args.fixed_weights,
        ..Settings::default()
    };
    settings.model.conflict_cap = !args.no_conflict_cap;
    settings.model.date_conflict_cap = !args.no_conflict_cap;
    let top = args.top.map(|k| (k, args.threshold.unwrap_or(0.0)));
    let (pairs, report) = matching::link(&corpus, left.ids.len(), &settings, top, &bar);
    bar.bar.finish_and_clear();
    let mut out = create(&args.output)?;
    let mut writer = csv::Writer::from_writer(&mut out);
    writer.write_record(["left_id", "right_id", "score"])?;
    for pair in &pairs {
        let l = &left.ids[pair.a as usize];
        let r = &right.ids[pair.b as usize - left.ids.len()];
        writer.write_record([l.as_str(), r.as_str(), &format!("{:.6}", pair.probability)])?;
    }
    writer.flush()?;
    drop(writer);
    out.flush()?;
    eprintln!(
        "linked {} × {} records: {} candidate pairs, {} written, {:.2} s",
        left.ids.len(),
        right.ids.len(),
        report.blocking.pairs,
        pairs.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn dedupe(args: DedupeArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let threshold = check_threshold(args.threshold)?;
    let bar = Bar::new();
    let mut corpus = Corpus::new();
    let loaded = load_corpus(&args.records, &mut corpus, &bar)?;
    let mut settings = Settings {
        threshold,
        train: !args.fixed_weights,
        ..Settings::default()
    };
    settings.model.conflict_cap = !args.no_conflict_cap;
    settings.model.date_conflict_cap = !args.no_conflict_cap;
    let (clusters, report) = matching::dedupe(&corpus, &settings, &bar);
    bar.bar.finish_and_clear();
    let mut out = create(&args.output)?;
    let mut writer = csv::Writer::from_writer(&mut out);
    writer.write_record(["id", "cluster_id"])?;
    let mut number = itoa_buffer();
    for (id, cluster) in loaded.ids.iter().zip(&clusters) {
        number.clear();
        number.push_str(&cluster.to_string());
        writer.write_record([id.as_str(), number.as_str()])?;
    }
    writer.flush()?;
    drop(writer);
    out.flush()?;
    let distinct = clusters.iter().copied().max().map_or(0, |m| m as usize + 1);
    eprintln!(
        "deduplicated {} records into {} clusters: {} candidate pairs, {:.2} s",
        loaded.ids.len(),
        distinct,
        report.blocking.pairs,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn itoa_buffer() -> String {
    String::with_capacity(12)
}

/// A free-text query: name words, plus a date (`1990-03-07`), a year (`1990`) or an age (`34`,
/// turned into a birth year from the current year; DATE-5 tolerance applies in scoring).
fn query_record(text: &str, this_year: i32) -> Record {
    let mut record = Record::new("query");
    let mut name = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        if word.is_empty() {
            continue;
        }
        if word
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '.')
            && word.chars().any(|c| c.is_ascii_digit())
        {
            if matching::BirthDate::parse(word).is_ok_and(|d| d.is_known()) {
                word.clone_into(&mut record.birth_date);
            } else if let Ok(age) = word.parse::<i32>()
                && (1..=120).contains(&age)
            {
                record.birth_date = (this_year - age).to_string();
            }
        } else {
            name.push(word);
        }
    }
    record.full_name = name.join(" ");
    record
}

fn build_index(path: &Path, bar: &Bar) -> anyhow::Result<(Index, Duration)> {
    let started = Instant::now();
    let mut index = Index::new();
    bar.stage("indexing", 0);
    let loaded = read_records(path, |record, line| {
        index
            .insert(record)
            .map_err(|e| anyhow::anyhow!("{}: line {line}: {e}", path.display()))?;
        bar.advance(1);
        Ok(())
    })?;
    warn_bad_dates(path, &loaded);
    bar.stage("calibrating", 0);
    index.calibrate();
    Ok((index, started.elapsed()))
}

pub fn search(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let bar = Bar::new();
    let (mut index, built) = build_index(&args.records, &bar)?;
    bar.bar.finish_and_clear();
    if let Some(queries) = &args.queries {
        let output = args.output.as_deref().context("--queries needs --output")?;
        let mut out = create(output)?;
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(["query_id", "id", "rank", "score"])?;
        let mut latencies: Vec<Duration> = Vec::new();
        let mut total = Duration::ZERO;
        let mut rows: Vec<[String; 4]> = Vec::new();
        read_records(queries, |query, _| {
            let started = Instant::now();
            let hits = index.search(query, args.top);
            let elapsed = started.elapsed();
            latencies.push(elapsed);
            total += elapsed;
            for (rank, hit) in hits.iter().enumerate() {
                rows.push([
                    query.id.clone(),
                    hit.id.clone(),
                    (rank + 1).to_string(),
                    format!("{:.6}", hit.probability),
                ]);
            }
            Ok(())
        })?;
        for row in &rows {
            writer.write_record(row)?;
        }
        writer.flush()?;
        drop(writer);
        out.flush()?;
        latencies.sort_unstable();
        let at = |q: f64| {
            latencies
                .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
                .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        };
        let per_second = if total.is_zero() {
            0.0
        } else {
            latencies.len() as f64 / total.as_secs_f64()
        };
        eprintln!(
            "{} queries against {} records (index built in {:.2} s): p50 {:.3} ms, p99 {:.3} ms, {:.0} queries/s",
            latencies.len(),
            index.len(),
            built.as_secs_f64(),
            at(0.5),
            at(0.99),
            per_second
        );
        return Ok(ExitCode::SUCCESS);
    }
    let Some(text) = &args.query else {
        bail!("give a query, or --queries FILE.csv with --output");
    };
    let this_year = time::OffsetDateTime::now_utc().year();
    let query = query_record(text, this_year);
    if !query.has_name() {
        bail!("the query has no name");
    }
    let started = Instant::now();
    let hits = index.search(&query, args.top);
    let elapsed = started.elapsed();
    if hits.is_empty() {
        println!("no candidates");
    }
    for (rank, hit) in hits.iter().enumerate() {
        println!(
            "{}. {}  probability {:.3}",
            rank + 1,
            hit.id,
            hit.probability
        );
        for line in hit.explanation.sentences() {
            println!("     {line}");
        }
    }
    eprintln!(
        "searched {} records in {:.2} ms (index built in {:.2} s)",
        index.len(),
        elapsed.as_secs_f64() * 1000.0,
        built.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
#[path = "fuzz_linkage.rs"]
mod fuzz_linkage;

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> anyhow::Result<Vec<Record>> {
        let mut out = Vec::new();
        read_records_from(text.as_bytes(), Path::new("t.csv"), &mut |r, _| {
            out.push(r.clone());
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn reads_any_column_order_with_a_bom_and_unknown_columns() {
        let records =
            read("\u{feff}family_name,extra,id,given_name\nKovalenko,x,7,Oleksandr\n").unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].id, "7");
        assert_eq!(records[0].family_name, "Kovalenko");
        assert_eq!(records[0].given_name, "Oleksandr");
    }

    #[test]
    fn errors_name_the_line() {
        let error = read("id,full_name\n1,A B\n2,C D,extra\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("line 3"), "{error}");
        let error = read("id,full_name\n1,A B\n1,C D\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("line 3") && error.contains("duplicate"),
            "{error}"
        );
        let error = read("id,full_name\n1,\n").unwrap_err().to_string();
        assert!(
            error.contains("line 2") && error.contains("no name"),
            "{error}"
        );
        let error = read("full_name\nA B\n").unwrap_err().to_string();
        assert!(error.contains("no `id` column"), "{error}");
        let error = read("id,full_name\n,A B\n").unwrap_err().to_string();
        assert!(
            error.contains("line 2") && error.contains("no id"),
            "{error}"
        );
    }

    #[test]
    fn a_query_reads_dates_years_and_ages() {
        let q = query_record("Alexander Kovalenko, 34", 2026);
        assert_eq!(q.full_name, "Alexander Kovalenko");
        assert_eq!(q.birth_date, "1992");
        let q = query_record("Коваленко 1990-03-07", 2026);
        assert_eq!(q.birth_date, "1990-03-07");
        let q = query_record("Коваленко 1990", 2026);
        assert_eq!(q.birth_date, "1990");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// The reader never panics, whatever the bytes: it returns records or an error.
        #[test]
        fn the_reader_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let mut text = b"id,full_name,birth_date,service_number\n".to_vec();
            text.extend_from_slice(&body);
            let mut count = 0;
            let _ = read_records_from(text.as_slice(), Path::new("p.csv"), &mut |r, _| {
                assert!(!r.id.is_empty());
                count += 1;
                Ok(())
            });
        }

        /// Well-formed rows of arbitrary text are read back as written.
        #[test]
        fn quoted_fields_round_trip(name in "[^\\x00]{1,60}", id in "[a-z0-9]{1,8}") {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(["id", "full_name"]).unwrap();
            writer.write_record([id.as_str(), name.as_str()]).unwrap();
            let bytes = writer.into_inner().unwrap();
            let mut records = Vec::new();
            let result = read_records_from(bytes.as_slice(), Path::new("p.csv"), &mut |r, _| {
                records.push(r.clone());
                Ok(())
            });
            if name.chars().any(char::is_alphanumeric) {
                proptest::prop_assert!(result.is_ok());
                proptest::prop_assert_eq!(&records[0].full_name, &name);
            } else {
                proptest::prop_assert!(result.is_err());
            }
        }
    }
}
