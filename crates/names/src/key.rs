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

/// Vowel classes of [`vowels`]: back open `a`, front close `i`, back close `u`.
const V_A: u32 = 1;
const V_I: u32 = 2;
const V_U: u32 = 4;
/// The vowel is written unambiguously: an Arabic-script long vowel letter, or a Latin doubled
/// vowel (aa, ee, ii, oo, uu) that marks a long one.
const V_HARD: u32 = 8;
/// Which Arabic-script long vowel letter is written (bits 4 and 5): two Arabic-script
/// spellings with different letters there are different names.
const V_LETTER_ALIF: u32 = 1 << 4;
const V_LETTER_YA: u32 = 2 << 4;
const V_LETTER_WAW: u32 = 3 << 4;
const V_LETTER: u32 = 3 << 4;

/// The class of a Latin vowel run (after the first consonants of a name): the classes the
/// run can stand for. `e` stands for a short a as often as for i (Turkish and Persian Mehmet,
/// Fatemeh; Levantine Reda for Rida), `o` for a (Belarusian Раман for Роман, Persian o for
/// Arabic u) and for u, a diphthong for a and i, so only a, i/y and u are one class each.
fn latin_vowel_class(run: &[u8]) -> u32 {
    match run {
        [] => 0,
        // A glide before a vowel (Liubov, Viacheslav, Myasnikov): the vowel after it.
        [b'e', b'e', ..] | [b'i', b'i', ..] => V_I | V_HARD,
        [b'y', b'i' | b'y', ..] | [b'i', b'y', ..] => V_I,
        [b'i' | b'y', rest @ ..] if !rest.is_empty() => latin_vowel_class(rest),
        [b'a', b'a', ..] => V_A | V_HARD,
        [b'o', b'o', ..] | [b'u', b'u', ..] => V_U | V_HARD,
        [b'o', b'u', ..] => V_U,
        [b'a', b'i' | b'y' | b'e', ..] => V_A | V_I,
        [b'a', b'o' | b'u', ..] => V_A | V_U,
        [b'a', ..] => V_A,
        [b'e', ..] => V_A | V_I,
        [b'i' | b'y', ..] => V_I,
        [b'o', ..] => V_A | V_U,
        [b'u', ..] => V_U,
        _ => 0,
    }
}

/// The vowel of the first syllable of a name token (any script) as a set of classes, for
/// [`vowels_conflict`]; 0 when the token begins with a vowel or the vowel is not written.
///
/// Arabic script writes only the long vowels, with the letters ا (ā), ي/ی (ī) and و (ū)
/// (ALA-LC Arabic 2012; BGN/PCGN 1956 Arabic): a long vowel letter after the first
/// consonant is the vowel itself, unambiguous, where the keys (vowels anonymous) cannot tell
/// راما (Rama) from ريما (Rima). و or ي before another vowel letter is a consonant (w, y):
/// نوال Nawal, بيان Bayan; و before a ی that carries a vowel is the vowel (Persian رویا Roya).
/// Latin spellings give the classes their letters can stand for (see `latin_vowel_class`).
#[must_use]
pub fn vowels(token: &str) -> u32 {
    let t = crate::normalize(token);
    if crate::detect_script(&t) == Some(crate::Script::Arabic) {
        let chars: Vec<char> = t
            .chars()
            .map(crate::arabic::fold_letter)
            .filter(|&c| crate::normalize::is_letter(c))
            .collect();
        let vowel_letter = |c: char| matches!(c, 'ا' | 'و' | 'ي' | 'ى');
        let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
        // Initial ا ع ء: the word begins with a vowel.
        if chars.len() < 3 || matches!(at(0), 'ا' | 'ع' | 'ء') {
            return 0;
        }
        // ي and و after a consonant are also the diphthongs ay and aw (Sayf, Haydar, Fawzi,
        // Shawqi), so against a Latin spelling they exclude only the other close vowel;
        // against another Arabic-script spelling the letters themselves differ or agree.
        return match at(1) {
            'ا' | 'ى' => V_A | V_HARD | V_LETTER_ALIF,
            'و' if at(2) == 'ا' || (at(2) == 'ي' && !vowel_letter(at(3))) => 0,
            'و' => V_U | V_A | V_HARD | V_LETTER_WAW,
            'ي' if vowel_letter(at(2)) => 0,
            'ي' => V_I | V_A | V_HARD | V_LETTER_YA,
            _ => 0,
        };
    }
    let latin = if t.is_ascii() {
        t
    } else {
        crate::romanize(&t, None)
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let v = ascii_letters(&latin);
    let mut i = 0;
    // An initial glide (Yusuf, Yasir, Iosif) is a consonant; another initial vowel is not
    // the first syllable's vowel after a consonant.
    if v.first().is_some_and(|&c| is_vowel(c)) {
        if matches!(v[0], b'y' | b'i') && v.get(1).is_some_and(|&c| is_vowel(c)) {
            i = 1;
        } else {
            return 0;
        }
    }
    while i < v.len() && !is_vowel(v[i]) {
        i += 1;
    }
    let s = i;
    while i < v.len() && is_vowel(v[i]) {
        i += 1;
    }
    let mut run = &v[s..i];
    // y between two vowels is a consonant (Roya, Rouya, Maya): the run ends before it.
    if let Some(p) = run.iter().skip(1).position(|&c| c == b'y')
        && p + 2 < run.len()
    {
        run = &run[..=p];
    }
    let class = latin_vowel_class(run);
    // A vowel before w and a consonant is the diphthong aw (Fawzi, Shawqi = فوزي, شوقي).
    if v.get(i) == Some(&b'w') && !v.get(i + 1).is_some_and(|&c| is_vowel(c)) {
        return class | V_U;
    }
    class
}

/// Whether two tokens' first-syllable vowels ([`vowels`]) disagree where at least one of them
/// is written unambiguously: two Arabic-script spellings with different long vowel letters
/// (راما / ريما, Rama / Rima), or a written long vowel against a Latin vowel it cannot be
/// (راما / Rima, Reema / Rama). Names that share a [`key`] but conflict here are
/// different names. Plain Latin vowels alone never conflict: Latin spellings of one Arabic
/// name differ in their short vowels (Radwan and Ridwan are both رضوان).
#[must_use]
pub fn vowels_conflict(a: u32, b: u32) -> bool {
    if a & V_LETTER != 0 && b & V_LETTER != 0 {
        return a & V_LETTER != b & V_LETTER;
    }
    let (x, y) = (a & 7, b & 7);
    x != 0 && y != 0 && x & y == 0 && (a | b) & V_HARD != 0
}
