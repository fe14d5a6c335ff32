//! Ingest, storage and the incident and event API, each test on SQLite and on
//! PostgreSQL.

use serde_json::Value;

use crate::helpers::{demo, spawn, spawn_with, Backend};
use crate::on_both_databases;

on_both_databases!(
    a_bundle_is_stored_as_received_with_its_verdict,
    stored_as_received
);
async fn stored_as_received(backend: Backend) {
    let app = spawn(backend).await;
    let bytes = demo("prod-config-change");

    // Without the root, the evidence is intact but not tied to a trusted root.
    let response = app
        .upload(
            "name=prod.bundle.json&title=Prod%20config&severity=critical",
            bytes.clone(),
        )
        .await;
    assert_eq!(response.status(), 200);
    let stored: Value = response.json().await.expect("json");
    assert_eq!(stored["verdict"], "untrusted", "{stored}");
    assert_eq!(stored["event_count"], 15);
    let sha = stored["sha256"].as_str().expect("sha").to_owned();
    assert_eq!(sha, store::ingest::address(bytes.as_bytes()));

    // The bytes come back exactly.
    let raw = app.get(&format!("/api/bundles/{sha}/raw")).await;
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.bytes().await.expect("bytes").as_ref(), bytes.as_bytes());

    // With the root trusted, another bundle of the corpus verifies.
    app.trust_demo_root().await;
    let other: Value = app
        .store("name=jit.bundle.json", demo("privileged-api-jit"))
        .await;
    assert_eq!(other["verdict"], "verified", "{other}");
    assert_eq!(other["reasons"], serde_json::json!([]));

    // Both are listed as incidents with counts and verdicts.
    let incidents = app.json("/api/incidents").await;
    let incidents = incidents.as_array().expect("array");
    assert_eq!(incidents.len(), 2);
    let prod = incidents
        .iter()
        .find(|i| i["title"] == "Prod config")
        .expect("the incident");
    assert_eq!(prod["severity"], "critical");
    assert_eq!(prod["bundle_count"], 1);
    assert_eq!(prod["event_count"], 15);
    assert_eq!(prod["verdict"], "untrusted");

    // The stored transcript is the evidence crate's report.
    let report = app.json(&format!("/api/bundles/{sha}/report")).await;
    assert_eq!(report["status"], "untrusted");

    // A second bundle can join an existing incident.
    let id = prod["id"].as_i64().expect("id");
    let joined: Value = app
        .store(&format!("incident={id}"), demo("secrets-export"))
        .await;
    assert_eq!(joined["incident_id"], id);
    let detail = app.json(&format!("/api/incidents/{id}")).await;
    assert_eq!(detail["bundles"].as_array().map(Vec::len), Some(2));
    assert_eq!(detail["incident"]["bundle_count"], 2);

    // Into an incident that does not exist: refused, nothing stored.
    let response = app.upload("incident=9999", demo("late-approval")).await;
    assert_eq!(response.status(), 404);
    assert_eq!(app.count("SELECT COUNT(*) FROM bundles").await, 3);
}

on_both_databases!(
    a_tampered_bundle_is_stored_and_flagged_with_its_exact_reasons,
    tampered_is_stored
);
async fn tampered_is_stored(backend: Backend) {
    let app = spawn(backend).await;
    app.trust_demo_root().await;
    for variant in server::demo::tampered() {
        let response = app.upload("", variant.bundle.clone()).await;
        assert_eq!(response.status(), 200, "{}", variant.slug);
        let stored: Value = response.json().await.expect("json");
        assert_eq!(
            stored["verdict"], variant.expected_status,
            "{}",
            variant.slug
        );
        assert_eq!(
            stored["reasons"],
            serde_json::json!(variant.expected_reasons),
            "{}",
            variant.slug
        );
    }
    // A failed event is findable by its verdict, with the failing check's code.
    let failed = app.json("/api/events?verdict=fail&per_page=500").await;
    assert!(failed["total"].as_i64().unwrap_or(0) > 0);
    for e in failed["items"].as_array().expect("items") {
        assert_eq!(e["verdict"], "fail");
        assert!(
            !e["findings"].as_array().expect("findings").is_empty(),
            "{e}"
        );
    }
}

on_both_databases!(
    a_malformed_bundle_is_refused_and_nothing_is_stored,
    malformed_refused
);
async fn malformed_refused(backend: Backend) {
    let app = spawn(backend).await;
    let cases: [(&str, &str, &str); 4] = [
        ("not json", "{\"custody", "bundle.malformed"),
        ("an array", "[]", "bundle.malformed"),
        (
            "a later version",
            r#"{"custodyBundle": 2, "manifest": {}, "events": []}"#,
            "bundle.unsupported_version",
        ),
        ("empty", "", "bundle.malformed"),
    ];
    for (what, body, code) in cases {
        let response = app.upload("", body.to_owned()).await;
        assert_eq!(response.status(), 400, "{what}");
        let error: Value = response.json().await.expect("json");
        assert_eq!(error["error"]["code"], code, "{what}: {error}");
        let message = error["error"]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty());
        assert!(
            !message.contains("sqlx") && !message.contains("/tmp"),
            "{message}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM bundles").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM incidents").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 0);
}

on_both_databases!(each_limit_is_enforced_and_named, limits);
async fn limits(backend: Backend) {
    let app = spawn_with(backend, |c| {
        c.limits.max_bundle_bytes = 64 * 1024;
        c.limits.max_events = 10;
        c.limits.max_payload_bytes = 600;
        c.limits.max_json_depth = 4;
    })
    .await;
    // Size: refused from the declared length before the body is read, and when
    // streamed without a declared length, at the limit.
    let (status, body) = raw_post(&app, "Content-Length: 1000000000\r\n", b"").await;
    assert_eq!(status, 413, "{body}");
    let error: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(error["error"]["code"], "bundle.too_large");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("65536"));
    let mut chunked = Vec::new();
    for _ in 0..17 {
        chunked.extend_from_slice(b"1000\r\n");
        chunked.extend_from_slice(&[b' '; 4096]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (status, body) = raw_post(&app, "Transfer-Encoding: chunked\r\n", &chunked).await;
    assert_eq!(status, 413, "{body}");

    // Event count.
    let (eleven, _) = evidence::producer::synthetic(11, "eleven");
    let response = app.upload("", eleven).await;
    assert_eq!(response.status(), 413);
    let error: Value = response.json().await.expect("json");
    assert_eq!(error["error"]["code"], "bundle.too_many_events", "{error}");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("10"));

    // Payload size and depth: a signed event that breaks them makes the bundle
    // malformed, named by the event and the limit.
    // (A payload is read only once its signature holds with a certified key.)
    let root = evidence::producer::Signer::from_seed([9; 32]);
    store::trust_roots::add(
        &app.db,
        &app.key,
        store::review_log::Actor::Cli,
        &root.public_key(),
        "limits",
    )
    .await
    .expect("root");
    let signer = evidence::producer::Signer::from_seed([7; 32]);
    let payload_case = |body: serde_json::Value| {
        let mut b = evidence::producer::BundleBuilder::new();
        b.bind(
            &root,
            &signer.public_key(),
            "agent",
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
        let serde_json::Value::Object(body) = body else {
            unreachable!()
        };
        b.event(&signer, "agent", "2026-11-20T10:00:00Z", body);
        b.finish(&signer, "agent", "limits", "2026-11-20T10:00:00Z")
    };
    let large = payload_case(serde_json::json!({
        "kind": "system", "id": "e1", "actor": {"type": "system", "id": "s"},
        "ext": {"pad": "p".repeat(700)}
    }));
    let response = app.upload("", large).await;
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.expect("json");
    assert_eq!(error["error"]["code"], "payload.too_large", "{error}");
    assert!(error["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("600"));
    let deep = payload_case(serde_json::json!({
        "kind": "system", "id": "e1", "actor": {"type": "system", "id": "s"},
        "ext": {"a": {"b": {"c": {"d": {"e": 1}}}}}
    }));
    let response = app.upload("", deep).await;
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.expect("json");
    assert_eq!(error["error"]["code"], "payload.malformed", "{error}");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("deeper than 4"),
        "{error}"
    );

    assert_eq!(app.count("SELECT COUNT(*) FROM bundles").await, 0);
}

on_both_databases!(
    the_same_bytes_uploaded_fifty_times_at_once_are_stored_once,
    concurrent_duplicates
);
async fn concurrent_duplicates(backend: Backend) {
    let app = spawn(backend).await;
    app.trust_demo_root().await;
    let bytes = demo("multi-agent-pipeline");
    let uploads = (0..50).map(|_| {
        let app = &app;
        let bytes = bytes.clone();
        async move {
            let response = app.upload("name=same.json", bytes).await;
            (response.status(), response.text().await.expect("body"))
        }
    });
    let answers = futures_util::future::join_all(uploads).await;
    let (status, first) = &answers[0];
    assert_eq!(*status, 200, "{first}");
    for (status, body) in &answers {
        assert_eq!(*status, 200);
        assert_eq!(body, first, "every upload gets the same answer");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM bundles").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM incidents").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM events").await, 17);
    // One upload changed something: one entry, naming the roots it was verified with.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM review_log WHERE action = 'upload'")
            .await,
        1,
        "an upload of bytes already stored records nothing"
    );
    let (envelope,): (String,) =
        sqlx::query_as("SELECT envelope FROM review_log WHERE action = 'upload'")
            .fetch_one(app.db.pool())
            .await
            .expect("the upload entry");
    let envelope: serde_json::Value = serde_json::from_str(&envelope).expect("json");
    let payload = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        envelope["payload"].as_str().expect("payload"),
    )
    .expect("base64");
    let payload: serde_json::Value = serde_json::from_slice(&payload).expect("json");
    let details = &payload["ext"]["custodyReview"]["details"];
    assert_eq!(
        details["roots"],
        serde_json::json!([server::demo::root().public_key().to_hex()]),
        "{details}"
    );
    assert_eq!(details["verdict"], "verified", "{details}");
    assert_eq!(details["openedIncident"]["severity"], "medium", "{details}");
}

on_both_databases!(events_can_be_queried_graphed_and_followed, queries);
async fn queries(backend: Backend) {
    let app = spawn(backend).await;
    app.trust_demo_root().await;
    let stored: Value = app.store("", demo("revoked-credential-use")).await;
    let sha = stored["sha256"].as_str().expect("sha").to_owned();
    let incident = stored["incident_id"].as_i64().expect("id");
    let n = stored["event_count"].as_i64().expect("n");

    let all = app
        .json(&format!("/api/events?incident={incident}&per_page=500"))
        .await;
    assert_eq!(all["total"], n);
    let items = all["items"].as_array().expect("items");
    // Sorted by time by default.
    let times: Vec<&str> = items.iter().filter_map(|e| e["time"].as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort_unstable();
    assert_eq!(times, sorted);

    // Pagination: two pages of 5 are the first 10, in order.
    let p1 = app
        .json(&format!("/api/events?bundle={sha}&per_page=5&page=1"))
        .await;
    let p2 = app
        .json(&format!("/api/events?bundle={sha}&per_page=5&page=2"))
        .await;
    let ids = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|e| e["index"].as_i64())
            .collect()
    };
    let first_ten: Vec<i64> = items
        .iter()
        .take(10)
        .filter_map(|e| e["index"].as_i64())
        .collect();
    assert_eq!([ids(&p1), ids(&p2)].concat(), first_ten);

    // By kind, actor type, credential, text, time range.
    let by_kind = app.json("/api/events?kind=credential.revoke").await;
    assert!(by_kind["total"].as_i64().unwrap_or(0) >= 1, "{by_kind}");
    for e in by_kind["items"].as_array().expect("items") {
        assert_eq!(e["kind"], "credential.revoke");
    }
    let humans = app.json("/api/events?actor_type=human").await;
    for e in humans["items"].as_array().expect("items") {
        assert_eq!(e["actor_type"], "human");
    }
    let token = by_kind["items"][0]["credential_id"]
        .as_str()
        .expect("token")
        .to_owned();
    let by_credential = app.json(&format!("/api/events?credential={token}")).await;
    assert!(
        by_credential["total"].as_i64().unwrap_or(0) >= 2,
        "{by_credential}"
    );
    let lifecycle = app
        .json(&format!("/api/bundles/{sha}/credentials/{token}"))
        .await;
    assert!(lifecycle["revoked_at"].is_string(), "{lifecycle}");
    assert_eq!(lifecycle["events"], by_credential["items"]);

    let first_time = times[0];
    let later = app
        .json(&format!(
            "/api/events?bundle={sha}&from={}",
            times[times.len() - 1]
        ))
        .await;
    assert!(later["total"].as_i64().unwrap_or(0) >= 1);
    let before_all = app
        .json(&format!("/api/events?bundle={sha}&to={first_time}"))
        .await;
    assert_eq!(before_all["total"], 0);

    let text = app.json("/api/events?q=REVOKE").await;
    assert!(
        text["total"].as_i64().unwrap_or(0) >= 1,
        "free text is case-insensitive"
    );
    let nothing = app.json("/api/events?q=%25_no_such_thing").await;
    assert_eq!(nothing["total"], 0);

    // The inspector's event carries its payload as text.
    let one = app.json(&format!("/api/bundles/{sha}/events/0")).await;
    assert!(one["payload"].as_str().unwrap_or_default().starts_with('{'));

    // The delegation graph: actors and events, with edges between known nodes.
    let graph = app.json(&format!("/api/bundles/{sha}/graph")).await;
    let nodes: Vec<&str> = graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert!(nodes.iter().any(|n| n.starts_with("actor:")));
    assert!(nodes.iter().any(|n| n.starts_with("event:")));
    let edges = graph["edges"].as_array().expect("edges");
    assert!(edges.iter().any(|e| e["relation"] == "performed"));
    assert!(edges.iter().any(|e| e["relation"] == "caused"), "{graph}");
    for e in edges {
        for end in ["from", "to"] {
            let id = e[end].as_str().unwrap_or_default();
            assert!(nodes.contains(&id), "edge end {id} is a node");
        }
    }
    // An actor's lifecycle.
    let actor = items[0]["actor_id"].as_str().expect("actor");
    let life = app
        .json(&format!(
            "/api/bundles/{sha}/actors/{}",
            model::text::query_component(actor)
        ))
        .await;
    assert!(life["event_count"].as_i64().unwrap_or(0) >= 1, "{life}");

    // Bad parameters are named.
    let response = app.get("/api/events?sort=sideways").await;
    assert_eq!(response.status(), 400);
    let response = app.get("/api/events?from=yesterday").await;
    assert_eq!(response.status(), 400);
    let response = app.get("/api/events?per_page=100000").await;
    assert_eq!(response.status(), 400);
}

on_both_databases!(reverify_detects_an_edited_database, reverify);
async fn reverify(backend: Backend) {
    let app = spawn(backend).await;
    app.trust_demo_root().await;
    for slug in ["late-approval", "tampered-truncated-tail"] {
        let response = app.upload("", demo(slug)).await;
        assert_eq!(response.status(), 200);
    }
    let options = server::config::LimitsConfig::default().ingest_options();
    let lines = store::reverify::reverify(&app.db, &app.key, options)
        .await
        .expect("reverify");
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l.ok), "{lines:?}");

    // Someone edits a stored bundle's bytes, and another's verdict, in the database.
    let sha = store::ingest::address(demo("late-approval").as_bytes());
    let edited = format!("{} ", demo("late-approval"));
    // Stored as received, one part (the encoding of bundles stored before
    // compression), so that what is read back is the edited bytes.
    sqlx::query("DELETE FROM bundle_bytes WHERE sha256 = $1 AND part > 0")
        .bind(&sha)
        .execute(app.db.pool())
        .await
        .expect("edit");
    sqlx::query(
        "UPDATE bundle_bytes SET bytes = $1, encoding = 'identity' WHERE sha256 = $2 AND part = 0",
    )
    .bind(edited.into_bytes())
    .bind(&sha)
    .execute(app.db.pool())
    .await
    .expect("edit");
    sqlx::query("UPDATE bundles SET status = 'verified' WHERE status = 'tampered'")
        .execute(app.db.pool())
        .await
        .expect("edit");
    let lines = store::reverify::reverify(&app.db, &app.key, options)
        .await
        .expect("reverify");
    let bad: Vec<_> = lines.iter().filter(|l| !l.ok).collect();
    assert_eq!(bad.len(), 2, "{lines:?}");
    let bytes_edit = bad
        .iter()
        .find(|l| l.sha256 == sha)
        .expect("the edited bytes");
    assert!(bytes_edit.actual_sha256.as_ref().is_some_and(|a| *a != sha));
    let verdict_edit = bad
        .iter()
        .find(|l| l.sha256 != sha)
        .expect("the edited verdict");
    assert_eq!(verdict_edit.stored_verdict, "verified");
    assert_eq!(verdict_edit.verdict_now, "tampered");

    // A compressed part that no longer decompresses is named as such; the other
    // bundle is still checked.
    let other = verdict_edit.sha256.clone();
    sqlx::query("UPDATE bundle_bytes SET bytes = $1 WHERE sha256 = $2 AND part = 0")
        .bind(vec![0xffu8; 64])
        .bind(&other)
        .execute(app.db.pool())
        .await
        .expect("edit");
    let lines = store::reverify::reverify(&app.db, &app.key, options)
        .await
        .expect("reverify");
    assert_eq!(lines.len(), 2, "{lines:?}");
    let damaged = lines
        .iter()
        .find(|l| l.sha256 == other)
        .expect("the damaged bytes");
    assert!(!damaged.ok);
    assert_eq!(damaged.actual_sha256, None);
    assert_eq!(
        damaged.differences,
        ["its stored bytes cannot be read back: bundle_bytes.bytes holds a part that does not decompress"]
    );
    assert!(lines.iter().any(|l| l.sha256 == sha && !l.ok));
}

/// POSTs to `/api/bundles` over a bare connection with `headers` and `body` as
/// given; returns the status and body of the answer.
async fn raw_post(app: &crate::helpers::TestApp, headers: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let host = app.address.trim_start_matches("http://");
    let login = app
        .login("reviewer", crate::helpers::PASSWORD)
        .await
        .expect("signs in");
    let headers = format!(
        "{headers}Cookie: {}\r\nX-CSRF-Token: {}\r\n",
        login.cookie, login.csrf
    );
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let head = format!(
        "POST /api/bundles HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Connection: close\r\n{headers}\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    // The server may answer and close before it has read everything.
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_data_directory_starts_empty_and_demo_loads_the_corpus() {
    let app = spawn_with(Backend::Sqlite, |c| c.demo = true).await;
    let incidents = app.json("/api/incidents").await;
    let incidents = incidents.as_array().expect("array");
    // The corpus, and the refund story told twice (signed, and as traces).
    let corpus = server::demo::scenarios().len() + server::demo::tampered().len();
    assert_eq!(incidents.len(), corpus + 1);
    let (traced, _) = server::demo::refund_traces();
    assert_eq!(
        incidents[0]["title"], traced.title,
        "loaded last, listed first"
    );
    assert_eq!(incidents[0]["verdict"], "verified");
    assert_eq!(incidents[0]["bundle_count"], 2);
    // The default order (most recently updated first) lists the nine realistic
    // scenarios before the tampered variants: they are loaded last.
    let realistic: Vec<&str> = server::demo::scenarios().iter().map(|s| s.title).collect();
    let first: Vec<&str> = incidents
        .iter()
        .skip(1)
        .take(realistic.len())
        .filter_map(|i| i["title"].as_str())
        .collect();
    assert!(
        first.iter().all(|t| realistic.contains(t)),
        "the list does not start with the realistic incidents: {first:?}"
    );
    // The demo root is trusted: the clean scenarios verify, the variants do not.
    let verdict = |title: &str| {
        incidents
            .iter()
            .find(|i| i["title"] == title)
            .map(|i| i["verdict"].clone())
    };
    for s in server::demo::scenarios() {
        assert_eq!(
            verdict(s.title),
            Some(Value::from("verified")),
            "{}",
            s.slug
        );
    }
    for s in server::demo::tampered() {
        let title = format!("Tampered demo: {}", s.title);
        assert_eq!(
            verdict(&title),
            Some(Value::from(s.expected_status)),
            "{}",
            s.slug
        );
    }

    // Each realistic bundle is time-stamped by the demo's authority and witnessed; the
    // anchor trust file the demo writes lets an auditor check both offline.
    let trust = std::fs::read_to_string(app.data_dir().join("demo-anchor-trust.txt"))
        .expect("the demo's anchor trust file");
    let trust = evidence::anchor::AnchorTrust::parse(&trust).expect("it reads");
    let id = incidents
        .iter()
        .find(|i| i["title"] == server::demo::scenarios()[0].title)
        .and_then(|i| i["id"].as_i64())
        .expect("the first scenario's incident");
    let detail = app.json(&format!("/api/incidents/{id}")).await;
    let sha = detail["bundles"][0]["sha256"].as_str().expect("its bundle");
    let anchored = app.get(&format!("/api/bundles/{sha}/anchored")).await;
    assert_eq!(anchored.status(), 200);
    let anchored = anchored.bytes().await.expect("the anchored bundle");
    let (report, anchoring) = evidence::anchor::verify_bundle(
        &anchored,
        &[server::demo::root().public_key()],
        &evidence::bundle::Limits::default(),
        1,
        &trust,
    )
    .expect("it verifies");
    assert_eq!(report.status(), evidence::bundle::Status::Verified);
    let sentences = anchoring.state().sentences();
    assert!(
        sentences[0]
            .starts_with("Timestamped by Demo Time Authority (Custody demo, not independent) at "),
        "{sentences:?}"
    );
    assert!(
        sentences[1].starts_with("Witnessed by 2 of 3 (witness.demo-audit.example/w1, "),
        "{sentences:?}"
    );
    assert!(anchoring.after_anchor.is_empty(), "{sentences:?}");

    // With --demo come the demo accounts; without it, none of them, and no incident.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE username = 'admin'")
            .await,
        1
    );
    let empty = spawn_with(Backend::Sqlite, |c| c.demo = false).await;
    assert_eq!(empty.json("/api/incidents").await, serde_json::json!([]));
    assert_eq!(
        empty
            .count("SELECT COUNT(*) FROM users WHERE username = 'admin'")
            .await,
        0
    );
    // --no-demo (the default now, kept for older scripts) wins over --demo.
    let both = spawn_with(Backend::Sqlite, |c| {
        c.demo = true;
        c.no_demo = true;
    })
    .await;
    assert_eq!(both.json("/api/incidents").await, serde_json::json!([]));
}

on_both_databases!(
    every_stored_event_has_the_checks_its_report_gives,
    rows_match_the_report
);
/// Events are written while their bundle is verified and corrected once the report
/// is in: for every tamper class, each event's stored checks, digest and whether its
/// payload was read must be what the stored transcript says.
async fn rows_match_the_report(backend: Backend) {
    let app = spawn(backend).await;
    app.trust_demo_root().await;
    let stored_text = |check: &Value| match check["code"].as_str() {
        Some(code) => format!("{}:{code}", check["result"].as_str().expect("result")),
        None => check["result"].as_str().expect("result").to_owned(),
    };
    let mut corrected = 0;
    for variant in server::demo::tampered()
        .into_iter()
        .chain(server::demo::scenarios().into_iter().take(2))
    {
        let stored: Value = app.store("", variant.bundle.clone()).await;
        let sha = stored["sha256"].as_str().expect("sha256");
        let report = app.json(&format!("/api/bundles/{sha}/report")).await;
        let expected = report["events"].as_array().expect("events");
        let rows = app
            .json(&format!("/api/events?bundle={sha}&sort=index&per_page=500"))
            .await;
        let rows = rows["items"].as_array().expect("items");
        assert_eq!(rows.len(), expected.len(), "{}", variant.slug);
        for (row, e) in rows.iter().zip(expected) {
            assert_eq!(row["index"], e["index"], "{}", variant.slug);
            assert_eq!(row["digest"], e["digest"], "{}", variant.slug);
            for check in ["integrity", "trust", "chain", "inclusion"] {
                assert_eq!(
                    row[check].as_str(),
                    Some(stored_text(&e[check]).as_str()),
                    "{} event {} {check}",
                    variant.slug,
                    e["index"]
                );
            }
            // The payload was read exactly where the signature held.
            let read = e["integrity"]["result"] == "pass";
            assert_eq!(row["event_id"].is_string(), read, "{}", variant.slug);
            if row["verdict"] != "pass" && read {
                corrected += 1;
            }
        }
        assert_eq!(
            stored["event_count"].as_u64(),
            Some(expected.len() as u64),
            "{}",
            variant.slug
        );
    }
    // Some events were read and then found to fail a check: the correction ran.
    assert!(corrected > 0);
}

on_both_databases!(a_bundle_stored_in_parts_reads_back_exactly, stored_in_parts);
/// Bytes are stored in compressed parts of 256 KiB: a larger bundle comes back
/// byte for byte.
async fn stored_in_parts(backend: Backend) {
    let app = spawn(backend).await;
    let (bundle, _) = evidence::producer::synthetic(3000, "in-parts");
    assert!(bundle.len() > 2 << 20, "{} bytes", bundle.len());
    let response = app.upload("", bundle.clone()).await;
    assert_eq!(response.status(), 200);
    let stored: Value = response.json().await.expect("json");
    let sha = stored["sha256"].as_str().expect("sha256");
    assert!(
        app.count(&format!(
            "SELECT COUNT(*) FROM bundle_bytes WHERE sha256 = '{sha}'"
        ))
        .await
            >= 3
    );
    let raw = app.get(&format!("/api/bundles/{sha}/raw")).await;
    assert_eq!(raw.status(), 200);
    assert_eq!(
        raw.bytes().await.expect("bytes").as_ref(),
        bundle.as_bytes()
    );

    // A payload is read from the stored parts by where its text stands: the last
    // event's stands past the first part, and reads back as signed.
    use base64::Engine as _;
    let wire: Value = serde_json::from_str(&bundle).expect("the bundle's JSON");
    for index in [0, 1500, 2999] {
        let signed = base64::engine::general_purpose::STANDARD
            .decode(
                wire["events"][index]["payload"]
                    .as_str()
                    .expect("a payload"),
            )
            .expect("base64");
        let event = app
            .json(&format!("/api/bundles/{sha}/events/{index}"))
            .await;
        assert_eq!(
            event["payload"].as_str().map(str::as_bytes),
            Some(signed.as_slice()),
            "event {index}"
        );
    }
    // More than 1,000 match: counted up to 1,000, and said to be more.
    let all = app.json(&format!("/api/events?bundle={sha}")).await;
    assert_eq!(
        (all["total"].as_i64(), all["total_capped"].as_bool()),
        (Some(1000), Some(true))
    );
    let few = app
        .json(&format!("/api/events?bundle={sha}&to=2000-01-01"))
        .await;
    assert_eq!(few["total_capped"], false);
}

on_both_databases!(
    an_incident_overview_gives_the_facts_its_evidence_records,
    incident_overview
);
/// The incident page's server function: the actors, side effects, resources and
/// time span of an incident's bundles, read back through HTTP as the page does.
async fn incident_overview(backend: Backend) {
    let app = spawn(backend).await;
    let stored: Value = app
        .store("title=Overview", demo("prod-config-change"))
        .await;
    let id = stored["incident_id"].as_i64().expect("incident");
    let overview = |id: String| {
        let request = app
            .client
            .post(format!("{}/api/incidents/overview", app.address))
            .form(&[("id", id)]);
        async move {
            let response = request.send().await.expect("overview");
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.expect("json")
        }
    };
    let overview_of = overview(id.to_string()).await;
    let facts = &overview_of["facts"];
    assert_eq!(overview_of["detail"]["incident"]["title"], "Overview");
    assert_eq!(facts["side_effects"], 1);
    assert_eq!(facts["denials"], 0);
    assert_eq!(facts["first_event_at"], stored["first_event_at"]);
    assert_eq!(facts["last_event_at"], stored["last_event_at"]);
    let actors = facts["actors"].as_array().expect("actors");
    let types: Vec<&str> = actors
        .iter()
        .map(|a| a["actor_type"].as_str().expect("type"))
        .collect();
    // Humans first, then agents, services, tools and systems.
    let rank = |t: &str| {
        ["human", "agent", "service", "tool", "system"]
            .iter()
            .position(|k| *k == t)
    };
    assert!(
        types.windows(2).all(|w| rank(w[0]) <= rank(w[1])),
        "{types:?}"
    );
    assert!(actors.iter().any(
        |a| a["actor_id"] == "system:serviceaccount:deploy:svc-deploy-prod"
            && a["actor_type"] == "service"
            && a["name"] == "svc-deploy-prod"
    ));
    assert!(types.contains(&"human") && types.contains(&"agent"));
    assert_eq!(facts["resources"].as_array().map(Vec::len), Some(1));

    // No such incident: null, not an error.
    assert!(overview("999999".into()).await.is_null());
}

on_both_databases!(
    sign_ins_and_review_go_on_while_a_large_bundle_is_verified,
    during_a_large_ingest
);
async fn during_a_large_ingest(backend: Backend) {
    let app = std::sync::Arc::new(spawn(backend).await);
    app.user("second", model::Role::ComplianceReviewer).await;
    let (bundle, _) = evidence::producer::synthetic(40_000, "large-ingest");
    let started = std::time::Instant::now();
    let upload = {
        let app = std::sync::Arc::clone(&app);
        tokio::spawn(async move {
            let response = app.upload("name=large.json", bundle).await;
            let status = response.status();
            (status, std::time::Instant::now())
        })
    };
    // Sign-ins and a review action, one after another, while the upload goes on.
    let mut answered = Vec::new();
    while !upload.is_finished() {
        let signed_in = app.login("second", crate::helpers::PASSWORD).await;
        let opened = app
            .client
            .post(format!("{}/api/incidents", app.address))
            .json(&serde_json::json!({"title": "opened during an ingest"}))
            .send()
            .await
            .expect("request reaches the server")
            .status();
        answered.push((signed_in.is_ok(), opened, std::time::Instant::now()));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (status, uploaded_at) = upload.await.expect("upload task");
    assert_eq!(status, 200, "the large bundle is stored");
    assert!(
        answered.iter().all(|(ok, opened, _)| *ok && *opened == 201),
        "every sign-in and review action succeeds: {:?}",
        answered
            .iter()
            .map(|(ok, opened, at)| (*ok, *opened, *at - started))
            .collect::<Vec<_>>()
    );
    // Verification holds no lock: sign-ins go on while it runs, not only before the
    // server has the bytes (when the ingest held the database from the start, one
    // round was answered before and the next only once the bundle was stored).
    let early = answered
        .iter()
        .filter(|(_, _, at)| *at < uploaded_at)
        .count();
    assert!(
        early >= 3,
        "{early} rounds answered before the bundle was stored, which took {:?}",
        uploaded_at - started
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_past_the_memory_budget_wait_then_are_answered_503_with_retry_after() {
    // 6 MiB: one upload of 1 MiB takes all of it; no upload may wait.
    let app = spawn_with(Backend::Sqlite, |c| {
        c.upload_memory_mib = 6;
        c.upload_queue = 0;
    })
    .await;
    app.trust_demo_root().await;
    let bytes = demo("multi-agent-pipeline").into_bytes();
    // The first upload declares 1 MiB and sends its bytes slowly.
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    let receiver = futures_util::stream::unfold(receiver, |mut r| async move {
        r.recv().await.map(|part| (part, r))
    });
    let slow = {
        let client = app.client.clone();
        let url = format!("{}/api/bundles?name=slow.json", app.address);
        tokio::spawn(async move {
            client
                .post(url)
                .header("content-length", 1 << 20)
                .body(reqwest::Body::wrap_stream(receiver))
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let busy = app.upload("name=second.json", bytes.clone()).await;
    assert_eq!(busy.status(), 503);
    assert_eq!(
        busy.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("30")
    );
    let body: Value = busy.json().await.expect("json");
    assert_eq!(body["error"]["code"], "busy", "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM bundles").await, 0);
    // The first is cut short; its memory is handed back, and the next upload goes in.
    drop(sender);
    let _ = slow.await;
    let stored = app.upload("name=second.json", bytes).await;
    assert_eq!(stored.status(), 200);
}

/// A bundle being built whose emitter `agent` has a key (seed `seed + 1`) bound by
/// a root this server does not trust (seed `seed`), and that key.
fn agent_bundle(
    seed: u8,
) -> (
    evidence::producer::BundleBuilder,
    evidence::producer::Signer,
) {
    use evidence::producer::{BundleBuilder, Signer};
    let root = Signer::from_seed([seed; 32]);
    let agent = Signer::from_seed([seed + 1; 32]);
    let mut b = BundleBuilder::new();
    b.bind(
        &root,
        &agent.public_key(),
        "agent",
        "2026-01-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
    );
    (b, agent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actor_named_with_wildcards_is_followed_alone() {
    let app = spawn(Backend::Sqlite).await;
    let (mut b, agent) = agent_bundle(41);
    // `a_b%` names itself; `aXbY` would match it as a LIKE pattern.
    for (i, (actor, on_behalf_of)) in [("a_b%", "a_b%"), ("aXbY", "aXbY"), ("zed", "aXbYY")]
        .into_iter()
        .enumerate()
    {
        let serde_json::Value::Object(body) = serde_json::json!({
            "kind": "system", "id": format!("e{i}"),
            "actor": { "type": "agent", "id": actor },
            "onBehalfOf": [{ "type": "human", "id": on_behalf_of }],
        }) else {
            unreachable!()
        };
        b.event(&agent, "agent", &format!("2026-11-20T10:00:0{i}Z"), body);
    }
    let bundle = b.finish(&agent, "agent", "wildcards", "2026-11-21T00:00:00Z");
    let response = app.upload("name=w.json", bundle).await;
    let status = response.status();
    let stored: Value = response.json().await.expect("json");
    assert_eq!(status, 200, "{stored}");
    let sha = stored["sha256"].as_str().expect("sha");
    let lifecycle = app.json(&format!("/api/bundles/{sha}/actors/a_b%25")).await;
    let ids: Vec<&str> = lifecycle["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["event_id"].as_str())
        .collect();
    assert_eq!(ids, ["e0"], "{lifecycle}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_event_is_named_with_its_own_code() {
    let app = spawn(Backend::Sqlite).await;
    // The root is not trusted here, and the event is not a valid tool call: the answer
    // names why the bundle cannot be read, not the untrusted key.
    let (mut b, agent) = agent_bundle(43);
    let serde_json::Value::Object(body) = serde_json::json!({
        "kind": "tool.call", "id": "e0", "actor": { "type": "agent", "id": "a" },
    }) else {
        unreachable!()
    };
    b.event(&agent, "agent", "2026-11-20T10:00:00Z", body);
    let bundle = b.finish(&agent, "agent", "no-tool", "2026-11-21T00:00:00Z");
    let response = app.upload("name=n.json", bundle).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "payload.malformed", "{body}");
    assert_eq!(
        body["error"]["message"],
        "payload.malformed: event 0: a tool.call event must have `tool`"
    );
}
