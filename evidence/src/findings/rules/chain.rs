//! The rules that read the chain of events: parents and timestamps. `no-executor`
//! (a side effect straight from a model's output) and `clock-inversion` (an event
//! timestamped before its parent or its emitter's previous event).

use std::collections::BTreeMap;

use super::{finding, list, what};
use crate::event::Kind;
use crate::findings::index::{who, Index};
use crate::findings::{Finding, Rule};

// ---------------------------------------------------------------------------------
// no-executor

/// A side effect whose parent is a `model.output` (no tool call or request between)
/// and that carries no credential. Names the side effect, then the model output.
pub(in crate::findings) fn no_executor(index: &Index<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (slot, pos, e) in index.iter() {
        if e.kind != Kind::SideEffect || e.credential.is_some() {
            continue;
        }
        let Some(p) = index.parent(slot) else {
            continue;
        };
        let Some(parent) = index.event(p).filter(|p| p.kind == Kind::ModelOutput) else {
            continue;
        };
        out.push(finding(
            Rule::NoExecutor,
            vec![pos, index.pos(p)],
            format!(
                "{} at {} follows directly from {}'s model output at {}, with no tool call or request between and no credential: the model's output was taken as the action.",
                what(e),
                crate::time::readable(&e.time),
                who(&parent.actor),
                crate::time::readable(&parent.time)
            ),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------
// clock-inversion

/// An event timestamped more than the clock skew before its parent, or before its
/// emitter's previous event (by `seq`). One finding per such event: the event, then
/// the event(s) it should not precede.
pub(in crate::findings) fn clock_inversion(index: &Index<'_>) -> Vec<Finding> {
    // slot → (earlier-ordered witnesses, reasons)
    let mut found: BTreeMap<usize, (Vec<usize>, Vec<String>)> = BTreeMap::new();
    let before = |a: usize, b: usize| match (index.time(a), index.time(b)) {
        (Some(ta), Some(tb)) => ta + index.skew() < tb,
        _ => false,
    };
    for (slot, _, _) in index.iter() {
        if let Some(p) = index.parent(slot).filter(|&p| before(slot, p)) {
            let entry = found.entry(slot).or_default();
            entry.0.push(p);
            entry.1.push(format!(
                "its parent {} at {}",
                index.event(p).map_or("", |e| e.kind.as_str()),
                index.time_text(p)
            ));
        }
    }
    let mut by_emitter: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (slot, _, e) in index.iter() {
        by_emitter.entry(e.emitter.as_str()).or_default().push(slot);
    }
    for slots in by_emitter.values_mut() {
        slots.sort_by_key(|&s| (index.event(s).map_or(0, |e| e.seq), index.pos(s)));
        for pair in slots.windows(2) {
            let (Some(&prev), Some(&next)) = (pair.first(), pair.get(1)) else {
                continue;
            };
            if before(next, prev) {
                let entry = found.entry(next).or_default();
                if !entry.0.contains(&prev) {
                    entry.0.push(prev);
                    entry.1.push(format!(
                        "its emitter's previous event (seq {}) at {}",
                        index.event(prev).map_or(0, |e| e.seq),
                        index.time_text(prev)
                    ));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (slot, (witnesses, reasons)) in found {
        let Some(e) = index.event(slot) else {
            continue;
        };
        let mut events = vec![index.pos(slot)];
        events.extend(witnesses.iter().map(|&w| index.pos(w)));
        out.push(finding(
            Rule::ClockInversion,
            events,
            format!(
                "{}'s {} (seq {} of {}) is timestamped {}, before {}.",
                who(&e.actor),
                e.kind.as_str(),
                e.seq,
                e.emitter,
                crate::time::readable(&e.time),
                list(&reasons)
            ),
        ));
    }
    out
}
