//! Issue 5, continued, through the real binary: `list draw --from-records` draws a list from a
//! bureau's events (GC3-122-e, GC3-119-a: the persons released or repatriated; GC3-46-a: a
//! transfer list needs its place), and `enquiry close` closes an enquiry the agency asked (the
//! agency on PostgreSQL when `WHEREABOUTS_TEST_POSTGRES` is set, bureau A on SQLite).

use domain::EventKind;
use store::NewEvent;
use time::{Duration, OffsetDateTime};

use crate::harness::{stderr, stdout};
use crate::network::{net, register_persons, runtime, scope, store_of, tracing_request};
use crate::transmit::ok;

#[test]
fn a_bureau_draws_a_list_from_its_records_and_the_agency_closes_an_enquiry() {
    let rt = runtime();
    let net = net();
    register_persons(&net);
    // A-1 was released three days ago.
    let store = store_of(&rt, &net.a);
    let scope_a = scope(&rt, &store, "bureau-a");
    let person = rt
        .block_on(store.person_id_by_reference(&scope_a, "A-1"))
        .unwrap();
    let record = rt.block_on(store.person(&scope_a, person)).unwrap();
    rt.block_on(store.record_event(
        &scope_a,
        person,
        record.sources[0].id,
        &NewEvent {
            kind: EventKind::Release,
            occurred_at: OffsetDateTime::now_utc() - Duration::days(3),
            place: None,
            place_to: None,
            locator: "release order 4".into(),
            note: None,
        },
    ))
    .unwrap();
    drop(store);

    // A transfer list names its place; nobody died; a bad date is named.
    let refused = net.a.run(&[
        "list",
        "draw",
        "--tenant",
        "bureau-a",
        "--from-records",
        "transferred",
    ]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--place: this list is of one place"),
        "{}",
        stderr(&refused)
    );
    let refused = net.a.run(&[
        "list",
        "draw",
        "--tenant",
        "bureau-a",
        "--from-records",
        "died",
    ]);
    assert!(
        stderr(&refused).contains("nothing to list"),
        "{}",
        stderr(&refused)
    );
    let refused = net.a.run(&[
        "list",
        "draw",
        "--tenant",
        "bureau-a",
        "--from-records",
        "released",
        "--from",
        "last week",
    ]);
    assert!(stderr(&refused).contains("--from: \"last week\" is not a date"));
    let week = (OffsetDateTime::now_utc() - Duration::days(7))
        .date()
        .to_string();
    let out = ok(
        &net.a,
        &[
            "list",
            "draw",
            "--tenant",
            "bureau-a",
            "--from-records",
            "released",
            "--from",
            &week,
        ],
    );
    assert!(
        out.contains("of 1 person(s) drawn from the records"),
        "{out}"
    );
    let shown = ok(&net.a, &["list", "show", "--tenant", "bureau-a"]);
    assert!(
        shown.contains("GC3-122-e, GC3-119-a, 1 person(s)"),
        "{shown}"
    );
    assert!(shown.contains("A-1"), "{shown}");

    // The agency asks about the family's request, then withdraws the enquiry.
    tracing_request(&rt, &net.agency);
    ok(
        &net.agency,
        &[
            "enquiry",
            "ask",
            "--tenant",
            "agency",
            "--to",
            "bureau-a",
            "--tracing",
            "TR-1",
            "--question",
            "Do you hold him?",
        ],
    );
    let listing = ok(&net.agency, &["enquiry", "list", "--tenant", "agency"]);
    let reference = listing
        .split_whitespace()
        .find(|w| w.starts_with("ENQ-"))
        .unwrap()
        .to_owned();
    let refused = net.agency.run(&[
        "enquiry",
        "close",
        "--tenant",
        "agency",
        &reference,
        "--outcome",
        "forgotten",
        "--reason",
        "x",
    ]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("answered or withdrawn"),
        "{}",
        stderr(&refused)
    );
    let out = ok(
        &net.agency,
        &[
            "enquiry",
            "close",
            "--tenant",
            "agency",
            &reference,
            "--outcome",
            "withdrawn",
            "--reason",
            "The family had news through a Red Cross message",
        ],
    );
    assert!(out.contains("closed as withdrawn"), "{out}");
    let listing = ok(&net.agency, &["enquiry", "list", "--tenant", "agency"]);
    assert!(listing.contains("closed: withdrawn"), "{listing}");
    assert!(listing.contains("Red Cross message"), "{listing}");
    // Closed once; bureau A has nothing of it to close.
    let again = net.agency.run(&[
        "enquiry",
        "close",
        "--tenant",
        "agency",
        &reference,
        "--outcome",
        "answered",
        "--reason",
        "twice",
    ]);
    assert!(!again.status.success(), "{}", stdout(&again));
    assert!(
        stderr(&again).contains("closed as withdrawn already"),
        "{}",
        stderr(&again)
    );
    let foreign = net.a.run(&[
        "enquiry",
        "close",
        "--tenant",
        "bureau-a",
        &reference,
        "--outcome",
        "answered",
        "--reason",
        "x",
    ]);
    assert!(
        stderr(&foreign).contains("no enquiry"),
        "{}",
        stderr(&foreign)
    );
}
