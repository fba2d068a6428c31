//! The audit head saved outside the database (XC-8, SEC-4): rollback detection.
//!
//! The signed head in `audit_head` proves where the log ended when it was signed, not that
//! this is the newest end: an intruder who restores an older copy of the database, or cuts the
//! log back and puts an older, validly signed head in place, leaves a log that verifies on its
//! own. So every process that appends to the log also saves the newest signed head it wrote to
//! a *witness* file outside the database ([`crate::Store::with_audit_witness`]), and
//! [`crate::Store::audit_verify`] checks the log against it: the log must reach the saved entry
//! and hold the same hash there.
//!
//! The file is text, one head a line (`whereabouts-audit-head v1 SEQ HASH AT KEY SIGNATURE`,
//! hex, `AT` in Unix nanoseconds), so copies shipped elsewhere can simply be appended to; the
//! newest valid line counts, and a line whose signature does not verify is itself a problem.

use std::io::Write as _;
use std::path::Path;

use ed25519_dalek::Verifier as _;
use time::OffsetDateTime;

/// One signed head: the log's last entry (`seq`, `hash`) signed with the instance key at `at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedHead {
    pub seq: i64,
    pub hash: Vec<u8>,
    pub at: OffsetDateTime,
    pub public_key: Vec<u8>,
    pub signature: Vec<u8>,
}

const MAGIC: &str = "whereabouts-audit-head v1";

impl SavedHead {
    /// The head as one line of the witness file (no newline).
    #[must_use]
    pub fn to_line(&self) -> String {
        format!(
            "{MAGIC} {} {} {} {} {}",
            self.seq,
            hex::encode(&self.hash),
            self.at.unix_timestamp_nanos(),
            hex::encode(&self.public_key),
            hex::encode(&self.signature)
        )
    }

    /// Reads one line written by [`SavedHead::to_line`].
    ///
    /// # Errors
    /// A message naming the field that is wrong.
    pub fn parse(line: &str) -> Result<Self, String> {
        let rest = line
            .trim()
            .strip_prefix(MAGIC)
            .ok_or_else(|| format!("it does not start with {MAGIC:?}"))?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let [seq, hash, at, key, signature] = fields[..] else {
            return Err(format!("{} fields after the marker, not 5", fields.len()));
        };
        let bytes = |name: &str, text: &str| {
            hex::decode(text).map_err(|_| format!("the {name} is not hexadecimal"))
        };
        let at: i128 = at
            .parse()
            .map_err(|_| "the time is not a number".to_owned())?;
        Ok(Self {
            seq: seq
                .parse()
                .map_err(|_| "the entry number is not a number".to_owned())?,
            hash: bytes("hash", hash)?,
            at: OffsetDateTime::from_unix_timestamp_nanos(at)
                .map_err(|_| "the time is out of range".to_owned())?,
            public_key: bytes("key", key)?,
            signature: bytes("signature", signature)?,
        })
    }

    /// Whether `public` signed this head.
    pub(crate) fn verifies(&self, public: &ed25519_dalek::VerifyingKey) -> Result<(), String> {
        if self.public_key.as_slice() != public.to_bytes().as_slice() {
            return Err(
                "signed by a key that is not this instance's (the database was replaced by another instance's)"
                    .into(),
            );
        }
        let signature = <[u8; 64]>::try_from(self.signature.as_slice())
            .map_err(|_| "malformed signature".to_owned())?;
        public
            .verify(
                &crate::audit::head_message(self.seq, &self.hash, self.at),
                &ed25519_dalek::Signature::from_bytes(&signature),
            )
            .map_err(|_| "the signature does not verify".to_owned())
    }
}

/// The newest head in the file, or `None` when the file does not exist. Every line must parse;
/// a line that does not is an error naming it (an intruder who cannot sign can only damage the
/// file, and that must show).
pub(crate) fn read(path: &Path) -> Result<Option<SavedHead>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot be read: {e}")),
    };
    let mut newest: Option<SavedHead> = None;
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let head = SavedHead::parse(line).map_err(|e| format!("line {}: {e}", number + 1))?;
        if newest.as_ref().is_none_or(|n| head.seq >= n.seq) {
            newest = Some(head);
        }
    }
    newest.map_or_else(|| Err("it holds no head".to_owned()), |head| Ok(Some(head)))
}

/// Replaces the file with `head`, through a temporary file and a rename, so that a reader
/// never sees half a line. The file is private to its owner.
pub(crate) fn write(path: &Path, head: &SavedHead) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    writeln!(temp, "{}", head.to_line())?;
    temp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
