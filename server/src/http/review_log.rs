//! `/api/review-log`: the signed review log as a bundle, and the key that verifies it.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use store::review_log::{self, Actor, Entry};

use super::auth::{perm, Can};
use super::download::download;
use super::error::{ErrorBody, HttpError};
use super::schema::BundleFile;
use super::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/review-log/export", get(export))
        .route("/api/review-log/key", get(key))
}

/// The whole review log as a Custody evidence bundle, signed by this server.
///
/// The export itself is recorded first, so the bundle ends with its own export.
/// Verify it with `custody verify custody-review-log.bundle.json --trust server.pub`.
#[utoipa::path(
    get,
    path = "/api/review-log/export",
    operation_id = "export_review_log",
    tag = "review",
    responses(
        (status = 200, description = "The review log as a bundle.", body = BundleFile,
            content_type = "application/json"),
        (status = 401, description = "Not signed in.", body = ErrorBody),
        (status = 403, description = "The reviewer's role cannot export.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn export(
    Can(reviewer, _): Can<perm::Export>,
    State(state): State<AppState>,
) -> Result<Response, HttpError> {
    review_log::record(
        &state.db,
        &state.key,
        Entry {
            actor: Actor::Reviewer(&reviewer),
            action: "export",
            incident: None,
            bundle: None,
            event: None,
            summary: "exported the review log".to_owned(),
            details: serde_json::json!({ "what": "review log" }),
        },
    )
    .await?;
    let bundle = review_log::export(&state.db, &state.key).await?;
    Ok(download(
        "application/json",
        "custody-review-log.bundle.json",
        false,
        bundle,
    ))
}

/// This server's public key (hex), which verifies the review log and exports.
#[utoipa::path(
    get,
    path = "/api/review-log/key",
    operation_id = "review_log_key",
    tag = "review",
    responses(
        (status = 200, description = "The public key, 64 hex digits and a newline.", body = String,
            content_type = "text/plain"),
        (status = 401, description = "Not signed in.", body = ErrorBody),
    )
)]
async fn key(_: Can<perm::Read>, State(state): State<AppState>) -> Response {
    download(
        "text/plain; charset=utf-8",
        "server.pub",
        false,
        format!("{}\n", state.key.public_key().to_hex()),
    )
}
