//! Setting up and running an instance: `init`, `tenant`, `user`, `serve` and `demo`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use domain::{Party, PartyId, Tenant, TenantId, TenantKind};
use store::{NewUser, Store, UserRole};

use crate::config::{Locations, create_dir};

#[derive(Args)]
pub struct InitArgs {
    /// The first administrator's username. The password comes from WHEREABOUTS_ADMIN_PASSWORD,
    /// or is generated and printed once.
    #[arg(long, default_value = "admin")]
    pub admin_username: String,
}

#[derive(Subcommand)]
pub enum TenantCommand {
    /// Add a tenant.
    Add(TenantAddArgs),
    /// List the tenants.
    List,
}

#[derive(Args)]
pub struct TenantAddArgs {
    /// A short handle: a-z, 0-9 and -, e.g. bureau-north.
    pub slug: String,
    #[arg(long)]
    pub name: String,
    /// party-bureau, agency or protection-unit.
    #[arg(long, default_value = "party-bureau")]
    pub kind: String,
    /// For a party's bureau: the party's name (created if new).
    #[arg(long)]
    pub party: Option<String>,
    /// For a party's bureau: the party's ISO 3166-1 alpha-2 code (XA–XZ for fictional ones).
    #[arg(long)]
    pub country: Option<String>,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user. The password comes from WHEREABOUTS_PASSWORD, or is generated and printed.
    Add(UserAddArgs),
    /// Forget a user's second factor (TOTP) and end their sessions; they enrol again at next
    /// sign-in. Written to the audit log.
    ResetTotp(crate::users::ResetTotpArgs),
}

#[derive(Args)]
pub struct UserAddArgs {
    pub username: String,
    /// The tenant's slug; not for a system administrator.
    #[arg(long)]
    pub tenant: Option<String>,
    /// system-admin, tenant-admin, bureau-clerk, bureau-officer, caseworker, reviewer or delegate.
    #[arg(long)]
    pub role: String,
}

#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "WHEREABOUTS_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Mark the session cookie Secure. Keep it on behind HTTPS; off only for plain HTTP on
    /// localhost.
    #[arg(long, env = "WHEREABOUTS_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,
    /// Requests per minute from one client address (0: no limit; docs/security.md).
    #[arg(
        long,
        env = "WHEREABOUTS_RATE_LIMIT_PER_ADDRESS",
        default_value_t = 1200
    )]
    pub rate_limit_per_address: u32,
    /// Requests per minute of one signed-in user or API token (0: no limit).
    #[arg(long, env = "WHEREABOUTS_RATE_LIMIT_PER_USER", default_value_t = 600)]
    pub rate_limit_per_user: u32,
    /// Seconds between rounds of the transmission sender (seal what is new for each peer with
    /// a URL, push what is unacknowledged; a peer that is down is retried with exponential
    /// backoff up to 30 minutes). 0 turns the sender off.
    #[arg(long, env = "WHEREABOUTS_PUSH_INTERVAL", default_value_t = 30)]
    pub push_interval: u64,
    /// The longest wait, in seconds, between two attempts at a peer that is down.
    #[arg(long, env = "WHEREABOUTS_PUSH_MAX_BACKOFF", default_value_t = 1800)]
    pub push_max_backoff: u64,
    /// Serve HTTPS with this certificate (PEM; the chain, the server's own first). Peers pin
    /// it with `peer set --tls-cert`; the pin is printed at start. Needs --tls-key.
    #[arg(long, env = "WHEREABOUTS_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "WHEREABOUTS_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
}

impl ServeArgs {
    fn rate_limits(&self) -> web::RateLimits {
        web::RateLimits {
            per_address: web::Limit::per_minute(self.rate_limit_per_address),
            per_principal: web::Limit::per_minute(self.rate_limit_per_user),
        }
    }
}

#[derive(Args)]
pub struct DemoArgs {
    /// Persons held by each of the two parties' bureaus.
    #[arg(long, default_value_t = 2500)]
    pub persons: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, env = "WHEREABOUTS_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

/// The name of the account running the command, for provenance.
pub fn operator_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "operator".into())
}

/// A random password of 20 characters from the operating system's generator.
fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes: Vec<u8> = (0..2)
        .flat_map(|_| uuid::Uuid::new_v4().into_bytes())
        .collect();
    bytes
        .iter()
        .filter(|b| **b < 224) // 224 = 4 × 56: keeps the choice uniform
        .take(20)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

fn password_from_env(variable: &str) -> anyhow::Result<(String, bool)> {
    match std::env::var(variable) {
        Ok(password) if password.chars().count() >= 12 => Ok((password, false)),
        Ok(_) => bail!("{variable} must hold at least 12 characters"),
        Err(_) => Ok((generate_password(), true)),
    }
}

async fn add_user(
    store: &Store,
    tenant: Option<TenantId>,
    username: &str,
    role: UserRole,
    password: &str,
) -> anyhow::Result<()> {
    let owned = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || web::hash_password(&owned))
        .await?
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let id = store
        .create_user(&NewUser {
            tenant,
            username,
            password_hash: &hash,
            role,
        })
        .await?;
    // XC-8: a role given is audited.
    store
        .audit_system(
            &format!("operator:{}", operator_name()),
            tenant,
            store::AuditEntry::new(store::AuditAction::RoleChange, format!("user:{id}"))
                .detail(format!("created with role {}", role.code())),
        )
        .await?;
    Ok(())
}

pub async fn init(locations: &Locations, args: InitArgs) -> anyhow::Result<ExitCode> {
    create_dir(&locations.data_dir)?;
    let store = locations.create().await?;
    if store.count_users().await? > 0 {
        bail!("already initialised: this database has users");
    }
    let (password, generated) = password_from_env("WHEREABOUTS_ADMIN_PASSWORD")?;
    add_user(
        &store,
        None,
        &args.admin_username,
        UserRole::SystemAdmin,
        &password,
    )
    .await?;
    println!(
        "initialised {} ({} backend)",
        locations.url()?,
        store.backend_name()
    );
    println!("system administrator: {}", args.admin_username);
    if generated {
        println!("password (shown once): {password}");
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn tenant(locations: &Locations, command: TenantCommand) -> anyhow::Result<ExitCode> {
    let store = locations.open().await?;
    match command {
        TenantCommand::List => {
            for tenant in store.tenants().await? {
                println!("{}\t{}\t{}", tenant.slug, tenant.kind, tenant.name);
            }
        }
        TenantCommand::Add(args) => {
            let kind: TenantKind = args.kind.parse().map_err(anyhow::Error::msg)?;
            let party = match (kind, &args.party, &args.country) {
                (TenantKind::PartyBureau, Some(name), Some(country)) => {
                    let existing = store
                        .parties()
                        .await?
                        .into_iter()
                        .find(|p| p.iso_country == *country);
                    match existing {
                        Some(party) => Some(party.id),
                        None => {
                            let party = Party {
                                id: PartyId::new(),
                                name: name.clone(),
                                iso_country: country.clone(),
                            };
                            store.create_party(&party).await?;
                            Some(party.id)
                        }
                    }
                }
                (TenantKind::PartyBureau, _, _) => {
                    bail!("a party's bureau needs --party and --country")
                }
                (_, None, None) => None,
                _ => bail!("only a party's bureau belongs to a party"),
            };
            let tenant = Tenant {
                id: TenantId::new(),
                slug: args.slug,
                name: args.name,
                kind,
                party,
            };
            store.create_tenant(&tenant).await?;
            println!("added tenant {} ({})", tenant.slug, tenant.kind);
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn user(locations: &Locations, command: UserCommand) -> anyhow::Result<ExitCode> {
    let args = match command {
        UserCommand::Add(args) => args,
        UserCommand::ResetTotp(args) => return crate::users::reset_totp(locations, args).await,
    };
    let store = locations.open().await?;
    let role: UserRole = args.role.parse().map_err(anyhow::Error::msg)?;
    let tenant = match &args.tenant {
        Some(slug) => Some(
            store
                .tenant_by_slug(slug)
                .await
                .with_context(|| format!("no tenant {slug:?}"))?
                .id,
        ),
        None => None,
    };
    let (password, generated) = password_from_env("WHEREABOUTS_PASSWORD")?;
    add_user(&store, tenant, &args.username, role, &password).await?;
    println!("added user {} ({role})", args.username);
    if generated {
        println!("password (shown once): {password}");
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

pub async fn serve(locations: &Locations, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let store = locations.open().await?;
    // Issue 5: the sender loop runs beside the server and stops with it.
    let sender = (args.push_interval > 0).then(|| {
        let interval = std::time::Duration::from_secs(args.push_interval);
        tokio::spawn(web::transmission::push::run_sender(
            store.clone(),
            web::transmission::push::SenderConfig {
                interval,
                max_backoff: std::time::Duration::from_secs(args.push_max_backoff).max(interval),
                ..web::transmission::push::SenderConfig::default()
            },
        ))
    });
    // Read the certificate before anything listens, so that a bad file stops the start.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(web::transmission::tls::server_config(cert, key)?),
        _ => None,
    };
    let result = run_server(
        store,
        args.listen,
        args.secure_cookies,
        args.rate_limits(),
        crate::protection::evidence_dir(locations),
        tls,
    )
    .await;
    if let Some(sender) = sender {
        sender.abort();
    }
    result
}

async fn run_server(
    store: Store,
    listen: SocketAddr,
    secure_cookies: bool,
    rate_limits: web::RateLimits,
    evidence_dir: std::path::PathBuf,
    tls: Option<web::transmission::tls::ServerTls>,
) -> anyhow::Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    let config = web::ServeConfig {
        addr,
        session_ttl: time::Duration::hours(8),
        secure_cookies,
        rate_limits,
        evidence_dir: Some(evidence_dir),
        warm_indexes: true,
    };
    match tls {
        Some(tls) => {
            println!(
                "Whereabouts is listening on https://{addr}/ (certificate {}; ctrl-c stops it)",
                tls.pin
            );
            web::serve_tls(store.clone(), config, listener, &tls).await?;
        }
        None => {
            println!("Whereabouts is listening on http://{addr}/ (ctrl-c stops it)");
            web::serve(store.clone(), config, listener).await?;
        }
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// A fresh embedded store under `<data-dir>/demo`, filled with synthetic data, then the server.
pub async fn demo(locations: &Locations, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let dir = locations.data_dir.join("demo");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("removing the previous demo at {}", dir.display()))?;
    }
    create_dir(&dir)?;
    let demo = Locations::new(dir.clone(), None);
    let store = demo.create().await?;
    println!(
        "Generating a synthetic demo: {} persons in each of two fictional bureaus (seed {})…",
        args.persons, args.seed
    );
    let dataset = synth::generate(&synth::Config {
        seed: args.seed,
        persons_per_party: args.persons,
        now: time::OffsetDateTime::now_utc(),
    });
    let mut summary = crate::gen_data::load(&store, &dataset, args.seed).await?;
    // Issue 6: the protection unit, a visit recorded offline and synced, an allegation with
    // evidence (docs/protection.md).
    let bureau = summary
        .tenants
        .iter()
        .find(|t| t.kind == TenantKind::PartyBureau)
        .cloned()
        .context("the demo has a bureau")?;
    let unit = crate::protection::demo(&store, &demo, &bureau).await?;
    summary.tenants.push(unit);
    // The agency's work: families' tracing requests, with the engine's proposals on each page.
    let agency = summary
        .tenants
        .iter()
        .find(|t| t.kind == TenantKind::Agency)
        .cloned()
        .context("the demo has an agency")?;
    let requests = crate::demo_tracing::demo(&store, &agency).await?;
    println!("{requests} family tracing requests at the agency, with proposed matches");
    // Issue 5, item 3: records of one person from two sources, proposed as the same person.
    let (second, proposed) = crate::demo_links::demo(&store, &agency).await?;
    println!(
        "{second} persons registered a second time at the agency; {proposed} same-person proposal(s) to review"
    );
    let mut logins = Vec::new();
    let admin_password = generate_password();
    add_user(
        &store,
        None,
        "admin",
        UserRole::SystemAdmin,
        &admin_password,
    )
    .await?;
    logins.push((
        "admin".to_owned(),
        "system administrator (no access to protected data)".to_owned(),
        admin_password,
    ));
    for tenant in &summary.tenants {
        let (username, role) = match tenant.kind {
            TenantKind::PartyBureau => (
                format!("clerk.{}", tenant.slug.trim_start_matches("bureau-")),
                UserRole::BureauClerk,
            ),
            TenantKind::Agency => ("caseworker".to_owned(), UserRole::Caseworker),
            TenantKind::ProtectionUnit => ("delegate".to_owned(), UserRole::Delegate),
        };
        let password = generate_password();
        add_user(&store, Some(tenant.id), &username, role, &password).await?;
        logins.push((username, format!("{role} of {}", tenant.name), password));
        if tenant.kind == TenantKind::Agency {
            // A match needs two independent confirmations before an answer goes to a family.
            let password = generate_password();
            add_user(
                &store,
                Some(tenant.id),
                "reviewer",
                UserRole::Reviewer,
                &password,
            )
            .await?;
            logins.push((
                "reviewer".to_owned(),
                format!(
                    "{} of {} (second confirmation)",
                    UserRole::Reviewer,
                    tenant.name
                ),
                password,
            ));
        }
    }
    print_logins(&dir, summary.persons, &logins);
    run_server(
        store,
        args.listen,
        false,
        web::RateLimits::default(),
        crate::protection::evidence_dir(&demo),
        None,
    )
    .await
}

fn print_logins(dir: &Path, persons: usize, logins: &[(String, String, String)]) {
    println!();
    println!(
        "Demo ready: {persons} synthetic persons in {}",
        dir.display()
    );
    println!("All names, parties and places are fictional.");
    println!();
    println!("Log in with one of these accounts (passwords are new each run):");
    for (username, what, password) in logins {
        println!("  {username:<16} {password:<22} {what}");
    }
    println!();
}
