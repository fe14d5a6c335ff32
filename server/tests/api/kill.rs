//! Killing the server (SIGKILL) in the middle of ingest loses no acknowledged
//! bundle and leaves nothing half-written, on SQLite and on PostgreSQL.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::{fresh_database, Backend};
use crate::on_both_databases;

fn start(database_url: &str, data_dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(["serve", "--addr"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--database-url")
        .arg(database_url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the custody binary starts")
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become healthy");
}

/// Makes the account the uploads sign in as, with the command line.
fn add_user(database_url: &str, data_dir: &std::path::Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_custody"))
        .args([
            "user",
            "add",
            "uploader",
            "--role",
            "compliance-reviewer",
            "--database-url",
        ])
        .arg(database_url)
        .arg("--data-dir")
        .arg(data_dir)
        .env("CUSTODY_NEW_PASSWORD", crate::helpers::PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("custody user add runs");
    assert!(status.success(), "custody user add");
}

/// Signs in as the uploader: the headers its requests carry.
async fn sign_in(client: &reqwest::Client, base: &str) -> reqwest::header::HeaderMap {
    let response = client
        .post(format!("{base}/login"))
        .header("accept", "application/json")
        .form(&[
            ("username", "uploader"),
            ("password", crate::helpers::PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 200, "signed in");
    let mut headers = reqwest::header::HeaderMap::new();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix("__Host-custody_session=")
                .and_then(|v| v.split(';').next())
        })
        .expect("a session cookie")
        .to_owned();
    headers.insert(
        "cookie",
        format!("__Host-custody_session={cookie}")
            .parse()
            .expect("cookie"),
    );
    headers.insert("x-csrf-token", response.headers()["x-csrf-token"].clone());
    headers
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

on_both_databases!(
    killing_the_server_during_ingest_loses_no_acknowledged_bundle,
    kill_during_ingest
);
async fn kill_during_ingest(backend: Backend) {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database(backend, data_dir.path()).await;
    let client = reqwest::Client::new();
    add_user(&url, data_dir.path());
    // Distinct bundles large enough that a kill lands inside an ingest.
    let bundles: Vec<String> = (0..6)
        .map(|i| evidence::producer::synthetic(3_000, &format!("kill-{i}")).0)
        .collect();
    let mut acknowledged: Vec<(String, i64)> = Vec::new();
    let mut interrupted = 0;
    for (round, delay_ms) in [150u64, 450, 900].into_iter().enumerate() {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = start(&url, data_dir.path(), port);
        wait_healthy(&client, &base).await;
        let headers = sign_in(&client, &base).await;
        let uploads = {
            let client = client.clone();
            let bundles = bundles.clone();
            let base = base.clone();
            tokio::spawn(async move {
                let mut acked = Vec::new();
                let mut failed = 0;
                for (i, bundle) in bundles.into_iter().enumerate() {
                    let sent = client
                        .post(format!("{base}/api/bundles?title=round-{round}-{i}"))
                        .headers(headers.clone())
                        .body(bundle)
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 200 => {
                            let v: serde_json::Value = r.json().await.expect("json");
                            acked.push((
                                v["sha256"].as_str().unwrap_or_default().to_owned(),
                                v["event_count"].as_i64().unwrap_or(-1),
                            ));
                        }
                        _ => {
                            failed += 1;
                            break;
                        }
                    }
                }
                (acked, failed)
            })
        };
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        let (acked, failed) = uploads.await.expect("upload task");
        acknowledged.extend(acked);
        interrupted += failed;
    }
    assert!(
        interrupted > 0,
        "no ingest was under way when the server was killed"
    );

    // Restart and look: everything acknowledged is there and whole; nothing is half.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(&url, data_dir.path(), port);
    wait_healthy(&client, &base).await;
    let headers = sign_in(&client, &base).await;
    for (sha, events) in &acknowledged {
        let r = client
            .get(format!("{base}/api/bundles/{sha}"))
            .headers(headers.clone())
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200, "acknowledged bundle {sha} is stored");
        let v: serde_json::Value = r.json().await.expect("json");
        assert_eq!(v["event_count"].as_i64(), Some(*events));
    }
    let db = store::Db::open(&url).await.expect("open");
    let (partial,): (i64,) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM bundles b WHERE b.event_count <> \
         (SELECT COUNT(*) FROM events e WHERE e.bundle_sha256 = b.sha256)",
    )
    .fetch_one(db.pool())
    .await
    .expect("count");
    assert_eq!(partial, 0, "a bundle is missing events");
    let (orphans,): (i64,) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM incidents i WHERE NOT EXISTS \
         (SELECT 1 FROM bundles b WHERE b.incident_id = i.id)",
    )
    .fetch_one(db.pool())
    .await
    .expect("count");
    assert_eq!(
        orphans, 0,
        "an incident was opened for a bundle that was not stored"
    );
    let (unlogged,): (i64,) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM bundles b WHERE NOT EXISTS \
         (SELECT 1 FROM review_log l WHERE l.action = 'upload' AND l.bundle_sha256 = b.sha256 \
          AND l.actor = 'uploader' AND b.uploaded_by = 'uploader')",
    )
    .fetch_one(db.pool())
    .await
    .expect("count");
    assert_eq!(
        unlogged, 0,
        "a stored bundle has no upload entry in the review log, or no uploader"
    );
    db.close().await;
    let _ = child.kill();
    let _ = child.wait();
}
