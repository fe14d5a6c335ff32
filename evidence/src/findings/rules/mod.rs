//! The rules that read what the events say: who acted, for whom, under which
//! credential, decision and approval. One function per rule; `docs/findings.md`
//! states each exactly. The rules live by what they read:
//! - [`credentials`]: the tokens events carry, and the accounts carrying them:
//!   `shared-account`, `credential-before-issue`, `credential-expired`,
//!   `credential-revoked` and `credential-misused`;
//! - [`delegation`]: `task.delegate` events: `scope-widened`, and the chains of
//!   delegation `credential-misused` reads;
//! - [`approvals`]: approval requests and decisions: `approval-missing`,
//!   `approval-late` and `no-separation`;
//! - [`decisions`]: policy decisions: `decision-missing`, `decision-absent` and
//!   `decision-late`;
//! - [`chain`]: parents and timestamps: `no-executor` and `clock-inversion`.
//!
//! This file holds what several of them read: an action, a list and a gap in
//! words, the side effects that happened, and bundle order.

use super::index::Index;
use super::{Finding, Rule};
use crate::event::{Event, Kind, Outcome};

mod approvals;
mod chain;
mod credentials;
mod decisions;
mod delegation;
mod provenance;

pub(super) use approvals::{approval, approval_late, approval_missing, no_separation, Approval};
pub(super) use chain::{clock_inversion, no_executor};
pub(super) use credentials::{
    credential_before_issue, credential_expired, credential_misused, credential_revoked, limits,
    shared_account, Shared, Use,
};
pub(super) use decisions::{
    decision_absent, decision_late, decision_missing, otherwise_authorised, rests_on,
};
pub(super) use delegation::scope_widened;
pub(super) use provenance::across;

fn finding(rule: Rule, events: Vec<usize>, detail: String) -> Finding {
    Finding {
        rule,
        events,
        detail,
    }
}

/// What an action did, in a few words.
pub(super) fn what(e: &Event) -> String {
    match e.kind {
        Kind::SideEffect => match &e.change {
            Some(c) => format!("changed {} ({})", c.resource, c.operation),
            None => e.kind.as_str().to_owned(),
        },
        Kind::ToolCall => match &e.tool {
            Some(t) => format!("called {}", t.name),
            None => e.kind.as_str().to_owned(),
        },
        Kind::HttpRequest => match &e.request {
            Some(r) => format!("sent {} {}", r.method, r.url),
            None => e.kind.as_str().to_owned(),
        },
        _ => format!("recorded a {} event", e.kind.as_str()),
    }
}

/// A list of names, `a, b and c`.
pub(super) fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn seconds(d: chrono::Duration) -> i64 {
    d.num_seconds()
}

/// The side effects that happened (outcome `success`), by slot.
fn successful_effects<'a>(index: &'a Index<'_>) -> impl Iterator<Item = (usize, &'a Event)> + 'a {
    index
        .iter()
        .filter(|(_, _, e)| {
            e.kind == Kind::SideEffect
                && e.change
                    .as_ref()
                    .is_some_and(|c| c.outcome == Outcome::Success)
        })
        .map(|(slot, _, e)| (slot, e))
}

pub(super) fn order(index: &Index<'_>, a: usize, b: usize) -> std::cmp::Ordering {
    if index.earlier(a, b) {
        std::cmp::Ordering::Less
    } else if index.earlier(b, a) {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}
