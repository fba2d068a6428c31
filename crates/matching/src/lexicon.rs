//! The only door to name knowledge: everything about scripts, spellings, cognates and name
//! structure comes from the `names` crate. Matching keeps no transliteration tables.

/// What matching needs to know about one token.
pub(crate) struct TokenAnalysis {
    /// A plausible Latin spelling (for fuzzy comparison and explanations).
    pub latin: String,
    /// Spelling-folding keys (at most four).
    pub keys: Vec<String>,
    /// Given-name equivalence group.
    pub group: Option<u32>,
    /// Gender-neutral surname stem, when it differs from the token's own keys.
    pub stem: Option<String>,
    /// The consonant skeleton among `keys`: sharing only it is weaker evidence.
    pub skeleton: Option<String>,
    /// For a patronymic, the given-name class of the father's name in it.
    pub patronymic_group: Option<u32>,
}

/// Most characters of one token that are analysed; longer "tokens" are noise.
const MAX_TOKEN_CHARS: usize = 64;

pub(crate) fn analyse_token(token: &str) -> TokenAnalysis {
    let token: String = token.chars().take(MAX_TOKEN_CHARS).collect();
    let latin = names::romanize(&token, None)
        .into_iter()
        .next()
        .unwrap_or_else(|| token.clone());
    let mut keys = names::keys(&token, None);
    keys.retain(|k| !k.is_empty());
    keys.truncate(4);
    if keys.is_empty() {
        keys.push(token.clone());
    }
    let group = names::given_name_group_of(&token, &keys);
    let stem = keys
        .first()
        .map(|k| names::surname_stem(k))
        .filter(|s| !s.is_empty() && !keys.contains(s));
    let skeleton = keys
        .first()
        .map(|k| names::skeleton(k))
        .filter(|s| keys.len() > 1 && keys.contains(s));
    // NAME-UA-3, NAME-RU-1: a patronymic is the father's given name with a suffix, so the
    // Ukrainian and Russian patronymics of cognate names (Миколайович / Николаевич,
    // Андрійович / Андреевич) carry the given name's cognate class.
    let patronymic_group = if names::is_patronymic(&token) {
        names::patronymic_group(&token)
    } else {
        None
    };
    TokenAnalysis {
        latin,
        keys,
        group,
        stem,
        skeleton,
        patronymic_group,
    }
}

/// Most tokens of one field that are analysed.
const MAX_TOKENS: usize = 12;

/// The name tokens of a field, particles (al, bin, ibn, oglu ...) left out unless the field
/// has nothing else.
pub(crate) fn split(text: &str) -> Vec<String> {
    let mut tokens = names::tokens(text);
    tokens.truncate(MAX_TOKENS * 2);
    let words: Vec<String> = tokens
        .iter()
        .filter(|t| !names::is_particle(t))
        .cloned()
        .collect();
    let mut out = if words.is_empty() { tokens } else { words };
    out.truncate(MAX_TOKENS);
    out
}

/// A full name split into parts.
pub(crate) struct ParsedParts {
    pub given: String,
    pub patronymic: String,
    pub family: String,
}

pub(crate) fn parse_full(text: &str) -> ParsedParts {
    let parsed = names::parse_full_name(text);
    let clean = |part: &[String]| {
        part.iter()
            .filter(|t| !names::is_particle(t))
            .take(MAX_TOKENS)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let parts = ParsedParts {
        given: clean(&parsed.given),
        patronymic: clean(&parsed.patronymic),
        family: clean(&parsed.family),
    };
    if parts.given.is_empty() && parts.family.is_empty() && parts.patronymic.is_empty() {
        // Only titles or particles: keep the words rather than lose the name.
        return parse_full_fallback(text);
    }
    parts
}

/// When the parser finds no name part: one token is a given name; two are given and family;
/// with three or more, the last is the family name and the middle ones the patronymic.
fn parse_full_fallback(text: &str) -> ParsedParts {
    let tokens = split(text);
    let mut parts = ParsedParts {
        given: String::new(),
        patronymic: String::new(),
        family: String::new(),
    };
    match tokens.as_slice() {
        [] => {}
        [one] => one.clone_into(&mut parts.given),
        [first, rest @ ..] => {
            first.clone_into(&mut parts.given);
            let (last, middle) = rest.split_last().unwrap_or((first, &[]));
            last.clone_into(&mut parts.family);
            parts.patronymic = middle.join(" ");
        }
    }
    parts
}
