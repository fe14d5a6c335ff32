//! The API's one error shape: `{"error": {"code": …, "message": …}}` with a status.
//! Store failures are logged and answered 500 without their details: no SQL, paths
//! or backtraces reach a client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde::Serialize;
use store::events::QueryError;
use store::ingest::IngestError;
use store::StoreError;
use utoipa::ToSchema;

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"error": {"code": "not_found", "message": "no such bundle"}}))]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong, for programs and for people.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `not_found`, `bad_request`, `internal`, or a reason code such as
    /// `bundle.malformed` or `bundle.too_large`.
    pub code: String,
    /// A sentence naming the parameter or limit at fault.
    pub message: String,
}

/// An error answer.
#[derive(Debug)]
pub struct HttpError {
    status: StatusCode,
    detail: ErrorDetail,
    retry_after: Option<u64>,
}

impl HttpError {
    /// An answer with `status`, a stable `code` and a sentence.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        HttpError {
            status,
            detail: ErrorDetail {
                code: code.to_owned(),
                message: message.into(),
            },
            retry_after: None,
        }
    }

    /// 503 `busy` with `message`, telling the client to try again in `seconds`.
    pub fn busy(seconds: u64, message: impl Into<String>) -> Self {
        HttpError {
            retry_after: Some(seconds),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message)
        }
    }

    /// 404 for `what`.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}"),
        )
    }

    /// `value`, or 404 for `what` when there is none.
    pub fn found<T>(value: Option<T>, what: &str) -> Result<T, Self> {
        value.ok_or_else(|| Self::not_found(what))
    }

    /// 400 with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(ErrorBody { error: self.detail })).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        // Refused before its body was read (too large, or no memory for it): the
        // rest of the body is never read, so the connection cannot carry another
        // request, and the client is told not to reuse it.
        if matches!(
            self.status,
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::SERVICE_UNAVAILABLE
        ) {
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    }
}

impl From<StoreError> for HttpError {
    fn from(err: StoreError) -> Self {
        if let StoreError::Busy = err {
            return HttpError::busy(store::HEAVY_WAIT.as_secs(), err.to_string());
        }
        tracing::error!(error = %err, "store error");
        HttpError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server could not complete the request; the details are in its log",
        )
    }
}

impl From<IngestError> for HttpError {
    fn from(err: IngestError) -> Self {
        match err {
            IngestError::TooLarge { code, message } => {
                HttpError::new(StatusCode::PAYLOAD_TOO_LARGE, code, message)
            }
            IngestError::Malformed { code, message } => {
                HttpError::new(StatusCode::BAD_REQUEST, &code, message)
            }
            IngestError::NoSuchIncident(id) => HttpError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("incident {id} does not exist"),
            ),
            IngestError::BadTarget(message) => HttpError::bad_request(message),
            IngestError::Store(err) => err.into(),
        }
    }
}

impl From<QueryError> for HttpError {
    fn from(err: QueryError) -> Self {
        match err {
            QueryError::Invalid(message) => HttpError::bad_request(message),
            QueryError::Store(err) => err.into(),
        }
    }
}

/// The header leptos sets on a server function's error answer.
const SERVER_FN_ERROR: &str = "serverfnerror";

/// A server function's error answer, which leptos always sends as 500, gets the
/// status its [`app::error::ApiError`] means: 400 for an argument that cannot be
/// used, 401, 403, 404; 500 only for the server's own failures.
pub async fn server_fn_status(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // An error answer is one small JSON value.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<app::error::ApiError>(&bytes) {
        parts.status = status_of(&error);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The HTTP status a server function's error means.
fn status_of(error: &app::error::ApiError) -> StatusCode {
    use app::error::ApiError;
    match error {
        ApiError::NotFound => StatusCode::NOT_FOUND,
        ApiError::Invalid(_) | ApiError::Transport(_) => StatusCode::BAD_REQUEST,
        ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
        ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
    }
}
