//! An [`Account`] in words: [`Sentences`], the seven answers as every screen and
//! export states them.

use serde::{Deserialize, Serialize};

use crate::event::Provenance;

use super::{
    Account, ApprovalFacts, Authority, CredentialFacts, CredentialState, Intended, IntentSource,
    NoIntent, Otherwise, Party,
};
use crate::event::{Kind, Outcome};
use crate::findings::rules;

/// The six answers of an account as a reviewer reads them: the same sentences on
/// every screen and in every export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sentences {
    /// Who intended it.
    pub intended: String,
    /// Who executed it, and through what.
    pub executed: String,
    /// Under which credential, and its state then.
    pub credential: String,
    /// On which policy decision.
    pub authority: String,
    /// With which approval.
    pub approval: String,
    /// What changed.
    pub change: String,
    /// Who vouches for the side effect's record.
    pub provenance: String,
}

impl Sentences {
    /// The answers with their headings, in order.
    pub fn fields(&self) -> [(&'static str, &str); 7] {
        [
            ("Intended by", &self.intended),
            ("Executed by", &self.executed),
            ("Credential", &self.credential),
            ("Authority", &self.authority),
            ("Approval", &self.approval),
            ("What changed", &self.change),
            ("Provenance", &self.provenance),
        ]
    }
}

/// `#n`: how an account names an event (its bundle position).
fn at(position: usize) -> String {
    format!("#{position}")
}

/// Seconds as people read them: `943 s (15 min 43 s)`.
fn duration(seconds: i64) -> String {
    let (m, s) = (seconds / 60, seconds % 60);
    match (seconds.abs() >= 60, m >= 60) {
        (false, _) => format!("{seconds} s"),
        (true, false) => format!("{seconds} s ({m} min {s} s)"),
        (true, true) => format!("{seconds} s ({} h {} min {s} s)", m / 60, m % 60),
    }
}

fn times(text: &str) -> String {
    crate::time::readable(text)
}

impl Account {
    /// The account in words.
    pub fn sentences(&self) -> Sentences {
        Sentences {
            intended: self.intended_text(),
            executed: self.executed_text(),
            credential: self.credential_text(),
            authority: self.authority_text(),
            approval: self.approval_text(),
            change: self.change_text(),
            provenance: self.provenance_text(),
        }
    }

    fn provenance_text(&self) -> String {
        match self.provenance {
            Provenance::Signed => "signed by its emitter".to_owned(),
            p => format!(
                "{}: no party that acted signed this record; the collector vouches that it was reported, not that it happened",
                p.label()
            ),
        }
    }

    fn intended_text(&self) -> String {
        match &self.intended {
            Intended::Recorded {
                by,
                source,
                position,
                hops,
            } => {
                let source = match source {
                    IntentSource::Initiator => "initiator",
                    IntentSource::OnBehalfOf => "onBehalfOf",
                    IntentSource::Request => "request",
                };
                let via = if hops.len() > 1 {
                    let chain: Vec<String> = hops.iter().map(Party::label).collect();
                    format!("; {}", chain.join(" → "))
                } else {
                    String::new()
                };
                format!("{} ({source} on {}){via}", by.label_with_kind(), at(*position))
            }
            Intended::NotRecorded { why } => match why {
                NoIntent::NoInitiator => "not recorded: neither the side effect nor any event it follows from names an initiator, onBehalfOf or a human's request".to_owned(),
                NoIntent::SharedAccount { listed, tokens, others } => {
                    let account = if *listed { "an account the policy lists as shared" } else { "a service account" };
                    let mut text = format!("not recorded: it was made through {account} with no initiator and no onBehalfOf on it or on any event it follows from");
                    if !others.is_empty() {
                        let names: Vec<String> = others.iter().map(|(p, pos)| format!("{} ({})", p.label(), at(*pos))).collect();
                        text.push_str(&format!(
                            "; before it, {} other identit{} read or used its credential {}: {}",
                            others.len(),
                            if others.len() == 1 { "y" } else { "ies" },
                            rules::list(tokens),
                            rules::list(&names)
                        ));
                    }
                    text
                }
            },
        }
    }

    fn executed_text(&self) -> String {
        let mut text = self.executed.by.label_with_kind();
        if !self.executed.path.is_empty() {
            let steps: Vec<String> = self
                .executed
                .path
                .iter()
                .map(|s| {
                    let what = match s.kind {
                        Kind::TaskDelegate => format!("delegated to {}", s.target),
                        Kind::ToolCall => format!("called {}", s.target),
                        _ => format!("sent {}", s.target),
                    };
                    format!("{} {what} ({})", s.actor.label(), at(s.position))
                })
                .collect();
            text.push_str(&format!(", after: {}", steps.join("; ")));
        }
        text
    }

    fn credential_text(&self) -> String {
        match &self.credential {
            CredentialFacts::NotRecorded => {
                "not recorded: the side effect names no credential".to_owned()
            }
            CredentialFacts::Presented {
                token_id,
                issuer,
                subject,
                scope,
                issued_at,
                expires_at,
                states,
            } => {
                let or_not =
                    |v: &Option<String>| v.clone().unwrap_or_else(|| "not recorded".into());
                let scope = scope.as_ref().map_or_else(
                    || "not recorded".to_owned(),
                    |s| format!("[{}]", s.join(", ")),
                );
                let window = match (issued_at, expires_at) {
                    (None, None) => "no event states when it was issued or expires".to_owned(),
                    (i, x) => format!(
                        "issued {}, expires {}",
                        i.as_deref().map_or_else(|| "not recorded".into(), times),
                        x.as_deref().map_or_else(|| "not recorded".into(), times)
                    ),
                };
                let state: Vec<String> = states
                    .iter()
                    .map(|s| match s {
                        CredentialState::Valid => format!("valid at the time ({window})"),
                        CredentialState::ValidityNotStated => format!(
                            "validity not recorded ({window}; no revocation of it in the bundle)"
                        ),
                        CredentialState::NotYetIssued { issued_at } => {
                            format!("NOT YET ISSUED: issued only at {}", times(issued_at))
                        }
                        CredentialState::Expired { expired_at } => {
                            format!("EXPIRED at {}", times(expired_at))
                        }
                        CredentialState::Revoked {
                            revoked_at,
                            by,
                            position,
                        } => format!(
                            "REVOKED at {} by {} ({})",
                            times(revoked_at),
                            by.label(),
                            at(*position)
                        ),
                    })
                    .collect();
                let problems = !matches!(
                    states.as_slice(),
                    [CredentialState::Valid | CredentialState::ValidityNotStated]
                );
                let mut text = format!(
                    "{token_id}: issuer {}; subject {}; scope {scope}; {}",
                    or_not(issuer),
                    or_not(subject),
                    state.join("; ")
                );
                if problems {
                    text.push_str(&format!(" ({window})"));
                }
                text
            }
        }
    }

    fn authority_text(&self) -> String {
        match &self.authority {
            Authority::Decision {
                position,
                engine,
                policy_id,
                policy_version,
                decision,
                decision_id,
                time,
                denied_before,
            } => {
                let mut text = format!(
                    "{} by {engine} policy {policy_id} version {policy_version} (decision {decision_id}, {}, {})",
                    decision.as_str(),
                    times(time),
                    at(*position)
                );
                if let Some(d) = denied_before {
                    text.push_str(&format!("; a deny preceded it ({})", at(*d)));
                }
                text
            }
            Authority::Absent { decision_id } => format!(
                "not recorded: it cites policy decision {decision_id}, which is not in the bundle"
            ),
            Authority::NotRecorded { otherwise } => {
                let tail = match otherwise {
                    Otherwise::Approval => "; it rests on an approval instead",
                    Otherwise::HumanDelegation => "; it follows from a human's delegation instead",
                    Otherwise::Nothing => "",
                };
                format!("no policy decision recorded: neither it nor any event it follows from cites one{tail}")
            }
        }
    }

    fn approval_text(&self) -> String {
        match &self.approval {
            ApprovalFacts::NotNeeded => "none needed: the resource matches no approval-required pattern and it cites no approval".to_owned(),
            ApprovalFacts::Approved {
                approval_id,
                approver,
                decided_at,
                position,
                late_by_seconds,
                requested_by,
                approver_executed,
                approver_requested,
            } => {
                let when = match late_by_seconds {
                    None => "before the side effect".to_owned(),
                    Some(s) => format!("LATE: {} after the side effect", duration(*s)),
                };
                let asked = requested_by
                    .as_ref()
                    .map_or_else(String::new, |r| format!("; requested by {}", r.label()));
                let duties = match (approver_requested, approver_executed) {
                    (true, true) => "; the approver also asked for it and executed it",
                    (true, false) => "; the approver also asked for it",
                    (false, true) => "; the approver also executed it",
                    (false, false) => "",
                };
                format!(
                    "{approval_id} approved by {} at {} ({}), {when}{asked}{duties}",
                    approver.label(),
                    times(decided_at),
                    at(*position)
                )
            }
            ApprovalFacts::Rejected {
                approval_id,
                by,
                decided_at,
                position,
            } => format!(
                "{approval_id} REJECTED by {} at {} ({}), and approved nowhere",
                by.label(),
                times(decided_at),
                at(*position)
            ),
            ApprovalFacts::Missing {
                needed_because,
                approval_ids,
            } => {
                let cited = if approval_ids.is_empty() {
                    "it rests on no approval".to_owned()
                } else {
                    format!("no decision on {} is in the bundle", approval_ids.join(", "))
                };
                format!("MISSING: needed because {needed_because}, but {cited}")
            }
        }
    }

    fn change_text(&self) -> String {
        let c = &self.change;
        let outcome = match c.outcome {
            Outcome::Success => "success",
            Outcome::Failure => "FAILED",
        };
        let mut text = format!("{} {} ({outcome})", c.operation, c.resource);
        if let Some(s) = &c.summary {
            text.push_str(&format!(": {s}"));
        }
        text.push_str(&format!(
            "; before {}; after {}",
            c.before_hash.as_deref().unwrap_or("not recorded"),
            c.after_hash.as_deref().unwrap_or("not recorded")
        ));
        text
    }
}
