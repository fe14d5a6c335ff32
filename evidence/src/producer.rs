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

    /// A DSSE envelope over `payload`, with this key's keyid.
    fn envelope(&self, payload_type: &str, payload: &[u8]) -> WireEnvelope {
        let sig = self.sign(&pae(payload_type, payload));
        WireEnvelope {
            payload_type: payload_type.to_owned(),
            payload: b64::encode(payload),
            signatures: vec![WireSignature {
                keyid: Some(keyid(&self.public_key())),
                sig: b64::encode(&sig),
            }],
        }
    }
}

/// Builds a bundle, event by event.
#[derive(Default)]
pub struct BundleBuilder {
    bindings: Vec<WireEnvelope>,
    revocations: Vec<WireEnvelope>,
    events: Vec<WireEnvelope>,
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
        let payload = json!({ "key": key.to_hex(), "subject": subject, "notBefore": not_before, "notAfter": not_after });
        self.bindings
            .push(root.envelope(BINDING_TYPE, payload.to_string().as_bytes()));
        self
    }

    /// Adds a revocation of `key` from `revoked_at`, signed by `root`.
    pub fn revoke(&mut self, root: &Signer, key: &PublicKey, revoked_at: &str) -> &mut Self {
        let payload = json!({ "key": key.to_hex(), "revokedAt": revoked_at });
        self.revocations
            .push(root.envelope(REVOCATION_TYPE, payload.to_string().as_bytes()));
        self
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
            Some((seq, digest)) => (seq + 1, Value::String(digest.clone())),
            None => (0, Value::Null),
        };
        let mut payload = body;
        payload.insert("emitter".into(), emitter.into());
        payload.insert("seq".into(), seq.into());
        payload.insert("prev".into(), prev);
        payload.insert("time".into(), time.into());
        let bytes = Value::Object(payload).to_string().into_bytes();
        let digest: merkle::Hash = Sha256::digest(pae(EVENT_TYPE, &bytes)).into();
        let hex_digest = hex::encode(digest);
        self.chains
            .insert(emitter.to_owned(), (seq, hex_digest.clone()));
        self.events.push(signer.envelope(EVENT_TYPE, &bytes));
        self.digests.push(digest);
        self.times.push(time.to_owned());
        hex_digest
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
        let from = self
            .times
            .iter()
            .min()
            .cloned()
            .unwrap_or_else(|| issued_at.to_owned());
        let to = self
            .times
            .iter()
            .max()
            .cloned()
            .unwrap_or_else(|| issued_at.to_owned());
        let manifest = json!({
            "bundleId": bundle_id,
            "collector": collector_id,
            "eventCount": self.events.len(),
            "timeFrom": from,
            "timeTo": to,
            "merkleRoot": hex::encode(merkle::root(&leaves)),
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
