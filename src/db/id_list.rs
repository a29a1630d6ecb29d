//! `column IN (ids)` with the ids bound as one value.
//!
//! diesel writes `eq_any(&[…])` as `IN (?, ?, …)` on SQLite: a statement of a new shape for
//! every number of ids, which it never caches, so SQLite compiled it again on every page view
//! (a tenth of the queue's CPU went to preparing statements). Bound as one JSON array the
//! statement has one shape and is prepared once per connection; PostgreSQL gets the array it
//! takes natively (`= ANY($1)`).
//!
//! One id too, where SQLite's statistics (STAT4) hold samples of the column: a `column = ?`
//! there is planned again each time a value is bound, while a list it cannot look into keeps
//! its plan.

use super::DbConnection;
use diesel::QueryResult;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel::sqlite::Sqlite;

type Backend = <DbConnection as diesel::Connection>::Backend;

/// `column IN (ids)`; see the module.
#[derive(Debug, Clone)]
pub struct IdIn<C> {
    column: C,
    ids: Vec<i64>,
    /// The same ids as a JSON array, for SQLite's `json_each`.
    json: String,
}

/// `column` is one of `ids`.
pub fn id_in<C>(column: C, ids: &[i64]) -> IdIn<C> {
    let json = format!("[{}]", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    IdIn { column, ids: ids.to_vec(), json }
}

impl<C> Expression for IdIn<C> {
    type SqlType = Bool;
}

impl<C: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for IdIn<C> {}

impl<C: SelectableExpression<QS>, QS> SelectableExpression<QS> for IdIn<C> {}

impl<C: ValidGrouping<G>, G> ValidGrouping<G> for IdIn<C> {
    type IsAggregate = C::IsAggregate;
}

impl<C> QueryId for IdIn<C> {
    type QueryId = ();
    // The SQL text is the same for any ids, so the statement cache keys it by its text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for IdIn<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

impl<C: QueryFragment<Pg>> QueryFragment<Pg> for IdIn<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<C: QueryFragment<Sqlite> + QueryFragment<Pg>> QueryFragment<Backend> for IdIn<C> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        Backend::walk_variant_ast(self, pass)
    }
}
