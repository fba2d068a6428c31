//! The person as the protection unit follows them (ICRC-VIS-d): every registration of the same
//! person, on any visit and at any place, under the id of the person's first registration. One
//! follow-up history runs across visits and transfers, and the next visit due gives the list of
//! persons the delegates are late to see again.

use std::collections::BTreeMap;

use time::{Date, OffsetDateTime};

use crate::ids::{PlaceId, RegistrationId, VisitId};

use super::PersonSeen;

/// One time the person was seen: a registration on a visit, at a place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sighting {
    pub registration: RegistrationId,
    pub visit: VisitId,
    pub place: PlaceId,
    pub seen_at: OffsetDateTime,
}

impl Sighting {
    #[must_use]
    pub fn of(seen: &PersonSeen) -> Self {
        Self {
            registration: seen.id,
            visit: seen.visit,
            place: seen.place,
            seen_at: seen.seen_at,
        }
    }
}

/// A person followed by the unit: the id is the person's first registration; the sightings are
/// in the order they were seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowedPerson {
    pub id: RegistrationId,
    pub sightings: Vec<Sighting>,
}

impl FollowedPerson {
    /// The registrations of the person.
    pub fn registrations(&self) -> impl Iterator<Item = RegistrationId> + '_ {
        self.sightings.iter().map(|s| s.registration)
    }

    /// The last sighting, if any.
    #[must_use]
    pub fn last_seen(&self) -> Option<&Sighting> {
        self.sightings.last()
    }

    /// Transfers between places as the sightings show them: each pair of consecutive sightings
    /// at different places (from, to, seen at the new place).
    #[must_use]
    pub fn transfers(&self) -> Vec<(PlaceId, PlaceId, OffsetDateTime)> {
        self.sightings
            .windows(2)
            .filter(|w| w[0].place != w[1].place)
            .map(|w| (w[0].place, w[1].place, w[1].seen_at))
            .collect()
    }
}

/// Groups registrations into the persons the unit follows. `links` maps a later registration to
/// the person's first one (`registration_links`); a registration without a link is its own
/// person. Persons come in the order of their first sighting.
#[must_use]
pub fn group(
    seen: &[PersonSeen],
    links: &[(RegistrationId, RegistrationId)],
) -> Vec<FollowedPerson> {
    group_sightings(seen.iter().map(Sighting::of), links)
}

/// [`group`] from the sightings alone (no name needed): what the follow-ups-due list reads, so
/// that it need not decode every registration.
#[must_use]
pub fn group_sightings(
    sightings: impl IntoIterator<Item = Sighting>,
    links: &[(RegistrationId, RegistrationId)],
) -> Vec<FollowedPerson> {
    let person_of: BTreeMap<RegistrationId, RegistrationId> = links.iter().copied().collect();
    let mut persons: BTreeMap<RegistrationId, Vec<Sighting>> = BTreeMap::new();
    for s in sightings {
        let person = person_of
            .get(&s.registration)
            .copied()
            .unwrap_or(s.registration);
        persons.entry(person).or_default().push(s);
    }
    let mut out: Vec<FollowedPerson> = persons
        .into_iter()
        .map(|(id, mut sightings)| {
            sightings.sort_by_key(|s| (s.seen_at, s.registration));
            FollowedPerson { id, sightings }
        })
        .collect();
    out.sort_by_key(|p| p.sightings.first().map(|s| (s.seen_at, s.registration)));
    out
}

/// Why a registration cannot be linked to a person (ICRC-VIS-d): the message names the field.
///
/// # Errors
/// The registration is the person's own, is already linked to a person, or is itself the first
/// registration of another person with later registrations (link those instead).
pub fn check_link(
    registration: RegistrationId,
    person: RegistrationId,
    links: &[(RegistrationId, RegistrationId)],
) -> Result<(), String> {
    if registration == person {
        return Err("same_as: a registration is not linked to itself".into());
    }
    if let Some((_, to)) = links.iter().find(|(from, _)| *from == registration) {
        return Err(format!(
            "same_as: this registration is already followed as person {to}"
        ));
    }
    if links.iter().any(|(_, to)| *to == registration) {
        return Err(
            "same_as: later registrations are followed under this one; link the other person's registrations to it instead"
                .into(),
        );
    }
    if links.iter().any(|(from, _)| *from == person) {
        return Err("same_as: not the person's first registration".into());
    }
    Ok(())
}

/// What a follow-up says about the next visit: which registration it was recorded for, when,
/// and the next visit due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DueMark {
    pub registration: RegistrationId,
    pub recorded_at: OffsetDateTime,
    pub next_visit_due: Option<Date>,
}

/// A person the delegates are late to see again (ICRC-VIS-d, GC3-126-c: repeat visits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overdue {
    pub person: RegistrationId,
    /// The next visit due, from the person's latest follow-up.
    pub due: Date,
    /// When that follow-up was recorded.
    pub set_at: OffsetDateTime,
    /// Days past the due date (0: due today).
    pub days: i64,
    /// Where and when the person was last seen.
    pub last_seen: Sighting,
}

impl Overdue {
    /// The explanation shown with the entry.
    #[must_use]
    pub fn explain(&self) -> String {
        let late = match self.days {
            0 => "due today".to_owned(),
            1 => "1 day overdue".to_owned(),
            n => format!("{n} days overdue"),
        };
        format!(
            "next visit due {} (set in the follow-up of {}); not seen since {}: {late}",
            self.due,
            self.set_at.date(),
            self.last_seen.seen_at.date()
        )
    }
}

/// The persons whose next visit is due on `today` or before: the person's latest follow-up
/// (over all their registrations) names a day not after `today`, and the person has not been
/// seen since that follow-up was recorded. Most overdue first.
///
/// One pass over the persons and one over the marks (a map from registration to person), so
/// the list stays linear in the number of follow-ups (10^5 in `bench/overdue.sh`).
#[must_use]
pub fn overdue(persons: &[FollowedPerson], marks: &[DueMark], today: Date) -> Vec<Overdue> {
    let person_of: std::collections::HashMap<RegistrationId, usize> = persons
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.registrations().map(move |r| (r, i)))
        .collect();
    // The latest mark of each person; on a tie the later one in `marks` (as `max_by_key`).
    let mut latest: Vec<Option<&DueMark>> = vec![None; persons.len()];
    for mark in marks {
        let Some(slot) = person_of.get(&mark.registration).map(|&i| &mut latest[i]) else {
            continue;
        };
        if slot.is_none_or(|held| {
            (mark.recorded_at, mark.registration) >= (held.recorded_at, held.registration)
        }) {
            *slot = Some(mark);
        }
    }
    let mut out = Vec::new();
    for (person, latest) in persons.iter().zip(latest) {
        let Some(last_seen) = person.last_seen() else {
            continue;
        };
        let Some(DueMark {
            recorded_at,
            next_visit_due: Some(due),
            ..
        }) = latest
        else {
            continue;
        };
        if *due > today || last_seen.seen_at > *recorded_at {
            continue;
        }
        out.push(Overdue {
            person: person.id,
            due: *due,
            set_at: *recorded_at,
            days: (today - *due).whole_days(),
            last_seen: last_seen.clone(),
        });
    }
    out.sort_by(|a, b| b.days.cmp(&a.days).then(a.person.cmp(&b.person)));
    out
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::person_name::{NamePart, NamePartKind, PersonName};

    fn seen(visit: VisitId, place: PlaceId, at: OffsetDateTime) -> PersonSeen {
        PersonSeen {
            id: RegistrationId::new(),
            visit,
            place,
            seen_at: at,
            name: PersonName::new(vec![
                NamePart::new(NamePartKind::Family, "Ничипорук", None).unwrap(),
            ])
            .unwrap(),
            birth_date: None,
            sex: None,
            nationality: None,
            service_number: None,
            father_name: None,
            held_since: None,
            registered_by: "delegate".into(),
        }
    }

    // ICRC-VIS-d: seen at place A, transferred and seen at place B, one person, one history.
    #[test]
    fn a_person_seen_again_after_a_transfer_is_one_person() {
        let (a, b) = (PlaceId::new(), PlaceId::new());
        let first = seen(VisitId::new(), a, datetime!(2026-03-01 10:00 UTC));
        let later = seen(VisitId::new(), b, datetime!(2026-04-02 10:00 UTC));
        let other = seen(first.visit, a, datetime!(2026-03-01 11:00 UTC));
        let links = [(later.id, first.id)];
        let persons = group(&[later.clone(), other.clone(), first.clone()], &links);
        assert_eq!(persons.len(), 2);
        assert_eq!(persons[0].id, first.id);
        assert_eq!(
            persons[0].registrations().collect::<Vec<_>>(),
            [first.id, later.id]
        );
        assert_eq!(
            persons[0].transfers(),
            [(a, b, datetime!(2026-04-02 10:00 UTC))]
        );
        assert_eq!(persons[1].id, other.id);
        assert!(persons[1].transfers().is_empty());

        // Links refused: to itself, twice, from a first registration with later ones.
        assert!(check_link(first.id, first.id, &links).is_err());
        assert!(
            check_link(later.id, other.id, &links)
                .unwrap_err()
                .contains("already")
        );
        assert!(check_link(first.id, other.id, &links).is_err());
        assert!(check_link(other.id, later.id, &links).is_err());
        assert!(check_link(other.id, first.id, &links).is_ok());
    }

    // ICRC-VIS-d: the next visit due of the latest follow-up, whichever registration it was
    // recorded on, makes the overdue list; a sighting after it takes the person off.
    #[test]
    fn the_latest_follow_up_of_the_person_sets_the_visit_due() {
        let (a, b) = (PlaceId::new(), PlaceId::new());
        let first = seen(VisitId::new(), a, datetime!(2026-03-01 10:00 UTC));
        let later = seen(VisitId::new(), b, datetime!(2026-04-02 10:00 UTC));
        let persons = group(&[first.clone(), later.clone()], &[(later.id, first.id)]);
        let mut marks = vec![
            DueMark {
                registration: first.id,
                recorded_at: datetime!(2026-03-01 12:00 UTC),
                next_visit_due: Some(date!(2026 - 03 - 15)),
            },
            DueMark {
                registration: later.id,
                recorded_at: datetime!(2026-04-02 12:00 UTC),
                next_visit_due: Some(date!(2026 - 04 - 20)),
            },
        ];
        assert!(overdue(&persons, &marks, date!(2026 - 04 - 19)).is_empty());
        let late = overdue(&persons, &marks, date!(2026 - 04 - 25));
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].person, first.id);
        assert_eq!(late[0].days, 5);
        assert_eq!(late[0].last_seen.place, b);
        assert!(
            late[0].explain().contains("5 days overdue"),
            "{}",
            late[0].explain()
        );
        // The last follow-up sets no date: nothing is due.
        marks[1].next_visit_due = None;
        assert!(overdue(&persons, &marks, date!(2026 - 05 - 01)).is_empty());
        // Seen after the follow-up that set the date: the visit took place.
        marks.pop();
        assert!(overdue(&persons, &marks, date!(2026 - 05 - 01)).is_empty());
    }
}
