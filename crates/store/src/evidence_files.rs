//! Evidence files on disk (issue 6): written as they stream in, never held in memory whole,
//! hashed with SHA-256 on the way, bounded in size; and checked again by
//! [`Store::verify_evidence`] (`whereabouts evidence verify`).
//!
//! Layout: `<evidence dir>/<tenant id>/<evidence id>`; a file being written is `….part` until it
//! is complete, synced and renamed, so a broken upload leaves no item.
//!
//! Encryption at rest (SEC-3): the file is sealed in chunks of [`CHUNK`] bytes with the tenant's
//! data key ([`Store::vault`]), each chunk bound to the item, its position and whether it is the
//! last, so a chunk cannot be altered, moved, dropped or the file cut short without the
//! verification failing. On disk: `WEF1`, then per chunk a 4-byte big-endian length and the
//! sealed chunk. The SHA-256 is of the file as the delegate saved it (the plaintext).

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
    #[error("sealing the file: {0}")]
    Seal(String),
}

/// Plaintext bytes per sealed chunk.
pub const CHUNK: usize = 64 * 1024;

const MAGIC: &[u8] = b"WEF1";

fn chunk_context(id: EvidenceId, index: u64, last: bool) -> String {
    format!(
        "evidence.file:{id}:{index}:{}",
        if last { "last" } else { "more" }
    )
}

/// A file being written. Feed it chunks, then [`EvidenceWriter::finish`] it.
pub struct EvidenceWriter {
    store: Store,
    scope: TenantScope,
    id: EvidenceId,
    /// Plaintext not yet sealed (at most one chunk and a write's worth).
    pending: Vec<u8>,
    chunks: u64,
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
        store: &Store,
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
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&part)
            .await?;
        file.write_all(MAGIC).await?;
        Ok(Self {
            store: store.clone(),
            scope: scope.clone(),
            id,
            pending: Vec::with_capacity(CHUNK),
            chunks: 0,
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
        self.pending.extend_from_slice(chunk);
        // Keep at least one byte back: the last chunk is sealed as the last one by `finish`.
        while self.pending.len() > CHUNK {
            let rest = self.pending.split_off(CHUNK);
            let plain = std::mem::replace(&mut self.pending, rest);
            if let Err(error) = self.seal_chunk(&plain, false).await {
                let _ = tokio::fs::remove_file(&self.part).await;
                return Err(error);
            }
        }
        Ok(())
    }

    async fn seal_chunk(&mut self, plain: &[u8], last: bool) -> Result<(), EvidenceFileError> {
        let context = chunk_context(self.id, self.chunks, last);
        let sealed = self
            .store
            .vault()
            .seal(&self.scope, &context, plain)
            .await
            .map_err(|e| EvidenceFileError::Seal(e.to_string()))?;
        let length = u32::try_from(sealed.len())
            .map_err(|_| EvidenceFileError::Seal("chunk too large".into()))?;
        self.file.write_all(&length.to_be_bytes()).await?;
        self.file.write_all(&sealed).await?;
        self.chunks += 1;
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
        let last = std::mem::take(&mut self.pending);
        if let Err(error) = self.seal_chunk(&last, true).await {
            let _ = tokio::fs::remove_file(&self.part).await;
            return Err(error);
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
    store: &Store,
    root: &Path,
    scope: &TenantScope,
    id: EvidenceId,
    source: &Path,
) -> Result<WrittenFile, EvidenceFileError> {
    let mut input = tokio::fs::File::open(source).await?;
    let mut writer = EvidenceWriter::create(store, root, scope, id, EVIDENCE_MAX_BYTES).await?;
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

/// Why a stored file does not read back.
#[derive(Debug)]
enum ReadFault {
    Io(std::io::ErrorKind),
    /// Not a sealed evidence file, or cut short.
    Format(String),
    /// A chunk does not open: altered, moved, or sealed for another item or tenant.
    Sealed(u64),
}

impl std::fmt::Display for ReadFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(kind) => write!(f, "cannot be read: {kind}"),
            Self::Format(what) => write!(f, "is not a complete sealed evidence file: {what}"),
            Self::Sealed(index) => write!(
                f,
                "chunk {index} does not decrypt: the file was altered, truncated or replaced after capture"
            ),
        }
    }
}

/// A stored file opened for reading, one sealed chunk at a time: each chunk is opened (and so
/// authenticated) before its plaintext is handed out, and the last one must be sealed as the
/// last, so a file cut short, altered or reordered fails before anything after the fault is
/// read. Memory stays at one chunk. Used by verification and by downloads.
pub struct EvidenceReader {
    store: Store,
    scope: TenantScope,
    id: EvidenceId,
    input: tokio::fs::File,
    index: u64,
    done: bool,
}

impl EvidenceReader {
    /// Opens the file of `stored` (a saved file of the scope's tenant) under `root`.
    ///
    /// # Errors
    /// An item with no file, or a file that cannot be opened or has no evidence header.
    pub async fn open(
        store: &Store,
        root: &Path,
        scope: &TenantScope,
        stored: &crate::StoredEvidence,
    ) -> StoreResult<Self> {
        let name = stored
            .stored_as
            .as_deref()
            .ok_or_else(|| StoreError::Invalid("this item is a link, not a saved file".into()))?;
        let path = tenant_dir(root, scope.tenant()).join(name);
        Self::open_path(store, scope, stored.item.id, &path)
            .await
            .map_err(|fault| StoreError::Corrupt(format!("evidence {}: {fault}", stored.item.id)))
    }

    async fn open_path(
        store: &Store,
        scope: &TenantScope,
        id: EvidenceId,
        path: &Path,
    ) -> Result<Self, ReadFault> {
        let mut input = tokio::fs::File::open(path)
            .await
            .map_err(|e| ReadFault::Io(e.kind()))?;
        let mut magic = [0u8; 4];
        input
            .read_exact(&mut magic)
            .await
            .map_err(|_| ReadFault::Format("no header".into()))?;
        if magic != MAGIC {
            return Err(ReadFault::Format("wrong header".into()));
        }
        Ok(Self {
            store: store.clone(),
            scope: scope.clone(),
            id,
            input,
            index: 0,
            done: false,
        })
    }

    /// The next chunk of plaintext, or `None` after the last one.
    ///
    /// # Errors
    /// A chunk that does not open, a file cut short, or bytes after the last chunk.
    pub async fn next_chunk(&mut self) -> StoreResult<Option<Vec<u8>>> {
        match self.next().await {
            // Handed out as it is: the caller sends it on.
            Ok(Some(mut plain)) => Ok(Some(std::mem::take(&mut *plain))),
            Ok(None) => Ok(None),
            Err(fault) => Err(StoreError::Corrupt(format!(
                "evidence {}: {fault}",
                self.id
            ))),
        }
    }

    async fn next(&mut self) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, ReadFault> {
        if self.done {
            return Ok(None);
        }
        let index = self.index;
        let limit = CHUNK + vault::SEALED_OVERHEAD + 1024;
        let mut length = [0u8; 4];
        match self.input.read_exact(&mut length).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(ReadFault::Format(format!(
                    "ends before its last chunk (after {index})"
                )));
            }
            Err(e) => return Err(ReadFault::Io(e.kind())),
        }
        let length = u32::from_be_bytes(length) as usize;
        if length > limit {
            return Err(ReadFault::Format(format!(
                "chunk {index} has an impossible length"
            )));
        }
        let mut sealed = vec![0u8; length];
        self.input
            .read_exact(&mut sealed)
            .await
            .map_err(|_| ReadFault::Format(format!("chunk {index} is cut short")))?;
        let vault = self.store.vault();
        if let Ok(plain) = vault
            .open(&self.scope, &chunk_context(self.id, index, false), &sealed)
            .await
        {
            self.index += 1;
            return Ok(Some(plain));
        }
        match vault
            .open(&self.scope, &chunk_context(self.id, index, true), &sealed)
            .await
        {
            Ok(plain) => {
                let mut extra = [0u8; 1];
                match self.input.read(&mut extra).await {
                    Ok(0) => {
                        self.done = true;
                        self.index += 1;
                        Ok(Some(plain))
                    }
                    _ => Err(ReadFault::Format("bytes after the last chunk".into())),
                }
            }
            Err(_) => Err(ReadFault::Sealed(index)),
        }
    }
}

impl Store {
    /// Reads a stored file chunk by chunk, opening each, and hands the plaintext to `sink`.
    /// Memory stays at one chunk.
    async fn read_evidence_file(
        &self,
        scope: &TenantScope,
        id: EvidenceId,
        path: &Path,
        mut sink: impl FnMut(&[u8]),
    ) -> Result<(), ReadFault> {
        let mut reader = EvidenceReader::open_path(self, scope, id, path).await?;
        while let Some(plain) = reader.next().await? {
            sink(&plain);
        }
        Ok(())
    }

    /// SHA-256 (hex) and size of a stored file's plaintext.
    async fn hash_evidence_file(
        &self,
        scope: &TenantScope,
        id: EvidenceId,
        path: &Path,
    ) -> Result<(String, u64), ReadFault> {
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        self.read_evidence_file(scope, id, path, |plain| {
            size += plain.len() as u64;
            hasher.update(plain);
        })
        .await?;
        Ok((hex::encode(hasher.finalize()), size))
    }
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
                match self.hash_evidence_file(scope, item.id, &path).await {
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
                    Err(fault) => {
                        report
                            .findings
                            .push(finding(Some(path.clone()), fault.to_string()));
                    }
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
