//! Arbitrary events: whatever they say, the rules give findings without panicking,
//! the same every time and whatever the order the events come in.

use crate::support::*;
use evidence::bundle::Report;
use evidence::event::Event;
use evidence::findings::{analyse, grants, Policy};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::json;

const IDS: [&str; 4] = ["a", "b", "c", "d"];
const ACTORS: [&str; 3] = [AGENT, ALICE, "svc-x"];
const TIMES: [&str; 4] = ["10:00:00", "10:00:03", "10:30:00", "09:00:00"];

/// One event: its kind and the choices that fill it.
fn event() -> impl Strategy<Value = Option<Event>> {
    (
        select(vec![
            "side_effect",
            "tool.call",
            "model.output",
            "task.delegate",
            "policy.decision",
            "approval.request",
            "approval.decision",
            "credential.issue",
            "credential.use",
            "credential.revoke",
            "system",
        ]),
        select(IDS.to_vec()),
        prop::option::of(select(IDS.to_vec())),
        select(ACTORS.to_vec()),
        select(vec!["agent", "human", "service"]),
        select(TIMES.to_vec()),
        prop::option::of(select(IDS.to_vec())),
        prop::option::of(select(IDS.to_vec())),
        prop::option::of((select(IDS.to_vec()), select(ACTORS.to_vec()))),
        any::<bool>(),
    )
        .prop_map(
            |(kind, id, parent, actor, kind_of, time, dref, aref, cred, flag)| {
                let verdict = if flag { "allow" } else { "deny" };
                let outcome = if flag { "approved" } else { "rejected" };
                let mut v = json!({
                    "emitter": E, "seq": 0, "prev": null, "time": at(time), "id": id,
                    "kind": kind, "actor": { "type": kind_of, "id": actor },
                    "change": change(if flag { "x://prod" } else { "x://dev" }),
                    "tool": tool("t"), "output": output("o"),
                    "delegation": { "to": agent(AGENT_B), "scope": [id] },
                    "decision": decision(id, verdict),
                    "approval": { "approvalId": id, "decidedBy": human(BOB), "decision": outcome },
                });
                if let Some(p) = parent {
                    v["parent"] = p.into();
                }
                if let Some(r) = dref {
                    v["decisionRef"] = r.into();
                }
                if let Some(r) = aref {
                    v["approvalRef"] = r.into();
                }
                if let Some((token, subject)) = cred {
                    v["credential"] = issued(token, subject, "10:00:01", "10:10:00");
                } else if kind.starts_with("credential") {
                    return None;
                }
                if !flag {
                    v["initiator"] = human(ALICE);
                }
                // Keep only the members the kind allows.
                Event::from_value(v).ok().map(|mut e| {
                    use evidence::event::Kind;
                    if e.kind != Kind::SideEffect {
                        e.change = None;
                    }
                    if !matches!(e.kind, Kind::ToolCall) {
                        e.tool = None;
                    }
                    if e.kind != Kind::TaskDelegate {
                        e.delegation = None;
                    }
                    if e.kind != Kind::PolicyDecision {
                        e.decision = None;
                    }
                    e
                })
            },
        )
}

fn report() -> &'static Report {
    static REPORT: std::sync::OnceLock<Report> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| {
        let mut s = Story::new();
        s.ev(E, "10:00:00", plain("a"));
        read(&s.finish()).0
    })
}

proptest! {
    #[test]
    fn any_events_give_findings_without_panicking_and_alike_every_time(
        events in prop::collection::vec(event(), 0..14),
        skew in 0u32..10,
    ) {
        let events: Vec<(usize, Event)> = events.into_iter().flatten().enumerate().collect();
        let policy = Policy { clock_skew_seconds: skew, ..Policy::default() };
        let first = analyse(report(), &events, &policy);
        let mut reversed = events.clone();
        reversed.reverse();
        prop_assert_eq!(&first, &analyse(report(), &reversed, &policy));
        for f in &first {
            prop_assert!(f.events.iter().all(|p| *p < events.len().max(1)), "{:?}", f);
            prop_assert!(!f.detail.is_empty());
        }
        let _ = grants(&events);
    }
}
