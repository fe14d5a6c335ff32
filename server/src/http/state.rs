//! What every handler can reach: the [`AppState`] the router carries, and the
//! session settings in it ([`AuthConfig`], which `auth.rs` uses). It imports no
//! handler module, so every handler module can import it.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use store::sessions::Timeouts;
use store::Db;

use super::budget;

/// What every handler can reach.
#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    /// Where the UI's assets are and how they are named.
    pub leptos_options: LeptosOptions,
    /// The database.
    pub db: Db,
    /// How uploads are verified: limits and threads.
    pub ingest: store::IngestOptions,
    /// The server's signing key (the review log, exports).
    pub key: store::review_log::ServerKey,
    /// Sessions and cookies.
    pub auth: AuthConfig,
    /// The memory uploads may take.
    pub uploads: budget::UploadBudget,
    /// The collector that signs the traces received.
    pub collector: store::collector::Collector,
    /// The transparency log's origin, signing key and witness policy.
    pub log: store::tlog::LogKey,
}

/// How sessions and cookies are set up.
#[derive(Clone, Copy, Debug)]
pub struct AuthConfig {
    /// Idle and absolute timeouts.
    pub timeouts: Timeouts,
    /// Whether cookies carry `Secure` (sent over HTTPS only, and to localhost).
    pub secure_cookies: bool,
}
