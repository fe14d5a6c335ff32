//! The `multi-agent-pipeline` story: three agents propose, validate and execute a
//! production capacity change, reviewed only by another agent (incident 6).

use serde_json::json;

use super::{
    agent, change, decision, human, said, service, system, tool, tool_actor, tool_ref, EXECUTOR,
    OPA, PLANNER, SSO, TERRAFORM, VALIDATOR,
};
use crate::demo::Story;

pub(super) fn multi_agent_pipeline(s: &mut Story) {
    let lena = human(
        "lena.fischer@fernhill.example",
        "Lena Fischer",
        "sso-7b2d9f4e6a1c4835",
    );
    let planner = agent(
        PLANNER,
        "capacity-planner",
        "capacity-planner-59d8f7c6b-k3wqz",
        "gpt-4.1",
        "2025-04-14",
    );
    let validator = agent(
        VALIDATOR,
        "change-validator",
        "change-validator-7c6b5a4d3-n9xfe",
        "claude-opus-4-1",
        "20250805",
    );
    let executor = agent(
        EXECUTOR,
        "infra-executor",
        "infra-executor-6d5c4b3a2-r2lmv",
        "claude-sonnet-4-5",
        "20250929",
    );
    let opa = system(OPA, "OPA");
    let runner = system(TERRAFORM, "Terraform runner");
    let tf = tool_actor("mcp://infra-tools/terraform", "terraform");
    let gcp_sa = service(
        "tf-prod-batch@fernhill-prod.iam.gserviceaccount.com",
        "tf-prod-batch",
    );
    let plan_args = json!({ "workspace": "prod-batch", "vars": { "batch_large_node_count": 8 } });
    let apply_args =
        json!({ "workspace": "prod-batch", "plan": "plan-5f1e2c", "autoApprove": true });
    let guardrails = "dec-4f8a2c6e-1b3d-4e5f-8a9b-0c1d2e3f4a5b";
    let apply_decision = "dec-9b1d3f5a-7c2e-4d6f-8a0b-1c3e5f7a9b2d";
    let executor_token = "at-executor-51c2";
    let gcp_token = "gcp-sts-7b2e90d4";

    let login = s.ev(
        SSO,
        "11:00:04",
        "session.start",
        json!({ "actor": lena, "ext": { "idpSubject": "00u9ar5e3hV7nQm2b5d7", "amr": ["pwd", "hwk"] } }),
    );
    let ask = s.ev(
        PLANNER,
        "11:02:19",
        "request",
        json!({
            "actor": lena, "parent": login,
            "input": said("Our batch node pools are over-provisioned. Propose changes that cut compute cost by about 20% without breaking the settlement SLOs."),
        }),
    );
    let metrics = s.ev(
        PLANNER,
        "11:02:31",
        "retrieval",
        json!({
            "actor": planner, "initiator": lena, "onBehalfOf": [lena], "parent": ask,
            "output": said("pool batch-large (prod-eu, 12 x n2-standard-16): p95 CPU 31%, p95 memory 44% over 30 days; peak 09:00-10:00 UTC at 58% CPU"),
            "ext": { "source": "prometheus: node utilisation, 30 days" },
        }),
    );
    let proposal = s.ev(
        PLANNER,
        "11:02:58",
        "model.output",
        json!({
            "actor": planner, "initiator": lena, "onBehalfOf": [lena], "parent": metrics,
            "output": said("Proposal P-118: scale prod node pool batch-large from 12 to 8 nodes; keep the autoscaler maximum at 12. Expected saving 18.4%; peak CPU would reach about 87%."),
        }),
    );
    let to_validator = s.ev(
        PLANNER,
        "11:03:00",
        "task.delegate",
        json!({
            "actor": planner, "initiator": lena, "onBehalfOf": [lena], "parent": proposal,
            "delegation": { "to": validator, "scope": ["terraform:plan:prod-batch", "review:P-118"] },
        }),
    );
    let plan_call = s.ev(
        VALIDATOR,
        "11:03:05",
        "tool.call",
        json!({
            "actor": validator, "initiator": lena, "onBehalfOf": [planner, lena], "parent": to_validator,
            "tool": tool("terraform.plan", plan_args.clone()),
        }),
    );
    let planned = s.ev(
        TERRAFORM,
        "11:03:41",
        "tool.result",
        json!({
            "actor": tf, "initiator": lena, "onBehalfOf": [validator, planner, lena], "parent": plan_call,
            "tool": tool_ref("terraform.plan", &plan_args),
            "output": said("Plan: 0 to add, 1 to change, 0 to destroy.\n  ~ google_container_node_pool.batch_large\n      node_count: 12 -> 8\nSaved the plan to: plan-5f1e2c"),
        }),
    );
    let checked = s.ev(
        OPA,
        "11:03:44",
        "policy.decision",
        json!({
            "actor": opa, "parent": planned,
            "decision": decision("opa", "infra.capacity_guardrails", "2026.11.01-77ab2d3", "allow", guardrails,
                &json!({ "workspace": "prod-batch", "plan": "plan-5f1e2c", "changes": [{ "resource": "google_container_node_pool.batch_large", "node_count": [12, 8] }] })),
            "ext": { "checks": ["min_nodes>=6", "no_destroy", "pdb_respected"] },
        }),
    );
    let verdict = s.ev(
        VALIDATOR,
        "11:03:52",
        "model.output",
        json!({
            "actor": validator, "initiator": lena, "onBehalfOf": [planner, lena], "parent": checked,
            "decisionRef": guardrails,
            "output": said("P-118 validated: the plan changes one resource, within guardrails (minimum 6 nodes, no destroys, disruption budgets respected). Handing plan-5f1e2c to the executor."),
        }),
    );
    s.mark("validated");
    let to_executor = s.ev(
        VALIDATOR,
        "11:03:53",
        "task.delegate",
        json!({
            "actor": validator, "initiator": lena, "onBehalfOf": [planner, lena], "parent": verdict,
            "decisionRef": guardrails,
            "delegation": { "to": executor, "scope": ["terraform:apply:prod-batch:plan-5f1e2c"] },
        }),
    );
    let apply = s.ev(
        EXECUTOR,
        "11:04:01",
        "tool.call",
        json!({
            "actor": executor, "initiator": lena, "onBehalfOf": [validator, planner, lena], "parent": to_executor,
            "tool": tool("terraform.apply", apply_args.clone()),
        }),
    );
    s.mark("apply-call");
    let allowed = s.ev(
        OPA,
        "11:04:01",
        "policy.decision",
        json!({
            "actor": opa, "parent": apply,
            "decision": decision("opa", "infra.apply_requires_validated_plan", "2026.11.01-77ab2d3", "allow", apply_decision,
                &json!({ "caller": EXECUTOR, "plan": "plan-5f1e2c", "validatedBy": VALIDATOR, "guardrailDecision": guardrails })),
        }),
    );
    let exchanged = s.ev(
        TERRAFORM,
        "11:04:02",
        "credential.exchange",
        json!({
            "actor": runner, "initiator": lena, "onBehalfOf": [executor, validator, planner, lena],
            "parent": allowed, "decisionRef": apply_decision,
            "credential": {
                "tokenId": gcp_token, "issuer": "https://sts.googleapis.com",
                "subject": "tf-prod-batch@fernhill-prod.iam.gserviceaccount.com",
                "scope": ["https://www.googleapis.com/auth/cloud-platform"],
                "issuedAt": s.at("11:04:02"), "expiresAt": s.at("12:04:02"), "exchangedFrom": executor_token,
            },
        }),
    );
    let resized = s.ev(
        TERRAFORM,
        "11:06:37",
        "side_effect",
        json!({
            "actor": gcp_sa, "initiator": lena, "onBehalfOf": [executor, validator, planner, lena],
            "parent": exchanged, "decisionRef": apply_decision, "credential": { "tokenId": gcp_token },
            "change": change("gcp://fernhill-prod/locations/europe-west1/clusters/prod-eu/nodePools/batch-large", "update",
                "node_count 12 -> 8 (4 nodes drained and deleted)",
                Some("batch-large node_count=12"), Some("batch-large node_count=8")),
        }),
    );
    let applied = s.ev(
        TERRAFORM,
        "11:06:39",
        "tool.result",
        json!({
            "actor": tf, "initiator": lena, "onBehalfOf": [executor, validator, planner, lena], "parent": resized,
            "tool": tool_ref("terraform.apply", &apply_args),
            "output": said("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."),
        }),
    );
    let reported = s.ev(
        EXECUTOR,
        "11:06:45",
        "model.output",
        json!({
            "actor": executor, "initiator": lena, "onBehalfOf": [validator, planner, lena], "parent": applied,
            "output": said("Applied plan-5f1e2c to prod-batch: batch-large now runs 8 nodes."),
        }),
    );
    s.ev(
        PLANNER,
        "11:06:50",
        "model.output",
        json!({
            "actor": planner, "initiator": lena, "onBehalfOf": [lena], "parent": reported,
            "output": said("P-118 is live: prod batch-large went from 12 to 8 nodes (validated by change-validator, applied by infra-executor). Estimated saving 18.4% of batch compute."),
        }),
    );
}
