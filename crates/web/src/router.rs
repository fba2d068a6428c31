//! Every route of the application, in one table.

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use store::Store;

use crate::ServeConfig;
use crate::html;
use crate::state::{AppState, SessionConfig};
use crate::{auth, headers};

/// The whole application over `store`.
///
/// | route | who | what |
/// |---|---|---|
/// | `GET /health` | anyone | `{"status":"ok","backend":…}`; no personal data |
/// | `GET /static/app.css` | anyone | the stylesheet, screen and print |
/// | `GET /login`, `POST /login` | anyone | sign in |
/// | `POST /logout` | signed in | end the session |
/// | `GET /` | signed in | dashboard; administrators see what they may do |
/// | `GET /persons?q=&page=` | tenant member | the tenant's persons, 50 a page |
/// | `GET /persons/{id}` | tenant member | one person: values with provenance, events, obligations |
/// | `GET /deadlines?status=&rule=&page=` | tenant member | the tenant's obligations by due date |
pub fn router(store: Store, config: &ServeConfig) -> Router {
    auth::warm_up();
    let state = AppState {
        store,
        sessions: SessionConfig::from_config(config),
    };
    Router::new()
        .route("/health", get(html::health))
        .route("/static/app.css", get(html::stylesheet))
        .route("/login", get(html::login::form).post(html::login::submit))
        .route("/logout", post(html::login::logout))
        .route("/", get(html::dashboard::page))
        .route("/persons", get(html::persons::list))
        .route("/persons/{id}", get(html::person::page))
        .route("/deadlines", get(html::deadlines::page))
        .fallback(html::not_found)
        .layer(middleware::from_fn(headers::same_origin))
        .layer(middleware::from_fn(headers::log_request))
        .layer(middleware::from_fn(headers::security_headers))
        .with_state(state)
}
