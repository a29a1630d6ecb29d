//! The outbox (deliveries) and the chat and webhook channels.

use super::models::{naive, utc};
use super::schema::{channels, deliveries};
use super::{DbConnection, write_transaction};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = channels)]
pub struct Channel {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub secret: String,
    pub topics: String,
    pub enabled: bool,
    pub created_at: chrono::NaiveDateTime,
}

impl Channel {
    pub fn hears(&self, topic: &str) -> bool {
        self.enabled && self.topics.split(',').any(|t| t.trim() == topic)
    }
}

pub struct NewChannel<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub url: &'a str,
    pub secret: &'a str,
    pub topics: &'a str,
}

pub fn channels(conn: &mut DbConnection) -> QueryResult<Vec<Channel>> {
    channels::table.order(channels::id).select(Channel::as_select()).load(conn)
}

pub fn channel(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Channel>> {
    Ok(super::only(channels::table.find(id).select(Channel::as_select()).load(conn)?))
}

pub fn add_channel(conn: &mut DbConnection, new: &NewChannel<'_>, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::insert_into(channels::table)
        .values((
            channels::name.eq(new.name),
            channels::kind.eq(new.kind),
            channels::url.eq(new.url),
            channels::secret.eq(new.secret),
            channels::topics.eq(new.topics),
            channels::enabled.eq(true),
            channels::created_at.eq(naive(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn set_channel_enabled(conn: &mut DbConnection, id: i64, enabled: bool) -> QueryResult<usize> {
    diesel::update(channels::table.find(id)).set(channels::enabled.eq(enabled)).execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub struct Delivery {
    pub id: i64,
    pub message_id: String,
    pub medium: String,
    pub recipient_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub topic: String,
    pub request_id: Option<i64>,
    pub subject: String,
    pub body: String,
    pub digest: bool,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: chrono::NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub delivered_at: Option<chrono::NaiveDateTime>,
    pub read_at: Option<chrono::NaiveDateTime>,
}

impl Delivery {
    pub fn created(&self) -> DateTime<Utc> {
        utc(self.created_at)
    }
}

pub struct NewDelivery {
    pub message_id: String,
    pub medium: &'static str,
    pub recipient: Option<i64>,
    pub channel: Option<i64>,
    pub topic: &'static str,
    pub request: Option<i64>,
    pub subject: String,
    pub body: String,
    /// When to send it (held out of office hours).
    pub due: DateTime<Utc>,
    /// Part of the recipient's next digest.
    pub digest: bool,
}

/// Adds messages to the outbox.
pub fn enqueue(conn: &mut DbConnection, list: &[NewDelivery], now: DateTime<Utc>) -> QueryResult<()> {
    if list.is_empty() {
        return Ok(());
    }
    // One statement for all of them (a round trip each on PostgreSQL otherwise).
    let rows: Vec<_> = list
        .iter()
        .map(|d| {
            (
                deliveries::message_id.eq(&d.message_id),
                deliveries::medium.eq(d.medium),
                deliveries::recipient_id.eq(d.recipient),
                deliveries::channel_id.eq(d.channel),
                deliveries::topic.eq(d.topic),
                deliveries::request_id.eq(d.request),
                deliveries::subject.eq(&d.subject),
                deliveries::body.eq(&d.body),
                deliveries::digest.eq(d.digest),
                // The in-app inbox needs no sending: it is there once written.
                deliveries::status.eq(if d.medium == "inbox" { "delivered" } else { "pending" }),
                deliveries::delivered_at.eq((d.medium == "inbox").then(|| naive(now))),
                deliveries::attempts.eq(0),
                deliveries::next_attempt_at.eq(naive(d.due)),
                deliveries::created_at.eq(naive(now)),
            )
        })
        .collect();
    // A multi-row insert is typed by each backend's connection, not the multi-backend one.
    match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(deliveries::table).values(&rows).execute(c)?,
        DbConnection::Pg(c) => diesel::insert_into(deliveries::table).values(&rows).execute(c)?,
    };
    Ok(())
}

/// Claims up to `limit` due deliveries of these media for one sender until `now + lease`:
/// pending ones, and ones a sender claimed but never settled (it crashed). On PostgreSQL the
/// rows another instance is claiming right now are skipped, so no delivery is claimed twice.
pub fn claim_due(
    conn: &mut DbConnection,
    media: &[&str],
    now: DateTime<Utc>,
    lease: chrono::Duration,
    limit: i64,
) -> QueryResult<Vec<Delivery>> {
    write_transaction(conn, |conn| {
        let due = deliveries::table
            .filter(deliveries::status.eq_any(["pending", "sending"]))
            .filter(deliveries::next_attempt_at.le(naive(now)))
            .filter(deliveries::medium.eq_any(media))
            .order(deliveries::id)
            .limit(limit)
            .select(deliveries::id);
        let ids: Vec<i64> = match conn {
            DbConnection::Pg(pg) => due.for_update().skip_locked().load(pg)?,
            DbConnection::Sqlite(sqlite) => due.load(sqlite)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(deliveries::table.filter(deliveries::id.eq_any(&ids)))
            .set((
                deliveries::status.eq("sending"),
                deliveries::attempts.eq(deliveries::attempts + 1),
                deliveries::next_attempt_at.eq(naive(now + lease)),
            ))
            .execute(conn)?;
        deliveries::table
            .filter(deliveries::id.eq_any(&ids))
            .order(deliveries::id)
            .select(Delivery::as_select())
            .load(conn)
    })
}

pub fn mark_delivered(conn: &mut DbConnection, id: i64, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::status.eq("delivered"),
            deliveries::delivered_at.eq(naive(now)),
            deliveries::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A failed attempt: tried again at `retry_at`, or given up on (`None`) and kept as failed.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    let query = diesel::update(deliveries::table.find(id));
    match retry_at {
        Some(at) => query
            .set((
                deliveries::status.eq("pending"),
                deliveries::next_attempt_at.eq(naive(at)),
                deliveries::last_error.eq(error),
            ))
            .execute(conn),
        None => query.set((deliveries::status.eq("failed"), deliveries::last_error.eq(error))).execute(conn),
    }
    .map(|_| ())
}

/// Gives a failed delivery a fresh start.
pub fn retry(conn: &mut DbConnection, id: i64, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(deliveries::table.find(id).filter(deliveries::status.eq("failed")))
        .set((deliveries::status.eq("pending"), deliveries::attempts.eq(0), deliveries::next_attempt_at.eq(naive(now))))
        .execute(conn)
}

/// The newest deliveries in a status, newest first.
pub fn with_status(conn: &mut DbConnection, status: &str, limit: i64) -> QueryResult<Vec<Delivery>> {
    deliveries::table
        .filter(deliveries::status.eq(status))
        .order(deliveries::id.desc())
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)
}

/// How many deliveries there are in each status.
pub fn counts(conn: &mut DbConnection) -> QueryResult<Vec<(String, i64)>> {
    deliveries::table.group_by(deliveries::status).select((deliveries::status, diesel::dsl::count_star())).load(conn)
}

/// The newest event's id: it changes whenever anything happens to any request.
pub fn latest_event(conn: &mut DbConnection) -> QueryResult<i64> {
    use super::schema::events;
    Ok(events::table.select(diesel::dsl::max(events::id)).first::<Option<i64>>(conn)?.unwrap_or(0))
}

/// Notes that `user` has the request open now, in a write transaction: an open request page
/// checks in every few seconds, and takes its turn with the other writers (see
/// `write_transaction`) rather than wait out the busy timeout behind a storm of filings.
pub fn touch_presence(conn: &mut DbConnection, user: i64, request: i64, now: DateTime<Utc>) -> QueryResult<()> {
    use super::schema::presence;
    write_transaction(conn, |conn| {
        let mine = presence::table.filter(presence::user_id.eq(user)).filter(presence::request_id.eq(request));
        if diesel::update(mine).set(presence::seen_at.eq(naive(now))).execute(conn)? > 0 {
            return Ok(());
        }
        // In a savepoint of its own: on PostgreSQL a failed statement would end the transaction.
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(presence::table)
                .values((
                    presence::user_id.eq(user),
                    presence::request_id.eq(request),
                    presence::seen_at.eq(naive(now)),
                ))
                .execute(conn)
        });
        match inserted {
            // The same person's other tab got there first: it is recorded either way.
            Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
            | Ok(_) => Ok(()),
            Err(e) => Err(e),
        }
    })
}

/// Who else had the request open since `since`.
pub fn present(conn: &mut DbConnection, request: i64, except: i64, since: DateTime<Utc>) -> QueryResult<Vec<i64>> {
    use super::schema::presence;
    presence::table
        .filter(presence::request_id.eq(request))
        .filter(presence::user_id.ne(except))
        .filter(presence::seen_at.ge(naive(since)))
        .order(presence::user_id)
        .select(presence::user_id)
        .load(conn)
}

/// The topics a person turned off for e-mail.
pub fn muted(conn: &mut DbConnection, user: i64) -> QueryResult<Vec<String>> {
    use super::schema::muted_topics;
    muted_topics::table.filter(muted_topics::user_id.eq(user)).select(muted_topics::topic).load(conn)
}

pub fn set_muted(conn: &mut DbConnection, user: i64, topics: &[&str]) -> QueryResult<()> {
    use super::schema::muted_topics;
    write_transaction(conn, |conn| {
        diesel::delete(muted_topics::table.filter(muted_topics::user_id.eq(user))).execute(conn)?;
        for topic in topics {
            diesel::insert_into(muted_topics::table)
                .values((muted_topics::user_id.eq(user), muted_topics::topic.eq(*topic)))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// A person's in-app notifications, newest first.
pub fn inbox(conn: &mut DbConnection, user: i64, limit: i64) -> QueryResult<Vec<Delivery>> {
    deliveries::table
        .filter(deliveries::recipient_id.eq(user))
        .filter(deliveries::medium.eq("inbox"))
        .order(deliveries::id.desc())
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)
}

pub fn unread(conn: &mut DbConnection, user: i64) -> QueryResult<i64> {
    deliveries::table
        .filter(deliveries::recipient_id.eq(user))
        .filter(deliveries::medium.eq("inbox"))
        .filter(deliveries::read_at.is_null())
        .count()
        .get_result(conn)
}

pub fn mark_read(conn: &mut DbConnection, user: i64, now: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        deliveries::table
            .filter(deliveries::recipient_id.eq(user))
            .filter(deliveries::medium.eq("inbox"))
            .filter(deliveries::read_at.is_null()),
    )
    .set(deliveries::read_at.eq(naive(now)))
    .execute(conn)
}
