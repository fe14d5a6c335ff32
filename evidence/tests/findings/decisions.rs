//! `decision-missing`, `decision-absent` and `decision-late`: the rules that read
//! policy decisions.

use crate::support::*;
use evidence::findings::Rule;
use serde_json::json;

// ---------------------------------------------------------------------------------
// decision-missing, decision-absent, decision-late

/// An agent's tool call and the change it made; `decision` is the policy decision
/// recorded before it (verdict, time) and cited by the change.
fn decided(decision_at: Option<(&str, &str)>, cite: Option<&str>) -> String {
    let mut s = Story::new();
    s.ev(
        E,
        "10:00:00",
        body(
            "tool.call",
            "c",
            agent(AGENT),
            json!({ "initiator": human(ALICE), "tool": tool("t") }),
        ),
    );
    if let Some((verdict, when)) = decision_at {
        s.ev(
            F,
            when,
            body(
                "policy.decision",
                "d",
                system("opa"),
                json!({ "decision": decision("dec-1", verdict) }),
            ),
        );
    }
    let mut effect =
        json!({ "parent": "c", "initiator": human(ALICE), "change": change("db://staging/t") });
    if let Some(id) = cite {
        effect["decisionRef"] = id.into();
    }
    s.ev(
        E,
        "10:01:00",
        body("side_effect", "x", agent(AGENT), effect),
    );
    s.finish()
}

#[test]
fn a_change_resting_on_no_decision_is_decision_missing() {
    let f = findings(&decided(None, None));
    assert_eq!(all(&f), vec![(Rule::DecisionMissing, vec![1])]);
    assert_eq!(
        all(&findings(&decided(
            Some(("allow", "10:00:30")),
            Some("dec-1")
        ))),
        vec![]
    );
}

#[test]
fn a_change_a_decision_denied_is_decision_missing_naming_the_denial() {
    let f = findings(&decided(Some(("deny", "10:00:30")), Some("dec-1")));
    assert_eq!(all(&f), vec![(Rule::DecisionMissing, vec![2, 1])]);
    assert!(f[0].detail.contains("denied"), "{}", f[0].detail);
}

#[test]
fn a_granted_approval_or_a_human_delegation_also_authorises_a_change() {
    let mut s = Story::new();
    s.ev(
        E,
        "10:00:00",
        body(
            "task.delegate",
            "d",
            human(ALICE),
            json!({ "delegation": { "to": agent(AGENT), "scope": ["s"] } }),
        ),
    );
    s.ev(E, "10:00:01", body("side_effect", "x", agent(AGENT), json!({ "parent": "d", "initiator": human(ALICE), "change": change("git://repo/branch") })));
    assert_eq!(all(&findings(&s.finish())), vec![]);
}

#[test]
fn a_decision_cited_but_absent_is_decision_absent() {
    let f = findings(&decided(None, Some("dec-404")));
    assert_eq!(all(&f), vec![(Rule::DecisionAbsent, vec![1])]);
    assert!(f[0].detail.contains("dec-404"), "{}", f[0].detail);
}

#[test]
fn a_decision_made_after_the_change_is_decision_late() {
    let f = findings(&decided(Some(("allow", "10:10:00")), Some("dec-1")));
    assert_eq!(all(&f), vec![(Rule::DecisionLate, vec![2, 1])]);
    // Within the clock skew it is on time.
    assert_eq!(
        all(&findings(&decided(
            Some(("allow", "10:01:04")),
            Some("dec-1")
        ))),
        vec![]
    );
}
