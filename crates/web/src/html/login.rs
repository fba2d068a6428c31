//! Sign in and sign out.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::auth;
use crate::error::AppResult;
use crate::html::render;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    /// Shown after a failed attempt. The same words whether the username exists or not.
    failed: bool,
}

/// The fields of the sign-in form. `Debug` is not derived: the password must not be printable.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
}

/// `GET /login`.
pub(crate) async fn form() -> AppResult<Response> {
    render(&LoginPage { failed: false })
}

/// `POST /login`: checks the password (against a dummy hash when the user is unknown, so that
/// timing does not reveal accounts), then starts a session with a fresh token.
pub(crate) async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let user = state.store.user_by_username(form.username.trim()).await?;
    let verified = auth::check_password(user.as_ref(), form.password).await;
    let user = match user {
        Some(user) if verified => user,
        _ => {
            tracing::info!(outcome = "refused", "sign-in");
            let mut response = render(&LoginPage { failed: true })?;
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            return Ok(response);
        }
    };
    // A session the browser already had is ended, not reused (session fixation).
    if let Some(old) = auth::session_token(&headers, &state.sessions).and_then(auth::token_hash) {
        state.store.delete_session(&old).await?;
    }
    let token = auth::new_token()?;
    let hash = auth::token_hash(&token)
        .ok_or_else(|| crate::AppError::Internal("a fresh token does not hash".into()))?;
    let expires_at = OffsetDateTime::now_utc() + state.sessions.ttl;
    state
        .store
        .create_session(&hash, user.id, expires_at)
        .await?;
    tracing::info!(outcome = "accepted", user.id = %user.id, "sign-in");
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        auth::session_cookie(&state.sessions, &token),
    );
    Ok(response)
}

/// `POST /logout`: deletes the session from the store, so the token is worthless even if the
/// browser kept it.
pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Response> {
    if let Some(hash) = auth::session_token(&headers, &state.sessions).and_then(auth::token_hash) {
        state.store.delete_session(&hash).await?;
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth::clear_cookie(&state.sessions));
    Ok(response)
}
