//! Splitting an unsplit full name into parts (NAME-GEN-2, NAME-UA-1, NAME-RU-1, NAME-AR-1,
//! NAME-AF-1, NAME-AZ-1).

use crate::groups::{is_arabic_name, is_known_given_name};
use crate::normalize::is_letter;
use crate::normalize::{Script, detect_script, is_particle, normalize, tokens};

/// A full name split into parts. Every part is a list of normalised tokens ([`tokens`]) in the
/// order of the source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedName {
    /// Given name(s), including compound given names (`mohammad zaman`, `ahmad shah`).
    pub given: Vec<String>,
    /// The father's name in whatever form the culture writes it: an East Slavic patronymic
    /// (`petrovych`), the Arabic nasab after bin/ibn/bint or the second name of an unmarked
    /// Arabic chain, the Afghan father's name after "son of"/"s/o"/"walad", the Azerbaijani
    /// father's name before oğlu/qızı. Particles are not included.
    pub patronymic: Vec<String>,
    /// Family name(s), without a detached article (`al-sayed` gives `sayed`).
    pub family: Vec<String>,
    /// Everything else: titles (haji, mullah, dr), kunya (abu X), articles, marker words.
    pub other: Vec<String>,
    /// `Some('M')` or `Some('F')` from, in this order: a patronymic or lineage word
    /// (-ovych/-ivna, bin/bint, oğlu/qızı, son/daughter of), the given name's class in the
    /// table (Olena → F), a gendered family-name ending (-ova, -ska → F; -ov, -skyi → M).
    pub sex_hint: Option<char>,
}

const MALE_PATRONYMIC_ENDINGS: &[&str] = &[
    "авіч",
    "евіч",
    "avich",
    "avič",
    "ович",
    "евич",
    "ёвич",
    "йович",
    "ovich",
    "evich",
    "ovych",
    "evych",
    "ovitch",
    "evitch",
    "ovič",
    "evič",
    // German transcription (Duden): Iwanowitsch, Sergejewitsch, and of Ukrainian -ович,
    // Dmytrowytsch.
    "owitsch",
    "ewitsch",
    "owytsch",
    "ewytsch",
];
/// Bare -ич endings (Ильич, Кузьмич, Лукич): accepted only from 7 letters, so that short
/// surnames such as Бабич are not taken for patronymics.
const BARE_MALE_PATRONYMIC_ENDINGS: &[&str] = &["ич", "ich", "ych", "yich"];
const FEMALE_PATRONYMIC_ENDINGS: &[&str] = &[
    "аўна",
    "еўна",
    "auna",
    "euna",
    "aŭna",
    "eŭna",
    "овна",
    "евна",
    "ёвна",
    "івна",
    "ївна",
    "ична",
    "інічна",
    "ovna",
    "evna",
    "ivna",
    "yivna",
    "iivna",
    "ichna",
    "yevna",
    "ievna",
    // German transcription: Petrowna, Sergejewna, Iwaniwna.
    "owna",
    "ewna",
    "iwna",
];

/// Is `token` a patronymic (or a patronymic marker word)?
///
/// East Slavic patronymics by their endings (-ович/-евич/-йович/-ич, -овна/-евна/-івна/-ична,
/// and their romanisations -ovich/-ovych/-evich/-ovna/-ivna/-ichna...), with a minimum length
/// so that short surnames in -ich (Babich) are not taken; and the Azerbaijani marker words
/// oğlu/oglu/оглы and qızı/qizi/кызы (NAME-AZ-1). Serbo-Croatian surnames in -ović are not
/// patronymics and are not matched (the ending needs a final -ch or -ч).
#[must_use]
pub fn is_patronymic(token: &str) -> bool {
    patronymic_sex(&normalize(token)).is_some()
}

fn patronymic_sex(t: &str) -> Option<char> {
    if matches!(
        t,
        "oglu" | "oğlu" | "ogly" | "оглы" | "оглу" | "огли" | "uly" | "ulı" | "улы"
    ) {
        return Some('M');
    }
    if matches!(
        t,
        "qizi" | "qızı" | "gizi" | "kyzy" | "kizi" | "кызы" | "гызы" | "кизи"
    ) {
        return Some('F');
    }
    let n = t.chars().count();
    if n < 6 {
        return None;
    }
    if FEMALE_PATRONYMIC_ENDINGS.iter().any(|e| t.ends_with(e)) {
        return Some('F');
    }
    if MALE_PATRONYMIC_ENDINGS.iter().any(|e| t.ends_with(e)) {
        return Some('M');
    }
    if n >= 7 && BARE_MALE_PATRONYMIC_ENDINGS.iter().any(|e| t.ends_with(e)) {
        return Some('M');
    }
    None
}

/// Two words that make one Afghan (or Persian, Pakistani) compound given name: a first element
/// that does not stand alone (Ghulam, Gul, Noor, Sher, Din, Mir) or a second element that
/// completes a name (Shah, Khan, Jan, Gul, Uddin) (NAME-AF-1).
fn is_afghan_compound(first: &str, second: &str) -> bool {
    let first_elements = [
        "ghulam",
        "gholam",
        "golam",
        "غلام",
        "gul",
        "gol",
        "گل",
        "ګل",
        "noor",
        "nur",
        "نور",
        "sher",
        "shir",
        "شیر",
        "din",
        "دین",
        "mir",
        "میر",
        // Russian-language lists write the same names in Cyrillic (Гулям Хазрат, Шер Мохаммад).
        "гулям",
        "гулам",
        "гул",
        "нур",
        "шер",
        "шир",
        "дин",
    ];
    let second_elements = [
        "shah",
        "شاه",
        "khan",
        "خان",
        "jan",
        "جان",
        "gul",
        "gol",
        "گل",
        "ګل",
        "uddin",
        "aldin",
        "الدین",
        "шах",
        "хан",
        "джан",
        "гул",
        "уддин",
    ];
    first_elements.contains(&first) || second_elements.contains(&second)
}

fn is_lineage_word(t: &str) -> bool {
    matches!(
        t,
        "bin"
            | "ibn"
            | "ben"
            | "bn"
            | "بن"
            | "ابن"
            | "walad"
            | "wald"
            | "wuld"
            | "ould"
            | "ولد"
            | "s/o"
            | "bint"
            | "بنت"
            | "d/o"
            | "son"
            | "daughter"
    )
}

fn is_title(t: &str) -> bool {
    matches!(
        t,
        "haji"
            | "hajji"
            | "hadji"
            | "al-haj"
            | "alhaj"
            | "hajj"
            | "mullah"
            | "mulla"
            | "mollah"
            | "molla"
            | "sheikh"
            | "shaikh"
            | "shaykh"
            | "sheik"
            | "dr"
            | "eng"
            | "engineer"
            | "mr"
            | "mrs"
            | "ms"
            | "prof"
            | "sayed-title"
            | "ustad"
            | "qari"
            | "maulvi"
            | "mawlawi"
            | "hafiz-title"
            | "حاجي"
            | "حاج"
            | "ملا"
            | "شيخ"
            | "مولوي"
            | "د"
    )
}

fn sex_from_surname(t: &str) -> Option<char> {
    let ends = |e: &[&str]| e.iter().any(|x| t.ends_with(x));
    if t.chars().count() < 5 {
        return None;
    }
    if ends(&[
        "ова", "ева", "ёва", "іна", "ина", "ская", "цкая", "ська", "цька", "ova", "eva", "yova",
        "ina", "skaya", "ska", "tskaya", "tska", "ovna",
    ]) {
        return Some('F');
    }
    if ends(&[
        "ов",
        "ев",
        "ёв",
        "ін",
        "ин",
        "ский",
        "цкий",
        "ський",
        "цький",
        "ov",
        "ev",
        "yov",
        "in",
        "skiy",
        "skii",
        "skyi",
        "sky",
        "ski",
        "skij",
    ]) {
        return Some('M');
    }
    None
}

/// An Armenian-script patronymic: the father's name in the genitive, -ի (NAME-AM-1;
/// Ռուբենի from Ռուբեն, Կարենի from Կարեն). At least four letters, and not a family name in
/// -ունի (Արծրունի).
fn is_armenian_genitive(t: &str) -> bool {
    t.chars().count() >= 4 && t.ends_with('ի') && !t.ends_with("ունի")
}

/// An Armenian-script family name by its suffix (NAME-AM-1): -յան, classical and Western
/// -եան, and the older -յանց, -ունց, -ունի.
fn is_armenian_surname(t: &str) -> bool {
    t.chars().count() >= 5
        && ["յան", "եան", "յանց", "ունց", "ունի"]
            .iter()
            .any(|s| t.ends_with(s))
}

/// Is the raw word written in capitals (at least two letters, all upper-case)?
fn is_upper_word(w: &str) -> bool {
    let mut letters = 0;
    for c in w.chars() {
        if is_letter(c) {
            if !c.is_uppercase() {
                return false;
            }
            letters += 1;
        }
    }
    letters >= 2
}

/// Split an unsplit full name into parts. Heuristics, in order (docs/names.md):
///
/// 1. Tokens come from [`tokens`] (so ages and numbers such as `, 34` are ignored and
///    ʿAbd compounds are one token). Titles go to `other`.
/// 2. Lineage markers: `bin/ibn/ben` (son), `bint` (daughter), `son of`, `s/o`, `walad`
///    (Arabic, Afghan) make the following tokens, up to the next marker or an article, the
///    patronymic; `oğlu`/`qızı` (Azerbaijani) make the **preceding** token the patronymic.
/// 3. East Slavic patronymics ([`is_patronymic`]): the token after the patronymic is the
///    family name (`Олександр Петрович Коваленко`); with the patronymic last, the token
///    before it is the given name and the remaining one the family name (`КОВАЛЕНКО
///    Александр Петрович`).
/// 4. A word written all in capitals while others are not is the family name
///    (`KOVALENKO Oleksandr`); so is the part before a comma (`Kovalenko, Oleksandr`).
/// 5. An article (`al`, `el`, `ال`) marks the start of the family name (nisba or laqab):
///    `Mohammed bin Abdulrahman al-Sayed` → family `sayed`; unmarked words between the
///    given name and the article are the father's and grandfather's names.
/// 6. Afghan compound given names stay whole (Ahmad Shah, Ghulam Hazrat, Gul Ahmad).
/// 7. Otherwise: two tokens are given + family, unless the first is not a known given
///    name and the second is (then family + given). Three or more tokens of an Arabic-type
///    name (Arabic script, particles, an ʿAbd compound, or a first name from the Arabic name
///    table) are given + father's (+ grandfather's) names + family, as on Syrian lists
///    (NAME-AR-2); three Latin or Cyrillic tokens without a patronymic are given + middle
///    (other) + family.
/// 8. A single token is a given name (Afghan single names, NAME-AF-1).
///
/// `sex_hint` comes from the patronymic or lineage word, else the given name's class in the
/// table, else a gendered family-name ending.
#[must_use]
pub fn parse_full_name(full: &str) -> ParsedName {
    let mut p = ParsedName::default();
    // Raw words (original case) for the capitals rule, and the comma rule.
    let comma_family: Vec<String> = match full.split_once(',') {
        Some((before, after)) => {
            let (b, a) = (tokens(before), tokens(after));
            if !a.is_empty() && (1..=2).contains(&b.len()) {
                b
            } else {
                Vec::new()
            }
        }
        None => Vec::new(),
    };
    let upper_words: Vec<String> = {
        let words: Vec<&str> = full.split_whitespace().collect();
        let uppers: Vec<&&str> = words.iter().filter(|w| is_upper_word(w)).collect();
        let lettered = words.iter().filter(|w| w.chars().any(is_letter)).count();
        if !uppers.is_empty() && uppers.len() < lettered {
            // Initials ("O.P.") are capitals too, but not a family name.
            uppers
                .iter()
                .flat_map(|w| tokens(w))
                .filter(|t| t.chars().count() > 1)
                .collect()
        } else {
            Vec::new()
        }
    };
    let toks = tokens(full);
    let arabic_like = detect_script(full) == Some(Script::Arabic)
        || toks.iter().any(|t| {
            matches!(
                t.as_str(),
                "bin"
                    | "ibn"
                    | "bint"
                    | "al"
                    | "el"
                    | "ال"
                    | "بن"
                    | "ابن"
                    | "بنت"
                    | "abu"
                    | "walad"
            )
        })
        || toks.iter().any(|t| {
            // NAME-AR-1 in Russian-language lists: Аль-/Ал-/Эль- and ʿAbd compounds (Абд...).
            matches!(t.as_str(), "ал" | "аль" | "эль" | "бин" | "ибн")
                || (t.starts_with("abd") || t.starts_with("абд")) && t.chars().count() > 4
        })
        || toks.first().is_some_and(|t| is_arabic_name(t));

    // Pass 1: classify.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Role {
        Free,
        Given,
        Patr,
        Family,
        Other,
    }
    let n = toks.len();
    let mut role = vec![Role::Free; n];
    let mut i = 0;
    while i < n {
        let t = toks[i].as_str();
        if is_title(t) {
            role[i] = Role::Other;
            i += 1;
            continue;
        }
        // Kunya: abu/umm + next token.
        if matches!(t, "abu" | "abou" | "umm" | "ابو" | "أبو" | "ام" | "أم") && i + 1 < n
        {
            role[i] = Role::Other;
            role[i + 1] = Role::Other;
            i += 2;
            continue;
        }
        let lineage = match t {
            "bin" | "ibn" | "ben" | "bn" | "بن" | "ابن" | "walad" | "wald" | "wuld" | "ould"
            | "ولد" | "s/o" => Some('M'),
            "bint" | "بنت" | "d/o" => Some('F'),
            "son" | "daughter" if toks.get(i + 1).is_some_and(|x| x == "of") => {
                role[i + 1] = Role::Other;
                if t == "son" { Some('M') } else { Some('F') }
            }
            _ => None,
        };
        if let Some(sex) = lineage {
            role[i] = Role::Other;
            p.sex_hint = p.sex_hint.or(Some(sex));
            let mut j = i + 1;
            if j < n && toks[j] == "of" {
                j += 1;
            }
            while j < n {
                let u = toks[j].as_str();
                if matches!(
                    u,
                    "al" | "el"
                        | "ال"
                        | "bin"
                        | "ibn"
                        | "bint"
                        | "son"
                        | "daughter"
                        | "s/o"
                        | "بن"
                        | "ابن"
                        | "بنت"
                ) {
                    break;
                }
                role[j] = Role::Patr;
                j += 1;
            }
            i = j;
            continue;
        }
        if let Some(sex) = patronymic_sex(t) {
            if matches!(
                t,
                "oglu"
                    | "oğlu"
                    | "ogly"
                    | "оглы"
                    | "оглу"
                    | "огли"
                    | "uly"
                    | "ulı"
                    | "улы"
                    | "qizi"
                    | "qızı"
                    | "gizi"
                    | "kyzy"
                    | "kizi"
                    | "кызы"
                    | "гызы"
                    | "кизи"
            ) {
                role[i] = Role::Other;
                if i > 0 && role[i - 1] == Role::Free {
                    role[i - 1] = Role::Patr;
                }
            } else {
                role[i] = Role::Patr;
            }
            p.sex_hint = p.sex_hint.or(Some(sex));
            i += 1;
            continue;
        }
        if matches!(t, "al" | "el" | "ال" | "ал" | "аль" | "эль") {
            role[i] = Role::Other;
            // A name that begins with the article is written family first, as detaining and
            // civil-registry lists write Arabic names ("الحداد يوسف مازن", "AL-HASAN Yara
            // H."): the article and the word after it are the family name (nisba or laqab),
            // and the words after that the given name and the father's and grandfather's
            // names (NAME-AR-2), never more family name: a person is not a family name alone.
            if role[..i].iter().all(|&r| r == Role::Other) && i + 2 < n {
                role[i + 1] = Role::Family;
                i += 2;
                continue;
            }
            // Everything after the article is family (nisba/laqab).
            let mut j = i + 1;
            while j < n && !matches!(toks[j].as_str(), "bin" | "ibn" | "bint") {
                let article = matches!(toks[j].as_str(), "al" | "el" | "ال" | "ал" | "аль" | "эль");
                if role[j] == Role::Free && !article {
                    role[j] = Role::Family;
                } else if article {
                    role[j] = Role::Other;
                }
                j += 1;
            }
            i = j;
            continue;
        }
        if is_particle(t) {
            role[i] = Role::Other;
        }
        i += 1;
    }
    // With a lineage marker (bin, son of, s/o, walad), the free tokens before the first one are
    // the (possibly compound) given name: Afghan and Arabic names have no surname there.
    if let Some(first_marker) =
        (0..n).find(|&k| role[k] == Role::Other && is_lineage_word(&toks[k]))
    {
        for r in role.iter_mut().take(first_marker) {
            if *r == Role::Free {
                *r = Role::Given;
            }
        }
    }
    // Capitals and comma rules.
    for (k, t) in toks.iter().enumerate() {
        if role[k] == Role::Free && (upper_words.contains(t) || comma_family.contains(t)) {
            role[k] = Role::Family;
        }
    }
    // Armenian names in Armenian script (NAME-AM-1): the patronymic is the father's given name
    // in the genitive case, ending in -ի (Ռուբեն → Ռուբենի), and written after the given
    // name; the family name ends in -յան (-եան in classical and Western orthography), or
    // the older -յանց/-ունց/-ունի. So "Տիգրանյան Վազգեն Կարենի" is family, given,
    // patronymic though no word is in capitals. A word ending in -ունի is a family name, not
    // a genitive.
    if detect_script(full) == Some(Script::Armenian) {
        let free: Vec<usize> = (0..n).filter(|&k| role[k] == Role::Free).collect();
        // A given name must remain besides the family name: "Սահակյան Մարի" has none.
        let enough = free.len() >= 3 || (free.len() >= 2 && role.contains(&Role::Family));
        if enough
            && !role.contains(&Role::Patr)
            && let Some(&k) = free
                .iter()
                .skip(1)
                .find(|&&k| is_armenian_genitive(&toks[k]))
        {
            role[k] = Role::Patr;
        }
        if !role.contains(&Role::Family) {
            let free: Vec<usize> = (0..n).filter(|&k| role[k] == Role::Free).collect();
            let surnames: Vec<usize> = free
                .iter()
                .copied()
                .filter(|&k| is_armenian_surname(&toks[k]))
                .collect();
            if free.len() >= 2 && surnames.len() == 1 {
                role[surnames[0]] = Role::Family;
            }
        }
    }
    // Initials (one letter, "O. P. Kovalenko", "Kovalenko O.P."): with a single full word
    // left, that word is the family name, the first initial the given name and a second one
    // the patronymic.
    {
        let free: Vec<usize> = (0..n).filter(|&k| role[k] == Role::Free).collect();
        let initials: Vec<usize> = free
            .iter()
            .copied()
            .filter(|&k| toks[k].chars().count() == 1)
            .collect();
        let words: Vec<usize> = free
            .iter()
            .copied()
            .filter(|&k| toks[k].chars().count() > 1)
            .collect();
        if !initials.is_empty()
            && words.len() == 1
            && role.contains(&Role::Family)
            && !role.contains(&Role::Given)
            && initials.iter().all(|&k| k > words[0])
        {
            // The family name is known (capitals, comma): the word is the given name and the
            // initial after it the patronymic, as Russian-language lists write a person
            // (NAME-RU-1: "КОВАЛЕНКО Пётр Л." is Kovalenko Pyotr L[...]ovich).
            role[words[0]] = Role::Given;
            if !role.contains(&Role::Patr) {
                role[initials[0]] = Role::Patr;
            }
        } else if !initials.is_empty()
            && words.len() == 1
            && !role.contains(&Role::Family)
            && !role.contains(&Role::Given)
            && initials.iter().all(|&k| k > words[0])
            && is_known_given_name(&toks[words[0]])
            && sex_from_surname(&toks[words[0]]).is_none()
            && !is_armenian_surname(&toks[words[0]])
        {
            // A known given name followed by an initial, nothing marking a family name
            // ("Павел Ф.", "Aziz Z.", "نجیب ن."): the name is the given name and the initial
            // the patronymic or father's name, as lists write a person without a family name
            // (NAME-AF-1: Afghan given name and father's name; NAME-RU-1: given name and
            // patronymic initial). A surname-shaped word ("Ivanov I.") stays the family name.
            role[words[0]] = Role::Given;
            if !role.contains(&Role::Patr) {
                role[initials[0]] = Role::Patr;
            }
        } else if !initials.is_empty() && words.len() <= 1 && !role.contains(&Role::Given) {
            if let Some(&w) = words.first()
                && !role.contains(&Role::Family)
            {
                role[w] = Role::Family;
            }
            role[initials[0]] = Role::Given;
            if let Some(&k) = initials.get(1)
                && !role.contains(&Role::Patr)
            {
                role[k] = Role::Patr;
            }
        }
    }
    // East Slavic order around a patronymic.
    let free: Vec<usize> = (0..n).filter(|&k| role[k] == Role::Free).collect();
    let patr: Vec<usize> = (0..n).filter(|&k| role[k] == Role::Patr).collect();
    let has_family = role.contains(&Role::Family);
    let is_slavic_patr = patr.len() == 1
        && !arabic_like
        && !toks[patr[0]].is_empty()
        && patronymic_sex(&toks[patr[0]]).is_some();
    if is_slavic_patr {
        let pi = patr[0];
        // Given name right before the patronymic, unless that word is shaped like a family
        // name and not a known given name, and the only other free word is one ("Денис
        // Грицський Петрович", "Ivan Petrov Sergeevich": a list that moved the surname
        // between the given name and the patronymic; NAME-UA-1, NAME-RU-1).
        if pi > 0 && role[pi - 1] == Role::Free {
            let others: Vec<usize> = free.iter().copied().filter(|&k| k != pi - 1).collect();
            let moved = !has_family
                && others.len() == 1
                && sex_from_surname(&toks[pi - 1]).is_some()
                && !is_known_given_name(&toks[pi - 1])
                && is_known_given_name(&toks[others[0]]);
            if moved {
                role[others[0]] = Role::Given;
                role[pi - 1] = Role::Family;
            } else {
                role[pi - 1] = Role::Given;
            }
        }
        if !has_family {
            for &k in &free {
                if role[k] == Role::Free {
                    role[k] = Role::Family;
                }
            }
        }
    }
    let free: Vec<usize> = (0..n).filter(|&k| role[k] == Role::Free).collect();
    let has_given = role.contains(&Role::Given);
    let has_family = role.contains(&Role::Family);
    match (free.len(), has_given, has_family) {
        (0, _, _) => {}
        (_, false, true) => {
            // Family known. In an Arabic chain without bin/ibn the first free token is the
            // given name and the next ones the father's and grandfather's names ("Mohammed Ali
            // Hassan al-Tikriti"); otherwise they are all given names (compound names, and
            // "KOVALENKO Oleksandr").
            let chain = arabic_like && !role.contains(&Role::Patr);
            for (j, &k) in free.iter().enumerate() {
                role[k] = if chain && j > 0 {
                    Role::Patr
                } else {
                    Role::Given
                };
            }
        }
        (_, true, false) => {
            for &k in &free {
                role[k] = Role::Family;
            }
        }
        (1, false, false) => role[free[0]] = Role::Given,
        (m, false, false) if m >= 2 && is_afghan_compound(&toks[free[0]], &toks[free[1]]) => {
            // A compound given name (NAME-AF-1: Ahmad Shah, Gul Ahmad, Ghulam Hazrat) is not
            // split into given + family; a third word is the family or tribal name.
            role[free[0]] = Role::Given;
            role[free[1]] = Role::Given;
            if m >= 3 {
                role[free[m - 1]] = Role::Family;
                for &k in &free[2..m - 1] {
                    role[k] = Role::Patr;
                }
            }
        }
        (2, false, false) => {
            let (a, b) = (free[0], free[1]);
            let swap =
                !is_known_given_name(&toks[a]) && is_known_given_name(&toks[b]) && !arabic_like;
            if swap {
                role[a] = Role::Family;
                role[b] = Role::Given;
            } else {
                role[a] = Role::Given;
                role[b] = Role::Family;
            }
        }
        (m, false, false) => {
            role[free[0]] = Role::Given;
            role[free[m - 1]] = Role::Family;
            let has_patr = role.contains(&Role::Patr);
            for &k in &free[1..m - 1] {
                role[k] = if arabic_like && !has_patr {
                    Role::Patr
                } else {
                    Role::Other
                };
            }
        }
        _ => {
            for &k in &free {
                role[k] = Role::Other;
            }
        }
    }
    for (k, t) in toks.into_iter().enumerate() {
        match role[k] {
            Role::Given => p.given.push(t),
            Role::Patr => p.patronymic.push(t),
            Role::Family => p.family.push(t),
            Role::Other | Role::Free => p.other.push(t),
        }
    }
    if p.sex_hint.is_none()
        && let Some(g) = p.given.first()
    {
        p.sex_hint = crate::romanize::primary_keys(g, None)
            .iter()
            .find_map(|k| crate::given_name_group(k))
            .and_then(crate::given_name_sex);
    }
    if p.sex_hint.is_none()
        && let Some(f) = p.family.last()
    {
        p.sex_hint = sex_from_surname(f);
    }
    p
}
