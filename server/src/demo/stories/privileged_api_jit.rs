//! The `privileged-api-jit` story: a payout-limit change approved by a risk manager and
//! run with a just-in-time credential: the well-evidenced privileged action to compare
//! the others with (incident 2).

use serde_json::json;

use super::{
    agent, change, decision, human, json_text, said, system, tool, tool_actor, tool_ref, ACCESS,
    APPROVALS, AUTHZ, MERCHANT_OPS, PAYOUTS, SSO,
};
use crate::demo::Story;

pub(super) fn privileged_api_jit(s: &mut Story) {
    let tomas = human(
        "tomas.alvarez@fernhill.example",
        "Tomás Alvarez",
        "sso-1b7d40c9e35a4f28",
    );
    let dana = human(
        "dana.whitfield@fernhill.example",
        "Dana Whitfield",
        "sso-e8a3f61d02c94b7a",
    );
    let mops = agent(
        MERCHANT_OPS,
        "merchant-ops",
        "merchant-ops-5c8d7f9b6-m4tzr",
        "gpt-4.1",
        "2025-04-14",
    );
    let cedar = system(AUTHZ, "Authorization service (Cedar)");
    let broker = system(ACCESS, "Access broker");
    let admin_tool = tool_actor("mcp://payouts-admin/set_limit", "payouts_admin.set_limit");
    let approval_id = "apr-2026-10-21-0193";
    let decision_id = "dec-cedar-7f3e2a91-0c44";
    let jit = "jit-7f31c9a4-payouts-admin";
    let constraints = "One call to payouts_admin.set_limit for merchant m_48213, daily_payout only, before 10:30Z.";
    let args = json!({
        "merchantId": "m_48213", "limitType": "daily_payout", "currency": "EUR",
        "amount": 120000, "validUntil": "2026-12-01T00:00:00Z",
    });

    let login = s.ev(
        SSO,
        "10:02:11",
        "session.start",
        json!({ "actor": tomas, "ext": { "idpSubject": "00u3xq9v7nR2sLk4d5d7", "amr": ["pwd", "hwk"] } }),
    );
    let ask = s.ev(
        MERCHANT_OPS,
        "10:03:40",
        "request",
        json!({
            "actor": tomas, "parent": login,
            "input": said("Raise the daily payout limit for merchant m_48213 (Kestrel Outdoor) from 50,000 to 120,000 EUR for Black Friday week, until 1 December. Ticket RISK-3107."),
        }),
    );
    let plan = s.ev(
        MERCHANT_OPS,
        "10:03:44",
        "model.output",
        json!({
            "actor": mops, "initiator": tomas, "onBehalfOf": [tomas], "parent": ask,
            "output": said("This needs the payouts admin API, which is privileged: asking for authorization and a risk manager's approval first."),
        }),
    );
    let call = s.ev(
        MERCHANT_OPS,
        "10:03:45",
        "tool.call",
        json!({
            "actor": mops, "initiator": tomas, "onBehalfOf": [tomas], "parent": plan,
            "tool": tool("payouts_admin.set_limit", args.clone()),
        }),
    );
    let decided = s.ev(
        AUTHZ,
        "10:03:45",
        "policy.decision",
        json!({
            "actor": cedar, "parent": call,
            "decision": decision("cedar", "payouts-admin::limit-change", "v7", "allow", decision_id,
                &json!({ "principal": MERCHANT_OPS, "action": "SetLimit", "resource": "Merchant::\"m_48213\"", "context": { "amount": 120000 } })),
            "ext": { "obligations": ["approval:risk-manager", "credential:just-in-time"] },
        }),
    );
    let request = s.ev(
        APPROVALS,
        "10:03:46",
        "approval.request",
        json!({
            "actor": mops, "initiator": tomas, "onBehalfOf": [tomas], "parent": decided,
            "decisionRef": decision_id,
            "approval": { "approvalId": approval_id, "askedOf": [dana], "constraints": constraints },
        }),
    );
    s.ev(
        SSO,
        "10:09:52",
        "session.start",
        json!({ "actor": dana, "ext": { "idpSubject": "00u7pd2m1wQ8hZc6e5d7", "amr": ["pwd", "hwk"] } }),
    );
    let approved = s.ev(
        APPROVALS,
        "10:11:05",
        "approval.decision",
        json!({
            "actor": dana, "parent": request,
            "approval": {
                "approvalId": approval_id, "askedOf": [dana], "decidedBy": dana,
                "decision": "approved", "constraints": constraints,
            },
            "input": said("Approved for Black Friday week only. The limit must revert on 1 December."),
        }),
    );
    s.mark("approval-decision");
    let issued = s.ev(
        ACCESS,
        "10:11:07",
        "credential.issue",
        json!({
            "actor": broker, "initiator": tomas, "onBehalfOf": [mops, tomas], "parent": approved,
            "approvalRef": approval_id, "decisionRef": decision_id,
            "credential": {
                "tokenId": jit, "issuer": "https://access.fernhill.example", "subject": MERCHANT_OPS,
                "scope": ["payouts-admin:limits:write:m_48213"],
                "issuedAt": s.at("10:11:07"), "expiresAt": s.at("10:26:07"),
            },
        }),
    );
    let post = s.ev(
        MERCHANT_OPS,
        "10:11:09",
        "http.request",
        json!({
            "actor": mops, "initiator": tomas, "onBehalfOf": [tomas], "parent": issued,
            "approvalRef": approval_id, "decisionRef": decision_id, "credential": { "tokenId": jit },
            "request": { "method": "POST", "url": "https://payouts-admin.internal.fernhill.example/v1/merchants/m_48213/limits", "status": 200 },
        }),
    );
    s.ev(
        PAYOUTS,
        "10:11:09",
        "credential.use",
        json!({
            "actor": mops, "parent": post,
            "credential": { "tokenId": jit, "issuer": "https://access.fernhill.example", "subject": MERCHANT_OPS, "scope": ["payouts-admin:limits:write:m_48213"] },
        }),
    );
    let effect = s.ev(
        PAYOUTS,
        "10:11:09",
        "side_effect",
        json!({
            "actor": mops, "initiator": tomas, "onBehalfOf": [tomas], "parent": post,
            "approvalRef": approval_id, "decisionRef": decision_id, "credential": { "tokenId": jit },
            "change": change("payouts://merchants/m_48213/limits/daily_payout", "update",
                "daily payout limit EUR 50,000 -> EUR 120,000, valid until 2026-12-01",
                Some("m_48213 daily_payout EUR 50000"), Some("m_48213 daily_payout EUR 120000 until 2026-12-01")),
        }),
    );
    s.mark("side-effect");
    let result = s.ev(
        MERCHANT_OPS,
        "10:11:10",
        "tool.result",
        json!({
            "actor": admin_tool, "initiator": tomas, "onBehalfOf": [mops, tomas], "parent": effect,
            "tool": tool_ref("payouts_admin.set_limit", &args),
            "output": json_text(&json!({ "merchantId": "m_48213", "dailyPayoutLimit": { "amount": 120000, "currency": "EUR" }, "validUntil": "2026-12-01T00:00:00Z" })),
        }),
    );
    s.ev(
        ACCESS,
        "10:11:12",
        "credential.revoke",
        json!({
            "actor": broker, "parent": effect, "approvalRef": approval_id,
            "credential": { "tokenId": jit, "issuer": "https://access.fernhill.example", "subject": MERCHANT_OPS },
            "ext": { "reason": "single-use grant consumed" },
        }),
    );
    s.ev(
        MERCHANT_OPS,
        "10:11:14",
        "model.output",
        json!({
            "actor": mops, "initiator": tomas, "onBehalfOf": [tomas], "parent": result,
            "output": said("Done. Kestrel Outdoor (m_48213) can pay out up to EUR 120,000 a day until 1 December. Approved by Dana Whitfield (apr-2026-10-21-0193); the temporary credential has been revoked."),
        }),
    );
}
