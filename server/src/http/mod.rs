//! The HTTP surface: one module per resource, each with its own `router()`, merged
//! here with the UI's routes and the layers every response goes through.

pub mod auth;
pub mod budget;
mod bundles;
pub mod error;
pub mod exports;
mod health;
mod incidents;
pub mod openapi;
mod review_log;
mod trust_roots;

use std::sync::OnceLock;
use std::time::Duration;

use app::store::Db;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes as _};
use tower_http::compression::predicate::{DefaultPredicate, Predicate as _};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// Where the UI's assets are and how they are named.
    pub leptos_options: LeptosOptions,
    /// The database.
    pub db: Db,
    /// How uploads are verified: limits and threads.
    pub ingest: app::store::IngestOptions,
    /// The server's signing key (the review log, exports).
    pub key: app::store::review_log::ServerKey,
    /// Sessions and cookies.
    pub auth: auth::AuthConfig,
    /// The memory uploads may take.
    pub uploads: budget::UploadBudget,
}

/// The whole application as one router, without a socket (tests can `oneshot` it).
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let db = state.db.clone();
    let key = state.key.clone();
    let ingest = state.ingest;
    let context = move || {
        provide_context(db.clone());
        provide_context(key.clone());
        provide_context(ingest);
        // The request's CSP nonce, for the page's inline scripts.
        if let Some(nonce) = use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<auth::CspNonce>().cloned())
        {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0));
        }
    };
    Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(bundles::router())
        .merge(incidents::router())
        .merge(review_log::router())
        .merge(exports::router())
        .merge(trust_roots::router())
        .merge(openapi::router())
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || app::shell(options.clone())
        })
        // The 404 page gets the same context as every page: its inline scripts carry
        // the request's CSP nonce.
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, app::shell))
        .layer(axum::middleware::from_fn(error::server_fn_status))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::guard,
        ))
        // A download goes out as made, with its length, so the browser can show how
        // much of it has arrived.
        .layer(
            CompressionLayer::new().compress_when(DefaultPredicate::new().and(
                |_: StatusCode,
                 _: axum::http::Version,
                 headers: &axum::http::HeaderMap,
                 _: &axum::http::Extensions| {
                    !headers.contains_key(axum::http::header::CONTENT_DISPOSITION)
                },
            )),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The UI's routes, generated once per process. Generating them renders the app with
/// resource loading suppressed process-wide (leptos-rs/leptos#4773): a request served
/// meanwhile by another server in the same process (as in the tests) would wait on
/// its resources forever. Once generated, no request can meet that window.
/// A file to download: `bytes` as `content_type`, saved as `name` (or, `inline`, shown
/// by the browser).
pub(crate) fn download(
    content_type: &str,
    name: &str,
    inline: bool,
    bytes: impl axum::response::IntoResponse,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse as _;
    let disposition = if inline { "inline" } else { "attachment" };
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("{disposition}; filename=\"{}\"", file_name(name)),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `name` as a download's file name: letters, digits, `.`, `-` and `_` kept, every
/// other character (a quote, a backslash, a control character, a path separator)
/// written as `_`, so the header says one plain name.
fn file_name(name: &str) -> String {
    let kept: String = name
        .chars()
        .take(200)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let kept = kept.trim_start_matches('.');
    if kept.is_empty() {
        "download".to_owned()
    } else {
        kept.to_owned()
    }
}

fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

#[cfg(test)]
mod download_tests {
    use super::file_name;

    #[test]
    fn a_download_is_named_plainly() {
        assert_eq!(file_name("events.csv"), "events.csv");
        assert_eq!(
            file_name("incident-3.report.html"),
            "incident-3.report.html"
        );
        assert_eq!(
            file_name("a\"; filename=evil.exe\r\nX: y"),
            "a___filename_evil.exe__X__y"
        );
        assert_eq!(file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(file_name(""), "download");
    }
}
