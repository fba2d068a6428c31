//! A diagnostic for tuning the engine from measurement (not a product command):
//!
//! ```sh
//! cargo run --release -p whereabouts-matching --example diagnose -- \
//!     link LEFT.csv RIGHT.csv OUT.csv [--fixed] [--threshold P] [--all] [--truth TRUTH.csv]
//! cargo run --release -p whereabouts-matching --example diagnose -- \
//!     dedupe RECORDS.csv OUT.csv [--fixed] [--threshold P]
//! cargo run --release -p whereabouts-matching --example diagnose -- \
//!     search RECORDS.csv QUERIES.csv TRUTH.csv [--top K] [--show N]
//! ```
//!
//! `search` builds the index like `whereabouts search`, runs every query (the queries file has
//! a `truth_cluster` column, the truth file `id,cluster_id`) and sorts each miss at `--top K`
//! (10) by where the person was lost: no search key shared with any of their records
//! (candidate generation), shared but cut by `SEARCH_BUDGET` (candidate ranking), or compared
//! and scored below K others (scoring); it prints the counts and `--show N` (5) examples of
//! each, with the explanations of the person's record and of the hit that outranked it.
//!
//! Prints the trained model (m, u and weight per feature and level) to standard error and
//! writes the pairs (link) or clusters (dedupe) like the CLI, link pairs with an extra
//! `explanation` column. `--all` writes every candidate pair with its score, whatever the
//! threshold, so the bench's truth can be joined to find the errors and their causes.

use std::error::Error;

use whereabouts_matching as matching;

use std::collections::HashMap;

use matching::{Corpus, Feature, Index, Model, Record, Settings, Silent};

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

/// The sentences, and where the probability was shared with a rival candidate, why.
fn rival_note(sentences: &[String], rival: bool) -> Vec<String> {
    let mut out = sentences.to_vec();
    if rival {
        out.push(
            "another candidate, a different person, fits too: the probability is shared".into(),
        );
    }
    out
}

/// The comparison's levels as `feature=code` (for joining with the truth by pattern).
fn level_codes(comparison: &matching::Comparison) -> String {
    Feature::ALL
        .iter()
        .map(|&f| format!("{}={}", f.label(), f.level_code(comparison.level(f))))
        .collect::<Vec<_>>()
        .join(" ")
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
    if let Some(namesakes) = &model.namesakes {
        eprintln!(
            "namesakes: given and family names together {:+.2} bits (independent {:.3e}, excess {:.3e}, labelled {})",
            namesakes.joint, namesakes.independent, namesakes.excess, namesakes.labelled
        );
        for feature in matching::NAMESAKE_FEATURES {
            let f = feature as usize;
            let cells: Vec<String> = (1..feature.levels())
                .map(|level| {
                    let mut levels = [0u8; matching::FEATURES];
                    levels[Feature::GivenName as usize] = 1;
                    levels[Feature::FamilyName as usize] = 1;
                    levels[f] = level as u8;
                    format!(
                        "{}={:+.1} (u {:.4})",
                        feature.level_code(level as u8),
                        model.weight_in(feature, &levels),
                        namesakes.u[f][level]
                    )
                })
                .collect();
            eprintln!(
                "  {} among namesakes: {}",
                feature.label(),
                cells.join(", ")
            );
        }
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
    settings.model.date_conflict_cap = !flag("--no-date-cap");
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
            out.write_record([
                "left_id",
                "right_id",
                "score",
                "explanation",
                "levels",
                "weight",
            ])?;
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
                    &rival_note(&explanation.sentences(), p.rival).join("; "),
                    &level_codes(&comparison),
                    &format!("{:.2}", explanation.weight),
                ])?;
            }
            out.flush()?;
            // `--truth TRUTH.csv`: every true pair that is not a candidate, scored directly
            // (no rival sharing), with its comparison levels, to OUT.missed.csv: is candidate
            // generation or the scoring what loses it? (`bench/matching/ceiling.py --missed`
            // reads it for the ceiling with every true pair a candidate.)
            if let Some(i) = args.iter().position(|a| a == "--truth")
                && let Some(path) = args.get(i + 1)
            {
                let mut cluster_of: HashMap<String, String> = HashMap::new();
                for row in csv::Reader::from_path(path)?.records() {
                    let row = row?;
                    cluster_of.insert(row[0].to_owned(), row[1].to_owned());
                }
                let candidates: std::collections::HashSet<(u32, u32)> =
                    pairs.iter().map(|p| (p.a, p.b)).collect();
                let mut by_cluster: HashMap<&str, (Vec<usize>, Vec<usize>)> = HashMap::new();
                for (i, id) in left.iter().chain(&right).enumerate() {
                    if let Some(c) = cluster_of.get(id) {
                        let entry = by_cluster.entry(c.as_str()).or_default();
                        if i < left.len() {
                            entry.0.push(i);
                        } else {
                            entry.1.push(i);
                        }
                    }
                }
                let mut out = csv::Writer::from_path(format!("{}.missed.csv", args[3]))?;
                out.write_record(["left_id", "right_id", "score", "explanation", "levels"])?;
                let mut missed = 0;
                let mut above = 0;
                for (ls, rs) in by_cluster.values() {
                    for &a in ls {
                        for &b in rs {
                            if candidates.contains(&(a as u32, b as u32)) {
                                continue;
                            }
                            let comparison = matching::compare_records(&corpus, a, b);
                            let explanation = report.model.explain(
                                &corpus,
                                corpus.features(a),
                                corpus.features(b),
                                &comparison,
                            );
                            let score = report.model.score(&corpus, &comparison);
                            missed += 1;
                            if score.probability >= settings.threshold {
                                above += 1;
                            }
                            out.write_record([
                                left[a].as_str(),
                                right[b - left.len()].as_str(),
                                &format!("{:.6}", score.probability),
                                &explanation.sentences().join("; "),
                                &level_codes(&comparison),
                            ])?;
                        }
                    }
                }
                out.flush()?;
                eprintln!(
                    "true pairs not candidates: {missed}, of which {above} would score at or above the threshold"
                );
            }
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
        Some("search") if args.len() >= 4 => search(&args)?,
        _ => {
            eprintln!(
                "usage: diagnose search RECORDS QUERIES TRUTH [--top K] [--show N] | link LEFT RIGHT OUT [--fixed] [--threshold P] [--all] | dedupe RECORDS OUT [--fixed] [--threshold P]"
            );
            std::process::exit(2);
        }
    }
    Ok(())
}

fn search(args: &[String]) -> Result<(), Box<dyn Error>> {
    let value = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(default)
    };
    let (top, show) = (value("--top", 10), value("--show", 5));
    let mut truth: HashMap<String, String> = HashMap::new();
    for row in csv::Reader::from_path(&args[3])?.records() {
        let row = row?;
        truth.insert(row[0].to_owned(), row[1].to_owned());
    }
    let mut index = Index::new();
    let mut cluster_of: Vec<String> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mut reader = csv::Reader::from_path(&args[1])?;
    let headers: Vec<String> = reader
        .headers()?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    for row in reader.records() {
        let row = row?;
        let mut record = Record::default();
        for (column, value) in headers.iter().zip(row.iter()) {
            record.set(column, value);
        }
        cluster_of.push(truth.get(&record.id).cloned().unwrap_or_default());
        ids.push(record.id.clone());
        index.insert(&record)?;
    }
    index.calibrate();
    let mut reader = csv::Reader::from_path(&args[2])?;
    let headers: Vec<String> = reader
        .headers()?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut shown: HashMap<&str, usize> = HashMap::new();
    let mut queries = 0;
    // Records ranked (sharing a key, after the posting-list filtering) and compared, per query.
    let (mut ranked, mut compared): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    let mut person_ranks: Vec<usize> = Vec::new();
    for row in reader.records() {
        let row = row?;
        let mut record = Record::default();
        let mut want = String::new();
        for (column, value) in headers.iter().zip(row.iter()) {
            if column == "truth_cluster" {
                want = value.to_owned();
            } else {
                record.set(column, value);
            }
        }
        queries += 1;
        // Every compared record, scored and ranked, so the person's rank is known.
        let trace = index.search_trace(&record, matching::SEARCH_BUDGET);
        ranked.push(trace.ranking.len());
        compared.push(trace.compared.len());
        let is_true = |r: usize| !want.is_empty() && cluster_of[r] == want;
        let rank = trace.hits.iter().position(|h| is_true(h.index));
        // The person's best candidate rank (1-based), for choosing the budget: a search with a
        // budget of B compares the person when this is at most B.
        {
            let mut order: Vec<(f32, usize)> = trace.ranking.clone();
            order.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            if let Some(at) = order.iter().position(|&(_, r)| is_true(r)) {
                if rank.is_some_and(|r| r < top) {
                    person_ranks.push(at + 1);
                }
                if at + 1 > 150 {
                    println!(
                        "   deep: query {} person at candidate rank {} of {}",
                        record.id,
                        at + 1,
                        order.len()
                    );
                }
            }
        }
        if rank.is_some_and(|r| r < top) {
            *counts.entry("found").or_default() += 1;
            continue;
        }
        let cause = if !cluster_of.contains(&want) {
            "no record of the person"
        } else if !trace.sharing.iter().any(|&r| is_true(r)) {
            "candidate generation: no key shared"
        } else if rank.is_none() {
            "candidate ranking: cut by the budget"
        } else {
            "scoring: outranked"
        };
        *counts.entry(cause).or_default() += 1;
        let seen = shown.entry(cause).or_default();
        if *seen < show {
            *seen += 1;
            println!(
                "== {cause}: query {} ({} sharing a key, {} compared)",
                record.id,
                trace.sharing.len(),
                trace.compared.len()
            );
            println!(
                "   query: {} | {} {} {} | {} | fa={} | sn={}",
                record.full_name,
                record.given_name,
                record.patronymic,
                record.family_name,
                record.birth_date,
                record.father_name,
                record.service_number
            );
            for (label, hit) in [
                ("top hit", trace.hits.first()),
                ("10th hit", trace.hits.get(top - 1)),
            ] {
                if let Some(hit) = hit {
                    println!(
                        "   {label} {:.4}: {}",
                        hit.probability,
                        hit.explanation.sentences().join("; ")
                    );
                }
            }
            let members: Vec<&str> = (0..cluster_of.len())
                .filter(|&r| is_true(r))
                .map(|r| ids[r].as_str())
                .collect();
            println!("   person's records: {}", members.join(", "));
            if let Some(at) = trace.ranking.iter().position(|&(_, r)| is_true(r)) {
                let cut = trace
                    .ranking
                    .get(matching::SEARCH_BUDGET - 1)
                    .map_or(f32::NAN, |x| x.0);
                println!(
                    "   candidate rank {} of {} ({:.1}; the budget's last {:.1})",
                    at + 1,
                    trace.ranking.len(),
                    trace.ranking[at].0,
                    cut
                );
            }
            if let Some(r) = rank {
                let hit = &trace.hits[r];
                println!(
                    "   person at rank {} {:.4}: {}",
                    r + 1,
                    hit.probability,
                    hit.explanation.sentences().join("; ")
                );
            }
        }
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort();
    println!("{queries} queries at top {top}:");
    for (cause, n) in counts {
        println!("  {n:6}  {cause}");
    }
    for budget in [50, 100, 150, 200, 250, 300, 400] {
        println!(
            "found at the top {top} and within candidate rank {budget}: {}",
            person_ranks.iter().filter(|&&r| r <= budget).count()
        );
    }
    for (what, mut counts) in [("ranked", ranked), ("compared", compared)] {
        counts.sort_unstable();
        let at = |q: f64| {
            counts
                .get(((counts.len() as f64 - 1.0) * q) as usize)
                .copied()
        };
        println!(
            "records {what} per query: mean {:.0}, p50 {}, p90 {}, p99 {}",
            counts.iter().sum::<usize>() as f64 / counts.len().max(1) as f64,
            at(0.5).unwrap_or(0),
            at(0.9).unwrap_or(0),
            at(0.99).unwrap_or(0)
        );
    }
    Ok(())
}
