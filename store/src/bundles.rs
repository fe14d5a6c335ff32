//! Bundles as stored: their summaries, their bytes exactly as received, their
//! transcripts, and the bundle read again from its bytes. Reads only: a bundle is
//! written by [`crate::ingest`].

use evidence::bundle::{self, Limits, Report};

use model::{BundleStatus, BundleSummary};

use crate::bundle_bytes::Spans;
use crate::IngestOptions;
use crate::{Db, StoreError};

const SUMMARY_COLUMNS: &str = "sha256, incident_id, bundle_id, name, size, status, reasons, \
                               event_count, first_event_at, last_event_at, ingested_at, verified_at, \
                               provenance";

/// A `bundles` row as [`SUMMARY_COLUMNS`] read it.
#[derive(sqlx::FromRow)]
struct SummaryRow {
    sha256: String,
    incident_id: i64,
    bundle_id: Option<String>,
    name: String,
    size: i64,
    status: String,
    reasons: String,
    event_count: i64,
    first_event_at: Option<String>,
    last_event_at: Option<String>,
    ingested_at: String,
    verified_at: String,
    provenance: Option<String>,
}

fn summary(row: SummaryRow) -> Result<BundleSummary, StoreError> {
    let SummaryRow {
        sha256,
        incident_id,
        bundle_id,
        name,
        size,
        status,
        reasons,
        event_count,
        first_event_at,
        last_event_at,
        ingested_at,
        verified_at,
        provenance,
    } = row;
    Ok(BundleSummary {
        verdict: BundleStatus::parse(&status).ok_or(StoreError::Corrupt {
            column: "bundles.status",
            value: status,
        })?,
        reasons: serde_json::from_str(&reasons).map_err(|_| StoreError::Corrupt {
            column: "bundles.reasons",
            value: reasons,
        })?,
        sha256,
        incident_id,
        bundle_id,
        name,
        size,
        event_count,
        first_event_at,
        last_event_at,
        ingested_at,
        verified_at,
        provenance: match provenance.as_deref() {
            None => None,
            Some(p) => Some(
                model::BundleProvenance::parse(p).ok_or(StoreError::Corrupt {
                    column: "bundles.provenance",
                    value: p.to_owned(),
                })?,
            ),
        },
    })
}

/// The bundle stored at `sha256`, if any.
pub async fn get(db: &Db, sha256: &str) -> Result<Option<BundleSummary>, StoreError> {
    let row: Option<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM bundles WHERE sha256 = $1"
    ))
    .bind(sha256)
    .fetch_optional(db.pool())
    .await?;
    row.map(summary).transpose()
}

/// An incident's bundles, oldest first.
pub async fn of_incident(db: &Db, incident_id: i64) -> Result<Vec<BundleSummary>, StoreError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM bundles WHERE incident_id = $1 ORDER BY ingested_at, sha256"
    ))
    .bind(incident_id)
    .fetch_all(db.pool())
    .await?;
    rows.into_iter().map(summary).collect()
}

/// The `limit` bundles stored most recently, newest first.
pub async fn recent(db: &Db, limit: usize) -> Result<Vec<BundleSummary>, StoreError> {
    let rows: Vec<SummaryRow> = sqlx::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM bundles ORDER BY ingested_at DESC, sha256 LIMIT $1"
    ))
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(db.pool())
    .await?;
    rows.into_iter().map(summary).collect()
}

/// The bytes stored for `sha256`, exactly as received.
pub async fn raw(db: &Db, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
    if get(db, sha256).await?.is_none() {
        return Ok(None);
    }
    Ok(Some(crate::bundle_bytes::read_all(db, sha256).await?))
}

/// The payload of event `idx` of bundle `sha256`, as signed (text: a payload is
/// read only when it is a valid event), read from the bundle's stored bytes: at
/// `span` (where its base64 text stands, as ingest found it), or, without one, by
/// reading the bundle again. `None` when the bytes give none.
pub(crate) async fn payload(
    db: &Db,
    sha256: &str,
    idx: i64,
    span: Option<(i64, i64)>,
) -> Result<Option<String>, StoreError> {
    payload_from(&mut Spans::new(db, sha256), idx, span).await
}

/// [`payload`], read through `spans` (one bundle's): payloads read in the order
/// they stand decompress each stored part once.
pub(crate) async fn payload_from(
    spans: &mut Spans<'_>,
    idx: i64,
    span: Option<(i64, i64)>,
) -> Result<Option<String>, StoreError> {
    let bytes = match span {
        Some((at, len)) => spans
            .read(at, len)
            .await?
            .and_then(|encoded| evidence::bundle::decode_payload(&encoded)),
        None => {
            let Some(raw) = raw(spans.db(), spans.sha256()).await? else {
                return Ok(None);
            };
            let limits = evidence::bundle::Limits {
                max_payload_bytes: usize::MAX,
                ..IngestOptions::default().limits
            };
            usize::try_from(idx)
                .ok()
                .and_then(|idx| evidence::bundle::payload_of(&raw, idx, &limits))
        }
    };
    Ok(bytes.and_then(|b| String::from_utf8(b).ok()))
}

/// The largest transcript read back: twice the largest bundle the server takes (a
/// transcript is about a third of its bundle).
const MAX_TRANSCRIPT_BYTES: usize = 512 << 20;

/// The verification transcript stored with the bundle (JSON): compressed in
/// `report_deflated` since migration 0012, as text in `report` before.
pub async fn report(db: &Db, sha256: &str) -> Result<Option<serde_json::Value>, StoreError> {
    let row: Option<(String, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT report, report_deflated FROM bundles WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(db.pool())
            .await?;
    let corrupt = |value: String| StoreError::Corrupt {
        column: "bundles.report",
        value: value.chars().take(80).collect(),
    };
    row.map(|(text, deflated)| match deflated {
        Some(deflated) => crate::bundle_bytes::inflate(&deflated, MAX_TRANSCRIPT_BYTES)
            .map_err(|_| corrupt("a transcript that does not decompress".into()))
            .and_then(|json| {
                serde_json::from_slice(&json)
                    .map_err(|_| corrupt(String::from_utf8_lossy(&json).into_owned()))
            }),
        None => serde_json::from_str(&text).map_err(|_| corrupt(text)),
    })
    .transpose()
}

/// The SHA-256 of every bundle of incident `id`, in the order they were stored.
pub async fn shas_of_incident(db: &Db, id: i64) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT sha256 FROM bundles WHERE incident_id = $1 ORDER BY ingested_at, sha256",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.into_iter().map(|(sha,)| sha).collect())
}

/// A stored bundle read again from its raw bytes: verified against the trust roots
/// its stored verdict was computed with, with the events whose signatures held (by
/// bundle position). `None` without such a bundle; `Some(Err(why))` when the stored
/// bytes can no longer be read as a bundle.
pub async fn reread(
    db: &Db,
    sha256: &str,
    options: IngestOptions,
) -> Result<Option<Result<(Report, Vec<(usize, evidence::event::Event)>), String>>, StoreError> {
    let roots: Option<(String,)> = sqlx::query_as("SELECT roots FROM bundles WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(db.pool())
        .await?;
    let Some((roots,)) = roots else {
        return Ok(None);
    };
    let Some(bytes) = raw(db, sha256).await? else {
        return Ok(None);
    };
    let roots: Vec<String> = serde_json::from_str(&roots).unwrap_or_default();
    let roots: Vec<evidence::keys::PublicKey> = roots
        .iter()
        .filter_map(|k| evidence::keys::PublicKey::from_text(k).ok())
        .collect();
    let read = tokio::task::spawn_blocking(move || {
        let read: std::sync::Mutex<Vec<(usize, evidence::event::Event)>> =
            std::sync::Mutex::default();
        // The bundle was accepted when it was stored: it is read whole again.
        let limits = Limits {
            max_bundle_bytes: usize::MAX,
            max_events: usize::MAX,
            max_payload_bytes: usize::MAX,
            max_depth: options.limits.max_depth.max(Limits::default().max_depth),
        };
        let report = bundle::verify_and_read(
            &bytes,
            &roots,
            &limits,
            options.threads,
            &|_, _| {},
            &|signed| {
                if let Ok(mut read) = read.lock() {
                    read.push((signed.index, signed.event));
                }
            },
        )
        .map_err(|e| e.to_string())?;
        let mut events = read.into_inner().unwrap_or_default();
        events.sort_by_key(|(index, _)| *index);
        Ok((report, events))
    })
    .await
    .map_err(|e| StoreError::Task(e.to_string()))?;
    Ok(Some(read))
}
