//! Server functions: thin doors from the browser into the [`crate::store`].
//! Each takes its database from the request's context and returns shared
//! [`crate::model`] types or an [`ApiError`].

use leptos::prelude::*;

use crate::error::ApiError;
use crate::model::{IncidentSummary, ServerInfo};

#[cfg(feature = "ssr")]
fn db() -> Result<crate::store::Db, ApiError> {
    use_context::<crate::store::Db>().ok_or_else(|| {
        tracing::error!("no database in the server function's context");
        ApiError::Internal
    })
}

/// The incidents, most recently updated first.
#[server(endpoint = "incidents/list")]
pub async fn list_incidents() -> Result<Vec<IncidentSummary>, ApiError> {
    Ok(crate::store::incidents::list(&db()?).await?)
}

/// What the Settings page shows about this server.
#[server(endpoint = "server/info")]
pub async fn fetch_server_info() -> Result<ServerInfo, ApiError> {
    Ok(crate::store::server_info(&db()?).await?)
}
