//! Attribution-gap findings as reviewers see them: what `evidence::findings` found
//! in a bundle, the events behind each, the framework controls it maps to, and the
//! reviewers' dispositions.

use serde::{Deserialize, Serialize};

/// What a reviewer decided about a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DispositionDecision {
    /// The gap is real and stands in the review.
    Accepted,
    /// Not a gap (a reason is required).
    Dismissed,
    /// Turned into a responsibility annotation on the finding's first event.
    Annotated,
}

impl DispositionDecision {
    /// Every decision, in the order the form lists them.
    pub const ALL: [DispositionDecision; 3] = [
        DispositionDecision::Accepted,
        DispositionDecision::Dismissed,
        DispositionDecision::Annotated,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DispositionDecision::Accepted => "accepted",
            DispositionDecision::Dismissed => "dismissed",
            DispositionDecision::Annotated => "annotated",
        }
    }

    /// Read from the stored name.
    pub fn parse(text: &str) -> Option<DispositionDecision> {
        DispositionDecision::ALL
            .into_iter()
            .find(|d| d.as_str() == text)
    }

    /// As a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            DispositionDecision::Accepted => "Accepted",
            DispositionDecision::Dismissed => "Dismissed",
            DispositionDecision::Annotated => "Turned into an annotation",
        }
    }
}

/// One disposition of one finding. Never changed: a newer one supersedes it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Disposition {
    /// The decision.
    pub decision: DispositionDecision,
    /// Why.
    pub reason: String,
    /// Who decided (account name).
    pub reviewer: String,
    /// When (RFC 3339, UTC).
    pub created_at: String,
    /// The review-log entry that recorded it.
    pub log_seq: u64,
    /// For an annotation: the review-log entry of the annotation it became.
    pub annotation_seq: Option<u64>,
}

/// A framework control a finding bears on.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ControlRef {
    /// The framework, as auditors cite it (`OWASP Non-Human Identities Top 10`).
    pub framework: String,
    /// The control's identifier in it (`NHI9`).
    pub id: String,
    /// The control's title.
    pub title: String,
}

/// An event a finding names.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FindingEvent {
    /// Its position in the bundle, from 0.
    pub index: u64,
    /// Its ID, where its signature held.
    pub event_id: Option<String>,
    /// Its kind.
    pub kind: Option<String>,
    /// When it happened (RFC 3339, UTC).
    pub time: Option<String>,
    /// One line about it.
    pub summary: Option<String>,
    /// Who vouches for it; `None` where its payload was not read.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>))]
    pub provenance: Option<evidence::event::Provenance>,
}

/// One finding in one bundle, with its disposition.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FindingView {
    /// The bundle (its SHA-256).
    pub bundle: String,
    /// The finding's key in its bundle (rule code and event positions).
    pub key: String,
    /// The rule's code (`approval-late`; see docs/findings.md).
    pub rule: String,
    /// What the rule finds, in one line.
    pub title: String,
    /// `high`, `medium` or `low`.
    pub severity: String,
    /// What was found, naming accounts, tokens, resources and times.
    pub detail: String,
    /// How many events prove it.
    pub event_count: u64,
    /// The events that prove it, the one it is about first (at most 50).
    pub events: Vec<FindingEvent>,
    /// The event a link to the finding opens: the first side effect it names, else
    /// the first event it names.
    #[serde(default)]
    pub primary: u64,
    /// The framework controls it bears on.
    pub controls: Vec<ControlRef>,
    /// The current disposition, if a reviewer made one.
    pub disposition: Option<Disposition>,
    /// Earlier dispositions, oldest first.
    pub history: Vec<Disposition>,
}

impl FindingView {
    /// The most events listed with a finding (the rest are counted).
    pub const LISTED_EVENTS: usize = 50;

    /// `found` in `bundle` (empty when it was found in the browser), its first
    /// [`Self::LISTED_EVENTS`] events described by `describe`.
    pub fn new(
        bundle: &str,
        found: &evidence::findings::Finding,
        describe: impl Fn(u64) -> FindingEvent,
        mut history: Vec<Disposition>,
    ) -> FindingView {
        let disposition = history.pop();
        let events: Vec<FindingEvent> = found
            .events
            .iter()
            .take(Self::LISTED_EVENTS)
            .map(|&i| describe(i as u64))
            .collect();
        let primary = events
            .iter()
            .find(|e| e.kind.as_deref() == Some(evidence::event::Kind::SideEffect.as_str()))
            .or(events.first())
            .map_or(0, |e| e.index);
        FindingView {
            primary,
            bundle: bundle.to_owned(),
            key: found.key(),
            rule: found.rule.code().to_owned(),
            title: found.rule.title().to_owned(),
            severity: found.severity().as_str().to_owned(),
            detail: found.detail.clone(),
            event_count: found.events.len() as u64,
            events,
            controls: found
                .rule
                .controls()
                .iter()
                .map(|c| ControlRef {
                    framework: c.framework.name().to_owned(),
                    id: c.id.to_owned(),
                    title: c.title.to_owned(),
                })
                .collect(),
            disposition,
            history,
        }
    }
}

/// Findings of a bundle or an incident, most severe first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Findings {
    /// The findings.
    pub items: Vec<FindingView>,
    /// Bundles whose stored bytes could not be analysed, with why.
    pub unreadable: Vec<String>,
}

impl Findings {
    /// How many findings of severity `severity` (`high`, `medium`, `low`).
    pub fn count(&self, severity: &str) -> usize {
        self.items.iter().filter(|f| f.severity == severity).count()
    }

    /// How many findings no reviewer has disposed of yet.
    pub fn open(&self) -> usize {
        self.items
            .iter()
            .filter(|f| f.disposition.is_none())
            .count()
    }
}

/// The organisation's finding rules, as an admin edits them (see
/// `evidence::findings::Policy`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct FindingPolicy {
    /// Shared accounts: IDs or names, `*` matching any run of characters.
    pub shared_accounts: Vec<String>,
    /// Resources whose changes need a human approval, `*` wildcards.
    pub approval_required: Vec<String>,
    /// Seconds two clocks may disagree before an inversion is a finding.
    pub clock_skew_seconds: u32,
}

impl From<evidence::findings::Policy> for FindingPolicy {
    fn from(p: evidence::findings::Policy) -> Self {
        FindingPolicy {
            shared_accounts: p.shared_accounts,
            approval_required: p.approval_required,
            clock_skew_seconds: p.clock_skew_seconds,
        }
    }
}

impl From<FindingPolicy> for evidence::findings::Policy {
    fn from(p: FindingPolicy) -> Self {
        evidence::findings::Policy {
            shared_accounts: p.shared_accounts,
            approval_required: p.approval_required,
            clock_skew_seconds: p.clock_skew_seconds,
        }
    }
}
