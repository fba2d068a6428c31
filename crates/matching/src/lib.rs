//! The matching engine for Whereabouts (issue 3). Pure: no IO, no clock.
//!
//! The same person appears in many lists, in many scripts and spellings. This crate finds them:
//!
//! - [`Record`]: a person record of the CSV contract, plain strings.
//! - [`Corpus`]: records analysed once into compact features; every distinct name, token and
//!   key is analysed once (name knowledge comes only from the `names` crate).
//! - candidate generation from several independent keys (MATCH-2), comparison per name part
//!   aware of scripts, order and missing parts (MATCH-3), partial dates (MATCH-4), strong
//!   identifiers (MATCH-6);
//! - [`Model`]: Fellegi–Sunter weights, u from random pairs, m by EM, term-frequency
//!   adjustment; every score has an [`Explanation`] (MATCH-7);
//! - [`link`] and [`dedupe`] for files, with clustering that does not chain people
//!   together, and [`Index`] for interactive search with the same scoring.
//!
//! MATCH-1: the engine only proposes. Nothing here merges records.
#![forbid(unsafe_code)]

mod analysis;
mod blocking;
mod cluster;
mod compare;
mod date;
mod engine;
mod explain;
mod index;
mod lexicon;
mod model;
mod record;
mod similarity;

pub use analysis::{Corpus, Features, normalise_service_number};
pub use blocking::BlockingStats;
pub use cluster::{PairScorer, cluster};
pub use compare::{Comparison, FEATURES, Feature, NameLevel, compare};
pub use date::{BirthDate, DateLevel, DateProblem, compare_dates};
pub use engine::{
    Progress, RunReport, ScoredPair, Settings, Silent, compare_records, dedupe, hard_conflict, link,
};
pub use explain::{ALGORITHM_VERSION, Contribution, Explanation};
pub use index::{Hit, Index, InsertError, SEARCH_BUDGET, SearchTrace};
pub use model::{
    DEFAULT_THRESHOLD, Model, NAMESAKE_FEATURES, Namesakes, STRONG_CONFLICT_CAP, Score,
    probability_of,
};
pub use record::{COLUMNS, Record};
