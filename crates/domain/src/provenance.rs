//! XC-3: every value says where it came from.

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;

use crate::ids::SourceId;
use crate::person_name::{LanguageTag, Script};

/// XC-3: the kinds of source a value can come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// The person's own statement (GC3-17-a).
    OwnStatement,
    IdentityCard,
    OtherDocument,
    CaptureCard,
    /// A list from a party's bureau (GC3-122-c).
    BureauList,
    /// A registration by the ICRC during a visit.
    IcrcRegistration,
    Family,
    OpenSource,
    Forensic,
    /// Typed in by a clerk from another source.
    ClerkEntry,
    /// Produced by the synthetic generator: never real data.
    Synthetic,
}

impl SourceKind {
    pub const ALL: [SourceKind; 11] = [
        Self::OwnStatement,
        Self::IdentityCard,
        Self::OtherDocument,
        Self::CaptureCard,
        Self::BureauList,
        Self::IcrcRegistration,
        Self::Family,
        Self::OpenSource,
        Self::Forensic,
        Self::ClerkEntry,
        Self::Synthetic,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::OwnStatement => "own-statement",
            Self::IdentityCard => "identity-card",
            Self::OtherDocument => "other-document",
            Self::CaptureCard => "capture-card",
            Self::BureauList => "bureau-list",
            Self::IcrcRegistration => "icrc-registration",
            Self::Family => "family",
            Self::OpenSource => "open-source",
            Self::Forensic => "forensic",
            Self::ClerkEntry => "clerk-entry",
            Self::Synthetic => "synthetic",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for SourceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.code() == s)
            .ok_or_else(|| format!("unknown source kind {s:?}"))
    }
}

/// How much the collector trusts the source, in percent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Confidence(u8);

impl Confidence {
    pub const HIGH: Confidence = Confidence(90);
    pub const MEDIUM: Confidence = Confidence(60);
    pub const LOW: Confidence = Confidence(30);

    /// # Errors
    /// When the percentage is above 100.
    pub fn new(percent: u8) -> Result<Self, String> {
        if percent > 100 {
            return Err(format!("confidence {percent} is above 100"));
        }
        Ok(Self(percent))
    }

    #[must_use]
    pub const fn percent(self) -> u8 {
        self.0
    }
}

/// XC-3: one source, cited by every value it supplied. A value adds its own `locator` (for a
/// list, the line and column), so each value can be traced to the exact cell it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    pub id: SourceId,
    pub kind: SourceKind,
    /// What the source is: a file name and its SHA-256, a card number, a transmission ID.
    pub reference: String,
    /// Who collected it: a user, an officer, a delegate.
    pub collected_by: String,
    pub collected_at: OffsetDateTime,
    pub language: Option<LanguageTag>,
    pub script: Option<Script>,
    pub confidence: Confidence,
}
