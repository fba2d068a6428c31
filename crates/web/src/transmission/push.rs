//! Push between instances (issue 5): the sender loop of `whereabouts serve` and its HTTP client.
//!
//! The body of a push is the same encrypted, signed bundle a USB stick carries (`.wab`), so the
//! two ways to travel have identical contents and one receiving path. The bundle's own
//! encryption (to the recipient's pinned key) and signatures protect it end to end; between
//! sites the client speaks `https://` with the peer's certificate pinned ([`super::tls`]), and
//! `http://` stays for loopback and tests.
//!
//! The loop, every `interval`: for each tenant and each peer with a URL, it seals what is new
//! (a bureau's cards on the peer's channel; the agency's forwarding for a peer with an origin),
//! records it, then pushes every envelope the peer has not acknowledged, in sequence order.
//! A peer that is down is retried with exponential backoff (interval × 2ⁿ, capped); nothing is
//! dropped: pending envelopes stay in `transmissions_out` until a receipt answers them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use store::{Store, TenantScope};

use super::{
    TRANSMIT_PER_ENVELOPE, TransmissionError, TransmissionResult, accept_receipt,
    commit_forwarding, commit_prepared, forward_to_origin, keys_error, load_ring,
    prepare_cards_bounded, recipient_key,
};

/// How the sender loop runs.
#[derive(Clone, Debug)]
pub struct SenderConfig {
    /// Time between rounds, and the first retry delay.
    pub interval: Duration,
    /// The longest wait between two attempts at a peer that is down.
    pub max_backoff: Duration,
    /// Time allowed for one push (connect, send, answer).
    pub timeout: Duration,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(30),
            max_backoff: Duration::from_secs(30 * 60),
            timeout: Duration::from_secs(60),
        }
    }
}

/// Why a push (or a pull) did not get its answer.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("peer URL {url:?}: {problem}")]
    Url { url: String, problem: String },
    #[error("cannot reach the peer: {0}")]
    Unreachable(String),
    /// The TLS handshake failed: most often a certificate that is not the one pinned.
    #[error("TLS with the peer failed: {0}")]
    Tls(String),
    #[error("the peer answered {status}: {answer}")]
    Refused { status: u16, answer: String },
    #[error("the peer's answer is over {limit} bytes")]
    TooLarge { limit: usize },
    #[error("keeping the peer's answer: {0}")]
    Spool(String),
    #[error("timed out")]
    Timeout,
}

/// Where a peer is reached: its URL and, for `https://`, the certificate pinned for it
/// (`sha256:` of its DER; no web certificate authorities are trusted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub tls_pin: Option<String>,
}

impl Endpoint {
    #[must_use]
    pub fn new(url: &str, tls_pin: Option<&str>) -> Self {
        Self {
            url: url.to_owned(),
            tls_pin: tls_pin.map(str::to_owned),
        }
    }

    /// The endpoint of a peer's setting, if it has a URL.
    #[must_use]
    pub fn of(peer: &store::PeerSetting) -> Option<Self> {
        peer.url
            .as_deref()
            .map(|url| Self::new(url, peer.tls_pin.as_deref()))
    }
}

/// A parsed URL: `host:port`, the host alone (the TLS server name), the path prefix, and
/// the pin for `https://`.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    authority: String,
    host: String,
    prefix: String,
    pin: Option<String>,
}

fn parse_url(endpoint: &Endpoint) -> Result<Target, PushError> {
    let url = &endpoint.url;
    let bad = |problem: &str| PushError::Url {
        url: url.clone(),
        problem: problem.to_owned(),
    };
    let (rest, default_port, pin) = if let Some(rest) = url.strip_prefix("https://") {
        let pin = endpoint.tls_pin.clone().ok_or_else(|| {
            bad("https:// needs the peer's certificate pinned (`whereabouts peer set --tls-cert`)")
        })?;
        (rest, 443, Some(pin))
    } else if let Some(rest) = url.strip_prefix("http://") {
        if endpoint.tls_pin.is_some() {
            return Err(bad("a certificate is pinned but the URL is not https://"));
        }
        (rest, 80, None)
    } else {
        return Err(bad("expected http://host:port or https://host:port"));
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], rest[at..].trim_end_matches('/')),
        None => (rest, ""),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(bad("no host, or a user name in it"));
    }
    let (host, authority) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            if port.parse::<u16>().is_err() {
                return Err(bad("the port is not a number"));
            }
            (host.to_owned(), authority.to_owned())
        }
        _ => (authority.to_owned(), format!("{authority}:{default_port}")),
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Ok(Target {
        authority,
        host,
        prefix: path.to_owned(),
        pin,
    })
}

/// Where an answer's body goes, and how much of it is accepted.
pub enum Sink {
    Memory(Vec<u8>),
    File(std::fs::File),
}

impl Sink {
    fn write(&mut self, data: &[u8]) -> Result<(), PushError> {
        match self {
            Self::Memory(buffer) => buffer.extend_from_slice(data),
            Self::File(file) => {
                std::io::Write::write_all(file, data)
                    .map_err(|e| PushError::Spool(e.to_string()))?;
            }
        }
        Ok(())
    }
}

/// One request over an open connection (plain or TLS); the answer's body goes to `sink`.
async fn exchange_over<S>(
    io: S,
    request: hyper::Request<Full<Bytes>>,
    sink: &mut Sink,
    limit: usize,
) -> Result<(u16, hyper::HeaderMap), PushError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io))
            .await
            .map_err(|e| PushError::Unreachable(e.to_string()))?;
    let driver = tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| PushError::Unreachable(e.to_string()))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let mut body = response.into_body();
    let mut size = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| PushError::Unreachable(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            size = size.saturating_add(data.len());
            if size > limit {
                driver.abort();
                return Err(PushError::TooLarge { limit });
            }
            sink.write(&data)?;
        }
    }
    driver.abort();
    Ok((status, headers))
}

/// Sends one `POST <url><path>` with `body` to a peer, over TLS with its pinned certificate
/// for `https://`; the answer's body (at most `limit` bytes) goes to `sink`.
///
/// # Errors
/// A URL that cannot be used, a peer that cannot be reached, a certificate that is not the
/// pinned one, an answer over the limit, or the time ran out.
pub async fn exchange(
    endpoint: &Endpoint,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
    timeout: Duration,
    sink: &mut Sink,
    limit: usize,
) -> Result<(u16, hyper::HeaderMap), PushError> {
    let target = parse_url(endpoint)?;
    let request = hyper::Request::post(format!("{}{path}", target.prefix))
        .header(hyper::header::HOST, &target.authority)
        .header(hyper::header::CONTENT_TYPE, content_type)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| PushError::Unreachable(e.to_string()))?;
    let work =
        async {
            let stream = tokio::net::TcpStream::connect(&target.authority)
                .await
                .map_err(|e| PushError::Unreachable(e.to_string()))?;
            match &target.pin {
                None => exchange_over(stream, request, sink, limit).await,
                Some(pin) => {
                    let connector = super::tls::pinned_connector(pin)
                        .map_err(|e| PushError::Tls(e.to_string()))?;
                    let name = rustls::pki_types::ServerName::try_from(target.host.clone())
                        .map_err(|e| PushError::Url {
                            url: endpoint.url.clone(),
                            problem: format!("the host is not a DNS name or an address: {e}"),
                        })?;
                    let tls = connector
                        .connect(name, stream)
                        .await
                        .map_err(|e| PushError::Tls(super::tls::handshake_failure(&e)))?;
                    exchange_over(tls, request, sink, limit).await
                }
            }
        };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| PushError::Timeout)?
}

/// The largest receipt accepted as an answer to a push.
const RECEIPT_LIMIT: usize = 1024 * 1024;

/// POSTs a bundle to `<url>/api/v1/transmissions`; returns the status and the body.
///
/// # Errors
/// As [`exchange`].
pub async fn post_bundle(
    endpoint: &Endpoint,
    bundle: Vec<u8>,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), PushError> {
    let mut sink = Sink::Memory(Vec::new());
    let (status, _) = exchange(
        endpoint,
        "/api/v1/transmissions",
        "application/octet-stream",
        bundle,
        timeout,
        &mut sink,
        RECEIPT_LIMIT,
    )
    .await?;
    match sink {
        Sink::Memory(body) => Ok((status, body)),
        Sink::File(_) => Ok((status, Vec::new())),
    }
}

/// What one round did for one peer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub sealed: usize,
    pub pushed: usize,
    pub pending: usize,
    /// Envelopes fetched from the peer's outbox (pull) and received.
    pub pulled: usize,
    /// Set when the peer could not be reached; the round stopped at the first failure.
    pub failure: Option<String>,
}

/// The forwarding envelopes a round of the sender seals for one peer at most (each of at most
/// `FORWARD_PER_ENVELOPE` first cards): 100,000 persons a round; a larger backlog continues in
/// the next round.
const FORWARD_ENVELOPES_PER_ROUND: usize = 20;

/// The envelopes of a bureau's cards a round of the sender seals for one peer at most (each
/// of at most `TRANSMIT_PER_ENVELOPE` first cards): 100,000 persons a round; a larger backlog
/// continues in the next round.
const TRANSMIT_ENVELOPES_PER_ROUND: usize = 20;

/// Seals what is new for `peer` and records it. A bureau seals its cards on the peer's
/// channel; an agency with an origin set for the peer runs its forwarding; then any tenant
/// seals the enquiries, answers and lists waiting for the peer.
///
/// # Errors
/// Keys or database.
pub async fn seal_new(
    store: &Store,
    tenant: &domain::Tenant,
    scope: &TenantScope,
    peer: &store::PeerSetting,
) -> TransmissionResult<usize> {
    seal_new_bounded(store, tenant, scope, peer, TRANSMIT_PER_ENVELOPE).await
}

/// [`seal_new`] with envelopes of a bureau's cards of at most `per_envelope` first cards.
///
/// # Errors
/// Keys or database.
pub async fn seal_new_bounded(
    store: &Store,
    tenant: &domain::Tenant,
    scope: &TenantScope,
    peer: &store::PeerSetting,
    per_envelope: usize,
) -> TransmissionResult<usize> {
    let mut sealed = 0;
    if let Some(origin) = &peer.origin {
        // A backlog larger than an envelope goes in several, each recorded before the next is
        // sealed (its sequence number follows), up to FORWARD_ENVELOPES_PER_ROUND a round.
        for _ in 0..FORWARD_ENVELOPES_PER_ROUND {
            let (forwarded, decisions) =
                forward_to_origin(store, tenant, scope, &peer.peer, origin, None).await?;
            // Also with no decision: the persons read leave the queue (migration 0022).
            if !decisions.is_empty() || forwarded.queued_through.is_some() {
                commit_forwarding(store, scope, &forwarded, &decisions).await?;
                sealed += usize::from(forwarded.prepared.is_some());
            }
            if !forwarded.more {
                break;
            }
        }
    }
    if tenant.kind == domain::TenantKind::ProtectionUnit {
        return Ok(sealed);
    }
    // A bureau's cards, changes and lists; any tenant's enquiries and answers (issue 5).
    // A backlog larger than an envelope (a bureau's first round) goes in several, each
    // recorded as sent before the next is prepared (its sequence number follows, and a crash
    // between two loses and repeats nothing), up to TRANSMIT_ENVELOPES_PER_ROUND a round.
    let channel: transmit::Channel = peer.channel.parse().map_err(keys_error)?;
    for _ in 0..TRANSMIT_ENVELOPES_PER_ROUND {
        let Some(prepared) = prepare_cards_bounded(
            store,
            tenant,
            scope,
            &peer.peer,
            channel,
            None,
            None,
            per_envelope,
        )
        .await?
        else {
            break;
        };
        commit_prepared(store, scope, &prepared).await?;
        sealed += 1;
        if !prepared.more {
            break;
        }
    }
    Ok(sealed)
}

/// Pushes every envelope `peer` has not acknowledged, in order, stopping at the first that
/// cannot be delivered (it stays pending).
///
/// # Errors
/// Keys or database; a peer that is down is a `failure` in the report, not an error.
pub async fn push_pending(
    store: &Store,
    scope: &TenantScope,
    peer: &str,
    endpoint: &Endpoint,
    timeout: Duration,
) -> TransmissionResult<RoundReport> {
    let ring = load_ring(store, scope).await?;
    let recipient = recipient_key(&ring, peer)?.clone();
    // The envelopes' text is read one at a time: a bureau's first round is many of them.
    let pending = store.pending_transmission_heads(scope, peer).await?;
    let mut report = RoundReport {
        pending: pending.len(),
        ..RoundReport::default()
    };
    for item in pending {
        // The stored envelope, encrypted afresh: the same bytes a file bundle holds inside.
        let envelope = store.transmission_envelope(scope, item.id).await?;
        let bundle = super::bundle_for(envelope.as_bytes(), &recipient)?;
        drop(envelope);
        match post_bundle(endpoint, bundle, timeout).await {
            Ok((status, body)) => match accept_receipt(store, scope, peer, &body).await {
                Ok(_) => {
                    report.pushed += 1;
                    report.pending -= 1;
                }
                Err(TransmissionError::Keys(reason)) => {
                    report.failure = Some(format!(
                        "answer {status} to #{} is not a valid receipt: {reason}",
                        item.sequence
                    ));
                    break;
                }
                Err(other) => return Err(other),
            },
            Err(error) => {
                report.failure = Some(error.to_string());
                break;
            }
        }
    }
    Ok(report)
}

/// One peer's turn in a round: seal what is new (for a peer with a URL or an outbox), push
/// what is unacknowledged (unless the peer fetches it from the outbox), and fetch what the peer
/// holds for this tenant (a peer set with `--pull`, when its pull is due: see
/// [`super::status::pull_due`]).
///
/// # Errors
/// This tenant's own failures; a peer that is down is a `failure` in the report.
pub async fn one_peer(
    store: &Store,
    tenant: &domain::Tenant,
    scope: &TenantScope,
    peer: &store::PeerSetting,
    endpoint: Option<&Endpoint>,
    timeout: Duration,
) -> TransmissionResult<RoundReport> {
    let sealed = seal_new(store, tenant, scope, peer).await?;
    let mut report = match endpoint {
        Some(endpoint) if !peer.outbox => {
            push_pending(store, scope, &peer.peer, endpoint, timeout).await?
        }
        _ => RoundReport {
            pending: store
                .pending_transmission_heads(scope, &peer.peer)
                .await?
                .len(),
            ..RoundReport::default()
        },
    };
    report.sealed = sealed;
    if report.pushed > 0 {
        super::status::note_push(store, scope, &peer.peer).await?;
    }
    if peer.pull && endpoint.is_some() && super::status::pull_due(store, scope, peer).await? {
        let pulled = super::status::pull_now(store, tenant, scope, peer, timeout).await?;
        report.pulled = pulled.fetched + pulled.rejected;
        if report.failure.is_none() {
            report.failure = pulled.failure.map(|f| format!("pull: {f}"));
        }
    }
    super::status::note_outcome(store, scope, &peer.peer, report.failure.as_deref()).await?;
    Ok(report)
}

/// One round over every tenant and peer with a URL or an outbox, honouring each peer's backoff.
async fn round(
    store: &Store,
    config: &SenderConfig,
    backoff: &mut HashMap<(String, String), (Instant, Duration)>,
) -> TransmissionResult<()> {
    for tenant in store.tenants().await? {
        let scope = store.operator_scope(&tenant, "sender");
        for peer in store.peers(&scope).await? {
            let endpoint = Endpoint::of(&peer);
            if endpoint.is_none() && !peer.outbox {
                continue;
            }
            let key = (tenant.slug.clone(), peer.peer.clone());
            if let Some((next, _)) = backoff.get(&key)
                && Instant::now() < *next
            {
                continue;
            }
            let attempt = one_peer(
                store,
                &tenant,
                &scope,
                &peer,
                endpoint.as_ref(),
                config.timeout,
            );
            let report = match attempt.await {
                Ok(report) => report,
                Err(error) => {
                    // A tenant's own problem (keys missing, database): the others go on.
                    tracing::error!(tenant = %tenant.slug, peer = %peer.peer, %error, "sender round failed");
                    continue;
                }
            };
            let sealed = report.sealed;
            match &report.failure {
                None => {
                    backoff.remove(&key);
                    if report.pushed > 0 || sealed > 0 || report.pulled > 0 {
                        tracing::info!(
                            tenant = %tenant.slug,
                            peer = %peer.peer,
                            sealed,
                            pushed = report.pushed,
                            pulled = report.pulled,
                            "transmissions exchanged"
                        );
                    }
                }
                Some(failure) => {
                    let delay = backoff
                        .get(&key)
                        .map_or(config.interval, |(_, d)| (*d * 2).min(config.max_backoff));
                    backoff.insert(key, (Instant::now() + delay, delay));
                    tracing::warn!(
                        tenant = %tenant.slug,
                        peer = %peer.peer,
                        pending = report.pending,
                        retry_in_s = delay.as_secs(),
                        %failure,
                        "push or pull failed; everything kept, retrying"
                    );
                }
            }
        }
    }
    Ok(())
}

/// What waits for a peer: envelopes without a receipt, and enquiries, answers and lists not
/// yet sealed into an envelope.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Waiting {
    pub envelopes: usize,
    pub enquiries: usize,
    pub answers: usize,
    pub lists: usize,
    /// Withdrawn enquiries the bureau asked has not learnt of yet (migration 0019).
    pub withdrawals: usize,
}

/// What waits for `peer` (see [`Waiting`]).
///
/// # Errors
/// A database error.
pub async fn waiting(
    store: &Store,
    scope: &TenantScope,
    peer: &str,
) -> TransmissionResult<Waiting> {
    let messages = store.pending_messages(scope, peer).await?;
    Ok(Waiting {
        envelopes: store.pending_transmission_heads(scope, peer).await?.len(),
        enquiries: messages.enquiries.len(),
        answers: messages.answers.len(),
        lists: messages.lists.len(),
        withdrawals: messages.withdrawals.len(),
    })
}

/// Runs the sender loop until the task is dropped.
pub async fn run_sender(store: Store, config: SenderConfig) {
    let mut backoff = HashMap::new();
    loop {
        if let Err(error) = round(&store, &config, &mut backoff).await {
            tracing::error!(%error, "sender round failed");
        }
        tokio::time::sleep(config.interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str, pin: Option<&str>) -> Result<(String, String, String), String> {
        parse_url(&Endpoint::new(url, pin))
            .map(|t| (t.authority, t.host, t.prefix))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn urls() {
        let pin = Some("sha256:00");
        assert_eq!(
            target("http://127.0.0.1:8080", None),
            Ok(("127.0.0.1:8080".into(), "127.0.0.1".into(), String::new()))
        );
        assert_eq!(
            target("http://agency.example/base/", None),
            Ok((
                "agency.example:80".into(),
                "agency.example".into(),
                "/base".into()
            ))
        );
        assert_eq!(
            target("https://agency.example", pin),
            Ok((
                "agency.example:443".into(),
                "agency.example".into(),
                String::new()
            ))
        );
        assert_eq!(
            target("https://[::1]:8443", pin),
            Ok(("[::1]:8443".into(), "::1".into(), String::new()))
        );
        for (url, pin, problem) in [
            (
                "https://agency.example",
                None,
                "needs the peer's certificate pinned",
            ),
            ("http://agency.example", pin, "not https://"),
            ("ftp://agency.example", None, "expected http://"),
            ("http://user@host", None, "a user name"),
            ("http://host:port", None, "not a number"),
        ] {
            let error = target(url, pin).unwrap_err();
            assert!(error.contains(problem), "{url}: {error}");
        }
    }
}
