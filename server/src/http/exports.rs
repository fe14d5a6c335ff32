//! `/api/incidents/{id}/export/{file}`: an incident's review as CSV, JSON, a printable
//! report, or all of them with their signed manifest in one tar file.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use evidence::report::KEY_FILE;
use model::EventQuery;
use store::exports::{self, Export, Scope};
use store::review_log::Actor;

use super::auth::{perm, Can};
use super::download::download;
use super::error::{ErrorBody, HttpError};
use super::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/incidents/{id}/export/{file}", get(export))
        .route("/api/bundles/{sha256}/export/{file}", get(export_bundle))
        .route("/api/events/export/{file}", get(export_events))
        .route("/api/bundles/{sha256}/excerpt", get(excerpt))
}

/// The files of `export` as one uncompressed tar archive, each dated when the export
/// was made, and beside them `server.pub` ([`KEY_FILE`]): the server's public key, in
/// the text `custody verify-report --trust` reads. The key is a convenience, not part
/// of the export (the manifest does not list it and verification passes over it): an
/// auditor compares it with the key they hold before trusting it.
pub fn tar_of(export: &Export) -> std::io::Result<Vec<u8>> {
    let mut archive = tar::Builder::new(Vec::new());
    let mtime = u64::try_from(export.created_at.timestamp()).unwrap_or(0);
    let key = format!("{}\n", export.signed_by.to_hex());
    let members = export
        .files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .chain([(KEY_FILE, key.as_bytes())]);
    for (name, bytes) in members {
        let mut head = tar::Header::new_gnu();
        head.set_size(bytes.len() as u64);
        head.set_mode(0o644);
        head.set_mtime(mtime);
        head.set_cksum();
        archive.append_data(&mut head, name, bytes)?;
    }
    archive.into_inner()
}

/// File `file` of `made`: one of its files, or all of them as `export.tar`.
fn file_of(made: &Export, file: &str) -> Result<Vec<u8>, HttpError> {
    if file != "export.tar" {
        return Ok(made.file(file).map(<[u8]>::to_vec).unwrap_or_default());
    }
    tar_of(made).map_err(|e| {
        tracing::error!(error = %e, "cannot build the export archive");
        HttpError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the export could not be built",
        )
    })
}

/// An incident's review, exported as CSV, JSON, a printable report, or all three signed.
///
/// `events.csv`, `review.json`, `report.html`, or `export.tar` with all three and
/// `manifest.dsse.json`: their SHA-256 and the source bundles', signed by this server,
/// and `server.pub`, this server's public key (also at `/api/review-log/key`). Each
/// call makes a new export, recorded in the review log. Verify a tar with
/// `custody verify-report export.tar --trust server.pub`.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}/export/{file}",
    operation_id = "export_incident",
    tag = "incidents",
    params(
        ("id" = i64, Path, description = "The incident's number."),
        ("file" = String, Path, description = "`events.csv`, `review.json`, `report.html` or `export.tar`."),
    ),
    responses(
        (status = 200, description = "The file, as an attachment.", body = String, content_type = "application/octet-stream"),
        (status = 400, description = "`id` is not an integer (plain text).", body = String, content_type = "text/plain"),
        (status = 403, description = "The reviewer's role cannot export.", body = ErrorBody),
        (status = 404, description = "No such incident, or no such file.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn export(
    Can(reviewer, _): Can<perm::Export>,
    State(state): State<AppState>,
    Path((id, file)): Path<(i64, String)>,
) -> Result<Response, HttpError> {
    answer(
        &state,
        &reviewer,
        Scope::Incident(id),
        &format!("incident-{id}"),
        &file,
    )
    .await
}

/// One bundle's review, exported as CSV, JSON, a printable report, or all three signed.
///
/// As the incident's export, holding only this bundle's events, approval chains,
/// annotations and review-log entries.
#[utoipa::path(
    get,
    path = "/api/bundles/{sha256}/export/{file}",
    operation_id = "export_bundle",
    tag = "bundles",
    params(
        ("sha256" = String, Path, description = "The bundle's address."),
        ("file" = String, Path, description = "`events.csv`, `review.json`, `report.html` or `export.tar`."),
    ),
    responses(
        (status = 200, description = "The file, as an attachment (the report inline).", body = String, content_type = "application/octet-stream"),
        (status = 403, description = "The reviewer's role cannot export.", body = ErrorBody),
        (status = 404, description = "No such bundle, or no such file.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn export_bundle(
    Can(reviewer, _): Can<perm::Export>,
    State(state): State<AppState>,
    Path((sha256, file)): Path<(String, String)>,
) -> Result<Response, HttpError> {
    let stem = format!("bundle-{}", sha256.get(..12).unwrap_or_default());
    answer(&state, &reviewer, Scope::Bundle(&sha256), &stem, &file).await
}

/// The events matching the filters (a filtered event list), exported as CSV.
///
/// The filters of `GET /api/events`, every page, in its order. `events.csv`, or
/// `export.tar` with it and `manifest.dsse.json` (its SHA-256 and the source bundles',
/// signed by this server). Each call is recorded in the review log.
#[utoipa::path(
    get,
    path = "/api/events/export/{file}",
    operation_id = "export_events",
    tag = "events",
    params(
        ("file" = String, Path, description = "`events.csv` or `export.tar`."),
        EventQuery,
    ),
    responses(
        (status = 200, description = "The file, as an attachment.", body = String, content_type = "application/octet-stream"),
        (status = 400, description = "A filter is malformed; the message names it.", body = ErrorBody),
        (status = 403, description = "The reviewer's role cannot export.", body = ErrorBody),
        (status = 404, description = "No such file.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn export_events(
    Can(reviewer, _): Can<perm::Export>,
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<EventQuery>,
) -> Result<Response, HttpError> {
    let content_type = match file.as_str() {
        "events.csv" => "text/csv; charset=utf-8",
        "export.tar" => "application/x-tar",
        _ => return Err(HttpError::not_found("export file (events.csv, export.tar)")),
    };
    let made = exports::selected(&state.db, &state.key, Actor::Reviewer(&reviewer), &query).await?;
    let bytes = file_of(&made, &file)?;
    Ok(download(
        content_type,
        &format!("events-{file}"),
        false,
        bytes,
    ))
}

/// Which events an excerpt holds.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct Chosen {
    /// Bundle positions (from 0), comma-separated: `3,7,9`.
    events: String,
}

/// An excerpt of a bundle: chosen events with RFC 6962 inclusion proofs.
///
/// The events at the positions given, each envelope exactly as received, with its
/// inclusion proof against the Merkle root of the bundle's signed manifest, and the
/// manifest, bindings and revocations: `custody verify-excerpt FILE --trust ROOTS`
/// checks the events are genuine without the rest of the bundle. Recorded in the
/// review log.
#[utoipa::path(
    get,
    path = "/api/bundles/{sha256}/excerpt",
    operation_id = "export_excerpt",
    tag = "bundles",
    params(
        ("sha256" = String, Path, description = "The bundle's address."),
        Chosen,
    ),
    responses(
        (status = 200, description = "The excerpt (JSON), as an attachment.", body = String, content_type = "application/json"),
        (status = 400, description = "The positions cannot be used; the message says why.", body = ErrorBody),
        (status = 403, description = "The reviewer's role cannot export.", body = ErrorBody),
        (status = 404, description = "No such bundle.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn excerpt(
    Can(reviewer, _): Can<perm::Export>,
    State(state): State<AppState>,
    Path(sha256): Path<String>,
    Query(chosen): Query<Chosen>,
) -> Result<Response, HttpError> {
    let positions = chosen
        .events
        .split(',')
        .map(|p| p.trim().parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| {
            HttpError::bad_request("`events` is a comma-separated list of positions, e.g. 3,7,9")
        })?;
    let made = exports::excerpt(
        &state.db,
        &state.key,
        Actor::Reviewer(&reviewer),
        &sha256,
        &positions,
    )
    .await
    .map_err(|e| match e {
        exports::ExcerptFailure::Invalid(why) => HttpError::bad_request(why),
        exports::ExcerptFailure::Store(e) => e.into(),
    })?;
    let made = HttpError::found(made, "bundle")?;
    let stem = sha256.get(..12).unwrap_or_default();
    Ok(download(
        "application/json",
        &format!("excerpt-{stem}.json"),
        false,
        made,
    ))
}

async fn answer(
    state: &AppState,
    reviewer: &model::Reviewer,
    scope: Scope<'_>,
    stem: &str,
    file: &str,
) -> Result<Response, HttpError> {
    let content_type = match file {
        "events.csv" => "text/csv; charset=utf-8",
        "review.json" => "application/json",
        "report.html" => "text/html; charset=utf-8",
        "export.tar" => "application/x-tar",
        _ => {
            return Err(HttpError::not_found(
                "export file (events.csv, review.json, report.html, export.tar)",
            ))
        }
    };
    let made = exports::export(
        &state.db,
        &state.key,
        &state.log,
        Actor::Reviewer(reviewer),
        scope,
        &|_, _| {},
        None,
    )
    .await?;
    let made = HttpError::found(
        made,
        match scope {
            Scope::Incident(_) => "incident",
            Scope::Bundle(_) => "bundle",
        },
    )?;
    let bytes = file_of(&made, file)?;
    // The printable report opens in the browser, to be read and printed.
    Ok(download(
        content_type,
        &format!("{stem}-{file}"),
        file == "report.html",
        bytes,
    ))
}
