//! Reconciliation: the tool calls an incident's signed bundles record (each signed
//! by its emitter), matched with those a collector's traces record (attested on
//! receipt, or imported from a file), call to call.
//!
//! Two calls match when they carry the same `tool.callId`; else when they name the
//! same tool and the same actor within the window of each other. Each call matches
//! at most one, the nearest in time first. A call on one side with no match is
//! *unreconciled* when the other side covered its time (one of that side's bundles
//! has events from before it to after it, within the window): the other side should
//! have recorded it. `docs/otel-import.md` states the rules.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::event::{Event, Kind};

/// What reconciliation reads of one bundle: its actions (tool calls, requests, side
/// effects) with their positions, the span of time its events cover, and whether
/// every event it has is signed by its emitter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Calls {
    /// The readable actions, each with its position in the bundle.
    pub actions: Vec<(usize, Event)>,
    /// The earliest and latest time of its readable events.
    pub span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Whether it has events and every readable one is signed by its emitter.
    pub signed: bool,
}

impl Calls {
    /// What reconciliation reads of a bundle whose readable events are `events`.
    pub fn of(events: &[(usize, Event)]) -> Calls {
        let mut span: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
        for (_, e) in events {
            if let Some(t) = crate::time::parse(&e.time) {
                span = Some(span.map_or((t, t), |(a, z)| (a.min(t), z.max(t))));
            }
        }
        Calls {
            actions: events
                .iter()
                .filter(|(_, e)| {
                    matches!(
                        e.kind,
                        Kind::ToolCall | Kind::HttpRequest | Kind::SideEffect
                    )
                })
                .cloned()
                .collect(),
            span,
            signed: !events.is_empty() && events.iter().all(|(_, e)| e.provenance().is_signed()),
        }
    }
}

/// A call's place: its bundle (position in the list given) and its position there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct At {
    /// The bundle, as listed.
    pub bundle: usize,
    /// The event's position in it.
    pub event: usize,
}

/// How two calls were matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// The same `tool.callId`.
    CallId,
    /// The same tool and actor, within the window.
    ToolActorTime,
}

impl MatchedBy {
    /// How the match was made, in words.
    pub fn label(self) -> &'static str {
        match self {
            MatchedBy::CallId => "same call id",
            MatchedBy::ToolActorTime => "same tool and actor, close in time",
        }
    }
}

/// A signed call and the reported call that records the same act.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Match {
    /// The call as its emitter signed it.
    pub signed: At,
    /// The call as the collector attested or imported it.
    pub reported: At,
    /// How.
    pub by: MatchedBy,
}

/// A call on one side the other side should have recorded and did not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmatched {
    /// The call.
    pub call: At,
    /// Whether it is the signed side's (else the reported side's).
    pub signed: bool,
    /// The other side's bundles that covered its time.
    pub missing_from: Vec<usize>,
}

/// What reconciling an incident's bundles found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconciliation {
    /// The calls matched, in the order of the signed calls.
    pub matches: Vec<Match>,
    /// The calls of either side with no match, in bundle order.
    pub unmatched: Vec<Unmatched>,
}

impl Reconciliation {
    /// The match `at` is part of, either side.
    pub fn match_of(&self, at: At) -> Option<&Match> {
        self.matches
            .iter()
            .find(|m| m.signed == at || m.reported == at)
    }
}

struct Call<'a> {
    at: At,
    signed: bool,
    id: Option<&'a str>,
    tool: &'a str,
    actor: &'a str,
    time: Option<DateTime<Utc>>,
}

/// The window two calls of one act may be apart, at least.
pub const MIN_WINDOW_SECONDS: u32 = 5;

/// Reconciles `bundles`' calls, matching within `window_seconds` (at least
/// [`MIN_WINDOW_SECONDS`]). Nothing to reconcile (no match, nothing unmatched)
/// unless some bundle's calls are signed and another's reported.
pub fn reconcile(bundles: &[&Calls], window_seconds: u32) -> Reconciliation {
    let window = Duration::seconds(i64::from(window_seconds.max(MIN_WINDOW_SECONDS)));
    let mut calls: Vec<Call<'_>> = Vec::new();
    for (b, bundle) in bundles.iter().enumerate() {
        for (pos, e) in &bundle.actions {
            if e.kind != Kind::ToolCall {
                continue;
            }
            let Some(tool) = &e.tool else { continue };
            calls.push(Call {
                at: At {
                    bundle: b,
                    event: *pos,
                },
                signed: e.provenance().is_signed(),
                id: tool.call_id.as_deref(),
                tool: &tool.name,
                actor: &e.actor.id,
                time: crate::time::parse(&e.time),
            });
        }
    }
    let has_signed = calls.iter().any(|c| c.signed);
    let has_reported = calls.iter().any(|c| !c.signed);
    if !(has_signed && has_reported) {
        return Reconciliation::default();
    }
    calls.sort_by_key(|c| c.at);
    let (signed, reported): (Vec<&Call<'_>>, Vec<&Call<'_>>) = calls.iter().partition(|c| c.signed);
    let mut taken = vec![false; reported.len()];
    let mut matched_signed = vec![false; signed.len()];
    let mut matches = Vec::new();
    let gap = |a: &Call<'_>, b: &Call<'_>| match (a.time, b.time) {
        (Some(x), Some(y)) => (x - y).abs(),
        _ => Duration::MAX,
    };
    for by in [MatchedBy::CallId, MatchedBy::ToolActorTime] {
        for (s, call) in signed.iter().enumerate() {
            if matched_signed.get(s).copied().unwrap_or(true) {
                continue;
            }
            let fits = |r: &Call<'_>| match by {
                MatchedBy::CallId => call.id.is_some() && call.id == r.id,
                MatchedBy::ToolActorTime => {
                    call.tool == r.tool && call.actor == r.actor && gap(call, r) <= window
                }
            };
            let best = reported
                .iter()
                .enumerate()
                .filter(|(i, r)| !taken.get(*i).copied().unwrap_or(true) && fits(r))
                .min_by_key(|(i, r)| (gap(call, r), *i));
            if let Some((i, r)) = best {
                if let Some(t) = taken.get_mut(i) {
                    *t = true;
                }
                if let Some(m) = matched_signed.get_mut(s) {
                    *m = true;
                }
                matches.push(Match {
                    signed: call.at,
                    reported: r.at,
                    by,
                });
            }
        }
    }
    matches.sort_by_key(|m| m.signed);
    let covered_by = |call: &Call<'_>| -> Vec<usize> {
        let Some(t) = call.time else {
            return Vec::new();
        };
        bundles
            .iter()
            .enumerate()
            .filter(|(b, other)| {
                *b != call.at.bundle
                    && other.signed != call.signed
                    && other
                        .span
                        .is_some_and(|(from, to)| from - window <= t && t <= to + window)
            })
            .map(|(b, _)| b)
            .collect()
    };
    let mut unmatched = Vec::new();
    for (s, call) in signed.iter().enumerate() {
        if !matched_signed.get(s).copied().unwrap_or(true) {
            let missing_from = covered_by(call);
            if !missing_from.is_empty() {
                unmatched.push(Unmatched {
                    call: call.at,
                    signed: true,
                    missing_from,
                });
            }
        }
    }
    for (i, call) in reported.iter().enumerate() {
        if !taken.get(i).copied().unwrap_or(true) {
            let missing_from = covered_by(call);
            if !missing_from.is_empty() {
                unmatched.push(Unmatched {
                    call: call.at,
                    signed: false,
                    missing_from,
                });
            }
        }
    }
    unmatched.sort_by_key(|u| u.call);
    Reconciliation { matches, unmatched }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::indexing_slicing)]

    use serde_json::json;

    use super::*;
    use crate::findings::{across, Policy, Rule};

    /// A tool call: `reported` ones carry a collector's `source`.
    fn call(
        pos: usize,
        actor: &str,
        tool: &str,
        id: Option<&str>,
        at: &str,
        reported: bool,
    ) -> (usize, Event) {
        let mut v = json!({
            "emitter": if reported { "custody-collector" } else { actor },
            "seq": pos, "prev": null, "time": at, "id": format!("e{pos}"), "kind": "tool.call",
            "actor": {"type": "agent", "id": actor},
            "tool": {"name": tool},
        });
        if let Some(id) = id {
            v["tool"]["callId"] = id.into();
        }
        if reported {
            v["source"] = json!({"via": "received", "protocol": "otlp", "receivedAt": at});
        }
        (pos, Event::from_value(v).expect("an event"))
    }

    #[test]
    fn calls_match_by_call_id_then_by_tool_actor_and_time() {
        let signed = vec![
            call(
                0,
                "agent-a",
                "refund",
                Some("call_1"),
                "2026-12-06T10:00:00Z",
                false,
            ),
            call(1, "agent-a", "lookup", None, "2026-12-06T10:00:10Z", false),
            call(2, "agent-a", "delete", None, "2026-12-06T10:00:20Z", false),
        ];
        let reported = vec![
            // The same call id, reported later than the skew: still the same call.
            call(
                0,
                "svc",
                "refund",
                Some("call_1"),
                "2026-12-06T10:00:30Z",
                true,
            ),
            call(1, "agent-a", "lookup", None, "2026-12-06T10:00:12Z", true),
            // The collector saw a call the signed bundle does not have.
            call(
                2,
                "agent-a",
                "export_all",
                None,
                "2026-12-06T10:00:15Z",
                true,
            ),
        ];
        let (signed, reported) = (Calls::of(&signed), Calls::of(&reported));
        let r = reconcile(&[&signed, &reported], 5);
        let at = |bundle, event| At { bundle, event };
        assert_eq!(
            r.matches,
            vec![
                Match {
                    signed: at(0, 0),
                    reported: at(1, 0),
                    by: MatchedBy::CallId
                },
                Match {
                    signed: at(0, 1),
                    reported: at(1, 1),
                    by: MatchedBy::ToolActorTime
                },
            ]
        );
        assert_eq!(
            r.unmatched,
            vec![
                Unmatched {
                    call: at(0, 2),
                    signed: true,
                    missing_from: vec![1]
                },
                Unmatched {
                    call: at(1, 2),
                    signed: false,
                    missing_from: vec![0]
                },
            ]
        );
        let policy = Policy::default();
        let (_, found) = across(&[("signed", &signed), ("traces", &reported)], &policy);
        let rules: Vec<(usize, Rule, Vec<usize>)> = found
            .iter()
            .map(|(b, f)| (*b, f.rule, f.events.clone()))
            .collect();
        assert_eq!(
            rules,
            vec![
                (0, Rule::Unreconciled, vec![2]),
                (1, Rule::UnsignedProvenance, vec![2]),
                (1, Rule::Unreconciled, vec![2]),
            ]
        );
        let said = &found[2].1.detail;
        assert!(
            said.contains("agent-a called export_all")
                && said.contains("reported to the collector")
                && said.contains("(signed)"),
            "{said}"
        );
    }

    #[test]
    fn nothing_is_reconciled_without_both_sides_or_outside_the_other_sides_time() {
        let signed = Calls::of(&[call(0, "a", "t", None, "2026-12-06T10:00:00Z", false)]);
        assert_eq!(reconcile(&[&signed], 5), Reconciliation::default());
        // A reported call an hour after the signed bundle's last event: out of its time.
        let reported = Calls::of(&[call(0, "a", "u", None, "2026-12-06T11:00:00Z", true)]);
        let r = reconcile(&[&signed, &reported], 5);
        assert!(r.matches.is_empty() && r.unmatched.is_empty(), "{r:?}");
        // Alone, a reported action is still only attested.
        let (_, found) = across(&[("traces", &reported)], &Policy::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].1.rule, Rule::UnsignedProvenance);
    }
}
