//! Plausible Latin spellings of one token in any script, and keys over them.

use crate::arabic::{self, Style};
use crate::key::{ascii_letters, fold_latin, key, key_of_ascii, skeleton};
use crate::normalize::is_letter;
use crate::normalize::{Script, detect_script, normalize, script_of};
use crate::translit::{Scheme, translit_chars};

/// Language hint for romanisation. A hint narrows the standards tried; without one the
/// script's letters decide (і ї є ґ → Ukrainian, ў → Belarusian, ә ғ ҝ ө ү һ ҹ ј →
/// Azerbaijani, پ چ ژ گ → Persian, ټ ډ ړ ږ ښ ګ ڼ ځ څ → Pashto).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Ukrainian.
    Uk,
    /// Russian.
    Ru,
    /// Belarusian.
    Be,
    /// Arabic.
    Ar,
    /// Eastern Armenian (Armenia).
    HyEastern,
    /// Western Armenian (diaspora: Syria, Lebanon, Turkey).
    HyWestern,
    /// Georgian.
    Ka,
    /// Azerbaijani.
    Az,
    /// Persian (Farsi).
    Fa,
    /// Dari (Afghan Persian).
    Prs,
    /// Pashto.
    Ps,
}

/// Maximum number of spellings [`romanize`] returns.
pub const MAX_ROMANIZATIONS: usize = 8;
/// Maximum number of keys [`keys`] returns.
pub const MAX_KEYS: usize = 4;

fn push_unique(v: &mut Vec<String>, s: String, cap: usize) {
    if !s.is_empty() && v.len() < cap && !v.contains(&s) {
        v.push(s);
    }
}

/// Keep ASCII letters, folding diacritics, dropping apostrophes and backticks.
fn plain(s: &str) -> String {
    let v = ascii_letters(s);
    String::from_utf8(v).unwrap_or_default()
}

fn cyrillic_lang(t: &str) -> Option<Lang> {
    let mut uk = false;
    let mut be = false;
    let mut az = false;
    let mut ru = false;
    for c in t.chars() {
        match c {
            'і' | 'ї' | 'є' | 'ґ' => uk = true,
            'ў' => be = true,
            'ә' | 'ғ' | 'ҝ' | 'ө' | 'ү' | 'һ' | 'ҹ' | 'ј' => az = true,
            'ы' | 'э' | 'ъ' | 'ё' => ru = true,
            _ => {}
        }
    }
    if az {
        Some(Lang::Az)
    } else if be || (uk && ru && !t.contains('ї') && !t.contains('є')) {
        // і with ы/э/ё is Belarusian (Ukrainian has no ы э ё, Russian no і).
        Some(Lang::Be)
    } else if uk && !ru {
        Some(Lang::Uk)
    } else if ru && !uk {
        Some(Lang::Ru)
    } else {
        None
    }
}

fn arabic_lang(t: &str) -> Lang {
    let mut fa = false;
    for c in t.chars() {
        match c {
            'ټ' | 'ډ' | 'ړ' | 'ږ' | 'ښ' | 'ګ' | 'ڼ' | 'ځ' | 'څ' | 'ې' | 'ۍ' => {
                return Lang::Ps;
            }
            'پ' | 'چ' | 'ژ' | 'گ' | 'ی' | 'ک' => fa = true,
            _ => {}
        }
    }
    if fa { Lang::Fa } else { Lang::Ar }
}

/// All plausible Latin spellings of one token, across the standards (deduplicated, at most
/// [`MAX_ROMANIZATIONS`], lower-case ASCII without apostrophes).
///
/// * Latin input returns itself, normalised (diacritics kept, e.g. `məmmədov`).
/// * Cyrillic: Ukrainian 2010, Russian ICAO 9303, BGN/PCGN and GOST 7.79 B, Belarusian
///   passport and national 2007, Azerbaijani Latin, as the letters and the hint allow.
/// * Arabic script: the usual spellings from the name table (`data/arabic_names.tsv`) when
///   the name is known, then a vocalised guess (a vowel between consonants) and the letter
///   transliteration; Persian, Dari and Pashto by BGN/PCGN.
/// * Armenian: Eastern BGN/PCGN and Western; Georgian: national 2002.
#[must_use]
pub fn romanize(token: &str, hint: Option<Lang>) -> Vec<String> {
    let t = one_token(token);
    let script = if t.is_ascii() {
        Some(Script::Latin)
    } else {
        detect_script(&t)
    };
    romanize_normalized(t, script, hint)
}

/// [`romanize`] on a normalised token whose script is known.
fn romanize_normalized(t: String, script: Option<Script>, hint: Option<Lang>) -> Vec<String> {
    let mut out = Vec::new();
    if t.is_empty() {
        return out;
    }
    let cap = MAX_ROMANIZATIONS;
    match script {
        // A Latin name with Cyrillic letters typed in (homoglyphs, NAME-GEN-4): read those
        // letters by ICAO 9303, which leaves the Latin ones as they are.
        Some(Script::Latin) if t.chars().any(|c| script_of(c) == Some(Script::Cyrillic)) => {
            let chars: Vec<char> = t.chars().collect();
            let mut buf = String::with_capacity(t.len());
            translit_chars(&chars, Scheme::RuIcao9303, &mut buf);
            out.push(buf);
        }
        None | Some(Script::Latin) | Some(Script::Other) => out.push(t),
        Some(Script::Cyrillic) => {
            let lang = hint.or_else(|| cyrillic_lang(&t));
            let schemes: &[Scheme] = match lang {
                Some(Lang::Uk) => &[
                    Scheme::UkNational2010,
                    Scheme::RuIcao9303,
                    Scheme::RuBgnPcgn,
                ],
                Some(Lang::Be) => &[
                    Scheme::BePassport,
                    Scheme::BeNational2007,
                    Scheme::RuIcao9303,
                    Scheme::RuBgnPcgn,
                ],
                Some(Lang::Az) => &[
                    Scheme::AzCyrillicToLatin,
                    Scheme::RuBgnPcgn,
                    Scheme::RuIcao9303,
                ],
                Some(Lang::Ru) => &[
                    Scheme::RuIcao9303,
                    Scheme::RuBgnPcgn,
                    Scheme::RuGost779B,
                    Scheme::UkNational2010,
                ],
                // GOST 7.79 is a bibliographic standard, rare in name lists; its Latin
                // spellings (x for х) are met by the alternative readings of `keys`.
                _ => &[
                    Scheme::RuIcao9303,
                    Scheme::UkNational2010,
                    Scheme::RuBgnPcgn,
                ],
            };
            let chars: Vec<char> = t.chars().collect();
            let mut buf = String::with_capacity(t.len() * 2);
            for (n, &s) in schemes.iter().enumerate() {
                buf.clear();
                translit_chars(&chars, s, &mut buf);
                push_unique(&mut out, plain(&buf), cap);
                if n == 0 && lang == Some(Lang::Be) {
                    // The Russian form of a Belarusian name (ці → ти, дзе → де, ў → в, і → и,
                    // э → е: Ціханоўская = Тихановская), by ICAO, right after the passport
                    // form so that it keeps a key.
                    let ru = russified_belarusian(&chars);
                    buf.clear();
                    translit_chars(&ru, Scheme::RuIcao9303, &mut buf);
                    push_unique(&mut out, plain(&buf), cap);
                }
            }
        }
        Some(Script::Arabic) => {
            let lang = match hint {
                Some(l @ (Lang::Ar | Lang::Fa | Lang::Prs | Lang::Ps)) => l,
                _ => arabic_lang(&t),
            };
            // A -zādeh compound (NAME-AZ-1: حسن‌زاده, the non-joiner removed by `normalize`):
            // the stem is a name of its own, read as such, then the suffix (Hasanzadeh). Read
            // as one word, a vowel was guessed at the seam ("Hasanazadah").
            if let Some(stem) = t.strip_suffix("زاده").or_else(|| t.strip_suffix("زادہ"))
                && stem.chars().count() >= 2
            {
                let stem_lang = if matches!(hint, Some(Lang::Ps | Lang::Prs)) {
                    hint
                } else {
                    Some(Lang::Fa)
                };
                for f in romanize_normalized(stem.to_string(), Some(Script::Arabic), stem_lang)
                    .into_iter()
                    .take(2)
                {
                    push_unique(&mut out, format!("{f}zadeh"), cap);
                }
            }
            let folded: String = t.chars().map(arabic::fold_letter).collect();
            let chars: Vec<char> = t.chars().collect();
            if let Some(forms) = crate::groups::arabic_forms(&folded) {
                for f in forms {
                    push_unique(&mut out, f.to_string(), cap);
                }
            } else {
                // Letters that Arabic and Persian read differently (ث ذ ض ظ: th dh d z against
                // s z z z): without Persian letters to decide, read both ways (حضرت: Hazrat).
                let both =
                    lang == Lang::Ar && chars.iter().any(|c| matches!(c, 'ث' | 'ذ' | 'ض' | 'ظ'));
                let mut guesses = vec![(lang, arabic::Guess::Every)];
                if both {
                    guesses.push((Lang::Prs, arabic::Guess::Every));
                }
                guesses.push((lang, arabic::Guess::Sparse));
                guesses.push((lang, arabic::Guess::Diphthong));
                for (l, g) in guesses {
                    push_unique(
                        &mut out,
                        plain(&arabic::vocalised_guess_with(&chars, l, g)),
                        cap,
                    );
                }
                // A final ة is also read -at: the construct-state reading of ALA-LC (ة as t in
                // iḍāfah) and the Persian and Turkic spelling of the same names (رحمة =
                // Rahmat, Rəhmət; Ni'mat, Hikmet), after the guesses, where the cap on keys
                // drops it first.
                if t.ends_with('ة') {
                    for g in [arabic::Guess::Sparse, arabic::Guess::Every] {
                        let f = plain(&arabic::vocalised_guess_with(&chars, lang, g));
                        push_unique(&mut out, format!("{f}t"), cap);
                    }
                }
            }
            if out.is_empty() {
                let style = match lang {
                    Lang::Fa => Style::Persian,
                    Lang::Prs => Style::Dari,
                    Lang::Ps => Style::Pashto,
                    _ => Style::AlaLc,
                };
                let mut s = String::new();
                arabic::translit(&chars, style, &mut s);
                push_unique(&mut out, plain(&s), cap);
            }
        }
        Some(Script::Armenian) => {
            let order: [Scheme; 2] = if hint == Some(Lang::HyWestern) {
                [Scheme::HyWestern, Scheme::HyEasternBgn]
            } else {
                [Scheme::HyEasternBgn, Scheme::HyWestern]
            };
            let chars: Vec<char> = t.chars().collect();
            let mut buf = String::with_capacity(t.len() * 2);
            for s in order {
                buf.clear();
                translit_chars(&chars, s, &mut buf);
                push_unique(&mut out, plain(&buf), cap);
            }
        }
        Some(Script::Georgian) => {
            let chars: Vec<char> = t.chars().collect();
            let mut buf = String::with_capacity(t.len() * 2);
            translit_chars(&chars, Scheme::KaNational2002, &mut buf);
            push_unique(&mut out, plain(&buf), cap);
        }
    }
    out
}

/// The normalised token; text of several words (`Abd al-Rahman`, `Gul Mohammad`, `عبد الله`)
/// is read as one token, its [`crate::tokens`] written together (compounds join as in
/// `tokens`).
fn one_token(text: &str) -> String {
    let t = normalize(text);
    if t.bytes().any(|b| matches!(b, b' ' | b'-' | b',' | b'.')) {
        crate::tokens(&t).concat()
    } else {
        t
    }
}

/// Belarusian letters and softenings mapped to their Russian counterparts: ц and дз before a
/// soft vowel or ь are т and д (цеканне, дзеканне), ў is в, і is и, э is е.
fn russified_belarusian(chars: &[char]) -> Vec<char> {
    let soft = |c: Option<&char>| matches!(c, Some('і' | 'е' | 'ё' | 'ю' | 'я' | 'ь'));
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == 'д' && chars.get(i + 1) == Some(&'з') && soft(chars.get(i + 2)) {
            out.push('д');
            i += 2;
            continue;
        }
        out.push(match c {
            'ц' if soft(chars.get(i + 1)) => 'т',
            'ў' => 'в',
            'і' => 'и',
            'э' => 'е',
            other => other,
        });
        i += 1;
    }
    out
}

/// True for a Latin token that looks like an Armenian family name (-ian, -yan, -ants,
/// -yants, -unts, -ents).
fn armenian_surname(v: &[u8]) -> bool {
    [
        &b"ian"[..],
        b"yan",
        b"iants",
        b"yants",
        b"ants",
        b"unts",
        b"ents",
    ]
    .iter()
    .any(|e| v.len() > e.len() + 2 && v.ends_with(e))
}

/// The Armenian spelling of `v` with the differences between Eastern, Western and
/// Russian-mediated romanisation folded away (NAME-AM-2):
///
/// * the stop and affricate triples that Eastern and Western Armenian pronounce, and so
///   spell, differently fold to one letter each: բ պ փ (b/p), գ կ ք (g/k, q), դ տ թ (d/t),
///   ձ ծ ց (dz/ts), ջ ճ չ (j/ch). Western b d g dz j are Eastern p t k ts ch, and Western
///   p t k are Eastern b d g or the aspirated p t k: Bedrosian = Petrosyan, Krikorian =
///   Grigoryan, Hagopian = Hakobyan, Tavtian = Davtyan, Kasbarian = Gasparyan (Hübschmann-
///   Meillet and ISO 9985 letter values against the Western pronunciation);
/// * հ is dropped, as Russian-mediated forms drop it or write it г (Hakobyan = Акопян,
///   Harutyunyan = Арутюнян, Hovsepyan = Овсепян); ղ (gh) is a stop like Russian г and к
///   (Ghazaryan = Казарян, Ghukasyan = Гукасян); kh, sh, zh, ch stay;
/// * an initial ye (Eastern ե at word start, BGN/PCGN) is e (Yeghiazaryan = Egiazaryan).
pub(crate) fn armenian_neutral(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = usize::from(v.starts_with(b"ye"));
    while i < v.len() {
        let rest = &v[i..];
        let two = |d: &[u8]| rest.starts_with(d);
        let (s, len): (&[u8], usize) = if two(b"gh") {
            (b"k", 2)
        } else if two(b"kh") || two(b"zh") || two(b"sh") || two(b"ch") {
            (&rest[..2], 2)
        } else if two(b"dz") {
            (b"ts", 2)
        } else {
            match rest[0] {
                b'b' => (b"p", 1),
                b'd' => (b"t", 1),
                b'g' | b'q' => (b"k", 1),
                b'j' => (b"ch", 1),
                b'h' => (b"", 1),
                _ => (&rest[..1], 1),
            }
        };
        out.extend_from_slice(s);
        i += len;
    }
    out
}

/// The part of an Armenian family name before its suffix (-yan, -ian, -yants, -iants,
/// -ants, -unts, -ents; NAME-AM-1), if the name has one and the rest is at least three
/// letters.
fn armenian_surname_base(v: &[u8]) -> Option<&[u8]> {
    [
        &b"yants"[..],
        b"iants",
        b"yan",
        b"ian",
        b"ants",
        b"unts",
        b"ents",
    ]
    .iter()
    .find(|e| v.len() >= e.len() + 3 && v.ends_with(e))
    .map(|e| &v[..v.len() - e.len()])
}

/// Keys of an Armenian family name (folded letters `v`, any romanisation): the key of its
/// [`armenian_neutral`] form, and, when the name is a given name plus -yan (NAME-AM-1: most
/// Armenian family names are patronymic, Petrosyan from Petros), the key of the given name's
/// table label plus -yan, so that the table's Russian-mediated and Western forms of the given
/// name carry the family name with them (Оганесян, from Оганес = Hovhannes, meets
/// Hovhannisyan; Garabedian, from Garabed = Karapet, meets Карапетян).
fn armenian_surname_keys(v: &[u8], out: &mut Vec<String>) {
    let neutral = armenian_neutral(v);
    push_unique(out, key_of_ascii(&neutral), MAX_KEYS - 1);
    // A base of fewer than four key letters (Asho-, Ayk-) meets too many other words.
    if let Some(base) = armenian_surname_base(&neutral)
        && let base_key = key_of_ascii(base)
        && base_key.len() >= 4
        && let Some(label) = crate::groups::armenian_given_by_key(&base_key)
    {
        push_unique(out, key(&format!("{label}yan")), MAX_KEYS - 1);
    }
}

/// True for a Cyrillic token that looks like an Armenian family name (-ян, -янц, -унц, -енц).
fn armenian_surname_cyrillic(t: &str) -> bool {
    t.chars().count() > 4 && ["ян", "янц", "унц", "енц"].iter().any(|e| t.ends_with(e))
}

/// Alternative readings of a Latin spelling that [`key`] resolves one way: j as й (German and
/// South Slavic spelling: Jurij, Jelena), initial ye as e (Yermakov), c as ц (Cvetkov), x as х (GOST 7.79 B), an attached Arabic article
/// (Alhasan), and the Western Armenian consonant shift.
fn latin_alternatives(t: &str, hint: Option<Lang>, out: &mut Vec<String>) {
    let v = ascii_letters(t);
    if v.is_empty() {
        return;
    }
    let armenian_hint = matches!(hint, None | Some(Lang::HyEastern | Lang::HyWestern));
    if armenian_hint {
        if armenian_surname(&v) {
            armenian_surname_keys(&v, out);
        } else if v.len() >= 4
            && let Some(label) = crate::groups::armenian_given_by_neutral(&armenian_neutral(&v))
        {
            // A Western or Russian-mediated spelling of a given name of the table's Armenian
            // rows (Avedik = Avetik, Sdepan = Stepan): the name's own key.
            push_unique(out, key(label), MAX_KEYS - 1);
        }
    }
    // The Slavic reading of j, x and c, all at once: j = й (Jurij, Sergej), x = х (GOST 7.79
    // B: Xrushhyov), c = ц (Cvetkov, Petrovic; not in ch, ck).
    let slavic = slavic_reading(t, "y", "kh");
    if let Some(sl) = &slavic {
        push_unique(out, key(sl), MAX_KEYS - 1);
    }
    // The rules below read the Slavic reading when there is one (GOST Yoja = ICAO Eia).
    let slavic_v = slavic.as_deref().map(ascii_letters);
    let v: &[u8] = slavic_v.as_deref().unwrap_or(&v);
    // Initial Ye/Je/Ie is Russian Е, which ICAO writes E (Yermakov = Ermakov).
    // Initial Yo/Jo is Russian Ё, which ICAO also writes E (Yolkin = Elkin).
    // (Not for a written j: Je- is as often French же as German Je-, and the French reading
    // below needs the room.)
    if v.len() >= 2
        && !t.starts_with('j')
        && matches!(v[0], b'y' | b'i')
        && (v[1] == b'e' || (v[1] == b'o' && v.get(2) != Some(&b'u')))
    {
        let mut alt = Vec::with_capacity(v.len());
        alt.push(b'e');
        alt.extend_from_slice(&v[2..]);
        push_unique(out, key_of_ascii(&alt), MAX_KEYS - 1);
    }
    // q read as g (Azerbaijani Quliyev = Guliyev, Gulf Arabic Qasim = Gasim).
    if v.contains(&b'q') {
        let alt: Vec<u8> = v
            .iter()
            .map(|&c| if c == b'q' { b'g' } else { c })
            .collect();
        push_unique(out, key_of_ascii(&alt), MAX_KEYS - 1);
    }
    // Azerbaijani and Turkish letters typed without their marks (NAME-AZ-2): passports,
    // keyboards without the Azerbaijani layout and many lists write Şahin as Sahin, Çingiz as
    // Cingiz, Ağayev as Agayev. Only ş and ç change the key (ğ, ı, ə already fold to g, i,
    // a): their bare letters s and c are read as English s and c.
    if t.chars().any(|c| matches!(c, 'ş' | 'ç')) {
        let bare: String = t
            .chars()
            .map(|c| match c {
                'ş' => 's',
                'ç' => 'c',
                'ı' => 'i',
                'ə' => 'e',
                'ğ' => 'g',
                'ö' => 'o',
                'ü' => 'u',
                other => other,
            })
            .collect();
        push_unique(out, key(&bare), MAX_KEYS - 1);
    }
    // Azerbaijani written in plain ASCII (NAME-AZ-2): in the Azerbaijani Latin alphabet
    // (1991/1992) c is /dʒ/ (Cavid = Джавид = Javid) and ç is /tʃ/; without ə, ı, ğ, ş or ç
    // in the spelling `key` reads c the English way. The Azerbaijani reading is added when
    // it gives a given name of the tables, alone or before a family-name suffix (-li, -lı,
    // -lu, -ov, -ova, -yev, -yeva, -zade, -oglu: Cavidli = Javidli = Джавидли).
    if matches!(hint, None | Some(Lang::Az))
        && t.is_ascii()
        && let Some(az) = azerbaijani_c_reading(t)
    {
        push_unique(out, key(&az), MAX_KEYS - 1);
    }
    // Azerbaijani ə (NAME-AZ-2) folds to a, as the passport transliteration and the Russian
    // form write it (Məmmədov = Mammadov = Мамедов); it is the front vowel, which a keyboard
    // without it writes e (Memmedov, Eli, Esgerov), and the keys' first vowel tells e from a.
    // The other letters keep their Azerbaijani reading (c is дж: Cəfər, Cefer, Джафар).
    if t.contains('ə') {
        let mut v = Vec::with_capacity(t.len());
        for c in t.chars() {
            fold_latin(if c == 'ə' { 'e' } else { c }, true, &mut v);
        }
        push_unique(out, key_of_ascii(&v), MAX_KEYS - 1);
    }
    let arabic_hint = matches!(
        hint,
        None | Some(Lang::Ar | Lang::Fa | Lang::Prs | Lang::Ps)
    );
    // A spelling that is itself a name of the tables is not read as article + name (Elchin,
    // Eldar and Elnur are Azerbaijani names, not al- + Chin).
    // The article is read on the letters as written: the Slavic reading of j as й had hidden
    // it before ج (Aljamal, Aljaber, Aljundi read as "Alyamal").
    let known = crate::groups::given_name_group(&key(t)).is_some();
    let w = ascii_letters(t);
    if arabic_hint
        && !known
        && w.len() > 4
        && (w.starts_with(b"al") || w.starts_with(b"el"))
        && !is_vowel_byte(w[2])
        && w[2] != b'l'
        && w[2] != b'e'
    {
        push_unique(out, key_of_ascii(&w[2..]), MAX_KEYS - 1);
    }
    // The least frequent readings come last, where the cap on keys drops them first.
    // The French reading of j as ж (Soviet passports before 1997: Jukov, Jouravlev).
    if t.contains('j')
        && !t.contains("dj")
        && let Some(fr) = slavic_reading(t, "zh", "ks")
    {
        push_unique(out, key(&fr), MAX_KEYS - 1);
    }
    // Egyptian g for ج (Gamal = Jamal, Khadiga = Khadija); not in gh, and only when the
    // reading gives a name of the tables (Sergei does not become Serjei).
    // ج is a consonant: written dj here so that `key` does not read a j after a vowel as the
    // glide й (Oleg read as "Olej" had given the key of Ali).
    if arabic_hint && v.contains(&b'g') && !v.windows(2).any(|w| w == b"gh") {
        let mut alt: Vec<u8> = Vec::with_capacity(v.len() + 2);
        for &c in v {
            if c == b'g' {
                alt.extend_from_slice(b"dj");
            } else {
                alt.push(c);
            }
        }
        let k = key_of_ascii(&alt);
        // A doubled gg is the Egyptian spelling of a doubled ج (shaddah on jīm: Naggar =
        // Najjar نجار, Haggag = Hajjaj): English and Slavic names do not double g before a
        // vowel in the Arabic patterns, so the reading needs no table there.
        let doubled = v.windows(2).any(|w| w == b"gg");
        if doubled || crate::groups::is_known_key(&k) {
            push_unique(out, k, MAX_KEYS - 1);
        }
    }
    // The German (Duden) transcription of Russian and Ukrainian, last: ch is х, sch ш, tsch ч,
    // schtsch щ, w в, z ц, and s is с or, before a vowel, з (Sachartschenko = Захарченко,
    // Chruschtschow = Хрущёв, Sacharow = Сахаров). Only for a spelling with a German mark
    // (sch, or the ending -ow/-ew/-owa/-ewa), since ch is ч in English and ш in French.
    for alt in german_readings(v) {
        push_unique(out, key_of_ascii(&alt), MAX_KEYS - 1);
    }
}

/// Family-name suffixes of Azerbaijani names (NAME-AZ-1), longest first.
const AZ_SUFFIXES: [&str; 10] = [
    "zade", "oglu", "yeva", "yev", "ova", "eva", "ov", "ev", "li", "lu",
];

/// The plain-ASCII spelling `t` read with Azerbaijani c = /dʒ/ (written `dj`, so that `key`
/// does not take a j after a vowel for the glide й), when a c stands before a vowel (not in
/// ch, ck, cz, sc) and that reading, or its stem before an Azerbaijani family-name suffix,
/// is a given name of the tables (Cavid, Cavidli, Cəmil typed Camil).
fn azerbaijani_c_reading(t: &str) -> Option<String> {
    let b = t.as_bytes();
    let soft_c = (0..b.len()).any(|i| {
        b[i] == b'c'
            && b.get(i + 1).is_some_and(|&n| is_vowel_byte(n))
            && (i == 0 || b[i - 1] != b's')
    });
    if !soft_c {
        return None;
    }
    let az = t.replace('c', "dj");
    let known = |s: &str| s.len() >= 4 && crate::groups::given_name_group(&key(s)).is_some();
    let stem_known = AZ_SUFFIXES
        .iter()
        .any(|suffix| az.strip_suffix(suffix).is_some_and(&known));
    (known(&az) || stem_known).then_some(az)
}

/// German (Duden) letter clusters and their neutral romanisation, longest first: щ, ч, ш, х,
/// and ss for с between vowels.
const GERMAN_CLUSTERS: [(&[u8], &[u8]); 5] = [
    (b"schtsch", b"shch"),
    (b"tsch", b"ch"),
    (b"sch", b"sh"),
    (b"ch", b"kh"),
    (b"ss", b"s"),
];

/// The readings of `v` as a German transcription of Cyrillic (see [`latin_alternatives`]):
/// with s as с, and with s before a vowel as з. Empty without a German mark.
fn german_readings(v: &[u8]) -> Vec<Vec<u8>> {
    let marked = v.windows(3).any(|w| w == b"sch")
        || [&b"ow"[..], b"ew", b"owa", b"ewa"]
            .iter()
            .any(|e| v.len() > e.len() + 2 && v.ends_with(e));
    if !marked {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(2);
    for voiced in [false, true] {
        let mut alt = Vec::with_capacity(v.len() + 4);
        let mut i = 0;
        while i < v.len() {
            let rest = &v[i..];
            if let Some((from, to)) = GERMAN_CLUSTERS
                .iter()
                .find(|(from, _)| rest.starts_with(from))
            {
                alt.extend_from_slice(to);
                i += from.len();
            } else {
                match rest[0] {
                    b's' if voiced && rest.get(1).is_some_and(|&c| is_vowel_byte(c)) => {
                        alt.push(b'z');
                    }
                    b'z' => alt.extend_from_slice(b"ts"),
                    b'w' => alt.push(b'v'),
                    c => alt.push(c),
                }
                i += 1;
            }
        }
        if alt != v && !out.contains(&alt) {
            out.push(alt);
        }
    }
    out
}

/// `t` with j read as `j_as`, x as `x_as`, c as ц and sc as щ; `None` when nothing changes.
fn slavic_reading(t: &str, j_as: &str, x_as: &str) -> Option<String> {
    if !t.bytes().any(|b| matches!(b, b'j' | b'x' | b'c')) {
        return None;
    }
    let chars: Vec<char> = t.chars().collect();
    let mut changed = false;
    let mut s = String::with_capacity(t.len() + 4);
    let mut skip = false;
    for (i, &c) in chars.iter().enumerate() {
        if skip {
            skip = false;
            continue;
        }
        let next = chars.get(i + 1).copied();
        match c {
            // GOST 7.79 B cz = ц.
            'c' if next == Some('z') => {
                s.push_str("ts");
                skip = true;
                changed = true;
            }
            'j' if i == 0 || chars[i - 1] != 'd' => {
                s.push_str(j_as);
                changed = true;
            }
            'x' => {
                s.push_str(x_as);
                changed |= x_as != "ks";
            }
            // sc before anything but h/k is щ in the Telegram and Italian-style spellings.
            'c' if i > 0 && chars[i - 1] == 's' && !matches!(next, Some('h' | 'k')) => {
                s.push_str("hch");
                changed = true;
            }
            'c' if !matches!(next, Some('h' | 'k')) && (i == 0 || chars[i - 1] != 't') => {
                s.push_str("ts");
                changed = true;
            }
            _ => s.push(c),
        }
    }
    changed.then_some(s)
}

fn is_vowel_byte(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// Keys of every romanisation of `token` and of the alternative Latin readings, without the
/// skeleton (at most `MAX_KEYS - 1`).
pub(crate) fn primary_keys(token: &str, hint: Option<Lang>) -> Vec<String> {
    let t = one_token(token);
    let script = if t.is_ascii() {
        Some(Script::Latin)
    } else {
        detect_script(&t)
    };
    primary_keys_normalized(&t, script, hint)
}

fn primary_keys_normalized(t: &str, script: Option<Script>, hint: Option<Lang>) -> Vec<String> {
    let forms = romanize_normalized(t.to_string(), script, hint);
    let mut out: Vec<String> = Vec::with_capacity(MAX_KEYS);
    for f in &forms {
        push_unique(&mut out, key(f), MAX_KEYS - 1);
    }
    if matches!(
        script,
        None | Some(Script::Latin | Script::Other | Script::Armenian)
    ) && let Some(f) = forms.first()
    {
        latin_alternatives(f, hint, &mut out);
    }
    // An initial ع or bare ا before a consonant (or before the long ī, ي) leaves the first
    // vowel unwritten, and it is as often i as a or u (ʿImād, ʿIzzat, ʿIṣām, ʿĪsā; Latin Emad,
    // Izzat, Essam, Eisa): the guesses read it a, and keys keep the first vowel's class (a o u
    // against e i), so a name outside the table also gets its first key with the front class.
    // (Within the table, its spellings give the vowel: اسماء is Asma and Esma, احمد Ahmad.)
    if script == Some(Script::Arabic) && out.len() < MAX_KEYS - 1 {
        let mut chars = t.chars();
        let first = chars.next();
        let second = chars.next().map(arabic::fold_letter);
        let folded: String = t.chars().map(arabic::fold_letter).collect();
        if matches!(first, Some('ع' | 'ا'))
            && second.is_some_and(|c| is_letter(c) && !matches!(c, 'ا' | 'و' | 'ى'))
            && crate::groups::arabic_forms(&folded).is_none()
            && let Some(front) = out
                .first()
                .and_then(|k| k.strip_prefix('a'))
                .map(|rest| format!("e{rest}"))
        {
            push_unique(&mut out, front, MAX_KEYS - 1);
        }
    }
    // A name of the Arabic table romanised letter by letter, with a short vowel guessed
    // between every two consonants, as rule-based transliteration (civil registries, the
    // machine-readable zone) writes it: منصور as Menesor, رحمة as Rehemet. The table gives
    // the usual spellings (Mansur, Mansour); the guess that unknown names get
    // (`arabic::Guess::Every`, vowels anonymous in the key, so e and a agree) is also a key
    // of known ones, after the table's, where the cap on keys drops it first.
    if script == Some(Script::Arabic) && out.len() < MAX_KEYS - 1 {
        let folded: String = t.chars().map(arabic::fold_letter).collect();
        if crate::groups::arabic_forms(&folded).is_some() {
            let lang = match hint {
                Some(l @ (Lang::Ar | Lang::Fa | Lang::Prs | Lang::Ps)) => l,
                _ => arabic_lang(t),
            };
            let chars: Vec<char> = t.chars().collect();
            let guess = key(&plain(&arabic::vocalised_guess_with(
                &chars,
                lang,
                arabic::Guess::Every,
            )));
            // Not where the guess is the key of another given name: محمود guessed
            // "mahamud" has the key of Muhammad (vowels anonymous), and Mahmud is not
            // Muhammad.
            let own: Vec<u32> = out
                .iter()
                .flat_map(|k| crate::groups::given_name_groups(k).iter().copied())
                .collect();
            let others = crate::groups::given_name_groups(&guess);
            if others.is_empty() || others.iter().any(|g| own.contains(g)) {
                push_unique(&mut out, guess, MAX_KEYS - 1);
            }
        }
    }
    // Armenian family names in Russian-language lists (Петросян, Акопян, Оганесян) take the
    // same Armenian keys as their Latin and Armenian-script spellings.
    if script == Some(Script::Cyrillic)
        && matches!(
            hint,
            None | Some(Lang::HyEastern | Lang::HyWestern | Lang::Ru)
        )
        && armenian_surname_cyrillic(t)
        && let Some(f) = forms.first()
    {
        let v = ascii_letters(f);
        armenian_surname_keys(&v, &mut out);
        // Russian writes Armenian հ as г or drops it (NAME-AM-2: Hovhannisyan → Оганесян,
        // Hamlet → Гамлет, Hrant → Грант), so г is also read as հ, which the neutral form
        // drops: Овганнисян meets Hovhannisyan, Гамбарян meets Hambaryan. Not for a short
        // result (Погосян would give "pasan"), which would meet unrelated names.
        if v.contains(&b'g') {
            let h: Vec<u8> = v
                .iter()
                .map(|&c| if c == b'g' { b'h' } else { c })
                .collect();
            let k = key_of_ascii(&armenian_neutral(&h));
            if k.len() >= 6 {
                push_unique(&mut out, k, MAX_KEYS - 1);
            }
        }
    }
    // Armenian given names in Russian-language lists (NAME-AM-2): Russian drops հ or writes
    // it г (Hovhannes = Ованнес = Оганес = Овганнес, Hrant = Рант = Грант), which the
    // Armenian-neutral form drops; a spelling whose neutral form, as written or with г read
    // as հ, is that of one of the table's Armenian given names takes that name's key.
    if script == Some(Script::Cyrillic)
        && matches!(
            hint,
            None | Some(Lang::HyEastern | Lang::HyWestern | Lang::Ru)
        )
        && !armenian_surname_cyrillic(t)
        && let Some(f) = forms.first()
    {
        let v = ascii_letters(f);
        let h: Vec<u8> = v
            .iter()
            .map(|&c| if c == b'g' { b'h' } else { c })
            .collect();
        for reading in [&v, &h] {
            let neutral = armenian_neutral(reading);
            if neutral.len() >= 4
                && let Some(label) = crate::groups::armenian_given_by_neutral(&neutral)
            {
                push_unique(&mut out, key(label), MAX_KEYS - 1);
                break;
            }
        }
    }
    out
}

/// Keys of a spelling listed in a name table: [`key`] of every [`romanize`] form, without the
/// alternative readings of ambiguous Latin letters that [`primary_keys`] adds. A record's
/// token is looked up with all its readings, so one side's alternatives suffice; indexing a
/// table spelling under its alternatives too joined different names: "Alex" read with x as
/// Cyrillic х gave the key of "Aleh" (Belarusian Oleh), which made Aleksandr and Oleg one
/// name (found on the synthetic 1M search: "Aleksandr / Oleg, equivalent forms of one name").
pub(crate) fn table_keys(token: &str) -> Vec<String> {
    let t = one_token(token);
    let script = if t.is_ascii() {
        Some(Script::Latin)
    } else {
        detect_script(&t)
    };
    let forms = romanize_normalized(t.clone(), script, None);
    let mut out: Vec<String> = Vec::with_capacity(MAX_KEYS);
    for f in &forms {
        push_unique(&mut out, key(f), MAX_KEYS - 1);
    }
    out
}

/// Keys of one token in any script: [`key`] of every [`romanize`] form, alternative readings
/// of ambiguous Latin letters (j as й, an attached Arabic article, the Western Armenian
/// consonant shift), and last the consonant [`skeleton`]; deduplicated, at most
/// [`MAX_KEYS`]. Two spellings of one name, in any scripts, share at least one key (the
/// skeleton at worst). The first key is the most specific.
#[must_use]
pub fn keys(token: &str, hint: Option<Lang>) -> Vec<String> {
    let t = one_token(token);
    let script = if t.is_ascii() {
        Some(Script::Latin)
    } else {
        detect_script(&t)
    };
    let mut out = primary_keys_normalized(&t, script, hint);
    let sk = if script == Some(Script::Arabic) {
        let lang = match hint {
            Some(l @ (Lang::Ar | Lang::Fa | Lang::Prs | Lang::Ps)) => l,
            _ => arabic_lang(&t),
        };
        let chars: Vec<char> = t.chars().collect();
        skeleton(&key(&arabic::vocalised_guess(&chars, lang)))
    } else {
        out.first().map(|k| skeleton(k)).unwrap_or_default()
    };
    push_unique(&mut out, sk, MAX_KEYS);
    out
}
