//! Server functions: thin doors from the browser into the [`crate::store`].
//! Each takes its database from the request's context and returns shared
//! [`crate::model`] types or an [`ApiError`].

use leptos::prelude::*;

use crate::error::ApiError;
use crate::model::{IncidentOverview, IncidentSummary, ServerInfo};

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

/// The form a server function taking an incident's number is called with.
#[cfg(feature = "ssr")]
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct IncidentNumber {
    /// The incident's number.
    id: i64,
}

/// An incident, its bundles and what its evidence adds up to (null: no such incident).
#[cfg_attr(feature = "ssr", utoipa::path(
    post,
    path = "/api/incidents/overview",
    operation_id = "ui_incident_overview",
    tag = "ui",
    request_body(content = inline(IncidentNumber), content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The incident, its bundles and facts, or null.",
            body = Option<IncidentOverview>),
        (status = 500, description = "The store failed; the details are in the server's log.",
            body = ApiError),
    )
))]
#[server(endpoint = "incidents/overview")]
pub async fn fetch_incident(id: i64) -> Result<Option<IncidentOverview>, ApiError> {
    let db = db()?;
    let Some(detail) = crate::store::incidents::get(&db, id).await? else {
        return Ok(None);
    };
    let facts = crate::store::incidents::facts(&db, id).await?;
    Ok(Some(IncidentOverview { detail, facts }))
}
