//! Two `custody serve` processes on one PostgreSQL database, used at once, set up as
//! the README's "Running on Postgres" says: one database and one signing key
//! (`--signing-key`), each server with a data directory of its own. The same bytes
//! uploaded through both at the same moment are stored once; uploads, annotations,
//! comments, workflow changes and sign-offs through both keep one review log, gapless
//! and unforked, that each server's own check (and `custody verify` on its export)
//! finds intact; a session signed in on one server is honoured, and ended, on the other.
//! A server or command given a signing key of its own is refused.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::Value;

use crate::helpers::{client_of, demo, fresh_database, sign_in, Backend, PASSWORD};

/// The demo bundles uploaded through both servers at once, each several times.
const SAME: [&str; 5] = [
    "privileged-api-jit",
    "prod-config-change",
    "cicd-change-ticket",
    "late-approval",
    "token-refresh-vault",
];
/// Bundles uploaded through one server only: `(server, slug)`.
const DIFFERENT: [(usize, &str); 6] = [
    (0, "secrets-export"),
    (0, "multi-agent-pipeline"),
    (0, "tampered-modified-payload"),
    (1, "shared-account-gap"),
    (1, "revoked-credential-use"),
    (1, "tampered-deleted-event"),
];
/// Synthetic bundles added to one incident through both servers while its status
/// and assignee change.
const JOINING: usize = 6;
/// Events in each synthetic bundle.
const SYNTHETIC_EVENTS: usize = 40;

/// The servers started, killed when this is dropped, however the test ends; when it
/// failed, the end of each server's log is printed.
struct Servers(Vec<(Child, PathBuf)>);

impl Drop for Servers {
    fn drop(&mut self) {
        for (child, log) in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
            if std::thread::panicking() {
                let text = std::fs::read_to_string(&*log).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(40).collect();
                eprintln!("--- the last lines of {}:", log.display());
                for line in tail.into_iter().rev() {
                    eprintln!("{line}");
                }
            }
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts `custody serve` on a free port over `url`, signing with `key`, its data
/// in `data_dir` and its output in `log`; gives its address.
fn start(servers: &mut Servers, url: &str, key: &Path, data_dir: &Path, log: PathBuf) -> String {
    let port = free_port();
    let out = std::fs::File::create(&log).expect("the log file");
    let child = Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("serve")
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--database-url")
        .arg(url)
        .arg("--signing-key")
        .arg(key)
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("the log file"))
        .stderr(out)
        .spawn()
        .expect("the custody binary starts");
    servers.0.push((child, log));
    format!("http://127.0.0.1:{port}")
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    for _ in 0..400 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server at {base} did not become healthy");
}

/// Runs the `custody` command line on the shared database and key; gives its output.
fn cli(url: &str, key: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(args)
        .arg("--database-url")
        .arg(url)
        .arg("--signing-key")
        .arg(key)
        .env("CUSTODY_NEW_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .expect("custody runs");
    assert!(
        output.status.success(),
        "custody {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// POSTs `bytes` to `/api/bundles?{query}` on `base`: the status and the answer.
async fn upload(client: &reqwest::Client, base: &str, query: &str, bytes: String) -> (u16, Value) {
    let response = client
        .post(format!("{base}/api/bundles?{query}"))
        .header("content-type", "application/json")
        .body(bytes)
        .send()
        .await
        .expect("the upload reaches the server");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// POSTs `form` to server function `path` on `base`: the status and the answer.
async fn call(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let response = client
        .post(format!("{base}{path}"))
        .form(form)
        .send()
        .await
        .expect("the request reaches the server");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The review log as `base` checks it, asserting that it is intact.
async fn intact_log(client: &reqwest::Client, base: &str) -> Value {
    let (status, integrity) = call(client, base, "/api/review-log/integrity", &[]).await;
    assert_eq!(status, 200, "{integrity}");
    assert_eq!(integrity["intact"], true, "{base}: {integrity}");
    assert_eq!(integrity["problems"], serde_json::json!([]), "{integrity}");
    integrity
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_database_keep_one_review_log() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = fresh_database(Backend::Postgres, dir.path()).await;
    let path = |name: &str| dir.path().join(name);

    // What the servers share besides the database: the signing key, made once.
    let status = Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("keygen")
        .arg(path("server"))
        .stdout(Stdio::null())
        .status()
        .expect("custody keygen runs");
    assert!(status.success(), "custody keygen");
    let key = path("server.key");
    let public_key = std::fs::read_to_string(path("server.pub"))
        .expect("server.pub")
        .trim()
        .to_owned();

    // Trust roots and accounts, once, with the command line (which signs its log
    // entries with the same key).
    let synthetic_root = evidence::producer::synthetic(1, "root").1;
    for (name, root) in [
        ("demo", server::demo::root().public_key()),
        ("synthetic", synthetic_root),
    ] {
        let file = path(&format!("{name}-root.pub"));
        std::fs::write(&file, format!("{}\n", root.to_hex())).expect("write the root");
        cli(
            &url,
            &key,
            &[
                "trust-root",
                "add",
                file.to_str().expect("a path"),
                "--label",
                name,
            ],
        );
    }
    for (name, role) in [
        ("ana", "compliance-reviewer"),
        ("ben", "compliance-reviewer"),
        ("sam", "access-reviewer"),
        ("sue", "access-reviewer"),
        ("sid", "access-reviewer"),
        ("root", "admin"),
    ] {
        cli(&url, &key, &["user", "add", name, "--role", role]);
    }

    // Both servers, started at once: each applies (or finds) the migrations.
    let mut servers = Servers(Vec::new());
    let a = start(&mut servers, &url, &key, &path("a"), path("a.log"));
    let b = start(&mut servers, &url, &key, &path("b"), path("b.log"));
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    tokio::join!(wait_healthy(&anonymous, &a), wait_healthy(&anonymous, &b));
    let servers_at = [a.as_str(), b.as_str()];

    // Each account signs in on one server and uses its session on both.
    let session = |name: &'static str, on: usize| {
        let anonymous = &anonymous;
        async move {
            let login = sign_in(anonymous, servers_at[on], name, PASSWORD)
                .await
                .unwrap_or_else(|status| panic!("{name} signs in: {status}"));
            (login.cookie.clone(), client_of(&login))
        }
    };
    let (ana_cookie, ana) = session("ana", 0).await;
    let (_, ben) = session("ben", 1).await;
    let (_, sam) = session("sam", 0).await;
    let (_, sue) = session("sue", 1).await;
    let (_, sid) = session("sid", 0).await;
    let (_, root) = session("root", 1).await;
    let (ana, ben, sam, sue, sid) = (&ana, &ben, &sam, &sue, &sid);

    // Sessions are kept in the database: signed in on A, ana is signed in on B.
    let on_b = anonymous
        .get(format!("{b}/api/session"))
        .header("cookie", &ana_cookie)
        .send()
        .await
        .expect("request");
    assert_eq!(on_b.status(), 200, "a session from server A works on B");
    let on_b: Value = on_b.json().await.expect("json");
    assert_eq!(on_b["reviewer"]["username"], "ana", "{on_b}");

    // Both sign with the one key.
    for base in servers_at {
        let served = ana
            .get(format!("{base}/api/review-log/key"))
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("the key");
        assert_eq!(
            served.trim(),
            public_key,
            "{base} signs with the shared key"
        );
    }

    // Chains need two sign-offs; an incident that bundles join from both servers.
    let (status, body) = call(&root, &b, "/api/settings/signoff-steps", &[("steps", "2")]).await;
    assert_eq!(status, 200, "{body}");
    let synthetic =
        |i: usize| evidence::producer::synthetic(SYNTHETIC_EVENTS, &format!("join-{i}")).0;
    let (status, shared) = upload(ana, &a, "title=Shared", synthetic(0)).await;
    assert_eq!(status, 200, "{shared}");
    let shared_incident = shared["incident_id"].as_i64().expect("an incident");
    let before = intact_log(ana, &a).await["entries"]
        .as_u64()
        .expect("entries");

    // Uploads through both servers at once: each of SAME four times (twice through
    // each server, by two accounts), DIFFERENT bundles through one server each, and
    // bundles joining one incident through both while its status and assignee change
    // through both.
    let uploaders = [(ana, 0), (ben, 1), (ana, 1), (ben, 0)];
    let same = join_all(SAME.iter().flat_map(|slug| {
        let bytes = demo(slug);
        uploaders.iter().map(move |(client, on)| {
            let bytes = bytes.clone();
            async move {
                let query = format!("name={slug}.bundle.json");
                (*slug, upload(client, servers_at[*on], &query, bytes).await)
            }
        })
    }));
    let different = join_all(DIFFERENT.iter().map(|(on, slug)| async move {
        let client = if *on == 0 { ana } else { ben };
        let query = format!("name={slug}.bundle.json");
        upload(client, servers_at[*on], &query, demo(slug)).await
    }));
    let joining = join_all((1..=JOINING).map(|i| {
        let (client, on) = if i % 2 == 0 { (ben, 1) } else { (ana, 0) };
        let bytes = synthetic(i);
        async move {
            let query = format!("incident={shared_incident}&name=join-{i}.bundle.json");
            upload(client, servers_at[on], &query, bytes).await
        }
    }));
    let id = shared_incident.to_string();
    let workflow = join_all(
        [(ana, 0, "ben"), (ben, 1, "ana")].map(|(client, on, whom)| {
            let id = &id;
            async move {
                let mut answers = Vec::new();
                for status in ["in_review", "open", "in_review"] {
                    let path = "/api/incidents/status";
                    answers.push(
                        call(
                            client,
                            servers_at[on],
                            path,
                            &[("id", id), ("status", status)],
                        )
                        .await,
                    );
                    let path = "/api/incidents/assign";
                    answers.push(
                        call(
                            client,
                            servers_at[on],
                            path,
                            &[("id", id), ("assignee", whom)],
                        )
                        .await,
                    );
                }
                answers
            }
        }),
    );
    let (same, different, joining, workflow) = tokio::join!(same, different, joining, workflow);

    let mut stored: BTreeMap<&str, Value> = BTreeMap::new();
    for (slug, (status, body)) in &same {
        assert_eq!(*status, 200, "{slug}: {body}");
        match stored.get(slug) {
            Some(first) => assert_eq!(body, first, "{slug}: every upload gets the same answer"),
            None => {
                stored.insert(slug, body.clone());
            }
        }
    }
    for ((_, slug), (status, body)) in DIFFERENT.iter().zip(&different) {
        assert_eq!(*status, 200, "{slug}: {body}");
        stored.insert(slug, body.clone());
    }
    for (status, body) in &joining {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(body["incident_id"], shared_incident, "{body}");
    }
    let workflow: Vec<(u16, Value)> = workflow.into_iter().flatten().collect();
    for (status, body) in &workflow {
        assert_eq!(*status, 200, "a status or assignee change: {body}");
    }
    let sha = |slug: &str| {
        stored[slug]["sha256"]
            .as_str()
            .expect("a sha256")
            .to_owned()
    };

    // The chains awaiting sign-off in the bundles uploaded through both servers.
    let mut chains = Vec::new();
    for slug in SAME {
        let sha = sha(slug);
        let (status, found) = call(sam, &a, "/api/bundles/chains", &[("sha256", &sha)]).await;
        assert_eq!(status, 200, "{found}");
        if !found["blocked"].is_null() {
            continue;
        }
        for chain in found["chains"].as_array().expect("chains") {
            assert_eq!(chain["status"], "pending", "{chain}");
            assert_eq!(chain["steps"], 2, "{chain}");
            chains.push((
                sha.clone(),
                chain["approval_id"].as_str().expect("an id").to_owned(),
                chain["digest"].as_str().expect("a digest").to_owned(),
            ));
        }
    }
    assert!(chains.len() >= 3, "chains to sign off: {chains:?}");

    // Review through both servers at once: three access reviewers approve each chain
    // at the same moment (two steps: one of them is refused), while every verified
    // bundle's first events are annotated and commented on through both.
    let signoffs = join_all(
        chains
            .iter()
            .enumerate()
            .flat_map(|(n, (sha, chain, digest))| {
                [(sam, 0), (sue, 1), (sid, n % 2)].map(|(client, on)| async move {
                    let form = [
                        ("sha256", sha.as_str()),
                        ("chain", chain.as_str()),
                        ("chain_digest", digest.as_str()),
                        ("decision", "approve"),
                        (
                            "justification",
                            "checked the request, the approver and the change",
                        ),
                    ];
                    (
                        chain.clone(),
                        call(client, servers_at[on], "/api/bundles/sign-off", &form).await,
                    )
                })
            }),
    );
    let reviewed: Vec<String> = stored
        .iter()
        .filter(|(_, summary)| summary["verdict"] != "tampered")
        .map(|(slug, _)| sha(slug))
        .collect();
    let notes = join_all(reviewed.iter().flat_map(|sha| {
        (0..3u64).flat_map(move |event| {
            [
                (ana, 0, "annotate"),
                (ben, 1, "annotate"),
                (ana, 1, "comment"),
                (ben, 0, "comment"),
            ]
            .map(|(client, on, what)| async move {
                let index = event.to_string();
                let text = format!("event {event} seen through server {on}");
                let (path, form) = if what == "annotate" {
                    (
                        "/api/events/annotate",
                        vec![
                            ("sha256", sha.as_str()),
                            ("index", index.as_str()),
                            ("responsibility", "agent_autonomous"),
                            ("rationale", text.as_str()),
                            ("tags", "two-servers"),
                        ],
                    )
                } else {
                    (
                        "/api/events/comment",
                        vec![
                            ("sha256", sha.as_str()),
                            ("index", index.as_str()),
                            ("body", text.as_str()),
                        ],
                    )
                };
                (what, call(client, servers_at[on], path, &form).await)
            })
        })
    }));
    let (signoffs, notes) = tokio::join!(signoffs, notes);

    let mut approved: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for (chain, (status, body)) in &signoffs {
        match status {
            200 => approved
                .entry(chain.as_str())
                .or_default()
                .push(body["step"].as_u64().expect("a step")),
            403 => assert!(
                body.to_string().contains("already signed off"),
                "the third approval is refused as the chain is approved: {body}"
            ),
            _ => panic!("a sign-off of {chain}: {status} {body}"),
        }
    }
    for (_, chain, _) in &chains {
        let mut steps = approved.get(chain.as_str()).cloned().unwrap_or_default();
        steps.sort_unstable();
        assert_eq!(steps, [1, 2], "chain {chain}: two steps, each filled once");
    }
    let mut annotated = 0u64;
    let mut commented = 0u64;
    for (what, (status, body)) in &notes {
        assert_eq!(*status, 200, "{what}: {body}");
        if *what == "annotate" {
            annotated += 1;
        } else {
            commented += 1;
        }
    }

    // One log, intact as each server checks it, with exactly one entry per action.
    let uploads = (SAME.len() + DIFFERENT.len() + JOINING) as u64;
    let expected =
        before + uploads + workflow.len() as u64 + 2 * chains.len() as u64 + annotated + commented;
    let from_a = intact_log(sam, &a).await;
    let from_b = intact_log(sue, &b).await;
    assert_eq!(from_a, from_b, "both servers check the same log");
    assert_eq!(
        from_a["entries"], expected,
        "one entry per action: {from_a}"
    );
    assert_eq!(from_a["public_key"], public_key.as_str());

    // Its export, from B, verifies under the shared key with the command line.
    let export = ana
        .get(format!("{b}/api/review-log/export"))
        .send()
        .await
        .expect("request");
    assert_eq!(export.status(), 200);
    let exported = path("review-log.bundle.json");
    std::fs::write(&exported, export.bytes().await.expect("the export")).expect("write");
    let verified = Command::new(env!("CARGO_BIN_EXE_custody"))
        .arg("verify")
        .arg(&exported)
        .arg("--trust")
        .arg(path("server.pub"))
        .output()
        .expect("custody verify runs");
    assert!(
        verified.status.success(),
        "custody verify of the exported log: {}",
        String::from_utf8_lossy(&verified.stdout)
    );

    // In the database: the log's sequence numbers are 0, 1, 2… with no gap, and
    // each entry signs the digest of the one before (no fork); each bundle is stored
    // once, with its events once, its upload logged once and its incident alone.
    let db = store::Db::open(&url).await.expect("open the database");
    let seed = hex::decode(std::fs::read_to_string(&key).expect("the key").trim()).expect("hex");
    let server_key =
        store::review_log::ServerKey::from_seed(seed.try_into().expect("a 32-byte seed"));
    let checked = store::log_check::check(&db, &server_key)
        .await
        .expect("check");
    assert!(checked.intact, "{:?}", checked.problems);
    assert_eq!(checked.entries, expected + 1, "and the export's entry");
    let log: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT seq, digest, envelope FROM review_log ORDER BY seq")
            .fetch_all(db.pool())
            .await
            .expect("the log");
    let mut prev: Option<String> = None;
    for (i, (seq, digest, envelope)) in log.iter().enumerate() {
        assert_eq!(*seq, i as i64, "no gap before entry {seq}");
        let envelope: Value = serde_json::from_str(envelope).expect("json");
        let payload = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            envelope["payload"].as_str().expect("a payload"),
        )
        .expect("base64");
        let payload: Value = serde_json::from_slice(&payload).expect("json");
        assert_eq!(payload["seq"], *seq, "entry {seq} signs its place");
        assert_eq!(
            payload["prev"].as_str(),
            prev.as_deref(),
            "entry {seq} follows entry {}",
            seq - 1
        );
        prev = Some(digest.clone());
    }
    let distinct: BTreeSet<&str> = log.iter().map(|(_, d, _)| d.as_str()).collect();
    assert_eq!(distinct.len(), log.len(), "no entry is stored twice");

    let count = |sql: &'static str| {
        let db = &db;
        async move {
            let (n,): (i64,) = sqlx::query_as(sql)
                .fetch_one(db.pool())
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            n
        }
    };
    let bundles = 1 + uploads as i64;
    assert_eq!(count("SELECT COUNT(*) FROM bundles").await, bundles);
    assert_eq!(
        count("SELECT COUNT(DISTINCT sha256) FROM bundles").await,
        bundles
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM bundles b WHERE b.event_count <> \
             (SELECT COUNT(*) FROM events e WHERE e.bundle_sha256 = b.sha256)"
        )
        .await,
        0,
        "a bundle's events are stored once each"
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM (SELECT bundle_sha256, idx FROM events \
             GROUP BY bundle_sha256, idx HAVING COUNT(*) > 1) AS twice"
        )
        .await,
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM review_log WHERE action = 'upload'").await,
        bundles,
        "each bundle's upload is logged once"
    );
    assert_eq!(
        count("SELECT COUNT(DISTINCT bundle_sha256) FROM review_log WHERE action = 'upload'").await,
        bundles
    );
    // One incident for each bundle but those that joined the shared one: an upload
    // that lost the race left no incident behind.
    assert_eq!(
        count("SELECT COUNT(*) FROM incidents").await,
        (1 + SAME.len() + DIFFERENT.len()) as i64
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM signoffs").await,
        2 * chains.len() as i64
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM annotations").await,
        annotated as i64
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM comments").await,
        commented as i64
    );
    db.close().await;

    // Signed out through A, a session signed in on B ends on both.
    let login = sign_in(&anonymous, &b, "ben", PASSWORD)
        .await
        .expect("ben signs in again");
    let out = client_of(&login)
        .post(format!("{a}/logout"))
        .send()
        .await
        .expect("request");
    assert!(
        out.status().is_redirection(),
        "signed out: {}",
        out.status()
    );
    for base in servers_at {
        let after = anonymous
            .get(format!("{base}/api/session"))
            .header("cookie", &login.cookie)
            .send()
            .await
            .expect("request");
        assert_eq!(after.status(), 401, "{base}: the session has ended");
    }

    // A third server given a signing key of its own is refused (it would sign entries
    // no check of this log accepts), and so is the command line.
    let other = path("c/server.key");
    start(&mut servers, &url, &other, &path("c"), path("c.log"));
    let (child, log) = servers.0.last_mut().expect("the third server");
    let mut exited = None;
    for _ in 0..400 {
        exited = child.try_wait().expect("the third server's state");
        if exited.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let exited = exited.expect("a server with another key does not start");
    assert!(!exited.success());
    let said = std::fs::read_to_string(&*log).expect("its log");
    assert!(said.contains("signed with another key"), "{said}");
    let refused = Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(["user", "add", "eve", "--role", "auditor", "--database-url"])
        .arg(&url)
        .arg("--signing-key")
        .arg(&other)
        .env("CUSTODY_NEW_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .expect("custody runs");
    assert!(
        !refused.status.success(),
        "the command line with another key"
    );
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("signed with another key"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(
        intact_log(sam, &a).await["entries"],
        expected + 1,
        "nothing was recorded with the other key"
    );
    drop(servers);
}
