//! The transmission receive endpoint's bounds: a body past the bundle limit answers 413 (from
//! `Content-Length` at once, or while streaming), and one address pushing too often 429.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use hyper::body::Frame;

use crate::harness::{CLIENT, HOST, Page, apps};

const PATH: &str = "/api/v1/transmissions";
/// The limit the endpoint documents (crates/web/src/api/transmissions.rs, docs/transmissions.md).
const BUNDLE_LIMIT: usize = 256 * 1024 * 1024;
const PUSHES_PER_MINUTE: usize = 120;

/// A body of `chunks` MiB produced as it is read, so the test holds one MiB, not the whole.
struct Generated {
    left: usize,
    chunk: Bytes,
}

impl hyper::body::Body for Generated {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        self.left -= 1;
        Poll::Ready(Some(Ok(Frame::data(self.chunk.clone()))))
    }
}

fn push(body: Body, content_length: Option<usize>) -> Request<Body> {
    let mut request = Request::post(PATH)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/octet-stream");
    if let Some(length) = content_length {
        request = request.header(header::CONTENT_LENGTH, length);
    }
    request.body(body).unwrap()
}

fn error_code(page: &Page) -> String {
    let json: serde_json::Value =
        serde_json::from_str(&page.body).unwrap_or_else(|e| panic!("{e}: {}", page.body));
    json["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_bundle_past_the_limit_answers_413_declared_or_streamed() {
    for app in apps().await {
        // Declared too large: refused before a byte is read.
        let page = app
            .send(push(Body::from("x"), Some(BUNDLE_LIMIT + 1)))
            .await;
        assert_eq!(
            page.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            app.backend
        );
        assert_eq!(error_code(&page), "payload_too_large");
        // Not declared (chunked): counted while it streams to disk, refused past the limit.
        let mib = 1024 * 1024;
        let body = Body::new(Generated {
            left: BUNDLE_LIMIT / mib + 1,
            chunk: Bytes::from(vec![0u8; mib]),
        });
        let page = app.send(push(body, None)).await;
        assert_eq!(
            page.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            app.backend
        );
        assert_eq!(error_code(&page), "payload_too_large");
        // Within the limit, streamed: read whole and judged as a bundle (this one is not).
        let body = Body::new(Generated {
            left: 3,
            chunk: Bytes::from_static(b"not a bundle"),
        });
        let page = app.send(push(body, None)).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", app.backend);
        assert_eq!(error_code(&page), "bad_request");
        assert!(page.body.contains("not a bundle"), "{}", page.body);
    }
}

#[tokio::test]
async fn one_address_pushing_too_often_answers_429_with_retry_after() {
    for app in apps().await {
        for i in 0..PUSHES_PER_MINUTE {
            let page = app.send(push(Body::from("hello"), None)).await;
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "push {i}");
        }
        let page = app.send(push(Body::from("hello"), None)).await;
        assert_eq!(
            page.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            app.backend
        );
        assert_eq!(error_code(&page), "too_many_attempts");
        let retry: u64 = page.header("retry-after").parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        // Another address has its own budget.
        let page = app
            .send_from(push(Body::from("hello"), None), "198.51.100.20:9")
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        // Still refused from the first, however small the body.
        let page = app.send_from(push(Body::empty(), None), CLIENT).await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    }
}
