//! Saved views: a reviewer's named event searches, kept on the server so that they
//! follow the reviewer and can be shared as links. They are preferences, not
//! review actions: the review log does not record them.

use model::{EventQuery, SavedView};

use crate::events::QueryError;
use crate::{now, Db, StoreError};

/// The most views one reviewer keeps.
pub const MAX_VIEWS: i64 = 100;
/// The longest name.
pub const MAX_NAME_CHARS: usize = 100;

/// Why a view was not saved.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// The name or the search cannot be used; the text says why.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store_error!(ViewError);

impl From<QueryError> for ViewError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::Invalid(why) => {
                ViewError::Invalid(format!("the search cannot be saved: {why}"))
            }
            QueryError::Store(e) => ViewError::Store(e),
        }
    }
}

/// `owner`'s views, by name.
pub async fn list(db: &Db, owner: &str) -> Result<Vec<SavedView>, StoreError> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, name, query, created_at FROM saved_views WHERE owner = $1 ORDER BY LOWER(name), id",
    )
    .bind(owner)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, query, created_at)| SavedView {
            id,
            name,
            query,
            created_at,
        })
        .collect())
}

/// Saves `query` (paging left out) as `owner`'s view `name`, replacing the search
/// of a view of that name. The search is checked as the event search checks it.
pub async fn save(
    db: &Db,
    owner: &str,
    name: &str,
    query: &EventQuery,
) -> Result<SavedView, ViewError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ViewError::Invalid(format!(
            "a view's name has 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ViewError::Invalid(
            "a view's name is one line of text".into(),
        ));
    }
    let query = query.on_page(1);
    crate::events::validate(db, &query)?;
    if !query.is_filtered() {
        return Err(ViewError::Invalid(
            "choose at least one filter before saving the search".into(),
        ));
    }
    let text = query.to_query_string();
    let _writes = db.lock_writes().await;
    let mut tx = db.pool().begin().await?;
    let (count,): (i64,) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM saved_views WHERE owner = $1 AND name <> $2",
    )
    .bind(owner)
    .bind(name)
    .fetch_one(&mut *tx)
    .await?;
    if count >= MAX_VIEWS {
        return Err(ViewError::Invalid(format!(
            "you have {MAX_VIEWS} saved views; delete one first"
        )));
    }
    let (id, created_at): (i64, String) = sqlx::query_as(
        "INSERT INTO saved_views (owner, name, query, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (owner, name) DO UPDATE SET query = excluded.query, created_at = excluded.created_at \
         RETURNING id, created_at",
    )
    .bind(owner)
    .bind(name)
    .bind(&text)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(SavedView {
        id,
        name: name.to_owned(),
        query: text,
        created_at,
    })
}

/// Deletes `owner`'s view `id`; false when they have no such view.
pub async fn delete(db: &Db, owner: &str, id: i64) -> Result<bool, StoreError> {
    let _writes = db.lock_writes().await;
    let done = sqlx::query("DELETE FROM saved_views WHERE owner = $1 AND id = $2")
        .bind(owner)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}
