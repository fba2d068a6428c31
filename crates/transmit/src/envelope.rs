//! The envelope: one signed, sequenced transmission on one channel.
//!
//! On the wire an envelope is JSON with three parts: `body`, the exact text of the header and
//! contents as signed; `content_hash`, the SHA-256 of those bytes; and two `signatures`, the
//! accountable officer's and the tenant's (XC-4). Keeping the body as text means the receiver
//! verifies the very bytes that were signed, whatever its JSON library would re-serialise.

use serde::{Deserialize, Serialize};

use crate::content::Content;
use crate::keys::{KeyError, KeyId, KeyRing, PublicKey, SecretKey, verify};
use crate::{FORMAT_VERSION, content_hash};

const SIGN_CONTEXT_ENVELOPE: &[u8] = b"whereabouts/envelope/v1\0";
const SIGN_CONTEXT_MANIFEST: &[u8] = b"whereabouts/envelope/v2\0";

/// The two channels of XC-5: the Central Agency and the protecting power. Each is tracked
/// separately, with its own sequence numbers and acknowledgements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    Agency,
    ProtectingPower,
    /// Issue 6: a delegate's laptop to its protection unit (never to a party or the agency).
    Field,
}

impl Channel {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::ProtectingPower => "protecting-power",
            Self::Field => "field",
        }
    }
}

impl std::str::FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "agency" => Ok(Self::Agency),
            "protecting-power" => Ok(Self::ProtectingPower),
            "field" => Ok(Self::Field),
            other => Err(format!(
                "unknown channel {other:?}: expected agency or protecting-power"
            )),
        }
    }
}

/// Why the envelope was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// GC3-122-c / GC4-137: the bureau's duty to inform.
    Notification,
    /// GC3-122-g: answers to enquiries.
    EnquiryAnswer,
    /// GC3-122-g, GC4-137-a: the agency's enquiries to a bureau (issue 5).
    Enquiry,
    /// GC3-123-a / GC4-140: the agency forwarding to the power of origin.
    Forwarding,
    /// Issue 6: a delegate's laptop reporting a visit to its own protection unit.
    VisitReport,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: u32,
    /// The sending tenant's slug.
    pub sender: String,
    /// The recipient tenant's slug, as pinned by the sender.
    pub recipient: String,
    pub channel: Channel,
    pub purpose: Purpose,
    /// 1, 2, 3, … per sender → recipient channel.
    pub sequence: u64,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The accountable officer who signs (XC-4).
    pub officer: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Body {
    header: Header,
    contents: Vec<Content>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureEntry {
    pub key: KeyId,
    pub signature: String,
}

/// A signed envelope as it travels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub body: String,
    pub content_hash: String,
    /// The officer's signature first, then the tenant's.
    pub signatures: Vec<SignatureEntry>,
}

/// Why an envelope was refused. Each names the fault without the envelope's personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not an envelope: {0}")]
    Malformed(String),
    #[error("envelope format {found} is not supported (this version reads {supported})")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("tampered: the content hash does not match the contents")]
    Tampered,
    #[error("addressed to {found:?}, not to this tenant ({expected:?})")]
    WrongRecipient { expected: String, found: String },
    #[error("unknown sender {0:?}: no keys are pinned for it (whereabouts keys import-peer)")]
    UnknownSender(String),
    #[error("signed with key {0}, which is not pinned for the sender")]
    UnknownKey(KeyId),
    #[error("signed with key {key}, revoked on {revoked_at}: {reason}")]
    RevokedKey {
        key: KeyId,
        revoked_at: String,
        reason: String,
    },
    #[error("key {key} is not the {role} key of the sender")]
    WrongKeyRole { key: KeyId, role: &'static str },
    #[error("the {0} signature does not verify")]
    BadSignature(&'static str),
    #[error("the envelope needs an officer's and a tenant's signature; found {0}")]
    MissingSignature(usize),
    #[error(transparent)]
    Key(#[from] KeyError),
}

impl VerifyError {
    /// A short stable code for the ledger and the acknowledgement.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::UnsupportedVersion { .. } => "unsupported-version",
            Self::Tampered => "tampered",
            Self::WrongRecipient { .. } => "wrong-recipient",
            Self::UnknownSender(_) => "unknown-sender",
            Self::UnknownKey(_) => "unknown-key",
            Self::RevokedKey { .. } => "revoked-key",
            Self::WrongKeyRole { .. } => "wrong-key-role",
            Self::BadSignature(_) => "bad-signature",
            Self::MissingSignature(_) => "missing-signature",
            Self::Key(_) => "bad-key",
        }
    }
}

/// An envelope whose hash and signatures checked out against the receiver's pinned keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedEnvelope {
    pub header: Header,
    pub contents: Vec<Content>,
    pub content_hash: String,
    pub officer_key: KeyId,
    pub tenant_key: KeyId,
}

impl Envelope {
    /// Builds and signs an envelope. `officer` signs as the accountable officer, `tenant` as
    /// the bureau's seal; both must belong to `header.sender`.
    ///
    /// # Errors
    /// When a key belongs to someone else, or the officer key is not the named officer's.
    pub fn seal(
        header: Header,
        contents: Vec<Content>,
        officer: &SecretKey,
        tenant: &SecretKey,
    ) -> Result<Self, VerifyError> {
        check_signers(&header, officer, tenant)?;
        let body = serde_json::to_string(&Body { header, contents })
            .map_err(|e| VerifyError::Malformed(e.to_string()))?;
        Ok(Self::sign_body(
            body,
            SIGN_CONTEXT_ENVELOPE,
            officer,
            tenant,
        ))
    }

    /// Format 2 ([`crate::stream`]): an envelope whose body is the manifest of streamed
    /// notices, signed under its own context so it can never pass for format 1.
    ///
    /// # Errors
    /// As [`Envelope::seal`].
    pub fn seal_manifest(
        manifest: &crate::stream::Manifest,
        officer: &SecretKey,
        tenant: &SecretKey,
    ) -> Result<Self, VerifyError> {
        check_signers(&manifest.header, officer, tenant)?;
        let body =
            serde_json::to_string(manifest).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        Ok(Self::sign_body(
            body,
            SIGN_CONTEXT_MANIFEST,
            officer,
            tenant,
        ))
    }

    fn sign_body(body: String, context: &[u8], officer: &SecretKey, tenant: &SecretKey) -> Self {
        let hash = content_hash(body.as_bytes());
        let signatures = vec![
            SignatureEntry {
                key: officer.public.id.clone(),
                signature: officer.sign(context, body.as_bytes()),
            },
            SignatureEntry {
                key: tenant.public.id.clone(),
                signature: tenant.sign(context, body.as_bytes()),
            },
        ];
        Self {
            body,
            content_hash: hash,
            signatures,
        }
    }
}

fn check_signers(
    header: &Header,
    officer: &SecretKey,
    tenant: &SecretKey,
) -> Result<(), VerifyError> {
    {
        if officer.public.owner.tenant != header.sender
            || officer.public.owner.officer.as_deref() != Some(header.officer.as_str())
        {
            return Err(VerifyError::WrongKeyRole {
                key: officer.public.id.clone(),
                role: "officer",
            });
        }
        if tenant.public.owner.tenant != header.sender || !tenant.public.is_tenant_key() {
            return Err(VerifyError::WrongKeyRole {
                key: tenant.public.id.clone(),
                role: "tenant",
            });
        }
        Ok(())
    }
}

impl Envelope {
    /// The wire form: one JSON document.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising a struct of strings cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads the wire form; nothing is checked yet.
    ///
    /// # Errors
    /// When the bytes are not an envelope.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VerifyError> {
        serde_json::from_slice(bytes).map_err(|e| {
            VerifyError::Malformed(format!("line {}, column {}: {e}", e.line(), e.column()))
        })
    }

    /// The header, read without checking anything: for the ledger's record of a rejection.
    #[must_use]
    pub fn unverified_header(&self) -> Option<Header> {
        serde_json::from_str::<Body>(&self.body)
            .ok()
            .map(|b| b.header)
    }

    /// Checks the envelope for the receiving tenant `me` against its pinned keys, in this
    /// order: hash, format, recipient, sender, then each signature's key and the signature.
    ///
    /// # Errors
    /// The first fault found, as a [`VerifyError`].
    pub fn verify(&self, me: &str, ring: &KeyRing) -> Result<VerifiedEnvelope, VerifyError> {
        if content_hash(self.body.as_bytes()) != self.content_hash {
            return Err(VerifyError::Tampered);
        }
        let body: Body = serde_json::from_str(&self.body)
            .map_err(|e| VerifyError::Malformed(format!("body: {e}")))?;
        let (officer_key, tenant_key) = self.check_header(
            &body.header,
            me,
            ring,
            FORMAT_VERSION,
            SIGN_CONTEXT_ENVELOPE,
        )?;
        Ok(VerifiedEnvelope {
            header: body.header,
            contents: body.contents,
            content_hash: self.content_hash.clone(),
            officer_key,
            tenant_key,
        })
    }

    /// The header, of format 1 or 2, read without checking anything.
    #[must_use]
    pub fn unverified_any_header(&self) -> Option<Header> {
        #[derive(Deserialize)]
        struct HeaderOnly {
            header: Header,
        }
        serde_json::from_str::<HeaderOnly>(&self.body)
            .ok()
            .map(|b| b.header)
    }

    /// Checks a streamed envelope's manifest (format 2) as [`Envelope::verify`] checks a
    /// format 1 envelope; the notices are checked against it as they are read
    /// ([`crate::stream::NoticeReader`]).
    ///
    /// # Errors
    /// The first fault found.
    pub fn verify_manifest(
        &self,
        me: &str,
        ring: &KeyRing,
    ) -> Result<(crate::stream::Manifest, KeyId, KeyId), VerifyError> {
        if content_hash(self.body.as_bytes()) != self.content_hash {
            return Err(VerifyError::Tampered);
        }
        let manifest: crate::stream::Manifest = serde_json::from_str(&self.body)
            .map_err(|e| VerifyError::Malformed(format!("manifest: {e}")))?;
        let (officer, tenant) = self.check_header(
            &manifest.header,
            me,
            ring,
            crate::stream::STREAM_FORMAT,
            SIGN_CONTEXT_MANIFEST,
        )?;
        Ok((manifest, officer, tenant))
    }

    fn check_header(
        &self,
        header: &Header,
        me: &str,
        ring: &KeyRing,
        format: u32,
        context: &[u8],
    ) -> Result<(KeyId, KeyId), VerifyError> {
        if header.format != format {
            return Err(VerifyError::UnsupportedVersion {
                found: header.format,
                supported: format,
            });
        }
        if header.recipient != me {
            return Err(VerifyError::WrongRecipient {
                expected: me.to_owned(),
                found: header.recipient.clone(),
            });
        }
        let peer = ring
            .peer(&header.sender)
            .ok_or_else(|| VerifyError::UnknownSender(header.sender.clone()))?;
        let [officer_sig, tenant_sig] = self.signatures.as_slice() else {
            return Err(VerifyError::MissingSignature(self.signatures.len()));
        };
        let find = |entry: &SignatureEntry| -> Result<&PublicKey, VerifyError> {
            let key = peer
                .keys
                .iter()
                .find(|k| k.id == entry.key)
                .ok_or_else(|| VerifyError::UnknownKey(entry.key.clone()))?;
            if let Some(revocation) = peer.revocation(&entry.key) {
                return Err(VerifyError::RevokedKey {
                    key: entry.key.clone(),
                    revoked_at: revocation.revoked_at.clone(),
                    reason: revocation.reason.clone(),
                });
            }
            Ok(key)
        };
        let officer_key = find(officer_sig)?;
        if officer_key.owner.officer.as_deref() != Some(header.officer.as_str()) {
            return Err(VerifyError::WrongKeyRole {
                key: officer_key.id.clone(),
                role: "officer",
            });
        }
        let tenant_key = find(tenant_sig)?;
        if !tenant_key.is_tenant_key() {
            return Err(VerifyError::WrongKeyRole {
                key: tenant_key.id.clone(),
                role: "tenant",
            });
        }
        for (key, entry, role) in [
            (officer_key, officer_sig, "officer"),
            (tenant_key, tenant_sig, "tenant"),
        ] {
            if !verify(
                &key.verifying_key()?,
                context,
                self.body.as_bytes(),
                &entry.signature,
            ) {
                return Err(VerifyError::BadSignature(role));
            }
        }
        Ok((officer_key.id.clone(), tenant_key.id.clone()))
    }
}
