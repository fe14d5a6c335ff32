use evidence::event::{Event, Kind, Provenance, Via};
use serde_json::json;

use super::*;

/// An OTLP/JSON request: an agent invoked, a tool it called (current names), a model
/// call, an MCP call with the older request-id name that failed, and an HTTP span.
pub(crate) fn sample() -> Request {
    let text = json!({"resourceSpans": [{
        "resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "billing-agent"}},
            {"key": "service.instance.id", "value": {"stringValue": "pod-7"}},
        ]},
        "scopeSpans": [{"scope": {"name": "openai-agents"}, "spans": [
            {"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "EEE19B7EC3C1B174",
             "name": "invoke_agent Billing", "kind": 1,
             "startTimeUnixNano": "1765000000000000000", "endTimeUnixNano": "1765000005000000000",
             "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}},
                {"key": "gen_ai.agent.id", "value": {"stringValue": "asst_billing"}},
                {"key": "gen_ai.agent.name", "value": {"stringValue": "Billing"}},
                {"key": "gen_ai.conversation.id", "value": {"stringValue": "conv_1"}},
                {"key": "enduser.id", "value": {"stringValue": "dana@example.org"}},
             ]},
            {"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "AAA19B7EC3C1B175",
             "parentSpanId": "EEE19B7EC3C1B174", "name": "execute_tool refund", "kind": 1,
             "startTimeUnixNano": 1765000001000000000u64, "endTimeUnixNano": "1765000001500000000",
             "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}},
                {"key": "gen_ai.tool.name", "value": {"stringValue": "refund"}},
                {"key": "gen_ai.tool.call.id", "value": {"stringValue": "call_42"}},
                {"key": "gen_ai.tool.call.arguments", "value": {"stringValue": "{\"order\":\"A-1\",\"amount\":30}"}},
                {"key": "gen_ai.tool.call.result", "value": {"stringValue": "refunded"}},
             ]},
            {"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "BBB19B7EC3C1B176",
             "parentSpanId": "EEE19B7EC3C1B174", "name": "chat gpt-4o", "kind": 3,
             "startTimeUnixNano": "1765000000500000000", "endTimeUnixNano": "1765000000900000000",
             "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                {"key": "gen_ai.system", "value": {"stringValue": "openai"}},
                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                {"key": "gen_ai.usage.prompt_tokens", "value": {"intValue": "12"}},
                {"key": "gen_ai.completion", "value": {"stringValue": "I will refund order A-1."}},
             ]},
            {"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "CCC19B7EC3C1B177",
             "parentSpanId": "EEE19B7EC3C1B174", "name": "tools/call delete_user", "kind": 3,
             "startTimeUnixNano": "1765000002000000000", "endTimeUnixNano": "1765000002100000000",
             "status": {"code": 2, "message": "permission denied"},
             "attributes": [
                {"key": "mcp.method.name", "value": {"stringValue": "tools/call"}},
                {"key": "rpc.jsonrpc.request_id", "value": {"stringValue": "7"}},
                {"key": "mcp.session.id", "value": {"stringValue": "sess-9"}},
                {"key": "error.type", "value": {"stringValue": "tool_error"}},
             ]},
            {"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "DDD19B7EC3C1B178",
             "name": "GET /healthz", "kind": 2,
             "startTimeUnixNano": "1764999999000000000", "endTimeUnixNano": "1764999999100000000",
             "attributes": [{"key": "http.request.method", "value": {"stringValue": "GET"}}]},
        ]}],
    }]});
    serde_json::from_value(text).expect("OTLP/JSON")
}

/// Each mapped event as a payload a verifier reads.
fn read(mapped: &[Mapped]) -> Vec<Event> {
    mapped
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut body = m.body.clone();
            body.insert("emitter".into(), "custody-collector".into());
            body.insert("seq".into(), i.into());
            body.insert("prev".into(), Value::Null);
            body.insert("time".into(), m.time.clone().into());
            Event::from_value(Value::Object(body)).expect("a valid event")
        })
        .collect()
}

#[test]
fn genai_spans_become_the_events_they_record() {
    let receipt = Receipt {
        via: Via::Received,
        received_at: "2026-12-06T10:00:00Z",
        file: None,
    };
    let events = read(&events(&sample(), &receipt));
    let kinds: Vec<(Kind, &str)> = events.iter().map(|e| (e.kind, e.id.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (Kind::System, "otel:ddd19b7ec3c1b178"),
            (Kind::Request, "otel:eee19b7ec3c1b174"),
            (Kind::ModelOutput, "otel:bbb19b7ec3c1b176"),
            (Kind::ToolCall, "otel:aaa19b7ec3c1b175"),
            (Kind::ToolResult, "otel:aaa19b7ec3c1b175:result"),
            (Kind::ToolCall, "otel:ccc19b7ec3c1b177"),
            (Kind::ToolResult, "otel:ccc19b7ec3c1b177:result"),
        ],
        "in time order"
    );
    for e in &events {
        assert_eq!(e.provenance(), Provenance::Attested);
        let source = e.source.as_ref().expect("a source");
        assert_eq!(source.reporter.as_deref(), Some("billing-agent"));
        assert_eq!(
            e.trace_id.as_deref(),
            Some("5b8efff798038103d269b633813fc60c")
        );
    }
    // The context span: the service, kept with its attributes.
    let context = &events[0];
    assert_eq!(context.actor.id, "billing-agent");
    let otel = &context.ext.as_ref().expect("ext")["otel"];
    assert_eq!(otel["context"], true);
    assert_eq!(otel["attributes"]["http.request.method"], "GET");
    // The agent invoked, for its user, in its conversation.
    let invoked = &events[1];
    assert_eq!(invoked.actor.id, "asst_billing");
    assert_eq!(invoked.actor.name.as_deref(), Some("Billing"));
    assert_eq!(invoked.actor.instance.as_deref(), Some("pod-7"));
    assert_eq!(invoked.correlation_id.as_deref(), Some("conv_1"));
    assert_eq!(
        invoked.initiator.as_ref().map(|a| a.id.as_str()),
        Some("dana@example.org")
    );
    // A model call (older names): the span names no agent, so the service acted,
    // with its model; its output is recorded.
    let chat = &events[2];
    assert_eq!(chat.actor.id, "billing-agent");
    assert_eq!(chat.actor.model.as_deref(), Some("gpt-4o"));
    assert_eq!(
        chat.output.as_ref().and_then(|o| o.text.as_deref()),
        Some("I will refund order A-1.")
    );
    // The tool call: name, call id, arguments and their hash, by the agent.
    let call = &events[3];
    let tool = call.tool.as_ref().expect("tool");
    assert_eq!(tool.name, "refund");
    assert_eq!(tool.call_id.as_deref(), Some("call_42"));
    assert_eq!(
        tool.arguments_hash.as_deref(),
        Some(evidence::event::hash_of(br#"{"order":"A-1","amount":30}"#).as_str())
    );
    assert_eq!(tool.arguments, Some(json!({"order": "A-1", "amount": 30})));
    assert_eq!(call.parent.as_deref(), Some("otel:eee19b7ec3c1b174"));
    assert_eq!(call.time, "2025-12-06T05:46:41Z");
    // Its result: by the tool, on the agent's behalf, at the span's end.
    let result = &events[4];
    assert_eq!(result.actor.id, "tool:refund");
    assert_eq!(result.on_behalf_of[0].id, "billing-agent");
    assert_eq!(result.time, "2025-12-06T05:46:41.500Z");
    assert_eq!(
        result.output.as_ref().and_then(|o| o.text.as_deref()),
        Some("refunded")
    );
    // The MCP call: the older request id is the call id; the arguments were not
    // recorded, so no hash is claimed; its error is kept.
    let mcp = &events[5];
    let tool = mcp.tool.as_ref().expect("tool");
    assert_eq!(tool.name, "delete_user");
    assert_eq!(tool.call_id.as_deref(), Some("7"));
    assert_eq!(tool.arguments_hash, None);
    assert_eq!(mcp.correlation_id.as_deref(), Some("sess-9"));
    let status = &mcp.ext.as_ref().expect("ext")["otel"]["status"];
    assert_eq!(status["code"], "error");
    assert_eq!(status["message"], "permission denied");
    assert_eq!(status["errorType"], "tool_error");
}

#[test]
fn an_imported_file_says_so() {
    let receipt = Receipt {
        via: Via::Imported,
        received_at: "2026-12-06T10:00:00Z",
        file: Some("traces.jsonl"),
    };
    let events = read(&events(&sample(), &receipt));
    assert!(events
        .iter()
        .all(|e| e.provenance() == Provenance::Imported));
    assert_eq!(
        events[0].source.as_ref().and_then(|s| s.file.as_deref()),
        Some("traces.jsonl")
    );
}
