//! `whereabouts token create`: an API token for a tenant, issued by the local operator (who holds
//! the database anyway). Tenant users make their own on the token page; this is for scripts,
//! integrations and the API fuzz run (`.ci/api-fuzz.sh`). The token is printed once; only its
//! SHA-256 is stored.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use store::UserRole;

use crate::config::Locations;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Issue a token; it is printed once, on standard output, and never again.
    Create(CreateArgs),
}

#[derive(Args)]
pub struct CreateArgs {
    /// The tenant's slug.
    #[arg(long)]
    pub tenant: String,
    /// The role the token acts with (not the tenant administrator's).
    #[arg(long)]
    pub role: String,
    /// What the token is for, shown on the token page.
    #[arg(long)]
    pub label: String,
    /// Days until it expires (1 to 365).
    #[arg(long, default_value_t = 30)]
    pub days: i64,
}

pub async fn run(locations: &Locations, command: TokenCommand) -> anyhow::Result<ExitCode> {
    let TokenCommand::Create(args) = command;
    let role: UserRole = args.role.parse().map_err(anyhow::Error::msg)?;
    let store = locations.open().await?;
    let tenant = store
        .tenant_by_slug(&args.tenant)
        .await
        .with_context(|| format!("no tenant {:?}", args.tenant))?;
    let token = web::create_api_token(
        &store,
        tenant.id,
        tenant.kind,
        role,
        args.label.trim(),
        args.days,
    )
    .await
    .map_err(|error| match error {
        web::AppError::Invalid(fields) => anyhow::anyhow!(
            "{}",
            fields
                .iter()
                .map(|(field, message)| format!("{field}: {message}"))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::Error::new(other),
    })?;
    store.close().await;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}
