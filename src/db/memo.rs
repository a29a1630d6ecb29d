//! Figures computed from the stored history, reused until the history changes.
//!
//! Every change to what the reports read (a request's summary, state, owner, title) is written
//! with an event, and events are never changed or deleted.
//!
//! - On SQLite the one writer commits events in id order, so the newest event id names a state
//!   of the history: a snapshot with newest event `n` holds every event up to `n`.
//! - PostgreSQL hands out ids before commit, and a transaction holding an older id can commit
//!   after a newer one, so the same newest id can name two histories. There the database's
//!   snapshot names the state instead (`pg_current_snapshot()`: the transactions finished and
//!   still running): two equal snapshots see the same rows. A value is kept only when the
//!   snapshot was the same before and after computing it (nothing committed meanwhile, so every
//!   statement saw that one state), and reused while readers' snapshots are equal to it — until
//!   any transaction that wrote commits.

use super::{DbConnection, read_transaction};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How many values one history state keeps (reports of many weeks, say); past it, all go.
const MAX_VALUES: usize = 64;

type Value = Arc<dyn Any + Send + Sync>;

/// What names one state of the stored history.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HistoryState {
    /// SQLite: the newest event id (none before the first event).
    NewestEvent(Option<i64>),
    /// PostgreSQL: the snapshot's text (`xmin:xmax:running,…`).
    Snapshot(String),
}

impl HistoryState {
    /// Whether values of `self` may push out the values kept for `kept`: a reader on an older
    /// SQLite snapshot must not replace a newer history's values. PostgreSQL snapshots are not
    /// ordered; the newest computed wins.
    fn replaces(&self, kept: &Option<HistoryState>) -> bool {
        match (self, kept) {
            (_, None) => true,
            (HistoryState::NewestEvent(new), Some(HistoryState::NewestEvent(old))) => new > old,
            (new, Some(old)) => new != old,
        }
    }
}

#[derive(Default)]
struct Kept {
    state: Option<HistoryState>,
    values: HashMap<String, Value>,
}

/// Shared by everything one server runs; cheap to clone.
#[derive(Clone, Default)]
pub struct HistoryMemo(Arc<Mutex<Kept>>);

impl std::fmt::Debug for HistoryMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HistoryMemo")
    }
}

#[derive(QueryableByName)]
struct PgSnapshot {
    #[diesel(sql_type = Nullable<Text>)]
    snapshot: Option<String>,
}

/// The snapshot the next statement reads, or none when this transaction wrote something: its
/// own uncommitted rows are not a history other readers may share.
fn pg_snapshot(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    let row: PgSnapshot = diesel::sql_query(
        "SELECT CASE WHEN pg_current_xact_id_if_assigned() IS NULL THEN pg_current_snapshot()::text END AS snapshot",
    )
    .get_result(conn)?;
    Ok(row.snapshot)
}

impl HistoryMemo {
    /// The value of `key` in the history `conn` sees now: the one kept for this history, or
    /// `compute`'s, which is then kept. `compute` must read only what events change, and
    /// everything `key` does not name must be the same for every caller.
    pub fn get_or_compute<T, F>(&self, conn: &mut DbConnection, key: &str, compute: F) -> QueryResult<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce(&mut DbConnection) -> QueryResult<T>,
    {
        if matches!(conn, DbConnection::Pg(_)) {
            return read_transaction(conn, |conn| {
                let Some(before) = pg_snapshot(conn)? else { return Ok(Arc::new(compute(conn)?)) };
                let state = HistoryState::Snapshot(before);
                if let Some(value) = self.lookup::<T>(&state, key) {
                    return Ok(value);
                }
                let value = Arc::new(compute(conn)?);
                // Each statement read its own snapshot; the same one at both ends means nothing
                // committed in between, so all of them read the state `before` names.
                if pg_snapshot(conn)?.map(HistoryState::Snapshot).as_ref() == Some(&state) {
                    self.keep(state, key, &value);
                }
                Ok(value)
            });
        }
        // The newest id and the computation see one snapshot.
        read_transaction(conn, |conn| {
            use super::schema::events;
            let newest: Option<i64> = events::table.select(diesel::dsl::max(events::id)).first(conn)?;
            let state = HistoryState::NewestEvent(newest);
            if let Some(value) = self.lookup::<T>(&state, key) {
                return Ok(value);
            }
            let value = Arc::new(compute(conn)?);
            self.keep(state, key, &value);
            Ok(value)
        })
    }

    fn lookup<T: Send + Sync + 'static>(&self, state: &HistoryState, key: &str) -> Option<Arc<T>> {
        let kept = self.0.lock().ok()?;
        if kept.state.as_ref() != Some(state) {
            return None;
        }
        kept.values.get(key).and_then(|v| Arc::clone(v).downcast::<T>().ok())
    }

    fn keep<T: Send + Sync + 'static>(&self, state: HistoryState, key: &str, value: &Arc<T>) {
        let Ok(mut kept) = self.0.lock() else { return };
        if state.replaces(&kept.state) {
            kept.values.clear();
            kept.state = Some(state.clone());
        }
        if kept.state.as_ref() == Some(&state) {
            if kept.values.len() >= MAX_VALUES {
                kept.values.clear();
            }
            kept.values.insert(key.to_owned(), Arc::clone(value) as Value);
        }
    }
}
