//! On a delegate's laptop: the letters written there (allegation steps, representations,
//! replies) that the protection unit acknowledged holding (issue 6, ICRC-VIS-e, migration
//! 0023), from the signed receipt the unit writes when it imports a visit bundle. A letter about
//! an older visit's allegation travels with every later report until it is recorded here; one
//! never acknowledged keeps travelling, so a lost bundle loses nothing.

use std::collections::HashSet;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::StoreResult;
use crate::rows::ScopedPool;
use crate::scope::TenantScope;
use crate::{Store, on_backend};

impl Store {
    /// Records that `recipient` holds `letters`, as its receipt for the envelope
    /// `envelope_hash` (applied at `received_at`, as the receipt says) states. Append-only: a
    /// letter already recorded keeps its first receipt. Answers how many were new.
    pub async fn record_letters_received(
        &self,
        scope: &TenantScope,
        recipient: &str,
        envelope_hash: &str,
        received_at: &str,
        letters: &[Uuid],
    ) -> StoreResult<usize> {
        let now = OffsetDateTime::now_utc();
        let tenant = *scope.tenant().as_uuid();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            let mut new = 0;
            for letter in letters {
                let done = sqlx::query(
                    "INSERT INTO field_letters_received (tenant_id, recipient, letter_id, envelope_hash, received_at, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, recipient, letter_id) DO NOTHING",
                )
                .bind(tenant)
                .bind(recipient.trim())
                .bind(*letter)
                .bind(envelope_hash)
                .bind(received_at)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                new += usize::try_from(done.rows_affected()).unwrap_or(0);
            }
            tx.commit().await?;
            Ok(new)
        })
    }

    /// The letters `recipient` acknowledged holding ([`Store::record_letters_received`]).
    pub async fn letters_received(
        &self,
        scope: &TenantScope,
        recipient: &str,
    ) -> StoreResult<HashSet<Uuid>> {
        let rows: Vec<Uuid> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query_scalar(
                "SELECT letter_id FROM field_letters_received WHERE tenant_id = $1 AND recipient = $2",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(recipient.trim())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows
        });
        Ok(rows.into_iter().collect())
    }
}
