//! `whereabouts demo`, the README's first command: it fills an embedded store with synthetic
//! data, prints where and how to log in, and serves; the agency finds families' tracing requests
//! with proposed matches, and the protection unit's visit shows its alert.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Instance, http, stderr, stdout};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(addr: &str, path: &str, token: Option<&str>) -> (u16, String) {
    http(addr, "GET", path, token, b"")
}

/// The JSON object in a (possibly chunked) body.
fn json_in(body: &str) -> Value {
    let start = body
        .find('{')
        .unwrap_or_else(|| panic!("no JSON in {body}"));
    let end = body.rfind('}').unwrap();
    serde_json::from_str(&body[start..=end]).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[test]
fn the_demo_prints_its_logins_and_serves_tracing_requests_with_proposals() {
    let instance = Instance::bare(None);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let mut child = instance
        .command(&["demo", "--persons", "500", "--listen", &port])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout_pipe = child.stdout.take().unwrap();
    let _running = Running(child);
    let mut printed = String::new();
    let mut lines = BufReader::new(stdout_pipe).lines();
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the demo did not start: {printed}"
        );
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("the demo stopped: {printed}"))
            .unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("is listening on") {
            break;
        }
    }
    assert!(
        printed.contains(&format!("listening on http://{port}/")),
        "{printed}"
    );
    assert!(printed.contains("All names, parties and places are fictional."));
    for account in [
        "admin",
        "caseworker",
        "reviewer",
        "clerk.aldera",
        "clerk.borovia",
        "delegate",
    ] {
        assert!(
            printed.lines().any(|l| l.trim_start().starts_with(account)),
            "no login for {account}: {printed}"
        );
    }
    // Issue 6's done-when, in the demo: the person seen but never notified raises its alert.
    assert!(
        printed.contains("alert on V-DEMO-1: [seen-never-notified]"),
        "{printed}"
    );
    assert!(printed.contains("0 problem(s)"), "{printed}");
    let requests: usize = printed
        .lines()
        .find_map(|l| {
            l.strip_suffix(" family tracing requests at the agency, with proposed matches")
        })
        .unwrap_or_else(|| panic!("no tracing requests: {printed}"))
        .trim()
        .parse()
        .unwrap();
    assert!(requests >= 2, "{printed}");

    let (status, body) = get(&port, "/login", None);
    assert_eq!(status, 200, "{body}");

    // The agency's requests, and the engine's proposals for them, through the API.
    let demo = instance.dir.path().join("data").join("demo");
    let out = std::process::Command::new(crate::harness::BIN)
        .arg("--data-dir")
        .arg(&demo)
        .env_remove("WHEREABOUTS_DATABASE_URL")
        .env("WHEREABOUTS_LOG", "error")
        .args([
            "token",
            "create",
            "--tenant",
            "agency",
            "--role",
            "caseworker",
            "--label",
            "demo test",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "token: {}", stderr(&out));
    let token = stdout(&out).trim().to_owned();
    let (status, body) = get(&port, "/api/v1/tracing-requests", Some(&token));
    assert_eq!(status, 200, "{body}");
    let list = json_in(&body);
    let items = list["tracing_requests"].as_array().unwrap();
    assert_eq!(items.len(), requests, "{list}");
    for item in items {
        let id = item["id"].as_str().unwrap();
        let sought = item["sought"]["name"]["display"].to_string();
        let (status, body) = get(
            &port,
            &format!("/api/v1/tracing-requests/{id}/proposals"),
            Some(&token),
        );
        assert_eq!(status, 200, "{body}");
        let proposals = json_in(&body);
        let best = proposals["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["score"].as_f64())
            .fold(0.0_f64, f64::max);
        if sought.contains("Zakarian") {
            // Nobody of that name was registered: nothing is proposed with confidence.
            assert!(best < 0.5, "{sought}: {proposals}");
        } else {
            // The family's Latin spelling finds the record written in its own script.
            assert!(best >= 0.9, "{sought}: {proposals}");
        }
    }

    // Issue 5, item 3: records of one person from two sources, proposed as the same person
    // (MATCH-1: never merged), with an explanation per feature (MATCH-7).
    let second: usize = printed
        .lines()
        .find_map(|l| l.split_once(" persons registered a second time at the agency"))
        .map(|(n, _)| n.trim().parse().unwrap())
        .unwrap_or_else(|| panic!("no second records: {printed}"));
    assert!(second >= 1, "{printed}");
    let (status, body) = get(&port, "/api/v1/same-person-proposals", Some(&token));
    assert_eq!(status, 200, "{body}");
    let list = json_in(&body);
    let visits = list["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["persons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["reference"].as_str().unwrap().starts_with("ICRC-VISIT-"))
        })
        .collect::<Vec<_>>();
    assert!(!visits.is_empty(), "{list}");
    assert!(
        visits
            .iter()
            .all(|p| !p["explanation"]["features"].as_array().unwrap().is_empty()),
        "{list}"
    );
}
