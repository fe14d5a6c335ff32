//! What every findings test uses: the identities, event bodies, a [`Story`] that
//! writes a signed bundle, and reading a bundle's findings back.

use std::collections::BTreeMap;
use std::sync::Mutex;

use evidence::bundle::{self, Limits, Report};
use evidence::event::{hash_of, Event};
use evidence::findings::{analyse, Finding, Policy, Rule};
use evidence::producer::{sign_event, BundleBuilder, Signer};
use serde_json::{json, Map, Value};

pub const E: &str = "spiffe://t.example/emitter";
pub const F: &str = "spiffe://t.example/other-emitter";
pub const COLLECTOR: &str = "spiffe://t.example/collector";

pub const ALICE: &str = "alice@t.example";
pub const BOB: &str = "bob@t.example";
pub const AGENT: &str = "spiffe://t.example/agent/a";
pub const AGENT_B: &str = "spiffe://t.example/agent/b";
pub const AGENT_C: &str = "spiffe://t.example/agent/c";

pub fn at(hms: &str) -> String {
    format!("2026-11-20T{hms}Z")
}

pub fn human(id: &str) -> Value {
    json!({ "type": "human", "id": id })
}
pub fn agent(id: &str) -> Value {
    json!({ "type": "agent", "id": id })
}
pub fn service(id: &str) -> Value {
    json!({ "type": "service", "id": id, "name": id })
}
pub fn system(id: &str) -> Value {
    json!({ "type": "system", "id": id })
}

/// An event body: `kind`, `id`, `actor`, and the members of `extra`.
pub fn body(kind: &str, id: &str, actor: Value, extra: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kind".into(), kind.into());
    m.insert("id".into(), id.into());
    m.insert("actor".into(), actor);
    if let Value::Object(extra) = extra {
        m.extend(extra);
    }
    m
}

pub fn tool(name: &str) -> Value {
    json!({ "name": name, "argumentsHash": hash_of(name.as_bytes()) })
}
pub fn change(resource: &str) -> Value {
    json!({ "resource": resource, "operation": "update", "outcome": "success" })
}
pub fn output(text: &str) -> Value {
    json!({ "hash": hash_of(text.as_bytes()), "text": text })
}
pub fn decision(id: &str, verdict: &str) -> Value {
    json!({
        "engine": "opa", "policyId": "p", "policyVersion": "1", "decision": verdict,
        "decisionId": id, "inputHash": hash_of(id.as_bytes()),
    })
}
pub fn issued(token: &str, subject: &str, from: &str, until: &str) -> Value {
    json!({
        "tokenId": token, "issuer": "https://sts.t.example", "subject": subject,
        "scope": ["s"], "issuedAt": at(from), "expiresAt": at(until),
    })
}

/// A bundle being written: every emitter gets a key (from a fixed seed) bound by
/// the root through 2026.
pub struct Story {
    pub root: Signer,
    pub builder: BundleBuilder,
    keys: BTreeMap<String, Signer>,
}

impl Story {
    pub fn new() -> Story {
        Story {
            root: Signer::from_seed([1; 32]),
            builder: BundleBuilder::new(),
            keys: BTreeMap::new(),
        }
    }

    pub fn key(&mut self, emitter: &str) -> &Signer {
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
    pub fn ev(&mut self, emitter: &str, hms: &str, body: Map<String, Value>) -> usize {
        self.key(emitter);
        let position = self.builder.len();
        self.builder
            .event(&self.keys[emitter], emitter, &at(hms), body);
        position
    }

    /// Adds one emitter event with the given `seq` and `prev`, signed elsewhere;
    /// returns its digest.
    pub fn raw(
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

    pub fn finish(mut self) -> String {
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
pub fn read(bundle: &str) -> (Report, Vec<(usize, Event)>) {
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

pub fn findings_with(bundle: &str, policy: &Policy) -> Vec<Finding> {
    let (report, events) = read(bundle);
    analyse(&report, &events, policy)
}

pub fn findings(bundle: &str) -> Vec<Finding> {
    findings_with(bundle, &Policy::default())
}

/// The events named by each finding of `rule`.
pub fn of(findings: &[Finding], rule: Rule) -> Vec<Vec<usize>> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.events.clone())
        .collect()
}

/// The rule and events of every finding.
pub fn all(findings: &[Finding]) -> Vec<(Rule, Vec<usize>)> {
    findings
        .iter()
        .map(|f| (f.rule, f.events.clone()))
        .collect()
}

pub fn edit(bundle: &str, f: impl FnOnce(&mut Vec<Value>)) -> String {
    let mut v: Value = serde_json::from_str(bundle).expect("JSON");
    f(v["events"].as_array_mut().expect("events"));
    v.to_string()
}

pub fn plain(id: &str) -> Map<String, Value> {
    body("system", id, system("s"), json!({}))
}
