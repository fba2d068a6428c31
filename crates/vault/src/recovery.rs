//! Encryption to an offline recovery key, for backups that leave the machine.
//!
//! The recovery key pair is X25519; its secret half is kept offline (paper, a safe, a hardware
//! token), so a stolen backup and a stolen server give nothing without it. Each backup draws
//! an ephemeral key pair, `k = HKDF-SHA256(salt = E ‖ R, ikm = X25519(e, R), info)`, and encrypts
//! with XChaCha20-Poly1305 under `k` with the caller's header as associated data.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::VaultError;

const INFO: &[u8] = b"whereabouts/backup/v1";
const PUBLIC_PREFIX: &str = "whereabouts-recovery-public-v1 ";
const SECRET_PREFIX: &str = "whereabouts-recovery-secret-v1 ";

/// The public half, which the server holds to encrypt backups.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RecoveryPublicKey([u8; 32]);

/// The secret half, kept offline. `Debug` is redacted; zeroed on drop.
pub struct RecoverySecretKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for RecoveryPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecoveryPublicKey({})", self.id())
    }
}

impl fmt::Debug for RecoverySecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoverySecretKey(<redacted>)")
    }
}

fn parse(text: &str, prefix: &str, what: &str) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let bad = || VaultError::BadKey {
        source_name: what.to_owned(),
        reason: format!("expected one line `{}<64 hex digits>`", prefix),
    };
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(bad)?;
    let hex_text = line.strip_prefix(prefix).ok_or_else(bad)?;
    let mut bytes = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(hex_text.trim(), bytes.as_mut_slice()).map_err(|_| bad())?;
    Ok(bytes)
}

impl RecoveryPublicKey {
    /// # Errors
    /// When the text is not a recovery public key.
    pub fn parse(text: &str) -> Result<Self, VaultError> {
        Ok(Self(*parse(text, PUBLIC_PREFIX, "recovery public key")?))
    }

    #[must_use]
    pub fn to_text(&self) -> String {
        format!("{PUBLIC_PREFIX}{}\n", hex::encode(self.0))
    }

    /// The first 8 bytes in hex: names the key in a backup's header.
    #[must_use]
    pub fn id(&self) -> String {
        hex::encode(&self.0[..8])
    }
}

impl RecoverySecretKey {
    /// A fresh pair.
    ///
    /// # Errors
    /// When no randomness is available.
    pub fn generate() -> Result<(Self, RecoveryPublicKey), VaultError> {
        let secret = Zeroizing::new(crate::random_bytes::<32>()?);
        let public = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*secret));
        Ok((Self(secret), RecoveryPublicKey(*public.as_bytes())))
    }

    /// # Errors
    /// When the text is not a recovery secret key.
    pub fn parse(text: &str) -> Result<Self, VaultError> {
        Ok(Self(parse(text, SECRET_PREFIX, "recovery secret key")?))
    }

    /// The key as text, to be written to a 0600 file or printed for paper. Handle with care.
    #[must_use]
    pub fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "# Whereabouts backup recovery key: keep it offline; it opens every backup.\n{SECRET_PREFIX}{}\n",
            hex::encode(self.0.as_slice())
        ))
    }

    #[must_use]
    pub fn public(&self) -> RecoveryPublicKey {
        let public = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*self.0));
        RecoveryPublicKey(*public.as_bytes())
    }
}

fn derive(shared: &[u8; 32], ephemeral: &[u8; 32], recipient: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(recipient);
    let hkdf = hkdf::Hkdf::<sha2::Sha256>::new(Some(&salt), shared);
    let mut key = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's output limit.
    let _ = hkdf.expand(INFO, key.as_mut_slice());
    key
}

/// What a reader needs besides the ciphertext: the ephemeral public key and the nonce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedTo {
    pub ephemeral: [u8; 32],
    pub nonce: [u8; 24],
    pub ciphertext: Vec<u8>,
}

/// Encrypts `plaintext` to `recipient`, binding `header` (the caller's clear header).
///
/// # Errors
/// When no randomness is available or the recipient key is weak.
pub fn seal_to(
    recipient: &RecoveryPublicKey,
    header: &[u8],
    plaintext: &[u8],
) -> Result<SealedTo, VaultError> {
    let ephemeral_secret = x25519_dalek::StaticSecret::from(crate::random_bytes::<32>()?);
    let ephemeral = *x25519_dalek::PublicKey::from(&ephemeral_secret).as_bytes();
    let shared = ephemeral_secret.diffie_hellman(&x25519_dalek::PublicKey::from(recipient.0));
    if !shared.was_contributory() {
        return Err(VaultError::BadKey {
            source_name: "recovery public key".into(),
            reason: "a low-order point".into(),
        });
    }
    let key = derive(shared.as_bytes(), &ephemeral, &recipient.0);
    let nonce: [u8; 24] = crate::random_bytes()?;
    let ciphertext = XChaCha20Poly1305::new(&(*key).into())
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: header,
            },
        )
        .map_err(|_| VaultError::Decryption)?;
    Ok(SealedTo {
        ephemeral,
        nonce,
        ciphertext,
    })
}

/// Decrypts what [`seal_to`] made for this key with the same header.
///
/// # Errors
/// [`VaultError::Decryption`] for another key, another header or altered bytes.
pub fn open_from(
    secret: &RecoverySecretKey,
    header: &[u8],
    sealed: &SealedTo,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let static_secret = x25519_dalek::StaticSecret::from(*secret.0);
    let recipient = *x25519_dalek::PublicKey::from(&static_secret).as_bytes();
    let shared = static_secret.diffie_hellman(&x25519_dalek::PublicKey::from(sealed.ephemeral));
    if !shared.was_contributory() {
        return Err(VaultError::Decryption);
    }
    let key = derive(shared.as_bytes(), &sealed.ephemeral, &recipient);
    XChaCha20Poly1305::new(&(*key).into())
        .decrypt(
            &XNonce::from(sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad: header,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Decryption)
}

/// A backup encrypted as a stream: the key agreed once with the recovery key, then chunks of
/// bounded size, each XChaCha20-Poly1305 with nonce `prefix ‖ index` and associated data
/// `SHA-256(header) ‖ index ‖ last`, so that no chunk can be moved, dropped, replayed from
/// another backup, or the stream cut short without the reader noticing (the STREAM
/// construction). Neither side holds more than one chunk.
pub struct StreamKey {
    pub ephemeral: [u8; 32],
    pub nonce_prefix: [u8; 16],
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for StreamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamKey(<redacted>)")
    }
}

fn chunk_aad(header: &[u8], index: u64, last: bool) -> Vec<u8> {
    use sha2::Digest;
    let mut aad = sha2::Sha256::digest(header).to_vec();
    aad.extend_from_slice(&index.to_be_bytes());
    aad.push(u8::from(last));
    aad
}

fn chunk_nonce(prefix: &[u8; 16], index: u64) -> XNonce {
    let mut nonce = [0u8; 24];
    nonce[..16].copy_from_slice(prefix);
    nonce[16..].copy_from_slice(&index.to_be_bytes());
    XNonce::from(nonce)
}

impl StreamKey {
    /// The sender's side: a fresh ephemeral key and nonce prefix for `recipient`.
    ///
    /// # Errors
    /// When no randomness is available or the recipient key is weak.
    pub fn to(recipient: &RecoveryPublicKey) -> Result<Self, VaultError> {
        let ephemeral_secret = x25519_dalek::StaticSecret::from(crate::random_bytes::<32>()?);
        let ephemeral = *x25519_dalek::PublicKey::from(&ephemeral_secret).as_bytes();
        let shared = ephemeral_secret.diffie_hellman(&x25519_dalek::PublicKey::from(recipient.0));
        if !shared.was_contributory() {
            return Err(VaultError::BadKey {
                source_name: "recovery public key".into(),
                reason: "a low-order point".into(),
            });
        }
        let key = derive(shared.as_bytes(), &ephemeral, &recipient.0);
        Ok(Self {
            ephemeral,
            nonce_prefix: crate::random_bytes()?,
            cipher: XChaCha20Poly1305::new(&(*key).into()),
        })
    }

    /// The reader's side, from the header's ephemeral key and nonce prefix.
    ///
    /// # Errors
    /// [`VaultError::Decryption`] for a degenerate ephemeral key.
    pub fn from(
        secret: &RecoverySecretKey,
        ephemeral: [u8; 32],
        nonce_prefix: [u8; 16],
    ) -> Result<Self, VaultError> {
        let static_secret = x25519_dalek::StaticSecret::from(*secret.0);
        let recipient = *x25519_dalek::PublicKey::from(&static_secret).as_bytes();
        let shared = static_secret.diffie_hellman(&x25519_dalek::PublicKey::from(ephemeral));
        if !shared.was_contributory() {
            return Err(VaultError::Decryption);
        }
        let key = derive(shared.as_bytes(), &ephemeral, &recipient);
        Ok(Self {
            ephemeral,
            nonce_prefix,
            cipher: XChaCha20Poly1305::new(&(*key).into()),
        })
    }

    /// Encrypts chunk `index` (`last` for the final one) of the stream under `header`.
    ///
    /// # Errors
    /// Only if the cipher refuses (not for any input of sane size).
    pub fn seal_chunk(
        &self,
        header: &[u8],
        index: u64,
        last: bool,
        plain: &[u8],
    ) -> Result<Vec<u8>, VaultError> {
        self.cipher
            .encrypt(
                &chunk_nonce(&self.nonce_prefix, index),
                Payload {
                    msg: plain,
                    aad: &chunk_aad(header, index, last),
                },
            )
            .map_err(|_| VaultError::Decryption)
    }

    /// Decrypts chunk `index`.
    ///
    /// # Errors
    /// [`VaultError::Decryption`] for another key, header, position or flag, or altered bytes.
    pub fn open_chunk(
        &self,
        header: &[u8],
        index: u64,
        last: bool,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        self.cipher
            .decrypt(
                &chunk_nonce(&self.nonce_prefix, index),
                Payload {
                    msg: sealed,
                    aad: &chunk_aad(header, index, last),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| VaultError::Decryption)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_chunks_open_only_in_place_and_under_their_header() {
        let (secret, public) = RecoverySecretKey::generate().unwrap();
        let sender = StreamKey::to(&public).unwrap();
        let a = sender.seal_chunk(b"h", 0, false, b"first").unwrap();
        let b = sender.seal_chunk(b"h", 1, true, b"last").unwrap();
        let reader = StreamKey::from(&secret, sender.ephemeral, sender.nonce_prefix).unwrap();
        assert_eq!(
            reader.open_chunk(b"h", 0, false, &a).unwrap().as_slice(),
            b"first"
        );
        assert_eq!(
            reader.open_chunk(b"h", 1, true, &b).unwrap().as_slice(),
            b"last"
        );
        // Swapped, cut short (a middle chunk claimed as last), or under another header: refused.
        assert!(reader.open_chunk(b"h", 0, false, &b).is_err());
        assert!(reader.open_chunk(b"h", 0, true, &a).is_err());
        assert!(reader.open_chunk(b"other", 0, false, &a).is_err());
        let (other, _) = RecoverySecretKey::generate().unwrap();
        let stranger = StreamKey::from(&other, sender.ephemeral, sender.nonce_prefix).unwrap();
        assert!(stranger.open_chunk(b"h", 0, false, &a).is_err());
        assert!(!format!("{sender:?}").contains(&hex::encode(sender.nonce_prefix)));
    }

    #[test]
    fn only_the_recovery_key_opens_and_the_header_is_bound() {
        let (secret, public) = RecoverySecretKey::generate().unwrap();
        let sealed = seal_to(&public, b"header", b"snapshot bytes").unwrap();
        assert_eq!(
            open_from(&secret, b"header", &sealed).unwrap().as_slice(),
            b"snapshot bytes"
        );
        assert!(open_from(&secret, b"other header", &sealed).is_err());
        let (other, _) = RecoverySecretKey::generate().unwrap();
        assert!(open_from(&other, b"header", &sealed).is_err());
        let mut altered = sealed.clone();
        altered.ciphertext[0] ^= 1;
        assert!(open_from(&secret, b"header", &altered).is_err());
        // Text forms round-trip; the secret never prints.
        let secret2 = RecoverySecretKey::parse(&secret.to_text()).unwrap();
        assert_eq!(secret2.public(), public);
        assert_eq!(RecoveryPublicKey::parse(&public.to_text()).unwrap(), public);
        assert!(!format!("{secret:?}").contains(&hex::encode(secret.0.as_slice())));
        assert!(RecoveryPublicKey::parse("mk1 00").is_err());
    }
}
