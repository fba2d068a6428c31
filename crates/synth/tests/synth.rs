//! The synthetic data set: deterministic, valid under the domain's rules, and shaped like the
//! lists the bureaus exchange.

use std::collections::{HashMap, HashSet};

use domain::{
    AbsenceReason, Channel, DeadlinePolicy, Event, EventId, EventKind, FieldKey, NamePart,
    NamePartKind, Notification, NotificationId, PartialDate, PersonCategory, PersonFacts, PersonId,
    PlaceId, RuleId, Script, Sex, SourceId, Tally, obligations,
};
use synth::names::Culture;
use synth::{CSV_HEADER, Config, Dataset, SynthPerson, generate, write_persons_csv};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-06-15 09:30:27.5 UTC);

fn config(seed: u64, persons_per_party: usize) -> Config {
    Config {
        seed,
        persons_per_party,
        now: NOW,
    }
}

fn csv_of(dataset: &Dataset, bureau: usize) -> Vec<u8> {
    let mut out = Vec::new();
    write_persons_csv(&dataset.bureaus[bureau], &mut out).unwrap();
    out
}

fn all_persons(dataset: &Dataset) -> impl Iterator<Item = &SynthPerson> {
    dataset
        .bureaus
        .iter()
        .flat_map(|bureau| bureau.persons.iter())
}

#[test]
fn same_config_gives_byte_identical_data() {
    let first = generate(&config(42, 500));
    let second = generate(&config(42, 500));
    assert_eq!(first, second);
    for bureau in 0..2 {
        assert_eq!(csv_of(&first, bureau), csv_of(&second, bureau));
    }
}

#[test]
fn different_seeds_give_different_data() {
    let first = generate(&config(1, 200));
    let second = generate(&config(2, 200));
    assert_ne!(csv_of(&first, 0), csv_of(&second, 0));
    assert_ne!(csv_of(&first, 1), csv_of(&second, 1));
    assert_ne!(first.conflict.id, second.conflict.id);
}

#[test]
fn a_larger_data_set_starts_with_the_smaller_one() {
    // 5,000 persons are generated on several threads where there are several cores; 50 on one.
    let small = generate(&config(9, 50));
    let large = generate(&config(9, 5000));
    for (small, large) in small.bureaus.iter().zip(&large.bureaus) {
        assert_eq!(small.persons[..], large.persons[..50]);
    }
}

#[test]
fn counts_parties_and_bureaus() {
    let dataset = generate(&config(3, 321));
    assert_eq!(dataset.bureaus.len(), 2);
    let codes: Vec<&str> = dataset
        .parties
        .iter()
        .map(|party| party.iso_country.as_str())
        .collect();
    assert_eq!(codes, ["XA", "XB", "XS"]);
    for assignment in &dataset.role_assignments {
        assignment.validate().unwrap();
        assert_eq!(assignment.conflict, dataset.conflict.id);
    }
    for (index, bureau) in dataset.bureaus.iter().enumerate() {
        assert_eq!(bureau.persons.len(), 321);
        assert_eq!(bureau.party_index, index);
        assert_eq!(bureau.holds_party_index, 1 - index);
        let references: HashSet<&str> = bureau
            .persons
            .iter()
            .map(|p| p.reference.as_str())
            .collect();
        assert_eq!(references.len(), 321, "references are unique");
        let keys: HashSet<&str> = bureau.places.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys.len(), bureau.places.len());
        let holds = &dataset.parties[bureau.holds_party_index].iso_country;
        for person in &bureau.persons {
            if let Some(nationality) = &person.nationality {
                assert_eq!(nationality, holds);
            }
        }
    }
    assert_eq!(generate(&config(3, 0)).bureaus[0].persons.len(), 0);
}

#[test]
fn every_event_passes_the_domain_checks_in_order() {
    let dataset = generate(&config(7, 3000));
    let person_id = PersonId::from_uuid(uuid::Uuid::nil());
    let source = SourceId::from_uuid(uuid::Uuid::nil());
    for bureau in &dataset.bureaus {
        for person in &bureau.persons {
            assert_eq!(
                person.events[0].kind,
                EventKind::FellIntoPower,
                "{}",
                person.reference
            );
            let mut history: Vec<Event> = Vec::new();
            for (number, synthetic) in person.events.iter().enumerate() {
                assert!(
                    synthetic.at <= NOW,
                    "{} event in the future",
                    person.reference
                );
                if let Some(before) = history.last() {
                    assert!(
                        synthetic.at > before.occurred_at,
                        "{} events out of order",
                        person.reference
                    );
                }
                for place in [synthetic.place, synthetic.place_to].into_iter().flatten() {
                    assert!(place < bureau.places.len());
                }
                let event = Event {
                    id: EventId::from_uuid(uuid::Uuid::from_u128(number as u128 + 1)),
                    person: person_id,
                    kind: synthetic.kind,
                    occurred_at: synthetic.at,
                    recorded_at: NOW,
                    place: synthetic.place.map(place_id),
                    place_to: synthetic.place_to.map(place_id),
                    source,
                    locator: String::new(),
                    note: None,
                };
                if let Err(error) = event.check_against(&history) {
                    panic!(
                        "{}: event {number} ({}): {error}",
                        person.reference, synthetic.kind
                    );
                }
                history.push(event);
            }
            for notification in &person.notifications {
                assert!(
                    notification.at <= NOW,
                    "{} notification in the future",
                    person.reference
                );
                assert!(notification.event_index < person.events.len());
            }
        }
    }
}

#[test]
fn the_data_set_has_every_kind_of_event_and_open_obligations() {
    let dataset = generate(&config(11, 5000));
    let mut kinds: HashMap<EventKind, usize> = HashMap::new();
    let mut categories: HashMap<PersonCategory, usize> = HashMap::new();
    let (mut captures, mut cards, mut late_cards) = (0usize, 0usize, 0usize);
    let mut rules = HashSet::new();
    for person in all_persons(&dataset) {
        *categories.entry(person.category).or_default() += 1;
        for event in &person.events {
            *kinds.entry(event.kind).or_default() += 1;
        }
        for notification in &person.notifications {
            rules.insert((notification.rule, notification.channel));
        }
        if person.category == PersonCategory::PrisonerOfWar {
            captures += 1;
            let capture = &person.events[0];
            let card = person
                .notifications
                .iter()
                .find(|n| n.rule == RuleId::Gc3_70a && n.event_index == 0);
            if let Some(card) = card {
                cards += 1;
                if card.at - capture.at > time::Duration::days(7) {
                    late_cards += 1;
                }
            }
        }
    }
    for kind in EventKind::ALL {
        assert!(
            kinds.get(&kind).copied().unwrap_or(0) > 0,
            "no {kind} event"
        );
    }
    let total = 10_000.0;
    let pow_share = categories[&PersonCategory::PrisonerOfWar] as f64 / total;
    assert!((0.65..0.75).contains(&pow_share), "POW share {pow_share}");
    assert!(categories[&PersonCategory::Unidentified] > 0);
    // Capture cards: most sent, some late, some not (yet) sent.
    let sent = cards as f64 / captures as f64;
    assert!(
        (0.6..0.95).contains(&sent),
        "capture cards sent for {sent} of captures"
    );
    assert!(late_cards > 0);
    for expected in [
        (RuleId::Gc3_70a, Channel::Agency),
        (RuleId::Gc3_70a, Channel::Family),
        (RuleId::Gc3_122c, Channel::ProtectingPower),
        (RuleId::Gc3_122c, Channel::Agency),
        (RuleId::Gc3_122e, Channel::ProtectingPower),
        (RuleId::Gc3_122e, Channel::Agency),
        (RuleId::Gc3_122f, Channel::Agency),
        (RuleId::Gc3_46a, Channel::Internal),
        (RuleId::Gc3_120b, Channel::Bureau),
        (RuleId::Gc4_106a, Channel::Agency),
        (RuleId::Gc4_106a, Channel::Family),
        (RuleId::Gc4_136b, Channel::ProtectingPower),
        (RuleId::Gc4_136b, Channel::Agency),
        (RuleId::Gc4_138b, Channel::Agency),
        (RuleId::Gc4_129a, Channel::ProtectingPower),
        (RuleId::Ap1_33b, Channel::Agency),
    ] {
        assert!(
            rules.contains(&expected),
            "no {} notification on {}",
            expected.0,
            expected.1
        );
    }
}

/// The person's events and notifications as the domain records them, with dummy identifiers.
fn domain_records(person: &SynthPerson, id: PersonId) -> (Vec<Event>, Vec<Notification>) {
    let source = SourceId::from_uuid(uuid::Uuid::nil());
    let events: Vec<Event> = person
        .events
        .iter()
        .enumerate()
        .map(|(number, event)| Event {
            id: EventId::from_uuid(uuid::Uuid::from_u128(number as u128 + 1)),
            person: id,
            kind: event.kind,
            occurred_at: event.at,
            recorded_at: NOW,
            place: event.place.map(place_id),
            place_to: event.place_to.map(place_id),
            source,
            locator: String::new(),
            note: None,
        })
        .collect();
    let notifications = person
        .notifications
        .iter()
        .enumerate()
        .map(|(number, notification)| Notification {
            id: NotificationId::from_uuid(uuid::Uuid::from_u128(number as u128 + 1)),
            person: id,
            rule: notification.rule,
            trigger_event: Some(events[notification.event_index].id),
            channel: notification.channel,
            kind: notification.kind,
            sent_at: notification.at,
            source,
            reference: String::new(),
        })
        .collect();
    (events, notifications)
}

fn place_id(index: usize) -> PlaceId {
    PlaceId::from_uuid(uuid::Uuid::from_u128(index as u128 + 1))
}

#[test]
fn every_notification_meets_an_obligation_and_every_status_occurs() {
    let dataset = generate(&config(23, 3000));
    let policy = DeadlinePolicy::default();
    let mut statuses = Tally::default();
    let mut by_rule: HashMap<RuleId, Tally> = HashMap::new();
    for bureau in &dataset.bureaus {
        let place_kind = |id: PlaceId| {
            let index = usize::try_from(id.as_uuid().as_u128())
                .ok()?
                .checked_sub(1)?;
            bureau.places.get(index).map(|place| place.kind)
        };
        for (number, person) in bureau.persons.iter().enumerate() {
            let id = PersonId::from_uuid(uuid::Uuid::from_u128(number as u128 + 1));
            let (events, notifications) = domain_records(person, id);
            let facts = PersonFacts {
                person: id,
                category: person.category,
                events: &events,
                notifications: &notifications,
                place_kind: &place_kind,
            };
            let owed = obligations(&facts, &policy, NOW);
            for notification in &notifications {
                assert!(
                    owed.iter().any(|o| o.met_by == Some(notification.id)),
                    "{}: {} on {} for event {:?} meets nothing",
                    person.reference,
                    notification.rule,
                    notification.channel,
                    notification.trigger_event,
                );
            }
            for obligation in &owed {
                statuses.add(obligation.status);
                by_rule
                    .entry(obligation.rule)
                    .or_default()
                    .add(obligation.status);
            }
        }
    }
    assert!(
        statuses.due > 0 && statuses.overdue > 0 && statuses.done_late > 0,
        "{statuses:?}"
    );
    let on_time = statuses.done as f64 / statuses.total() as f64;
    assert!(
        (0.6..0.9).contains(&on_time),
        "{on_time} met on time: {statuses:?}"
    );
    for rule in [
        RuleId::Gc3_70a,
        RuleId::Gc3_122c,
        RuleId::Gc3_122e,
        RuleId::Gc4_136b,
    ] {
        let tally = by_rule[&rule];
        assert!(tally.done > 0 && tally.open() > 0, "{rule}: {tally:?}");
    }
}

fn expected_script(tag: &str) -> Script {
    match Culture::from_language_tag(tag).map(Culture::script_code) {
        Some("Cyrl") => Script::CYRILLIC,
        Some("Arab") => Script::ARABIC,
        Some("Armn") => Script::ARMENIAN,
        Some("Latn") => Script::LATIN,
        other => panic!("unexpected language {tag}: {other:?}"),
    }
}

#[test]
fn names_are_written_in_their_original_scripts() {
    let dataset = generate(&config(5, 3000));
    let mut languages: HashMap<(usize, String), usize> = HashMap::new();
    for (index, bureau) in dataset.bureaus.iter().enumerate() {
        for person in &bureau.persons {
            let tag = person.name_language.as_str();
            *languages.entry((index, tag.to_owned())).or_default() += 1;
            assert!(!person.parts.is_empty(), "{} has no name", person.reference);
            for (kind, value) in &person.parts {
                assert_eq!(
                    Script::detect(value),
                    expected_script(tag),
                    "{} {kind:?} {value}",
                    person.reference
                );
                let part = NamePart::new(*kind, value, Some(person.name_language.clone())).unwrap();
                assert_eq!(part.value(), value, "name parts are already normalised");
            }
        }
    }
    // Aldera's bureau holds Borovians; Borovia's holds Alderans.
    for tag in ["uk", "ru", "hy", "az-Latn"] {
        assert!(
            languages.contains_key(&(0, tag.to_owned())),
            "no {tag} names in bureau 0"
        );
    }
    for tag in ["ar", "fa-AF", "ps", "ru"] {
        assert!(
            languages.contains_key(&(1, tag.to_owned())),
            "no {tag} names in bureau 1"
        );
    }
}

#[test]
fn gendered_name_forms_agree_with_sex() {
    let dataset = generate(&config(13, 5000));
    let mut checked = 0;
    for person in all_persons(&dataset) {
        let family = person.part(NamePartKind::Family).unwrap_or("");
        let patronymic = person.part(NamePartKind::Patronymic);
        let female = person.sex == Sex::Female;
        match person.name_language.as_str() {
            "ru" => {
                if female {
                    for suffix in ["ов", "ев", "ёв", "ин", "ский"] {
                        assert!(
                            !family.ends_with(suffix),
                            "{}: female {family}",
                            person.reference
                        );
                    }
                    if let Some(patronymic) = patronymic {
                        assert!(
                            patronymic.ends_with("вна") || patronymic.ends_with("ична"),
                            "{patronymic}"
                        );
                    }
                    checked += 1;
                } else {
                    assert!(
                        !family.ends_with("ова") && !family.ends_with("ская"),
                        "male {family}"
                    );
                    if let Some(patronymic) = patronymic {
                        assert!(patronymic.ends_with("ич"), "{patronymic}");
                    }
                }
            }
            "uk" => {
                if female {
                    assert!(
                        !family.ends_with("ський") && !family.ends_with("ов"),
                        "female {family}"
                    );
                    if let Some(patronymic) = patronymic {
                        assert!(
                            patronymic.ends_with("івна") || patronymic.ends_with("ївна"),
                            "{patronymic}"
                        );
                    }
                } else if let Some(patronymic) = patronymic {
                    assert!(
                        patronymic.ends_with("ович") || patronymic.ends_with("іч"),
                        "{patronymic}"
                    );
                }
            }
            "az-Latn" => {
                if female {
                    assert!(
                        !family.ends_with("ov") && !family.ends_with("ev"),
                        "female {family}"
                    );
                    if let Some(patronymic) = patronymic {
                        assert!(patronymic.ends_with(" qızı"), "{patronymic}");
                    }
                } else if let Some(patronymic) = patronymic {
                    assert!(patronymic.ends_with(" oğlu"), "{patronymic}");
                }
            }
            _ => {}
        }
    }
    assert!(checked > 10, "too few Russian women to check: {checked}");
}

#[test]
fn fields_are_present_or_absent_for_a_reason_never_both() {
    let dataset = generate(&config(17, 3000));
    let mut declined_birth_places = 0;
    let mut pows = 0;
    let mut reasons = HashSet::new();
    for person in all_persons(&dataset) {
        let values = [
            (FieldKey::BirthDate, &person.birth_date),
            (FieldKey::BirthPlace, &person.birth_place),
            (FieldKey::Nationality, &person.nationality),
            (FieldKey::FatherName, &person.father_name),
            (FieldKey::MotherName, &person.mother_name),
            (FieldKey::ServiceNumber, &person.service_number),
            (FieldKey::Rank, &person.rank),
            (FieldKey::Unit, &person.unit),
            (FieldKey::PersonToInform, &person.person_to_inform),
            (FieldKey::Address, &person.address),
        ];
        let mut seen = HashSet::new();
        for (field, reason) in &person.absences {
            assert!(
                seen.insert(*field),
                "{}: {field} absent twice",
                person.reference
            );
            let value = values
                .iter()
                .find(|(key, _)| key == field)
                .map(|(_, value)| value);
            assert!(
                value.is_some_and(|value| value.is_none()),
                "{}: {field} both",
                person.reference
            );
            reasons.insert(*reason);
        }
        if person.category == PersonCategory::PrisonerOfWar {
            pows += 1;
            if person.absence(FieldKey::BirthPlace) == Some(AbsenceReason::DeclinedByPerson) {
                declined_birth_places += 1;
            }
        }
        let captured_on = person.captured_at().unwrap().date();
        if let Some(text) = &person.birth_date {
            let date = PartialDate::parse(text)
                .unwrap_or_else(|e| panic!("{}: {text}: {e}", person.reference));
            date.validate_birth(captured_on).unwrap();
        }
        if let Some(code) = &person.nationality {
            assert!(domain::conflict::is_country_code(code));
        }
    }
    let share = f64::from(declined_birth_places) / f64::from(pows);
    assert!(
        (0.02..0.08).contains(&share),
        "declined birth places: {share}"
    );
    for reason in AbsenceReason::ALL {
        assert!(reasons.contains(&reason), "no absence {reason}");
    }
}

#[test]
fn csv_follows_the_import_format() {
    // Every column the format documents, and no other.
    let doc = include_str!("../../../docs/import-format.md");
    let columns_section = doc
        .split("## Columns")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let mut documented = HashSet::new();
    for line in columns_section
        .lines()
        .filter(|line| line.starts_with("| `"))
    {
        let cell = line.split('|').nth(1).unwrap();
        for name in cell.split(',') {
            documented.insert(name.trim().trim_matches('`').to_owned());
        }
    }
    let written: HashSet<String> = CSV_HEADER.iter().map(|c| (*c).to_owned()).collect();
    assert_eq!(written, documented);

    let dataset = generate(&config(19, 400));
    for bureau in &dataset.bureaus {
        let bytes = {
            let mut out = Vec::new();
            write_persons_csv(bureau, &mut out).unwrap();
            out
        };
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with(&(CSV_HEADER.join(",") + "\n")));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let column = |name: &str| header.iter().position(|c| c == name).unwrap();
        let mut rows = 0;
        for (record, person) in reader.records().zip(&bureau.persons) {
            let record = record.unwrap();
            rows += 1;
            assert_eq!(record.len(), CSV_HEADER.len());
            assert_eq!(&record[column("id")], person.reference);
            assert_eq!(&record[column("category")], person.category.code());
            let captured = OffsetDateTime::parse(&record[column("captured_at")], &Rfc3339).unwrap();
            assert_eq!(Some(captured), person.captured_at());
            assert!(record[column("captured_at")].ends_with('Z'));
            let has_name = ["given_name", "family_name", "full_name"]
                .iter()
                .any(|name| !record[column(name)].is_empty());
            assert!(has_name, "{} has no name", person.reference);
            if person.absence(FieldKey::BirthPlace) == Some(AbsenceReason::DeclinedByPerson) {
                assert_eq!(&record[column("birth_place")], "[declined]");
            }
            if person.category.is_civilian() && person.absence(FieldKey::ServiceNumber).is_some() {
                assert_eq!(&record[column("service_number")], "[not-applicable]");
            }
        }
        assert_eq!(rows, bureau.persons.len());
    }
}
