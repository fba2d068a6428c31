//! Allegations (ICRC-VIS-f, §9.7), after the HURIDOCS events model of OpenEvSys: an event with
//! acts, victims, alleged perpetrators (units or authorities, never intelligence on individuals),
//! sources and interventions, each from a controlled vocabulary. The status follows from the
//! append-only history of confidential representations and the authority's replies
//! (ICRC-VIS-e).

use time::OffsetDateTime;

use super::vocabulary;
use crate::ids::{AllegationId, PlaceId, RegistrationId};
use crate::partial_date::PartialDate;

vocabulary!(
    /// §9.7 Allegation.category (ICRC-VIS-e, GC3-121-a).
    AllegationCategory {
        IllTreatment => "ill-treatment",
        Torture => "torture",
        DeathInCustody => "death-in-custody",
        DisappearanceOrSecretDetention => "disappearance-or-secret-detention",
        DenialOfMedicalCare => "denial-of-medical-care",
        Conditions => "conditions",
        JudicialGuarantees => "judicial-guarantees",
        FamilyContactDenied => "family-contact-denied",
        Other => "other",
    }
);

vocabulary!(
    /// Acts (the OpenEvSys "act" with its method), a closed list.
    ActKind {
        Beating => "beating",
        StressPosition => "stress-position",
        SleepDeprivation => "sleep-deprivation",
        Threats => "threats",
        SexualViolence => "sexual-violence",
        Incommunicado => "incommunicado",
        DenialOfFoodOrWater => "denial-of-food-or-water",
        DenialOfMedicalCare => "denial-of-medical-care",
        Overcrowding => "overcrowding",
        Other => "other",
    }
);

vocabulary!(
    /// §9.7 alleged_actor_category: a unit or an authority, not a named individual.
    PerpetratorKind {
        Unit => "unit",
        Authority => "authority",
        Guards => "guards",
        Interrogators => "interrogators",
        OtherDetainees => "other-detainees",
        Unknown => "unknown",
    }
);

/// An alleged perpetrator: a kind and a designation of the unit or authority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Perpetrator {
    pub kind: PerpetratorKind,
    /// "Guard company of Camp K-7", "Interrogation service": no personal names by default.
    pub designation: String,
}

vocabulary!(
    /// §9.7 Allegation.source.
    AllegationSource {
        Interview => "interview",
        Family => "family",
        MedicalObservation => "medical-observation",
        Document => "document",
        OpenSource => "open-source",
    }
);

vocabulary!(
    /// ICRC-VIS-c: what the person allowed to be used with the authorities.
    Consent {
        Named => "named",
        Anonymous => "anonymous",
        No => "no",
    }
);

vocabulary!(
    /// ICRC-VIS-e: how an allegation was raised with the authority.
    RepresentationForm {
        Named => "named",
        Anonymous => "anonymous",
        Aggregated => "aggregated",
    }
);

vocabulary!(
    AllegationStatus {
        Recorded => "recorded",
        RaisedWithAuthority => "raised-with-authority",
        AuthorityReplied => "authority-replied",
        Closed => "closed",
    }
);

/// An allegation as recorded. The narrative is a protected field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allegation {
    pub id: AllegationId,
    pub reference: String,
    pub category: AllegationCategory,
    pub acts: Vec<ActKind>,
    pub occurred: Option<PartialDate>,
    pub place: Option<PlaceId>,
    /// Victims: persons seen during visits.
    pub victims: Vec<RegistrationId>,
    pub perpetrators: Vec<Perpetrator>,
    pub sources: Vec<AllegationSource>,
    pub consent: Consent,
    pub narrative: String,
}

impl Allegation {
    /// # Errors
    /// A bad reference, no act, no source, an empty narrative or designation.
    pub fn validate(&self) -> Result<(), String> {
        super::text("reference", &self.reference, 64)?;
        super::text("narrative", &self.narrative, 20_000)?;
        if self.acts.is_empty() {
            return Err("acts: at least one".into());
        }
        if self.sources.is_empty() {
            return Err("sources: at least one".into());
        }
        for perpetrator in &self.perpetrators {
            super::text("perpetrator designation", &perpetrator.designation, 200)?;
        }
        Ok(())
    }
}

/// One step in an allegation's history (interventions, replies, closure). Append-only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllegationStep {
    pub at: OffsetDateTime,
    pub by: String,
    pub kind: StepKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A confidential representation to the responsible authority (ICRC-VIS-e).
    Representation {
        addressee: String,
        form: RepresentationForm,
    },
    /// The authority's reply.
    AuthorityReply { text: String },
    /// Closed by the unit, with the reason.
    Closed { reason: String },
}

impl StepKind {
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Representation { .. } => "representation",
            Self::AuthorityReply { .. } => "authority-reply",
            Self::Closed { .. } => "closed",
        }
    }
}

/// ICRC-VIS-c: checks a new step against the allegation and its history.
///
/// # Errors
/// A named representation without named consent, a reply before any representation, any step
/// after closure, or empty texts.
pub fn check_step(
    allegation: &Allegation,
    history: &[AllegationStep],
    step: &AllegationStep,
) -> Result<(), String> {
    super::text("by", &step.by, 200)?;
    if status(history) == AllegationStatus::Closed {
        return Err("the allegation is closed".into());
    }
    match &step.kind {
        StepKind::Representation { addressee, form } => {
            super::text("addressee", addressee, 200)?;
            match (form, allegation.consent) {
                (RepresentationForm::Named, Consent::Anonymous | Consent::No) => Err(format!(
                    "ICRC-VIS-c: consent is {}; a named representation needs named consent",
                    allegation.consent
                )),
                (RepresentationForm::Anonymous, Consent::No) => Err(
                    "ICRC-VIS-c: no consent; only an aggregated representation is possible".into(),
                ),
                _ => Ok(()),
            }
        }
        StepKind::AuthorityReply { text } => {
            super::text("reply", text, 20_000)?;
            if history
                .iter()
                .any(|s| matches!(s.kind, StepKind::Representation { .. }))
            {
                Ok(())
            } else {
                Err("a reply answers a representation; none is recorded".into())
            }
        }
        StepKind::Closed { reason } => super::text("reason", reason, 2000),
    }
}

/// The status the history leads to.
#[must_use]
pub fn status(history: &[AllegationStep]) -> AllegationStatus {
    history
        .iter()
        .fold(AllegationStatus::Recorded, |status, step| match step.kind {
            _ if status == AllegationStatus::Closed => status,
            StepKind::Representation { .. } if status == AllegationStatus::Recorded => {
                AllegationStatus::RaisedWithAuthority
            }
            StepKind::Representation { .. } => status,
            StepKind::AuthorityReply { .. } => AllegationStatus::AuthorityReplied,
            StepKind::Closed { .. } => AllegationStatus::Closed,
        })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn allegation(consent: Consent) -> Allegation {
        Allegation {
            id: AllegationId::new(),
            reference: "A-1".into(),
            category: AllegationCategory::IllTreatment,
            acts: vec![ActKind::Beating],
            occurred: None,
            place: None,
            victims: Vec::new(),
            perpetrators: vec![Perpetrator {
                kind: PerpetratorKind::Guards,
                designation: "guard company".into(),
            }],
            sources: vec![AllegationSource::Interview],
            consent,
            narrative: "fictional account".into(),
        }
    }

    fn step(kind: StepKind) -> AllegationStep {
        AllegationStep {
            at: datetime!(2026-02-01 10:00 UTC),
            by: "delegate".into(),
            kind,
        }
    }

    #[test]
    fn consent_decides_the_form_and_replies_follow_representations() {
        let anonymous = allegation(Consent::Anonymous);
        let named = step(StepKind::Representation {
            addressee: "Camp command".into(),
            form: RepresentationForm::Named,
        });
        assert!(check_step(&anonymous, &[], &named).is_err());
        let reply = step(StepKind::AuthorityReply {
            text: "investigating".into(),
        });
        assert!(check_step(&anonymous, &[], &reply).is_err());
        let anon = step(StepKind::Representation {
            addressee: "Camp command".into(),
            form: RepresentationForm::Anonymous,
        });
        assert!(check_step(&anonymous, &[], &anon).is_ok());
        let history = vec![anon, reply];
        assert_eq!(status(&history), AllegationStatus::AuthorityReplied);
        assert_eq!(status(&[]), AllegationStatus::Recorded);
    }
}
