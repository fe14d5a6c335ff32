//! Bundles: evidence as received, verified and read into rows, one transaction each.

use std::collections::BTreeMap;

use evidence::bundle::{self, Check, EventReport, Limits, Report, Status};
use evidence::event::{Actor, Kind};
use sha2::{Digest as _, Sha256};
use sqlx::Any;

use crate::model::{BundleSummary, Reverified, Severity, Verdict};

use super::review_log::{self, Actor as LogActor, ServerKey};
use super::sql::Sql;
use super::{incidents, now, trust_roots, Db, StoreError};

/// Where an uploaded bundle goes.
#[derive(Clone, Debug)]
pub enum Target {
    /// Into an existing incident.
    Incident(i64),
    /// Into a new incident, opened in the same transaction.
    New {
        /// Its title (1 to 200 characters).
        title: String,
        /// What it is about.
        description: String,
        /// How bad it is.
        severity: Severity,
    },
}

/// A bundle to store.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The bytes exactly as received.
    pub bytes: Vec<u8>,
    /// The file name it came as ('' when none).
    pub name: String,
    /// Where it goes.
    pub target: Target,
}

/// Why a bundle was not stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Larger than a limit allows (nothing stored).
    #[error("{message}")]
    TooLarge {
        /// The reason code, `bundle.too_large` or `bundle.too_many_events`.
        code: &'static str,
        /// What is wrong, naming the limit.
        message: String,
    },
    /// Not a bundle Custody can read (nothing stored).
    #[error("{message}")]
    Malformed {
        /// The reason code, e.g. `bundle.malformed` or `payload.too_large`.
        code: String,
        /// What is wrong, naming the limit or the part.
        message: String,
    },
    /// The target incident does not exist.
    #[error("incident {0} does not exist")]
    NoSuchIncident(i64),
    /// The target is not acceptable (e.g. an empty title).
    #[error("{0}")]
    BadTarget(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How ingest verifies.
#[derive(Clone, Copy, Debug)]
pub struct IngestOptions {
    /// The format's limits (bundle size, events, payload size, depth).
    pub limits: Limits,
    /// Threads for verification.
    pub threads: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            limits: Limits::default(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// The SHA-256 of `bytes`, hex: a bundle's address.
pub fn address(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Stores a bundle uploaded by `who`: verifies it against the server's trust roots
/// with the `evidence` crate, then writes the raw bytes, its events, actors,
/// credentials, decisions, the verdict and the upload's entry in the review log in
/// one transaction. Verification takes no lock on the database: only the write
/// does, for as long as the rows take. The same bytes stored again (even
/// concurrently) give the bundle already stored, and record nothing. A malformed
/// bundle is refused and nothing is kept; a tampered or untrusted one is stored with
/// its reasons.
pub async fn ingest(
    db: &Db,
    key: &ServerKey,
    who: LogActor<'_>,
    upload: Upload,
    options: IngestOptions,
) -> Result<BundleSummary, IngestError> {
    ingest_against(db, key, who, upload, options, None).await
}

/// [`ingest`], verified against `roots` when given, else against the server's.
async fn ingest_against(
    db: &Db,
    key: &ServerKey,
    who: LogActor<'_>,
    upload: Upload,
    options: IngestOptions,
    roots: Option<Vec<evidence::keys::PublicKey>>,
) -> Result<BundleSummary, IngestError> {
    let sha256 = address(&upload.bytes);
    if let Some(existing) = get(db, &sha256).await? {
        return Ok(existing);
    }
    // One ingest of the same bytes at a time in this process; across processes the
    // primary key settles it.
    let _same = db.lock_address(&sha256).await;
    if let Some(existing) = get(db, &sha256).await? {
        return Ok(existing);
    }
    // Refused targets are refused before any verification starts (the transaction
    // checks the incident again).
    match &upload.target {
        Target::New {
            title, description, ..
        } => {
            if title.trim().is_empty() || title.chars().count() > 200 {
                return Err(IngestError::BadTarget(
                    "an incident title is 1 to 200 characters".into(),
                ));
            }
            if description.chars().count() > incidents::MAX_DESCRIPTION_CHARS {
                return Err(IngestError::BadTarget(format!(
                    "an incident description has at most {} characters",
                    incidents::MAX_DESCRIPTION_CHARS
                )));
            }
        }
        Target::Incident(id) => {
            if !incidents::exists(db.pool(), *id).await? {
                return Err(IngestError::NoSuchIncident(*id));
            }
        }
    }
    let roots = match roots {
        Some(roots) => roots,
        None => trust_roots::keys(db).await?,
    };
    let roots_hex: Vec<String> = roots.iter().map(|k| k.to_hex()).collect();
    let Upload {
        bytes,
        name,
        target,
    } = upload;

    // Verification runs on blocking threads, before anything is written, and keeps
    // each event it could read; a malformed bundle is refused here.
    let (bytes, report, rows) = tokio::task::spawn_blocking(move || {
        let rows = std::sync::Mutex::new(Vec::new());
        let report = bundle::verify_and_read(
            &bytes,
            &roots,
            &options.limits,
            options.threads,
            &|_, _| {},
            &|signed| {
                if let Some(row) = ReadEvent::read(signed) {
                    rows.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(row);
                }
            },
        );
        let mut rows = rows
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        rows.sort_unstable_by_key(|r| r.idx);
        (bytes, report, rows)
    })
    .await
    .map_err(|e| StoreError::Task(e.to_string()))?;
    let report = refuse_malformed(report)?;

    let writer = db.lock_writes().await;
    let mut conn = db.large_write_connection().await?;
    let stored = store(
        &mut conn,
        db.kind(),
        Pending {
            sha256: &sha256,
            bytes,
            name,
            roots: &roots_hex,
            target,
            who,
            key,
        },
        rows,
        &report,
    )
    .await;
    db.after_large_write(conn).await;
    drop(writer);
    // When another server stored the same bytes meanwhile, theirs is the answer.
    stored?;
    get(db, &sha256).await?.ok_or_else(|| {
        IngestError::Store(StoreError::Corrupt {
            column: "bundles.sha256",
            value: sha256,
        })
    })
}

/// A bundle on its way into the store.
struct Pending<'a> {
    sha256: &'a str,
    bytes: Vec<u8>,
    name: String,
    roots: &'a [String],
    target: Target,
    who: LogActor<'a>,
    key: &'a ServerKey,
}

/// Writes a verified bundle in one transaction on `conn`: its row (which claims the
/// address), its bytes, its events (`rows`, in bundle order), then, from `report`,
/// the events that could not be read, the checks of those that did not pass, the
/// verdict, and the upload's entry in the review log. `None` when the same bytes
/// were stored meanwhile by another server (nothing is written).
async fn store(
    conn: &mut sqlx::AnyConnection,
    kind: crate::model::DatabaseKind,
    pending: Pending<'_>,
    rows: Vec<ReadEvent>,
    report: &Report,
) -> Result<Option<()>, IngestError> {
    let Pending {
        sha256,
        bytes,
        name,
        roots,
        target,
        who,
        key,
    } = pending;
    let roots_json = serde_json::to_string(roots).unwrap_or_else(|_| "[]".into());
    let mut tx = sqlx::Connection::begin(conn)
        .await
        .map_err(StoreError::from)?;
    let (incident_id, opened) = match target {
        Target::Incident(id) => {
            if !incidents::exists(&mut *tx, id).await? {
                return Err(IngestError::NoSuchIncident(id));
            }
            (id, None)
        }
        Target::New {
            title,
            description,
            severity,
        } => {
            let digest = super::replay::text_digest(&description);
            let id = incidents::insert(
                &mut *tx,
                &incidents::NewIncident {
                    title: title.clone(),
                    description,
                    severity,
                },
            )
            .await?;
            (id, Some((title, severity, digest)))
        }
    };
    let at = now();
    // The row claims the address; its verdict is written with the rest, below,
    // before anything is committed.
    let inserted: Option<(String,)> = sqlx::query_as(
        "INSERT INTO bundles (sha256, incident_id, name, size, status, reasons, report, roots, \
         event_count, ingested_at, verified_at) \
         VALUES ($1, $2, $3, $4, 'tampered', '[\"ingest.incomplete\"]', '{}', $5, 0, $6, $6) \
         ON CONFLICT (sha256) DO NOTHING RETURNING sha256",
    )
    .bind(sha256)
    .bind(incident_id)
    .bind(&name)
    .bind(i64::try_from(bytes.len()).unwrap_or(i64::MAX))
    .bind(&roots_json)
    .bind(&at)
    .fetch_optional(&mut *tx)
    .await
    .map_err(StoreError::from)?;
    if inserted.is_none() {
        tx.rollback().await.map_err(StoreError::from)?;
        return Ok(None);
    }
    for (part, bytes) in bytes.chunks(BYTES_PER_PART).enumerate() {
        sqlx::query("INSERT INTO bundle_bytes (sha256, part, bytes) VALUES ($1, $2, $3)")
            .bind(sha256)
            .bind(i64::try_from(part).unwrap_or(i64::MAX))
            .bind(bytes)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::from)?;
    }
    let size = bytes.len();
    drop(bytes);

    let mut gathered = Gathered::default();
    let mut chunk: Vec<ReadEvent> = Vec::with_capacity(ROWS_PER_STATEMENT);
    for row in rows {
        chunk.push(gathered.gather(row));
        if chunk.len() == ROWS_PER_STATEMENT {
            insert_read(&mut tx, kind, sha256, std::mem::take(&mut chunk)).await?;
        }
    }
    insert_read(&mut tx, kind, sha256, chunk).await?;
    let (first_at, last_at) = (gathered.first_at.take(), gathered.last_at.take());
    gathered.finish(&mut tx, kind, sha256, report).await?;
    let events = report.events().len();
    sqlx::query(
        "UPDATE bundles SET bundle_id = $1, status = $2, reasons = $3, report = $4, \
         event_count = $5, first_event_at = $6, last_event_at = $7, uploaded_by = $8 \
         WHERE sha256 = $9",
    )
    .bind(report.bundle_id())
    .bind(report.status().code())
    .bind(serde_json::to_string(report.reasons()).unwrap_or_else(|_| "[]".into()))
    .bind(serde_json::to_string(report).unwrap_or_else(|_| "{}".into()))
    .bind(i64::try_from(events).unwrap_or(i64::MAX))
    .bind(first_at)
    .bind(last_at)
    .bind(match who {
        LogActor::Reviewer(reviewer) => Some(reviewer.username.as_str()),
        LogActor::Cli => None,
    })
    .bind(sha256)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from)?;
    incidents::touch(&mut *tx, incident_id, &at).await?;
    // The upload's entry is the last write, so the log's append lock is held only
    // to the commit.
    review_log::lock_appends(&mut tx, kind).await?;
    let verdict = report.status().code();
    let mut details = serde_json::json!({
        "name": name,
        "size": size,
        "verdict": verdict,
        "events": events,
        "roots": roots,
    });
    if let Some((title, severity, description)) = opened {
        details["openedIncident"] = serde_json::json!({
            "title": title,
            "severity": severity.as_str(),
            "descriptionDigest": description,
        });
    }
    review_log::append(
        &mut tx,
        key,
        review_log::Entry {
            actor: who,
            action: "upload",
            incident: Some(incident_id),
            bundle: Some(sha256),
            event: None,
            summary: format!(
                "uploaded {} ({events} events, {verdict})",
                if name.is_empty() {
                    &sha256[..12.min(sha256.len())]
                } else {
                    &name
                },
            ),
            details,
        },
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Some(()))
}

fn refuse_malformed(verified: Result<Report, bundle::Malformed>) -> Result<Report, IngestError> {
    match verified {
        Err(e @ (bundle::Malformed::TooLarge { .. } | bundle::Malformed::TooManyEvents { .. })) => {
            Err(IngestError::TooLarge {
                code: e.code(),
                message: format!("{} ({e})", e.code()),
            })
        }
        Err(e) => Err(IngestError::Malformed {
            code: e.code().into(),
            message: format!("{}: {e}", e.code()),
        }),
        Ok(report) if report.status() == Status::Malformed => {
            // The event that could not be read names the code with its detail; the
            // bundle's first reason may be another (an untrusted key, say).
            let unreadable = report.events().iter().find_map(|e| {
                let detail = e.detail.as_ref()?;
                let code = [&e.chain, &e.trust, &e.integrity, &e.inclusion]
                    .into_iter()
                    .find_map(|check| match check {
                        Check::Fail(code) | Check::Unknown(code) => Some(*code),
                        Check::Pass => None,
                    })?;
                Some((code, format!("event {}: {detail}", e.index)))
            });
            let (code, message) = match unreadable {
                Some((code, detail)) => (code, format!("{code}: {detail}")),
                None => {
                    let code = report
                        .reasons()
                        .first()
                        .copied()
                        .unwrap_or("bundle.malformed");
                    (code, format!("{code}: {}", bundle::explain(code)))
                }
            };
            Err(IngestError::Malformed {
                code: code.into(),
                message,
            })
        }
        Ok(report) => Ok(report),
    }
}

const SUMMARY_COLUMNS: &str = "sha256, incident_id, bundle_id, name, size, status, reasons, \
                               event_count, first_event_at, last_event_at, ingested_at, verified_at";

type SummaryRow = (
    String,
    i64,
    Option<String>,
    String,
    i64,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    String,
    String,
);

fn summary(row: SummaryRow) -> Result<BundleSummary, StoreError> {
    let (
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
    ) = row;
    Ok(BundleSummary {
        verdict: Verdict::parse(&status).ok_or(StoreError::Corrupt {
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
    let parts: Vec<(Vec<u8>,)> =
        sqlx::query_as("SELECT bytes FROM bundle_bytes WHERE sha256 = $1 ORDER BY part")
            .bind(sha256)
            .fetch_all(db.pool())
            .await?;
    let mut bytes = Vec::with_capacity(parts.iter().map(|(part,)| part.len()).sum());
    for (part,) in parts {
        bytes.extend_from_slice(&part);
    }
    Ok(Some(bytes))
}

/// The verification transcript stored with the bundle (JSON).
pub async fn report(db: &Db, sha256: &str) -> Result<Option<serde_json::Value>, StoreError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT report FROM bundles WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(db.pool())
        .await?;
    row.map(|(text,)| {
        serde_json::from_str(&text).map_err(|_| StoreError::Corrupt {
            column: "bundles.report",
            value: text.chars().take(80).collect(),
        })
    })
    .transpose()
}

/// Re-reads every stored bundle against what the signed review log says of its
/// upload (the trust roots it was verified with and its verdict), not against the
/// columns beside it: recomputes its address, then stores its bytes again, with the
/// same code, in a scratch database, and compares the verdict, the transcript and
/// every row read from it (events, actors, credentials, decisions) with what is
/// stored. One line per bundle, naming each difference.
pub async fn reverify(
    db: &Db,
    key: &ServerKey,
    options: IngestOptions,
) -> Result<Vec<Reverified>, StoreError> {
    let uploads = super::replay::uploads(&review_log::read(db, key).await?.signed);
    let addresses: Vec<(String, String, String)> =
        sqlx::query_as("SELECT sha256, status, roots FROM bundles ORDER BY ingested_at, sha256")
            .fetch_all(db.pool())
            .await?;
    let scratch = Scratch::open().await?;
    let mut out = Vec::with_capacity(addresses.len());
    for (sha256, stored_verdict, stored_roots) in addresses {
        let Some(bytes) = raw(db, &sha256).await? else {
            continue;
        };
        let mut differences = Vec::new();
        let logged = uploads.get(&sha256);
        if logged.is_none() {
            differences.push("no upload of it is in the review log".to_owned());
        }
        // Entries written before uploads named their roots: the roots stored beside
        // the bundle.
        let roots: Vec<String> = logged
            .and_then(|u| u.roots.clone())
            .unwrap_or_else(|| serde_json::from_str(&stored_roots).unwrap_or_default());
        let logged_verdict = logged
            .and_then(|u| u.verdict.clone())
            .unwrap_or_else(|| stored_verdict.clone());
        let actual_sha256 = address(&bytes);
        if actual_sha256 != sha256 {
            differences.push(format!("its stored bytes now hash to {actual_sha256}"));
        }
        if stored_verdict != logged_verdict {
            differences.push(format!(
                "it is stored as {stored_verdict}; its upload was {logged_verdict}"
            ));
        }
        let keys = roots
            .iter()
            .filter_map(|k| evidence::keys::PublicKey::from_text(k).ok())
            .collect();
        let verdict_now = match scratch.store(key, bytes, options, keys).await {
            Ok(again) => {
                let now = again.verdict.as_str().to_owned();
                if now != logged_verdict {
                    differences.push(format!(
                        "verified again with the roots its upload names, it is {now}; \
                         its upload was {logged_verdict}"
                    ));
                }
                compare_rows(db, &sha256, &scratch.db, &again.sha256, &mut differences).await?;
                scratch.forget(&again.sha256).await?;
                now
            }
            Err(IngestError::Store(e)) => return Err(e),
            Err(refused) => {
                differences.push(format!(
                    "its stored bytes can no longer be stored: {refused}"
                ));
                Status::Malformed.code().to_owned()
            }
        };
        out.push(Reverified {
            ok: differences.is_empty(),
            sha256,
            actual_sha256,
            stored_verdict,
            verdict_now,
            differences,
        });
    }
    scratch.close().await;
    Ok(out)
}

/// A throwaway SQLite database that bundles are stored in again, with the same code
/// as any ingest, to see what their bytes give.
struct Scratch {
    db: Db,
    dir: std::path::PathBuf,
}

impl Scratch {
    async fn open() -> Result<Scratch, StoreError> {
        let mut name = [0u8; 8];
        getrandom::fill(&mut name).map_err(|e| StoreError::Task(format!("no randomness: {e}")))?;
        let dir = std::env::temp_dir().join(format!("custody-reverify-{}", hex::encode(name)));
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::Task(e.to_string()))?;
        let db = Db::open(&Db::sqlite_url(&dir)).await?;
        Ok(Scratch { db, dir })
    }

    async fn store(
        &self,
        key: &ServerKey,
        bytes: Vec<u8>,
        options: IngestOptions,
        roots: Vec<evidence::keys::PublicKey>,
    ) -> Result<BundleSummary, IngestError> {
        let upload = Upload {
            bytes,
            name: String::new(),
            target: Target::New {
                title: "reverify".into(),
                description: String::new(),
                severity: Severity::Low,
            },
        };
        ingest_against(&self.db, key, LogActor::Cli, upload, options, Some(roots)).await
    }

    /// Removes a bundle stored here, so the next one starts afresh.
    async fn forget(&self, sha256: &str) -> Result<(), StoreError> {
        let mut tx = self.db.pool().begin().await?;
        for table in ["events", "actors", "credentials", "decisions"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE bundle_sha256 = $1"))
                .bind(sha256)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM bundle_bytes WHERE sha256 = $1")
            .bind(sha256)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM bundles WHERE sha256 = $1")
            .bind(sha256)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn close(self) {
        self.db.close().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The rows a bundle's bytes give, table by table: its name, the column naming the
/// bundle, the columns that identify a row, and the rest.
const STORED_ROWS: [(&str, &str, &[&str], &[&str]); 5] = [
    (
        "bundles",
        "sha256",
        &[],
        &[
            "bundle_id",
            "status",
            "reasons",
            "report",
            "event_count",
            "first_event_at",
            "last_event_at",
        ],
    ),
    (
        "events",
        "bundle_sha256",
        &["idx"],
        &[
            "digest",
            "integrity",
            "trust",
            "chain",
            "inclusion",
            "verdict",
            "findings",
            "event_id",
            "kind",
            "time",
            "emitter",
            "seq",
            "actor_type",
            "actor_id",
            "initiator_id",
            "on_behalf_of",
            "parent",
            "task_id",
            "trace_id",
            "correlation_id",
            "credential_id",
            "decision",
            "policy_id",
            "approval_id",
            "resource",
            "operation",
            "outcome",
            "summary",
            "payload",
        ],
    ),
    (
        "actors",
        "bundle_sha256",
        &["actor_id"],
        &["actor_type", "name", "first_at", "last_at", "event_count"],
    ),
    (
        "credentials",
        "bundle_sha256",
        &["token_id"],
        &[
            "issuer",
            "subject",
            "scope",
            "issued_at",
            "expires_at",
            "exchanged_from",
            "revoked_at",
            "first_at",
            "last_at",
            "event_count",
        ],
    ),
    (
        "decisions",
        "bundle_sha256",
        &["decision_id", "event_idx"],
        &[
            "engine",
            "policy_id",
            "policy_version",
            "decision",
            "input_hash",
        ],
    ),
];

/// Differences named per bundle, at most; past it, how many more.
const DIFFERENCES_NAMED: usize = 20;

type RowsByKey = BTreeMap<Vec<Option<String>>, Vec<Option<String>>>;

/// The rows of `table` for bundle `sha256` in `db`, as text, by their identifying
/// columns.
async fn rows_of(
    db: &Db,
    (table, bundle_column, key, rest): (&str, &str, &[&str], &[&str]),
    sha256: &str,
) -> Result<RowsByKey, StoreError> {
    use sqlx::Row as _;
    let columns: Vec<String> = key
        .iter()
        .chain(rest)
        .map(|c| format!("CAST({c} AS TEXT)"))
        .collect();
    let rows = sqlx::query(&format!(
        "SELECT {} FROM {table} WHERE {bundle_column} = $1",
        columns.join(", ")
    ))
    .bind(sha256)
    .fetch_all(db.pool())
    .await?;
    let mut out = BTreeMap::new();
    for row in rows {
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            values.push(row.try_get::<Option<String>, _>(i)?);
        }
        let rest = values.split_off(key.len());
        out.insert(values, rest);
    }
    Ok(out)
}

/// Compares what is stored of bundle `stored` in `db` with what its bytes gave when
/// stored again (`again` in `scratch`), naming each row that differs.
async fn compare_rows(
    db: &Db,
    stored: &str,
    scratch: &Db,
    again: &str,
    differences: &mut Vec<String>,
) -> Result<(), StoreError> {
    let mut found = Vec::new();
    for spec in STORED_ROWS {
        let (table, _, key, rest) = spec;
        let is = rows_of(db, spec, stored).await?;
        let should = rows_of(scratch, spec, again).await?;
        let name = |k: &Vec<Option<String>>| {
            if k.is_empty() {
                "the bundle's row".to_owned()
            } else {
                let parts: Vec<String> = key
                    .iter()
                    .zip(k)
                    .map(|(c, v)| format!("{c} {}", v.as_deref().unwrap_or("NULL")))
                    .collect();
                format!("the row with {}", parts.join(", "))
            }
        };
        for (k, values) in &is {
            match should.get(k) {
                None => found.push(format!("{table}: {} is not in its bytes", name(k))),
                Some(right) => {
                    let columns: Vec<&str> = rest
                        .iter()
                        .zip(values.iter().zip(right))
                        .filter(|(_, (a, b))| a != b)
                        .map(|(c, _)| *c)
                        .collect();
                    if !columns.is_empty() {
                        let what = if columns == ["report"] {
                            "its verification transcript".to_owned()
                        } else {
                            columns.join(", ")
                        };
                        found.push(format!(
                            "{table}: {} differs from its bytes in {what}",
                            name(k)
                        ));
                    }
                }
            }
        }
        for k in should.keys() {
            if !is.contains_key(k) {
                found.push(format!("{table}: {} is missing", name(k)));
            }
        }
    }
    let more = found.len().saturating_sub(DIFFERENCES_NAMED);
    found.truncate(DIFFERENCES_NAMED);
    differences.extend(found);
    if more > 0 {
        differences.push(format!("and {more} more rows differ"));
    }
    Ok(())
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
#[allow(clippy::type_complexity)]
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

/// What a check is stored as: `pass`, `fail:<code>` or `unknown:<code>`.
fn check_text(check: &Check) -> String {
    match check {
        Check::Pass => "pass".into(),
        Check::Fail(code) => format!("fail:{code}"),
        Check::Unknown(code) => format!("unknown:{code}"),
    }
}

fn verdict_of(e: &EventReport) -> (&'static str, String) {
    let checks = [&e.integrity, &e.trust, &e.chain, &e.inclusion];
    let verdict = if checks.iter().any(|c| matches!(c, Check::Fail(_))) {
        "fail"
    } else if checks.iter().all(|c| matches!(c, Check::Pass)) {
        "pass"
    } else {
        "unknown"
    };
    let mut findings: Vec<&str> = Vec::new();
    for check in checks {
        if let Check::Fail(code) | Check::Unknown(code) = check {
            if !findings.contains(code) {
                findings.push(code);
            }
        }
    }
    findings.extend(e.warnings.iter().copied());
    (verdict, findings.join(" "))
}

/// Times as stored: fixed-width RFC 3339 UTC with nanoseconds, so text order is
/// time order whatever fraction the payload wrote.
pub fn stored_time(text: &str) -> Option<String> {
    evidence::time::parse(text).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
}

/// A bundle's bytes are stored in parts of this size (see migrations/*/0003).
const BYTES_PER_PART: usize = 1 << 20;

/// Rows go this many to a statement: each statement costs a round trip and, on
/// SQLite, a pass through sqlx's worker; more parameters than 1,000 rows of events
/// have would pass SQLite's limit of 32,766.
const ROWS_PER_STATEMENT: usize = 1000;

/// The event columns: `bundle_sha256`, then the verification, then what the payload says.
const EVENT_COLUMNS: &str = "INSERT INTO events (bundle_sha256, idx, digest, integrity, trust, \
     chain, inclusion, verdict, findings, event_id, kind, time, emitter, seq, actor_type, \
     actor_id, initiator_id, on_behalf_of, parent, task_id, trace_id, correlation_id, \
     credential_id, decision, policy_id, approval_id, resource, operation, outcome, summary, \
     payload) VALUES ";

/// How an event read while its bundle is verified is first written: as if every
/// check passed. [`Gathered::finish`] corrects, before anything is committed, each
/// event whose report says otherwise.
const PROVISIONAL: (&str, &str, &str) = ("pass", "pass", "");

/// What a valid event's payload gives to store: its columns, and what it tells of
/// the actors, credential and policy decision it names. Made on the verifying
/// threads.
struct ReadEvent {
    idx: i64,
    digest: String,
    event_id: String,
    kind: &'static str,
    time: String,
    emitter: String,
    seq: i64,
    actor_type: &'static str,
    actor_id: String,
    initiator_id: Option<String>,
    on_behalf_of: Option<String>,
    parent: Option<String>,
    task_id: Option<String>,
    trace_id: Option<String>,
    correlation_id: Option<String>,
    credential_id: Option<String>,
    decision: Option<&'static str>,
    policy_id: Option<String>,
    approval_id: Option<String>,
    resource: Option<String>,
    operation: Option<String>,
    outcome: Option<&'static str>,
    summary: String,
    payload: String,
    /// Each actor the event names, once, whatever roles it has in it.
    named: Vec<(String, &'static str, Option<String>)>,
    credential: Option<CredentialFacts>,
    decision_row: Option<DecisionRow>,
}

/// What one event says of its credential.
struct CredentialFacts {
    issuer: Option<String>,
    subject: Option<String>,
    scope: Option<String>,
    issued_at: Option<String>,
    expires_at: Option<String>,
    exchanged_from: Option<String>,
    revoked: bool,
}

/// Events arrive in no set order while verified; what the rows keep of them is what
/// the earliest event in the bundle said, so the same bytes always give the same rows.
struct Earliest<T> {
    idx: i64,
    value: Option<T>,
}

impl<T> Default for Earliest<T> {
    fn default() -> Self {
        Earliest {
            idx: i64::MAX,
            value: None,
        }
    }
}

impl<T> Earliest<T> {
    /// Keeps `value` when it is something and comes from an earlier event than what is kept.
    fn offer(&mut self, idx: i64, value: Option<T>) {
        if value.is_some() && idx < self.idx {
            self.idx = idx;
            self.value = value;
        }
    }
}

struct ActorRow {
    actor_type: Earliest<&'static str>,
    name: Earliest<String>,
    first_at: String,
    last_at: String,
    events: i64,
}

struct CredentialRow {
    issuer: Earliest<String>,
    subject: Earliest<String>,
    scope: Earliest<String>,
    issued_at: Earliest<String>,
    expires_at: Earliest<String>,
    exchanged_from: Earliest<String>,
    /// The time of the first `credential.revoke`.
    revoked_at: Earliest<String>,
    first_at: String,
    last_at: String,
    events: i64,
}

struct DecisionRow {
    decision_id: String,
    event_idx: i64,
    engine: String,
    policy_id: String,
    policy_version: String,
    decision: &'static str,
    input_hash: String,
}

fn span(first: &mut String, last: &mut String, time: &str) {
    if time < first.as_str() {
        time.clone_into(first);
    }
    if time > last.as_str() {
        time.clone_into(last);
    }
}

impl ReadEvent {
    /// The columns of a signed event; `None` when its time cannot be stored
    /// (verification refuses such an event first).
    fn read(signed: bundle::SignedEvent<'_>) -> Option<ReadEvent> {
        let e = &signed.event;
        let time = stored_time(&e.time)?;
        let mut named: Vec<(String, &'static str, Option<String>)> = Vec::new();
        let mut name = |actor: &Actor| {
            if !named.iter().any(|(id, _, _)| *id == actor.id) {
                named.push((actor.id.clone(), actor.kind.as_str(), actor.name.clone()));
            }
        };
        name(&e.actor);
        e.initiator.as_deref().into_iter().for_each(&mut name);
        e.on_behalf_of.iter().for_each(&mut name);
        if let Some(d) = &e.delegation {
            name(&d.to);
        }
        if let Some(a) = &e.approval {
            a.asked_of.iter().for_each(&mut name);
            a.decided_by.iter().for_each(&mut name);
        }
        let join = |actors: &[Actor]| {
            (!actors.is_empty()).then(|| {
                actors
                    .iter()
                    .map(|a| a.id.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        };
        Some(ReadEvent {
            idx: i64::try_from(signed.index).unwrap_or(i64::MAX),
            digest: hex::encode(signed.digest),
            event_id: e.id.clone(),
            kind: e.kind.as_str(),
            time,
            emitter: e.emitter.clone(),
            seq: i64::try_from(e.seq).unwrap_or(i64::MAX),
            actor_type: e.actor.kind.as_str(),
            actor_id: e.actor.id.clone(),
            initiator_id: e.initiator.as_ref().map(|a| a.id.clone()),
            on_behalf_of: join(&e.on_behalf_of),
            parent: e.parent.clone(),
            task_id: e.task_id.clone(),
            trace_id: e.trace_id.clone(),
            correlation_id: e.correlation_id.clone(),
            credential_id: e.credential.as_ref().map(|c| c.token_id.clone()),
            decision: e.decision.as_ref().map(|d| d.decision.as_str()),
            policy_id: e.decision.as_ref().map(|d| d.policy_id.clone()),
            approval_id: e
                .approval
                .as_ref()
                .map(|a| a.approval_id.clone())
                .or_else(|| e.approval_ref.clone()),
            resource: e.change.as_ref().map(|c| c.resource.clone()),
            operation: e.change.as_ref().map(|c| c.operation.clone()),
            outcome: e.change.as_ref().map(|c| match c.outcome {
                evidence::event::Outcome::Success => "success",
                evidence::event::Outcome::Failure => "failure",
            }),
            summary: e.summary(),
            payload: signed.payload.to_owned(),
            named,
            credential: e.credential.as_ref().map(|c| CredentialFacts {
                issuer: c.issuer.clone(),
                subject: c.subject.clone(),
                scope: c.scope.as_ref().map(|s| s.join(" ")),
                issued_at: c.issued_at.clone(),
                expires_at: c.expires_at.clone(),
                exchanged_from: c.exchanged_from.clone(),
                revoked: e.kind == Kind::CredentialRevoke,
            }),
            decision_row: e.decision.as_ref().map(|d| DecisionRow {
                decision_id: d.decision_id.clone(),
                event_idx: i64::try_from(signed.index).unwrap_or(i64::MAX),
                engine: d.engine.clone(),
                policy_id: d.policy_id.clone(),
                policy_version: d.policy_version.clone(),
                decision: d.decision.as_str(),
                input_hash: d.input_hash.clone(),
            }),
        })
    }
}

/// What the events written so far add up to: the actors, credentials and decisions
/// they name, their time span, and which were written.
#[derive(Default)]
struct Gathered {
    actors: BTreeMap<String, ActorRow>,
    credentials: BTreeMap<String, CredentialRow>,
    decisions: Vec<DecisionRow>,
    first_at: Option<String>,
    last_at: Option<String>,
    written: std::collections::HashSet<i64>,
}

impl Gathered {
    /// Adds what an event says of actors, its credential and its decision; gives
    /// back its columns to write.
    fn gather(&mut self, mut e: ReadEvent) -> ReadEvent {
        let idx = e.idx;
        self.written.insert(idx);
        let time = e.time.as_str();
        match (&mut self.first_at, &mut self.last_at) {
            (Some(first), Some(last)) => span(first, last, time),
            _ => {
                self.first_at = Some(time.to_owned());
                self.last_at = Some(time.to_owned());
            }
        }
        for (id, actor_type, name) in std::mem::take(&mut e.named) {
            let row = self.actors.entry(id).or_insert_with(|| ActorRow {
                actor_type: Earliest::default(),
                name: Earliest::default(),
                first_at: time.to_owned(),
                last_at: time.to_owned(),
                events: 0,
            });
            row.actor_type.offer(idx, Some(actor_type));
            row.name.offer(idx, name);
            span(&mut row.first_at, &mut row.last_at, time);
            row.events += 1;
        }
        if let (Some(token_id), Some(c)) = (&e.credential_id, e.credential.take()) {
            let row = self
                .credentials
                .entry(token_id.clone())
                .or_insert_with(|| CredentialRow {
                    issuer: Earliest::default(),
                    subject: Earliest::default(),
                    scope: Earliest::default(),
                    issued_at: Earliest::default(),
                    expires_at: Earliest::default(),
                    exchanged_from: Earliest::default(),
                    revoked_at: Earliest::default(),
                    first_at: time.to_owned(),
                    last_at: time.to_owned(),
                    events: 0,
                });
            row.issuer.offer(idx, c.issuer);
            row.subject.offer(idx, c.subject);
            row.scope.offer(idx, c.scope);
            row.issued_at.offer(idx, c.issued_at);
            row.expires_at.offer(idx, c.expires_at);
            row.exchanged_from.offer(idx, c.exchanged_from);
            row.revoked_at
                .offer(idx, c.revoked.then(|| time.to_owned()));
            span(&mut row.first_at, &mut row.last_at, time);
            row.events += 1;
        }
        if let Some(d) = e.decision_row.take() {
            self.decisions.push(d);
        }
        e
    }

    /// With the report: writes a row for each event that could not be read,
    /// corrects the checks of each written one that did not pass them all, then
    /// writes the actors, credentials and decisions. Decisions and actor and
    /// credential spans do not depend on the order the events were read in.
    async fn finish(
        mut self,
        tx: &mut sqlx::Transaction<'_, Any>,
        kind: crate::model::DatabaseKind,
        sha256: &str,
        report: &Report,
    ) -> Result<(), StoreError> {
        let mut unread: Vec<&EventReport> = Vec::new();
        let mut corrections: Vec<Correction> = Vec::new();
        for (i, e) in report.events().iter().enumerate() {
            let idx = i64::try_from(i).unwrap_or(i64::MAX);
            if !self.written.contains(&idx) {
                unread.push(e);
                continue;
            }
            let (verdict, findings) = verdict_of(e);
            let checks = checks_of(e);
            if checks.iter().any(|c| c != PROVISIONAL.0)
                || verdict != PROVISIONAL.1
                || findings != PROVISIONAL.2
            {
                corrections.push(Correction {
                    idx,
                    checks,
                    verdict,
                    findings,
                });
            }
        }
        for chunk in unread.chunks(ROWS_PER_STATEMENT) {
            // What the payload says stays null: it could not be read.
            let mut q = Sql::new(
                kind,
                "INSERT INTO events (bundle_sha256, idx, digest, integrity, trust, chain, \
                 inclusion, verdict, findings) VALUES ",
            );
            for (i, e) in chunk.iter().enumerate() {
                let (verdict, findings) = verdict_of(e);
                let [integrity, trust, chain, inclusion] = checks_of(e);
                q.row(i == 0)
                    .bind(sha256)
                    .bind(i64::try_from(e.index).unwrap_or(i64::MAX))
                    .bind(e.digest.clone())
                    .bind(integrity)
                    .bind(trust)
                    .bind(chain)
                    .bind(inclusion)
                    .bind(verdict)
                    .bind(findings);
                q.end_row();
            }
            let (text, args) = q.build()?;
            sqlx::query_with(&text, args).execute(&mut **tx).await?;
        }
        // Runs of consecutive events with the same correction (a bundle-wide finding,
        // such as an untrusted manifest, is one run) go in one statement each.
        let mut runs: Vec<(i64, i64, &Correction)> = Vec::new();
        for c in &corrections {
            match runs.last_mut() {
                Some((_, last, same)) if *last + 1 == c.idx && same.same_as(c) => *last = c.idx,
                _ => runs.push((c.idx, c.idx, c)),
            }
        }
        for (from, to, c) in runs {
            let [integrity, trust, chain, inclusion] = &c.checks;
            sqlx::query(
                "UPDATE events SET integrity = $1, trust = $2, chain = $3, inclusion = $4, \
                 verdict = $5, findings = $6 WHERE bundle_sha256 = $7 AND idx BETWEEN $8 AND $9",
            )
            .bind(integrity.as_str())
            .bind(trust.as_str())
            .bind(chain.as_str())
            .bind(inclusion.as_str())
            .bind(c.verdict)
            .bind(c.findings.as_str())
            .bind(sha256)
            .bind(from)
            .bind(to)
            .execute(&mut **tx)
            .await?;
        }
        self.decisions.sort_by_key(|d| d.event_idx);
        let actors: Vec<(String, ActorRow)> =
            std::mem::take(&mut self.actors).into_iter().collect();
        for chunk in actors.chunks(ROWS_PER_STATEMENT) {
            let mut q = Sql::new(
                kind,
                "INSERT INTO actors (bundle_sha256, actor_id, actor_type, name, first_at, \
                 last_at, event_count) VALUES ",
            );
            for (i, (id, a)) in chunk.iter().enumerate() {
                q.row(i == 0)
                    .bind(sha256)
                    .bind(id.as_str())
                    .bind(a.actor_type.value.unwrap_or("system"))
                    .bind(a.name.value.as_deref())
                    .bind(a.first_at.as_str())
                    .bind(a.last_at.as_str())
                    .bind(a.events);
                q.end_row();
            }
            let (text, args) = q.build()?;
            sqlx::query_with(&text, args).execute(&mut **tx).await?;
        }
        let credentials: Vec<(String, CredentialRow)> =
            std::mem::take(&mut self.credentials).into_iter().collect();
        for chunk in credentials.chunks(ROWS_PER_STATEMENT) {
            let mut q = Sql::new(
                kind,
                "INSERT INTO credentials (bundle_sha256, token_id, issuer, subject, scope, \
                 issued_at, expires_at, exchanged_from, revoked_at, first_at, last_at, \
                 event_count) VALUES ",
            );
            for (i, (id, c)) in chunk.iter().enumerate() {
                q.row(i == 0)
                    .bind(sha256)
                    .bind(id.as_str())
                    .bind(c.issuer.value.as_deref())
                    .bind(c.subject.value.as_deref())
                    .bind(c.scope.value.as_deref())
                    .bind(c.issued_at.value.as_deref())
                    .bind(c.expires_at.value.as_deref())
                    .bind(c.exchanged_from.value.as_deref())
                    .bind(c.revoked_at.value.as_deref())
                    .bind(c.first_at.as_str())
                    .bind(c.last_at.as_str())
                    .bind(c.events);
                q.end_row();
            }
            let (text, args) = q.build()?;
            sqlx::query_with(&text, args).execute(&mut **tx).await?;
        }
        for chunk in self.decisions.chunks(ROWS_PER_STATEMENT) {
            let mut q = Sql::new(
                kind,
                "INSERT INTO decisions (bundle_sha256, decision_id, event_idx, engine, \
                 policy_id, policy_version, decision, input_hash) VALUES ",
            );
            for (i, d) in chunk.iter().enumerate() {
                q.row(i == 0)
                    .bind(sha256)
                    .bind(d.decision_id.as_str())
                    .bind(d.event_idx)
                    .bind(d.engine.as_str())
                    .bind(d.policy_id.as_str())
                    .bind(d.policy_version.as_str())
                    .bind(d.decision)
                    .bind(d.input_hash.as_str());
                q.end_row();
            }
            let (text, args) = q.build()?;
            sqlx::query_with(&text, args).execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// An event's checks as its report gives them, where they differ from what was
/// first written.
struct Correction {
    idx: i64,
    checks: [String; 4],
    verdict: &'static str,
    findings: String,
}

impl Correction {
    fn same_as(&self, other: &Correction) -> bool {
        self.checks == other.checks
            && self.verdict == other.verdict
            && self.findings == other.findings
    }
}

/// The four checks of an event as stored.
fn checks_of(e: &EventReport) -> [String; 4] {
    [
        check_text(&e.integrity),
        check_text(&e.trust),
        check_text(&e.chain),
        check_text(&e.inclusion),
    ]
}

/// Writes events as read, their checks provisional (see [`PROVISIONAL`]).
async fn insert_read(
    tx: &mut sqlx::Transaction<'_, Any>,
    kind: crate::model::DatabaseKind,
    sha256: &str,
    chunk: Vec<ReadEvent>,
) -> Result<(), StoreError> {
    if chunk.is_empty() {
        return Ok(());
    }
    let (pass, verdict, findings) = PROVISIONAL;
    let mut q = Sql::new(kind, EVENT_COLUMNS);
    for (i, r) in chunk.iter().enumerate() {
        q.row(i == 0)
            .bind(sha256)
            .bind(r.idx)
            .bind(r.digest.as_str())
            .bind(pass)
            .bind(pass)
            .bind(pass)
            .bind(pass)
            .bind(verdict)
            .bind(findings)
            .bind(r.event_id.as_str())
            .bind(r.kind)
            .bind(r.time.as_str())
            .bind(r.emitter.as_str())
            .bind(r.seq)
            .bind(r.actor_type)
            .bind(r.actor_id.as_str())
            .bind(r.initiator_id.as_deref())
            .bind(r.on_behalf_of.as_deref())
            .bind(r.parent.as_deref())
            .bind(r.task_id.as_deref())
            .bind(r.trace_id.as_deref())
            .bind(r.correlation_id.as_deref())
            .bind(r.credential_id.as_deref())
            .bind(r.decision)
            .bind(r.policy_id.as_deref())
            .bind(r.approval_id.as_deref())
            .bind(r.resource.as_deref())
            .bind(r.operation.as_deref())
            .bind(r.outcome)
            .bind(r.summary.as_str())
            .bind(r.payload.as_str());
        q.end_row();
    }
    let (text, args) = q.build()?;
    sqlx::query_with(&text, args).execute(&mut **tx).await?;
    Ok(())
}
