//! Group commit: write transactions waiting at the same moment share one commit, and so one
//! fsync.
//!
//! SQLite has one writer at a time and, with `synchronous = FULL`, one fsync per commit, so
//! eight clients filing at once barely beat one. The committer thread takes every write that is
//! waiting, runs each in a savepoint of one `BEGIN IMMEDIATE` transaction (a write that fails
//! rolls back only itself), commits once, and only then answers each waiter: nothing is
//! acknowledged before it is durable, and a failed commit fails every write of its batch.
//! PostgreSQL already merges the WAL flushes of concurrent commits, so it needs none of this.

use super::{DbConnection, Pool, write_transaction};
use diesel::Connection;
use diesel::result::{DatabaseErrorKind, Error as DbError};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;

/// The most writes one commit carries (a bound on how long the first of them waits).
pub const MOST_PER_BATCH: usize = 128;

/// One write waiting for its batch.
trait Pending: Send {
    /// Runs the write inside the batch's transaction, in a savepoint of its own.
    fn run(&mut self, conn: &mut DbConnection);
    /// Answers the waiter once the batch's commit has succeeded or failed.
    fn answer(self: Box<Self>, commit: Result<(), &DbError>);
}

struct Write<T, E, F> {
    work: Option<F>,
    outcome: Option<Result<T, E>>,
    reply: Option<oneshot::Sender<Result<T, E>>>,
}

/// A commit error, once for each waiter (diesel's error is not `Clone`).
fn commit_failed(error: &DbError) -> DbError {
    DbError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(format!("the group commit failed: {error}")))
}

impl<T, E, F> Pending for Write<T, E, F>
where
    T: Send,
    E: From<DbError> + Send,
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send,
{
    fn run(&mut self, conn: &mut DbConnection) {
        // A waiter that gave up (its deadline passed) was told it failed: its write must not
        // happen behind its back.
        if self.reply.as_ref().is_none_or(|reply| reply.is_closed()) {
            return;
        }
        let Some(work) = self.work.take() else { return };
        let mut outcome = None;
        let savepoint = conn.transaction::<(), DbError, _>(|conn| {
            let result = work(conn);
            let failed = result.is_err();
            outcome = Some(result);
            if failed { Err(DbError::RollbackTransaction) } else { Ok(()) }
        });
        self.outcome = match (outcome, savepoint) {
            (Some(result), Ok(())) | (Some(result @ Err(_)), Err(_)) => Some(result),
            // Releasing the savepoint itself failed: the write is not part of the commit.
            (_, Err(e)) => Some(Err(E::from(e))),
            (None, Ok(())) => None,
        };
    }

    fn answer(self: Box<Self>, commit: Result<(), &DbError>) {
        let Some(reply) = self.reply else { return };
        let answer = match (self.outcome, commit) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (Some(Ok(_)), Err(e)) | (None, Err(e)) => Err(E::from(commit_failed(e))),
            (None, Ok(())) => return,
        };
        let _ = reply.send(answer);
    }
}

/// How many commits carried how many writes, for `/metrics`.
#[derive(Debug, Default)]
pub struct Counts {
    pub commits: AtomicU64,
    pub writes: AtomicU64,
}

/// The committer: one thread, fed through a channel, ending when the last handle is dropped.
pub struct GroupCommit {
    queue: Mutex<mpsc::Sender<Box<dyn Pending>>>,
    pub counts: Arc<Counts>,
}

impl GroupCommit {
    pub fn start(pool: Pool) -> std::io::Result<Self> {
        let (queue, waiting) = mpsc::channel::<Box<dyn Pending>>();
        let counts = Arc::new(Counts::default());
        let kept = counts.clone();
        std::thread::Builder::new().name("group-commit".into()).spawn(move || committer(&pool, &waiting, &kept))?;
        Ok(GroupCommit { queue: Mutex::new(queue), counts })
    }

    /// Queues `work` for the next commit; the answer arrives after that commit (or an error if
    /// the committer is gone).
    pub fn submit<T, E, F>(&self, work: F) -> oneshot::Receiver<Result<T, E>>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let write = Box::new(Write { work: Some(work), outcome: None, reply: Some(reply) });
        if let Ok(queue) = self.queue.lock() {
            // A send that fails drops the write and its reply: the receiver then reports it.
            let _ = queue.send(write);
        }
        answer
    }
}

fn committer(pool: &Pool, waiting: &mpsc::Receiver<Box<dyn Pending>>, counts: &Counts) {
    while let Ok(first) = waiting.recv() {
        let mut batch = vec![first];
        while batch.len() < MOST_PER_BATCH {
            match waiting.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        counts.commits.fetch_add(1, Ordering::Relaxed);
        counts.writes.fetch_add(batch.len() as u64, Ordering::Relaxed);
        commit_batch(pool, batch);
    }
}

fn commit_batch(pool: &Pool, mut batch: Vec<Box<dyn Pending>>) {
    let mut conn = match pool.get() {
        Ok(conn) => conn,
        Err(e) => {
            let error = DbError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, Box::new(e.to_string()));
            return batch.into_iter().for_each(|write| write.answer(Err(&error)));
        }
    };
    let mut panicked = false;
    let committed = write_transaction(&mut conn, |conn| {
        for write in batch.iter_mut() {
            if catch_unwind(AssertUnwindSafe(|| write.run(conn))).is_err() {
                panicked = true;
                return Err(DbError::RollbackTransaction);
            }
        }
        Ok(())
    });
    if panicked {
        // The transaction manager may have been left mid-savepoint: the pool drops this
        // connection instead of handing it out again, and closing it discards the batch.
        super::transaction_status(&mut conn).set_in_error();
        let error =
            DbError::DatabaseError(DatabaseErrorKind::Unknown, Box::new("a write in this batch failed".to_owned()));
        return batch.into_iter().for_each(|write| write.answer(Err(&error)));
    }
    let outcome = committed.as_ref().map(|_| ());
    batch.into_iter().for_each(|write| write.answer(outcome));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{DatabaseUrl, open};
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;
    use std::sync::mpsc::channel;

    fn pool() -> (tempfile::TempDir, Pool) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = DatabaseUrl::Sqlite(dir.path().join("gc.db").display().to_string());
        let pool = open(&url, 2).expect("pool");
        pool.get().expect("connection").batch_execute("CREATE TABLE notes (text TEXT NOT NULL UNIQUE)").expect("table");
        (dir, pool)
    }

    fn insert(text: &'static str) -> impl FnOnce(&mut DbConnection) -> Result<(), DbError> + Send + 'static {
        move |conn| conn.batch_execute(&format!("INSERT INTO notes (text) VALUES ('{text}')"))
    }

    fn notes(pool: &Pool) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Note {
            #[diesel(sql_type = diesel::sql_types::Text)]
            text: String,
        }
        let mut conn = pool.get().expect("connection");
        let rows: Vec<Note> =
            diesel::sql_query("SELECT text FROM notes ORDER BY text").load(&mut **conn).expect("notes");
        rows.into_iter().map(|n| n.text).collect()
    }

    /// A write that holds the committer (its batch running) until `go` is sent, so the writes
    /// submitted meanwhile wait together for the next batch.
    fn held_write(committer: &GroupCommit) -> (oneshot::Receiver<Result<(), DbError>>, mpsc::Sender<()>) {
        let (started, running) = channel::<()>();
        let (go, wait) = channel::<()>();
        let first = committer.submit(move |conn: &mut DbConnection| {
            let _ = started.send(());
            let _ = wait.recv();
            insert("first")(conn)
        });
        running.recv().expect("the first batch runs");
        (first, go)
    }

    #[test]
    fn writes_waiting_together_share_one_commit_and_fail_alone() {
        let (_dir, pool) = pool();
        let committer = GroupCommit::start(pool.clone()).expect("committer");
        let (first, go) = held_write(&committer);
        let good = committer.submit(insert("good"));
        // Fails on its second statement: its first insert must be rolled back with it.
        let bad = committer.submit(|conn: &mut DbConnection| {
            insert("half")(conn)?;
            insert("good")(conn)
        });
        let later = committer.submit(insert("later"));
        go.send(()).expect("release the first write");
        assert!(first.blocking_recv().expect("answer").is_ok());
        assert!(good.blocking_recv().expect("answer").is_ok());
        assert!(bad.blocking_recv().expect("answer").is_err(), "the duplicate fails");
        assert!(later.blocking_recv().expect("answer").is_ok());
        assert_eq!(notes(&pool), ["first", "good", "later"]);
        assert_eq!(committer.counts.commits.load(Ordering::Relaxed), 2, "one commit for the three waiting");
        assert_eq!(committer.counts.writes.load(Ordering::Relaxed), 4);
    }

    #[test]
    fn a_panicking_write_fails_its_batch_and_the_committer_goes_on() {
        let (_dir, pool) = pool();
        let committer = GroupCommit::start(pool.clone()).expect("committer");
        let (first, go) = held_write(&committer);
        let lost = committer.submit(insert("lost"));
        let panics = committer.submit(|_: &mut DbConnection| -> Result<(), DbError> { panic!("a bug") });
        go.send(()).expect("release the first write");
        assert!(first.blocking_recv().expect("answer").is_ok());
        assert!(lost.blocking_recv().expect("answer").is_err(), "nothing of a failed batch is acknowledged");
        assert!(panics.blocking_recv().expect("answer").is_err());
        let after = committer.submit(insert("after"));
        assert!(after.blocking_recv().expect("answer").is_ok());
        assert_eq!(notes(&pool), ["after", "first"]);
    }

    #[test]
    fn a_write_whose_waiter_gave_up_does_not_happen() {
        let (_dir, pool) = pool();
        let committer = GroupCommit::start(pool.clone()).expect("committer");
        let (first, go) = held_write(&committer);
        drop(committer.submit(insert("abandoned")));
        go.send(()).expect("release the first write");
        assert!(first.blocking_recv().expect("answer").is_ok());
        assert!(committer.submit(insert("next")).blocking_recv().expect("answer").is_ok());
        assert_eq!(notes(&pool), ["first", "next"]);
    }

    /// Writes that keep the committer busy: each takes a moment (as a filing at a million
    /// requests does), and `senders` threads keep eight each waiting until `stop`.
    fn storm(
        committer: &Arc<GroupCommit>,
        senders: usize,
        stop: &Arc<std::sync::atomic::AtomicBool>,
    ) -> Vec<std::thread::JoinHandle<()>> {
        (0..senders)
            .map(|sender| {
                let (committer, stop) = (committer.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let answers: Vec<_> = (0..8)
                            .map(|_| {
                                n += 1;
                                let text = format!("storm {sender} {n}");
                                committer.submit(move |conn: &mut DbConnection| {
                                    std::thread::sleep(std::time::Duration::from_millis(1));
                                    conn.batch_execute(&format!("INSERT INTO notes (text) VALUES ('{text}')"))
                                })
                            })
                            .collect();
                        answers.into_iter().for_each(|answer| assert!(matches!(answer.blocking_recv(), Ok(Ok(())))));
                    }
                })
            })
            .collect()
    }

    #[test]
    fn a_write_outside_the_committer_gets_its_turn_while_batches_follow_each_other() {
        let (_dir, pool) = pool();
        let committer = Arc::new(GroupCommit::start(pool.clone()).expect("committer"));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let senders = storm(&committer, 3, &stop);
        let commits = || committer.counts.commits.load(Ordering::Relaxed);
        while commits() < 5 {
            std::thread::yield_now();
        }
        let before = commits();
        let mut conn = pool.get().expect("connection");
        // SQLite alone would make this writer poll for its lock, and miss the moments between
        // batches until its busy timeout failed it.
        let outside =
            write_transaction(&mut conn, |conn| conn.batch_execute("INSERT INTO notes (text) VALUES ('outside')"));
        let waited_for = commits() - before;
        stop.store(true, Ordering::Relaxed);
        senders.into_iter().for_each(|sender| sender.join().expect("sender"));
        assert!(outside.is_ok(), "{outside:?}");
        assert!(waited_for <= 3, "the outside write waited for {waited_for} commits");
        assert!(notes(&pool).contains(&"outside".to_owned()));
    }
}
