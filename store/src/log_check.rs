//! The review log's integrity check: the log verified as a bundle under the
//! server's key, the state its entries replay to compared with the tables, and
//! every record a review action wrote (annotations, comments, sign-offs, finding
//! dispositions) compared with the entry that signed it.

use serde_json::{json, Value};

use model::LogIntegrity;

use crate::annotations::{AnnotationRow, ANNOTATION_COLUMNS};
use crate::review_log::{self, Read, ServerKey, Signed};
use crate::{Db, StoreError};

/// Checks the whole log: each entry's signature, chain link and inclusion, with the
/// same verification as any bundle; that the columns beside each entry say what its
/// signed payload says; and that every annotation, comment and sign-off matches the
/// entry that recorded it. Deleting or editing an entry or a record shows here.
pub async fn check(db: &Db, key: &ServerKey) -> Result<LogIntegrity, StoreError> {
    db.heavy(check_now(db, key)).await
}

async fn check_now(db: &Db, key: &ServerKey) -> Result<LogIntegrity, StoreError> {
    let Read {
        entries,
        head,
        signed,
        mut problems,
    } = review_log::read(db, key).await?;
    records_against_log(db, &signed, &mut problems).await?;
    crate::replay::check(db, &signed, &mut problems).await?;
    problems.extend(crate::tlog::check(db).await?);
    Ok(LogIntegrity {
        entries,
        intact: problems.is_empty(),
        problems,
        head,
        public_key: key.public_key().to_hex(),
    })
}

/// Adds to `problems` every annotation, comment or sign-off that does not match the
/// log entry that recorded it, and every such entry whose record is gone. `signed`
/// holds each entry's actor and signed review fields, by sequence number.
async fn records_against_log(
    db: &Db,
    signed: &Signed,
    problems: &mut Vec<String>,
) -> Result<(), StoreError> {
    let mut seen: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut compare = |table: &str, seq: i64, actor: &str, fields: Value| {
        seen.insert(seq);
        let Some((signed_actor, review)) = signed.get(&seq) else {
            problems.push(format!(
                "{table}: a record names entry {seq}, which is not in the log"
            ));
            return;
        };
        let mut expected = json!({ "actor": signed_actor, "bundle": review.get("bundle"),
                                   "event": review.get("event") });
        if let (Some(obj), Some(details)) = (
            expected.as_object_mut(),
            review.get("details").and_then(Value::as_object),
        ) {
            obj.extend(details.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let mut actual = json!({ "actor": actor });
        if let (Some(obj), Some(fields)) = (actual.as_object_mut(), fields.as_object()) {
            obj.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let matches = actual
            .as_object()
            .is_some_and(|a| a.iter().all(|(k, v)| expected.get(k) == Some(v)));
        if !matches {
            problems.push(format!(
                "{table}: the record of entry {seq} differs from what the entry signed"
            ));
        }
    };
    for (seq, reviewer, fields) in finding_records(db).await? {
        compare("finding_dispositions", seq, &reviewer, fields);
    }
    let annotations: Vec<AnnotationRow> =
        sqlx::query_as(&format!("SELECT {ANNOTATION_COLUMNS} FROM annotations"))
            .fetch_all(db.pool())
            .await?;
    for a in annotations {
        let tags: Value = serde_json::from_str(&a.tags).unwrap_or(Value::Null);
        compare(
            "annotations",
            a.log_seq,
            &a.author,
            json!({"bundle": a.bundle_sha256, "event": a.event_idx,
                   "responsibility": a.responsibility, "rationale": a.rationale, "tags": tags}),
        );
    }
    let comments: Vec<(String, i64, String, String, i64)> =
        sqlx::query_as("SELECT bundle_sha256, event_idx, body, author, log_seq FROM comments")
            .fetch_all(db.pool())
            .await?;
    for (bundle, event, body, author, seq) in comments {
        compare(
            "comments",
            seq,
            &author,
            json!({"bundle": bundle, "event": event, "body": body}),
        );
    }
    #[derive(sqlx::FromRow)]
    struct Signed {
        bundle_sha256: String,
        chain: String,
        chain_digest: String,
        step: i64,
        decision: String,
        justification: String,
        reassigned_to: Option<String>,
        reviewer: String,
        log_seq: i64,
        steps_required: Option<i64>,
    }
    let signoffs: Vec<Signed> = sqlx::query_as(
        "SELECT bundle_sha256, chain, chain_digest, step, decision, justification, \
             reassigned_to, reviewer, log_seq, steps_required FROM signoffs",
    )
    .fetch_all(db.pool())
    .await?;
    for s in signoffs {
        let mut fields = json!({"bundle": s.bundle_sha256, "chain": s.chain,
               "chainDigest": s.chain_digest, "step": s.step, "decision": s.decision,
               "justification": s.justification, "reassignedTo": s.reassigned_to});
        // Kept (and signed) since migration 0006; absent from older entries.
        if let (Some(n), Some(obj)) = (s.steps_required, fields.as_object_mut()) {
            obj.insert("stepsRequired".into(), json!(n));
        }
        compare("signoffs", s.log_seq, &s.reviewer, fields);
    }
    for (seq, (_, review)) in signed {
        let action = review
            .get("action")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if matches!(action, "annotation" | "comment" | "signoff" | "finding") && !seen.contains(seq)
        {
            problems.push(format!(
                "entry {seq} records a {action} whose record is gone"
            ));
        }
    }
    Ok(())
}

/// Every disposition as the review-log check compares it with its entry: its
/// entry, its reviewer and the fields the entry signed.
async fn finding_records(db: &Db) -> Result<Vec<(i64, String, Value)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Signed {
        bundle_sha256: String,
        finding_key: String,
        rule: String,
        decision: String,
        reason: String,
        reviewer: String,
        annotation_seq: Option<i64>,
        log_seq: i64,
    }
    let rows: Vec<Signed> = sqlx::query_as(
        "SELECT bundle_sha256, finding_key, rule, decision, reason, reviewer, \
         annotation_seq, log_seq FROM finding_dispositions",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.log_seq,
                r.reviewer,
                json!({"bundle": r.bundle_sha256, "finding": r.finding_key, "rule": r.rule,
                       "decision": r.decision, "reason": r.reason,
                       "annotationSeq": r.annotation_seq}),
            )
        })
        .collect())
}
