//! Delegations and the scope each delegator held when it delegated: what the
//! `scope-widened` rule reads, and what a timeline shows on its delegation arrows.

use std::collections::BTreeSet;

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
    /// Bundle positions of the events that show what it held: the earlier
    /// delegations to it, or the event carrying or issuing its credential.
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
    let mut out = Vec::with_capacity(delegations.len());
    for &(slot, e) in &delegations {
        let Some(d) = &e.delegation else {
            continue;
        };
        let from = e.actor.id.as_str();
        let mut held: BTreeSet<&str> = BTreeSet::new();
        let mut held_from = Vec::new();
        for &(other, o) in &delegations {
            let Some(od) = &o.delegation else {
                continue;
            };
            if od.to.id == from && index.earlier(other, slot) {
                held.extend(od.scope.iter().map(String::as_str));
                held_from.push(index.pos(other));
            }
        }
        let held = if held_from.is_empty() {
            credential_scope(index, slot, &mut held_from)
        } else {
            Some(held.into_iter().map(str::to_owned).collect::<Vec<_>>())
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
