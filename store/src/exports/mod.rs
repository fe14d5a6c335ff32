//! Exports of an incident's review: its events as CSV, the whole review as JSON and a
//! printable report, with a manifest of every file's and source bundle's SHA-256,
//! signed by the server's key ([`evidence::report`]). Each export is recorded in the
//! review log.

use evidence::report::{Manifest, MANIFEST_FILE};
use serde_json::{json, Value};

use crate::review_log::{self, Actor, Entry, ServerKey};
use crate::{annotations, findings, incidents, signoffs, stamp, Db, IngestOptions, StoreError};
use model::{
    BundleChains, EventReview, Findings, IncidentDetail, LogQuery, SideEffectResponsibility,
};

use html::{html_of, picture};

mod csv;
mod html;

pub use csv::{events_csv, neutralise, selected, Scope, CSV_COLUMNS};
pub use html::MAX_PICTURED;

/// The files of an export, the signed manifest last.
#[derive(Clone, Debug)]
pub struct Export {
    /// (name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// When it was made: the manifest's `createdAt`, to the second.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The key that signed its manifest: the server's, which verifies it.
    pub signed_by: evidence::keys::PublicKey,
}

impl Export {
    /// The file named `name`.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }
}

/// Everything a report is made of.
pub(super) struct Review {
    detail: IncidentDetail,
    side_effects: Vec<SideEffectResponsibility>,
    chains: Vec<(String, BundleChains)>,
    notes: Vec<(String, u64, EventReview)>,
    findings: Findings,
    /// Per bundle: its name and its timeline as SVG, or why it is not drawn.
    pictures: Vec<(String, Result<String, String>)>,
    log: Vec<model::LogEntry>,
}

async fn gather(db: &Db, id: i64, only: Option<&str>) -> Result<Option<Review>, StoreError> {
    let Some(mut detail) = incidents::get(db, id).await? else {
        return Ok(None);
    };
    let mut side_effects = findings::side_effects_of_incident(db, id).await?;
    if let Some(sha) = only {
        detail.bundles.retain(|b| b.sha256 == sha);
        side_effects.retain(|s| s.bundle == sha);
    }
    let mut chains = Vec::new();
    let mut notes = Vec::new();
    let mut found = Findings::default();
    let mut pictures = Vec::new();
    for b in &detail.bundles {
        if let Some(f) = findings::of_bundle(db, &b.sha256, IngestOptions::default()).await? {
            let flagged = f
                .items
                .iter()
                .flat_map(|i| i.events.iter().map(|e| e.index))
                .collect();
            pictures.push((
                b.name.clone(),
                picture(db, &b.sha256, b.event_count, &flagged).await?,
            ));
            found.items.extend(f.items);
            found.unreadable.extend(f.unreadable);
        }
        if let Some(c) = signoffs::of_bundle(db, &b.sha256).await? {
            chains.push((b.sha256.clone(), c));
        }
        let annotated: Vec<(i64,)> = sqlx::query_as(
            "SELECT event_idx FROM annotations WHERE bundle_sha256 = $1 \
             UNION SELECT event_idx FROM comments WHERE bundle_sha256 = $1 ORDER BY 1",
        )
        .bind(&b.sha256)
        .fetch_all(db.pool())
        .await?;
        for (idx,) in annotated {
            let idx = u64::try_from(idx).unwrap_or_default();
            notes.push((
                b.sha256.clone(),
                idx,
                annotations::of_event(db, &b.sha256, idx).await?,
            ));
        }
    }
    let mut log = Vec::new();
    let mut query = match only {
        Some(sha) => LogQuery {
            bundle: Some(sha.to_owned()),
            ..LogQuery::default()
        },
        None => LogQuery {
            incident: Some(id),
            ..LogQuery::default()
        },
    };
    loop {
        let page = review_log::list(db, &query).await?;
        let more = page.more;
        query.before = page.entries.last().map(|e| e.seq);
        log.extend(page.entries);
        if !more {
            break;
        }
    }
    log.reverse();
    Ok(Some(Review {
        detail,
        side_effects,
        chains,
        notes,
        findings: found,
        pictures,
        log,
    }))
}

/// `snake_case` as `camelCase`.
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Every member name in `value` in camelCase, as the bundle format writes them
/// (the API's models are snake_case): `review.json` has one key style.
fn camel_keys(value: Value) -> Value {
    match value {
        // A review-log entry's details stay as the log recorded (and signed) them.
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if k == "details" { v } else { camel_keys(v) };
                    (camel(&k), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camel_keys).collect()),
        other => other,
    }
}

fn json_of(review: &Review, created_at: &str, by: &str) -> Vec<u8> {
    let value = json!({
        "format": "custody.review.v1",
        "exportedAt": created_at,
        "exportedBy": by,
        "incident": review.detail,
        "bundles": review.detail.bundles,
        "responsibility": review.side_effects,
        "approvalChains": review.chains.iter().map(|(sha, c)| json!({"bundle": sha, "chains": c})).collect::<Vec<_>>(),
        "events": review.notes.iter().map(|(sha, idx, r)| json!({"bundle": sha, "event": idx, "annotations": r.annotations, "comments": r.comments})).collect::<Vec<_>>(),
        "findings": review.findings.items,
        "reviewLog": review.log,
    });
    serde_json::to_vec_pretty(&camel_keys(value)).unwrap_or_default()
}

/// Why an excerpt could not be cut.
#[derive(Debug, thiserror::Error)]
pub enum ExcerptFailure {
    /// The positions cannot be used (the text says why).
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An excerpt of stored bundle `sha` (`evidence::excerpt`): the events at `positions`
/// with their RFC 6962 inclusion proofs against the bundle's signed root, cut from
/// the bytes as received; recorded in the review log as done by `by`. `None` without
/// such a bundle.
pub async fn excerpt(
    db: &Db,
    key: &ServerKey,
    by: Actor<'_>,
    sha: &str,
    positions: &[usize],
) -> Result<Option<String>, ExcerptFailure> {
    let _turn = db.heavy_turn().await?;
    let Some(bytes) = super::bundles::raw(db, sha).await? else {
        return Ok(None);
    };
    let limits = evidence::bundle::Limits {
        max_bundle_bytes: usize::MAX,
        max_events: usize::MAX,
        ..evidence::bundle::Limits::default()
    };
    let made = evidence::excerpt::make(&bytes, positions, &limits)
        .map_err(|e| ExcerptFailure::Invalid(e.to_string()))?;
    let incident: Option<(i64,)> =
        sqlx::query_as("SELECT incident_id FROM bundles WHERE sha256 = $1")
            .bind(sha)
            .fetch_optional(db.pool())
            .await
            .map_err(StoreError::from)?;
    let listed: Vec<String> = positions.iter().map(usize::to_string).collect();
    review_log::record(
        db,
        key,
        Entry {
            actor: by,
            action: "export",
            incident: incident.map(|(i,)| i),
            bundle: Some(sha),
            event: None,
            summary: format!("exported an excerpt of events {}", listed.join(", ")),
            details: json!({ "excerpt": positions }),
        },
    )
    .await?;
    Ok(Some(made))
}

/// Makes a PDF of the printable report from its HTML, or says why it could not.
pub type PdfMaker = dyn Fn(&[u8]) -> Result<Vec<u8>, String> + Sync;

/// The export of `scope` (None: no such incident or bundle), recorded in the review
/// log as done by `by`. A bundle's export holds that bundle's events, chains,
/// annotations and log entries only. An incident's export holds `events.csv`,
/// `review.json`, `report.html` and the signed manifest of all three and of the
/// source bundles. `progress(done, total)` follows the events written to the CSV.
/// With `pdf`, the printable report is also made into `report.pdf`, listed in the
/// manifest like the rest; if it cannot be, nothing is exported.
pub async fn export(
    db: &Db,
    key: &ServerKey,
    log: &crate::tlog::LogKey,
    by: Actor<'_>,
    scope: Scope<'_>,
    progress: &(dyn Fn(usize, usize) + Sync),
    pdf: Option<&PdfMaker>,
) -> Result<Option<Export>, StoreError> {
    let _turn = db.heavy_turn().await?;
    let (id, only) = match scope {
        Scope::Incident(id) => (id, None),
        Scope::Bundle(sha) => {
            let found: Option<(i64,)> =
                sqlx::query_as("SELECT incident_id FROM bundles WHERE sha256 = $1")
                    .bind(sha)
                    .fetch_optional(db.pool())
                    .await?;
            match found {
                Some((id,)) => (id, Some(sha)),
                None => return Ok(None),
            }
        }
    };
    let Some(review) = gather(db, id, only).await? else {
        return Ok(None);
    };
    let what = match only {
        Some(sha) => format!("bundle {} of incident {id}", sha.get(..12).unwrap_or(sha)),
        None => format!("incident {id}"),
    };
    let bundles: Vec<String> = review
        .detail
        .bundles
        .iter()
        .map(|b| b.sha256.clone())
        .collect();
    let made_at = made_now();
    let created_at = stamp(made_at);
    let who = by.id().to_owned();
    let html = html_of(&review, &created_at, &who, &key.public_key().to_hex());
    let mut files = vec![
        (
            "events.csv".to_owned(),
            events_csv(db, scope, progress).await?,
        ),
        (
            "review.json".to_owned(),
            json_of(&review, &created_at, &who),
        ),
    ];
    if let Some(pdf) = pdf {
        files.push((
            "report.pdf".to_owned(),
            pdf(&html).map_err(StoreError::Render)?,
        ));
    }
    files.push(("report.html".to_owned(), html));
    let formats = if pdf.is_some() {
        "CSV, JSON, report, PDF"
    } else {
        "CSV, JSON, report"
    };
    review_log::record(
        db,
        key,
        Entry {
            actor: by,
            action: "export",
            incident: Some(id),
            bundle: only,
            event: None,
            summary: format!("exported {what} ({formats})"),
            details: json!({ "bundles": bundles }),
        },
    )
    .await?;
    files.extend(anchoring(db, log, &review).await?);
    let listed: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let manifest = Manifest::over(&what, &created_at, &who, &listed, bundles);
    files.push((
        MANIFEST_FILE.to_owned(),
        key.sign_manifest(&manifest).into_bytes(),
    ));
    Ok(Some(Export {
        files,
        created_at: made_at,
        signed_by: key.public_key(),
    }))
}

/// The transparency log's latest checkpoint ([`CHECKPOINT_FILE`]) and the inclusion
/// proofs in it of every source bundle and every review-log entry the export holds
/// ([`PROOFS_FILE`]). When the server will sign no checkpoint (its log no longer
/// extends one it signed), the export is refused with that reason.
async fn anchoring(
    db: &Db,
    log: &crate::tlog::LogKey,
    review: &Review,
) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
    use evidence::tlog::Leaf;
    let mut bundles = std::collections::BTreeMap::new();
    let mut wanted: Vec<Leaf> = Vec::new();
    for b in &review.detail.bundles {
        if let Some(leaf @ Leaf::Bundle { .. }) = crate::tlog::bundle_leaf(db, &b.sha256).await? {
            if let Leaf::Bundle { manifest } = &leaf {
                bundles.insert(b.sha256.clone(), manifest.clone());
            }
            wanted.push(leaf);
        }
    }
    wanted.extend(review.log.iter().map(|e| Leaf::Review {
        seq: e.seq,
        digest: e.digest.clone(),
    }));
    let (checkpoint, proofs) = crate::tlog::proofs(db, log, log.quorum(), &wanted)
        .await
        .map_err(|e| match e {
            crate::tlog::CheckpointRefusal::Store(e) => e,
            refused => StoreError::Corrupt {
                column: "log_leaves (the transparency log)",
                value: refused.to_string(),
            },
        })?;
    let inclusions: Vec<_> = proofs.into_iter().flatten().collect();
    let proofs = evidence::tlog::LogProofs {
        format: "custody.log-proofs.v1".into(),
        origin: log.origin().to_owned(),
        bundles,
        inclusions,
    };
    Ok(vec![
        (CHECKPOINT_FILE.to_owned(), checkpoint.into_bytes()),
        (
            PROOFS_FILE.to_owned(),
            serde_json::to_vec_pretty(&proofs).unwrap_or_default(),
        ),
    ])
}

/// The transparency log's checkpoint in an export.
pub const CHECKPOINT_FILE: &str = evidence::tlog::CHECKPOINT_FILE;
/// The inclusion proofs in an export.
pub const PROOFS_FILE: &str = evidence::tlog::PROOFS_FILE;

/// Now, to the second: what the manifest says (`createdAt`) and the archive's
/// member times are the same instant.
pub(super) fn made_now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound as _;
    chrono::Utc::now().trunc_subsecs(0)
}
