//! The review log: every review action, appended as an event in the evidence format,
//! chained to the one before and signed by the server's key. Exported, it is a bundle
//! that `custody verify` checks like any other; checked here, with the same code.

use std::sync::Arc;

use evidence::bundle::Check;
use evidence::keys::PublicKey;
use evidence::producer::{sign_event, BundleBuilder, Signer};
use serde_json::{json, Map, Value};
use sqlx::Any;

use model::{DatabaseKind, LogEntry, LogPage, LogQuery, Reviewer};

use crate::sql::Sql;
use crate::{now, Db, StoreError};

/// The identity the server signs the log as: the emitter of every entry and the
/// subject its key is bound to in an export.
pub const EMITTER: &str = "custody-server";
/// The bundle ID of an exported log.
pub const BUNDLE_ID: &str = "custody-review-log";
/// The actor the command line is logged as.
pub const CLI_ACTOR: &str = "custody-cli";
/// Entries per page of [`list`].
pub const PAGE: usize = 100;

/// The server's signing key. Cheap to clone.
#[derive(Clone)]
pub struct ServerKey {
    signer: Arc<Signer>,
    seed: Arc<[u8; 32]>,
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerKey")
            .field("public", &self.public_key().to_hex())
            .finish()
    }
}

impl ServerKey {
    /// The key with this 32-byte secret seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        ServerKey {
            signer: Arc::new(Signer::from_seed(seed)),
            seed: Arc::new(seed),
        }
    }

    /// The secret seed, for the transparency log's note signer (the same key).
    pub(crate) fn seed(&self) -> [u8; 32] {
        *self.seed
    }

    /// The public half, which verifies the log and its exports.
    pub fn public_key(&self) -> PublicKey {
        self.signer.public_key()
    }

    /// `manifest`, signed: a DSSE envelope as JSON text.
    pub fn sign_manifest(&self, manifest: &evidence::report::Manifest) -> String {
        manifest.sign(&self.signer)
    }
}

/// Who did a review action.
#[derive(Clone, Copy, Debug)]
pub enum Actor<'a> {
    /// A signed-in reviewer.
    Reviewer(&'a Reviewer),
    /// The command line, run by whoever can reach the database.
    Cli,
    /// A machine token, by its logged name (`token:<name>`, see
    /// [`crate::tokens::Token::actor`]).
    Token(&'a str),
}

impl Actor<'_> {
    /// The actor's name as logged.
    pub fn id(&self) -> &str {
        match self {
            Actor::Reviewer(r) => &r.username,
            Actor::Cli => CLI_ACTOR,
            Actor::Token(id) => id,
        }
    }

    fn as_json(&self) -> Value {
        match self {
            Actor::Reviewer(r) => json!({"type": "human", "id": r.username, "name": r.name()}),
            Actor::Cli => {
                json!({"type": "system", "id": "custody-cli", "name": "Custody command line"})
            }
            Actor::Token(id) => json!({"type": "service", "id": id, "name": "machine token"}),
        }
    }
}

/// One review action, as it is logged.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    /// Who.
    pub actor: Actor<'a>,
    /// What (see [`LogEntry::action`]).
    pub action: &'a str,
    /// The incident it concerns.
    pub incident: Option<i64>,
    /// The bundle it concerns.
    pub bundle: Option<&'a str>,
    /// The event it concerns.
    pub event: Option<u64>,
    /// One line.
    pub summary: String,
    /// Everything the action recorded, signed with it.
    pub details: Value,
}

/// A transaction that review actions are recorded in: the rows an action writes and
/// its log entry commit together, or not at all. Appends are serialised across every
/// server sharing the database, so the log stays one chain.
pub(crate) struct Recorder<'a> {
    tx: sqlx::Transaction<'static, Any>,
    key: &'a ServerKey,
    _turn: tokio::sync::MutexGuard<'a, ()>,
}

impl<'a> Recorder<'a> {
    pub(crate) async fn begin(db: &'a Db, key: &'a ServerKey) -> Result<Self, StoreError> {
        // This process's turn first, then a connection, then the database's lock.
        let turn = db.lock_appends().await;
        let mut tx = db.pool().begin().await?;
        lock_appends(&mut tx, db.kind()).await?;
        Ok(Recorder {
            tx,
            key,
            _turn: turn,
        })
    }

    /// The transaction's connection, for the action's own rows.
    pub(crate) fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// Appends `entry` to the log; returns its sequence number.
    pub(crate) async fn append(&mut self, entry: Entry<'_>) -> Result<u64, StoreError> {
        append(&mut self.tx, self.key, entry).await
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// Appends `entry` to the log on `conn`, inside the caller's transaction, which holds
/// the log's append lock ([`Recorder::begin`], or [`lock_appends`]); returns its
/// sequence number.
pub(crate) async fn append(
    conn: &mut sqlx::AnyConnection,
    key: &ServerKey,
    entry: Entry<'_>,
) -> Result<u64, StoreError> {
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, digest FROM review_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let seq = last.as_ref().map_or(0, |(seq, _)| seq + 1);
    let at = now();
    let mut review = Map::new();
    review.insert("action".into(), entry.action.into());
    review.insert("summary".into(), entry.summary.clone().into());
    if let Some(incident) = entry.incident {
        review.insert("incident".into(), incident.into());
    }
    if let Some(bundle) = entry.bundle {
        review.insert("bundle".into(), bundle.into());
    }
    if let Some(event) = entry.event {
        review.insert("event".into(), event.into());
    }
    review.insert("details".into(), entry.details.clone());
    let mut body = Map::new();
    body.insert("id".into(), format!("review-{seq}").into());
    body.insert("kind".into(), "system".into());
    body.insert("actor".into(), entry.actor.as_json());
    body.insert("ext".into(), json!({ "custodyReview": review }));
    let (envelope, digest) = sign_event(
        &key.signer,
        EMITTER,
        u64::try_from(seq).unwrap_or_default(),
        last.as_ref().map(|(_, d)| d.as_str()),
        &at,
        body,
    );
    sqlx::query(
        "INSERT INTO review_log (seq, at, actor, action, incident_id, bundle_sha256, \
         event_idx, summary, digest, envelope) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(seq)
    .bind(&at)
    .bind(entry.actor.id())
    .bind(entry.action)
    .bind(entry.incident)
    .bind(entry.bundle)
    .bind(entry.event.and_then(|e| i64::try_from(e).ok()))
    .bind(&entry.summary)
    .bind(&digest)
    .bind(&envelope)
    .execute(&mut *conn)
    .await?;
    let seq = u64::try_from(seq).unwrap_or_default();
    crate::tlog::append(conn, &evidence::tlog::Leaf::Review { seq, digest }, &at).await?;
    Ok(seq)
}

/// Inside a transaction on `conn`: waits until no other server appends to the log,
/// and holds that to the transaction's end (on SQLite the one writer does it).
pub(crate) async fn lock_appends(
    conn: &mut sqlx::AnyConnection,
    kind: DatabaseKind,
) -> Result<(), StoreError> {
    if kind == DatabaseKind::Postgres {
        sqlx::query("SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock(727772)) AS l")
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Whether the review log is signed with `key`: whether its first entry verifies
/// under it (an empty log is signed with any). Servers and commands sharing a
/// database must share its key: entries signed with another would fail every check
/// of the log.
pub async fn signed_with(db: &Db, key: &ServerKey) -> Result<bool, StoreError> {
    let first: Option<(String,)> = sqlx::query_as("SELECT envelope FROM review_log WHERE seq = 0")
        .fetch_optional(db.pool())
        .await?;
    Ok(first.is_none_or(|(envelope,)| {
        evidence::dsse::verify(envelope.as_bytes(), Some(&key.public_key())).is_ok()
    }))
}

/// Records one action that writes nothing else.
pub async fn record(db: &Db, key: &ServerKey, entry: Entry<'_>) -> Result<u64, StoreError> {
    let mut recorder = Recorder::begin(db, key).await?;
    let seq = recorder.append(entry).await?;
    recorder.commit().await?;
    Ok(seq)
}

/// A `review_log` row's columns beside its envelope.
#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    incident_id: Option<i64>,
    bundle_sha256: Option<String>,
    event_idx: Option<i64>,
    summary: String,
    digest: String,
}

/// A `review_log` row whole: its columns and the envelope it stores.
#[derive(sqlx::FromRow)]
struct Stored {
    #[sqlx(flatten)]
    row: Row,
    envelope: String,
}

fn entry(row: Row) -> LogEntry {
    let Row {
        seq,
        at,
        actor,
        action,
        incident_id: incident,
        bundle_sha256: bundle,
        event_idx: event,
        summary,
        digest,
    } = row;
    LogEntry {
        seq: u64::try_from(seq).unwrap_or_default(),
        at,
        actor,
        action,
        incident,
        bundle,
        event: event.and_then(|e| u64::try_from(e).ok()),
        summary,
        digest,
    }
}

/// A page of entries matching `query`, newest first.
pub async fn list(db: &Db, query: &LogQuery) -> Result<LogPage, StoreError> {
    let mut q = Sql::new(
        db.kind(),
        "SELECT seq, at, actor, action, incident_id, bundle_sha256, event_idx, summary, digest \
         FROM review_log WHERE 1 = 1",
    );
    if let Some(action) = query.action.as_deref().filter(|a| !a.is_empty()) {
        q.push(" AND action = ").bind(action.to_owned());
    }
    if let Some(actor) = query.actor.as_deref().filter(|a| !a.is_empty()) {
        q.push(" AND actor = ").bind(actor.to_owned());
    }
    if let Some(incident) = query.incident {
        q.push(" AND incident_id = ").bind(incident);
    }
    if let Some(bundle) = query.bundle.as_deref().filter(|b| !b.is_empty()) {
        q.push(" AND bundle_sha256 = ").bind(bundle.to_owned());
    }
    if let Some(before) = query.before.and_then(|b| i64::try_from(b).ok()) {
        q.push(" AND seq < ").bind(before);
    }
    q.push(&format!(" ORDER BY seq DESC LIMIT {}", PAGE + 1));
    let (text, args) = q.build()?;
    let rows: Vec<Row> = sqlx::query_as_with(&text, args)
        .fetch_all(db.pool())
        .await?;
    let more = rows.len() > PAGE;
    Ok(LogPage {
        entries: rows.into_iter().take(PAGE).map(entry).collect(),
        more,
    })
}

/// Every entry's envelope, in order, with the columns stored beside it.
async fn all(db: &Db) -> Result<Vec<Stored>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT seq, at, actor, action, incident_id, bundle_sha256, event_idx, summary, digest, \
         envelope FROM review_log ORDER BY seq",
    )
    .fetch_all(db.pool())
    .await?)
}

/// The whole log as a bundle: every entry's envelope as stored, the server's key
/// bound to [`EMITTER`] by itself as the root, and a manifest signed now. Verify it
/// with `custody verify FILE --trust server.pub`.
pub async fn export(db: &Db, key: &ServerKey) -> Result<String, StoreError> {
    let _turn = db.heavy_turn().await?;
    let rows = all(db).await?;
    Ok(bundle_of(&rows, key))
}

fn bundle_of(rows: &[Stored], key: &ServerKey) -> String {
    let mut builder = BundleBuilder::new();
    builder.bind(
        &key.signer,
        &key.public_key(),
        EMITTER,
        "2000-01-01T00:00:00Z",
        "2200-01-01T00:00:00Z",
    );
    for Stored { envelope, .. } in rows {
        // An envelope that cannot be added is left out: the chain then names the gap.
        let _ = builder.signed_event(envelope);
    }
    builder.finish(&key.signer, EMITTER, BUNDLE_ID, &now())
}

/// The review fields of an entry's payload (one the verifier handed over: its
/// signature held).
fn signed_fields(payload: &str) -> Option<(u64, String, String, Value)> {
    let payload: Value = serde_json::from_str(payload).ok()?;
    Some((
        payload.get("seq")?.as_u64()?,
        payload.get("time")?.as_str()?.to_owned(),
        payload.get("actor")?.get("id")?.as_str()?.to_owned(),
        payload.get("ext")?.get("custodyReview")?.clone(),
    ))
}

/// A signed entry as the integrity check read it: who, and its `custodyReview`.
pub(crate) type Signed = std::collections::HashMap<i64, (String, Value)>;

/// The SHA-256 of `text`, hex: what an entry records of a long text (an incident's
/// description) or of a secret's hash (a password's) to show later that it was not
/// replaced, saying nothing of the secret.
pub(crate) fn text_digest(text: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// The log as read and verified under the server's key.
pub(crate) struct Read {
    /// Entries stored.
    pub entries: u64,
    /// The newest entry's digest.
    pub head: Option<String>,
    /// Each entry whose signature held, by sequence number: who, and what it says.
    pub signed: Signed,
    /// What does not check out in the log itself.
    pub problems: Vec<String>,
}

/// Reads the whole log and verifies it as a bundle: each entry's signature, chain
/// link and inclusion, and that the columns beside each entry say what its signed
/// payload says.
pub(crate) async fn read(db: &Db, key: &ServerKey) -> Result<Read, StoreError> {
    let rows = all(db).await?;
    let public = key.public_key();
    let mut problems = Vec::new();
    let known = db.verified_log_head(&public.to_hex());
    if let Some(head) = &known {
        if rows.len() < head.entries {
            problems.push(format!(
                "the log has {} entries; this server checked it whole with {} entries \
                 (its newest entries were removed)",
                rows.len(),
                head.entries
            ));
        }
    }
    // Each entry's payload, by position, as the verifier reads it once its signature
    // holds: on a blocking thread (CPU work that must not hold up the threads
    // answering requests). When this server checked the log before and the entries
    // it checked are stored unchanged (the same fingerprint), only the entries
    // since are verified; otherwise the whole log is, as a bundle.
    let bundle_key = key.clone();
    let (rows, verified, payloads) = tokio::task::spawn_blocking(move || {
        if let Some(payloads) = known.and_then(|head| verified_since(&rows, &head, &public)) {
            return (rows, None, payloads);
        }
        let payloads: std::sync::Mutex<std::collections::HashMap<usize, String>> =
            std::sync::Mutex::default();
        let bundle = (!rows.is_empty()).then(|| bundle_of(&rows, &bundle_key));
        let verified = bundle.map(|bundle| {
            // The server's own log is read whole, however long it has grown: the size
            // and count limits are for bundles from outside (each entry's payload is
            // still bounded).
            let limits = evidence::bundle::Limits {
                max_bundle_bytes: usize::MAX,
                max_events: usize::MAX,
                ..evidence::bundle::Limits::default()
            };
            evidence::bundle::verify_and_read(
                bundle.as_bytes(),
                std::slice::from_ref(&public),
                &limits,
                1,
                &|_, _| {},
                &|signed| {
                    if let Ok(mut read) = payloads.lock() {
                        read.insert(signed.index, signed.payload.to_owned());
                    }
                },
            )
        });
        (rows, verified, payloads.into_inner().unwrap_or_default())
    })
    .await
    .map_err(|e| StoreError::Task(e.to_string()))?;
    if let Some(verified) = verified {
        match verified {
            Ok(report) => {
                for (i, event) in report.events().iter().enumerate() {
                    let seq = rows.get(i).map_or(i as i64, |r| r.row.seq);
                    for (what, check) in [
                        ("signature", &event.integrity),
                        ("key", &event.trust),
                        ("chain", &event.chain),
                        ("inclusion", &event.inclusion),
                    ] {
                        if let Check::Fail(code) | Check::Unknown(code) = check {
                            problems.push(format!("entry {seq}: {what} check failed ({code})"));
                        }
                    }
                }
                if report.events().len() != rows.len() {
                    problems.push(format!(
                        "{} entries are stored but {} could be read as events",
                        rows.len(),
                        report.events().len()
                    ));
                }
            }
            Err(e) => problems.push(format!("the log cannot be read as a bundle: {e}")),
        }
    }
    let mut signed: std::collections::HashMap<i64, (String, Value)> =
        std::collections::HashMap::new();
    for (expected, stored) in rows.iter().enumerate() {
        let Row {
            seq,
            at,
            actor,
            action,
            incident_id: incident,
            bundle_sha256: bundle,
            event_idx: event,
            summary,
            ..
        } = &stored.row;
        if *seq != expected as i64 {
            problems.push(format!(
                "entry {expected} is missing (the next stored is {seq})"
            ));
        }
        match payloads.get(&expected).and_then(|p| signed_fields(p)) {
            Some((s_seq, s_at, s_actor, review)) => {
                let same = s_seq as i64 == *seq
                    && s_at == *at
                    && s_actor == *actor
                    && review.get("action").and_then(Value::as_str) == Some(action.as_str())
                    && review.get("summary").and_then(Value::as_str) == Some(summary.as_str())
                    && review.get("incident").and_then(Value::as_i64) == *incident
                    && review.get("bundle").and_then(Value::as_str) == bundle.as_deref()
                    && review.get("event").and_then(Value::as_i64) == *event;
                if !same {
                    problems.push(format!(
                        "entry {seq}: the stored columns differ from what its signed entry says"
                    ));
                }
                signed.insert(*seq, (s_actor, review));
            }
            None => problems.push(format!(
                "entry {seq}: its envelope cannot be read under the server's key"
            )),
        }
    }
    if problems.is_empty() {
        db.remember_log_head(LogHead {
            key: key.public_key().to_hex(),
            entries: rows.len(),
            fingerprint: fingerprint(&rows),
        });
    }
    Ok(Read {
        entries: rows.len() as u64,
        head: rows.last().map(|r| r.row.digest.clone()),
        signed,
        problems,
    })
}

/// The review log as this server last found it intact: under which key, how many
/// entries, and the [`fingerprint`] of those entries as stored.
#[derive(Clone, Debug)]
pub struct LogHead {
    key: String,
    entries: usize,
    fingerprint: [u8; 32],
}

impl LogHead {
    /// The public key (hex) it was checked under.
    pub(crate) fn key(&self) -> &str {
        &self.key
    }
}

/// SHA-256 over `rows` whole (every column and the envelope, each length-prefixed):
/// equal fingerprints mean the same stored entries.
fn fingerprint(rows: &[Stored]) -> [u8; 32] {
    use sha2::Digest as _;
    let mut hash = sha2::Sha256::new();
    for Stored { row, envelope } in rows {
        let text = |t: Option<&str>| t.map_or_else(|| "\u{0}".to_owned(), str::to_owned);
        let number = |n: Option<i64>| n.map_or_else(|| "\u{0}".to_owned(), |n| n.to_string());
        for field in [
            row.seq.to_string(),
            row.at.clone(),
            row.actor.clone(),
            row.action.clone(),
            number(row.incident_id),
            text(row.bundle_sha256.as_deref()),
            number(row.event_idx),
            row.summary.clone(),
            row.digest.clone(),
            envelope.clone(),
        ] {
            hash.update((field.len() as u64).to_be_bytes());
            hash.update(field.as_bytes());
        }
    }
    hash.finalize().into()
}

/// Every entry's payload, by position, when the first `head.entries` of `rows` are
/// the entries this server found intact (same fingerprint) and each entry after
/// them holds: its signature under `key` (`verify_strict`), its digest as stored,
/// its sequence number, and its link to the entry before it. `None` otherwise: the
/// whole log is then verified, which names what does not hold.
fn verified_since(
    rows: &[Stored],
    head: &LogHead,
    key: &PublicKey,
) -> Option<std::collections::HashMap<usize, String>> {
    use sha2::Digest as _;
    let checked = rows.get(..head.entries)?;
    if fingerprint(checked) != head.fingerprint {
        return None;
    }
    let mut payloads = std::collections::HashMap::with_capacity(rows.len());
    for (i, stored) in checked.iter().enumerate() {
        let envelope: Value = serde_json::from_str(&stored.envelope).ok()?;
        let payload = envelope.get("payload")?.as_str()?;
        let payload = evidence::bundle::decode_payload(payload.as_bytes())?;
        payloads.insert(i, String::from_utf8(payload).ok()?);
    }
    for (i, stored) in rows.iter().enumerate().skip(head.entries) {
        let verified = evidence::dsse::verify(stored.envelope.as_bytes(), Some(key)).ok()?;
        if verified.payload_type() != evidence::bundle::EVENT_TYPE {
            return None;
        }
        let pae = evidence::dsse::pae(verified.payload_type(), verified.payload());
        if hex::encode(sha2::Sha256::digest(&pae)) != stored.row.digest {
            return None;
        }
        let payload: Value = serde_json::from_slice(verified.payload()).ok()?;
        let prev = i
            .checked_sub(1)
            .and_then(|p| rows.get(p))
            .map(|p| p.row.digest.as_str());
        if payload.get("seq")?.as_u64()? != u64::try_from(i).ok()?
            || payload.get("emitter")?.as_str()? != EMITTER
            || payload.get("prev").and_then(Value::as_str) != prev
        {
            return None;
        }
        payloads.insert(i, String::from_utf8(verified.payload().to_vec()).ok()?);
    }
    Some(payloads)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn scratch() -> (Db, std::path::PathBuf) {
        let mut name = [0u8; 8];
        getrandom::fill(&mut name).expect("randomness");
        let dir = std::env::temp_dir().join(format!("custody-log-test-{}", hex::encode(name)));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        (
            Db::open(&Db::sqlite_url(&dir)).await.expect("a database"),
            dir,
        )
    }

    async fn add(db: &Db, key: &ServerKey, n: usize) {
        for i in 0..n {
            record(
                db,
                key,
                Entry {
                    actor: Actor::Cli,
                    action: "incident.open",
                    incident: None,
                    bundle: None,
                    event: None,
                    summary: format!("entry {i}"),
                    details: json!({ "i": i }),
                },
            )
            .await
            .expect("recorded");
        }
    }

    #[tokio::test]
    async fn after_a_whole_check_only_the_new_entries_are_verified() {
        let (db, dir) = scratch().await;
        let key = ServerKey::from_seed([9; 32]);
        add(&db, &key, 5).await;
        let first = read(&db, &key).await.expect("read");
        assert!(first.problems.is_empty(), "{:?}", first.problems);
        let head = db
            .verified_log_head(&key.public_key().to_hex())
            .expect("the intact log is remembered");
        assert_eq!(head.entries, 5);

        // New entries: the checked ones are as they were, and the new ones hold.
        add(&db, &key, 3).await;
        let rows = all(&db).await.expect("rows");
        let payloads =
            verified_since(&rows, &head, &key.public_key()).expect("verified incrementally");
        assert_eq!(payloads.len(), 8);
        let second = read(&db, &key).await.expect("read");
        assert!(second.problems.is_empty(), "{:?}", second.problems);
        assert_eq!(second.entries, 8);

        // An entry checked before, edited since: the whole log is verified again, and
        // names it.
        let head = db
            .verified_log_head(&key.public_key().to_hex())
            .expect("head");
        // As someone with the database file would: past the append-only triggers.
        for trigger in ["review_log_no_update", "review_log_no_delete"] {
            sqlx::query(&format!("DROP TRIGGER {trigger}"))
                .execute(db.pool())
                .await
                .expect("drop a trigger");
        }
        sqlx::query("UPDATE review_log SET summary = 'edited' WHERE seq = 2")
            .execute(db.pool())
            .await
            .expect("edit");
        let rows = all(&db).await.expect("rows");
        assert!(verified_since(&rows, &head, &key.public_key()).is_none());
        let edited = read(&db, &key).await.expect("read");
        assert!(
            edited.problems.iter().any(|p| p.starts_with("entry 2:")),
            "{:?}",
            edited.problems
        );

        // The newest entries removed: this server remembers how long the log was.
        sqlx::query("UPDATE review_log SET summary = 'entry 2' WHERE seq = 2")
            .execute(db.pool())
            .await
            .expect("restore");
        sqlx::query("DELETE FROM review_log WHERE seq >= 6")
            .execute(db.pool())
            .await
            .expect("truncate");
        let cut = read(&db, &key).await.expect("read");
        assert!(
            cut.problems
                .iter()
                .any(|p| p.contains("newest entries were removed")),
            "{:?}",
            cut.problems
        );
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
