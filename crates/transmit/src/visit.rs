//! A visit report (issue 6): what a delegate recorded offline during a detention visit, as it
//! travels from the delegate's laptop instance to the protection unit's instance inside a
//! signed envelope and an encrypted bundle ([`crate::Content::VisitReport`]).
//!
//! Plain strings, like every notice: the sender's ids (UUIDs made on the laptop, so a second
//! import of the same report adds nothing), vocabulary codes, RFC 3339 instants and ISO dates.
//! Places are named as both instances know them. The receiver converts and checks every value
//! as its own forms would. This never goes to a party or the agency (ICRC-VIS-e).

use serde::{Deserialize, Serialize};

use crate::content::CardField;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitReport {
    pub visit: VisitPart,
    #[serde(default)]
    pub conditions: Vec<ConditionPart>,
    #[serde(default)]
    pub refusals: Vec<RefusalPart>,
    #[serde(default)]
    pub persons_seen: Vec<SeenPart>,
    #[serde(default)]
    pub follow_ups: Vec<FollowUpPart>,
    /// Private interviews (GC3-126-b, ICRC-VIS-c), notes included: the bundle is encrypted to
    /// the unit, and each side seals the notes at rest.
    #[serde(default)]
    pub interviews: Vec<InterviewPart>,
    /// Access granted again after a refusal (GC3-126-c), recorded after the refusal.
    #[serde(default)]
    pub refusal_ends: Vec<RefusalEndPart>,
    /// Allegations recorded in the field (ICRC-VIS-f), with the interviews they come from.
    #[serde(default)]
    pub allegations: Vec<AllegationPart>,
    /// Steps of allegations (ICRC-VIS-e): a representation noted without its text, an
    /// authority's reply noted as a step, a closure. Omitted when empty, so a report without
    /// them reads and hashes as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allegation_steps: Vec<StepPart>,
    /// Confidential representations with their text (ICRC-VIS-e): the bundle is encrypted to
    /// the unit, and each side seals the text at rest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub representations: Vec<RepresentationPart>,
    /// The authority's replies to representations (ICRC-VIS-e), texts included.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<ReplyPart>,
    /// ICRC-VIS-e: the ids of allegations of other visits whose steps, representations and
    /// replies travel with this report (letters written on the laptop about an older visit's
    /// allegation travel with every report, not only when that visit is exported again). The
    /// unit records those about allegations it holds and leaves the others for a later report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carried: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepPart {
    /// Made on the laptop, so the same step twice is recorded once.
    pub id: String,
    /// The `id` of an allegation (in this report or already at the unit).
    pub allegation: String,
    /// RFC 3339.
    pub at: String,
    pub by: String,
    /// `representation`, `authority-reply`, `closed`.
    pub kind: String,
    /// For `representation`: the authority it was handed to.
    pub addressee: Option<String>,
    /// For `representation`: `named` or `anonymous`.
    pub form: Option<String>,
    /// For `authority-reply`: what was said; for `closed`: the reason.
    pub text: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepresentationPart {
    pub id: String,
    /// The `id` of an allegation (in this report or already at the unit).
    pub allegation: String,
    /// `named` or `anonymous`.
    pub form: String,
    pub addressee: String,
    /// ISO date.
    pub sent_on: String,
    pub text: String,
    /// Who recorded it on the laptop; the unit records it as theirs (reports without it: the
    /// importing operator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyPart {
    pub id: String,
    /// The `id` of a representation (in this report or already at the unit).
    pub representation: String,
    /// ISO date.
    pub received_on: String,
    /// `acknowledged`, `measures-announced`, `denied`, `no-reply`.
    pub outcome: String,
    /// `None` only for `no-reply`.
    pub text: Option<String>,
    /// Who recorded it on the laptop (as [`RepresentationPart::recorded_by`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterviewPart {
    pub id: String,
    pub place: String,
    pub held_at: String,
    /// The `id`s of persons seen in this report.
    pub interviewees: Vec<String>,
    pub interviewers: Vec<String>,
    pub interpreter: Option<String>,
    pub language: Option<String>,
    pub without_witnesses: bool,
    pub present: Option<String>,
    /// `named`, `anonymous`, `no`.
    pub use_with_authorities: String,
    pub share_with_family: bool,
    pub medical_referral: bool,
    pub notes: Option<String>,
    /// Who recorded it on the laptop (as [`RepresentationPart::recorded_by`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalEndPart {
    /// The `id` of a refusal (in this report or already at the unit).
    pub refusal: String,
    pub ended_at: String,
    pub note: Option<String>,
    /// Who recorded it on the laptop (as [`RepresentationPart::recorded_by`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerpetratorPart {
    pub kind: String,
    pub designation: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllegationPart {
    pub id: String,
    pub reference: String,
    pub category: String,
    pub acts: Vec<String>,
    pub occurred: Option<String>,
    /// A place name.
    pub place: Option<String>,
    /// The `id`s of persons seen in this report.
    #[serde(default)]
    pub victims: Vec<String>,
    #[serde(default)]
    pub perpetrators: Vec<PerpetratorPart>,
    pub sources: Vec<String>,
    pub consent: String,
    pub narrative: String,
    /// The `id`s of interviews in this report it comes from (ICRC-VIS-c).
    #[serde(default)]
    pub interviews: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitPart {
    pub id: String,
    pub reference: String,
    /// `icrc`, `protecting-power`, `compatriots-agreed`.
    pub body: String,
    pub planned_start: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    #[serde(default)]
    pub team: Vec<String>,
    /// Place names.
    pub places: Vec<String>,
    pub next_visit_planned: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionPart {
    pub condition: String,
    pub outcome: String,
    pub reason: Option<String>,
    /// Who recorded it on the laptop (as [`RepresentationPart::recorded_by`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalPart {
    pub id: String,
    pub place: String,
    pub refused_at: String,
    pub scope: String,
    pub ground: String,
    pub grounds_text: Option<String>,
    pub expected_end: Option<String>,
    pub actual_end: Option<String>,
    /// Who recorded it on the laptop (as [`RepresentationPart::recorded_by`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeenPart {
    pub id: String,
    pub place: String,
    pub seen_at: String,
    /// The name as a card field (`field: "name"`), with typed parts in the original script.
    pub name: CardField,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub nationality: Option<String>,
    pub service_number: Option<String>,
    pub father_name: Option<String>,
    pub held_since: Option<String>,
    pub registered_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpPart {
    pub id: String,
    /// The `id` of a person seen in this report.
    pub registration: String,
    pub recorded_at: String,
    pub health: Option<String>,
    pub family_contact_wanted: bool,
    pub family_contact: Option<String>,
    #[serde(default)]
    pub messages: Vec<String>,
    pub next_visit_due: Option<String>,
    pub reprisals_reported: Option<bool>,
    pub recorded_by: String,
}
