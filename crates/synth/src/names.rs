//! Name tables for synthetic persons.
//!
//! These are common given names and family names of each naming culture, chosen for synthetic
//! data only: every person generated from them is fictional, and any resemblance of a generated
//! combination to a real person is coincidence. The tables are written in the original script
//! (Cyrillic for Ukrainian and Russian, Arabic script for Arabic, Dari and Pashto, Armenian
//! script for Armenian, Latin for Azerbaijani) so that the matcher is exercised on real naming
//! patterns (`gc-requirements.md` §8.2–8.7):
//!
//! - Ukrainian and Russian: surname, given name, patronymic formed from the father's given name,
//!   with the female forms (Петрович → Петрівна in Ukrainian, Петровна in Russian) and gendered
//!   surnames (Петров / Петрова, -ський / -ська) where the language has them; Коваленко is the
//!   same for women and men.
//! - Arabic (Levantine chains): given name, father's name, sometimes the grandfather's name, and a
//!   family name; ʿAbd + attribute (عبد الرحمن) is one given name.
//! - Dari and Pashto (Afghan): a given name, often compound, and the father's name, often with
//!   no family name; Persian letters ی and ک, and in Pashto also ګ, ټ, ړ, ښ, ځ, څ, ې, ۍ.
//! - Armenian: given name, the father's name in the genitive (Աշոտի), and a family name in -յան.
//! - Azerbaijani: given name, patronymic "\[father\] oğlu / qızı", and a surname in -ov/-yev
//!   (Məmmədov / Məmmədova) or an invariant native form (-li, -zadə).

/// A naming culture, with the BCP 47 tag its names are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Culture {
    Ukrainian,
    Russian,
    Arabic,
    Dari,
    Pashto,
    Armenian,
    Azerbaijani,
}

impl Culture {
    pub const ALL: [Culture; 7] = [
        Self::Ukrainian,
        Self::Russian,
        Self::Arabic,
        Self::Dari,
        Self::Pashto,
        Self::Armenian,
        Self::Azerbaijani,
    ];

    /// The BCP 47 tag of names written in this culture's usual script.
    #[must_use]
    pub const fn language_tag(self) -> &'static str {
        match self {
            Self::Ukrainian => "uk",
            Self::Russian => "ru",
            Self::Arabic => "ar",
            Self::Dari => "fa-AF",
            Self::Pashto => "ps",
            Self::Armenian => "hy",
            Self::Azerbaijani => "az-Latn",
        }
    }

    /// The ISO 15924 code of the script the names are written in.
    #[must_use]
    pub const fn script_code(self) -> &'static str {
        match self {
            Self::Ukrainian | Self::Russian => "Cyrl",
            Self::Arabic | Self::Dari | Self::Pashto => "Arab",
            Self::Armenian => "Armn",
            Self::Azerbaijani => "Latn",
        }
    }

    /// The culture of a language tag written by [`Culture::language_tag`].
    #[must_use]
    pub fn from_language_tag(tag: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|culture| culture.language_tag() == tag)
    }
}

/// A male given name with the patronymics formed from it: (name, son's, daughter's).
pub type WithPatronymics = (&'static str, &'static str, &'static str);

/// Ukrainian male given names with their patronymics (-ович / -івна).
pub static UK_MALE: &[WithPatronymics] = &[
    ("Олександр", "Олександрович", "Олександрівна"),
    ("Андрій", "Андрійович", "Андріївна"),
    ("Сергій", "Сергійович", "Сергіївна"),
    ("Володимир", "Володимирович", "Володимирівна"),
    ("Дмитро", "Дмитрович", "Дмитрівна"),
    ("Микола", "Миколайович", "Миколаївна"),
    ("Олексій", "Олексійович", "Олексіївна"),
    ("Михайло", "Михайлович", "Михайлівна"),
    ("Іван", "Іванович", "Іванівна"),
    ("Юрій", "Юрійович", "Юріївна"),
    ("Василь", "Васильович", "Василівна"),
    ("Петро", "Петрович", "Петрівна"),
    ("Олег", "Олегович", "Олегівна"),
    ("Віктор", "Вікторович", "Вікторівна"),
    ("Ігор", "Ігорович", "Ігорівна"),
    ("Богдан", "Богданович", "Богданівна"),
    ("Тарас", "Тарасович", "Тарасівна"),
    ("Степан", "Степанович", "Степанівна"),
    ("Роман", "Романович", "Романівна"),
    ("Максим", "Максимович", "Максимівна"),
    ("Євген", "Євгенович", "Євгенівна"),
    ("Анатолій", "Анатолійович", "Анатоліївна"),
    ("Віталій", "Віталійович", "Віталіївна"),
    ("Валерій", "Валерійович", "Валеріївна"),
    ("Ярослав", "Ярославович", "Ярославівна"),
    ("Вадим", "Вадимович", "Вадимівна"),
    ("Денис", "Денисович", "Денисівна"),
    ("Артем", "Артемович", "Артемівна"),
    ("Костянтин", "Костянтинович", "Костянтинівна"),
    ("Руслан", "Русланович", "Русланівна"),
    ("Назар", "Назарович", "Назарівна"),
    ("Остап", "Остапович", "Остапівна"),
    ("Леонід", "Леонідович", "Леонідівна"),
    ("Геннадій", "Геннадійович", "Геннадіївна"),
    ("Федір", "Федорович", "Федорівна"),
    ("Антон", "Антонович", "Антонівна"),
    ("Владислав", "Владиславович", "Владиславівна"),
    ("Кирило", "Кирилович", "Кирилівна"),
    ("Данило", "Данилович", "Данилівна"),
    ("Семен", "Семенович", "Семенівна"),
    ("Борис", "Борисович", "Борисівна"),
    ("Павло", "Павлович", "Павлівна"),
    ("Григорій", "Григорович", "Григорівна"),
    ("Станіслав", "Станіславович", "Станіславівна"),
    ("Святослав", "Святославович", "Святославівна"),
    ("Ілля", "Ілліч", "Іллівна"),
    ("Микита", "Микитович", "Микитівна"),
];

/// Ukrainian female given names.
pub static UK_FEMALE: &[&str] = &[
    "Олена",
    "Ганна",
    "Катерина",
    "Наталія",
    "Тетяна",
    "Оксана",
    "Ірина",
    "Світлана",
    "Юлія",
    "Людмила",
    "Марія",
    "Ольга",
    "Галина",
    "Надія",
    "Вікторія",
    "Анастасія",
    "Валентина",
    "Лариса",
    "Любов",
    "Тамара",
    "Віра",
    "Алла",
    "Інна",
    "Зоряна",
    "Соломія",
    "Христина",
    "Дарина",
    "Софія",
    "Олеся",
    "Марʼяна",
    "Ярослава",
    "Лілія",
    "Богдана",
    "Уляна",
    "Діана",
    "Євгенія",
    "Вероніка",
    "Яна",
    "Аліна",
    "Владислава",
    "Леся",
    "Роксолана",
    "Ніна",
    "Раїса",
    "Зінаїда",
];

/// Ukrainian family names, male form. Most are the same for women; see [`uk_female_family`].
pub static UK_FAMILY: &[&str] = &[
    "Коваленко",
    "Шевченко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Олійник",
    "Шевчук",
    "Коваль",
    "Поліщук",
    "Бойко",
    "Ткачук",
    "Мельник",
    "Лисенко",
    "Марченко",
    "Руденко",
    "Савченко",
    "Петренко",
    "Мороз",
    "Левченко",
    "Гончаренко",
    "Кравчук",
    "Панченко",
    "Павленко",
    "Захарченко",
    "Клименко",
    "Харченко",
    "Пономаренко",
    "Мазур",
    "Карпенко",
    "Гаврилюк",
    "Кушнір",
    "Литвиненко",
    "Мартинюк",
    "Костенко",
    "Дмитренко",
    "Романюк",
    "Савчук",
    "Онищенко",
    "Кузьменко",
    "Симоненко",
    "Ковальчук",
    "Сидоренко",
    "Остапенко",
    "Федоренко",
    "Литвин",
    "Кравець",
    "Гнатюк",
    "Вишневський",
    "Ковальський",
    "Яворський",
    "Зелінський",
    "Білецький",
    "Ковальов",
    "Соловйов",
];

/// Russian male given names with their patronymics (-ович, -евич, -ич / -овна, -евна, -ична).
pub static RU_MALE: &[WithPatronymics] = &[
    ("Александр", "Александрович", "Александровна"),
    ("Алексей", "Алексеевич", "Алексеевна"),
    ("Андрей", "Андреевич", "Андреевна"),
    ("Анатолий", "Анатольевич", "Анатольевна"),
    ("Антон", "Антонович", "Антоновна"),
    ("Аркадий", "Аркадьевич", "Аркадьевна"),
    ("Артём", "Артёмович", "Артёмовна"),
    ("Борис", "Борисович", "Борисовна"),
    ("Вадим", "Вадимович", "Вадимовна"),
    ("Валерий", "Валерьевич", "Валерьевна"),
    ("Василий", "Васильевич", "Васильевна"),
    ("Виктор", "Викторович", "Викторовна"),
    ("Виталий", "Витальевич", "Витальевна"),
    ("Владимир", "Владимирович", "Владимировна"),
    ("Владислав", "Владиславович", "Владиславовна"),
    ("Вячеслав", "Вячеславович", "Вячеславовна"),
    ("Геннадий", "Геннадьевич", "Геннадьевна"),
    ("Георгий", "Георгиевич", "Георгиевна"),
    ("Григорий", "Григорьевич", "Григорьевна"),
    ("Даниил", "Даниилович", "Данииловна"),
    ("Денис", "Денисович", "Денисовна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"),
    ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Егор", "Егорович", "Егоровна"),
    ("Иван", "Иванович", "Ивановна"),
    ("Игорь", "Игоревич", "Игоревна"),
    ("Илья", "Ильич", "Ильинична"),
    ("Кирилл", "Кириллович", "Кирилловна"),
    ("Константин", "Константинович", "Константиновна"),
    ("Леонид", "Леонидович", "Леонидовна"),
    ("Максим", "Максимович", "Максимовна"),
    ("Михаил", "Михайлович", "Михайловна"),
    ("Никита", "Никитич", "Никитична"),
    ("Николай", "Николаевич", "Николаевна"),
    ("Олег", "Олегович", "Олеговна"),
    ("Павел", "Павлович", "Павловна"),
    ("Пётр", "Петрович", "Петровна"),
    ("Роман", "Романович", "Романовна"),
    ("Руслан", "Русланович", "Руслановна"),
    ("Семён", "Семёнович", "Семёновна"),
    ("Сергей", "Сергеевич", "Сергеевна"),
    ("Станислав", "Станиславович", "Станиславовна"),
    ("Степан", "Степанович", "Степановна"),
    ("Тимофей", "Тимофеевич", "Тимофеевна"),
    ("Фёдор", "Фёдорович", "Фёдоровна"),
    ("Юрий", "Юрьевич", "Юрьевна"),
    ("Ярослав", "Ярославович", "Ярославовна"),
];

/// Russian female given names.
pub static RU_FEMALE: &[&str] = &[
    "Анна",
    "Анастасия",
    "Алёна",
    "Александра",
    "Алина",
    "Валентина",
    "Валерия",
    "Вера",
    "Виктория",
    "Галина",
    "Дарья",
    "Диана",
    "Евгения",
    "Екатерина",
    "Елена",
    "Елизавета",
    "Жанна",
    "Зоя",
    "Инна",
    "Ирина",
    "Карина",
    "Кристина",
    "Ксения",
    "Лариса",
    "Любовь",
    "Людмила",
    "Маргарита",
    "Марина",
    "Мария",
    "Надежда",
    "Наталья",
    "Нина",
    "Оксана",
    "Ольга",
    "Полина",
    "Светлана",
    "Софья",
    "Тамара",
    "Татьяна",
    "Юлия",
    "Яна",
    "Алла",
    "Олеся",
];

/// Russian family names, male form; the female form follows [`ru_female_family`].
pub static RU_FAMILY: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Ковалёв",
    "Щербаков",
    "Покровский",
    "Успенский",
    "Вишневский",
    "Островский",
    "Черных",
    "Белых",
    "Бондаренко",
    "Шевчук",
];

/// Arabic male given names (Levantine usage). ʿAbd + attribute is one name.
pub static AR_MALE: &[&str] = &[
    "محمد",
    "أحمد",
    "محمود",
    "علي",
    "حسن",
    "حسين",
    "خالد",
    "عمر",
    "يوسف",
    "إبراهيم",
    "مصطفى",
    "عبد الله",
    "عبد الرحمن",
    "عبد الكريم",
    "عبد الرزاق",
    "عبد القادر",
    "سامر",
    "سامي",
    "فادي",
    "رامي",
    "باسل",
    "وائل",
    "نبيل",
    "جمال",
    "كمال",
    "هشام",
    "طارق",
    "زياد",
    "عماد",
    "عصام",
    "غسان",
    "رياض",
    "مازن",
    "أيمن",
    "أنس",
    "حمزة",
    "عمار",
    "قاسم",
    "ياسر",
    "منير",
    "إلياس",
    "جورج",
    "حنا",
    "ميشيل",
    "فراس",
    "مهند",
    "بلال",
    "صالح",
];

/// Arabic female given names (Levantine usage).
pub static AR_FEMALE: &[&str] = &[
    "فاطمة",
    "عائشة",
    "مريم",
    "زينب",
    "خديجة",
    "سارة",
    "رنا",
    "ريم",
    "لينا",
    "هبة",
    "نور",
    "دعاء",
    "آلاء",
    "رهف",
    "سلمى",
    "ليلى",
    "هالة",
    "منى",
    "سمر",
    "رشا",
    "ديما",
    "لمى",
    "جنى",
    "يارا",
    "راما",
    "بتول",
    "غادة",
    "سوسن",
    "نسرين",
    "وفاء",
    "أمل",
    "هيفاء",
    "رغد",
    "سهى",
    "ميس",
    "نادين",
    "كندة",
    "ريما",
    "تالا",
    "إيمان",
    "حلا",
    "روان",
    "شهد",
];

/// Arabic family names (Levantine: nisbas, trades, lineages; some without the article).
pub static AR_FAMILY: &[&str] = &[
    "الحلبي",
    "المصري",
    "الحمصي",
    "الشامي",
    "الخطيب",
    "النجار",
    "الحداد",
    "العلي",
    "الأحمد",
    "الحسن",
    "الحسين",
    "السيد",
    "الشيخ",
    "الصباغ",
    "القاسم",
    "العمر",
    "الخليل",
    "الزعبي",
    "المحمد",
    "الحمود",
    "العبد الله",
    "الديري",
    "الإدلبي",
    "الحموي",
    "الدمشقي",
    "الرفاعي",
    "الجاسم",
    "الخلف",
    "الصالح",
    "العثمان",
    "السعيد",
    "النعيمي",
    "حداد",
    "خوري",
    "عيسى",
    "شحادة",
    "عطية",
    "حلاق",
    "سلامة",
    "زيدان",
    "سلوم",
    "نصار",
    "جبور",
    "الحريري",
    "البيطار",
];

/// Dari male given names (Afghan usage), often compound.
pub static FA_MALE: &[&str] = &[
    "محمد",
    "احمد",
    "علی",
    "حسین",
    "حسن",
    "رحیم",
    "کریم",
    "جاوید",
    "فرید",
    "نوید",
    "مسعود",
    "همایون",
    "فرهاد",
    "شفیق",
    "رفیع",
    "بصیر",
    "نصیر",
    "قدیر",
    "عزیز",
    "لطیف",
    "نجیب",
    "حمید",
    "غلام حضرت",
    "محمد زمان",
    "دین محمد",
    "عبدالعلی",
    "عبدالرحیم",
    "عبدالقادر",
    "محمد نادر",
    "گل آغا",
    "خان محمد",
    "نور احمد",
    "فضل احمد",
    "سیف الله",
    "ذبیح الله",
    "امان الله",
    "جمشید",
    "بهرام",
    "سهراب",
    "رستم",
    "ولی",
    "هارون",
    "داوود",
    "یعقوب",
    "یونس",
    "ناصر",
    "منصور",
    "اسد",
    "قاسم",
    "هاشم",
    "انور",
];

/// Dari female given names (Afghan usage).
pub static FA_FEMALE: &[&str] = &[
    "فاطمه",
    "مریم",
    "زهرا",
    "شبنم",
    "نرگس",
    "لیلا",
    "فریبا",
    "مرسل",
    "ملالی",
    "سمیرا",
    "شکیبا",
    "نسرین",
    "فرشته",
    "پروین",
    "ثریا",
    "حمیده",
    "رحیمه",
    "نجیبه",
    "لطیفه",
    "عزیزه",
    "شریفه",
    "سیما",
    "مینا",
    "هدیه",
    "ستاره",
    "نیلوفر",
    "پری",
    "گلنار",
    "شیرین",
    "رویا",
    "زینب",
    "خدیجه",
    "عایشه",
    "صدیقه",
    "ناهید",
    "محبوبه",
    "حلیمه",
    "معصومه",
    "تمنا",
    "بهار",
    "مژگان",
    "فرزانه",
    "نازیلا",
];

/// Dari family names, where one is used (often a recent choice, not shared by the whole family).
pub static FA_FAMILY: &[&str] = &[
    "احمدی",
    "محمدی",
    "رحیمی",
    "حیدری",
    "نوری",
    "صدیقی",
    "حسینی",
    "کریمی",
    "عزیزی",
    "هاشمی",
    "قادری",
    "یوسفی",
    "رسولی",
    "نظری",
    "امیری",
    "اکبری",
    "جعفری",
    "رضایی",
    "سلطانی",
    "عثمانی",
    "فضلی",
    "قاسمی",
    "کاظمی",
    "مرادی",
    "نادری",
    "وحیدی",
    "همتی",
    "سادات",
    "فاروقی",
    "جلالی",
    "واعظی",
    "شریفی",
    "حبیبی",
    "طاهری",
    "نیازی",
    "سروری",
    "ابراهیمی",
    "اسدی",
    "بهادری",
    "توحیدی",
    "پوپل",
    "رحمانی",
];

/// Pashto male given names (Afghan usage), often compound.
pub static PS_MALE: &[&str] = &[
    "زلمی",
    "ګلاب",
    "ګل محمد",
    "ګل احمد",
    "میرویس",
    "شیر محمد",
    "خان محمد",
    "نور محمد",
    "ولی محمد",
    "دوست محمد",
    "لعل محمد",
    "اجمل",
    "اکمل",
    "بریالی",
    "ټوریالی",
    "پاینده",
    "سردار",
    "زرغون",
    "فضل الرحمن",
    "حبیب الله",
    "نجیب الله",
    "ذبیح الله",
    "عصمت الله",
    "سمیع الله",
    "رحمت الله",
    "کلیم الله",
    "عزیز الله",
    "امین الله",
    "انعام الله",
    "حکمت الله",
    "نعمت الله",
    "قدرت الله",
    "ظاهر",
    "احمد",
    "محمود",
    "رحیم",
    "جمعه خان",
    "تور خان",
    "ګلزار",
    "شاه ولي",
    "خوشحال",
    "ایمل",
    "وحید الله",
];

/// Pashto female given names (Afghan usage).
pub static PS_FEMALE: &[&str] = &[
    "ملالۍ",
    "زرغونه",
    "پلوشه",
    "ګلالۍ",
    "شاپېرۍ",
    "نازو",
    "وږمه",
    "سپوږمۍ",
    "ګلپاڼه",
    "هوسۍ",
    "ګلناز",
    "زرمینه",
    "نسرینه",
    "فاطمه",
    "مریم",
    "عایشه",
    "خدیجه",
    "زینب",
    "حلیمه",
    "رحیمه",
    "نجیبه",
    "شکیلا",
    "شبانه",
    "فریده",
    "حمیده",
    "سلیمه",
    "پروین",
    "ثمینه",
    "صدیقه",
    "کلثوم",
    "ګلشن",
    "مینه",
    "لیلما",
    "ښایسته",
    "بی بی ګل",
    "ګل بی بی",
    "نوریه",
    "شهلا",
    "ماریه",
    "سیمین",
    "روشنه",
    "ستورۍ",
];

/// Pashto family and tribal names, where one is used.
pub static PS_FAMILY: &[&str] = &[
    "احمدزی",
    "یوسفزی",
    "محمدزی",
    "پوپلزی",
    "بارکزی",
    "اڅکزی",
    "نورزی",
    "علیزی",
    "اسحاقزی",
    "کاکړ",
    "شینواری",
    "مومند",
    "افریدی",
    "خټک",
    "وزیر",
    "ستانکزی",
    "صافی",
    "هوتک",
    "توخی",
    "سلیمانخېل",
    "احمدخېل",
    "ځدران",
    "منګل",
    "جاجی",
    "خروټی",
    "تڼی",
    "ناصری",
    "اندړ",
    "ترکی",
    "مشواڼی",
    "لودین",
    "شېرزاد",
    "سهاک",
    "دراني",
    "غلجی",
    "کاسي",
    "مندوزی",
    "اکاخېل",
    "ملاخېل",
    "سلطانزی",
    "خوګیانی",
];

/// Armenian male given names with their genitive, used as the father's name (Աշոտ → Աշոտի).
pub static HY_MALE: &[(&str, &str)] = &[
    ("Արմեն", "Արմենի"),
    ("Աշոտ", "Աշոտի"),
    ("Գագիկ", "Գագիկի"),
    ("Տիգրան", "Տիգրանի"),
    ("Արամ", "Արամի"),
    ("Վարդան", "Վարդանի"),
    ("Հայկ", "Հայկի"),
    ("Դավիթ", "Դավթի"),
    ("Սարգիս", "Սարգսի"),
    ("Գևորգ", "Գևորգի"),
    ("Հովհաննես", "Հովհաննեսի"),
    ("Արտակ", "Արտակի"),
    ("Կարեն", "Կարենի"),
    ("Սամվել", "Սամվելի"),
    ("Արթուր", "Արթուրի"),
    ("Նարեկ", "Նարեկի"),
    ("Էդգար", "Էդգարի"),
    ("Վահե", "Վահեի"),
    ("Ռուբեն", "Ռուբենի"),
    ("Արսեն", "Արսենի"),
    ("Մհեր", "Մհերի"),
    ("Հրանտ", "Հրանտի"),
    ("Գրիգոր", "Գրիգորի"),
    ("Պետրոս", "Պետրոսի"),
    ("Մարտին", "Մարտինի"),
    ("Սուրեն", "Սուրենի"),
    ("Արման", "Արմանի"),
    ("Ավետիք", "Ավետիքի"),
    ("Լևոն", "Լևոնի"),
    ("Համլետ", "Համլետի"),
    ("Անդրանիկ", "Անդրանիկի"),
    ("Վազգեն", "Վազգենի"),
    ("Արշակ", "Արշակի"),
    ("Հակոբ", "Հակոբի"),
    ("Մկրտիչ", "Մկրտչի"),
    ("Խաչատուր", "Խաչատուրի"),
    ("Ռաֆայել", "Ռաֆայելի"),
    ("Երվանդ", "Երվանդի"),
    ("Գոռ", "Գոռի"),
    ("Էրիկ", "Էրիկի"),
    ("Ալեքսան", "Ալեքսանի"),
    ("Հարություն", "Հարությունի"),
    ("Մանուկ", "Մանուկի"),
];

/// Armenian female given names.
pub static HY_FEMALE: &[&str] = &[
    "Անահիտ",
    "Աննա",
    "Արմինե",
    "Աստղիկ",
    "Գայանե",
    "Հասմիկ",
    "Լուսինե",
    "Մարիամ",
    "Նարինե",
    "Նունե",
    "Սիրանուշ",
    "Տաթևիկ",
    "Լիլիթ",
    "Մարինե",
    "Անի",
    "Արփի",
    "Գոհար",
    "Զարուհի",
    "Հռիփսիմե",
    "Կարինե",
    "Լաուրա",
    "Մանե",
    "Նաիրա",
    "Ռուզաննա",
    "Սոնա",
    "Սյուզաննա",
    "Վարդուհի",
    "Քնարիկ",
    "Էլեն",
    "Էմմա",
    "Ալվարդ",
    "Արուսյակ",
    "Հերմինե",
    "Մելինե",
    "Նազելի",
    "Շուշան",
    "Սաթենիկ",
    "Սեդա",
    "Տաթև",
    "Քրիստինե",
    "Ինգա",
    "Լիանա",
    "Մարգարիտա",
];

/// Armenian family names (the same for women and men).
pub static HY_FAMILY: &[&str] = &[
    "Պետրոսյան",
    "Հովհաննիսյան",
    "Գրիգորյան",
    "Հարությունյան",
    "Սարգսյան",
    "Խաչատրյան",
    "Կարապետյան",
    "Ղազարյան",
    "Մկրտչյան",
    "Վարդանյան",
    "Գևորգյան",
    "Աբրահամյան",
    "Մանուկյան",
    "Ավետիսյան",
    "Պողոսյան",
    "Հակոբյան",
    "Մարտիրոսյան",
    "Սահակյան",
    "Դավթյան",
    "Առաքելյան",
    "Մելքոնյան",
    "Ավագյան",
    "Ստեփանյան",
    "Բաղդասարյան",
    "Մովսիսյան",
    "Եղիազարյան",
    "Գալստյան",
    "Ալեքսանյան",
    "Մինասյան",
    "Զաքարյան",
    "Ասատրյան",
    "Սիմոնյան",
    "Թադևոսյան",
    "Համբարձումյան",
    "Հովսեփյան",
    "Ներսիսյան",
    "Կիրակոսյան",
    "Գասպարյան",
    "Մարգարյան",
    "Բարսեղյան",
    "Սողոմոնյան",
    "Թովմասյան",
    "Օհանյան",
    "Միքայելյան",
];

/// Azerbaijani male given names (Latin script since 1991).
pub static AZ_MALE: &[&str] = &[
    "Əli",
    "Elçin",
    "Elnur",
    "Orxan",
    "Rəşad",
    "Tural",
    "Vüsal",
    "Kamran",
    "Rauf",
    "Ramin",
    "Fərid",
    "Anar",
    "Elvin",
    "Nicat",
    "Samir",
    "Rüfət",
    "Elşən",
    "Cavid",
    "Emin",
    "Fuad",
    "Zaur",
    "Vüqar",
    "Səbuhi",
    "Murad",
    "Natiq",
    "Tofiq",
    "Rövşən",
    "İlqar",
    "Mübariz",
    "Həsən",
    "Hüseyn",
    "Məmməd",
    "Rəsul",
    "Namiq",
    "Azər",
    "Vaqif",
    "Ceyhun",
    "Fəxri",
    "Şahin",
    "Elmar",
    "Kənan",
    "Xəyal",
    "Yusif",
    "Qədir",
    "Nurlan",
    "Toğrul",
    "Ülvi",
];

/// Azerbaijani female given names.
pub static AZ_FEMALE: &[&str] = &[
    "Aynur",
    "Aysel",
    "Günay",
    "Leyla",
    "Nərmin",
    "Səbinə",
    "Könül",
    "Lalə",
    "Ülviyyə",
    "Sevinc",
    "Gülnar",
    "Nigar",
    "Xədicə",
    "Fatimə",
    "Zəhra",
    "Aytən",
    "Türkan",
    "Şəbnəm",
    "Vüsalə",
    "Nərgiz",
    "Aygün",
    "Arzu",
    "Elnarə",
    "Samirə",
    "Rəna",
    "Səidə",
    "Pərvin",
    "Məleykə",
    "Zülfiyyə",
    "Gülşən",
    "Afət",
    "Aidə",
    "Kəmalə",
    "Səadət",
    "Mətanət",
    "Sevda",
    "Elmira",
    "Ləman",
    "Fidan",
    "Gülər",
    "Aygül",
    "Jalə",
    "Ramilə",
    "Esmira",
];

/// Azerbaijani family names, male form; -ov/-yev take -a for women, -li and -zadə do not.
pub static AZ_FAMILY: &[&str] = &[
    "Məmmədov",
    "Əliyev",
    "Həsənov",
    "Hüseynov",
    "Quliyev",
    "İsmayılov",
    "Abdullayev",
    "Mustafayev",
    "Əhmədov",
    "Rzayev",
    "Babayev",
    "Süleymanov",
    "Cəfərov",
    "Kərimov",
    "Məhərrəmov",
    "Nəsirov",
    "Orucov",
    "Qasımov",
    "Rəhimov",
    "Səfərov",
    "Vəliyev",
    "Zeynalov",
    "Bağırov",
    "Əsgərov",
    "Hacıyev",
    "İbrahimov",
    "Allahverdiyev",
    "Musayev",
    "Nəbiyev",
    "Salmanov",
    "Yusifov",
    "Tağıyev",
    "Şükürov",
    "Novruzov",
    "Sadıqov",
    "Əkbərov",
    "Hüseynli",
    "Məmmədli",
    "Cəfərli",
    "Əhmədli",
    "Rəhimli",
    "Əlizadə",
    "Vəlizadə",
    "Hacızadə",
];

/// Ukrainian female family name: adjectival -ський / -цький become -ська / -цька, -ов / -ьов /
/// -йов / -ев / -єв take -а; every other surname (Коваленко, Шевчук, Мельник) is unchanged.
#[must_use]
pub fn uk_female_family(male: &str) -> String {
    if let Some(stem) = male.strip_suffix("ий") {
        return format!("{stem}а");
    }
    if male.ends_with("ов") || male.ends_with("ев") || male.ends_with("єв") {
        return format!("{male}а");
    }
    male.to_owned()
}

/// Russian female family name: -ов / -ев / -ёв / -ин / -ын take -а, -ский / -цкий become
/// -ская / -цкая; -ых / -их and Ukrainian -ко, -ук are unchanged.
#[must_use]
pub fn ru_female_family(male: &str) -> String {
    if let Some(stem) = male.strip_suffix("кий") {
        return format!("{stem}кая");
    }
    let possessive = ["ов", "ев", "ёв", "ин", "ын"];
    if possessive.iter().any(|suffix| male.ends_with(suffix)) {
        return format!("{male}а");
    }
    male.to_owned()
}

/// Azerbaijani female family name: -ov / -yev / -ev take -a (Məmmədov → Məmmədova); native
/// forms in -li, -lı, -lu, -lü and -zadə are the same for women.
#[must_use]
pub fn az_female_family(male: &str) -> String {
    if male.ends_with("ov") || male.ends_with("ev") {
        return format!("{male}a");
    }
    male.to_owned()
}

/// The Azerbaijani patronymic: "[father's name] oğlu" for a son, "qızı" for a daughter.
#[must_use]
pub fn az_patronymic(father: &str, female: bool) -> String {
    if female {
        format!("{father} qızı")
    } else {
        format!("{father} oğlu")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn unique(name: &str, values: &[&str]) {
        let mut seen = HashSet::new();
        for value in values {
            assert!(seen.insert(*value), "{name}: {value} appears twice");
            assert_eq!(value.trim(), *value, "{name}: {value:?} has outer spaces");
        }
        assert!(values.len() >= 40, "{name} has only {} names", values.len());
    }

    #[test]
    fn tables_have_forty_unique_names_each() {
        let firsts = |table: &[WithPatronymics]| table.iter().map(|row| row.0).collect::<Vec<_>>();
        unique("UK_MALE", &firsts(UK_MALE));
        unique("UK_FEMALE", UK_FEMALE);
        unique("UK_FAMILY", UK_FAMILY);
        unique("RU_MALE", &firsts(RU_MALE));
        unique("RU_FEMALE", RU_FEMALE);
        unique("RU_FAMILY", RU_FAMILY);
        unique("AR_MALE", AR_MALE);
        unique("AR_FEMALE", AR_FEMALE);
        unique("AR_FAMILY", AR_FAMILY);
        unique("FA_MALE", FA_MALE);
        unique("FA_FEMALE", FA_FEMALE);
        unique("FA_FAMILY", FA_FAMILY);
        unique("PS_MALE", PS_MALE);
        unique("PS_FEMALE", PS_FEMALE);
        unique("PS_FAMILY", PS_FAMILY);
        unique(
            "HY_MALE",
            &HY_MALE.iter().map(|row| row.0).collect::<Vec<_>>(),
        );
        unique("HY_FEMALE", HY_FEMALE);
        unique("HY_FAMILY", HY_FAMILY);
        unique("AZ_MALE", AZ_MALE);
        unique("AZ_FEMALE", AZ_FEMALE);
        unique("AZ_FAMILY", AZ_FAMILY);
    }

    #[test]
    fn patronymic_tables_have_the_right_endings() {
        for (name, son, daughter) in UK_MALE {
            assert!(
                son.ends_with("ович") || son.ends_with("іч"),
                "{name}: {son}"
            );
            assert!(
                daughter.ends_with("івна") || daughter.ends_with("ївна"),
                "{name}: {daughter}"
            );
        }
        for (name, son, daughter) in RU_MALE {
            assert!(son.ends_with("вич") || son.ends_with("ич"), "{name}: {son}");
            assert!(
                daughter.ends_with("вна") || daughter.ends_with("ична"),
                "{name}: {daughter}"
            );
        }
        for (name, genitive) in HY_MALE {
            assert!(genitive.ends_with('ի'), "{name}: {genitive}");
        }
    }

    #[test]
    fn persian_and_pashto_use_persian_letters_and_arabic_uses_arabic_ones() {
        // ي U+064A and ك U+0643 are Arabic; Dari writes ی U+06CC and ک U+06A9.
        for name in FA_MALE.iter().chain(FA_FEMALE).chain(FA_FAMILY) {
            assert!(
                !name.contains(['\u{64A}', '\u{643}']),
                "Dari {name} uses an Arabic letter"
            );
        }
        for name in PS_MALE.iter().chain(PS_FEMALE).chain(PS_FAMILY) {
            assert!(!name.contains('\u{643}'), "Pashto {name} uses Arabic kaf");
        }
        for name in AR_MALE.iter().chain(AR_FEMALE).chain(AR_FAMILY) {
            assert!(
                !name.contains(['\u{6CC}', '\u{6A9}']),
                "Arabic {name} uses a Persian letter"
            );
        }
    }

    #[test]
    fn gendered_family_names() {
        assert_eq!(uk_female_family("Коваленко"), "Коваленко");
        assert_eq!(uk_female_family("Вишневський"), "Вишневська");
        assert_eq!(uk_female_family("Білецький"), "Білецька");
        assert_eq!(uk_female_family("Ковальов"), "Ковальова");
        assert_eq!(uk_female_family("Литвин"), "Литвин");
        assert_eq!(ru_female_family("Петров"), "Петрова");
        assert_eq!(ru_female_family("Соловьёв"), "Соловьёва");
        assert_eq!(ru_female_family("Ильин"), "Ильина");
        assert_eq!(ru_female_family("Покровский"), "Покровская");
        assert_eq!(ru_female_family("Черных"), "Черных");
        assert_eq!(ru_female_family("Бондаренко"), "Бондаренко");
        assert_eq!(az_female_family("Məmmədov"), "Məmmədova");
        assert_eq!(az_female_family("Əliyev"), "Əliyeva");
        assert_eq!(az_female_family("Hüseynli"), "Hüseynli");
        assert_eq!(az_female_family("Əlizadə"), "Əlizadə");
        assert_eq!(az_patronymic("Rauf", true), "Rauf qızı");
        assert_eq!(az_patronymic("Rauf", false), "Rauf oğlu");
    }

    #[test]
    fn language_tags_parse() {
        for culture in Culture::ALL {
            let tag: domain::LanguageTag = culture.language_tag().parse().unwrap();
            assert_eq!(Culture::from_language_tag(tag.as_str()), Some(culture));
        }
    }
}
