//! Each record is analysed once into compact features. Distinct strings are analysed once: the
//! [`Lexicon`] interns every distinct field text, token and key, because names repeat massively
//! (a million records carry a few tens of thousands of distinct names).

use rustc_hash::FxHashMap;

use crate::date::BirthDate;
use crate::lexicon;
use crate::record::Record;

/// An id that means "none" in the compact tables.
pub const NONE: u32 = u32::MAX;

/// What the analysis knows about one distinct name token.
#[derive(Clone, Debug)]
pub struct TokenInfo {
    /// The token as normalised (original script).
    pub text: Box<str>,
    /// The first plausible Latin spelling, for fuzzy comparison and for explanations.
    pub latin: Box<str>,
    /// Length of `latin` in characters.
    pub latin_chars: u32,
    /// The characters of `latin` as a set (`similarity::char_mask`).
    pub latin_mask: u64,
    /// Spelling-folding keys (ids into [`Lexicon::key_text`]); two spellings of one name share one.
    pub keys: Keys,
    /// Given-name equivalence group (cognates, diminutives, the Muhammad family), if known.
    pub group: u32,
    /// Gender-neutral surname stem (a key id), if the token has a gendered ending.
    pub stem: u32,
    /// The key id of the consonant skeleton among `keys`, or [`NONE`].
    pub skeleton: u32,
    /// A single letter (an initial).
    pub initial: bool,
    /// The token's unambiguous hushing consonants (`names::sibilants`): two spellings that
    /// share a key but disagree here (Elçin / Elşən) are different names.
    pub sibilants: u32,
    /// The vowel of the token's first syllable (`names::vowels`): two spellings that share a
    /// key but whose written long vowels disagree (راما / ريما) are different names.
    pub vowels: u32,
    /// For a patronymic (Миколайович, Nikolaevich), the given-name class of the father's
    /// name in it (`names::patronymic_group`), or [`NONE`].
    pub patronymic_group: u32,
    /// The classes under which the spelling itself is written in the given-name table
    /// (`names::listed_given_name_groups`), as a set of class ids modulo 64; 0 when it is not
    /// listed. Two listed spellings whose sets are disjoint have no class in common.
    pub listed: u64,
}

/// The key ids of a token (at most four, `lexicon::analyse_token`), kept inline: comparing
/// two tokens reads both tokens' keys, and a separate allocation per token cost a cache miss
/// each time (the comparison is most of a dedupe's and a search's work).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Keys {
    ids: [u32; 4],
    len: u8,
}

impl Keys {
    fn new(keys: impl IntoIterator<Item = u32>) -> Keys {
        let mut out = Keys::default();
        for key in keys.into_iter().take(4) {
            out.ids[usize::from(out.len)] = key;
            out.len += 1;
        }
        out
    }
}

impl std::ops::Deref for Keys {
    type Target = [u32];

    fn deref(&self) -> &[u32] {
        &self.ids[..usize::from(self.len)]
    }
}

/// A run of token ids in [`Corpus::arena`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    start: u32,
    len: u32,
}

impl Span {
    /// Whether the part has no tokens.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The part's last token alone (empty if the part is).
    pub(crate) fn last(self) -> Span {
        Span {
            start: self.start + self.len.saturating_sub(1),
            len: self.len.min(1),
        }
    }
}

/// The compact features of one record.
#[derive(Clone, Copy, Debug, Default)]
pub struct Features {
    pub(crate) given: Span,
    pub(crate) patronymic: Span,
    pub(crate) family: Span,
    pub(crate) father: Span,
    pub(crate) mother: Span,
    pub(crate) place: Span,
    pub(crate) address: Span,
    pub(crate) date: BirthDate,
    /// 0 unknown, 1 male, 2 female.
    pub(crate) sex: u8,
    pub(crate) nationality: [u8; 2],
    /// Interned normalised service number, or [`NONE`].
    pub(crate) service: u32,
    /// The name came from `full_name` and its part order is a guess.
    pub(crate) unsplit: bool,
    /// The birth-date text could not be read (kept as unknown).
    pub(crate) bad_date: bool,
}

impl Features {
    /// Whether the name came from `full_name`, its part order a guess.
    pub fn is_unsplit(&self) -> bool {
        self.unsplit
    }

    /// Whether the birth-date text could not be read.
    pub fn has_bad_date(&self) -> bool {
        self.bad_date
    }
}

/// Interned tokens, keys and field analyses.
#[derive(Debug, Default)]
pub struct Lexicon {
    token_ids: FxHashMap<Box<str>, u32>,
    tokens: Vec<TokenInfo>,
    key_ids: FxHashMap<Box<str>, u32>,
    keys: Vec<Box<str>>,
    /// Length of each key in characters (compared for every candidate pair, so counted once).
    key_chars: Vec<u32>,
    /// The characters of each key as a set (`similarity::char_mask`).
    key_masks: Vec<u64>,
    /// The key of two adjacent tokens written as one word (their first keys joined), by the
    /// two token ids, where one record writes a compound apart (`intern_joined`).
    joined: FxHashMap<(u32, u32), u32>,
    service_ids: FxHashMap<Box<str>, u32>,
    services: Vec<Box<str>>,
    /// Field text -> its token ids in `field_ids`, for name-like fields and addresses.
    field_cache: FxHashMap<Box<str>, FieldIds>,
    /// Full name text -> the (given, patronymic, family) token ids in `field_ids`.
    full_cache: FxHashMap<Box<str>, [FieldIds; 3]>,
    /// The token ids of every distinct field text, one run after another: a record's field is
    /// copied from here into the corpus's arena, with no allocation per field (3.7 field
    /// texts per record, nine in ten already seen, at a million records).
    field_ids: Vec<u32>,
    /// Which lexicon this is, for caches of results that depend only on its tokens.
    identity: LexiconIdentity,
}

/// Where a field text's token ids are in [`Lexicon::field_ids`].
#[derive(Clone, Copy, Debug, Default)]
struct FieldIds {
    start: u32,
    len: u32,
}

/// A number no other lexicon of this process has. A token id, once interned, always names the
/// same token (tokens are never removed or rewritten, and a lexicon is not `Clone`), so a
/// result computed from two token ids stays true for as long as the lexicon lives: the
/// comparison memo (`compare::TokenMemo`) keys its entries by this number and the two ids.
#[derive(Debug)]
struct LexiconIdentity(u64);

impl Default for LexiconIdentity {
    fn default() -> LexiconIdentity {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        LexiconIdentity(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

impl Lexicon {
    /// This lexicon's number, unique in the process ([`LexiconIdentity`]).
    pub(crate) fn identity(&self) -> u64 {
        self.identity.0
    }

    /// The token behind an id.
    pub fn token(&self, id: u32) -> &TokenInfo {
        &self.tokens[id as usize]
    }

    /// The text of a key id.
    pub fn key_text(&self, id: u32) -> &str {
        &self.keys[id as usize]
    }

    /// The length of a key in characters.
    pub(crate) fn key_chars(&self, id: u32) -> usize {
        self.key_chars[id as usize] as usize
    }

    /// The characters of a key as a set.
    pub(crate) fn key_mask(&self, id: u32) -> u64 {
        self.key_masks[id as usize]
    }

    /// The normalised service number behind an id.
    pub fn service_text(&self, id: u32) -> &str {
        &self.services[id as usize]
    }

    /// Makes room for `additional` more distinct field texts, tokens and keys without growing
    /// the tables: a search analyses its query into them, and growing a table of a million
    /// entries in the middle of a query costs it tens of milliseconds.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.field_cache.reserve(additional);
        self.full_cache.reserve(additional);
        self.token_ids.reserve(additional);
        self.tokens.reserve(additional);
        self.key_ids.reserve(additional);
        self.keys.reserve(additional);
        self.key_chars.reserve(additional);
        self.key_masks.reserve(additional);
    }

    /// Number of distinct tokens seen.
    pub fn distinct_tokens(&self) -> usize {
        self.tokens.len()
    }

    fn intern_key(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.key_ids.get(key) {
            return id;
        }
        let id = self.keys.len() as u32;
        self.keys.push(key.into());
        self.key_chars.push(key.chars().count() as u32);
        self.key_masks.push(crate::similarity::char_mask(key));
        self.key_ids.insert(key.into(), id);
        id
    }

    /// A compound written apart (Gul Mohammad, Noor Ahmad; MATCH-3, NAME-AF-1) is written as
    /// one word as often (Gulmohammad): the key of the joined word is the first two tokens'
    /// first keys one after the other (as `compare::joined_in` reads it), interned here so
    /// that blocking can give the parted form the joined form's key whatever the order in
    /// which the records came.
    fn intern_joined(&mut self, field: FieldIds) {
        let (a, b) = match self.ids(field) {
            [a, b, ..] => (*a, *b),
            _ => return,
        };
        if self.joined.contains_key(&(a, b)) {
            return;
        }
        let (ta, tb) = (&self.tokens[a as usize], &self.tokens[b as usize]);
        if ta.initial || tb.initial {
            return;
        }
        let (Some(&ka), Some(&kb)) = (ta.keys.first(), tb.keys.first()) else {
            return;
        };
        if self.key_chars[ka as usize] < 2 || self.key_chars[kb as usize] < 2 {
            return;
        }
        let text = format!("{}{}", self.keys[ka as usize], self.keys[kb as usize]);
        let id = self.intern_key(&text);
        self.joined.insert((a, b), id);
    }

    /// The key of the first two of `tokens` written as one word ([`Lexicon::intern_joined`]).
    pub(crate) fn joined_key(&self, tokens: &[u32]) -> Option<u32> {
        let [a, b, ..] = tokens else { return None };
        self.joined.get(&(*a, *b)).copied()
    }

    fn intern_token(&mut self, token: &str) -> u32 {
        if let Some(&id) = self.token_ids.get(token) {
            return id;
        }
        let info = lexicon::analyse_token(token);
        let keys = Keys::new(
            info.keys
                .iter()
                .map(|k| self.intern_key(k))
                .collect::<Vec<_>>(),
        );
        let stem = match &info.stem {
            Some(stem) => self.intern_key(stem),
            None => NONE,
        };
        let skeleton = match &info.skeleton {
            Some(skeleton) => self.intern_key(skeleton),
            None => NONE,
        };
        let id = self.tokens.len() as u32;
        self.tokens.push(TokenInfo {
            text: token.into(),
            latin_chars: info.latin.chars().count() as u32,
            latin_mask: crate::similarity::char_mask(&info.latin),
            latin: info.latin.into(),
            keys,
            group: info.group.unwrap_or(NONE),
            stem,
            skeleton,
            initial: token.chars().filter(|c| c.is_alphanumeric()).count() == 1,
            sibilants: names::sibilants(token),
            vowels: names::vowels(token),
            patronymic_group: info.patronymic_group.unwrap_or(NONE),
            listed: names::listed_given_name_groups(token)
                .iter()
                .fold(0u64, |mask, &g| mask | 1u64 << (g % 64)),
        });
        self.token_ids.insert(token.into(), id);
        id
    }

    /// The token ids of a field ([`Lexicon::field`], [`Lexicon::address`]).
    fn ids(&self, field: FieldIds) -> &[u32] {
        &self.field_ids[field.start as usize..(field.start + field.len) as usize]
    }

    /// Keeps a new field text's token ids.
    fn keep(&mut self, text: &str, ids: &[u32]) -> FieldIds {
        let field = FieldIds {
            start: self.field_ids.len() as u32,
            len: ids.len() as u32,
        };
        self.field_ids.extend_from_slice(ids);
        self.field_cache.insert(text.into(), field);
        field
    }

    /// Token ids of a name-like field (cached per distinct text).
    fn field(&mut self, text: &str) -> FieldIds {
        let text = text.trim();
        if text.is_empty() {
            return FieldIds::default();
        }
        if let Some(&ids) = self.field_cache.get(text) {
            return ids;
        }
        let ids: Vec<u32> = lexicon::split(text)
            .iter()
            .map(|t| self.intern_token(t))
            .collect();
        self.keep(text, &ids)
    }

    /// Token ids of an address: like a name field, but numbers (house number, postcode) are
    /// tokens too. Cached per distinct text.
    fn address(&mut self, text: &str) -> FieldIds {
        let text = text.trim();
        if text.is_empty() {
            return FieldIds::default();
        }
        if let Some(&ids) = self.field_cache.get(text) {
            return ids;
        }
        let mut tokens: Vec<String> = Vec::new();
        for piece in text.split(|c: char| !c.is_alphanumeric()) {
            if tokens.len() >= 16 {
                break;
            }
            if piece.chars().any(|c| c.is_ascii_digit()) {
                tokens.push(piece.chars().take(16).collect::<String>().to_lowercase());
            } else if !piece.is_empty() {
                tokens.extend(lexicon::split(piece));
            }
        }
        tokens.truncate(16);
        let ids: Vec<u32> = tokens.iter().map(|t| self.intern_token(t)).collect();
        self.keep(text, &ids)
    }

    fn full_name(&mut self, text: &str) -> [FieldIds; 3] {
        let text = text.trim();
        if let Some(&parts) = self.full_cache.get(text) {
            return parts;
        }
        let parsed = lexicon::parse_full(text);
        let parts = [
            self.field(&parsed.given),
            self.field(&parsed.patronymic),
            self.field(&parsed.family),
        ];
        self.full_cache.insert(text.into(), parts);
        parts
    }

    fn service(&mut self, text: &str) -> u32 {
        let normal = normalise_service_number(text);
        if normal.is_empty() {
            return NONE;
        }
        if let Some(&id) = self.service_ids.get(normal.as_str()) {
            return id;
        }
        let id = self.services.len() as u32;
        self.services.push(normal.as_str().into());
        self.service_ids.insert(normal.into(), id);
        id
    }
}

/// Records analysed into features, their tokens in one arena.
#[derive(Debug, Default)]
pub struct Corpus {
    pub(crate) lexicon: Lexicon,
    arena: Vec<u32>,
    pub(crate) features: Vec<Features>,
    /// Number of records whose given or family name carries each identity (key or group).
    frequency: FxHashMap<u32, u32>,
}

/// The group ids live in the same frequency table as key ids, tagged by the top bit.
const GROUP_TAG: u32 = 1 << 31;

impl Corpus {
    /// An empty corpus.
    pub fn new() -> Corpus {
        Corpus::default()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether the corpus has no records.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The interned tokens and keys.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Features of the record at `index`.
    pub fn features(&self, index: usize) -> &Features {
        &self.features[index]
    }

    /// Reads what comparing these records will read first, in a loop of its own: each
    /// record's features, the token ids of its name parts and birth place, and each token's
    /// record and Latin spelling. At a million records each of those is a cache miss (a
    /// record's features, its fields' token ids and the tokens lie in three different tables),
    /// and in a comparison they come one after another, each waiting on the one before. Here
    /// the loads of different records do not depend on each other, so many are in flight at
    /// once, and the comparisons that follow find them in the cache (`bench/README.md`, "1M
    /// search: waiting on memory").
    pub(crate) fn warm(&self, records: impl IntoIterator<Item = usize>) {
        let lex = &self.lexicon;
        let mut sink = 0u32;
        for r in records {
            let b = &self.features[r];
            for span in [b.given, b.family, b.patronymic, b.father, b.mother, b.place] {
                for &t in self.tokens(span) {
                    let info = lex.token(t);
                    let first = info.latin.as_bytes().first().copied().unwrap_or(0);
                    sink = sink.wrapping_add(info.group).wrapping_add(u32::from(first));
                }
            }
        }
        // The loads' values are not needed: this keeps the compiler from dropping them.
        std::hint::black_box(sink);
    }

    /// Token ids of a part.
    pub fn tokens(&self, span: Span) -> &[u32] {
        &self.arena[span.start as usize..(span.start + span.len) as usize]
    }

    /// MATCH-3, part order: an unsplit name of three or more words that the parser read
    /// given-first (given, father's names, family) read family-first instead, as detaining
    /// lists often write it without capitals to mark the surname (`حلاق أنس وائل`, Persian
    /// and Armenian lists: family, given, father's name). Returns (given, family,
    /// patronymic): the second word, the first word, and the words after the second. `None`
    /// when the record was split by its source, or its parse has no father's name between.
    pub(crate) fn family_first(&self, f: &Features) -> Option<(&[u32], &[u32], &[u32])> {
        if !f.unsplit
            || f.given.len != 1
            || f.family.len != 1
            || f.patronymic.len == 0
            || f.patronymic.start + f.patronymic.len != f.family.start
        {
            return None;
        }
        let given = self.tokens(f.given);
        let rest = &self.arena[(f.patronymic.start + 1) as usize..(f.family.start + 1) as usize];
        let second = &self.arena[f.patronymic.start as usize..=f.patronymic.start as usize];
        Some((second, given, rest))
    }

    /// Analyses a record and adds it; returns its index. Never fails: unreadable parts
    /// (a date like `0000-13-45`) become unknown and are flagged (`Features::bad_date`).
    pub fn add(&mut self, record: &Record) -> usize {
        let features = self.analyse(record);
        self.count_frequencies(&features);
        self.features.push(features);
        self.features.len() - 1
    }

    /// Makes room in the interning tables for `additional` more distinct strings.
    pub(crate) fn reserve_lexicon(&mut self, additional: usize) {
        self.lexicon.reserve(additional);
    }

    /// Length of the token arena, to undo a query's analysis with [`Corpus::truncate_arena`].
    pub(crate) fn arena_len(&self) -> usize {
        self.arena.len()
    }

    /// Drops arena entries past `len` (a finished query's spans).
    pub(crate) fn truncate_arena(&mut self, len: usize) {
        self.arena.truncate(len);
    }

    /// Analyses a record without adding it (for a search query). Frequencies are not counted.
    pub fn analyse(&mut self, record: &Record) -> Features {
        let lex = &mut self.lexicon;
        let (given, patronymic, family, unsplit) =
            if record.given_name.trim().is_empty() && record.family_name.trim().is_empty() {
                let [g, p, f] = lex.full_name(&record.full_name);
                let patronymic = if record.patronymic.trim().is_empty() {
                    p
                } else {
                    lex.field(&record.patronymic)
                };
                (g, patronymic, f, true)
            } else {
                (
                    lex.field(&record.given_name),
                    lex.field(&record.patronymic),
                    lex.field(&record.family_name),
                    false,
                )
            };
        let father = lex.field(&record.father_name);
        for part in [given, patronymic, father] {
            lex.intern_joined(part);
        }
        let mother = lex.field(&record.mother_name);
        let place = lex.field(&record.birth_place);
        let address = lex.address(&record.address);
        let service = lex.service(&record.service_number);
        let (date, bad_date) = match BirthDate::parse(&record.birth_date) {
            Ok(date) => (date, false),
            Err(_) => (BirthDate::UNKNOWN, true),
        };
        let sex = match record.sex.trim() {
            "M" | "m" | "male" | "Male" | "MALE" => 1,
            "F" | "f" | "female" | "Female" | "FEMALE" => 2,
            _ => 0,
        };
        let nat = record.nationality.trim().as_bytes();
        let nationality = if nat.len() == 2 && nat.iter().all(u8::is_ascii_alphabetic) {
            [nat[0].to_ascii_uppercase(), nat[1].to_ascii_uppercase()]
        } else {
            [0, 0]
        };
        let mut span = |field: FieldIds| {
            let start = self.arena.len() as u32;
            self.arena.extend_from_slice(self.lexicon.ids(field));
            Span {
                start,
                len: field.len,
            }
        };
        Features {
            given: span(given),
            patronymic: span(patronymic),
            family: span(family),
            father: span(father),
            mother: span(mother),
            place: span(place),
            address: span(address),
            date,
            sex,
            nationality,
            service,
            unsplit,
            bad_date,
        }
    }

    /// The identities (keys and group) of a token, for frequency counts and blocking.
    pub(crate) fn identities(&self, token: u32) -> impl Iterator<Item = u32> + '_ {
        let info = self.lexicon.token(token);
        let group = (info.group != NONE).then_some(info.group | GROUP_TAG);
        info.keys.iter().copied().chain(group)
    }

    fn count_frequencies(&mut self, features: &Features) {
        let mut seen: Vec<u32> = Vec::new();
        for span in [features.given, features.family] {
            for &token in self.tokens(span) {
                seen.extend(self.identities(token));
            }
        }
        seen.sort_unstable();
        seen.dedup();
        for identity in seen {
            *self.frequency.entry(identity).or_insert(0) += 1;
        }
    }

    /// Share of records carrying the rarest identity two tokens share, for term-frequency
    /// adjustment; shrunk towards `prior` (the average share) by 1,000 pseudo-records, so a
    /// handful of records does not make every name look common. `None` when nothing is shared.
    pub(crate) fn shared_frequency(&self, a: u32, b: u32, prior: f64) -> Option<f64> {
        let ia = self.lexicon.token(a);
        let ib = self.lexicon.token(b);
        // No buffer: this runs for every compared pair (twice), and the identities are few.
        let count = |identity: &u32| self.frequency.get(identity).copied().unwrap_or(0).max(1);
        let mut best = if a == b {
            ia.keys.iter().map(count).min()
        } else {
            ia.keys
                .iter()
                .filter(|k| ib.keys.contains(k))
                .map(count)
                .min()
        };
        if best.is_none() && a != b && ia.group != NONE && ia.group == ib.group {
            best = Some(count(&(ia.group | GROUP_TAG)));
        }
        const PSEUDO: f64 = 1000.0;
        best.map(|count| {
            (f64::from(count) + PSEUDO * prior) / (self.features.len() as f64 + PSEUDO)
        })
    }

    /// Number of records whose birth date could not be read.
    pub fn bad_dates(&self) -> usize {
        self.features.iter().filter(|f| f.bad_date).count()
    }
}

/// Normalises a service or unit number: Cyrillic letters that look like Latin ones are folded
/// to Latin (NAME-GEN-4, NAME-RU-3), other letters upper-cased, hyphens, spaces and other
/// punctuation dropped. `АВ-123456` (Cyrillic А, В) and `AB 123456` both become `AB123456`.
pub fn normalise_service_number(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            'А' | 'а' => 'A',
            'В' | 'в' => 'B',
            'Е' | 'е' => 'E',
            'К' | 'к' => 'K',
            'М' | 'м' => 'M',
            'Н' | 'н' => 'H',
            'О' | 'о' => 'O',
            'Р' | 'р' => 'P',
            'С' | 'с' => 'C',
            'Т' | 'т' => 'T',
            'Х' | 'х' => 'X',
            'У' | 'у' => 'Y',
            'І' | 'і' => 'I',
            c => c,
        };
        if c.is_alphanumeric() {
            out.extend(c.to_uppercase());
        }
        if out.len() > 64 {
            break;
        }
    }
    out
}
