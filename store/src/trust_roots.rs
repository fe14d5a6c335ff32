//! Trust roots: the organisation root keys the server verifies bundles against.

use evidence::keys::PublicKey;

use model::TrustRoot;

use crate::review_log::{Actor, Entry, Recorder, ServerKey};
use crate::{now, Db, StoreError};

/// The most characters a trust root's label may have.
pub const MAX_LABEL_CHARS: usize = 200;

/// `label` trimmed, or why it cannot be a trust root's label.
pub fn clean_label(label: &str) -> Result<&str, String> {
    let label = label.trim();
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(format!(
            "a trust root's label has at most {MAX_LABEL_CHARS} characters"
        ));
    }
    Ok(label)
}

/// Adds a root key (idempotent: adding a key already there keeps its label and date),
/// recorded in the review log when it is new. Returns whether it was new.
pub async fn add(
    db: &Db,
    server: &ServerKey,
    by: Actor<'_>,
    key: &PublicKey,
    label: &str,
) -> Result<bool, StoreError> {
    let mut rec = Recorder::begin(db, server).await?;
    let added = sqlx::query(
        "INSERT INTO trust_roots (public_key, keyid, label, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (public_key) DO NOTHING",
    )
    .bind(key.to_hex())
    .bind(evidence::bundle::keyid(key))
    .bind(label)
    .bind(now())
    .execute(rec.conn())
    .await?;
    if added.rows_affected() == 1 {
        rec.append(Entry {
            actor: by,
            action: "trust_root.add",
            incident: None,
            bundle: None,
            event: None,
            summary: format!(
                "trusted root key {} ({label})",
                evidence::bundle::keyid(key)
            ),
            details: serde_json::json!({ "publicKey": key.to_hex(), "label": label }),
        })
        .await?;
    }
    rec.commit().await?;
    Ok(added.rows_affected() == 1)
}

/// Removes a root key, named by its hex public key or its keyid, recorded in the
/// review log. Returns whether one was removed.
pub async fn remove(
    db: &Db,
    server: &ServerKey,
    by: Actor<'_>,
    key_or_keyid: &str,
) -> Result<bool, StoreError> {
    let mut rec = Recorder::begin(db, server).await?;
    let keys: Vec<(String,)> =
        sqlx::query_as("SELECT public_key FROM trust_roots WHERE public_key = $1 OR keyid = $1")
            .bind(key_or_keyid)
            .fetch_all(rec.conn())
            .await?;
    for (key,) in &keys {
        sqlx::query("DELETE FROM trust_roots WHERE public_key = $1")
            .bind(key)
            .execute(rec.conn())
            .await?;
        rec.append(Entry {
            actor: by,
            action: "trust_root.remove",
            incident: None,
            bundle: None,
            event: None,
            summary: format!("removed root key {key_or_keyid}"),
            details: serde_json::json!({ "key": key_or_keyid, "publicKey": key }),
        })
        .await?;
    }
    rec.commit().await?;
    Ok(!keys.is_empty())
}

/// Every root, oldest first.
pub async fn list(db: &Db) -> Result<Vec<TrustRoot>, StoreError> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT public_key, keyid, label, added_at FROM trust_roots ORDER BY added_at, public_key",
    )
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(public_key, keyid, label, added_at)| TrustRoot {
            public_key,
            keyid,
            label,
            added_at,
        })
        .collect())
}

/// The root whose hex public key is `public_key`, if the server trusts it.
pub async fn find(db: &Db, public_key: &str) -> Result<Option<TrustRoot>, StoreError> {
    let row: Option<(String, String, String, String)> = sqlx::query_as(
        "SELECT public_key, keyid, label, added_at FROM trust_roots WHERE public_key = $1",
    )
    .bind(public_key)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.map(|(public_key, keyid, label, added_at)| TrustRoot {
        public_key,
        keyid,
        label,
        added_at,
    }))
}

/// The root keys, ready to verify with.
pub async fn keys(db: &Db) -> Result<Vec<PublicKey>, StoreError> {
    list(db)
        .await?
        .into_iter()
        .map(|root| {
            PublicKey::from_text(&root.public_key).map_err(|_| StoreError::Corrupt {
                column: "trust_roots.public_key",
                value: root.public_key,
            })
        })
        .collect()
}
