//! Making bundles: what an emitter, an organisation root and a collector do.
//!
//! A [`Signer`] holds an ed25519 secret key. A [`BundleBuilder`] numbers and chains
//! each emitter's events, collects key bindings and revocations signed by a root,
//! and [`BundleBuilder::finish`] signs the manifest over the Merkle root.

use std::collections::HashMap;

use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::b64;
use crate::bundle::{keyid, BINDING_TYPE, EVENT_TYPE, MANIFEST_TYPE, REVOCATION_TYPE};
use crate::dsse::{pae, WireEnvelope, WireSignature};
use crate::keys::PublicKey;
use crate::merkle;

/// An ed25519 signing key.
pub struct Signer {
    key: SigningKey,
}

impl Signer {
    /// The key with this 32-byte secret seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Signer {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from(self.key.verifying_key())
    }

    /// The ed25519 signature over `message` exactly as given.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    /// A standalone DSSE envelope (JSON text) over `payload`, with this key's keyid.
    pub fn envelope_json(&self, payload_type: &str, payload: &[u8]) -> String {
        serde_json::to_string(&self.envelope(payload_type, payload)).unwrap_or_default()
    }

    /// A binding (JSON text), signed by this key as an organisation root, certifying
    /// `key` for `subject` from `not_before` until `not_after` (RFC 3339, UTC).
    pub fn binding(
        &self,
        key: &PublicKey,
        subject: &str,
        not_before: &str,
        not_after: &str,
    ) -> String {
        serde_json::to_string(&self.binding_envelope(key, subject, not_before, not_after))
            .unwrap_or_default()
    }

    /// A revocation (JSON text) of `key` from `revoked_at`, signed by this key as a root.
    pub fn revocation(&self, key: &PublicKey, revoked_at: &str) -> String {
        serde_json::to_string(&self.revocation_envelope(key, revoked_at)).unwrap_or_default()
    }

    fn binding_envelope(
        &self,
        key: &PublicKey,
        subject: &str,
        not_before: &str,
        not_after: &str,
    ) -> WireEnvelope<'static> {
        let payload = json!({ "key": key.to_hex(), "subject": subject, "notBefore": not_before, "notAfter": not_after });
        self.envelope(BINDING_TYPE, payload.to_string().as_bytes())
    }

    fn revocation_envelope(&self, key: &PublicKey, revoked_at: &str) -> WireEnvelope<'static> {
        let payload = json!({ "key": key.to_hex(), "revokedAt": revoked_at });
        self.envelope(REVOCATION_TYPE, payload.to_string().as_bytes())
    }

    /// A DSSE envelope over `payload`, with this key's keyid.
    fn envelope(&self, payload_type: &str, payload: &[u8]) -> WireEnvelope<'static> {
        let sig = self.sign(&pae(payload_type, payload));
        WireEnvelope {
            payload_type: payload_type.to_owned().into(),
            payload: b64::encode(payload).into(),
            signatures: vec![WireSignature {
                keyid: Some(keyid(&self.public_key()).into()),
                sig: b64::encode(&sig).into(),
            }],
        }
    }
}

/// Builds a bundle, event by event.
#[derive(Default)]
pub struct BundleBuilder {
    bindings: Vec<WireEnvelope<'static>>,
    revocations: Vec<WireEnvelope<'static>>,
    events: Vec<WireEnvelope<'static>>,
    digests: Vec<merkle::Hash>,
    chains: HashMap<String, (u64, String)>,
    times: Vec<String>,
}

impl BundleBuilder {
    /// An empty bundle.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a binding, signed by `root`, certifying `key` for `subject` from
    /// `not_before` until `not_after` (RFC 3339, UTC).
    pub fn bind(
        &mut self,
        root: &Signer,
        key: &PublicKey,
        subject: &str,
        not_before: &str,
        not_after: &str,
    ) -> &mut Self {
        self.bindings
            .push(root.binding_envelope(key, subject, not_before, not_after));
        self
    }

    /// Adds a revocation of `key` from `revoked_at`, signed by `root`.
    pub fn revoke(&mut self, root: &Signer, key: &PublicKey, revoked_at: &str) -> &mut Self {
        self.revocations
            .push(root.revocation_envelope(key, revoked_at));
        self
    }

    /// Adds a binding or revocation made elsewhere (by [`Signer::binding`] or
    /// [`Signer::revocation`], or another producer): one DSSE envelope as JSON text.
    /// It is taken as it is; whether a trusted root signed it is for the verifier.
    pub fn statement(&mut self, envelope_json: &str) -> Result<&mut Self, String> {
        let envelope = serde_json::from_str::<WireEnvelope<'_>>(envelope_json.trim())
            .map_err(|e| format!("not a DSSE envelope: {e}"))?
            .into_owned();
        match envelope.payload_type.as_ref() {
            BINDING_TYPE => self.bindings.push(envelope),
            REVOCATION_TYPE => self.revocations.push(envelope),
            other => {
                return Err(format!(
                    "payloadType {other:?} is neither a binding ({BINDING_TYPE}) nor a revocation ({REVOCATION_TYPE})"
                ))
            }
        }
        Ok(self)
    }

    /// How many events so far.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether no event was added yet.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Adds an event emitted by `emitter` and signed by `signer` at `time`, with the
    /// fields of `body` (which must not set `emitter`, `seq`, `prev` or `time`: the
    /// builder does). Returns the event's digest (hex).
    pub fn event(
        &mut self,
        signer: &Signer,
        emitter: &str,
        time: &str,
        body: Map<String, Value>,
    ) -> String {
        let (seq, prev) = match self.chains.get(emitter) {
            Some((seq, digest)) => (seq + 1, Some(digest.as_str())),
            None => (0, None),
        };
        let (envelope, digest) = chained_envelope(signer, emitter, seq, prev, time, body);
        let hex_digest = hex::encode(digest);
        self.chains
            .insert(emitter.to_owned(), (seq, hex_digest.clone()));
        self.events.push(envelope);
        self.digests.push(digest);
        self.times.push(time.to_owned());
        hex_digest
    }

    /// Adds an event signed elsewhere (by [`sign_event`], say): one DSSE envelope as
    /// JSON text, taken exactly as it is. Returns the event's digest (hex). Refused
    /// when it is not an event envelope or its payload has no `time`.
    pub fn signed_event(&mut self, envelope_json: &str) -> Result<String, String> {
        let envelope = serde_json::from_str::<WireEnvelope<'_>>(envelope_json.trim())
            .map_err(|e| format!("not a DSSE envelope: {e}"))?
            .into_owned();
        if envelope.payload_type != EVENT_TYPE {
            return Err(format!(
                "payloadType {:?} is not an event ({EVENT_TYPE})",
                envelope.payload_type
            ));
        }
        let payload =
            b64::decode(&envelope.payload).ok_or_else(|| "the payload is not base64".to_owned())?;
        let time = serde_json::from_slice::<Value>(&payload)
            .ok()
            .and_then(|v| v.get("time").and_then(Value::as_str).map(str::to_owned))
            .ok_or_else(|| "the payload has no `time`".to_owned())?;
        let digest: merkle::Hash = Sha256::digest(pae(EVENT_TYPE, &payload)).into();
        self.events.push(envelope);
        self.digests.push(digest);
        self.times.push(time);
        Ok(hex::encode(digest))
    }

    /// The bundle's JSON, with its manifest signed by `collector` (whose key must be
    /// bound to `collector_id`) at `issued_at`.
    pub fn finish(
        &self,
        collector: &Signer,
        collector_id: &str,
        bundle_id: &str,
        issued_at: &str,
    ) -> String {
        let leaves: Vec<merkle::Hash> = self.digests.iter().map(|d| merkle::leaf_hash(d)).collect();
        let statements: Vec<merkle::Hash> = self
            .bindings
            .iter()
            .chain(&self.revocations)
            .map(|e| merkle::leaf_hash(&crate::bundle::envelope_digest(e)))
            .collect();
        // Earliest and latest as times, not as text (precision may differ).
        let by_time = |t: &&String| crate::time::parse(t);
        let from = self
            .times
            .iter()
            .min_by_key(by_time)
            .cloned()
            .unwrap_or_else(|| issued_at.to_owned());
        let to = self
            .times
            .iter()
            .max_by_key(by_time)
            .cloned()
            .unwrap_or_else(|| issued_at.to_owned());
        let manifest = json!({
            "bundleId": bundle_id,
            "collector": collector_id,
            "eventCount": self.events.len(),
            "timeFrom": from,
            "timeTo": to,
            "merkleRoot": hex::encode(merkle::root(&leaves)),
            "statementsRoot": hex::encode(merkle::root(&statements)),
            "issuedAt": issued_at,
        });
        json!({
            "custodyBundle": 1,
            "manifest": collector.envelope(MANIFEST_TYPE, manifest.to_string().as_bytes()),
            "bindings": self.bindings,
            "revocations": self.revocations,
            "events": self.events,
        })
        .to_string()
    }
}

/// Signs one event of `emitter`'s chain on its own, for a producer that appends
/// events one at a time and keeps them (a log): the payload is `body` with `emitter`,
/// `seq`, `prev` (the digest of the emitter's previous event, hex; `None` for the
/// first) and `time` set. Returns the DSSE envelope as JSON text and the event's
/// digest (hex), which the next event's `prev` names.
pub fn sign_event(
    signer: &Signer,
    emitter: &str,
    seq: u64,
    prev: Option<&str>,
    time: &str,
    body: Map<String, Value>,
) -> (String, String) {
    let (envelope, digest) = chained_envelope(signer, emitter, seq, prev, time, body);
    (
        serde_json::to_string(&envelope).unwrap_or_default(),
        hex::encode(digest),
    )
}

fn chained_envelope(
    signer: &Signer,
    emitter: &str,
    seq: u64,
    prev: Option<&str>,
    time: &str,
    body: Map<String, Value>,
) -> (WireEnvelope<'static>, merkle::Hash) {
    let mut payload = body;
    payload.insert("emitter".into(), emitter.into());
    payload.insert("seq".into(), seq.into());
    payload.insert("prev".into(), prev.map_or(Value::Null, Value::from));
    payload.insert("time".into(), time.into());
    let bytes = Value::Object(payload).to_string().into_bytes();
    let digest: merkle::Hash = Sha256::digest(pae(EVENT_TYPE, &bytes)).into();
    (signer.envelope(EVENT_TYPE, &bytes), digest)
}

/// A synthetic, cleanly signed bundle of `events` `tool.call` events from four
/// agents (one a second, so up to 950,400 events in time order), named `bundle_id`, with the root key that certifies it: what the
/// benchmarks and load tests verify and store. Keys come from fixed seeds, so the
/// same arguments give the same bytes.
pub fn synthetic(events: usize, bundle_id: &str) -> (String, PublicKey) {
    let root = Signer::from_seed([1; 32]);
    let emitters: Vec<(Signer, String)> = (0..4u8)
        .map(|i| {
            (
                Signer::from_seed([10 + i; 32]),
                format!("spiffe://bench.example/agent/{i}"),
            )
        })
        .collect();
    let collector = Signer::from_seed([2; 32]);
    let mut b = BundleBuilder::new();
    let (from, to) = ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    for (s, id) in &emitters {
        b.bind(&root, &s.public_key(), id, from, to);
    }
    b.bind(&root, &collector.public_key(), "collector", from, to);
    for i in 0..events {
        let Some((s, id)) = emitters.get(i % emitters.len()) else {
            continue;
        };
        let Value::Object(body) = json!({
            "kind": "tool.call", "id": format!("evt-{i}"),
            "actor": { "type": "agent", "id": id },
            "tool": { "name": "kubectl", "argumentsHash": crate::event::hash_of(format!("{i}").as_bytes()),
                      "arguments": ["apply", "-f", format!("cfg-{i}.yaml")] },
        }) else {
            continue;
        };
        // One event a second from 2026-11-20, over as many days as it takes.
        let day = 20 + i / 86_400;
        let time = format!(
            "2026-11-{:02}T{:02}:{:02}:{:02}Z",
            day.min(30),
            (i / 3600) % 24,
            (i / 60) % 60,
            i % 60
        );
        b.event(s, id, &time, body);
    }
    let bundle = b.finish(&collector, "collector", bundle_id, "2026-12-01T00:00:00Z");
    (bundle, root.public_key())
}
