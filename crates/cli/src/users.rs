//! `whereabouts user reset-totp`: an administrator's reset of a user's second factor.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use store::{AuditAction, AuditEntry};

use crate::config::Locations;

#[derive(Args)]
pub struct ResetTotpArgs {
    /// The user whose authenticator was lost or compromised.
    pub username: String,
}

pub async fn reset_totp(locations: &Locations, args: ResetTotpArgs) -> anyhow::Result<ExitCode> {
    let store = locations.open().await?;
    let Some(user) = store.user_by_username(&args.username).await? else {
        store.close().await;
        anyhow::bail!("no user {:?}", args.username);
    };
    // The entry is written first: when the log cannot be written, nothing is changed (XC-8).
    store
        .audit_system(
            &format!("operator:{}", crate::setup::operator_name()),
            user.tenant,
            AuditEntry::new(AuditAction::Update, format!("user:{}", user.id.as_uuid()))
                .detail("totp_reset; sessions revoked"),
        )
        .await
        .context("writing the audit log")?;
    store
        .reset_totp(user.id)
        .await
        .context("resetting the second factor")?;
    println!(
        "reset the second factor of {}: their sessions are ended and they enrol again at next sign-in",
        user.username
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
