//! The `custody` command line, run as a user runs it: keys, bindings, signing,
//! verification with its exit codes, and the demo corpus.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod excerpt;
mod export;

fn custody(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("custody runs")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = custody(dir, args);
    assert!(
        out.status.success(),
        "custody {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

const AGENT: &str = "spiffe://acme.example/agent/deploy-bot";
const GATEWAY: &str = "spiffe://acme.example/gateway";

/// Keys for a root, two emitters and a collector, their bindings, and four events.
fn producer(dir: &Path) {
    for name in ["root", "agent", "gateway", "collector"] {
        ok(dir, &["keygen", name]);
    }
    for (key, subject) in [
        ("agent.pub", AGENT),
        ("gateway.pub", GATEWAY),
        ("collector.pub", "collector"),
    ] {
        ok(
            dir,
            &[
                "trust",
                "--root",
                "root.key",
                "--key",
                key,
                "--subject",
                subject,
                "--not-before",
                "2026-01-01T00:00:00Z",
                "--not-after",
                "2027-01-01T00:00:00Z",
                "--out",
                "bindings.jsonl",
            ],
        );
    }
    let h = evidence::event::hash_of;
    let events = [
        serde_json::json!({"emitter": GATEWAY, "time": "2026-11-20T10:00:00Z", "id": "e1", "kind": "request",
            "actor": {"type": "human", "id": "alice@acme.example"}}),
        serde_json::json!({"emitter": AGENT, "time": "2026-11-20T10:00:01Z", "id": "e2", "kind": "tool.call", "parent": "e1",
            "actor": {"type": "agent", "id": AGENT}, "initiator": {"type": "human", "id": "alice@acme.example"},
            "tool": {"name": "kubectl", "argumentsHash": h(b"apply")}}),
        serde_json::json!({"emitter": AGENT, "time": "2026-11-20T10:00:02Z", "id": "e3", "kind": "side_effect", "parent": "e2",
            "actor": {"type": "agent", "id": AGENT},
            "change": {"resource": "k8s://prod/configmap/app", "operation": "update", "outcome": "success"}}),
        serde_json::json!({"emitter": GATEWAY, "time": "2026-11-20T10:00:03Z", "id": "e4", "kind": "system",
            "actor": {"type": "system", "id": GATEWAY}}),
    ];
    let lines: Vec<String> = events.iter().map(Value::to_string).collect();
    std::fs::write(dir.join("events.jsonl"), lines.join("\n") + "\n").expect("write events");
    sign(dir, "bundle.json");
}

/// Signs events.jsonl with the bindings in bindings.jsonl into `out` (bundle ID b-1).
fn sign(dir: &Path, out: &str) {
    ok(
        dir,
        &[
            "sign",
            "events.jsonl",
            "--key",
            &format!("{AGENT}=agent.key"),
            "--key",
            &format!("{GATEWAY}=gateway.key"),
            "--collector",
            "collector=collector.key",
            "--statements",
            "bindings.jsonl",
            "--bundle-id",
            "b-1",
            "--issued-at",
            "2026-11-20T11:00:00Z",
            "--out",
            out,
        ],
    );
}

fn report(dir: &Path, bundle: &str, root: &str) -> (i32, Value) {
    let out = custody(dir, &["verify", bundle, "--trust", root, "--json"]);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "--json output is JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (code(&out), json)
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn a_bundle_signed_with_the_cli_verifies_and_its_report_says_so() {
    let dir = tempdir();
    producer(dir.path());
    let (exit, json) = report(dir.path(), "bundle.json", "root.pub");
    assert_eq!(exit, 0, "{json:#}");
    assert_eq!(json["status"], "verified");
    assert_eq!(json["bundleId"], "b-1");
    assert_eq!(json["eventCount"], 4);
    assert_eq!(json["events"][1]["emitter"], AGENT);
    assert_eq!(json["events"][1]["integrity"]["result"], "pass");
    let human = ok(
        dir.path(),
        &["verify", "bundle.json", "--trust", "root.pub"],
    );
    assert!(human.starts_with("VERIFIED  bundle.json"), "{human}");
    assert!(
        human.contains("signatures 4/4, trusted 4/4, chained 4/4, included 4/4"),
        "{human}"
    );
}

#[test]
fn exit_codes_tell_tampered_untrusted_and_malformed_apart() {
    let dir = tempdir();
    producer(dir.path());
    // Another organisation's root: nothing is certified.
    ok(dir.path(), &["keygen", "other"]);
    let (exit, json) = report(dir.path(), "bundle.json", "other.pub");
    assert_eq!((exit, json["status"].as_str()), (3, Some("untrusted")));

    // One event's payload changed after signing.
    let mut bundle: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("bundle.json")).expect("read"))
            .expect("json");
    let payload = bundle["events"][2]["payload"]
        .as_str()
        .expect("payload")
        .to_owned();
    let mut bytes = base64_decode(&payload);
    let at = bytes
        .iter()
        .position(|b| *b == b'u')
        .expect("a u in the payload");
    bytes[at] = b'U';
    bundle["events"][2]["payload"] = Value::String(base64_encode(&bytes));
    std::fs::write(dir.path().join("tampered.json"), bundle.to_string()).expect("write");
    let (exit, json) = report(dir.path(), "tampered.json", "root.pub");
    assert_eq!((exit, json["status"].as_str()), (4, Some("tampered")));
    assert_eq!(json["events"][2]["integrity"]["code"], "signature.invalid");
    let human = String::from_utf8_lossy(
        &custody(
            dir.path(),
            &["verify", "tampered.json", "--trust", "root.pub"],
        )
        .stdout,
    )
    .into_owned();
    assert!(
        human.contains("integrity: FAIL signature.invalid"),
        "{human}"
    );
    assert!(
        human.contains("signature.invalid: A signature does not verify"),
        "{human}"
    );

    // Not a bundle at all.
    std::fs::write(dir.path().join("junk.json"), b"{\"hello\": 1}").expect("write");
    let (exit, json) = report(dir.path(), "junk.json", "root.pub");
    assert_eq!((exit, json["status"].as_str()), (5, Some("malformed")));
    assert_eq!(json["reasons"][0], "bundle.malformed");
    // A refusal has the shape bundle-format section 12.5 gives, and no report's members.
    let mut members: Vec<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(members, ["detail", "format", "reasons", "status"]);
    assert_eq!(json["format"], "custody.verification.v1");
    // Another version, whatever size its number: named as such up to 2^64-1.
    let bundle = std::fs::read_to_string(dir.path().join("bundle.json")).expect("read");
    for (version, code) in [
        ("2", "bundle.unsupported_version"),
        ("18446744073709551615", "bundle.unsupported_version"),
        ("18446744073709551616", "bundle.malformed"),
        ("-0", "bundle.malformed"),
    ] {
        let edited = bundle.replacen(
            "\"custodyBundle\": 1",
            &format!("\"custodyBundle\": {version}"),
            1,
        );
        let edited = edited.replacen(
            "\"custodyBundle\":1",
            &format!("\"custodyBundle\":{version}"),
            1,
        );
        assert_ne!(edited, bundle, "the version is written in the bundle");
        std::fs::write(dir.path().join("version.json"), edited).expect("write");
        let (exit, json) = report(dir.path(), "version.json", "root.pub");
        assert_eq!(
            (exit, json["reasons"][0].as_str()),
            (5, Some(code)),
            "{version}"
        );
    }
    // Over the size limit: refused as too large, without being read (a sparse file).
    let huge = std::fs::File::create(dir.path().join("huge.json")).expect("create");
    huge.set_len(evidence::bundle::Limits::default().max_bundle_bytes as u64 + 1)
        .expect("size");
    let (exit, json) = report(dir.path(), "huge.json", "root.pub");
    assert_eq!((exit, json["status"].as_str()), (5, Some("malformed")));
    assert_eq!(json["reasons"][0], "bundle.too_large");

    // A missing file or a bad key is a usage error, not a verdict.
    assert_eq!(
        code(&custody(
            dir.path(),
            &["verify", "nope.json", "--trust", "root.pub"]
        )),
        2
    );
    assert_eq!(
        code(&custody(
            dir.path(),
            &["verify", "bundle.json", "--trust", "zzz"]
        )),
        2
    );
}

#[test]
fn sign_refuses_bad_events_naming_the_line_and_keygen_never_overwrites() {
    let dir = tempdir();
    producer(dir.path());
    std::fs::write(
        dir.path().join("bad.jsonl"),
        format!(
            "{}\n{}\n",
            serde_json::json!({"emitter": AGENT, "time": "2026-11-20T10:00:00Z", "id": "x", "kind": "system", "actor": {"type": "agent", "id": AGENT}}),
            serde_json::json!({"emitter": AGENT, "time": "2026-11-20T10:00:01Z", "id": "y", "kind": "tool.call", "actor": {"type": "agent", "id": AGENT}}),
        ),
    )
    .expect("write");
    let out = custody(
        dir.path(),
        &[
            "sign",
            "bad.jsonl",
            "--key",
            &format!("{AGENT}=agent.key"),
            "--collector",
            "collector=collector.key",
            "--out",
            "bad-bundle.json",
        ],
    );
    assert_eq!(code(&out), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.jsonl line 2: a tool.call event must have `tool`"),
        "{err}"
    );
    assert!(!dir.path().join("bad-bundle.json").exists());

    let before = std::fs::read(dir.path().join("root.key")).expect("read");
    assert_eq!(code(&custody(dir.path(), &["keygen", "root"])), 2);
    assert_eq!(
        std::fs::read(dir.path().join("root.key")).expect("read"),
        before
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("root.key"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_revoked_key_is_reported_after_its_revocation() {
    let dir = tempdir();
    producer(dir.path());
    ok(
        dir.path(),
        &[
            "trust",
            "--root",
            "root.key",
            "--key",
            "agent.pub",
            "--revoke-at",
            "2026-11-20T10:00:02Z",
            "--out",
            "bindings.jsonl",
        ],
    );
    sign(dir.path(), "revoked.json");
    let (exit, json) = report(dir.path(), "revoked.json", "root.pub");
    assert_eq!((exit, json["status"].as_str()), (3, Some("untrusted")));
    assert_eq!(json["events"][1]["trust"]["result"], "pass");
    assert_eq!(json["events"][2]["trust"]["code"], "trust.key_revoked");
}

#[test]
fn the_demo_corpus_verifies_as_its_index_says() {
    let dir = tempdir();
    ok(dir.path(), &["demo", "--out", "corpus"]);
    let corpus = dir.path().join("corpus");
    let index: Value =
        serde_json::from_slice(&std::fs::read(corpus.join("index.json")).expect("index"))
            .expect("json");
    let entries = index
        .as_array()
        .or_else(|| index["bundles"].as_array())
        .expect("entries");
    assert!(entries.len() >= 9 + 14, "{} entries", entries.len());
    for entry in entries {
        let file: PathBuf = corpus.join(entry["file"].as_str().expect("file"));
        let (_, json) = report(dir.path(), file.to_str().expect("utf-8"), "corpus/root.pub");
        assert_eq!(
            json["status"],
            entry["expectedStatus"],
            "{}",
            file.display()
        );
        assert_eq!(
            json["reasons"],
            entry["expectedReasons"],
            "{}",
            file.display()
        );
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// An emitter ID is the producer's text: a bundle whose emitter holds terminal escapes
/// and a right-to-left override is printed with them written out, so the screen
/// shows what the bundle says and the status line cannot be overwritten.
#[test]
fn control_characters_in_a_bundle_are_printed_escaped() {
    use evidence::producer::{BundleBuilder, Signer};
    let dir = tempdir();
    let root = Signer::from_seed([91; 32]);
    let agent = Signer::from_seed([92; 32]);
    let collector = Signer::from_seed([93; 32]);
    let emitter = "evil\u{1b}[2K\rVERIFIED  invoice\u{202e}fdp.exe";
    let (from, to) = ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    let mut b = BundleBuilder::new();
    b.bind(&root, &agent.public_key(), emitter, from, to);
    b.bind(&root, &collector.public_key(), "collector", from, to);
    let Value::Object(body) = serde_json::json!({
        "kind": "system", "id": "e1", "actor": {"type": "agent", "id": "a"},
    }) else {
        unreachable!()
    };
    b.event(&agent, emitter, "2026-11-20T10:00:00Z", body);
    let bundle = b.finish(&collector, "collector", "hostile", "2026-11-21T00:00:00Z");
    std::fs::write(dir.path().join("hostile.json"), bundle).expect("write");
    // Trusting another root: untrusted, and every event is listed with its emitter.
    ok(dir.path(), &["keygen", "other"]);
    let out = custody(
        dir.path(),
        &["verify", "hostile.json", "--trust", "other.pub"],
    );
    assert_eq!(code(&out), 3);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("UNTRUSTED"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\u{202e}'),
        "{text:?}"
    );
    assert!(text.contains("evil\\u{1b}[2K\\u{d}VERIFIED"), "{text}");
}
