//! Allegations (ICRC-VIS-f, §9.7), after the HURIDOCS events model of OpenEvSys: an event with
//! acts, victims, alleged perpetrators (units or authorities, never intelligence on individuals),
//! sources and interventions, each from a controlled vocabulary. The status follows from the
//! append-only history of confidential representations and the authority's replies
//! (ICRC-VIS-e).

use time::OffsetDateTime;

use super::interview::Interview;
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
        /// ICRC-VIS-e: the authority's latest reply announced measures.
        MeasuresAnnounced => "measures-announced",
        /// ICRC-VIS-e: the authority's latest reply denied the facts or refused to act.
        Denied => "authority-denied",
        /// ICRC-VIS-e: the latest representation went unanswered.
        NoReply => "no-reply",
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

/// ICRC-VIS-c: the consent that governs what reaches the authorities: the most restrictive of
/// the allegation's own and of every private interview it comes from (`Named` < `Anonymous` <
/// `No` in the vocabulary's order).
#[must_use]
pub fn effective_consent(allegation: &Allegation, interviews: &[Interview]) -> Consent {
    interviews
        .iter()
        .map(|i| i.consent_authorities)
        .fold(allegation.consent, Ord::max)
}

/// ICRC-VIS-c: an allegation recorded from private interviews cannot claim more consent than
/// the persons interviewed gave.
///
/// # Errors
/// The allegation's consent is wider than one of its interviews' (message on `consent`).
pub fn check_interviews(allegation: &Allegation, interviews: &[Interview]) -> Result<(), String> {
    for interview in interviews {
        if allegation.consent < interview.consent_authorities {
            return Err(format!(
                "consent: the private interview of {} allowed {} use with the authorities; the allegation cannot say {}",
                interview.held_at.date(),
                interview.consent_authorities,
                allegation.consent
            ));
        }
    }
    Ok(())
}

/// ICRC-VIS-c: whether a representation of this form may be made, given the allegation's
/// consent and the interviews it comes from. An allegation from an interview whose person gave
/// no consent never reaches the authorities, in any form.
///
/// # Errors
/// The reason, starting with `ICRC-VIS-c`.
pub fn check_form(
    allegation: &Allegation,
    interviews: &[Interview],
    form: RepresentationForm,
) -> Result<(), String> {
    if let Some(refusing) = interviews
        .iter()
        .find(|i| i.consent_authorities == Consent::No)
    {
        return Err(format!(
            "ICRC-VIS-c: the private interview of {} gave no consent to use with the authorities; this allegation is never raised with them, named, anonymous or aggregated",
            refusing.held_at.date()
        ));
    }
    let consent = effective_consent(allegation, interviews);
    match (form, consent) {
        (RepresentationForm::Named, Consent::Anonymous | Consent::No) => Err(format!(
            "ICRC-VIS-c: consent is {consent}; a named representation needs named consent"
        )),
        (RepresentationForm::Anonymous, Consent::No) => {
            Err("ICRC-VIS-c: no consent; only an aggregated representation is possible".into())
        }
        _ => Ok(()),
    }
}

/// What a confidential representation to the authority carries (ICRC-VIS-c/e): the person only
/// when they consented to be named; an anonymous one strips the person (no victims, no
/// narrative in their words, no interview); an aggregated one keeps only what a trend needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Representation {
    pub form: RepresentationForm,
    pub category: AllegationCategory,
    pub acts: Vec<ActKind>,
    /// When it happened; not in an aggregated representation.
    pub occurred: Option<PartialDate>,
    pub place: Option<PlaceId>,
    /// Units or authorities; an aggregated one keeps only their kinds.
    pub perpetrators: Vec<Perpetrator>,
    /// The persons concerned: only in a named representation.
    pub victims: Vec<RegistrationId>,
    /// How many persons are concerned (every form).
    pub persons: usize,
    /// The account: only in a named representation.
    pub narrative: Option<String>,
}

/// ICRC-VIS-c: what a representation of `form` may carry, or why it may not be made.
///
/// # Errors
/// As [`check_form`].
pub fn representation(
    allegation: &Allegation,
    interviews: &[Interview],
    form: RepresentationForm,
) -> Result<Representation, String> {
    check_form(allegation, interviews, form)?;
    let persons = allegation.victims.len().max(
        interviews
            .iter()
            .flat_map(|i| i.interviewees.iter())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
    );
    let named = form == RepresentationForm::Named;
    let aggregated = form == RepresentationForm::Aggregated;
    Ok(Representation {
        form,
        category: allegation.category,
        acts: allegation.acts.clone(),
        occurred: if aggregated {
            None
        } else {
            allegation.occurred.clone()
        },
        place: allegation.place,
        perpetrators: allegation
            .perpetrators
            .iter()
            .map(|p| Perpetrator {
                kind: p.kind,
                designation: if aggregated {
                    p.kind.code().replace('-', " ")
                } else {
                    p.designation.clone()
                },
            })
            .collect(),
        victims: if named {
            allegation.victims.clone()
        } else {
            Vec::new()
        },
        persons,
        narrative: named.then(|| allegation.narrative.clone()),
    })
}

/// ICRC-VIS-c/e: checks a new step against the allegation, the private interviews it comes from
/// and its history.
///
/// # Errors
/// A representation the consent does not allow ([`check_form`]), a reply before any
/// representation, any step after closure, or empty texts.
pub fn check_step(
    allegation: &Allegation,
    interviews: &[Interview],
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
            check_form(allegation, interviews, *form)
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
        assert!(check_step(&anonymous, &[], &[], &named).is_err());
        let reply = step(StepKind::AuthorityReply {
            text: "investigating".into(),
        });
        assert!(check_step(&anonymous, &[], &[], &reply).is_err());
        let anon = step(StepKind::Representation {
            addressee: "Camp command".into(),
            form: RepresentationForm::Anonymous,
        });
        assert!(check_step(&anonymous, &[], &[], &anon).is_ok());
        let history = vec![anon, reply];
        assert_eq!(status(&history), AllegationStatus::AuthorityReplied);
        assert_eq!(status(&[]), AllegationStatus::Recorded);
    }

    fn interview(consent: Consent) -> Interview {
        Interview {
            id: crate::ids::InterviewId::new(),
            visit: crate::ids::VisitId::new(),
            interviewees: vec![RegistrationId::new()],
            place: PlaceId::new(),
            held_at: datetime!(2026-01-20 10:00 UTC),
            interviewers: vec!["delegate".into()],
            interpreter: None,
            language: None,
            without_witnesses: true,
            present: None,
            consent_authorities: consent,
            consent_family: false,
            consent_medical: false,
            notes: None,
        }
    }

    // ICRC-VIS-c: an allegation from a non-consenting interview never reaches the authorities.
    #[test]
    fn an_interview_without_consent_keeps_the_allegation_from_every_representation() {
        let mut allegation = allegation(Consent::No);
        let refusing = interview(Consent::No);
        for form in RepresentationForm::ALL {
            let refused =
                check_form(&allegation, std::slice::from_ref(&refusing), *form).unwrap_err();
            assert!(refused.contains("gave no consent"), "{refused}");
        }
        // The allegation's own "no" alone still allows an aggregated representation.
        assert!(check_form(&allegation, &[], RepresentationForm::Aggregated).is_ok());
        // The interview decides even when the allegation claims more.
        allegation.consent = Consent::Named;
        assert!(check_interviews(&allegation, std::slice::from_ref(&refusing)).is_err());
        assert_eq!(
            effective_consent(&allegation, &[interview(Consent::Anonymous)]),
            Consent::Anonymous
        );
    }

    // ICRC-VIS-c: anonymous strips the person; named carries them.
    #[test]
    fn an_anonymous_representation_strips_the_person() {
        let mut allegation = allegation(Consent::Named);
        allegation.victims = vec![RegistrationId::new()];
        let anonymous = interview(Consent::Anonymous);
        let content = representation(
            &allegation,
            std::slice::from_ref(&anonymous),
            RepresentationForm::Anonymous,
        )
        .unwrap();
        assert!(content.victims.is_empty());
        assert_eq!(content.narrative, None);
        assert_eq!(content.persons, 1);
        assert!(
            representation(&allegation, &[anonymous], RepresentationForm::Named)
                .unwrap_err()
                .contains("named consent")
        );
        let named = representation(
            &allegation,
            &[interview(Consent::Named)],
            RepresentationForm::Named,
        )
        .unwrap();
        assert_eq!(named.victims, allegation.victims);
        assert_eq!(named.narrative.as_deref(), Some("fictional account"));
        let aggregated = representation(&allegation, &[], RepresentationForm::Aggregated).unwrap();
        assert_eq!(aggregated.perpetrators[0].designation, "guards");
        assert_eq!(aggregated.occurred, None);
    }
}
