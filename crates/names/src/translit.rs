//! Transliteration by the published standards. Each table cites its source.
//!
//! Every function takes text that [`crate::normalize`] has already lower-cased (the public
//! [`transliterate`] does that) and writes lower-case Latin. Letters of other scripts, digits
//! and punctuation pass through unchanged, so a mixed string never loses characters silently.

use crate::normalize::is_letter;
use crate::normalize::normalize;

/// A published romanisation standard (or, where noted, a documented common practice).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Ukrainian: Cabinet of Ministers of Ukraine Resolution No. 55 of 27 January 2010
    /// (the national passport standard). Position-dependent є ї й ю я; зг → zgh; ь and ' omitted.
    UkNational2010,
    /// Russian: ICAO Doc 9303 Part 3 (7th edition, 2015; in Russian passports since 2013–2014):
    /// ц ts, ъ ie, ю iu, я ia, й i, ё e.
    RuIcao9303,
    /// Russian: GOST 7.79-2000 System B (ASCII variant of ISO 9:1995): ё yo, й j, х x, ц cz/c,
    /// щ shh, ъ ``, ы y', ь ', э e', ю yu, я ya.
    RuGost779B,
    /// Russian: BGN/PCGN 1947: е/ё → ye/yë at word start and after vowels, й ъ ь; й y;
    /// ы y; ъ ″; ь ′; ю yu; я ya.
    RuBgnPcgn,
    /// Belarusian: national system of 2007 (Instruction on the transliteration of geographical
    /// names of the Republic of Belarus, 2007; adopted by UNGEGN Resolution IX/8, 2007): г h,
    /// х ch, ж ž, ш š, ч č, ц c, ў ŭ, й j, е/ё/ю/я je/jo/ju/ja after vowels and at word start,
    /// ie/io/iu/ia after consonants, softening ь shown by an acute (ĺ ń ś ź ć).
    BeNational2007,
    /// Belarusian as written in Belarusian passports (ICAO-style practice, not a published
    /// national standard): г h, х kh, ж zh, ш sh, ч ch, ц ts, ў u; е ё ю я are ye yo yu ya
    /// at word start and after vowels, e io iu ia after consonants; ь omitted
    /// (Aliaksandr, Siarhei, Tsikhanouskaya).
    BePassport,
    /// Azerbaijani Cyrillic to the Latin alphabet of 1991/1992 (Law of the Republic of
    /// Azerbaijan of 25 December 1991): г q, ғ ğ, ә ə, ж j, ы ı, ј y, ҝ g, ө ö, ү ü, х x, һ h,
    /// ч ç, ҹ c, ш ş.
    AzCyrillicToLatin,
    /// Arabic: ALA-LC Romanization Tables, Arabic (Library of Congress, 2012), diacritics
    /// dropped (ḥ → h, ā → a, ʿ and ʾ → '), article written al- and sun letters not assimilated;
    /// ة → a (ah before a pause is not written); short vowels only when harakat are present.
    ArAlaLc,
    /// Arabic: DIN 31635 (1982) folded to ASCII: ǧ → g, ḫ → h, ḏ → d, š → s, ṯ → t, ġ → g,
    /// ḥ ṣ ḍ ṭ ẓ → h s d t z; ʿ ʾ → '.
    ArDin31635,
    /// Arabic in the common English-language practice of passports and the press (not a
    /// standard): letter by letter, ALA-LC without the apostrophes for ʿayn and hamza. The
    /// usual full spellings of frequent names (Mohammed, Abdul, Abdel) come from the name
    /// table in [`crate::romanize`].
    ArCommon,
    /// Arabic in the French-influenced Levantine and Maghrebi practice (not a standard):
    /// ش ch, ج dj, و ou, ي i, خ kh, غ gh.
    ArFrench,
    /// Eastern Armenian: BGN/PCGN 1981 (ASCII form, aspiration apostrophes kept): ե ye at word
    /// start, ո vo at word start, ու u, և yev/ev, ղ gh, ը y, ջ j, ճ ch, չ ch'.
    HyEasternBgn,
    /// Western Armenian in the diaspora practice modelled on Hübschmann-Meillet values with the
    /// Western consonant shifts (բ p, պ b, գ k, կ g, դ t, տ d, ջ ch, ճ j, ձ ts, ծ dz):
    /// Պետրոսյան → bedrosyan, Գրիգորյան → krikoryan, Յակոբ → hagop.
    HyWestern,
    /// Georgian: national system of 2002 (Georgian State Department of Geodesy and Cartography
    /// and the Institute of Linguistics, 2002; used in passports): ejectives with an apostrophe
    /// (k' p' t' ts' ch' q'), ღ gh, ყ q', ჟ zh, ხ kh, ჯ j.
    KaNational2002,
    /// Persian: BGN/PCGN 1958: ث s, ذ z, ض z, ظ z, و v (consonant) / u, ی y / i, ژ zh, چ ch,
    /// پ p, گ g, ق q, غ gh, ع and ء '.
    FaBgnPcgn,
    /// Dari: BGN/PCGN romanisation of Persian as applied to Afghanistan (2007 agreement on
    /// Dari names): as Persian, but و → w.
    PrsBgnPcgn,
    /// Pashto: BGN/PCGN 1968: ټ t, ډ d, ړ r, ږ zh, ښ sh, ګ g, ڼ n, ځ dz, څ ts, ې e, ۍ ay,
    /// ئ ay (dots and retroflex marks dropped).
    PsBgnPcgn,
}

/// Transliterate `text` by `scheme`. The text is [`normalize`]d first; characters that the
/// scheme does not cover pass through. Never panics.
#[must_use]
pub fn transliterate(text: &str, scheme: Scheme) -> String {
    let norm = normalize(text);
    let chars: Vec<char> = norm.chars().collect();
    let mut out = String::with_capacity(norm.len() + norm.len() / 2);
    translit_chars(&chars, scheme, &mut out);
    out
}

/// [`transliterate`] on already normalised characters, appending to `out`.
pub(crate) fn translit_chars(chars: &[char], scheme: Scheme, out: &mut String) {
    let start_len = out.len();
    match scheme {
        Scheme::UkNational2010 => uk_2010(chars, out),
        Scheme::RuIcao9303 => ru_icao(chars, out),
        Scheme::RuGost779B => ru_gost_b(chars, out),
        Scheme::RuBgnPcgn => ru_bgn(chars, out),
        Scheme::BeNational2007 => be_2007(chars, out),
        Scheme::BePassport => be_passport(chars, out),
        Scheme::AzCyrillicToLatin => az_cyr(chars, out),
        Scheme::ArAlaLc | Scheme::ArCommon => {
            crate::arabic::translit(chars, crate::arabic::Style::AlaLc, out)
        }
        Scheme::ArDin31635 => crate::arabic::translit(chars, crate::arabic::Style::Din, out),
        Scheme::ArFrench => crate::arabic::translit(chars, crate::arabic::Style::French, out),
        Scheme::FaBgnPcgn => crate::arabic::translit(chars, crate::arabic::Style::Persian, out),
        Scheme::PrsBgnPcgn => crate::arabic::translit(chars, crate::arabic::Style::Dari, out),
        Scheme::PsBgnPcgn => crate::arabic::translit(chars, crate::arabic::Style::Pashto, out),
        Scheme::HyEasternBgn => crate::armenian::translit(chars, false, out),
        Scheme::HyWestern => crate::armenian::translit(chars, true, out),
        Scheme::KaNational2002 => georgian(chars, out),
    }
    if scheme == Scheme::ArCommon {
        let tail: String = out[start_len..].chars().filter(|&c| c != '\'').collect();
        out.truncate(start_len);
        out.push_str(&tail);
    }
}

/// True when the previous character is not a letter (word start).
pub(crate) fn at_word_start(chars: &[char], i: usize) -> bool {
    i == 0 || !(is_letter(chars[i - 1]) || chars[i - 1] == '\'')
}

fn is_cyr_vowel(c: char) -> bool {
    matches!(
        c,
        'а' | 'е'
            | 'ё'
            | 'и'
            | 'о'
            | 'у'
            | 'ы'
            | 'э'
            | 'ю'
            | 'я'
            | 'і'
            | 'ї'
            | 'є'
            | 'ә'
            | 'ө'
            | 'ү'
    )
}

/// Letters that the Cyrillic schemes of this module share (а б в д з к л м н о п р с т у ф).
fn cyr_common(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'д' => "d",
        'з' => "z",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        _ => return None,
    })
}

/// Ukrainian national transliteration, CMU Resolution No. 55 (27 January 2010), table as
/// published in the resolution: Є Ї Й Ю Я are Ye Yi Y Yu Ya at the start of a word and ie i i
/// iu ia elsewhere; зг is zgh; ь and the apostrophe are not rendered.
/// Russian letters that Ukrainian lacks (ё ы э ъ) fall back to ICAO Doc 9303.
fn uk_2010(chars: &[char], out: &mut String) {
    for (i, &c) in chars.iter().enumerate() {
        let start = at_word_start(chars, i);
        if let Some(s) = cyr_common(c) {
            out.push_str(s);
            continue;
        }
        let s = match c {
            'г' => {
                if i > 0 && chars[i - 1] == 'з' {
                    "gh"
                } else {
                    "h"
                }
            }
            'ґ' => "g",
            'е' => "e",
            'є' => {
                if start {
                    "ye"
                } else {
                    "ie"
                }
            }
            'ж' => "zh",
            'и' => "y",
            'і' => "i",
            'ї' => {
                if start {
                    "yi"
                } else {
                    "i"
                }
            }
            'й' => {
                if start {
                    "y"
                } else {
                    "i"
                }
            }
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ю' => {
                if start {
                    "yu"
                } else {
                    "iu"
                }
            }
            'я' => {
                if start {
                    "ya"
                } else {
                    "ia"
                }
            }
            'ь' | '\'' => "",
            'ё' => "e",
            'ы' => "y",
            'э' => "e",
            'ъ' => "ie",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(s);
    }
}

/// Russian by ICAO Doc 9303, Part 3, Section 6 (7th edition 2015), the table used in
/// Russian passports (Order of the Federal Migration Service of 15 October 2012 No. 320,
/// from 2013–2014). Ukrainian and Belarusian letters use the same document's values.
fn ru_icao(chars: &[char], out: &mut String) {
    for &c in chars {
        if let Some(s) = cyr_common(c) {
            out.push_str(s);
            continue;
        }
        let s = match c {
            'г' | 'ґ' => "g",
            'е' | 'ё' | 'э' | 'є' => {
                if c == 'є' {
                    "ie"
                } else {
                    "e"
                }
            }
            'ж' => "zh",
            'и' | 'і' | 'ї' | 'й' => "i",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' => "ie",
            'ы' => "y",
            'ь' | '\'' => "",
            'ю' => "iu",
            'я' => "ia",
            'ў' => "u",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(s);
    }
}

/// Russian by GOST 7.79-2000 (interstate standard, in force in Russia from 2002), System B:
/// ц is c before е и ы й (and і є in Ukrainian), cz elsewhere; ъ is `` and ь `; ы y`; э e`.
/// Ukrainian letters by the same table: г g, ґ g`, є ye, і i, ї yi, и y`.
fn ru_gost_b(chars: &[char], out: &mut String) {
    for (i, &c) in chars.iter().enumerate() {
        if let Some(s) = cyr_common(c) {
            out.push_str(s);
            continue;
        }
        let s = match c {
            'г' => "g",
            'ґ' => "g`",
            'е' => "e",
            'ё' => "yo",
            'є' => "ye",
            'ж' => "zh",
            'и' => "i",
            'і' => "i",
            'ї' => "yi",
            'й' => "j",
            'х' => "x",
            'ц' => {
                let next = chars.get(i + 1).copied();
                if matches!(next, Some('е' | 'и' | 'ы' | 'й' | 'і' | 'є')) {
                    "c"
                } else {
                    "cz"
                }
            }
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shh",
            'ъ' => "``",
            'ы' => "y`",
            'ь' => "`",
            'э' => "e`",
            'ю' => "yu",
            'я' => "ya",
            'ў' => "u`",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(s);
    }
}

/// Russian by BGN/PCGN 1947 (United States Board on Geographic Names and the Permanent
/// Committee on Geographical Names for British Official Use): е and ё are ye and yë at the
/// start of a word and after a vowel, й, ъ or ь; ы y; ъ ″ (U+2033 is written as ");
/// ь ′ (written as '); э e; ю yu; я ya.
fn ru_bgn(chars: &[char], out: &mut String) {
    for (i, &c) in chars.iter().enumerate() {
        if let Some(s) = cyr_common(c) {
            out.push_str(s);
            continue;
        }
        let after_vowel_like = at_word_start(chars, i)
            || (i > 0 && (is_cyr_vowel(chars[i - 1]) || matches!(chars[i - 1], 'й' | 'ъ' | 'ь')));
        let s = match c {
            'г' | 'ґ' => "g",
            'е' => {
                if after_vowel_like {
                    "ye"
                } else {
                    "e"
                }
            }
            'ё' => {
                if after_vowel_like {
                    "yë"
                } else {
                    "ë"
                }
            }
            'є' => "ye",
            'ж' => "zh",
            'и' | 'і' => "i",
            'ї' => "yi",
            'й' => "y",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' => "\"",
            'ы' => "y",
            'ь' => "'",
            'э' => "e",
            'ю' => "yu",
            'я' => "ya",
            'ў' => "w",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(s);
    }
}

/// Belarusian national system, 2007 (see [`Scheme::BeNational2007`]).
fn be_2007(chars: &[char], out: &mut String) {
    for (i, &c) in chars.iter().enumerate() {
        let iotated = at_word_start(chars, i)
            || (i > 0
                && (is_cyr_vowel(chars[i - 1]) || matches!(chars[i - 1], 'ь' | 'ў' | '\'' | 'й')));
        let soft = chars.get(i + 1) == Some(&'ь');
        let s = match c {
            'л' if soft => "ĺ",
            'н' if soft => "ń",
            'с' if soft => "ś",
            'з' if soft => "ź",
            'ц' if soft => "ć",
            'г' => "h",
            'ґ' => "g",
            'е' => {
                if iotated {
                    "je"
                } else {
                    "ie"
                }
            }
            'ё' => {
                if iotated {
                    "jo"
                } else {
                    "io"
                }
            }
            'ю' => {
                if iotated {
                    "ju"
                } else {
                    "iu"
                }
            }
            'я' => {
                if iotated {
                    "ja"
                } else {
                    "ia"
                }
            }
            'ж' => "ž",
            'і' | 'и' => "i",
            'й' => "j",
            'х' => "ch",
            'ц' => "c",
            'ч' => "č",
            'ш' => "š",
            'щ' => "šč",
            'ў' => "ŭ",
            'ы' => "y",
            'ь' | '\'' | 'ъ' => "",
            'э' => "e",
            _ => {
                if let Some(s) = cyr_common(c) {
                    s
                } else {
                    out.push(c);
                    continue;
                }
            }
        };
        out.push_str(s);
    }
}

/// Belarusian passport practice (see [`Scheme::BePassport`]).
fn be_passport(chars: &[char], out: &mut String) {
    for (i, &c) in chars.iter().enumerate() {
        let start = at_word_start(chars, i)
            || (i > 0
                && (is_cyr_vowel(chars[i - 1]) || matches!(chars[i - 1], 'ь' | 'ў' | '\'' | 'й')));
        let s = match c {
            'г' => "h",
            'ґ' => "g",
            'е' => {
                if start {
                    "ye"
                } else {
                    "e"
                }
            }
            'ё' => {
                if start {
                    "yo"
                } else {
                    "io"
                }
            }
            'ю' => {
                if start {
                    "yu"
                } else {
                    "iu"
                }
            }
            'я' => {
                if start {
                    "ya"
                } else {
                    "ia"
                }
            }
            'ж' => "zh",
            'і' | 'и' | 'й' => "i",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ў' => "u",
            'ы' => "y",
            'ь' | '\'' | 'ъ' => "",
            'э' => "e",
            _ => {
                if let Some(s) = cyr_common(c) {
                    s
                } else {
                    out.push(c);
                    continue;
                }
            }
        };
        out.push_str(s);
    }
}

/// Azerbaijani Cyrillic (1958–1991 alphabet) to the Latin alphabet of 1991/1992.
/// Russian letters in Azerbaijani Cyrillic text: ё yo, ю yu, я ya, ц ts, щ şç, э e, ъ ь omitted.
fn az_cyr(chars: &[char], out: &mut String) {
    for &c in chars {
        if let Some(s) = cyr_common(c) {
            out.push_str(s);
            continue;
        }
        let s = match c {
            'г' => "q",
            'ғ' => "ğ",
            'е' => "e",
            'ә' => "ə",
            'ж' => "j",
            'и' => "i",
            'ы' => "ı",
            'ј' | 'й' => "y",
            'ҝ' => "g",
            'ө' => "ö",
            'ү' => "ü",
            'х' => "x",
            'һ' => "h",
            'ч' => "ç",
            'ҹ' => "c",
            'ш' => "ş",
            'ё' => "yo",
            'ю' => "yu",
            'я' => "ya",
            'ц' => "ts",
            'щ' => "şç",
            'э' => "e",
            'ъ' | 'ь' => "",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(s);
    }
}

/// Georgian national system of 2002 (see [`Scheme::KaNational2002`]). Mtavruli capitals are
/// lower-cased to Mkhedruli by [`normalize`] before this runs.
fn georgian(chars: &[char], out: &mut String) {
    for &c in chars {
        let s = match c {
            'ა' => "a",
            'ბ' => "b",
            'გ' => "g",
            'დ' => "d",
            'ე' => "e",
            'ვ' => "v",
            'ზ' => "z",
            'თ' => "t",
            'ი' => "i",
            'კ' => "k'",
            'ლ' => "l",
            'მ' => "m",
            'ნ' => "n",
            'ო' => "o",
            'პ' => "p'",
            'ჟ' => "zh",
            'რ' => "r",
            'ს' => "s",
            'ტ' => "t'",
            'უ' => "u",
            'ფ' => "p",
            'ქ' => "k",
            'ღ' => "gh",
            'ყ' => "q'",
            'შ' => "sh",
            'ჩ' => "ch",
            'ც' => "ts",
            'ძ' => "dz",
            'წ' => "ts'",
            'ჭ' => "ch'",
            'ხ' => "kh",
            'ჯ' => "j",
            'ჰ' => "h",
            // Archaic letters, by their usual values.
            'ჱ' => "e",
            'ჲ' => "y",
            'ჳ' => "w",
            'ჴ' => "q",
            'ჵ' => "o",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(s);
    }
}
