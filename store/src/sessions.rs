//! Server-side sessions: a random token in the reviewer's cookie, its SHA-256 here,
//! ended by logout, by idle and absolute timeouts, and when the account is disabled.

use sha2::{Digest, Sha256};

use model::{Reviewer, Role};

use crate::{now, stamp, Db, StoreError};

/// How long a session lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Ended after this long without a request.
    pub idle: chrono::Duration,
    /// Ended this long after sign-in, however busy.
    pub absolute: chrono::Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            idle: chrono::Duration::minutes(30),
            absolute: chrono::Duration::hours(12),
        }
    }
}

/// A session's cookie token and its token against cross-site request forgery.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// Goes in the cookie; stored only as its hash.
    pub token: String,
    /// Sent with state-changing requests that carry no same-origin `Origin`.
    pub csrf: String,
}

/// The session a request belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Who.
    pub reviewer: Reviewer,
    /// The session's token against cross-site request forgery.
    pub csrf: String,
    /// Whether the account's password is a one-time password an admin set: the
    /// session may do nothing but replace it.
    pub password_expired: bool,
}

fn random_token() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Task(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session for account `user_id`, first ending `replacing` (the session the
/// browser held before signing in, so that a session is never carried across sign-in)
/// and every session past its timeouts.
pub async fn start(
    db: &Db,
    user_id: i64,
    replacing: Option<&str>,
    timeouts: Timeouts,
) -> Result<NewSession, StoreError> {
    let session = NewSession {
        token: random_token()?,
        csrf: random_token()?,
    };
    let at = chrono::Utc::now();
    let _writes = db.lock_writes().await;
    let mut tx = db.pool().begin().await?;
    if let Some(old) = replacing {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(old))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM sessions WHERE created_at < $1 OR last_seen_at < $2")
        .bind(stamp(at - timeouts.absolute))
        .bind(stamp(at - timeouts.idle))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(token_hash(&session.token))
    .bind(user_id)
    .bind(&session.csrf)
    .bind(stamp(at))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(session)
}

/// The live session with cookie token `token`, read with the account as it is now
/// (its role and whether it is disabled). An expired session is ended here.
pub async fn resolve(
    db: &Db,
    token: &str,
    timeouts: Timeouts,
) -> Result<Option<Session>, StoreError> {
    let hash = token_hash(token);
    #[derive(sqlx::FromRow)]
    struct Row {
        username: String,
        display_name: String,
        role: String,
        disabled_at: Option<String>,
        csrf_token: String,
        created_at: String,
        last_seen_at: String,
        password_expired: i64,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT u.username, u.display_name, u.role, u.disabled_at, s.csrf_token, \
             s.created_at, s.last_seen_at, CAST(u.password_expired AS BIGINT) AS password_expired \
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(db.pool())
    .await?;
    let Some(Row {
        username,
        display_name,
        role,
        disabled_at,
        csrf_token: csrf,
        created_at,
        last_seen_at,
        password_expired,
    }) = row
    else {
        return Ok(None);
    };
    let at = chrono::Utc::now();
    let parse = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .ok()
            .map(|t| t.to_utc())
    };
    let (Some(created), Some(seen)) = (parse(&created_at), parse(&last_seen_at)) else {
        return Err(StoreError::Corrupt {
            column: "sessions.created_at",
            value: created_at,
        });
    };
    let role = Role::parse(&role);
    if disabled_at.is_some()
        || role.is_none()
        || at - created > timeouts.absolute
        || at - seen > timeouts.idle
    {
        end(db, token).await?;
        return Ok(None);
    }
    // Written at most once a minute, and only when no other write is under way (a
    // large upload's, say): a session is not a write per request, and a request never
    // waits to say it was seen.
    if at - seen > chrono::Duration::seconds(60) {
        if let Some(_writes) = db.try_lock_writes() {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now())
                .bind(&hash)
                .execute(db.pool())
                .await?;
        }
    }
    Ok(role.map(|role| Session {
        reviewer: Reviewer {
            username,
            display_name,
            role,
        },
        csrf,
        password_expired: password_expired != 0,
    }))
}

/// Ends the session with cookie token `token`.
pub async fn end(db: &Db, token: &str) -> Result<(), StoreError> {
    let _writes = db.lock_writes().await;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Ends every session of account `username`.
pub async fn end_all(db: &Db, username: &str) -> Result<(), StoreError> {
    let _writes = db.lock_writes().await;
    sqlx::query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)")
        .bind(username)
        .execute(db.pool())
        .await?;
    Ok(())
}
