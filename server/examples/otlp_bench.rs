//! Prints how fast the real server receives OpenTelemetry spans into SQLite, and
//! the peak memory of receiving 100,000 of them:
//! `cargo run --release -p server --example otlp_bench [SPANS] [BATCH]` (default
//! 100000 spans in requests of 512, the Python and Go SDKs' default batch). Each run
//! is its own process (`--one`), so its peak memory is its own: the server on a
//! fresh SQLite data directory, its collector certified, one machine token, and a
//! client in the same process sending protobuf requests one after another and then
//! from 4 clients at once. The spans are an agent's runs: an agent invoked, a model
//! call, two tool calls and an HTTP call, five spans and seven events a run.

#[path = "common/memory.rs"]
mod memory;

use std::net::SocketAddr;
use std::time::Instant;

use prost::Message as _;
use serde_json::{json, Value};
use server::config::ServeConfig;
use server::startup::Application;

/// One run's spans, as OTLP/JSON spans, numbered from `n`.
fn run(n: u64, at: u64) -> Vec<Value> {
    let id = |k: u64| format!("{:016x}", n * 8 + k);
    let s = |v: &str| json!({"stringValue": v});
    let trace = format!("{:032x}", n + 1);
    let span = |k: u64, parent: Option<u64>, name: &str, attrs: Value| {
        let mut v = json!({
            "traceId": trace, "spanId": id(k), "name": name, "kind": 1,
            "startTimeUnixNano": (at + k * 1_000_000).to_string(),
            "endTimeUnixNano": (at + k * 1_000_000 + 500_000).to_string(),
            "attributes": attrs,
        });
        if let Some(p) = parent {
            v["parentSpanId"] = id(p).into();
        }
        v
    };
    let agent = [
        json!({"key": "gen_ai.agent.id", "value": s("asst_refunds")}),
        json!({"key": "gen_ai.agent.name", "value": s("Refunds")}),
    ];
    let tool = |name: &str, call: String| {
        let mut a = vec![
            json!({"key": "gen_ai.operation.name", "value": s("execute_tool")}),
            json!({"key": "gen_ai.tool.name", "value": s(name)}),
            json!({"key": "gen_ai.tool.call.id", "value": s(&call)}),
            json!({"key": "gen_ai.tool.call.arguments", "value": s("{\"order\":\"ord_88213\",\"amount\":\"42.00\"}")}),
        ];
        a.extend(agent.iter().cloned());
        Value::Array(a)
    };
    let mut invoke = vec![
        json!({"key": "gen_ai.operation.name", "value": s("invoke_agent")}),
        json!({"key": "gen_ai.conversation.id", "value": s(&format!("conv_{n}"))}),
    ];
    invoke.extend(agent.iter().cloned());
    vec![
        span(1, None, "invoke_agent Refunds", Value::Array(invoke)),
        span(
            2,
            Some(1),
            "chat gpt-4o",
            json!([
                {"key": "gen_ai.operation.name", "value": s("chat")},
                {"key": "gen_ai.request.model", "value": s("gpt-4o")},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "412"}},
                {"key": "gen_ai.output.messages", "value": s("[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Refunding.\"}]}]")},
            ]),
        ),
        span(
            3,
            Some(1),
            "execute_tool lookup_order",
            tool("lookup_order", format!("call_{n}_a")),
        ),
        span(
            4,
            Some(1),
            "execute_tool issue_refund",
            tool("issue_refund", format!("call_{n}_b")),
        ),
        span(
            5,
            Some(4),
            "POST /v1/refunds",
            json!([
                {"key": "http.request.method", "value": s("POST")},
                {"key": "http.response.status_code", "value": {"intValue": "201"}},
            ]),
        ),
    ]
}

/// A protobuf request of `spans` spans, runs from `first`.
fn request(first: u64, spans: usize) -> Vec<u8> {
    let base = 1_796_000_000_000_000_000u64;
    let spans: Vec<Value> = (first..)
        .flat_map(|n| run(n, base + n * 10_000_000))
        .take(spans)
        .collect();
    let text = json!({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "refund-agent"}}]},
        "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans}],
    }]});
    let request: otel::Request = serde_json::from_value(text).expect("OTLP/JSON");
    request.encode_to_vec()
}

async fn one(total: usize, batch: usize, clients: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = ServeConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir.path().into());
    config.collector.max_otlp_spans = batch.max(20_000);
    let app = Application::build(config).await.expect("the server builds");
    let (db, key, collector) = (app.db(), app.key(), app.collector());
    let address = format!("http://{}/v1/traces", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    let root = evidence::producer::Signer::from_seed([9; 32]);
    store::trust_roots::add(
        &db,
        &key,
        store::review_log::Actor::Cli,
        &root.public_key(),
        "bench",
    )
    .await
    .expect("root");
    let binding = root.binding(
        &collector.public_key(),
        &collector.id,
        "2020-01-01T00:00:00Z",
        "2100-01-01T00:00:00Z",
    );
    collector
        .certify(&db, &key, store::review_log::Actor::Cli, &binding)
        .await
        .expect("certified");
    let secret = store::tokens::create(&db, &key, store::review_log::Actor::Cli, "bench", None, 1)
        .await
        .expect("token")
        .secret;
    // The requests are made before the clock starts.
    let bodies: Vec<Vec<u8>> = (0..total.div_ceil(batch))
        .map(|i| request((i * batch) as u64, batch.min(total - i * batch)))
        .collect();
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    let before = memory::peak_rss_bytes();
    let client = reqwest::Client::new();
    let start = Instant::now();
    let per_client = bodies.len().div_ceil(clients);
    let mut tasks = Vec::new();
    for chunk in bodies.chunks(per_client) {
        let (client, address, secret, chunk) = (
            client.clone(),
            address.clone(),
            secret.clone(),
            chunk.to_vec(),
        );
        tasks.push(tokio::spawn(async move {
            for body in chunk {
                let r = client
                    .post(&address)
                    .bearer_auth(&secret)
                    .header("content-type", "application/x-protobuf")
                    .body(body)
                    .send()
                    .await
                    .expect("answered");
                assert_eq!(r.status(), 200, "{:?}", r.text().await);
            }
        }));
    }
    for t in tasks {
        t.await.expect("a client");
    }
    let secs = start.elapsed().as_secs_f64();
    let peak = memory::peak_rss_bytes();
    let (events,): (i64,) = sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM events")
        .fetch_one(db.pool())
        .await
        .expect("count");
    let (verified,): (i64,) =
        sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM bundles WHERE status = 'verified'")
            .fetch_one(db.pool())
            .await
            .expect("count");
    println!(
        "{total:>7} spans in {:>4} requests of {batch:>5} ({:>5.1} MiB protobuf), {clients} client(s): {secs:>6.2} s, {:>7.0} spans/s ({:>7.0} events/s), {verified} bundles verified, peak RSS {:>6.1} MiB ({:.1} MiB before)",
        bodies.len(),
        bytes as f64 / (1 << 20) as f64,
        total as f64 / secs,
        events as f64 / secs,
        peak as f64 / (1 << 20) as f64,
        before as f64 / (1 << 20) as f64,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, total, batch, clients] = args.as_slice() {
        if flag == "--one" {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            let n = |s: &str| s.parse::<usize>().expect("a number");
            runtime.block_on(one(n(total), n(batch), n(clients)));
            return;
        }
    }
    let total = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000usize);
    let batch = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(512usize);
    let exe = std::env::current_exe().expect("this program");
    for (batch, clients) in [(batch, 1), (batch, 4), (5_000, 1), (total, 1)] {
        let status = std::process::Command::new(&exe)
            .args([
                "--one",
                &total.to_string(),
                &batch.to_string(),
                &clients.to_string(),
            ])
            .status()
            .expect("a run");
        assert!(status.success(), "a run failed");
    }
}
