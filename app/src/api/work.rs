//! Server functions of the reviewer's own work.

use leptos::prelude::*;

use super::review::ui_function;
#[cfg(feature = "ssr")]
use super::{db, require};
use crate::error::ApiError;
use model::MyWork;
#[cfg(feature = "ssr")]
use model::Permission;

ui_function! { "/api/work", "ui_my_work", MyWork,
/// What awaits the signed-in reviewer, by the duties of their role: for access reviewers the chains they may sign, oldest first; for compliance reviewers their incidents and the findings awaiting a disposition; for auditors and admins the bundles stored and exports made most recently.
#[server(endpoint = "work")]
pub async fn fetch_work() -> Result<MyWork, ApiError> {
    let me = require(Permission::Read)?;
    let options = use_context::<store::IngestOptions>().unwrap_or_default();
    Ok(store::work::of(&db()?, &me, options, chrono::Utc::now()).await?)
}
}
