//! The framework controls each rule bears on: a static table, listed per rule in
//! `docs/findings.md`.

use super::{Control, Framework, Rule};

const fn c(framework: Framework, id: &'static str, title: &'static str) -> Control {
    Control {
        framework,
        id,
        title,
    }
}

use Framework::{Nist800207, NistAiRmf, NistCsf, OwaspAgentic, OwaspNhi};

const ASI01: Control = c(OwaspAgentic, "ASI01", "Agent Goal Hijack");
const ASI02: Control = c(OwaspAgentic, "ASI02", "Tool Misuse and Exploitation");
const ASI03: Control = c(OwaspAgentic, "ASI03", "Identity and Privilege Abuse");
const ASI05: Control = c(OwaspAgentic, "ASI05", "Unexpected Code Execution");
const ASI07: Control = c(OwaspAgentic, "ASI07", "Insecure Inter-Agent Communication");
const ASI09: Control = c(OwaspAgentic, "ASI09", "Human-Agent Trust Exploitation");
const ASI10: Control = c(OwaspAgentic, "ASI10", "Rogue Agents");

const NHI1: Control = c(OwaspNhi, "NHI1", "Improper Offboarding");
const NHI2: Control = c(OwaspNhi, "NHI2", "Secret Leakage");
const NHI4: Control = c(OwaspNhi, "NHI4", "Insecure Authentication");
const NHI5: Control = c(OwaspNhi, "NHI5", "Overprivileged NHI");
const NHI7: Control = c(OwaspNhi, "NHI7", "Long-Lived Secrets");
const NHI9: Control = c(OwaspNhi, "NHI9", "NHI Reuse");
const NHI10: Control = c(OwaspNhi, "NHI10", "Human Use of NHI");

const GOVERN_1_4: Control = c(
    NistAiRmf,
    "GOVERN 1.4",
    "Risk management process and outcomes are established through transparent policies, procedures and controls",
);
const GOVERN_1_5: Control = c(
    NistAiRmf,
    "GOVERN 1.5",
    "Ongoing monitoring and periodic review of the risk management process",
);
const GOVERN_2_1: Control = c(
    NistAiRmf,
    "GOVERN 2.1",
    "Roles and responsibilities and lines of communication are documented and clear",
);
const GOVERN_3_2: Control = c(
    NistAiRmf,
    "GOVERN 3.2",
    "Policies define roles and responsibilities for human-AI configurations and oversight",
);
const GOVERN_6_1: Control = c(
    NistAiRmf,
    "GOVERN 6.1",
    "Policies address AI risks from third-party entities",
);

const DE_CM_03: Control = c(
    NistCsf,
    "DE.CM-03",
    "Personnel activity and technology usage are monitored",
);
const DE_CM_09: Control = c(
    NistCsf,
    "DE.CM-09",
    "Computing hardware and software, runtime environments, and their data are monitored",
);

const TENET_3: Control = c(
    Nist800207,
    "Tenet 3",
    "Access to individual enterprise resources is granted on a per-session basis",
);
const TENET_4: Control = c(
    Nist800207,
    "Tenet 4",
    "Access is determined by dynamic policy",
);
const TENET_6: Control = c(
    Nist800207,
    "Tenet 6",
    "All resource authentication and authorization are dynamic and strictly enforced before access is allowed",
);
const TENET_7: Control = c(
    Nist800207,
    "Tenet 7",
    "The enterprise collects as much information as possible about the current state of assets, network infrastructure and communications and uses it to improve its security posture",
);

/// The controls a finding of `rule` bears on.
pub(super) fn controls(rule: Rule) -> &'static [Control] {
    match rule {
        Rule::SharedAccount => &[ASI03, NHI9, NHI10, GOVERN_2_1, DE_CM_03],
        Rule::ApprovalMissing => &[ASI02, ASI09, GOVERN_3_2, TENET_6],
        Rule::ApprovalLate => &[ASI09, GOVERN_3_2, TENET_6, DE_CM_03],
        Rule::CredentialBeforeIssue => &[NHI4, ASI03, TENET_6, DE_CM_09],
        Rule::CredentialExpired => &[NHI7, NHI4, TENET_3, TENET_6],
        Rule::CredentialRevoked => &[NHI1, NHI4, ASI03, TENET_4, TENET_6],
        Rule::CredentialMisused => &[ASI03, NHI9, NHI10, NHI2, DE_CM_03],
        Rule::ScopeWidened => &[ASI03, NHI5, ASI07, TENET_3],
        Rule::DecisionMissing => &[ASI02, GOVERN_1_4, TENET_4, TENET_6],
        Rule::DecisionLate => &[GOVERN_1_4, TENET_6, DE_CM_09],
        Rule::DecisionAbsent => &[GOVERN_1_4, TENET_7, DE_CM_09],
        Rule::NoExecutor => &[ASI01, ASI05, ASI02, GOVERN_3_2],
        Rule::ChainBroken => &[DE_CM_09, TENET_7, GOVERN_1_5],
        Rule::SequenceGap => &[DE_CM_09, TENET_7, GOVERN_1_5],
        Rule::ClockInversion => &[DE_CM_09, TENET_7],
        Rule::OutsideTimeRange => &[DE_CM_09, TENET_7, GOVERN_1_5],
        Rule::Unsigned => &[NHI4, ASI07, DE_CM_09, TENET_7],
        Rule::Untrusted => &[NHI1, NHI4, GOVERN_6_1, TENET_7],
        Rule::NoSeparation => &[ASI03, ASI10, GOVERN_2_1, GOVERN_3_2],
        Rule::UnsignedProvenance => &[GOVERN_6_1, DE_CM_09, TENET_7],
        Rule::Unreconciled => &[ASI10, DE_CM_09, GOVERN_1_5, TENET_7],
    }
}
