//! Spellings of one name in different scripts and standards share a key; different names do
//! not (issue 3 examples, NAME-UA-3, NAME-AR-3, NAME-AM-2, NAME-AZ-2).

use whereabouts_names::{
    given_name_group, given_name_group_of, given_name_groups, key, keys, parse_full_name,
    surname_stem, tokens,
};

fn share_key(a: &str, b: &str) -> bool {
    let ka = keys(a, None);
    let kb = keys(b, None);
    ka.iter().any(|k| kb.contains(k))
}

/// Keys without the coarse skeleton (the last key): "the same spelling family".
fn share_fine_key(a: &str, b: &str) -> bool {
    let ka = keys(a, None);
    let kb = keys(b, None);
    ka[..ka.len() - 1]
        .iter()
        .any(|k| kb[..kb.len() - 1].contains(k))
}

fn same_given(a: &str, b: &str) -> bool {
    let ga: Vec<u32> = keys(a, None)
        .iter()
        .flat_map(|k| given_name_groups(k).iter().copied())
        .collect();
    let gb: Vec<u32> = keys(b, None)
        .iter()
        .flat_map(|k| given_name_groups(k).iter().copied())
        .collect();
    ga.iter().any(|g| gb.contains(g))
}

fn same_family(a: &str, b: &str) -> bool {
    let (ka, kb) = (keys(a, None), keys(b, None));
    let sa: Vec<String> = ka[..ka.len() - 1].iter().map(|k| surname_stem(k)).collect();
    let sb: Vec<String> = kb[..kb.len() - 1].iter().map(|k| surname_stem(k)).collect();
    sa.iter().any(|s| sb.contains(s))
}

#[test]
fn issue_3_kovalenko() {
    // Олександр Петрович Коваленко / КОВАЛЕНКО Александр Петрович / Oleksandr Kovalenko /
    // Alexander Kovalenko, 34.
    let a = parse_full_name("Олександр Петрович Коваленко");
    let b = parse_full_name("КОВАЛЕНКО Александр Петрович");
    let c = parse_full_name("Oleksandr Kovalenko");
    let d = parse_full_name("Alexander Kovalenko, 34");
    for p in [&a, &b, &c, &d] {
        assert_eq!(p.family.len(), 1, "{p:?}");
        assert_eq!(p.given.len(), 1, "{p:?}");
    }
    assert_eq!(a.patronymic, ["петрович"]);
    assert_eq!(b.patronymic, ["петрович"]);
    for p in [&b, &c, &d] {
        assert!(share_fine_key(&a.family[0], &p.family[0]), "{p:?}");
        assert!(same_given(&a.given[0], &p.given[0]), "{p:?}");
    }
    // The Cyrillic and Latin spellings of the Ukrainian form share the fine key directly.
    assert!(share_fine_key("Олександр", "Oleksandr"));
    assert!(share_fine_key("Александр", "Aleksandr"));
}

#[test]
fn issue_3_muhammad_abd_al_rahman() {
    // محمد عبد الرحمن / Mohammed Abdulrahman / Muhamad Abd al-Rahman
    let a = tokens("محمد عبد الرحمن");
    let b = tokens("Mohammed Abdulrahman");
    let c = tokens("Muhamad Abd al-Rahman");
    assert_eq!(a.len(), 2);
    assert_eq!(b.len(), 2);
    assert_eq!(c, ["muhamad", "abdalrahman"]);
    for (x, y) in [(&a, &b), (&a, &c), (&b, &c)] {
        assert!(share_fine_key(&x[0], &y[0]), "{x:?} {y:?}");
        assert!(share_fine_key(&x[1], &y[1]), "{x:?} {y:?}");
    }
    for s in [
        "Abdel Rahman",
        "Abdul Rahman",
        "Abdurrahman",
        "Abd ar-Rahman",
        "abd al rahman",
    ] {
        let t = tokens(s);
        assert_eq!(t.len(), 1, "{s}: {t:?}");
        assert_eq!(key(&t[0]), key("Abdulrahman"), "{s}");
    }
}

#[test]
fn issue_3_petrosyan_bedrosian() {
    assert!(share_fine_key("Petrosyan", "Bedrosian"));
    assert!(share_fine_key("Պետրոսյան", "Petrosyan"));
    assert!(share_fine_key("Պետրոսյան", "Bedrosian"));
    assert!(share_fine_key("Grigoryan", "Krikorian"));
    assert!(share_fine_key("Hakobyan", "Hagopian"));
}

#[test]
fn romanisation_variants_share_the_primary_key() {
    let families: &[&[&str]] = &[
        &[
            "Сергій",
            "Serhii",
            "Serhiy",
            "Sergiy",
            "Sergei",
            "Sergey",
            "Sergej",
            "Сергей",
        ],
        &["Юрий", "Yuri", "Yuriy", "Iurii", "Jurij", "Yurii", "Юрій"],
        &[
            "Щербаков",
            "Shcherbakov",
            "Scherbakov",
            "Ščerbakov",
            "Shherbakov",
        ],
        &["Цветков", "Tsvetkov", "Tcvetkov", "Cvetkov", "Czvetkov"],
        &["Ковалёв", "Kovalev", "Kovalyov", "Kovalov", "Ковальов"],
        &["Хрущёв", "Khrushchev", "Khrushchyov", "Xrushhyov"],
        &[
            "Шевченко",
            "Shevchenko",
            "Chevtchenko",
            "Schewtschenko",
            "Ševčenko",
        ],
        &["Гусейнов", "Huseynov", "Guseinov", "Hüseynov", "Husseinov"],
        &["Мамедов", "Mammadov", "Məmmədov", "Mamedov"],
        &["Гасанов", "Hasanov", "Həsənov", "Gasanov", "Hassanov"],
        &[
            "Muhammad",
            "Mohammed",
            "Mohamed",
            "Mohammad",
            "Muhamad",
            "Магомед",
            "Мухаммед",
            "محمد",
        ],
        &["Hussein", "Husayn", "Hossein", "Huseyn", "Гусейн", "حسين"],
        &["Fatima", "Fatimah", "Fatemeh", "فاطمة"],
        &["Abdullah", "Abdallah", "Abdulla", "Абдулла", "عبدالله"],
        &["Євген", "Yevhen", "Ievhen"],
        &["Евгений", "Evgenii", "Yevgeniy", "Evgeny"],
        &["Евгений", "Yevgeniy", "Jevgenij"],
        &["Ермаков", "Ermakov", "Yermakov"],
        &["Ермаков", "Yermakov", "Jermakov"],
        &["Жуков", "Zhukov", "Joukov", "Jukov"],
        &["Грузинська", "Hruzynska"],
        &["Hovhannisyan", "Hovannisyan", "Ованнисян", "Հովհաննիսյան"],
        &["Шота", "Shota", "შოთა"],
        &["Zghurskyi", "Згурський"],
        &["Yusuf", "Yousef", "Youssef", "Jusuf", "يوسف"],
        &["Олійник", "Oliinyk", "Oleinik", "Oleynik", "Олейник"],
        &["Cəfərov", "Джафаров", "Jafarov", "Dzhafarov"],
        &["Quliyev", "Guliyev", "Гулиев"],
        &["Quliyev", "Кулиев", "Kuliev"],
        &["Соловьёв", "Solovyov", "Soloviev", "Solovev", "Solov'ev"],
        &["Поліщук", "Polishchuk", "Polishuk", "Polischuk"],
        &["Kevorkian", "Gevorgyan", "Գևորգյան"],
        &["Шеварднадзе", "Shevardnadze", "შევარდნაძე"],
        &["Гелашвили", "Gelashvili", "გელაშვილი"],
        &[
            "Лукашэнка",
            "Lukashenka",
            "Lukašenka",
            "Лукашенко",
            "Lukashenko",
        ],
        &["Ціханоўская", "Tsikhanouskaya"],
        &["Ціханоўская", "Cichanoŭskaja"],
        &["Ціханоўская", "Тихановская", "Tikhanovskaya"],
        &["Әлијев", "Əliyev", "Aliyev", "Алиев", "Aliev"],
        &["Garabedian", "Karapetyan", "Կարապետյան"],
    ];
    for fam in families {
        for a in fam.iter() {
            for b in fam.iter() {
                assert!(
                    share_fine_key(a, b),
                    "{a} / {b}: {:?} {:?}",
                    keys(a, None),
                    keys(b, None)
                );
            }
        }
    }
}

#[test]
fn cognates_and_diminutives_share_a_given_name_group() {
    let groups: &[&[&str]] = &[
        &[
            "Олександр",
            "Александр",
            "Аляксандр",
            "Oleksandr",
            "Alexander",
            "Сашко",
            "Sasha",
            "Шура",
        ],
        &["Микола", "Николай", "Mykola", "Nikolai", "Коля", "Kolya"],
        &["Андрій", "Андрей", "Andrii", "Andrey", "Андрюша"],
        &["Григорій", "Григорий", "Hryhorii", "Grigoriy", "Гриша"],
        &["Іван", "Иван", "Ivan", "Ваня"],
        &["Дмитро", "Дмитрий", "Dmytro", "Dmitry", "Дима"],
        &["Михайло", "Михаил", "Mykhailo", "Mikhail", "Миша"],
        &[
            "Володимир",
            "Владимир",
            "Volodymyr",
            "Vladimir",
            "Вова",
            "Володя",
        ],
        &["Олена", "Елена", "Olena", "Yelena", "Лена"],
        &["Ганна", "Анна", "Hanna", "Anna", "Аня"],
        &["Mohammed", "Muhammad", "Magomed", "Mhd", "Məhəmməd"],
        // The Levantine and Egyptian pet form of Muhammad (Hamoudeh, Hammouda, Hamoudi).
        &[
            "Muhammad",
            "Hamoudeh",
            "Hammouda",
            "Hamoudi",
            "حمودة",
            "حمودي",
        ],
        &["Fatima", "Fatma", "Фатима", "Fatemeh"],
        &["Hovhannes", "Ованес", "Оганес", "Ohannes"],
        &["Gevorg", "Kevork", "Геворг", "Գևորգ"],
    ];
    for g in groups {
        for a in g.iter() {
            assert!(same_given(g[0], a), "{} / {a}: {:?}", g[0], keys(a, None));
        }
    }
}

#[test]
fn gender_forms_share_a_family_stem() {
    for (m, f) in [
        ("Ivanov", "Ivanova"),
        ("Иванов", "Иванова"),
        ("Pushkin", "Pushkina"),
        ("Kovalskyi", "Kovalska"),
        ("Ковальський", "Ковальська"),
        ("Kovalsky", "Kovalskaya"),
        ("Məmmədov", "Məmmədova"),
        ("Aliyev", "Aliyeva"),
        ("Tolstoy", "Tolstaya"),
        ("Petrosyan", "Petrosyants"),
        ("Donskoi", "Donskaya"),
        ("Zghurskyi", "Згурська"),
        ("Ковальський", "Kovalskaya"),
    ] {
        assert!(same_family(m, f), "{m} / {f}");
    }
}

#[test]
fn different_names_do_not_share_fine_keys() {
    // Different surnames built on one root stay apart.
    for (a, b) in [
        ("Ivanov", "Ivanenko"),
        ("Petrov", "Petrenko"),
        ("Kovalenko", "Kovalchuk"),
        ("Shevchenko", "Savchenko"),
        ("Melnyk", "Melnikov"),
        ("Tkachenko", "Tkachuk"),
        ("Bondarenko", "Bondar"),
        // Male and female given names.
        ("Alexander", "Alexandra"),
        ("Oleksandr", "Oleksandra"),
        ("Ivan", "Ivana"),
        ("Oleg", "Olga"),
        ("Evgenii", "Evgeniia"),
        ("Valerii", "Valeriia"),
        // Different Arabic names.
        ("Hasan", "Husayn"),
        ("Muhammad", "Mahmud"),
        ("Ahmad", "Hamid"),
        ("Ali", "Ilya"),
        ("Khalid", "Khalil"),
        ("Petrosyan", "Poghosyan"),
    ] {
        assert!(
            !share_fine_key(a, b),
            "{a} / {b}: {:?} {:?}",
            keys(a, None),
            keys(b, None)
        );
    }
}

#[test]
fn different_given_names_are_not_grouped() {
    for (a, b) in [
        ("Ivan", "Ivanna"),
        ("Olena", "Oleksandra"),
        ("Mykola", "Mykhailo"),
        ("Muhammad", "Ahmad"),
        ("Hasan", "Husayn"),
        ("Yurii", "Iryna"),
    ] {
        assert!(!same_given(a, b), "{a} / {b}");
    }
}

#[test]
fn every_pair_shares_at_least_the_skeleton() {
    // Unknown Arabic-script names meet their Latin spellings through the skeleton.
    for (a, b) in [
        ("خليل", "Khalil"),
        ("نجيب", "Najib"),
        ("جعفر", "Jafar"),
        ("كمال", "Kamal"),
        ("عمران", "Imran"),
    ] {
        assert!(
            share_key(a, b),
            "{a} / {b}: {:?} {:?}",
            keys(a, None),
            keys(b, None)
        );
    }
}

#[test]
fn given_name_group_returns_the_first_listed_class() {
    let k = key("Oleksandr");
    assert_eq!(given_name_group(&k), given_name_groups(&k).first().copied());
    assert!(given_name_group("zzqx").is_none());
}

#[test]
fn patronymics_point_to_the_fathers_given_name() {
    use whereabouts_names::patronymic_group;
    let oleksandr = patronymic_group("Oleksandr");
    assert!(oleksandr.is_some());
    for p in [
        "Олександрович",
        "Александрович",
        "Aleksandrovich",
        "Oleksandrovych",
        "Олександрівна",
        "Александровна",
    ] {
        assert_eq!(patronymic_group(p), oleksandr, "{p}");
    }
    let mykola = patronymic_group("Mykola");
    for p in [
        "Миколайович",
        "Николаевич",
        "Nikolayevich",
        "Mykolaivna",
        "Николаевна",
    ] {
        assert_eq!(patronymic_group(p), mykola, "{p}");
    }
    let serhii = patronymic_group("Serhii");
    for p in ["Сергійович", "Сергеевич", "Sergeevna", "Serhiivna"] {
        assert_eq!(patronymic_group(p), serhii, "{p}");
    }
    assert_eq!(patronymic_group("Heydar"), patronymic_group("Гейдар"));
    assert_eq!(patronymic_group("Kovalenko"), None);
}

#[test]
fn unvocalised_arabic_guesses_meet_common_spellings() {
    // Names outside the table, met by a vowel guess rather than only by the skeleton.
    for (a, b) in [
        ("مصري", "Masri"),
        ("حمصي", "Homsi"),
        ("شبنم", "Shabnam"),
        ("حیدری", "Haidari"),
        ("اکمل", "Akmal"),
        ("حضرت", "Hazrat"),
        ("عبد الله", "Abdullah"),
        ("جمال", "Gamal"),
        ("نجار", "Najjar"),
    ] {
        assert!(
            share_fine_key(a, b),
            "{a} / {b}: {:?} {:?}",
            keys(a, None),
            keys(b, None)
        );
    }
}

#[test]
fn egyptian_g_only_for_arabic_names() {
    assert!(share_fine_key("Gamal", "Jamal"));
    assert!(!keys("Sergei", None).contains(&key("Serjei")));
    assert!(!keys("Georgiy", None).contains(&key("Jeorjiy")));
}

#[test]
fn theophoric_compounds_share_a_key_across_scripts() {
    // NAME-AF-2: one token on each side, in any spelling, shares a key.
    let forms = ["حبیب الله", "Habibullah", "Habib Ullah", "Хабибулла"];
    let all: Vec<Vec<String>> = forms
        .iter()
        .map(|f| {
            let t = tokens(f);
            assert_eq!(t.len(), 1, "{f}: {t:?}");
            keys(&t[0], None)
        })
        .collect();
    for (i, a) in all.iter().enumerate() {
        for (j, b) in all.iter().enumerate().skip(i + 1) {
            assert!(
                a.iter().any(|k| b.contains(k)),
                "{} / {}: {a:?} {b:?}",
                forms[i],
                forms[j]
            );
        }
    }
}

// Persian and Dari write David's name with two waws (داوود), Arabic with one (داود); Afghan
// lists romanise it Daood, Dawood or Daud. Found on the synthetic 1M search, where a father's
// name داوود / Daood was taken for a conflict (MATCH-6) and capped the person's probability.
#[test]
fn dawud_in_persian_spelling_meets_its_latin_forms() {
    for latin in ["Daood", "Dawood", "Daud", "Dawud"] {
        assert!(
            share_key("داوود", latin) || same_given("داوود", latin),
            "داوود / {latin}"
        );
    }
    assert!(same_given("داوود", "داود"));
}

// Aleksandr and Oleg are different names. "Alex" (a listed form of Oleksandr) read with x as
// Cyrillic х has the key of Aleh (Belarusian Oleh); the name table indexed its spellings under
// such alternative readings too and so made the two one name.
#[test]
fn aleksandr_and_oleg_are_different_names() {
    assert!(!same_given("Aleksandr", "Oleg"));
    assert!(!same_given("Александр", "Олег"));
    assert!(same_given("Alex", "Oleksandr"));
    assert!(same_given("Aleh", "Олег"));
}

/// NAME-AM-2: Western (diaspora) spelling voices what Eastern spelling writes voiceless and
/// the reverse (բ պ, գ կ, դ տ, ձ ծ, ջ ճ), and Russian-mediated forms drop or change հ and ղ.
/// Real family names as spelled in Armenia, in Russian-language documents and in the
/// diaspora (Lebanon, Syria, the United States).
#[test]
fn armenian_family_names_across_dialects_and_russian() {
    for group in [
        &["Hakobyan", "Hagopian", "Акопян", "Հակոբյան"][..],
        &["Gasparyan", "Kasbarian", "Гаспарян"],
        &["Karapetyan", "Garabedian", "Карапетян"],
        &["Gevorgyan", "Kevorkian", "Геворгян"],
        &["Harutyunyan", "Haroutiounian", "Арутюнян"],
        &["Ghazaryan", "Kazarian", "Казарян"],
        &["Davtyan", "Tavtian", "Давтян"],
        &["Poghosyan", "Boghossian", "Погосян"],
        &["Martirosyan", "Mardirossian", "Мартиросян"],
        &["Hovsepyan", "Ovsepian", "Овсепян"],
        &["Yeghiazaryan", "Egiazaryan", "Егиазарян"],
    ] {
        for a in group {
            for b in group {
                assert!(
                    share_fine_key(a, b),
                    "{a} / {b}: {:?} {:?}",
                    keys(a, None),
                    keys(b, None)
                );
            }
        }
    }
}

/// NAME-AM-1/AM-2: most Armenian family names are a given name plus -yan; the Russian form of
/// the given name (Оганес for Hovhannes, with г for հ) carries over to the family name.
#[test]
fn armenian_patronymic_family_names_follow_the_given_name() {
    for a in [
        "Hovhannisyan",
        "Hovannisian",
        "Оганесян",
        "Ованесян",
        "Оганисян",
    ] {
        for b in ["Hovhannisyan", "Оганесян", "Ованесян"] {
            assert!(
                share_fine_key(a, b),
                "{a} / {b}: {:?} {:?}",
                keys(a, None),
                keys(b, None)
            );
        }
    }
    // Different given names give different family names.
    assert!(!share_fine_key("Hakobyan", "Harutyunyan"));
    assert!(!share_fine_key("Petrosyan", "Poghosyan"));
    assert!(!share_fine_key("Grigoryan", "Kirakosyan"));
}

/// NAME-AM-2: Russian writes Armenian հ as г (Hovhannisyan → Овганнисян beside Оганесян), and
/// the Armenian-neutral key drops հ, so г read as հ meets the Latin spelling. Not where the
/// result is too short to tell names apart (Погосян and Pasyan).
#[test]
fn armenian_h_written_g_in_russian() {
    for (a, b) in [
        ("Овганнисян", "Hovhannisyan"),
        ("Овганнисян", "Հովհաննիսյան"),
        ("Гамлетян", "Amletyan"),
    ] {
        assert!(
            share_fine_key(a, b),
            "{a} / {b}: {:?} {:?}",
            keys(a, None),
            keys(b, None)
        );
    }
    assert!(!share_fine_key("Погосян", "Pasyan"));
}

/// NAME-AM-2: Hayk and Gagik are two Armenian names. The Ukrainian reading of Гагик
/// ("Hahyk", г = h) has Hayk's Armenian-neutral form (h dropped); it must not make Hayk a
/// spelling of Gagik, while the Western and Russian forms of each still meet.
#[test]
fn hayk_and_gagik_are_different_names() {
    assert!(!share_fine_key("Hayk", "Gagik"), "{:?}", keys("Hayk", None));
    assert!(!share_fine_key("Haik", "Гагик"));
    assert!(!same_given("Hayk", "Gagik"));
    assert!(share_fine_key("Gagik", "Kakig") || same_given("Gagik", "Kakig"));
    assert!(share_fine_key("Гагик", "Gagik"));
    assert!(same_given("Hayk", "Айк"));
    assert!(same_given("Hayk", "Haig"));
}

/// NAME-RU-2 (ad hoc French and German forms): Cyrillic сч, which Russian and Ukrainian say
/// as щ, is stch in French and stsch in German spelling; all meet the ICAO form.
#[test]
fn cyrillic_sch_in_french_and_german_spelling() {
    for b in ["Vlastchouk", "Wlastschuk", "Vlaschuk", "Vlashchuk"] {
        assert!(
            share_fine_key("Власчук", b),
            "{b}: {:?} {:?}",
            keys("Власчук", None),
            keys(b, None)
        );
    }
    assert!(share_fine_key("Счастный", "Stchastny"));
}

/// NAME-RU-2 (ad hoc forms): the German (Duden) transcription of Russian and Ukrainian names
/// reads ch as х, tsch as ч, schtsch as щ and s before a vowel as з or с.
#[test]
fn german_transcription_meets_cyrillic() {
    for (a, b) in [
        ("Sachartschenko", "Захарченко"),
        ("Sachartschenko", "Zakhartchenko"),
        ("Chruschtschow", "Хрущёв"),
        ("Chruschtschow", "Khrushchev"),
        ("Sacharow", "Сахаров"),
        ("Schewtschenko", "Шевченко"),
    ] {
        assert!(
            share_fine_key(a, b),
            "{a} / {b}: {:?} {:?}",
            keys(a, None),
            keys(b, None)
        );
    }
    // No German mark, no German reading: English ch is ч.
    assert!(!share_fine_key("Chernov", "Хернов"));
}

/// NAME-RU-1: keys leave vowels anonymous, so the diminutives Маша (Мария) and Миша (Михаил)
/// share one; the spelling listed in the table decides the class of a written diminutive.
#[test]
fn a_listed_spelling_decides_its_given_name_class() {
    let group = |t: &str| given_name_group_of(t, &keys(t, None));
    assert!(group("маша").is_some());
    assert_eq!(group("маша"), group("мария"));
    assert_eq!(group("masha"), group("мария"));
    assert_eq!(group("миша"), group("михаил"));
    assert_ne!(group("маша"), group("миша"));
    // A spelling not in the table falls back to its keys.
    assert_eq!(group("mariya"), group("мария"));
}

/// NAME-AM-2 for given names: a Western or Russian-mediated spelling of a name of the table's
/// Armenian rows is that name; other cultures' short names are not drawn in.
#[test]
fn armenian_given_names_in_western_spelling() {
    for (western, eastern) in [
        ("Avedik", "Avetik"),
        ("Antranig", "Андраник"),
        ("Boghos", "Погос"),
        ("Mardiros", "Martiros"),
        ("Sdepan", "Степан"),
        ("Dikran", "Tigran"),
        ("Kevork", "Геворг"),
    ] {
        assert!(
            share_fine_key(western, eastern) || same_given(western, eastern),
            "{western} / {eastern}"
        );
    }
    assert!(!same_given("Mir", "Mher"));
    assert!(!share_fine_key("Mir", "Mher"));
}

/// NAME-AR-1/AR-3: Levantine spelling writes ʿAbd as "Abed" before the article; "Abed" alone
/// is the name ʿĀbid and stays a token of its own.
#[test]
fn levantine_abed_compounds() {
    for s in ["Abed al-Karim", "Abed Al Karim", "Abed El-Karim"] {
        let t = tokens(s);
        assert_eq!(t.len(), 1, "{s}: {t:?}");
        assert_eq!(key(&t[0]), key("Abdulkarim"), "{s}");
    }
    assert_eq!(key(&tokens("Abed ar-Rahman")[0]), key("Abdurrahman"));
    assert_eq!(tokens("Abed Hassan"), ["abed", "hassan"]);
}

/// Keys fold ч, ш and щ (Latin ch is ч in English and ICAO 9303 but ш in French spelling);
/// `sibilants_conflict` tells names apart where both spellings are unambiguous (Azerbaijani
/// ç and ş, Cyrillic ч and ш), and never separates spellings of one name.
#[test]
fn hushing_consonants_tell_names_apart_only_where_unambiguous() {
    use whereabouts_names::{sibilants, sibilants_conflict};
    let differ = |a: &str, b: &str| sibilants_conflict(sibilants(a), sibilants(b));
    // Different names that share a key.
    assert!(differ("Elçin", "Elşən"));
    assert!(differ("Эльчин", "Эльшан"));
    assert!(differ("Elçin", "Elshan"));
    assert!(differ("Эльчин", "Elşən"));
    // Spellings of one name.
    for (a, b) in [
        ("Elçin", "Elchin"),
        ("Elçin", "Эльчин"),
        ("Шевченко", "Shevchenko"),
        ("Шевченко", "Chevtchenko"),
        ("Шевченко", "Schewtschenko"),
        ("Шевченко", "Szewczenko"),
        ("Щербаков", "Shcherbakov"),
        ("Щербаков", "Shherbakov"),
        ("Щербаков", "Scherbakov"),
        ("Щербаков", "Ščerbakov"),
        ("شعبان", "Chaaban"),
        ("شعبان", "Shaaban"),
        ("Aïcha", "Aisha"),
        ("Çingiz", "Chingiz"),
        ("Чингиз", "Çingiz"),
    ] {
        assert!(!differ(a, b), "{a} / {b}");
    }
}

/// Names of the tables are not re-read: Elchin is not al- + Chin, Oleg is not Egyptian "Olej"
/// (which had given Oleg the key of Ali).
#[test]
fn table_names_are_not_read_as_article_or_egyptian_g() {
    assert!(!share_fine_key("Oleg", "Ali"));
    assert!(!same_given("Oleg", "Ali"));
    assert!(!share_fine_key("Elchin", "Chin"));
    assert!(share_fine_key("Elhassan", "Hassan"));
    // NAME-AR-3: an attached article before ج (j) is still the article.
    assert!(share_fine_key("Aljamal", "جمال"));
    assert_eq!(tokens("الجمال"), ["ال", "جمال"]);
    assert!(share_fine_key("Aljaber", "Jaber"));
    assert!(share_fine_key("Gamal", "Jamal"));
    assert!(share_fine_key("Khadiga", "Khadija"));
}

// NAME-AZ-2: Azerbaijani and Turkish names typed without their marks (Sahin for Şahin,
// Cingiz for Çingiz) share a key with the marked spelling.
#[test]
fn azerbaijani_names_without_their_marks_share_a_key() {
    for (marked, bare) in [
        ("Şahin", "Sahin"),
        ("Şahin", "Shahin"),
        ("Çingiz", "Cingiz"),
        ("Çingiz", "Chingiz"),
        ("Elşən", "Elsen"),
        ("Elşən", "Elshan"),
        ("Şükürov", "Sukurov"),
        ("Ağayev", "Agayev"),
        // ə is the front vowel, typed e (Memmedov, Eli, Esgerov) as often as a (Mammadov).
        ("Əsgərov", "Esgerov"),
        ("Əsgərov", "Asgarov"),
        ("Əli", "Eli"),
        ("Əli", "Ali"),
        ("Məmmədov", "Memmedov"),
        ("Məmmədov", "Mammadov"),
        ("Əhmədov", "Ehmedov"),
        ("Cəfər", "Джафар"),
    ] {
        assert!(
            share_fine_key(marked, bare),
            "{marked} / {bare}: {:?} / {:?}",
            keys(marked, None),
            keys(bare, None)
        );
    }
}

// NAME-AZ-2: the e reading of ə keeps the Azerbaijani reading of the other letters: c is
// дж, so Cəfər (Jafar) does not become Sefer or Kafar, and Əli does not meet Oleh.
#[test]
fn azerbaijani_schwa_read_as_e_keeps_c_as_dzh() {
    for (a, b) in [("Cəfər", "Sefer"), ("Cəfər", "Kafar"), ("Əli", "Oleh")] {
        assert!(
            !share_fine_key(a, b),
            "{a} / {b}: {:?} / {:?}",
            keys(a, None),
            keys(b, None)
        );
    }
}

// NAME-AZ-1: a -zadeh family name is one name however its suffix is attached: joined
// (Hasanzadeh, Həsənzadə, Гасанзаде, حسن‌زاده with a zero-width non-joiner), hyphenated
// (Soviet-era Гасан-заде, Hasan-Zadeh) or, in Persian script, after a space (حسن زاده).
#[test]
fn zadeh_compounds_are_one_family_name() {
    for spelling in [
        "Hasanzadeh",
        "Hassanzadeh",
        "Həsənzadə",
        "Гасанзаде",
        "Гасан-заде",
        "Hasan-Zadeh",
        "Hasan-zade",
        "حسن\u{200c}زاده",
        "حسن زاده",
        "حسنزاده",
    ] {
        let t = tokens(spelling);
        assert_eq!(t.len(), 1, "{spelling}: {t:?}");
        assert!(
            same_family("Hasanzadeh", &t[0]),
            "{spelling}: {:?}",
            keys(&t[0], None)
        );
    }
    // Zadeh after a space in Latin script may be a family name of its own (Lotfi Zadeh).
    assert_eq!(tokens("Lotfi Zadeh").len(), 2);
    // A particle does not take the suffix.
    assert_eq!(tokens("al-zadeh").len(), 2);
}
