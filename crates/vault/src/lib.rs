//! The key hierarchy of Whereabouts (SEC-3, issue 7).
//!
//! ```text
//! master key (outside the database: key file, WHEREABOUTS_MASTER_KEY, or a KMS/HSM behind KeyProvider)
//!   └─ wraps ─> data key of each tenant, per version (stored in the database only wrapped)
//!                 └─ seals ─> protected fields (XChaCha20-Poly1305, tenant and field bound as AAD)
//! ```
//!
//! This crate holds no database code: the store keeps the wrapped keys and calls [`wrap_data_key`],
//! [`unwrap_data_key`], [`seal`] and [`open`]. Secrets never print (`Debug` is redacted) and
//! are zeroed when dropped.

#![forbid(unsafe_code)]

mod master;
mod recovery;
mod seal;

pub use master::{
    EnvKeyProvider, FileKeyProvider, KeyProvider, MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, MasterKey,
    MasterKeyId, StaticKeyProvider, provider_from_env,
};
pub use recovery::{RecoveryPublicKey, RecoverySecretKey, SealedTo, StreamKey, open_from, seal_to};
pub use seal::{
    DataKey, SEALED_OVERHEAD, SealedHeader, derive_subkey, open, seal, sealed_header,
    unwrap_data_key, wrap_data_key,
};
/// Re-exported so that callers can hold opened plaintext without naming `zeroize` themselves.
pub use zeroize::Zeroizing;

/// What can go wrong. Messages never contain key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error(
        "no master key: set {MASTER_KEY_ENV} or {MASTER_KEY_FILE_ENV}, or keep the key file beside the database"
    )]
    NoMasterKey,
    #[error("master key {0} is not available from the key provider (was it retired too early?)")]
    UnknownMasterKey(MasterKeyId),
    #[error("key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("{source_name}: {reason}")]
    BadKey { source_name: String, reason: String },
    #[error("sealed value is malformed: {0}")]
    Malformed(&'static str),
    #[error(
        "sealed value does not open: altered, moved to another field or tenant, or sealed under another key"
    )]
    Decryption,
    #[error("no randomness available: {0}")]
    Randomness(String),
}

/// Fills an array from the operating system's generator.
///
/// # Errors
/// When the operating system has no randomness to give.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| VaultError::Randomness(e.to_string()))?;
    Ok(bytes)
}
