//! The Fellegi–Sunter model: per feature and level an m-probability (the level's share among
//! true matches) and a u-probability (its share among random pairs). A level's weight is
//! log2(m/u); a pair's match weight is the prior's log-odds plus the sum of the weights, plus
//! a term-frequency adjustment for name agreements; its probability is the logistic of that.
//!
//! u is estimated from random pairs ([`Model::estimate_u`]); m by expectation-maximisation over
//! the candidate pairs ([`Model::train_em`]); the defaults below are the configured fallback.

use rustc_hash::FxHashMap;

use crate::analysis::{Corpus, NONE};
use crate::compare::{
    Comparison, FEATURES, Feature, NAME_LEVELS, NameLevel, SERVICE_CONFLICT, compare,
};
use crate::date::DateLevel;

/// Default probability above which a pair is called a match.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// Ceilings on the learned m of full-date disagreements (see [`Model::train`]): about one
/// true pair in 200 whose two full dates differ in day and month, or in all three parts.
/// Also on birth years two to five apart: DATE-5 widens an age-derived year by ±1, so a
/// larger gap is not the expected error of one person's records, and EM over name-agreeing
/// pairs learned it from namesakes (m 0.055 on the 10k cross-script set, where 2 of 2,829
/// true pairs are that far apart and 62 false pairs above 0.5 were).
/// Two full dates two to five years apart are not one person's slip either (a transposed
/// pair of year digits moves the year by a multiple of nine).
const FULL_DATE_DISAGREEMENT_M_CEILING: [(DateLevel, f64); 4] = [
    (DateLevel::SameYearOtherDay, 0.005),
    (DateLevel::YearOff1OtherDay, 0.005),
    (DateLevel::YearOff5, 0.01),
    (DateLevel::FullYearsApart, 0.002),
];

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
    /// Prior probability of a match: after [`Model::train`], that two random records match
    /// (λ); as configured, that a candidate pair does.
    pub prior: f64,
    /// Apply term-frequency adjustments for given and family names.
    pub term_frequency: bool,
    /// MATCH-6: a conflict on a strong identifier caps the probability at
    /// [`STRONG_CONFLICT_CAP`] and keeps the two records out of one cluster. Off only for
    /// sources whose identifier column is not a reliable service number (FEBRL's randomly
    /// replaced `soc_sec_id`): the conflict then only weighs, like any other disagreement.
    pub conflict_cap: bool,
    /// Two birth dates in a conflict that no known slip explains
    /// ([`DateLevel::is_unexplained_conflict`]) cap the probability at [`STRONG_CONFLICT_CAP`]
    /// and keep the two records out of one cluster, unless their service numbers agree.
    ///
    /// Why a cap and not only a weight: Fellegi–Sunter adds the weights of the name parts as if
    /// they were independent, but namesakes are not rare the way the product of the parts'
    /// frequencies says (a name handed down in a family, the same name in the same village).
    /// Two records agreeing on given name, patronymic and family name carry some 20 bits, and
    /// no defensible m of a date disagreement (one true pair in a few hundred) weighs more than
    /// 2-4 bits against that: measured on the synthetic 10k link, 168 of 362 false matches
    /// above 0.5 were such pairs, against 3 of 2,644 true ones (two of them a year slip on a
    /// date written day first, now explained). The date is then the evidence that decides, and
    /// a person must look at it (as MATCH-6 does for a strong identifier).
    pub date_conflict_cap: bool,
    /// How different persons who share a given and a family name compare on the other
    /// features, learned by [`Model::train`] (`None`: configured or untrained, every feature
    /// weighed as between random records). See [`Namesakes`].
    pub namesakes: Option<Namesakes>,
    weights: [Vec<f64>; FEATURES],
}

/// Namesakes: different persons who share a given and a family name.
///
/// Fellegi–Sunter multiplies the likelihood ratios of the features as if they were independent
/// among non-matches, which they are not for names. People who share a given and a family name
/// are more common than the product of the two names' frequencies says (a name handed down in
/// a family, common names in one village or one region), and among them the father's name and
/// the patronymic agree far more often than between random records (the same family: a father
/// and a son of one name, cousins named after one grandfather; in many naming traditions a
/// handful of fathers' names cover most men of a clan; NAME-AR-2, NAME-AF-1: the father's name
/// is what tells such people apart). With u from random pairs, a patronymic agreeing weighed
/// +6 bits; among the pairs that share a given and a family name but are different persons it
/// agreed in about one pair in five (measured on the synthetic 10k link with
/// `examples/diagnose.rs`: 225 different-person pairs agreed on given, family and patronymic
/// or father's name, and 41 false pairs scored at or above 0.99, most of them such namesakes
/// with a year-only or missing birth date on one side).
///
/// [`Model::train`] learns both from the data, by the same EM session that teaches the date:
/// over the candidate pairs whose given and family names agree, the expected number of
/// different-person pairs (from the features that are not names) gives the share of all pairs
/// that are namesakes, and their levels of the father's name and the patronymic give those
/// features' u among namesakes. When a pair's given and family names agree, those u replace
/// the ones from random pairs (a dependence model in the sense of Winkler 1989, "Near
/// automatic weight computation in the Fellegi-Sunter model of record linkage", and Thibaudeau
/// 1993, "The discrimination power of dependency structures in record linkage"): the
/// agreement of the father's name then counts for what it tells between namesakes, and its
/// disagreement too. Both only ever lower a score relative to the independent model for an
/// agreement (never raise the name evidence above it).
#[derive(Clone, Debug, PartialEq)]
pub struct Namesakes {
    /// Bits added when given and family names of average frequency both agree: log2 of the
    /// product of the two names' u (agreeing levels) over the share of pairs that are
    /// namesakes; at most 0. For names of another frequency see [`Model::joint_name_weight_tf`].
    pub joint: f64,
    /// The product of the two names' u (agreeing levels): the share of all pairs that share a
    /// given and a family name of average frequency by chance.
    pub independent: f64,
    /// The share of all pairs that are namesakes beyond what the product of the two names'
    /// frequencies says (the observed share less the independent one; at least 0).
    pub excess: f64,
    /// How many name-agreeing candidate pairs with conflicting service numbers taught the u
    /// among namesakes (0: they were too few, and the u come from the EM alone).
    pub labelled: f64,
    /// Per conditioned feature ([`NAMESAKE_FEATURES`]), u per level among namesakes.
    pub u: [Vec<f64>; FEATURES],
    weights: [Vec<f64>; FEATURES],
}

/// The features whose u is learned among namesakes: the father's name and the patronymic
/// made from it (NAME-GEN-2: formed from the father's name), and the features a name itself
/// tells: the sex (a given name is a man's or a woman's) and the nationality (names belong to a
/// language and a country, §8.2-8.7). Between random records these agree by chance in a half or
/// a third of pairs; between two persons who share a given and a family name, nearly always.
pub const NAMESAKE_FEATURES: [Feature; 5] = [
    Feature::BirthDate,
    Feature::Patronymic,
    Feature::FatherName,
    Feature::Sex,
    Feature::Nationality,
];

/// A name level that counts as agreeing for the namesake model and the training sessions.
pub(crate) fn name_agrees(level: u8) -> bool {
    level == NameLevel::Exact as u8
        || level == NameLevel::SameKey as u8
        || level == NameLevel::Cognate as u8
        || level == NameLevel::GenderForm as u8
}

/// Whether a pair's given and family names both agree (the namesake model applies).
fn names_agree(levels: &[u8; FEATURES]) -> bool {
    name_agrees(levels[Feature::GivenName as usize])
        && name_agrees(levels[Feature::FamilyName as usize])
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
        // Two places that share only some words ("Nor Geghi" / "Nor Kend", "Deh Sabz" / "Deh
        // Naw") are as often two villages named alike as one place written more or less fully:
        // "some parts agree" weighs nothing until a trained model says otherwise (it weighed
        // +1.0 bits, and two records of different villages in the demo read 99.8% with it;
        // trained on the synthetic 10k link it comes out at -1.1).
        let place_m = [0.0, 0.60, 0.12, 0.01, 0.01, 0.08, 0.04, 0.03, 0.01, 0.07];
        let place_u = [
            0.0, 0.02, 0.01, 0.001, 0.001, 0.005, 0.02, 0.03, 0.01, 0.903,
        ];
        //      miss exact swap 1digit month year placeh. otherday off1 off1-otherday off5 far
        //      full-years-apart
        let date_m = [
            0.0, 0.58, 0.02, 0.10, 0.03, 0.10, 0.04, 0.005, 0.06, 0.005, 0.02, 0.001, 0.002,
        ];
        let date_u = [
            0.0, 0.0001, 0.00001, 0.0005, 0.0003, 0.004, 0.004, 0.03, 0.01, 0.05, 0.15, 0.651, 0.10,
        ];
        let sex_m = [0.0, 0.98, 0.02];
        let sex_u = [0.0, 0.5, 0.5];
        let service_m = [0.0, 0.80, 0.15, 0.05];
        let service_u = [0.0, 0.00001, 0.0001, 0.99989];
        //                  miss all  -    -    -   2/3  1/3 some  -  none
        let address_m = [0.0, 0.50, 0.0, 0.0, 0.0, 0.30, 0.12, 0.04, 0.0, 0.04];
        let address_u = [0.0, 0.001, 0.0, 0.0, 0.0, 0.004, 0.03, 0.1, 0.0, 0.865];
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
            normalised(&address_m),
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
            normalised(&address_u),
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
            conflict_cap: true,
            date_conflict_cap: true,
            namesakes: None,
            weights: Default::default(),
        };
        model.refresh();
        model
    }

    fn refresh(&mut self) {
        for f in 0..FEATURES {
            self.weights[f] = level_weights(&self.m[f], &self.u[f]);
        }
        if self.term_frequency {
            // With term frequency on, a given or family name that shares a spelling key is
            // weighed by that key's frequency, counted over all its spellings in every script
            // (`term_frequency_adjustment`). The same name then weighs the same whether the
            // two records wrote it alike or in different scripts: exact and same-key are one
            // level for weighting, log2((m_exact + m_same_key) / (u_exact + u_same_key)), and
            // stay two in the explanation's words. Before, the configured m of the index
            // (0.70 exact, 0.12 same-key) put a namesake written in the query's own script
            // 2.5-4 bits above the person written in another (measured on the synthetic 1M
            // search with `examples/diagnose.rs search`: "Orlov / Orlov" +11.2 bits against
            // "Orlov / Орлов" +7.2).
            for feature in [Feature::GivenName, Feature::FamilyName] {
                let f = feature as usize;
                let (e, k) = (NameLevel::Exact as usize, NameLevel::SameKey as usize);
                let merged = level_weights(
                    &[0.0, self.m[f][e] + self.m[f][k]],
                    &[0.0, self.u[f][e] + self.u[f][k]],
                )[1];
                self.weights[f][e] = merged;
                self.weights[f][k] = merged;
            }
        }
        if let Some(namesakes) = self.namesakes.as_mut() {
            for feature in NAMESAKE_FEATURES {
                let f = feature as usize;
                let mut among = level_weights(&self.m[f], &namesakes.u[f]);
                if feature.levels() == NAME_LEVELS {
                    // The same name written alike or in another script is one name: which
                    // script two records use says nothing about whether they are namesakes
                    // (as for the given and family names above).
                    let (e, k) = (NameLevel::Exact as usize, NameLevel::SameKey as usize);
                    let merged = level_weights(
                        &[0.0, self.m[f][e] + self.m[f][k]],
                        &[0.0, namesakes.u[f][e] + namesakes.u[f][k]],
                    )[1];
                    among[e] = merged;
                    among[k] = merged;
                }
                namesakes.weights[f] = among
                    .iter()
                    .zip(&self.weights[f])
                    // Evidence for a match (a positive weight) never weighs more among namesakes
                    // than between random records, evidence against never more either: the
                    // dependence only ever makes an agreement by chance more likely.
                    .map(|(&w, &independent)| {
                        if independent >= 0.0 {
                            w.min(independent)
                        } else {
                            w.max(independent)
                        }
                    })
                    .collect();
            }
        }
    }

    /// The weight (bits) of a feature's level in a pair with these `levels`: among pairs whose
    /// given and family names agree, the namesake weight of [`NAMESAKE_FEATURES`]
    /// ([`Namesakes`]), else [`Model::weight`].
    pub fn weight_in(&self, feature: Feature, levels: &[u8; FEATURES]) -> f64 {
        let level = levels[feature as usize];
        if let Some(namesakes) = &self.namesakes
            && NAMESAKE_FEATURES.contains(&feature)
            && names_agree(levels)
            && let Some(&w) = namesakes.weights[feature as usize].get(level as usize)
        {
            return w;
        }
        self.weight(feature, level)
    }

    /// Bits added for given and family names of average frequency agreeing together
    /// ([`Namesakes::joint`]); 0 when they do not both agree or nothing was learned.
    pub fn joint_name_weight(&self, levels: &[u8; FEATURES]) -> f64 {
        self.joint_name_weight_tf(levels, 0.0)
    }

    /// Bits added for given and family names agreeing together, whose term-frequency
    /// adjustments ([`Model::term_frequency_adjustment`]) sum to `tf` bits.
    ///
    /// Namesakes who are relatives or neighbours (a son named after his grandfather, cousins
    /// named after one ancestor, a name common in one village) share a full name whatever that
    /// name's frequency in the whole list: among different persons, agreement on a full name
    /// of frequency f has the probability f (two strangers) plus a share e of pairs that are
    /// such namesakes (Winkler 1989's dependence between fields; the frequency-based weights
    /// of Fellegi and Sunter 1969 §3.3 assume the first term only). The weight of the
    /// agreement is then log2(m / (f + e)) instead of log2(m / f): a rare name, which the
    /// term-frequency adjustment credits with many bits, cannot be rarer than the namesakes
    /// who carry it, and this term takes back log2(f / (f + e)). With f the names' average
    /// (`tf` = 0) it is [`Namesakes::joint`]. Measured on the synthetic 10k link before: two
    /// namesakes of a rare full name (Лариса Трофимова, Хифа Ал-Дири) scored 0.9998-0.9999 on
    /// names +4.6 bits "rare" and -0.7 for namesakes.
    pub fn joint_name_weight_tf(&self, levels: &[u8; FEATURES], tf: f64) -> f64 {
        match &self.namesakes {
            Some(namesakes) if names_agree(levels) => {
                let frequency = namesakes.independent * (-tf).exp2();
                (frequency / (frequency + namesakes.excess).max(1e-300))
                    .log2()
                    .min(0.0)
            }
            _ => 0.0,
        }
    }

    /// The sum of the features' weights of a pair with these `levels`, the namesake model
    /// included, without the prior and the term-frequency adjustments.
    pub fn levels_weight(&self, levels: &[u8; FEATURES]) -> f64 {
        self.levels_weight_tf(levels, 0.0)
    }

    /// [`Model::levels_weight`] of a pair whose names' term-frequency adjustments sum to `tf`
    /// (the adjustments themselves not included; [`Model::joint_name_weight_tf`]).
    pub fn levels_weight_tf(&self, levels: &[u8; FEATURES], tf: f64) -> f64 {
        Feature::ALL
            .iter()
            .map(|&f| self.weight_in(f, levels))
            .sum::<f64>()
            + self.joint_name_weight_tf(levels, tf)
    }

    /// The weight (bits) of a feature's level; 0 for missing.
    pub fn weight(&self, feature: Feature, level: u8) -> f64 {
        self.weights[feature as usize]
            .get(level as usize)
            .copied()
            .unwrap_or(0.0)
    }

    /// Whether `feature`'s level in `levels` caps the pair's probability at
    /// [`STRONG_CONFLICT_CAP`]: a strong identifier in conflict (MATCH-6, with
    /// [`Model::conflict_cap`]), or birth dates in a conflict no slip explains while no service
    /// number agrees (with [`Model::date_conflict_cap`]).
    pub fn caps(&self, feature: Feature, levels: &[u8; FEATURES]) -> bool {
        let level = levels[feature as usize];
        if feature == Feature::BirthDate {
            self.date_conflict_cap && date_conflict(levels)
        } else {
            self.conflict_cap && feature.conflict_level() == Some(level)
        }
    }

    /// Whether any feature caps the pair ([`Model::caps`]).
    pub fn capped(&self, levels: &[u8; FEATURES]) -> bool {
        Feature::ALL.iter().any(|&f| self.caps(f, levels))
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
        // For a name of frequency f, the chance that a random record shares it is f; averaged
        // over all names that chance is the u of agreeing on a name. The frequency counted is
        // of a spelling key (all spellings of the name in every script) or, for cognates and
        // diminutives, of the name group (`Lexicon::shared_frequency`), so the average it is
        // set against is the u of every level that sharing that identity produces: exact and
        // same-key (plus equivalent-name for a group). Setting a key's frequency against the
        // u of the exact level alone (as before) counted the name's other spellings as
        // commonness and took 2.6-3 bits too many from every cross-script agreement
        // (measured on the synthetic 10k link: 194 of 209 false negatives carried such a
        // "common name" deduction). Fellegi and Sunter (1969) §3.3, frequency-based weights;
        // Winkler (1989), "Frequency-based matching in Fellegi-Sunter model of record linkage".
        let u = &self.u[feature as usize];
        let mut baseline = u[NameLevel::Exact as usize] + u[NameLevel::SameKey as usize];
        if level == NameLevel::Cognate as u8 {
            baseline += u[NameLevel::Cognate as usize];
        }
        let baseline = baseline.max(1e-9);
        let Some(frequency) = corpus.shared_frequency(pair.0, pair.1, baseline) else {
            return 0.0;
        };
        (baseline / frequency.max(1e-9))
            .log2()
            .clamp(-TF_CLAMP, TF_CLAMP)
    }

    /// Scores a comparison.
    pub fn score(&self, corpus: &Corpus, comparison: &Comparison) -> Score {
        let capped = self.capped(&comparison.levels);
        let given = self.term_frequency_adjustment(
            corpus,
            Feature::GivenName,
            comparison.level(Feature::GivenName),
            comparison.given_pair,
        );
        let family = self.term_frequency_adjustment(
            corpus,
            Feature::FamilyName,
            comparison.level(Feature::FamilyName),
            comparison.family_pair,
        );
        // Summed in this order, an untrained model (the index's) scores bit for bit as before
        // the namesake term followed the names' frequency.
        let mut weight = self.prior_weight();
        weight += self.levels_weight_tf(&comparison.levels, given + family);
        weight += given;
        weight += family;
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
        self.estimate_u_threads(corpus, split, samples, 1);
    }

    /// [`Model::estimate_u`] with the comparisons spread over `threads` threads; the pairs
    /// drawn and the result are the same for any number of threads.
    pub fn estimate_u_threads(
        &mut self,
        corpus: &Corpus,
        split: Option<usize>,
        samples: usize,
        threads: usize,
    ) {
        let n = corpus.len();
        if n < 2 {
            return;
        }
        let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(samples);
        let mut rng = SplitMix(0x005e_ed0f_u64);
        while pairs.len() < samples {
            let (a, b) = match split {
                Some(left) if left > 0 && left < n => (
                    rng.below(left as u64) as usize,
                    left + rng.below((n - left) as u64) as usize,
                ),
                Some(_) => return,
                None => (rng.below(n as u64) as usize, rng.below(n as u64) as usize),
            };
            if a != b {
                pairs.push((a as u32, b as u32));
            }
        }
        let count_levels = |chunk: &[(u32, u32)]| {
            // Counts are whole numbers, so summing the threads' tallies is exact.
            let mut counts: [Vec<f64>; FEATURES] = Default::default();
            for (f, c) in counts.iter_mut().enumerate() {
                *c = vec![0.0; Feature::ALL[f].levels()];
            }
            for &(a, b) in chunk {
                let comparison = compare(
                    corpus,
                    corpus.features(a as usize),
                    corpus.features(b as usize),
                );
                for (f, c) in counts.iter_mut().enumerate() {
                    c[comparison.levels[f] as usize] += 1.0;
                }
            }
            counts
        };
        let threads = threads.clamp(1, 16);
        let chunk = pairs.len().div_ceil(threads).max(1);
        let tallies: Vec<[Vec<f64>; FEATURES]> = std::thread::scope(|scope| {
            let workers: Vec<_> = pairs
                .chunks(chunk)
                .map(|part| scope.spawn(move || count_levels(part)))
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut counts: [Vec<f64>; FEATURES] = Default::default();
        for (f, c) in counts.iter_mut().enumerate() {
            *c = vec![0.0; Feature::ALL[f].levels()];
        }
        for tally in &tallies {
            for (c, t) in counts.iter_mut().zip(tally) {
                for (x, y) in c.iter_mut().zip(t) {
                    *x += y;
                }
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
    /// do not collapse to zero. Every pattern takes part and every feature is estimated; use
    /// [`Model::train`] for candidate pairs, whose blocking biases this.
    pub fn train_em(&mut self, patterns: &FxHashMap<u64, u32>, iterations: usize) {
        let decoded: Vec<([u8; FEATURES], f64)> = patterns
            .iter()
            .map(|(&p, &c)| (Comparison::levels_of(p), f64::from(c)))
            .collect();
        if let Some((m, prior, _)) = self.em_session(&decoded, &[], &self.u, iterations) {
            self.m = m;
            self.prior = prior;
            self.refresh();
        }
    }

    /// One EM run over `decoded` (levels, count) estimating m of every feature not in
    /// `excluded` and the session's own prior; u fixed (`u`: the level shares among the
    /// session's non-matches). Returns the new m, the prior and the expected number of
    /// matches, or `None` when there are too few pairs to learn from.
    fn em_session(
        &self,
        decoded: &[([u8; FEATURES], f64)],
        excluded: &[Feature],
        u: &[Vec<f64>; FEATURES],
        iterations: usize,
    ) -> Option<([Vec<f64>; FEATURES], f64, f64)> {
        let total: f64 = decoded.iter().map(|(_, c)| c).sum();
        if total < MIN_SESSION_PAIRS {
            return None;
        }
        let strength = 50.0;
        let mut m = self.m.clone();
        let mut weights = self.weights.clone();
        for f in 0..FEATURES {
            if u[f] != self.u[f] {
                weights[f] = level_weights(&self.m[f], &u[f]);
            }
        }
        let mut prior = 0.5f64;
        let mut matches = 0.0;
        for _ in 0..iterations {
            let mut acc: [Vec<f64>; FEATURES] = Default::default();
            for (f, a) in acc.iter_mut().enumerate() {
                *a = vec![0.0; Feature::ALL[f].levels()];
            }
            matches = 0.0;
            let prior_weight = (prior / (1.0 - prior)).log2();
            for (levels, count) in decoded {
                let mut weight = prior_weight;
                for (f, &level) in levels.iter().enumerate() {
                    if excluded.contains(&Feature::ALL[f]) {
                        continue;
                    }
                    weight += weights[f].get(level as usize).copied().unwrap_or(0.0);
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
                if excluded.contains(&Feature::ALL[f]) {
                    continue;
                }
                let observed: f64 = acc[f][1..].iter().sum();
                for level in 1..acc[f].len() {
                    m[f][level] = ((acc[f][level] + strength * self.m[f][level])
                        / (observed + strength))
                        .max(1e-7);
                }
                // The ceilings hold in every iteration, not only on the result: a session that
                // lets namesakes' date disagreements grow past them counts those namesakes as
                // matches and learns their other levels as a match's.
                if f == Feature::BirthDate as usize {
                    cap_full_date_disagreements(&mut m[f]);
                }
                weights[f] = level_weights(&m[f], &u[f]);
            }
            prior = (matches / total).clamp(1e-6, 0.999);
        }
        (matches >= MIN_SESSION_MATCHES).then_some((m, prior, matches))
    }

    /// Trains m and the prior from the comparison patterns of the candidate pairs of a run
    /// over `all_pairs` possible pairs, u being already estimated from random pairs.
    ///
    /// Candidate pairs share a name or a date by construction, so EM over all of them at once
    /// learns "shares a blocking key" rather than "is the same person" (measured: the prior
    /// went to 0.91 and a different given name weighed only -0.8 bits). As in Splink's
    /// training (and Fellegi–Sunter blocking passes generally), m is therefore estimated in
    /// sessions, each over the pairs that agree on one rule and never for the rule's own
    /// features: pairs with the same full birth date teach the name features, pairs whose
    /// given and family names agree teach the date and the other features. Among such pairs
    /// the non-matches are, for the features learned, as random as the pairs u came from.
    ///
    /// The prior is then the probability that two random records match (λ), consistent with
    /// u from random pairs: the fixed point of λ = Σ posterior(candidate; λ) / `all_pairs`,
    /// counting pairs that are not candidates as non-matches. Scores then account for the size
    /// of the lists: the same evidence means less among a million records than among a
    /// thousand.
    pub fn train(&mut self, patterns: &FxHashMap<u64, u32>, all_pairs: f64, iterations: usize) {
        if patterns.is_empty() || all_pairs < 1.0 {
            return;
        }
        let decoded: Vec<([u8; FEATURES], f64)> = patterns
            .iter()
            .map(|(&p, &c)| (Comparison::levels_of(p), f64::from(c)))
            .collect();
        let by_date: Vec<([u8; FEATURES], f64)> = decoded
            .iter()
            .filter(|(levels, _)| levels[Feature::BirthDate as usize] == DateLevel::Exact as u8)
            .copied()
            .collect();
        let by_name: Vec<([u8; FEATURES], f64)> = decoded
            .iter()
            .filter(|(levels, _)| {
                name_agrees(levels[Feature::GivenName as usize])
                    && name_agrees(levels[Feature::FamilyName as usize])
            })
            .copied()
            .collect();
        // The name session also leaves out the patronymic and the father's name: among persons
        // who share a given and a family name, those are not distributed as between random
        // records (relatives, a grandfather's name handed down; namesakes with one father's
        // name), so EM counted such namesakes as matches and learned their birth-date
        // disagreements as a true pair's. Their m comes from the date session.
        let name_parts: &[Feature] = &[
            Feature::GivenName,
            Feature::FamilyName,
            Feature::Patronymic,
            Feature::FatherName,
        ];
        let name_u = self.name_session_u(&by_name, name_parts);
        let sessions = [
            self.em_session(&by_date, &[Feature::BirthDate], &self.u, iterations),
            self.em_session(&by_name, name_parts, &name_u, iterations),
        ];
        let excluded: [&[Feature]; 2] = [&[Feature::BirthDate], name_parts];
        let mut m = self.m.clone();
        for f in 0..FEATURES {
            let feature = Feature::ALL[f];
            let mut mass = 0.0;
            let mut sum = vec![0.0; m[f].len()];
            for (session, skip) in sessions.iter().zip(excluded) {
                let Some((session_m, _, matches)) = session else {
                    continue;
                };
                if skip.contains(&feature) {
                    continue;
                }
                mass += matches;
                for (s, v) in sum.iter_mut().zip(&session_m[f]) {
                    *s += matches * v;
                }
            }
            if mass > 0.0 {
                m[f] = sum.iter().map(|s| (s / mass).max(1e-7)).collect();
            }
        }
        // Namesakes who agree on every name part, the patronymic included, differ from the
        // same person only in the birth date, so EM over name-agreeing pairs counts their
        // date disagreements as matches' (m of "same year, other day" came out at 0.015, of
        // "one year and months apart" at 0.021). Two full dates that differ in two or more of
        // day, month and year are not one clerical slip (those are `OneDigit` and `Swapped`),
        // so their m is held at most at a configured ceiling.
        cap_full_date_disagreements(&mut m[Feature::BirthDate as usize]);
        self.m = m;
        self.namesakes = None;
        self.refresh();
        if let Some(session) = &sessions[1] {
            self.learn_namesakes(&by_name, session, name_parts, all_pairs, iterations);
        }
        self.estimate_prior(&decoded, all_pairs);
    }

    /// The u of the name session ([`Model::train`]): the share of each level among its
    /// non-matches, persons who share a given and a family name. Those are not random pairs:
    /// a name goes with a sex, a nationality and a birth place, so namesakes agree on these far
    /// more often than random records do. With the u of random pairs, EM took namesakes for
    /// matches as soon as they outnumbered the same person's records among the name-agreeing
    /// pairs (measured on the synthetic 1M dedupe: 1.88 M of the 5.1 M name-agreeing
    /// candidates counted as matches, against about 0.45 M true ones; m of an exact birth date
    /// 0.125 instead of 0.45 at 10k, of a conflicting service number 0.77, and recall 0.754).
    /// MATCH-6: two records of one name whose service numbers conflict are two persons, a
    /// labelled sample of namesakes; where there are enough of them, their levels (with the
    /// random pairs' u as a prior, [`NAMESAKE_PRIOR_PAIRS`]) are this u. Not for the service
    /// number (the sample is chosen by it) nor the birth date, which is what the session
    /// learns: with the namesakes' u a level common among them (years apart) tells a match from
    /// a namesake by m alone, which EM then fits to the namesakes (a namesake born three years
    /// later on a placeholder date clustered with the person; `tests/training.rs`). The date's
    /// namesake u is learned afterwards ([`Model::learn_namesakes`]). Otherwise, and when the
    /// service number is not a reliable identifier (`conflict_cap` off), the random pairs' u.
    fn name_session_u(
        &self,
        by_name: &[([u8; FEATURES], f64)],
        excluded: &[Feature],
    ) -> [Vec<f64>; FEATURES] {
        let mut u = self.u.clone();
        if !self.conflict_cap {
            return u;
        }
        let mut counts: [Vec<f64>; FEATURES] =
            std::array::from_fn(|f| vec![0.0; Feature::ALL[f].levels()]);
        let mut labelled = 0.0;
        for (levels, count) in by_name {
            if levels[Feature::ServiceNumber as usize] != SERVICE_CONFLICT {
                continue;
            }
            labelled += count;
            for (f, slot) in counts.iter_mut().enumerate() {
                if let Some(c) = slot.get_mut(levels[f] as usize) {
                    *c += count;
                }
            }
        }
        if labelled < MIN_LABELLED_NAMESAKES {
            return u;
        }
        for feature in Feature::ALL {
            if matches!(feature, Feature::ServiceNumber | Feature::BirthDate)
                || excluded.contains(&feature)
            {
                continue;
            }
            let f = feature as usize;
            u[f] = namesake_u(&counts[f], &self.u[f]);
        }
        u
    }

    /// λ, the probability that two random records match, from the candidate patterns with m
    /// and u fixed (see [`Model::train`]).
    fn estimate_prior(&mut self, decoded: &[([u8; FEATURES], f64)], all_pairs: f64) {
        let candidates: f64 = decoded.iter().map(|(_, c)| c).sum();
        // Start from about one match per candidate in a hundred.
        let mut lambda = (candidates / 100.0 / all_pairs).clamp(1e-12, 0.5);
        for _ in 0..50 {
            let prior_weight = (lambda / (1.0 - lambda)).log2();
            let mut matches = 0.0;
            for (levels, count) in decoded {
                let weight = prior_weight + self.levels_weight(levels);
                matches += probability_of(weight) * count;
            }
            let next = (matches / all_pairs).clamp(1e-12, 0.5);
            let converged = (next / lambda - 1.0).abs() < 1e-4;
            lambda = next;
            if converged {
                break;
            }
        }
        self.prior = lambda;
    }

    /// Learns [`Namesakes`] from the name session: the pairs whose given and family names
    /// agree (`by_name`). A two-class EM over them, with m fixed (the session's for the features
    /// that are not names, the model's for [`NAMESAKE_FEATURES`]) and u fixed for the features
    /// that are not names: it estimates the share of matches among them and the u of
    /// [`NAMESAKE_FEATURES`] among the namesakes. The namesake features take part in the
    /// classification (an EM that left them out counted a pair without a date or a service
    /// number as a namesake in proportion to the session's prior, and its agreeing
    /// patronymic with it).
    fn learn_namesakes(
        &mut self,
        by_name: &[([u8; FEATURES], f64)],
        session: &([Vec<f64>; FEATURES], f64, f64),
        excluded: &[Feature],
        all_pairs: f64,
        iterations: usize,
    ) {
        let (session_m, session_prior, _) = session;
        let total: f64 = by_name.iter().map(|(_, c)| c).sum();
        // Per pattern, the weight of the features that are not names (fixed).
        let fixed: Vec<f64> = by_name
            .iter()
            .map(|(levels, _)| {
                let mut weight = 0.0;
                for (f, &level) in levels.iter().enumerate() {
                    let feature = Feature::ALL[f];
                    if excluded.contains(&feature) || NAMESAKE_FEATURES.contains(&feature) {
                        continue;
                    }
                    let (m, u) = (&session_m[f], &self.u[f]);
                    if let (Some(&m), Some(&u)) = (m.get(level as usize), u.get(level as usize))
                        && level > 0
                    {
                        weight += (m.max(1e-9) / u.max(1e-9)).log2();
                    }
                }
                weight
            })
            .collect();
        let mut u: [Vec<f64>; FEATURES] = Default::default();
        for feature in NAMESAKE_FEATURES {
            u[feature as usize] = self.u[feature as usize].clone();
        }
        let mut prior = session_prior.clamp(1e-6, 0.999);
        let mut different = 0.0;
        for _ in 0..iterations.max(1) {
            let weights: Vec<Vec<f64>> = (0..FEATURES)
                .map(|f| {
                    if u[f].is_empty() {
                        Vec::new()
                    } else {
                        level_weights(&self.m[f], &u[f])
                    }
                })
                .collect();
            let prior_weight = (prior / (1.0 - prior)).log2();
            let mut counts = namesake_counts();
            different = 0.0;
            for ((levels, count), fixed) in by_name.iter().zip(&fixed) {
                let mut weight = prior_weight + fixed;
                for feature in NAMESAKE_FEATURES {
                    let f = feature as usize;
                    weight += weights[f].get(levels[f] as usize).copied().unwrap_or(0.0);
                }
                let q = (1.0 - probability_of(weight)) * count;
                different += q;
                count_levels(&mut counts, levels, q);
            }
            prior = (1.0 - different / total.max(1.0)).clamp(1e-6, 0.999);
            for feature in NAMESAKE_FEATURES {
                let f = feature as usize;
                u[f] = namesake_u(&counts[f], &self.u[f]);
            }
        }
        if different < MIN_NAMESAKES {
            return; // too few to learn from: the parts stay independent.
        }
        // MATCH-6: two records of one name whose service numbers conflict are two persons (the
        // engine caps such a pair below the threshold), so those pairs are a sample of namesakes
        // that needs no EM. The EM above cannot see the namesakes whose other features look
        // like one person's: it counts a namesake born in the same year, or on a date one digit
        // away, as a match, and learned a u among namesakes below the one between random
        // records for exactly those levels (measured on the synthetic 10k link: "one digit"
        // u 0.0001 among namesakes, against 0.0009 between random pairs and 0.007 among the
        // truth's different persons who share the names; the 391 pairs with conflicting
        // service numbers had 0.003, and their other levels were within 0.01 of the truth's).
        // Where enough such pairs exist, their levels give the u among namesakes; a service
        // number that is not a reliable identifier (`conflict_cap` off, FEBRL) teaches nothing.
        let mut labelled = 0.0;
        if self.conflict_cap {
            let mut counts = namesake_counts();
            for (levels, count) in by_name {
                if levels[Feature::ServiceNumber as usize] != SERVICE_CONFLICT {
                    continue;
                }
                labelled += count;
                count_levels(&mut counts, levels, *count);
            }
            if labelled >= MIN_LABELLED_NAMESAKES {
                for feature in NAMESAKE_FEATURES {
                    let f = feature as usize;
                    u[f] = namesake_u(&counts[f], &self.u[f]);
                }
            } else {
                labelled = 0.0;
            }
        }
        let agreeing_u = |feature: Feature| -> f64 {
            self.u[feature as usize]
                .iter()
                .enumerate()
                .filter(|&(level, _)| name_agrees(level as u8))
                .map(|(_, u)| u)
                .sum()
        };
        let independent = agreeing_u(Feature::GivenName) * agreeing_u(Feature::FamilyName);
        let observed = different / all_pairs;
        let joint = (independent.max(1e-12) / observed.max(1e-12))
            .log2()
            .min(0.0);
        self.namesakes = Some(Namesakes {
            joint,
            independent: independent.max(1e-12),
            excess: (observed - independent).max(0.0),
            labelled,
            u,
            weights: Default::default(),
        });
        self.refresh();
    }
}

/// Birth dates in a conflict no known slip explains ([`DateLevel::is_unexplained_conflict`])
/// while the service numbers do not agree: a father and his son, or two namesakes, do not
/// share a service number, so where it agrees the date is the mistake.
pub(crate) fn date_conflict(levels: &[u8; FEATURES]) -> bool {
    let service = levels[Feature::ServiceNumber as usize];
    let service_agrees = service == 1 || service == 2;
    DateLevel::from_u8(levels[Feature::BirthDate as usize]).is_unexplained_conflict()
        && !service_agrees
}

/// Holds the m of each full-date disagreement at most at its ceiling
/// ([`FULL_DATE_DISAGREEMENT_M_CEILING`]).
fn cap_full_date_disagreements(m: &mut [f64]) {
    for (level, ceiling) in FULL_DATE_DISAGREEMENT_M_CEILING {
        if let Some(v) = m.get_mut(level as usize) {
            *v = v.min(ceiling);
        }
    }
}

/// Fewer expected namesake pairs than this: no [`Namesakes`] are learned.
const MIN_NAMESAKES: f64 = 20.0;
/// Fewer name-agreeing pairs with conflicting service numbers than this: the u among namesakes
/// come from the EM alone ([`Model::learn_namesakes`]).
const MIN_LABELLED_NAMESAKES: f64 = 100.0;
/// The weight, in pairs, of the random pairs' u in the namesakes' u ([`Model::learn_namesakes`]).
const NAMESAKE_PRIOR_PAIRS: f64 = 20.0;

/// Fewer pairs than this in an EM session: its estimates are noise, the configured m stay.
const MIN_SESSION_PAIRS: f64 = 200.0;
/// Fewer expected matches than this in a session: likewise.
const MIN_SESSION_MATCHES: f64 = 30.0;

/// Zeroed counts per level for each of the [`NAMESAKE_FEATURES`] ([`Model::learn_namesakes`]).
fn namesake_counts() -> [Vec<f64>; FEATURES] {
    let mut counts: [Vec<f64>; FEATURES] = Default::default();
    for feature in NAMESAKE_FEATURES {
        counts[feature as usize] = vec![0.0; feature.levels()];
    }
    counts
}

/// Adds `weight` to the count of each namesake feature's level in `levels`.
fn count_levels(counts: &mut [Vec<f64>; FEATURES], levels: &[u8; FEATURES], weight: f64) {
    for feature in NAMESAKE_FEATURES {
        let f = feature as usize;
        if let Some(slot) = counts[f].get_mut(levels[f] as usize) {
            *slot += weight;
        }
    }
}

/// One feature's u per level among namesakes from its `counts` there: the u from random pairs
/// (`random`) acts as a prior worth `NAMESAKE_PRIOR_PAIRS` pairs, so a level seldom seen among
/// namesakes keeps a sensible u. Level 0 (unknown) is 0.
fn namesake_u(counts: &[f64], random: &[f64]) -> Vec<f64> {
    let known: f64 = counts[1..].iter().sum();
    counts
        .iter()
        .zip(random)
        .enumerate()
        .map(|(level, (&c, &random))| {
            if level == 0 {
                0.0
            } else {
                ((c + NAMESAKE_PRIOR_PAIRS * random) / (known + NAMESAKE_PRIOR_PAIRS)).max(1e-7)
            }
        })
        .collect()
}

fn level_weights(m: &[f64], u: &[f64]) -> Vec<f64> {
    m.iter()
        .zip(u)
        .enumerate()
        .map(|(level, (m, u))| {
            if level == 0 {
                0.0
            } else {
                (m.max(1e-9) / u.max(1e-9)).log2()
            }
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(levels: &[(Feature, u8)]) -> u64 {
        levels.iter().fold(0u64, |acc, &(f, l)| {
            acc | (u64::from(l) << (4 * f as usize))
        })
    }

    /// Name-agreeing pairs: `persons` written twice, `labelled` namesakes whose service numbers conflict and `unlabelled` ones without
    /// service numbers; among both kinds of namesakes, one in ten was born on a date one digit
    /// away from the other's, the others years apart.
    fn namesake_patterns(persons: u32, labelled: u32, unlabelled: u32) -> FxHashMap<u64, u32> {
        let exact = NameLevel::Exact as u8;
        let names = [
            (Feature::GivenName, exact),
            (Feature::FamilyName, exact),
            (Feature::Sex, 1),
        ];
        let mut patterns: FxHashMap<u64, u32> = FxHashMap::default();
        let mut add = |extra: &[(Feature, u8)], count: u32| {
            let levels: Vec<(Feature, u8)> = names.iter().chain(extra).copied().collect();
            *patterns.entry(pattern(&levels)).or_insert(0) += count;
        };
        // A person's two records: the date mistyped in one digit once in ten, the service
        // number on both records in half of them.
        for service in [1, 0] {
            for (date, count) in [
                (DateLevel::Exact, persons / 2 - persons / 20),
                (DateLevel::OneDigit, persons / 20),
            ] {
                add(
                    &[
                        (Feature::BirthDate, date as u8),
                        (Feature::ServiceNumber, service),
                    ],
                    count,
                );
            }
        }
        for (service, count) in [(SERVICE_CONFLICT, labelled), (0, unlabelled)] {
            add(
                &[
                    (Feature::BirthDate, DateLevel::OneDigit as u8),
                    (Feature::ServiceNumber, service),
                ],
                count / 10,
            );
            add(
                &[
                    (Feature::BirthDate, DateLevel::Far as u8),
                    (Feature::ServiceNumber, service),
                ],
                count - count / 10,
            );
        }
        patterns
    }

    /// MATCH-6: name-agreeing pairs whose service numbers conflict are namesakes, and teach how
    /// namesakes' birth dates compare. The EM alone counts some namesakes born one digit apart
    /// as matches; learned from the conflicting pairs, "one digit" weighs what it tells between
    /// namesakes (one in ten here, as among persons written twice), while an exact date still
    /// weighs in full.
    #[test]
    fn namesakes_with_conflicting_service_numbers_teach_the_date_among_namesakes() {
        let mut levels = [0u8; FEATURES];
        levels[Feature::GivenName as usize] = NameLevel::Exact as u8;
        levels[Feature::FamilyName as usize] = NameLevel::Exact as u8;
        let date_weight = move |model: &Model, level: DateLevel| {
            let mut levels = levels;
            levels[Feature::BirthDate as usize] = level as u8;
            model.weight_in(Feature::BirthDate, &levels)
        };
        let mut model = Model::default();
        model.train(&namesake_patterns(600, 300, 300), 1e6, 8);
        let namesakes = model.namesakes.as_ref().expect("namesakes learned");
        assert_eq!(namesakes.labelled, 300.0);
        let one_digit = date_weight(&model, DateLevel::OneDigit);
        assert!(
            one_digit < model.weight(Feature::BirthDate, DateLevel::OneDigit as u8) - 2.0,
            "one digit among namesakes: {one_digit}"
        );
        // u among namesakes about 0.1, as common as among persons written twice.
        assert!(
            one_digit.abs() < 1.5,
            "one digit among namesakes: {one_digit}"
        );
        assert_eq!(
            date_weight(&model, DateLevel::Exact),
            model.weight(Feature::BirthDate, DateLevel::Exact as u8)
        );
        // A pair of namesakes born one digit apart now scores low; the person's own records,
        // with the date exact, still high.
        let mut with_sex = levels;
        with_sex[Feature::Sex as usize] = 1;
        let probability = |level: DateLevel| {
            let mut levels = with_sex;
            levels[Feature::BirthDate as usize] = level as u8;
            probability_of(model.prior_weight() + model.levels_weight(&levels))
        };
        // Measured: 0.76 (0.83-0.95 learned by the EM alone, below).
        assert!(
            probability(DateLevel::OneDigit) < 0.8,
            "{}",
            probability(DateLevel::OneDigit)
        );
        assert!(
            probability(DateLevel::Exact) > 0.99,
            "{}",
            probability(DateLevel::Exact)
        );

        // Too few conflicting pairs, or a service number that is no reliable identifier
        // (FEBRL's): the EM alone, which counts some of those namesakes as matches.
        for (labelled, cap) in [(60, true), (300, false)] {
            let mut model = Model {
                conflict_cap: cap,
                ..Model::default()
            };
            model.train(&namesake_patterns(600, labelled, 300), 1e6, 8);
            let namesakes = model.namesakes.as_ref().expect("namesakes learned");
            assert_eq!(namesakes.labelled, 0.0, "{labelled} {cap}");
            assert!(
                date_weight(&model, DateLevel::OneDigit) > one_digit + 0.5,
                "{labelled} {cap}"
            );
            let mut levels = with_sex;
            levels[Feature::BirthDate as usize] = DateLevel::OneDigit as u8;
            let alone = probability_of(model.prior_weight() + model.levels_weight(&levels));
            assert!(alone > probability(DateLevel::OneDigit), "{labelled} {cap}");
        }
    }

    /// Two birth places that share only a word (Nor Geghi / Nor Kend) are no evidence of one
    /// person under the configured weights, which the server's index uses untrained; the same
    /// place agrees, different places weigh against.
    #[test]
    fn places_that_share_only_a_word_weigh_nothing_untrained() {
        let model = Model::default();
        let weight = |level: NameLevel| model.weight(Feature::BirthPlace, level as u8);
        assert!(
            weight(NameLevel::Partial).abs() < 0.05,
            "{}",
            weight(NameLevel::Partial)
        );
        assert!(weight(NameLevel::Exact) > 4.0);
        assert!(weight(NameLevel::Different) < -3.0);
    }

    /// The name session's non-matches are namesakes, who share a sex, a nationality and a
    /// birth place far more often than random records do. Where namesakes outnumber the
    /// persons written twice (a large list), the random pairs' u let EM count them as matches
    /// and learn their date disagreements as a match's; the u of the namesakes whose service
    /// numbers conflict (MATCH-6) keeps the date's m at the persons' own.
    #[test]
    fn the_name_session_weighs_namesakes_by_their_own_levels() {
        let exact = NameLevel::Exact as u8;
        let mut patterns: FxHashMap<u64, u32> = FxHashMap::default();
        let mut add = |extra: &[(Feature, u8)], count: u32| {
            let mut levels = vec![
                (Feature::GivenName, exact),
                (Feature::FamilyName, exact),
                (Feature::Sex, 1),
                (Feature::Nationality, 1),
            ];
            levels.extend_from_slice(extra);
            *patterns.entry(pattern(&levels)).or_insert(0) += count;
        };
        // 600 persons written twice: the date exact in nine of ten, one digit off otherwise;
        // the birth place the same; the service number on both records in half of them.
        for service in [1, 0] {
            for (date, count) in [(DateLevel::Exact, 270), (DateLevel::OneDigit, 30)] {
                add(
                    &[
                        (Feature::BirthDate, date as u8),
                        (Feature::ServiceNumber, service),
                        (Feature::BirthPlace, exact),
                    ],
                    count,
                );
            }
        }
        // 12,000 namesakes of the same sex and nationality, half with conflicting service
        // numbers: born years apart, half of them in the same place.
        for service in [SERVICE_CONFLICT, 0] {
            for date in [DateLevel::Far, DateLevel::FullYearsApart] {
                for place in [exact, NameLevel::Different as u8] {
                    add(
                        &[
                            (Feature::BirthDate, date as u8),
                            (Feature::ServiceNumber, service),
                            (Feature::BirthPlace, place),
                        ],
                        1500,
                    );
                }
            }
        }
        let m_of = |cap: bool| {
            let mut model = Model {
                conflict_cap: cap,
                ..Model::default()
            };
            model.train(&patterns, 1e8, 8);
            model.m[Feature::BirthDate as usize][DateLevel::Exact as usize]
        };
        // Measured: 0.88 (the persons' own 0.9), and 0.07 with the random pairs' u.
        let exact_m = m_of(true);
        assert!(exact_m > 0.8, "m of an exact date: {exact_m}");
        // Without the labelled namesakes (a service number that is no reliable identifier):
        // the random pairs' u, and the namesakes counted as matches.
        let alone = m_of(false);
        assert!(alone < 0.3, "{alone} {exact_m}");
    }

    /// A rare full name cannot be rarer than the namesakes who carry it: the term for given
    /// and family names together takes back more of a rare name's frequency adjustment than of
    /// a common one's, is the learned average at the average frequency, and is never above 0.
    #[test]
    fn a_rare_full_name_weighs_no_more_than_its_namesakes() {
        let mut model = Model::default();
        model.train(&namesake_patterns(600, 300, 300), 1e6, 8);
        let namesakes = model.namesakes.clone().expect("namesakes learned");
        assert!(namesakes.excess > 0.0, "{namesakes:?}");
        let mut levels = [0u8; FEATURES];
        levels[Feature::GivenName as usize] = NameLevel::Exact as u8;
        levels[Feature::FamilyName as usize] = NameLevel::SameKey as u8;
        let average = model.joint_name_weight_tf(&levels, 0.0);
        assert!(
            (average - namesakes.joint).abs() < 1e-9,
            "{average} {namesakes:?}"
        );
        let rare = model.joint_name_weight_tf(&levels, 8.0);
        let common = model.joint_name_weight_tf(&levels, -8.0);
        assert!(rare < average && average < common && common <= 0.0);
        // The rare name's adjustment is taken back in part, never turned around: the names
        // still weigh more than the common ones'.
        assert!(rare + 8.0 > common - 8.0);
        assert!(rare + 8.0 > average);
        // Names that do not both agree carry no such term.
        levels[Feature::FamilyName as usize] = NameLevel::Different as u8;
        assert_eq!(model.joint_name_weight_tf(&levels, 8.0), 0.0);
        assert_eq!(Model::default().joint_name_weight_tf(&levels, 8.0), 0.0);
    }

    /// The namesake weights only ever temper the independent model: where the namesakes of a
    /// data set happen to disagree on the patronymic more often than random records do, an
    /// agreement still weighs no more, and a disagreement no more against, than between random
    /// records; an untrained model has none.
    #[test]
    fn namesake_weights_never_exceed_the_independent_ones() {
        let exact = NameLevel::Exact as u8;
        let different = NameLevel::Different as u8;
        let mut patterns: FxHashMap<u64, u32> = FxHashMap::default();
        // 500 persons written twice, everything agreeing.
        patterns.insert(
            pattern(&[
                (Feature::GivenName, exact),
                (Feature::FamilyName, exact),
                (Feature::Patronymic, exact),
                (Feature::BirthDate, DateLevel::Exact as u8),
                (Feature::Sex, 1),
            ]),
            500,
        );
        // 300 namesakes: given and family name agree, another father, birth years far apart.
        patterns.insert(
            pattern(&[
                (Feature::GivenName, exact),
                (Feature::FamilyName, exact),
                (Feature::Patronymic, different),
                (Feature::BirthDate, DateLevel::Far as u8),
                (Feature::Sex, 1),
            ]),
            300,
        );
        let untrained = Model::default();
        let mut levels = [0u8; FEATURES];
        levels[Feature::GivenName as usize] = exact;
        levels[Feature::FamilyName as usize] = exact;
        for level in [exact, different] {
            levels[Feature::Patronymic as usize] = level;
            assert_eq!(
                untrained.weight_in(Feature::Patronymic, &levels),
                untrained.weight(Feature::Patronymic, level)
            );
        }
        let mut model = Model::default();
        model.train(&patterns, 1e6, 8);
        let namesakes = model
            .namesakes
            .as_ref()
            .expect("300 namesakes are enough to learn");
        assert!(namesakes.joint <= 0.0);
        for level in 1..NAME_LEVELS as u8 {
            levels[Feature::Patronymic as usize] = level;
            let among = model.weight_in(Feature::Patronymic, &levels);
            let independent = model.weight(Feature::Patronymic, level);
            if independent >= 0.0 {
                assert!(
                    among <= independent,
                    "level {level}: {among} > {independent}"
                );
            } else {
                assert!(
                    among >= independent,
                    "level {level}: {among} < {independent}"
                );
            }
        }
        // Where the given and family names do not both agree, the weights are the usual ones.
        levels[Feature::FamilyName as usize] = different;
        levels[Feature::Patronymic as usize] = exact;
        assert_eq!(
            model.weight_in(Feature::Patronymic, &levels),
            model.weight(Feature::Patronymic, exact)
        );
        assert_eq!(model.joint_name_weight(&levels), 0.0);
    }
}
