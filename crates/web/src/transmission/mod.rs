//! Transmissions between instances (issue 5; XC-4, XC-5, GC3-122-c, GC3-123-a, GC4-137,
//! GC4-140): the one place that composes, receives and forwards envelopes. The CLI's
//! `transmit`, `receive` and `forward` and the server's receive endpoint and sender loop all go
//! through here, so a bundle on a USB stick and a push over HTTP carry identical bytes and are
//! checked and applied by the same code.
//!
//! - [`receive_bundle`]: open, verify, admit (ledger) and apply a bundle, with the persons, the
//!   detriment flags and the ledger row in one transaction, then sign a receipt.
//! - [`prepare_cards`] / [`commit_prepared`]: the bureau's capture and internment cards for a
//!   peer, recorded with the notifications they meet (the obligation engine's input).
//! - [`forward_to_origin`]: the agency's forwarding to a power of origin, deciding per person
//!   with `domain::forwarding` and recording every decision.
//! - [`push`]: the HTTP client and the sender loop; [`compliance`]: the compliance view.

pub mod compliance;
pub mod lists;
pub mod messages;
pub mod notices;
pub mod pull;
pub mod push;
pub mod status;
pub mod tls;

use std::collections::{BTreeMap, HashMap, HashSet};

use domain::forwarding::{ForwardingDecision, WithheldBecause};
use domain::{
    Assertion, Channel, Confidence, FieldKey, NotificationKind, PersonCategory, PersonId, RuleId,
    SourceKind, Tenant,
};
use store::{
    AuditAction, AuditEntry, KeyState, NewAcknowledgement, NewAssertion, NewForwardingDecision,
    NewNotification, NewPerson, NewReceived, NewSource, NewTransmission, PersonRecord,
    ReceivedStatus, Store, StoreError, TenantScope,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use transmit::{
    Acknowledgement, Admission, CardField, ChannelKey, Content, Envelope, Header, KeyRing, Ledger,
    PersonCard, PublicKey, PublicKeySet, Purpose, ReceiptStatus, SecretKey, SignedReceipt,
    VerifiedEnvelope,
};

/// A failure of the receiver or sender itself (database, keys), never of the bundle: a bad
/// bundle is an [`Outcome`] with a rejection.
#[derive(Debug, thiserror::Error)]
pub enum TransmissionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Keys(String),
    /// Issue 6 (ICRC-VIS-e): a protection unit transmits nothing, and the field channel carries
    /// only a delegate's visit reports (`whereabouts visit export`).
    #[error("{0}")]
    Refused(&'static str),
}

pub type TransmissionResult<T> = Result<T, TransmissionError>;

fn keys_error(error: impl std::fmt::Display) -> TransmissionError {
    TransmissionError::Keys(error.to_string())
}

#[must_use]
pub fn now_text() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// The secret key of a stored key row, checked against its public half.
///
/// # Errors
/// A corrupt row.
pub fn secret_of(state: &KeyState) -> TransmissionResult<SecretKey> {
    let public: PublicKey = serde_json::from_str(&state.key.public_key)
        .map_err(|e| keys_error(format!("stored key {} is corrupt: {e}", state.key.id)))?;
    let seed: [u8; 32] = state.key.signing_seed.as_slice().try_into().map_err(|_| {
        keys_error(format!(
            "stored key {} has a signing seed of the wrong length",
            state.key.id
        ))
    })?;
    let encryption = match &state.key.encryption_secret {
        Some(bytes) => Some(<[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            keys_error(format!(
                "stored key {} has an encryption secret of the wrong length",
                state.key.id
            ))
        })?),
        None => None,
    };
    let key = SecretKey::from_parts(public.owner.clone(), &public.created_at, &seed, encryption);
    if key.public != public {
        return Err(keys_error(format!(
            "stored key {} does not match its secret half",
            state.key.id
        )));
    }
    Ok(key)
}

/// The tenant's own keys, oldest first.
pub struct OwnKeys {
    pub states: Vec<KeyState>,
}

impl OwnKeys {
    /// # Errors
    /// A database error.
    pub async fn load(store: &Store, scope: &TenantScope) -> TransmissionResult<Self> {
        Ok(Self {
            states: store.transmission_keys(scope).await?,
        })
    }

    /// The newest unrevoked key matching `officer` (`None`: the tenant key).
    ///
    /// # Errors
    /// No such key.
    pub fn current(&self, officer: Option<&str>) -> TransmissionResult<SecretKey> {
        let state = self
            .states
            .iter()
            .rev()
            .find(|s| s.revoked.is_none() && s.key.officer.as_deref() == officer)
            .ok_or_else(|| match officer {
                None => keys_error(
                    "the tenant has no valid tenant key: run `whereabouts keys generate --tenant …`",
                ),
                Some(name) => keys_error(format!(
                    "no valid key for officer {name:?}: run `whereabouts keys generate --tenant … --officer …`"
                )),
            })?;
        secret_of(state)
    }

    /// Every tenant key, revoked or not, for opening bundles made before a rotation.
    ///
    /// # Errors
    /// A corrupt key row.
    pub fn tenant_keys(&self) -> TransmissionResult<Vec<SecretKey>> {
        self.states
            .iter()
            .filter(|s| s.key.officer.is_none())
            .map(secret_of)
            .collect()
    }

    #[must_use]
    pub fn officer_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .states
            .iter()
            .filter(|s| s.revoked.is_none())
            .filter_map(|s| s.key.officer.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The officer who signs: the one named, or the only one there is.
    ///
    /// # Errors
    /// No officer key, or several and none named.
    pub fn officer(&self, named: Option<&str>) -> TransmissionResult<(String, SecretKey)> {
        let name = match named {
            Some(name) => name.to_owned(),
            None => match self.officer_names().as_slice() {
                [one] => one.clone(),
                [] => {
                    return Err(keys_error(
                        "no officer key: run `whereabouts keys generate --tenant … --officer …`",
                    ));
                }
                many => {
                    return Err(keys_error(format!(
                        "several officers can sign ({}): name one",
                        many.join(", ")
                    )));
                }
            },
        };
        let key = self.current(Some(&name))?;
        Ok((name, key))
    }
}

/// The peers' keys as pinned, replayed in order.
///
/// # Errors
/// A corrupt pinned set, or a database error.
pub async fn load_ring(store: &Store, scope: &TenantScope) -> TransmissionResult<KeyRing> {
    let mut ring = KeyRing::new();
    for pinned in store.peer_key_sets(scope).await? {
        let set: PublicKeySet = serde_json::from_str(&pinned.key_set).map_err(|e| {
            keys_error(format!(
                "pinned key set of {:?} is corrupt: {e}",
                pinned.peer
            ))
        })?;
        ring.insert(set.open().map_err(keys_error)?);
    }
    Ok(ring)
}

/// The peer's newest valid tenant key, to encrypt bundles to.
///
/// # Errors
/// No keys pinned for the peer, or none to encrypt to.
pub fn recipient_key<'r>(ring: &'r KeyRing, peer: &str) -> TransmissionResult<&'r PublicKey> {
    let keys = ring.peer(peer).ok_or_else(|| {
        keys_error(format!(
            "no keys pinned for {peer:?}: run `whereabouts keys import-peer` with its exported keys"
        ))
    })?;
    keys.keys
        .iter()
        .rev()
        .find(|k| k.is_tenant_key() && k.encryption.is_some() && keys.revocation(&k.id).is_none())
        .ok_or_else(|| keys_error(format!("{peer:?} has no valid tenant key to encrypt to")))
}

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

/// The card of a person: for each field, the latest assertion (value or reason for absence).
fn card_of(
    reference: &str,
    category: PersonCategory,
    registered_at: OffsetDateTime,
    latest: &BTreeMap<FieldKey, &Assertion>,
    detriment: Option<String>,
) -> Content {
    let card = PersonCard {
        reference: reference.to_owned(),
        category: category.code().to_owned(),
        registered_at: registered_at.format(&Rfc3339).unwrap_or_default(),
        fields: latest
            .values()
            .map(|a| CardField::from_domain(a.field, &a.value))
            .collect(),
        detriment,
    };
    if category.is_civilian() {
        // GC4-106-a: internees have internment cards.
        Content::InternmentCard(card)
    } else {
        // GC3-70-a: prisoners of war have capture cards.
        Content::CaptureCard(card)
    }
}

/// An envelope sealed and encrypted, not yet recorded as sent.
pub struct Prepared {
    pub header: Header,
    pub envelope: Envelope,
    pub wire: Vec<u8>,
    pub bundle: Vec<u8>,
    /// Persons whose first card it carries.
    pub persons: Vec<(PersonId, PersonCategory)>,
    /// Changes (events, deaths) and corrections it carries (issue 5, migration 0011).
    pub changes: notices::Changes,
    /// The envelope is full ([`TRANSMIT_PER_ENVELOPE`] first cards): more persons wait for
    /// the next envelope, prepared once this one is recorded.
    pub more: bool,
}

/// The first cards a bureau's envelope carries at most, as the agency's forwarding
/// ([`FORWARD_PER_ENVELOPE`]): a card is about 1.7 KB, so 5,000 cards and their events make an
/// envelope of some 10 MB, which the sender holds three times (the text, the bundle, the row kept
/// until acknowledged). A bureau's first round at 10^5 persons goes in 20 envelopes, each with
/// the next sequence number, each recorded as sent before the next is prepared.
pub const TRANSMIT_PER_ENVELOPE: usize = 5_000;

/// Seals the cards of every person of the tenant that no envelope to `to` on `channel` has
/// carried yet, at most [`TRANSMIT_PER_ENVELOPE`] ([`prepare_cards_bounded`]). `None` when
/// there is nothing new (no sequence number is used).
///
/// # Errors
/// Missing keys, or a database error.
pub async fn prepare_cards(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    to: &str,
    channel: transmit::Channel,
    officer: Option<&str>,
    since: Option<OffsetDateTime>,
) -> TransmissionResult<Option<Prepared>> {
    prepare_cards_bounded(
        store,
        tenant,
        scope,
        to,
        channel,
        officer,
        since,
        TRANSMIT_PER_ENVELOPE,
    )
    .await
}

/// Seals the cards of the persons of the tenant that no envelope to `to` on `channel` has
/// carried yet, the first `per_envelope` of them in the order registered; the others wait for
/// the next envelope ([`Prepared::more`]), with their events, flags and the lists naming them
/// (XC-5: nothing is lost, nothing goes twice). The changes of persons carried before and
/// the enquiries, answers and withdrawals waiting go in full. `None` when there is nothing new
/// (no sequence number is used). Record it ([`commit_prepared`]) before preparing the next:
/// its sequence number follows.
///
/// # Errors
/// Missing keys, or a database error.
#[allow(clippy::too_many_arguments)]
pub async fn prepare_cards_bounded(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    to: &str,
    channel: transmit::Channel,
    officer: Option<&str>,
    since: Option<OffsetDateTime>,
    per_envelope: usize,
) -> TransmissionResult<Option<Prepared>> {
    let per_envelope = per_envelope.max(1);
    if tenant.kind == domain::TenantKind::ProtectionUnit {
        return Err(TransmissionError::Refused(
            "a protection unit transmits nothing: its data stays in the unit (docs/protection.md)",
        ));
    }
    if channel == transmit::Channel::Field {
        return Err(TransmissionError::Refused(
            "the field channel carries visit reports only: see `whereabouts visit export`",
        ));
    }
    let own = OwnKeys::load(store, scope).await?;
    let seal = own.current(None)?;
    let (officer_name, officer_key) = own.officer(officer)?;
    let ring = load_ring(store, scope).await?;
    let recipient = recipient_key(&ring, to)?.clone();
    // Only a bureau sends cards and changes; any tenant sends the enquiries, answers and lists
    // waiting for `to` (issue 5, migration 0014).
    let bureau = tenant.kind == domain::TenantKind::PartyBureau;
    let mut ids = if bureau {
        store
            .untransmitted_persons(scope, to, channel.code(), since)
            .await?
    } else {
        Vec::new()
    };
    // Bounded: the first cards only; the others (and their events, flags and lists) wait.
    let more = ids.len() > per_envelope;
    ids.truncate(per_envelope);
    let mut changes = if bureau {
        bureau_changes(store, scope, to, channel, &ids).await?
    } else {
        notices::Changes::default()
    };
    let outgoing = messages::outgoing(store, scope, to, channel.code(), &ids, bureau).await?;
    if ids.is_empty() && changes.is_empty() && outgoing.contents.is_empty() {
        return Ok(None);
    }
    let purpose = if !ids.is_empty() || !changes.is_empty() {
        Purpose::Notification
    } else if outgoing.answers > 0 {
        Purpose::EnquiryAnswer
    } else if outgoing.enquiries > 0 || outgoing.withdrawals > 0 {
        Purpose::Enquiry
    } else {
        Purpose::Notification
    };
    // After the cards and changes, so the receiver holds each person a list names.
    changes.contents.extend(outgoing.contents);
    changes.notices.extend(outgoing.notices);
    let flags = store.detriment_flags(scope).await?;
    let records = store.person_records(scope, &ids).await?;
    let mut contents: Vec<Content> = records
        .iter()
        .map(|record| {
            let mut latest: BTreeMap<FieldKey, &Assertion> = BTreeMap::new();
            for assertion in &record.assertions {
                latest.insert(assertion.field, assertion);
            }
            // GC4-137-b: the flag travels to the agency with the card, never suppressing it.
            let detriment = flags
                .get(&record.person.id)
                .map(|reasons| reasons.join("; "));
            card_of(
                &record.person.reference,
                record.person.category,
                record.person.registered_at,
                &latest,
                detriment,
            )
        })
        .collect();
    let persons = records
        .iter()
        .map(|r| (r.person.id, r.person.category))
        .collect();
    // New cards first, so the receiver holds each person before the changes about them.
    contents.extend(changes.contents.iter().cloned());
    seal_prepared(
        store,
        tenant,
        scope,
        to,
        channel,
        purpose,
        &officer_name,
        &officer_key,
        &seal,
        &recipient,
        contents,
        persons,
        changes,
    )
    .await
    .map(|prepared| Some(Prepared { more, ..prepared }))
}

/// A bureau's corrections and changes for `to` on `channel` (GC3-122-e, GC4-136-b,
/// GC3-120-b, GC4-129-a): values recorded since each person's first card, and notifiable
/// events of persons whose card went there already or goes now (`new`).
async fn bureau_changes(
    store: &Store,
    scope: &TenantScope,
    to: &str,
    channel: transmit::Channel,
    new: &[PersonId],
) -> TransmissionResult<notices::Changes> {
    let new: HashSet<PersonId> = new.iter().copied().collect();
    let events: Vec<(PersonId, domain::EventId)> = store
        .untransmitted_events(scope, to, channel.code(), &notices::notifiable_codes())
        .await?
        .into_iter()
        .filter(|e| e.person_carried || new.contains(&e.person))
        .map(|e| (e.person, e.event))
        .collect();
    let corrections = store.pending_corrections(scope, to, channel.code()).await?;
    // GC4-137-b: flags not carried there yet. A new person's go with its card; a flag set
    // after the first card goes with a correction card.
    let flags = store.untransmitted_flags(scope, to, channel.code()).await?;
    let mut changes = notices::Changes::default();
    let mut late_flags: BTreeMap<PersonId, Vec<String>> = BTreeMap::new();
    for flag in flags {
        if new.contains(&flag.person) {
            changes.notices.push(store::NoticeItem {
                person: flag.person,
                kind: store::NoticeKind::DetrimentFlag,
                id: flag.flag,
            });
        } else if flag.person_carried {
            late_flags.entry(flag.person).or_default().push(flag.reason);
            changes.notices.push(store::NoticeItem {
                person: flag.person,
                kind: store::NoticeKind::DetrimentFlag,
                id: flag.flag,
            });
        }
    }
    if events.is_empty() && corrections.is_empty() && late_flags.is_empty() {
        return Ok(changes);
    }
    let mut persons: Vec<PersonId> = events
        .iter()
        .map(|(p, _)| *p)
        .chain(corrections.iter().map(|c| c.person))
        .chain(late_flags.keys().copied())
        .collect();
    persons.sort_unstable();
    persons.dedup();
    let records = store.person_records(scope, &persons).await?;
    let by_id: HashMap<PersonId, &PersonRecord> =
        records.iter().map(|r| (r.person.id, r)).collect();
    // Corrections: per person, the fields with a value recorded since the first card.
    let mut fields: BTreeMap<PersonId, HashSet<FieldKey>> = BTreeMap::new();
    for correction in &corrections {
        let Some(record) = by_id.get(&correction.person) else {
            continue;
        };
        if let Some(assertion) = record
            .assertions
            .iter()
            .find(|a| a.id == correction.assertion)
        {
            fields
                .entry(correction.person)
                .or_default()
                .insert(assertion.field);
        }
        changes.notices.push(store::NoticeItem {
            person: correction.person,
            kind: store::NoticeKind::Assertion,
            id: *correction.assertion.as_uuid(),
        });
    }
    for (person, fields) in &fields {
        if let Some(record) = by_id.get(person) {
            let all: Vec<&Assertion> = record.assertions.iter().collect();
            if let Some(card) = notices::correction_card(record, fields, &all) {
                changes.contents.push(card);
                changes.corrected.push(*person);
            }
        }
    }
    for (person, reasons) in late_flags {
        if let Some(record) = by_id.get(&person) {
            notices::attach_flag(&mut changes.contents, record, reasons.join("; "));
            if !changes.corrected.contains(&person) {
                changes.corrected.push(person);
            }
        }
    }
    let place_names: HashMap<domain::PlaceId, String> = store
        .places(scope)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let (contents, items, sent) =
        notices::event_notices(&by_id, &events, &place_names, notices::Detail::Full);
    changes.contents.extend(contents);
    changes.notices.extend(items);
    changes.events = sent;
    Ok(changes)
}

#[allow(clippy::too_many_arguments)]
async fn seal_prepared(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    to: &str,
    channel: transmit::Channel,
    purpose: Purpose,
    officer_name: &str,
    officer_key: &SecretKey,
    seal: &SecretKey,
    recipient: &PublicKey,
    contents: Vec<Content>,
    persons: Vec<(PersonId, PersonCategory)>,
    changes: notices::Changes,
) -> TransmissionResult<Prepared> {
    let sequence = store.next_sequence(scope, to, channel.code()).await?;
    let header = Header {
        format: transmit::stream::STREAM_FORMAT,
        sender: tenant.slug.clone(),
        recipient: to.to_owned(),
        channel,
        purpose,
        sequence: u64::try_from(sequence).map_err(keys_error)?,
        created_at: now_text(),
        officer: officer_name.to_owned(),
    };
    // Format 2: the receiver verifies and applies it a chunk and a batch at a time.
    let (envelope, wire) =
        transmit::stream::seal_streamed(header.clone(), &contents, officer_key, seal)
            .map_err(keys_error)?;
    drop(contents);
    let bundle = bundle_for(&wire, recipient)?;
    Ok(Prepared {
        header,
        envelope,
        wire,
        bundle,
        persons,
        changes,
        more: false,
    })
}

/// The bundle that carries a stored envelope, encrypted afresh to `recipient`: a streamed
/// envelope (format 2, several lines) in a `WAB2` bundle, a format 1 envelope (one line, sent
/// before format 2) in a `WAB1` bundle.
///
/// # Errors
/// A recipient key that cannot be encrypted to.
pub fn bundle_for(wire: &[u8], recipient: &PublicKey) -> TransmissionResult<Vec<u8>> {
    if wire.contains(&b'\n') {
        transmit::stream::seal_stream_bundle(wire, recipient).map_err(keys_error)
    } else {
        transmit::seal_bundle(wire, recipient).map_err(keys_error)
    }
}

impl Prepared {
    fn new_transmission(&self) -> TransmissionResult<NewTransmission> {
        Ok(NewTransmission {
            recipient: self.header.recipient.clone(),
            channel: self.header.channel.code().to_owned(),
            sequence: i64::try_from(self.header.sequence).map_err(keys_error)?,
            content_hash: self.envelope.content_hash.clone(),
            envelope: String::from_utf8(self.wire.clone()).map_err(keys_error)?,
            officer: self.header.officer.clone(),
            persons: self
                .persons
                .iter()
                .map(|(p, _)| *p)
                .chain(self.changes.corrected.iter().copied())
                .collect(),
            notices: self.changes.notices.clone(),
        })
    }
}

/// The rules a card on `channel` meets (§10): the card itself on the agency channel
/// (GC3-70-a, GC4-106-a), and the bureau's first information on both (GC3-122-c, GC4-136-b).
fn rules_met(category: PersonCategory, channel: transmit::Channel) -> Vec<RuleId> {
    let card = match category {
        PersonCategory::PrisonerOfWar => Some(RuleId::Gc3_70a),
        PersonCategory::CivilianInternee => Some(RuleId::Gc4_106a),
        _ => None,
    };
    let first = if category.is_civilian() {
        RuleId::Gc4_136b
    } else {
        RuleId::Gc3_122c
    };
    match channel {
        transmit::Channel::Agency => card.into_iter().chain([first]).collect(),
        transmit::Channel::ProtectingPower => vec![first],
        // A delegate's laptop to the protection unit: no obligation of a party (issue 6).
        transmit::Channel::Field => Vec::new(),
    }
}

/// Records a prepared envelope as sent, with the notifications it meets: from now on it is
/// the sender's evidence, and the sender loop pushes it until the peer acknowledges it.
///
/// # Errors
/// A sequence number used meanwhile, or a database error.
pub async fn commit_prepared(
    store: &Store,
    scope: &TenantScope,
    prepared: &Prepared,
) -> TransmissionResult<uuid::Uuid> {
    let sent = prepared.new_transmission()?;
    let id = store.record_transmission(scope, &sent).await?;
    let header = &prepared.header;
    audit_sent(
        store,
        scope,
        id,
        prepared,
        "notification (GC3-122-c, GC4-137-a)",
    )
    .await?;
    let sent_at = OffsetDateTime::now_utc();
    let source = store
        .record_source(
            scope,
            &NewSource {
                kind: SourceKind::ClerkEntry,
                reference: format!(
                    "transmission #{} to {} on the {} channel, {}",
                    header.sequence,
                    header.recipient,
                    header.channel.code(),
                    prepared.envelope.content_hash
                ),
                collected_by: header.officer.clone(),
                collected_at: sent_at,
                language: None,
                script: None,
                confidence: Confidence::HIGH,
            },
        )
        .await?;
    let channel = match header.channel {
        transmit::Channel::Agency => Channel::Agency,
        transmit::Channel::ProtectingPower => Channel::ProtectingPower,
        transmit::Channel::Field => return Ok(id),
    };
    let notifications: Vec<NewNotification> = prepared
        .persons
        .iter()
        .flat_map(|(person, category)| {
            rules_met(*category, header.channel)
                .into_iter()
                .map(move |rule| NewNotification {
                    person: *person,
                    rule,
                    trigger_event: None,
                    channel,
                    kind: NotificationKind::Sent,
                    sent_at,
                    reference: prepared.envelope.content_hash.clone(),
                })
        })
        .collect();
    if header.purpose == Purpose::Notification && !notifications.is_empty() {
        store
            .record_notifications(scope, source, &notifications)
            .await?;
    }
    if header.purpose == Purpose::Notification {
        // §10 #9, #17, #31-32: the changes and deaths this envelope notified.
        notices::record_event_notifications(
            store,
            scope,
            &prepared.changes.events,
            channel,
            source,
            sent_at,
            &prepared.envelope.content_hash,
        )
        .await?;
    }
    Ok(id)
}

/// XC-8: an envelope sent, in the audit log (no personal data: ids, counts, the hash).
async fn audit_sent(
    store: &Store,
    scope: &TenantScope,
    id: uuid::Uuid,
    prepared: &Prepared,
    purpose: &str,
) -> TransmissionResult<()> {
    let header = &prepared.header;
    store
        .audit(
            scope,
            AuditEntry::new(AuditAction::Transmit, format!("transmission:{id}"))
                .purpose(purpose)
                .records(i64::try_from(prepared.persons.len()).unwrap_or(i64::MAX))
                .detail(format!(
                    "#{} to {} on the {} channel, {}",
                    header.sequence,
                    header.recipient,
                    header.channel.code(),
                    prepared.envelope.content_hash
                )),
        )
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Receiving
// ---------------------------------------------------------------------------------------------

/// What became of one envelope, for the ledger row and the receipt.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub header: Option<Header>,
    pub hash: Option<String>,
    pub status: ReceiptStatus,
    pub missing: Vec<u64>,
}

impl Outcome {
    fn rejected(header: Option<Header>, hash: Option<String>, code: &str, reason: String) -> Self {
        Self {
            header,
            hash,
            status: ReceiptStatus::Rejected {
                code: code.to_owned(),
                reason,
            },
            missing: Vec::new(),
        }
    }

    /// A refusal by the envelope's own checks, with its stable code.
    fn refused(
        header: Option<Header>,
        hash: Option<String>,
        error: &transmit::VerifyError,
    ) -> Self {
        Self::rejected(header, hash, error.code(), error.to_string())
    }

    /// `bureau-a #3 on the agency channel`, or `bundle` when nothing could be read.
    #[must_use]
    pub fn label(&self) -> String {
        match &self.header {
            Some(h) => format!(
                "{} #{} on the {} channel",
                h.sender,
                h.sequence,
                h.channel.code()
            ),
            None => "bundle".into(),
        }
    }

    #[must_use]
    pub fn rejection_code(&self) -> Option<&str> {
        match &self.status {
            ReceiptStatus::Rejected { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A bundle received: what became of it and the receipt signed for the sender.
pub struct Received {
    pub outcome: Outcome,
    pub receipt: SignedReceipt,
}

/// Opens, verifies, admits and applies one bundle; writes the ledger row (for a rejection or
/// duplicate in its own transaction, for an application in the import's transaction) and
/// the signed receipt.
///
/// # Errors
/// The receiver's own failures: no tenant key to sign the receipt with, a database error.
pub async fn receive_bundle(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    bytes: &[u8],
) -> TransmissionResult<Received> {
    receive_from(store, tenant, scope, std::io::Cursor::new(bytes)).await
}

/// As [`receive_bundle`], reading the bundle from `input` (a file). A streamed bundle
/// (`WAB2`) is decrypted, verified and applied a chunk and a batch at a time, so the memory
/// held does not grow with the bundle; a format 1 bundle (`WAB1`) is read whole.
///
/// # Errors
/// As [`receive_bundle`].
pub async fn receive_from<R: std::io::Read + Send>(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    input: R,
) -> TransmissionResult<Received> {
    let own = OwnKeys::load(store, scope).await?;
    let seal = own.current(None)?;
    let ring = load_ring(store, scope).await?;
    let outcome = check_and_apply(store, tenant, scope, &own, &ring, input).await?;
    let status = match &outcome.status {
        ReceiptStatus::Applied { .. } => ReceivedStatus::Applied,
        ReceiptStatus::Duplicate => ReceivedStatus::Duplicate,
        ReceiptStatus::Rejected { .. } => ReceivedStatus::Rejected,
    };
    if status != ReceivedStatus::Applied {
        // XC-8: every envelope received leaves a row, including those refused.
        let (reason_code, reason) = match &outcome.status {
            ReceiptStatus::Rejected { code, reason } => (Some(code.clone()), Some(reason.clone())),
            _ => (None, None),
        };
        store
            .record_received(
                scope,
                &NewReceived {
                    sender: outcome.header.as_ref().map(|h| h.sender.clone()),
                    channel: outcome.header.as_ref().map(|h| h.channel.code().to_owned()),
                    sequence: outcome
                        .header
                        .as_ref()
                        .and_then(|h| i64::try_from(h.sequence).ok()),
                    content_hash: outcome.hash.clone(),
                    status,
                    reason_code,
                    reason,
                    applied: 0,
                    source: None,
                },
            )
            .await?;
        if let Some(code) = outcome.rejection_code() {
            // No personal data: the code, the claimed sender and sequence only.
            tracing::warn!(
                code,
                sender = outcome.header.as_ref().map(|h| h.sender.as_str()),
                sequence = outcome.header.as_ref().map(|h| h.sequence),
                "transmission rejected; nothing applied"
            );
        }
    }
    let ack = Acknowledgement {
        format: transmit::FORMAT_VERSION,
        envelope_hash: outcome.hash.clone().unwrap_or_default(),
        recipient: tenant.slug.clone(),
        sender: outcome
            .header
            .as_ref()
            .map(|h| h.sender.clone())
            .unwrap_or_default(),
        channel: outcome.header.as_ref().map(|h| h.channel),
        sequence: outcome.header.as_ref().map(|h| h.sequence),
        received_at: now_text(),
        status: outcome.status.clone(),
        missing: outcome.missing.clone(),
        letters: Vec::new(),
    };
    let receipt = SignedReceipt::sign(&ack, &seal).map_err(keys_error)?;
    let (applied, detail) = match &outcome.status {
        ReceiptStatus::Applied { applied } => (*applied, "applied".to_owned()),
        ReceiptStatus::Duplicate => (0, "duplicate".to_owned()),
        ReceiptStatus::Rejected { code, .. } => (0, format!("rejected: {code}")),
    };
    store
        .audit(
            scope,
            AuditEntry::new(
                AuditAction::Receive,
                format!(
                    "transmission-in:{}",
                    outcome.hash.as_deref().unwrap_or("unreadable")
                ),
            )
            .records(i64::try_from(applied).unwrap_or(i64::MAX))
            .detail(format!("{}: {detail}", outcome.label())),
        )
        .await?;
    store
        .record_acknowledgement(
            scope,
            &NewAcknowledgement {
                issued: true,
                peer: if ack.sender.is_empty() {
                    "unknown".into()
                } else {
                    ack.sender.clone()
                },
                envelope_hash: ack.envelope_hash.clone(),
                status: status.code().to_owned(),
                receipt: receipt.body.clone(),
            },
        )
        .await?;
    Ok(Received { outcome, receipt })
}

/// The stable code of a bundle that cannot be opened.
fn bundle_code(error: &transmit::BundleError) -> &'static str {
    match error {
        transmit::BundleError::WrongRecipient { .. } => "wrong-recipient",
        transmit::BundleError::Decryption => "tampered",
        transmit::BundleError::Truncated => "truncated",
        _ => "malformed",
    }
}

async fn check_and_apply<R: std::io::Read + Send>(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    own: &OwnKeys,
    ring: &KeyRing,
    mut input: R,
) -> TransmissionResult<Outcome> {
    use std::io::Read as _;
    let mut magic = Vec::with_capacity(5);
    if let Err(error) = (&mut input).take(5).read_to_end(&mut magic) {
        return Ok(Outcome::rejected(
            None,
            None,
            "malformed",
            error.to_string(),
        ));
    }
    let input = std::io::Cursor::new(magic.clone()).chain(input);
    if transmit::stream::is_stream_bundle(&magic) {
        return check_and_apply_stream(store, tenant, scope, own, ring, input).await;
    }
    let mut bytes = Vec::new();
    if let Err(error) = input.take(BUNDLE_READ_LIMIT).read_to_end(&mut bytes) {
        return Ok(Outcome::rejected(
            None,
            None,
            "malformed",
            error.to_string(),
        ));
    }
    let wire = match transmit::open_bundle(&bytes, &own.tenant_keys()?) {
        Ok(wire) => wire,
        Err(error) => {
            return Ok(Outcome::rejected(
                None,
                None,
                bundle_code(&error),
                error.to_string(),
            ));
        }
    };
    drop(bytes);
    let envelope = match Envelope::from_bytes(&wire) {
        Ok(envelope) => envelope,
        Err(error) => {
            return Ok(Outcome::refused(None, None, &error));
        }
    };
    let claimed = envelope.unverified_header();
    let hash = Some(envelope.content_hash.clone());
    let verified = match envelope.verify(&tenant.slug, ring) {
        Ok(verified) => verified,
        Err(error) => {
            return Ok(Outcome::refused(claimed, hash, &error));
        }
    };
    let header = verified.header.clone();
    let missing = match admit(store, scope, &header, &verified.content_hash).await? {
        Ok(missing) => missing,
        Err(outcome) => return Ok(outcome),
    };
    let peer_name = peer_name(ring, &header.sender);
    let applied = apply(store, scope, &verified, &peer_name).await?;
    Ok(Outcome::of(applied, header, hash, missing))
}

/// The name a peer gave itself in its key set, or its slug.
fn peer_name(ring: &KeyRing, sender: &str) -> String {
    ring.peer(sender)
        .map_or_else(|| sender.to_owned(), |p| p.tenant_name.clone())
}

/// Format 1 bundles are read whole, up to this many bytes (the push endpoint's limit).
const BUNDLE_READ_LIMIT: u64 = 256 * 1024 * 1024;

impl Outcome {
    fn of(applied: Applied, header: Header, hash: Option<String>, missing: Vec<u64>) -> Self {
        match applied {
            Applied::Done(applied) => Self {
                header: Some(header),
                hash,
                status: ReceiptStatus::Applied { applied },
                missing,
            },
            Applied::Raced => Self {
                missing: Vec::new(),
                header: Some(header),
                hash,
                status: ReceiptStatus::Duplicate,
            },
            Applied::Refused(code, reason) => Self::rejected(Some(header), hash, code, reason),
        }
    }
}

/// A streamed (format 2) bundle: the header, the manifest's signatures, the ledger, then the
/// notices a batch at a time.
async fn check_and_apply_stream<R: std::io::Read + Send>(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    own: &OwnKeys,
    ring: &KeyRing,
    input: R,
) -> TransmissionResult<Outcome> {
    let reader = match transmit::stream::open_stream_bundle(input, &own.tenant_keys()?) {
        Ok((_, reader)) => reader,
        Err(error) => {
            return Ok(Outcome::rejected(
                None,
                None,
                bundle_code(&error),
                error.to_string(),
            ));
        }
    };
    let mut reader = std::io::BufReader::with_capacity(transmit::stream::CHUNK, reader);
    let mut line = Vec::new();
    match transmit::stream::read_line(&mut reader, transmit::stream::MAX_MANIFEST, &mut line) {
        Ok(Some(())) => {}
        Ok(None) => {
            return Ok(Outcome::rejected(
                None,
                None,
                "malformed",
                "the bundle holds no envelope".into(),
            ));
        }
        Err(error) => {
            let error = transmit::stream::StreamError::from_io(error, 0);
            return Ok(Outcome::rejected(
                None,
                None,
                error.code(),
                error.to_string(),
            ));
        }
    }
    let envelope = match Envelope::from_bytes(&line) {
        Ok(envelope) => envelope,
        Err(error) => {
            return Ok(Outcome::refused(None, None, &error));
        }
    };
    drop(line);
    let claimed = envelope.unverified_any_header();
    let hash = Some(envelope.content_hash.clone());
    let (manifest, _, _) = match envelope.verify_manifest(&tenant.slug, ring) {
        Ok(verified) => verified,
        Err(error) => {
            return Ok(Outcome::refused(claimed, hash, &error));
        }
    };
    let header = manifest.header.clone();
    let missing = match admit(store, scope, &header, &envelope.content_hash).await? {
        Ok(missing) => missing,
        Err(outcome) => return Ok(outcome),
    };
    let peer_name = peer_name(ring, &header.sender);
    let applied = apply_stream(
        store,
        scope,
        &manifest,
        &envelope.content_hash,
        &peer_name,
        &mut reader,
    )
    .await?;
    Ok(Outcome::of(applied, header, hash, missing))
}

/// The ledger's admission of a verified envelope: the sequence numbers still missing below
/// it, or the outcome when it is a duplicate or reuses a sequence number.
async fn admit(
    store: &Store,
    scope: &TenantScope,
    header: &Header,
    content_hash: &str,
) -> TransmissionResult<Result<Vec<u64>, Outcome>> {
    let header = header.clone();
    let hash = Some(content_hash.to_owned());
    let channel = header.channel.code();
    let mut ledger = Ledger::new();
    let key = ChannelKey::of(&header);
    for (sequence, accepted) in store
        .applied_on_channel(scope, &header.sender, channel)
        .await?
    {
        ledger.record(key.clone(), u64::try_from(sequence).unwrap_or(0), accepted);
    }
    let missing = match ledger.admit(&header, content_hash) {
        Admission::New { missing } => missing,
        Admission::Duplicate => {
            return Ok(Err(Outcome {
                missing: ledger.missing(&key),
                header: Some(header),
                hash,
                status: ReceiptStatus::Duplicate,
            }));
        }
        Admission::SequenceReused { sequence, .. } => {
            return Ok(Err(Outcome::rejected(
                Some(header),
                hash,
                "sequence-reused",
                format!("sequence number {sequence} was applied before with other contents"),
            )));
        }
        Admission::ZeroSequence => {
            return Ok(Err(Outcome::rejected(
                Some(header),
                hash,
                "malformed",
                "sequence numbers start at 1".into(),
            )));
        }
    };
    Ok(Ok(missing))
}

enum Applied {
    Done(usize),
    /// Another receiver applied the same envelope between our check and our commit.
    Raced,
    Refused(&'static str, String),
}

/// One envelope being applied: the source, the persons, their events and corrections, the
/// detriment flags and the ledger row, in one import transaction. Notices come in batches
/// ([`Ingest::apply_batch`]): all of them at once for a format 1 envelope, a few thousand at a
/// time as a streamed (format 2) envelope is read. Dropping an `Ingest` without
/// [`Ingest::finish`] rolls everything back.
struct Ingest<'a> {
    store: &'a Store,
    scope: &'a TenantScope,
    header: Header,
    content_hash: String,
    batch: store::ImportBatch,
    /// Persons this envelope registered, by qualified reference.
    new_ids: HashMap<String, PersonId>,
    /// The events of each person the envelope touched, as they stand in the transaction.
    histories: HashMap<String, Vec<domain::Event>>,
    flags: HashMap<PersonId, Vec<String>>,
    /// Notices read so far, to name a refusal by its number.
    read: usize,
    applied: usize,
}

/// A notice refused: the code and the reason, with the notice's number.
pub(crate) type Refusal = (&'static str, String);

impl<'a> Ingest<'a> {
    async fn begin(
        store: &'a Store,
        scope: &'a TenantScope,
        header: &Header,
        content_hash: &str,
        peer_name: &str,
    ) -> TransmissionResult<Result<Ingest<'a>, Refusal>> {
        let notified_at = OffsetDateTime::parse(&header.created_at, &Rfc3339)
            .unwrap_or_else(|_| OffsetDateTime::now_utc());
        let source = NewSource {
            kind: SourceKind::BureauList,
            // XC-3: "notified by the bureau of Party X on …".
            reference: format!(
                "notified by {peer_name} ({}) on {}: envelope #{} on the {} channel, {}, signed by {}",
                header.sender,
                header.created_at,
                header.sequence,
                header.channel.code(),
                content_hash,
                header.officer
            ),
            collected_by: header.officer.clone(),
            collected_at: notified_at,
            language: None,
            script: None,
            confidence: Confidence::MEDIUM,
        };
        let flags = store.detriment_flags(scope).await?;
        let batch = match store.begin_import_from(scope, &source).await {
            Ok(batch) => batch,
            Err(StoreError::Invalid(reason)) => return Ok(Err(("invalid-content", reason))),
            Err(other) => return Err(other.into()),
        };
        Ok(Ok(Self {
            store,
            scope,
            header: header.clone(),
            content_hash: content_hash.to_owned(),
            batch,
            new_ids: HashMap::new(),
            histories: HashMap::new(),
            flags,
            read: 0,
            applied: 0,
        }))
    }

    /// Checks and writes a batch of notices (inside the transaction).
    async fn apply_batch(
        &mut self,
        contents: &[Content],
    ) -> TransmissionResult<Result<(), Refusal>> {
        let store = self.store;
        let scope = self.scope;
        let sender = self.header.sender.clone();
        let sequence = self.header.sequence;
        let qualified = |reference: &str| format!("{sender}:{reference}");
        // Persons held before the envelope that this batch is about.
        let references: Vec<String> = contents
            .iter()
            .flat_map(|content| match content {
                // A list's rows name persons held (issue 5, migration 0014).
                Content::List(list) => list.references.iter().map(String::as_str).collect(),
                other => other.person_reference().into_iter().collect::<Vec<_>>(),
            })
            .map(qualified)
            .filter(|r| !self.new_ids.contains_key(r))
            .collect();
        let held = store.persons_by_reference(scope, &references).await?;
        let mut held_ids: Vec<PersonId> = held.values().copied().collect();
        held_ids.sort_unstable();
        held_ids.dedup();
        let records: HashMap<PersonId, PersonRecord> = store
            .person_records(scope, &held_ids)
            .await?
            .into_iter()
            .map(|r| (r.person.id, r))
            .collect();

        let first = self.read;
        let mut people = Vec::new();
        let mut flags_new: Vec<Option<String>> = Vec::new();
        let mut batch_new: HashMap<String, usize> = HashMap::new();
        let mut plan = notices::Plan::default();
        let mut held_flags: Vec<(PersonId, String)> = Vec::new();
        // Lists wait until the persons of this batch have their ids.
        let mut lists: Vec<(usize, &transmit::ListNotice)> = Vec::new();
        let mut messages_applied = 0;
        for (offset, content) in contents.iter().enumerate() {
            let number = first + offset + 1;
            self.read = number;
            let refused = |code: &'static str, problem: String| {
                Ok(Err((code, format!("notice {number}: {problem}"))))
            };
            let locator =
                |what: &str| format!("envelope {sender} #{sequence} notice {number}, {what}");
            match content {
                Content::CaptureCard(card) | Content::InternmentCard(card) => {
                    let category: PersonCategory = match card.category.parse() {
                        Ok(category) => category,
                        Err(error) => return refused("invalid-content", error),
                    };
                    if let Some(reason) = &card.detriment
                        && (reason.trim().is_empty() || reason.len() > 2000)
                    {
                        return refused(
                            "invalid-content",
                            "a detriment reason is 1 to 2000 characters".into(),
                        );
                    }
                    let reference = qualified(&card.reference);
                    if self.new_ids.contains_key(&reference) || batch_new.contains_key(&reference) {
                        return refused(
                            "invalid-content",
                            format!(
                                "a second card for reference {:?} in the same envelope",
                                card.reference
                            ),
                        );
                    }
                    if let Some(record) = held.get(&reference).and_then(|id| records.get(id)) {
                        // A later card for a person held: a correction (XC-3), never an
                        // erasure.
                        match notices::corrections(record, card, &sender, &|field| {
                            locator(&format!("field {field}"))
                        }) {
                            Ok(corrections) => {
                                if !corrections.is_empty() {
                                    plan.corrected.insert(record.person.id);
                                }
                                plan.assertions.extend(corrections);
                            }
                            Err(problem) => return refused("invalid-content", problem),
                        }
                        if let Some(reason) = &card.detriment {
                            let known = self
                                .flags
                                .get(&record.person.id)
                                .is_some_and(|r| r.contains(reason));
                            if !known {
                                held_flags.push((record.person.id, reason.clone()));
                            }
                        }
                        continue;
                    }
                    let mut assertions = Vec::new();
                    for field in &card.fields {
                        match field.to_domain() {
                            Ok((field, value)) => assertions.push(NewAssertion {
                                field,
                                value,
                                locator: locator(&format!("field {field}")),
                            }),
                            Err(error) => return refused("invalid-content", error.to_string()),
                        }
                    }
                    batch_new.insert(reference.clone(), people.len());
                    people.push(NewPerson {
                        // The sender's reference, qualified by the sender so references of
                        // two bureaus never collide.
                        reference,
                        category,
                        assertions,
                        events: Vec::new(),
                    });
                    flags_new.push(card.detriment.clone());
                }
                Content::Event(_) | Content::DeathNotification(_) => {
                    let Some(reference) = content.person_reference().map(qualified) else {
                        continue;
                    };
                    // A person this batch registers gets its id when the batch is written;
                    // a placeholder stands in until then.
                    let person = if let Some(id) = self.new_ids.get(&reference) {
                        *id
                    } else if let Some(id) = held.get(&reference) {
                        *id
                    } else if batch_new.contains_key(&reference) {
                        PersonId::from_uuid(uuid::Uuid::nil())
                    } else {
                        return refused(
                            "invalid-content",
                            format!(
                                "a {} for reference {:?}, whose card was never received",
                                content.kind(),
                                content.person_reference().unwrap_or_default()
                            ),
                        );
                    };
                    let history = self.histories.entry(reference.clone()).or_insert_with(|| {
                        held.get(&reference)
                            .and_then(|id| records.get(id))
                            .map(|r| r.events.clone())
                            .unwrap_or_default()
                    });
                    let event = match notices::received_event(content, person, locator("event")) {
                        Ok(Some(event)) => event,
                        Ok(None) => continue,
                        Err(problem) => return refused("invalid-content", problem),
                    };
                    if notices::already_held(history, &event) {
                        continue;
                    }
                    match notices::check_received(history, &event, domain::SourceId::new()) {
                        Ok(domain_event) => history.push(domain_event),
                        Err(problem) => return refused("invalid-content", problem),
                    }
                    match batch_new.get(&reference) {
                        Some(&i) => plan.new_person_events.push((i, event)),
                        None => plan.events.push(event),
                    }
                }
                Content::List(list) => {
                    // Checked whole (rows, texts) before anything is written.
                    let resolve = |reference: &str| {
                        let qualified = qualified(reference);
                        self.new_ids
                            .get(&qualified)
                            .or_else(|| held.get(&qualified))
                            .copied()
                            .or_else(|| {
                                batch_new
                                    .contains_key(&qualified)
                                    .then(|| PersonId::from_uuid(uuid::Uuid::nil()))
                            })
                    };
                    if let Err(refusal) = messages::list_of(&sender, number, list, &resolve) {
                        return Ok(Err(refusal));
                    }
                    lists.push((number, list));
                }
                Content::Enquiry(enquiry) => {
                    match messages::receive_enquiry(
                        store,
                        scope,
                        &mut self.batch,
                        &sender,
                        number,
                        enquiry,
                    )
                    .await?
                    {
                        Ok(new) => messages_applied += usize::from(new),
                        Err(refusal) => return Ok(Err(refusal)),
                    }
                }
                Content::EnquiryAnswer(answer) => {
                    match messages::receive_answer(&mut self.batch, &sender, number, answer).await?
                    {
                        Ok(new) => messages_applied += usize::from(new),
                        Err(refusal) => return Ok(Err(refusal)),
                    }
                }
                Content::EnquiryWithdrawal(withdrawal) => {
                    match messages::receive_withdrawal(&mut self.batch, &sender, number, withdrawal)
                        .await?
                    {
                        Ok(new) => messages_applied += usize::from(new),
                        Err(refusal) => return Ok(Err(refusal)),
                    }
                }
                other => {
                    return refused(
                        "unsupported-content",
                        format!("a {}, which this version cannot apply yet", other.kind()),
                    );
                }
            }
        }
        let ids = match self.batch.insert(&people).await {
            Ok(ids) => ids,
            Err(StoreError::Invalid(reason)) => return Ok(Err(("invalid-content", reason))),
            Err(StoreError::DuplicateReference { reference }) => {
                return Ok(Err((
                    "invalid-content",
                    format!("reference {reference:?} is held already"),
                )));
            }
            Err(other) => return Err(other.into()),
        };
        for (id, flag) in ids.iter().zip(&flags_new) {
            if let Some(reason) = flag {
                self.batch.flag_detriment(*id, reason).await?;
            }
        }
        for (id, reason) in &held_flags {
            self.batch.flag_detriment(*id, reason).await?;
        }
        for (reference, i) in batch_new {
            if let Some(id) = ids.get(i) {
                self.new_ids.insert(reference, *id);
            }
        }
        let mut events = plan.events;
        for (i, mut event) in plan.new_person_events {
            if let Some(id) = ids.get(i) {
                event.person = *id;
                events.push(event);
            }
        }
        match self.batch.add_received(&plan.assertions, &events).await {
            Ok(()) => {}
            Err(StoreError::Invalid(reason)) => return Ok(Err(("invalid-content", reason))),
            Err(other) => return Err(other.into()),
        }
        for (number, list) in lists {
            let resolve = |reference: &str| {
                let qualified = qualified(reference);
                self.new_ids
                    .get(&qualified)
                    .or_else(|| held.get(&qualified))
                    .copied()
            };
            let received = match messages::list_of(&sender, number, list, &resolve) {
                Ok(received) => received,
                Err(refusal) => return Ok(Err(refusal)),
            };
            match self.batch.receive_list(&received).await {
                Ok(new) => messages_applied += usize::from(new),
                Err(StoreError::Invalid(reason)) => {
                    return Ok(Err((
                        "invalid-content",
                        format!("notice {number}: {reason}"),
                    )));
                }
                Err(other) => return Err(other.into()),
            }
        }
        // Notices applied: persons registered, persons corrected, events kept, enquiries,
        // answers and lists kept.
        self.applied += ids.len() + plan.corrected.len() + events.len() + messages_applied;
        Ok(Ok(()))
    }

    /// Writes the ledger row and commits.
    async fn finish(mut self) -> TransmissionResult<Applied> {
        let entry = NewReceived {
            sender: Some(self.header.sender.clone()),
            channel: Some(self.header.channel.code().to_owned()),
            sequence: Some(i64::try_from(self.header.sequence).map_err(keys_error)?),
            content_hash: Some(self.content_hash.clone()),
            status: ReceivedStatus::Applied,
            reason_code: None,
            reason: None,
            applied: i32::try_from(self.applied).map_err(keys_error)?,
            source: None,
        };
        match self.batch.record_received(&entry).await {
            Ok(()) => {}
            Err(StoreError::Invalid(_)) => return Ok(Applied::Raced),
            Err(other) => return Err(other.into()),
        }
        let applied = self.applied;
        match self.batch.commit().await {
            Ok(_) => Ok(Applied::Done(applied)),
            Err(StoreError::Invalid(message)) if message.contains("applied already") => {
                Ok(Applied::Raced)
            }
            Err(other) => Err(other.into()),
        }
    }
}

/// Applies a format 1 envelope: all its notices in one batch.
async fn apply(
    store: &Store,
    scope: &TenantScope,
    verified: &VerifiedEnvelope,
    peer_name: &str,
) -> TransmissionResult<Applied> {
    let mut ingest = match Ingest::begin(
        store,
        scope,
        &verified.header,
        &verified.content_hash,
        peer_name,
    )
    .await?
    {
        Ok(ingest) => ingest,
        Err((code, reason)) => return Ok(Applied::Refused(code, reason)),
    };
    if let Err((code, reason)) = ingest.apply_batch(&verified.contents).await? {
        return Ok(Applied::Refused(code, reason));
    }
    ingest.finish().await
}

/// Notices per batch of a streamed envelope: a megabyte or two of cards.
const STREAM_BATCH: usize = 500;

/// Applies a streamed (format 2) envelope whose manifest verified: reads, checks and writes
/// its notices a batch at a time inside one transaction, and commits only once the notices'
/// hash and count match the signed manifest. A chunk that does not decrypt, a truncated
/// bundle or a notice that does not fit rolls back everything.
async fn apply_stream<R: std::io::BufRead>(
    store: &Store,
    scope: &TenantScope,
    manifest: &transmit::stream::Manifest,
    content_hash: &str,
    peer_name: &str,
    input: &mut R,
) -> TransmissionResult<Applied> {
    let mut ingest =
        match Ingest::begin(store, scope, &manifest.header, content_hash, peer_name).await? {
            Ok(ingest) => ingest,
            Err((code, reason)) => return Ok(Applied::Refused(code, reason)),
        };
    let mut reader = transmit::stream::NoticeReader::new();
    let mut batch = Vec::with_capacity(STREAM_BATCH);
    loop {
        let next = match reader.next(input) {
            Ok(next) => next,
            Err(error) => return Ok(Applied::Refused(error.code(), error.to_string())),
        };
        let end = next.is_none();
        if let Some(content) = next {
            batch.push(content);
        }
        if (end && !batch.is_empty()) || batch.len() == STREAM_BATCH {
            if let Err((code, reason)) = ingest.apply_batch(&batch).await? {
                return Ok(Applied::Refused(code, reason));
            }
            batch.clear();
        }
        if end {
            break;
        }
    }
    if let Err(error) = reader.finish(manifest) {
        return Ok(Applied::Refused(error.code(), error.to_string()));
    }
    ingest.finish().await
}

/// Verifies a receipt from `peer` and keeps it: the sender's evidence that the envelope
/// arrived and what became of it (XC-5).
///
/// # Errors
/// A receipt that does not verify against the peer's pinned keys, or a database error.
pub async fn accept_receipt(
    store: &Store,
    scope: &TenantScope,
    peer: &str,
    bytes: &[u8],
) -> TransmissionResult<Acknowledgement> {
    let ring = load_ring(store, scope).await?;
    let receipt = SignedReceipt::from_bytes(bytes).map_err(keys_error)?;
    let ack = receipt.verify(&ring).map_err(keys_error)?;
    if ack.recipient != peer {
        return Err(keys_error(format!(
            "the receipt is signed by {:?}, not by {peer:?}",
            ack.recipient
        )));
    }
    let status = match &ack.status {
        ReceiptStatus::Applied { .. } => "applied",
        ReceiptStatus::Duplicate => "duplicate",
        ReceiptStatus::Rejected { .. } => "rejected",
    };
    store
        .audit(
            scope,
            AuditEntry::new(
                AuditAction::Receive,
                format!("receipt:{}", ack.envelope_hash),
            )
            .detail(format!("from {peer}: {status}")),
        )
        .await?;
    store
        .record_acknowledgement(
            scope,
            &NewAcknowledgement {
                issued: false,
                peer: peer.to_owned(),
                envelope_hash: ack.envelope_hash.clone(),
                status: status.to_owned(),
                receipt: receipt.body.clone(),
            },
        )
        .await?;
    Ok(ack)
}

// ---------------------------------------------------------------------------------------------
// Forwarding (the agency)
// ---------------------------------------------------------------------------------------------

/// What a forwarding run did.
#[derive(Default)]
pub struct Forwarded {
    pub prepared: Option<Prepared>,
    pub forwarded: usize,
    pub withheld: usize,
    /// Changes (events, deaths) and corrections forwarded for persons forwarded before.
    pub changes: usize,
    /// Persons read and found not to be nationals of the origin (or of no known nationality):
    /// [`commit_forwarding`] notes them, so the next round reads them again only after a new
    /// assertion about them (migration 0018).
    pub considered: Vec<PersonId>,
    /// When the candidates were read.
    pub read_at: Option<time::OffsetDateTime>,
    /// The greatest row of the recipient's forwarding queue the round read (migration 0022):
    /// [`commit_forwarding`] takes the queue out up to it.
    pub queued_through: Option<i64>,
    /// The envelope is full ([`FORWARD_PER_ENVELOPE`]): persons still wait in the queue for
    /// the next round's envelope.
    pub more: bool,
    /// The peer forwarded to.
    pub recipient: String,
}

fn nationality_of(record: &PersonRecord) -> Option<String> {
    let view = domain::CurrentView::project(&record.assertions);
    match view.value(FieldKey::Nationality) {
        Some(domain::AssertedValue::Country(code)) => Some(code.to_uppercase()),
        Some(domain::AssertedValue::Text(text)) => Some(text.trim().to_uppercase()),
        _ => None,
    }
}

fn decision_row(
    person: PersonId,
    recipient: &str,
    decision: &ForwardingDecision,
) -> NewForwardingDecision {
    let withheld: Vec<String> = decision
        .withheld
        .iter()
        .map(|(field, because)| format!("{field}: {}", because.code()))
        .collect();
    let reason = match &decision.person_withheld {
        Some(because) => because.text(),
        None if decision.forward.is_empty() => {
            "nothing the conventions allow to forward is known".to_owned()
        }
        None => {
            let mut reasons: Vec<String> = decision
                .withheld
                .values()
                .map(WithheldBecause::text)
                .collect();
            reasons.sort();
            reasons.dedup();
            if reasons.is_empty() {
                "GC3-123-a / GC4-140-a: every particular listed by GC3-122-d / GC4-138-a".to_owned()
            } else {
                format!(
                    "GC3-123-a / GC4-140-a: the listed particulars; withheld: {}",
                    reasons.join("; ")
                )
            }
        }
    };
    NewForwardingDecision {
        person,
        recipient: recipient.to_owned(),
        forwarded: decision.forwards_anything(),
        fields_forwarded: decision
            .forward
            .iter()
            .map(|a| a.field.code().to_owned())
            .collect(),
        fields_withheld: withheld,
        reason,
    }
}

/// The first cards a forwarding envelope carries at most. A card is about 1.7 KB (41 MB for
/// 24,000 in `tests/bounded.rs`), so an envelope of 5,000 is some 9 MB: the sender holds it
/// three times (the text, the bundle, the row kept until acknowledged), far below the 256 MiB a
/// receiver accepts. A larger backlog (a recipient's first round at an agency of 10^5
/// nationals) goes in several envelopes, one per round, each with the next sequence number.
pub const FORWARD_PER_ENVELOPE: usize = 5_000;

/// The agency's forwarding to the power of origin (GC3-123-a, GC4-140-a), with envelopes of
/// at most [`FORWARD_PER_ENVELOPE`] first cards ([`forward_to_origin_bounded`]).
///
/// # Errors
/// Missing keys, or a database error.
pub async fn forward_to_origin(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    to: &str,
    origin: &str,
    officer: Option<&str>,
) -> TransmissionResult<(Forwarded, Vec<NewForwardingDecision>)> {
    forward_to_origin_bounded(
        store,
        tenant,
        scope,
        to,
        origin,
        officer,
        FORWARD_PER_ENVELOPE,
    )
    .await
}

/// The agency's forwarding to the power of origin (GC3-123-a, GC4-140-a): every person of
/// nationality `origin` not yet decided for `to` gets a decision; those with anything to
/// forward travel in one envelope (purpose `forwarding`), at most `per_envelope` of them: the
/// others stay queued for the next round ([`Forwarded::more`]). The envelope, when there is
/// one, is sealed here and recorded with the decisions by [`commit_forwarding`]; sealing the
/// next one after that keeps the sequence numbers gapless.
///
/// # Errors
/// Missing keys, or a database error.
pub async fn forward_to_origin_bounded(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    to: &str,
    origin: &str,
    officer: Option<&str>,
    per_envelope: usize,
) -> TransmissionResult<(Forwarded, Vec<NewForwardingDecision>)> {
    let per_envelope = per_envelope.max(1);
    let own = OwnKeys::load(store, scope).await?;
    let seal = own.current(None)?;
    let (officer_name, officer_key) = own.officer(officer)?;
    let ring = load_ring(store, scope).await?;
    let recipient = recipient_key(&ring, to)?.clone();
    let origin = origin.to_uppercase();
    // GC4-137-b: a flag on a record withholds every record confirmed as the same person too
    // (issue 5, item 3); a link never forwards anything by itself.
    let flags = crate::links::detriment_flags_with_links(store, scope).await?;
    let mut summary = Forwarded {
        read_at: Some(time::OffsetDateTime::now_utc()),
        recipient: to.to_owned(),
        ..Forwarded::default()
    };
    // Only the persons registered or given a nationality since the last round (the whole
    // tenant in the recipient's first round): migration 0022.
    let candidates = store.forwarding_candidates(scope, to).await?;
    let mut taken_through = None;
    let mut decisions = Vec::new();
    let mut contents = Vec::new();
    let mut persons = Vec::new();
    let mut now_events = Vec::new();
    'read: for chunk in candidates.persons.chunks(1000) {
        let ids: Vec<PersonId> = chunk.iter().map(|(p, _)| *p).collect();
        let mut records: HashMap<PersonId, PersonRecord> = store
            .person_records(scope, &ids)
            .await?
            .into_iter()
            .map(|r| (r.person.id, r))
            .collect();
        for (id, last) in chunk {
            if persons.len() >= per_envelope {
                // Full: the rest stay queued, in order, for the next envelope.
                summary.more = true;
                break 'read;
            }
            taken_through = Some(*last);
            let Some(record) = records.remove(id) else {
                continue;
            };
            if nationality_of(&record).as_deref() != Some(origin.as_str()) {
                summary.considered.push(record.person.id);
                continue;
            }
            let kinds: HashMap<domain::SourceId, SourceKind> =
                record.sources.iter().map(|s| (s.id, s.kind)).collect();
            let assertions: Vec<(Assertion, SourceKind)> = record
                .assertions
                .iter()
                .map(|a| {
                    (
                        a.clone(),
                        kinds
                            .get(&a.source)
                            .copied()
                            .unwrap_or(SourceKind::OtherDocument),
                    )
                })
                .collect();
            let detriment = flags.get(&record.person.id).map(|r| r.join("; "));
            let decision = domain::forwarding::decide(
                record.person.category,
                &assertions,
                detriment.as_deref(),
            );
            decisions.push(decision_row(record.person.id, to, &decision));
            if decision.forwards_anything() {
                let latest: BTreeMap<FieldKey, &Assertion> =
                    decision.forward.iter().map(|a| (a.field, a)).collect();
                // The power of origin gets the agency's reference; the bureau's own
                // reference (`bureau-a:…`) is kept in it, so the person can be traced back.
                contents.push(card_of(
                    &record.person.reference,
                    record.person.category,
                    record.person.registered_at,
                    &latest,
                    None,
                ));
                persons.push((record.person.id, record.person.category));
                // Its notifiable events go with its card (none went there before).
                now_events.extend(
                    record
                        .events
                        .iter()
                        .filter(|e| e.kind.is_notifiable())
                        .map(|e| (e.occurred_at, e.recorded_at, record.person.id, e.id)),
                );
                summary.forwarded += 1;
            } else {
                summary.withheld += 1;
            }
        }
    }
    // All read: the queue goes out up to what the round read. Stopped early: up to the last
    // person taken (every person before it has all its queue rows at or below it).
    summary.queued_through = if summary.more {
        taken_through
    } else {
        candidates.through
    };
    let forwarded_now: HashSet<PersonId> = persons.iter().map(|(p, _)| *p).collect();
    let changes = origin_changes(
        store,
        scope,
        to,
        &flags,
        &now_events,
        &forwarded_now,
        &mut decisions,
    )
    .await?;
    summary.changes = changes.contents.len();
    contents.extend(changes.contents.iter().cloned());
    if !contents.is_empty() {
        summary.prepared = Some(
            seal_prepared(
                store,
                tenant,
                scope,
                to,
                transmit::Channel::Agency,
                Purpose::Forwarding,
                &officer_name,
                &officer_key,
                &seal,
                &recipient,
                contents,
                persons,
                changes,
            )
            .await?,
        );
    }
    Ok((summary, decisions))
}

/// The changes and corrections the agency forwards to a power of origin (GC3-123-a,
/// GC4-140-a) for persons it forwarded there before (or forwards now): events of a notifiable
/// kind with their kind and time only, and corrected values among the particulars the
/// conventions list, decided again by `domain::forwarding::decide`. Nothing of a person
/// flagged as detrimental (GC4-137-b) and nothing the agency's own delegates registered
/// (ICRC-VIS-e) flows. Each person with changes gets a decision row (XC-8).
///
/// Only the persons carried to `to` before (read from their own events and corrections, not
/// from every event of the tenant: a round at 10^6 persons reads what concerns the few
/// forwarded) and those forwarded now (`now_events`, from the records the round read:
/// `(occurred, recorded, person, event)`) are considered.
async fn origin_changes(
    store: &Store,
    scope: &TenantScope,
    to: &str,
    flags: &HashMap<PersonId, Vec<String>>,
    now_events: &[(
        time::OffsetDateTime,
        time::OffsetDateTime,
        PersonId,
        domain::EventId,
    )],
    forwarded_now: &HashSet<PersonId>,
    decisions: &mut Vec<NewForwardingDecision>,
) -> TransmissionResult<notices::Changes> {
    let channel = transmit::Channel::Agency.code();
    let allowed = |p: &PersonId| !flags.contains_key(p);
    // Carried before, then forwarded now, each in the order the events happened.
    let mut events: Vec<(PersonId, domain::EventId)> = store
        .untransmitted_events_of_carried(scope, to, channel, &notices::notifiable_codes())
        .await?
        .into_iter()
        .filter(|e| allowed(&e.person) && !forwarded_now.contains(&e.person))
        .map(|e| (e.person, e.event))
        .collect();
    let mut fresh: Vec<_> = now_events
        .iter()
        .filter(|(_, _, person, _)| allowed(person))
        .collect();
    fresh.sort_by_key(|(occurred, recorded, _, event)| (*occurred, *recorded, *event));
    events.extend(
        fresh
            .into_iter()
            .map(|(_, _, person, event)| (*person, *event)),
    );
    let corrections: Vec<store::PendingCorrection> = store
        .pending_corrections(scope, to, channel)
        .await?
        .into_iter()
        .filter(|c| allowed(&c.person))
        .collect();
    if events.is_empty() && corrections.is_empty() {
        return Ok(notices::Changes::default());
    }
    let mut ids: Vec<PersonId> = events
        .iter()
        .map(|(p, _)| *p)
        .chain(corrections.iter().map(|c| c.person))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let records = store.person_records(scope, &ids).await?;
    let by_id: HashMap<PersonId, &PersonRecord> =
        records.iter().map(|r| (r.person.id, r)).collect();
    let kind_of = |record: &PersonRecord, source: domain::SourceId| {
        record
            .sources
            .iter()
            .find(|s| s.id == source)
            .map_or(SourceKind::OtherDocument, |s| s.kind)
    };
    // ICRC-VIS-e: an event the agency's own delegates registered never flows.
    let events: Vec<(PersonId, domain::EventId)> = events
        .into_iter()
        .filter(|(person, event)| {
            by_id.get(person).is_some_and(|record| {
                record.events.iter().any(|e| {
                    e.id == *event && kind_of(record, e.source) != SourceKind::IcrcRegistration
                })
            })
        })
        .collect();
    let mut changes = notices::Changes::default();
    let mut fields_of: BTreeMap<PersonId, HashSet<FieldKey>> = BTreeMap::new();
    for correction in &corrections {
        if let Some(assertion) = by_id
            .get(&correction.person)
            .and_then(|r| r.assertions.iter().find(|a| a.id == correction.assertion))
        {
            fields_of
                .entry(correction.person)
                .or_default()
                .insert(assertion.field);
        }
        // Considered once: what the decision withholds now stays withheld.
        changes.notices.push(store::NoticeItem {
            person: correction.person,
            kind: store::NoticeKind::Assertion,
            id: *correction.assertion.as_uuid(),
        });
    }
    let mut forwarded_fields: BTreeMap<PersonId, Vec<String>> = BTreeMap::new();
    for (person, fields) in &fields_of {
        let Some(record) = by_id.get(person) else {
            continue;
        };
        let assertions: Vec<(Assertion, SourceKind)> = record
            .assertions
            .iter()
            .map(|a| (a.clone(), kind_of(record, a.source)))
            .collect();
        let decision = domain::forwarding::decide(record.person.category, &assertions, None);
        let allowed: Vec<&Assertion> = decision.forward.iter().collect();
        if let Some(card) = notices::correction_card(record, fields, &allowed) {
            if let Content::CaptureCard(c) | Content::InternmentCard(c) = &card {
                forwarded_fields
                    .insert(*person, c.fields.iter().map(|f| f.field.clone()).collect());
            }
            changes.contents.push(card);
            changes.corrected.push(*person);
        }
    }
    let (contents, items, sent) = notices::event_notices(
        &by_id,
        &events,
        &HashMap::new(),
        notices::Detail::FactAndDate,
    );
    changes.contents.extend(contents);
    changes.notices.extend(items);
    let mut event_kinds: BTreeMap<PersonId, Vec<String>> = BTreeMap::new();
    for (person, event) in &sent {
        if let Some(e) = by_id
            .get(person)
            .and_then(|r| r.events.iter().find(|e| e.id == *event))
        {
            event_kinds
                .entry(*person)
                .or_default()
                .push(format!("event:{}", e.kind.code()));
        }
    }
    changes.events = sent;
    let mut persons: BTreeMap<PersonId, Vec<String>> = forwarded_fields;
    for (person, kinds) in event_kinds {
        persons.entry(person).or_default().extend(kinds);
    }
    // A person forwarded in this run has its decision already; its events go with its card.
    for (person, items) in persons
        .into_iter()
        .filter(|(p, _)| !forwarded_now.contains(p))
    {
        decisions.push(NewForwardingDecision {
            person,
            recipient: to.to_owned(),
            forwarded: true,
            fields_forwarded: items,
            fields_withheld: Vec::new(),
            reason: "GC3-123-a / GC4-140-a: a change or correction the bureau notified, \
                     within the particulars GC3-122-d / GC4-138-a list"
                .to_owned(),
        });
    }
    Ok(changes)
}

/// Records a forwarding run: the envelope (if any) and every decision, in one transaction.
///
/// # Errors
/// A database error.
pub async fn commit_forwarding(
    store: &Store,
    scope: &TenantScope,
    forwarded: &Forwarded,
    decisions: &[NewForwardingDecision],
) -> TransmissionResult<Option<uuid::Uuid>> {
    let sent = match &forwarded.prepared {
        Some(prepared) => Some(prepared.new_transmission()?),
        None => None,
    };
    let id = store
        .record_forwarding(scope, sent.as_ref(), decisions)
        .await?;
    if let Some(read_at) = forwarded.read_at {
        store
            .note_forwarding_considered(scope, &forwarded.recipient, &forwarded.considered, read_at)
            .await?;
    }
    // Decided: out of the queue. Failing before here leaves them queued for the next round.
    if let Some(through) = forwarded.queued_through {
        store
            .consume_forwarding_candidates(scope, &forwarded.recipient, through)
            .await?;
    }
    if let (Some(id), Some(prepared)) = (id, &forwarded.prepared) {
        audit_sent(
            store,
            scope,
            id,
            prepared,
            "forwarding to the power of origin (GC3-123-a, GC4-140-a)",
        )
        .await?;
    }
    // XC-8: every forwarding decision, forwarded or withheld, with its reason codes.
    for decision in decisions {
        let detail = if decision.forwarded {
            format!(
                "forwarded to {}: {}; withheld: {}",
                decision.recipient,
                decision.fields_forwarded.join(","),
                decision.fields_withheld.join(",")
            )
        } else {
            format!(
                "withheld from {}: {}",
                decision.recipient,
                decision
                    .fields_withheld
                    .first()
                    .map_or("nothing to forward", String::as_str)
            )
        };
        store
            .audit(
                scope,
                AuditEntry::new(AuditAction::Transmit, format!("person:{}", decision.person))
                    .purpose("forwarding decision (GC3-123-a, GC4-137-b, GC4-140-a)")
                    .detail(detail),
            )
            .await?;
    }
    Ok(id)
}
