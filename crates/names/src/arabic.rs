//! Arabic-script romanisation: Arabic (ALA-LC, DIN 31635, French practice), Persian, Dari and
//! Pashto (BGN/PCGN). Arabic-script letter normalisation for keys follows NAME-GEN-4.

use crate::normalize::is_letter;
use crate::translit::at_word_start;

/// Which table to apply.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    /// ALA-LC (Library of Congress, 2012), diacritics dropped.
    AlaLc,
    /// DIN 31635 (1982), folded to ASCII.
    Din,
    /// French-influenced practice: ch, dj, ou.
    French,
    /// Persian, BGN/PCGN 1958.
    Persian,
    /// Dari, BGN/PCGN (Persian values, و as w).
    Dari,
    /// Pashto, BGN/PCGN 1968.
    Pashto,
}

const FATHA: char = '\u{064E}';
const DAMMA: char = '\u{064F}';
const KASRA: char = '\u{0650}';
const SHADDA: char = '\u{0651}';

/// Fold the Arabic-script letter variants that do not distinguish names (NAME-GEN-4): alef
/// forms to ا, Persian ی and ک to ي and ك, Arabic-Indic digits kept. Pashto letters kept.
#[must_use]
pub(crate) fn fold_letter(c: char) -> char {
    match c {
        'أ' | 'إ' | 'آ' | 'ٱ' | 'ٲ' | 'ٳ' => 'ا',
        'ی' | 'ې' | 'ۍ' | 'ئ' => 'ي',
        'ک' | 'ګ' => {
            if c == 'ک' {
                'ك'
            } else {
                'گ'
            }
        }
        'ە' | 'ۀ' | 'ہ' | 'ھ' => 'ه',
        'ى' => 'ي',
        'ؤ' => 'و',
        'ة' => 'ه',
        _ => c,
    }
}

fn is_arabic_vowel_letter(c: char) -> bool {
    matches!(
        c,
        'ا' | 'أ' | 'إ' | 'آ' | 'ٱ' | 'و' | 'ي' | 'ى' | 'ی' | 'ې' | 'ۍ'
    )
}

fn is_harakah(c: char) -> bool {
    ('\u{064B}'..='\u{065F}').contains(&c) || c == '\u{0670}'
}

fn consonant(c: char, style: Style) -> Option<&'static str> {
    let persian = matches!(style, Style::Persian | Style::Dari | Style::Pashto);
    Some(match c {
        'ب' => "b",
        'پ' => "p",
        'ت' | 'ط' | 'ټ' => "t",
        'ث' => match style {
            Style::Din => "t",
            Style::French => "th",
            _ if persian => "s",
            _ => "th",
        },
        'ج' => match style {
            Style::Din => "g",
            Style::French => "dj",
            _ => "j",
        },
        'چ' => "ch",
        'ح' => "h",
        'خ' => match style {
            Style::Din => "h",
            _ => "kh",
        },
        'د' | 'ډ' => "d",
        'ذ' => match style {
            Style::Din => "d",
            _ if persian => "z",
            _ => "dh",
        },
        'ر' | 'ړ' => "r",
        'ز' => "z",
        'ژ' | 'ږ' => "zh",
        'س' => "s",
        'ش' | 'ښ' => match style {
            Style::Din => "s",
            Style::French => "ch",
            _ => "sh",
        },
        'ص' => "s",
        'ض' => {
            if persian {
                "z"
            } else {
                "d"
            }
        }
        'ظ' => "z",
        'ع' | 'ء' => "'",
        'غ' => match style {
            Style::Din => "g",
            _ => "gh",
        },
        'ف' => "f",
        'ق' => "q",
        'ك' | 'ک' => "k",
        'گ' | 'ګ' => "g",
        'ل' => "l",
        'م' => "m",
        'ن' | 'ڼ' => "n",
        'ه' | 'ھ' | 'ہ' => "h",
        'ځ' => "dz",
        'څ' => "ts",
        _ => return None,
    })
}

/// Letter-by-letter romanisation of unvocalised (or vocalised) Arabic script.
///
/// Short vowels come only from harakat; long vowels from ا و ي. و and ي are consonants (w/v, y)
/// at the start of a word, after a long vowel and before another vowel letter; otherwise
/// they are the long vowels u and i. The article ال at word start is written `al-`.
pub(crate) fn translit(chars: &[char], style: Style, out: &mut String) {
    let persian = matches!(style, Style::Persian | Style::Dari | Style::Pashto);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = at_word_start(chars, i);
        if start && c == 'ا' && chars.get(i + 1) == Some(&'ل') && chars.len() > i + 3 {
            let next_is_letter = is_letter(chars[i + 2]);
            if next_is_letter && !persian {
                out.push_str(if style == Style::French { "el-" } else { "al-" });
                i += 2;
                continue;
            }
        }
        let next = chars.get(i + 1).copied();
        let next_vowelish = next.is_some_and(|n| is_arabic_vowel_letter(n) || is_harakah(n));
        match c {
            FATHA => out.push('a'),
            DAMMA => out.push(if style == Style::French { 'o' } else { 'u' }),
            KASRA => out.push(if persian { 'e' } else { 'i' }),
            // Shadda doubles its consonant; that is done when the consonant is written.
            SHADDA => {}
            '\u{0670}' => out.push('a'),
            _ if is_harakah(c) => {}
            'ا' | 'أ' | 'آ' | 'ٱ' => {
                if start && c == 'أ' && next == Some(DAMMA) {
                } else {
                    out.push('a');
                }
            }
            'إ' => out.push(if persian { 'e' } else { 'i' }),
            'ى' => out.push('a'),
            'ة' => out.push('a'),
            'و' | 'ؤ' => {
                let consonantal =
                    start || next_vowelish || (i > 0 && is_arabic_vowel_letter(chars[i - 1]));
                if consonantal {
                    out.push_str(match style {
                        Style::Persian => "v",
                        Style::French if !start => "ou",
                        _ => "w",
                    });
                } else {
                    out.push_str(if style == Style::French { "ou" } else { "u" });
                }
            }
            'ي' | 'ی' | 'ئ' | 'ې' | 'ۍ' => {
                if c == 'ې' {
                    out.push('e');
                } else if c == 'ۍ' {
                    out.push_str("ay");
                } else if c == 'ئ' && !next_vowelish {
                    out.push('\'');
                } else {
                    let consonantal =
                        start || next_vowelish || (i > 0 && is_arabic_vowel_letter(chars[i - 1]));
                    out.push(if consonantal { 'y' } else { 'i' });
                }
            }
            // Word-final ه after a consonant is the vowel -e/-a in Persian, Dari and Pashto
            // (BGN/PCGN: Persian zadeh, Pashto -a).
            'ه' | 'ہ'
                if persian
                    && i > 0
                    && is_letter(chars[i - 1])
                    && !chars.get(i + 1).is_some_and(|&c| is_letter(c))
                    && !is_arabic_vowel_letter(chars[i - 1]) =>
            {
                out.push_str(if style == Style::Persian { "eh" } else { "a" });
            }
            _ => match consonant(c, style) {
                Some(s) => {
                    out.push_str(s);
                    // Canonical ordering may put the vowel mark before the shadda.
                    let marks = chars[i + 1..]
                        .iter()
                        .take_while(|&&m| is_harakah(m) || m == SHADDA);
                    if marks.clone().any(|&m| m == SHADDA) {
                        out.push_str(s);
                    }
                }
                None => out.push(c),
            },
        }
        i += 1;
    }
}

/// Where [`vocalised_guess`] puts the short vowels that Arabic script does not write.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Guess {
    /// Between every two consonants (محمد → mahamad, like Muhammad).
    Every,
    /// Only after a word's first consonant (when the word starts with one) and before its
    /// last one (when the word starts with a vowel or has four consonants or more): the
    /// frequent CVCCVC shapes (مصري → masri, شبنم → shabnam, اکمل → akmal).
    Sparse,
    /// As `Every`, and a medial ي/و between consonants is the diphthong ay/aw rather than the
    /// long vowel (حيدري → haydari, حسين → hasayn).
    Diphthong,
}

enum Unit {
    C(&'static str),
    /// A written vowel; `true` for ي/و between consonants, which may be a diphthong.
    V(&'static str, bool),
    Boundary,
}

/// Romanisation of an unvocalised token with guessed vowels: ALA-LC consonants (Persian
/// values for Persian, Dari and Pashto), ع and ء as a vowel at the start of a word and silent
/// elsewhere, ة and ى as a, long vowels as written, and `a` inserted between consonants as
/// `guess` says. Keys treat vowels as anonymous, so a guess meets every Latin spelling with
/// vowels in the same places; names it misses still meet theirs through the skeleton.
pub(crate) fn vocalised_guess_with(chars: &[char], lang: crate::Lang, guess: Guess) -> String {
    let style = match lang {
        crate::Lang::Fa => Style::Persian,
        crate::Lang::Prs => Style::Dari,
        crate::Lang::Ps => Style::Pashto,
        _ => Style::AlaLc,
    };
    let n = chars.len();
    let mut units: Vec<Unit> = Vec::with_capacity(n + 2);
    let mut i = 0;
    while i < n {
        let c0 = chars[i];
        let c = fold_letter(c0);
        let start = i == 0 || !is_letter(chars[i - 1]);
        // ʿAbd compounds: عبد + (ال) + attribute is read abd + attribute (NAME-AR-1).
        if start
            && i + 4 < n
            && c == 'ع'
            && chars[i + 1] == 'ب'
            && chars[i + 2] == 'د'
            && is_letter(chars[i + 3])
        {
            units.extend([Unit::V("a", false), Unit::C("bd")]);
            i += if chars[i + 3] == 'ا' && chars[i + 4] == 'ل' {
                5
            } else {
                3
            };
            units.push(Unit::V("a", false));
            continue;
        }
        if !is_letter(c) && !is_harakah(c) && c != SHADDA {
            units.push(Unit::Boundary);
            i += 1;
            continue;
        }
        if is_harakah(c) || c == SHADDA {
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).map(|&x| fold_letter(x));
        let next_vowel = next.is_some_and(|x| matches!(x, 'ا' | 'و' | 'ي'));
        let end = next.is_none_or(|x| !is_letter(x));
        let prev_is_c = matches!(units.last(), Some(Unit::C(_)));
        let prev_is_v = matches!(units.last(), Some(Unit::V(..)));
        match c {
            'ع' | 'ء' => {
                if start {
                    units.push(Unit::V("a", false));
                }
            }
            'ا' => {
                if !prev_is_v {
                    units.push(Unit::V("a", false));
                }
            }
            'ي' | 'ه' if end && matches!(c0, 'ى' | 'ة') => units.push(Unit::V("a", false)),
            'و' | 'ي' => {
                // و after a consonant and before a ی that itself stands before a vowel is
                // the vowel, and that ی the consonant y: Persian رویا is Roya (Rouya), پویا
                // Pouya (BGN/PCGN 1958 Persian: و as a vowel ū/o, ی before a vowel y). Not
                // before a ی that is the vowel (نوید Navid, علوی Alavi).
                let vowel_before_glide = c == 'و'
                    && prev_is_c
                    && next == Some('ي')
                    && chars
                        .get(i + 2)
                        .is_some_and(|&x| matches!(fold_letter(x), 'ا' | 'و' | 'ي'));
                let consonantal = (start || prev_is_v || next_vowel) && !vowel_before_glide;
                if consonantal {
                    units.push(Unit::C(match (c, style) {
                        ('و', Style::Persian) => "v",
                        ('و', _) => "w",
                        _ => "y",
                    }));
                } else {
                    let medial = prev_is_c && !end;
                    units.push(Unit::V(if c == 'و' { "u" } else { "i" }, medial));
                }
            }
            _ => {
                if let Some(s) = consonant(c, style)
                    && s != "'"
                {
                    units.push(Unit::C(s));
                }
            }
        }
        i += 1;
    }
    // Render, inserting vowels between consonants of one word.
    let mut out = String::with_capacity(n * 2);
    let mut w = 0;
    while w < units.len() {
        let mut e = w;
        while e < units.len() && !matches!(units[e], Unit::Boundary) {
            e += 1;
        }
        let word = &units[w..e];
        let cons: Vec<usize> = (0..word.len())
            .filter(|&k| matches!(word[k], Unit::C(_)))
            .collect();
        let (first_c, last_c) = (cons.first().copied(), cons.last().copied());
        for (k, u) in word.iter().enumerate() {
            match u {
                Unit::C(s) => {
                    if k > 0 && matches!(word[k - 1], Unit::C(_)) {
                        let insert = match guess {
                            Guess::Every | Guess::Diphthong => true,
                            Guess::Sparse => {
                                let starts_with_c = first_c == Some(0);
                                (Some(k - 1) == first_c && starts_with_c)
                                    || (Some(k) == last_c && (!starts_with_c || cons.len() >= 4))
                            }
                        };
                        if insert {
                            out.push('a');
                        }
                    }
                    out.push_str(s);
                }
                Unit::V(v, medial) => {
                    if *medial && guess == Guess::Diphthong {
                        out.push_str(if *v == "u" { "aw" } else { "ay" });
                    } else {
                        out.push_str(v);
                    }
                }
                Unit::Boundary => {}
            }
        }
        if e < units.len() {
            out.push(' ');
        }
        w = e + 1;
    }
    out
}

/// [`vocalised_guess_with`] with a vowel between every two consonants.
pub(crate) fn vocalised_guess(chars: &[char], lang: crate::Lang) -> String {
    vocalised_guess_with(chars, lang, Guess::Every)
}
