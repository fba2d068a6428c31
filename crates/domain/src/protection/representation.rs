//! Confidential representations with their text, and the authority's replies (ICRC-VIS-e),
//! after the OpenEvSys "intervention": a delegate writes what is handed to the responsible
//! authority, sends it on a date, and records each reply with its outcome. The allegation's
//! status follows from these and from the older steps ([`super::allegation::AllegationStep`]),
//! in the order they happened ([`status_with`]).
//!
//! The text of a representation and of a reply are protected fields: the store seals them, and
//! every read of them is logged with its purpose (§7.5).

use time::{Date, OffsetDateTime, Time};

use super::allegation::{
    Allegation, AllegationStatus, AllegationStep, RepresentationForm, StepKind, check_form,
};
use super::interview::Interview;
use super::vocabulary;
use crate::ids::{AllegationId, ReplyId, RepresentationId};

vocabulary!(
    /// ICRC-VIS-e: what the authority answered to a confidential representation.
    ReplyOutcome {
        /// Received, no position taken yet.
        Acknowledged => "acknowledged",
        /// The authority announced measures (an inquiry, a transfer, a change of practice).
        MeasuresAnnounced => "measures-announced",
        /// The authority denied the facts or refused to act.
        Denied => "denied",
        /// No answer by the date the delegate followed up.
        NoReply => "no-reply",
    }
);

/// A confidential representation as written and sent (ICRC-VIS-e). `text` is protected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepresentationLetter {
    pub id: RepresentationId,
    pub allegation: AllegationId,
    pub form: RepresentationForm,
    /// The responsible authority it was handed to ("Command of Camp K-7").
    pub addressee: String,
    /// The day it was handed over or sent.
    pub sent_on: Date,
    pub text: String,
}

/// The authority's reply to one representation. For [`ReplyOutcome::NoReply`], `received_on`
/// is the day the delegate noted that no answer had come, and the text may be empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorityReply {
    pub id: ReplyId,
    pub representation: RepresentationId,
    pub received_on: Date,
    pub outcome: ReplyOutcome,
    /// What the authority said (protected); `None` only for "no reply".
    pub text: Option<String>,
}

/// ICRC-VIS-c/e: checks a representation before it is recorded: its addressee and text, the
/// consent of the allegation and of the interviews it comes from ([`check_form`]), and that the
/// allegation is not closed. `today` bounds the date it was sent.
///
/// # Errors
/// One message, naming the field (`addressee`, `text`, `sent_on`, `form` with `ICRC-VIS-c`).
pub fn check_representation(
    allegation: &Allegation,
    interviews: &[Interview],
    history: &[AllegationStep],
    letter: &RepresentationLetter,
    today: Date,
) -> Result<(), String> {
    if history
        .iter()
        .any(|s| matches!(s.kind, StepKind::Closed { .. }))
    {
        return Err("the allegation is closed".into());
    }
    if letter.allegation != allegation.id {
        return Err("allegation: the representation belongs to another allegation".into());
    }
    super::text("addressee", &letter.addressee, 200)?;
    super::text("text", &letter.text, 50_000)?;
    if letter.sent_on > today {
        return Err(format!(
            "sent_on: {} is in the future; record a representation once it is sent",
            letter.sent_on
        ));
    }
    check_form(allegation, interviews, letter.form)
}

/// ICRC-VIS-e: checks a reply against the representation it answers.
///
/// # Errors
/// A reply dated before the representation was sent or in the future, a reply without text
/// (only "no reply" may have none), or a text too long.
pub fn check_reply(
    letter: &RepresentationLetter,
    reply: &AuthorityReply,
    today: Date,
) -> Result<(), String> {
    if reply.representation != letter.id {
        return Err("representation: the reply answers another representation".into());
    }
    if reply.received_on < letter.sent_on {
        return Err(format!(
            "received_on: {} is before the representation was sent ({})",
            reply.received_on, letter.sent_on
        ));
    }
    if reply.received_on > today {
        return Err(format!(
            "received_on: {} is in the future",
            reply.received_on
        ));
    }
    match (&reply.text, reply.outcome) {
        (Some(text), _) => super::text("text", text, 20_000),
        (None, ReplyOutcome::NoReply) => Ok(()),
        (None, outcome) => Err(format!("text: what the authority said ({outcome})")),
    }
}

/// The status an allegation's reply outcome leads to.
#[must_use]
pub const fn status_of_outcome(outcome: ReplyOutcome) -> AllegationStatus {
    match outcome {
        ReplyOutcome::Acknowledged => AllegationStatus::AuthorityReplied,
        ReplyOutcome::MeasuresAnnounced => AllegationStatus::MeasuresAnnounced,
        ReplyOutcome::Denied => AllegationStatus::Denied,
        ReplyOutcome::NoReply => AllegationStatus::NoReply,
    }
}

/// ICRC-VIS-e: the status that the steps, the representations and their replies lead to, taken
/// in the order they happened (a day counts from its start; on the same day a representation
/// comes before its reply, and a closure after both). A representation with its text raises the
/// allegation again, whatever came before; a reply sets the status by its outcome; a closure
/// ends it. The older steps keep their meaning: a step-only representation raises only a
/// recorded allegation, so `status_with(history, &[], &[]) == status(history)`.
#[must_use]
pub fn status_with(
    history: &[AllegationStep],
    letters: &[RepresentationLetter],
    replies: &[AuthorityReply],
) -> AllegationStatus {
    #[derive(Clone, Copy)]
    enum Leads {
        RaiseIfRecorded,
        Set(AllegationStatus),
        Close,
    }
    let mut events: Vec<(OffsetDateTime, u8, Leads)> = Vec::new();
    let day = |d: Date| d.with_time(Time::MIDNIGHT).assume_utc();
    for step in history {
        let (order, leads) = match step.kind {
            StepKind::Representation { .. } => (0, Leads::RaiseIfRecorded),
            StepKind::AuthorityReply { .. } => (1, Leads::Set(AllegationStatus::AuthorityReplied)),
            StepKind::Closed { .. } => (2, Leads::Close),
        };
        events.push((step.at, order, leads));
    }
    for letter in letters {
        events.push((
            day(letter.sent_on),
            0,
            Leads::Set(AllegationStatus::RaisedWithAuthority),
        ));
    }
    for reply in replies {
        events.push((
            day(reply.received_on),
            1,
            Leads::Set(status_of_outcome(reply.outcome)),
        ));
    }
    events.sort_by_key(|(at, order, _)| (*at, *order));
    let mut status = AllegationStatus::Recorded;
    for (_, _, leads) in events {
        match leads {
            Leads::Close => return AllegationStatus::Closed,
            Leads::RaiseIfRecorded if status == AllegationStatus::Recorded => {
                status = AllegationStatus::RaisedWithAuthority;
            }
            Leads::RaiseIfRecorded => {}
            Leads::Set(next) => status = next,
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;
    use crate::protection::allegation::{
        ActKind, AllegationCategory, AllegationSource, Consent, Perpetrator, PerpetratorKind,
    };

    fn allegation(consent: Consent) -> Allegation {
        Allegation {
            id: AllegationId::new(),
            reference: "A-9".into(),
            category: AllegationCategory::Conditions,
            acts: vec![ActKind::Overcrowding],
            occurred: None,
            place: None,
            victims: Vec::new(),
            perpetrators: vec![Perpetrator {
                kind: PerpetratorKind::Authority,
                designation: "camp command".into(),
            }],
            sources: vec![AllegationSource::Interview],
            consent,
            narrative: "fictional".into(),
        }
    }

    fn letter(a: &Allegation, form: RepresentationForm, sent_on: Date) -> RepresentationLetter {
        RepresentationLetter {
            id: RepresentationId::new(),
            allegation: a.id,
            form,
            addressee: "Command of the fictional camp".into(),
            sent_on,
            text: "We raise, confidentially, the conditions of cell block B.".into(),
        }
    }

    fn reply(l: &RepresentationLetter, on: Date, outcome: ReplyOutcome) -> AuthorityReply {
        AuthorityReply {
            id: ReplyId::new(),
            representation: l.id,
            received_on: on,
            outcome,
            text: (outcome != ReplyOutcome::NoReply).then(|| "fictional answer".into()),
        }
    }

    #[test]
    fn a_representation_is_checked_for_consent_dates_and_closure() {
        let today = date!(2026 - 03 - 01);
        let anonymous = allegation(Consent::Anonymous);
        let named = letter(&anonymous, RepresentationForm::Named, today);
        assert!(
            check_representation(&anonymous, &[], &[], &named, today)
                .unwrap_err()
                .starts_with("ICRC-VIS-c")
        );
        let ok = letter(&anonymous, RepresentationForm::Anonymous, today);
        assert_eq!(
            check_representation(&anonymous, &[], &[], &ok, today),
            Ok(())
        );
        let future = letter(
            &anonymous,
            RepresentationForm::Anonymous,
            date!(2026 - 03 - 02),
        );
        assert!(
            check_representation(&anonymous, &[], &[], &future, today)
                .unwrap_err()
                .starts_with("sent_on")
        );
        let mut empty = ok.clone();
        empty.text = "  ".into();
        assert!(
            check_representation(&anonymous, &[], &[], &empty, today)
                .unwrap_err()
                .starts_with("text")
        );
        let closed = AllegationStep {
            at: datetime!(2026-02-01 10:00 UTC),
            by: "d".into(),
            kind: StepKind::Closed {
                reason: "resolved".into(),
            },
        };
        assert!(check_representation(&anonymous, &[], &[closed], &ok, today).is_err());
    }

    #[test]
    fn a_reply_answers_after_the_representation_and_only_no_reply_may_be_silent() {
        let a = allegation(Consent::Named);
        let l = letter(&a, RepresentationForm::Named, date!(2026 - 02 - 10));
        let today = date!(2026 - 03 - 01);
        let early = reply(&l, date!(2026 - 02 - 09), ReplyOutcome::Denied);
        assert!(
            check_reply(&l, &early, today)
                .unwrap_err()
                .starts_with("received_on")
        );
        // The boundary: the same day is allowed.
        let same_day = reply(&l, date!(2026 - 02 - 10), ReplyOutcome::Acknowledged);
        assert_eq!(check_reply(&l, &same_day, today), Ok(()));
        let mut silent = reply(&l, date!(2026 - 02 - 20), ReplyOutcome::Denied);
        silent.text = None;
        assert!(
            check_reply(&l, &silent, today)
                .unwrap_err()
                .starts_with("text")
        );
        let none = reply(&l, date!(2026 - 02 - 20), ReplyOutcome::NoReply);
        assert_eq!(check_reply(&l, &none, today), Ok(()));
        let other = reply(
            &letter(&a, RepresentationForm::Named, date!(2026 - 02 - 10)),
            date!(2026 - 02 - 20),
            ReplyOutcome::Denied,
        );
        assert!(check_reply(&l, &other, today).is_err());
    }

    #[test]
    fn the_status_follows_representations_and_replies_in_order() {
        let a = allegation(Consent::Named);
        assert_eq!(status_with(&[], &[], &[]), AllegationStatus::Recorded);
        let first = letter(&a, RepresentationForm::Named, date!(2026 - 02 - 10));
        assert_eq!(
            status_with(&[], std::slice::from_ref(&first), &[]),
            AllegationStatus::RaisedWithAuthority
        );
        // A reply on the day of the representation comes after it.
        let ack = reply(&first, date!(2026 - 02 - 10), ReplyOutcome::Acknowledged);
        assert_eq!(
            status_with(
                &[],
                std::slice::from_ref(&first),
                std::slice::from_ref(&ack)
            ),
            AllegationStatus::AuthorityReplied
        );
        let denied = reply(&first, date!(2026 - 02 - 20), ReplyOutcome::Denied);
        assert_eq!(
            status_with(
                &[],
                std::slice::from_ref(&first),
                &[denied.clone(), ack.clone()]
            ),
            AllegationStatus::Denied
        );
        // Raised again after the denial, then measures announced.
        let second = letter(&a, RepresentationForm::Named, date!(2026 - 03 - 01));
        let letters = [first.clone(), second.clone()];
        assert_eq!(
            status_with(&[], &letters, &[ack.clone(), denied.clone()]),
            AllegationStatus::RaisedWithAuthority
        );
        let measures = reply(
            &second,
            date!(2026 - 03 - 05),
            ReplyOutcome::MeasuresAnnounced,
        );
        assert_eq!(
            status_with(&[], &letters, &[ack, denied, measures.clone()]),
            AllegationStatus::MeasuresAnnounced
        );
        let silent = reply(&second, date!(2026 - 03 - 05), ReplyOutcome::NoReply);
        assert_eq!(
            status_with(&[], &[second], &[silent]),
            AllegationStatus::NoReply
        );
        // A closure ends it, whatever comes after.
        let closed = AllegationStep {
            at: datetime!(2026-03-02 09:00 UTC),
            by: "d".into(),
            kind: StepKind::Closed {
                reason: "resolved".into(),
            },
        };
        assert_eq!(
            status_with(std::slice::from_ref(&closed), &letters, &[measures]),
            AllegationStatus::Closed
        );
        // Without letters, the older steps alone give what `status` gives.
        let step = |kind| AllegationStep {
            at: datetime!(2026-02-01 10:00 UTC),
            by: "d".into(),
            kind,
        };
        let legacy = [
            step(StepKind::Representation {
                addressee: "x".into(),
                form: RepresentationForm::Named,
            }),
            step(StepKind::AuthorityReply { text: "y".into() }),
            step(StepKind::Representation {
                addressee: "x".into(),
                form: RepresentationForm::Named,
            }),
        ];
        assert_eq!(
            status_with(&legacy, &[], &[]),
            super::super::status(&legacy)
        );
        assert_eq!(status_with(&[closed], &[], &[]), AllegationStatus::Closed);
    }
}
