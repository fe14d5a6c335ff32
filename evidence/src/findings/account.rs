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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::index::{names, Index};
use super::rules::{self, Approval, Shared};
use super::Policy;
use crate::event::{Actor, ActorType, Event, Kind, Outcome, Verdict};

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
}

/// Per token, the credential of every event carrying it, in bundle order.
type Carriers<'a> = BTreeMap<&'a str, Vec<&'a crate::event::Credential>>;

/// The account of every side effect in a verified bundle: `events` are the events
/// whose signatures held, each with its bundle position (as for
/// [`super::analyse`]). In bundle order.
pub fn accounts(events: &[(usize, Event)], policy: &Policy) -> Vec<Account> {
    let index = Index::new(events, policy.clock_skew_seconds);
    let mut shared = Shared::new(&index);
    // Every event carrying each token, in bundle order: read once for the bundle.
    let mut carriers: Carriers<'_> = BTreeMap::new();
    for (_, _, e) in index.iter() {
        if let Some(c) = e.credential.as_deref() {
            carriers.entry(c.token_id.as_str()).or_default().push(c);
        }
    }
    index
        .iter()
        .filter(|(_, _, e)| e.kind == Kind::SideEffect)
        .filter_map(|(slot, pos, e)| {
            let change = e.change.as_deref()?;
            Some(Account {
                position: pos,
                event_id: e.id.clone(),
                time: e.time.clone(),
                intended: intended(&index, policy, &mut shared, slot),
                executed: executed(&index, slot, e),
                credential: credential(&index, &carriers, slot, e),
                authority: authority(&index, policy, slot),
                approval: approval(&index, policy, slot, e),
                change: Changed {
                    resource: change.resource.clone(),
                    operation: change.operation.clone(),
                    outcome: change.outcome,
                    summary: change.summary.clone(),
                    before_hash: change.before_hash.clone(),
                    after_hash: change.after_hash.clone(),
                },
            })
        })
        .collect()
}

/// Who intended the action in `slot`: walking from it through the events it follows
/// from, nearest first, the first `initiator`, else the origin of the first
/// `onBehalfOf`, else the human actor of the first `request`.
pub(super) fn intent(index: &Index<'_>, slot: usize) -> Intended {
    let lineage = index.lineage(slot);
    for &s in &lineage {
        let Some(e) = index.event(s) else {
            continue;
        };
        let found = if let Some(i) = e.initiator.as_deref() {
            Some((i, IntentSource::Initiator))
        } else if let Some(origin) = e.on_behalf_of.last() {
            Some((origin, IntentSource::OnBehalfOf))
        } else if e.kind == Kind::Request && e.actor.kind == ActorType::Human {
            Some((&e.actor, IntentSource::Request))
        } else {
            None
        };
        let Some((by, source)) = found else {
            continue;
        };
        let mut hops = vec![Party::of(by)];
        let mut push = |a: &Actor| {
            if !hops.iter().any(|h| h.id == a.id) {
                hops.push(Party::of(a));
            }
        };
        for a in e.on_behalf_of.iter().rev() {
            push(a);
        }
        for &d in lineage.iter().rev() {
            if let Some(delegation) = index
                .event(d)
                .filter(|d| d.kind == Kind::TaskDelegate)
                .and_then(|d| d.delegation.as_deref())
            {
                push(&delegation.to);
            }
        }
        if let Some(own) = index.event(slot) {
            push(&own.actor);
        }
        return Intended::Recorded {
            by: Party::of(by),
            source,
            position: index.pos(s),
            hops,
        };
    }
    Intended::NotRecorded {
        why: NoIntent::NoInitiator,
    }
}

fn intended(
    index: &Index<'_>,
    policy: &Policy,
    shared: &mut Shared<'_, '_>,
    slot: usize,
) -> Intended {
    let found = intent(index, slot);
    if found.is_recorded() {
        return found;
    }
    let why = match shared.of(policy, slot) {
        Some(used) => NoIntent::SharedAccount {
            listed: used.listed,
            tokens: used.tokens,
            others: used
                .others
                .iter()
                .filter_map(|&o| index.event(o).map(|e| (Party::of(&e.actor), index.pos(o))))
                .collect(),
        },
        None => NoIntent::NoInitiator,
    };
    Intended::NotRecorded { why }
}

fn executed(index: &Index<'_>, slot: usize, e: &Event) -> Executed {
    let mut path: Vec<Step> = index
        .ancestors(slot)
        .into_iter()
        .filter_map(|a| {
            let ae = index.event(a)?;
            let target = match ae.kind {
                Kind::TaskDelegate => ae.delegation.as_ref().map(|d| Party::of(&d.to).label()),
                Kind::ToolCall => ae.tool.as_ref().map(|t| t.name.clone()),
                Kind::HttpRequest => ae
                    .request
                    .as_ref()
                    .map(|r| format!("{} {}", r.method, r.url)),
                _ => None,
            }?;
            Some(Step {
                position: index.pos(a),
                kind: ae.kind,
                actor: Party::of(&ae.actor),
                target,
            })
        })
        .collect();
    path.reverse();
    Executed {
        by: Party::of(&e.actor),
        path,
    }
}

fn credential(
    index: &Index<'_>,
    carriers: &Carriers<'_>,
    slot: usize,
    e: &Event,
) -> CredentialFacts {
    let Some(c) = e.credential.as_deref() else {
        return CredentialFacts::NotRecorded;
    };
    let token = c.token_id.as_str();
    // Other sources of what the token is, in the order the rules read them: the
    // event that issued it, then the side effect, then the earliest other carrier.
    let issuing = index
        .issuing(token)
        .and_then(|i| index.event(i))
        .and_then(|i| i.credential.as_deref());
    let carriers = carriers.get(token).map_or(&[][..], Vec::as_slice);
    let pick = |f: fn(&crate::event::Credential) -> Option<&String>| {
        issuing
            .and_then(f)
            .or_else(|| f(c))
            .or_else(|| carriers.iter().find_map(|oc| f(oc)))
            .cloned()
    };
    let scope = issuing
        .and_then(|i| i.scope.clone())
        .or_else(|| c.scope.clone())
        .or_else(|| carriers.iter().find_map(|oc| oc.scope.clone()));
    let mut states = Vec::new();
    // A side effect uses the token it carries, as the credential rules read it.
    let used = rules::Use {
        slot,
        token,
        own: true,
    };
    let limits = rules::limits(index, &used);
    let issued_at = limits.issued.as_ref().map(|(_, text, _)| text.clone());
    let expires_at = limits.expires.as_ref().map(|(_, text, _)| text.clone());
    if let Some(r) = limits.revoked {
        if let Some(re) = index.event(r) {
            states.push(CredentialState::Revoked {
                revoked_at: re.time.clone(),
                by: Party::of(&re.actor),
                position: index.pos(r),
            });
        }
    }
    if let (true, Some(at)) = (limits.before_issue, &issued_at) {
        states.push(CredentialState::NotYetIssued {
            issued_at: at.clone(),
        });
    }
    if let (true, Some(at)) = (limits.expired, &expires_at) {
        states.push(CredentialState::Expired {
            expired_at: at.clone(),
        });
    }
    if states.is_empty() {
        states.push(if issued_at.is_none() && expires_at.is_none() {
            CredentialState::ValidityNotStated
        } else {
            CredentialState::Valid
        });
    }
    CredentialFacts::Presented {
        token_id: token.to_owned(),
        issuer: pick(|c| c.issuer.as_ref()),
        subject: pick(|c| c.subject.as_ref()),
        scope,
        issued_at,
        expires_at,
        states,
    }
}

fn authority(index: &Index<'_>, policy: &Policy, slot: usize) -> Authority {
    match rules::rests_on(index, slot) {
        (Some(d), _) => {
            let Some((de, decision)) = index
                .event(d)
                .and_then(|de| de.decision.as_deref().map(|x| (de, x)))
            else {
                return Authority::NotRecorded {
                    otherwise: Otherwise::Nothing,
                };
            };
            let denied_before = index
                .lineage(slot)
                .into_iter()
                .filter(|&s| s != d)
                .find(|&s| {
                    index.event(s).is_some_and(|e| {
                        let own = e.decision.as_deref().map(|x| x.decision);
                        let cited = e
                            .decision_ref
                            .as_deref()
                            .and_then(|r| index.decisions(r).first())
                            .filter(|&&c| c != d)
                            .and_then(|&c| index.event(c))
                            .and_then(|c| c.decision.as_deref())
                            .map(|x| x.decision);
                        own == Some(Verdict::Deny) || cited == Some(Verdict::Deny)
                    })
                })
                .map(|s| index.pos(s));
            Authority::Decision {
                position: index.pos(d),
                engine: decision.engine.clone(),
                policy_id: decision.policy_id.clone(),
                policy_version: decision.policy_version.clone(),
                decision: decision.decision,
                decision_id: decision.decision_id.clone(),
                time: de.time.clone(),
                denied_before,
            }
        }
        (None, true) => {
            let cited = index
                .lineage(slot)
                .into_iter()
                .find_map(|s| index.event(s).and_then(|e| e.decision_ref.clone()))
                .unwrap_or_default();
            Authority::Absent { decision_id: cited }
        }
        (None, false) => {
            let otherwise = if matches!(
                rules::approval(index, policy, slot),
                Approval::Granted(..) | Approval::Late(..)
            ) {
                Otherwise::Approval
            } else if rules::otherwise_authorised(index, policy, slot) {
                Otherwise::HumanDelegation
            } else {
                Otherwise::Nothing
            };
            Authority::NotRecorded { otherwise }
        }
    }
}

fn decider(e: &Event) -> Party {
    Party::of(
        e.approval
            .as_ref()
            .and_then(|a| a.decided_by.as_ref())
            .unwrap_or(&e.actor),
    )
}

fn approval(index: &Index<'_>, policy: &Policy, slot: usize, e: &Event) -> ApprovalFacts {
    let approved = |d: usize, id: &str, late: bool| {
        let Some(de) = index.event(d) else {
            return ApprovalFacts::NotNeeded;
        };
        let approver = decider(de);
        let requested_by = index
            .approval_requests(id)
            .first()
            .and_then(|&r| index.event(r))
            .map(|r| Party::of(&r.actor));
        let late_by_seconds = if late {
            match (index.time(d), index.time(slot)) {
                (Some(td), Some(ts)) => Some((td - ts).num_seconds()),
                _ => None,
            }
        } else {
            None
        };
        let approver_executed = names(&e.actor, &approver.id);
        let approver_requested = requested_by.as_ref().is_some_and(|r| r.id == approver.id);
        ApprovalFacts::Approved {
            approval_id: id.to_owned(),
            approver,
            decided_at: de.time.clone(),
            position: index.pos(d),
            late_by_seconds,
            requested_by,
            approver_executed,
            approver_requested,
        }
    };
    match rules::approval(index, policy, slot) {
        Approval::NotNeeded => ApprovalFacts::NotNeeded,
        Approval::Granted(d, id) => approved(d, id, false),
        Approval::Late(d, id) => approved(d, id, true),
        Approval::Rejected(d, id) => match index.event(d) {
            Some(de) => ApprovalFacts::Rejected {
                approval_id: id.to_owned(),
                by: decider(de),
                decided_at: de.time.clone(),
                position: index.pos(d),
            },
            None => ApprovalFacts::NotNeeded,
        },
        Approval::Undecided(why, ids, _) => ApprovalFacts::Missing {
            needed_because: why,
            approval_ids: ids.iter().map(|i| (*i).to_owned()).collect(),
        },
    }
}

/// The six answers of an account as a reviewer reads them: the same sentences on
/// every screen and in every export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sentences {
    /// Who intended it.
    pub intended: String,
    /// Who executed it, and through what.
    pub executed: String,
    /// Under which credential, and its state then.
    pub credential: String,
    /// On which policy decision.
    pub authority: String,
    /// With which approval.
    pub approval: String,
    /// What changed.
    pub change: String,
}

impl Sentences {
    /// The answers with their headings, in order.
    pub fn fields(&self) -> [(&'static str, &str); 6] {
        [
            ("Intended by", &self.intended),
            ("Executed by", &self.executed),
            ("Credential", &self.credential),
            ("Authority", &self.authority),
            ("Approval", &self.approval),
            ("What changed", &self.change),
        ]
    }
}

/// `#n`: how an account names an event (its bundle position).
fn at(position: usize) -> String {
    format!("#{position}")
}

/// Seconds as people read them: `943 s (15 min 43 s)`.
fn duration(seconds: i64) -> String {
    let (m, s) = (seconds / 60, seconds % 60);
    match (seconds.abs() >= 60, m >= 60) {
        (false, _) => format!("{seconds} s"),
        (true, false) => format!("{seconds} s ({m} min {s} s)"),
        (true, true) => format!("{seconds} s ({} h {} min {s} s)", m / 60, m % 60),
    }
}

fn times(text: &str) -> String {
    crate::time::readable(text)
}

impl Account {
    /// The account in words.
    pub fn sentences(&self) -> Sentences {
        Sentences {
            intended: self.intended_text(),
            executed: self.executed_text(),
            credential: self.credential_text(),
            authority: self.authority_text(),
            approval: self.approval_text(),
            change: self.change_text(),
        }
    }

    fn intended_text(&self) -> String {
        match &self.intended {
            Intended::Recorded {
                by,
                source,
                position,
                hops,
            } => {
                let source = match source {
                    IntentSource::Initiator => "initiator",
                    IntentSource::OnBehalfOf => "onBehalfOf",
                    IntentSource::Request => "request",
                };
                let via = if hops.len() > 1 {
                    let chain: Vec<String> = hops.iter().map(Party::label).collect();
                    format!("; {}", chain.join(" → "))
                } else {
                    String::new()
                };
                format!("{} ({source} on {}){via}", by.label_with_kind(), at(*position))
            }
            Intended::NotRecorded { why } => match why {
                NoIntent::NoInitiator => "not recorded: neither the side effect nor any event it follows from names an initiator, onBehalfOf or a human's request".to_owned(),
                NoIntent::SharedAccount { listed, tokens, others } => {
                    let account = if *listed { "an account the policy lists as shared" } else { "a service account" };
                    let mut text = format!("not recorded: it was made through {account} with no initiator and no onBehalfOf on it or on any event it follows from");
                    if !others.is_empty() {
                        let names: Vec<String> = others.iter().map(|(p, pos)| format!("{} ({})", p.label(), at(*pos))).collect();
                        text.push_str(&format!(
                            "; before it, {} other identit{} read or used its credential {}: {}",
                            others.len(),
                            if others.len() == 1 { "y" } else { "ies" },
                            rules::list(tokens),
                            rules::list(&names)
                        ));
                    }
                    text
                }
            },
        }
    }

    fn executed_text(&self) -> String {
        let mut text = self.executed.by.label_with_kind();
        if !self.executed.path.is_empty() {
            let steps: Vec<String> = self
                .executed
                .path
                .iter()
                .map(|s| {
                    let what = match s.kind {
                        Kind::TaskDelegate => format!("delegated to {}", s.target),
                        Kind::ToolCall => format!("called {}", s.target),
                        _ => format!("sent {}", s.target),
                    };
                    format!("{} {what} ({})", s.actor.label(), at(s.position))
                })
                .collect();
            text.push_str(&format!(", after: {}", steps.join("; ")));
        }
        text
    }

    fn credential_text(&self) -> String {
        match &self.credential {
            CredentialFacts::NotRecorded => {
                "not recorded: the side effect names no credential".to_owned()
            }
            CredentialFacts::Presented {
                token_id,
                issuer,
                subject,
                scope,
                issued_at,
                expires_at,
                states,
            } => {
                let or_not =
                    |v: &Option<String>| v.clone().unwrap_or_else(|| "not recorded".into());
                let scope = scope.as_ref().map_or_else(
                    || "not recorded".to_owned(),
                    |s| format!("[{}]", s.join(", ")),
                );
                let window = match (issued_at, expires_at) {
                    (None, None) => "no event states when it was issued or expires".to_owned(),
                    (i, x) => format!(
                        "issued {}, expires {}",
                        i.as_deref().map_or_else(|| "not recorded".into(), times),
                        x.as_deref().map_or_else(|| "not recorded".into(), times)
                    ),
                };
                let state: Vec<String> = states
                    .iter()
                    .map(|s| match s {
                        CredentialState::Valid => format!("valid at the time ({window})"),
                        CredentialState::ValidityNotStated => format!(
                            "validity not recorded ({window}; no revocation of it in the bundle)"
                        ),
                        CredentialState::NotYetIssued { issued_at } => {
                            format!("NOT YET ISSUED: issued only at {}", times(issued_at))
                        }
                        CredentialState::Expired { expired_at } => {
                            format!("EXPIRED at {}", times(expired_at))
                        }
                        CredentialState::Revoked {
                            revoked_at,
                            by,
                            position,
                        } => format!(
                            "REVOKED at {} by {} ({})",
                            times(revoked_at),
                            by.label(),
                            at(*position)
                        ),
                    })
                    .collect();
                let problems = !matches!(
                    states.as_slice(),
                    [CredentialState::Valid | CredentialState::ValidityNotStated]
                );
                let mut text = format!(
                    "{token_id}: issuer {}; subject {}; scope {scope}; {}",
                    or_not(issuer),
                    or_not(subject),
                    state.join("; ")
                );
                if problems {
                    text.push_str(&format!(" ({window})"));
                }
                text
            }
        }
    }

    fn authority_text(&self) -> String {
        match &self.authority {
            Authority::Decision {
                position,
                engine,
                policy_id,
                policy_version,
                decision,
                decision_id,
                time,
                denied_before,
            } => {
                let mut text = format!(
                    "{} by {engine} policy {policy_id} version {policy_version} (decision {decision_id}, {}, {})",
                    decision.as_str(),
                    times(time),
                    at(*position)
                );
                if let Some(d) = denied_before {
                    text.push_str(&format!("; a deny preceded it ({})", at(*d)));
                }
                text
            }
            Authority::Absent { decision_id } => format!(
                "not recorded: it cites policy decision {decision_id}, which is not in the bundle"
            ),
            Authority::NotRecorded { otherwise } => {
                let tail = match otherwise {
                    Otherwise::Approval => "; it rests on an approval instead",
                    Otherwise::HumanDelegation => "; it follows from a human's delegation instead",
                    Otherwise::Nothing => "",
                };
                format!("no policy decision recorded: neither it nor any event it follows from cites one{tail}")
            }
        }
    }

    fn approval_text(&self) -> String {
        match &self.approval {
            ApprovalFacts::NotNeeded => "none needed: the resource matches no approval-required pattern and it cites no approval".to_owned(),
            ApprovalFacts::Approved {
                approval_id,
                approver,
                decided_at,
                position,
                late_by_seconds,
                requested_by,
                approver_executed,
                approver_requested,
            } => {
                let when = match late_by_seconds {
                    None => "before the side effect".to_owned(),
                    Some(s) => format!("LATE: {} after the side effect", duration(*s)),
                };
                let asked = requested_by
                    .as_ref()
                    .map_or_else(String::new, |r| format!("; requested by {}", r.label()));
                let duties = match (approver_requested, approver_executed) {
                    (true, true) => "; the approver also asked for it and executed it",
                    (true, false) => "; the approver also asked for it",
                    (false, true) => "; the approver also executed it",
                    (false, false) => "",
                };
                format!(
                    "{approval_id} approved by {} at {} ({}), {when}{asked}{duties}",
                    approver.label(),
                    times(decided_at),
                    at(*position)
                )
            }
            ApprovalFacts::Rejected {
                approval_id,
                by,
                decided_at,
                position,
            } => format!(
                "{approval_id} REJECTED by {} at {} ({}), and approved nowhere",
                by.label(),
                times(decided_at),
                at(*position)
            ),
            ApprovalFacts::Missing {
                needed_because,
                approval_ids,
            } => {
                let cited = if approval_ids.is_empty() {
                    "it rests on no approval".to_owned()
                } else {
                    format!("no decision on {} is in the bundle", approval_ids.join(", "))
                };
                format!("MISSING: needed because {needed_because}, but {cited}")
            }
        }
    }

    fn change_text(&self) -> String {
        let c = &self.change;
        let outcome = match c.outcome {
            Outcome::Success => "success",
            Outcome::Failure => "FAILED",
        };
        let mut text = format!("{} {} ({outcome})", c.operation, c.resource);
        if let Some(s) = &c.summary {
            text.push_str(&format!(": {s}"));
        }
        text.push_str(&format!(
            "; before {}; after {}",
            c.before_hash.as_deref().unwrap_or("not recorded"),
            c.after_hash.as_deref().unwrap_or("not recorded")
        ));
        text
    }
}
