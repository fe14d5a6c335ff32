//! A reviewer's own work, by the duties of their role: the chains an access
//! reviewer may sign, a compliance reviewer's incidents and the findings awaiting a
//! disposition, and for auditors and admins what was stored and exported lately.

use chrono::{DateTime, Utc};

use model::{AwaitingFinding, AwaitingSignoff, MyWork, Reviewer, Role, SignoffDecision};

use crate::IngestOptions;
use crate::{Db, StoreError};

/// How many recent bundles and exports an auditor's page lists.
pub const RECENT: usize = 20;

/// What awaits `who` now (`now` dates the waits).
pub async fn of(
    db: &Db,
    who: &Reviewer,
    options: IngestOptions,
    now: DateTime<Utc>,
) -> Result<MyWork, StoreError> {
    let mut work = MyWork::default();
    match who.role {
        Role::AccessReviewer => work.signoffs = Some(signoffs(db, who, now).await?),
        Role::ComplianceReviewer => {
            let assigned = crate::incidents::assigned_to(db, &who.username).await?;
            let mut findings = Vec::new();
            for incident in &assigned {
                let found = crate::findings::of_incident(db, incident.id, options).await?;
                findings.extend(
                    found
                        .items
                        .into_iter()
                        .filter(|f| f.disposition.is_none())
                        .map(|finding| AwaitingFinding {
                            incident_id: incident.id,
                            incident_title: incident.title.clone(),
                            finding,
                        }),
                );
            }
            work.assigned = Some(assigned);
            work.findings = Some(findings);
        }
        Role::Auditor | Role::Admin => {
            work.recent_bundles = Some(crate::bundles::recent(db, RECENT).await?);
            let exports = crate::review_log::list(
                db,
                &model::LogQuery {
                    action: Some("export".into()),
                    ..Default::default()
                },
            )
            .await?;
            work.recent_exports = Some(exports.entries.into_iter().take(RECENT).collect());
        }
    }
    Ok(work)
}

/// The chains `who` may approve or reject now, oldest wait first. A chain last
/// reassigned to another access reviewer awaits them, not `who`.
async fn signoffs(
    db: &Db,
    who: &Reviewer,
    now: DateTime<Utc>,
) -> Result<Vec<AwaitingSignoff>, StoreError> {
    let bundles: Vec<(String, String, i64, String, String)> = sqlx::query_as(
        "SELECT b.sha256, b.name, b.incident_id, i.title, b.ingested_at FROM bundles b \
         JOIN incidents i ON i.id = b.incident_id \
         WHERE b.status IN ('verified', 'verified_with_warnings') ORDER BY b.ingested_at, b.sha256",
    )
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::new();
    for (sha, name, incident_id, title, stored) in bundles {
        let Some(found) = crate::signoffs::of_bundle(db, &sha).await? else {
            continue;
        };
        for chain in &found.chains {
            if found
                .refusal(chain, who, SignoffDecision::Approve)
                .is_some()
            {
                continue;
            }
            let asked_of = chain
                .signoffs
                .iter()
                .rev()
                .take_while(|s| !s.decision.fills_step())
                .find(|s| s.decision == SignoffDecision::Reassign)
                .and_then(|s| s.reassigned_to.clone());
            if asked_of.as_ref().is_some_and(|to| *to != who.username) {
                continue;
            }
            let waiting_since = chain
                .signoffs
                .last()
                .map_or_else(|| stored.clone(), |s| s.created_at.clone());
            let waiting_secs = DateTime::parse_from_rfc3339(&waiting_since)
                .map(|t| (now - t.with_timezone(&Utc)).num_seconds())
                .unwrap_or_default();
            out.push(AwaitingSignoff {
                incident_id,
                incident_title: title.clone(),
                bundle: sha.clone(),
                bundle_name: name.clone(),
                decisions: found.open_decisions(chain, who),
                chain: chain.clone(),
                asked_of,
                waiting_since,
                waiting_secs,
            });
        }
    }
    out.sort_by_key(|a| std::cmp::Reverse(a.waiting_secs));
    Ok(out)
}
