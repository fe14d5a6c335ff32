//! The nine incidents of the demo corpus, as data: each one's slug, title, summary and
//! bundle ID ([`DEFS`]), and, in a module of its own, the events it is made of; and
//! the story told twice, by signed events and by OpenTelemetry traces
//! ([`refund_traces`]), which is loaded apart from the corpus. Here
//! too are the components that sign those events (their SPIFFE IDs) and the small
//! builders of the JSON the events carry (actors, content, tool calls, decisions,
//! changes).

mod cicd_change_ticket;
mod late_approval;
mod multi_agent_pipeline;
mod privileged_api_jit;
mod prod_config_change;
pub(super) mod refund_traces;
mod revoked_credential_use;
mod secrets_export;
mod shared_account_gap;
mod token_refresh_vault;

use evidence::event::hash_of;
use serde_json::{json, Value};

use self::{
    cicd_change_ticket::cicd_change_ticket, late_approval::late_approval,
    multi_agent_pipeline::multi_agent_pipeline, privileged_api_jit::privileged_api_jit,
    prod_config_change::prod_config_change, revoked_credential_use::revoked_credential_use,
    secrets_export::secrets_export, shared_account_gap::shared_account_gap,
    token_refresh_vault::token_refresh_vault,
};
use super::Def;

// Emitters: the components that sign events.
pub(super) const SSO: &str = "spiffe://fernhill.example/platform/sso";
pub(super) const ASSIST: &str = "spiffe://fernhill.example/apps/assist-chat";
pub(super) const OPS_AGENT: &str = "spiffe://fernhill.example/agents/ops-agent";
pub(super) const GATEWAY: &str = "spiffe://fernhill.example/platform/mcp-gateway";
pub(super) const OPA: &str = "spiffe://fernhill.example/platform/opa";
pub(super) const AUTHZ: &str = "spiffe://fernhill.example/platform/authz";
pub(super) const STS: &str = "spiffe://fernhill.example/platform/sts";
pub(super) const APPROVALS: &str = "spiffe://fernhill.example/platform/approvals";
pub(super) const ACCESS: &str = "spiffe://fernhill.example/platform/access-broker";
pub(super) const CONFIG: &str = "spiffe://fernhill.example/prod/config-service";
pub(super) const MERCHANT_OPS: &str = "spiffe://fernhill.example/agents/merchant-ops";
pub(super) const PAYOUTS: &str = "spiffe://fernhill.example/prod/payouts-admin-api";
pub(super) const COPILOT: &str = "spiffe://fernhill.example/agents/dev-copilot";
pub(super) const VAULT: &str = "spiffe://fernhill.example/platform/vault";
pub(super) const EGRESS: &str = "spiffe://fernhill.example/platform/egress-proxy";
pub(super) const ROTATOR: &str = "spiffe://fernhill.example/agents/secret-rotator";
pub(super) const LEDGER_DB: &str = "spiffe://fernhill.example/prod/ledger-db-proxy";
pub(super) const PIPELINE_AGENT: &str = "spiffe://fernhill.example/agents/pipeline-assistant";
pub(super) const ITSM: &str = "spiffe://fernhill.example/itsm/change-management";
pub(super) const GIT: &str = "spiffe://fernhill.example/dev/git";
pub(super) const CI: &str = "spiffe://fernhill.example/ci/runner";
pub(super) const ARGOCD: &str = "spiffe://fernhill.example/prod/argocd";
pub(super) const PLANNER: &str = "spiffe://fernhill.example/agents/capacity-planner";
pub(super) const VALIDATOR: &str = "spiffe://fernhill.example/agents/change-validator";
pub(super) const EXECUTOR: &str = "spiffe://fernhill.example/agents/infra-executor";
pub(super) const TERRAFORM: &str = "spiffe://fernhill.example/platform/terraform-runner";
pub(super) const BASTION: &str = "spiffe://fernhill.example/platform/bastion";
pub(super) const WAREHOUSE: &str = "spiffe://fernhill.example/prod/warehouse";
pub(super) const DB_AGENT: &str = "spiffe://fernhill.example/agents/db-maintenance";
pub(super) const SUPPORT_AGENT: &str = "spiffe://fernhill.example/agents/support-agent";
pub(super) const DETECTIONS: &str = "spiffe://fernhill.example/security/detections";
pub(super) const CRM: &str = "spiffe://fernhill.example/prod/crm-api";
pub(super) const REFUNDS: &str = "spiffe://fernhill.example/prod/refunds-api";

pub(super) const STS_ISSUER: &str = "https://sts.fernhill.example";

fn human(email: &str, name: &str, session: &str) -> Value {
    json!({ "type": "human", "id": email, "name": name, "session": session })
}

fn agent(id: &str, name: &str, instance: &str, model: &str, version: &str) -> Value {
    json!({
        "type": "agent", "id": id, "name": name, "instance": instance,
        "model": model, "modelVersion": version,
    })
}

fn service(id: &str, name: &str) -> Value {
    json!({ "type": "service", "id": id, "name": name })
}

fn system(id: &str, name: &str) -> Value {
    json!({ "type": "system", "id": id, "name": name })
}

fn tool_actor(id: &str, name: &str) -> Value {
    json!({ "type": "tool", "id": id, "name": name })
}

/// Content shown to reviewers: its hash and the text itself.
fn said(text: &str) -> Value {
    json!({ "hash": hash_of(text.as_bytes()), "text": text, "mediaType": "text/plain" })
}

/// JSON content included as text.
fn json_text(value: &Value) -> Value {
    let text = value.to_string();
    json!({ "hash": hash_of(text.as_bytes()), "text": text, "mediaType": "application/json" })
}

/// Content the producer chose not to include: only its hash.
fn withheld(content: &str, media_type: &str) -> Value {
    json!({ "hash": hash_of(content.as_bytes()), "mediaType": media_type })
}

/// A tool call with its arguments included.
fn tool(name: &str, arguments: Value) -> Value {
    let text = arguments.to_string();
    json!({ "name": name, "argumentsHash": hash_of(text.as_bytes()), "arguments": arguments })
}

/// A tool reference by the hash of its arguments only (for results).
fn tool_ref(name: &str, arguments: &Value) -> Value {
    json!({ "name": name, "argumentsHash": hash_of(arguments.to_string().as_bytes()) })
}

fn decision(
    engine: &str,
    policy_id: &str,
    version: &str,
    verdict: &str,
    decision_id: &str,
    input: &Value,
) -> Value {
    json!({
        "engine": engine, "policyId": policy_id, "policyVersion": version,
        "decision": verdict, "decisionId": decision_id,
        "inputHash": hash_of(input.to_string().as_bytes()),
    })
}

/// A change; `before` and `after` are the resource's states, recorded as hashes.
fn change(
    resource: &str,
    operation: &str,
    summary: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Value {
    json!({
        "resource": resource, "operation": operation, "summary": summary,
        "beforeHash": before.map(|b| hash_of(b.as_bytes())),
        "afterHash": after.map(|a| hash_of(a.as_bytes())),
        "outcome": "success",
    })
}

pub(super) const DEFS: [Def; 9] = [
    Def {
        slug: "prod-config-change",
        title: "A support chat prompt became a production config change",
        summary: "A support engineer asked the Fernhill Assist chatbot to raise the payment \
            gateway timeout in production. The chatbot delegated to the ops agent, which called \
            config.set through the MCP gateway; OPA allowed it and the change was made as the \
            deployment service account svc-deploy-prod. Follow initiator and onBehalfOf from the \
            side effect back to the prompt (which quotes markup that must show as plain text), \
            and note that no human approved a production change.",
        bundle_id: "bndl-20261014-assist-5521",
        date: "2026-10-14",
        issued_at: "09:14:00",
        task_id: Some("task-assist-5521"),
        trace_id: Some("0af7651916cd43dd8448eb211c80319c"),
        correlation_id: Some("SUP-88412"),
        events: prod_config_change,
    },
    Def {
        slug: "privileged-api-jit",
        title:
            "A payout-limit change approved by a risk manager, run with a just-in-time credential",
        summary: "An account manager asked the merchant-ops agent to raise a merchant's daily \
            payout limit. The Cedar policy allowed the privileged admin API call only with a \
            risk manager's approval and a just-in-time credential: the approval was asked for \
            and granted, a 15-minute single-scope token was issued, used once and revoked. This \
            is what a well-evidenced privileged action looks like; compare the others with it.",
        bundle_id: "bndl-20261021-payouts-0193",
        date: "2026-10-21",
        issued_at: "10:12:30",
        task_id: Some("task-mops-31077"),
        trace_id: Some("4bf92f3577b34da6a3ce929d0e0e4736"),
        correlation_id: Some("RISK-3107"),
        events: privileged_api_jit,
    },
    Def {
        slug: "secrets-export",
        title: "A coding agent exported production payment secrets through a tool call",
        summary: "A developer asked the dev copilot to fix a staging database connection. The \
            copilot retrieved a runbook page carrying an injected instruction, then called \
            vault.kv.export on kv/prod/payments/ (OPA allowed it) and uploaded the export to an \
            external paste service through the egress proxy. Read the retrieval's text, the \
            export's arguments and the outbound request: the human asked for none of it.",
        bundle_id: "bndl-20261028-copilot-7719",
        date: "2026-10-28",
        issued_at: "15:33:00",
        task_id: Some("task-copilot-7719"),
        trace_id: Some("5c1e8a0f3b2d4e6f9a7b8c0d1e2f3a4b"),
        correlation_id: None,
        events: secrets_export,
    },
    Def {
        slug: "token-refresh-vault",
        title: "An agent token refresh, approved by the on-call operator, updated a vault entry",
        summary: "The secret-rotator agent, started by the scheduler, needed write access to \
            rotate the ledger database password. Widening its token's scope on refresh required \
            an operator's approval: the on-call engineer approved at 02:07, STS exchanged the \
            token (exchangedFrom links old and new), and the agent rotated the password and \
            wrote version 18 of the vault entry. Check that the new token's scope and lifetime \
            match what was approved.",
        bundle_id: "bndl-20261103-rotation-4410",
        date: "2026-11-03",
        issued_at: "02:09:00",
        task_id: Some("task-rotate-ledger-db-4410"),
        trace_id: Some("9e107d9d372bb6826bd81d3542a419d6"),
        correlation_id: Some("CHG-20388"),
        events: token_refresh_vault,
    },
    Def {
        slug: "cicd-change-ticket",
        title: "A CI/CD pipeline change traced to its change ticket CHG-20417",
        summary: "A platform engineer had the pipeline assistant add SBOM generation and image \
            signing to the payments-api deploy pipeline. Every event carries the change ticket \
            as its correlationId: the branch, the reviewed merge, the CAB approval, the CI \
            workload token, the conftest policy gate and the production sync. Check that the \
            deploy happened inside the approved window and rests on the CAB approval.",
        bundle_id: "bndl-20261105-chg-20417",
        date: "2026-11-05",
        issued_at: "13:10:00",
        task_id: None,
        trace_id: Some("7d3f1a2b9c8e4d5f6a0b1c2d3e4f5a6b"),
        correlation_id: Some("CHG-20417"),
        events: cicd_change_ticket,
    },
    Def {
        slug: "multi-agent-pipeline",
        title: "Three agents proposed, validated and executed a production capacity change",
        summary: "Asked by the FinOps lead to cut compute cost, the capacity planner proposed \
            shrinking a production node pool, delegated validation to the change validator, \
            which ran a Terraform plan and a guardrail policy and delegated execution to the \
            infra executor. Follow the delegations and the onBehalfOf chain (nearest first) to \
            the human, and note that the only review of the production change was by another \
            agent.",
        bundle_id: "bndl-20261110-finops-118",
        date: "2026-11-10",
        issued_at: "11:08:00",
        task_id: Some("task-finops-p118"),
        trace_id: Some("2c4e6a8b0d1f3e5a7c9b1d3f5a7c9e1b"),
        correlation_id: None,
        events: multi_agent_pipeline,
    },
    Def {
        slug: "shared-account-gap",
        title: "A production table dropped through a shared service account: who did it?",
        summary: "A reporting table with 2.2 million payout rows was dropped by \
            svc-reporting-shared, logged in through the bastion with the account's shared SSH \
            key. In the hour before, two engineers and an agent each read the shared credential \
            from Vault. The side effect has no initiator and no onBehalfOf: the evidence cannot \
            say which of them, if any, did it. That attribution gap is the finding.",
        bundle_id: "bndl-20261112-warehouse-0071",
        date: "2026-11-12",
        issued_at: "18:33:00",
        task_id: None,
        trace_id: None,
        correlation_id: Some("INC-0071"),
        events: shared_account_gap,
    },
    Def {
        slug: "late-approval",
        title: "A production schema change approved sixteen minutes after it was made",
        summary: "The db-maintenance agent was asked to add an index to the production ledger. \
            OPA's prod DDL policy asked for a DBA's approval, but in advisory mode: the agent \
            requested approval and ran the statement without waiting. The side effect cites the \
            approval (approvalRef), yet the approval decision is timestamped 14:19:27, after the \
            index was created at 14:03:44. Compare the times.",
        bundle_id: "bndl-20261117-ledger-ddl-552",
        date: "2026-11-17",
        issued_at: "14:21:00",
        task_id: Some("task-dbm-552"),
        trace_id: Some("b7ad6b7169203331b7ad6b7169203331"),
        correlation_id: None,
        events: late_approval,
    },
    Def {
        slug: "revoked-credential-use",
        title: "A refund made with an agent token sixty-two seconds after it was revoked",
        summary: "Security revoked the support agent's access token at 16:40:00 after a \
            detection flagged it. At 16:41:12 the refunds API accepted the same token (tokenId \
            at-support-9d3e71) from its introspection cache and issued a EUR 149.00 refund. \
            Find the credential.revoke event and the later credential.use and side effect with \
            the same tokenId.",
        bundle_id: "bndl-20261119-support-2207",
        date: "2026-11-19",
        issued_at: "16:43:00",
        task_id: Some("task-support-2207"),
        trace_id: Some("e3b0c44298fc1c149afbf4c8996fb924"),
        correlation_id: Some("CS-2207"),
        events: revoked_credential_use,
    },
];
