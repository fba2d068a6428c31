//! Family-name forms: gender-neutral stems and suffix roots (MATCH-3).

/// Gender-neutral form of a family-name **key** (the output of [`crate::key`]).
///
/// Because keys anonymise vowels, -ska, -skaya, -skiy and -skyi differ at most in the final
/// vowel class; this function makes a final `i` an `a` (Kovalskyi = Kovalska, Tolstoy =
/// Tolstaya), then removes the remaining feminine endings: the final vowel of `-ova/-eva/-yova` (`...va` → `...v`),
/// of `-ina/-yna` (`...na` → `...n`) when the key is long enough to be a surname, and the
/// Armenian plural-genitive `-ants/-yants/-unts/-ents` (Petrosyants → Petrosyan). Invariant
/// forms (`-enko`, `-ko`, `-uk`, `-yan/-ian`, `-li`, `-zade`, `-shvili`, `-dze`) stay as they
/// are. Never panics; returns the input when nothing applies.
#[must_use]
pub fn surname_stem(token_key: &str) -> String {
    // Adjectival surnames end in -i for men and -a for women (Kovalskyi/Kovalska,
    // Tolstoy/Tolstaya, Donskoi/Donskaya): the final vowel class says nothing else.
    let owned;
    let k = if token_key.len() >= 3 && token_key.ends_with('i') {
        owned = format!("{}a", &token_key[..token_key.len() - 1]);
        owned.as_str()
    } else {
        token_key
    };
    let b = k.as_bytes();
    let n = b.len();
    // Feminine -ova/-eva/-ina: ...Va / ...Na where the vowel before is anonymous `a`.
    if n >= 5 && b[n - 1] == b'a' && (b[n - 2] == b'v' || b[n - 2] == b'n') && b[n - 3] == b'a' {
        return k[..n - 1].to_string();
    }
    // Armenian -ants / -yants / -unts / -ents → -yan.
    if n >= 6 && k.ends_with("anc") {
        return k[..n - 1].to_string();
    }
    k.to_string()
}

/// Root of a family-name key with the Russian-style and Azerbaijani suffixes removed
/// (`-ov/-ova/-ev/-eva`, `-li/-lu/-ly`, `-zade`, `-oglu`), for the 1993 Azerbaijani
/// surname law (NAME-AZ-1): Məmmədov, Məmmədova, Məmmədli and Məmmədzadə share the root
/// `mamad`. Coarser than [`surname_stem`]; use it as a second-level agreement.
#[must_use]
pub fn surname_root(token_key: &str) -> String {
    let stem = surname_stem(token_key);
    for suffix in ["zada", "ahla", "av", "la"] {
        if stem.len() >= suffix.len() + 3 && stem.ends_with(suffix) {
            return stem[..stem.len() - suffix.len()].to_string();
        }
    }
    stem
}
