//! Arabic-script romanisation: Arabic (ALA-LC, DIN 31635, French practice), Persian, Dari and
//! Pashto (BGN/PCGN). Arabic-script letter normalisation for keys follows NAME-GEN-4.

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
            let next_is_letter = chars[i + 2].is_alphabetic();
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
                    && chars[i - 1].is_alphabetic()
                    && !chars.get(i + 1).is_some_and(|c| c.is_alphabetic())
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

/// Romanisation of an unvocalised token with a guessed vowel: ALA-LC consonants (Persian
/// values for Persian, Dari and Pashto), ع and ء as a vowel at the start of a word and dropped
/// elsewhere, ة and ى as a, long vowels as written, and `a` inserted between two consonants
/// that have no written vowel between them. For a key whose vowels are anonymous this guess
/// meets every Latin spelling that has a vowel in the same places (محمد → mahamad, like
/// Muhammad); names with consonant clusters (أحمد, Ahmad) rely on the name table or on the
/// consonant skeleton.
pub(crate) fn vocalised_guess(chars: &[char], lang: crate::Lang) -> String {
    let style = match lang {
        crate::Lang::Fa => Style::Persian,
        crate::Lang::Prs => Style::Dari,
        crate::Lang::Ps => Style::Pashto,
        _ => Style::AlaLc,
    };
    let mut out = String::with_capacity(chars.len() * 2);
    // 0 = nothing yet, 1 = last was a consonant, 2 = last was a vowel
    let mut last = 0u8;
    let n = chars.len();
    // ʿAbd compounds: عبد + (ال) + attribute is read abd + attribute (NAME-AR-1).
    let mut skip = 0;
    if n > 4 && chars[0] == 'ع' && chars[1] == 'ب' && chars[2] == 'د' {
        out.push_str("abd");
        last = 1;
        skip = if chars[3] == 'ا' && chars[4] == 'ل' {
            5
        } else {
            3
        };
        if skip == 5 {
            // The article's vowel: abd-u-l, written as a vowel before the attribute.
            out.push('a');
            last = 2;
        }
    }
    for (i, &c0) in chars.iter().enumerate() {
        if i < skip {
            continue;
        }
        let c = fold_letter(c0);
        if is_harakah(c) || c == SHADDA {
            continue;
        }
        let next = chars.get(i + 1).map(|&x| fold_letter(x));
        let next_vowel = next.is_some_and(|x| matches!(x, 'ا' | 'و' | 'ي' | 'ى'));
        match c {
            'ع' | 'ء' => {
                if last == 0 {
                    out.push('a');
                    last = 2;
                }
            }
            'ا' => {
                if last != 2 {
                    out.push('a');
                }
                last = 2;
            }
            'ي' | 'ه' if i + 1 == n && matches!(c0, 'ى' | 'ة') => {
                out.push('a');
                last = 2;
            }
            'ة' => {
                out.push('a');
                last = 2;
            }
            'و' | 'ي' => {
                let consonantal = last == 0 || last == 2 || next_vowel;
                if consonantal {
                    if last == 1 {
                        out.push('a');
                    }
                    out.push_str(match (c, style) {
                        ('و', Style::Persian) => "v",
                        ('و', _) => "w",
                        _ => "y",
                    });
                    last = 1;
                } else {
                    out.push(if c == 'و' { 'u' } else { 'i' });
                    last = 2;
                }
            }
            _ => match consonant(c, style) {
                Some(s) if s != "'" => {
                    if last == 1 {
                        out.push('a');
                    }
                    out.push_str(s);
                    last = 1;
                }
                _ => {}
            },
        }
    }
    out
}
