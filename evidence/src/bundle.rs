//! Evidence bundles (format v1): events signed by their emitters, key bindings
//! certified by an organisation's root keys, and a manifest signed by the collector
//! that binds the events with an RFC 6962 Merkle root.
//!
//! [`verify`] is the only way to a [`Report`]; it keeps apart, for every event,
//! integrity (signature), trust (key certified for this emitter at that time by a
//! trusted root), chain (place in its emitter's hash chain) and inclusion (covered
//! by the manifest's root). What was not checked is [`Check::Unknown`], never a pass.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
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
use crate::time::parse as parse_time;

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
            Malformed::TooLarge { .. } => "bundle.too_large",
            Malformed::TooManyEvents { .. } => "bundle.too_many_events",
            Malformed::Structure(_) => "bundle.malformed",
            Malformed::Version(_) => "bundle.unsupported_version",
        }
    }
}

/// The result of one check on one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// Checked and held.
    Pass,
    /// Checked and failed, with a stable reason code.
    Fail(&'static str),
    /// Could not be checked, with a stable reason code saying why.
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

/// The bundle's one status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every check on every event and on the manifest passed.
    Verified,
    /// Everything passed, with warnings.
    VerifiedWithWarnings,
    /// Some signature, chain link, manifest binding or inclusion failed.
    Tampered,
    /// Nothing failed, but some key or manifest is not certified by a trusted root.
    Untrusted,
    /// A signed payload could not be read.
    Malformed,
}

impl Status {
    /// Every status, best first.
    pub const ALL: [Status; 5] = [
        Status::Verified,
        Status::VerifiedWithWarnings,
        Status::Untrusted,
        Status::Tampered,
        Status::Malformed,
    ];

    /// What the status means, in the words of `docs/bundle-format.md` §12.4.
    pub fn meaning(self) -> &'static str {
        match self {
            Status::Verified => "Every check on every event and on the manifest passed: each signature verified with a key a trusted root certifies for its emitter at that time, every hash chain is whole, and every event is covered by the signed manifest.",
            Status::VerifiedWithWarnings => "Everything passed, with warnings: nothing failed, but something a reviewer should know was noticed (a signature verified with another certified key than its hint names, or two events share an id).",
            Status::Untrusted => "Nothing failed, but some key or manifest is not certified by a trusted root, or some event could not be checked against a certified key: the evidence is intact as far as it could be checked, but it is not tied to anyone you trust.",
            Status::Tampered => "Some signature, chain link, manifest binding or inclusion failed, the bindings and revocations are not those the manifest covers, or an envelope is of the wrong type for its place: the bytes are not what was signed.",
            Status::Malformed => "An event's signature held but its payload is not a valid event or is too large, or a binding or revocation signed by a trusted root, or the verified manifest, cannot be read.",
        }
    }

    /// The stable name of the status.
    pub fn code(self) -> &'static str {
        match self {
            Status::Verified => "verified",
            Status::VerifiedWithWarnings => "verified_with_warnings",
            Status::Tampered => "tampered",
            Status::Untrusted => "untrusted",
            Status::Malformed => "malformed",
        }
    }

    /// The status as people read it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Verified => "Verified",
            Status::VerifiedWithWarnings => "Verified with warnings",
            Status::Tampered => "Tampered",
            Status::Untrusted => "Untrusted",
            Status::Malformed => "Malformed",
        }
    }

    /// Whether every signature, link, binding and inclusion held and every key is
    /// certified by a trusted root (with or without warnings).
    pub fn holds(self) -> bool {
        matches!(self, Status::Verified | Status::VerifiedWithWarnings)
    }
}

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
    arrays: &["bindings", "revocations", "events", "signatures"],
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
}

/// A key certification read from a binding signed by a trusted root.
pub(crate) struct Binding {
    key: PublicKey,
    subject: String,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
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

/// [`verify_and_read`] on the calling thread, with batches of signatures checked by
/// `helper` meanwhile (see [`Helper`]). The report is the one [`verify_and_read`]
/// gives: whatever the helper does not answer is checked here.
pub fn verify_and_read_helped(
    bytes: &[u8],
    roots: &[PublicKey],
    limits: &Limits,
    progress: &(dyn Fn(usize, usize) + Sync),
    read: &(dyn Fn(SignedEvent<'_>) + Sync),
    helper: &dyn Helper,
) -> Result<Report, Malformed> {
    verify_opening(bytes, roots, limits, progress, |events, trust| {
        open_helped(events, trust, limits, progress, read, helper)
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

/// What the trust checks need, read from a bundle's bindings and revocations
/// (sections 10.2, 10.3, 11.2 and 11.3 of `docs/bundle-format.md`).
pub(crate) struct Trust {
    /// Bindings certified by a trusted root.
    bindings: Vec<Binding>,
    /// The candidate keys: every key a readable binding names, in binding order.
    keys: Vec<PublicKey>,
    /// The keyid of each candidate key.
    keyids: Vec<String>,
    /// Per candidate key: whether a trusted root certified it.
    certified: Vec<bool>,
    /// Revocations signed by a trusted root: key → time from which it is revoked.
    revocations: Vec<(PublicKey, DateTime<Utc>)>,
}

impl Trust {
    pub(crate) fn read(
        bindings: &[WireEnvelope<'_>],
        revocations: &[WireEnvelope<'_>],
        roots: &[PublicKey],
        limits: &Limits,
        reasons: &mut Reasons,
    ) -> Trust {
        let (bindings, keys) = read_bindings(bindings, roots, limits, reasons);
        let revocations = read_revocations(revocations, roots, limits, reasons);
        let keyids = keys.iter().map(keyid).collect();
        // Keys a trusted root certified. Only these are tried without a keyid naming
        // them: anyone can add uncertified bindings, and trying each against each
        // event would let a bundle cost time quadratic in its size.
        let certified = keys
            .iter()
            .map(|k| bindings.iter().any(|b| b.key == *k))
            .collect();
        Trust {
            bindings,
            keys,
            keyids,
            certified,
            revocations,
        }
    }

    fn known(&self) -> Known<'_> {
        Known {
            keys: &self.keys,
            certified: &self.certified,
            bindings: &self.bindings,
            revocations: &self.revocations,
        }
    }
}

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
fn batch_items<'p>(prepared: &'p [Prepared]) -> (Vec<usize>, Vec<batch::Item<'p>>) {
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
#[allow(clippy::too_many_arguments)]
fn open_prepared(
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

/// Opens `events` on the calling thread, handing batches of signatures to `helper`
/// (up to [`HELPER_SHARE`] of them, while it has fewer than three to answer) and
/// checking the others here. Whatever the helper cannot take, or loses, or answers
/// with the wrong length, is checked here: the helper speeds verification up and
/// never decides what was not asked of it.
fn open_helped(
    events: &[WireEnvelope<'_>],
    trust: &Trust,
    limits: &Limits,
    progress: &(dyn Fn(usize, usize) + Sync),
    read: &(dyn Fn(SignedEvent<'_>) + Sync),
    helper: &dyn Helper,
) -> Vec<Opened> {
    let total = events.len();
    // At least eight jobs where batches of 1,024 allow, so that both sides stay busy
    // on small bundles too.
    let job = (total / 8).clamp(1024, batch::BATCH);
    let ranges: Vec<std::ops::Range<usize>> = (0..total)
        .step_by(job)
        .map(|start| start..(start + job).min(total))
        .collect();
    let mut opened: Vec<Vec<Opened>> = (0..ranges.len()).map(|_| Vec::new()).collect();
    let mut waiting: std::collections::VecDeque<(usize, Vec<Prepared>)> =
        std::collections::VecDeque::new();
    let share = total * HELPER_SHARE.0 / HELPER_SHARE.1;
    let mut handed = 0;
    let mut done = 0;
    let mut finish = |job: usize, prepared: &[Prepared], answer: Option<Vec<u8>>| {
        let range = ranges.get(job).cloned().unwrap_or_default();
        let part = events.get(range.clone()).unwrap_or_default();
        let (at, items) = batch_items(prepared);
        let holds = match answer {
            Some(answer) if answer.len() == items.len() => {
                answer.into_iter().map(|b| b == 1).collect()
            }
            _ => batch::verify(&trust.keys, &items),
        };
        let out = open_prepared(
            part,
            &|i| range.start + i,
            trust,
            limits,
            read,
            prepared,
            &at,
            &holds,
        );
        if let Some(slot) = opened.get_mut(job) {
            *slot = out;
        }
        done += part.len();
        progress(done, total);
    };
    for (job, range) in ranges.iter().enumerate() {
        let part = events.get(range.clone()).unwrap_or_default();
        let prepared: Vec<Prepared> = part.iter().map(|e| prepare(e, &trust.keyids)).collect();
        let sent = waiting.len() < 3 && handed + part.len() / 2 <= share && {
            let (_, items) = batch_items(&prepared);
            helper.send(batch::pack(&trust.keys, &items), items.len())
        };
        if sent {
            handed += part.len();
            waiting.push_back((job, prepared));
        } else {
            finish(job, &prepared, None);
        }
        // Open what the helper has answered meanwhile.
        while !waiting.is_empty() {
            match helper.receive(false) {
                Received::NotYet => break,
                received => {
                    if let Some((job, prepared)) = waiting.pop_front() {
                        finish(job, &prepared, received.answer());
                    }
                }
            }
        }
    }
    while let Some((job, prepared)) = waiting.pop_front() {
        finish(job, &prepared, helper.receive(true).answer());
    }
    opened.into_iter().flatten().collect()
}

/// The part of the signatures [`open_helped`] hands to its helper, as a fraction:
/// the rest of each event's work (reading, hashing, parsing, the report) stays with
/// the caller, and in wasm costs about half what checking its signature does, so the
/// two sides finish together when the helper checks about two thirds of them.
const HELPER_SHARE: (usize, usize) = (2, 3);

/// Another worker that checks batches of signatures ([`batch::verify_packed`]) while
/// this one goes on: how [`verify_and_read_helped`] spreads verification where
/// threads cannot start (a browser's workers share no memory).
pub trait Helper {
    /// Hands over a batch of `count` signatures ([`batch::pack`]); `false` when it
    /// cannot be taken.
    fn send(&self, packed: Vec<u8>, count: usize) -> bool;
    /// The answer to the oldest batch not yet received, waiting for it when `wait`.
    fn receive(&self, wait: bool) -> Received;
}

/// What a [`Helper`] answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// What [`batch::verify_packed`] gave for the batch.
    Answer(Vec<u8>),
    /// Not answered yet.
    NotYet,
    /// The batch is lost (the helper failed or gave up): it is checked here.
    Lost,
}

impl Received {
    fn answer(self) -> Option<Vec<u8>> {
        match self {
            Received::Answer(answer) => Some(answer),
            Received::NotYet | Received::Lost => None,
        }
    }
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
                    report.warnings.push("event.duplicate_id");
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

/// The status and the reasons (sections 12.3 and 12.4): the bundle-level reasons
/// raised, then each event's failed and unknown checks and its warnings; the codes in
/// `scope` (statements of what a document leaves out, not findings) are not reasons.
pub(crate) fn conclude(
    mut reasons: Reasons,
    malformed: bool,
    events: &[EventReport],
    scope: &[&str],
) -> (Status, Vec<&'static str>) {
    for e in events {
        for check in [&e.integrity, &e.trust, &e.chain, &e.inclusion] {
            if let Check::Fail(code) | Check::Unknown(code) = check {
                if !scope.contains(code) {
                    reasons.add(code);
                }
            }
        }
        for w in &e.warnings {
            reasons.add(w);
        }
    }
    let status = if malformed || reasons.malformed {
        Status::Malformed
    } else if reasons.tampered
        || events
            .iter()
            .any(|e| e.integrity.is_fail() || e.chain.is_fail() || e.inclusion.is_fail())
    {
        Status::Tampered
    } else if reasons.untrusted
        || events
            .iter()
            .any(|e| e.trust != Check::Pass || e.integrity != Check::Pass)
    {
        Status::Untrusted
    } else if !reasons.codes.is_empty() {
        Status::VerifiedWithWarnings
    } else {
        Status::Verified
    };
    (status, reasons.codes)
}

/// Bundle-level reasons, each with its class (section 12.3).
#[derive(Default)]
pub(crate) struct Reasons {
    codes: Vec<&'static str>,
    tampered: bool,
    untrusted: bool,
    malformed: bool,
}

impl Reasons {
    fn add(&mut self, code: &'static str) {
        if !self.codes.contains(&code) {
            self.codes.push(code);
        }
    }
    pub(crate) fn tamper(&mut self, code: &'static str) {
        self.tampered = true;
        self.add(code);
    }
    fn distrust(&mut self, code: &'static str) {
        self.untrusted = true;
        self.add(code);
    }
    fn unreadable(&mut self, code: &'static str) {
        self.malformed = true;
        self.add(code);
    }
}

/// Bindings certified by a trusted root, and every key any binding names (the keys
/// an event's signature is tried against: `keyid` is only a hint).
fn read_bindings(
    envelopes: &[WireEnvelope<'_>],
    roots: &[PublicKey],
    limits: &Limits,
    reasons: &mut Reasons,
) -> (Vec<Binding>, Vec<PublicKey>) {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Payload {
        key: String,
        subject: String,
        not_before: String,
        not_after: String,
    }
    let mut bindings = Vec::new();
    let mut keys = Vec::new();
    for envelope in envelopes {
        let Some((payload, trusted)) =
            open_signed_by_root(envelope, BINDING_TYPE, roots, limits, reasons)
        else {
            continue;
        };
        let read = serde_json::from_value::<Payload>(payload)
            .ok()
            .and_then(|p| {
                match (
                    PublicKey::from_text(&p.key),
                    parse_time(&p.not_before),
                    parse_time(&p.not_after),
                ) {
                    (Ok(key), Some(not_before), Some(not_after)) => {
                        Some((key, p.subject, not_before, not_after))
                    }
                    _ => None,
                }
            });
        let Some((key, subject, not_before, not_after)) = read else {
            if trusted {
                reasons.unreadable("binding.malformed");
            }
            continue;
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
        if trusted {
            bindings.push(Binding {
                key,
                subject,
                not_before,
                not_after,
            });
        }
    }
    (bindings, keys)
}

/// Revocations signed by a trusted root: key → time from which it is revoked.
fn read_revocations(
    envelopes: &[WireEnvelope<'_>],
    roots: &[PublicKey],
    limits: &Limits,
    reasons: &mut Reasons,
) -> Vec<(PublicKey, DateTime<Utc>)> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Payload {
        key: String,
        revoked_at: String,
    }
    let mut out = Vec::new();
    for envelope in envelopes {
        let Some((payload, true)) =
            open_signed_by_root(envelope, REVOCATION_TYPE, roots, limits, reasons)
        else {
            continue;
        };
        match serde_json::from_value::<Payload>(payload) {
            Ok(p) => match (PublicKey::from_text(&p.key), parse_time(&p.revoked_at)) {
                (Ok(key), Some(at)) => out.push((key, at)),
                _ => reasons.unreadable("revocation.malformed"),
            },
            Err(_) => reasons.unreadable("revocation.malformed"),
        }
    }
    out
}

/// The payload of a root-signed envelope and whether a trusted root signed it.
/// A signature by no trusted root makes the statement untrusted, not tampered:
/// the verifier cannot tell a forgery from another organisation's root.
fn open_signed_by_root(
    envelope: &WireEnvelope<'_>,
    payload_type: &str,
    roots: &[PublicKey],
    limits: &Limits,
    reasons: &mut Reasons,
) -> Option<(Value, bool)> {
    if envelope.payload_type != payload_type {
        reasons.tamper("envelope.wrong_payload_type");
        return None;
    }
    let verified = roots
        .iter()
        .find_map(|root| dsse::check(envelope, Some(root)).ok());
    let trusted = verified.is_some();
    let payload = match verified {
        Some(v) => v.payload().to_vec(),
        None => {
            reasons.distrust(if payload_type == BINDING_TYPE {
                "trust.binding_not_signed_by_trusted_root"
            } else {
                "trust.revocation_not_signed_by_trusted_root"
            });
            // Read the payload anyway, only to learn which key it names, so events by
            // that key are reported as untrusted rather than unknown. What no trusted
            // root signed is evidence of nothing: if it cannot be read, it is ignored.
            let payload = crate::b64::decode(&envelope.payload)?;
            if payload.len() > limits.max_payload_bytes {
                return None;
            }
            if !json::has_shape(&payload, &FLAT) {
                return None;
            }
            return json::parse(&payload, limits.max_depth)
                .ok()
                .map(|v| (v, false));
        }
    };
    if payload.len() > limits.max_payload_bytes {
        reasons.unreadable("payload.too_large");
        return None;
    }
    if !json::has_shape(&payload, &FLAT) {
        reasons.unreadable("payload.malformed");
        return None;
    }
    match json::parse(&payload, limits.max_depth) {
        Ok(v) => Some((v, trusted)),
        Err(_) => {
            reasons.unreadable("payload.malformed");
            None
        }
    }
}

/// An event's bytes, ready for its signature to be checked.
struct Prepared {
    /// The PAE of the payload: the signed bytes. `None` when the payload is not base64.
    pae: Option<Vec<u8>>,
    /// Where the payload starts in `pae`.
    payload_at: usize,
    digest: merkle::Hash,
    /// A signature whose `keyid` names a known key: that key's index and the signature.
    hinted: Option<(usize, [u8; 64])>,
}

fn prepare(envelope: &WireEnvelope<'_>, keyids: &[String]) -> Prepared {
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
struct DigestHasher;

impl std::hash::BuildHasher for DigestHasher {
    type Hasher = FirstBytes;
    fn build_hasher(&self) -> FirstBytes {
        FirstBytes(0)
    }
}

struct FirstBytes(u64);

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

/// The keys an event may be signed with, and what the trust check weighs them against.
#[derive(Clone, Copy)]
struct Known<'a> {
    keys: &'a [PublicKey],
    /// Per key: whether a trusted root certified it.
    certified: &'a [bool],
    bindings: &'a [Binding],
    revocations: &'a [(PublicKey, DateTime<Utc>)],
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
        integrity: unknown("integrity.not_checked"),
        trust: unknown("trust.not_checked"),
        chain: unknown("chain.not_checked"),
        inclusion: unknown("inclusion.not_checked"),
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
        report.integrity = Check::Fail("envelope.payload_bad_base64");
        return done(report, Signed::No);
    };
    if envelope.payload_type != EVENT_TYPE {
        report.integrity = Check::Fail("envelope.wrong_payload_type");
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
        report.chain = Check::Unknown("payload.too_large");
        report.trust = Check::Unknown("payload.too_large");
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
                None => Check::Unknown("trust.not_checked"),
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
            report.chain = Check::Unknown("payload.malformed");
            report.trust = Check::Unknown("payload.malformed");
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
                    report.warnings.push("signature.keyid_mismatch");
                }
                return Some(index);
            }
            Err(reason) => failure = failure.or(Some(reason)),
        }
    }
    let hint_known = keys.iter().any(|k| hinted.contains(&keyid(k).as_str()));
    report.integrity = match failure {
        Some(dsse::Reason::SignatureBadBase64 { .. }) => Check::Fail("signature.bad_base64"),
        Some(dsse::Reason::SignatureWrongLength { .. }) => Check::Fail("signature.wrong_length"),
        Some(dsse::Reason::NoSignatures) => Check::Fail("envelope.no_signatures"),
        // The hint names a certified key and it does not verify: the bytes changed.
        _ if hint_known => Check::Fail("signature.invalid"),
        // Signed, if at all, by a key no binding names: nothing to check against.
        _ => Check::Unknown("trust.key_not_certified"),
    };
    report.trust = Check::Fail("trust.key_not_certified");
    None
}

fn trust_check(
    key: &PublicKey,
    subject: &str,
    time: DateTime<Utc>,
    bindings: &[Binding],
    revocations: &[(PublicKey, DateTime<Utc>)],
) -> Check {
    let for_key = || bindings.iter().filter(|b| b.key == *key);
    if for_key().next().is_none() {
        return Check::Fail("trust.key_not_certified");
    }
    let for_subject = || for_key().filter(|b| b.subject == subject);
    if for_subject().next().is_none() {
        return Check::Fail("trust.subject_mismatch");
    }
    if !for_subject().any(|b| b.not_before <= time && time < b.not_after) {
        return Check::Fail("trust.outside_validity");
    }
    if revocations.iter().any(|(k, at)| k == key && *at <= time) {
        return Check::Fail("trust.key_revoked");
    }
    Check::Pass
}

fn chain(
    header: &Header,
    digest: &merkle::Hash,
    chains: &mut HashMap<String, (u64, merkle::Hash)>,
    seen: &mut std::collections::HashSet<merkle::Hash, DigestHasher>,
) -> Check {
    if !seen.insert(*digest) {
        return Check::Fail("chain.duplicate_event");
    }
    let prev = header.prev;
    match chains.get_mut(&header.emitter) {
        None => {
            chains.insert(header.emitter.clone(), (header.seq, *digest));
            if header.seq == 0 && prev.is_none() {
                Check::Pass
            } else {
                Check::Fail("chain.missing_start")
            }
        }
        Some(last) => {
            let (last_seq, last_digest) = *last;
            *last = (header.seq, *digest);
            if header.seq <= last_seq {
                Check::Fail("chain.out_of_order")
            } else if header.seq != last_seq + 1 {
                Check::Fail("chain.sequence_gap")
            } else if prev != Some(Some(last_digest)) {
                Check::Fail("chain.link_broken")
            } else {
                Check::Pass
            }
        }
    }
}

/// What a manifest that verified and could be read claims (section 6.3).
pub(crate) struct Claims {
    pub(crate) bundle_id: String,
    pub(crate) event_count: u64,
    pub(crate) time_from: String,
    pub(crate) time_to: String,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// As written; compared without regard to case.
    merkle_root: String,
    statements_root: String,
}

impl Claims {
    /// The Merkle root over the events, when it is hex for 32 bytes (in either case).
    pub(crate) fn merkle_root(&self) -> Option<merkle::Hash> {
        let mut root = [0u8; 32];
        hex::decode_to_slice(&self.merkle_root, &mut root)
            .ok()
            .map(|()| root)
    }
}

/// Section 11.6 steps 1 to 5: the manifest's type, its key among the candidate keys,
/// its payload read and its certification. `Err` holds the code every event's
/// inclusion is unknown with when the manifest cannot be used.
pub(crate) fn open_manifest(
    envelope: &WireEnvelope<'_>,
    trust: &Trust,
    limits: &Limits,
    reasons: &mut Reasons,
) -> Result<Claims, &'static str> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Payload {
        bundle_id: String,
        collector: String,
        event_count: u64,
        time_from: String,
        time_to: String,
        merkle_root: String,
        statements_root: String,
        issued_at: String,
    }
    let Trust {
        keys,
        bindings,
        revocations,
        ..
    } = trust;
    if envelope.payload_type != MANIFEST_TYPE {
        reasons.tamper("envelope.wrong_payload_type");
        return Err("manifest.unreadable");
    }
    // As for events: the keys the keyids name, then the keys a trusted root certified.
    let named = |k: &PublicKey| {
        let id = keyid(k);
        envelope
            .signatures
            .iter()
            .any(|s| s.keyid.as_deref() == Some(id.as_str()))
    };
    let certified = |k: &PublicKey| bindings.iter().any(|b| b.key == *k);
    let Some((verified, key)) = keys
        .iter()
        .filter(|k| named(k))
        .chain(keys.iter().filter(|k| !named(k) && certified(k)))
        .find_map(|k| dsse::check(envelope, Some(k)).ok().map(|v| (v, *k)))
    else {
        // A keyid naming a bound key whose signature fails means altered bytes; a
        // signature by no bound key can only be said to be uncertified.
        let hint_known = envelope.signatures.iter().any(|s| {
            keys.iter()
                .any(|k| s.keyid.as_deref() == Some(keyid(k).as_str()))
        });
        return Err(if hint_known {
            reasons.tamper("manifest.signature_invalid");
            "manifest.signature_invalid"
        } else {
            reasons.distrust("trust.manifest_not_certified");
            "trust.manifest_not_certified"
        });
    };
    if verified.payload().len() > limits.max_payload_bytes {
        reasons.unreadable("payload.too_large");
        return Err("payload.too_large");
    }
    let payload = json::has_shape(verified.payload(), &FLAT)
        .then(|| json::parse(verified.payload(), limits.max_depth).ok())
        .flatten()
        .and_then(|v| serde_json::from_value::<Payload>(v).ok());
    let Some(m) = payload else {
        reasons.unreadable("manifest.malformed");
        return Err("manifest.malformed");
    };
    let (Some(issued), Some(from), Some(to)) = (
        parse_time(&m.issued_at),
        parse_time(&m.time_from),
        parse_time(&m.time_to),
    ) else {
        reasons.unreadable("manifest.malformed");
        return Err("manifest.malformed");
    };
    if trust_check(&key, &m.collector, issued, bindings, revocations) != Check::Pass {
        reasons.distrust("trust.manifest_not_certified");
    }
    Ok(Claims {
        bundle_id: m.bundle_id,
        event_count: m.event_count,
        time_from: m.time_from,
        time_to: m.time_to,
        from,
        to,
        merkle_root: m.merkle_root,
        statements_root: m.statements_root,
    })
}

/// Section 11.6 step 7: the bindings and revocations the collector assembled, in
/// order. Removing a revocation (or adding a statement) after the manifest was
/// signed is tampering.
pub(crate) fn check_statements(
    bindings: &[WireEnvelope<'_>],
    revocations: &[WireEnvelope<'_>],
    claims: &Claims,
    reasons: &mut Reasons,
) {
    let statements: Vec<merkle::Hash> = bindings
        .iter()
        .chain(revocations)
        .map(|e| merkle::leaf_hash(&envelope_digest(e)))
        .collect();
    if hex::encode(merkle::root(&statements)) != claims.statements_root.to_ascii_lowercase() {
        reasons.tamper("manifest.statements_mismatch");
    }
}

/// Section 11.6 step 9: every event time read lies within the manifest's range.
pub(crate) fn check_times(times: &[Option<DateTime<Utc>>], claims: &Claims, reasons: &mut Reasons) {
    if times
        .iter()
        .flatten()
        .any(|t| *t < claims.from || *t > claims.to)
    {
        reasons.tamper("manifest.time_range_mismatch");
    }
}

/// Section 11.6 over a whole bundle: the manifest read, then its event count, its
/// statements root, its Merkle root over every event and its time range.
fn check_manifest(
    wire: &WireBundle<'_>,
    trust: &Trust,
    limits: &Limits,
    leaves: &[merkle::Hash],
    times: &[Option<DateTime<Utc>>],
    events: &mut [EventReport],
    reasons: &mut Reasons,
) -> Option<Claims> {
    let set_inclusion = |events: &mut [EventReport], check: Check| {
        for e in events.iter_mut() {
            e.inclusion = check.clone();
        }
    };
    let claims = match open_manifest(&wire.manifest, trust, limits, reasons) {
        Ok(claims) => claims,
        Err(code) => {
            set_inclusion(events, Check::Unknown(code));
            return None;
        }
    };
    if claims.event_count != leaves.len() as u64 {
        reasons.tamper("manifest.event_count_mismatch");
    }
    check_statements(&wire.bindings, &wire.revocations, &claims, reasons);
    if hex::encode(merkle::root(leaves)) == claims.merkle_root.to_ascii_lowercase() {
        set_inclusion(events, Check::Pass);
    } else {
        reasons.tamper("manifest.root_mismatch");
        set_inclusion(events, Check::Fail("manifest.root_mismatch"));
    }
    check_times(times, &claims, reasons);
    Some(claims)
}

/// The keyid Custody's producers write for a key: its first 16 hex digits.
pub fn keyid(key: &PublicKey) -> String {
    key.to_hex().chars().take(16).collect()
}

/// One sentence a reviewer reads for a reason code (see `docs/bundle-format.md`), from
/// [`crate::reason::ALL`].
pub fn explain(code: &str) -> &'static str {
    crate::reason::find(code).map_or("An unrecognised reason.", |r| r.meaning)
}

/// SHA-256 of an envelope's signed bytes (its PAE); for a payload that is not base64,
/// of the payload text, so that every envelope has a digest.
pub(crate) fn envelope_digest(envelope: &WireEnvelope<'_>) -> merkle::Hash {
    match crate::b64::decode(&envelope.payload) {
        Some(payload) => Sha256::digest(dsse::pae(&envelope.payload_type, &payload)).into(),
        None => Sha256::digest(envelope.payload.as_bytes()).into(),
    }
}
