//! A reviewer's own work: what awaits them, by the duties of their role.

use serde::{Deserialize, Serialize};

use super::{
    ApprovalChain, BundleSummary, FindingView, IncidentSummary, LogEntry, SignoffDecision,
};

/// What awaits the signed-in reviewer. Each part is `None` when their role has no
/// such duty (the page leaves it out), and empty when nothing awaits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct MyWork {
    /// Access reviewers: the chains they may sign now, oldest first.
    pub signoffs: Option<Vec<AwaitingSignoff>>,
    /// Compliance reviewers: the incidents assigned to them and not closed, the
    /// longest unchanged first.
    pub assigned: Option<Vec<IncidentSummary>>,
    /// Compliance reviewers: the findings of their incidents that no one has disposed of.
    pub findings: Option<Vec<AwaitingFinding>>,
    /// Auditors: the bundles stored most recently, with their verdicts.
    pub recent_bundles: Option<Vec<BundleSummary>>,
    /// Auditors: the exports made most recently (review-log entries).
    pub recent_exports: Option<Vec<LogEntry>>,
}

impl MyWork {
    /// How many things await action (the count beside "My work"): chains to sign,
    /// incidents assigned, findings to dispose of. Recent bundles and exports are
    /// for reading, not counted.
    pub fn count(&self) -> usize {
        self.signoffs.as_ref().map_or(0, Vec::len)
            + self.assigned.as_ref().map_or(0, Vec::len)
            + self.findings.as_ref().map_or(0, Vec::len)
    }
}

/// A chain the reviewer may sign now.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AwaitingSignoff {
    /// The incident holding it.
    pub incident_id: i64,
    /// The incident's title.
    pub incident_title: String,
    /// The bundle (its SHA-256).
    pub bundle: String,
    /// The bundle's file name.
    pub bundle_name: String,
    /// The chain.
    pub chain: ApprovalChain,
    /// The decisions the reviewer may record on it.
    pub decisions: Vec<SignoffDecision>,
    /// The access reviewer the chain was last reassigned to, if it was.
    pub asked_of: Option<String>,
    /// Since when it awaits: the latest sign-off on it, else when the bundle was stored.
    pub waiting_since: String,
    /// How long that is, in whole seconds, when the server answered.
    pub waiting_secs: i64,
}

impl AwaitingSignoff {
    /// The side effects the chain ends in, as the bundle summarises them ("not
    /// recorded" when the chain names none).
    pub fn effects(&self) -> Vec<String> {
        self.chain
            .links
            .iter()
            .filter(|l| l.kind == "side_effect")
            .map(|l| format!("#{} {}", l.index, l.summary))
            .collect()
    }
}

/// A finding no one has disposed of, in an incident assigned to the reviewer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AwaitingFinding {
    /// The incident.
    pub incident_id: i64,
    /// The incident's title.
    pub incident_title: String,
    /// The finding.
    pub finding: FindingView,
}

/// `secs` as people read a wait: "5 min", "3 h", "2 d 4 h".
pub fn age(secs: i64) -> String {
    let secs = secs.max(0);
    let (days, hours, mins) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    match (days, hours) {
        (0, 0) => format!("{} min", mins.max(1)),
        (0, h) => format!("{h} h"),
        (d, 0) => format!("{d} d"),
        (d, h) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::age;

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(age(-5), "1 min");
        assert_eq!(age(59), "1 min");
        assert_eq!(age(61 * 60), "1 h");
        assert_eq!(age(86_400), "1 d");
        assert_eq!(age(2 * 86_400 + 4 * 3_600 + 59), "2 d 4 h");
    }
}
