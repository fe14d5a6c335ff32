//! `scope-widened`, and the grants the timeline reads: what each delegator held.

use crate::support::*;
use evidence::findings::grants;
use evidence::findings::Rule;
use serde_json::json;

// ---------------------------------------------------------------------------------
// scope-widened

/// Alice delegates `read` to A; A delegates `scope` to B.
fn delegation(scope: &[&str]) -> String {
    let mut s = Story::new();
    s.ev(
        E,
        "10:00:00",
        body(
            "task.delegate",
            "d1",
            human(ALICE),
            json!({ "delegation": { "to": agent(AGENT), "scope": ["read", "list"] } }),
        ),
    );
    s.ev(
        E,
        "10:01:00",
        body(
            "task.delegate",
            "d2",
            agent(AGENT),
            json!({ "parent": "d1", "delegation": { "to": agent(AGENT_B), "scope": scope } }),
        ),
    );
    s.finish()
}

#[test]
fn delegating_scope_not_held_is_scope_widened() {
    let f = findings(&delegation(&["read", "write"]));
    assert_eq!(all(&f), vec![(Rule::ScopeWidened, vec![1, 0])]);
    assert!(f[0].detail.contains("write"), "{}", f[0].detail);
}

#[test]
fn delegating_what_was_held_is_no_finding() {
    assert_eq!(all(&findings(&delegation(&["read"]))), vec![]);
    assert_eq!(all(&findings(&delegation(&["read", "list"]))), vec![]);
}

#[test]
fn grants_tell_what_each_delegator_held() {
    let (_, events) = read(&delegation(&["read", "write"]));
    let g = grants(&events);
    assert_eq!(g.len(), 2);
    // Nothing was delegated to Alice and she carries no credential: unknown.
    assert_eq!(
        (g[0].position, g[0].held.clone(), g[0].widened.clone()),
        (0, None, vec![])
    );
    assert_eq!(g[1].from, AGENT);
    assert_eq!(g[1].to, AGENT_B);
    assert_eq!(g[1].held, Some(vec!["list".to_owned(), "read".to_owned()]));
    assert_eq!(g[1].held_from, vec![0]);
    assert_eq!(g[1].widened, vec!["write".to_owned()]);
    assert!(!g[1].narrowed);
    let (_, events) = read(&delegation(&["read"]));
    assert!(grants(&events)[1].narrowed);
}

#[test]
fn without_earlier_delegations_the_credential_tells_what_was_held() {
    let mut s = Story::new();
    s.ev(
        E,
        "10:00:00",
        body("task.delegate", "d", agent(AGENT), json!({
            "credential": { "tokenId": "t", "scope": ["config:write:prod/*"] },
            "delegation": { "to": agent(AGENT_B), "scope": ["config:write:prod/payments", "db:admin"] },
        })),
    );
    let f = findings(&s.finish());
    assert_eq!(all(&f), vec![(Rule::ScopeWidened, vec![0])]);
    assert!(
        f[0].detail.contains("db:admin") && !f[0].detail.contains("payments"),
        "{}",
        f[0].detail
    );
}
