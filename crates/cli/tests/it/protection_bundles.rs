//! Visit bundles of several reports, and what travels with a report besides its visit
//! (issue 6, ICRC-VIS-d/e), through the real binary, the unit on SQLite and PostgreSQL:
//! a bundle applies all or nothing; the letters written on the laptop about an older visit's
//! allegation travel with any later report; who recorded a letter on the laptop is kept.

use crate::harness::{Instance, stderr, stdout};
use crate::network::{runtime, scope, store_of};
use crate::protection::{REPORT, exchange_keys, field_report, ok, s, unit_instance, unit_on};

fn record(instance: &Instance, tenant: &str, report: &serde_json::Value, file: &str) -> String {
    let path = instance.dir.path().join(file);
    std::fs::write(&path, report.to_string()).unwrap();
    ok(instance, &["visit", "record", "--tenant", tenant, s(&path)])
}

/// The unit "protection" on `unit` and a laptop "field-laptop" on SQLite, keys exchanged.
fn unit_and_laptop(unit: Instance) -> (Instance, Instance) {
    let unit = unit_on(unit, "protection");
    let laptop = unit_instance("field-laptop");
    exchange_keys(&laptop, "field-laptop", &unit);
    (unit, laptop)
}

/// `visit export` of one or several visits into one bundle.
fn export(laptop: &Instance, visits: &[&str], name: &str) -> std::path::PathBuf {
    let bundle = laptop.dir.path().join(name);
    let mut args = vec!["visit", "export", "--tenant", "field-laptop"];
    for visit in visits {
        args.extend(["--visit", visit]);
    }
    args.extend(["--to", "protection", "-o", s(&bundle)]);
    ok(laptop, &args);
    bundle
}

fn place(instance: &Instance, tenant: &str, name: &str) {
    ok(
        instance,
        &[
            "visit",
            "place",
            "--tenant",
            tenant,
            "--name",
            name,
            "--kind",
            "pow-camp",
            "--party",
            "XA",
            "--authority",
            "Camp command (fictional)",
            "--capacity",
            "100",
            "--notified-at",
            "2026-02-01T09:00:00Z",
        ],
    );
}

/// A visit to `place` with one person seen, nothing else.
fn small_report(
    reference: &str,
    visit_id: &str,
    person_id: &str,
    place: &str,
) -> serde_json::Value {
    let mut report: serde_json::Value = serde_json::from_str(REPORT).unwrap();
    report["visit"]["id"] = visit_id.into();
    report["visit"]["reference"] = reference.into();
    report["visit"]["places"] = serde_json::json!([place]);
    for part in ["conditions", "refusals", "follow_ups"] {
        report[part] = serde_json::json!([]);
    }
    let mut person = report["persons_seen"][1].clone();
    person["id"] = person_id.into();
    person["place"] = place.into();
    report["persons_seen"] = serde_json::json!([person]);
    report
}

// Issue 6: the reports of one bundle are imported in one transaction. The second report names
// a place the unit does not have: it is refused naming the report and the field, and nothing of
// the first report (its visit, persons seen, follow-up due) remains. Once the unit has the
// place, the same bundle applies whole.
#[test]
fn a_bundle_of_several_reports_applies_all_or_nothing() {
    let rt = runtime();
    for unit in crate::harness::instances() {
        let (unit, laptop) = unit_and_laptop(unit);
        place(&laptop, "field-laptop", "Camp 9");
        let first: serde_json::Value = serde_json::from_str(REPORT).unwrap();
        record(&laptop, "field-laptop", &first, "first.json");
        let second = small_report(
            "V-CLI-2",
            "0193b6a0-0000-7000-8000-000000000060",
            "0193b6a0-0000-7000-8000-000000000061",
            "Camp 9",
        );
        record(&laptop, "field-laptop", &second, "second.json");
        let bundle = export(&laptop, &["V-CLI-1", "V-CLI-2"], "two.wab");

        let out = unit.run(&["visit", "import", "--tenant", "protection", s(&bundle)]);
        assert!(!out.status.success(), "{}", stdout(&out));
        let error = stderr(&out);
        assert!(
            error.contains("report 2 of 2 (visit V-CLI-2)")
                && error.contains("visit.places[0]: no place named \"Camp 9\""),
            "{error}"
        );
        let store = store_of(&rt, &unit);
        let unit_scope = scope(&rt, &store, "protection");
        assert!(
            rt.block_on(store.visits(&unit_scope)).unwrap().is_empty(),
            "nothing of the first report's visit"
        );
        assert!(
            rt.block_on(store.registrations(&unit_scope, None))
                .unwrap()
                .is_empty(),
            "nothing of the first report's persons seen"
        );
        let day = time::macros::date!(2026 - 12 - 31);
        assert_eq!(
            rt.block_on(store.overdue_count(&unit_scope, day)).unwrap(),
            0,
            "nothing of the first report's follow-up due"
        );

        place(&unit, "protection", "Camp 9");
        let out = ok(
            &unit,
            &["visit", "import", "--tenant", "protection", s(&bundle)],
        );
        assert!(out.contains("3 person(s) seen, 1 follow-up(s)"), "{out}");
        assert_eq!(rt.block_on(store.visits(&unit_scope)).unwrap().len(), 2);
        assert_eq!(
            rt.block_on(store.overdue_count(&unit_scope, day)).unwrap(),
            1
        );
        rt.block_on(store.close());
    }
}

/// The field report of `field_report` with every id moved by 0x100 and its own references, so
/// that it can sit next to the original on one laptop.
fn other_field_report(reference: &str) -> serde_json::Value {
    let text = field_report(reference, "0193b6a0-0000-7000-8000-000000000001")
        .replace(
            "0193b6a0-0000-7000-8000-0000000000",
            "0193b6a0-0000-7000-8000-0000000001",
        )
        .replace("AL-CLI-1", "AL-CLI-X");
    serde_json::from_str(&text).unwrap()
}

const ALLEGATION: &str = "0193b6a0-0000-7000-8000-000000000007";

/// The old visit V-OLD, with the allegation [`ALLEGATION`].
fn old_report() -> serde_json::Value {
    serde_json::from_str(&field_report(
        "V-OLD",
        "0193b6a0-0000-7000-8000-000000000001",
    ))
    .unwrap()
}

/// A later visit V-NEW, with a representation about the old visit's allegation written on the
/// laptop (by `recorded_by` when given).
fn new_report_with_letter(recorded_by: Option<&str>) -> serde_json::Value {
    let mut new = small_report(
        "V-NEW",
        "0193b6a0-0000-7000-8000-000000000070",
        "0193b6a0-0000-7000-8000-000000000075",
        "Camp 4",
    );
    let mut letter = serde_json::json!({
        "id": "0193b6a0-0000-7000-8000-000000000071", "allegation": ALLEGATION,
        "form": "anonymous", "addressee": "Command of Camp 4 (fictional)",
        "sent_on": "2026-03-04", "text": "Fictional: we ask again that the beatings stop."
    });
    if let Some(by) = recorded_by {
        letter["recorded_by"] = by.into();
    }
    new["representations"] = serde_json::json!([letter]);
    new
}
const OTHER_ALLEGATION: &str = "0193b6a0-0000-7000-8000-000000000107";

// ICRC-VIS-e: a representation and a reply written on the laptop about the allegation of a
// visit already sent travel with the next visit's report (they used to wait until that older
// visit was exported again), recorded at the unit as by the delegate who wrote them on the
// laptop. Letters about an allegation the unit does not hold yet (its visit never sent) wait,
// without refusing the report, and arrive with that visit.
#[test]
fn letters_about_an_older_visit_travel_with_the_next_report_as_recorded_on_the_laptop() {
    let rt = runtime();
    for unit in crate::harness::instances() {
        let (unit, laptop) = unit_and_laptop(unit);
        record(&laptop, "field-laptop", &old_report(), "old.json");
        let bundle = export(&laptop, &["V-OLD"], "old.wab");
        let out = ok(
            &unit,
            &["visit", "import", "--tenant", "protection", s(&bundle)],
        );
        assert!(out.contains("1 allegation(s) new"), "{out}");

        // Another visit, never sent, with its own allegation and a representation about it.
        let mut never = other_field_report("V-NEVER");
        never["representations"] = serde_json::json!([{
            "id": "0193b6a0-0000-7000-8000-000000000190", "allegation": OTHER_ALLEGATION,
            "form": "anonymous", "addressee": "Command of Camp 4 (fictional)",
            "sent_on": "2026-03-03", "text": "Fictional: about the other allegation."
        }]);
        record(&laptop, "field-laptop", &never, "never.json");

        // A later visit; the delegate writes to the authority about the old visit's allegation.
        let mut new = new_report_with_letter(Some("delegate-anna"));
        new["replies"] = serde_json::json!([{
            "id": "0193b6a0-0000-7000-8000-000000000072",
            "representation": "0193b6a0-0000-7000-8000-000000000071",
            "received_on": "2026-03-09", "outcome": "acknowledged",
            "text": "Fictional: received.", "recorded_by": "delegate-anna"
        }]);
        record(&laptop, "field-laptop", &new, "new.json");
        let bundle = export(&laptop, &["V-NEW"], "new.wab");
        let out = ok(
            &unit,
            &["visit", "import", "--tenant", "protection", s(&bundle)],
        );
        assert!(
            out.contains(
                "0 allegation(s) new, 0 allegation step(s), 1 representation(s), 1 reply(ies) new"
            ),
            "the old visit's letter travels with the new report: {out}"
        );
        assert!(
            out.contains(
                "1 letter(s) about allegations of other visits the unit does not hold yet"
            ),
            "{out}"
        );
        let store = store_of(&rt, &unit);
        let unit_scope = scope(&rt, &store, "protection");
        let allegation = domain::AllegationId::from_uuid(ALLEGATION.parse().unwrap());
        let letters = rt
            .block_on(store.representations(&unit_scope, allegation))
            .unwrap();
        let letter = letters
            .iter()
            .find(|l| l.letter.id.to_string() == "0193b6a0-0000-7000-8000-000000000071")
            .unwrap();
        assert_eq!(
            letter.recorded_by, "delegate-anna",
            "as recorded on the laptop"
        );
        assert_eq!(letter.replies.len(), 1);
        assert_eq!(letter.replies[0].recorded_by, "delegate-anna");

        // Again: nothing new; then the never-sent visit, with its letter.
        let out = ok(
            &unit,
            &["visit", "import", "--tenant", "protection", s(&bundle)],
        );
        assert!(
            out.contains("0 representation(s), 0 reply(ies) new"),
            "{out}"
        );
        let bundle = export(&laptop, &["V-NEVER"], "never.wab");
        let out = ok(
            &unit,
            &["visit", "import", "--tenant", "protection", s(&bundle)],
        );
        assert!(
            out.contains("1 allegation(s) new, 0 allegation step(s), 1 representation(s)"),
            "{out}"
        );
        assert!(!out.contains("does not hold yet"), "{out}");
        rt.block_on(store.close());
    }
}

// Issue 6: conditions (ICRC-VIS-a), refusals and their ends (GC3-126-c) and private interviews
// (GC3-126-b) are recorded at the unit as by who recorded them on the laptop: the name the
// report gives (`recorded_by`), or the laptop's own operator when the delegate entered none;
// no longer as by the operator who imports the bundle.
#[test]
fn field_records_arrive_as_recorded_on_the_laptop() {
    let rt = runtime();
    for unit in crate::harness::instances() {
        let (unit, laptop) = unit_and_laptop(unit);
        let mut report: serde_json::Value = serde_json::from_str(&field_report(
            "V-BY",
            "0193b6a0-0000-7000-8000-000000000001",
        ))
        .unwrap();
        report["conditions"][0]["recorded_by"] = "delegate-anna".into();
        report["interviews"][0]["recorded_by"] = "delegate-boris".into();
        report["refusal_ends"][0]["recorded_by"] = "delegate-boris".into();
        // The refusal and the second condition name no one: the laptop's operator recorded them.
        let path = laptop.dir.path().join("by.json");
        std::fs::write(&path, report.to_string()).unwrap();
        let out = laptop
            .command(&["visit", "record", "--tenant", "field-laptop", s(&path)])
            .env("USER", "laptop-clerk")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let bundle = export(&laptop, &["V-BY"], "by.wab");
        let out = unit
            .command(&["visit", "import", "--tenant", "protection", s(&bundle)])
            .env("USER", "unit-importer")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("1 interview(s)"), "{}", stdout(&out));

        let store = store_of(&rt, &unit);
        let unit_scope = scope(&rt, &store, "protection");
        let visit =
            domain::VisitId::from_uuid("0193b6a0-0000-7000-8000-000000000001".parse().unwrap());
        let by = rt
            .block_on(store.visit_recorders(&unit_scope, visit))
            .unwrap();
        use domain::protection::Condition;
        assert_eq!(
            by.condition(Condition::PrivateInterviews),
            Some("delegate-anna")
        );
        assert_eq!(
            by.condition(Condition::AllPremises),
            Some("operator:laptop-clerk"),
            "{by:?}"
        );
        let interview =
            domain::InterviewId::from_uuid("0193b6a0-0000-7000-8000-000000000006".parse().unwrap());
        assert_eq!(by.interview(interview), Some("delegate-boris"));
        let refusal =
            domain::RefusalId::from_uuid("0193b6a0-0000-7000-8000-000000000002".parse().unwrap());
        assert_eq!(by.refusal(refusal), Some("operator:laptop-clerk"));
        let ends = rt.block_on(store.refusal_ends(&unit_scope)).unwrap();
        assert_eq!(ends[0].recorded_by, "delegate-boris");
        let everyone = format!("{by:?} {ends:?}");
        assert!(!everyone.contains("unit-importer"), "{everyone}");
        rt.block_on(store.close());
    }
}

/// `visit export` of one visit, which must say it carries `letters` letter(s) about other
/// visits' allegations; the bundle's path.
fn export_carrying(
    laptop: &Instance,
    visit: &str,
    name: &str,
    letters: usize,
) -> std::path::PathBuf {
    let bundle = laptop.dir.path().join(name);
    let out = ok(
        laptop,
        &[
            "visit",
            "export",
            "--tenant",
            "field-laptop",
            "--visit",
            visit,
            "--to",
            "protection",
            "-o",
            s(&bundle),
        ],
    );
    assert!(
        out.contains(&format!(
            "{letters} letter(s) about other visits' allegations"
        )),
        "{out}"
    );
    bundle
}

// ICRC-VIS-e: a letter written on the laptop about an older visit's allegation travels with every
// later report only until the unit's receipt says it holds it. `visit import` writes the unit's
// signed receipt next to the bundle; `visit receipt` on the laptop keeps it. A bundle lost on the
// way (never imported, so no receipt) loses nothing: the letter travels again with the next
// report. A receipt altered on the way, or signed by another peer, is refused and changes
// nothing. The laptop and the unit each on SQLite, then each on PostgreSQL.
#[test]
fn a_letter_travels_until_the_units_receipt_says_it_is_held() {
    let laptops = crate::harness::instances();
    for (unit, laptop) in crate::harness::instances().into_iter().zip(laptops) {
        let unit = unit_on(unit, "protection");
        let laptop = unit_on(laptop, "field-laptop");
        exchange_keys(&laptop, "field-laptop", &unit);
        let receipt = |ack: &std::path::Path| {
            ok(
                &laptop,
                &[
                    "visit",
                    "receipt",
                    "--tenant",
                    "field-laptop",
                    "--from",
                    "protection",
                    s(ack),
                ],
            )
        };
        let import = |bundle: &std::path::Path| {
            ok(
                &unit,
                &["visit", "import", "--tenant", "protection", s(bundle)],
            )
        };
        record(&laptop, "field-laptop", &old_report(), "old.json");
        let bundle = export_carrying(&laptop, "V-OLD", "old.wab", 0);
        let out = import(&bundle);
        assert!(out.contains("receipt for the laptop written to"), "{out}");
        let out = receipt(&bundle.with_extension("wab.ack.json"));
        assert!(out.contains("the unit holds 0 letter(s)"), "{out}");

        // A representation about the old visit's allegation, written with a later visit; that
        // bundle is lost on the way.
        record(
            &laptop,
            "field-laptop",
            &new_report_with_letter(None),
            "new.json",
        );
        export_carrying(&laptop, "V-NEW", "new.wab", 1);

        // The next report carries it again; the unit records it and says so in its receipt.
        let next = small_report(
            "V-NEXT",
            "0193b6a0-0000-7000-8000-000000000080",
            "0193b6a0-0000-7000-8000-000000000085",
            "Camp 4",
        );
        record(&laptop, "field-laptop", &next, "next.json");
        // The lost bundle's letter travels again.
        let bundle = export_carrying(&laptop, "V-NEXT", "next.wab", 1);
        let out = import(&bundle);
        assert!(out.contains("1 representation(s)"), "{out}");
        assert!(out.contains("(1 letter(s) held)"), "{out}");
        let ack = bundle.with_extension("wab.ack.json");

        // Altered on the way (another letter id): refused; the letter still travels.
        let text = std::fs::read_to_string(&ack).unwrap();
        let forged = text.replace(
            "0193b6a0-0000-7000-8000-000000000071",
            "0193b6a0-0000-7000-8000-000000000072",
        );
        assert_ne!(forged, text);
        let forged_path = laptop.write("forged.ack.json", forged.as_bytes());
        let out = laptop.run(&[
            "visit",
            "receipt",
            "--tenant",
            "field-laptop",
            "--from",
            "protection",
            s(&forged_path),
        ]);
        assert!(!out.status.success(), "{}", stdout(&out));
        assert!(stderr(&out).contains("signature"), "{}", stderr(&out));
        // Named as from another peer: refused too.
        let out = laptop.run(&[
            "visit",
            "receipt",
            "--tenant",
            "field-laptop",
            "--from",
            "agency",
            s(&ack),
        ]);
        assert!(!out.status.success(), "{}", stdout(&out));
        export_carrying(&laptop, "V-NEXT", "next-again.wab", 1);

        // The real receipt: the letter no longer travels; the visit's own report is whole.
        let out = receipt(&ack);
        assert!(
            out.contains("the unit holds 1 letter(s) of the bundle, 1 new here"),
            "{out}"
        );
        let bundle = export_carrying(&laptop, "V-NEXT", "next-3.wab", 0);
        let out = import(&bundle);
        assert!(out.contains("0 representation(s)"), "{out}");
        // The same receipt again keeps nothing twice.
        let out = receipt(&ack);
        assert!(
            out.contains("1 letter(s) of the bundle, 0 new here"),
            "{out}"
        );
        let rt = runtime();
        let store = store_of(&rt, &unit);
        let unit_scope = scope(&rt, &store, "protection");
        let allegation = domain::AllegationId::from_uuid(ALLEGATION.parse().unwrap());
        let letters = rt
            .block_on(store.representations(&unit_scope, allegation))
            .unwrap();
        assert_eq!(letters.len(), 1, "recorded once at the unit");
        rt.block_on(store.close());
    }
}
