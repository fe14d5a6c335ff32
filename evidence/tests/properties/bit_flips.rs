//! Bit flips: a bit flipped anywhere in a bundle's bytes either stops it verifying
//! or leaves it meaning exactly the same (the only such flips found change a
//! `keyid` hint).

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{json, Value};

use crate::support::*;

/// The only warning a bit flip may leave on a bundle that still verifies.
const KEYID_MISMATCH: &str = "signature.keyid_mismatch";
// ---------------------------------------------------------------------------------
// What a bundle means: its JSON with every payload and signature decoded and no
// `keyid` hints. Two bundles that mean the same must get the same verdict.

fn decoded(field: &mut Value) {
    let bytes = field.as_str().and_then(decode_base64);
    *field = match bytes {
        Some(bytes) => json!({ "decoded": hex::encode(bytes) }),
        None => json!({ "undecodable": field.take() }),
    };
}

fn meaning(bytes: &[u8]) -> Option<Value> {
    let mut v: Value = serde_json::from_slice(bytes).ok()?;
    for env in envelopes(&mut v, true) {
        if let Some(payload) = env.get_mut("payload") {
            decoded(payload);
        }
        if let Some(Value::Array(signatures)) = env.get_mut("signatures") {
            for s in signatures.iter_mut().filter_map(Value::as_object_mut) {
                s.remove("keyid");
                if let Some(sig) = s.get_mut("sig") {
                    decoded(sig);
                }
            }
        }
    }
    Some(v)
}

/// Byte offsets of a bundle outside the text of its `payload` and `sig` fields: its
/// structure, field names, payload types and keyids.
fn skeleton(bytes: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if let Some(m) = [&b"\"payload\":\""[..], b"\"sig\":\""]
            .into_iter()
            .find(|m| rest.starts_with(m))
        {
            out.extend(i..i + m.len());
            i += m.len();
            while i < bytes.len() && bytes[i] != b'"' {
                i += 1;
            }
        } else {
            out.push(i);
            i += 1;
        }
    }
    out
}

/// What became of a flipped bit; `Err` when a changed bundle verified.
fn outcome(original: &[u8], flipped: &[u8]) -> Result<String, String> {
    match verify(flipped) {
        Err(e) => Ok(format!("refused: {}", e.code())),
        Ok(r) if !verified(r.status()) => Ok(format!("not verified: {}", r.status().code())),
        Ok(r) => {
            if meaning(flipped).is_none() || meaning(flipped) != meaning(original) {
                return Err(format!(
                    "a changed bundle verified ({:?}, {:?})",
                    r.status(),
                    r.reasons()
                ));
            }
            if r.reasons().iter().any(|c| *c != KEYID_MISMATCH) {
                return Err(format!("unexpected warnings {:?}", r.reasons()));
            }
            Ok(format!("same meaning: {}", r.status().code()))
        }
    }
}
proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_flipped_bit_stops_verification_or_changes_nothing(
        shape in shape(),
        structural in any::<bool>(),
        at in any::<Index>(),
        bit in 0..8u32,
    ) {
        let original = build(&shape).into_bytes();
        // Half the flips land anywhere, half outside the base64 text, where a flip
        // is least likely to be caught by a signature.
        let offsets = if structural {
            skeleton(&original)
        } else {
            (0..original.len()).collect()
        };
        let mut flipped = original.clone();
        flipped[offsets[at.index(offsets.len())]] ^= 1 << bit;
        if let Err(e) = outcome(&original, &flipped) {
            return Err(TestCaseError::fail(format!(
                "{e}\n{}",
                String::from_utf8_lossy(&flipped)
            )));
        }
    }
}

/// Flips every bit of one bundle in turn and tallies the outcomes; fails on a flip
/// that verifies with a changed meaning. Slow unoptimised: run it with
/// `cargo test --release -p evidence --test properties -- --ignored --nocapture`.
#[test]
#[ignore]
fn exhaustive_bit_flips() {
    let original = build(&Shape {
        emitters: vec![0, 1, 0, 2, 1, 0],
        revocation: Revocation::Unrelated,
        salt: 1,
    })
    .into_bytes();
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for i in 0..original.len() * 8 {
        let mut flipped = original.clone();
        flipped[i / 8] ^= 1 << (i % 8);
        match outcome(&original, &flipped) {
            Ok(o) => *tally.entry(o).or_default() += 1,
            Err(e) => failures.push(format!("bit {i}: {e}")),
        }
    }
    println!("{} bytes, {} flips", original.len(), original.len() * 8);
    for (o, n) in &tally {
        println!("{n:>7}  {o}");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
