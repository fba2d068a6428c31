//! Deterministic synthetic data for Whereabouts.
//!
//! [`generate`] builds a fictional armed conflict between the Republic of Aldera (`XA`) and the
//! Borovian Federation (`XB`), with the Confederation of Sarn (`XS`) as protecting power for both,
//! and one national information bureau per belligerent. Each bureau holds nationals of the other
//! party: persons whose names follow real naming cultures (Ukrainian, Russian, Armenian and
//! Azerbaijani in Aldera's bureau; Arabic, Dari, Pashto and Russian in Borovia's), written in their
//! original scripts, with events (capture, arrival, transfers, hospital, escapes, releases,
//! deaths) and the notifications that met, or failed to meet, the bureau's obligations.
//!
//! Every party, place and person is fictional. The same [`Config`] always gives the same data,
//! down to the byte of [`write_persons_csv`]: the generator uses its own seeded SplitMix64, not
//! the `rand` crate, and never reads the clock (the caller passes `now`).
//!
//! Each person is generated from its own random stream, derived from the seed, the bureau and the
//! person's number, so the first N persons of a larger data set are the same as those of a data
//! set of N persons, and large data sets are generated on several threads with the same result.
//!
//! # Notifications
//!
//! The notifications follow the deadlines of `gc-requirements.md` §10 with the default
//! `domain::DeadlinePolicy` (seven days for cards, three for "as soon as possible"): every
//! notification answers an obligation the person's events create, on that obligation's channel,
//! and names its trigger event. Capture and internment cards (GC3-70-a, GC4-106-a) go to the
//! agency and the family; first information (GC3-122-c, GC4-136-b) and changes (GC3-122-e,
//! GC4-136-b) through the protecting power and the agency; GC3-46-a lists are internal; health
//! reports (GC3-122-f, GC4-138-b) go to the agency; deaths to the bureau (GC3-120-b), both
//! channels (GC4-129-a) or the agency (AP1-33-b). GC4-43-a reviews are events, not
//! notifications. Each bureau meets most on time, some late, and leaves some unmet, so that the
//! data set has obligations done, done late, due and overdue. Aldera's bureau keeps its deadlines
//! better than Borovia's.
#![forbid(unsafe_code)]

mod csv_out;
mod generate;
mod linkage;
pub mod names;
mod rng;
mod timeline;
mod world;

use domain::{
    AbsenceReason, Channel, EventKind, FieldKey, LanguageTag, NamePartKind, NotificationKind,
    PersonCategory, PlaceKind, RuleId, Sex,
};
use time::OffsetDateTime;

pub use csv_out::{CSV_HEADER, write_persons_csv};
pub use generate::generate;
pub use linkage::{
    CORRUPTIONS, LINKAGE_HEADER, LinkageConfig, LinkageSummary, SCHEMES, write_linkage,
};

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The same seed gives the same data set.
    pub seed: u64,
    /// How many persons each of the two belligerent parties' bureaus holds.
    pub persons_per_party: usize,
    /// The moment the data set describes: no event or notification is later than this. Captures
    /// spread over the 120 days before it.
    pub now: OffsetDateTime,
}

/// A whole synthetic data set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    pub conflict: domain::Conflict,
    /// Index 0: Republic of Aldera (`XA`); 1: Borovian Federation (`XB`); 2: Confederation of Sarn
    /// (`XS`), the protecting power.
    pub parties: Vec<domain::Party>,
    /// `XA` and `XB` are each detaining power and power of origin; `XS` is protecting power on
    /// behalf of each of them.
    pub role_assignments: Vec<domain::PartyRoleAssignment>,
    /// One bureau per belligerent party, in the order of `parties`.
    pub bureaus: Vec<SynthBureau>,
}

/// A party's national information bureau and the persons it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthBureau {
    /// A tenant slug: `bureau-aldera`, `bureau-borovia`.
    pub slug: String,
    pub name: String,
    /// The party whose bureau this is, an index into [`Dataset::parties`].
    pub party_index: usize,
    /// The party whose nationals it holds, an index into [`Dataset::parties`].
    pub holds_party_index: usize,
    /// The places of detention the party controls.
    pub places: Vec<SynthPlace>,
    pub persons: Vec<SynthPerson>,
}

/// A place of detention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthPlace {
    /// A stable key, unique in the bureau (`p01`, `p02`, …).
    pub key: String,
    pub kind: PlaceKind,
    pub name: String,
    /// GC3-48-a: the postal address for correspondence, where there is one.
    pub postal_address: Option<String>,
}

/// A person held by a bureau.
///
/// A field is `Some` when the value is known, or listed in `absences` with the reason it is
/// missing (then it is `None`), or neither when nothing is said about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthPerson {
    /// The bureau's own reference for the person, unique in the bureau (`ALD-0000001`).
    pub reference: String,
    pub category: PersonCategory,
    /// The BCP 47 tag of the name as written: `uk`, `ru`, `ar`, `fa-AF`, `ps`, `hy`, `az-Latn`.
    pub name_language: LanguageTag,
    /// The name parts in their written order, in the original script. About 3% of the persons
    /// (not the unidentified) have one [`NamePartKind::Unsplit`] part instead: the whole name as
    /// a list wrote it in one cell (`full_name` in the CSV).
    pub parts: Vec<(NamePartKind, String)>,
    pub sex: Sex,
    /// A partial date as written in a list (`1991-04-17`, `17.04.1991`, `1991`, `~1991`,
    /// `1990/1992`, `age:34@2026-02-01`); it parses with `domain::PartialDate::parse`.
    pub birth_date: Option<String>,
    pub birth_place: Option<String>,
    /// ISO 3166-1 alpha-2 (`XA`, `XB`).
    pub nationality: Option<String>,
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
    pub service_number: Option<String>,
    pub rank: Option<String>,
    pub unit: Option<String>,
    /// GC3-122-d: who is to be informed.
    pub person_to_inform: Option<String>,
    /// GC3-122-d: the address for correspondence.
    pub address: Option<String>,
    /// XC-2: why a value is missing.
    pub absences: Vec<(FieldKey, AbsenceReason)>,
    /// In order of occurrence; the first is always the capture or arrest.
    pub events: Vec<SynthEvent>,
    /// In order of the events they answer.
    pub notifications: Vec<SynthNotification>,
}

impl SynthPerson {
    /// The first name part of a kind.
    #[must_use]
    pub fn part(&self, kind: NamePartKind) -> Option<&str> {
        self.parts
            .iter()
            .find(|(part_kind, _)| *part_kind == kind)
            .map(|(_, value)| value.as_str())
    }

    /// The reason a field is missing, if one is recorded.
    #[must_use]
    pub fn absence(&self, field: FieldKey) -> Option<AbsenceReason> {
        self.absences
            .iter()
            .find(|(key, _)| *key == field)
            .map(|(_, reason)| *reason)
    }

    /// When the person fell into the party's power: the time of the first event.
    #[must_use]
    pub fn captured_at(&self) -> Option<OffsetDateTime> {
        self.events
            .iter()
            .find(|event| event.kind == EventKind::FellIntoPower)
            .map(|event| event.at)
    }
}

/// Something that happened to a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthEvent {
    pub kind: EventKind,
    /// When it happened, in UTC, to the minute; never after [`Config::now`].
    pub at: OffsetDateTime,
    /// Where it happened, or where the person arrived: an index into [`SynthBureau::places`].
    pub place: Option<usize>,
    /// For a transfer departure: where the person is going.
    pub place_to: Option<usize>,
}

/// A notification the bureau recorded against an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthNotification {
    pub rule: RuleId,
    pub channel: Channel,
    /// The event it answers, an index into [`SynthPerson::events`].
    pub event_index: usize,
    pub kind: NotificationKind,
    /// When it was sent; never after [`Config::now`].
    pub at: OffsetDateTime,
}
