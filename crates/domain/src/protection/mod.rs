//! The protection unit (issue 6; §1.14, §3.6, §7.2, §9.7): places of detention as the visiting
//! body knows them, visits and their conditions, refusals of access, persons seen and their
//! follow-up, reconciliation against what the detaining party notified, allegations, and
//! evidence under a chain of custody.
//!
//! All of this lives in the protection unit's tenant and never travels to a party or the
//! agency (ICRC-VIS-e). Like the rest of the domain, no IO and no clock: `now` is a parameter.

pub mod allegation;
pub mod evidence;
pub mod followed;
pub mod interview;
pub mod place;
pub mod reconcile;
pub mod registration;
pub mod representation;
pub mod visit;

pub use allegation::{
    ActKind, Allegation, AllegationCategory, AllegationSource, AllegationStatus, AllegationStep,
    Consent, Perpetrator, PerpetratorKind, Representation, RepresentationForm, StepKind,
    check_form, check_interviews, check_step, effective_consent, representation, status,
};
pub use evidence::{
    CopyRole, CustodyAction, CustodyEntry, CustodyFault, EvidenceItem, EvidenceKind, chain_hash,
    chain_start, next_entry, verify_chain,
};
pub use followed::{
    DueMark, FollowedPerson, Overdue, Sighting, check_link, group, group_sightings, overdue,
};
pub use interview::Interview;
pub use place::{NoticeKind, PlaceNotice, PlaceProfile, location_notified};
pub use reconcile::{Alert, Candidate, Notified, NotifiedStatus, Seen, reconcile};
pub use registration::{FollowUp, PersonSeen};
pub use representation::{
    AuthorityReply, ReplyOutcome, RepresentationLetter, check_reply, check_representation,
    status_with,
};
pub use visit::{
    AccessRefusal, Concern, Condition, ConditionRecord, Outcome, RefusalEnd, RefusalGround,
    RefusalSummary, Visit, VisitingBody, assess_refusal, summarise_refusals,
};

/// A closed list of codes (a controlled vocabulary): `code()`, `ALL`, `Display`, `FromStr`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$(Self::$variant),+];

            #[must_use]
            pub const fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == s)
                    .ok_or_else(|| {
                        let known: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                        format!(
                            "unknown {} {s:?}: expected one of {}",
                            stringify!($name),
                            known.join(", ")
                        )
                    })
            }
        }
    };
}
pub(crate) use vocabulary;

/// Checks a free text: trimmed, 1 to `max` characters. Names the field on failure.
pub(crate) fn text(field: &str, value: &str, max: usize) -> Result<(), String> {
    let length = value.trim().chars().count();
    if length == 0 || length > max {
        return Err(format!("{field}: 1 to {max} characters"));
    }
    Ok(())
}
