//! Whereabouts web: server-rendered pages over the [`store::Store`].
//!
//! The crate is shaped so that the later layers (TOTP, CSRF tokens, the roles matrix, the JSON
//! API and its OpenAPI document) slot in without moving what is here:
//!
//! - [`router`] lists every route in one place (`router.rs`), so the HTTP surface reads as a
//!   single table.
//! - Authorization is a type a handler asks for. [`auth::SignedIn`] proves a live session;
//!   [`auth::TenantMember`] additionally holds the [`store::TenantScope`] that every read of a
//!   tenant's data needs. A system administrator never gets one, so the data pages cannot run
//!   for them.
//! - [`error::AppError`] is the only place that maps failures to responses: statuses, the error
//!   page, and the logging of internal causes.
//! - Personal data never reaches the logs: handlers record the route template and the status,
//!   never names, references, search text or query strings.

pub mod auth;
pub mod error;
mod headers;
mod html;
mod router;
mod state;

use std::net::SocketAddr;

pub use auth::{PasswordError, hash_password};
pub use error::AppError;
pub use router::router;

/// How the server runs. Passed explicitly; nothing is global.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    /// How long a session lives after sign-in.
    pub session_ttl: time::Duration,
    /// Marks the session cookie `Secure` (and names it `__Host-…`). Turn off only for plain
    /// HTTP on localhost.
    pub secure_cookies: bool,
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
    axum::serve(listener, app)
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
