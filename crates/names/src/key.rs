//! Spelling-folding keys ("skeletons") for Latin spellings of names.
//!
//! The key maps every Latin spelling of a name to a short string over a reduced alphabet:
//!
//! * consonants fold into classes that the romanisation standards and common spelling
//!   disagree on: `c` for the hushing and affricate sounds (sh ch tch sch shch cz ts tz tc,
//!   French ch, ч ш щ ц), `h` for h g gh kh (Ukrainian г = h against Russian г = g, Russian
//!   Г for foreign h as in Гусейн, Azerbaijani x), `k` for k q ck and hard c, `v` for v w,
//!   `f` for f ph, `t` for t th, `d` for d dh, `z` for z zh, `j` for j dj dzh, and x is ks
//!   (kh in Azerbaijani spelling, recognised by its letters ə ı ğ ş ç, where c is also read
//!   as j);
//! * vowels are anonymous: the first vowel keeps a class (`a` back, `e` front, `y` glide),
//!   each later run of vowels becomes `a`, the final one `i` or `a`, and a medial diphthong
//!   (a vowel followed by i/y/j, as in Husayn, Hussein, Mikhail) becomes `ay`;
//!   a word-final h after a, or after e in words of six letters or more, is dropped
//!   (Fatimah, Abdullah, Fatemeh; Oleh keeps it);
//! * repeated letters collapse (Muhammad = Muhamad);
//! * ʿAbd compounds lose their linking article (Abdulrahman = Abd al-Rahman = Abdurrahman).
//!
//! So `Muhammad`, `Mohammed`, `Mohamad`, `Магомед` and `محمد` share `mahamad`, and `Oleksandr`
//! and `Aleksandr` share `alaksandr`. The skeleton ([`skeleton`]) also drops non-initial vowels
//! and serves unvocalised Arabic script, where only consonants and long vowels are written.

/// Append the ASCII folding of one lower-case Latin letter. Letters without a folding (and
/// non-letters) are dropped.
pub(crate) fn fold_latin(c: char, az: bool, out: &mut Vec<u8>) {
    if c.is_ascii_lowercase() {
        if c == 'x' {
            out.extend_from_slice(if az { b"kh" } else { b"ks" });
        } else if c == 'c' && az {
            // Azerbaijani and Turkish c is дж (Cəfərov = Джафаров = Jafarov).
            out.push(b'j');
        } else {
            out.push(c as u8);
        }
        return;
    }
    if c.is_ascii_uppercase() {
        fold_latin(c.to_ascii_lowercase(), az, out);
        return;
    }
    let s: &[u8] = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'ə' | 'ǝ' | 'ạ' | 'ả' | 'ấ'
        | 'ầ' | 'ậ' => b"a",
        'æ' => b"ae",
        'ç' | 'č' | 'ĉ' => b"ch",
        'ć' | 'ċ' => b"ts",
        'ď' | 'đ' | 'ḍ' | 'ḏ' => b"d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'ẹ' | 'ẻ' | 'ế' | 'ề' | 'ệ' => {
            b"e"
        }
        'ǧ' => b"j",
        'ğ' | 'ġ' => b"gh",
        'ĝ' | 'ģ' | 'ǵ' => b"g",
        'ĥ' | 'ħ' | 'ḥ' | 'ḫ' | 'ẖ' => b"h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' | 'ị' | 'ỉ' => b"i",
        'ĵ' => b"j",
        'ķ' | 'ḳ' => b"k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' | 'ḷ' => b"l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ṇ' => b"n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' | 'ọ' | 'ỏ' | 'ơ' => {
            b"o"
        }
        'œ' => b"oe",
        'ŕ' | 'ŗ' | 'ř' | 'ṛ' => b"r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' | 'ṣ' | 'ẍ' => {
            if matches!(c, 'ś' | 'ṣ') {
                b"s"
            } else {
                b"sh"
            }
        }
        'ß' => b"ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' | 'ṭ' => b"t",
        'ṯ' | 'þ' => b"th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' | 'ư' | 'ụ' | 'ủ' => {
            b"u"
        }
        'ŵ' => b"w",
        'ý' | 'ÿ' | 'ŷ' | 'ȳ' | 'ỳ' => b"y",
        'ź' | 'ż' | 'ẓ' => b"z",
        'ž' | 'ʒ' => b"zh",
        _ => b"",
    };
    out.extend_from_slice(s);
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// Lower-case ASCII letters of `latin`, folded (diacritics removed, ş → sh, ž → zh, ə → a ...).
pub(crate) fn ascii_letters(latin: &str) -> Vec<u8> {
    let az = latin
        .chars()
        .any(|c| matches!(c, 'ə' | 'Ə' | 'ı' | 'ğ' | 'Ğ' | 'ş' | 'Ş' | 'ç' | 'Ç'));
    let mut v = Vec::with_capacity(latin.len() + 4);
    for c in latin.chars() {
        fold_latin(c, az, &mut v);
    }
    v
}

/// Drop the linking article of an ʿAbd compound: abd + vowels + l* → abd (NAME-AR-1).
fn canon_abd(v: &mut Vec<u8>) {
    // Levantine "Abed" + article (Abedalkarim, joined by `tokens`) is ʿAbd + article.
    // An assimilated article doubles the sun letter (Abed ar-Rahman).
    if v.len() > 6
        && v.starts_with(b"abed")
        && matches!(v[4], b'a' | b'e' | b'u')
        && (v[5] == b'l' || v[5] == v[6])
    {
        v.remove(2);
    }
    if v.len() > 4 && v.starts_with(b"abd") {
        let mut j = 3;
        while j < v.len() && matches!(v[j], b'a' | b'e' | b'i' | b'o' | b'u') {
            j += 1;
        }
        while j < v.len() && v[j] == b'l' {
            j += 1;
        }
        if j < v.len() {
            v.drain(3..j);
        }
    }
}

/// Map folded letters to consonant classes, keeping vowels as they are (`a e i o u y`).
fn classes(v: &[u8], out: &mut Vec<u8>) {
    let n = v.len();
    let at = |i: usize| v.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < n {
        let c = v[i];
        let rest = &v[i..];
        // French stch and German stsch write Cyrillic сч (Власчук: Vlastchouk, Wlastschuk),
        // which Russian and Ukrainian pronounce щ and the ICAO form "sch" already folds to it.
        let (class, len): (u8, usize) = if rest.starts_with(b"stsch") {
            (b'c', 5)
        } else if rest.starts_with(b"stch") {
            (b'c', 4)
        } else if rest.starts_with(b"shch") || rest.starts_with(b"shtch") {
            (b'c', if rest.starts_with(b"shch") { 4 } else { 5 })
        } else if rest.starts_with(b"tsch") {
            (b'c', 4)
        } else if rest.starts_with(b"sch") || rest.starts_with(b"tch") || rest.starts_with(b"shh") {
            (b'c', 3)
        } else if rest.starts_with(b"dzh") || rest.starts_with(b"dzj") {
            (b'j', 3)
        } else if rest.starts_with(b"sh")
            || rest.starts_with(b"ch")
            || rest.starts_with(b"cz")
            || rest.starts_with(b"ts")
            || rest.starts_with(b"tz")
            || rest.starts_with(b"sz")
            || rest.starts_with(b"tc")
        {
            (b'c', 2)
        } else if rest.starts_with(b"kh") || rest.starts_with(b"gh") {
            (b'h', 2)
        } else if rest.starts_with(b"zh") {
            (b'z', 2)
        } else if rest.starts_with(b"dj") {
            (b'j', 2)
        } else if rest.starts_with(b"ck") {
            (b'k', 2)
        } else if rest.starts_with(b"ph") {
            (b'f', 2)
        } else if rest.starts_with(b"th") {
            (b't', 2)
        } else if rest.starts_with(b"dh") {
            (b'd', 2)
        } else {
            let cl = match c {
                b'g' | b'h' => b'h',
                b'q' | b'k' => b'k',
                b'c' => {
                    if matches!(at(i + 1), b'e' | b'i' | b'y') {
                        b'c'
                    } else {
                        b'k'
                    }
                }
                b'w' => b'v',
                b'j' => {
                    // j after a vowel and not before one is the glide й (Sergej, Andrej).
                    if i > 0 && is_vowel(v[i - 1]) && !is_vowel(at(i + 1)) && at(i + 1) != b'j' {
                        b'y'
                    } else {
                        b'j'
                    }
                }
                other => other,
            };
            (cl, 1)
        };
        out.push(class);
        i += len;
    }
}

/// Reduce vowel runs and collapse doubles (see the module documentation).
fn reduce(cl: &[u8], out: &mut String) {
    let n = cl.len();
    let mut i = 0;
    let mut last: u8 = 0;
    while i < n {
        if is_vowel(cl[i]) {
            let s = i;
            while i < n && is_vowel(cl[i]) {
                i += 1;
            }
            let run = &cl[s..i];
            if s == 0 {
                // Initial vowel: a glide before a vowel (Yu, Ia, Ye, Ju) is `y`; otherwise the
                // first vowel's class: back (a o u) is `a`, front (e i y) is `e`.
                let glide = run.len() >= 2 && matches!(run[0], b'i' | b'y');
                let m = if glide {
                    b'y'
                } else if matches!(run[0], b'e' | b'i' | b'y') {
                    b'e'
                } else {
                    b'a'
                };
                out.push(m as char);
                last = b'a';
                continue;
            }
            if i == n {
                // Final vowel: -i/-y/-j (Serhii, Sergey, Ali) is `i`, any other (-a, -o, -e:
                // Mariia, Dmytro, Fatemeh) is `a`, so that Evgenii and Evgeniia stay apart.
                if matches!(run[run.len() - 1], b'i' | b'y') {
                    out.push('i');
                } else if last != b'a' {
                    out.push('a');
                }
                break;
            }
            let medial = true;
            let diphthong = medial
                && run.len() == 2
                && matches!(run[0], b'a' | b'e' | b'o' | b'u' | b'i')
                && matches!(run[1], b'i' | b'y');
            if last != b'a' {
                out.push('a');
            }
            if diphthong {
                out.push('y');
                last = b'y';
            } else {
                last = b'a';
            }
        } else {
            if cl[i] != last {
                out.push(cl[i] as char);
            }
            last = cl[i];
            i += 1;
        }
    }
}

/// Spelling-folding key of one Latin name token (see the module documentation).
///
/// Accepts any text: non-Latin letters, digits and punctuation are ignored, so the key of a
/// string with no Latin letters is empty. Never panics.
#[must_use]
pub fn key(latin: &str) -> String {
    let mut v = ascii_letters(latin);
    canon_abd(&mut v);
    key_of_ascii(&v)
}

pub(crate) fn key_of_ascii(v: &[u8]) -> String {
    // A word-final h after a (ta marbuta, Allah: Fatimah, Abdullah) or after e in a longer
    // word (Persian Fatemeh, Zadeh) is not a consonant; Oleh keeps its h.
    let n = v.len();
    let v = if n >= 3 && v[n - 1] == b'h' && (v[n - 2] == b'a' || (v[n - 2] == b'e' && n >= 6)) {
        &v[..n - 1]
    } else {
        v
    };
    let mut cl = Vec::with_capacity(v.len());
    classes(v, &mut cl);
    let mut out = String::with_capacity(cl.len());
    reduce(&cl, &mut out);
    out
}

/// Consonant skeleton of a key: an initial vowel becomes `a` (an initial glide stays `y`),
/// later vowels and glides are dropped, doubles collapse. Coarse on purpose: it lets unvocalised Arabic script meet its
/// Latin spellings (محمد and Muhammad both give `mhmd`), and it also joins different names whose
/// consonants agree (Hasan and Husayn, Muhammad and Mahmud), so use it for candidates, not
/// as evidence.
#[must_use]
pub fn skeleton(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut last = '\0';
    for (i, c) in key.chars().enumerate() {
        if i > 0 && matches!(c, 'a' | 'e' | 'i' | 'y') {
            continue;
        }
        // An initial vowel is one class here: unvocalised ع or ا does not say which vowel.
        let c = if i == 0 && c == 'e' { 'a' } else { c };
        if c != last {
            out.push(c);
        }
        last = c;
    }
    out
}

/// Hushing sounds of a token where its spelling is unambiguous, in order (see [`sibilants`]).
const SIB_AMBIGUOUS: u32 = 0;
const SIB_CH: u32 = 1; // ч
const SIB_SH: u32 = 2; // ш
const SIB_SHCH: u32 = 3; // щ

/// The hushing consonants ч, ш, щ of one token (any script), in order, packed: the count in
/// the low four bits, then two bits per sound (at most 12). [`key`] folds them into one class,
/// because Latin `ch` is ч in English and ICAO 9303 spelling but ш in French (Chaaban =
/// Shaaban, NAME-AR-3; Chevtchenko) and German `sch` is ш but щ in Telegram spelling. Where the
/// letter itself is unambiguous the sound is recorded: Cyrillic ч ш щ; č ç (Czech, Turkish,
/// Azerbaijani), tch and tsch (French, German) for ч; š ş ș, sh and Polish sz for ш; ŝ (ISO 9),
/// shch and szcz for щ; Arabic-script ش and Persian چ; Armenian շ and չ; Georgian შ and ჩ ჭ.
/// Latin ch, sch and cz are recorded as ambiguous. See [`sibilants_conflict`].
#[must_use]
pub fn sibilants(token: &str) -> u32 {
    let chars: Vec<char> = token.chars().flat_map(char::to_lowercase).collect();
    let mut out = 0u32;
    let mut n = 0u32;
    let mut push = |v: u32| {
        if n < 12 {
            out |= v << (4 + 2 * n);
            n += 1;
        }
    };
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let starts = |i: usize, s: &str| s.chars().enumerate().all(|(k, c)| at(i + k) == c);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let (v, len) = match c {
            'ч' | 'č' | 'ç' | 'չ' | 'ჩ' | 'ჭ' | 'چ' => (Some(SIB_CH), 1),
            'ш' | 'š' | 'ş' | 'ș' | 'շ' | 'შ' | 'ش' | 'ښ' => (Some(SIB_SH), 1),
            'щ' | 'ŝ' => (Some(SIB_SHCH), 1),
            's' if starts(i, "shch") => (Some(SIB_SHCH), 4),
            's' if starts(i, "shtch") => (Some(SIB_SHCH), 5),
            's' if starts(i, "szcz") => (Some(SIB_SHCH), 4),
            // GOST 7.79-2000 B writes щ shh.
            's' if starts(i, "shh") => (Some(SIB_SHCH), 3),
            't' if starts(i, "tsch") => (Some(SIB_CH), 4),
            't' if starts(i, "tch") => (Some(SIB_CH), 3),
            's' if starts(i, "sch") => (Some(SIB_AMBIGUOUS), 3),
            's' if starts(i, "sh") || starts(i, "sz") => (Some(SIB_SH), 2),
            'c' if starts(i, "ch") => (Some(SIB_AMBIGUOUS), 2),
            _ => (None, 1),
        };
        if let Some(v) = v {
            push(v);
        }
        i += len;
    }
    out | n
}

/// Whether two tokens' hushing consonants ([`sibilants`]) disagree where both are
/// unambiguous: the same number of them, and at one place ч against ш or щ (Elçin / Elşən,
/// Эльчин / Эльшан, Çingiz / Shingiz). Names that share a [`key`] but conflict here are
/// different names, not spellings of one.
#[must_use]
pub fn sibilants_conflict(a: u32, b: u32) -> bool {
    let n = a & 0xF;
    if n == 0 || n != (b & 0xF) {
        return false;
    }
    (0..n).any(|k| {
        let x = (a >> (4 + 2 * k)) & 3;
        let y = (b >> (4 + 2 * k)) & 3;
        x != SIB_AMBIGUOUS && y != SIB_AMBIGUOUS && x != y
    })
}
