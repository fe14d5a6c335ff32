//! Signing helpers for tests in this crate and in the server and app crates, so no
//! test copies signing code. Enabled by the `test-helpers` feature; never in a build
//! that ships.

use ed25519_dalek::{Signer as _, SigningKey};

use crate::b64;
use crate::dsse::pae;
use crate::keys::PublicKey;

/// A deterministic ed25519 key for tests.
pub struct TestSigner {
    key: SigningKey,
}

impl TestSigner {
    /// The key whose 32-byte seed is `seed` repeated.
    pub fn from_seed(seed: u8) -> Self {
        TestSigner {
            key: SigningKey::from_bytes(&[seed; 32]),
        }
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from(self.key.verifying_key())
    }

    /// A keyid hint for this key: the first 16 hex digits of the public key.
    pub fn keyid(&self) -> String {
        self.public_key().to_hex().chars().take(16).collect()
    }

    /// Signs `message` as is.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.key.sign(message).to_bytes().to_vec()
    }

    /// A DSSE envelope (JSON text) over `payload`, signed by this key.
    pub fn envelope(&self, payload_type: &str, payload: &[u8]) -> String {
        let sig = b64::encode(&self.sign(&pae(payload_type, payload)));
        envelope_json(
            payload_type,
            &b64::encode(payload),
            &[(Some(self.keyid()), sig)],
        )
    }
}

/// An envelope's JSON from already-encoded parts: for building malformed envelopes.
pub fn envelope_json(
    payload_type: &str,
    payload_b64: &str,
    signatures: &[(Option<String>, String)],
) -> String {
    let signatures: Vec<serde_json::Value> = signatures
        .iter()
        .map(|(keyid, sig)| match keyid {
            Some(keyid) => serde_json::json!({ "keyid": keyid, "sig": sig }),
            None => serde_json::json!({ "sig": sig }),
        })
        .collect();
    serde_json::json!({
        "payloadType": payload_type,
        "payload": payload_b64,
        "signatures": signatures,
    })
    .to_string()
}
