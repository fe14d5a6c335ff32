//! Events (sections 11.4 and 11.5 of `docs/bundle-format.md`): each event's bytes
//! prepared, its signature checked (in batches, then alone), its payload read once
//! its signature held, its trust weighed, and its place in its emitter's chain.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::trust::{trust_check, Known, Trust};
use super::{keyid, Check, EventReport, Limits, SignedEvent, EVENT_TYPE};
use crate::batch;
use crate::dsse::{self, WireEnvelope};
use crate::event::Event;
use crate::keys::PublicKey;
use crate::merkle;
use crate::reason::Code;
use crate::time::parse as parse_time;

/// Opens `events` (section 11.4 and 11.5 steps 1 to 3), on the calling thread:
/// their bytes prepared, their signatures checked in batches, then each event alone
/// (its signature where the batch did not settle it, and its payload, read only
/// once its signature held). `index(i)` is the position of `events[i]` in its bundle.
pub(crate) fn open_events(
    events: &[WireEnvelope<'_>],
    index: &dyn Fn(usize) -> usize,
    trust: &Trust,
    limits: &Limits,
    read: &(dyn Fn(SignedEvent<'_>) + Sync),
) -> Vec<Opened> {
    let prepared: Vec<Prepared> = events.iter().map(|e| prepare(e, &trust.keyids)).collect();
    let (at, items) = batch_items(&prepared);
    let holds = batch::verify(&trust.keys, &items);
    open_prepared(events, index, trust, limits, read, &prepared, &at, &holds)
}

/// The signatures of `prepared` that the batch checks (those whose keyid names a
/// known key), and where each is in `prepared`.
pub(super) fn batch_items<'p>(prepared: &'p [Prepared]) -> (Vec<usize>, Vec<batch::Item<'p>>) {
    prepared
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let (key, signature) = p.hinted.as_ref()?;
            let message = p.pae.as_deref()?;
            Some((
                i,
                batch::Item {
                    key: *key,
                    message,
                    signature,
                },
            ))
        })
        .unzip()
}

/// Opens `events`, prepared, with the batch's answer `holds` for the items at `at`.
#[expect(
    clippy::too_many_arguments,
    reason = "the batch's inputs and its answer, shared by the threaded and the helped paths"
)]
pub(super) fn open_prepared(
    events: &[WireEnvelope<'_>],
    index: &dyn Fn(usize) -> usize,
    trust: &Trust,
    limits: &Limits,
    read: &(dyn Fn(SignedEvent<'_>) + Sync),
    prepared: &[Prepared],
    at: &[usize],
    holds: &[bool],
) -> Vec<Opened> {
    let known = trust.known();
    let mut verdicts: Vec<Option<bool>> = vec![None; events.len()];
    for (i, ok) in at.iter().zip(holds) {
        if let Some(slot) = verdicts.get_mut(*i) {
            *slot = Some(*ok);
        }
    }
    events
        .iter()
        .zip(prepared)
        .zip(verdicts)
        .enumerate()
        .map(|(i, ((envelope, prepared), verdict))| {
            open_event(
                index(i),
                envelope,
                Some(prepared),
                verdict,
                &known,
                limits,
                read,
            )
        })
        .collect()
}

/// Opened events, each with its chain checked by the caller's rule.
pub(crate) struct Settled {
    /// Their reports, in order.
    pub(crate) events: Vec<EventReport>,
    /// Their leaf hashes (section 9).
    pub(crate) leaves: Vec<merkle::Hash>,
    /// Their times, where their payloads were read.
    pub(crate) times: Vec<Option<DateTime<Utc>>>,
    /// Whether some event's signature held but its payload could not be read.
    pub(crate) malformed: bool,
}

/// The events whose signature held and whose payload is valid, in order: `chain`
/// gives each its chain check; the emitter is recorded and a repeated `id` is warned
/// about (section 11.5 steps 3 to 5).
pub(crate) fn settle(
    opened: Vec<Opened>,
    mut chain: impl FnMut(&Header, &merkle::Hash) -> Check,
) -> Settled {
    let total = opened.len();
    let mut events: Vec<EventReport> = Vec::with_capacity(total);
    let mut leaves = Vec::with_capacity(total);
    let mut times: Vec<Option<DateTime<Utc>>> = Vec::with_capacity(total);
    let mut seen_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut malformed = false;
    for opened in opened {
        let Opened {
            mut report,
            digest,
            leaf,
            signed,
        } = opened;
        match signed {
            Signed::Yes { header, time } => {
                report.chain = chain(&header, &digest);
                // Events reference each other by id: a second event with the same id
                // makes those references ambiguous.
                if !seen_ids.insert(header.id) {
                    report.warnings.push(Code::EventDuplicateId.code());
                }
                report.emitter = Some(header.emitter);
                times.push(Some(time));
            }
            Signed::Malformed => {
                malformed = true;
                times.push(None);
            }
            Signed::No => times.push(None),
        }
        leaves.push(leaf);
        events.push(report);
    }
    Settled {
        events,
        leaves,
        times,
        malformed,
    }
}

/// An event's bytes, ready for its signature to be checked.
pub(super) struct Prepared {
    /// The PAE of the payload: the signed bytes. `None` when the payload is not base64.
    pae: Option<Vec<u8>>,
    /// Where the payload starts in `pae`.
    payload_at: usize,
    digest: merkle::Hash,
    /// A signature whose `keyid` names a known key: that key's index and the signature.
    hinted: Option<(usize, [u8; 64])>,
}

pub(super) fn prepare(envelope: &WireEnvelope<'_>, keyids: &[String]) -> Prepared {
    let Some(payload) = crate::b64::decode(&envelope.payload) else {
        // Without a readable payload there are no signed bytes; the digest of the
        // payload text stands in so the Merkle tree is defined.
        return Prepared {
            pae: None,
            payload_at: 0,
            digest: Sha256::digest(envelope.payload.as_bytes()).into(),
            hinted: None,
        };
    };
    let pae = dsse::pae(&envelope.payload_type, &payload);
    let payload_at = pae.len() - payload.len();
    drop(payload);
    let digest = Sha256::digest(&pae).into();
    let hinted = envelope.signatures.iter().find_map(|s| {
        let key = keyids
            .iter()
            .position(|id| Some(id.as_str()) == s.keyid.as_deref())?;
        let sig: [u8; 64] = crate::b64::decode(&s.sig)?.try_into().ok()?;
        Some((key, sig))
    });
    Prepared {
        pae: Some(pae),
        payload_at,
        digest,
        hinted,
    }
}

/// Hashes SHA-256 digests by their first bytes: they are uniform, and no one can
/// choose them to collide in a table.
#[derive(Clone, Copy, Default)]
pub(super) struct DigestHasher;

impl std::hash::BuildHasher for DigestHasher {
    type Hasher = FirstBytes;
    fn build_hasher(&self) -> FirstBytes {
        FirstBytes(0)
    }
}

pub(super) struct FirstBytes(u64);

impl std::hash::Hasher for FirstBytes {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for (i, b) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(*b) << (8 * i);
        }
    }
}

/// What the chain check needs of a valid event (the rest is not kept).
pub(crate) struct Header {
    pub(crate) emitter: String,
    pub(crate) seq: u64,
    /// `prev` when present, and its bytes when it is hex for 32 bytes.
    pub(crate) prev: Option<Option<merkle::Hash>>,
    pub(crate) id: String,
}

/// An event whose signature was checked and, if it held, whose payload was read.
pub(crate) struct Opened {
    report: EventReport,
    digest: merkle::Hash,
    leaf: merkle::Hash,
    signed: Signed,
}

pub(crate) enum Signed {
    /// The signature held and the payload is a valid event (its trust is checked).
    Yes { header: Header, time: DateTime<Utc> },
    /// The signature held but the payload is not a valid event.
    Malformed,
    /// No signature held (or none could be checked).
    No,
}

fn open_event(
    index: usize,
    envelope: &WireEnvelope<'_>,
    prepared: Option<&Prepared>,
    batch_verdict: Option<bool>,
    known: &Known<'_>,
    limits: &Limits,
    read: &(dyn Fn(SignedEvent<'_>) + Sync),
) -> Opened {
    let Known {
        keys,
        certified,
        bindings,
        revocations,
    } = *known;
    let unknown = |code| Check::Unknown(code);
    let digest = prepared.map(|p| p.digest).unwrap_or_default();
    let mut report = EventReport {
        index,
        digest: hex::encode(digest),
        emitter: None,
        integrity: unknown(Code::IntegrityNotChecked.code()),
        trust: unknown(Code::TrustNotChecked.code()),
        chain: unknown(Code::ChainNotChecked.code()),
        inclusion: unknown(Code::InclusionNotChecked.code()),
        warnings: Vec::new(),
        detail: None,
    };
    let leaf = merkle::leaf_hash(&digest);
    let done = |report, signed| Opened {
        report,
        digest,
        leaf,
        signed,
    };
    let Some(pae) = prepared.and_then(|p| p.pae.as_deref()) else {
        report.integrity = Check::Fail(Code::EnvelopePayloadBadBase64.code());
        return done(report, Signed::No);
    };
    if envelope.payload_type != EVENT_TYPE {
        report.integrity = Check::Fail(Code::EnvelopeWrongPayloadType.code());
        return done(report, Signed::No);
    }
    let payload = pae
        .get(prepared.map_or(0, |p| p.payload_at)..)
        .unwrap_or_default();

    // Integrity: the batch settled the hinted key's signature when it held; otherwise
    // try the hinted key, then every other known key, one signature at a time.
    let batch_signer = match (batch_verdict, prepared.and_then(|p| p.hinted.as_ref())) {
        (Some(true), Some((key, _))) => Some(*key),
        _ => None,
    };
    let signer = match batch_signer {
        Some(key) => key,
        None => match signer_alone(envelope, keys, certified, &mut report) {
            Some(key) => key,
            None => return done(report, Signed::No),
        },
    };
    report.integrity = Check::Pass;

    // The payload is read only now that its signature held.
    if payload.len() > limits.max_payload_bytes {
        report.chain = Check::Unknown(Code::PayloadTooLarge.code());
        report.trust = Check::Unknown(Code::PayloadTooLarge.code());
        report.detail = Some(format!(
            "the payload is {} bytes; the limit is {}",
            payload.len(),
            limits.max_payload_bytes
        ));
        return done(report, Signed::Malformed);
    }
    let parsed = Event::parse(payload, limits.max_depth)
        .map_err(|e| e.to_string())
        .and_then(|e| match parse_time(&e.time) {
            Some(time) => Ok((e, time)),
            None => Err("`time` is not RFC 3339 in UTC".to_owned()),
        });
    match parsed {
        Ok((header, time)) => {
            report.trust = match keys.get(signer) {
                Some(key) => trust_check(key, &header.emitter, time, bindings, revocations),
                None => Check::Unknown(Code::TrustNotChecked.code()),
            };
            let prev = header.prev.as_deref().map(|p| {
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(p, &mut bytes).ok().map(|()| bytes)
            });
            let chained = Header {
                emitter: header.emitter.clone(),
                seq: header.seq,
                prev,
                id: header.id.clone(),
            };
            // A payload that parsed is valid JSON, hence UTF-8.
            if let Ok(text) = std::str::from_utf8(payload) {
                read(SignedEvent {
                    index,
                    digest: &digest,
                    event: header,
                    payload: text,
                    encoded: match &envelope.payload {
                        std::borrow::Cow::Borrowed(encoded) => Some(encoded),
                        std::borrow::Cow::Owned(_) => None,
                    },
                });
            }
            done(
                report,
                Signed::Yes {
                    header: chained,
                    time,
                },
            )
        }
        Err(detail) => {
            report.chain = Check::Unknown(Code::PayloadMalformed.code());
            report.trust = Check::Unknown(Code::PayloadMalformed.code());
            report.detail = Some(detail);
            done(report, Signed::Malformed)
        }
    }
}

/// The key, among `keys`, that one of the envelope's signatures verifies with alone
/// (`verify_strict`): the keys the keyids name first, then the other certified keys;
/// records why none did.
fn signer_alone(
    envelope: &WireEnvelope<'_>,
    keys: &[PublicKey],
    certified: &[bool],
    report: &mut EventReport,
) -> Option<usize> {
    let hinted: Vec<&str> = envelope
        .signatures
        .iter()
        .filter_map(|s| s.keyid.as_deref())
        .collect();
    // The keys the keyids name, in the order of the signatures, then every other key.
    let ids: Vec<String> = keys.iter().map(keyid).collect();
    let mut ordered: Vec<(usize, &PublicKey)> = Vec::with_capacity(keys.len());
    for hint in &hinted {
        for (index, key) in keys.iter().enumerate() {
            if ids.get(index).map(String::as_str) == Some(*hint)
                && !ordered.iter().any(|(i, _)| *i == index)
            {
                ordered.push((index, key));
            }
        }
    }
    for (index, key) in keys.iter().enumerate() {
        let is_certified = certified.get(index).copied().unwrap_or(false);
        if is_certified && !ordered.iter().any(|(i, _)| *i == index) {
            ordered.push((index, key));
        }
    }
    let mut failure = None;
    for (index, key) in ordered {
        match dsse::check(envelope, Some(key)) {
            Ok(v) => {
                if v.keyid().is_some_and(|id| id != keyid(key)) {
                    report.warnings.push(Code::SignatureKeyidMismatch.code());
                }
                return Some(index);
            }
            Err(reason) => failure = failure.or(Some(reason)),
        }
    }
    let hint_known = keys.iter().any(|k| hinted.contains(&keyid(k).as_str()));
    report.integrity = match failure {
        Some(dsse::Reason::SignatureBadBase64 { .. }) => {
            Check::Fail(Code::SignatureBadBase64.code())
        }
        Some(dsse::Reason::SignatureWrongLength { .. }) => {
            Check::Fail(Code::SignatureWrongLength.code())
        }
        Some(dsse::Reason::NoSignatures) => Check::Fail(Code::EnvelopeNoSignatures.code()),
        // The hint names a certified key and it does not verify: the bytes changed.
        _ if hint_known => Check::Fail(Code::SignatureInvalid.code()),
        // Signed, if at all, by a key no binding names: nothing to check against.
        _ => Check::Unknown(Code::TrustKeyNotCertified.code()),
    };
    report.trust = Check::Fail(Code::TrustKeyNotCertified.code());
    None
}

pub(super) fn chain(
    header: &Header,
    digest: &merkle::Hash,
    chains: &mut HashMap<String, (u64, merkle::Hash)>,
    seen: &mut std::collections::HashSet<merkle::Hash, DigestHasher>,
) -> Check {
    if !seen.insert(*digest) {
        return Check::Fail(Code::ChainDuplicateEvent.code());
    }
    let prev = header.prev;
    match chains.get_mut(&header.emitter) {
        None => {
            chains.insert(header.emitter.clone(), (header.seq, *digest));
            if header.seq == 0 && prev.is_none() {
                Check::Pass
            } else {
                Check::Fail(Code::ChainMissingStart.code())
            }
        }
        Some(last) => {
            let (last_seq, last_digest) = *last;
            *last = (header.seq, *digest);
            if header.seq <= last_seq {
                Check::Fail(Code::ChainOutOfOrder.code())
            } else if header.seq != last_seq + 1 {
                Check::Fail(Code::ChainSequenceGap.code())
            } else if prev != Some(Some(last_digest)) {
                Check::Fail(Code::ChainLinkBroken.code())
            } else {
                Check::Pass
            }
        }
    }
}
