//! The unit's receipt of a visit bundle, and the laptop keeping it (issue 6, ICRC-VIS-e).
//!
//! A letter written on the laptop about the allegation of an older visit (a step, a
//! representation, a reply) travels with every later report (`VisitReport::carried`) until the
//! laptop knows the unit holds it. `visit import` writes a receipt signed with the unit's tenant
//! key (the transmissions' [`SignedReceipt`], XC-5): the envelope applied and the ids of the
//! bundle's letters the unit holds once it is applied. `visit receipt` on the laptop verifies it
//! against the unit's pinned keys and keeps those ids (migration 0023); `visit export` then
//! leaves them out. A letter the unit could not record yet (its allegation's visit never sent)
//! is not named, and a bundle lost on the way produces no receipt: such letters keep travelling.

use anyhow::bail;
use domain::Tenant;
use store::{AuditAction, AuditEntry, Store, TenantScope};
use transmit::{Acknowledgement, Channel, ReceiptStatus, SignedReceipt, VerifiedEnvelope};
use uuid::Uuid;
use web::transmission::{OwnKeys, load_ring, now_text};

use super::Merged;

/// The unit's receipt for the laptop that sent `envelope`, signed with the unit's tenant key.
pub(super) fn sign(
    own: &OwnKeys,
    unit: &Tenant,
    envelope: &VerifiedEnvelope,
    merged: &Merged,
) -> anyhow::Result<SignedReceipt> {
    let mut letters: Vec<String> = merged.letters_held.iter().map(Uuid::to_string).collect();
    letters.sort();
    letters.dedup();
    let ack = Acknowledgement {
        format: transmit::FORMAT_VERSION,
        envelope_hash: envelope.content_hash.clone(),
        recipient: unit.slug.clone(),
        sender: envelope.header.sender.clone(),
        channel: Some(Channel::Field),
        sequence: Some(envelope.header.sequence),
        received_at: now_text(),
        status: ReceiptStatus::Applied {
            applied: envelope.contents.len(),
        },
        missing: Vec::new(),
        letters,
    };
    Ok(SignedReceipt::sign(&ack, &own.current(None)?)?)
}

/// On the laptop: verifies the receipt `bytes` against the keys pinned for `from` and keeps the
/// letters it names. Answers how many letters it names and how many were new here. A receipt
/// signed by another peer, for another sender, not about a visit bundle or not applied is
/// refused and nothing is kept.
pub(super) async fn accept(
    store: &Store,
    laptop: &Tenant,
    scope: &TenantScope,
    from: &str,
    bytes: &[u8],
) -> anyhow::Result<(usize, usize)> {
    let ring = load_ring(store, scope).await?;
    let receipt = SignedReceipt::from_bytes(bytes)?;
    let ack = receipt.verify(&ring)?;
    if ack.recipient != from {
        bail!(
            "the receipt is signed by {:?}, not by {from:?}",
            ack.recipient
        );
    }
    if ack.sender != laptop.slug {
        bail!(
            "the receipt is for a bundle from {:?}, not from {:?}",
            ack.sender,
            laptop.slug
        );
    }
    if ack.channel != Some(Channel::Field) {
        bail!("the receipt is not about a visit bundle: use `whereabouts receipt`");
    }
    if !matches!(ack.status, ReceiptStatus::Applied { .. }) {
        bail!("the receipt does not say the bundle was applied: nothing is kept");
    }
    let mut letters = Vec::with_capacity(ack.letters.len());
    for (i, text) in ack.letters.iter().enumerate() {
        letters.push(
            Uuid::parse_str(text).map_err(|e| anyhow::anyhow!("receipt: letters[{i}]: {e}"))?,
        );
    }
    let new = store
        .record_letters_received(scope, from, &ack.envelope_hash, &ack.received_at, &letters)
        .await?;
    store
        .audit(
            scope,
            AuditEntry::new(
                AuditAction::Receive,
                format!("receipt:{}", ack.envelope_hash),
            )
            .detail(format!(
                "from {from}: visit bundle applied, {} letter(s) held",
                letters.len()
            ))
            .records(i64::try_from(new).unwrap_or(i64::MAX)),
        )
        .await?;
    Ok((letters.len(), new))
}
