//! The server-wide transparency log: every stored bundle and every review-log entry
//! appended as a leaf ([`evidence::tlog::Leaf`]) in the transaction that stores it,
//! the checkpoints the server signs over it, the cosignatures witnesses send, the
//! proofs auditors and exports need, and the log's own check against what is stored.

use evidence::merkle::{self, Hash};
use evidence::note::{Note, NoteSigner, SigType};
use evidence::tlog::{self, Checkpoint, Inclusion, Leaf, WitnessPolicy};

use crate::review_log::ServerKey;
use crate::{now, Db, StoreError};

/// The log's identity: its origin (the checkpoints' first line and the key name) and
/// the server key that signs its checkpoints.
#[derive(Clone)]
pub struct LogKey {
    origin: String,
    signer: std::sync::Arc<NoteSigner>,
    policy: Option<std::sync::Arc<WitnessPolicy>>,
    tsas: std::sync::Arc<evidence::timestamp::TsaTrust>,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKey")
            .field("origin", &self.origin)
            .finish()
    }
}

/// Why a cosignature is refused.
#[derive(Debug, thiserror::Error)]
pub enum CosignError {
    /// The server has no witness policy: it knows no witness.
    #[error("this server has no witness policy, so it takes no cosignature")]
    NoPolicy,
    /// Not a checkpoint this server signed.
    #[error("not a checkpoint this server signed: {0}")]
    UnknownCheckpoint(String),
    /// No line of a witness the policy names verifies.
    #[error("no cosignature of a witness in this server's policy verifies on it: {0}")]
    NoValidCosignature(String),
    /// A store error.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the server will not sign a checkpoint of its log as it now stands.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointRefusal {
    /// The log no longer extends a checkpoint the server signed.
    #[error("the log no longer extends a checkpoint this server signed: {0}")]
    Diverged(tlog::Divergence),
    /// A store error.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl LogKey {
    /// The log `origin`, signed with `key`; the default origin names the key. An
    /// origin must be a key name: no spaces, no plus.
    pub fn new(origin: Option<&str>, key: &ServerKey) -> Result<Self, evidence::note::NoteError> {
        let origin = origin
            .map(str::to_owned)
            .unwrap_or_else(|| default_origin(key));
        let signer = NoteSigner::new(&origin, SigType::Ed25519, key.seed())?;
        Ok(LogKey {
            origin,
            signer: std::sync::Arc::new(signer),
            policy: None,
            tsas: std::sync::Arc::default(),
        })
    }

    /// The same log, checking bundles' time stamps against `tsas`.
    pub fn with_tsa_trust(mut self, tsas: evidence::timestamp::TsaTrust) -> Self {
        self.tsas = std::sync::Arc::new(tsas);
        self
    }

    /// The time-stamping authorities this server trusts.
    pub fn tsa_trust(&self) -> &evidence::timestamp::TsaTrust {
        &self.tsas
    }

    /// What this server trusts to anchor evidence: its own log's key, its witness
    /// policy and its trusted time-stamping authorities.
    pub fn trust(&self) -> evidence::anchor::AnchorTrust {
        evidence::anchor::AnchorTrust {
            logs: vec![*self.verifier().key()],
            witnesses: self.policy.as_deref().cloned(),
            tsas: (*self.tsas).clone(),
        }
    }

    /// The same log, keeping the cosignatures of `policy`'s witnesses.
    pub fn with_policy(mut self, policy: Option<std::sync::Arc<WitnessPolicy>>) -> Self {
        self.policy = policy;
        self
    }

    /// The witness policy, when there is one.
    pub fn policy(&self) -> Option<&WitnessPolicy> {
        self.policy.as_deref()
    }

    /// How many witnesses must cosign, when there is a policy.
    pub fn quorum(&self) -> Option<usize> {
        self.policy.as_ref().map(|p| p.quorum)
    }

    /// The log's key for `db`: its origin is the one the database records (a log
    /// keeps one origin for life), recorded on first use as `configured` or the
    /// default. A configured origin other than the recorded one is refused.
    pub async fn load(
        db: &Db,
        key: &ServerKey,
        configured: Option<&str>,
    ) -> Result<Self, StoreError> {
        let recorded: Option<(String,)> =
            sqlx::query_as("SELECT origin FROM log_origin WHERE id = 1")
                .fetch_optional(db.pool())
                .await?;
        let origin = match (recorded, configured) {
            (Some((recorded,)), Some(configured)) if recorded != configured => {
                return Err(StoreError::Corrupt {
                    column: "log_origin (the log's origin; it cannot change)",
                    value: format!("{recorded}, configured as {configured}"),
                })
            }
            (Some((recorded,)), _) => recorded,
            (None, configured) => {
                let origin = configured
                    .map(str::to_owned)
                    .unwrap_or_else(|| default_origin(key));
                sqlx::query(
                    "INSERT INTO log_origin (id, origin) VALUES (1, $1) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(&origin)
                .execute(db.pool())
                .await?;
                origin
            }
        };
        LogKey::new(Some(&origin), key).map_err(|e| StoreError::Corrupt {
            column: "log_origin",
            value: e.to_string(),
        })
    }

    /// The origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    fn signer(&self) -> &NoteSigner {
        &self.signer
    }

    /// The verifier of the log's checkpoints.
    pub fn verifier(&self) -> &evidence::note::Verifier {
        self.signer.verifier()
    }
}

/// `custody.local/log/` and the first 16 hex digits of the server's public key.
pub fn default_origin(key: &ServerKey) -> String {
    let hex = key.public_key().to_hex();
    format!("custody.local/log/{}", &hex[..16.min(hex.len())])
}

/// Appends `leaf` inside the caller's transaction, which holds the review log's
/// append lock; returns its index.
pub(crate) async fn append(
    conn: &mut sqlx::AnyConnection,
    leaf: &Leaf,
    at: &str,
) -> Result<u64, StoreError> {
    let next: (i64,) = sqlx::query_as("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO log_leaves (idx, data, at) VALUES ($1, $2, $3)")
        .bind(next.0)
        .bind(leaf.data())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(u64::try_from(next.0).unwrap_or_default())
}

/// [`append`], unless the leaf is already in the log (a bundle whose manifest was
/// stored before, with other anchors or tampered events beside it).
pub(crate) async fn append_once(
    conn: &mut sqlx::AnyConnection,
    leaf: &Leaf,
    at: &str,
) -> Result<(), StoreError> {
    let there: Option<(i64,)> = sqlx::query_as("SELECT idx FROM log_leaves WHERE data = $1")
        .bind(leaf.data())
        .fetch_optional(&mut *conn)
        .await?;
    if there.is_none() {
        append(conn, leaf, at).await?;
    }
    Ok(())
}

/// Logs what was stored before the log (or while it was not written): every
/// review-log entry after the newest one logged, in order, each upload's bundle
/// just before its entry. Run at start-up, under the log's append lock.
pub async fn catch_up(db: &Db) -> Result<u64, StoreError> {
    let _turn = db.lock_appends().await;
    let mut tx = db.pool().begin().await?;
    crate::review_log::lock_appends(&mut tx, db.kind()).await?;
    // The newest leaf is a review entry's: a bundle's leaf is appended just before
    // the entry that records its upload.
    let last: Option<(String,)> =
        sqlx::query_as("SELECT data FROM log_leaves ORDER BY idx DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
    let newest = match last.and_then(|(d,)| Leaf::parse(&d)) {
        Some(Leaf::Review { seq, .. }) => i64::try_from(seq).unwrap_or(i64::MAX),
        _ => -1,
    };
    let missing: Vec<(i64, String, Option<String>, String)> = sqlx::query_as(
        "SELECT r.seq, r.digest, b.manifest_digest, r.at FROM review_log r \
         LEFT JOIN bundles b ON b.sha256 = r.bundle_sha256 AND r.action = 'upload' \
         WHERE r.seq > $1 ORDER BY r.seq",
    )
    .bind(newest)
    .fetch_all(&mut *tx)
    .await?;
    let mut added = 0;
    for (seq, digest, manifest, at) in missing {
        if let Some(manifest) = manifest {
            append_once(&mut tx, &Leaf::Bundle { manifest }, &at).await?;
        }
        let seq = u64::try_from(seq).unwrap_or_default();
        append(&mut tx, &Leaf::Review { seq, digest }, &at).await?;
        added += 1;
    }
    tx.commit().await?;
    Ok(added)
}

/// The manifest digests of stored bundles without one (stored before the log):
/// read from their bytes. Run at start-up, before [`catch_up`].
pub async fn fill_manifest_digests(db: &Db) -> Result<u64, StoreError> {
    let missing: Vec<(String,)> =
        sqlx::query_as("SELECT sha256 FROM bundles WHERE manifest_digest IS NULL")
            .fetch_all(db.pool())
            .await?;
    let mut filled = 0;
    for (sha256,) in missing {
        let Some(bytes) = crate::bundles::raw(db, &sha256).await? else {
            continue;
        };
        let Ok(digest) = evidence::bundle::manifest_digest(&bytes, &limits_for(&bytes)) else {
            continue;
        };
        sqlx::query("UPDATE bundles SET manifest_digest = $1 WHERE sha256 = $2")
            .bind(hex::encode(digest))
            .bind(&sha256)
            .execute(db.pool())
            .await?;
        filled += 1;
    }
    Ok(filled)
}

/// The leaf of the stored bundle `sha256`, when it is stored.
pub async fn bundle_leaf(db: &Db, sha256: &str) -> Result<Option<Leaf>, StoreError> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT manifest_digest FROM bundles WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(db.pool())
            .await?;
    Ok(row
        .and_then(|(m,)| m)
        .map(|manifest| Leaf::Bundle { manifest }))
}

/// Every leaf's data, in order.
async fn leaf_data(db: &Db) -> Result<Vec<String>, StoreError> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT data FROM log_leaves ORDER BY idx")
        .fetch_all(db.pool())
        .await?;
    Ok(rows.into_iter().map(|(d,)| d).collect())
}

fn hashes(data: &[String]) -> Vec<Hash> {
    data.iter()
        .map(|d| merkle::leaf_hash(d.as_bytes()))
        .collect()
}

/// The log's leaf hashes as stored now.
pub async fn leaves(db: &Db) -> Result<Vec<Hash>, StoreError> {
    Ok(hashes(&leaf_data(db).await?))
}

/// The latest checkpoint, signed, with every cosignature the server holds for it:
/// the text `GET /checkpoint` serves. A checkpoint is signed once per tree size; the
/// server refuses to sign one its earlier checkpoints do not lead to.
pub async fn checkpoint(db: &Db, log: &LogKey) -> Result<String, CheckpointRefusal> {
    checkpoint_of(db, log, &leaves(db).await?).await
}

/// [`checkpoint`] of the log whose leaf hashes are `leaves` (as just read).
async fn checkpoint_of(
    db: &Db,
    log: &LogKey,
    leaves: &[Hash],
) -> Result<String, CheckpointRefusal> {
    let current = Checkpoint {
        origin: log.origin.clone(),
        size: leaves.len() as u64,
        root: merkle::root(leaves),
        extensions: vec![],
    };
    let root = current.root_hex();
    let stored: Option<(String,)> =
        sqlx::query_as("SELECT note FROM checkpoints WHERE size = $1 AND root = $2")
            .bind(size_i64(current.size))
            .bind(&root)
            .fetch_optional(db.pool())
            .await
            .map_err(StoreError::from)?;
    let note = match stored {
        Some((note,)) => note,
        None => {
            // The checkpoints of the largest size signed stand for every earlier one:
            // each was signed only as an extension of those before it.
            if let Some(divergence) = diverged(db, leaves, Signed::Newest)
                .await?
                .into_iter()
                .next()
            {
                return Err(CheckpointRefusal::Diverged(divergence));
            }
            let note = current.sign(log.signer());
            sqlx::query(
                "INSERT INTO checkpoints (size, root, note, at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (size, root) DO NOTHING",
            )
            .bind(size_i64(current.size))
            .bind(&root)
            .bind(&note)
            .bind(now())
            .execute(db.pool())
            .await
            .map_err(StoreError::from)?;
            note
        }
    };
    Ok(with_cosignatures(db, &note, current.size, &root).await?)
}

/// `note` with the cosignature lines stored for the checkpoint (size, root) added.
async fn with_cosignatures(
    db: &Db,
    note: &str,
    size: u64,
    root: &str,
) -> Result<String, StoreError> {
    let lines: Vec<(String,)> = sqlx::query_as(
        "SELECT line FROM cosignatures WHERE size = $1 AND root = $2 ORDER BY witness",
    )
    .bind(size_i64(size))
    .bind(root)
    .fetch_all(db.pool())
    .await?;
    let mut out = note.to_owned();
    for (line,) in lines {
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

fn size_i64(size: u64) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}

/// Which signed checkpoints [`diverged`] compares with the log.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Signed {
    /// Every one (the integrity check).
    All,
    /// Those of the largest size (before signing another).
    Newest,
}

/// Each checkpoint the server signed (of `which`) that `leaves` no longer lead to:
/// cut short (fewer leaves than it counted) or rewritten (another root at its size).
async fn diverged(
    db: &Db,
    leaves: &[Hash],
    which: Signed,
) -> Result<Vec<tlog::Divergence>, StoreError> {
    let sql = match which {
        Signed::All => "SELECT size, root FROM checkpoints ORDER BY size, root",
        Signed::Newest => {
            "SELECT size, root FROM checkpoints \
             WHERE size = (SELECT MAX(size) FROM checkpoints) ORDER BY root"
        }
    };
    let signed: Vec<(i64, String)> = sqlx::query_as(sql).fetch_all(db.pool()).await?;
    // One log, one origin: it plays no part in comparing the log's own checkpoints.
    let checkpoint = |size: u64, root: Hash| Checkpoint {
        origin: String::new(),
        size,
        root,
        extensions: vec![],
    };
    let now = checkpoint(leaves.len() as u64, merkle::root(leaves));
    let mut out = Vec::new();
    for (size, root) in signed {
        let size = u64::try_from(size).unwrap_or_default();
        let Some(root) = hex::decode(&root).ok().and_then(|r| Hash::try_from(r).ok()) else {
            continue;
        };
        let proof = usize::try_from(size)
            .ok()
            .and_then(|m| merkle::consistency_proof(leaves, m))
            .unwrap_or_default();
        if let Err(divergence) = tlog::extends(&checkpoint(size, root), &now, &proof) {
            out.push(divergence);
        }
    }
    Ok(out)
}

/// The consistency proof from the log at `old` leaves to the log at `new`; `None`
/// when either is more than the log holds or `old` is more than `new`.
pub async fn consistency(db: &Db, old: u64, new: u64) -> Result<Option<Vec<Hash>>, StoreError> {
    let leaves = leaves(db).await?;
    let (Ok(old), Ok(new)) = (usize::try_from(old), usize::try_from(new)) else {
        return Ok(None);
    };
    if old > new || new > leaves.len() {
        return Ok(None);
    }
    Ok(leaves
        .get(..new)
        .and_then(|l| merkle::consistency_proof(l, old)))
}

/// The checkpoint an export carries and the inclusion proof of each of `wanted` in
/// it, in order (a leaf not in it has none): the latest checkpoint that `quorum`
/// witnesses cosigned and that holds every wanted leaf, else the latest checkpoint
/// (as [`checkpoint`] serves it), so that what the export holds is always proven.
pub async fn proofs(
    db: &Db,
    log: &LogKey,
    quorum: Option<usize>,
    wanted: &[Leaf],
) -> Result<(String, Vec<Option<Inclusion>>), CheckpointRefusal> {
    let data = leaf_data(db).await?;
    proofs_in(db, log, quorum, wanted, &data).await
}

/// [`proofs`] in the log whose leaves' data is `data` (as just read).
async fn proofs_in(
    db: &Db,
    log: &LogKey,
    quorum: Option<usize>,
    wanted: &[Leaf],
    data: &[String],
) -> Result<(String, Vec<Option<Inclusion>>), CheckpointRefusal> {
    let all = hashes(data);
    let latest = checkpoint_of(db, log, &all).await?;
    let positions: Vec<Option<usize>> = wanted
        .iter()
        .map(|leaf| {
            let text = leaf.data();
            data.iter().position(|d| *d == text)
        })
        .collect();
    let needed = positions.iter().flatten().max().map_or(0, |i| i + 1);
    let mut chosen = latest;
    if let Some(quorum) = quorum {
        let witnessed: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT c.size, c.root, c.note FROM checkpoints c \
             JOIN cosignatures s ON s.size = c.size AND s.root = c.root \
             WHERE c.size >= $1 GROUP BY c.size, c.root, c.note \
             HAVING COUNT(s.witness) >= $2 ORDER BY c.size DESC",
        )
        .bind(i64::try_from(needed).unwrap_or(i64::MAX))
        .bind(i64::try_from(quorum).unwrap_or(i64::MAX))
        .fetch_all(db.pool())
        .await
        .map_err(StoreError::from)?;
        for (size, root, note) in witnessed {
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            let holds = all
                .get(..size)
                .is_some_and(|prefix| hex::encode(merkle::root(prefix)) == root);
            if holds {
                chosen = with_cosignatures(db, &note, size as u64, &root).await?;
                break;
            }
        }
    }
    let size = Note::parse(&chosen)
        .ok()
        .and_then(|n| Checkpoint::parse(&n.text).ok())
        .map_or(0, |c| c.size);
    let tree = all
        .get(..usize::try_from(size).unwrap_or(usize::MAX))
        .unwrap_or(&all);
    let proofs = wanted
        .iter()
        .zip(positions)
        .map(|(leaf, at)| at.and_then(|index| Inclusion::of(leaf, index, tree)))
        .collect();
    Ok((chosen, proofs))
}

/// Stores the cosignatures in `note` (a checkpoint this server signed, with witness
/// lines) of the witnesses `policy` names, each checked; returns their names.
pub async fn cosign(db: &Db, log: &LogKey, note: &str) -> Result<Vec<String>, CosignError> {
    let policy = log.policy().ok_or(CosignError::NoPolicy)?;
    let verifier = log.verifier().clone();
    let signed =
        tlog::open(note, &verifier).map_err(|e| CosignError::UnknownCheckpoint(e.to_string()))?;
    let root = signed.checkpoint.root_hex();
    let size = size_i64(signed.checkpoint.size);
    let known: Option<(i64,)> =
        sqlx::query_as("SELECT size FROM checkpoints WHERE size = $1 AND root = $2")
            .bind(size)
            .bind(&root)
            .fetch_optional(db.pool())
            .await
            .map_err(StoreError::from)?;
    if known.is_none() {
        return Err(CosignError::UnknownCheckpoint(format!(
            "no checkpoint of size {} with root {root} was signed here",
            signed.checkpoint.size
        )));
    }
    let mut stored = Vec::new();
    let mut problems = Vec::new();
    for witness in &policy.witnesses {
        match witness.verify_cosignature(&signed.note) {
            Ok(time) => {
                let Some(line) = signed
                    .note
                    .signatures
                    .iter()
                    .find(|s| s.name == witness.name() && s.key_id == witness.key_id())
                else {
                    continue;
                };
                sqlx::query(
                    "INSERT INTO cosignatures (size, root, witness, line, cosigned_at, received_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (size, root, witness) DO NOTHING",
                )
                .bind(size)
                .bind(&root)
                .bind(witness.name())
                .bind(line.line())
                .bind(i64::try_from(time).unwrap_or(i64::MAX))
                .bind(now())
                .execute(db.pool())
                .await
                .map_err(StoreError::from)?;
                stored.push(witness.name().to_owned());
            }
            Err(evidence::note::NoteError::NotSignedBy(_)) => {}
            Err(e) => problems.push(e.to_string()),
        }
    }
    if stored.is_empty() {
        return Err(CosignError::NoValidCosignature(if problems.is_empty() {
            "no line of a known witness".into()
        } else {
            problems.join("; ")
        }));
    }
    Ok(stored)
}

/// The log's own check: every checkpoint the server signed still leads to the log as
/// stored (else it was cut short or rewritten), every leaf reads, every review-log
/// entry and every stored bundle is a leaf, and every bundle leaf names a bundle
/// still stored. Each problem is one sentence.
pub async fn check(db: &Db) -> Result<Vec<String>, StoreError> {
    let data = leaf_data(db).await?;
    let leaves = hashes(&data);
    let mut problems: Vec<String> = diverged(db, &leaves, Signed::All)
        .await?
        .into_iter()
        .map(|d| format!("transparency log: {d}"))
        .collect();
    let mut bundles_logged = std::collections::HashSet::new();
    let mut reviews_logged = std::collections::HashMap::new();
    for (i, d) in data.iter().enumerate() {
        match Leaf::parse(d) {
            Some(Leaf::Bundle { manifest }) => {
                bundles_logged.insert(manifest);
            }
            Some(Leaf::Review { seq, digest }) => {
                reviews_logged.insert(seq, digest);
            }
            None => problems.push(format!("transparency log: leaf {i} does not read")),
        }
    }
    let entries: Vec<(i64, String)> =
        sqlx::query_as("SELECT seq, digest FROM review_log ORDER BY seq")
            .fetch_all(db.pool())
            .await?;
    for (seq, digest) in entries {
        let seq = u64::try_from(seq).unwrap_or_default();
        match reviews_logged.remove(&seq) {
            None => problems.push(format!(
                "transparency log: review-log entry {seq} is not in the log"
            )),
            Some(logged) if logged != digest => problems.push(format!(
                "transparency log: review-log entry {seq} is not the entry the log recorded (its digest changed)"
            )),
            Some(_) => {}
        }
    }
    let mut gone: Vec<u64> = reviews_logged.into_keys().collect();
    gone.sort_unstable();
    for seq in gone {
        problems.push(format!(
            "transparency log: review-log entry {seq} is in the log but no longer stored"
        ));
    }
    let stored: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT sha256, manifest_digest FROM bundles ORDER BY sha256")
            .fetch_all(db.pool())
            .await?;
    let mut present = std::collections::HashSet::new();
    for (sha256, manifest) in stored {
        match manifest {
            Some(m) if bundles_logged.contains(&m) => {
                present.insert(m);
            }
            _ => problems.push(format!(
                "transparency log: bundle {sha256} is stored but not in the log"
            )),
        }
    }
    let mut gone: Vec<String> = bundles_logged.difference(&present).cloned().collect();
    gone.sort();
    for manifest in gone {
        problems.push(format!(
            "transparency log: the bundle whose manifest digest is {manifest} is in the log but no longer stored"
        ));
    }
    Ok(problems)
}

/// The stored bundle `sha256` with its log anchor: the anchors its bytes carry (time
/// stamps) kept, and the latest checkpoint the witness policy's quorum cosigned that
/// holds it (else the latest) with its inclusion proof. `None` when no such bundle
/// is stored.
pub async fn anchored(
    db: &Db,
    log: &LogKey,
    sha256: &str,
) -> Result<Option<Vec<u8>>, CheckpointRefusal> {
    let (Some(bytes), Some(leaf)) = (
        crate::bundles::raw(db, sha256).await?,
        bundle_leaf(db, sha256).await?,
    ) else {
        return Ok(None);
    };
    let Ok(inputs) = evidence::bundle::anchor_inputs(&bytes, &limits_for(&bytes)) else {
        return Ok(None);
    };
    let mut anchors = own_anchors(&inputs);
    anchors.log = log_anchor(db, log, &leaf).await?;
    Ok(evidence::anchor::with_anchors(&bytes, &anchors).ok())
}

/// Limits that read a stored bundle whatever its size (it was read once already).
fn limits_for(bytes: &[u8]) -> evidence::bundle::Limits {
    let limits = evidence::bundle::Limits::default();
    evidence::bundle::Limits {
        max_bundle_bytes: limits.max_bundle_bytes.max(bytes.len()),
        max_events: usize::MAX,
        ..limits
    }
}

/// What vouches for the stored bundle `sha256`: the anchors its bytes carry and its
/// place in this log, as [`anchored`] gives them, checked against this server's
/// [`LogKey::trust`]; `None` when no such bundle is stored.
pub async fn bundle_anchoring(
    db: &Db,
    log: &LogKey,
    sha256: &str,
) -> Result<Option<model::Anchoring>, CheckpointRefusal> {
    let (Some(bytes), Some(leaf)) = (
        crate::bundles::raw(db, sha256).await?,
        bundle_leaf(db, sha256).await?,
    ) else {
        return Ok(None);
    };
    let Ok(inputs) = evidence::bundle::anchor_inputs(&bytes, &limits_for(&bytes)) else {
        return Ok(None);
    };
    let mut anchors = own_anchors(&inputs);
    anchors.log = log_anchor(db, log, &leaf).await?;
    let anchoring = evidence::anchor::verify_parts(&anchors, &inputs, &log.trust(), &[]);
    Ok(Some(model::Anchoring::of(
        anchoring.state(),
        anchoring.problems(),
    )))
}

/// The anchors a bundle's bytes carry (none when they do not read).
fn own_anchors(inputs: &evidence::bundle::AnchorInputs<'_>) -> evidence::anchor::Anchors {
    inputs
        .anchors
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or_default()
}

/// `leaf`'s place in this log: the checkpoint [`proofs`] chooses and its proof.
async fn log_anchor(
    db: &Db,
    log: &LogKey,
    leaf: &Leaf,
) -> Result<Option<evidence::anchor::LogAnchor>, CheckpointRefusal> {
    let (checkpoint, mut proofs) =
        proofs(db, log, log.quorum(), std::slice::from_ref(leaf)).await?;
    Ok(proofs
        .pop()
        .flatten()
        .map(|inclusion| evidence::anchor::LogAnchor {
            checkpoint,
            inclusion,
        }))
}

/// What vouches for the review log: the latest checkpoint the witness policy's
/// quorum cosigned (else the latest), checked as any anchor is, with the newest
/// entry it covers.
pub async fn review_log_anchoring(
    db: &Db,
    log: &LogKey,
) -> Result<model::Anchoring, CheckpointRefusal> {
    use evidence::anchor::{self, Anchoring, LogAnchor};
    let data = leaf_data(db).await?;
    let reviews: Vec<(usize, Leaf)> = data
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match Leaf::parse(d) {
            Some(l @ Leaf::Review { .. }) => Some((i, l)),
            _ => None,
        })
        .collect();
    let Some((_, newest)) = reviews.last() else {
        return Ok(model::Anchoring::of(
            evidence::anchor::AnchorState::NotAnchored,
            vec![],
        ));
    };
    // The newest entry in the witnessed checkpoint: prove each candidate from the
    // newest down until one is inside it.
    let (checkpoint, _) =
        proofs_in(db, log, log.quorum(), std::slice::from_ref(newest), &data).await?;
    let size = Note::parse(&checkpoint)
        .ok()
        .and_then(|n| Checkpoint::parse(&n.text).ok())
        .map_or(0, |c| c.size);
    let tree = hashes(
        data.get(..usize::try_from(size).unwrap_or(usize::MAX))
            .unwrap_or(&data),
    );
    let covered = reviews
        .iter()
        .rev()
        .find(|(i, _)| (*i as u64) < size)
        .cloned();
    let Some((index, leaf)) = covered else {
        return Ok(model::Anchoring::of(
            evidence::anchor::AnchorState::NotAnchored,
            vec![],
        ));
    };
    let Some(inclusion) = Inclusion::of(&leaf, index, &tree) else {
        return Ok(model::Anchoring::of(
            evidence::anchor::AnchorState::NotAnchored,
            vec![],
        ));
    };
    let check = anchor::check_leaf(
        &leaf,
        &LogAnchor {
            checkpoint,
            inclusion,
        },
        &log.trust(),
    );
    let anchoring = Anchoring {
        timestamps: vec![],
        log: Some(check),
        after_anchor: vec![],
    };
    let mut view = model::Anchoring::of(anchoring.state(), anchoring.problems());
    view.covers_entry = match leaf {
        Leaf::Review { seq, .. } => Some(seq),
        Leaf::Bundle { .. } => None,
    };
    view.newest_entry = match reviews.last() {
        Some((_, Leaf::Review { seq, .. })) => Some(*seq),
        _ => None,
    };
    Ok(view)
}
