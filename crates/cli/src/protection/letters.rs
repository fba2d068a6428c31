//! Allegation steps, confidential representations with their text and the authority's replies
//! (ICRC-VIS-e) as they travel in a visit report from a delegate's laptop to the unit.
//!
//! [`parse`] converts and checks every part before anything is written: an allegation or a
//! representation that is neither in the report nor at the unit, a date in the future, a reply
//! before its representation is refused with the part and field named
//! (`representations[0].allegation: …`). [`write`] records them in the report's batch in the
//! order they happened, so a closure refuses what comes after it (`replies[0]: the allegation
//! is closed`) and the whole report applies nothing. Ids are the laptop's: the same report twice
//! adds nothing.

use anyhow::{Context, bail};
use domain::protection::{
    AllegationStep, AuthorityReply, RepresentationLetter, StepKind, check_reply,
};
use domain::{AllegationId, ReplyId, RepresentationId};
use store::{AuditAction, AuditEntry, FieldBatch, Store, TenantScope};
use time::{Date, OffsetDateTime, Time};
use transmit::{ReplyPart, RepresentationPart, StepPart, VisitReport};
use uuid::Uuid;

use super::{Merged, code, day, id, instant, iso_day, rfc3339};

/// One record, in the order it is written.
enum Letter {
    Step(Uuid, AllegationId, AllegationStep),
    Representation(RepresentationLetter),
    Reply(AuthorityReply),
}

/// The steps, representations and replies of one report, checked, in time order; each with the
/// part it came from (`replies[0]`) for the messages.
#[derive(Default)]
pub(super) struct Letters {
    ordered: Vec<(String, Letter)>,
}

/// What the unit already holds, for references to records of earlier reports.
pub(super) struct KnownLetters {
    pub allegations: Vec<AllegationId>,
    pub representations: Vec<RepresentationId>,
}

impl KnownLetters {
    /// The unit's allegations and the representations the report's replies name that are not in
    /// the report (read without opening any text).
    pub async fn load(
        store: &Store,
        scope: &TenantScope,
        report: &VisitReport,
    ) -> anyhow::Result<Self> {
        let allegations = store
            .allegations(scope)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
        let mut representations = Vec::new();
        for part in &report.replies {
            let Ok(uuid) = Uuid::parse_str(part.representation.trim()) else {
                continue;
            };
            let rep = RepresentationId::from_uuid(uuid);
            if report
                .representations
                .iter()
                .any(|r| r.id.trim() == part.representation.trim())
            {
                continue;
            }
            match store.representation_allegation(scope, rep).await {
                Ok(_) => representations.push(rep),
                Err(store::StoreError::NotFound) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(Self {
            allegations,
            representations,
        })
    }
}

fn not_future(field: &str, on: Date, today: Date) -> anyhow::Result<()> {
    if on > today {
        bail!("{field}: {} is in the future", iso_day(on));
    }
    Ok(())
}

fn text(field: &str, value: Option<&String>) -> anyhow::Result<String> {
    match value.map(|t| t.trim()) {
        Some(t) if !t.is_empty() => Ok(t.to_owned()),
        _ => bail!("{field}: required"),
    }
}

/// Converts and checks the letters of `report`; `allegations` are the ids of the report's own.
pub(super) fn parse(
    report: &VisitReport,
    allegations: &[AllegationId],
    known: &KnownLetters,
    now: OffsetDateTime,
) -> anyhow::Result<Letters> {
    let today = now.date();
    let allegation = |field: &str, text: &str| -> anyhow::Result<AllegationId> {
        let found = AllegationId::from_uuid(id(field, text)?);
        if allegations.contains(&found) || known.allegations.contains(&found) {
            Ok(found)
        } else {
            bail!("{field}: no such allegation in this report or at the unit")
        }
    };
    // (when, order on the same instant as `status_with` takes them, part, record)
    let mut events: Vec<(OffsetDateTime, u8, String, Letter)> = Vec::new();
    let midnight = |d: Date| d.with_time(Time::MIDNIGHT).assume_utc();
    for (i, part) in report.allegation_steps.iter().enumerate() {
        let part_name = format!("allegation_steps[{i}]");
        let f = |name: &str| format!("{part_name}.{name}");
        let (order, kind) = step_kind(part, &f)?;
        let at = instant(&f("at"), &part.at)?;
        if at > now {
            bail!("{}: {} is in the future", f("at"), rfc3339(at));
        }
        let step = AllegationStep {
            at,
            by: text(&f("by"), Some(&part.by))?,
            kind,
        };
        events.push((
            at,
            order,
            part_name.clone(),
            Letter::Step(
                id(&f("id"), &part.id)?,
                allegation(&f("allegation"), &part.allegation)?,
                step,
            ),
        ));
    }
    let mut letters: Vec<RepresentationLetter> = Vec::new();
    for (i, part) in report.representations.iter().enumerate() {
        let part_name = format!("representations[{i}]");
        let f = |name: &str| format!("{part_name}.{name}");
        let sent_on = day(&f("sent_on"), Some(&part.sent_on))?.unwrap_or(today);
        not_future(&f("sent_on"), sent_on, today)?;
        let letter = RepresentationLetter {
            id: RepresentationId::from_uuid(id(&f("id"), &part.id)?),
            allegation: allegation(&f("allegation"), &part.allegation)?,
            form: code(&f("form"), &part.form)?,
            addressee: text(&f("addressee"), Some(&part.addressee))?,
            sent_on,
            text: text(&f("text"), Some(&part.text))?,
        };
        letters.push(letter.clone());
        events.push((
            midnight(sent_on),
            0,
            part_name,
            Letter::Representation(letter),
        ));
    }
    for (i, part) in report.replies.iter().enumerate() {
        let part_name = format!("replies[{i}]");
        let f = |name: &str| format!("{part_name}.{name}");
        let representation =
            RepresentationId::from_uuid(id(&f("representation"), &part.representation)?);
        let received_on = day(&f("received_on"), Some(&part.received_on))?.unwrap_or(today);
        not_future(&f("received_on"), received_on, today)?;
        let reply = AuthorityReply {
            id: ReplyId::from_uuid(id(&f("id"), &part.id)?),
            representation,
            received_on,
            outcome: code(&f("outcome"), &part.outcome)?,
            text: part
                .text
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        };
        match letters.iter().find(|l| l.id == representation) {
            Some(letter) => {
                check_reply(letter, &reply, today)
                    .map_err(|e| anyhow::anyhow!("{part_name}.{e}"))?;
            }
            None if known.representations.contains(&representation) => {}
            None => bail!(
                "{}: no such representation in this report or at the unit",
                f("representation")
            ),
        }
        events.push((midnight(received_on), 1, part_name, Letter::Reply(reply)));
    }
    // In the order they happened (a closure after a representation and its reply on the same
    // day); the report's order breaks ties.
    events.sort_by_key(|(at, order, _, _)| (*at, *order));
    Ok(Letters {
        ordered: events
            .into_iter()
            .map(|(_, _, part, letter)| (part, letter))
            .collect(),
    })
}

/// The step's kind and its order on the same instant (representation, reply, closure).
fn step_kind(part: &StepPart, f: &dyn Fn(&str) -> String) -> anyhow::Result<(u8, StepKind)> {
    Ok(match part.kind.trim() {
        "representation" => (
            0,
            StepKind::Representation {
                addressee: text(&f("addressee"), part.addressee.as_ref())?,
                form: code(&f("form"), part.form.as_deref().unwrap_or_default())?,
            },
        ),
        "authority-reply" => (
            1,
            StepKind::AuthorityReply {
                text: text(&f("text"), part.text.as_ref())?,
            },
        ),
        "closed" => (
            2,
            StepKind::Closed {
                reason: text(&f("text"), part.text.as_ref())?,
            },
        ),
        other => bail!(
            "{}: {other:?} is not one of representation, authority-reply, closed",
            f("kind")
        ),
    })
}

/// Records what is new in the report's batch, in time order, after the allegations. A refusal
/// names the part (`replies[0]: the allegation is closed`) and the batch applies nothing.
pub(super) async fn write(
    batch: &mut FieldBatch<'_>,
    letters: &Letters,
    merged: &mut Merged,
) -> anyhow::Result<()> {
    for (part, letter) in &letters.ordered {
        match letter {
            Letter::Step(id, allegation, step) => {
                merged.allegation_steps += usize::from(
                    batch
                        .allegation_step(*id, *allegation, step)
                        .await
                        .with_context(|| part.clone())?,
                );
            }
            Letter::Representation(letter) => {
                merged.representations += usize::from(
                    batch
                        .representation(letter)
                        .await
                        .with_context(|| part.clone())?,
                );
            }
            Letter::Reply(reply) => {
                merged.replies +=
                    usize::from(batch.reply(reply).await.with_context(|| part.clone())?);
            }
        }
    }
    Ok(())
}

/// The steps, representations (texts opened) and replies of `allegations`, for the report
/// encrypted to the unit. Opening the texts is a read of protected text: logged with its
/// purpose (§7.5).
pub(super) async fn export(
    store: &Store,
    scope: &TenantScope,
    allegations: &[AllegationId],
) -> anyhow::Result<(Vec<StepPart>, Vec<RepresentationPart>, Vec<ReplyPart>)> {
    let (mut steps, mut representations, mut replies) = (Vec::new(), Vec::new(), Vec::new());
    for allegation in allegations {
        for (step_id, step) in store.allegation_steps(scope, *allegation).await? {
            let (kind, addressee, form, text) = match step.kind {
                StepKind::Representation { addressee, form } => (
                    "representation",
                    Some(addressee),
                    Some(form.code().to_owned()),
                    None,
                ),
                StepKind::AuthorityReply { text } => ("authority-reply", None, None, Some(text)),
                StepKind::Closed { reason } => ("closed", None, None, Some(reason)),
            };
            steps.push(StepPart {
                id: step_id.to_string(),
                allegation: allegation.to_string(),
                at: rfc3339(step.at),
                by: step.by,
                kind: kind.to_owned(),
                addressee,
                form,
                text,
            });
        }
        for listed in store.representations(scope, *allegation).await? {
            let opened = store.representation(scope, listed.letter.id).await?;
            store
                .audit(
                    scope,
                    AuditEntry::new(
                        AuditAction::Read,
                        format!("representation:{}", opened.letter.id),
                    )
                    .purpose("visit report to the unit (cli)")
                    .records(1),
                )
                .await?;
            for reply in &opened.replies {
                replies.push(ReplyPart {
                    id: reply.reply.id.to_string(),
                    representation: opened.letter.id.to_string(),
                    received_on: iso_day(reply.reply.received_on),
                    outcome: reply.reply.outcome.code().to_owned(),
                    text: reply.reply.text.clone(),
                });
            }
            let letter = opened.letter;
            representations.push(RepresentationPart {
                id: letter.id.to_string(),
                allegation: letter.allegation.to_string(),
                form: letter.form.code().to_owned(),
                addressee: letter.addressee,
                sent_on: iso_day(letter.sent_on),
                text: letter.text,
            });
        }
    }
    Ok((steps, representations, replies))
}
