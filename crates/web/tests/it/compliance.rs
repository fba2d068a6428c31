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
