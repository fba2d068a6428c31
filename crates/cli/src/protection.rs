//! The protection unit's commands (issue 6; docs/protection.md):
//!
//! - `visit place`: a place of detention with its profile and the notice of its location;
//! - `visit record FILE`: a visit report (JSON) typed on the delegate's laptop;
//! - `visit export`: the visit as a signed envelope in a bundle encrypted to the unit;
//! - `visit import`: the unit verifies, decrypts and merges it (twice = no duplicates);
//! - `visit alerts`: the reconciliation alerts of a visit, with the engine's explanations;
//! - `evidence add` / `evidence link` / `evidence verify`.
//!
//! Protection data stays in protection-unit tenants: every command here refuses another kind of
//! tenant, and a visit bundle goes only from one protection-unit instance to another.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use domain::protection::{
    AccessRefusal, ConditionRecord, CopyRole, EvidenceItem, EvidenceKind, FollowUp, NoticeKind,
    PersonSeen, PlaceNotice, PlaceProfile, Visit,
};
use domain::{
    AllegationId, AssertedValue, EvidenceId, FieldKey, PartialDate, PlaceId, PlaceKind, Presence,
    RefusalId, RegistrationId, Tenant, TenantKind, VisitId,
};
use store::{EvidenceTarget, NewPlace, Store, TenantScope};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use transmit::{
    AllegationPart, CardField, Channel, ConditionPart, Content, Envelope, FollowUpPart, Header,
    InterviewPart, PerpetratorPart, Purpose, RefusalEndPart, RefusalPart, SeenPart, VisitPart,
    VisitReport,
};
use uuid::Uuid;

use crate::config::Locations;
use web::transmission::{OwnKeys, load_ring, now_text};

use crate::transmit::write_new;

mod field;
mod followed;
mod letters;
mod receipt;

#[derive(Subcommand)]
pub enum VisitCommand {
    /// Add a place of detention with its authority, location and capacity (GC3-23-a).
    Place(PlaceArgs),
    /// Record a visit report (JSON, see docs/protection.md) into this instance.
    Record {
        #[arg(long)]
        tenant: String,
        file: PathBuf,
    },
    /// Write a visit as a signed bundle encrypted to the protection unit.
    Export {
        #[arg(long)]
        tenant: String,
        /// The visit's reference; several (`--visit V-1 --visit V-2`) make one bundle of
        /// several reports, which the unit imports all or nothing.
        #[arg(long, required = true)]
        visit: Vec<String>,
        /// The protection unit's tenant slug (its keys pinned with `keys import-peer`).
        #[arg(long)]
        to: String,
        #[arg(long)]
        officer: Option<String>,
        #[arg(short = 'o', long)]
        output: PathBuf,
    },
    /// Verify, decrypt and merge a visit bundle from a delegate's laptop (idempotent), and
    /// write the unit's signed receipt for the laptop (`visit receipt`).
    Import {
        #[arg(long)]
        tenant: String,
        file: PathBuf,
        /// Where to write the signed receipt. Default: the bundle's path with `.ack.json`.
        #[arg(long)]
        ack: Option<PathBuf>,
    },
    /// On the laptop: keep the unit's receipt of a visit bundle (`visit import` wrote it). The
    /// letters it says the unit holds no longer travel with later reports; the others still do.
    Receipt {
        #[arg(long)]
        tenant: String,
        /// The protection unit that signed the receipt (as `visit export --to` named it).
        #[arg(long)]
        from: String,
        file: PathBuf,
    },
    /// The reconciliation alerts of a visit, with their explanations.
    Alerts {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        visit: String,
    },
    /// ICRC-VIS-d: the persons whose next visit is due on a day (default today) or before and
    /// who have not been seen since, most overdue first, with why.
    Due {
        #[arg(long)]
        tenant: String,
        /// The day (YYYY-MM-DD); default today (UTC).
        #[arg(long)]
        on: Option<String>,
    },
}

#[derive(Args)]
pub struct PlaceArgs {
    #[arg(long)]
    tenant: String,
    #[arg(long)]
    name: String,
    /// collecting-point, pow-camp, prison, police-station, …
    #[arg(long)]
    kind: String,
    /// The controlling party's ISO code (XA, XB).
    #[arg(long)]
    party: String,
    #[arg(long)]
    authority: String,
    #[arg(long)]
    location: Option<String>,
    #[arg(long)]
    capacity: Option<u32>,
    /// When the detaining party notified the location (RFC 3339), if it did.
    #[arg(long)]
    notified_at: Option<String>,
}

#[derive(Subcommand)]
pub enum EvidenceCommand {
    /// Save a file as evidence: streamed, SHA-256, custody opened.
    Add {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        kind: String,
        #[arg(long)]
        title: String,
        /// When the delegate saved it (RFC 3339).
        #[arg(long)]
        captured_at: String,
        /// Who saved it.
        #[arg(long)]
        captured_by: String,
        /// The allegation it supports, by reference.
        #[arg(long)]
        allegation: Option<String>,
        /// Where it was found.
        #[arg(long)]
        source_url: Option<String>,
    },
    /// Record a link that could not be saved, and why.
    Link {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        url: String,
        #[arg(long)]
        unavailable: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        captured_at: String,
        #[arg(long)]
        captured_by: String,
        #[arg(long)]
        allegation: Option<String>,
    },
    /// Check every file's SHA-256 and every chain of custody; name each failure.
    Verify {
        #[arg(long)]
        tenant: String,
    },
}

/// The directory that holds the evidence files of every tenant.
pub fn evidence_dir(locations: &Locations) -> PathBuf {
    locations.data_dir.join("evidence")
}

async fn open_unit(
    locations: &Locations,
    slug: &str,
) -> anyhow::Result<(Store, Tenant, TenantScope)> {
    let store = locations.open().await?;
    let tenant = store
        .tenant_by_slug(slug)
        .await
        .with_context(|| format!("no tenant {slug:?}"))?;
    if tenant.kind != TenantKind::ProtectionUnit {
        bail!(
            "{slug:?} is a {}: visits, allegations and evidence belong to a protection unit only",
            tenant.kind
        );
    }
    let scope = store.operator_scope(&tenant, &crate::setup::operator_name());
    Ok((store, tenant, scope))
}

fn instant(field: &str, text: &str) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .with_context(|| format!("{field}: {text:?} is not an RFC 3339 instant"))
}

fn opt_instant(field: &str, text: Option<&String>) -> anyhow::Result<Option<OffsetDateTime>> {
    text.map(|t| instant(field, t)).transpose()
}

fn day(field: &str, text: Option<&String>) -> anyhow::Result<Option<Date>> {
    text.map(|t| {
        Date::parse(t.trim(), format_description!("[year]-[month]-[day]"))
            .with_context(|| format!("{field}: {t:?} is not a date YYYY-MM-DD"))
    })
    .transpose()
}

fn partial(field: &str, text: Option<&String>) -> anyhow::Result<Option<PartialDate>> {
    text.map(|t| PartialDate::parse(t).map_err(|e| anyhow::anyhow!("{field}: {e}")))
        .transpose()
}

fn id(field: &str, text: &str) -> anyhow::Result<Uuid> {
    Uuid::parse_str(text.trim()).with_context(|| format!("{field}: {text:?} is not a UUID"))
}

fn code<T: std::str::FromStr<Err = String>>(field: &str, text: &str) -> anyhow::Result<T> {
    text.parse::<T>()
        .map_err(|e| anyhow::anyhow!("{field}: {e}"))
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn iso_day(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// What a report added; a second import of the same report adds nothing.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Merged {
    pub visit: bool,
    pub conditions: usize,
    pub refusals: usize,
    pub persons_seen: usize,
    pub follow_ups: usize,
    pub interviews: usize,
    pub refusal_ends: usize,
    pub allegations: usize,
    pub allegation_steps: usize,
    pub representations: usize,
    pub replies: usize,
    /// Letters about allegations of other visits that the unit does not hold yet (ICRC-VIS-e):
    /// not recorded; they travel again with the laptop's next report.
    pub letters_waiting: usize,
    /// The persons seen this report registered at this instance (for their "same person as"
    /// proposals).
    pub new_persons: Vec<RegistrationId>,
    /// The ids of the report's letters (steps, representations, replies) this instance holds
    /// once the report is applied (new or recorded before): what the receipt names.
    pub letters_held: Vec<Uuid>,
}

impl Merged {
    fn add(&mut self, other: &Self) {
        self.visit |= other.visit;
        self.conditions += other.conditions;
        self.refusals += other.refusals;
        self.persons_seen += other.persons_seen;
        self.follow_ups += other.follow_ups;
        self.interviews += other.interviews;
        self.refusal_ends += other.refusal_ends;
        self.allegations += other.allegations;
        self.allegation_steps += other.allegation_steps;
        self.representations += other.representations;
        self.replies += other.replies;
        self.letters_waiting += other.letters_waiting;
        self.new_persons.extend(other.new_persons.iter().copied());
        self.letters_held.extend(other.letters_held.iter().copied());
    }
}

/// Checks a whole report against the tenant's places and the domain rules, then records what
/// is new, in one transaction. Nothing is written if any part is wrong.
pub async fn merge_report(
    store: &Store,
    scope: &TenantScope,
    report: &VisitReport,
) -> anyhow::Result<Merged> {
    let places = store.places(scope).await?;
    // One transaction: the report applies whole or not at all (an error or a killed process
    // half-way leaves nothing); the checks that read see the rows written before them.
    let mut batch = store.begin_field_batch(scope).await?;
    let merged = merge_into(&mut batch, &places, report).await?;
    batch.commit().await?;
    Ok(merged)
}

/// Checks one report and records what is new in `batch`, the import's transaction: what the
/// report names that the unit may already hold (an allegation's victims and interviews, the
/// refusals it ends, the allegations and representations its letters name) is read there, ids
/// the report names only, so it sees what earlier reports of the same bundle wrote. Nothing is
/// committed here.
async fn merge_into(
    batch: &mut store::FieldBatch<'_>,
    places: &[domain::PlaceOfDetention],
    report: &VisitReport,
) -> anyhow::Result<Merged> {
    let place = |field: &str, name: &str| -> anyhow::Result<PlaceId> {
        places
            .iter()
            .find(|p| p.name == name.trim())
            .map(|p| p.id)
            .ok_or_else(|| anyhow::anyhow!("{field}: no place named {name:?} in this tenant"))
    };
    let v = &report.visit;
    let visit = Visit {
        id: VisitId::from_uuid(id("visit.id", &v.id)?),
        reference: v.reference.clone(),
        body: code("visit.body", &v.body)?,
        planned_start: day("visit.planned_start", v.planned_start.as_ref())?,
        started_at: opt_instant("visit.started_at", v.started_at.as_ref())?,
        ended_at: opt_instant("visit.ended_at", v.ended_at.as_ref())?,
        team: v.team.clone(),
        places: v
            .places
            .iter()
            .enumerate()
            .map(|(i, name)| place(&format!("visit.places[{i}]"), name))
            .collect::<anyhow::Result<_>>()?,
        next_visit_planned: day("visit.next_visit_planned", v.next_visit_planned.as_ref())?,
    };
    visit.validate().map_err(|e| anyhow::anyhow!("visit.{e}"))?;
    let mut conditions = Vec::new();
    for (i, c) in report.conditions.iter().enumerate() {
        let record = ConditionRecord {
            condition: code(&format!("conditions[{i}].condition"), &c.condition)?,
            outcome: code(&format!("conditions[{i}].outcome"), &c.outcome)?,
            reason: c.reason.clone(),
        };
        record
            .validate()
            .map_err(|e| anyhow::anyhow!("conditions[{i}]: {e}"))?;
        conditions.push((record, c.recorded_by.as_deref()));
    }
    let mut refusals = Vec::new();
    let mut refused_by = Vec::new();
    for (i, r) in report.refusals.iter().enumerate() {
        let f = |name: &str| format!("refusals[{i}].{name}");
        let refusal = AccessRefusal {
            id: RefusalId::from_uuid(id(&f("id"), &r.id)?),
            visit: Some(visit.id),
            place: place(&f("place"), &r.place)?,
            refused_at: instant(&f("refused_at"), &r.refused_at)?,
            scope: r.scope.clone(),
            ground: code(&f("ground"), &r.ground)?,
            grounds_text: r.grounds_text.clone(),
            expected_end: opt_instant(&f("expected_end"), r.expected_end.as_ref())?,
            actual_end: opt_instant(&f("actual_end"), r.actual_end.as_ref())?,
        };
        refusal
            .validate()
            .map_err(|e| anyhow::anyhow!("refusals[{i}].{e}"))?;
        refusals.push(refusal);
        refused_by.push(r.recorded_by.as_deref());
    }
    let mut seen = Vec::new();
    for (i, s) in report.persons_seen.iter().enumerate() {
        let f = |name: &str| format!("persons_seen[{i}].{name}");
        let name = match s.name.to_domain() {
            Ok((FieldKey::Name, Presence::Present(AssertedValue::Name(name)))) => name,
            Ok(_) => bail!("{}: not a name", f("name")),
            Err(error) => bail!("{}: {error}", f("name")),
        };
        let person = PersonSeen {
            id: RegistrationId::from_uuid(id(&f("id"), &s.id)?),
            visit: visit.id,
            place: place(&f("place"), &s.place)?,
            seen_at: instant(&f("seen_at"), &s.seen_at)?,
            name,
            birth_date: partial(&f("birth_date"), s.birth_date.as_ref())?,
            sex: s.sex.as_deref().map(|x| code(&f("sex"), x)).transpose()?,
            nationality: s.nationality.clone(),
            service_number: s.service_number.clone(),
            father_name: s.father_name.clone(),
            held_since: partial(&f("held_since"), s.held_since.as_ref())?,
            registered_by: s.registered_by.clone(),
        };
        person
            .validate()
            .map_err(|e| anyhow::anyhow!("persons_seen[{i}].{e}"))?;
        seen.push(person);
    }
    let mut follow_ups = Vec::new();
    for (i, u) in report.follow_ups.iter().enumerate() {
        let f = |name: &str| format!("follow_ups[{i}].{name}");
        let registration = RegistrationId::from_uuid(id(&f("registration"), &u.registration)?);
        if !seen.iter().any(|s| s.id == registration) {
            bail!("{}: not a person seen in this report", f("registration"));
        }
        let follow_up = FollowUp {
            registration,
            recorded_at: instant(&f("recorded_at"), &u.recorded_at)?,
            health: u.health.clone(),
            family_contact_wanted: u.family_contact_wanted,
            family_contact: u.family_contact.clone(),
            messages: u.messages.clone(),
            next_visit_due: day(&f("next_visit_due"), u.next_visit_due.as_ref())?,
            reprisals_reported: u.reprisals_reported,
            recorded_by: u.recorded_by.clone(),
        };
        follow_up
            .validate()
            .map_err(|e| anyhow::anyhow!("follow_ups[{i}]: {e}"))?;
        follow_ups.push((id(&f("id"), &u.id)?, follow_up));
    }
    let known = field::Known::load(batch, report, &seen, &refusals).await?;
    let records = field::parse(
        report,
        &visit,
        &seen,
        &refusals,
        &follow_ups,
        &known,
        &place,
        OffsetDateTime::now_utc(),
    )?;
    // ICRC-VIS-e: steps, representations and replies, about the report's allegations or the
    // unit's own.
    let own: Vec<AllegationId> = report
        .allegations
        .iter()
        .filter_map(|a| Uuid::parse_str(a.id.trim()).ok())
        .map(AllegationId::from_uuid)
        .collect();
    let known_letters = letters::KnownLetters::load(batch, report).await?;
    let letters = letters::parse(report, &own, &known_letters, OffsetDateTime::now_utc())?;

    let mut merged = Merged {
        visit: batch.visit(&visit).await?,
        ..Merged::default()
    };
    // Issue 6: each as recorded on the laptop (`recorded_by`), otherwise as by this operator.
    for (record, by) in &conditions {
        merged.conditions += usize::from(batch.condition_if_new_by(visit.id, record, *by).await?);
    }
    for (refusal, by) in refusals.iter().zip(&refused_by) {
        merged.refusals += usize::from(batch.refusal_by(refusal, *by).await?);
    }
    // The persons seen and the follow-ups go in a few multi-row statements each (a round trip
    // per record made 10^5 follow-ups take more than 20 minutes on PostgreSQL).
    let new = batch
        .registrations(&seen)
        .await
        .map_err(|e| item_error(e, "persons_seen"))?;
    for (person, new) in seen.iter().zip(new) {
        if new {
            merged.persons_seen += 1;
            merged.new_persons.push(person.id);
        }
    }
    field::write_interviews(batch, &records, &mut merged).await?;
    let new = batch
        .follow_ups(&follow_ups)
        .await
        .map_err(|e| item_error(e, "follow_ups"))?;
    merged.follow_ups += new.into_iter().filter(|n| *n).count();
    field::write_rest(batch, &records, &mut merged).await?;
    letters::write(batch, &letters, &mut merged).await?;
    Ok(merged)
}

/// A bulk write's error, naming the report's field and the record (`persons_seen[3]`).
fn item_error(error: store::ItemError, field: &str) -> anyhow::Error {
    match error.index {
        Some(i) => anyhow::Error::new(error.error).context(format!("{field}[{i}]")),
        None => anyhow::Error::new(error.error).context(field.to_owned()),
    }
}

/// The report of one stored visit, for export.
async fn report_of(
    store: &Store,
    scope: &TenantScope,
    visit: &Visit,
    received: &std::collections::HashSet<Uuid>,
) -> anyhow::Result<VisitReport> {
    let places = store.places(scope).await?;
    let name_of = |id: &PlaceId| -> String {
        places
            .iter()
            .find(|p| p.id == *id)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let seen = store.registrations(scope, Some(visit.id)).await?;
    let mut follow_ups = Vec::new();
    for person in &seen {
        for stored in store.follow_ups(scope, person.id).await? {
            let u = stored.follow_up;
            follow_ups.push(FollowUpPart {
                id: stored.id.to_string(),
                registration: person.id.to_string(),
                recorded_at: rfc3339(u.recorded_at),
                health: u.health,
                family_contact_wanted: u.family_contact_wanted,
                family_contact: u.family_contact,
                messages: u.messages,
                next_visit_due: u.next_visit_due.map(iso_day),
                reprisals_reported: u.reprisals_reported,
                recorded_by: u.recorded_by,
            });
        }
    }
    let (interviews, refusal_ends, allegations) =
        field::export(store, scope, visit, &name_of).await?;
    let exported: Vec<AllegationId> = allegations
        .iter()
        .filter_map(|a| Uuid::parse_str(&a.id).ok())
        .map(AllegationId::from_uuid)
        .collect();
    // ICRC-VIS-e: letters about the allegations of other visits travel too (written on the
    // laptop since that visit was exported, or never sent), until a receipt of the unit says it
    // holds them; the report names those allegations as carried, and the unit records the
    // letters about those it holds.
    let others: Vec<AllegationId> = store
        .allegations(scope)
        .await?
        .into_iter()
        .map(|a| a.id)
        .filter(|a| !exported.contains(a))
        .collect();
    let mut about = exported.clone();
    about.extend(others.iter().copied());
    let (allegation_steps, representations, replies) =
        letters::export(store, scope, &about, &others, received).await?;
    let carried: Vec<String> = others
        .iter()
        .map(ToString::to_string)
        .filter(|a| {
            allegation_steps.iter().any(|s| s.allegation == *a)
                || representations.iter().any(|r| r.allegation == *a)
        })
        .collect();
    let later = store.refusal_ends(scope).await?;
    let recorders = store.visit_recorders(scope, visit.id).await?;
    Ok(VisitReport {
        visit: VisitPart {
            id: visit.id.to_string(),
            reference: visit.reference.clone(),
            body: visit.body.code().to_owned(),
            planned_start: visit.planned_start.map(iso_day),
            started_at: visit.started_at.map(rfc3339),
            ended_at: visit.ended_at.map(rfc3339),
            team: visit.team.clone(),
            places: visit.places.iter().map(name_of).collect(),
            next_visit_planned: visit.next_visit_planned.map(iso_day),
        },
        conditions: store
            .conditions(scope, visit.id)
            .await?
            .into_iter()
            .map(|c| ConditionPart {
                condition: c.condition.code().to_owned(),
                outcome: c.outcome.code().to_owned(),
                recorded_by: recorders.condition(c.condition).map(str::to_owned),
                reason: c.reason,
            })
            .collect(),
        refusals: store
            .refusals(scope)
            .await?
            .into_iter()
            .filter(|r| r.visit == Some(visit.id))
            .map(|r| RefusalPart {
                expected_end: r.expected_end.map(rfc3339),
                actual_end: field::own_end(&r, &later),
                id: r.id.to_string(),
                place: name_of(&r.place),
                refused_at: rfc3339(r.refused_at),
                scope: r.scope,
                ground: r.ground.code().to_owned(),
                recorded_by: recorders.refusal(r.id).map(str::to_owned),
                grounds_text: r.grounds_text,
            })
            .collect(),
        persons_seen: seen
            .iter()
            .map(|s| SeenPart {
                id: s.id.to_string(),
                place: name_of(&s.place),
                seen_at: rfc3339(s.seen_at),
                name: CardField::from_domain(
                    FieldKey::Name,
                    &Presence::Present(AssertedValue::Name(s.name.clone())),
                ),
                birth_date: s.birth_date.as_ref().map(|d| d.original().to_owned()),
                sex: s.sex.map(|x| x.code().to_owned()),
                nationality: s.nationality.clone(),
                service_number: s.service_number.clone(),
                father_name: s.father_name.clone(),
                held_since: s.held_since.as_ref().map(|d| d.original().to_owned()),
                registered_by: s.registered_by.clone(),
            })
            .collect(),
        follow_ups,
        interviews,
        refusal_ends,
        allegations,
        allegation_steps,
        representations,
        replies,
        carried,
    })
}

/// How many of a report's letters are about other visits' allegations (ICRC-VIS-e): those
/// that travel until the unit's receipt names them.
fn carried_letters(report: &VisitReport) -> usize {
    let own: Vec<&str> = report.allegations.iter().map(|a| a.id.as_str()).collect();
    let own_letters: Vec<&str> = report
        .representations
        .iter()
        .filter(|l| own.contains(&l.allegation.as_str()))
        .map(|l| l.id.as_str())
        .collect();
    report
        .allegation_steps
        .iter()
        .filter(|s| !own.contains(&s.allegation.as_str()))
        .count()
        + report
            .representations
            .iter()
            .filter(|l| !own.contains(&l.allegation.as_str()))
            .count()
        + report
            .replies
            .iter()
            .filter(|r| !own_letters.contains(&r.representation.as_str()))
            .count()
}

async fn visit_by_reference(
    store: &Store,
    scope: &TenantScope,
    reference: &str,
) -> anyhow::Result<Visit> {
    store
        .visits(scope)
        .await?
        .into_iter()
        .find(|v| v.reference == reference.trim())
        .ok_or_else(|| anyhow::anyhow!("no visit {reference:?} in this tenant"))
}

fn print_merged(what: &str, merged: &Merged) {
    println!(
        "{what}: visit {}, {} condition record(s), {} refusal(s), {} person(s) seen, {} follow-up(s), {} interview(s), {} refusal end(s), {} allegation(s) new, {} allegation step(s), {} representation(s), {} reply(ies) new",
        if merged.visit { "new" } else { "already known" },
        merged.conditions,
        merged.refusals,
        merged.persons_seen,
        merged.follow_ups,
        merged.interviews,
        merged.refusal_ends,
        merged.allegations,
        merged.allegation_steps,
        merged.representations,
        merged.replies
    );
    if merged.letters_waiting > 0 {
        println!(
            "{} letter(s) about allegations of other visits the unit does not hold yet: not recorded; they travel again with the next visit report",
            merged.letters_waiting
        );
    }
}

/// MATCH-1, ICRC-VIS-d: for each person seen the bundle registered, the earlier registrations
/// the engine proposes as the same person, with probability and explanation. Proposals only:
/// a delegate links them on the person's page after checking.
async fn print_suggestions(
    store: &Store,
    scope: &TenantScope,
    imported: &[RegistrationId],
) -> anyhow::Result<()> {
    let found = web::protection::suggestions_at_import(store, scope, imported).await?;
    let proposed = found.iter().filter(|(_, s)| !s.is_empty()).count();
    if proposed == 0 {
        return Ok(());
    }
    println!(
        "same person as? {proposed} person(s) seen may have been seen before (proposals, nothing is linked; confirm on /protection/persons-seen/<id>):"
    );
    for (seen, suggestions) in found.iter().filter(|(_, s)| !s.is_empty()) {
        println!("- {} (person seen {})", seen.name.display(), seen.id);
        for s in suggestions {
            println!(
                "    {:.2}: {} seen {} at {} on visit {} (person {})",
                s.probability, s.name, s.seen_on, s.place, s.visit, s.person
            );
            for sentence in &s.explanation {
                println!("        {sentence}");
            }
        }
    }
    Ok(())
}

pub async fn visit(locations: &Locations, command: VisitCommand) -> anyhow::Result<ExitCode> {
    match command {
        VisitCommand::Place(args) => add_place(locations, args).await,
        VisitCommand::Record { tenant, file } => {
            let (store, _, scope) = open_unit(locations, &tenant).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let report: VisitReport = serde_json::from_slice(&bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{}: line {}, column {}: {e}",
                    file.display(),
                    e.line(),
                    e.column()
                )
            })?;
            let merged = merge_report(&store, &scope, &report).await?;
            print_merged("recorded", &merged);
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        VisitCommand::Export {
            tenant,
            visit,
            to,
            officer,
            output,
        } => export(locations, &tenant, &visit, &to, officer, &output).await,
        VisitCommand::Import { tenant, file, ack } => import(locations, &tenant, &file, ack).await,
        VisitCommand::Receipt { tenant, from, file } => {
            let (store, tenant, scope) = open_unit(locations, &tenant).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let (letters, new) = receipt::accept(&store, &tenant, &scope, &from, &bytes).await?;
            println!(
                "receipt from {from}: the unit holds {letters} letter(s) of the bundle, {new} new here; they no longer travel with later reports"
            );
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        VisitCommand::Alerts { tenant, visit } => {
            let (store, _, scope) = open_unit(locations, &tenant).await?;
            let visit = visit_by_reference(&store, &scope, &visit).await?;
            let alerts = web::protection::reconcile_visit(&store, &scope, &visit).await?;
            println!("visit {}: {} alert(s)", visit.reference, alerts.len());
            for alert in &alerts {
                println!("- [{}] {}", alert.code, alert.title);
                for line in &alert.explanation {
                    println!("    {line}");
                }
            }
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        VisitCommand::Due { tenant, on } => {
            let (store, _, scope) = open_unit(locations, &tenant).await?;
            followed::print_due(&store, &scope, on.as_deref()).await?;
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn add_place(locations: &Locations, args: PlaceArgs) -> anyhow::Result<ExitCode> {
    let (store, _, scope) = open_unit(locations, &args.tenant).await?;
    let party = store
        .parties()
        .await?
        .into_iter()
        .find(|p| p.iso_country == args.party.trim())
        .ok_or_else(|| anyhow::anyhow!("--party: no party with code {:?}", args.party))?;
    let kind: PlaceKind = code("--kind", &args.kind)?;
    let profile_check = PlaceProfile {
        place: PlaceId::new(),
        authority: args.authority.clone(),
        location: args.location.clone(),
        capacity: args.capacity,
    };
    profile_check
        .validate()
        .map_err(|e| anyhow::anyhow!("--{e}"))?;
    let notified_at = opt_instant("--notified-at", args.notified_at.as_ref())?;
    let place = store
        .create_place(
            &scope,
            &NewPlace {
                controlling_party: party.id,
                kind,
                name: args.name.trim().to_owned(),
                parent: None,
                postal_address: None,
            },
        )
        .await?;
    store
        .record_place_profile(
            &scope,
            &PlaceProfile {
                place,
                ..profile_check
            },
        )
        .await?;
    if let Some(at) = notified_at {
        store
            .record_place_notice(
                &scope,
                &PlaceNotice {
                    place,
                    kind: NoticeKind::LocationNotified,
                    notified_at: at,
                    notified_by: args.authority.clone(),
                    note: None,
                },
            )
            .await?;
    }
    println!("added place {} ({kind})", args.name.trim());
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn export(
    locations: &Locations,
    slug: &str,
    references: &[String],
    to: &str,
    officer: Option<String>,
    output: &Path,
) -> anyhow::Result<ExitCode> {
    let (store, tenant, scope) = open_unit(locations, slug).await?;
    // ICRC-VIS-e: letters the unit acknowledged holding (`visit receipt`) stop travelling.
    let received = store.letters_received(&scope, to).await?;
    let mut reports = Vec::new();
    for reference in references {
        let visit = visit_by_reference(&store, &scope, reference).await?;
        reports.push(report_of(&store, &scope, &visit, &received).await?);
    }
    let own = OwnKeys::load(&store, &scope).await?;
    let seal = own.current(None)?;
    let officer_name = match officer {
        Some(name) => name,
        None => match own.officer_names().as_slice() {
            [one] => one.clone(),
            [] => bail!("no officer key: run `whereabouts keys generate --tenant … --officer …`"),
            many => bail!(
                "several officers can sign ({}): pass --officer",
                many.join(", ")
            ),
        },
    };
    let officer = own.current(Some(&officer_name))?;
    let ring = load_ring(&store, &scope).await?;
    let peer = ring.peer(to).ok_or_else(|| {
        anyhow::anyhow!("no keys pinned for {to:?}: run `whereabouts keys import-peer` first")
    })?;
    let recipient_key = peer
        .keys
        .iter()
        .rev()
        .find(|k| k.is_tenant_key() && k.encryption.is_some() && peer.revocation(&k.id).is_none())
        .ok_or_else(|| anyhow::anyhow!("{to:?} has no valid tenant key to encrypt to"))?;
    let header = Header {
        format: transmit::FORMAT_VERSION,
        sender: tenant.slug.clone(),
        recipient: to.to_owned(),
        channel: Channel::Field,
        purpose: Purpose::VisitReport,
        // One envelope per export; the receiver's idempotency comes from the report's ids.
        sequence: 1,
        created_at: now_text(),
        officer: officer_name,
    };
    let lines: Vec<String> = reports
        .iter()
        .map(|r| {
            format!(
                "visit {} for {to}: {} person(s) seen, {} letter(s) about other visits' allegations",
                r.visit.reference,
                r.persons_seen.len(),
                carried_letters(r)
            )
        })
        .collect();
    let envelope = Envelope::seal(
        header,
        reports
            .into_iter()
            .map(|r| Content::VisitReport(Box::new(r)))
            .collect(),
        &officer,
        &seal,
    )?;
    let bundle = transmit::seal_bundle(&envelope.to_bytes(), recipient_key)?;
    write_new(output, &bundle)?;
    for line in lines {
        println!("{line}, {}", envelope.content_hash);
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn import(
    locations: &Locations,
    slug: &str,
    file: &Path,
    ack: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let (store, tenant, scope) = open_unit(locations, slug).await?;
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let (merged, receipt) = import_bundle_with_receipt(&store, &tenant, &scope, &bytes).await?;
    print_merged("imported", &merged);
    // ICRC-VIS-e: the receipt tells the laptop which of its letters the unit holds, so that
    // they stop travelling (the others travel again until a receipt names them).
    let ack_path = ack.unwrap_or_else(|| {
        let mut name = file.as_os_str().to_owned();
        name.push(".ack.json");
        PathBuf::from(name)
    });
    std::fs::write(&ack_path, receipt.to_bytes())
        .with_context(|| format!("writing {}", ack_path.display()))?;
    println!(
        "receipt for the laptop written to {} ({} letter(s) held)",
        ack_path.display(),
        merged.letters_held.len()
    );
    print_suggestions(&store, &scope, &merged.new_persons).await?;
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Opens a visit bundle with the unit's keys, verifies both signatures against the pinned
/// laptop keys, and merges the report.
pub async fn import_bundle(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    bytes: &[u8],
) -> anyhow::Result<Merged> {
    Ok(import_bundle_with_receipt(store, tenant, scope, bytes)
        .await?
        .0)
}

/// [`import_bundle`], and the unit's signed receipt for the laptop: the envelope applied, and
/// the letters of the bundle the unit now holds ([`Merged::letters_held`]).
pub async fn import_bundle_with_receipt(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    bytes: &[u8],
) -> anyhow::Result<(Merged, transmit::SignedReceipt)> {
    let own = OwnKeys::load(store, scope).await?;
    let wire = transmit::open_bundle(bytes, &own.tenant_keys()?)?;
    let envelope = Envelope::from_bytes(&wire)?;
    let ring = load_ring(store, scope).await?;
    let verified = envelope.verify(&tenant.slug, &ring)?;
    if verified.header.purpose != Purpose::VisitReport || verified.header.channel != Channel::Field
    {
        bail!("this bundle is not a visit report: use `whereabouts receive` for notifications");
    }
    let mut reports = Vec::new();
    for content in &verified.contents {
        let Content::VisitReport(report) = content else {
            bail!(
                "a visit bundle carries a {}, not a visit report",
                content.kind()
            );
        };
        reports.push(&**report);
    }
    let merged = merge_reports(store, scope, &reports).await?;
    let receipt = receipt::sign(&own, tenant, &verified, &merged)?;
    Ok((merged, receipt))
}

/// The reports of one bundle in **one** transaction: all of them or nothing (issue 6). A
/// report refused, or failing while it is written, leaves nothing of the reports before it;
/// a later report sees what the earlier ones wrote. An error names the report
/// (`report 2 of 2 (visit V-2): …`) when the bundle has several.
pub async fn merge_reports(
    store: &Store,
    scope: &TenantScope,
    reports: &[&VisitReport],
) -> anyhow::Result<Merged> {
    let places = store.places(scope).await?;
    let mut batch = store.begin_field_batch(scope).await?;
    let mut total = Merged::default();
    for (i, report) in reports.iter().enumerate() {
        let merged = merge_into(&mut batch, &places, report).await;
        let merged = if reports.len() > 1 {
            merged.with_context(|| {
                format!(
                    "report {} of {} (visit {})",
                    i + 1,
                    reports.len(),
                    report.visit.reference
                )
            })?
        } else {
            merged?
        };
        total.add(&merged);
    }
    batch.commit().await?;
    Ok(total)
}

pub async fn evidence(locations: &Locations, command: EvidenceCommand) -> anyhow::Result<ExitCode> {
    let root = evidence_dir(locations);
    match command {
        EvidenceCommand::Add {
            tenant,
            file,
            kind,
            title,
            captured_at,
            captured_by,
            allegation,
            source_url,
        } => {
            let (store, _, scope) = open_unit(locations, &tenant).await?;
            let kind: EvidenceKind = code("--kind", &kind)?;
            let captured_at = instant("--captured-at", &captured_at)?;
            let links = allegation_link(&store, &scope, allegation.as_deref()).await?;
            let id = EvidenceId::new();
            let written = store::store_file(&store, &root, &scope, id, &file)
                .await
                .with_context(|| format!("{}", file.display()))?;
            let item = EvidenceItem {
                id,
                kind,
                role: CopyRole::Evidentiary,
                derived_from: None,
                title,
                source_url,
                captured_at,
                sha256: Some(written.sha256.clone()),
                size: Some(written.size),
                media_type: None,
                unavailable: None,
            };
            store
                .record_evidence(
                    &scope,
                    &item,
                    Some(&written.stored_as),
                    &captured_by,
                    &links,
                )
                .await?;
            println!(
                "evidence {id}: {} bytes, sha256 {}",
                written.size, written.sha256
            );
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Link {
            tenant,
            url,
            unavailable,
            title,
            captured_at,
            captured_by,
            allegation,
        } => {
            let (store, _, scope) = open_unit(locations, &tenant).await?;
            let links = allegation_link(&store, &scope, allegation.as_deref()).await?;
            let item = EvidenceItem {
                id: EvidenceId::new(),
                kind: EvidenceKind::SocialMediaPost,
                role: CopyRole::Evidentiary,
                derived_from: None,
                title,
                source_url: Some(url),
                captured_at: instant("--captured-at", &captured_at)?,
                sha256: None,
                size: None,
                media_type: None,
                unavailable: Some(unavailable),
            };
            store
                .record_evidence(&scope, &item, None, &captured_by, &links)
                .await?;
            println!("evidence {}: link recorded as not saved", item.id);
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Verify { tenant } => {
            let (store, _, scope) = open_unit(locations, &tenant).await?;
            let report = store.verify_evidence(&scope, &root).await?;
            store.close().await;
            for finding in &report.findings {
                match &finding.file {
                    Some(file) => println!(
                        "FAILED evidence {} ({}), file {}: {}",
                        finding.evidence,
                        finding.title,
                        file.display(),
                        finding.problem
                    ),
                    None => println!(
                        "FAILED evidence {} ({}): {}",
                        finding.evidence, finding.title, finding.problem
                    ),
                }
            }
            println!(
                "{} item(s), {} file(s), {} custody entr(ies) checked: {}",
                report.items,
                report.files,
                report.custody_entries,
                if report.findings.is_empty() {
                    "all intact".to_owned()
                } else {
                    format!("{} problem(s)", report.findings.len())
                }
            );
            Ok(if report.findings.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

async fn allegation_link(
    store: &Store,
    scope: &TenantScope,
    reference: Option<&str>,
) -> anyhow::Result<Vec<EvidenceTarget>> {
    let Some(reference) = reference else {
        return Ok(Vec::new());
    };
    let allegation = store
        .allegations(scope)
        .await?
        .into_iter()
        .find(|a| a.reference == reference.trim())
        .ok_or_else(|| anyhow::anyhow!("--allegation: no allegation {reference:?}"))?;
    Ok(vec![EvidenceTarget::Allegation(allegation.id)])
}

/// The demo's protection unit (issue 6): a place notified by the first bureau's party, two of
/// that bureau's persons as the unit received them (one held there, one notified as released),
/// a delegate's laptop instance that records a visit offline (two persons seen, one of them
/// never notified), the signed and encrypted bundle imported twice into the unit, and an
/// allegation with two evidence files that pass `evidence verify`.
pub async fn demo(store: &Store, unit_dir: &Locations, bureau: &Tenant) -> anyhow::Result<Tenant> {
    use domain::protection::{
        ActKind, AllegationCategory, AllegationSource, Consent, PerpetratorKind,
    };
    use domain::{AllegationId, Confidence, EventKind, Party, SourceKind};
    use store::{NewAssertion, NewEvent, NewPerson, NewSource};

    let unit = Tenant {
        id: domain::TenantId::new(),
        slug: "protection".into(),
        name: "Protection unit".into(),
        kind: TenantKind::ProtectionUnit,
        party: None,
    };
    store.create_tenant(&unit).await?;
    let scope = store.operator_scope(&unit, "demo");
    let party: Party = store
        .parties()
        .await?
        .into_iter()
        .find(|p| Some(p.id) == bureau.party)
        .context("the bureau's party")?;
    let place_name = "Collecting point K-7";
    let now = OffsetDateTime::now_utc();
    let place = store
        .create_place(
            &scope,
            &NewPlace {
                controlling_party: party.id,
                kind: PlaceKind::CollectingPoint,
                name: place_name.into(),
                parent: None,
                postal_address: None,
            },
        )
        .await?;
    store
        .record_place_profile(
            &scope,
            &PlaceProfile {
                place,
                authority: format!("Military police command of {} (fictional)", party.name),
                location: Some("7 km north of the river crossing (fictional)".into()),
                capacity: Some(60),
            },
        )
        .await?;
    store
        .record_place_notice(
            &scope,
            &PlaceNotice {
                place,
                kind: NoticeKind::LocationNotified,
                notified_at: now - time::Duration::days(20),
                notified_by: format!("{} (detaining party)", party.name),
                note: None,
            },
        )
        .await?;

    // What the detaining party notified: two of its bureau's persons, as the unit holds them.
    let bureau_scope = store.operator_scope(bureau, "demo");
    let ids = store.person_ids_after(&bureau_scope, None, 2).await?;
    let records = store.person_records(&bureau_scope, &ids).await?;
    let source = store
        .record_source(
            &scope,
            &NewSource {
                kind: SourceKind::BureauList,
                reference: format!(
                    "list notified by {} (synthetic, fictional data)",
                    bureau.name
                ),
                collected_by: "demo".into(),
                collected_at: now,
                language: None,
                script: None,
                confidence: Confidence::MEDIUM,
            },
        )
        .await?;
    for (i, record) in records.iter().enumerate() {
        let mut events = vec![NewEvent {
            kind: EventKind::FellIntoPower,
            occurred_at: now - time::Duration::days(30),
            place: Some(place),
            place_to: None,
            locator: "notified list".into(),
            note: None,
        }];
        if i == 1 {
            events.push(NewEvent {
                kind: EventKind::Release,
                occurred_at: now - time::Duration::days(5),
                place: Some(place),
                place_to: None,
                locator: "notified list".into(),
                note: None,
            });
        }
        store
            .register_person(
                &scope,
                source,
                &NewPerson {
                    reference: record.person.reference.clone(),
                    category: record.person.category,
                    assertions: record
                        .assertions
                        .iter()
                        .map(|a| NewAssertion {
                            field: a.field,
                            value: a.value.clone(),
                            locator: "notified list".into(),
                        })
                        .collect(),
                    events,
                },
            )
            .await?;
    }
    let held = records.first().context("the bureau has persons")?;
    let held_name = domain::CurrentView::project(&held.assertions)
        .value(FieldKey::Name)
        .cloned();
    let held_birth = domain::CurrentView::project(&held.assertions)
        .value(FieldKey::BirthDate)
        .and_then(|v| match v {
            AssertedValue::Date(d) => Some(d.original().to_owned()),
            _ => None,
        });
    let Some(AssertedValue::Name(held_name)) = held_name else {
        bail!("the bureau's first person has no name");
    };

    // The delegate's laptop: its own instance, offline.
    let laptop_dir = unit_dir.data_dir.join("laptop");
    let laptop = Locations::new(laptop_dir.clone(), None);
    let laptop_store = laptop.create().await?;
    laptop_store.create_party(&party).await?;
    let field = Tenant {
        id: domain::TenantId::new(),
        slug: "field-laptop".into(),
        name: "Delegate's laptop".into(),
        kind: TenantKind::ProtectionUnit,
        party: None,
    };
    laptop_store.create_tenant(&field).await?;
    let field_scope = laptop_store.operator_scope(&field, "delegate");
    laptop_store
        .create_place(
            &field_scope,
            &NewPlace {
                controlling_party: party.id,
                kind: PlaceKind::CollectingPoint,
                name: place_name.into(),
                parent: None,
                postal_address: None,
            },
        )
        .await?;
    // Keys both ways, as `whereabouts keys generate/export/import-peer` would do them.
    use crate::transmit::{KeysCommand, keys};
    keys(
        &laptop,
        KeysCommand::Generate {
            tenant: field.slug.clone(),
            officer: None,
        },
    )
    .await?;
    keys(
        &laptop,
        KeysCommand::Generate {
            tenant: field.slug.clone(),
            officer: Some("delegate".into()),
        },
    )
    .await?;
    keys(
        unit_dir,
        KeysCommand::Generate {
            tenant: unit.slug.clone(),
            officer: None,
        },
    )
    .await?;
    let laptop_keys = laptop_dir.join("field-laptop.keys.json");
    let unit_keys = laptop_dir.join("protection.keys.json");
    keys(
        &laptop,
        KeysCommand::Export {
            tenant: field.slug.clone(),
            output: laptop_keys.clone(),
        },
    )
    .await?;
    keys(
        unit_dir,
        KeysCommand::Export {
            tenant: unit.slug.clone(),
            output: unit_keys.clone(),
        },
    )
    .await?;
    keys(
        &laptop,
        KeysCommand::ImportPeer {
            tenant: field.slug.clone(),
            file: unit_keys,
        },
    )
    .await?;
    keys(
        unit_dir,
        KeysCommand::ImportPeer {
            tenant: unit.slug.clone(),
            file: laptop_keys,
        },
    )
    .await?;

    let seen_held = Uuid::now_v7().to_string();
    let stranger_name = domain::PersonName::new(vec![
        domain::NamePart::new(domain::NamePartKind::Given, "Тарас", None)?,
        domain::NamePart::new(domain::NamePartKind::Family, "Ничипорук", None)?,
    ])?;
    let seen_at = rfc3339(now - time::Duration::days(1));
    let name_field = |name: &domain::PersonName| {
        CardField::from_domain(
            FieldKey::Name,
            &Presence::Present(AssertedValue::Name(name.clone())),
        )
    };
    let refusal_id = Uuid::now_v7().to_string();
    let interview_id = Uuid::now_v7().to_string();
    let allegation_id = AllegationId::new();
    let report = VisitReport {
        visit: VisitPart {
            id: Uuid::now_v7().to_string(),
            reference: "V-DEMO-1".into(),
            body: "icrc".into(),
            planned_start: Some(iso_day((now - time::Duration::days(1)).date())),
            started_at: Some(seen_at.clone()),
            ended_at: Some(rfc3339(now - time::Duration::hours(16))),
            team: vec!["delegate".into(), "doctor".into(), "interpreter".into()],
            places: vec![place_name.into()],
            next_visit_planned: Some(iso_day((now + time::Duration::days(30)).date())),
        },
        conditions: vec![
            ConditionPart {
                condition: "all-places-and-detainees".into(),
                outcome: "granted".into(),
                reason: None,
                recorded_by: Some("delegate".into()),
            },
            ConditionPart {
                condition: "all-premises".into(),
                outcome: "partly-granted".into(),
                reason: Some("the basement was said to be a store room".into()),
                recorded_by: Some("delegate".into()),
            },
            ConditionPart {
                condition: "private-interviews".into(),
                outcome: "granted".into(),
                reason: None,
                recorded_by: Some("delegate".into()),
            },
            ConditionPart {
                condition: "repeat-visits".into(),
                outcome: "granted".into(),
                reason: None,
                recorded_by: Some("delegate".into()),
            },
            ConditionPart {
                condition: "list-or-registration".into(),
                outcome: "granted".into(),
                reason: None,
                recorded_by: Some("delegate".into()),
            },
        ],
        refusals: vec![RefusalPart {
            id: refusal_id.clone(),
            place: place_name.into(),
            refused_at: seen_at.clone(),
            scope: "the basement".into(),
            ground: "security".into(),
            grounds_text: Some("works in progress".into()),
            expected_end: None,
            actual_end: None,
            recorded_by: Some("delegate".into()),
        }],
        persons_seen: vec![
            SeenPart {
                id: seen_held.clone(),
                place: place_name.into(),
                seen_at: seen_at.clone(),
                name: name_field(&held_name),
                birth_date: held_birth,
                sex: None,
                nationality: None,
                service_number: None,
                father_name: None,
                held_since: None,
                registered_by: "delegate".into(),
            },
            SeenPart {
                id: Uuid::now_v7().to_string(),
                place: place_name.into(),
                seen_at: seen_at.clone(),
                name: name_field(&stranger_name),
                birth_date: Some("1994".into()),
                sex: Some("M".into()),
                nationality: None,
                service_number: None,
                father_name: None,
                held_since: Some(iso_day((now - time::Duration::days(12)).date())),
                registered_by: "delegate".into(),
            },
        ],
        follow_ups: vec![FollowUpPart {
            id: Uuid::now_v7().to_string(),
            registration: seen_held.clone(),
            recorded_at: seen_at.clone(),
            health: Some("bruised wrists (fictional)".into()),
            family_contact_wanted: true,
            family_contact: Some("mother, by the Red Cross message service (fictional)".into()),
            messages: vec!["I am alive; do not worry (fictional)".into()],
            next_visit_due: Some(iso_day((now + time::Duration::days(14)).date())),
            reprisals_reported: Some(false),
            recorded_by: "delegate".into(),
        }],
        // GC3-126-b: the private interview, its notes and what the person allowed (ICRC-VIS-c).
        interviews: vec![InterviewPart {
            id: interview_id.clone(),
            place: place_name.into(),
            held_at: rfc3339(now - time::Duration::hours(20)),
            interviewees: vec![seen_held.clone()],
            interviewers: vec!["delegate".into(), "doctor".into()],
            interpreter: Some("interpreter".into()),
            language: Some("uk".into()),
            without_witnesses: true,
            present: None,
            use_with_authorities: "anonymous".into(),
            share_with_family: true,
            medical_referral: true,
            notes: Some(
                "Fictional notes: hours in a stress position on arrival; wrists bruised.".into(),
            ),
            recorded_by: Some("delegate".into()),
        }],
        // GC3-126-c: the basement was opened before the team left.
        refusal_ends: vec![RefusalEndPart {
            refusal: refusal_id,
            ended_at: rfc3339(now - time::Duration::hours(17)),
            note: Some("the commander opened the basement before the final talk".into()),
            recorded_by: Some("delegate".into()),
        }],
        // ICRC-VIS-c/f: recorded in the field from the interview; its anonymous consent
        // governs what may reach the authority.
        allegations: vec![AllegationPart {
            id: allegation_id.to_string(),
            reference: "AL-DEMO-1".into(),
            category: AllegationCategory::IllTreatment.code().into(),
            acts: vec![ActKind::StressPosition.code().into()],
            occurred: None,
            place: Some(place_name.into()),
            victims: vec![seen_held.clone()],
            perpetrators: vec![PerpetratorPart {
                kind: PerpetratorKind::Guards.code().into(),
                designation: "night guard shift of the collecting point".into(),
            }],
            sources: vec![
                AllegationSource::Interview.code().into(),
                AllegationSource::MedicalObservation.code().into(),
            ],
            consent: Consent::Anonymous.code().into(),
            narrative:
                "A fictional account of hours in a stress position, given in a private interview."
                    .into(),
            interviews: vec![interview_id],
        }],
        allegation_steps: Vec::new(),
        // ICRC-VIS-e: the confidential representation written on the laptop, text included;
        // anonymous, as the interview allowed (ICRC-VIS-c).
        representations: vec![transmit::RepresentationPart {
            id: Uuid::now_v7().to_string(),
            allegation: allegation_id.to_string(),
            form: "anonymous".into(),
            addressee: "Command of the collecting point (fictional)".into(),
            sent_on: iso_day((now - time::Duration::hours(18)).date()),
            text: "A fictional representation: detainees report hours in stress positions at night; we ask that the practice end."
                .into(),
            recorded_by: None,
        }],
        replies: Vec::new(),
        carried: Vec::new(),
    };
    merge_report(&laptop_store, &field_scope, &report).await?;
    laptop_store.close().await;
    let bundle = laptop_dir.join("visit-V-DEMO-1.wab");
    export(
        &laptop,
        &field.slug,
        &["V-DEMO-1".to_owned()],
        &unit.slug,
        None,
        &bundle,
    )
    .await?;
    let bytes = std::fs::read(&bundle)?;
    let first = import_bundle(store, &unit, &scope, &bytes).await?;
    let second = import_bundle(store, &unit, &scope, &bytes).await?;
    print_merged("visit bundle imported", &first);
    print_merged("same bundle again", &second);
    // What the unit now shows: the alert, the interview, the lifted refusal, and what the
    // interview's consent allows (ICRC-VIS-c).
    let synced = visit_by_reference(store, &scope, "V-DEMO-1").await?;
    for alert in web::protection::reconcile_visit(store, &scope, &synced).await? {
        println!("alert on V-DEMO-1: [{}] {}", alert.code, alert.title);
    }
    let interviews = store.interviews(&scope, synced.id).await?;
    let ended = store.refusal_ends(&scope).await?;
    println!(
        "V-DEMO-1: {} private interview(s) (use with the authorities: {}), {} refusal(s) lifted",
        interviews.len(),
        interviews
            .iter()
            .map(|i| i.consent_authorities.code())
            .collect::<Vec<_>>()
            .join(", "),
        ended.len()
    );

    // The allegation came with the bundle; two evidence files are added at the unit.
    let (allegation, _) = store.allegation(&scope, allegation_id).await?;
    let sources = store.allegation_interviews(&scope, allegation_id).await?;
    for form in [
        domain::protection::RepresentationForm::Named,
        domain::protection::RepresentationForm::Anonymous,
    ] {
        match domain::protection::representation(&allegation, &sources, form) {
            Ok(r) => println!(
                "AL-DEMO-1, {form} representation: {} person(s), named: {}",
                r.persons,
                r.victims.len()
            ),
            Err(reason) => println!("AL-DEMO-1, {form} representation refused: {reason}"),
        }
    }
    let victim = *allegation.victims.first().context("a person seen")?;
    let root = evidence_dir(unit_dir);
    for (title, kind, content) in [
        (
            "doctor's note on the wrists (fictional)",
            EvidenceKind::MedicalObservation,
            "Bruising on both wrists, consistent with the account. Fictional demo note.\n",
        ),
        (
            "sketch of the basement (fictional)",
            EvidenceKind::Document,
            "A hand-drawn sketch of the basement, described in words. Fictional demo file.\n",
        ),
    ] {
        let source_file = laptop_dir.join(format!("{}.txt", EvidenceId::new()));
        std::fs::write(&source_file, content)?;
        let id = EvidenceId::new();
        let written = store::store_file(store, &root, &scope, id, &source_file).await?;
        std::fs::remove_file(&source_file)?;
        store
            .record_evidence(
                &scope,
                &EvidenceItem {
                    id,
                    kind,
                    role: CopyRole::Evidentiary,
                    derived_from: None,
                    title: title.into(),
                    source_url: None,
                    captured_at: now - time::Duration::hours(20),
                    sha256: Some(written.sha256),
                    size: Some(written.size),
                    media_type: Some("text/plain".into()),
                    unavailable: None,
                },
                Some(&written.stored_as),
                "delegate",
                &[
                    EvidenceTarget::Allegation(allegation.id),
                    EvidenceTarget::Registration(victim),
                ],
            )
            .await?;
    }
    // ICRC-VIS-d: the person held was seen on an earlier visit too; one follow-up is overdue.
    followed::demo(
        store,
        &scope,
        place,
        RegistrationId::from_uuid(seen_held.parse()?),
        now,
    )
    .await?;
    let verified = store.verify_evidence(&scope, &root).await?;
    println!(
        "evidence verify: {} item(s), {} file(s), {} custody entries, {} problem(s)",
        verified.items,
        verified.files,
        verified.custody_entries,
        verified.findings.len()
    );
    Ok(unit)
}
