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
    // MATCH-3, NAME-AR-2, NAME-AF-1, NAME-UA-1: the parser leaves the unmarked middle words
    // of a name without a patronymic ("Basirazada Weli Ahmad", "Хассан Анес Хасссан") among
    // its other words, with titles and kunyas, where the comparison never saw them. Between a
    // given and a family name such words are the father's (and grandfather's) names of an
    // Arabic or Afghan chain, or the patronymic of a family-first Slavic or Afghan list
    // ("FAMILY Given Father's-name"): they are kept as the patronymic, so that the
    // family-first reading (`Corpus::family_first`) can be tried and the words compared.
    // Only when every such word is a name (not a title, kunya or marker word).
    let middle = if parsed.patronymic.is_empty()
        && !parsed.given.is_empty()
        && !parsed.family.is_empty()
        && !parsed.other.is_empty()
        && parsed.other.iter().all(|w| is_middle_name(w))
    {
        clean(&parsed.other)
    } else {
        clean(&parsed.patronymic)
    };
    let parts = ParsedParts {
        given: clean(&parsed.given),
        patronymic: middle,
        family: clean(&parsed.family),
    };
    if parts.given.is_empty() && parts.family.is_empty() && parts.patronymic.is_empty() {
        // Only titles or particles: keep the words rather than lose the name.
        return parse_full_fallback(text);
    }
    parts
}

/// Whether a word the full-name parser set aside is a name: not a particle, a kunya or a
/// marker word, and read alone as a given name (titles such as haji or mullah are not).
fn is_middle_name(word: &str) -> bool {
    !names::is_particle(word)
        && !matches!(
            word,
            "abu" | "abou" | "umm" | "ابو" | "أبو" | "ام" | "أم" | "son" | "daughter" | "of"
        )
        && names::parse_full_name(word)
            .given
            .first()
            .map(String::as_str)
            == Some(word)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The unmarked middle word of a full name is its patronymic (MATCH-3, NAME-AR-2); a
    /// title or a kunya set aside by the parser is not.
    #[test]
    fn a_middle_name_is_kept_and_a_title_is_not() {
        let parts = parse_full("Basirazada Weli Ahmad");
        assert_eq!(
            (
                parts.given.as_str(),
                parts.patronymic.as_str(),
                parts.family.as_str()
            ),
            ("basirazada", "weli", "ahmad")
        );
        let parts = parse_full("Habib Ullah Apridi Semi al-Le");
        assert_eq!(parts.patronymic, "apridi");
        for titled in [
            "Dr Ivan Petrenko",
            "Haji Gul Ahmad Zazai",
            "Abu Bakr Ahmad Saleh",
        ] {
            let parsed = names::parse_full_name(titled);
            let parts = parse_full(titled);
            assert!(
                parsed
                    .other
                    .iter()
                    .all(|w| !parts.patronymic.contains(w.as_str())),
                "{titled}: {parsed:?} / {}",
                parts.patronymic
            );
        }
    }
}
