//! Equivalence tables loaded from `data/*.tsv` (parsed once, on first use).

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::arabic::fold_letter;
use crate::romanize::{primary_keys, romanize, table_keys};

const GIVEN_NAMES: &str = include_str!("../data/given_names.tsv");
const ARABIC_NAMES: &str = include_str!("../data/arabic_names.tsv");

/// Lines of a table without comments and blank lines, split at the first tab.
fn rows(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    text.lines().filter_map(|l| {
        let l = l.trim_end();
        if l.is_empty() || l.starts_with('#') {
            return None;
        }
        let (a, b) = l.split_once('\t')?;
        Some((a.trim(), b.trim()))
    })
}

/// Rows of the given-name table: label, variants, and sex (`M`, `F`, or `None` for `?`).
fn given_rows() -> impl Iterator<Item = (&'static str, &'static str, Option<char>)> {
    rows(GIVEN_NAMES).map(|(label, rest)| {
        let (list, sex) = rest.rsplit_once('\t').unwrap_or((rest, "?"));
        let sex = match sex.trim() {
            "M" => Some('M'),
            "F" => Some('F'),
            _ => None,
        };
        (label, list, sex)
    })
}

fn variants(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// The given-name equivalence table: labels and key → groups.
pub(crate) struct GivenNames {
    /// Label of each group (its first column), by group id.
    pub labels: Vec<&'static str>,
    /// Groups of each key, in table order.
    pub by_key: HashMap<String, Vec<u32>>,
    /// Sex of each group's name, when the name is borne by one sex only.
    pub sex: Vec<Option<char>>,
    /// Groups of each spelling written in the table (normalised), in table order.
    pub by_form: HashMap<String, Vec<u32>>,
}

pub(crate) static GIVEN: LazyLock<GivenNames> = LazyLock::new(|| {
    let mut labels = Vec::new();
    let mut sexes = Vec::new();
    let mut by_key: HashMap<String, Vec<u32>> = HashMap::new();
    let mut by_form: HashMap<String, Vec<u32>> = HashMap::new();
    for (label, list, sex) in given_rows() {
        let id = u32::try_from(labels.len()).unwrap_or(u32::MAX);
        labels.push(label);
        sexes.push(sex);
        for v in std::iter::once(label).chain(variants(list)) {
            let e = by_form.entry(crate::normalize(v)).or_default();
            if !e.contains(&id) {
                e.push(id);
            }
            for k in table_keys(v) {
                let e = by_key.entry(k).or_default();
                if !e.contains(&id) {
                    e.push(id);
                }
            }
        }
    }
    GivenNames {
        labels,
        by_key,
        sex: sexes,
        by_form,
    }
});

/// Arabic-script spellings (folded) → usual Latin spellings.
static ARABIC: LazyLock<HashMap<String, Vec<String>>> = LazyLock::new(|| {
    let mut m: HashMap<String, Vec<String>> = HashMap::new();
    for (ar, list) in rows(ARABIC_NAMES) {
        let folded: String = crate::normalize(ar).chars().map(fold_letter).collect();
        let e = m.entry(folded).or_default();
        for v in variants(list) {
            let v = crate::normalize(v);
            if !e.contains(&v) {
                e.push(v);
            }
        }
    }
    // Arabic-script variants in the given-name table take the Latin spellings of their class
    // that agree with them in consonants (the skeleton), so a class that mixes cognates
    // (Yusuf, Joseph) lends only the matching spellings.
    for (label, list, _) in given_rows() {
        let all: Vec<&'static str> = std::iter::once(label).chain(variants(list)).collect();
        for ar in all
            .iter()
            .filter(|v| crate::detect_script(v) == Some(crate::Script::Arabic))
        {
            let folded: String = crate::normalize(ar).chars().map(fold_letter).collect();
            if m.contains_key(&folded) {
                continue;
            }
            let chars: Vec<char> = crate::normalize(ar).chars().collect();
            let sk = crate::skeleton(&crate::key(&crate::arabic::vocalised_guess(
                &chars,
                crate::Lang::Ar,
            )));
            let latin: Vec<String> = all
                .iter()
                .filter(|v| v.is_ascii() && crate::skeleton(&crate::key(v)) == sk)
                .take(4)
                .map(|v| crate::normalize(v))
                .collect();
            if !latin.is_empty() {
                m.insert(folded, latin);
            }
        }
    }
    m
});

/// The table's Armenian given names (the rows with an Armenian-script spelling), by the
/// Armenian-neutral form (`romanize::armenian_neutral`, NAME-AM-2) of every romanisation of
/// every spelling, and by that form's key.
struct ArmenianGiven {
    by_neutral: HashMap<Vec<u8>, &'static str>,
    by_key: HashMap<String, &'static str>,
}

static ARMENIAN_GIVEN: LazyLock<ArmenianGiven> = LazyLock::new(|| {
    let mut by_neutral = HashMap::new();
    let mut by_key = HashMap::new();
    let rows: Vec<(&'static str, Vec<&'static str>)> = given_rows()
        .map(|(label, list, _)| {
            (
                label,
                std::iter::once(label).chain(variants(list)).collect(),
            )
        })
        .filter(|(_, all): &(_, Vec<&'static str>)| {
            all.iter()
                .any(|v| crate::detect_script(v) == Some(crate::Script::Armenian))
        })
        .collect();
    // Each spelling's first (usual) romanisation before the alternative ones, so that another
    // row's alternative reading does not take a name's own form: the Ukrainian reading of
    // Гагик, "Hahyk", has the neutral form of Hayk ("ayk"), which made Hayk and Gagik one
    // name (found on the synthetic 1M search: "Hayk / Gagik, same name spelled differently").
    for first in [true, false] {
        for (label, all) in &rows {
            for v in all {
                let forms = romanize(v, None);
                let take = if first { 1 } else { forms.len() };
                for form in forms.iter().take(take) {
                    let n = crate::romanize::armenian_neutral(&crate::key::ascii_letters(form));
                    if n.len() >= 3 {
                        by_key.entry(crate::key::key_of_ascii(&n)).or_insert(*label);
                        by_neutral.entry(n).or_insert(*label);
                    }
                }
            }
        }
    }
    ArmenianGiven { by_neutral, by_key }
});

/// Label of the Armenian given name whose spelling has this Armenian-neutral form exactly
/// (Avedik and Avetik, Sdepan and Stepan): exact, since given names are short and their keys
/// meet other cultures' names (Mher and Mir).
pub(crate) fn armenian_given_by_neutral(neutral: &[u8]) -> Option<&'static str> {
    ARMENIAN_GIVEN.by_neutral.get(neutral).copied()
}

/// Label of the Armenian given name whose Armenian-neutral key is `key` (the base of a family
/// name, where the vowel of the given name is often changed: Hovhannes, Hovhannisyan).
pub(crate) fn armenian_given_by_key(key: &str) -> Option<&'static str> {
    ARMENIAN_GIVEN.by_key.get(key).copied()
}

/// Keys of the Latin forms in the Arabic name table.
static ARABIC_LATIN_KEYS: LazyLock<std::collections::HashSet<String>> = LazyLock::new(|| {
    rows(ARABIC_NAMES)
        .flat_map(|(_, list)| variants(list))
        .map(crate::key)
        .collect()
});

/// Is `token` (any script) a name of the Arabic name table (an Arabic, Persian or Pashto
/// name, in Arabic script or in one of its usual Latin spellings)?
#[must_use]
pub fn is_arabic_name(token: &str) -> bool {
    let t = crate::normalize(token);
    if crate::detect_script(&t) == Some(crate::Script::Arabic) {
        let folded: String = t.chars().map(fold_letter).collect();
        return arabic_forms(&folded).is_some();
    }
    ARABIC_LATIN_KEYS.contains(&crate::key(&t))
}

/// Usual Latin spellings of a folded Arabic-script token, if it is in the name table.
pub(crate) fn arabic_forms(folded: &str) -> Option<&'static [String]> {
    ARABIC.get(folded).map(Vec::as_slice)
}

/// Equivalence class of a given name, looked up by its [`crate::key`].
///
/// Classes come from `data/given_names.tsv`: Ukrainian, Russian and Belarusian cognates
/// (Олександр, Александр, Аляксандр, Alexander), their diminutives (Сашко, Саша, Шура, Sasha),
/// and the spelling families of Arabic, Persian, Pashto, Armenian and Azerbaijani names
/// (Muhammad, Mohammed, Magomed, Mehmet). When a key belongs to several classes (short names
/// whose consonants agree, e.g. Ilya and Ali both give `ala`), the first class in the table
/// is returned; [`given_name_groups`] returns all of them.
#[must_use]
pub fn given_name_group(token_key: &str) -> Option<u32> {
    GIVEN.by_key.get(token_key).and_then(|v| v.first().copied())
}

/// Equivalence class of a given-name token (any script): the class that lists this very
/// spelling, else the first class of its keys ([`given_name_group`] of each key in turn).
/// Keys leave vowels anonymous, so two short names of different classes can share one
/// (Маша and Миша both give `maca`); the spelling written in the table decides for them:
/// Маша is Mariia's diminutive, Миша Mykhailo's (NAME-RU-1).
#[must_use]
pub fn given_name_group_of(token: &str, token_keys: &[String]) -> Option<u32> {
    GIVEN
        .by_form
        .get(&crate::normalize(token))
        .and_then(|v| v.first().copied())
        .or_else(|| token_keys.iter().find_map(|k| given_name_group(k)))
}

/// The classes under which this very spelling (any script, normalised) is written in the
/// given-name table, empty when it is not. A listed spelling is a known name of its own, not
/// merely one whose key meets a class: two listed spellings with no class in common are two
/// names, even where their keys agree (Ilya / Ali, Jamal / Jamil) or nearly do (Muhannad /
/// Muhammad).
#[must_use]
pub fn listed_given_name_groups(token: &str) -> &'static [u32] {
    GIVEN
        .by_form
        .get(&crate::normalize(token))
        .map_or(&[], Vec::as_slice)
}

/// Every equivalence class of a given-name key (see [`given_name_group`]).
#[must_use]
pub fn given_name_groups(token_key: &str) -> &'static [u32] {
    GIVEN.by_key.get(token_key).map_or(&[], Vec::as_slice)
}

/// Label (the table's first column, e.g. `Oleksandr`) of a given-name class.
#[must_use]
pub fn given_name_label(group: u32) -> Option<&'static str> {
    GIVEN.labels.get(group as usize).copied()
}

/// Sex of the name of a given-name class: `Some('M')`, `Some('F')`, or `None` for names borne
/// by both (Nur, Gul) and unknown classes.
#[must_use]
pub fn given_name_sex(group: u32) -> Option<char> {
    GIVEN.sex.get(group as usize).copied().flatten()
}

/// Is `token` (any script) a known given name? Used by [`crate::parse_full_name`].
#[must_use]
pub fn is_known_given_name(token: &str) -> bool {
    primary_keys(token, None)
        .iter()
        .any(|k| GIVEN.by_key.contains_key(k))
}

/// Usual Latin forms listed for an Arabic-script name (for docs and tests).
#[must_use]
pub fn arabic_name_forms(token: &str) -> Vec<String> {
    let folded: String = crate::normalize(token).chars().map(fold_letter).collect();
    match arabic_forms(&folded) {
        Some(v) => v.to_vec(),
        None => romanize(token, None),
    }
}

/// Keys shared by more than one given-name class, with the classes' labels (for review of the
/// table; see docs/names.md on why short names collide).
#[must_use]
pub fn given_name_key_collisions() -> Vec<(String, Vec<&'static str>)> {
    let g = &*GIVEN;
    let mut v: Vec<(String, Vec<&'static str>)> = g
        .by_key
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(k, ids)| {
            (
                k.clone(),
                ids.iter().map(|&i| g.labels[i as usize]).collect(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Number of given-name classes in the table.
#[must_use]
pub fn given_name_group_count() -> usize {
    GIVEN.labels.len()
}

/// Given-name class of the father's name inside a patronymic (NAME-UA-3: "patronymics follow
/// the same pattern"): Олександрович, Aleksandrovich and Oleksandrivna all give the class of
/// Oleksandr; Mykolaiovych and Nikolaevich that of Mykola. A bare father's name (Arabic nasab,
/// Azerbaijani `Heydar oğlu`) is looked up as it is. The suffix (-ovych, -ovich, -evich,
/// -ovna, -ivna, -ichna, -ich) is removed from each key, and the root is tried as it is and
/// with a final vowel (Mykol- + a, Nikola- + i).
#[must_use]
pub fn patronymic_group(token: &str) -> Option<u32> {
    let ks = primary_keys(token, None);
    for k in &ks {
        if let Some(g) = given_name_group(k) {
            return Some(g);
        }
    }
    // Suffixes in key form: -ovych/-ovich/-evich → avac, -ovna/-ivna/-evna → avna (yvna
    // after a diphthong: Mykolaivna), -ichna → acna, -ich/-ych → ac.
    for k in &ks {
        for suffix in ["avac", "avna", "yvna", "yvac", "acna", "ac"] {
            if k.len() > suffix.len() + 2 && k.ends_with(suffix) {
                let root = &k[..k.len() - suffix.len()];
                let mut cands = vec![root.to_string(), format!("{root}a"), format!("{root}i")];
                if let Some(r) = root.strip_suffix('a') {
                    cands.push(format!("{r}i"));
                }
                for cand in cands {
                    if let Some(g) = given_name_group(&cand) {
                        return Some(g);
                    }
                }
            }
        }
    }
    None
}

/// Is `key` the key of a Latin spelling in the Arabic name table? (Not the given-name table:
/// this is called while that table is being built.)
pub(crate) fn is_known_key(key: &str) -> bool {
    ARABIC_LATIN_KEYS.contains(key)
}
