//! Private interviews (GC3-126-b, GC4-143-a, ICRC-VIS-b stage 3, ICRC-VIS-c), a record of their
//! own: who was interviewed, by whom, when and where, whether without witnesses (and if not, who
//! was present), through which interpreter, and what the person consented to. The notes are a
//! protected field, sealed by the store.

use time::OffsetDateTime;

use super::Consent;
use crate::ids::{InterviewId, PlaceId, RegistrationId, VisitId};

/// One private interview, with one person seen or a group (GC3-126-b: "individual or group").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interview {
    pub id: InterviewId,
    pub visit: VisitId,
    /// The persons seen who were interviewed; at least one.
    pub interviewees: Vec<RegistrationId>,
    /// Where it took place.
    pub place: PlaceId,
    pub held_at: OffsetDateTime,
    /// Who interviewed: delegates, a doctor.
    pub interviewers: Vec<String>,
    /// GC3-126-b: "in person or through an interpreter".
    pub interpreter: Option<String>,
    /// The language of the interview (XC-6), as a tag or a name.
    pub language: Option<String>,
    /// GC3-126-b: without witnesses. When not, `present` says who was there.
    pub without_witnesses: bool,
    pub present: Option<String>,
    /// ICRC-VIS-c: what may be used with the authorities (named, anonymous, not at all).
    pub consent_authorities: Consent,
    /// ICRC-VIS-c: whether what was said may be shared with the family.
    pub consent_family: bool,
    /// ICRC-VIS-c: whether a medical referral was agreed.
    pub consent_medical: bool,
    /// Encrypted at rest (ICRC-DP-f).
    pub notes: Option<String>,
}

impl Interview {
    /// # Errors
    /// No interviewee or interviewer, an interview held in the future, one with witnesses that
    /// does not say who was present, or overlong texts. Each message names the field.
    pub fn validate(&self, now: OffsetDateTime) -> Result<(), String> {
        if self.interviewees.is_empty() {
            return Err("interviewees: at least one person seen".into());
        }
        if self.interviewers.is_empty() {
            return Err("interviewers: at least one".into());
        }
        for interviewer in &self.interviewers {
            super::text("interviewers", interviewer, 200)?;
        }
        if self.held_at > now + time::Duration::minutes(5) {
            return Err("held at: in the future".into());
        }
        for (field, value, max) in [
            ("interpreter", &self.interpreter, 200),
            ("language", &self.language, 64),
            ("present", &self.present, 500),
            ("notes", &self.notes, 20_000),
        ] {
            if let Some(value) = value {
                super::text(field, value, max)?;
            }
        }
        if !self.without_witnesses && self.present.is_none() {
            return Err(
                "present: who was present, when the interview was not without witnesses (GC III 126)"
                    .into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn interview() -> Interview {
        Interview {
            id: InterviewId::new(),
            visit: VisitId::new(),
            interviewees: vec![RegistrationId::new()],
            place: PlaceId::new(),
            held_at: datetime!(2026-03-01 10:00 UTC),
            interviewers: vec!["delegate".into()],
            interpreter: None,
            language: Some("uk".into()),
            without_witnesses: true,
            present: None,
            consent_authorities: Consent::Anonymous,
            consent_family: true,
            consent_medical: false,
            notes: Some("fictional notes".into()),
        }
    }

    #[test]
    fn an_interview_with_witnesses_says_who_was_present() {
        let now = datetime!(2026-03-02 10:00 UTC);
        let mut record = interview();
        assert!(record.validate(now).is_ok());
        record.without_witnesses = false;
        assert!(record.validate(now).unwrap_err().starts_with("present:"));
        record.present = Some("a guard at the door".into());
        assert!(record.validate(now).is_ok());
        record.interviewees.clear();
        assert!(
            record
                .validate(now)
                .unwrap_err()
                .starts_with("interviewees:")
        );
        let mut future = interview();
        future.held_at = datetime!(2026-03-05 10:00 UTC);
        assert!(future.validate(now).unwrap_err().starts_with("held at:"));
    }
}
