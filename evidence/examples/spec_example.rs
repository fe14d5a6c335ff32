//! Prints the worked example of `docs/bundle-format.md`: `cargo run -p evidence --example
//! spec_example`. Fixed seeds and ed25519's determinism make every byte stable, and
//! `evidence/tests/spec_doc.rs` checks that the document shows exactly this output.

use std::fmt::Write as _;

use base64::Engine as _;
use evidence::bundle::{keyid, EVENT_TYPE};
use evidence::dsse::pae;
use evidence::event::hash_of;
use evidence::merkle;
use evidence::producer::{BundleBuilder, Signer};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// Seed of the organisation root key.
pub const ROOT_SEED: [u8; 32] = [1; 32];
/// Seed of the emitter's key.
pub const EMITTER_SEED: [u8; 32] = [2; 32];
/// Seed of the collector's key.
pub const COLLECTOR_SEED: [u8; 32] = [3; 32];

const EMITTER: &str = "spiffe://example.org/agent/deploy-bot";
const COLLECTOR: &str = "spiffe://example.org/collector";

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The example bundle's JSON, as `BundleBuilder::finish` writes it.
pub fn bundle() -> String {
    let root = Signer::from_seed(ROOT_SEED);
    let emitter = Signer::from_seed(EMITTER_SEED);
    let collector = Signer::from_seed(COLLECTOR_SEED);

    let mut b = BundleBuilder::new();
    for (signer, subject) in [(&emitter, EMITTER), (&collector, COLLECTOR)] {
        b.bind(
            &root,
            &signer.public_key(),
            subject,
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
    }
    let arguments = json!(["apply", "-f", "web.yaml"]);
    b.event(
        &emitter,
        EMITTER,
        "2026-11-20T10:00:00Z",
        object(json!({
            "kind": "tool.call",
            "id": "evt-1",
            "actor": { "type": "agent", "id": EMITTER },
            "tool": {
                "name": "kubectl",
                "argumentsHash": hash_of(arguments.to_string().as_bytes()),
                "arguments": arguments,
            },
        })),
    );
    b.event(
        &emitter,
        EMITTER,
        "2026-11-20T10:00:01Z",
        object(json!({
            "kind": "side_effect",
            "id": "evt-2",
            "parent": "evt-1",
            "actor": { "type": "agent", "id": EMITTER },
            "change": {
                "resource": "k8s://prod/deployments/web",
                "operation": "update",
                "outcome": "success",
            },
        })),
    );
    b.finish(&collector, COLLECTOR, "bundle-1", "2026-11-20T10:01:00Z")
}

fn decode(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("the builder writes standard base64")
}

/// The example bundle, pretty-printed as the document shows it (white space outside the
/// base64 strings does not change what is signed).
pub fn bundle_pretty() -> String {
    let bundle: Value = serde_json::from_str(&bundle()).expect("the builder writes JSON");
    serde_json::to_string_pretty(&bundle).unwrap_or_default()
}

/// Everything the worked example shows about the bundle, as text.
pub fn explanation() -> String {
    let bundle_text = bundle();
    let bundle: Value = serde_json::from_str(&bundle_text).expect("the builder writes JSON");
    let mut out = String::new();

    let _ = writeln!(
        out,
        "# Keys (ed25519 public keys, hex; keyid = first 16 hex digits)"
    );
    for (name, seed) in [
        ("root", ROOT_SEED),
        ("emitter", EMITTER_SEED),
        ("collector", COLLECTOR_SEED),
    ] {
        let key = Signer::from_seed(seed).public_key();
        let _ = writeln!(out, "{name:<9} seed [{}; 32]", seed[0]);
        let _ = writeln!(out, "          public key {}", key.to_hex());
        let _ = writeln!(out, "          keyid      {}", keyid(&key));
    }

    for (section, field) in [("Binding", "bindings"), ("Manifest", "manifest")] {
        let envelopes = match &bundle[field] {
            Value::Array(items) => items.clone(),
            one => vec![one.clone()],
        };
        for (i, envelope) in envelopes.iter().enumerate() {
            let payload = decode(envelope["payload"].as_str().unwrap_or_default());
            let _ = writeln!(
                out,
                "\n# {section} {i} payload ({})",
                envelope["payloadType"]
            );
            let _ = writeln!(out, "{}", String::from_utf8_lossy(&payload));
        }
    }

    let mut digests = Vec::new();
    for (i, envelope) in bundle["events"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let payload = decode(envelope["payload"].as_str().unwrap_or_default());
        let signed = pae(EVENT_TYPE, &payload);
        let digest: merkle::Hash = Sha256::digest(&signed).into();
        digests.push(digest);
        let _ = writeln!(out, "\n# Event {i}");
        let _ = writeln!(out, "payload ({} bytes):", payload.len());
        let _ = writeln!(out, "{}", String::from_utf8_lossy(&payload));
        let _ = writeln!(out, "PAE ({} bytes):", signed.len());
        let _ = writeln!(out, "{}", String::from_utf8_lossy(&signed));
        let _ = writeln!(out, "digest = SHA-256(PAE):");
        let _ = writeln!(out, "{}", hex::encode(digest));
        let _ = writeln!(out, "signature (base64):");
        let _ = writeln!(
            out,
            "{}",
            envelope["signatures"][0]["sig"]
                .as_str()
                .unwrap_or_default()
        );
    }

    let leaves: Vec<merkle::Hash> = digests.iter().map(|d| merkle::leaf_hash(d)).collect();
    let _ = writeln!(out, "\n# Merkle tree");
    for (i, leaf) in leaves.iter().enumerate() {
        let _ = writeln!(
            out,
            "leaf {i} = SHA-256(0x00 || digest {i}) = {}",
            hex::encode(leaf)
        );
    }
    let _ = writeln!(
        out,
        "root   = SHA-256(0x01 || leaf 0 || leaf 1) = {}",
        hex::encode(merkle::root(&leaves))
    );
    for i in 0..leaves.len() {
        let proof = merkle::inclusion_proof(&leaves, i).unwrap_or_default();
        let proof: Vec<String> = proof.iter().map(hex::encode).collect();
        let _ = writeln!(
            out,
            "inclusion proof of leaf {i} (tree size {}): [{}]",
            leaves.len(),
            proof.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\nThe bundle is {} bytes as BundleBuilder::finish writes it (one line).",
        bundle_text.len()
    );
    out
}

fn main() {
    print!("{}", explanation());
    println!("\n# Bundle (pretty-printed)");
    println!("{}", bundle_pretty());
}
