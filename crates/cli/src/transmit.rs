//! `whereabouts keys …`, `whereabouts transmit` and `whereabouts receive`: transmissions on
//! files (issue 5; XC-4, XC-5, GC3-122-c, GC4-137). See docs/transmissions.md.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use domain::{Assertion, Confidence, FieldKey, PersonCategory, SourceKind, Tenant};
use store::{
    KeyState, NewAcknowledgement, NewAssertion, NewPerson, NewReceived, NewSource, NewTransmission,
    ReceivedStatus, Store, StoredKey, TenantScope,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use transmit::{
    Acknowledgement, Admission, CardField, ChannelKey, Content, Envelope, Header, KeyOwner,
    KeyRing, Ledger, PersonCard, PublicKey, PublicKeySet, Purpose, ReceiptStatus, Revocation,
    SecretKey, SignedReceipt, VerifiedEnvelope,
};

use crate::config::Locations;

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Generate a key: the tenant's seal, or with --officer an accountable officer's key. A
    /// second tenant key rotates the first (the newest signs from then on).
    Generate {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        officer: Option<String>,
    },
    /// Write the tenant's public keys and revocations, signed, for its peers to pin.
    Export {
        #[arg(long)]
        tenant: String,
        #[arg(short = 'o', long)]
        output: PathBuf,
    },
    /// Pin a peer's exported keys, after checking the fingerprint printed with the peer by
    /// telephone or in person. An update must be signed by a key pinned before.
    ImportPeer {
        #[arg(long)]
        tenant: String,
        file: PathBuf,
    },
    /// Revoke one of the tenant's keys for good; export the keys again to tell the peers.
    Revoke {
        #[arg(long)]
        tenant: String,
        key: String,
        #[arg(long)]
        reason: String,
    },
    /// List the tenant's keys and pinned peers.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// A new master key (the key outside the database that wraps every tenant's data keys);
    /// the tenant keys are rewrapped while servers keep running (docs/security.md).
    RotateMaster {
        /// Remove the old master keys from the key file once nothing depends on them.
        #[arg(long)]
        retire_old: bool,
    },
}

#[derive(Args)]
pub struct TransmitArgs {
    #[arg(long)]
    tenant: String,
    /// The recipient: a pinned peer's tenant slug.
    #[arg(long)]
    to: String,
    /// `agency` or `protecting-power` (XC-5: each is tracked separately).
    #[arg(long, default_value = "agency")]
    channel: transmit::Channel,
    /// The accountable officer who signs; needed when the tenant has several officer keys.
    #[arg(long)]
    officer: Option<String>,
    /// Only persons registered at or after this date (`2026-11-01`) or instant (RFC 3339).
    #[arg(long)]
    since: Option<String>,
    #[arg(short = 'o', long)]
    output: PathBuf,
}

#[derive(Args)]
pub struct ReceiveArgs {
    #[arg(long)]
    tenant: String,
    bundle: PathBuf,
    /// Where to write the signed acknowledgement. Default: the bundle's path with `.ack.json`.
    #[arg(long)]
    ack: Option<PathBuf>,
}

pub(crate) fn now_text() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

async fn open(locations: &Locations, slug: &str) -> anyhow::Result<(Store, Tenant, TenantScope)> {
    let store = locations.open().await?;
    let tenant = store
        .tenant_by_slug(slug)
        .await
        .with_context(|| format!("no tenant {slug:?}"))?;
    let scope = store.operator_scope(&tenant, &crate::setup::operator_name());
    Ok((store, tenant, scope))
}

fn secret_of(state: &KeyState) -> anyhow::Result<SecretKey> {
    let public: PublicKey = serde_json::from_str(&state.key.public_key)
        .with_context(|| format!("stored key {} is corrupt", state.key.id))?;
    let seed: [u8; 32] = state
        .key
        .signing_seed
        .as_slice()
        .try_into()
        .with_context(|| {
            format!(
                "stored key {} has a signing seed of the wrong length",
                state.key.id
            )
        })?;
    let encryption = match &state.key.encryption_secret {
        Some(bytes) => Some(<[u8; 32]>::try_from(bytes.as_slice()).with_context(|| {
            format!(
                "stored key {} has an encryption secret of the wrong length",
                state.key.id
            )
        })?),
        None => None,
    };
    let key = SecretKey::from_parts(public.owner.clone(), &public.created_at, &seed, encryption);
    if key.public != public {
        bail!("stored key {} does not match its secret half", state.key.id);
    }
    Ok(key)
}

/// The tenant's keys, oldest first.
struct OwnKeys {
    states: Vec<KeyState>,
}

impl OwnKeys {
    async fn load(store: &Store, scope: &TenantScope) -> anyhow::Result<Self> {
        Ok(Self {
            states: store.transmission_keys(scope).await?,
        })
    }

    /// The newest unrevoked key matching `officer` (`None`: the tenant key).
    fn current(&self, officer: Option<&str>) -> anyhow::Result<SecretKey> {
        let state = self
            .states
            .iter()
            .rev()
            .find(|s| s.revoked.is_none() && s.key.officer.as_deref() == officer)
            .ok_or_else(|| match officer {
                None => anyhow::anyhow!(
                    "the tenant has no valid tenant key: run `whereabouts keys generate --tenant …`"
                ),
                Some(name) => anyhow::anyhow!(
                    "no valid key for officer {name:?}: run `whereabouts keys generate --tenant … --officer …`"
                ),
            })?;
        secret_of(state)
    }

    /// Every tenant key, revoked or not, for opening bundles made before a rotation.
    fn tenant_keys(&self) -> anyhow::Result<Vec<SecretKey>> {
        self.states
            .iter()
            .filter(|s| s.key.officer.is_none())
            .map(secret_of)
            .collect()
    }

    fn officer_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .states
            .iter()
            .filter(|s| s.revoked.is_none())
            .filter_map(|s| s.key.officer.clone())
            .collect();
        names.dedup();
        names
    }
}

/// The peers' keys as pinned, replayed in order.
async fn load_ring(store: &Store, scope: &TenantScope) -> anyhow::Result<KeyRing> {
    let mut ring = KeyRing::new();
    for pinned in store.peer_key_sets(scope).await? {
        let set: PublicKeySet = serde_json::from_str(&pinned.key_set)
            .with_context(|| format!("pinned key set of {:?} is corrupt", pinned.peer))?;
        ring.insert(set.open()?);
    }
    Ok(ring)
}

pub async fn keys(locations: &Locations, command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::RotateMaster { retire_old } => {
            return crate::security::rotate_master(locations, retire_old).await;
        }
        KeysCommand::Generate { tenant, officer } => {
            let (store, tenant, scope) = open(locations, &tenant).await?;
            let key = SecretKey::generate(
                KeyOwner {
                    tenant: tenant.slug.clone(),
                    officer: officer.clone(),
                },
                &now_text(),
            )?;
            store
                .add_transmission_key(
                    &scope,
                    &StoredKey {
                        id: key.public.id.to_string(),
                        officer,
                        public_key: serde_json::to_string(&key.public)?,
                        signing_seed: key.signing_seed().to_vec(),
                        encryption_secret: key.encryption_secret().map(|s| s.to_vec()),
                        created_at: OffsetDateTime::now_utc(),
                    },
                )
                .await?;
            println!("{}", key.public.id);
        }
        KeysCommand::Export { tenant, output } => {
            let (store, tenant, scope) = open(locations, &tenant).await?;
            let own = OwnKeys::load(&store, &scope).await?;
            let signer = own.current(None)?;
            let mut publics = Vec::new();
            let mut revoked = Vec::new();
            for state in &own.states {
                publics.push(secret_of(state)?.public);
                if let Some(revocation) = &state.revoked {
                    revoked.push(Revocation {
                        key: transmit::KeyId::from_text(&state.key.id),
                        revoked_at: revocation.revoked_at.format(&Rfc3339)?,
                        reason: revocation.reason.clone(),
                    });
                }
            }
            let set = PublicKeySet::sign(&tenant.name, publics, revoked, &signer)?;
            write_new(&output, serde_json::to_string_pretty(&set)?.as_bytes())?;
            println!(
                "exported keys of {}, signed by {}",
                tenant.slug, signer.public.id
            );
        }
        KeysCommand::ImportPeer { tenant, file } => {
            let (store, tenant, scope) = open(locations, &tenant).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let set: PublicKeySet = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{}: line {}, column {}: not a key set: {e}",
                    file.display(),
                    e.line(),
                    e.column()
                )
            })?;
            let mut ring = load_ring(&store, &scope).await?;
            let peer = ring.pin(&set)?.clone();
            if peer.tenant == tenant.slug {
                bail!("these are this tenant's own keys, not a peer's");
            }
            store.pin_peer_key_set(&scope, &peer.tenant, &text).await?;
            println!("pinned {} ({})", peer.tenant, peer.tenant_name);
            for key in &peer.keys {
                let state = match peer.revocation(&key.id) {
                    Some(r) => format!("revoked {}: {}", r.revoked_at, r.reason),
                    None => "valid".into(),
                };
                let role = key.owner.officer.as_deref().unwrap_or("tenant seal");
                println!("  {}  {role}  {state}", key.id);
            }
        }
        KeysCommand::Revoke {
            tenant,
            key,
            reason,
        } => {
            let (store, _, scope) = open(locations, &tenant).await?;
            store.revoke_transmission_key(&scope, &key, &reason).await?;
            println!("revoked {key}; export the keys again and send them to every peer");
        }
        KeysCommand::List { tenant } => {
            let (store, _, scope) = open(locations, &tenant).await?;
            for state in OwnKeys::load(&store, &scope).await?.states {
                println!(
                    "own   {}  {}  {}",
                    state.key.id,
                    state.key.officer.as_deref().unwrap_or("tenant seal"),
                    if state.revoked.is_some() {
                        "revoked"
                    } else {
                        "valid"
                    }
                );
            }
            for peer in load_ring(&store, &scope).await?.peers() {
                for key in &peer.keys {
                    println!(
                        "peer  {}  {}  {}  {}",
                        peer.tenant,
                        key.id,
                        key.owner.officer.as_deref().unwrap_or("tenant seal"),
                        if peer.revocation(&key.id).is_some() {
                            "revoked"
                        } else {
                            "valid"
                        }
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a file that must not exist yet, so that no bundle or key set is overwritten.
fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

fn parse_since(text: &str) -> anyhow::Result<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at.to_offset(time::UtcOffset::UTC));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).map_err(|_| {
        anyhow::anyhow!(
            "--since {text:?}: expected a date such as 2026-11-01 or an RFC 3339 instant"
        )
    })?;
    Ok(date.midnight().assume_utc())
}

/// The card of a person: for each field, the latest assertion (value or reason for absence).
fn card_of(record: &store::PersonRecord) -> Content {
    let mut latest: BTreeMap<FieldKey, &Assertion> = BTreeMap::new();
    for assertion in &record.assertions {
        latest.insert(assertion.field, assertion);
    }
    let card = PersonCard {
        reference: record.person.reference.clone(),
        category: record.person.category.code().to_owned(),
        registered_at: record
            .person
            .registered_at
            .format(&Rfc3339)
            .unwrap_or_default(),
        fields: latest
            .values()
            .map(|a| CardField::from_domain(a.field, &a.value))
            .collect(),
    };
    if record.person.category.is_civilian() {
        // GC4-106: internees have internment cards.
        Content::InternmentCard(card)
    } else {
        // GC3-70-a: prisoners of war have capture cards.
        Content::CaptureCard(card)
    }
}

pub async fn send(locations: &Locations, args: TransmitArgs) -> anyhow::Result<ExitCode> {
    let (store, tenant, scope) = open(locations, &args.tenant).await?;
    let own = OwnKeys::load(&store, &scope).await?;
    let seal = own.current(None)?;
    let officer_name = match args.officer {
        Some(name) => name,
        None => match own.officer_names().as_slice() {
            [one] => one.clone(),
            [] => bail!("no officer key: run `whereabouts keys generate --tenant … --officer …`"),
            many => bail!(
                "several officers can sign ({}): pass --officer",
                many.join(", ")
            ),
        },
    };
    let officer = own.current(Some(&officer_name))?;
    let ring = load_ring(&store, &scope).await?;
    let peer = ring.peer(&args.to).ok_or_else(|| {
        anyhow::anyhow!(
            "no keys pinned for {:?}: run `whereabouts keys import-peer` with its exported keys",
            args.to
        )
    })?;
    let recipient_key = peer
        .keys
        .iter()
        .rev()
        .find(|k| k.is_tenant_key() && k.encryption.is_some() && peer.revocation(&k.id).is_none())
        .ok_or_else(|| anyhow::anyhow!("{:?} has no valid tenant key to encrypt to", args.to))?;
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let channel = args.channel.code();
    let ids = store
        .untransmitted_persons(&scope, &args.to, channel, since)
        .await?;
    if ids.is_empty() {
        println!(
            "nothing new to transmit to {} on the {channel} channel",
            args.to
        );
        return Ok(ExitCode::SUCCESS);
    }
    let records = store.person_records(&scope, &ids).await?;
    let contents: Vec<Content> = records.iter().map(card_of).collect();
    let sequence = store.next_sequence(&scope, &args.to, channel).await?;
    let header = Header {
        format: transmit::FORMAT_VERSION,
        sender: tenant.slug.clone(),
        recipient: args.to.clone(),
        channel: args.channel,
        purpose: Purpose::Notification,
        sequence: u64::try_from(sequence)?,
        created_at: now_text(),
        officer: officer_name.clone(),
    };
    let envelope = Envelope::seal(header, contents, &officer, &seal)?;
    let wire = envelope.to_bytes();
    let bundle = transmit::seal_bundle(&wire, recipient_key)?;
    write_new(&args.output, &bundle)?;
    let recorded = store
        .record_transmission(
            &scope,
            &NewTransmission {
                recipient: args.to.clone(),
                channel: channel.to_owned(),
                sequence,
                content_hash: envelope.content_hash.clone(),
                envelope: String::from_utf8(wire)?,
                officer: officer_name,
                persons: records.iter().map(|r| r.person.id).collect(),
            },
        )
        .await;
    if let Err(error) = recorded {
        // Not recorded, so not sent: take the file back.
        let _ = std::fs::remove_file(&args.output);
        return Err(error.into());
    }
    println!(
        "transmission {} #{sequence} to {} on the {channel} channel: {} card(s), {}",
        tenant.slug,
        args.to,
        records.len(),
        envelope.content_hash
    );
    Ok(ExitCode::SUCCESS)
}

/// The outcome of one envelope, for the ledger row and the receipt.
struct Outcome {
    header: Option<Header>,
    hash: Option<String>,
    status: ReceiptStatus,
    missing: Vec<u64>,
}

fn rejected(header: Option<Header>, hash: Option<String>, code: &str, reason: String) -> Outcome {
    Outcome {
        header,
        hash,
        status: ReceiptStatus::Rejected {
            code: code.to_owned(),
            reason,
        },
        missing: Vec::new(),
    }
}

pub async fn receive(locations: &Locations, args: ReceiveArgs) -> anyhow::Result<ExitCode> {
    let (store, tenant, scope) = open(locations, &args.tenant).await?;
    let bytes = std::fs::read(&args.bundle)
        .with_context(|| format!("reading {}", args.bundle.display()))?;
    let own = OwnKeys::load(&store, &scope).await?;
    let seal = own.current(None)?;
    let ring = load_ring(&store, &scope).await?;
    let outcome = check_and_apply(&store, &tenant, &scope, &own, &ring, &bytes).await?;

    // The ledger: every envelope received leaves a row, applied or not (XC-8).
    let (status, reason_code, reason, applied) = match &outcome.status {
        ReceiptStatus::Applied { applied } => (
            ReceivedStatus::Applied,
            None,
            None,
            i32::try_from(*applied)?,
        ),
        ReceiptStatus::Duplicate => (ReceivedStatus::Duplicate, None, None, 0),
        ReceiptStatus::Rejected { code, reason } => (
            ReceivedStatus::Rejected,
            Some(code.clone()),
            Some(reason.clone()),
            0,
        ),
    };
    if status != ReceivedStatus::Applied {
        store
            .record_received(
                &scope,
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
                    applied,
                    source: None,
                },
            )
            .await?;
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
    };
    let receipt = SignedReceipt::sign(&ack, &seal)?;
    let ack_path = args.ack.clone().unwrap_or_else(|| {
        let mut name = args.bundle.as_os_str().to_owned();
        name.push(".ack.json");
        PathBuf::from(name)
    });
    std::fs::write(&ack_path, receipt.to_bytes())
        .with_context(|| format!("writing {}", ack_path.display()))?;
    store
        .record_acknowledgement(
            &scope,
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

    let label = match &outcome.header {
        Some(h) => format!(
            "{} #{} on the {} channel",
            h.sender,
            h.sequence,
            h.channel.code()
        ),
        None => "bundle".into(),
    };
    match &outcome.status {
        ReceiptStatus::Applied { applied } => {
            println!("applied {label}: {applied} person(s) registered");
        }
        ReceiptStatus::Duplicate => println!("duplicate {label}: applied before, nothing applied"),
        ReceiptStatus::Rejected { code, reason } => {
            eprintln!("error: rejected {label} ({code}): {reason}; nothing applied");
        }
    }
    if !outcome.missing.is_empty() {
        let list: Vec<String> = outcome.missing.iter().map(u64::to_string).collect();
        println!(
            "gap: sequence number(s) {} not received yet",
            list.join(", ")
        );
    }
    println!("acknowledgement written to {}", ack_path.display());
    Ok(match outcome.status {
        ReceiptStatus::Rejected { .. } => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    })
}

/// Opens, verifies, admits and applies one bundle. Faults of the bundle are outcomes, not
/// errors; an error here is the receiver's own (database, keys).
async fn check_and_apply(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    own: &OwnKeys,
    ring: &KeyRing,
    bytes: &[u8],
) -> anyhow::Result<Outcome> {
    let wire = match transmit::open_bundle(bytes, &own.tenant_keys()?) {
        Ok(wire) => wire,
        Err(error) => {
            let code = match error {
                transmit::BundleError::WrongRecipient { .. } => "wrong-recipient",
                transmit::BundleError::Decryption => "tampered",
                _ => "malformed",
            };
            return Ok(rejected(None, None, code, error.to_string()));
        }
    };
    let envelope = match Envelope::from_bytes(&wire) {
        Ok(envelope) => envelope,
        Err(error) => return Ok(rejected(None, None, error.code(), error.to_string())),
    };
    let claimed = envelope.unverified_header();
    let hash = Some(envelope.content_hash.clone());
    let verified = match envelope.verify(&tenant.slug, ring) {
        Ok(verified) => verified,
        Err(error) => return Ok(rejected(claimed, hash, error.code(), error.to_string())),
    };
    let header = verified.header.clone();
    let channel = header.channel.code();
    let mut ledger = Ledger::new();
    let key = ChannelKey::of(&header);
    for (sequence, accepted) in store
        .applied_on_channel(scope, &header.sender, channel)
        .await?
    {
        ledger.record(key.clone(), u64::try_from(sequence)?, accepted);
    }
    let missing = match ledger.admit(&header, &verified.content_hash) {
        Admission::New { missing } => missing,
        Admission::Duplicate => {
            return Ok(Outcome {
                missing: ledger.missing(&key),
                header: Some(header),
                hash,
                status: ReceiptStatus::Duplicate,
            });
        }
        Admission::SequenceReused { sequence, .. } => {
            return Ok(rejected(
                Some(header),
                hash,
                "sequence-reused",
                format!("sequence number {sequence} was applied before with other contents"),
            ));
        }
        Admission::ZeroSequence => {
            return Ok(rejected(
                Some(header),
                hash,
                "malformed",
                "sequence numbers start at 1".into(),
            ));
        }
    };
    let peer_name = ring
        .peer(&header.sender)
        .map(|p| p.tenant_name.clone())
        .unwrap_or_else(|| header.sender.clone());
    match apply(store, scope, &verified, &peer_name).await? {
        Ok(applied) => Ok(Outcome {
            header: Some(header),
            hash,
            status: ReceiptStatus::Applied { applied },
            missing,
        }),
        Err((code, reason)) => Ok(rejected(Some(header), hash, code, reason)),
    }
}

/// Turns the cards into persons with assertions whose source says who notified them and when
/// (XC-3), then writes the ledger row. A card the registry would refuse rejects the whole
/// envelope before anything is written.
async fn apply(
    store: &Store,
    scope: &TenantScope,
    verified: &VerifiedEnvelope,
    peer_name: &str,
) -> anyhow::Result<Result<usize, (&'static str, String)>> {
    let header = &verified.header;
    let mut people = Vec::new();
    for (index, content) in verified.contents.iter().enumerate() {
        let card = match content {
            Content::CaptureCard(card) | Content::InternmentCard(card) => card,
            other => {
                return Ok(Err((
                    "unsupported-content",
                    format!(
                        "notice {} is a {}, which this version cannot apply yet",
                        index + 1,
                        other.kind()
                    ),
                )));
            }
        };
        let category: PersonCategory = match card.category.parse() {
            Ok(category) => category,
            Err(error) => {
                return Ok(Err((
                    "invalid-content",
                    format!("notice {}: {error}", index + 1),
                )));
            }
        };
        let mut assertions = Vec::new();
        for field in &card.fields {
            match field.to_domain() {
                Ok((field, value)) => assertions.push(NewAssertion {
                    field,
                    value,
                    locator: format!(
                        "envelope {} #{} notice {}, field {field}",
                        header.sender,
                        header.sequence,
                        index + 1
                    ),
                }),
                Err(error) => {
                    return Ok(Err((
                        "invalid-content",
                        format!("notice {}: {error}", index + 1),
                    )));
                }
            }
        }
        people.push(NewPerson {
            // The sender's reference, qualified by the sender so references of two bureaus
            // never collide.
            reference: format!("{}:{}", header.sender, card.reference),
            category,
            assertions,
            events: Vec::new(),
        });
    }
    // A crash between the import and the ledger row leaves the persons without the row; a
    // second receipt of the same bundle then skips them by reference and writes the row.
    let references: Vec<String> = people.iter().map(|p| p.reference.clone()).collect();
    let existing = store.existing_references(scope, &references).await?;
    people.retain(|p| !existing.contains(&p.reference));
    let notified_at = OffsetDateTime::parse(&header.created_at, &Rfc3339)
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    let source = store
        .record_source(
            scope,
            &NewSource {
                kind: SourceKind::BureauList,
                reference: format!(
                    "notified by {peer_name} ({}) on {}: envelope #{} on the {} channel, {}, signed by {}",
                    header.sender,
                    header.created_at,
                    header.sequence,
                    header.channel.code(),
                    verified.content_hash,
                    header.officer
                ),
                collected_by: header.officer.clone(),
                collected_at: notified_at,
                language: None,
                script: None,
                confidence: Confidence::MEDIUM,
            },
        )
        .await?;
    let mut batch = store.begin_import(scope, source).await?;
    batch.insert(&people).await?;
    let applied = batch.commit().await?;
    store
        .record_received(
            scope,
            &NewReceived {
                sender: Some(header.sender.clone()),
                channel: Some(header.channel.code().to_owned()),
                sequence: Some(i64::try_from(header.sequence)?),
                content_hash: Some(verified.content_hash.clone()),
                status: ReceivedStatus::Applied,
                reason_code: None,
                reason: None,
                applied: i32::try_from(applied)?,
                source: Some(source),
            },
        )
        .await?;
    Ok(Ok(applied))
}
