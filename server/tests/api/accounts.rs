//! The account of every side effect is stated the same in every representation:
//! the golden files (`tests/golden/<slug>.txt`, written from each demo scenario's
//! story and checked against `evidence::findings::accounts` by `tests/golden.rs`),
//! the incident page as the server renders it, `events.csv`, `review.json` and
//! `report.html`; for every demo incident and every tampered variant.

use std::collections::BTreeMap;

use crate::helpers::{spawn, Backend, TestApp};

/// The six fields of an account, as the golden files and the sentences name them.
const FIELDS: [&str; 6] = [
    "Intended by",
    "Executed by",
    "Credential",
    "Authority",
    "Approval",
    "What changed",
];

/// `review.json`'s and the CSV's names of the same fields.
const KEYS: [(&str, &str); 6] = [
    ("intended", "intended_by"),
    ("executed", "executed_by"),
    ("credential", "credential"),
    ("authority", "authority"),
    ("approval", "approval"),
    ("change", "what_changed"),
];

/// A golden file: per side effect (bundle position), field → sentence.
fn golden(slug: &str) -> BTreeMap<u64, BTreeMap<String, String>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{slug}.txt"));
    let text = std::fs::read_to_string(&path).expect("a golden file per scenario");
    let mut out: BTreeMap<u64, BTreeMap<String, String>> = BTreeMap::new();
    let mut current = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("## side effect #") {
            let n: u64 = rest
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .expect("a position");
            current = Some(n);
            out.insert(n, BTreeMap::new());
        } else if let (Some(n), Some((field, sentence))) = (current, line.split_once(": ")) {
            if FIELDS.contains(&field) {
                out.entry(n)
                    .or_default()
                    .insert(field.to_owned(), sentence.to_owned());
            }
        }
    }
    out
}

/// Text as a server-rendered page escapes it (quotes stay as they are in text).
fn esc_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn text(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.expect("body")
}

/// Incident `id`'s `events.csv`: its header and its rows.
async fn events_csv(app: &TestApp, id: i64) -> (Vec<String>, Vec<csv::StringRecord>) {
    let csv = text(app, &format!("/api/incidents/{id}/export/events.csv")).await;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader.records().map(|r| r.expect("a row")).collect();
    (headers, rows)
}

async fn every_representation_agrees(backend: Backend) {
    let app = spawn(backend).await;
    app.trust_demo_root().await;
    for scenario in server::demo::scenarios()
        .into_iter()
        .chain(server::demo::tampered())
    {
        let want = golden(scenario.slug);
        let stored = app
            .store(
                &format!("name={}.bundle.json", scenario.slug),
                scenario.bundle,
            )
            .await;
        let id = stored["incident_id"].as_i64().expect("incident");
        let sha = stored["sha256"].as_str().expect("sha").to_owned();
        let slug = scenario.slug;

        // events.csv: the account columns on side-effect rows, empty elsewhere.
        let (headers, rows) = events_csv(&app, id).await;
        let column = |name: &str| headers.iter().position(|h| h == name).expect("column");
        let mut seen = 0;
        for row in rows {
            let index: u64 = row[column("index")].parse().expect("index");
            match want.get(&index) {
                Some(fields) => {
                    seen += 1;
                    for (field, (_, csv_name)) in FIELDS.iter().zip(KEYS) {
                        let expected = store::exports::neutralise(&fields[*field]);
                        assert_eq!(
                            &row[column(csv_name)],
                            expected.as_ref(),
                            "{slug} #{index} {field} in events.csv"
                        );
                    }
                }
                None => {
                    for (_, csv_name) in KEYS {
                        assert_eq!(&row[column(csv_name)], "", "{slug} #{index}: no account");
                    }
                }
            }
        }
        assert_eq!(seen, want.len(), "{slug}: every side effect has a CSV row");

        // review.json: one account per side effect, in camelCase only.
        let review = text(&app, &format!("/api/incidents/{id}/export/review.json")).await;
        assert!(
            !review.contains("\"bundle_sha256\"") && !review.contains("\"incident_id\""),
            "{slug}: review.json has one key style"
        );
        let review: serde_json::Value = serde_json::from_str(&review).expect("JSON");
        let rows = review["responsibility"].as_array().expect("responsibility");
        assert_eq!(rows.len(), want.len(), "{slug}: review.json side effects");
        for row in rows {
            assert_eq!(row["bundle"].as_str(), Some(sha.as_str()));
            let index = row["event"].as_u64().expect("event");
            let fields = &want[&index];
            for (field, (key, _)) in FIELDS.iter().zip(KEYS) {
                assert_eq!(
                    row["sentences"][key].as_str(),
                    Some(fields[*field].as_str()),
                    "{slug} #{index} {field} in review.json"
                );
            }
            assert!(row["account"]["intended"]["state"].is_string(), "typed");
        }

        // report.html and the incident page: the same sentences, escaped.
        let report = text(&app, &format!("/api/incidents/{id}/export/report.html")).await;
        let page = text(&app, &format!("/incidents/{id}")).await;
        // The report's picture numbers every event, so "#n" can be found on it.
        for index in want.keys() {
            assert!(
                report.contains(&format!("data-event=\"{index}\">{index}</text>")),
                "{slug}: #{index} is numbered in the report's picture"
            );
        }
        if slug == "revoked-credential-use" {
            assert!(report.contains("data-credential=\"at-support-9d3e71\""));
            assert!(report.contains("data-revoked"), "the revocation is drawn");
        }
        for (index, fields) in &want {
            for field in FIELDS {
                let cell = format!(
                    "data-account=\"{field}\">{}</td>",
                    model::text::html(&fields[field])
                );
                assert!(
                    report.contains(&cell),
                    "{slug} #{index} {field} in report.html: {cell}"
                );
                assert!(
                    page.contains(&esc_text(&fields[field])),
                    "{slug} #{index} {field} on the incident page"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_representation_states_the_golden_account() {
    every_representation_agrees(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_representation_states_the_golden_account_on_postgres() {
    every_representation_agrees(Backend::Postgres).await;
}

/// A small deterministic generator (xorshift), so a failing case can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A random valid bundle: delegations, tool calls, policy decisions (some denying),
/// approvals (some rejected, some late), credentials (some revoked, some expired) and
/// side effects citing any of them, or nothing; and its root.
fn random_bundle(seed: u64) -> (String, evidence::producer::Signer) {
    use evidence::producer::{BundleBuilder, Signer};
    use serde_json::{json, Value};
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let root = Signer::from_seed([71; 32]);
    let emitters = [Signer::from_seed([72; 32]), Signer::from_seed([73; 32])];
    let names = ["spiffe://p.example/gw", "spiffe://p.example/db"];
    let collector = Signer::from_seed([74; 32]);
    let mut b = BundleBuilder::new();
    let (from, to) = ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    for (s, n) in emitters.iter().zip(names) {
        b.bind(&root, &s.public_key(), n, from, to);
    }
    b.bind(&root, &collector.public_key(), "collector", from, to);
    let actors = [
        json!({"type": "human", "id": "ana@p.example", "name": "Ana"}),
        json!({"type": "human", "id": "ben@p.example"}),
        json!({"type": "agent", "id": "spiffe://p.example/agent/a", "name": "agent-a"}),
        json!({"type": "agent", "id": "spiffe://p.example/agent/b"}),
        json!({"type": "service", "id": "svc-shared"}),
    ];
    let hash = |s: &str| evidence::event::hash_of(s.as_bytes());
    let n = 8 + rng.below(14);
    let mut t = 1_794_906_000i64; // 2026-11-17T09:00:00Z
    let mut ids: Vec<String> = Vec::new();
    let mut effects = 0;
    for i in 0..n {
        t += rng.below(400) as i64;
        let time = chrono::DateTime::from_timestamp(t, 0)
            .expect("a time")
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let id = format!("e{i}");
        let actor = actors[rng.below(actors.len())].clone();
        let kind = if i + 2 >= n && effects < 2 {
            "side_effect"
        } else {
            [
                "request",
                "task.delegate",
                "tool.call",
                "policy.decision",
                "approval.request",
                "approval.decision",
                "credential.issue",
                "credential.revoke",
                "side_effect",
                "side_effect",
            ][rng.below(10)]
        };
        let mut body = json!({ "kind": kind, "id": id, "actor": actor });
        if !ids.is_empty() && rng.chance(70) {
            body["parent"] = ids[rng.below(ids.len())].clone().into();
        }
        if rng.chance(30) {
            body["initiator"] = actors[rng.below(2)].clone();
        }
        if rng.chance(25) {
            body["onBehalfOf"] = json!([
                actors[2 + rng.below(2)].clone(),
                actors[rng.below(2)].clone()
            ]);
        }
        let token = format!("tok-{}", rng.below(3));
        let approval = format!("ap-{}", rng.below(3));
        match kind {
            "task.delegate" => {
                body["delegation"] =
                    json!({"to": actors[2 + rng.below(3)].clone(), "scope": ["s:read"]})
            }
            "tool.call" => body["tool"] = json!({"name": "deploy", "argumentsHash": hash(&id)}),
            "policy.decision" => {
                body["decision"] = json!({"engine": "opa", "policyId": "p", "policyVersion": "1",
                    "decision": if rng.chance(25) { "deny" } else { "allow" },
                    "decisionId": format!("d-{}", rng.below(3)), "inputHash": hash(&id)})
            }
            "approval.request" => {
                body["approval"] = json!({"approvalId": approval, "askedOf": [actors[1].clone()]})
            }
            "approval.decision" => {
                body["approval"] = json!({"approvalId": approval, "decidedBy": actors[rng.below(4)].clone(),
                    "decision": if rng.chance(25) { "rejected" } else { "approved" }})
            }
            "credential.issue" => {
                let expires = chrono::DateTime::from_timestamp(t + 300 + rng.below(3000) as i64, 0)
                    .expect("a time")
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                body["credential"] = json!({"tokenId": token, "issuer": "https://sts.p.example",
                    "subject": actors[2 + rng.below(3)]["id"].clone(), "scope": ["s:write"],
                    "issuedAt": time, "expiresAt": expires})
            }
            "credential.revoke" => body["credential"] = json!({"tokenId": token}),
            "side_effect" => {
                effects += 1;
                body["change"] = json!({
                    "resource": if rng.chance(50) { "db://prod/t" } else { "db://dev/t" },
                    "operation": "update",
                    "outcome": if rng.chance(85) { "success" } else { "failure" },
                });
                if rng.chance(50) {
                    body["change"]["afterHash"] = hash(&time).into();
                }
                if rng.chance(50) {
                    body["decisionRef"] = format!("d-{}", rng.below(4)).into();
                }
                if rng.chance(40) {
                    body["approvalRef"] = approval.into();
                }
                if rng.chance(60) {
                    body["credential"] = json!({"tokenId": token});
                }
            }
            _ => {}
        }
        let Value::Object(body) = body else {
            unreachable!()
        };
        let e = rng.below(2);
        b.event(&emitters[e], names[e], &time, body);
        ids.push(id);
    }
    let end = chrono::DateTime::from_timestamp(t + 60, 0)
        .expect("a time")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    (
        b.finish(&collector, "collector", &format!("random-{seed}"), &end),
        root,
    )
}

/// For random valid bundles, `events.csv`, `review.json` and `report.html` state, field
/// for field, what `evidence::findings::accounts` derives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_bundles_are_stated_as_the_account_function_derives_them() {
    use evidence::findings::account::{ApprovalFacts, Authority, CredentialFacts, CredentialState};
    let app = spawn(Backend::Sqlite).await;
    let mut checked = 0;
    // Which states the random bundles reached, so the property covers them.
    let mut seen = std::collections::BTreeSet::new();
    for seed in 1..=24u64 {
        let (bundle, root) = random_bundle(seed);
        store::trust_roots::add(
            &app.db,
            &app.key,
            store::review_log::Actor::Cli,
            &root.public_key(),
            "random",
        )
        .await
        .ok();
        // What the account function says, from the bytes alone.
        let (report, events) = evidence::bundle::verify_and_collect(
            bundle.as_bytes(),
            &[root.public_key()],
            &evidence::bundle::Limits::default(),
        )
        .expect("a valid bundle");
        assert_eq!(
            report.status(),
            evidence::bundle::Status::Verified,
            "seed {seed}"
        );
        let want = evidence::findings::accounts(&events, &Default::default());
        assert!(want.len() >= 2, "seed {seed}: side effects");

        let stored = app
            .store(&format!("name=random-{seed}.bundle.json"), bundle)
            .await;
        let id = stored["incident_id"].as_i64().expect("incident");
        let (headers, rows) = events_csv(&app, id).await;
        let column = |name: &str| headers.iter().position(|h| h == name).expect("column");
        let review: serde_json::Value = serde_json::from_str(
            &text(&app, &format!("/api/incidents/{id}/export/review.json")).await,
        )
        .expect("JSON");
        let listed = review["responsibility"].as_array().expect("responsibility");
        assert_eq!(listed.len(), want.len(), "seed {seed}");
        let report_html = text(&app, &format!("/api/incidents/{id}/export/report.html")).await;
        for account in &want {
            let said = account.sentences();
            let row = rows
                .iter()
                .find(|r| r[column("index")] == account.position.to_string())
                .expect("a row per event");
            for ((field, sentence), (key, csv_name)) in said.fields().into_iter().zip(KEYS) {
                assert_eq!(
                    &row[column(csv_name)],
                    store::exports::neutralise(sentence).as_ref(),
                    "seed {seed} #{} {field} in events.csv",
                    account.position
                );
                let entry = listed
                    .iter()
                    .find(|e| e["event"].as_u64() == Some(account.position as u64))
                    .expect("listed");
                assert_eq!(entry["sentences"][key].as_str(), Some(sentence));
                assert!(
                    report_html.contains(&format!(
                        "data-account=\"{field}\">{}</td>",
                        model::text::html(sentence)
                    )),
                    "seed {seed} #{} {field} in report.html",
                    account.position
                );
            }
            let entry = listed
                .iter()
                .find(|e| e["event"].as_u64() == Some(account.position as u64))
                .expect("listed");
            assert_eq!(
                entry["account"],
                serde_json::to_value(account).expect("JSON"),
                "seed {seed} #{}: the typed account",
                account.position
            );
            checked += 1;
            seen.insert(if account.intended.is_recorded() {
                "intended"
            } else {
                "intent not recorded"
            });
            seen.insert(match &account.authority {
                Authority::Decision {
                    denied_before: Some(_),
                    ..
                } => "deny before",
                Authority::Decision { .. } => "decision",
                Authority::Absent { .. } => "decision absent",
                Authority::NotRecorded { .. } => "no decision",
            });
            seen.insert(match &account.approval {
                ApprovalFacts::NotNeeded => "approval not needed",
                ApprovalFacts::Approved {
                    late_by_seconds: None,
                    ..
                } => "approved",
                ApprovalFacts::Approved { .. } => "approved late",
                ApprovalFacts::Rejected { .. } => "rejected",
                ApprovalFacts::Missing { .. } => "approval missing",
            });
            match &account.credential {
                CredentialFacts::NotRecorded => {
                    seen.insert("no credential");
                }
                CredentialFacts::Presented { states, .. } => {
                    for state in states {
                        seen.insert(match state {
                            CredentialState::Valid => "valid",
                            CredentialState::Revoked { .. } => "revoked",
                            CredentialState::Expired { .. } => "expired",
                            CredentialState::NotYetIssued { .. } => "not yet issued",
                            CredentialState::ValidityNotStated => "validity not stated",
                        });
                    }
                }
            }
        }
    }
    assert!(checked >= 48, "{checked} side effects checked");
    for state in [
        "intended",
        "intent not recorded",
        "decision",
        "decision absent",
        "no decision",
        "approval not needed",
        "approved",
        "approval missing",
        "no credential",
        "valid",
        "revoked",
        "validity not stated",
    ] {
        assert!(
            seen.contains(state),
            "no random bundle reached {state}: {seen:?}"
        );
    }
}
