//! Trust roots: the organisation root keys the server verifies bundles against.

use evidence::keys::PublicKey;

use crate::model::TrustRoot;

use super::{now, Db, StoreError};

/// Adds a root key (idempotent: adding a key already there keeps its label and date).
/// Returns whether it was new.
pub async fn add(db: &Db, key: &PublicKey, label: &str) -> Result<bool, StoreError> {
    let added = sqlx::query(
        "INSERT INTO trust_roots (public_key, keyid, label, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (public_key) DO NOTHING",
    )
    .bind(key.to_hex())
    .bind(evidence::bundle::keyid(key))
    .bind(label)
    .bind(now())
    .execute(db.pool())
    .await?;
    Ok(added.rows_affected() == 1)
}

/// Removes a root key, named by its hex public key or its keyid. Returns whether
/// one was removed.
pub async fn remove(db: &Db, key_or_keyid: &str) -> Result<bool, StoreError> {
    let removed = sqlx::query("DELETE FROM trust_roots WHERE public_key = $1 OR keyid = $1")
        .bind(key_or_keyid)
        .execute(db.pool())
        .await?;
    Ok(removed.rows_affected() > 0)
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
