//! Full-text search: SQLite's FTS5 and PostgreSQL's tsvector over each request's title,
//! description, notes and resolution. The SQL differs per backend, so this is the one place that
//! matches on the connection. The databases find the candidates; the ranking and the snippets
//! are ours (`crate::matching`), the same for both.

use super::DbConnection;
use super::schema::{request_text, requests, search_words};
use crate::domain::UserId;
use crate::matching::{self, Matcher};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use std::collections::{BTreeSet, HashMap};

/// How many of the most recent matches are ranked.
const CANDIDATES: i64 = 200;

/// The candidates are looked for among this many of the most recent matches, which bounds the
/// work when few of the matches are answers.
const RECENT_MATCHES: i64 = 2_000;

/// One person's own requests are searched among their most recent ones: read by key and matched
/// here, which costs the same however large the whole history is.
const OWN_RECENT: i64 = 500;

/// Words of a snippet.
const SNIPPET_WORDS: usize = 24;

#[derive(Debug, Clone, QueryableByName)]
struct Candidate {
    #[diesel(sql_type = BigInt)]
    id: i64,
    /// Marked as a good answer.
    #[diesel(sql_type = Bool)]
    good: bool,
    /// One of the most recent matches (not only found as a good answer).
    #[diesel(sql_type = Bool)]
    recent: bool,
}

/// How much a match in each field counts: the title most, notes (comments, questions) least.
const TITLE_WEIGHT: f64 = 10.0;
const BODY_WEIGHT: f64 = 4.0;
const NOTES_WEIGHT: f64 = 1.0;

/// A request that matched, with the snippet to show for it.
#[derive(Debug, Clone)]
pub struct Hit {
    pub id: i64,
    /// Higher is better.
    pub rank: f64,
    /// The snippet as (text, matched) parts.
    pub parts: Vec<(String, bool)>,
    /// The resolution in force, for showing a match as an answer.
    pub resolution: String,
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
    split_words(query)
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
    /// One person's own requests (their most recent ones), by their title, description and
    /// resolution: the notes hold engineers' internal questions, which a requester never reads.
    FiledBy(UserId),
    /// The team's answers (resolved, not private), by their title, description and resolution
    /// only: comments and questions are not part of an answer, so they neither match nor show.
    Answers,
}

/// The longest prefix SQLite's full-text index keeps an index of its own for (`prefix = '3 4'`).
const SQLITE_PREFIX_INDEXED: usize = 4;

/// A word being typed is looked for as at most this many words of the history it starts; one
/// that starts more is looked for by the index's prefix search (whole words first).
const MAX_COMPLETIONS: i64 = 16;

/// A word being typed matches as a prefix from this many letters on: "a*" or "re*" would merge
/// the index entries of a large share of all words (0.4–0.9 s on a million requests).
const MIN_PREFIX: usize = 3;

/// Whether the last word also matches as the start of longer words: not when it is short or a
/// common word ("the*" took 111 ms on a million requests).
fn last_is_prefix(words: &[String], mode: Match) -> bool {
    mode == Match::All && words.last().is_some_and(|w| w.chars().count() >= MIN_PREFIX && !COMMON.contains(&w.as_str()))
}

/// The words of a text: its runs of letters and digits.
fn split_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// How the last word of a query is looked for.
#[derive(Debug, Clone, Copy)]
enum LastWord<'a> {
    /// As a whole word.
    Whole,
    /// As the start of longer words, by the index's own prefix search.
    Prefix,
    /// As any of these words of the history (the ones it starts, from `search_words`).
    OneOf(&'a [String]),
}

/// An FTS5 query for the words; the last one is looked for as `last` says when it may be a
/// prefix (see [`last_is_prefix`]).
fn fts5_query(words: &[String], mode: Match, last: LastWord<'_>) -> String {
    let quoted = |w: &str| format!("\"{}\"", w.replace('"', "\"\""));
    let mut terms: Vec<String> = words.iter().map(|w| quoted(w)).collect();
    if last_is_prefix(words, mode)
        && let Some(final_term) = terms.last_mut()
    {
        match last {
            LastWord::Whole => {}
            LastWord::Prefix => final_term.push('*'),
            LastWord::OneOf(completions) => {
                *final_term = format!("({})", completions.iter().map(|w| quoted(w)).collect::<Vec<_>>().join(" OR "));
                // FTS5 reads no implicit AND before a parenthesis.
                return terms.join(" AND ");
            }
        }
    }
    match mode {
        Match::All => terms.join(" "),
        Match::Any => terms.join(" OR "),
    }
}

/// A PostgreSQL tsquery for the words, the last one as in [`fts5_query`].
fn tsquery(words: &[String], mode: Match, last: LastWord<'_>) -> String {
    let mut terms = words.to_vec();
    if last_is_prefix(words, mode)
        && let Some(final_term) = terms.last_mut()
    {
        match last {
            LastWord::Whole => {}
            LastWord::Prefix => final_term.push_str(":*"),
            LastWord::OneOf(completions) => *final_term = format!("({})", completions.join(" | ")),
        }
    }
    match mode {
        Match::All => terms.join(" & "),
        Match::Any => terms.join(" | "),
    }
}

/// The requests an answer search looks at, over `requests r`: resolved and not private.
const ANSWERS_ONLY: &str = "r.state = 'resolved' AND NOT r.private";

/// How many good answers are candidates besides the most recent matches: a good answer stays
/// findable however old it is.
const GOOD_CANDIDATES: i64 = 50;

/// The best matches for `query` among the requests of `scope`, best first. `from_id` skips
/// older requests (ids grow with time), which keeps ranking cheap where only recent requests
/// matter. Good answers rank higher (see `domain::knowledge::GOOD_ANSWER_BOOST`).
pub fn search(
    conn: &mut DbConnection,
    query: &str,
    mode: Match,
    scope: Scope,
    from_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let words = words(query, mode);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let from_id = from_id.unwrap_or(0);
    let mut candidates = match scope {
        Scope::FiledBy(person) => own_recent(conn, person, from_id)?,
        Scope::Everything | Scope::Answers => candidates(conn, &words, mode, scope, from_id)?,
    };
    // A recent good answer comes twice; once is enough.
    candidates.sort_by(|a, b| b.id.cmp(&a.id).then(b.good.cmp(&a.good)));
    candidates.dedup_by_key(|c| c.id);
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = candidates.iter().map(|c| c.id).collect();
    let texts: HashMap<i64, TextRow> = request_text::table
        .filter(super::id_list::id_in(request_text::id, &ids))
        .select(TextRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let matcher = Matcher::new(&words, last_is_prefix(&words, mode));
    let fields = |text| fields(text, scope);
    if let Scope::FiledBy(_) = scope {
        // Read by key, not found by the index: keep the ones that match.
        candidates.retain(|c| {
            texts.get(&c.id).is_some_and(|t| {
                let present = matcher.present(&fields(t));
                match mode {
                    Match::All => present.iter().all(|p| *p),
                    Match::Any => present.iter().any(|p| *p),
                }
            })
        });
    }
    // Which words are rare matters when any word may match (when every word must, each
    // candidate has them all). Rarity is counted among the candidates: asking the database how
    // many requests hold each word cost more than the whole search.
    let idf = match mode {
        Match::All => vec![1.0; words.len()],
        Match::Any => {
            let holding: Vec<Vec<bool>> =
                candidates.iter().filter_map(|c| texts.get(&c.id)).map(|t| matcher.present(&fields(t))).collect();
            matching::rarity(&holding, words.len())
        }
    };
    let boost = crate::domain::knowledge::GOOD_ANSWER_BOOST;
    let mut ranked: Vec<(f64, &TextRow)> = candidates
        .iter()
        .filter_map(|c| {
            let text = texts.get(&c.id)?;
            let score = matcher.score(&fields(text), &idf) * if c.good { boost } else { 1.0 };
            Some((score, text))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.id.cmp(&a.1.id)));
    ranked.truncate(limit.max(0) as usize);
    Ok(ranked
        .into_iter()
        .map(|(rank, text)| {
            let shown: Vec<&str> = fields(text).into_iter().map(|(t, _)| t).collect();
            let parts = matcher.snippet(&shown, SNIPPET_WORDS);
            Hit { id: text.id, rank, parts, resolution: text.resolution.clone() }
        })
        .collect())
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = request_text)]
struct TextRow {
    id: i64,
    title: String,
    description: String,
    notes: String,
    resolution: String,
}

/// The texts a scope searches, with how much a match in each counts.
fn fields(text: &TextRow, scope: Scope) -> Vec<(&str, f64)> {
    let mut fields = vec![(text.title.as_str(), TITLE_WEIGHT), (text.description.as_str(), BODY_WEIGHT)];
    // Comments and questions are not part of an answer, and consults are internal.
    if scope == Scope::Everything {
        fields.push((text.notes.as_str(), NOTES_WEIGHT));
    }
    fields.push((text.resolution.as_str(), BODY_WEIGHT));
    fields
}

/// The columns a scope searches, as an FTS5 column filter.
fn fts5_columns(scope: Scope) -> &'static str {
    // The words never match the index's markers (`tags`).
    if scope == Scope::Answers { "{title description resolution}" } else { "{title description notes resolution}" }
}

/// The longest word kept in `search_words`: longer tokens are ids and hashes nobody types.
const LONGEST_KEPT_WORD: usize = 32;

/// The words of a text as the search box splits a query (letters and digits, lower-cased),
/// of at least `MIN_PREFIX` letters and not numbers: what a word being typed may complete to.
fn completable_words(text: &str) -> impl Iterator<Item = String> + '_ {
    split_words(text)
        .filter(|w| (MIN_PREFIX..=LONGEST_KEPT_WORD).contains(&w.chars().count()))
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
}

/// Adds the words of `texts` to `search_words`, in the caller's transaction (a text written:
/// a request filed or edited, a note).
pub fn note_words(conn: &mut DbConnection, texts: &[&str]) -> QueryResult<()> {
    insert_words(conn, texts.iter().flat_map(|t| completable_words(t)).collect())
}

fn insert_words(conn: &mut DbConnection, words: BTreeSet<String>) -> QueryResult<()> {
    let words: Vec<String> = words.into_iter().collect();
    for chunk in words.chunks(500) {
        match conn {
            DbConnection::Sqlite(c) => {
                let rows: Vec<_> = chunk.iter().map(|w| search_words::word.eq(w.as_str())).collect();
                diesel::insert_or_ignore_into(search_words::table).values(&rows).execute(c)?
            }
            DbConnection::Pg(c) => InsertWordsPg(chunk).execute(c)?,
        };
    }
    Ok(())
}

/// PostgreSQL: the words as one array parameter. A `VALUES` list is a new statement text for
/// each count of words, parsed and planned on every filing; this text is prepared once per
/// connection.
struct InsertWordsPg<'a>(&'a [String]);

impl diesel::query_builder::QueryId for InsertWordsPg<'_> {
    type QueryId = InsertWordsPg<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for InsertWordsPg<'_> {
    fn walk_ast<'b>(&'b self, mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        // Words are inserted in their sorted order: two filings sharing words lock them in the
        // same order and cannot deadlock.
        out.push_sql("INSERT INTO search_words (word) SELECT unnest(");
        out.push_bind_param::<diesel::sql_types::Array<Text>, _>(self.0)?;
        out.push_sql(") ON CONFLICT DO NOTHING");
        Ok(())
    }
}

impl diesel::query_dsl::RunQueryDsl<diesel::PgConnection> for InsertWordsPg<'_> {}

/// Adds the words of every stored search text to `search_words`: after the migration that made
/// it, and after `seed` or `copy` wrote texts past the app.
pub fn fill_words(conn: &mut DbConnection) -> QueryResult<()> {
    const CHUNK: i64 = 10_000;
    let mut words = BTreeSet::new();
    let mut after = 0;
    loop {
        let rows: Vec<TextRow> = request_text::table
            .filter(request_text::id.gt(after))
            .order(request_text::id)
            .limit(CHUNK)
            .select(TextRow::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in &rows {
            for text in [&row.title, &row.description, &row.notes, &row.resolution] {
                words.extend(completable_words(text));
            }
        }
    }
    insert_words(conn, words)
}

/// Drops SQLite's samples of the full-text index's own tables (`ANALYZE`, as the seed runs it,
/// keeps some in `sqlite_stat4`); every opening of the database does this. With samples, SQLite plans a statement again whenever a value it compared
/// with them is bound anew, and FTS5 binds a new term to its lookup of each index segment: 80
/// plans per search, an eighth of its work. Those lookups are by key and need no statistics.
pub fn forget_index_samples(conn: &mut DbConnection) -> QueryResult<()> {
    if !matches!(conn, DbConnection::Sqlite(_)) {
        return Ok(());
    }
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let kept: Found =
        diesel::sql_query("SELECT COUNT(*) AS n FROM sqlite_schema WHERE name = 'sqlite_stat4'").get_result(conn)?;
    if kept.n > 0 {
        diesel::sql_query("DELETE FROM sqlite_stat4 WHERE tbl LIKE 'request_fts%'").execute(conn)?;
    }
    Ok(())
}

/// Whether there is search text but no word of it listed (a database from before
/// `search_words`).
pub fn words_missing(conn: &mut DbConnection) -> QueryResult<bool> {
    let listed: Vec<String> = search_words::table.select(search_words::word).limit(1).load(conn)?;
    let texts: Vec<i64> = request_text::table.select(request_text::id).limit(1).load(conn)?;
    Ok(listed.is_empty() && !texts.is_empty())
}

/// At most `limit` words of the history that start with `prefix`, in order.
fn words_starting(conn: &mut DbConnection, prefix: &str, limit: i64) -> QueryResult<Vec<String>> {
    // Every word starting with the prefix sorts between it and the prefix followed by the
    // highest character (byte order on both backends: the column is collated "C" on PostgreSQL).
    let end = format!("{prefix}{}", char::MAX);
    search_words::table
        .filter(search_words::word.ge(prefix))
        .filter(search_words::word.lt(end))
        .order(search_words::word)
        .limit(limit)
        .select(search_words::word)
        .load(conn)
}

/// One person's most recent requests.
fn own_recent(conn: &mut DbConnection, person: UserId, from_id: i64) -> QueryResult<Vec<Candidate>> {
    let ids: Vec<i64> = requests::table
        .filter(requests::requester_id.eq(person.0))
        .filter(requests::id.ge(from_id))
        .order(requests::id.desc())
        .limit(OWN_RECENT)
        .select(requests::id)
        .load(conn)?;
    Ok(ids.into_iter().map(|id| Candidate { id, good: false, recent: true }).collect())
}

/// The requests worth ranking: the most recent matches, and the most recent good answers among
/// the matches (a good answer stays findable however old it is). Scoring every match of common
/// words in a large history is what made search slow, and recent requests are what people look
/// for.
fn candidates(
    conn: &mut DbConnection,
    words: &[String],
    mode: Match,
    scope: Scope,
    from_id: i64,
) -> QueryResult<Vec<Candidate>> {
    if last_is_prefix(words, mode)
        && let Some(last) = words.last()
    {
        // SQLite keeps prefix indexes of three and four letters (migration `search_prefixes`): a
        // last word that short is read as a prefix at once. Looking for it as a whole word first
        // cost more than the prefix ("vpn time": two frequent words that never meet, 10 ms).
        let letters = last.chars().count();
        if letters <= SQLITE_PREFIX_INDEXED && matches!(conn, DbConnection::Sqlite(_)) {
            return matching_candidates(conn, words, mode, LastWord::Prefix, scope, from_id);
        }
        // Longer, it is looked for as the words of the history it starts, each a whole word.
        // Both indexes hold stems: "certifi" starts "certificate", not its stem "certif", so
        // their prefix search found nothing; and FTS5 without a prefix index of that length
        // merged the entries of every word it starts over the whole history first ("vpn timeo":
        // 10 ms of CPU on a million requests).
        if letters > SQLITE_PREFIX_INDEXED {
            let completions = words_starting(conn, last, MAX_COMPLETIONS + 1)?;
            if !completions.is_empty() && completions.len() <= MAX_COMPLETIONS as usize {
                return matching_candidates(conn, words, mode, LastWord::OneOf(&completions), scope, from_id);
            }
        }
    }
    // Whole words first. A prefix query gathers the matches of every word it starts across the
    // whole history before the newest can be taken ("vpn timeout*": 12 ms on a million
    // requests, 2.4 ms for the whole words); so the last word is read as a prefix only when the
    // whole words find fewer than a full set of candidates, as while a word is still typed.
    let whole = matching_candidates(conn, words, mode, LastWord::Whole, scope, from_id)?;
    let full = whole.iter().filter(|c| c.recent).count() >= usize::try_from(CANDIDATES).unwrap_or(usize::MAX);
    if full || !last_is_prefix(words, mode) {
        return Ok(whole);
    }
    matching_candidates(conn, words, mode, LastWord::Prefix, scope, from_id)
}

fn matching_candidates(
    conn: &mut DbConnection,
    words: &[String],
    mode: Match,
    last: LastWord<'_>,
    scope: Scope,
    from_id: i64,
) -> QueryResult<Vec<Candidate>> {
    let filter = if scope == Scope::Answers { ANSWERS_ONLY } else { "TRUE" };
    match conn {
        DbConnection::Sqlite(inner) => {
            // FTS5 reads the matches newest first and stops at the limit.
            let sql = format!(
                "SELECT * FROM (SELECT m.id, r.good_answer_at IS NOT NULL AS good, TRUE AS recent \
                   FROM (SELECT rowid AS id FROM request_fts WHERE request_fts MATCH ?1 AND rowid >= ?2 \
                     ORDER BY rowid DESC LIMIT ?6) m JOIN requests r ON r.id = m.id \
                   WHERE {filter} ORDER BY m.id DESC LIMIT ?3) \
                 UNION ALL \
                 SELECT * FROM (SELECT request_fts.rowid AS id, TRUE AS good, FALSE AS recent \
                   FROM request_fts JOIN requests r ON r.id = request_fts.rowid \
                   WHERE request_fts MATCH ?4 AND request_fts.rowid >= ?2 AND {filter} \
                   ORDER BY request_fts.rowid DESC LIMIT ?5)"
            );
            let matching = format!("{} : ({})", fts5_columns(scope), fts5_query(words, mode, last));
            let good_matching = format!("({matching}) AND tags : goodanswer");
            diesel::sql_query(sql)
                .bind::<Text, _>(matching)
                .bind::<BigInt, _>(from_id)
                .bind::<BigInt, _>(CANDIDATES)
                .bind::<Text, _>(good_matching)
                .bind::<BigInt, _>(GOOD_CANDIDATES)
                .bind::<BigInt, _>(RECENT_MATCHES)
                .load(inner)
        }
        DbConnection::Pg(inner) => {
            let document = if scope == Scope::Answers { "answer_document" } else { "document" };
            let query = tsquery(words, mode, last);
            let mut found = recent_matches_pg(inner, &query, document, scope, from_id)?;
            // The good answers that match come from partial GIN indexes over them alone; the
            // scope's filter reads `requests` for the newest of them only.
            let good: Vec<Candidate> = diesel::sql_query(format!(
                "SELECT m.id, true AS good, false AS recent FROM \
                   (SELECT t.id FROM request_text t, to_tsquery('english', $1) q \
                    WHERE t.tags = 'goodanswer' AND t.{document} @@ q AND t.id >= $2 ORDER BY t.id DESC LIMIT $4) m \
                 JOIN requests r ON r.id = m.id WHERE {filter} ORDER BY m.id DESC LIMIT $3"
            ))
            .bind::<Text, _>(&query)
            .bind::<BigInt, _>(from_id)
            .bind::<BigInt, _>(GOOD_CANDIDATES)
            .bind::<BigInt, _>(GOOD_CANDIDATES * 4)
            .load(inner)?;
            found.extend(good);
            Ok(found)
        }
    }
}

/// The newest ids PostgreSQL reads without its GIN index, matching each row itself.
const PG_NEWEST_SCANNED: i64 = 8_192;
/// The first band of older ids looked through with the index; each next band is four times wider.
const PG_FIRST_BAND: i64 = 32_768;

/// A match of the newest-first walk: whether it is in the search's scope, and a good answer.
#[derive(Debug, QueryableByName)]
struct PgMatch {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Bool)]
    in_scope: bool,
    #[diesel(sql_type = Bool)]
    good: bool,
}

/// The newest `CANDIDATES` matches in scope among the newest `RECENT_MATCHES` matches, as on
/// SQLite. A GIN index hands out every match unordered, so ordering them by recency read each
/// match's row (186 ms for "vpn timeout" on a million requests). Instead the history is walked
/// newest first in bands of ids: the newest rows are matched one by one (cheaper than the index
/// for common words, which end the walk there), then ever wider bands go through the index,
/// where PostgreSQL intersects the matches with the band before reading any row; rare words
/// reach the whole history in a few steps at little cost.
fn recent_matches_pg(
    conn: &mut diesel::PgConnection,
    query: &str,
    document: &str,
    scope: Scope,
    from_id: i64,
) -> QueryResult<Vec<Candidate>> {
    // Only answers need the request's state; the text row knows whether it is a good answer.
    let (columns, rows_from) = if scope == Scope::Answers {
        (
            format!("({ANSWERS_ONLY}) AS in_scope, r.good_answer_at IS NOT NULL AS good"),
            "request_text t JOIN requests r ON r.id = t.id",
        )
    } else {
        ("TRUE AS in_scope, t.tags = 'goodanswer' AS good".to_owned(), "request_text t")
    };
    let newest: Option<i64> = request_text::table.select(diesel::dsl::max(request_text::id)).get_result(conn)?;
    let Some(newest) = newest else {
        return Ok(Vec::new());
    };
    let (mut found, mut seen) = (Vec::new(), 0i64);
    let mut upper = newest + 1;
    let mut band = PG_NEWEST_SCANNED;
    while upper > from_id && seen < RECENT_MATCHES && (found.len() as i64) < CANDIDATES {
        let lower = (upper - band).max(from_id);
        // The function form of `@@` cannot use the index: the newest band is read by key.
        let matches = if band == PG_NEWEST_SCANNED {
            format!("ts_match_vq(t.{document}, q)")
        } else {
            format!("t.{document} @@ q")
        };
        let rows: Vec<PgMatch> = diesel::sql_query(format!(
            "SELECT t.id, {columns} FROM {rows_from}, to_tsquery('english', $1) q \
             WHERE {matches} AND t.id >= $2 AND t.id < $3 ORDER BY t.id DESC LIMIT $4"
        ))
        .bind::<Text, _>(query)
        .bind::<BigInt, _>(lower)
        .bind::<BigInt, _>(upper)
        .bind::<BigInt, _>(RECENT_MATCHES - seen)
        .load(conn)?;
        seen += rows.len() as i64;
        let wanted = usize::try_from(CANDIDATES).unwrap_or(usize::MAX).saturating_sub(found.len());
        found.extend(rows.into_iter().filter(|m| m.in_scope).take(wanted).map(|m| Candidate {
            id: m.id,
            good: m.good,
            recent: true,
        }));
        upper = lower;
        band = if band == PG_NEWEST_SCANNED { PG_FIRST_BAND } else { band.saturating_mul(4) };
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_words_quoted_with_a_prefix_on_the_last() {
        assert_eq!(
            fts5_query(&words("VPN drops\" OR 1=1 -- tunnel", Match::All), Match::All, LastWord::Prefix),
            "\"vpn\" \"drops\" \"or\" \"1\" \"1\" \"tunnel\"*"
        );
        assert_eq!(
            fts5_query(&words("the disk is full", Match::Any), Match::Any, LastWord::Prefix),
            "\"disk\" OR \"full\""
        );
        assert_eq!(tsquery(&words("disk full", Match::Any), Match::Any, LastWord::Prefix), "disk | full");
        assert_eq!(tsquery(&words("disk ful", Match::All), Match::All, LastWord::Prefix), "disk & ful:*");
        assert_eq!(
            fts5_query(&words("vpn d", Match::All), Match::All, LastWord::Prefix),
            "\"vpn\" \"d\"",
            "too short to be a prefix"
        );
        assert_eq!(
            fts5_query(&words("fix the", Match::All), Match::All, LastWord::Prefix),
            "\"fix\" \"the\"",
            "too common"
        );
        assert_eq!(
            fts5_query(&words("disk ful", Match::All), Match::All, LastWord::Whole),
            "\"disk\" \"ful\"",
            "whole words"
        );
        let completions = ["certificate".to_owned(), "certificates".to_owned()];
        assert_eq!(
            fts5_query(&words("vpn certifi", Match::All), Match::All, LastWord::OneOf(&completions)),
            "\"vpn\" AND (\"certificate\" OR \"certificates\")"
        );
        assert_eq!(
            tsquery(&words("vpn certifi", Match::All), Match::All, LastWord::OneOf(&completions)),
            "vpn & (certificate | certificates)"
        );
        assert!(words("  ,,, ", Match::All).is_empty());
        assert!(words("how do I", Match::Any).is_empty());
    }

    #[test]
    fn the_words_kept_for_completion_are_the_ones_a_search_box_splits() {
        let kept: Vec<String> =
            completable_words("Renew the TLS-certificate, ticket #12345 of 2026; ok? Überweisung").collect();
        assert_eq!(kept, ["renew", "the", "tls", "certificate", "ticket", "überweisung"]);
        let long = "a".repeat(LONGEST_KEPT_WORD + 1);
        assert_eq!(completable_words(&long).count(), 0, "ids and hashes nobody types");
    }
}
