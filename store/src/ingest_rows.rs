//! The rows ingest writes for a bundle's events: what each readable event's payload
//! gives (its columns, the actors, credential and policy decision it names), made on
//! the verifying threads, and how they are written and corrected from the report.

use std::collections::{BTreeMap, BTreeSet};

use evidence::bundle::{Check, EventReport, Report};
use evidence::event::{Actor, Kind};
use sqlx::Any;

use crate::sql::Sql;
use crate::{stored_time, StoreError};

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

/// Rows go this many to a statement: each statement costs a round trip and, on
/// SQLite, a pass through sqlx's worker; an event row has 34 parameters, and 900
/// rows' 30,600 stay under SQLite's limit of 32,766.
pub(super) const ROWS_PER_STATEMENT: usize = 900;

/// The event columns: `bundle_sha256`, then the verification, then what the payload says.
const EVENT_COLUMNS: &str = "INSERT INTO events (bundle_sha256, idx, digest, integrity, trust, \
     chain, inclusion, verdict, findings, event_id, kind, time, emitter, seq, actor_type, \
     actor_id, initiator_id, on_behalf_of, parent, task_id, trace_id, correlation_id, \
     credential_id, decision, policy_id, approval_id, resource, operation, outcome, summary, \
     payload_at, payload_len, also_named, provenance";

/// How an event read while its bundle is verified is first written: as if every
/// check passed. [`Gathered::finish`] corrects, before anything is committed, each
/// event whose report says otherwise.
const PROVISIONAL: (&str, &str, &str) = ("pass", "pass", "");

/// What a valid event's payload gives to store: its columns, and what it tells of
/// the actors, credential and policy decision it names. Made on the verifying
/// threads.
pub(super) struct ReadEvent {
    pub(super) idx: i64,
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
    /// Where the payload's base64 text stands in the bundle's bytes (offset, length).
    payload_span: Option<(i64, i64)>,
    /// The delegate, those an approval is asked of and who decided it, space-separated.
    also_named: Option<String>,
    /// Who vouches for it.
    provenance: &'static str,
    /// The words the event is found by (see [`crate::search`]).
    words: String,
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
    /// `bundle` is the bytes `signed` was verified from.
    pub(super) fn read(
        signed: evidence::bundle::SignedEvent<'_>,
        bundle: &[u8],
    ) -> Option<ReadEvent> {
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
        let summary = e.summary();
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
            payload_span: signed.payload_span(bundle).and_then(|span| {
                Some((
                    i64::try_from(span.start).ok()?,
                    i64::try_from(span.len()).ok()?,
                ))
            }),
            also_named: {
                let ids: Vec<&str> = e
                    .delegation
                    .iter()
                    .map(|d| d.to.id.as_str())
                    .chain(e.approval.iter().flat_map(|a| {
                        a.asked_of
                            .iter()
                            .chain(a.decided_by.iter())
                            .map(|x| x.id.as_str())
                    }))
                    .collect();
                (!ids.is_empty()).then(|| ids.join(" "))
            },
            provenance: e.provenance().as_str(),
            words: crate::search::event_words(signed.payload, &summary),
            summary,
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
pub(super) struct Gathered {
    actors: BTreeMap<String, ActorRow>,
    credentials: BTreeMap<String, CredentialRow>,
    decisions: Vec<DecisionRow>,
    pub(super) first_at: Option<String>,
    pub(super) last_at: Option<String>,
    /// The provenances of the events read.
    pub(super) provenances: BTreeSet<&'static str>,
    written: std::collections::HashSet<i64>,
}

impl Gathered {
    /// Adds what an event says of actors, its credential and its decision; gives
    /// back its columns to write.
    pub(super) fn gather(&mut self, mut e: ReadEvent) -> ReadEvent {
        let idx = e.idx;
        self.written.insert(idx);
        self.provenances.insert(e.provenance);
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
    pub(super) async fn finish(
        mut self,
        tx: &mut sqlx::Transaction<'_, Any>,
        kind: model::DatabaseKind,
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
pub(super) async fn insert_read(
    tx: &mut sqlx::Transaction<'_, Any>,
    kind: model::DatabaseKind,
    sha256: &str,
    chunk: Vec<ReadEvent>,
) -> Result<(), StoreError> {
    if chunk.is_empty() {
        return Ok(());
    }
    let (pass, verdict, findings) = PROVISIONAL;
    let columns = match kind {
        model::DatabaseKind::Sqlite => format!("{EVENT_COLUMNS}) VALUES "),
        model::DatabaseKind::Postgres => format!("{EVENT_COLUMNS}, words) VALUES "),
    };
    let mut q = Sql::new(kind, columns);
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
            .bind(r.payload_span.map(|(at, _)| at))
            .bind(r.payload_span.map(|(_, len)| len))
            .bind(r.also_named.as_deref())
            .bind(r.provenance);
        if kind == model::DatabaseKind::Postgres {
            q.bind_in("strip(to_tsvector('simple', ", r.words.as_str(), "))");
        }
        q.end_row();
    }
    // A statement of a full chunk is prepared once and kept; one of another number
    // of rows (a bundle's last chunk) is not kept: each such number would otherwise
    // keep a statement of thousands of parameters per connection.
    let keep = chunk.len() == ROWS_PER_STATEMENT;
    if kind == model::DatabaseKind::Postgres {
        let (text, args) = q.build()?;
        sqlx::query_with(&text, args)
            .persistent(keep)
            .execute(&mut **tx)
            .await?;
        return Ok(());
    }
    // SQLite: the words go to the full-text index under the rows' own rowids.
    q.push(" RETURNING rowid, idx");
    let (text, args) = q.build()?;
    let rowids: Vec<(i64, i64)> = sqlx::query_as_with(&text, args)
        .persistent(keep)
        .fetch_all(&mut **tx)
        .await?;
    let words: std::collections::HashMap<i64, &str> =
        chunk.iter().map(|r| (r.idx, r.words.as_str())).collect();
    let mut q = Sql::new(kind, "INSERT INTO events_text (rowid, words) VALUES ");
    for (i, (rowid, idx)) in rowids.iter().enumerate() {
        q.row(i == 0)
            .bind(*rowid)
            .bind(words.get(idx).copied().unwrap_or_default());
        q.end_row();
    }
    let (text, args) = q.build()?;
    sqlx::query_with(&text, args)
        .persistent(keep)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
