//! Push between instances (issue 5): the sender loop of `whereabouts serve` and its HTTP client.
//!
//! The body of a push is the same encrypted, signed bundle a USB stick carries (`.wab`), so the
//! two ways to travel have identical contents and one receiving path. The bundle's own
//! encryption (to the recipient's pinned key) and signatures protect it end to end; TLS is not
//! built into the server: put a TLS-terminating proxy in front of each instance for `https://`
//! (docs/transmissions.md says how). The client speaks `http://` only.
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
    TransmissionError, TransmissionResult, accept_receipt, commit_forwarding, commit_prepared,
    forward_to_origin, keys_error, load_ring, prepare_cards, recipient_key,
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

/// Why a push did not get a receipt.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("peer URL {0:?}: only http://host:port is supported (terminate TLS in a proxy)")]
    Url(String),
    #[error("cannot reach the peer: {0}")]
    Unreachable(String),
    #[error("the peer answered {status} without a receipt")]
    NoReceipt { status: u16 },
    #[error("timed out")]
    Timeout,
}

/// `(host:port, path prefix)` of an `http://` URL.
fn parse_url(url: &str) -> Result<(String, String), PushError> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| PushError::Url(url.to_owned()))?;
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], rest[at..].trim_end_matches('/')),
        None => (rest, ""),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(PushError::Url(url.to_owned()));
    }
    let authority = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    Ok((authority, path.to_owned()))
}

/// POSTs a bundle to `<url>/api/v1/transmissions`; returns the status and the body.
///
/// # Errors
/// The peer is unreachable, the URL is not `http://`, or the push timed out.
pub async fn post_bundle(
    url: &str,
    bundle: Vec<u8>,
    timeout: Duration,
) -> Result<(u16, Vec<u8>), PushError> {
    let (authority, prefix) = parse_url(url)?;
    let work = async {
        let stream = tokio::net::TcpStream::connect(&authority)
            .await
            .map_err(|e| PushError::Unreachable(e.to_string()))?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| PushError::Unreachable(e.to_string()))?;
        let driver = tokio::spawn(connection);
        let request = hyper::Request::post(format!("{prefix}/api/v1/transmissions"))
            .header(hyper::header::HOST, &authority)
            .header(hyper::header::CONTENT_TYPE, "application/octet-stream")
            .body(Full::new(Bytes::from(bundle)))
            .map_err(|e| PushError::Unreachable(e.to_string()))?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| PushError::Unreachable(e.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| PushError::Unreachable(e.to_string()))?
            .to_bytes()
            .to_vec();
        driver.abort();
        Ok((status, body))
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| PushError::Timeout)?
}

/// What one round did for one peer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub sealed: usize,
    pub pushed: usize,
    pub pending: usize,
    /// Set when the peer could not be reached; the round stopped at the first failure.
    pub failure: Option<String>,
}

/// Seals what is new for `peer` and records it. A bureau seals its cards on the peer's
/// channel; an agency with an origin set for the peer runs its forwarding.
///
/// # Errors
/// Keys or database.
pub async fn seal_new(
    store: &Store,
    tenant: &domain::Tenant,
    scope: &TenantScope,
    peer: &store::PeerSetting,
) -> TransmissionResult<usize> {
    if let Some(origin) = &peer.origin {
        let (forwarded, decisions) =
            forward_to_origin(store, tenant, scope, &peer.peer, origin, None).await?;
        if decisions.is_empty() {
            return Ok(0);
        }
        commit_forwarding(store, scope, &forwarded, &decisions).await?;
        return Ok(usize::from(forwarded.prepared.is_some()));
    }
    if tenant.kind != domain::TenantKind::PartyBureau {
        return Ok(0);
    }
    let channel: transmit::Channel = peer.channel.parse().map_err(keys_error)?;
    match prepare_cards(store, tenant, scope, &peer.peer, channel, None, None).await? {
        Some(prepared) => {
            commit_prepared(store, scope, &prepared).await?;
            Ok(1)
        }
        None => Ok(0),
    }
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
    url: &str,
    timeout: Duration,
) -> TransmissionResult<RoundReport> {
    let ring = load_ring(store, scope).await?;
    let recipient = recipient_key(&ring, peer)?.clone();
    let pending = store.pending_transmissions(scope, peer).await?;
    let mut report = RoundReport {
        pending: pending.len(),
        ..RoundReport::default()
    };
    for item in pending {
        // The stored envelope, encrypted afresh: the same bytes a file bundle holds inside.
        let bundle = super::bundle_for(item.envelope.as_bytes(), &recipient)?;
        match post_bundle(url, bundle, timeout).await {
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

/// One round over every tenant and peer with a URL, honouring each peer's backoff.
async fn round(
    store: &Store,
    config: &SenderConfig,
    backoff: &mut HashMap<(String, String), (Instant, Duration)>,
) -> TransmissionResult<()> {
    for tenant in store.tenants().await? {
        let scope = store.operator_scope(&tenant, "sender");
        for peer in store.peers(&scope).await? {
            let Some(url) = peer.url.clone() else {
                continue;
            };
            let key = (tenant.slug.clone(), peer.peer.clone());
            if let Some((next, _)) = backoff.get(&key)
                && Instant::now() < *next
            {
                continue;
            }
            let attempt = async {
                let sealed = seal_new(store, &tenant, &scope, &peer).await?;
                let mut report =
                    push_pending(store, &scope, &peer.peer, &url, config.timeout).await?;
                report.sealed = sealed;
                Ok::<_, TransmissionError>(report)
            };
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
                    if report.pushed > 0 || sealed > 0 {
                        tracing::info!(
                            tenant = %tenant.slug,
                            peer = %peer.peer,
                            sealed,
                            pushed = report.pushed,
                            "transmissions pushed"
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
                        "push failed; everything kept, retrying"
                    );
                }
            }
        }
    }
    Ok(())
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

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("http://127.0.0.1:8080").ok(),
            Some(("127.0.0.1:8080".into(), String::new()))
        );
        assert_eq!(
            parse_url("http://agency.example/base/").ok(),
            Some(("agency.example:80".into(), "/base".into()))
        );
        assert!(parse_url("https://agency.example").is_err());
        assert!(parse_url("http://user@host").is_err());
    }
}
