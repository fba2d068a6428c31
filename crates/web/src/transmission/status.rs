//! What each peer's exchanges did lately (issue 5): the last push and pull that reached the
//! peer, the last failure, per tenant and peer. Kept in this process's memory, so it starts
//! empty when the server starts; the sender loop, `peer push`, `peer pull` and the peers
//! page's "pull now" all write it through [`super::push::one_peer`] and [`pull_now`]. What waits
//! for a peer is read from the database ([`super::push::waiting`]).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use domain::TenantId;
use store::{PeerSetting, Store, TenantScope};
use time::OffsetDateTime;

use super::pull::{PullReport, pull_pending};
use super::push::Endpoint;
use super::{TransmissionError, TransmissionResult};

/// The latest exchanges with one peer, since this process started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerStatus {
    /// The last round that pushed at least one envelope and got its receipt.
    pub last_push: Option<OffsetDateTime>,
    /// The last pull that reached the peer's outbox (whether or not anything waited).
    pub last_pull: Option<OffsetDateTime>,
    /// The last failure (push or pull), and when; cleared by the next success.
    pub last_error: Option<(OffsetDateTime, String)>,
}

static STATUS: LazyLock<Mutex<HashMap<(TenantId, String), PeerStatus>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The status of `peer` for `tenant` (empty if nothing happened since the process started).
#[must_use]
pub fn peer_status(tenant: TenantId, peer: &str) -> PeerStatus {
    STATUS
        .lock()
        .map(|map| map.get(&(tenant, peer.to_owned())).cloned())
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Updates the status of `peer` for `tenant`.
pub(crate) fn note(tenant: TenantId, peer: &str, change: impl FnOnce(&mut PeerStatus)) {
    if let Ok(mut map) = STATUS.lock() {
        change(map.entry((tenant, peer.to_owned())).or_default());
    }
}

/// Notes a failure, or clears the last one after a success.
pub(crate) fn note_outcome(tenant: TenantId, peer: &str, failure: Option<&str>) {
    let now = OffsetDateTime::now_utc();
    note(tenant, peer, |status| {
        status.last_error = failure.map(|f| (now, f.to_owned()));
    });
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
    if report.failure.is_none() {
        note(tenant.id, &peer.peer, |status| {
            status.last_pull = Some(OffsetDateTime::now_utc());
        });
    }
    note_outcome(
        tenant.id,
        &peer.peer,
        report
            .failure
            .as_deref()
            .map(|f| format!("pull: {f}"))
            .as_deref(),
    );
    Ok(report)
}
