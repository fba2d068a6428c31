//! File bundles: a signed envelope encrypted to the recipient's tenant key, for a USB stick or
//! a courier where there is no connection (XC-5: paper or removable media carrying identical
//! contents).
//!
//! The scheme is the usual ephemeral-static Diffie-Hellman construction, written out so that it
//! can be reviewed (docs/transmissions.md); every primitive comes from an audited crate:
//!
//! 1. a fresh X25519 key pair `(e, E)` per bundle; `S = X25519(e, R)` with the recipient's
//!    X25519 key `R`; a low-order `R` that makes `S` non-contributory is refused;
//! 2. `k = HKDF-SHA256(salt = E ‖ R, ikm = S, info = "whereabouts/bundle/v1")`, 32 bytes;
//! 3. XChaCha20-Poly1305 under `k` with a random 24-byte nonce, the associated data being the
//!    two header lines, so the recipient and key named in the clear cannot be altered.
//!
//! Layout: `WAB1\n`, one line of JSON ([`BundleHeader`]), then the ciphertext.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

use crate::keys::{KeyError, KeyId, PublicKey, SecretKey, decode32};

const MAGIC: &[u8] = b"WAB1\n";
const INFO: &[u8] = b"whereabouts/bundle/v1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleHeader {
    pub format: u32,
    /// The recipient tenant's slug.
    pub recipient: String,
    /// The recipient's tenant key the bundle is encrypted to.
    pub recipient_key: KeyId,
    pub ephemeral: String,
    pub nonce: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("not a Whereabouts bundle (no WAB1 header)")]
    NotABundle,
    #[error("bundle header is malformed: {0}")]
    BadHeader(String),
    #[error("bundle is for {recipient:?} (key {key}), not for this tenant")]
    WrongRecipient { recipient: String, key: KeyId },
    #[error("bundle does not decrypt: it was altered, truncated or made for another key")]
    Decryption,
    /// Format 2: the bundle ends before its last chunk (cut short, or its end altered).
    #[error("bundle is truncated: it ends before its last chunk")]
    Truncated,
    #[error("the recipient key has no encryption half")]
    NoEncryptionKey,
    #[error("the recipient key is weak (low-order point)")]
    WeakKey,
    #[error(transparent)]
    Key(#[from] KeyError),
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

/// Encrypts `envelope` (its wire bytes) to `recipient`'s tenant key.
///
/// # Errors
/// When the key has no encryption half, is weak, or no randomness is available.
pub fn seal_bundle(envelope: &[u8], recipient: &PublicKey) -> Result<Vec<u8>, BundleError> {
    if !recipient.is_tenant_key() || recipient.encryption.is_none() {
        return Err(BundleError::NoEncryptionKey);
    }
    let recipient_public = recipient.encryption_key()?;
    let ephemeral_secret = x25519_dalek::StaticSecret::from(crate::random_bytes::<32>()?);
    let ephemeral_public = *x25519_dalek::PublicKey::from(&ephemeral_secret).as_bytes();
    let shared = ephemeral_secret.diffie_hellman(&x25519_dalek::PublicKey::from(recipient_public));
    if !shared.was_contributory() {
        return Err(BundleError::WeakKey);
    }
    let key = derive(shared.as_bytes(), &ephemeral_public, &recipient_public);
    let nonce: [u8; 24] = crate::random_bytes()?;
    let header = BundleHeader {
        format: crate::FORMAT_VERSION,
        recipient: recipient.owner.tenant.clone(),
        recipient_key: recipient.id.clone(),
        ephemeral: hex::encode(ephemeral_public),
        nonce: hex::encode(nonce),
    };
    let mut out = MAGIC.to_vec();
    out.extend(serde_json::to_vec(&header).map_err(|e| BundleError::BadHeader(e.to_string()))?);
    out.push(b'\n');
    let cipher = XChaCha20Poly1305::new(&key.into());
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: envelope,
                aad: &out,
            },
        )
        .map_err(|_| BundleError::Decryption)?;
    out.extend(ciphertext);
    Ok(out)
}

/// Reads the clear header of a bundle.
///
/// # Errors
/// When the bytes are not a bundle.
pub fn bundle_header(bytes: &[u8]) -> Result<(BundleHeader, usize), BundleError> {
    let rest = bytes.strip_prefix(MAGIC).ok_or(BundleError::NotABundle)?;
    let end = rest
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| BundleError::BadHeader("no end of header line".into()))?;
    let header: BundleHeader = serde_json::from_slice(&rest[..end])
        .map_err(|e| BundleError::BadHeader(format!("column {}: {e}", e.column())))?;
    if header.format != crate::FORMAT_VERSION {
        return Err(BundleError::BadHeader(format!(
            "format {} is not supported",
            header.format
        )));
    }
    Ok((header, MAGIC.len() + end + 1))
}

/// Decrypts a bundle with whichever of `keys` (the receiver's tenant keys, current and
/// rotated) it was made for, and returns the envelope's wire bytes.
///
/// # Errors
/// A bundle for another tenant or key, or one that was altered.
pub fn open_bundle(bytes: &[u8], keys: &[SecretKey]) -> Result<Vec<u8>, BundleError> {
    let (header, body_start) = bundle_header(bytes)?;
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
    let mut nonce = [0u8; 24];
    hex::decode_to_slice(&header.nonce, &mut nonce)
        .map_err(|_| BundleError::BadHeader("nonce is not 24 hex-encoded bytes".into()))?;
    let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(ephemeral));
    if !shared.was_contributory() {
        return Err(BundleError::WeakKey);
    }
    let key = derive(shared.as_bytes(), &ephemeral, &recipient_public);
    let cipher = XChaCha20Poly1305::new(&key.into());
    cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &bytes[body_start..],
                aad: &bytes[..body_start],
            },
        )
        .map_err(|_| BundleError::Decryption)
}

/// The recipient tenant named in the clear header of a bundle of either format, from its
/// first bytes (a few kilobytes suffice).
///
/// # Errors
/// Bytes that are not the start of a bundle.
pub fn bundle_recipient(start: &[u8]) -> Result<String, BundleError> {
    if crate::stream::is_stream_bundle(start) {
        let rest = &start[MAGIC.len()..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| BundleError::BadHeader("no end of header line".into()))?;
        let header: crate::stream::StreamHeader = serde_json::from_slice(&rest[..end])
            .map_err(|e| BundleError::BadHeader(format!("column {}: {e}", e.column())))?;
        return Ok(header.recipient);
    }
    bundle_header(start).map(|(header, _)| header.recipient)
}
