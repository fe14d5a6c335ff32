//! How an [`Account`] is read from the events: who intended a side effect, who
//! executed it and through what, its credential and that credential's state, the
//! authority and the approval it rests on. The credential, approval and decision
//! facts come from the same helpers as the rules (`credential-*`, `approval-*`,
//! `decision-*`), and `shared-account` reads [`intent`].

use std::collections::BTreeMap;

use super::{
    Account, ApprovalFacts, Authority, Changed, CredentialFacts, CredentialState, Executed,
    Intended, IntentSource, NoIntent, Otherwise, Party, Step,
};
use crate::event::{Actor, ActorType, Event, Kind, Verdict};
use crate::findings::index::{names, Index};
use crate::findings::rules::{self, Approval, Shared};
use crate::findings::Policy;

/// Per token, the credential of every event carrying it, in bundle order.
type Carriers<'a> = BTreeMap<&'a str, Vec<&'a crate::event::Credential>>;

/// The account of every side effect in a verified bundle: `events` are the events
/// whose signatures held, each with its bundle position (as for
/// [`crate::findings::analyse`]). In bundle order.
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
                provenance: e.provenance(),
            })
        })
        .collect()
}

/// Who intended the action in `slot`: walking from it through the events it follows
/// from, nearest first, the first `initiator`, else the origin of the first
/// `onBehalfOf`, else the human actor of the first `request`.
pub(in crate::findings) fn intent(index: &Index<'_>, slot: usize) -> Intended {
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
