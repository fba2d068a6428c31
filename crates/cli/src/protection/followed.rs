//! The person as the unit follows them (issue 6, ICRC-VIS-d) on the command line: `whereabouts
//! visit due` lists the persons whose next visit is due or overdue, and the demo's earlier
//! visit shows a person seen on two visits and one overdue follow-up.

use anyhow::Context;
use domain::protection::{FollowUp, PersonSeen, Visit, VisitingBody};
use domain::{PlaceId, RegistrationId, VisitId};
use store::{AuditAction, AuditEntry, Store, TenantScope};
use time::{Date, Duration, OffsetDateTime};

/// Prints the persons whose next visit is due on `on` (default today) or before, with why.
pub(super) async fn print_due(
    store: &Store,
    scope: &TenantScope,
    on: Option<&str>,
) -> anyhow::Result<()> {
    let on = match on {
        None => OffsetDateTime::now_utc().date(),
        Some(text) => Date::parse(
            text.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| anyhow::anyhow!("--on: {text:?} is not a day (YYYY-MM-DD)"))?,
    };
    let due = store.overdue_follow_ups(scope, on).await?;
    store
        .audit(
            scope,
            AuditEntry::new(AuditAction::Read, "follow-ups-due")
                .purpose("visit follow-up (cli)")
                .records(i64::try_from(due.len()).unwrap_or(i64::MAX)),
        )
        .await?;
    // Only the names of the persons due are read (the last registration of each).
    let mut names = std::collections::HashMap::new();
    let last: Vec<_> = due.iter().map(|o| o.last_seen.registration).collect();
    for chunk in last.chunks(store::REGISTRATIONS_BY_ID_MAX) {
        for seen in store.registrations_by_id(scope, chunk).await? {
            names.insert(seen.id, seen.name.display());
        }
    }
    let places = store.places(scope).await?;
    println!("follow-ups due on {on} or before: {}", due.len());
    for o in &due {
        let name = names
            .get(&o.last_seen.registration)
            .cloned()
            .unwrap_or_default();
        let place = places
            .iter()
            .find(|p| p.id == o.last_seen.place)
            .map(|p| p.name.as_str())
            .unwrap_or_default();
        println!("- person {} ({name}), last seen at {place}", o.person);
        println!("    {}", o.explain());
    }
    Ok(())
}

/// The demo's earlier visit V-DEMO-0, thirty days ago at `place`: the person held (seen again
/// on V-DEMO-1, `held`) and a third person, whose follow-up asked for a visit two weeks later
/// that has not happened. The V-DEMO-1 registration is linked to the earlier one.
pub(super) async fn demo(
    store: &Store,
    scope: &TenantScope,
    place: PlaceId,
    held: RegistrationId,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let earlier = now - Duration::days(30);
    let visit = Visit {
        id: VisitId::new(),
        reference: "V-DEMO-0".into(),
        body: VisitingBody::Icrc,
        planned_start: Some(earlier.date()),
        started_at: Some(earlier),
        ended_at: Some(earlier + Duration::hours(8)),
        team: vec!["delegate".into()],
        places: vec![place],
        next_visit_planned: Some((earlier + Duration::days(14)).date()),
    };
    store.record_visit(scope, &visit).await?;
    let later = store.registration(scope, held).await?;
    let first = PersonSeen {
        id: RegistrationId::new(),
        visit: visit.id,
        seen_at: earlier + Duration::hours(1),
        ..later.clone()
    };
    let name = domain::PersonName::new(vec![
        domain::NamePart::new(domain::NamePartKind::Given, "Остап", None)?,
        domain::NamePart::new(domain::NamePartKind::Family, "Мельник", None)?,
    ])?;
    let third = PersonSeen {
        id: RegistrationId::new(),
        name,
        birth_date: Some(domain::PartialDate::parse("1988")?),
        service_number: None,
        father_name: None,
        held_since: None,
        ..first.clone()
    };
    for person in [&first, &third] {
        store.record_registration(scope, person).await?;
        store
            .record_follow_up(
                scope,
                uuid::Uuid::now_v7(),
                &FollowUp {
                    registration: person.id,
                    recorded_at: earlier + Duration::hours(3),
                    health: Some("no complaint (fictional)".into()),
                    family_contact_wanted: false,
                    family_contact: None,
                    messages: Vec::new(),
                    next_visit_due: Some((earlier + Duration::days(14)).date()),
                    reprisals_reported: None,
                    recorded_by: "delegate".into(),
                },
            )
            .await?;
    }
    store
        .link_registration(scope, later.id, first.id)
        .await
        .context("linking V-DEMO-1's registration to V-DEMO-0's")?;
    print_due(store, scope, None).await
}
