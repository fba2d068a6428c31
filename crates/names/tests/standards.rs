//! Transliteration by each standard, with examples from the standards' own documents or
//! well-known official spellings (cited per test).

use whereabouts_names::{Scheme, transliterate};

fn check(scheme: Scheme, pairs: &[(&str, &str)]) {
    for (src, want) in pairs {
        assert_eq!(transliterate(src, scheme), *want, "{scheme:?}: {src}");
    }
}

/// Examples printed in the table of CMU Resolution No. 55 (27 January 2010).
#[test]
fn ukrainian_national_2010() {
    check(
        Scheme::UkNational2010,
        &[
            ("Алушта", "alushta"),
            ("Борщагівка", "borshchahivka"),
            ("Вишгород", "vyshhorod"),
            ("Гадяч", "hadiach"),
            ("Згурський", "zghurskyi"),
            ("Ґалаґан", "galagan"),
            ("Донецьк", "donetsk"),
            ("Рівне", "rivne"),
            ("Олег", "oleh"),
            ("Єнакієве", "yenakiieve"),
            ("Гаєвич", "haievych"),
            ("Короп'є", "koropie"),
            ("Житомир", "zhytomyr"),
            ("Закарпаття", "zakarpattia"),
            ("Медвин", "medvyn"),
            ("Михайленко", "mykhailenko"),
            ("Іванків", "ivankiv"),
            ("Їжакевич", "yizhakevych"),
            ("Кадиївка", "kadyivka"),
            ("Мар'їне", "marine"),
            ("Йосипівка", "yosypivka"),
            ("Стрий", "stryi"),
            ("Олексій", "oleksii"),
            ("Київ", "kyiv"),
            ("Наталія", "nataliia"),
            ("Харків", "kharkiv"),
            ("Біла Церква", "bila tserkva"),
            ("Шевченко", "shevchenko"),
            ("Щербухи", "shcherbukhy"),
            ("Юрій", "yurii"),
            ("Корюківка", "koriukivka"),
            ("Яготин", "yahotyn"),
            ("Костянтин", "kostiantyn"),
            ("Знам'янка", "znamianka"),
            ("Феодосія", "feodosiia"),
            // NAME-UA-2 examples.
            ("Сергій", "serhii"),
            ("Андрій", "andrii"),
        ],
    );
    // The apostrophe variants of NAME-GEN-4 all disappear.
    assert_eq!(transliterate("Мар’яна", Scheme::UkNational2010), "mariana");
    assert_eq!(transliterate("Марʼяна", Scheme::UkNational2010), "mariana");
}

/// ICAO Doc 9303 Part 3 table; spellings as in current Russian passports.
#[test]
fn russian_icao_9303() {
    check(
        Scheme::RuIcao9303,
        &[
            ("Горбачёв", "gorbachev"),
            ("Щербаков", "shcherbakov"),
            ("Юрий", "iurii"),
            ("Яковлев", "iakovlev"),
            ("Цветков", "tsvetkov"),
            ("Подъячев", "podieiachev"),
            ("Александр", "aleksandr"),
            ("Наталья", "natalia"),
        ],
    );
}

/// GOST 7.79-2000, System B, examples of the standard's annex (Щ shh, Ц cz/c, Ё yo, Ъ ``).
#[test]
fn russian_gost_7_79_b() {
    check(
        Scheme::RuGost779B,
        &[
            ("Щербаков", "shherbakov"),
            ("Цветков", "czvetkov"),
            ("Цыганов", "cy`ganov"),
            ("Ёлкин", "yolkin"),
            ("Хрущёв", "xrushhyov"),
            ("Съезд", "s``ezd"),
            ("Юрий", "yurij"),
            ("Эдуард", "e`duard"),
            ("Игорь", "igor`"),
        ],
    );
}

/// BGN/PCGN 1947 Russian: ye after vowels and at word start, ″ and ′ for the hard and soft
/// signs.
#[test]
fn russian_bgn_pcgn() {
    check(
        Scheme::RuBgnPcgn,
        &[
            ("Ельцин", "yel'tsin"),
            ("Горбачёв", "gorbachëv"),
            ("Юрий", "yuriy"),
            ("Андреев", "andreyev"),
            ("Юрьевич", "yur'yevich"),
            ("Подъячев", "pod\"yachev"),
            ("Сергей", "sergey"),
        ],
    );
}

/// Belarusian national system 2007: place names as on official maps (Mahilioŭ, Homieĺ).
#[test]
fn belarusian_national_2007() {
    check(
        Scheme::BeNational2007,
        &[
            ("Мінск", "minsk"),
            ("Магілёў", "mahilioŭ"),
            ("Гродна", "hrodna"),
            ("Гомель", "homieĺ"),
            ("Брэст", "brest"),
            ("Віцебск", "viciebsk"),
            ("Аляксандр", "aliaksandr"),
            ("Лукашэнка", "lukašenka"),
            ("Ясель", "jasieĺ"),
        ],
    );
}

/// Belarusian passport practice (Aliaksandr, Sviatlana Tsikhanouskaya).
#[test]
fn belarusian_passport() {
    check(
        Scheme::BePassport,
        &[
            ("Аляксандр", "aliaksandr"),
            ("Святлана", "sviatlana"),
            ("Ціханоўская", "tsikhanouskaya"),
            ("Сяргей", "siarhei"),
        ],
    );
}

/// Azerbaijani Cyrillic → Latin (1991 alphabet).
#[test]
fn azerbaijani_cyrillic_to_latin() {
    check(
        Scheme::AzCyrillicToLatin,
        &[
            ("Һејдәр Әлијев", "heydər əliyev"),
            ("Мәммәдов", "məmmədov"),
            ("Гасымов", "qasımov"),
            ("Ҹәфәр", "cəfər"),
        ],
    );
}

/// Eastern Armenian BGN/PCGN 1981: ե ye and ո vo at word start, ու u, և yev/ev.
#[test]
fn armenian_eastern_bgn() {
    check(
        Scheme::HyEasternBgn,
        &[
            ("Երևան", "yerevan"),
            ("Պետրոսյան", "petrosyan"),
            ("Հովհաննիսյան", "hovhannisyan"),
            ("Ոսկան", "voskan"),
            ("Ղազարյան", "ghazaryan"),
            ("Գյումրի", "gyumri"),
            ("Թորոսյան", "t'orosyan"),
        ],
    );
}

/// Western Armenian: the consonant shifts of the diaspora spelling (Bedrosian, Krikorian,
/// Hagop).
#[test]
fn armenian_western() {
    check(
        Scheme::HyWestern,
        &[
            ("Պետրոսյան", "bedrosyan"),
            ("Գրիգորյան", "krikoryan"),
            ("Յակոբ", "hagop"),
            ("Կարապետ", "garabed"),
        ],
    );
}

/// Georgian national system 2002.
#[test]
fn georgian_national_2002() {
    check(
        Scheme::KaNational2002,
        &[
            ("თბილისი", "tbilisi"),
            ("ქუთაისი", "kutaisi"),
            ("შევარდნაძე", "shevardnadze"),
            ("ჭავჭავაძე", "ch'avch'avadze"),
            ("წყალტუბო", "ts'q'alt'ubo"),
            ("გიორგი", "giorgi"),
            ("ᲒᲘᲝᲠᲒᲘ", "giorgi"),
        ],
    );
}

/// Arabic ALA-LC: vocalised text gives the full reading; unvocalised only what is written.
#[test]
fn arabic_ala_lc() {
    check(
        Scheme::ArAlaLc,
        &[
            ("مُحَمَّد", "muhammad"),
            ("محمد", "mhmd"),
            ("الرشيد", "al-rshid"),
            ("خالد", "khald"),
            ("ذو الفقار", "dhu al-fqar"),
        ],
    );
    check(
        Scheme::ArDin31635,
        &[("خالد", "hald"), ("جميل", "gmil"), ("شريف", "srif")],
    );
    check(Scheme::ArFrench, &[("شريف", "chrif"), ("جميل", "djmil")]);
}

/// Persian, Dari and Pashto by BGN/PCGN: ث ذ ض ظ read as s z z z, و as v (Persian) or w
/// (Dari); the Pashto letters ښ ټ ډ ځ څ.
#[test]
fn persian_dari_pashto() {
    check(
        Scheme::FaBgnPcgn,
        &[
            ("زاده", "zadeh"),
            ("ثابت", "sabt"),
            ("ذاکر", "zakr"),
            ("وحید", "vhid"),
        ],
    );
    check(Scheme::PrsBgnPcgn, &[("وحید", "whid")]);
    check(
        Scheme::PsBgnPcgn,
        &[
            ("پښتون", "pshtun"),
            ("ځدران", "dzdran"),
            ("څرنګه", "tsrnga"),
        ],
    );
    check(Scheme::ArAlaLc, &[("ثابت", "thabt")]);
}
