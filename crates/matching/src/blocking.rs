//! Candidate generation (MATCH-2): every record gets keys from several independent rules, so
//! one bad field does not hide a match. Two records are candidates when they share a key.
//!
//! Rules (a key id is any of a token's spelling keys or its given-name group; for a given name,
//! patronymic or father's name of several tokens also the key of its first two written as one
//! word, so that Gul Mohammad meets Gulmohammad):
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
//!     locality and region or postcode), for records whose names and dates are all mistyped;
//! 12. given name × the first two letters of the family name's key (a typing slip later in the
//!     family name, with no date or number to meet on);
//! 13. given name × birth year, for records without a family name (NAME-AF-1).
//!
//! A block larger than its rule's cap (a common name) is not dropped but split by a second
//! key (rules 1 and 6: birth year; 2 and 3: a key of the other name; 5: family-name initial);
//! only a sub-block still over the cap is skipped, and it is counted.

use crate::analysis::{Corpus, Features, NONE};

/// A key: rule in the top 4 bits, hash below; and the secondary key used to split big blocks.
pub(crate) type Entry = (u64, u32);

const RULES: usize = 16;
/// Block-size caps per rule (index = rule number). Rules 1, 2, 3 and 6 (names, names and
/// year) were 400: at a million records each record's blocks then held thousands of others, and
/// ranking them (`MAX_CANDIDATES_PER_RECORD`) cost more than comparing; 100 scores the same at
/// 10k and 100k records.
const CAPS: [usize; RULES] = [
    30, 100, 100, 100, 50, 60, 100, 30, 30, 60, 30, 30, 60, 60, 30, 15,
];

/// Marks a family-name identity in a rule-14 key (identities are 32-bit ids).
const FAMILY_TAG: u64 = 1 << 40;

/// The secondary key of a family name × father's name key (rule 14, [`search_keys`]); a
/// search-only rule's secondary key is not used to split its blocks, so it marks the key.
const SIBLINGS: u32 = u32::MAX;

/// Whether a key is the family name × father's name of [`search_keys`], which brothers and
/// sisters share: a search compares the records it brings when the better keys leave room in
/// the budget, as it does for rule 0 ([`initials_only`]).
pub(crate) fn sibling_key(entry: Entry) -> bool {
    rule_of(entry.0) == 14 && entry.1 == SIBLINGS
}

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

/// Whether a key comes from a search-only rule ([`search_keys`]): a search skips such a key
/// when its postings are over the search cap, rather than filtering them by the secondary key,
/// so that the extra rules cost little at a million records.
pub(crate) fn search_only(key: u64) -> bool {
    matches!(rule_of(key), 0 | 14 | 15)
}

/// Whether a key comes from rule 0 (initials and the father's name, [`parent_initial_keys`]):
/// a search compares the records it brings only when the better keys leave room in the budget,
/// as sharing initials says little about identity.
pub(crate) fn initials_only(key: u64) -> bool {
    rule_of(key) == 0
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

/// [`identities`] of a part's first token, and for a compound written apart the key of the
/// two first tokens written as one word (`Lexicon::joined_key`): Gul Mohammad meets
/// Gulmohammad, Noor Ahmad Noorahmad (MATCH-2, NAME-AF-1), where the part is all that the two
/// records share (Afghan single names with the father's name).
fn part_identities(corpus: &Corpus, tokens: &[u32], out: &mut Vec<u64>) {
    identities(corpus, tokens.first(), out);
    if let Some(k) = corpus.lexicon().joined_key(tokens) {
        out.push(u64::from(k));
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
    part_identities(corpus, given_tokens, &mut given);
    identities(corpus, family_tokens.first(), &mut family);
    if family_tokens.len() > 1 {
        identities(corpus, family_tokens.last(), &mut scratch);
        family.extend_from_slice(&scratch);
        family.sort_unstable();
        family.dedup();
    }
    let patronymic = corpus.tokens(f.patronymic);
    let father = corpus.tokens(f.father);
    parent_identities(corpus, patronymic, father, &mut parent, &mut scratch);
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
    // 1 (and 2), read family-first: an unsplit name also meets under its first two words
    // (MATCH-3, `Corpus::family_first`), so that "حلاق أنس وائل" meets "Anas Helaq".
    if let Some((rotated_given, rotated_family, _)) = corpus.family_first(f) {
        let mut rg = Vec::new();
        let mut rf = Vec::new();
        identities(corpus, rotated_given.first(), &mut rg);
        identities(corpus, rotated_family.first(), &mut rf);
        let rotated_given_key = rotated_given
            .first()
            .and_then(|&t| corpus.lexicon().token(t).keys.first().copied())
            .unwrap_or(NONE);
        for &g in &rg {
            for &s in &rf {
                let (lo, hi) = if g < s { (g, s) } else { (s, g) };
                out.push((mix(1, lo, hi), year));
            }
        }
        if year != 0 {
            for &s in &rf {
                out.push((mix(2, s, u64::from(year)), rotated_given_key));
            }
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
    // 12. given × the first two letters of the family name's key, split by birth year: a
    // typing slip later in the family name (Пакратин / Pankratin) still meets.
    if let Some(&fk) = family_tokens
        .first()
        .and_then(|&t| corpus.lexicon().token(t).keys.first())
    {
        let prefix = corpus
            .lexicon()
            .key_text(fk)
            .bytes()
            .take(2)
            .fold(0u64, |h, b| (h << 8) | u64::from(b));
        for &g in &given {
            out.push((mix(12, g, prefix), year));
        }
    }
    // 2, 9 and 12 also for the other reading of a two-word unsplit name: "Melnyk Rusla" or
    // "Mgrdichian Arshag" written family-first is parsed given-first (nothing marks the
    // surname), and rule 1 alone (unordered) does not meet when one of the two words is
    // mistyped or the date is one year off (MATCH-2, MATCH-3; measured on the synthetic 10k
    // link with bench/matching/errors.py: such pairs were never compared).
    if f.unsplit && given_tokens.len() == 1 && family_tokens.len() == 1 && f.patronymic.is_empty() {
        let mut swapped_family = Vec::new();
        identities(corpus, given_tokens.first(), &mut swapped_family);
        let swapped_initial = corpus
            .lexicon()
            .token(family_tokens[0])
            .latin
            .bytes()
            .next();
        if year != 0 {
            for &s in &swapped_family {
                out.push((mix(2, s, u64::from(year)), first_family_key));
            }
        }
        if let Some(initial) = swapped_initial {
            for &s in &swapped_family {
                out.push((mix(9, s, u64::from(initial)), year));
            }
        }
        if first_given_key != NONE {
            let prefix = corpus
                .lexicon()
                .key_text(first_given_key)
                .bytes()
                .take(2)
                .fold(0u64, |h, b| (h << 8) | u64::from(b));
            let mut swapped_given = Vec::new();
            identities(corpus, family_tokens.first(), &mut swapped_given);
            for &g in &swapped_given {
                out.push((mix(12, g, prefix), year));
            }
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
    // 13. given × birth year, single names (NAME-AF-1: many Afghans have no family name, and
    // a source may not record the father's), split by the parent's name key when common.
    if family_tokens.is_empty() && year != 0 {
        let parent_key = patronymic
            .first()
            .or(father.first())
            .and_then(|&t| corpus.lexicon().token(t).keys.first().copied())
            .unwrap_or(NONE);
        for &g in &given {
            out.push((mix(13, g, u64::from(year)), parent_key));
        }
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

/// Search-only rules, on top of [`keys`] (MATCH-2, issue 3): a query meets its person through
/// several independent keys, so that one bad family name (a typo, a different tribal name, a
/// name written family-first and not split) does not hide them.
/// 14. given name × father's name or patronymic, for every record (rule 6 is for records
///     without a family name);
/// 15. given name × birth year, for every record (rule 13 is for records without a family
///     name);
/// 0. father's name or patronymic × the initials of the given and family names
///    ([`parent_initial_keys`]; 10k synthetic search 0.9955 → 0.998).
///
/// Their blocks are used only while small (caps 30 and 15, times the search factor): a common
/// name's block is skipped, not split, as rules 3 and 13 already cover it with a second field.
/// Measured on the 10k synthetic search (issue 3): recall@10 0.986 → 0.992.
///
/// The keys a query looks up: [`search_keys`], and the rules that carry a birth year (2, 3 and
/// 15) also for the year before and the year after. A birth year one off is the most common
/// date error of tracing requests (an age given instead of a date, DATE-5, and clerical
/// slips): on the synthetic 1M search, persons whose records differ from the query by one
/// year in the birth date and in a name part shared no key with it
/// (`examples/diagnose.rs search`). Only the query probes the neighbouring years, so the
/// index holds no more keys than before.
///
/// A query also probes the keys of the misreadings that are common in tracing requests and
/// lists, again without adding keys to the index ([`probe_keys`]).
pub(crate) fn query_keys(corpus: &Corpus, f: &Features, out: &mut Vec<Entry>) {
    search_keys(corpus, f, out);
    probe_keys(corpus, f, out);
    let year = f.date.year;
    if year == 0 {
        out.sort_unstable();
        out.dedup();
        return;
    }
    let mut extra = Vec::new();
    for neighbour in [year.saturating_sub(1), year.saturating_add(1)] {
        let mut shifted = *f;
        shifted.date.year = neighbour;
        shifted.date.month = 0;
        shifted.date.day = 0;
        search_keys(corpus, &shifted, &mut extra);
        out.extend(
            extra
                .iter()
                .filter(|&&(key, _)| matches!(rule_of(key), 2 | 3 | 15)),
        );
    }
    out.sort_unstable();
    out.dedup();
}

/// Query-only keys for three misreadings of a person's record (MATCH-2, MATCH-3, DATE-3),
/// each found among the 1M synthetic search's misses with `examples/diagnose.rs search` and
/// each common in real lists:
///
/// * **given and family name in each other's columns** (a detaining list that writes the
///   surname first, "КОВАЛЕНКО Александр", copied into the wrong columns): the query's given
///   name looks up the family-name rule 2 (family × year) and its family
///   name the given-name rules (15 given × year, 14 given × father, 12 given × family prefix),
///   so that a typing slip in one of the two names no longer hides the person;
/// * **a father's name taken for a family name** (NAME-AF-1: Afghan and many Arab names are
///   given name + father's name, which another source writes as given + family, or a
///   two-word compound given name such as Gul Ahmad or Khan Mohammad split over two columns):
///   a query without a family name looks up given × father's name (or its second given word)
///   as rule 1, given × family; a query whose family name is a single word and which has no
///   father's name looks up given × family as rule 6, given × father;
/// * **day and month swapped** (DATE-3: 08/11 read as 11 August or 8 November): the full
///   birth date with day and month exchanged, when both could be a month.
fn probe_keys(corpus: &Corpus, f: &Features, out: &mut Vec<Entry>) {
    let given_tokens = corpus.tokens(f.given);
    let family_tokens = corpus.tokens(f.family);
    let year = u32::from(f.date.year);
    // Swapped columns.
    if !given_tokens.is_empty() && !family_tokens.is_empty() {
        let mut swapped = *f;
        swapped.given = f.family;
        swapped.family = f.given;
        swapped.unsplit = false;
        let mut extra = Vec::new();
        search_keys(corpus, &swapped, &mut extra);
        out.extend(
            extra
                .iter()
                .filter(|&&(key, _)| matches!(rule_of(key), 2 | 12 | 14 | 15)),
        );
    }
    // The father's name (or a compound given name's second word) as a family name, and back.
    let mut given = Vec::new();
    let mut other = Vec::new();
    let mut scratch = Vec::new();
    identities(corpus, given_tokens.first(), &mut given);
    if family_tokens.is_empty() {
        let patronymic = corpus.tokens(f.patronymic);
        let father = corpus.tokens(f.father);
        parent_identities(corpus, patronymic, father, &mut other, &mut scratch);
        identities(corpus, given_tokens.get(1), &mut scratch);
        other.extend_from_slice(&scratch);
        other.sort_unstable();
        other.dedup();
        for &g in &given {
            for &s in &other {
                let (lo, hi) = if g < s { (g, s) } else { (s, g) };
                out.push((mix(1, lo, hi), year));
            }
        }
    } else if family_tokens.len() == 1 && f.father.is_empty() && f.patronymic.is_empty() {
        identities(corpus, family_tokens.first(), &mut other);
        // Rule 0 with the family name read as the father's, no family name.
        parent_initial_keys(corpus, f, &other, 0, out);
        for &g in &given {
            for &s in &other {
                out.push((mix(6, g, s), year));
                // An unsplit two-word name may have been read family-first ("Golab
                // Mahmood": Mahmood is a known given name, Golab is not).
                if f.unsplit {
                    out.push((mix(6, s, g), year));
                }
            }
        }
    }
    father_family_keys(corpus, f, out);
    swapped_date_key(corpus, f, out);
}

/// Rule 5 with the birth date's day and month exchanged, when both could be a month (DATE-3:
/// 08/11 read as 11 August or 8 November, and the other reading is not a placeholder).
fn swapped_date_key(corpus: &Corpus, f: &Features, out: &mut Vec<Entry>) {
    let d = f.date;
    if d.is_full() && d.day <= 12 && d.day != d.month {
        let mut swapped = d;
        std::mem::swap(&mut swapped.day, &mut swapped.month);
        if !swapped.is_placeholder() {
            let date = (u64::from(swapped.year) << 16)
                | (u64::from(swapped.month) << 8)
                | u64::from(swapped.day);
            let initial = corpus
                .tokens(f.family)
                .first()
                .and_then(|&t| corpus.lexicon().token(t).keys.first().copied())
                .map_or(0, |k| {
                    corpus
                        .lexicon()
                        .key_text(k)
                        .bytes()
                        .next()
                        .map_or(0, u32::from)
                });
            out.push((mix(5, date, 0), initial));
        }
    }
}

/// The family-name rules (1, 2, 9 and 12) read with the family name that the father's full name
/// carries ("Yuriy Lnsnov", father "Aleksandr Lesnov"), when it is not the record's own: a
/// typing slip in one of the two, or a maiden name (AP I 78(3)(e), father's full name;
/// NAME-UA-1, NAME-RU-1: a child bears the father's surname). Not when the father's last word
/// is a known given name (an Arabic or Afghan chain, "Mohammed Ali", names the grandfather).
/// Found on the synthetic 1M search (`examples/diagnose.rs search`): the person shared no key
/// with such a query.
fn father_family_keys(corpus: &Corpus, f: &Features, out: &mut Vec<Entry>) {
    let father = corpus.tokens(f.father);
    let Some(&last) = father.last() else {
        return;
    };
    if father.len() < 2 || corpus.lexicon().token(last).group != NONE {
        return;
    }
    let mut own = Vec::new();
    let mut scratch = Vec::new();
    for &t in corpus.tokens(f.family) {
        identities(corpus, Some(&t), &mut scratch);
        own.extend_from_slice(&scratch);
    }
    identities(corpus, Some(&last), &mut scratch);
    if scratch.iter().any(|i| own.contains(i)) {
        return;
    }
    let mut moved = *f;
    moved.family = f.father.last();
    moved.unsplit = false;
    let mut extra = Vec::new();
    keys(corpus, &moved, &mut extra);
    out.extend(
        extra
            .iter()
            .filter(|&&(key, _)| matches!(rule_of(key), 1 | 2 | 9 | 12)),
    );
}

/// For a name read family-first (`Corpus::family_first`) the rotated given name gives keys too.
/// Batch linkage does not use them: there every extra key adds pairs for all records, while a
/// search ranks its candidates by key rarity and compares at most `SEARCH_BUDGET`.
pub(crate) fn search_keys(corpus: &Corpus, f: &Features, out: &mut Vec<Entry>) {
    keys(corpus, f, out);
    let mut given = Vec::new();
    let mut parent = Vec::new();
    let mut scratch = Vec::new();
    identities(corpus, corpus.tokens(f.given).first(), &mut given);
    if let Some((rotated_given, _, _)) = corpus.family_first(f) {
        identities(corpus, rotated_given.first(), &mut scratch);
        given.extend_from_slice(&scratch);
        given.sort_unstable();
        given.dedup();
    }
    let patronymic = corpus.tokens(f.patronymic);
    let father = corpus.tokens(f.father);
    parent_identities(corpus, patronymic, father, &mut parent, &mut scratch);
    let year = u32::from(f.date.year);
    let parent_key = father
        .first()
        .or(patronymic.first())
        .and_then(|&t| corpus.lexicon().token(t).keys.first().copied())
        .unwrap_or(NONE);
    for &g in &given {
        for &p in &parent {
            out.push((mix(14, g, p), year));
        }
        if year != 0 {
            out.push((mix(15, g, u64::from(year)), parent_key));
        }
    }
    // 14, with the family name in place of the given name: a record without a birth date
    // whose given name is mistyped or another form (Микита / Никит, Василь / Sirchisihin in
    // the wrong column) still meets through the family name and the father's name, which a
    // tracing request nearly always gives (NAME-UA-1, NAME-RU-1, MATCH-2). Brothers and
    // sisters share both, so the key brings candidates but does not rank them (`sibling_key`).
    let mut family = Vec::new();
    identities(corpus, corpus.tokens(f.family).first(), &mut family);
    for &s in &family {
        for &p in &parent {
            out.push((mix(14, s | FAMILY_TAG, p), SIBLINGS));
        }
    }
    let family_prefix = corpus
        .tokens(f.family)
        .first()
        .and_then(|&t| corpus.lexicon().token(t).keys.first())
        .map_or(0, |&k| prefix2(corpus, k));
    parent_initial_keys(corpus, f, &parent, family_prefix, out);
    out.sort_unstable();
    out.dedup();
}

/// The first two letters of a spelling key, as one number (rule 12 and rule 0).
fn prefix2(corpus: &Corpus, key: u32) -> u64 {
    corpus
        .lexicon()
        .key_text(key)
        .bytes()
        .take(2)
        .fold(0u64, |h, b| (h << 8) | u64::from(b))
}

/// Search-only rule 0: father's name or patronymic × the given name's first letter × the first
/// two letters of the family name's key (none for a single name), split by birth year. Every
/// other name rule needs the given name's or the family name's key to agree; this one holds
/// when both are misspelled, truncated or a diminutive ("Mahmu" for Mahmood, "Yarko" for
/// Ярослав with "Фёдоро" for Fëdorov, "Sekrhiiko ... Lysychuk" for "Sergey Lisichhuk") as
/// long as the father's name agrees (AP I 78(3)(e) and GC IV 50 list the father's name; NAME-
/// AF-1, NAME-RU-1 and NAME-UA-1 names carry it). A common father's name makes a large block,
/// which a search skips. Found among the 10k synthetic search's misses with
/// `examples/diagnose.rs search`: the person shared no key with the query.
fn parent_initial_keys(
    corpus: &Corpus,
    f: &Features,
    parent: &[u64],
    family_prefix: u64,
    out: &mut Vec<Entry>,
) {
    // The first letter of the spelling key, not of the romanisation: Ярослав romanises as
    // "iaroslav" as well as "yaroslav", and both fold to the key "yraslav".
    let Some(initial) = corpus
        .tokens(f.given)
        .first()
        .and_then(|&t| corpus.lexicon().token(t).keys.first())
        .and_then(|&k| corpus.lexicon().key_text(k).bytes().next())
    else {
        return;
    };
    let year = u32::from(f.date.year);
    for &p in parent {
        out.push((mix(0, p, (family_prefix << 8) | u64::from(initial)), year));
    }
}

/// The keys of a record in batch link and dedupe: [`keys`], and three rules for the misreadings
/// that a search probes from the query's side ([`probe_keys`]), here from both records' sides
/// since both are stored (MATCH-2, MATCH-3; each found with `examples/diagnose.rs link ...
/// --truth` among true pairs of the synthetic 10k link that were never compared but score far
/// above the threshold when they are):
/// * rule 3 crosswise, the family field × father's name or patronymic × birth year: given and
///   family names in each other's columns ("Ceyhunli | Elnur oğlu | Rövşən" for Рёвшан Эльнур
///   оглы Джейгунли), with a slip in one of them, so that rules 1 and 2 do not meet;
/// * rule 1 for a record without a family name, given × father's name (NAME-AF-1: "Saradar",
///   father Ahmad, is "Saradar Ahmad" in a list that took the father's name for a family name);
/// * link only, rule 14, given × father's name or patronymic without the birth year: the
///   birth year one off (DATE-5) and a slip in the family name ("OXANLI Rauf Məmməd oğlu",
///   1992, and "Rauf Məmməd oğlu Orxanli", 1993) miss rules 1, 2, 3 and 12. A link's pairs
///   cross the two lists only, and its lists are of tracing size; in the deduplication of one
///   large list the rule added a tenth more pairs for little (F1 +0.0004 on the synthetic
///   10k).
///
/// The index does not store these keys: a search probes the same misreadings from the query.
fn batch_keys(corpus: &Corpus, f: &Features, left: Option<bool>, out: &mut Vec<Entry>) {
    batch_keys_of_year(corpus, f, left.is_some(), out);
    // DATE-3: in a link the left records also meet under their birth date with day and month
    // exchanged, as a search query does ([`probe_keys`]). (The query's other probes, swapped
    // columns and the father's name as a family name, brought more false than true pairs on
    // the synthetic 10k link: +4 / +6 and +0 / +1.)
    if left == Some(true) {
        swapped_date_key(corpus, f, out);
    }
    if left.is_some() {
        father_family_keys(corpus, f, out);
        out.sort_unstable();
        out.dedup();
    }
    // In a link, the left records also look up the year-keyed rules (2, 3 and 13, and rule 3
    // crosswise) for the year before and the year after, as a search query does
    // ([`query_keys`]): MATCH-2 asks for "given name key + birth year (± tolerance)".
    let year = f.date.year;
    if left == Some(true) && year != 0 {
        let mut extra = Vec::new();
        for neighbour in [year.saturating_sub(1), year.saturating_add(1)] {
            let mut shifted = *f;
            shifted.date.year = neighbour;
            shifted.date.month = 0;
            shifted.date.day = 0;
            batch_keys_of_year(corpus, &shifted, true, &mut extra);
            out.extend(
                extra
                    .iter()
                    .filter(|&&(key, _)| matches!(rule_of(key), 2 | 3 | 13)),
            );
        }
        out.sort_unstable();
        out.dedup();
    }
}

fn batch_keys_of_year(corpus: &Corpus, f: &Features, link: bool, out: &mut Vec<Entry>) {
    keys(corpus, f, out);
    let mut given = Vec::new();
    let mut parent = Vec::new();
    let mut scratch = Vec::new();
    parent_identities(
        corpus,
        corpus.tokens(f.patronymic),
        corpus.tokens(f.father),
        &mut parent,
        &mut scratch,
    );
    if parent.is_empty() {
        return;
    }
    identities(corpus, corpus.tokens(f.given).first(), &mut given);
    let family_tokens = corpus.tokens(f.family);
    let year = u32::from(f.date.year);
    if year != 0 {
        identities(corpus, family_tokens.first(), &mut scratch);
        for &s in &scratch {
            for &p in &parent {
                out.push((mix(3, s, p ^ (u64::from(year) << 40)), NONE));
            }
        }
    }
    for &g in &given {
        for &p in &parent {
            if family_tokens.is_empty() && g != p {
                let (lo, hi) = if g < p { (g, p) } else { (p, g) };
                out.push((mix(1, lo, hi), year));
            }
            if link {
                out.push((mix(14, g, p), year));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// The identities of the parent's name: the patronymic's first token and the father's given
/// name, which name the same person (NAME-UA-1, NAME-RU-1, NAME-AZ-1, NAME-AR-1).
fn parent_identities(
    corpus: &Corpus,
    patronymic: &[u32],
    father: &[u32],
    parent: &mut Vec<u64>,
    scratch: &mut Vec<u64>,
) {
    part_identities(corpus, patronymic, parent);
    part_identities(corpus, father, scratch);
    parent.extend_from_slice(scratch);
    parent.sort_unstable();
    parent.dedup();
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
    /// Pairs inside each rule's blocks (index = rule number), before the per-record selection
    /// and before removing pairs found by several rules.
    pub pairs_by_rule: [usize; RULES],
}

/// Most candidates a record keeps. A record whose blocks bring more (a common name in a large
/// list) keeps those that share the rarest keys with it or the most keys: each block weighs
/// ln(1 + records / block size) and a candidate's weight is the sum over the blocks it shares
/// (the inverse-document-frequency weighting of meta-blocking). A pair stays when either of its
/// records keeps it. Without this the pairs grow with the square of the list: 1.7 million at
/// 100,000 records, and a million records did not finish. 15 rather than 20: at a million
/// records comparing was the largest stage (13.5 s of 32 s, `perf`); 15 leaves 10.3 M pairs
/// instead of 13.5 M with F1 0.7786 → 0.7790 there, and FEBRL 1–4, the 10k dedupe and the 10k
/// cross-script link score exactly the same.
pub(crate) const MAX_CANDIDATES_PER_RECORD: usize = 15;

/// Candidate pairs of a corpus, as `low << 32 | high` record indices, sorted and distinct.
/// With `split = Some(n)` (a link), only pairs of a left record (`< n`) and a right record.
/// The per-record selection runs on `threads` threads; the result does not depend on their
/// number.
pub(crate) fn candidate_pairs_threads(
    corpus: &Corpus,
    split: Option<usize>,
    threads: usize,
) -> (Vec<u64>, BlockingStats) {
    let threads = threads.clamp(1, 16);
    let n = corpus.len();
    // Keys on all threads, each thread's share sorted there, then merged: this was a serial
    // loop and one sort of 26 M entries at a million records.
    let chunk = n.div_ceil(threads).max(1);
    let runs: Vec<Vec<(u64, u32, u32)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..n)
            .step_by(chunk)
            .map(|from| {
                scope.spawn(move || {
                    let mut entries: Vec<(u64, u32, u32)> = Vec::new();
                    let mut scratch = Vec::new();
                    for index in from..(from + chunk).min(n) {
                        batch_keys(
                            corpus,
                            &corpus.features[index],
                            split.map(|n| index < n),
                            &mut scratch,
                        );
                        entries.extend(scratch.iter().map(|&(k, s)| (k, s, index as u32)));
                    }
                    entries.sort_unstable();
                    entries
                })
            })
            .collect();
        workers.into_iter().map(join).collect()
    });
    let entries = merge_sorted(runs);
    let mut stats = BlockingStats {
        keys: entries.len(),
        ..BlockingStats::default()
    };
    // Blocks (or sub-blocks split by the secondary key) within their cap, as ranges of entries.
    let mut blocks: Vec<(u32, u32)> = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let key = entries[start].0;
        let mut end = start;
        while end < entries.len() && entries[end].0 == key {
            end += 1;
        }
        let cap = cap_of(key);
        let rule = rule_of(key).min(RULES - 1);
        let block = &entries[start..end];
        let size = |x: usize, y: usize| (y - x) * (y - x - 1) / 2;
        if block.len() <= cap {
            if block.len() > 1 {
                blocks.push((start as u32, end as u32));
                stats.pairs_by_rule[rule] += size(start, end);
            }
        } else {
            let mut s = 0;
            while s < block.len() {
                let secondary = block[s].1;
                let mut e = s;
                while e < block.len() && block[e].1 == secondary {
                    e += 1;
                }
                if e - s <= cap {
                    if e - s > 1 {
                        blocks.push(((start + s) as u32, (start + e) as u32));
                        stats.pairs_by_rule[rule] += size(s, e);
                    }
                } else if e - s > 1 {
                    stats.skipped_blocks += 1;
                    stats.skipped_records += e - s;
                }
                s = e;
            }
        }
        start = end;
    }
    // Each record's blocks (compressed rows: the blocks of record r are
    // member_blocks[offsets[r]..offsets[r + 1]]).
    let mut offsets = vec![0u32; n + 1];
    for &(b, e) in &blocks {
        for entry in &entries[b as usize..e as usize] {
            offsets[entry.2 as usize + 1] += 1;
        }
    }
    for r in 0..n {
        offsets[r + 1] += offsets[r];
    }
    let mut fill = offsets.clone();
    let mut member_blocks = vec![0u32; offsets[n] as usize];
    for (id, &(b, e)) in blocks.iter().enumerate() {
        for entry in &entries[b as usize..e as usize] {
            let r = entry.2 as usize;
            member_blocks[fill[r] as usize] = id as u32;
            fill[r] += 1;
        }
    }
    drop(fill);
    // The records in the order of their first block: records that share blocks are selected
    // one after another, and numbered so (`rank`): the votes of a record's candidates, and the
    // members of its blocks, then lie close together in memory. The selection of each record
    // does not depend on the numbering (votes are summed in the same order, ties are broken
    // by record index), and the pairs are sorted at the end. Measured on the synthetic 1M
    // dedupe (`examples/stages.rs`, two runs each, machine loaded): this stage 13.8 and 14.4 s
    // CPU before, 12.4 and 11.5 s after, the same pairs.
    let mut order: Vec<u32> = Vec::with_capacity(n);
    let mut rank = vec![u32::MAX; n];
    for &(b, e) in &blocks {
        for entry in &entries[b as usize..e as usize] {
            let r = entry.2 as usize;
            if rank[r] == u32::MAX {
                rank[r] = order.len() as u32;
                order.push(entry.2);
            }
        }
    }
    // Members as ranks.
    let members: Vec<u32> = entries.iter().map(|e| rank[e.2 as usize]).collect();
    drop(entries);
    drop(rank);
    // Per block, its range in `members` and its weight ln(1 + records / block size).
    let blocks: Vec<(u32, u32, f32)> = blocks
        .iter()
        .map(|&(b, e)| (b, e, (1.0 + n as f32 / (e - b) as f32).ln()))
        .collect();
    let select = |next: &std::sync::atomic::AtomicUsize| {
        let mut votes = vec![0f32; order.len()];
        let mut touched: Vec<u32> = Vec::new();
        let mut ranked: Vec<(f32, u32)> = Vec::new();
        let mut own: Vec<(u32, u32, f32)> = Vec::new();
        let mut pairs: Vec<u64> = Vec::new();
        loop {
            // Work in slices of the order taken from a shared counter: blocks of common
            // names are not spread evenly over the order.
            const SLICE: usize = 4096;
            let from = next.fetch_add(SLICE, std::sync::atomic::Ordering::Relaxed);
            if from >= order.len() {
                break;
            }
            for (position, &r32) in order.iter().enumerate().skip(from).take(SLICE) {
                touched.clear();
                let r = r32 as usize;
                let me = position as u32;
                // The record's blocks first, so that their loads overlap rather than wait
                // one after another behind the members' loop (measured with perf on the 1M
                // dedupe: the loads of `blocks` and of each block's first members were half
                // of this loop's time).
                own.clear();
                own.extend(
                    member_blocks[offsets[r] as usize..offsets[r + 1] as usize]
                        .iter()
                        .map(|&id| blocks[id as usize]),
                );
                // Likewise the first members of each block.
                std::hint::black_box(own.iter().fold(0, |x, &(b, _, _)| x ^ members[b as usize]));
                for &(b, e, weight) in &own {
                    for &other in &members[b as usize..e as usize] {
                        if other == me
                            || split.is_some() && !crosses(split, r32, order[other as usize])
                        {
                            continue;
                        }
                        let slot = &mut votes[other as usize];
                        if *slot == 0.0 {
                            touched.push(other);
                        }
                        *slot += weight;
                    }
                }
                ranked.clear();
                ranked.extend(
                    touched
                        .iter()
                        .map(|&o| (std::mem::take(&mut votes[o as usize]), order[o as usize])),
                );
                if ranked.len() > MAX_CANDIDATES_PER_RECORD {
                    ranked.select_nth_unstable_by(MAX_CANDIDATES_PER_RECORD - 1, |x, y| {
                        y.0.total_cmp(&x.0).then(x.1.cmp(&y.1))
                    });
                    ranked.truncate(MAX_CANDIDATES_PER_RECORD);
                }
                for &(_, o) in &ranked {
                    let (lo, hi) = if r32 < o { (r32, o) } else { (o, r32) };
                    pairs.push((u64::from(lo) << 32) | u64::from(hi));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let runs: Vec<Vec<u64>> = std::thread::scope(|scope| {
        let (select, next) = (&select, &next);
        let workers: Vec<_> = (0..threads)
            .map(|_| scope.spawn(move || select(next)))
            .collect();
        workers.into_iter().map(join).collect()
    });
    let mut pairs = merge_sorted(runs);
    pairs.dedup();
    stats.pairs = pairs.len();
    (pairs, stats)
}

fn join<T>(worker: std::thread::ScopedJoinHandle<'_, T>) -> T {
    worker
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Merges sorted runs into one sorted vector (runs merged pairwise, the shortest first).
fn merge_sorted<T: Ord + Copy>(mut runs: Vec<Vec<T>>) -> Vec<T> {
    runs.retain(|r| !r.is_empty());
    while runs.len() > 1 {
        runs.sort_by_key(|r| std::cmp::Reverse(r.len()));
        let (Some(a), Some(b)) = (runs.pop(), runs.pop()) else {
            break;
        };
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            if b[j] < a[i] {
                out.push(b[j]);
                j += 1;
            } else {
                out.push(a[i]);
                i += 1;
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        runs.push(out);
    }
    runs.pop().unwrap_or_default()
}

/// Whether two records may pair: any two in a dedupe, a left and a right one in a link.
fn crosses(split: Option<usize>, a: u32, b: u32) -> bool {
    match split {
        None => true,
        Some(split) => {
            let split = split as u32;
            (a < split) != (b < split)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Record;

    fn person(id: &str, fields: &[(&str, &str)]) -> Record {
        let mut record = Record::new(id);
        for (column, value) in fields {
            assert!(record.set(column, value), "unknown column {column}");
        }
        record
    }

    fn shared(
        corpus: &Corpus,
        a: usize,
        b: usize,
        make: fn(&Corpus, &Features, &mut Vec<Entry>),
    ) -> Vec<usize> {
        shared_by(corpus, a, make, b, make)
    }

    /// Rules shared between `a`'s keys made by `make_a` and `b`'s made by `make_b`.
    fn shared_by(
        corpus: &Corpus,
        a: usize,
        make_a: fn(&Corpus, &Features, &mut Vec<Entry>),
        b: usize,
        make_b: fn(&Corpus, &Features, &mut Vec<Entry>),
    ) -> Vec<usize> {
        let mut rules: Vec<usize> = shared_entries(corpus, a, make_a, b, make_b)
            .iter()
            .map(|&(k, _)| rule_of(k))
            .collect();
        rules.sort_unstable();
        rules.dedup();
        rules
    }

    // MATCH-2 (issue 3): a mistyped family name and a birth year one off left no shared key;
    // the search-only given × father key still brings the person.
    #[test]
    fn search_keys_meet_despite_a_bad_family_name() {
        let mut corpus = Corpus::new();
        let query = corpus.add(&person(
            "q",
            &[
                ("given_name", "Natiq"),
                ("family_name", "Anarov"),
                ("father_name", "Elçin Anarov"),
                ("birth_date", "1998-06-07"),
            ],
        ));
        let record = corpus.add(&person(
            "r",
            &[
                ("given_name", "Natig"),
                ("family_name", "Avarov"),
                ("father_name", "Elchin Anarov"),
                ("birth_date", "1997-06-07"),
            ],
        ));
        assert_eq!(shared(&corpus, query, record, keys), Vec::<usize>::new());
        assert_eq!(shared(&corpus, query, record, search_keys), vec![14]);
    }

    /// A crowd of namesakes larger than `MAX_CANDIDATES_PER_RECORD`: each record keeps the
    /// candidates it shares the rarest keys with (the two records of one service number are
    /// kept, though 39 others share their name and year), the same on any number of threads,
    /// and a link pairs only across the lists. The selection numbers records by their first
    /// block (`rank`); this checks that it reports the records' own indices.
    #[test]
    fn a_crowd_of_namesakes_keeps_the_rarest_shared_keys() {
        let mut corpus = Corpus::new();
        for i in 0..40 {
            let service = match i {
                3 | 36 => "XA123456".to_string(),
                _ => format!("XB{:06}", 100_000 + i * 7_919),
            };
            corpus.add(&person(
                &format!("p{i}"),
                &[
                    ("given_name", "Ivan"),
                    ("family_name", "Petrenko"),
                    ("birth_date", "1980"),
                    ("service_number", &service),
                ],
            ));
        }
        let (pairs, _) = candidate_pairs_threads(&corpus, None, 1);
        assert!(pairs.contains(&((3u64 << 32) | 36)), "{pairs:?}");
        for record in 0..40u64 {
            let degree = pairs
                .iter()
                .filter(|&&p| p >> 32 == record || p & 0xffff_ffff == record)
                .count();
            assert!(degree >= MAX_CANDIDATES_PER_RECORD, "{record}: {degree}");
        }
        // Not every pair of the crowd (780): a pair stays when either record keeps it.
        assert!(
            pairs.len() <= 40 * MAX_CANDIDATES_PER_RECORD,
            "{}",
            pairs.len()
        );
        for threads in [2, 3] {
            assert_eq!(candidate_pairs_threads(&corpus, None, threads).0, pairs);
        }
        let (linked, _) = candidate_pairs_threads(&corpus, Some(20), 2);
        assert!(linked.contains(&((3u64 << 32) | 36)), "{linked:?}");
        assert!(
            linked
                .iter()
                .all(|&p| (p >> 32) < 20 && (p & 0xffff_ffff) >= 20),
            "{linked:?}"
        );
    }

    fn link_pairs(left: &[Record], right: &[Record]) -> Vec<(u32, u32)> {
        let mut corpus = Corpus::new();
        for r in left.iter().chain(right) {
            corpus.add(r);
        }
        let (pairs, _) = candidate_pairs_threads(&corpus, Some(left.len()), 1);
        pairs
            .iter()
            .map(|&p| ((p >> 32) as u32, p as u32))
            .collect()
    }

    // MATCH-2 ("given name key + birth year (± tolerance)"), DATE-5: in a link the left
    // records look up the year-keyed rules for the neighbouring years too. The given names
    // (Ашот, Hovhannes) share no key and the family names' first letters differ, so only
    // family × year can meet; the years are one apart (synthetic 10k link, never compared;
    // there the given names were Овганнес and Hovhannes, which now share a key, NAME-AM-2).
    #[test]
    fn link_meets_a_birth_year_one_off() {
        let left = [person(
            "l",
            &[
                ("full_name", "ЭРИКЯН Ашот Давитович"),
                ("birth_date", "2003-09-25"),
            ],
        )];
        let right = [person(
            "r",
            &[
                ("full_name", "Erikyan Hovhannes"),
                ("birth_date", "2002-09-25"),
            ],
        )];
        assert_eq!(link_pairs(&left, &right), vec![(0, 1)]);
        let far = [person(
            "r",
            &[
                ("full_name", "Erikyan Hovhannes"),
                ("birth_date", "2001-09-25"),
            ],
        )];
        assert!(link_pairs(&left, &far).is_empty());
    }

    // AP I 78(3)(e), NAME-RU-1: the father's full name carries the family name; a typing
    // slip in the record's own family name ("Lnsnov") still meets through it, and the birth
    // year. An Arabic chain's last word (a known given name: the grandfather) is not taken.
    #[test]
    fn the_fathers_family_name_is_probed() {
        let mut corpus = Corpus::new();
        let query = corpus.add(&person(
            "q",
            &[
                ("given_name", "Yuriy"),
                ("patronymic", "Aleksandrovich"),
                ("family_name", "Lnsnov"),
                ("birth_date", "1967-08-02"),
                ("father_name", "Aleksandr Lesnov"),
            ],
        ));
        let record = corpus.add(&person(
            "r",
            &[
                ("given_name", "Yurij"),
                ("family_name", "Lesnov"),
                ("birth_date", "1967"),
                ("service_number", "XA 642638"),
            ],
        ));
        // Only given × year (rule 15), whose block is skipped for a common name at scale.
        assert_eq!(shared(&corpus, query, record, search_keys), vec![15]);
        assert!(probed(&corpus, query, record).contains(&2));
        let chain = corpus.add(&person(
            "c",
            &[
                ("given_name", "Yusuf"),
                ("family_name", "Haddad"),
                ("birth_date", "1967"),
                ("father_name", "Mohammed Ali"),
            ],
        ));
        let ali = corpus.add(&person(
            "a",
            &[
                ("given_name", "Yusuf"),
                ("family_name", "Ali"),
                ("birth_date", "1967"),
            ],
        ));
        assert!(!probed(&corpus, chain, ali).contains(&2));
        // In a link both sides read it.
        let left = [person(
            "l",
            &[
                ("full_name", "ОХХИМЕНКО Иван Иванович"),
                ("birth_date", "2006-08-26"),
                ("father_name", "Иван Охрименко"),
            ],
        )];
        let right = [person(
            "r",
            &[
                ("given_name", "Okhrimenko"),
                ("family_name", "Ivan"),
                ("father_name", "Ivan Okhrimenko"),
            ],
        )];
        assert_eq!(link_pairs(&left, &right), vec![(0, 1)]);
    }

    // DATE-3: "Fariba Ali" 1978-02-01 and "Feriba" 1978-01-02 share only the birth date read
    // the other way (the family name is missing on one side, the given names differ by a
    // letter): in a link the left record probes it.
    #[test]
    fn link_meets_day_and_month_swapped() {
        let left = [person(
            "l",
            &[("full_name", "Fariba Ali"), ("birth_date", "1978-02-01")],
        )];
        let right = [person(
            "r",
            &[("given_name", "Feriba"), ("birth_date", "1978-01-02")],
        )];
        assert_eq!(link_pairs(&left, &right), vec![(0, 1)]);
    }

    // NAME-RU-1: Маша is Мария's diminutive, not Миша's (the two share a vowel-anonymous key):
    // with a typing slip in the family name, given × patronymic × year is the only key.
    #[test]
    fn a_diminutive_meets_its_full_name_through_the_patronymic() {
        let left = [person(
            "l",
            &[
                ("full_name", "БОНДАРЕНДКО Мария Андреевна"),
                ("birth_date", "1980"),
            ],
        )];
        let right = [person(
            "r",
            &[
                ("given_name", "Маша"),
                ("patronymic", "Андреевна"),
                ("family_name", "Бондаренко"),
                ("birth_date", "1980-11-25"),
            ],
        )];
        assert_eq!(link_pairs(&left, &right), vec![(0, 1)]);
    }

    /// Rules shared between a query's [`query_keys`] and an indexed record's [`search_keys`].
    fn probed(corpus: &Corpus, query: usize, record: usize) -> Vec<usize> {
        shared_by(corpus, query, query_keys, record, search_keys)
    }

    /// The keys `a` (made by `make_a`) shares with `b` (made by `make_b`).
    fn shared_entries(
        corpus: &Corpus,
        a: usize,
        make_a: fn(&Corpus, &Features, &mut Vec<Entry>),
        b: usize,
        make_b: fn(&Corpus, &Features, &mut Vec<Entry>),
    ) -> Vec<Entry> {
        let (mut ka, mut kb) = (Vec::new(), Vec::new());
        make_a(corpus, corpus.features(a), &mut ka);
        make_b(corpus, corpus.features(b), &mut kb);
        ka.retain(|(k, _)| kb.iter().any(|(other, _)| other == k));
        ka
    }

    // MATCH-2, NAME-UA-1, NAME-RU-1: the person's record has no birth date and another form
    // of the given name (Микита / Никит); family and father's names agree (Володимир /
    // Владимир). Persons of the synthetic 100k search (q0000680, and q0001948 with given and
    // family names in each other's columns) shared no key with the query
    // (`examples/diagnose.rs search`). The family × father key brings them, marked as a key
    // that brothers share (it does not rank).
    #[test]
    fn family_and_fathers_name_meet_without_a_birth_date() {
        let mut corpus = Corpus::new();
        let query = corpus.add(&person(
            "q",
            &[
                ("given_name", "Микита"),
                ("patronymic", "Володимирович"),
                ("family_name", "Юрчишин"),
                ("birth_date", "1979-09-19"),
                ("father_name", "Володимир Юрчишин"),
            ],
        ));
        let record = corpus.add(&person(
            "r",
            &[
                ("full_name", "ЮРЧИШИН Никит Владимирович"),
                ("father_name", "Владимир Юрчишин"),
            ],
        ));
        let entries = shared_entries(&corpus, query, query_keys, record, search_keys);
        assert!(!entries.is_empty(), "no key shared");
        assert!(entries.iter().all(|&e| sibling_key(e)), "{entries:?}");
        // Swapped columns: the query's given name probes as the family name.
        let query = corpus.add(&person(
            "q2",
            &[
                ("given_name", "Василь"),
                ("patronymic", "Кирилович"),
                ("family_name", "Сірчишин"),
                ("father_name", "Кирило Сірчишин"),
            ],
        ));
        let record = corpus.add(&person(
            "r2",
            &[
                ("given_name", "Sirchisihin"),
                ("family_name", "Vasilii"),
                ("father_name", "Kirill Sirchishin"),
            ],
        ));
        let entries = shared_entries(&corpus, query, query_keys, record, search_keys);
        assert!(entries.iter().any(|&e| sibling_key(e)), "{entries:?}");
    }

    // MATCH-3: given and family name in each other's columns, with a typing slip in the given
    // name (Andriyko / Andreni): the query's family name probes the given-name rules.
    #[test]
    fn a_query_probes_given_and_family_swapped() {
        let mut corpus = Corpus::new();
        let query = corpus.add(&person(
            "q",
            &[
                ("given_name", "Andriyko"),
                ("patronymic", "Hryhorovych"),
                ("family_name", "Nesteryshyn"),
                ("birth_date", "1964"),
            ],
        ));
        let record = corpus.add(&person(
            "r",
            &[
                ("given_name", "Nesterishin"),
                ("patronymic", "Grigorevich"),
                ("family_name", "Andreni"),
                ("birth_date", "1964-01-14"),
            ],
        ));
        assert_eq!(
            shared(&corpus, query, record, search_keys),
            Vec::<usize>::new()
        );
        assert!(probed(&corpus, query, record).contains(&15));
        // The other way round: the query's given name probes family × year.
        let query = corpus.add(&person(
            "q2",
            &[
                ("given_name", "Ahmadzay"),
                ("family_name", "Ajmal"),
                ("birth_date", "1974-07-13"),
            ],
        ));
        let record = corpus.add(&person(
            "r2",
            &[
                ("given_name", "Ajal"),
                ("family_name", "Ahmadzai"),
                ("birth_date", "1974"),
            ],
        ));
        assert_eq!(
            shared(&corpus, query, record, search_keys),
            Vec::<usize>::new()
        );
        assert!(probed(&corpus, query, record).contains(&2));
    }

    // NAME-AF-1: given name + father's name (Kasem, father Basir) against a source that wrote
    // the two words as a full name ("قاسم بصیر", read as given + family), and back.
    #[test]
    fn a_query_probes_the_fathers_name_as_a_family_name() {
        let mut corpus = Corpus::new();
        let query = corpus.add(&person(
            "q",
            &[
                ("given_name", "Kasem"),
                ("patronymic", "Basir"),
                ("birth_date", "2006"),
            ],
        ));
        let record = corpus.add(&person(
            "r",
            &[("full_name", "قاسم بصیر"), ("birth_date", "2006-11-02")],
        ));
        // Only given × year (rule 15) was shared, which a common given name's block skips.
        assert_eq!(shared(&corpus, query, record, search_keys), vec![15]);
        assert!(probed(&corpus, query, record).contains(&1));
        let query = corpus.add(&person("q2", &[("full_name", "Golab Mahmood")]));
        let record = corpus.add(&person(
            "r2",
            &[("given_name", "Голаб"), ("father_name", "Махмуд")],
        ));
        assert!(probed(&corpus, query, record).contains(&6));
        // A compound given name split over two columns by one source (Khan Mohammad).
        let query = corpus.add(&person(
            "q3",
            &[("given_name", "Khan Mohammad"), ("birth_date", "1999")],
        ));
        let record = corpus.add(&person(
            "r3",
            &[("full_name", "خان محمد"), ("birth_date", "1999-12-25")],
        ));
        assert!(probed(&corpus, query, record).contains(&1));
    }

    // DATE-3: 1971-08-11 against 1971-11-08 (day and month exchanged), family name mistyped.
    #[test]
    fn a_query_probes_day_and_month_swapped() {
        let mut corpus = Corpus::new();
        let query = corpus.add(&person(
            "q",
            &[
                ("given_name", "Mohammed"),
                ("family_name", "Halabi"),
                ("birth_date", "1971-08-11"),
            ],
        ));
        let record = corpus.add(&person(
            "r",
            &[
                ("given_name", "Mohammed"),
                ("family_name", "Halaby"),
                ("birth_date", "1971-11-08"),
            ],
        ));
        assert!(!shared(&corpus, query, record, search_keys).contains(&5));
        assert!(probed(&corpus, query, record).contains(&5));
    }

    // The rotated given name of a family-first name gives search keys too.
    #[test]
    fn search_keys_read_an_unsplit_name_family_first() {
        let mut corpus = Corpus::new();
        let query = corpus.add(&person(
            "q",
            &[
                ("full_name", "Efimov Tolia Nikolaevich"),
                ("birth_date", "1975"),
            ],
        ));
        let record = corpus.add(&person(
            "r",
            &[("full_name", "Анатолий Ефимов Н."), ("birth_date", "1975")],
        ));
        assert!(shared(&corpus, query, record, search_keys).contains(&15));
    }

    // MATCH-2: a two-word name written family-first and not split ("Melnyk Rusla") with a
    // typing slip in the given name still meets the same person under family × birth year
    // (rule 2) read the other way round; before, the pair was never compared.
    #[test]
    fn a_two_word_unsplit_name_meets_under_its_other_reading() {
        let mut corpus = Corpus::new();
        let left = corpus.add(&person(
            "l",
            &[
                ("given_name", "Руслан"),
                ("patronymic", "Романович"),
                ("family_name", "Мельник"),
                ("birth_date", "1964-02-06"),
            ],
        ));
        let right = corpus.add(&person(
            "r",
            &[("full_name", "Melnyk Rusla"), ("birth_date", "1964")],
        ));
        let rules = shared(&corpus, left, right, keys);
        assert!(rules.contains(&2), "{rules:?}");
        assert!(rules.contains(&9), "{rules:?}");
    }
}

#[cfg(test)]
mod joined_tests {
    use super::*;
    use crate::record::Record;

    /// MATCH-2, NAME-AF-1: an Afghan compound name written as one word on one record and as
    /// two on the other (Gulmohammad / Gul Mohammad, Noorahmad / Noor Ahmad) must make the
    /// records candidates where the names are all they share with the father's name or the
    /// birth year; before, the parted form's blocking keys were those of its first token only
    /// (Gul), and such pairs were never compared.
    #[test]
    fn joined_compounds_meet_their_parted_form() {
        type Fields = &'static [(&'static str, &'static str)];
        let cases: [(Fields, Fields); 5] = [
            (
                &[
                    ("given_name", "Gulmohammad"),
                    ("father_name", "Abdul Karim"),
                ],
                &[
                    ("given_name", "Gul Mohammad"),
                    ("father_name", "Abdulkarim"),
                ],
            ),
            (
                &[("given_name", "Abdulrahman"), ("father_name", "Noor Ahmad")],
                &[
                    ("given_name", "Abd al-Rahman"),
                    ("father_name", "Noorahmad"),
                ],
            ),
            (
                &[("given_name", "Gulmohammad"), ("birth_date", "1980")],
                &[("given_name", "Gul Mohammad"), ("birth_date", "1980")],
            ),
            (
                &[("full_name", "Gulmohammad son of Abdul Karim")],
                &[("full_name", "Gul Mohammad s/o Abdulkarim")],
            ),
            (
                &[
                    ("given_name", "Noor Ahmad"),
                    ("father_name", "Gul Mohammad"),
                ],
                &[("given_name", "Noorahmad"), ("father_name", "Gulmohammad")],
            ),
        ];
        for (a, b) in cases {
            for (first, second) in [(a, b), (b, a)] {
                let mut corpus = Corpus::new();
                for (id, fields) in [("a", first), ("b", second)] {
                    let mut record = Record::new(id);
                    for (column, value) in fields {
                        assert!(record.set(column, value));
                    }
                    corpus.add(&record);
                }
                let (link, _) = candidate_pairs_threads(&corpus, Some(1), 1);
                let (dedupe, _) = candidate_pairs_threads(&corpus, None, 1);
                assert_eq!((link.len(), dedupe.len()), (1, 1), "{first:?} / {second:?}");
            }
        }
    }
}
