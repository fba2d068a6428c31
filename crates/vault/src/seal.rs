//! Data keys and sealed values.
//!
//! Sealed value: `0x01 | key version (u32, big-endian) | nonce (24) | ciphertext and tag`. The
//! associated data binds it to the tenant, the key version and a context (the table and column,
//! optionally the row), so a ciphertext copied to another field, row or tenant does not open.
//!
//! Wrapped data key: `0x01 | nonce (24) | ciphertext and tag` under the master key, with the
//! owner, the data key's version and the master key's id as associated data.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::{MasterKey, MasterKeyId, VaultError};

const FORMAT: u8 = 1;
const NONCE: usize = 24;
const TAG: usize = 16;
const HEADER: usize = 1 + 4 + NONCE;
/// Bytes a sealed value adds to its plaintext.
pub const SEALED_OVERHEAD: usize = HEADER + TAG;

/// A tenant's data key (32 bytes). `Debug` is redacted; zeroed on drop.
#[derive(Clone)]
pub struct DataKey {
    bytes: Zeroizing<[u8; 32]>,
}

impl DataKey {
    /// A fresh random key.
    ///
    /// # Errors
    /// When the operating system has no randomness.
    pub fn generate() -> Result<Self, VaultError> {
        Ok(Self {
            bytes: Zeroizing::new(crate::random_bytes()?),
        })
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

fn wrap_aad(owner: Uuid, version: u32, master: &MasterKeyId) -> Vec<u8> {
    let mut aad = b"whereabouts/data-key/v1\0".to_vec();
    aad.extend_from_slice(owner.as_bytes());
    aad.extend_from_slice(&version.to_be_bytes());
    aad.extend_from_slice(master.as_str().as_bytes());
    aad
}

fn field_aad(owner: Uuid, version: u32, context: &str) -> Vec<u8> {
    let mut aad = b"whereabouts/field/v1\0".to_vec();
    aad.extend_from_slice(owner.as_bytes());
    aad.extend_from_slice(&version.to_be_bytes());
    aad.extend_from_slice(context.as_bytes());
    aad
}

fn encrypt(
    key: &[u8; 32],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; NONCE], Vec<u8>), VaultError> {
    let nonce: [u8; NONCE] = crate::random_bytes()?;
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| VaultError::Decryption)?;
    Ok((nonce, ciphertext))
}

fn decrypt(
    key: &[u8; 32],
    aad: &[u8],
    nonce: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let nonce: [u8; NONCE] = nonce
        .try_into()
        .map_err(|_| VaultError::Malformed("nonce"))?;
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Decryption)
}

/// Wraps `key` (version `version` of `owner`'s data key) under the master key.
///
/// # Errors
/// When no randomness is available.
pub fn wrap_data_key(
    master: &MasterKey,
    owner: Uuid,
    version: u32,
    key: &DataKey,
) -> Result<Vec<u8>, VaultError> {
    let aad = wrap_aad(owner, version, master.id());
    let (nonce, ciphertext) = encrypt(master.bytes(), &aad, key.bytes.as_slice())?;
    let mut out = Vec::with_capacity(1 + NONCE + ciphertext.len());
    out.push(FORMAT);
    out.extend_from_slice(&nonce);
    out.extend(ciphertext);
    Ok(out)
}

/// Unwraps a data key wrapped by [`wrap_data_key`] with the same owner, version and master key.
///
/// # Errors
/// [`VaultError::Decryption`] when anything differs or the bytes were altered.
pub fn unwrap_data_key(
    master: &MasterKey,
    owner: Uuid,
    version: u32,
    wrapped: &[u8],
) -> Result<DataKey, VaultError> {
    if wrapped.len() != 1 + NONCE + 32 + TAG {
        return Err(VaultError::Malformed("wrapped key length"));
    }
    if wrapped[0] != FORMAT {
        return Err(VaultError::Malformed("wrapped key format"));
    }
    let aad = wrap_aad(owner, version, master.id());
    let plain = decrypt(
        master.bytes(),
        &aad,
        &wrapped[1..=NONCE],
        &wrapped[1 + NONCE..],
    )?;
    let bytes: [u8; 32] = plain
        .as_slice()
        .try_into()
        .map_err(|_| VaultError::Malformed("data key length"))?;
    Ok(DataKey {
        bytes: Zeroizing::new(bytes),
    })
}

/// Seals `plaintext` under `owner`'s data key of `version`, bound to `context`.
///
/// # Errors
/// When no randomness is available.
pub fn seal(
    key: &DataKey,
    owner: Uuid,
    version: u32,
    context: &str,
    plaintext: &[u8],
) -> Result<Vec<u8>, VaultError> {
    let aad = field_aad(owner, version, context);
    let (nonce, ciphertext) = encrypt(&key.bytes, &aad, plaintext)?;
    let mut out = Vec::with_capacity(HEADER + ciphertext.len());
    out.push(FORMAT);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&nonce);
    out.extend(ciphertext);
    Ok(out)
}

/// The clear part of a sealed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealedHeader {
    pub format: u8,
    /// Which version of the owner's data key sealed it.
    pub key_version: u32,
}

/// Reads the header, to know which data key opens the value.
///
/// # Errors
/// When the value is too short or of an unknown format.
pub fn sealed_header(sealed: &[u8]) -> Result<SealedHeader, VaultError> {
    if sealed.len() < SEALED_OVERHEAD {
        return Err(VaultError::Malformed("too short"));
    }
    if sealed[0] != FORMAT {
        return Err(VaultError::Malformed("unknown format version"));
    }
    let mut version = [0u8; 4];
    version.copy_from_slice(&sealed[1..5]);
    Ok(SealedHeader {
        format: sealed[0],
        key_version: u32::from_be_bytes(version),
    })
}

/// Opens a value sealed by [`seal`] for the same owner and context.
///
/// # Errors
/// [`VaultError::Decryption`] when it was altered or belongs to another owner, context or key.
pub fn open(
    key: &DataKey,
    owner: Uuid,
    context: &str,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let header = sealed_header(sealed)?;
    let aad = field_aad(owner, header.key_version, context);
    decrypt(&key.bytes, &aad, &sealed[5..HEADER], &sealed[HEADER..])
}

/// A key derived from a data key for another purpose (a blind index, the audit chain): HMAC-SHA256
/// of the label under the data key. Different labels give independent keys.
#[must_use]
pub fn derive_subkey(key: &DataKey, label: &str) -> Zeroizing<[u8; 32]> {
    let mut mac = <Hmac<sha2::Sha256>>::new_from_slice(key.bytes.as_slice())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"whereabouts/subkey/v1\0");
    mac.update(label.as_bytes());
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (MasterKey, DataKey, Uuid) {
        (
            MasterKey::generate().unwrap(),
            DataKey::generate().unwrap(),
            Uuid::new_v4(),
        )
    }

    #[test]
    fn sealed_values_open_only_in_their_place() {
        let (_, key, tenant) = setup();
        let sealed = seal(&key, tenant, 1, "interviews.notes", b"fictional note").unwrap();
        assert_eq!(sealed.len(), b"fictional note".len() + SEALED_OVERHEAD);
        assert!(!sealed.windows(10).any(|w| w == b"fictional "));
        assert_eq!(
            open(&key, tenant, "interviews.notes", &sealed)
                .unwrap()
                .as_slice(),
            b"fictional note"
        );
        // Another context, another tenant, another key, a flipped bit: nothing opens.
        assert!(open(&key, tenant, "interviews.summary", &sealed).is_err());
        assert!(open(&key, Uuid::new_v4(), "interviews.notes", &sealed).is_err());
        assert!(
            open(
                &DataKey::generate().unwrap(),
                tenant,
                "interviews.notes",
                &sealed
            )
            .is_err()
        );
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(open(&key, tenant, "interviews.notes", &flipped).is_err());
        // A changed key version in the header changes the associated data.
        let mut moved = sealed.clone();
        moved[4] = 2;
        assert!(open(&key, tenant, "interviews.notes", &moved).is_err());
        assert!(matches!(
            open(&key, tenant, "x", &sealed[..10]),
            Err(VaultError::Malformed(_))
        ));
    }

    #[test]
    fn nonces_are_fresh() {
        let (_, key, tenant) = setup();
        let a = seal(&key, tenant, 1, "c", b"same").unwrap();
        let b = seal(&key, tenant, 1, "c", b"same").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn wrapped_keys_bind_owner_version_and_master() {
        let (master, key, tenant) = setup();
        let wrapped = wrap_data_key(&master, tenant, 3, &key).unwrap();
        let back = unwrap_data_key(&master, tenant, 3, &wrapped).unwrap();
        let sealed = seal(&key, tenant, 3, "c", b"x").unwrap();
        assert_eq!(open(&back, tenant, "c", &sealed).unwrap().as_slice(), b"x");
        assert!(unwrap_data_key(&master, tenant, 4, &wrapped).is_err());
        assert!(unwrap_data_key(&master, Uuid::new_v4(), 3, &wrapped).is_err());
        assert!(unwrap_data_key(&MasterKey::generate().unwrap(), tenant, 3, &wrapped).is_err());
        assert!(!format!("{back:?}").contains(&hex::encode(key.bytes.as_slice())));
    }

    #[test]
    fn subkeys_differ_by_label() {
        let (_, key, _) = setup();
        assert_ne!(*derive_subkey(&key, "audit"), *derive_subkey(&key, "names"));
        assert_eq!(*derive_subkey(&key, "audit"), *derive_subkey(&key, "audit"));
    }
}
