//! The external Ed25519 and DSSE conformance vectors in `../shared/vectors`, run as
//! tables: one loop per vector file, one assertion per vector, failures named by id.
//!
//! Expected verdicts are those of `../shared/vectors/README.md`. Outside CI a missing
//! vectors folder skips these tests with one line; in CI (`CI` set) it fails them.

mod common;

use common::vectors_dir;
use evidence::keys::{verify_strict, PublicKey};
use serde_json::Value;

fn read(dir: &std::path::Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Strict verification of raw parts; a key that does not decode is simply "not valid".
fn strictly_valid(pk: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    match PublicKey::from_slice(pk) {
        Ok(key) => verify_strict(&key, msg, sig).is_ok(),
        Err(_) => false,
    }
}

fn hex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_else(|e| panic!("bad hex in vector {s:?}: {e}"))
}

#[test]
fn rfc8032_and_dalek_test_vectors_all_verify() {
    let Some(dir) = vectors_dir() else { return };
    let text = read(&dir, "dalek/TESTVECTORS");
    let mut count = 0;
    for (line_no, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
        let parts: Vec<&str> = line.split(':').collect();
        let (pk, msg, sig) = (hex(parts[1]), hex(parts[2]), hex(parts[3]));
        // The file's signature field is sig ‖ msg.
        let sig = &sig[..64];
        assert!(
            strictly_valid(&pk, &msg, sig),
            "TESTVECTORS line {} must verify",
            line_no + 1
        );
        // One flipped message bit must not.
        let mut bad = msg.clone();
        bad.push(0);
        assert!(
            !strictly_valid(&pk, &bad, sig),
            "TESTVECTORS line {} verified a changed message",
            line_no + 1
        );
        count += 1;
    }
    assert_eq!(count, 128);
}

#[test]
fn wycheproof_strict_verdicts_match_expected_results() {
    let Some(dir) = vectors_dir() else { return };
    let doc: Value =
        serde_json::from_str(&read(&dir, "wycheproof/ed25519_test.json")).expect("json");
    let mut count = 0;
    for group in doc["testGroups"].as_array().expect("testGroups") {
        let pk = hex(group["publicKey"]["pk"].as_str().expect("pk"));
        for test in group["tests"].as_array().expect("tests") {
            let id = &test["tcId"];
            let expected = test["result"] == "valid";
            let got = strictly_valid(
                &pk,
                &hex(test["msg"].as_str().expect("msg")),
                &hex(test["sig"].as_str().expect("sig")),
            );
            assert_eq!(got, expected, "wycheproof tcId {id} ({})", test["comment"]);
            count += 1;
        }
    }
    assert_eq!(
        count,
        doc["numberOfTests"].as_u64().expect("numberOfTests") as usize
    );
}

#[test]
fn speccheck_only_case_3_is_accepted() {
    let Some(dir) = vectors_dir() else { return };
    let cases: Value = serde_json::from_str(&read(&dir, "speccheck/cases.json")).expect("json");
    let cases = cases.as_array().expect("array");
    assert_eq!(cases.len(), 12);
    for (i, case) in cases.iter().enumerate() {
        let got = strictly_valid(
            &hex(case["pub_key"].as_str().expect("pub_key")),
            &hex(case["message"].as_str().expect("message")),
            &hex(case["signature"].as_str().expect("signature")),
        );
        assert_eq!(got, i == 3, "speccheck case {i}");
    }
}

#[test]
fn cctv_vectors_accept_only_low_order_component_flags() {
    let Some(dir) = vectors_dir() else { return };
    let vectors: Value =
        serde_json::from_str(&read(&dir, "dalek/VALIDATIONVECTORS")).expect("json");
    let allowed = ["low_order_component_A", "low_order_component_R"];
    let mut accepted = 0;
    for v in vectors.as_array().expect("array") {
        let flags: Vec<&str> = v["flags"]
            .as_array()
            .map(|f| f.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let expected = flags.iter().all(|f| allowed.contains(f));
        let got = strictly_valid(
            &hex(v["key"].as_str().expect("key")),
            v["msg"].as_str().expect("msg").as_bytes(),
            &hex(v["sig"].as_str().expect("sig")),
        );
        assert_eq!(got, expected, "CCTV vector {} flags {flags:?}", v["number"]);
        accepted += usize::from(got);
    }
    assert_eq!(accepted, 43);
}

/// Every vector above, plus many good signatures, checked in one call to
/// `batch::verify`: each answer must be `verify_strict`'s.
#[test]
fn batch_verification_agrees_with_verify_strict_on_every_vector() {
    let Some(dir) = vectors_dir() else { return };
    let mut cases: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = Vec::new();
    let wycheproof: Value =
        serde_json::from_str(&read(&dir, "wycheproof/ed25519_test.json")).expect("json");
    for group in wycheproof["testGroups"].as_array().expect("testGroups") {
        let pk = hex(group["publicKey"]["pk"].as_str().expect("pk"));
        for test in group["tests"].as_array().expect("tests") {
            cases.push((
                pk.clone(),
                hex(test["msg"].as_str().expect("msg")),
                hex(test["sig"].as_str().expect("sig")),
            ));
        }
    }
    let speccheck: Value = serde_json::from_str(&read(&dir, "speccheck/cases.json")).expect("json");
    for case in speccheck.as_array().expect("array") {
        cases.push((
            hex(case["pub_key"].as_str().expect("pub_key")),
            hex(case["message"].as_str().expect("message")),
            hex(case["signature"].as_str().expect("signature")),
        ));
    }
    let cctv: Value = serde_json::from_str(&read(&dir, "dalek/VALIDATIONVECTORS")).expect("json");
    for v in cctv.as_array().expect("array") {
        cases.push((
            hex(v["key"].as_str().expect("key")),
            v["msg"].as_str().expect("msg").as_bytes().to_vec(),
            hex(v["sig"].as_str().expect("sig")),
        ));
    }
    for line in read(&dir, "dalek/TESTVECTORS")
        .lines()
        .filter(|l| !l.is_empty())
    {
        let parts: Vec<&str> = line.split(':').collect();
        cases.push((hex(parts[1]), hex(parts[2]), hex(parts[3])[..64].to_vec()));
    }

    let mut keys: Vec<PublicKey> = Vec::new();
    let mut items = Vec::new();
    let mut expected = Vec::new();
    let sigs: Vec<[u8; 64]> = cases
        .iter()
        .map(|(_, _, s)| s.as_slice().try_into().unwrap_or([0; 64]))
        .collect();
    for ((pk, msg, sig), sig64) in cases.iter().zip(&sigs) {
        let (Ok(key), 64) = (PublicKey::from_slice(pk), sig.len()) else {
            continue;
        };
        let index = keys.iter().position(|k| *k == key).unwrap_or_else(|| {
            keys.push(key);
            keys.len() - 1
        });
        items.push(evidence::batch::Item {
            key: index,
            message: msg,
            signature: sig64,
        });
        expected.push(verify_strict(&key, msg, sig).is_ok());
    }
    // Keys written non-canonically (y >= p, or x = 0 with the sign bit set) are
    // refused as keys (RFC 8032 section 5.1.3) and are not among the cases.
    assert!(items.len() > 900, "{} cases", items.len());
    assert!(expected.iter().filter(|e| **e).count() > 200);
    let got = evidence::batch::verify(&keys, &items);
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(g, e, "case {i}: batch said {g}, verify_strict said {e}");
    }
    // The good ones alone make a batch that holds; the answer must not change.
    let good: Vec<_> = items
        .iter()
        .zip(&expected)
        .filter(|(_, e)| **e)
        .map(|(i, _)| *i)
        .collect();
    assert!(evidence::batch::verify(&keys, &good).iter().all(|g| *g));
}
