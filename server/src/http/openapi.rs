//! The API's OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! annotations and the model types, and served at `GET /api/openapi.json`.
//!
//! The types that exist only for the document are in `schema.rs`.

use std::sync::LazyLock;

use axum::response::Json;
use axum::routing::get;
use axum::Router;
use utoipa::openapi::OpenApi as Document;
use utoipa::OpenApi;

use super::auth::{self, Documented};
use super::state::AppState;
use super::{bundles, checkpoint, exports, health, incidents, review_log, traces, trust_roots};

/// The document's description of the API as a whole.
const DESCRIPTION: &str = "\
Custody stores signed evidence bundles, verifies them against its trust roots and \
serves what they record for review. JSON over HTTP.

Errors are `{\"error\": {\"code\": \"…\", \"message\": \"…\"}}` with the status given \
for each operation; a message names the parameter or limit at fault and never carries \
SQL, file paths or stack traces. A path or query parameter of the wrong type, or a \
request body that is not the JSON expected, is refused before the handler runs, in \
plain text.

Every operation but `/healthz`, `/api/openapi.json` and `/api/session/me` needs a \
signed-in reviewer: sign in with `POST /login` (a form with `username` and `password`; \
send `Accept: application/json` to get the session as JSON), then send the \
`__Host-custody_session` cookie it sets (`custody_session` with `--insecure-cookies`). State-changing requests from a browser must come from \
this site (`Origin`); other clients send the session's token in `X-CSRF-Token`. Without \
a session an operation answers 401; when the reviewer's role cannot do it, 403.

A pipeline sends evidence with a machine token an admin made instead: \
`Authorization: Bearer <secret>` on `POST /api/bundles`, `POST /v1/traces` and \
`POST /api/traces/import`, and on nothing else (403). An unknown, expired or revoked \
token answers 401 saying which. No `X-CSRF-Token` is needed with a token.

The operations tagged `ui` are the web UI's server functions: POST with their arguments \
as a form (an empty body when they take none), they answer JSON, and fail with a \
JSON-encoded `ApiError`.";

/// The OpenAPI document: every route the server answers under `/api`, and `/healthz`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Custody API",
        version = env!("CARGO_PKG_VERSION"),
        description = DESCRIPTION,
    ),
    paths(
        bundles::upload,
        bundles::summary,
        bundles::raw,
        bundles::anchored,
        bundles::report,
        bundles::graph,
        bundles::event,
        bundles::actor,
        bundles::credential,
        bundles::query,
        checkpoint::checkpoint,
        checkpoint::consistency,
        checkpoint::cosignature,
        traces::receive,
        traces::import,
        incidents::list,
        incidents::create,
        incidents::one,
        health::healthz,
        openapi_json,
        app::api::list_incidents,
        app::api::fetch_server_info,
        app::api::fetch_incident,
        app::api::fetch_bundle,
        app::api::fetch_trust_roots,
        app::api::current_reviewer,
        app::api::fetch_event_review,
        app::api::annotate_event,
        app::api::comment_event,
        app::api::incident_side_effects,
        app::api::fetch_bundle_chains,
        app::api::fetch_work,
        app::api::search_events,
        app::api::saved_views,
        app::api::save_view,
        app::api::delete_view,
        app::api::sign_off_chain,
        app::api::set_incident_status,
        app::api::assign_incident,
        app::api::reviewers,
        app::api::review_log,
        app::api::review_log_integrity,
        app::api::list_accounts,
        app::api::add_account,
        app::api::change_account,
        app::api::reset_password,
        app::api::list_tokens,
        app::api::create_token,
        app::api::revoke_token,
        app::api::fetch_collector,
        app::api::certify_collector,
        app::api::change_password,
        app::api::add_trust_root,
        app::api::remove_trust_root,
        app::api::fetch_review_settings,
        app::api::set_signoff_steps,
        app::api::reverify_bundles,
        app::api::fetch_bundle_findings,
        app::api::fetch_incident_findings,
        app::api::fetch_reconciliation,
        app::api::fetch_anchoring,
        app::api::dispose_finding,
        app::api::fetch_finding_policy,
        app::api::set_finding_policy,
        auth::session,
        review_log::export,
        exports::export,
        exports::export_bundle,
        exports::export_events,
        exports::excerpt,
        review_log::key,
        trust_roots::key,
    ),
    modifiers(&Documented),
    tags(
        (name = "anchoring", description = "The transparency log's checkpoints, consistency proofs and witness cosignatures."),
        (name = "bundles", description = "Upload bundles and read what they hold."),
        (name = "events", description = "Search the events of every stored bundle."),
        (name = "incidents", description = "The incidents bundles are filed under."),
        (name = "health", description = "Whether the server can serve."),
        (name = "keys", description = "Public keys to verify with, as files."),
        (name = "meta", description = "This document."),
        (name = "review", description = "The signed review log."),
        (name = "session", description = "Who is signed in."),
        (name = "traces", description = "OpenTelemetry traces in, sealed by the collector."),
        (name = "ui", description = "The web UI's server functions."),
    )
)]
pub struct ApiDoc;

/// The document, built once.
static DOCUMENT: LazyLock<Document> = LazyLock::new(ApiDoc::openapi);

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(openapi_json))
}

/// This document: the API in OpenAPI 3.1, generated from the server's code.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    operation_id = "openapi_document",
    tag = "meta",
    responses(
        (status = 200, description = "The OpenAPI document.", body = Object),
    )
)]
async fn openapi_json() -> Json<&'static Document> {
    Json(&DOCUMENT)
}
