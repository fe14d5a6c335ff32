//! Approval chains and their sign-off. A chain is found by its approval ID: the
//! approval request, the human decision, the actions that rest on the approval, and
//! the side effects those caused. Access reviewers approve, reject, flag or reassign
//! each chain, step by step, under separation of duties.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;
use sha2::{Digest, Sha256};

use model::{
    ApprovalChain, BundleChains, BundleStatus, CannotSign, ChainLink, ChainStatus, Reviewer, Role,
    Signoff, SignoffDecision,
};

use crate::review_log::{Actor, Entry, Recorder, ServerKey};
use crate::{Db, StoreError};

/// The setting holding how many approving steps a chain needs.
pub const STEPS_SETTING: &str = "signoff_steps";
/// The most steps that can be configured.
pub const MAX_STEPS: u32 = 5;

/// Why a sign-off was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignoffError {
    /// No such bundle or chain.
    #[error("{0}")]
    NotFound(String),
    /// A rule forbids it; the text names the rule.
    #[error("{0}")]
    Refused(String),
    /// The request cannot be used; the text says why.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store_error!(SignoffError);

/// How many approving steps each chain needs (1 unless an admin set more).
pub async fn steps(db: &Db) -> Result<u32, StoreError> {
    let value: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
        .bind(STEPS_SETTING)
        .fetch_optional(db.pool())
        .await?;
    Ok(value
        .and_then(|(v,)| v.parse().ok())
        .filter(|n| (1..=MAX_STEPS).contains(n))
        .unwrap_or(1))
}

/// Sets how many approving steps each chain needs, as `admin`.
pub async fn set_steps(
    db: &Db,
    key: &ServerKey,
    admin: &Reviewer,
    n: u32,
) -> Result<(), SignoffError> {
    if !(1..=MAX_STEPS).contains(&n) {
        return Err(SignoffError::Invalid(format!("steps are 1 to {MAX_STEPS}")));
    }
    let mut rec = Recorder::begin(db, key).await?;
    crate::put_setting(rec.conn(), STEPS_SETTING, &n.to_string()).await?;
    rec.append(Entry {
        actor: Actor::Reviewer(admin),
        action: "setting",
        incident: None,
        bundle: None,
        event: None,
        summary: format!("approval chains need {n} sign-off step(s)"),
        details: json!({ "setting": STEPS_SETTING, "value": n }),
    })
    .await?;
    rec.commit().await?;
    Ok(())
}

/// What chains are found in: an event's place, ids and links.
#[derive(sqlx::FromRow)]
struct EventRow {
    idx: i64,
    event_id: Option<String>,
    kind: Option<String>,
    parent: Option<String>,
    approval_id: Option<String>,
    actor_id: Option<String>,
    time: Option<String>,
    summary: Option<String>,
    digest: String,
}

/// The chains of `bundle`, found in its readable events, without sign-offs.
async fn find_chains(
    db: &Db,
    bundle: &str,
) -> Result<Vec<(String, Vec<ChainLink>, Option<String>)>, StoreError> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT idx, event_id, kind, parent, approval_id, actor_id, time, summary, digest \
         FROM events WHERE bundle_sha256 = $1 AND kind IS NOT NULL ORDER BY idx",
    )
    .bind(bundle)
    .fetch_all(db.pool())
    .await?;
    Ok(chains_of(&rows))
}

fn chains_of(rows: &[EventRow]) -> Vec<(String, Vec<ChainLink>, Option<String>)> {
    let by_id: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.event_id.as_deref().map(|id| (id, i)))
        .collect();
    let mut chains: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(approval) = r.approval_id.as_deref() {
            chains.entry(approval).or_default().push(i);
        }
    }
    // Side effects join the chain of the nearest ancestor that rests on an approval.
    for (i, r) in rows.iter().enumerate() {
        if r.kind.as_deref() != Some("side_effect") || r.approval_id.is_some() {
            continue;
        }
        let mut seen = HashSet::new();
        let mut at = r.parent.as_deref();
        while let Some(parent) = at {
            if !seen.insert(parent) {
                break;
            }
            let Some(&p) = by_id.get(parent) else { break };
            if let Some(approval) = rows.get(p).and_then(|row| row.approval_id.as_deref()) {
                chains.entry(approval).or_default().push(i);
                break;
            }
            at = rows.get(p).and_then(|row| row.parent.as_deref());
        }
    }
    chains
        .into_iter()
        .filter_map(|(approval, mut members)| {
            members.sort_unstable();
            members.dedup();
            let links: Vec<ChainLink> = members
                .iter()
                .filter_map(|&i| rows.get(i))
                .map(|r| ChainLink {
                    index: u64::try_from(r.idx).unwrap_or_default(),
                    kind: r.kind.clone().unwrap_or_default(),
                    summary: r.summary.clone().unwrap_or_default(),
                    actor: r.actor_id.clone().unwrap_or_default(),
                    time: r.time.clone().unwrap_or_default(),
                    digest: r.digest.clone(),
                })
                .collect();
            // A chain is an approval with something resting on it or deciding it.
            let decided = links
                .iter()
                .find(|l| l.kind == "approval.decision")
                .map(|l| l.summary.clone());
            (links.len() > 1).then(|| (approval.to_owned(), links, decided))
        })
        .collect()
}

/// SHA-256 (hex) over the digests of `links`, in order: what a sign-off binds.
pub fn chain_digest(links: &[ChainLink]) -> String {
    let mut hasher = Sha256::new();
    for link in links {
        hasher.update(hex::decode(&link.digest).unwrap_or_default());
    }
    hex::encode(hasher.finalize())
}

fn status(signoffs: &[Signoff], steps: u32) -> ChainStatus {
    let filled: Vec<&Signoff> = signoffs
        .iter()
        .filter(|s| s.decision.fills_step())
        .collect();
    if filled.iter().any(|s| s.decision == SignoffDecision::Reject) {
        ChainStatus::Rejected
    } else if filled.len() >= steps as usize {
        ChainStatus::Approved
    } else {
        ChainStatus::Pending
    }
}

/// A `signoffs` row as [`of_bundle`] reads it.
#[derive(sqlx::FromRow)]
struct SignoffRow {
    chain: String,
    step: i64,
    decision: String,
    justification: String,
    reassigned_to: Option<String>,
    reviewer: String,
    created_at: String,
    chain_digest: String,
    log_seq: i64,
    steps_required: Option<i64>,
}

/// A bundle's approval chains with their sign-offs; `None` when there is no such bundle.
pub async fn of_bundle(db: &Db, bundle: &str) -> Result<Option<BundleChains>, StoreError> {
    let found: Option<(String, Option<String>)> =
        sqlx::query_as("SELECT status, uploaded_by FROM bundles WHERE sha256 = $1")
            .bind(bundle)
            .fetch_optional(db.pool())
            .await?;
    let Some((bundle_status, uploaded_by)) = found else {
        return Ok(None);
    };
    let steps = steps(db).await?;
    let rows: Vec<SignoffRow> = sqlx::query_as(
        "SELECT chain, step, decision, justification, reassigned_to, reviewer, created_at, \
         chain_digest, log_seq, steps_required FROM signoffs WHERE bundle_sha256 = $1 \
         ORDER BY log_seq",
    )
    .bind(bundle)
    .fetch_all(db.pool())
    .await?;
    let mut by_chain: HashMap<String, Vec<Signoff>> = HashMap::new();
    for SignoffRow {
        chain,
        step,
        decision,
        justification,
        reassigned_to,
        reviewer,
        created_at,
        chain_digest: digest,
        log_seq: seq,
        steps_required,
    } in rows
    {
        let decision = SignoffDecision::parse(&decision).ok_or(StoreError::Corrupt {
            column: "signoffs.decision",
            value: decision,
        })?;
        by_chain.entry(chain).or_default().push(Signoff {
            step: u32::try_from(step).unwrap_or_default(),
            decision,
            justification,
            reassigned_to,
            reviewer,
            created_at,
            chain_digest: digest,
            log_seq: u64::try_from(seq).unwrap_or_default(),
            steps_required: steps_required.and_then(|n| u32::try_from(n).ok()),
        });
    }
    let chains = find_chains(db, bundle)
        .await?
        .into_iter()
        .map(|(approval_id, links, decided)| {
            let signoffs = by_chain.remove(&approval_id).unwrap_or_default();
            // Fixed by the chain's first sign-off; the setting in force for the rest.
            let steps = signoffs
                .first()
                .and_then(|s| s.steps_required)
                .unwrap_or(steps);
            ApprovalChain {
                digest: chain_digest(&links),
                status: status(&signoffs, steps),
                approval_id,
                links,
                decided,
                steps,
                signoffs,
            }
        })
        .collect();
    let verdict = BundleStatus::parse(&bundle_status).ok_or(StoreError::Corrupt {
        column: "bundles.status",
        value: bundle_status.clone(),
    })?;
    let blocked = (!verdict.holds()).then(|| {
        format!(
            "this bundle did not verify ({}): nothing in it can be signed off",
            verdict.label()
        )
    });
    let uploaders: Vec<(String,)> = sqlx::query_as(
        "SELECT actor FROM review_log WHERE action = 'upload' AND bundle_sha256 = $1 \
         UNION SELECT uploaded_by FROM bundles WHERE sha256 = $1 AND uploaded_by IS NOT NULL",
    )
    .bind(bundle)
    .fetch_all(db.pool())
    .await?;
    Ok(Some(BundleChains {
        chains,
        uploaded_by,
        uploaders: uploaders.into_iter().map(|(u,)| u).collect(),
        blocked,
        viewer: None,
    }))
}

/// What an access reviewer answers on a chain.
#[derive(Clone, Debug)]
pub struct NewSignoff {
    /// The chain's approval ID.
    pub chain: String,
    /// The chain digest the reviewer saw: refused if the chain is no longer that.
    pub chain_digest: String,
    /// The answer.
    pub decision: SignoffDecision,
    /// Why (required).
    pub justification: String,
    /// For a reassignment: the access reviewer it goes to.
    pub reassign_to: Option<String>,
}

/// Records `reviewer`'s sign-off, enforcing separation of duties: the reviewer must
/// be an access reviewer, must not have uploaded the bundle, and must not have filled
/// another step of the chain; the bundle must have verified; the chain must still be
/// open and be exactly what the reviewer saw.
pub async fn sign_off(
    db: &Db,
    key: &ServerKey,
    reviewer: &Reviewer,
    bundle: &str,
    new: NewSignoff,
) -> Result<Signoff, SignoffError> {
    if reviewer.role != Role::AccessReviewer {
        return Err(SignoffError::Refused(
            CannotSign::NotAccessReviewer.reason().to_owned(),
        ));
    }
    let justification = new.justification.trim().to_owned();
    if justification.is_empty() {
        return Err(SignoffError::Invalid("a justification is required".into()));
    }
    if justification.chars().count() > crate::annotations::MAX_TEXT {
        return Err(SignoffError::Invalid(
            "the justification is too long".into(),
        ));
    }
    // Checked once every other append has committed: the recorder holds the log.
    let mut rec = Recorder::begin(db, key).await?;
    let chains = of_bundle(db, bundle)
        .await?
        .ok_or_else(|| SignoffError::NotFound(format!("no bundle {bundle}")))?;
    if let Some(why) = &chains.blocked {
        return Err(SignoffError::Refused(why.clone()));
    }
    let chain = chains
        .chains
        .iter()
        .find(|c| c.approval_id == new.chain)
        .ok_or_else(|| {
            SignoffError::NotFound(format!("no approval chain {:?} in this bundle", new.chain))
        })?;
    if chain.digest != new.chain_digest {
        return Err(SignoffError::Refused(
            "the chain is not the one you reviewed (its digest differs); reload it".into(),
        ));
    }
    if let Some(rule) = chains.refusal(chain, reviewer, new.decision) {
        return Err(SignoffError::Refused(rule.reason().to_owned()));
    }
    let reassign_to = match (new.decision, new.reassign_to.as_deref().map(str::trim)) {
        (SignoffDecision::Reassign, Some(to)) if !to.is_empty() => {
            let found = crate::users::get(db, to).await?;
            match found {
                Some(a)
                    if a.role == Role::AccessReviewer
                        && a.disabled_at.is_none()
                        && a.username != reviewer.username =>
                {
                    Some(a.username)
                }
                _ => {
                    return Err(SignoffError::Invalid(format!(
                        "{to:?} is not another enabled access reviewer"
                    )))
                }
            }
        }
        (SignoffDecision::Reassign, _) => {
            return Err(SignoffError::Invalid(
                "say whom to reassign the chain to".into(),
            ))
        }
        _ => None,
    };
    let step = u32::try_from(
        chain
            .signoffs
            .iter()
            .filter(|s| s.decision.fills_step())
            .count(),
    )
    .unwrap_or(u32::MAX)
    .saturating_add(1);
    let incident: (i64,) = sqlx::query_as("SELECT incident_id FROM bundles WHERE sha256 = $1")
        .bind(bundle)
        .fetch_one(db.pool())
        .await?;
    let seq = rec
        .append(Entry {
            actor: Actor::Reviewer(reviewer),
            action: "signoff",
            incident: Some(incident.0),
            bundle: Some(bundle),
            event: None,
            summary: format!(
                "chain {}: {} (step {step} of {})",
                chain.approval_id,
                new.decision.as_str(),
                chain.steps
            ),
            details: json!({
                "chain": chain.approval_id,
                "chainDigest": chain.digest,
                "step": step,
                "decision": new.decision.as_str(),
                "justification": justification,
                "reassignedTo": reassign_to,
                "stepsRequired": chain.steps,
            }),
        })
        .await?;
    let at = crate::now();
    sqlx::query(
        "INSERT INTO signoffs (bundle_sha256, chain, chain_digest, step, decision, justification, \
         reassigned_to, reviewer, created_at, log_seq, steps_required) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(bundle)
    .bind(&chain.approval_id)
    .bind(&chain.digest)
    .bind(i64::from(step))
    .bind(new.decision.as_str())
    .bind(&justification)
    .bind(reassign_to.as_deref())
    .bind(&reviewer.username)
    .bind(&at)
    .bind(i64::try_from(seq).unwrap_or_default())
    .bind(i64::from(chain.steps))
    .execute(rec.conn())
    .await?;
    rec.commit().await?;
    Ok(Signoff {
        step,
        decision: new.decision,
        justification,
        reassigned_to: reassign_to,
        reviewer: reviewer.username.clone(),
        created_at: at,
        chain_digest: chain.digest.clone(),
        log_seq: seq,
        steps_required: Some(chain.steps),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        idx: i64,
        id: &str,
        kind: &str,
        parent: Option<&str>,
        approval: Option<&str>,
    ) -> EventRow {
        EventRow {
            idx,
            event_id: Some(id.to_owned()),
            kind: Some(kind.to_owned()),
            parent: parent.map(str::to_owned),
            approval_id: approval.map(str::to_owned),
            actor_id: Some("actor".to_owned()),
            time: Some("2026-01-01T00:00:00Z".to_owned()),
            summary: Some(kind.to_owned()),
            digest: format!("{idx:064x}"),
        }
    }

    #[test]
    fn a_chain_is_an_approval_what_rests_on_it_and_the_side_effects_below() {
        let rows = vec![
            row(0, "req", "request", None, None),
            row(1, "ask", "approval.request", Some("req"), Some("ap-1")),
            row(2, "yes", "approval.decision", Some("ask"), Some("ap-1")),
            row(3, "call", "tool.call", Some("yes"), Some("ap-1")),
            row(4, "http", "http.request", Some("call"), None),
            row(5, "change", "side_effect", Some("http"), None),
            // Unrelated: no approval above it.
            row(6, "other", "side_effect", Some("req"), None),
            // An approval nothing rests on or decides is not a chain.
            row(7, "lonely", "approval.request", None, Some("ap-2")),
            // A parent loop ends the walk.
            row(8, "a", "side_effect", Some("b"), None),
            row(9, "b", "tool.call", Some("a"), None),
        ];
        let chains = chains_of(&rows);
        assert_eq!(chains.len(), 1);
        let (approval, links, decided) = &chains[0];
        assert_eq!(approval, "ap-1");
        let indexes: Vec<u64> = links.iter().map(|l| l.index).collect();
        assert_eq!(indexes, vec![1, 2, 3, 5]);
        assert_eq!(decided.as_deref(), Some("approval.decision"));
        // The digest covers exactly these events, in order.
        let other_order: Vec<ChainLink> = links.iter().rev().cloned().collect();
        assert_ne!(chain_digest(links), chain_digest(&other_order));
        assert_eq!(chain_digest(links).len(), 64);
    }

    #[test]
    fn a_step_is_filled_by_approve_or_reject_only() {
        let s = |decision| Signoff {
            step: 1,
            decision,
            justification: String::new(),
            reassigned_to: None,
            reviewer: "r".into(),
            created_at: String::new(),
            chain_digest: String::new(),
            log_seq: 0,
            steps_required: None,
        };
        assert_eq!(status(&[], 1), ChainStatus::Pending);
        assert_eq!(
            status(&[s(SignoffDecision::Flag), s(SignoffDecision::Reassign)], 1),
            ChainStatus::Pending
        );
        assert_eq!(
            status(&[s(SignoffDecision::Approve)], 1),
            ChainStatus::Approved
        );
        assert_eq!(
            status(&[s(SignoffDecision::Approve)], 2),
            ChainStatus::Pending
        );
        assert_eq!(
            status(
                &[s(SignoffDecision::Approve), s(SignoffDecision::Reject)],
                2
            ),
            ChainStatus::Rejected
        );
    }
}
