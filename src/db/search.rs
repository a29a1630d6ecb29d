//! Full-text search: SQLite's FTS5 and PostgreSQL's tsvector over each request's title,
//! description and notes. The SQL differs per backend, so this is the one place that matches
//! on the connection.

use super::DbConnection;
use crate::domain::UserId;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text};

/// How many of the most recent matches are ranked.
const CANDIDATES: i64 = 500;

/// Marks the start and end of a matched word in a snippet.
pub const MARK_START: char = '\u{2}';
pub const MARK_END: char = '\u{3}';

#[derive(Debug, Clone, QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// Higher is better on both backends.
    #[diesel(sql_type = Double)]
    pub rank: f64,
    #[diesel(sql_type = Text)]
    pub snippet: String,
}

/// The words of a query, lower-cased, at most eight.
fn words(query: &str) -> Vec<String> {
    query.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(8).map(str::to_lowercase).collect()
}

/// How the words of a query combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Every word, the last one also as a prefix (people are typing): a search box.
    All,
    /// Any word, ranked by how many and how rare: similar requests.
    Any,
}

/// An FTS5 query for the words.
fn fts5_query(words: &[String], mode: Match) -> String {
    let mut terms: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    match mode {
        Match::All => {
            if let Some(last) = terms.last_mut() {
                last.push('*');
            }
            terms.join(" ")
        }
        Match::Any => terms.join(" OR "),
    }
}

/// A PostgreSQL tsquery for the words.
fn tsquery(words: &[String], mode: Match) -> String {
    match mode {
        Match::All => words.iter().map(|w| format!("{w}:*")).collect::<Vec<_>>().join(" & "),
        Match::Any => words.join(" | "),
    }
}

/// The best matches for `query`; `requester` limits them to that person's own requests.
/// `from_id` skips older requests (ids grow with time), which keeps ranking cheap where only
/// recent requests matter.
pub fn search(
    conn: &mut DbConnection,
    query: &str,
    mode: Match,
    requester: Option<UserId>,
    from_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let from_id = from_id.unwrap_or(0);
    let words = words(query);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let requester = requester.map(|r| r.0);
    // Only the most recent matches are ranked: scoring every match of common words in a large
    // history is what made search slow, and recent requests are what people look for.
    match conn {
        DbConnection::Sqlite(inner) => diesel::sql_query(
            "SELECT c.id, -bm25(request_fts, 10.0, 4.0, 1.0) AS rank, \
             snippet(request_fts, -1, char(2), char(3), '…', 16) AS snippet \
             FROM request_fts JOIN ( \
               SELECT request_fts.rowid AS id FROM request_fts JOIN requests r ON r.id = request_fts.rowid \
               WHERE request_fts MATCH ?1 AND request_fts.rowid >= ?2 AND (?3 IS NULL OR r.requester_id = ?3) \
               ORDER BY request_fts.rowid DESC LIMIT ?4 \
             ) c ON c.id = request_fts.rowid \
             WHERE request_fts MATCH ?1 \
             ORDER BY rank DESC, c.id DESC LIMIT ?5",
        )
        .bind::<Text, _>(fts5_query(&words, mode))
        .bind::<BigInt, _>(from_id)
        .bind::<Nullable<BigInt>, _>(requester)
        .bind::<BigInt, _>(CANDIDATES)
        .bind::<BigInt, _>(limit)
        .load(inner),
        DbConnection::Pg(inner) => diesel::sql_query(
            "SELECT t.id, ts_rank(t.document, q)::float8 AS rank, \
             ts_headline('english', t.title || ' — ' || t.description || ' ' || t.notes, q, \
               'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=24, MinWords=10') AS snippet \
             FROM ( \
               SELECT t.id FROM request_text t JOIN requests r ON r.id = t.id, to_tsquery('english', $1) q \
               WHERE t.document @@ q AND t.id >= $3 AND ($2::bigint IS NULL OR r.requester_id = $2) \
               ORDER BY t.id DESC LIMIT $4 \
             ) c JOIN request_text t ON t.id = c.id, to_tsquery('english', $1) q \
             ORDER BY rank DESC, t.id DESC LIMIT $5",
        )
        .bind::<Text, _>(tsquery(&words, mode))
        .bind::<Nullable<BigInt>, _>(requester)
        .bind::<BigInt, _>(from_id)
        .bind::<BigInt, _>(CANDIDATES)
        .bind::<BigInt, _>(limit)
        .load(inner),
    }
}

/// A snippet as (text, matched) parts, for templates to mark without raw HTML.
pub fn snippet_parts(snippet: &str) -> Vec<(String, bool)> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut marked = false;
    for c in snippet.chars() {
        if c == MARK_START || c == MARK_END {
            if !current.is_empty() {
                parts.push((std::mem::take(&mut current), marked));
            }
            marked = c == MARK_START;
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        parts.push((current, marked));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_words_quoted_with_a_prefix_on_the_last() {
        assert_eq!(fts5_query(&words("VPN drops\" OR 1=1 --"), Match::All), "\"vpn\" \"drops\" \"or\" \"1\" \"1\"*");
        assert_eq!(fts5_query(&words("disk full"), Match::Any), "\"disk\" OR \"full\"");
        assert_eq!(tsquery(&words("disk full"), Match::Any), "disk | full");
        assert!(words("  ,,, ").is_empty());
    }

    #[test]
    fn snippets_split_into_marked_parts() {
        assert_eq!(
            snippet_parts("the \u{2}disk\u{3} is full"),
            vec![("the ".to_owned(), false), ("disk".to_owned(), true), (" is full".to_owned(), false)]
        );
    }
}
