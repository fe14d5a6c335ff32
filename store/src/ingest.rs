//! Ingest: a bundle as received, verified with the `evidence` crate, then written
//! with its rows, its verdict and the upload's entry in the review log, in one
//! transaction. The one way a bundle enters the store.

use evidence::bundle::{self, Check, Report, Status};
use sha2::{Digest as _, Sha256};

use model::{BundleSummary, Severity};

use crate::bundles::get;
use crate::ingest_rows::{insert_read, Gathered, ReadEvent, ROWS_PER_STATEMENT};
use crate::review_log::{self, Actor as LogActor, ServerKey};
use crate::{incidents, now, trust_roots, Db, IngestOptions, StoreError};

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
pub(super) async fn ingest_against(
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
                if let Some(row) = ReadEvent::read(signed, &bytes) {
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
    let report = std::sync::Arc::new(refuse_malformed(report)?);
    // The bytes and the transcript are compressed on a blocking thread while the
    // rows are written, and stored after them.
    let size = bytes.len();
    // The bundle's leaf in the transparency log: its manifest's digest (the bundle
    // read, so its manifest envelope is there).
    let manifest = evidence::bundle::manifest_digest(&bytes, &options.limits)
        .map(hex::encode)
        .map_err(|e| {
            IngestError::Store(StoreError::Corrupt {
                column: "the bundle's manifest",
                value: e.to_string(),
            })
        })?;
    let packing = {
        let report = report.clone();
        tokio::task::spawn_blocking(move || Packed {
            parts: crate::bundle_bytes::parts(&bytes),
            report: crate::bundle_bytes::deflate(
                &serde_json::to_vec(&*report).unwrap_or_else(|_| b"{}".to_vec()),
            ),
        })
    };

    let writer = db.lock_writes().await;
    let mut conn = db.large_write_connection().await?;
    let stored = store(
        &mut conn,
        db.kind(),
        Pending {
            sha256: &sha256,
            manifest: &manifest,
            size,
            packing,
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

/// A bundle's bytes and its verification transcript, compressed to be stored.
struct Packed {
    parts: Vec<Vec<u8>>,
    report: Vec<u8>,
}

/// A bundle on its way into the store.
struct Pending<'a> {
    sha256: &'a str,
    /// The manifest digest (hex): the bundle's leaf in the transparency log.
    manifest: &'a str,
    /// How many bytes were received.
    size: usize,
    packing: tokio::task::JoinHandle<Packed>,
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
    kind: model::DatabaseKind,
    pending: Pending<'_>,
    rows: Vec<ReadEvent>,
    report: &Report,
) -> Result<Option<()>, IngestError> {
    let Pending {
        sha256,
        manifest,
        size,
        packing,
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
            let digest = crate::review_log::text_digest(&description);
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
    .bind(i64::try_from(size).unwrap_or(i64::MAX))
    .bind(&roots_json)
    .bind(&at)
    .fetch_optional(&mut *tx)
    .await
    .map_err(StoreError::from)?;
    if inserted.is_none() {
        tx.rollback().await.map_err(StoreError::from)?;
        return Ok(None);
    }

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
    let provenance = match gathered.provenances.len() {
        0 => None,
        1 => gathered.provenances.iter().next().copied(),
        _ => Some("mixed"),
    };
    gathered.finish(&mut tx, kind, sha256, report).await?;
    let events = report.events().len();
    let packed = packing.await.map_err(|e| StoreError::Task(e.to_string()))?;
    crate::bundle_bytes::write(&mut tx, sha256, packed.parts).await?;
    sqlx::query(
        "UPDATE bundles SET bundle_id = $1, status = $2, reasons = $3, report = '', \
         report_deflated = $4, event_count = $5, first_event_at = $6, last_event_at = $7, \
         uploaded_by = $8, provenance = $9 WHERE sha256 = $10",
    )
    .bind(report.bundle_id())
    .bind(report.status().code())
    .bind(serde_json::to_string(report.reasons()).unwrap_or_else(|_| "[]".into()))
    .bind(packed.report)
    .bind(i64::try_from(events).unwrap_or(i64::MAX))
    .bind(first_at)
    .bind(last_at)
    .bind(match who {
        LogActor::Reviewer(reviewer) => Some(reviewer.username.as_str()),
        LogActor::Cli => None,
        LogActor::Token(id) => Some(id),
    })
    .bind(provenance)
    .bind(sha256)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from)?;
    // The upload's entry is the last write, so the log's append lock is held only
    // to the commit. It is taken before the incident's row is locked (touched), as
    // every other review action takes it before the rows it changes: taken after,
    // an upload into an incident whose status or assignee changes at the same
    // moment (on any server sharing a Postgres database) would deadlock with it.
    review_log::lock_appends(&mut tx, kind).await?;
    sqlx::query("UPDATE bundles SET manifest_digest = $1 WHERE sha256 = $2")
        .bind(manifest)
        .bind(sha256)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::from)?;
    crate::tlog::append_once(
        &mut tx,
        &evidence::tlog::Leaf::Bundle {
            manifest: manifest.to_owned(),
        },
        &at,
    )
    .await?;
    incidents::touch(&mut *tx, incident_id, &at).await?;
    incidents::recount(&mut *tx, incident_id).await?;
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
