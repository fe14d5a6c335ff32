//! What the page and the verification worker say to each other: typed messages,
//! posted as JSON text, so the page never reads a verdict out of a string.

use evidence::bundle::{Check, EventReport};
use evidence::findings::{Account, Finding};
use serde::{Deserialize, Serialize};

use model::timeline::Timeline;
use model::{EventResult, TranscriptHead};

/// Which events a results page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// Every event.
    All,
    /// Events with a failed check.
    Failed,
    /// Events with a check that could not be made.
    Unknown,
    /// Events with warnings.
    Warnings,
    /// Events that passed every check.
    Passed,
}

impl Filter {
    /// Every filter, with what a reviewer reads for it.
    pub const ALL: [(Filter, &'static str); 5] = [
        (Filter::All, "all events"),
        (Filter::Failed, "failed a check"),
        (Filter::Unknown, "could not be checked"),
        (Filter::Warnings, "with warnings"),
        (Filter::Passed, "passed every check"),
    ];

    /// The filter's name in messages and addresses.
    pub fn as_str(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Failed => "failed",
            Filter::Unknown => "unknown",
            Filter::Warnings => "warnings",
            Filter::Passed => "passed",
        }
    }

    /// The filter named `name`, if any.
    pub fn parse(name: &str) -> Option<Filter> {
        Filter::ALL
            .iter()
            .map(|(f, _)| *f)
            .find(|f| f.as_str() == name)
    }

    /// Whether `event` is shown.
    pub fn keeps(self, event: &EventReport) -> bool {
        let checks = [
            &event.integrity,
            &event.trust,
            &event.chain,
            &event.inclusion,
        ];
        match self {
            Filter::All => true,
            Filter::Failed => checks.iter().any(|c| matches!(c, Check::Fail(_))),
            Filter::Unknown => checks.iter().any(|c| matches!(c, Check::Unknown(_))),
            Filter::Warnings => !event.warnings.is_empty(),
            Filter::Passed => checks.iter().all(|c| matches!(c, Check::Pass)),
        }
    }
}

/// One page of per-event results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsPage {
    /// How many events the filter keeps.
    pub total: usize,
    /// The page, from 0.
    pub page: usize,
    /// The events on it, as in the transcript.
    pub items: Vec<EventResult>,
}

/// One event for the inspector: its result and its payload as signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetail {
    /// Its result, as in the transcript.
    pub result: Option<EventResult>,
    /// Its payload as signed, if its signature held.
    pub payload: Option<String>,
    /// The account of it, when it is a side effect whose signature held.
    #[serde(default)]
    pub account: Option<Account>,
}

/// Why a bundle could not be verified at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// A stable code (`bundle.malformed`, `roots.invalid`, …).
    pub code: String,
    /// What is wrong, for people.
    pub message: String,
}

/// What the page asks the verification worker (`public/verify-worker.js`), as JSON
/// text in the message's `json`; a `verify` carries the bundle beside it, as the
/// `file` the reviewer chose or the `url` to fetch it from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum WorkerRequest {
    /// Verify the bundle beside this message against `roots` (PEM or one key per line).
    Verify {
        /// The trust roots.
        roots: String,
        /// The anchor trust file (`evidence::anchor::AnchorTrust`): logs, witnesses,
        /// time-stamping authorities; empty trusts none.
        #[serde(default)]
        anchors: String,
    },
    /// A page of per-event results.
    #[serde(rename_all = "camelCase")]
    Results {
        /// Which events.
        filter: Filter,
        /// The page, from 0.
        page: usize,
        /// How many a page.
        per_page: usize,
    },
    /// One event, for the inspector.
    Event {
        /// Its position in the bundle.
        index: usize,
    },
    /// The whole transcript, to save.
    Transcript,
}

/// What the verification worker answers, as JSON text in the message's `json`: every
/// value typed, the bundle's status an [`evidence::bundle::Status`], so the page
/// never reads a verdict out of a string.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum WorkerReply {
    /// Signatures checked so far.
    Progress {
        /// Checked.
        done: u32,
        /// Of.
        total: u32,
    },
    /// The bundle is verified and read for review.
    #[serde(rename_all = "camelCase")]
    Done {
        /// The bundle-level verdict.
        summary: TranscriptHead,
        /// The events laid out.
        timeline: Box<Timeline>,
        /// The attribution-gap findings under the default policy.
        findings: Vec<Finding>,
        /// How long verification took, in ms.
        millis: f64,
        /// How long the findings, accounts and timeline took after it, in ms.
        analysis_millis: f64,
        /// The bundle's size in bytes.
        size: f64,
        /// How many batches of signatures the helper worker checked.
        helped: u32,
        /// What the bundle's anchors prove against the anchor trust given.
        anchoring: Box<model::Anchoring>,
    },
    /// The bundle or the roots were refused.
    Refused {
        /// Why.
        refusal: Refusal,
    },
    /// A page of results.
    Results {
        /// The page.
        page: ResultsPage,
    },
    /// One event.
    Event {
        /// Its position in the bundle.
        index: u32,
        /// Its result, payload and account.
        detail: Box<EventDetail>,
    },
    /// The transcript.
    Transcript {
        /// The report as JSON, as `custody verify --json` prints it.
        text: String,
    },
}

impl WorkerReply {
    /// The reply as the JSON text the worker posts.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
