//! What each peer's exchanges did lately (issue 5): the last push and pull that reached the
//! peer, the last failure, per tenant and peer. Kept in the database (`peer_exchange_status`,
//! migration 0018), so the /peers page and each peer's pull schedule survive a restart; the
//! sender loop, `peer push`, `peer pull` and the peers page's "pull now" all write it through
//! [`super::push::one_peer`] and [`pull_now`]. What waits for a peer is read from the database
//! too ([`super::push::waiting`]).

use std::time::Duration;

use store::{PeerExchangeUpdate, PeerSetting, Store, TenantScope};
use time::OffsetDateTime;

use super::pull::{PullReport, pull_pending};
use super::push::Endpoint;
use super::{TransmissionError, TransmissionResult};

/// The latest exchanges with one peer.
pub type PeerStatus = store::PeerExchange;

/// The status of `peer` for the scope's tenant (empty if nothing was exchanged yet).
///
/// # Errors
/// A database error.
pub async fn peer_status(
    store: &Store,
    scope: &TenantScope,
    peer: &str,
) -> TransmissionResult<PeerStatus> {
    Ok(store.peer_exchange(scope, peer).await?)
}

/// Notes a push that reached `peer` now.
///
/// # Errors
/// A database error.
pub(crate) async fn note_push(
    store: &Store,
    scope: &TenantScope,
    peer: &str,
) -> TransmissionResult<()> {
    let update = PeerExchangeUpdate {
        pushed: Some(OffsetDateTime::now_utc()),
        ..PeerExchangeUpdate::default()
    };
    Ok(store.note_peer_exchange(scope, peer, &update).await?)
}

/// Notes a failure, or clears the last one after a success.
///
/// # Errors
/// A database error.
pub(crate) async fn note_outcome(
    store: &Store,
    scope: &TenantScope,
    peer: &str,
    failure: Option<&str>,
) -> TransmissionResult<()> {
    let now = OffsetDateTime::now_utc();
    let update = PeerExchangeUpdate {
        error: Some(failure.map(|f| (now, f.to_owned()))),
        ..PeerExchangeUpdate::default()
    };
    Ok(store.note_peer_exchange(scope, peer, &update).await?)
}

/// How often a peer set to pull is pulled, in words: `pull every 3600 s`, or `pull every
/// round` (the sender loop's interval) when no interval is set.
#[must_use]
pub fn pull_schedule(peer: &PeerSetting) -> String {
    peer.pull_every.map_or_else(
        || "pull every round".to_owned(),
        |every| format!("pull every {every} s"),
    )
}

/// Whether the sender loop pulls from `peer` in this round: a peer without an interval
/// (`peer set --pull-every`) every round; one with an interval when its last successful pull
/// (kept in the database, so a restart does not reset it) is at least that old, or none
/// happened yet. A failed pull leaves the last one in place, so the peer is tried again, with
/// the loop's backoff.
///
/// # Errors
/// A database error.
pub async fn pull_due(
    store: &Store,
    scope: &TenantScope,
    peer: &PeerSetting,
) -> TransmissionResult<bool> {
    if peer.pull_every.is_none() {
        return Ok(true);
    }
    let status = peer_status(store, scope, &peer.peer).await?;
    Ok(pull_due_at(&status, peer, OffsetDateTime::now_utc()))
}

/// [`pull_due`] for a known `status` at `now`.
#[must_use]
pub fn pull_due_at(status: &PeerStatus, peer: &PeerSetting, now: OffsetDateTime) -> bool {
    let Some(every) = peer.pull_every else {
        return true;
    };
    status
        .last_pull
        .is_none_or(|last| (now - last).whole_seconds() >= every)
}

/// Fetches now what `peer` holds for this tenant, without waiting for the sender loop's next
/// round (the peers page's "pull now", `whereabouts peer pull`): the same [`pull_pending`] the
/// loop runs, its outcome noted in the peer's status.
///
/// # Errors
/// A peer with no URL ([`TransmissionError::Refused`]), or this tenant's own failures (keys,
/// database); a peer that is down or refuses is a `failure` in the report.
pub async fn pull_now(
    store: &Store,
    tenant: &domain::Tenant,
    scope: &TenantScope,
    peer: &PeerSetting,
    timeout: Duration,
) -> TransmissionResult<PullReport> {
    let Some(endpoint) = Endpoint::of(peer) else {
        return Err(TransmissionError::Refused(
            "the peer has no URL to pull from: set one with `whereabouts peer set --url`",
        ));
    };
    let report = pull_pending(store, tenant, scope, &peer.peer, &endpoint, timeout).await?;
    let now = OffsetDateTime::now_utc();
    let update = PeerExchangeUpdate {
        pulled: report.failure.is_none().then_some(now),
        error: Some(
            report
                .failure
                .as_deref()
                .map(|f| (now, format!("pull: {f}"))),
        ),
        ..PeerExchangeUpdate::default()
    };
    store.note_peer_exchange(scope, &peer.peer, &update).await?;
    Ok(report)
}
