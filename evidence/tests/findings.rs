//! Attribution-gap findings: for each rule, a minimal bundle that breaks it (the
//! exact rule and event positions are asserted) and one that does not; the control
//! table; determinism.

use std::collections::BTreeMap;
use std::sync::Mutex;

use evidence::bundle::{self, Limits, Report};
use evidence::event::{hash_of, Event};
use evidence::findings::{analyse, grants, Finding, Policy, Rule};
use evidence::producer::{sign_event, BundleBuilder, Signer};
use serde_json::{json, Map, Value};

const E: &str = "spiffe://t.example/emitter";
const F: &str = "spiffe://t.example/other-emitter";
const COLLECTOR: &str = "spiffe://t.example/collector";

const ALICE: &str = "alice@t.example";
const BOB: &str = "bob@t.example";
const AGENT: &str = "spiffe://t.example/agent/a";
const AGENT_B: &str = "spiffe://t.example/agent/b";
const AGENT_C: &str = "spiffe://t.example/agent/c";

fn at(hms: &str) -> String {
    format!("2026-11-20T{hms}Z")
}

fn human(id: &str) -> Value {
    json!({ "type": "human", "id": id })
}
fn agent(id: &str) -> Value {
    json!({ "type": "agent", "id": id })
}
fn service(id: &str) -> Value {
    json!({ "type": "service", "id": id, "name": id })
}
fn system(id: &str) -> Value {
    json!({ "type": "system", "id": id })
}

/// An event body: `kind`, `id`, `actor`, and the members of `extra`.
fn body(kind: &str, id: &str, actor: Value, extra: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kind".into(), kind.into());
    m.insert("id".into(), id.into());
    m.insert("actor".into(), actor);
    if let Value::Object(extra) = extra {
        m.extend(extra);
    }
    m
}

fn tool(name: &str) -> Value {
    json!({ "name": name, "argumentsHash": hash_of(name.as_bytes()) })
}
fn change(resource: &str) -> Value {
    json!({ "resource": resource, "operation": "update", "outcome": "success" })
}
fn output(text: &str) -> Value {
    json!({ "hash": hash_of(text.as_bytes()), "text": text })
}
fn decision(id: &str, verdict: &str) -> Value {
    json!({
        "engine": "opa", "policyId": "p", "policyVersion": "1", "decision": verdict,
        "decisionId": id, "inputHash": hash_of(id.as_bytes()),
    })
}
fn issued(token: &str, subject: &str, from: &str, until: &str) -> Value {
    json!({
        "tokenId": token, "issuer": "https://sts.t.example", "subject": subject,
        "scope": ["s"], "issuedAt": at(from), "expiresAt": at(until),
    })
}

/// A bundle being written: every emitter gets a key (from a fixed seed) bound by
/// the root through 2026.
struct Story {
    root: Signer,
    builder: BundleBuilder,
    keys: BTreeMap<String, Signer>,
}

impl Story {
    fn new() -> Story {
        Story {
            root: Signer::from_seed([1; 32]),
            builder: BundleBuilder::new(),
            keys: BTreeMap::new(),
        }
    }

    fn key(&mut self, emitter: &str) -> &Signer {
        let n = self.keys.len() as u8;
        if !self.keys.contains_key(emitter) {
            let signer = Signer::from_seed([20 + n; 32]);
            self.builder.bind(
                &self.root,
                &signer.public_key(),
                emitter,
                "2026-01-01T00:00:00Z",
                "2027-01-01T00:00:00Z",
            );
            self.keys.insert(emitter.to_owned(), signer);
        }
        &self.keys[emitter]
    }

    /// Adds an event by `emitter` at `hms`; returns its bundle position.
    fn ev(&mut self, emitter: &str, hms: &str, body: Map<String, Value>) -> usize {
        self.key(emitter);
        let position = self.builder.len();
        self.builder
            .event(&self.keys[emitter], emitter, &at(hms), body);
        position
    }

    /// Adds one emitter event with the given `seq` and `prev`, signed elsewhere;
    /// returns its digest.
    fn raw(
        &mut self,
        emitter: &str,
        seq: u64,
        prev: Option<&str>,
        hms: &str,
        body: Map<String, Value>,
    ) -> String {
        let (envelope, digest) = sign_event(self.key(emitter), emitter, seq, prev, &at(hms), body);
        self.builder
            .signed_event(&envelope)
            .expect("an event envelope");
        digest
    }

    fn finish(mut self) -> String {
        let collector = Signer::from_seed([2; 32]);
        self.builder.bind(
            &self.root,
            &collector.public_key(),
            COLLECTOR,
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
        self.builder
            .finish(&collector, COLLECTOR, "bundle-t", &at("23:00:00"))
    }
}

/// Verifies `bundle` against the test root and reads its events.
fn read(bundle: &str) -> (Report, Vec<(usize, Event)>) {
    let root = Signer::from_seed([1; 32]).public_key();
    let events = Mutex::new(Vec::new());
    let report = bundle::verify_and_read(
        bundle.as_bytes(),
        &[root],
        &Limits::default(),
        1,
        &|_, _| {},
        &|e| {
            events
                .lock()
                .expect("not poisoned")
                .push((e.index, e.event.clone()))
        },
    )
    .expect("readable");
    let mut events = events.into_inner().expect("not poisoned");
    events.sort_by_key(|(i, _)| *i);
    (report, events)
}

fn findings_with(bundle: &str, policy: &Policy) -> Vec<Finding> {
    let (report, events) = read(bundle);
    analyse(&report, &events, policy)
}

fn findings(bundle: &str) -> Vec<Finding> {
    findings_with(bundle, &Policy::default())
}

/// The events named by each finding of `rule`.
fn of(findings: &[Finding], rule: Rule) -> Vec<Vec<usize>> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.events.clone())
        .collect()
}

/// The rule and events of every finding.
fn all(findings: &[Finding]) -> Vec<(Rule, Vec<usize>)> {
    findings
        .iter()
        .map(|f| (f.rule, f.events.clone()))
        .collect()
}

fn edit(bundle: &str, f: impl FnOnce(&mut Vec<Value>)) -> String {
    let mut v: Value = serde_json::from_str(bundle).expect("JSON");
    f(v["events"].as_array_mut().expect("events"));
    v.to_string()
}

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

// ---------------------------------------------------------------------------------
// no-executor

/// A model output, then a change whose parent is `parent`, with a credential when
/// `credential`.
fn executed(through_tool: bool, credential: bool) -> String {
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
            json!({ "parent": "d", "initiator": human(ALICE), "output": output("do it") }),
        ),
    );
    let mut parent = "m";
    if through_tool {
        s.ev(
            E,
            "10:00:02",
            body(
                "tool.call",
                "c",
                agent(AGENT),
                json!({ "parent": "m", "initiator": human(ALICE), "tool": tool("t") }),
            ),
        );
        parent = "c";
    }
    let mut effect =
        json!({ "parent": parent, "initiator": human(ALICE), "change": change("db://staging/t") });
    if credential {
        effect["credential"] = json!({ "tokenId": "t" });
    }
    s.ev(
        E,
        "10:00:03",
        body("side_effect", "x", agent(AGENT), effect),
    );
    s.finish()
}

#[test]
fn a_change_straight_from_model_output_is_no_executor() {
    let f = findings(&executed(false, false));
    assert_eq!(all(&f), vec![(Rule::NoExecutor, vec![2, 1])]);
}

#[test]
fn a_tool_call_or_a_credential_makes_an_executor() {
    assert_eq!(all(&findings(&executed(true, false))), vec![]);
    assert_eq!(all(&findings(&executed(false, true))), vec![]);
}

// ---------------------------------------------------------------------------------
// chain-broken, sequence-gap, clock-inversion, outside-time-range

fn plain(id: &str) -> Map<String, Value> {
    body("system", id, system("s"), json!({}))
}

/// Three events of one emitter, signed one by one: the second's `prev` or `seq`
/// as given.
fn chained(second_prev_wrong: bool, second_seq: u64) -> String {
    let mut s = Story::new();
    let d0 = s.raw(E, 0, None, "10:00:00", plain("a"));
    let prev = if second_prev_wrong {
        "00".repeat(32)
    } else {
        d0
    };
    s.raw(E, second_seq, Some(&prev), "10:00:01", plain("b"));
    s.finish()
}

#[test]
fn a_broken_link_is_chain_broken() {
    let f = findings(&chained(true, 1));
    assert_eq!(all(&f), vec![(Rule::ChainBroken, vec![1])]);
    assert!(f[0].detail.contains(E), "{}", f[0].detail);
    assert_eq!(all(&findings(&chained(false, 1))), vec![]);
}

#[test]
fn reordered_events_are_chain_broken_and_the_manifest_says_so() {
    let mut s = Story::new();
    s.ev(E, "10:00:00", plain("a"));
    s.ev(E, "10:00:01", plain("b"));
    s.ev(E, "10:00:02", plain("c"));
    let bundle = edit(&s.finish(), |events| events.swap(1, 2));
    let f = findings(&bundle);
    // The manifest no longer matches; the event moved ahead leaves a gap behind
    // it, and the one moved back comes after a later one.
    assert_eq!(
        all(&f),
        vec![
            (Rule::ChainBroken, vec![]),
            (Rule::ChainBroken, vec![2]),
            (Rule::SequenceGap, vec![1, 0]),
        ]
    );
}

#[test]
fn skipped_sequence_numbers_are_a_sequence_gap() {
    let f = findings(&chained(false, 3));
    assert_eq!(all(&f), vec![(Rule::SequenceGap, vec![1, 0])]);
    assert!(f[0].detail.contains("2 missing"), "{}", f[0].detail);
}

#[test]
fn an_event_before_its_parent_or_its_predecessor_is_a_clock_inversion() {
    let mut s = Story::new();
    s.ev(E, "10:00:10", plain("a"));
    s.ev(E, "10:00:00", plain("b"));
    s.ev(F, "10:00:20", plain("c"));
    s.ev(
        E,
        "10:00:30",
        body("system", "d", system("s"), json!({ "parent": "c" })),
    );
    s.ev(
        F,
        "10:00:05",
        body("system", "e", system("s"), json!({ "parent": "d" })),
    );
    let f = findings(&s.finish());
    assert_eq!(
        all(&f),
        vec![
            (Rule::ClockInversion, vec![1, 0]),
            (Rule::ClockInversion, vec![4, 3, 2]),
        ]
    );
}

#[test]
fn an_inversion_within_the_clock_skew_is_no_finding() {
    let mut s = Story::new();
    s.ev(E, "10:00:10", plain("a"));
    s.ev(
        E,
        "10:00:06",
        body("system", "b", system("s"), json!({ "parent": "a" })),
    );
    let bundle = s.finish();
    assert_eq!(all(&findings(&bundle)), vec![]);
    let strict = Policy {
        clock_skew_seconds: 0,
        ..Policy::default()
    };
    assert_eq!(
        all(&findings_with(&bundle, &strict)),
        vec![(Rule::ClockInversion, vec![1, 0])]
    );
}

#[test]
fn an_event_outside_the_manifests_range_is_named() {
    let mut s = Story::new();
    s.ev(E, "10:00:00", plain("a"));
    s.ev(E, "10:01:00", plain("b"));
    let (late, _) = sign_event(s.key(F), F, 0, None, &at("12:00:00"), plain("late"));
    let clean = s.finish();
    assert_eq!(all(&findings(&clean)), vec![]);
    let late: Value = serde_json::from_str(&late).unwrap();
    let f = findings(&edit(&clean, |events| events.push(late)));
    assert_eq!(
        all(&f),
        vec![
            (Rule::ChainBroken, vec![]),
            (Rule::OutsideTimeRange, vec![2])
        ]
    );
    assert!(
        f[1].detail.contains("2026-11-20 12:00:00 UTC"),
        "{}",
        f[1].detail
    );
}

// ---------------------------------------------------------------------------------
// unsigned, untrusted

#[test]
fn an_event_whose_signature_fails_is_unsigned() {
    let mut s = Story::new();
    s.ev(E, "10:00:00", plain("a"));
    s.ev(F, "10:00:01", plain("b"));
    let clean = s.finish();
    assert_eq!(all(&findings(&clean)), vec![]);
    let bundle = edit(&clean, |events| {
        let sig = events[1]["signatures"][0]["sig"]
            .as_str()
            .unwrap()
            .to_owned();
        let flipped = match sig.strip_prefix('A') {
            Some(rest) => format!("B{rest}"),
            None => format!("A{}", &sig[1..]),
        };
        events[1]["signatures"][0]["sig"] = flipped.into();
    });
    let f = findings(&bundle);
    assert_eq!(all(&f), vec![(Rule::Unsigned, vec![1])]);
    assert!(f[0].detail.contains("signature.invalid"), "{}", f[0].detail);
}

#[test]
fn events_signed_outside_the_keys_certification_are_untrusted() {
    let mut s = Story::new();
    s.ev(E, "10:00:00", plain("a"));
    let stale = Signer::from_seed([77; 32]);
    s.builder.bind(
        &s.root,
        &stale.public_key(),
        F,
        "2026-01-01T00:00:00Z",
        "2026-06-01T00:00:00Z",
    );
    s.builder.event(&stale, F, &at("10:00:01"), plain("b"));
    s.builder.event(&stale, F, &at("10:00:02"), plain("c"));
    let f = findings(&s.finish());
    assert_eq!(all(&f), vec![(Rule::Untrusted, vec![1, 2])]);
    assert!(
        f[0].detail.contains("trust.outside_validity") && f[0].detail.contains(F),
        "{}",
        f[0].detail
    );
}

#[test]
fn an_uncertified_key_is_untrusted_not_unsigned() {
    let mut s = Story::new();
    s.ev(E, "10:00:00", plain("a"));
    let rogue = Signer::from_seed([78; 32]);
    s.builder.event(&rogue, F, &at("10:00:01"), plain("b"));
    let f = findings(&s.finish());
    assert_eq!(all(&f), vec![(Rule::Untrusted, vec![1])]);
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

// ---------------------------------------------------------------------------------
// Controls, order, determinism, odd inputs

#[test]
fn every_rule_maps_to_at_least_two_controls() {
    for rule in Rule::ALL {
        let controls = rule.controls();
        assert!(controls.len() >= 2, "{}: {controls:?}", rule.code());
        let mut ids: Vec<&str> = controls.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(
            ids.len(),
            controls.len(),
            "{}: a control twice",
            rule.code()
        );
        assert!(controls.iter().all(|c| !c.title.is_empty()));
    }
}

#[test]
fn the_document_lists_every_rule_with_its_severity_and_controls() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/findings.md");
    let doc = std::fs::read_to_string(&path).expect("docs/findings.md");
    let rows: Vec<Vec<String>> = doc
        .lines()
        .skip_while(|l| l.trim() != "<!-- rules -->")
        .skip(3)
        .take_while(|l| l.starts_with('|'))
        .map(|row| {
            row.split('|')
                .map(|c| c.trim().trim_matches('`').to_owned())
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    let expected: Vec<Vec<String>> = Rule::ALL
        .iter()
        .map(|r| {
            let ids: Vec<&str> = r.controls().iter().map(|c| c.id).collect();
            vec![
                r.code().to_owned(),
                r.severity().as_str().to_owned(),
                ids.join(", "),
            ]
        })
        .collect();
    assert_eq!(rows, expected, "the rules table of docs/findings.md");
    for rule in Rule::ALL {
        assert!(
            doc.matches(&format!("| `{}` | ", rule.code())).count() >= 2,
            "{} has no row in a table of what triggers it",
            rule.code()
        );
        for c in rule.controls() {
            assert!(
                doc.contains(&format!("| {} | {} |", c.id, c.title)),
                "{} {} is not listed with its title",
                c.id,
                c.title
            );
        }
    }
}

#[test]
fn findings_come_by_severity_then_first_event_and_are_deterministic() {
    // A bundle with several findings: a shared account (high), a sequence gap
    // (medium) and a clock inversion (low).
    let mut s = Story::new();
    let d0 = s.raw(F, 0, None, "10:00:30", plain("a"));
    s.raw(F, 2, Some(&d0), "10:00:00", plain("b"));
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
    s.ev(
        E,
        "10:02:00",
        body(
            "side_effect",
            "x",
            service("svc"),
            json!({ "parent": "d", "decisionRef": "dec-1", "change": change("db://staging/t") }),
        ),
    );
    let bundle = s.finish();
    let (report, events) = read(&bundle);
    let first = analyse(&report, &events, &Policy::default());
    assert_eq!(
        all(&first),
        vec![
            (Rule::SharedAccount, vec![3]),
            (Rule::SequenceGap, vec![1, 0]),
            (Rule::ClockInversion, vec![1, 0]),
        ]
    );
    // The same inputs, in another order, give the same findings and keys.
    let mut reversed = events.clone();
    reversed.reverse();
    let again = analyse(&report, &reversed, &Policy::default());
    assert_eq!(first, again);
    let (report2, events2) = read(&bundle);
    let keys = |f: &[Finding]| f.iter().map(Finding::key).collect::<Vec<_>>();
    assert_eq!(
        keys(&first),
        keys(&analyse(&report2, &events2, &Policy::default()))
    );
    assert_eq!(keys(&first)[0], "shared-account:3");
}

#[test]
fn cycles_duplicate_ids_and_unknown_references_do_not_trouble_the_rules() {
    let mut s = Story::new();
    s.ev(
        E,
        "10:00:00",
        body(
            "model.output",
            "a",
            agent(AGENT),
            json!({ "parent": "b", "output": output("x"), "decisionRef": "nowhere" }),
        ),
    );
    s.ev(
        E,
        "10:00:01",
        body(
            "tool.call",
            "b",
            agent(AGENT),
            json!({ "parent": "a", "tool": tool("t"), "approvalRef": "nowhere" }),
        ),
    );
    s.ev(E, "10:00:02", body("side_effect", "b", agent(AGENT), json!({ "parent": "b", "change": change("x://prod"), "credential": { "tokenId": "ghost" } })));
    s.ev(
        E,
        "10:00:03",
        body(
            "task.delegate",
            "c",
            agent(AGENT),
            json!({ "parent": "c", "delegation": { "to": agent(AGENT), "scope": [] } }),
        ),
    );
    let f = findings(&s.finish());
    // The side effect cites, through its ancestors, an approval and a decision that
    // are not there.
    assert_eq!(
        all(&f),
        vec![
            (Rule::DecisionAbsent, vec![0]),
            (Rule::ApprovalMissing, vec![2]),
        ]
    );
}

// ---------------------------------------------------------------------------------
// Arbitrary events

mod arbitrary {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::select;

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
}
