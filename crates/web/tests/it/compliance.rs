//! Compliance (issue 5 §5) through the HTTP boundary, on both backends: bureau A's prisoner,
//! captured ten days ago, is owed a capture card within seven days (GC3-70-a). Unsent, the
//! card is overdue; sent today, it is sent late; the page and the API say so exactly.

use domain::{Channel, Confidence, NotificationKind, RuleId, SourceKind};
use serde_json::Value;
use store::{NewNotification, NewSource, UserRole};
use time::OffsetDateTime;

use crate::harness::apps;

fn rule<'v>(report: &'v Value, code: &str, channel: &str) -> &'v Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == code && r["channel"] == channel)
        .unwrap_or_else(|| panic!("no {code} {channel} row in {report}"))
}

#[tokio::test]
async fn gc3_70_a_late_capture_cards_show_in_the_compliance_view_and_api() {
    for app in apps().await {
        let token = app.token(app.fx.tenant_a.id, UserRole::BureauClerk).await;
        let page = app
            .api("GET", "/api/v1/compliance", Some(&token), None)
            .await;
        assert_eq!(page.status, 200, "{}: {}", app.backend, page.body);
        let report: Value = serde_json::from_str(&page.body).unwrap();
        assert_eq!(report["tenant"], "bureau-a");
        let card = rule(&report, "GC3-70-a", "agency");
        assert_eq!(card["owed"], 1, "{card}");
        assert_eq!(card["overdue"], 1, "{card}");
        assert_eq!(card["sent_late"], 0, "{card}");
        let late = report["late"].as_array().unwrap();
        assert!(
            late.iter().any(|l| l["rule"] == "GC3-70-a"
                && l["reference"] == "A-0001"
                && l["status"] == "overdue"),
            "{report}"
        );

        // The card goes out today, three days after its deadline.
        let scope = app.store.operator_scope(&app.fx.tenant_a, "test");
        let source = app
            .store
            .record_source(
                &scope,
                &NewSource {
                    kind: SourceKind::ClerkEntry,
                    reference: "capture card sent by hand".into(),
                    collected_by: "clerk-a".into(),
                    collected_at: OffsetDateTime::now_utc(),
                    language: None,
                    script: None,
                    confidence: Confidence::HIGH,
                },
            )
            .await
            .unwrap();
        app.store
            .record_notification(
                &scope,
                source,
                &NewNotification {
                    person: app.fx.pow_a,
                    rule: RuleId::Gc3_70a,
                    trigger_event: None,
                    channel: Channel::Agency,
                    kind: NotificationKind::Sent,
                    sent_at: OffsetDateTime::now_utc(),
                    reference: "card 1".into(),
                },
            )
            .await
            .unwrap();
        let page = app
            .api("GET", "/api/v1/compliance", Some(&token), None)
            .await;
        let report: Value = serde_json::from_str(&page.body).unwrap();
        let card = rule(&report, "GC3-70-a", "agency");
        assert_eq!(
            (&card["overdue"], &card["sent_late"], &card["sent_on_time"]),
            (&Value::from(0), &Value::from(1), &Value::from(0)),
            "{card}"
        );
        // Sent by hand, not by a transmission: nobody acknowledged it.
        assert_eq!(card["acknowledged"], 0, "{card}");
        assert_eq!(card["unacknowledged"], 1, "{card}");

        // The page shows the same.
        let browser = app.browser("clerk-a").await;
        let page = app.get("/compliance", Some(&browser.cookie)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("GC3-70-a"), "{}", page.body);
        assert!(page.body.contains("A-0001"), "{}", page.body);
        assert!(page.body.contains("sent-late"), "{}", page.body);
    }
}

/// GC3-122-a, GC4-136-a: the deadlines are the detaining party's bureau's. The agency (and the
/// protection unit, which holds copies of what a party notified) owes none, even for a person
/// whose capture it recorded itself: its dashboard, deadlines page, person page and compliance
/// report show nothing owed, while bureau A still owes its overdue card.
#[tokio::test]
async fn only_a_partys_bureau_owes_deadlines_not_the_agency() {
    use domain::{EventKind, FieldKey, PersonCategory, Presence};
    use store::{NewAssertion, NewEvent, NewPerson};
    for app in apps().await {
        let scope = app.store.operator_scope(&app.fx.agency, "test");
        let source = app
            .store
            .record_source(&scope, &crate::harness::source("clerk-9", "en"))
            .await
            .unwrap();
        let captured = OffsetDateTime::now_utc() - time::Duration::days(30);
        let person = app
            .store
            .register_person(
                &scope,
                source,
                &NewPerson {
                    reference: "XA-PRESS-7".into(),
                    category: PersonCategory::PrisonerOfWar,
                    assertions: vec![NewAssertion {
                        field: FieldKey::Name,
                        value: Presence::Present(crate::harness::name(
                            &[(domain::NamePartKind::Family, "Hovhannisyan")],
                            "en",
                        )),
                        locator: "press report".into(),
                    }],
                    events: vec![NewEvent {
                        kind: EventKind::FellIntoPower,
                        occurred_at: captured,
                        place: None,
                        place_to: None,
                        locator: "press report".into(),
                        note: None,
                    }],
                },
            )
            .await
            .unwrap();

        let caseworker = app.browser("caseworker").await;
        let dashboard = app.get("/", Some(&caseworker.cookie)).await;
        assert_eq!(dashboard.status, 200, "{}", app.backend);
        assert!(
            dashboard.body.contains(
                r#"<span class="number">0</span> <a href="/deadlines?status=overdue">overdue</a>"#
            ),
            "{}",
            dashboard.body
        );
        let deadlines = app.get("/deadlines", Some(&caseworker.cookie)).await;
        assert!(!deadlines.body.contains("XA-PRESS-7"), "{}", deadlines.body);
        let page = app
            .get(&format!("/persons/{person}"), Some(&caseworker.cookie))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains(
                "Only the detaining party&#x27;s bureau owes the conventions&#x27; deadlines"
            ) || page
                .body
                .contains("Only the detaining party's bureau owes the conventions' deadlines"),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains("GC3-70-a Capture card"),
            "{}",
            page.body
        );
        let token = app.token(app.fx.agency.id, UserRole::Caseworker).await;
        let report = app
            .api("GET", "/api/v1/compliance", Some(&token), None)
            .await;
        assert_eq!(report.status, 200, "{}", report.body);
        let report: Value = serde_json::from_str(&report.body).unwrap();
        assert_eq!(
            report["rules"].as_array().map(Vec::len),
            Some(0),
            "{report}"
        );
        assert_eq!(report["late"].as_array().map(Vec::len), Some(0), "{report}");

        // Bureau A, a party's bureau, still owes its prisoner's card (captured ten days ago).
        let clerk = app.browser("clerk-a").await;
        let overdue = app
            .get("/deadlines?status=overdue", Some(&clerk.cookie))
            .await;
        assert!(overdue.body.contains("A-0001"), "{}", overdue.body);
    }
}
