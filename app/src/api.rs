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
#[cfg_attr(feature = "ssr", utoipa::path(
    post,
    path = "/api/incidents/list",
    operation_id = "ui_list_incidents",
    tag = "ui",
    responses(
        (status = 200, description = "The incidents.", body = Vec<IncidentSummary>),
        (status = 500, description = "The store failed; the details are in the server's log.",
            body = ApiError),
    )
))]
#[server(endpoint = "incidents/list")]
pub async fn list_incidents() -> Result<Vec<IncidentSummary>, ApiError> {
    Ok(crate::store::incidents::list(&db()?).await?)
}

/// What the Settings page shows about this server.
#[cfg_attr(feature = "ssr", utoipa::path(
    post,
    path = "/api/server/info",
    operation_id = "ui_server_info",
    tag = "ui",
    responses(
        (status = 200, description = "The server's version, database and settings.",
            body = ServerInfo),
        (status = 500, description = "The store failed; the details are in the server's log.",
            body = ApiError),
    )
))]
#[server(endpoint = "server/info")]
pub async fn fetch_server_info() -> Result<ServerInfo, ApiError> {
    Ok(crate::store::server_info(&db()?).await?)
}
