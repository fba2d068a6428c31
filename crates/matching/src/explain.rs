//! Explanations a caseworker can read (MATCH-1, MATCH-7): every feature's level, its weight in
//! the score, and a sentence in plain words.

use std::fmt;

use crate::analysis::{Corpus, Features, NONE, Span};
use crate::compare::{Comparison, Feature, NameLevel};
use crate::date::DateLevel;
use crate::model::{Model, STRONG_CONFLICT_CAP, Score};

/// Version of the scoring algorithm, recorded with every proposal and decision (MATCH-7), so
/// that a decision can be reproduced with the scoring that made it. Raised whenever scores
/// change: 2 since the namesake weights, the crosswise leftover rule and the recall keys of
/// session 12 (decisions recorded before keep 1); 3 since joined compounds (Gulmohammad /
/// Gul Mohammad) and one sex's two forms of a family name agreeing, and the namesake weights
/// learned from pairs with conflicting service numbers and the namesake term of a rare full
/// name, session 13; 4 since the real-name rules of session 14 (written long vowels, Egyptian
/// gg, Azerbaijani c, Russian forms of Armenian given names, cognate patronymics, two known
/// names never a typing slip, rule romanisations of known Arabic names); 5 since the middle
/// words of an unsplit name are compared as its father's names (session 15).
pub const ALGORITHM_VERSION: &str = "whereabouts-matching/5";

/// One feature's part in a score.
#[derive(Clone, Debug, PartialEq)]
pub struct Contribution {
    /// The feature.
    pub feature: Feature,
    /// Stable code of the level (`exact`, `same_name_other_spelling`, `conflict`, ...).
    pub level: &'static str,
    /// Weight in bits, term-frequency adjustment included.
    pub weight: f64,
    /// The part of `weight` that comes from the name's frequency.
    pub frequency_adjustment: f64,
    /// The left record's value as analysed.
    pub left: String,
    /// The right record's value as analysed.
    pub right: String,
    /// The level in plain words, without the values: "same name in different scripts".
    pub words: String,
    /// Plain words: "family name: same name in different scripts (Коваленко / Kovalenko), +6.1".
    pub text: String,
}

/// Why a pair got its score.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// Match probability in [0, 1].
    pub probability: f64,
    /// Total weight in bits.
    pub weight: f64,
    /// Starting point: the prior log-odds in bits.
    pub prior_weight: f64,
    /// Strong identifiers in conflict; each caps the probability (MATCH-6).
    pub conflicts: Vec<Feature>,
    /// Given and family names were compared crosswise.
    pub order_swapped: bool,
    /// The father's names agreed but were counted once, under the patronymic.
    pub father_in_patronymic: bool,
    /// Bits for the given and family names agreeing together, beyond their parts: people who
    /// share both names are more common than the two names' frequencies say
    /// ([`crate::Namesakes`]); 0 or less.
    pub namesake_weight: f64,
    /// Features known on both sides, in feature order.
    pub contributions: Vec<Contribution>,
    /// [`ALGORITHM_VERSION`].
    pub algorithm: &'static str,
}

impl Explanation {
    /// The explanation as sentences, one per line, strongest evidence first.
    pub fn sentences(&self) -> Vec<String> {
        let mut contributions: Vec<&Contribution> = self.contributions.iter().collect();
        contributions.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
        let mut lines: Vec<String> = contributions.iter().map(|c| c.text.clone()).collect();
        if self.order_swapped {
            lines.push("given and family names are written in the other order".to_owned());
        }
        if self.father_in_patronymic {
            lines.push(
                "father's name: agrees, but the patronymic is made from it, so it is counted once"
                    .to_owned(),
            );
        }
        if self.namesake_weight <= -0.05 {
            lines.push(format!(
                "given and family names together: other people share both names more often than \
                 each name's frequency says, {}",
                signed(self.namesake_weight)
            ));
        }
        for feature in &self.conflicts {
            lines.push(format!(
                "{}: conflict, probability capped at {STRONG_CONFLICT_CAP}",
                feature.label()
            ));
        }
        lines
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "match probability {:.3}", self.probability)?;
        for line in self.sentences() {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

fn signed(weight: f64) -> String {
    let mut out = String::with_capacity(8);
    push_signed(&mut out, weight);
    out
}

/// Appends a weight in bits with its sign and one decimal ("+6.1", "-3.0").
fn push_signed(out: &mut String, weight: f64) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = if weight >= 0.0 {
        write!(out, "+{weight:.1}")
    } else {
        write!(out, "-{:.1}", -weight)
    };
}

fn part_text(corpus: &Corpus, span: Span) -> String {
    let lex = corpus.lexicon();
    let mut out = String::new();
    for (i, &t) in corpus.tokens(span).iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_capitalised(&mut out, &lex.token(t).text);
    }
    out
}

/// Tokens are stored lower-cased; explanations show them with a capital, as names are written.
fn capitalised(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    push_capitalised(&mut out, token);
    out
}

fn push_capitalised(out: &mut String, token: &str) {
    let mut chars = token.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
}

fn is_latin(text: &str) -> bool {
    text.chars()
        .filter(|c| c.is_alphabetic())
        .all(|c| (c as u32) < 0x250 || ('\u{1E00}'..='\u{1EFF}').contains(&c))
}

/// Which values follow a phrase's fixed words, in brackets.
#[derive(Clone, Copy)]
enum Shown {
    Nothing,
    Left,
    Both,
}

/// The words for a level of a name, and the values they show.
fn name_words(level: NameLevel, left: &str, right: &str) -> (&'static str, Shown) {
    match level {
        NameLevel::Missing => ("not known on both sides, no effect", Shown::Nothing),
        NameLevel::Exact => ("same name", Shown::Left),
        NameLevel::SameKey if is_latin(left) != is_latin(right) => {
            ("same name in different scripts", Shown::Both)
        }
        NameLevel::SameKey => ("same name, spelled differently", Shown::Both),
        NameLevel::Cognate => ("equivalent forms of one name", Shown::Both),
        NameLevel::GenderForm => ("male and female forms of one surname", Shown::Both),
        NameLevel::Close => (
            "almost the same spelling, likely a typing slip",
            Shown::Both,
        ),
        NameLevel::Similar => ("similar spelling", Shown::Both),
        NameLevel::Partial => ("some parts agree, others differ", Shown::Both),
        NameLevel::Initial => ("the initial agrees", Shown::Both),
        NameLevel::Different => ("different names", Shown::Both),
    }
}

/// The words for a date conflict that no slip explains ([`DateLevel::is_unexplained_conflict`]),
/// after the words saying how the dates differ.
macro_rules! unexplained {
    ($how:literal) => {
        concat!(
            $how,
            "no typing slip, swap or placeholder explains it, likely two people of the same name"
        )
    };
}

fn date_words(level: u8) -> (&'static str, Shown) {
    match level {
        x if x == DateLevel::Exact as u8 => ("same date", Shown::Left),
        x if x == DateLevel::Swapped as u8 => ("day and month swapped", Shown::Both),
        x if x == DateLevel::OneDigit as u8 => {
            ("one digit differs, likely a typing slip", Shown::Both)
        }
        x if x == DateLevel::SameMonth as u8 => ("same year and month", Shown::Both),
        x if x == DateLevel::SameYear as u8 => ("year only agrees", Shown::Both),
        x if x == DateLevel::Placeholder as u8 => (
            "same year; 1 January or 1 July is often a placeholder, so only the year counts",
            Shown::Both,
        ),
        x if x == DateLevel::SameYearOtherDay as u8 => {
            (unexplained!("same year, a different day: "), Shown::Both)
        }
        x if x == DateLevel::YearOff1 as u8 => ("years one apart", Shown::Both),
        x if x == DateLevel::YearOff1OtherDay as u8 => (
            unexplained!("years one apart, and day and month differ too: "),
            Shown::Both,
        ),
        x if x == DateLevel::YearOff5 as u8 => ("years two to five apart", Shown::Both),
        x if x == DateLevel::FullYearsApart as u8 => {
            (unexplained!("full dates years apart: "), Shown::Both)
        }
        _ => (unexplained!("years far apart: "), Shown::Both),
    }
}

/// The fixed words, then the values in brackets: "same name in different scripts
/// (Коваленко / Kovalenko)".
fn push_phrase(out: &mut String, words: &str, shown: Shown, left: &str, right: &str) {
    out.push_str(words);
    match shown {
        Shown::Nothing => {}
        Shown::Left => {
            out.push_str(" (");
            out.push_str(left);
            out.push(')');
        }
        Shown::Both => {
            out.push_str(" (");
            out.push_str(left);
            out.push_str(" / ");
            out.push_str(right);
            out.push(')');
        }
    }
}

impl Model {
    /// Explains a comparison of two records of `corpus`.
    pub fn explain(
        &self,
        corpus: &Corpus,
        left: &Features,
        right: &Features,
        comparison: &Comparison,
    ) -> Explanation {
        let score: Score = self.score(corpus, comparison);
        let lex = corpus.lexicon();
        let mut contributions = Vec::new();
        let mut conflicts = Vec::new();
        for feature in Feature::ALL {
            let level = comparison.level(feature);
            if level == 0 {
                continue;
            }
            if self.caps(feature, &comparison.levels) {
                conflicts.push(feature);
            }
            let rotated_pair = match feature {
                Feature::GivenName => comparison.given_pair,
                Feature::FamilyName => comparison.family_pair,
                _ => (NONE, NONE),
            };
            let (left_text, right_text) = match feature {
                Feature::GivenName | Feature::FamilyName
                    if comparison.rotated && rotated_pair.0 != NONE && rotated_pair.1 != NONE =>
                {
                    (
                        capitalised(&lex.token(rotated_pair.0).text),
                        capitalised(&lex.token(rotated_pair.1).text),
                    )
                }
                Feature::GivenName if comparison.swapped && comparison.roles_from_right => (
                    part_text(corpus, left.family),
                    part_text(corpus, right.given),
                ),
                Feature::FamilyName if comparison.swapped && comparison.roles_from_right => (
                    part_text(corpus, left.given),
                    part_text(corpus, right.family),
                ),
                Feature::GivenName if comparison.swapped => (
                    part_text(corpus, left.given),
                    part_text(corpus, right.family),
                ),
                Feature::FamilyName if comparison.swapped => (
                    part_text(corpus, left.family),
                    part_text(corpus, right.given),
                ),
                Feature::GivenName => (
                    part_text(corpus, left.given),
                    part_text(corpus, right.given),
                ),
                Feature::FamilyName => (
                    part_text(corpus, left.family),
                    part_text(corpus, right.family),
                ),
                Feature::Patronymic => (
                    part_text(corpus, left.patronymic),
                    part_text(corpus, right.patronymic),
                ),
                Feature::FatherName if comparison.father_via_patronymic => {
                    if left.father.is_empty() {
                        (
                            part_text(corpus, left.patronymic),
                            part_text(corpus, right.father),
                        )
                    } else {
                        (
                            part_text(corpus, left.father),
                            part_text(corpus, right.patronymic),
                        )
                    }
                }
                Feature::FatherName => (
                    part_text(corpus, left.father),
                    part_text(corpus, right.father),
                ),
                Feature::MotherName => (
                    part_text(corpus, left.mother),
                    part_text(corpus, right.mother),
                ),
                Feature::BirthPlace => (
                    part_text(corpus, left.place),
                    part_text(corpus, right.place),
                ),
                Feature::Address => (
                    part_text(corpus, left.address),
                    part_text(corpus, right.address),
                ),
                Feature::BirthDate => (
                    left.date.to_contract_string(),
                    right.date.to_contract_string(),
                ),
                Feature::Sex => (sex_text(left.sex), sex_text(right.sex)),
                Feature::Nationality => (
                    String::from_utf8_lossy(&left.nationality).into_owned(),
                    String::from_utf8_lossy(&right.nationality).into_owned(),
                ),
                Feature::ServiceNumber => (
                    lex.service_text(left.service).to_owned(),
                    lex.service_text(right.service).to_owned(),
                ),
            };
            // A name held against the other record's leftover names (its counterpart field
            // empty in a crosswise reading, `compare`): show those names, not an empty field.
            let (left_text, right_text) = match feature {
                Feature::GivenName | Feature::FamilyName if left_text.is_empty() => {
                    (part_text(corpus, left.patronymic), right_text)
                }
                Feature::GivenName | Feature::FamilyName if right_text.is_empty() => {
                    (left_text, part_text(corpus, right.patronymic))
                }
                _ => (left_text, right_text),
            };
            let frequency_adjustment = match feature {
                Feature::GivenName => {
                    self.term_frequency_adjustment(corpus, feature, level, comparison.given_pair)
                }
                Feature::FamilyName => {
                    self.term_frequency_adjustment(corpus, feature, level, comparison.family_pair)
                }
                _ => 0.0,
            };
            // Among pairs whose given and family names agree, the father's name, the patronymic,
            // sex and nationality weigh what they tell between namesakes (`Model::weight_in`).
            let weight = self.weight_in(feature, &comparison.levels) + frequency_adjustment;
            let (words, shown) = match feature {
                Feature::BirthDate => date_words(level),
                Feature::Sex | Feature::Nationality if level == 1 => ("same", Shown::Left),
                Feature::Sex | Feature::Nationality => ("different", Shown::Both),
                Feature::ServiceNumber => match level {
                    1 => ("same number", Shown::Left),
                    2 => ("one or two characters differ", Shown::Both),
                    _ => ("different numbers", Shown::Both),
                },
                Feature::Address => match level_of(level) {
                    NameLevel::Exact => ("same address", Shown::Left),
                    NameLevel::Close => ("most of the address agrees", Shown::Both),
                    NameLevel::Similar => ("part of the address agrees", Shown::Both),
                    NameLevel::Partial => ("little of the address agrees", Shown::Both),
                    _ => ("different addresses", Shown::Both),
                },
                Feature::FatherName if comparison.father_via_patronymic => {
                    ("agrees with the patronymic", Shown::Both)
                }
                _ => name_words(level_of(level), &left_text, &right_text),
            };
            // Built by pushing, not `format!`: explanations were more than half of the
            // instructions of a search at 10k records, and formatting most of those
            // (callgrind, synthetic 10k search, session 16).
            let label = feature.label();
            let mut text = String::with_capacity(
                label.len() + words.len() + left_text.len() + right_text.len() + 48,
            );
            text.push_str(label);
            text.push_str(": ");
            push_phrase(&mut text, words, shown, &left_text, &right_text);
            text.push_str(", ");
            push_signed(&mut text, weight);
            if frequency_adjustment.abs() >= 0.5 {
                text.push_str(if frequency_adjustment > 0.0 {
                    " (rare name, "
                } else {
                    " (common name, "
                });
                push_signed(&mut text, frequency_adjustment);
                text.push_str(" of it)");
            }
            if self.caps(feature, &comparison.levels) {
                text.push_str(", conflict: capped");
            }
            contributions.push(Contribution {
                feature,
                level: feature.level_code(level),
                weight,
                frequency_adjustment,
                left: left_text,
                right: right_text,
                words: words.to_owned(),
                text,
            });
        }
        Explanation {
            probability: score.probability,
            weight: score.weight,
            prior_weight: self.prior_weight(),
            conflicts,
            order_swapped: comparison.swapped || comparison.rotated,
            father_in_patronymic: comparison.father_in_patronymic,
            namesake_weight: self.joint_name_weight_tf(
                &comparison.levels,
                contributions.iter().map(|c| c.frequency_adjustment).sum(),
            ),
            contributions,
            algorithm: ALGORITHM_VERSION,
        }
    }
}

fn sex_text(sex: u8) -> String {
    match sex {
        1 => "M".to_owned(),
        2 => "F".to_owned(),
        _ => String::new(),
    }
}

fn level_of(level: u8) -> NameLevel {
    [
        NameLevel::Missing,
        NameLevel::Exact,
        NameLevel::SameKey,
        NameLevel::Cognate,
        NameLevel::GenderForm,
        NameLevel::Close,
        NameLevel::Similar,
        NameLevel::Partial,
        NameLevel::Initial,
        NameLevel::Different,
    ]
    .get(level as usize)
    .copied()
    .unwrap_or(NameLevel::Missing)
}
