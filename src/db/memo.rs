//! Figures computed from the stored data, reused until what they read changes.
//!
//! - On SQLite the one writer's triggers count every committed change to the tables a kept
//!   figure may read (`data_generation`, migration `000022`): a snapshot at generation `n` holds
//!   the same rows of those tables as any other at `n`. The tables left unwatched (sessions,
//!   deliveries, presence, search text, …) change on ordinary views or in the background; a kept
//!   figure never reads them (`UNWATCHED_TABLES`, checked by a test against the schema).
//! - PostgreSQL hands out ids before commit, and its writers commit in any order; there the
//!   database's snapshot names the state instead (`pg_current_snapshot()`: the transactions
//!   finished and still running): two equal snapshots see the same rows. A value is kept only
//!   when the snapshot was the same before and after computing it (nothing committed meanwhile,
//!   so every statement saw that one state), and reused while readers' snapshots are equal to
//!   it — until any transaction that wrote commits.
//!
//! On either, nothing is kept or reused inside a transaction that wrote: its own uncommitted
//! rows are not a state other readers share (and a rollback would let another commit reach the
//! same generation with other rows).

use super::{DbConnection, in_transaction, read_transaction};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How many values one state keeps (reports of many weeks, queue pages of many filters); past
/// it, the least recently used one goes.
const MAX_VALUES: usize = 128;

/// The tables of the SQLite schema whose changes do not move the generation: a value kept here
/// must never read them.
pub const UNWATCHED_TABLES: &[&str] = &[
    "sessions",
    "login_failures",
    "idempotency_keys",
    "request_text",
    "search_words",
    "api_tokens",
    "channels",
    "deliveries",
    "presence",
    "muted_topics",
    "password_resets",
    // Figures of finished weeks, themselves derived from watched tables (and checked against
    // the settings they were computed with).
    "week_figures",
    "data_generation",
    // Moved by the team's setup tables (`db::team`), which are watched themselves.
    "team_stamp",
];

diesel::table! {
    /// SQLite only: the count of committed changes to the watched tables.
    data_generation (id) {
        id -> BigInt,
        n -> BigInt,
    }
}

type Value = Arc<dyn Any + Send + Sync>;

/// What names one state of the stored data.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HistoryState {
    /// SQLite: the generation.
    Generation(i64),
    /// PostgreSQL: the snapshot's text (`xmin:xmax:running,…`).
    Snapshot(String),
}

impl HistoryState {
    /// Whether values of `self` may push out the values kept for `kept`: a reader on an older
    /// SQLite snapshot must not replace a newer state's values. PostgreSQL snapshots are not
    /// ordered; the newest computed wins.
    fn replaces(&self, kept: &Option<HistoryState>) -> bool {
        match (self, kept) {
            (_, None) => true,
            (HistoryState::Generation(new), Some(HistoryState::Generation(old))) => new > old,
            (new, Some(old)) => new != old,
        }
    }
}

#[derive(Default)]
struct Kept {
    state: Option<HistoryState>,
    /// Each value with when it was last asked for (`clock`'s reading).
    values: HashMap<String, (Value, u64)>,
    clock: u64,
}

thread_local! {
    /// How many `write_transaction`s this thread is inside (a connection is used by one thread
    /// at a time, and a write runs its work on the thread that began it).
    static WRITING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Marks this thread as inside a write transaction while it lives.
pub(crate) struct Writing(());

impl Writing {
    pub(crate) fn begin() -> Writing {
        WRITING.with(|w| w.set(w.get() + 1));
        Writing(())
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        WRITING.with(|w| w.set(w.get().saturating_sub(1)));
    }
}

fn writing() -> bool {
    WRITING.with(|w| w.get() > 0)
}

/// Shared by everything one server runs; cheap to clone.
#[derive(Clone, Default)]
pub struct HistoryMemo {
    kept: Arc<Mutex<Kept>>,
    /// The team's setup, kept by its own stamp: filings move the history on every write.
    team: super::team::TeamMemo,
}

impl std::fmt::Debug for HistoryMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HistoryMemo")
    }
}

/// The snapshot query, a statement of fixed text that each PostgreSQL connection prepares once
/// (diesel never keeps `sql_query` prepared, and this runs on every view that asks the memo).
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
struct PgSnapshotQuery;

impl diesel::query_builder::Query for PgSnapshotQuery {
    type SqlType = Nullable<Text>;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for PgSnapshotQuery {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        out.push_sql("SELECT CASE WHEN pg_current_xact_id_if_assigned() IS NULL THEN pg_current_snapshot()::text END");
        Ok(())
    }
}

impl RunQueryDsl<diesel::PgConnection> for PgSnapshotQuery {}

/// The snapshot the next statement reads, or none when this transaction wrote something: its
/// own uncommitted rows are not a history other readers may share. (None on SQLite.)
fn pg_snapshot(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    match conn {
        DbConnection::Pg(pg) => PgSnapshotQuery.get_result(pg),
        DbConnection::Sqlite(_) => Ok(None),
    }
}

impl HistoryMemo {
    /// The team's setup (catalog, rota, channels) as `conn` sees it now.
    pub fn team_setup(&self, conn: &mut DbConnection) -> QueryResult<Arc<super::team::TeamSetup>> {
        self.team.setup(conn)
    }

    /// The value of `key` in the state `conn` sees now: the one kept for this state, or
    /// `compute`'s, which is then kept. `compute` must read only watched tables (on SQLite),
    /// and everything `key` does not name must be the same for every caller (the time, say).
    pub fn get_or_compute<T, E, F>(&self, conn: &mut DbConnection, key: &str, compute: F) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        E: From<diesel::result::Error>,
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
    {
        read_transaction(conn, |conn| self.at(conn)?.get_or_compute(conn, key, compute))
    }

    /// The memo as `conn` sees it now, for asking several values with one reading of the
    /// state. On SQLite outside a transaction, or in one that wrote, nothing is kept or reused:
    /// the state read and the values computed could see different data. PostgreSQL's reads
    /// need no transaction (each statement has its own snapshot either way; a value is kept
    /// only when the snapshot did not move while it was computed).
    pub fn at(&self, conn: &mut DbConnection) -> QueryResult<MemoAt<'_>> {
        let state = if matches!(conn, DbConnection::Pg(_)) {
            pg_snapshot(conn)?.map(HistoryState::Snapshot)
        } else if writing() || !in_transaction(conn) {
            None
        } else {
            let generation: Vec<i64> = data_generation::table.select(data_generation::n).load(conn)?;
            Some(HistoryState::Generation(generation.first().copied().unwrap_or_default()))
        };
        Ok(MemoAt { memo: self, state })
    }

    fn lookup<T: Send + Sync + 'static>(&self, state: &HistoryState, key: &str) -> Option<Arc<T>> {
        let mut kept = self.kept.lock().ok()?;
        if kept.state.as_ref() != Some(state) {
            return None;
        }
        kept.clock += 1;
        let now = kept.clock;
        let (value, used) = kept.values.get_mut(key)?;
        *used = now;
        Arc::clone(value).downcast::<T>().ok()
    }

    fn keep<T: Send + Sync + 'static>(&self, state: HistoryState, key: &str, value: &Arc<T>) {
        let Ok(mut kept) = self.kept.lock() else { return };
        if state.replaces(&kept.state) {
            kept.values.clear();
            kept.state = Some(state.clone());
        }
        if kept.state.as_ref() == Some(&state) {
            if kept.values.len() >= MAX_VALUES
                && let Some(oldest) = kept.values.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone())
            {
                kept.values.remove(&oldest);
            }
            kept.clock += 1;
            let now = kept.clock;
            kept.values.insert(key.to_owned(), (Arc::clone(value) as Value, now));
        }
    }
}

/// The memo in one transaction's state (see [`HistoryMemo::at`]).
pub struct MemoAt<'m> {
    memo: &'m HistoryMemo,
    /// None: nothing may be kept or reused here.
    state: Option<HistoryState>,
}

impl MemoAt<'_> {
    /// The value of `key` in this state, under the rules of [`HistoryMemo::get_or_compute`];
    /// `conn` must still be in the transaction the state was read in.
    pub fn get_or_compute<T, E, F>(&self, conn: &mut DbConnection, key: &str, compute: F) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        E: From<diesel::result::Error>,
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
    {
        let Some(state) = &self.state else { return Ok(Arc::new(compute(conn)?)) };
        if let Some(value) = self.memo.lookup::<T>(state, key) {
            return Ok(value);
        }
        let value = Arc::new(compute(conn)?);
        let unchanged = match state {
            HistoryState::Generation(_) => true,
            // Each PostgreSQL statement reads its own snapshot; the same one at both ends means
            // nothing committed in between, so all of them read the state this one names.
            HistoryState::Snapshot(_) => pg_snapshot(conn)?.map(HistoryState::Snapshot).as_ref() == Some(state),
        };
        if unchanged {
            self.memo.keep(state.clone(), key, &value);
        }
        Ok(value)
    }
}
