//! Re-verification: every stored bundle's bytes stored again, with the same code as
//! any ingest, in a scratch database, and compared with what is stored and with what
//! the review log says of its upload.

use std::collections::BTreeMap;

use evidence::bundle::Status;

use model::{BundleSummary, Reverified, Severity};

use crate::bundles::raw;
use crate::ingest::{address, ingest_against, IngestError, Target, Upload};
use crate::review_log::{self, Actor as LogActor, ServerKey};
use crate::IngestOptions;
use crate::{Db, StoreError};

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
    let uploads = crate::replay::uploads(&review_log::read(db, key).await?.signed);
    let addresses: Vec<(String, String, String)> =
        sqlx::query_as("SELECT sha256, status, roots FROM bundles ORDER BY ingested_at, sha256")
            .fetch_all(db.pool())
            .await?;
    let scratch = Scratch::open().await?;
    let mut out = Vec::with_capacity(addresses.len());
    for (sha256, stored_verdict, stored_roots) in addresses {
        let bytes = match raw(db, &sha256).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => continue,
            Err(StoreError::Corrupt { column, value }) => {
                out.push(Reverified {
                    ok: false,
                    sha256,
                    actual_sha256: None,
                    verdict_now: Status::Malformed.code().to_owned(),
                    stored_verdict,
                    differences: vec![format!(
                        "its stored bytes cannot be read back: {column} holds {value}"
                    )],
                });
                continue;
            }
            Err(e) => return Err(e),
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
            actual_sha256: Some(actual_sha256),
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
        sqlx::query(
            "DELETE FROM events_text WHERE rowid IN \
             (SELECT rowid FROM events WHERE bundle_sha256 = $1)",
        )
        .bind(sha256)
        .execute(&mut *tx)
        .await?;
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
            "event_count",
            "first_event_at",
            "last_event_at",
            "provenance",
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
            "payload_at",
            "payload_len",
            "also_named",
            "provenance",
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

/// Where a payload stands in the bundle's bytes: not recorded for events stored
/// before migration 0010 (their payload is read by reading the bundle again), so
/// a stored NULL is no difference.
const SPAN: [&str; 2] = ["payload_at", "payload_len"];

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
    // The transcript is compared as read back (it is stored compressed).
    if crate::bundles::report(db, stored).await? != crate::bundles::report(scratch, again).await? {
        found.push(
            "bundles: the bundle's row differs from its bytes in its verification transcript"
                .to_owned(),
        );
    }
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
                        .filter(|(c, (a, b))| a != b && !(a.is_none() && SPAN.contains(*c)))
                        .map(|(c, _)| *c)
                        .collect();
                    if !columns.is_empty() {
                        found.push(format!(
                            "{table}: {} differs from its bytes in {}",
                            name(k),
                            columns.join(", ")
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
