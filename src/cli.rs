//! The `goalkeeper` command line.

use crate::auth::hash_password;
use crate::db::{self, DatabaseUrl, users};
use crate::domain::{Clock, Email, Password, PersonName, Role, SystemClock};
use crate::web::{self, AppState, WebConfig};
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use std::io::BufRead;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(name = "goalkeeper", version, about = "One rotating goalkeeper receives every request to the ops team.")]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Whether this runs the web server (a long-lived process) rather than a one-off command.
    pub fn serves(&self) -> bool {
        matches!(self.command, None | Some(Command::Serve(_)))
    }
}

#[derive(Debug, Args, Clone)]
pub struct DatabaseArgs {
    /// sqlite://path/to/file.db or postgres://user:password@host/database
    #[arg(long, global = true, env = "GOALKEEPER_DATABASE_URL", default_value = "sqlite://goalkeeper.db")]
    pub database_url: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage people.
    #[command(subcommand)]
    User(UserCommand),
    /// Copy every table to another database (for example from SQLite to PostgreSQL).
    Copy {
        /// The database to read (default: --database-url).
        #[arg(long)]
        from: Option<String>,
        /// The database to write; it must hold no people or requests yet.
        #[arg(long)]
        to: String,
        /// Empty a non-empty PostgreSQL target first.
        #[arg(long)]
        replace: bool,
    },
    /// Reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write the requests or the events of a period to standard output (columns: docs/export.md).
    Export {
        #[arg(value_parser = ["requests", "events"])]
        what: String,
        /// First day, YYYY-MM-DD in the team's time zone (default: 12 weeks ago).
        #[arg(long)]
        from: Option<String>,
        /// Last day, included (default: today).
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_parser = ["csv", "json"], default_value = "csv")]
        format: String,
        /// The team's time zone when no team settings are saved yet.
        #[arg(long, env = "GOALKEEPER_TIMEZONE", default_value = "UTC")]
        timezone: String,
    },
    /// Fill an empty database with a believable team and history (or, with --requests, a large
    /// deterministic synthetic one).
    Seed {
        /// How many requests to generate (default: a 12-week demo history).
        #[arg(long)]
        requests: Option<usize>,
        /// Random seed, for a reproducible history.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Write a checked copy of the SQLite database to PATH while the app keeps running.
    Backup { path: std::path::PathBuf },
    /// Read one e-mail on standard input (what an MTA pipes to it) and add it to its request as
    /// the sender's comment. Exits 75 when the database is unreachable (the MTA retries), 67 for
    /// an unknown sender or request, 65 for a message without text.
    MailIn {
        /// The team's time zone when no team settings are saved yet.
        #[arg(long, env = "GOALKEEPER_TIMEZONE", default_value = "UTC")]
        timezone: String,
    },
    /// Send every notification that is due now, then exit (the server also sends them itself).
    Deliver {
        #[command(flatten)]
        mail: MailArgs,
        /// The address people reach Goalkeeper at, for links.
        #[arg(long, env = "GOALKEEPER_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        public_url: String,
    },
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GOALKEEPER_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// The team's IANA time zone, for showing times.
    #[arg(long, env = "GOALKEEPER_TIMEZONE", default_value = "UTC")]
    pub timezone: String,
    /// Mark the session cookie Secure (set this when serving over HTTPS).
    #[arg(long, env = "GOALKEEPER_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,
    /// Worker threads (default: one per core).
    #[arg(long, env = "GOALKEEPER_WORKERS")]
    pub workers: Option<usize>,
    /// The address people reach Goalkeeper at, like https://goalkeeper.example.com: links in
    /// calendar feeds use it (never a request's Host header); https turns on HSTS and secure,
    /// `__Host-` cookies. Default: http:// and the bind address.
    #[arg(long, env = "GOALKEEPER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// When set, /metrics answers only to `Authorization: Bearer <this token>`.
    #[arg(long, env = "GOALKEEPER_METRICS_TOKEN")]
    pub metrics_token: Option<String>,
    /// The largest attachment, in MiB.
    #[arg(long, env = "GOALKEEPER_ATTACHMENT_MAX_FILE_MIB", default_value_t = 10)]
    pub attachment_max_file_mib: u64,
    /// The most one request's attachments may add up to, in MiB.
    #[arg(long, env = "GOALKEEPER_ATTACHMENT_MAX_REQUEST_MIB", default_value_t = 50)]
    pub attachment_max_request_mib: u64,
    /// API calls one token may make per minute before it is answered 429 (0: no limit; a
    /// monitoring system filing alerts may need more).
    #[arg(long, env = "GOALKEEPER_API_RATE_PER_MINUTE", default_value_t = crate::web::api::RATE_PER_MINUTE)]
    pub api_rate_per_minute: u32,
    #[command(flatten)]
    pub mail: MailArgs,
}

/// Where notification e-mail goes out.
#[derive(Debug, Args, Clone, Default)]
pub struct MailArgs {
    /// The SMTP server: smtp://host:25 (plain), smtp://host:587?tls=required (STARTTLS) or
    /// smtps://user:password@host:465 (TLS). Without it e-mail notifications wait in the outbox.
    #[arg(long, env = "GOALKEEPER_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of notification e-mail.
    #[arg(long, env = "GOALKEEPER_MAIL_FROM", default_value = "Goalkeeper <goalkeeper@localhost>")]
    pub mail_from: String,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            bind: "127.0.0.1:8080".into(),
            timezone: "UTC".into(),
            secure_cookies: false,
            workers: None,
            public_url: None,
            metrics_token: None,
            attachment_max_file_mib: 10,
            attachment_max_request_mib: 50,
            api_rate_per_minute: crate::web::api::RATE_PER_MINUTE,
            mail: MailArgs { smtp_url: None, mail_from: "Goalkeeper <goalkeeper@localhost>".into() },
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The weekly handover report of one ISO week.
    Weekly {
        /// The week, like 2026-W48 (default: the current week).
        #[arg(long)]
        week: Option<String>,
        #[arg(long, value_parser = ["md", "json"], default_value = "md")]
        format: String,
        /// The team's time zone when no team settings are saved yet.
        #[arg(long, env = "GOALKEEPER_TIMEZONE", default_value = "UTC")]
        timezone: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a personal access token for someone; it is printed once and never stored.
    Create {
        /// Whose token it is.
        #[arg(long)]
        email: String,
        /// What it is for, like "chat bot".
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["read", "write"], default_value = "write")]
        scope: String,
        /// Days until it stops working (default: never).
        #[arg(long)]
        expires: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a person; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["requester", "engineer", "admin"])]
        role: String,
    },
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&cli.database.database_url).map_err(anyhow::Error::msg)?;
    match cli.command {
        None => serve(&url, ServeArgs::parse_env()),
        Some(Command::Serve(args)) => serve(&url, args),
        Some(Command::Migrate) => {
            let mut conn = db::connect(&url).map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
            let applied = db::migrate(&mut conn)?;
            println!("{applied} migration(s) applied; the database is up to date.");
            Ok(())
        }
        Some(Command::User(UserCommand::Add { email, name, role })) => add_user(&url, &email, &name, &role),
        Some(Command::Copy { from, to, replace }) => {
            let from = match from {
                Some(raw) => DatabaseUrl::parse(&raw).map_err(anyhow::Error::msg)?,
                None => url,
            };
            copy(&from, &DatabaseUrl::parse(&to).map_err(anyhow::Error::msg)?, replace)
        }
        Some(Command::Report(ReportCommand::Weekly { week, format, timezone })) => {
            report(&url, week.as_deref(), &format, &timezone)
        }
        Some(Command::Export { what, from, to, format, timezone }) => {
            export(&url, &what, from.as_deref(), to.as_deref(), &format, &timezone)
        }
        Some(Command::Token(TokenCommand::Create { email, name, scope, expires })) => {
            create_token(&url, &email, &name, &scope, expires)
        }
        Some(Command::MailIn { timezone }) => mail_in(&url, &timezone),
        Some(Command::Deliver { mail, public_url }) => {
            let transport = crate::outbound::Outbound::new(mail.smtp_url.as_deref(), &mail.mail_from, &public_url)?;
            let pool = db::open(&url, 2)?;
            let mut conn = pool.get()?;
            let mut total = crate::app::notify::Round::default();
            crate::app::notify::announce_duty(&mut conn, SystemClock.now(), &public_url)?;
            loop {
                let round = crate::app::notify::deliver_due(&mut conn, &transport, SystemClock.now(), 100)?;
                total.delivered += round.delivered;
                total.retrying += round.retrying;
                total.failed += round.failed;
                if round == crate::app::notify::Round::default() {
                    break;
                }
            }
            println!("{} delivered, {} to retry later, {} failed.", total.delivered, total.retrying, total.failed);
            Ok(())
        }
        Some(Command::Seed { requests, seed }) => {
            let pool = db::open(&url, 2)?;
            let mut conn = pool.get()?;
            let summary = crate::seed::run(&mut conn, requests, seed, SystemClock.now())?;
            println!("{summary}");
            Ok(())
        }
        Some(Command::Backup { path }) => {
            let mut conn = db::connect(&url).map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
            db::backup(&mut conn, &path)?;
            println!("Backed up to {} (integrity check: ok).", path.display());
            Ok(())
        }
    }
}

impl ServeArgs {
    /// The serve options from the environment, for a bare `goalkeeper`.
    fn parse_env() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Only::try_parse_from(["goalkeeper"]).map(|o| o.serve).unwrap_or_default()
    }
}

fn export(
    url: &DatabaseUrl,
    what: &str,
    from: Option<&str>,
    to: Option<&str>,
    format: &str,
    timezone: &str,
) -> anyhow::Result<()> {
    let fallback: chrono_tz::Tz =
        timezone.parse().map_err(|_| anyhow::anyhow!("--timezone: {timezone:?} is not an IANA time zone"))?;
    let pool = db::open(url, 1)?;
    let mut conn = pool.get()?;
    let team = db::rotation::team_settings(&mut conn, fallback)?;
    // The command line acts with an engineer's reach over the whole database.
    let ctx = crate::app::Context::new(crate::domain::UserId(0), crate::domain::Role::Admin, SystemClock.now(), team);
    let cli_error = |e: crate::app::Error| match e {
        crate::app::Error::Invalid { code, field, value } => {
            anyhow::anyhow!("--{field}: {}", crate::web::messages::field_sentence(code, field, value.as_ref()))
        }
        other => anyhow::anyhow!("{other}"),
    };
    let period = crate::app::exports::period(&ctx, from, to).map_err(cli_error)?;
    let kind = crate::app::exports::Kind::parse(what).ok_or_else(|| anyhow::anyhow!("export requests or events"))?;
    let body = crate::app::exports::export(&mut conn, &ctx, kind, period, format == "json").map_err(cli_error)?;
    use std::io::Write;
    std::io::stdout().lock().write_all(&body).context("writing to standard output")?;
    Ok(())
}

fn create_token(url: &DatabaseUrl, email: &str, name: &str, scope: &str, expires: Option<i64>) -> anyhow::Result<()> {
    let pool = db::open(url, 1)?;
    let mut conn = pool.get()?;
    let (user, _) = users::by_email(&mut conn, &email.trim().to_lowercase())?
        .ok_or_else(|| anyhow::anyhow!("--email: nobody has the e-mail {email}"))?;
    if user.disabled {
        anyhow::bail!("--email: {email} is disabled");
    }
    let ctx = crate::app::Context::new(user.id, user.role, SystemClock.now(), Default::default());
    let (_, token) = crate::app::tokens::create(&mut conn, &ctx, name, scope, expires).map_err(|e| match e {
        crate::app::Error::Invalid { code, field, value } => {
            anyhow::anyhow!("--{field}: {}", crate::web::messages::field_sentence(code, field, value.as_ref()))
        }
        other => anyhow::anyhow!("{other}"),
    })?;
    println!("{token}");
    eprintln!("Token {name:?} for {email} ({scope}). It is shown only now: keep it somewhere safe.");
    Ok(())
}

/// A failure with the exit status a caller acts on (sysexits(3): an MTA retries 75, bounces
/// the others with the message).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Exit {
    pub status: u8,
    pub message: String,
}

fn mail_in(url: &DatabaseUrl, timezone: &str) -> anyhow::Result<()> {
    use crate::app::notify::MailRefusal;
    const DATA_ERROR: u8 = 65;
    const NO_USER: u8 = 67;
    const TEMPORARY: u8 = 75;
    let exit = |status: u8, message: &str| Exit { status, message: message.to_owned() };
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut raw).context("reading the message")?;
    let reply = crate::mail_in::read(&raw).ok_or_else(|| exit(DATA_ERROR, "this is not an e-mail message"))?;
    let fallback: chrono_tz::Tz =
        timezone.parse().map_err(|_| anyhow::anyhow!("--timezone: {timezone:?} is not an IANA time zone"))?;
    let unreachable =
        |e: &dyn std::fmt::Display| exit(TEMPORARY, &format!("the database is unreachable ({e}); try again later"));
    let mut conn = db::connect(url).map_err(|e| unreachable(&e))?;
    let team = crate::app::rotation::team_settings(&mut conn, fallback).map_err(|e| unreachable(&e))?;
    match crate::app::notify::reply_by_email(&mut conn, SystemClock.now(), &team, &reply) {
        Ok(Ok(request)) => {
            println!("Added to request #{} as a comment from {}.", request.id, reply.from);
            Ok(())
        }
        Ok(Err(refusal)) => Err(match refusal {
            MailRefusal::UnknownSender => exit(
                NO_USER,
                "the sender has no Goalkeeper account, or is not the person this reply address was made for",
            ),
            MailRefusal::NoRequest | MailRefusal::BadSignature => {
                exit(NO_USER, "this message does not answer a request of its sender's")
            }
            MailRefusal::Empty => exit(DATA_ERROR, "the message has no text above the quoted part"),
        }
        .into()),
        Err(crate::app::Error::Db(e)) => Err(unreachable(&e).into()),
        Err(e) => Err(e.into()),
    }
}

fn add_user(url: &DatabaseUrl, email: &str, name: &str, role: &str) -> anyhow::Result<()> {
    use crate::web::messages::value_sentence;
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {}", value_sentence("email", &e)))?;
    let name = PersonName::parse(name).map_err(|e| anyhow::anyhow!("--name: {}", value_sentence("name", &e)))?;
    let role = Role::parse(role).map_err(|e| anyhow::anyhow!("--role: {}", value_sentence("role", &e)))?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
    let password = Password::choose(line.trim_end_matches(['\n', '\r']), &[email.as_str(), name.as_str()])
        .map_err(|e| anyhow::anyhow!("password: {}", value_sentence("password", &e)))?;
    let pool = db::open(url, 1)?;
    let mut conn = pool.get()?;
    let hash = hash_password(&password)?;
    let new = users::NewUser { email: email.as_str(), name: name.as_str(), role, password_hash: &hash };
    match users::create(&mut conn, &new, SystemClock.now()) {
        Ok(user) => {
            println!("Added {} <{}> as {} (id {}).", user.name, user.email, user.role, user.id);
            Ok(())
        }
        Err(users::UserError::EmailTaken) => {
            bail!("someone already has the e-mail {}", email.as_str())
        }
        Err(e) => Err(e.into()),
    }
}

fn report(url: &DatabaseUrl, week: Option<&str>, format: &str, timezone: &str) -> anyhow::Result<()> {
    let fallback: chrono_tz::Tz =
        timezone.parse().map_err(|_| anyhow::anyhow!("--timezone: {timezone:?} is not an IANA time zone"))?;
    let pool = db::open(url, 1)?;
    let mut conn = pool.get()?;
    let team = db::rotation::team_settings(&mut conn, fallback)?;
    let now = SystemClock.now();
    let week = match week {
        Some(raw) => crate::domain::metrics::IsoWeek::parse(raw)
            .ok_or_else(|| anyhow::anyhow!("--week: {raw:?} is not a week like 2026-W48"))?,
        None => crate::domain::metrics::IsoWeek::containing(now, team.timezone()),
    };
    let report = crate::report::weekly(&mut conn, &Default::default(), week, &team, now)?;
    match format {
        "json" => println!("{}", serde_json::to_string_pretty(&report)?),
        _ => print!("{}", report.to_markdown()),
    }
    Ok(())
}

fn copy(from: &DatabaseUrl, to: &DatabaseUrl, replace: bool) -> anyhow::Result<()> {
    if from == to {
        bail!("--from and --to name the same database");
    }
    let open = |url: &DatabaseUrl| -> anyhow::Result<db::DbConnection> {
        let mut conn =
            db::connect(url).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", db::redact(&display_url(url))))?;
        db::migrate(&mut conn)?;
        Ok(conn)
    };
    let (mut source, mut target) = (open(from)?, open(to)?);
    let total: i64 = db::copy::counts(&mut source)?.iter().map(|(_, rows)| rows).sum();
    // Drawn only on a terminal; the small tables copied whole are not counted.
    let bar =
        indicatif::ProgressBar::new(u64::try_from(total).unwrap_or(0)).with_style(crate::seed::progress_style("rows"));
    let copied = db::copy::copy(&mut source, &mut target, replace, &|rows| bar.inc(rows as u64))?;
    bar.finish_and_clear();
    for (table, rows) in copied {
        println!("{table:>18}  {rows} rows");
    }
    println!("Copied {} to {}; row counts match.", db::redact(&display_url(from)), db::redact(&display_url(to)));
    Ok(())
}

fn serve(url: &DatabaseUrl, args: ServeArgs) -> anyhow::Result<()> {
    let timezone: chrono_tz::Tz = args
        .timezone
        .parse()
        .map_err(|_| anyhow::anyhow!("--timezone: {:?} is not an IANA time zone", args.timezone))?;
    // Enough connections that light pages always find one while heavy pages (which take turns,
    // one per core) and sign-ins (hashed outside the database) run.
    let cores = u32::try_from(web::cores()).unwrap_or(2);
    let pool_size = (4 * cores).max(if url.is_sqlite() { 8 } else { 16 });
    let pool = db::open(url, pool_size)?;
    let key = {
        let mut conn = pool.get()?;
        web::session_key(&mut conn)?
    };
    let public_url = match &args.public_url {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => url.trim_end_matches('/').to_owned(),
        Some(url) => anyhow::bail!("--public-url: {url:?} must start with https:// or http://"),
        None => format!("http://{}", args.bind),
    };
    let https = public_url.starts_with("https://");
    let config = WebConfig {
        timezone,
        secure_cookies: args.secure_cookies || https,
        public_url,
        metrics_token: args.metrics_token.clone().filter(|t| !t.is_empty()),
        email_configured: args.mail.smtp_url.is_some(),
        attachments: crate::app::attachments::Limits {
            per_file: args.attachment_max_file_mib.saturating_mul(1024 * 1024),
            per_request: args.attachment_max_request_mib.saturating_mul(1024 * 1024),
            ..Default::default()
        },
        api_rate_per_minute: args.api_rate_per_minute,
        ..WebConfig::default()
    };
    let transport =
        crate::outbound::Outbound::new(args.mail.smtp_url.as_deref(), &args.mail.mail_from, &config.public_url)?;
    let state = AppState::new(pool.clone(), Arc::new(SystemClock), config);
    spawn_delivery_worker(pool, transport, state.draining.clone());
    actix_web::rt::System::new().block_on(async move {
        let purge_state = state.clone();
        actix_web::rt::spawn(async move { purge_expired_sessions(purge_state).await });
        let draining = state.draining.clone();
        let mut server = actix_web::HttpServer::new(move || web::app(state.clone(), key.clone()))
            .disable_signals()
            .shutdown_timeout(SHUTDOWN_GRACE.as_secs());
        let workers = args.workers.unwrap_or_else(web::cores).max(1);
        // Blocking work waits for a pooled connection anyway: more threads than connections
        // would only each keep a stack and allocator state.
        let blocking_per_worker = usize::try_from(pool_size).unwrap_or(8).div_ceil(workers).max(2);
        server = server.workers(workers).worker_max_blocking_threads(blocking_per_worker);
        let server = server.bind(&args.bind).with_context(|| format!("cannot listen on {}", args.bind))?;
        tracing::info!(bind = %args.bind, database = %db::redact(&display_url(url)), "Goalkeeper is serving");
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(async move {
            stop_signal().await;
            // First tell keep-alive clients to close (each response now says so), then stop
            // taking connections and let the requests in flight finish.
            tracing::info!("stopping: draining connections");
            draining.store(true, std::sync::atomic::Ordering::Relaxed);
            actix_web::rt::time::sleep(DRAIN).await;
            handle.stop(true).await;
        });
        server.await.context("server stopped with an error")
    })
}

/// After SIGTERM or Ctrl-C: how long responses keep telling clients to close their
/// connections before the server stops accepting…
const DRAIN: std::time::Duration = std::time::Duration::from_millis(1500);
/// …and how long requests in flight then have to finish.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(20);

/// Resolves on SIGTERM (what service managers send) or SIGINT (Ctrl-C).
async fn stop_signal() {
    use actix_web::rt::signal;
    #[cfg(unix)]
    {
        let mut terminate = match signal::unix::signal(signal::unix::SignalKind::terminate()) {
            Ok(stream) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C still stops the server");
                let _ = signal::ctrl_c().await;
                return;
            }
        };
        futures_util::future::select(Box::pin(signal::ctrl_c()), Box::pin(terminate.recv())).await;
    }
    #[cfg(not(unix))]
    {
        let _ = signal::ctrl_c().await;
    }
}

fn display_url(url: &DatabaseUrl) -> String {
    match url {
        DatabaseUrl::Sqlite(path) => format!("sqlite://{path}"),
        DatabaseUrl::Postgres(raw) => raw.clone(),
    }
}

/// Expired sessions are deleted hourly so the table does not grow without bound.
/// How often the delivery worker looks for due notifications when the outbox was empty.
const DELIVERY_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Sends notifications from the outbox on its own thread (sending blocks on the network) until
/// the server drains. Several instances may run one each: a delivery is claimed by one only.
fn spawn_delivery_worker(
    pool: db::Pool,
    transport: crate::outbound::Outbound,
    draining: Arc<std::sync::atomic::AtomicBool>,
) {
    let worker = move || {
        while !draining.load(std::sync::atomic::Ordering::Relaxed) {
            let round = pool.get().map_err(anyhow::Error::from).and_then(|mut conn| {
                let now = SystemClock.now();
                crate::app::notify::announce_duty(
                    &mut conn,
                    now,
                    crate::app::notify::Transport::public_url(&transport),
                )?;
                Ok(crate::app::notify::deliver_due(&mut conn, &transport, now, 50)?)
            });
            match round {
                // A full batch: there may be more due at once.
                Ok(round) if round.delivered + round.retrying + round.failed == 50 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the delivery worker could not run; trying again"),
            }
            std::thread::sleep(DELIVERY_POLL);
        }
    };
    if let Err(e) = std::thread::Builder::new().name("deliveries".into()).spawn(worker) {
        tracing::error!(error = %e, "cannot start the delivery worker; run `goalkeeper deliver` instead");
    }
}

async fn purge_expired_sessions(state: AppState) {
    let mut every = actix_web::rt::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        let now = state.now();
        match state.db(move |conn| Ok(db::sessions::purge_expired(conn, now)?)).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired sessions removed"),
            Err(e) => tracing::warn!(error = %e, "could not purge expired sessions"),
        }
    }
}
