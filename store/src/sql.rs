//! SQL built at run time, with parameters as each database reads them fastest:
//! `$1`, `$2`… on Postgres (sqlx's `QueryBuilder` writes `?` for the `Any` driver,
//! which Postgres does not accept) and `?` on SQLite (sqlx looks each numbered
//! parameter up by name, which costs time quadratic in their number).

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments as _, Encode, Type};

use crate::StoreError;
use model::DatabaseKind;

/// A statement being written, with its arguments.
pub(crate) struct Sql<'q> {
    kind: DatabaseKind,
    text: String,
    args: AnyArguments<'q>,
    count: usize,
    /// Inside `(…)` of a VALUES list: whether the next value is the first.
    first_in_row: Option<bool>,
    error: Option<sqlx::error::BoxDynError>,
}

impl<'q> Sql<'q> {
    pub(crate) fn new(kind: DatabaseKind, text: impl Into<String>) -> Self {
        Sql {
            kind,
            text: text.into(),
            args: AnyArguments::default(),
            count: 0,
            first_in_row: None,
            error: None,
        }
    }

    /// The database the statement is written for.
    pub(crate) fn kind(&self) -> DatabaseKind {
        self.kind
    }

    /// Appends SQL text.
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a parameter bound to `value` (inside a row, after a comma when
    /// it is not the row's first value).
    pub(crate) fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        self.bind_in("", value, "")
    }

    /// [`Sql::bind`], with the parameter written between `before` and `after` (a
    /// function applied to it, say).
    pub(crate) fn bind_in<T>(&mut self, before: &str, value: T, after: &str) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        if let Some(first) = self.first_in_row.as_mut() {
            if !*first {
                self.text.push_str(", ");
            }
            *first = false;
        }
        self.text.push_str(before);
        self.count += 1;
        match self.kind {
            DatabaseKind::Sqlite => self.text.push('?'),
            DatabaseKind::Postgres => {
                self.text.push('$');
                self.text.push_str(&self.count.to_string());
            }
        }
        self.text.push_str(after);
        if let Err(e) = self.args.add(value) {
            self.error.get_or_insert(e);
        }
        self
    }

    /// Starts a row of a VALUES list (`, (` after the first row).
    pub(crate) fn row(&mut self, first: bool) -> &mut Self {
        self.text.push_str(if first { "(" } else { ", (" });
        self.first_in_row = Some(true);
        self
    }

    /// Ends the row.
    pub(crate) fn end_row(&mut self) -> &mut Self {
        self.text.push(')');
        self.first_in_row = None;
        self
    }

    /// The statement's text and arguments.
    pub(crate) fn build(self) -> Result<(String, AnyArguments<'q>), StoreError> {
        match self.error {
            Some(e) => Err(StoreError::Sqlx(sqlx::Error::Encode(e))),
            None => Ok((self.text, self.args)),
        }
    }
}

/// How the database would run `statement`: its query plan, a line per step (see
/// [`crate::events::explain`]).
pub(crate) async fn explain(
    db: &crate::Db,
    mut statement: Sql<'_>,
) -> Result<Vec<String>, StoreError> {
    use sqlx::Row as _;
    let mut tx = db.pool().begin().await?;
    let explain = match db.kind() {
        DatabaseKind::Sqlite => "EXPLAIN QUERY PLAN ",
        DatabaseKind::Postgres => {
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await?;
            "EXPLAIN "
        }
    };
    statement.text.insert_str(0, explain);
    let (text, args) = statement.build()?;
    let rows = sqlx::query_with(&text, args).fetch_all(&mut *tx).await?;
    let column = match db.kind() {
        DatabaseKind::Sqlite => 3,
        DatabaseKind::Postgres => 0,
    };
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        lines.push(row.try_get::<String, _>(column)?);
    }
    tx.rollback().await?;
    Ok(lines)
}
