//! Places of detention as the protection unit knows them (§9.3, GC3-23-a, GC4-83-a).
//!
//! The place itself is a [`crate::PlaceOfDetention`] of the protection tenant (so that persons
//! the detaining party notified can have events there); the profile adds what a visiting body
//! needs: the authority responsible, the location, the capacity. The notices are the history of
//! what the detaining party notified about the place (GC3-23-a: location notified), append-only.

use time::OffsetDateTime;

use super::vocabulary;
use crate::ids::PlaceId;

/// What the visiting body records about a place, beyond its name and kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaceProfile {
    pub place: PlaceId,
    /// The detaining authority responsible for the place (a ministry, a command), not a person.
    pub authority: String,
    /// Where it is, as precise as known (restricted: GC3-23-a).
    pub location: Option<String>,
    /// Official capacity, in persons.
    pub capacity: Option<u32>,
}

impl PlaceProfile {
    /// # Errors
    /// An empty or overlong authority or location, or a capacity of zero.
    pub fn validate(&self) -> Result<(), String> {
        super::text("authority", &self.authority, 200)?;
        if let Some(location) = &self.location {
            super::text("location", location, 500)?;
        }
        if self.capacity == Some(0) {
            return Err("capacity: at least 1 when given".into());
        }
        Ok(())
    }
}

vocabulary!(
    /// GC3-23-a, GC4-83-a: what the detaining party told about a place.
    NoticeKind {
        /// The geographical location was notified.
        LocationNotified => "location-notified",
        Opened => "opened",
        Closed => "closed",
        CapacityChanged => "capacity-changed",
        /// The notified location changed.
        Moved => "moved",
    }
);

/// One notification about a place, as received. Append-only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaceNotice {
    pub place: PlaceId,
    pub kind: NoticeKind,
    pub notified_at: OffsetDateTime,
    /// Who notified: the detaining authority or the channel (protecting power, agency).
    pub notified_by: String,
    pub note: Option<String>,
}

impl PlaceNotice {
    /// # Errors
    /// When `notified_by` is empty or a notice is dated in the future.
    pub fn validate(&self, now: OffsetDateTime) -> Result<(), String> {
        super::text("notified by", &self.notified_by, 200)?;
        if self.notified_at > now {
            return Err("notified at: in the future".into());
        }
        Ok(())
    }
}

/// GC3-23-a: a place with no location notice has not been notified.
#[must_use]
pub fn location_notified(notices: &[PlaceNotice]) -> bool {
    notices
        .iter()
        .any(|n| matches!(n.kind, NoticeKind::LocationNotified | NoticeKind::Moved))
}
