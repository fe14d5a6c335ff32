//! `/api/incidents`: list (filtered and sorted), open, read one.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use axum::routing::get;
use axum::Router;
use model::{IncidentDetail, IncidentQuery, IncidentSummary, Severity};
use serde::Deserialize;
use store::incidents::{self, NewIncident};
use utoipa::ToSchema;

use super::auth::{perm, Can};
use super::error::{ErrorBody, HttpError};
use super::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/incidents", get(list).post(create))
        .route("/api/incidents/{id}", get(one))
}

/// The incidents a query selects, most recently updated first unless it asks otherwise.
///
/// Each with its bundle and event counts and its verdict: the worst among its
/// bundles, null without bundles. The parameters are the incident list's (the web
/// UI's `/` takes the same); all are optional and combined with AND.
#[utoipa::path(
    get,
    path = "/api/incidents",
    operation_id = "list_incidents",
    tag = "incidents",
    params(IncidentQuery),
    responses(
        (status = 200, description = "The matching incidents of the page asked for (50 a page, \
            `page` from 1).", body = Vec<IncidentSummary>,
            headers(
                ("X-Total-Count" = i64, description = "How many incidents match, on every page."),
                ("Link" = String, description = "The next and previous pages' addresses \
                    (RFC 8288, `rel=\"next\"`, `rel=\"prev\"`), when there are such pages."),
            )),
        (status = 400, description = "A parameter cannot be used (an unknown status, a date \
            that is not YYYY-MM-DD, …); the message names it.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn list(
    _: Can<perm::Read>,
    State(state): State<AppState>,
    Query(query): Query<IncidentQuery>,
) -> Result<impl IntoResponse, HttpError> {
    let list = incidents::list(&state.db, &query).await?;
    let link = |page: u32, rel: &str| {
        let query = query.on_page(page).to_query_string();
        format!("</api/incidents?{query}>; rel=\"{rel}\"")
    };
    let mut links = Vec::new();
    if list.page < list.pages() {
        links.push(link(list.page + 1, "next"));
    }
    if list.page > 1 {
        links.push(link(list.page - 1, "prev"));
    }
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("x-total-count", list.total.into());
    if let Ok(value) = links.join(", ").parse() {
        if !links.is_empty() {
            headers.insert(axum::http::header::LINK, value);
        }
    }
    Ok((headers, Json(list.items)))
}

/// A new incident.
#[derive(Debug, Deserialize, ToSchema)]
struct NewIncidentBody {
    /// Its title: 1 to 200 characters, leading and trailing spaces removed.
    title: String,
    /// Its description (default empty).
    #[serde(default)]
    description: String,
    /// How bad it is (default `medium`).
    #[serde(default = "medium")]
    severity: Severity,
}

fn medium() -> Severity {
    Severity::Medium
}

/// Open an incident.
#[utoipa::path(
    post,
    path = "/api/incidents",
    operation_id = "create_incident",
    tag = "incidents",
    request_body = NewIncidentBody,
    responses(
        (status = 201, description = "Opened: the new incident.", body = IncidentDetail),
        (status = 400, description = "The title is empty or longer than 200 characters \
            (`bad_request`), or the body is not JSON (plain text).",
            content(
                (ErrorBody = "application/json"),
                (String = "text/plain"),
            )),
        (status = 415, description = "The body is not declared as `application/json` (plain text).",
            body = String, content_type = "text/plain"),
        (status = 422, description = "The body is JSON but not a new incident, e.g. without `title` \
            or with an unknown severity (plain text).",
            body = String, content_type = "text/plain"),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn create(
    Can(reviewer, _): Can<perm::Workflow>,
    State(state): State<AppState>,
    Json(new): Json<NewIncidentBody>,
) -> Result<(StatusCode, Json<IncidentDetail>), HttpError> {
    let title = new.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(HttpError::bad_request("`title` is 1 to 200 characters"));
    }
    if new.description.chars().count() > incidents::MAX_DESCRIPTION_CHARS {
        return Err(HttpError::bad_request(format!(
            "`description` has at most {} characters",
            incidents::MAX_DESCRIPTION_CHARS
        )));
    }
    let id = incidents::create(
        &state.db,
        &state.key,
        store::review_log::Actor::Reviewer(&reviewer),
        &NewIncident {
            title,
            description: new.description,
            severity: new.severity,
        },
    )
    .await?;
    let detail = HttpError::found(incidents::get(&state.db, id).await?, "incident")?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// One incident with its description and its bundles, oldest first.
#[utoipa::path(
    get,
    path = "/api/incidents/{id}",
    operation_id = "get_incident",
    tag = "incidents",
    params(("id" = i64, Path, description = "The incident's number.")),
    responses(
        (status = 200, description = "The incident.", body = IncidentDetail),
        (status = 400, description = "`id` is not an integer (plain text).", body = String,
            content_type = "text/plain"),
        (status = 404, description = "No incident has this number.", body = ErrorBody),
        (status = 500, description = "The store failed; the details are in the server's log.", body = ErrorBody),
    )
)]
async fn one(
    _: Can<perm::Read>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<IncidentDetail>, HttpError> {
    HttpError::found(incidents::get(&state.db, id).await?, "incident").map(Json)
}
