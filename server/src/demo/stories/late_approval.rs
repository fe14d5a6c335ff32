//! The `late-approval` story: a production schema change approved sixteen minutes after
//! it was made (incident 8).

use serde_json::json;

use super::{
    agent, change, decision, human, said, system, tool, tool_actor, tool_ref, APPROVALS, DB_AGENT,
    LEDGER_DB, OPA, SSO,
};
use crate::demo::Story;

pub(super) fn late_approval(s: &mut Story) {
    let sam = human(
        "sam.oconnor@fernhill.example",
        "Sam O'Connor",
        "sso-d3c1b5a7e9f24068",
    );
    let grace = human(
        "grace.ndlovu@fernhill.example",
        "Grace Ndlovu",
        "sso-6a8c0e2f4b1d4379",
    );
    let dbm = agent(
        DB_AGENT,
        "db-maintenance",
        "db-maintenance-7b8c9d0e1-w5hzt",
        "claude-sonnet-4-5",
        "20250929",
    );
    let opa = system(OPA, "OPA");
    let migrator = "dbtok-migrator-8c2f51";
    let approval_id = "apr-2026-11-17-0552";
    let decision_id = "dec-2e4f6a8c-0b1d-4f3e-a5c7-9e1b3d5f7a9c";
    let statement = "CREATE INDEX CONCURRENTLY idx_ledger_entries_merchant_created ON ledger_entries (merchant_id, created_at)";
    let args = json!({ "cluster": "ledger-db-prod", "database": "ledger", "statement": statement });

    let login = s.ev(
        SSO,
        "13:58:02",
        "session.start",
        json!({ "actor": sam, "ext": { "idpSubject": "00u1ce7r5yN3jWs9f5d7", "amr": ["pwd", "otp"] } }),
    );
    let ask = s.ev(
        DB_AGENT,
        "14:00:31",
        "request",
        json!({
            "actor": sam, "parent": login,
            "input": said("Settlement queries on ledger_entries are slow again. Add the missing index on (merchant_id, created_at) in prod."),
        }),
    );
    let plan = s.ev(
        DB_AGENT,
        "14:00:40",
        "model.output",
        json!({
            "actor": dbm, "initiator": sam, "onBehalfOf": [sam], "parent": ask,
            "output": said("Plan: CREATE INDEX CONCURRENTLY on ledger_entries (merchant_id, created_at). Policy db.prod_ddl wants a DBA approval; requesting it."),
        }),
    );
    let call = s.ev(
        DB_AGENT,
        "14:00:41",
        "tool.call",
        json!({
            "actor": dbm, "initiator": sam, "onBehalfOf": [sam], "parent": plan,
            "tool": tool("postgres.execute", args.clone()),
        }),
    );
    let decided = s.ev(
        OPA,
        "14:00:41",
        "policy.decision",
        json!({
            "actor": opa, "parent": call,
            "decision": decision("opa", "db.prod_ddl", "2026.11.10-c93e6a1", "allow", decision_id,
                &json!({ "caller": DB_AGENT, "cluster": "ledger-db-prod", "statement": statement })),
            "ext": { "obligations": ["approval:dba"], "enforcement": "advisory" },
        }),
    );
    let request = s.ev(
        APPROVALS,
        "14:00:42",
        "approval.request",
        json!({
            "actor": dbm, "initiator": sam, "onBehalfOf": [sam], "parent": decided, "decisionRef": decision_id,
            "approval": { "approvalId": approval_id, "askedOf": [grace], "constraints": "Online index build only (CONCURRENTLY); no table rewrite." },
        }),
    );
    s.ev(
        LEDGER_DB,
        "14:00:44",
        "credential.use",
        json!({
            "actor": dbm, "parent": request,
            "credential": { "tokenId": migrator, "issuer": "vault://database/creds/ledger-migrator", "subject": "ledger_migrator", "scope": ["ddl:ledger"] },
        }),
    );
    let effect = s.ev(
        LEDGER_DB,
        "14:03:44",
        "side_effect",
        json!({
            "actor": dbm, "initiator": sam, "onBehalfOf": [sam], "parent": call,
            "decisionRef": decision_id, "approvalRef": approval_id, "credential": { "tokenId": migrator },
            "change": change("postgres://ledger-db-prod/ledger/public/ledger_entries/indexes/idx_ledger_entries_merchant_created", "create",
                "CREATE INDEX CONCURRENTLY completed in 182 s (41.7 M rows)",
                Some("ledger schema v311"), Some("ledger schema v311 + idx_ledger_entries_merchant_created")),
        }),
    );
    s.mark("side-effect");
    let result = s.ev(
        DB_AGENT,
        "14:03:46",
        "tool.result",
        json!({
            "actor": tool_actor("mcp://db-tools/postgres.execute", "postgres.execute"), "initiator": sam,
            "onBehalfOf": [dbm, sam], "parent": effect, "tool": tool_ref("postgres.execute", &args),
            "output": said("CREATE INDEX"),
        }),
    );
    s.ev(
        DB_AGENT,
        "14:03:50",
        "model.output",
        json!({
            "actor": dbm, "initiator": sam, "onBehalfOf": [sam], "parent": result,
            "output": said("The index idx_ledger_entries_merchant_created is in place; settlement queries should use it from now on."),
        }),
    );
    s.ev(
        SSO,
        "14:18:55",
        "session.start",
        json!({ "actor": grace, "ext": { "idpSubject": "00u8nb3t6kD1xFq4a5d7", "amr": ["pwd", "hwk"] } }),
    );
    s.ev(
        APPROVALS,
        "14:19:27",
        "approval.decision",
        json!({
            "actor": grace, "parent": request,
            "approval": {
                "approvalId": approval_id, "askedOf": [grace], "decidedBy": grace, "decision": "approved",
                "constraints": "Online index build only (CONCURRENTLY); no table rewrite.",
            },
            "input": said("Approved."),
        }),
    );
    s.mark("approval-decision");
}
