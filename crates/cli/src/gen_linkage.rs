//! `whereabouts gen linkage`: the record-linkage benchmark data (`bench/matching`): the same
//! fictional persons written by several sources in several scripts and spellings, with the truth
//! and a per-record corruption log. See `synth::write_linkage`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

#[derive(Args)]
pub struct LinkageArgs {
    /// The same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many records `records.csv` holds (e.g. 10000, 100k, 1m).
    #[arg(long, value_parser = parse_count, default_value = "10000")]
    pub records: usize,
    /// How many tracing-request queries `queries.csv` holds.
    #[arg(long, value_parser = parse_count, default_value = "2000")]
    pub queries: usize,
    /// The directory written: records.csv, left.csv, right.csv, truth.csv, corruptions.csv,
    /// queries.csv.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// A count written as `10000`, `10k` or `1m`.
fn parse_count(text: &str) -> Result<usize, String> {
    let lower = text.trim().to_ascii_lowercase();
    let (digits, factor) = if let Some(d) = lower.strip_suffix('k') {
        (d, 1_000)
    } else if let Some(d) = lower.strip_suffix('m') {
        (d, 1_000_000)
    } else {
        (lower.as_str(), 1)
    };
    let value: usize = digits
        .replace('_', "")
        .parse()
        .map_err(|_| format!("{text:?} is not a count (write 10000, 10k or 1m)"))?;
    value
        .checked_mul(factor)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("{text:?} must be a positive count"))
}

pub fn run(args: &LinkageArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let summary = synth::write_linkage(
        &synth::LinkageConfig {
            seed: args.seed,
            records: args.records,
            queries: args.queries,
        },
        &args.out,
    )
    .with_context(|| format!("writing the linkage data set into {}", args.out.display()))?;
    println!(
        "{}: {} records of {} persons ({} left, {} right), {} queries, {} namesakes, {} fathers and sons (seed {}) in {:.1} s",
        args.out.display(),
        summary.records,
        summary.persons,
        summary.left,
        summary.right,
        summary.queries,
        summary.namesakes,
        summary.fathers_and_sons,
        args.seed,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::parse_count;

    #[test]
    fn counts_take_suffixes() {
        assert_eq!(parse_count("10000"), Ok(10_000));
        assert_eq!(parse_count("10k"), Ok(10_000));
        assert_eq!(parse_count("1M"), Ok(1_000_000));
        assert!(parse_count("0").is_err());
        assert!(parse_count("ten").is_err());
    }
}
