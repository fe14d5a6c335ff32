//! OpenTelemetry traces in: OTLP/HTTP in protobuf and JSON, gzip or not, sealed by
//! the collector and stored; a collector's file imported; bad input refused with a
//! clear 4xx, storing nothing; and the OpenTelemetry Python SDK's own exporter.

use std::io::Write as _;

use model::Role;
use prost::Message as _;
use serde_json::{json, Value};

use crate::helpers::{spawn, Backend, TestApp};

/// An OTLP/JSON request: an agent invoked, a model call, a tool call, a failed MCP
/// call and a plain HTTP span, from `service`; span ids start with `prefix` (one hex
/// digit) so that two requests do not share them.
pub fn request_json(service: &str, prefix: char) -> Value {
    let id = |n: u32| format!("{prefix}{n:015x}");
    let trace = "5b8efff798038103d269b633813fc60c";
    let s = |v: &str| json!({"stringValue": v});
    json!({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.name", "value": s(service)}]},
        "scopeSpans": [{"scope": {"name": "agents"}, "spans": [
            {"traceId": trace, "spanId": id(1), "name": "invoke_agent Refunds", "kind": 1,
             "startTimeUnixNano": "1796000000000000000", "endTimeUnixNano": "1796000009000000000",
             "attributes": [
                {"key": "gen_ai.operation.name", "value": s("invoke_agent")},
                {"key": "gen_ai.agent.id", "value": s("asst_refunds")},
                {"key": "gen_ai.agent.name", "value": s("Refunds")},
             ]},
            {"traceId": trace, "spanId": id(2), "parentSpanId": id(1), "name": "chat gpt-4o",
             "kind": 3, "startTimeUnixNano": "1796000001000000000",
             "endTimeUnixNano": "1796000002000000000",
             "attributes": [
                {"key": "gen_ai.operation.name", "value": s("chat")},
                {"key": "gen_ai.request.model", "value": s("gpt-4o")},
                {"key": "gen_ai.output.messages", "value": s("[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"Refund it.\"}]}]")},
             ]},
            {"traceId": trace, "spanId": id(3), "parentSpanId": id(1), "name": "execute_tool refund",
             "kind": 1, "startTimeUnixNano": "1796000003000000000",
             "endTimeUnixNano": "1796000004000000000",
             "attributes": [
                {"key": "gen_ai.operation.name", "value": s("execute_tool")},
                {"key": "gen_ai.tool.name", "value": s("refund")},
                {"key": "gen_ai.tool.call.id", "value": s("call_1")},
                {"key": "gen_ai.tool.call.arguments", "value": s("{\"order\":\"A-1\"}")},
             ]},
            {"traceId": trace, "spanId": id(4), "parentSpanId": id(1), "name": "tools/call delete_customer",
             "kind": 3, "startTimeUnixNano": "1796000005000000000",
             "endTimeUnixNano": "1796000005500000000",
             "status": {"code": 2, "message": "denied"},
             "attributes": [
                {"key": "mcp.method.name", "value": s("tools/call")},
                {"key": "gen_ai.tool.name", "value": s("delete_customer")},
                {"key": "jsonrpc.request.id", "value": s("9")},
             ]},
            {"traceId": trace, "spanId": id(5), "name": "GET /inventory", "kind": 3,
             "startTimeUnixNano": "1796000006000000000", "endTimeUnixNano": "1796000006100000000",
             "attributes": [{"key": "http.request.method", "value": s("GET")}]},
        ]}],
    }]})
}

/// [`request_json`] as protobuf.
pub fn request_proto(service: &str, prefix: char) -> Vec<u8> {
    let request: otel::Request =
        serde_json::from_value(request_json(service, prefix)).expect("OTLP/JSON");
    request.encode_to_vec()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).expect("compress");
    z.finish().expect("compress")
}

/// The test app with the demo root trusted and the collector certified by it.
pub async fn certified(backend: Backend) -> TestApp {
    let app = spawn(backend).await;
    app.trust_demo_root().await;
    server::demo::certify_collector(&app.db, &app.key, &app.collector)
        .await
        .expect("certify the collector");
    app
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    content_type: &str,
    encoding: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = client.post(url).header("content-type", content_type);
    if let Some(e) = encoding {
        request = request.header("content-encoding", e);
    }
    request.body(body).send().await.expect("answered")
}

/// Event `index` of bundle `sha`: its row and its payload as signed, read.
async fn event(app: &TestApp, sha: &str, index: u64) -> (Value, Value) {
    let detail = app
        .json(&format!("/api/bundles/{sha}/events/{index}"))
        .await;
    let payload = serde_json::from_str(detail["payload"].as_str().unwrap_or("null"))
        .expect("the payload is JSON");
    (detail["event"].clone(), payload)
}

async fn counts(app: &TestApp) -> (i64, i64) {
    (
        app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM bundles")
            .await,
        app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM events")
            .await,
    )
}

async fn otlp_in_protobuf_and_json_is_sealed_and_stored(backend: Backend) {
    let app = certified(backend).await;
    let secret = app.token("exporter", None).await;
    let exporter = app.bearer(&secret);
    let url = format!("{}/v1/traces", app.address);

    // Protobuf, as the SDKs' HTTP exporters send it.
    let r = post(
        &exporter,
        &url,
        "application/x-protobuf",
        None,
        request_proto("refund-agent", 'a'),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/x-protobuf")
    );
    let sha = r.headers()["x-custody-bundle"]
        .to_str()
        .expect("text")
        .to_owned();
    let incident = r.headers()["x-custody-incident"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        r.bytes().await.expect("body").is_empty(),
        "an empty ExportTraceServiceResponse"
    );
    let summary = app.json(&format!("/api/bundles/{sha}")).await;
    assert_eq!(summary["verdict"], "verified", "{summary}");
    // Five spans: two for the tool call and two for the MCP call (call and result),
    // one each for the agent, the model call and the HTTP span.
    assert_eq!(summary["event_count"], 7);
    let detail = app.json(&format!("/api/incidents/{incident}")).await;
    assert_eq!(
        detail["incident"]["title"], "Traces sent with token exporter",
        "{detail}"
    );

    // OTLP/JSON, gzip: into the same incident, the token's.
    let body = gzip(&serde_json::to_vec(&request_json("refund-agent", 'b')).expect("json"));
    let r = post(&exporter, &url, "application/json", Some("gzip"), body).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["x-custody-incident"].to_str().expect("text"),
        incident
    );
    let answer: Value = r.json().await.expect("json");
    assert_eq!(answer, json!({}));

    // The events say who vouches for them, and what the span recorded.
    let events = app
        .json(&format!("/api/events?bundle={sha}&per_page=50"))
        .await;
    let rows = events["items"].as_array().expect("rows");
    assert_eq!(rows.len(), 7);
    let call = rows
        .iter()
        .find(|r| {
            r["kind"] == "tool.call" && r["summary"].as_str().unwrap_or("").contains("refund")
        })
        .expect("the refund call");
    // The span names no agent: the service that reported it is the actor, and the
    // agent invocation it ran in is its parent.
    assert_eq!(call["actor_id"], "refund-agent", "{call}");
    assert_eq!(call["parent"], "otel:a000000000000001");
    let index = call["index"].as_u64().expect("index");
    let (_, payload) = event(&app, &sha, index).await;
    assert_eq!(payload["source"]["via"], "received", "{payload}");
    assert_eq!(payload["source"]["reporter"], "refund-agent");
    assert_eq!(payload["tool"]["callId"], "call_1");
    assert_eq!(payload["emitter"], "custody-collector");

    // Every use is in the review log under the token's name.
    let uses = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM review_log WHERE actor = 'token:exporter' AND action = 'upload'")
        .await;
    assert_eq!(uses, 2);
}
crate::on_both_databases!(
    otlp_is_sealed_and_stored,
    otlp_in_protobuf_and_json_is_sealed_and_stored
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_otlp_gets_a_clear_4xx_and_stores_nothing() {
    let app = certified(Backend::Sqlite).await;
    let secret = app.token("exporter", None).await;
    let exporter = app.bearer(&secret);
    let url = format!("{}/v1/traces", app.address);
    let before = counts(&app).await;
    let check = |r: reqwest::Response, status: u16, code: &'static str| async move {
        assert_eq!(r.status().as_u16(), status);
        let body: Value = r.json().await.expect("a JSON error");
        assert_eq!(body["error"]["code"], code, "{body}");
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let proto = request_proto("refund-agent", 'a');

    // The wrong content type.
    let r = post(&exporter, &url, "text/plain", None, proto.clone()).await;
    let said = check(r, 415, "otlp.content_type").await;
    assert!(said.contains("application/x-protobuf"), "{said}");
    // A truncated protobuf.
    let r = post(
        &exporter,
        &url,
        "application/x-protobuf",
        None,
        proto[..proto.len() - 9].to_vec(),
    )
    .await;
    check(r, 400, "otlp.malformed").await;
    // JSON that is not OTLP.
    let r = post(
        &exporter,
        &url,
        "application/json",
        None,
        b"{\"resourceSpans\": 7}".to_vec(),
    )
    .await;
    check(r, 400, "otlp.malformed").await;
    // A 10 MB attribute.
    let mut big = request_json("refund-agent", 'c');
    big["resourceSpans"][0]["scopeSpans"][0]["spans"][2]["attributes"][3]["value"] =
        json!({"stringValue": "x".repeat(10 << 20)});
    let r = post(
        &exporter,
        &url,
        "application/json",
        None,
        serde_json::to_vec(&big).expect("json"),
    )
    .await;
    let said = check(r, 413, "otlp.attribute_too_large").await;
    assert!(
        said.contains("gen_ai.tool.call.arguments") && said.contains("10485760"),
        "{said}"
    );
    // 100,000 spans in one request.
    let mut many: otel::Request =
        serde_json::from_value(request_json("refund-agent", 'd')).expect("OTLP/JSON");
    let span = many.resource_spans[0].scope_spans[0].spans[4].clone();
    many.resource_spans[0].scope_spans[0].spans = (0..100_000u64)
        .map(|i| {
            let mut s = span.clone();
            s.span_id = i.to_be_bytes().to_vec();
            s
        })
        .collect();
    let r = post(
        &exporter,
        &url,
        "application/x-protobuf",
        None,
        many.encode_to_vec(),
    )
    .await;
    let said = check(r, 413, "otlp.too_many_spans").await;
    assert!(said.contains("100000 spans"), "{said}");
    // No token, an expired one, a revoked one.
    let r = post(
        &app.anonymous,
        &url,
        "application/x-protobuf",
        None,
        proto.clone(),
    )
    .await;
    check(r, 401, "unauthorized").await;
    let old = app.token("old", None).await;
    sqlx::query("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE name = 'old'")
        .execute(app.db.pool())
        .await
        .expect("age the token");
    let r = post(
        &app.bearer(&old),
        &url,
        "application/x-protobuf",
        None,
        proto.clone(),
    )
    .await;
    check(r, 401, "token_expired").await;
    store::tokens::revoke(&app.db, &app.key, store::review_log::Actor::Cli, "exporter")
        .await
        .expect("revoke");
    let r = post(
        &exporter,
        &url,
        "application/x-protobuf",
        None,
        proto.clone(),
    )
    .await;
    check(r, 401, "token_revoked").await;
    assert_eq!(counts(&app).await, before, "nothing was stored");
}

/// One line as a collector's file exporter (`format: json`) writes it.
fn collector_line(prefix: char) -> String {
    let mut line = request_json("refund-agent", prefix);
    line["resourceSpans"][0]["schemaUrl"] = json!("https://opentelemetry.io/schemas/1.26.0");
    line["resourceSpans"][0]["scopeSpans"][0]["scope"]["version"] = json!("0.1.0");
    line.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collectors_file_is_imported_by_the_command_line_and_the_api() {
    let app = certified(Backend::Sqlite).await;
    let dir = tempfile::tempdir().expect("dir");
    let jsonl = dir.path().join("traces.jsonl");
    std::fs::write(
        &jsonl,
        format!("{}\n{}\n", collector_line('a'), collector_line('b')),
    )
    .expect("write");
    // The `format: proto` output: each message after its 4-byte big-endian length.
    let proto = request_proto("refund-agent", 'c');
    let mut framed = (proto.len() as u32).to_be_bytes().to_vec();
    framed.extend(&proto);
    let binpb = dir.path().join("traces.binpb");
    std::fs::write(&binpb, &framed).expect("write");

    // Through the server, with a token.
    let secret = app.token("importer", None).await;
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, &secret).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(["import", "otlp", "--server", &app.address, "--token-file"])
        .arg(&token_file)
        .arg(&jsonl)
        .arg(&binpb)
        .env_remove("CUSTODY_TOKEN")
        .output()
        .expect("custody runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("traces.jsonl: verified") && said.contains("(14 events)"),
        "{said}"
    );
    assert!(said.contains("traces.binpb: verified"), "{said}");
    let imported = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM bundles WHERE uploaded_by = 'token:importer'")
        .await;
    assert_eq!(imported, 2);
    let sha: (String,) = sqlx::query_as("SELECT sha256 FROM bundles WHERE name = 'traces.jsonl'")
        .fetch_one(app.db.pool())
        .await
        .expect("the bundle");
    let (_, payload) = event(&app, &sha.0, 0).await;
    assert_eq!(payload["source"]["via"], "imported", "{payload}");
    assert_eq!(payload["source"]["file"], "traces.jsonl");

    // A file cut short is refused, naming where, and stores nothing.
    let before = counts(&app).await;
    let cut = dir.path().join("cut.binpb");
    std::fs::write(&cut, &framed[..framed.len() - 5]).expect("write");
    let admin = app.user("i-admin", Role::Admin).await;
    let r = admin
        .post(format!("{}/api/traces/import?name=cut.binpb", app.address))
        .body(std::fs::read(&cut).expect("read"))
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("json");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("message 1"),
        "{body}"
    );
    assert_eq!(counts(&app).await, before);
}

/// The OpenTelemetry Python SDK, with its OTLP/HTTP exporter, sends agent and tool
/// spans with GenAI attributes to the running server. `./x test` installs the SDK
/// in a virtual environment and names its Python in `CUSTODY_OTEL_PYTHON`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_opentelemetry_python_sdk_exports_to_custody() {
    let python = std::env::var("CUSTODY_OTEL_PYTHON").expect(
        "CUSTODY_OTEL_PYTHON names no Python with the OpenTelemetry SDK: run `./x test`, \
         which installs one",
    );
    let app = certified(Backend::Sqlite).await;
    let secret = app.token("python-sdk", None).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/otel/emit.py");
    let endpoint = format!("{}/v1/traces", app.address);
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&python)
            .arg(script)
            .arg(endpoint)
            .env("CUSTODY_TOKEN", &secret)
            .output()
    })
    .await
    .expect("joined")
    .expect("python runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let bundles: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT sha256, status, event_count FROM bundles WHERE uploaded_by = 'token:python-sdk'",
    )
    .fetch_all(app.db.pool())
    .await
    .expect("bundles");
    assert!(!bundles.is_empty(), "the SDK's export was stored");
    assert!(bundles.iter().all(|b| b.1 == "verified"), "{bundles:?}");
    let mut rows = Vec::new();
    for (sha, _, _) in &bundles {
        let page = app
            .json(&format!("/api/events?bundle={sha}&per_page=100"))
            .await;
        rows.extend(page["items"].as_array().cloned().unwrap_or_default());
    }
    let kinds: Vec<&str> = rows.iter().filter_map(|r| r["kind"].as_str()).collect();
    for kind in [
        "request",
        "model.output",
        "tool.call",
        "tool.result",
        "system",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    let call = rows
        .iter()
        .find(|r| {
            r["kind"] == "tool.call" && r["summary"].as_str().unwrap_or("").contains("issue_refund")
        })
        .expect("the SDK's tool call");
    assert_eq!(call["actor_id"], "refund-agent", "{call}");
    let sha = call["bundle_sha256"].as_str().unwrap_or_default();
    let index = call["index"].as_u64().unwrap_or_default();
    let (_, payload) = event(&app, sha, index).await;
    assert_eq!(payload["tool"]["callId"], "call_py_1", "{payload}");
    assert_eq!(payload["source"]["reporter"], "refund-agent");
    assert_eq!(payload["source"]["via"], "received");
}
