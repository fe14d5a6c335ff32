//! The events of an incident, or of a search, as CSV.

use std::collections::HashMap;
use std::fmt::Write as _;

use evidence::findings::account::{ApprovalFacts, Authority};
use evidence::findings::Account;
use evidence::report::{Manifest, MANIFEST_FILE};
use serde_json::json;

use crate::events::{self, QueryError};
use crate::review_log::{self, Actor, Entry, ServerKey};
use crate::sql::Sql;
use crate::{annotations, findings, stamp, Db, IngestOptions, StoreError};
use model::{Annotation, DatabaseKind, EventQuery, Findings};

use super::{made_now, Export};

/// The CSV's columns, in order (documented in `docs/exports.md`).
pub const CSV_COLUMNS: [&str; 37] = [
    "bundle_sha256",
    "bundle_name",
    "index",
    "time",
    "kind",
    "actor_type",
    "actor_id",
    "initiator_id",
    "on_behalf_of",
    "credential_id",
    "policy_id",
    "policy_decision",
    "approval_id",
    "resource",
    "operation",
    "outcome",
    "summary",
    "digest",
    "verdict",
    "integrity",
    "trust",
    "chain",
    "inclusion",
    "reason_codes",
    "responsibility",
    "responsibility_rationale_and_reviewer",
    "attribution_gaps",
    "intended_by",
    "executed_by",
    "credential",
    "authority",
    "approval",
    "what_changed",
    "approver",
    "approval_decided_at",
    "provenance",
    "reconciliation",
];

/// A cell a spreadsheet would run as a formula is made text: it gets a leading `'`.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    // Spreadsheets skip leading spaces before a formula, so they are looked past.
    let start = cell.trim_start_matches(' ');
    if cell.starts_with(['\t', '\r']) || start.starts_with(['=', '+', '-', '@']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// One event's row, read by its columns' names or, from JSON, in their order.
#[derive(sqlx::FromRow, serde::Deserialize)]
struct Row {
    bundle_sha256: String,
    #[sqlx(rename = "name")]
    bundle_name: String,
    idx: i64,
    time: Option<String>,
    kind: Option<String>,
    actor_type: Option<String>,
    actor_id: Option<String>,
    initiator_id: Option<String>,
    on_behalf_of: Option<String>,
    credential_id: Option<String>,
    policy_id: Option<String>,
    decision: Option<String>,
    approval_id: Option<String>,
    resource: Option<String>,
    operation: Option<String>,
    outcome: Option<String>,
    summary: Option<String>,
    digest: String,
    verdict: String,
    integrity: String,
    trust: String,
    chain: String,
    inclusion: String,
    findings: String,
    provenance: Option<String>,
}

/// The columns of [`Row`], from `events e JOIN bundles b`.
const ROW_COLUMNS: &str = "e.bundle_sha256, b.name, e.idx, e.time, e.kind, \
    e.actor_type, e.actor_id, e.initiator_id, e.on_behalf_of, e.credential_id, e.policy_id, \
    e.decision, e.approval_id, e.resource, e.operation, e.outcome, e.summary, e.digest, \
    e.verdict, e.integrity, e.trust, e.chain, e.inclusion, e.findings, e.provenance";

/// What reviewers recorded on one bundle's events, for its CSV rows: the current
/// annotations and the findings naming each event.
struct Recorded {
    current: HashMap<u64, Annotation>,
    gaps: HashMap<u64, String>,
    /// The account of each side effect whose signature held, by index.
    accounts: HashMap<u64, Account>,
    /// What reconciliation with the incident's other side says of its calls.
    counterparts: HashMap<u64, model::Counterpart>,
}

impl Recorded {
    async fn of(db: &Db, sha: &str) -> Result<Recorded, StoreError> {
        Ok(Recorded {
            current: annotations::current_of_bundle(db, sha).await?,
            gaps: gaps_by_event(
                &findings::of_bundle(db, sha, IngestOptions::default())
                    .await?
                    .unwrap_or_default(),
            ),
            accounts: match findings::analysis_of_bundle(db, sha).await? {
                Some(analysed) => match analysed.as_ref() {
                    Ok(a) => a
                        .accounts
                        .iter()
                        .map(|a| (a.position as u64, a.clone()))
                        .collect(),
                    Err(_) => HashMap::new(),
                },
                None => HashMap::new(),
            },
            counterparts: findings::counterparts(db, sha, IngestOptions::default())
                .await?
                .into_iter()
                .map(|c| (c.index(), c))
                .collect(),
        })
    }
}

/// What an export covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// An incident and all its bundles.
    Incident(i64),
    /// One bundle (its SHA-256), with what was recorded on it.
    Bundle(&'a str),
}

/// Every event in `scope`, with its current annotation, as CSV ([`CSV_COLUMNS`]),
/// calling `progress(done, total)` as events are read.
pub async fn events_csv(
    db: &Db,
    scope: Scope<'_>,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<u8>, StoreError> {
    let bundles: Vec<(String, i64)> = match scope {
        Scope::Incident(id) => sqlx::query_as(
            "SELECT sha256, event_count FROM bundles WHERE incident_id = $1 \
             ORDER BY ingested_at, sha256",
        )
        .bind(id),
        Scope::Bundle(sha) => {
            sqlx::query_as("SELECT sha256, event_count FROM bundles WHERE sha256 = $1").bind(sha)
        }
    }
    .fetch_all(db.pool())
    .await?;
    let total = bundles
        .iter()
        .map(|(_, n)| usize::try_from(*n).unwrap_or_default())
        .sum();
    let mut done = 0;
    progress(done, total);
    let mut out = ::csv::Writer::from_writer(Vec::new());
    let _ = out.write_record(CSV_COLUMNS);
    for (sha, count) in bundles {
        let recorded = Recorded::of(db, &sha).await?;
        let rows = rows_of(db, &sha, count, &|read| progress(done + read, total)).await?;
        done += rows.len();
        write_rows(&mut out, &rows, &recorded);
    }
    Ok(out.into_inner().unwrap_or_default())
}

/// Events per query when a bundle's rows are read: a large bundle is read in
/// several ranges at once, on as many connections.
const ROWS_PER_READ: i64 = 20_000;

/// Ranges read at once: enough for every core, few enough to leave connections to others.
const READS_AT_ONCE: usize = 4;

/// The rows of bundle `sha` (`count` events), in event order, calling `read(rows)`
/// as they come.
///
/// The database hands each range over as one JSON array of rows (in the order of
/// [`ROW_COLUMNS`]), built by the database itself: decoding rows one by one through
/// the driver cost five times what reading them does. Ranges are read on their own
/// tasks, so they are decoded on every core.
async fn rows_of(
    db: &Db,
    sha: &str,
    count: i64,
    read: &(dyn Fn(usize) + Sync),
) -> Result<Vec<Row>, StoreError> {
    let rows_as_json = match db.kind() {
        DatabaseKind::Sqlite => {
            format!("json_group_array(json_array({ROW_COLUMNS}) ORDER BY e.idx)")
        }
        DatabaseKind::Postgres => {
            format!("CAST(json_agg(json_build_array({ROW_COLUMNS}) ORDER BY e.idx) AS TEXT)")
        }
    };
    let select = format!(
        "SELECT {rows_as_json} FROM events e JOIN bundles b ON b.sha256 = e.bundle_sha256 \
         WHERE e.bundle_sha256 = $1 AND e.idx >= $2 AND e.idx < $3"
    );
    let read_range = |start: i64| {
        let pool = db.pool().clone();
        let (sha, select) = (sha.to_owned(), select.clone());
        tokio::spawn(async move {
            let (json,): (Option<String>,) = sqlx::query_as(&select)
                .bind(sha)
                .bind(start)
                .bind(start + ROWS_PER_READ)
                .fetch_one(&pool)
                .await?;
            json.map_or(Ok(Vec::new()), |json| {
                serde_json::from_str::<Vec<Row>>(&json).map_err(|e| StoreError::Corrupt {
                    column: "events",
                    value: e.to_string(),
                })
            })
        })
    };
    let mut starts = (0..count.max(1)).step_by(usize::try_from(ROWS_PER_READ).unwrap_or(1));
    let mut reading = std::collections::VecDeque::new();
    let mut rows = Vec::with_capacity(usize::try_from(count).unwrap_or_default());
    loop {
        while reading.len() < READS_AT_ONCE {
            let Some(start) = starts.next() else { break };
            reading.push_back(read_range(start));
        }
        let Some(range) = reading.pop_front() else {
            break;
        };
        rows.extend(range.await.map_err(|_| sqlx::Error::WorkerCrashed)??);
        read(rows.len());
    }
    Ok(rows)
}

/// The events `query` selects (every page, in its order) as CSV ([`CSV_COLUMNS`]),
/// with the bundles they come from.
async fn selected_csv(
    db: &Db,
    query: &EventQuery,
) -> Result<(Vec<u8>, usize, Vec<String>), QueryError> {
    let order = events::Sort::of(query)?.order_by();
    let mut select = Sql::new(db.kind(), format!("SELECT {ROW_COLUMNS}"));
    events::push_filters(&mut select, query)?;
    select.push(&format!(" ORDER BY {order}"));
    let (text, args) = select.build()?;
    let rows: Vec<Row> = sqlx::query_as_with(&text, args)
        .fetch_all(db.pool())
        .await
        .map_err(StoreError::from)?;
    let mut bundles: Vec<String> = rows.iter().map(|r| r.bundle_sha256.clone()).collect();
    bundles.sort_unstable();
    bundles.dedup();
    let mut out = ::csv::Writer::from_writer(Vec::new());
    let _ = out.write_record(CSV_COLUMNS);
    let mut recorded: HashMap<String, Recorded> = HashMap::new();
    for sha in &bundles {
        recorded.insert(sha.clone(), Recorded::of(db, sha).await?);
    }
    for r in &rows {
        if let Some(rec) = recorded.get(&r.bundle_sha256) {
            write_rows(&mut out, std::slice::from_ref(r), rec);
        }
    }
    Ok((out.into_inner().unwrap_or_default(), rows.len(), bundles))
}

/// An export of the events `query` selects (a filtered list): `events.csv` and the
/// signed manifest over it and its source bundles, recorded in the review log as
/// done by `by`.
pub async fn selected(
    db: &Db,
    key: &ServerKey,
    by: Actor<'_>,
    query: &EventQuery,
) -> Result<Export, QueryError> {
    let _turn = db.heavy_turn().await?;
    let (csv, count, bundles) = selected_csv(db, query).await?;
    // The filters were checked (`events::check_query`): each is bounded, and they
    // are recorded once, in the details.
    let filters = filters_of(query);
    let what = format!("{count} events matching ?{filters}");
    let named = filters.split('&').filter(|f| !f.is_empty()).count();
    review_log::record(
        db,
        key,
        Entry {
            actor: by,
            action: "export",
            incident: query.incident,
            bundle: query.bundle.as_deref(),
            event: None,
            summary: format!(
                "exported {count} events matching {named} filter{} (CSV)",
                if named == 1 { "" } else { "s" }
            ),
            details: json!({ "bundles": bundles, "query": filters, "events": count }),
        },
    )
    .await?;
    let made_at = made_now();
    let created_at = stamp(made_at);
    let manifest = Manifest::over(
        &what,
        &created_at,
        by.id(),
        &[("events.csv", csv.as_slice())],
        bundles,
    );
    Ok(Export {
        files: vec![
            ("events.csv".to_owned(), csv),
            (
                MANIFEST_FILE.to_owned(),
                key.sign_manifest(&manifest).into_bytes(),
            ),
        ],
        created_at: made_at,
        signed_by: key.public_key(),
    })
}

/// `query`'s filters as a query string, in [`EventQuery`]'s field order, paging left out.
fn filters_of(query: &EventQuery) -> String {
    let fields = [
        ("incident", query.incident.map(|i| i.to_string())),
        ("bundle", query.bundle.clone()),
        ("actor_type", query.actor_type.clone()),
        ("actor", query.actor.clone()),
        ("kind", query.kind.clone()),
        ("resource", query.resource.clone()),
        ("credential", query.credential.clone()),
        ("decision", query.decision.clone()),
        ("from", query.from.clone()),
        ("to", query.to.clone()),
        ("verdict", query.verdict.clone()),
        ("q", query.q.clone()),
        ("sort", query.sort.clone()),
    ];
    fields
        .into_iter()
        .filter_map(|(name, value)| {
            value
                .filter(|v| !v.is_empty())
                .map(|v| format!("{name}={}", model::text::query_component(&v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// For each event a finding names, the findings' rule codes with their
/// dispositions (`approval-late (accepted)`), `; `-separated.
fn gaps_by_event(found: &Findings) -> HashMap<u64, String> {
    let mut out: HashMap<u64, String> = HashMap::new();
    for f in &found.items {
        let state = f
            .disposition
            .as_ref()
            .map_or("open", |d| d.decision.as_str());
        for e in &f.events {
            let cell = out.entry(e.index).or_default();
            if !cell.is_empty() {
                cell.push_str("; ");
            }
            let _ = write!(cell, "{} ({state})", f.rule);
        }
    }
    out
}

fn write_rows(out: &mut ::csv::Writer<Vec<u8>>, rows: &[Row], recorded: &Recorded) {
    fn text(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or_default()
    }
    for r in rows {
        let annotation = recorded
            .current
            .get(&u64::try_from(r.idx).unwrap_or_default());
        let index = r.idx.to_string();
        let judged = annotation
            .map(|a| format!("{} ({}, {})", a.rationale, a.author, a.created_at))
            .unwrap_or_default();
        // A side effect's row carries its account; the policy columns then name the
        // decision it rests on, which may be another event's.
        let account = recorded
            .accounts
            .get(&u64::try_from(r.idx).unwrap_or_default());
        let said = account.map(Account::sentences);
        let (policy_id, policy_decision) = match account.map(|a| &a.authority) {
            Some(Authority::Decision {
                policy_id,
                decision,
                ..
            }) => (policy_id.as_str(), decision.as_str()),
            Some(_) => ("", ""),
            None => (text(&r.policy_id), text(&r.decision)),
        };
        let (approver, decided_at) = match account.map(|a| &a.approval) {
            Some(ApprovalFacts::Approved {
                approver,
                decided_at,
                ..
            }) => (approver.id.as_str(), decided_at.as_str()),
            Some(ApprovalFacts::Rejected { by, decided_at, .. }) => {
                (by.id.as_str(), decided_at.as_str())
            }
            _ => ("", ""),
        };
        let reconciled = recorded
            .counterparts
            .get(&u64::try_from(r.idx).unwrap_or_default())
            .map(model::Counterpart::describe)
            .unwrap_or_default();
        let cells: [&str; 37] = [
            &r.bundle_sha256,
            &r.bundle_name,
            &index,
            text(&r.time),
            text(&r.kind),
            text(&r.actor_type),
            text(&r.actor_id),
            text(&r.initiator_id),
            text(&r.on_behalf_of),
            text(&r.credential_id),
            policy_id,
            policy_decision,
            text(&r.approval_id),
            text(&r.resource),
            text(&r.operation),
            text(&r.outcome),
            text(&r.summary),
            &r.digest,
            &r.verdict,
            &r.integrity,
            &r.trust,
            &r.chain,
            &r.inclusion,
            &r.findings,
            annotation.map_or("", |a| a.responsibility.as_str()),
            &judged,
            recorded
                .gaps
                .get(&u64::try_from(r.idx).unwrap_or_default())
                .map_or("", String::as_str),
            said.as_ref().map_or("", |s| s.intended.as_str()),
            said.as_ref().map_or("", |s| s.executed.as_str()),
            said.as_ref().map_or("", |s| s.credential.as_str()),
            said.as_ref().map_or("", |s| s.authority.as_str()),
            said.as_ref().map_or("", |s| s.approval.as_str()),
            said.as_ref().map_or("", |s| s.change.as_str()),
            approver,
            decided_at,
            r.provenance.as_deref().unwrap_or("not_recorded"),
            &reconciled,
        ];
        for cell in cells {
            let _ = out.write_field(neutralise(cell).as_bytes());
        }
        let _ = out.write_record(None::<&[u8]>);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for cell in [
            "=SUM(A1:A9)",
            "+1",
            "-2+3",
            "@cmd",
            "\tx",
            "\rx",
            " =1+1",
            "   @x",
        ] {
            assert!(neutralise(cell).starts_with('\''), "{cell}");
        }
        for cell in ["plain", "a=b", "", "2026-01-01T00:00:00Z"] {
            assert_eq!(neutralise(cell), cell);
        }
    }
}
