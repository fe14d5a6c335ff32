//! Server functions of the event search across incidents, and of saved views.

use leptos::prelude::*;

use super::review::ui_function;
#[cfg(feature = "ssr")]
use super::{db, invalid, require};
use crate::error::ApiError;
#[cfg(feature = "ssr")]
use model::EventQuery;
#[cfg(feature = "ssr")]
use model::Permission;
use model::{EventRow, Page, SavedView};

ui_function! { "/api/events/search", "ui_search_events", Page<EventRow>,
/// One page of the events of every stored bundle that `query` selects: a query string with the parameters of `GET /api/events`, which gives the same answer.
#[server(endpoint = "events/search")]
pub async fn search_events(query: String) -> Result<Page<EventRow>, ApiError> {
    require(Permission::Read)?;
    store::events::query(&db()?, &EventQuery::parse(&query)).await.map_err(|e| match ApiError::from(e) {
        ApiError::Invalid(why) => invalid(why),
        other => other,
    })
}
}

ui_function! { "/api/views/list", "ui_saved_views", Vec<SavedView>,
/// The signed-in reviewer's saved event searches, by name.
#[server(endpoint = "views/list")]
pub async fn saved_views() -> Result<Vec<SavedView>, ApiError> {
    let me = require(Permission::Read)?;
    Ok(store::views::list(&db()?, &me.username).await?)
}
}

ui_function! { "/api/views/save", "ui_save_view", SavedView,
/// Saves the event search `query` (a query string of `/events`) as the reviewer's view `name`, replacing the search of a view of that name.
#[server(endpoint = "views/save")]
pub async fn save_view(name: String, query: String) -> Result<SavedView, ApiError> {
    use store::views::ViewError;
    let me = require(Permission::Read)?;
    store::views::save(&db()?, &me.username, &name, &EventQuery::parse(&query))
        .await
        .map_err(|e| match e {
            ViewError::Invalid(why) => invalid(why),
            ViewError::Store(e) => e.into(),
        })
}
}

ui_function! { "/api/views/delete", "ui_delete_view", bool,
/// Deletes one of the reviewer's saved views; false when they have no such view.
#[server(endpoint = "views/delete")]
pub async fn delete_view(id: i64) -> Result<bool, ApiError> {
    let me = require(Permission::Read)?;
    Ok(store::views::delete(&db()?, &me.username, id).await?)
}
}
