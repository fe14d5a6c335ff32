//! `/api/trust-roots/{public_key}/key`: a trust root's public key as a file, in the
//! text `custody verify --trust` reads. (Listing, adding and removing roots are the
//! UI's server functions.)

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::auth::{perm, Can};
use super::download::download;
use super::error::{ErrorBody, HttpError};
use super::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/trust-roots/{public_key}/key", get(key))
}

/// A trust root's public key (hex), to hand to `custody verify --trust`.
///
/// Saved as `trust-root-{keyid}.pub`: the key as 64 hex digits and a newline.
#[utoipa::path(
    get,
    path = "/api/trust-roots/{public_key}/key",
    operation_id = "trust_root_key",
    tag = "keys",
    params(
        ("public_key" = String, Path, description = "The root's public key, 64 hex digits (as the trust-root list gives it)."),
    ),
    responses(
        (status = 200, description = "The public key, 64 hex digits and a newline.", body = String,
            content_type = "text/plain"),
        (status = 404, description = "This server trusts no such root.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
pub(super) async fn key(
    _: Can<perm::Read>,
    State(state): State<AppState>,
    Path(public_key): Path<String>,
) -> Result<Response, HttpError> {
    let root = store::trust_roots::find(&state.db, &public_key).await?;
    let root = HttpError::found(root, "trust root")?;
    Ok(download(
        "text/plain; charset=utf-8",
        &format!("trust-root-{}.pub", root.keyid),
        false,
        format!("{}\n", root.public_key),
    ))
}
