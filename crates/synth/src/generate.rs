//! Building the data set: parties, bureaus, places and persons.

use std::fmt::Write as _;

use domain::{
    AbsenceReason, Conflict, ConflictId, FieldKey, LanguageTag, NamePartKind, Party, PartyId,
    PartyRole, PartyRoleAssignment, PersonCategory, PlaceKind, Sex,
};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::names::{self, Culture};
use crate::rng::Rng;
use crate::timeline::{self, Compliance, DAY, Ev, Notice};
use crate::world::{
    HOMOGLYPHS, PARTIES, PROTECTING_POWER, PartySpec, PlaceIndex, ServiceNumberStyle, UnitStyle,
};
use crate::{Config, Dataset, SynthBureau, SynthEvent, SynthNotification, SynthPerson, SynthPlace};

/// Random streams: one for the world, one per bureau, one per person.
const STREAM_WORLD: u64 = 1;
const STREAM_BUREAU: u64 = 2;
const STREAM_PERSON: u64 = 3;

/// How far back captures go.
const CAPTURE_WINDOW_DAYS: i64 = 120;

/// Generates a whole data set. Pure: the same `config` gives the same data set.
#[must_use]
pub fn generate(config: &Config) -> Dataset {
    let now = floor_to_minute(config.now);
    let mut world = Rng::stream(config.seed, STREAM_WORLD, 0);
    let conflict = Conflict {
        id: ConflictId::from_uuid(uuid(&mut world)),
        name: crate::world::CONFLICT_NAME.to_owned(),
        started_on: Some((now - Duration::days(CAPTURE_WINDOW_DAYS + 30)).date()),
    };
    let mut parties: Vec<Party> = PARTIES
        .iter()
        .map(|spec| Party {
            id: PartyId::from_uuid(uuid(&mut world)),
            name: spec.name.to_owned(),
            iso_country: spec.iso.to_owned(),
        })
        .collect();
    parties.push(Party {
        id: PartyId::from_uuid(uuid(&mut world)),
        name: PROTECTING_POWER.0.to_owned(),
        iso_country: PROTECTING_POWER.1.to_owned(),
    });
    let mut role_assignments = Vec::new();
    for party in &parties[..2] {
        for role in [PartyRole::DetainingPower, PartyRole::PowerOfOrigin] {
            role_assignments.push(PartyRoleAssignment {
                conflict: conflict.id,
                party: party.id,
                role,
                on_behalf_of: None,
            });
        }
        role_assignments.push(PartyRoleAssignment {
            conflict: conflict.id,
            party: parties[2].id,
            role: PartyRole::ProtectingPower,
            on_behalf_of: Some(party.id),
        });
    }
    let bureaus = (0..PARTIES.len())
        .map(|index| bureau(config, now, index))
        .collect();
    Dataset {
        conflict,
        parties,
        role_assignments,
        bureaus,
    }
}

/// `now` in UTC, with seconds and below cut off, so that every generated time is a whole minute.
fn floor_to_minute(now: OffsetDateTime) -> OffsetDateTime {
    let utc = now.to_offset(UtcOffset::UTC);
    utc - Duration::seconds(i64::from(utc.second()))
        - Duration::nanoseconds(i64::from(utc.nanosecond()))
}

/// Turns minutes relative to `now` into times, with the calendar days of the window looked up in
/// a table rather than computed for each of the millions of events.
struct Clock {
    now: OffsetDateTime,
    /// Minutes since midnight at `now`.
    minute_of_day: i64,
    /// `days[n]` is the date `n` days before `now`.
    days: Vec<Date>,
}

impl Clock {
    fn new(now: OffsetDateTime) -> Self {
        let days = (0..=CAPTURE_WINDOW_DAYS + 30)
            .map(|back| (now - Duration::days(back)).date())
            .collect();
        Self {
            now,
            minute_of_day: i64::from(now.hour()) * 60 + i64::from(now.minute()),
            days,
        }
    }

    fn at(&self, minutes: i64) -> OffsetDateTime {
        let since_midnight = self.minute_of_day + minutes;
        let back = usize::try_from(-since_midnight.div_euclid(DAY)).ok();
        let minute = since_midnight.rem_euclid(DAY);
        let time = Time::from_hms((minute / 60) as u8, (minute % 60) as u8, 0);
        match (back.and_then(|back| self.days.get(back)), time) {
            (Some(date), Ok(time)) => PrimitiveDateTime::new(*date, time).assume_utc(),
            _ => self.now + Duration::minutes(minutes),
        }
    }
}

fn uuid(rng: &mut Rng) -> uuid::Uuid {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
    bytes[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// What every person of a bureau shares.
struct Context<'a> {
    holder: &'a PartySpec,
    origin: &'a PartySpec,
    places: PlaceIndex,
    compliance: Compliance,
    units: Vec<String>,
    tags: Vec<(Culture, LanguageTag)>,
    culture_weights: Vec<u32>,
    rank_weights: Vec<u32>,
    clock: Clock,
    seed: u64,
    bureau: usize,
}

fn bureau(config: &Config, now: OffsetDateTime, index: usize) -> SynthBureau {
    let holder = &PARTIES[index];
    let holds = 1 - index;
    let origin = &PARTIES[holds];
    let mut rng = Rng::stream(config.seed, STREAM_BUREAU, index as u64);
    let places: Vec<SynthPlace> = holder
        .places
        .iter()
        .enumerate()
        .map(|(number, (kind, name, address))| SynthPlace {
            key: format!("p{:02}", number + 1),
            kind: *kind,
            name: (*name).to_owned(),
            postal_address: address.map(str::to_owned),
        })
        .collect();
    let kinds: Vec<PlaceKind> = places.iter().map(|place| place.kind).collect();
    // The units of the party whose nationals are held, as they write them.
    let units = (0..24)
        .map(|_| match origin.unit {
            UnitStyle::MilitaryUnitNumber => format!("в/ч {}", rng.range(10_000, 99_999)),
            UnitStyle::ArabicBattalion => {
                format!("الكتيبة {}، اللواء {}", rng.range(1, 60), rng.range(1, 30))
            }
        })
        .collect();
    let context = Context {
        holder,
        origin,
        places: PlaceIndex::new(&kinds),
        compliance: Compliance {
            on_time: holder.on_time,
            late: holder.late,
        },
        units,
        tags: origin
            .cultures
            .iter()
            .map(|(culture, _)| {
                let tag = culture
                    .language_tag()
                    .parse()
                    .unwrap_or_else(|error| panic!("built-in language tag: {error}"));
                (*culture, tag)
            })
            .collect(),
        culture_weights: origin.cultures.iter().map(|(_, weight)| *weight).collect(),
        rank_weights: origin.ranks.iter().map(|(_, weight)| *weight).collect(),
        clock: Clock::new(now),
        seed: config.seed,
        bureau: index,
    };
    let persons = persons(&context, config.persons_per_party);
    SynthBureau {
        slug: holder.bureau_slug.to_owned(),
        name: holder.bureau_name.to_owned(),
        party_index: index,
        holds_party_index: holds,
        places,
        persons,
    }
}

/// Persons below this many are generated on the calling thread.
const PARALLEL_THRESHOLD: usize = 4096;

/// The persons `0..count` of a bureau. Each person has its own random stream, so the work is split
/// over threads in contiguous chunks and joined in order: the result does not depend on the
/// number of threads.
fn persons(context: &Context<'_>, count: usize) -> Vec<SynthPerson> {
    let chunk = |range: std::ops::Range<usize>| {
        let mut scratch = Scratch::default();
        range
            .map(|number| person(context, number, &mut scratch))
            .collect::<Vec<_>>()
    };
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if count < PARALLEL_THRESHOLD || threads < 2 {
        return chunk(0..count);
    }
    let size = count.div_ceil(threads);
    let chunks: Vec<Vec<SynthPerson>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .step_by(size)
            .map(|start| {
                let range = start..(start + size).min(count);
                scope.spawn(move || chunk(range))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut persons = Vec::with_capacity(count);
    for mut part in chunks {
        persons.append(&mut part);
    }
    persons
}

/// A parent's name, kept as pieces of the tables and written out only when it is used.
#[derive(Clone, Copy)]
struct Parent {
    given: &'static str,
    /// The family name in its male form.
    family: Option<&'static str>,
    /// Forms the female family name from the male one, where the language has one.
    feminine: Option<fn(&str) -> String>,
}

impl Parent {
    const fn new(given: &'static str, family: Option<&'static str>) -> Self {
        Self {
            given,
            family,
            feminine: None,
        }
    }

    fn write(&self, out: &mut String) {
        out.push_str(self.given);
        if let Some(family) = self.family {
            out.push(' ');
            match self.feminine {
                Some(feminine) => out.push_str(&feminine(family)),
                None => out.push_str(family),
            }
        }
    }

    fn render(&self) -> String {
        let mut out = String::with_capacity(48);
        self.write(&mut out);
        out
    }

    /// The name followed by the relation in brackets: `Ганна Коваленко (мати)`.
    fn with_relation(&self, relation: &str) -> String {
        let mut out = String::with_capacity(64);
        self.write(&mut out);
        out.push_str(" (");
        out.push_str(relation);
        out.push(')');
        out
    }
}

/// A person's name and their parents' names, drawn for one culture.
struct DrawnName {
    parts: Vec<(NamePartKind, String)>,
    father: Parent,
    mother: Parent,
    /// How the culture writes "mother" and "father" after a person to inform.
    mother_word: &'static str,
    father_word: &'static str,
}

fn draw_name(rng: &mut Rng, culture: Culture, female: bool) -> DrawnName {
    use NamePartKind::{Family, Given, Grandfather, Patronymic};
    match culture {
        Culture::Ukrainian | Culture::Russian => {
            let ukrainian = culture == Culture::Ukrainian;
            let (male, female_given, family) = if ukrainian {
                (names::UK_MALE, names::UK_FEMALE, names::UK_FAMILY)
            } else {
                (names::RU_MALE, names::RU_FEMALE, names::RU_FAMILY)
            };
            let feminine: fn(&str) -> String = if ukrainian {
                names::uk_female_family
            } else {
                names::ru_female_family
            };
            let father = rng.pick(male);
            let family_male = rng.pick_str(family);
            let given = if female {
                rng.pick_str(female_given)
            } else {
                rng.pick(male).0
            };
            let surname = if female {
                feminine(family_male)
            } else {
                family_male.to_owned()
            };
            let patronymic = if female { father.2 } else { father.1 };
            // Surname, given name, patronymic: the order of domestic and military lists.
            let mut parts = Vec::with_capacity(3);
            parts.push((Family, surname));
            parts.push((Given, given.to_owned()));
            if rng.chance(0.95) {
                parts.push((Patronymic, patronymic.to_owned()));
            }
            let mother = Parent {
                feminine: Some(feminine),
                ..Parent::new(rng.pick_str(female_given), Some(rng.pick_str(family)))
            };
            let mut drawn = DrawnName {
                parts,
                father: Parent::new(father.0, Some(family_male)),
                mother,
                mother_word: if ukrainian { "мати" } else { "мать" },
                father_word: if ukrainian {
                    "батько"
                } else {
                    "отец"
                },
            };
            // Ё is often written Е (NAME-RU-1).
            if !ukrainian && rng.chance(0.3) {
                for (_, part) in &mut drawn.parts {
                    if part.contains('ё') {
                        *part = part.replace('ё', "е");
                    }
                }
            }
            drawn
        }
        Culture::Armenian => {
            let father = rng.pick(names::HY_MALE);
            let family = rng.pick_str(names::HY_FAMILY);
            let given = if female {
                rng.pick_str(names::HY_FEMALE)
            } else {
                rng.pick(names::HY_MALE).0
            };
            let mut parts = Vec::with_capacity(3);
            parts.push((Given, given.to_owned()));
            if rng.chance(0.5) {
                parts.push((Patronymic, father.1.to_owned()));
            }
            parts.push((Family, family.to_owned()));
            DrawnName {
                parts,
                father: Parent::new(father.0, Some(family)),
                mother: Parent::new(
                    rng.pick_str(names::HY_FEMALE),
                    Some(rng.pick_str(names::HY_FAMILY)),
                ),
                mother_word: "մայր",
                father_word: "հայր",
            }
        }
        Culture::Azerbaijani => {
            let father = rng.pick_str(names::AZ_MALE);
            let family_male = rng.pick_str(names::AZ_FAMILY);
            let given = if female {
                rng.pick_str(names::AZ_FEMALE)
            } else {
                rng.pick_str(names::AZ_MALE)
            };
            let surname = if female {
                names::az_female_family(family_male)
            } else {
                family_male.to_owned()
            };
            let mut parts = Vec::with_capacity(3);
            parts.push((Given, given.to_owned()));
            if rng.chance(0.7) {
                parts.push((Patronymic, names::az_patronymic(father, female)));
            }
            parts.push((Family, surname));
            let mother = Parent {
                feminine: Some(names::az_female_family),
                ..Parent::new(
                    rng.pick_str(names::AZ_FEMALE),
                    Some(rng.pick_str(names::AZ_FAMILY)),
                )
            };
            DrawnName {
                parts,
                father: Parent::new(father, Some(family_male)),
                mother,
                mother_word: "ana",
                father_word: "ata",
            }
        }
        Culture::Arabic => {
            let given = if female {
                rng.pick_str(names::AR_FEMALE)
            } else {
                rng.pick_str(names::AR_MALE)
            };
            let father = rng.pick_str(names::AR_MALE);
            let family = rng.pick_str(names::AR_FAMILY);
            // Given name, father's name, sometimes the grandfather's, family name.
            let mut parts = Vec::with_capacity(4);
            parts.push((Given, given.to_owned()));
            parts.push((Patronymic, father.to_owned()));
            if rng.chance(0.25) {
                parts.push((Grandfather, rng.pick_str(names::AR_MALE).to_owned()));
            }
            parts.push((Family, family.to_owned()));
            DrawnName {
                parts,
                father: Parent::new(father, Some(family)),
                // Syrian records give the mother's full name: given name and family name.
                mother: Parent::new(
                    rng.pick_str(names::AR_FEMALE),
                    Some(rng.pick_str(names::AR_FAMILY)),
                ),
                mother_word: "الأم",
                father_word: "الأب",
            }
        }
        Culture::Dari | Culture::Pashto => {
            let dari = culture == Culture::Dari;
            let (male, female_given, family) = if dari {
                (names::FA_MALE, names::FA_FEMALE, names::FA_FAMILY)
            } else {
                (names::PS_MALE, names::PS_FEMALE, names::PS_FAMILY)
            };
            let given = if female {
                rng.pick_str(female_given)
            } else {
                rng.pick_str(male)
            };
            let father = rng.pick_str(male);
            // A given name and the father's name; the grandfather's and a family or tribal name
            // only sometimes (NAME-AF-1).
            let mut parts = Vec::with_capacity(4);
            parts.push((Given, given.to_owned()));
            parts.push((Patronymic, father.to_owned()));
            if rng.chance(0.35) {
                parts.push((Grandfather, rng.pick_str(male).to_owned()));
            }
            if rng.chance(if dari { 0.3 } else { 0.4 }) {
                parts.push((Family, rng.pick_str(family).to_owned()));
            }
            DrawnName {
                parts,
                father: Parent::new(father, None),
                mother: Parent::new(rng.pick_str(female_given), None),
                mother_word: if dari { "مادر" } else { "مور" },
                father_word: if dari { "پدر" } else { "پلار" },
            }
        }
    }
}

/// Collects a person's fields and the reasons for missing ones.
#[derive(Default)]
struct Fields {
    absences: Vec<(FieldKey, AbsenceReason)>,
}

impl Fields {
    /// Records that `field` is absent for `reason`, and returns `None` for its value.
    fn absent(&mut self, field: FieldKey, reason: AbsenceReason) -> Option<String> {
        self.absences.push((field, reason));
        None
    }
}

/// Buffers reused from one person to the next.
#[derive(Default)]
struct Scratch {
    events: Vec<Ev>,
    notices: Vec<Notice>,
}

fn person(context: &Context<'_>, number: usize, scratch: &mut Scratch) -> SynthPerson {
    let seed_index = ((context.bureau as u64) << 40) | number as u64;
    let mut rng = Rng::stream(context.seed, STREAM_PERSON, seed_index);
    let rng = &mut rng;
    let origin = context.origin;

    let category = match rng.weighted(&[70, 14, 12, 4]) {
        0 => PersonCategory::PrisonerOfWar,
        1 => PersonCategory::CivilianInternee,
        2 => PersonCategory::ProtectedPersonInCustody,
        _ => PersonCategory::Unidentified,
    };
    let pow = category == PersonCategory::PrisonerOfWar;
    let unidentified = category == PersonCategory::Unidentified;
    let civilian = category.is_civilian();
    let female_share = match category {
        PersonCategory::PrisonerOfWar => origin.female_pow_share,
        PersonCategory::Unidentified => 0.05,
        _ => 0.45,
    };
    let female = rng.chance(female_share);
    let sex = if female { Sex::Female } else { Sex::Male };
    let (culture, tag) = &context.tags[rng.weighted(&context.culture_weights)];
    let culture = *culture;

    // Capture: spread over the window, with two surges (offensives) where more were taken.
    let days_back = if rng.chance(0.35) {
        let peak = if rng.chance(0.5) { 95.0 } else { 40.0 };
        peak + (rng.unit() - rng.unit()) * 8.0
    } else {
        rng.unit() * CAPTURE_WINDOW_DAYS as f64
    };
    let t0 = -((days_back.clamp(0.03, CAPTURE_WINDOW_DAYS as f64) * DAY as f64) as i64);
    let held_days = -t0 / DAY;
    let recent = held_days < 10;
    let captured_on = context.clock.at(t0).date();

    // Name.
    let drawn = draw_name(rng, culture, female);
    let mut parts = drawn.parts;
    if unidentified {
        // GC3-17-d: only what was heard or found on the person.
        let roll = rng.unit();
        let has_family = parts.iter().any(|(kind, _)| *kind == NamePartKind::Family);
        parts.retain(|(kind, _)| match kind {
            NamePartKind::Given => !(0.45..0.8).contains(&roll) || !has_family,
            NamePartKind::Family => roll >= 0.45,
            _ => false,
        });
    } else if rng.chance(0.03) {
        // Some lists write the whole name in one cell, not split into parts.
        let whole = parts
            .iter()
            .map(|(_, value)| value.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        parts = vec![(NamePartKind::Unsplit, whole)];
    }

    let mut fields = Fields::default();

    // Date of birth.
    let age_years = match category {
        PersonCategory::PrisonerOfWar => 19 + rng.range(0, 19) + rng.range(0, 19),
        PersonCategory::Unidentified => rng.range(20, 50),
        _ if rng.chance(0.03) => rng.range(15, 18),
        _ => rng.range(16, 76),
    };
    let minor = age_years < 18;
    let birth = Date::from_julian_day(
        captured_on.to_julian_day() - (age_years * 365 + age_years / 4 + rng.range(0, 365)) as i32,
    )
    .unwrap_or(captured_on);
    let birth_date = if unidentified {
        if rng.chance(0.7) {
            Some(format!("age:{age_years}@{}", iso(captured_on)))
        } else {
            fields.absent(FieldKey::BirthDate, AbsenceReason::Unknown)
        }
    } else if rng.chance(0.01) {
        fields.absent(FieldKey::BirthDate, AbsenceReason::Illegible)
    } else if civilian && recent && rng.chance(0.03) {
        fields.absent(FieldKey::BirthDate, AbsenceReason::NotYetCollected)
    } else {
        Some(birth_text(rng, culture, birth, age_years, captured_on))
    };

    // Place of birth, in the script of the name where the party's towns are written in it.
    let birth_place = if unidentified {
        fields.absent(FieldKey::BirthPlace, AbsenceReason::Unknown)
    } else if pow && rng.chance(0.05) {
        fields.absent(FieldKey::BirthPlace, AbsenceReason::DeclinedByPerson)
    } else if civilian && rng.chance(0.02) {
        fields.absent(FieldKey::BirthPlace, AbsenceReason::WithheldDetrimental)
    } else if recent && rng.chance(0.35) {
        fields.absent(FieldKey::BirthPlace, AbsenceReason::NotYetCollected)
    } else if rng.chance(0.01) {
        fields.absent(FieldKey::BirthPlace, AbsenceReason::Illegible)
    } else if rng.chance(0.85) {
        let (latin, native) = rng.pick(origin.towns);
        let native_script = culture.script_code() == origin.town_script;
        Some((*if native_script { native } else { latin }).to_owned())
    } else {
        None
    };

    let nationality = if unidentified && rng.chance(0.7) {
        fields.absent(FieldKey::Nationality, AbsenceReason::Unknown)
    } else if rng.chance(if recent { 0.08 } else { 0.02 }) {
        fields.absent(FieldKey::Nationality, AbsenceReason::NotYetCollected)
    } else {
        Some(origin.iso.to_owned())
    };

    let father_name = if unidentified {
        fields.absent(FieldKey::FatherName, AbsenceReason::Unknown)
    } else if pow && rng.chance(0.03) {
        fields.absent(FieldKey::FatherName, AbsenceReason::DeclinedByPerson)
    } else if recent && rng.chance(0.2) {
        fields.absent(FieldKey::FatherName, AbsenceReason::NotYetCollected)
    } else if rng.chance(0.65) {
        Some(drawn.father.render())
    } else {
        None
    };
    let mother_name = if unidentified {
        fields.absent(FieldKey::MotherName, AbsenceReason::Unknown)
    } else if pow && rng.chance(0.04) {
        fields.absent(FieldKey::MotherName, AbsenceReason::DeclinedByPerson)
    } else if rng.chance(if recent { 0.3 } else { 0.1 }) {
        fields.absent(FieldKey::MotherName, AbsenceReason::NotYetCollected)
    } else if rng.chance(0.5) {
        Some(drawn.mother.render())
    } else {
        None
    };

    let service_number = if civilian {
        if rng.chance(0.85) {
            fields.absent(FieldKey::ServiceNumber, AbsenceReason::NotApplicable)
        } else {
            None
        }
    } else if rng.chance(if unidentified { 0.8 } else { 0.03 }) {
        fields.absent(FieldKey::ServiceNumber, AbsenceReason::Unknown)
    } else if rng.chance(0.01) {
        fields.absent(FieldKey::ServiceNumber, AbsenceReason::Illegible)
    } else {
        Some(service_number(rng, origin.service_number))
    };

    let rank = if civilian {
        if rng.chance(0.7) {
            fields.absent(FieldKey::Rank, AbsenceReason::NotApplicable)
        } else {
            None
        }
    } else if unidentified {
        fields.absent(FieldKey::Rank, AbsenceReason::Unknown)
    } else if rng.chance(0.96) {
        Some(
            origin.ranks[rng.weighted(&context.rank_weights)]
                .0
                .to_owned(),
        )
    } else {
        None
    };

    let unit = if civilian {
        if rng.chance(0.6) {
            fields.absent(FieldKey::Unit, AbsenceReason::NotApplicable)
        } else {
            None
        }
    } else if unidentified {
        fields.absent(FieldKey::Unit, AbsenceReason::Unknown)
    } else if rng.chance(0.05) {
        fields.absent(FieldKey::Unit, AbsenceReason::DeclinedByPerson)
    } else if rng.chance(0.9) {
        Some(rng.pick(&context.units).clone())
    } else {
        None
    };

    let person_to_inform = if unidentified {
        None
    } else if civilian && rng.chance(0.02) {
        fields.absent(FieldKey::PersonToInform, AbsenceReason::WithheldDetrimental)
    } else if rng.chance(0.55) {
        Some(if rng.chance(0.6) {
            drawn.mother.with_relation(drawn.mother_word)
        } else {
            drawn.father.with_relation(drawn.father_word)
        })
    } else {
        None
    };

    let address = if unidentified {
        None
    } else if civilian && minor {
        fields.absent(FieldKey::Address, AbsenceReason::WithheldRiskToChild)
    } else if civilian && rng.chance(0.02) {
        fields.absent(FieldKey::Address, AbsenceReason::WithheldDetrimental)
    } else if recent && rng.chance(0.15) {
        fields.absent(FieldKey::Address, AbsenceReason::NotYetCollected)
    } else if rng.chance(0.4) {
        Some(address(rng, origin, culture))
    } else {
        None
    };

    let Scratch { events, notices } = scratch;
    timeline::events(rng, &context.places, category, t0, events);
    timeline::notifications(
        rng,
        &context.places,
        category,
        events,
        context.compliance,
        notices,
    );

    let mut reference = String::with_capacity(context.holder.reference_prefix.len() + 7);
    reference.push_str(context.holder.reference_prefix);
    let _ = write!(reference, "{:07}", number + 1);

    SynthPerson {
        reference,
        category,
        name_language: tag.clone(),
        parts,
        sex,
        birth_date,
        birth_place,
        nationality,
        father_name,
        mother_name,
        service_number,
        rank,
        unit,
        person_to_inform,
        address,
        absences: fields.absences,
        events: events
            .iter()
            .map(|event| synth_event(&context.clock, event))
            .collect(),
        notifications: notices
            .iter()
            .map(|notice| synth_notification(&context.clock, notice))
            .collect(),
    }
}

fn synth_event(clock: &Clock, event: &Ev) -> SynthEvent {
    SynthEvent {
        kind: event.kind,
        at: clock.at(event.t),
        place: event.place,
        place_to: event.place_to,
    }
}

fn synth_notification(clock: &Clock, notice: &Notice) -> SynthNotification {
    SynthNotification {
        rule: notice.rule,
        channel: notice.channel,
        event_index: notice.event_index,
        kind: notice.kind,
        at: clock.at(notice.t),
    }
}

/// `YYYY-MM-DD`.
pub(crate) fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        date.month() as u8,
        date.day()
    )
}

/// A date of birth as a list would write it: mostly full dates in Slavic, Armenian and
/// Azerbaijani lists (sometimes `DD.MM.YYYY`), more often a year, 1 January or an estimated age
/// in Afghan ones (NAME-AF-3).
fn birth_text(rng: &mut Rng, culture: Culture, birth: Date, age: i64, captured_on: Date) -> String {
    let year = birth.year();
    // Weights: full ISO, DD.MM.YYYY, year, ~year, year range, 1 January, age at capture.
    let weights: [u32; 7] = match culture {
        Culture::Ukrainian | Culture::Russian | Culture::Armenian | Culture::Azerbaijani => {
            [80, 14, 3, 2, 1, 0, 0]
        }
        Culture::Arabic => [68, 10, 14, 2, 4, 2, 0],
        Culture::Dari | Culture::Pashto => [28, 2, 25, 5, 3, 22, 15],
    };
    match rng.weighted(&weights) {
        0 => iso(birth),
        1 => format!("{:02}.{:02}.{year:04}", birth.day(), birth.month() as u8),
        2 => format!("{year:04}"),
        3 => format!("~{year:04}"),
        4 => format!("{:04}/{:04}", year - 1, year + 1),
        5 => format!("{year:04}-01-01"),
        _ => format!("age:{age}@{}", iso(captured_on)),
    }
}

fn service_number(rng: &mut Rng, style: ServiceNumberStyle) -> String {
    match style {
        ServiceNumberStyle::CyrillicPersonal => {
            let latin = rng.chance(0.1);
            let mut number = String::with_capacity(16);
            for _ in 0..2 {
                let (cyrillic, look_alike) = *rng.pick(&HOMOGLYPHS);
                number.push(if latin { look_alike } else { cyrillic });
            }
            let _ = write!(number, "-{:06}", rng.range(0, 1_000_000));
            number
        }
        ServiceNumberStyle::LatinSerial => {
            let digits = rng.range(1_000_000, 10_000_000);
            if rng.chance(0.05) {
                format!("RA{digits}")
            } else {
                format!("RA-{digits}")
            }
        }
    }
}

/// A home address in the party of origin, in the script of its towns where the name is written
/// in it, in Latin otherwise.
fn address(rng: &mut Rng, origin: &PartySpec, culture: Culture) -> String {
    let (latin, native) = rng.pick(origin.towns);
    let house = rng.range(1, 120);
    if culture.script_code() == origin.town_script {
        // Arabic script separates with the Arabic comma.
        let comma = if origin.town_script == "Arab" {
            "،"
        } else {
            ","
        };
        format!("{} {house}{comma} {native}", rng.pick(origin.streets))
    } else {
        format!(
            "{house} {} Street, {latin}, {}",
            LATIN_STREETS[rng.index(LATIN_STREETS.len())],
            origin.name
        )
    }
}

const LATIN_STREETS: [&str; 6] = ["Orchard", "Mill", "Station", "Cedar", "River", "School"];

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn clock_agrees_with_date_arithmetic() {
        let now = floor_to_minute(datetime!(2026-03-01 00:07:59.9 +03:00));
        assert_eq!(now, datetime!(2026-02-28 21:07 UTC));
        let clock = Clock::new(now);
        for minutes in (-400 * DAY..=0)
            .step_by(37)
            .chain([0, -1, -DAY, -1267, -1268])
        {
            assert_eq!(
                clock.at(minutes),
                now + Duration::minutes(minutes),
                "{minutes}"
            );
        }
    }
}
