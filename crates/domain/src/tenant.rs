//! Tenants are compartments (DESIGN principle 6): a party's bureau, the agency, the protection
//! unit. Data moves between them only as explicit transmissions.

use std::fmt;
use std::str::FromStr;

use crate::ids::{PartyId, TenantId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TenantKind {
    /// GC3-122-a / GC4-136-a: the National Information Bureau of one party.
    PartyBureau,
    /// GC3-123 / GC4-140: the neutral Central Tracing Agency.
    Agency,
    /// §0.3 deployment model: the confidential protection unit (visits, interviews, allegations).
    ProtectionUnit,
}

impl TenantKind {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::PartyBureau => "party-bureau",
            Self::Agency => "agency",
            Self::ProtectionUnit => "protection-unit",
        }
    }

    /// Whether this kind of tenant owes the conventions' deadlines (§10: capture and internment
    /// cards, notifications to the power concerned, lists, death records) for the persons it
    /// holds. Only a party's bureau does (GC3-122-a, GC4-136-a); the agency forwards what it is
    /// given (GC3-123, GC4-140) and the protection unit notifies no one (its visits are
    /// confidential), even when it holds a copy of what a detaining party notified.
    #[must_use]
    pub const fn owes_deadlines(self) -> bool {
        matches!(self, Self::PartyBureau)
    }
}

impl fmt::Display for TenantKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for TenantKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "party-bureau" => Ok(Self::PartyBureau),
            "agency" => Ok(Self::Agency),
            "protection-unit" => Ok(Self::ProtectionUnit),
            other => Err(format!(
                "unknown tenant kind {other:?}: expected party-bureau, agency or protection-unit"
            )),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    /// A short, unique, URL-safe handle such as `bureau-north`.
    pub slug: String,
    pub name: String,
    pub kind: TenantKind,
    /// The party whose bureau this is; `None` for the agency and the protection unit.
    pub party: Option<PartyId>,
}

impl Tenant {
    /// Checks the invariant that only a party's bureau belongs to a party.
    ///
    /// # Errors
    /// When a bureau has no party, another kind has one, or the slug is not a lowercase handle.
    pub fn validate(&self) -> Result<(), String> {
        let slug_ok = !self.slug.is_empty()
            && self.slug.len() <= 64
            && self
                .slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !slug_ok {
            return Err(format!(
                "tenant slug {:?} must be 1 to 64 characters of a-z, 0-9 and -",
                self.slug
            ));
        }
        match (self.kind, self.party) {
            (TenantKind::PartyBureau, None) => Err("a party's bureau must name its party".into()),
            (TenantKind::Agency | TenantKind::ProtectionUnit, Some(_)) => Err(format!(
                "a tenant of kind {} belongs to no party",
                self.kind
            )),
            _ => Ok(()),
        }
    }
}
