//! A diagnostic for tuning the engine from measurement (not a product command):
//!
//! ```sh
//! cargo run --release -p whereabouts-matching --example diagnose -- \
//!     link LEFT.csv RIGHT.csv OUT.csv [--fixed] [--threshold P] [--all]
//! cargo run --release -p whereabouts-matching --example diagnose -- \
//!     dedupe RECORDS.csv OUT.csv [--fixed] [--threshold P]
//! ```
//!
//! Prints the trained model (m, u and weight per feature and level) to standard error and
//! writes the pairs (link) or clusters (dedupe) like the CLI, link pairs with an extra
//! `explanation` column. `--all` writes every candidate pair with its score, whatever the
//! threshold, so the bench's truth can be joined to find the errors and their causes.

use std::error::Error;

use whereabouts_matching as matching;

use matching::{Corpus, Feature, Model, Record, Settings, Silent};

fn read(path: &str, corpus: &mut Corpus) -> Result<Vec<String>, Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers: Vec<String> = reader
        .headers()?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let mut ids = Vec::new();
    for row in reader.records() {
        let row = row?;
        let mut record = Record::default();
        for (column, value) in headers.iter().zip(row.iter()) {
            record.set(column, value);
        }
        ids.push(record.id.clone());
        corpus.add(&record);
    }
    Ok(ids)
}

fn print_model(model: &Model) {
    eprintln!(
        "prior {:.5} ({:+.2} bits)",
        model.prior,
        model.prior_weight()
    );
    for feature in Feature::ALL {
        let f = feature as usize;
        let cells: Vec<String> = (1..feature.levels())
            .map(|level| {
                format!(
                    "{}={:+.1} (m {:.3} u {:.4})",
                    feature.level_code(level as u8),
                    model.weight(feature, level as u8),
                    model.m[f][level],
                    model.u[f][level]
                )
            })
            .collect();
        eprintln!("{}: {}", feature.label(), cells.join(", "));
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<f64>().ok())
    };
    let mut settings = Settings {
        train: !flag("--fixed"),
        ..Settings::default()
    };
    settings.model.conflict_cap = !flag("--no-conflict-cap");
    if let Some(t) = value("--threshold") {
        settings.threshold = t;
    }
    let mut corpus = Corpus::new();
    match args.first().map(String::as_str) {
        Some("link") if args.len() >= 4 => {
            let left = read(&args[1], &mut corpus)?;
            let right = read(&args[2], &mut corpus)?;
            let top = flag("--all").then_some((usize::MAX, 0.0));
            let (pairs, report) = matching::link(&corpus, left.len(), &settings, top, &Silent);
            print_model(&report.model);
            eprintln!("{:?}", report.blocking);
            let mut out = csv::Writer::from_path(&args[3])?;
            out.write_record(["left_id", "right_id", "score", "explanation"])?;
            for p in &pairs {
                let (a, b) = (p.a as usize, p.b as usize);
                let comparison = matching::compare_records(&corpus, a, b);
                let explanation = report.model.explain(
                    &corpus,
                    corpus.features(a),
                    corpus.features(b),
                    &comparison,
                );
                out.write_record([
                    left[a].as_str(),
                    right[b - left.len()].as_str(),
                    &format!("{:.6}", p.probability),
                    &explanation.sentences().join("; "),
                ])?;
            }
            out.flush()?;
        }
        Some("dedupe") if args.len() >= 3 => {
            let ids = read(&args[1], &mut corpus)?;
            let (clusters, report) = matching::dedupe(&corpus, &settings, &Silent);
            print_model(&report.model);
            eprintln!("{:?}", report.blocking);
            let mut out = csv::Writer::from_path(&args[2])?;
            out.write_record(["id", "cluster_id"])?;
            for (id, cluster) in ids.iter().zip(&clusters) {
                out.write_record([id.as_str(), &cluster.to_string()])?;
            }
            out.flush()?;
        }
        _ => {
            eprintln!(
                "usage: diagnose link LEFT RIGHT OUT [--fixed] [--threshold P] [--all] | dedupe RECORDS OUT [--fixed] [--threshold P]"
            );
            std::process::exit(2);
        }
    }
    Ok(())
}
