//! The verification transcript, format `custody.verification.v1`: what `custody
//! verify --json` prints, what the server stores with each bundle and what the
//! browser's verifier answers, read back as typed values. `evidence` writes it
//! (`Report`'s `Serialize`); this is its one reading.

use evidence::bundle::Status;
use serde::{Deserialize, Serialize};

/// A transcript: its format, its bundle-level part and one result per event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Transcript {
    /// The transcript's format: `custody.verification.v1`.
    #[cfg_attr(feature = "schema", schema(example = "custody.verification.v1"))]
    pub format: String,
    /// The bundle-level part.
    #[serde(flatten)]
    pub head: TranscriptHead,
    /// One verdict per event, in bundle order.
    pub events: Vec<EventResult>,
}

/// The bundle-level part of a transcript: all of it but the events (what the
/// browser's verifier sends the page first; the events follow a page at a time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TranscriptHead {
    /// The bundle's status (a stored bundle's is its verdict: never malformed).
    #[cfg_attr(feature = "schema", schema(value_type = crate::BundleStatus))]
    pub status: Status,
    /// The bundle ID its signed manifest names, when the manifest was readable.
    pub bundle_id: Option<String>,
    /// The reason codes behind the status.
    pub reasons: Vec<String>,
    /// How many events the bundle carries.
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The transcript `evidence` writes reads back into [`Transcript`] and writes
    /// again the same, field for field: the two stay one shape.
    #[test]
    fn evidence_writes_what_the_transcript_reads() {
        let (bundle, root) = evidence::producer::synthetic(6, "t");
        let mut tampered = bundle.clone().into_bytes();
        // Flip one byte inside the last event's signature: one check fails.
        let at = bundle.rfind("\"sig\":\"").map_or(0, |i| i + 8);
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        for (bytes, roots) in [
            (bundle.as_bytes().to_vec(), vec![root]),
            (bundle.as_bytes().to_vec(), vec![]),
            (tampered, vec![root]),
        ] {
            let report =
                evidence::bundle::verify(&bytes, &roots, &evidence::bundle::Limits::default())
                    .expect("a report");
            let written = serde_json::to_value(&report).expect("json");
            let read: Transcript = serde_json::from_value(written.clone()).expect("reads");
            assert_eq!(read.head.status, report.status());
            assert_eq!(read.events.len(), report.events().len());
            assert_eq!(serde_json::to_value(&read).expect("json"), written);
        }
    }
}
