//! Name handling for Whereabouts (issue 3). Pure: no IO, no clock.
//!
//! * [`normalize`], [`detect_script`], [`tokens`]: Unicode hygiene (NAME-GEN-4).
//! * [`transliterate`] by a [`Scheme`]: the published romanisation standards (Ukrainian 2010,
//!   Russian ICAO 9303 / GOST 7.79-2000 B / BGN/PCGN, Belarusian, Arabic ALA-LC / DIN 31635,
//!   Armenian Eastern and Western, Georgian 2002, Azerbaijani Cyrillic → Latin, Persian, Dari
//!   and Pashto BGN/PCGN), each cited at its table.
//! * [`romanize`]: every plausible Latin spelling of one token; [`key`] folds Latin spellings
//!   of one name together; [`keys`] combines both, for any script (MATCH-2).
//! * [`given_name_group`]: cognates, diminutives and spelling families of given names
//!   (`data/given_names.tsv`); [`surname_stem`]: gender-neutral family names (MATCH-3).
//! * [`parse_full_name`], [`is_patronymic`]: name-part model (NAME-GEN-2).
//!
//! See `docs/names.md` for the standards, the heuristics and the known limits.
#![forbid(unsafe_code)]

mod arabic;
mod armenian;
mod groups;
mod key;
mod normalize;
mod parse;
mod romanize;
mod surname;
mod translit;

pub use groups::{
    arabic_name_forms, given_name_group, given_name_group_count, given_name_group_of,
    given_name_groups, given_name_key_collisions, given_name_label, given_name_sex, is_arabic_name,
    is_known_given_name, listed_given_name_groups, patronymic_group,
};
pub use key::{key, sibilants, sibilants_conflict, skeleton, vowels, vowels_conflict};
pub use normalize::{
    Script, detect_script, is_particle, normalize, normalize_identifier, script_of, tokens,
};
pub use parse::{ParsedName, is_patronymic, parse_full_name};
pub use romanize::{Lang, MAX_KEYS, MAX_ROMANIZATIONS, keys, romanize};
pub use surname::{surname_root, surname_stem};
pub use translit::{Scheme, transliterate};
