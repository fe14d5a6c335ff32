//! The rules that read `task.delegate` events: `scope-widened`, and the chains of
//! delegation that `credential-misused` (in [`super::credentials`]) reads.

use std::collections::{BTreeMap, BTreeSet};

use super::{finding, list};
use crate::event::Kind;
use crate::findings::index::Index;
use crate::findings::{Finding, Rule};

/// Every delegation between two actors (`task.delegate`: the delegator's and the
/// delegate's actor IDs), each with the slot of its earliest event.
pub(super) fn delegation_edges<'a>(index: &Index<'a>) -> BTreeMap<&'a str, Vec<(&'a str, usize)>> {
    let mut first: BTreeMap<(&'a str, &'a str), usize> = BTreeMap::new();
    for (slot, _, e) in index.iter() {
        if e.kind != Kind::TaskDelegate {
            continue;
        }
        if let Some(d) = &e.delegation {
            let at = first
                .entry((e.actor.id.as_str(), d.to.id.as_str()))
                .or_insert(slot);
            if index.earlier(slot, *at) {
                *at = slot;
            }
        }
    }
    let mut out: BTreeMap<&'a str, Vec<(&'a str, usize)>> = BTreeMap::new();
    for ((from, to), slot) in first {
        out.entry(from).or_default().push((to, slot));
    }
    out
}

/// Whether a chain of the delegations in `edges`, each recorded no later than the
/// event in `at` (within the clock skew), leads from one of the actor IDs `from` to
/// the actor `to`.
pub(super) fn delegated(
    index: &Index<'_>,
    edges: &BTreeMap<&str, Vec<(&str, usize)>>,
    from: &BTreeSet<&str>,
    to: &str,
    at: usize,
) -> bool {
    let limit = index.time(at).map(|t| t + index.skew());
    let in_time = |slot: usize| match (index.time(slot), limit) {
        (Some(t), Some(limit)) => t <= limit,
        _ => index.pos(slot) <= index.pos(at),
    };
    let mut seen: BTreeSet<&str> = from.clone();
    let mut queue: Vec<&str> = seen.iter().copied().collect();
    while let Some(node) = queue.pop() {
        if node == to {
            return true;
        }
        for &(next, slot) in edges.get(node).map_or(&[][..], Vec::as_slice) {
            if in_time(slot) && seen.insert(next) {
                queue.push(next);
            }
        }
    }
    false
}

// ---------------------------------------------------------------------------------
// scope-widened

/// A delegation that grants an item of scope its delegator did not hold (see
/// [`grants`](mod@crate::findings::grants)). Names the delegation, then the events
/// that show what the delegator held.
pub(in crate::findings) fn scope_widened(index: &Index<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for g in crate::findings::grants::grants_in(index) {
        if g.widened.is_empty() {
            continue;
        }
        let held = g.held.clone().unwrap_or_default();
        let time = index
            .slot_at(g.position)
            .map_or(String::new(), |s| index.time_text(s));
        let mut events = vec![g.position];
        events.extend(g.held_from.iter().copied().filter(|&p| p != g.position));
        out.push(finding(
            Rule::ScopeWidened,
            events,
            format!(
                "{} delegated {} to {} at {time}, which it did not hold: it held only {}.",
                g.from,
                list(&g.widened),
                g.to,
                if held.is_empty() {
                    "nothing".to_owned()
                } else {
                    list(&held)
                }
            ),
        ));
    }
    out
}
