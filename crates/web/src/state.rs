//! What every handler can reach: the store and the session settings.

use store::Store;

use crate::ServeConfig;

#[derive(Clone, Debug)]
pub(crate) struct AppState {
    pub store: Store,
    pub sessions: SessionConfig,
}

/// The session cookie's settings, derived once from [`ServeConfig`].
#[derive(Clone, Debug)]
pub(crate) struct SessionConfig {
    pub ttl: time::Duration,
    pub secure: bool,
    /// `__Host-whereabouts` when secure (the prefix makes browsers insist on `Secure`, `Path=/`
    /// and no `Domain`); plain `whereabouts` otherwise, since browsers drop `__Host-` cookies
    /// that are not `Secure`.
    pub cookie_name: &'static str,
}

impl SessionConfig {
    pub fn from_config(config: &ServeConfig) -> Self {
        Self {
            ttl: config.session_ttl,
            secure: config.secure_cookies,
            cookie_name: if config.secure_cookies {
                "__Host-whereabouts"
            } else {
                "whereabouts"
            },
        }
    }
}
