//! Sign in (password, then the TOTP second factor) and sign out.
//!
//! Throttling: failed sign-ins are counted per username (existing or not, so a lockout does not
//! reveal accounts) and per client address, over [`WINDOW`]. At [`ACCOUNT_LIMIT`] failures the
//! username is locked until the window passes; at [`ADDRESS_LIMIT`] the address is. Both checks
//! run before any password is verified, so a locked account costs no Argon2 work. Wrong TOTP codes
//! count against the username too.

use std::net::{IpAddr, SocketAddr};

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use store::SessionStage;
use time::{Duration, OffsetDateTime};

use crate::auth::{self, CsrfForm, Session};
use crate::error::{AppError, AppResult};
use crate::html::render;
use crate::state::AppState;
use crate::totp;

/// The window over which failures count.
pub(crate) const WINDOW: Duration = Duration::minutes(15);
/// Failures per username within [`WINDOW`] before it is locked.
pub(crate) const ACCOUNT_LIMIT: i64 = 5;
/// Failures per client address within [`WINDOW`] before it is refused.
pub(crate) const ADDRESS_LIMIT: i64 = 20;

/// The client's address, when the server was started with connection info (it is, by
/// [`crate::serve`]); in-process tests may insert one.
pub(crate) struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
        ))
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    /// Shown after a failed attempt. The same words whether the username exists or not.
    error: Option<String>,
    expired: bool,
    csrf: String,
    fields: LoginFields,
}

/// What a form that cannot be checked yet lacks, field by field; the username given is shown
/// again (it is what the person typed, never looked up).
#[derive(Default)]
struct LoginFields {
    username: String,
    username_error: Option<&'static str>,
    password_error: Option<&'static str>,
}

impl LoginFields {
    /// The per-field problems of a submitted form, before any credential is checked.
    fn check(form: &LoginForm) -> Option<Self> {
        let username = form.username.trim();
        let fields = Self {
            username: username.chars().take(200).collect(),
            username_error: username.is_empty().then_some("Enter your username."),
            password_error: form.password.is_empty().then_some("Enter your password."),
        };
        (fields.username_error.is_some() || fields.password_error.is_some()).then_some(fields)
    }
}

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    expired: Option<String>,
}

/// The fields of the sign-in form. `Debug` is not derived: the password must not be printable.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    // Missing fields are empty, so that the page can name them (422) instead of a generic
    // rejection of the whole form.
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// Renders the sign-in form with a fresh double-submit token in the form and in a cookie.
fn login_page(
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
    expired: bool,
) -> AppResult<Response> {
    login_page_with(state, status, error, expired, LoginFields::default())
}

fn login_page_with(
    state: &AppState,
    status: StatusCode,
    error: Option<String>,
    expired: bool,
    fields: LoginFields,
) -> AppResult<Response> {
    let csrf = auth::new_token()?;
    let mut response = render(&LoginPage {
        error,
        expired,
        csrf: csrf.clone(),
        fields,
    })?;
    *response.status_mut() = status;
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::login_cookie(&state.sessions, &csrf),
    );
    Ok(response)
}

/// `GET /login`.
pub(crate) async fn form(
    State(state): State<AppState>,
    Query(query): Query<LoginQuery>,
) -> AppResult<Response> {
    login_page(&state, StatusCode::OK, None, query.expired.is_some())
}

/// Whether `key` is locked now; the message says until when.
async fn locked(
    state: &AppState,
    key: &str,
    limit: i64,
    now: OffsetDateTime,
) -> AppResult<Option<String>> {
    let (count, latest) = state.store.login_failures(key, now - WINDOW).await?;
    if count < limit {
        return Ok(None);
    }
    let until = latest.unwrap_or(now) + WINDOW;
    let minutes = ((until - now).whole_seconds() + 59) / 60;
    Ok(Some(minutes.max(1).to_string()))
}

fn user_key(username: &str) -> String {
    format!("user:{}", username.to_lowercase())
}

fn address_key(address: Option<IpAddr>) -> String {
    address.map_or_else(|| "ip:unknown".to_owned(), |ip| format!("ip:{ip}"))
}

/// `POST /login`: checks the double-submit token and the throttles, then the password (against a
/// dummy hash when the user is unknown, so that timing does not reveal accounts), then starts a
/// session at the password stage with a fresh token.
pub(crate) async fn submit(
    State(state): State<AppState>,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let cookie = auth::cookie_value(&headers, state.sessions.login_cookie_name).unwrap_or("");
    if cookie.is_empty() || !auth::same_secret(cookie, &form.csrf) {
        return Err(AppError::CsrfRejected);
    }
    // An incomplete form is answered field by field and costs no attempt: it guesses nothing.
    if let Some(fields) = LoginFields::check(&form) {
        return login_page_with(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Some fields need your attention.".into()),
            false,
            fields,
        );
    }
    let now = OffsetDateTime::now_utc();
    let username = form.username.trim();
    let user_key = user_key(username);
    let address_key = address_key(address);
    if let Some(minutes) = locked(&state, &address_key, ADDRESS_LIMIT, now).await? {
        tracing::warn!(outcome = "throttled", "sign-in");
        return login_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            Some(format!(
                "Too many failed sign-ins from your network address. Try again in {minutes} minutes."
            )),
            false,
        );
    }
    if let Some(minutes) = locked(&state, &user_key, ACCOUNT_LIMIT, now).await? {
        tracing::warn!(outcome = "locked", "sign-in");
        return login_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            Some(format!(
                "This account is locked after {ACCOUNT_LIMIT} failed attempts. Try again in {minutes} minutes, or ask your administrator."
            )),
            false,
        );
    }
    let user = state.store.user_by_username(username).await?;
    let verified = auth::check_password(user.as_ref(), form.password).await;
    let known = user.as_ref().map(|u| (u.id, u.tenant));
    let user = match user {
        Some(user) if verified => user,
        _ => {
            state.store.record_login_failure(&user_key, now).await?;
            state.store.record_login_failure(&address_key, now).await?;
            // XC-8, SEC-4: failed sign-ins are audited (by user id when the user exists; the
            // text typed as a username is never logged).
            let (object, tenant) = known
                .map_or(("user:unknown".to_owned(), None), |(id, tenant)| {
                    (format!("user:{id}"), tenant)
                });
            state
                .store
                .audit_system(
                    "anonymous",
                    tenant,
                    store::AuditEntry::new(store::AuditAction::LoginFailed, object)
                        .detail("password"),
                )
                .await?;
            tracing::info!(outcome = "refused", "sign-in");
            return login_page(
                &state,
                StatusCode::UNAUTHORIZED,
                Some("Unknown username or wrong password.".into()),
                false,
            );
        }
    };
    // A session the browser already had is ended, not reused (session fixation).
    if let Some(old) = auth::session_token(&headers, &state.sessions).and_then(auth::token_hash) {
        state.store.delete_session(&old).await?;
    }
    let token = auth::new_token()?;
    let hash = auth::token_hash(&token)
        .ok_or_else(|| AppError::Internal("a fresh token does not hash".into()))?;
    state
        .store
        .create_staged_session(
            &hash,
            user.id,
            SessionStage::Password,
            now,
            now + state.sessions.ttl,
        )
        .await?;
    tracing::info!(outcome = "password-accepted", user.id = %user.id, "sign-in");
    let mut response = Redirect::to("/login/second-factor").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::session_cookie(&state.sessions, &token),
    );
    response
        .headers_mut()
        .append(header::SET_COOKIE, auth::login_cookie(&state.sessions, ""));
    Ok(response)
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    csrf: String,
    username: String,
    /// Set while enrolling: the secret in base32 and the `otpauth://` URI.
    enrolment: Option<(String, String)>,
    error: Option<String>,
    /// The code field's own problem (not six digits).
    code_error: Option<&'static str>,
}

async fn second_factor_page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    error: Option<String>,
    code_error: Option<&'static str>,
) -> AppResult<Response> {
    let user = session.user();
    let mut totp_state = state.store.totp_state(user.id).await?;
    let enrolment = if totp_state.confirmed {
        None
    } else {
        let secret = match totp_state.secret.take() {
            Some(secret) => secret,
            None => {
                let secret = auth::random_bytes::<{ totp::SECRET_LEN }>()?.to_vec();
                state.store.begin_totp_enrolment(user.id, &secret).await?;
                secret
            }
        };
        Some((
            totp::base32(&secret),
            totp::otpauth_uri(&secret, "Whereabouts", &user.username),
        ))
    };
    let mut response = render(&SecondFactorPage {
        csrf: session.csrf.clone(),
        username: user.username.clone(),
        enrolment,
        error,
        code_error,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /login/second-factor`: the code form, or enrolment (secret and URI) the first time.
pub(crate) async fn second_factor(
    State(state): State<AppState>,
    session: Session,
) -> AppResult<Response> {
    if session.stage() == SessionStage::Full {
        return Ok(Redirect::to("/").into_response());
    }
    second_factor_page(&state, &session, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /login/second-factor`: checks the code (each time step once), confirms enrolment, and
/// replaces the session with a full one under a new token.
pub(crate) async fn verify_code(
    State(state): State<AppState>,
    session: Session,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    if session.stage() == SessionStage::Full {
        return Ok(Redirect::to("/").into_response());
    }
    // A code that is not six digits (spaces allowed, as apps show "123 456") is a typing
    // mistake, not a guess: it is named and does not count towards the lockout.
    let digits: String = form.code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        let problem = if digits.is_empty() {
            "Enter the six-digit code from your authenticator app."
        } else {
            "The code is six digits (0-9), for example 123456."
        };
        return second_factor_page(
            &state,
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(problem),
        )
        .await;
    }
    let user = session.user().clone();
    let now = OffsetDateTime::now_utc();
    let key = user_key(&user.username);
    if let Some(minutes) = locked(&state, &key, ACCOUNT_LIMIT, now).await? {
        // A locked account's half-open session ends: the password must be given again later.
        state.store.delete_session(&session.token_hash).await?;
        tracing::warn!(outcome = "locked", "second factor");
        let mut response = login_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            Some(format!(
                "This account is locked after {ACCOUNT_LIMIT} failed attempts. Try again in {minutes} minutes, or ask your administrator."
            )),
            false,
        )?;
        response
            .headers_mut()
            .append(header::SET_COOKIE, auth::clear_cookie(&state.sessions));
        return Ok(response);
    }
    let totp_state = state.store.totp_state(user.id).await?;
    let accepted = match &totp_state.secret {
        Some(secret) => match totp::verify(secret, &form.code, now.unix_timestamp()) {
            Some(step) => state.store.use_totp_step(user.id, step).await?,
            None => false,
        },
        None => false,
    };
    if !accepted {
        state.store.record_login_failure(&key, now).await?;
        state
            .store
            .audit_system(
                &user.username,
                user.tenant,
                store::AuditEntry::new(
                    store::AuditAction::LoginFailed,
                    format!("user:{}", user.id),
                )
                .detail("second factor"),
            )
            .await?;
        tracing::info!(outcome = "refused", "second factor");
        return second_factor_page(
            &state,
            &session,
            StatusCode::UNAUTHORIZED,
            Some("That code is not valid. Enter the six digits your app shows now; each code works once.".into()),
            None,
        )
        .await;
    }
    if !totp_state.confirmed {
        state.store.confirm_totp(user.id, now).await?;
    }
    state.store.clear_login_failures(&key).await?;
    state.store.delete_session(&session.token_hash).await?;
    let token = auth::new_token()?;
    let hash = auth::token_hash(&token)
        .ok_or_else(|| AppError::Internal("a fresh token does not hash".into()))?;
    state
        .store
        .create_staged_session(
            &hash,
            user.id,
            SessionStage::Full,
            now,
            now + state.sessions.ttl,
        )
        .await?;
    state
        .store
        .audit_system(
            &user.username,
            user.tenant,
            store::AuditEntry::new(store::AuditAction::Login, format!("user:{}", user.id)),
        )
        .await?;
    tracing::info!(outcome = "accepted", user.id = %user.id, "sign-in");
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        auth::session_cookie(&state.sessions, &token),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub(crate) struct Empty {}

/// `POST /logout`: deletes the session from the store, so the token is worthless even if the
/// browser kept it.
pub(crate) async fn logout(
    State(state): State<AppState>,
    session: Session,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    state.store.delete_session(&session.token_hash).await?;
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::clear_cookie(&state.sessions));
    Ok(response)
}
