//! `GET /healthz`: whether this server can reach its database.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Json;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use utoipa::ToSchema;

use super::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

/// Whether the server reached its database, and which one.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the database answered, `unavailable` when it did not.
    pub status: HealthStatus,
    /// The database in use: `SQLite (embedded)` or `PostgreSQL`.
    pub database: &'static str,
}

/// Whether the database answered.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// It answered.
    Ok,
    /// It did not.
    Unavailable,
}

/// Whether this server can reach its database.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses(
        (status = 200, description = "The database answered.", body = Health,
            example = json!({"status": "ok", "database": "SQLite (embedded)"})),
        (status = 503, description = "The database did not answer.", body = Health,
            example = json!({"status": "unavailable", "database": "PostgreSQL"})),
    )
)]
async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = state.db.kind().label();
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: HealthStatus::Ok,
                database,
            }),
        ),
        Err(err) => {
            tracing::error!(error = %err, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: HealthStatus::Unavailable,
                    database,
                }),
            )
        }
    }
}
