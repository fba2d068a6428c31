//! Keys: who may sign for a tenant, and which keys a receiver trusts.
//!
//! Every tenant has a *tenant key* (Ed25519 for the seal, X25519 for bundles addressed to it),
//! and every accountable officer has an *officer key* (Ed25519). An envelope carries both
//! signatures: the officer's, because the conventions ask for a signature tied to a person
//! (XC-4), and the tenant's, as the bureau's seal.
//!
//! Keys are rotated by generating a new one and exporting a new [`PublicKeySet`]; the old one
//! stays valid for what it signed until it is revoked. A receiver pins a peer's keys explicitly
//! (`whereabouts keys import-peer`) and never learns keys from the envelopes themselves.

use std::collections::BTreeMap;
use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::FORMAT_VERSION;

/// Prefix of every message a key signs, so that a signature over an envelope can never be
/// passed off as one over a receipt or a key set.
pub(crate) const SIGN_CONTEXT_KEYSET: &[u8] = b"whereabouts/keyset/v1\0";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("no randomness available: {0}")]
    Randomness(String),
    #[error("key {field} is not {expected} hex-encoded bytes")]
    BadEncoding {
        field: &'static str,
        expected: usize,
    },
    #[error("key {0} is not a valid Ed25519 public key")]
    BadPoint(KeyId),
    #[error("key {0} does not match its identifier")]
    IdMismatch(KeyId),
    #[error("key set of {tenant:?} is malformed: {reason}")]
    MalformedSet { tenant: String, reason: String },
    #[error("key set of {tenant:?} is not signed by one of its own tenant keys")]
    SetNotSelfSigned { tenant: String },
    #[error(
        "key set of {tenant:?} is not signed by a key already pinned for that peer; remove the peer and pin again after checking the fingerprint"
    )]
    NotSignedByPinnedKey { tenant: String },
    #[error("key set format {found} is not supported (this version reads {supported})")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("key {0} is not an officer key of this tenant")]
    NotOfficerKey(KeyId),
}

/// A key identifier: `ed25519:` and the first 16 bytes of the SHA-256 of the public key, in hex.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyId(String);

impl KeyId {
    #[must_use]
    pub fn of(public: &[u8; 32]) -> Self {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(public);
        Self(format!("ed25519:{}", hex::encode(&digest[..16])))
    }

    /// An identifier as read from a file or database, not checked against any key.
    #[must_use]
    pub fn from_text(text: &str) -> Self {
        Self(text.to_owned())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whose key it is: a tenant's seal (`officer` is `None`) or an officer of that tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyOwner {
    /// The tenant's slug, which peers also use to address it.
    pub tenant: String,
    pub officer: Option<String>,
}

/// The public half of a key, as exported to peers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    pub id: KeyId,
    pub owner: KeyOwner,
    /// Ed25519 verifying key, hex.
    pub signing: String,
    /// X25519 public key for bundles, hex; tenant keys only.
    pub encryption: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

pub(crate) fn decode32(text: &str, field: &'static str) -> Result<[u8; 32], KeyError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).map_err(|_| KeyError::BadEncoding {
        field,
        expected: 32,
    })?;
    Ok(out)
}

impl PublicKey {
    /// The Ed25519 key, checked against the identifier.
    ///
    /// # Errors
    /// When the hex is wrong, the point is not on the curve, or the identifier does not match.
    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyError> {
        let bytes = decode32(&self.signing, "signing")?;
        if KeyId::of(&bytes) != self.id {
            return Err(KeyError::IdMismatch(self.id.clone()));
        }
        VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::BadPoint(self.id.clone()))
    }

    /// The X25519 key that bundles for this tenant are encrypted to.
    ///
    /// # Errors
    /// When the key has none or its hex is wrong.
    pub fn encryption_key(&self) -> Result<[u8; 32], KeyError> {
        let text = self.encryption.as_deref().ok_or(KeyError::BadEncoding {
            field: "encryption",
            expected: 32,
        })?;
        decode32(text, "encryption")
    }

    #[must_use]
    pub fn is_tenant_key(&self) -> bool {
        self.owner.officer.is_none()
    }
}

/// A key pair held by its owner. The secret halves never leave the owner's instance.
#[derive(Clone)]
pub struct SecretKey {
    pub public: PublicKey,
    signing: SigningKey,
    encryption: Option<x25519_dalek::StaticSecret>,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl SecretKey {
    /// A new key: a tenant key (with an X25519 half) when `owner.officer` is `None`, else an
    /// officer key.
    ///
    /// # Errors
    /// When the operating system gives no randomness.
    pub fn generate(owner: KeyOwner, created_at: &str) -> Result<Self, KeyError> {
        let seed: [u8; 32] = crate::random_bytes()?;
        let encryption = if owner.officer.is_none() {
            Some(crate::random_bytes::<32>()?)
        } else {
            None
        };
        Ok(Self::from_parts(owner, created_at, &seed, encryption))
    }

    /// Rebuilds a key from its stored secret halves.
    #[must_use]
    pub fn from_parts(
        owner: KeyOwner,
        created_at: &str,
        signing_seed: &[u8; 32],
        encryption_secret: Option<[u8; 32]>,
    ) -> Self {
        let signing = SigningKey::from_bytes(signing_seed);
        let encryption = encryption_secret.map(x25519_dalek::StaticSecret::from);
        let verifying = signing.verifying_key().to_bytes();
        let public = PublicKey {
            id: KeyId::of(&verifying),
            owner,
            signing: hex::encode(verifying),
            encryption: encryption
                .as_ref()
                .map(|secret| hex::encode(x25519_dalek::PublicKey::from(secret).as_bytes())),
            created_at: created_at.to_owned(),
        };
        Self {
            public,
            signing,
            encryption,
        }
    }

    /// The 32-byte Ed25519 seed, for the owner's own store.
    #[must_use]
    pub fn signing_seed(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }

    /// The X25519 secret, for the owner's own store.
    #[must_use]
    pub fn encryption_secret(&self) -> Option<[u8; 32]> {
        self.encryption
            .as_ref()
            .map(x25519_dalek::StaticSecret::to_bytes)
    }

    pub(crate) fn x25519(&self) -> Option<&x25519_dalek::StaticSecret> {
        self.encryption.as_ref()
    }

    /// Signs `context ‖ message`, hex-encoded.
    pub(crate) fn sign(&self, context: &[u8], message: &[u8]) -> String {
        let mut signed = Vec::with_capacity(context.len() + message.len());
        signed.extend_from_slice(context);
        signed.extend_from_slice(message);
        hex::encode(self.signing.sign(&signed).to_bytes())
    }
}

/// Verifies a hex signature over `context ‖ message`.
pub(crate) fn verify(key: &VerifyingKey, context: &[u8], message: &[u8], signature: &str) -> bool {
    let mut bytes = [0u8; 64];
    if hex::decode_to_slice(signature, &mut bytes).is_err() {
        return false;
    }
    let signature = ed25519_dalek::Signature::from_bytes(&bytes);
    let mut signed = Vec::with_capacity(context.len() + message.len());
    signed.extend_from_slice(context);
    signed.extend_from_slice(message);
    key.verify_strict(&signed, &signature).is_ok()
}

/// A key its owner has withdrawn. Envelopes it signed are refused from then on, whenever they
/// were made: a lost key may have signed anything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    pub key: KeyId,
    /// RFC 3339.
    pub revoked_at: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct KeySetBody {
    format: u32,
    tenant: String,
    tenant_name: String,
    keys: Vec<PublicKey>,
    revoked: Vec<Revocation>,
}

/// What `whereabouts keys export` writes: a tenant's public keys and revocations, signed by one
/// of its current tenant keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeySet {
    /// The JSON of the signed part, kept as the exact bytes that were signed.
    body: String,
    signed_by: KeyId,
    signature: String,
}

/// The checked contents of a [`PublicKeySet`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerKeys {
    pub tenant: String,
    pub tenant_name: String,
    pub keys: Vec<PublicKey>,
    pub revoked: Vec<Revocation>,
    pub signed_by: KeyId,
}

impl PeerKeys {
    /// Whether `id` is revoked by this set.
    #[must_use]
    pub fn revocation(&self, id: &KeyId) -> Option<&Revocation> {
        self.revoked.iter().find(|r| &r.key == id)
    }
}

impl PublicKeySet {
    /// Signs the set with `signer`, which must be one of the tenant keys listed.
    ///
    /// # Errors
    /// When the signer is not a tenant key of `tenant` in `keys`, or is revoked.
    pub fn sign(
        tenant_name: &str,
        keys: Vec<PublicKey>,
        revoked: Vec<Revocation>,
        signer: &SecretKey,
    ) -> Result<Self, KeyError> {
        let tenant = signer.public.owner.tenant.clone();
        let listed = keys.iter().any(|k| k == &signer.public);
        let withdrawn = revoked.iter().any(|r| r.key == signer.public.id);
        if !signer.public.is_tenant_key() || !listed || withdrawn {
            return Err(KeyError::SetNotSelfSigned { tenant });
        }
        let body = KeySetBody {
            format: FORMAT_VERSION,
            tenant,
            tenant_name: tenant_name.to_owned(),
            keys,
            revoked,
        };
        let body = serde_json::to_string(&body).map_err(|e| KeyError::MalformedSet {
            tenant: body.tenant.clone(),
            reason: e.to_string(),
        })?;
        let signature = signer.sign(SIGN_CONTEXT_KEYSET, body.as_bytes());
        Ok(Self {
            body,
            signed_by: signer.public.id.clone(),
            signature,
        })
    }

    /// Checks the set on its own: well formed, every key matches its identifier and belongs to
    /// the tenant, and the signer is one of its unrevoked tenant keys.
    ///
    /// # Errors
    /// A [`KeyError`] naming the fault.
    pub fn open(&self) -> Result<PeerKeys, KeyError> {
        let body: KeySetBody =
            serde_json::from_str(&self.body).map_err(|e| KeyError::MalformedSet {
                tenant: String::new(),
                reason: e.to_string(),
            })?;
        if body.format != FORMAT_VERSION {
            return Err(KeyError::UnsupportedVersion {
                found: body.format,
                supported: FORMAT_VERSION,
            });
        }
        for key in &body.keys {
            key.verifying_key()?;
            if key.owner.tenant != body.tenant {
                return Err(KeyError::MalformedSet {
                    tenant: body.tenant.clone(),
                    reason: format!("key {} belongs to {:?}", key.id, key.owner.tenant),
                });
            }
        }
        let signer = body
            .keys
            .iter()
            .find(|k| k.id == self.signed_by && k.is_tenant_key())
            .filter(|k| !body.revoked.iter().any(|r| r.key == k.id))
            .ok_or_else(|| KeyError::SetNotSelfSigned {
                tenant: body.tenant.clone(),
            })?;
        if !verify(
            &signer.verifying_key()?,
            SIGN_CONTEXT_KEYSET,
            self.body.as_bytes(),
            &self.signature,
        ) {
            return Err(KeyError::SetNotSelfSigned {
                tenant: body.tenant.clone(),
            });
        }
        Ok(PeerKeys {
            tenant: body.tenant,
            tenant_name: body.tenant_name,
            keys: body.keys,
            revoked: body.revoked,
            signed_by: self.signed_by.clone(),
        })
    }
}

/// The keys a receiver trusts: its pinned peers, each with keys and revocations.
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    peers: BTreeMap<String, PeerKeys>,
}

impl KeyRing {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Pins a peer for the first time, or takes an update of an already pinned peer. An update
    /// must be signed by a tenant key pinned before and not revoked since, so that nobody can
    /// swap a peer's keys by sending a fresh set; a first pin is trusted because the operator
    /// checked its fingerprint out of band.
    ///
    /// # Errors
    /// When the set does not check, or an update is not signed by a pinned key.
    pub fn pin(&mut self, set: &PublicKeySet) -> Result<&PeerKeys, KeyError> {
        let opened = set.open()?;
        if let Some(existing) = self.peers.get(&opened.tenant) {
            let continuous = existing
                .keys
                .iter()
                .any(|k| k.id == opened.signed_by && k.is_tenant_key())
                && existing.revocation(&opened.signed_by).is_none();
            if !continuous {
                return Err(KeyError::NotSignedByPinnedKey {
                    tenant: opened.tenant,
                });
            }
        }
        let tenant = opened.tenant.clone();
        self.insert(opened);
        Ok(&self.peers[&tenant])
    }

    /// Adds already checked keys, e.g. as loaded back from the receiver's own store. Keys
    /// revoked before stay revoked: a later set never takes a revocation back.
    pub fn insert(&mut self, mut peer: PeerKeys) {
        if let Some(existing) = self.peers.get(&peer.tenant) {
            for revocation in &existing.revoked {
                if peer.revocation(&revocation.key).is_none() {
                    peer.revoked.push(revocation.clone());
                }
            }
        }
        self.peers.insert(peer.tenant.clone(), peer);
    }

    /// Records a revocation the receiver learnt of by other means (a telephone call, a letter).
    pub fn revoke(&mut self, tenant: &str, revocation: Revocation) {
        if let Some(peer) = self.peers.get_mut(tenant)
            && peer.revocation(&revocation.key).is_none()
        {
            peer.revoked.push(revocation);
        }
    }

    #[must_use]
    pub fn peer(&self, tenant: &str) -> Option<&PeerKeys> {
        self.peers.get(tenant)
    }

    pub fn peers(&self) -> impl Iterator<Item = &PeerKeys> {
        self.peers.values()
    }
}
