//! `whereabouts`: the command-line tool and server of the Geneva Conventions' information system.
#![forbid(unsafe_code)]

mod backup;
mod config;
mod demo_links;
mod demo_tracing;
mod enquiry;
mod export;
#[cfg(test)]
mod fuzz_corpus;
mod gen_data;
mod gen_linkage;
mod import;
mod linkage;
mod protection;
mod security;
mod setup;
mod sheet;
mod token;
mod transmit;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Locations;

/// mimalloc instead of glibc's malloc: building the search index of a million records (millions
/// of small posting lists growing one push at a time) took 31 s of CPU with glibc, 40% of it in
/// realloc and free, against 17.5 s; queries after it ran 1.6× faster and the first query no
/// longer paid 140 ms for glibc sorting the freed chunks (perf on `examples/stages.rs search`,
/// bench/README.md "1M search: candidate ranking and allocator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "whereabouts",
    version,
    about = "The information system of the Geneva Conventions: registers persons in a party's power, tracks what happens to them and what is owed, so that nobody disappears."
)]
struct Cli {
    /// Where the embedded database and other files live.
    #[arg(
        long,
        global = true,
        env = "WHEREABOUTS_DATA_DIR",
        default_value = "data"
    )]
    data_dir: PathBuf,
    /// `sqlite:///path/file.db` or `postgres://user@host/db`. Defaults to the SQLite file
    /// `whereabouts.db` in the data directory. A bare path is refused as ambiguous.
    #[arg(
        long,
        global = true,
        env = "WHEREABOUTS_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the data directory, the database and the first administrator.
    Init(setup::InitArgs),
    /// Add a tenant: a party's bureau, the agency or the protection unit.
    #[command(subcommand)]
    Tenant(setup::TenantCommand),
    /// Add a user to a tenant.
    #[command(subcommand)]
    User(setup::UserCommand),
    /// Serve the web application.
    Serve(setup::ServeArgs),
    /// Issue an API token for a tenant, as the operator (shown once; docs/web.md).
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Import a party's list.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Export a tenant's persons in the import format.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Generate deterministic synthetic data: into the database, or as CSV lists.
    Gen(gen_data::GenArgs),
    /// Start a fresh demo: an embedded store with synthetic data, then the server.
    Demo(setup::DemoArgs),
    /// Link two person-record files: `left_id,right_id,score` (docs/matching.md).
    Link(linkage::LinkArgs),
    /// Deduplicate a person-record file: `id,cluster_id` (docs/matching.md).
    Dedupe(linkage::DedupeArgs),
    /// Search person records for one person, or run a batch of queries (docs/matching.md).
    Search(linkage::SearchArgs),
    /// Signing keys for transmissions, and the peers' pinned keys (docs/transmissions.md).
    #[command(subcommand)]
    Keys(transmit::KeysCommand),
    /// Write a signed, encrypted bundle of new capture cards for a peer (docs/transmissions.md).
    Transmit(transmit::TransmitArgs),
    /// A consistent snapshot, encrypted to the offline recovery key; `backup keygen` makes the
    /// key pair (docs/security.md).
    Backup(backup::BackupArgs),
    /// Verify a backup and restore it into a new database (docs/security.md).
    Restore(backup::RestoreArgs),
    /// Data subject rights: export everything about a person, restrict processing (docs/security.md).
    #[command(subcommand)]
    Subject(security::SubjectCommand),
    /// Retention schedules that archive, never delete (docs/security.md).
    #[command(subcommand)]
    Retention(security::RetentionCommand),
    /// The tamper-evident audit log: verify, alerts, checkpoint, log (docs/security.md).
    #[command(subcommand)]
    Audit(security::AuditCommand),
    /// Verify and apply a bundle, and write a signed acknowledgement (docs/transmissions.md).
    Receive(transmit::ReceiveArgs),
    /// Keep a peer's signed acknowledgement of a bundle (docs/transmissions.md).
    Receipt(transmit::ReceiptArgs),
    /// Where peers are reached and what they receive; push to them now (docs/transmissions.md).
    #[command(subcommand)]
    Peer(transmit::PeerCommand),
    /// The agency forwards to a power of origin what the conventions allow (docs/transmissions.md).
    Forward(transmit::ForwardArgs),
    /// Flag a person's information as detrimental to transmit to the power of origin (GC IV 137).
    Detriment(transmit::DetrimentArgs),
    /// Per rule and channel: due, sent, acknowledged, late (docs/transmissions.md).
    Compliance(transmit::ComplianceArgs),
    /// Enquiries: the agency asks a bureau, the bureau answers (docs/transmissions.md).
    #[command(subcommand)]
    Enquiry(enquiry::EnquiryCommand),
    /// Lists of persons a bureau draws up and sends (docs/transmissions.md).
    #[command(subcommand)]
    List(enquiry::ListCommand),
    /// Detention visits: places, visit reports, offline bundles, alerts (docs/protection.md).
    #[command(subcommand)]
    Visit(protection::VisitCommand),
    /// Evidence files and links under a chain of custody; `verify` (docs/protection.md).
    #[command(subcommand)]
    Evidence(protection::EvidenceCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WHEREABOUTS_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("warn,whereabouts=info,web=info")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let locations = Locations::new(cli.data_dir, cli.database_url);
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Init(args) => setup::init(&locations, args).await,
            Command::Tenant(command) => setup::tenant(&locations, command).await,
            Command::User(command) => setup::user(&locations, command).await,
            Command::Serve(args) => setup::serve(&locations, args).await,
            Command::Token(command) => token::run(&locations, command).await,
            Command::Import(command) => import::run(&locations, command).await,
            Command::Export(command) => export::run(&locations, command).await,
            Command::Gen(args) => gen_data::run(&locations, args).await,
            Command::Demo(args) => setup::demo(&locations, args).await,
            Command::Link(args) => linkage::link(args),
            Command::Dedupe(args) => linkage::dedupe(args),
            Command::Search(args) => linkage::search(args),
            Command::Keys(command) => transmit::keys(&locations, command).await,
            Command::Transmit(args) => transmit::send(&locations, args).await,
            Command::Receive(args) => transmit::receive(&locations, args).await,
            Command::Audit(command) => security::audit(&locations, command).await,
            Command::Subject(command) => security::subject(&locations, command).await,
            Command::Retention(command) => security::retention(&locations, command).await,
            Command::Backup(args) => backup::backup(&locations, args).await,
            Command::Restore(args) => backup::restore(&locations, args).await,
            Command::Receipt(args) => transmit::receipt(&locations, args).await,
            Command::Peer(command) => transmit::peer(&locations, command).await,
            Command::Forward(args) => transmit::forward(&locations, args).await,
            Command::Detriment(args) => transmit::detriment(&locations, args).await,
            Command::Compliance(args) => transmit::compliance(&locations, args).await,
            Command::Enquiry(command) => enquiry::enquiry(&locations, command).await,
            Command::List(command) => enquiry::list(&locations, command).await,
            Command::Visit(command) => protection::visit(&locations, command).await,
            Command::Evidence(command) => protection::evidence(&locations, command).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
