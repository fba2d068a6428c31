//! What a delegate records in the field beyond the visit itself (issue 6): private interviews
//! with their notes (GC3-126-b, ICRC-VIS-c), the end of refusals (GC3-126-c) and allegations
//! with the interviews they come from (ICRC-VIS-c/f), as they travel in a visit report.
//!
//! [`parse`] converts and checks every part before anything is written (a refused report
//! applies nothing); [`write`] records them with the ids made on the laptop, so the same report
//! twice adds nothing.

use anyhow::Context;
use anyhow::bail;
use domain::protection::{
    AccessRefusal, Allegation, FollowUp, Interview, Perpetrator, PersonSeen, RefusalEnd, Visit,
    check_interviews,
};
use domain::{AllegationId, InterviewId, PlaceId, RefusalId, RegistrationId};
use store::{FieldBatch, Store, TenantScope};
use time::OffsetDateTime;
use transmit::{AllegationPart, InterviewPart, PerpetratorPart, RefusalEndPart, VisitReport};

use super::{Merged, code, id, instant, partial, rfc3339};

/// The field records of one report, checked.
#[derive(Default)]
pub(super) struct FieldRecords {
    /// Each with who recorded it on the laptop (`recorded_by`, when the report says).
    interviews: Vec<(Interview, Option<String>)>,
    ends: Vec<(RefusalEnd, Option<String>)>,
    allegations: Vec<(Allegation, Vec<InterviewId>)>,
}

/// What the unit already holds, for references to records of earlier reports.
pub(super) struct Known {
    pub seen: Vec<RegistrationId>,
    pub interviews: Vec<InterviewId>,
    pub refusals: Vec<AccessRefusal>,
}

impl Known {
    /// What the report names that is not in it, read in the import's transaction, those ids
    /// only (not every registration, interview and refusal of the unit): an allegation's
    /// victims and interviews, the refusals its ends name. Ids that do not parse are left to
    /// [`parse`], which names the field.
    pub async fn load(
        batch: &mut FieldBatch<'_>,
        report: &VisitReport,
        seen: &[PersonSeen],
        refusals: &[AccessRefusal],
    ) -> anyhow::Result<Self> {
        let parsed = |text: &String| uuid::Uuid::parse_str(text.trim()).ok();
        let victims: Vec<uuid::Uuid> = report
            .allegations
            .iter()
            .flat_map(|a| a.victims.iter().filter_map(parsed))
            .filter(|v| !seen.iter().any(|s| s.id.as_uuid() == v))
            .collect();
        let in_report: Vec<uuid::Uuid> = report
            .interviews
            .iter()
            .filter_map(|i| parsed(&i.id))
            .collect();
        let interviews: Vec<uuid::Uuid> = report
            .allegations
            .iter()
            .flat_map(|a| a.interviews.iter().filter_map(parsed))
            .filter(|i| !in_report.contains(i))
            .collect();
        let ended: Vec<RefusalId> = report
            .refusal_ends
            .iter()
            .filter_map(|e| parsed(&e.refusal))
            .map(RefusalId::from_uuid)
            .filter(|r| !refusals.iter().any(|x| x.id == *r))
            .collect();
        Ok(Self {
            seen: batch
                .held(store::Held::Registrations, &victims)
                .await?
                .into_iter()
                .map(RegistrationId::from_uuid)
                .collect(),
            interviews: batch
                .held(store::Held::Interviews, &interviews)
                .await?
                .into_iter()
                .map(InterviewId::from_uuid)
                .collect(),
            refusals: batch.refusals_by_id(&ended).await?,
        })
    }
}

/// Converts and checks the interviews, refusal ends and allegations of `report` against the
/// rest of the report (`seen`, `refusals`, `follow_ups`) and what the unit already holds.
/// Every message names the part and field (`interviews[0].interviewees[1]: …`).
#[allow(clippy::too_many_arguments)]
pub(super) fn parse(
    report: &VisitReport,
    visit: &Visit,
    seen: &[PersonSeen],
    refusals: &[AccessRefusal],
    follow_ups: &[(uuid::Uuid, FollowUp)],
    known: &Known,
    place: &dyn Fn(&str, &str) -> anyhow::Result<PlaceId>,
    now: OffsetDateTime,
) -> anyhow::Result<FieldRecords> {
    let mut out = FieldRecords::default();
    for (i, part) in report.interviews.iter().enumerate() {
        let f = |name: &str| format!("interviews[{i}].{name}");
        let mut interviewees = Vec::new();
        for (j, text) in part.interviewees.iter().enumerate() {
            let person = RegistrationId::from_uuid(id(&f(&format!("interviewees[{j}]")), text)?);
            if !seen.iter().any(|s| s.id == person) {
                bail!(
                    "{}: not a person seen on this visit",
                    f(&format!("interviewees[{j}]"))
                );
            }
            interviewees.push(person);
        }
        let interview = Interview {
            id: InterviewId::from_uuid(id(&f("id"), &part.id)?),
            visit: visit.id,
            interviewees,
            place: place(&f("place"), &part.place)?,
            held_at: instant(&f("held_at"), &part.held_at)?,
            interviewers: part.interviewers.clone(),
            interpreter: part.interpreter.clone(),
            language: part.language.clone(),
            without_witnesses: part.without_witnesses,
            present: part.present.clone(),
            consent_authorities: code(&f("use_with_authorities"), &part.use_with_authorities)?,
            consent_family: part.share_with_family,
            consent_medical: part.medical_referral,
            notes: part.notes.clone(),
        };
        interview
            .validate(now)
            .map_err(|e| anyhow::anyhow!("interviews[{i}].{e}"))?;
        out.interviews.push((interview, part.recorded_by.clone()));
    }
    // ICRC-VIS-d: a follow-up after an interview of the person asks about reprisals.
    for (i, (_, follow_up)) in follow_ups.iter().enumerate() {
        follow_up
            .check_reprisals(&interviews_of(&out))
            .map_err(|e| anyhow::anyhow!("follow_ups[{i}].{e}"))?;
    }
    for (i, part) in report.refusal_ends.iter().enumerate() {
        let f = |name: &str| format!("refusal_ends[{i}].{name}");
        let refusal = RefusalId::from_uuid(id(&f("refusal"), &part.refusal)?);
        let Some(lifted) = refusals
            .iter()
            .chain(&known.refusals)
            .find(|r| r.id == refusal)
        else {
            bail!(
                "{}: no such refusal in this report or at the unit",
                f("refusal")
            );
        };
        let end = RefusalEnd {
            refusal,
            ended_at: instant(&f("ended_at"), &part.ended_at)?,
            note: part.note.clone(),
        };
        // The refusal as it was recorded, before this end.
        let before = AccessRefusal {
            actual_end: None,
            ..lifted.clone()
        };
        end.check(&before, now).map_err(|e| {
            anyhow::anyhow!("refusal_ends[{i}].{}", e.replace("ended at", "ended_at"))
        })?;
        out.ends.push((end, part.recorded_by.clone()));
    }
    for (i, part) in report.allegations.iter().enumerate() {
        let f = |name: &str| format!("allegations[{i}].{name}");
        let mut victims = Vec::new();
        for (j, text) in part.victims.iter().enumerate() {
            let person = RegistrationId::from_uuid(id(&f(&format!("victims[{j}]")), text)?);
            if !seen.iter().any(|s| s.id == person) && !known.seen.contains(&person) {
                bail!("{}: not a person seen", f(&format!("victims[{j}]")));
            }
            victims.push(person);
        }
        let mut interviews = Vec::new();
        let mut sources = Vec::new();
        for (j, text) in part.interviews.iter().enumerate() {
            let interview = InterviewId::from_uuid(id(&f(&format!("interviews[{j}]")), text)?);
            match out.interviews.iter().find(|(x, _)| x.id == interview) {
                Some((found, _)) => sources.push(found.clone()),
                None if known.interviews.contains(&interview) => {}
                None => bail!(
                    "{}: not a private interview",
                    f(&format!("interviews[{j}]"))
                ),
            }
            interviews.push(interview);
        }
        let allegation = Allegation {
            id: AllegationId::from_uuid(id(&f("id"), &part.id)?),
            reference: part.reference.clone(),
            category: code(&f("category"), &part.category)?,
            acts: part
                .acts
                .iter()
                .enumerate()
                .map(|(j, a)| code(&f(&format!("acts[{j}]")), a))
                .collect::<anyhow::Result<_>>()?,
            occurred: partial(&f("occurred"), part.occurred.as_ref())?,
            place: part
                .place
                .as_deref()
                .map(|name| place(&f("place"), name))
                .transpose()?,
            victims,
            perpetrators: part
                .perpetrators
                .iter()
                .enumerate()
                .map(|(j, p)| {
                    Ok(Perpetrator {
                        kind: code(&f(&format!("perpetrators[{j}].kind")), &p.kind)?,
                        designation: p.designation.clone(),
                    })
                })
                .collect::<anyhow::Result<_>>()?,
            sources: part
                .sources
                .iter()
                .enumerate()
                .map(|(j, s)| code(&f(&format!("sources[{j}]")), s))
                .collect::<anyhow::Result<_>>()?,
            consent: code(&f("consent"), &part.consent)?,
            narrative: part.narrative.clone(),
        };
        allegation
            .validate()
            .map_err(|e| anyhow::anyhow!("allegations[{i}].{e}"))?;
        check_interviews(&allegation, &sources)
            .map_err(|e| anyhow::anyhow!("allegations[{i}].{e}"))?;
        out.allegations.push((allegation, interviews));
    }
    Ok(out)
}

/// The report's interviews, without who recorded them.
fn interviews_of(records: &FieldRecords) -> Vec<Interview> {
    records.interviews.iter().map(|(i, _)| i.clone()).collect()
}

/// Records what is new, in the report's batch. Interviews come before the follow-ups that
/// check for reprisals after them; the caller writes the persons seen first. A refusal names
/// the part (`interviews[1]: …`).
pub(super) async fn write_interviews(
    batch: &mut FieldBatch<'_>,
    records: &FieldRecords,
    merged: &mut Merged,
) -> anyhow::Result<()> {
    for (i, (interview, by)) in records.interviews.iter().enumerate() {
        merged.interviews += usize::from(
            batch
                .interview_by(interview, by.as_deref())
                .await
                .with_context(|| format!("interviews[{i}]"))?,
        );
    }
    Ok(())
}

/// Records the refusal ends and allegations that are new, in the report's batch.
pub(super) async fn write_rest(
    batch: &mut FieldBatch<'_>,
    records: &FieldRecords,
    merged: &mut Merged,
) -> anyhow::Result<()> {
    for (i, (end, by)) in records.ends.iter().enumerate() {
        merged.refusal_ends += usize::from(
            batch
                .refusal_end_by(end, by.as_deref())
                .await
                .with_context(|| format!("refusal_ends[{i}]"))?,
        );
    }
    for (i, (allegation, interviews)) in records.allegations.iter().enumerate() {
        merged.allegations += usize::from(
            batch
                .allegation(allegation, interviews)
                .await
                .with_context(|| format!("allegations[{i}]"))?,
        );
    }
    Ok(())
}

/// The parts of a stored visit for its report: its interviews (notes opened, for the bundle
/// encrypted to the unit), the ends of its refusals, and the allegations that concern it (a
/// victim seen or an interview held on it).
pub(super) async fn export(
    store: &Store,
    scope: &TenantScope,
    visit: &Visit,
    name_of: &dyn Fn(&PlaceId) -> String,
) -> anyhow::Result<(Vec<InterviewPart>, Vec<RefusalEndPart>, Vec<AllegationPart>)> {
    let interviews = store.interviews(scope, visit.id).await?;
    let recorders = store.visit_recorders(scope, visit.id).await?;
    let seen: Vec<RegistrationId> = store
        .registrations(scope, Some(visit.id))
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let refusals: Vec<RefusalId> = store
        .refusals(scope)
        .await?
        .into_iter()
        .filter(|r| r.visit == Some(visit.id))
        .map(|r| r.id)
        .collect();
    let ends = store
        .refusal_ends(scope)
        .await?
        .into_iter()
        .filter(|e| refusals.contains(&e.end.refusal))
        .map(|e| RefusalEndPart {
            refusal: e.end.refusal.to_string(),
            ended_at: rfc3339(e.end.ended_at),
            note: e.end.note,
            recorded_by: Some(e.recorded_by),
        })
        .collect();
    let mut allegations = Vec::new();
    for allegation in store.allegations(scope).await? {
        let from: Vec<InterviewId> = store
            .allegation_interviews(scope, allegation.id)
            .await?
            .into_iter()
            .map(|i| i.id)
            .collect();
        let concerns = allegation.victims.iter().any(|v| seen.contains(v))
            || from.iter().any(|i| interviews.iter().any(|x| x.id == *i));
        if !concerns {
            continue;
        }
        allegations.push(AllegationPart {
            id: allegation.id.to_string(),
            reference: allegation.reference,
            category: allegation.category.code().to_owned(),
            acts: allegation
                .acts
                .iter()
                .map(|a| a.code().to_owned())
                .collect(),
            occurred: allegation.occurred.map(|d| d.original().to_owned()),
            place: allegation.place.as_ref().map(name_of),
            victims: allegation.victims.iter().map(ToString::to_string).collect(),
            perpetrators: allegation
                .perpetrators
                .into_iter()
                .map(|p| PerpetratorPart {
                    kind: p.kind.code().to_owned(),
                    designation: p.designation,
                })
                .collect(),
            sources: allegation
                .sources
                .iter()
                .map(|s| s.code().to_owned())
                .collect(),
            consent: allegation.consent.code().to_owned(),
            narrative: allegation.narrative,
            interviews: from.iter().map(ToString::to_string).collect(),
        });
    }
    let interviews = interviews
        .into_iter()
        .map(|i| InterviewPart {
            id: i.id.to_string(),
            place: name_of(&i.place),
            held_at: rfc3339(i.held_at),
            interviewees: i.interviewees.iter().map(ToString::to_string).collect(),
            interviewers: i.interviewers,
            interpreter: i.interpreter,
            language: i.language,
            without_witnesses: i.without_witnesses,
            present: i.present,
            use_with_authorities: i.consent_authorities.code().to_owned(),
            share_with_family: i.consent_family,
            medical_referral: i.consent_medical,
            notes: i.notes,
            recorded_by: recorders.interview(i.id).map(str::to_owned),
        })
        .collect();
    Ok((interviews, ends, allegations))
}

/// Refusals as exported: the refusal's own end only (an end recorded later travels as a
/// refusal end, so that the unit records it the same way).
pub(super) fn own_end(
    refusal: &AccessRefusal,
    later: &[store::StoredRefusalEnd],
) -> Option<String> {
    if later.iter().any(|e| e.end.refusal == refusal.id) {
        None
    } else {
        refusal.actual_end.map(rfc3339)
    }
}
