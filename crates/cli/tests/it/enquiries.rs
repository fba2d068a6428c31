//! Issue 5: enquiries, answers and lists between instances on loopback, through the real
//! binary, over files and over HTTPS (GC3-122-g, GC4-137-a: the bureau replies to all
//! enquiries; GC3-46-a: the list of transferred persons). The agency asks bureau A about a
//! person and about a family's tracing request; A answers; the answers come back linked to the
//! enquiries. Nothing of it reaches the power of origin (bureau B).

use std::time::Duration;

use crate::harness::{Instance, stderr, stdout};
use crate::network::{
    certificate, certificate_paths, count, net, register_persons, runtime, scope, serve_tls,
    store_of, tracing_request, wait_for,
};
use crate::transmit::{ok, s};

/// The first `ENQ-…` reference in `enquiry list`'s output.
fn enquiry_reference(listing: &str) -> String {
    listing
        .split_whitespace()
        .find(|w| w.starts_with("ENQ-"))
        .unwrap_or_else(|| panic!("no enquiry in {listing}"))
        .to_owned()
}

fn transmit(
    instance: &Instance,
    tenant: &str,
    to: &str,
    file: &str,
) -> (String, std::path::PathBuf) {
    let path = instance.path(file);
    let out = ok(
        instance,
        &["transmit", "--tenant", tenant, "--to", to, "-o", s(&path)],
    );
    (out, path)
}

#[test]
fn over_files_the_agency_asks_bureau_a_answers_and_a_list_arrives() {
    let rt = runtime();
    let net = net();
    register_persons(&net);
    tracing_request(&rt, &net.agency);
    let out = ok(
        &net.a,
        &[
            "list",
            "draw",
            "--tenant",
            "bureau-a",
            "--title",
            "Transferred to Camp South",
            "--rule",
            "GC3-46-a",
            "--person",
            "A-1",
            "--person",
            "A-3",
        ],
    );
    assert!(out.contains("of 2 person(s)"), "{out}");
    // A bad row is named, and nothing is drawn.
    let bad = net.a.run(&[
        "list", "draw", "--tenant", "bureau-a", "--title", "x", "--person", "A-1", "--person",
        "A-9",
    ]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("row 2"), "{}", stderr(&bad));

    let (out, bundle) = transmit(&net.a, "bureau-a", "agency", "a-1.wab");
    assert!(
        out.contains("3 card(s)") && out.contains("1 list(s)"),
        "{out}"
    );
    let out = ok(&net.agency, &["receive", "--tenant", "agency", s(&bundle)]);
    assert!(out.contains("7 notice(s) applied"), "{out}");
    let lists = ok(&net.agency, &["list", "show", "--tenant", "agency"]);
    assert!(
        lists.contains("received from bureau-a: Transferred to Camp South (GC3-46-a, 2 person(s))"),
        "{lists}"
    );
    assert!(lists.contains("bureau-a:A-1, bureau-a:A-3"), "{lists}");

    // The agency asks about a person it holds and about the family's tracing request.
    let out = ok(
        &net.agency,
        &[
            "enquiry",
            "ask",
            "--tenant",
            "agency",
            "--to",
            "bureau-a",
            "--person",
            "bureau-a:A-1",
            "--question",
            "Where is he held since the transfer?",
        ],
    );
    assert!(out.contains("to bureau-a"), "{out}");
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
            "Do you hold this person?",
            "--due-days",
            "3",
        ],
    );
    let (out, to_a) = transmit(&net.agency, "agency", "bureau-a", "to-a.wab");
    assert!(
        out.contains("0 card(s)") && out.contains("2 enquiry(ies)"),
        "{out}"
    );
    let out = ok(&net.a, &["receive", "--tenant", "bureau-a", s(&to_a)]);
    assert!(out.contains("2 notice(s) applied"), "{out}");
    // The same file again changes nothing.
    let out = ok(&net.a, &["receive", "--tenant", "bureau-a", s(&to_a)]);
    assert!(out.contains("duplicate"), "{out}");

    let inbox = ok(&net.a, &["enquiry", "list", "--tenant", "bureau-a"]);
    assert!(inbox.contains("received from agency: open"), "{inbox}");
    assert!(inbox.contains("about A-1"), "{inbox}");
    // The tracing enquiry carries the sought person's particulars, never the enquirer.
    assert!(
        !inbox.contains("Enquirer") && !inbox.contains("Street 1"),
        "{inbox}"
    );
    let first = enquiry_reference(&inbox);
    let out = ok(
        &net.a,
        &[
            "enquiry",
            "answer",
            "--tenant",
            "bureau-a",
            &first,
            "--answer",
            "Held at Camp South since the transfer.",
            "--person",
            "A-1",
        ],
    );
    assert!(out.contains("answer ANS-"), "{out}");
    let stray = net.a.run(&[
        "enquiry",
        "answer",
        "--tenant",
        "bureau-a",
        "ENQ-nothing",
        "--answer",
        "x",
    ]);
    assert!(!stray.status.success());
    assert!(stderr(&stray).contains("no enquiry \"ENQ-nothing\" received here"));

    let (out, back) = transmit(&net.a, "bureau-a", "agency", "a-2.wab");
    assert!(out.contains("1 answer(s)"), "{out}");
    let out = ok(&net.agency, &["receive", "--tenant", "agency", s(&back)]);
    assert!(out.contains("1 notice(s) applied"), "{out}");
    let asked = ok(&net.agency, &["enquiry", "list", "--tenant", "agency"]);
    assert!(asked.contains("answered on time"), "{asked}");
    assert!(
        asked.contains("Held at Camp South since the transfer. (persons A-1)"),
        "{asked}"
    );
    let report = ok(&net.a, &["compliance", "--tenant", "bureau-a"]);
    assert!(
        report.contains(
            "enquiries received from agency: 2 (1 answered on time, 0 late, 0 overdue, 1 open)"
        ),
        "{report}"
    );

    // Forwarding to the power of origin carries no list, enquiry or answer.
    ok(
        &net.agency,
        &[
            "peer", "set", "--tenant", "agency", "bureau-b", "--origin", "XB",
        ],
    );
    let forwarded = net.agency.path("to-b.wab");
    ok(
        &net.agency,
        &[
            "forward",
            "--tenant",
            "agency",
            "--to",
            "bureau-b",
            "-o",
            s(&forwarded),
        ],
    );
    ok(&net.b, &["receive", "--tenant", "bureau-b", s(&forwarded)]);
    assert_eq!(
        stdout(&net.b.run(&["list", "show", "--tenant", "bureau-b"])),
        ""
    );
    assert_eq!(
        stdout(&net.b.run(&["enquiry", "list", "--tenant", "bureau-b"])),
        ""
    );
}

#[test]
fn over_https_the_senders_carry_the_enquiry_and_the_answer() {
    let rt = runtime();
    let net = net();
    for instance in [&net.a, &net.agency] {
        certificate(instance);
    }
    let agency = serve_tls(&net.agency, "127.0.0.1:0", 1);
    let a = serve_tls(&net.a, "127.0.0.1:0", 1);
    let (agency_cert, _) = certificate_paths(&net.agency);
    let (a_cert, _) = certificate_paths(&net.a);
    // A's pin for the agency holds two certificates, as while one is renewed: the one the
    // agency serves and another; the served one is accepted.
    let other = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let other_cert = net.a.write("agency-next.pem", other.cert.pem().as_bytes());
    let agency_url = format!("https://{}", agency.addr);
    let mut two = vec![
        "peer",
        "set",
        "--tenant",
        "bureau-a",
        "agency",
        "--url",
        &agency_url,
        "--tls-cert",
        s(&other_cert),
        "--tls-cert",
        &agency_cert,
    ];
    let out = ok(&net.a, &two);
    assert_eq!(
        out.matches("certificate pinned: sha256:").count(),
        2,
        "{out}"
    );
    assert!(out.contains("both are accepted"), "{out}");
    two.extend(["--tls-pin", "sha256:00"]);
    let three = net.a.run(&two);
    assert!(!three.status.success());
    assert!(
        stderr(&three).contains("3 certificate pins"),
        "{}",
        stderr(&three)
    );
    let listed = ok(&net.a, &["peer", "list", "--tenant", "bureau-a"]);
    assert!(listed.contains(" and sha256:"), "{listed}");
    ok(
        &net.agency,
        &[
            "peer",
            "set",
            "--tenant",
            "agency",
            "bureau-a",
            "--url",
            &format!("https://{}", a.addr),
            "--tls-cert",
            &a_cert,
        ],
    );
    register_persons(&net);
    ok(
        &net.a,
        &[
            "list",
            "draw",
            "--tenant",
            "bureau-a",
            "--title",
            "Evacuated",
            "--rule",
            "GC3-20-a",
            "--person",
            "A-2",
        ],
    );
    wait_for(
        "the agency to hold A's persons and list",
        Duration::from_secs(240),
        || {
            count(&rt, &net.agency, "agency") == 3
                && ok(&net.agency, &["list", "show", "--tenant", "agency"]).contains("Evacuated")
        },
    );
    ok(
        &net.agency,
        &[
            "enquiry",
            "ask",
            "--tenant",
            "agency",
            "--to",
            "bureau-a",
            "--person",
            "bureau-a:A-2",
            "--question",
            "Is she still interned?",
        ],
    );
    wait_for("A to receive the enquiry", Duration::from_secs(240), || {
        ok(&net.a, &["enquiry", "list", "--tenant", "bureau-a"]).contains("Is she still interned?")
    });
    let reference = enquiry_reference(&ok(&net.a, &["enquiry", "list", "--tenant", "bureau-a"]));
    ok(
        &net.a,
        &[
            "enquiry",
            "answer",
            "--tenant",
            "bureau-a",
            &reference,
            "--answer",
            "Yes, at Camp North.",
            "--person",
            "A-2",
        ],
    );
    wait_for(
        "the agency to hold the answer",
        Duration::from_secs(240),
        || {
            let store = store_of(&rt, &net.agency);
            let scope = scope(&rt, &store, "agency");
            let enquiries = rt.block_on(store.enquiries(&scope)).unwrap();
            rt.block_on(store.close());
            enquiries.len() == 1 && enquiries[0].answers.len() == 1
        },
    );
    // The agency asks again, then withdraws the question: the withdrawal follows the enquiry
    // to bureau A over HTTPS (GC3-122-g; migration 0019).
    ok(
        &net.agency,
        &[
            "enquiry",
            "ask",
            "--tenant",
            "agency",
            "--to",
            "bureau-a",
            "--person",
            "bureau-a:A-2",
            "--question",
            "Was she moved since?",
        ],
    );
    wait_for(
        "A to receive the second enquiry",
        Duration::from_secs(240),
        || {
            ok(&net.a, &["enquiry", "list", "--tenant", "bureau-a"])
                .contains("Was she moved since?")
        },
    );
    let asked = ok(&net.agency, &["enquiry", "list", "--tenant", "agency"]);
    let second = enquiry_reference(asked.lines().next().unwrap());
    ok(
        &net.agency,
        &[
            "enquiry",
            "close",
            "--tenant",
            "agency",
            &second,
            "--outcome",
            "withdrawn",
            "--reason",
            "Asked twice by mistake",
        ],
    );
    wait_for(
        "A to learn of the withdrawal",
        Duration::from_secs(240),
        || {
            ok(&net.a, &["enquiry", "list", "--tenant", "bureau-a"])
                .contains(&format!("{second} received from agency: closed: withdrawn"))
        },
    );
    // Everything acknowledged both ways.
    wait_for(
        "every envelope acknowledged",
        Duration::from_secs(240),
        || {
            [
                (&net.a, "bureau-a", "agency"),
                (&net.agency, "agency", "bureau-a"),
            ]
            .iter()
            .all(|(instance, tenant, peer)| {
                let store = store_of(&rt, instance);
                let scope = scope(&rt, &store, tenant);
                let pending = rt
                    .block_on(store.pending_transmissions(&scope, peer))
                    .unwrap();
                rt.block_on(store.close());
                pending.is_empty()
            })
        },
    );
    // Pull now, by hand: nothing waits in A's outbox for the agency.
    let out = ok(
        &net.agency,
        &["peer", "pull", "--tenant", "agency", "bureau-a"],
    );
    assert!(out.contains("bureau-a: 0 fetched, 0 rejected"), "{out}");
    let none = net
        .agency
        .run(&["peer", "pull", "--tenant", "agency", "nobody"]);
    assert!(!none.status.success());
    assert!(
        stderr(&none).contains("no peer \"nobody\" set"),
        "{}",
        stderr(&none)
    );
    let listed = ok(&net.agency, &["peer", "list", "--tenant", "agency"]);
    assert!(
        listed.contains(
            "0 envelope(s) without receipt, 0 enquiry(ies), 0 answer(s), 0 list(s), 0 withdrawal(s) to seal"
        ),
        "{listed}"
    );
    drop(a);
    drop(agency);
}

#[test]
fn over_files_a_withdrawal_reaches_the_bureau_once_and_is_no_longer_owed() {
    let rt = runtime();
    let net = net();
    tracing_request(&rt, &net.agency);
    for question in ["Do you hold this person?", "Was he in hospital?"] {
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
                question,
            ],
        );
    }
    let (_, first) = transmit(&net.agency, "agency", "bureau-a", "to-a-1.wab");

    // The family withdraws its request: the caseworker withdraws the first enquiry.
    let asked = ok(&net.agency, &["enquiry", "list", "--tenant", "agency"]);
    let line = asked
        .lines()
        .position(|l| l.contains("Do you hold this person?"))
        .unwrap();
    let reference = enquiry_reference(asked.lines().nth(line - 1).unwrap());
    ok(
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
    // `peer list` counts it among what waits to be sealed for bureau A (files only).
    ok(
        &net.agency,
        &["peer", "set", "--tenant", "agency", "bureau-a"],
    );
    let listed = ok(&net.agency, &["peer", "list", "--tenant", "agency"]);
    assert!(
        listed.contains("0 enquiry(ies), 0 answer(s), 0 list(s), 1 withdrawal(s) to seal"),
        "{listed}"
    );
    let (out, second) = transmit(&net.agency, "agency", "bureau-a", "to-a-2.wab");
    let listed = ok(&net.agency, &["peer", "list", "--tenant", "agency"]);
    assert!(
        listed.contains("0 list(s), 0 withdrawal(s) to seal"),
        "{listed}"
    );
    assert!(
        out.contains("1 withdrawal(s)") && !out.contains("enquiry(ies)"),
        "{out}"
    );
    // It travels once.
    let again = net.agency.run(&[
        "transmit",
        "--tenant",
        "agency",
        "--to",
        "bureau-a",
        "-o",
        s(&net.agency.path("to-a-3.wab")),
    ]);
    assert!(
        stdout(&again).contains("nothing new") || stderr(&again).contains("nothing new"),
        "{} {}",
        stdout(&again),
        stderr(&again)
    );

    // The bundles arrive out of order: the withdrawal of an enquiry bureau A does not hold
    // yet is held (migration 0021), and closes it when it arrives, once.
    let out = ok(&net.a, &["receive", "--tenant", "bureau-a", s(&second)]);
    assert!(out.contains("1 notice(s) applied"), "{out}");
    let inbox = ok(&net.a, &["enquiry", "list", "--tenant", "bureau-a"]);
    assert_eq!(inbox.lines().count(), 1, "{inbox}");
    assert!(
        inbox.starts_with(&format!(
            "{reference} withdrawal held from agency: the enquiry has not arrived (withdrawn by "
        )),
        "{inbox}"
    );
    let again = ok(&net.a, &["receive", "--tenant", "bureau-a", s(&second)]);
    assert!(again.contains("duplicate"), "{again}");
    let out = ok(&net.a, &["receive", "--tenant", "bureau-a", s(&first)]);
    assert!(out.contains("2 notice(s) applied"), "{out}");
    let report = ok(&net.a, &["compliance", "--tenant", "bureau-a"]);
    assert!(
        report.contains(
            "enquiries received from agency: 1 (0 answered on time, 0 late, 0 overdue, 1 open), and 1 closed, not owed"
        ),
        "{report}"
    );
    // Both read again: nothing more.
    for bundle in [&first, &second] {
        let out = ok(&net.a, &["receive", "--tenant", "bureau-a", s(bundle)]);
        assert!(out.contains("duplicate"), "{out}");
    }

    let inbox = ok(&net.a, &["enquiry", "list", "--tenant", "bureau-a"]);
    assert!(
        inbox.contains(&format!(
            "{reference} received from agency: closed: withdrawn"
        )) && !inbox.contains("withdrawal held"),
        "{inbox}"
    );
    assert!(
        inbox.contains("closed as withdrawn (received from agency) by"),
        "{inbox}"
    );
    assert!(inbox.contains("Red Cross message"), "{inbox}");
    // GC3-122-g, §10 #47: a withdrawn enquiry is no longer owed by the bureau.
    let report = ok(&net.a, &["compliance", "--tenant", "bureau-a"]);
    assert!(
        report.contains(
            "enquiries received from agency: 1 (0 answered on time, 0 late, 0 overdue, 1 open), and 1 closed, not owed"
        ),
        "{report}"
    );
}
