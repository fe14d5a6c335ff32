//! `/api/bundles`: upload (raw bytes in the body), read back, report, graph,
//! lifecycles, events.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Json, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use model::{
    ActorLifecycle, BundleSummary, CredentialLifecycle, EventQuery, EventRow, Graph, Page, Severity,
};
use serde::Deserialize;
use store::bundles;
use store::events;
use store::ingest::{self, Target, Upload};
use utoipa::{IntoParams, ToSchema};

use super::auth::{perm, Can, Sender};
use super::download::download;
use super::error::{ErrorBody, HttpError};
use super::schema::BundleFile;
use super::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/bundles", post(upload))
        .route("/api/bundles/{sha256}", get(summary))
        .route("/api/bundles/{sha256}/raw", get(raw))
        .route("/api/bundles/{sha256}/anchored", get(anchored))
        .route("/api/bundles/{sha256}/report", get(report))
        .route("/api/bundles/{sha256}/graph", get(graph))
        .route("/api/bundles/{sha256}/events/{index}", get(event))
        .route("/api/bundles/{sha256}/actors/{actor}", get(actor))
        .route("/api/bundles/{sha256}/credentials/{token}", get(credential))
        .route("/api/events", get(query))
}

/// Where an upload goes: `incident=ID`, or a new incident (`title`, optional
/// `severity` and `description`; the default title names the file or the address).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// Add the bundle to this incident (404 when there is none) instead of opening
    /// a new one.
    incident: Option<i64>,
    /// The new incident's title (default: `name`, or `Bundle <first 12 hex of the
    /// address>`).
    title: Option<String>,
    /// The new incident's severity (default `medium`).
    severity: Option<Severity>,
    /// The new incident's description (default empty).
    description: Option<String>,
    /// The file name to record.
    name: Option<String>,
}

/// Store a bundle.
///
/// The body is the bundle file's bytes. The server verifies them against its trust
/// roots and stores the bytes, the events and the verdict in one transaction, with
/// tampered and untrusted bundles stored and flagged. The same bytes uploaded again
/// store one bundle and get the same answer, describing the bundle as first stored.
#[utoipa::path(
    post,
    path = "/api/bundles",
    operation_id = "upload_bundle",
    tag = "bundles",
    params(UploadParams),
    request_body(
        description = "The bundle file's bytes, exactly as on disk. The content type is not checked.",
        content(
            (BundleFile = "application/octet-stream"),
            (BundleFile = "application/json"),
        ),
    ),
    responses(
        (status = 200, description = "Stored (or stored before): the bundle summary.", body = BundleSummary),
        (status = 400, description = "Refused, nothing stored: a malformed bundle (`bundle.malformed`, \
            `bundle.unsupported_version`, `payload.too_large`, `payload.malformed`), an empty body \
            (`bundle.malformed`), an interrupted one or a bad target (`bad_request`). A query \
            parameter that does not parse, such as `severity=urgent`, is refused in plain text.",
            content(
                (ErrorBody = "application/json"),
                (String = "text/plain"),
            )),
        (status = 404, description = "`incident` names no incident; nothing stored.", body = ErrorBody),
        (status = 413, description = "Over the server's limits: more bytes than `--max-bundle-bytes` \
            (`bundle.too_large`) or more events than `--max-events` (`bundle.too_many_events`).",
            body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
        (status = 503, description = "`busy`: the uploads under way hold the memory set aside for \
            uploads (`--upload-memory-mib`) and the queue (`--upload-queue`) is full, or the wait \
            for memory passed a minute; nothing stored. `Retry-After` says when to try again.",
            body = ErrorBody),
    )
)]
async fn upload(
    sender: Sender,
    State(state): State<AppState>,
    Query(params): Query<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BundleSummary>, HttpError> {
    let (bytes, _memory) = read_body(&state, &headers, body, "bundle").await?;
    if bytes.is_empty() {
        return Err(HttpError::new(
            StatusCode::BAD_REQUEST,
            "bundle.malformed",
            "the request body is empty: send the bundle's bytes",
        ));
    }
    let name = params.name.unwrap_or_default();
    let target = match sender.target(params.incident)? {
        Some(id) => Target::Incident(id),
        None => Target::New {
            title: params.title.unwrap_or_else(|| {
                if name.is_empty() {
                    format!("Bundle {}", &ingest::address(&bytes)[..12])
                } else {
                    name.clone()
                }
            }),
            description: params.description.unwrap_or_default(),
            severity: params.severity.unwrap_or(Severity::Medium),
        },
    };
    let stored = ingest::ingest(
        &state.db,
        &state.key,
        sender.log_actor(),
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

/// A request body read as it arrives, with the memory it takes set aside first (for
/// the largest body allowed when its size is not declared), refused past the
/// largest bundle allowed (`what` names it: 413 `{what}.too_large`); the memory is
/// held as long as the permit is.
pub(super) async fn read_body(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    what: &str,
) -> Result<(Vec<u8>, tokio::sync::OwnedSemaphorePermit), HttpError> {
    let limit = state.ingest.limits.max_bundle_bytes;
    let too_large = |size: String| {
        HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("{what}.too_large"),
            format!("the {what} is {size} bytes; the limit is {limit} (max bundle bytes)"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(size) = declared.filter(|s| *s > limit as u64) {
        return Err(too_large(size.to_string()));
    }
    let memory = state
        .uploads
        .reserve(declared.unwrap_or(limit as u64))
        .await
        .map_err(|_| {
            HttpError::busy(
                super::budget::RETRY_AFTER_SECS,
                "the server is storing as many uploads as its memory allows \
                 (upload memory), and more are waiting: try again later",
            )
        })?;
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => Vec::from(collected.to_bytes()),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(too_large(format!("more than {limit}")))
        }
        Err(_) => {
            return Err(HttpError::bad_request(format!(
                "the upload was interrupted before the whole {what} arrived"
            )))
        }
    };
    Ok((bytes, memory))
}

/// A bundle's summary.
#[utoipa::path(
    get,
    path = "/api/bundles/{sha256}",
    operation_id = "get_bundle",
    tag = "bundles",
    params(
        ("sha256" = String, Path, description = "The bundle's address: the SHA-256 of its bytes, hex."),
    ),
    responses(
        (status = 200, description = "The bundle summary.", body = BundleSummary),
        (status = 404, description = "No bundle has this address.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn summary(
    _: Can<perm::Read>,
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Json<BundleSummary>, HttpError> {
    Ok(Json(HttpError::found(
        bundles::get(&state.db, &sha256).await?,
        "bundle",
    )?))
}

/// A bundle's bytes exactly as received, as an attachment.
#[utoipa::path(
    get,
    path = "/api/bundles/{sha256}/raw",
    operation_id = "get_bundle_raw",
    tag = "bundles",
    params(
        ("sha256" = String, Path, description = "The bundle's address: the SHA-256 of its bytes, hex."),
    ),
    responses(
        (status = 200, description = "The bytes as received.",
            content((BundleFile = "application/json")),
            headers(("content-disposition" = String,
                description = "`attachment; filename=\"<sha256>.bundle.json\"`"))),
        (status = 404, description = "No bundle has this address.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn raw(
    _: Can<perm::Read>,
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Response, HttpError> {
    let bytes = HttpError::found(bundles::raw(&state.db, &sha256).await?, "bundle")?;
    Ok(download(
        "application/json",
        &format!("{sha256}.bundle.json"),
        false,
        bytes,
    ))
}

/// A bundle with its anchors, to verify offline.
///
/// Its signed bytes as received, with an `anchors` member (docs/bundle-format.md,
/// section 17): the time stamps it carries and its inclusion proof in this server's
/// transparency log, at the latest checkpoint the witness policy's quorum cosigned.
#[utoipa::path(
    get,
    path = "/api/bundles/{sha256}/anchored",
    operation_id = "get_bundle_anchored",
    tag = "bundles",
    params(
        ("sha256" = String, Path, description = "The bundle's address: the SHA-256 of its bytes, hex."),
    ),
    responses(
        (status = 200, description = "The bundle with its anchors.",
            content((BundleFile = "application/json")),
            headers(("content-disposition" = String,
                description = "`attachment; filename=\"<sha256>.anchored.bundle.json\"`"))),
        (status = 404, description = "No bundle has this address.", body = ErrorBody),
        (status = 409, description = "The log no longer extends a checkpoint this server signed: it signs none.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn anchored(
    _: Can<perm::Read>,
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Response, HttpError> {
    let bytes = HttpError::found(
        store::tlog::anchored(&state.db, &state.log, &sha256).await?,
        "bundle",
    )?;
    Ok(download(
        "application/json",
        &format!("{sha256}.anchored.bundle.json"),
        false,
        bytes,
    ))
}

/// A bundle's verification transcript, as `custody verify --json` prints it.
#[utoipa::path(
    get,
    path = "/api/bundles/{sha256}/report",
    operation_id = "get_bundle_report",
    tag = "bundles",
    params(
        ("sha256" = String, Path, description = "The bundle's address: the SHA-256 of its bytes, hex."),
    ),
    responses(
        (status = 200, description = "The verification transcript stored with the bundle.",
            body = model::Transcript),
        (status = 404, description = "No bundle has this address.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn report(
    _: Can<perm::Read>,
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Json<serde_json::Value>, HttpError> {
    Ok(Json(HttpError::found(
        bundles::report(&state.db, &sha256).await?,
        "bundle",
    )?))
}

/// A bundle's delegation graph.
///
/// Actors (`actor:<id>`) and events (`event:<id>`) as nodes; edges with `relation`
/// one of `performed`, `initiated`, `on_behalf_of`, `delegated`, `caused`,
/// `approved`.
#[utoipa::path(
    get,
    path = "/api/bundles/{sha256}/graph",
    operation_id = "get_bundle_graph",
    tag = "bundles",
    params(
        ("sha256" = String, Path, description = "The bundle's address: the SHA-256 of its bytes, hex."),
    ),
    responses(
        (status = 200, description = "The delegation graph.", body = Graph),
        (status = 404, description = "No bundle has this address.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn graph(
    _: Can<perm::Read>,
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> Result<Json<Graph>, HttpError> {
    HttpError::found(bundles::get(&state.db, &sha256).await?, "bundle")?;
    Ok(Json(events::graph(&state.db, &sha256).await?))
}

/// One event and its payload as signed.
#[derive(Debug, serde::Serialize, ToSchema)]
struct EventDetail {
    /// The event's row.
    event: EventRow,
    /// The payload's text as signed, or null where its signature did not hold.
    payload: Option<String>,
}

/// One event's row and its payload as signed.
#[utoipa::path(
    get,
    path = "/api/bundles/{sha256}/events/{index}",
    operation_id = "get_bundle_event",
    tag = "bundles",
    params(
        ("sha256" = String, Path, description = "The bundle's address: the SHA-256 of its bytes, hex."),
        ("index" = i64, Path, description = "The event's position in the bundle, from 0."),
    ),
    responses(
        (status = 200, description = "The event and its payload.", body = EventDetail),
        (status = 400, description = "`index` is not an integer (plain text).", body = String,
            content_type = "text/plain"),
        (status = 404, description = "No bundle has this address, or it has no event at this index.",
            body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn event(
    _: Can<perm::Read>,
    State(state): State<AppState>,
    Path((sha256, index)): Path<(String, i64)>,
) -> Result<Json<EventDetail>, HttpError> {
    let (event, payload) =
        HttpError::found(events::get(&state.db, &sha256, index).await?, "event")?;
    Ok(Json(EventDetail { event, payload }))
}

/// An actor's lifecycle in a bundle.
///
/// Its type, name, first and last appearance, and the events that name it.
#[utoipa::path(
    get,
    path = "/api/bundles/{sha256}/actors/{actor}",
    operation_id = "get_actor_lifecycle",
    tag = "bundles",
    params(
        ("sha256" = String, Path, description = "The bundle's address: the SHA-256 of its bytes, hex."),
        ("actor" = String, Path, description = "The actor's identity."),
    ),
    responses(
        (status = 200, description = "The actor's lifecycle.", body = ActorLifecycle),
        (status = 404, description = "No bundle has this address, or the bundle has no such actor.",
            body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn actor(
    _: Can<perm::Read>,
    State(state): State<AppState>,
    Path((sha256, actor)): Path<(String, String)>,
) -> Result<Json<ActorLifecycle>, HttpError> {
    Ok(Json(HttpError::found(
        events::actor_lifecycle(&state.db, &sha256, &actor).await?,
        "actor",
    )?))
}

/// A credential's lifecycle in a bundle.
///
/// Its issuer, subject, scope, issue and expiry times, the token it was exchanged
/// from, when it was revoked (the first `credential.revoke`), and the events that
/// name it.
#[utoipa::path(
    get,
    path = "/api/bundles/{sha256}/credentials/{token}",
    operation_id = "get_credential_lifecycle",
    tag = "bundles",
    params(
        ("sha256" = String, Path, description = "The bundle's address: the SHA-256 of its bytes, hex."),
        ("token" = String, Path, description = "The credential's token ID."),
    ),
    responses(
        (status = 200, description = "The credential's lifecycle.", body = CredentialLifecycle),
        (status = 404, description = "No bundle has this address, or the bundle has no such credential.",
            body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn credential(
    _: Can<perm::Read>,
    State(state): State<AppState>,
    Path((sha256, token)): Path<(String, String)>,
) -> Result<Json<CredentialLifecycle>, HttpError> {
    Ok(Json(HttpError::found(
        events::credential_lifecycle(&state.db, &sha256, &token).await?,
        "credential",
    )?))
}

/// Events matching the filters, one page at a time.
///
/// All filters are optional and combined with AND.
#[utoipa::path(
    get,
    path = "/api/events",
    operation_id = "query_events",
    tag = "events",
    params(EventQuery),
    responses(
        (status = 200, description = "One page of matching events.", body = Page<EventRow>),
        (status = 400, description = "A parameter is out of range or malformed; the message names it. \
            A parameter of the wrong type (e.g. `page=first`) is answered in plain text.",
            content(
                (ErrorBody = "application/json"),
                (String = "text/plain"),
            )),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn query(
    _: Can<perm::Read>,
    State(state): State<AppState>,
    Query(query): Query<EventQuery>,
) -> Result<Json<Page<EventRow>>, HttpError> {
    Ok(Json(events::query(&state.db, &query).await?))
}
