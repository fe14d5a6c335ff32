//! The `revoked-credential-use` story: a refund made with an agent token after it was
//! revoked (incident 9).

use serde_json::json;

use super::{
    agent, change, human, json_text, said, system, tool, tool_actor, tool_ref, CRM, DETECTIONS,
    REFUNDS, SSO, STS, STS_ISSUER, SUPPORT_AGENT,
};
use crate::demo::Story;

pub(super) fn revoked_credential_use(s: &mut Story) {
    let hannah = human(
        "hannah.kim@fernhill.example",
        "Hannah Kim",
        "sso-8f0e2d4c6b1a4957",
    );
    let omar = human(
        "omar.haddad@fernhill.example",
        "Omar Haddad",
        "sso-1c3e5a7b9d0f4286",
    );
    let support = agent(
        SUPPORT_AGENT,
        "support-agent",
        "support-agent-5a6b7c8d9-t4gkp",
        "gpt-4.1",
        "2025-04-14",
    );
    let sts = system(STS, "Security token service");
    let token = "at-support-9d3e71";
    let orders_args = json!({ "customer": "cus_Q81x", "order": "55-1902" });
    let refund_args = json!({
        "customer": "cus_Q81x", "order": "55-1902",
        "amount": { "value": "149.00", "currency": "EUR" }, "reason": "duplicate_charge",
    });

    let login = s.ev(
        SSO,
        "16:20:11",
        "session.start",
        json!({ "actor": hannah, "ext": { "idpSubject": "00u2wr7k4cL9pGt6e5d7", "amr": ["pwd", "otp"] } }),
    );
    let ask = s.ev(
        SUPPORT_AGENT,
        "16:21:40",
        "request",
        json!({
            "actor": hannah, "parent": login,
            "input": said("Customer cus_Q81x says they were charged twice for order 55-1902. Check, and refund the duplicate if so."),
        }),
    );
    let issued = s.ev(
        STS,
        "16:21:42",
        "credential.issue",
        json!({
            "actor": sts, "initiator": hannah, "onBehalfOf": [support, hannah], "parent": ask,
            "credential": {
                "tokenId": token, "issuer": STS_ISSUER, "subject": SUPPORT_AGENT,
                "scope": ["crm:orders:read", "refunds:create:max-200-eur"],
                "issuedAt": s.at("16:21:42"), "expiresAt": s.at("17:21:42"),
            },
        }),
    );
    let lookup = s.ev(
        SUPPORT_AGENT,
        "16:22:05",
        "tool.call",
        json!({
            "actor": support, "initiator": hannah, "onBehalfOf": [hannah], "parent": issued,
            "credential": { "tokenId": token }, "tool": tool("crm.get_orders", orders_args.clone()),
        }),
    );
    s.ev(
        CRM,
        "16:22:05",
        "credential.use",
        json!({
            "actor": support, "parent": lookup,
            "credential": { "tokenId": token, "issuer": STS_ISSUER, "subject": SUPPORT_AGENT, "scope": ["crm:orders:read", "refunds:create:max-200-eur"] },
        }),
    );
    let found = s.ev(
        SUPPORT_AGENT,
        "16:22:07",
        "tool.result",
        json!({
            "actor": tool_actor("mcp://crm-tools/crm.get_orders", "crm.get_orders"), "initiator": hannah,
            "onBehalfOf": [support, hannah], "parent": lookup, "tool": tool_ref("crm.get_orders", &orders_args),
            "output": json_text(&json!({ "order": "55-1902", "charges": [
                { "id": "ch_3Pz1", "amount": "149.00", "currency": "EUR", "at": "2026-11-18T19:02:44Z" },
                { "id": "ch_3Pz2", "amount": "149.00", "currency": "EUR", "at": "2026-11-18T19:02:46Z" } ] })),
        }),
    );
    let alert = s.ev(
        DETECTIONS,
        "16:39:58",
        "system",
        json!({
            "actor": system(DETECTIONS, "Detections (SIEM)"),
            "credential": { "tokenId": token },
            "ext": { "rule": "agent-token-unexpected-origin", "severity": "high", "detail": "token presented from AS64512 (not Fernhill egress)" },
        }),
    );
    s.ev(
        STS,
        "16:40:00",
        "credential.revoke",
        json!({
            "actor": omar, "parent": alert,
            "credential": { "tokenId": token, "issuer": STS_ISSUER, "subject": SUPPORT_AGENT },
            "input": said("Token seen from an unknown network. Revoking pending investigation SEC-5521."),
        }),
    );
    let refund = s.ev(
        SUPPORT_AGENT,
        "16:41:10",
        "tool.call",
        json!({
            "actor": support, "initiator": hannah, "onBehalfOf": [hannah], "parent": found,
            "credential": { "tokenId": token }, "tool": tool("refunds.create", refund_args.clone()),
        }),
    );
    s.ev(
        REFUNDS,
        "16:41:12",
        "credential.use",
        json!({
            "actor": support, "parent": refund,
            "credential": { "tokenId": token, "issuer": STS_ISSUER, "subject": SUPPORT_AGENT, "scope": ["crm:orders:read", "refunds:create:max-200-eur"] },
            "ext": { "introspection": "cached, fetched 16:21:45Z, ttl 30 min" },
        }),
    );
    let refunded = s.ev(
        REFUNDS,
        "16:41:12",
        "side_effect",
        json!({
            "actor": support, "initiator": hannah, "onBehalfOf": [hannah], "parent": refund,
            "credential": { "tokenId": token },
            "change": change("refunds://re_3Qk81Lx", "create",
                "refund EUR 149.00 to cus_Q81x for charge ch_3Pz2 (order 55-1902)", None,
                Some("re_3Qk81Lx EUR 149.00 succeeded")),
        }),
    );
    s.mark("side-effect");
    let result = s.ev(
        SUPPORT_AGENT,
        "16:41:13",
        "tool.result",
        json!({
            "actor": tool_actor("mcp://payments-tools/refunds.create", "refunds.create"), "initiator": hannah,
            "onBehalfOf": [support, hannah], "parent": refunded, "tool": tool_ref("refunds.create", &refund_args),
            "output": json_text(&json!({ "refund": "re_3Qk81Lx", "status": "succeeded" })),
        }),
    );
    s.ev(
        SUPPORT_AGENT,
        "16:41:15",
        "model.output",
        json!({
            "actor": support, "initiator": hannah, "onBehalfOf": [hannah], "parent": result,
            "output": said("Order 55-1902 was charged twice two seconds apart. I refunded the duplicate charge (EUR 149.00, refund re_3Qk81Lx)."),
        }),
    );
}
