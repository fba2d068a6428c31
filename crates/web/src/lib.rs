//! Whereabouts web: server-rendered pages over the [`store::Store`].
//!
//! - [`router`] lists every route in one table (`router.rs`): the router, the OpenAPI document
//!   and the authorization-matrix test all read it.
//! - Authentication: Argon2id passwords, then a TOTP second factor ([`totp`]) for every account;
//!   server-side sessions with idle and absolute expiry; CSRF tokens on every form; throttling
//!   and lockout of sign-ins; bearer tokens for the API ([`auth`], `html/login.rs`).
//! - Authorization is a type a handler asks for ([`authz`]): `Authorized<C>` for pages and
//!   `ApiAuthorized<C>` for the API, per capability `C`. Both carry the [`store::TenantScope`]
//!   every read of a tenant's data needs, so another tenant's record is simply not found (404).
//!   A system administrator never gets one.
//! - [`error::AppError`] is the only place that maps failures to responses: statuses, the error
//!   page, and the logging of internal causes.
//! - Personal data never reaches the logs: handlers record the route template and the status,
//!   never names, references, search text or query strings.
#![forbid(unsafe_code)]

mod api;
pub mod auth;
pub mod authz;
mod cache;
mod directory;
pub mod error;
mod headers;
mod html;
mod limits;
pub mod links;
mod operator;
pub mod protection;
mod ratelimit;
mod router;
mod search;
mod state;
pub mod totp;
pub mod transmission;

use std::net::SocketAddr;

pub use auth::{PasswordError, hash_password};
pub use error::AppError;
pub use limits::{Limit, RateLimits};
pub use operator::create_api_token;
pub use router::{RouteInfo, route_table, router};

/// How the server runs. Passed explicitly; nothing is global.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    /// How long a session lives after sign-in, at most (it also ends after 30 minutes unused).
    pub session_ttl: time::Duration,
    /// Marks the session cookie `Secure` (and names it `__Host-…`). Turn off only for plain
    /// HTTP on localhost.
    pub secure_cookies: bool,
    /// Requests per client address and per user or API token (`limits.rs`).
    pub rate_limits: RateLimits,
    /// Where evidence files are kept (`<data dir>/evidence`); `None` refuses uploads.
    pub evidence_dir: Option<std::path::PathBuf>,
    /// Builds every tenant's matching index from the store when the server starts, in the
    /// background, so that the first tracing search does not wait for it (`GET /health` says
    /// `"search_index": "ready"` when done). Off: each index is built at its first use.
    pub warm_indexes: bool,
}

/// Serves `store` on `listener` until ctrl-c, then lets requests in flight finish.
///
/// # Errors
/// When the listener fails.
pub async fn serve(
    store: store::Store,
    config: ServeConfig,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    let app = router(store, &config);
    tracing::info!(addr = %config.addr, "serving");
    // Connection info gives the sign-in throttle the client's address.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

/// As [`serve`], over TLS (issue 5: HTTPS between instances; `serve --tls-cert --tls-key`):
/// each connection's handshake is done beside the accept loop ([`transmission::tls`]).
///
/// # Errors
/// When the listener fails.
pub async fn serve_tls(
    store: store::Store,
    config: ServeConfig,
    listener: tokio::net::TcpListener,
    tls: &transmission::tls::ServerTls,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt as _;
    // `tap_io` (doing nothing) gives the listener axum's connection info for any listener.
    let listener =
        transmission::tls::TlsListener::new(listener, tls.config.clone())?.tap_io(|_| {});
    let app = router(store, &config);
    tracing::info!(addr = %config.addr, "serving over TLS");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

/// Resolves on ctrl-c, or on SIGTERM where there is one (systemd, containers).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down; letting requests in flight finish");
}
