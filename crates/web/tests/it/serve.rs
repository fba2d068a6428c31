//! The server over a real socket, as the command line starts it.

use std::io::{Read, Write};

use crate::harness::{apps, config};

#[tokio::test]
async fn serve_answers_over_tcp() {
    let app = apps().await.remove(0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut serve_config = config(false);
    serve_config.addr = addr;
    let server = tokio::spawn(web::serve(app.store.clone(), serve_config, listener));
    let response = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    })
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(
        response
            .contains(r#"{"backend":"sqlite","search_index":"built at first use","status":"ok"}"#),
        "{response}"
    );
    assert!(
        response
            .to_ascii_lowercase()
            .contains("x-frame-options: deny")
    );
    server.abort();
}
