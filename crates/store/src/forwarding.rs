//! Transmissions, continued (issue 5; migration 0007): where peers are reached and which power of
//! origin each stands for, detriment flags (GC4-137-b), the agency's forwarding decisions
//! (GC3-123-a, GC4-140-a), the ledger row written inside the ingest's own transaction, and the
//! envelopes still waiting for a peer's acknowledgement. Every table is append-only.

use std::collections::HashMap;

use domain::PersonId;
use sqlx::Row as _;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::registry::{ImportBatch, ImportTx};
use crate::rows::{RowExt, ScopedPool};
use crate::scope::TenantScope;
use crate::transmissions::NewReceived;
use crate::{Store, on_backend};

/// A peer's current setting: where to push, and whose nationals' information it receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerSetting {
    pub peer: String,
    pub url: Option<String>,
    pub origin: Option<String>,
    /// `agency` or `protecting-power`.
    pub channel: String,
    /// `sha256:<hex>` of the peer's TLS certificate: the only one an `https://` URL accepts.
    pub tls_pin: Option<String>,
    /// Each round, fetch what the peer holds for this tenant from its outbox at `url`.
    pub pull: bool,
    /// Envelopes for the peer wait in this instance's outbox for it to fetch; never pushed.
    pub outbox: bool,
    /// With `pull`: fetch only when the last pull is at least this many seconds old
    /// ([`PULL_EVERY_SECONDS`]); `None`: every round of the sender loop.
    pub pull_every: Option<i64>,
    pub set_at: OffsetDateTime,
}

/// A peer's new setting (the latest one wins).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPeer<'a> {
    pub peer: &'a str,
    /// `http://host:port` or `https://host[:port]`; `None`: files only (or `outbox`).
    pub url: Option<&'a str>,
    pub origin: Option<&'a str>,
    pub channel: &'a str,
    /// Required with an `https://` URL, refused with an `http://` one. One pin, or two
    /// separated by a space while the peer renews its certificate (both accepted).
    pub tls_pin: Option<&'a str>,
    pub pull: bool,
    pub outbox: bool,
    /// Seconds between pulls, within [`PULL_EVERY_SECONDS`]; only with `pull`.
    pub pull_every: Option<i64>,
}

/// The bounds of a peer's pull interval in seconds: 10 s to one day.
pub const PULL_EVERY_SECONDS: std::ops::RangeInclusive<i64> = 10..=86_400;

impl<'a> NewPeer<'a> {
    /// A peer on `channel` with nothing else set.
    #[must_use]
    pub fn new(peer: &'a str, channel: &'a str) -> Self {
        Self {
            peer,
            url: None,
            origin: None,
            channel,
            tls_pin: None,
            pull: false,
            outbox: false,
            pull_every: None,
        }
    }

    /// Names the first thing wrong with the setting.
    fn check(&self) -> StoreResult<()> {
        check_text("a peer's name", self.peer, 200)?;
        let invalid = |message: String| Err(StoreError::Invalid(message));
        if !matches!(self.channel, "agency" | "protecting-power") {
            return invalid(format!(
                "channel {:?}: expected agency or protecting-power",
                self.channel
            ));
        }
        let https = match self.url {
            Some(url) if url.starts_with("https://") => true,
            Some(url) if url.starts_with("http://") => false,
            Some(url) => {
                return invalid(format!(
                    "peer URL {url:?}: expected http://host:port or https://host"
                ));
            }
            None => false,
        };
        if let Some(origin) = self.origin
            && !(origin.len() == 2 && origin.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return invalid(format!(
                "origin {origin:?}: expected a party's two-letter code such as XB"
            ));
        }
        if let Some(pins) = self.tls_pin {
            // One pin, or two while the peer renews its certificate (the old and the new).
            let listed: Vec<&str> = pins.split_whitespace().collect();
            if listed.is_empty() || listed.len() > 2 {
                return invalid(format!(
                    "certificate pins {pins:?}: one pin, or two while a certificate is renewed"
                ));
            }
            if listed.len() == 2 && listed[0] == listed[1] {
                return invalid(format!("certificate pin {:?} given twice", listed[0]));
            }
            for pin in listed {
                if !pin.strip_prefix("sha256:").is_some_and(|hex| {
                    hex.len() == 64
                        && hex
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                }) {
                    return invalid(format!(
                        "certificate pin {pin:?}: expected sha256: and 64 lowercase hex digits"
                    ));
                }
            }
        }
        match self.tls_pin {
            Some(_) if !https => {
                return invalid("a certificate pin needs an https:// URL for the peer".to_owned());
            }
            None if https => {
                return invalid(format!(
                    "peer URL {:?}: https:// needs the peer's certificate pinned (no web \
                     certificate authorities are trusted)",
                    self.url.unwrap_or_default()
                ));
            }
            _ => {}
        }
        if self.pull && self.url.is_none() {
            return invalid("pulling from a peer needs its URL".to_owned());
        }
        if let Some(every) = self.pull_every {
            if !self.pull {
                return invalid("a pull interval needs pull set for the peer".to_owned());
            }
            if !PULL_EVERY_SECONDS.contains(&every) {
                return invalid(format!(
                    "pull interval {every} s: expected {} to {} seconds",
                    PULL_EVERY_SECONDS.start(),
                    PULL_EVERY_SECONDS.end()
                ));
            }
        }
        Ok(())
    }
}

/// A forwarding decision to record (XC-8: every one, forwarded or withheld).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewForwardingDecision {
    pub person: PersonId,
    pub recipient: String,
    pub forwarded: bool,
    /// Field codes forwarded, comma-separated in the record.
    pub fields_forwarded: Vec<String>,
    /// `field: reason` for every field withheld.
    pub fields_withheld: Vec<String>,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForwardingDecisionRecord {
    pub decision: NewForwardingDecision,
    pub transmission: Option<Uuid>,
    pub decided_by: String,
    pub decided_at: OffsetDateTime,
}

/// An envelope sent and not yet answered by a receipt from its recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingTransmission {
    pub id: Uuid,
    pub recipient: String,
    pub channel: String,
    pub sequence: i64,
    pub content_hash: String,
    pub envelope: String,
}

fn check_text(what: &str, text: &str, max: usize) -> StoreResult<()> {
    if text.trim().is_empty() || text.len() > max {
        return Err(StoreError::Invalid(format!(
            "{what} is 1 to {max} characters"
        )));
    }
    Ok(())
}

const INSERT_RECEIVED: &str = "INSERT INTO transmissions_in (id, tenant_id, sender, channel, sequence, content_hash, status, reason_code, reason, applied, source_id, received_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
/// Persons per statement in [`Store::note_forwarding_considered`] (3 + this many bound values,
/// well under SQLite's 32,766 and PostgreSQL's 65,535).
const CONSIDERED_BATCH: usize = 1000;

/// The tenant condition on `persons` when rows are looked up by id (`persons.id IN (…)`): a
/// CASE, which no index serves, so SQLite (no statistics) looks each id up by the primary key
/// instead of reading every person of the tenant through `persons_listing` on
/// `tenant_id = $1`. It chose that index for `tenant_id = $1 AND id IN (…)` and, with the SQLite
/// bundled here, also for a VALUES list joined by id (11b15bf): round 1 of a forwarding round
/// at 10^5 persons spent 25 s of its 28 s CPU in those scans (bench/forwarding.sh, statement
/// times from sqlx's debug log). `$1` is the tenant.
pub(crate) const TENANT_CHECK: &str = "CASE WHEN persons.tenant_id = $1 THEN 1 ELSE 0 END = 1";

/// `$1` tenant, `$2` recipient, `$3` the time read, `$4…` the persons, looked up by primary
/// key ([`TENANT_CHECK`]). Another tenant's id finds no row.
fn considered_insert(persons: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO forwarding_considered (tenant_id, recipient, person_id, considered_at) \
         SELECT $1, $2, persons.id, $3 FROM persons WHERE persons.id IN (",
    );
    for i in 0..persons {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("${}", i + 4));
    }
    sql.push_str(") AND ");
    sql.push_str(TENANT_CHECK);
    sql.push_str(
        " ON CONFLICT (tenant_id, recipient, person_id) DO UPDATE SET considered_at = excluded.considered_at",
    );
    sql
}

/// Persons `p` of tenant `$1` with no forwarding decision for recipient `$2`, less those an
/// earlier round found nothing for and nothing was asserted about since (migration 0018): the
/// full scan of a recipient's first round.
const WITHOUT_FORWARDING: &str = "p.tenant_id = $1 \
     AND NOT EXISTS (SELECT 1 FROM forwarding_decisions d WHERE d.tenant_id = $1 AND d.person_id = p.id AND d.recipient = $2) \
     AND NOT EXISTS (SELECT 1 FROM forwarding_considered c WHERE c.tenant_id = $1 AND c.recipient = $2 AND c.person_id = p.id \
                     AND NOT EXISTS (SELECT 1 FROM assertions a WHERE a.tenant_id = $1 AND a.person_id = p.id AND a.recorded_at >= c.considered_at))";

/// The first key of the advisory lock a PostgreSQL round takes (the second: the tenant).
const FORWARDING_LOCK: i32 = 22;

/// Moves tenant `$1`'s queue to every recipient that reads from it, in one statement (one
/// snapshot): the rows deleted are the rows copied.
/// One row per recipient and person, in the order of the person's last change.
const DRAIN_POSTGRES: &str = "WITH moved AS (DELETE FROM forwarding_changes WHERE tenant_id = $1 RETURNING id, person_id) \
     INSERT INTO forwarding_pending (tenant_id, recipient, person_id) \
     SELECT $1::uuid, r.recipient, moved.person_id FROM moved CROSS JOIN forwarding_recipients r WHERE r.tenant_id = $1 \
     GROUP BY r.recipient, moved.person_id ORDER BY MAX(moved.id)";
/// The same on SQLite, followed by the DELETE in the same write transaction.
const DRAIN_SQLITE: &str = "INSERT INTO forwarding_pending (tenant_id, recipient, person_id) \
     SELECT c.tenant_id, r.recipient, c.person_id FROM forwarding_changes c \
     JOIN forwarding_recipients r ON r.tenant_id = c.tenant_id WHERE c.tenant_id = $1 \
     GROUP BY r.recipient, c.person_id ORDER BY MAX(c.id)";

/// The persons queued for recipient `$2` of tenant `$1` up to id `$3`, without a decision for
/// it, each with its last queue row, in the order of those rows; looked up by primary key
/// ([`TENANT_CHECK`]).
const PENDING_PERSONS: &str = "SELECT persons.id, q.last FROM \
     (SELECT person_id, MAX(id) AS last FROM forwarding_pending WHERE tenant_id = $1 AND recipient = $2 AND id <= $3 GROUP BY person_id) q \
     JOIN persons ON persons.id = q.person_id \
     WHERE CASE WHEN persons.tenant_id = $1 THEN 1 ELSE 0 END = 1 \
     AND NOT EXISTS (SELECT 1 FROM forwarding_decisions d WHERE d.tenant_id = $1 AND d.person_id = persons.id AND d.recipient = $2) \
     ORDER BY q.last";

/// What a forwarding round reads ([`Store::forwarding_candidates`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ForwardingCandidates {
    /// The persons to decide for, in queue order, each with its last queue row. A round that
    /// stops after the k-th person (an envelope full) consumes through that person's row: every
    /// person before it has all its rows at or below it, and every person after it keeps a row.
    pub persons: Vec<(PersonId, i64)>,
    /// The greatest queue row read: [`Store::consume_forwarding_candidates`] takes out up to it
    /// when the round took every person.
    pub through: Option<i64>,
    /// This was the recipient's first round: the whole tenant was read.
    pub first: bool,
}

/// A tenant's forwarding decisions (`$1`), oldest first.
const DECISIONS_ALL: &str = "SELECT person_id, recipient, decision, forwarded, withheld, reason, transmission_id, decided_by, decided_at \
     FROM forwarding_decisions WHERE tenant_id = $1 ORDER BY decided_at, id";
/// One person's (`$2`), looked up by `forwarding_decisions_person (tenant_id, person_id)`.
pub(crate) const DECISIONS_OF_PERSON: &str = "SELECT person_id, recipient, decision, forwarded, withheld, reason, transmission_id, decided_by, decided_at \
     FROM forwarding_decisions WHERE tenant_id = $1 AND person_id = $2 ORDER BY decided_at, id";

const INSERT_FLAG: &str = "INSERT INTO detriment_flags (id, tenant_id, person_id, reason, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)";

impl ImportBatch {
    /// Writes the ledger row of the envelope this import applies, in the import's own
    /// transaction: the persons and the row land together or not at all, so a process killed
    /// during an ingest leaves nothing half-applied. The unique index on applied envelopes
    /// refuses a second application at commit time even if two receivers raced.
    ///
    /// # Errors
    /// `Invalid` when the envelope was applied already, or a database error.
    pub async fn record_received(&mut self, entry: &NewReceived) -> StoreResult<()> {
        let id = Uuid::now_v7();
        let now = OffsetDateTime::now_utc();
        let tenant = *self.scope.tenant().as_uuid();
        let source = self.source;
        match &mut self.tx {
            ImportTx::Sqlite(slot) => {
                let direct = slot.as_ref().ok_or_else(|| {
                    StoreError::Invalid("the import was abandoned after an error".into())
                })?;
                direct.record_received(id, tenant, entry, Some(source), now)?;
            }
            ImportTx::Postgres(tx) => {
                sqlx::query(INSERT_RECEIVED)
                    .bind(id)
                    .bind(tenant)
                    .bind(entry.sender.as_deref())
                    .bind(entry.channel.as_deref())
                    .bind(entry.sequence)
                    .bind(entry.content_hash.as_deref())
                    .bind(entry.status.code())
                    .bind(entry.reason_code.as_deref())
                    .bind(entry.reason.as_deref())
                    .bind(entry.applied)
                    .bind(source.as_uuid())
                    .bind(now)
                    .execute(&mut **tx)
                    .await
                    .map_err(|e| {
                        crate::transmissions::unique_or(
                            e,
                            "this envelope was applied already".into(),
                        )
                    })?;
            }
        }
        Ok(())
    }

    /// Keeps a detriment flag received with a card (GC4-137-b), in the import's transaction.
    ///
    /// # Errors
    /// An empty or overlong reason, or a database error.
    pub async fn flag_detriment(&mut self, person: PersonId, reason: &str) -> StoreResult<()> {
        check_text("a detriment reason", reason, 2000)?;
        let id = Uuid::now_v7();
        let now = OffsetDateTime::now_utc();
        let tenant = *self.scope.tenant().as_uuid();
        let by = self.scope.actor_name().to_owned();
        match &mut self.tx {
            ImportTx::Sqlite(slot) => {
                let direct = slot.as_ref().ok_or_else(|| {
                    StoreError::Invalid("the import was abandoned after an error".into())
                })?;
                direct.flag_detriment(id, tenant, person, reason, &by, now)?;
            }
            ImportTx::Postgres(tx) => {
                sqlx::query(INSERT_FLAG)
                    .bind(id)
                    .bind(tenant)
                    .bind(person.as_uuid())
                    .bind(reason)
                    .bind(&by)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }
}

impl Store {
    /// Sets where a peer is reached, how (push, pull, outbox; the certificate pinned for
    /// `https://`) and whose nationals it receives; the latest setting wins.
    ///
    /// # Errors
    /// `Invalid`, naming the problem: a URL that is not `http://` or `https://`, `https://`
    /// without a certificate pin (or a pin without `https://`), a pin that is not
    /// `sha256:<64 hex>`, pull without a URL, a pull interval without pull or outside
    /// [`PULL_EVERY_SECONDS`], an origin that is not two capital letters.
    pub async fn set_peer(&self, scope: &TenantScope, setting: &NewPeer<'_>) -> StoreResult<()> {
        setting.check()?;
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            sqlx::query(
                "INSERT INTO transmission_peers (id, tenant_id, peer, url, origin, channel, tls_pin, pull, outbox, pull_every_s, set_by, set_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(Uuid::now_v7())
            .bind(*scope.tenant().as_uuid())
            .bind(setting.peer)
            .bind(setting.url)
            .bind(setting.origin)
            .bind(setting.channel)
            .bind(setting.tls_pin)
            .bind(setting.pull)
            .bind(setting.outbox)
            .bind(setting.pull_every)
            .bind(scope.actor_name())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Every peer's latest setting, by peer name.
    pub async fn peers(&self, scope: &TenantScope) -> StoreResult<Vec<PeerSetting>> {
        let rows: Vec<PeerSetting> = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT peer, url, origin, channel, tls_pin, pull, outbox, pull_every_s, set_at FROM transmission_peers WHERE tenant_id = $1 ORDER BY set_at, id",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(PeerSetting {
                        peer: row.text("peer")?,
                        url: row.opt_text("url")?,
                        origin: row.opt_text("origin")?,
                        channel: row.text("channel")?,
                        tls_pin: row.opt_text("tls_pin")?,
                        pull: row.try_get::<bool, _>("pull")?,
                        outbox: row.try_get::<bool, _>("outbox")?,
                        pull_every: row.try_get::<Option<i64>, _>("pull_every_s")?,
                        set_at: row.time("set_at")?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?
        });
        let mut latest: Vec<PeerSetting> = Vec::new();
        for row in rows {
            if let Some(slot) = latest.iter_mut().find(|p| p.peer == row.peer) {
                *slot = row;
            } else {
                latest.push(row);
            }
        }
        latest.sort_by(|a, b| a.peer.cmp(&b.peer));
        Ok(latest)
    }

    /// Flags a person of this tenant: transmission to the power of origin would be detrimental
    /// (GC4-137-b). The flag travels with the card to the agency; it is never taken back here
    /// (a later flag adds a reason).
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for a person of another tenant or none.
    pub async fn flag_detriment(
        &self,
        scope: &TenantScope,
        person: PersonId,
        reason: &str,
    ) -> StoreResult<()> {
        check_text("a detriment reason", reason, 2000)?;
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM persons WHERE id = $1 AND tenant_id = $2")
                .bind(person.as_uuid())
                .bind(*scope.tenant().as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(StoreError::NotFound);
            }
            sqlx::query(INSERT_FLAG)
                .bind(Uuid::now_v7())
                .bind(*scope.tenant().as_uuid())
                .bind(person.as_uuid())
                .bind(reason)
                .bind(scope.actor_name())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The detriment flags of this tenant's persons: per person, the reasons, oldest first.
    pub async fn detriment_flags(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<HashMap<PersonId, Vec<String>>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT person_id, reason FROM detriment_flags WHERE tenant_id = $1 ORDER BY recorded_at, id",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            let mut flags: HashMap<PersonId, Vec<String>> = HashMap::new();
            for row in &rows {
                flags
                    .entry(PersonId::from_uuid(row.uuid("person_id")?))
                    .or_default()
                    .push(row.text("reason")?);
            }
            Ok(flags)
        })
    }

    /// Remembers that the forwarding round that read the persons' records at `read_at` found
    /// nothing for `recipient` in them (not a national of its origin, or no nationality known):
    /// [`Store::persons_without_forwarding`] leaves them out until an assertion about them is
    /// recorded at or after `read_at` (migration 0018).
    ///
    /// # Errors
    /// A person of another tenant, or a database error.
    pub async fn note_forwarding_considered(
        &self,
        scope: &TenantScope,
        recipient: &str,
        persons: &[PersonId],
        read_at: OffsetDateTime,
    ) -> StoreResult<()> {
        if persons.is_empty() {
            return Ok(());
        }
        let tenant = *scope.tenant().as_uuid();
        // One statement per CONSIDERED_BATCH persons, not one per person: round 1 of a
        // forwarding round at 10^5 persons spent a third of its time on single-row inserts
        // (bench/forwarding.sh). A person of another tenant is not in `persons` for this
        // tenant, so the SELECT leaves it out (as the single-row form did).
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            for chunk in persons.chunks(CONSIDERED_BATCH) {
                // Only placeholders are generated; every value is bound.
                let sql = considered_insert(chunk.len());
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(tenant)
                    .bind(recipient)
                    .bind(read_at);
                for person in chunk {
                    query = query.bind(*person.as_uuid());
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Persons of this tenant with no forwarding decision for `recipient` yet, oldest first,
    /// less those an earlier round found nothing for and nothing was asserted about since
    /// ([`Store::note_forwarding_considered`]).
    pub async fn persons_without_forwarding(
        &self,
        scope: &TenantScope,
        recipient: &str,
    ) -> StoreResult<Vec<PersonId>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let ids: Vec<Uuid> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT p.id FROM persons p WHERE {WITHOUT_FORWARDING} ORDER BY p.registered_at, p.id"
            )))
            .bind(*scope.tenant().as_uuid())
            .bind(recipient)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(ids.into_iter().map(PersonId::from_uuid).collect())
        })
    }

    /// The persons the next forwarding round for `recipient` reads (migration 0022): those of
    /// this tenant registered or with a nationality asserted since the round that last
    /// consumed the queue ([`Store::consume_forwarding_candidates`]), less those with a decision
    /// for `recipient`, in the order they were queued. A recipient's first round reads the whole tenant
    /// ([`Store::persons_without_forwarding`]), in the transaction that makes the queue feed it
    /// from then on.
    ///
    /// Exact, whatever commits when: the change rows are written by triggers in the
    /// transaction that writes the person or the assertion, and a round moves and reads only
    /// rows already committed; one committed later stays in the queue for the next round.
    /// SQLite writes one transaction at a time (`BEGIN IMMEDIATE`); on PostgreSQL, rounds of a
    /// tenant take a transaction-level advisory lock, so the queue is moved one round at a time
    /// and the per-recipient rows are numbered in the order they are committed.
    ///
    /// # Errors
    /// A database error.
    pub async fn forwarding_candidates(
        &self,
        scope: &TenantScope,
        recipient: &str,
    ) -> StoreResult<ForwardingCandidates> {
        let tenant = *scope.tenant().as_uuid();
        let now = OffsetDateTime::now_utc();
        let postgres = matches!(self.backend, crate::Backend::Postgres(_));
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            if postgres {
                sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                    .bind(FORWARDING_LOCK)
                    .bind(tenant.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
            // The queue, to every recipient that reads from it, then emptied.
            if postgres {
                sqlx::query(DRAIN_POSTGRES).bind(tenant).execute(&mut *tx).await?;
            } else {
                sqlx::query(DRAIN_SQLITE).bind(tenant).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM forwarding_changes WHERE tenant_id = $1")
                    .bind(tenant)
                    .execute(&mut *tx)
                    .await?;
            }
            let first = sqlx::query(
                "INSERT INTO forwarding_recipients (tenant_id, recipient, since) VALUES ($1, $2, $3) \
                 ON CONFLICT (tenant_id, recipient) DO NOTHING",
            )
            .bind(tenant)
            .bind(recipient)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if first {
                // The first round for this recipient: the whole tenant, as before 0022.
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO forwarding_pending (tenant_id, recipient, person_id) \
                     SELECT $1, $2, p.id FROM persons p WHERE {WITHOUT_FORWARDING} ORDER BY p.registered_at, p.id"
                )))
                .bind(tenant)
                .bind(recipient)
                .execute(&mut *tx)
                .await?;
            }
            let through: Option<i64> = sqlx::query_scalar(
                "SELECT MAX(id) FROM forwarding_pending WHERE tenant_id = $1 AND recipient = $2",
            )
            .bind(tenant)
            .bind(recipient)
            .fetch_one(&mut *tx)
            .await?;
            let ids: Vec<(Uuid, i64)> = match through {
                Some(through) => sqlx::query_as(PENDING_PERSONS)
                    .bind(tenant)
                    .bind(recipient)
                    .bind(through)
                    .fetch_all(&mut *tx)
                    .await?,
                None => Vec::new(),
            };
            tx.commit().await?;
            Ok(ForwardingCandidates {
                persons: ids
                    .into_iter()
                    .map(|(id, last)| (PersonId::from_uuid(id), last))
                    .collect(),
                through,
                first,
            })
        })
    }

    /// Takes out of `recipient`'s queue what a round read ([`ForwardingCandidates::through`]),
    /// once its decisions are recorded. What was queued after the round read stays. A round
    /// that fails before this leaves its persons queued, and the next round reads them again
    /// (those decided meanwhile are left out).
    ///
    /// # Errors
    /// A database error.
    pub async fn consume_forwarding_candidates(
        &self,
        scope: &TenantScope,
        recipient: &str,
        through: i64,
    ) -> StoreResult<()> {
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            sqlx::query(
                "DELETE FROM forwarding_pending WHERE tenant_id = $1 AND recipient = $2 AND id <= $3",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(recipient)
            .bind(through)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records an envelope forwarded (if any) and every forwarding decision, in one
    /// transaction: a decision "forwarded" always names the envelope that carried it.
    ///
    /// # Errors
    /// A sequence number used before, a person of another tenant, or a database error.
    pub async fn record_forwarding(
        &self,
        scope: &TenantScope,
        sent: Option<&crate::NewTransmission>,
        decisions: &[NewForwardingDecision],
    ) -> StoreResult<Option<Uuid>> {
        let now = OffsetDateTime::now_utc();
        on_backend!(self, pool => {
            let mut tx = pool.begin_scoped(scope).await?;
            let transmission = match sent {
                Some(sent) => Some(crate::transmissions::insert_transmission!(tx, scope, sent, now)),
                None => None,
            };
            for decision in decisions {
                check_text("a forwarding reason", &decision.reason, 4000)?;
                let done = sqlx::query(
                    "INSERT INTO forwarding_decisions (id, tenant_id, person_id, recipient, decision, forwarded, withheld, reason, transmission_id, decided_by, decided_at) \
                     SELECT $1, $2, id, $4, $5, $6, $7, $8, $9, $10, $11 FROM persons WHERE id = $3 AND tenant_id = $2",
                )
                .bind(Uuid::now_v7())
                .bind(*scope.tenant().as_uuid())
                .bind(decision.person.as_uuid())
                .bind(&decision.recipient)
                .bind(if decision.forwarded { "forwarded" } else { "withheld" })
                .bind(decision.fields_forwarded.join(","))
                .bind(decision.fields_withheld.join("\n"))
                .bind(&decision.reason)
                .bind(if decision.forwarded { transmission } else { None })
                .bind(scope.actor_name())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::UnknownPerson(decision.person));
                }
            }
            tx.commit().await?;
            Ok(transmission)
        })
    }

    /// Forwarding decisions, oldest first; for one person when `person` is given.
    pub async fn forwarding_decisions(
        &self,
        scope: &TenantScope,
        person: Option<PersonId>,
    ) -> StoreResult<Vec<ForwardingDecisionRecord>> {
        // One person's decisions by `forwarding_decisions_person` on both columns: with
        // `($2 IS NULL OR person_id = $2)` SQLite (and PostgreSQL's generic plan) read every
        // decision of the tenant for each person page.
        let sql = if person.is_some() {
            DECISIONS_OF_PERSON
        } else {
            DECISIONS_ALL
        };
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let query = sqlx::query(sql).bind(*scope.tenant().as_uuid());
            let query = match person {
                Some(person) => query.bind(*person.as_uuid()),
                None => query,
            };
            let rows = query.fetch_all(&mut *tx).await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    let split = |text: String, by: char| -> Vec<String> {
                        text.split(by).filter(|s| !s.is_empty()).map(str::to_owned).collect()
                    };
                    Ok(ForwardingDecisionRecord {
                        decision: NewForwardingDecision {
                            person: PersonId::from_uuid(row.uuid("person_id")?),
                            recipient: row.text("recipient")?,
                            forwarded: row.text("decision")? == "forwarded",
                            fields_forwarded: split(row.text("forwarded")?, ','),
                            fields_withheld: split(row.text("withheld")?, '\n'),
                            reason: row.text("reason")?,
                        },
                        transmission: row.opt_uuid("transmission_id")?,
                        decided_by: row.text("decided_by")?,
                        decided_at: row.time("decided_at")?,
                    })
                })
                .collect()
        })
    }

    /// Envelopes sent to `recipient` that no receipt from it answers yet, in sequence order per
    /// channel. A receipt of any status answers an envelope: a rejection is not retried (it
    /// would be rejected again) and shows in the compliance view instead.
    pub async fn pending_transmissions(
        &self,
        scope: &TenantScope,
        recipient: &str,
    ) -> StoreResult<Vec<PendingTransmission>> {
        self.pending_out(scope, recipient, true).await
    }

    /// [`Store::pending_transmissions`] without the envelopes' text (`envelope` is empty): what
    /// the sender loop pushes, one envelope read at a time
    /// ([`Store::transmission_envelope`]), and the counts of what waits. A bureau's first
    /// round is many envelopes of some 10 MB each.
    pub async fn pending_transmission_heads(
        &self,
        scope: &TenantScope,
        recipient: &str,
    ) -> StoreResult<Vec<PendingTransmission>> {
        self.pending_out(scope, recipient, false).await
    }

    /// The envelopes sent to `recipient` and not acknowledged, in sequence order per channel,
    /// with their text or without it.
    async fn pending_out(
        &self,
        scope: &TenantScope,
        recipient: &str,
        with_envelope: bool,
    ) -> StoreResult<Vec<PendingTransmission>> {
        // Two literal statements (no SQL built at run time), one with the text column.
        macro_rules! pending_out_sql {
            ($envelope:literal) => {
                concat!(
                    "SELECT t.id, t.recipient, t.channel, t.sequence, t.content_hash",
                    $envelope,
                    " FROM transmissions_out t \
                     WHERE t.tenant_id = $1 AND t.recipient = $2 \
                     AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.tenant_id = $1 AND a.direction = 'received' \
                                     AND a.peer = t.recipient AND a.envelope_hash = t.content_hash) \
                     ORDER BY t.channel, t.sequence"
                )
            };
        }
        let sql = if with_envelope {
            pending_out_sql!(", t.envelope")
        } else {
            pending_out_sql!("")
        };
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(sql)
                .bind(*scope.tenant().as_uuid())
                .bind(recipient)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| {
                    Ok(PendingTransmission {
                        id: row.uuid("id")?,
                        recipient: row.text("recipient")?,
                        channel: row.text("channel")?,
                        sequence: row.try_get("sequence")?,
                        content_hash: row.text("content_hash")?,
                        envelope: if with_envelope {
                            row.text("envelope")?
                        } else {
                            String::new()
                        },
                    })
                })
                .collect()
        })
    }

    /// The signed envelope of a transmission sent, wire form.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when this tenant sent no such transmission.
    pub async fn transmission_envelope(
        &self,
        scope: &TenantScope,
        id: Uuid,
    ) -> StoreResult<String> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let envelope: Option<String> = sqlx::query_scalar(
                "SELECT envelope FROM transmissions_out WHERE tenant_id = $1 AND id = $2",
            )
            .bind(*scope.tenant().as_uuid())
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            envelope.ok_or(StoreError::NotFound)
        })
    }

    /// The persons each transmission sent carried: `(transmission, person)`.
    pub async fn transmission_items(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<Vec<(Uuid, PersonId)>> {
        on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let rows = sqlx::query(
                "SELECT transmission_id, person_id FROM transmission_items WHERE tenant_id = $1",
            )
            .bind(*scope.tenant().as_uuid())
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            rows.iter()
                .map(|row| Ok((row.uuid("transmission_id")?, PersonId::from_uuid(row.uuid("person_id")?))))
                .collect()
        })
    }
}
