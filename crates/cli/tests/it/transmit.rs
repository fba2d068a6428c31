//! Transmissions on files between separate instances, with the real binary (issue 5; XC-4,
//! XC-5, GC3-122-c): party A's bureau, the agency, and party B's bureau each have their own
//! data directory and database, and share only bundles and exported public keys.

use std::path::PathBuf;

use crate::harness::{Instance, stderr, stdout};

pub(crate) const HEADER: &str = "id,category,given_name,patronymic,family_name,name_language,sex,birth_date,birth_place,nationality,service_number,captured_at\n";

pub(crate) const OFFICER: &str = "Officer Ilse Varga";

pub(crate) fn ok(instance: &Instance, args: &[&str]) -> String {
    let out = instance.run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// A failed command, with its stderr.
pub(crate) fn refused(instance: &Instance, args: &[&str]) -> String {
    let out = instance.run(args);
    assert!(
        !out.status.success(),
        "{args:?} was accepted: {}",
        stdout(&out)
    );
    stderr(&out)
}

pub(crate) fn path(instance: &Instance, name: &str) -> PathBuf {
    instance.path(name)
}

pub(crate) fn s(path: &std::path::Path) -> &str {
    path.to_str().unwrap()
}

/// The arguments of `transmit --tenant TENANT --to TO [EXTRA...] -o FILE`.
pub(crate) fn transmit_args<'a>(
    tenant: &'a str,
    to: &'a str,
    extra: &[&'a str],
    file: &'a str,
) -> Vec<&'a str> {
    let mut args = vec!["transmit", "--tenant", tenant, "--to", to];
    args.extend_from_slice(extra);
    args.extend(["-o", file]);
    args
}

/// An instance with keys for `tenant` (and an officer key).
pub(crate) fn keyed(instance: &Instance, tenant: &str) {
    ok(instance, &["keys", "generate", "--tenant", tenant]);
    ok(
        instance,
        &["keys", "generate", "--tenant", tenant, "--officer", OFFICER],
    );
}

/// `from` pins `to`'s keys: `to` exports, `from` imports.
pub(crate) fn pin(from: &Instance, from_tenant: &str, to: &Instance, to_tenant: &str, name: &str) {
    let file = path(to, name);
    ok(
        to,
        &["keys", "export", "--tenant", to_tenant, "-o", s(&file)],
    );
    let out = ok(
        from,
        &["keys", "import-peer", "--tenant", from_tenant, s(&file)],
    );
    assert!(out.contains(&format!("pinned {to_tenant}")), "{out}");
}

pub(crate) fn register(instance: &Instance, tenant: &str, rows: &[&str]) {
    let mut csv = HEADER.to_owned();
    for row in rows {
        csv.push_str(row);
        csv.push('\n');
    }
    let name = format!("list-{}.csv", rows[0].split(',').next().unwrap());
    let file = instance.write(&name, csv.as_bytes());
    let out = instance.import(tenant, &file, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

pub(crate) fn transmit(instance: &Instance, tenant: &str, to: &str, name: &str) -> PathBuf {
    let file = path(instance, name);
    let out = ok(instance, &transmit_args(tenant, to, &[], s(&file)));
    assert!(out.contains("card(s)"), "{out}");
    file
}

fn agency() -> Instance {
    let agency = Instance::sqlite();
    ok(
        &agency,
        &[
            "tenant",
            "add",
            "agency",
            "--name",
            "Central Tracing Agency",
            "--kind",
            "agency",
        ],
    );
    keyed(&agency, "agency");
    agency
}

/// Party A's bureau and the agency, each with the other's keys pinned.
fn a_and_agency() -> (Instance, Instance) {
    let a = Instance::sqlite();
    keyed(&a, "bureau-a");
    let agency = agency();
    pin(&a, "bureau-a", &agency, "agency", "agency-keys.json");
    pin(&agency, "agency", &a, "bureau-a", "a-keys.json");
    (a, agency)
}

#[test]
fn xc5_a_bundle_from_a_bureau_is_applied_once_at_the_agency_and_gaps_are_reported() {
    let (a, agency) = a_and_agency();
    register(
        &a,
        "bureau-a",
        &[
            "A-1,pow,Олександр,Петрович,Коваленко,uk,M,1991-04-17,Київ,XB,AB-123,2026-11-01",
            "A-2,pow,Тарас,,Мельник,uk,M,1988,[declined],XB,[unknown],2026-11-02",
        ],
    );
    let first = transmit(&a, "bureau-a", "agency", "b1.wab");
    // The bundle is encrypted: no name travels in the clear.
    let bytes = std::fs::read(&first).unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("Коваленко"));

    let out = ok(&agency, &["receive", "--tenant", "agency", s(&first)]);
    assert!(out.contains("applied bureau-a #1"), "{out}");
    // Two cards and the two captures (GC3-122-c).
    assert!(out.contains("4 notice(s)"), "{out}");
    let export = agency.export("agency");
    assert!(export.contains("bureau-a:A-1"), "{export}");
    assert!(export.contains("Коваленко"), "{export}");
    // XC-2: the reason for an absent value travels with the card.
    assert!(export.contains("[declined]"), "{export}");
    let ack = std::fs::read_to_string(format!("{}.ack.json", s(&first))).unwrap();
    assert!(ack.contains("applied"), "{ack}");

    // The same bundle again: acknowledged as a duplicate, nothing applied.
    let out = ok(&agency, &["receive", "--tenant", "agency", s(&first)]);
    assert!(out.contains("duplicate"), "{out}");
    assert_eq!(agency.count("agency"), 2);

    // Nothing new: no envelope, no sequence number used.
    let out = ok(
        &a,
        &transmit_args("bureau-a", "agency", &[], s(&path(&a, "none.wab"))),
    );
    assert!(out.contains("nothing new"), "{out}");

    // #2 is lost on the way for now; #3 arrives first and the gap is reported.
    register(
        &a,
        "bureau-a",
        &["A-3,pow,Іван,,Бондар,uk,M,1990,,XB,,2026-11-03"],
    );
    let second = transmit(&a, "bureau-a", "agency", "b2.wab");
    register(
        &a,
        "bureau-a",
        &["A-4,pow,Петро,,Шевчук,uk,M,1992,,XB,,2026-11-04"],
    );
    let third = transmit(&a, "bureau-a", "agency", "b3.wab");
    let out = ok(&agency, &["receive", "--tenant", "agency", s(&third)]);
    assert!(out.contains("applied bureau-a #3"), "{out}");
    assert!(
        out.contains("gap: sequence number(s) 2 not received yet"),
        "{out}"
    );
    // The USB stick with #2 is lost: bureau A writes #2 again from what it kept (the same
    // envelope, no new sequence number), and the agency applies it once.
    std::fs::remove_file(&second).unwrap();
    let resend = |sequence: &str, file: &str| {
        a.run(&transmit_args(
            "bureau-a",
            "agency",
            &["--resend", sequence],
            s(&path(&a, file)),
        ))
    };
    let again = resend("2", "b2-again.wab");
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("bureau-a #2 to agency on the agency channel written again"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    let out = ok(
        &agency,
        &[
            "receive",
            "--tenant",
            "agency",
            s(&path(&a, "b2-again.wab")),
        ],
    );
    assert!(out.contains("applied bureau-a #2"), "{out}");
    assert!(!out.contains("gap"), "{out}");
    assert_eq!(agency.count("agency"), 4);
    // #1 arrived before (its receipt never went back to A): written again, it is a duplicate.
    assert!(resend("1", "b1-again.wab").status.success());
    let out = ok(
        &agency,
        &[
            "receive",
            "--tenant",
            "agency",
            s(&path(&a, "b1-again.wab")),
        ],
    );
    assert!(out.contains("duplicate"), "{out}");
    assert_eq!(agency.count("agency"), 4);
    // A sequence number never sent is refused by name, and nothing is written.
    let refused = resend("9", "b9.wab");
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--resend 9: no envelope #9 to agency"),
        "{}",
        stderr(&refused)
    );
    assert!(!path(&a, "b9.wab").exists());
}

#[test]
fn xc4_tampered_revoked_unknown_and_misaddressed_bundles_are_rejected_with_nothing_applied() {
    let (a, agency) = a_and_agency();
    register(
        &a,
        "bureau-a",
        &["A-1,pow,Олександр,,Коваленко,uk,M,1991,,XB,,2026-11-01"],
    );
    let bundle = transmit(&a, "bureau-a", "agency", "b1.wab");

    // Tampered: one byte of the ciphertext changed.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let tampered = a.write("tampered.wab", &bytes);
    let error = refused(&agency, &["receive", "--tenant", "agency", s(&tampered)]);
    assert!(error.contains("(tampered)"), "{error}");
    assert!(error.contains("nothing applied"), "{error}");
    assert_eq!(agency.count("agency"), 0);
    let ack = std::fs::read_to_string(format!("{}.ack.json", s(&tampered))).unwrap();
    assert!(ack.contains("rejected"), "{ack}");

    // An unknown sender: party B's bureau pinned the agency, but the agency never pinned it.
    let b = Instance::sqlite();
    keyed(&b, "bureau-b");
    pin(&b, "bureau-b", &agency, "agency", "agency-keys-for-b.json");
    register(
        &b,
        "bureau-b",
        &["B-1,pow,Անի,,Պետրոսյան,hy,F,1990,,XA,,2026-11-01"],
    );
    let from_b = transmit(&b, "bureau-b", "agency", "from-b.wab");
    let error = refused(&agency, &["receive", "--tenant", "agency", s(&from_b)]);
    assert!(error.contains("unknown sender \"bureau-b\""), "{error}");

    // A bundle for another recipient: A writes to B, and the agency is handed it.
    pin(&a, "bureau-a", &b, "bureau-b", "b-keys.json");
    let for_b = transmit(&a, "bureau-a", "bureau-b", "for-b.wab");
    let error = refused(&agency, &["receive", "--tenant", "agency", s(&for_b)]);
    assert!(error.contains("wrong-recipient"), "{error}");
    assert!(error.contains("bureau-b"), "{error}");

    // A revoked key: the officer's key is revoked after signing; the bureau tells the agency.
    let keys = ok(&a, &["keys", "list", "--tenant", "bureau-a"]);
    let officer_key = keys
        .lines()
        .find(|line| line.starts_with("own") && line.contains(OFFICER))
        .and_then(|line| line.split_whitespace().nth(1))
        .unwrap()
        .to_owned();
    ok(
        &a,
        &[
            "keys",
            "revoke",
            "--tenant",
            "bureau-a",
            &officer_key,
            "--reason",
            "laptop lost",
        ],
    );
    pin(&agency, "agency", &a, "bureau-a", "a-keys-2.json");
    let error = refused(&agency, &["receive", "--tenant", "agency", s(&bundle)]);
    assert!(error.contains("(revoked-key)"), "{error}");
    assert!(error.contains("laptop lost"), "{error}");

    // Nothing of any of them was applied.
    assert_eq!(agency.count("agency"), 0);

    // With a new officer key, the bureau transmits again and it applies.
    ok(
        &a,
        &[
            "keys",
            "generate",
            "--tenant",
            "bureau-a",
            "--officer",
            "Officer Bram Osei",
        ],
    );
    pin(&agency, "agency", &a, "bureau-a", "a-keys-3.json");
    register(
        &a,
        "bureau-a",
        &["A-2,pow,Тарас,,Мельник,uk,M,1988,,XB,,2026-11-02"],
    );
    let file = path(&a, "b2.wab");
    ok(
        &a,
        &transmit_args(
            "bureau-a",
            "agency",
            &["--officer", "Officer Bram Osei"],
            s(&file),
        ),
    );
    let out = ok(&agency, &["receive", "--tenant", "agency", s(&file)]);
    // #1 was never applied (its only copy was signed with the revoked key): a gap, which the
    // bureau must close by sending A-1 again (re-sending is not built yet). #2 carries only
    // A-2, since A-1 went out in #1.
    assert!(out.contains("applied bureau-a #2"), "{out}");
    assert!(out.contains("2 notice(s)"), "{out}");
    assert!(out.contains("gap: sequence number(s) 1"), "{out}");
    assert_eq!(agency.count("agency"), 1);
}

#[test]
fn an_unpinned_key_set_update_is_refused() {
    let (_a, agency) = a_and_agency();
    // Someone else claiming to be bureau-a sends fresh keys: refused, the pinned keys stay.
    let impostor = Instance::sqlite();
    keyed(&impostor, "bureau-a");
    let file = path(&impostor, "impostor-keys.json");
    ok(
        &impostor,
        &["keys", "export", "--tenant", "bureau-a", "-o", s(&file)],
    );
    let error = refused(
        &agency,
        &["keys", "import-peer", "--tenant", "agency", s(&file)],
    );
    assert!(
        error.contains("not signed by a key already pinned"),
        "{error}"
    );
}

#[test]
fn a_bureau_on_sqlite_transmits_to_an_agency_on_postgresql() {
    // Runs when WHEREABOUTS_TEST_POSTGRES is set; the two backends then hold the two ends.
    let Some(agency) = Instance::postgres() else {
        return;
    };
    ok(
        &agency,
        &[
            "tenant",
            "add",
            "agency",
            "--name",
            "Central Tracing Agency",
            "--kind",
            "agency",
        ],
    );
    keyed(&agency, "agency");
    let a = Instance::sqlite();
    keyed(&a, "bureau-a");
    pin(&a, "bureau-a", &agency, "agency", "agency-keys.json");
    pin(&agency, "agency", &a, "bureau-a", "a-keys.json");
    register(
        &a,
        "bureau-a",
        &["A-1,pow,Олександр,,Коваленко,uk,M,1991,,XB,,2026-11-01"],
    );
    let bundle = transmit(&a, "bureau-a", "agency", "b1.wab");
    let out = ok(&agency, &["receive", "--tenant", "agency", s(&bundle)]);
    assert!(out.contains("applied bureau-a #1"), "{out}");
    let out = ok(&agency, &["receive", "--tenant", "agency", s(&bundle)]);
    assert!(out.contains("duplicate"), "{out}");
    assert_eq!(agency.count("agency"), 1);
    let mut bytes = std::fs::read(&bundle).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let tampered = a.write("tampered.wab", &bytes);
    let error = refused(&agency, &["receive", "--tenant", "agency", s(&tampered)]);
    assert!(error.contains("(tampered)"), "{error}");
    assert_eq!(agency.count("agency"), 1);
}

/// Issue 5 (XC-5, GC3-70-a): a bureau with more persons than an envelope carries sends them in
/// ceil(total / N) bundles, one a `transmit`, with gapless sequence numbers; the agency applies
/// them in any order, each once; the compliance view counts each card sent once. Bad bounds and
/// an existing file are refused before a sequence number is used.
#[test]
fn a_bureau_with_more_persons_than_an_envelope_sends_several_bundles_applied_once_in_any_order() {
    let (a, agency) = a_and_agency();
    let rows: Vec<String> = (1..=7)
        .map(|i| format!("A-{i},pow,Іван,,Бондар{i},uk,M,1990,,XB,,2026-11-0{i}"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    register(&a, "bureau-a", &rows);
    let send = |name: &str| {
        let file = path(&a, name);
        let out = ok(
            &a,
            &transmit_args("bureau-a", "agency", &["--per-envelope", "3"], s(&file)),
        );
        (file, out)
    };
    // The bound is checked first: nothing is written, no sequence number used.
    for bad in ["0", "many", "2000000"] {
        let error = refused(
            &a,
            &transmit_args(
                "bureau-a",
                "agency",
                &["--per-envelope", bad],
                s(&path(&a, "bad.wab")),
            ),
        );
        assert!(error.contains("--per-envelope"), "{bad}: {error}");
        assert!(!path(&a, "bad.wab").exists());
    }
    let (first, out) = send("p1.wab");
    assert!(out.contains("bureau-a #1 to agency"), "{out}");
    assert!(out.contains("3 card(s)"), "{out}");
    assert!(out.contains("more persons wait for agency"), "{out}");
    assert!(!path(&a, "p1.wab.partial").exists(), "named once recorded");
    // An existing file is never overwritten, and the refusal uses no sequence number.
    let error = refused(&a, &transmit_args("bureau-a", "agency", &[], s(&first)));
    assert!(error.contains("exists already"), "{error}");
    let (second, out) = send("p2.wab");
    assert!(out.contains("bureau-a #2 to agency"), "{out}");
    assert!(out.contains("3 card(s)"), "{out}");
    assert!(out.contains("more persons wait"), "{out}");
    let (third, out) = send("p3.wab");
    assert!(out.contains("bureau-a #3 to agency"), "{out}");
    assert!(out.contains("1 card(s)"), "{out}");
    assert!(!out.contains("more persons wait"), "{out}");
    let (_, out) = send("p4.wab");
    assert!(out.contains("nothing new"), "{out}");
    assert!(!path(&a, "p4.wab").exists());

    // The agency reads them out of order, and one twice.
    for (file, sequence) in [(&third, 3), (&first, 1), (&second, 2)] {
        let out = ok(&agency, &["receive", "--tenant", "agency", s(file)]);
        assert!(
            out.contains(&format!("applied bureau-a #{sequence}")),
            "{out}"
        );
    }
    let out = ok(&agency, &["receive", "--tenant", "agency", s(&first)]);
    assert!(out.contains("duplicate"), "{out}");
    assert_eq!(agency.count("agency"), 7, "each person once");

    // Bureau A's compliance view: seven capture cards owed, each sent once.
    let report = ok(&a, &["compliance", "--tenant", "bureau-a", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let card = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "GC3-70-a" && r["channel"] == "agency")
        .unwrap()
        .clone();
    assert_eq!(card["owed"], 7, "{card}");
    assert_eq!(
        card["sent_on_time"].as_u64().unwrap() + card["sent_late"].as_u64().unwrap(),
        7,
        "{card}"
    );
    assert_eq!(card["overdue"], 0, "{card}");
    let sent = report["sent"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["recipient"] == "agency")
        .unwrap()
        .clone();
    assert_eq!(sent["envelopes"], 3, "{sent}");
}
