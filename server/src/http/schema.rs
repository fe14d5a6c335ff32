//! Types that exist only for the OpenAPI document (`openapi.rs`): they describe
//! bodies the server does not build as Rust values of its own (the bundle file), so
//! that the handlers' annotations can name them. Nothing here imports a handler
//! module, so every handler module can use them.

use utoipa::ToSchema;

/// A bundle file's bytes, exactly as on disk (a Custody bundle is a JSON document).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct BundleFile(pub Vec<u8>);
