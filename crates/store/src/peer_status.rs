//! The latest exchanges with each peer (issue 5, migration 0018): the last push and pull that
//! reached it and the last failure, kept in the database so that the /peers page and a peer's
//! pull schedule (`peer set --pull-every`) survive a restart. A status, overwritten each time;
//! what travelled is recorded append-only elsewhere (`transmissions_out`, the received ledger).

use time::OffsetDateTime;

use crate::error::{StoreError, StoreResult};
use crate::rows::{RowExt, ScopedPool};
use crate::scope::TenantScope;
use crate::{Store, on_backend};

/// The longest failure text kept (a peer's answer is cut).
pub const PEER_ERROR_MAX: usize = 1000;

/// The latest exchanges with one peer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerExchange {
    /// The last round that pushed at least one envelope and got its receipt.
    pub last_push: Option<OffsetDateTime>,
    /// The last pull that reached the peer's outbox (whether or not anything waited).
    pub last_pull: Option<OffsetDateTime>,
    /// The last failure (push or pull), and when; cleared by the next success.
    pub last_error: Option<(OffsetDateTime, String)>,
}

/// What one exchange changes in a peer's status.
#[derive(Clone, Debug, Default)]
pub struct PeerExchangeUpdate {
    /// A push that reached the peer, now.
    pub pushed: Option<OffsetDateTime>,
    /// A pull that reached the peer, now.
    pub pulled: Option<OffsetDateTime>,
    /// `Some(None)`: clear the last failure; `Some(Some(..))`: a failure now.
    pub error: Option<Option<(OffsetDateTime, String)>>,
}

fn cut(text: &str) -> String {
    text.chars().take(PEER_ERROR_MAX).collect()
}

impl Store {
    /// The status of `peer` (empty if nothing was exchanged with it yet).
    ///
    /// # Errors
    /// A database error.
    pub async fn peer_exchange(
        &self,
        scope: &TenantScope,
        peer: &str,
    ) -> StoreResult<PeerExchange> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let row = sqlx::query(
                "SELECT last_push, last_pull, last_error_at, last_error FROM peer_exchange_status \
                 WHERE tenant_id = $1 AND peer = $2",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(peer)
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            let Some(row) = row else {
                return Ok(PeerExchange::default());
            };
            let error_at = row.opt_time("last_error_at")?;
            let error = row.opt_text("last_error")?;
            Ok(PeerExchange {
                last_push: row.opt_time("last_push")?,
                last_pull: row.opt_time("last_pull")?,
                last_error: error_at.zip(error),
            })
        })
    }

    /// Applies `update` to the status of `peer`, in one statement (two exchanges with the same
    /// peer at once each keep their part).
    ///
    /// # Errors
    /// An empty or overlong peer name, or a database error.
    pub async fn note_peer_exchange(
        &self,
        scope: &TenantScope,
        peer: &str,
        update: &PeerExchangeUpdate,
    ) -> StoreResult<()> {
        if peer.trim().is_empty() || peer.chars().count() > 200 {
            return Err(StoreError::Invalid("a peer is 1 to 200 characters".into()));
        }
        let (set_error, error_at, error) = match &update.error {
            None => (false, None, None),
            Some(None) => (true, None, None),
            Some(Some((at, text))) => (true, Some(*at), Some(cut(text))),
        };
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            sqlx::query(
                "INSERT INTO peer_exchange_status (tenant_id, peer, last_push, last_pull, last_error_at, last_error) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (tenant_id, peer) DO UPDATE SET \
                 last_push = COALESCE(excluded.last_push, peer_exchange_status.last_push), \
                 last_pull = COALESCE(excluded.last_pull, peer_exchange_status.last_pull), \
                 last_error_at = CASE WHEN $7 THEN excluded.last_error_at ELSE peer_exchange_status.last_error_at END, \
                 last_error = CASE WHEN $7 THEN excluded.last_error ELSE peer_exchange_status.last_error END",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(peer)
            .bind(update.pushed)
            .bind(update.pulled)
            .bind(error_at)
            .bind(error)
            .bind(set_error)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
