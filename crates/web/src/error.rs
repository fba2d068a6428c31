//! The one place where failures become responses.
//!
//! Every handler and extractor returns [`AppError`]; its [`IntoResponse`] picks the status, a
//! stable code and the page. Internal causes are logged here, once, and never shown: a 5xx page
//! says only that something went wrong. Nothing logged here carries personal data: store errors
//! name problems, not persons.
//!
//! The JSON API shares the type: the response carries an [`ErrorInfo`] extension, and the API's
//! middleware turns it into `{"error":{"code":…,"message":…}}` (see `api/mod.rs`). The codes are
//! listed in [`AppError::CODES`] and in the OpenAPI document.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No live session: HTML pages send the browser to the sign-in page.
    #[error("not signed in")]
    Unauthenticated,
    /// The session ended (idle or absolute timeout): to the sign-in page, with a word why.
    #[error("the session has expired")]
    SessionExpired,
    /// The password was right, the second factor is still owed.
    #[error("the second factor is required")]
    SecondFactorRequired,
    /// A system administrator asked for a tenant's protected data (DESIGN principle 6).
    #[error("administrators cannot read protected data")]
    AdminCannotRead,
    /// The role does not carry the capability the route needs.
    #[error("your role may not do this")]
    Forbidden,
    /// Unknown, malformed, or another tenant's: all look the same, so that existence does not
    /// leak across tenants.
    #[error("not found")]
    NotFound,
    /// A state-changing request whose `Origin` is not this host.
    #[error("cross-origin request refused")]
    CrossOrigin,
    /// A form without this session's CSRF token.
    #[error("the form's security token is missing or stale")]
    CsrfRejected,
    #[error("the body is larger than this endpoint accepts")]
    PayloadTooLarge,
    #[error("the content type is not one this endpoint accepts")]
    UnsupportedMediaType,
    /// A body that does not parse (names the problem, not the data).
    #[error("the request body cannot be read: {0}")]
    BadForm(String),
    /// Values that parse but break a rule: one message per field.
    #[error("some values are not valid")]
    Invalid(Vec<(String, String)>),
    /// Sign-in throttled or the account locked; the message says for how long.
    #[error("{0}")]
    TooManyAttempts(String),
    /// Over a rate limit (`limits.rs`); the number is the seconds to wait (`Retry-After`).
    #[error("too many requests; try again in {0} s")]
    RateLimited(u64),
    /// A rule of the workflow refuses the action now (for example a second confirmation by the
    /// same reviewer).
    #[error("{0}")]
    Conflict(String),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("template: {0}")]
    Render(#[from] askama::Error),
    #[error("internal: {0}")]
    Internal(String),
}

/// What an error response was, for the API's middleware to render as JSON.
#[derive(Clone, Debug)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub message: String,
    pub fields: Vec<(String, String)>,
}

impl AppError {
    /// Every stable code, with its status: documented in the OpenAPI document.
    pub const CODES: [(&'static str, u16); 17] = [
        ("unauthenticated", 401),
        ("session_expired", 401),
        ("second_factor_required", 401),
        ("admin_cannot_read", 403),
        ("forbidden", 403),
        ("not_found", 404),
        ("cross_origin", 403),
        ("csrf", 403),
        ("payload_too_large", 413),
        ("unsupported_media_type", 415),
        ("bad_request", 400),
        ("invalid", 422),
        ("too_many_attempts", 429),
        ("rate_limited", 429),
        ("conflict", 409),
        ("restricted", 403),
        ("internal", 500),
    ];

    /// The HTTP status of this error (for pages; the API answers 401 where a page redirects).
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated | Self::SessionExpired | Self::SecondFactorRequired => {
                StatusCode::SEE_OTHER
            }
            Self::AdminCannotRead | Self::Forbidden | Self::CrossOrigin | Self::CsrfRejected => {
                StatusCode::FORBIDDEN
            }
            Self::NotFound | Self::Store(StoreError::NotFound | StoreError::UnknownPerson(_)) => {
                StatusCode::NOT_FOUND
            }
            // ICRC-DP-c: the record is restricted and this role is not among the allowed.
            Self::Store(StoreError::Restricted) => StatusCode::FORBIDDEN,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::BadForm(_) => StatusCode::BAD_REQUEST,
            Self::Invalid(_)
            | Self::Store(StoreError::Invalid(_) | StoreError::DuplicateReference { .. }) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::TooManyAttempts(_) | Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Store(_) | Self::Render(_) | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// A stable, machine-readable code for this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::SessionExpired => "session_expired",
            Self::SecondFactorRequired => "second_factor_required",
            Self::AdminCannotRead => "admin_cannot_read",
            Self::Forbidden => "forbidden",
            Self::CrossOrigin => "cross_origin",
            Self::CsrfRejected => "csrf",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::BadForm(_) => "bad_request",
            Self::TooManyAttempts(_) => "too_many_attempts",
            Self::RateLimited(_) => "rate_limited",
            Self::Conflict(_) => "conflict",
            Self::Store(StoreError::Restricted) => "restricted",
            _ => match self.status() {
                StatusCode::NOT_FOUND => "not_found",
                StatusCode::UNPROCESSABLE_ENTITY => "invalid",
                _ => "internal",
            },
        }
    }

    fn message(&self) -> (&'static str, String) {
        match self {
            Self::NotFound | Self::Store(StoreError::NotFound | StoreError::UnknownPerson(_)) => (
                "Not found",
                "There is nothing here, or it is not part of your tenant.".into(),
            ),
            Self::AdminCannotRead => (
                "Not available to administrators",
                "System administrators manage tenants and users. They cannot read protected data about persons.".into(),
            ),
            Self::Forbidden => (
                "Not permitted",
                "Your role does not include this task. Ask your tenant administrator if you need it.".into(),
            ),
            Self::CrossOrigin => (
                "Request refused",
                "This request did not come from a page of this site.".into(),
            ),
            Self::CsrfRejected => (
                "Request refused",
                "The form's security token is missing or stale. Go back, reload the page and try again.".into(),
            ),
            Self::Unauthenticated | Self::SessionExpired | Self::SecondFactorRequired => {
                ("Sign in", self.to_string())
            }
            Self::PayloadTooLarge | Self::UnsupportedMediaType | Self::BadForm(_) => {
                ("Bad request", self.to_string())
            }
            Self::Invalid(fields) => (
                "Not valid",
                fields
                    .iter()
                    .map(|(field, message)| format!("{field}: {message}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Self::Store(error @ (StoreError::Invalid(_) | StoreError::DuplicateReference { .. })) => {
                ("Not valid", error.to_string())
            }
            Self::Store(StoreError::Restricted) => (
                "Processing restricted",
                "Processing of this record is restricted. Only the roles named in the restriction may open or change it.".into(),
            ),
            Self::TooManyAttempts(message) => ("Too many attempts", message.clone()),
            Self::RateLimited(_) => ("Too many requests", self.to_string()),
            Self::Conflict(message) => ("Not possible now", message.clone()),
            _ => (
                "Something went wrong",
                "The request could not be completed. It has been logged without its data; please try again.".into(),
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    code: &'static str,
    title: &'static str,
    message: &'a str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (title, message) = self.message();
        let info = ErrorInfo {
            code: self.code(),
            message: message.clone(),
            fields: match &self {
                Self::Invalid(fields) => fields.clone(),
                _ => Vec::new(),
            },
        };
        let mut response = match self {
            Self::Unauthenticated => Redirect::to("/login").into_response(),
            Self::SessionExpired => Redirect::to("/login?expired=1").into_response(),
            Self::SecondFactorRequired => Redirect::to("/login/second-factor").into_response(),
            _ => {
                if status.is_server_error() {
                    tracing::error!(code = self.code(), error = %self, "request failed");
                }
                let page = ErrorPage {
                    status: status.as_u16(),
                    code: self.code(),
                    title,
                    message: &message,
                };
                match page.render() {
                    Ok(body) => (status, Html(body)).into_response(),
                    Err(error) => {
                        tracing::error!(%error, "cannot render the error page");
                        (
                            status,
                            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                            title,
                        )
                            .into_response()
                    }
                }
            }
        };
        if let Self::RateLimited(seconds) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(info);
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
