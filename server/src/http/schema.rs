//! Types that exist only for the OpenAPI document (`openapi.rs`): they describe
//! bodies the server does not build as Rust values of its own (the bundle file, the
//! stored verification transcript), so that the handlers' annotations can name them.
//! Nothing here imports a handler module, so every handler module can use them.

use utoipa::ToSchema;

/// A bundle file's bytes, exactly as on disk (a Custody bundle is a JSON document).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct BundleFile(pub Vec<u8>);

/// A bundle's verification transcript, format `custody.verification.v1`: what
/// `custody verify --json` prints, stored with the bundle when it was verified.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct VerificationReport {
    /// The transcript's format: `custody.verification.v1`.
    #[schema(example = "custody.verification.v1")]
    pub format: String,
    /// The bundle's status (the stored verdict).
    pub status: model::BundleStatus,
    /// The bundle ID its signed manifest names, when the manifest was readable.
    pub bundle_id: Option<String>,
    /// The reason codes behind the status.
    pub reasons: Vec<String>,
    /// How many events the bundle carries.
    pub event_count: u64,
    /// One verdict per event, in bundle order.
    pub events: Vec<model::EventResult>,
}
