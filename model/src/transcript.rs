//! The verification transcript, format `custody.verification.v1`: what `custody
//! verify --json` prints, what the server stores with each bundle and what the
//! browser's verifier answers, read back as typed values. `evidence` writes it
//! (`Report`'s `Serialize`); this is its one reading.

use evidence::bundle::Status;
use serde::{Deserialize, Serialize};

/// The bundle-level part of a transcript: all of it but the events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptHead {
    /// The bundle's status.
    pub status: Status,
    /// The bundle ID its manifest names.
    pub bundle_id: Option<String>,
    /// Every reason code found.
    pub reasons: Vec<String>,
    /// How many events.
    pub event_count: usize,
}

/// Whether a check held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// Checked and held.
    Pass,
    /// Checked and failed.
    Fail,
    /// Could not be checked.
    Unknown,
}

impl CheckOutcome {
    /// The outcome as the transcript writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Pass => "pass",
            CheckOutcome::Fail => "fail",
            CheckOutcome::Unknown => "unknown",
        }
    }
}

/// The result of one check on one event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct CheckResult {
    /// Whether the check held.
    pub result: CheckOutcome,
    /// The stable reason code, present unless the check passed.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schema(value_type = String, required = false))]
    pub code: Option<String>,
}

/// The verdict on one event of a bundle, as the transcript writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventResult {
    /// Its position in the bundle, from 0.
    pub index: usize,
    /// SHA-256 of its signed bytes, hex.
    pub digest: String,
    /// The emitter its payload names, once the signature held and the payload parsed.
    pub emitter: Option<String>,
    /// The signature over the bytes as received.
    pub integrity: CheckResult,
    /// Whether the signing key is certified for the emitter at the event's time.
    pub trust: CheckResult,
    /// The event's place in its emitter's hash chain.
    pub chain: CheckResult,
    /// Whether the manifest's Merkle root covers it.
    pub inclusion: CheckResult,
    /// Warnings that do not fail a check (stable codes).
    pub warnings: Vec<String>,
    /// Why the payload could not be read, naming the field, when it could not.
    pub detail: Option<String>,
}

impl EventResult {
    /// The four checks, named.
    pub fn checks(&self) -> [(&'static str, &CheckResult); 4] {
        [
            ("signature", &self.integrity),
            ("trust", &self.trust),
            ("chain", &self.chain),
            ("inclusion", &self.inclusion),
        ]
    }
}
