//! The one place where failures become responses.
//!
//! Every handler and extractor returns [`AppError`]; its [`IntoResponse`] picks the status, a
//! stable code (the JSON API will reuse it) and the page. Internal causes are logged here, once,
//! and never shown: a 5xx page says only that something went wrong. Nothing logged here carries
//! personal data: store errors name problems, not persons.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No live session: HTML pages send the browser to the sign-in page.
    #[error("not signed in")]
    Unauthenticated,
    /// A system administrator asked for a tenant's protected data (DESIGN principle 6).
    #[error("administrators cannot read protected data")]
    AdminCannotRead,
    /// Unknown, malformed, or another tenant's: all look the same, so that existence does not
    /// leak across tenants.
    #[error("not found")]
    NotFound,
    /// A state-changing request whose `Origin` is not this host.
    #[error("cross-origin request refused")]
    CrossOrigin,
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("template: {0}")]
    Render(#[from] askama::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    /// The HTTP status of this error.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::SEE_OTHER,
            Self::AdminCannotRead | Self::CrossOrigin => StatusCode::FORBIDDEN,
            Self::NotFound | Self::Store(StoreError::NotFound | StoreError::UnknownPerson(_)) => {
                StatusCode::NOT_FOUND
            }
            Self::Store(_) | Self::Render(_) | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// A stable, machine-readable code for this error.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self.status() {
            StatusCode::SEE_OTHER => "unauthenticated",
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::FORBIDDEN if matches!(self, Self::CrossOrigin) => "cross-origin",
            StatusCode::FORBIDDEN => "admin-cannot-read",
            _ => "internal",
        }
    }

    fn message(&self) -> (&'static str, &'static str) {
        match self.code() {
            "not-found" => (
                "Not found",
                "There is nothing here, or it is not part of your tenant.",
            ),
            "admin-cannot-read" => (
                "Not available to administrators",
                "System administrators manage tenants and users. They cannot read protected data about persons.",
            ),
            "cross-origin" => (
                "Request refused",
                "This request did not come from a page of this site.",
            ),
            _ => (
                "Something went wrong",
                "The request could not be completed. It has been logged without its data; please try again.",
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    code: &'static str,
    title: &'static str,
    message: &'static str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status == StatusCode::SEE_OTHER {
            return Redirect::to("/login").into_response();
        }
        if status.is_server_error() {
            tracing::error!(code = self.code(), error = %self, "request failed");
        }
        let (title, message) = self.message();
        let page = ErrorPage {
            status: status.as_u16(),
            code: self.code(),
            title,
            message,
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
}

pub type AppResult<T> = Result<T, AppError>;
