//! `approval-missing`, `approval-late` and `no-separation`: the rules that read
//! approval requests and decisions.

use crate::support::*;
use evidence::findings::Policy;
use evidence::findings::Rule;
use serde_json::json;

// ---------------------------------------------------------------------------------
// approval-missing, approval-late

/// A production change resting on a policy decision; `approval` is what the
/// approver decided and when (`None`: no approval asked).
fn approval(approval: Option<(&str, &str)>, resource: &str) -> String {
    let mut s = Story::new();
    s.ev(
        E,
        "10:00:00",
        body(
            "policy.decision",
            "d",
            system("opa"),
            json!({ "decision": decision("dec-1", "allow") }),
        ),
    );
    let mut effect = json!({ "parent": "d", "decisionRef": "dec-1", "initiator": human(ALICE), "change": change(resource) });
    if let Some((outcome, when)) = approval {
        s.ev(
            E,
            "10:00:01",
            body(
                "approval.request",
                "ask",
                agent(AGENT),
                json!({ "approval": { "approvalId": "apr-1", "askedOf": [human(BOB)] } }),
            ),
        );
        s.ev(
            F,
            when,
            body("approval.decision", "ok", human(BOB), json!({
                "parent": "ask",
                "approval": { "approvalId": "apr-1", "decidedBy": human(BOB), "decision": outcome },
            })),
        );
        effect["approvalRef"] = "apr-1".into();
    }
    s.ev(
        E,
        "10:05:00",
        body("side_effect", "x", agent(AGENT), effect),
    );
    s.finish()
}

#[test]
fn a_production_change_without_approval_is_approval_missing() {
    let f = findings(&approval(None, "config://prod/gateway"));
    assert_eq!(all(&f), vec![(Rule::ApprovalMissing, vec![1])]);
    assert!(f[0].detail.contains("*prod*"), "{}", f[0].detail);
}

#[test]
fn a_change_elsewhere_needs_no_approval() {
    assert_eq!(
        all(&findings(&approval(None, "config://staging/gateway"))),
        vec![]
    );
    let strict = Policy {
        approval_required: vec!["config://staging/*".into()],
        ..Policy::default()
    };
    assert_eq!(
        all(&findings_with(
            &approval(None, "config://staging/gateway"),
            &strict
        )),
        vec![(Rule::ApprovalMissing, vec![1])]
    );
}

#[test]
fn a_rejected_approval_is_approval_missing_naming_the_rejection() {
    let f = findings(&approval(
        Some(("rejected", "10:02:00")),
        "config://prod/gateway",
    ));
    assert_eq!(all(&f), vec![(Rule::ApprovalMissing, vec![3, 2])]);
    assert!(f[0].detail.contains("rejected"), "{}", f[0].detail);
}

#[test]
fn an_approval_granted_before_the_change_is_no_finding() {
    assert_eq!(
        all(&findings(&approval(
            Some(("approved", "10:02:00")),
            "config://prod/gateway"
        ))),
        vec![]
    );
}

#[test]
fn an_approval_granted_after_the_change_is_approval_late_only() {
    let f = findings(&approval(
        Some(("approved", "10:20:00")),
        "config://prod/gateway",
    ));
    assert_eq!(all(&f), vec![(Rule::ApprovalLate, vec![3, 2])]);
    assert!(f[0].detail.contains("900 s"), "{}", f[0].detail);
    // Within the clock skew it is on time.
    assert_eq!(
        all(&findings(&approval(
            Some(("approved", "10:05:04")),
            "config://prod/gateway"
        ))),
        vec![]
    );
}

#[test]
fn a_change_following_an_undecided_request_is_approval_missing() {
    let mut s = Story::new();
    s.ev(
        E,
        "10:00:00",
        body(
            "policy.decision",
            "d",
            system("opa"),
            json!({ "decision": decision("dec-1", "allow") }),
        ),
    );
    s.ev(
        E,
        "10:00:01",
        body(
            "approval.request",
            "ask",
            agent(AGENT),
            json!({ "parent": "d", "approval": { "approvalId": "apr-9" } }),
        ),
    );
    s.ev(
        E,
        "10:00:02",
        body(
            "side_effect",
            "x",
            agent(AGENT),
            json!({
                "parent": "ask", "decisionRef": "dec-1", "initiator": human(ALICE),
                "change": change("db://staging/t"),
            }),
        ),
    );
    assert_eq!(
        all(&findings(&s.finish())),
        vec![(Rule::ApprovalMissing, vec![2, 1])]
    );
}

// ---------------------------------------------------------------------------------
// no-separation

/// An agent proposes a change, asks for approval, `approver` grants it, and the
/// agent calls the tool and makes the change.
fn separation(approver: &str) -> String {
    let mut s = Story::new();
    s.ev(
        E,
        "10:00:00",
        body(
            "policy.decision",
            "d",
            system("opa"),
            json!({ "decision": decision("dec-1", "allow") }),
        ),
    );
    s.ev(
        E,
        "10:00:01",
        body(
            "model.output",
            "m",
            agent(AGENT),
            json!({ "parent": "d", "initiator": human(ALICE), "output": output("plan") }),
        ),
    );
    s.ev(
        E,
        "10:00:02",
        body(
            "approval.request",
            "ask",
            agent(AGENT),
            json!({ "parent": "m", "approval": { "approvalId": "apr-1" } }),
        ),
    );
    let by = if approver == AGENT {
        agent(approver)
    } else {
        human(approver)
    };
    s.ev(
        E,
        "10:00:03",
        body("approval.decision", "ok", by.clone(), json!({
            "parent": "ask", "approval": { "approvalId": "apr-1", "decidedBy": by, "decision": "approved" },
        })),
    );
    s.ev(
        E,
        "10:00:04",
        body(
            "tool.call",
            "c",
            agent(AGENT),
            json!({ "parent": "m", "initiator": human(ALICE), "tool": tool("t") }),
        ),
    );
    s.ev(
        E,
        "10:00:05",
        body("side_effect", "x", agent(AGENT), json!({
            "parent": "c", "initiator": human(ALICE), "decisionRef": "dec-1", "approvalRef": "apr-1",
            "change": change("config://prod/gateway"),
        })),
    );
    s.finish()
}

#[test]
fn one_identity_proposing_approving_and_executing_is_no_separation() {
    let f = findings(&separation(AGENT));
    assert_eq!(all(&f), vec![(Rule::NoSeparation, vec![5, 1, 3, 4])]);
    assert!(f[0].detail.contains(AGENT), "{}", f[0].detail);
}

#[test]
fn another_identity_approving_is_separation() {
    assert_eq!(all(&findings(&separation(BOB))), vec![]);
}
