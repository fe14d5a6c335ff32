//! Responsibility annotations and comments on events. Both are only ever added:
//! a new annotation supersedes the one before it, and each is recorded in the review
//! log in the same transaction, with its content signed there.

use std::collections::HashMap;

use serde_json::json;

use model::{Annotation, Comment, EventReview, Responsibility, Reviewer};

use crate::review_log::{Actor, Entry, Recorder, ServerKey};
use crate::{Db, StoreError};

/// The longest rationale or comment, in characters.
pub const MAX_TEXT: usize = 10_000;
/// The most tags on one annotation.
pub const MAX_TAGS: usize = 20;

/// Why an annotation or comment was refused.
#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    /// The event is not in the bundle.
    #[error("no event {1} in bundle {0}")]
    NoEvent(String, u64),
    /// Something in the note cannot be used; the text says what.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store_error!(NoteError);

/// What a reviewer judges about an event.
#[derive(Clone, Debug)]
pub struct NewAnnotation {
    /// The judgement.
    pub responsibility: Responsibility,
    /// Why (required).
    pub rationale: String,
    /// Free tags.
    pub tags: Vec<String>,
}

/// The event's incident, when the bundle holds event `index`.
async fn event_incident(
    conn: &mut sqlx::AnyConnection,
    bundle: &str,
    index: u64,
) -> Result<i64, NoteError> {
    let idx = i64::try_from(index).map_err(|_| NoteError::NoEvent(bundle.to_owned(), index))?;
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT b.incident_id FROM events e JOIN bundles b ON b.sha256 = e.bundle_sha256 \
         WHERE e.bundle_sha256 = $1 AND e.idx = $2",
    )
    .bind(bundle)
    .bind(idx)
    .fetch_optional(&mut *conn)
    .await?;
    found
        .map(|(incident,)| incident)
        .ok_or_else(|| NoteError::NoEvent(bundle.to_owned(), index))
}

pub(crate) fn clean_text(text: &str, what: &str) -> Result<String, NoteError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(NoteError::Invalid(format!("a {what} is required")));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(NoteError::Invalid(format!(
            "a {what} has at most {MAX_TEXT} characters"
        )));
    }
    Ok(text.to_owned())
}

fn clean_tags(tags: &[String]) -> Result<Vec<String>, NoteError> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if tag.chars().count() > 64 {
            return Err(NoteError::Invalid("a tag has at most 64 characters".into()));
        }
        if !out.iter().any(|t| t == tag) {
            out.push(tag.to_owned());
        }
    }
    if out.len() > MAX_TAGS {
        return Err(NoteError::Invalid(format!("at most {MAX_TAGS} tags")));
    }
    Ok(out)
}

/// Records `reviewer`'s judgement on event `index` of `bundle`.
pub async fn annotate(
    db: &Db,
    key: &ServerKey,
    reviewer: &Reviewer,
    bundle: &str,
    index: u64,
    note: NewAnnotation,
) -> Result<Annotation, NoteError> {
    let mut rec = Recorder::begin(db, key).await?;
    let annotation = annotate_in(&mut rec, reviewer, bundle, index, note).await?;
    rec.commit().await?;
    Ok(annotation)
}

/// [`annotate`] inside `rec`'s transaction, for actions that record an annotation
/// with something else.
pub(crate) async fn annotate_in(
    rec: &mut Recorder<'_>,
    reviewer: &Reviewer,
    bundle: &str,
    index: u64,
    note: NewAnnotation,
) -> Result<Annotation, NoteError> {
    let rationale = clean_text(&note.rationale, "rationale")?;
    let tags = clean_tags(&note.tags)?;
    let incident = event_incident(rec.conn(), bundle, index).await?;
    let seq = rec
        .append(Entry {
            actor: Actor::Reviewer(reviewer),
            action: "annotation",
            incident: Some(incident),
            bundle: Some(bundle),
            event: Some(index),
            summary: format!(
                "event {index}: {}",
                note.responsibility.label().to_lowercase()
            ),
            details: json!({
                "responsibility": note.responsibility.as_str(),
                "rationale": rationale,
                "tags": tags,
            }),
        })
        .await?;
    let at = crate::now();
    sqlx::query(
        "INSERT INTO annotations (bundle_sha256, event_idx, responsibility, rationale, tags, \
         author, created_at, log_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(bundle)
    .bind(i64::try_from(index).unwrap_or_default())
    .bind(note.responsibility.as_str())
    .bind(&rationale)
    .bind(serde_json::to_string(&tags).unwrap_or_default())
    .bind(&reviewer.username)
    .bind(&at)
    .bind(i64::try_from(seq).unwrap_or_default())
    .execute(rec.conn())
    .await?;
    Ok(Annotation {
        bundle: bundle.to_owned(),
        event: index,
        responsibility: note.responsibility,
        rationale,
        tags,
        author: reviewer.username.clone(),
        created_at: at,
        log_seq: seq,
    })
}

/// Adds `reviewer`'s comment on event `index` of `bundle`.
pub async fn comment(
    db: &Db,
    key: &ServerKey,
    reviewer: &Reviewer,
    bundle: &str,
    index: u64,
    body: &str,
) -> Result<Comment, NoteError> {
    let body = clean_text(body, "comment")?;
    let mut rec = Recorder::begin(db, key).await?;
    let incident = event_incident(rec.conn(), bundle, index).await?;
    let seq = rec
        .append(Entry {
            actor: Actor::Reviewer(reviewer),
            action: "comment",
            incident: Some(incident),
            bundle: Some(bundle),
            event: Some(index),
            summary: format!("event {index}: comment"),
            details: json!({ "body": body }),
        })
        .await?;
    let at = crate::now();
    sqlx::query(
        "INSERT INTO comments (bundle_sha256, event_idx, body, author, created_at, log_seq) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(bundle)
    .bind(i64::try_from(index).unwrap_or_default())
    .bind(&body)
    .bind(&reviewer.username)
    .bind(&at)
    .bind(i64::try_from(seq).unwrap_or_default())
    .execute(rec.conn())
    .await?;
    rec.commit().await?;
    Ok(Comment {
        bundle: bundle.to_owned(),
        event: index,
        body,
        author: reviewer.username.clone(),
        created_at: at,
        log_seq: seq,
    })
}

/// An `annotations` row as stored.
#[derive(sqlx::FromRow)]
pub(super) struct AnnotationRow {
    pub bundle_sha256: String,
    pub event_idx: i64,
    pub responsibility: String,
    pub rationale: String,
    pub tags: String,
    pub author: String,
    pub created_at: String,
    pub log_seq: i64,
}

fn annotation(row: AnnotationRow) -> Result<Annotation, StoreError> {
    let AnnotationRow {
        bundle_sha256: bundle,
        event_idx: event,
        responsibility,
        rationale,
        tags,
        author,
        created_at,
        log_seq,
    } = row;
    Ok(Annotation {
        bundle,
        event: u64::try_from(event).unwrap_or_default(),
        responsibility: Responsibility::parse(&responsibility).ok_or(StoreError::Corrupt {
            column: "annotations.responsibility",
            value: responsibility,
        })?,
        rationale,
        tags: serde_json::from_str(&tags).map_err(|_| StoreError::Corrupt {
            column: "annotations.tags",
            value: tags,
        })?,
        author,
        created_at,
        log_seq: u64::try_from(log_seq).unwrap_or_default(),
    })
}

pub(super) const ANNOTATION_COLUMNS: &str =
    "bundle_sha256, event_idx, responsibility, rationale, tags, author, created_at, log_seq";

/// Everything recorded on event `index` of `bundle`.
pub async fn of_event(db: &Db, bundle: &str, index: u64) -> Result<EventReview, StoreError> {
    let idx = i64::try_from(index).unwrap_or(i64::MAX);
    let rows: Vec<AnnotationRow> = sqlx::query_as(&format!(
        "SELECT {ANNOTATION_COLUMNS} FROM annotations WHERE bundle_sha256 = $1 AND event_idx = $2 \
         ORDER BY log_seq DESC"
    ))
    .bind(bundle)
    .bind(idx)
    .fetch_all(db.pool())
    .await?;
    let comments: Vec<(String, i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT bundle_sha256, event_idx, body, author, created_at, log_seq FROM comments \
         WHERE bundle_sha256 = $1 AND event_idx = $2 ORDER BY log_seq",
    )
    .bind(bundle)
    .bind(idx)
    .fetch_all(db.pool())
    .await?;
    Ok(EventReview {
        annotations: rows.into_iter().map(annotation).collect::<Result<_, _>>()?,
        comments: comments
            .into_iter()
            .map(
                |(bundle, event, body, author, created_at, log_seq)| Comment {
                    bundle,
                    event: u64::try_from(event).unwrap_or_default(),
                    body,
                    author,
                    created_at,
                    log_seq: u64::try_from(log_seq).unwrap_or_default(),
                },
            )
            .collect(),
    })
}

/// The current annotation of every annotated event of `bundle`, by event index.
pub async fn current_of_bundle(
    db: &Db,
    bundle: &str,
) -> Result<HashMap<u64, Annotation>, StoreError> {
    let rows: Vec<AnnotationRow> = sqlx::query_as(&format!(
        "SELECT {ANNOTATION_COLUMNS} FROM annotations a WHERE bundle_sha256 = $1 AND log_seq = \
         (SELECT MAX(log_seq) FROM annotations b WHERE b.bundle_sha256 = a.bundle_sha256 \
          AND b.event_idx = a.event_idx)"
    ))
    .bind(bundle)
    .fetch_all(db.pool())
    .await?;
    rows.into_iter()
        .map(|r| annotation(r).map(|a| (a.event, a)))
        .collect()
}
