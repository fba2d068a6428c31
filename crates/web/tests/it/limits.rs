//! Rate limits and request bounds over a real socket (docs/security.md, H3 and H4): the server
//! as `whereabouts serve` runs it, clients on different loopback addresses.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{App, apps, config};

/// A raw HTTP/1.1 exchange from `from` (a loopback address) to the server.
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    }
}

async fn http(server: SocketAddr, from: &str, request: &[u8]) -> Reply {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut stream = socket.connect(server).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

fn get(path: &str, token: Option<&str>) -> Vec<u8> {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n")
        .into_bytes()
}

fn post(path: &str, token: Option<&str>, content_type: &str, body: &[u8]) -> Vec<u8> {
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// Serves `app`'s store with `limits` on a loopback port.
async fn start(app: &App, limits: web::RateLimits) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut serve_config = config(false);
    serve_config.addr = addr;
    serve_config.rate_limits = limits;
    let store = app.store.clone();
    let server = tokio::spawn(async move {
        web::serve(store, serve_config, listener).await.unwrap();
    });
    (addr, server)
}

#[tokio::test]
async fn an_address_is_rate_limited_over_http() {
    let app = apps().await.remove(0);
    let limits = web::RateLimits {
        per_address: web::Limit {
            per_minute: 6,
            burst: 5,
        },
        per_principal: web::Limit::OFF,
    };
    let (server, task) = start(&app, limits).await;
    for _ in 0..5 {
        assert_eq!(
            http(server, "127.0.0.2", &get("/health", None))
                .await
                .status,
            200
        );
    }
    // The sixth request within the burst is refused, as a page with every security header.
    let refused = http(server, "127.0.0.2", &get("/login", None)).await;
    assert_eq!(refused.status, 429, "{}", refused.head);
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=10).contains(&wait), "Retry-After {wait}");
    assert!(
        refused.body.contains("Too many requests"),
        "{}",
        refused.body
    );
    assert_eq!(refused.header("x-frame-options").as_deref(), Some("DENY"));
    assert!(refused.header("content-security-policy").is_some());
    // The API answers in its JSON shape.
    let refused = http(server, "127.0.0.2", &get("/api/v1/persons", None)).await;
    assert_eq!(refused.status, 429);
    assert!(refused.header("retry-after").is_some());
    assert!(
        refused.body.contains(r#""code":"rate_limited""#),
        "{}",
        refused.body
    );
    // Another address has its own budget.
    assert_eq!(
        http(server, "127.0.0.3", &get("/health", None))
            .await
            .status,
        200
    );
    task.abort();
}

#[tokio::test]
async fn an_api_token_is_rate_limited_and_others_are_not() {
    let app = apps().await.remove(0);
    let limits = web::RateLimits {
        per_address: web::Limit::OFF,
        per_principal: web::Limit {
            per_minute: 6,
            burst: 3,
        },
    };
    let (server, task) = start(&app, limits).await;
    let a = app
        .token(app.fx.tenant_a.id, store::UserRole::BureauClerk)
        .await;
    let b = app
        .token(app.fx.tenant_a.id, store::UserRole::BureauClerk)
        .await;
    // Spread over addresses: the principal's budget follows the token, not the address.
    for from in ["127.0.0.4", "127.0.0.5", "127.0.0.6"] {
        let reply = http(server, from, &get("/api/v1/persons", Some(&a))).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let refused = http(server, "127.0.0.7", &get("/api/v1/persons", Some(&a))).await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.header("retry-after").is_some());
    assert!(refused.body.contains(r#""code":"rate_limited""#));
    // The other token of the same tenant is not affected.
    let reply = http(server, "127.0.0.4", &get("/api/v1/persons", Some(&b))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // A forged token is refused as unauthenticated, never counted against a real one.
    let forged = format!("wbt_{}", "0".repeat(64));
    let reply = http(server, "127.0.0.4", &get("/api/v1/persons", Some(&forged))).await;
    assert_eq!(reply.status, 401);
    task.abort();
}

#[tokio::test]
async fn oversized_and_mistyped_bodies_are_refused_over_http() {
    let app = apps().await.remove(0);
    let (server, task) = start(&app, web::RateLimits::default()).await;
    let token = app
        .token(app.fx.tenant_a.id, store::UserRole::BureauClerk)
        .await;
    // 64 KiB is the API's limit; one byte more is 413, whatever the content.
    let big = format!(r#"{{"reference":"{}"}}"#, "x".repeat(64 * 1024));
    let reply = http(
        server,
        "127.0.0.8",
        &post(
            "/api/v1/persons",
            Some(&token),
            "application/json",
            big.as_bytes(),
        ),
    )
    .await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(
        reply.body.contains(r#""code":"payload_too_large""#),
        "{}",
        reply.body
    );
    // Not JSON: 415.
    let reply = http(
        server,
        "127.0.0.8",
        &post(
            "/api/v1/persons",
            Some(&token),
            "text/plain",
            b"reference=x",
        ),
    )
    .await;
    assert_eq!(reply.status, 415, "{}", reply.body);
    assert!(reply.body.contains(r#""code":"unsupported_media_type""#));
    // A form over 64 KiB to the sign-in page: 413 before anything is parsed.
    let form = format!("username={}&password=x", "a".repeat(70 * 1024));
    let reply = http(
        server,
        "127.0.0.8",
        &post(
            "/login",
            None,
            "application/x-www-form-urlencoded",
            form.as_bytes(),
        ),
    )
    .await;
    assert_eq!(reply.status, 413, "{}", reply.head);
    // JSON where a form is expected: 415.
    let reply = http(
        server,
        "127.0.0.8",
        &post("/login", None, "application/json", b"{}"),
    )
    .await;
    assert_eq!(reply.status, 415, "{}", reply.head);
    task.abort();
}
