//! Name-part model: unsplit names in any order (NAME-GEN-2, NAME-UA-1, NAME-AR-1, NAME-AF-1,
//! NAME-AZ-1), normalisation and script detection (NAME-GEN-4).

use whereabouts_names::{Script, detect_script, is_patronymic, normalize, parse_full_name, tokens};

#[test]
fn east_slavic_orders() {
    let p = parse_full_name("Олександр Петрович Коваленко");
    assert_eq!(
        (p.given, p.patronymic, p.family),
        (
            vec!["олександр".to_string()],
            vec!["петрович".to_string()],
            vec!["коваленко".to_string()]
        )
    );
    let p = parse_full_name("КОВАЛЕНКО Александр Петрович");
    assert_eq!(
        (p.given, p.family),
        (vec!["александр".to_string()], vec!["коваленко".to_string()])
    );
    // Surname first without capitals: the patronymic decides.
    let p = parse_full_name("Иванова Мария Сергеевна");
    assert_eq!(
        (p.given, p.patronymic, p.family),
        (
            vec!["мария".to_string()],
            vec!["сергеевна".to_string()],
            vec!["иванова".to_string()]
        )
    );
    assert_eq!(p.sex_hint, Some('F'));
    let p = parse_full_name("Kovalenko, Oleksandr");
    assert_eq!(
        (p.given, p.family),
        (vec!["oleksandr".to_string()], vec!["kovalenko".to_string()])
    );
    let p = parse_full_name("Alexander Kovalenko, 34");
    assert_eq!(
        (p.given, p.family),
        (vec!["alexander".to_string()], vec!["kovalenko".to_string()])
    );
    // Two tokens, family first, recognised by the given-name table.
    let p = parse_full_name("Шевченко Тарас");
    assert_eq!(
        (p.given, p.family),
        (vec!["тарас".to_string()], vec!["шевченко".to_string()])
    );
    let p = parse_full_name("Hanna Kovalchuk");
    assert_eq!(p.given, ["hanna"]);
}

#[test]
fn arabic_chains() {
    let p = parse_full_name("Mohammed bin Abdulrahman al-Sayed");
    assert_eq!(p.given, ["mohammed"]);
    assert_eq!(p.patronymic, ["abdulrahman"]);
    assert_eq!(p.family, ["sayed"]);
    assert_eq!(p.sex_hint, Some('M'));
    let p = parse_full_name("Fatima bint Ali");
    assert_eq!(
        (p.given, p.patronymic),
        (vec!["fatima".to_string()], vec!["ali".to_string()])
    );
    assert_eq!(p.sex_hint, Some('F'));
    // Syrian list order: given, father, family.
    let p = parse_full_name("Ahmad Khalil Haddad");
    assert_eq!(
        (p.given, p.patronymic, p.family),
        (
            vec!["ahmad".to_string()],
            vec!["khalil".to_string()],
            vec!["haddad".to_string()]
        )
    );
    let p = parse_full_name("محمد عبد الرحمن");
    assert_eq!(p.given, ["محمد"]);
    assert_eq!(p.family, ["عبدالرحمن"]);
    // Kunya and titles are "other".
    let p = parse_full_name("Haji Abu Bakr Yusuf");
    assert!(p.other.contains(&"haji".to_string()) && p.other.contains(&"bakr".to_string()));
}

#[test]
fn afghan_names_with_the_fathers_name() {
    let p = parse_full_name("Ahmad Shah son of Gul Mohammad");
    assert_eq!(p.given, ["ahmad", "shah"]);
    assert_eq!(p.patronymic, ["gul", "mohammad"]);
    assert!(p.family.is_empty());
    let p = parse_full_name("Gul Ahmad s/o Mohammad Zaman");
    assert_eq!(p.given, ["gul", "ahmad"]);
    assert_eq!(p.patronymic, ["mohammad", "zaman"]);
    let p = parse_full_name("Ghulam");
    assert_eq!(p.given, ["ghulam"]);
}

#[test]
fn azerbaijani_oglu_qizi() {
    let p = parse_full_name("Ilham Heydar oğlu Aliyev");
    assert_eq!(p.given, ["ilham"]);
    assert_eq!(p.patronymic, ["heydar"]);
    assert_eq!(p.family, ["aliyev"]);
    assert_eq!(p.sex_hint, Some('M'));
    let p = parse_full_name("Leyla Rasim qızı Məmmədova");
    assert_eq!(p.patronymic, ["rasim"]);
    assert_eq!(p.sex_hint, Some('F'));
}

#[test]
fn patronymics() {
    for t in [
        "Петрович",
        "Олександрович",
        "Сергеевна",
        "Олександрівна",
        "Ильинична",
        "Petrovich",
        "Oleksandrovych",
        "Ivanovna",
        "Mykolaivna",
        "oğlu",
        "qızı",
        "Кузьмич",
        "Аляксандравіч",
        "Сяргееўна",
        "Aliaksandravich",
        "Siarhieyeuna",
    ] {
        assert!(is_patronymic(t), "{t}");
    }
    for t in [
        "Бабич",
        "Petrović",
        "Kovalenko",
        "Ivanov",
        "Mohammed",
        "ich",
        "",
    ] {
        assert!(!is_patronymic(t), "{t}");
    }
}

#[test]
fn normalisation() {
    assert_eq!(
        normalize("  ＫＯＶＡＬＥＮＫＯ\t\u{0000}Oleksandr  "),
        "kovalenko oleksandr"
    );
    assert_eq!(
        normalize("Мар’яна Марʼяна Мар`яна"),
        "мар'яна мар'яна мар'яна"
    );
    assert_eq!(normalize("Petrova–Vodkina"), "petrova-vodkina");
    assert_eq!(normalize("İLHAM"), "ilham");
    assert_eq!(normalize("مـحـمـد"), "محمد");
    assert_eq!(normalize("Ё"), "ё");
    assert_eq!(normalize("ᲒᲘᲝᲠᲒᲘ"), "გიორგი");
    assert_eq!(tokens("al-Rashid"), ["al", "rashid"]);
    assert_eq!(tokens("الرشيد"), ["ال", "رشيد"]);
    assert_eq!(tokens("O'Brien, 34"), ["o'brien"]);
}

#[test]
fn scripts() {
    assert_eq!(detect_script("Коваленко"), Some(Script::Cyrillic));
    assert_eq!(detect_script("Məmmədov"), Some(Script::Latin));
    assert_eq!(detect_script("محمد"), Some(Script::Arabic));
    assert_eq!(detect_script("پښتون"), Some(Script::Arabic));
    assert_eq!(detect_script("Պետրոսյան"), Some(Script::Armenian));
    assert_eq!(detect_script("გიორგი"), Some(Script::Georgian));
    assert_eq!(detect_script("李"), Some(Script::Other));
    assert_eq!(
        detect_script("Ivan Иванов Петрович"),
        Some(Script::Cyrillic)
    );
    assert_eq!(detect_script("12, 34"), None);
}

#[test]
fn identifiers_fold_homoglyphs() {
    use whereabouts_names::normalize_identifier;
    assert_eq!(normalize_identifier("АВ-123456"), "AB123456");
    assert_eq!(normalize_identifier("AB 123456"), "AB123456");
    assert_eq!(normalize_identifier("ав123456"), "AB123456");
    assert_eq!(normalize_identifier("АБ-123456"), "AB123456");
    assert_eq!(normalize_identifier("в/ч А1234"), "BCHA1234");
    assert_eq!(normalize_identifier("А1234"), normalize_identifier("A1234"));
    assert_eq!(normalize_identifier("\u{0000}—"), "");
}

#[test]
fn latin_name_with_cyrillic_homoglyphs() {
    use whereabouts_names::keys;
    // "Kovalenko" typed with Cyrillic е and о.
    assert_eq!(keys("Kovalеnkо", None)[0], keys("Kovalenko", None)[0]);
}

#[test]
fn sex_from_the_given_name() {
    assert_eq!(parse_full_name("Olena Kovalenko").sex_hint, Some('F'));
    assert_eq!(parse_full_name("Oleksandr Kovalenko").sex_hint, Some('M'));
    assert_eq!(parse_full_name("Fatima Haddad").sex_hint, Some('F'));
    assert_eq!(parse_full_name("Коваленко").sex_hint, None);
    // The patronymic wins over the table.
    assert_eq!(
        parse_full_name("Женя Сергеевна Коваленко").sex_hint,
        Some('F')
    );
    assert_eq!(parse_full_name("Zzyx Ivanova").sex_hint, Some('F'));
}

#[test]
fn initials() {
    for s in ["O. P. Kovalenko", "Kovalenko O.P.", "Коваленко О. П."] {
        let p = parse_full_name(s);
        assert_eq!(p.family.len(), 1, "{s}: {p:?}");
        assert_eq!(p.given.len(), 1, "{s}: {p:?}");
        assert_eq!(p.patronymic.len(), 1, "{s}: {p:?}");
        assert!(p.family[0].chars().count() > 1, "{s}: {p:?}");
    }
}

/// NAME-UA-1, NAME-RU-1: a list that moved the surname between the given name and the
/// patronymic. The word before the patronymic is surname-shaped and no given name, the other
/// word is a known given name; a given name before the patronymic keeps the usual reading.
#[test]
fn surname_between_given_name_and_patronymic() {
    for (s, given, family) in [
        ("Денис Грицський Петрович", "денис", "грицський"),
        ("Марина Ковальова Петрівна", "марина", "ковальова"),
        ("Ivan Petrov Sergeevich", "ivan", "petrov"),
        ("Иванова Марина Петровна", "марина", "иванова"),
        ("Ирина Ивановна Петрова", "ирина", "петрова"),
    ] {
        let p = parse_full_name(s);
        assert_eq!(
            (p.given, p.family),
            (vec![given.to_string()], vec![family.to_string()]),
            "{s}"
        );
    }
}

/// NAME-RU-2, NAME-UA-1: patronymics in German transcription (Duden: Petrowitsch, Sergejewna;
/// Ukrainian -ович as -owytsch) are patronymics, so the order around them is read as in
/// Cyrillic ("Bondarenko Nasar Dmytrowytsch" was given Bondarenko, family Dmytrowytsch).
#[test]
fn patronymics_in_german_transcription() {
    for (s, given, patronymic, family) in [
        (
            "Bondarenko Nasar Dmytrowytsch",
            "nasar",
            "dmytrowytsch",
            "bondarenko",
        ),
        ("Iwan Petrowitsch Iwanow", "iwan", "petrowitsch", "iwanow"),
        ("Anna Sergejewna Iwanowa", "anna", "sergejewna", "iwanowa"),
        ("Olena Iwaniwna Kowalenko", "olena", "iwaniwna", "kowalenko"),
    ] {
        let p = parse_full_name(s);
        assert_eq!(
            (p.given, p.patronymic, p.family),
            (
                vec![given.to_string()],
                vec![patronymic.to_string()],
                vec![family.to_string()]
            ),
            "{s}"
        );
    }
}

/// A known given name followed by an initial and nothing marking a family name is a given
/// name with the patronymic's or father's initial (NAME-RU-1, NAME-AF-1), not a family name
/// with a given-name initial: a list writes "Павел Ф." or "نجیب ن." for a person whose other
/// records have no family name. A surname-shaped word stays the family name.
#[test]
fn known_given_name_with_an_initial() {
    for (s, given) in [
        ("Павел Ф.", "павел"),
        ("Aziz Z.", "aziz"),
        ("نجیب ن.", "نجیب"),
    ] {
        let p = parse_full_name(s);
        assert_eq!(p.given, vec![given.to_string()], "{s}: {p:?}");
        assert_eq!(p.patronymic.len(), 1, "{s}: {p:?}");
        assert!(p.family.is_empty(), "{s}: {p:?}");
    }
    for (s, family) in [
        ("Ivanov I.", "ivanov"),
        ("Иванов И.", "иванов"),
        ("Petrosyan P.", "petrosyan"),
    ] {
        let p = parse_full_name(s);
        assert_eq!(p.family, vec![family.to_string()], "{s}: {p:?}");
    }
}

#[test]
fn arabic_chain_with_a_nisba() {
    let p = parse_full_name("Mohammed Ali Hassan al-Tikriti");
    assert_eq!(p.given, ["mohammed"]);
    assert_eq!(p.patronymic, ["ali", "hassan"]);
    assert_eq!(p.family, ["tikriti"]);
}

/// NAME-AR-1, NAME-AR-2: a name that begins with the article is written family first, as
/// lists write Arabic names; the article's word is the family name and the rest the given name
/// and the father's names, not more family name.
#[test]
fn arabic_name_written_family_first_with_the_article() {
    let p = parse_full_name("الحداد يوسف مازن");
    assert_eq!(p.family, ["حداد"]);
    assert_eq!(p.given, ["يوسف"]);
    assert_eq!(p.patronymic, ["مازن"]);
    let p = parse_full_name("AL-HASAN Yara H.");
    assert_eq!(
        (p.family, p.given, p.patronymic),
        (
            vec!["hasan".to_string()],
            vec!["yara".to_string()],
            vec!["h".to_string()]
        )
    );
    let p = parse_full_name("Al-Tikriti Mohammed Ali Hassan");
    assert_eq!(p.family, ["tikriti"]);
    assert_eq!(p.given, ["mohammed"]);
    assert_eq!(p.patronymic, ["ali", "hassan"]);
    // The article later in the name still starts the family name.
    let p = parse_full_name("Yousef Mazen al-Haddad");
    assert_eq!(p.given, ["yousef"]);
    assert_eq!(p.family, ["haddad"]);
    // Two words: the article and a family name, with a given name after it.
    let p = parse_full_name("al-Haddad Yousef");
    assert_eq!(p.given, ["yousef"]);
    assert_eq!(p.family, ["haddad"]);
}

#[test]
fn afghan_compound_given_names() {
    let p = parse_full_name("Ahmad Shah");
    assert_eq!(p.given, ["ahmad", "shah"]);
    assert!(p.family.is_empty());
    let p = parse_full_name("Ghulam Hazrat Ahmadzai");
    assert_eq!(p.given, ["ghulam", "hazrat"]);
    assert_eq!(p.family, ["ahmadzai"]);
    let p = parse_full_name("Gul Ahmad");
    assert_eq!(p.given, ["gul", "ahmad"]);
    // Not a compound: given + family.
    let p = parse_full_name("Mohammad Karimi");
    assert_eq!((p.given.len(), p.family.len()), (1, 1));
}

/// NAME-AF-1 in Russian-language lists: the compound given name written in Cyrillic stays
/// whole too.
#[test]
fn afghan_compound_given_names_in_cyrillic() {
    let p = parse_full_name("Шер Мохаммад Ахмадзай");
    assert_eq!(p.given, ["шер", "мохаммад"]);
    assert_eq!(p.family, ["ахмадзай"]);
    let p = parse_full_name("Гулям Хазрат");
    assert_eq!(p.given, ["гулям", "хазрат"]);
    let p = parse_full_name("Ахмад Шах");
    assert_eq!(p.given, ["ахмад", "шах"]);
    // A Russian given name and family name are not a compound.
    let p = parse_full_name("Иван Петров");
    assert_eq!((p.given.len(), p.family.len()), (1, 1));
}

/// NAME-AM-1: in Armenian the patronymic is the father's name in the genitive (-ի), and the
/// family name is known by its suffix, so a list's family-first order needs no capitals.
#[test]
fn armenian_genitive_patronymic_and_surname_suffix() {
    let p = parse_full_name("Տիգրանյան Վազգեն Կարենի");
    assert_eq!(
        (p.given, p.patronymic, p.family),
        (
            vec!["վազգեն".to_string()],
            vec!["կարենի".to_string()],
            vec!["տիգրանյան".to_string()]
        )
    );
    // Capitals decide the family name; the genitive is still the patronymic.
    let p = parse_full_name("ՍԱՀԱԿՅԱՆ Վարդան Ռուբենի");
    assert_eq!(
        (p.given, p.patronymic, p.family),
        (
            vec!["վարդան".to_string()],
            vec!["ռուբենի".to_string()],
            vec!["սահակյան".to_string()]
        )
    );
    // Given-first with the genitive in the middle: Armen Ashoti Petrosyan.
    let p = parse_full_name("Արմեն Աշոտի Պետրոսյան");
    assert_eq!(
        (p.given, p.patronymic, p.family),
        (
            vec!["արմեն".to_string()],
            vec!["աշոտի".to_string()],
            vec!["պետրոսյան".to_string()]
        )
    );
    // Two words: a given name in -ի (Մարի) is not taken for a patronymic.
    let p = parse_full_name("Սահակյան Մարի");
    assert_eq!(
        (p.given, p.patronymic, p.family),
        (
            vec!["մարի".to_string()],
            vec![],
            vec!["սահակյան".to_string()]
        )
    );
    // A family name in -ունի is not a genitive.
    let p = parse_full_name("Վարդան Արծրունի");
    assert_eq!(p.family, vec!["արծրունի".to_string()]);
}

#[test]
fn family_given_and_patronymic_initial() {
    // NAME-RU-1: a Russian-language list writes "ФАМИЛИЯ Имя О."; the initial is the
    // patronymic, not the given name.
    let p = parse_full_name("КОВАЛЕНКО Пётр Л.");
    assert_eq!(p.family, ["коваленко"]);
    assert_eq!(p.given, ["пётр"]);
    assert_eq!(p.patronymic, ["л"]);
    // NAME-AM-1: the same layout in Armenian.
    let p = parse_full_name("ՍԱՐԳՍՅԱՆ Հայկ Ն.");
    assert_eq!(p.given, ["հայկ"]);
    assert_eq!(p.patronymic, ["ն"]);
    // Initials before the family name still read as given name and patronymic.
    let p = parse_full_name("O. P. Kovalenko");
    assert_eq!(
        (p.given, p.patronymic, p.family),
        (
            vec!["o".to_string()],
            vec!["p".to_string()],
            vec!["kovalenko".to_string()]
        )
    );
}

#[test]
fn theophoric_compounds_are_one_name() {
    // NAME-AF-2, NAME-AR-1: Habibullah is written as one word or two, in every script.
    assert_eq!(tokens("حبیب الله"), ["حبیبالله"]);
    assert_eq!(tokens("Habib Ullah"), ["habibullah"]);
    assert_eq!(tokens("Hekmat al-Lah"), ["hekmatallah"]);
    assert_eq!(tokens("Хакамат Ал Ла"), ["хакаматалла"]);
    assert_eq!(tokens("Najibullah"), ["najibullah"]);
    // ʿAbd Allah stays an ʿAbd compound; Allah alone is left as it is.
    assert_eq!(tokens("Abd Allah"), ["abdallah"]);
    assert_eq!(tokens("Allah"), ["allah"]);
}

#[test]
fn cyrillic_abd_compounds_and_articles() {
    // NAME-AR-1 in Russian-language lists.
    assert_eq!(tokens("Абд Ал-Раззак"), ["абдалраззак"]);
    assert_eq!(tokens("Абдуль Карим"), ["абдулькарим"]);
    let p = parse_full_name("ЗИЯД Абд Ал-Раззак Гесан Мохаммед");
    assert_eq!(p.family, ["зияд"]);
    assert_eq!(p.given, ["абдалраззак"]);
    assert_eq!(p.patronymic, ["гесан", "мохаммед"]);
    let p = parse_full_name("Мохаммед Али аль-Хасан");
    assert_eq!(p.given, ["мохаммед"]);
    assert_eq!(p.family, ["хасан"]);
}
