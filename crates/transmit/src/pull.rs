//! Pull (issue 5: "the server pushes and pulls on its own"): a recipient fetches the envelopes
//! a sender holds for it from the sender's outbox, instead of waiting for pushes (a sender that
//! cannot be reached from outside, or a recipient that wants to choose when it receives).
//!
//! The recipient signs each request with its tenant key: the holder answers only a peer whose
//! keys it pinned, and only with what waits for that peer (encrypted to the peer's pinned key,
//! so even a replayed request fetches nothing anyone else can read). A request carries the
//! receipts of what the recipient applied since, so the holder learns what arrived without a
//! connection of its own. It is dated, and refused outside a window around the holder's clock.

use serde::{Deserialize, Serialize};

use crate::FORMAT_VERSION;
use crate::envelope::VerifyError;
use crate::keys::{KeyId, KeyRing, SecretKey};
use crate::receipt::verify_tenant_signature;

const SIGN_CONTEXT_PULL: &[u8] = b"whereabouts/pull/v1\0";

/// How far a request's date may be from the holder's clock, in seconds.
pub const PULL_WINDOW_SECONDS: i64 = 300;

/// What a recipient asks of a holder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub format: u32,
    /// The tenant asking (the envelopes' recipient), by slug.
    pub requester: String,
    /// The tenant whose outbox is asked (the envelopes' sender), by slug.
    pub holder: String,
    /// RFC 3339, the requester's clock.
    pub at: String,
    /// Signed receipts (their JSON text) for envelopes fetched before.
    #[serde(default)]
    pub receipts: Vec<String>,
}

/// A [`PullRequest`] with the requester's tenant-key signature over its exact JSON text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedPullRequest {
    pub body: String,
    pub key: KeyId,
    pub signature: String,
}

impl SignedPullRequest {
    /// # Errors
    /// When `key` is not the requester's tenant key.
    pub fn sign(request: &PullRequest, key: &SecretKey) -> Result<Self, VerifyError> {
        if key.public.owner.tenant != request.requester || !key.public.is_tenant_key() {
            return Err(VerifyError::WrongKeyRole {
                key: key.public.id.clone(),
                role: "tenant",
            });
        }
        let body =
            serde_json::to_string(request).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        let signature = key.sign(SIGN_CONTEXT_PULL, body.as_bytes());
        Ok(Self {
            body,
            key: key.public.id.clone(),
            signature,
        })
    }

    /// The request as claimed, before verification (to find the holder's tenant).
    ///
    /// # Errors
    /// A body that is not a pull request.
    pub fn claimed(&self) -> Result<PullRequest, VerifyError> {
        let request: PullRequest = serde_json::from_str(&self.body).map_err(|e| {
            VerifyError::Malformed(format!(
                "pull request: line {}, column {}: {e}",
                e.line(),
                e.column()
            ))
        })?;
        if request.format != FORMAT_VERSION {
            return Err(VerifyError::UnsupportedVersion {
                found: request.format,
                supported: FORMAT_VERSION,
            });
        }
        Ok(request)
    }

    /// Checks the request against the holder's pinned keys for the requester.
    ///
    /// # Errors
    /// A malformed body, an unknown requester, a key not among its pinned tenant keys, a
    /// revoked key, or a bad signature. (The date is the caller's to check against its clock.)
    pub fn verify(&self, ring: &KeyRing) -> Result<PullRequest, VerifyError> {
        let request = self.claimed()?;
        verify_tenant_signature(
            ring,
            &request.requester,
            &self.key,
            SIGN_CONTEXT_PULL,
            &self.body,
            &self.signature,
            "pull request",
        )?;
        Ok(request)
    }

    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// # Errors
    /// When the bytes are not a signed pull request.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        serde_json::from_slice(bytes).map_err(|e| {
            VerifyError::Malformed(format!(
                "pull request: line {}, column {}: {e}",
                e.line(),
                e.column()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyOwner, PublicKeySet};

    fn tenant_key(tenant: &str) -> SecretKey {
        SecretKey::generate(
            KeyOwner {
                tenant: tenant.into(),
                officer: None,
            },
            "2026-11-01T00:00:00Z",
        )
        .unwrap()
    }

    fn request() -> PullRequest {
        PullRequest {
            format: FORMAT_VERSION,
            requester: "agency".into(),
            holder: "bureau-a".into(),
            at: "2026-11-01T00:00:00Z".into(),
            receipts: vec![],
        }
    }

    #[test]
    fn a_pinned_requester_verifies_and_anything_else_is_named() {
        let agency = tenant_key("agency");
        let signed = SignedPullRequest::sign(&request(), &agency).unwrap();
        let set =
            PublicKeySet::sign("Agency", vec![agency.public.clone()], vec![], &agency).unwrap();
        let mut ring = KeyRing::new();
        ring.pin(&set).unwrap();
        assert_eq!(signed.verify(&ring).unwrap(), request());
        let round = SignedPullRequest::from_bytes(&signed.to_bytes()).unwrap();
        assert_eq!(round, signed);

        // A changed body, another key, an unknown requester, the wrong signer.
        let mut altered = signed.clone();
        altered.body = altered.body.replace("bureau-a", "bureau-b");
        assert_eq!(altered.verify(&ring).unwrap_err().code(), "bad-signature");
        let stranger = tenant_key("agency");
        let other = SignedPullRequest::sign(&request(), &stranger).unwrap();
        assert_eq!(other.verify(&ring).unwrap_err().code(), "unknown-key");
        assert_eq!(
            signed.verify(&KeyRing::new()).unwrap_err().code(),
            "unknown-sender"
        );
        let bureau = tenant_key("bureau-a");
        assert_eq!(
            SignedPullRequest::sign(&request(), &bureau)
                .unwrap_err()
                .code(),
            "wrong-key-role"
        );
        let error = SignedPullRequest::from_bytes(b"{\"body\":").unwrap_err();
        assert!(error.to_string().contains("line 1, column 8"), "{error}");
    }
}
