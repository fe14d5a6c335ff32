//! Attribution-gap findings through the server: listed with their events and
//! controls, disposed of by compliance reviewers (each disposition in the review
//! log, append-only, its tampering shown), governed by the admin's policy, and
//! carried into exports.

use model::Role;
use serde_json::Value;
use store::log_check;

use crate::helpers::{call, demo, spawn, Backend, TestApp};
use crate::on_both_databases;

/// Stores demo bundle `slug` (its root trusted); returns its summary.
async fn stored(app: &TestApp, slug: &str) -> Value {
    app.trust_demo_root().await;
    app.store(&format!("name={slug}.bundle.json"), demo(slug))
        .await
}

/// Disposes of finding `key` of bundle `sha` as `client`.
async fn dispose(
    app: &TestApp,
    client: &reqwest::Client,
    sha: &str,
    key: &str,
    decision: &str,
    reason: &str,
    responsibility: &str,
) -> (u16, Value) {
    call(
        app,
        client,
        "/api/findings/dispose",
        &[
            ("sha256", sha),
            ("finding", key),
            ("decision", decision),
            ("reason", reason),
            ("responsibility", responsibility),
        ],
    )
    .await
}

fn finding<'a>(findings: &'a Value, rule: &str) -> &'a Value {
    findings["items"]
        .as_array()
        .and_then(|items| items.iter().find(|f| f["rule"] == rule))
        .unwrap_or_else(|| panic!("no {rule} finding in {findings:#}"))
}

on_both_databases!(findings_are_listed_disposed_and_logged, disposed);
async fn disposed(backend: Backend) {
    let app = spawn(backend).await;
    let summary = stored(&app, "late-approval").await;
    let sha = summary["sha256"].as_str().expect("sha256");
    let (status, found) = call(
        &app,
        &app.client,
        "/api/bundles/findings",
        &[("sha256", sha)],
    )
    .await;
    assert_eq!(status, 200, "{found}");
    let late = finding(&found, "approval-late");
    assert_eq!(late["severity"], "high");
    assert_eq!(late["bundle"], sha);
    assert!(late["disposition"].is_null());
    let events = late["events"].as_array().expect("events");
    assert!(!events.is_empty());
    assert_eq!(late["event_count"].as_u64(), Some(events.len() as u64));
    assert!(
        events
            .iter()
            .all(|e| e["event_id"].is_string() && e["time"].is_string()),
        "each event is named with its ID and time: {events:?}"
    );
    assert!(
        late["controls"].as_array().is_some_and(|c| !c.is_empty()),
        "mapped to framework controls"
    );
    let key = late["key"].as_str().expect("key").to_owned();
    let first = events[0]["index"].as_u64().expect("index");

    // Refused, changing nothing: no reason, a finding the bundle does not have, a
    // role that does not annotate, an annotation without a responsibility.
    let (status, _) = dispose(&app, &app.client, sha, &key, "dismissed", "  ", "").await;
    assert_eq!(status, 400);
    let (status, answer) = call(
        &app,
        &app.client,
        "/api/findings/dispose",
        &[
            ("sha256", sha),
            ("finding", "approval-late:999"),
            ("decision", "accepted"),
            ("reason", "r"),
        ],
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let auditor = app.user("avery", Role::Auditor).await;
    let (status, _) = dispose(&app, &auditor, sha, &key, "accepted", "real", "").await;
    assert_eq!(status, 403);
    let (status, _) = dispose(&app, &app.client, sha, &key, "annotated", "real", "").await;
    assert_eq!(status, 400);
    let (status, _) = dispose(&app, &app.client, sha, &key, "annotated", "real", "nobody").await;
    assert_eq!(status, 400);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM finding_dispositions").await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM review_log WHERE action = 'finding'")
            .await,
        0
    );

    // Dismissed, then turned into an annotation: the newest is current.
    let (status, view) = dispose(
        &app,
        &app.client,
        sha,
        &key,
        "dismissed",
        "advisory mode was approved by the CAB",
        "",
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["disposition"]["decision"], "dismissed");
    assert_eq!(view["disposition"]["reviewer"], "reviewer");
    let (status, view) = dispose(
        &app,
        &app.client,
        sha,
        &key,
        "annotated",
        "the DBA approved after the fact",
        "human_approved_agent_executed",
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["disposition"]["decision"], "annotated");
    assert!(view["disposition"]["annotation_seq"].is_u64());
    assert_eq!(view["history"].as_array().map(Vec::len), Some(1));
    assert_eq!(view["history"][0]["decision"], "dismissed");
    let first_text = first.to_string();
    let (status, review) = call(
        &app,
        &app.client,
        "/api/events/review",
        &[("sha256", sha), ("index", first_text.as_str())],
    )
    .await;
    assert_eq!(status, 200);
    let annotation = &review["annotations"][0];
    assert_eq!(
        annotation["responsibility"],
        "human_approved_agent_executed"
    );
    assert!(
        annotation["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "approval-late")),
        "{annotation}"
    );
    // Listed again, the finding carries its disposition.
    let (_, found) = call(
        &app,
        &app.client,
        "/api/bundles/findings",
        &[("sha256", sha)],
    )
    .await;
    assert_eq!(
        finding(&found, "approval-late")["disposition"]["decision"],
        "annotated"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM review_log WHERE action = 'finding'")
            .await,
        2
    );
    assert!(
        log_check::check(&app.db, &app.key)
            .await
            .expect("check")
            .intact
    );

    // Append-only; and a row edited behind the triggers' back shows in the log check.
    assert!(
        sqlx::query("UPDATE finding_dispositions SET reason = 'nothing to see'")
            .execute(app.db.pool())
            .await
            .is_err(),
        "dispositions cannot be changed"
    );
    assert!(sqlx::query("DELETE FROM finding_dispositions")
        .execute(app.db.pool())
        .await
        .is_err());
    let drop_triggers: &[&str] = match backend {
        Backend::Sqlite => &["DROP TRIGGER finding_dispositions_no_update"],
        Backend::Postgres => {
            &["DROP TRIGGER finding_dispositions_append_only ON finding_dispositions"]
        }
    };
    for statement in drop_triggers {
        sqlx::query(statement)
            .execute(app.db.pool())
            .await
            .expect("drop trigger");
    }
    sqlx::query("UPDATE finding_dispositions SET decision = 'accepted'")
        .execute(app.db.pool())
        .await
        .expect("edit");
    let problems = log_check::check(&app.db, &app.key)
        .await
        .expect("check")
        .problems;
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("finding_dispositions:")),
        "{problems:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_policy_decides_what_is_a_finding() {
    let app = spawn(Backend::Sqlite).await;
    let summary = stored(&app, "prod-config-change").await;
    let sha = summary["sha256"].as_str().expect("sha256");
    let incident = summary["incident_id"]
        .as_i64()
        .expect("incident")
        .to_string();
    let rules = |found: &Value| -> Vec<String> {
        found["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|f| f["rule"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    // By default, changes to production resources need a human approval.
    let (status, policy) = call(&app, &app.client, "/api/settings/findings", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(policy["approval_required"], serde_json::json!(["*prod*"]));
    let (_, found) = call(
        &app,
        &app.client,
        "/api/incidents/findings",
        &[("incident", incident.as_str())],
    )
    .await;
    assert!(
        rules(&found).contains(&"approval-missing".to_owned()),
        "{found:#}"
    );

    // Only an admin changes the policy, and only to something usable.
    let form = |approval: &'static str, skew: &'static str| {
        vec![
            ("shared_accounts", "svc-reporting-*\n  \nsvc-reporting-*"),
            ("approval_required", approval),
            ("clock_skew_seconds", skew),
        ]
    };
    let (status, _) = call(
        &app,
        &app.client,
        "/api/settings/findings/set",
        &form("", "5"),
    )
    .await;
    assert_eq!(status, 403);
    let admin = app.user("root", Role::Admin).await;
    let (status, answer) = call(
        &app,
        &admin,
        "/api/settings/findings/set",
        &form("", "90000"),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let (status, policy) = call(
        &app,
        &admin,
        "/api/settings/findings/set",
        &form("billing://*", "30"),
    )
    .await;
    assert_eq!(status, 200, "{policy}");
    assert_eq!(
        policy["shared_accounts"],
        serde_json::json!(["svc-reporting-*"]),
        "blank and repeated patterns are dropped"
    );
    assert_eq!(policy["clock_skew_seconds"], 30);
    let (_, found) = call(
        &app,
        &app.client,
        "/api/bundles/findings",
        &[("sha256", sha)],
    )
    .await;
    assert!(
        !rules(&found).contains(&"approval-missing".to_owned()),
        "production is no longer listed as needing approval: {found:#}"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM review_log WHERE action = 'setting' \
             AND summary LIKE 'finding policy%'"
        )
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_carry_the_findings() {
    let app = spawn(Backend::Sqlite).await;
    let summary = stored(&app, "revoked-credential-use").await;
    let id = summary["incident_id"].as_i64().expect("incident");
    let get = |file: &'static str| {
        let (client, address) = (app.client.clone(), app.address.clone());
        async move {
            let response = client
                .get(format!("{address}/api/incidents/{id}/export/{file}"))
                .send()
                .await
                .expect("export");
            assert_eq!(response.status(), 200);
            response.bytes().await.expect("bytes")
        }
    };
    let review: Value = serde_json::from_slice(&get("review.json").await).expect("json");
    let revoked = review["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["rule"] == "credential-revoked"))
        .unwrap_or_else(|| panic!("{:#}", review["findings"]));
    assert!(revoked["controls"]
        .as_array()
        .is_some_and(|c| !c.is_empty()));
    let named: Vec<u64> = revoked["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["index"].as_u64())
        .collect();

    let csv = get("events.csv").await;
    let mut reader = csv::Reader::from_reader(csv.as_ref());
    let headers = reader.headers().expect("headers").clone();
    let column = headers
        .iter()
        .position(|h| h == "attribution_gaps")
        .expect("an attribution_gaps column");
    let index = headers.iter().position(|h| h == "index").expect("index");
    for record in reader.records() {
        let record = record.expect("a row");
        let at: u64 = record[index].parse().expect("an index");
        let gaps = &record[column];
        assert_eq!(
            named.contains(&at),
            gaps.contains("credential-revoked (open)"),
            "row {at}: {gaps:?}"
        );
    }

    let report = String::from_utf8(get("report.html").await.to_vec()).expect("utf-8");
    assert!(report.contains("Attribution-gap findings"));
    // The timeline is drawn, the finding's events ringed.
    assert!(report.contains("<h2>Delegation timeline</h2>"));
    assert_eq!(report.matches("<svg").count(), 1);
    assert_eq!(
        report.matches("stroke=\"#f97316\"").count(),
        named.len(),
        "one ring per event the finding names"
    );
    assert!(report.contains("Credential used after it was revoked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_findings_events_download_as_a_verifiable_excerpt() {
    let app = spawn(Backend::Sqlite).await;
    let summary = stored(&app, "late-approval").await;
    let sha = summary["sha256"].as_str().expect("sha256");
    let (_, found) = call(
        &app,
        &app.client,
        "/api/bundles/findings",
        &[("sha256", sha)],
    )
    .await;
    let positions: Vec<String> = finding(&found, "approval-late")["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["index"].to_string())
        .collect();
    let get = |query: String| {
        let (client, address, sha) = (app.client.clone(), app.address.clone(), sha.to_owned());
        async move {
            client
                .get(format!("{address}/api/bundles/{sha}/excerpt?{query}"))
                .send()
                .await
                .expect("request")
        }
    };
    let response = get(format!("events={}", positions.join(","))).await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("bytes");
    let root = server::demo::root().public_key();
    let report = evidence::excerpt::verify(&bytes, &[root], &evidence::bundle::Limits::default())
        .expect("an excerpt");
    assert_eq!(report.status(), evidence::bundle::Status::Verified);
    let mut verified: Vec<String> = report
        .events()
        .iter()
        .map(|e| e.index.to_string())
        .collect();
    let mut wanted = positions.clone();
    verified.sort();
    wanted.sort();
    assert_eq!(verified, wanted);
    assert!(report
        .events()
        .iter()
        .all(|e| e.inclusion == evidence::bundle::Check::Pass));
    // Positions it cannot use are refused, naming why; an excerpt is an export, logged.
    assert_eq!(get("events=one".into()).await.status(), 400);
    let far = get("events=9999".into()).await;
    assert_eq!(far.status(), 400);
    assert!(far.text().await.expect("text").contains("9999"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM review_log WHERE summary LIKE 'exported an excerpt%'")
            .await,
        1
    );
}
