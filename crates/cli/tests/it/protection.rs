//! The protection unit's commands (issue 6), through the real binary: a visit recorded on a
//! delegate's laptop instance, exported as a signed and encrypted bundle, imported twice by the
//! unit without duplicates; evidence verified, and a changed byte named.

use std::path::{Path, PathBuf};

use crate::harness::{Instance, stderr, stdout};

pub(crate) fn ok(instance: &Instance, args: &[&str]) -> String {
    let out = instance.run(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

pub(crate) fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

pub(crate) fn unit_instance(slug: &str) -> Instance {
    unit_on(Instance::sqlite(), slug)
}

/// A protection-unit tenant `slug` with the place "Camp 4" on `instance`.
pub(crate) fn unit_on(instance: Instance, slug: &str) -> Instance {
    ok(
        &instance,
        &[
            "tenant",
            "add",
            slug,
            "--name",
            slug,
            "--kind",
            "protection-unit",
        ],
    );
    ok(
        &instance,
        &[
            "visit",
            "place",
            "--tenant",
            slug,
            "--name",
            "Camp 4",
            "--kind",
            "pow-camp",
            "--party",
            "XA",
            "--authority",
            "Camp command (fictional)",
            "--capacity",
            "300",
            "--notified-at",
            "2026-02-01T09:00:00Z",
        ],
    );
    instance
}

/// Keys both ways, as for transmissions: the laptop tenant `field` signs as the officer
/// "delegate"; the unit ("protection") pins the laptop's keys and the laptop the unit's.
pub(crate) fn exchange_keys(laptop: &Instance, field: &str, unit: &Instance) {
    // Keys both ways, as for transmissions.
    ok(laptop, &["keys", "generate", "--tenant", field]);
    ok(
        laptop,
        &[
            "keys",
            "generate",
            "--tenant",
            field,
            "--officer",
            "delegate",
        ],
    );
    ok(unit, &["keys", "generate", "--tenant", "protection"]);
    let laptop_keys = laptop.dir.path().join("laptop.keys");
    let unit_keys = unit.dir.path().join("unit.keys");
    ok(
        laptop,
        &["keys", "export", "--tenant", field, "-o", s(&laptop_keys)],
    );
    ok(
        unit,
        &[
            "keys",
            "export",
            "--tenant",
            "protection",
            "-o",
            s(&unit_keys),
        ],
    );
    ok(
        laptop,
        &["keys", "import-peer", "--tenant", field, s(&unit_keys)],
    );
    ok(
        unit,
        &[
            "keys",
            "import-peer",
            "--tenant",
            "protection",
            s(&laptop_keys),
        ],
    );
}

pub(crate) const REPORT: &str = r#"{
  "visit": {"id": "0193b6a0-0000-7000-8000-000000000001", "reference": "V-CLI-1", "body": "icrc",
            "planned_start": "2026-03-01", "started_at": "2026-03-01T08:00:00Z", "ended_at": "2026-03-01T17:00:00Z",
            "team": ["delegate", "doctor"], "places": ["Camp 4"], "next_visit_planned": "2026-04-01"},
  "conditions": [
    {"condition": "private-interviews", "outcome": "partly-granted", "reason": "a guard stayed at the door"},
    {"condition": "all-premises", "outcome": "granted", "reason": null}
  ],
  "refusals": [{"id": "0193b6a0-0000-7000-8000-000000000002", "place": "Camp 4", "refused_at": "2026-03-01T09:00:00Z",
                "scope": "block C", "ground": "security", "grounds_text": "works", "expected_end": null, "actual_end": null}],
  "persons_seen": [
    {"id": "0193b6a0-0000-7000-8000-000000000003", "place": "Camp 4", "seen_at": "2026-03-01T10:00:00Z",
     "name": {"field": "name", "value": {"kind": "name", "parts": [
        {"kind": "given", "value": "Олег", "language": null, "transliterations": []},
        {"kind": "family", "value": "Савчук", "language": null, "transliterations": []}]}},
     "birth_date": "1991", "sex": "M", "nationality": null, "service_number": null, "father_name": null,
     "held_since": null, "registered_by": "delegate"},
    {"id": "0193b6a0-0000-7000-8000-000000000004", "place": "Camp 4", "seen_at": "2026-03-01T11:00:00Z",
     "name": {"field": "name", "value": {"kind": "name", "parts": [
        {"kind": "given", "value": "Тарас", "language": null, "transliterations": []},
        {"kind": "family", "value": "Ничипорук", "language": null, "transliterations": []}]}},
     "birth_date": "1994", "sex": "M", "nationality": null, "service_number": null, "father_name": null,
     "held_since": null, "registered_by": "delegate"}
  ],
  "follow_ups": [{"id": "0193b6a0-0000-7000-8000-000000000005", "registration": "0193b6a0-0000-7000-8000-000000000003",
                  "recorded_at": "2026-03-01T10:30:00Z", "health": "fictional", "family_contact_wanted": true,
                  "family_contact": "mother (fictional)", "messages": ["alive and well"],
                  "next_visit_due": "2026-03-15", "reprisals_reported": false, "recorded_by": "delegate"}]
}"#;

#[test]
fn a_visit_recorded_offline_is_imported_twice_without_duplicates() {
    let unit = unit_instance("protection");
    let laptop = unit_instance("field-laptop");
    exchange_keys(&laptop, "field-laptop", &unit);

    let report = laptop.dir.path().join("visit.json");
    std::fs::write(&report, REPORT).unwrap();
    let out = ok(
        &laptop,
        &["visit", "record", "--tenant", "field-laptop", s(&report)],
    );
    assert!(out.contains("visit new"), "{out}");
    assert!(out.contains("2 person(s) seen"), "{out}");

    let bundle = laptop.dir.path().join("visit.wab");
    ok(
        &laptop,
        &[
            "visit",
            "export",
            "--tenant",
            "field-laptop",
            "--visit",
            "V-CLI-1",
            "--to",
            "protection",
            "-o",
            s(&bundle),
        ],
    );
    let bytes = std::fs::read(&bundle).unwrap();
    assert!(
        !bytes
            .windows("Ничипорук".len())
            .any(|w| w == "Ничипорук".as_bytes()),
        "the bundle is encrypted"
    );

    let first = ok(
        &unit,
        &["visit", "import", "--tenant", "protection", s(&bundle)],
    );
    assert!(
        first.contains(
            "visit new, 2 condition record(s), 1 refusal(s), 2 person(s) seen, 1 follow-up(s), 0 interview(s), 0 refusal end(s), 0 allegation(s) new"
        ),
        "{first}"
    );
    let second = ok(
        &unit,
        &["visit", "import", "--tenant", "protection", s(&bundle)],
    );
    assert!(
        second.contains("already known, 0 condition record(s), 0 refusal(s), 0 person(s) seen, 0 follow-up(s), 0 interview(s)"),
        "same bundle twice = no duplicates: {second}"
    );
    // The unit holds no notified list yet: both persons seen were never notified.
    let alerts = ok(
        &unit,
        &[
            "visit",
            "alerts",
            "--tenant",
            "protection",
            "--visit",
            "V-CLI-1",
        ],
    );
    assert!(alerts.contains("2 alert(s)"), "{alerts}");
    assert_eq!(
        alerts.matches("[seen-never-notified]").count(),
        2,
        "{alerts}"
    );
    // ICRC-VIS-d: the follow-up asked for a visit on 2026-03-15; five days later it is overdue.
    let due = ok(
        &unit,
        &[
            "visit",
            "due",
            "--tenant",
            "protection",
            "--on",
            "2026-03-20",
        ],
    );
    assert!(
        due.contains("follow-ups due on 2026-03-20 or before: 1"),
        "{due}"
    );
    assert!(
        due.contains("Савчук") && due.contains("5 days overdue"),
        "{due}"
    );
    let due = ok(
        &unit,
        &[
            "visit",
            "due",
            "--tenant",
            "protection",
            "--on",
            "2026-03-10",
        ],
    );
    assert!(due.contains("or before: 0"), "{due}");
    let out = unit.run(&["visit", "due", "--tenant", "protection", "--on", "March"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--on: \"March\""), "{}", stderr(&out));

    // A tampered bundle is refused; nothing of the unit leaves by transmit or export.
    let mut tampered = bytes.clone();
    let last = tampered.len() - 3;
    tampered[last] ^= 1;
    let tampered_path = unit.dir.path().join("tampered.wab");
    std::fs::write(&tampered_path, tampered).unwrap();
    let out = unit.run(&[
        "visit",
        "import",
        "--tenant",
        "protection",
        s(&tampered_path),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("altered"), "{}", stderr(&out));
    let out = unit.run(&[
        "transmit",
        "--tenant",
        "protection",
        "--to",
        "field-laptop",
        "-o",
        s(&unit.dir.path().join("x.wab")),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("protection unit transmits nothing"));
    let out = unit.run(&["export", "persons", "--tenant", "protection"]);
    assert!(!out.status.success());
    // And a bureau cannot record visits.
    let out = unit.run(&["visit", "record", "--tenant", "bureau-a", s(&report)]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("protection unit only"));
}

fn evidence_file(instance: &Instance, id: &str) -> PathBuf {
    let root = instance.dir.path().join("data").join("evidence");
    for tenant in std::fs::read_dir(&root).unwrap() {
        let path = tenant.unwrap().path().join(id);
        if path.exists() {
            return path;
        }
    }
    panic!("no stored file for evidence {id}");
}

#[test]
fn evidence_verify_passes_then_names_the_file_with_a_changed_byte() {
    let unit = unit_instance("protection");
    let mut ids = Vec::new();
    for (name, content) in [
        ("note.txt", "A fictional medical note.\n"),
        ("sketch.txt", "A fictional sketch, in words.\n"),
    ] {
        let file = unit.dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let out = ok(
            &unit,
            &[
                "evidence",
                "add",
                "--tenant",
                "protection",
                "--file",
                s(&file),
                "--kind",
                "document",
                "--title",
                name,
                "--captured-at",
                "2026-03-01T12:00:00Z",
                "--captured-by",
                "delegate",
            ],
        );
        let id = out
            .strip_prefix("evidence ")
            .and_then(|rest| rest.split(':').next())
            .unwrap()
            .to_owned();
        ids.push(id);
    }
    ok(
        &unit,
        &[
            "evidence",
            "link",
            "--tenant",
            "protection",
            "--url",
            "https://social.example/post/9",
            "--unavailable",
            "removed before it could be saved",
            "--title",
            "post",
            "--captured-at",
            "2026-03-01T12:00:00Z",
            "--captured-by",
            "delegate",
        ],
    );
    let out = ok(&unit, &["evidence", "verify", "--tenant", "protection"]);
    assert!(
        out.contains("3 item(s), 2 file(s), 6 custody entr(ies) checked: all intact"),
        "{out}"
    );

    let changed = evidence_file(&unit, &ids[1]);
    let mut bytes = std::fs::read(&changed).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&changed, bytes).unwrap();
    let out = unit.run(&["evidence", "verify", "--tenant", "protection"]);
    assert!(!out.status.success(), "a changed byte fails verify");
    let text = stdout(&out);
    assert!(
        text.contains(&format!("FAILED evidence {}", ids[1])),
        "{text}"
    );
    assert!(text.contains(s(&changed)), "names the file: {text}");
    assert!(
        !text.contains(&format!("FAILED evidence {}", ids[0])),
        "{text}"
    );
    assert!(text.contains("1 problem(s)"), "{text}");
}

/// The report with what a delegate records in the field besides the visit: a private interview
/// with its notes, the end of the refusal and an allegation from the interview (ICRC-VIS-c).
pub(crate) fn field_report(reference: &str, visit_id: &str) -> String {
    let mut report: serde_json::Value = serde_json::from_str(REPORT).unwrap();
    report["visit"]["reference"] = reference.into();
    report["visit"]["id"] = visit_id.into();
    report["interviews"] = serde_json::json!([{
        "id": "0193b6a0-0000-7000-8000-000000000006", "place": "Camp 4",
        "held_at": "2026-03-01T12:00:00Z",
        "interviewees": ["0193b6a0-0000-7000-8000-000000000003"],
        "interviewers": ["delegate"], "interpreter": "interpreter 2", "language": "uk",
        "without_witnesses": true, "present": null,
        "use_with_authorities": "anonymous", "share_with_family": true, "medical_referral": false,
        "notes": "Fictional notes: beaten on arrival."
    }]);
    report["refusal_ends"] = serde_json::json!([{
        "refusal": "0193b6a0-0000-7000-8000-000000000002",
        "ended_at": "2026-03-01T15:00:00Z", "note": "block C opened before the final talk"
    }]);
    report["allegations"] = serde_json::json!([{
        "id": "0193b6a0-0000-7000-8000-000000000007", "reference": "AL-CLI-1",
        "category": "ill-treatment", "acts": ["beating"], "occurred": "2026-02",
        "place": "Camp 4", "victims": ["0193b6a0-0000-7000-8000-000000000003"],
        "perpetrators": [{"kind": "guards", "designation": "the night shift (fictional)"}],
        "sources": ["interview"], "consent": "anonymous",
        "narrative": "Fictional account from the private interview.",
        "interviews": ["0193b6a0-0000-7000-8000-000000000006"]
    }]);
    report.to_string()
}

pub(crate) fn export_visit(laptop: &Instance, field: &str, reference: &str, name: &str) -> PathBuf {
    let bundle = laptop.dir.path().join(name);
    ok(
        laptop,
        &[
            "visit",
            "export",
            "--tenant",
            field,
            "--visit",
            reference,
            "--to",
            "protection",
            "-o",
            s(&bundle),
        ],
    );
    bundle
}

// Issue 6: the laptop's bundle carries interviews, refusal ends and allegations; merged once
// on SQLite and PostgreSQL; a forged, truncated or inconsistent one applies nothing.
#[test]
fn field_records_travel_in_the_visit_bundle_once_and_a_forged_bundle_applies_nothing() {
    for unit in crate::harness::instances() {
        let unit = unit_on(unit, "protection");
        let laptop = unit_instance("field-laptop");
        exchange_keys(&laptop, "field-laptop", &unit);
        let report = laptop.dir.path().join("visit.json");
        std::fs::write(
            &report,
            field_report("V-FIELD-1", "0193b6a0-0000-7000-8000-000000000001"),
        )
        .unwrap();
        let out = ok(
            &laptop,
            &["visit", "record", "--tenant", "field-laptop", s(&report)],
        );
        assert!(
            out.contains("1 interview(s), 1 refusal end(s), 1 allegation(s) new"),
            "{out}"
        );
        let bundle = export_visit(&laptop, "field-laptop", "V-FIELD-1", "field.wab");
        let bytes = std::fs::read(&bundle).unwrap();
        assert!(
            !bytes.windows(6).any(|w| w == b"beaten"),
            "the interview notes travel encrypted"
        );
        let first = ok(
            &unit,
            &["visit", "import", "--tenant", "protection", s(&bundle)],
        );
        assert!(
            first.contains("visit new")
                && first.contains("2 person(s) seen, 1 follow-up(s), 1 interview(s), 1 refusal end(s), 1 allegation(s) new"),
            "{first}"
        );
        let second = ok(
            &unit,
            &["visit", "import", "--tenant", "protection", s(&bundle)],
        );
        assert!(
            second.contains("already known")
                && second.contains(
                    "0 follow-up(s), 0 interview(s), 0 refusal end(s), 0 allegation(s) new"
                ),
            "importing twice adds nothing: {second}"
        );

        // A truncated bundle is refused.
        let cut = unit.dir.path().join("cut.wab");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        let out = unit.run(&["visit", "import", "--tenant", "protection", s(&cut)]);
        assert!(!out.status.success(), "a truncated bundle is refused");

        // A forged one: another laptop claiming the same name, with keys the unit never
        // pinned. Refused, and its visit is not at the unit.
        let forger = unit_instance("field-laptop");
        ok(&forger, &["keys", "generate", "--tenant", "field-laptop"]);
        ok(
            &forger,
            &[
                "keys",
                "generate",
                "--tenant",
                "field-laptop",
                "--officer",
                "delegate",
            ],
        );
        ok(
            &forger,
            &[
                "keys",
                "import-peer",
                "--tenant",
                "field-laptop",
                s(&unit.dir.path().join("unit.keys")),
            ],
        );
        let forged_report = forger.dir.path().join("forged.json");
        std::fs::write(
            &forged_report,
            field_report("V-FORGED", "0193b6a0-0000-7000-8000-0000000000ff"),
        )
        .unwrap();
        ok(
            &forger,
            &[
                "visit",
                "record",
                "--tenant",
                "field-laptop",
                s(&forged_report),
            ],
        );
        let forged = export_visit(&forger, "field-laptop", "V-FORGED", "forged.wab");
        let out = unit.run(&["visit", "import", "--tenant", "protection", s(&forged)]);
        assert!(!out.status.success(), "a forged bundle is refused");
        let out = unit.run(&[
            "visit",
            "alerts",
            "--tenant",
            "protection",
            "--visit",
            "V-FORGED",
        ]);
        assert!(!out.status.success(), "nothing of it was applied");
        assert!(stderr(&out).contains("no visit"), "{}", stderr(&out));

        // An inconsistent report is refused as a whole, naming the field.
        let mut bad: serde_json::Value = serde_json::from_str(&field_report(
            "V-FIELD-2",
            "0193b6a0-0000-7000-8000-0000000000aa",
        ))
        .unwrap();
        bad["interviews"][0]["interviewees"] =
            serde_json::json!(["0193b6a0-0000-7000-8000-0000000000bb"]);
        let bad_path = laptop.dir.path().join("bad.json");
        std::fs::write(&bad_path, bad.to_string()).unwrap();
        let out = laptop.run(&["visit", "record", "--tenant", "field-laptop", s(&bad_path)]);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("interviews[0].interviewees[0]: not a person seen"),
            "{}",
            stderr(&out)
        );
        let out = laptop.run(&[
            "visit",
            "alerts",
            "--tenant",
            "field-laptop",
            "--visit",
            "V-FIELD-2",
        ]);
        assert!(!out.status.success(), "nothing of a refused report is kept");
    }
}

// Issue 6: a visit bundle is one transaction. The unit already recorded that access to block C
// was granted again at 16:00; the laptop's bundle says 15:00. The refusal end is refused at the
// unit after the visit, the persons seen, the interview and the follow-up were checked, and none
// of them is kept: the error names the part, and the visit is not at the unit.
#[test]
fn a_bundle_refused_half_way_applies_nothing_and_names_the_part() {
    for unit in crate::harness::instances() {
        let unit = unit_on(unit, "protection");
        let laptop = unit_instance("field-laptop");
        exchange_keys(&laptop, "field-laptop", &unit);

        let mut earlier: serde_json::Value = serde_json::from_str(REPORT).unwrap();
        earlier["visit"]["id"] = "0193b6a0-0000-7000-8000-000000000020".into();
        earlier["visit"]["reference"] = "V-UNIT".into();
        earlier["persons_seen"] = serde_json::json!([]);
        earlier["follow_ups"] = serde_json::json!([]);
        earlier["refusal_ends"] = serde_json::json!([{
            "refusal": "0193b6a0-0000-7000-8000-000000000002",
            "ended_at": "2026-03-01T16:00:00Z", "note": "recorded at the unit"
        }]);
        let path = unit.dir.path().join("unit.json");
        std::fs::write(&path, earlier.to_string()).unwrap();
        ok(
            &unit,
            &["visit", "record", "--tenant", "protection", s(&path)],
        );

        let report = laptop.dir.path().join("visit.json");
        std::fs::write(
            &report,
            field_report("V-FIELD-1", "0193b6a0-0000-7000-8000-000000000001"),
        )
        .unwrap();
        ok(
            &laptop,
            &["visit", "record", "--tenant", "field-laptop", s(&report)],
        );
        let bundle = export_visit(&laptop, "field-laptop", "V-FIELD-1", "field.wab");
        let out = unit.run(&["visit", "import", "--tenant", "protection", s(&bundle)]);
        assert!(!out.status.success(), "{}", stdout(&out));
        let error = stderr(&out);
        assert!(
            error.contains("refusal_ends[0]") && error.contains("already granted again"),
            "{error}"
        );
        // Nothing of the bundle is at the unit: not the visit, not its persons seen.
        let out = unit.run(&[
            "visit",
            "alerts",
            "--tenant",
            "protection",
            "--visit",
            "V-FIELD-1",
        ]);
        assert!(!out.status.success(), "{}", stdout(&out));
        assert!(stderr(&out).contains("no visit"), "{}", stderr(&out));
        let due = ok(
            &unit,
            &[
                "visit",
                "due",
                "--tenant",
                "protection",
                "--on",
                "2026-12-31",
            ],
        );
        assert!(due.contains("or before: 0"), "no follow-up was kept: {due}");
    }
}
