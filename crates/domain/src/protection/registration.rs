//! Registration during visits (ICRC-VIS-a) and individual follow-up (ICRC-VIS-d).

use time::{Date, OffsetDateTime};

use crate::ids::{PlaceId, RegistrationId, VisitId};
use crate::partial_date::PartialDate;
use crate::person::Sex;
use crate::person_name::PersonName;

/// A person the delegates saw and registered, as written on the delegate's laptop. The id is
/// made there, so importing the same registration twice changes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonSeen {
    pub id: RegistrationId,
    pub visit: VisitId,
    pub place: PlaceId,
    pub seen_at: OffsetDateTime,
    pub name: PersonName,
    pub birth_date: Option<PartialDate>,
    pub sex: Option<Sex>,
    /// ISO 3166 code as declared.
    pub nationality: Option<String>,
    pub service_number: Option<String>,
    pub father_name: Option<String>,
    /// Since when the person says they are held.
    pub held_since: Option<PartialDate>,
    /// The delegate who registered the person.
    pub registered_by: String,
}

impl PersonSeen {
    /// # Errors
    /// Overlong identifiers, or a nationality that is not two capital letters.
    pub fn validate(&self) -> Result<(), String> {
        super::text("registered by", &self.registered_by, 200)?;
        if let Some(code) = &self.nationality
            && (code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()))
        {
            return Err(format!(
                "nationality: {code:?} is not a two-letter country code"
            ));
        }
        for (field, value) in [
            ("service number", &self.service_number),
            ("father's name", &self.father_name),
        ] {
            if let Some(value) = value {
                super::text(field, value, 200)?;
            }
        }
        Ok(())
    }
}

/// One follow-up record of a person seen (ICRC-VIS-d). Append-only: the latest is the current
/// one. Health, family contact and messages are protected fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUp {
    pub registration: RegistrationId,
    pub recorded_at: OffsetDateTime,
    /// Health as observed or reported (medical: need to know).
    pub health: Option<String>,
    /// ICRC-RFL: the person wants family contact restored.
    pub family_contact_wanted: bool,
    /// Whom to contact and how.
    pub family_contact: Option<String>,
    /// Red Cross messages or oral messages to pass on.
    pub messages: Vec<String>,
    /// When the person is to be seen again.
    pub next_visit_due: Option<Date>,
    /// ICRC-VIS-d: each follow-up checks for reprisals after earlier interviews.
    pub reprisals_reported: Option<bool>,
    pub recorded_by: String,
}

impl FollowUp {
    /// # Errors
    /// Overlong texts, a family contact wanted with no one to contact, or an empty message.
    pub fn validate(&self) -> Result<(), String> {
        super::text("recorded by", &self.recorded_by, 200)?;
        if let Some(health) = &self.health {
            super::text("health", health, 4000)?;
        }
        if let Some(contact) = &self.family_contact {
            super::text("family contact", contact, 1000)?;
        }
        if self.family_contact_wanted && self.family_contact.is_none() {
            return Err("family contact: whom to contact, when contact is wanted".into());
        }
        for (i, message) in self.messages.iter().enumerate() {
            super::text(&format!("message {}", i + 1), message, 4000)?;
        }
        Ok(())
    }

    /// ICRC-VIS-d (do no harm, ICRC-VIS-c): a follow-up of a person who was interviewed in
    /// private before it says whether reprisals were reported; "not asked" is refused.
    ///
    /// # Errors
    /// The follow-up leaves `reprisals_reported` open after an earlier interview of the person
    /// (message on `reprisals`).
    pub fn check_reprisals(&self, interviews: &[super::Interview]) -> Result<(), String> {
        self.check_reprisals_across(&[self.registration], interviews)
    }

    /// As [`FollowUp::check_reprisals`], for a person followed across visits and transfers:
    /// an interview on any of `registrations` (the person's, `followed::FollowedPerson`)
    /// counts.
    ///
    /// # Errors
    /// As [`FollowUp::check_reprisals`].
    pub fn check_reprisals_across(
        &self,
        registrations: &[RegistrationId],
        interviews: &[super::Interview],
    ) -> Result<(), String> {
        if self.reprisals_reported.is_some() {
            return Ok(());
        }
        match interviews
            .iter()
            .filter(|i| {
                i.held_at < self.recorded_at
                    && (i.interviewees.contains(&self.registration)
                        || registrations.iter().any(|r| i.interviewees.contains(r)))
            })
            .map(|i| i.held_at)
            .max()
        {
            Some(at) => Err(format!(
                "reprisals: ICRC-VIS-d: the person was interviewed in private on {}; a follow-up asks whether there were reprisals since",
                at.date()
            )),
            None => Ok(()),
        }
    }

    /// Whether the next visit is due on `today` or before.
    #[must_use]
    pub fn is_due(&self, today: Date) -> bool {
        self.next_visit_due.is_some_and(|due| due <= today)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::ids::InterviewId;
    use crate::protection::{Consent, Interview};

    // ICRC-VIS-d: after a private interview, a follow-up says whether reprisals were reported.
    #[test]
    fn a_follow_up_after_an_interview_asks_about_reprisals() {
        let person = RegistrationId::new();
        let interview = Interview {
            id: InterviewId::new(),
            visit: VisitId::new(),
            interviewees: vec![person],
            place: PlaceId::new(),
            held_at: datetime!(2026-03-01 11:00 UTC),
            interviewers: vec!["delegate".into()],
            interpreter: None,
            language: None,
            without_witnesses: true,
            present: None,
            consent_authorities: Consent::No,
            consent_family: false,
            consent_medical: false,
            notes: None,
        };
        let mut follow_up = FollowUp {
            registration: person,
            recorded_at: datetime!(2026-03-20 10:00 UTC),
            health: None,
            family_contact_wanted: false,
            family_contact: None,
            messages: Vec::new(),
            next_visit_due: None,
            reprisals_reported: None,
            recorded_by: "delegate".into(),
        };
        let refused = follow_up
            .check_reprisals(std::slice::from_ref(&interview))
            .unwrap_err();
        assert!(
            refused.starts_with("reprisals:") && refused.contains("2026-03-01"),
            "{refused}"
        );
        follow_up.reprisals_reported = Some(false);
        assert!(
            follow_up
                .check_reprisals(std::slice::from_ref(&interview))
                .is_ok()
        );
        // Before the interview, or for someone else, nothing is asked.
        follow_up.reprisals_reported = None;
        follow_up.recorded_at = datetime!(2026-03-01 10:00 UTC);
        assert!(
            follow_up
                .check_reprisals(std::slice::from_ref(&interview))
                .is_ok()
        );
        follow_up.recorded_at = datetime!(2026-03-20 10:00 UTC);
        follow_up.registration = RegistrationId::new();
        assert!(follow_up.check_reprisals(&[interview]).is_ok());
    }
}
