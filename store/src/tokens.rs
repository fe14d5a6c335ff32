//! Machine tokens: what a pipeline or an OpenTelemetry exporter sends evidence with
//! (`Authorization: Bearer`), instead of a person's password. A token may only send
//! evidence, into one incident when it is scoped to one; it reads nothing. Only the
//! SHA-256 of its secret is stored; the secret is answered once, when it is made.

use chrono::{DateTime, Utc};
use model::{MachineToken, NewMachineToken, TokenState};
use sha2::{Digest, Sha256};

use crate::review_log::{Actor, Entry, Recorder, ServerKey};
use crate::{now, stamp, Db, StoreError};

/// What a secret's SHA-256 is stored as: so a read of the table yields no usable token.
fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The prefix of every secret, so that one found in a log or a repository is
/// recognised for what it is.
pub const SECRET_PREFIX: &str = "custody_";

/// The most days a token may live.
pub const MAX_DAYS: u32 = 366;

/// A token that may be used now: the principal of a request that presented it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Its name.
    pub name: String,
    /// The name its uses are logged under: `token:<name>`.
    pub actor: String,
    /// The one incident it may send evidence into.
    pub incident: Option<i64>,
}

impl Token {
    /// As the review log names the actor.
    pub fn log_actor(&self) -> Actor<'_> {
        Actor::Token(&self.actor)
    }
}

/// What a presented secret is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// A token that may be used now (its last use is recorded).
    Valid(Token),
    /// No token has this secret.
    Unknown,
    /// The token `name` expired at this time.
    Expired {
        /// Its name.
        name: String,
        /// When.
        at: String,
    },
    /// The token `name` was revoked at this time.
    Revoked {
        /// Its name.
        name: String,
        /// When.
        at: String,
    },
}

/// Why a token was not made or revoked.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// A name, lifetime or incident that cannot be.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether `name` may name a token: 1 to 64 letters, digits and `.-_@`.
pub fn valid_name(name: &str) -> bool {
    crate::users::is_plain_name(name)
}

#[derive(sqlx::FromRow)]
struct Row {
    name: String,
    incident_id: Option<i64>,
    created_by: String,
    created_at: String,
    expires_at: String,
    revoked_at: Option<String>,
    revoked_by: Option<String>,
    last_used_at: Option<String>,
}

const COLUMNS: &str = "name, incident_id, created_by, created_at, expires_at, revoked_at, \
                       revoked_by, last_used_at";

fn state(expires_at: &str, revoked: bool, at: DateTime<Utc>) -> TokenState {
    if revoked {
        TokenState::Revoked
    } else if expires_at <= stamp(at).as_str() {
        TokenState::Expired
    } else {
        TokenState::Active
    }
}

impl Row {
    fn listed(self, at: DateTime<Utc>) -> MachineToken {
        let state = state(&self.expires_at, self.revoked_at.is_some(), at);
        MachineToken {
            name: self.name,
            incident: self.incident_id,
            created_by: self.created_by,
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
            revoked_by: self.revoked_by,
            last_used_at: self.last_used_at,
            state,
        }
    }
}

/// Makes a token named `name` that lives `days` days, scoped to `incident` when
/// given, recorded in the review log as done `by`. The secret is in the answer and
/// nowhere else.
pub async fn create(
    db: &Db,
    key: &ServerKey,
    by: Actor<'_>,
    name: &str,
    incident: Option<i64>,
    days: u32,
) -> Result<NewMachineToken, TokenError> {
    if !valid_name(name) {
        return Err(TokenError::Invalid(
            "a token's name has 1 to 64 letters, digits, '.', '-', '_' or '@'".into(),
        ));
    }
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(TokenError::Invalid(format!(
            "a token lives 1 to {MAX_DAYS} days"
        )));
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Task(format!("no randomness: {e}")))?;
    let secret = format!("{SECRET_PREFIX}{}", hex::encode(bytes));
    let at = Utc::now();
    let expires = stamp(at + chrono::Duration::days(i64::from(days)));
    let mut rec = Recorder::begin(db, key).await?;
    if let Some(id) = incident {
        let found: Option<(i64,)> = sqlx::query_as("SELECT id FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_optional(rec.conn())
            .await
            .map_err(StoreError::from)?;
        if found.is_none() {
            return Err(TokenError::Invalid(format!("there is no incident #{id}")));
        }
    }
    let taken: Option<(String,)> = sqlx::query_as("SELECT name FROM api_tokens WHERE name = $1")
        .bind(name)
        .fetch_optional(rec.conn())
        .await
        .map_err(StoreError::from)?;
    if taken.is_some() {
        return Err(TokenError::Invalid(format!(
            "a token named {name} exists (a revoked token keeps its name)"
        )));
    }
    sqlx::query(
        "INSERT INTO api_tokens (name, secret_hash, scope, incident_id, created_by, created_at, \
         expires_at) VALUES ($1, $2, 'ingest', $3, $4, $5, $6)",
    )
    .bind(name)
    .bind(secret_hash(&secret))
    .bind(incident)
    .bind(by.id())
    .bind(stamp(at))
    .bind(&expires)
    .execute(rec.conn())
    .await
    .map_err(StoreError::from)?;
    rec.append(Entry {
        actor: by,
        action: "token.create",
        incident,
        bundle: None,
        event: None,
        summary: match incident {
            Some(id) => format!(
                "made machine token {name}, to send evidence into incident #{id} until {expires}"
            ),
            None => format!("made machine token {name}, to send evidence until {expires}"),
        },
        details: serde_json::json!({
            "name": name,
            "scope": "ingest",
            "incident": incident,
            "expiresAt": expires,
        }),
    })
    .await?;
    rec.commit().await?;
    Ok(NewMachineToken {
        token: MachineToken {
            name: name.to_owned(),
            incident,
            created_by: by.id().to_owned(),
            created_at: stamp(at),
            expires_at: expires,
            revoked_at: None,
            revoked_by: None,
            last_used_at: None,
            state: TokenState::Active,
        },
        secret,
    })
}

/// Every token, newest first.
pub async fn list(db: &Db) -> Result<Vec<MachineToken>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_tokens ORDER BY created_at DESC, name"
    ))
    .fetch_all(db.pool())
    .await?;
    let at = Utc::now();
    Ok(rows.into_iter().map(|r| r.listed(at)).collect())
}

/// Revokes token `name`, recorded in the review log; false when there is no such
/// token or it was revoked before.
pub async fn revoke(
    db: &Db,
    key: &ServerKey,
    by: Actor<'_>,
    name: &str,
) -> Result<bool, StoreError> {
    let mut rec = Recorder::begin(db, key).await?;
    let at = now();
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 \
         WHERE name = $3 AND revoked_at IS NULL",
    )
    .bind(&at)
    .bind(by.id())
    .bind(name)
    .execute(rec.conn())
    .await?;
    if done.rows_affected() == 1 {
        rec.append(Entry {
            actor: by,
            action: "token.revoke",
            incident: None,
            bundle: None,
            event: None,
            summary: format!("revoked machine token {name}"),
            details: serde_json::json!({ "name": name }),
        })
        .await?;
    }
    rec.commit().await?;
    Ok(done.rows_affected() == 1)
}

/// What `secret` is; a valid token's last use is set to now.
pub async fn resolve(db: &Db, secret: &str) -> Result<Check, StoreError> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE secret_hash = $1"
    ))
    .bind(secret_hash(secret))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(Check::Unknown);
    };
    let at = Utc::now();
    match (
        state(&row.expires_at, row.revoked_at.is_some(), at),
        row.revoked_at,
    ) {
        (TokenState::Revoked, Some(when)) => {
            return Ok(Check::Revoked {
                name: row.name,
                at: when,
            })
        }
        (TokenState::Expired, _) => {
            return Ok(Check::Expired {
                name: row.name,
                at: row.expires_at,
            })
        }
        _ => {}
    }
    // Written at most once a minute, as a session's last request is: a use is not a
    // write of its own (each use is a review-log entry anyway).
    let stale = row
        .last_used_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .is_none_or(|t| at - t.to_utc() > chrono::Duration::seconds(60));
    if stale {
        let _writes = db.lock_writes().await;
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE name = $2")
            .bind(stamp(at))
            .bind(&row.name)
            .execute(db.pool())
            .await?;
    }
    Ok(Check::Valid(Token {
        actor: format!("token:{}", row.name),
        name: row.name,
        incident: row.incident_id,
    }))
}

/// The incident traces sent with `token` go into: its own, or the one opened at its
/// first use (`None` before that).
pub async fn traces_incident(db: &Db, token: &Token) -> Result<Option<i64>, StoreError> {
    if token.incident.is_some() {
        return Ok(token.incident);
    }
    let row: Option<(Option<i64>,)> =
        sqlx::query_as("SELECT traces_incident FROM api_tokens WHERE name = $1")
            .bind(&token.name)
            .fetch_optional(db.pool())
            .await?;
    Ok(row.and_then(|r| r.0))
}

/// Remembers `incident` as where traces sent with `token` go, when none was.
pub async fn set_traces_incident(db: &Db, token: &Token, incident: i64) -> Result<(), StoreError> {
    let _writes = db.lock_writes().await;
    sqlx::query(
        "UPDATE api_tokens SET traces_incident = $1 WHERE name = $2 AND traces_incident IS NULL",
    )
    .bind(incident)
    .bind(&token.name)
    .execute(db.pool())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_expired_from_its_expiry_on() {
        let at = Utc::now();
        assert_eq!(
            state(&stamp(at + chrono::Duration::seconds(5)), false, at),
            TokenState::Active
        );
        assert_eq!(state(&stamp(at), false, at), TokenState::Expired);
        assert_eq!(
            state(&stamp(at + chrono::Duration::days(3)), true, at),
            TokenState::Revoked
        );
        assert_ne!(secret_hash("a"), secret_hash("b"));
    }
}
