//! The follow-ups-due list at scale (issue 6, ICRC-VIS-d; `bench/overdue.sh`): loads N persons
//! seen, each with one follow-up whose next visit is due on a day spread over 2026 (one person in
//! a hundred seen again on a later visit and linked), then times the full scan (every person, every
//! follow-up, `domain::protection::overdue`) and the indexed query
//! (`Store::overdue_follow_ups`, migration 0017) on an early day (few due) and on the last day
//! (all due), and checks that both answer the same.
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

    let loading = Instant::now();
    let cpu_loading = cpu_seconds();
    let mut links = Vec::new();
    let mut batch = store.begin_field_batch(&scope).await.unwrap();
    batch.visit(&first).await.unwrap();
    batch.visit(&second).await.unwrap();
    for i in 0..n {
        let seen = person(first.id, place, i, datetime!(2025-12-01 10:00 UTC));
        batch.registration(&seen).await.unwrap();
        let mut registration = seen.id;
        if i % 100 == 0 {
            let again = person(second.id, place, i, datetime!(2025-12-20 10:00 UTC));
            batch.registration(&again).await.unwrap();
            links.push((again.id, seen.id));
            registration = again.id;
        }
        let due = date!(2026 - 01 - 01) + Duration::days(i64::try_from(i % 365).unwrap());
        let follow_up = FollowUp {
            registration,
            recorded_at: datetime!(2025-12-20 12:00 UTC),
            health: None,
            family_contact_wanted: false,
            family_contact: None,
            messages: Vec::new(),
            next_visit_due: Some(due),
            reprisals_reported: None,
            recorded_by: "bench".into(),
        };
        batch
            .follow_up(uuid::Uuid::now_v7(), &follow_up)
            .await
            .unwrap();
    }
    batch.commit().await.unwrap();
    for (registration, person) in &links {
        store
            .link_registration(&scope, *registration, *person)
            .await
            .unwrap();
    }
    println!(
        "{backend}: loaded {n} persons, {} registrations, {n} follow-ups, {} links in {:.1} s (process CPU {:.1} s)",
        n + links.len(),
        links.len(),
        loading.elapsed().as_secs_f64(),
        cpu_seconds() - cpu_loading
    );

    for day in [date!(2026 - 01 - 10), date!(2026 - 12 - 31)] {
        let cpu_before = cpu_seconds();
        let started = Instant::now();
        let persons = store.followed_persons(&scope).await.unwrap();
        let marks = store.due_marks(&scope).await.unwrap();
        let read = started.elapsed();
        let domain_started = Instant::now();
        let scan = domain::protection::overdue(&persons, &marks, day);
        let domain_time = domain_started.elapsed();
        let scan_time = started.elapsed();
        let started = Instant::now();
        let indexed = store.overdue_follow_ups(&scope, day).await.unwrap();
        let indexed_time = started.elapsed();
        let cpu_indexed = cpu_seconds();
        assert_eq!(
            indexed, scan,
            "the indexed list differs from the scan on {day}"
        );
        // What the page and the API read: one page of 100 and the names of its persons only.
        let started = Instant::now();
        let (page, total) = store
            .overdue_follow_ups_page(&scope, day, 100, 100)
            .await
            .unwrap();
        let last: Vec<RegistrationId> = page.iter().map(|o| o.last_seen.registration).collect();
        let names = store.registrations_by_id(&scope, &last).await.unwrap();
        let page_time = started.elapsed();
        let cpu_page = cpu_seconds();
        assert_eq!(total, indexed.len());
        assert_eq!(page.as_slice(), &indexed[100.min(total)..200.min(total)]);
        assert_eq!(names.len(), page.len());
        println!(
            "{backend}: on {day}, {} due: full scan {:.0} ms (read {:.0} ms, domain overdue {:.1} ms); indexed {:.0} ms; one page of 100 with names {:.0} ms (process CPU: scan + indexed {:.2} s, page {:.2} s)",
            indexed.len(),
            scan_time.as_secs_f64() * 1e3,
            read.as_secs_f64() * 1e3,
            domain_time.as_secs_f64() * 1e3,
            indexed_time.as_secs_f64() * 1e3,
            page_time.as_secs_f64() * 1e3,
            cpu_indexed - cpu_before,
            cpu_page - cpu_indexed,
        );
    }
    store.close().await;
}
