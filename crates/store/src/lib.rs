//! Whereabouts storage: one interface, two backends.
//!
//! [`Store`] is an enum over a SQLite pool (the embedded default: one file under a data
//! directory, WAL) and a PostgreSQL pool, chosen from the URL scheme. The SQL is written once
//! and compiled against each driver by the [`on_backend!`] macro, so both backends run the same
//! statements; where dialects differ, the two texts sit side by side.
//!
//! Tenancy: every method that touches a tenant's data takes a [`TenantScope`], and a scope can
//! only be obtained through an authorisation path ([`Store::operator_scope`] for the local
//! operator of the CLI, [`Store::scope_for_user`] for a signed-in user). On PostgreSQL each
//! transaction also sets `app.tenant_id`, and row-level security refuses rows of any other
//! tenant.
//!
//! Append-only: persons, sources, assertions, events and notifications are never updated or
//! deleted; triggers on both backends refuse it (XC-1, XC-3).
#![forbid(unsafe_code)]

mod accounts;
mod agency;
mod audit;
mod backup;
mod codec;
mod error;
mod evidence_files;
mod forwarding;
mod links;
mod lists;
mod messages;
mod pack;
mod peer_status;
mod plans;
mod protection;
mod received;
mod registry;
mod rotation;
mod rows;
mod scope;
mod sqlite_import;
mod subject;
mod system;
#[cfg(feature = "testing")]
pub mod testing;
mod transmissions;
mod url;
mod vault;
mod witness;

pub use accounts::{ApiTokenRecord, NewApiToken, SessionDetails, SessionStage, TotpState};
pub use agency::{
    Decision, MatchDecision, NewMatchDecision, NewTracingRequest, RequestStage, StageCounts,
    StageKept, TracingRequest, TracingRequestId, Worklist, WorklistFilter, WorklistRow,
};
pub use audit::{AuditAction, AuditEntry, AuditPolicy, AuditProblem, AuditRecord, AuditReport};
pub use backup::{Snapshot, table_contents};
pub use error::{StoreError, StoreResult};
pub use evidence_files::{
    EVIDENCE_MAX_BYTES, EvidenceFileError, EvidenceFinding, EvidenceReader, EvidenceReport,
    EvidenceWriter, WrittenFile, store_file,
};
pub use forwarding::{
    ForwardingCandidates, ForwardingDecisionRecord, NewForwardingDecision, NewPeer,
    PULL_EVERY_SECONDS, PeerSetting, PendingTransmission,
};
pub use links::{
    LINK_NOTE_MAX, LinkDecision, LinkProposal, LinkProposalId, LinkStatus, NewLinkDecision,
    NewLinkProposal,
};
pub use lists::{ListCriteria, ListDelivery};
pub use messages::{
    AnswerRecord, ClosureOutcome, ClosureRecord, ENQUIRY_TARGET, EnquiryDirection, EnquiryRecord,
    LIST_ROWS_MAX, ListRecord, NewEnquiry, NewList, ParkedWithdrawal, PendingMessages,
    ReceivedAnswer, ReceivedEnquiry, ReceivedList, ReceivedWithdrawal, WithdrawalReceived,
    check_answer_texts, check_enquiry_texts, check_list_texts,
};
pub use peer_status::{PEER_ERROR_MAX, PeerExchange, PeerExchangeUpdate};
pub use protection::{
    EvidenceTarget, FieldBatch, Held, ItemError, REGISTRATIONS_BY_ID_MAX, StoredEvidence,
    StoredFollowUp, StoredRefusalEnd, StoredReply, StoredRepresentation, VisitRecorders,
};
pub use received::{ReceivedAssertion, ReceivedEvent};
pub use registry::{
    DirectoryRow, ImportBatch, NewAssertion, NewEvent, NewNotification, NewPerson, NewPlace,
    NewSource, PersonFacts, PersonPage, PersonRecord, PersonSummary, PreparedPeople,
};
pub use rotation::{RotationReport, SEALED_COLUMNS, SealedCheck, VersionCounts};
pub use scope::TenantScope;
pub use subject::{ArchivedRecord, RETENTION_KINDS, Restriction};
pub use system::{NewUser, SessionUser, UserRecord, UserRole};
pub use transmissions::{
    AcknowledgementRecord, KeyRevocation, KeyState, NewAcknowledgement, NewReceived,
    NewTransmission, NoticeItem, NoticeKind, PendingCorrection, PendingEvent, PendingFlag,
    PinnedKeySet, ReceivedRecord, ReceivedStatus, SentTransmission, StoredKey,
};
pub use url::DatabaseUrl;
pub use vault::{DataKeyInfo, SEALED_TEXT_PREFIX, Vault, default_key_file};
pub use witness::SavedHead;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

/// Runs the same body against whichever pool the store holds. The body is compiled once per
/// driver, so a statement that does not suit one backend fails to compile, not at run time.
macro_rules! on_backend {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::Backend::Sqlite($pool) => $body,
            $crate::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_backend;

#[derive(Clone, Debug)]
pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The store: a connection pool to one of the two backends.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) backend: Backend,
    /// The SQLite file, for the bulk-import connection (`sqlite_import`).
    pub(crate) sqlite_path: Option<std::path::PathBuf>,
    /// The master key provider and the unwrapped data keys (`vault.rs`).
    pub(crate) keys: std::sync::Arc<vault::KeyState>,
    /// The audit log's policy and keys (`audit.rs`).
    pub(crate) audit: std::sync::Arc<audit::AuditState>,
}

/// SQLite's page cache per connection, in KiB (negative: a size, not a page count).
pub(crate) const SQLITE_CACHE_SIZE: &str = "-65536";

impl Store {
    /// Opens the database at `url` and brings its schema up to date.
    ///
    /// A SQLite URL names a file, which is created if missing; its directory must exist.
    /// The master key comes from the environment ([`::vault::MASTER_KEY_ENV`],
    /// [`::vault::MASTER_KEY_FILE_ENV`]) or, for SQLite, from the key file beside the database
    /// ([`default_key_file`]), created for a new database. A PostgreSQL store without either
    /// opens, but sealing and opening protected fields fail until a key is given.
    ///
    /// # Errors
    /// When the database cannot be reached or a migration fails, or the database holds
    /// wrapped keys and its key file is missing.
    pub async fn open(url: &DatabaseUrl) -> StoreResult<Self> {
        let provider = ::vault::provider_from_env()?;
        match (provider, url) {
            (Some(provider), _) => Self::open_with(url, Some(provider)).await,
            (None, DatabaseUrl::Sqlite(path)) => {
                let key_file = default_key_file(path);
                if key_file.exists() {
                    let provider = ::vault::FileKeyProvider::open(&key_file)?;
                    return Self::open_with(url, Some(std::sync::Arc::new(provider))).await;
                }
                let store = Self::open_with(url, None).await?;
                if !store.vault().data_keys().await?.is_empty() {
                    return Err(StoreError::Vault(::vault::VaultError::KeyFile {
                        path: key_file.display().to_string(),
                        reason: "missing, but the database holds keys wrapped by it".into(),
                    }));
                }
                let provider = ::vault::FileKeyProvider::open_or_create(&key_file)?;
                Ok(store.with_key_provider(std::sync::Arc::new(provider)))
            }
            (None, DatabaseUrl::Postgres(_)) => Self::open_with(url, None).await,
        }
    }

    /// The same store with another master key provider (and an empty key cache).
    #[must_use]
    pub fn with_key_provider(self, provider: std::sync::Arc<dyn ::vault::KeyProvider>) -> Self {
        Self {
            keys: std::sync::Arc::new(vault::KeyState::new(Some(provider))),
            audit: std::sync::Arc::new(self.audit.fresh()),
            ..self
        }
    }

    /// [`Store::open`] with the master key from `provider` (a key file, the environment, a
    /// KMS or HSM client), or none.
    ///
    /// # Errors
    /// When the database cannot be reached or a migration fails.
    pub async fn open_with(
        url: &DatabaseUrl,
        provider: Option<std::sync::Arc<dyn ::vault::KeyProvider>>,
    ) -> StoreResult<Self> {
        let sqlite_path = match url {
            DatabaseUrl::Sqlite(path) => Some(path.clone()),
            DatabaseUrl::Postgres(_) => None,
        };
        let backend = match url {
            DatabaseUrl::Sqlite(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .page_size(16384)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true)
                    // 64 MiB of page cache per connection: a large import then rewrites pages
                    // in memory instead of spilling them to the WAL again and again.
                    .pragma("cache_size", SQLITE_CACHE_SIZE);
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await?;
                sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
                Backend::Sqlite(pool)
            }
            DatabaseUrl::Postgres(secret) => {
                let options = PgConnectOptions::from_str(secret.expose())?;
                let pool = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                sqlx::migrate!("./migrations/postgres").run(&pool).await?;
                Backend::Postgres(pool)
            }
        };
        Ok(Self {
            backend,
            sqlite_path,
            keys: std::sync::Arc::new(vault::KeyState::new(provider)),
            audit: std::sync::Arc::new(audit::AuditState::new(audit::AuditPolicy::default())),
        })
    }

    /// `sqlite` or `postgres`.
    #[must_use]
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection; on SQLite this also checkpoints the WAL.
    pub async fn close(&self) {
        on_backend!(self, pool => pool.close().await);
    }
}
