//! The `cicd-change-ticket` story: a CI/CD pipeline change whose every event carries
//! its change ticket, CHG-20417 (incident 5).

use serde_json::json;

use super::{
    agent, change, decision, human, said, service, system, tool, APPROVALS, ARGOCD, CI, GIT, ITSM,
    OPA, PIPELINE_AGENT,
};
use crate::demo::Story;

pub(super) fn cicd_change_ticket(s: &mut Story) {
    let amara = human(
        "amara.okafor@fernhill.example",
        "Amara Okafor",
        "sso-92d6c1a8f04e4b57",
    );
    let jonas = human(
        "jonas.becker@fernhill.example",
        "Jonas Becker",
        "sso-3a7e5c9b1d2f4068",
    );
    let li = human("li.wei@fernhill.example", "Li Wei", "sso-c5f8e2a4b6d04913");
    let assistant = agent(
        PIPELINE_AGENT,
        "pipeline-assistant",
        "pipeline-assistant-84b6c2d1f-p7rjm",
        "claude-sonnet-4-5",
        "20250929",
    );
    let ci = system(CI, "CI runner");
    let deployer = service(
        "ci:fernhill/payments-api:deploy",
        "payments-api deploy pipeline",
    );
    let opa = system(OPA, "OPA (conftest gate)");
    let cab = "CAB-CHG-20417";
    let review = "PR-1284-review";
    let decision_id = "dec-conftest-20417-13024";
    let oidc = "ci-oidc-4e7a1f93";
    let push_args = json!({ "repo": "fernhill/payments-api", "branch": "chg-20417-sbom-signing", "commit": "9f2c4e1" });
    let sign_args = json!([
        "sign", "--key", "gcpkms://projects/fernhill-ci/locations/europe/keyRings/release/cryptoKeys/cosign",
        "registry.fernhill.example/payments/payments-api@sha256:5b1f0e7c2d9a8b3c4e6f7a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d",
    ]);

    let opened = s.ev(
        ITSM,
        "08:30:12",
        "request",
        json!({
            "actor": amara,
            "input": said("CHG-20417: add SBOM generation (syft) and image signing (cosign, KMS key) to the payments-api deploy pipeline. Risk: low. Window: 2026-11-05 13:00-15:00 UTC."),
        }),
    );
    let delegated = s.ev(
        PIPELINE_AGENT,
        "08:41:30",
        "task.delegate",
        json!({
            "actor": amara, "parent": opened,
            "delegation": { "to": assistant, "scope": ["repo:fernhill/payments-api:branch:write", "repo:fernhill/payments-api:pr:open"] },
        }),
    );
    let diff = s.ev(
        PIPELINE_AGENT,
        "08:44:02",
        "model.output",
        json!({
            "actor": assistant, "initiator": amara, "onBehalfOf": [amara], "parent": delegated,
            "output": said(".ci/deploy.yml: add a 'sbom' step (syft packages -o spdx-json) and a 'sign' step (cosign sign with the KMS key) after 'build'; make 'deploy' depend on 'sign'. +18 -2 lines."),
        }),
    );
    let push = s.ev(
        PIPELINE_AGENT,
        "08:44:05",
        "tool.call",
        json!({
            "actor": assistant, "initiator": amara, "onBehalfOf": [amara], "parent": diff,
            "tool": tool("git.push", push_args),
        }),
    );
    let branch = s.ev(
        GIT,
        "08:44:06",
        "side_effect",
        json!({
            "actor": assistant, "initiator": amara, "onBehalfOf": [amara], "parent": push,
            "change": change("git://fernhill/payments-api/refs/heads/chg-20417-sbom-signing", "create",
                "branch created at 9f2c4e1 (.ci/deploy.yml +18 -2)", None, Some("refs/heads/chg-20417-sbom-signing 9f2c4e1")),
        }),
    );
    let pr = s.ev(
        GIT,
        "08:44:09",
        "approval.request",
        json!({
            "actor": assistant, "initiator": amara, "onBehalfOf": [amara], "parent": branch,
            "approval": { "approvalId": review, "askedOf": [jonas], "constraints": "Pull request #1284: code owner review of .ci/ required" },
        }),
    );
    let reviewed = s.ev(
        GIT,
        "10:15:33",
        "approval.decision",
        json!({
            "actor": jonas, "parent": pr,
            "approval": { "approvalId": review, "askedOf": [jonas], "decidedBy": jonas, "decision": "approved" },
            "input": said("LGTM. Checked that the KMS key is the release key and that deploy now needs sign."),
        }),
    );
    s.ev(
        GIT,
        "10:16:02",
        "side_effect",
        json!({
            "actor": jonas, "parent": reviewed, "approvalRef": review,
            "change": change("git://fernhill/payments-api/refs/heads/main", "update",
                "merge pull request #1284 (9f2c4e1) into main: 3ab8d90 -> c41f7e2",
                Some("refs/heads/main 3ab8d90"), Some("refs/heads/main c41f7e2")),
        }),
    );
    let cab_request = s.ev(
        APPROVALS,
        "12:48:10",
        "approval.request",
        json!({
            "actor": amara,
            "approval": { "approvalId": cab, "askedOf": [li], "constraints": "Deploy window 2026-11-05 13:00-15:00 UTC" },
        }),
    );
    s.mark("cab-request");
    let cab_ok = s.ev(
        APPROVALS,
        "12:55:41",
        "approval.decision",
        json!({
            "actor": li, "parent": cab_request,
            "approval": {
                "approvalId": cab, "askedOf": [li], "decidedBy": li, "decision": "approved",
                "constraints": "Deploy window 2026-11-05 13:00-15:00 UTC",
            },
        }),
    );
    let token = s.ev(
        CI,
        "13:02:00",
        "credential.issue",
        json!({
            "actor": ci, "initiator": amara, "parent": cab_ok, "approvalRef": cab,
            "credential": {
                "tokenId": oidc, "issuer": "https://ci.fernhill.example/oidc",
                "subject": "repo:fernhill/payments-api:ref:refs/heads/main:pipeline:deploy",
                "scope": ["registry:push:payments/payments-api", "argocd:sync:payments-api-prod", "kms:sign:release/cosign"],
                "issuedAt": s.at("13:02:00"), "expiresAt": s.at("13:12:00"),
            },
        }),
    );
    let gate = s.ev(
        OPA,
        "13:02:41",
        "policy.decision",
        json!({
            "actor": opa, "parent": token,
            "decision": decision("opa", "ci.pipeline.change_gate", "v3.2.0", "allow", decision_id,
                &json!({ "ticket": "CHG-20417", "approval": cab, "commit": "c41f7e2", "pipeline": ".ci/deploy.yml" })),
            "ext": { "checks": ["change_ticket_approved", "in_change_window", "pipeline_change_reviewed", "signing_key_in_kms"] },
        }),
    );
    let sign = s.ev(
        CI,
        "13:04:18",
        "tool.call",
        json!({
            "actor": deployer, "initiator": amara, "onBehalfOf": [amara], "parent": gate,
            "decisionRef": decision_id, "credential": { "tokenId": oidc },
            "tool": tool("cosign", sign_args),
        }),
    );
    s.ev(
        CI,
        "13:04:20",
        "side_effect",
        json!({
            "actor": deployer, "initiator": amara, "onBehalfOf": [amara], "parent": sign,
            "change": change("oci://registry.fernhill.example/payments/payments-api:2.41.1", "create",
                "signature and SPDX SBOM attached to payments-api 2.41.1", None,
                Some("payments-api@sha256:5b1f0e7c signed, sbom attached")),
        }),
    );
    s.ev(
        ARGOCD,
        "13:06:55",
        "credential.use",
        json!({
            "actor": deployer, "parent": gate,
            "credential": { "tokenId": oidc, "issuer": "https://ci.fernhill.example/oidc", "subject": "repo:fernhill/payments-api:ref:refs/heads/main:pipeline:deploy" },
        }),
    );
    s.mark("argocd-authn");
    let synced = s.ev(
        ARGOCD,
        "13:06:57",
        "side_effect",
        json!({
            "actor": deployer, "initiator": amara, "onBehalfOf": [amara], "parent": gate,
            "approvalRef": cab, "decisionRef": decision_id, "credential": { "tokenId": oidc },
            "change": change("argocd://applications/payments-api-prod", "sync",
                "payments-api 2.41.0 -> 2.41.1 (signed image; rollout 4/4 pods healthy)",
                Some("payments-api-prod 2.41.0"), Some("payments-api-prod 2.41.1")),
        }),
    );
    s.ev(
        ITSM,
        "13:09:02",
        "system",
        json!({
            "actor": system(ITSM, "Change management"), "parent": synced,
            "ext": { "ticket": "CHG-20417", "state": "Implemented", "closeCode": "successful" },
        }),
    );
}
