//! Custody's data-access layer, server-side only: one [`Db`] over SQLite or Postgres,
//! and a module per domain noun holding that noun's SQL.
//!
//! Queries are plain SQL strings in the dialect both databases accept (`$1`
//! placeholders, `RETURNING`, text timestamps in RFC 3339 UTC), run through sqlx's
//! `Any` driver and tested against both. Only the schema (`migrations/sqlite`,
//! `migrations/postgres`) is written per database.

pub mod annotations;
mod bundle_bytes;
pub mod bundles;
pub mod collector;
mod db;
pub mod events;
pub mod exports;
pub mod findings;
pub mod incidents;
pub mod ingest;
mod ingest_rows;
pub mod log_check;
mod replay;
pub mod reverify;
pub mod review_log;
mod search;
pub mod sessions;
pub mod signoffs;
mod sql;
pub mod tlog;
pub mod tokens;
pub mod trust_roots;
pub mod users;
pub mod views;
pub mod work;

pub use db::{Db, StoreError, HEAVY_TIME_LIMIT, HEAVY_WAIT};

/// For an error enum with a `Store(StoreError)` variant: a database error converts
/// into it, so `?` works on sqlx calls.
macro_rules! store_error {
    ($error:ident) => {
        impl From<sqlx::Error> for $error {
            fn from(e: sqlx::Error) -> Self {
                $error::Store(e.into())
            }
        }
    };
}
pub(crate) use store_error;

use model::ServerInfo;

/// How the store verifies a bundle: on ingest, and when it reads one again from
/// its bytes.
#[derive(Clone, Copy, Debug)]
pub struct IngestOptions {
    /// The format's limits (bundle size, events, payload size, depth).
    pub limits: evidence::bundle::Limits,
    /// Threads for verification.
    pub threads: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            limits: evidence::bundle::Limits::default(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// What the Settings page shows about this server's storage.
pub async fn server_info(db: &Db) -> Result<ServerInfo, StoreError> {
    Ok(ServerInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database: db.kind(),
        migrations_applied: db.migrations_applied().await?,
        sqlite: db.sqlite_settings().await?,
    })
}

/// Sets setting `name` to `value` on `conn` (inside an action's transaction, which
/// records the change in the review log).
pub(crate) async fn put_setting(
    conn: &mut sqlx::AnyConnection,
    name: &str,
    value: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(name)
    .bind(value)
    .execute(conn)
    .await?;
    Ok(())
}

/// Now, as stored: RFC 3339 in UTC with whole seconds, so that text order is time order.
pub(crate) fn now() -> String {
    stamp(chrono::Utc::now())
}

/// `t` as stored (see [`now`]).
pub(crate) fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Times as stored: fixed-width RFC 3339 UTC with nanoseconds, so text order is
/// time order whatever fraction the payload wrote.
pub fn stored_time(text: &str) -> Option<String> {
    evidence::time::parse(text).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
}
