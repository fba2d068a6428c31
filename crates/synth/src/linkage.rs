//! Record-linkage benchmark data: the same fictional person written by several sources, in
//! several scripts and spellings, with a log of every corruption (issue 3, `bench/matching`).
//!
//! [`write_linkage`] writes, in the person-records CSV contract (`shared/bench/CONTRACT.md`):
//!
//! - `records.csv`: every record (the input of `dedupe`);
//! - `left.csv`: the detaining party's lists (mostly Russian-language Cyrillic, Arabic or
//!   Armenian script), and `right.csv`: visit registrations, family tracing requests and open
//!   sources (mostly Latin) — the two sides of `link`; `records.csv` is their union;
//! - `truth.csv` (`id,cluster_id`): the person behind every record;
//! - `hard_negatives.csv` (`cluster_id,other_cluster_id,kind`): the planted hard negatives, each
//!   a later person (`cluster_id`) made a `namesake` or the `son` of an earlier one (a bench
//!   analysis tells the false matches between them from the others);
//! - `corruptions.csv` (`id,corruptions`): what was done to each record and query, a
//!   `;`-separated list from [`CORRUPTIONS`] plus `script:<from>><to>` and `scheme:<name>`;
//! - `queries.csv`: tracing requests (not in `records.csv`) with the `truth_cluster` they should
//!   find.
//!
//! The romanisations and transliterations below are simple tables written for this generator
//! only. They are deliberately independent of the `names` crate, so that the engine is not
//! scored on data produced by its own tables, and they are as inconsistent as real lists are:
//! one source follows a standard, the next writes a name the way a French or German clerk would.
//!
//! Hard negatives are planted: namesakes (the same common name, another person with another
//! birth date, father and service number) and fathers and sons of the same name (the son is
//! born 20–35 years later and his patronymic is his father's given name).
//!
//! Every person, place and number is fictional; the same seed gives the same bytes.

use std::io::{self, Write};
use std::path::Path;

use crate::names::{self, Culture};
use crate::rng::{Rng, mix};

/// The contract columns, in the order written.
pub const LINKAGE_HEADER: [&str; 12] = [
    "id",
    "full_name",
    "given_name",
    "patronymic",
    "family_name",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "father_name",
    "mother_name",
    "service_number",
];

/// The corruption tokens without a parameter. `script:<from>><to>` (ISO 15924, lower case) and
/// `scheme:<name>` (one of [`SCHEMES`]) complete the vocabulary.
pub const CORRUPTIONS: &[&str] = &[
    "typo",
    "order_swap",
    "unsplit",
    "patronymic_dropped",
    "patronymic_initial",
    "given_diminutive",
    "given_cognate",
    "family_russified",
    "gender_form",
    "chain_shortened",
    "family_missing",
    "date_year_only",
    "date_swap_dm",
    "date_jan1",
    "date_off_by_one_year",
    "date_missing",
    "service_number_missing",
    "service_number_format",
    "service_number_typo",
    "father_missing",
    "sex_missing",
];

/// The spelling schemes a record may follow (`scheme:<name>`).
pub const SCHEMES: &[&str] = &[
    "uk_national_2010",
    "ru_icao_9303",
    "ru_gost_779b",
    "ru_bgn_pcgn",
    "french",
    "german",
    "english_press",
    "hy_eastern",
    "hy_eastern_ian",
    "hy_western",
    "hy_russian",
    "az_passport",
    "az_plain",
    "az_russian",
    "ar_common",
    "ar_rules",
    "lat_to_cyrl",
];

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkageConfig {
    /// The same seed gives the same bytes.
    pub seed: u64,
    /// How many records `records.csv` holds (persons are added until it is reached).
    pub records: usize,
    /// How many tracing-request queries `queries.csv` holds (at most one per person).
    pub queries: usize,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LinkageSummary {
    pub persons: usize,
    pub records: usize,
    pub left: usize,
    pub right: usize,
    pub queries: usize,
    pub namesakes: usize,
    pub fathers_and_sons: usize,
}

/// Where a record comes from; it decides the script, the layout and the habits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// The detaining party's list: Russian-language, often "FAMILY Given Patronymic" in one cell.
    List,
    /// A visit registration: Latin, the delegate's romanisation.
    Visit,
    /// A family's tracing request: the family's own script or a diaspora spelling, nicknames.
    Tracing,
    /// Open sources: English press spelling, partial names, an age instead of a date.
    Press,
}

/// How many rows each output is shuffled over: records of one person land in different blocks,
/// so that the row order does not give the clusters away.
const BLOCKS: usize = 64;

/// Writes the data set into `dir` (created if missing).
///
/// # Errors
/// When a file cannot be created or written.
pub fn write_linkage(config: &LinkageConfig, dir: &Path) -> io::Result<LinkageSummary> {
    std::fs::create_dir_all(dir)?;
    let mut left: Vec<Vec<u8>> = vec![Vec::new(); BLOCKS];
    let mut right: Vec<Vec<u8>> = vec![Vec::new(); BLOCKS];
    let mut truth =
        io::BufWriter::with_capacity(1 << 16, std::fs::File::create(dir.join("truth.csv"))?);
    let mut log =
        io::BufWriter::with_capacity(1 << 16, std::fs::File::create(dir.join("corruptions.csv"))?);
    let mut queries =
        io::BufWriter::with_capacity(1 << 16, std::fs::File::create(dir.join("queries.csv"))?);
    let mut hard = io::BufWriter::with_capacity(
        1 << 16,
        std::fs::File::create(dir.join("hard_negatives.csv"))?,
    );
    writeln!(truth, "id,cluster_id")?;
    writeln!(hard, "cluster_id,other_cluster_id,kind")?;
    writeln!(log, "id,corruptions")?;
    write_row(&mut queries, &LINKAGE_HEADER, Some("truth_cluster"))?;

    let mut summary = LinkageSummary::default();
    let mut recent: Vec<Person> = Vec::with_capacity(RECENT);
    // Persons average about 1.9 records; queries are spread evenly over them.
    let expected_persons = (config.records as f64 / 1.9).max(1.0);
    let query_rate = (config.queries as f64 / expected_persons).min(1.0);
    let mut number: u64 = 0;
    let mut row = Row::default();
    while summary.records < config.records {
        let index = summary.persons as u64;
        let mut rng = Rng::stream(config.seed, 0x4C49_4E4B, index);
        let (mut person, planted) = person(&mut rng, &recent, &mut summary);
        person.index = index;
        let cluster_of =
            |index: u64| format!("c{:016x}", mix(index ^ config.seed.rotate_left(17) ^ 0xC1));
        let cluster = cluster_of(index);
        if let Some((other, kind)) = planted {
            writeln!(hard, "{cluster},{},{kind}", cluster_of(other))?;
        }
        let count = (1 + (rng.unit().ln().abs() / 0.9) as usize).min(5);
        let count = count.min(config.records - summary.records);
        for k in 0..count {
            let source = if k == 0 {
                if rng.chance(0.6) {
                    Source::List
                } else {
                    Source::Visit
                }
            } else {
                [Source::List, Source::Visit, Source::Tracing, Source::Press]
                    [rng.weighted(&[15, 35, 35, 15])]
            };
            let id = format!(
                "r{:016x}",
                mix(number ^ config.seed.wrapping_mul(0x9E37_79B9))
            );
            number += 1;
            render(&person, source, &mut rng, &mut row);
            let block = rng.index(BLOCKS);
            let target = if source == Source::List {
                summary.left += 1;
                &mut left[block]
            } else {
                summary.right += 1;
                &mut right[block]
            };
            row.write(target, &id, None)?;
            writeln!(truth, "{id},{cluster}")?;
            writeln!(log, "{id},{}", row.log.join(";"))?;
            summary.records += 1;
        }
        if summary.queries < config.queries && rng.chance(query_rate) {
            summary.queries += 1;
            let id = format!("q{:07}", summary.queries);
            render(&person, Source::Tracing, &mut rng, &mut row);
            row.write(&mut queries, &id, Some(&cluster))?;
            writeln!(log, "{id},{}", row.log.join(";"))?;
        }
        if recent.len() < RECENT {
            recent.push(person);
        } else {
            let slot = rng.index(RECENT);
            recent[slot] = person;
        }
        summary.persons += 1;
    }
    truth.flush()?;
    hard.flush()?;
    log.flush()?;
    queries.flush()?;
    let header = {
        let mut bytes = Vec::new();
        write_row(&mut bytes, &LINKAGE_HEADER, None)?;
        bytes
    };
    let mut records =
        io::BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("records.csv"))?);
    records.write_all(&header)?;
    for block in 0..BLOCKS {
        records.write_all(&left[block])?;
        records.write_all(&right[block])?;
    }
    records.flush()?;
    for (name, blocks) in [("left.csv", left), ("right.csv", right)] {
        let mut out = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join(name))?);
        out.write_all(&header)?;
        for block in blocks {
            out.write_all(&block)?;
        }
        out.flush()?;
    }
    Ok(summary)
}

/// How many earlier persons are kept to draw namesakes and fathers from.
const RECENT: usize = 4096;

fn write_row(out: &mut impl Write, cells: &[&str], extra: Option<&str>) -> io::Result<()> {
    for (index, cell) in cells.iter().chain(extra.iter()).enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.write_all(b"\"")?;
            out.write_all(cell.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(cell.as_bytes())?;
        }
    }
    out.write_all(b"\n")
}

/// One record as written, with its corruption log.
#[derive(Default)]
struct Row {
    full_name: String,
    given: String,
    patronymic: String,
    family: String,
    sex: &'static str,
    birth_date: String,
    birth_place: String,
    nationality: &'static str,
    father: String,
    mother: String,
    service: String,
    log: Vec<String>,
}

impl Row {
    fn write(&self, out: &mut impl Write, id: &str, extra: Option<&str>) -> io::Result<()> {
        write_row(
            out,
            &[
                id,
                &self.full_name,
                &self.given,
                &self.patronymic,
                &self.family,
                self.sex,
                &self.birth_date,
                &self.birth_place,
                self.nationality,
                &self.father,
                &self.mother,
                &self.service,
            ],
            extra,
        )
    }
}

/// A fictional person, in the original script of the naming culture.
#[derive(Clone, Debug)]
struct Person {
    culture: Culture,
    female: bool,
    /// Index of the given name in the culture's male or female table.
    given: usize,
    /// Index of the father's given name in the male table.
    father: usize,
    /// Index of the paternal grandfather's given name (Arabic chains, the father's patronymic).
    grandfather: usize,
    /// Index of the family name (male form) in the family table; `None` for Afghan persons who
    /// use none.
    family: Option<usize>,
    mother: usize,
    mother_family: Option<usize>,
    birth: (i32, u32, u32),
    place: usize,
    service: Option<String>,
    /// The person's number in the data set (its cluster id is derived from it).
    index: u64,
}

fn male_count(culture: Culture) -> usize {
    match culture {
        Culture::Ukrainian => names::UK_MALE.len(),
        Culture::Russian => names::RU_MALE.len(),
        Culture::Arabic => names::AR_MALE.len(),
        Culture::Dari => names::FA_MALE.len(),
        Culture::Pashto => names::PS_MALE.len(),
        Culture::Armenian => names::HY_MALE.len(),
        Culture::Azerbaijani => names::AZ_MALE.len(),
    }
}

fn male(culture: Culture, index: usize) -> &'static str {
    match culture {
        Culture::Ukrainian => names::UK_MALE[index].0,
        Culture::Russian => names::RU_MALE[index].0,
        Culture::Arabic => names::AR_MALE[index],
        Culture::Dari => names::FA_MALE[index],
        Culture::Pashto => names::PS_MALE[index],
        Culture::Armenian => names::HY_MALE[index].0,
        Culture::Azerbaijani => names::AZ_MALE[index],
    }
}

fn female_table(culture: Culture) -> &'static [&'static str] {
    match culture {
        Culture::Ukrainian => names::UK_FEMALE,
        Culture::Russian => names::RU_FEMALE,
        Culture::Arabic => names::AR_FEMALE,
        Culture::Dari => names::FA_FEMALE,
        Culture::Pashto => names::PS_FEMALE,
        Culture::Armenian => names::HY_FEMALE,
        Culture::Azerbaijani => names::AZ_FEMALE,
    }
}

fn base_family_table(culture: Culture) -> &'static [&'static str] {
    match culture {
        Culture::Ukrainian => names::UK_FAMILY,
        Culture::Russian => names::RU_FAMILY,
        Culture::Arabic => names::AR_FAMILY,
        Culture::Dari => names::FA_FAMILY,
        Culture::Pashto => names::PS_FAMILY,
        Culture::Armenian => names::HY_FAMILY,
        Culture::Azerbaijani => names::AZ_FAMILY,
    }
}

/// Ukrainian surname stems, combined with -енко, -ук, -ишин and -ський as Ukrainian surnames
/// are formed (from a father's name, a trade or a nickname).
const UK_STEMS: &[&str] = &[
    "Бондар",
    "Ткач",
    "Гончар",
    "Кравч",
    "Шевч",
    "Марч",
    "Левч",
    "Сав",
    "Петр",
    "Іван",
    "Дмитр",
    "Остап",
    "Гнат",
    "Сидор",
    "Мирон",
    "Тарас",
    "Лук",
    "Мусі",
    "Кирил",
    "Данил",
    "Павл",
    "Юрч",
    "Гриц",
    "Степан",
    "Макар",
    "Пилип",
    "Клим",
    "Охрім",
    "Зінч",
    "Демч",
    "Федор",
    "Лисич",
    "Прокоп",
    "Тимч",
    "Бойч",
    "Рибал",
    "Чорн",
    "Білан",
    "Сірч",
    "Мартин",
    "Якимч",
    "Власч",
    "Головч",
    "Гаврил",
    "Харч",
    "Присяжн",
    "Довгал",
    "Кузьм",
    "Нестер",
    "Стец",
];
const UK_SUFFIXES: &[&str] = &["енко", "ук", "ишин", "ський"];

/// Russian surname stems, combined with -ов, -ин and -ский.
const RU_STEMS: &[&str] = &[
    "Волк",
    "Сокол",
    "Орл",
    "Кузнец",
    "Смирн",
    "Бел",
    "Карп",
    "Голуб",
    "Гусар",
    "Комар",
    "Жук",
    "Бобр",
    "Лис",
    "Ворон",
    "Грач",
    "Кочет",
    "Баран",
    "Бык",
    "Козл",
    "Мороз",
    "Снегир",
    "Сорок",
    "Шил",
    "Котл",
    "Мельник",
    "Плотник",
    "Кожевник",
    "Рыбак",
    "Пахом",
    "Панкрат",
    "Ерм",
    "Фом",
    "Прохор",
    "Тихон",
    "Лукьян",
    "Архип",
    "Савел",
    "Горд",
    "Ефим",
    "Демид",
    "Трофим",
    "Нагорн",
    "Заречн",
    "Полев",
    "Лесн",
    "Горбун",
    "Кудряв",
    "Рыж",
    "Черн",
    "Сед",
];
const RU_SUFFIXES: &[&str] = &["ов", "ин", "ский"];

/// The family names of a culture: the common names of `synth::names` first, then names formed
/// the way the culture forms them (stems with -енко, -ов; Armenian given names with -յան;
/// Azerbaijani with -ov, -li, -zadə; Dari -ی nisbas; Pashto -زی and -خېل lineages; Arabic
/// given names used as family names, with and without the article). A long tail of names is
/// what real lists have: without it every common name would be a crowd.
fn family_table(culture: Culture) -> &'static [String] {
    static TABLES: std::sync::OnceLock<Vec<Vec<String>>> = std::sync::OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        Culture::ALL
            .iter()
            .map(|&c| build_family_table(c))
            .collect()
    });
    let index = Culture::ALL.iter().position(|c| *c == culture).unwrap_or(0);
    &tables[index]
}

fn build_family_table(culture: Culture) -> Vec<String> {
    let mut table: Vec<String> = base_family_table(culture)
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
    let mut add = |name: String| {
        if !table.contains(&name) {
            table.push(name);
        }
    };
    let single = |names: &[&'static str]| -> Vec<&'static str> {
        names
            .iter()
            .copied()
            .filter(|n| !n.contains(' ') && !n.ends_with(['ی', 'ه', 'ۍ', 'ي']))
            .collect()
    };
    match culture {
        Culture::Ukrainian => {
            for stem in UK_STEMS {
                for suffix in UK_SUFFIXES {
                    add(format!("{stem}{suffix}"));
                }
            }
        }
        Culture::Russian => {
            for stem in RU_STEMS {
                for suffix in RU_SUFFIXES {
                    add(format!("{stem}{suffix}"));
                }
            }
        }
        Culture::Armenian => {
            for (stem, _) in names::HY_MALE {
                add(format!("{stem}յան"));
            }
        }
        Culture::Azerbaijani => {
            for stem in names::AZ_MALE {
                for suffix in ["ov", "li", "zadə"] {
                    add(format!("{stem}{suffix}"));
                }
            }
        }
        Culture::Arabic => {
            for stem in single(names::AR_MALE) {
                add(format!("ال{stem}"));
                add(stem.to_owned());
            }
        }
        Culture::Dari => {
            for stem in single(names::FA_MALE) {
                add(format!("{stem}ی"));
                add(format!("{stem}زاده"));
            }
        }
        Culture::Pashto => {
            let mut stems = single(names::PS_MALE);
            stems.extend(single(names::FA_MALE));
            for stem in stems {
                add(format!("{stem}زی"));
                add(format!("{stem}خېل"));
            }
        }
    }
    table
}

/// A rank-frequency (Zipf-like, exponent 1) choice: the first names of a table are the common
/// ones, so that common names collide as they do in real lists.
fn zipf(rng: &mut Rng, n: usize) -> usize {
    let x = (n as f64 + 1.0).powf(rng.unit()) - 1.0;
    (x as usize).min(n - 1)
}

/// A given name: half the time by rank (Олександр is common), half uniformly.
fn pick_given(rng: &mut Rng, n: usize) -> usize {
    if rng.chance(0.5) {
        zipf(rng, n)
    } else {
        rng.index(n)
    }
}

/// A family name: 30% from the common names by rank, 70% uniformly over the long tail.
fn pick_family(rng: &mut Rng, culture: Culture) -> usize {
    if rng.chance(0.3) {
        zipf(rng, base_family_table(culture).len())
    } else {
        rng.index(family_table(culture).len())
    }
}

const PLACES: &[&str] = &[
    "Velmora",
    "Ostrava Nova",
    "Kerenets",
    "Dubrivka",
    "Zarichne",
    "Lysohirka",
    "Sarnavan",
    "Tel Hamra",
    "Qaryat al-Nur",
    "Deh Sabz",
    "Kalai Naw",
    "Arpavan",
    "Nor Geghi",
    "Qaraqum",
    "Yeni Kend",
    "Borovsk",
    "Malyn Hai",
    "Sosnivka",
    "Krasny Yar",
    "Belovodsk",
];

/// A person, and when it is a planted hard negative, the number of the earlier person it was
/// drawn from and how (`namesake` or `son`).
fn person(
    rng: &mut Rng,
    recent: &[Person],
    summary: &mut LinkageSummary,
) -> (Person, Option<(u64, &'static str)>) {
    // Planted hard negatives, drawn from earlier persons of the same culture.
    if !recent.is_empty() {
        let roll = rng.unit();
        if roll < 0.05 {
            // A namesake: the same name, another person.
            let other = &recent[rng.index(recent.len())];
            summary.namesakes += 1;
            let mut namesake = fresh(rng, Some(other.culture), Some(other.female));
            namesake.given = other.given;
            namesake.father = other.father;
            namesake.grandfather = other.grandfather;
            namesake.family = other.family;
            namesake.birth.0 = other.birth.0 + [-2, -1, 0, 0, 1, 2][rng.index(6)];
            if namesake.birth == other.birth {
                namesake.birth.2 = namesake.birth.2 % 28 + 1;
            }
            return (namesake, Some((other.index, "namesake")));
        }
        if roll < 0.08 {
            // A son of the same name as an earlier man.
            let father = &recent[rng.index(recent.len())];
            if !father.female && father.birth.0 < 1985 {
                summary.fathers_and_sons += 1;
                let mut son = fresh(rng, Some(father.culture), Some(false));
                son.given = father.given;
                son.father = father.given;
                son.grandfather = father.father;
                son.family = father.family;
                son.birth.0 = father.birth.0 + rng.range(20, 36) as i32;
                return (son, Some((father.index, "son")));
            }
        }
    }
    (fresh(rng, None, None), None)
}

fn fresh(rng: &mut Rng, culture: Option<Culture>, female: Option<bool>) -> Person {
    let culture = culture.unwrap_or_else(|| Culture::ALL[rng.weighted(&[30, 20, 15, 10, 8, 9, 8])]);
    let female = female.unwrap_or_else(|| rng.chance(0.12));
    let males = male_count(culture);
    let given = if female {
        pick_given(rng, female_table(culture).len())
    } else {
        pick_given(rng, males)
    };
    let afghan = matches!(culture, Culture::Dari | Culture::Pashto);
    let family = if afghan && rng.chance(0.5) {
        None
    } else {
        Some(pick_family(rng, culture))
    };
    let year = rng.range(1962, 2007) as i32;
    let month = rng.range(1, 13) as u32;
    let day = rng.range(1, days_in(year, month) as i64 + 1) as u32;
    let service = if rng.chance(0.85) {
        let prefix = ["XA", "XB", "AL", "BF"][rng.index(4)];
        Some(format!("{prefix}-{:06}", rng.below(1_000_000)))
    } else {
        None
    };
    Person {
        culture,
        female,
        given,
        father: pick_given(rng, males),
        grandfather: pick_given(rng, males),
        family,
        mother: pick_given(rng, female_table(culture).len()),
        mother_family: Some(pick_family(rng, culture)),
        birth: (year, month, day),
        place: rng.index(PLACES.len()),
        service,
        index: 0,
    }
}

fn days_in(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The writing system a rendering ends in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// The culture's own script and language form.
    Original,
    /// Russian-language Cyrillic.
    Russian,
    /// Latin with a scheme.
    Latin(Scheme),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    UkNational,
    RuIcao,
    RuGost,
    RuBgn,
    French,
    German,
    English,
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Self::UkNational => "uk_national_2010",
            Self::RuIcao => "ru_icao_9303",
            Self::RuGost => "ru_gost_779b",
            Self::RuBgn => "ru_bgn_pcgn",
            Self::French => "french",
            Self::German => "german",
            Self::English => "english_press",
        }
    }
}

/// The name of a person in one language form, before script and layout.
struct Form {
    given: String,
    patronymic: String,
    family: String,
    father: String,
    mother: String,
}

fn render(person: &Person, source: Source, rng: &mut Rng, row: &mut Row) {
    row.log.clear();
    let culture = person.culture;
    let target = choose_target(culture, source, rng);
    let mut form = original_form(person);

    // Language form: Ukrainian names russified in Russian-language lists (and by some delegates).
    let russify = culture == Culture::Ukrainian
        && (target == Target::Russian
            || matches!(
                target,
                Target::Latin(Scheme::RuIcao | Scheme::RuGost | Scheme::RuBgn | Scheme::French)
            )
            || (source == Source::Press && rng.chance(0.3)));
    if russify {
        let (given, changed) = russified_given(person);
        if changed {
            row.log.push("given_cognate".into());
        }
        form.given = given;
        form.patronymic = russified_patronymic(person);
        let family = uk_to_ru_letters(&form.family);
        if family != form.family {
            row.log.push("family_russified".into());
        }
        form.family = family;
        form.father = uk_to_ru_letters(&form.father);
        form.mother = uk_to_ru_letters(&form.mother);
    }
    if matches!(source, Source::Tracing | Source::Press)
        && rng.chance(0.25)
        && let Some(short) = diminutive(&form.given)
    {
        form.given = short.to_owned();
        row.log.push("given_diminutive".into());
    }
    if person.female
        && rng.chance(0.1)
        && let Some(family) = person.family
    {
        let male_form = family_table(culture)[family].as_str();
        if form.family != male_form && (russify || culture != Culture::Ukrainian) {
            form.family = male_form.to_owned();
            row.log.push("gender_form".into());
        }
    }
    if culture == Culture::Arabic && form.patronymic.contains(' ') && rng.chance(0.4) {
        // "father grandfather" reduced to the father.
        form.patronymic = form.patronymic.split(' ').next().unwrap_or("").to_owned();
        row.log.push("chain_shortened".into());
    }

    // Script.
    let (given, patronymic, family, father, mother) = match target {
        Target::Original => (
            form.given,
            form.patronymic,
            form.family,
            form.father,
            form.mother,
        ),
        Target::Russian => {
            let from = culture.script_code().to_ascii_lowercase();
            if from != "cyrl" {
                row.log.push(format!("script:{from}>cyrl"));
            }
            let mut scheme = None;
            let mut conv = |text: &str| to_russian(culture, text, rng, &mut scheme);
            let out = (
                conv(&form.given),
                russian_patronymic(person, &form, &mut conv),
                conv(&form.family),
                conv(&form.father),
                conv(&form.mother),
            );
            if let Some(scheme) = scheme {
                row.log.push(format!("scheme:{scheme}"));
            }
            out
        }
        Target::Latin(scheme) => {
            let from = culture.script_code().to_ascii_lowercase();
            if from != "latn" {
                row.log.push(format!("script:{from}>latn"));
            }
            let mut used = None;
            let uk_form = culture == Culture::Ukrainian && !russify;
            let mut conv = |text: &str, family: bool| {
                to_latin(culture, text, scheme, family, uk_form, rng, &mut used)
            };
            let out = (
                conv(&form.given, false),
                conv(&form.patronymic, false),
                conv(&form.family, true),
                conv(&form.father, false),
                conv(&form.mother, false),
            );
            if let Some(used) = used {
                row.log.push(format!("scheme:{used}"));
            }
            out
        }
    };
    let mut given = given;
    let mut patronymic = patronymic;
    let mut family = family;

    // Layout.
    let press = source == Source::Press;
    if !patronymic.is_empty()
        && (press || rng.chance(if source == Source::List { 0.1 } else { 0.3 }))
    {
        patronymic.clear();
        row.log.push("patronymic_dropped".into());
    } else if !patronymic.is_empty() && rng.chance(0.05) {
        let initial: String = patronymic.chars().take(1).collect();
        patronymic = format!("{initial}.");
        row.log.push("patronymic_initial".into());
    }
    if family.is_empty() && person.family.is_some() {
        row.log.push("family_missing".into());
    } else if !family.is_empty() && source == Source::Press && rng.chance(0.05) {
        family.clear();
        row.log.push("family_missing".into());
    }
    // A typo in one name part, after the script is chosen (a clerk's slip).
    if rng.chance(0.15) {
        let part = rng.index(3);
        let text = match part {
            0 => &mut given,
            1 => &mut family,
            _ => &mut patronymic,
        };
        if text.chars().count() >= 3 {
            *text = typo(text, rng);
            row.log.push("typo".into());
        }
    }
    let swap = rng.chance(0.08);
    if swap && !family.is_empty() {
        std::mem::swap(&mut given, &mut family);
        row.log.push("order_swap".into());
    }
    row.full_name.clear();
    let unsplit_rate = match source {
        Source::List => 0.4,
        Source::Press => 0.5,
        _ => 0.1,
    };
    if rng.chance(unsplit_rate) {
        row.log.push("unsplit".into());
        let upper_family = source == Source::List && !swap;
        let family_cell = if upper_family {
            family.to_uppercase()
        } else {
            family.clone()
        };
        let parts: Vec<&str> = if source == Source::List || rng.chance(0.3) {
            vec![&family_cell, &given, &patronymic]
        } else {
            vec![&given, &patronymic, &family_cell]
        };
        row.full_name = parts
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        row.given.clear();
        row.patronymic.clear();
        row.family.clear();
    } else {
        row.given = given;
        row.patronymic = patronymic;
        row.family = family;
    }

    // Other fields.
    row.sex = if rng.chance(if press { 0.5 } else { 0.05 }) {
        row.log.push("sex_missing".into());
        ""
    } else if person.female {
        "F"
    } else {
        "M"
    };
    birth_date(person, source, rng, row);
    row.birth_place.clear();
    if rng.chance(if press { 0.1 } else { 0.5 }) {
        row.birth_place.push_str(PLACES[person.place]);
    }
    row.nationality = if rng.chance(0.8) {
        match culture {
            Culture::Ukrainian | Culture::Armenian | Culture::Azerbaijani => "XA",
            _ => "XB",
        }
    } else {
        ""
    };
    let father_rate = match source {
        Source::List => 0.5,
        Source::Visit => 0.6,
        Source::Tracing => 0.8,
        Source::Press => 0.05,
    };
    if father.is_empty() || !rng.chance(father_rate) {
        row.father.clear();
        if !father.is_empty() && source != Source::Press {
            row.log.push("father_missing".into());
        }
    } else {
        row.father = father;
    }
    row.mother = if source == Source::Tracing && rng.chance(0.6) {
        mother
    } else {
        String::new()
    };
    row.service.clear();
    if let Some(number) = &person.service {
        let rate = match source {
            Source::List => 0.75,
            Source::Visit => 0.6,
            Source::Tracing => 0.4,
            Source::Press => 0.02,
        };
        if !rng.chance(rate) {
            if source != Source::Press {
                row.log.push("service_number_missing".into());
            }
        } else if rng.chance(0.1) {
            row.service = typo_digits(number, rng);
            row.log.push("service_number_typo".into());
        } else if rng.chance(0.2) {
            row.service = number.replace('-', if rng.chance(0.5) { " " } else { "" });
            row.log.push("service_number_format".into());
        } else {
            row.service.push_str(number);
        }
    }
}

fn choose_target(culture: Culture, source: Source, rng: &mut Rng) -> Target {
    use Scheme::*;
    let latin_for = |rng: &mut Rng| -> Scheme {
        match culture {
            Culture::Ukrainian => [UkNational, RuIcao, German, English, French, RuBgn]
                [rng.weighted(&[45, 15, 10, 15, 5, 10])],
            Culture::Russian => [RuIcao, RuBgn, RuGost, French, German, English]
                [rng.weighted(&[35, 20, 10, 10, 10, 15])],
            _ => English,
        }
    };
    match source {
        Source::List => match culture {
            Culture::Ukrainian | Culture::Russian => Target::Russian,
            Culture::Armenian | Culture::Azerbaijani => {
                if rng.chance(0.6) {
                    Target::Russian
                } else {
                    Target::Original
                }
            }
            _ => match rng.weighted(&[65, 15, 20]) {
                0 => Target::Original,
                1 => Target::Russian,
                _ => Target::Latin(English),
            },
        },
        Source::Visit => Target::Latin(latin_for(rng)),
        Source::Tracing => {
            if rng.chance(0.5) {
                Target::Original
            } else {
                Target::Latin(latin_for(rng))
            }
        }
        Source::Press => Target::Latin(match culture {
            Culture::Ukrainian => [English, UkNational][rng.weighted(&[70, 30])],
            Culture::Russian => [English, RuBgn][rng.weighted(&[70, 30])],
            _ => English,
        }),
    }
}

fn original_form(person: &Person) -> Form {
    let culture = person.culture;
    let female = person.female;
    let given = if female {
        female_table(culture)[person.given].to_owned()
    } else {
        male(culture, person.given).to_owned()
    };
    let family_male = person.family.map(|i| family_table(culture)[i].as_str());
    let gendered = |male: &str, female: bool| -> String {
        if !female {
            return male.to_owned();
        }
        match culture {
            Culture::Ukrainian => names::uk_female_family(male),
            Culture::Russian => names::ru_female_family(male),
            Culture::Azerbaijani => names::az_female_family(male),
            _ => male.to_owned(),
        }
    };
    let family = family_male.map(|m| gendered(m, female)).unwrap_or_default();
    let father_given = male(culture, person.father);
    let patronymic = match culture {
        Culture::Ukrainian => {
            let row = names::UK_MALE[person.father];
            if female { row.2 } else { row.1 }.to_owned()
        }
        Culture::Russian => {
            let row = names::RU_MALE[person.father];
            if female { row.2 } else { row.1 }.to_owned()
        }
        Culture::Armenian => names::HY_MALE[person.father].1.to_owned(),
        Culture::Azerbaijani => names::az_patronymic(father_given, female),
        Culture::Arabic => format!("{father_given} {}", male(culture, person.grandfather)),
        Culture::Dari | Culture::Pashto => father_given.to_owned(),
    };
    // The father's name as a family writes it: given name (and patronymic) and family name.
    let father = match culture {
        Culture::Ukrainian => format!("{father_given} {}", family_male.unwrap_or("")),
        Culture::Russian => format!("{father_given} {}", family_male.unwrap_or("")),
        Culture::Arabic => format!("{father_given} {}", male(culture, person.grandfather)),
        Culture::Dari | Culture::Pashto => father_given.to_owned(),
        Culture::Armenian | Culture::Azerbaijani => {
            format!("{father_given} {}", family_male.unwrap_or(""))
        }
    };
    let mother = match person.mother_family {
        Some(i) if !matches!(culture, Culture::Dari | Culture::Pashto) => {
            format!(
                "{} {}",
                female_table(culture)[person.mother],
                gendered(&family_table(culture)[i], true)
            )
        }
        _ => female_table(culture)[person.mother].to_owned(),
    };
    Form {
        given,
        patronymic,
        family,
        father: father.trim().to_owned(),
        mother,
    }
}

fn birth_date(person: &Person, source: Source, rng: &mut Rng, row: &mut Row) {
    let (mut year, mut month, mut day) = person.birth;
    row.birth_date.clear();
    let missing = match source {
        Source::Press => 0.3,
        _ => 0.05,
    };
    if rng.chance(missing) {
        row.log.push("date_missing".into());
        return;
    }
    if source == Source::Press || rng.chance(0.05) {
        // An age given instead of a date, or a clerk's slip: one year off.
        if rng.chance(0.5) {
            year += if rng.chance(0.5) { 1 } else { -1 };
            row.log.push("date_off_by_one_year".into());
        }
    }
    let year_only = match source {
        Source::Press => 0.8,
        Source::Tracing => 0.25,
        _ => 0.15,
    };
    if rng.chance(year_only) {
        row.log.push("date_year_only".into());
        row.birth_date = format!("{year:04}");
        return;
    }
    if rng.chance(0.04) {
        month = 1;
        day = 1;
        row.log.push("date_jan1".into());
    } else if day <= 12 && day != month && rng.chance(0.06) {
        std::mem::swap(&mut day, &mut month);
        row.log.push("date_swap_dm".into());
    }
    day = day.min(days_in(year, month));
    row.birth_date = format!("{year:04}-{month:02}-{day:02}");
}

fn typo(text: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let letters: Vec<usize> = (1..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    if letters.is_empty() {
        return text.to_owned();
    }
    let at = letters[rng.index(letters.len())];
    match rng.index(4) {
        0 => {
            chars.remove(at);
        }
        1 if at + 1 < chars.len() && chars[at + 1].is_alphabetic() => chars.swap(at, at + 1),
        2 => {
            let other = chars[letters[rng.index(letters.len())]];
            chars.insert(at, other.to_lowercase().next().unwrap_or(other));
        }
        _ => {
            // Substitute a letter of the same word, which stays in the same script.
            let other = chars[letters[rng.index(letters.len())]];
            let other = if chars[at].is_uppercase() {
                other
            } else {
                other.to_lowercase().next().unwrap_or(other)
            };
            if other == chars[at] {
                chars.remove(at);
            } else {
                chars[at] = other;
            }
        }
    }
    chars.into_iter().collect()
}

fn typo_digits(number: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = number.chars().collect();
    let digits: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_ascii_digit())
        .collect();
    if digits.is_empty() {
        return number.to_owned();
    }
    let at = digits[rng.index(digits.len())];
    let old = chars[at].to_digit(10).unwrap_or(0);
    chars[at] = char::from_digit((old + 1 + rng.below(9) as u32) % 10, 10).unwrap_or('0');
    chars.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// Ukrainian and Russian forms.

/// Ukrainian given names and their Russian cognates (Олександр / Александр).
const UK_RU_GIVEN: &[(&str, &str)] = &[
    ("Олександр", "Александр"),
    ("Андрій", "Андрей"),
    ("Сергій", "Сергей"),
    ("Володимир", "Владимир"),
    ("Дмитро", "Дмитрий"),
    ("Микола", "Николай"),
    ("Олексій", "Алексей"),
    ("Михайло", "Михаил"),
    ("Іван", "Иван"),
    ("Юрій", "Юрий"),
    ("Василь", "Василий"),
    ("Петро", "Пётр"),
    ("Віктор", "Виктор"),
    ("Ігор", "Игорь"),
    ("Євген", "Евгений"),
    ("Анатолій", "Анатолий"),
    ("Віталій", "Виталий"),
    ("Валерій", "Валерий"),
    ("Артем", "Артём"),
    ("Костянтин", "Константин"),
    ("Леонід", "Леонид"),
    ("Геннадій", "Геннадий"),
    ("Федір", "Фёдор"),
    ("Кирило", "Кирилл"),
    ("Данило", "Даниил"),
    ("Семен", "Семён"),
    ("Павло", "Павел"),
    ("Григорій", "Григорий"),
    ("Станіслав", "Станислав"),
    ("Ілля", "Илья"),
    ("Микита", "Никита"),
    ("Олена", "Елена"),
    ("Ганна", "Анна"),
    ("Катерина", "Екатерина"),
    ("Наталія", "Наталья"),
    ("Тетяна", "Татьяна"),
    ("Ірина", "Ирина"),
    ("Світлана", "Светлана"),
    ("Юлія", "Юлия"),
    ("Марія", "Мария"),
    ("Надія", "Надежда"),
    ("Вікторія", "Виктория"),
    ("Анастасія", "Анастасия"),
    ("Любов", "Любовь"),
    ("Віра", "Вера"),
    ("Інна", "Инна"),
    ("Соломія", "Соломия"),
    ("Христина", "Кристина"),
    ("Дарина", "Дарья"),
    ("Софія", "Софья"),
    ("Марʼяна", "Марьяна"),
    ("Лілія", "Лилия"),
    ("Уляна", "Ульяна"),
    ("Діана", "Диана"),
    ("Євгенія", "Евгения"),
    ("Вероніка", "Вероника"),
    ("Аліна", "Алина"),
    ("Ніна", "Нина"),
    ("Раїса", "Раиса"),
    ("Зінаїда", "Зинаида"),
];

/// Diminutives and familiar forms a family or a newspaper uses.
const DIMINUTIVES: &[(&str, &str)] = &[
    ("Олександр", "Сашко"),
    ("Александр", "Саша"),
    ("Андрій", "Андрійко"),
    ("Андрей", "Андрюша"),
    ("Дмитро", "Дмитрик"),
    ("Дмитрий", "Дима"),
    ("Микола", "Миколка"),
    ("Николай", "Коля"),
    ("Олексій", "Льоша"),
    ("Алексей", "Лёша"),
    ("Михайло", "Михась"),
    ("Михаил", "Миша"),
    ("Іван", "Іванко"),
    ("Иван", "Ваня"),
    ("Юрій", "Юрко"),
    ("Юрий", "Юра"),
    ("Василь", "Василько"),
    ("Василий", "Вася"),
    ("Петро", "Петрусь"),
    ("Пётр", "Петя"),
    ("Сергій", "Сергійко"),
    ("Сергей", "Серёжа"),
    ("Володимир", "Володя"),
    ("Владимир", "Вова"),
    ("Євген", "Женя"),
    ("Евгений", "Женя"),
    ("Віктор", "Вітя"),
    ("Виктор", "Витя"),
    ("Павло", "Павлусь"),
    ("Павел", "Паша"),
    ("Костянтин", "Костя"),
    ("Константин", "Костя"),
    ("Анатолій", "Толя"),
    ("Анатолий", "Толя"),
    ("Ярослав", "Ярко"),
    ("Максим", "Макс"),
    ("Григорий", "Гриша"),
    ("Борис", "Боря"),
    ("Олена", "Оленка"),
    ("Елена", "Лена"),
    ("Катерина", "Катруся"),
    ("Екатерина", "Катя"),
    ("Наталія", "Наталка"),
    ("Наталья", "Наташа"),
    ("Тетяна", "Таня"),
    ("Татьяна", "Таня"),
    ("Марія", "Марічка"),
    ("Мария", "Маша"),
    ("Ольга", "Оля"),
    ("Ирина", "Ира"),
    ("Світлана", "Світланка"),
    ("Светлана", "Света"),
    ("Юлия", "Юля"),
    ("Анна", "Аня"),
    ("Ганна", "Ганнуся"),
    ("Анастасия", "Настя"),
    ("Արմեն", "Արմո"),
    ("Աշոտ", "Աշո"),
    ("Məmməd", "Məmo"),
    ("محمد", "حمودة"),
    ("عبد الله", "عبود"),
    ("Mohammad", "Mamad"),
    ("Ahmad", "Ahmadi"),
];

fn diminutive(given: &str) -> Option<&'static str> {
    DIMINUTIVES
        .iter()
        .find(|(full, _)| *full == given)
        .map(|(_, short)| *short)
}

/// The Russian form of a Ukrainian person's given name, and whether it differs.
fn russified_given(person: &Person) -> (String, bool) {
    let original = if person.female {
        names::UK_FEMALE[person.given]
    } else {
        names::UK_MALE[person.given].0
    };
    match UK_RU_GIVEN.iter().find(|(uk, _)| *uk == original) {
        Some((_, ru)) => ((*ru).to_owned(), true),
        None => (original.to_owned(), false),
    }
}

/// The Russian patronymic of a Ukrainian person: from the father's Russian cognate when the
/// Russian table has it (Олександрович → Александрович), else the Ukrainian one respelled.
fn russified_patronymic(person: &Person) -> String {
    let father = names::UK_MALE[person.father];
    let ru_father = UK_RU_GIVEN
        .iter()
        .find(|(uk, _)| *uk == father.0)
        .map(|(_, ru)| *ru);
    if let Some(row) = ru_father.and_then(|ru| names::RU_MALE.iter().find(|row| row.0 == ru)) {
        return if person.female { row.2 } else { row.1 }.to_owned();
    }
    let uk = if person.female { father.2 } else { father.1 };
    let respelled = uk_to_ru_letters(uk);
    // -івна is -овна in Russian.
    respelled.replace("ивна", "овна")
}

/// A Ukrainian name in Russian spelling, as a Russian-language clerk writes it: given names by
/// their Russian cognate (Олександр → Александр), other words letter by letter (і → и, є → е,
/// ї → и, ґ → г, -ій- → -ей-, the apostrophe dropped: Олійник → Олейник).
fn uk_to_ru_letters(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, word) in text.split(' ').enumerate() {
        if index > 0 {
            out.push(' ');
        }
        if let Some((_, ru)) = UK_RU_GIVEN.iter().find(|(uk, _)| *uk == word) {
            out.push_str(ru);
            continue;
        }
        let chars: Vec<char> = word.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            let next = chars.get(i + 1).copied();
            let inner = i > 0 && i + 2 < chars.len();
            match c {
                'і' if next == Some('й') && inner => out.push('е'),
                'і' | 'ї' => out.push('и'),
                'І' | 'Ї' => out.push('И'),
                'є' => out.push('е'),
                'Є' => out.push('Е'),
                'ґ' => out.push('г'),
                'Ґ' => out.push('Г'),
                'ʼ' | '\'' | '’' => {}
                c => out.push(c),
            }
        }
    }
    out
}

fn russian_patronymic(
    person: &Person,
    form: &Form,
    conv: &mut impl FnMut(&str) -> String,
) -> String {
    match person.culture {
        // An Armenian or Azerbaijani patronymic in a Russian list: Ашотович, Рауф оглы.
        Culture::Armenian => {
            let father = conv(male(Culture::Armenian, person.father));
            if father.is_empty() {
                return String::new();
            }
            format!(
                "{father}{}",
                if person.female {
                    "овна"
                } else {
                    "ович"
                }
            )
        }
        Culture::Azerbaijani => {
            let father = conv(male(Culture::Azerbaijani, person.father));
            format!(
                "{father} {}",
                if person.female {
                    "кызы"
                } else {
                    "оглы"
                }
            )
        }
        _ => conv(&form.patronymic),
    }
}

// ---------------------------------------------------------------------------------------------
// Scripts.

/// Writes a name in Russian-language Cyrillic.
fn to_russian(
    culture: Culture,
    text: &str,
    rng: &mut Rng,
    scheme: &mut Option<&'static str>,
) -> String {
    match culture {
        Culture::Ukrainian | Culture::Russian => text.to_owned(),
        Culture::Armenian => {
            *scheme = Some("hy_russian");
            words(text, armenian_to_russian)
        }
        Culture::Azerbaijani => {
            *scheme = Some("az_russian");
            words(text, az_to_russian)
        }
        Culture::Arabic | Culture::Dari | Culture::Pashto => {
            *scheme = Some("lat_to_cyrl");
            let mut inner = None;
            let latin = arabic_to_latin(text, rng, &mut inner, false);
            words(&latin, latin_to_cyrillic)
        }
    }
}

fn to_latin(
    culture: Culture,
    text: &str,
    scheme: Scheme,
    family: bool,
    uk_form: bool,
    rng: &mut Rng,
    used: &mut Option<&'static str>,
) -> String {
    if text.is_empty() {
        return String::new();
    }
    match culture {
        Culture::Ukrainian | Culture::Russian => {
            *used = Some(scheme.name());
            words(text, |word| cyrillic_to_latin(word, scheme, uk_form))
        }
        Culture::Armenian => {
            let variant = *used.get_or_insert_with(|| {
                ["hy_eastern", "hy_eastern_ian", "hy_western"][rng.weighted(&[60, 20, 20])]
            });
            words(text, |word| armenian_to_latin(word, variant))
        }
        Culture::Azerbaijani => {
            let variant = *used.get_or_insert_with(|| {
                ["az_passport", "az_plain", "az_russian"][rng.weighted(&[50, 30, 20])]
            });
            if variant == "az_russian" {
                let cyr = words(text, az_to_russian);
                words(&cyr, |word| cyrillic_to_latin(word, Scheme::RuIcao, false))
            } else {
                words(text, |word| az_to_latin(word, variant == "az_passport"))
            }
        }
        Culture::Arabic | Culture::Dari | Culture::Pashto => {
            arabic_to_latin(text, rng, used, family)
        }
    }
}

/// Applies a word transliteration to each space- or hyphen-separated word, keeping the
/// separators, and writes each Latin or Cyrillic word with a capital initial.
fn words(text: &str, mut word: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut current = String::new();
    let flush = |current: &mut String, out: &mut String, word: &mut dyn FnMut(&str) -> String| {
        if !current.is_empty() {
            let upper = current
                .chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase)
                && current.chars().filter(|c| c.is_alphabetic()).count() > 1;
            let lower = current.to_lowercase();
            let converted = word(&lower);
            if upper {
                out.push_str(&converted.to_uppercase());
            } else {
                out.push_str(&capitalise(&converted));
            }
            current.clear();
        }
    };
    for c in text.chars() {
        if c == ' ' || c == '-' {
            flush(&mut current, &mut out, &mut word);
            out.push(c);
        } else {
            current.push(c);
        }
    }
    flush(&mut current, &mut out, &mut word);
    out
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn is_cyr_vowel(c: char) -> bool {
    "аеёиоуыэюяіїєь ъ".contains(c)
}

/// Cyrillic (Ukrainian or Russian letters, lower case) to Latin with one scheme.
fn cyrillic_to_latin(word: &str, scheme: Scheme, uk: bool) -> String {
    use Scheme::*;
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev = if i == 0 { None } else { Some(chars[i - 1]) };
        let next = chars.get(i + 1).copied();
        let initial = prev.is_none();
        let after_vowel = prev.is_none_or(is_cyr_vowel);
        let between_vowels = prev.is_some_and(is_cyr_vowel) && next.is_some_and(is_cyr_vowel);
        // Conventional digraphs.
        if matches!(scheme, German | English) && c == 'к' && next == Some('с') {
            out.push('x');
            i += 2;
            continue;
        }
        if scheme == English && c == 'и' && next == Some('й') && i + 2 == chars.len() {
            out.push('y');
            i += 2;
            continue;
        }
        if scheme == English
            && c == 'а'
            && next == Some('н')
            && chars.get(i + 2) == Some(&'д')
            && chars.get(i + 3) == Some(&'р')
            && i + 4 == chars.len()
        {
            out.push_str("ander");
            i += 4;
            continue;
        }
        let s: &str = match (scheme, c) {
            (_, 'а') => "a",
            (_, 'б') => "b",
            (German, 'в') => "w",
            (_, 'в') => "v",
            (UkNational | English | German | French, 'г') if uk => {
                if scheme == UkNational && prev == Some('з') {
                    "gh"
                } else {
                    "h"
                }
            }
            (_, 'г') => "g",
            (_, 'ґ') => "g",
            (_, 'д') => "d",
            (RuBgn, 'е') if after_vowel => "ye",
            (German, 'е') if initial => "je",
            (English, 'е') if initial => "ye",
            (_, 'е') => "e",
            (RuIcao | UkNational, 'ё') => "e",
            (RuBgn, 'ё') => {
                if after_vowel {
                    "yë"
                } else {
                    "ë"
                }
            }
            (German, 'ё') => "jo",
            (French, 'ё') => "io",
            (_, 'ё') => "yo",
            (UkNational, 'є') => {
                if initial {
                    "ye"
                } else {
                    "ie"
                }
            }
            (German, 'є') => "je",
            (_, 'є') => "ye",
            (German, 'ж') => "sh",
            (French, 'ж') => "j",
            (_, 'ж') => "zh",
            (German, 'з') => "s",
            (_, 'з') => "z",
            (_, 'и') if uk => "y",
            (_, 'и') => "i",
            (UkNational, 'і') => "i",
            (RuGost, 'і') => "i'",
            (_, 'і') => "i",
            (UkNational, 'ї') => {
                if initial {
                    "yi"
                } else {
                    "i"
                }
            }
            (German, 'ї') => "ji",
            (_, 'ї') => "yi",
            (UkNational, 'й') => {
                if initial {
                    "y"
                } else {
                    "i"
                }
            }
            (RuIcao | French, 'й') => "i",
            (RuGost | German, 'й') => "j",
            (_, 'й') => "y",
            (_, 'к') => "k",
            (_, 'л') => "l",
            (_, 'м') => "m",
            (_, 'н') => "n",
            (_, 'о') => "o",
            (_, 'п') => "p",
            (_, 'р') => "r",
            (French | German, 'с') if between_vowels => "ss",
            (_, 'с') => "s",
            (_, 'т') => "t",
            (French, 'у') => "ou",
            (_, 'у') => "u",
            (_, 'ф') => "f",
            (RuGost, 'х') => "x",
            (German, 'х') => "ch",
            (_, 'х') => "kh",
            (RuGost, 'ц') => {
                if next.is_some_and(|n| "еиыйі".contains(n)) {
                    "c"
                } else {
                    "cz"
                }
            }
            (German, 'ц') => "z",
            (_, 'ц') => "ts",
            (German, 'ч') => "tsch",
            (French, 'ч') => "tch",
            (_, 'ч') => "ch",
            (German, 'ш') => "sch",
            (French, 'ш') => "ch",
            (_, 'ш') => "sh",
            (German, 'щ') => "schtsch",
            (French, 'щ') => "chtch",
            (RuGost, 'щ') => "shh",
            (_, 'щ') => "shch",
            (RuIcao, 'ъ') => "ie",
            (RuGost, 'ъ') => "``",
            (_, 'ъ') => "",
            (RuGost, 'ы') => "y'",
            (_, 'ы') => "y",
            (RuGost, 'ь') => "`",
            (RuBgn, 'ь') => "'",
            (_, 'ь') => "",
            (RuGost, 'э') => "e`",
            (_, 'э') => "e",
            (UkNational, 'ю') => {
                if initial {
                    "yu"
                } else {
                    "iu"
                }
            }
            (RuIcao, 'ю') => "iu",
            (German, 'ю') => "ju",
            (French, 'ю') => "iou",
            (_, 'ю') => "yu",
            (UkNational, 'я') => {
                if initial {
                    "ya"
                } else {
                    "ia"
                }
            }
            (RuIcao | French, 'я') => "ia",
            (German, 'я') => "ja",
            (_, 'я') => "ya",
            (_, 'ʼ' | '\'' | '’') => "",
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        out.push_str(s);
        i += 1;
    }
    out
}

/// Armenian (lower case) to Latin: Eastern (Petrosyan), Eastern with -ian (Petrosian) or
/// Western (Bedrosian).
fn armenian_to_latin(word: &str, variant: &str) -> String {
    let western = variant == "hy_western";
    let ian = variant != "hy_eastern";
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let initial = i == 0;
        if c == 'ո' && next == Some('ւ') {
            out.push('u');
            i += 2;
            continue;
        }
        if c == 'յ' && next == Some('ա') && chars.get(i + 2) == Some(&'ն') && i + 3 == chars.len()
        {
            out.push_str(if ian { "ian" } else { "yan" });
            i += 3;
            continue;
        }
        let s = match c {
            'ա' => "a",
            'բ' => {
                if western {
                    "p"
                } else {
                    "b"
                }
            }
            'գ' => {
                if western {
                    "k"
                } else {
                    "g"
                }
            }
            'դ' => {
                if western {
                    "t"
                } else {
                    "d"
                }
            }
            'ե' => {
                if initial {
                    "ye"
                } else {
                    "e"
                }
            }
            'զ' => "z",
            'է' => "e",
            'ը' => "y",
            'թ' => "t",
            'ժ' => "zh",
            'ի' => "i",
            'լ' => "l",
            'խ' => "kh",
            'ծ' => {
                if western {
                    "dz"
                } else {
                    "ts"
                }
            }
            'կ' => {
                if western {
                    "g"
                } else {
                    "k"
                }
            }
            'հ' => "h",
            'ձ' => {
                if western {
                    "ts"
                } else {
                    "dz"
                }
            }
            'ղ' => "gh",
            'ճ' => {
                if western {
                    "j"
                } else {
                    "ch"
                }
            }
            'մ' => "m",
            'յ' => {
                if initial {
                    "h"
                } else {
                    "y"
                }
            }
            'ն' => "n",
            'շ' => "sh",
            'ո' => {
                if initial {
                    "vo"
                } else {
                    "o"
                }
            }
            'չ' => "ch",
            'պ' => {
                if western {
                    "b"
                } else {
                    "p"
                }
            }
            'ջ' => {
                if western {
                    "ch"
                } else {
                    "j"
                }
            }
            'ռ' => "r",
            'ս' => "s",
            'վ' => "v",
            'տ' => {
                if western {
                    "d"
                } else {
                    "t"
                }
            }
            'ր' => "r",
            'ց' => "ts",
            'ւ' => "v",
            'փ' => "p",
            'ք' => "k",
            'և' => "ev",
            'օ' => "o",
            'ֆ' => "f",
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        out.push_str(s);
        i += 1;
    }
    out
}

/// Armenian (lower case) in Russian-language Cyrillic, as Soviet-era documents wrote it
/// (Պետրոսյան → Петросян, Հակոբ → Акоп).
fn armenian_to_russian(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == 'ո' && next == Some('ւ') {
            out.push('у');
            i += 2;
            continue;
        }
        if c == 'յ' && next == Some('ա') {
            out.push('я');
            i += 2;
            continue;
        }
        let s = match c {
            // Final voiced stops are written voiceless: Հակոբ → Акоп, Գևորգ → Геворк.
            'բ' if next.is_none() => "п",
            'գ' if next.is_none() => "к",
            'դ' if next.is_none() => "т",
            'ա' => "а",
            'բ' => "б",
            'գ' => "г",
            'դ' => "д",
            'ե' => "е",
            'զ' => "з",
            'է' => "э",
            'ը' => "ы",
            'թ' => "т",
            'ժ' => "ж",
            'ի' => "и",
            'լ' => "л",
            'խ' => "х",
            'ծ' => "ц",
            'կ' => "к",
            'հ' => {
                if i == 0 {
                    ""
                } else {
                    "г"
                }
            }
            'ձ' => "дз",
            'ղ' => "г",
            'ճ' => "ч",
            'մ' => "м",
            'յ' => "й",
            'ն' => "н",
            'շ' => "ш",
            'ո' => {
                if i == 0 {
                    "во"
                } else {
                    "о"
                }
            }
            'չ' => "ч",
            'պ' => "п",
            'ջ' => "дж",
            'ռ' => "р",
            'ս' => "с",
            'վ' => "в",
            'տ' => "т",
            'ր' => "р",
            'ց' => "ц",
            'ւ' => "в",
            'փ' => "п",
            'ք' => "к",
            'և' => "ев",
            'օ' => "о",
            'ֆ' => "ф",
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        out.push_str(s);
        i += 1;
    }
    out
}

/// Azerbaijani Latin (lower case) without its special letters: the passport style
/// (Məmmədov → Mammadov) or plain diacritic stripping (Memmedov).
fn az_to_latin(word: &str, passport: bool) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        let s = match c {
            'ə' => {
                if passport {
                    "a"
                } else {
                    "e"
                }
            }
            'ğ' => {
                if passport {
                    "gh"
                } else {
                    "g"
                }
            }
            'ı' => "i",
            'ö' => "o",
            'ü' => "u",
            'ş' => {
                if passport {
                    "sh"
                } else {
                    "s"
                }
            }
            'ç' => {
                if passport {
                    "ch"
                } else {
                    "c"
                }
            }
            'x' => {
                if passport {
                    "kh"
                } else {
                    "x"
                }
            }
            'q' => {
                if passport {
                    "g"
                } else {
                    "q"
                }
            }
            'c' => {
                if passport {
                    "j"
                } else {
                    "c"
                }
            }
            'i' | 'İ' => "i",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(s);
    }
    out
}

/// Azerbaijani Latin (lower case) as a Russian-language list writes it: Məmmədov → Мамедов,
/// Həsənov → Гасенов, Hüseyn oğlu → Гусейн.
fn az_to_russian(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut schwa = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == 'i' && next == Some('y') && chars.get(i + 2) == Some(&'e') {
            out.extend("ие".chars());
            i += 3;
            continue;
        }
        if c == 'y' && next == Some('e') {
            out.push('е');
            i += 2;
            continue;
        }
        let s: &str = match c {
            'a' => "а",
            'b' => "б",
            'c' => "дж",
            'ç' => "ч",
            'd' => "д",
            'e' if i == 0 => "э",
            'e' => "е",
            'l' if next.is_some_and(|n| !"aeəiıoöuüy".contains(n)) => "ль",
            'ə' => {
                schwa += 1;
                if schwa == 1 { "а" } else { "е" }
            }
            'f' => "ф",
            'g' => "г",
            'ğ' => "г",
            'h' if next.is_none_or(|n| !"aeəiıoöuü".contains(n)) => "х",
            'h' => "г",
            'x' => "х",
            'ı' => "ы",
            'i' => "и",
            'j' => "ж",
            'k' => "к",
            'q' => "г",
            'l' => "л",
            'm' => "м",
            'n' => "н",
            'o' => "о",
            'ö' => "ё",
            'p' => "п",
            'r' => "р",
            's' => "с",
            'ş' => "ш",
            't' => "т",
            'u' => "у",
            'ü' => "у",
            'v' => "в",
            'y' => "й",
            'z' => "з",
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        for ch in s.chars() {
            // Russian spelling does not double the consonant: Məmmədov → Мамедов.
            if out.last() != Some(&ch) || "аеиоуыэюяё".contains(ch) {
                out.push(ch);
            }
        }
        i += 1;
    }
    // oğlu / qızı as a Russian list writes them.
    let word: String = out.into_iter().collect();
    match word.as_str() {
        "оглу" => "оглы".to_owned(),
        "гызы" => "кызы".to_owned(),
        _ => word,
    }
}

/// Latin (lower case) to Russian Cyrillic, as a Russian-language list writes a foreign name
/// (Mohammad → Мохаммад, Shir → Шир).
fn latin_to_cyrillic(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let pair = next.map(|n| (c, n));
        let two = match pair {
            Some(('s', 'h')) => Some("ш"),
            Some(('k', 'h')) => Some("х"),
            Some(('c', 'h')) => Some("ч"),
            Some(('z', 'h')) => Some("ж"),
            Some(('g', 'h')) => Some("г"),
            Some(('t', 'h')) => Some("с"),
            Some(('d', 'h')) => Some("з"),
            Some(('y', 'a')) => Some("я"),
            Some(('y', 'u')) => Some("ю"),
            Some(('y', 'o')) => Some("йо"),
            Some(('o', 'u')) => Some("у"),
            Some(('o', 'o')) => Some("у"),
            Some(('e', 'e')) => Some("и"),
            Some(('a', 'i')) if i + 2 == chars.len() => Some("ай"),
            _ => None,
        };
        if let Some(two) = two {
            out.push_str(two);
            i += 2;
            continue;
        }
        let s = match c {
            'a' => "а",
            'b' => "б",
            'c' => "к",
            'd' => "д",
            'e' => {
                if i == 0 {
                    "э"
                } else {
                    "е"
                }
            }
            'f' => "ф",
            'g' => "г",
            'h' => "х",
            'i' => "и",
            'j' => "дж",
            'k' => "к",
            'l' => "л",
            'm' => "м",
            'n' => "н",
            'o' => "о",
            'p' => "п",
            'q' => "к",
            'r' => "р",
            's' => "с",
            't' => "т",
            'u' => "у",
            'v' | 'w' => "в",
            'x' => "кс",
            'y' => {
                if next.is_none() {
                    "й"
                } else {
                    "ы"
                }
            }
            'z' => "з",
            '\'' | 'ʿ' | 'ʾ' => "",
            _ => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        out.push_str(s);
        i += 1;
    }
    out
}

/// Common Latin spellings of names written in Arabic script (Arabic, Dari, Pashto), the usual
/// one first. Names not listed here go through [`arabic_rules`].
const ARABIC_SPELLINGS: &[(&str, &[&str])] = &[
    (
        "محمد",
        &[
            "Mohammed", "Muhammad", "Mohamed", "Mohammad", "Muhamad", "Mohamad",
        ],
    ),
    ("أحمد", &["Ahmed", "Ahmad"]),
    ("احمد", &["Ahmad", "Ahmed"]),
    ("محمود", &["Mahmoud", "Mahmud", "Mahmood"]),
    ("علي", &["Ali", "Aly"]),
    ("علی", &["Ali"]),
    ("حسن", &["Hassan", "Hasan"]),
    ("حسين", &["Hussein", "Hussain", "Husayn", "Husein"]),
    ("حسین", &["Hussain", "Hossein", "Husain", "Hussein"]),
    ("خالد", &["Khaled", "Khalid"]),
    ("عمر", &["Omar", "Umar"]),
    ("يوسف", &["Youssef", "Yusuf", "Yousef", "Yousif"]),
    ("إبراهيم", &["Ibrahim", "Ebrahim", "Brahim"]),
    ("مصطفى", &["Mustafa", "Moustafa", "Mostafa"]),
    (
        "عبد الله",
        &["Abdullah", "Abdallah", "Abd Allah", "Abdulla"],
    ),
    (
        "عبد الرحمن",
        &[
            "Abdulrahman",
            "Abd al-Rahman",
            "Abdel Rahman",
            "Abdurrahman",
            "Abdelrahman",
        ],
    ),
    ("عبد الكريم", &["Abdulkarim", "Abd al-Karim", "Abdel Karim"]),
    (
        "عبد الرزاق",
        &["Abdulrazzaq", "Abd al-Razzaq", "Abdel Razek"],
    ),
    ("عبد القادر", &["Abdulkader", "Abd al-Qadir", "Abdelkader"]),
    ("سامر", &["Samer"]),
    ("سامي", &["Sami", "Samy"]),
    ("فادي", &["Fadi", "Fady"]),
    ("رامي", &["Rami", "Ramy"]),
    ("باسل", &["Basel", "Bassel", "Basil"]),
    ("وائل", &["Wael", "Wail"]),
    ("نبيل", &["Nabil", "Nabeel"]),
    ("جمال", &["Jamal", "Gamal", "Djamel"]),
    ("كمال", &["Kamal", "Kamel"]),
    ("هشام", &["Hisham", "Hesham"]),
    ("طارق", &["Tarek", "Tariq", "Tarik"]),
    ("زياد", &["Ziad", "Ziyad"]),
    ("فاطمة", &["Fatima", "Fatma", "Fatimah"]),
    ("عائشة", &["Aisha", "Aysha", "Aicha"]),
    ("مريم", &["Maryam", "Mariam", "Meryem"]),
    ("زينب", &["Zainab", "Zaynab", "Zeinab"]),
    ("خديجة", &["Khadija", "Khadijah", "Khadiga"]),
    ("سارة", &["Sara", "Sarah"]),
    ("رنا", &["Rana"]),
    ("ريم", &["Reem", "Rim"]),
    ("لينا", &["Lina", "Leena"]),
    ("هبة", &["Hiba", "Heba"]),
    ("نور", &["Nour", "Noor", "Nur"]),
    ("حلبي", &["Halabi", "Halaby"]),
    ("مصري", &["Masri", "Misri", "Masry"]),
    ("حمصي", &["Homsi", "Himsi"]),
    ("شامي", &["Shami", "Chami"]),
    ("خطيب", &["Khatib", "Khateeb"]),
    ("نجار", &["Najjar", "Najar", "Naggar"]),
    ("حداد", &["Haddad"]),
    ("أحمد", &["Ahmad", "Ahmed"]),
    ("سيد", &["Sayed", "Sayyid", "Sayyed"]),
    ("شيخ", &["Sheikh", "Shaikh", "Cheikh"]),
    ("صباغ", &["Sabbagh", "Sabagh"]),
    ("قاسم", &["Qasim", "Kassem", "Kasem"]),
    ("خليل", &["Khalil", "Khaleel"]),
    ("زعبي", &["Zoubi", "Zuabi", "Zoabi"]),
    ("حمود", &["Hammoud", "Hamoud"]),
    ("رحیم", &["Rahim", "Raheem"]),
    ("کریم", &["Karim", "Kareem"]),
    ("جاوید", &["Javid", "Jawed", "Javed"]),
    ("فرید", &["Farid", "Fareed"]),
    ("نوید", &["Navid", "Naweed", "Nawid"]),
    ("مسعود", &["Masood", "Massoud", "Masud"]),
    ("همایون", &["Humayun", "Homayoun"]),
    ("فرهاد", &["Farhad"]),
    ("شفیق", &["Shafiq", "Shafik"]),
    ("رفیع", &["Rafi", "Rafee"]),
    ("بصیر", &["Basir", "Baseer"]),
    ("نصیر", &["Nasir", "Naseer"]),
    ("غلام حضرت", &["Ghulam Hazrat", "Gholam Hazrat"]),
    ("محمد زمان", &["Mohammad Zaman", "Muhammad Zaman"]),
    ("فاطمه", &["Fatima", "Fatema"]),
    ("مریم", &["Maryam", "Mariam"]),
    ("زهرا", &["Zahra"]),
    ("شبنم", &["Shabnam"]),
    ("نرگس", &["Nargis", "Narges"]),
    ("لیلا", &["Laila", "Leila", "Lila"]),
    ("احمدی", &["Ahmadi"]),
    ("محمدی", &["Mohammadi", "Muhammadi"]),
    ("رحیمی", &["Rahimi"]),
    ("حیدری", &["Haidari", "Heydari", "Hayderi"]),
    ("نوری", &["Noori", "Nouri", "Nuri"]),
    ("صدیقی", &["Siddiqi", "Sediqi", "Sadiqi"]),
    ("حسینی", &["Hosseini", "Husaini", "Hussaini"]),
    ("کریمی", &["Karimi"]),
    ("عزیزی", &["Azizi"]),
    ("هاشمی", &["Hashimi", "Hashemi"]),
    ("زلمی", &["Zalmai", "Zalmay"]),
    ("ګلاب", &["Gulab", "Golab"]),
    ("ګل محمد", &["Gul Mohammad", "Gul Muhammad", "Gulmohammad"]),
    ("ګل احمد", &["Gul Ahmad", "Gulahmad"]),
    ("میرویس", &["Mirwais", "Mirwaiz"]),
    ("شیر محمد", &["Sher Mohammad", "Shir Muhammad"]),
    ("خان محمد", &["Khan Mohammad", "Khan Muhammad"]),
    ("نور محمد", &["Noor Mohammad", "Nur Muhammad"]),
    ("ولی محمد", &["Wali Mohammad", "Vali Muhammad"]),
    ("دوست محمد", &["Dost Mohammad", "Dost Muhammad"]),
    ("لعل محمد", &["Lal Mohammad"]),
    ("اجمل", &["Ajmal"]),
    ("اکمل", &["Akmal"]),
    ("بریالی", &["Baryalai", "Baryalay"]),
    ("ټوریالی", &["Toryalai", "Turyalai"]),
    ("ملالۍ", &["Malalai", "Malalay"]),
    ("زرغونه", &["Zarghuna", "Zarghona"]),
    ("پلوشه", &["Palwasha"]),
    ("ګلالۍ", &["Gulalai", "Gulalay"]),
    ("احمدزی", &["Ahmadzai", "Ahmadzay"]),
    ("یوسفزی", &["Yousafzai", "Yusufzai", "Yousufzai"]),
    ("محمدزی", &["Mohammadzai", "Muhammadzai"]),
    ("پوپلزی", &["Popalzai", "Popalzay"]),
    ("بارکزی", &["Barakzai", "Barakzay"]),
    ("اڅکزی", &["Achakzai", "Achekzai"]),
    ("نورزی", &["Noorzai", "Nurzai"]),
    ("علیزی", &["Alizai", "Alizay"]),
    ("کاکړ", &["Kakar"]),
    ("شینواری", &["Shinwari", "Shinwary"]),
    ("مومند", &["Mohmand", "Momand"]),
    ("افریدی", &["Afridi", "Apridi"]),
    ("خټک", &["Khattak", "Khatak"]),
    ("وزیر", &["Wazir", "Vazir"]),
    ("عبدالعلی", &["Abdul Ali", "Abdulali", "Abdol Ali"]),
    ("عبدالرحیم", &["Abdul Rahim", "Abdurrahim", "Abdulrahim"]),
    ("عبدالقادر", &["Abdul Qadir", "Abdulqader", "Abdul Kadir"]),
    ("سیف الله", &["Saifullah", "Sayfullah", "Saif Ullah"]),
    ("ذبیح الله", &["Zabihullah", "Zabiullah", "Zabih Ullah"]),
    ("امان الله", &["Amanullah", "Aman Ullah"]),
    ("حبیب الله", &["Habibullah", "Habib Ullah"]),
    ("نجیب الله", &["Najibullah", "Najeebullah"]),
];

/// A Latin spelling of a name in Arabic script. Compound names are looked up whole, then word
/// by word; the article of a family name is written `al-`, `Al `, `El-`, joined or dropped.
fn arabic_to_latin(
    text: &str,
    rng: &mut Rng,
    used: &mut Option<&'static str>,
    family: bool,
) -> String {
    if text.is_empty() {
        return String::new();
    }
    if let Some((_, spellings)) = ARABIC_SPELLINGS.iter().find(|(name, _)| *name == text) {
        used.get_or_insert("ar_common");
        return spellings[zipf(rng, spellings.len())].to_owned();
    }
    let mut parts = Vec::new();
    for word in text.split(' ') {
        let (article, stem) = match word.strip_prefix("ال") {
            Some(stem) if !stem.is_empty() => (true, stem),
            _ => (false, word),
        };
        let latin = match ARABIC_SPELLINGS.iter().find(|(name, _)| *name == stem) {
            Some((_, spellings)) => {
                used.get_or_insert("ar_common");
                spellings[zipf(rng, spellings.len())].to_owned()
            }
            None => {
                used.get_or_insert("ar_rules");
                capitalise(&arabic_rules(stem, rng.chance(0.5)))
            }
        };
        if article {
            let form = if family {
                rng.weighted(&[40, 20, 10, 10, 20])
            } else {
                rng.weighted(&[50, 10, 20, 20, 0])
            };
            parts.push(match form {
                0 => format!("al-{latin}"),
                1 => format!("Al {latin}"),
                2 => format!("El-{latin}"),
                3 => format!("Al{}", latin.to_lowercase()),
                _ => latin,
            });
        } else {
            parts.push(latin);
        }
    }
    parts.join(" ")
}

/// A rule-based romanisation for names the table lacks: consonants by the usual English
/// values, long vowels from ا و ی, and an `a` (or `e`) between consonants where short vowels
/// are not written.
fn arabic_rules(word: &str, e_vowel: bool) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() * 2);
    let mut last_consonant = false;
    for (i, &c) in chars.iter().enumerate() {
        let last = i + 1 == chars.len();
        let initial = i == 0;
        let vowel: Option<&str> = match c {
            'ا' | 'آ' | 'أ' => Some("a"),
            'إ' => Some("i"),
            // An initial ʿayn is heard as its vowel: عبدالعلی → Abdalali.
            'ع' if initial => Some("a"),
            'و' if !initial => Some(if last { "u" } else { "o" }),
            'ي' | 'ی' | 'ى' if !initial => Some("i"),
            'ې' => Some("e"),
            'ۍ' => Some("ai"),
            'ه' | 'ة' if last => Some(if e_vowel { "e" } else { "a" }),
            _ => None,
        };
        if let Some(v) = vowel {
            out.push_str(v);
            last_consonant = false;
            continue;
        }
        let consonant = match c {
            'ب' => "b",
            'پ' => "p",
            'ت' | 'ط' | 'ټ' => "t",
            'ث' => "s",
            'ج' => "j",
            'چ' => "ch",
            'ح' | 'ه' => "h",
            'خ' => "kh",
            'د' | 'ډ' => "d",
            'ذ' | 'ز' | 'ظ' | 'ض' => "z",
            'ر' | 'ړ' => "r",
            'ژ' => "zh",
            'س' | 'ص' => "s",
            'ش' | 'ښ' => "sh",
            'ع' => "",
            'غ' => "gh",
            'ف' => "f",
            'ق' => "q",
            'ك' | 'ک' => "k",
            'گ' | 'ګ' => "g",
            'ل' => "l",
            'م' => "m",
            'ن' | 'ڼ' => "n",
            'و' => "w",
            'ي' | 'ی' => "y",
            'ځ' => "dz",
            'څ' => "ts",
            'ء' | 'ئ' | 'ؤ' => "",
            _ => "",
        };
        if consonant.is_empty() {
            continue;
        }
        if last_consonant {
            out.push(if e_vowel { 'e' } else { 'a' });
        }
        out.push_str(consonant);
        last_consonant = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn romanisations_follow_their_tables() {
        assert_eq!(
            words("Олександр", |w| cyrillic_to_latin(
                w,
                Scheme::UkNational,
                true
            )),
            "Oleksandr"
        );
        assert_eq!(
            words("Коваленко", |w| cyrillic_to_latin(
                w,
                Scheme::German,
                false
            )),
            "Kowalenko"
        );
        assert_eq!(
            words("Юрій", |w| cyrillic_to_latin(
                w,
                Scheme::UkNational,
                true
            )),
            "Yurii"
        );
        assert_eq!(
            words("Згурський", |w| cyrillic_to_latin(
                w,
                Scheme::UkNational,
                true
            )),
            "Zghurskyi"
        );
        assert_eq!(
            words("Александр", |w| cyrillic_to_latin(
                w,
                Scheme::English,
                false
            )),
            "Alexander"
        );
        assert_eq!(
            words("Щербаков", |w| cyrillic_to_latin(
                w,
                Scheme::French,
                false
            )),
            "Chtcherbakov"
        );
        assert_eq!(
            words("Юрьевич", |w| cyrillic_to_latin(
                w,
                Scheme::RuIcao,
                false
            )),
            "Iurevich"
        );
        assert_eq!(
            words("Дмитрий", |w| cyrillic_to_latin(
                w,
                Scheme::English,
                false
            )),
            "Dmitry"
        );
        assert_eq!(
            words("Пётр", |w| cyrillic_to_latin(w, Scheme::RuBgn, false)),
            "Pëtr"
        );
        assert_eq!(
            words("КОВАЛЕНКО", |w| cyrillic_to_latin(
                w,
                Scheme::RuIcao,
                false
            )),
            "KOVALENKO"
        );
        assert_eq!(
            words("Պետրոսյան", |w| armenian_to_latin(w, "hy_eastern")),
            "Petrosyan"
        );
        assert_eq!(
            words("Պետրոսյան", |w| armenian_to_latin(w, "hy_western")),
            "Bedrosian"
        );
        assert_eq!(words("Պետրոսյան", armenian_to_russian), "Петросян");
        assert_eq!(words("Հակոբ", armenian_to_russian), "Акоп");
        assert_eq!(words("Գևորգ", armenian_to_russian), "Геворк");
        assert_eq!(words("Məmmədov", |w| az_to_latin(w, true)), "Mammadov");
        assert_eq!(words("Məmmədov", az_to_russian), "Мамедов");
        assert_eq!(words("Əhmədli", az_to_russian), "Ахмедли");
        assert_eq!(words("Elnur", az_to_russian), "Эльнур");
        assert_eq!(words("Hüseynov", az_to_russian), "Гусейнов");
        assert_eq!(words("Rauf oğlu", az_to_russian), "Рауф Оглы");
        assert_eq!(words("mohammad", latin_to_cyrillic), "Мохаммад");
        assert_eq!(uk_to_ru_letters("Олійник"), "Олейник");
        assert_eq!(uk_to_ru_letters("Петро Кушнір"), "Пётр Кушнир");
    }

    #[test]
    fn family_tables_have_a_long_tail_of_distinct_names() {
        for culture in Culture::ALL {
            let table = family_table(culture);
            let distinct: std::collections::HashSet<&String> = table.iter().collect();
            assert_eq!(distinct.len(), table.len(), "{culture:?}");
            assert!(table.len() >= 75, "{culture:?}: {}", table.len());
        }
    }

    #[test]
    fn every_table_name_has_a_latin_spelling() {
        let mut rng = Rng::new(3);
        for culture in [Culture::Arabic, Culture::Dari, Culture::Pashto] {
            assert!(family_table(culture).len() > base_family_table(culture).len());
            let family = family_table(culture).iter().map(String::as_str);
            for name in family.chain(female_table(culture).iter().copied()) {
                let mut used = None;
                let latin = arabic_to_latin(name, &mut rng, &mut used, true);
                assert!(!latin.is_empty() && latin.is_ascii(), "{name} -> {latin:?}");
            }
        }
    }
}
