//! Candidate generation (MATCH-2): every record gets keys from several independent rules, so
//! one bad field does not hide a match. Two records are candidates when they share a key.
//!
//! Rules (a key id is any of a token's spelling keys or its given-name group):
//! 1. given name × family name, unordered (so a swapped order still meets);
//! 2. family name × birth year;
//! 3. given name × father's name or patronymic × birth year;
//! 4. normalised service number;
//! 5. full birth date (not a placeholder);
//! 6. given name × father's name or patronymic, for records without a family name
//!    (NAME-AF-1: Afghan single names with the father's name);
//! 7. and 8. the first five and the last four characters of the service number (a typing slip
//!    in the other half still meets);
//! 9. family name × first letter of the given name (dates missing or mistyped);
//! 10. and 11. the first two and the last two tokens of the address (house number and street;
//!     locality and region or postcode), for records whose names and dates are all mistyped.
//!
//! A block larger than its rule's cap (a common name) is not dropped but split by a second
//! key (rules 1 and 6: birth year; 2 and 3: a key of the other name; 5: family-name initial);
//! only a sub-block still over the cap is skipped, and it is counted.

use crate::analysis::{Corpus, Features, NONE};

/// A key: rule in the top 4 bits, hash below; and the secondary key used to split big blocks.
pub(crate) type Entry = (u64, u32);

const RULES: usize = 12;
/// Block-size caps per rule (index = rule number).
const CAPS: [usize; RULES] = [0, 400, 400, 400, 50, 60, 400, 30, 30, 60, 30, 30];

fn mix(rule: u64, a: u64, b: u64) -> u64 {
    let mut z = a.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17)
        ^ b.wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 4) | (rule << 60)
}

pub(crate) fn rule_of(key: u64) -> usize {
    (key >> 60) as usize
}

pub(crate) fn cap_of(key: u64) -> usize {
    CAPS.get(rule_of(key)).copied().unwrap_or(100)
}

fn identities(corpus: &Corpus, token: Option<&u32>, out: &mut Vec<u64>) {
    out.clear();
    if let Some(&t) = token {
        out.extend(corpus.identities(t).map(u64::from));
        out.sort_unstable();
        out.dedup();
    }
}

/// The blocking keys of a record.
pub(crate) fn keys(corpus: &Corpus, f: &Features, out: &mut Vec<Entry>) {
    out.clear();
    let given_tokens = corpus.tokens(f.given);
    let family_tokens = corpus.tokens(f.family);
    let mut given = Vec::new();
    let mut family = Vec::new();
    let mut parent = Vec::new();
    let mut scratch = Vec::new();
    identities(corpus, given_tokens.first(), &mut given);
    identities(corpus, family_tokens.first(), &mut family);
    if family_tokens.len() > 1 {
        identities(corpus, family_tokens.last(), &mut scratch);
        family.extend_from_slice(&scratch);
        family.sort_unstable();
        family.dedup();
    }
    let patronymic = corpus.tokens(f.patronymic);
    let father = corpus.tokens(f.father);
    identities(corpus, patronymic.first(), &mut parent);
    identities(corpus, father.first(), &mut scratch);
    parent.extend_from_slice(&scratch);
    parent.sort_unstable();
    parent.dedup();
    let year = u32::from(f.date.year);
    let first_family_key = family_tokens
        .first()
        .and_then(|&t| corpus.lexicon().token(t).keys.first().copied())
        .unwrap_or(NONE);
    let first_given_key = given_tokens
        .first()
        .and_then(|&t| corpus.lexicon().token(t).keys.first().copied())
        .unwrap_or(NONE);

    // 1. given × family, unordered.
    for &g in &given {
        for &s in &family {
            let (lo, hi) = if g < s { (g, s) } else { (s, g) };
            out.push((mix(1, lo, hi), year));
        }
    }
    if year != 0 {
        // 2. family × birth year.
        for &s in &family {
            out.push((mix(2, s, u64::from(year)), first_given_key));
        }
        // 3. given × father or patronymic × birth year.
        for &g in &given {
            for &p in &parent {
                out.push((mix(3, g, p ^ (u64::from(year) << 40)), first_family_key));
            }
        }
    }
    // 4. service number.
    if f.service != NONE {
        out.push((mix(4, u64::from(f.service), 0), 0));
    }
    // 5. full birth date.
    if f.date.is_full() && !f.date.is_placeholder() {
        let date =
            (u64::from(f.date.year) << 16) | (u64::from(f.date.month) << 8) | u64::from(f.date.day);
        let initial = if first_family_key == NONE {
            0
        } else {
            corpus
                .lexicon()
                .key_text(first_family_key)
                .bytes()
                .next()
                .map_or(0, u32::from)
        };
        out.push((mix(5, date, 0), initial));
    }
    if f.service != NONE {
        let service = corpus.lexicon().service_text(f.service).as_bytes();
        if service.len() >= 7 {
            let head = service[..5]
                .iter()
                .fold(0u64, |h, &b| (h << 8) | u64::from(b));
            let tail = service[service.len() - 4..]
                .iter()
                .fold(0u64, |h, &b| (h << 8) | u64::from(b));
            out.push((mix(7, head, 0), 0));
            out.push((mix(8, tail, 0), 0));
        }
    }
    // 9. family × given initial.
    if let Some(initial) = given_tokens
        .first()
        .and_then(|&t| corpus.lexicon().token(t).latin.bytes().next())
    {
        for &s in &family {
            out.push((mix(9, s, u64::from(initial)), year));
        }
    }
    // 10., 11. address heads and tails, split by the given name when common.
    let address = corpus.tokens(f.address);
    if address.len() >= 3 {
        let pair = |x: u32, y: u32| (u64::from(x) << 32) | u64::from(y);
        out.push((mix(10, pair(address[0], address[1]), 0), first_given_key));
        let n = address.len();
        out.push((
            mix(11, pair(address[n - 2], address[n - 1]), 0),
            first_given_key,
        ));
    }
    // 6. given × father, single names.
    if family_tokens.is_empty() {
        for &g in &given {
            for &p in &parent {
                out.push((mix(6, g, p), year));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// Statistics of candidate generation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockingStats {
    /// Keys emitted.
    pub keys: usize,
    /// Distinct candidate pairs.
    pub pairs: usize,
    /// Sub-blocks skipped because they stayed over their cap.
    pub skipped_blocks: usize,
    /// Records in skipped sub-blocks (with repetitions).
    pub skipped_records: usize,
    /// Pairs emitted per rule (index = rule number), before removing pairs found by several.
    pub pairs_by_rule: [usize; RULES],
}

/// Candidate pairs of a corpus, as `low << 32 | high` record indices, sorted and distinct.
/// With `split = Some(n)` (a link), only pairs of a left record (`< n`) and a right record.
pub(crate) fn candidate_pairs(corpus: &Corpus, split: Option<usize>) -> (Vec<u64>, BlockingStats) {
    let mut entries: Vec<(u64, u32, u32)> = Vec::new();
    let mut scratch = Vec::new();
    for (index, features) in corpus.features.iter().enumerate() {
        keys(corpus, features, &mut scratch);
        entries.extend(scratch.iter().map(|&(k, s)| (k, s, index as u32)));
    }
    let mut stats = BlockingStats {
        keys: entries.len(),
        ..BlockingStats::default()
    };
    entries.sort_unstable();
    let mut pairs: Vec<u64> = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let key = entries[start].0;
        let mut end = start;
        while end < entries.len() && entries[end].0 == key {
            end += 1;
        }
        let cap = cap_of(key);
        let block = &entries[start..end];
        let before = pairs.len();
        if block.len() <= cap {
            emit(block, split, &mut pairs);
        } else {
            let mut s = 0;
            while s < block.len() {
                let secondary = block[s].1;
                let mut e = s;
                while e < block.len() && block[e].1 == secondary {
                    e += 1;
                }
                if e - s <= cap {
                    emit(&block[s..e], split, &mut pairs);
                } else if e - s > 1 {
                    stats.skipped_blocks += 1;
                    stats.skipped_records += e - s;
                }
                s = e;
            }
        }
        stats.pairs_by_rule[rule_of(key).min(RULES - 1)] += pairs.len() - before;
        start = end;
    }
    drop(entries);
    pairs.sort_unstable();
    pairs.dedup();
    stats.pairs = pairs.len();
    (pairs, stats)
}

fn emit(block: &[(u64, u32, u32)], split: Option<usize>, pairs: &mut Vec<u64>) {
    for (i, a) in block.iter().enumerate() {
        for b in &block[i + 1..] {
            let (lo, hi) = if a.2 < b.2 { (a.2, b.2) } else { (b.2, a.2) };
            if lo == hi {
                continue;
            }
            if let Some(split) = split {
                let split = split as u32;
                if !(lo < split && hi >= split) {
                    continue;
                }
            }
            pairs.push((u64::from(lo) << 32) | u64::from(hi));
        }
    }
}
