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

use std::collections::HashSet;

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
    /// With who recorded it on the laptop, when the report says.
    Representation(RepresentationLetter, Option<String>),
    Reply(AuthorityReply, Option<String>),
}

/// The steps, representations and replies of one report, checked, in time order; each with the
/// part it came from (`replies[0]`) for the messages.
#[derive(Default)]
pub(super) struct Letters {
    ordered: Vec<(String, Letter)>,
    /// Letters about carried allegations (`VisitReport::carried`) the unit does not hold yet:
    /// not recorded; they travel again with the laptop's next report.
    pub waiting: usize,
}

/// What the unit already holds, for references to records of earlier reports.
pub(super) struct KnownLetters {
    pub allegations: Vec<AllegationId>,
    pub representations: Vec<RepresentationId>,
}

impl KnownLetters {
    /// The allegations the report's steps and representations name and the representations its
    /// replies name that are not in the report and that the unit holds, read in the import's
    /// transaction, those ids only (without opening any text).
    pub async fn load(batch: &mut FieldBatch<'_>, report: &VisitReport) -> anyhow::Result<Self> {
        let parsed = |text: &str| Uuid::parse_str(text.trim()).ok();
        let own: Vec<Uuid> = report
            .allegations
            .iter()
            .filter_map(|a| parsed(&a.id))
            .collect();
        let named: Vec<Uuid> = report
            .allegation_steps
            .iter()
            .map(|s| s.allegation.as_str())
            .chain(report.representations.iter().map(|r| r.allegation.as_str()))
            .filter_map(parsed)
            .filter(|a| !own.contains(a))
            .collect();
        let in_report: Vec<Uuid> = report
            .representations
            .iter()
            .filter_map(|r| parsed(&r.id))
            .collect();
        let replied: Vec<Uuid> = report
            .replies
            .iter()
            .filter_map(|r| parsed(&r.representation))
            .filter(|r| !in_report.contains(r))
            .collect();
        Ok(Self {
            allegations: batch
                .held(store::Held::Allegations, &named)
                .await?
                .into_iter()
                .map(AllegationId::from_uuid)
                .collect(),
            representations: batch
                .held(store::Held::Representations, &replied)
                .await?
                .into_iter()
                .map(RepresentationId::from_uuid)
                .collect(),
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
    let carried: Vec<Uuid> = report
        .carried
        .iter()
        .filter_map(|c| Uuid::parse_str(c.trim()).ok())
        .collect();
    // `None`: an allegation of another visit the laptop carries and the unit does not hold
    // yet (ICRC-VIS-e): its letters wait for a later report.
    let allegation = |field: &str, text: &str| -> anyhow::Result<Option<AllegationId>> {
        let found = AllegationId::from_uuid(id(field, text)?);
        if allegations.contains(&found) || known.allegations.contains(&found) {
            Ok(Some(found))
        } else if carried.contains(found.as_uuid()) {
            Ok(None)
        } else {
            bail!("{field}: no such allegation in this report or at the unit")
        }
    };
    let mut waiting = 0;
    let mut waiting_letters: Vec<RepresentationId> = Vec::new();
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
        let step_id = id(&f("id"), &part.id)?;
        let Some(about) = allegation(&f("allegation"), &part.allegation)? else {
            waiting += 1;
            continue;
        };
        events.push((
            at,
            order,
            part_name.clone(),
            Letter::Step(step_id, about, step),
        ));
    }
    let mut letters: Vec<RepresentationLetter> = Vec::new();
    for (i, part) in report.representations.iter().enumerate() {
        let part_name = format!("representations[{i}]");
        let f = |name: &str| format!("{part_name}.{name}");
        let sent_on = day(&f("sent_on"), Some(&part.sent_on))?.unwrap_or(today);
        not_future(&f("sent_on"), sent_on, today)?;
        let letter_id = RepresentationId::from_uuid(id(&f("id"), &part.id)?);
        let Some(about) = allegation(&f("allegation"), &part.allegation)? else {
            waiting += 1;
            waiting_letters.push(letter_id);
            continue;
        };
        let letter = RepresentationLetter {
            id: letter_id,
            allegation: about,
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
            Letter::Representation(letter, part.recorded_by.clone()),
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
            None if waiting_letters.contains(&representation) => {
                waiting += 1;
                continue;
            }
            None => bail!(
                "{}: no such representation in this report or at the unit",
                f("representation")
            ),
        }
        events.push((
            midnight(received_on),
            1,
            part_name,
            Letter::Reply(reply, part.recorded_by.clone()),
        ));
    }
    // In the order they happened (a closure after a representation and its reply on the same
    // day); the report's order breaks ties.
    events.sort_by_key(|(at, order, _, _)| (*at, *order));
    Ok(Letters {
        ordered: events
            .into_iter()
            .map(|(_, _, part, letter)| (part, letter))
            .collect(),
        waiting,
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
        // Written now or before: held once the batch commits (the receipt names it).
        merged.letters_held.push(match letter {
            Letter::Step(id, ..) => *id,
            Letter::Representation(letter, _) => *letter.id.as_uuid(),
            Letter::Reply(reply, _) => *reply.id.as_uuid(),
        });
        match letter {
            Letter::Step(id, allegation, step) => {
                merged.allegation_steps += usize::from(
                    batch
                        .allegation_step(*id, *allegation, step)
                        .await
                        .with_context(|| part.clone())?,
                );
            }
            Letter::Representation(letter, by) => {
                merged.representations += usize::from(
                    batch
                        .representation_by(letter, by.as_deref())
                        .await
                        .with_context(|| part.clone())?,
                );
            }
            Letter::Reply(reply, by) => {
                merged.replies += usize::from(
                    batch
                        .reply_by(reply, by.as_deref())
                        .await
                        .with_context(|| part.clone())?,
                );
            }
        }
    }
    merged.letters_waiting += letters.waiting;
    Ok(())
}

/// The steps, representations (texts opened) and replies of `allegations`, for the report
/// encrypted to the unit. Opening the texts is a read of protected text: logged with its
/// purpose (§7.5).
///
/// `received` are letters the unit acknowledged holding (`visit receipt`): they are left out
/// for the allegations in `carried` (other visits'), and still sent with their own visit's
/// report, which travels whole.
pub(super) async fn export(
    store: &Store,
    scope: &TenantScope,
    allegations: &[AllegationId],
    carried: &[AllegationId],
    received: &HashSet<Uuid>,
) -> anyhow::Result<(Vec<StepPart>, Vec<RepresentationPart>, Vec<ReplyPart>)> {
    let (mut steps, mut representations, mut replies) = (Vec::new(), Vec::new(), Vec::new());
    for allegation in allegations {
        let skip = |id: &Uuid| carried.contains(allegation) && received.contains(id);
        for (step_id, step) in store.allegation_steps(scope, *allegation).await? {
            if skip(&step_id) {
                continue;
            }
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
            let letter_received = skip(listed.letter.id.as_uuid());
            if letter_received && listed.replies.iter().all(|r| skip(r.reply.id.as_uuid())) {
                // Nothing of it travels: its text is not opened.
                continue;
            }
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
                if skip(reply.reply.id.as_uuid()) {
                    continue;
                }
                replies.push(ReplyPart {
                    id: reply.reply.id.to_string(),
                    representation: opened.letter.id.to_string(),
                    received_on: iso_day(reply.reply.received_on),
                    outcome: reply.reply.outcome.code().to_owned(),
                    text: reply.reply.text.clone(),
                    recorded_by: Some(reply.recorded_by.clone()),
                });
            }
            if letter_received {
                continue;
            }
            let letter = opened.letter;
            representations.push(RepresentationPart {
                id: letter.id.to_string(),
                allegation: letter.allegation.to_string(),
                form: letter.form.code().to_owned(),
                addressee: letter.addressee,
                sent_on: iso_day(letter.sent_on),
                text: letter.text,
                recorded_by: Some(opened.recorded_by.clone()),
            });
        }
    }
    Ok((steps, representations, replies))
}
