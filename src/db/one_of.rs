//! A column compared with our own fixed words (a state, an event kind), written into the SQL
//! as text constants rather than bound: a bound value makes SQLite plan the statement again on
//! every run (it compares it with its statistics) or, for a list, not prepare it at all
//! (diesel's `eq_any`); and the planners use a partial index (`requests_open_queue`,
//! `events_routed`) only for a condition they can see is the index's own.

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping, is_aggregate};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::result::QueryResult;

/// `column = 'word'` for one word, `column IN ('a', 'b', …)` for several, never true for none.
#[derive(Debug, Clone)]
pub(crate) struct OneOf<C> {
    column: C,
    words: Vec<&'static str>,
}

impl<C> OneOf<C> {
    pub(crate) fn new(column: C, words: impl IntoIterator<Item = &'static str>) -> Self {
        OneOf { column, words: words.into_iter().collect() }
    }
}

impl<C> Expression for OneOf<C> {
    type SqlType = diesel::sql_types::Bool;
}

impl<C: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for OneOf<C> {}

impl<C: SelectableExpression<QS>, QS> SelectableExpression<QS> for OneOf<C> {}

impl<C> ValidGrouping<()> for OneOf<C> {
    type IsAggregate = is_aggregate::No;
}

impl<C> QueryId for OneOf<C> {
    type QueryId = ();
    // The text differs with the words: the statement cache keys it by its text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C: QueryFragment<DB>, DB: Backend> QueryFragment<DB> for OneOf<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let quoted = |word: &str| format!("'{}'", word.replace('\'', "''"));
        match self.words.as_slice() {
            [] => out.push_sql("1 = 0"),
            [word] => {
                self.column.walk_ast(out.reborrow())?;
                out.push_sql(&format!(" = {}", quoted(word)));
            }
            words => {
                self.column.walk_ast(out.reborrow())?;
                let list: Vec<String> = words.iter().map(|w| quoted(w)).collect();
                out.push_sql(&format!(" IN ({})", list.join(", ")));
            }
        }
        Ok(())
    }
}
