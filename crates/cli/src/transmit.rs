//! `whereabouts keys …`, `whereabouts transmit` and `whereabouts receive`: transmissions on
//! files (issue 5; XC-4, XC-5, GC3-122-c, GC4-137). See docs/transmissions.md.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::builder::TypedValueParser as _;
use clap::{Args, Subcommand};
use domain::Tenant;
use store::{Store, StoredKey, TenantScope};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use transmit::{KeyOwner, PublicKeySet, ReceiptStatus, Revocation, SecretKey};
use web::transmission::{self as tx, OwnKeys, load_ring, now_text, secret_of};

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
    /// A new version of one tenant's data key; every protected field re-sealed under it in
    /// batches while servers keep running, and the old versions erased once nothing uses them.
    /// Run it again after an interruption: it resumes (docs/security.md).
    RotateData {
        #[arg(long)]
        tenant: String,
        /// Rows re-sealed per transaction.
        #[arg(long, default_value_t = 500)]
        batch: usize,
        /// Keep the old versions (do not erase them even when nothing uses them).
        #[arg(long)]
        keep_old: bool,
        /// Erase an old version only once the new one has been the newest for this many
        /// minutes, so that no writer still holds a value sealed under the old one. A run
        /// before that re-seals and keeps the old version; run it again later to retire.
        #[arg(long, default_value_t = 60, value_name = "MINUTES")]
        retire_after: u32,
    },
    /// Erase one tenant's old data-key versions that no value uses any more, once the newest
    /// has been the newest for `--retire-after` minutes (what an early `rotate-data` kept).
    RetireData {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value_t = 60, value_name = "MINUTES")]
        retire_after: u32,
    },
    /// Open every sealed value of one tenant (after a crash, a restore or a rotation): print how
    /// many each key version holds; exit 1 naming each value that does not open.
    CheckData {
        #[arg(long)]
        tenant: String,
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
    /// Write again the envelope with this sequence number (to `--to` on `--channel`) that
    /// no receipt answered yet, as a new bundle: a bundle lost on the way. Its contents and
    /// signatures are the same; the receiver applies it once.
    #[arg(long, conflicts_with_all = ["since", "officer"])]
    resend: Option<i64>,
    /// The most persons' first cards the bundle carries; the others (with their events and
    /// the lists naming them) wait for the next `transmit` (a bounded envelope: see
    /// docs/transmissions.md).
    #[arg(long, default_value_t = tx::TRANSMIT_PER_ENVELOPE, value_parser = clap::value_parser!(u32).range(1..=1_000_000).map(|n| n as usize))]
    per_envelope: usize,
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

pub(crate) async fn open(
    locations: &Locations,
    slug: &str,
) -> anyhow::Result<(Store, Tenant, TenantScope)> {
    let store = locations.open().await?;
    let tenant = store
        .tenant_by_slug(slug)
        .await
        .with_context(|| format!("no tenant {slug:?}"))?;
    let scope = store.operator_scope(&tenant, &crate::setup::operator_name());
    Ok((store, tenant, scope))
}

pub async fn keys(locations: &Locations, command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::RotateMaster { retire_old } => {
            return crate::security::rotate_master(locations, retire_old).await;
        }
        KeysCommand::RotateData {
            tenant,
            batch,
            keep_old,
            retire_after,
        } => {
            let (store, _, scope) = open(locations, &tenant).await?;
            let retire = (!keep_old).then(|| time::Duration::minutes(i64::from(retire_after)));
            return crate::security::rotate_data(&store, &scope, batch, retire).await;
        }
        KeysCommand::RetireData {
            tenant,
            retire_after,
        } => {
            let (store, _, scope) = open(locations, &tenant).await?;
            let grace = time::Duration::minutes(i64::from(retire_after));
            return crate::security::retire_data(&store, &scope, grace).await;
        }
        KeysCommand::CheckData { tenant } => {
            let (store, _, scope) = open(locations, &tenant).await?;
            return crate::security::check_data(&store, &scope).await;
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
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
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

/// `transmit --resend N`: the envelope #N to `--to` on `--channel`, kept in
/// `transmissions_out` until a receipt answers it, encrypted afresh to the recipient's pinned
/// key as a new bundle (a bundle lost on the way: XC-5, the sender keeps everything). The
/// envelope is the same (its hash, sequence number and signatures), so the receiver applies it
/// once and answers `duplicate` if it had it already. No sequence number is used.
async fn resend(
    store: &Store,
    tenant: &Tenant,
    scope: &TenantScope,
    args: &TransmitArgs,
    sequence: i64,
) -> anyhow::Result<ExitCode> {
    let channel = args.channel.code();
    let pending = store.pending_transmissions(scope, &args.to).await?;
    let Some(envelope) = pending
        .iter()
        .find(|p| p.sequence == sequence && p.channel == channel)
    else {
        anyhow::bail!(
            "--resend {sequence}: no envelope #{sequence} to {} on the {channel} channel waits for a receipt ({} do: {})",
            args.to,
            pending.len(),
            pending
                .iter()
                .map(|p| format!("#{} {}", p.sequence, p.channel))
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let ring = tx::load_ring(store, scope).await?;
    let recipient = tx::recipient_key(&ring, &args.to)?;
    let bundle = tx::bundle_for(envelope.envelope.as_bytes(), recipient)?;
    write_new(&args.output, &bundle)?;
    store
        .audit(
            scope,
            store::AuditEntry::new(
                store::AuditAction::Transmit,
                format!("transmission_out:{}", envelope.id),
            )
            .purpose("a lost bundle written again (XC-5)")
            .detail(format!(
                "resent {} #{} to {} on the {channel} channel, {}",
                tenant.slug, envelope.sequence, args.to, envelope.content_hash
            )),
        )
        .await?;
    println!(
        "transmission {} #{} to {} on the {channel} channel written again (the same envelope, {}); the receiver applies it once",
        tenant.slug, envelope.sequence, args.to, envelope.content_hash
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn send(locations: &Locations, args: TransmitArgs) -> anyhow::Result<ExitCode> {
    let (store, tenant, scope) = open(locations, &args.tenant).await?;
    if let Some(sequence) = args.resend {
        return resend(&store, &tenant, &scope, &args, sequence).await;
    }
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let channel = args.channel.code();
    if args.output.exists() {
        anyhow::bail!(
            "{} exists already: a bundle is never overwritten",
            args.output.display()
        );
    }
    let prepared = tx::prepare_cards_bounded(
        &store,
        &tenant,
        &scope,
        &args.to,
        args.channel,
        args.officer.as_deref(),
        since,
        args.per_envelope,
    )
    .await?;
    let Some(prepared) = prepared else {
        println!(
            "nothing new to transmit to {} on the {channel} channel",
            args.to
        );
        return Ok(ExitCode::SUCCESS);
    };
    // XC-5: the bundle carries exactly what is recorded as sent. It is written under a
    // temporary name, recorded, then given its name: a crash before the record leaves only
    // the `.partial` file (nothing sent, the next `transmit` prepares it again); a crash after
    // leaves an envelope recorded whose bundle `--resend` writes again.
    let partial = partial_path(&args.output);
    let _ = std::fs::remove_file(&partial);
    write_new(&partial, &prepared.bundle)?;
    if let Err(error) = tx::commit_prepared(&store, &scope, &prepared).await {
        // Not recorded, so not sent: take the file back.
        let _ = std::fs::remove_file(&partial);
        return Err(error.into());
    }
    // A hard link never replaces an existing file (unlike a rename).
    std::fs::hard_link(&partial, &args.output)
        .and_then(|()| std::fs::remove_file(&partial))
        .with_context(|| {
            format!(
                "envelope #{} is recorded as sent but its bundle stays at {}: move it to {} or write it again with --resend {}",
                prepared.header.sequence,
                partial.display(),
                args.output.display(),
                prepared.header.sequence
            )
        })?;
    let of = |kind: store::NoticeKind| {
        prepared
            .changes
            .notices
            .iter()
            .filter(|n| n.kind == kind)
            .count()
    };
    let (enquiries, answers, lists, withdrawals) = (
        of(store::NoticeKind::Enquiry),
        of(store::NoticeKind::Answer),
        of(store::NoticeKind::List),
        of(store::NoticeKind::Withdrawal),
    );
    let mut messages = if enquiries + answers + lists > 0 {
        format!(", {enquiries} enquiry(ies), {answers} answer(s), {lists} list(s)")
    } else {
        String::new()
    };
    if withdrawals > 0 {
        messages.push_str(&format!(", {withdrawals} withdrawal(s)"));
    }
    println!(
        "transmission {} #{} to {} on the {channel} channel: {} card(s), {} correction(s), {} change(s){messages}, {}",
        tenant.slug,
        prepared.header.sequence,
        args.to,
        prepared.persons.len(),
        prepared.changes.corrected.len(),
        prepared.changes.events.len(),
        prepared.envelope.content_hash
    );
    if prepared.more {
        println!(
            "more persons wait for {} than one envelope carries (--per-envelope {}): run `whereabouts transmit` again for the next bundle",
            args.to, args.per_envelope
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `<output>.partial`: where a bundle is written until its envelope is recorded as sent.
fn partial_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

pub async fn receive(locations: &Locations, args: ReceiveArgs) -> anyhow::Result<ExitCode> {
    let (store, tenant, scope) = open(locations, &args.tenant).await?;
    // Read from the file as it is decrypted: a streamed bundle is never held whole.
    let file = std::fs::File::open(&args.bundle)
        .with_context(|| format!("reading {}", args.bundle.display()))?;
    let received = tx::receive_from(&store, &tenant, &scope, std::io::BufReader::new(file)).await?;
    let ack_path = args.ack.clone().unwrap_or_else(|| {
        let mut name = args.bundle.as_os_str().to_owned();
        name.push(".ack.json");
        PathBuf::from(name)
    });
    std::fs::write(&ack_path, received.receipt.to_bytes())
        .with_context(|| format!("writing {}", ack_path.display()))?;
    let outcome = &received.outcome;
    let label = outcome.label();
    match &outcome.status {
        ReceiptStatus::Applied { applied } => {
            println!(
                "applied {label}: {applied} notice(s) applied (persons registered, corrected, events)"
            );
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

#[derive(Args)]
pub struct ReceiptArgs {
    #[arg(long)]
    tenant: String,
    /// The peer that signed the acknowledgement (the envelope's recipient).
    #[arg(long)]
    from: String,
    /// The `.ack.json` file `receive` wrote at the peer.
    file: PathBuf,
}

/// `whereabouts receipt`: the sender keeps a peer's acknowledgement of a file bundle, which the
/// compliance view counts (XC-5).
pub async fn receipt(locations: &Locations, args: ReceiptArgs) -> anyhow::Result<ExitCode> {
    let (store, _, scope) = open(locations, &args.tenant).await?;
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let ack = tx::accept_receipt(&store, &scope, &args.from, &bytes).await?;
    let status = match &ack.status {
        ReceiptStatus::Applied { applied } => format!("applied ({applied} notice(s))"),
        ReceiptStatus::Duplicate => "duplicate".into(),
        ReceiptStatus::Rejected { code, reason } => format!("rejected ({code}): {reason}"),
    };
    println!(
        "receipt from {} for #{} on the {} channel: {status}",
        args.from,
        ack.sequence.map_or_else(|| "?".into(), |s| s.to_string()),
        ack.channel.map_or("?", transmit::Channel::code)
    );
    if !ack.missing.is_empty() {
        let list: Vec<String> = ack.missing.iter().map(u64::to_string).collect();
        println!(
            "the peer has not received sequence number(s) {}",
            list.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum PeerCommand {
    /// Where a pinned peer is reached (`--url https://host:port` with `--tls-cert`, pushed to
    /// by `serve`), which channel cards go out on to it, and (agency) whose nationals'
    /// information it receives.
    Set {
        #[arg(long)]
        tenant: String,
        peer: String,
        #[arg(long)]
        url: Option<String>,
        /// The peer's TLS certificate (PEM), compared with the peer out of band: the only
        /// certificate an https:// connection to it accepts (its SHA-256 is kept). Give two
        /// (the old and the new) while the peer renews it: both are accepted until the peer is
        /// set again with the new one only.
        #[arg(long)]
        tls_cert: Vec<PathBuf>,
        /// The same, as the `sha256:…` that the peer's `serve --tls-cert` prints; repeatable
        /// like --tls-cert (at most two pins in all).
        #[arg(long)]
        tls_pin: Vec<String>,
        /// Each round, fetch what the peer holds for this tenant from its outbox at --url.
        #[arg(long)]
        pull: bool,
        /// With --pull: fetch from the peer only when the last pull is at least this many
        /// seconds old (10 to 86400); default: every round of `serve --push-interval`.
        #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
        pull_every: Option<i64>,
        /// Keep envelopes for the peer in this instance's outbox for it to fetch (pull);
        /// never push them.
        #[arg(long)]
        outbox: bool,
        /// The party code (`XB`) whose nationals the agency forwards to this peer.
        #[arg(long)]
        origin: Option<String>,
        #[arg(long, default_value = "agency")]
        channel: transmit::Channel,
    },
    /// List the peers' settings and what waits for each.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// One round now, once (what `serve` does in a loop): seal what is new, push every
    /// unacknowledged envelope to each peer with a URL (not to an outbox peer), and fetch what
    /// each peer set with --pull holds for this tenant.
    Push {
        #[arg(long)]
        tenant: String,
    },
    /// Fetch now what one peer holds for this tenant in its outbox (its URL is needed), without
    /// sealing or pushing anything.
    Pull {
        #[arg(long)]
        tenant: String,
        peer: String,
    },
}

pub async fn peer(locations: &Locations, command: PeerCommand) -> anyhow::Result<ExitCode> {
    match command {
        PeerCommand::Set {
            tenant,
            peer,
            url,
            tls_cert,
            tls_pin,
            pull,
            pull_every,
            outbox,
            origin,
            channel,
        } => {
            if let Some(every) = pull_every {
                let bounds = store::PULL_EVERY_SECONDS;
                if !pull {
                    bail!("--pull-every {every}: needs --pull (and the peer's --url)");
                }
                if !bounds.contains(&every) {
                    bail!(
                        "--pull-every {every}: expected {} to {} seconds (10 s to one day)",
                        bounds.start(),
                        bounds.end()
                    );
                }
            }
            let (store, _, scope) = open(locations, &tenant).await?;
            if load_ring(&store, &scope).await?.peer(&peer).is_none() {
                bail!("no keys pinned for {peer:?}: run `whereabouts keys import-peer` first");
            }
            let mut pins = Vec::new();
            for file in &tls_cert {
                pins.push(tx::tls::pin_of_file(file)?);
            }
            pins.extend(tls_pin);
            if pins.len() > 2 {
                bail!(
                    "{} certificate pins: one, or two (the old and the new) while the peer renews its certificate",
                    pins.len()
                );
            }
            let tls_pin = (!pins.is_empty()).then(|| pins.join(" "));
            store
                .set_peer(
                    &scope,
                    &store::NewPeer {
                        peer: &peer,
                        url: url.as_deref(),
                        origin: origin.as_deref(),
                        channel: channel.code(),
                        tls_pin: tls_pin.as_deref(),
                        pull,
                        outbox,
                        pull_every,
                    },
                )
                .await?;
            println!("peer {peer} set");
            for pin in &pins {
                println!("  certificate pinned: {pin}");
            }
            if pins.len() == 2 {
                println!(
                    "  both are accepted; once the peer serves the new one, set the peer again with it alone"
                );
            }
        }
        PeerCommand::List { tenant } => {
            let (store, _, scope) = open(locations, &tenant).await?;
            for setting in store.peers(&scope).await? {
                let waits = tx::push::waiting(&store, &scope, &setting.peer).await?;
                let mut how = Vec::new();
                let schedule = tx::status::pull_schedule(&setting);
                if setting.pull {
                    how.push(schedule.as_str());
                }
                if setting.outbox {
                    how.push("outbox");
                }
                println!(
                    "{}  url {}  channel {}  origin {}  certificate {}  {}  {} envelope(s) without receipt, {} enquiry(ies), {} answer(s), {} list(s), {} withdrawal(s) to seal",
                    setting.peer,
                    setting.url.as_deref().unwrap_or("-"),
                    setting.channel,
                    setting.origin.as_deref().unwrap_or("-"),
                    setting
                        .tls_pin
                        .as_deref()
                        .map_or_else(|| "-".to_owned(), |p| p.replace(' ', " and ")),
                    if how.is_empty() {
                        "push".to_owned()
                    } else {
                        how.join(" + ")
                    },
                    waits.envelopes,
                    waits.enquiries,
                    waits.answers,
                    waits.lists,
                    waits.withdrawals
                );
            }
        }
        PeerCommand::Pull { tenant, peer } => {
            let (store, tenant, scope) = open(locations, &tenant).await?;
            let setting = store
                .peers(&scope)
                .await?
                .into_iter()
                .find(|p| p.peer == peer)
                .with_context(|| format!("no peer {peer:?} set: run `whereabouts peer set`"))?;
            let report = tx::status::pull_now(
                &store,
                &tenant,
                &scope,
                &setting,
                std::time::Duration::from_secs(60),
            )
            .await?;
            println!(
                "{peer}: {} fetched, {} rejected",
                report.fetched, report.rejected
            );
            if let Some(failure) = report.failure {
                eprintln!("error: {peer}: {failure}; nothing lost, pull again later");
                return Ok(ExitCode::FAILURE);
            }
        }
        PeerCommand::Push { tenant } => {
            let (store, tenant, scope) = open(locations, &tenant).await?;
            let mut failed = false;
            for setting in store.peers(&scope).await? {
                let endpoint = tx::push::Endpoint::of(&setting);
                if endpoint.is_none() && !setting.outbox {
                    continue;
                }
                let report = tx::push::one_peer(
                    &store,
                    &tenant,
                    &scope,
                    &setting,
                    endpoint.as_ref(),
                    std::time::Duration::from_secs(60),
                )
                .await?;
                println!(
                    "{}: {} sealed, {} pushed, {} pulled, {} still pending",
                    setting.peer, report.sealed, report.pushed, report.pulled, report.pending
                );
                if let Some(failure) = report.failure {
                    eprintln!("error: {}: {failure}; everything kept", setting.peer);
                    failed = true;
                }
            }
            if failed {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct ForwardArgs {
    #[arg(long)]
    tenant: String,
    /// The power of origin's bureau: a pinned peer.
    #[arg(long)]
    to: String,
    /// The party code whose nationals are forwarded; default: the peer's `--origin` setting.
    #[arg(long)]
    origin: Option<String>,
    #[arg(long)]
    officer: Option<String>,
    /// The most persons' first cards the bundle carries; the others wait for the next
    /// `forward` (a bounded envelope: see docs/transmissions.md).
    #[arg(long, default_value_t = tx::FORWARD_PER_ENVELOPE)]
    per_envelope: usize,
    #[arg(short = 'o', long)]
    output: PathBuf,
}

/// `whereabouts forward`: the agency forwards to a power of origin what the conventions allow
/// (GC3-123-a, GC4-140-a), as a bundle; every decision is recorded.
pub async fn forward(locations: &Locations, args: ForwardArgs) -> anyhow::Result<ExitCode> {
    if args.per_envelope == 0 {
        anyhow::bail!("--per-envelope 0: expected at least 1 person");
    }
    let (store, tenant, scope) = open(locations, &args.tenant).await?;
    let origin = match args.origin {
        Some(origin) => origin,
        None => store
            .peers(&scope)
            .await?
            .into_iter()
            .find(|p| p.peer == args.to)
            .and_then(|p| p.origin)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no origin for {:?}: pass --origin or run `whereabouts peer set --origin`",
                    args.to
                )
            })?,
    };
    let (forwarded, decisions) = tx::forward_to_origin_bounded(
        &store,
        &tenant,
        &scope,
        &args.to,
        &origin,
        args.officer.as_deref(),
        args.per_envelope,
    )
    .await?;
    if let Some(prepared) = &forwarded.prepared {
        write_new(&args.output, &prepared.bundle)?;
    }
    if let Err(error) = tx::commit_forwarding(&store, &scope, &forwarded, &decisions).await {
        if forwarded.prepared.is_some() {
            let _ = std::fs::remove_file(&args.output);
        }
        return Err(error.into());
    }
    match &forwarded.prepared {
        Some(prepared) => println!(
            "forwarding {} #{} to {}: {} person(s) forwarded, {} withheld, {} change(s) and correction(s), {}",
            tenant.slug,
            prepared.header.sequence,
            args.to,
            forwarded.forwarded,
            forwarded.withheld,
            forwarded.changes,
            prepared.envelope.content_hash
        ),
        None => println!(
            "nothing to forward to {}: {} person(s) withheld",
            args.to, forwarded.withheld
        ),
    }
    if forwarded.more {
        println!(
            "more persons wait for {} than one envelope carries (--per-envelope {}): run `whereabouts forward` again for the next bundle",
            args.to, args.per_envelope
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct DetrimentArgs {
    #[arg(long)]
    tenant: String,
    /// The person's reference in this tenant.
    #[arg(long)]
    person: String,
    /// Why transmission to the power of origin would be detrimental (GC4-137-b).
    #[arg(long)]
    reason: String,
}

/// `whereabouts detriment`: flags a person so that the agency never forwards their information
/// to the power of origin; the card still goes to the agency (GC4-137-b).
pub async fn detriment(locations: &Locations, args: DetrimentArgs) -> anyhow::Result<ExitCode> {
    let (store, _, scope) = open(locations, &args.tenant).await?;
    let person = store
        .person_id_by_reference(&scope, &args.person)
        .await
        .map_err(|e| match e {
            store::StoreError::NotFound => {
                anyhow::anyhow!("no person with reference {:?}", args.person)
            }
            other => other.into(),
        })?;
    store.flag_detriment(&scope, person, &args.reason).await?;
    println!("flagged: the agency will not forward this person to the power of origin");
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct ComplianceArgs {
    #[arg(long)]
    tenant: String,
    /// The moment to compute at (RFC 3339 or a date); default now.
    #[arg(long)]
    at: Option<String>,
    /// Print the JSON of `GET /api/v1/compliance` instead of a table.
    #[arg(long)]
    json: bool,
}

/// `whereabouts compliance`: per rule and channel, what was due, sent, acknowledged and late
/// (issue 5 §5), the same numbers as the page and the API.
pub async fn compliance(locations: &Locations, args: ComplianceArgs) -> anyhow::Result<ExitCode> {
    let (store, tenant, scope) = open(locations, &args.tenant).await?;
    let at = match &args.at {
        Some(text) => parse_since(text)?,
        None => OffsetDateTime::now_utc(),
    };
    let report = tx::compliance::compute(&store, &scope, &tenant.slug, at).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("compliance of {} at {}", report.tenant, report.at);
    println!("rule       channel           owed    due  on time   late  overdue  acknowledged");
    for row in &report.rules {
        println!(
            "{:<10} {:<16} {:>5} {:>6} {:>8} {:>6} {:>8} {:>13}",
            row.rule,
            row.channel,
            row.owed,
            row.due,
            row.sent_on_time,
            row.sent_late,
            row.overdue,
            row.acknowledged
        );
    }
    for row in &report.sent {
        println!(
            "sent to {} on {}: {} envelope(s), {} acknowledged, {} rejected, {} without receipt",
            row.recipient,
            row.channel,
            row.envelopes,
            row.acknowledged,
            row.rejected,
            row.unanswered
        );
    }
    for row in &report.enquiries {
        println!(
            "enquiries {} {} {}: {} ({} answered on time, {} late, {} overdue, {} open){}",
            row.direction,
            if row.direction == "asked" {
                "of"
            } else {
                "from"
            },
            row.peer,
            row.owed,
            row.answered_on_time,
            row.answered_late,
            row.overdue,
            row.open,
            // Closed or withdrawn without an answer: no longer owed (§10 #47).
            if row.closed > 0 {
                format!(", and {} closed, not owed", row.closed)
            } else {
                String::new()
            }
        );
    }
    for row in &report.received {
        let missing: Vec<String> = row.missing.iter().map(u64::to_string).collect();
        println!(
            "received from {} on {}: {} applied ({} notice(s)), {} duplicate(s), {} rejected{}",
            row.sender,
            row.channel,
            row.applied,
            row.persons,
            row.duplicates,
            row.rejected,
            if missing.is_empty() {
                String::new()
            } else {
                format!(", missing {}", missing.join(", "))
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
