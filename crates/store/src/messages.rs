//! Enquiries, their answers and lists of persons, carried in envelopes (issue 5, migration
//! 0014). The agency asks a bureau about a person or a family's tracing request; the bureau
//! replies to all enquiries (GC3-122-g, GC4-137-a). A bureau draws up lists of persons
//! (GC3-46-a and GC4-127 transferred persons, GC3-20-a evacuated, GC3-119-d kept for
//! proceedings) and sends them like cards. What the sender writes here; what the receiver
//! keeps is written inside the ingest's import transaction (`ImportBatch`), with the persons
//! and the ledger row: all of it or nothing.

use domain::PersonId;
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::registry::{ImportBatch, ImportTx};
use crate::rows::{RowExt, ScopedPool};
use crate::scope::TenantScope;
use crate::{Store, TracingRequestId, on_backend};

/// §10 #47: the conventions give no number for a reply to an enquiry; the asker's target
/// (a design SLA) unless the enquiry sets its own.
pub const ENQUIRY_TARGET: time::Duration = time::Duration::days(14);

/// The most rows a list holds.
pub const LIST_ROWS_MAX: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnquiryDirection {
    /// The agency asked a bureau.
    Asked,
    /// A bureau received it from the agency.
    Received,
}

impl EnquiryDirection {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Asked => "asked",
            Self::Received => "received",
        }
    }
    fn parse(code: &str) -> StoreResult<Self> {
        match code {
            "asked" => Ok(Self::Asked),
            "received" => Ok(Self::Received),
            other => Err(StoreError::Invalid(format!(
                "unknown enquiry direction {other:?}"
            ))),
        }
    }
}

/// An enquiry the agency asks of a bureau.
#[derive(Clone, Debug, Default)]
pub struct NewEnquiry {
    /// The bureau asked (a peer's slug).
    pub peer: String,
    /// The person asked about, as the agency holds them (`bureau-a:A-2`).
    pub person: Option<PersonId>,
    /// The family's tracing request the enquiry serves (its sought particulars travel, never
    /// the enquirer's identity).
    pub tracing_request: Option<TracingRequestId>,
    pub question: String,
    /// The target for the answer; [`ENQUIRY_TARGET`] after now when absent.
    pub due_at: Option<OffsetDateTime>,
}

/// An answer, given or received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerRecord {
    pub id: Uuid,
    /// `true`: this tenant gave it (a bureau); `false`: received (the agency).
    pub given: bool,
    pub reference: String,
    pub answer: String,
    /// The answering bureau's person references.
    pub persons: Vec<String>,
    pub answered_by: String,
    pub answered_at: OffsetDateTime,
}

/// An enquiry with its answers, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnquiryRecord {
    pub id: Uuid,
    pub direction: EnquiryDirection,
    pub peer: String,
    pub reference: String,
    pub person: Option<PersonId>,
    /// The answering bureau's own reference for the person, as carried.
    pub subject_reference: Option<String>,
    pub tracing_request: Option<TracingRequestId>,
    /// The sought person's particulars as carried (name, birth).
    pub sought: Option<String>,
    pub question: String,
    pub asked_by: String,
    pub asked_at: OffsetDateTime,
    pub due_at: OffsetDateTime,
    pub answers: Vec<AnswerRecord>,
    /// The closure by a caseworker, if closed.
    pub closure: Option<ClosureRecord>,
}

/// How a caseworker closed an enquiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosureOutcome {
    /// Answered, in the system or by other means (the reason says how).
    Answered,
    /// Withdrawn: the question no longer stands (the family found the person, asked twice…).
    Withdrawn,
}

impl ClosureOutcome {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// # Errors
    /// `Invalid` for anything but `answered` or `withdrawn`.
    pub fn parse(code: &str) -> StoreResult<Self> {
        match code {
            "answered" => Ok(Self::Answered),
            "withdrawn" => Ok(Self::Withdrawn),
            other => Err(StoreError::Invalid(format!(
                "an enquiry is closed as answered or withdrawn, not {other:?}"
            ))),
        }
    }
}

/// An enquiry's closure (migration 0018): who closed it, when, how and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosureRecord {
    pub id: Uuid,
    /// `true` at a bureau for a withdrawal that arrived from the agency that asked (migration
    /// 0019: the closure cites the envelope's source); `false` for one written here.
    pub received: bool,
    pub outcome: ClosureOutcome,
    pub reason: String,
    pub closed_by: String,
    pub closed_at: OffsetDateTime,
}

impl EnquiryRecord {
    /// When the first answer was given or received.
    #[must_use]
    pub fn answered_at(&self) -> Option<OffsetDateTime> {
        self.answers.iter().map(|a| a.answered_at).min()
    }
}

/// A list a bureau draws up.
#[derive(Clone, Debug, Default)]
pub struct NewList {
    pub title: String,
    /// The rule the list meets, e.g. `GC3-46-a`.
    pub rule: Option<String>,
    /// The persons, in order.
    pub persons: Vec<PersonId>,
}

/// A list drawn up here or received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListRecord {
    pub id: Uuid,
    /// `true`: drawn up here; `false`: received from `peer`.
    pub drawn: bool,
    pub peer: String,
    pub reference: String,
    pub title: String,
    pub rule: Option<String>,
    pub drawn_by: String,
    pub drawn_at: OffsetDateTime,
    pub persons: Vec<PersonId>,
}

/// What waits to be carried to one recipient.
#[derive(Clone, Debug, Default)]
pub struct PendingMessages {
    pub enquiries: Vec<EnquiryRecord>,
    /// Each answer with its enquiry.
    pub answers: Vec<(EnquiryRecord, AnswerRecord)>,
    pub lists: Vec<ListRecord>,
    /// Enquiries carried to the recipient before and withdrawn since (migration 0019), each
    /// with its closure.
    pub withdrawals: Vec<EnquiryRecord>,
}

impl PendingMessages {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.enquiries.is_empty()
            && self.answers.is_empty()
            && self.lists.is_empty()
            && self.withdrawals.is_empty()
    }
}

/// A withdrawal as a bureau receives it: the agency that asked no longer needs an answer.
#[derive(Clone, Debug)]
pub struct ReceivedWithdrawal {
    /// The agency that asked, the envelope's sender.
    pub peer: String,
    /// The enquiry's reference, as the agency gave it.
    pub reference: String,
    pub reason: String,
    pub closed_by: String,
    pub closed_at: OffsetDateTime,
}

/// An enquiry as a bureau receives it.
#[derive(Clone, Debug)]
pub struct ReceivedEnquiry {
    pub peer: String,
    pub reference: String,
    pub person: Option<PersonId>,
    pub subject_reference: Option<String>,
    pub sought: Option<String>,
    pub question: String,
    pub asked_by: String,
    pub asked_at: OffsetDateTime,
    pub due_at: OffsetDateTime,
}

/// An answer as the agency receives it.
#[derive(Clone, Debug)]
pub struct ReceivedAnswer {
    pub enquiry: Uuid,
    pub reference: String,
    pub answer: String,
    pub persons: Vec<String>,
    pub answered_by: String,
    pub answered_at: OffsetDateTime,
}

/// A list as the agency receives it: its rows are persons it holds.
#[derive(Clone, Debug)]
pub struct ReceivedList {
    pub peer: String,
    pub reference: String,
    pub title: String,
    pub rule: Option<String>,
    pub drawn_by: String,
    pub drawn_at: OffsetDateTime,
    pub persons: Vec<PersonId>,
}

fn check(what: &str, text: &str, max: usize) -> StoreResult<()> {
    if text.trim().is_empty() || text.chars().count() > max {
        return Err(StoreError::Invalid(format!(
            "{what} is 1 to {max} characters"
        )));
    }
    Ok(())
}

/// Checks the texts of a received enquiry, answer or list (the sender checked them too, but a
/// receiver trusts nothing it did not check).
pub fn check_enquiry_texts(reference: &str, question: &str) -> StoreResult<()> {
    check("an enquiry reference", reference, 100)?;
    check("a question", question, 4000)
}

/// See [`check_enquiry_texts`].
pub fn check_answer_texts(reference: &str, answer: &str, persons: &[String]) -> StoreResult<()> {
    check("an answer reference", reference, 100)?;
    check("an answer", answer, 4000)?;
    if persons.len() > LIST_ROWS_MAX {
        return Err(StoreError::Invalid(format!(
            "an answer names at most {LIST_ROWS_MAX} persons"
        )));
    }
    for (i, person) in persons.iter().enumerate() {
        check(&format!("person {} of the answer", i + 1), person, 200)?;
    }
    Ok(())
}

/// See [`check_enquiry_texts`].
pub fn check_list_texts(reference: &str, title: &str, rule: Option<&str>) -> StoreResult<()> {
    check("a list reference", reference, 100)?;
    check("a list title", title, 200)?;
    if let Some(rule) = rule {
        check("a list's rule", rule, 40)?;
    }
    Ok(())
}

fn short_reference(prefix: &str) -> String {
    let id = Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", &id[..12])
}

fn text_time(at: OffsetDateTime) -> StoreResult<String> {
    at.format(&Rfc3339)
        .map_err(|e| StoreError::Invalid(format!("time out of range: {e}")))
}

fn sqlite_error(error: rusqlite::Error) -> StoreError {
    StoreError::Invalid(format!("SQLite: {error}"))
}

const INSERT_ENQUIRY: &str = "INSERT INTO enquiries (id, tenant_id, direction, peer, reference, person_id, subject_reference, tracing_request_id, sought, question, asked_by, asked_at, due_at, source_id, recorded_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
const INSERT_ANSWER: &str = "INSERT INTO enquiry_answers (id, tenant_id, enquiry_id, direction, reference, answer, persons, answered_by, answered_at, source_id, recorded_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
const INSERT_LIST: &str = "INSERT INTO person_lists (id, tenant_id, direction, peer, reference, title, rule, drawn_by, drawn_at, source_id, recorded_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
const INSERT_LIST_ROW: &str = "INSERT INTO person_list_rows (list_id, tenant_id, position, person_id) VALUES ($1, $2, $3, $4)";

/// A tenant's enquiries, answers and closures (`$1`).
const ENQUIRY_ALL: [&str; 3] = [
    "SELECT id, direction, peer, reference, person_id, subject_reference, tracing_request_id, sought, question, asked_by, asked_at, due_at \
     FROM enquiries WHERE tenant_id = $1 ORDER BY recorded_at DESC, id DESC",
    "SELECT enquiry_id, id, direction, reference, answer, persons, answered_by, answered_at FROM enquiry_answers \
     WHERE tenant_id = $1 ORDER BY answered_at, id",
    "SELECT enquiry_id, id, source_id, outcome, reason, closed_by, closed_at FROM enquiry_closures WHERE tenant_id = $1",
];
/// One enquiry (`$2`), its answers and its closure, each by an index on the id.
pub(crate) const ENQUIRY_ONE: [&str; 3] = [
    "SELECT id, direction, peer, reference, person_id, subject_reference, tracing_request_id, sought, question, asked_by, asked_at, due_at \
     FROM enquiries WHERE tenant_id = $1 AND id = $2",
    "SELECT enquiry_id, id, direction, reference, answer, persons, answered_by, answered_at FROM enquiry_answers \
     WHERE tenant_id = $1 AND enquiry_id = $2 ORDER BY answered_at, id",
    "SELECT enquiry_id, id, source_id, outcome, reason, closed_by, closed_at FROM enquiry_closures WHERE tenant_id = $1 AND enquiry_id = $2",
];

macro_rules! enquiry_of {
    ($row:expr) => {{
        let row = $row;
        EnquiryRecord {
            id: row.uuid("id")?,
            direction: EnquiryDirection::parse(&row.text("direction")?)?,
            peer: row.text("peer")?,
            reference: row.text("reference")?,
            person: row.opt_uuid("person_id")?.map(PersonId::from_uuid),
            subject_reference: row.opt_text("subject_reference")?,
            tracing_request: row
                .opt_uuid("tracing_request_id")?
                .map(|u| u.to_string().parse::<TracingRequestId>())
                .transpose()
                .map_err(|_| StoreError::Invalid("a tracing request id".into()))?,
            sought: row.opt_text("sought")?,
            question: row.text("question")?,
            asked_by: row.text("asked_by")?,
            asked_at: row.time("asked_at")?,
            due_at: row.time("due_at")?,
            answers: Vec::new(),
            closure: None,
        }
    }};
}

macro_rules! answer_of {
    ($row:expr) => {{
        let row = $row;
        let persons: Vec<String> = serde_json::from_str(&row.text("persons")?)
            .map_err(|e| StoreError::Invalid(format!("stored answer persons: {e}")))?;
        AnswerRecord {
            id: row.uuid("id")?,
            given: row.text("direction")? == "given",
            reference: row.text("reference")?,
            answer: row.text("answer")?,
            persons,
            answered_by: row.text("answered_by")?,
            answered_at: row.time("answered_at")?,
        }
    }};
}

impl Store {
    /// The agency asks a bureau (GC3-122-g, GC4-137-a: the agency forwards enquiries of the
    /// families and the power of origin). The enquiry waits for the next envelope to `peer`.
    ///
    /// # Errors
    /// `Invalid` for an empty or overlong question or peer, neither a person nor a tracing
    /// request, or a tracing request without the family's consent to trace; `NotFound` for a
    /// person or a tracing request of another tenant or none.
    pub async fn ask_enquiry(
        &self,
        scope: &TenantScope,
        new: &NewEnquiry,
    ) -> StoreResult<EnquiryRecord> {
        check("a peer", &new.peer, 200)?;
        check("a question", &new.question, 4000)?;
        if new.person.is_none() && new.tracing_request.is_none() {
            return Err(StoreError::Invalid(
                "an enquiry is about a person or a tracing request".into(),
            ));
        }
        let mut subject_reference = None;
        if let Some(person) = new.person {
            let record = self.person(scope, person).await?;
            // The bureau's own reference: the agency holds `bureau-a:A-2`.
            subject_reference = Some(
                record
                    .person
                    .reference
                    .strip_prefix(&format!("{}:", new.peer))
                    .unwrap_or(&record.person.reference)
                    .to_owned(),
            );
        }
        let mut sought = None;
        if let Some(request) = new.tracing_request {
            let request = self.tracing_request(scope, request).await?;
            if !request.request.consent_tracing {
                return Err(StoreError::Invalid(
                    "the family did not consent to tracing with these particulars".into(),
                ));
            }
            let mut text = request.request.sought_name.display();
            if let Some(birth) = &request.request.sought_birth {
                text.push_str(&format!(", born {}", birth.original()));
            }
            if let Some(place) = &request.request.sought_birth_place {
                text.push_str(&format!(" in {place}"));
            }
            sought = Some(text);
        }
        let now = OffsetDateTime::now_utc();
        let record = EnquiryRecord {
            id: Uuid::now_v7(),
            direction: EnquiryDirection::Asked,
            peer: new.peer.trim().to_owned(),
            reference: short_reference("ENQ"),
            person: new.person,
            subject_reference,
            tracing_request: new.tracing_request,
            sought,
            question: new.question.trim().to_owned(),
            asked_by: scope.actor_name().to_owned(),
            asked_at: now,
            due_at: new.due_at.unwrap_or(now + ENQUIRY_TARGET),
            answers: Vec::new(),
            closure: None,
        };
        let tracing: Option<Uuid> = record.tracing_request.map(|t| *t.as_uuid());
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            sqlx::query(INSERT_ENQUIRY)
                .bind(record.id)
                .bind(*scope.tenant().as_uuid())
                .bind(record.direction.code())
                .bind(&record.peer)
                .bind(&record.reference)
                .bind(record.person.map(|p| *p.as_uuid()))
                .bind(record.subject_reference.as_deref())
                .bind(tracing)
                .bind(record.sought.as_deref())
                .bind(&record.question)
                .bind(&record.asked_by)
                .bind(record.asked_at)
                .bind(record.due_at)
                .bind(None::<Uuid>)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(record)
    }

    /// A bureau answers an enquiry it received (GC3-122-g: it replies to all enquiries). The
    /// answer waits for the next envelope to the agency that asked.
    ///
    /// # Errors
    /// `NotFound` for an enquiry of another tenant or none; `Invalid` for an enquiry this
    /// tenant asked itself, or an empty or overlong answer.
    pub async fn answer_enquiry(
        &self,
        scope: &TenantScope,
        enquiry: Uuid,
        answer: &str,
        persons: &[String],
    ) -> StoreResult<AnswerRecord> {
        let held = self.enquiry(scope, enquiry).await?;
        if held.direction != EnquiryDirection::Received {
            return Err(StoreError::Invalid(
                "this tenant asked the enquiry: the bureau asked answers it".into(),
            ));
        }
        let persons: Vec<String> = persons
            .iter()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        let record = AnswerRecord {
            id: Uuid::now_v7(),
            given: true,
            reference: short_reference("ANS"),
            answer: answer.trim().to_owned(),
            persons,
            answered_by: scope.actor_name().to_owned(),
            answered_at: OffsetDateTime::now_utc(),
        };
        check_answer_texts(&record.reference, &record.answer, &record.persons)?;
        let persons_json = serde_json::to_string(&record.persons)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            sqlx::query(INSERT_ANSWER)
                .bind(record.id)
                .bind(*scope.tenant().as_uuid())
                .bind(enquiry)
                .bind("given")
                .bind(&record.reference)
                .bind(&record.answer)
                .bind(&persons_json)
                .bind(&record.answered_by)
                .bind(record.answered_at)
                .bind(None::<Uuid>)
                .bind(record.answered_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(record)
    }

    /// A caseworker closes an enquiry this tenant asked (GC3-122-g, GC4-137-a): answered (in
    /// the system or by other means) or withdrawn, with a reason. A closed enquiry is no longer
    /// owed (§10 #47) and no answer is awaited; an answer that still arrives is kept.
    ///
    /// # Errors
    /// `NotFound` for an enquiry of another tenant or none; `Invalid` for an enquiry this
    /// tenant received (the bureau replies to all enquiries: it answers, it does not close),
    /// one closed already, or an empty or overlong reason.
    pub async fn close_enquiry(
        &self,
        scope: &TenantScope,
        enquiry: Uuid,
        outcome: ClosureOutcome,
        reason: &str,
    ) -> StoreResult<ClosureRecord> {
        check("a reason for closing", reason, 2000)?;
        let held = self.enquiry(scope, enquiry).await?;
        if held.direction != EnquiryDirection::Asked {
            return Err(StoreError::Invalid(
                "a bureau replies to all enquiries (GC3-122-g): it answers one, it does not close it"
                    .into(),
            ));
        }
        if let Some(closure) = &held.closure {
            return Err(StoreError::Invalid(format!(
                "the enquiry was closed as {} already",
                closure.outcome.code()
            )));
        }
        // To the microsecond, as PostgreSQL keeps it: the record returned reads back equal.
        let now = OffsetDateTime::now_utc();
        let closed_at = now
            .replace_nanosecond(now.nanosecond() / 1000 * 1000)
            .unwrap_or(now);
        let record = ClosureRecord {
            id: Uuid::now_v7(),
            received: false,
            outcome,
            reason: reason.trim().to_owned(),
            closed_by: scope.actor_name().to_owned(),
            closed_at,
        };
        let tenant = *scope.tenant().as_uuid();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            let done = sqlx::query(
                "INSERT INTO enquiry_closures (id, tenant_id, enquiry_id, outcome, reason, closed_by, closed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, enquiry_id) DO NOTHING",
            )
            .bind(record.id)
            .bind(tenant)
            .bind(enquiry)
            .bind(record.outcome.code())
            .bind(&record.reason)
            .bind(&record.closed_by)
            .bind(record.closed_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Invalid("the enquiry was closed already".into()));
            }
        });
        Ok(record)
    }

    /// Every enquiry of this tenant, asked or received, with its answers, newest first.
    pub async fn enquiries(&self, scope: &TenantScope) -> StoreResult<Vec<EnquiryRecord>> {
        self.enquiries_where(scope, None).await
    }

    /// One enquiry of this tenant.
    ///
    /// # Errors
    /// `NotFound` for an enquiry of another tenant or none.
    pub async fn enquiry(&self, scope: &TenantScope, id: Uuid) -> StoreResult<EnquiryRecord> {
        self.enquiries_where(scope, Some(id))
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    async fn enquiries_where(
        &self,
        scope: &TenantScope,
        id: Option<Uuid>,
    ) -> StoreResult<Vec<EnquiryRecord>> {
        let tenant = *scope.tenant().as_uuid();
        // One enquiry by its primary key and its answers and closure by their indexes on
        // (tenant_id, enquiry_id): with `($2 IS NULL OR id = $2)` SQLite (and PostgreSQL's
        // generic plan) read every enquiry, answer and closure of the tenant for one.
        let [enquiries, answers, closures] = if id.is_some() {
            ENQUIRY_ONE
        } else {
            ENQUIRY_ALL
        };
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let mut fetched = Vec::with_capacity(3);
            for sql in [enquiries, answers, closures] {
                let query = sqlx::query(sql).bind(tenant);
                let query = match id {
                    Some(id) => query.bind(id),
                    None => query,
                };
                fetched.push(query.fetch_all(&mut *tx).await?);
            }
            let closures = fetched.pop().unwrap_or_default();
            let answers = fetched.pop().unwrap_or_default();
            let rows = fetched.pop().unwrap_or_default();
            tx.commit().await?;
            let mut records = Vec::with_capacity(rows.len());
            for row in &rows {
                records.push(enquiry_of!(row));
            }
            // Each answer and closure finds its enquiry by id, not by a walk of the list.
            let at: std::collections::HashMap<Uuid, usize> =
                records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
            for row in &closures {
                let enquiry = row.uuid("enquiry_id")?;
                if let Some(record) = at.get(&enquiry).and_then(|&i| records.get_mut(i)) {
                    record.closure = Some(ClosureRecord {
                        id: row.uuid("id")?,
                        received: row.opt_uuid("source_id")?.is_some(),
                        outcome: ClosureOutcome::parse(&row.text("outcome")?)?,
                        reason: row.text("reason")?,
                        closed_by: row.text("closed_by")?,
                        closed_at: row.time("closed_at")?,
                    });
                }
            }
            for row in &answers {
                let enquiry = row.uuid("enquiry_id")?;
                let answer = answer_of!(row);
                if let Some(record) = at.get(&enquiry).and_then(|&i| records.get_mut(i)) {
                    record.answers.push(answer);
                }
            }
            Ok(records)
        })
    }

    /// A bureau draws up a list of its persons (GC3-46-a, GC4-127, GC3-20-a, GC3-119-d). It
    /// waits for the next envelope to each peer.
    ///
    /// # Errors
    /// `Invalid` for an empty or overlong title, no persons or more than [`LIST_ROWS_MAX`];
    /// `NotFound` for a person of another tenant or none.
    pub async fn draw_list(&self, scope: &TenantScope, new: &NewList) -> StoreResult<ListRecord> {
        let reference = short_reference("LIST");
        check_list_texts(&reference, &new.title, new.rule.as_deref())?;
        if new.persons.is_empty() || new.persons.len() > LIST_ROWS_MAX {
            return Err(StoreError::Invalid(format!(
                "a list holds 1 to {LIST_ROWS_MAX} persons"
            )));
        }
        let now = OffsetDateTime::now_utc();
        let record = ListRecord {
            id: Uuid::now_v7(),
            drawn: true,
            peer: String::new(),
            reference,
            title: new.title.trim().to_owned(),
            rule: new.rule.as_ref().map(|r| r.trim().to_owned()),
            drawn_by: scope.actor_name().to_owned(),
            drawn_at: now,
            persons: new.persons.clone(),
        };
        let tenant = *scope.tenant().as_uuid();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            for person in &record.persons {
                let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM persons WHERE id = $1 AND tenant_id = $2")
                    .bind(person.as_uuid())
                    .bind(tenant)
                    .fetch_optional(&mut *tx)
                    .await?;
                if found.is_none() {
                    return Err(StoreError::NotFound);
                }
            }
            sqlx::query(INSERT_LIST)
                .bind(record.id)
                .bind(tenant)
                .bind("drawn")
                .bind("")
                .bind(&record.reference)
                .bind(&record.title)
                .bind(record.rule.as_deref())
                .bind(&record.drawn_by)
                .bind(now)
                .bind(None::<Uuid>)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            for (i, person) in record.persons.iter().enumerate() {
                sqlx::query(INSERT_LIST_ROW)
                    .bind(record.id)
                    .bind(tenant)
                    .bind(i32::try_from(i).unwrap_or(i32::MAX))
                    .bind(person.as_uuid())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(record)
    }

    /// Every list of this tenant, drawn up or received, newest first.
    pub async fn lists(&self, scope: &TenantScope) -> StoreResult<Vec<ListRecord>> {
        let tenant = *scope.tenant().as_uuid();
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT id, direction, peer, reference, title, rule, drawn_by, drawn_at FROM person_lists \
                 WHERE tenant_id = $1 ORDER BY recorded_at DESC, id DESC",
            )
            .bind(tenant)
            .fetch_all(&mut *tx)
            .await?;
            let members = sqlx::query(
                "SELECT list_id, person_id FROM person_list_rows WHERE tenant_id = $1 ORDER BY list_id, position",
            )
            .bind(tenant)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            let mut lists = Vec::with_capacity(rows.len());
            for row in &rows {
                lists.push(ListRecord {
                    id: row.uuid("id")?,
                    drawn: row.text("direction")? == "drawn",
                    peer: row.text("peer")?,
                    reference: row.text("reference")?,
                    title: row.text("title")?,
                    rule: row.opt_text("rule")?,
                    drawn_by: row.text("drawn_by")?,
                    drawn_at: row.time("drawn_at")?,
                    persons: Vec::new(),
                });
            }
            for row in &members {
                let list = row.uuid("list_id")?;
                if let Some(record) = lists.iter_mut().find(|l| l.id == list) {
                    record.persons.push(PersonId::from_uuid(row.uuid("person_id")?));
                }
            }
            Ok(lists)
        })
    }

    /// The enquiries, answers and lists no envelope to `recipient` has carried yet, oldest
    /// first: enquiries asked of it, answers to its enquiries, and every list drawn up here.
    pub async fn pending_messages(
        &self,
        scope: &TenantScope,
        recipient: &str,
    ) -> StoreResult<PendingMessages> {
        let tenant = *scope.tenant().as_uuid();
        let carried: Vec<(String, Uuid)> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT m.item_kind, m.item_id FROM transmission_messages m JOIN transmissions_out t ON t.id = m.transmission_id \
                 WHERE m.tenant_id = $1 AND t.recipient = $2",
            )
            .bind(tenant)
            .bind(recipient)
            .fetch_all(&mut *tx)
            .await?;
            // Withdrawals carried (migration 0019), as items of their own kind.
            let closures = sqlx::query(
                "SELECT c.closure_id FROM transmission_closures c JOIN transmissions_out t ON t.id = c.transmission_id \
                 WHERE c.tenant_id = $1 AND t.recipient = $2",
            )
            .bind(tenant)
            .bind(recipient)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            let mut carried = rows
                .iter()
                .map(|r| Ok((r.text("item_kind")?, r.uuid("item_id")?)))
                .collect::<StoreResult<Vec<_>>>()?;
            for row in &closures {
                carried.push(("withdrawal".to_owned(), row.uuid("closure_id")?));
            }
            carried
        });
        let was_carried = |kind: &str, id: Uuid| carried.iter().any(|(k, i)| k == kind && *i == id);
        let mut pending = PendingMessages::default();
        let mut enquiries = self.enquiries(scope).await?;
        enquiries.reverse();
        for enquiry in enquiries {
            if enquiry.peer != recipient {
                continue;
            }
            match enquiry.direction {
                EnquiryDirection::Asked => {
                    let sent = was_carried("enquiry", enquiry.id);
                    match &enquiry.closure {
                        // A closed enquiry not sent yet is not sent at all.
                        None if !sent => pending.enquiries.push(enquiry),
                        // GC3-122-g: the bureau asked learns that the question no longer
                        // stands, once (migration 0019).
                        Some(closure)
                            if sent
                                && closure.outcome == ClosureOutcome::Withdrawn
                                && !was_carried("withdrawal", closure.id) =>
                        {
                            pending.withdrawals.push(enquiry);
                        }
                        _ => {}
                    }
                }
                EnquiryDirection::Received => {
                    for answer in &enquiry.answers {
                        if answer.given && !was_carried("answer", answer.id) {
                            pending.answers.push((enquiry.clone(), answer.clone()));
                        }
                    }
                }
            }
        }
        let mut lists = self.lists(scope).await?;
        lists.reverse();
        pending.lists = lists
            .into_iter()
            .filter(|l| l.drawn && !was_carried("list", l.id))
            .collect();
        Ok(pending)
    }
}

impl ImportBatch {
    /// The enquiry this tenant asked of `peer` under `reference`, inside the import.
    ///
    /// # Errors
    /// A database error.
    pub async fn asked_enquiry(
        &mut self,
        peer: &str,
        reference: &str,
    ) -> StoreResult<Option<Uuid>> {
        let tenant = *self.scope.tenant().as_uuid();
        const SQL: &str = "SELECT id FROM enquiries WHERE tenant_id = $1 AND direction = 'asked' AND peer = $2 AND reference = $3";
        match &mut self.tx {
            ImportTx::Sqlite(slot) => {
                let direct = slot.as_ref().ok_or_else(abandoned)?;
                let id: Option<Vec<u8>> = direct
                    .connection()
                    .query_row(
                        &SQL.replace('$', "?"),
                        params![tenant.as_bytes(), peer, reference],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(sqlite_error)?;
                id.map(|bytes| {
                    Uuid::from_slice(&bytes).map_err(|e| StoreError::Invalid(e.to_string()))
                })
                .transpose()
            }
            ImportTx::Postgres(tx) => Ok(sqlx::query_scalar(SQL)
                .bind(tenant)
                .bind(peer)
                .bind(reference)
                .fetch_optional(&mut **tx)
                .await?),
        }
    }

    /// Keeps an enquiry a bureau received; `false` when it holds it already (the same enquiry
    /// in a later envelope changes nothing). A withdrawal of it that arrived first (held by
    /// [`ImportBatch::receive_withdrawal`], migration 0021) closes it in the same transaction
    /// (GC3-122-g): it is then closed as withdrawn, citing the withdrawal's envelope (XC-3).
    ///
    /// # Errors
    /// Overlong texts, or a database error.
    pub async fn receive_enquiry(&mut self, enquiry: &ReceivedEnquiry) -> StoreResult<bool> {
        check_enquiry_texts(&enquiry.reference, &enquiry.question)?;
        check("a peer", &enquiry.peer, 200)?;
        let tenant = *self.scope.tenant().as_uuid();
        let source = *self.source.as_uuid();
        let now = OffsetDateTime::now_utc();
        let id = Uuid::now_v7();
        const EXISTS: &str = "SELECT 1 FROM enquiries WHERE tenant_id = $1 AND direction = 'received' AND peer = $2 AND reference = $3";
        if self
            .held(EXISTS, Key::Text(&enquiry.peer), &enquiry.reference)
            .await?
        {
            return Ok(false);
        }
        match &mut self.tx {
            ImportTx::Sqlite(slot) => {
                let direct = slot.as_ref().ok_or_else(abandoned)?;
                let connection = direct.connection();
                connection
                    .execute(
                        &INSERT_ENQUIRY.replace('$', "?"),
                        params![
                            id.as_bytes(),
                            tenant.as_bytes(),
                            "received",
                            enquiry.peer,
                            enquiry.reference,
                            enquiry.person.map(|p| *p.as_uuid().as_bytes()),
                            enquiry.subject_reference,
                            None::<Vec<u8>>,
                            enquiry.sought,
                            enquiry.question,
                            enquiry.asked_by,
                            text_time(enquiry.asked_at)?,
                            text_time(enquiry.due_at)?,
                            source.as_bytes(),
                            text_time(now)?,
                        ],
                    )
                    .map_err(sqlite_error)?;
                // A withdrawal held for it (it arrived first, migration 0021) closes it now.
                connection
                    .execute(
                        &CLOSE_FROM_PARKED.replace('$', "?"),
                        params![
                            Uuid::now_v7().as_bytes(),
                            id.as_bytes(),
                            tenant.as_bytes(),
                            enquiry.peer,
                            enquiry.reference,
                        ],
                    )
                    .map_err(sqlite_error)?;
            }
            ImportTx::Postgres(tx) => {
                sqlx::query(INSERT_ENQUIRY)
                    .bind(id)
                    .bind(tenant)
                    .bind("received")
                    .bind(&enquiry.peer)
                    .bind(&enquiry.reference)
                    .bind(enquiry.person.map(|p| *p.as_uuid()))
                    .bind(enquiry.subject_reference.as_deref())
                    .bind(None::<Uuid>)
                    .bind(enquiry.sought.as_deref())
                    .bind(&enquiry.question)
                    .bind(&enquiry.asked_by)
                    .bind(enquiry.asked_at)
                    .bind(enquiry.due_at)
                    .bind(source)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(CLOSE_FROM_PARKED)
                    .bind(Uuid::now_v7())
                    .bind(id)
                    .bind(tenant)
                    .bind(&enquiry.peer)
                    .bind(&enquiry.reference)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(true)
    }

    /// Keeps an answer the agency received to one of its enquiries; `false` when it holds it
    /// already.
    ///
    /// # Errors
    /// Overlong texts, or a database error.
    pub async fn receive_answer(&mut self, answer: &ReceivedAnswer) -> StoreResult<bool> {
        check_answer_texts(&answer.reference, &answer.answer, &answer.persons)?;
        let tenant = *self.scope.tenant().as_uuid();
        let source = *self.source.as_uuid();
        let now = OffsetDateTime::now_utc();
        let id = Uuid::now_v7();
        let persons = serde_json::to_string(&answer.persons)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        const EXISTS: &str = "SELECT 1 FROM enquiry_answers WHERE tenant_id = $1 AND enquiry_id = $2 AND direction = 'received' AND reference = $3";
        if self
            .held(EXISTS, Key::Id(answer.enquiry), &answer.reference)
            .await?
        {
            return Ok(false);
        }
        match &mut self.tx {
            ImportTx::Sqlite(slot) => {
                let direct = slot.as_ref().ok_or_else(abandoned)?;
                let connection = direct.connection();
                connection
                    .execute(
                        &INSERT_ANSWER.replace('$', "?"),
                        params![
                            id.as_bytes(),
                            tenant.as_bytes(),
                            answer.enquiry.as_bytes(),
                            "received",
                            answer.reference,
                            answer.answer,
                            persons,
                            answer.answered_by,
                            text_time(answer.answered_at)?,
                            source.as_bytes(),
                            text_time(now)?,
                        ],
                    )
                    .map_err(sqlite_error)?;
            }
            ImportTx::Postgres(tx) => {
                sqlx::query(INSERT_ANSWER)
                    .bind(id)
                    .bind(tenant)
                    .bind(answer.enquiry)
                    .bind("received")
                    .bind(&answer.reference)
                    .bind(&answer.answer)
                    .bind(&persons)
                    .bind(&answer.answered_by)
                    .bind(answer.answered_at)
                    .bind(source)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(true)
    }

    /// Keeps a list the agency received, citing the envelope's source (XC-3); `false` when it
    /// holds it already (the same list again changes nothing).
    ///
    /// # Errors
    /// Overlong texts, no rows, a person of another tenant, or a database error.
    pub async fn receive_list(&mut self, list: &ReceivedList) -> StoreResult<bool> {
        check_list_texts(&list.reference, &list.title, list.rule.as_deref())?;
        if list.persons.is_empty() || list.persons.len() > LIST_ROWS_MAX {
            return Err(StoreError::Invalid(format!(
                "a list holds 1 to {LIST_ROWS_MAX} persons"
            )));
        }
        let tenant = *self.scope.tenant().as_uuid();
        let source = *self.source.as_uuid();
        let now = OffsetDateTime::now_utc();
        let id = Uuid::now_v7();
        const EXISTS: &str = "SELECT 1 FROM person_lists WHERE tenant_id = $1 AND direction = 'received' AND peer = $2 AND reference = $3";
        let persons: Vec<Uuid> = list.persons.iter().map(|p| *p.as_uuid()).collect();
        if self
            .held(EXISTS, Key::Text(&list.peer), &list.reference)
            .await?
        {
            return Ok(false);
        }
        match &mut self.tx {
            ImportTx::Sqlite(slot) => {
                let direct = slot.as_ref().ok_or_else(abandoned)?;
                let mut unique = persons.clone();
                unique.sort_unstable();
                unique.dedup();
                direct.check_persons(tenant, &unique)?;
                let connection = direct.connection();
                connection
                    .execute(
                        &INSERT_LIST.replace('$', "?"),
                        params![
                            id.as_bytes(),
                            tenant.as_bytes(),
                            "received",
                            list.peer,
                            list.reference,
                            list.title,
                            list.rule,
                            list.drawn_by,
                            text_time(list.drawn_at)?,
                            source.as_bytes(),
                            text_time(now)?,
                        ],
                    )
                    .map_err(sqlite_error)?;
                let mut row = connection
                    .prepare(&INSERT_LIST_ROW.replace('$', "?"))
                    .map_err(sqlite_error)?;
                for (i, person) in persons.iter().enumerate() {
                    row.execute(params![
                        id.as_bytes(),
                        tenant.as_bytes(),
                        i64::try_from(i).unwrap_or(i64::MAX),
                        person.as_bytes()
                    ])
                    .map_err(sqlite_error)?;
                }
            }
            ImportTx::Postgres(tx) => {
                let mut unique = persons.clone();
                unique.sort_unstable();
                unique.dedup();
                let found: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM persons WHERE tenant_id = $1 AND id = ANY($2)",
                )
                .bind(tenant)
                .bind(&unique)
                .fetch_one(&mut **tx)
                .await?;
                if usize::try_from(found).ok() != Some(unique.len()) {
                    return Err(StoreError::NotFound);
                }
                sqlx::query(INSERT_LIST)
                    .bind(id)
                    .bind(tenant)
                    .bind("received")
                    .bind(&list.peer)
                    .bind(&list.reference)
                    .bind(&list.title)
                    .bind(list.rule.as_deref())
                    .bind(&list.drawn_by)
                    .bind(list.drawn_at)
                    .bind(source)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
                for (i, person) in persons.iter().enumerate() {
                    sqlx::query(INSERT_LIST_ROW)
                        .bind(id)
                        .bind(tenant)
                        .bind(i32::try_from(i).unwrap_or(i32::MAX))
                        .bind(person)
                        .execute(&mut **tx)
                        .await?;
                }
            }
        }
        Ok(true)
    }
}

/// What a bureau did with a withdrawal it received (see [`ImportBatch::receive_withdrawal`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WithdrawalReceived {
    /// The enquiry was open here: it is now closed as withdrawn.
    Closed,
    /// The enquiry is closed already (the same withdrawal again): nothing changed.
    ClosedAlready,
    /// No enquiry of that reference has arrived from that sender yet (bundles read out of
    /// order): the withdrawal is held (migration 0021) and closes the enquiry when it arrives.
    Parked,
    /// Held already (the same early withdrawal again): nothing changed.
    ParkedAlready,
}

impl WithdrawalReceived {
    /// Whether the withdrawal changed anything (closed an enquiry, or was held).
    #[must_use]
    pub const fn is_new(self) -> bool {
        matches!(self, Self::Closed | Self::Parked)
    }
}

/// A withdrawal held at a bureau for an enquiry that has not arrived (migration 0021).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParkedWithdrawal {
    pub id: Uuid,
    /// The sender, and the enquiry's reference as the sender gave it.
    pub peer: String,
    pub reference: String,
    pub reason: String,
    pub closed_by: String,
    pub closed_at: OffsetDateTime,
    pub received_at: OffsetDateTime,
}

/// The closure an enquiry just received takes from a withdrawal held for it: `$1` the new
/// closure's id, `$2` the enquiry's id, `$3` tenant, `$4` peer, `$5` reference. It cites the
/// source of the envelope that carried the withdrawal (XC-3).
const CLOSE_FROM_PARKED: &str = "INSERT INTO enquiry_closures (id, tenant_id, enquiry_id, outcome, reason, closed_by, closed_at, source_id) \
     SELECT $1, tenant_id, $2, 'withdrawn', reason, closed_by, closed_at, source_id FROM parked_withdrawals \
     WHERE tenant_id = $3 AND peer = $4 AND reference = $5";

impl Store {
    /// The withdrawals this tenant holds for enquiries that have not arrived (migration 0021),
    /// oldest first.
    ///
    /// # Errors
    /// A database error.
    pub async fn parked_withdrawals(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<Vec<ParkedWithdrawal>> {
        let tenant = *scope.tenant().as_uuid();
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT p.id, p.peer, p.reference, p.reason, p.closed_by, p.closed_at, p.received_at FROM parked_withdrawals p \
                 WHERE p.tenant_id = $1 AND NOT EXISTS (SELECT 1 FROM enquiries e WHERE e.tenant_id = p.tenant_id \
                 AND e.direction = 'received' AND e.peer = p.peer AND e.reference = p.reference) \
                 ORDER BY p.received_at, p.id",
            )
            .bind(tenant)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(ParkedWithdrawal {
                        id: row.uuid("id")?,
                        peer: row.text("peer")?,
                        reference: row.text("reference")?,
                        reason: row.text("reason")?,
                        closed_by: row.text("closed_by")?,
                        closed_at: row.time("closed_at")?,
                        received_at: row.time("received_at")?,
                    })
                })
                .collect()
        })
    }
}

impl ImportBatch {
    /// Keeps the withdrawal of an enquiry this tenant received from `withdrawal.peer`, citing
    /// the envelope's source (XC-3): the enquiry is then closed as withdrawn and no longer
    /// owed (GC3-122-g, §10 #47). When no enquiry of that reference has arrived from that peer
    /// yet (bundles read out of order), the withdrawal is held, in this transaction, and the
    /// enquiry's arrival closes it ([`ImportBatch::receive_enquiry`]): once, whichever comes
    /// first. A withdrawal never applies to an enquiry received from another peer.
    ///
    /// # Errors
    /// An empty or overlong reason, reference or closer's name, or a database error.
    pub async fn receive_withdrawal(
        &mut self,
        withdrawal: &ReceivedWithdrawal,
    ) -> StoreResult<WithdrawalReceived> {
        check("a reason for closing", &withdrawal.reason, 2000)?;
        check("a closer's name", &withdrawal.closed_by, 200)?;
        check("an enquiry reference", &withdrawal.reference, 100)?;
        check("a peer", &withdrawal.peer, 200)?;
        let tenant = *self.scope.tenant().as_uuid();
        let source = *self.source.as_uuid();
        let id = Uuid::now_v7();
        let now = OffsetDateTime::now_utc();
        const FIND: &str = "SELECT id FROM enquiries WHERE tenant_id = $1 AND direction = 'received' AND peer = $2 AND reference = $3";
        const INSERT: &str = "INSERT INTO enquiry_closures (id, tenant_id, enquiry_id, outcome, reason, closed_by, closed_at, source_id) \
             VALUES ($1, $2, $3, 'withdrawn', $4, $5, $6, $7) ON CONFLICT (tenant_id, enquiry_id) DO NOTHING";
        const PARK: &str = "INSERT INTO parked_withdrawals (id, tenant_id, peer, reference, reason, closed_by, closed_at, source_id, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tenant_id, peer, reference) DO NOTHING";
        let (found, done) = match &mut self.tx {
            ImportTx::Sqlite(slot) => {
                let direct = slot.as_ref().ok_or_else(abandoned)?;
                let connection = direct.connection();
                let found: Option<Vec<u8>> = connection
                    .query_row(
                        &FIND.replace('$', "?"),
                        params![tenant.as_bytes(), withdrawal.peer, withdrawal.reference],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(sqlite_error)?;
                let done = match &found {
                    Some(enquiry) => connection.execute(
                        &INSERT.replace('$', "?"),
                        params![
                            id.as_bytes(),
                            tenant.as_bytes(),
                            enquiry,
                            withdrawal.reason,
                            withdrawal.closed_by,
                            text_time(withdrawal.closed_at)?,
                            source.as_bytes(),
                        ],
                    ),
                    None => connection.execute(
                        &PARK.replace('$', "?"),
                        params![
                            id.as_bytes(),
                            tenant.as_bytes(),
                            withdrawal.peer,
                            withdrawal.reference,
                            withdrawal.reason,
                            withdrawal.closed_by,
                            text_time(withdrawal.closed_at)?,
                            source.as_bytes(),
                            text_time(now)?,
                        ],
                    ),
                }
                .map_err(sqlite_error)?;
                (found.is_some(), done)
            }
            ImportTx::Postgres(tx) => {
                let found: Option<Uuid> = sqlx::query_scalar(FIND)
                    .bind(tenant)
                    .bind(&withdrawal.peer)
                    .bind(&withdrawal.reference)
                    .fetch_optional(&mut **tx)
                    .await?;
                let done = match found {
                    Some(enquiry) => {
                        sqlx::query(INSERT)
                            .bind(id)
                            .bind(tenant)
                            .bind(enquiry)
                            .bind(&withdrawal.reason)
                            .bind(&withdrawal.closed_by)
                            .bind(withdrawal.closed_at)
                            .bind(source)
                            .execute(&mut **tx)
                            .await?
                    }
                    None => {
                        sqlx::query(PARK)
                            .bind(id)
                            .bind(tenant)
                            .bind(&withdrawal.peer)
                            .bind(&withdrawal.reference)
                            .bind(&withdrawal.reason)
                            .bind(&withdrawal.closed_by)
                            .bind(withdrawal.closed_at)
                            .bind(source)
                            .bind(now)
                            .execute(&mut **tx)
                            .await?
                    }
                };
                (
                    found.is_some(),
                    usize::try_from(done.rows_affected()).unwrap_or(0),
                )
            }
        };
        Ok(match (found, done == 1) {
            (true, true) => WithdrawalReceived::Closed,
            (true, false) => WithdrawalReceived::ClosedAlready,
            (false, true) => WithdrawalReceived::Parked,
            (false, false) => WithdrawalReceived::ParkedAlready,
        })
    }
}

/// The second key of a "held already" lookup: a peer's slug or an enquiry's id.
enum Key<'a> {
    Text(&'a str),
    Id(Uuid),
}

impl ImportBatch {
    /// Whether `sql` (`$1` tenant, `$2` the key, `$3` the reference) finds a row, inside the
    /// import: the same enquiry, answer or list received again changes nothing.
    async fn held(
        &mut self,
        sql: &'static str,
        key: Key<'_>,
        reference: &str,
    ) -> StoreResult<bool> {
        let tenant = *self.scope.tenant().as_uuid();
        match &mut self.tx {
            ImportTx::Sqlite(slot) => {
                let direct = slot.as_ref().ok_or_else(abandoned)?;
                let mut statement = direct
                    .connection()
                    .prepare(&sql.replace('$', "?"))
                    .map_err(sqlite_error)?;
                match key {
                    Key::Text(text) => {
                        statement.exists(params![tenant.as_bytes(), text, reference])
                    }
                    Key::Id(id) => {
                        statement.exists(params![tenant.as_bytes(), id.as_bytes(), reference])
                    }
                }
                .map_err(sqlite_error)
            }
            ImportTx::Postgres(tx) => {
                let query = sqlx::query_scalar::<_, i32>(sql).bind(tenant);
                let query = match key {
                    Key::Text(text) => query.bind(text.to_owned()),
                    Key::Id(id) => query.bind(id),
                };
                Ok(query
                    .bind(reference.to_owned())
                    .fetch_optional(&mut **tx)
                    .await?
                    .is_some())
            }
        }
    }
}

fn abandoned() -> StoreError {
    StoreError::Invalid("the import was abandoned after an error".into())
}
