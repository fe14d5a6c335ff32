//! Exports: every format downloads, the signed manifest proves nothing changed (and
//! names the file when something did), the CSV reads back as the events stored, and
//! cells a spreadsheet would run are neutralised.

use std::collections::BTreeMap;
use std::process::Command;

use evidence::producer::{BundleBuilder, Signer};
use model::Role;
use serde_json::{json, Value};

use crate::helpers::{demo, spawn, spawn_app, Backend, TestApp};

/// A bundle whose signed payload holds text a spreadsheet would run.
fn hostile_bundle() -> (String, Signer) {
    let root = Signer::from_seed([31; 32]);
    let agent = Signer::from_seed([32; 32]);
    let collector = Signer::from_seed([33; 32]);
    let mut b = BundleBuilder::new();
    let (from, to) = ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    b.bind(&root, &agent.public_key(), "=cmd|' /C calc'!A0", from, to);
    b.bind(&root, &collector.public_key(), "collector", from, to);
    let Value::Object(body) = json!({
        "kind": "side_effect", "id": "e1",
        "actor": { "type": "agent", "id": "@SUM(1+1)" },
        "change": { "resource": "+1-555-0100", "operation": "=HYPERLINK(\"http://evil.example\")", "outcome": "success" },
    }) else {
        unreachable!()
    };
    b.event(&agent, "=cmd|' /C calc'!A0", "2026-11-20T10:00:00Z", body);
    (
        b.finish(&collector, "collector", "hostile", "2026-11-21T00:00:00Z"),
        root,
    )
}

async fn download(
    app: &TestApp,
    client: &reqwest::Client,
    id: i64,
    file: &str,
) -> reqwest::Response {
    client
        .get(format!("{}/api/incidents/{id}/export/{file}", app.address))
        .send()
        .await
        .expect("request")
}

pub(super) fn untar(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .expect("a tar archive")
        .map(|e| {
            let mut e = e.expect("an entry");
            let name = e.path().expect("a name").to_string_lossy().into_owned();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut data).expect("read");
            (name, data)
        })
        .collect()
}

/// Each member's name and modification time (seconds since 1970).
fn member_times(bytes: &[u8]) -> Vec<(String, u64)> {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .expect("a tar archive")
        .map(|e| {
            let e = e.expect("an entry");
            let name = e.path().expect("a name").to_string_lossy().into_owned();
            (name, e.header().mtime().expect("a time"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_round_trips_and_one_changed_byte_is_named() {
    let app = spawn_app().await;
    app.trust_demo_root().await;
    let stored = app
        .store(
            "name=prod-config-change.bundle.json",
            demo("prod-config-change"),
        )
        .await;
    let id = stored["incident_id"].as_i64().expect("incident");

    for (file, kind) in [
        ("events.csv", "text/csv"),
        ("review.json", "application/json"),
        ("report.html", "text/html"),
        ("export.tar", "application/x-tar"),
    ] {
        let response = download(&app, &app.client, id, file).await;
        assert_eq!(response.status(), 200, "{file}");
        assert!(response.headers()["content-type"]
            .to_str()
            .expect("text")
            .starts_with(kind));
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .expect("text")
            .to_owned();
        let expected = if file == "report.html" {
            "inline"
        } else {
            "attachment"
        };
        assert!(disposition.starts_with(expected), "{file}: {disposition}");
    }
    assert_eq!(
        download(&app, &app.client, id, "other.txt").await.status(),
        404
    );
    assert_eq!(
        download(&app, &app.client, 999_999, "events.csv")
            .await
            .status(),
        404
    );
    let access = app.user("signer", Role::AccessReviewer).await;
    assert_eq!(
        download(&app, &access, id, "events.csv").await.status(),
        403
    );

    let tar = download(&app, &app.client, id, "export.tar")
        .await
        .bytes()
        .await
        .expect("bytes");
    let files = untar(&tar);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "events.csv",
            "log-checkpoint.txt",
            "log-proofs.json",
            "manifest.dsse.json",
            "report.html",
            "review.json",
            "server.pub"
        ]
    );
    let key = app.key.public_key();
    // The key that verifies it travels with it, in the text `--trust` reads, and each
    // member is dated when the export was made.
    assert_eq!(
        files["server.pub"],
        format!("{}\n", key.to_hex()).into_bytes()
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    for (name, mtime) in member_times(&tar) {
        assert!(
            mtime > 0 && mtime.abs_diff(now) < 120,
            "{name} is dated {mtime}, not about {now}"
        );
    }
    let manifest = evidence::report::verify_export(&files, &[key]).expect("verifies");
    assert_eq!(
        manifest.bundles,
        vec![stored["sha256"].as_str().expect("sha").to_owned()]
    );
    let made = chrono::DateTime::parse_from_rfc3339(&manifest.created_at).expect("a time");
    assert!(member_times(&tar)
        .iter()
        .all(|(_, mtime)| i64::try_from(*mtime) == Ok(made.timestamp())));
    let mut changed = files.clone();
    if let Some(report) = changed.get_mut("report.html") {
        report[100] ^= 0x20;
    }
    assert_eq!(
        evidence::report::verify_export(&changed, &[key]).expect_err("changed"),
        vec![evidence::report::ExportProblem::Changed(
            "report.html".into()
        )]
    );

    // The same check from the command line, with the key alone.
    let dir = tempfile::tempdir().expect("dir");
    let tar_path = dir.path().join("export.tar");
    std::fs::write(&tar_path, &tar).expect("write");
    let key_path = dir.path().join("server.pub");
    std::fs::write(&key_path, key.to_hex()).expect("write");
    let verify = |path: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_custody"))
            .arg("verify-report")
            .arg(path)
            .arg("--trust")
            .arg(&key_path)
            .output()
            .expect("runs")
    };
    let out = verify(&tar_path);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let unpacked = dir.path().join("unpacked");
    std::fs::create_dir(&unpacked).expect("dir");
    for (name, bytes) in &changed {
        std::fs::write(unpacked.join(name), bytes).expect("write");
    }
    let out = verify(&unpacked);
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("report.html: changed"), "{text}");

    // Each export is in the review log.
    assert!(
        app.count("SELECT COUNT(*) FROM review_log WHERE action = 'export'")
            .await
            >= 5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_reads_back_as_the_stored_events_with_formulas_neutralised() {
    csv_reads_back(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_reads_back_on_postgres() {
    csv_reads_back(Backend::Postgres).await;
}

async fn csv_reads_back(backend: Backend) {
    let app = spawn(backend).await;
    let (bundle, root) = hostile_bundle();
    store::trust_roots::add(
        &app.db,
        &app.key,
        store::review_log::Actor::Cli,
        &root.public_key(),
        "t",
    )
    .await
    .expect("root");
    let stored = app.store("name=hostile.bundle.json", bundle).await;
    let id = stored["incident_id"].as_i64().expect("incident");
    let sha = stored["sha256"].as_str().expect("sha").to_owned();
    let csv_bytes = download(&app, &app.client, id, "events.csv")
        .await
        .bytes()
        .await
        .expect("bytes");
    let mut reader = csv::Reader::from_reader(csv_bytes.as_ref());
    let headers: Vec<String> = reader
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(headers, store::exports::CSV_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    let events = app
        .json(&format!("/api/events?bundle={sha}&per_page=500"))
        .await;
    let items = events["items"].as_array().expect("items");
    assert_eq!(rows.len(), items.len());
    let column = |name: &str| headers.iter().position(|h| h == name).expect("column");
    for (row, event) in rows.iter().zip(items) {
        assert_eq!(row.get(column("bundle_sha256")), Some(sha.as_str()));
        assert_eq!(row.get(column("bundle_name")), Some("hostile.bundle.json"));
        assert_eq!(
            row.get(column("index")).map(str::to_owned),
            Some(event["index"].to_string())
        );
        for (name, field) in [
            ("digest", "digest"),
            ("kind", "kind"),
            ("time", "time"),
            ("actor_type", "actor_type"),
            ("verdict", "verdict"),
        ] {
            assert_eq!(row.get(column(name)), event[field].as_str(), "{name}");
        }
    }
    let row = &rows[0];
    assert_eq!(row.get(column("actor_id")), Some("'@SUM(1+1)"));
    assert_eq!(row.get(column("resource")), Some("'+1-555-0100"));
    assert_eq!(
        row.get(column("operation")),
        Some("'=HYPERLINK(\"http://evil.example\")")
    );
    // The report shows the same text as text.
    let html = download(&app, &app.client, id, "report.html")
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("=HYPERLINK(&quot;http://evil.example&quot;)"),
        "escaped in the report"
    );
    assert!(!html.contains("<script"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_is_exported_on_its_own() {
    let app = spawn_app().await;
    app.trust_demo_root().await;
    let first = app
        .store(
            "name=prod-config-change.bundle.json",
            demo("prod-config-change"),
        )
        .await;
    let id = first["incident_id"].as_i64().expect("incident");
    let second = app
        .store(
            &format!("name=secrets-export.bundle.json&incident={id}"),
            demo("secrets-export"),
        )
        .await;
    let sha = second["sha256"].as_str().expect("sha").to_owned();
    let get = |file: &str| {
        let url = format!("{}/api/bundles/{sha}/export/{file}", app.address);
        let client = app.client.clone();
        async move { client.get(url).send().await.expect("request") }
    };
    let tar = get("export.tar").await;
    assert_eq!(tar.status(), 200);
    assert!(tar.headers()["content-disposition"]
        .to_str()
        .expect("text")
        .contains("bundle-"));
    let files = untar(&tar.bytes().await.expect("bytes"));
    let manifest =
        evidence::report::verify_export(&files, &[app.key.public_key()]).expect("verifies");
    assert_eq!(manifest.bundles, vec![sha.clone()], "only this bundle");
    assert!(manifest.scope.starts_with("bundle "), "{}", manifest.scope);
    let csv = files.get("events.csv").expect("csv");
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(
        rows.len() as i64,
        second["event_count"].as_i64().expect("count")
    );
    assert!(rows.iter().all(|r| r.get(0) == Some(sha.as_str())));
    assert_eq!(get("report.html").await.status(), 200);
    let missing = app
        .client
        .get(format!(
            "{}/api/bundles/{}/export/events.csv",
            app.address,
            "0".repeat(64)
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status(), 404);
    assert!(
        app.count(
            "SELECT COUNT(*) FROM review_log WHERE action = 'export' AND bundle_sha256 IS NOT NULL"
        )
        .await
            >= 2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filtered_event_list_is_exported_with_a_signed_manifest() {
    let app = spawn_app().await;
    app.trust_demo_root().await;
    let clean = app
        .store(
            "name=revoked-credential-use.bundle.json",
            demo("revoked-credential-use"),
        )
        .await;
    let tampered = app
        .store(
            "name=tampered-modified-payload.bundle.json",
            demo("tampered-modified-payload"),
        )
        .await;
    let get = |path: String| {
        let (client, address) = (app.client.clone(), app.address.clone());
        async move {
            client
                .get(format!("{address}{path}"))
                .send()
                .await
                .expect("request")
        }
    };
    // The same filters as the event list, every page of them.
    let listed: Value = get("/api/events?verdict=fail&per_page=500".into())
        .await
        .json()
        .await
        .expect("json");
    let response = get("/api/events/export/events.csv?verdict=fail&sort=index".into()).await;
    assert_eq!(response.status(), 200);
    let csv = response.bytes().await.expect("bytes");
    let mut reader = csv::Reader::from_reader(csv.as_ref());
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        store::exports::CSV_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len() as i64, listed["total"].as_i64().expect("total"));
    assert!(!rows.is_empty());
    let verdict = headers
        .iter()
        .position(|h| h == "verdict")
        .expect("verdict");
    assert!(rows.iter().all(|r| &r[verdict] == "fail"));
    let tampered_sha = tampered["sha256"].as_str().expect("sha");
    assert!(rows.iter().all(|r| &r[0] == tampered_sha));

    // As a signed export: the manifest names the CSV and the bundles it came from.
    let clean_sha = clean["sha256"].as_str().expect("sha").to_owned();
    let tar = get(format!(
        "/api/events/export/export.tar?kind=side_effect&bundle={clean_sha}"
    ))
    .await;
    assert_eq!(tar.status(), 200);
    let files = untar(&tar.bytes().await.expect("bytes"));
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["events.csv", "manifest.dsse.json", "server.pub"]
    );
    let manifest =
        evidence::report::verify_export(&files, &[app.key.public_key()]).expect("verifies");
    assert_eq!(manifest.bundles, vec![clean_sha.clone()]);
    assert!(
        manifest.scope.contains("kind=side_effect"),
        "{}",
        manifest.scope
    );
    let mut reader = csv::Reader::from_reader(files["events.csv"].as_slice());
    let kinds: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[4].to_owned())
        .collect();
    assert_eq!(kinds, ["side_effect"], "the refund, and nothing else");

    // A filter it cannot use is refused, naming it; each export is in the log.
    let bad = get("/api/events/export/events.csv?verdict=bogus".into()).await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.expect("text").contains("verdict"));
    assert_eq!(
        get("/api/events/export/review.json".into()).await.status(),
        404
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM review_log WHERE action = 'export' \
             AND summary LIKE '%events matching%'"
        )
        .await,
        2
    );
}

/// A bundle larger than one read of the store: every event once, in order, on both
/// databases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_bundle_exports_every_event_once_in_order() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn(backend).await;
        let events = 20_001;
        let (bundle, root) = evidence::producer::synthetic(events, "large");
        store::trust_roots::add(&app.db, &app.key, store::review_log::Actor::Cli, &root, "t")
            .await
            .expect("root");
        let stored = app.store("name=large.bundle.json", bundle).await;
        let id = stored["incident_id"].as_i64().expect("incident");
        let csv = download(&app, &app.client, id, "events.csv")
            .await
            .bytes()
            .await
            .expect("bytes");
        let mut reader = csv::Reader::from_reader(csv.as_ref());
        let indices: Vec<usize> = reader
            .records()
            .map(|r| r.expect("row")[2].parse().expect("an index"))
            .collect();
        assert_eq!(indices, (0..events).collect::<Vec<_>>(), "{backend:?}");
    }
}

/// A download goes out uncompressed, with its length, so the browser can show how far
/// it got; other answers are still compressed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_carry_their_length_and_other_answers_stay_compressed() {
    let app = spawn_app().await;
    app.trust_demo_root().await;
    let stored = app
        .store("name=late-approval.bundle.json", demo("late-approval"))
        .await;
    let id = stored["incident_id"].as_i64().expect("incident");
    let gzip_accepted = |path: String| {
        app.client
            .get(format!("{}{path}", app.address))
            .header("accept-encoding", "gzip")
            .send()
    };
    for file in ["events.csv", "review.json", "export.tar"] {
        let answer = gzip_accepted(format!("/api/incidents/{id}/export/{file}"))
            .await
            .expect("request");
        assert_eq!(answer.status(), 200, "{file}");
        assert!(
            answer.headers().get("content-encoding").is_none(),
            "{file} is not compressed"
        );
        let length: usize = answer.headers()["content-length"]
            .to_str()
            .expect("text")
            .parse()
            .expect("a length");
        assert_eq!(length, answer.bytes().await.expect("bytes").len(), "{file}");
    }
    let document = gzip_accepted("/api/openapi.json".into())
        .await
        .expect("request");
    assert_eq!(document.headers()["content-encoding"], "gzip");
}

/// What a reader can make the review log record is bounded: an export's filters are
/// checked before anything is read or recorded, an over-long one is refused with a
/// 400 and leaves the log as it was, and the largest entries a reader can cause leave
/// a log that still checks and exports.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_cannot_grow_the_review_log_without_bound() {
    let app = spawn_app().await;
    app.trust_demo_root().await;
    app.store("name=late-approval.bundle.json", demo("late-approval"))
        .await;
    let auditor = app.user("reader", model::Role::Auditor).await;
    let entries = || app.count("SELECT COUNT(*) FROM review_log");
    let before = entries().await;
    let get = |query: String| {
        let auditor = auditor.clone();
        let url = format!("{}/api/events/export/events.csv?{query}", app.address);
        async move { auditor.get(url).send().await.expect("request").status() }
    };
    assert_eq!(get(format!("bundle={}", "a".repeat(60_000))).await, 400);
    assert_eq!(get(format!("bundle={}", "Z".repeat(64))).await, 400);
    assert_eq!(get(format!("q={}", "x".repeat(1025))).await, 400);
    assert_eq!(get(format!("actor={}", "x".repeat(5000))).await, 400);
    assert_eq!(entries().await, before, "nothing refused is recorded");

    // The largest filters a reader may send, many times over: every export is one
    // bounded entry, and the log checks and exports.
    let max = store::events::MAX_FILTER_CHARS;
    let query = ["q", "actor", "resource", "credential", "decision", "kind"]
        .iter()
        .map(|name| format!("{name}={}", "%E2%9C%93".repeat(max)))
        .collect::<Vec<_>>()
        .join("&");
    for _ in 0..40 {
        assert_eq!(get(query.clone()).await, 200);
    }
    assert_eq!(entries().await, before + 40);
    let largest: (i64,) = sqlx::query_as("SELECT MAX(LENGTH(envelope)) FROM review_log")
        .fetch_one(app.db.pool())
        .await
        .expect("sizes");
    assert!(largest.0 < 64 * 1024, "an entry of {} bytes", largest.0);
    let integrity = store::log_check::check(&app.db, &app.key)
        .await
        .expect("check");
    assert!(integrity.intact, "{:?}", integrity.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_download_as_the_files_verification_reads() {
    let app = spawn_app().await;
    app.trust_demo_root().await;
    let root = server::demo::root().public_key();
    let get = |path: String| {
        let client = app.client.clone();
        let url = format!("{}{path}", app.address);
        async move { client.get(url).send().await.expect("request") }
    };
    let name_of = |r: &reqwest::Response| {
        r.headers()["content-disposition"]
            .to_str()
            .expect("text")
            .to_owned()
    };

    // The server's key, which verifies its exports and its review log.
    let server = get("/api/review-log/key".into()).await;
    assert_eq!(server.status(), 200);
    assert_eq!(name_of(&server), "attachment; filename=\"server.pub\"");
    let text = server.text().await.expect("text");
    assert_eq!(text, format!("{}\n", app.key.public_key().to_hex()));
    assert_eq!(
        evidence::keys::PublicKey::list_from_text(&text).expect("reads as --trust reads"),
        vec![app.key.public_key()]
    );

    // A trust root, by its public key, saved under its key id.
    let hex = root.to_hex();
    let file = get(format!("/api/trust-roots/{hex}/key")).await;
    assert_eq!(file.status(), 200);
    assert_eq!(
        name_of(&file),
        format!(
            "attachment; filename=\"trust-root-{}.pub\"",
            evidence::bundle::keyid(&root)
        )
    );
    let text = file.text().await.expect("text");
    assert_eq!(
        evidence::keys::PublicKey::list_from_text(&text).expect("reads as --trust reads"),
        vec![root]
    );

    // Only roots this server trusts; any signed-in reviewer, no one else.
    let other = Signer::from_seed([77; 32]).public_key().to_hex();
    assert_eq!(
        get(format!("/api/trust-roots/{other}/key")).await.status(),
        404
    );
    let auditor = app.user("k-auditor", Role::Auditor).await;
    let r = auditor
        .get(format!("{}/api/trust-roots/{hex}/key", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    let r = app
        .anonymous
        .get(format!("{}/api/trust-roots/{hex}/key", app.address))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 401);
}
