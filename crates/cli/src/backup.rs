//! `whereabouts backup`, `whereabouts backup keygen` and `whereabouts restore` (issue 7; docs/security.md).
//!
//! A backup file: `WBK1\n`, one line of JSON ([`Header`]), then the snapshot encrypted to the
//! offline recovery key (X25519 + HKDF-SHA256 + XChaCha20-Poly1305, the header as associated
//! data). The master key is not in the backup: restoring needs the recovery secret key for the
//! file and the master key for the sealed fields, kept apart.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use store::{AuditAction, AuditEntry, Snapshot, Store};

use crate::config::Locations;

const MAGIC: &[u8] = b"WBK1\n";

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub command: Option<BackupCommand>,
    /// The recovery public key file written by `backup keygen`.
    #[arg(long)]
    pub recipient: Option<PathBuf>,
    /// The backup file to write.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Subcommand)]
pub enum BackupCommand {
    /// Write a recovery key pair: `recovery.pub` for the server, `recovery.secret` (mode 0600)
    /// to keep offline.
    Keygen {
        #[arg(long)]
        out_dir: PathBuf,
    },
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup file.
    pub file: PathBuf,
    /// The recovery secret key file.
    #[arg(long)]
    pub secret: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    backend: String,
    created_at: String,
    /// The recovery key the backup is encrypted to (its first 8 bytes, hex).
    recipient: String,
    ephemeral: String,
    nonce: String,
    /// SHA-256 of the snapshot, checked after decryption.
    sha256: String,
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {} (it must not exist)", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

pub async fn backup(locations: &Locations, args: BackupArgs) -> anyhow::Result<ExitCode> {
    if let Some(BackupCommand::Keygen { out_dir }) = args.command {
        crate::config::create_dir(&out_dir)?;
        let (secret, public) = vault::RecoverySecretKey::generate()?;
        write_private(
            &out_dir.join("recovery.secret"),
            secret.to_text().as_bytes(),
        )?;
        std::fs::write(out_dir.join("recovery.pub"), public.to_text())?;
        println!(
            "recovery key {} written: {} (keep it offline) and {}",
            public.id(),
            out_dir.join("recovery.secret").display(),
            out_dir.join("recovery.pub").display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(recipient), Some(output)) = (args.recipient, args.output) else {
        bail!("give --recipient <recovery.pub> and --output <file>, or use `backup keygen`");
    };
    let public = vault::RecoveryPublicKey::parse(
        &std::fs::read_to_string(&recipient)
            .with_context(|| format!("reading {}", recipient.display()))?,
    )?;
    let store = locations.open().await?;
    let snapshot = store.snapshot().await?;
    let mut header = Header {
        format: 1,
        backend: snapshot.backend.to_owned(),
        created_at: web::transmission::now_text(),
        recipient: public.id(),
        ephemeral: String::new(),
        nonce: String::new(),
        sha256: hex::encode(sha2::Sha256::digest(&snapshot.bytes)),
    };
    // The nonce and ephemeral key are only known after encryption, so the associated data is
    // the header without them.
    let aad = serde_json::to_vec(&header)?;
    let sealed = vault::seal_to(&public, &aad, &snapshot.bytes)?;
    header.ephemeral = hex::encode(sealed.ephemeral);
    header.nonce = hex::encode(sealed.nonce);
    let mut out = MAGIC.to_vec();
    out.extend(serde_json::to_vec(&header)?);
    out.push(b'\n');
    out.extend(&sealed.ciphertext);
    write_private(&output, &out)?;
    store
        .audit_system(
            &format!("operator:{}", crate::setup::operator_name()),
            None,
            AuditEntry::new(AuditAction::Backup, format!("backup:{}", header.sha256)).detail(
                format!(
                    "{} snapshot to recovery key {}",
                    header.backend, header.recipient
                ),
            ),
        )
        .await?;
    store.close().await;
    println!(
        "backup of {} bytes ({}) written to {}, encrypted to recovery key {}",
        snapshot.bytes.len(),
        header.backend,
        output.display(),
        header.recipient
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(locations: &Locations, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let secret = vault::RecoverySecretKey::parse(
        &std::fs::read_to_string(&args.secret)
            .with_context(|| format!("reading {}", args.secret.display()))?,
    )?;
    let rest = bytes
        .strip_prefix(MAGIC)
        .context("not a Whereabouts backup (no WBK1 header)")?;
    let end = rest
        .iter()
        .position(|&b| b == b'\n')
        .context("the backup header has no end")?;
    let mut header: Header = serde_json::from_slice(&rest[..end])
        .map_err(|e| anyhow::anyhow!("backup header, column {}: {e}", e.column()))?;
    if header.format != 1 {
        bail!("backup format {} is not supported", header.format);
    }
    if header.recipient != secret.public().id() {
        bail!(
            "this backup is encrypted to recovery key {}, not to {}",
            header.recipient,
            secret.public().id()
        );
    }
    let mut ephemeral = [0u8; 32];
    let mut nonce = [0u8; 24];
    hex::decode_to_slice(&header.ephemeral, &mut ephemeral).context("backup header: ephemeral")?;
    hex::decode_to_slice(&header.nonce, &mut nonce).context("backup header: nonce")?;
    let sealed = vault::SealedTo {
        ephemeral,
        nonce,
        ciphertext: rest[end + 1..].to_vec(),
    };
    header.ephemeral = String::new();
    header.nonce = String::new();
    let aad = serde_json::to_vec(&header)?;
    let plain = vault::open_from(&secret, &aad, &sealed)
        .context("the backup does not decrypt: altered, truncated, or for another key")?;
    if hex::encode(sha2::Sha256::digest(plain.as_slice())) != header.sha256 {
        bail!("the backup's content does not match its SHA-256");
    }
    let backend = match header.backend.as_str() {
        "sqlite" => "sqlite",
        "postgres" => "postgres",
        other => bail!("unknown backend {other:?} in the backup"),
    };
    let url = locations.url()?;
    if let store::DatabaseUrl::Sqlite(path) = &url {
        crate::config::create_dir(path.parent().unwrap_or(Path::new(".")))?;
    }
    let snapshot = Snapshot {
        backend,
        bytes: plain.to_vec(),
    };
    let restored = Store::restore_snapshot(&url, &snapshot)
        .await
        .with_context(|| format!("restoring into {url}"))?;
    // The restored database opens with its master key, and its audit chain verifies.
    let store = locations.open().await?;
    let report = store.audit_verify().await.context(
        "the restored database does not open with this master key: restore the key file or set WHEREABOUTS_MASTER_KEY",
    )?;
    if !report.is_intact() {
        for problem in &report.problems {
            eprintln!("audit: {problem}");
        }
        bail!("the restored audit log does not verify");
    }
    store
        .audit_system(
            &format!("operator:{}", crate::setup::operator_name()),
            None,
            AuditEntry::new(AuditAction::Restore, format!("backup:{}", header.sha256)),
        )
        .await?;
    store.close().await;
    println!(
        "restored {restored} {} from {} into {url}; audit log intact ({} entries)",
        if backend == "sqlite" { "bytes" } else { "rows" },
        args.file.display(),
        report.entries
    );
    Ok(ExitCode::SUCCESS)
}
