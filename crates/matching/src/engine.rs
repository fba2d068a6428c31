//! Batch linkage and deduplication over a [`Corpus`]: candidates, training, scoring,
//! clustering. The comparison and the model are the ones the [`crate::Index`] uses.

use rustc_hash::FxHashMap;

use crate::analysis::Corpus;
use crate::blocking::{BlockingStats, candidate_pairs_threads};
use crate::cluster::{PairScorer, cluster};
use crate::compare::{Comparison, Feature, compare};
use crate::date::DateLevel;
use crate::model::{DEFAULT_THRESHOLD, Model, STRONG_CONFLICT_CAP, date_conflict, probability_of};

/// Reports progress of long runs; the pure crate only calls it.
pub trait Progress: Sync {
    /// A new stage with `total` steps.
    fn stage(&self, _name: &'static str, _total: u64) {}
    /// `steps` more steps of the current stage are done.
    fn advance(&self, _steps: u64) {}
}

/// No progress reporting.
pub struct Silent;

impl Progress for Silent {}

/// How a batch run scores.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Probability at or above which a pair is a match.
    pub threshold: f64,
    /// Estimate u from random pairs and m by EM; otherwise use `model` as configured.
    pub train: bool,
    /// EM iterations.
    pub em_iterations: usize,
    /// Random pairs drawn to estimate u.
    pub u_samples: usize,
    /// Starting (or, without training, fixed) model.
    pub model: Model,
    /// Worker threads for comparisons (1 = this thread only).
    pub threads: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            threshold: DEFAULT_THRESHOLD,
            train: true,
            em_iterations: 8,
            u_samples: 200_000,
            model: Model::default(),
            threads: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }
}

/// A scored candidate pair (record indices into the corpus).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredPair {
    /// Lower record index (the left record in a link).
    pub a: u32,
    /// Higher record index (the right record in a link).
    pub b: u32,
    /// Match probability.
    pub probability: f64,
    /// A hard conflict ([`hard_conflict`]): never in one cluster.
    pub conflict: bool,
    /// Link only: another left candidate of the right record, shown to be a different person,
    /// fits too, and the probability was shared with it (`exclude_rivals`).
    pub rival: bool,
}

/// What a batch run produced besides its result.
#[derive(Clone, Debug)]
pub struct RunReport {
    /// Candidate generation.
    pub blocking: BlockingStats,
    /// The model after training.
    pub model: Model,
}

/// Candidate pairs whose second records are read ahead at once (`Corpus::warm`): a few hundred
/// records' features and tokens stay in the cache until compared.
const WARM_BLOCK: usize = 256;

/// Per pair: the comparison pattern and the term-frequency weight.
struct Compared {
    patterns: Vec<u64>,
    tf: Vec<f32>,
}

fn compare_all(
    corpus: &Corpus,
    pairs: &[u64],
    model: &Model,
    threads: usize,
    progress: &dyn Progress,
) -> Compared {
    progress.stage("compare", pairs.len() as u64);
    let threads = threads.clamp(1, 16);
    let chunk = pairs.len().div_ceil(threads).max(1);
    let mut patterns = vec![0u64; pairs.len()];
    let mut tf = vec![0f32; pairs.len()];
    std::thread::scope(|scope| {
        for ((pair_chunk, pattern_chunk), tf_chunk) in pairs
            .chunks(chunk)
            .zip(patterns.chunks_mut(chunk))
            .zip(tf.chunks_mut(chunk))
        {
            scope.spawn(move || {
                for (i, &pair) in pair_chunk.iter().enumerate() {
                    // The pairs come sorted by their first record, so the second is the one
                    // all over memory: its data is read ahead a block at a time
                    // (`Corpus::warm`). Measured in one run, alternate blocks with and without
                    // (synthetic 1M dedupe, two threads): 0.946 and 0.937 of the time.
                    if i % WARM_BLOCK == 0 {
                        let block = &pair_chunk[i..(i + WARM_BLOCK).min(pair_chunk.len())];
                        corpus.warm(block.iter().map(|&p| (p & 0xffff_ffff) as usize));
                    }
                    let (a, b) = ((pair >> 32) as usize, (pair & 0xffff_ffff) as usize);
                    let c = compare(corpus, corpus.features(a), corpus.features(b));
                    pattern_chunk[i] = c.pattern();
                    tf_chunk[i] = (model.term_frequency_adjustment(
                        corpus,
                        Feature::GivenName,
                        c.level(Feature::GivenName),
                        c.given_pair,
                    ) + model.term_frequency_adjustment(
                        corpus,
                        Feature::FamilyName,
                        c.level(Feature::FamilyName),
                        c.family_pair,
                    )) as f32;
                    if i % 65_536 == 65_535 {
                        progress.advance(65_536);
                    }
                }
            });
        }
    });
    Compared { patterns, tf }
}

fn pattern_probability(model: &Model, pattern: u64, tf: f32) -> f64 {
    let levels = Comparison::levels_of(pattern);
    let tf = f64::from(tf);
    let weight = model.prior_weight() + tf + model.levels_weight_tf(&levels, tf);
    let capped = model.capped(&levels);
    let p = probability_of(weight);
    if capped {
        p.min(STRONG_CONFLICT_CAP)
    } else {
        p
    }
}

fn pattern_conflict(pattern: u64, strong: bool, dates: bool) -> bool {
    let levels = Comparison::levels_of(pattern);
    // Birth years far apart are a father and a son of the same name, unless the service
    // number agrees: a father and his son do not share one, so then the date is mistyped.
    // With `dates`, so is any birth-date conflict that no slip explains (namesakes).
    let far = levels[Feature::BirthDate as usize] == DateLevel::Far as u8;
    strong
        && Feature::ALL
            .iter()
            .any(|&f| f.conflict_level() == Some(levels[f as usize]))
        || (dates || far) && date_conflict(&levels)
}

/// Below this many records, the model is not trained from the data.
pub const MIN_RECORDS_TO_TRAIN: usize = 1000;

/// Scores every candidate pair; trains the model first when `settings.train` and the input
/// has at least [`MIN_RECORDS_TO_TRAIN`] records.
fn score_candidates(
    corpus: &Corpus,
    split: Option<usize>,
    settings: &Settings,
    progress: &dyn Progress,
) -> (Vec<ScoredPair>, RunReport) {
    progress.stage("candidates", 0);
    let (pairs, blocking) = candidate_pairs_threads(corpus, split, settings.threads);
    let mut model = settings.model.clone();
    // Estimates from a handful of records are noise (EM on a few pairs drives m and u to the
    // extremes): small inputs are scored with the configured weights.
    let train = settings.train && corpus.len() >= MIN_RECORDS_TO_TRAIN;
    if train {
        progress.stage("estimate u", 0);
        // Enough random pairs for stable u, but not more than a few per record: four per record
        // (measured: FEBRL 1-4 and the synthetic 10k sets score the same as with ten, at less
        // than half the cost; this stage was three quarters of FEBRL4's instructions).
        let samples = settings
            .u_samples
            .min(corpus.len().saturating_mul(4).max(20_000));
        model.estimate_u_threads(corpus, split, samples, settings.threads);
    }
    let compared = compare_all(corpus, &pairs, &model, settings.threads, progress);
    if train {
        progress.stage("train m (EM)", settings.em_iterations as u64);
        let mut counts: FxHashMap<u64, u32> = FxHashMap::default();
        for &p in &compared.patterns {
            *counts.entry(p).or_insert(0) += 1;
        }
        let n = corpus.len() as f64;
        let all_pairs = match split {
            Some(left) => left as f64 * (n - left as f64),
            None => n * (n - 1.0) / 2.0,
        };
        model.train(&counts, all_pairs, settings.em_iterations);
    }
    let scored = pairs
        .iter()
        .zip(compared.patterns.iter().zip(&compared.tf))
        .map(|(&pair, (&pattern, &tf))| ScoredPair {
            a: (pair >> 32) as u32,
            b: (pair & 0xffff_ffff) as u32,
            probability: pattern_probability(&model, pattern, tf),
            conflict: pattern_conflict(pattern, model.conflict_cap, model.date_conflict_cap),
            rival: false,
        })
        .collect();
    (scored, RunReport { blocking, model })
}

/// Links the first `split` records of the corpus (left) with the rest (right). Returns pairs
/// at or above the threshold; with `top = Some(k)`, instead the best `k` candidates of every
/// right record whose probability is at least `min_probability`.
pub fn link(
    corpus: &Corpus,
    split: usize,
    settings: &Settings,
    top: Option<(usize, f64)>,
    progress: &dyn Progress,
) -> (Vec<ScoredPair>, RunReport) {
    let (mut scored, report) = score_candidates(corpus, Some(split), settings, progress);
    exclude_rivals(corpus, &report.model, &mut scored);
    match top {
        None => scored.retain(|p| p.probability >= settings.threshold),
        Some((k, min_probability)) => {
            scored.retain(|p| p.probability >= min_probability);
            scored.sort_by(|x, y| {
                x.b.cmp(&y.b)
                    .then(y.probability.total_cmp(&x.probability))
                    .then(x.a.cmp(&y.a))
            });
            let mut kept = Vec::with_capacity(scored.len());
            let mut current = u32::MAX;
            let mut taken = 0;
            for pair in scored {
                if pair.b != current {
                    current = pair.b;
                    taken = 0;
                }
                if taken < k {
                    kept.push(pair);
                    taken += 1;
                }
            }
            scored = kept;
        }
    }
    scored.sort_by_key(|p| (p.a, p.b));
    (scored, report)
}

/// Below this probability a candidate is no rival worth comparing ([`exclude_rivals`]).
const RIVAL_FLOOR: f64 = 0.01;

/// One record is at most one person: where two of a right record's left candidates (or of a
/// left record's right candidates) are known to be
/// different people (a hard conflict between them, [`hard_conflict`]: a strong identifier or a
/// birth date no slip explains), "it is the first" and "it is the second" exclude each other,
/// and the probability of each is shared with the other. Each pair's probability was computed
/// as if its left record were the only candidate, odds o = p / (1 - p) of "this one" against
/// "not this one"; with a rival of odds r it becomes o / (1 + o + r), the posterior of the
/// hypothesis among "this one", "the rival" and "neither" (the one-to-one constraint of
/// Fellegi–Sunter linkage, as in Jaro 1989 and Sadinle 2017's Bayesian bipartite matching,
/// applied only where the left records are shown to be different persons: a left list may hold
/// one person twice). Of several rivals the strongest is taken, since two rivals may be one
/// person. A right record whose evidence fits two namesakes equally is then proposed for
/// review, not matched to both: measured on the synthetic 10k link, 100 of the 225 false
/// matches left after the date cap had the true partner among the candidates too.
///
/// The same holds for a namesake who is not on the left list at all. When a left record L
/// has two right candidates R and R', and R' is shown to be someone other than L (a hard
/// conflict between L and R': two full birth dates no slip explains), while R and R' may well
/// be one person (nothing tells them apart, their own comparison scores high), then "R is L"
/// and "R is the person of R'" exclude each other: a right record with a year-only or missing
/// date that fits a name carried by two people cannot be matched to one of them for certain.
/// The rival's odds are then those of R and R' being one person, from the same model. A
/// caseworker's reading: "another person of this name, born on another day, is on the other
/// list; this record's date does not say which of the two it is".
fn exclude_rivals(corpus: &Corpus, model: &Model, scored: &mut [ScoredPair]) {
    let considered: Vec<u32> = (0..scored.len() as u32)
        .filter(|&i| scored[i as usize].probability >= RIVAL_FLOOR)
        .collect();
    let odds = |p: f64| {
        let p = p.min(1.0 - 1e-12);
        p / (1.0 - p)
    };
    // The strongest rival's odds per pair, from the right record's other left candidates and
    // from the left record's other right candidates (one left record is one person too).
    let mut rival = vec![0.0f64; scored.len()];
    for by_right in [true, false] {
        let side = |i: u32| {
            let p = &scored[i as usize];
            if by_right { (p.b, p.a) } else { (p.a, p.b) }
        };
        let mut order = considered.clone();
        order.sort_by_key(|&i| side(i));
        for group in order.chunk_by(|&x, &y| side(x).0 == side(y).0) {
            if group.len() < 2 {
                continue;
            }
            for &i in group {
                for &j in group {
                    if i == j {
                        continue;
                    }
                    let r = odds(scored[j as usize].probability);
                    // A namesake outside the left list: the left record's other candidate is
                    // shown to be someone else (a hard conflict with the left record).
                    let namesake = !by_right && scored[j as usize].conflict;
                    if r <= rival[i as usize] && !namesake {
                        continue;
                    }
                    let (x, y) = (side(i).1 as usize, side(j).1 as usize);
                    let comparison = compare(corpus, corpus.features(x), corpus.features(y));
                    if pattern_conflict(
                        comparison.pattern(),
                        model.conflict_cap,
                        model.date_conflict_cap,
                    ) {
                        rival[i as usize] = rival[i as usize].max(r);
                    } else if namesake {
                        // The two right records may be one person, and that person is not the
                        // left one: "the right record is the other right record's person" is
                        // the rival hypothesis, with the odds of the two right records matching.
                        let same = odds(model.score(corpus, &comparison).probability);
                        rival[i as usize] = rival[i as usize].max(same);
                    }
                }
            }
        }
    }
    for (pair, r) in scored.iter_mut().zip(rival) {
        if r > 0.0 {
            let o = odds(pair.probability);
            pair.probability = o / (1.0 + o + r);
            pair.rival = true;
        }
    }
}

struct ModelScorer<'a> {
    corpus: &'a Corpus,
    model: &'a Model,
}

impl PairScorer for ModelScorer<'_> {
    fn score(&self, a: u32, b: u32) -> (f64, bool) {
        let (comparison, score) = self
            .model
            .score_records(self.corpus, a as usize, b as usize);
        (
            score.probability,
            pattern_conflict(
                comparison.pattern(),
                self.model.conflict_cap,
                self.model.date_conflict_cap,
            ),
        )
    }
}

/// A pair that must never share a cluster: a strong identifier in conflict (MATCH-6), or birth
/// dates in a conflict no slip explains (years more than five apart: a father and a son of the
/// same name; two full dates that differ: namesakes; [`crate::DateLevel::is_unexplained_conflict`])
/// without an agreeing service number.
pub fn hard_conflict(comparison: &Comparison) -> bool {
    pattern_conflict(comparison.pattern(), true, true)
}

/// Deduplicates the corpus: a cluster number per record.
pub fn dedupe(
    corpus: &Corpus,
    settings: &Settings,
    progress: &dyn Progress,
) -> (Vec<u32>, RunReport) {
    let (scored, report) = score_candidates(corpus, None, settings, progress);
    progress.stage("cluster", 0);
    let edges: Vec<(u32, u32, f32)> = scored
        .iter()
        .filter(|p| p.probability >= settings.threshold && !p.conflict)
        .map(|p| (p.a, p.b, p.probability as f32))
        .collect();
    drop(scored);
    let scorer = ModelScorer {
        corpus,
        model: &report.model,
    };
    let clusters = cluster(corpus.len(), &edges, settings.threshold, &scorer);
    (clusters, report)
}

/// Compares two records of the corpus directly (for tests and tools).
pub fn compare_records(corpus: &Corpus, a: usize, b: usize) -> Comparison {
    compare(corpus, corpus.features(a), corpus.features(b))
}
