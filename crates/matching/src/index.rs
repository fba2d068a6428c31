//! The in-memory index for interactive search: one tracing request against every record.
//! It uses the same analysis, keys, comparison and model as [`crate::link`] and
//! [`crate::dedupe`]; records are inserted one at a time as they arrive.

use rustc_hash::FxHashMap;

use crate::analysis::{Corpus, Features, NONE};
use crate::blocking::{self, Entry};
use crate::compare::{Comparison, Feature, compare, compare_service};
use crate::date::{BirthDate, compare_dates};
use crate::explain::Explanation;
use crate::model::{Model, STRONG_CONFLICT_CAP, probability_of};

/// The prior of the configured model ([`Model::default`]): that a candidate pair of a batch
/// run matches.
const CANDIDATE_PRIOR: f64 = 0.05;
use crate::record::Record;

/// One search result.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The record's id.
    pub id: String,
    /// Position of the record in insertion order.
    pub index: usize,
    /// Match probability.
    pub probability: f64,
    /// Why.
    pub explanation: Explanation,
}

/// Why a record was not inserted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InsertError {
    /// The id is empty.
    MissingId,
    /// Another record has this id.
    DuplicateId,
    /// The record has no name at all.
    NoName,
}

impl std::fmt::Display for InsertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            InsertError::MissingId => "the record has no id",
            InsertError::DuplicateId => "another record has the same id",
            InsertError::NoName => {
                "the record has no name (full_name, given_name and family_name are all empty)"
            }
        })
    }
}

impl std::error::Error for InsertError {}

/// Search candidates scanned per posting list beyond its rule's cap are filtered by the
/// secondary key; this multiplies the cap for search, which can afford more candidates.
const SEARCH_CAP_FACTOR: usize = 4;

/// Most candidates fully compared and scored per query. Candidates beyond it are ranked by the
/// keys they share with the query, each key weighing by its rarity (the inverse document
/// frequency, ln(1 + records / postings)), plus the model weights of their birth date and
/// service number against the query's, and only the best this many are compared: a record
/// that shares a rare key (a service number, a full birth date, an unusual name) or several
/// keys, or whose date agrees, comes before one that shares only a common name. This bounds a
/// query's cost at a million records, where a common name's postings hold thousands of
/// namesakes. It was 600 with the key votes alone; ranked with the date and the service
/// number, 400 finds about as many at the top 10 (synthetic 1M, 2,000 queries: 1,973 against
/// 1,974) for two thirds of the comparisons (`bench/README.md`, "1M search: candidate ranking
/// and allocator"). Of the 1,986 persons found at the top 10 of that set (session 16), 1,982 lie
/// within candidate rank 300 and 1,977 within 200 (`examples/diagnose.rs search`): a smaller
/// budget loses persons, all of them queries of common names.
pub const SEARCH_BUDGET: usize = 400;

/// The vote of a key made of initials and the father's name (`blocking::parent_initial_keys`):
/// a record it brings is a candidate, but ranks over the budget by its other keys and its birth
/// date and service number, not by the rarity of the key. Measured on the synthetic search
/// (`examples/diagnose.rs search`, 2,000 queries each): ranked by rarity like the other keys,
/// the rule found 5 more persons at 10k but lost 2 at 1M, where the records it brought and the
/// votes it added to namesakes pushed persons out of the budget.
const INITIALS_VOTE: f32 = 0.001;

/// What [`Index::search_trace`] found for one query.
#[derive(Debug)]
pub struct SearchTrace {
    /// Every record sharing a usable search key with the query (before the budget).
    pub sharing: Vec<usize>,
    /// The records compared and scored (at most [`SEARCH_BUDGET`]).
    pub compared: Vec<usize>,
    /// Every record sharing a key, with the rank score that decides which are compared (key
    /// votes plus birth-date and service-number weights), best first.
    pub ranking: Vec<(f32, usize)>,
    /// The best hits, as [`Index::search`] returns them.
    pub hits: Vec<Hit>,
}

/// An incremental search index.
#[derive(Debug, Default)]
pub struct Index {
    corpus: Corpus,
    ids: Vec<String>,
    by_id: FxHashMap<String, u32>,
    postings: FxHashMap<u64, Vec<(u32, u32)>>,
    model: Model,
    scratch: Vec<Entry>,
    /// Per record, the key weight it gathered in the current query (0 when untouched).
    votes: Vec<f32>,
    /// The record of every vote of the current query, in order (a record voted for twice is
    /// listed twice; `ranking` keeps its first).
    touched: Vec<u32>,
    /// The birth dates and service numbers of the current query's candidates (`ranking`).
    gathered: Vec<(BirthDate, u32)>,
}

impl Index {
    /// An empty index with the configured default model.
    pub fn new() -> Index {
        Index::default()
    }

    /// An empty index scoring with `model` (for example one trained by a batch run).
    pub fn with_model(model: Model) -> Index {
        Index {
            model,
            ..Index::default()
        }
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The scoring model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Sets the prior of the scoring model: 1/N of one query against N records, kept as
    /// records arrive one by one (the web's per-tenant index).
    pub fn set_prior(&mut self, prior: f64) {
        self.model.prior = prior.clamp(1e-12, 0.5);
    }

    /// Adds a record.
    pub fn insert(&mut self, record: &Record) -> Result<usize, InsertError> {
        if record.id.trim().is_empty() {
            return Err(InsertError::MissingId);
        }
        if self.by_id.contains_key(&record.id) {
            return Err(InsertError::DuplicateId);
        }
        if !record.has_name() {
            return Err(InsertError::NoName);
        }
        let index = self.corpus.add(record);
        self.ids.push(record.id.clone());
        self.by_id.insert(record.id.clone(), index as u32);
        let mut keys = std::mem::take(&mut self.scratch);
        blocking::search_keys(&self.corpus, self.corpus.features(index), &mut keys);
        for &(key, secondary) in &keys {
            self.postings
                .entry(key)
                .or_default()
                .push((index as u32, secondary));
        }
        self.scratch = keys;
        Ok(index)
    }

    /// Re-estimates u from random pairs of the indexed records and sets the prior to that of
    /// one query against them (call after a bulk build).
    ///
    /// The prior is 1/N for N records: a tracing request is about one person, who is expected
    /// among the N records about once. With the configured prior (0.05, made for a candidate
    /// pair of a batch run), a given name, a family name and a birth year that three different
    /// persons share among 10,000 records read 99.9% for each of them (measured with
    /// `whereabouts search` on the synthetic 10k set, "Олександр Коваленко 1984"); the web's
    /// per-tenant index scores with the same prior (`web::search::tenant_model`). The ranking,
    /// and so recall@10, does not change.
    pub fn calibrate(&mut self) {
        self.model.estimate_u(&self.corpus, None, 100_000);
        #[allow(clippy::cast_precision_loss)]
        let records = self.ids.len().max(2) as f64;
        self.model.prior = 1.0 / records;
        // Room for the strings of many queries, so that no query pays for growing the tables.
        self.corpus.reserve_lexicon(100_000);
        self.votes.resize(self.ids.len(), 0.0);
    }

    /// The `k` best records for a query, best first, with explanations.
    pub fn search(&mut self, query: &Record, k: usize) -> Vec<Hit> {
        let mark = self.corpus.arena_len();
        let features = self.corpus.analyse(query);
        let hits = self.search_features(&features, k);
        self.corpus.truncate_arena(mark);
        hits
    }

    /// Where a query's candidates came from, for finding why a person was not among the hits
    /// (`examples/diagnose.rs search`): the records sharing any search key with the query (with
    /// the posting-list filtering of a real search, before the budget), the records compared
    /// (after [`SEARCH_BUDGET`]), and the `k` best hits. Indices are the insertion order.
    pub fn search_trace(&mut self, query: &Record, k: usize) -> SearchTrace {
        let mark = self.corpus.arena_len();
        let features = self.corpus.analyse(query);
        let mut keys = std::mem::take(&mut self.scratch);
        blocking::query_keys(&self.corpus, &features, &mut keys);
        // The same walk as `candidates`, with an unlimited budget.
        let mut ranking = self.ranking(&features, &keys);
        ranking.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        let compared = self.candidates(&features, &keys);
        let sharing = {
            let mut all: Vec<u32> = Vec::new();
            for &(key, secondary) in &keys {
                let Some(list) = self.postings.get(&key) else {
                    continue;
                };
                if list.len() <= blocking::cap_of(key) * SEARCH_CAP_FACTOR {
                    all.extend(list.iter().map(|&(r, _)| r));
                } else if !blocking::search_only(key) {
                    all.extend(
                        list.iter()
                            .filter(|&&(_, s)| s == secondary)
                            .map(|&(r, _)| r),
                    );
                }
            }
            all.sort_unstable();
            all.dedup();
            all
        };
        self.scratch = keys;
        let hits = self.search_features(&features, k);
        self.corpus.truncate_arena(mark);
        SearchTrace {
            sharing: sharing.into_iter().map(|r| r as usize).collect(),
            compared: compared.into_iter().map(|(_, r)| r as usize).collect(),
            ranking: ranking.into_iter().map(|(w, r)| (w, r as usize)).collect(),
            hits,
        }
    }

    /// The records sharing a key with the query: all of them when at most [`SEARCH_BUDGET`],
    /// else the best [`SEARCH_BUDGET`] by the weight of the keys they share plus the weights
    /// of their birth date and service number against the query's.
    fn candidates(&mut self, query: &Features, keys: &[Entry]) -> Vec<(f32, u32)> {
        let mut candidates = self.ranking(query, keys);
        if candidates.len() > SEARCH_BUDGET {
            candidates.select_nth_unstable_by(SEARCH_BUDGET - 1, |x, y| {
                y.0.total_cmp(&x.0).then(x.1.cmp(&y.1))
            });
            candidates.truncate(SEARCH_BUDGET);
        }
        // In record order, so the comparisons read the features front to back.
        candidates.sort_unstable_by_key(|&(_, r)| r);
        candidates
    }

    /// The records sharing a key with the query and their rank scores (unordered); the
    /// birth-date and service-number weights are added only when they are over the budget.
    fn ranking(&mut self, query: &Features, keys: &[Entry]) -> Vec<(f32, u32)> {
        let records = self.ids.len();
        if self.votes.len() < records {
            self.votes.resize(records, 0.0);
        }
        let votes = &mut self.votes;
        let touched = &mut self.touched;
        touched.clear();
        let total = records.max(1) as f32;
        // Every vote lists its record, a record voted for twice twice: a vote is more than 0,
        // so a record's second entry finds its tally already taken (0) and is dropped below,
        // and the records keep the order of their first votes. Testing whether the tally was
        // still 0 before listing a record was a branch on a cache miss (the tallies of a
        // million records are 4 MB), which kept one miss in flight at a time.
        let mut vote = |r: u32, weight: f32| {
            votes[r as usize] += weight;
            touched.push(r);
        };
        // Every key's posting list is looked up first: each lookup is a cache miss in a table
        // of millions of keys, and they no longer wait one by one behind the votes of the
        // list before. Queries alternating one by one between old and new (synthetic 1M, 8
        // rounds): 0.967 and 0.967 of the thread CPU.
        let lists: Vec<Option<&Vec<(u32, u32)>>> =
            keys.iter().map(|(key, _)| self.postings.get(key)).collect();
        for (&(key, secondary), list) in keys.iter().zip(lists) {
            let Some(list) = list else {
                continue;
            };
            if list.len() <= blocking::cap_of(key) * SEARCH_CAP_FACTOR {
                let weight =
                    if blocking::initials_only(key) || blocking::sibling_key((key, secondary)) {
                        INITIALS_VOTE
                    } else {
                        (1.0 + total / list.len() as f32).ln()
                    };
                for &(r, _) in list {
                    vote(r, weight);
                }
            } else if blocking::search_only(key) {
                continue;
            } else {
                let matching = list.iter().filter(|&&(_, s)| s == secondary).count();
                if matching == 0 {
                    continue;
                }
                let weight = (1.0 + total / matching as f32).ln();
                for &(r, _) in list.iter().filter(|&&(_, s)| s == secondary) {
                    vote(r, weight);
                }
            }
        }
        let mut candidates: Vec<(f32, u32)> = touched
            .iter()
            .filter_map(|&r| {
                let tally = std::mem::take(&mut votes[r as usize]);
                (tally != 0.0).then_some((tally, r))
            })
            .collect();
        if candidates.len() > SEARCH_BUDGET {
            // Over the budget, the birth date and the service number (compared exactly: both
            // are a few integers in the features) add their model weights to the key votes,
            // so that a record whose date agrees with the query, or misses it by a known slip
            // (DATE-2..5), ranks before a namesake sharing the same name keys whose date
            // conflicts: at a million records the common names' keys alone cannot tell them
            // apart. Measured with `examples/diagnose.rs search` on the synthetic 1M set
            // (2,000 queries): found at the top 10 with 600 candidates by votes alone 1,974,
            // with 400 ranked so 1,973, with 300 ranked so 1,972.
            //
            // The dates and service numbers are gathered in a loop of their own first: each
            // record's features are a cache miss of their own (a million records' features
            // are 72 MB), and a loop doing nothing else keeps many of those loads in flight,
            // where the date comparison between them had kept about one. With perf on the
            // synthetic 1M search before, these loads were more than half of the samples of
            // `search_features` itself; with the loop, 0.947 and 0.916 of the thread CPU time
            // (one process, old and new code in alternating rounds, 4 rounds each).
            let (corpus, model) = (&self.corpus, &self.model);
            let gathered = &mut self.gathered;
            gathered.clear();
            gathered.extend(candidates.iter().map(|&(_, r)| {
                let b = corpus.features(r as usize);
                (b.date, b.service)
            }));
            // Then the texts of the service numbers that differ from the query's (compared by
            // their edit count), likewise scattered. The two changes above and here: 0.960 and
            // 0.973 of the thread CPU, queries alternating one by one between old and new
            // (synthetic 1M, 8 rounds), hits byte-equal.
            let lex = corpus.lexicon();
            let mut sink = 0u8;
            for &(_, service) in gathered.iter() {
                if service != NONE && service != query.service {
                    let first = lex.service_text(service).as_bytes().first();
                    sink = sink.wrapping_add(first.copied().unwrap_or(0));
                }
            }
            std::hint::black_box(sink);
            for ((rank, _), &(date, service)) in candidates.iter_mut().zip(gathered.iter()) {
                let date = compare_dates(query.date, date) as u8;
                let service = compare_service(corpus, query.service, service);
                *rank += (model.weight(Feature::BirthDate, date)
                    + model.weight(Feature::ServiceNumber, service))
                    as f32;
            }
        }
        candidates
    }

    /// MATCH-6 in a search: the most a pair with a conflict on a strong identifier (or an
    /// unexplained birth-date conflict) may read. [`STRONG_CONFLICT_CAP`] bounds the
    /// probability of such a pair among the candidate pairs of a batch run, whose configured
    /// prior is [`CANDIDATE_PRIOR`]: the evidence of the pair counts for at most
    /// log2-odds(cap) - log2-odds(that prior), about 3.4 bits. A search scores with the prior of
    /// one query among N records (1/N, [`Index::calibrate`]), under which the probability cap
    /// alone no longer binds: a namesake whose service number conflicts with the query's read
    /// 0.014 and ranked before the person at 0.009 (synthetic 1M search, 2,000 queries,
    /// `examples/diagnose.rs search`), where the cap had put it at 0.35 below the person's
    /// 0.998. The same bound on the evidence, under the index's own prior, keeps the order.
    fn conflict_cap(&self) -> f64 {
        let odds = |p: f64| (p / (1.0 - p)).log2();
        let evidence = odds(STRONG_CONFLICT_CAP) - odds(CANDIDATE_PRIOR);
        probability_of(self.model.prior_weight() + evidence).min(STRONG_CONFLICT_CAP)
    }

    fn search_features(&mut self, features: &Features, k: usize) -> Vec<Hit> {
        let features = *features;
        let mut keys = std::mem::take(&mut self.scratch);
        blocking::query_keys(&self.corpus, &features, &mut keys);
        let candidates = self.candidates(&features, &keys);
        self.scratch = keys;
        let capped = self.conflict_cap();
        // One cache miss after another otherwise (`Corpus::warm`). Measured in one process with
        // and without it in alternating rounds (synthetic 1M search, 2,000 queries, 4 rounds
        // each): 0.872 to 0.936 of the thread CPU time, in four runs.
        self.corpus
            .warm(candidates.iter().map(|&(_, r)| r as usize));
        // Each candidate's comparison is kept for the explanations of the hits, so that a hit
        // is not compared twice.
        let mut scored: Vec<(f64, f32, u32, Comparison)> = candidates
            .iter()
            .map(|&(rank, r)| {
                let comparison = compare(&self.corpus, &features, self.corpus.features(r as usize));
                let score = self.model.score(&self.corpus, &comparison);
                let probability = if score.capped {
                    score.probability.min(capped)
                } else {
                    score.probability
                };
                (probability, rank, r, comparison)
            })
            .collect();
        let k = k.min(scored.len());
        if k == 0 {
            return Vec::new();
        }
        // Records the model scores alike are ordered by their candidate rank (the rarity of
        // the keys they share with the query, plus over the budget their birth date's and
        // service number's weights), not by insertion order: the keys also meet across
        // fields (a father's name written as a family name, names in each other's columns),
        // which the field-by-field comparison does not credit. On the synthetic 1M search a
        // person tied with the 10th hit at the same probability came 11th, first of 251 by
        // candidate rank (`examples/diagnose.rs search`).
        let order = |x: &(f64, f32, u32, Comparison), y: &(f64, f32, u32, Comparison)| {
            y.0.total_cmp(&x.0)
                .then(y.1.total_cmp(&x.1))
                .then(x.2.cmp(&y.2))
        };
        scored.select_nth_unstable_by(k - 1, order);
        scored.truncate(k);
        scored.sort_by(order);
        scored
            .into_iter()
            .map(|(probability, _, r, comparison)| {
                let target = self.corpus.features(r as usize);
                Hit {
                    id: self.ids[r as usize].clone(),
                    index: r as usize,
                    probability,
                    explanation: self
                        .model
                        .explain(&self.corpus, &features, target, &comparison),
                }
            })
            .collect()
    }
}
