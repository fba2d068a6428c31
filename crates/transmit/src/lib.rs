//! Transmissions between Whereabouts instances: what a bureau sends to the agency (and the
//! agency on to the power of origin), signed, sequenced, acknowledged and, for offline travel,
//! encrypted to the recipient.
//!
//! The law: a bureau forwards what it records "immediately … by the most rapid means" through
//! the protecting power and likewise through the Central Agency (GC3-122-c, GC4-137; XC-5), and
//! every written communication is authenticated by a signature or seal (XC-4, GC3-122-h,
//! GC4-137-c).
//!
//! This crate is pure: it does no IO. Callers read and write files and databases and pass the
//! bytes in. The only thing taken from the operating system is randomness for new keys and
//! nonces ([`getrandom`]).
//!
//! - [`keys`]: Ed25519 signing keys per tenant and per accountable officer, the tenant's X25519
//!   key for bundles, key identifiers, exported public key sets and the receiver's [`KeyRing`]
//!   of pinned peers with revocations.
//! - [`envelope`]: the [`Envelope`] (header, typed [`Content`], content hash, two signatures)
//!   and its verification, which names every refusal with a [`VerifyError`].
//! - [`ledger`]: the receiver's per-channel bookkeeping: duplicates, reused sequence numbers
//!   and gaps.
//! - [`receipt`]: the acknowledgement the recipient signs.
//! - [`pull`]: the signed request a recipient fetches what waits for it with.
//! - [`bundle`]: the signed envelope encrypted to the recipient's key for a USB stick.
//! - [`stream`]: format 2, the chunked bundle and streamed envelope a receiver checks and
//!   applies in bounded memory.
//!
//! The wire format is described in `docs/transmissions.md`.
#![forbid(unsafe_code)]

pub mod bundle;
pub mod content;
pub mod envelope;
pub mod keys;
pub mod ledger;
pub mod pull;
pub mod receipt;
pub mod stream;
pub mod visit;

pub use bundle::{
    BundleError, BundleHeader, bundle_header, bundle_recipient, open_bundle, seal_bundle,
};
pub use content::{
    CardField, CardNamePart, CardValue, Content, ContentError, DeathNotice, EnquiryAnswer,
    EnquiryNotice, EnquiryWithdrawal, EventNotice, ListNotice, PersonCard,
};
pub use envelope::{Channel, Envelope, Header, Purpose, VerifiedEnvelope, VerifyError};
pub use keys::{
    KeyError, KeyId, KeyOwner, KeyRing, PeerKeys, PublicKey, PublicKeySet, Revocation, SecretKey,
};
pub use ledger::{Admission, ChannelKey, Ledger};
pub use pull::{PullRequest, SignedPullRequest};
pub use receipt::{Acknowledgement, ReceiptStatus, SignedReceipt};
pub use visit::{
    AllegationPart, ConditionPart, FollowUpPart, InterviewPart, PerpetratorPart, RefusalEndPart,
    RefusalPart, ReplyPart, RepresentationPart, SeenPart, StepPart, VisitPart, VisitReport,
};

/// The version of the envelope, receipt and key-set formats this crate writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// `sha256:` and the lower-case hex digest of `bytes`.
#[must_use]
pub fn content_hash(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// Fresh random bytes from the operating system.
///
/// # Errors
/// When the operating system has no randomness to give (a broken sandbox).
pub fn random_bytes<const N: usize>() -> Result<[u8; N], KeyError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| KeyError::Randomness(e.to_string()))?;
    Ok(bytes)
}
