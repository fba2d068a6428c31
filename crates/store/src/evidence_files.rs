//! Evidence files on disk (issue 6): written as they stream in, never held in memory whole,
//! hashed with SHA-256 on the way, bounded in size; and checked again by
//! [`Store::verify_evidence`] (`whereabouts evidence verify`).
//!
//! Layout: `<evidence dir>/<tenant id>/<evidence id>`; a file being written is `….part` until it
//! is complete, synced and renamed, so a broken upload leaves no item.
//!
//! Encryption at rest: the files are meant to be sealed with the tenant's data key from the
//! vault crate (`crates/vault`, built by another helper). Until it lands they are written as
//! received; this module is the one place that will change (see docs/protection.md).

use std::path::{Path, PathBuf};

use domain::protection::{CustodyFault, verify_chain};
use domain::{EvidenceId, TenantId};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::Store;
use crate::error::{StoreError, StoreResult};
use crate::scope::TenantScope;

/// The largest evidence file accepted: 64 MiB.
pub const EVIDENCE_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Why a file could not be taken in.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceFileError {
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the file is empty")]
    Empty,
    #[error("evidence storage: {0}")]
    Io(#[from] std::io::Error),
}

/// A file being written. Feed it chunks, then [`EvidenceWriter::finish`] it.
pub struct EvidenceWriter {
    file: tokio::fs::File,
    part: PathBuf,
    target: PathBuf,
    hasher: Sha256,
    size: u64,
    limit: u64,
    stored_as: String,
}

/// A complete file: its name under the tenant's directory, SHA-256 (hex) and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenFile {
    pub stored_as: String,
    pub sha256: String,
    pub size: u64,
}

fn tenant_dir(root: &Path, tenant: TenantId) -> PathBuf {
    root.join(tenant.to_string())
}

impl EvidenceWriter {
    /// Starts the file of item `id` of the scope's tenant under `root`.
    ///
    /// # Errors
    /// When the directory or file cannot be created.
    pub async fn create(
        root: &Path,
        scope: &TenantScope,
        id: EvidenceId,
        limit: u64,
    ) -> Result<Self, EvidenceFileError> {
        let dir = tenant_dir(root, scope.tenant());
        tokio::fs::create_dir_all(&dir).await?;
        let stored_as = id.to_string();
        let target = dir.join(&stored_as);
        let part = dir.join(format!("{stored_as}.part"));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&part)
            .await?;
        Ok(Self {
            file,
            part,
            target,
            hasher: Sha256::new(),
            size: 0,
            limit: limit.min(EVIDENCE_MAX_BYTES),
            stored_as,
        })
    }

    /// Appends a chunk. Past the limit the partial file is removed and the upload refused.
    ///
    /// # Errors
    /// [`EvidenceFileError::TooLarge`], or a write failure.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), EvidenceFileError> {
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            let _ = tokio::fs::remove_file(&self.part).await;
            return Err(EvidenceFileError::TooLarge { limit: self.limit });
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await?;
        Ok(())
    }

    /// Syncs and moves the file into place.
    ///
    /// # Errors
    /// An empty file, or a write failure.
    pub async fn finish(mut self) -> Result<WrittenFile, EvidenceFileError> {
        if self.size == 0 {
            let _ = tokio::fs::remove_file(&self.part).await;
            return Err(EvidenceFileError::Empty);
        }
        self.file.flush().await?;
        self.file.sync_all().await?;
        tokio::fs::rename(&self.part, &self.target).await?;
        Ok(WrittenFile {
            stored_as: self.stored_as,
            sha256: hex::encode(self.hasher.finalize()),
            size: self.size,
        })
    }

    /// Gives up: removes the partial file.
    pub async fn abandon(self) {
        let _ = tokio::fs::remove_file(&self.part).await;
    }
}

/// Copies a file from disk into the evidence directory, streaming.
///
/// # Errors
/// As [`EvidenceWriter`], or when `source` cannot be read.
pub async fn store_file(
    root: &Path,
    scope: &TenantScope,
    id: EvidenceId,
    source: &Path,
) -> Result<WrittenFile, EvidenceFileError> {
    let mut input = tokio::fs::File::open(source).await?;
    let mut writer = EvidenceWriter::create(root, scope, id, EVIDENCE_MAX_BYTES).await?;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match input.read(&mut buffer).await {
            Ok(read) => read,
            Err(error) => {
                writer.abandon().await;
                return Err(error.into());
            }
        };
        if read == 0 {
            break;
        }
        writer.write(&buffer[..read]).await?;
    }
    writer.finish().await
}

/// SHA-256 (hex) and size of a stored file, read in chunks.
async fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut input = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let read = input.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        size += read as u64;
        hasher.update(&buffer[..read]);
    }
    Ok((hex::encode(hasher.finalize()), size))
}

/// One problem `evidence verify` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceFinding {
    pub evidence: EvidenceId,
    pub title: String,
    /// The stored file, when the problem is with it.
    pub file: Option<PathBuf>,
    pub problem: String,
}

/// What `evidence verify` checked.
#[derive(Clone, Debug, Default)]
pub struct EvidenceReport {
    pub items: usize,
    pub files: usize,
    pub custody_entries: usize,
    pub findings: Vec<EvidenceFinding>,
}

impl Store {
    /// Checks every item of the scope's tenant: each file's SHA-256 and size against the
    /// record, and each chain of custody (`domain::protection::verify_chain`).
    pub async fn verify_evidence(
        &self,
        scope: &TenantScope,
        root: &Path,
    ) -> StoreResult<EvidenceReport> {
        let mut report = EvidenceReport::default();
        for stored in self.evidence_items(scope).await? {
            report.items += 1;
            let item = &stored.item;
            let finding = |file: Option<PathBuf>, problem: String| EvidenceFinding {
                evidence: item.id,
                title: item.title.clone(),
                file,
                problem,
            };
            if let (Some(name), Some(expected)) = (&stored.stored_as, &item.sha256) {
                report.files += 1;
                let path = tenant_dir(root, scope.tenant()).join(name);
                match hash_file(&path).await {
                    Ok((actual, size)) => {
                        if &actual != expected {
                            report.findings.push(finding(
                                Some(path.clone()),
                                format!("SHA-256 is {actual}, recorded {expected}: the file changed after capture"),
                            ));
                        } else if Some(size) != item.size {
                            report.findings.push(finding(
                                Some(path.clone()),
                                format!("size is {size} bytes, recorded {:?}", item.size),
                            ));
                        }
                    }
                    Err(error) => report.findings.push(finding(
                        Some(path.clone()),
                        format!("cannot be read: {}", error.kind()),
                    )),
                }
            }
            let chain = self.custody(scope, item.id).await?;
            report.custody_entries += chain.len();
            for fault in verify_chain(item.id, &chain) {
                let problem = match fault {
                    CustodyFault::Empty => "custody: no entry".to_owned(),
                    other => format!("custody {other}"),
                };
                report.findings.push(finding(None, problem));
            }
        }
        Ok(report)
    }
}

impl From<EvidenceFileError> for StoreError {
    fn from(error: EvidenceFileError) -> Self {
        StoreError::Invalid(error.to_string())
    }
}
