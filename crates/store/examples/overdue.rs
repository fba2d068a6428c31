//! The follow-ups-due list at scale (issue 6, ICRC-VIS-d; `bench/overdue.sh`): loads N persons
//! seen, each with one follow-up whose next visit is due on a day spread over 2026 (one person in
//! a hundred seen again on a later visit and linked), in one field batch with the bulk writes
//! (`FieldBatch::registrations`, `follow_ups`; `WHEREABOUTS_BENCH_ONE_BY_ONE=1`: one record at a
//! time, as before), then, on an early day (few due) and on the last day (all due), times the
//! rule in Rust over every row (`domain::protection::overdue`, the check), and the rule in SQL:
//! the whole list (`Store::overdue_follow_ups`), the count and one page of 100 with its total and
//! names, and checks that they answer the same.
//!
//! `cargo run --release -p whereabouts-store --example overdue -- [N]` (default 100000) on
//! SQLite in a temporary directory; with `WHEREABOUTS_BENCH_POSTGRES=<admin url>` on a scratch
//! PostgreSQL database instead. Wall-clock times: say whether the machine was loaded.

use std::time::Instant;

use domain::protection::{FollowUp, PersonSeen, Visit, VisitingBody};
use domain::{
    Conflict, ConflictId, NamePart, NamePartKind, Party, PartyId, PersonName, PlaceKind,
    RegistrationId, Tenant, TenantId, TenantKind, VisitId,
};
use time::macros::{date, datetime};
use time::{Date, Duration};
use whereabouts_store::{DatabaseUrl, NewPlace, Store};

fn person(
    visit: VisitId,
    place: domain::PlaceId,
    n: usize,
    at: time::OffsetDateTime,
) -> PersonSeen {
    PersonSeen {
        id: RegistrationId::new(),
        visit,
        place,
        seen_at: at,
        name: PersonName::new(vec![
            NamePart::new(NamePartKind::Given, "Олег", None).unwrap(),
            NamePart::new(NamePartKind::Family, &format!("Савчук-{n}"), None).unwrap(),
        ])
        .unwrap(),
        birth_date: None,
        sex: None,
        nationality: None,
        service_number: None,
        father_name: None,
        held_since: None,
        registered_by: "bench".into(),
    }
}

/// The CPU time of this process so far (user + system, every thread: SQLite runs on its own
/// threads), from `/proc/self/stat` in clock ticks of 10 ms; 0 where there is no `/proc`.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // After the command name in parentheses: fields 14 and 15 (utime, stime) of the whole line.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let mut _scratch = None;
    let (store, backend) = match std::env::var("WHEREABOUTS_BENCH_POSTGRES") {
        Ok(admin) => {
            let db = whereabouts_store::testing::ScratchDatabase::create(&admin, "wb_bench").await;
            let store = Store::open(&DatabaseUrl::parse(db.url()).unwrap())
                .await
                .unwrap()
                .with_key_provider(std::sync::Arc::new(
                    vault::StaticKeyProvider::new(vec![vault::MasterKey::generate().unwrap()])
                        .unwrap(),
                ));
            _scratch = Some(db);
            (store, "postgres")
        }
        Err(_) => (
            Store::open(&DatabaseUrl::sqlite_file(&dir.path().join("bench.db")))
                .await
                .unwrap(),
            "sqlite",
        ),
    };
    store
        .create_conflict(&Conflict {
            id: ConflictId::new(),
            name: "Bench conflict".into(),
            started_on: None,
        })
        .await
        .unwrap();
    let party = Party {
        id: PartyId::new(),
        name: "Aldera".into(),
        iso_country: "XA".into(),
    };
    store.create_party(&party).await.unwrap();
    let tenant = Tenant {
        id: TenantId::new(),
        slug: "protection".into(),
        name: "Protection unit".into(),
        kind: TenantKind::ProtectionUnit,
        party: None,
    };
    store.create_tenant(&tenant).await.unwrap();
    let scope = store.operator_scope(&tenant, "bench");
    let place = store
        .create_place(
            &scope,
            &NewPlace {
                controlling_party: party.id,
                kind: PlaceKind::PowCamp,
                name: "Camp K-7".into(),
                parent: None,
                postal_address: None,
            },
        )
        .await
        .unwrap();
    let visit = |reference: &str, day: Date| Visit {
        id: VisitId::new(),
        reference: reference.into(),
        body: VisitingBody::Icrc,
        planned_start: None,
        started_at: Some(day.midnight().assume_utc()),
        ended_at: None,
        team: vec!["bench".into()],
        places: vec![place],
        next_visit_planned: None,
    };
    let first = visit("V-1", date!(2025 - 12 - 01));
    let second = visit("V-2", date!(2025 - 12 - 20));

    // WHEREABOUTS_BENCH_ONE_BY_ONE=1: one statement per record (the path before the bulk
    // writes; about five round trips a person), to compare.
    let one_by_one = std::env::var_os("WHEREABOUTS_BENCH_ONE_BY_ONE").is_some();
    let loading = Instant::now();
    let cpu_loading = cpu_seconds();
    // CPU at the end of each step of the load (bulk path), printed as the step's share.
    let mut phases: Vec<(&str, f64)> = Vec::new();
    let mut links = Vec::new();
    let mut seen = Vec::with_capacity(n + n / 100 + 1);
    let mut follow_ups = Vec::with_capacity(n);
    for i in 0..n {
        let first_seen = person(first.id, place, i, datetime!(2025-12-01 10:00 UTC));
        let mut registration = first_seen.id;
        seen.push(first_seen);
        if i % 100 == 0 {
            let again = person(second.id, place, i, datetime!(2025-12-20 10:00 UTC));
            links.push((again.id, registration));
            registration = again.id;
            seen.push(again);
        }
        let due = date!(2026 - 01 - 01) + Duration::days(i64::try_from(i % 365).unwrap());
        follow_ups.push((
            uuid::Uuid::now_v7(),
            FollowUp {
                registration,
                recorded_at: datetime!(2025-12-20 12:00 UTC),
                health: None,
                family_contact_wanted: false,
                family_contact: None,
                messages: Vec::new(),
                next_visit_due: Some(due),
                reprisals_reported: None,
                recorded_by: "bench".into(),
            },
        ));
    }
    let mut batch = store.begin_field_batch(&scope).await.unwrap();
    batch.visit(&first).await.unwrap();
    batch.visit(&second).await.unwrap();
    if one_by_one {
        for s in &seen {
            batch.registration(s).await.unwrap();
        }
        phases.push(("registrations", cpu_seconds()));
        for (id, f) in &follow_ups {
            batch.follow_up(*id, f).await.unwrap();
        }
    } else {
        assert!(
            batch
                .registrations(&seen)
                .await
                .unwrap()
                .iter()
                .all(|new| *new)
        );
        phases.push(("registrations", cpu_seconds()));
        assert!(
            batch
                .follow_ups(&follow_ups)
                .await
                .unwrap()
                .iter()
                .all(|new| *new)
        );
    }
    phases.push(("follow-ups", cpu_seconds()));
    batch.commit().await.unwrap();
    phases.push(("commit", cpu_seconds()));
    for (registration, person) in &links {
        store
            .link_registration(&scope, *registration, *person)
            .await
            .unwrap();
    }
    phases.push(("links", cpu_seconds()));
    let mut before = cpu_loading;
    let steps: Vec<String> = phases
        .iter()
        .map(|(step, at)| {
            let spent = at - before;
            before = *at;
            format!("{step} {spent:.1} s")
        })
        .collect();
    println!("{backend}: load CPU by step: {}", steps.join(", "));
    println!(
        "{backend}: loaded {n} persons, {} registrations, {n} follow-ups ({}), {} links in {:.1} s (process CPU {:.1} s)",
        n + links.len(),
        if one_by_one { "one by one" } else { "bulk" },
        links.len(),
        loading.elapsed().as_secs_f64(),
        cpu_seconds() - cpu_loading
    );

    for day in [date!(2026 - 01 - 10), date!(2026 - 12 - 31)] {
        // The rule in Rust over every row (what the list did before it ran in SQL): the check.
        let cpu_before = cpu_seconds();
        let started = Instant::now();
        let persons = store.followed_persons(&scope).await.unwrap();
        let marks = store.due_marks(&scope).await.unwrap();
        let scan = domain::protection::overdue(&persons, &marks, day);
        let scan_time = started.elapsed();
        let cpu_scan = cpu_seconds();
        // The rule in SQL: the whole list, the count, and one page of 100 (the second).
        let started = Instant::now();
        let all = store.overdue_follow_ups(&scope, day).await.unwrap();
        let all_time = started.elapsed();
        let cpu_all = cpu_seconds();
        assert_eq!(all, scan, "the SQL list differs from the scan on {day}");
        let started = Instant::now();
        let count = store.overdue_count(&scope, day).await.unwrap();
        let count_time = started.elapsed();
        let cpu_count = cpu_seconds();
        assert_eq!(count, scan.len());
        // What the page and the API read: one page of 100, its total, and the names of its
        // persons only.
        let started = Instant::now();
        let (page, total) = store
            .overdue_follow_ups_page(&scope, day, 100, 100)
            .await
            .unwrap();
        let last: Vec<RegistrationId> = page.iter().map(|o| o.last_seen.registration).collect();
        let names = store.registrations_by_id(&scope, &last).await.unwrap();
        let page_time = started.elapsed();
        let cpu_page = cpu_seconds();
        assert_eq!(total, scan.len());
        assert_eq!(page.as_slice(), &scan[100.min(total)..200.min(total)]);
        assert_eq!(names.len(), page.len());
        println!(
            "{backend}: on {day}, {} due: Rust scan {:.0} ms (CPU {:.2} s); SQL: all due {:.0} ms (CPU {:.2} s), count {:.0} ms (CPU {:.2} s), one page of 100 with its total and names {:.0} ms (CPU {:.2} s)",
            scan.len(),
            scan_time.as_secs_f64() * 1e3,
            cpu_scan - cpu_before,
            all_time.as_secs_f64() * 1e3,
            cpu_all - cpu_scan,
            count_time.as_secs_f64() * 1e3,
            cpu_count - cpu_all,
            page_time.as_secs_f64() * 1e3,
            cpu_page - cpu_count,
        );
    }
    if std::env::var_os("WHEREABOUTS_BENCH_EXPLAIN").is_some() {
        let day = date!(2026 - 12 - 31);
        println!("{backend}: the plan of one page of 100 (offset 100) on {day}:");
        for line in store
            .explain_overdue_page(&scope, day, 100, 100)
            .await
            .unwrap()
        {
            println!("  {line}");
        }
    }
    store.close().await;
}
