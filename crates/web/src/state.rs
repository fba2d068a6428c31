//! What every handler can reach: the store, the session settings, and a cache of tenants.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use domain::{TenantId, TenantKind};
use store::Store;

use crate::ServeConfig;
use crate::cache::TenantCache;
use crate::error::AppResult;

#[derive(Clone)]
pub(crate) struct AppState {
    pub store: Store,
    pub sessions: SessionConfig,
    /// Tenants never change kind or disappear, so their kind and name are read once.
    pub tenants: Arc<RwLock<HashMap<TenantId, TenantInfo>>>,
    /// Each tenant's obligations, computed at most every few seconds (`html/deadlines.rs`).
    pub obligations: Arc<TenantCache<crate::html::deadlines::TenantObligations>>,
    /// The matching engine's index of each tenant's persons (`search.rs`).
    pub indexes: Arc<Mutex<HashMap<TenantId, crate::search::TenantIndex>>>,
    /// Whether the start-up build of every tenant's index has finished (`search::warm_up`);
    /// `GET /health` says so.
    pub index_ready: Arc<std::sync::atomic::AtomicBool>,
    /// Whether that build was started ([`crate::ServeConfig::warm_indexes`]).
    pub index_warming: bool,
    /// Rate limits per client address and per principal (`limits.rs`).
    pub limiters: crate::limits::Limiters,
    /// Where evidence files are kept (issue 6); `None`: uploads are refused.
    pub evidence_dir: Option<std::path::PathBuf>,
    /// Each tenant's person directory, for searching the person list (`directory.rs`).
    pub directories: Arc<TenantCache<crate::directory::Directory>>,
    /// Pushes per client address on the transmission receive endpoint (`api/transmissions.rs`).
    pub pushes: Arc<crate::ratelimit::RateLimit>,
    /// How many pushed bundles are verified (held in memory) at once.
    pub verifying: Arc<tokio::sync::Semaphore>,
    /// One same-person pass at a time (`links.rs`): a second waits, then finds nothing left.
    pub linking: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Clone, Debug)]
pub(crate) struct TenantInfo {
    pub kind: TenantKind,
    pub name: String,
}

impl AppState {
    pub fn new(store: Store, config: &ServeConfig) -> Self {
        Self {
            store,
            sessions: SessionConfig::from_config(config),
            tenants: Arc::new(RwLock::new(HashMap::new())),
            indexes: Arc::new(Mutex::new(HashMap::new())),
            index_ready: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            index_warming: config.warm_indexes,
            limiters: crate::limits::Limiters::new(config.rate_limits),
            evidence_dir: config.evidence_dir.clone(),
            obligations: Arc::new(TenantCache::default()),
            directories: Arc::new(TenantCache::default()),
            pushes: Arc::new(crate::ratelimit::RateLimit::new(
                crate::api::transmissions::PUSHES_PER_MINUTE,
                std::time::Duration::from_secs(60),
            )),
            verifying: Arc::new(tokio::sync::Semaphore::new(
                crate::api::transmissions::VERIFYING_AT_ONCE,
            )),
            linking: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Forgets what was computed from a tenant's facts, after a write through this server.
    pub fn facts_changed(&self, tenant: TenantId) {
        self.obligations.changed(tenant);
        self.directories.changed(tenant);
    }

    /// The kind and name of a tenant; `None` for an id that names no tenant.
    pub async fn tenant(&self, id: TenantId) -> AppResult<Option<TenantInfo>> {
        if let Some(info) = self.tenants.read().ok().and_then(|t| t.get(&id).cloned()) {
            return Ok(Some(info));
        }
        let all = self.store.tenants().await?;
        let mut cache = self
            .tenants
            .write()
            .map_err(|_| crate::AppError::Internal("tenant cache poisoned".into()))?;
        for tenant in all {
            cache.insert(
                tenant.id,
                TenantInfo {
                    kind: tenant.kind,
                    name: tenant.name,
                },
            );
        }
        Ok(cache.get(&id).cloned())
    }
}

/// The session cookie's settings, derived once from [`ServeConfig`].
#[derive(Clone, Debug)]
pub(crate) struct SessionConfig {
    /// The absolute lifetime of a session after sign-in.
    pub ttl: time::Duration,
    /// A session unused for this long ends.
    pub idle: time::Duration,
    pub secure: bool,
    /// `__Host-whereabouts` when secure (the prefix makes browsers insist on `Secure`, `Path=/`
    /// and no `Domain`); plain `whereabouts` otherwise, since browsers drop `__Host-` cookies
    /// that are not `Secure`.
    pub cookie_name: &'static str,
    /// The double-submit cookie of the sign-in form (there is no session yet to bind a token to).
    pub login_cookie_name: &'static str,
}

/// How long a session may sit unused.
pub(crate) const IDLE_TIMEOUT: time::Duration = time::Duration::minutes(30);

impl SessionConfig {
    pub fn from_config(config: &ServeConfig) -> Self {
        Self {
            ttl: config.session_ttl,
            idle: IDLE_TIMEOUT.min(config.session_ttl),
            secure: config.secure_cookies,
            cookie_name: if config.secure_cookies {
                "__Host-whereabouts"
            } else {
                "whereabouts"
            },
            login_cookie_name: if config.secure_cookies {
                "__Host-whereabouts-login"
            } else {
                "whereabouts-login"
            },
        }
    }
}
