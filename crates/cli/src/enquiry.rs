//! `whereabouts enquiry` and `whereabouts list` (issue 5; GC3-122-g, GC4-137-a; GC3-46-a,
//! GC4-127): the agency asks a bureau, the bureau answers, a bureau draws up lists. Each waits
//! for the next envelope to the peer (`transmit`, or the server's sender loop).

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use store::{EnquiryDirection, NewEnquiry, NewList};

use crate::config::Locations;
use crate::transmit::open;

#[derive(Subcommand)]
pub enum EnquiryCommand {
    /// The agency asks a bureau about a person it holds or a family's tracing request.
    Ask(AskArgs),
    /// Enquiries asked or received, with their answers and targets.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// A bureau answers an enquiry it received.
    Answer(AnswerArgs),
    /// The agency closes an enquiry it asked: answered (by other means) or withdrawn, with a
    /// reason; it is no longer owed in the compliance view.
    Close(CloseArgs),
}

#[derive(Args)]
pub struct CloseArgs {
    #[arg(long)]
    tenant: String,
    /// The enquiry's reference (`ENQ-…`, as `enquiry list` shows it).
    enquiry: String,
    /// `answered` (by other means) or `withdrawn`.
    #[arg(long)]
    outcome: String,
    #[arg(long)]
    reason: String,
}

#[derive(Args)]
pub struct AskArgs {
    #[arg(long)]
    tenant: String,
    /// The bureau asked (a peer).
    #[arg(long)]
    to: String,
    /// The person's reference in this tenant, e.g. `bureau-a:A-2`.
    #[arg(long, conflicts_with = "tracing")]
    person: Option<String>,
    /// A tracing request's reference: its sought particulars travel, never the enquirer.
    #[arg(long)]
    tracing: Option<String>,
    #[arg(long)]
    question: String,
    /// The target for the answer, in days (the conventions set none; 14 by default).
    #[arg(long)]
    due_days: Option<i64>,
}

#[derive(Args)]
pub struct AnswerArgs {
    #[arg(long)]
    tenant: String,
    /// The enquiry's reference (`ENQ-…`, as `enquiry list` shows it).
    enquiry: String,
    #[arg(long)]
    answer: String,
    /// A person the answer concerns, by this bureau's reference; repeatable.
    #[arg(long = "person")]
    persons: Vec<String>,
}

pub async fn enquiry(locations: &Locations, command: EnquiryCommand) -> anyhow::Result<ExitCode> {
    match command {
        EnquiryCommand::Ask(args) => {
            let (store, _, scope) = open(locations, &args.tenant).await?;
            let person = match &args.person {
                Some(reference) => Some(
                    store
                        .person_id_by_reference(&scope, reference)
                        .await
                        .with_context(|| format!("no person with reference {reference:?}"))?,
                ),
                None => None,
            };
            let tracing_request = match &args.tracing {
                Some(reference) => Some(
                    store
                        .tracing_requests(&scope, 100_000)
                        .await?
                        .into_iter()
                        .find(|r| &r.request.reference == reference)
                        .map(|r| r.id)
                        .with_context(|| format!("no tracing request {reference:?}"))?,
                ),
                None => None,
            };
            if let Some(days) = args.due_days
                && !(1..=365).contains(&days)
            {
                anyhow::bail!("--due-days {days}: a number of days from 1 to 365");
            }
            let record = store
                .ask_enquiry(
                    &scope,
                    &NewEnquiry {
                        peer: args.to.clone(),
                        person,
                        tracing_request,
                        question: args.question,
                        due_at: args
                            .due_days
                            .map(|d| time::OffsetDateTime::now_utc() + time::Duration::days(d)),
                    },
                )
                .await?;
            println!(
                "enquiry {} to {}, answer wanted by {}; it goes with the next envelope to {}",
                record.reference, record.peer, record.due_at, record.peer
            );
        }
        EnquiryCommand::List { tenant } => {
            let (store, _, scope) = open(locations, &tenant).await?;
            let now = time::OffsetDateTime::now_utc();
            for enquiry in store.enquiries(&scope).await? {
                let state = web::transmission::messages::EnquiryState::of(&enquiry, now);
                println!(
                    "{} {} {} {}: {} (target {}){}",
                    enquiry.reference,
                    enquiry.direction.code(),
                    if enquiry.direction == EnquiryDirection::Asked {
                        "of"
                    } else {
                        "from"
                    },
                    enquiry.peer,
                    state.label(),
                    enquiry.due_at,
                    enquiry
                        .subject_reference
                        .as_deref()
                        .map(|r| format!(", about {r}"))
                        .unwrap_or_default()
                );
                println!("  question: {}", enquiry.question);
                if let Some(closure) = &enquiry.closure {
                    println!(
                        "  closed as {}{} by {} at {}: {}",
                        closure.outcome.code(),
                        // GC3-122-g: withdrawn by the agency that asked (migration 0019).
                        if closure.received {
                            format!(" (received from {})", enquiry.peer)
                        } else {
                            String::new()
                        },
                        closure.closed_by,
                        closure.closed_at,
                        closure.reason
                    );
                }
                for answer in &enquiry.answers {
                    println!(
                        "  answer {} by {} at {}: {}{}",
                        answer.reference,
                        answer.answered_by,
                        answer.answered_at,
                        answer.answer,
                        if answer.persons.is_empty() {
                            String::new()
                        } else {
                            format!(" (persons {})", answer.persons.join(", "))
                        }
                    );
                }
            }
            // Withdrawals read before their enquiry (migration 0021): each closes its enquiry
            // when it arrives (GC3-122-g).
            for held in store.parked_withdrawals(&scope).await? {
                println!(
                    "{} withdrawal held from {}: the enquiry has not arrived (withdrawn by {} at {})",
                    held.reference, held.peer, held.closed_by, held.closed_at
                );
            }
        }
        EnquiryCommand::Answer(args) => {
            let (store, _, scope) = open(locations, &args.tenant).await?;
            let enquiry = store
                .enquiries(&scope)
                .await?
                .into_iter()
                .find(|e| e.reference == args.enquiry && e.direction == EnquiryDirection::Received)
                .with_context(|| format!("no enquiry {:?} received here", args.enquiry))?;
            let answer = store
                .answer_enquiry(&scope, enquiry.id, &args.answer, &args.persons)
                .await?;
            println!(
                "answer {} to {}; it goes with the next envelope to {}",
                answer.reference, enquiry.reference, enquiry.peer
            );
        }
        EnquiryCommand::Close(args) => {
            let (store, _, scope) = open(locations, &args.tenant).await?;
            let outcome = store::ClosureOutcome::parse(args.outcome.trim())
                .map_err(|e| anyhow::anyhow!("--outcome: {e}"))?;
            let enquiry = store
                .enquiries(&scope)
                .await?
                .into_iter()
                .find(|e| e.reference == args.enquiry && e.direction == EnquiryDirection::Asked)
                .with_context(|| format!("no enquiry {:?} asked here", args.enquiry))?;
            store
                .close_enquiry(&scope, enquiry.id, outcome, &args.reason)
                .await?;
            println!(
                "enquiry {} closed as {}; it is no longer owed",
                enquiry.reference,
                outcome.code()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum ListCommand {
    /// A bureau draws up a list of its persons; it goes with the next envelope to each peer.
    Draw(DrawArgs),
    /// Lists drawn up here or received.
    Show {
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Args)]
pub struct DrawArgs {
    #[arg(long)]
    tenant: String,
    /// The title (with `--from-records`, made from the choices when absent).
    #[arg(long, required_unless_present = "from_records")]
    title: Option<String>,
    /// The rule the list meets, e.g. GC3-46-a (transferred persons).
    #[arg(long, conflicts_with = "from_records")]
    rule: Option<String>,
    /// A person's reference; repeatable, in the list's order.
    #[arg(long = "person", required_unless_present = "from_records")]
    persons: Vec<String>,
    /// Draw the list from the records instead: `transferred` (to `--place`, GC3-46-a),
    /// `arrived` (at `--place`, GC3-20-a), `released` (or repatriated), `repatriated`, `died`.
    #[arg(long, conflicts_with = "persons")]
    from_records: Option<String>,
    /// The place (its name or id): a transfer's destination.
    #[arg(long, requires = "from_records")]
    place: Option<String>,
    /// The period's first day, YYYY-MM-DD.
    #[arg(long, requires = "from_records")]
    from: Option<String>,
    /// The period's last day, YYYY-MM-DD.
    #[arg(long, requires = "from_records")]
    until: Option<String>,
}

pub async fn list(locations: &Locations, command: ListCommand) -> anyhow::Result<ExitCode> {
    match command {
        ListCommand::Draw(args) => {
            let (store, _, scope) = open(locations, &args.tenant).await?;
            if let Some(list) = args.from_records {
                let input = web::transmission::lists::DeriveInput {
                    list,
                    place: args.place.unwrap_or_default(),
                    from: args.from.unwrap_or_default(),
                    until: args.until.unwrap_or_default(),
                    title: args.title.unwrap_or_default(),
                };
                let list = match web::transmission::lists::derive(&store, &scope, &input).await? {
                    Ok(list) => list,
                    Err(errors) => {
                        for (field, message) in errors {
                            eprintln!("error: --{}: {message}", field.replace('_', "-"));
                        }
                        return Ok(ExitCode::FAILURE);
                    }
                };
                println!(
                    "list {} \"{}\" ({}) of {} person(s) drawn from the records; it goes with the next envelope to each peer",
                    list.reference,
                    list.title,
                    list.rule.as_deref().unwrap_or_default(),
                    list.persons.len()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let found = store.persons_by_reference(&scope, &args.persons).await?;
            let mut persons = Vec::with_capacity(args.persons.len());
            for (i, reference) in args.persons.iter().enumerate() {
                persons.push(*found.get(reference).with_context(|| {
                    format!("row {}: no person with reference {reference:?}", i + 1)
                })?);
            }
            let list = store
                .draw_list(
                    &scope,
                    &NewList {
                        title: args.title.unwrap_or_default(),
                        rule: args.rule,
                        persons,
                    },
                )
                .await?;
            println!(
                "list {} of {} person(s); it goes with the next envelope to each peer",
                list.reference,
                list.persons.len()
            );
        }
        ListCommand::Show { tenant } => {
            let (store, _, scope) = open(locations, &tenant).await?;
            let lists = store.lists(&scope).await?;
            let mut ids: Vec<domain::PersonId> =
                lists.iter().flat_map(|l| l.persons.clone()).collect();
            ids.sort_unstable();
            ids.dedup();
            let references: std::collections::HashMap<_, _> = store
                .person_records(&scope, &ids)
                .await?
                .into_iter()
                .map(|r| (r.person.id, r.person.reference))
                .collect();
            for list in lists {
                println!(
                    "{} {}{}: {} ({}, {} person(s))",
                    list.reference,
                    if list.drawn {
                        "drawn"
                    } else {
                        "received from "
                    },
                    list.peer,
                    list.title,
                    list.rule.as_deref().unwrap_or("no rule"),
                    list.persons.len(),
                );
                let rows: Vec<String> = list
                    .persons
                    .iter()
                    .map(|p| references.get(p).cloned().unwrap_or_default())
                    .collect();
                println!("  {}", rows.join(", "));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
