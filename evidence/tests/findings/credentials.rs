//! `shared-account`, `credential-before-issue`, `credential-expired`,
//! `credential-revoked` and `credential-misused`: the rules that read the tokens
//! events carry.

use crate::support::*;
use evidence::findings::Policy;
use evidence::findings::Rule;
use serde_json::json;
use serde_json::Value;

// ---------------------------------------------------------------------------------
// shared-account

/// Alice reads the service account's key; the account drops a table, the policy
/// decision before it; `attributed` gives the action an initiator.
fn shared(attributed: bool) -> String {
    let mut s = Story::new();
    s.ev(
        E,
        "10:00:00",
        body(
            "system",
            "read",
            human(ALICE),
            json!({ "credential": { "tokenId": "k1", "subject": "svc-x" } }),
        ),
    );
    s.ev(
        E,
        "10:01:00",
        body(
            "policy.decision",
            "d",
            system("opa"),
            json!({ "decision": decision("dec-1", "allow") }),
        ),
    );
    let mut extra = json!({
        "parent": "d", "decisionRef": "dec-1", "credential": { "tokenId": "k1" },
        "change": change("db://staging/table"),
    });
    if attributed {
        extra["initiator"] = human(ALICE);
    }
    s.ev(
        E,
        "10:02:00",
        body("side_effect", "drop", service("svc-x"), extra),
    );
    s.finish()
}

#[test]
fn shared_account_names_the_action_then_who_read_the_credential() {
    let f = findings(&shared(false));
    assert_eq!(all(&f), vec![(Rule::SharedAccount, vec![2, 0])]);
    assert!(f[0].detail.contains("svc-x"), "{}", f[0].detail);
    assert!(f[0].detail.contains(ALICE), "{}", f[0].detail);
    assert!(f[0].detail.contains("k1"), "{}", f[0].detail);
}

#[test]
fn an_attributed_service_action_is_no_finding() {
    assert_eq!(all(&findings(&shared(true))), vec![]);
}

#[test]
fn the_policy_names_shared_accounts_of_any_type() {
    let mut s = Story::new();
    s.ev(
        E,
        "10:00:00",
        body(
            "tool.call",
            "c",
            agent("ops-shared-1"),
            json!({ "tool": tool("t") }),
        ),
    );
    let bundle = s.finish();
    assert_eq!(all(&findings(&bundle)), vec![]);
    let policy = Policy {
        shared_accounts: vec!["ops-*".into()],
        ..Policy::default()
    };
    assert_eq!(
        all(&findings_with(&bundle, &policy)),
        vec![(Rule::SharedAccount, vec![0])]
    );
}

// ---------------------------------------------------------------------------------
// credential-before-issue, credential-expired, credential-revoked

/// A token issued to the agent at 10:05 until 11:00, used at `used`; revoked at
/// 10:20 when `revoke`.
fn token(used: &str, revoke: bool) -> String {
    let mut s = Story::new();
    s.ev(
        F,
        "10:05:00",
        body("credential.issue", "iss", system("sts"), json!({
            "onBehalfOf": [agent(AGENT)], "credential": issued("tok-1", AGENT, "10:05:00", "11:00:00"),
        })),
    );
    if revoke {
        s.ev(
            F,
            "10:20:00",
            body(
                "credential.revoke",
                "rev",
                human(BOB),
                json!({ "credential": { "tokenId": "tok-1" } }),
            ),
        );
    }
    s.ev(
        E,
        used,
        body(
            "credential.use",
            "use",
            agent(AGENT),
            json!({ "credential": { "tokenId": "tok-1" } }),
        ),
    );
    s.finish()
}

#[test]
fn a_token_used_before_its_issue_is_credential_before_issue() {
    let f = findings(&token("10:04:00", false));
    assert_eq!(all(&f), vec![(Rule::CredentialBeforeIssue, vec![1, 0])]);
    assert!(f[0].detail.contains("tok-1"), "{}", f[0].detail);
    assert_eq!(all(&findings(&token("10:05:02", false))), vec![]);
}

#[test]
fn a_token_used_after_its_expiry_is_credential_expired() {
    let f = findings(&token("11:10:00", false));
    assert_eq!(all(&f), vec![(Rule::CredentialExpired, vec![1, 0])]);
    assert!(
        f[0].detail.contains("2026-11-20 11:00:00 UTC"),
        "{}",
        f[0].detail
    );
    assert_eq!(all(&findings(&token("10:59:00", false))), vec![]);
}

#[test]
fn a_token_used_after_its_revocation_is_credential_revoked() {
    let f = findings(&token("10:30:00", true));
    assert_eq!(all(&f), vec![(Rule::CredentialRevoked, vec![2, 1])]);
    assert!(f[0].detail.contains(BOB), "{}", f[0].detail);
    assert_eq!(all(&findings(&token("10:10:00", true))), vec![]);
}

#[test]
fn the_expiry_on_the_using_event_counts_when_the_issue_is_not_in_the_bundle() {
    let mut s = Story::new();
    s.ev(
        E,
        "12:00:00",
        body(
            "credential.use",
            "use",
            agent(AGENT),
            json!({
                "credential": { "tokenId": "tok-2", "expiresAt": at("11:00:00") },
            }),
        ),
    );
    assert_eq!(
        all(&findings(&s.finish())),
        vec![(Rule::CredentialExpired, vec![0])]
    );
}

// ---------------------------------------------------------------------------------
// credential-misused

/// A token issued to agent A, then presented by `user` (with `extra` members);
/// `delegations` are (from, to) task delegations recorded before.
fn misuse(user: &str, extra: Value, delegations: &[(&str, &str)]) -> String {
    let mut s = Story::new();
    s.ev(
        F,
        "10:00:00",
        body("credential.issue", "iss", system("sts"), json!({
            "onBehalfOf": [agent(AGENT)], "credential": issued("tok-1", AGENT, "10:00:00", "11:00:00"),
        })),
    );
    for (n, (from, to)) in delegations.iter().enumerate() {
        s.ev(
            E,
            "10:01:00",
            body(
                "task.delegate",
                &format!("del-{n}"),
                agent(from),
                json!({
                    "delegation": { "to": agent(to), "scope": ["s"] },
                }),
            ),
        );
    }
    let mut b = json!({ "credential": { "tokenId": "tok-1" } });
    if let (Value::Object(b), Value::Object(extra)) = (&mut b, extra) {
        b.extend(extra);
    }
    s.ev(E, "10:02:00", body("credential.use", "use", agent(user), b));
    s.finish()
}

#[test]
fn a_token_presented_by_another_agent_is_credential_misused() {
    let f = findings(&misuse(AGENT_B, json!({}), &[]));
    assert_eq!(all(&f), vec![(Rule::CredentialMisused, vec![1, 0])]);
    assert!(
        f[0].detail.contains(AGENT_B) && f[0].detail.contains("tok-1"),
        "{}",
        f[0].detail
    );
}

#[test]
fn the_subject_or_a_delegate_of_it_may_present_the_token() {
    assert_eq!(all(&findings(&misuse(AGENT, json!({}), &[]))), vec![]);
    // Delegated, directly or through another agent.
    assert_eq!(
        all(&findings(&misuse(AGENT_B, json!({}), &[(AGENT, AGENT_B)]))),
        vec![]
    );
    assert_eq!(
        all(&findings(&misuse(
            AGENT_B,
            json!({}),
            &[(AGENT, AGENT_C), (AGENT_C, AGENT_B)]
        ))),
        vec![]
    );
    // A delegation from someone else does not count.
    assert_eq!(
        of(
            &findings(&misuse(AGENT_B, json!({}), &[(AGENT_C, AGENT_B)])),
            Rule::CredentialMisused
        ),
        vec![vec![2, 0]]
    );
    // A gateway presenting it on the subject's behalf.
    assert_eq!(
        all(&findings(&misuse(
            AGENT_B,
            json!({ "onBehalfOf": [agent(AGENT)] }),
            &[]
        ))),
        vec![]
    );
}
