//! `peer set --pull-every` (issue 5, per-peer pull schedule): the interval is bounded (10 s to
//! one day) and needs `--pull`; a refusal names the option and stores nothing; `peer list`
//! shows the schedule of each peer set to pull.

use crate::harness::stderr;
use crate::network::net;
use crate::transmit::ok;

#[test]
fn pull_every_refuses_bad_values_by_name_and_peer_list_shows_the_schedule() {
    let net = net();
    let set = |extra: &[&str]| {
        let mut args = vec![
            "peer",
            "set",
            "--tenant",
            "agency",
            "bureau-a",
            "--url",
            "http://127.0.0.1:9",
        ];
        args.extend_from_slice(extra);
        net.agency.run(&args)
    };
    for (extra, expected) in [
        (
            &["--pull", "--pull-every", "9"][..],
            "--pull-every 9: expected 10 to 86400 seconds",
        ),
        (
            &["--pull", "--pull-every", "86401"][..],
            "--pull-every 86401: expected 10 to 86400 seconds",
        ),
        (
            &["--pull", "--pull-every", "-60"][..],
            "--pull-every -60: expected 10 to 86400 seconds",
        ),
        (&["--pull-every", "60"][..], "--pull-every 60: needs --pull"),
        // Not a number: the argument parser names the option.
        (&["--pull", "--pull-every", "hourly"][..], "--pull-every"),
    ] {
        let out = set(extra);
        assert!(!out.status.success(), "{extra:?} was accepted");
        assert!(
            stderr(&out).contains(expected),
            "{extra:?}: {}",
            stderr(&out)
        );
    }
    // Nothing was stored by the refusals.
    let listed = ok(&net.agency, &["peer", "list", "--tenant", "agency"]);
    assert!(!listed.contains("bureau-a"), "{listed}");

    // Good values: the bounds, and the schedule shown per peer.
    for every in ["10", "86400", "3600"] {
        let out = set(&["--pull", "--pull-every", every]);
        assert!(out.status.success(), "{every}: {}", stderr(&out));
    }
    ok(
        &net.agency,
        &[
            "peer",
            "set",
            "--tenant",
            "agency",
            "bureau-b",
            "--url",
            "http://127.0.0.1:9",
            "--pull",
        ],
    );
    let listed = ok(&net.agency, &["peer", "list", "--tenant", "agency"]);
    let line = |peer: &str| {
        listed
            .lines()
            .find(|l| l.starts_with(peer))
            .unwrap_or_else(|| panic!("no {peer} in {listed}"))
            .to_owned()
    };
    assert!(line("bureau-a").contains("pull every 3600 s"), "{listed}");
    assert!(line("bureau-b").contains("pull every round"), "{listed}");
}
