//! `custody excerpt` and `custody verify-excerpt`, run as a user runs them.

use std::path::Path;

use serde_json::Value;

use super::{base64_decode, base64_encode, code, custody, ok, producer, tempdir, AGENT};

fn verify(dir: &Path, excerpt: &str, root: &str) -> (i32, Value) {
    let out = custody(dir, &["verify-excerpt", excerpt, "--trust", root, "--json"]);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "--json output is JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (code(&out), json)
}

fn human(dir: &Path, excerpt: &str, root: &str) -> (i32, String) {
    let out = custody(dir, &["verify-excerpt", excerpt, "--trust", root]);
    (
        code(&out),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn read(dir: &Path, file: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(file)).expect("read")).expect("JSON")
}

fn write(dir: &Path, file: &str, v: &Value) {
    std::fs::write(dir.join(file), v.to_string()).expect("write");
}

#[test]
fn an_excerpt_cut_with_the_cli_verifies_without_the_rest_of_the_bundle() {
    let dir = tempdir();
    let dir = dir.path();
    producer(dir);
    ok(
        dir,
        &[
            "excerpt",
            "bundle.json",
            "--events",
            "2,1",
            "--out",
            "ex.json",
        ],
    );
    // From the stdout too, for one event.
    let stdout = ok(dir, &["excerpt", "bundle.json", "--events", "3"]);
    std::fs::write(dir.join("three.json"), &stdout).expect("write");
    // The bundle itself is not needed to check them.
    std::fs::remove_file(dir.join("bundle.json")).expect("remove");

    let (exit, json) = verify(dir, "ex.json", "root.pub");
    assert_eq!(exit, 0, "{json:#}");
    assert_eq!(json["format"], "custody.excerpt-verification.v1");
    assert_eq!(json["status"], "verified");
    assert_eq!(json["bundleId"], "b-1");
    assert_eq!(json["bundleEventCount"], 4);
    assert_eq!(json["eventCount"], 2);
    assert_eq!(json["events"][0]["index"], 1);
    assert_eq!(json["events"][1]["index"], 2);
    assert_eq!(json["events"][1]["emitter"], AGENT);
    for e in json["events"].as_array().expect("events") {
        for check in ["integrity", "trust", "chain", "inclusion"] {
            assert_eq!(e[check]["result"], "pass", "{check}: {e:#}");
        }
    }
    let (exit, text) = human(dir, "ex.json", "root.pub");
    assert_eq!(exit, 0, "{text}");
    assert!(text.starts_with("VERIFIED  ex.json"), "{text}");
    assert!(text.contains("2 events of bundle b-1 (4 events)"), "{text}");
    assert!(
        text.contains("tool.call e2 at 2026-11-20T10:00:01Z by"),
        "{text}"
    );
    assert!(
        text.contains("integrity: pass, trust: pass, chain: pass, inclusion: pass"),
        "{text}"
    );

    let excerpt: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(excerpt["custodyExcerpt"], 1);
    assert_eq!(excerpt["events"][0]["position"], 3);
    let (exit, text) = human(dir, "three.json", "root.pub");
    assert_eq!(exit, 0, "{text}");
    assert!(text.contains("#3 "), "{text}");
    assert!(
        text.contains("chain: unknown (chain.not_in_excerpt)"),
        "{text}"
    );
    assert!(text.contains("note: chain.not_in_excerpt: "), "{text}");
}

#[test]
fn verify_excerpt_exit_codes_are_verifys() {
    let dir = tempdir();
    let dir = dir.path();
    producer(dir);
    ok(
        dir,
        &[
            "excerpt",
            "bundle.json",
            "--events",
            "0-3",
            "--out",
            "ex.json",
        ],
    );
    assert_eq!(verify(dir, "ex.json", "root.pub").0, 0);

    // Another organisation's root: nothing is certified.
    ok(dir, &["keygen", "other"]);
    let (exit, json) = verify(dir, "ex.json", "other.pub");
    assert_eq!((exit, json["status"].as_str()), (3, Some("untrusted")));

    // A proof hash changed: that event's inclusion fails.
    let mut v = read(dir, "ex.json");
    let hash = v["events"][2]["proof"][0]
        .as_str()
        .expect("hash")
        .to_owned();
    let first = if hash.starts_with('0') { "1" } else { "0" };
    v["events"][2]["proof"][0] = Value::String(format!("{first}{}", &hash[1..]));
    write(dir, "proof.json", &v);
    let (exit, json) = verify(dir, "proof.json", "root.pub");
    assert_eq!((exit, json["status"].as_str()), (4, Some("tampered")));
    assert_eq!(
        json["events"][2]["inclusion"]["code"],
        "excerpt.proof_invalid"
    );
    assert_eq!(json["events"][1]["inclusion"]["result"], "pass");
    let (exit, text) = human(dir, "proof.json", "root.pub");
    assert_eq!(exit, 4);
    assert!(text.starts_with("TAMPERED  proof.json"), "{text}");
    assert!(
        text.contains("inclusion: FAIL excerpt.proof_invalid"),
        "{text}"
    );
    assert!(
        text.contains("excerpt.proof_invalid: The event's inclusion proof"),
        "{text}"
    );

    // One event's payload changed after signing: its signature fails.
    let mut v = read(dir, "ex.json");
    let mut bytes = base64_decode(
        v["events"][2]["envelope"]["payload"]
            .as_str()
            .expect("payload"),
    );
    let at = bytes.iter().position(|b| *b == b'u').expect("a u");
    bytes[at] = b'U';
    v["events"][2]["envelope"]["payload"] = Value::String(base64_encode(&bytes));
    write(dir, "payload.json", &v);
    let (exit, json) = verify(dir, "payload.json", "root.pub");
    assert_eq!(exit, 4);
    assert_eq!(json["events"][2]["integrity"]["code"], "signature.invalid");

    // Not an excerpt: refused as malformed, naming a bundle given in its place.
    std::fs::write(dir.join("junk.json"), b"{\"hello\": 1}").expect("write");
    let (exit, json) = verify(dir, "junk.json", "root.pub");
    assert_eq!((exit, json["status"].as_str()), (5, Some("malformed")));
    assert_eq!(json["reasons"][0], "excerpt.malformed");
    let (exit, json) = verify(dir, "bundle.json", "root.pub");
    assert_eq!(exit, 5);
    assert!(
        json["detail"]
            .as_str()
            .is_some_and(|d| d.contains("a bundle, not an excerpt")),
        "{json:#}"
    );
    let (exit, text) = human(dir, "junk.json", "root.pub");
    assert_eq!(exit, 5);
    assert!(text.starts_with("MALFORMED  junk.json"), "{text}");

    // A missing file or a bad key is a usage error, not a verdict.
    assert_eq!(human(dir, "nope.json", "root.pub").0, 2);
    assert_eq!(human(dir, "ex.json", "zzz").0, 2);
}

#[test]
fn excerpt_refuses_what_it_cannot_excerpt_naming_why() {
    let dir = tempdir();
    let dir = dir.path();
    producer(dir);
    std::fs::write(dir.join("junk.json"), b"{\"hello\": 1}").expect("write");
    for (args, says) in [
        (&["bundle.json", "--events", "4"][..], "there is no event 4"),
        (
            &["bundle.json", "--events", "1,1"][..],
            "event 1 was chosen twice",
        ),
        (
            &["bundle.json", "--events", "x"][..],
            "\"x\" is not a position",
        ),
        (&["bundle.json", "--events", "3-1"][..], "is empty"),
        (&["junk.json", "--events", "0"][..], "bundle.malformed"),
        (&["nope.json", "--events", "0"][..], "nope.json"),
    ] {
        let out = custody(dir, &[&["excerpt"][..], args].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
