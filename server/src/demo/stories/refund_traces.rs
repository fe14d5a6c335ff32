//! The `refund-traces` story: Fernhill's refund agent signs its own tool calls, and
//! the agent framework it runs in also exports OpenTelemetry traces of the same run
//! to Custody's collector. The two records agree on two calls, matched by their call
//! ids; the traces show a third call, an export of customer records, that the
//! agent's signed record leaves out.

use serde_json::{json, Value};

use super::{agent, human, said, tool, tool_actor, tool_ref, REFUNDS};
use crate::demo::{Def, Story};

/// The refund agent's identity, as it signs and as its traces name it.
pub(crate) const REFUND_AGENT: &str = "spiffe://fernhill.example/agents/refund-agent";

pub(in crate::demo) const DEF: Def = Def {
    slug: "refund-traces",
    title: "A refund agent's signed calls, reconciled with its OpenTelemetry traces",
    summary: "A support lead asked the refund agent to refund a double charge. The agent \
        signed its own tool calls; its agent framework also exported OpenTelemetry traces of \
        the run to Custody's collector. Two calls are in both records, matched by their call \
        ids. The traces show a third, an export of customer records, that the agent's signed \
        record leaves out: it is unreconciled, and only the collector vouches for it.",
    bundle_id: "bndl-20261124-refunds-3108",
    date: "2026-11-24",
    issued_at: "10:05:00",
    task_id: Some("task-refund-3108"),
    trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736"),
    correlation_id: Some("conv_refund_3108"),
    events: refund_traces,
};

fn refund_traces(s: &mut Story) {
    let mara = human(
        "mara.lindqvist@fernhill.example",
        "Mara Lindqvist",
        "sso-2b7d9f1a3c5e4860",
    );
    let bot = agent(
        REFUND_AGENT,
        "refund-agent",
        "refund-agent-5d8f7c6b9-q2xkp",
        "gpt-4o",
        "2024-11-20",
    );
    let refunds = tool_actor(REFUNDS, "refunds-api");
    let lookup = json!({ "order": "ord_88213" });
    let refund = json!({ "order": "ord_88213", "amount": "42.00", "currency": "EUR" });
    let asked = s.ev(
        REFUND_AGENT,
        "10:00:00",
        "request",
        json!({
            "actor": mara,
            "input": said("Order ord_88213 was charged twice. Refund the duplicate charge."),
        }),
    );
    let call = |s: &mut Story, at: &str, name: &str, id: &str, args: &Value, parent: &str| {
        let mut t = tool(name, args.clone());
        t["callId"] = id.into();
        s.ev(
            REFUND_AGENT,
            at,
            "tool.call",
            json!({ "actor": bot, "initiator": mara, "onBehalfOf": [mara], "parent": parent, "tool": t }),
        )
    };
    let looked = call(
        s,
        "10:00:04",
        "lookup_order",
        "call_3bX1qLk",
        &lookup,
        &asked,
    );
    let found = s.ev(
        REFUND_AGENT,
        "10:00:05",
        "tool.result",
        json!({
            "actor": refunds, "onBehalfOf": [bot, mara], "parent": looked,
            "tool": tool_ref("lookup_order", &lookup),
            "output": said("2 captures of 42.00 EUR on ord_88213: cap_1 (10:41), cap_2 (10:41)"),
        }),
    );
    let refunded = call(
        s,
        "10:00:09",
        "issue_refund",
        "call_7Qp2mWz",
        &refund,
        &found,
    );
    s.ev(
        REFUND_AGENT,
        "10:00:11",
        "tool.result",
        json!({
            "actor": refunds, "onBehalfOf": [bot, mara], "parent": refunded,
            "tool": tool_ref("issue_refund", &refund),
            "output": said("refund re_51Hq2 created for 42.00 EUR"),
        }),
    );
    s.ev(
        REFUND_AGENT,
        "10:00:30",
        "model.output",
        json!({
            "actor": bot, "initiator": mara, "onBehalfOf": [mara], "parent": refunded,
            "output": said("Refunded the duplicate charge: re_51Hq2, 42.00 EUR."),
        }),
    );
}

/// The OTLP/JSON request the agent framework exported for the same run: the agent
/// invoked, a model call, the two calls the signed bundle has (same call ids), and
/// an `export_customers` call it does not have.
pub(crate) fn otlp() -> Value {
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let s = |v: &str| json!({ "stringValue": v });
    let ns = |hms: &str| {
        evidence::time::parse(&format!("2026-11-24T{hms}Z"))
            .and_then(|t| t.timestamp_nanos_opt())
            .unwrap_or_default()
            .to_string()
    };
    let span = |id: &str, parent: Option<&str>, name: &str, from: &str, to: &str, attrs: Value| {
        let mut v = json!({
            "traceId": trace, "spanId": id, "name": name, "kind": 1,
            "startTimeUnixNano": ns(from), "endTimeUnixNano": ns(to), "attributes": attrs,
        });
        if let Some(p) = parent {
            v["parentSpanId"] = p.into();
        }
        v
    };
    let tool = |name: &str, id: &str, args: &str| {
        json!([
            {"key": "gen_ai.operation.name", "value": s("execute_tool")},
            {"key": "gen_ai.agent.id", "value": s(REFUND_AGENT)},
            {"key": "gen_ai.agent.name", "value": s("refund-agent")},
            {"key": "gen_ai.tool.name", "value": s(name)},
            {"key": "gen_ai.tool.call.id", "value": s(id)},
            {"key": "gen_ai.tool.call.arguments", "value": s(args)},
        ])
    };
    json!({"resourceSpans": [{
        "resource": {"attributes": [
            {"key": "service.name", "value": s("refund-agent")},
            {"key": "service.instance.id", "value": s("refund-agent-5d8f7c6b9-q2xkp")},
        ]},
        "scopeSpans": [{"scope": {"name": "openai.agents", "version": "0.6.1"}, "spans": [
            span("b7ad6b7169203331", None, "invoke_agent refund-agent", "10:00:00", "10:00:31", json!([
                {"key": "gen_ai.operation.name", "value": s("invoke_agent")},
                {"key": "gen_ai.provider.name", "value": s("openai")},
                {"key": "gen_ai.agent.id", "value": s(REFUND_AGENT)},
                {"key": "gen_ai.agent.name", "value": s("refund-agent")},
                {"key": "gen_ai.conversation.id", "value": s("conv_refund_3108")},
                {"key": "enduser.id", "value": s("mara.lindqvist@fernhill.example")},
            ])),
            span("c1e3a5f7b9d2e4f6", Some("b7ad6b7169203331"), "chat gpt-4o", "10:00:01", "10:00:03", json!([
                {"key": "gen_ai.operation.name", "value": s("chat")},
                {"key": "gen_ai.agent.id", "value": s(REFUND_AGENT)},
                {"key": "gen_ai.request.model", "value": s("gpt-4o")},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "412"}},
                {"key": "gen_ai.output.messages", "value": s("[{\"role\":\"assistant\",\"parts\":[{\"type\":\"tool_call\",\"id\":\"call_3bX1qLk\",\"name\":\"lookup_order\"}]}]")},
            ])),
            span("d2f4b6a8c0e1f3a5", Some("b7ad6b7169203331"), "execute_tool lookup_order", "10:00:04", "10:00:05",
                tool("lookup_order", "call_3bX1qLk", "{\"order\":\"ord_88213\"}")),
            span("e3a5c7b9d1f2a4b6", Some("b7ad6b7169203331"), "execute_tool export_customers", "10:00:07", "10:00:08",
                tool("export_customers", "call_9Zk4rTy", "{\"segment\":\"all\",\"format\":\"csv\"}")),
            span("f4b6d8c0e2a3b5c7", Some("b7ad6b7169203331"), "execute_tool issue_refund", "10:00:09", "10:00:11",
                tool("issue_refund", "call_7Qp2mWz", "{\"order\":\"ord_88213\",\"amount\":\"42.00\",\"currency\":\"EUR\"}")),
            span("a5c7e9d1f3b4c6d8", Some("f4b6d8c0e2a3b5c7"), "POST /v1/refunds", "10:00:09", "10:00:10", json!([
                {"key": "http.request.method", "value": s("POST")},
                {"key": "url.full", "value": s("https://refunds-api.fernhill.example/v1/refunds")},
                {"key": "http.response.status_code", "value": {"intValue": "201"}},
            ])),
        ]}],
    }]})
}
