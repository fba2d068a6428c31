//! Enquiries, answers and lists in envelopes (issue 5; GC3-122-g, GC4-137-a; GC3-46-a,
//! GC4-127). The sender adds what waits for a recipient after its cards and changes
//! ([`outgoing`]); the receiver checks and keeps each inside the ingest's one transaction
//! ([`receive_enquiry`], [`receive_answer`], [`list_of`]), so a refused notice leaves nothing
//! of the envelope behind. Protection data never travels: an enquiry about a tracing request
//! carries the sought person's particulars, never the enquirer, and only with the family's
//! consent to trace (checked when it is asked).

use std::collections::{HashMap, HashSet};

use domain::PersonId;
use store::{
    EnquiryDirection, ImportBatch, NoticeItem, NoticeKind, ReceivedAnswer, ReceivedEnquiry,
    ReceivedList, ReceivedWithdrawal, Store, StoreError, TenantScope,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use transmit::{Content, EnquiryAnswer, EnquiryNotice, EnquiryWithdrawal, ListNotice};

use super::{Refusal, TransmissionResult};

fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// What waits for one recipient, as notices, with the items that record them as carried.
#[derive(Debug, Default)]
pub struct Outgoing {
    pub contents: Vec<Content>,
    pub notices: Vec<NoticeItem>,
    pub enquiries: usize,
    pub answers: usize,
    pub lists: usize,
    pub withdrawals: usize,
}

/// The enquiries asked of `to`, the answers to its enquiries and (for a bureau) the lists no
/// envelope to it carried yet. A list waits until the card of each of its persons went to
/// `to` on `channel` before or goes in this envelope (`in_envelope`), as events do.
///
/// # Errors
/// A database error.
pub async fn outgoing(
    store: &Store,
    scope: &TenantScope,
    to: &str,
    channel: &str,
    in_envelope: &[PersonId],
    lists_too: bool,
) -> TransmissionResult<Outgoing> {
    let pending = store.pending_messages(scope, to).await?;
    let mut out = Outgoing::default();
    // The notice items' person is unused for messages (migration 0014).
    let nobody = PersonId::from_uuid(uuid::Uuid::nil());
    for enquiry in pending.enquiries {
        out.contents.push(Content::Enquiry(EnquiryNotice {
            reference: enquiry.reference.clone(),
            about: enquiry.subject_reference.clone(),
            sought: enquiry.sought.clone(),
            question: enquiry.question.clone(),
            asked_by: enquiry.asked_by.clone(),
            asked_at: rfc3339(enquiry.asked_at),
            due_at: rfc3339(enquiry.due_at),
        }));
        out.notices.push(NoticeItem {
            person: nobody,
            kind: NoticeKind::Enquiry,
            id: enquiry.id,
        });
        out.enquiries += 1;
    }
    for (enquiry, answer) in pending.answers {
        out.contents.push(Content::EnquiryAnswer(EnquiryAnswer {
            enquiry_reference: enquiry.reference.clone(),
            reference: answer.reference.clone(),
            answer: answer.answer.clone(),
            persons: answer.persons.clone(),
            answered_by: answer.answered_by.clone(),
            answered_at: rfc3339(answer.answered_at),
        }));
        out.notices.push(NoticeItem {
            person: nobody,
            kind: NoticeKind::Answer,
            id: answer.id,
        });
        out.answers += 1;
    }
    // GC3-122-g: a withdrawn enquiry the bureau received (migration 0019).
    for enquiry in pending.withdrawals {
        let Some(closure) = enquiry.closure else {
            continue;
        };
        out.contents
            .push(Content::EnquiryWithdrawal(EnquiryWithdrawal {
                enquiry_reference: enquiry.reference.clone(),
                reason: closure.reason.clone(),
                withdrawn_by: closure.closed_by.clone(),
                withdrawn_at: rfc3339(closure.closed_at),
            }));
        out.notices.push(NoticeItem {
            person: nobody,
            kind: NoticeKind::Withdrawal,
            id: closure.id,
        });
        out.withdrawals += 1;
    }
    if !lists_too || pending.lists.is_empty() {
        return Ok(out);
    }
    let unsent: HashSet<PersonId> = store
        .untransmitted_persons(scope, to, channel, None)
        .await?
        .into_iter()
        .collect();
    let going: HashSet<PersonId> = in_envelope.iter().copied().collect();
    let mut wanted: Vec<PersonId> = pending
        .lists
        .iter()
        .flat_map(|l| l.persons.iter().copied())
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let references: HashMap<PersonId, String> = store
        .person_records(scope, &wanted)
        .await?
        .into_iter()
        .map(|r| (r.person.id, r.person.reference))
        .collect();
    for list in pending.lists {
        let ready = list
            .persons
            .iter()
            .all(|p| !unsent.contains(p) || going.contains(p));
        if !ready {
            continue;
        }
        let Some(rows) = list
            .persons
            .iter()
            .map(|p| references.get(p).cloned())
            .collect::<Option<Vec<String>>>()
        else {
            continue;
        };
        out.contents.push(Content::List(ListNotice {
            reference: list.reference.clone(),
            title: list.title.clone(),
            rule: list.rule.clone(),
            drawn_at: rfc3339(list.drawn_at),
            drawn_by: list.drawn_by.clone(),
            references: rows,
        }));
        out.notices.push(NoticeItem {
            person: nobody,
            kind: NoticeKind::List,
            id: list.id,
        });
        out.lists += 1;
    }
    Ok(out)
}

fn parse_time(number: usize, what: &str, text: &str) -> Result<OffsetDateTime, Refusal> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        (
            "invalid-content",
            format!("notice {number}: {what} {text:?} is not an RFC 3339 time"),
        )
    })
}

fn invalid(number: usize, error: &StoreError) -> Refusal {
    let problem = match error {
        StoreError::Invalid(message) => message.clone(),
        other => other.to_string(),
    };
    ("invalid-content", format!("notice {number}: {problem}"))
}

/// Keeps an enquiry from `sender` (GC3-122-g: the bureau replies to all enquiries, so one about
/// a reference it does not hold is kept too, without a person). `Ok(true)` when new.
///
/// # Errors
/// A database error; a bad notice is a [`Refusal`].
pub async fn receive_enquiry(
    store: &Store,
    scope: &TenantScope,
    batch: &mut ImportBatch,
    sender: &str,
    number: usize,
    notice: &EnquiryNotice,
) -> TransmissionResult<Result<bool, Refusal>> {
    let asked_at = match parse_time(number, "asked_at", &notice.asked_at) {
        Ok(at) => at,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let due_at = match parse_time(number, "due_at", &notice.due_at) {
        Ok(at) => at,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if let Err(error) = store::check_enquiry_texts(&notice.reference, &notice.question) {
        return Ok(Err(invalid(number, &error)));
    }
    if notice.about.is_none() && notice.sought.is_none() {
        return Ok(Err((
            "invalid-content",
            format!("notice {number}: an enquiry names a person (about) or a sought person"),
        )));
    }
    let person = match &notice.about {
        Some(reference) => store
            .persons_by_reference(scope, std::slice::from_ref(reference))
            .await?
            .get(reference)
            .copied(),
        None => None,
    };
    let received = ReceivedEnquiry {
        peer: sender.to_owned(),
        reference: notice.reference.clone(),
        person,
        subject_reference: notice.about.clone(),
        sought: notice.sought.clone(),
        question: notice.question.clone(),
        asked_by: notice.asked_by.clone(),
        asked_at,
        due_at,
    };
    match batch.receive_enquiry(&received).await {
        Ok(new) => Ok(Ok(new)),
        Err(error @ StoreError::Invalid(_)) => Ok(Err(invalid(number, &error))),
        Err(other) => Err(other.into()),
    }
}

/// Keeps an answer from `sender` to an enquiry this tenant asked of that sender; an answer to
/// an enquiry never asked, or asked of another bureau, is refused. `Ok(true)` when new.
///
/// # Errors
/// A database error; a bad notice is a [`Refusal`].
pub async fn receive_answer(
    batch: &mut ImportBatch,
    sender: &str,
    number: usize,
    notice: &EnquiryAnswer,
) -> TransmissionResult<Result<bool, Refusal>> {
    let answered_at = match parse_time(number, "answered_at", &notice.answered_at) {
        Ok(at) => at,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if let Err(error) =
        store::check_answer_texts(&notice.reference, &notice.answer, &notice.persons)
    {
        return Ok(Err(invalid(number, &error)));
    }
    let Some(enquiry) = batch
        .asked_enquiry(sender, &notice.enquiry_reference)
        .await?
    else {
        return Ok(Err((
            "invalid-content",
            format!(
                "notice {number}: an answer to enquiry {:?}, which this tenant never asked of {sender}",
                notice.enquiry_reference
            ),
        )));
    };
    let received = ReceivedAnswer {
        enquiry,
        reference: notice.reference.clone(),
        answer: notice.answer.clone(),
        persons: notice.persons.clone(),
        answered_by: notice.answered_by.clone(),
        answered_at,
    };
    match batch.receive_answer(&received).await {
        Ok(new) => Ok(Ok(new)),
        Err(error @ StoreError::Invalid(_)) => Ok(Err(invalid(number, &error))),
        Err(other) => Err(other.into()),
    }
}

/// Keeps a withdrawal from `sender` of an enquiry this tenant received from that sender: the
/// enquiry is then closed as withdrawn, no longer owed (GC3-122-g, §10 #47). A withdrawal of an
/// enquiry not received from `sender` yet (bundles read out of order) is held and closes the
/// enquiry when it arrives (migration 0021). `Ok(true)` when new.
///
/// # Errors
/// A database error; a bad notice is a [`Refusal`].
pub async fn receive_withdrawal(
    batch: &mut ImportBatch,
    sender: &str,
    number: usize,
    notice: &EnquiryWithdrawal,
) -> TransmissionResult<Result<bool, Refusal>> {
    let closed_at = match parse_time(number, "withdrawn_at", &notice.withdrawn_at) {
        Ok(at) => at,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let received = ReceivedWithdrawal {
        peer: sender.to_owned(),
        reference: notice.enquiry_reference.clone(),
        reason: notice.reason.clone(),
        closed_by: notice.withdrawn_by.clone(),
        closed_at,
    };
    match batch.receive_withdrawal(&received).await {
        Ok(outcome) => Ok(Ok(outcome.is_new())),
        Err(error @ StoreError::Invalid(_)) => Ok(Err(invalid(number, &error))),
        Err(other) => Err(other.into()),
    }
}

/// A received list, its rows resolved by `resolve` (the sender's reference to the person this
/// tenant holds for it). Every row must name a person whose card arrived: a row that does not
/// refuses the envelope, naming the row.
///
/// # Errors
/// The [`Refusal`] for a malformed list or row.
pub fn list_of(
    sender: &str,
    number: usize,
    notice: &ListNotice,
    resolve: &dyn Fn(&str) -> Option<PersonId>,
) -> Result<ReceivedList, Refusal> {
    let drawn_at = parse_time(number, "drawn_at", &notice.drawn_at)?;
    if let Err(error) =
        store::check_list_texts(&notice.reference, &notice.title, notice.rule.as_deref())
    {
        return Err(invalid(number, &error));
    }
    if notice.references.is_empty() || notice.references.len() > store::LIST_ROWS_MAX {
        return Err((
            "invalid-content",
            format!(
                "notice {number}: list {:?} has {} rows; a list holds 1 to {}",
                notice.reference,
                notice.references.len(),
                store::LIST_ROWS_MAX
            ),
        ));
    }
    let mut persons = Vec::with_capacity(notice.references.len());
    let mut seen = HashSet::new();
    for (i, reference) in notice.references.iter().enumerate() {
        let row = i + 1;
        let problem = if reference.trim().is_empty() {
            Some("an empty reference".to_owned())
        } else if !seen.insert(reference.as_str()) {
            Some(format!("reference {reference:?} a second time"))
        } else if let Some(person) = resolve(reference) {
            persons.push(person);
            None
        } else {
            Some(format!(
                "reference {reference:?}, whose card was never received"
            ))
        };
        if let Some(problem) = problem {
            return Err((
                "invalid-content",
                format!(
                    "notice {number}: list {:?} row {row}: {problem}",
                    notice.reference
                ),
            ));
        }
    }
    Ok(ReceivedList {
        peer: sender.to_owned(),
        reference: notice.reference.clone(),
        title: notice.title.clone(),
        rule: notice.rule.clone(),
        drawn_by: notice.drawn_by.clone(),
        drawn_at,
        persons,
    })
}

/// Whether an enquiry is answered, and on time against its target (§10 #47), or closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnquiryState {
    AnsweredOnTime,
    AnsweredLate,
    Overdue,
    Open,
    /// Closed by a caseworker without an answer in the system: answered by other means.
    ClosedAnswered,
    /// Closed by a caseworker: the question no longer stands.
    Withdrawn,
}

impl EnquiryState {
    /// An answer received or given decides; without one, a closure; else the target.
    #[must_use]
    pub fn of(enquiry: &store::EnquiryRecord, now: OffsetDateTime) -> Self {
        match (enquiry.answered_at(), &enquiry.closure) {
            (Some(at), _) if at <= enquiry.due_at => Self::AnsweredOnTime,
            (Some(_), _) => Self::AnsweredLate,
            (None, Some(closure)) => match closure.outcome {
                store::ClosureOutcome::Answered => Self::ClosedAnswered,
                store::ClosureOutcome::Withdrawn => Self::Withdrawn,
            },
            (None, None) if now > enquiry.due_at => Self::Overdue,
            (None, None) => Self::Open,
        }
    }

    /// Whether an answer is still owed (open or overdue): a closed enquiry is not.
    #[must_use]
    pub const fn owed(self) -> bool {
        matches!(self, Self::Overdue | Self::Open)
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::AnsweredOnTime => "answered on time",
            Self::AnsweredLate => "answered late",
            Self::Overdue => "overdue",
            Self::Open => "open",
            Self::ClosedAnswered => "closed: answered by other means",
            Self::Withdrawn => "closed: withdrawn",
        }
    }
}

/// `true` for an enquiry this tenant must answer (a bureau's inbox).
#[must_use]
pub fn to_answer(enquiry: &store::EnquiryRecord) -> bool {
    enquiry.direction == EnquiryDirection::Received
}
