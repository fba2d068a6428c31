//! Passwords, sessions, and the extractors that prove who is asking.
//!
//! A session is a random 32-byte token held only by the browser, in an `HttpOnly`,
//! `SameSite=Strict` cookie. The database keeps the SHA-256 of the token, so a copy of the
//! database cannot be replayed as a login. A session has a stage: after the password it may only
//! pass the second factor ([`Session`]); after the TOTP code it is [`SignedIn`]. It ends after
//! [`crate::state::IDLE_TIMEOUT`] without use, and at the latest `session_ttl` after sign-in. Each
//! stage gets a fresh token (session fixation).
//!
//! CSRF: every state-changing form carries a synchroniser token derived from the session token
//! (SHA-256 of a label and the token), so nothing extra is stored and the token dies with the
//! session; [`CsrfForm`] checks it before the body is even parsed. The sign-in form, which has no
//! session yet, uses a double-submit cookie. The same-origin check in `headers.rs` stays as a
//! second line.
//!
//! Authorization builds on these in `authz.rs`.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use store::{SessionDetails, SessionStage, TenantScope, UserRecord};
use time::OffsetDateTime;

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

/// A fresh token: 32 bytes from the operating system, hex-encoded.
pub(crate) fn new_token() -> Result<String, AppError> {
    let mut token = [0u8; 32];
    getrandom::fill(&mut token).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    Ok(hex::encode(token))
}

/// Random bytes from the operating system.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    Ok(bytes)
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

/// The CSRF token of a session: derived from the session token, so it needs no storage, cannot
/// be computed without the cookie, and changes whenever the session does.
pub(crate) fn csrf_token(session_token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"whereabouts csrf v1\0");
    hasher.update(session_token.as_bytes());
    hex::encode(&hasher.finalize()[..16])
}

/// Compares two strings in time that does not depend on where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value =
        format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}");
    // A hex token and constant attributes are always a valid header value.
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that carries a new session.
pub(crate) fn session_cookie(config: &SessionConfig, token: &str) -> HeaderValue {
    cookie(
        config.cookie_name,
        token,
        config.ttl.whole_seconds().max(0),
        config.secure,
    )
}

/// The `Set-Cookie` value that makes the browser forget the session.
pub(crate) fn clear_cookie(config: &SessionConfig) -> HeaderValue {
    cookie(config.cookie_name, "", 0, config.secure)
}

/// The double-submit cookie of the sign-in form: lives ten minutes.
pub(crate) fn login_cookie(config: &SessionConfig, token: &str) -> HeaderValue {
    cookie(config.login_cookie_name, token, 600, config.secure)
}

/// The value of cookie `name` in the request, if any.
pub(crate) fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
}

/// The session token the request carries, if any.
pub(crate) fn session_token<'h>(headers: &'h HeaderMap, config: &SessionConfig) -> Option<&'h str> {
    cookie_value(headers, config.cookie_name)
}

/// A live session at any stage: the password was right, the second factor may still be owed.
/// Only the sign-in steps and sign-out take this; everything else takes [`SignedIn`].
#[derive(Clone, Debug)]
pub struct Session {
    pub(crate) token_hash: Vec<u8>,
    pub(crate) csrf: String,
    pub(crate) details: SessionDetails,
}

impl Session {
    #[must_use]
    pub fn stage(&self) -> SessionStage {
        self.details.stage
    }

    pub(crate) fn user(&self) -> &UserRecord {
        &self.details.user
    }
}

impl FromRequestParts<AppState> for Session {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(session) = parts.extensions.get::<Session>() {
            return Ok(session.clone());
        }
        let token =
            session_token(&parts.headers, &state.sessions).ok_or(AppError::Unauthenticated)?;
        let hash = token_hash(token).ok_or(AppError::Unauthenticated)?;
        let details = state
            .store
            .session_details(&hash)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let now = OffsetDateTime::now_utc();
        if now >= details.expires_at || now - details.last_seen_at > state.sessions.idle {
            // A stale session is removed, and the browser is sent to sign in again with a word
            // about why.
            state.store.delete_session(&hash).await?;
            return Err(AppError::SessionExpired);
        }
        if now - details.last_seen_at > time::Duration::minutes(1) {
            state.store.touch_session(&hash, now).await?;
        }
        let session = Session {
            csrf: csrf_token(token),
            token_hash: hash,
            details,
        };
        parts.extensions.insert(session.clone());
        Ok(session)
    }
}

/// A request with a live session that passed both factors. The user's password hash stays
/// inside; handlers see the fields they need.
#[derive(Clone, Debug)]
pub struct SignedIn {
    user: UserRecord,
    scope: Option<TenantScope>,
    csrf: String,
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

    #[must_use]
    pub fn user_id(&self) -> domain::UserId {
        self.user.id
    }

    #[must_use]
    pub fn tenant(&self) -> Option<domain::TenantId> {
        self.user.tenant
    }

    /// The tenant scope, when the user's role reads their tenant's data.
    #[must_use]
    pub fn scope(&self) -> Option<&TenantScope> {
        self.scope.as_ref()
    }

    /// The CSRF token that this session's forms carry.
    #[must_use]
    pub fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(signed_in) = parts.extensions.get::<SignedIn>() {
            return Ok(signed_in.clone());
        }
        let session = Session::from_request_parts(parts, state).await?;
        if session.details.stage != SessionStage::Full {
            return Err(AppError::SecondFactorRequired);
        }
        let scope = state.store.scope_for_user(&session.details.user);
        let signed_in = SignedIn {
            user: session.details.user,
            scope,
            csrf: session.csrf,
        };
        parts.extensions.insert(signed_in.clone());
        Ok(signed_in)
    }
}

/// Forms carry the CSRF token in the field `csrf`; scripts (htmx) may send this header instead.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// A form body that is accepted only with this session's CSRF token, checked before the body is
/// parsed, so a forged request is refused as such whatever it carries. Also requires a session
/// (of any stage: the second-factor form takes it too).
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

/// Form bodies are small; a larger one is refused before it is read in full.
pub(crate) const FORM_LIMIT: usize = 64 * 1024;

impl<T> FromRequest<AppState> for CsrfForm<T>
where
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, AppError> {
        let (mut parts, body) = request.into_parts();
        let session = Session::from_request_parts(&mut parts, state).await?;
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = axum::body::to_bytes(body, FORM_LIMIT)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        let header_token = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let field_token = serde_urlencoded::from_bytes::<CsrfField>(&bytes)
            .ok()
            .and_then(|f| f.csrf);
        let presented = field_token.or(header_token).unwrap_or_default();
        if !same_secret(&presented, &session.csrf) {
            tracing::warn!("form without this session's CSRF token refused");
            return Err(AppError::CsrfRejected);
        }
        let value = serde_urlencoded::from_bytes::<T>(&bytes)
            .map_err(|e| AppError::BadForm(e.to_string()))?;
        Ok(CsrfForm(value))
    }
}
