//! `goalkeeper seed`: a believable team and history for a newcomer (8 engineers in a rotation,
//! 40 requesters, services of all tiers, 12 weeks of requests with office-hour peaks, a skewed
//! category mix, two real silos, rejections, duplicates, waits and reopens), or with
//! `--requests N` a large deterministic synthetic history for benchmarks.

use crate::auth::hash_password;
use crate::db::{self, DbConnection, catalog, rotation, users};
use crate::domain::metrics::{self, History, MetricEvent};
use crate::domain::rotation::{Roster, RotationPlan, RotationVersion};
use crate::domain::{CategoryId, EventKind, Password, RequestId, Role, State, Tier, Urgency, UserId};
use anyhow::bail;
use chrono::{DateTime, Datelike, Duration, NaiveTime, Timelike, Utc, Weekday};
use diesel::connection::SimpleConnection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::fmt::Write;

pub const DEMO_PASSWORD: &str = "goalkeeper-demo";

const ENGINEERS: [&str; 8] = [
    "Gina Goalkeeper",
    "Sam Sysadmin",
    "Dana Database",
    "Nils Network",
    "Priya Platform",
    "Victor Vendor",
    "Olga Observability",
    "Kim Kubernetes",
];
const REQUESTER_FIRST: [&str; 10] =
    ["Alex", "Bea", "Carl", "Dina", "Emil", "Frida", "Gustav", "Hanna", "Ivan", "Julia"];
const REQUESTER_LAST: [&str; 4] = ["Backend", "Mobile", "Web", "Data"];
const SERVICES: [(&str, Tier); 11] = [
    ("Login", Tier::Critical),
    ("Playback", Tier::Critical),
    ("Border routers", Tier::Critical),
    ("DNS", Tier::Critical),
    ("Search", Tier::Important),
    ("Recommendations", Tier::Important),
    ("Payments reporting", Tier::Important),
    ("CI", Tier::Important),
    ("Wiki", Tier::CanWait),
    ("Internal dashboards", Tier::CanWait),
    ("Test lab", Tier::CanWait),
];
/// Category names as the first migration creates them, with how often each comes up.
const CATEGORIES: [(&str, u32); 7] = [
    ("Deploy help", 25),
    ("Network", 15),
    ("Access", 20),
    ("Vendor and datacenter", 5),
    ("Monitoring and alerts", 12),
    ("Database", 13),
    ("Other", 10),
];
/// Per category: (title, what the requester writes, how it was resolved). `{s}` is the service.
const TITLES: [&[(&str, &str, &str)]; 7] = [
    &[
        (
            "Deploy of {s} stuck",
            "The deploy of {s} has shown 'waiting for rollout' for 20 minutes and the old pods are still serving.",
            "The rollout waited on a pod that could not pull its image. Check `kubectl rollout status`; if a pod is in \
             ImagePullBackOff, the registry token of the namespace has expired: run `deployctl refresh-pull-secret` \
             and the rollout continues by itself.",
        ),
        (
            "Rollback {s} release",
            "The last release of {s} breaks checkout for some users; we want the previous version back now.",
            "Run `deployctl rollback --to previous` from the release channel; it takes about two minutes. Database \
             migrations are not rolled back, so check the release notes for a down migration first.",
        ),
        (
            "Canary for {s} failing",
            "The canary of {s} fails its health check and the pipeline stops at 5 %.",
            "The canary compared against a dashboard that was renamed. The health check now reads the new name; if \
             it happens again, rerun the canary step after checking the check's query in the pipeline settings.",
        ),
        (
            "Pipeline for {s} times out",
            "The CI pipeline of {s} times out in the integration stage since yesterday.",
            "The shared runners were saturated by a nightly job. Integration stages now use the large runner pool; \
             add `runner: large` to the stage if your pipeline still has an old template.",
        ),
    ],
    &[
        (
            "VPN drops for {s} team",
            "Several people in the {s} team lose the VPN every few minutes, mostly on Wi-Fi.",
            "The VPN client's keepalive was longer than the office firewall's idle timeout. Update the client to the \
             version on the wiki (keepalive 25 s); on an old client set `keepalive=25` in the profile.",
        ),
        (
            "Packet loss towards {s}",
            "We see 2-5 % packet loss from the office towards {s}, worst in the afternoon.",
            "One uplink of the border router had a failing optic that dropped packets under load. The optic was \
             replaced; `mtr` from the office now shows no loss.",
        ),
        (
            "DNS lookups slow from {s}",
            "DNS lookups from {s} take up to 5 seconds now and then.",
            "The resolvers in /etc/resolv.conf listed a decommissioned server first, so every lookup waited for its \
             timeout. The config management now writes the two live resolvers; run the agent again to pick it up.",
        ),
        (
            "Firewall rule for {s}",
            "{s} needs to reach the partner API on port 443 from production.",
            "Firewall changes go through the rules repository: add the destination to the service's egress file and \
             open a merge request; the network team merges and it applies within 15 minutes.",
        ),
    ],
    &[
        (
            "Access to {s} production logs",
            "I need to read the production logs of {s} to debug a customer issue.",
            "Production logs are read through the log search with the `prod-logs-readers` group. Request the group in \
             the access portal; your lead approves it and it is active within the hour.",
        ),
        (
            "SSH key for {s} hosts",
            "My new laptop's SSH key is not accepted by the {s} hosts.",
            "Keys are distributed from the identity service, not copied by hand. Upload the new public key on your \
             profile page; the hosts pick it up within 10 minutes.",
        ),
        (
            "Grant {s} read access",
            "A new team member needs read access to {s}.",
            "Read access to {s} is its readers group in the access portal; the team lead approves requests for their \
             own people, no ops step needed.",
        ),
        (
            "Service account for {s}",
            "{s} needs a service account to call the internal API from its batch jobs.",
            "Service accounts are created with `svcctl create --owner <team>`; the credentials land in the secret \
             store under the team's path. Rotate them with `svcctl rotate`.",
        ),
    ],
    &[
        (
            "Call datacenter about {s} rack",
            "The rack hosting {s} shows a power supply alarm; someone needs to call the datacenter.",
            "The datacenter replaced the failed power supply under our support contract. Open a remote-hands ticket in \
             the vendor portal (the contract number is on the wiki) for the next one; ops only needs to approve it.",
        ),
        (
            "Disk replacement for {s}",
            "A disk in one of the {s} storage nodes is failing its SMART checks.",
            "The node was drained, the disk swapped by remote hands and the array rebuilt overnight. The runbook \
             'Replacing a disk' lists the steps; the vendor ships a disk next business day.",
        ),
        (
            "Vendor ticket for {s} switch",
            "The top-of-rack switch for {s} logs port flaps; the vendor should look at it.",
            "The vendor confirmed a firmware bug and the switch was upgraded in the maintenance window. Port flaps on \
             that model: check the firmware version first.",
        ),
    ],
    &[
        (
            "Alert for {s} fires all night",
            "The disk alert of {s} fires every night around 02:00 and wakes the on-call person.",
            "The nightly batch fills the temp volume for an hour. The alert now waits 90 minutes before paging and \
             the batch cleans up after itself; a disk alert that only fires at night usually means a batch job.",
        ),
        (
            "Dashboard for {s} is empty",
            "The dashboard of {s} shows 'no data' on every panel since this morning.",
            "The metrics were renamed in the last release. The dashboard now uses the new names; after a rename, \
             update the panel queries or keep the old names with a recording rule.",
        ),
        (
            "Add alert on {s} latency",
            "We want an alert when the p99 latency of {s} stays above 500 ms.",
            "Alerts live in the monitoring repository: copy the latency template into the service's folder, set the \
             threshold and the team's paging route, and open a merge request.",
        ),
    ],
    &[
        (
            "Slow queries on {s} database",
            "Some pages of {s} take seconds; the slow query log shows the same query again and again.",
            "The query filtered on an unindexed column. An index was added online (`CREATE INDEX CONCURRENTLY`); use \
             EXPLAIN ANALYZE on the slow query log's top entry to find the next one.",
        ),
        (
            "Replica lag on {s}",
            "The read replica of {s} lags up to 10 minutes behind during the day.",
            "A long-running report held a snapshot open on the replica. Reports now run on the analytics replica, and \
             the replica cancels queries longer than 5 minutes.",
        ),
        (
            "Schema change for {s}",
            "We need to add a column with a default to a large table of {s}.",
            "Add the column without a default, backfill in batches, then set the default: that keeps the table \
             unlocked. The migration guide on the wiki has the pattern.",
        ),
        (
            "Backup restore for {s}",
            "We deleted rows from {s} by mistake yesterday and need them back.",
            "Backups are restorable to any point in the last 14 days into a scratch instance; ops restores, you \
             copy back the rows you need. Ask in the request with the time just before the mistake.",
        ),
    ],
    &[
        (
            "Question about {s}",
            "Who owns {s}, and where is its documentation?",
            "The service catalogue lists the owner and the runbook of every service; {s} is there too.",
        ),
        (
            "Help with {s} config",
            "A config change of {s} does not seem to take effect.",
            "Config is read at start: change it in the config repository, then restart the service with \
             `deployctl restart`; a change only in the running container is lost at the next deploy.",
        ),
        (
            "Certificate for {s} expires",
            "The certificate of {s} expires in two weeks according to the monitoring.",
            "Certificates renew automatically 30 days before expiry unless the DNS challenge fails. The DNS record was \
             fixed and the certificate renewed; the expiry alert clears by itself.",
        ),
    ],
];

/// A public answer: its id and when it was resolved.
type Answered = (i64, DateTime<Utc>);

struct SeedEvent {
    kind: EventKind,
    at: DateTime<Utc>,
    actor: i64,
    from: Option<State>,
    to: State,
    owner: Option<i64>,
    target: Option<i64>,
    related: Option<i64>,
    note: Option<String>,
}

/// A progress bar's look: what is counted, how far, how fast, how long still.
pub fn progress_style(what: &str) -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(&format!(
        "{{elapsed_precise}} [{{bar:40}}] {{human_pos}}/{{human_len}} {what} ({{per_sec}}, {{eta}} left)"
    ))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
}

fn sql_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn sql_time(at: DateTime<Utc>) -> String {
    format!("'{}'", at.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f"))
}

fn sql_opt(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "NULL".into())
}

fn weighted(rng: &mut StdRng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut pick = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if pick < *w {
            return i;
        }
        pick -= w;
    }
    weights.len() - 1
}

/// The next moment someone in the office would act: unchanged inside office hours, otherwise
/// the next working morning.
fn office_moment(at: DateTime<Utc>, rng: &mut StdRng) -> DateTime<Utc> {
    let mut day = at;
    let inside = |t: DateTime<Utc>| t.weekday().num_days_from_monday() < 5 && (9..17).contains(&t.hour());
    if inside(day) {
        return day;
    }
    if day.hour() >= 17 {
        day += Duration::days(1);
    }
    while day.weekday() == Weekday::Sat || day.weekday() == Weekday::Sun {
        day += Duration::days(1);
    }
    let morning = day.date_naive().and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()).and_utc();
    morning + Duration::minutes(rng.random_range(0..90))
}

/// Logs how long each part of a large seed took, so a slow one says where its time went.
struct Phases(std::time::Instant);

impl Default for Phases {
    fn default() -> Self {
        Phases(std::time::Instant::now())
    }
}

impl Phases {
    fn done(&mut self, phase: &str) {
        let now = std::time::Instant::now();
        tracing::info!(phase, seconds = format!("{:.1}", (now - self.0).as_secs_f64()), "seed phase done");
        self.0 = now;
    }
}

/// Appends a state change to a generated history.
#[allow(clippy::too_many_arguments)]
fn step(
    events: &mut Vec<SeedEvent>,
    kind: EventKind,
    at: DateTime<Utc>,
    actor: i64,
    from: State,
    to: State,
    owner: Option<i64>,
    target: Option<i64>,
    note: Option<&str>,
) {
    let note = note.map(str::to_owned);
    events.push(SeedEvent { kind, at, actor, from: Some(from), to, owner, target, related: None, note });
}

/// `by` takes the new request at `at`.
fn take(events: &mut Vec<SeedEvent>, at: DateTime<Utc>, by: i64) {
    step(events, EventKind::Taken, at, by, State::New, State::InProgress, Some(by), None, None);
}

/// `by`, who owns the request, resolves it at `at` with `answer`.
fn resolve(events: &mut Vec<SeedEvent>, at: DateTime<Utc>, by: i64, answer: &str) {
    step(events, EventKind::Resolved, at, by, State::InProgress, State::Resolved, Some(by), None, Some(answer));
}

/// Fills an empty database. Returns a summary for the person who ran it.
pub fn run(conn: &mut DbConnection, requests: Option<usize>, seed: u64, now: DateTime<Utc>) -> anyhow::Result<String> {
    if users::count(conn)? > 0 {
        bail!(
            "seed fills an empty database, and this one already has people in it. To start over with \
             the default SQLite file, stop the server and delete goalkeeper.db, goalkeeper.db-wal and \
             goalkeeper.db-shm (or point GOALKEEPER_DATABASE_URL at a new file), then seed again"
        );
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let total = requests.unwrap_or(720);
    let weeks = (total as u64).div_ceil(4_000).max(12) as i64;
    let start = now - Duration::weeks(weeks);
    let hash = hash_password(&Password::parse(DEMO_PASSWORD)?)?;
    let created = start - Duration::days(1);

    let person = |conn: &mut DbConnection, name: &str, email: &str, role: Role| -> anyhow::Result<UserId> {
        let new = users::NewUser { email, name, role, password_hash: &hash };
        Ok(users::create(conn, &new, created)?.id)
    };
    let admin = person(conn, "Ada Admin", "admin@example.com", Role::Admin)?;
    let mut engineers = Vec::new();
    for name in ENGINEERS {
        let email = format!("{}@example.com", name.split(' ').next().unwrap_or("engineer").to_lowercase());
        engineers.push(person(conn, name, &email, Role::Engineer)?);
    }
    let mut requesters = Vec::new();
    for (i, first) in REQUESTER_FIRST.iter().enumerate() {
        for last in REQUESTER_LAST {
            let name = format!("{first} {last}");
            let email = format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase(), i);
            requesters.push(person(conn, &name, &email, Role::Requester)?);
        }
    }
    let mut services = Vec::new();
    for (name, tier) in SERVICES {
        let input = catalog::ServiceInput { name, tier, description: "", archived: false };
        services.push((catalog::create_service(conn, &input, created)?, name, tier));
    }
    let categories = catalog::categories(conn)?;
    let category_ids: Vec<i64> = CATEGORIES
        .iter()
        .map(|(name, _)| categories.iter().find(|c| c.name == *name).map(|c| c.id.0).unwrap_or(1))
        .collect();

    // Monday 09:00 handovers, Gina first, from the Monday before the history starts.
    let first_monday = start.date_naive() - Duration::days(i64::from(start.weekday().num_days_from_monday()));
    let plan = RotationPlan {
        anchor: first_monday,
        handover_time: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
        timezone: chrono_tz::Tz::UTC,
        engineers: engineers.clone(),
    };
    let version = RotationVersion { effective_from: plan.handover(0), plan };
    rotation::save_version(conn, &version, admin, created)?;
    let roster = Roster::new(vec![version], Vec::new(), HashSet::new(), now);
    let keeper = |at: DateTime<Utc>| roster.goalkeeper_at(at).map(|g| g.0);

    // Two silos: Dana answers the database questions, Victor calls the vendors.
    let expert_for = |category: usize, rng: &mut StdRng, goalkeeper: i64| -> i64 {
        let silo = match category {
            5 if rng.random_bool(0.9) => Some(engineers[2].0),
            3 if rng.random_bool(0.8) => Some(engineers[5].0),
            _ => None,
        };
        silo.filter(|e| *e != goalkeeper).unwrap_or_else(|| {
            loop {
                let pick = engineers[rng.random_range(0..engineers.len())].0;
                if pick != goalkeeper {
                    break pick;
                }
            }
        })
    };

    let mut phases = Phases::default();
    // On SQLite the indexes are built once the rows are in (see `db::bulk`).
    let bulk_load = match conn {
        DbConnection::Sqlite(_) => Some(db::bulk::start_sqlite(conn)?),
        DbConnection::Pg(_) => None,
    };
    let span_seconds = (now - start).num_seconds();
    let mut request_sql = String::new();
    let mut event_sql = String::new();
    let (mut pending_requests, mut pending_events) = (0usize, 0usize);
    // Drawn only on a terminal (indicatif hides it otherwise, as in tests and CI).
    let bar = indicatif::ProgressBar::new(total as u64).with_style(progress_style("requests"));
    let mut event_id = 0i64;
    // Public answers so far, by (category, title template): (id, resolved at).
    let mut answers: std::collections::HashMap<(usize, usize), Vec<Answered>> = Default::default();
    let mut deflected = 0usize;
    let mut deflection_sql = String::new();
    // The statements writing the rows made since the last batch, which start anew.
    let batch_of = |requests: &mut String, events: &mut String, deflections: &mut String| -> String {
        let mut batch = format!(
            "INSERT INTO requests (id, title, description, category_id, service_id, urgency, state, requester_id, owner_id, \
             duplicate_of, tier_rank, urgency_rank, version, created_at, updated_at, closed_at, closed_by, \
             first_response_at, first_triage_at, first_triage_goalkeeper, close_goalkeeper, routed, reopened, \
             private, good_answer_by, good_answer_at, filed_tier) VALUES {};\n\
             INSERT INTO events (id, request_id, actor_id, at, kind, from_state, to_state, owner_id, target_id, \
             related_request_id, note, request_version, goalkeeper_id, actor_role) VALUES {};",
            requests.trim_end_matches(','),
            events.trim_end_matches(',')
        );
        if !deflections.is_empty() {
            let _ = write!(
                batch,
                "\nINSERT INTO deflections (requester_id, answer_id, title, category_id, at, goalkeeper_id) VALUES {};",
                deflections.trim_end_matches(',')
            );
        }
        requests.clear();
        events.clear();
        deflections.clear();
        batch
    };

    // Filing times in order, so ids grow with time as in a real history.
    let mut filed_times: Vec<DateTime<Utc>> = (0..total)
        .map(|_| {
            let mut at = start + Duration::seconds(rng.random_range(0..span_seconds.max(1)));
            // Most requests arrive in office hours on working days.
            if rng.random_bool(0.85) {
                let day = office_moment(at, &mut rng).date_naive().and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                let hour = 9 + weighted(&mut rng, &[6, 10, 9, 5, 7, 9, 8, 4]) as i64;
                let moved = day + Duration::hours(hour) + Duration::minutes(rng.random_range(0..60));
                if moved < now {
                    at = moved;
                }
            }
            at
        })
        .collect();
    filed_times.sort();

    // The rows are made on a second thread while this one writes the batch made before, so
    // making and writing overlap; two batches wait at most.
    let (batches, made) = std::sync::mpsc::sync_channel::<(String, usize)>(2);
    let (event_count, deflected) = std::thread::scope(|scope| -> anyhow::Result<(i64, usize)> {
        let (engineers, requesters, services) = (&engineers, &requesters, &services);
        let maker = scope.spawn(move || {
            for (index, filed_at) in filed_times.into_iter().enumerate() {
                let id = index as i64 + 1;
                let category = weighted(&mut rng, &CATEGORIES.iter().map(|(_, w)| *w).collect::<Vec<_>>());
                let service = rng.random_bool(0.7).then(|| services[rng.random_range(0..services.len())]);
                let urgency = [Urgency::Low, Urgency::Normal, Urgency::High][weighted(&mut rng, &[25, 55, 20])];
                let requester = requesters[rng.random_range(0..requesters.len())].0;
                let templates = TITLES[category];
                let subject = service
                    .map(|s| s.1)
                    .unwrap_or(["staging", "the API", "batch jobs", "the office"][rng.random_range(0..4)]);
                let template = rng.random_range(0..templates.len());
                let (title, description, answer) = templates[template];
                let (title, description, answer) = (
                    title.replace("{s}", subject),
                    description.replace("{s}", subject),
                    answer.replace("{s}", subject),
                );

                let mut events: Vec<SeedEvent> = vec![SeedEvent {
                    kind: EventKind::Filed,
                    at: filed_at,
                    actor: requester,
                    from: None,
                    to: State::New,
                    owner: None,
                    target: None,
                    related: None,
                    note: None,
                }];
                let respond_at = office_moment(filed_at + Duration::minutes(rng.random_range(2..150)), &mut rng);
                let gk = keeper(respond_at).unwrap_or(engineers[0].0);
                let roll = rng.random_range(0..100);
                // The goalkeeper routes most database and vendor questions to the one who always answers them.
                let roll = if matches!(category, 3 | 5) && rng.random_bool(0.8) { 60 } else { roll };
                let work = |rng: &mut StdRng, from: DateTime<Utc>, hours: i64| {
                    office_moment(from + Duration::minutes(rng.random_range(15..hours * 60)), rng)
                };
                if roll < 10 {
                    let duplicate = roll < 3 && id > 1;
                    step(
                        &mut events,
                        EventKind::Rejected,
                        respond_at,
                        gk,
                        State::New,
                        State::Rejected,
                        Some(gk),
                        None,
                        Some(if duplicate {
                            "Duplicate of an earlier request."
                        } else {
                            "Not something the ops team does; please ask the platform team."
                        }),
                    );
                    if duplicate && let Some(last) = events.last_mut() {
                        last.related = Some(rng.random_range(1..id));
                    }
                } else if roll < 45 {
                    take(&mut events, respond_at, gk);
                    let done = work(&mut rng, respond_at, 6);
                    resolve(&mut events, done, gk, &answer);
                } else if roll < 53 {
                    step(
                        &mut events,
                        EventKind::Waiting,
                        respond_at,
                        gk,
                        State::New,
                        State::Waiting,
                        Some(gk),
                        None,
                        Some("Which environment, and since when?"),
                    );
                    let replied = respond_at + Duration::minutes(rng.random_range(30..1_440));
                    step(
                        &mut events,
                        EventKind::Resumed,
                        replied,
                        requester,
                        State::Waiting,
                        State::InProgress,
                        Some(gk),
                        None,
                        Some("Production, since this morning."),
                    );
                    let done = work(&mut rng, replied, 8);
                    resolve(&mut events, done, gk, &answer);
                } else if roll < 88 {
                    let expert = expert_for(category, &mut rng, gk);
                    step(
                        &mut events,
                        EventKind::Routed,
                        respond_at,
                        gk,
                        State::New,
                        State::InProgress,
                        Some(expert),
                        Some(expert),
                        None,
                    );
                    let done = work(&mut rng, respond_at, 30);
                    resolve(&mut events, done, expert, &answer);
                } else {
                    take(&mut events, respond_at, gk);
                    let mate = expert_for(category, &mut rng, gk);
                    let asked = respond_at + Duration::minutes(rng.random_range(5..120));
                    step(
                        &mut events,
                        EventKind::Consulted,
                        asked,
                        gk,
                        State::InProgress,
                        State::InProgress,
                        Some(gk),
                        Some(mate),
                        Some("Have you seen this before?"),
                    );
                    let done = work(&mut rng, asked, 10);
                    resolve(&mut events, done, gk, &answer);
                }
                if events.last().is_some_and(|e| e.kind == EventKind::Resolved) && rng.random_bool(0.03) {
                    let closer = events.last().map(|e| e.actor).unwrap_or(gk);
                    let reopened =
                        events.last().map(|e| e.at).unwrap_or(filed_at) + Duration::hours(rng.random_range(2..72));
                    let done = work(&mut rng, reopened, 8);
                    step(
                        &mut events,
                        EventKind::Reopened,
                        reopened,
                        requester,
                        State::Resolved,
                        State::InProgress,
                        Some(closer),
                        None,
                        Some("Still happening."),
                    );
                    resolve(&mut events, done, closer, &answer);
                }
                // Some requesters say thanks on the closed request: a comment, which closes nothing.
                if let Some(closed) =
                    events.last().filter(|e| e.kind == EventKind::Resolved).map(|e| (e.at, e.to, e.owner))
                    && rng.random_bool(0.1)
                {
                    let (closed_at, state, owner) = closed;
                    let thanks = closed_at + Duration::hours(rng.random_range(1..96));
                    step(
                        &mut events,
                        EventKind::Commented,
                        thanks,
                        requester,
                        state,
                        state,
                        owner,
                        None,
                        Some("Thanks, works now!"),
                    );
                }
                // The future has not happened yet: recent requests stay open.
                events.retain(|e| e.at <= now);
                let last = events.last().map(|e| (e.to, e.owner, e.at)).unwrap_or((State::New, None, filed_at));
                let (state, owner, updated) = last;
                let close = events.iter().rev().find(|e| state.is_final() && metrics::CLOSES.contains(&e.kind));
                let closer = close.map(|e| e.actor);
                // A few requesters keep their requests private; engineers vouch for some resolutions.
                let private = rng.random_bool(0.05);
                let good_answer = (state == State::Resolved && !private && rng.random_bool(0.04))
                    .then(|| (closer.unwrap_or(gk), (close.map_or(updated, |e| e.at) + Duration::hours(1)).min(now)));
                // Before filing, some people find an earlier answer to the same question that solves it.
                let asked_at = filed_at - Duration::minutes(3);
                if rng.random_bool(0.08) {
                    let earlier = answers.get(&(category, template)).and_then(|found: &Vec<Answered>| {
                        found.iter().rev().take(20).find(|(_, resolved)| *resolved < asked_at).map(|(id, _)| *id)
                    });
                    if let Some(answer_id) = earlier {
                        let asker = requesters[rng.random_range(0..requesters.len())].0;
                        let _ = write!(
                            deflection_sql,
                            "({asker},{answer_id},{},{},{},{}),",
                            sql_text(&title),
                            category_ids[category],
                            sql_time(asked_at),
                            sql_opt(keeper(asked_at)),
                        );
                        deflected += 1;
                    }
                }
                if state == State::Resolved && !private {
                    answers.entry((category, template)).or_default().push((id, updated));
                }
                // The summary columns follow the domain's definition of each moment.
                let tier = service.map(|s| s.2);
                let summary = History {
                    id: RequestId(id),
                    category: CategoryId(category_ids[category]),
                    tier,
                    state,
                    filed_at,
                    events: events
                        .iter()
                        .map(|e| MetricEvent {
                            kind: e.kind,
                            at: e.at,
                            actor: UserId(e.actor),
                            by_engineer: e.actor != requester,
                            target: e.target.map(UserId),
                            goalkeeper: keeper(e.at).map(UserId),
                            related: e.related.map(RequestId),
                        })
                        .collect(),
                }
                .summary();
                let _ = write!(
                    request_sql,
                    "({id},{},{},{},{},{},{},{requester},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}),",
                    sql_text(&title),
                    sql_text(&description),
                    category_ids[category],
                    sql_opt(service.map(|s| s.0.0)),
                    sql_text(urgency.as_str()),
                    sql_text(state.as_str()),
                    sql_opt(owner),
                    sql_opt(summary.duplicate_of.map(|r| r.0)),
                    Tier::rank(tier),
                    urgency.rank(),
                    events.len(),
                    sql_time(filed_at),
                    sql_time(updated),
                    summary.closed_at.map(sql_time).unwrap_or_else(|| "NULL".into()),
                    sql_opt(summary.closed_by.map(|u| u.0)),
                    summary.first_response_at.map(sql_time).unwrap_or_else(|| "NULL".into()),
                    summary.first_triage_at.map(sql_time).unwrap_or_else(|| "NULL".into()),
                    sql_opt(summary.first_triage_goalkeeper.map(|g| g.0)),
                    sql_opt(summary.close_goalkeeper.map(|g| g.0)),
                    if summary.routed { "TRUE" } else { "FALSE" },
                    if summary.reopened { "TRUE" } else { "FALSE" },
                    if private { "TRUE" } else { "FALSE" },
                    sql_opt(good_answer.map(|(by, _)| by)),
                    good_answer.map(|(_, at)| sql_time(at)).unwrap_or_else(|| "NULL".into()),
                    tier.map(|t| sql_text(t.as_str())).unwrap_or_else(|| "NULL".into()),
                );
                for (version, e) in events.iter().enumerate() {
                    event_id += 1;
                    let _ = write!(
                        event_sql,
                        "({event_id},{id},{},{},{},{},{},{},{},{},{},{},{},{}),",
                        e.actor,
                        sql_time(e.at),
                        sql_text(e.kind.as_str()),
                        e.from.map(|s| sql_text(s.as_str())).unwrap_or_else(|| "NULL".into()),
                        sql_text(e.to.as_str()),
                        sql_opt(e.owner),
                        sql_opt(e.target),
                        sql_opt(e.related),
                        e.note.as_deref().map(sql_text).unwrap_or_else(|| "NULL".into()),
                        version + 1,
                        sql_opt(keeper(e.at)),
                        sql_text(if e.actor == requester { Role::Requester.as_str() } else { Role::Engineer.as_str() }),
                    );
                    pending_events += 1;
                }
                pending_requests += 1;
                if pending_requests >= 2_000 || pending_events >= 8_000 {
                    let batch = batch_of(&mut request_sql, &mut event_sql, &mut deflection_sql);
                    if batches.send((batch, pending_requests)).is_err() {
                        // The writer stopped on an error, which it reports.
                        return (event_id, deflected);
                    }
                    pending_requests = 0;
                    pending_events = 0;
                }
            }
            if pending_requests > 0 {
                let batch = batch_of(&mut request_sql, &mut event_sql, &mut deflection_sql);
                let _ = batches.send((batch, pending_requests));
            }
            (event_id, deflected)
        });
        for (batch, requests) in made {
            db::write_transaction(conn, |conn| conn.batch_execute(&batch))?;
            bar.inc(requests as u64);
        }
        maker.join().map_err(|_| anyhow::anyhow!("making the seed's rows failed"))
    })?;
    bar.finish_and_clear();
    phases.done("rows");
    if let Some(load) = bulk_load {
        db::bulk::finish_sqlite(conn, &load)?;
        phases.done("indexes and full-text index");
    }
    // The rows went in as SQL, past the app that lists the words of what it writes.
    db::search::fill_words(conn)?;
    phases.done("search words");
    if let DbConnection::Pg(_) = conn {
        // New rows continue after the generated ids.
        conn.batch_execute(
            "SELECT setval(pg_get_serial_sequence('requests', 'id'), COALESCE((SELECT MAX(id) FROM requests), 0) + 1, false); \
             SELECT setval(pg_get_serial_sequence('events', 'id'), COALESCE((SELECT MAX(id) FROM events), 0) + 1, false); \
             SELECT setval(pg_get_serial_sequence('deflections', 'id'), COALESCE((SELECT MAX(id) FROM deflections), 0) + 1, false); \
             ANALYZE;",
        )?;
    } else {
        conn.batch_execute("ANALYZE;")?;
    }
    phases.done("statistics");
    Ok(format!(
        "Seeded {total} requests ({event_count} events, {deflected} solved by earlier answers before filing) over {weeks} weeks: 1 admin, {} engineers in the rotation, {} requesters, {} services.\n\
         Sign in as admin@example.com, gina@example.com (an engineer) or alex.backend0@example.com (a requester); \
         every password is {DEMO_PASSWORD}.",
        engineers.len(),
        requesters.len(),
        services.len()
    ))
}
