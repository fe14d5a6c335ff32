//! The account of each side effect: who intended it, who executed it and through
//! what, under which credential (and its state at that moment), on which authority,
//! with which approval, and what changed.
//!
//! Every screen and export that states one of these facts renders an [`Account`]
//! (and its [`Account::sentences`]), and the findings read the same derivations
//! (`shared-account` reads [`intent`]; the credential, approval and decision rules
//! read the same helpers as [`accounts`]), so a finding and an account never
//! disagree. Where the evidence is silent, a field says so, with why: nothing is
//! left blank or guessed. `docs/findings.md` ("The account of a side effect") states
//! each derivation.
//!
//! This file holds the account's facts as data; `derive.rs` reads them from the
//! events, and `sentences.rs` puts them in words.

use serde::{Deserialize, Serialize};

use crate::event::{Actor, ActorType, Kind, Outcome, Verdict};

mod derive;
mod sentences;

pub use derive::accounts;
pub(super) use derive::intent;
pub use sentences::Sentences;

/// An identity as the account names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    /// Its stable identity.
    pub id: String,
    /// Its display name, when the evidence gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What sort of actor.
    pub kind: ActorType,
}

impl Party {
    fn of(actor: &Actor) -> Party {
        Party {
            id: actor.id.clone(),
            name: actor.name.clone(),
            kind: actor.kind,
        }
    }

    /// How a reviewer reads it: `Name (id)`, or the ID alone.
    pub fn label(&self) -> String {
        match self.name.as_deref() {
            Some(name) if name != self.id => format!("{name} ({})", self.id),
            _ => self.id.clone(),
        }
    }

    /// [`Party::label`] with the kind: `Name (id, agent)`.
    pub fn label_with_kind(&self) -> String {
        match self.name.as_deref() {
            Some(name) if name != self.id => {
                format!("{name} ({}, {})", self.id, self.kind.as_str())
            }
            _ => format!("{} ({})", self.id, self.kind.as_str()),
        }
    }
}

/// Who intended a side effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Intended {
    /// The evidence names who intended it.
    #[serde(rename_all = "camelCase")]
    Recorded {
        /// Who.
        by: Party,
        /// Where the evidence says so.
        source: IntentSource,
        /// Bundle position of the event that says so (the side effect itself, or the
        /// nearest event it follows from that names someone).
        position: usize,
        /// The hand-offs from `by` to the executor, `by` first and the executor last:
        /// the `onBehalfOf` chain (origin first), then the delegates of the
        /// delegations the side effect follows from, each identity once.
        hops: Vec<Party>,
    },
    /// The evidence does not say.
    #[serde(rename_all = "camelCase")]
    NotRecorded {
        /// Why not.
        why: NoIntent,
    },
}

impl Intended {
    /// Whether the evidence names who intended it.
    pub fn is_recorded(&self) -> bool {
        matches!(self, Intended::Recorded { .. })
    }
}

/// Where the evidence names who intended an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IntentSource {
    /// An event's `initiator`.
    Initiator,
    /// The origin (last entry) of an event's `onBehalfOf`.
    OnBehalfOf,
    /// The human actor of a `request` the action follows from.
    Request,
}

/// Why the evidence does not say who intended an action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "camelCase")]
pub enum NoIntent {
    /// Neither the action nor any event it follows from names an initiator, anyone it
    /// acts for, or a human's request.
    NoInitiator,
    /// As [`NoIntent::NoInitiator`], through a shared or service account whose
    /// credentials others used before.
    #[serde(rename_all = "camelCase")]
    SharedAccount {
        /// Whether the policy lists the account as shared (else: a service account).
        listed: bool,
        /// The account's credentials.
        tokens: Vec<String>,
        /// Each other identity that read or used them before, with the bundle
        /// position of its latest such event.
        others: Vec<(Party, usize)>,
    },
}

/// One step on the way from the intent to the side effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Bundle position of the step's event.
    pub position: usize,
    /// What it was: `task.delegate`, `tool.call` or `http.request`.
    pub kind: Kind,
    /// Who took it.
    pub actor: Party,
    /// The tool called, the delegate, or the request sent.
    pub target: String,
}

/// Who executed a side effect, and through what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Executed {
    /// The side effect's actor.
    pub by: Party,
    /// The delegations, tool calls and requests it follows from, earliest first.
    pub path: Vec<Step>,
}

/// A credential's state at the moment of the side effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum CredentialState {
    /// Inside its stated validity, not revoked.
    Valid,
    /// Used before it was issued (beyond the clock skew).
    #[serde(rename_all = "camelCase")]
    NotYetIssued {
        /// When it was issued.
        issued_at: String,
    },
    /// Used after it expired (beyond the clock skew).
    #[serde(rename_all = "camelCase")]
    Expired {
        /// When it expired.
        expired_at: String,
    },
    /// Used at or after a revocation of it.
    #[serde(rename_all = "camelCase")]
    Revoked {
        /// When it was revoked.
        revoked_at: String,
        /// Who revoked it.
        by: Party,
        /// Bundle position of the revocation.
        position: usize,
    },
    /// Not revoked in the bundle, and no event states when it was issued or expires.
    ValidityNotStated,
}

/// The credential a side effect was made under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum CredentialFacts {
    /// The side effect names no credential.
    NotRecorded,
    /// The side effect names a token; what the bundle says of it.
    #[serde(rename_all = "camelCase")]
    Presented {
        /// The token.
        token_id: String,
        /// Who issued it, from the side effect, the event that issued it, or the
        /// earliest other event carrying it that says.
        issuer: Option<String>,
        /// Whom it was issued to (same sources).
        subject: Option<String>,
        /// What it allows (same sources).
        scope: Option<Vec<String>>,
        /// When it was issued (as the credential rules read it).
        issued_at: Option<String>,
        /// When it expires.
        expires_at: Option<String>,
        /// Its states at the moment of the side effect: one `valid` or
        /// `validityNotStated`, or every problem found.
        states: Vec<CredentialState>,
    },
}

/// The policy decision a side effect rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Authority {
    /// A decision in the bundle.
    #[serde(rename_all = "camelCase")]
    Decision {
        /// Bundle position of the `policy.decision`.
        position: usize,
        /// The engine.
        engine: String,
        /// The policy.
        policy_id: String,
        /// Its version.
        policy_version: String,
        /// Allow or deny.
        decision: Verdict,
        /// The decision's ID.
        decision_id: String,
        /// When it was made.
        time: String,
        /// Bundle position of a deny among the events the side effect follows from,
        /// other than the decision itself.
        denied_before: Option<usize>,
    },
    /// Cited, but no such decision is in the bundle.
    #[serde(rename_all = "camelCase")]
    Absent {
        /// The decision ID cited.
        decision_id: String,
    },
    /// Neither it nor any event it follows from cites or is a policy decision.
    #[serde(rename_all = "camelCase")]
    NotRecorded {
        /// What else authorised it, if anything.
        otherwise: Otherwise,
    },
}

/// What authorises a side effect that rests on no policy decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Otherwise {
    /// A granted approval (see the approval).
    Approval,
    /// A human's delegation it follows from.
    HumanDelegation,
    /// Nothing the bundle records.
    Nothing,
}

/// The human approval a side effect rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum ApprovalFacts {
    /// None needed: its resource matches no approval-required pattern, and it cites
    /// or follows from no approval.
    NotNeeded,
    /// Approved: before it (within the clock skew), or only after it.
    #[serde(rename_all = "camelCase")]
    Approved {
        /// The approval ID.
        approval_id: String,
        /// Who decided.
        approver: Party,
        /// When.
        decided_at: String,
        /// Bundle position of the decision.
        position: usize,
        /// Seconds after the side effect it was decided; `None` when it was in time.
        late_by_seconds: Option<i64>,
        /// Who asked for it, when a request is in the bundle.
        requested_by: Option<Party>,
        /// Whether the approver is also the side effect's executor.
        approver_executed: bool,
        /// Whether the approver is also the one who asked for it.
        approver_requested: bool,
    },
    /// Rejected, and approved nowhere.
    #[serde(rename_all = "camelCase")]
    Rejected {
        /// The approval ID.
        approval_id: String,
        /// Who rejected it.
        by: Party,
        /// When.
        decided_at: String,
        /// Bundle position of the rejection.
        position: usize,
    },
    /// Needed, but no decision on it is in the bundle.
    #[serde(rename_all = "camelCase")]
    Missing {
        /// Why one is needed.
        needed_because: String,
        /// The approval IDs it cites.
        approval_ids: Vec<String>,
    },
}

/// What changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Changed {
    /// The resource.
    pub resource: String,
    /// What was done.
    pub operation: String,
    /// Whether it happened.
    pub outcome: Outcome,
    /// The producer's summary.
    pub summary: Option<String>,
    /// Digest of the resource before.
    pub before_hash: Option<String>,
    /// Digest of the resource after.
    pub after_hash: Option<String>,
}

/// The account of one side effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Bundle position of the side effect.
    pub position: usize,
    /// Its event ID.
    pub event_id: String,
    /// When it happened, as written.
    pub time: String,
    /// Who intended it.
    pub intended: Intended,
    /// Who executed it, and through what.
    pub executed: Executed,
    /// Under which credential.
    pub credential: CredentialFacts,
    /// On which policy decision.
    pub authority: Authority,
    /// With which approval.
    pub approval: ApprovalFacts,
    /// What changed.
    pub change: Changed,
    /// Who vouches for the side effect's event: its emitter's signature, or a
    /// collector that was told of it.
    #[serde(default = "signed")]
    pub provenance: crate::event::Provenance,
}

fn signed() -> crate::event::Provenance {
    crate::event::Provenance::Signed
}
