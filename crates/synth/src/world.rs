//! The fictional world: two belligerent parties, a neutral protecting power, their towns, places
//! of detention, ranks and units. Every name here is invented for synthetic data.

use domain::PlaceKind;

use crate::names::Culture;

/// What is known about a party's nationals and its own bureau.
pub(crate) struct PartySpec {
    pub name: &'static str,
    pub iso: &'static str,
    pub bureau_slug: &'static str,
    pub bureau_name: &'static str,
    /// The bureau's own reference prefix for the persons it holds.
    pub reference_prefix: &'static str,
    /// The naming cultures of the party's nationals, with weights.
    pub cultures: &'static [(Culture, u32)],
    /// Towns of the party, as (Latin, native script).
    pub towns: &'static [(&'static str, &'static str)],
    /// The script the towns' native names are written in (`Cyrl`, `Arab`).
    pub town_script: &'static str,
    /// Streets for addresses, in the native script.
    pub streets: &'static [&'static str],
    /// Military ranks as written in the party's lists, with weights.
    pub ranks: &'static [(&'static str, u32)],
    pub service_number: ServiceNumberStyle,
    pub unit: UnitStyle,
    /// The share of women among the party's prisoners of war.
    pub female_pow_share: f64,
    /// The places of detention the party's bureau runs: (kind, name, postal address).
    pub places: &'static [(PlaceKind, &'static str, Option<&'static str>)],
    /// How the party's bureau keeps its deadlines: the share sent on time, and sent late.
    pub on_time: f64,
    pub late: f64,
}

#[derive(Clone, Copy)]
pub(crate) enum ServiceNumberStyle {
    /// Two Cyrillic letters, a hyphen and six digits (АБ-123456); now and then typed with the
    /// Latin letters that look the same (homoglyphs).
    CyrillicPersonal,
    /// `RA-` and seven digits; now and then without the hyphen.
    LatinSerial,
}

#[derive(Clone, Copy)]
pub(crate) enum UnitStyle {
    /// `в/ч` and five digits.
    MilitaryUnitNumber,
    /// Battalion and brigade, in Arabic.
    ArabicBattalion,
}

/// Cyrillic letters that have a Latin look-alike, with that look-alike.
pub(crate) const HOMOGLYPHS: [(char, char); 11] = [
    ('А', 'A'),
    ('В', 'B'),
    ('Е', 'E'),
    ('К', 'K'),
    ('М', 'M'),
    ('Н', 'H'),
    ('О', 'O'),
    ('Р', 'P'),
    ('С', 'C'),
    ('Т', 'T'),
    ('Х', 'X'),
];

pub(crate) const CONFLICT_NAME: &str = "Aldera–Borovia armed conflict (synthetic)";

pub(crate) const PROTECTING_POWER: (&str, &str) = ("Confederation of Sarn", "XS");

/// Index 0: the Republic of Aldera; index 1: the Borovian Federation. Each bureau holds nationals
/// of the other party.
pub(crate) static PARTIES: [PartySpec; 2] = [
    PartySpec {
        name: "Republic of Aldera",
        iso: "XA",
        bureau_slug: "bureau-aldera",
        bureau_name: "National Information Bureau of the Republic of Aldera",
        reference_prefix: "ALD-",
        cultures: &[
            (Culture::Arabic, 40),
            (Culture::Dari, 20),
            (Culture::Pashto, 20),
            (Culture::Russian, 20),
        ],
        towns: &[
            ("Aldera City", "مدينة ألديرا"),
            ("Ain Tarvel", "عين تارفل"),
            ("Qasr Melun", "قصر ميلون"),
            ("Tell Oskara", "تل أوسكارا"),
            ("Wadi Serun", "وادي سيرون"),
            ("Bir Halvan", "بئر هالفان"),
            ("Jisr Alvara", "جسر ألفارا"),
            ("Kafr Doranel", "كفر دورانيل"),
            ("Deir Amlan", "دير أملان"),
            ("Ras Velid", "رأس فيليد"),
            ("Marj Tamsa", "مرج تامسا"),
            ("Nahr Ostel", "نهر أوستل"),
        ],
        town_script: "Arab",
        streets: &[
            "شارع الزيتون",
            "شارع المدرسة",
            "شارع السوق",
            "حي النهر",
            "شارع البريد",
        ],
        ranks: &[
            ("جندي", 40),
            ("جندي أول", 12),
            ("عريف", 12),
            ("رقيب", 9),
            ("رقيب أول", 6),
            ("مساعد", 3),
            ("ملازم", 4),
            ("ملازم أول", 4),
            ("نقيب", 4),
            ("رائد", 3),
            ("مقدم", 2),
            ("عقيد", 1),
        ],
        service_number: ServiceNumberStyle::LatinSerial,
        unit: UnitStyle::ArabicBattalion,
        female_pow_share: 0.03,
        // The places where Aldera holds Borovian nationals.
        places: &[
            (
                PlaceKind::CollectingPoint,
                "Collecting Point Ain Tarvel",
                None,
            ),
            (
                PlaceKind::CollectingPoint,
                "Collecting Point Wadi Serun",
                None,
            ),
            (
                PlaceKind::CollectingPoint,
                "Collecting Point Bir Halvan",
                None,
            ),
            (
                PlaceKind::TransitCamp,
                "Transit Camp Qasr Melun",
                Some("P.O. Box 21, Qasr Melun, Republic of Aldera"),
            ),
            (
                PlaceKind::TransitCamp,
                "Transit Camp Jisr Alvara",
                Some("P.O. Box 7, Jisr Alvara, Republic of Aldera"),
            ),
            (
                PlaceKind::PowCamp,
                "POW Camp No. 1 Tell Oskara",
                Some("P.O. Box 101, Tell Oskara, Republic of Aldera"),
            ),
            (
                PlaceKind::PowCamp,
                "POW Camp No. 2 Deir Amlan",
                Some("P.O. Box 102, Deir Amlan, Republic of Aldera"),
            ),
            (
                PlaceKind::PowCamp,
                "POW Camp No. 3 Marj Tamsa",
                Some("P.O. Box 103, Marj Tamsa, Republic of Aldera"),
            ),
            (
                PlaceKind::PowCamp,
                "POW Camp No. 4 Ras Velid",
                Some("P.O. Box 104, Ras Velid, Republic of Aldera"),
            ),
            (
                PlaceKind::Hospital,
                "Military Hospital Aldera City",
                Some("Hospital Road 3, Aldera City, Republic of Aldera"),
            ),
            (
                PlaceKind::Hospital,
                "Military Hospital Nahr Ostel",
                Some("P.O. Box 55, Nahr Ostel, Republic of Aldera"),
            ),
            (
                PlaceKind::Infirmary,
                "Infirmary, POW Camp No. 1 Tell Oskara",
                Some("P.O. Box 101, Tell Oskara, Republic of Aldera"),
            ),
            (
                PlaceKind::CivilianInternmentPlace,
                "Civilian Internment Centre Kafr Doranel",
                Some("P.O. Box 310, Kafr Doranel, Republic of Aldera"),
            ),
            (
                PlaceKind::CivilianInternmentPlace,
                "Civilian Internment Centre Wadi Serun",
                Some("P.O. Box 311, Wadi Serun, Republic of Aldera"),
            ),
            (
                PlaceKind::Prison,
                "Central Prison Aldera City",
                Some("P.O. Box 900, Aldera City, Republic of Aldera"),
            ),
            (
                PlaceKind::Prison,
                "District Prison Qasr Melun",
                Some("P.O. Box 901, Qasr Melun, Republic of Aldera"),
            ),
            (PlaceKind::PoliceStation, "Police Station Ain Tarvel", None),
            (PlaceKind::PoliceStation, "Police Station Jisr Alvara", None),
        ],
        on_time: 0.82,
        late: 0.10,
    },
    PartySpec {
        name: "Borovian Federation",
        iso: "XB",
        bureau_slug: "bureau-borovia",
        bureau_name: "National Information Bureau of the Borovian Federation",
        reference_prefix: "BOR-",
        cultures: &[
            (Culture::Ukrainian, 35),
            (Culture::Russian, 35),
            (Culture::Armenian, 15),
            (Culture::Azerbaijani, 15),
        ],
        towns: &[
            ("Velmarograd", "Велмароград"),
            ("Nizhny Torvel", "Нижний Торвель"),
            ("Kamenolesk", "Каменолеск"),
            ("Stary Orvin", "Старый Орвин"),
            ("Yarvelets", "Ярвелец"),
            ("Dolgomir", "Долгомир"),
            ("Zarvenka", "Зарвенка"),
            ("Borovel", "Боровель"),
            ("Ostrelin", "Острелин"),
            ("Krutovel", "Крутовель"),
            ("Lesnogorvsk", "Лесногорвск"),
            ("Sosnoveld", "Сосновельд"),
        ],
        town_script: "Cyrl",
        streets: &[
            "ул. Садовая",
            "ул. Центральная",
            "ул. Лесная",
            "пер. Школьный",
            "ул. Речная",
        ],
        ranks: &[
            ("рядовой", 40),
            ("ефрейтор", 12),
            ("младший сержант", 10),
            ("сержант", 9),
            ("старший сержант", 6),
            ("старшина", 3),
            ("прапорщик", 3),
            ("младший лейтенант", 2),
            ("лейтенант", 4),
            ("старший лейтенант", 4),
            ("капитан", 3),
            ("майор", 2),
            ("подполковник", 1),
        ],
        service_number: ServiceNumberStyle::CyrillicPersonal,
        unit: UnitStyle::MilitaryUnitNumber,
        female_pow_share: 0.08,
        // The places where Borovia holds Alderan nationals.
        places: &[
            (
                PlaceKind::CollectingPoint,
                "Пункт сбора военнопленных № 1, Острелин",
                None,
            ),
            (
                PlaceKind::CollectingPoint,
                "Пункт сбора военнопленных № 2, Долгомир",
                None,
            ),
            (
                PlaceKind::CollectingPoint,
                "Пункт сбора военнопленных № 3, Зарвенка",
                None,
            ),
            (
                PlaceKind::TransitCamp,
                "Транзитный лагерь Долгомир",
                Some("а/я 12, Долгомир, Боровская Федерация"),
            ),
            (
                PlaceKind::TransitCamp,
                "Транзитный лагерь Ярвелец",
                Some("а/я 14, Ярвелец, Боровская Федерация"),
            ),
            (
                PlaceKind::PowCamp,
                "Лагерь военнопленных № 1, Велмароград",
                Some("а/я 201, Велмароград, Боровская Федерация"),
            ),
            (
                PlaceKind::PowCamp,
                "Лагерь военнопленных № 2, Каменолеск",
                Some("а/я 202, Каменолеск, Боровская Федерация"),
            ),
            (
                PlaceKind::PowCamp,
                "Лагерь военнопленных № 3, Старый Орвин",
                Some("а/я 203, Старый Орвин, Боровская Федерация"),
            ),
            (
                PlaceKind::PowCamp,
                "Лагерь военнопленных № 4, Крутовель",
                Some("а/я 204, Крутовель, Боровская Федерация"),
            ),
            (
                PlaceKind::Hospital,
                "Военный госпиталь Велмароград",
                Some("ул. Госпитальная, 5, Велмароград, Боровская Федерация"),
            ),
            (
                PlaceKind::Hospital,
                "Военный госпиталь Нижний Торвель",
                Some("а/я 77, Нижний Торвель, Боровская Федерация"),
            ),
            (
                PlaceKind::Infirmary,
                "Лазарет лагеря военнопленных № 1, Велмароград",
                Some("а/я 201, Велмароград, Боровская Федерация"),
            ),
            (
                PlaceKind::CivilianInternmentPlace,
                "Место интернирования «Сосновельд»",
                Some("а/я 410, Сосновельд, Боровская Федерация"),
            ),
            (
                PlaceKind::CivilianInternmentPlace,
                "Место интернирования «Боровель»",
                Some("а/я 411, Боровель, Боровская Федерация"),
            ),
            (
                PlaceKind::Prison,
                "Тюрьма № 1, Лесногорвск",
                Some("а/я 900, Лесногорвск, Боровская Федерация"),
            ),
            (
                PlaceKind::Prison,
                "Тюрьма № 2, Каменолеск",
                Some("а/я 901, Каменолеск, Боровская Федерация"),
            ),
            (PlaceKind::PoliceStation, "Отдел полиции Острелин", None),
            (PlaceKind::PoliceStation, "Отдел полиции Зарвенка", None),
        ],
        on_time: 0.70,
        late: 0.15,
    },
];

/// The indices of a bureau's places by kind, so that events pick a place of the right kind.
pub(crate) struct PlaceIndex {
    pub collecting_points: Vec<usize>,
    pub transit_camps: Vec<usize>,
    pub pow_camps: Vec<usize>,
    pub hospitals: Vec<usize>,
    pub infirmaries: Vec<usize>,
    pub internment_places: Vec<usize>,
    pub prisons: Vec<usize>,
    pub police_stations: Vec<usize>,
    pub kinds: Vec<PlaceKind>,
}

impl PlaceIndex {
    pub(crate) fn new(kinds: &[PlaceKind]) -> Self {
        let of = |wanted: PlaceKind| {
            kinds
                .iter()
                .enumerate()
                .filter(|(_, kind)| **kind == wanted)
                .map(|(index, _)| index)
                .collect::<Vec<_>>()
        };
        let index = Self {
            collecting_points: of(PlaceKind::CollectingPoint),
            transit_camps: of(PlaceKind::TransitCamp),
            pow_camps: of(PlaceKind::PowCamp),
            hospitals: of(PlaceKind::Hospital),
            infirmaries: of(PlaceKind::Infirmary),
            internment_places: of(PlaceKind::CivilianInternmentPlace),
            prisons: of(PlaceKind::Prison),
            police_stations: of(PlaceKind::PoliceStation),
            kinds: kinds.to_vec(),
        };
        debug_assert!(
            [
                &index.collecting_points,
                &index.transit_camps,
                &index.pow_camps,
                &index.hospitals,
                &index.infirmaries,
                &index.internment_places,
                &index.prisons,
                &index.police_stations,
            ]
            .iter()
            .all(|places| !places.is_empty()),
            "every bureau needs at least one place of each kind"
        );
        index
    }

    pub(crate) fn is_camp(&self, place: Option<usize>) -> bool {
        place.is_some_and(|index| self.kinds[index].is_camp())
    }
}
