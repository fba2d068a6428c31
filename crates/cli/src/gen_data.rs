//! `whereabouts gen`: deterministic synthetic data (`--seed`), written into the store or as CSV
//! lists. Every name, party and place is fictional; names follow real naming cultures so that
//! matching is exercised.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use domain::{
    AssertedValue, Confidence, FieldKey, NamePart, PartialDate, PersonName, PlaceId, Presence,
    SourceKind, Tenant, TenantId, TenantKind,
};
use store::{NewAssertion, NewEvent, NewNotification, NewPerson, NewPlace, NewSource, Store};
use synth::{Dataset, SynthPerson};
use time::OffsetDateTime;

use crate::config::Locations;

#[derive(Args)]
pub struct GenArgs {
    /// The same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Persons held by each of the two parties' bureaus.
    #[arg(long, default_value_t = 1000)]
    pub persons: usize,
    /// Write each bureau's list as CSV into this directory instead of filling the database.
    #[arg(long, value_name = "DIR")]
    pub csv_dir: Option<PathBuf>,
    /// The moment the data describes (RFC 3339); defaults to now. Fixing it makes the CSV
    /// byte-identical across runs.
    #[arg(long)]
    pub now: Option<String>,
    #[command(subcommand)]
    pub what: Option<GenWhat>,
}

/// Other data sets `gen` writes.
#[derive(clap::Subcommand)]
pub enum GenWhat {
    /// Record-linkage benchmark data as CSV: records, left/right lists, truth, corruption log and
    /// tracing queries (bench/matching).
    Linkage(crate::gen_linkage::LinkageArgs),
}

pub async fn run(locations: &Locations, args: GenArgs) -> anyhow::Result<ExitCode> {
    if let Some(GenWhat::Linkage(linkage)) = &args.what {
        return crate::gen_linkage::run(linkage);
    }
    let now = match &args.now {
        Some(text) => OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .with_context(|| format!("--now {text:?} is not an RFC 3339 time"))?,
        None => OffsetDateTime::now_utc(),
    };
    let started = Instant::now();
    let dataset = synth::generate(&synth::Config {
        seed: args.seed,
        persons_per_party: args.persons,
        now,
    });
    if let Some(dir) = &args.csv_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for bureau in &dataset.bureaus {
            let path = dir.join(format!("{}.csv", bureau.slug));
            let file = std::fs::File::create(&path)
                .with_context(|| format!("creating {}", path.display()))?;
            synth::write_persons_csv(bureau, std::io::BufWriter::new(file))?;
            println!("{}: {} persons", path.display(), bureau.persons.len());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let store = locations.open().await?;
    let summary = load(&store, &dataset, args.seed).await?;
    store.close().await;
    println!(
        "generated {} persons in {} bureaus (seed {}) in {:.1} s",
        summary.persons,
        dataset.bureaus.len(),
        args.seed,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

pub struct Summary {
    pub persons: usize,
    pub tenants: Vec<Tenant>,
}

/// Fills the store with a data set: the conflict, the parties and their roles, one tenant per
/// bureau plus the agency, places, persons with events, and notifications.
pub async fn load(store: &Store, dataset: &Dataset, seed: u64) -> anyhow::Result<Summary> {
    store.create_conflict(&dataset.conflict).await?;
    for party in &dataset.parties {
        store.create_party(party).await?;
    }
    for assignment in &dataset.role_assignments {
        store.assign_role(assignment).await?;
    }
    let agency = Tenant {
        id: TenantId::new(),
        slug: "agency".into(),
        name: "Central Tracing Agency".into(),
        kind: TenantKind::Agency,
        party: None,
    };
    store
        .create_tenant(&agency)
        .await
        .context("creating the agency tenant (is the database already filled?)")?;
    let mut tenants = vec![agency];
    let mut persons = 0;
    let progress =
        indicatif::ProgressBar::new(dataset.bureaus.iter().map(|b| b.persons.len() as u64).sum());
    for bureau in &dataset.bureaus {
        let party = &dataset.parties[bureau.party_index];
        let tenant = Tenant {
            id: TenantId::new(),
            slug: bureau.slug.clone(),
            name: bureau.name.clone(),
            kind: TenantKind::PartyBureau,
            party: Some(party.id),
        };
        store.create_tenant(&tenant).await?;
        let scope = store.operator_scope(&tenant, "synthetic-generator");
        let source = store
            .record_source(
                &scope,
                &NewSource {
                    kind: SourceKind::Synthetic,
                    reference: format!("whereabouts gen --seed {seed}: synthetic, fictional data"),
                    collected_by: "synthetic-generator".into(),
                    collected_at: OffsetDateTime::now_utc(),
                    language: None,
                    script: None,
                    confidence: Confidence::MEDIUM,
                },
            )
            .await?;
        let mut places: Vec<PlaceId> = Vec::with_capacity(bureau.places.len());
        for place in &bureau.places {
            let id = store
                .create_place(
                    &scope,
                    &NewPlace {
                        controlling_party: party.id,
                        kind: place.kind,
                        name: place.name.clone(),
                        parent: None,
                        postal_address: place.postal_address.clone(),
                    },
                )
                .await?;
            places.push(id);
        }
        let mut batch = store.begin_import(&scope, source).await?;
        for chunk in bureau.persons.chunks(2000) {
            let people: Vec<NewPerson> = chunk
                .iter()
                .map(|p| to_new_person(p, &places))
                .collect::<anyhow::Result<_>>()?;
            batch.insert(&people).await?;
            progress.inc(chunk.len() as u64);
        }
        persons += batch.commit().await?;

        // Notifications answer events, which now have their stored identifiers.
        let facts = store.tenant_facts(&scope).await?;
        let by_reference: HashMap<&str, &store::PersonFacts> =
            facts.iter().map(|f| (f.reference.as_str(), f)).collect();
        let mut notifications = Vec::new();
        for person in &bureau.persons {
            let Some(stored) = by_reference.get(person.reference.as_str()) else {
                continue;
            };
            for notification in &person.notifications {
                let event = &person.events[notification.event_index];
                let trigger = stored
                    .events
                    .iter()
                    .find(|e| e.kind == event.kind && e.occurred_at == event.at)
                    .map(|e| e.id);
                notifications.push(NewNotification {
                    person: stored.person,
                    rule: notification.rule,
                    trigger_event: trigger,
                    channel: notification.channel,
                    kind: notification.kind,
                    sent_at: notification.at,
                    reference: format!("synthetic {} {}", notification.rule, notification.channel),
                });
            }
        }
        store
            .record_notifications(&scope, source, &notifications)
            .await?;
        tenants.push(tenant);
    }
    progress.finish_and_clear();
    copy_to_agency(store, dataset, &tenants[0], seed).await?;
    Ok(Summary { persons, tenants })
}

/// What the bureaus would have sent: every bureau's persons, as the agency holds them (issue 5
/// builds the real transmissions). Names, dates and identifiers only; events happen at the
/// bureaus' places, which the agency does not hold, so they stay with the bureaus. The tracing
/// pages then find these records from the demo's agency accounts.
async fn copy_to_agency(
    store: &Store,
    dataset: &Dataset,
    agency: &Tenant,
    seed: u64,
) -> anyhow::Result<()> {
    let scope = store.operator_scope(agency, "synthetic-generator");
    for bureau in &dataset.bureaus {
        let mut batch = store
            .begin_import_from(
                &scope,
                &NewSource {
                    kind: SourceKind::BureauList,
                    reference: format!(
                        "list notified by {} (whereabouts gen --seed {seed}: synthetic, fictional data)",
                        bureau.name
                    ),
                    collected_by: "synthetic-generator".into(),
                    collected_at: OffsetDateTime::now_utc(),
                    language: None,
                    script: None,
                    confidence: Confidence::MEDIUM,
                },
            )
            .await?;
        for chunk in bureau.persons.chunks(2000) {
            let people: Vec<NewPerson> = chunk
                .iter()
                .map(|p| {
                    to_new_person(p, &[]).map(|mut person| {
                        person.events.clear();
                        person
                    })
                })
                .collect::<anyhow::Result<_>>()?;
            batch.insert(&people).await?;
        }
        batch.commit().await?;
    }
    Ok(())
}

fn to_new_person(person: &SynthPerson, places: &[PlaceId]) -> anyhow::Result<NewPerson> {
    let locator = format!("synthetic person {}", person.reference);
    let mut assertions = Vec::with_capacity(12);
    let parts = person
        .parts
        .iter()
        .map(|(kind, value)| NamePart::new(*kind, value, Some(person.name_language.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let name = PersonName::new(parts)?;
    let mut push = |field: FieldKey, value: Presence<AssertedValue>| {
        assertions.push(NewAssertion {
            field,
            value,
            locator: locator.clone(),
        })
    };
    push(FieldKey::Name, Presence::Present(AssertedValue::Name(name)));
    push(
        FieldKey::Sex,
        Presence::Present(AssertedValue::Sex(person.sex)),
    );
    if let Some(text) = &person.birth_date {
        let date =
            PartialDate::parse(text).map_err(|e| anyhow::anyhow!("{}: {e}", person.reference))?;
        push(
            FieldKey::BirthDate,
            Presence::Present(AssertedValue::Date(date)),
        );
    }
    if let Some(code) = &person.nationality {
        push(
            FieldKey::Nationality,
            Presence::Present(AssertedValue::Country(code.clone())),
        );
    }
    let texts = [
        (FieldKey::BirthPlace, &person.birth_place),
        (FieldKey::FatherName, &person.father_name),
        (FieldKey::MotherName, &person.mother_name),
        (FieldKey::ServiceNumber, &person.service_number),
        (FieldKey::Rank, &person.rank),
        (FieldKey::Unit, &person.unit),
        (FieldKey::PersonToInform, &person.person_to_inform),
        (FieldKey::Address, &person.address),
    ];
    for (field, value) in texts {
        if let Some(value) = value {
            push(field, Presence::Present(AssertedValue::Text(value.clone())));
        }
    }
    for (field, reason) in &person.absences {
        push(*field, Presence::Absent(*reason));
    }
    let events = person
        .events
        .iter()
        .map(|event| NewEvent {
            kind: event.kind,
            occurred_at: event.at,
            place: event.place.and_then(|i| places.get(i).copied()),
            place_to: event.place_to.and_then(|i| places.get(i).copied()),
            locator: locator.clone(),
            note: None,
        })
        .collect();
    Ok(NewPerson {
        reference: person.reference.clone(),
        category: person.category,
        assertions,
        events,
    })
}
