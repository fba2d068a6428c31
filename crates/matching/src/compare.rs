//! Comparison of two analysed records, feature by feature, into ordered levels (MATCH-3,
//! MATCH-4, MATCH-6). Levels are what the Fellegi–Sunter model weighs; `Missing` is neutral.

use strsim::{levenshtein, osa_distance};

use crate::similarity::{jaro_winkler, upper_bound_masked};

use crate::analysis::{Corpus, Features, Lexicon, NONE, TokenInfo};
use crate::date::{DATE_LEVELS, compare_dates};

/// The compared features, in the order of [`Comparison::levels`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Feature {
    GivenName = 0,
    FamilyName = 1,
    Patronymic = 2,
    BirthDate = 3,
    Sex = 4,
    FatherName = 5,
    MotherName = 6,
    ServiceNumber = 7,
    BirthPlace = 8,
    Nationality = 9,
    /// A postal or home address (GC III 122(4); the capture card's address of the next of kin).
    Address = 10,
}

/// Number of features.
pub const FEATURES: usize = 11;

impl Feature {
    /// All features in order.
    pub const ALL: [Feature; FEATURES] = [
        Feature::GivenName,
        Feature::FamilyName,
        Feature::Patronymic,
        Feature::BirthDate,
        Feature::Sex,
        Feature::FatherName,
        Feature::MotherName,
        Feature::ServiceNumber,
        Feature::BirthPlace,
        Feature::Nationality,
        Feature::Address,
    ];

    /// The feature's name in explanations.
    pub fn label(self) -> &'static str {
        match self {
            Feature::GivenName => "given name",
            Feature::FamilyName => "family name",
            Feature::Patronymic => "patronymic",
            Feature::BirthDate => "birth date",
            Feature::Sex => "sex",
            Feature::FatherName => "father's name",
            Feature::MotherName => "mother's name",
            Feature::ServiceNumber => "service number",
            Feature::BirthPlace => "birth place",
            Feature::Nationality => "nationality",
            Feature::Address => "address",
        }
    }

    /// Number of levels, `Missing` (0) included.
    pub fn levels(self) -> usize {
        match self {
            Feature::BirthDate => DATE_LEVELS,
            Feature::Sex | Feature::Nationality => 3,
            Feature::ServiceNumber => 4,
            _ => NAME_LEVELS,
        }
    }

    /// MATCH-6: a conflict on a strong feature blocks an automatic high score.
    pub fn is_strong(self) -> bool {
        matches!(
            self,
            Feature::ServiceNumber | Feature::FatherName | Feature::MotherName
        )
    }

    /// The level that is a conflict on a strong feature.
    pub(crate) fn conflict_level(self) -> Option<u8> {
        match self {
            Feature::ServiceNumber => Some(SERVICE_CONFLICT),
            Feature::FatherName | Feature::MotherName => Some(NameLevel::Different as u8),
            _ => None,
        }
    }

    /// A short machine name of a level (stable, for CSV and audit records; MATCH-7).
    pub fn level_code(self, level: u8) -> &'static str {
        if level == 0 {
            return "missing";
        }
        match self {
            Feature::BirthDate => [
                "missing",
                "exact",
                "day_month_swapped",
                "one_digit",
                "same_month",
                "same_year",
                "placeholder_year",
                "same_year_other_day",
                "year_off_1",
                "year_off_1_other_day",
                "year_off_2_5",
                "far",
                "full_dates_years_apart",
            ][level as usize],
            Feature::Sex | Feature::Nationality => ["missing", "agree", "disagree"][level as usize],
            Feature::ServiceNumber => ["missing", "exact", "close", "conflict"][level as usize],
            _ => NameLevel::from_u8(level).code(),
        }
    }
}

/// How two name parts relate, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum NameLevel {
    Missing = 0,
    /// The same token.
    Exact = 1,
    /// Spellings of one name (other script or romanisation): they share a key.
    SameKey = 2,
    /// Cognates or diminutives of one given name (Олександр / Александр / Sasha).
    Cognate = 3,
    /// Gendered forms of one surname (Ivanov / Ivanova).
    GenderForm = 4,
    /// Near-identical spelling (Jaro–Winkler ≥ 0.92): a typing slip.
    Close = 5,
    /// Similar spelling (Jaro–Winkler ≥ 0.84).
    Similar = 6,
    /// Some tokens agree, others differ (compound and chain names).
    Partial = 7,
    /// An initial agrees with the name.
    Initial = 8,
    /// Different names.
    Different = 9,
}

/// Number of [`NameLevel`]s.
pub const NAME_LEVELS: usize = 10;
pub(crate) const SERVICE_CONFLICT: u8 = 3;

impl NameLevel {
    fn from_u8(level: u8) -> NameLevel {
        match level {
            1 => NameLevel::Exact,
            2 => NameLevel::SameKey,
            3 => NameLevel::Cognate,
            4 => NameLevel::GenderForm,
            5 => NameLevel::Close,
            6 => NameLevel::Similar,
            7 => NameLevel::Partial,
            8 => NameLevel::Initial,
            9 => NameLevel::Different,
            _ => NameLevel::Missing,
        }
    }

    fn code(self) -> &'static str {
        match self {
            NameLevel::Missing => "missing",
            NameLevel::Exact => "exact",
            NameLevel::SameKey => "same_name_other_spelling",
            NameLevel::Cognate => "equivalent_name",
            NameLevel::GenderForm => "gender_form",
            NameLevel::Close => "close_spelling",
            NameLevel::Similar => "similar_spelling",
            NameLevel::Partial => "partial",
            NameLevel::Initial => "initial",
            NameLevel::Different => "different",
        }
    }

    fn agrees(self) -> bool {
        !matches!(
            self,
            NameLevel::Missing | NameLevel::Different | NameLevel::Partial
        )
    }

    /// A rough score used only to choose between part orders.
    fn order_score(self) -> i32 {
        match self {
            NameLevel::Exact | NameLevel::SameKey | NameLevel::Cognate | NameLevel::GenderForm => 4,
            NameLevel::Close => 3,
            NameLevel::Similar | NameLevel::Initial | NameLevel::Partial => 1,
            NameLevel::Missing => 0,
            NameLevel::Different => -3,
        }
    }
}

/// The outcome of comparing two records: one level per feature, and the token pairs that
/// decided the name levels (for term-frequency adjustment and explanations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// Level per feature, indexed by `Feature as usize`.
    pub levels: [u8; FEATURES],
    /// The right record's given and family names were compared crosswise (order swapped).
    pub swapped: bool,
    /// Crosswise, the right record's reading of which part is the given name was taken: the
    /// given-name level compares the left's family field with the right's given name.
    pub roles_from_right: bool,
    /// An unsplit name was read family-first (`Corpus::family_first`); the decisive tokens
    /// are in `given_pair` and `family_pair`.
    pub rotated: bool,
    /// Tokens (left, right) that decided the given-name level, or [`NONE`].
    pub given_pair: (u32, u32),
    /// Tokens (left, right) that decided the family-name level, or [`NONE`].
    pub family_pair: (u32, u32),
    /// The father's name was compared with the other side's patronymic.
    pub father_via_patronymic: bool,
    /// The father's names agreed, but so did the patronymics, which are made from the father's
    /// given name: the agreement is counted once, under the patronymic, and the father's name
    /// level is left `Missing`.
    pub father_in_patronymic: bool,
}

impl Comparison {
    /// The level of one feature.
    pub fn level(&self, feature: Feature) -> u8 {
        self.levels[feature as usize]
    }

    /// Packs the levels into one number (4 bits each), for counting patterns in EM.
    pub fn pattern(&self) -> u64 {
        self.levels
            .iter()
            .enumerate()
            .fold(0u64, |acc, (i, &l)| acc | (u64::from(l) << (4 * i)))
    }

    /// Unpacks [`Comparison::pattern`].
    pub fn levels_of(pattern: u64) -> [u8; FEATURES] {
        let mut levels = [0u8; FEATURES];
        for (i, level) in levels.iter_mut().enumerate() {
            *level = ((pattern >> (4 * i)) & 0xF) as u8;
        }
        levels
    }
}

const NO_PAIR: (u32, u32) = (NONE, NONE);
/// Jaro–Winkler similarity from which two spellings are `Close` (a typing slip).
const CLOSE: f64 = 0.92;
/// Jaro–Winkler similarity from which two spellings are `Similar`.
const SIMILAR: f64 = 0.84;

/// Compares two tokens (interned ids).
pub(crate) fn compare_tokens(corpus: &Corpus, a: u32, b: u32) -> NameLevel {
    compare_tokens_from(corpus, a, b, SIMILAR)
}

/// [`compare_tokens`] for a caller that only tells levels up to `Close` from the rest: the
/// similarity is computed only where it can reach `floor` (`SIMILAR` or `CLOSE`). With `CLOSE`
/// a result of `Similar` may come back as `Different`; every level up to `Close` is exact.
fn compare_tokens_from(corpus: &Corpus, a: u32, b: u32, floor: f64) -> NameLevel {
    if a == b {
        return NameLevel::Exact;
    }
    TokenMemo::get_or(corpus.lexicon().identity(), a, b, floor, || {
        compare_distinct_tokens(corpus, a, b, floor)
    })
}

/// Remembers the last token comparisons of this thread. A search compares the query's few
/// name tokens with the same candidate tokens over and over (its hundreds of candidates share
/// keys with the query, so mostly the same few spellings), and a batch compares the common
/// spellings of a name with each other for every candidate pair that holds them; the result
/// depends only on the two tokens and the floor, and a token id names the same token for as
/// long as its lexicon lives (`Lexicon::identity`). Direct-mapped: a slot holds the last pair
/// that hashed to it. Measured with callgrind on the synthetic 100k search (500 queries,
/// `examples/stages.rs`) before this cache: `compare_tokens_from`, `jaro_winkler` and
/// `upper_bound_masked` were 36% of the search's instructions.
struct TokenMemo {
    /// (lexicon identity, a, b, floor code, level); identity 0 is an empty slot.
    slots: Vec<(u64, u32, u32, u8, NameLevel)>,
}

const MEMO_SLOTS: usize = 4096;

thread_local! {
    static MEMO: std::cell::RefCell<TokenMemo> =
        const { std::cell::RefCell::new(TokenMemo { slots: Vec::new() }) };
}

impl TokenMemo {
    fn get_or(
        lexicon: u64,
        a: u32,
        b: u32,
        floor: f64,
        compute: impl FnOnce() -> NameLevel,
    ) -> NameLevel {
        // The floors used are SIMILAR, CLOSE and "none" (infinity); each gives its own level.
        debug_assert!(
            floor == SIMILAR || floor == CLOSE || floor == f64::INFINITY,
            "a new floor needs its own memo code: {floor}"
        );
        let code = if floor <= SIMILAR {
            0
        } else if floor <= CLOSE {
            1
        } else {
            2
        };
        let slot = ((u64::from(a).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ u64::from(b).wrapping_mul(0xc2b2_ae3d_27d4_eb4f)
            ^ u64::from(code))
            >> 52) as usize
            % MEMO_SLOTS;
        let hit = MEMO.with_borrow(|memo| {
            memo.slots.get(slot).and_then(|&(l, x, y, c, level)| {
                (l == lexicon && x == a && y == b && c == code).then_some(level)
            })
        });
        if let Some(level) = hit {
            return level;
        }
        let level = compute();
        MEMO.with_borrow_mut(|memo| {
            if memo.slots.is_empty() {
                memo.slots = vec![(0, 0, 0, 0, NameLevel::Missing); MEMO_SLOTS];
            }
            memo.slots[slot] = (lexicon, a, b, code, level);
        });
        level
    }
}

/// [`compare_tokens_from`] for two different token ids, uncached.
fn compare_distinct_tokens(corpus: &Corpus, a: u32, b: u32, floor: f64) -> NameLevel {
    let lex = corpus.lexicon();
    let ta = lex.token(a);
    let tb = lex.token(b);
    if ta.initial || tb.initial {
        let ia = ta.latin.chars().next();
        let ib = tb.latin.chars().next();
        return if ia.is_some() && ia == ib {
            NameLevel::Initial
        } else {
            NameLevel::Different
        };
    }
    // Keys fold ч, ш and щ together (Latin ch is either); where both spellings say which one
    // it is and they disagree (Elçin / Elşən, Эльчин / Эльшан), the names are different and
    // only their spelling similarity counts.
    let sibilants_differ = names::sibilants_conflict(ta.sibilants, tb.sibilants);
    // Likewise the written long vowel of the first syllable, which keys leave anonymous:
    // راما / ريما (Rama / Rima), Reema / Rama. The given-name classes still decide (their
    // spellings come from the tables, `names::given_name_group_of`).
    let vowels_differ = names::vowels_conflict(ta.vowels, tb.vowels);
    // Two spellings that the given-name table lists under classes with none in common are two
    // names, though keys, which leave vowels anonymous, fold some of them together (Ilya /
    // Ali, Jamal / Jamil, Nazar / Nazir): their shared key is no evidence, nor is their
    // consonant skeleton (al-Hasan / al-Husayn); only their spellings' similarity counts.
    let known_distinct = ta.listed != 0 && tb.listed != 0 && ta.listed & tb.listed == 0;
    let keys_differ = vowels_differ || known_distinct;
    let mut skeleton_only = false;
    if !sibilants_differ {
        for k in ta.keys.iter().filter(|_| !keys_differ) {
            if tb.keys.contains(k) {
                if *k != ta.skeleton && *k != tb.skeleton {
                    return NameLevel::SameKey;
                }
                skeleton_only = true;
            }
        }
        if ta.group != NONE && ta.group == tb.group {
            return NameLevel::Cognate;
        }
        if !vowels_differ
            && (ta.stem != NONE && (ta.stem == tb.stem || tb.keys.contains(&ta.stem))
                || tb.stem != NONE && ta.keys.contains(&tb.stem))
        {
            return NameLevel::GenderForm;
        }
    }
    // Only the levels from `Similar` (0.84) up need the similarity itself; the lengths alone
    // often show it cannot get there (a cheap bound, then the exact value).
    let mut similarity = 0.0;
    if upper_bound_masked(
        ta.latin_chars as usize,
        tb.latin_chars as usize,
        ta.latin_mask,
        tb.latin_mask,
    ) >= floor
    {
        similarity = jaro_winkler(&ta.latin, &tb.latin);
    }
    if similarity < CLOSE
        && !sibilants_differ
        && !keys_differ
        && let (Some(&ka), Some(&kb)) = (ta.keys.first(), tb.keys.first())
    {
        let (sa, sb) = (lex.key_text(ka), lex.key_text(kb));
        if sa.len() >= 3
            && sb.len() >= 3
            && upper_bound_masked(
                lex.key_chars(ka),
                lex.key_chars(kb),
                lex.key_mask(ka),
                lex.key_mask(kb),
            ) - 0.02
                >= floor
        {
            similarity = similarity.max(jaro_winkler(sa, sb) - 0.02);
        }
    }
    // Two spellings in one script that are each written in the given-name table under
    // different classes are two names, however alike: مهند / محمد (Muhannad / Muhammad),
    // الحسن / الحسين (al-Hasan / al-Husayn). Not a typing slip of each other: at most
    // similar (MATCH-3). Across scripts one side is somebody's romanisation, and a
    // letter-by-letter one lands on the spelling of another name often enough (صالح written
    // "Salah", which is the spelling of صلاح) that a near-identical spelling is still read as
    // a slip there. Measured on the synthetic 10k link, whose rule-based romanisations do
    // exactly that: capping across scripts too lowered R@p>=0.99 from 0.8227 to 0.8131.
    let distinct_names = similarity >= CLOSE
        && known_distinct
        && names::detect_script(&ta.text) == names::detect_script(&tb.text);
    if similarity >= CLOSE && !distinct_names && is_slip(lex, ta, tb) {
        NameLevel::Close
    } else if similarity >= SIMILAR || skeleton_only {
        NameLevel::Similar
    } else {
        NameLevel::Different
    }
}

/// Whether two spellings are one mistyped: a letter left out, added, changed or two swapped
/// (one such edit, two in a name of more than eight letters) in the romanised forms, or one
/// edit in the spelling keys. Jaro-Winkler favours a shared beginning, so surnames built on one root with
/// different suffixes (Мироненко / Миронюк, Коваленко / Ковальчук) scored as slips.
fn is_slip(lex: &Lexicon, ta: &TokenInfo, tb: &TokenInfo) -> bool {
    let allowance = if ta.latin.len().max(tb.latin.len()) > 8 {
        2
    } else {
        1
    };
    // Keys fold vowels, so one edit there is already more than one in the name.
    // The first key is the spelling's own (the others are roots and readings).
    within_slip(&ta.latin, &tb.latin, allowance)
        || matches!((ta.keys.first(), tb.keys.first()), (Some(&ka), Some(&kb))
            if within_slip(lex.key_text(ka), lex.key_text(kb), 1))
}

/// Whether two spellings are at most `k` edits apart, counting a swap of two neighbouring
/// letters as one (`strsim::osa_distance(a, b) <= k`), without allocating ([`within`]): this runs
/// for every pair of tokens whose Jaro-Winkler reaches `CLOSE`, millions of times in a 1M dedupe.
fn within_slip(a: &str, b: &str, k: usize) -> bool {
    within(a, b, k, true)
}

/// Compares two name parts of possibly several tokens: every token of the shorter part looks
/// for its best counterpart in the longer one. A missing part is neutral (MATCH-3).
pub(crate) fn compare_parts(corpus: &Corpus, a: &[u32], b: &[u32]) -> (NameLevel, (u32, u32)) {
    compare_parts_from(corpus, a, b, SIMILAR)
}

/// [`compare_parts`] with the similarity computed only where it can reach `floor`
/// ([`compare_tokens_from`]): the part's level is exact whenever it is `Close` or better.
fn compare_parts_from(
    corpus: &Corpus,
    a: &[u32],
    b: &[u32],
    floor: f64,
) -> (NameLevel, (u32, u32)) {
    if a.is_empty() || b.is_empty() {
        return (NameLevel::Missing, NO_PAIR);
    }
    let flipped = a.len() > b.len();
    let (short, long) = if flipped { (b, a) } else { (a, b) };
    let mut worst = NameLevel::Exact;
    let mut agreeing = 0usize;
    let mut decisive = NO_PAIR;
    let mut decisive_level = NameLevel::Different;
    for &s in short.iter().take(8) {
        let mut best = NameLevel::Different;
        let mut best_pair = NO_PAIR;
        for &l in long.iter().take(8) {
            let level = compare_tokens_from(corpus, s, l, floor);
            if level < best {
                best = level;
                best_pair = if flipped { (l, s) } else { (s, l) };
                if level == NameLevel::Exact {
                    break;
                }
            }
        }
        if best > NameLevel::SameKey
            && long.len() >= 2
            && let Some(pair) = joined_in(corpus, s, long)
        {
            best = NameLevel::SameKey;
            best_pair = if flipped { (pair, s) } else { (s, pair) };
        }
        if best.agrees() {
            agreeing += 1;
        }
        if best < decisive_level {
            decisive_level = best;
            decisive = best_pair;
        }
        worst = worst.max(best);
    }
    let level = if worst == NameLevel::Different && agreeing > 0 {
        NameLevel::Partial
    } else {
        worst
    };
    (level, decisive)
}

/// A compound written as one word on one side and as two on the other (MATCH-3, NAME-AF-1):
/// Afghan and Persian compound given names such as Gul Mohammad, Noor Ahmad, Khan Mohammad or
/// Mohammad Zaman are written joined (Gulmohammad, Noorahmad) as often as apart, in Latin and
/// in Arabic script alike (BGN/PCGN romanisation of Dari and Pashto writes what the source
/// writes; Afghan tazkira and passport spellings differ on it). The token agrees with two
/// adjacent tokens of the other part when one of its spelling keys (not the bare consonant
/// skeleton) is one key of the first followed by one key of the second. Returns the first of
/// the two tokens.
fn joined_in(corpus: &Corpus, token: u32, other: &[u32]) -> Option<u32> {
    let lex = corpus.lexicon();
    let t = lex.token(token);
    if t.initial {
        return None;
    }
    for window in other.windows(2).take(7) {
        let (first, second) = (lex.token(window[0]), lex.token(window[1]));
        if first.initial || second.initial {
            continue;
        }
        for &k in t.keys.iter() {
            if k == t.skeleton {
                continue;
            }
            let whole = lex.key_text(k);
            for &k1 in first.keys.iter() {
                if k1 == first.skeleton {
                    continue;
                }
                // Both halves at least two letters: a one-letter key is no name.
                let Some(rest) = whole.strip_prefix(lex.key_text(k1)) else {
                    continue;
                };
                if lex.key_chars(k1) < 2 || rest.chars().count() < 2 {
                    continue;
                }
                if second
                    .keys
                    .iter()
                    .any(|&k2| k2 != second.skeleton && lex.key_text(k2) == rest)
                {
                    return Some(window[0]);
                }
            }
        }
    }
    None
}

/// Compares the father's name with a patronymic: "Петро" and "Петрович" agree when the
/// patronymic's key is the father's key and a patronymic ending; a chain's first name agrees
/// by token, unless the names after it differ.
fn father_vs_patronymic(corpus: &Corpus, father: &[u32], patronymic: &[u32]) -> NameLevel {
    let (Some(&f), Some(&p)) = (father.first(), patronymic.first()) else {
        return NameLevel::Missing;
    };
    let level = compare_tokens(corpus, f, p);
    if level <= NameLevel::Close {
        // NAME-AR-1: an Arabic nasab is the father's name, then his father's: "محمد ياسر"
        // (Muhammad, son of Yasir) and "Mohamad Abed Alqader" (Muhammad, son of ʿAbd
        // al-Qadir) name two fathers, though the first names agree (Muhammad is the commonest).
        // The rest of the chains are compared as name parts, so that a compound written apart
        // ("Abad Alrahaman" / "عبدالرحمن") is still one name.
        if father.len() > 1
            && patronymic.len() > 1
            && compare_parts(corpus, &father[1..], &patronymic[1..]).0 == NameLevel::Different
        {
            return NameLevel::Partial;
        }
        return level;
    }
    let lex = corpus.lexicon();
    let tf = lex.token(f);
    let tp = lex.token(p);
    for &kf in tf.keys.iter() {
        let chars = lex.key_chars(kf);
        // The bare consonant skeleton is no evidence of one name (Hussain and حسن both give
        // hsn: Husayn and Hasan are two names).
        if chars < 3 || kf == tf.skeleton {
            continue;
        }
        let kf = lex.key_text(kf);
        // Drop the final letter of the father's key: Петро -> Петр-ович, Микола -> Микол-айович.
        let stem = match kf.char_indices().last() {
            Some((last, _)) if chars > 3 => &kf[..last],
            _ => kf,
        };
        let dropped = &kf[stem.len()..];
        if tp.keys.iter().any(|&kp| {
            lex.key_text(kp).strip_prefix(stem).is_some_and(|rest| {
                is_patronymic_ending(rest.strip_prefix(dropped).unwrap_or(rest))
            })
        }) {
            return NameLevel::SameKey;
        }
    }
    // A mismatch here is not a conflict: the two fields are written differently.
    NameLevel::Missing
}

/// What a patronymic adds to the father's name, in key spelling (`names::key`: vowels fold to
/// `a`, ch to `c`): East Slavic -ович/-евич/-ovych (`avac`), -овна/-івна (`avna`), -ич
/// (`ac`, Ильич `elac` after Илья `ela`: `c`), -ична (`acna`, `cna`), and the Armenian genitive
/// -ի (`i`: Գոռ / Գոռի, Harutyun / Harutyuni); nothing, when the patronymic field holds the
/// father's name itself (an Arabic nasab). Anything else is another name that happens to begin
/// alike: Gor (`har`) is not the father in Harutyuni (`haratani`).
fn is_patronymic_ending(rest: &str) -> bool {
    matches!(
        rest,
        "" | "i" | "avac" | "avna" | "ac" | "c" | "acna" | "cna" | "vac" | "vna"
    )
}

/// The tokens of a parent's name that are not the record's own family name (at most 8).
fn own_names<'a>(
    corpus: &Corpus,
    parent: &'a [u32],
    family: &[u32],
    buffer: &'a mut [u32; 8],
) -> &'a [u32] {
    if parent.len() < 2 || family.is_empty() {
        return parent;
    }
    let lex = corpus.lexicon();
    let mut n = 0;
    for &t in parent.iter().take(8) {
        let keys = &lex.token(t).keys;
        let is_family = family
            .iter()
            .any(|&f| f == t || lex.token(f).keys.iter().any(|k| keys.contains(k)));
        if !is_family {
            buffer[n] = t;
            n += 1;
        }
    }
    if n == 0 { parent } else { &buffer[..n] }
}

/// A record's sex: as recorded (1 male, 2 female), else that of its given name when the
/// cognate tables know it (`names::given_name_sex`); `None` when neither says.
fn sex_of(corpus: &Corpus, f: &Features) -> Option<u8> {
    if f.sex != 0 {
        return Some(f.sex);
    }
    let lex = corpus.lexicon();
    [f.given, f.family]
        .iter()
        .filter_map(|&span| corpus.tokens(span).first())
        .map(|&t| lex.token(t).group)
        .find(|&g| g != NONE)
        .and_then(names::given_name_sex)
        .map(|c| if c == 'F' { 2 } else { 1 })
}

fn simple(a: bool, b: bool, agree: bool) -> u8 {
    if !a || !b {
        0
    } else if agree {
        1
    } else {
        2
    }
}

/// Compares two analysed records.
pub fn compare(corpus: &Corpus, a: &Features, b: &Features) -> Comparison {
    let parts = |x: &Features| {
        (
            corpus.tokens(x.given),
            corpus.tokens(x.family),
            corpus.tokens(x.patronymic),
        )
    };
    // MATCH-3: each side's parts as parsed, and for an unsplit name also read family-first
    // (`Corpus::family_first`); each pairing is tried with given and family names direct and
    // crosswise (surname first or last). The best-agreeing reading is compared.
    let (ga, fa, pa) = parts(a);
    let (gb, fb, pb) = parts(b);
    let readings_a = [Some((ga, fa, pa)), corpus.family_first(a)];
    let readings_b = [Some((gb, fb, pb)), corpus.family_first(b)];
    // `beat`: the order score another reading must exceed to be chosen. A reading is chosen
    // only when both its parts score at least `beat + 1 - BEST_PART`; when that excludes
    // `Similar` and worse, the parts are compared with the `Close` floor (the similarity is
    // skipped where its bound falls short), and when it excludes `Close` too, without the
    // similarity at all. A reading that can win is computed exactly either way
    // (`compare_tokens_from`), so the choice and the levels are the same as comparing every
    // reading in full; most candidate pairs agree on both names at once (score 8) and
    // compare no other reading. Measured with perf on the 1M dedupe: the crosswise readings
    // of such pairs (given against family name, nearly always different) were most of the
    // Jaro–Winkler work.
    const BEST_PART: i32 = 4;
    const ANY: i32 = i32::MIN;
    // Crosswise, a name whose counterpart field is empty is not simply missing when the other
    // record has names left over (its patronymic or chain, NAME-AR-1): the other record's one
    // name was taken by the crosswise pairing, so this name would have to be among the
    // leftovers. "Yasir Al Muhammad" / "محمد حمید عبدالقادر" (no family name) paired
    // Al Muhammad with محمد and left Yasir unweighed: 97.6% for two different men (demo
    // tracing request, session 12). A leftover that agrees earns nothing; none agreeing is a
    // different name. With no leftovers (a record of one name) the name stays missing.
    let unpaired = |name: &[u32], other: &[u32], leftovers: &[u32], level: NameLevel| {
        if level != NameLevel::Missing || name.is_empty() || !other.is_empty() {
            return level;
        }
        if leftovers.is_empty() {
            return NameLevel::Missing;
        }
        match compare_parts(corpus, name, leftovers).0 {
            NameLevel::Different => NameLevel::Different,
            _ => NameLevel::Missing,
        }
    };
    let reading = |(ga, fa, pa): (&[u32], &[u32], &[u32]),
                   (gb, fb, pb): (&[u32], &[u32], &[u32]),
                   crosswise: bool,
                   beat: i32| {
        let floor = match beat.saturating_add(1 - BEST_PART) {
            ..=1 => SIMILAR,
            2..=3 => CLOSE,
            _ => f64::INFINITY,
        };
        let (gb_or_fb, fb_or_gb) = if crosswise { (fb, gb) } else { (gb, fb) };
        let (mut g, gp) = compare_parts_from(corpus, ga, gb_or_fb, floor);
        if crosswise {
            g = unpaired(ga, gb_or_fb, pb, g);
            g = unpaired(gb_or_fb, ga, pa, g);
        }
        if g.order_score() + BEST_PART <= beat {
            return (ANY, g, gp, NameLevel::Missing, NO_PAIR);
        }
        let (mut f, fp) = compare_parts_from(corpus, fa, fb_or_gb, floor);
        if crosswise {
            f = unpaired(fa, fb_or_gb, pb, f);
            f = unpaired(fb_or_gb, fa, pa, f);
        }
        (g.order_score() + f.order_score(), g, gp, f, fp)
    };
    let mut best = (
        reading((ga, fa, pa), (gb, fb, pb), false, ANY),
        false,
        false,
    );
    // The patronymics and the family names of the chosen reading (crosswise, the right
    // record's family name is in its given-name field).
    let mut chosen = (pa, pb, fa, fb);
    for (ia, ra) in readings_a.iter().enumerate() {
        let Some((ga, fa, pa)) = *ra else { continue };
        for (ib, rb) in readings_b.iter().enumerate() {
            let Some((gb, fb, pb)) = *rb else { continue };
            for crosswise in [false, true] {
                if ia + ib == 0 && !crosswise {
                    continue; // the starting point
                }
                if best.0.0 >= 2 * BEST_PART {
                    continue; // nothing scores higher
                }
                let candidate = reading((ga, fa, pa), (gb, fb, pb), crosswise, best.0.0);
                // Strictly better only: the parse's own reading wins ties.
                if candidate.0 > best.0.0 {
                    best = (candidate, crosswise, ia + ib > 0);
                    chosen = (pa, pb, fa, if crosswise { gb } else { fb });
                }
            }
        }
    }
    let ((_, mut given, mut given_pair, mut family, mut family_pair), swapped, rotated) = best;
    let (pa, pb, mut fa, mut fb) = chosen;
    // Crosswise, one record has its parts the other way round, but which one? The levels are
    // the same either way; the weights are not (a given name agreeing counts by the given-name
    // m and u and its own frequency, a diminutive is equivalent only among given names). The
    // part that is a known given name (in the cognate and diminutive tables, `names::groups`)
    // is the given name; when that does not decide, a record whose parts came in their own
    // columns is trusted over a name split by guessing (`Features::unsplit`). Before, the left
    // record's reading always won, and "Алексей / Льоша" in swapped order was weighed as a
    // family name (+2.3 bits, then -4 for the given name's frequency) instead of a given name
    // (+5.6): measured with bench/matching/errors.py on the synthetic 10k link.
    let mut roles_from_right = false;
    if swapped && !rotated {
        let known_given = |x: &[u32], y: &[u32]| {
            let lex = corpus.lexicon();
            x.first().is_some_and(|&t| lex.token(t).group != NONE)
                || y.first().is_some_and(|&t| lex.token(t).group != NONE)
        };
        let (ga, fa_parsed) = (corpus.tokens(a.given), corpus.tokens(a.family));
        let (gb, fb_parsed) = (corpus.tokens(b.given), corpus.tokens(b.family));
        let as_parsed = known_given(ga, fb_parsed); // left's given with right's family
        let other_way = known_given(fa_parsed, gb); // left's family with right's given
        roles_from_right = if as_parsed != other_way {
            other_way
        } else {
            a.unsplit && !b.unsplit
        };
        if roles_from_right {
            std::mem::swap(&mut given, &mut family);
            std::mem::swap(&mut given_pair, &mut family_pair);
            // The family names are then the left's given field and the right's family field.
            fa = ga;
            fb = fb_parsed;
        }
    }
    // The male and the female form of one family name (Yusifov / Yusifova, Кирилський /
    // Kirilska) tell a man from a woman, and so a brother from his sister; but when both
    // records are of the same sex, one of them carries the form of the other sex, which no
    // second person of that sex would: a woman written under her father's or husband's form
    // (common in Russian-language lists and in registrations made from a man's papers), or a
    // clerk's slip. Then the form difference is no evidence of two people, and the names are
    // one name spelled two ways. The sex is the recorded one, else the given name's
    // (`names::given_name_sex`, from the cognate tables); unknown on either side, nothing
    // changes.
    if family == NameLevel::GenderForm
        && let (Some(x), Some(y)) = (sex_of(corpus, a), sex_of(corpus, b))
        && x == y
    {
        family = NameLevel::SameKey;
    }
    let (mut patronymic, _) = compare_parts(corpus, pa, pb);
    // NAME-UA-3, NAME-RU-1: the Ukrainian and the Russian patronymic of one father's name
    // (Миколайович / Николаевич, Андрійович / Андреевич) are cognates as the father's given
    // names are (`names::patronymic_group`, from the given-name table).
    if patronymic > NameLevel::Cognate
        && let (Some(&x), Some(&y)) = (pa.first(), pb.first())
    {
        let lex = corpus.lexicon();
        let (gx, gy) = (lex.token(x).patronymic_group, lex.token(y).patronymic_group);
        if gx != NONE && gx == gy {
            patronymic = NameLevel::Cognate;
        }
    }

    // A parent's name often repeats the family name ("Анатолий Успенский"); only the parent's
    // own names tell two fathers apart. The family name is the one of the reading compared:
    // with given and family names written the other way round (|Заречнов|Николаевич|Николай|),
    // the family field holds the given name, and removing that from the father's
    // "Николай Заречнов" made a conflict (MATCH-6) out of one father.
    let mut buffers = [[0u32; 8]; 4];
    let [ba, bb, ma, mb] = &mut buffers;
    let fatha = own_names(corpus, corpus.tokens(a.father), fa, ba);
    let fathb = own_names(corpus, corpus.tokens(b.father), fb, bb);
    let mut father_via_patronymic = false;
    let mut father = if !fatha.is_empty() && !fathb.is_empty() {
        compare_parts(corpus, fatha, fathb).0
    } else if !fatha.is_empty() && !pb.is_empty() {
        father_via_patronymic = true;
        father_vs_patronymic(corpus, fatha, pb)
    } else if !fathb.is_empty() && !pa.is_empty() {
        father_via_patronymic = true;
        father_vs_patronymic(corpus, fathb, pa)
    } else {
        NameLevel::Missing
    };
    // Fellegi–Sunter adds the weights of independent features. A patronymic is made from the
    // father's given name (NAME-UA-1, NAME-RU-1: Петрович from Петро; NAME-AZ-1: Məmməd oğlu;
    // NAME-AR-1: the nasab is the father's name itself), so when both agree they are one
    // piece of evidence, and counting it twice let namesakes with the same father's name
    // (a planted hard negative, and common in real lists) outscore a different birth date.
    // A disagreement is kept: the two then tell different stories.
    let father_in_patronymic = patronymic.agrees() && father.agrees();
    if father_in_patronymic {
        // The one piece of evidence (the same father) counts at the better of its two
        // readings: "Мшил" / "ميشيل عمر" is only a similar spelling as patronymics, while the
        // father's names may agree in full.
        patronymic = patronymic.min(father);
        father = NameLevel::Missing;
    }
    if father == NameLevel::Missing {
        father_via_patronymic = false;
    }
    let mothera = own_names(corpus, corpus.tokens(a.mother), fa, ma);
    let motherb = own_names(corpus, corpus.tokens(b.mother), fb, mb);
    let (mother, _) = compare_parts(corpus, mothera, motherb);
    let (place, _) = compare_parts(corpus, corpus.tokens(a.place), corpus.tokens(b.place));
    let address = compare_address(corpus, corpus.tokens(a.address), corpus.tokens(b.address));
    let service = compare_service(corpus, a.service, b.service);

    let mut levels = [0u8; FEATURES];
    levels[Feature::GivenName as usize] = given as u8;
    levels[Feature::FamilyName as usize] = family as u8;
    levels[Feature::Patronymic as usize] = patronymic as u8;
    levels[Feature::BirthDate as usize] = compare_dates(a.date, b.date) as u8;
    levels[Feature::Sex as usize] = simple(a.sex != 0, b.sex != 0, a.sex == b.sex);
    levels[Feature::FatherName as usize] = father as u8;
    levels[Feature::MotherName as usize] = mother as u8;
    levels[Feature::ServiceNumber as usize] = service;
    levels[Feature::BirthPlace as usize] = place as u8;
    levels[Feature::Address as usize] = address as u8;
    levels[Feature::Nationality as usize] = simple(
        a.nationality[0] != 0,
        b.nationality[0] != 0,
        a.nationality == b.nationality,
    );
    Comparison {
        levels,
        swapped,
        roles_from_right,
        rotated,
        given_pair,
        family_pair,
        father_via_patronymic,
        father_in_patronymic,
    }
}

/// Compares two addresses as token sets: the share of tokens (of the longer address) that
/// have a counterpart written the same or nearly so. An address is free text whose parts
/// (number, street, locality, postcode, region) come in any order and are often left out, so
/// no part is required. Levels: `Exact` every token the same, `Close` at least two thirds
/// agree (the same or a near spelling; numbers only when the same),
/// `Similar` at least one third, `Partial` some, `Different` none.
pub(crate) fn compare_address(corpus: &Corpus, a: &[u32], b: &[u32]) -> NameLevel {
    if a.is_empty() || b.is_empty() {
        return NameLevel::Missing;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let lex = corpus.lexicon();
    let mut used = [false; 16];
    let mut agreeing = 0usize;
    let mut identical = 0usize;
    for &s in short.iter().take(16) {
        // A number (house number, postcode) agrees only when it is the same number.
        let numeric = lex.token(s).text.chars().any(|c| c.is_ascii_digit());
        let found = long
            .iter()
            .take(16)
            .enumerate()
            .find(|&(i, &l)| !used[i] && s == l)
            .or_else(|| {
                if numeric {
                    return None;
                }
                long.iter().take(16).enumerate().find(|&(i, &l)| {
                    !used[i] && compare_tokens_from(corpus, s, l, CLOSE) <= NameLevel::Close
                })
            });
        if let Some((i, &l)) = found {
            used[i] = true;
            agreeing += 1;
            if l == s {
                identical += 1;
            }
        }
    }
    let total = long.len().min(16);
    if identical == total {
        NameLevel::Exact
    } else if 3 * agreeing >= 2 * total {
        NameLevel::Close
    } else if 3 * agreeing >= total {
        NameLevel::Similar
    } else if agreeing > 0 {
        NameLevel::Partial
    } else {
        NameLevel::Different
    }
}

pub(crate) fn compare_service(corpus: &Corpus, a: u32, b: u32) -> u8 {
    if a == NONE || b == NONE {
        return 0;
    }
    if a == b {
        return 1;
    }
    let lex = corpus.lexicon();
    let (sa, sb) = (lex.service_text(a), lex.service_text(b));
    let allowed = if sa.len().min(sb.len()) >= 6 { 2 } else { 1 };
    if sa.len().min(sb.len()) >= 4 && within_edits(sa, sb, allowed) {
        2
    } else {
        SERVICE_CONFLICT
    }
}

/// Whether two strings are at most `k` edits apart (`strsim::levenshtein(a, b) <= k`), without
/// the allocation and the full table: the answer for a service number compared with every
/// candidate's ([`within`]).
fn within_edits(a: &str, b: &str, k: usize) -> bool {
    within(a, b, k, false)
}

/// At most `k` edits apart, a swap of two neighbouring characters counting as one edit when
/// `swaps` (optimal string alignment), else two (Levenshtein). ASCII strings (nearly all
/// service numbers and romanised names) are compared by bytes, three rows on the stack,
/// stopping once every cell of a row is over `k` (no later row can come back under it: a swap
/// reaches two rows back, and the row between is at most one more); others go to `strsim`.
fn within(a: &str, b: &str, k: usize, swaps: bool) -> bool {
    const MAX: usize = 80;
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || y.len() >= MAX {
        let distance = if swaps {
            osa_distance(a, b)
        } else {
            levenshtein(a, b)
        };
        return distance <= k;
    }
    if x.len().abs_diff(y.len()) > k {
        return false;
    }
    // A common beginning and end change no distance: the table is only of what differs (two
    // service numbers or spellings that differ at all mostly differ in a letter or two).
    let head = x.iter().zip(y).take_while(|(p, q)| p == q).count();
    let (x, y) = (&x[head..], &y[head..]);
    let tail = x
        .iter()
        .rev()
        .zip(y.iter().rev())
        .take_while(|(p, q)| p == q)
        .count();
    let (x, y) = (&x[..x.len() - tail], &y[..y.len() - tail]);
    if x.is_empty() || y.is_empty() {
        return x.len().max(y.len()) <= k;
    }
    // Rows i-2, i-1 and i, rotated by index (no copies); cells are at most MAX.
    let mut rows = [[0u8; MAX]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate().take(y.len() + 1) {
        *cell = j as u8;
    }
    let k = k.min(MAX) as u8;
    for i in 1..=x.len() {
        let (this, last, before) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[this][0] = i as u8;
        let mut lowest = i as u8;
        for j in 1..=y.len() {
            let cost = u8::from(x[i - 1] != y[j - 1]);
            let mut d = (rows[last][j] + 1)
                .min(rows[this][j - 1] + 1)
                .min(rows[last][j - 1] + cost);
            if swaps && i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                d = d.min(rows[before][j - 2] + 1);
            }
            rows[this][j] = d;
            lowest = lowest.min(d);
        }
        if lowest > k {
            return false;
        }
    }
    rows[x.len() % 3][y.len()] <= k
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn within_edits_known_values() {
        assert!(within_edits("AB123456", "AB123456", 0));
        assert!(within_edits("AB123456", "AB124356", 2));
        assert!(!within_edits("AB123456", "AB124356", 1));
        assert!(within_edits("AB12345", "AB123456", 1));
        assert!(!within_edits("AB12", "AB123456", 2));
        assert!(within_edits("АБ1234", "AB1234", 2));
    }

    fn corpus_of(names: &[(&str, &str)]) -> Corpus {
        let mut corpus = Corpus::new();
        for (i, (given, family)) in names.iter().enumerate() {
            let mut record = crate::Record::new(i.to_string());
            record.given_name = (*given).into();
            record.family_name = (*family).into();
            corpus.add(&record);
        }
        corpus
    }

    /// The memo of token comparisons is keyed by the lexicon too: the same token ids in another
    /// corpus on the same thread name other tokens and must be compared afresh.
    #[test]
    fn the_token_memo_never_answers_for_another_lexicon() {
        let first = corpus_of(&[("Oleksandr", "Kovalenko"), ("Aleksandr", "Kovalenko")]);
        let second = corpus_of(&[("Oleksandr", "Kovalenko"), ("Mykola", "Kovalenko")]);
        let given = |c: &Corpus, i: usize| c.tokens(c.features(i).given)[0];
        for _ in 0..2 {
            let (a, b) = (given(&first, 0), given(&first, 1));
            let (c, d) = (given(&second, 0), given(&second, 1));
            assert_eq!(
                (a, b),
                (c, d),
                "the test needs the same ids in both corpora"
            );
            for floor in [SIMILAR, CLOSE, f64::INFINITY] {
                let cached = compare_tokens_from(&first, a, b, floor);
                assert_eq!(cached, compare_distinct_tokens(&first, a, b, floor));
                assert!(
                    cached <= NameLevel::Cognate,
                    "Oleksandr / Aleksandr: {cached:?}"
                );
                let other = compare_tokens_from(&second, c, d, floor);
                assert_eq!(other, compare_distinct_tokens(&second, c, d, floor));
                assert_eq!(other, NameLevel::Different, "Oleksandr / Mykola");
            }
        }
    }

    fn record(fields: &[(&str, &str)]) -> crate::Record {
        let mut record = crate::Record::new("r");
        for (column, value) in fields {
            assert!(record.set(column, value), "{column}");
        }
        record
    }

    fn compare_records(a: &[(&str, &str)], b: &[(&str, &str)]) -> Comparison {
        let mut corpus = Corpus::new();
        let a = corpus.add(&record(a));
        let b = corpus.add(&record(b));
        compare(&corpus, corpus.features(a), corpus.features(b))
    }

    fn agrees(comparison: &Comparison, feature: Feature) -> bool {
        NameLevel::from_u8(comparison.level(feature)).agrees()
    }

    /// MATCH-3, NAME-AF-1, NAME-UA-1: the middle word of an unsplit three-word name is kept
    /// (as the patronymic), so that a list's "FAMILY Given Father's-name" order is read
    /// family-first. Both pairs are persons the synthetic 1M search lost (q0001740, q0000527,
    /// `examples/diagnose.rs search`): the parser had set the middle word aside, so the given
    /// name (Weli) and the family name (Анес) were compared with nothing or the wrong word.
    #[test]
    fn the_middle_word_of_an_unsplit_name_is_compared() {
        let c = compare_records(
            &[
                ("given_name", "Weli"),
                ("patronymic", "Ahmad"),
                ("family_name", "Besirezade"),
            ],
            &[("full_name", "Basirazada Weli Ahmad")],
        );
        assert!(c.rotated, "{c:?}");
        assert!(agrees(&c, Feature::GivenName), "Weli / Weli: {c:?}");
        assert!(
            agrees(&c, Feature::FamilyName),
            "Besirezade / Basirazada: {c:?}"
        );
        let c = compare_records(
            &[("given_name", "Hassan"), ("family_name", "Anas")],
            &[("full_name", "Хассан Анес Хасссан")],
        );
        assert!(agrees(&c, Feature::GivenName), "Hassan / Хассан: {c:?}");
        assert!(agrees(&c, Feature::FamilyName), "Anas / Анес: {c:?}");
    }

    fn given_level(a: &str, b: &str) -> NameLevel {
        let corpus = corpus_of(&[(a, "X"), (b, "X")]);
        let given = |i: usize| corpus.tokens(corpus.features(i).given);
        compare_parts(&corpus, given(0), given(1)).0
    }

    /// Written long vowels (ا against ي) make two names of spellings that share a key:
    /// راما / ريما (Rama / Rima) are at most similar, never one name or a typing slip; Latin
    /// spellings of one name still share their key.
    #[test]
    fn written_long_vowels_are_not_one_name() {
        assert!(given_level("راما", "ريما") > NameLevel::Close);
        assert!(given_level("راما", "Reema") > NameLevel::Close);
        assert_eq!(given_level("ريما", "Rima"), NameLevel::SameKey);
        assert_eq!(given_level("Mohammed", "Muhammad"), NameLevel::SameKey);
        assert_eq!(given_level("Mohamad", "Muhammad"), NameLevel::SameKey);
        assert_eq!(given_level("محمد", "Mohammed"), NameLevel::SameKey);
    }

    /// Real spellings the keys now bring together (names crate, tests/real_names.rs): Egyptian
    /// g for ج, Persian و as a vowel, Azerbaijani c, Russian forms of Armenian names.
    #[test]
    fn real_spellings_of_one_name_agree() {
        for (a, b) in [
            ("Naggar", "Najjar"),
            ("El Naggar", "Alnajjar"),
            ("رویا", "Roya"),
            ("Cavidli", "Джавидли"),
            ("Овганнес", "Hovhannes"),
            ("Рант", "Hrant"),
        ] {
            assert!(
                given_level(a, b) <= NameLevel::Cognate,
                "{a} / {b}: {:?}",
                given_level(a, b)
            );
        }
    }

    /// Two spellings, each a known given name of another class, are two names and not a
    /// typing slip of each other, however alike (MATCH-3): Muhannad is not Muhammad, al-Hasan
    /// not al-Husayn (similar at most, or different). Gender forms are still their own level.
    #[test]
    fn known_distinct_names_are_not_a_typing_slip() {
        for (a, b) in [
            ("مهند", "محمد"),
            ("Muhannad", "Muhammad"),
            ("الحسن", "الحسين"),
            ("Hasan", "Husayn"),
            ("Hasan", "Hussein"),
        ] {
            let level = given_level(a, b);
            assert!(level > NameLevel::Close, "{a} / {b}: {level:?}");
        }
        // Listed under classes with none in common, they are two names even where their keys
        // agree (keys leave vowels anonymous).
        for (a, b) in [("Ilya", "Ali"), ("Jamal", "Jamil"), ("Nazar", "Nazir")] {
            let level = given_level(a, b);
            assert!(level > NameLevel::Close, "{a} / {b}: {level:?}");
        }
        // Spellings of one class still agree.
        assert_eq!(given_level("Mohammed", "Mamed"), NameLevel::Cognate);
        assert!(given_level("Саша", "Oleksandr") <= NameLevel::Cognate);
        assert_eq!(given_level("Ivan", "Ivanna"), NameLevel::GenderForm);
        // A typing slip of one name is still one.
        assert_eq!(given_level("Muhammad", "Muhamamd"), NameLevel::Close);
    }

    /// A typing slip is one edit (two in a long name), whatever the Jaro-Winkler score: two
    /// surnames on one root with different suffixes are two names, at most similar.
    #[test]
    fn a_typing_slip_is_one_edit() {
        let family = |a: &str, b: &str| {
            let corpus = corpus_of(&[("X", a), ("X", b)]);
            let part = |i: usize| corpus.tokens(corpus.features(i).family);
            compare_parts(&corpus, part(0), part(1)).0
        };
        for (a, b) in [
            ("Архипов", "Arhkipov"),
            ("Медведева", "Medvevdeva"),
            ("Бондаренко", "Бондарендко"),
            ("Hovhannisyan", "Hovhanisyan"),
        ] {
            assert!(
                family(a, b) <= NameLevel::Close,
                "{a} / {b}: {:?}",
                family(a, b)
            );
        }
        for (a, b) in [
            ("Миронук", "Myronenko"),
            ("Petrenko", "Petrov"),
            ("Kovalchuk", "Kovalenko"),
        ] {
            let level = family(a, b);
            assert!(level > NameLevel::Close, "{a} / {b}: {level:?}");
        }
    }

    /// The father's name agrees with a patronymic by a key, never by the bare consonant
    /// skeleton: Hussain and Hasan both give "hsn" and are two names.
    #[test]
    fn father_and_patronymic_do_not_agree_by_skeleton() {
        let corpus = corpus_of(&[("Hussain", "X"), ("Hasan", "X"), ("Hassan", "X")]);
        let given = |i: usize| corpus.tokens(corpus.features(i).given);
        assert_eq!(
            father_vs_patronymic(&corpus, given(0), given(1)),
            NameLevel::Missing
        );
        assert!(father_vs_patronymic(&corpus, given(2), given(1)) <= NameLevel::SameKey);
    }

    /// A patronymic is the father's name and a patronymic ending, not any name that begins
    /// like it (Gor and Harutyuni share the key prefix `har`); an Arabic nasab whose second name
    /// differs names another father, though the first agrees.
    #[test]
    fn a_patronymic_is_the_fathers_name_and_an_ending() {
        let level = |father: &str, patronymic: &str| {
            let corpus = corpus_of(&[(father, "X"), (patronymic, "X")]);
            let given = |i: usize| corpus.tokens(corpus.features(i).given);
            father_vs_patronymic(&corpus, given(0), given(1))
        };
        for (father, patronymic) in [
            ("Petro", "Petrovych"),
            ("Nikolai", "Nikolaevich"),
            ("Mykola", "Mykolaiovych"),
            ("Ivan", "Ivanivna"),
            ("Ivan", "Ivanovich"),
            ("Ilya", "Ilyich"),
            ("Oleh", "Olehovych"),
            ("Gor", "Gori"),
            ("Harutyun", "Harutyuni"),
            ("Iosif", "Iosifovich"),
        ] {
            assert!(
                level(father, patronymic) <= NameLevel::Close,
                "{father} / {patronymic}: {:?}",
                level(father, patronymic)
            );
        }
        for (father, patronymic) in [
            ("Gor", "Harutyuni"),
            ("Ivan", "Ivanchenko"),
            ("Ali", "Alina"),
        ] {
            assert_eq!(
                level(father, patronymic),
                NameLevel::Missing,
                "{father} / {patronymic}"
            );
        }
        assert_eq!(
            level("Muhammad Yasir", "Mohamad Abed Alqader"),
            NameLevel::Partial
        );
        assert!(level("Muhammad Yasir", "Mohamad Yaser") <= NameLevel::Close);
        assert!(level("محمد عبدالرحمن", "Mohammed Abad Alrahaman") <= NameLevel::Close);
    }

    /// NAME-UA-3, NAME-RU-1: Ukrainian and Russian patronymics of cognate names agree as
    /// cognates; patronymics of different names do not.
    #[test]
    fn patronymics_of_cognate_names_agree() {
        let level = |a: &str, b: &str| {
            let mut corpus = Corpus::new();
            for (i, p) in [a, b].into_iter().enumerate() {
                let mut record = crate::Record::new(i.to_string());
                record.given_name = "Петро".into();
                record.family_name = "Коваленко".into();
                record.patronymic = p.into();
                corpus.add(&record);
            }
            let c = compare(&corpus, corpus.features(0), corpus.features(1));
            NameLevel::from_u8(c.level(Feature::Patronymic))
        };
        assert!(level("Миколайович", "Николаевич") <= NameLevel::Cognate);
        assert!(level("Андрійович", "Андреевич") <= NameLevel::Cognate);
        assert!(level("Олександрович", "Александрович") <= NameLevel::Cognate);
        assert_eq!(level("Миколайович", "Андреевич"), NameLevel::Different);
    }

    proptest! {
        // The stack-only check answers exactly what strsim's optimal string alignment would.
        #[test]
        fn within_slip_equals_osa_distance(
            a in "[a-d]{0,12}",
            b in "[a-d]{0,12}",
            k in 0usize..4,
        ) {
            prop_assert_eq!(within_slip(&a, &b, k), osa_distance(&a, &b) <= k, "{} {} {}", a, b, k);
        }

        // The bounded check answers exactly what the full Levenshtein distance would.
        #[test]
        fn within_edits_equals_levenshtein(
            a in "[0-9AB]{0,12}|[0-9Бб]{0,6}",
            b in "[0-9AB]{0,12}",
            k in 0usize..4,
        ) {
            prop_assert_eq!(within_edits(&a, &b, k), levenshtein(&a, &b) <= k, "{} {} {}", a, b, k);
        }
    }
}
