//! The server-wide transparency log: an RFC 6962 tree whose leaves are every stored
//! bundle and every review-log entry, its checkpoints (C2SP `tlog-checkpoint`, signed
//! notes), the witnesses that cosign them under a quorum policy, and what an auditor
//! holding an earlier checkpoint concludes from a later one ([`extends`]).
//!
//! A leaf's data is one line of text:
//! `custody-log/v1 bundle <the bundle's manifest digest>` (see
//! [`crate::bundle::manifest_digest`]: the bundle's signed content, whatever anchors
//! travel with it) or `custody-log/v1 review <seq> <the entry's chain digest>`.

use base64::Engine as _;

use crate::merkle::{self, Hash, ProofError};
use crate::note::{Note, NoteError, NoteSigner, SigType, Verifier};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// What one leaf of the log records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Leaf {
    /// A stored bundle, by its manifest digest (hex).
    Bundle {
        /// The manifest digest, hex.
        manifest: String,
    },
    /// A review-log entry, by its sequence number and chain digest (hex).
    Review {
        /// The entry's sequence number.
        seq: u64,
        /// The entry's digest, which chains it to the one before.
        digest: String,
    },
}

impl Leaf {
    /// The leaf's data, as hashed.
    pub fn data(&self) -> String {
        match self {
            Leaf::Bundle { manifest } => format!("custody-log/v1 bundle {manifest}"),
            Leaf::Review { seq, digest } => format!("custody-log/v1 review {seq} {digest}"),
        }
    }

    /// Reads a leaf's data back.
    pub fn parse(data: &str) -> Option<Leaf> {
        let rest = data.strip_prefix("custody-log/v1 ")?;
        let hex64 = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        match rest.split(' ').collect::<Vec<_>>().as_slice() {
            ["bundle", manifest] if hex64(manifest) => Some(Leaf::Bundle {
                manifest: (*manifest).to_owned(),
            }),
            ["review", seq, digest] if hex64(digest) => Some(Leaf::Review {
                seq: seq.parse().ok()?,
                digest: (*digest).to_owned(),
            }),
            _ => None,
        }
    }

    /// The RFC 6962 leaf hash of [`Leaf::data`].
    pub fn hash(&self) -> Hash {
        merkle::leaf_hash(self.data().as_bytes())
    }

    /// What the leaf records, for people.
    pub fn describe(&self) -> String {
        match self {
            Leaf::Bundle { manifest } => format!("the bundle whose manifest digest is {manifest}"),
            Leaf::Review { seq, .. } => format!("review-log entry {seq}"),
        }
    }
}

/// Why a checkpoint does not read or is not the log's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The note itself does not read.
    #[error("the checkpoint is not a signed note: {0}")]
    Note(NoteError),
    /// The body is not origin, size, base64 root hash.
    #[error("the checkpoint's body is not an origin, a tree size and a base64 root hash ({0})")]
    Body(&'static str),
    /// The log's own signature is missing or does not verify.
    #[error("the log's signature: {0}")]
    LogSignature(NoteError),
    /// The origin is not the log the key names.
    #[error("the checkpoint is of log {found:?}; the log key is {expected:?}'s")]
    OtherLog {
        /// The key's name.
        expected: String,
        /// The checkpoint's origin.
        found: String,
    },
}

/// A checkpoint's body: which log, how many leaves, their root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line.
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The root hash over the first `size` leaves.
    pub root: Hash,
    /// Extension lines, kept but not interpreted.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// Reads a checkpoint body (the note's text).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::Body("no final newline"))?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(CheckpointError::Body("no origin"))?;
        let size = lines
            .next()
            .filter(|s| s == &"0" || !s.starts_with('0'))
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or(CheckpointError::Body("the size is not a decimal number"))?;
        let root = lines
            .next()
            .and_then(|r| B64.decode(r).ok())
            .and_then(|r| Hash::try_from(r).ok())
            .ok_or(CheckpointError::Body("the root is not 32 bytes of base64"))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(CheckpointError::Body("an empty extension line"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// The body as text, ending in a newline.
    pub fn text(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for line in &self.extensions {
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// The root as hex, as the console shows it.
    pub fn root_hex(&self) -> String {
        hex::encode(self.root)
    }

    /// This checkpoint signed by the log's `signer`: the note's text.
    pub fn sign(&self, signer: &NoteSigner) -> String {
        let text = self.text();
        Note {
            signatures: vec![signer.sign(&text)],
            text,
        }
        .to_text()
    }
}

/// A checkpoint whose log signature held, with its note (for its cosignatures).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The body.
    pub checkpoint: Checkpoint,
    /// The note it came in, every signature line kept.
    pub note: Note,
}

/// Reads `text` as a checkpoint of the log whose key is `log` (whose name must be the
/// origin) and checks the log's signature.
pub fn open(text: &str, log: &Verifier) -> Result<SignedCheckpoint, CheckpointError> {
    let note = Note::parse(text).map_err(CheckpointError::Note)?;
    let checkpoint = Checkpoint::parse(&note.text)?;
    if checkpoint.origin != log.name() {
        return Err(CheckpointError::OtherLog {
            expected: log.name().to_owned(),
            found: checkpoint.origin,
        });
    }
    log.verify(&note).map_err(CheckpointError::LogSignature)?;
    Ok(SignedCheckpoint { checkpoint, note })
}

/// The log key of a server: its Ed25519 key under the log's origin.
pub fn log_verifier(origin: &str, key: crate::keys::PublicKey) -> Result<Verifier, NoteError> {
    Verifier::new(origin, SigType::Ed25519, key)
}

/// Which witnesses a verifier trusts, and how many of them must cosign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessPolicy {
    /// The witnesses' cosignature keys.
    pub witnesses: Vec<Verifier>,
    /// How many of them must have cosigned.
    pub quorum: usize,
}

/// Why a witness policy does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A line is neither `witness <vkey>` nor `quorum <k>`.
    #[error("line {0}: expected \"witness <vkey>\" or \"quorum <number>\"")]
    Line(usize),
    /// A witness key does not read, or is not a cosignature key.
    #[error("line {0}: {1}")]
    Key(usize, String),
    /// The quorum is zero or more than there are witnesses.
    #[error("the quorum is {quorum} of {witnesses} witnesses")]
    Quorum {
        /// The quorum stated.
        quorum: usize,
        /// How many witnesses there are.
        witnesses: usize,
    },
}

impl WitnessPolicy {
    /// Reads a policy: `witness <vkey>` lines (cosignature keys, type `0x04`), one
    /// `quorum <k>` line (all of them when absent), `#` comments and blank lines.
    pub fn parse(text: &str) -> Result<WitnessPolicy, PolicyError> {
        let mut witnesses = Vec::new();
        let mut quorum = None;
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            match line.split_once(char::is_whitespace) {
                Some(("witness", vkey)) => {
                    let v = Verifier::parse(vkey.trim())
                        .map_err(|e| PolicyError::Key(i + 1, e.to_string()))?;
                    if v.kind() != SigType::Cosignature {
                        return Err(PolicyError::Key(
                            i + 1,
                            format!("{} is not a cosignature key (type 0x04)", v.name()),
                        ));
                    }
                    witnesses.push(v);
                }
                Some(("quorum", k)) => {
                    quorum = Some(k.trim().parse().map_err(|_| PolicyError::Line(i + 1))?);
                }
                _ => return Err(PolicyError::Line(i + 1)),
            }
        }
        let quorum = quorum.unwrap_or(witnesses.len());
        if quorum == 0 || quorum > witnesses.len() {
            return Err(PolicyError::Quorum {
                quorum,
                witnesses: witnesses.len(),
            });
        }
        Ok(WitnessPolicy { witnesses, quorum })
    }

    /// The policy as text.
    pub fn to_text(&self) -> String {
        let mut out: String = self
            .witnesses
            .iter()
            .map(|w| format!("witness {}\n", w.to_vkey()))
            .collect();
        out.push_str(&format!("quorum {}\n", self.quorum));
        out
    }

    /// Which of the policy's witnesses cosigned `checkpoint`, and which lines failed.
    pub fn witnessing(&self, checkpoint: &SignedCheckpoint) -> Witnessing {
        let mut cosigned = Vec::new();
        let mut failed = Vec::new();
        for w in &self.witnesses {
            match w.verify_cosignature(&checkpoint.note) {
                Ok(time) => cosigned.push(Cosigned {
                    witness: w.name().to_owned(),
                    time,
                }),
                Err(NoteError::NotSignedBy(_)) => {}
                Err(e) => failed.push((w.name().to_owned(), e)),
            }
        }
        Witnessing {
            size: checkpoint.checkpoint.size,
            cosigned,
            failed,
            quorum: self.quorum,
            of: self.witnesses.len(),
        }
    }
}

/// One witness's valid cosignature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosigned {
    /// The witness's name.
    pub witness: String,
    /// When it cosigned (POSIX seconds).
    pub time: u64,
}

/// What a witness policy says of a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witnessing {
    /// The checkpoint's tree size.
    pub size: u64,
    /// The policy's witnesses whose cosignature holds.
    pub cosigned: Vec<Cosigned>,
    /// The policy's witnesses whose line is there but does not hold.
    pub failed: Vec<(String, NoteError)>,
    /// How many must cosign.
    pub quorum: usize,
    /// How many witnesses the policy names.
    pub of: usize,
}

impl Witnessing {
    /// Whether the quorum cosigned and no trusted witness's line failed.
    pub fn met(&self) -> bool {
        self.cosigned.len() >= self.quorum && self.failed.is_empty()
    }

    /// "Witnessed by 2 of 3 (A, B) at size N", or what is missing.
    pub fn sentence(&self) -> String {
        let names: Vec<&str> = self.cosigned.iter().map(|c| c.witness.as_str()).collect();
        let by = if names.is_empty() {
            String::new()
        } else {
            format!(" ({})", names.join(", "))
        };
        let mut out = format!(
            "Witnessed by {} of {}{by} at size {}",
            self.cosigned.len(),
            self.of,
            self.size
        );
        if !self.met() {
            out.push_str(&format!("; the policy needs {}", self.quorum));
        }
        for (name, e) in &self.failed {
            out.push_str(&format!("; {name}: {e}"));
        }
        out
    }
}

/// How a later checkpoint fails to extend an earlier one of the same log.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Divergence {
    /// The two checkpoints are of different logs.
    #[error("the checkpoints are of two logs ({0:?} and {1:?})")]
    OtherLog(String, String),
    /// The log is now smaller than a checkpoint it signed: entries were cut off.
    #[error("truncated: the log had {earlier} entries and now has {now}")]
    Truncated {
        /// The earlier size.
        earlier: u64,
        /// The size now.
        now: u64,
    },
    /// Two checkpoints of the same size with different roots, both signed by the log.
    #[error(
        "equivocation: two checkpoints of size {size} with different roots ({earlier} and {now})"
    )]
    Equivocation {
        /// The size both state.
        size: u64,
        /// The earlier root, hex.
        earlier: String,
        /// The other root, hex.
        now: String,
    },
    /// The later tree does not contain the earlier one: entries were rewritten.
    #[error(
        "rewritten: the log at size {now} does not contain the log at size {earlier} ({reason})"
    )]
    Rewritten {
        /// The earlier size.
        earlier: u64,
        /// The size now.
        now: u64,
        /// Why the consistency proof failed.
        reason: ProofError,
    },
}

impl Divergence {
    /// The finding's rule: `truncated`, `equivocation`, `rewritten` or `other-log`.
    pub fn rule(&self) -> &'static str {
        match self {
            Divergence::OtherLog(..) => "other-log",
            Divergence::Truncated { .. } => "truncated",
            Divergence::Equivocation { .. } => "equivocation",
            Divergence::Rewritten { .. } => "rewritten",
        }
    }
}

/// Checks that `now` extends `earlier` (both already opened with the log's key), with
/// `proof` the consistency proof between their sizes.
pub fn extends(earlier: &Checkpoint, now: &Checkpoint, proof: &[Hash]) -> Result<(), Divergence> {
    if earlier.origin != now.origin {
        return Err(Divergence::OtherLog(
            earlier.origin.clone(),
            now.origin.clone(),
        ));
    }
    if now.size < earlier.size {
        return Err(Divergence::Truncated {
            earlier: earlier.size,
            now: now.size,
        });
    }
    if now.size == earlier.size && now.root != earlier.root {
        return Err(Divergence::Equivocation {
            size: now.size,
            earlier: earlier.root_hex(),
            now: now.root_hex(),
        });
    }
    merkle::verify_consistency(earlier.size, now.size, proof, &earlier.root, &now.root).map_err(
        |reason| Divergence::Rewritten {
            earlier: earlier.size,
            now: now.size,
            reason,
        },
    )
}

/// A leaf's inclusion proof against a checkpoint, as exports carry it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Inclusion {
    /// The leaf's data ([`Leaf::data`]).
    pub leaf: String,
    /// Its index in the log.
    pub index: u64,
    /// The sibling hashes, hex, nearest first.
    pub proof: Vec<String>,
}

/// Why an inclusion proof does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InclusionError {
    /// A hash in the proof is not 32 bytes of hex.
    #[error("the proof of {0} holds a hash that is not 32 bytes of hex")]
    BadHash(String),
    /// The proof does not lead to the checkpoint's root.
    #[error("{leaf} is not at index {index} of the log at size {size}: {reason}")]
    NotIncluded {
        /// What the leaf records.
        leaf: String,
        /// The index claimed.
        index: u64,
        /// The checkpoint's size.
        size: u64,
        /// Why.
        reason: ProofError,
    },
}

impl Inclusion {
    /// The proof of leaf `index` in `leaves` (hashes).
    pub fn of(leaf: &Leaf, index: usize, leaves: &[Hash]) -> Option<Inclusion> {
        let proof = merkle::inclusion_proof(leaves, index)?;
        Some(Inclusion {
            leaf: leaf.data(),
            index: index as u64,
            proof: proof.iter().map(hex::encode).collect(),
        })
    }

    /// Checks the proof against `checkpoint`.
    pub fn verify(&self, checkpoint: &Checkpoint) -> Result<(), InclusionError> {
        let proof = self
            .proof
            .iter()
            .map(|h| hex::decode(h).ok().and_then(|b| Hash::try_from(b).ok()))
            .collect::<Option<Vec<Hash>>>()
            .ok_or_else(|| InclusionError::BadHash(self.leaf.clone()))?;
        merkle::verify_inclusion(
            self.index,
            checkpoint.size,
            &merkle::leaf_hash(self.leaf.as_bytes()),
            &proof,
            &checkpoint.root,
        )
        .map_err(|reason| InclusionError::NotIncluded {
            leaf: Leaf::parse(&self.leaf).map_or_else(|| self.leaf.clone(), |l| l.describe()),
            index: self.index,
            size: checkpoint.size,
            reason,
        })
    }
}

/// The name of the transparency log's checkpoint in an export.
pub const CHECKPOINT_FILE: &str = "log-checkpoint.txt";
/// The name of the inclusion proofs in an export.
pub const PROOFS_FILE: &str = "log-proofs.json";

/// An export's inclusion proofs ([`PROOFS_FILE`]): for its source bundles (each
/// named by file SHA-256 and manifest digest) and its review-log entries.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LogProofs {
    /// `custody.log-proofs.v1`.
    pub format: String,
    /// The log's origin.
    pub origin: String,
    /// Each source bundle's file SHA-256 → its manifest digest (its leaf).
    pub bundles: std::collections::BTreeMap<String, String>,
    /// The proofs, against the export's checkpoint.
    pub inclusions: Vec<Inclusion>,
}

/// What an export's anchoring proves: the checkpoint, what its witnesses say, and
/// how many leaves are proven in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchored {
    /// The checkpoint, its log signature verified.
    pub checkpoint: SignedCheckpoint,
    /// What the witness policy says of it, when one was given.
    pub witnessing: Option<Witnessing>,
    /// How many inclusion proofs hold.
    pub included: usize,
}

/// Why an export's anchoring does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnchorProblem {
    /// The export has no checkpoint (made before the log, or stripped).
    #[error("not anchored: the export has no {CHECKPOINT_FILE}")]
    NotAnchored,
    /// The checkpoint does not read or is not signed by a trusted key.
    #[error("{CHECKPOINT_FILE}: {0}")]
    Checkpoint(String),
    /// The proofs file does not read.
    #[error("{PROOFS_FILE}: {0}")]
    Proofs(String),
    /// A proof does not hold.
    #[error("{PROOFS_FILE}: {0}")]
    Inclusion(InclusionError),
    /// A source bundle has no proof.
    #[error("{PROOFS_FILE}: source bundle {0} has no inclusion proof")]
    Unproven(String),
    /// The witness policy's quorum did not cosign.
    #[error("{CHECKPOINT_FILE}: {0}")]
    Unwitnessed(String),
}

/// Checks an export's anchoring: the checkpoint ([`CHECKPOINT_FILE`]) signed by one of
/// `keys` under its origin, cosigned by `policy`'s quorum when one is given, and
/// every inclusion proof of [`PROOFS_FILE`] against it, with one for each of
/// `bundles` (file SHA-256s).
pub fn verify_anchoring(
    checkpoint: Option<&[u8]>,
    proofs: Option<&[u8]>,
    keys: &[crate::keys::PublicKey],
    bundles: &[String],
    policy: Option<&WitnessPolicy>,
) -> Result<Anchored, Vec<AnchorProblem>> {
    let Some(checkpoint) = checkpoint else {
        return Err(vec![AnchorProblem::NotAnchored]);
    };
    let text = std::str::from_utf8(checkpoint)
        .map_err(|_| vec![AnchorProblem::Checkpoint("not UTF-8".into())])?;
    let opened = open_by_any(text, keys).map_err(|e| vec![AnchorProblem::Checkpoint(e)])?;
    let proofs: LogProofs = proofs
        .ok_or_else(|| "missing".to_owned())
        .and_then(|p| serde_json::from_slice(p).map_err(|e| e.to_string()))
        .map_err(|e| vec![AnchorProblem::Proofs(e)])?;
    let mut problems = Vec::new();
    if proofs.origin != opened.checkpoint.origin {
        problems.push(AnchorProblem::Proofs(format!(
            "its origin {:?} is not the checkpoint's",
            proofs.origin
        )));
    }
    let mut included = 0;
    let mut proven = std::collections::HashSet::new();
    for inclusion in &proofs.inclusions {
        match inclusion.verify(&opened.checkpoint) {
            Ok(()) => {
                included += 1;
                proven.insert(inclusion.leaf.clone());
            }
            Err(e) => problems.push(AnchorProblem::Inclusion(e)),
        }
    }
    for sha256 in bundles {
        let leaf = proofs.bundles.get(sha256).map(|manifest| {
            Leaf::Bundle {
                manifest: manifest.clone(),
            }
            .data()
        });
        if !leaf.is_some_and(|l| proven.contains(&l)) {
            problems.push(AnchorProblem::Unproven(sha256.clone()));
        }
    }
    let witnessing = policy.map(|p| p.witnessing(&opened));
    if let Some(w) = witnessing.as_ref().filter(|w| !w.met()) {
        problems.push(AnchorProblem::Unwitnessed(w.sentence()));
    }
    if problems.is_empty() {
        Ok(Anchored {
            checkpoint: opened,
            witnessing,
            included,
        })
    } else {
        Err(problems)
    }
}

/// What an export's anchoring comes to: the one reading `custody verify-report` and
/// the browser print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportAnchoring {
    /// The export's signed manifest lists no checkpoint (made before the log).
    NotAnchored,
    /// The checkpoint and every proof hold (and the quorum cosigned, with a policy).
    Anchored(Box<Anchored>),
    /// Something does not hold.
    Failed(Vec<AnchorProblem>),
}

impl ExportAnchoring {
    /// Checks the anchoring of an export whose manifest (already verified) is
    /// `manifest`, from its `files`, against `keys` and `policy`.
    pub fn of(
        files: &std::collections::BTreeMap<String, Vec<u8>>,
        manifest: &crate::report::Manifest,
        keys: &[crate::keys::PublicKey],
        policy: Option<&WitnessPolicy>,
    ) -> ExportAnchoring {
        if !manifest.files.iter().any(|f| f.name == CHECKPOINT_FILE) {
            return ExportAnchoring::NotAnchored;
        }
        match verify_anchoring(
            files.get(CHECKPOINT_FILE).map(Vec::as_slice),
            files.get(PROOFS_FILE).map(Vec::as_slice),
            keys,
            &manifest.bundles,
            policy,
        ) {
            Ok(anchored) => ExportAnchoring::Anchored(Box::new(anchored)),
            Err(problems) => ExportAnchoring::Failed(problems),
        }
    }

    /// Whether it holds (an export without a checkpoint holds unless a witness policy
    /// asks for one).
    pub fn holds(&self, policy_given: bool) -> bool {
        match self {
            ExportAnchoring::NotAnchored => !policy_given,
            ExportAnchoring::Anchored(_) => true,
            ExportAnchoring::Failed(_) => false,
        }
    }

    /// The lines people read.
    pub fn lines(&self) -> Vec<String> {
        match self {
            ExportAnchoring::NotAnchored => {
                vec!["not anchored: the export holds no transparency-log checkpoint".into()]
            }
            ExportAnchoring::Anchored(a) => {
                let c = &a.checkpoint.checkpoint;
                let mut out = vec![format!(
                    "anchored: in {} at size {} (root {}); {} inclusion proofs hold",
                    c.origin,
                    c.size,
                    c.root_hex(),
                    a.included
                )];
                if let Some(w) = &a.witnessing {
                    out.push(w.sentence());
                }
                out
            }
            ExportAnchoring::Failed(problems) => problems.iter().map(|p| p.to_string()).collect(),
        }
    }
}

/// Opens a checkpoint signed under its own origin by any of `keys`.
pub fn open_by_any(
    text: &str,
    keys: &[crate::keys::PublicKey],
) -> Result<SignedCheckpoint, String> {
    let note = Note::parse(text).map_err(|e| e.to_string())?;
    let body = Checkpoint::parse(&note.text).map_err(|e| e.to_string())?;
    let mut last = String::from("no trusted key given");
    for key in keys {
        let verifier = log_verifier(&body.origin, *key).map_err(|e| e.to_string())?;
        match open(text, &verifier) {
            Ok(opened) => return Ok(opened),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "custody.example/log";

    fn log() -> NoteSigner {
        NoteSigner::new(ORIGIN, SigType::Ed25519, [1; 32]).unwrap()
    }

    fn witness(n: u8) -> NoteSigner {
        NoteSigner::new(&format!("w{n}.example"), SigType::Cosignature, [n; 32]).unwrap()
    }

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n)
            .map(|seq| {
                Leaf::Review {
                    seq,
                    digest: hex::encode([seq as u8; 32]),
                }
                .hash()
            })
            .collect()
    }

    fn checkpoint(leaves: &[Hash]) -> Checkpoint {
        Checkpoint {
            origin: ORIGIN.into(),
            size: leaves.len() as u64,
            root: merkle::root(leaves),
            extensions: vec![],
        }
    }

    #[test]
    fn the_tlog_checkpoint_example_body_reads() {
        let c = Checkpoint::parse(
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
        )
        .unwrap();
        assert_eq!(c.origin, "example.com/behind-the-sofa");
        assert_eq!(c.size, 20852163);
        assert_eq!(
            c.root_hex(),
            "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62"
        );
        for bad in [
            "o\n1\n",
            "o\n01\nAAAA\n",
            "o\n1\nAAAA\n",
            "o\nx\nAAAA\n",
            "",
        ] {
            assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_signed_checkpoint_opens_with_the_log_key_only() {
        let signer = log();
        let text = checkpoint(&leaves(5)).sign(&signer);
        let opened = open(&text, signer.verifier()).unwrap();
        assert_eq!(opened.checkpoint.size, 5);
        let other = NoteSigner::new(ORIGIN, SigType::Ed25519, [2; 32]).unwrap();
        assert!(matches!(
            open(&text, other.verifier()),
            Err(CheckpointError::LogSignature(NoteError::NotSignedBy(_)))
        ));
        let forged = text.replacen("\n5\n", "\n6\n", 1);
        assert!(matches!(
            open(&forged, signer.verifier()),
            Err(CheckpointError::LogSignature(NoteError::BadSignature(_)))
        ));
    }

    #[test]
    fn two_of_three_witnesses_meet_a_quorum_of_two_and_one_does_not() {
        let signer = log();
        let policy = WitnessPolicy::parse(&format!(
            "# ours\nwitness {}\nwitness {}\nwitness {}\nquorum 2\n",
            witness(1).verifier().to_vkey(),
            witness(2).verifier().to_vkey(),
            witness(3).verifier().to_vkey()
        ))
        .unwrap();
        assert_eq!(WitnessPolicy::parse(&policy.to_text()).unwrap(), policy);
        let text = checkpoint(&leaves(9)).sign(&signer);
        let mut opened = open(&text, signer.verifier()).unwrap();
        let body = opened.note.text.clone();
        opened.note.add(witness(1).cosign(&body, 1_800_000_000));
        let one = policy.witnessing(&opened);
        assert!(!one.met());
        assert_eq!(
            one.sentence(),
            "Witnessed by 1 of 3 (w1.example) at size 9; the policy needs 2"
        );
        opened.note.add(witness(3).cosign(&body, 1_800_000_001));
        // A witness outside the policy counts for nothing.
        opened.note.add(witness(4).cosign(&body, 1_800_000_002));
        let two = policy.witnessing(&opened);
        assert!(two.met());
        assert_eq!(
            two.sentence(),
            "Witnessed by 2 of 3 (w1.example, w3.example) at size 9"
        );
        // Through text and back, the cosignatures still hold.
        let reopened = open(&opened.note.to_text(), signer.verifier()).unwrap();
        assert!(policy.witnessing(&reopened).met());
    }

    #[test]
    fn a_policy_that_cannot_be_met_or_names_a_log_key_is_refused() {
        let w = witness(1).verifier().to_vkey();
        assert!(matches!(
            WitnessPolicy::parse(&format!("witness {w}\nquorum 2\n")),
            Err(PolicyError::Quorum {
                quorum: 2,
                witnesses: 1
            })
        ));
        assert!(matches!(
            WitnessPolicy::parse(&format!("witness {}\n", log().verifier().to_vkey())),
            Err(PolicyError::Key(1, _))
        ));
        assert!(matches!(
            WitnessPolicy::parse("witnesses x\n"),
            Err(PolicyError::Line(1))
        ));
    }

    #[test]
    fn an_auditor_detects_truncation_rewriting_and_equivocation() {
        let all = leaves(12);
        let earlier = checkpoint(&all[..8]);
        let grown = checkpoint(&all);
        let proof = merkle::consistency_proof(&all, 8).unwrap();
        assert_eq!(extends(&earlier, &grown, &proof), Ok(()));
        // The newest four entries deleted, then two new ones appended.
        let cut = checkpoint(&all[..6]);
        assert!(matches!(
            extends(&earlier, &cut, &[]),
            Err(Divergence::Truncated { earlier: 8, now: 6 })
        ));
        let mut rewritten = all[..6].to_vec();
        rewritten.extend(leaves(20)[14..20].iter().copied());
        let regrown = checkpoint(&rewritten);
        let proof = merkle::consistency_proof(&rewritten, 8).unwrap();
        let err = extends(&earlier, &regrown, &proof).unwrap_err();
        assert_eq!(err.rule(), "rewritten");
        // The same size, another root.
        let forked = checkpoint(&rewritten[..8]);
        let err = extends(&earlier, &forked, &[]).unwrap_err();
        assert_eq!(err.rule(), "equivocation");
        assert!(err
            .to_string()
            .starts_with("equivocation: two checkpoints of size 8"));
    }

    #[test]
    fn inclusion_proofs_hold_for_their_leaf_only() {
        let all = leaves(7);
        let c = checkpoint(&all);
        let leaf = Leaf::Review {
            seq: 3,
            digest: hex::encode([3; 32]),
        };
        let proof = Inclusion::of(&leaf, 3, &all).unwrap();
        assert_eq!(proof.verify(&c), Ok(()));
        let swapped = Inclusion {
            leaf: Leaf::Bundle {
                manifest: hex::encode([9; 32]),
            }
            .data(),
            ..proof.clone()
        };
        let err = swapped.verify(&c).unwrap_err();
        assert!(err.to_string().starts_with(&format!(
            "the bundle whose manifest digest is {} is not at index 3 of the log at size 7",
            hex::encode([9; 32])
        )));
        assert_eq!(Leaf::parse(&leaf.data()), Some(leaf));
    }
}
