//! What reviewers record: responsibility annotations, comments, sign-offs of
//! approval chains, and the review log that holds every such action.

use serde::{Deserialize, Serialize};

/// Who is responsible for an action, as a reviewer judges it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Responsibility {
    /// A human started it.
    HumanInitiated,
    /// A human approved it and an agent executed it.
    HumanApprovedAgentExecuted,
    /// An agent did it on its own.
    AgentAutonomous,
    /// Automation that a policy allowed.
    PolicyAllowedAutomation,
    /// The system (infrastructure, scheduler) did it.
    System,
    /// Shared between several.
    Shared,
    /// Cannot be told from the evidence.
    Undetermined,
}

impl Responsibility {
    /// Every value, in the order the form lists them.
    pub const ALL: [Responsibility; 7] = [
        Responsibility::HumanInitiated,
        Responsibility::HumanApprovedAgentExecuted,
        Responsibility::AgentAutonomous,
        Responsibility::PolicyAllowedAutomation,
        Responsibility::System,
        Responsibility::Shared,
        Responsibility::Undetermined,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Responsibility::HumanInitiated => "human_initiated",
            Responsibility::HumanApprovedAgentExecuted => "human_approved_agent_executed",
            Responsibility::AgentAutonomous => "agent_autonomous",
            Responsibility::PolicyAllowedAutomation => "policy_allowed_automation",
            Responsibility::System => "system",
            Responsibility::Shared => "shared",
            Responsibility::Undetermined => "undetermined",
        }
    }

    /// Read from the stored name.
    pub fn parse(text: &str) -> Option<Responsibility> {
        Responsibility::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// As a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Responsibility::HumanInitiated => "Human-initiated",
            Responsibility::HumanApprovedAgentExecuted => "Human-approved, agent-executed",
            Responsibility::AgentAutonomous => "Agent-autonomous",
            Responsibility::PolicyAllowedAutomation => "Policy-allowed automation",
            Responsibility::System => "System",
            Responsibility::Shared => "Shared",
            Responsibility::Undetermined => "Undetermined",
        }
    }
}

/// One responsibility judgement on one event. Never changed: a newer one supersedes it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Annotation {
    /// The bundle (its SHA-256).
    pub bundle: String,
    /// The event's index in the bundle.
    pub event: u64,
    /// The judgement.
    pub responsibility: Responsibility,
    /// Why.
    pub rationale: String,
    /// Free tags.
    pub tags: Vec<String>,
    /// Who recorded it (account name).
    pub author: String,
    /// When.
    pub created_at: String,
    /// The review-log entry that records it.
    pub log_seq: u64,
}

/// A comment on an event.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Comment {
    /// The bundle (its SHA-256).
    pub bundle: String,
    /// The event's index in the bundle.
    pub event: u64,
    /// The text (shown as text, never as HTML).
    pub body: String,
    /// Who wrote it.
    pub author: String,
    /// When.
    pub created_at: String,
    /// The review-log entry that records it.
    pub log_seq: u64,
}

/// What reviewers recorded on one event: the annotations newest first (the first is
/// the current one) and the comments oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct EventReview {
    /// Responsibility judgements, newest first.
    pub annotations: Vec<Annotation>,
    /// Comments, oldest first.
    pub comments: Vec<Comment>,
}

/// An access reviewer's answer on one step of an approval chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignoffDecision {
    /// The chain is sound.
    Approve,
    /// The chain is not acceptable.
    Reject,
    /// Needs attention; not a decision.
    Flag,
    /// Handed to another access reviewer.
    Reassign,
}

impl SignoffDecision {
    /// Every value.
    pub const ALL: [SignoffDecision; 4] = [
        SignoffDecision::Approve,
        SignoffDecision::Reject,
        SignoffDecision::Flag,
        SignoffDecision::Reassign,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignoffDecision::Approve => "approve",
            SignoffDecision::Reject => "reject",
            SignoffDecision::Flag => "flag",
            SignoffDecision::Reassign => "reassign",
        }
    }

    /// Read from the stored name.
    pub fn parse(text: &str) -> Option<SignoffDecision> {
        SignoffDecision::ALL
            .into_iter()
            .find(|d| d.as_str() == text)
    }

    /// Whether it fills a step (approve and reject do; flag and reassign do not).
    pub fn fills_step(self) -> bool {
        matches!(self, SignoffDecision::Approve | SignoffDecision::Reject)
    }
}

/// One sign-off.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Signoff {
    /// The step it answers, from 1.
    pub step: u32,
    /// The answer.
    pub decision: SignoffDecision,
    /// Why.
    pub justification: String,
    /// To whom it was reassigned.
    pub reassigned_to: Option<String>,
    /// Who signed.
    pub reviewer: String,
    /// When.
    pub created_at: String,
    /// The SHA-256 over the chain's event digests that this sign-off covers.
    pub chain_digest: String,
    /// The review-log entry that records it.
    pub log_seq: u64,
    /// How many approving steps the chain needed when it was recorded; `None` for
    /// sign-offs recorded before Custody kept it.
    #[serde(default)]
    pub steps_required: Option<u32>,
}

/// One event of an approval chain.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ChainLink {
    /// The event's index in the bundle.
    pub index: u64,
    /// Its kind.
    pub kind: String,
    /// Its one-line summary.
    pub summary: String,
    /// Who did it.
    pub actor: String,
    /// When.
    pub time: String,
    /// Its digest.
    pub digest: String,
}

/// Where a chain's sign-off stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChainStatus {
    /// Steps remain.
    Pending,
    /// Every step approved.
    Approved,
    /// A step rejected it.
    Rejected,
}

/// An approval chain found in a bundle: the request, the human decision, the
/// actions that rest on it and the side effects they caused, with its sign-offs.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ApprovalChain {
    /// The approval ID the chain is found by.
    pub approval_id: String,
    /// The chain's events, in bundle order.
    pub links: Vec<ChainLink>,
    /// Who decided the approval, and what, when the bundle says.
    pub decided: Option<String>,
    /// SHA-256 over the links' digests, in order: what a sign-off binds.
    pub digest: String,
    /// How many approving steps the chain needs: fixed by its first sign-off (the
    /// setting in force then), else the setting in force now.
    pub steps: u32,
    /// Its sign-offs, oldest first.
    pub signoffs: Vec<Signoff>,
    /// Where it stands.
    pub status: ChainStatus,
}

/// A bundle's approval chains, and whether they can be signed off at all.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct BundleChains {
    /// The chains.
    pub chains: Vec<ApprovalChain>,
    /// Who uploaded the bundle (they cannot sign off its chains).
    pub uploaded_by: Option<String>,
    /// Every account the review log names as an uploader of these bytes, with
    /// [`Self::uploaded_by`]: none of them may sign off its chains.
    #[serde(default)]
    pub uploaders: Vec<String>,
    /// Why nothing can be signed off on this bundle, when nothing can.
    pub blocked: Option<String>,
    /// The reviewer the chains were read for (the console applies the sign-off rule
    /// to them); `None` when read outside a request.
    #[serde(default)]
    pub viewer: Option<super::Reviewer>,
}

impl BundleChains {
    /// Why `who` may not record `decision` on `chain` (one of this bundle's), or
    /// `None` when they may: the one rule the sign-off form and the store both follow.
    pub fn refusal(
        &self,
        chain: &ApprovalChain,
        who: &super::Reviewer,
        decision: SignoffDecision,
    ) -> Option<CannotSign> {
        if who.role != super::Role::AccessReviewer {
            Some(CannotSign::NotAccessReviewer)
        } else if self.blocked.is_some() {
            Some(CannotSign::Unverified)
        } else if chain.status != ChainStatus::Pending {
            Some(CannotSign::Closed)
        } else if self.uploaders.contains(&who.username) {
            Some(CannotSign::Uploader)
        } else if decision.fills_step()
            && chain
                .signoffs
                .iter()
                .any(|s| s.decision.fills_step() && s.reviewer == who.username)
        {
            Some(CannotSign::FilledStep)
        } else {
            None
        }
    }

    /// The decisions `who` may record on `chain` now (none: the form is not shown).
    pub fn open_decisions(
        &self,
        chain: &ApprovalChain,
        who: &super::Reviewer,
    ) -> Vec<SignoffDecision> {
        SignoffDecision::ALL
            .into_iter()
            .filter(|d| self.refusal(chain, who, *d).is_none())
            .collect()
    }
}

/// Why a reviewer may not sign a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CannotSign {
    /// Only access reviewers sign off.
    NotAccessReviewer,
    /// The bundle did not verify: nothing in it can be signed off.
    Unverified,
    /// The chain is already signed off or rejected.
    Closed,
    /// Separation of duties: the reviewer uploaded the bundle.
    Uploader,
    /// Separation of duties: the reviewer already filled a step of the chain.
    FilledStep,
}

impl CannotSign {
    /// The rule, as the reviewer reads it.
    pub fn reason(self) -> &'static str {
        match self {
            CannotSign::NotAccessReviewer => "only access reviewers sign off approval chains",
            CannotSign::Unverified => "this bundle did not verify: nothing in it can be signed off",
            CannotSign::Closed => "this chain is already signed off",
            CannotSign::Uploader => {
                "separation of duties: you uploaded this bundle, so you cannot sign off its chains"
            }
            CannotSign::FilledStep => {
                "separation of duties: you already filled a step of this chain"
            }
        }
    }
}

/// One review-log entry.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LogEntry {
    /// Its place in the log, from 0.
    pub seq: u64,
    /// When.
    pub at: String,
    /// Who (account name, or `custody-cli` for the command line).
    pub actor: String,
    /// What (`upload`, `incident.open`, `annotation`, `comment`, `finding`, `signoff`, `status`,
    /// `assign`, `export`, `user.add`, `role`, `user.disable`, `user.enable`,
    /// `user.password`, `trust_root.add`, `trust_root.remove`, `setting`, `reverify`).
    pub action: String,
    /// The incident it concerns.
    pub incident: Option<i64>,
    /// The bundle it concerns.
    pub bundle: Option<String>,
    /// The event it concerns.
    pub event: Option<u64>,
    /// One line saying what was done.
    pub summary: String,
    /// The entry's digest, which the next entry chains to.
    pub digest: String,
}

/// Which review-log entries to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LogQuery {
    /// Only this action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Only this actor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Only entries about this incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<i64>,
    /// Only entries about this bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    /// Entries before this sequence number (paging backwards from the newest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<u64>,
}

/// A page of the review log, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LogPage {
    /// The entries.
    pub entries: Vec<LogEntry>,
    /// Whether older entries match too.
    pub more: bool,
}

/// Whether the review log is intact, checked with the same verification as any bundle.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct LogIntegrity {
    /// Entries checked.
    pub entries: u64,
    /// True when every signature, link and record checks out.
    pub intact: bool,
    /// What does not, each naming the entry or record.
    pub problems: Vec<String>,
    /// Digest of the newest entry: an exported or noted head proves later that no
    /// entry after it was removed.
    pub head: Option<String>,
    /// The server's public key (hex), which signs the log.
    pub public_key: String,
}

/// The account of one side effect (`evidence::findings::account`): who intended
/// it, who executed it, under which credential, on which authority, with which
/// approval, and what changed; with the reviewers' current judgement.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SideEffectResponsibility {
    /// The bundle (its SHA-256).
    pub bundle: String,
    /// The event's index.
    pub event: u64,
    /// When, as written in the event (RFC 3339, UTC).
    pub time: String,
    /// The account, typed: every field has an explicit "not recorded" state.
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub account: evidence::findings::Account,
    /// The account in words: the sentences every screen and export shows.
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub sentences: evidence::findings::account::Sentences,
    /// The current annotation, if any.
    pub annotation: Option<Annotation>,
}

/// Settings an admin changes in the console.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct ReviewSettings {
    /// How many approving sign-off steps each approval chain needs.
    pub signoff_steps: u32,
}

/// What vouches for a bundle, or for the review log, outside the organisation:
/// `evidence::anchor`'s verdict on the anchors the server holds for it (time stamps
/// the bundle carries, and its place in the server's transparency log as the
/// witness policy's witnesses cosigned it).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Anchoring {
    /// The state, as `evidence::anchor::AnchorState` (`state`: `not_anchored` or
    /// `anchored`, with `timestamped` and `logged`).
    #[cfg_attr(feature = "schema", schema(value_type = Object))]
    pub state: evidence::anchor::AnchorState,
    /// The sentences the console shows, from the state.
    pub sentences: Vec<String>,
    /// Anchors that are there but do not hold, one sentence each.
    pub problems: Vec<String>,
    /// For the review log: the newest entry the logged checkpoint covers (entries
    /// after it are not yet witnessed). None for a bundle.
    pub covers_entry: Option<u64>,
    /// For the review log: its newest entry. None for a bundle.
    #[serde(default)]
    pub newest_entry: Option<u64>,
    /// Events dated after the earliest valid time stamp (`time.after_anchor`), by
    /// index: the bundle existed before the time they state.
    #[serde(default)]
    pub after_anchor: Vec<u64>,
}

impl Anchoring {
    /// The view of `state` with `problems`.
    pub fn of(state: evidence::anchor::AnchorState, problems: Vec<String>) -> Self {
        Anchoring {
            sentences: state.sentences(),
            state,
            problems,
            covers_entry: None,
            newest_entry: None,
            after_anchor: Vec::new(),
        }
    }

    /// The view of what `anchoring` proves.
    pub fn from_anchoring(anchoring: &evidence::anchor::Anchoring) -> Self {
        let mut view = Anchoring::of(anchoring.state(), anchoring.problems());
        view.after_anchor = anchoring.after_anchor.iter().map(|i| *i as u64).collect();
        view
    }
}
