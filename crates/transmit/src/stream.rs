//! Streamed bundles and envelopes (format 2): a receiver checks and applies a bundle of any
//! size holding one chunk, one notice and one batch in memory, never the whole bundle.
//!
//! **The container (`WAB2`).** The key is agreed as for format 1 ([`crate::bundle`]: ephemeral
//! X25519, HKDF-SHA256 with the info `whereabouts/bundle/v2`). The plaintext is cut into
//! chunks of [`CHUNK`] bytes, each sealed with XChaCha20-Poly1305 under the nonce
//! `prefix(19) ‖ counter(4, big-endian) ‖ last(1)` and the two header lines as associated data
//! (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár). Every chunk but the
//! last is exactly `CHUNK + 16` bytes; the last is shorter (possibly only its 16-byte tag) and
//! sealed with `last = 1`. So a reordered, dropped, altered or appended chunk fails to open,
//! a bundle cut inside a chunk does not open either, and one cut where a chunk should start
//! is refused as truncated.
//!
//! **The envelope (format 2).** The plaintext is one line, an [`Envelope`] whose `body` is a
//! [`Manifest`] (the header, the SHA-256 of the notice lines and their number) signed like
//! format 1 under the context `whereabouts/envelope/v2`, then one line of JSON per notice. The
//! receiver verifies the signatures on the manifest first, then hashes the notices as it reads
//! them and compares at the end: a notice is applied only inside a transaction that commits
//! after the hash and the count matched.

use std::io::{BufRead, Read, Write};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::bundle::BundleError;
use crate::content::Content;
use crate::envelope::{Envelope, Header, VerifyError};
use crate::keys::{KeyId, PublicKey, SecretKey, decode32};

/// Plaintext bytes per chunk.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const MAGIC: &[u8] = b"WAB2\n";
const INFO: &[u8] = b"whereabouts/bundle/v2";
/// The format of streamed envelopes ([`Header::format`]).
pub const STREAM_FORMAT: u32 = 2;
/// The longest header line of a bundle.
const MAX_HEADER: usize = 4096;
/// The longest manifest line (an envelope line of format 2).
pub const MAX_MANIFEST: usize = 1 << 20;
/// The longest notice line: a card with every field, or an event with a 2,000-character note,
/// is a few kilobytes.
pub const MAX_NOTICE: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamHeader {
    pub format: u32,
    pub recipient: String,
    pub recipient_key: KeyId,
    pub ephemeral: String,
    /// 19 random bytes, hex: the nonce prefix of every chunk.
    pub nonce_prefix: String,
    pub chunk: u32,
}

fn derive(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> [u8; 32] {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(recipient);
    let hkdf = hkdf::Hkdf::<sha2::Sha256>::new(Some(&salt), shared);
    let mut key = [0u8; 32];
    // 32 bytes is far below HKDF-SHA256's limit of 8160, so expand cannot fail.
    let _ = hkdf.expand(INFO, &mut key);
    key
}

fn nonce(prefix: &[u8; 19], counter: u32, last: bool) -> XNonce {
    let mut bytes = [0u8; 24];
    bytes[..19].copy_from_slice(prefix);
    bytes[19..23].copy_from_slice(&counter.to_be_bytes());
    bytes[23] = u8::from(last);
    XNonce::from(bytes)
}

/// Writes a `WAB2` bundle to `out` as plaintext is written to it; [`BundleWriter::finish`]
/// seals the last chunk.
pub struct BundleWriter<W: Write> {
    out: W,
    cipher: XChaCha20Poly1305,
    prefix: [u8; 19],
    counter: u32,
    aad: Vec<u8>,
    buffer: Vec<u8>,
}

impl<W: Write> BundleWriter<W> {
    /// Starts a bundle to `recipient`'s tenant key and writes its header.
    ///
    /// # Errors
    /// A key with no encryption half or a weak one, no randomness, or a write error.
    pub fn new(mut out: W, recipient: &PublicKey) -> Result<Self, BundleError> {
        if !recipient.is_tenant_key() || recipient.encryption.is_none() {
            return Err(BundleError::NoEncryptionKey);
        }
        let recipient_public = recipient.encryption_key()?;
        let ephemeral_secret = x25519_dalek::StaticSecret::from(crate::random_bytes::<32>()?);
        let ephemeral_public = *x25519_dalek::PublicKey::from(&ephemeral_secret).as_bytes();
        let shared =
            ephemeral_secret.diffie_hellman(&x25519_dalek::PublicKey::from(recipient_public));
        if !shared.was_contributory() {
            return Err(BundleError::WeakKey);
        }
        let key = derive(shared.as_bytes(), &ephemeral_public, &recipient_public);
        let prefix: [u8; 19] = crate::random_bytes()?;
        let header = StreamHeader {
            format: STREAM_FORMAT,
            recipient: recipient.owner.tenant.clone(),
            recipient_key: recipient.id.clone(),
            ephemeral: hex::encode(ephemeral_public),
            nonce_prefix: hex::encode(prefix),
            chunk: CHUNK as u32,
        };
        let mut aad = MAGIC.to_vec();
        aad.extend(serde_json::to_vec(&header).map_err(|e| BundleError::BadHeader(e.to_string()))?);
        aad.push(b'\n');
        out.write_all(&aad).map_err(io_error)?;
        Ok(Self {
            out,
            cipher: XChaCha20Poly1305::new(&key.into()),
            prefix,
            counter: 0,
            aad,
            buffer: Vec::with_capacity(CHUNK),
        })
    }

    fn seal_chunk(&mut self, last: bool) -> Result<(), BundleError> {
        let sealed = self
            .cipher
            .encrypt(
                &nonce(&self.prefix, self.counter, last),
                Payload {
                    msg: &self.buffer,
                    aad: &self.aad,
                },
            )
            .map_err(|_| BundleError::Decryption)?;
        self.out.write_all(&sealed).map_err(io_error)?;
        self.buffer.clear();
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or_else(|| BundleError::BadHeader("more than 2^32 chunks".into()))?;
        Ok(())
    }

    /// Adds plaintext.
    ///
    /// # Errors
    /// A write error.
    pub fn write_plain(&mut self, mut bytes: &[u8]) -> Result<(), BundleError> {
        while !bytes.is_empty() {
            let room = CHUNK - self.buffer.len();
            let take = room.min(bytes.len());
            self.buffer.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            // A full chunk is sealed only when more follows: the last chunk is always short.
            if self.buffer.len() == CHUNK && !bytes.is_empty() {
                self.seal_chunk(false)?;
            }
        }
        Ok(())
    }

    /// Seals the last chunk and returns the output.
    ///
    /// # Errors
    /// A write error.
    pub fn finish(mut self) -> Result<W, BundleError> {
        if self.buffer.len() == CHUNK {
            self.seal_chunk(false)?;
        }
        self.seal_chunk(true)?;
        self.out.flush().map_err(io_error)?;
        Ok(self.out)
    }
}

fn io_error(error: std::io::Error) -> BundleError {
    BundleError::BadHeader(format!("write: {error}"))
}

/// Encrypts `plain` into a `WAB2` bundle in memory.
///
/// # Errors
/// As [`BundleWriter::new`].
pub fn seal_stream_bundle(plain: &[u8], recipient: &PublicKey) -> Result<Vec<u8>, BundleError> {
    let mut writer = BundleWriter::new(Vec::new(), recipient)?;
    writer.write_plain(plain)?;
    writer.finish()
}

/// Reads the plaintext of a `WAB2` bundle chunk by chunk. A failure is an
/// [`std::io::Error`] wrapping a [`BundleError`] ([`bundle_error`] gets it back).
pub struct BundleReader<R: Read> {
    input: R,
    cipher: XChaCha20Poly1305,
    prefix: [u8; 19],
    counter: u32,
    aad: Vec<u8>,
    sealed: Vec<u8>,
    plain: Vec<u8>,
    position: usize,
    done: bool,
}

/// The [`BundleError`] inside an error of a [`BundleReader`], if there is one.
#[must_use]
pub fn bundle_error(error: &std::io::Error) -> Option<BundleError> {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<BundleError>())
        .cloned()
}

fn fail(error: BundleError) -> std::io::Error {
    std::io::Error::other(error)
}

impl<R: Read> BundleReader<R> {
    fn next_chunk(&mut self) -> std::io::Result<()> {
        self.sealed.clear();
        self.sealed.resize(CHUNK + TAG, 0);
        let mut filled = 0;
        while filled < self.sealed.len() {
            let read = self.input.read(&mut self.sealed[filled..])?;
            if read == 0 {
                break;
            }
            filled += read;
        }
        self.sealed.truncate(filled);
        // A full chunk is never the last one: the sender always ends with a short chunk.
        let last = filled < CHUNK + TAG;
        if filled == 0 {
            return Err(fail(BundleError::Truncated));
        }
        self.plain = self
            .cipher
            .decrypt(
                &nonce(&self.prefix, self.counter, last),
                Payload {
                    msg: &self.sealed,
                    aad: &self.aad,
                },
            )
            // A last chunk cut short cannot be told from an altered one: both are refused
            // as not decrypting ("altered, truncated or made for another key"). Only a bundle
            // that ends where a chunk should start is named truncated.
            .map_err(|_| fail(BundleError::Decryption))?;
        self.position = 0;
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or_else(|| fail(BundleError::Decryption))?;
        if last {
            self.done = true;
            let mut extra = [0u8; 1];
            if self.input.read(&mut extra)? != 0 {
                return Err(fail(BundleError::Decryption));
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for BundleReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.position == self.plain.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = buf.len().min(self.plain.len() - self.position);
        buf[..n].copy_from_slice(&self.plain[self.position..self.position + n]);
        self.position += n;
        Ok(n)
    }
}

/// Whether `start` (the first bytes of a file) is a `WAB2` bundle.
#[must_use]
pub fn is_stream_bundle(start: &[u8]) -> bool {
    start.starts_with(MAGIC)
}

/// Opens a `WAB2` bundle with whichever of `keys` it was made for: reads the header and
/// returns a reader of the plaintext. Nothing is decrypted yet.
///
/// # Errors
/// Not a bundle, a bundle for another tenant or key, or a malformed header.
pub fn open_stream_bundle<R: Read>(
    mut input: R,
    keys: &[SecretKey],
) -> Result<(StreamHeader, BundleReader<R>), BundleError> {
    let mut magic = [0u8; 5];
    input
        .read_exact(&mut magic)
        .map_err(|_| BundleError::NotABundle)?;
    if magic != MAGIC {
        return Err(BundleError::NotABundle);
    }
    let mut line = Vec::new();
    loop {
        let mut byte = [0u8; 1];
        if input.read(&mut byte).map_err(|_| BundleError::Truncated)? == 0 {
            return Err(BundleError::BadHeader("no end of header line".into()));
        }
        if byte[0] == b'\n' {
            break;
        }
        line.push(byte[0]);
        if line.len() > MAX_HEADER {
            return Err(BundleError::BadHeader(format!(
                "header line longer than {MAX_HEADER} bytes"
            )));
        }
    }
    let header: StreamHeader = serde_json::from_slice(&line)
        .map_err(|e| BundleError::BadHeader(format!("column {}: {e}", e.column())))?;
    if header.format != STREAM_FORMAT || header.chunk as usize != CHUNK {
        return Err(BundleError::BadHeader(format!(
            "format {} with chunks of {} bytes is not supported",
            header.format, header.chunk
        )));
    }
    let key = keys
        .iter()
        .find(|k| k.public.id == header.recipient_key && k.public.owner.tenant == header.recipient)
        .ok_or_else(|| BundleError::WrongRecipient {
            recipient: header.recipient.clone(),
            key: header.recipient_key.clone(),
        })?;
    let secret = key.x25519().ok_or(BundleError::NoEncryptionKey)?;
    let recipient_public = *x25519_dalek::PublicKey::from(secret).as_bytes();
    let ephemeral = decode32(&header.ephemeral, "ephemeral")?;
    let mut prefix = [0u8; 19];
    hex::decode_to_slice(&header.nonce_prefix, &mut prefix)
        .map_err(|_| BundleError::BadHeader("nonce prefix is not 19 hex-encoded bytes".into()))?;
    let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(ephemeral));
    if !shared.was_contributory() {
        return Err(BundleError::WeakKey);
    }
    let key = derive(shared.as_bytes(), &ephemeral, &recipient_public);
    let mut aad = MAGIC.to_vec();
    aad.extend_from_slice(&line);
    aad.push(b'\n');
    Ok((
        header,
        BundleReader {
            input,
            cipher: XChaCha20Poly1305::new(&key.into()),
            prefix,
            counter: 0,
            aad,
            sealed: Vec::with_capacity(CHUNK + TAG),
            plain: Vec::new(),
            position: 0,
            done: false,
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// The streamed envelope
// ---------------------------------------------------------------------------------------------

/// The signed part of a streamed envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub header: Header,
    /// `sha256:` of the notice lines, each with its newline.
    pub notices_hash: String,
    pub notices: u64,
}

/// Builds and signs a streamed envelope: the envelope line (whose `content_hash` names the
/// envelope in ledgers and receipts) and the whole plaintext.
///
/// # Errors
/// As [`Envelope::seal`].
pub fn seal_streamed(
    mut header: Header,
    contents: &[Content],
    officer: &SecretKey,
    tenant: &SecretKey,
) -> Result<(Envelope, Vec<u8>), VerifyError> {
    header.format = STREAM_FORMAT;
    let mut lines = Vec::new();
    for content in contents {
        serde_json::to_writer(&mut lines, content)
            .map_err(|e| VerifyError::Malformed(e.to_string()))?;
        lines.push(b'\n');
    }
    let manifest = Manifest {
        header,
        notices_hash: crate::content_hash(&lines),
        notices: contents.len() as u64,
    };
    let envelope = Envelope::seal_manifest(&manifest, officer, tenant)?;
    let mut plain = envelope.to_bytes();
    plain.push(b'\n');
    plain.extend(lines);
    Ok((envelope, plain))
}

/// Writes a streamed envelope into a bundle holding one notice at a time: `contents` is called
/// twice, once to hash the notices for the manifest and once to write them, and must yield
/// the same notices both times.
///
/// # Errors
/// As [`Envelope::seal`], or a write error as [`VerifyError::Malformed`].
pub fn write_streamed<W: Write, I: Iterator<Item = Content>>(
    mut header: Header,
    contents: impl Fn() -> I,
    officer: &SecretKey,
    tenant: &SecretKey,
    out: &mut BundleWriter<W>,
) -> Result<Envelope, VerifyError> {
    header.format = STREAM_FORMAT;
    let line = |content: &Content| -> Result<Vec<u8>, VerifyError> {
        let mut line =
            serde_json::to_vec(content).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        line.push(b'\n');
        Ok(line)
    };
    let mut hasher = sha2::Sha256::new();
    let mut count = 0u64;
    for content in contents() {
        hasher.update(line(&content)?);
        count += 1;
    }
    let manifest = Manifest {
        header,
        notices_hash: format!("sha256:{}", hex::encode(hasher.finalize())),
        notices: count,
    };
    let envelope = Envelope::seal_manifest(&manifest, officer, tenant)?;
    let write = |out: &mut BundleWriter<W>, bytes: &[u8]| {
        out.write_plain(bytes)
            .map_err(|e| VerifyError::Malformed(e.to_string()))
    };
    let mut first = envelope.to_bytes();
    first.push(b'\n');
    write(out, &first)?;
    for content in contents() {
        write(out, &line(&content)?)?;
    }
    Ok(envelope)
}

/// Reads one line of at most `limit` bytes (without its newline); `None` at the end.
///
/// # Errors
/// A read error, or a line over the limit.
pub fn read_line<R: BufRead>(
    input: &mut R,
    limit: usize,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<()>> {
    buf.clear();
    let read = input
        .by_ref()
        .take(limit as u64 + 1)
        .read_until(b'\n', buf)?;
    if read == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
    } else if buf.len() > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("a line is longer than {limit} bytes"),
        ));
    }
    Ok(Some(()))
}

/// Reads the notices of a verified streamed envelope one by one, hashing them; the caller
/// applies nothing for good before [`NoticeReader::finish`] says the hash and count match.
pub struct NoticeReader {
    hasher: sha2::Sha256,
    count: u64,
    line: Vec<u8>,
}

impl Default for NoticeReader {
    fn default() -> Self {
        Self::new()
    }
}

impl NoticeReader {
    #[must_use]
    pub fn new() -> Self {
        Self {
            hasher: sha2::Sha256::new(),
            count: 0,
            line: Vec::new(),
        }
    }

    /// The next notice, or `None` at the end.
    ///
    /// # Errors
    /// A notice that is not JSON of a known kind, named by its number, or a read error.
    pub fn next<R: BufRead>(&mut self, input: &mut R) -> Result<Option<Content>, StreamError> {
        match read_line(input, MAX_NOTICE, &mut self.line) {
            Ok(Some(())) => {}
            Ok(None) => return Ok(None),
            Err(error) => return Err(StreamError::from_io(error, self.count + 1)),
        }
        self.hasher.update(&self.line);
        self.hasher.update(b"\n");
        self.count += 1;
        serde_json::from_slice(&self.line).map(Some).map_err(|e| {
            StreamError::Envelope(VerifyError::Malformed(format!(
                "notice {}, column {}: {e}",
                self.count,
                e.column()
            )))
        })
    }

    /// Checks the notices read against the manifest.
    ///
    /// # Errors
    /// [`VerifyError::Tampered`] when the hash or the count differs.
    pub fn finish(self, manifest: &Manifest) -> Result<(), VerifyError> {
        let hash = format!("sha256:{}", hex::encode(self.hasher.finalize()));
        if hash != manifest.notices_hash || self.count != manifest.notices {
            return Err(VerifyError::Tampered);
        }
        Ok(())
    }
}

/// Why a streamed envelope could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Bundle(BundleError),
    #[error(transparent)]
    Envelope(VerifyError),
}

impl StreamError {
    /// From a read error: the bundle's own error when it is one.
    #[must_use]
    pub fn from_io(error: std::io::Error, notice: u64) -> Self {
        match bundle_error(&error) {
            Some(bundle) => Self::Bundle(bundle),
            None => Self::Envelope(VerifyError::Malformed(format!("notice {notice}: {error}"))),
        }
    }

    /// The stable code for the ledger and the receipt.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Bundle(BundleError::Truncated) => "truncated",
            Self::Bundle(BundleError::Decryption) => "tampered",
            Self::Bundle(BundleError::WrongRecipient { .. }) => "wrong-recipient",
            Self::Bundle(_) => "malformed",
            Self::Envelope(error) => error.code(),
        }
    }
}
