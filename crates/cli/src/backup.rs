//! `whereabouts backup`, `whereabouts backup keygen` and `whereabouts restore` (issue 7; docs/security.md).
//!
//! A backup file: `WBK2\n`, one line of JSON ([`StreamHeader`]), then the snapshot encrypted to
//! the offline recovery key as a stream of chunks (X25519 + HKDF-SHA256, then
//! XChaCha20-Poly1305 per chunk of at most [`CHUNK`] bytes: `vault::StreamKey`), each framed as
//! `last (1 byte) | length (u32, big-endian) | ciphertext`. Backup and restore hold one chunk
//! at a time, so memory does not grow with the database. Files of the first format (`WBK1`,
//! the whole snapshot in one piece) still restore. The master key is not in the backup:
//! restoring needs the recovery secret key for the file and the master key for the sealed
//! fields, kept apart.

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
const MAGIC_STREAM: &[u8] = b"WBK2\n";
/// Plaintext bytes per encrypted chunk.
const CHUNK: usize = 1 << 20;

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

/// The clear header of a streamed backup; its exact bytes are bound to every chunk.
#[derive(Serialize, Deserialize)]
struct StreamHeader {
    format: u32,
    backend: String,
    created_at: String,
    /// The recovery key the backup is encrypted to (its first 8 bytes, hex).
    recipient: String,
    ephemeral: String,
    nonce_prefix: String,
    chunk: usize,
}

/// Encrypts what is written to it, chunk by chunk, into `out`; hashes the plaintext.
struct ChunkWriter<W: Write> {
    out: W,
    key: vault::StreamKey,
    header: Vec<u8>,
    buffer: Vec<u8>,
    index: u64,
    plain: u64,
    sha: sha2::Sha256,
}

impl<W: Write> ChunkWriter<W> {
    fn emit(&mut self, last: bool) -> std::io::Result<()> {
        let sealed = self
            .key
            .seal_chunk(&self.header, self.index, last, &self.buffer)
            .map_err(std::io::Error::other)?;
        let length = u32::try_from(sealed.len()).map_err(std::io::Error::other)?;
        self.out.write_all(&[u8::from(last)])?;
        self.out.write_all(&length.to_be_bytes())?;
        self.out.write_all(&sealed)?;
        self.index += 1;
        self.buffer.clear();
        Ok(())
    }

    /// Writes the last chunk; returns the output, the plaintext's size and SHA-256.
    fn finish(mut self) -> std::io::Result<(W, u64, String)> {
        self.emit(true)?;
        self.out.flush()?;
        Ok((self.out, self.plain, hex::encode(self.sha.finalize())))
    }
}

impl<W: Write> Write for ChunkWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let take = bytes.len().min(CHUNK - self.buffer.len());
        self.buffer.extend_from_slice(&bytes[..take]);
        self.sha.update(&bytes[..take]);
        self.plain += take as u64;
        if self.buffer.len() == CHUNK {
            self.emit(false)?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decrypts a chunk stream; refuses a stream cut short, extended, or altered anywhere.
struct ChunkReader<R: std::io::Read> {
    input: R,
    key: vault::StreamKey,
    header: Vec<u8>,
    plain: vault::Zeroizing<Vec<u8>>,
    at: usize,
    index: u64,
    done: bool,
    sha: sha2::Sha256,
}

impl<R: std::io::Read> ChunkReader<R> {
    fn next_chunk(&mut self) -> std::io::Result<()> {
        let bad =
            |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
        let mut frame = [0u8; 5];
        if let Err(error) = self.input.read_exact(&mut frame) {
            return Err(if error.kind() == std::io::ErrorKind::UnexpectedEof {
                bad("the backup ends before its last chunk: it was cut short")
            } else {
                error
            });
        }
        let last = match frame[0] {
            0 => false,
            1 => true,
            _ => return Err(bad("the backup's chunk framing is damaged")),
        };
        let length = u32::from_be_bytes([frame[1], frame[2], frame[3], frame[4]]) as usize;
        if length > CHUNK + 64 {
            return Err(bad("the backup's chunk framing is damaged"));
        }
        let mut sealed = vec![0u8; length];
        self.input
            .read_exact(&mut sealed)
            .map_err(|_| bad("the backup ends inside a chunk: it was cut short"))?;
        self.plain = self
            .key
            .open_chunk(&self.header, self.index, last, &sealed)
            .map_err(|_| {
                bad(&format!(
                    "chunk {} does not decrypt: the backup was altered, or is for another key",
                    self.index
                ))
            })?;
        self.sha.update(self.plain.as_slice());
        self.at = 0;
        self.index += 1;
        if last {
            let mut extra = [0u8; 1];
            if self.input.read(&mut extra)? != 0 {
                return Err(bad("the backup continues after its last chunk"));
            }
            self.done = true;
        }
        Ok(())
    }
}

impl<R: std::io::Read> std::io::Read for ChunkReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.plain.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.plain.len() - self.at);
        out[..n].copy_from_slice(&self.plain[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn create_private(path: &Path) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("creating {} (it must not exist)", path.display()))
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = create_private(path)?;
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
    let key = vault::StreamKey::to(&public)?;
    let header = StreamHeader {
        format: 2,
        backend: store.backend_name().to_owned(),
        created_at: web::transmission::now_text(),
        recipient: public.id(),
        ephemeral: hex::encode(key.ephemeral),
        nonce_prefix: hex::encode(key.nonce_prefix),
        chunk: CHUNK,
    };
    let header_bytes = serde_json::to_vec(&header)?;
    let file = create_private(&output)?;
    let mut out = std::io::BufWriter::new(file);
    out.write_all(MAGIC_STREAM)?;
    out.write_all(&header_bytes)?;
    out.write_all(b"\n")?;
    let mut writer = ChunkWriter {
        out,
        key,
        header: header_bytes,
        buffer: Vec::with_capacity(CHUNK),
        index: 0,
        plain: 0,
        sha: sha2::Sha256::new(),
    };
    let written = store.snapshot_to(&mut writer).await;
    if let Err(error) = written {
        drop(writer);
        let _ = std::fs::remove_file(&output);
        return Err(error).context("taking the snapshot; the partial backup file was removed");
    }
    let (out, size, sha256) = writer.finish()?;
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("writing {}: {}", output.display(), e.error()))?
        .sync_all()?;
    store
        .audit_system(
            &format!("operator:{}", crate::setup::operator_name()),
            None,
            AuditEntry::new(AuditAction::Backup, format!("backup:{sha256}")).detail(format!(
                "{} snapshot to recovery key {}",
                header.backend, header.recipient
            )),
        )
        .await?;
    store.close().await;
    println!(
        "backup of {size} bytes ({}) written to {}, encrypted to recovery key {}",
        header.backend,
        output.display(),
        header.recipient
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn restore(locations: &Locations, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let secret = vault::RecoverySecretKey::parse(
        &std::fs::read_to_string(&args.secret)
            .with_context(|| format!("reading {}", args.secret.display()))?,
    )?;
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let mut input = std::io::BufReader::new(file);
    let mut magic = [0u8; 5];
    std::io::Read::read_exact(&mut input, &mut magic)
        .with_context(|| format!("{} is not a Whereabouts backup", args.file.display()))?;
    if magic == MAGIC_STREAM {
        return restore_stream(locations, &args, &secret, input).await;
    }
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
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
    finish_restore(locations, &args, backend, restored, &header.sha256).await
}

/// A `WBK2` backup: decrypted and restored chunk by chunk.
async fn restore_stream(
    locations: &Locations,
    args: &RestoreArgs,
    secret: &vault::RecoverySecretKey,
    mut input: std::io::BufReader<std::fs::File>,
) -> anyhow::Result<ExitCode> {
    let mut line = Vec::new();
    std::io::BufRead::read_until(&mut input, b'\n', &mut line)?;
    let header_bytes = line
        .strip_suffix(b"\n")
        .context("the backup header has no end")?;
    let header: StreamHeader = serde_json::from_slice(header_bytes)
        .map_err(|e| anyhow::anyhow!("backup header, column {}: {e}", e.column()))?;
    if header.format != 2 {
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
    let mut prefix = [0u8; 16];
    hex::decode_to_slice(&header.ephemeral, &mut ephemeral).context("backup header: ephemeral")?;
    hex::decode_to_slice(&header.nonce_prefix, &mut prefix)
        .context("backup header: nonce_prefix")?;
    let backend = match header.backend.as_str() {
        "sqlite" => "sqlite",
        "postgres" => "postgres",
        other => bail!("unknown backend {other:?} in the backup"),
    };
    let mut reader = ChunkReader {
        input,
        key: vault::StreamKey::from(secret, ephemeral, prefix)?,
        header: header_bytes.to_vec(),
        plain: vault::Zeroizing::new(Vec::new()),
        at: 0,
        index: 0,
        done: false,
        sha: sha2::Sha256::new(),
    };
    let url = locations.url()?;
    if let store::DatabaseUrl::Sqlite(path) = &url {
        crate::config::create_dir(path.parent().unwrap_or(Path::new(".")))?;
    }
    let restored = Store::restore_from(&url, backend, &mut reader)
        .await
        .with_context(|| format!("restoring into {url}"))?;
    anyhow::ensure!(
        reader.done,
        "the backup ends before its last chunk: it was cut short"
    );
    let sha256 = hex::encode(reader.sha.finalize());
    finish_restore(locations, args, backend, restored, &sha256).await
}

/// After the rows are in: the restored database opens with its master key, its audit chain
/// verifies, and the restore is logged.
async fn finish_restore(
    locations: &Locations,
    args: &RestoreArgs,
    backend: &str,
    restored: usize,
    sha256: &str,
) -> anyhow::Result<ExitCode> {
    let url = locations.url()?;
    // The restored database opens with its master key, and its audit chain verifies.
    let store = locations.open().await?;
    // The restored log is checked on its own: a restore goes back in time on purpose, so the
    // head saved outside the database is older than what it held before (reset below).
    let report = store.audit_verify_against(None).await.context(
        "the restored database does not open with this master key: restore the key file or set WHEREABOUTS_MASTER_KEY",
    )?;
    if !report.is_intact() {
        for problem in &report.problems {
            eprintln!("audit: {problem}");
        }
        bail!("the restored audit log does not verify");
    }
    if let Some((Some(before), now)) = store.reset_audit_witness().await?
        && before > now
    {
        println!(
            "the audit head saved outside the database goes back from entry {before} to entry {now}: entries after {now} are not in this backup"
        );
    }
    store
        .audit_system(
            &format!("operator:{}", crate::setup::operator_name()),
            None,
            AuditEntry::new(AuditAction::Restore, format!("backup:{sha256}")),
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
