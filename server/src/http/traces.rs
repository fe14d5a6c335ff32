//! OpenTelemetry traces in: `POST /v1/traces` (OTLP/HTTP, as an exporter sends them)
//! and `POST /api/traces/import` (a collector's file). What arrives is mapped to
//! events, sealed by the collector's key into a bundle, and stored like an upload;
//! what cannot be read, or is over a limit, is refused whole and stores nothing.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;
use axum::Router;
use evidence::event::Via;
use model::BundleSummary;
use serde::Deserialize;
use store::ingest::Target;
use utoipa::IntoParams;

use super::auth::Sender;
use super::bundles::read_body;
use super::error::{ErrorBody, HttpError};
use super::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/traces", post(receive))
        .route("/api/traces/import", post(import))
}

/// A refusal as the API says it.
fn refused(e: otel::Refused) -> HttpError {
    use otel::Refused::*;
    let status = match &e {
        ContentType(_) | Encoding(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Malformed(_) => StatusCode::BAD_REQUEST,
        TooLarge { .. } | TooManySpans { .. } | AttributeTooLarge { .. } => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
    };
    HttpError::new(status, e.code(), e.to_string())
}

/// Where traces go: `incident=ID`, else a token's own incident (or the one opened at
/// its first use), else a new incident.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct TraceParams {
    /// Add the traces to this incident (404 when there is none).
    incident: Option<i64>,
    /// The file's name (`/api/traces/import`).
    name: Option<String>,
}

/// Where `sender`'s traces go, and whether it is the token's first incident.
async fn target(
    state: &AppState,
    sender: &Sender,
    incident: Option<i64>,
    title: String,
) -> Result<(Target, bool), HttpError> {
    if let Some(id) = sender.target(incident)? {
        return Ok((Target::Incident(id), false));
    }
    let remembered = match sender {
        Sender::Token(token) => store::tokens::traces_incident(&state.db, token).await?,
        Sender::Reviewer(_) => None,
    };
    Ok(match remembered {
        Some(id) => (Target::Incident(id), false),
        None => (
            Target::New {
                title,
                description: String::new(),
                severity: model::Severity::Medium,
            },
            matches!(sender, Sender::Token(_)),
        ),
    })
}

/// Seals and stores `requests`; remembers a token's first incident.
async fn store_traces(
    state: &AppState,
    sender: &Sender,
    requests: Vec<otel::Request>,
    via: Via,
    file: Option<&str>,
    (target, first): (Target, bool),
) -> Result<Option<BundleSummary>, HttpError> {
    let stored = state
        .collector
        .receive(
            &state.db,
            &state.key,
            sender.log_actor(),
            store::collector::Batch {
                requests,
                via,
                file,
            },
            target,
            state.ingest,
        )
        .await?;
    if let (Some(summary), true, Sender::Token(token)) = (&stored, first, sender) {
        store::tokens::set_traces_incident(&state.db, token, summary.incident_id).await?;
    }
    Ok(stored)
}

/// Receive OpenTelemetry traces (OTLP/HTTP).
///
/// The body is an `ExportTraceServiceRequest` in protobuf (`application/x-protobuf`)
/// or OTLP/JSON (`application/json`), gzip-compressed or not (`Content-Encoding`).
/// Its spans are mapped to events (docs/otel-import.md), signed by the server's
/// collector key into one bundle and stored: each event's provenance is *attested
/// by the collector on receipt*. Sent with a machine token (`Authorization: Bearer`)
/// or by a reviewer who may upload. The answer is an `ExportTraceServiceResponse` in
/// the request's encoding, with `X-Custody-Bundle` and `X-Custody-Incident` naming
/// where the traces were stored.
#[utoipa::path(
    post,
    path = "/v1/traces",
    operation_id = "receive_traces",
    tag = "traces",
    params(TraceParams),
    request_body(
        description = "An OTLP ExportTraceServiceRequest.",
        content(
            (Vec<u8> = "application/x-protobuf"),
            (Object = "application/json"),
        ),
    ),
    responses(
        (status = 200, description = "Stored (or nothing to store): an empty ExportTraceServiceResponse."),
        (status = 400, description = "`otlp.malformed`: not OTLP in the format the content type names (a truncated protobuf, say); nothing stored.", body = ErrorBody),
        (status = 401, description = "No session and no machine token, or a token that is unknown, expired (`token_expired`) or revoked (`token_revoked`).", body = ErrorBody),
        (status = 403, description = "A token scoped to another incident, or a role that may not upload.", body = ErrorBody),
        (status = 404, description = "`incident` names no incident.", body = ErrorBody),
        (status = 413, description = "Over a limit: more spans than `--max-otlp-spans` (`otlp.too_many_spans`), an attribute larger than `--max-otlp-attribute-bytes` (`otlp.attribute_too_large`), or more bytes than `--max-bundle-bytes` (`otlp.too_large`, `traces.too_large`); nothing stored.", body = ErrorBody),
        (status = 415, description = "Neither protobuf nor JSON (`otlp.content_type`), or an encoding other than gzip (`otlp.content_encoding`).", body = ErrorBody),
        (status = 503, description = "`busy`: as for bundle uploads.", body = ErrorBody),
    )
)]
async fn receive(
    sender: Sender,
    State(state): State<AppState>,
    Query(params): Query<TraceParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, HttpError> {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    // The content type is checked before the body is read.
    let format =
        otel::Format::of(text(header::CONTENT_TYPE).unwrap_or_default()).map_err(refused)?;
    let (bytes, _memory) = read_body(&state, &headers, body, "traces").await?;
    let limits = state.collector.limits;
    let content_type = text(header::CONTENT_TYPE).map(str::to_owned);
    let encoding = text(header::CONTENT_ENCODING).map(str::to_owned);
    let (_, request) = tokio::task::spawn_blocking(move || {
        otel::decode::body(
            &bytes,
            content_type.as_deref(),
            encoding.as_deref(),
            &limits,
        )
    })
    .await
    .map_err(|e| HttpError::from(store::StoreError::Task(e.to_string())))?
    .map_err(refused)?;
    let title = match &sender {
        Sender::Token(t) => format!("Traces sent with token {}", t.name),
        Sender::Reviewer(_) => format!(
            "OTLP traces received {}",
            chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
        ),
    };
    let place = target(&state, &sender, params.incident, title).await?;
    let stored = store_traces(&state, &sender, vec![request], Via::Received, None, place).await?;
    // An empty ExportTraceServiceResponse: no partial success to report.
    let mut response = match format {
        otel::Format::Protobuf => (
            [(header::CONTENT_TYPE, format.content_type())],
            Vec::<u8>::new(),
        )
            .into_response(),
        otel::Format::Json => Json(serde_json::json!({})).into_response(),
    };
    if let Some(summary) = stored {
        let h = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&summary.sha256) {
            h.insert("x-custody-bundle", v);
        }
        h.insert("x-custody-incident", HeaderValue::from(summary.incident_id));
    }
    Ok(response)
}

/// Import a file of OpenTelemetry traces.
///
/// The body is what a collector's file exporter wrote: OTLP/JSON, one request a
/// line, or protobuf messages each after a 4-byte big-endian length; gzip or not.
/// Its spans are sealed by the collector as for `/v1/traces`, each event's
/// provenance *imported from a file*. Without `incident`, a new incident titled
/// after the file is opened (a token scoped to one incident imports into it).
#[utoipa::path(
    post,
    path = "/api/traces/import",
    operation_id = "import_traces",
    tag = "traces",
    params(TraceParams),
    request_body(description = "The file's bytes.", content((Vec<u8> = "application/octet-stream"))),
    responses(
        (status = 200, description = "Stored: the bundle summary.", body = BundleSummary),
        (status = 400, description = "`otlp.malformed`, naming the line or message; or a file with no span. Nothing stored.", body = ErrorBody),
        (status = 401, description = "As for `/v1/traces`.", body = ErrorBody),
        (status = 403, description = "As for `/v1/traces`.", body = ErrorBody),
        (status = 404, description = "`incident` names no incident.", body = ErrorBody),
        (status = 413, description = "Over a limit, as for `/v1/traces`; nothing stored.", body = ErrorBody),
        (status = 503, description = "`busy`: as for bundle uploads.", body = ErrorBody),
    )
)]
async fn import(
    sender: Sender,
    State(state): State<AppState>,
    Query(params): Query<TraceParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BundleSummary>, HttpError> {
    let (bytes, _memory) = read_body(&state, &headers, body, "traces").await?;
    let limits = state.collector.limits;
    let requests = tokio::task::spawn_blocking(move || otel::decode::file(&bytes, &limits))
        .await
        .map_err(|e| HttpError::from(store::StoreError::Task(e.to_string())))?
        .map_err(refused)?;
    let name = params
        .name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "traces file".to_owned());
    let place = match sender.target(params.incident)? {
        Some(id) => (Target::Incident(id), false),
        None => (
            Target::New {
                title: name.clone(),
                description: String::new(),
                severity: model::Severity::Medium,
            },
            false,
        ),
    };
    store_traces(&state, &sender, requests, Via::Imported, Some(&name), place)
        .await?
        .map(Json)
        .ok_or_else(|| {
            HttpError::new(
                StatusCode::BAD_REQUEST,
                "otlp.malformed",
                "the file holds no span: nothing to store",
            )
        })
}
