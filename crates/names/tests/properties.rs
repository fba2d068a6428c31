//! Properties on arbitrary Unicode, control characters and long strings: nothing panics,
//! normalize is idempotent, outputs stay bounded.

use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// The linguistic properties run on a fixed seed so that CI is reproducible; the never-panic
/// properties above keep a random seed to keep exploring.
fn linguistic(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(0x6e61_6d65),
        ..ProptestConfig::default()
    }
}
use whereabouts_names::{
    MAX_KEYS, MAX_ROMANIZATIONS, Scheme, detect_script, key, keys, normalize, parse_full_name,
    romanize, skeleton, surname_stem, tokens, transliterate,
};

/// Strings mixing the scripts this crate handles with controls, marks and punctuation.
fn name_like() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        any::<char>().prop_map(|c| c.to_string()),
        "[a-zA-Z' -]{1,8}",
        "[а-яА-ЯіїєґІЇЄҐёЁ'ʼ’-]{1,8}",
        "[\u{0621}-\u{064A}\u{064B}-\u{0652}\u{067E}\u{0686}\u{06A9}\u{06AF}\u{06CC}\u{067C}\u{0681}\u{0685}\u{0689}\u{0693}\u{0696}\u{069A}\u{06AB}\u{06BC}\u{06D0}]{1,8}",
        "[\u{0531}-\u{0556}\u{0561}-\u{0587}]{1,8}",
        "[\u{10D0}-\u{10F0}\u{1C90}-\u{1CBA}]{1,8}",
        "[\u{0000}-\u{001F}\u{007F}-\u{009F}\u{200B}-\u{200F}\u{0300}-\u{036F}\u{0640}]{1,4}",
        "[0-9,./]{1,4}",
    ];
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

const SCHEMES: [Scheme; 17] = [
    Scheme::UkNational2010,
    Scheme::RuIcao9303,
    Scheme::RuGost779B,
    Scheme::RuBgnPcgn,
    Scheme::BeNational2007,
    Scheme::BePassport,
    Scheme::AzCyrillicToLatin,
    Scheme::ArAlaLc,
    Scheme::ArDin31635,
    Scheme::ArCommon,
    Scheme::ArFrench,
    Scheme::HyEasternBgn,
    Scheme::HyWestern,
    Scheme::KaNational2002,
    Scheme::FaBgnPcgn,
    Scheme::PrsBgnPcgn,
    Scheme::PsBgnPcgn,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn normalize_is_idempotent_and_clean(s in name_like()) {
        let n = normalize(&s);
        prop_assert_eq!(normalize(&n), n.clone());
        prop_assert!(!n.chars().any(char::is_control));
        prop_assert!(!n.starts_with(' ') && !n.ends_with(' ') && !n.contains("  "));
    }

    #[test]
    fn tokens_are_normalised_words(s in name_like()) {
        for t in tokens(&s) {
            prop_assert!(!t.is_empty());
            prop_assert!(!t.contains(' '));
            prop_assert_eq!(normalize(&t), t.clone());
        }
    }

    #[test]
    fn romanize_and_keys_are_bounded(s in name_like()) {
        for t in tokens(&s).iter().chain(std::iter::once(&s)) {
            let r = romanize(t, None);
            prop_assert!(r.len() <= MAX_ROMANIZATIONS);
            let ks = keys(t, None);
            prop_assert!(ks.len() <= MAX_KEYS);
            let mut sorted = ks.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(sorted.len(), ks.len());
            for k in &ks {
                prop_assert!(k.bytes().all(|b| b.is_ascii_lowercase()), "{k:?}");
                prop_assert!(!k.is_empty());
                let _ = surname_stem(k);
            }
        }
    }

    #[test]
    fn key_is_ascii_and_stable(s in name_like()) {
        let k = key(&s);
        prop_assert!(k.bytes().all(|b| b.is_ascii_lowercase()));
        prop_assert!(k.len() <= 3 * s.len() + 3);
        // A key has no doubled letters, so keying it again changes nothing but vowel classes.
        prop_assert!(!k.as_bytes().windows(2).any(|w| w[0] == w[1]));
        let sk = skeleton(&k);
        prop_assert!(sk.len() <= k.len());
    }

    #[test]
    fn transliterate_never_panics(s in name_like()) {
        for scheme in SCHEMES {
            let _ = transliterate(&s, scheme);
        }
        let _ = detect_script(&s);
    }

    #[test]
    fn parse_keeps_every_token(s in name_like()) {
        let p = parse_full_name(&s);
        let n = p.given.len() + p.patronymic.len() + p.family.len() + p.other.len();
        prop_assert_eq!(n, tokens(&s).len());
        prop_assert!(matches!(p.sex_hint, None | Some('M' | 'F')));
    }
}

#[test]
fn ten_kilobyte_names_are_fine() {
    let long: String = "Олександр Mohammed محمد Պետրոսյան გიორგი \u{0000}\u{202E} ".repeat(200);
    assert!(long.len() > 10_000);
    let n = normalize(&long);
    assert_eq!(normalize(&n), n);
    let t = tokens(&long);
    assert_eq!(t.len(), 1000);
    assert!(keys(&long, None).len() <= MAX_KEYS);
    assert!(romanize(&long, None).len() <= MAX_ROMANIZATIONS);
    let p = parse_full_name(&long);
    assert_eq!(
        p.given.len() + p.patronymic.len() + p.family.len() + p.other.len(),
        1000
    );
    let one_word = "а".repeat(10_000);
    assert!(!key(&romanize(&one_word, None)[0]).is_empty());
}

#[test]
fn empty_and_letterless_input() {
    for s in ["", " ", "\u{0000}\u{0007}", "1234", "--", "'''", "\u{200B}"] {
        assert!(tokens(s).iter().all(|t| !t.is_empty()));
        assert_eq!(detect_script(s), None);
        assert!(keys(s, None).iter().all(|k| !k.is_empty()));
        assert_eq!(parse_full_name(s).given.len(), 0);
    }
}

fn share(a: &[String], b: &[String]) -> bool {
    a.iter().any(|k| b.contains(k))
}

proptest! {
    #![proptest_config(linguistic(2000))]

    /// Any Russian or Ukrainian word and its romanisation by any of the standards share a key:
    /// the contract of `keys` across scripts.
    #[test]
    fn cyrillic_and_its_romanisations_share_a_key(
        w in "([бвгджзйклмнпрстфхцчшщ]?[аеёиоуыэюя]){1,5}[бвгдзйклмнпрстфхцчшщь]?",
        u in "([бвгґджзйклмнпрстфхцчшщ]?'?[аеєиіїоуюя]){1,5}[бвгдзйклмнпрстфхцчшщь]?",
    ) {
        // Name-like strings: syllables of consonant + vowel. Across a boundary of two
        // consonants every Latin spelling is ambiguous (т+ц written tcz, к+г written kh).
        let kw = keys(&w, None);
        for scheme in [Scheme::RuIcao9303, Scheme::RuBgnPcgn, Scheme::RuGost779B] {
            let latin = transliterate(&w, scheme);
            prop_assert!(share(&kw, &keys(&latin, None)), "{w} / {latin} ({scheme:?}): {kw:?} {:?}", keys(&latin, None));
        }
        let ku = keys(&u, None);
        for scheme in [Scheme::UkNational2010, Scheme::RuIcao9303] {
            let latin = transliterate(&u, scheme);
            prop_assert!(share(&ku, &keys(&latin, None)), "{u} / {latin} ({scheme:?}): {ku:?} {:?}", keys(&latin, None));
        }
    }

    #[test]
    fn armenian_and_georgian_share_a_key_with_their_romanisations(
        a in "([բգդզթժլխծկհձղճմյնշչպջռսվտրցփքֆ]?[աեէըիոօ]){1,4}[բգդզթժլխծկհձղճմյնշչպջռսվտրցփքֆ]?",
        g in "([ბგდვზთკლმნპჟრსტფქღყშჩცძწჭხჯჰ]?[აეიოუ]){1,4}[ბგდვზთკლმნპჟრსტფქღყშჩცძწჭხჯჰ]?",
    ) {
        let ka = keys(&a, None);
        for scheme in [Scheme::HyEasternBgn, Scheme::HyWestern] {
            let latin = transliterate(&a, scheme);
            prop_assert!(share(&ka, &keys(&latin, None)), "{a} / {latin}: {ka:?} {:?}", keys(&latin, None));
        }
        let kg = keys(&g, None);
        let latin = transliterate(&g, Scheme::KaNational2002);
        prop_assert!(share(&kg, &keys(&latin, None)), "{g} / {latin}: {kg:?} {:?}", keys(&latin, None));
    }
}

proptest! {
    #![proptest_config(linguistic(3000))]

    /// Two romanisations of one Cyrillic name by different standards share a key with each
    /// other, without the Cyrillic original (the research note's main failure of peers).
    /// A final г is left out: Ukrainian writes it h, and a final -ah/-eh is dropped by `key`
    /// because Arabic and Persian ta marbuta (Fatimah, Fatemeh) are far more frequent than
    /// Ukrainian names in -аг/-ег of six letters or more (docs/names.md, known limits).
    #[test]
    fn romanisations_of_one_name_share_a_key(
        w in "[аеиоуэюя]?([бвгджзйклмнпрстфхцчшщ][аеёиоуыэюя]){1,4}[бвдзйклмнпрстфхцчшщь]?",
        ending in prop::sample::select(vec!["", "ий", "ия", "ей", "ая", "ьев", "ьевич", "иевна", "ович", "ёв", "ьян", "ьи", "ьё"]),
    ) {
        let schemes = [Scheme::RuIcao9303, Scheme::RuBgnPcgn, Scheme::RuGost779B, Scheme::UkNational2010];
        let mut latin: Vec<String> = schemes.iter().map(|&s| transliterate(&w, s)).collect();
        let w2 = format!("{w}{ending}");
        latin.extend(schemes[..3].iter().map(|&s| transliterate(&w2, s)));
        let n = latin.len();
        for (i, a) in latin.iter().enumerate() {
            for (j, b) in latin.iter().enumerate() {
                // Compare the plain word with the plain word, the ending form with its own kind.
                if (i < 4) != (j < 4) || i >= n || j >= n {
                    continue;
                }
                let (ka, kb) = (keys(a, None), keys(b, None));
                prop_assert!(share(&ka, &kb), "{w}: {a} / {b}: {ka:?} {kb:?}");
            }
        }
    }
}

/// Other Russian romanisations met in documents, written here from their published tables
/// (Interior Ministry order 310 of 1997, English and French variants; the Telegram
/// transliteration; the Wikipedia house style), to check that `keys` joins them with ICAO.
fn other_scheme(w: &str, scheme: &str) -> String {
    let chars: Vec<char> = w.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let start = i == 0;
        let after_vowel = i > 0 && "аеёиоуыэюяьъ".contains(chars[i - 1]);
        let s: &str = match (scheme, c) {
            (_, 'а') => "a",
            (_, 'б') => "b",
            (_, 'в') => "v",
            (_, 'г') => "g",
            (_, 'д') => "d",
            (_, 'з') => "z",
            (_, 'и') => "i",
            (_, 'к') => "k",
            (_, 'л') => "l",
            (_, 'м') => "m",
            (_, 'н') => "n",
            (_, 'о') => "o",
            (_, 'п') => "p",
            (_, 'р') => "r",
            (_, 'с') => "s",
            (_, 'т') => "t",
            (_, 'ф') => "f",
            (_, 'ы') => "y",
            (_, 'э') => "e",
            ("mvd310fr", 'е') if i > 0 && chars[i - 1] == 'ь' => "ie",
            ("wikipedia", 'е') if start || after_vowel => "ye",
            (_, 'е') => "e",
            ("wikipedia", 'ё') => {
                if start || after_vowel {
                    "yo"
                } else {
                    "io"
                }
            }
            (_, 'ё') => "e",
            ("mvd310fr" | "telegram", 'ж') => "j",
            (_, 'ж') => "zh",
            ("mvd310fr" | "telegram", 'й') => "i",
            (_, 'й') => "y",
            ("mvd310fr", 'у') => "ou",
            (_, 'у') => "u",
            ("telegram", 'х') => "h",
            (_, 'х') => "kh",
            ("telegram", 'ц') => "c",
            (_, 'ц') => "ts",
            ("mvd310fr", 'ч') => "tch",
            (_, 'ч') => "ch",
            ("mvd310fr", 'ш') => "ch",
            (_, 'ш') => "sh",
            ("mvd310fr", 'щ') => "chtch",
            ("telegram", 'щ') => "sc",
            (_, 'щ') => "shch",
            ("mvd310en", 'ъ') => "\"",
            ("mvd310en", 'ь') => "'",
            (_, 'ъ' | 'ь') => "",
            ("mvd310fr", 'ю') => "iou",
            ("telegram", 'ю') => "iu",
            (_, 'ю') => "yu",
            ("mvd310fr" | "telegram", 'я') => "ia",
            (_, 'я') => "ya",
            _ => "",
        };
        out.push_str(s);
    }
    out
}

proptest! {
    #![proptest_config(linguistic(2000))]

    /// No й before a vowel (rare in names, and French `ie` + `j` readings then exceed the key
    /// cap). No final х: Telegram writes it h, and a final -ah/-eh is taken for Arabic and Persian ta
    /// marbuta (see `romanisations_of_one_name_share_a_key`).
    #[test]
    fn document_practice_spellings_share_a_key_with_icao(
        w in "[аеиоуэюя]?([бвгджзклмнпрстфхцчшщ][аеёиоуыэюя]){1,4}[бвдзйклмнпрстфцчшщь]?",
    ) {
        let icao = keys(&transliterate(&w, Scheme::RuIcao9303), None);
        for scheme in ["mvd310en", "mvd310fr", "telegram", "wikipedia"] {
            // A word in -ян with ж: its Latin -ian spends the alternative keys on the Armenian
            // readings, and the French j = ж reading falls under the cap (docs/names.md).
            if matches!(scheme, "mvd310fr" | "telegram") && w.contains('ж') && w.ends_with("ян") {
                continue;
            }
            let other = other_scheme(&w, scheme);
            let ko = keys(&other, None);
            prop_assert!(share(&icao, &ko), "{w}: {scheme} {other}: {icao:?} {ko:?}");
        }
    }
}
