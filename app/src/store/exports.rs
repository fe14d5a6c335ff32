//! Exports of an incident's review: its events as CSV, the whole review as JSON and a
//! printable report, with a manifest of every file's and source bundle's SHA-256,
//! signed by the server's key ([`evidence::report`]). Each export is recorded in the
//! review log.

use std::collections::HashMap;
use std::fmt::Write as _;

use evidence::findings::account::{ApprovalFacts, Authority};
use evidence::findings::Account;
use evidence::report::{Manifest, MANIFEST_FILE};
use serde_json::{json, Value};

use crate::model::{
    Annotation, BundleChains, DatabaseKind, EventQuery, EventReview, Findings, IncidentDetail,
    LogQuery, SideEffectResponsibility, Verdict,
};

use super::bundles::IngestOptions;
use super::events::{self, QueryError};
use super::review_log::{Actor, Entry, ServerKey};
use super::sql::Sql;
use super::{annotations, findings, incidents, review_log, signoffs, stamp, Db, StoreError};
use crate::escape::html as esc;

/// The CSV's columns, in order (documented in `docs/exports.md`).
pub const CSV_COLUMNS: [&str; 35] = [
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
];

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
}

/// The columns of [`Row`], from `events e JOIN bundles b`.
const ROW_COLUMNS: &str = "e.bundle_sha256, b.name, e.idx, e.time, e.kind, \
    e.actor_type, e.actor_id, e.initiator_id, e.on_behalf_of, e.credential_id, e.policy_id, \
    e.decision, e.approval_id, e.resource, e.operation, e.outcome, e.summary, e.digest, \
    e.verdict, e.integrity, e.trust, e.chain, e.inclusion, e.findings";

/// What reviewers recorded on one bundle's events, for its CSV rows: the current
/// annotations and the findings naming each event.
struct Recorded {
    current: HashMap<u64, Annotation>,
    gaps: HashMap<u64, String>,
    /// The account of each side effect whose signature held, by index.
    accounts: HashMap<u64, Account>,
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
    let mut out = csv::Writer::from_writer(Vec::new());
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
    let order = events::order_of(query)?;
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
    let mut out = csv::Writer::from_writer(Vec::new());
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
                .map(|v| format!("{name}={}", crate::escape::query_component(&v)))
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

fn write_rows(out: &mut csv::Writer<Vec<u8>>, rows: &[Row], recorded: &Recorded) {
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
        let cells: [&str; 35] = [
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
        ];
        for cell in cells {
            let _ = out.write_field(neutralise(cell).as_bytes());
        }
        let _ = out.write_record(None::<&[u8]>);
    }
}

/// Everything a report is made of.
struct Review {
    detail: IncidentDetail,
    side_effects: Vec<SideEffectResponsibility>,
    chains: Vec<(String, BundleChains)>,
    notes: Vec<(String, u64, EventReview)>,
    findings: Findings,
    /// Per bundle: its name and its timeline as SVG, or why it is not drawn.
    pictures: Vec<(String, Result<String, String>)>,
    log: Vec<crate::model::LogEntry>,
}

async fn gather(db: &Db, id: i64, only: Option<&str>) -> Result<Option<Review>, StoreError> {
    let Some(mut detail) = incidents::get(db, id).await? else {
        return Ok(None);
    };
    let mut side_effects = annotations::side_effects_of_incident(db, id).await?;
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

/// The most events a report draws in one bundle's timeline picture.
pub const MAX_PICTURED: i64 = 5_000;

/// Bundle `sha`'s timeline as SVG, `flagged` events ringed; or why it is not drawn.
async fn picture(
    db: &Db,
    sha: &str,
    events: i64,
    flagged: &std::collections::BTreeSet<u64>,
) -> Result<Result<String, String>, StoreError> {
    if events > MAX_PICTURED {
        return Ok(Err(format!(
            "{events} events are too many to draw on paper (at most {MAX_PICTURED}): open the bundle in the console"
        )));
    }
    Ok(
        match super::bundles::reread(db, sha, IngestOptions::default()).await? {
            Some(Ok((report, read))) => Ok(crate::timeline::picture::svg(
                &crate::timeline::Timeline::build(read, &report),
                flagged,
            )),
            Some(Err(why)) => Err(why),
            None => Err("the bundle is not stored".to_owned()),
        },
    )
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

fn html_of(review: &Review, created_at: &str, by: &str, public_key: &str) -> Vec<u8> {
    let i = &review.detail.incident;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Incident {id}: {title} · Custody report</title>\
         <style>body{{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#0f172a}}h1{{font-size:1.6rem}}h2{{margin-top:2rem;border-bottom:1px solid #cbd5e1}}\
         table{{border-collapse:collapse;width:100%;margin:.5rem 0}}th,td{{border:1px solid #cbd5e1;padding:.25rem .4rem;text-align:left;vertical-align:top;overflow-wrap:break-word;hyphens:none}}table.account th{{width:9rem;white-space:nowrap}}\
         code,.mono{{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}}.bad{{color:#b91c1c;font-weight:600}}\
         .picture svg{{max-width:100%;height:auto}}\
         @media print{{body{{margin:0}}.picture{{break-inside:avoid}}h2{{break-after:avoid}}tr{{break-inside:avoid}}a{{color:inherit;text-decoration:none}}}}</style></head><body>",
        id = i.id,
        title = esc(&i.title)
    );
    let _ = write!(
        h,
        "<h1>Incident #{} — {}</h1><p>Status: {} · Severity: {} · Assignee: {} · Opened {} · Exported {} by {}</p><p>{}</p>",
        i.id,
        esc(&i.title),
        esc(i.status.label()),
        esc(i.severity.label()),
        esc(i.assignee_name.as_deref().unwrap_or("none")),
        esc(&evidence::time::readable(&i.created_at)),
        esc(&evidence::time::readable(created_at)),
        esc(by),
        esc(&review.detail.description)
    );
    h.push_str("<h2>Scope and verification</h2><table><tr><th>Bundle</th><th>SHA-256</th><th>Events</th><th>Verdict</th><th>Reasons</th></tr>");
    for b in &review.detail.bundles {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"{}\">{}</td><td class=\"mono\">{}</td></tr>",
            esc(&b.name),
            esc(&b.sha256),
            b.event_count,
            if b.verdict == Verdict::Verified { "" } else { "bad" },
            esc(b.verdict.label()),
            esc(&b.reasons.join(" "))
        );
    }
    h.push_str("</table><h2>Delegation timeline</h2><p>One row per actor and credential; ◆ a human decision, ■ a side effect, ● another action; a line joins an event to what caused it; red: a check failed; ringed in orange: named by an attribution-gap finding.</p>");
    for (name, picture) in &review.pictures {
        let _ = write!(h, "<h3>{}</h3>", esc(name));
        match picture {
            // Built by `timeline::picture`, which escapes every text it holds.
            Ok(svg) => {
                let _ = write!(h, "<div class=\"picture\">{svg}</div>");
            }
            Err(why) => {
                let _ = write!(h, "<p>Not drawn: {}.</p>", esc(why));
            }
        }
    }
    h.push_str("<h2>Per side effect: its account</h2><p>Derived from the events whose signatures held; where the evidence is silent the account says \"not recorded\" and why. #n is an event's position in its bundle, as on the timeline.</p>");
    if review.side_effects.is_empty() {
        h.push_str("<p>No side effect whose signature held.</p>");
    }
    for s in &review.side_effects {
        let _ = write!(
            h,
            "<h3 class=\"account\">#{} · {} · <span class=\"mono\">{}</span></h3><table class=\"account\" data-bundle=\"{}\" data-event=\"{}\">",
            s.event,
            esc(&evidence::time::readable(&s.time)),
            esc(&s.bundle),
            esc(&s.bundle),
            s.event
        );
        for (field, text) in s.sentences.fields() {
            let _ = write!(
                h,
                "<tr><th>{}</th><td data-account=\"{}\">{}</td></tr>",
                esc(field),
                esc(field),
                esc(text)
            );
        }
        let _ = write!(
            h,
            "<tr><th>Responsibility</th><td>{}</td></tr>",
            esc(&s.annotation.as_ref().map_or_else(
                || "not annotated".to_owned(),
                |a| format!(
                    "{} — {} ({})",
                    a.responsibility.label(),
                    a.rationale,
                    a.author
                )
            ))
        );
        h.push_str("</table>");
    }
    findings_html(&mut h, &review.findings);
    h.push_str("<h2>Approval chains and sign-offs</h2>");
    for (sha, c) in &review.chains {
        for chain in &c.chains {
            let _ = write!(
                h,
                "<h3>Approval {} <span class=\"mono\">(bundle {}…)</span>: {:?}</h3><ol>",
                esc(&chain.approval_id),
                esc(sha.get(..12).unwrap_or_default()),
                chain.status
            );
            for l in &chain.links {
                let _ = write!(
                    h,
                    "<li>#{} {} — {} <span class=\"mono\">{}</span></li>",
                    l.index,
                    esc(&l.kind),
                    esc(&l.summary),
                    esc(&l.digest)
                );
            }
            h.push_str("</ol><ul>");
            for s in &chain.signoffs {
                let _ = write!(
                    h,
                    "<li>Step {}: {} by {} at {} — {}</li>",
                    s.step,
                    esc(s.decision.as_str()),
                    esc(&s.reviewer),
                    esc(&s.created_at),
                    esc(&s.justification)
                );
            }
            if chain.signoffs.is_empty() {
                h.push_str("<li>Not signed off.</li>");
            }
            h.push_str("</ul>");
        }
    }
    h.push_str("<h2>Annotations and comments</h2>");
    for (sha, idx, r) in &review.notes {
        let _ = write!(
            h,
            "<h3>Event #{idx} <span class=\"mono\">(bundle {}…)</span></h3><ul>",
            esc(sha.get(..12).unwrap_or_default())
        );
        for a in &r.annotations {
            let _ = write!(
                h,
                "<li>{} — {} ({}, {})</li>",
                esc(a.responsibility.label()),
                esc(&a.rationale),
                esc(&a.author),
                esc(&a.created_at)
            );
        }
        for c in &r.comments {
            let _ = write!(
                h,
                "<li>Comment: {} ({}, {})</li>",
                esc(&c.body),
                esc(&c.author),
                esc(&c.created_at)
            );
        }
        h.push_str("</ul>");
    }
    let mut reviewers: Vec<&str> = review.log.iter().map(|e| e.actor.as_str()).collect();
    reviewers.sort_unstable();
    reviewers.dedup();
    let _ = write!(h, "<h2>Reviewers</h2><p>{}</p><h2>Review log for this incident</h2><table><tr><th>#</th><th>When</th><th>Who</th><th>What</th><th>Entry digest</th></tr>", esc(&reviewers.join(", ")));
    for e in &review.log {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td></tr>",
            e.seq,
            esc(&e.at),
            esc(&e.actor),
            esc(&e.summary),
            esc(&e.digest)
        );
    }
    let _ = write!(
        h,
        "</table><h2>Appendix: event hashes</h2><p>Every event's digest is in <code>events.csv</code>. This report, the CSV and the JSON are listed with their SHA-256 in <code>{MANIFEST_FILE}</code>, signed by the server key <code>{}</code>: <code>custody verify-report DIR --trust server.pub</code> checks them.</p></body></html>",
        esc(public_key)
    );
    h.into_bytes()
}

/// The report's findings section: each finding with its events, the framework
/// controls it maps to and its disposition.
fn findings_html(h: &mut String, found: &Findings) {
    let _ = write!(
        h,
        "<h2>Attribution-gap findings</h2><p>{} high, {} medium, {} low.</p>",
        found.count("high"),
        found.count("medium"),
        found.count("low")
    );
    if found.items.is_empty() {
        h.push_str("<p>No rule found a gap in this evidence.</p>");
    }
    for u in &found.unreadable {
        let _ = write!(h, "<p class=\"bad\">Could not be analysed: {}</p>", esc(u));
    }
    for f in &found.items {
        let events: Vec<String> = f.events.iter().map(|e| format!("#{}", e.index)).collect();
        let controls: Vec<String> = f
            .controls
            .iter()
            .map(|c| format!("{} {} ({})", c.framework, c.id, c.title))
            .collect();
        let disposition = f.disposition.as_ref().map_or_else(
            || "no disposition yet".to_owned(),
            |d| {
                format!(
                    "{} by {} at {}: {}",
                    d.decision.label(),
                    d.reviewer,
                    d.created_at,
                    d.reason
                )
            },
        );
        let _ = write!(
            h,
            "<h3>{} <span class=\"{}\">[{}]</span> <span class=\"mono\">{} · bundle {}…</span></h3>\
             <p>{}</p><p>Events: {}{}</p><p>Controls: {}</p><p>Disposition: {}</p>",
            esc(&f.title),
            if f.severity == "high" { "bad" } else { "" },
            esc(&f.severity),
            esc(&f.rule),
            esc(f.bundle.get(..12).unwrap_or_default()),
            esc(&f.detail),
            esc(&events.join(", ")),
            if f.event_count > f.events.len() as u64 {
                format!(" and {} more", f.event_count - f.events.len() as u64)
            } else {
                String::new()
            },
            esc(&controls.join("; ")),
            esc(&disposition)
        );
    }
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
    by: Actor<'_>,
    scope: Scope<'_>,
    progress: &(dyn Fn(usize, usize) + Sync),
    pdf: Option<&PdfMaker>,
) -> Result<Option<Export>, StoreError> {
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

/// Now, to the second: what the manifest says (`createdAt`) and the archive's
/// member times are the same instant.
fn made_now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound as _;
    chrono::Utc::now().trunc_subsecs(0)
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

    #[test]
    fn report_text_is_escaped() {
        assert_eq!(esc("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
    }
}
