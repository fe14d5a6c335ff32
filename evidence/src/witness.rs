//! The C2SP tlog-witness protocol: a log (or whoever relays its checkpoints) submits a
//! checkpoint with a consistency proof from the size the witness last cosigned
//! (`POST <prefix>/add-checkpoint`), and the witness answers with its cosignature or
//! with why it will not cosign. This module is the request's text and the witness's
//! decision; the HTTP is the caller's.

use base64::Engine as _;

use crate::merkle::Hash;
use crate::tlog::{self, Checkpoint, Divergence};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The most consistency proof lines a request may carry.
pub const MAX_PROOF_LINES: usize = 63;

/// The content type of a 409 answer: the witness's size, in decimal.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// An `add-checkpoint` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the witness last cosigned, as the client believes.
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The checkpoint, a signed note, as text.
    pub checkpoint: String,
}

/// Why a request body does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an add-checkpoint request: {0}")]
pub struct RequestError(&'static str);

impl AddCheckpoint {
    /// The request body: the old size line, the proof lines, an empty line, the
    /// checkpoint.
    pub fn to_body(&self) -> String {
        let mut out = format!("old {}\n", self.old);
        for hash in &self.proof {
            out.push_str(&B64.encode(hash));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    /// Reads a request body.
    pub fn parse(body: &str) -> Result<AddCheckpoint, RequestError> {
        let (head, checkpoint) = body
            .split_once("\n\n")
            .ok_or(RequestError("no empty line before the checkpoint"))?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or(RequestError("the first line is not \"old <size>\""))?;
        if old.is_empty()
            || !old.bytes().all(|b| b.is_ascii_digit())
            || (old.len() > 1 && old.starts_with('0'))
        {
            return Err(RequestError(
                "the old size is not a decimal without leading zeroes",
            ));
        }
        let old = old
            .parse()
            .map_err(|_| RequestError("the old size is too large"))?;
        let proof = lines
            .map(|l| {
                B64.decode(l)
                    .ok()
                    .and_then(|b| Hash::try_from(b.as_slice()).ok())
                    .ok_or(RequestError(
                        "a proof line is not a base64 hash of 32 bytes",
                    ))
            })
            .collect::<Result<Vec<Hash>, RequestError>>()?;
        if proof.len() > MAX_PROOF_LINES {
            return Err(RequestError("more than 63 proof lines"));
        }
        Ok(AddCheckpoint {
            old,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }
}

/// What a witness answers a request whose checkpoint is signed by a log it knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Cosign it, and keep it as the latest cosigned checkpoint (200).
    Cosign,
    /// The old size is above the checkpoint's, or a proof came with old size zero
    /// (400).
    BadRequest(&'static str),
    /// The old size is not the size last cosigned, which is given (409, with
    /// [`SIZE_CONTENT_TYPE`]).
    OldSize(u64),
    /// The same size as last cosigned with another root: the log equivocates (409).
    Equivocation(Divergence),
    /// The consistency proof does not hold: the log was rewritten, or the proof is
    /// wrong (422).
    Inconsistent(Divergence),
}

impl Answer {
    /// The HTTP status the protocol gives this answer.
    pub fn status(&self) -> u16 {
        match self {
            Answer::Cosign => 200,
            Answer::BadRequest(_) => 400,
            Answer::OldSize(_) | Answer::Equivocation(_) => 409,
            Answer::Inconsistent(_) => 422,
        }
    }
}

/// The witness's decision on `request` for `now` (its checkpoint, opened with the
/// log's key), given the checkpoint it last cosigned for that log, if any.
pub fn decide(latest: Option<&Checkpoint>, request: &AddCheckpoint, now: &Checkpoint) -> Answer {
    if request.old > now.size {
        return Answer::BadRequest("the old size is above the checkpoint's size");
    }
    if request.old == 0 && !request.proof.is_empty() {
        return Answer::BadRequest("a consistency proof from size zero must be empty");
    }
    let latest_size = latest.map_or(0, |l| l.size);
    if request.old != latest_size {
        return Answer::OldSize(latest_size);
    }
    let Some(latest) = latest else {
        return Answer::Cosign;
    };
    match tlog::extends(latest, now, &request.proof) {
        Ok(()) => Answer::Cosign,
        Err(d @ Divergence::Equivocation { .. }) => Answer::Equivocation(d),
        Err(d) => Answer::Inconsistent(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle;

    fn checkpoint(leaves: &[Hash]) -> Checkpoint {
        Checkpoint {
            origin: "log.example/a".into(),
            size: leaves.len() as u64,
            root: merkle::root(leaves),
            extensions: Vec::new(),
        }
    }

    #[test]
    fn a_request_reads_back_as_written_and_malformed_ones_are_refused() {
        let request = AddCheckpoint {
            old: 20_852_014,
            proof: vec![[1; 32], [2; 32]],
            checkpoint: "log.example/a\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— log.example/a AAAA\n".into(),
        };
        let body = request.to_body();
        assert!(body.starts_with("old 20852014\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n"));
        assert_eq!(AddCheckpoint::parse(&body), Ok(request));
        for bad in [
            "old 01\n\nx",
            "old \n\nx",
            "old -1\n\nx",
            "new 1\n\nx",
            "old 1\nnot base64!\n\nx",
            "old 1\nAQID\n\nx",
            "old 1\nx",
        ] {
            assert!(AddCheckpoint::parse(bad).is_err(), "{bad:?}");
        }
        let long = format!(
            "old 1\n{}\nx",
            "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n".repeat(64)
        );
        assert_eq!(
            AddCheckpoint::parse(&long),
            Err(RequestError("more than 63 proof lines"))
        );
    }

    #[test]
    fn the_witness_cosigns_growth_only_and_answers_each_refusal_as_the_protocol_says() {
        let leaves: Vec<Hash> = (0..9u8).map(|i| merkle::leaf_hash(&[i])).collect();
        let at = |n: usize| checkpoint(&leaves[..n]);
        let ask = |old: u64, proof: Vec<Hash>| AddCheckpoint {
            old,
            proof,
            checkpoint: String::new(),
        };
        // First contact: trusted as it is.
        assert_eq!(decide(None, &ask(0, vec![]), &at(5)), Answer::Cosign);
        // Growth with the right proof.
        let proof = merkle::consistency_proof(&leaves[..9], 5).unwrap();
        assert_eq!(
            decide(Some(&at(5)), &ask(5, proof.clone()), &at(9)),
            Answer::Cosign
        );
        // The client's old size is not the witness's: told the witness's size.
        let answer = decide(Some(&at(5)), &ask(0, vec![]), &at(9));
        assert_eq!(answer, Answer::OldSize(5));
        assert_eq!(answer.status(), 409);
        assert_eq!(
            decide(None, &ask(5, proof.clone()), &at(9)),
            Answer::OldSize(0)
        );
        // A rewritten log: the proof from the witness's root does not hold.
        let mut other = leaves.clone();
        other[2] = merkle::leaf_hash(b"rewritten");
        let rewritten = checkpoint(&other);
        let answer = decide(Some(&at(5)), &ask(5, proof), &rewritten);
        assert!(matches!(
            answer,
            Answer::Inconsistent(Divergence::Rewritten { .. })
        ));
        assert_eq!(answer.status(), 422);
        // The same size with another root.
        let answer = decide(Some(&at(9)), &ask(9, vec![]), &rewritten);
        assert!(matches!(answer, Answer::Equivocation(_)));
        assert_eq!(answer.status(), 409);
        // Malformed: an old size above the new, a proof from zero.
        assert_eq!(decide(None, &ask(10, vec![]), &at(9)).status(), 400);
        assert_eq!(decide(None, &ask(0, vec![[0; 32]]), &at(9)).status(), 400);
    }
}
