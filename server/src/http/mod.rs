//! The HTTP surface: one module per resource, each with its own `router()`, merged
//! here with the UI's routes and the layers every response goes through.

pub mod auth;
pub mod budget;
mod bundles;
mod checkpoint;
mod download;
pub mod error;
pub mod exports;
mod health;
mod incidents;
pub mod openapi;
mod review_log;
pub mod schema;
mod state;
mod traces;
mod trust_roots;

pub use state::AppState;

use std::sync::OnceLock;
use std::time::Duration;

use axum::http::StatusCode;
use axum::Router;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes as _};
use tower_http::compression::predicate::{DefaultPredicate, Predicate as _};
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The whole application as one router, without a socket (tests can `oneshot` it).
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let db = state.db.clone();
    let key = state.key.clone();
    let ingest = state.ingest;
    let collector = state.collector.clone();
    let log = state.log.clone();
    let context = move || {
        provide_context(db.clone());
        provide_context(key.clone());
        provide_context(ingest);
        provide_context(collector.clone());
        provide_context(log.clone());
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
        .merge(checkpoint::router())
        .merge(incidents::router())
        .merge(review_log::router())
        .merge(exports::router())
        .merge(trust_roots::router())
        .merge(traces::router())
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
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}
