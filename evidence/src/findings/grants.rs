//! Delegations and the scope each delegator held when it delegated: what the
//! `scope-widened` rule reads, and what a timeline shows on its delegation arrows.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::index::{glob, Index};
use crate::event::{Event, Kind};

/// One `task.delegate`: who granted what to whom, and how it compares with what
/// the grantor held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// Bundle position of the `task.delegate` event.
    pub position: usize,
    /// The delegator's actor ID (the event's actor).
    pub from: String,
    /// The delegate's actor ID.
    pub to: String,
    /// The scope granted, as written.
    pub scope: Vec<String>,
    /// What the delegator held then, sorted: the union of the scopes delegated to it
    /// earlier; when nothing was, the scope of the credential it acted under on the
    /// delegation (from the event or from the event that issued the token); `None`
    /// when the bundle does not show it.
    pub held: Option<Vec<String>>,
    /// Bundle positions of the events that show what it held: for each item, the
    /// earliest delegation to it that granted it; or the event carrying or issuing
    /// its credential.
    pub held_from: Vec<usize>,
    /// The items of `scope` the delegator did not hold (empty when `held` is unknown).
    /// An item is held when it is written the same, or when a held item with `*`
    /// matches it (`config:write:prod/*` holds `config:write:prod/payments`).
    pub widened: Vec<String>,
    /// Whether the grant passed on less than the delegator held (and nothing more).
    pub narrowed: bool,
}

/// Every delegation in `events` (each with its bundle position), in bundle order,
/// with what its delegator held and what it widened. "Earlier" is by event time,
/// then bundle position.
pub fn grants(events: &[(usize, Event)]) -> Vec<Grant> {
    grants_in(&Index::new(events, 0))
}

/// [`grants`] over an index already built.
pub(super) fn grants_in(index: &Index<'_>) -> Vec<Grant> {
    let delegations: Vec<(usize, &Event)> = index
        .iter()
        .filter(|(_, _, e)| e.kind == Kind::TaskDelegate && e.delegation.is_some())
        .map(|(slot, _, e)| (slot, e))
        .collect();
    let order = |a: &usize, b: &usize| {
        if index.earlier(*a, *b) {
            std::cmp::Ordering::Less
        } else if index.earlier(*b, *a) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    };
    // The delegations to each actor and by each actor, earliest first.
    let mut to_actor: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut by_actor: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &(slot, e) in &delegations {
        if let Some(d) = &e.delegation {
            to_actor.entry(d.to.id.as_str()).or_default().push(slot);
            by_actor.entry(e.actor.id.as_str()).or_default().push(slot);
        }
    }
    for slots in to_actor.values_mut().chain(by_actor.values_mut()) {
        slots.sort_by(order);
    }
    // What each delegator held just before each of its delegations: every item
    // delegated to it earlier, with the first delegation that granted it; `None`
    // when nothing was delegated to it earlier.
    let mut before: BTreeMap<usize, Option<BTreeMap<&str, usize>>> = BTreeMap::new();
    for (actor, grants) in &by_actor {
        let received = to_actor.get(actor).map_or(&[][..], Vec::as_slice);
        let mut taken = 0;
        let mut state: BTreeMap<&str, usize> = BTreeMap::new();
        for &g in grants {
            while let Some(&r) = received.get(taken).filter(|&&r| index.earlier(r, g)) {
                if let Some(rd) = index.event(r).and_then(|e| e.delegation.as_ref()) {
                    for item in &rd.scope {
                        state.entry(item.as_str()).or_insert(r);
                    }
                }
                taken += 1;
            }
            before.insert(g, (taken > 0).then(|| state.clone()));
        }
    }
    let mut out = Vec::with_capacity(delegations.len());
    for &(slot, e) in &delegations {
        let Some(d) = &e.delegation else {
            continue;
        };
        let from = e.actor.id.as_str();
        let mut held_from = Vec::new();
        let held = match before.get(&slot).cloned().flatten() {
            Some(state) => {
                held_from.extend(state.values().map(|&r| index.pos(r)));
                Some(state.into_keys().map(str::to_owned).collect::<Vec<_>>())
            }
            None => credential_scope(index, slot, &mut held_from),
        };
        let (widened, narrowed) = match &held {
            Some(own) => {
                let widened: Vec<String> = d
                    .scope
                    .iter()
                    .filter(|item| !holds(own, item))
                    .cloned()
                    .collect();
                let narrowed = widened.is_empty() && d.scope.len() < own.len();
                (widened, narrowed)
            }
            None => (Vec::new(), false),
        };
        held_from.sort_unstable();
        held_from.dedup();
        out.push(Grant {
            position: index.pos(slot),
            from: from.to_owned(),
            to: d.to.id.clone(),
            scope: d.scope.clone(),
            held,
            held_from,
            widened,
            narrowed,
        });
    }
    out
}

/// The scope of the credential the delegation event carries: its own, or that of
/// the event that issued the token. Records the event that shows it.
fn credential_scope(
    index: &Index<'_>,
    slot: usize,
    shown_by: &mut Vec<usize>,
) -> Option<Vec<String>> {
    let c = index.event(slot)?.credential.as_ref()?;
    let (scope, at) = match &c.scope {
        Some(scope) => (scope.clone(), slot),
        None => {
            let issued = index.issuing(&c.token_id)?;
            let scope = index.event(issued)?.credential.as_ref()?.scope.clone()?;
            (scope, issued)
        }
    };
    shown_by.push(index.pos(at));
    let set: BTreeSet<String> = scope.into_iter().collect();
    Some(set.into_iter().collect())
}

/// Whether a scope `own` holds `item`.
fn holds(own: &[String], item: &str) -> bool {
    own.iter()
        .any(|h| h == item || (h.contains('*') && glob(h, item)))
}
