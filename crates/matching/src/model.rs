//! The Fellegi–Sunter model: per feature and level an m-probability (the level's share among
//! true matches) and a u-probability (its share among random pairs). A level's weight is
//! log2(m/u); a pair's match weight is the prior's log-odds plus the sum of the weights, plus
//! a term-frequency adjustment for name agreements; its probability is the logistic of that.
//!
//! u is estimated from random pairs ([`Model::estimate_u`]); m by expectation-maximisation over
//! the candidate pairs ([`Model::train_em`]); the defaults below are the configured fallback.

use rustc_hash::FxHashMap;

use crate::analysis::{Corpus, NONE};
use crate::compare::{Comparison, FEATURES, Feature, NameLevel, compare};

/// Default probability above which a pair is called a match.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// MATCH-6: the probability of a pair with a conflict on a strong identifier never exceeds
/// this, below the default threshold, so such a pair is only ever proposed for review.
pub const STRONG_CONFLICT_CAP: f64 = 0.35;

/// Term-frequency adjustments are clamped to this many bits either way.
const TF_CLAMP: f64 = 4.0;

/// m- and u-probabilities per feature and level, and the prior.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// m per feature, per level (level 0, missing, is unused).
    pub m: [Vec<f64>; FEATURES],
    /// u per feature, per level (level 0, missing, is unused).
    pub u: [Vec<f64>; FEATURES],
    /// Prior probability that a candidate pair is a match.
    pub prior: f64,
    /// Apply term-frequency adjustments for given and family names.
    pub term_frequency: bool,
    weights: [Vec<f64>; FEATURES],
}

fn normalised(values: &[f64]) -> Vec<f64> {
    let total: f64 = values[1..].iter().sum();
    let mut out = vec![0.0; values.len()];
    for (o, v) in out.iter_mut().zip(values).skip(1) {
        *o = (v / total).max(1e-6);
    }
    out
}

impl Default for Model {
    fn default() -> Model {
        // Configured fallback weights: the orders of magnitude expected of lists of a few
        // hundred thousand persons. Level order as in `compare::NameLevel` and `date::DateLevel`.
        //                    miss exact samekey cognate gender close similar partial initial diff
        let given_m = [0.0, 0.70, 0.12, 0.06, 0.005, 0.05, 0.02, 0.02, 0.01, 0.015];
        let given_u = [
            0.0, 0.02, 0.005, 0.003, 0.001, 0.004, 0.02, 0.01, 0.03, 0.907,
        ];
        let family_m = [0.0, 0.72, 0.12, 0.005, 0.03, 0.06, 0.02, 0.02, 0.005, 0.02];
        let family_u = [
            0.0, 0.004, 0.002, 0.001, 0.001, 0.002, 0.01, 0.005, 0.01, 0.965,
        ];
        let patr_m = [0.0, 0.62, 0.14, 0.10, 0.01, 0.05, 0.03, 0.02, 0.02, 0.01];
        let patr_u = [0.0, 0.04, 0.02, 0.02, 0.005, 0.02, 0.05, 0.02, 0.03, 0.795];
        let parent_m = [0.0, 0.60, 0.15, 0.08, 0.01, 0.06, 0.04, 0.03, 0.02, 0.01];
        let parent_u = [
            0.0, 0.01, 0.004, 0.003, 0.001, 0.005, 0.02, 0.01, 0.02, 0.927,
        ];
        let place_m = [0.0, 0.60, 0.12, 0.01, 0.01, 0.08, 0.04, 0.06, 0.01, 0.07];
        let place_u = [
            0.0, 0.02, 0.01, 0.001, 0.001, 0.005, 0.02, 0.03, 0.01, 0.903,
        ];
        //               miss exact swap 1digit month year placeh. otherday off1 off5 far
        let date_m = [
            0.0, 0.58, 0.02, 0.10, 0.03, 0.10, 0.04, 0.02, 0.06, 0.02, 0.001,
        ];
        let date_u = [
            0.0, 0.0001, 0.00001, 0.0005, 0.0003, 0.004, 0.004, 0.03, 0.06, 0.25, 0.651,
        ];
        let sex_m = [0.0, 0.98, 0.02];
        let sex_u = [0.0, 0.5, 0.5];
        let service_m = [0.0, 0.80, 0.15, 0.05];
        let service_u = [0.0, 0.00001, 0.0001, 0.99989];
        let nat_m = [0.0, 0.97, 0.03];
        let nat_u = [0.0, 0.3, 0.7];
        let m = [
            normalised(&given_m),
            normalised(&family_m),
            normalised(&patr_m),
            normalised(&date_m),
            normalised(&sex_m),
            normalised(&parent_m),
            normalised(&parent_m),
            normalised(&service_m),
            normalised(&place_m),
            normalised(&nat_m),
        ];
        let u = [
            normalised(&given_u),
            normalised(&family_u),
            normalised(&patr_u),
            normalised(&date_u),
            normalised(&sex_u),
            normalised(&parent_u),
            normalised(&parent_u),
            normalised(&service_u),
            normalised(&place_u),
            normalised(&nat_u),
        ];
        Model::new(m, u, 0.05)
    }
}

/// A scored pair: probability, total match weight, and whether a strong conflict capped it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// Match probability in [0, 1].
    pub probability: f64,
    /// Total match weight in bits (prior included).
    pub weight: f64,
    /// A conflict on a strong identifier capped the probability (MATCH-6).
    pub capped: bool,
}

impl Model {
    /// A model from explicit m, u and prior (for configured weights).
    pub fn new(m: [Vec<f64>; FEATURES], u: [Vec<f64>; FEATURES], prior: f64) -> Model {
        let mut model = Model {
            m,
            u,
            prior: prior.clamp(1e-9, 1.0 - 1e-9),
            term_frequency: true,
            weights: Default::default(),
        };
        model.refresh();
        model
    }

    fn refresh(&mut self) {
        for f in 0..FEATURES {
            self.weights[f] = self.m[f]
                .iter()
                .zip(&self.u[f])
                .enumerate()
                .map(|(level, (m, u))| {
                    if level == 0 {
                        0.0
                    } else {
                        (m.max(1e-9) / u.max(1e-9)).log2()
                    }
                })
                .collect();
        }
    }

    /// The weight (bits) of a feature's level; 0 for missing.
    pub fn weight(&self, feature: Feature, level: u8) -> f64 {
        self.weights[feature as usize]
            .get(level as usize)
            .copied()
            .unwrap_or(0.0)
    }

    /// The prior log-odds in bits.
    pub fn prior_weight(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }

    /// Term-frequency adjustment (bits) of a name agreement: a rare name agreeing weighs
    /// more than a common one. The level's average u is replaced by the name's own frequency.
    pub fn term_frequency_adjustment(
        &self,
        corpus: &Corpus,
        feature: Feature,
        level: u8,
        pair: (u32, u32),
    ) -> f64 {
        if !self.term_frequency || pair.0 == NONE || pair.1 == NONE {
            return 0.0;
        }
        let agreeing = [
            NameLevel::Exact as u8,
            NameLevel::SameKey as u8,
            NameLevel::Cognate as u8,
            NameLevel::GenderForm as u8,
        ];
        if !agreeing.contains(&level) {
            return 0.0;
        }
        // The u of an exact agreement is the chance two random records share the name;
        // for a name of frequency f that chance is f.
        let u_exact = self.u[feature as usize][NameLevel::Exact as usize].max(1e-9);
        let Some(frequency) = corpus.shared_frequency(pair.0, pair.1, u_exact) else {
            return 0.0;
        };
        (u_exact / frequency.max(1e-9))
            .log2()
            .clamp(-TF_CLAMP, TF_CLAMP)
    }

    /// Scores a comparison.
    pub fn score(&self, corpus: &Corpus, comparison: &Comparison) -> Score {
        let mut weight = self.prior_weight();
        let mut capped = false;
        for feature in Feature::ALL {
            let level = comparison.level(feature);
            weight += self.weight(feature, level);
            if feature.conflict_level() == Some(level) {
                capped = true;
            }
        }
        weight += self.term_frequency_adjustment(
            corpus,
            Feature::GivenName,
            comparison.level(Feature::GivenName),
            comparison.given_pair,
        );
        weight += self.term_frequency_adjustment(
            corpus,
            Feature::FamilyName,
            comparison.level(Feature::FamilyName),
            comparison.family_pair,
        );
        let mut probability = probability_of(weight);
        if capped {
            probability = probability.min(STRONG_CONFLICT_CAP);
        }
        Score {
            probability,
            weight,
            capped,
        }
    }

    /// Compares and scores two records of the corpus by index.
    pub fn score_records(&self, corpus: &Corpus, a: usize, b: usize) -> (Comparison, Score) {
        let comparison = compare(corpus, corpus.features(a), corpus.features(b));
        let score = self.score(corpus, &comparison);
        (comparison, score)
    }

    /// Estimates u from `samples` random pairs of the corpus (deterministic seed). For a link,
    /// `split` is the number of left records and pairs are drawn across the two sides.
    pub fn estimate_u(&mut self, corpus: &Corpus, split: Option<usize>, samples: usize) {
        let n = corpus.len();
        if n < 2 {
            return;
        }
        let mut counts: [Vec<f64>; FEATURES] = Default::default();
        for (f, c) in counts.iter_mut().enumerate() {
            *c = vec![0.0; Feature::ALL[f].levels()];
        }
        let mut rng = SplitMix(0x005e_ed0f_u64);
        let mut drawn = 0;
        while drawn < samples {
            let (a, b) = match split {
                Some(left) if left > 0 && left < n => (
                    rng.below(left as u64) as usize,
                    left + rng.below((n - left) as u64) as usize,
                ),
                Some(_) => return,
                None => (rng.below(n as u64) as usize, rng.below(n as u64) as usize),
            };
            if a == b {
                continue;
            }
            drawn += 1;
            let comparison = compare(corpus, corpus.features(a), corpus.features(b));
            for (f, c) in counts.iter_mut().enumerate() {
                c[comparison.levels[f] as usize] += 1.0;
            }
        }
        for (count, u) in counts.iter().zip(self.u.iter_mut()) {
            let total: f64 = count[1..].iter().sum();
            if total < 100.0 {
                continue; // too few observations: keep the configured u.
            }
            let levels = count.len() as f64;
            for (observed, u) in count.iter().zip(u.iter_mut()).skip(1) {
                // Laplace smoothing blended with the configured value, so unseen levels keep a
                // sensible (small) u instead of zero.
                let observed = (observed + 0.5) / (total + 0.5 * levels);
                let mix = total / (total + 1000.0);
                *u = (mix * observed + (1.0 - mix) * *u).max(1e-7);
            }
        }
        self.refresh();
    }

    /// Expectation-maximisation of m and the prior over comparison patterns (pattern → count),
    /// u held fixed. The configured m act as a prior worth `strength` pairs, so sparse levels
    /// do not collapse to zero.
    pub fn train_em(&mut self, patterns: &FxHashMap<u64, u32>, iterations: usize) {
        if patterns.is_empty() {
            return;
        }
        let strength = 50.0;
        let initial_m = self.m.clone();
        let decoded: Vec<([u8; FEATURES], f64)> = patterns
            .iter()
            .map(|(&p, &c)| (Comparison::levels_of(p), f64::from(c)))
            .collect();
        let total: f64 = decoded.iter().map(|(_, c)| c).sum();
        for _ in 0..iterations {
            let mut acc: [Vec<f64>; FEATURES] = Default::default();
            for (f, a) in acc.iter_mut().enumerate() {
                *a = vec![0.0; Feature::ALL[f].levels()];
            }
            let mut matches = 0.0;
            let prior_weight = self.prior_weight();
            for (levels, count) in &decoded {
                let mut weight = prior_weight;
                for (f, &level) in levels.iter().enumerate() {
                    weight += self.weights[f].get(level as usize).copied().unwrap_or(0.0);
                }
                let p = probability_of(weight) * count;
                matches += p;
                for (f, &level) in levels.iter().enumerate() {
                    if let Some(slot) = acc[f].get_mut(level as usize) {
                        *slot += p;
                    }
                }
            }
            for f in 0..FEATURES {
                let observed: f64 = acc[f][1..].iter().sum();
                for level in 1..acc[f].len() {
                    self.m[f][level] = ((acc[f][level] + strength * initial_m[f][level])
                        / (observed + strength))
                        .max(1e-7);
                }
            }
            self.prior = (matches / total).clamp(1e-6, 0.999);
            self.refresh();
        }
    }
}

/// Logistic of a weight in bits.
pub fn probability_of(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// A small deterministic generator (SplitMix64) for sampling; no clock, no OS randomness.
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}
