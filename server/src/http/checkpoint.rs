//! `/checkpoint`: the server-wide transparency log's latest checkpoint (a C2SP signed
//! note, cosigned by the witnesses that have seen it), consistency proofs between
//! two of its sizes, and where witnesses send their cosignatures. No sign-in: a
//! checkpoint and a proof are hashes and signatures, and a cosignature is
//! authenticated by the witness key that made it.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use store::tlog::{self, CheckpointRefusal, CosignError};
use utoipa::{IntoParams, ToSchema};

use super::error::{ErrorBody, HttpError};
use super::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/checkpoint", get(checkpoint))
        .route("/checkpoint/consistency", get(consistency))
        .route("/checkpoint/cosignature", post(cosignature))
}

impl From<CheckpointRefusal> for HttpError {
    fn from(e: CheckpointRefusal) -> Self {
        match e {
            CheckpointRefusal::Diverged(d) => HttpError::new(
                StatusCode::CONFLICT,
                d.rule(),
                format!(
                    "this server will not sign a checkpoint: the log no longer extends one it signed: {d}"
                ),
            ),
            CheckpointRefusal::Store(e) => e.into(),
        }
    }
}

/// The latest checkpoint of the transparency log.
///
/// A C2SP signed note: the origin, the tree size and the base64 root hash, signed by
/// the server's key under the origin, then one line per witness cosignature held.
/// Check it with `custody audit-log`.
#[utoipa::path(
    get,
    path = "/checkpoint",
    operation_id = "checkpoint",
    tag = "anchoring",
    responses(
        (status = 200, description = "The signed checkpoint.", body = String,
            content_type = "text/plain",
            example = "custody.local/log/0123456789abcdef\n12\nq1Yc…=\n\n— custody.local/log/0123456789abcdef AbCd…=\n"),
        (status = 409, description = "The log no longer extends a checkpoint this server signed (truncated, rewritten, equivocation): it signs none.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn checkpoint(State(state): State<AppState>) -> Result<Response, HttpError> {
    let note = tlog::checkpoint(&state.db, &state.log).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        note,
    )
        .into_response())
}

/// The two tree sizes of a consistency proof.
#[derive(Debug, Deserialize, IntoParams)]
pub struct Sizes {
    /// The earlier tree size.
    pub old: u64,
    /// The later tree size (at most the log's size).
    pub new: u64,
}

/// An RFC 6962 consistency proof.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsistencyProof {
    /// The earlier tree size.
    pub old: u64,
    /// The later tree size.
    pub new: u64,
    /// The proof's hashes, hex, in RFC 6962 order.
    pub proof: Vec<String>,
}

/// The consistency proof that the log at `new` entries contains the log at `old`.
#[utoipa::path(
    get,
    path = "/checkpoint/consistency",
    operation_id = "checkpoint_consistency",
    tag = "anchoring",
    params(Sizes),
    responses(
        (status = 200, description = "The proof.", body = ConsistencyProof),
        (status = 400, description = "`old` is more than `new`, or `new` more than the log holds.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn consistency(
    State(state): State<AppState>,
    Query(sizes): Query<Sizes>,
) -> Result<Json<ConsistencyProof>, HttpError> {
    let proof = tlog::consistency(&state.db, sizes.old, sizes.new)
        .await?
        .ok_or_else(|| {
            HttpError::new(
                StatusCode::BAD_REQUEST,
                "bad_sizes",
                format!(
                    "no proof from {} to {}: the first must be at most the second, and the second at most the log's size",
                    sizes.old, sizes.new
                ),
            )
        })?;
    Ok(Json(ConsistencyProof {
        old: sizes.old,
        new: sizes.new,
        proof: proof.iter().map(hex::encode).collect(),
    }))
}

/// Which witnesses' cosignatures were stored.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Cosigned {
    /// The witnesses, by name.
    pub stored: Vec<String>,
}

/// A witness sends its cosignature of a checkpoint.
///
/// The body is the checkpoint as this server signed it, with the witness's
/// `cosignature/v1` line added. Only witnesses in the server's witness policy (`--witness-policy`) are kept, each
/// line checked.
#[utoipa::path(
    post,
    path = "/checkpoint/cosignature",
    operation_id = "checkpoint_cosignature",
    tag = "anchoring",
    request_body(content = String, content_type = "text/plain",
        description = "The cosigned checkpoint (a signed note)."),
    responses(
        (status = 200, description = "Stored.", body = Cosigned),
        (status = 400, description = "Not a checkpoint this server signed, or no valid cosignature of a known witness.", body = ErrorBody),
        (status = 409, description = "This server has no witness policy.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn cosignature(
    State(state): State<AppState>,
    body: String,
) -> Result<Json<Cosigned>, HttpError> {
    match tlog::cosign(&state.db, &state.log, &body).await {
        Ok(stored) => Ok(Json(Cosigned { stored })),
        Err(CosignError::Store(e)) => Err(e.into()),
        Err(e @ CosignError::NoPolicy) => Err(HttpError::new(
            StatusCode::CONFLICT,
            "no_witness_policy",
            e.to_string(),
        )),
        Err(e) => Err(HttpError::new(
            StatusCode::BAD_REQUEST,
            "bad_cosignature",
            e.to_string(),
        )),
    }
}
