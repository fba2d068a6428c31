//! Typed identifiers. A `PersonId` cannot be passed where a `TenantId` is expected.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            /// A new identifier, time-ordered (UUID v7) so that inserts stay local in indexes.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            #[must_use]
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            #[must_use]
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A tenant: one party's bureau, the agency, or the protection unit.
    TenantId
);
id_type!(ConflictId);
id_type!(PartyId);
id_type!(PersonId);
id_type!(AssertionId);
id_type!(EventId);
id_type!(PlaceId);
id_type!(
    /// One source of information (a list, a card, a statement) that values cite as provenance.
    SourceId
);
id_type!(NotificationId);
id_type!(UserId);

// Protection unit (issue 6): visits, persons seen, allegations, evidence.
id_type!(
    /// A detention visit (§9.7).
    VisitId
);
id_type!(
    /// A person seen and registered during a visit (ICRC-VIS-a). Made on the delegate's laptop,
    /// so that the same registration imported twice is one row.
    RegistrationId
);
id_type!(
    /// A refusal or restriction of access (GC3-126-c).
    RefusalId
);
id_type!(
    /// A private interview during a visit (GC3-126-b, ICRC-VIS-c).
    InterviewId
);
id_type!(AllegationId);
id_type!(
    /// A confidential representation of an allegation to the responsible authority (ICRC-VIS-e).
    RepresentationId
);
id_type!(
    /// The authority's reply to a confidential representation (ICRC-VIS-e).
    ReplyId
);
id_type!(EvidenceId);
