//! What the property tests share: the keys (a [`World`]), verifying, the valid
//! bundles they generate ([`Shape`], [`build`]), a bundle's envelopes, and base64 as
//! the verifier reads it.

use std::sync::OnceLock;

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use evidence::bundle::{self, Limits, Report, Status};
use evidence::producer::{BundleBuilder, Signer};
use proptest::prelude::*;
use serde_json::{json, Value};

pub const EMITTERS: [&str; 3] = [
    "spiffe://acme.example/gateway",
    "spiffe://acme.example/agent/deploy-bot",
    "spiffe://acme.example/tool/kubectl",
];
pub const COLLECTOR: &str = "spiffe://acme.example/collector";
pub const RETIRED: &str = "spiffe://acme.example/retired";
pub const NOT_BEFORE: &str = "2026-01-01T00:00:00Z";
pub const NOT_AFTER: &str = "2027-01-01T00:00:00Z";
pub const ISSUED_AT: &str = "2026-11-20T11:00:00Z";

pub struct World {
    pub root: Signer,
    pub emitters: Vec<Signer>,
    pub collector: Signer,
    /// Bound, then revoked; signs no event.
    pub retired: Signer,
    /// Bound by nobody.
    pub stranger: Signer,
}

pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| World {
        root: Signer::from_seed([1; 32]),
        emitters: (0..EMITTERS.len() as u8)
            .map(|i| Signer::from_seed([10 + i; 32]))
            .collect(),
        collector: Signer::from_seed([4; 32]),
        retired: Signer::from_seed([5; 32]),
        stranger: Signer::from_seed([6; 32]),
    })
}

/// Every signer, for the structured inputs: root, emitters, collector, retired, stranger.
pub fn signers() -> Vec<&'static Signer> {
    let w = world();
    let mut all = vec![&w.root];
    all.extend(w.emitters.iter());
    all.extend([&w.collector, &w.retired, &w.stranger]);
    all
}

pub fn verify(bytes: &[u8]) -> Result<Report, bundle::Malformed> {
    bundle::verify(bytes, &[world().root.public_key()], &Limits::default())
}

pub fn verified(status: Status) -> bool {
    matches!(status, Status::Verified | Status::VerifiedWithWarnings)
}

pub fn assert_not_verified(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(report) = verify(bytes) {
        prop_assert!(
            !verified(report.status()),
            "a tampered bundle verified: {:?} {:?}",
            report.status(),
            report.reasons()
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Valid bundles.

#[derive(Clone, Copy, Debug)]
pub enum Revocation {
    None,
    /// A bound key that signs nothing is revoked.
    Unrelated,
    /// The first emitter's key is revoked, from after its last event.
    AfterTheEvents,
}

#[derive(Clone, Debug)]
pub struct Shape {
    /// The emitter of each event, by index into `EMITTERS`.
    pub emitters: Vec<usize>,
    pub revocation: Revocation,
    /// Tells bundles apart: it is in every event and in the bundle ID.
    pub salt: u32,
}

pub fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::collection::vec(0..EMITTERS.len(), 6..=12),
        prop_oneof![
            Just(Revocation::None),
            Just(Revocation::Unrelated),
            Just(Revocation::AfterTheEvents),
        ],
        any::<u32>(),
    )
        .prop_map(|(emitters, revocation, salt)| Shape {
            emitters,
            revocation,
            salt,
        })
}

pub fn build(shape: &Shape) -> String {
    let w = world();
    let mut b = BundleBuilder::new();
    for (signer, subject) in w
        .emitters
        .iter()
        .zip(EMITTERS)
        .chain([(&w.collector, COLLECTOR)])
    {
        b.bind(
            &w.root,
            &signer.public_key(),
            subject,
            NOT_BEFORE,
            NOT_AFTER,
        );
    }
    match shape.revocation {
        Revocation::None => {}
        Revocation::Unrelated => {
            let key = w.retired.public_key();
            b.bind(&w.root, &key, RETIRED, NOT_BEFORE, NOT_AFTER);
            b.revoke(&w.root, &key, "2026-06-01T00:00:00Z");
        }
        Revocation::AfterTheEvents => {
            b.revoke(&w.root, &w.emitters[0].public_key(), "2026-11-20T12:00:00Z");
        }
    }
    for (i, &e) in shape.emitters.iter().enumerate() {
        let Value::Object(body) = json!({
            "kind": if i % 2 == 0 { "system" } else { "request" },
            "id": format!("evt-{}-{i}", shape.salt),
            "actor": { "type": "system", "id": EMITTERS[e] },
            "ext": { "salt": shape.salt, "n": i },
        }) else {
            unreachable!()
        };
        let time = format!("2026-11-20T10:00:{i:02}Z");
        b.event(&w.emitters[e], EMITTERS[e], &time, body);
    }
    let id = format!("bundle-{}", shape.salt);
    b.finish(&w.collector, COLLECTOR, &id, ISSUED_AT)
}
/// Every envelope of a bundle (manifest, bindings, revocations, then events, unless
/// `with_events` is false), whatever else it holds.
pub fn envelopes(v: &mut Value, with_events: bool) -> Vec<&mut Value> {
    let mut statements = Vec::new();
    let mut events = Vec::new();
    if let Value::Object(m) = v {
        for (key, value) in m.iter_mut() {
            match (key.as_str(), value) {
                ("manifest", env) => statements.insert(0, env),
                ("bindings" | "revocations", Value::Array(a)) => statements.extend(a.iter_mut()),
                ("events", Value::Array(a)) if with_events => events.extend(a.iter_mut()),
                _ => {}
            }
        }
    }
    statements.extend(events);
    statements
}

pub const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(false);

/// Base64 as the verifier reads it: either alphabet, padded or not.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let url_safe = text.bytes().any(|b| b == b'-' || b == b'_');
    let alphabet = if url_safe {
        &alphabet::URL_SAFE
    } else {
        &alphabet::STANDARD
    };
    GeneralPurpose::new(alphabet, LENIENT).decode(text).ok()
}
