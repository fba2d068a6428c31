//! Times the engine's stages, for speed work from measurement (not a product command):
//!
//! ```sh
//! cargo run --release -p whereabouts-matching --example stages -- link LEFT.csv RIGHT.csv OUT.csv [--no-conflict-cap] [--threads N]
//! cargo run --release -p whereabouts-matching --example stages -- dedupe RECORDS.csv OUT.csv [--no-conflict-cap] [--threads N]
//! cargo run --release -p whereabouts-matching --example stages -- search RECORDS.csv QUERIES.csv OUT.csv [--rounds N] [--explain FILE]
//! cargo run --release -p whereabouts-matching --example stages -- read RECORDS.csv
//! ```
//!
//! Writes the same CSV files as the CLI (so `bench/matching/score.py` scores them) and prints
//! every stage's wall time, the process's CPU time in it (all threads; under load this is the
//! figure to compare) and the candidate count to standard error. Under
//! `valgrind --tool=callgrind` use `--threads 1` so the counts are of one thread, and set
//! `WHEREABOUTS_STAGES_NO_CPU=1`: rustix reads the CPU clocks through the vDSO, which valgrind
//! does not map (the process dies with SIGSEGV in `check_elf_base`); CPU times then print as 0.

use std::error::Error;
use std::sync::Mutex;
use std::time::{Duration, Instant};

// The allocator of the `whereabouts` binary, so that the stages time what the CLI does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use whereabouts_matching as matching;

use matching::{Corpus, Index, Progress, Record, Settings};

struct Clock {
    started: Instant,
    current: Mutex<Option<(&'static str, Instant, Duration)>>,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            started: Instant::now(),
            current: Mutex::new(None),
        }
    }

    fn close(&self) {
        if let Some((name, at, cpu)) = self.current.lock().unwrap().take() {
            eprintln!(
                "  {name:<14} {:>8.3} s wall {:>8.3} s CPU",
                at.elapsed().as_secs_f64(),
                process_cpu().saturating_sub(cpu).as_secs_f64()
            );
        }
    }

    fn open(&self, name: &'static str) {
        self.close();
        *self.current.lock().unwrap() = Some((name, Instant::now(), process_cpu()));
    }
}

impl Progress for Clock {
    fn stage(&self, name: &'static str, _total: u64) {
        self.open(name);
    }
}

fn read(path: &str, mut each: impl FnMut(&Record)) -> Result<Vec<String>, Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers: Vec<String> = reader
        .headers()?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let mut ids = Vec::new();
    let mut record = Record::default();
    for row in reader.records() {
        let row = row?;
        record = Record::default();
        for (column, value) in headers.iter().zip(row.iter()) {
            record.set(column, value);
        }
        ids.push(record.id.clone());
        each(&record);
    }
    drop(record);
    Ok(ids)
}

/// Whether the CPU clocks are off (`WHEREABOUTS_STAGES_NO_CPU`, for valgrind).
fn no_cpu_clock() -> bool {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *OFF.get_or_init(|| std::env::var_os("WHEREABOUTS_STAGES_NO_CPU").is_some())
}

/// CPU time of the whole process so far (all threads): a stage's work whatever the load.
fn process_cpu() -> Duration {
    if no_cpu_clock() {
        return Duration::ZERO;
    }
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// CPU time of this thread so far: a query's cost without the time other processes held the
/// core (the machine is shared, so wall-clock percentiles measure the scheduler).
fn thread_cpu() -> Duration {
    if no_cpu_clock() {
        return Duration::ZERO;
    }
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

fn percentiles(what: &str, mut latencies: Vec<Duration>) {
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let total: Duration = latencies.iter().sum();
    eprintln!(
        "{} queries, {what}: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms, {:.0} queries/s",
        latencies.len(),
        at(0.5),
        at(0.99),
        at(1.0),
        latencies.len() as f64 / total.as_secs_f64().max(1e-9)
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let number = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let mut settings = Settings::default();
    settings.model.conflict_cap = !flag("--no-conflict-cap");
    if let Some(t) = number("--threads") {
        settings.threads = t;
    }
    let clock = Clock::new();
    let mut corpus = Corpus::new();
    match args.first().map(String::as_str) {
        Some("link") if args.len() >= 4 => {
            clock.open("read");
            let left = read(&args[1], |r| {
                corpus.add(r);
            })?;
            let right = read(&args[2], |r| {
                corpus.add(r);
            })?;
            let (pairs, report) = matching::link(&corpus, left.len(), &settings, None, &clock);
            clock.open("write");
            let mut out = csv::Writer::from_path(&args[3])?;
            out.write_record(["left_id", "right_id", "score"])?;
            for p in &pairs {
                out.write_record([
                    left[p.a as usize].as_str(),
                    right[p.b as usize - left.len()].as_str(),
                    &format!("{:.6}", p.probability),
                ])?;
            }
            out.flush()?;
            clock.close();
            eprintln!("{:?}", report.blocking);
        }
        Some("read") if args.len() >= 2 => {
            // Reading and analysis alone (`Corpus::add`), for measuring them under
            // `perf stat` without the stages after.
            clock.open("read");
            let ids = read(&args[1], |r| {
                corpus.add(r);
            })?;
            clock.close();
            eprintln!("{} records", ids.len());
        }
        Some("dedupe") if args.len() >= 3 => {
            clock.open("read");
            let ids = read(&args[1], |r| {
                corpus.add(r);
            })?;
            let (clusters, report) = matching::dedupe(&corpus, &settings, &clock);
            clock.open("write");
            let mut out = csv::Writer::from_path(&args[2])?;
            out.write_record(["id", "cluster_id"])?;
            for (id, cluster) in ids.iter().zip(&clusters) {
                out.write_record([id.as_str(), &cluster.to_string()])?;
            }
            out.flush()?;
            clock.close();
            eprintln!("{:?}", report.blocking);
        }
        Some("search") if args.len() >= 4 => {
            clock.open("index");
            let mut index = Index::new();
            read(&args[1], |r| {
                let _ = index.insert(r);
            })?;
            clock.open("calibrate");
            index.calibrate();
            clock.open("queries");
            let mut out = csv::Writer::from_path(&args[3])?;
            out.write_record(["query_id", "id", "rank", "score"])?;
            let mut latencies: Vec<Duration> = Vec::new();
            let mut cpu: Vec<Duration> = Vec::new();
            // `--rounds N` runs the queries N times (hits written once), so that a profiler
            // attached after the index is built (`perf record --delay`) sees mostly queries.
            let rounds = number("--rounds").unwrap_or(1).max(1);
            let mut queries = Vec::new();
            read(&args[2], |q| queries.push(q.clone()))?;
            // `--explain FILE` writes every hit's explanation (for checking that a change to
            // the explanations' code keeps their text).
            let mut explain = match args.iter().position(|a| a == "--explain") {
                Some(i) => Some(std::io::BufWriter::new(std::fs::File::create(
                    args.get(i + 1).ok_or("--explain needs a file")?,
                )?)),
                None => None,
            };
            for round in 0..rounds {
                for q in &queries {
                    let at = Instant::now();
                    let cpu_at = thread_cpu();
                    let hits = index.search(q, 10);
                    let spent = thread_cpu().saturating_sub(cpu_at);
                    if spent > Duration::from_millis(20) {
                        eprintln!(
                            "  slow query {} (#{}): {:.1} ms CPU",
                            q.id,
                            cpu.len() + 1,
                            spent.as_secs_f64() * 1e3
                        );
                    }
                    cpu.push(spent);
                    latencies.push(at.elapsed());
                    if round > 0 {
                        continue;
                    }
                    for (rank, hit) in hits.iter().enumerate() {
                        if let Some(file) = explain.as_mut() {
                            use std::io::Write;
                            writeln!(
                                file,
                                "{} {} {}\n{}",
                                q.id,
                                rank + 1,
                                hit.id,
                                hit.explanation
                            )?;
                        }
                        out.write_record([
                            q.id.as_str(),
                            hit.id.as_str(),
                            &(rank + 1).to_string(),
                            &format!("{:.6}", hit.probability),
                        ])?;
                    }
                }
            }
            out.flush()?;
            clock.close();
            percentiles("wall", latencies);
            percentiles("thread CPU", cpu);
        }
        _ => {
            eprintln!(
                "usage: stages link LEFT RIGHT OUT | dedupe RECORDS OUT | search RECORDS QUERIES OUT | read RECORDS [--no-conflict-cap] [--threads N]"
            );
            std::process::exit(2);
        }
    }
    eprintln!("total {:.3} s", clock.started.elapsed().as_secs_f64());
    Ok(())
}
