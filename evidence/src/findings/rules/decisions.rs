//! The rules that read policy decisions: `decision-missing`, `decision-absent` and
//! `decision-late`. [`rests_on`] and [`otherwise_authorised`] say what authority a
//! side effect rests on, as the account reads it too.

use std::collections::BTreeMap;

use super::approvals::{approval, Approval};
use super::{finding, seconds, successful_effects, what};
use crate::event::{ActorType, Kind, Verdict};
use crate::findings::index::{who, Index};
use crate::findings::{Finding, Policy, Rule};

// ---------------------------------------------------------------------------------
// decision-missing, decision-absent, decision-late

/// The policy decision a side effect rests on: walking from it through its
/// ancestors, the first `decisionRef` that names a decision in the bundle, or the
/// first `policy.decision` event itself. Also says whether any reference (resolved
/// or not) or decision event was seen.
pub(in crate::findings) fn rests_on(index: &Index<'_>, slot: usize) -> (Option<usize>, bool) {
    let mut cited = false;
    for s in index.lineage(slot) {
        let Some(e) = index.event(s) else {
            continue;
        };
        if let Some(r) = e.decision_ref.as_deref() {
            cited = true;
            if let Some(&d) = index.decisions(r).first() {
                return (Some(d), true);
            }
        }
        if e.kind == Kind::PolicyDecision && e.decision.is_some() {
            return (Some(s), true);
        }
    }
    (None, cited)
}

/// Whether a side effect rests on an authority other than a policy decision: an
/// approval granted (in time or not: lateness is `approval-late`'s), or a task a
/// human delegated, among its ancestors.
pub(in crate::findings) fn otherwise_authorised(
    index: &Index<'_>,
    policy: &Policy,
    slot: usize,
) -> bool {
    if matches!(
        approval(index, policy, slot),
        Approval::Granted(..) | Approval::Late(..)
    ) {
        return true;
    }
    index.ancestors(slot).into_iter().any(|a| {
        index
            .event(a)
            .is_some_and(|e| e.kind == Kind::TaskDelegate && e.actor.kind == ActorType::Human)
    })
}

/// A side effect that happened resting on no policy decision: neither it nor any
/// ancestor cites one or is one, and no granted approval or human delegation
/// authorises it otherwise. Also a side effect that happened although the decision
/// it rests on denied it. Names the side effect (and the denying decision).
pub(in crate::findings) fn decision_missing(index: &Index<'_>, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for (slot, e) in successful_effects(index) {
        let head = format!(
            "{} {} at {}",
            who(&e.actor),
            what(e),
            crate::time::readable(&e.time)
        );
        match rests_on(index, slot) {
            (Some(d), _) => {
                let denied = index
                    .event(d)
                    .and_then(|d| d.decision.as_ref())
                    .filter(|d| d.decision == Verdict::Deny);
                if let Some(decision) = denied {
                    out.push(finding(
                        Rule::DecisionMissing,
                        vec![index.pos(slot), index.pos(d)],
                        format!(
                            "{head}, although the policy decision it rests on, {} ({} {}), denied it at {}.",
                            decision.decision_id,
                            decision.policy_id,
                            decision.policy_version,
                            index.time_text(d)
                        ),
                    ));
                }
            }
            (None, true) => {} // cited but absent: decision-absent
            (None, false) => {
                if !otherwise_authorised(index, policy, slot) {
                    out.push(finding(
                        Rule::DecisionMissing,
                        vec![index.pos(slot)],
                        format!(
                            "{head}; neither it nor any event it follows from cites a policy decision, a granted approval or a human's delegation."
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// A `decisionRef` naming no `policy.decision` in the bundle. One finding per
/// decision ID, naming every event that cites it.
pub(in crate::findings) fn decision_absent(index: &Index<'_>) -> Vec<Finding> {
    let mut by_ref: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (slot, _, e) in index.iter() {
        if let Some(r) = e.decision_ref.as_deref() {
            if index.decisions(r).is_empty() {
                by_ref.entry(r).or_default().push(slot);
            }
        }
    }
    let mut out = Vec::new();
    for (r, slots) in by_ref {
        let Some(e) = slots.first().and_then(|&s| index.event(s)) else {
            continue;
        };
        let more = match slots.len() {
            1 => String::new(),
            n => format!(" and {} other events", n - 1),
        };
        out.push(finding(
            Rule::DecisionAbsent,
            slots.iter().map(|&s| index.pos(s)).collect(),
            format!(
                "Policy decision {r}, cited by {}'s {} at {}{more}, is not in the bundle.",
                who(&e.actor),
                e.kind.as_str(),
                crate::time::readable(&e.time)
            ),
        ));
    }
    out
}

/// An event whose `decisionRef` names a decision made only after it (beyond the
/// clock skew). One finding per decision ID: the citing events, then the decision.
pub(in crate::findings) fn decision_late(index: &Index<'_>) -> Vec<Finding> {
    let mut by_ref: BTreeMap<&str, (Vec<usize>, usize)> = BTreeMap::new();
    for (slot, _, e) in index.iter() {
        let Some(r) = e.decision_ref.as_deref() else {
            continue;
        };
        let decisions = index.decisions(r);
        let Some(t) = index.time(slot) else {
            continue;
        };
        let late = !decisions.is_empty()
            && decisions
                .iter()
                .all(|&d| index.time(d).is_some_and(|td| td > t + index.skew()));
        if let (true, Some(&d)) = (late, decisions.first()) {
            by_ref
                .entry(r)
                .or_insert_with(|| (Vec::new(), d))
                .0
                .push(slot);
        }
    }
    let mut out = Vec::new();
    for (r, (slots, d)) in by_ref {
        let Some(&first) = slots.first() else {
            continue;
        };
        let Some(e) = index.event(first) else {
            continue;
        };
        let gap = match (index.time(d), index.time(first)) {
            (Some(td), Some(t)) => format!(" ({} s later)", seconds(td - t)),
            _ => String::new(),
        };
        let mut events: Vec<usize> = slots.iter().map(|&s| index.pos(s)).collect();
        events.push(index.pos(d));
        out.push(finding(
            Rule::DecisionLate,
            events,
            format!(
                "{}'s {} at {} rests on policy decision {r}, which was made only at {}{gap}.",
                who(&e.actor),
                e.kind.as_str(),
                crate::time::readable(&e.time),
                index.time_text(d)
            ),
        ));
    }
    out
}
