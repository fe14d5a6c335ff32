//! Evidence bundles (format v1): events signed by their emitters, key bindings
//! certified by an organisation's root keys, and a manifest signed by the collector
//! that binds the events with an RFC 6962 Merkle root.
//!
//! [`verify`] is the only way to a [`Report`]; it keeps apart, for every event,
//! integrity (signature), trust (key certified for this emitter at that time by a
//! trusted root), chain (place in its emitter's hash chain) and inclusion (covered
//! by the manifest's root). What was not checked is [`Check::Unknown`], never a pass.
//! Every code a check or a report carries is the text of a [`crate::reason::Code`].
//!
//! Here are the entry points ([`verify`], [`verify_with`], [`verify_and_read`],
//! [`verify_and_collect`]) and what they give; the steps they take are in private
//! modules: `trust` (bindings, revocations, certification), `events` (signatures,
//! payloads, chains), `manifest` (the manifest and what it claims) and `reasons`
//! (the reasons and the one status). [`helped`] is apart: verification with
//! signature answers the caller supplies.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::batch;
use crate::dsse::{self, WireEnvelope};
use crate::event::Event;
use crate::json;
use crate::keys::PublicKey;
use crate::merkle;
use crate::parallel;
use crate::reason::Code;

mod events;
pub mod helped;
mod manifest;
mod reasons;
mod trust;

use events::{chain, DigestHasher};
use manifest::check_manifest;

pub(crate) use events::{open_events, settle, Header, Opened, Settled};
pub(crate) use manifest::{check_statements, check_times, open_manifest};
pub(crate) use reasons::{conclude, Reasons};
pub(crate) use trust::Trust;

/// `payloadType` of an event envelope.
pub const EVENT_TYPE: &str = "application/vnd.custody.event.v1+json";
/// `payloadType` of a key binding envelope.
pub const BINDING_TYPE: &str = "application/vnd.custody.binding.v1+json";
/// `payloadType` of a key revocation envelope.
pub const REVOCATION_TYPE: &str = "application/vnd.custody.revocation.v1+json";
/// `payloadType` of the manifest envelope.
pub const MANIFEST_TYPE: &str = "application/vnd.custody.manifest.v1+json";

/// Bounds on what a bundle may hold; beyond them it is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest bundle, in bytes.
    pub max_bundle_bytes: usize,
    /// Most events.
    pub max_events: usize,
    /// Largest decoded payload of one envelope, in bytes.
    pub max_payload_bytes: usize,
    /// Deepest JSON nesting inside a payload.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bundle_bytes: 256 << 20,
            max_events: 1_000_000,
            max_payload_bytes: 1 << 20,
            max_depth: 32,
        }
    }
}

/// Why a bundle could not be read at all. Nothing in it was checked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// The bundle is larger than [`Limits::max_bundle_bytes`].
    #[error("the bundle is {size} bytes; the limit is {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// More events than [`Limits::max_events`].
    #[error("the bundle has {count} events; the limit is {limit}")]
    TooManyEvents {
        /// How many.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// Not JSON of the bundle's shape.
    #[error("not a Custody bundle: {0}")]
    Structure(String),
    /// A format version this verifier does not know.
    #[error("unsupported bundle format version {0}")]
    Version(u64),
}

impl Malformed {
    /// The stable code of this reason.
    pub fn code(&self) -> &'static str {
        match self {
            Malformed::TooLarge { .. } => Code::BundleTooLarge.code(),
            Malformed::TooManyEvents { .. } => Code::BundleTooManyEvents.code(),
            Malformed::Structure(_) => Code::BundleMalformed.code(),
            Malformed::Version(_) => Code::BundleUnsupportedVersion.code(),
        }
    }
}

/// The result of one check on one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// Checked and held.
    Pass,
    /// Checked and failed, with a stable reason code (a [`Code`]'s text).
    Fail(&'static str),
    /// Could not be checked, with a stable reason code (a [`Code`]'s text) saying why.
    Unknown(&'static str),
}

impl Check {
    fn is_fail(&self) -> bool {
        matches!(self, Check::Fail(_))
    }
}

/// `{"result": "pass"}`, `{"result": "fail", "code": …}` or `{"result": "unknown", "code": …}`.
impl serde::Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (result, code) = match self {
            Check::Pass => ("pass", None),
            Check::Fail(code) => ("fail", Some(code)),
            Check::Unknown(code) => ("unknown", Some(code)),
        };
        let mut map = serializer.serialize_map(Some(1 + usize::from(code.is_some())))?;
        map.serialize_entry("result", result)?;
        if let Some(code) = code {
            map.serialize_entry("code", code)?;
        }
        map.end()
    }
}

/// The verdict on one event.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventReport {
    /// Position in the bundle, from 0.
    pub index: usize,
    /// SHA-256 of the event's signed bytes (its PAE), hex; the chain and the Merkle
    /// tree are over these.
    pub digest: String,
    /// The emitter the payload names, once the signature held and it parsed.
    pub emitter: Option<String>,
    /// Signature over the bytes as received.
    pub integrity: Check,
    /// The signing key is certified for the emitter at the event's time.
    pub trust: Check,
    /// The event's place in its emitter's hash chain.
    pub chain: Check,
    /// Covered by the manifest's Merkle root.
    pub inclusion: Check,
    /// Warnings that do not fail a check (stable codes).
    pub warnings: Vec<&'static str>,
    /// Why the payload could not be read, naming the field, when it could not.
    pub detail: Option<String>,
}

pub use crate::status::Status;

/// What verification found. Only [`verify`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    status: Status,
    reasons: Vec<&'static str>,
    events: Vec<EventReport>,
    bundle_id: Option<String>,
    time_range: Option<(String, String)>,
}

impl Report {
    /// The bundle's status.
    pub fn status(&self) -> Status {
        self.status
    }
    /// Every distinct reason code found, bundle-level and per event, in order found.
    pub fn reasons(&self) -> &[&'static str] {
        &self.reasons
    }
    /// The verdict on each event, in bundle order.
    pub fn events(&self) -> &[EventReport] {
        &self.events
    }
    /// The bundle ID the manifest names, if the manifest could be read.
    pub fn bundle_id(&self) -> Option<&str> {
        self.bundle_id.as_deref()
    }
    /// The time range (from, to; RFC 3339) the manifest states for the events, if
    /// the manifest could be read.
    pub fn time_range(&self) -> Option<(&str, &str)> {
        self.time_range
            .as_ref()
            .map(|(from, to)| (from.as_str(), to.as_str()))
    }

    /// The report as JSON (the verification transcript): `format`, `status`,
    /// `bundleId`, `reasons`, `eventCount` and `events`, each event with its four
    /// checks as `{"result", "code"}`. Serializing the report gives the same.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

impl serde::Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Transcript<'a> {
            format: &'static str,
            status: Status,
            bundle_id: Option<&'a str>,
            reasons: &'a [&'static str],
            event_count: usize,
            events: &'a [EventReport],
        }
        Transcript {
            format: "custody.verification.v1",
            status: self.status,
            bundle_id: self.bundle_id.as_deref(),
            reasons: &self.reasons,
            event_count: self.events.len(),
            events: &self.events,
        }
        .serialize(serializer)
    }
}

/// The most signatures one envelope may carry.
pub const MAX_SIGNATURES: usize = 8;

/// Bindings, revocations and manifests hold no arrays (see [`json::Shape`]).
const FLAT: json::Shape = json::Shape {
    arrays: &[],
    free: &[],
};

/// Where a bundle holds arrays (see [`json::Shape`]).
const BUNDLE_SHAPE: json::Shape = json::Shape {
    arrays: &[
        "bindings",
        "revocations",
        "events",
        "signatures",
        "timestamps",
        "proof",
    ],
    free: &[],
};

/// A bundle as read from its bytes; envelopes are not yet checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct WireBundle<'a> {
    custody_bundle: u64,
    #[serde(borrow)]
    pub(crate) manifest: WireEnvelope<'a>,
    #[serde(default, borrow)]
    pub(crate) bindings: Vec<WireEnvelope<'a>>,
    #[serde(default, borrow)]
    pub(crate) revocations: Vec<WireEnvelope<'a>>,
    #[serde(borrow)]
    pub(crate) events: Vec<WireEnvelope<'a>>,
    /// Unsigned: what vouches for the bundle outside its organisation (section 17),
    /// read by [`crate::anchor`], never by verification.
    #[serde(default, borrow)]
    pub(crate) anchors: Option<&'a serde_json::value::RawValue>,
}

/// Verifies the bundle `bytes` against the organisation root keys in `roots`, on
/// the calling thread.
pub fn verify(bytes: &[u8], roots: &[PublicKey], limits: &Limits) -> Result<Report, Malformed> {
    verify_with(bytes, roots, limits, 1, &|_, _| {})
}

/// [`verify`], spread over up to `threads` threads where the platform has threads
/// (elsewhere, and with `threads` ≤ 1, on the calling thread; the report is the same),
/// calling `progress(done, total)` as events' signatures are checked.
pub fn verify_with(
    bytes: &[u8],
    roots: &[PublicKey],
    limits: &Limits,
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Report, Malformed> {
    verify_and_read(bytes, roots, limits, threads, progress, &|_| {})
}

/// An event whose signature held and whose payload is a valid event, as
/// [`verify_and_read`] hands it over.
#[derive(Clone, Debug)]
pub struct SignedEvent<'a> {
    /// Its position in the bundle, from 0.
    pub index: usize,
    /// SHA-256 of its signed bytes (its PAE), as in its [`EventReport`].
    pub digest: &'a merkle::Hash,
    /// The payload, read (handed over: nothing else keeps it).
    pub event: Event,
    /// The payload's bytes as signed (valid JSON, so text).
    pub payload: &'a str,
    /// The payload's base64 text as it stands in the bundle's bytes, when it stands
    /// there unescaped (see [`SignedEvent::payload_span`]).
    pub encoded: Option<&'a str>,
}

impl SignedEvent<'_> {
    /// Where the payload's base64 text stands in `bundle` (the bytes this event was
    /// verified from), so the payload can be read again from those bytes alone:
    /// decoding `bundle[span]` as base64 gives [`SignedEvent::payload`]. `None` when
    /// the text was written with JSON escapes (`\/`), or `bundle` is other bytes.
    pub fn payload_span(&self, bundle: &[u8]) -> Option<std::ops::Range<usize>> {
        let text = self.encoded?;
        let start = (text.as_ptr() as usize).checked_sub(bundle.as_ptr() as usize)?;
        let span = start..start.checked_add(text.len())?;
        (bundle.get(span.clone())? == text.as_bytes()).then_some(span)
    }
}

/// The payload whose base64 text is `encoded` (the bytes at a
/// [`SignedEvent::payload_span`]), or `None` when it is not base64.
pub fn decode_payload(encoded: &[u8]) -> Option<Vec<u8>> {
    crate::b64::decode(std::str::from_utf8(encoded).ok()?)
}

/// The payload of event `index` read from a bundle's bytes (base64 decoded), as
/// signed, or `None` when the bytes are not a bundle or have no such event. Nothing
/// is verified: this reads back a payload of bytes verified before.
pub fn payload_of(bytes: &[u8], index: usize, limits: &Limits) -> Option<Vec<u8>> {
    let wire = read_wire(bytes, limits).ok()?;
    crate::b64::decode(&wire.events.get(index)?.payload)
}

/// Reads a bundle's structure (section 11.1 of `docs/bundle-format.md`): its size,
/// shape, version, event count and signatures per envelope. Nothing is verified.
pub(crate) fn read_wire<'a>(bytes: &'a [u8], limits: &Limits) -> Result<WireBundle<'a>, Malformed> {
    if bytes.len() > limits.max_bundle_bytes {
        return Err(Malformed::TooLarge {
            size: bytes.len(),
            limit: limits.max_bundle_bytes,
        });
    }
    // A later version's new members are named as a version this verifier does not know.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Version {
        custody_bundle: u64,
    }
    let version = || match serde_json::from_slice::<Version>(bytes) {
        Ok(Version { custody_bundle }) if custody_bundle != 1 => Some(custody_bundle),
        _ => None,
    };
    if let Some(why) = json::shape_problem(bytes, &BUNDLE_SHAPE, "bundle") {
        return Err(version().map_or_else(|| Malformed::Structure(why), Malformed::Version));
    }
    let wire: WireBundle = match serde_json::from_slice(bytes) {
        Ok(wire) => wire,
        Err(e) => {
            return Err(
                version().map_or_else(|| Malformed::Structure(e.to_string()), Malformed::Version)
            )
        }
    };
    if wire.custody_bundle != 1 {
        return Err(Malformed::Version(wire.custody_bundle));
    }
    if wire.events.len() > limits.max_events {
        return Err(Malformed::TooManyEvents {
            count: wire.events.len(),
            limit: limits.max_events,
        });
    }
    too_many_signatures(
        std::iter::once(&wire.manifest)
            .chain(&wire.bindings)
            .chain(&wire.revocations)
            .chain(&wire.events),
    )
    .map_or(Ok(wire), |e| Err(Malformed::Structure(e)))
}

/// Why one of `envelopes` carries more than [`MAX_SIGNATURES`] signatures, if one does.
/// Every signature may be tried against several keys: their number per envelope is
/// bounded so that the work stays linear in the input's size.
pub(crate) fn too_many_signatures<'a, 'b: 'a>(
    envelopes: impl IntoIterator<Item = &'a WireEnvelope<'b>>,
) -> Option<String> {
    let most = envelopes
        .into_iter()
        .map(|e| e.signatures.len())
        .max()
        .unwrap_or(0);
    (most > MAX_SIGNATURES)
        .then(|| format!("an envelope carries {most} signatures; the limit is {MAX_SIGNATURES}"))
}

/// [`verify_and_read`] on one thread, without progress, keeping the events whose
/// signatures held, in bundle order: what a reader of a whole bundle wants (the
/// findings and accounts, a test).
pub fn verify_and_collect(
    bytes: &[u8],
    roots: &[PublicKey],
    limits: &Limits,
) -> Result<(Report, Vec<(usize, Event)>), Malformed> {
    let read = std::sync::Mutex::new(Vec::new());
    let report = verify_and_read(bytes, roots, limits, 1, &|_, _| {}, &|e| {
        if let Ok(mut read) = read.lock() {
            read.push((e.index, e.event));
        }
    })?;
    let mut events = read.into_inner().unwrap_or_default();
    events.sort_by_key(|(i, _)| *i);
    Ok((report, events))
}

/// [`verify_with`], also handing each event whose signature held and whose payload
/// is a valid event to `read`. `read` runs on the verifying threads, in no
/// particular order, while verification goes on, so that a store can write what it
/// keeps meanwhile. Each event's verdict is in the report, which comes only at the
/// end: until then nothing handed to `read` is verified.
pub fn verify_and_read(
    bytes: &[u8],
    roots: &[PublicKey],
    limits: &Limits,
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
    read: &(dyn Fn(SignedEvent<'_>) + Sync),
) -> Result<Report, Malformed> {
    verify_opening(bytes, roots, limits, progress, |events, trust| {
        // Events go in jobs, each on one thread from start to end (see
        // [`open_events`]). Large jobs amortise a batch's fixed costs; several per
        // thread keep all busy and give the progress bar steps.
        let total = events.len();
        let threads = threads.max(1);
        let job = (total / (threads * 4))
            .clamp(batch::BATCH.min(total.div_ceil(threads)), 16 * batch::BATCH)
            .max(1);
        let done = std::sync::atomic::AtomicUsize::new(0);
        parallel::map_ranges(total, threads, job, |range| {
            let part = events.get(range.clone()).unwrap_or_default();
            let out = open_events(part, &|i| range.start + i, trust, limits, read);
            let so_far = done.fetch_add(part.len(), std::sync::atomic::Ordering::Relaxed);
            progress(so_far + part.len(), total);
            out
        })
    })
}

/// Verification with the events opened by `open`.
fn verify_opening(
    bytes: &[u8],
    roots: &[PublicKey],
    limits: &Limits,
    progress: &(dyn Fn(usize, usize) + Sync),
    open: impl FnOnce(&[WireEnvelope<'_>], &Trust) -> Vec<Opened>,
) -> Result<Report, Malformed> {
    let wire = read_wire(bytes, limits)?;
    let mut reasons = Reasons::default();
    let trust = Trust::read(
        &wire.bindings,
        &wire.revocations,
        roots,
        limits,
        &mut reasons,
    );
    let total = wire.events.len();
    let opened = open(&wire.events, &trust);
    progress(total, total);

    let mut chains: HashMap<String, (u64, merkle::Hash)> = HashMap::new();
    let mut seen_digests: std::collections::HashSet<merkle::Hash, DigestHasher> =
        std::collections::HashSet::with_capacity_and_hasher(total, DigestHasher);
    let Settled {
        mut events,
        leaves,
        times,
        malformed,
    } = settle(opened, |header, digest| {
        chain(header, digest, &mut chains, &mut seen_digests)
    });

    let read_manifest = check_manifest(
        &wire,
        &trust,
        limits,
        &leaves,
        &times,
        &mut events,
        &mut reasons,
    );
    let (status, reasons) = conclude(reasons, malformed, &events, &[]);
    let (bundle_id, time_range) = match read_manifest {
        Some(m) => (Some(m.bundle_id), Some((m.time_from, m.time_to))),
        None => (None, None),
    };
    Ok(Report {
        status,
        reasons,
        events,
        bundle_id,
        time_range,
    })
}

/// The keyid Custody's producers write for a key: its first 16 hex digits.
pub fn keyid(key: &PublicKey) -> String {
    key.to_hex().chars().take(16).collect()
}

/// One sentence a reviewer reads for a reason code's text (see
/// `docs/bundle-format.md`): its [`Code::meaning`], or a sentence saying it is not one
/// this verifier gives (a code from elsewhere, or from a later version).
pub fn explain(code: &str) -> &'static str {
    Code::from_code(code).map_or("An unrecognised reason.", Code::meaning)
}

/// SHA-256 of an envelope's signed bytes (its PAE); for a payload that is not base64,
/// of the payload text, so that every envelope has a digest.
/// The digest of a bundle's manifest: SHA-256 of its envelope's pre-authentication
/// encoding (as an event's digest is of its own). It names the bundle's signed content
/// whatever unsigned members (its anchors) travel with it: it is the bundle's leaf in
/// a transparency log. Nothing is verified.
pub fn manifest_digest(bytes: &[u8], limits: &Limits) -> Result<merkle::Hash, Malformed> {
    Ok(envelope_digest(&read_wire(bytes, limits)?.manifest))
}

/// The manifest's `payloadType` and its payload, base64 decoded, as signed. Nothing
/// is verified.
pub fn manifest_payload(bytes: &[u8], limits: &Limits) -> Result<(String, Vec<u8>), Malformed> {
    let wire = read_wire(bytes, limits)?;
    let payload = crate::b64::decode(&wire.manifest.payload)
        .ok_or_else(|| Malformed::Structure("the manifest's payload is not base64".into()))?;
    Ok((wire.manifest.payload_type.to_string(), payload))
}

/// What a bundle's anchors are checked against, read in one pass: its `anchors`
/// member as written, its manifest digest and its manifest's first signature.
#[derive(Debug)]
pub struct AnchorInputs<'a> {
    /// The `anchors` member, when there is one.
    pub anchors: Option<&'a serde_json::value::RawValue>,
    /// See [`manifest_digest`].
    pub manifest_digest: merkle::Hash,
    /// See [`manifest_signature`].
    pub manifest_signature: Option<Vec<u8>>,
}

/// [`AnchorInputs`] of the bundle `bytes`. Nothing is verified.
pub fn anchor_inputs<'a>(bytes: &'a [u8], limits: &Limits) -> Result<AnchorInputs<'a>, Malformed> {
    let wire = read_wire(bytes, limits)?;
    Ok(AnchorInputs {
        manifest_digest: envelope_digest(&wire.manifest),
        manifest_signature: wire
            .manifest
            .signatures
            .first()
            .and_then(|s| crate::b64::decode(&s.sig)),
        anchors: wire.anchors,
    })
}

/// The bundle's `anchors` member as written, when it has one. Nothing is verified.
pub fn anchors_raw<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<Option<&'a serde_json::value::RawValue>, Malformed> {
    Ok(read_wire(bytes, limits)?.anchors)
}

/// The manifest's first signature, as sent (base64 decoded): what a time-stamp token
/// over the bundle is over. `None` when it has none or it is not base64.
pub fn manifest_signature(bytes: &[u8], limits: &Limits) -> Result<Option<Vec<u8>>, Malformed> {
    let wire = read_wire(bytes, limits)?;
    Ok(wire
        .manifest
        .signatures
        .first()
        .and_then(|s| crate::b64::decode(&s.sig)))
}

pub(crate) fn envelope_digest(envelope: &WireEnvelope<'_>) -> merkle::Hash {
    match crate::b64::decode(&envelope.payload) {
        Some(payload) => Sha256::digest(dsse::pae(&envelope.payload_type, &payload)).into(),
        None => Sha256::digest(envelope.payload.as_bytes()).into(),
    }
}
