//! Accounts: argon2id password hashes, roles, disabling, and rate-limited sign-in.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::Argon2;

use serde_json::{json, Value};

use model::{Account, Reviewer, Role};

use crate::review_log::{Actor, Entry, Recorder, ServerKey};

use crate::{now, Db, StoreError};

/// Failed sign-ins to one account from one client address within
/// [`FAILURE_WINDOW_SECS`] after which that client is refused, even with the right
/// password, until the window has passed.
pub const MAX_FAILURES: i64 = 5;
/// The window failed sign-ins are counted in.
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Why an account could not be made or changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The name is not one Custody accepts.
    #[error("a user name is 1 to 64 letters, digits, '.', '-', '_' or '@'")]
    BadName,
    /// The display name is too long.
    #[error("a display name has at most 100 characters")]
    LongDisplayName,
    /// The password is too short.
    #[error("a password has at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// The name is taken.
    #[error("user {0:?} exists")]
    Exists(String),
    /// No such account.
    #[error("no user {0:?}")]
    NoSuchUser(String),
    /// The current password given is not the account's.
    #[error("the current password is wrong")]
    WrongPassword,
    /// The new password is the one it replaces.
    #[error("the new password must differ from the current one")]
    SamePassword,
    /// Hashing failed.
    #[error("cannot hash the password: {0}")]
    Hash(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store_error!(AccountError);

/// Why a sign-in was refused. The text never says whether the account exists.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong name or password, or a disabled account.
    #[error("wrong user name or password")]
    Wrong,
    /// Too many failures: try again later.
    #[error("too many failed sign-ins; try again in {0} seconds")]
    Locked(i64),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

crate::store_error!(LoginError);

/// The argon2id hash (PHC string) of `password`, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// [`hash_password`] on a blocking thread: argon2 spends tens of milliseconds of CPU
/// by design, which would hold an async worker thread for all of it.
async fn hash_off_runtime(password: &str) -> Result<String, AccountError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
}

/// [`password_matches`] on a blocking thread (see [`hash_off_runtime`]); against
/// [`decoy_hash`] when there is no hash, so that answering takes as long.
async fn matches_off_runtime(password: &str, hash: Option<String>) -> Result<bool, StoreError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => password_matches(&password, &hash),
        None => password_matches(&password, decoy_hash()),
    })
    .await
    .map_err(|e| StoreError::Task(e.to_string()))
}

/// Whether `password` matches the PHC string `hash`.
pub fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Whether `name` is one an account can have (letters, digits, `.`, `_`, `-`, `@`;
/// 1 to 64 characters): safe to hand back to the sign-in form.
pub fn is_plain_name(name: &str) -> bool {
    valid_name(name)
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'))
}

/// Makes an account, recorded in the review log as done `by`.
pub async fn add(
    db: &Db,
    key: &ServerKey,
    by: Actor<'_>,
    username: &str,
    display_name: &str,
    role: Role,
    password: &str,
) -> Result<Account, AccountError> {
    if !valid_name(username) {
        return Err(AccountError::BadName);
    }
    if display_name.trim().chars().count() > 100 {
        return Err(AccountError::LongDisplayName);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::WeakPassword);
    }
    let hash = hash_off_runtime(password).await?;
    let at = now();
    let mut rec = Recorder::begin(db, key).await?;
    let inserted = sqlx::query(
        "INSERT INTO users (username, display_name, role, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (username) DO NOTHING",
    )
    .bind(username)
    .bind(display_name.trim())
    .bind(role.as_str())
    .bind(&hash)
    .bind(&at)
    .execute(rec.conn())
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(AccountError::Exists(username.to_owned()));
    }
    rec.append(Entry {
        actor: by,
        action: "user.add",
        incident: None,
        bundle: None,
        event: None,
        summary: format!("added user {username} as {}", role.label().to_lowercase()),
        details: json!({
            "user": username,
            "role": role.as_str(),
            "passwordDigest": crate::review_log::text_digest(&hash),
        }),
    })
    .await?;
    rec.commit().await?;
    Ok(Account {
        username: username.to_owned(),
        display_name: display_name.trim().to_owned(),
        role,
        disabled_at: None,
        created_at: at,
        password_expired: false,
    })
}

/// A `users` row as [`ACCOUNT_COLUMNS`] read it.
#[derive(sqlx::FromRow)]
struct AccountRow {
    username: String,
    display_name: String,
    role: String,
    disabled_at: Option<String>,
    created_at: String,
    password_expired: i64,
}

/// The columns of [`AccountRow`].
const ACCOUNT_COLUMNS: &str = "username, display_name, role, disabled_at, created_at, \
     CAST(password_expired AS BIGINT) AS password_expired";

fn account(row: AccountRow) -> Result<Account, StoreError> {
    let AccountRow {
        username,
        display_name,
        role,
        disabled_at,
        created_at,
        password_expired: expired,
    } = row;
    Ok(Account {
        role: Role::parse(&role).ok_or(StoreError::Corrupt {
            column: "users.role",
            value: role,
        })?,
        username,
        display_name,
        disabled_at,
        created_at,
        password_expired: expired != 0,
    })
}

/// Every account, by name.
pub async fn list(db: &Db) -> Result<Vec<Account>, StoreError> {
    let rows: Vec<AccountRow> = sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM users ORDER BY username"
    ))
    .fetch_all(db.pool())
    .await?;
    rows.into_iter().map(account).collect()
}

/// One account.
pub async fn get(db: &Db, username: &str) -> Result<Option<Account>, StoreError> {
    let row: Option<AccountRow> = sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM users WHERE username = $1"
    ))
    .bind(username)
    .fetch_optional(db.pool())
    .await?;
    row.map(account).transpose()
}

/// How many accounts exist.
pub async fn count(db: &Db) -> Result<i64, StoreError> {
    let (n,): (i64,) = sqlx::query_as("SELECT CAST(COUNT(*) AS BIGINT) FROM users")
        .fetch_one(db.pool())
        .await?;
    Ok(n)
}

async fn update(
    db: &Db,
    key: &ServerKey,
    by: Actor<'_>,
    username: &str,
    set: (&str, Option<String>),
    also: &'static str,
    log: (&str, String, Value),
) -> Result<(), AccountError> {
    let mut rec = Recorder::begin(db, key).await?;
    let changed = sqlx::query(&format!(
        "UPDATE users SET {} = $1{also}, updated_at = $2 WHERE username = $3",
        set.0
    ))
    .bind(set.1)
    .bind(now())
    .bind(username)
    .execute(rec.conn())
    .await?;
    if changed.rows_affected() == 0 {
        return Err(AccountError::NoSuchUser(username.to_owned()));
    }
    rec.append(Entry {
        actor: by,
        action: log.0,
        incident: None,
        bundle: None,
        event: None,
        summary: log.1,
        details: log.2,
    })
    .await?;
    rec.commit().await?;
    Ok(())
}

/// Gives an account another role, in force from its next request.
pub async fn set_role(
    db: &Db,
    key: &ServerKey,
    by: Actor<'_>,
    username: &str,
    role: Role,
) -> Result<(), AccountError> {
    update(
        db,
        key,
        by,
        username,
        ("role", Some(role.as_str().to_owned())),
        "",
        (
            "role",
            format!("{username} is now {}", role.label().to_lowercase()),
            json!({ "user": username, "role": role.as_str() }),
        ),
    )
    .await
}

/// Disables or re-enables an account. Disabling ends its sessions.
pub async fn set_disabled(
    db: &Db,
    key: &ServerKey,
    by: Actor<'_>,
    username: &str,
    disabled: bool,
) -> Result<(), AccountError> {
    let (action, verb) = if disabled {
        ("user.disable", "disabled")
    } else {
        ("user.enable", "enabled")
    };
    update(
        db,
        key,
        by,
        username,
        ("disabled_at", disabled.then(now)),
        "",
        (
            action,
            format!("{verb} user {username}"),
            json!({ "user": username }),
        ),
    )
    .await?;
    if disabled {
        crate::sessions::end_all(db, username).await?;
    }
    Ok(())
}

/// Sets a new password (the account's own from now on) and ends the account's sessions.
pub async fn set_password(
    db: &Db,
    key: &ServerKey,
    by: Actor<'_>,
    username: &str,
    password: &str,
) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::WeakPassword);
    }
    replace_password(db, key, by, username, password, false).await
}

/// Stores `password`'s hash for `username`, marked one-time or not, records it in
/// the log (the hash's digest, never the password) and ends the account's sessions.
async fn replace_password(
    db: &Db,
    key: &ServerKey,
    by: Actor<'_>,
    username: &str,
    password: &str,
    one_time: bool,
) -> Result<(), AccountError> {
    let hash = hash_off_runtime(password).await?;
    let digest = crate::review_log::text_digest(&hash);
    let (mark, summary, details) = if one_time {
        (
            ", password_expired = 1",
            format!("reset {username}'s password to a one-time password"),
            json!({ "user": username, "passwordDigest": digest, "oneTime": true }),
        )
    } else {
        (
            ", password_expired = 0",
            format!("set a new password for {username}"),
            json!({ "user": username, "passwordDigest": digest }),
        )
    };
    update(
        db,
        key,
        by,
        username,
        ("password_hash", Some(hash)),
        mark,
        ("user.password", summary, details),
    )
    .await?;
    crate::sessions::end_all(db, username).await?;
    Ok(())
}

/// The letters of a one-time password: no 0/O, 1/l/I, so it can be read out.
const ONE_TIME_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A one-time password: four groups of five letters (about 99 bits).
fn one_time_password() -> Result<String, AccountError> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| AccountError::Hash(format!("no randomness: {e}")))?;
    let letters: Vec<char> = bytes
        .iter()
        .map(|b| char::from(ONE_TIME_ALPHABET[usize::from(*b) % ONE_TIME_ALPHABET.len()]))
        .collect();
    Ok(letters
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// Replaces `username`'s password with a new one-time password, returned to be
/// shown once, which the account must replace at its next sign-in; ends the
/// account's sessions. The review log records that it happened, not the password.
pub async fn reset_password(
    db: &Db,
    key: &ServerKey,
    by: Actor<'_>,
    username: &str,
) -> Result<String, AccountError> {
    let password = one_time_password()?;
    replace_password(db, key, by, username, &password, true).await?;
    Ok(password)
}

/// Replaces the signed-in `who`'s password, given the current one: how an account
/// replaces a one-time password, or changes its own. Ends its sessions.
pub async fn change_own_password(
    db: &Db,
    key: &ServerKey,
    who: &Reviewer,
    current: &str,
    new: &str,
) -> Result<(), AccountError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT password_hash FROM users WHERE username = $1")
            .bind(&who.username)
            .fetch_optional(db.pool())
            .await?;
    let Some((hash,)) = row else {
        return Err(AccountError::NoSuchUser(who.username.clone()));
    };
    if !matches_off_runtime(current, Some(hash)).await? {
        return Err(AccountError::WrongPassword);
    }
    if new == current {
        return Err(AccountError::SamePassword);
    }
    set_password(db, key, Actor::Reviewer(who), &who.username, new).await
}

/// A hash of no one's password, checked when the account does not exist so that
/// answering takes as long as for one that does.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("not anyone's password").unwrap_or_default())
}

/// Failed sign-ins to one account, from all clients together, within
/// [`FAILURE_WINDOW_SECS`] after which every further check is slowed by
/// [`SLOWDOWN_MILLIS`]: many clients guessing at once are slowed, while the owner,
/// from their own address, is never locked out by them.
pub const SLOWDOWN_AFTER: i64 = 20;
/// How long a check waits once an account is under attack from many clients.
pub const SLOWDOWN_MILLIS: u64 = 2_000;

/// Checks a sign-in from `client` (the caller's address): the account's id and the
/// reviewer when the password is right, the account enabled, and `client` not locked
/// out of it by its own recent failures.
///
/// Each check is reserved before the password is looked at, atomically (serialised
/// across every server sharing the database), as a failure that a right password
/// takes back: concurrent guesses cannot slip past [`MAX_FAILURES`] per account and
/// client within the window. Failures from one client never lock another out.
pub async fn authenticate(
    db: &Db,
    username: &str,
    password: &str,
    client: &str,
) -> Result<(i64, Reviewer), LoginError> {
    // A name no account can have is refused without a trace (and without filling
    // the failure table with whatever is sent).
    if !valid_name(username) {
        return Err(LoginError::Wrong);
    }
    let client: String = client.chars().take(64).collect();
    let now_time = chrono::Utc::now();
    let since = crate::stamp(now_time - chrono::Duration::seconds(FAILURE_WINDOW_SECS));
    let at = now();
    let account_failures = {
        let _writes = db.lock_writes().await;
        let mut tx = db.pool().begin().await?;
        if db.kind() == model::DatabaseKind::Postgres {
            // Held to the end of the transaction: one reservation at a time.
            sqlx::query(
                "SELECT CAST(1 AS BIGINT) FROM (SELECT pg_advisory_xact_lock(727773)) AS l",
            )
            .execute(&mut *tx)
            .await?;
        }
        let (failures, oldest): (i64, Option<String>) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT), MIN(at) FROM login_failures \
             WHERE username = $1 AND client = $2 AND at > $3",
        )
        .bind(username)
        .bind(&client)
        .bind(&since)
        .fetch_one(&mut *tx)
        .await?;
        if failures >= MAX_FAILURES {
            let wait = oldest
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| {
                    (t.to_utc() + chrono::Duration::seconds(FAILURE_WINDOW_SECS) - now_time)
                        .num_seconds()
                })
                .unwrap_or(FAILURE_WINDOW_SECS)
                .max(1);
            return Err(LoginError::Locked(wait));
        }
        // Failures older than the window no longer count: they are dropped.
        sqlx::query("DELETE FROM login_failures WHERE at <= $1")
            .bind(&since)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO login_failures (username, client, at) VALUES ($1, $2, $3)")
            .bind(username)
            .bind(&client)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        let (all,): (i64,) = sqlx::query_as(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM login_failures WHERE username = $1 AND at > $2",
        )
        .bind(username)
        .bind(&since)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        all
    };
    if account_failures > SLOWDOWN_AFTER {
        tokio::time::sleep(std::time::Duration::from_millis(SLOWDOWN_MILLIS)).await;
    }
    let row: Option<(i64, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, display_name, role, password_hash, disabled_at FROM users WHERE username = $1",
    )
    .bind(username)
    .fetch_optional(db.pool())
    .await?;
    let matches = matches_off_runtime(password, row.as_ref().map(|r| r.3.clone())).await?;
    match row {
        Some((id, display_name, role, _, None)) if matches => {
            // The right password takes this client's failures back, the reserved
            // check with them.
            {
                let _writes = db.lock_writes().await;
                sqlx::query("DELETE FROM login_failures WHERE username = $1 AND client = $2")
                    .bind(username)
                    .bind(&client)
                    .execute(db.pool())
                    .await?;
            }
            let role = Role::parse(&role).ok_or(StoreError::Corrupt {
                column: "users.role",
                value: role,
            })?;
            Ok((
                id,
                Reviewer {
                    username: username.to_owned(),
                    display_name,
                    role,
                },
            ))
        }
        // The reserved check stays, as the failure it was.
        _ => Err(LoginError::Wrong),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_argon2id_with_their_own_salt() {
        let a = hash_password("correct horse battery").expect("hash");
        let b = hash_password("correct horse battery").expect("hash");
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(password_matches("correct horse battery", &a));
        assert!(!password_matches("correct horse batterz", &a));
        assert!(!password_matches("correct horse battery", "not a hash"));
    }

    #[test]
    fn names_are_plain() {
        assert!(valid_name("ana.lopez@example.com"));
        assert!(!valid_name(""));
        assert!(!valid_name("<script>"));
        assert!(!valid_name(&"a".repeat(65)));
    }
}
