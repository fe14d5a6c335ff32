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
    /// Every severity, most serious first.
    pub const ALL: [Severity; 3] = [Severity::High, Severity::Medium, Severity::Low];

    /// What the severity means.
    pub fn meaning(self) -> &'static str {
        match self {
            Severity::High => {
                "Accountability is broken: who did it, or under what authority, cannot be shown."
            }
            Severity::Medium => "Accountability is weakened.",
            Severity::Low => "Worth a reviewer's look.",
        }
    }

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
    /// An action whose account rests only on events a collector attested or
    /// imported: no party that acted signed it.
    UnsignedProvenance,
    /// A call a signed bundle and a collector's traces should both record, found
    /// on one side only.
    Unreconciled,
}

impl Rule {
    /// Every rule, in the order `docs/findings.md` lists them.
    pub const ALL: [Rule; 21] = [
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
        Rule::UnsignedProvenance,
        Rule::Unreconciled,
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
            Rule::UnsignedProvenance => "unsigned-provenance",
            Rule::Unreconciled => "unreconciled",
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
            Rule::UnsignedProvenance => {
                "Action attested by the collector, signed by no party that acted"
            }
            Rule::Unreconciled => "Call recorded on one side only",
        }
    }

    /// What the rule looks for and why it matters, in a few sentences a reviewer
    /// reads (the exact statement is in `docs/findings.md`).
    pub fn explanation(self) -> &'static str {
        match self {
            Rule::SharedAccount => "An action by a service account, or by an account the policy lists as shared, where nothing on its chain of causes records who it was for: no initiator, no onBehalfOf, no request by a human. Several people or agents can use such an account, so nobody can be held to the action. The finding names who read or used the account's credential before it acted.",
            Rule::ApprovalMissing => "A side effect that needed a human approval (its resource matches the policy's approval-required patterns, or an approval was asked for on its chain) happened although no approval it rests on was granted: none was decided, none was referenced, or it was rejected.",
            Rule::ApprovalLate => "A side effect whose approval was granted, but only after it happened (later than the allowed clock skew): the approval documents the change after the fact instead of authorising it.",
            Rule::CredentialBeforeIssue => "A token was used at a time before the token was issued (beyond the allowed clock skew): either the clocks or the evidence are wrong.",
            Rule::CredentialExpired => "A token was used after it had expired (beyond the allowed clock skew): whoever accepted it did not check its lifetime.",
            Rule::CredentialRevoked => "A token was used at or after its revocation: a credential someone deliberately withdrew still worked.",
            Rule::CredentialMisused => "A token was used by an actor other than the identity it was issued to, with no recorded onBehalfOf or chain of delegations from that identity to the actor by then.",
            Rule::ScopeWidened => "A delegation gave its delegate scope the delegator was never given itself (by earlier delegations, or by the credential it delegated with): authority grew on the way down.",
            Rule::DecisionMissing => "A side effect happened that rests on a policy decision that denied it, or on no policy decision at all and no other authority (a granted approval, or a delegation made by a human).",
            Rule::DecisionLate => "An event cites a policy decision that was made after the event (beyond the allowed clock skew): the decision could not have authorised it.",
            Rule::DecisionAbsent => "An event cites a policy decision that is not in the bundle: the authority it claims cannot be checked.",
            Rule::NoExecutor => "A side effect directly follows a model's output, with no tool call or request between them and no credential: the model's text was taken as the action and no identity executed it.",
            Rule::ChainBroken => "An emitter's hash chain does not hold (a link, the order, a duplicate or its start), or the events do not match the signed manifest: events were removed, inserted, changed or reordered after they were signed.",
            Rule::SequenceGap => "An emitter's sequence numbers skip: events it recorded are missing from the bundle.",
            Rule::ClockInversion => "An event is timestamped before the event that caused it, or before its emitter's previous event, by more than the allowed clock skew: a clock is wrong, or the order of events is not what it claims.",
            Rule::OutsideTimeRange => "Events lie outside the time range the signed manifest states: the manifest was made for other events, or events were added.",
            Rule::Unsigned => "Events whose signature does not verify, or could not be checked, or a manifest whose signature does not verify: what they say counts for nothing.",
            Rule::Untrusted => "Events (or the manifest, or its bindings) signed by keys no trusted root certifies for that emitter at that time: intact, but not tied to anyone you trust.",
            Rule::NoSeparation => "One identity proposed, validated and executed a change that happened, and no other identity validated it: there was no separation of duties.",
            Rule::UnsignedProvenance => "A tool call, request or side effect known only from telemetry the collector received or imported (an OpenTelemetry trace), with no event signed by a party that acted recording the same act: the collector vouches that it was reported, not that it happened as reported.",
            Rule::Unreconciled => "An incident holds both signed evidence and a collector's traces covering the same time, and a call recorded by one is missing from the other (matched by call id, else by tool, actor and time): one of the two records is incomplete.",
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
            | Rule::NoSeparation
            | Rule::Unreconciled => Severity::High,
            Rule::DecisionLate
            | Rule::SequenceGap
            | Rule::OutsideTimeRange
            | Rule::Untrusted
            | Rule::UnsignedProvenance => Severity::Medium,
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

/// The findings across the bundles of one incident, which no bundle alone shows:
/// each bundle given with a name for it (its address, say) and what reconciliation
/// reads of it ([`crate::reconcile::Calls::of`] its readable events).
/// The reconciliation of their calls, and the findings it gives, each with the
/// position in `bundles` of the bundle it is about: `unreconciled` for each call
/// found on one side only, and `unsigned-provenance` for each action only a
/// collector attested or imported that no signed call matches.
pub fn across(
    bundles: &[(&str, &crate::reconcile::Calls)],
    policy: &Policy,
) -> (crate::reconcile::Reconciliation, Vec<(usize, Finding)>) {
    let calls: Vec<&crate::reconcile::Calls> = bundles.iter().map(|(_, c)| *c).collect();
    let reconciled = crate::reconcile::reconcile(&calls, policy.clock_skew_seconds);
    let out = rules::across(bundles, &reconciled);
    (reconciled, out)
}
