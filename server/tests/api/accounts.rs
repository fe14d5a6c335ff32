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

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
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
        let csv = text(&app, &format!("/api/incidents/{id}/export/events.csv")).await;
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .expect("headers")
            .iter()
            .map(str::to_owned)
            .collect();
        let column = |name: &str| headers.iter().position(|h| h == name).expect("column");
        let mut seen = 0;
        for row in reader.records() {
            let row = row.expect("a row");
            let index: u64 = row[column("index")].parse().expect("index");
            match want.get(&index) {
                Some(fields) => {
                    seen += 1;
                    for (field, (_, csv_name)) in FIELDS.iter().zip(KEYS) {
                        let expected = app::store::exports::neutralise(&fields[*field]);
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
                let cell = format!("data-account=\"{field}\">{}</td>", esc(&fields[field]));
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
