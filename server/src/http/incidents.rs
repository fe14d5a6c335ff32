//! `/api/incidents`: list, open, read one.

use app::model::{IncidentDetail, IncidentSummary, Severity};
use app::store::incidents::{self, NewIncident};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Json;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::error::HttpError;
use super::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/incidents", get(list).post(create))
        .route("/api/incidents/{id}", get(one))
}

async fn list(State(state): State<AppState>) -> Result<Json<Vec<IncidentSummary>>, HttpError> {
    Ok(Json(incidents::list(&state.db).await?))
}

/// A new incident.
#[derive(Debug, Deserialize)]
struct Create {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default = "medium")]
    severity: Severity,
}

fn medium() -> Severity {
    Severity::Medium
}

async fn create(
    State(state): State<AppState>,
    Json(new): Json<Create>,
) -> Result<(StatusCode, Json<IncidentDetail>), HttpError> {
    let title = new.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(HttpError::bad_request("`title` is 1 to 200 characters"));
    }
    let id = incidents::create(
        &state.db,
        &NewIncident {
            title,
            description: new.description,
            severity: new.severity,
        },
    )
    .await?;
    let detail = incidents::get(&state.db, id)
        .await?
        .ok_or_else(|| HttpError::not_found("incident"))?;
    Ok((StatusCode::CREATED, Json(detail)))
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<IncidentDetail>, HttpError> {
    incidents::get(&state.db, id)
        .await?
        .map(Json)
        .ok_or_else(|| HttpError::not_found("incident"))
}
