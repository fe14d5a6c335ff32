//! The `token-refresh-vault` story: an agent token widened on refresh with the on-call
//! operator's approval, then used to rotate a vault entry (incident 4).

use serde_json::json;

use super::{
    agent, change, decision, human, said, system, tool, APPROVALS, LEDGER_DB, OPA, ROTATOR, SSO,
    STS, STS_ISSUER, VAULT,
};
use crate::demo::Story;

pub(super) fn token_refresh_vault(s: &mut Story) {
    let scheduler = system(
        "spiffe://fernhill.example/platform/scheduler",
        "scheduler (cron: rotate-ledger-db-credentials)",
    );
    let kenji = human(
        "kenji.watanabe@fernhill.example",
        "Kenji Watanabe",
        "sso-0f5b9e2c71d84a36",
    );
    let rotator = agent(
        ROTATOR,
        "secret-rotator",
        "secret-rotator-6f7c8d9e0-h8vbn",
        "claude-haiku-4-5",
        "20251001",
    );
    let opa = system(OPA, "OPA");
    let old_token = "at-rotator-3c8e-r1";
    let new_token = "at-rotator-3c8e-r2";
    let approval_id = "apr-2026-11-03-0041";
    let decision_id = "dec-a1c4e7f0-38b2-4d69-9e15-0b7c2d4f6a83";
    let scope = [
        "vault:kv:read:prod/ledger-db",
        "vault:kv:write:prod/ledger-db",
    ];
    let rotate_args =
        json!({ "cluster": "ledger-db-prod", "role": "ledger_app", "password": "generated:32" });
    let put_args = json!({ "mount": "kv", "path": "prod/ledger-db/credentials", "fields": ["username", "password"], "valuesFrom": "rotation-result" });

    let start = s.ev(
        ROTATOR,
        "02:00:00",
        "request",
        json!({
            "actor": scheduler,
            "input": said("Rotate the ledger-db application credentials (policy: every 30 days; last rotated 2026-10-04)."),
        }),
    );
    let plan = s.ev(
        ROTATOR,
        "02:00:03",
        "model.output",
        json!({
            "actor": rotator, "initiator": scheduler, "parent": start,
            "output": said("My token can read kv/prod/ledger-db but not write it. Requesting a refresh with write scope for 15 minutes, then: rotate the ledger_app password, write the new credentials to vault."),
        }),
    );
    let decided = s.ev(
        OPA,
        "02:00:04",
        "policy.decision",
        json!({
            "actor": opa, "parent": plan,
            "decision": decision("opa", "sts.refresh_scope_escalation", "2026.10.20-8d41f2b", "allow", decision_id,
                &json!({ "subject": ROTATOR, "from": ["vault:kv:read:prod/ledger-db"], "to": scope, "ttl": "15m" })),
            "ext": { "obligations": ["approval:on-call-operator"] },
        }),
    );
    let request = s.ev(
        APPROVALS,
        "02:00:05",
        "approval.request",
        json!({
            "actor": rotator, "initiator": scheduler, "parent": decided, "decisionRef": decision_id,
            "approval": {
                "approvalId": approval_id, "askedOf": [kenji],
                "constraints": "Scope vault:kv:write:prod/ledger-db only; token lifetime at most 15 minutes.",
            },
        }),
    );
    s.ev(
        SSO,
        "02:06:41",
        "session.start",
        json!({ "actor": kenji, "ext": { "idpSubject": "00u2hg6y4bM9rTx3a5d7", "amr": ["pwd", "hwk"] } }),
    );
    let approved = s.ev(
        APPROVALS,
        "02:07:12",
        "approval.decision",
        json!({
            "actor": kenji, "parent": request,
            "approval": {
                "approvalId": approval_id, "askedOf": [kenji], "decidedBy": kenji, "decision": "approved",
                "constraints": "Scope vault:kv:write:prod/ledger-db only; token lifetime at most 15 minutes.",
            },
            "input": said("OK, scheduled rotation under CHG-20388. 15 minutes."),
        }),
    );
    let refreshed = s.ev(
        STS,
        "02:07:13",
        "credential.exchange",
        json!({
            "actor": rotator, "initiator": scheduler, "parent": approved,
            "approvalRef": approval_id, "decisionRef": decision_id,
            "credential": {
                "tokenId": new_token, "issuer": STS_ISSUER, "subject": ROTATOR, "scope": scope,
                "issuedAt": s.at("02:07:13"), "expiresAt": s.at("02:22:13"), "exchangedFrom": old_token,
            },
        }),
    );
    s.mark("refresh");
    let rotate = s.ev(
        ROTATOR,
        "02:07:15",
        "tool.call",
        json!({
            "actor": rotator, "initiator": scheduler, "parent": refreshed,
            "tool": tool("postgres.rotate_role_password", rotate_args),
        }),
    );
    s.ev(
        LEDGER_DB,
        "02:07:16",
        "side_effect",
        json!({
            "actor": rotator, "initiator": scheduler, "parent": rotate,
            "change": change("postgres://ledger-db-prod/roles/ledger_app", "update",
                "ALTER ROLE ledger_app PASSWORD (SCRAM-SHA-256 verifier replaced)",
                Some("ledger_app scram verifier 2026-10-04"), Some("ledger_app scram verifier 2026-11-03")),
        }),
    );
    let put = s.ev(
        ROTATOR,
        "02:07:17",
        "tool.call",
        json!({
            "actor": rotator, "initiator": scheduler, "parent": rotate,
            "tool": tool("vault.kv.put", put_args),
        }),
    );
    s.ev(
        VAULT,
        "02:07:17",
        "credential.use",
        json!({
            "actor": rotator, "parent": put,
            "credential": { "tokenId": new_token, "issuer": STS_ISSUER, "subject": ROTATOR, "scope": scope },
        }),
    );
    let written = s.ev(
        VAULT,
        "02:07:17",
        "side_effect",
        json!({
            "actor": rotator, "initiator": scheduler, "parent": put,
            "approvalRef": approval_id, "credential": { "tokenId": new_token },
            "change": change("vault://kv/prod/ledger-db/credentials", "update",
                "version 17 -> 18 (username unchanged, password replaced)",
                Some("kv/prod/ledger-db/credentials v17"), Some("kv/prod/ledger-db/credentials v18")),
        }),
    );
    s.ev(
        ROTATOR,
        "02:07:19",
        "model.output",
        json!({
            "actor": rotator, "initiator": scheduler, "parent": written,
            "output": said("Rotation complete: ledger_app password replaced, vault kv/prod/ledger-db/credentials at version 18. Applications pick it up on their next lease renewal."),
        }),
    );
}
