//! The pages: what a clerk sees, what an administrator does not, and what another tenant never
//! learns.

use axum::http::StatusCode;

use crate::harness::apps;

#[tokio::test]
async fn dashboard_shows_the_tenant_at_a_glance() {
    for app in apps().await {
        let cookie = app.login("clerk-a").await;
        let page = app.get("/", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.backend);
        assert!(page.body.contains(&app.fx.tenant_a.name));
        assert!(page.body.contains(
            r#"<span class="number">1</span> <a href="/persons">persons registered</a>"#
        ));
        // GC3-70-a on two channels and GC3-122-c on two channels, all past due.
        assert!(
            page.body.contains(
                r#"<span class="number">4</span> <a href="/deadlines?status=overdue">overdue</a>"#
            ),
            "{}",
            page.body
        );
        assert!(page.body.contains(r#"href="/deadlines""#));
        assert!(page.body.contains("clerk-a"));
    }
}

#[tokio::test]
async fn persons_lists_names_as_written() {
    for app in apps().await {
        let cookie = app.login("clerk-a").await;
        let page = app.get("/persons", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.backend);
        assert!(
            page.body
                .contains(r#"<span dir="auto">Олександр КОВАЛЕНКО</span>"#),
            "{}",
            page.body
        );
        assert!(page.body.contains(&format!(
            r#"<a href="/persons/{}">A-0001</a>"#,
            app.fx.pow_a
        )));
        assert!(page.body.contains("Prisoner of war (GC III 4)"));
        assert!(page.body.contains("1 person "));
        // Bureau B's prisoner is not in bureau A's list.
        assert!(!page.body.contains("B-0001"));
        assert!(!page.body.contains("ПЕТРЕНКО"));

        let found = app
            .get("/persons?q=%D0%9A%D0%9E%D0%92%D0%90%D0%9B", Some(&cookie))
            .await;
        assert!(
            found.body.contains("КОВАЛЕНКО"),
            "search by a Cyrillic name"
        );
        assert!(found.body.contains(r#"value="КОВАЛ""#));
        let by_reference = app.get("/persons?q=A-00", Some(&cookie)).await;
        assert!(by_reference.body.contains("A-0001"));
        // A Latin query finds the name written in Cyrillic (the directory romanises it).
        let in_latin = app.get("/persons?q=kovalenko", Some(&cookie)).await;
        assert!(in_latin.body.contains("КОВАЛЕНКО"), "{}", in_latin.body);
        assert!(in_latin.body.contains("1 person matching"));
        // Neither the middle of a name nor the stored value's markup is a match.
        for q in ["ALENKO", "family", "script", "%25"] {
            let page = app.get(&format!("/persons?q={q}"), Some(&cookie)).await;
            assert!(
                page.body.contains("No persons match this search."),
                "{q}: {}",
                page.body
            );
        }
        let none = app
            .get("/persons?q=%3Cscript%3E&page=7", Some(&cookie))
            .await;
        assert_eq!(none.status, StatusCode::OK);
        assert!(none.body.contains("No persons match this search."));
        assert!(
            none.body.contains("&#60;script&#62;"),
            "search text is escaped: {}",
            none.body
        );
        assert!(!none.body.contains("<script>"));
        let odd_page = app.get("/persons?page=abc", Some(&cookie)).await;
        assert_eq!(odd_page.status, StatusCode::OK);
        assert!(odd_page.body.contains("page 1 of 1"));
    }
}

#[tokio::test]
async fn person_page_shows_values_with_provenance_conflicts_and_absences() {
    for app in apps().await {
        let cookie = app.login("clerk-a").await;
        let page = app
            .get(&format!("/persons/{}", app.fx.pow_a), Some(&cookie))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.backend);
        let body = &page.body;
        // The name in its own script, with its language; parts with kind and script.
        assert!(
            body.contains(r#"<h1><span dir="auto" lang="uk">Олександр КОВАЛЕНКО</span></h1>"#),
            "{body}"
        );
        assert!(body.contains(r#"<span class="name-part" dir="auto" lang="uk">КОВАЛЕНКО</span> <span class="tag">family</span> <span class="tag">Cyrl</span>"#));
        assert!(body.contains("A-0001"));
        // Conflicting ranks stand side by side, each with its source.
        assert!(body.contains("sources disagree"));
        assert!(body.contains(r#"<span class="value" dir="auto" lang="uk">сержант</span>"#));
        assert!(body.contains(r#"<span class="value" dir="auto" lang="ru">капрал</span>"#));
        assert!(body.contains("collected by <span dir=\"auto\">clerk-7</span>"));
        assert!(body.contains("collected by <span dir=\"auto\">delegate-2</span>"));
        assert!(body.contains("statement 4, page 1"));
        assert!(body.contains("Bureau list · <span dir=\"auto\">list-clerk-7.csv</span>"));
        assert!(body.contains("confidence 60%"));
        // The correction stands; the superseded value is kept, struck through.
        assert!(body.contains(r#"<span class="value" dir="auto" lang="ru">AB-128</span>"#));
        assert!(
            body.contains(r#"<li><del><span class="value" dir="auto" lang="uk">AB-123</span>"#)
        );
        // Declined is not unknown.
        assert!(body.contains(
            r#"<span class="absence absence-declined">declined by the person (GC III 17)</span>"#
        ));
        assert!(body.contains(r#"<span class="absence absence-unknown">unknown</span>"#));
        // Fields nobody spoke to.
        assert!(body.contains("Mother&#39;s maiden name") || body.contains("Mother's maiden name"));
        assert!(body.contains("nothing recorded"));
        // Timeline, custody and obligations.
        assert!(body.contains("<strong>Capture or arrest</strong>"));
        assert!(body.contains("In custody since"));
        assert!(body.contains("GC3-70-a Capture card (GC III 70)"));
        assert!(body.contains(r#"<span class="status overdue">overdue</span>"#));
        assert!(body.len() < 100_000);
    }
}

#[tokio::test]
async fn another_tenants_person_and_bad_ids_are_not_found() {
    for app in apps().await {
        let cookie = app.login("clerk-a").await;
        let other = app
            .get(&format!("/persons/{}", app.fx.pow_b), Some(&cookie))
            .await;
        let unknown = app
            .get(&format!("/persons/{}", uuid::Uuid::now_v7()), Some(&cookie))
            .await;
        let malformed = app.get("/persons/not-a-uuid", Some(&cookie)).await;
        let injected = app
            .get("/persons/1%27%20OR%20%271%27=%271", Some(&cookie))
            .await;
        for page in [&other, &unknown, &malformed, &injected] {
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", app.backend);
            assert!(
                page.body
                    .contains("There is nothing here, or it is not part of your tenant.")
            );
            assert!(!page.body.contains("ПЕТРЕНКО"));
        }
        // Another tenant's person looks exactly like one who does not exist.
        assert_eq!(other.body, unknown.body);
        // And bureau B's clerk sees their own.
        let cookie_b = app.login("clerk-b").await;
        let own = app
            .get(&format!("/persons/{}", app.fx.pow_b), Some(&cookie_b))
            .await;
        assert_eq!(own.status, StatusCode::OK);
        assert!(own.body.contains("Борис ПЕТРЕНКО"));
    }
}

#[tokio::test]
async fn a_system_administrator_cannot_read_protected_data() {
    for app in apps().await {
        let cookie = app.login("admin").await;
        let home = app.get("/", Some(&cookie)).await;
        assert_eq!(home.status, StatusCode::OK, "{}", app.backend);
        assert!(
            home.body
                .contains("they cannot read protected data about persons")
        );
        assert!(!home.body.contains(r#"href="/persons""#));
        let person = format!("/persons/{}", app.fx.pow_a);
        for path in ["/persons", person.as_str(), "/deadlines"] {
            let page = app.get(path, Some(&cookie)).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
            assert!(page.body.contains("System administrators manage tenants and users. They cannot read protected data about persons."));
            assert!(!page.body.contains("КОВАЛЕНКО"));
            assert!(!page.body.contains("A-0001"));
        }
    }
}

#[tokio::test]
async fn deadlines_show_an_overdue_capture_card() {
    for app in apps().await {
        let cookie = app.login("clerk-a").await;
        let page = app.get("/deadlines?status=overdue", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", app.backend);
        let body = &page.body;
        assert!(
            body.contains(r#"<abbr title="Capture card (GC III 70)">GC3-70-a</abbr>"#),
            "{body}"
        );
        assert!(body.contains(r#"<tr class="status-overdue">"#));
        // The person's name as written beside the reference.
        assert!(
            body.contains(&format!(
                r#"<a href="/persons/{}">A-0001</a> <span dir="auto">Олександр КОВАЛЕНКО</span>"#,
                app.fx.pow_a
            )),
            "{body}"
        );
        assert!(body.contains("Central Tracing Agency"));
        assert!(body.contains("Family"));
        assert!(body.contains("Status: <strong>overdue</strong>"));
        assert!(body.contains("4 shown"));
        // Counts per rule: two capture cards (agency, family), two first notifications.
        assert!(
            body.contains(r#"<a href="/deadlines?status=overdue&#38;rule=GC3-70-a">GC3-70-a</a>"#)
        );
        assert!(
            body.contains(
                r#"<a href="/deadlines?status=overdue&#38;rule=GC3-122-c">GC3-122-c</a>"#
            )
        );
        assert!(!body.contains("B-0001"), "another tenant's obligations");

        let due = app.get("/deadlines?status=due", Some(&cookie)).await;
        assert!(due.body.contains("No obligations match."));
        let by_rule = app.get("/deadlines?rule=GC3-70-a", Some(&cookie)).await;
        assert!(by_rule.body.contains("2 shown"));
        assert!(
            !by_rule
                .body
                .contains("<abbr title=\"Notify the power concerned (GC III 122)\">")
        );
        let nonsense = app
            .get("/deadlines?status=bogus&rule=bogus&page=-3", Some(&cookie))
            .await;
        assert_eq!(nonsense.status, StatusCode::OK);
        assert!(nonsense.body.contains("4 shown"));
    }
}
