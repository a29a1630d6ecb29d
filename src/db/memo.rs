//! Figures computed from the stored history, reused until the next event is written.
//!
//! Every change to what the reports read (a request's summary, state, owner, title) is written
//! with an event, and events are never changed or deleted, so the newest event id names a state
//! of the history. A value computed in one snapshot is reused by readers whose snapshot has the
//! same newest event.
//!
//! Only on SQLite: its one writer commits events in id order, so a snapshot with newest event
//! `n` holds every event up to `n`. PostgreSQL hands out ids before commit, and a transaction
//! holding an older id can commit after a newer one: the same newest id can name two histories,
//! so there every read computes.

use super::{DbConnection, read_transaction};
use diesel::prelude::*;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How many values one history state keeps (reports of many weeks, say); past it, all go.
const MAX_VALUES: usize = 64;

type Value = Arc<dyn Any + Send + Sync>;

#[derive(Default)]
struct Kept {
    newest_event: Option<i64>,
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

impl HistoryMemo {
    /// The value of `key` in the history `conn` sees now: the one kept for this history, or
    /// `compute`'s, which is then kept. `compute` must read only what events change, and
    /// everything `key` does not name must be the same for every caller.
    pub fn get_or_compute<T, F>(&self, conn: &mut DbConnection, key: &str, compute: F) -> QueryResult<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: FnOnce(&mut DbConnection) -> QueryResult<T>,
    {
        if !matches!(conn, DbConnection::Sqlite(_)) {
            return Ok(Arc::new(compute(conn)?));
        }
        // The newest id and the computation see one snapshot.
        read_transaction(conn, |conn| {
            use super::schema::events;
            let newest: Option<i64> = events::table.select(diesel::dsl::max(events::id)).first(conn)?;
            if let Ok(kept) = self.0.lock()
                && kept.newest_event == newest
                && let Some(value) = kept.values.get(key).and_then(|v| Arc::clone(v).downcast::<T>().ok())
            {
                return Ok(value);
            }
            let value = Arc::new(compute(conn)?);
            if let Ok(mut kept) = self.0.lock() {
                // A reader on an older snapshot must not push out a newer history's values.
                if kept.newest_event < newest {
                    kept.values.clear();
                    kept.newest_event = newest;
                }
                if kept.newest_event == newest {
                    if kept.values.len() >= MAX_VALUES {
                        kept.values.clear();
                    }
                    kept.values.insert(key.to_owned(), Arc::clone(&value) as Value);
                }
            }
            Ok(value)
        })
    }
}
