//! Transmissions (issue 5; XC-4, XC-5): this tenant's signing keys and their revocations, the
//! peers' pinned key sets, outgoing envelopes with the persons they carried, the receiver's
//! ledger of envelopes (applied, duplicate or rejected, with the reason) and acknowledgements.
//!
//! The store knows nothing of signatures: keys, key sets, envelopes and receipts are kept as
//! the bytes and text the `whereabouts-transmit` crate made. Every table is append-only.

use domain::{PersonId, SourceId};
use sqlx::Row as _;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{AuditAction, AuditEntry};
use crate::error::{StoreError, StoreResult};
use crate::rows::{RowExt, ScopedPool};
use crate::scope::TenantScope;
use crate::{Store, on_backend};

/// One of this tenant's keys: a tenant seal (`officer` is `None`) or an officer's key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredKey {
    /// `ed25519:<hex>`, as the transmit crate names it.
    pub id: String,
    pub officer: Option<String>,
    /// The public key as exported, JSON.
    pub public_key: String,
    pub signing_seed: Vec<u8>,
    pub encryption_secret: Option<Vec<u8>>,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRevocation {
    pub revoked_at: OffsetDateTime,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyState {
    pub key: StoredKey,
    pub revoked: Option<KeyRevocation>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinnedKeySet {
    pub peer: String,
    /// The signed key set as exported by the peer, JSON.
    pub key_set: String,
    pub pinned_by: String,
    pub pinned_at: OffsetDateTime,
}

/// An envelope this tenant sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTransmission {
    pub recipient: String,
    pub channel: String,
    pub sequence: i64,
    pub content_hash: String,
    /// The signed envelope, wire form.
    pub envelope: String,
    pub officer: String,
    /// The persons whose cards it carried.
    pub persons: Vec<PersonId>,
    /// The events and corrected assertions it carried (migration 0011).
    pub notices: Vec<NoticeItem>,
}

/// An event or a corrected assertion an envelope carried, so that it travels once per
/// recipient and channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoticeItem {
    pub person: PersonId,
    pub kind: NoticeKind,
    pub id: Uuid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Event,
    Assertion,
    /// A detriment flag (GC4-137-b) carried with a card or a correction card (migration 0012,
    /// `transmission_flags`).
    DetrimentFlag,
    /// An enquiry, an answer or a list (migration 0014, `transmission_messages`); `person` is
    /// ignored, `id` names the enquiry, the answer or the list.
    Enquiry,
    Answer,
    List,
    /// An enquiry's withdrawal (migration 0019, `transmission_closures`); `id` names the
    /// closure.
    Withdrawal,
}

impl NoticeKind {
    /// For an enquiry, an answer or a list: the statement recording that an envelope carried
    /// it (`$5`, the person, is unused).
    pub(crate) const fn message_table(self) -> Option<&'static str> {
        match self {
            Self::Enquiry => Some(
                "INSERT INTO transmission_messages (transmission_id, tenant_id, item_kind, item_id) \
                 SELECT $1, $2, $3, e.id FROM enquiries e WHERE e.id = $4 AND e.tenant_id = $2 AND e.direction = 'asked' AND $5 = $5",
            ),
            Self::Answer => Some(
                "INSERT INTO transmission_messages (transmission_id, tenant_id, item_kind, item_id) \
                 SELECT $1, $2, $3, a.id FROM enquiry_answers a WHERE a.id = $4 AND a.tenant_id = $2 AND a.direction = 'given' AND $5 = $5",
            ),
            Self::List => Some(
                "INSERT INTO transmission_messages (transmission_id, tenant_id, item_kind, item_id) \
                 SELECT $1, $2, $3, l.id FROM person_lists l WHERE l.id = $4 AND l.tenant_id = $2 AND l.direction = 'drawn' AND $5 = $5",
            ),
            Self::Withdrawal => Some(
                "INSERT INTO transmission_closures (transmission_id, tenant_id, closure_id) \
                 SELECT $1, $2, c.id FROM enquiry_closures c JOIN enquiries e ON e.id = c.enquiry_id \
                 WHERE c.id = $4 AND c.tenant_id = $2 AND c.outcome = 'withdrawn' AND e.direction = 'asked' AND $3 = 'withdrawal' AND $5 = $5",
            ),
            _ => None,
        }
    }

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Event => "event",
            Self::Assertion => "assertion",
            Self::DetrimentFlag => "detriment-flag",
            Self::Enquiry => "enquiry",
            Self::Answer => "answer",
            Self::List => "list",
            Self::Withdrawal => "withdrawal",
        }
    }
}

/// How far before the last envelope to a peer the corrections scan starts reading
/// ([`Store::pending_corrections`]).
pub const CORRECTIONS_MARGIN: time::Duration = time::Duration::hours(6);

/// A detriment flag no envelope to a recipient on a channel has carried yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingFlag {
    pub flag: Uuid,
    pub person: PersonId,
    pub reason: String,
    /// Whether the person's card went to the recipient on that channel before.
    pub person_carried: bool,
}

/// An assertion recorded after a person's card went to a recipient, not yet carried to it as a
/// correction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingCorrection {
    pub person: PersonId,
    pub assertion: domain::AssertionId,
}

/// An event of a person not yet carried to a recipient on a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingEvent {
    pub person: PersonId,
    pub event: domain::EventId,
    /// Whether a card of the person went to the recipient on the channel already.
    pub person_carried: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentTransmission {
    pub id: Uuid,
    pub recipient: String,
    pub channel: String,
    pub sequence: i64,
    pub content_hash: String,
    pub officer: String,
    pub items: i32,
    pub created_at: OffsetDateTime,
}

/// What became of an envelope received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceivedStatus {
    Applied,
    Duplicate,
    Rejected,
}

impl ReceivedStatus {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Duplicate => "duplicate",
            Self::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> StoreResult<Self> {
        match text {
            "applied" => Ok(Self::Applied),
            "duplicate" => Ok(Self::Duplicate),
            "rejected" => Ok(Self::Rejected),
            other => Err(StoreError::Corrupt(format!(
                "unknown received status {other:?}"
            ))),
        }
    }
}

/// One row of the receiver's ledger. A rejected envelope may have no trustworthy sender,
/// channel or sequence; they are recorded as the envelope claimed them, or left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReceived {
    pub sender: Option<String>,
    pub channel: Option<String>,
    pub sequence: Option<i64>,
    pub content_hash: Option<String>,
    pub status: ReceivedStatus,
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    pub applied: i32,
    pub source: Option<SourceId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedRecord {
    pub id: Uuid,
    pub entry: NewReceived,
    pub received_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAcknowledgement {
    /// `issued` by this tenant as recipient, or `received` from a peer.
    pub issued: bool,
    pub peer: String,
    pub envelope_hash: String,
    pub status: String,
    /// The signed receipt, JSON.
    pub receipt: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcknowledgementRecord {
    pub ack: NewAcknowledgement,
    pub recorded_at: OffsetDateTime,
}

pub(crate) fn check_text(what: &str, text: &str) -> StoreResult<()> {
    if text.trim().is_empty() || text.len() > 200 {
        return Err(StoreError::Invalid(format!(
            "{what} is 1 to 200 characters"
        )));
    }
    Ok(())
}

pub(crate) fn unique_or(error: sqlx::Error, message: String) -> StoreError {
    if let sqlx::Error::Database(db) = &error
        && db.is_unique_violation()
    {
        return StoreError::Invalid(message);
    }
    StoreError::from(error)
}

/// Writes one outgoing envelope and the persons it carried inside the open transaction `$tx`;
/// evaluates to the new transmission's id. Shared by `record_transmission` and
/// `record_forwarding` so both backends and both callers write the same rows.
macro_rules! insert_transmission {
    ($tx:ident, $scope:expr, $sent:expr, $now:expr) => {{
        let scope: &$crate::TenantScope = $scope;
        let sent: &$crate::NewTransmission = $sent;
        $crate::transmissions::check_text("a recipient", &sent.recipient)?;
        if sent.sequence < 1 {
            return Err($crate::StoreError::Invalid("sequence numbers start at 1".into()));
        }
        let id = uuid::Uuid::now_v7();
        let now: time::OffsetDateTime = $now;
        let items = i32::try_from(sent.persons.len())
            .map_err(|_| $crate::StoreError::Invalid("too many persons in one envelope".into()))?;
        let tx = &mut $tx;
            sqlx::query(
                "INSERT INTO transmissions_out (id, tenant_id, recipient, channel, sequence, content_hash, envelope, officer, items, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(id)
            .bind(*scope.tenant().as_uuid())
            .bind(&sent.recipient)
            .bind(&sent.channel)
            .bind(sent.sequence)
            .bind(&sent.content_hash)
            .bind(&sent.envelope)
            .bind(&sent.officer)
            .bind(items)
            .bind(now)
            .execute(&mut **tx)
            .await
            .map_err(|e| $crate::transmissions::unique_or(e, format!("sequence {} to {} on {} was used before", sent.sequence, sent.recipient, sent.channel)))?;
            for person in &sent.persons {
                sqlx::query(
                    "INSERT INTO transmission_items (transmission_id, tenant_id, person_id) \
                     SELECT $1, $2, id FROM persons WHERE id = $3 AND tenant_id = $2",
                )
                .bind(id)
                .bind(*scope.tenant().as_uuid())
                .bind(person.as_uuid())
                .execute(&mut **tx)
                .await
                .and_then(|done| {
                    if done.rows_affected() == 1 {
                        Ok(())
                    } else {
                        Err(sqlx::Error::RowNotFound)
                    }
                })
                .map_err(|e| match e {
                    sqlx::Error::RowNotFound => $crate::StoreError::UnknownPerson(*person),
                    other => $crate::StoreError::from(other),
                })?;
            }
            for notice in &sent.notices {
                let sql = if let Some(table) = notice.kind.message_table() {
                    table
                } else if notice.kind == $crate::NoticeKind::DetrimentFlag {
                    "INSERT INTO transmission_flags (transmission_id, tenant_id, flag_id, person_id) \
                     SELECT $1, $2, f.id, f.person_id FROM detriment_flags f \
                     WHERE f.id = $4 AND f.person_id = $5 AND f.tenant_id = $2 AND $3 = 'detriment-flag'"
                } else {
                    "INSERT INTO transmission_notices (transmission_id, tenant_id, item_kind, item_id, person_id) \
                     SELECT $1, $2, $3, $4, id FROM persons WHERE id = $5 AND tenant_id = $2"
                };
                sqlx::query(sql)
                .bind(id)
                .bind(*scope.tenant().as_uuid())
                .bind(notice.kind.code())
                .bind(notice.id)
                .bind(notice.person.as_uuid())
                .execute(&mut **tx)
                .await
                .and_then(|done| {
                    if done.rows_affected() == 1 {
                        Ok(())
                    } else {
                        Err(sqlx::Error::RowNotFound)
                    }
                })
                .map_err(|e| match e {
                    sqlx::Error::RowNotFound if notice.kind == $crate::NoticeKind::DetrimentFlag => {
                        $crate::StoreError::Invalid(format!(
                            "detriment flag {} is not one of this tenant's flags on person {}",
                            notice.id, notice.person
                        ))
                    }
                    sqlx::Error::RowNotFound if notice.kind.message_table().is_some() => {
                        $crate::StoreError::Invalid(format!(
                            "{} {} is not one of this tenant's to send",
                            notice.kind.code(),
                            notice.id
                        ))
                    }
                    sqlx::Error::RowNotFound => $crate::StoreError::UnknownPerson(notice.person),
                    other => $crate::StoreError::from(other),
                })?;
            }
        id
    }};
}
pub(crate) use insert_transmission;

impl Store {
    /// Keeps a new key of this tenant.
    ///
    /// # Errors
    /// A key with this identifier exists already, or a database error.
    pub async fn add_transmission_key(
        &self,
        scope: &TenantScope,
        key: &StoredKey,
    ) -> StoreResult<()> {
        check_text("a key identifier", &key.id)?;
        if let Some(officer) = &key.officer {
            check_text("an officer's name", officer)?;
        }
        // SEC-3: the secret halves are sealed under the tenant's data key, bound to the key id.
        let vault = self.vault();
        let seed = vault
            .seal(scope, &seed_context(&key.id), &key.signing_seed)
            .await?;
        let encryption = match &key.encryption_secret {
            Some(secret) => Some(
                vault
                    .seal(scope, &encryption_context(&key.id), secret)
                    .await?,
            ),
            None => None,
        };
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            sqlx::query(
                "INSERT INTO transmission_keys (id, tenant_id, officer, public_key, signing_seed, encryption_secret, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&key.id)
            .bind(*scope.tenant().as_uuid())
            .bind(key.officer.as_deref())
            .bind(&key.public_key)
            .bind(&seed)
            .bind(encryption.as_deref())
            .bind(key.created_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_or(e, format!("key {} exists already", key.id)))?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// This tenant's keys, oldest first, each with its revocation if any.
    pub async fn transmission_keys(&self, scope: &TenantScope) -> StoreResult<Vec<KeyState>> {
        let mut keys = self.transmission_keys_sealed(scope).await?;
        let vault = self.vault();
        for state in &mut keys {
            let key = &mut state.key;
            // A 32-byte value was written before sealing (migration 0006) and is used as it is.
            if key.signing_seed.len() != 32 {
                key.signing_seed = vault
                    .open(scope, &seed_context(&key.id), &key.signing_seed)
                    .await?
                    .to_vec();
            }
            if let Some(secret) = &key.encryption_secret
                && secret.len() != 32
            {
                key.encryption_secret = Some(
                    vault
                        .open(scope, &encryption_context(&key.id), secret)
                        .await?
                        .to_vec(),
                );
            }
        }
        Ok(keys)
    }

    async fn transmission_keys_sealed(&self, scope: &TenantScope) -> StoreResult<Vec<KeyState>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT k.id, k.officer, k.public_key, k.signing_seed, k.encryption_secret, k.created_at, \
                        r.revoked_at, r.reason \
                 FROM transmission_keys k LEFT JOIN key_revocations r ON r.key_id = k.id AND r.tenant_id = k.tenant_id \
                 WHERE k.tenant_id = $1 ORDER BY k.created_at, k.id",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    let revoked_at: Option<OffsetDateTime> = row.try_get("revoked_at")?;
                    Ok(KeyState {
                        key: StoredKey {
                            id: row.text("id")?,
                            officer: row.opt_text("officer")?,
                            public_key: row.text("public_key")?,
                            signing_seed: row.try_get("signing_seed")?,
                            encryption_secret: row.try_get("encryption_secret")?,
                            created_at: row.time("created_at")?,
                        },
                        revoked: match revoked_at {
                            Some(revoked_at) => Some(KeyRevocation {
                                revoked_at,
                                reason: row.text("reason")?,
                            }),
                            None => None,
                        },
                    })
                })
                .collect()
        })
    }

    /// Revokes one of this tenant's keys, for good.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for a key of another tenant or none; `Invalid` when it is
    /// revoked already or the reason is empty.
    pub async fn revoke_transmission_key(
        &self,
        scope: &TenantScope,
        key_id: &str,
        reason: &str,
    ) -> StoreResult<OffsetDateTime> {
        check_text("a revocation reason", reason)?;
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            let found: Option<String> = sqlx::query_scalar(
                "SELECT id FROM transmission_keys WHERE id = $1 AND tenant_id = $2",
            )
            .bind(key_id)
            .bind(*scope.tenant().as_uuid())
            .fetch_optional(&mut *tx)
            .await?;
            if found.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO key_revocations (key_id, tenant_id, revoked_at, reason) VALUES ($1, $2, $3, $4)",
            )
            .bind(key_id)
            .bind(*scope.tenant().as_uuid())
            .bind(now)
            .bind(reason)
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_or(e, format!("key {key_id} is revoked already")))?;
            tx.commit().await?;
        });
        Ok(now)
    }

    /// Pins a peer's key set. The caller has checked it (signature, continuity with the set
    /// pinned before); the store keeps every set ever pinned.
    pub async fn pin_peer_key_set(
        &self,
        scope: &TenantScope,
        peer: &str,
        key_set: &str,
    ) -> StoreResult<()> {
        check_text("a peer's name", peer)?;
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            sqlx::query(
                "INSERT INTO peer_key_sets (id, tenant_id, peer, key_set, pinned_by, pinned_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(Uuid::now_v7())
            .bind(*scope.tenant().as_uuid())
            .bind(peer)
            .bind(key_set)
            .bind(scope.actor_name())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every key set pinned, in the order pinned.
    pub async fn peer_key_sets(&self, scope: &TenantScope) -> StoreResult<Vec<PinnedKeySet>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT peer, key_set, pinned_by, pinned_at FROM peer_key_sets WHERE tenant_id = $1 ORDER BY pinned_at, id",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(PinnedKeySet {
                        peer: row.text("peer")?,
                        key_set: row.text("key_set")?,
                        pinned_by: row.text("pinned_by")?,
                        pinned_at: row.time("pinned_at")?,
                    })
                })
                .collect()
        })
    }

    /// The sequence number the next envelope to `recipient` on `channel` gets: 1, 2, 3, …
    pub async fn next_sequence(
        &self,
        scope: &TenantScope,
        recipient: &str,
        channel: &str,
    ) -> StoreResult<i64> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let highest: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(sequence) FROM transmissions_out WHERE tenant_id = $1 AND recipient = $2 AND channel = $3",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(recipient)
            .bind(channel)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(highest.unwrap_or(0) + 1)
        })
    }

    /// Persons of this tenant that no envelope to `recipient` on `channel` has carried yet,
    /// registered at or after `since` if given, in the order registered.
    pub async fn untransmitted_persons(
        &self,
        scope: &TenantScope,
        recipient: &str,
        channel: &str,
        since: Option<OffsetDateTime>,
    ) -> StoreResult<Vec<PersonId>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let ids: Vec<Uuid> = sqlx::query_scalar(
                "SELECT p.id FROM persons p WHERE p.tenant_id = $1 \
                 AND ($4 IS NULL OR p.registered_at >= $4) \
                 AND NOT EXISTS (SELECT 1 FROM transmission_items i JOIN transmissions_out t ON t.id = i.transmission_id \
                                 WHERE i.tenant_id = $1 AND i.person_id = p.id AND t.recipient = $2 AND t.channel = $3) \
                 ORDER BY p.registered_at, p.id",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(recipient)
            .bind(channel)
            .bind(since)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(ids.into_iter().map(PersonId::from_uuid).collect())
        })
    }

    /// Events of this tenant of the kinds `kinds` (codes) that no envelope to `recipient` on
    /// `channel` has carried yet, in the order they occurred; each says whether the person's
    /// card went there already.
    pub async fn untransmitted_events(
        &self,
        scope: &TenantScope,
        recipient: &str,
        channel: &str,
        kinds: &[&str],
    ) -> StoreResult<Vec<PendingEvent>> {
        let sql = "SELECT e.person_id, e.id, \
                    EXISTS (SELECT 1 FROM transmission_items i JOIN transmissions_out t ON t.id = i.transmission_id \
                            WHERE i.tenant_id = $1 AND i.person_id = e.person_id AND t.recipient = $2 AND t.channel = $3) AS carried \
             FROM events e WHERE e.tenant_id = $1";
        self.pending_events(scope, sql, recipient, channel, kinds)
            .await
    }

    /// [`Store::untransmitted_events`] of the persons whose card went to `recipient` on
    /// `channel` only: read from those persons' events (the agency's forwarding round, whose
    /// other persons' events never go there), not from every event of the tenant.
    pub async fn untransmitted_events_of_carried(
        &self,
        scope: &TenantScope,
        recipient: &str,
        channel: &str,
        kinds: &[&str],
    ) -> StoreResult<Vec<PendingEvent>> {
        let sql = "SELECT e.person_id, e.id, TRUE AS carried FROM events e \
             JOIN (SELECT DISTINCT i.person_id FROM transmission_items i JOIN transmissions_out t ON t.id = i.transmission_id \
                   WHERE i.tenant_id = $1 AND t.tenant_id = $1 AND t.recipient = $2 AND t.channel = $3) c ON c.person_id = e.person_id \
             WHERE e.tenant_id = $1";
        self.pending_events(scope, sql, recipient, channel, kinds)
            .await
    }

    /// The events `select` chooses (it ends in a `WHERE` on `events e` and answers
    /// `person_id`, `id` and `carried`), kept to `kinds` and to those no envelope to
    /// `recipient` on `channel` carried yet, in the order they occurred.
    async fn pending_events(
        &self,
        scope: &TenantScope,
        select: &str,
        recipient: &str,
        channel: &str,
        kinds: &[&str],
    ) -> StoreResult<Vec<PendingEvent>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let kinds: Vec<String> = kinds
            .iter()
            .map(|k| format!("'{}'", k.replace('\'', "")))
            .collect();
        let sql = format!(
            "{select} AND e.kind IN ({}) \
             AND NOT EXISTS (SELECT 1 FROM transmission_notices n JOIN transmissions_out t ON t.id = n.transmission_id \
                             WHERE n.tenant_id = $1 AND n.item_kind = 'event' AND n.item_id = e.id AND t.recipient = $2 AND t.channel = $3) \
             ORDER BY e.occurred_at, e.recorded_at, e.id",
            kinds.join(", ")
        );
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(crate::registry::sql_text(&sql))
                .bind(*scope.tenant().as_uuid())
                .bind(recipient)
                .bind(channel)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(PendingEvent {
                        person: PersonId::from_uuid(row.uuid("person_id")?),
                        event: domain::EventId::from_uuid(row.uuid("id")?),
                        person_carried: row.try_get::<bool, _>("carried")?,
                    })
                })
                .collect()
        })
    }

    /// Detriment flags (GC4-137-b) of this tenant that no envelope to `recipient` on `channel`
    /// has carried yet, in the order recorded; each says whether the person's card went there
    /// already (a flag set after the first card travels with a correction card).
    pub async fn untransmitted_flags(
        &self,
        scope: &TenantScope,
        recipient: &str,
        channel: &str,
    ) -> StoreResult<Vec<PendingFlag>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT f.id, f.person_id, f.reason, \
                        EXISTS (SELECT 1 FROM transmission_items i JOIN transmissions_out t ON t.id = i.transmission_id \
                                WHERE i.tenant_id = $1 AND i.person_id = f.person_id AND t.recipient = $2 AND t.channel = $3) AS carried \
                 FROM detriment_flags f WHERE f.tenant_id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM transmission_flags x JOIN transmissions_out t ON t.id = x.transmission_id \
                                 WHERE x.tenant_id = $1 AND x.flag_id = f.id AND t.recipient = $2 AND t.channel = $3) \
                 ORDER BY f.recorded_at, f.id",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(recipient)
            .bind(channel)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(PendingFlag {
                        flag: row.uuid("id")?,
                        person: PersonId::from_uuid(row.uuid("person_id")?),
                        reason: row.text("reason")?,
                        person_carried: row.try_get::<bool, _>("carried")?,
                    })
                })
                .collect()
        })
    }

    /// Assertions recorded after a person's first card went to `recipient` on `channel` and not
    /// carried there since as corrections, in the order recorded.
    ///
    /// Only the assertions recorded since the last envelope to `recipient` on `channel`, less
    /// [`CORRECTIONS_MARGIN`], are read (the `assertions_recorded` index of migration 0012):
    /// every envelope is sealed with all the corrections pending when it was prepared, so
    /// older ones went with it or an earlier one. The margin covers the time between preparing
    /// and recording an envelope, and a writing transaction that commits long after the time
    /// it stamped on its assertions. Nothing sent there yet: nothing to correct.
    pub async fn pending_corrections(
        &self,
        scope: &TenantScope,
        recipient: &str,
        channel: &str,
    ) -> StoreResult<Vec<PendingCorrection>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let last: Option<OffsetDateTime> = sqlx::query_scalar(
                "SELECT MAX(created_at) FROM transmissions_out WHERE tenant_id = $1 AND recipient = $2 AND channel = $3",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(recipient)
            .bind(channel)
            .fetch_one(&mut *tx)
            .await?;
            let Some(last) = last else {
                tx.commit().await?;
                return Ok(Vec::new());
            };
            let rows = sqlx::query(
                "SELECT a.person_id, a.id FROM assertions a \
                 WHERE a.tenant_id = $1 AND a.recorded_at > $4 \
                 AND a.recorded_at > (SELECT MIN(t.created_at) FROM transmission_items i \
                                      JOIN transmissions_out t ON t.id = i.transmission_id \
                                      WHERE i.tenant_id = $1 AND i.person_id = a.person_id AND t.recipient = $2 AND t.channel = $3) \
                 AND NOT EXISTS (SELECT 1 FROM transmission_notices n JOIN transmissions_out t ON t.id = n.transmission_id \
                                 WHERE n.tenant_id = $1 AND n.item_kind = 'assertion' AND n.item_id = a.id AND t.recipient = $2 AND t.channel = $3) \
                 ORDER BY a.recorded_at, a.id",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(recipient)
            .bind(channel)
            .bind(last - CORRECTIONS_MARGIN)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(PendingCorrection {
                        person: PersonId::from_uuid(row.uuid("person_id")?),
                        assertion: domain::AssertionId::from_uuid(row.uuid("id")?),
                    })
                })
                .collect()
        })
    }

    /// Records an envelope sent, with the persons it carried, in one transaction.
    ///
    /// # Errors
    /// `Invalid` when the sequence number was used before on that channel.
    pub async fn record_transmission(
        &self,
        scope: &TenantScope,
        sent: &NewTransmission,
    ) -> StoreResult<Uuid> {
        check_text("a recipient", &sent.recipient)?;
        if sent.sequence < 1 {
            return Err(StoreError::Invalid("sequence numbers start at 1".into()));
        }
        let now = OffsetDateTime::now_utc();
        let id = on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            let id = insert_transmission!(tx, scope, sent, now);
            tx.commit().await?;
            id
        });
        self.audit(
            scope,
            AuditEntry::new(AuditAction::Transmit, format!("transmission:{id}"))
                .records(i64::try_from(sent.persons.len()).unwrap_or(i64::MAX))
                .detail(format!("to {} sequence {}", sent.recipient, sent.sequence)),
        )
        .await?;
        Ok(id)
    }

    /// Envelopes sent, in order.
    pub async fn transmissions_sent(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<Vec<SentTransmission>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT id, recipient, channel, sequence, content_hash, officer, items, created_at FROM transmissions_out \
                 WHERE tenant_id = $1 ORDER BY created_at, id",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(SentTransmission {
                        id: row.uuid("id")?,
                        recipient: row.text("recipient")?,
                        channel: row.text("channel")?,
                        sequence: row.try_get("sequence")?,
                        content_hash: row.text("content_hash")?,
                        officer: row.text("officer")?,
                        items: row.int("items")?,
                        created_at: row.time("created_at")?,
                    })
                })
                .collect()
        })
    }

    /// Writes one row of the ledger.
    ///
    /// # Errors
    /// `Invalid` when an envelope with this sender, channel and sequence was applied already
    /// (the database refuses a second application even if the caller's check raced).
    pub async fn record_received(
        &self,
        scope: &TenantScope,
        entry: &NewReceived,
    ) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            sqlx::query(
                "INSERT INTO transmissions_in (id, tenant_id, sender, channel, sequence, content_hash, status, reason_code, reason, applied, source_id, received_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(id)
            .bind(*scope.tenant().as_uuid())
            .bind(entry.sender.as_deref())
            .bind(entry.channel.as_deref())
            .bind(entry.sequence)
            .bind(entry.content_hash.as_deref())
            .bind(entry.status.code())
            .bind(entry.reason_code.as_deref())
            .bind(entry.reason.as_deref())
            .bind(entry.applied)
            .bind(entry.source.map(|s| *s.as_uuid()))
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| unique_or(e, "this envelope was applied already".into()))?;
            tx.commit().await?;
        });
        self.audit(
            scope,
            AuditEntry::new(AuditAction::Receive, format!("transmission_in:{id}"))
                .detail(format!("status {}", entry.status.code())),
        )
        .await?;
        Ok(id)
    }

    /// The ledger, oldest first.
    pub async fn received_log(&self, scope: &TenantScope) -> StoreResult<Vec<ReceivedRecord>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT id, sender, channel, sequence, content_hash, status, reason_code, reason, applied, source_id, received_at \
                 FROM transmissions_in WHERE tenant_id = $1 ORDER BY received_at, id",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(ReceivedRecord {
                        id: row.uuid("id")?,
                        entry: NewReceived {
                            sender: row.opt_text("sender")?,
                            channel: row.opt_text("channel")?,
                            sequence: row.try_get("sequence")?,
                            content_hash: row.opt_text("content_hash")?,
                            status: ReceivedStatus::parse(&row.text("status")?)?,
                            reason_code: row.opt_text("reason_code")?,
                            reason: row.opt_text("reason")?,
                            applied: row.int("applied")?,
                            source: row.opt_uuid("source_id")?.map(SourceId::from_uuid),
                        },
                        received_at: row.time("received_at")?,
                    })
                })
                .collect()
        })
    }

    /// `(sequence, content hash)` of every envelope applied from `sender` on `channel`.
    pub async fn applied_on_channel(
        &self,
        scope: &TenantScope,
        sender: &str,
        channel: &str,
    ) -> StoreResult<Vec<(i64, String)>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT sequence, content_hash FROM transmissions_in \
                 WHERE tenant_id = $1 AND sender = $2 AND channel = $3 AND status = 'applied' ORDER BY sequence",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(sender)
            .bind(channel)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| Ok((row.try_get("sequence")?, row.text("content_hash")?)))
                .collect()
        })
    }

    /// Keeps an acknowledgement issued or received.
    pub async fn record_acknowledgement(
        &self,
        scope: &TenantScope,
        ack: &NewAcknowledgement,
    ) -> StoreResult<()> {
        check_text("a peer's name", &ack.peer)?;
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            sqlx::query(
                "INSERT INTO acknowledgements (id, tenant_id, direction, peer, envelope_hash, status, receipt, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(Uuid::now_v7())
            .bind(*scope.tenant().as_uuid())
            .bind(if ack.issued { "issued" } else { "received" })
            .bind(&ack.peer)
            .bind(&ack.envelope_hash)
            .bind(&ack.status)
            .bind(&ack.receipt)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Acknowledgements issued and received, oldest first.
    pub async fn acknowledgements(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<Vec<AcknowledgementRecord>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT direction, peer, envelope_hash, status, receipt, recorded_at FROM acknowledgements \
                 WHERE tenant_id = $1 ORDER BY recorded_at, id",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(AcknowledgementRecord {
                        ack: NewAcknowledgement {
                            issued: row.text("direction")? == "issued",
                            peer: row.text("peer")?,
                            envelope_hash: row.text("envelope_hash")?,
                            status: row.text("status")?,
                            receipt: row.text("receipt")?,
                        },
                        recorded_at: row.time("recorded_at")?,
                    })
                })
                .collect()
        })
    }
}

fn seed_context(key: &str) -> String {
    format!("transmission_keys.signing_seed:{key}")
}

fn encryption_context(key: &str) -> String {
    format!("transmission_keys.encryption_secret:{key}")
}
