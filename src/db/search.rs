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

/// Words too common to say anything about what a request is about. PostgreSQL's English
/// configuration drops these itself; SQLite's FTS5 has no stop words, and an OR query over them
/// would match nearly every request.
const COMMON: &[&str] = &[
    "a", "about", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "get", "has",
    "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our",
    "please", "so", "that", "the", "their", "there", "this", "to", "us", "was", "we", "what", "when", "where", "which",
    "why", "will", "with", "you", "your",
];

/// The words of a query, lower-cased, at most eight; for `Match::Any` without the common ones.
fn words(query: &str, mode: Match) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| mode == Match::All || !COMMON.contains(&w.as_str()))
        .take(8)
        .collect()
}

/// How the words of a query combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Every word, the last one also as a prefix (people are typing): a search box.
    All,
    /// Any word, ranked by how many and how rare: similar requests and suggestions.
    Any,
}

/// Which requests a search looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every request, all of its text: engineers.
    Everything,
    /// One person's own requests, all of their text.
    FiledBy(UserId),
    /// The team's answers (resolved, not private), by their title, description and resolution
    /// only: comments and questions are not part of an answer, so they neither match nor show.
    Answers,
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

/// How many good answers are candidates besides the most recent matches: a good answer stays
/// findable however old it is.
const GOOD_CANDIDATES: i64 = 200;

/// The best matches for `query` among the requests of `scope`. `from_id` skips older requests
/// (ids grow with time), which keeps ranking cheap where only recent requests matter. Good
/// answers rank higher (see `domain::knowledge::GOOD_ANSWER_BOOST`).
pub fn search(
    conn: &mut DbConnection,
    query: &str,
    mode: Match,
    scope: Scope,
    from_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let from_id = from_id.unwrap_or(0);
    let words = words(query, mode);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let requester = match scope {
        Scope::FiledBy(person) => Some(person.0),
        Scope::Everything | Scope::Answers => None,
    };
    let answers = scope == Scope::Answers;
    let boost = crate::domain::knowledge::GOOD_ANSWER_BOOST;
    // Only the most recent matches are ranked, and the good answers among the matches: scoring
    // every match of common words in a large history is what made search slow, and recent
    // requests are what people look for.
    match conn {
        DbConnection::Sqlite(inner) => {
            let filter = if answers {
                "?3 IS NULL AND r.state = 'resolved' AND NOT r.private"
            } else {
                "(?3 IS NULL OR r.requester_id = ?3)"
            };
            let sql = format!(
                "SELECT c.id, -bm25(request_fts, 10.0, 4.0, 1.0, 4.0, 0.0) * (CASE WHEN c.good THEN ?6 ELSE 1.0 END) AS rank, \
                 snippet(request_fts, -1, char(2), char(3), '…', 16) AS snippet \
                 FROM request_fts JOIN ( \
                   SELECT id, MAX(good) AS good FROM ( \
                     SELECT * FROM (SELECT request_fts.rowid AS id, r.good_answer_at IS NOT NULL AS good \
                       FROM request_fts JOIN requests r ON r.id = request_fts.rowid \
                       WHERE request_fts MATCH ?1 AND request_fts.rowid >= ?2 AND {filter} \
                       ORDER BY request_fts.rowid DESC LIMIT ?4) \
                     UNION ALL \
                     SELECT * FROM (SELECT request_fts.rowid AS id, 1 AS good \
                       FROM request_fts JOIN requests r ON r.id = request_fts.rowid \
                       WHERE request_fts MATCH ?8 AND request_fts.rowid >= ?2 AND {filter} \
                       ORDER BY request_fts.rowid DESC LIMIT ?7) \
                   ) GROUP BY id \
                 ) c ON c.id = request_fts.rowid \
                 WHERE request_fts MATCH ?1 \
                 ORDER BY rank DESC, c.id DESC LIMIT ?5"
            );
            // The words never match the index's markers; good answers are the matches marked so.
            let columns = if answers { "title description resolution" } else { "title description notes resolution" };
            let matching = format!("{{{columns}}} : ({})", fts5_query(&words, mode));
            let good_matching = format!("({matching}) AND tags : goodanswer");
            diesel::sql_query(sql)
                .bind::<Text, _>(matching)
                .bind::<BigInt, _>(from_id)
                .bind::<Nullable<BigInt>, _>(requester)
                .bind::<BigInt, _>(CANDIDATES)
                .bind::<BigInt, _>(limit)
                .bind::<Double, _>(boost)
                .bind::<BigInt, _>(GOOD_CANDIDATES)
                .bind::<Text, _>(good_matching)
                .load(inner)
        }
        DbConnection::Pg(inner) => {
            let (document, text, filter) = if answers {
                (
                    "answer_document",
                    "t.title || ' — ' || t.description || ' ' || t.resolution",
                    "$2::bigint IS NULL AND r.state = 'resolved' AND NOT r.private",
                )
            } else {
                (
                    "document",
                    "t.title || ' — ' || t.description || ' ' || t.notes || ' ' || t.resolution",
                    "($2::bigint IS NULL OR r.requester_id = $2)",
                )
            };
            let sql = format!(
                "SELECT t.id, ts_rank(t.{document}, q)::float8 * (CASE WHEN c.good THEN $6 ELSE 1.0 END) AS rank, \
                 ts_headline('english', {text}, q, \
                   'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=24, MinWords=10') AS snippet \
                 FROM ( \
                   SELECT id, bool_or(good) AS good FROM ( \
                     (SELECT t.id, r.good_answer_at IS NOT NULL AS good \
                       FROM request_text t JOIN requests r ON r.id = t.id, to_tsquery('english', $1) q \
                       WHERE t.{document} @@ q AND t.id >= $3 AND {filter} \
                       ORDER BY t.id DESC LIMIT $4) \
                     UNION ALL \
                     (SELECT r.id, true FROM requests r JOIN request_text t ON t.id = r.id, to_tsquery('english', $1) q \
                       WHERE r.good_answer_at IS NOT NULL AND r.id >= $3 AND {filter} AND t.{document} @@ q \
                       ORDER BY r.good_answer_at DESC LIMIT $7) \
                   ) u GROUP BY id \
                 ) c JOIN request_text t ON t.id = c.id, to_tsquery('english', $1) q \
                 ORDER BY rank DESC, t.id DESC LIMIT $5"
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(tsquery(&words, mode))
                .bind::<Nullable<BigInt>, _>(requester)
                .bind::<BigInt, _>(from_id)
                .bind::<BigInt, _>(CANDIDATES)
                .bind::<BigInt, _>(limit)
                .bind::<Double, _>(boost)
                .bind::<BigInt, _>(GOOD_CANDIDATES)
                .load(inner)
        }
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
        assert_eq!(
            fts5_query(&words("VPN drops\" OR 1=1 --", Match::All), Match::All),
            "\"vpn\" \"drops\" \"or\" \"1\" \"1\"*"
        );
        assert_eq!(fts5_query(&words("the disk is full", Match::Any), Match::Any), "\"disk\" OR \"full\"");
        assert_eq!(tsquery(&words("disk full", Match::Any), Match::Any), "disk | full");
        assert!(words("  ,,, ", Match::All).is_empty());
        assert!(words("how do I", Match::Any).is_empty());
    }

    #[test]
    fn snippets_split_into_marked_parts() {
        assert_eq!(
            snippet_parts("the \u{2}disk\u{3} is full"),
            vec![("the ".to_owned(), false), ("disk".to_owned(), true), (" is full".to_owned(), false)]
        );
    }
}
