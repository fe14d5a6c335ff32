//! `/api/bundles`: upload (raw bytes in the body), read back, report, graph,
//! lifecycles, events.

use app::model::{
    ActorLifecycle, BundleSummary, CredentialLifecycle, EventQuery, EventRow, Graph, Page, Severity,
};
use app::store::bundles::{self, Target, Upload};
use app::store::events;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use serde::Deserialize;

use super::error::HttpError;
use super::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/bundles", post(upload))
        .route("/api/bundles/{sha256}", get(summary))
        .route("/api/bundles/{sha256}/raw", get(raw))
        .route("/api/bundles/{sha256}/report", get(report))
        .route("/api/bundles/{sha256}/graph", get(graph))
        .route("/api/bundles/{sha256}/events/{index}", get(event))
        .route("/api/bundles/{sha256}/actors/{actor}", get(actor))
        .route("/api/bundles/{sha256}/credentials/{token}", get(credential))
        .route("/api/events", get(query))
}

/// Where an upload goes: `incident=ID`, or a new incident (`title`, optional
/// `severity` and `description`; the default title names the file or the address).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UploadParams {
    incident: Option<i64>,
    title: Option<String>,
    severity: Option<Severity>,
    description: Option<String>,
    name: Option<String>,
}

async fn upload(
    State(state): State<AppState>,
    Query(params): Query<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BundleSummary>, HttpError> {
    let limit = state.ingest.limits.max_bundle_bytes;
    let too_large = |size: String| {
        HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "bundle.too_large",
            format!("the bundle is {size} bytes; the limit is {limit} (max bundle bytes)"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(size) = declared.filter(|s| *s > limit as u64) {
        return Err(too_large(size.to_string()));
    }
    // Read as it arrives, and stop at the limit.
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(too_large(format!("more than {limit}")))
        }
        Err(_) => {
            return Err(HttpError::bad_request(
                "the upload was interrupted before the whole bundle arrived",
            ))
        }
    };
    if bytes.is_empty() {
        return Err(HttpError::new(
            StatusCode::BAD_REQUEST,
            "bundle.malformed",
            "the request body is empty: send the bundle's bytes",
        ));
    }
    let name = params.name.unwrap_or_default();
    let target = match params.incident {
        Some(id) => Target::Incident(id),
        None => Target::New {
            title: params.title.unwrap_or_else(|| {
                if name.is_empty() {
                    format!("Bundle {}", &bundles::address(&bytes)[..12])
                } else {
                    name.clone()
                }
            }),
            description: params.description.unwrap_or_default(),
            severity: params.severity.unwrap_or(Severity::Medium),
        },
    };
    let stored = bundles::ingest(
        &state.db,
        Upload {
            bytes,
            name,
            target,
        },
        state.ingest,
    )
    .await?;
    Ok(Json(stored))
}

fn found<T>(value: Option<T>, what: &str) -> Result<T, HttpError> {
    value.ok_or_else(|| HttpError::not_found(what))
}

async fn summary(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Json<BundleSummary>, HttpError> {
    Ok(Json(found(
        bundles::get(&state.db, &sha256).await?,
        "bundle",
    )?))
}

async fn raw(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Response, HttpError> {
    let bytes = found(bundles::raw(&state.db, &sha256).await?, "bundle")?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{sha256}.bundle.json\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn report(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Json<serde_json::Value>, HttpError> {
    Ok(Json(found(
        bundles::report(&state.db, &sha256).await?,
        "bundle",
    )?))
}

async fn graph(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Json<Graph>, HttpError> {
    found(bundles::get(&state.db, &sha256).await?, "bundle")?;
    Ok(Json(events::graph(&state.db, &sha256).await?))
}

/// One event and its payload as signed.
#[derive(Debug, serde::Serialize)]
struct EventDetail {
    event: EventRow,
    /// The payload's text as signed, or null where its signature did not hold.
    payload: Option<String>,
}

async fn event(
    State(state): State<AppState>,
    Path((sha256, index)): Path<(String, i64)>,
) -> Result<Json<EventDetail>, HttpError> {
    let (event, payload) = found(events::get(&state.db, &sha256, index).await?, "event")?;
    Ok(Json(EventDetail { event, payload }))
}

async fn actor(
    State(state): State<AppState>,
    Path((sha256, actor)): Path<(String, String)>,
) -> Result<Json<ActorLifecycle>, HttpError> {
    Ok(Json(found(
        events::actor_lifecycle(&state.db, &sha256, &actor).await?,
        "actor",
    )?))
}

async fn credential(
    State(state): State<AppState>,
    Path((sha256, token)): Path<(String, String)>,
) -> Result<Json<CredentialLifecycle>, HttpError> {
    Ok(Json(found(
        events::credential_lifecycle(&state.db, &sha256, &token).await?,
        "credential",
    )?))
}

async fn query(
    State(state): State<AppState>,
    Query(query): Query<EventQuery>,
) -> Result<Json<Page<EventRow>>, HttpError> {
    Ok(Json(events::query(&state.db, &query).await?))
}
