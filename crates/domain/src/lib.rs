//! The Whereabouts domain: what the Geneva Conventions' information system records and owes.
//!
//! This crate does no IO, knows nothing of HTTP, JSON or SQL, and derives no `Serialize` on its
//! types: the edges (`store`, `web`, `cli`) convert by hand. Everything here is plain data plus the
//! rules that follow from the conventions, each citing its requirement ID from
//! `gc-requirements.md` (kept in the project as `docs/requirements-index.md`).
#![forbid(unsafe_code)]

pub mod absence;
pub mod assertion;
pub mod conflict;
pub mod event;
pub mod forwarding;
pub mod ids;
pub mod obligation;
pub mod partial_date;
pub mod person;
pub mod person_name;
pub mod place;
pub mod protection;
pub mod provenance;
pub mod tenant;

pub use absence::{AbsenceReason, Presence};
pub use assertion::{AssertedValue, Assertion, CurrentView, FieldKey, FieldView};
pub use conflict::{Conflict, Party, PartyRole, PartyRoleAssignment};
pub use event::{Event, EventError, EventKind};
pub use ids::*;
pub use obligation::{
    Channel, DeadlinePolicy, Notification, NotificationKind, Obligation, ObligationStatus,
    PersonFacts, RuleId, Tally, obligations, tally,
};
pub use partial_date::{Calendar, DateError, PartialDate, PartialDateKind};
pub use person::{Custody, Person, PersonCategory, Sex};
pub use person_name::{LanguageTag, NamePart, NamePartKind, PersonName, Script, Transliteration};
pub use place::{PlaceKind, PlaceOfDetention};
pub use provenance::{Confidence, Provenance, SourceKind};
pub use tenant::{Tenant, TenantKind};
