//! Spans into event payloads. Each span that follows the GenAI or MCP conventions
//! becomes the events its operation records (a tool call and its result, an agent
//! invoked, a model's output); any other span is kept as a `system` event, for
//! context. Every event names its `source`; the span's attributes not read into a
//! member are kept under `ext.otel`. `docs/otel-import.md` gives the mapping.

use evidence::event::Via;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{json, Map, Value};

use crate::value::{object, Attrs};
use crate::Request;

/// How the spans reached the collector.
#[derive(Clone, Copy, Debug)]
pub struct Receipt<'a> {
    /// Received over OTLP/HTTP, or read from a file.
    pub via: Via,
    /// When (RFC 3339, UTC).
    pub received_at: &'a str,
    /// The file's name, when read from one.
    pub file: Option<&'a str>,
}

/// One event to sign: its time and the payload's members other than `emitter`,
/// `seq`, `prev` and `time`.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapped {
    /// When it happened (RFC 3339, UTC).
    pub time: String,
    /// The payload's other members.
    pub body: Map<String, Value>,
}

/// Attribute names, current first, then the older names the conventions used.
mod names {
    pub const OPERATION: &[&str] = &["gen_ai.operation.name"];
    pub const AGENT_ID: &[&str] = &["gen_ai.agent.id"];
    pub const AGENT_NAME: &[&str] = &["gen_ai.agent.name"];
    pub const CONVERSATION: &[&str] = &["gen_ai.conversation.id", "mcp.session.id"];
    pub const TOOL_NAME: &[&str] = &["gen_ai.tool.name"];
    pub const TOOL_CALL_ID: &[&str] = &[
        "gen_ai.tool.call.id",
        "jsonrpc.request.id",
        "rpc.jsonrpc.request_id",
        "mcp.request.id",
    ];
    pub const TOOL_ARGUMENTS: &[&str] = &["gen_ai.tool.call.arguments"];
    pub const TOOL_RESULT: &[&str] = &["gen_ai.tool.call.result"];
    pub const MODEL: &[&str] = &["gen_ai.request.model", "gen_ai.response.model"];
    pub const INPUT: &[&str] = &["gen_ai.input.messages", "gen_ai.prompt"];
    pub const OUTPUT: &[&str] = &["gen_ai.output.messages", "gen_ai.completion"];
    pub const RETRIEVED: &[&str] = &["gen_ai.retrieval.documents"];
    pub const MCP_METHOD: &[&str] = &["mcp.method.name", "mcp.request.method"];
    pub const ERROR_TYPE: &[&str] = &["error.type"];
    pub const USER: &[&str] = &["enduser.id", "user.id"];
    pub const SERVICE: &[&str] = &["service.name"];
    pub const INSTANCE: &[&str] = &["service.instance.id"];
    /// Read into members, so not repeated under `ext.otel.attributes`.
    pub const CONTENT: &[&str] = &[
        "gen_ai.tool.call.arguments",
        "gen_ai.tool.call.result",
        "gen_ai.input.messages",
        "gen_ai.prompt",
        "gen_ai.output.messages",
        "gen_ai.completion",
        "gen_ai.retrieval.documents",
    ];
}

/// What a span records, by its operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    /// `execute_tool`, or MCP `tools/call`.
    Tool,
    /// `invoke_agent`.
    InvokeAgent,
    /// `chat`, `text_completion`, `generate_content`.
    Model,
    /// `retrieval`, `embeddings`.
    Retrieval,
    /// Any other GenAI or MCP operation.
    Other,
    /// No GenAI or MCP attribute: context.
    Context,
}

fn operation(attrs: &Attrs<'_>) -> Operation {
    let op = attrs.text(names::OPERATION);
    let mcp = attrs.text(names::MCP_METHOD);
    match (op.as_deref(), mcp.as_deref()) {
        (Some("execute_tool"), _) | (_, Some("tools/call")) => Operation::Tool,
        (Some("invoke_agent"), _) => Operation::InvokeAgent,
        (Some("chat" | "text_completion" | "generate_content"), _) => Operation::Model,
        (Some("retrieval" | "embeddings"), _) => Operation::Retrieval,
        (Some(_), _) | (_, Some(_)) => Operation::Other,
        (None, None) if attrs.any_with("gen_ai.") || attrs.any_with("mcp.") => Operation::Other,
        (None, None) => Operation::Context,
    }
}

/// Unix nanoseconds as RFC 3339 in UTC; `None` for 0 (not recorded).
fn time(nanos: u64) -> Option<String> {
    if nanos == 0 {
        return None;
    }
    let secs = i64::try_from(nanos / 1_000_000_000).ok()?;
    let at = chrono::DateTime::from_timestamp(secs, (nanos % 1_000_000_000) as u32)?;
    Some(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

fn kind_name(kind: i32) -> &'static str {
    match SpanKind::try_from(kind) {
        Ok(SpanKind::Internal) => "internal",
        Ok(SpanKind::Server) => "server",
        Ok(SpanKind::Client) => "client",
        Ok(SpanKind::Producer) => "producer",
        Ok(SpanKind::Consumer) => "consumer",
        _ => "unspecified",
    }
}

/// `sha256:` and the hex SHA-256 of `text`'s bytes.
fn hash(text: &str) -> String {
    evidence::event::hash_of(text.as_bytes())
}

/// Content recorded as text: its hash and the text.
fn content(text: String) -> Value {
    json!({ "hash": hash(&text), "text": text })
}

/// The agent a span names, as an actor. Only the span's own attributes count: a
/// span's parent may arrive in another request, or never, and the same span must
/// read the same whatever the batching.
fn agent_of(attrs: &Attrs<'_>, instance: Option<&str>) -> Option<Value> {
    let id = attrs.text(names::AGENT_ID);
    let name = attrs.text(names::AGENT_NAME);
    let id = id.clone().or_else(|| name.clone())?;
    let mut actor = json!({ "type": "agent", "id": id });
    if let Some(name) = name {
        actor["name"] = name.into();
    }
    if let Some(instance) = instance {
        actor["instance"] = instance.into();
    }
    Some(actor)
}

/// The services (`service.name`) that reported `request`'s spans.
pub fn reporters(request: &Request) -> Vec<String> {
    request
        .resource_spans
        .iter()
        .filter_map(|r| r.resource.as_ref())
        .filter_map(|r| Attrs::of(&r.attributes).text(names::SERVICE))
        .collect()
}

/// The events `request`'s spans record, in time order (of two at the same time,
/// in the order of the request).
pub fn events(request: &Request, receipt: &Receipt<'_>) -> Vec<Mapped> {
    let mut out = Vec::new();
    for resource in &request.resource_spans {
        let resource_attrs = resource
            .resource
            .as_ref()
            .map(|r| r.attributes.as_slice())
            .unwrap_or_default();
        let res = Attrs::of(resource_attrs);
        let service = res.text(names::SERVICE);
        let instance = res.text(names::INSTANCE);
        for scope in &resource.scope_spans {
            let scope_name = scope.scope.as_ref().map(|s| s.name.as_str());
            for span in &scope.spans {
                let agent = agent_of(&Attrs::of(&span.attributes), instance.as_deref());
                out.extend(span_events(
                    span,
                    &SpanContext {
                        receipt,
                        service: service.as_deref(),
                        instance: instance.as_deref(),
                        scope: scope_name,
                        agent,
                    },
                ));
            }
        }
    }
    out.sort_by_key(|m| evidence::time::parse(&m.time));
    out
}

struct SpanContext<'a> {
    receipt: &'a Receipt<'a>,
    service: Option<&'a str>,
    instance: Option<&'a str>,
    scope: Option<&'a str>,
    agent: Option<Value>,
}

fn span_events(span: &Span, cx: &SpanContext<'_>) -> Vec<Mapped> {
    let attrs = Attrs::of(&span.attributes);
    let op = operation(&attrs);
    let span_id = hex::encode(&span.span_id);
    let id = format!("otel:{span_id}");
    let received = cx.receipt.received_at.to_owned();
    let (start, end) = (
        time(span.start_time_unix_nano),
        time(span.end_time_unix_nano),
    );
    // A span without a start is placed at its end, else at its receipt (said in ext).
    let (at, placed) = match (&start, &end) {
        (Some(s), _) => (s.clone(), None),
        (None, Some(e)) => (e.clone(), Some("end")),
        (None, None) => (received.clone(), Some("receipt")),
    };
    let service_actor = json!({
        "type": "service",
        "id": cx.service.unwrap_or("unknown_service"),
    });
    let mut service_actor = service_actor;
    if let Some(instance) = cx.instance {
        service_actor["instance"] = instance.into();
    }
    let mut actor = cx.agent.clone().unwrap_or(service_actor);
    if let Some(model) = attrs.text(names::MODEL) {
        actor["model"] = model.into();
    }
    let error = span
        .status
        .as_ref()
        .filter(|s| s.code == StatusCode::Error as i32)
        .map(|s| s.message.clone())
        .or_else(|| attrs.text(names::ERROR_TYPE).map(|_| String::new()));
    let mut otel = Map::new();
    otel.insert("spanId".into(), span_id.clone().into());
    otel.insert("spanName".into(), span.name.clone().into());
    otel.insert("spanKind".into(), kind_name(span.kind).into());
    if let Some(scope) = cx.scope {
        otel.insert("scope".into(), scope.into());
    }
    if let Some(end) = &end {
        otel.insert("endTime".into(), end.clone().into());
    }
    if let Some(placed) = placed {
        otel.insert("placedAt".into(), placed.into());
    }
    if let Some(message) = &error {
        let mut status = json!({ "code": "error" });
        if !message.is_empty() {
            status["message"] = message.clone().into();
        }
        if let Some(t) = attrs.text(names::ERROR_TYPE) {
            status["errorType"] = t.into();
        }
        otel.insert("status".into(), status);
    }
    if op == Operation::Context {
        otel.insert("context".into(), true.into());
    }
    let mut kept = object(&span.attributes);
    for name in names::CONTENT {
        kept.remove(*name);
    }
    if !kept.is_empty() {
        otel.insert("attributes".into(), Value::Object(kept));
    }

    let mut source = json!({
        "via": match cx.receipt.via { Via::Received => "received", Via::Imported => "imported" },
        "protocol": crate::PROTOCOL,
        "receivedAt": received,
    });
    if let Some(service) = cx.service {
        source["reporter"] = service.into();
    }
    if let Some(file) = cx.receipt.file {
        source["file"] = file.into();
    }
    let mut base = Map::new();
    base.insert("actor".into(), actor.clone());
    if !span.trace_id.is_empty() {
        base.insert("traceId".into(), hex::encode(&span.trace_id).into());
    }
    if !span.parent_span_id.is_empty() {
        base.insert(
            "parent".into(),
            format!("otel:{}", hex::encode(&span.parent_span_id)).into(),
        );
    }
    if let Some(c) = attrs.text(names::CONVERSATION) {
        base.insert("correlationId".into(), c.into());
    }
    if let Some(user) = attrs.text(names::USER) {
        base.insert("initiator".into(), json!({ "type": "human", "id": user }));
    }
    base.insert("source".into(), source);
    base.insert("ext".into(), json!({ "otel": otel }));
    let event = |id: String, kind: &str, extra: Map<String, Value>| {
        let mut body = base.clone();
        body.insert("id".into(), id.into());
        body.insert("kind".into(), kind.into());
        body.extend(extra);
        body
    };

    match op {
        Operation::Tool => {
            let name = attrs
                .text(names::TOOL_NAME)
                .or_else(|| {
                    let n = span.name.as_str();
                    n.strip_prefix("execute_tool ")
                        .or_else(|| n.strip_prefix("tools/call "))
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| span.name.clone());
            let call_id = attrs.text(names::TOOL_CALL_ID);
            let mut tool = json!({ "name": name });
            if let Some(id) = &call_id {
                tool["callId"] = id.clone().into();
            }
            let mut call_tool = tool.clone();
            if let Some(args) = attrs.recorded(names::TOOL_ARGUMENTS) {
                call_tool["argumentsHash"] = hash(&args).into();
                call_tool["arguments"] =
                    serde_json::from_str::<Value>(&args).unwrap_or(Value::String(args));
            }
            let mut call = Map::new();
            call.insert("tool".into(), call_tool);
            let mut events = vec![Mapped {
                time: at.clone(),
                body: event(id.clone(), "tool.call", call),
            }];
            if let Some(end) = end {
                let mut result = Map::new();
                result.insert("tool".into(), tool);
                result.insert(
                    "actor".into(),
                    json!({ "type": "tool", "id": format!("tool:{name}"), "name": name }),
                );
                result.insert("onBehalfOf".into(), json!([actor]));
                result.insert("parent".into(), id.clone().into());
                if let Some(out) = attrs.recorded(names::TOOL_RESULT) {
                    result.insert("output".into(), content(out));
                }
                events.push(Mapped {
                    time: end,
                    body: event(format!("{id}:result"), "tool.result", result),
                });
            }
            events
        }
        Operation::InvokeAgent => {
            let mut extra = Map::new();
            if let Some(input) = attrs.recorded(names::INPUT) {
                extra.insert("input".into(), content(input));
            }
            if let Some(output) = attrs.recorded(names::OUTPUT) {
                extra.insert("output".into(), content(output));
            }
            vec![Mapped {
                time: at,
                body: event(id, "request", extra),
            }]
        }
        Operation::Model | Operation::Retrieval => {
            let recorded = match op {
                Operation::Model => attrs.recorded(names::OUTPUT),
                _ => attrs.recorded(names::RETRIEVED),
            };
            let mut extra = Map::new();
            if let Some(input) = attrs.recorded(names::INPUT) {
                extra.insert("input".into(), content(input));
            }
            // The kind needs the output; a span that did not record it is a `system` event.
            let kind = match (&recorded, op) {
                (Some(_), Operation::Model) => "model.output",
                (Some(_), _) => "retrieval",
                (None, _) => "system",
            };
            if let Some(out) = recorded {
                extra.insert("output".into(), content(out));
            }
            vec![Mapped {
                time: end.unwrap_or(at),
                body: event(id, kind, extra),
            }]
        }
        Operation::Other | Operation::Context => vec![Mapped {
            time: at,
            body: event(id, "system", Map::new()),
        }],
    }
}

#[cfg(test)]
pub(crate) mod tests;
