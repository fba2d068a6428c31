//! Allegation steps, confidential representations and the authority's replies written on a
//! delegate's laptop travel in the visit bundle (issue 6, ICRC-VIS-e), through the real binary
//! on SQLite and PostgreSQL: the texts travel encrypted, the unit records them once, and an
//! inconsistent report (unknown allegation, date in the future, a reply after the unit closed
//! the allegation) is refused naming the part and field, with nothing of it applied.

use crate::harness::{Instance, stderr, stdout};
use crate::protection::{exchange_keys, export_visit, field_report, ok, s, unit_instance, unit_on};

const ALLEGATION: &str = "0193b6a0-0000-7000-8000-000000000007";
const REPRESENTATION: &str = "0193b6a0-0000-7000-8000-000000000030";

/// The field report with an oral representation noted as a step, the written representation
/// (text) and the command's reply.
fn letters_report() -> serde_json::Value {
    let mut report: serde_json::Value = serde_json::from_str(&field_report(
        "V-FIELD-1",
        "0193b6a0-0000-7000-8000-000000000001",
    ))
    .unwrap();
    report["allegation_steps"] = serde_json::json!([{
        "id": "0193b6a0-0000-7000-8000-000000000031", "allegation": ALLEGATION,
        "at": "2026-03-01T16:30:00Z", "by": "delegate", "kind": "representation",
        "addressee": "Camp command, orally at the final talk", "form": "anonymous", "text": null
    }]);
    report["representations"] = serde_json::json!([{
        "id": REPRESENTATION, "allegation": ALLEGATION, "form": "anonymous",
        "addressee": "Command of Camp 4 (fictional)", "sent_on": "2026-03-02",
        "text": "Fictional: detainees describe a whipping on arrival; we ask that it stop."
    }]);
    report["replies"] = serde_json::json!([{
        "id": "0193b6a0-0000-7000-8000-000000000032", "representation": REPRESENTATION,
        "received_on": "2026-03-10", "outcome": "measures-announced",
        "text": "Fictional: the command opens an inquiry."
    }]);
    report
}

fn record(instance: &Instance, tenant: &str, report: &serde_json::Value, file: &str) -> String {
    let path = instance.dir.path().join(file);
    std::fs::write(&path, report.to_string()).unwrap();
    ok(instance, &["visit", "record", "--tenant", tenant, s(&path)])
}

fn refused(instance: &Instance, tenant: &str, report: &serde_json::Value, file: &str) -> String {
    let path = instance.dir.path().join(file);
    std::fs::write(&path, report.to_string()).unwrap();
    let out = instance.run(&["visit", "record", "--tenant", tenant, s(&path)]);
    assert!(!out.status.success(), "{}", stdout(&out));
    stderr(&out)
}

fn due(unit: &Instance) -> String {
    ok(
        unit,
        &[
            "visit",
            "due",
            "--tenant",
            "protection",
            "--on",
            "2026-12-31",
        ],
    )
}

#[test]
fn representations_and_replies_written_offline_travel_once_and_inconsistent_ones_apply_nothing() {
    for unit in crate::harness::instances() {
        let unit = unit_on(unit, "protection");
        let laptop = unit_instance("field-laptop");
        exchange_keys(&laptop, "field-laptop", &unit);
        let report = letters_report();
        let out = record(&laptop, "field-laptop", &report, "visit.json");
        assert!(
            out.contains("1 allegation step(s), 1 representation(s), 1 reply(ies) new"),
            "{out}"
        );
        let bundle = export_visit(&laptop, "field-laptop", "V-FIELD-1", "field.wab");
        let bytes = std::fs::read(&bundle).unwrap();
        assert!(
            !bytes.windows(8).any(|w| w == b"whipping"),
            "the representation's text travels encrypted"
        );

        let first = ok(
            &unit,
            &["visit", "import", "--tenant", "protection", s(&bundle)],
        );
        assert!(
            first.contains(
                "1 allegation(s) new, 1 allegation step(s), 1 representation(s), 1 reply(ies) new"
            ),
            "{first}"
        );
        let second = ok(
            &unit,
            &["visit", "import", "--tenant", "protection", s(&bundle)],
        );
        assert!(
            second.contains(
                "0 allegation(s) new, 0 allegation step(s), 0 representation(s), 0 reply(ies) new"
            ),
            "the same bundle twice applies once: {second}"
        );

        // Inconsistent reports are refused before anything is written, naming the field.
        let mut unknown = letters_report();
        unknown["representations"][0]["allegation"] = "0193b6a0-0000-7000-8000-0000000000ee".into();
        let error = refused(&laptop, "field-laptop", &unknown, "unknown.json");
        assert!(
            error.contains(
                "representations[0].allegation: no such allegation in this report or at the unit"
            ),
            "{error}"
        );
        let mut future = letters_report();
        future["replies"][0]["id"] = "0193b6a0-0000-7000-8000-000000000033".into();
        future["replies"][0]["received_on"] = "2099-01-01".into();
        let error = refused(&laptop, "field-laptop", &future, "future.json");
        assert!(
            error.contains("replies[0].received_on: 2099-01-01 is in the future"),
            "{error}"
        );
        let mut early = letters_report();
        early["replies"][0]["id"] = "0193b6a0-0000-7000-8000-000000000034".into();
        early["replies"][0]["received_on"] = "2026-03-01".into();
        let error = refused(&laptop, "field-laptop", &early, "early.json");
        assert!(
            error.contains(
                "replies[0].received_on: 2026-03-01 is before the representation was sent"
            ),
            "{error}"
        );
        let mut kind = letters_report();
        kind["allegation_steps"][0]["kind"] = "forgotten".into();
        let error = refused(&laptop, "field-laptop", &kind, "kind.json");
        assert!(error.contains("allegation_steps[0].kind"), "{error}");

        // The unit closes the allegation; the laptop, not knowing, records another reply and a
        // new follow-up. The bundle is refused at the reply, and the follow-up is not kept.
        let mut closing: serde_json::Value =
            serde_json::from_str(crate::protection::REPORT).unwrap();
        closing["visit"]["id"] = "0193b6a0-0000-7000-8000-000000000040".into();
        closing["visit"]["reference"] = "V-UNIT-CLOSE".into();
        for part in ["conditions", "refusals", "persons_seen", "follow_ups"] {
            closing[part] = serde_json::json!([]);
        }
        closing["allegation_steps"] = serde_json::json!([{
            "id": "0193b6a0-0000-7000-8000-000000000041", "allegation": ALLEGATION,
            "at": "2026-03-20T10:00:00Z", "by": "head of unit", "kind": "closed",
            "addressee": null, "form": null, "text": "Fictional: the guard was moved."
        }]);
        let out = record(&unit, "protection", &closing, "close.json");
        assert!(out.contains("1 allegation step(s)"), "{out}");
        let due_before = due(&unit);

        let mut later = letters_report();
        later["replies"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "id": "0193b6a0-0000-7000-8000-000000000035", "representation": REPRESENTATION,
                "received_on": "2026-03-25", "outcome": "denied",
                "text": "Fictional: the command denies everything."
            }));
        later["follow_ups"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "id": "0193b6a0-0000-7000-8000-000000000036",
                "registration": "0193b6a0-0000-7000-8000-000000000004",
                "recorded_at": "2026-03-01T11:30:00Z", "health": null,
                "family_contact_wanted": false, "family_contact": null, "messages": [],
                "next_visit_due": "2026-04-01", "reprisals_reported": null,
                "recorded_by": "delegate"
            }));
        let out = record(&laptop, "field-laptop", &later, "later.json");
        assert!(out.contains("1 reply(ies) new"), "{out}");
        let bundle = export_visit(&laptop, "field-laptop", "V-FIELD-1", "later.wab");
        let out = unit.run(&["visit", "import", "--tenant", "protection", s(&bundle)]);
        assert!(!out.status.success(), "{}", stdout(&out));
        let error = stderr(&out);
        assert!(
            error.contains("replies[1]") && error.contains("the allegation is closed"),
            "{error}"
        );
        assert_eq!(
            due(&unit),
            due_before,
            "nothing of the refused bundle is kept"
        );
    }
}

// MATCH-1, ICRC-VIS-d: the persons seen a bundle registers get their "same person as"
// proposals in the import's report (probability and explanation), never a link; a second
// import registers no one and proposes nothing.
#[test]
fn a_bundle_import_proposes_the_same_person_seen_on_an_earlier_visit() {
    for unit in crate::harness::instances() {
        let unit = unit_on(unit, "protection");
        let laptop = unit_instance("field-laptop");
        exchange_keys(&laptop, "field-laptop", &unit);
        // The unit saw Олег Савчук (born 1991) a month earlier, under another registration.
        let mut earlier: serde_json::Value =
            serde_json::from_str(crate::protection::REPORT).unwrap();
        earlier["visit"]["id"] = "0193b6a0-0000-7000-8000-000000000050".into();
        earlier["visit"]["reference"] = "V-UNIT-EARLIER".into();
        earlier["visit"]["started_at"] = "2026-02-01T08:00:00Z".into();
        earlier["visit"]["ended_at"] = "2026-02-01T17:00:00Z".into();
        earlier["visit"]["planned_start"] = "2026-02-01".into();
        for part in ["conditions", "refusals", "follow_ups"] {
            earlier[part] = serde_json::json!([]);
        }
        let mut person = earlier["persons_seen"][0].clone();
        person["id"] = "0193b6a0-0000-7000-8000-000000000051".into();
        person["seen_at"] = "2026-02-01T10:00:00Z".into();
        earlier["persons_seen"] = serde_json::json!([person]);
        record(&unit, "protection", &earlier, "earlier.json");

        record(&laptop, "field-laptop", &letters_report(), "visit.json");
        let bundle = export_visit(&laptop, "field-laptop", "V-FIELD-1", "field.wab");
        let first = ok(
            &unit,
            &["visit", "import", "--tenant", "protection", s(&bundle)],
        );
        assert!(
            first.contains("same person as? 1 person(s) seen may have been seen before")
                && first.contains("nothing is linked"),
            "{first}"
        );
        assert!(
            first.contains("- Олег Савчук (person seen 0193b6a0-0000-7000-8000-000000000003)"),
            "{first}"
        );
        let proposal = first
            .lines()
            .find(|l| l.contains("on visit V-UNIT-EARLIER"))
            .unwrap_or_else(|| panic!("{first}"));
        assert!(
            proposal.contains("(person 0193b6a0-0000-7000-8000-000000000051)")
                && proposal.contains("Camp 4"),
            "{proposal}"
        );
        let probability: f64 = proposal.trim().split(':').next().unwrap().parse().unwrap();
        assert!(probability > 0.5, "{proposal}");
        assert!(
            !first.contains("Ничипорук (person seen"),
            "no proposal for a person never seen before: {first}"
        );

        let second = ok(
            &unit,
            &["visit", "import", "--tenant", "protection", s(&bundle)],
        );
        assert!(!second.contains("same person as?"), "{second}");
    }
}
