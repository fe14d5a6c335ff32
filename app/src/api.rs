//! Server functions: thin doors from the browser into the `store` crate.
//! Each takes its database from the request's context and returns shared
//! `model` types or an [`ApiError`].

use leptos::prelude::*;

use crate::error::ApiError;
use model::{IncidentList, IncidentOverview, IncidentQuery, ServerInfo};

mod admin;
mod events;
mod findings;
mod review;
mod work;

pub use admin::*;
pub use events::*;
pub use findings::*;
pub use review::*;
pub use work::*;

#[cfg(feature = "ssr")]
fn db() -> Result<store::Db, ApiError> {
    use_context::<store::Db>().ok_or_else(|| {
        tracing::error!("no database in the server function's context");
        ApiError::Internal
    })
}

#[cfg(feature = "ssr")]
fn server_key() -> Result<store::review_log::ServerKey, ApiError> {
    use_context::<store::review_log::ServerKey>().ok_or_else(|| {
        tracing::error!("no server key in the server function's context");
        ApiError::Internal
    })
}

#[cfg(feature = "ssr")]
fn log_key() -> Result<store::tlog::LogKey, ApiError> {
    use_context::<store::tlog::LogKey>().ok_or_else(|| {
        tracing::error!("no transparency log in the server function's context");
        ApiError::Internal
    })
}

/// Sets the status of the server function's answer.
#[cfg(feature = "ssr")]
fn set_status(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

/// The signed-in reviewer, from the request's session (the server's guard put it
/// there), when their role allows `what`; otherwise the answer is 401 or 403.
#[cfg(feature = "ssr")]
fn require(what: model::Permission) -> Result<model::Reviewer, ApiError> {
    let session = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<store::sessions::Session>().cloned());
    match session {
        None => {
            set_status(http::StatusCode::UNAUTHORIZED);
            Err(ApiError::Unauthorized)
        }
        Some(s) if s.reviewer.can(what) => Ok(s.reviewer),
        Some(s) => {
            set_status(http::StatusCode::FORBIDDEN);
            Err(ApiError::Forbidden(s.reviewer.role.refusal().to_owned()))
        }
    }
}

/// A rule refused the request: the answer is 403 with its reason.
#[cfg(feature = "ssr")]
fn refused(why: String) -> ApiError {
    set_status(http::StatusCode::FORBIDDEN);
    ApiError::Forbidden(why)
}

/// The request cannot be used: the answer is 400 with the reason.
#[cfg(feature = "ssr")]
fn invalid(why: String) -> ApiError {
    set_status(http::StatusCode::BAD_REQUEST);
    ApiError::Invalid(why)
}

/// The incidents a query selects, with how many match and how many each status would list.
///
/// The form's fields are the incident list's URL parameters (all optional); a
/// parameter that cannot be used is refused with `Invalid`, naming it.
#[cfg_attr(feature = "ssr", utoipa::path(
    post,
    path = "/api/incidents/list",
    operation_id = "ui_list_incidents",
    tag = "ui",
    request_body(content = inline(IncidentQuery), content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The matching incidents and their counts.", body = IncidentList),
        (status = 500, description = "A parameter cannot be used (`Invalid`, with a message naming \
            it), or the store failed (`Internal`; the details are in the server's log).",
            body = ApiError),
    )
))]
#[server(endpoint = "incidents/list")]
pub async fn list_incidents(
    #[server(flatten)] query: IncidentQuery,
) -> Result<IncidentList, ApiError> {
    require(model::Permission::Read)?;
    Ok(store::incidents::list(&db()?, &query).await?)
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
    require(model::Permission::Read)?;
    Ok(store::server_info(&db()?).await?)
}

/// The form a server function taking an incident's number is called with.
#[cfg(feature = "ssr")]
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "read only by the OpenAPI document, never constructed"
)]
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
    require(model::Permission::Read)?;
    let db = db()?;
    let Some(detail) = store::incidents::get(&db, id).await? else {
        return Ok(None);
    };
    let facts = store::incidents::facts(&db, id).await?;
    Ok(Some(IncidentOverview { detail, facts }))
}

/// The form a server function taking a bundle's SHA-256 is called with.
#[cfg(feature = "ssr")]
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "read only by the OpenAPI document, never constructed"
)]
struct BundleDigest {
    /// The bundle's SHA-256, hex.
    sha256: String,
}

/// A stored bundle's summary and verdict (null: no such bundle).
#[cfg_attr(feature = "ssr", utoipa::path(
    post,
    path = "/api/bundles/summary",
    operation_id = "ui_bundle_summary",
    tag = "ui",
    request_body(content = inline(BundleDigest), content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The bundle, or null.", body = Option<model::BundleSummary>),
        (status = 500, description = "The store failed; the details are in the server's log.",
            body = ApiError),
    )
))]
#[server(endpoint = "bundles/summary")]
pub async fn fetch_bundle(sha256: String) -> Result<Option<model::BundleSummary>, ApiError> {
    require(model::Permission::Read)?;
    Ok(store::bundles::get(&db()?, &sha256).await?)
}

/// The trust roots this server verifies bundles against.
#[cfg_attr(feature = "ssr", utoipa::path(
    post,
    path = "/api/trust-roots/list",
    operation_id = "ui_trust_roots",
    tag = "ui",
    responses(
        (status = 200, description = "The server's trust roots, oldest first.", body = Vec<model::TrustRoot>),
        (status = 500, description = "The store failed; the details are in the server's log.",
            body = ApiError),
    )
))]
#[server(endpoint = "trust-roots/list")]
pub async fn fetch_trust_roots() -> Result<Vec<model::TrustRoot>, ApiError> {
    require(model::Permission::Read)?;
    Ok(store::trust_roots::list(&db()?).await?)
}
