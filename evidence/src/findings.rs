//! Attribution-gap findings: what in a bundle breaks accountability, each finding
//! naming the events that prove it.
//!
//! [`analyse`] reads a verified bundle (its [`Report`] and the events whose
//! signatures held) under an organisation's [`Policy`] and returns its findings.
//! It is pure, like the rest of the crate, so the server, the CLI and the browser
//! find the same gaps in the same bundle. Every rule, its severity and the framework
//! controls it maps to are listed in `docs/findings.md`.

use serde::{Deserialize, Serialize};

use crate::bundle::Report;
use crate::event::Event;

pub mod account;
mod controls;
mod grants;
mod index;
mod integrity;
mod rules;

pub use account::{accounts, Account};
pub use grants::{grants, Grant};
pub use index::MAX_DEPTH;

/// What an organisation configures about its rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Policy {
    /// Accounts several people or agents share: actor IDs or names, `*` matching any
    /// run of characters. An action by one of these with no initiator and no
    /// `onBehalfOf` is a finding even when the actor is not a service account.
    pub shared_accounts: Vec<String>,
    /// Resources whose changes need a human approval, `*` matching any run of
    /// characters.
    pub approval_required: Vec<String>,
    /// How many seconds two clocks may disagree before an inversion is a finding.
    pub clock_skew_seconds: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            shared_accounts: Vec::new(),
            approval_required: vec!["*prod*".to_owned()],
            clock_skew_seconds: 5,
        }
    }
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Accountability is broken: who did it, or under what authority, cannot be shown.
    High,
    /// Accountability is weakened.
    Medium,
    /// Worth a reviewer's look.
    Low,
}

impl Severity {
    /// The severity's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// The frameworks findings are mapped to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    /// OWASP Top 10 for Agentic Applications.
    OwaspAgentic,
    /// OWASP Non-Human Identities Top 10.
    OwaspNhi,
    /// NIST AI Risk Management Framework, GOVERN function.
    NistAiRmf,
    /// NIST Cybersecurity Framework 2.0, DE.CM (continuous monitoring).
    NistCsf,
    /// NIST SP 800-207, Zero Trust Architecture.
    Nist800207,
}

impl Framework {
    /// The framework's name as auditors cite it.
    pub fn name(self) -> &'static str {
        match self {
            Framework::OwaspAgentic => "OWASP Top 10 for Agentic Applications",
            Framework::OwaspNhi => "OWASP Non-Human Identities Top 10",
            Framework::NistAiRmf => "NIST AI RMF",
            Framework::NistCsf => "NIST CSF 2.0",
            Framework::Nist800207 => "NIST SP 800-207",
        }
    }
}

/// One control of one framework.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Control {
    /// The framework.
    pub framework: Framework,
    /// The control's identifier in it (`ASI03`, `NHI9`, `GOVERN 2.1`, `DE.CM-03`, …).
    pub id: &'static str,
    /// The control's title.
    pub title: &'static str,
}

/// A rule: one way accountability breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// An action through a shared or pooled account whose initiator cannot be resolved.
    SharedAccount,
    /// A side effect on a resource that needs a human approval, with none (or one
    /// that was not granted).
    ApprovalMissing,
    /// An approval decided after the side effect it approves.
    ApprovalLate,
    /// A credential used before it was issued.
    CredentialBeforeIssue,
    /// A credential used after it expired.
    CredentialExpired,
    /// A credential used after it was revoked.
    CredentialRevoked,
    /// A credential used by an actor other than its subject, with no recorded
    /// delegation from the subject.
    CredentialMisused,
    /// A delegation that gave the delegate scope the delegator did not hold.
    ScopeWidened,
    /// A side effect resting on no policy decision.
    DecisionMissing,
    /// A policy decision timestamped after the action that rests on it.
    DecisionLate,
    /// A policy decision referenced but absent from the bundle.
    DecisionAbsent,
    /// A side effect with no executing identity: model output taken as the action.
    NoExecutor,
    /// An emitter's hash chain is broken: events removed, inserted, replaced or reordered.
    ChainBroken,
    /// Events of an emitter are missing.
    SequenceGap,
    /// An event timestamped before the event that caused it, or before its
    /// emitter's previous event.
    ClockInversion,
    /// An event outside the time range its manifest states.
    OutsideTimeRange,
    /// Events whose signatures do not hold or could not be checked.
    Unsigned,
    /// Events signed by keys no trusted root certifies for them.
    Untrusted,
    /// One identity proposed, validated and executed a change: no separation of duties.
    NoSeparation,
}

impl Rule {
    /// Every rule, in the order `docs/findings.md` lists them.
    pub const ALL: [Rule; 19] = [
        Rule::SharedAccount,
        Rule::ApprovalMissing,
        Rule::ApprovalLate,
        Rule::CredentialBeforeIssue,
        Rule::CredentialExpired,
        Rule::CredentialRevoked,
        Rule::CredentialMisused,
        Rule::ScopeWidened,
        Rule::DecisionMissing,
        Rule::DecisionLate,
        Rule::DecisionAbsent,
        Rule::NoExecutor,
        Rule::ChainBroken,
        Rule::SequenceGap,
        Rule::ClockInversion,
        Rule::OutsideTimeRange,
        Rule::Unsigned,
        Rule::Untrusted,
        Rule::NoSeparation,
    ];

    /// The rule's stable code, as in exports and the API.
    pub fn code(self) -> &'static str {
        match self {
            Rule::SharedAccount => "shared-account",
            Rule::ApprovalMissing => "approval-missing",
            Rule::ApprovalLate => "approval-late",
            Rule::CredentialBeforeIssue => "credential-before-issue",
            Rule::CredentialExpired => "credential-expired",
            Rule::CredentialRevoked => "credential-revoked",
            Rule::CredentialMisused => "credential-misused",
            Rule::ScopeWidened => "scope-widened",
            Rule::DecisionMissing => "decision-missing",
            Rule::DecisionLate => "decision-late",
            Rule::DecisionAbsent => "decision-absent",
            Rule::NoExecutor => "no-executor",
            Rule::ChainBroken => "chain-broken",
            Rule::SequenceGap => "sequence-gap",
            Rule::ClockInversion => "clock-inversion",
            Rule::OutsideTimeRange => "outside-time-range",
            Rule::Unsigned => "unsigned",
            Rule::Untrusted => "untrusted",
            Rule::NoSeparation => "no-separation",
        }
    }

    /// The rule named `code`.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What the rule finds, in one line.
    pub fn title(self) -> &'static str {
        match self {
            Rule::SharedAccount => "Action through a shared account, initiator unknown",
            Rule::ApprovalMissing => "Side effect without the human approval it needs",
            Rule::ApprovalLate => "Approval recorded after the side effect",
            Rule::CredentialBeforeIssue => "Credential used before it was issued",
            Rule::CredentialExpired => "Credential used after it expired",
            Rule::CredentialRevoked => "Credential used after it was revoked",
            Rule::CredentialMisused => "Credential used by someone other than its subject",
            Rule::ScopeWidened => "Delegation widened scope",
            Rule::DecisionMissing => "Side effect with no policy decision",
            Rule::DecisionLate => "Policy decision timestamped after the action",
            Rule::DecisionAbsent => "Policy decision referenced but absent",
            Rule::NoExecutor => "Side effect with no executing identity",
            Rule::ChainBroken => "Hash chain broken",
            Rule::SequenceGap => "Events missing from a sequence",
            Rule::ClockInversion => "Clock inversion",
            Rule::OutsideTimeRange => "Event outside the manifest's time range",
            Rule::Unsigned => "Unsigned or unverifiable events",
            Rule::Untrusted => "Events signed by untrusted keys",
            Rule::NoSeparation => "One identity proposed, validated and executed",
        }
    }

    /// How serious a finding of this rule is.
    pub fn severity(self) -> Severity {
        match self {
            Rule::SharedAccount
            | Rule::ApprovalMissing
            | Rule::ApprovalLate
            | Rule::CredentialBeforeIssue
            | Rule::CredentialExpired
            | Rule::CredentialRevoked
            | Rule::CredentialMisused
            | Rule::ScopeWidened
            | Rule::DecisionMissing
            | Rule::DecisionAbsent
            | Rule::NoExecutor
            | Rule::ChainBroken
            | Rule::Unsigned
            | Rule::NoSeparation => Severity::High,
            Rule::DecisionLate | Rule::SequenceGap | Rule::OutsideTimeRange | Rule::Untrusted => {
                Severity::Medium
            }
            Rule::ClockInversion => Severity::Low,
        }
    }

    /// The framework controls a finding of this rule bears on.
    pub fn controls(self) -> &'static [Control] {
        controls::controls(self)
    }
}

impl Finding {
    /// The finding's stable key within its bundle: the rule's code and its events'
    /// positions (`approval-late:12,9`). The same bundle under the same policy
    /// always gives the same keys, so a reviewer's disposition stays attached.
    pub fn key(&self) -> String {
        let events: Vec<String> = self.events.iter().map(usize::to_string).collect();
        format!("{}:{}", self.rule.code(), events.join(","))
    }

    /// The finding's severity (its rule's).
    pub fn severity(&self) -> Severity {
        self.rule.severity()
    }
}

/// A finding: a rule broken, and the events that prove it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule.
    pub rule: Rule,
    /// Bundle positions (from 0) of the events that prove it, the one it is about first.
    pub events: Vec<usize>,
    /// What was found, naming the accounts, tokens, resources and times.
    pub detail: String,
}

/// The findings in a verified bundle: `report` is its verification report and
/// `events` the events whose signatures held, each with its bundle position.
/// Findings come ordered by severity, then by their first event.
///
/// Each rule is stated exactly in `docs/findings.md`. The same inputs always give
/// the same findings in the same order: ties are broken by rule, then by the events
/// named, then by the detail. A finding about the bundle as a whole (its manifest)
/// names no event and comes first among those of its severity.
pub fn analyse(report: &Report, events: &[(usize, Event)], policy: &Policy) -> Vec<Finding> {
    let index = index::Index::new(events, policy.clock_skew_seconds);
    let mut out = Vec::new();
    out.extend(rules::shared_account(&index, policy));
    out.extend(rules::approval_missing(&index, policy));
    out.extend(rules::approval_late(&index, policy));
    out.extend(rules::credential_before_issue(&index));
    out.extend(rules::credential_expired(&index));
    out.extend(rules::credential_revoked(&index));
    out.extend(rules::credential_misused(&index));
    out.extend(rules::scope_widened(&index));
    out.extend(rules::decision_missing(&index, policy));
    out.extend(rules::decision_late(&index));
    out.extend(rules::decision_absent(&index));
    out.extend(rules::no_executor(&index));
    out.extend(integrity::chain_broken(report));
    out.extend(integrity::sequence_gap(report, &index));
    out.extend(rules::clock_inversion(&index));
    out.extend(integrity::outside_time_range(report, &index));
    out.extend(integrity::unsigned(report));
    out.extend(integrity::untrusted(report));
    out.extend(rules::no_separation(&index));
    out.sort_by(|a, b| {
        (a.severity(), a.events.first(), a.rule, &a.events, &a.detail).cmp(&(
            b.severity(),
            b.events.first(),
            b.rule,
            &b.events,
            &b.detail,
        ))
    });
    out.dedup();
    out
}
