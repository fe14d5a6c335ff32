//! The rules that read the verification report: what the signatures, key
//! certifications, hash chains and the manifest say about the evidence itself.
//! Events are grouped per emitter (per run of adjacent positions when the emitter
//! could not be read), one finding per group; what concerns the bundle as a whole
//! (its manifest) is one finding naming no event.

use std::collections::BTreeMap;

use super::index::Index;
use super::{Finding, Rule};
use crate::bundle::{explain, Check, EventReport, Report};
use crate::reason::Code;

/// Bundle positions written compactly: `3-5, 9`.
fn positions(list: &[usize]) -> String {
    let mut sorted = list.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for p in sorted {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == p => *end = p,
            _ => runs.push((p, p)),
        }
    }
    let text: Vec<String> = runs
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    let noun = if list.len() == 1 {
        "position"
    } else {
        "positions"
    };
    format!("{noun} {}", text.join(", "))
}

/// Events of one group, each with the code it was picked for; the group's emitter
/// when known.
type Group = (Option<String>, Vec<(usize, &'static str)>);

/// The events `select` picks (with the code it picked them for), grouped by emitter
/// where the emitter is known, by runs of adjacent positions where it is not; groups
/// in order of their first event.
fn groups(report: &Report, select: impl Fn(&EventReport) -> Option<&'static str>) -> Vec<Group> {
    let mut by_emitter: BTreeMap<String, Vec<(usize, &'static str)>> = BTreeMap::new();
    let mut anonymous: Vec<Vec<(usize, &'static str)>> = Vec::new();
    for e in report.events() {
        let Some(code) = select(e) else {
            continue;
        };
        match &e.emitter {
            Some(emitter) => by_emitter
                .entry(emitter.clone())
                .or_default()
                .push((e.index, code)),
            None => match anonymous.last_mut() {
                Some(run) if run.last().is_some_and(|(p, _)| p + 1 == e.index) => {
                    run.push((e.index, code))
                }
                _ => anonymous.push(vec![(e.index, code)]),
            },
        }
    }
    let mut out: Vec<Group> = by_emitter
        .into_iter()
        .map(|(emitter, events)| (Some(emitter), events))
        .chain(anonymous.into_iter().map(|run| (None, run)))
        .collect();
    out.sort_by_key(|(emitter, events)| (events.first().map(|(p, _)| *p), emitter.clone()));
    out
}

/// The distinct codes of a group, in order of first appearance.
fn codes(events: &[(usize, &'static str)]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for (_, code) in events {
        if !out.contains(code) {
            out.push(code);
        }
    }
    out
}

fn emitter_name(emitter: &Option<String>) -> String {
    match emitter {
        Some(e) => format!("Emitter {e}"),
        None => "Events whose emitter could not be read".to_owned(),
    }
}

/// The bundle-level reasons among `wanted`, as one finding naming no event.
fn bundle_level(report: &Report, rule: Rule, wanted: &[Code], lead: &str) -> Option<Finding> {
    let found: Vec<&str> = report
        .reasons()
        .iter()
        .copied()
        .filter(|r| wanted.iter().any(|w| w.code() == *r))
        .collect();
    if found.is_empty() {
        return None;
    }
    let why: Vec<String> = found
        .iter()
        .map(|code| format!("{code}: {}", explain(code)))
        .collect();
    Some(Finding {
        rule,
        events: Vec::new(),
        detail: format!("{lead} {}", why.join(" ")),
    })
}

const CHAIN_BROKEN: [Code; 4] = [
    Code::ChainLinkBroken,
    Code::ChainOutOfOrder,
    Code::ChainDuplicateEvent,
    Code::ChainMissingStart,
];

/// Events whose chain check failed with a broken link, a reordering, a duplicate
/// or a missing start, per emitter; and, naming no event, a bundle whose events do
/// not match the manifest's Merkle root or event count.
pub(super) fn chain_broken(report: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for (emitter, events) in groups(report, |e| match e.chain {
        Check::Fail(code) if CHAIN_BROKEN.iter().any(|c| c.code() == code) => Some(code),
        _ => None,
    }) {
        let each: Vec<String> = events
            .iter()
            .map(|(p, code)| {
                let what = match Code::from_code(code) {
                    Some(Code::ChainLinkBroken) => {
                        "does not name its previous event's digest (an event was removed, inserted or replaced before it)"
                    }
                    Some(Code::ChainOutOfOrder) => "comes after a later event of its emitter (reordered)",
                    Some(Code::ChainDuplicateEvent) => "repeats an earlier event",
                    _ => "does not start its emitter's chain (earlier events are missing)",
                };
                format!("position {p} {what}")
            })
            .collect();
        out.push(Finding {
            rule: Rule::ChainBroken,
            events: events.iter().map(|(p, _)| *p).collect(),
            detail: format!("{}: {}.", emitter_name(&emitter), each.join("; ")),
        });
    }
    out.extend(bundle_level(
        report,
        Rule::ChainBroken,
        &[Code::ManifestRootMismatch, Code::ManifestEventCountMismatch],
        "The bundle's events are not those its manifest commits to.",
    ));
    out
}

/// Events after a gap in their emitter's sequence numbers, per emitter: each such
/// event, then the emitter's event before the gap when the bundle has it.
pub(super) fn sequence_gap(report: &Report, index: &Index<'_>) -> Vec<Finding> {
    // Each emitter's events, by bundle position.
    let mut chains: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (slot, _, e) in index.iter() {
        chains.entry(e.emitter.as_str()).or_default().push(slot);
    }
    let mut out = Vec::new();
    for (emitter, events) in groups(report, |e| match e.chain {
        Check::Fail(code) if code == Code::ChainSequenceGap.code() => Some(code),
        _ => None,
    }) {
        let mut named: Vec<usize> = events.iter().map(|(p, _)| *p).collect();
        let mut each = Vec::new();
        for &(p, _) in &events {
            let Some(after) = index.slot_at(p).and_then(|s| index.event(s)) else {
                continue;
            };
            // The emitter's last event before this one in the bundle.
            let before = chains.get(after.emitter.as_str()).and_then(|slots| {
                let at = slots.partition_point(|&s| index.pos(s) < p);
                let s = *slots.get(at.checked_sub(1)?)?;
                Some((index.pos(s), index.event(s)?))
            });
            match before {
                Some((q, b)) => {
                    let missing = after.seq.saturating_sub(b.seq).saturating_sub(1);
                    each.push(format!(
                        "seq {} at position {q} is followed by seq {} at position {p} ({missing} missing)",
                        b.seq, after.seq
                    ));
                    if !named.contains(&q) {
                        named.push(q);
                    }
                }
                None => each.push(format!("seq {} at position {p} follows a gap", after.seq)),
            }
        }
        let detail = if each.is_empty() {
            format!(
                "{}: events are missing before {}.",
                emitter_name(&emitter),
                positions(&named)
            )
        } else {
            format!(
                "{}: events are missing: {}.",
                emitter_name(&emitter),
                each.join("; ")
            )
        };
        out.push(Finding {
            rule: Rule::SequenceGap,
            events: named,
            detail,
        });
    }
    out
}

/// When the manifest's time range does not hold every event: the events outside
/// it, per emitter; naming no event when none of the events read lies outside.
pub(super) fn outside_time_range(report: &Report, index: &Index<'_>) -> Vec<Finding> {
    if !report
        .reasons()
        .contains(&Code::ManifestTimeRangeMismatch.code())
    {
        return Vec::new();
    }
    let range = report.time_range().and_then(|(from, to)| {
        Some((
            crate::time::parse(from)?,
            crate::time::parse(to)?,
            from.to_owned(),
            to.to_owned(),
        ))
    });
    let mut out = Vec::new();
    if let Some((from, to, from_text, to_text)) = &range {
        let (from_text, to_text) = (
            crate::time::readable(from_text),
            crate::time::readable(to_text),
        );
        let mut by_emitter: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut outside = Vec::new();
        for (slot, pos, e) in index.iter() {
            if index.time(slot).is_some_and(|t| t < *from || t > *to) {
                by_emitter.entry(e.emitter.as_str()).or_default().push(pos);
                outside.push(pos);
            }
        }
        if outside.len() == index.len() && by_emitter.len() > 1 {
            // None fits: the manifest is about other events. One finding says so.
            return vec![Finding {
                rule: Rule::OutsideTimeRange,
                detail: format!(
                    "None of the {} events read lies in the manifest's range {from_text} to {to_text}: the manifest was made for other events.",
                    outside.len()
                ),
                events: outside,
            }];
        }
        for (emitter, events) in by_emitter {
            let times: Vec<String> = events
                .iter()
                .filter_map(|&p| index.slot_at(p))
                .map(|s| index.time_text(s))
                .collect();
            out.push(Finding {
                rule: Rule::OutsideTimeRange,
                detail: format!(
                    "Emitter {emitter}: {} ({}) {} outside the manifest's range {from_text} to {to_text}.",
                    positions(&events),
                    times.join(", "),
                    if events.len() == 1 { "lies" } else { "lie" }
                ),
                events,
            });
        }
    }
    if out.is_empty() {
        out.extend(bundle_level(
            report,
            Rule::OutsideTimeRange,
            &[Code::ManifestTimeRangeMismatch],
            "An event lies outside the manifest's time range.",
        ));
    }
    out
}

/// Events whose signature failed, or could not be checked for a reason other than
/// an uncertified key (that is `untrusted`): runs of adjacent positions (their
/// emitter cannot be read). And, naming no event, a manifest whose signature fails.
pub(super) fn unsigned(report: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for (emitter, events) in groups(report, |e| match e.integrity {
        Check::Fail(code) => Some(code),
        Check::Unknown(code) if code != Code::TrustKeyNotCertified.code() => Some(code),
        _ => None,
    }) {
        let list: Vec<usize> = events.iter().map(|(p, _)| *p).collect();
        let why: Vec<String> = codes(&events)
            .iter()
            .map(|code| format!("{code}: {}", explain(code)))
            .collect();
        out.push(Finding {
            rule: Rule::Unsigned,
            detail: format!(
                "{} at {}: no signature holds, so what they say cannot be attributed. {}",
                emitter_name(&emitter),
                positions(&list),
                why.join(" ")
            ),
            events: list,
        });
    }
    out.extend(bundle_level(
        report,
        Rule::Unsigned,
        &[Code::ManifestSignatureInvalid],
        "The manifest's signature does not hold.",
    ));
    out
}

/// Events whose trust check failed (key uncertified, certified for another
/// identity, outside its validity, or revoked) and whose signature did not fail,
/// per emitter. And, naming no event, a manifest no trusted root certifies or whose
/// bindings and revocations were changed.
pub(super) fn untrusted(report: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    for (emitter, events) in groups(report, |e| match (&e.integrity, &e.trust) {
        (Check::Fail(_), _) => None,
        (_, Check::Fail(code)) => Some(*code),
        _ => None,
    }) {
        let list: Vec<usize> = events.iter().map(|(p, _)| *p).collect();
        let why: Vec<String> = codes(&events)
            .iter()
            .map(|code| format!("{code}: {}", explain(code)))
            .collect();
        out.push(Finding {
            rule: Rule::Untrusted,
            detail: format!(
                "{} at {}: not signed by a key a trusted root certifies for their emitter at their time. {}",
                emitter_name(&emitter),
                positions(&list),
                why.join(" ")
            ),
            events: list,
        });
    }
    out.extend(bundle_level(
        report,
        Rule::Untrusted,
        &[
            Code::TrustManifestNotCertified,
            Code::ManifestStatementsMismatch,
        ],
        "The bundle's own statements cannot be trusted.",
    ));
    out
}
