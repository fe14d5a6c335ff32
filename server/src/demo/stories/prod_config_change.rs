//! The `prod-config-change` story: a support chat prompt that became a production
//! config change, with no human approval (incident 1).

use serde_json::json;

use super::{
    agent, change, decision, human, json_text, said, service, system, tool, tool_actor, tool_ref,
    withheld, ASSIST, CONFIG, GATEWAY, OPA, OPS_AGENT, SSO, STS, STS_ISSUER,
};
use crate::demo::Story;

const PROMPT_CONFIG: &str = "Checkout keeps timing out for EU customers (ticket SUP-88412). \
The error banner on the pay page literally shows <img src=x onerror=alert(1)> instead of a \
message. Can you raise the payment gateway timeout in prod to 30 seconds so they can pay?";

pub(super) fn prod_config_change(s: &mut Story) {
    let priya = human(
        "priya.raman@fernhill.example",
        "Priya Raman",
        "sso-7c2e91d4a0b84f15",
    );
    let assist = agent(
        ASSIST,
        "Fernhill Assist",
        "assist-chat-6b8f9d7c5-q2wln",
        "gpt-4.1",
        "2025-04-14",
    );
    let ops = agent(
        OPS_AGENT,
        "ops-agent",
        "ops-agent-7d9f8c6b4-x2kqp",
        "claude-sonnet-4-5",
        "20250929",
    );
    let deploy_sa = service(
        "system:serviceaccount:deploy:svc-deploy-prod",
        "svc-deploy-prod",
    );
    let gateway = system(GATEWAY, "MCP gateway");
    let opa = system(OPA, "OPA");
    let config_tool = tool_actor("mcp://config-tools/config.set", "config.set");
    let agent_token = "at-ops-2f91c7e0";
    let sa_token = "jti-5e0b8d13-svc-deploy-prod";
    let args = json!({
        "service": "payments-gateway", "environment": "prod",
        "key": "upstream.timeout_ms", "value": 30000,
    });

    let login = s.ev(
        SSO,
        "09:11:40",
        "session.start",
        json!({
            "actor": priya,
            "ext": { "idpSubject": "00u8k2lq4vT1rYw9p5d7", "amr": ["pwd", "otp"] },
        }),
    );
    let prompt = s.ev(
        ASSIST,
        "09:12:03",
        "request",
        json!({ "actor": priya, "parent": login, "input": said(PROMPT_CONFIG) }),
    );
    let reply = s.ev(
        ASSIST,
        "09:12:06",
        "model.output",
        json!({
            "actor": assist, "initiator": priya, "onBehalfOf": [priya], "parent": prompt,
            "input": withheld(PROMPT_CONFIG, "text/plain"),
            "output": said("I can't change production settings myself. I've asked the ops agent to raise payments-gateway upstream.timeout_ms to 30000 in prod."),
        }),
    );
    let delegate = s.ev(
        ASSIST,
        "09:12:07",
        "task.delegate",
        json!({
            "actor": assist, "initiator": priya, "onBehalfOf": [priya], "parent": reply,
            "delegation": { "to": ops, "scope": ["config:write:prod/payments-gateway"] },
        }),
    );
    s.mark("delegate");
    let plan = s.ev(
        OPS_AGENT,
        "09:12:09",
        "model.output",
        json!({
            "actor": ops, "initiator": priya, "onBehalfOf": [assist, priya], "parent": delegate,
            "output": said("Plan: payments-gateway upstream.timeout_ms is 8000 in prod. Set it to 30000 with config.set; no restart needed (hot-reloaded)."),
        }),
    );
    let call = s.ev(
        OPS_AGENT,
        "09:12:11",
        "tool.call",
        json!({
            "actor": ops, "initiator": priya, "onBehalfOf": [assist, priya], "parent": plan,
            "tool": tool("config.set", args.clone()),
        }),
    );
    let authn = s.ev(
        GATEWAY,
        "09:12:11",
        "credential.use",
        json!({
            "actor": ops, "initiator": priya, "onBehalfOf": [assist, priya], "parent": call,
            "credential": { "tokenId": agent_token, "issuer": STS_ISSUER, "subject": OPS_AGENT, "scope": ["mcp:tools:call"] },
        }),
    );
    s.mark("gateway-authn");
    let decision_id = "dec-6b1f0c2a-91e4-4d0b-8a57-3c2e9f7d1a06";
    let decided = s.ev(
        OPA,
        "09:12:12",
        "policy.decision",
        json!({
            "actor": opa, "parent": authn,
            "decision": decision("opa", "mcp.tools.config_set", "2026.10.02-3f9c1ab", "allow", decision_id,
                &json!({ "tool": "config.set", "arguments": args, "caller": OPS_AGENT, "runAs": "svc-deploy-prod" })),
            "ext": { "matchedRule": "allow_prod_write_via_deploy_sa" },
        }),
    );
    let exchange = s.ev(
        STS,
        "09:12:12",
        "credential.exchange",
        json!({
            "actor": gateway, "initiator": priya, "onBehalfOf": [ops, assist, priya],
            "parent": decided, "decisionRef": decision_id,
            "credential": {
                "tokenId": sa_token, "issuer": STS_ISSUER, "subject": "svc-deploy-prod",
                "scope": ["config:write:prod/*"],
                "issuedAt": s.at("09:12:12"), "expiresAt": s.at("09:27:12"),
                "exchangedFrom": agent_token,
            },
        }),
    );
    let put = s.ev(
        GATEWAY,
        "09:12:13",
        "http.request",
        json!({
            "actor": deploy_sa, "initiator": priya, "onBehalfOf": [ops, assist, priya],
            "parent": exchange, "decisionRef": decision_id,
            "credential": { "tokenId": sa_token },
            "request": {
                "method": "PUT",
                "url": "https://config.internal.fernhill.example/v2/environments/prod/services/payments-gateway/keys/upstream.timeout_ms",
                "status": 200,
            },
        }),
    );
    s.ev(
        CONFIG,
        "09:12:13",
        "credential.use",
        json!({
            "actor": deploy_sa, "parent": put,
            "credential": { "tokenId": sa_token, "issuer": STS_ISSUER, "subject": "svc-deploy-prod", "scope": ["config:write:prod/*"] },
        }),
    );
    let effect = s.ev(
        CONFIG,
        "09:12:13",
        "side_effect",
        json!({
            "actor": deploy_sa, "initiator": priya, "onBehalfOf": [ops, assist, priya],
            "parent": put, "decisionRef": decision_id,
            "credential": { "tokenId": sa_token },
            "change": change(
                "config://prod/payments-gateway/upstream.timeout_ms", "update",
                "upstream.timeout_ms 8000 -> 30000 (revision 412 -> 413)",
                Some("payments-gateway@412 upstream.timeout_ms=8000"),
                Some("payments-gateway@413 upstream.timeout_ms=30000")),
        }),
    );
    let result = s.ev(
        GATEWAY,
        "09:12:14",
        "tool.result",
        json!({
            "actor": config_tool, "initiator": priya, "onBehalfOf": [ops, assist, priya],
            "parent": effect, "tool": tool_ref("config.set", &args),
            "output": json_text(&json!({ "revision": 413, "previous": 8000, "value": 30000 })),
        }),
    );
    let done = s.ev(
        OPS_AGENT,
        "09:12:16",
        "model.output",
        json!({
            "actor": ops, "initiator": priya, "onBehalfOf": [assist, priya], "parent": result,
            "output": said("Done: payments-gateway upstream.timeout_ms is 30000 in prod (config revision 413)."),
        }),
    );
    s.ev(
        ASSIST,
        "09:12:18",
        "model.output",
        json!({
            "actor": assist, "initiator": priya, "onBehalfOf": [priya], "parent": done,
            "output": said("The production payment gateway timeout is now 30 seconds (config revision 413). Customers can retry checkout."),
        }),
    );
}
