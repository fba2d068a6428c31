//! Middleware on every response: security headers, the same-origin check on state-changing
//! requests, and a log line per request that carries no personal data.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// No script runs at all today; when one does, it will be a file from this origin. No inline
/// style either, so the stylesheet is the only source of style.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// Sets the security headers, and `Cache-Control: no-store` unless the handler chose a policy
/// (the stylesheet may be cached; pages with personal data must not be).
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Refuses a state-changing request whose `Origin` header names another site. Together with
/// `SameSite=Strict` on the session cookie this stands in for CSRF tokens until they come.
/// Browsers send `Origin` on every cross-site POST; a request without one (a script, `curl`) has
/// no ambient cookie to abuse.
pub(crate) async fn same_origin(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !origin_allowed(request.headers()) {
        tracing::warn!(method = %request.method(), "cross-origin request refused");
        return AppError::CrossOrigin.into_response();
    }
    next.run(request).await
}

fn origin_allowed(headers: &HeaderMap) -> bool {
    // Fetch metadata, where the browser sends it, is the better witness: under
    // `Referrer-Policy: no-referrer` browsers send `Origin: null` even on same-origin posts.
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    // `Origin` is `scheme://host[:port]`, or `null` from sandboxes and some redirects.
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    authority.is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}

/// One log line per request: method, route template, status and time taken. The route is the
/// template (`/persons/{id}`), and query strings (search text) are never logged.
pub(crate) async fn log_request(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)", MatchedPath::as_str)
        .to_owned();
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        route,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis(),
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: Option<&str>) -> HeaderMap {
        let mut map = HeaderMap::new();
        if let Some(origin) = origin {
            map.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        }
        if let Some(host) = host {
            map.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        }
        map
    }

    #[test]
    fn origin_must_be_this_host_when_present() {
        assert!(origin_allowed(&headers(None, Some("bureau.example"))));
        assert!(origin_allowed(&headers(
            Some("https://bureau.example"),
            Some("bureau.example")
        )));
        assert!(origin_allowed(&headers(
            Some("http://127.0.0.1:8080"),
            Some("127.0.0.1:8080")
        )));
        assert!(!origin_allowed(&headers(
            Some("https://evil.example"),
            Some("bureau.example")
        )));
        assert!(!origin_allowed(&headers(
            Some("https://bureau.example.evil.example"),
            Some("bureau.example")
        )));
        assert!(!origin_allowed(&headers(
            Some("null"),
            Some("bureau.example")
        )));
        assert!(!origin_allowed(&headers(
            Some("https://bureau.example"),
            None
        )));
        let mut fetched = headers(Some("null"), Some("bureau.example"));
        fetched.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(origin_allowed(&fetched));
        fetched.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!origin_allowed(&fetched));
        let mut sibling = headers(Some("https://bureau.example"), Some("bureau.example"));
        sibling.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert!(!origin_allowed(&sibling));
    }
}
