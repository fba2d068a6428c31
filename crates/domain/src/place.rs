//! Places of detention (§9.3). GC3-23-a: their location is notified to the other side.

use std::fmt;
use std::str::FromStr;

use crate::ids::{PartyId, PlaceId, TenantId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlaceKind {
    CollectingPoint,
    TransitCamp,
    PowCamp,
    LabourDetachment,
    Hospital,
    Infirmary,
    Prison,
    CivilianInternmentPlace,
    AssignedResidenceArea,
    PoliceStation,
    Other,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 11] = [
        Self::CollectingPoint,
        Self::TransitCamp,
        Self::PowCamp,
        Self::LabourDetachment,
        Self::Hospital,
        Self::Infirmary,
        Self::Prison,
        Self::CivilianInternmentPlace,
        Self::AssignedResidenceArea,
        Self::PoliceStation,
        Self::Other,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::CollectingPoint => "collecting-point",
            Self::TransitCamp => "transit-camp",
            Self::PowCamp => "pow-camp",
            Self::LabourDetachment => "labour-detachment",
            Self::Hospital => "hospital",
            Self::Infirmary => "infirmary",
            Self::Prison => "prison",
            Self::CivilianInternmentPlace => "civilian-internment-place",
            Self::AssignedResidenceArea => "assigned-residence-area",
            Self::PoliceStation => "police-station",
            Self::Other => "other",
        }
    }

    /// GC3-70-a: a camp, "even a transit camp", starts the one-week capture-card clock;
    /// GC4-106-a: so does a place of internment for civilians.
    #[must_use]
    pub const fn is_camp(self) -> bool {
        matches!(
            self,
            Self::TransitCamp
                | Self::PowCamp
                | Self::LabourDetachment
                | Self::CivilianInternmentPlace
        )
    }

    /// GC3-70-a: admission to a hospital calls for a new capture card.
    #[must_use]
    pub const fn is_medical(self) -> bool {
        matches!(self, Self::Hospital | Self::Infirmary)
    }
}

impl fmt::Display for PlaceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for PlaceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.code() == s)
            .ok_or_else(|| format!("unknown place kind {s:?}"))
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaceOfDetention {
    pub id: PlaceId,
    pub tenant: TenantId,
    /// GC3-23-a: the party that controls the place.
    pub controlling_party: PartyId,
    pub kind: PlaceKind,
    /// As written, in any script.
    pub name: String,
    /// GC3-56-a: a labour detachment belongs to a camp.
    pub parent: Option<PlaceId>,
    /// GC3-48-a, Annex IV B12: the postal address for correspondence.
    pub postal_address: Option<String>,
}
