//! The acknowledgement receipt the recipient signs with its tenant key (XC-5: "a delivery
//! acknowledgement" per channel). It names the envelope by its hash, says what became of it,
//! and lists the sequence numbers still missing on that channel.

use serde::{Deserialize, Serialize};

use crate::FORMAT_VERSION;
use crate::envelope::{Channel, VerifyError};
use crate::keys::{KeyId, KeyRing, SecretKey, verify};

const SIGN_CONTEXT_RECEIPT: &[u8] = b"whereabouts/receipt/v1\0";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// Verified and applied: `applied` notices became records.
    Applied { applied: usize },
    /// Received before; nothing was applied again.
    Duplicate,
    /// Refused; nothing was applied. `code` is a [`VerifyError::code`] or a ledger code.
    Rejected { code: String, reason: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    pub format: u32,
    pub envelope_hash: String,
    /// The tenant acknowledging, i.e. the envelope's recipient.
    pub recipient: String,
    /// The sender, as named in the envelope (may be unverified when rejected).
    pub sender: String,
    pub channel: Option<Channel>,
    pub sequence: Option<u64>,
    pub received_at: String,
    pub status: ReceiptStatus,
    pub missing: Vec<u64>,
    /// A visit bundle's receipt (issue 6, ICRC-VIS-e): the ids of the letters it carried
    /// (allegation steps, representations, replies) that the recipient holds once it is
    /// applied. The laptop stops sending those; the others (about an allegation the unit does
    /// not hold yet) travel again. Omitted when empty, so other receipts read and sign as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub letters: Vec<String>,
}

/// Checks `signature` over `context ‖ body` by `key`, which must be one of the tenant keys
/// pinned for `tenant` and not revoked (receipts and pull requests are signed this way).
///
/// # Errors
/// Unknown tenant, a key not among its pinned tenant keys, a revoked key, a bad signature.
pub(crate) fn verify_tenant_signature(
    ring: &KeyRing,
    tenant: &str,
    key: &KeyId,
    context: &[u8],
    body: &str,
    signature: &str,
    what: &'static str,
) -> Result<(), VerifyError> {
    let peer = ring
        .peer(tenant)
        .ok_or_else(|| VerifyError::UnknownSender(tenant.to_owned()))?;
    let pinned = peer
        .keys
        .iter()
        .find(|k| &k.id == key && k.is_tenant_key())
        .ok_or_else(|| VerifyError::UnknownKey(key.clone()))?;
    if let Some(revocation) = peer.revocation(key) {
        return Err(VerifyError::RevokedKey {
            key: key.clone(),
            revoked_at: revocation.revoked_at.clone(),
            reason: revocation.reason.clone(),
        });
    }
    if !verify(
        &pinned.verifying_key()?,
        context,
        body.as_bytes(),
        signature,
    ) {
        return Err(VerifyError::BadSignature(what));
    }
    Ok(())
}

/// An [`Acknowledgement`] with the recipient's signature over its exact JSON text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedReceipt {
    pub body: String,
    pub key: KeyId,
    pub signature: String,
}

impl SignedReceipt {
    /// # Errors
    /// When `key` is not the recipient's tenant key.
    pub fn sign(ack: &Acknowledgement, key: &SecretKey) -> Result<Self, VerifyError> {
        if key.public.owner.tenant != ack.recipient || !key.public.is_tenant_key() {
            return Err(VerifyError::WrongKeyRole {
                key: key.public.id.clone(),
                role: "tenant",
            });
        }
        let body = serde_json::to_string(ack).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        let signature = key.sign(SIGN_CONTEXT_RECEIPT, body.as_bytes());
        Ok(Self {
            body,
            key: key.public.id.clone(),
            signature,
        })
    }

    /// Checks a receipt against the sender's pinned keys for its recipient.
    ///
    /// # Errors
    /// Unknown recipient, unknown or revoked key, bad signature, or a malformed body.
    pub fn verify(&self, ring: &KeyRing) -> Result<Acknowledgement, VerifyError> {
        let ack: Acknowledgement = serde_json::from_str(&self.body)
            .map_err(|e| VerifyError::Malformed(format!("receipt: {e}")))?;
        if ack.format != FORMAT_VERSION {
            return Err(VerifyError::UnsupportedVersion {
                found: ack.format,
                supported: FORMAT_VERSION,
            });
        }
        verify_tenant_signature(
            ring,
            &ack.recipient,
            &self.key,
            SIGN_CONTEXT_RECEIPT,
            &self.body,
            &self.signature,
            "receipt",
        )?;
        Ok(ack)
    }

    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// # Errors
    /// When the bytes are not a receipt.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        serde_json::from_slice(bytes).map_err(|e| {
            VerifyError::Malformed(format!("line {}, column {}: {e}", e.line(), e.column()))
        })
    }
}
