//! Attribution-gap findings of stored bundles, and reviewers' dispositions of them.
//!
//! Findings are not stored: `evidence::findings::analyse` computes them from a
//! bundle's raw bytes, verified against the trust roots its stored verdict was
//! computed with, under the organisation's policy (a setting). The same bytes under
//! the same policy always give the same findings with the same keys, which
//! dispositions refer to. Dispositions are append-only and recorded in the review
//! log in the same transaction.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use evidence::findings::{self, Account, Finding, Policy};
use serde_json::{json, Value};

use model::{
    Disposition, DispositionDecision, FindingEvent, FindingPolicy, FindingView, Findings,
    Responsibility, Reviewer,
};

use crate::annotations::{self, NewAnnotation, NoteError};
use crate::review_log::{Actor, Entry, Recorder, ServerKey};
use crate::IngestOptions;
use crate::{Db, StoreError};

/// The setting holding the organisation's finding policy (JSON).
pub const POLICY_SETTING: &str = "findings_policy";
/// The most patterns in one list of the policy.
pub const MAX_PATTERNS: usize = 200;

/// Why a disposition or a policy was refused.
#[derive(Debug, thiserror::Error)]
pub enum FindingError {
    /// No such bundle or finding.
    #[error("{0}")]
    NotFound(String),
    /// Something cannot be used; the text says what.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store_error!(FindingError);

impl From<NoteError> for FindingError {
    fn from(e: NoteError) -> Self {
        match e {
            NoteError::NoEvent(bundle, index) => {
                FindingError::NotFound(format!("no event {index} in bundle {bundle}"))
            }
            NoteError::Invalid(text) => FindingError::Invalid(text),
            NoteError::Store(e) => FindingError::Store(e),
        }
    }
}

/// The organisation's finding policy (the default until an admin sets one).
pub async fn policy(db: &Db) -> Result<Policy, StoreError> {
    let value: Option<(String,)> = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
        .bind(POLICY_SETTING)
        .fetch_optional(db.pool())
        .await?;
    match value {
        None => Ok(Policy::default()),
        Some((text,)) => serde_json::from_str(&text).map_err(|_| StoreError::Corrupt {
            column: "settings.value",
            value: text,
        }),
    }
}

fn clean_patterns(patterns: Vec<String>, what: &str) -> Result<Vec<String>, FindingError> {
    let mut out: Vec<String> = Vec::new();
    for p in patterns.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        if p.chars().count() > 200 {
            return Err(FindingError::Invalid(format!(
                "{what}: a pattern has at most 200 characters"
            )));
        }
        if !out.iter().any(|o| o == p) {
            out.push(p.to_owned());
        }
    }
    if out.len() > MAX_PATTERNS {
        return Err(FindingError::Invalid(format!(
            "{what}: at most {MAX_PATTERNS} patterns"
        )));
    }
    Ok(out)
}

/// Sets the organisation's finding policy, as `admin`.
pub async fn set_policy(
    db: &Db,
    key: &ServerKey,
    admin: &Reviewer,
    policy: FindingPolicy,
) -> Result<FindingPolicy, FindingError> {
    if policy.clock_skew_seconds > 86_400 {
        return Err(FindingError::Invalid(
            "clock skew: at most 86400 seconds (one day)".into(),
        ));
    }
    let policy = FindingPolicy {
        shared_accounts: clean_patterns(policy.shared_accounts, "shared accounts")?,
        approval_required: clean_patterns(policy.approval_required, "approval required")?,
        clock_skew_seconds: policy.clock_skew_seconds,
    };
    let value = serde_json::to_value(Policy::from(policy.clone())).unwrap_or(Value::Null);
    let mut rec = Recorder::begin(db, key).await?;
    crate::put_setting(rec.conn(), POLICY_SETTING, &value.to_string()).await?;
    rec.append(Entry {
        actor: Actor::Reviewer(admin),
        action: "setting",
        incident: None,
        bundle: None,
        event: None,
        summary: format!(
            "finding policy: {} shared account pattern(s), {} approval-required pattern(s), \
             {} s clock skew",
            policy.shared_accounts.len(),
            policy.approval_required.len(),
            policy.clock_skew_seconds
        ),
        details: json!({ "setting": POLICY_SETTING, "value": value }),
    })
    .await?;
    rec.commit().await?;
    Ok(policy)
}

/// What the analysis of one bundle under one policy gives: its findings and the
/// account of each side effect, derived together from the same verified events.
#[derive(Debug)]
pub struct Analysis {
    /// The attribution-gap findings.
    pub findings: Vec<Finding>,
    /// The account of each side effect, in bundle order.
    pub accounts: Vec<Account>,
    /// What reconciliation with the incident's other bundles reads of it.
    pub calls: evidence::reconcile::Calls,
}

/// Analyses already made, by bundle and policy: the analysis verifies the whole
/// bundle again, which for a large bundle is worth keeping.
pub type Analysed = Arc<Result<Analysis, String>>;

fn cache() -> &'static Mutex<HashMap<(String, String), Analysed>> {
    static CACHE: OnceLock<Mutex<HashMap<(String, String), Analysed>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// How many analyses the cache keeps before it starts over.
const CACHED: usize = 64;

/// The findings of stored bundle `sha256` under `policy`; `None` without such a
/// bundle, `Some(Err(why))` when its stored bytes can no longer be read as a bundle.
async fn analyse(
    db: &Db,
    sha256: &str,
    policy: &Policy,
    options: IngestOptions,
) -> Result<Option<Analysed>, StoreError> {
    let policy_key = serde_json::to_string(policy).unwrap_or_default();
    let cache_key = (sha256.to_owned(), policy_key);
    if let Some(hit) = cache().lock().ok().and_then(|c| c.get(&cache_key).cloned()) {
        return Ok(Some(hit));
    }
    let Some(read) = crate::bundles::reread(db, sha256, options).await? else {
        return Ok(None);
    };
    let policy = policy.clone();
    let found = tokio::task::spawn_blocking(move || {
        read.map(|(report, events)| Analysis {
            findings: findings::analyse(&report, &events, &policy),
            accounts: findings::accounts(&events, &policy),
            calls: evidence::reconcile::Calls::of(&events),
        })
    })
    .await
    .map_err(|e| StoreError::Task(e.to_string()))?;
    let found: Analysed = Arc::new(found);
    if let Ok(mut cache) = cache().lock() {
        if cache.len() >= CACHED {
            cache.clear();
        }
        cache.insert(cache_key, Arc::clone(&found));
    }
    Ok(Some(found))
}

/// What reading an incident's bundles together gives: the reconciliation of their
/// calls (bundles named by address) and the findings no bundle alone shows, each
/// with the address of the bundle it is about.
#[derive(Debug, Default)]
pub struct Crossed {
    /// The bundles reconciled, as `reconciliation` numbers them (those readable).
    pub bundles: Vec<String>,
    /// The calls matched, and those one side lacks.
    pub reconciliation: evidence::reconcile::Reconciliation,
    /// `unreconciled` and `unsigned-provenance` findings, by bundle address.
    pub findings: Vec<(String, Finding)>,
}

/// Readings across incidents already made, by their bundles and the policy.
type Crossings = Mutex<HashMap<(String, String), Arc<Crossed>>>;

fn crossed_cache() -> &'static Crossings {
    static CACHE: OnceLock<Crossings> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// The findings across incident `incident`'s bundles under `policy`
/// (`evidence::findings::across`).
pub async fn crossed(
    db: &Db,
    incident: i64,
    policy: &Policy,
    options: IngestOptions,
) -> Result<Arc<Crossed>, StoreError> {
    // Nothing across bundles to find unless a collector attested or imported some
    // of the incident's events: no bundle is read again for the rest.
    let (reported,): (i64,) = sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM bundles WHERE incident_id = $1 \
         AND provenance IN ('attested', 'imported', 'mixed')",
    )
    .bind(incident)
    .fetch_one(db.pool())
    .await?;
    if reported == 0 {
        return Ok(Arc::new(Crossed::default()));
    }
    let shas = crate::bundles::shas_of_incident(db, incident).await?;
    let cache_key = (
        shas.join(" "),
        serde_json::to_string(policy).unwrap_or_default(),
    );
    if let Some(hit) = crossed_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&cache_key).cloned())
    {
        return Ok(hit);
    }
    let mut read = Vec::new();
    for sha in &shas {
        if let Some(analysed) = analyse(db, sha, policy, options).await? {
            if analysed.is_ok() {
                read.push((sha.clone(), analysed));
            }
        }
    }
    let names: Vec<String> = read.iter().map(|(sha, _)| short(sha)).collect();
    let list: Vec<(&str, &evidence::reconcile::Calls)> = read
        .iter()
        .zip(&names)
        .filter_map(|((_, a), name)| a.as_ref().as_ref().ok().map(|a| (name.as_str(), &a.calls)))
        .collect();
    let (reconciliation, found) = findings::across(&list, policy);
    let crossed = Arc::new(Crossed {
        bundles: read.iter().map(|(sha, _)| sha.clone()).collect(),
        reconciliation,
        findings: found
            .into_iter()
            .filter_map(|(b, f)| read.get(b).map(|(sha, _)| (sha.clone(), f)))
            .collect(),
    });
    if let Ok(mut cache) = crossed_cache().lock() {
        if cache.len() >= CACHED {
            cache.clear();
        }
        cache.insert(cache_key, Arc::clone(&crossed));
    }
    Ok(crossed)
}

/// The incident bundle `bundle` is in, if there is such a bundle.
async fn incident_of(db: &Db, bundle: &str) -> Result<Option<i64>, StoreError> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT incident_id FROM bundles WHERE sha256 = $1")
        .bind(bundle)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(|(id,)| id))
}

/// A bundle's address as findings name it: its first 12 hex digits.
fn short(sha: &str) -> String {
    sha.chars().take(12).collect()
}

/// Every finding of `bundle` under `policy`: its own and those across its incident;
/// `None` without such a bundle, `Some(Err(why))` when its bytes cannot be read.
async fn findings_of(
    db: &Db,
    bundle: &str,
    policy: &Policy,
    options: IngestOptions,
) -> Result<Option<Result<Vec<Finding>, String>>, StoreError> {
    let Some(analysed) = analyse(db, bundle, policy, options).await? else {
        return Ok(None);
    };
    let mut found = match analysed.as_ref() {
        Ok(a) => a.findings.clone(),
        Err(why) => return Ok(Some(Err(why.clone()))),
    };
    if let Some(incident) = incident_of(db, bundle).await? {
        let crossed = crossed(db, incident, policy, options).await?;
        found.extend(
            crossed
                .findings
                .iter()
                .filter(|(sha, _)| sha == bundle)
                .map(|(_, f)| f.clone()),
        );
    }
    Ok(Some(Ok(found)))
}

/// A `finding_dispositions` row as [`dispositions`] reads it.
#[derive(sqlx::FromRow)]
struct DispositionRow {
    finding_key: String,
    decision: String,
    reason: String,
    reviewer: String,
    created_at: String,
    annotation_seq: Option<i64>,
    log_seq: i64,
}

/// Every disposition of `bundle`'s findings, by finding key, oldest first.
async fn dispositions(
    db: &Db,
    bundle: &str,
) -> Result<HashMap<String, Vec<Disposition>>, StoreError> {
    let rows: Vec<DispositionRow> = sqlx::query_as(
        "SELECT finding_key, decision, reason, reviewer, created_at, annotation_seq, log_seq \
         FROM finding_dispositions WHERE bundle_sha256 = $1 ORDER BY log_seq",
    )
    .bind(bundle)
    .fetch_all(db.pool())
    .await?;
    let mut out: HashMap<String, Vec<Disposition>> = HashMap::new();
    for row in rows {
        let (key, disposition) = disposition(row)?;
        out.entry(key).or_default().push(disposition);
    }
    Ok(out)
}

fn disposition(
    DispositionRow {
        finding_key: key,
        decision,
        reason,
        reviewer,
        created_at,
        annotation_seq,
        log_seq,
    }: DispositionRow,
) -> Result<(String, Disposition), StoreError> {
    let decision = DispositionDecision::parse(&decision).ok_or(StoreError::Corrupt {
        column: "finding_dispositions.decision",
        value: decision,
    })?;
    Ok((
        key,
        Disposition {
            decision,
            reason,
            reviewer,
            created_at,
            log_seq: u64::try_from(log_seq).unwrap_or_default(),
            annotation_seq: annotation_seq.and_then(|s| u64::try_from(s).ok()),
        },
    ))
}

/// What the events table says about the events `indices` of `bundle`.
async fn events_of(
    db: &Db,
    bundle: &str,
    indices: &[usize],
) -> Result<HashMap<u64, FindingEvent>, StoreError> {
    let mut out = HashMap::new();
    for chunk in indices.chunks(400) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT idx, event_id, kind, time, summary, provenance FROM events \
             WHERE bundle_sha256 = $1 AND idx IN ({})",
            list.join(", ")
        );
        let mut query = sqlx::query_as::<
            _,
            (
                i64,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            ),
        >(&sql)
        .bind(bundle);
        for &index in chunk {
            query = query.bind(i64::try_from(index).unwrap_or(i64::MAX));
        }
        for (idx, event_id, kind, time, summary, provenance) in query.fetch_all(db.pool()).await? {
            let index = u64::try_from(idx).unwrap_or_default();
            out.insert(
                index,
                FindingEvent {
                    index,
                    event_id,
                    kind,
                    time,
                    summary,
                    provenance: provenance
                        .as_deref()
                        .and_then(evidence::event::Provenance::parse),
                },
            );
        }
    }
    Ok(out)
}

/// The view of `found` in `bundle`, with the events it names and its dispositions.
fn view(
    bundle: &str,
    found: &Finding,
    events: &HashMap<u64, FindingEvent>,
    dispositions: &mut HashMap<String, Vec<Disposition>>,
) -> FindingView {
    let history = dispositions.remove(&found.key()).unwrap_or_default();
    let describe = |index: u64| {
        events.get(&index).cloned().unwrap_or(FindingEvent {
            index,
            event_id: None,
            kind: None,
            time: None,
            summary: None,
            provenance: None,
        })
    };
    FindingView::new(bundle, found, describe, history)
}

/// The findings of `bundle` with their dispositions, into `out`.
async fn add_bundle(
    db: &Db,
    bundle: &str,
    policy: &Policy,
    options: IngestOptions,
    out: &mut Findings,
) -> Result<bool, StoreError> {
    let Some(analysed) = findings_of(db, bundle, policy, options).await? else {
        return Ok(false);
    };
    match &analysed {
        Ok(found) => {
            let mut indices: Vec<usize> = found
                .iter()
                .flat_map(|f| f.events.iter().take(FindingView::LISTED_EVENTS).copied())
                .collect();
            indices.sort_unstable();
            indices.dedup();
            let events = events_of(db, bundle, &indices).await?;
            let mut dispositions = dispositions(db, bundle).await?;
            out.items.extend(
                found
                    .iter()
                    .map(|f| view(bundle, f, &events, &mut dispositions)),
            );
        }
        Err(why) => out.unreadable.push(format!("{bundle}: {why}")),
    }
    Ok(true)
}

/// The analysis of stored bundle `bundle` under the organisation's policy: `None`
/// without such a bundle, `Some(Err(why))` when its bytes can no longer be read.
pub async fn analysis_of_bundle(db: &Db, bundle: &str) -> Result<Option<Analysed>, StoreError> {
    let policy = policy(db).await?;
    analyse(db, bundle, &policy, IngestOptions::default()).await
}

/// The findings of stored bundle `bundle`; `None` without such a bundle.
pub async fn of_bundle(
    db: &Db,
    bundle: &str,
    options: IngestOptions,
) -> Result<Option<Findings>, StoreError> {
    let policy = policy(db).await?;
    let mut out = Findings::default();
    if !add_bundle(db, bundle, &policy, options, &mut out).await? {
        return Ok(None);
    }
    Ok(Some(out))
}

/// The findings of every bundle of incident `incident`, most severe first.
pub async fn of_incident(
    db: &Db,
    incident: i64,
    options: IngestOptions,
) -> Result<Findings, StoreError> {
    let policy = policy(db).await?;
    let mut out = Findings::default();
    for bundle in crate::bundles::shas_of_incident(db, incident).await? {
        add_bundle(db, &bundle, &policy, options, &mut out).await?;
    }
    // Stable: within a severity, bundles stay in order and findings in event order.
    out.items.sort_by_key(|f| severity_rank(&f.severity));
    Ok(out)
}

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    }
}

/// What a reviewer decides about one finding.
#[derive(Clone, Debug)]
pub struct NewDisposition {
    /// The finding's key, as listed.
    pub finding: String,
    /// The decision.
    pub decision: DispositionDecision,
    /// Why (required; for an annotation, its rationale).
    pub reason: String,
    /// For an annotation: the responsibility it records on the finding's first event.
    pub responsibility: Option<Responsibility>,
}

/// Records `reviewer`'s disposition of a finding of `bundle`. The finding must be one
/// the bundle has now. An annotation is recorded on the finding's first event in the
/// same transaction.
pub async fn dispose(
    db: &Db,
    key: &ServerKey,
    reviewer: &Reviewer,
    bundle: &str,
    new: NewDisposition,
    options: IngestOptions,
) -> Result<FindingView, FindingError> {
    let reason = annotations::clean_text(&new.reason, "reason")?;
    let policy = policy(db).await?;
    let analysed = findings_of(db, bundle, &policy, options)
        .await?
        .ok_or_else(|| FindingError::NotFound(format!("no bundle {bundle}")))?;
    let found = match &analysed {
        Ok(found) => found.iter().find(|f| f.key() == new.finding).cloned(),
        Err(_) => None,
    }
    .ok_or_else(|| {
        FindingError::NotFound(format!(
            "bundle {bundle} has no finding {} under the current policy",
            new.finding
        ))
    })?;
    let incident: (i64,) = sqlx::query_as("SELECT incident_id FROM bundles WHERE sha256 = $1")
        .bind(bundle)
        .fetch_one(db.pool())
        .await?;
    let first = found.events.first().map(|&i| i as u64);
    let mut rec = Recorder::begin(db, key).await?;
    let annotation_seq = match new.decision {
        DispositionDecision::Annotated => {
            let responsibility = new.responsibility.ok_or_else(|| {
                FindingError::Invalid("an annotation needs a responsibility".into())
            })?;
            let event = first.ok_or_else(|| {
                FindingError::Invalid("this finding names no event to annotate".into())
            })?;
            let annotation = annotations::annotate_in(
                &mut rec,
                reviewer,
                bundle,
                event,
                NewAnnotation {
                    responsibility,
                    rationale: format!("{reason} (finding: {})", found.rule.title()),
                    tags: vec!["finding".into(), found.rule.code().into()],
                },
            )
            .await?;
            Some(annotation.log_seq)
        }
        _ => None,
    };
    let seq = rec
        .append(Entry {
            actor: Actor::Reviewer(reviewer),
            action: "finding",
            incident: Some(incident.0),
            bundle: Some(bundle),
            event: first,
            summary: format!(
                "{}: {}",
                new.decision.label().to_lowercase(),
                found.rule.title().to_lowercase()
            ),
            details: json!({
                "finding": new.finding,
                "rule": found.rule.code(),
                "decision": new.decision.as_str(),
                "reason": reason,
                "annotationSeq": annotation_seq,
            }),
        })
        .await?;
    sqlx::query(
        "INSERT INTO finding_dispositions (bundle_sha256, finding_key, rule, decision, reason, \
         reviewer, created_at, annotation_seq, log_seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(bundle)
    .bind(&new.finding)
    .bind(found.rule.code())
    .bind(new.decision.as_str())
    .bind(&reason)
    .bind(&reviewer.username)
    .bind(crate::now())
    .bind(annotation_seq.and_then(|s| i64::try_from(s).ok()))
    .bind(i64::try_from(seq).unwrap_or_default())
    .execute(rec.conn())
    .await?;
    rec.commit().await?;
    let mut out = Findings::default();
    add_bundle(db, bundle, &policy, options, &mut out).await?;
    out.items
        .into_iter()
        .find(|f| f.key == new.finding)
        .ok_or_else(|| FindingError::NotFound(format!("no finding {}", new.finding)))
}

/// The account of every side effect in incident `id`'s bundles whose signature held
/// (`evidence::findings::accounts`, under the organisation's policy), with its current
/// annotation; in time order. A bundle whose bytes can no longer be read adds none.
pub async fn side_effects_of_incident(
    db: &Db,
    id: i64,
) -> Result<Vec<model::SideEffectResponsibility>, StoreError> {
    let mut out = Vec::new();
    for bundle in crate::bundles::shas_of_incident(db, id).await? {
        let Some(analysed) = analysis_of_bundle(db, &bundle).await? else {
            continue;
        };
        let Ok(analysis) = analysed.as_ref() else {
            continue;
        };
        let current = crate::annotations::current_of_bundle(db, &bundle).await?;
        for account in &analysis.accounts {
            let event = account.position as u64;
            out.push(model::SideEffectResponsibility {
                bundle: bundle.clone(),
                event,
                time: account.time.clone(),
                sentences: account.sentences(),
                account: account.clone(),
                annotation: current.get(&event).cloned(),
            });
        }
    }
    out.sort_by(|a, b| {
        let at = |s: &model::SideEffectResponsibility| evidence::time::parse(&s.time);
        (at(a), &a.bundle, a.event).cmp(&(at(b), &b.bundle, b.event))
    });
    Ok(out)
}

/// What reconciliation with the other bundles of its incident says of each call of
/// `bundle` it concerns; empty when nothing is reconciled (no such bundle, or its
/// incident holds one side only).
pub async fn counterparts(
    db: &Db,
    bundle: &str,
    options: IngestOptions,
) -> Result<Vec<model::Counterpart>, StoreError> {
    let Some(incident) = incident_of(db, bundle).await? else {
        return Ok(Vec::new());
    };
    let policy = policy(db).await?;
    let crossed = crossed(db, incident, &policy, options).await?;
    let Some(here) = crossed.bundles.iter().position(|b| b == bundle) else {
        return Ok(Vec::new());
    };
    let sha = |b: usize| crossed.bundles.get(b).cloned().unwrap_or_default();
    // This bundle's matched calls, each with its counterpart; the counterparts'
    // rows read once per bundle they are in.
    let matched: Vec<_> = crossed
        .reconciliation
        .matches
        .iter()
        .filter_map(|m| {
            if m.signed.bundle == here {
                Some((m.signed, m.reported, m.by))
            } else if m.reported.bundle == here {
                Some((m.reported, m.signed, m.by))
            } else {
                None
            }
        })
        .collect();
    let mut rows: HashMap<usize, HashMap<u64, FindingEvent>> = HashMap::new();
    for other in matched.iter().map(|(_, o, _)| o.bundle) {
        if let std::collections::hash_map::Entry::Vacant(slot) = rows.entry(other) {
            let indices: Vec<usize> = matched
                .iter()
                .filter(|(_, o, _)| o.bundle == other)
                .map(|(_, o, _)| o.event)
                .collect();
            slot.insert(events_of(db, &sha(other), &indices).await?);
        }
    }
    let mut out = Vec::new();
    for (this, other, by) in matched {
        let row = rows
            .get(&other.bundle)
            .and_then(|r| r.get(&(other.event as u64)));
        out.push(model::Counterpart::Matched {
            index: this.event as u64,
            other: model::EventRef {
                bundle: sha(other.bundle),
                index: other.event as u64,
                summary: row.and_then(|r| r.summary.clone()),
                time: row.and_then(|r| r.time.clone()),
                provenance: row.and_then(|r| r.provenance),
            },
            by,
        });
    }
    for u in &crossed.reconciliation.unmatched {
        if u.call.bundle == here {
            out.push(model::Counterpart::Unreconciled {
                index: u.call.event as u64,
                missing_from: u.missing_from.iter().map(|b| sha(*b)).collect(),
            });
        }
    }
    out.sort_by_key(model::Counterpart::index);
    Ok(out)
}
