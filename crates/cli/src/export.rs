//! `whereabouts export persons`: a tenant's persons in the import format, so that an export can
//! be imported again. Each field carries its first standing value; an absence is written as its
//! token (`[declined]`), never as an empty cell.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use domain::{AssertedValue, CurrentView, EventKind, FieldKey, NamePartKind, Presence};
use store::PersonRecord;

use crate::config::Locations;

#[derive(Subcommand)]
pub enum ExportCommand {
    /// Export every person of a tenant as CSV (see docs/import-format.md).
    Persons(ExportArgs),
}

#[derive(Args)]
pub struct ExportArgs {
    /// The tenant, by its slug.
    #[arg(long)]
    pub tenant: String,
    /// The output file; standard output when absent.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Why the export is made; recorded in the audit log (ICRC-DP-b purpose limitation).
    #[arg(long)]
    pub purpose: Option<String>,
    /// Export what this role sees (e.g. caseworker): a person whose restriction of processing
    /// does not allow the role is left out. Without it every restricted person is left out.
    #[arg(long)]
    pub role: Option<String>,
}

pub async fn run(locations: &Locations, command: ExportCommand) -> anyhow::Result<ExitCode> {
    let ExportCommand::Persons(args) = command;
    let store = locations.open().await?;
    let tenant = store
        .tenant_by_slug(&args.tenant)
        .await
        .with_context(|| format!("no tenant {:?}", args.tenant))?;
    if tenant.kind == domain::TenantKind::ProtectionUnit {
        // ICRC-VIS-e: nothing of the protection unit leaves it, not even as a file.
        anyhow::bail!("a protection unit's data is not exported (docs/protection.md)");
    }
    let role = args
        .role
        .as_deref()
        .map(|r| r.parse::<store::UserRole>().map_err(anyhow::Error::msg))
        .transpose()?;
    // ICRC-DP-c: the file leaves the instance, so a restriction of processing holds in it as it
    // does in the web lists and exports: the restricted person is left out.
    let scope = store.disclosure_scope(&tenant, &crate::setup::operator_name(), role);
    let left_out = store.hidden_persons(&scope).await?.len();
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(out));
    writer.write_record(crate::import::column_names())?;
    let mut after = None;
    let mut count = 0usize;
    loop {
        let ids = store.person_ids_after(&scope, after, 1000).await?;
        let Some(last) = ids.last() else { break };
        after = Some(*last);
        for record in store.person_records(&scope, &ids).await? {
            writer.write_record(row(&record))?;
            count += 1;
        }
    }
    writer.flush()?;
    // XC-8: every export is logged, with how many records left the system.
    store
        .audit(
            &scope,
            store::AuditEntry::new(store::AuditAction::Export, "persons")
                .records(i64::try_from(count).unwrap_or(i64::MAX))
                .purpose(args.purpose.as_deref().unwrap_or("unspecified"))
                .detail(format!("{left_out} restricted left out")),
        )
        .await?;
    store.close().await;
    eprintln!("exported {count} persons of {}", tenant.slug);
    if left_out > 0 {
        eprintln!("{left_out} person(s) under a restriction of processing left out (ICRC-DP-c)");
    }
    Ok(ExitCode::SUCCESS)
}

/// One CSV row in the order of [`crate::import::column_names`].
fn row(record: &PersonRecord) -> Vec<String> {
    let view = CurrentView::project(&record.assertions);
    let field = |key: FieldKey| -> String {
        let Some(field) = view.fields.get(&key) else {
            return String::new();
        };
        match field.standing.first().map(|a| &a.value) {
            Some(Presence::Absent(reason)) => format!("[{}]", reason.code()),
            Some(Presence::Present(value)) => value.display(),
            None => String::new(),
        }
    };
    let mut parts: [String; 6] = Default::default();
    let mut language = String::new();
    if let Some(names) = view.fields.get(&FieldKey::Name) {
        for assertion in &names.standing {
            match &assertion.value {
                Presence::Absent(reason) => parts[5] = format!("[{}]", reason.code()),
                Presence::Present(AssertedValue::Name(name)) => {
                    for part in name.parts() {
                        let slot = match part.kind {
                            NamePartKind::Given => 0,
                            NamePartKind::Patronymic => 1,
                            NamePartKind::Grandfather => 2,
                            NamePartKind::Family => 3,
                            NamePartKind::Other | NamePartKind::Tribe => 4,
                            NamePartKind::Unsplit => 5,
                        };
                        if parts[slot].is_empty() {
                            parts[slot] = part.value().to_owned();
                        } else {
                            parts[slot] = format!("{} {}", parts[slot], part.value());
                        }
                        if language.is_empty()
                            && let Some(tag) = &part.language
                        {
                            language = tag.as_str().to_owned();
                        }
                    }
                }
                Presence::Present(_) => {}
            }
        }
    }
    let capture = record
        .events
        .iter()
        .find(|e| e.kind == EventKind::FellIntoPower);
    let captured_at = capture
        .map(|e| {
            e.occurred_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let captured_place = capture.and_then(|e| e.note.clone()).unwrap_or_default();
    let [given, patronymic, grandfather, family, other, full] = parts;
    vec![
        record.person.reference.clone(),
        record.person.category.code().to_owned(),
        full,
        given,
        patronymic,
        grandfather,
        family,
        other,
        language,
        field(FieldKey::Sex),
        field(FieldKey::BirthDate),
        field(FieldKey::BirthPlace),
        field(FieldKey::Nationality),
        field(FieldKey::FatherName),
        field(FieldKey::MotherName),
        field(FieldKey::ServiceNumber),
        field(FieldKey::Rank),
        field(FieldKey::Unit),
        field(FieldKey::PersonToInform),
        field(FieldKey::Address),
        captured_at,
        captured_place,
    ]
}
