//! The rules that read approval requests and decisions: `approval-missing`,
//! `approval-late`, and `no-separation` (one identity proposed, validated and
//! executed a side effect). [`approval`] is what a side effect's approval comes
//! to, as the account and `decision-missing` read it too.

use std::collections::BTreeSet;

use super::{finding, list, order, seconds, successful_effects, what};
use crate::event::{ApprovalOutcome, Kind};
use crate::findings::index::{glob, who, Index};
use crate::findings::{Finding, Policy, Rule};

// ---------------------------------------------------------------------------------
// approval-missing, approval-late

/// What a side effect's approval comes to.
pub(in crate::findings) enum Approval<'a> {
    /// Its resource needs no approval and it cites or follows from none.
    NotNeeded,
    /// Approved before it (within the clock skew): the decision's slot and the
    /// approval ID.
    Granted(usize, &'a str),
    /// Approved, but only after it: the decision's slot and the approval ID.
    Late(usize, &'a str),
    /// Rejected, and approved nowhere: the decision's slot and the approval ID.
    Rejected(usize, &'a str),
    /// Needed, but no decision on it is in the bundle: why it is needed, the
    /// approval IDs it cites, and the slots of the requests for them.
    Undecided(String, Vec<&'a str>, Vec<usize>),
}

/// The approval IDs a side effect rests on: the `approvalRef` of it and of its
/// ancestors, and the IDs of the approval requests and decisions among its
/// ancestors, nearest first.
pub(super) fn approval_ids<'a>(index: &Index<'a>, slot: usize) -> Vec<&'a str> {
    let mut ids: Vec<&'a str> = Vec::new();
    for s in index.lineage(slot) {
        let Some(e) = index.event(s) else {
            continue;
        };
        let own = match e.kind {
            Kind::ApprovalRequest | Kind::ApprovalDecision => {
                e.approval.as_ref().map(|a| a.approval_id.as_str())
            }
            _ => None,
        };
        for id in [e.approval_ref.as_deref(), own].into_iter().flatten() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

pub(in crate::findings) fn approval<'a>(
    index: &Index<'a>,
    policy: &Policy,
    slot: usize,
) -> Approval<'a> {
    let Some(e) = index.event(slot) else {
        return Approval::NotNeeded;
    };
    let resource = e.change.as_ref().map_or("", |c| c.resource.as_str());
    let pattern = policy.approval_required.iter().find(|p| glob(p, resource));
    let requested = index.ancestors(slot).into_iter().find(|&a| {
        index
            .event(a)
            .is_some_and(|a| a.kind == Kind::ApprovalRequest)
    });
    let ids = approval_ids(index, slot);
    let why = match (pattern, requested) {
        (Some(p), _) => format!("{resource} matches the approval-required pattern {p}"),
        (None, Some(r)) => format!(
            "it follows from an approval request at {}",
            index.time_text(r)
        ),
        (None, None) if !ids.is_empty() => format!("it cites approval {}", list(&owned(&ids))),
        (None, None) => return Approval::NotNeeded,
    };
    let decisions: Vec<(usize, &'a str)> = ids
        .iter()
        .flat_map(|id| index.approval_decisions(id).iter().map(move |&d| (d, *id)))
        .collect();
    let outcome = |d: usize| {
        index
            .event(d)
            .and_then(|e| e.approval.as_ref())
            .and_then(|a| a.decision)
    };
    let approved: Vec<(usize, &'a str)> = decisions
        .iter()
        .copied()
        .filter(|&(d, _)| outcome(d) == Some(ApprovalOutcome::Approved))
        .collect();
    let in_time = |d: usize| match (index.time(d), index.time(slot)) {
        (Some(td), Some(ts)) => td <= ts + index.skew(),
        _ => index.pos(d) < index.pos(slot),
    };
    if let Some(&(d, id)) = approved
        .iter()
        .filter(|&&(d, _)| in_time(d))
        .min_by(|a, b| order(index, a.0, b.0))
    {
        return Approval::Granted(d, id);
    }
    if let Some(&(d, id)) = approved.iter().min_by(|a, b| order(index, a.0, b.0)) {
        return Approval::Late(d, id);
    }
    if let Some(&(d, id)) = decisions
        .iter()
        .filter(|&&(d, _)| outcome(d) == Some(ApprovalOutcome::Rejected))
        .min_by(|a, b| order(index, a.0, b.0))
    {
        return Approval::Rejected(d, id);
    }
    let mut requests: Vec<usize> = ids
        .iter()
        .flat_map(|id| index.approval_requests(id).iter().copied())
        .chain(requested)
        .collect();
    requests.sort_by(|a, b| order(index, *a, *b));
    requests.dedup();
    Approval::Undecided(why, ids, requests)
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The decider of an approval decision.
fn decider(index: &Index<'_>, d: usize) -> String {
    index.event(d).map_or_else(String::new, |e| {
        who(e
            .approval
            .as_ref()
            .and_then(|a| a.decided_by.as_ref())
            .unwrap_or(&e.actor))
    })
}

/// A side effect that needs an approval (its resource matches
/// `policy.approval_required`, it follows from an approval request, or it cites an
/// approval) and rests on no approval granted in the bundle: none decided, or
/// rejected. Names the side effect, then the rejection or the requests.
pub(in crate::findings) fn approval_missing(index: &Index<'_>, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for (slot, e) in successful_effects(index) {
        let actor = who(&e.actor);
        let head = format!("{actor} {} at {}", what(e), crate::time::readable(&e.time));
        match approval(index, policy, slot) {
            Approval::Rejected(d, id) => out.push(finding(
                Rule::ApprovalMissing,
                vec![index.pos(slot), index.pos(d)],
                format!(
                    "{head}, although approval {id} was rejected by {} at {}.",
                    decider(index, d),
                    index.time_text(d)
                ),
            )),
            Approval::Undecided(why, ids, requests) => {
                let cited = if ids.is_empty() {
                    "it rests on no approval".to_owned()
                } else {
                    format!(
                        "approval {} has no decision in the bundle",
                        list(&owned(&ids))
                    )
                };
                let mut events = vec![index.pos(slot)];
                events.extend(requests.iter().map(|&r| index.pos(r)));
                out.push(finding(
                    Rule::ApprovalMissing,
                    events,
                    format!("{head}; {why}, but {cited}."),
                ));
            }
            Approval::NotNeeded | Approval::Granted(..) | Approval::Late(..) => {}
        }
    }
    out
}

/// A side effect whose approval was granted only after it (beyond the clock skew).
/// Names the side effect, then the approval decision.
pub(in crate::findings) fn approval_late(index: &Index<'_>, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for (slot, e) in successful_effects(index) {
        if let Approval::Late(d, id) = approval(index, policy, slot) {
            let gap = match (index.time(d), index.time(slot)) {
                (Some(td), Some(ts)) => format!(" ({} s after)", seconds(td - ts)),
                _ => String::new(),
            };
            out.push(finding(
                Rule::ApprovalLate,
                vec![index.pos(slot), index.pos(d)],
                format!(
                    "{} {} at {}; approval {id} was granted by {} only at {}{gap}.",
                    who(&e.actor),
                    what(e),
                    crate::time::readable(&e.time),
                    decider(index, d),
                    index.time_text(d)
                ),
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// no-separation

/// A side effect that happened, where one identity (actor ID) proposed, validated
/// and executed it and no other identity validated it:
/// - executed: the actor of the side effect, or of the nearest tool call or
///   outbound request among its ancestors;
/// - validated: the decider of an approval granted for it (see `approval-missing`
///   for which approvals it rests on), or the actor of a `model.output` or
///   `task.delegate` among its ancestors that cites a policy decision (a review
///   recorded against a policy and handed on);
/// - proposed: the actor of a `request` or `model.output` among its ancestors
///   (other than the validations), or of the request for an approval it rests on.
///
/// A side effect nobody validated is not this rule's (see `approval-missing`).
/// Names the side effect, then the proposal, the validation and the execution.
pub(in crate::findings) fn no_separation(index: &Index<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (slot, e) in successful_effects(index) {
        let ancestors = index.ancestors(slot);
        let event = |s: usize| index.event(s);
        // Executions: the nearest tool call or request, then the side effect.
        let mut executions: Vec<usize> = ancestors
            .iter()
            .copied()
            .find(|&a| {
                event(a).is_some_and(|a| matches!(a.kind, Kind::ToolCall | Kind::HttpRequest))
            })
            .into_iter()
            .collect();
        executions.push(slot);
        // Validations, each with its validator.
        let ids = approval_ids(index, slot);
        let mut validations: Vec<(usize, &str)> = Vec::new();
        for id in &ids {
            for &d in index.approval_decisions(id) {
                let Some(de) = event(d) else {
                    continue;
                };
                let Some(a) = de.approval.as_ref() else {
                    continue;
                };
                if a.decision == Some(ApprovalOutcome::Approved) {
                    let by = a.decided_by.as_ref().unwrap_or(&de.actor);
                    validations.push((d, by.id.as_str()));
                }
            }
        }
        for &a in &ancestors {
            if let Some(ae) = event(a) {
                if matches!(ae.kind, Kind::ModelOutput | Kind::TaskDelegate)
                    && ae.decision_ref.is_some()
                {
                    validations.push((a, ae.actor.id.as_str()));
                }
            }
        }
        let validators: BTreeSet<&str> = validations.iter().map(|(_, v)| *v).collect();
        let validators: Vec<&str> = validators.into_iter().collect();
        let [x] = validators.as_slice() else {
            continue;
        };
        // Proposals.
        let mut proposals: Vec<usize> = ancestors
            .iter()
            .copied()
            .filter(|&a| {
                event(a).is_some_and(|ae| matches!(ae.kind, Kind::Request | Kind::ModelOutput))
                    && !validations.iter().any(|(v, _)| *v == a)
            })
            .collect();
        for id in &ids {
            proposals.extend(index.approval_requests(id).iter().copied());
        }
        let x: &str = x;
        let by_x = |s: &usize| event(*s).is_some_and(|e| e.actor.id == x);
        let (Some(proposal), Some(execution)) = (
            proposals.iter().copied().find(by_x),
            executions.iter().copied().find(by_x),
        ) else {
            continue;
        };
        let Some(&(validation, _)) = validations.first() else {
            continue;
        };
        let mut events = vec![index.pos(slot)];
        for s in [proposal, validation, execution] {
            let p = index.pos(s);
            if !events.contains(&p) {
                events.push(p);
            }
        }
        let name = event(execution).map_or_else(|| x.to_owned(), |e| who(&e.actor));
        out.push(finding(
            Rule::NoSeparation,
            events,
            format!(
                "{name} proposed ({} at {}), validated ({} at {}) and executed {} at {}; no other identity validated it.",
                event(proposal).map_or("", |e| e.kind.as_str()),
                index.time_text(proposal),
                event(validation).map_or("", |e| e.kind.as_str()),
                index.time_text(validation),
                what(e),
                crate::time::readable(&e.time)
            ),
        ));
    }
    out
}
