//! The answers docs/bundle-format.md gives to the questions an independent
//! implementation asked (numbers, `-0`, the version's range, a byte order mark,
//! keyids, emitter IDs compared as bytes), and every non-canonical point encoding
//! refused wherever a key or a signature's R is read. Each test names its section.

use evidence::bundle::{self, Check, Limits, Malformed, Status};
use evidence::keys::PublicKey;
use evidence::producer::{BundleBuilder, Signer};
use serde_json::{json, Map, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const FROM: &str = "2026-01-01T00:00:00Z";
const TO: &str = "2027-01-01T00:00:00Z";
const AGENT: &str = "spiffe://spec.example/agent";
const COLLECTOR: &str = "spiffe://spec.example/collector";

fn root() -> Signer {
    Signer::from_seed([61; 32])
}
fn agent() -> Signer {
    Signer::from_seed([62; 32])
}
fn collector() -> Signer {
    Signer::from_seed([63; 32])
}

fn bound() -> BundleBuilder {
    let mut b = BundleBuilder::new();
    b.bind(&root(), &agent().public_key(), AGENT, FROM, TO);
    b.bind(&root(), &collector().public_key(), COLLECTOR, FROM, TO);
    b
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn system_event(id: &str, ext: Value) -> Map<String, Value> {
    object(json!({
        "kind": "system", "id": id,
        "actor": { "type": "system", "id": AGENT },
        "ext": ext,
    }))
}

/// A clean bundle of one event.
fn one_event() -> String {
    let mut b = bound();
    b.event(
        &agent(),
        AGENT,
        "2026-11-20T10:00:00Z",
        system_event("e0", json!({})),
    );
    finish(&b)
}

fn finish(b: &BundleBuilder) -> String {
    b.finish(&collector(), COLLECTOR, "spec", "2026-11-21T00:00:00Z")
}

fn verify(bundle: &str) -> Result<bundle::Report, Malformed> {
    bundle::verify(
        bundle.as_bytes(),
        &[root().public_key()],
        &Limits::default(),
    )
}

/// A bundle of one event whose payload is exactly `payload` (JSON text signed as
/// written, so numbers keep their spelling). When `payload` cannot be read as JSON
/// the envelope takes the place of a clean bundle's one event after its manifest
/// is signed, so inclusion fails beside it; what matters is the event's own verdict.
fn one_raw_event(payload: &str) -> String {
    let envelope = agent().envelope_json(bundle::EVENT_TYPE, payload.as_bytes());
    let mut b = bound();
    if b.signed_event(&envelope).is_ok() {
        return finish(&b);
    }
    let mut v: Value = serde_json::from_str(&one_event()).expect("json");
    v["events"][0] = serde_json::from_str(&envelope).expect("an envelope");
    v.to_string()
}

fn raw_payload(seq: &str, ext: &str) -> String {
    format!(
        r#"{{"emitter":"{AGENT}","seq":{seq},"prev":null,"time":"2026-11-20T10:00:00Z","id":"e0","kind":"system","actor":{{"type":"system","id":"{AGENT}"}},"ext":{ext}}}"#
    )
}

/// Section 3.1: a number must be finite as an IEEE 754 double, in `ext` as anywhere.
#[test]
fn numbers_are_finite_doubles() {
    let within = verify(&one_raw_event(&raw_payload(
        "0",
        r#"{"n":1e40,"m":-1e-400}"#,
    )))
    .expect("readable");
    assert_eq!(within.status(), Status::Verified, "{:?}", within.reasons());
    let beyond = verify(&one_raw_event(&raw_payload("0", r#"{"n":1e400}"#))).expect("readable");
    assert_eq!(beyond.status(), Status::Malformed);
    assert_eq!(
        beyond.events()[0].chain,
        Check::Unknown("payload.malformed")
    );
}

/// Section 3.1: integer members are digits alone; `-0`, `1.0` and `1e0` are
/// refused, and the detail says the JSON is valid but the value does not fit.
#[test]
fn integer_members_are_digits_alone() {
    for seq in ["-0", "0.0", "0e0", "-1"] {
        let report = verify(&one_raw_event(&raw_payload(seq, "{}"))).expect("readable");
        assert_eq!(report.status(), Status::Malformed, "seq {seq}");
        let detail = report.events()[0].detail.clone().unwrap_or_default();
        assert!(detail.starts_with("valid JSON, but"), "seq {seq}: {detail}");
    }
    let zero = verify(&one_raw_event(&raw_payload("0", "{}"))).expect("readable");
    assert_eq!(zero.status(), Status::Verified);
}

/// Sections 4 and 11.1: `custodyBundle` is an integer from 0 to 2^64-1; another
/// such value is a version this verifier does not know, beyond it the bundle is
/// malformed, as is any other spelling.
#[test]
fn the_version_is_an_unsigned_64_bit_integer() {
    let clean = finish(&bound());
    let with_version =
        |v: &str| clean.replacen("\"custodyBundle\":1", &format!("\"custodyBundle\":{v}"), 1);
    assert!(clean.contains("\"custodyBundle\":1"));
    for unknown in ["0", "2", "18446744073709551615"] {
        assert!(
            matches!(verify(&with_version(unknown)), Err(Malformed::Version(_))),
            "{unknown}"
        );
    }
    for malformed in [
        "18446744073709551616",
        "-1",
        "-0",
        "1.0",
        "1e0",
        "\"1\"",
        "null",
    ] {
        assert!(
            matches!(
                verify(&with_version(malformed)),
                Err(Malformed::Structure(_))
            ),
            "{malformed}"
        );
    }
}

/// Section 3.1: a byte order mark is refused, with a detail that says so.
#[test]
fn a_byte_order_mark_is_refused() {
    let clean = finish(&bound());
    let with_bom = format!("\u{feff}{clean}");
    match verify(&with_bom) {
        Err(Malformed::Structure(why)) => assert!(why.contains("byte order mark"), "{why}"),
        other => panic!("{:?}", other.map(|r| r.status())),
    }
    // Nor is a member given twice, one spelling escaped, called anything but that.
    let twice = clean.replacen(
        "\"custodyBundle\":1",
        "\"custodyBundle\":1,\"\\u0063ustodyBundle\":1",
        1,
    );
    assert_ne!(twice, clean);
    match verify(&twice) {
        Err(Malformed::Structure(why)) => assert!(why.contains("duplicate"), "{why}"),
        other => panic!("{:?}", other.map(|r| r.status())),
    }
    let payload = format!("\u{feff}{}", raw_payload("0", "{}"));
    let report = verify(&one_raw_event(&payload)).expect("readable");
    assert_eq!(report.status(), Status::Malformed);
}

/// Sections 5.3 and 10.3: a keyid compares as a string. An empty, upper-case or
/// unknown one names no key: the signature is found by the search, and the event
/// gets the warning `signature.keyid_mismatch`; an absent one gets none. A manifest
/// keyid naming another key is no warning.
#[test]
fn a_keyid_naming_no_key_is_an_ordinary_hint() {
    let clean = one_event();
    let own = evidence::bundle::keyid(&agent().public_key());
    for keyid in [
        String::new(),
        own.to_uppercase(),
        "0000000000000000".to_owned(),
    ] {
        let mut v: Value = serde_json::from_str(&clean).expect("json");
        v["events"][0]["signatures"][0]["keyid"] = Value::String(keyid.clone());
        let report = verify(&v.to_string()).expect("readable");
        assert_eq!(
            report.status(),
            Status::VerifiedWithWarnings,
            "keyid {keyid:?}"
        );
        assert_eq!(
            report.reasons(),
            ["signature.keyid_mismatch"],
            "keyid {keyid:?}"
        );
    }
    let mut v: Value = serde_json::from_str(&clean).expect("json");
    v["events"][0]["signatures"][0]
        .as_object_mut()
        .expect("a signature")
        .remove("keyid");
    let report = verify(&v.to_string()).expect("readable");
    assert_eq!(report.status(), Status::Verified, "{:?}", report.reasons());
    let mut v: Value = serde_json::from_str(&clean).expect("json");
    v["manifest"]["signatures"][0]["keyid"] = Value::String(own);
    let report = verify(&v.to_string()).expect("readable");
    assert_eq!(report.status(), Status::Verified, "{:?}", report.reasons());
}

/// Sections 7.1 and 8: emitter IDs compare as bytes: `é` written composed (NFC) and
/// decomposed (NFD) are two emitters, each with its own chain and its own binding.
#[test]
fn emitter_ids_compare_as_bytes() {
    let nfc = "spiffe://spec.example/caf\u{e9}";
    let nfd = "spiffe://spec.example/cafe\u{301}";
    let other = Signer::from_seed([64; 32]);
    let mut b = BundleBuilder::new();
    b.bind(&root(), &agent().public_key(), nfc, FROM, TO);
    b.bind(&root(), &other.public_key(), nfd, FROM, TO);
    b.bind(&root(), &collector().public_key(), COLLECTOR, FROM, TO);
    // Each starts its own chain at seq 0.
    b.event(
        &agent(),
        nfc,
        "2026-11-20T10:00:00Z",
        system_event("e0", json!({})),
    );
    b.event(
        &other,
        nfd,
        "2026-11-20T10:00:01Z",
        system_event("e1", json!({})),
    );
    let report = verify(&finish(&b)).expect("readable");
    assert_eq!(report.status(), Status::Verified, "{:?}", report.reasons());
    // A key bound to one spelling does not sign for the other.
    let mut b = BundleBuilder::new();
    b.bind(&root(), &agent().public_key(), nfc, FROM, TO);
    b.bind(&root(), &collector().public_key(), COLLECTOR, FROM, TO);
    b.event(
        &agent(),
        nfd,
        "2026-11-20T10:00:00Z",
        system_event("e0", json!({})),
    );
    let report = verify(&finish(&b)).expect("readable");
    assert_eq!(report.status(), Status::Untrusted, "{:?}", report.reasons());
}

/// p = 2^255 - 19, little-endian, with `k` added and the sign bit set or not.
fn y_at_least_p(k: u8, sign: bool) -> [u8; 32] {
    let mut bytes = [0xffu8; 32];
    bytes[0] = 0xed + k;
    bytes[31] = if sign { 0xff } else { 0x7f };
    bytes
}

/// Every encoding RFC 8032 section 5.1.3 refuses: the 19 values of y from p to
/// 2^255 - 1, each with either sign bit, and the two points with x = 0 (y = 1 and
/// y = p - 1) with the sign bit set.
fn non_canonical() -> Vec<[u8; 32]> {
    let mut all = Vec::new();
    for k in 0..19 {
        for sign in [false, true] {
            all.push(y_at_least_p(k, sign));
        }
    }
    let mut one = [0u8; 32];
    one[0] = 1;
    one[31] = 0x80;
    all.push(one);
    let mut minus_one = y_at_least_p(0, true);
    minus_one[0] = 0xec;
    all.push(minus_one);
    all
}

/// Section 3.6: no non-canonical encoding is a key, as a root, as a bound key, or as
/// a signature's R.
#[test]
fn no_non_canonical_encoding_is_a_key_or_an_r() {
    let encodings = non_canonical();
    assert_eq!(encodings.len(), 40);
    for bytes in &encodings {
        let hex = hex::encode(bytes);
        // A root key.
        assert!(PublicKey::from_slice(bytes).is_err(), "root {hex}");
        assert!(PublicKey::from_text(&hex).is_err(), "root {hex}");
    }
    // A bound key: the binding that certifies it is malformed.
    for bytes in &encodings {
        let mut b = bound();
        let statement = json!({
            "key": hex::encode(bytes),
            "subject": "spiffe://spec.example/bad",
            "notBefore": FROM, "notAfter": TO,
        });
        b.statement(&root().envelope_json(bundle::BINDING_TYPE, statement.to_string().as_bytes()))
            .expect("a statement");
        b.event(
            &agent(),
            AGENT,
            "2026-11-20T10:00:00Z",
            system_event("e0", json!({})),
        );
        let report = verify(&finish(&b)).expect("readable");
        assert!(
            report.reasons().contains(&"binding.malformed"),
            "{}: {:?}",
            hex::encode(bytes),
            report.reasons()
        );
    }
    // A signature's R: an event signed with R replaced fails its integrity check.
    let clean = one_event();
    for bytes in &encodings {
        let mut v: Value = serde_json::from_str(&clean).expect("json");
        let sig = v["events"][0]["signatures"][0]["sig"]
            .as_str()
            .and_then(|s| base64::Engine::decode(&B64, s).ok())
            .expect("a signature");
        let mut forged = bytes.to_vec();
        forged.extend_from_slice(&sig[32..]);
        v["events"][0]["signatures"][0]["sig"] =
            Value::String(base64::Engine::encode(&B64, &forged));
        let report = verify(&v.to_string()).expect("readable");
        assert!(
            matches!(report.events()[0].integrity, Check::Fail(_)),
            "R {}",
            hex::encode(bytes)
        );
    }
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    /// `name` with each character written as a `\u` escape where `escape` says so,
    /// in lower- or upper-case hex.
    fn spelled(name: &str, escape: &[bool], upper: bool) -> String {
        name.chars()
            .zip(escape.iter().chain(std::iter::repeat(&false)))
            .map(|(c, e)| {
                if *e {
                    let hex = format!("\\u{:04x}", u32::from(c));
                    if upper {
                        hex.to_uppercase().replacen("\\U", "\\u", 1)
                    } else {
                        hex
                    }
                } else {
                    c.to_string()
                }
            })
            .collect()
    }

    const NAMES: [&str; 8] = [
        "events",
        "bindings",
        "signatures",
        "onBehalfOf",
        "scope",
        "ext",
        "kind",
        "other",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Any 32 bytes are a key exactly when they are the canonical encoding of a
        /// curve point (RFC 8032 section 5.1.3).
        #[test]
        fn a_key_is_exactly_a_canonical_point(bytes in proptest::array::uniform32(any::<u8>()), top in any::<bool>()) {
            // Half the cases near p, where the non-canonical encodings are.
            let mut bytes = bytes;
            if top {
                bytes[1..31].fill(0xff);
            }
            let canonical = curve25519_dalek::edwards::CompressedEdwardsY(bytes)
                .decompress()
                .is_some_and(|p| p.compress().to_bytes() == bytes);
            prop_assert_eq!(PublicKey::from_slice(&bytes).is_ok(), canonical);
        }

        /// A member name means the same however it is spelled with escapes: an
        /// array under it is allowed or refused alike.
        #[test]
        fn member_names_compare_after_unescaping(
            outer in 0..NAMES.len(),
            inner in 0..NAMES.len(),
            escape in proptest::collection::vec(any::<bool>(), 12),
            upper in any::<bool>(),
        ) {
            let shape = evidence::json::Shape {
                arrays: &["events", "bindings", "signatures", "onBehalfOf", "scope"],
                free: &["ext"],
            };
            let doc = |a: &str, b: &str| format!(r#"{{"{a}": [{{"{b}": [1]}}], "x": 1}}"#);
            let plain = doc(NAMES[outer], NAMES[inner]);
            let escaped = doc(
                &spelled(NAMES[outer], &escape, upper),
                &spelled(NAMES[inner], &escape[6..], upper),
            );
            prop_assert_eq!(
                evidence::json::has_shape(escaped.as_bytes(), &shape),
                evidence::json::has_shape(plain.as_bytes(), &shape),
                "{} / {}", plain, escaped
            );
        }
    }
}
