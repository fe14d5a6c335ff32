//! The one error type of server functions. Internal details never reach the
//! browser: the server logs them and the browser gets a variant it can match on.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What a server function can answer instead of its result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ApiError {
    /// The thing asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A parameter cannot be used; the text names it and says what it may be.
    #[error("{0}")]
    Invalid(String),
    /// Not signed in, or the session ended.
    #[error("sign in first (your session may have ended)")]
    Unauthorized,
    /// The reviewer's role or a rule (separation of duties, say) forbids it; the
    /// text says which.
    #[error("{0}")]
    Forbidden(String),
    /// The server runs as many searches, exports and log checks as it takes at once;
    /// this one may be tried again in a moment.
    #[error(
        "the server is busy with other searches, exports or log checks; try again in a moment"
    )]
    Busy,
    /// The server could not do it; the details are in the server's log.
    #[error("the server could not complete the request; the details are in its log")]
    Internal,
    /// The request did not reach the server, or its answer could not be read.
    #[error("the request failed: {0}")]
    Transport(String),
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // These come from the server's own machinery: their text may hold internals.
            ServerFnErrorErr::ServerError(_)
            | ServerFnErrorErr::MiddlewareError(_)
            | ServerFnErrorErr::Registration(_)
            | ServerFnErrorErr::Response(_) => ApiError::Internal,
            // The request's arguments could not be read (a missing or mistyped field).
            ServerFnErrorErr::Args(why) => {
                ApiError::Invalid(format!("the request's arguments cannot be read: {why}"))
            }
            other => ApiError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<store::StoreError> for ApiError {
    fn from(err: store::StoreError) -> Self {
        if let store::StoreError::Busy = err {
            return ApiError::Busy;
        }
        tracing::error!(error = %err, "store error in a server function");
        ApiError::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<store::events::QueryError> for ApiError {
    fn from(err: store::events::QueryError) -> Self {
        match err {
            store::events::QueryError::Invalid(message) => ApiError::Invalid(message),
            store::events::QueryError::Store(err) => err.into(),
        }
    }
}
