//! The state the review log says the tables hold: its entries replayed in order
//! (accounts and their roles, trust roots, settings, incidents, bundles with their
//! verdicts and the roots they were verified with), compared with what the tables
//! hold. A row edited, added or deleted in the database without an entry is named.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::review_log::{text_digest, Signed};
use crate::{Db, StoreError};

/// What the log says of one bundle's upload.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    /// The entry.
    pub seq: i64,
    /// The incident it went into.
    pub incident: Option<i64>,
    /// The verdict it was stored with.
    pub verdict: Option<String>,
    /// The trust roots it was verified with (hex), when the entry names them
    /// (entries written before they did, do not).
    pub roots: Option<Vec<String>>,
    /// Its events.
    pub events: Option<i64>,
    /// Who uploaded it (`custody-cli` for the command line).
    pub actor: String,
}

/// Each bundle's upload as the log records it, by address.
pub(crate) fn uploads(signed: &Signed) -> HashMap<String, Upload> {
    let mut out = HashMap::new();
    for (seq, (actor, review)) in in_order(signed) {
        if action(review) != "upload" {
            continue;
        }
        let Some(bundle) = review.get("bundle").and_then(Value::as_str) else {
            continue;
        };
        let details = review.get("details").unwrap_or(&Value::Null);
        out.entry(bundle.to_owned()).or_insert_with(|| Upload {
            seq,
            incident: review.get("incident").and_then(Value::as_i64),
            verdict: details
                .get("verdict")
                .and_then(Value::as_str)
                .map(str::to_owned),
            roots: details.get("roots").and_then(Value::as_array).map(|roots| {
                roots
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            }),
            events: details.get("events").and_then(Value::as_i64),
            actor: actor.clone(),
        });
    }
    out
}

fn in_order(signed: &Signed) -> Vec<(i64, &(String, Value))> {
    let mut entries: Vec<_> = signed.iter().map(|(seq, e)| (*seq, e)).collect();
    entries.sort_unstable_by_key(|(seq, _)| *seq);
    entries
}

fn action(review: &Value) -> &str {
    review
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn detail<'a>(review: &'a Value, name: &str) -> Option<&'a Value> {
    review.get("details").and_then(|d| d.get(name))
}

fn text(review: &Value, name: &str) -> Option<String> {
    detail(review, name)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// An account as the log leaves it.
#[derive(Default)]
struct Account {
    seq: i64,
    role: Option<String>,
    disabled: bool,
    password: Option<String>,
    /// Whether the password the log last set is a one-time password.
    one_time: bool,
}

/// An incident as the log leaves it.
#[derive(Default)]
struct Incident {
    seq: i64,
    title: Option<String>,
    severity: Option<String>,
    description: Option<String>,
    status: String,
    status_seq: i64,
    assignee: Option<String>,
    assignee_seq: Option<i64>,
}

/// Compares every table the log accounts for with the log's entries (`signed`, read
/// and verified by the integrity check), adding a line to `problems` per row that
/// differs.
pub(crate) async fn check(
    db: &Db,
    signed: &Signed,
    problems: &mut Vec<String>,
) -> Result<(), StoreError> {
    let mut accounts: BTreeMap<String, Account> = BTreeMap::new();
    let mut roots: BTreeMap<String, (i64, String)> = BTreeMap::new();
    let mut settings: BTreeMap<String, (i64, Value)> = BTreeMap::new();
    let mut incidents: BTreeMap<i64, Incident> = BTreeMap::new();
    // Machine tokens: name → (entry, incident, expiry, revoked).
    let mut tokens: BTreeMap<String, (i64, Option<i64>, Option<String>, bool)> = BTreeMap::new();
    for (seq, (_, review)) in in_order(signed) {
        let user = text(review, "user");
        match action(review) {
            "user.add" => {
                if let Some(user) = user {
                    accounts.insert(
                        user,
                        Account {
                            seq,
                            role: text(review, "role"),
                            disabled: false,
                            password: text(review, "passwordDigest"),
                            one_time: false,
                        },
                    );
                }
            }
            "role" => {
                if let Some(a) = user.and_then(|u| accounts.get_mut(&u)) {
                    a.seq = seq;
                    a.role = text(review, "role");
                }
            }
            "user.disable" | "user.enable" => {
                if let Some(a) = user.and_then(|u| accounts.get_mut(&u)) {
                    a.seq = seq;
                    a.disabled = action(review) == "user.disable";
                }
            }
            "user.password" => {
                if let Some(a) = user.and_then(|u| accounts.get_mut(&u)) {
                    a.seq = seq;
                    a.password = text(review, "passwordDigest");
                    a.one_time = detail(review, "oneTime")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                }
            }
            "trust_root.add" => {
                if let Some(key) = text(review, "publicKey") {
                    roots.insert(key, (seq, text(review, "label").unwrap_or_default()));
                }
            }
            "trust_root.remove" => {
                // Named by its public key; entries before that named the key or its
                // keyid as the admin typed it.
                let named = text(review, "publicKey").or_else(|| text(review, "key"));
                if let Some(named) = named {
                    roots.retain(|key, _| {
                        *key != named
                            && evidence::keys::PublicKey::from_text(key)
                                .map(|k| evidence::bundle::keyid(&k))
                                .ok()
                                .as_deref()
                                != Some(named.as_str())
                    });
                }
            }
            "token.create" => {
                if let Some(name) = text(review, "name") {
                    let incident = detail(review, "incident").and_then(Value::as_i64);
                    tokens.insert(name, (seq, incident, text(review, "expiresAt"), false));
                }
            }
            "token.revoke" => {
                if let Some(t) = text(review, "name").and_then(|n| tokens.get_mut(&n)) {
                    t.0 = seq;
                    t.3 = true;
                }
            }
            "setting" => {
                if let (Some(name), Some(value)) =
                    (text(review, "setting"), detail(review, "value"))
                {
                    settings.insert(name, (seq, value.clone()));
                }
            }
            "incident.open" | "upload" => {
                let Some(id) = review.get("incident").and_then(Value::as_i64) else {
                    continue;
                };
                let opened = if action(review) == "upload" {
                    detail(review, "openedIncident")
                } else {
                    review.get("details")
                };
                let incident = incidents.entry(id).or_insert_with(|| Incident {
                    seq,
                    status: "open".into(),
                    status_seq: seq,
                    ..Incident::default()
                });
                if let Some(opened) = opened {
                    incident.title = opened
                        .get("title")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    incident.severity = opened
                        .get("severity")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    incident.description = opened
                        .get("descriptionDigest")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                }
            }
            "status" => {
                if let Some(i) = review
                    .get("incident")
                    .and_then(Value::as_i64)
                    .and_then(|id| incidents.get_mut(&id))
                {
                    if let Some(to) = text(review, "to") {
                        i.status = to;
                        i.status_seq = seq;
                    }
                }
            }
            "assign" => {
                if let Some(i) = review
                    .get("incident")
                    .and_then(Value::as_i64)
                    .and_then(|id| incidents.get_mut(&id))
                {
                    i.assignee = text(review, "assignee");
                    i.assignee_seq = Some(seq);
                }
            }
            _ => {}
        }
    }

    // Accounts.
    let rows: Vec<(String, String, Option<String>, String, i64)> = sqlx::query_as(
        "SELECT username, role, disabled_at, password_hash, CAST(password_expired AS BIGINT) \
         FROM users ORDER BY username",
    )
    .fetch_all(db.pool())
    .await?;
    for (username, role, disabled_at, hash, expired) in &rows {
        let Some(logged) = accounts.get(username) else {
            problems.push(format!(
                "users: account {username} is not in the log (added outside Custody)"
            ));
            continue;
        };
        let seq = logged.seq;
        if logged.role.as_deref() != Some(role.as_str()) {
            problems.push(format!(
                "users: account {username} has role {role}; the log says {} (entry {seq})",
                logged.role.as_deref().unwrap_or("none")
            ));
        }
        if logged.disabled != disabled_at.is_some() {
            let (is, says) = if disabled_at.is_some() {
                ("disabled", "enabled")
            } else {
                ("enabled", "disabled")
            };
            problems.push(format!(
                "users: account {username} is {is}; the log says {says} (entry {seq})"
            ));
        }
        if logged
            .password
            .as_ref()
            .is_some_and(|digest| *digest != text_digest(hash))
        {
            problems.push(format!(
                "users: account {username}'s password was replaced outside the log"
            ));
        }
        if logged.password.is_some() && logged.one_time != (*expired != 0) {
            problems.push(format!(
                "users: account {username}'s password is marked {}; the log says {} (entry {seq})",
                if *expired != 0 { "one-time" } else { "its own" },
                if logged.one_time {
                    "one-time"
                } else {
                    "its own"
                },
            ));
        }
    }
    for (username, logged) in &accounts {
        if !rows.iter().any(|r| r.0 == *username) {
            problems.push(format!(
                "users: account {username}, in the log since entry {}, is gone",
                logged.seq
            ));
        }
    }

    // Trust roots.
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT public_key, label FROM trust_roots ORDER BY public_key")
            .fetch_all(db.pool())
            .await?;
    for (key, label) in &rows {
        match roots.get(key) {
            None => problems.push(format!(
                "trust_roots: root {key} is not in the log (trusted outside Custody)"
            )),
            Some((seq, logged)) if logged != label => problems.push(format!(
                "trust_roots: root {key} is labelled {label:?}; the log says {logged:?} (entry {seq})"
            )),
            Some(_) => {}
        }
    }
    for (key, (seq, _)) in &roots {
        if !rows.iter().any(|r| r.0 == *key) {
            problems.push(format!(
                "trust_roots: root {key}, trusted by entry {seq}, is gone"
            ));
        }
    }

    // Settings.
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM settings ORDER BY key")
            .fetch_all(db.pool())
            .await?;
    for (name, value) in &rows {
        let stored: Value = serde_json::from_str(value).unwrap_or(Value::String(value.clone()));
        match settings.get(name) {
            None => problems.push(format!("settings: {name} is set, and the log never set it")),
            Some((seq, logged)) if *logged != stored => problems.push(format!(
                "settings: {name} is {value}; the log says {logged} (entry {seq})"
            )),
            Some(_) => {}
        }
    }
    for (name, (seq, _)) in &settings {
        if !rows.iter().any(|r| r.0 == *name) {
            problems.push(format!("settings: {name}, set by entry {seq}, is gone"));
        }
    }

    // Machine tokens: a token made, extended, rescoped or un-revoked behind the log's
    // back is named.
    let rows: Vec<(String, Option<i64>, String, Option<String>)> = sqlx::query_as(
        "SELECT name, incident_id, expires_at, revoked_at FROM api_tokens ORDER BY name",
    )
    .fetch_all(db.pool())
    .await?;
    for (name, incident, expires, revoked) in &rows {
        match tokens.get(name) {
            None => problems.push(format!(
                "api_tokens: {name} exists, and the log never made it"
            )),
            Some((seq, logged_incident, logged_expires, logged_revoked)) => {
                if logged_incident != incident {
                    problems.push(format!(
                        "api_tokens: {name} may send into {incident:?}; its entry {seq} says {logged_incident:?}"
                    ));
                }
                if logged_expires.as_deref() != Some(expires.as_str()) {
                    problems.push(format!(
                        "api_tokens: {name} expires {expires}; its entry {seq} says {}",
                        logged_expires.as_deref().unwrap_or("nothing")
                    ));
                }
                if *logged_revoked != revoked.is_some() {
                    problems.push(format!(
                        "api_tokens: {name} is {}; the log says {} (entry {seq})",
                        if revoked.is_some() {
                            "revoked"
                        } else {
                            "not revoked"
                        },
                        if *logged_revoked {
                            "revoked"
                        } else {
                            "not revoked"
                        }
                    ));
                }
            }
        }
    }
    for (name, (seq, ..)) in &tokens {
        if !rows.iter().any(|r| r.0 == *name) {
            problems.push(format!("api_tokens: {name}, made by entry {seq}, is gone"));
        }
    }

    // Incidents.
    let rows: Vec<(i64, String, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT id, title, severity, status, assignee, description FROM incidents ORDER BY id",
    )
    .fetch_all(db.pool())
    .await?;
    for (id, title, severity, status, assignee, description) in &rows {
        let Some(logged) = incidents.get(id) else {
            problems.push(format!(
                "incidents: #{id} is not in the log (opened outside Custody)"
            ));
            continue;
        };
        if logged.title.as_ref().is_some_and(|t| t != title) {
            problems.push(format!(
                "incidents: #{id} is titled {title:?}; the log says {:?} (entry {})",
                logged.title.as_deref().unwrap_or_default(),
                logged.seq
            ));
        }
        if logged.severity.as_ref().is_some_and(|s| s != severity) {
            problems.push(format!(
                "incidents: #{id} has severity {severity}; the log says {} (entry {})",
                logged.severity.as_deref().unwrap_or_default(),
                logged.seq
            ));
        }
        if logged
            .description
            .as_ref()
            .is_some_and(|d| *d != text_digest(description))
        {
            problems.push(format!(
                "incidents: #{id}'s description was edited outside the log (entry {})",
                logged.seq
            ));
        }
        if logged.status != *status {
            problems.push(format!(
                "incidents: #{id} has status {status}; the log says {} (entry {})",
                logged.status, logged.status_seq
            ));
        }
        if let Some(seq) = logged.assignee_seq {
            if logged.assignee != *assignee {
                problems.push(format!(
                    "incidents: #{id} is assigned to {}; the log says {} (entry {seq})",
                    assignee.as_deref().unwrap_or("no one"),
                    logged.assignee.as_deref().unwrap_or("no one"),
                ));
            }
        }
    }
    for (id, logged) in &incidents {
        if !rows.iter().any(|r| r.0 == *id) {
            problems.push(format!(
                "incidents: #{id}, opened in entry {}, is gone",
                logged.seq
            ));
        }
    }

    // Bundles: each stored with the verdict, roots, events and incident of its upload.
    let uploads = uploads(signed);
    let rows: Vec<(String, i64, String, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT sha256, incident_id, status, roots, event_count, uploaded_by FROM bundles \
         ORDER BY sha256",
    )
    .fetch_all(db.pool())
    .await?;
    for (sha, incident, status, stored_roots, events, uploaded_by) in &rows {
        let short = &sha[..12.min(sha.len())];
        let Some(logged) = uploads.get(sha) else {
            problems.push(format!(
                "bundles: {short} has no upload in the log (stored outside Custody)"
            ));
            continue;
        };
        let seq = logged.seq;
        if logged.verdict.as_ref().is_some_and(|v| v != status) {
            problems.push(format!(
                "bundles: {short} is stored as {status}; its upload (entry {seq}) says {}",
                logged.verdict.as_deref().unwrap_or_default()
            ));
        }
        if let Some(roots) = &logged.roots {
            let stored: Vec<String> = serde_json::from_str(stored_roots).unwrap_or_default();
            if stored != *roots {
                problems.push(format!(
                    "bundles: {short} names other trust roots than its upload (entry {seq}) was verified with"
                ));
            }
        }
        if logged.events.is_some_and(|n| n != *events) {
            problems.push(format!(
                "bundles: {short} counts {events} events; its upload (entry {seq}) says {}",
                logged.events.unwrap_or_default()
            ));
        }
        if logged.incident.is_some_and(|i| i != *incident) {
            problems.push(format!(
                "bundles: {short} is in incident #{incident}; its upload (entry {seq}) put it in #{}",
                logged.incident.unwrap_or_default()
            ));
        }
        let uploader = uploaded_by
            .as_deref()
            .unwrap_or(crate::review_log::CLI_ACTOR);
        if uploader != logged.actor {
            problems.push(format!(
                "bundles: {short} names {uploader} as its uploader; its upload (entry {seq}) says {}",
                logged.actor
            ));
        }
    }
    for (sha, logged) in &uploads {
        if !rows.iter().any(|r| r.0 == *sha) {
            problems.push(format!(
                "bundles: {}, uploaded in entry {}, is gone",
                &sha[..12.min(sha.len())],
                logged.seq
            ));
        }
    }
    Ok(())
}
