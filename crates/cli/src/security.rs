//! `whereabouts audit …` and `whereabouts keys rotate-master` (issue 7; docs/security.md,
//! "Data protection").

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use store::{AuditAction, AuditEntry, DatabaseUrl};
use time::{Duration, OffsetDateTime};

use crate::config::Locations;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the whole hash chain and every signed checkpoint; name each entry that was edited,
    /// deleted, inserted or reordered, and check that the log reaches the newest head saved
    /// outside the database (a rolled-back database). Exits with 1 when anything is wrong.
    Verify {
        /// Check against the heads in this file (e.g. a copy shipped to another machine with
        /// `audit head >> FILE`) instead of the instance's own witness file.
        #[arg(long)]
        witness: Option<PathBuf>,
    },
    /// Print the log's signed head as one line, to keep outside the instance
    /// (`whereabouts audit head >> /mnt/elsewhere/audit-heads`).
    Head,
    /// Show the alerts (bulk reads and exports beyond the threshold) of the last hours.
    Alerts {
        #[arg(long, default_value_t = 24)]
        hours: i64,
    },
    /// Sign a checkpoint at the head of the log now (one is also signed every 100 entries).
    Checkpoint,
    /// Print entries (sequence, time, actor, action, object, purpose, records).
    Log {
        /// Entries after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: i64,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
}

pub async fn audit(locations: &Locations, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let store = locations.open().await?;
    let code = match command {
        AuditCommand::Verify { witness } => {
            let witness = witness.or_else(|| store.audit_witness().map(PathBuf::from));
            let report = store.audit_verify_against(witness.as_deref()).await?;
            println!(
                "{} entries, {} signed checkpoints, instance key {}",
                report.entries, report.checkpoints, report.public_key
            );
            match (&witness, report.witness) {
                (Some(path), Some(seq)) => println!(
                    "checked against the head saved outside the database at entry {seq} ({})",
                    path.display()
                ),
                (Some(path), None) => {
                    println!(
                        "no head saved outside the database yet ({})",
                        path.display()
                    );
                }
                (None, _) => println!("no head is saved outside the database"),
            }
            if report.is_intact() {
                println!("the audit log is intact");
                ExitCode::SUCCESS
            } else {
                for problem in &report.problems {
                    println!("TAMPERED: {problem}");
                }
                ExitCode::FAILURE
            }
        }
        AuditCommand::Alerts { hours } => {
            let since = OffsetDateTime::now_utc() - Duration::hours(hours);
            let alerts = store.audit_alerts(since).await?;
            for alert in &alerts {
                println!(
                    "{}\t{}\t{}\t{}",
                    alert.seq, alert.at, alert.actor, alert.detail
                );
            }
            eprintln!("{} alert(s) in the last {hours} hours", alerts.len());
            ExitCode::SUCCESS
        }
        AuditCommand::Head => match store.audit_head().await? {
            Some(head) => {
                println!("{}", head.to_line());
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("the log is empty");
                ExitCode::FAILURE
            }
        },
        AuditCommand::Checkpoint => {
            match store.audit_checkpoint().await? {
                Some(seq) => println!("checkpoint signed at entry {seq}"),
                None => println!("the log is empty"),
            }
            ExitCode::SUCCESS
        }
        AuditCommand::Log { after, limit } => {
            for entry in store.audit_entries(after, limit).await? {
                // The detail (ids, counts, roles; never personal data) last, on one line.
                let detail = entry.detail.replace(['\t', '\n', '\r'], " ");
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    entry.seq,
                    entry.at,
                    entry.actor,
                    entry.action,
                    entry.object,
                    entry.purpose.as_deref().unwrap_or("-"),
                    entry.records,
                    if detail.is_empty() { "-" } else { &detail }
                );
            }
            ExitCode::SUCCESS
        }
    };
    store.close().await;
    Ok(code)
}

/// The key file this instance uses, when its master key comes from a file.
fn key_file(locations: &Locations) -> anyhow::Result<Option<PathBuf>> {
    if std::env::var(vault::MASTER_KEY_ENV).is_ok_and(|v| !v.trim().is_empty()) {
        return Ok(None);
    }
    if let Some(path) = std::env::var_os(vault::MASTER_KEY_FILE_ENV).filter(|p| !p.is_empty()) {
        return Ok(Some(PathBuf::from(path)));
    }
    Ok(Some(match locations.url()? {
        DatabaseUrl::Sqlite(path) => store::default_key_file(&path),
        DatabaseUrl::Postgres(_) => locations.data_dir.join("master.key"),
    }))
}

/// A new master key, every tenant key rewrapped under it while servers keep running; with
/// `retire_old`, the old keys leave the key file once nothing depends on them.
pub async fn rotate_master(locations: &Locations, retire_old: bool) -> anyhow::Result<ExitCode> {
    let store = locations.open().await?;
    let file = key_file(locations)?;
    let provider = match &file {
        Some(path) => {
            let provider = Arc::new(vault::FileKeyProvider::open(path)?);
            let id = provider.add_new_key()?;
            eprintln!("new master key {id} added to {}", path.display());
            Some(provider)
        }
        None => {
            eprintln!(
                "the master key comes from {}: its last key is current; put the new key last, keep the old one before it until this command has run",
                vault::MASTER_KEY_ENV
            );
            None
        }
    };
    let store = match &provider {
        Some(provider) => store.with_key_provider(provider.clone()),
        None => store,
    };
    let rewrapped = store.vault().rewrap_all().await?;
    let in_use = store.vault().master_keys_in_use().await?;
    store
        .audit_system(
            &format!("operator:{}", crate::setup::operator_name()),
            None,
            AuditEntry::new(AuditAction::KeyRotation, "master-key")
                .records(i64::try_from(rewrapped).unwrap_or(i64::MAX))
                .detail(format!("now {}", in_use.join(","))),
        )
        .await?;
    println!(
        "{rewrapped} data key(s) rewrapped; master key(s) in use: {}",
        in_use.join(", ")
    );
    if retire_old {
        let provider = provider.context(
            "--retire-old works on a key file; with the environment variable, remove the old key from it yourself",
        )?;
        let current = vault::KeyProvider::current(provider.as_ref())?;
        anyhow::ensure!(
            in_use.iter().all(|id| id == current.id().as_str()),
            "some data keys are still wrapped by an old master key; nothing retired"
        );
        let retired = provider.retire_old_keys()?;
        println!("retired {} old master key(s)", retired.len());
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `keys check-data`: every sealed value of the tenant opened (SEC-3).
pub async fn check_data(
    store: &store::Store,
    scope: &store::TenantScope,
) -> anyhow::Result<ExitCode> {
    let check = store.check_sealed(scope).await?;
    let opened: usize = check.opened.values().sum();
    let versions: Vec<String> = check
        .opened
        .iter()
        .map(|(version, n)| format!("version {version}: {n}"))
        .collect();
    println!(
        "{opened} sealed value(s) open ({})",
        if versions.is_empty() {
            "none".to_owned()
        } else {
            versions.join(", ")
        }
    );
    for failed in &check.failed {
        println!("DOES NOT OPEN: {failed}");
    }
    store.close().await;
    Ok(if check.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `keys rotate-data`: one tenant's data key rotated, its fields re-sealed (SEC-3).
pub async fn rotate_data(
    store: &store::Store,
    scope: &store::TenantScope,
    batch: usize,
    retire_after: Option<time::Duration>,
) -> anyhow::Result<ExitCode> {
    let report = store
        .rotate_data_key(scope, batch, retire_after, None)
        .await
        .context(
            "the rotation stopped; every value is still readable: run the command again to resume",
        )?;
    store
        .audit(
            scope,
            AuditEntry::new(AuditAction::KeyRotation, "data-key")
                .records(i64::try_from(report.resealed).unwrap_or(i64::MAX))
                .detail(format!(
                    "version {}{}; retired: {:?}",
                    report.version,
                    if report.resumed { " (resumed)" } else { "" },
                    report.retired
                )),
        )
        .await?;
    println!(
        "data key version {}{}: {} value(s) re-sealed",
        report.version,
        if report.resumed {
            " (an interrupted rotation finished)"
        } else {
            ""
        },
        report.resealed
    );
    print_retirement(&report);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `keys retire-data`: erase old data-key versions nothing uses, after the grace period.
pub async fn retire_data(
    store: &store::Store,
    scope: &store::TenantScope,
    grace: time::Duration,
) -> anyhow::Result<ExitCode> {
    let report = store.retire_data_keys(scope, grace).await?;
    store
        .audit(
            scope,
            AuditEntry::new(AuditAction::KeyRotation, "data-key").detail(format!(
                "retire below version {}; retired: {:?}",
                report.version, report.retired
            )),
        )
        .await?;
    if report.retired.is_empty() && report.kept.is_empty() {
        println!("nothing to retire below version {}", report.version);
    }
    print_retirement(&report);
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

fn print_retirement(report: &store::RotationReport) {
    for version in &report.retired {
        println!("version {version} retired (its wrapped key erased)");
    }
    for (version, why) in &report.kept {
        println!("version {version} kept: {why}");
    }
}

#[derive(Subcommand)]
pub enum SubjectCommand {
    /// Everything held about one person, as JSON (ICRC-DP-c right of access). Audited.
    Export {
        #[arg(long)]
        tenant: String,
        /// The person's reference in the tenant.
        #[arg(long)]
        reference: String,
        /// Why (e.g. the request's number); recorded in the audit log.
        #[arg(long)]
        purpose: String,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Restrict processing of a person: only the roles named may read or add to the record.
    Restrict {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        reference: String,
        /// A role that may still process (repeat for several), e.g. caseworker.
        #[arg(long = "allow")]
        allow: Vec<String>,
        #[arg(long)]
        reason: String,
    },
    /// Lift a restriction.
    Lift {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        reference: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum RetentionCommand {
    /// Set how long a kind of record stays in the working lists before it is archived.
    Set {
        #[arg(long)]
        tenant: String,
        /// One of: tracing_request.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        days: i32,
    },
    /// Archive every record past its period (nothing is deleted; XC-1).
    Run {
        #[arg(long)]
        tenant: String,
    },
}

async fn scoped(
    locations: &Locations,
    slug: &str,
) -> anyhow::Result<(store::Store, store::TenantScope)> {
    let store = locations.open().await?;
    let tenant = store
        .tenant_by_slug(slug)
        .await
        .with_context(|| format!("no tenant {slug:?}"))?;
    let scope = store.operator_scope(&tenant, &crate::setup::operator_name());
    Ok((store, scope))
}

pub async fn subject(locations: &Locations, command: SubjectCommand) -> anyhow::Result<ExitCode> {
    match command {
        SubjectCommand::Export {
            tenant,
            reference,
            purpose,
            output,
        } => {
            let (store, scope) = scoped(locations, &tenant).await?;
            let id = store
                .person_id_by_reference(&scope, &reference)
                .await
                .with_context(|| format!("no person {reference:?} in {tenant}"))?;
            let export = store.subject_export(&scope, id, &purpose).await?;
            let text = serde_json::to_string_pretty(&export)?;
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => println!("{text}"),
            }
            store.close().await;
        }
        SubjectCommand::Restrict {
            tenant,
            reference,
            allow,
            reason,
        } => {
            let (store, scope) = scoped(locations, &tenant).await?;
            let roles = allow
                .iter()
                .map(|r| r.parse::<store::UserRole>().map_err(anyhow::Error::msg))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let id = store
                .person_id_by_reference(&scope, &reference)
                .await
                .with_context(|| format!("no person {reference:?} in {tenant}"))?;
            store
                .restrict_processing(&scope, id, &roles, &reason)
                .await?;
            println!("processing of {reference} restricted");
            store.close().await;
        }
        SubjectCommand::Lift {
            tenant,
            reference,
            reason,
        } => {
            let (store, scope) = scoped(locations, &tenant).await?;
            let id = store
                .person_id_by_reference(&scope, &reference)
                .await
                .with_context(|| format!("no person {reference:?} in {tenant}"))?;
            store.lift_restriction(&scope, id, &reason).await?;
            println!("restriction on {reference} lifted");
            store.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn retention(
    locations: &Locations,
    command: RetentionCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        RetentionCommand::Set { tenant, kind, days } => {
            let (store, scope) = scoped(locations, &tenant).await?;
            store.set_retention(&scope, &kind, days).await?;
            println!("{kind} records of {tenant} are archived after {days} days");
            store.close().await;
        }
        RetentionCommand::Run { tenant } => {
            let (store, scope) = scoped(locations, &tenant).await?;
            let archived = store
                .apply_retention(&scope, OffsetDateTime::now_utc())
                .await?;
            println!("{archived} record(s) archived; nothing deleted");
            store.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}
