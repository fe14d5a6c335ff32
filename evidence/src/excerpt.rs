//! Excerpts: a chosen subset of a bundle's events, each with its RFC 6962 inclusion
//! proof against the Merkle root of the bundle's signed manifest, so that a reader
//! can check that the excerpted events are genuine and at their places in the
//! bundle without the rest of it (`docs/bundle-format.md`, section 19).
//!
//! [`make`] cuts an excerpt from a bundle's bytes, copying every envelope exactly as
//! received; [`verify`] checks one with the same steps as [`bundle::verify`]
//! (signatures, trust, the manifest, its statements root), each event's inclusion by
//! its proof, and the chain links it can see.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::bundle::{
    self, Check, EventReport, Header, Limits, Malformed, Reasons, SignedEvent, Status, Trust,
};
use crate::dsse::WireEnvelope;
use crate::json;
use crate::keys::PublicKey;
use crate::merkle;
use crate::reason::Code;

/// The chain code of an event whose emitter's previous event is not in the excerpt.
const NOT_IN_EXCERPT: &str = Code::ChainNotInExcerpt.code();

/// Why an excerpt could not be made, or could not be read at all (then nothing in
/// it was checked).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExcerptError {
    /// Making: the bundle was refused (as [`bundle::verify`] refuses it).
    #[error("the bundle cannot be read: {0}")]
    Bundle(Malformed),
    /// Making: no event was chosen.
    #[error("no event was chosen: an excerpt has at least one")]
    EmptySelection,
    /// Making: a position was chosen twice.
    #[error("event {0} was chosen twice")]
    DuplicatePosition(usize),
    /// Making: a position is not in the bundle.
    #[error("there is no event {position}: the bundle has {count} events (positions from 0)")]
    PositionOutOfRange {
        /// The position chosen.
        position: usize,
        /// The number of events in the bundle.
        count: usize,
    },
    /// Verifying: the excerpt is larger than [`Limits::max_bundle_bytes`].
    #[error("the excerpt is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Verifying: more events than [`Limits::max_events`].
    #[error("the excerpt has {count} events; the limit is {limit}")]
    TooManyEvents {
        /// How many.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// Verifying: not JSON of the excerpt's shape.
    #[error("not a Custody excerpt: {0}")]
    Structure(String),
    /// Verifying: a format version this verifier does not know.
    #[error("unsupported excerpt format version {0}")]
    Version(u64),
}

impl ExcerptError {
    /// The stable code of this reason.
    pub fn code(&self) -> &'static str {
        match self {
            ExcerptError::Bundle(refused) => refused.code(),
            ExcerptError::EmptySelection => Code::ExcerptEmptySelection.code(),
            ExcerptError::DuplicatePosition(_) => Code::ExcerptDuplicatePosition.code(),
            ExcerptError::PositionOutOfRange { .. } => Code::ExcerptPositionOutOfRange.code(),
            ExcerptError::TooLarge { .. } | ExcerptError::TooManyEvents { .. } => {
                Code::ExcerptTooLarge.code()
            }
            ExcerptError::Structure(_) => Code::ExcerptMalformed.code(),
            ExcerptError::Version(_) => Code::ExcerptUnsupportedVersion.code(),
        }
    }
}

/// Where an excerpt holds arrays (see [`json::Shape`]).
const EXCERPT_SHAPE: json::Shape = json::Shape {
    arrays: &["bindings", "revocations", "events", "signatures", "proof"],
    free: &[],
};

/// The envelopes of a bundle as JSON text, exactly as received.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBundle<'a> {
    #[serde(borrow)]
    manifest: &'a RawValue,
    #[serde(default, borrow)]
    bindings: Vec<&'a RawValue>,
    #[serde(default, borrow)]
    revocations: Vec<&'a RawValue>,
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
}

/// An excerpt as written: every envelope is the bundle's JSON text, unchanged.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutExcerpt<'a> {
    custody_excerpt: u64,
    manifest: &'a RawValue,
    bindings: &'a [&'a RawValue],
    revocations: &'a [&'a RawValue],
    events: Vec<OutEvent<'a>>,
}

#[derive(Serialize)]
struct OutEvent<'a> {
    position: usize,
    envelope: &'a RawValue,
    proof: Vec<String>,
}

/// The excerpt (JSON text) of the events at `positions` (from 0, in any order) of
/// the bundle `bundle_bytes`: its manifest, bindings and revocations, and each chosen
/// event with its inclusion proof against the Merkle root over the bundle's events,
/// every envelope copied exactly as received. Nothing is verified here: an excerpt of
/// a bundle that does not verify does not verify either. Refused: a bundle that
/// [`bundle::verify`] refuses, no position, a position twice or one outside the bundle.
pub fn make(
    bundle_bytes: &[u8],
    positions: &[usize],
    limits: &Limits,
) -> Result<String, ExcerptError> {
    let wire = bundle::read_wire(bundle_bytes, limits).map_err(ExcerptError::Bundle)?;
    if positions.is_empty() {
        return Err(ExcerptError::EmptySelection);
    }
    let count = wire.events.len();
    let mut chosen = positions.to_vec();
    chosen.sort_unstable();
    for pair in chosen.windows(2) {
        if let [a, b] = pair {
            if a == b {
                return Err(ExcerptError::DuplicatePosition(*a));
            }
        }
    }
    if let Some(&position) = chosen.iter().find(|p| **p >= count) {
        return Err(ExcerptError::PositionOutOfRange { position, count });
    }
    // The same bytes again, now as the text of each envelope: they are copied, never
    // written anew, so every signature still covers exactly what it covered.
    let raw: RawBundle = serde_json::from_slice(bundle_bytes)
        .map_err(|e| ExcerptError::Bundle(Malformed::Structure(e.to_string())))?;
    let leaves: Vec<merkle::Hash> = wire
        .events
        .iter()
        .map(|e| merkle::leaf_hash(&bundle::envelope_digest(e)))
        .collect();
    let proofs = merkle::inclusion_proofs(&leaves, &chosen).unwrap_or_default();
    let events = chosen
        .iter()
        .zip(proofs)
        .filter_map(|(&position, proof)| {
            Some(OutEvent {
                position,
                envelope: raw.events.get(position)?,
                proof: proof.iter().map(hex::encode).collect(),
            })
        })
        .collect();
    serde_json::to_string(&OutExcerpt {
        custody_excerpt: 1,
        manifest: raw.manifest,
        bindings: &raw.bindings,
        revocations: &raw.revocations,
        events,
    })
    .map_err(|e| ExcerptError::Bundle(Malformed::Structure(e.to_string())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WireExcerpt<'a> {
    custody_excerpt: u64,
    #[serde(borrow)]
    manifest: WireEnvelope<'a>,
    #[serde(borrow)]
    bindings: Vec<WireEnvelope<'a>>,
    #[serde(borrow)]
    revocations: Vec<WireEnvelope<'a>>,
    #[serde(borrow)]
    events: Vec<WireEvent<'a>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEvent<'a> {
    position: u64,
    #[serde(borrow)]
    envelope: WireEnvelope<'a>,
    #[serde(borrow)]
    proof: Vec<Cow<'a, str>>,
}

/// What verifying an excerpt found. Only [`verify`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExcerptReport {
    status: Status,
    reasons: Vec<&'static str>,
    events: Vec<EventReport>,
    bundle_id: Option<String>,
    time_range: Option<(String, String)>,
    bundle_events: Option<u64>,
}

impl ExcerptReport {
    /// The excerpt's status, by the rules of a bundle's.
    pub fn status(&self) -> Status {
        self.status
    }
    /// Every distinct reason code found, in order found. `chain.not_in_excerpt` is
    /// not a reason: it says what an excerpt leaves out.
    pub fn reasons(&self) -> &[&'static str] {
        &self.reasons
    }
    /// The verdict on each excerpted event, in bundle order; `index` is the event's
    /// position in the bundle.
    pub fn events(&self) -> &[EventReport] {
        &self.events
    }
    /// The bundle ID the manifest names, if the manifest could be read.
    pub fn bundle_id(&self) -> Option<&str> {
        self.bundle_id.as_deref()
    }
    /// The time range (from, to; RFC 3339) the manifest states for the bundle's
    /// events, if the manifest could be read.
    pub fn time_range(&self) -> Option<(&str, &str)> {
        self.time_range
            .as_ref()
            .map(|(from, to)| (from.as_str(), to.as_str()))
    }
    /// How many events the whole bundle has, as its manifest states, if the manifest
    /// could be read.
    pub fn bundle_event_count(&self) -> Option<u64> {
        self.bundle_events
    }

    /// The report as JSON: `format` (`custody.excerpt-verification.v1`), `status`,
    /// `bundleId`, `bundleEventCount`, `reasons`, `eventCount` (events excerpted) and
    /// `events`, each as in a bundle's report. Serializing the report gives the same.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl Serialize for ExcerptReport {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Transcript<'a> {
            format: &'static str,
            status: Status,
            bundle_id: Option<&'a str>,
            bundle_event_count: Option<u64>,
            reasons: &'a [&'static str],
            event_count: usize,
            events: &'a [EventReport],
        }
        Transcript {
            format: "custody.excerpt-verification.v1",
            status: self.status,
            bundle_id: self.bundle_id.as_deref(),
            bundle_event_count: self.bundle_events,
            reasons: &self.reasons,
            event_count: self.events.len(),
            events: &self.events,
        }
        .serialize(serializer)
    }
}

/// Verifies the excerpt `bytes` against the organisation root keys in `roots`.
pub fn verify(
    bytes: &[u8],
    roots: &[PublicKey],
    limits: &Limits,
) -> Result<ExcerptReport, ExcerptError> {
    verify_and_read(bytes, roots, limits, &|_| {})
}

/// [`verify`], also handing each event whose signature held and whose payload is a
/// valid event to `read` (its `index` is its position in the bundle), for display.
/// What `read` is handed is verified only as far as the report says.
pub fn verify_and_read(
    bytes: &[u8],
    roots: &[PublicKey],
    limits: &Limits,
    read: &(dyn Fn(SignedEvent<'_>) + Sync),
) -> Result<ExcerptReport, ExcerptError> {
    let wire = read_excerpt(bytes, limits)?;
    let mut positions = Vec::with_capacity(wire.events.len());
    let mut envelopes = Vec::with_capacity(wire.events.len());
    let mut proofs = Vec::with_capacity(wire.events.len());
    for event in wire.events {
        let position = usize::try_from(event.position).map_err(|_| {
            ExcerptError::Structure(format!("position {} is too large", event.position))
        })?;
        positions.push(position);
        envelopes.push(event.envelope);
        proofs.push(event.proof);
    }

    // The same steps as a bundle's verification, over what the excerpt holds.
    let mut reasons = Reasons::default();
    let trust = Trust::read(
        &wire.bindings,
        &wire.revocations,
        roots,
        limits,
        &mut reasons,
    );
    let opened = bundle::open_events(
        &envelopes,
        &|i| positions.get(i).copied().unwrap_or(i),
        &trust,
        limits,
        read,
    );
    let mut last: HashMap<String, (u64, merkle::Hash)> = HashMap::new();
    let mut seen: HashSet<merkle::Hash> = HashSet::new();
    let bundle::Settled {
        mut events,
        leaves,
        times,
        malformed,
    } = bundle::settle(opened, |header, digest| {
        chain(header, digest, &mut last, &mut seen)
    });

    let claims = match bundle::open_manifest(&wire.manifest, &trust, limits, &mut reasons) {
        Ok(claims) => claims,
        Err(code) => {
            for e in &mut events {
                e.inclusion = Check::Unknown(code.code());
            }
            let (status, reasons) =
                bundle::conclude(reasons, malformed, &events, &[NOT_IN_EXCERPT]);
            return Ok(ExcerptReport {
                status,
                reasons,
                events,
                bundle_id: None,
                time_range: None,
                bundle_events: None,
            });
        }
    };
    bundle::check_statements(&wire.bindings, &wire.revocations, &claims, &mut reasons);
    let root = claims.merkle_root();
    for ((e, leaf), proof) in events.iter_mut().zip(&leaves).zip(&proofs) {
        e.inclusion = inclusion(e.index, leaf, proof, claims.event_count, root.as_ref());
    }
    bundle::check_times(&times, &claims, &mut reasons);
    let (status, reasons) = bundle::conclude(reasons, malformed, &events, &[NOT_IN_EXCERPT]);
    Ok(ExcerptReport {
        status,
        reasons,
        events,
        bundle_id: Some(claims.bundle_id),
        time_range: Some((claims.time_from, claims.time_to)),
        bundle_events: Some(claims.event_count),
    })
}

/// Reads an excerpt's structure: its size, shape, version, event count, signatures
/// per envelope, and positions (at least one, strictly increasing). Nothing is
/// verified.
fn read_excerpt<'a>(bytes: &'a [u8], limits: &Limits) -> Result<WireExcerpt<'a>, ExcerptError> {
    if bytes.len() > limits.max_bundle_bytes {
        return Err(ExcerptError::TooLarge {
            size: bytes.len(),
            limit: limits.max_bundle_bytes,
        });
    }
    // Another version is named as such whatever its members; a bundle is named too.
    let refused = |detail: String| {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Sniff {
            custody_excerpt: Option<u64>,
            custody_bundle: Option<serde::de::IgnoredAny>,
        }
        match serde_json::from_slice::<Sniff>(bytes) {
            Ok(Sniff {
                custody_excerpt: Some(version),
                ..
            }) if version != 1 => ExcerptError::Version(version),
            Ok(Sniff {
                custody_excerpt: None,
                custody_bundle: Some(_),
            }) => ExcerptError::Structure("this is a bundle, not an excerpt".into()),
            _ => ExcerptError::Structure(detail),
        }
    };
    if let Some(why) = json::shape_problem(bytes, &EXCERPT_SHAPE, "excerpt") {
        return Err(refused(why));
    }
    let wire: WireExcerpt = serde_json::from_slice(bytes).map_err(|e| refused(e.to_string()))?;
    if wire.custody_excerpt != 1 {
        return Err(ExcerptError::Version(wire.custody_excerpt));
    }
    if wire.events.len() > limits.max_events {
        return Err(ExcerptError::TooManyEvents {
            count: wire.events.len(),
            limit: limits.max_events,
        });
    }
    if wire.events.is_empty() {
        return Err(ExcerptError::Structure(
            "an excerpt has at least one event".into(),
        ));
    }
    for pair in wire.events.windows(2) {
        if let [a, b] = pair {
            if a.position >= b.position {
                return Err(ExcerptError::Structure(format!(
                    "positions must increase: {} is followed by {}",
                    a.position, b.position
                )));
            }
        }
    }
    if let Some(detail) = bundle::too_many_signatures(
        std::iter::once(&wire.manifest)
            .chain(&wire.bindings)
            .chain(&wire.revocations)
            .chain(wire.events.iter().map(|e| &e.envelope)),
    ) {
        return Err(ExcerptError::Structure(detail));
    }
    Ok(wire)
}

/// An excerpted event's inclusion: its position inside the tree of `size` leaves
/// the manifest states, and its proof leading from its leaf to the manifest's root.
fn inclusion(
    position: usize,
    leaf: &merkle::Hash,
    proof: &[Cow<'_, str>],
    size: u64,
    root: Option<&merkle::Hash>,
) -> Check {
    let position = position as u64;
    if position >= size {
        return Check::Fail(Code::ExcerptPositionOutOfRange.code());
    }
    let hashes: Option<Vec<merkle::Hash>> = proof
        .iter()
        .map(|h| {
            let mut hash = [0u8; 32];
            hex::decode_to_slice(h.as_ref(), &mut hash)
                .ok()
                .map(|()| hash)
        })
        .collect();
    match (root, hashes) {
        (Some(root), Some(hashes))
            if merkle::verify_inclusion(position, size, leaf, &hashes, root).is_ok() =>
        {
            Check::Pass
        }
        _ => Check::Fail(Code::ExcerptProofInvalid.code()),
    }
}

/// An excerpted event's place in its emitter's chain, judged against the emitter's
/// previous event in the excerpt (section 19.4): a link is checked only where that
/// event is the one just before it in the chain (or where the event starts it).
fn chain(
    header: &Header,
    digest: &merkle::Hash,
    last: &mut HashMap<String, (u64, merkle::Hash)>,
    seen: &mut HashSet<merkle::Hash>,
) -> Check {
    if !seen.insert(*digest) {
        return Check::Fail(Code::ChainDuplicateEvent.code());
    }
    let previous = last.insert(header.emitter.clone(), (header.seq, *digest));
    match previous {
        Some((seq, _)) if header.seq <= seq => Check::Fail(Code::ChainOutOfOrder.code()),
        _ if header.seq == 0 => {
            if header.prev.is_none() {
                Check::Pass
            } else {
                Check::Fail(Code::ChainMissingStart.code())
            }
        }
        Some((seq, digest)) if seq.checked_add(1) == Some(header.seq) => {
            if header.prev == Some(Some(digest)) {
                Check::Pass
            } else {
                Check::Fail(Code::ChainLinkBroken.code())
            }
        }
        _ => Check::Unknown(NOT_IN_EXCERPT),
    }
}
