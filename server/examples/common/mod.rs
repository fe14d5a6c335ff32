//! What the benchmarks share.

use model::BundleSummary;
use store::ingest::{ingest, Target, Upload};
use store::Db;
use store::IngestOptions;

/// Stores `bytes` as a bundle in a new incident titled "bench", verified on every core.
pub async fn store_in_new_incident(db: &Db, bytes: Vec<u8>) -> BundleSummary {
    ingest(
        db,
        &store::review_log::ServerKey::from_seed([3; 32]),
        store::review_log::Actor::Cli,
        Upload {
            bytes,
            name: "bench".into(),
            target: Target::New {
                title: "bench".into(),
                description: String::new(),
                severity: model::Severity::Low,
            },
        },
        IngestOptions::default(),
    )
    .await
    .expect("stored")
}
