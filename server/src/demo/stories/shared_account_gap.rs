//! The `shared-account-gap` story: a production table dropped through a shared service
//! account, with no one to tie it to (incident 7).

use serde_json::json;

use super::{
    agent, change, decision, human, service, system, AUTHZ, BASTION, SSO, VAULT, WAREHOUSE,
};
use crate::demo::Story;

pub(super) fn shared_account_gap(s: &mut Story) {
    let noah = human(
        "noah.patel@fernhill.example",
        "Noah Patel",
        "sso-5e1a7c3f9b2d4a60",
    );
    let sofia = human(
        "sofia.rossi@fernhill.example",
        "Sofia Rossi",
        "sso-b4d2f6a8c0e14397",
    );
    let builder = agent(
        "spiffe://fernhill.example/agents/report-builder",
        "report-builder",
        "report-builder-cron-29371442-x8d2k",
        "gpt-4.1-mini",
        "2025-04-14",
    );
    let shared = service("svc-reporting-shared", "svc-reporting-shared");
    let cedar = system(AUTHZ, "Authorization service (Cedar)");
    let key_id = "akid-reporting-shared-0a41";
    let read = |path: &str| json!({ "vaultOperation": "read", "path": path });

    s.ev(
        SSO,
        "17:40:02",
        "session.start",
        json!({ "actor": noah, "ext": { "idpSubject": "00u4kd8w2pF6sHn7c5d7", "amr": ["pwd", "otp"] } }),
    );
    s.ev(
        VAULT,
        "17:44:55",
        "system",
        json!({
            "actor": noah,
            "credential": { "tokenId": key_id, "subject": "svc-reporting-shared" },
            "ext": read("kv/shared/reporting/svc-reporting-shared"),
        }),
    );
    s.ev(
        SSO,
        "17:58:13",
        "session.start",
        json!({ "actor": sofia, "ext": { "idpSubject": "00u6mz1q9tB3vLr8d5d7", "amr": ["pwd", "hwk"] } }),
    );
    s.ev(
        VAULT,
        "18:02:31",
        "system",
        json!({
            "actor": sofia,
            "credential": { "tokenId": key_id, "subject": "svc-reporting-shared" },
            "ext": read("kv/shared/reporting/svc-reporting-shared"),
        }),
    );
    s.ev(
        VAULT,
        "18:05:12",
        "system",
        json!({
            "actor": builder,
            "credential": { "tokenId": key_id, "subject": "svc-reporting-shared" },
            "ext": read("kv/shared/reporting/svc-reporting-shared"),
        }),
    );
    let ssh = s.ev(
        BASTION,
        "18:29:48",
        "session.start",
        json!({
            "actor": shared,
            "ext": { "unixUser": "reporting", "sourceIp": "10.40.12.77", "sshKey": "SHA256:qJ4m0b7Xy2VtT9rL1sK8dF6gH3jB5nC0pZ2wE4aR6uY (shared)" },
        }),
    );
    s.mark("bastion-login");
    let used = s.ev(
        WAREHOUSE,
        "18:30:55",
        "credential.use",
        json!({
            "actor": shared, "parent": ssh,
            "credential": { "tokenId": key_id, "issuer": "vault://kv/shared/reporting", "subject": "svc-reporting-shared", "scope": ["warehouse:reporting:rw"] },
        }),
    );
    let decision_id = "dec-cedar-wh-0071-b3";
    let allowed = s.ev(
        AUTHZ,
        "18:31:02",
        "policy.decision",
        json!({
            "actor": cedar, "parent": used,
            "decision": decision("cedar", "warehouse::reporting-rw", "v12", "allow", decision_id,
                &json!({ "principal": "svc-reporting-shared", "action": "DropTable", "resource": "Table::\"reporting.customer_payouts_2025\"" })),
        }),
    );
    let dropped = s.ev(
        WAREHOUSE,
        "18:31:07",
        "side_effect",
        json!({
            "actor": shared, "parent": allowed, "decisionRef": decision_id,
            "credential": { "tokenId": key_id },
            "change": change("warehouse://prod/reporting/customer_payouts_2025", "delete",
                "DROP TABLE reporting.customer_payouts_2025 (2,184,331 rows)",
                Some("reporting.customer_payouts_2025 snapshot 2026-11-12T18:00Z"), None),
        }),
    );
    s.ev(
        BASTION,
        "18:31:09",
        "system",
        json!({
            "actor": shared, "parent": dropped,
            "ext": { "event": "session.end", "unixUser": "reporting", "commands": 3, "recording": "not enabled for shared accounts" },
        }),
    );
}
