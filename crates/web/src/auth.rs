//! Passwords, sessions, and the extractors that prove who is asking.
//!
//! A session is a random 32-byte token held only by the browser, in an `HttpOnly`,
//! `SameSite=Strict` cookie. The database keeps the SHA-256 of the token, so a copy of the
//! database cannot be replayed as a login.
//!
//! Authorization is a type: a handler that takes [`SignedIn`] cannot run without a live session,
//! and one that takes [`TenantMember`] cannot run without a [`TenantScope`], which the store hands
//! out only to users whose role reads their tenant's data. Later layers (a TOTP step, roles)
//! become further extractors built on these.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};
use store::{TenantScope, UserRecord};

use crate::error::AppError;
use crate::state::{AppState, SessionConfig};

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[error("cannot hash the password: {0}")]
pub struct PasswordError(String);

/// Hashes a password with Argon2id and a random salt, as a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$…`), with the OWASP minimum parameters.
///
/// This is slow on purpose (tens of milliseconds); call it off the async runtime when serving.
///
/// # Errors
/// When the operating system's random generator fails.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError(e.to_string()))
}

/// Whether `password` matches the PHC string `hash`. A malformed hash never matches.
#[must_use]
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// Verified when the username is unknown, so that the time taken does not tell whether an account
/// exists. Hashed once per process with the same parameters as real hashes.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut secret = [0u8; 32];
    // A failed generator leaves zeros: the hash still costs the same to verify.
    let _ = getrandom::fill(&mut secret);
    hash_password(&hex::encode(secret)).unwrap_or_default()
});

/// Checks a username and password off the async runtime. `user` is `None` when the username is
/// unknown; the dummy hash is verified then, and the answer is `false`.
pub(crate) async fn check_password(user: Option<&UserRecord>, password: String) -> bool {
    let (hash, known) = match user {
        Some(user) => (user.password_hash.clone(), true),
        None => (DUMMY_HASH.clone(), false),
    };
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    matches && known
}

/// Makes sure the dummy hash exists before the first sign-in, so that the first unknown username
/// does not take longer than a known one.
pub(crate) fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

/// A fresh session token: 32 bytes from the operating system, hex-encoded for the cookie.
pub(crate) fn new_token() -> Result<String, AppError> {
    let mut token = [0u8; 32];
    getrandom::fill(&mut token).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    Ok(hex::encode(token))
}

/// What the database keeps of a token: SHA-256 of its 32 bytes. `None` for anything that is not
/// a well-formed token.
pub(crate) fn token_hash(token: &str) -> Option<Vec<u8>> {
    let bytes = hex::decode(token).ok()?;
    if bytes.len() != 32 {
        return None;
    }
    Some(Sha256::digest(&bytes).to_vec())
}

/// The `Set-Cookie` value that carries a new session.
pub(crate) fn session_cookie(config: &SessionConfig, token: &str) -> HeaderValue {
    let secure = if config.secure { "; Secure" } else { "" };
    let value = format!(
        "{}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        config.cookie_name,
        config.ttl.whole_seconds().max(0),
    );
    // A hex token and constant attributes are always a valid header value.
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that makes the browser forget the session.
pub(crate) fn clear_cookie(config: &SessionConfig) -> HeaderValue {
    let secure = if config.secure { "; Secure" } else { "" };
    let value = format!(
        "{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{secure}",
        config.cookie_name
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session token the request carries, if any.
pub(crate) fn session_token<'h>(headers: &'h HeaderMap, config: &SessionConfig) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == config.cookie_name)
        .map(|(_, value)| value.trim())
}

/// A request with a live session. The user's password hash stays inside; handlers see the
/// fields they need.
#[derive(Clone, Debug)]
pub struct SignedIn {
    user: UserRecord,
    scope: Option<TenantScope>,
}

impl SignedIn {
    #[must_use]
    pub fn username(&self) -> &str {
        &self.user.username
    }

    #[must_use]
    pub fn role(&self) -> store::UserRole {
        self.user.role
    }

    /// The tenant scope, when the user's role reads their tenant's data.
    #[must_use]
    pub fn scope(&self) -> Option<&TenantScope> {
        self.scope.as_ref()
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(signed_in) = parts.extensions.get::<SignedIn>() {
            return Ok(signed_in.clone());
        }
        let hash = session_token(&parts.headers, &state.sessions)
            .and_then(token_hash)
            .ok_or(AppError::Unauthenticated)?;
        let session = state
            .store
            .session_user(&hash)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let scope = state.store.scope_for_user(&session.user);
        let signed_in = SignedIn {
            user: session.user,
            scope,
        };
        parts.extensions.insert(signed_in.clone());
        Ok(signed_in)
    }
}

/// A signed-in user who may read their tenant's data, with the scope that every such read needs.
#[derive(Clone, Debug)]
pub struct TenantMember {
    pub(crate) signed_in: SignedIn,
    pub(crate) scope: TenantScope,
}

impl TenantMember {
    #[must_use]
    pub fn signed_in(&self) -> &SignedIn {
        &self.signed_in
    }

    #[must_use]
    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }
}

impl FromRequestParts<AppState> for TenantMember {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let signed_in = SignedIn::from_request_parts(parts, state).await?;
        let scope = signed_in.scope.clone().ok_or(AppError::AdminCannotRead)?;
        Ok(TenantMember { signed_in, scope })
    }
}
