//! How Custody holds up with millions of stored events: ingest throughput, the
//! latency of the reading endpoints at 1 and 16 concurrent clients, peak memory and
//! database size, in SQLite and, when `CUSTODY_TEST_POSTGRES_URL` names a server, in
//! PostgreSQL (a database of its own, dropped afterwards):
//! `./x bench scale [EVENTS…]`, or
//! `cargo run --release -p server --example scale_bench [EVENTS…]` (default 1000000).
//!
//! For each size and database, in a process of its own (so its peak memory is its
//! own):
//! 1. Synthetic bundles of 2,000 to 4,000 events (40 emitters of four actor types,
//!    16 humans they act for, ten event kinds, 300 resources, free text drawn from a
//!    vocabulary of 96 words), one to three bundles to an incident, all certified by
//!    one root key, are made on a thread of their own while the previous ones are
//!    stored through `store::ingest::ingest`. Ingest events/s is events stored ÷ time
//!    spent inside `ingest` (the generator shares the cores).
//! 2. The real server (`Application`) starts on that database on a free port; an
//!    auditor signs in with reqwest.
//! 3. Each request below is timed for `CUSTODY_BENCH_SECS` seconds (default 10) with
//!    1, then 16 clients, each client sending its next request when the previous one
//!    is answered, with parameters varied between requests. Non-2xx answers are
//!    counted (503 apart).
//! 4. Peak memory (VmHWM), database size (SQLite: the file and its `-wal`, after a
//!    checkpoint;
//!    PostgreSQL: `pg_database_size`) per event and against the raw bundle bytes.
//!
//! The SQLite database goes in a temporary directory under `CUSTODY_BENCH_DIR` (default:
//! the system's), removed afterwards; at about 2.3 KB an event, ten million events
//! need some 23 GB free there (PostgreSQL: some 17 GB).
//!
//! The tables at the end are Markdown, for docs/performance.md.

#[path = "common/memory.rs"]
mod memory;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use evidence::producer::{BundleBuilder, Signer};
use model::{Role, Severity};
use serde_json::{json, Map, Value};
use server::config::ServeConfig;
use server::startup::Application;
use sqlx::Connection as _;
use store::ingest::{ingest, Target, Upload};
use store::review_log::{Actor, ServerKey};
use store::{trust_roots, Db, IngestOptions};

/// Client counts each request is timed with.
const CLIENTS: [usize; 2] = [1, 16];
/// The bench account's password.
const PASSWORD: &str = "scale bench password";

// ---------------------------------------------------------------------------------
// The synthetic corpus.

/// Words free text is made of; none occurs in any other field of the payloads.
const WORDS: [&str; 96] = [
    "walrus",
    "lantern",
    "quasar",
    "meadow",
    "tundra",
    "falcon",
    "glacier",
    "harpoon",
    "juniper",
    "kestrel",
    "lagoon",
    "marmot",
    "nimbus",
    "orchid",
    "pelican",
    "quiver",
    "raven",
    "saffron",
    "thistle",
    "umbrella",
    "vortex",
    "willow",
    "yonder",
    "zephyr",
    "almond",
    "bishop",
    "citron",
    "dolphin",
    "ember",
    "fjord",
    "gopher",
    "hornet",
    "iguana",
    "jasmine",
    "koala",
    "lemming",
    "mosaic",
    "nutmeg",
    "osprey",
    "parsnip",
    "quokka",
    "rhubarb",
    "sparrow",
    "tulip",
    "urchin",
    "violin",
    "wombat",
    "yarrow",
    "zither",
    "anchovy",
    "bramble",
    "cobalt",
    "drizzle",
    "emerald",
    "flamingo",
    "granite",
    "hickory",
    "indigo",
    "jackal",
    "kiwi",
    "lilac",
    "mango",
    "nectar",
    "oyster",
    "puffin",
    "quill",
    "ripple",
    "spruce",
    "tiger",
    "unicorn",
    "velvet",
    "whisker",
    "yogurt",
    "zucchini",
    "aspen",
    "bonsai",
    "cricket",
    "dingo",
    "eclipse",
    "furnace",
    "gizmo",
    "hammock",
    "igloo",
    "jigsaw",
    "kimono",
    "lotus",
    "muffin",
    "nugget",
    "origami",
    "pickle",
    "quartz",
    "rocket",
    "sunflower",
    "trumpet",
    "upland",
    "voyage",
];

/// Words incident titles are made of (the incident list's `q` looks for them).
const TITLE_WORDS: [&str; 12] = [
    "deploy",
    "exfiltration",
    "rollback",
    "escalation",
    "deletion",
    "outage",
    "misconfiguration",
    "leak",
    "override",
    "drift",
    "lockout",
    "migration",
];

const TOOLS: [&str; 7] = ["kubectl", "psql", "aws", "terraform", "git", "curl", "helm"];
const OPERATIONS: [&str; 5] = ["update", "create", "delete", "export", "restart"];
const SEVERITIES: [Severity; 4] = [
    Severity::Low,
    Severity::Medium,
    Severity::High,
    Severity::Critical,
];
/// Kinds and how many events in 100 have each.
const KINDS: [(&str, u64); 10] = [
    ("tool.call", 25),
    ("tool.result", 15),
    ("http.request", 12),
    ("model.output", 10),
    ("side_effect", 8),
    ("policy.decision", 8),
    ("credential.use", 7),
    ("request", 6),
    ("retrieval", 5),
    ("system", 4),
];

/// A small, fast, deterministic random source (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn words(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| *self.pick(&WORDS))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// An emitter: its identity, actor type and key.
struct Emitter {
    id: String,
    actor_type: &'static str,
    signer: Signer,
}

/// Every emitter's identity and actor type, in a fixed order.
fn emitter_ids() -> Vec<(String, &'static str)> {
    let mut ids = Vec::new();
    for i in 0..24 {
        ids.push((
            format!("spiffe://bench.example/agent/agent-{i:02}"),
            "agent",
        ));
    }
    for i in 0..8 {
        ids.push((format!("svc-{i:02}@bench.example"), "service"));
    }
    for i in 0..4 {
        ids.push((format!("tool-runner-{i}"), "tool"));
    }
    for i in 0..4 {
        ids.push((format!("scheduler-{i}"), "system"));
    }
    ids
}

/// The humans events are done on behalf of.
fn humans() -> Vec<String> {
    (0..16)
        .map(|i| format!("user{i:02}@bench.example"))
        .collect()
}

fn resources() -> Vec<String> {
    (0..300)
        .map(|i| match i % 3 {
            0 => format!("k8s://cluster-{}/ns-{}/deploy/app-{i}", i % 7, i % 11),
            1 => format!("postgres://db-{}/schema-{}/table-{i}", i % 5, i % 13),
            _ => format!("s3://bucket-{}/prefix-{i}", i % 17),
        })
        .collect()
}

/// One bundle made, and where it goes.
struct Made {
    bytes: Vec<u8>,
    events: usize,
    /// A new incident's title and severity; `None`: the previous bundle's incident.
    new_incident: Option<(String, Severity)>,
}

/// Makes bundles of `total` events in all, on the calling thread, handing each to
/// `send` (which blocks while the store is behind); gives the seconds spent making.
fn generate(total: usize, seed: u64, send: impl Fn(Made) -> bool) -> f64 {
    let root = Signer::from_seed([1; 32]);
    let collector = Signer::from_seed([2; 32]);
    let emitters: Vec<Emitter> = emitter_ids()
        .into_iter()
        .enumerate()
        .map(|(i, (id, actor_type))| Emitter {
            id,
            actor_type,
            signer: Signer::from_seed([40 + i as u8; 32]),
        })
        .collect();
    let humans = humans();
    let resources = resources();
    let (valid_from, valid_to) = ("2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z");
    let mut rng = Rng(seed);
    let mut made = 0;
    let mut bundle = 0usize;
    let mut left_in_incident = 0;
    let mut incident = 0usize;
    let mut busy = 0.0;
    while made < total {
        let start = Instant::now();
        let events = (2_000 + rng.below(2_001)).min(total - made);
        let new_incident = if left_in_incident == 0 {
            left_in_incident = *rng.pick(&[1, 1, 2, 2, 3]);
            incident += 1;
            let title = format!(
                "{} {} on {} (case {incident})",
                rng.pick(&["Unexpected", "Unapproved", "Suspicious", "Failed", "Bulk"]),
                rng.pick(&TITLE_WORDS),
                rng.pick(&resources),
            );
            Some((title, *rng.pick(&SEVERITIES)))
        } else {
            None
        };
        left_in_incident -= 1;
        // Five emitters, three humans and a dozen resources to a bundle.
        let mut chosen: Vec<&Emitter> = Vec::new();
        while chosen.len() < 5 {
            let e = rng.pick(&emitters);
            if !chosen.iter().any(|c| c.id == e.id) {
                chosen.push(e);
            }
        }
        let people: Vec<&String> = (0..3).map(|_| rng.pick(&humans)).collect();
        let touched: Vec<&String> = (0..12).map(|_| rng.pick(&resources)).collect();
        let mut b = BundleBuilder::new();
        for e in &chosen {
            b.bind(&root, &e.signer.public_key(), &e.id, valid_from, valid_to);
        }
        b.bind(
            &root,
            &collector.public_key(),
            "collector",
            valid_from,
            valid_to,
        );
        // Each bundle starts three hours after the previous one; an event every second.
        let start_at = 1_767_571_200 + bundle as i64 * 3 * 3600; // 2026-01-05
        for i in 0..events {
            let e = *rng.pick(&chosen);
            let at = start_at + i as i64;
            let time = chrono::DateTime::from_timestamp(at, 0)
                .expect("a time")
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            let body = event_body(&mut rng, bundle, i, e, &people, &touched);
            b.event(&e.signer, &e.id, &time, body);
            if i + 1 == events {
                let issued = chrono::DateTime::from_timestamp(at + 60, 0)
                    .expect("a time")
                    .format("%Y-%m-%dT%H:%M:%SZ")
                    .to_string();
                let text = b.finish(
                    &collector,
                    "collector",
                    &format!("scale-{total}-{bundle}"),
                    &issued,
                );
                busy += start.elapsed().as_secs_f64();
                if !send(Made {
                    bytes: text.into_bytes(),
                    events,
                    new_incident: new_incident.clone(),
                }) {
                    return busy;
                }
            }
        }
        made += events;
        bundle += 1;
    }
    busy
}

fn event_body(
    rng: &mut Rng,
    bundle: usize,
    i: usize,
    emitter: &Emitter,
    people: &[&String],
    resources: &[&String],
) -> Map<String, Value> {
    let mut roll = rng.below(100) as u64;
    let mut kind = "system";
    for (k, share) in KINDS {
        if roll < share {
            kind = k;
            break;
        }
        roll -= share;
    }
    let id = format!("evt-{bundle}-{i}");
    let hash = |what: &str| evidence::event::hash_of(format!("{bundle}-{i}-{what}").as_bytes());
    let mut body = json!({
        "kind": kind,
        "id": id,
        "actor": { "type": emitter.actor_type, "id": emitter.id },
    });
    let map = body.as_object_mut().expect("an object");
    if rng.below(2) == 0 {
        map.insert(
            "onBehalfOf".into(),
            json!([{ "type": "human", "id": rng.pick(people) }]),
        );
    }
    if i > 0 && rng.below(3) == 0 {
        map.insert("parent".into(), format!("evt-{bundle}-{}", i - 1).into());
    }
    let resource = *rng.pick(resources);
    let section = match kind {
        "tool.call" | "tool.result" => {
            let tool = rng.pick(&TOOLS);
            let mut tool = json!({
                "name": tool,
                "argumentsHash": hash("args"),
                "arguments": [*rng.pick(&OPERATIONS), resource, format!("--ticket=CHG-{}", rng.below(5000))],
            });
            if kind == "tool.result" {
                map.insert(
                    "output".into(),
                    json!({ "hash": hash("out"), "text": rng.words(4) }),
                );
                if let Some(t) = tool.as_object_mut() {
                    t.remove("arguments");
                }
            }
            Some(("tool", tool))
        }
        "http.request" => Some((
            "request",
            json!({
                "method": rng.pick(&["GET", "POST", "PUT", "DELETE"]),
                "url": format!("https://api.bench.example/v1/items/{}", rng.below(100_000)),
                "status": rng.pick(&[200u16, 200, 200, 201, 403, 404, 500]),
            }),
        )),
        "model.output" | "retrieval" => {
            let n = 6 + rng.below(6);
            Some((
                "output",
                json!({ "hash": hash("out"), "text": rng.words(n) }),
            ))
        }
        "side_effect" => Some((
            "change",
            json!({
                "resource": resource,
                "operation": rng.pick(&OPERATIONS),
                "summary": rng.words(5),
                "outcome": if rng.below(10) == 0 { "failure" } else { "success" },
            }),
        )),
        "policy.decision" => Some((
            "decision",
            json!({
                "engine": "opa",
                "policyId": format!("policy-{}", rng.below(20)),
                "policyVersion": "v3",
                "decision": if rng.below(10) == 0 { "deny" } else { "allow" },
                "decisionId": format!("dec-{bundle}-{i}"),
                "inputHash": hash("input"),
            }),
        )),
        "credential.use" => Some((
            "credential",
            json!({ "tokenId": format!("tok-{bundle}-{}", rng.below(8)) }),
        )),
        "request" => Some(("input", json!({ "hash": hash("in"), "text": rng.words(8) }))),
        _ => None,
    };
    if let Some((name, value)) = section {
        map.insert(name.into(), value);
    }
    match body {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

// ---------------------------------------------------------------------------------
// Measuring.

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// `n` with thousands separated by commas.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The database's size on disk, in bytes: on SQLite, after a checkpoint has folded
/// the write-ahead log into the file (the log grows back to one transaction's
/// pages at most, whatever the store holds).
async fn database_bytes(db: &Db, data_dir: &Path, url: &str) -> u64 {
    if url.starts_with("sqlite") {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(db.pool())
            .await
            .expect("a checkpoint");
        ["custody.db", "custody.db-wal"]
            .iter()
            .filter_map(|f| std::fs::metadata(data_dir.join(f)).ok())
            .map(|m| m.len())
            .sum()
    } else {
        let (size,): (i64,) = sqlx::query_as("SELECT pg_database_size(current_database())")
            .fetch_one(db.pool())
            .await
            .expect("the database's size");
        u64::try_from(size).unwrap_or_default()
    }
}

/// What the requests can be about.
struct Params {
    incidents: Vec<i64>,
    actors: Vec<String>,
    humans: Vec<String>,
    newest_seq: u64,
}

/// One request to send.
struct Request {
    post: bool,
    path: &'static str,
    query: Vec<(&'static str, String)>,
}

/// A request to time: its label, and how to make the `n`-th one.
type Make = fn(&Params, &mut Rng) -> Request;

fn get(path: &'static str, query: Vec<(&'static str, String)>) -> Request {
    Request {
        post: false,
        path,
        query,
    }
}

fn scenarios() -> [(&'static str, Make); 6] {
    [
        ("GET /api/incidents", |_, _| get("/api/incidents", vec![])),
        ("GET /api/incidents?sort=…&filter", |p, rng| {
            let sort = rng.pick(&["-events", "title", "-opened", "-severity", "updated"]);
            let filter = match rng.below(3) {
                0 => (
                    "severity",
                    rng.pick(&["low", "medium", "high", "critical"]).to_string(),
                ),
                1 => ("actor", rng.pick(&p.actors).clone()),
                _ => ("q", rng.pick(&TITLE_WORDS).to_string()),
            };
            get("/api/incidents", vec![("sort", sort.to_string()), filter])
        }),
        ("GET /api/events?kind=…&actor=…", |p, rng| {
            let actor = if rng.below(4) == 0 {
                rng.pick(&p.humans).clone()
            } else {
                rng.pick(&p.actors).clone()
            };
            get(
                "/api/events",
                vec![("kind", rng.pick(&KINDS).0.to_string()), ("actor", actor)],
            )
        }),
        ("GET /api/events?incident=…", |p, rng| {
            get(
                "/api/events",
                vec![
                    ("incident", rng.pick(&p.incidents).to_string()),
                    ("page", (1 + rng.below(5)).to_string()),
                ],
            )
        }),
        ("GET /api/events?q=…", |_, rng| {
            get("/api/events", vec![("q", rng.pick(&WORDS).to_string())])
        }),
        ("POST /api/review-log/list", |p, rng| {
            // The newest page; an empty filter is no filter (the form needs a field).
            let query = match rng.below(3) {
                0 => vec![("query[action]", String::new())],
                1 => vec![("query[incident]", rng.pick(&p.incidents).to_string())],
                _ => vec![(
                    "query[before]",
                    (1 + rng.below(p.newest_seq.max(1) as usize)).to_string(),
                )],
            };
            Request {
                post: true,
                path: "/api/review-log/list",
                query,
            }
        }),
    ]
}

async fn send(client: &reqwest::Client, base: &str, r: &Request) -> Result<(u16, Vec<u8>), String> {
    let url = format!("{base}{}", r.path);
    let request = if r.post {
        client.post(url).form(&r.query)
    } else {
        client.get(url).query(&r.query)
    };
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    Ok((status, body.to_vec()))
}

/// How many rows an answer holds (events: all that match; the rest: those sent).
fn matches(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => thousands(items.len() as u64),
        Ok(Value::Object(o)) => match (o.get("total"), o.get("entries")) {
            (Some(Value::Number(n)), _) => thousands(n.as_u64().unwrap_or_default()),
            (_, Some(Value::Array(entries))) => thousands(entries.len() as u64),
            _ => "?".into(),
        },
        _ => "?".into(),
    }
}

/// Latencies and answers of one run of one request at one client count.
#[derive(Default)]
struct Tally {
    micros: Vec<u64>,
    ok: u64,
    busy: u64,
    other: u64,
    errors: u64,
    first_failure: Option<String>,
}

async fn run_clients(
    clients: &[reqwest::Client],
    base: &str,
    params: &Arc<Params>,
    make: Make,
    seconds: f64,
    seed: u64,
) -> (Tally, f64) {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let tasks: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(n, client)| {
            let client = client.clone();
            let base = base.to_owned();
            let params = Arc::clone(params);
            tokio::spawn(async move {
                let mut rng = Rng(seed ^ (n as u64 + 1).wrapping_mul(0x1234_5678_9ABC_DEF1));
                let mut tally = Tally::default();
                while Instant::now() < deadline {
                    let request = make(&params, &mut rng);
                    let sent = Instant::now();
                    let answer = send(&client, &base, &request).await;
                    tally.micros.push(sent.elapsed().as_micros() as u64);
                    match answer {
                        Ok((200..=299, _)) => tally.ok += 1,
                        Ok((503, _)) => tally.busy += 1,
                        Ok((status, body)) => {
                            tally.other += 1;
                            tally.first_failure.get_or_insert_with(|| {
                                format!("{status}: {}", String::from_utf8_lossy(&body))
                            });
                        }
                        Err(e) => {
                            tally.errors += 1;
                            tally.first_failure.get_or_insert(e);
                        }
                    }
                }
                tally
            })
        })
        .collect();
    let mut all = Tally::default();
    for task in tasks {
        let t = task.await.expect("a client");
        all.micros.extend(t.micros);
        all.ok += t.ok;
        all.busy += t.busy;
        all.other += t.other;
        all.errors += t.errors;
        if all.first_failure.is_none() {
            all.first_failure = t.first_failure;
        }
    }
    (all, start.elapsed().as_secs_f64())
}

fn percentile_ms(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

fn client_with(cookie: &str, csrf: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", cookie.parse().expect("a cookie"));
    headers.insert("x-csrf-token", csrf.parse().expect("a token"));
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .timeout(Duration::from_secs(300))
        .build()
        .expect("a client")
}

/// Signs in as `name`: the session cookie (`name=value`) and CSRF token.
async fn sign_in(base: &str, name: &str) -> (String, String) {
    let response = reqwest::Client::new()
        .post(format!("{base}/login"))
        .header("accept", "application/json")
        .form(&[("username", name), ("password", PASSWORD)])
        .send()
        .await
        .expect("the server answers");
    assert!(
        response.status().is_success(),
        "signing in: {}",
        response.status()
    );
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-custody_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let csrf = response.headers()["x-csrf-token"]
        .to_str()
        .expect("a token")
        .to_owned();
    (cookie, csrf)
}

/// One size on one database: everything but the final tables, whose rows (Markdown)
/// go to the file `results` as lines `summary\t…` and `latency\t…`.
async fn one(events: usize, url: &str, data_dir: &Path, results: &Path) {
    let backend = if url.starts_with("sqlite") {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    let seconds: f64 = std::env::var("CUSTODY_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10.0);
    // The server's own key file, so the review log the ingests write is the server's.
    let key: ServerKey =
        server::key_files::server_key(&data_dir.join("server.key")).expect("the server's key");
    let db = Db::open(url).await.expect("the database");
    trust_roots::add(
        &db,
        &key,
        Actor::Cli,
        &Signer::from_seed([1; 32]).public_key(),
        "scale bench",
    )
    .await
    .expect("the root");

    // 1. Ingest, with the next bundles made meanwhile on a thread of their own.
    eprintln!("{backend}, {} events: storing…", thousands(events as u64));
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Made>(2);
    let generator = std::thread::spawn(move || {
        generate(events, 0x5EED ^ events as u64, |made| {
            tx.blocking_send(made).is_ok()
        })
    });
    let wall = Instant::now();
    let (mut inside, mut stored, mut raw, mut bundles, mut incidents) = (0.0, 0u64, 0u64, 0, 0);
    let mut incident = 0i64;
    let mut reported = 0u64;
    while let Some(made) = rx.recv().await {
        let target = match made.new_incident {
            Some((title, severity)) => Target::New {
                title,
                description: "A synthetic incident of the scale benchmark.".into(),
                severity,
            },
            None => Target::Incident(incident),
        };
        let size = made.bytes.len() as u64;
        let start = Instant::now();
        let summary = ingest(
            &db,
            &key,
            Actor::Cli,
            Upload {
                bytes: made.bytes,
                name: format!("scale-{bundles}.bundle.json"),
                target,
            },
            IngestOptions::default(),
        )
        .await
        .expect("stored");
        inside += start.elapsed().as_secs_f64();
        assert_eq!(summary.event_count as usize, made.events);
        if bundles == 0 {
            eprintln!("  first bundle's verdict: {}", summary.verdict.as_str());
        }
        if summary.incident_id != incident {
            incidents += 1;
            incident = summary.incident_id;
        }
        stored += made.events as u64;
        raw += size;
        bundles += 1;
        if stored * 10 / events as u64 > reported {
            reported = stored * 10 / events as u64;
            eprintln!(
                "  {:>3}%: {} events in {bundles} bundles, {:.0} events/s inside ingest, {:.0} s",
                reported * 10,
                thousands(stored),
                stored as f64 / inside,
                wall.elapsed().as_secs_f64()
            );
        }
    }
    let wall = wall.elapsed().as_secs_f64();
    let making = generator.join().expect("the generator");
    let ingest_peak = memory::peak_rss_bytes();
    let size = database_bytes(&db, data_dir, url).await;
    let wal = std::fs::metadata(data_dir.join("custody.db-wal")).map_or(0, |m| m.len());
    eprintln!(
        "  stored: {:.0} events/s inside ingest ({inside:.1} s), {wall:.1} s wall, {making:.1} s making bundles; database {:.0} MiB{}",
        stored as f64 / inside,
        mib(size),
        if wal > 0 { format!(" (of which -wal {:.0} MiB)", mib(wal)) } else { String::new() },
    );
    store::users::add(
        &db,
        &key,
        Actor::Cli,
        "bench-auditor",
        "",
        Role::Auditor,
        PASSWORD,
    )
    .await
    .expect("the auditor's account");
    db.close().await;

    // 2. The server, on that database.
    let mut config = ServeConfig::new(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir.to_owned(),
    );
    config.database_url = Some(url.to_owned());
    let app = Application::build(config).await.expect("the server builds");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    let (cookie, csrf) = sign_in(&base, "bench-auditor").await;
    let probe = client_with(&cookie, &csrf);
    let list: Vec<Value> = probe
        .get(format!("{base}/api/incidents"))
        .send()
        .await
        .expect("the incident list")
        .json()
        .await
        .expect("incidents");
    let log: Value = probe
        .post(format!("{base}/api/review-log/list"))
        .form(&[("query[action]", "upload")])
        .send()
        .await
        .expect("the review log")
        .json()
        .await
        .expect("a review log page");
    let params = Arc::new(Params {
        incidents: list
            .iter()
            .filter_map(|i| i.get("id").and_then(Value::as_i64))
            .collect(),
        actors: emitter_ids().into_iter().map(|(id, _)| id).collect(),
        humans: humans(),
        newest_seq: log
            .pointer("/entries/0/seq")
            .and_then(Value::as_u64)
            .unwrap_or(1),
    });
    assert!(!params.incidents.is_empty(), "no incident listed");

    // 3. Latency.
    let mut rows = Vec::new();
    for (n, (label, make)) in scenarios().into_iter().enumerate() {
        let mut rng = Rng(n as u64);
        let answer = send(&probe, &base, &make(&params, &mut rng))
            .await
            .expect("the server answers");
        assert!(
            (200..300).contains(&answer.0),
            "{label}: {} {}",
            answer.0,
            String::from_utf8_lossy(&answer.1)
        );
        let found = matches(&answer.1);
        for clients in CLIENTS {
            let pool: Vec<reqwest::Client> =
                (0..clients).map(|_| client_with(&cookie, &csrf)).collect();
            let (mut tally, secs) = run_clients(
                &pool,
                &base,
                &params,
                make,
                seconds,
                n as u64 * 31 + clients as u64,
            )
            .await;
            tally.micros.sort_unstable();
            let row = format!(
                "| {backend} | {} | `{label}` | {clients} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {found} | {} | {} |",
                thousands(events as u64),
                tally.micros.len(),
                percentile_ms(&tally.micros, 50.0),
                percentile_ms(&tally.micros, 95.0),
                percentile_ms(&tally.micros, 99.0),
                tally.micros.len() as f64 / secs,
                tally.other + tally.errors,
                tally.busy,
            );
            eprintln!("  {row}");
            if let Some(failure) = &tally.first_failure {
                let short: String = failure.chars().take(300).collect();
                eprintln!("    first failure: {short}");
            }
            rows.push(row);
        }
    }
    let peak = memory::peak_rss_bytes();
    let mut out = vec![format!(
        "summary\t| {backend} | {} | {bundles} | {incidents} | {:.0} | {inside:.1} ({wall:.1}) | {:.0} | {:.0} | {:.0} | {:.2} | {:.0} ({:.0}) |",
        thousands(stored),
        stored as f64 / inside,
        mib(raw),
        mib(size),
        size as f64 / stored as f64,
        size as f64 / raw as f64,
        mib(peak),
        mib(ingest_peak),
    )];
    out.extend(rows.iter().map(|row| format!("latency\t{row}")));
    std::fs::write(results, out.join("\n")).expect("the results");
}

// ---------------------------------------------------------------------------------
// The driver: one process per size and database.

/// A new database on the PostgreSQL server `admin` names: its URL and name.
async fn create_database(admin: &str, events: usize) -> (String, String) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin)
        .await
        .expect("the PostgreSQL server answers");
    let name = format!("custody_scale_{events}_{}", std::process::id());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("a database");
    let _ = conn.close().await;
    let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
    (format!("{base}/{name}"), name)
}

async fn drop_database(admin: &str, name: &str) {
    if let Ok(mut conn) = sqlx::AnyConnection::connect(admin).await {
        if let Err(e) = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await
        {
            eprintln!("could not drop database {name}: {e}");
        }
        let _ = conn.close().await;
    }
}

fn temp_dir() -> tempfile::TempDir {
    match std::env::var_os("CUSTODY_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(PathBuf::from(dir)),
        None => tempfile::tempdir(),
    }
    .expect("a temporary directory")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    if let [flag, events, url, dir, results] = args.as_slice() {
        if flag == "--one" {
            server::telemetry::init();
            let events = events.parse().expect("a number of events");
            runtime.block_on(one(events, url, Path::new(dir), Path::new(results)));
            return;
        }
    }
    let sizes: Vec<usize> = args
        .iter()
        .filter_map(|a| a.replace(['_', ','], "").parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000_000]
    } else {
        sizes
    };
    let exe = std::env::current_exe().expect("this program");
    let postgres = std::env::var("CUSTODY_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if postgres.is_none() {
        eprintln!("CUSTODY_TEST_POSTGRES_URL is not set: SQLite only");
    }
    let (mut summaries, mut latencies) = (Vec::new(), Vec::new());
    for events in sizes {
        let backends = std::iter::once(None).chain(postgres.as_ref().map(Some));
        for admin in backends {
            let dir = temp_dir();
            let (url, database) = match admin {
                None => (Db::sqlite_url(dir.path()), None),
                Some(admin) => {
                    let (url, name) = runtime.block_on(create_database(admin, events));
                    (url, Some(name))
                }
            };
            let results = tempfile::NamedTempFile::new().expect("a results file");
            let mut run = Command::new(&exe);
            // The server's errors (the reason behind a 500, say), and nothing else.
            if std::env::var_os("RUST_LOG").is_none() {
                run.env("RUST_LOG", "error");
            }
            // The server logs to stdout; this process's stdout is for the tables.
            let status = run
                .arg("--one")
                .arg(events.to_string())
                .arg(&url)
                .arg(dir.path())
                .arg(results.path())
                .stdout(Stdio::from(std::io::stderr()))
                .status()
                .expect("run");
            if let (Some(admin), Some(name)) = (admin, &database) {
                runtime.block_on(drop_database(admin, name));
            }
            drop(dir);
            assert!(status.success(), "the run on {url} failed");
            let text = std::fs::read_to_string(results.path()).expect("the results");
            for line in text.lines() {
                match line.split_once('\t') {
                    Some(("summary", row)) => summaries.push(row.to_owned()),
                    Some(("latency", row)) => latencies.push(row.to_owned()),
                    _ => {}
                }
            }
        }
    }
    println!();
    println!("| database | events | bundles | incidents | ingest events/s | ingest s (wall) | raw bundles MiB | database MiB | bytes/event | database ÷ raw | peak RSS MiB (after ingest) |");
    println!("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for row in &summaries {
        println!("{row}");
    }
    println!();
    println!(
        "Latency: each request for {} s per client count; ms; `matches`: rows the first answer held (events: all matching).",
        std::env::var("CUSTODY_BENCH_SECS").unwrap_or_else(|_| "10".into())
    );
    println!();
    println!("| database | events | request | clients | requests | p50 | p95 | p99 | req/s | matches | non-2xx | 503 |");
    println!("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for row in &latencies {
        println!("{row}");
    }
}
