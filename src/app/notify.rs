//! Notifications: the outbox rows written with the event that causes them, and the delivery
//! worker's use case that sends them with retries (at least once; a stable message id per
//! delivery lets receivers drop repeats).

use super::{Context, Error, Request};
use crate::db::notify::{self as store, Channel, Delivery, NewDelivery};
use crate::db::team::TeamSetup;
use crate::db::{DbConnection, users, write_transaction};
use crate::domain::notify::{Happened, Topic, channel_topic, notices};
use crate::domain::{EventKind, Tier, UserId};
use chrono::{DateTime, Duration, Utc};

/// Attempts before a delivery is kept as failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a sender owns the deliveries it claimed; past that another may take them over.
pub const LEASE: Duration = Duration::minutes(2);

/// The wait before attempt `n + 1` after `n` failed: 30 s, 1 min, 2 min … at most an hour.
pub fn backoff(failed_attempts: i32) -> Duration {
    let doublings = u32::try_from(failed_attempts.clamp(1, 8) - 1).unwrap_or(0);
    (Duration::seconds(30) * 2i32.pow(doublings)).min(Duration::hours(1))
}

/// A message as a transport sends it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Stable across retries.
    pub message_id: String,
    pub topic: String,
    pub request_id: Option<i64>,
    pub subject: String,
    pub body: String,
    /// The request's page, when there is one.
    pub link: Option<String>,
    /// For an e-mail about a request: the signed token of its reply address.
    pub reply_token: Option<String>,
}

/// What sends messages: e-mail and chat/webhook channels. Errors are the transport's own words
/// (kept on the delivery for the admin).
pub trait Transport: Send + Sync {
    /// Whether an e-mail server is configured; until one is, e-mail deliveries wait.
    fn has_email(&self) -> bool;
    fn email(&self, to: &str, message: &Outgoing) -> Result<(), String>;
    fn channel(&self, channel: &Channel, message: &Outgoing) -> Result<(), String>;
    fn public_url(&self) -> &str;
}

fn message_id() -> String {
    format!("msg_{}", crate::auth::random_token(24))
}

/// Writes the deliveries a triage action's event causes, in the caller's transaction: e-mail to
/// each person the rules name, and a message to each channel that hears the event's topic. (A
/// filing's news, which depends on the service's tier and who keeps goal, is `record_filed`'s.)
pub fn record(
    conn: &mut DbConnection,
    ctx: &Context,
    setup: &TeamSetup,
    request: &Request,
    kind: EventKind,
    target: Option<UserId>,
    note: Option<&str>,
) -> Result<(), Error> {
    let happened =
        Happened { kind, actor: ctx.actor, target, request: request.facts(), critical: false, goalkeeper: None };
    tell(conn, ctx, setup, request, &happened, note)
}

/// Writes a new request's news. Filing has just read the tier of its service and who keeps
/// goal; they are not read again.
pub fn record_filed(
    conn: &mut DbConnection,
    ctx: &Context,
    setup: &TeamSetup,
    request: &Request,
    tier: Option<Tier>,
    goalkeeper: Option<UserId>,
) -> Result<(), Error> {
    let happened = Happened {
        kind: EventKind::Filed,
        actor: ctx.actor,
        target: None,
        request: request.facts(),
        critical: tier == Some(Tier::Critical),
        goalkeeper,
    };
    tell(conn, ctx, setup, request, &happened, None)
}

fn tell(
    conn: &mut DbConnection,
    ctx: &Context,
    setup: &TeamSetup,
    request: &Request,
    happened: &Happened,
    note: Option<&str>,
) -> Result<(), Error> {
    let (kind, actor, target) = (happened.kind, happened.actor, happened.target);
    // Out of office hours only critical news is worth a person's sleep; the rest waits for the
    // next morning and goes out as one digest.
    let held_until = ctx.team.office.next_open(ctx.now).filter(|opens| *opens > ctx.now);
    let mut out = Vec::new();
    let mut told = notices(happened);
    if let (Some(_), Some(on_call), EventKind::Filed, true) = (held_until, ctx.team.on_call, kind, happened.critical) {
        // Out of hours the admin's on-call person is alerted instead of the goalkeeper.
        told.retain(|n| n.topic != Topic::NewCritical);
        if on_call != actor.id {
            told.push(crate::domain::notify::Notice { to: on_call, topic: Topic::NewCritical });
        }
    }
    // `@handle` in a comment or an internal note tells that engineer (once, never the writer).
    if let (Some(text), EventKind::Commented | EventKind::Noted) = (note, kind) {
        let handles = crate::domain::notify::mentioned_handles(text);
        if !handles.is_empty() {
            for engineer in setup.engineers() {
                let named = handles.contains(&crate::domain::notify::handle_of(&engineer.email));
                if named && engineer.id != actor.id && !told.iter().any(|n| n.to == engineer.id) {
                    told.push(crate::domain::notify::Notice { to: engineer.id, topic: Topic::Mentioned });
                }
            }
        }
    }
    let actor_name = setup.person(actor.id).map(|(u, _)| u.name.clone()).unwrap_or_default();
    for notice in told {
        let Some((person, muted)) = setup.person(notice.to) else { continue };
        if person.disabled {
            continue;
        }
        // Internal notes (a consult's question, a route note) go to engineers only.
        let shown = if person.role.is_engineer() || !kind.note_is_internal() { note } else { None };
        let (subject, body) = compose(notice.topic, request, &actor_name, shown);
        // The inbox shows everything; e-mail only what the person did not turn off.
        let inbox = NewDelivery {
            recipient: Some(person.id.0),
            ..delivery("inbox", notice.topic, Some(request.id.0), &subject, &body, ctx.now)
        };
        out.push(inbox);
        if muted.iter().any(|t| t == notice.topic.as_str()) {
            continue;
        }
        let (due, digest) = match held_until {
            Some(opens) if notice.topic != Topic::NewCritical => (opens, true),
            _ => (ctx.now, false),
        };
        out.push(NewDelivery {
            recipient: Some(person.id.0),
            digest,
            ..delivery("email", notice.topic, Some(request.id.0), &subject, &body, due)
        });
    }
    if let Some(topic) = channel_topic(happened) {
        // Channels are read by the whole team: never a private request's words, never notes.
        let target_name = target.and_then(|t| setup.person(t)).map(|(u, _)| u.name.as_str());
        let subject = channel_line(topic, request, &actor_name, target_name);
        let body = if request.private { "" } else { request.title.as_str() };
        out.extend(channel_deliveries(&setup.channels, topic, Some(request.id.0), &subject, body, ctx.now));
    }
    Ok(store::enqueue(conn, &out, ctx.now)?)
}

/// The line a team channel shows: who did what to which request (a private one by number only).
fn channel_line(topic: Topic, request: &Request, actor: &str, target: Option<&str>) -> String {
    let id = request.id;
    let target = target.unwrap_or("a teammate");
    match topic {
        Topic::NewCritical => format!("Critical: {actor} filed #{id}"),
        Topic::NewRequest => format!("{actor} filed #{id}"),
        Topic::Asked => format!("{actor} asked the requester about #{id}"),
        Topic::Resolved => format!("{actor} resolved #{id}"),
        Topic::Rejected => format!("{actor} rejected #{id}"),
        Topic::Commented => format!("{actor} commented on #{id}"),
        Topic::Replied => format!("The requester answered on #{id}"),
        Topic::Reopened => format!("{actor} reopened #{id}"),
        Topic::Routed => format!("{actor} routed #{id} to {target}"),
        Topic::Consulted => format!("{actor} consulted {target} on #{id}"),
        Topic::Mentioned => format!("{actor} mentioned a teammate on #{id}"),
        Topic::Handover | Topic::CoverWanted => format!("{actor} took over #{id}"),
    }
}

/// The subject and text of a notification.
fn compose(topic: Topic, request: &Request, actor: &str, note: Option<&str>) -> (String, String) {
    let id = request.id;
    let title = &request.title;
    let (subject, lead) = match topic {
        Topic::NewRequest => (format!("New request #{id}: {title}"), format!("{actor} filed a request.")),
        Topic::NewCritical => {
            (format!("Critical request #{id}: {title}"), format!("{actor} filed a request on a critical service."))
        }
        Topic::Asked => (format!("Question about #{id}: {title}"), format!("{actor} needs more information from you.")),
        Topic::Resolved => (format!("Resolved #{id}: {title}"), format!("{actor} resolved your request.")),
        Topic::Rejected => (format!("Rejected #{id}: {title}"), format!("{actor} rejected your request.")),
        Topic::Commented => (format!("Comment on #{id}: {title}"), format!("{actor} commented.")),
        Topic::Replied => (format!("Reply on #{id}: {title}"), format!("{actor} answered.")),
        Topic::Reopened => (format!("Reopened #{id}: {title}"), format!("{actor} reopened the request.")),
        Topic::Routed => (format!("Routed to you #{id}: {title}"), format!("{actor} routed this request to you.")),
        Topic::Consulted => (format!("Your advice on #{id}: {title}"), format!("{actor} asks your advice.")),
        Topic::Mentioned => (format!("You were mentioned on #{id}: {title}"), format!("{actor} mentioned you.")),
        Topic::Handover | Topic::CoverWanted => (format!("#{id}: {title}"), format!("{actor} took over.")),
    };
    let body = match note {
        Some(note) if !note.trim().is_empty() => format!("{lead}\n\n{}", note.trim()),
        _ => lead,
    };
    (subject, body)
}

/// What one run of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Sends the due deliveries, at most `limit`: claimed in one short transaction, sent with no
/// transaction open, then settled one by one.
pub fn deliver_due(
    conn: &mut DbConnection,
    transport: &dyn Transport,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Round, Error> {
    let media: &[&str] = if transport.has_email() { &["email", "channel"] } else { &["channel"] };
    let claimed = store::claim_due(conn, media, now, LEASE, limit)?;
    // Held news goes out as one e-mail per person; everything else one by one.
    let (held, single): (Vec<Delivery>, Vec<Delivery>) =
        claimed.into_iter().partition(|d| d.digest && d.medium == "email");
    let mut batches: Vec<Vec<Delivery>> = single.into_iter().map(|d| vec![d]).collect();
    let mut by_person: std::collections::BTreeMap<Option<i64>, Vec<Delivery>> = Default::default();
    for delivery in held {
        by_person.entry(delivery.recipient_id).or_default().push(delivery);
    }
    batches.extend(by_person.into_values());
    let mut round = Round::default();
    for batch in batches {
        let outcome = match batch.as_slice() {
            [one] => send(conn, transport, one, None)?,
            [first, ..] => send(conn, transport, first, Some(digest(&batch, transport.public_url())))?,
            [] => continue,
        };
        // A batch shares its fate; its attempts are its first delivery's.
        let attempts = batch.iter().map(|d| d.attempts).max().unwrap_or(0);
        for delivery in &batch {
            match &outcome {
                Ok(()) => {
                    store::mark_delivered(conn, delivery.id, now)?;
                    round.delivered += 1;
                }
                Err(error) if attempts >= MAX_ATTEMPTS => {
                    tracing::warn!(delivery = delivery.id, %error, "delivery failed for good");
                    store::mark_attempt_failed(conn, delivery.id, error, None)?;
                    round.failed += 1;
                }
                Err(error) => {
                    store::mark_attempt_failed(conn, delivery.id, error, Some(now + backoff(attempts)))?;
                    round.retrying += 1;
                }
            }
        }
    }
    Ok(round)
}

/// One e-mail for a person's held news: each item's subject and link.
fn digest(batch: &[Delivery], public_url: &str) -> (String, String) {
    let subject = format!("{} updates from Goalkeeper while the office was closed", batch.len());
    let lines: Vec<String> = batch
        .iter()
        .map(|d| match d.request_id {
            Some(id) => format!("• {}\n  {public_url}/requests/{id}", d.subject),
            None => format!("• {}", d.subject),
        })
        .collect();
    (subject, lines.join("\n\n"))
}

/// Sends one delivery, or (with `digest`) a person's held news under the first one's id.
fn send(
    conn: &mut DbConnection,
    transport: &dyn Transport,
    delivery: &Delivery,
    digest: Option<(String, String)>,
) -> Result<Result<(), String>, Error> {
    let message = match digest {
        None => Outgoing {
            message_id: delivery.message_id.clone(),
            topic: delivery.topic.clone(),
            request_id: delivery.request_id,
            subject: delivery.subject.clone(),
            body: delivery.body.clone(),
            link: delivery.request_id.map(|id| format!("{}/requests/{id}", transport.public_url())),
            reply_token: match (delivery.medium.as_str(), delivery.request_id, delivery.recipient_id) {
                ("email", Some(request), Some(person)) => Some(reply_token(conn, request, person)?),
                _ => None,
            },
        },
        Some((subject, body)) => Outgoing {
            message_id: delivery.message_id.clone(),
            topic: "digest".into(),
            request_id: None,
            subject,
            body,
            link: None,
            reply_token: None,
        },
    };
    Ok(match (delivery.medium.as_str(), delivery.recipient_id, delivery.channel_id) {
        ("email", Some(person), _) => match users::by_id(conn, UserId(person))? {
            Some(person) => transport.email(&person.email, &message),
            None => Err("the recipient is gone".into()),
        },
        ("channel", _, Some(channel)) => match store::channel(conn, channel)? {
            Some(channel) if channel.enabled => transport.channel(&channel, &message),
            Some(_) => Err("the channel is turned off".into()),
            None => Err("the channel is gone".into()),
        },
        _ => Err(format!("cannot deliver by {}", delivery.medium)),
    })
}

fn require_admin(ctx: &Context) -> Result<(), Error> {
    if ctx.actor.role.is_admin() { Ok(()) } else { Err(Error::Forbidden { code: "admins_only" }) }
}

/// The admin's view of notifications: channels, how many deliveries are in each state, and the
/// newest failed ones.
pub struct Overview {
    pub channels: Vec<ChannelLine>,
    pub counts: Vec<(String, i64)>,
    pub failed: Vec<Delivery>,
}

pub fn overview(conn: &mut DbConnection, ctx: &Context) -> Result<Overview, Error> {
    require_admin(ctx)?;
    Ok(Overview {
        channels: store::channels(conn)?
            .into_iter()
            .map(|c| ChannelLine {
                id: c.id,
                name: c.name,
                kind: c.kind,
                url: c.url,
                topics: c.topics,
                enabled: c.enabled,
            })
            .collect(),
        counts: store::counts(conn)?,
        failed: store::with_status(conn, "failed", 50)?,
    })
}

/// A channel as the admin page lists it (never its signing secret).
pub struct ChannelLine {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub topics: String,
    pub enabled: bool,
}

/// A channel to add.
pub struct ChannelInput {
    pub name: String,
    /// `slack`, `teams`, `matrix` or `webhook`.
    pub kind: String,
    /// For Matrix: the room's address on the homeserver,
    /// `https://matrix.example.org/_matrix/client/v3/rooms/!room:example.org`.
    pub url: String,
    /// For Matrix: the access token of the account that posts.
    pub token: String,
    pub topics: Vec<String>,
}

/// Adds a channel; a generic webhook gets a signing secret, returned once here.
pub fn add_channel(conn: &mut DbConnection, ctx: &Context, input: &ChannelInput) -> Result<Option<String>, Error> {
    require_admin(ctx)?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(Error::invalid("invalid", "name"));
    }
    if !["slack", "teams", "matrix", "webhook"].contains(&input.kind.as_str()) {
        return Err(Error::invalid("invalid", "kind"));
    }
    let token = input.token.trim();
    if input.kind == "matrix"
        && (token.is_empty() || token.len() > 500 || token.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err(Error::invalid("required", "token"));
    }
    let url = input.url.trim();
    let web_address = (url.starts_with("https://") || url.starts_with("http://")) && url.len() <= 2000;
    if !web_address || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid("invalid", "url"));
    }
    let mut topics = Vec::new();
    for raw in &input.topics {
        let topic = Topic::parse(raw).ok_or_else(|| Error::invalid("invalid", "topics"))?;
        topics.push(topic.as_str());
    }
    if topics.is_empty() {
        return Err(Error::invalid("empty", "topics"));
    }
    let secret = (input.kind == "webhook").then(|| {
        use base64::Engine;
        let bytes: Vec<u8> = crate::auth::random_token(32).into_bytes();
        format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes))
    });
    let stored_secret = match input.kind.as_str() {
        "matrix" => token,
        _ => secret.as_deref().unwrap_or(""),
    };
    let new = store::NewChannel { name, kind: &input.kind, url, secret: stored_secret, topics: &topics.join(",") };
    write_transaction(conn, |conn| store::add_channel(conn, &new, ctx.now))?;
    Ok(secret)
}

pub fn set_channel_enabled(conn: &mut DbConnection, ctx: &Context, id: i64, enabled: bool) -> Result<(), Error> {
    require_admin(ctx)?;
    match store::set_channel_enabled(conn, id, enabled)? {
        0 => Err(Error::NotFound),
        _ => Ok(()),
    }
}

/// Tries a failed delivery again from now.
pub fn retry(conn: &mut DbConnection, ctx: &Context, id: i64) -> Result<(), Error> {
    require_admin(ctx)?;
    match store::retry(conn, id, ctx.now)? {
        0 => Err(Error::NotFound),
        _ => Ok(()),
    }
}

/// What a requester is told when they file out of office hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterHours {
    /// The request waits for office hours, which begin at this moment.
    WaitsUntil(DateTime<Utc>),
    /// A critical service: the goalkeeper on duty was alerted at once.
    Alerted,
    /// A critical service, but nobody is on duty to alert; it waits until then.
    NobodyOnDuty(DateTime<Utc>),
}

/// Whether `request`, filed now, was filed out of office hours, and what happens to it.
pub fn after_hours(conn: &mut DbConnection, ctx: &Context, request: &Request) -> Result<Option<AfterHours>, Error> {
    let Some(opens) = ctx.team.office.next_open(ctx.now).filter(|opens| *opens > ctx.now) else {
        return Ok(None);
    };
    let setup = ctx.memo.team_setup(conn)?;
    if !is_critical(&setup, request) {
        return Ok(Some(AfterHours::WaitsUntil(opens)));
    }
    Ok(Some(match setup.goalkeeper_at(ctx.now) {
        Some(_) => AfterHours::Alerted,
        None => AfterHours::NobodyOnDuty(opens),
    }))
}

/// The secret that signs reply addresses, shared by every instance.
fn reply_secret(conn: &mut DbConnection) -> Result<String, Error> {
    Ok(crate::db::sessions::setting_or_init(conn, "reply_address_key", || crate::auth::random_token(64))?)
}

fn reply_signature(secret: &str, request: i64, person: i64) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(format!("{request}.{person}").as_bytes());
    mac.finalize().into_bytes().iter().take(10).map(|b| format!("{b:02x}")).collect()
}

/// The token in a notification's reply address: which request, whose reply, signed so nobody
/// can post as someone else by guessing it.
pub fn reply_token(conn: &mut DbConnection, request: i64, person: i64) -> Result<String, Error> {
    let secret = reply_secret(conn)?;
    Ok(format!("r{request}-{person}-{}", reply_signature(&secret, request, person)))
}

/// A reply to a notification e-mail, as the mail gateway read it.
#[derive(Debug, Clone, Default)]
pub struct MailReply {
    /// From the address it was sent to (`…+r12-3-abcdef@…`), when there is one.
    pub token: Option<String>,
    /// The request the message answers, from `In-Reply-To`/`References`, when no token.
    pub request: Option<i64>,
    /// The sender's address.
    pub from: String,
    /// The new text, quoted part stripped.
    pub text: String,
}

/// Why a reply by e-mail was not taken; the gateway says so to the sender (a bounce).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailRefusal {
    /// Neither a reply address nor a known thread.
    NoRequest,
    /// The reply address was tampered with.
    BadSignature,
    /// The sender has no (enabled) account, or is not the person the address was made for.
    UnknownSender,
    Empty,
}

/// Adds a reply by e-mail as a comment of its sender (which resumes a request waiting on them).
pub fn reply_by_email(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    team: &crate::domain::office::TeamSettings,
    reply: &MailReply,
) -> Result<Result<Request, MailRefusal>, Error> {
    let text = reply.text.trim();
    if text.is_empty() {
        return Ok(Err(MailRefusal::Empty));
    }
    let sender = users::by_email(conn, &reply.from.trim().to_lowercase())?.map(|(user, _)| user);
    let Some(sender) = sender.filter(|u| !u.disabled) else { return Ok(Err(MailRefusal::UnknownSender)) };
    let request_id = match &reply.token {
        Some(token) => {
            let parts: Vec<&str> = token.trim_start_matches('r').splitn(3, '-').collect();
            let [request, person, signature] = parts.as_slice() else { return Ok(Err(MailRefusal::BadSignature)) };
            let (Ok(request), Ok(person)) = (request.parse::<i64>(), person.parse::<i64>()) else {
                return Ok(Err(MailRefusal::BadSignature));
            };
            let expected = reply_signature(&reply_secret(conn)?, request, person);
            if expected.is_empty() || expected != *signature {
                return Ok(Err(MailRefusal::BadSignature));
            }
            if person != sender.id.0 {
                return Ok(Err(MailRefusal::UnknownSender));
            }
            request
        }
        None => match reply.request {
            Some(request) => request,
            None => return Ok(Err(MailRefusal::NoRequest)),
        },
    };
    let ctx = Context::new(sender.id, sender.role, now, team.clone());
    let id = crate::domain::RequestId(request_id);
    let Some(current) = crate::db::requests::get(conn, id)? else { return Ok(Err(MailRefusal::NoRequest)) };
    let input = super::requests::ActInput { note: Some(text.to_owned()), ..Default::default() };
    match super::requests::perform(conn, &ctx, id, current.version, crate::domain::ActionName::Comment, &input) {
        Ok(request) => Ok(Ok(request)),
        // Someone who may not see the request cannot comment on it by e-mail either.
        Err(Error::NotFound | Error::Forbidden { .. }) => Ok(Err(MailRefusal::NoRequest)),
        Err(other) => Err(other),
    }
}

/// The setting that remembers the last stretch of duty announced.
const ANNOUNCED: &str = "announced_shift";

/// Tells the channels that hear `handover` when a new stretch of duty begins (a handover, or a
/// cover starting or ending): "Goalkeeper now: X until …, next: Y", with a link to the outgoing
/// goalkeeper's report; or that nobody is on duty. Once per change, across instances.
pub fn announce_duty(conn: &mut DbConnection, now: DateTime<Utc>, public_url: &str) -> Result<bool, Error> {
    write_transaction(conn, |conn| {
        crate::db::serialize(conn, crate::db::lock::ANNOUNCE)?;
        let roster = crate::db::rotation::roster(conn, now)?;
        if roster.versions().is_empty() {
            return Ok(false);
        }
        let shift = roster.shift_at(now);
        let key = match &shift {
            Some(s) => format!("{}:{}", s.engineer, s.start.timestamp()),
            None => "nobody".to_owned(),
        };
        let previous = crate::db::sessions::setting(conn, ANNOUNCED)?;
        if previous.as_deref() == Some(key.as_str()) {
            return Ok(false);
        }
        crate::db::sessions::put_setting(conn, ANNOUNCED, &key)?;
        let Some(previous) = previous else {
            // The first look after an upgrade: remember, announce from the next change on.
            return Ok(false);
        };
        let team = crate::db::rotation::team_settings(conn, chrono_tz::UTC)?;
        let tz = team.timezone();
        let name = |conn: &mut DbConnection, id: UserId| -> Result<String, Error> {
            Ok(users::by_id(conn, id)?.map(|u| u.name).unwrap_or_else(|| format!("engineer #{id}")))
        };
        let label = |at: DateTime<Utc>| at.with_timezone(&tz).format("%a %-d %b %H:%M").to_string();
        let mut parts = previous.split(':');
        let outgoing: Option<UserId> = parts.next().and_then(|id| id.parse().ok()).map(UserId);
        let began = parts.next().and_then(|ts| ts.parse().ok()).and_then(|ts| DateTime::<Utc>::from_timestamp(ts, 0));
        // The outgoing stretch's middle: its notes belong to the week it mostly fell in (a
        // Monday 09:00 handover is already in the new ISO week).
        let middle = began.map(|start| start + (now - start) / 2).unwrap_or(now - Duration::days(3));
        let week = crate::domain::metrics::IsoWeek::containing(middle, tz);
        let report = format!("{public_url}/reports/weekly/{week}");
        let text = match &shift {
            Some(s) => {
                let next = roster.goalkeeper_at(s.end).filter(|n| *n != s.engineer);
                let next = match next {
                    Some(id) => format!(", next: {}", name(conn, id)?),
                    None => String::new(),
                };
                format!("Goalkeeper now: {} until {}{next}.", name(conn, s.engineer)?, label(s.end))
            }
            None => match outgoing {
                Some(id) => format!("Nobody is on duty now; the last goalkeeper was {}.", name(conn, id)?),
                None => "Nobody is on duty now.".to_owned(),
            },
        };
        let body = match outgoing {
            Some(id) => format!("Handover notes from {}: {report}", name(conn, id)?),
            None => String::new(),
        };
        tell_channels(conn, Topic::Handover, &text, &body, now)?;
        Ok(true)
    })
}

/// One line of a person's inbox.
pub struct InboxItem {
    pub topic: String,
    pub subject: String,
    pub body: String,
    pub request_id: Option<i64>,
    pub at: DateTime<Utc>,
    pub unread: bool,
}

/// How many inbox items the page lists.
pub const INBOX_SHOWN: i64 = 50;

pub fn inbox(conn: &mut DbConnection, ctx: &Context) -> Result<Vec<InboxItem>, Error> {
    Ok(store::inbox(conn, ctx.actor.id.0, INBOX_SHOWN)?
        .into_iter()
        .map(|d| InboxItem {
            at: d.created(),
            unread: d.read_at.is_none(),
            topic: d.topic,
            subject: d.subject,
            body: d.body,
            request_id: d.request_id,
        })
        .collect())
}

pub fn mark_inbox_read(conn: &mut DbConnection, ctx: &Context) -> Result<usize, Error> {
    Ok(store::mark_read(conn, ctx.actor.id.0, ctx.now)?)
}

/// The topics a person may turn off for e-mail: what reaches requesters, or everything for
/// engineers.
pub fn topics_for(role: crate::domain::Role) -> Vec<Topic> {
    let requester = [Topic::Asked, Topic::Resolved, Topic::Rejected, Topic::Commented, Topic::Reopened];
    if role.is_engineer() {
        Topic::ALL.into_iter().filter(|t| !matches!(t, Topic::Handover | Topic::CoverWanted)).collect()
    } else {
        requester.to_vec()
    }
}

/// The topics the actor gets e-mail for (the rest they turned off).
pub fn email_topics(conn: &mut DbConnection, ctx: &Context) -> Result<Vec<(Topic, bool)>, Error> {
    let muted = store::muted(conn, ctx.actor.id.0)?;
    Ok(topics_for(ctx.actor.role).into_iter().map(|t| (t, !muted.iter().any(|m| m == t.as_str()))).collect())
}

/// Keeps e-mail for `wanted` topics and turns the others off.
pub fn set_email_topics(conn: &mut DbConnection, ctx: &Context, wanted: &[String]) -> Result<(), Error> {
    for raw in wanted {
        Topic::parse(raw).ok_or_else(|| Error::invalid("invalid", "topics"))?;
    }
    let muted: Vec<&str> = topics_for(ctx.actor.role)
        .into_iter()
        .filter(|t| !wanted.iter().any(|w| w == t.as_str()))
        .map(Topic::as_str)
        .collect();
    Ok(store::set_muted(conn, ctx.actor.id.0, &muted)?)
}

/// How many unread inbox items a person has (for the bell).
pub fn unread(conn: &mut DbConnection, user: UserId) -> Result<i64, Error> {
    Ok(store::unread(conn, user.0)?)
}

/// Posts a message to every channel that hears `topic` (news that is about no request).
pub fn tell_channels(
    conn: &mut DbConnection,
    topic: Topic,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let deliveries = channel_deliveries(&store::channels(conn)?, topic, None, subject, body, now);
    Ok(store::enqueue(conn, &deliveries, now)?)
}

/// A delivery of `topic` due at `due`, to be given its recipient or channel.
fn delivery(
    medium: &'static str,
    topic: Topic,
    request: Option<i64>,
    subject: &str,
    body: &str,
    due: DateTime<Utc>,
) -> NewDelivery {
    NewDelivery {
        message_id: message_id(),
        medium,
        recipient: None,
        channel: None,
        topic: topic.as_str(),
        request,
        subject: subject.to_owned(),
        body: body.to_owned(),
        due,
        digest: false,
    }
}

/// One message for each channel that hears `topic`.
fn channel_deliveries(
    channels: &[Channel],
    topic: Topic,
    request: Option<i64>,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Vec<NewDelivery> {
    channels
        .iter()
        .filter(|c| c.hears(topic.as_str()))
        .map(|c| NewDelivery { channel: Some(c.id), ..delivery("channel", topic, request, subject, body, now) })
        .collect()
}

/// Whether the request concerns a critical service.
fn is_critical(setup: &TeamSetup, request: &Request) -> bool {
    request.service.and_then(|id| setup.service_tier(id)) == Some(Tier::Critical)
}

/// Puts a line in one person's inbox (news about no request).
pub fn tell_person(
    conn: &mut DbConnection,
    to: UserId,
    topic: Topic,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let item = NewDelivery { recipient: Some(to.0), ..delivery("inbox", topic, None, subject, "", now) };
    Ok(store::enqueue(conn, &[item], now)?)
}
