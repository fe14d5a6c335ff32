//! Excerpts: made from a bundle as received, verified without the rest of it, and
//! every way one can be altered named on the event it touches.

use std::sync::Mutex;

use base64::Engine as _;
use evidence::bundle::{self, Check, EventReport, Limits, Status};
use evidence::excerpt::{self, ExcerptError, ExcerptReport};
use evidence::keys::PublicKey;
use evidence::producer::{self, BundleBuilder, Signer};
use serde_json::{json, Map, Value};

const AGENT: &str = "spiffe://acme.example/agent/deploy-bot";
const COLLECTOR: &str = "spiffe://acme.example/collector";

fn limits() -> Limits {
    Limits::default()
}

/// A clean synthetic bundle of 40 events by four agents (event `i` is agent `i % 4`'s
/// event `i / 4`), and its root.
fn synthetic() -> (String, PublicKey) {
    producer::synthetic(40, "bundle-excerpt")
}

fn make(bundle: &str, positions: &[usize]) -> String {
    excerpt::make(bundle.as_bytes(), positions, &limits()).expect("an excerpt is made")
}

fn verify(excerpt: &str, root: &PublicKey) -> ExcerptReport {
    excerpt::verify(excerpt.as_bytes(), &[*root], &limits()).expect("the excerpt is readable")
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("JSON")
}

fn b64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}

fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn event(report: &ExcerptReport, position: usize) -> &EventReport {
    report
        .events()
        .iter()
        .find(|e| e.index == position)
        .unwrap_or_else(|| panic!("event {position} is in the report"))
}

fn all_pass(e: &EventReport) -> bool {
    [&e.integrity, &e.trust, &e.inclusion]
        .iter()
        .all(|c| **c == Check::Pass)
}

#[test]
fn an_excerpt_of_a_clean_bundle_verifies_and_every_event_is_included() {
    let (bundle, root) = synthetic();
    let text = make(&bundle, &[9, 3, 39, 7, 0]);
    let report = verify(&text, &root);
    assert_eq!(report.status(), Status::Verified, "{:?}", report.reasons());
    assert!(report.reasons().is_empty(), "{:?}", report.reasons());
    assert_eq!(report.bundle_id(), Some("bundle-excerpt"));
    assert_eq!(report.bundle_event_count(), Some(40));

    // In bundle order, each with the digest the whole bundle's verification gives.
    let whole = bundle::verify(bundle.as_bytes(), &[root], &limits()).expect("bundle");
    let positions: Vec<usize> = report.events().iter().map(|e| e.index).collect();
    assert_eq!(positions, [0, 3, 7, 9, 39]);
    for e in report.events() {
        assert!(all_pass(e), "{e:?}");
        assert_eq!(e.digest, whole.events()[e.index].digest);
        assert_eq!(e.emitter, whole.events()[e.index].emitter);
        assert!(e.warnings.is_empty());
    }
    // Chains: 0 and 3 start their emitters' chains; 7 follows 3 (agent 3's events 0
    // and 1); 9 (agent 1's event 2) and 39 (agent 3's event 9) follow events left out.
    assert_eq!(event(&report, 0).chain, Check::Pass);
    assert_eq!(event(&report, 3).chain, Check::Pass);
    assert_eq!(event(&report, 7).chain, Check::Pass);
    assert_eq!(
        event(&report, 9).chain,
        Check::Unknown("chain.not_in_excerpt")
    );
    assert_eq!(
        event(&report, 39).chain,
        Check::Unknown("chain.not_in_excerpt")
    );

    let transcript = report.to_json();
    assert_eq!(transcript["format"], "custody.excerpt-verification.v1");
    assert_eq!(transcript["status"], "verified");
    assert_eq!(transcript["bundleEventCount"], 40);
    assert_eq!(transcript["eventCount"], 5);
    assert_eq!(transcript["events"][2]["index"], 7);
    assert_eq!(transcript["events"][2]["inclusion"]["result"], "pass");
    assert_eq!(
        transcript["events"][3]["chain"]["code"],
        "chain.not_in_excerpt"
    );
}

#[test]
fn the_excerpt_holds_the_manifest_statements_and_events_as_received() {
    let (bundle, root) = synthetic();
    let whole = json(&bundle);
    let text = make(&bundle, &[5, 6]);
    let excerpt = json(&text);
    assert_eq!(excerpt["custodyExcerpt"], 1);
    assert_eq!(excerpt["manifest"], whole["manifest"]);
    assert_eq!(excerpt["bindings"], whole["bindings"]);
    assert_eq!(excerpt["revocations"], whole["revocations"]);
    assert_eq!(excerpt["events"][0]["position"], 5);
    assert_eq!(excerpt["events"][0]["envelope"], whole["events"][5]);
    assert_eq!(excerpt["events"][1]["envelope"], whole["events"][6]);
    // 40 leaves: a path of 6 hashes (5 below the border, one on it), lowercase hex.
    let proof = excerpt["events"][0]["proof"].as_array().expect("proof");
    assert_eq!(proof.len(), 6);
    assert!(proof.iter().all(|h| {
        let h = h.as_str().expect("hex");
        h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }));

    // Never written anew: an envelope spelled with a JSON escape (`\u0065` for `e`)
    // and white space keeps that spelling in the excerpt, and still verifies.
    let mut spelled = whole.clone();
    let payload = whole["events"][6]["payload"].as_str().expect("payload");
    assert!(payload.starts_with("e"), "{payload}");
    spelled["events"][6]["payload"] = Value::String("PLACEHOLDER".into());
    let escaped = format!("\\u0065{}", &payload[1..]);
    let spelled = serde_json::to_string_pretty(&spelled)
        .expect("JSON")
        .replace("PLACEHOLDER", &escaped);
    let clean = bundle::verify(spelled.as_bytes(), &[root], &limits()).expect("bundle");
    assert_eq!(clean.status(), Status::Verified);
    let text = make(&spelled, &[6]);
    assert!(
        text.contains(&escaped),
        "the envelope's own spelling is kept"
    );
    let envelope_text = spelled
        .split("\"events\": [")
        .nth(1)
        .expect("events")
        .split("\n    },")
        .nth(6)
        .expect("event 6")
        .trim_start_matches('\n');
    assert!(
        text.contains(envelope_text.trim()),
        "the envelope's text is copied byte for byte"
    );
    let report = verify(&text, &root);
    assert_eq!(report.status(), Status::Verified, "{:?}", report.reasons());
    assert!(all_pass(&report.events()[0]));
}

#[test]
fn the_events_can_be_read_for_display() {
    let (bundle, root) = synthetic();
    let text = make(&bundle, &[2, 30]);
    let seen = Mutex::new(Vec::new());
    let report = excerpt::verify_and_read(text.as_bytes(), &[root], &limits(), &|e| {
        seen.lock().expect("lock").push((
            e.index,
            e.event.id.clone(),
            hex::encode(e.digest),
            e.payload.len(),
        ));
    })
    .expect("readable");
    assert_eq!(report.status(), Status::Verified);
    let mut seen = seen.into_inner().expect("lock");
    seen.sort();
    assert_eq!(seen.len(), 2);
    assert_eq!((seen[0].0, seen[0].1.as_str()), (2, "evt-2"));
    assert_eq!((seen[1].0, seen[1].1.as_str()), (30, "evt-30"));
    assert_eq!(seen[1].2, report.events()[1].digest);
}

/// The excerpt `text` with `change` applied to its JSON.
fn altered(text: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut v = json(text);
    change(&mut v);
    v.to_string()
}

#[test]
fn one_byte_of_an_event_payload_changed_fails_that_event_and_no_other() {
    let (bundle, root) = synthetic();
    let text = make(&bundle, &[4, 5, 6]);
    let tampered = altered(&text, |v| {
        let envelope = &mut v["events"][1]["envelope"];
        let mut payload = b64(envelope["payload"].as_str().expect("payload"));
        let at = payload
            .windows(7)
            .position(|w| w == b"kubectl")
            .expect("the tool name");
        payload[at] = b'K';
        envelope["payload"] = Value::String(encode(&payload));
    });
    let report = verify(&tampered, &root);
    assert_eq!(report.status(), Status::Tampered);
    let five = event(&report, 5);
    assert_eq!(five.integrity, Check::Fail("signature.invalid"));
    // Its bytes are not the leaf the manifest's tree holds at 5 either.
    assert_eq!(five.inclusion, Check::Fail("excerpt.proof_invalid"));
    assert!(all_pass(event(&report, 4)));
    assert!(all_pass(event(&report, 6)));
    assert!(report.reasons().contains(&"signature.invalid"));
}

#[test]
fn a_proof_hash_changed_fails_that_events_inclusion() {
    let (bundle, root) = synthetic();
    let text = make(&bundle, &[10, 20]);
    let tampered = altered(&text, |v| {
        let hash = v["events"][1]["proof"][2]
            .as_str()
            .expect("hash")
            .to_owned();
        let flipped = if hash.starts_with('0') { "1" } else { "0" };
        v["events"][1]["proof"][2] = Value::String(format!("{flipped}{}", &hash[1..]));
    });
    let report = verify(&tampered, &root);
    assert_eq!(report.status(), Status::Tampered);
    assert_eq!(
        event(&report, 20).inclusion,
        Check::Fail("excerpt.proof_invalid")
    );
    assert_eq!(event(&report, 20).integrity, Check::Pass);
    assert!(all_pass(event(&report, 10)));
    assert_eq!(report.reasons(), ["excerpt.proof_invalid"]);

    // A hash that is not hex, a hash dropped, and a hash added fail it the same way.
    for change in [
        |p: &mut Value| p[0] = Value::String("not hex".into()),
        |p: &mut Value| {
            p.as_array_mut().expect("proof").pop();
        },
        |p: &mut Value| {
            let first = p[0].clone();
            p.as_array_mut().expect("proof").push(first);
        },
    ] {
        let tampered = altered(&text, |v| change(&mut v["events"][0]["proof"]));
        let report = verify(&tampered, &root);
        assert_eq!(
            event(&report, 10).inclusion,
            Check::Fail("excerpt.proof_invalid")
        );
        assert_eq!(report.status(), Status::Tampered);
    }

    // Upper-case hex is the same hash.
    let upper = altered(&text, |v| {
        let hash = v["events"][0]["proof"][0]
            .as_str()
            .expect("hash")
            .to_uppercase();
        v["events"][0]["proof"][0] = Value::String(hash);
    });
    assert_eq!(verify(&upper, &root).status(), Status::Verified);
}

/// Two bundles by the same keys, with different events.
fn two_bundles() -> (String, String, PublicKey) {
    let root = Signer::from_seed([1; 32]);
    let agent = Signer::from_seed([2; 32]);
    let collector = Signer::from_seed([3; 32]);
    let build = |label: &str| {
        let mut b = BundleBuilder::new();
        b.bind(
            &root,
            &agent.public_key(),
            AGENT,
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
        b.bind(
            &root,
            &collector.public_key(),
            COLLECTOR,
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
        for i in 0..6 {
            b.event(
                &agent,
                AGENT,
                &format!("2026-11-20T10:00:0{i}Z"),
                body(&format!("{label}-{i}")),
            );
        }
        b.finish(&collector, COLLECTOR, label, "2026-11-20T11:00:00Z")
    };
    (build("first"), build("second"), root.public_key())
}

fn body(label: &str) -> Map<String, Value> {
    let Value::Object(m) = json!({
        "kind": "system",
        "id": format!("evt-{label}"),
        "actor": { "type": "system", "id": AGENT },
    }) else {
        unreachable!()
    };
    m
}

#[test]
fn an_event_swapped_for_another_bundles_or_moved_fails_inclusion() {
    let (first, second, root) = two_bundles();
    let text = make(&first, &[1, 2, 4]);
    assert_eq!(verify(&text, &root).status(), Status::Verified);

    // Event 2 of another bundle by the same keys: genuine and trusted, not this one's.
    let other = json(&second);
    let swapped = altered(&text, |v| {
        v["events"][1]["envelope"] = other["events"][2].clone();
    });
    let report = verify(&swapped, &root);
    assert_eq!(report.status(), Status::Tampered);
    let two = event(&report, 2);
    assert_eq!((&two.integrity, &two.trust), (&Check::Pass, &Check::Pass));
    assert_eq!(two.inclusion, Check::Fail("excerpt.proof_invalid"));
    // Its chain link to event 1 of this bundle breaks too.
    assert_eq!(two.chain, Check::Fail("chain.link_broken"));

    // The same event and proof claimed at another position.
    let moved = altered(&text, |v| v["events"][1]["position"] = json!(3));
    let report = verify(&moved, &root);
    assert_eq!(report.status(), Status::Tampered);
    assert_eq!(
        event(&report, 3).inclusion,
        Check::Fail("excerpt.proof_invalid")
    );

    // A position past the bundle's end.
    let beyond = altered(&text, |v| v["events"][2]["position"] = json!(6));
    let report = verify(&beyond, &root);
    assert_eq!(
        event(&report, 6).inclusion,
        Check::Fail("excerpt.position_out_of_range")
    );
    assert_eq!(report.status(), Status::Tampered);

    // Another bundle's manifest over these events: every proof fails.
    let remanifested = altered(&text, |v| v["manifest"] = other["manifest"].clone());
    let report = verify(&remanifested, &root);
    assert_eq!(report.status(), Status::Tampered);
    assert_eq!(report.bundle_id(), Some("second"));
    for e in report.events() {
        assert_eq!(e.inclusion, Check::Fail("excerpt.proof_invalid"), "{e:?}");
    }
}

#[test]
fn a_tampered_manifest_or_statement_fails_the_excerpt() {
    let (bundle, root) = synthetic();
    let text = make(&bundle, &[1, 2]);

    let tampered = altered(&text, |v| {
        let mut m: Value =
            serde_json::from_slice(&b64(v["manifest"]["payload"].as_str().expect("payload")))
                .expect("manifest");
        m["eventCount"] = json!(41);
        v["manifest"]["payload"] = Value::String(encode(m.to_string().as_bytes()));
    });
    let report = verify(&tampered, &root);
    assert_eq!(report.status(), Status::Tampered);
    assert_eq!(report.reasons()[0], "manifest.signature_invalid");
    assert_eq!(report.bundle_id(), None);
    for e in report.events() {
        assert_eq!(e.inclusion, Check::Unknown("manifest.signature_invalid"));
    }

    // A binding left out: the statements root no longer matches, and the events of
    // the emitter it certified are not trusted.
    let dropped = altered(&text, |v| {
        v["bindings"].as_array_mut().expect("bindings").remove(1);
    });
    let report = verify(&dropped, &root);
    assert_eq!(report.status(), Status::Tampered);
    assert!(report.reasons().contains(&"manifest.statements_mismatch"));
    assert_eq!(
        event(&report, 1).trust,
        Check::Fail("trust.key_not_certified")
    );
}

#[test]
fn an_excerpt_checked_against_another_root_is_untrusted() {
    let (bundle, _) = synthetic();
    let text = make(&bundle, &[0, 1]);
    let other = Signer::from_seed([99; 32]).public_key();
    let report = verify(&text, &other);
    assert_eq!(report.status(), Status::Untrusted);
    assert!(report
        .reasons()
        .contains(&"trust.binding_not_signed_by_trusted_root"));
    assert!(report.reasons().contains(&"trust.manifest_not_certified"));
    for e in report.events() {
        assert_eq!(e.trust, Check::Fail("trust.key_not_certified"));
        // The manifest's keyid names the collector's key, bound though not by a
        // trusted root: its signature holds, so the proofs are checked.
        assert_eq!(e.inclusion, Check::Pass);
    }
    assert_eq!(
        excerpt::verify(text.as_bytes(), &[], &limits())
            .expect("readable")
            .status(),
        Status::Untrusted
    );
}

#[test]
fn an_excerpt_of_a_tampered_bundle_does_not_verify() {
    let (bundle, root) = synthetic();
    let mut v = json(&bundle);
    let mut payload = b64(v["events"][12]["payload"].as_str().expect("payload"));
    let at = payload
        .windows(7)
        .position(|w| w == b"kubectl")
        .expect("tool");
    payload[at] = b'K';
    v["events"][12]["payload"] = Value::String(encode(&payload));
    let tampered = v.to_string();
    assert_eq!(
        bundle::verify(tampered.as_bytes(), &[root], &limits())
            .expect("bundle")
            .status(),
        Status::Tampered
    );

    // The altered event fails its signature; every proof, made over the bundle's
    // events as they are, fails against the root the collector signed.
    let report = verify(&make(&tampered, &[3, 12, 30]), &root);
    assert_eq!(report.status(), Status::Tampered);
    assert_eq!(
        event(&report, 12).integrity,
        Check::Fail("signature.invalid")
    );
    assert!(all_pass_but_inclusion(event(&report, 3)));
    for e in report.events() {
        assert_eq!(e.inclusion, Check::Fail("excerpt.proof_invalid"), "{e:?}");
    }

    // Two events swapped in the bundle: their proofs fail too.
    let mut v = json(&bundle);
    let events = v["events"].as_array_mut().expect("events");
    events.swap(20, 21);
    let reordered = v.to_string();
    let report = verify(&make(&reordered, &[20]), &root);
    assert_eq!(report.status(), Status::Tampered);
    assert_eq!(
        report.events()[0].inclusion,
        Check::Fail("excerpt.proof_invalid")
    );
}

fn all_pass_but_inclusion(e: &EventReport) -> bool {
    e.integrity == Check::Pass && e.trust == Check::Pass
}

#[test]
fn chain_links_between_excerpted_events_are_checked() {
    // An emitter whose second event names a wrong predecessor: a bundle the collector
    // signed as it is, so every proof holds and only the link fails.
    let root = Signer::from_seed([1; 32]);
    let agent = Signer::from_seed([2; 32]);
    let collector = Signer::from_seed([3; 32]);
    let mut b = BundleBuilder::new();
    for (key, subject) in [(&agent, AGENT), (&collector, COLLECTOR)] {
        b.bind(
            &root,
            &key.public_key(),
            subject,
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
    }
    let (first, digest0) =
        producer::sign_event(&agent, AGENT, 0, None, "2026-11-20T10:00:00Z", body("0"));
    let (second, digest1) = producer::sign_event(
        &agent,
        AGENT,
        1,
        Some(&"ab".repeat(32)),
        "2026-11-20T10:00:01Z",
        body("1"),
    );
    let (third, _) = producer::sign_event(
        &agent,
        AGENT,
        2,
        Some(&digest1),
        "2026-11-20T10:00:02Z",
        body("2"),
    );
    let (fifth, _) = producer::sign_event(
        &agent,
        AGENT,
        4,
        Some(&digest0),
        "2026-11-20T10:00:04Z",
        body("4"),
    );
    for e in [&first, &second, &third, &fifth] {
        b.signed_event(e).expect("an event");
    }
    let bundle = b.finish(&collector, COLLECTOR, "links", "2026-11-20T11:00:00Z");

    let report = verify(&make(&bundle, &[0, 1, 2, 3]), &root.public_key());
    assert_eq!(report.status(), Status::Tampered);
    assert_eq!(event(&report, 0).chain, Check::Pass);
    assert_eq!(event(&report, 1).chain, Check::Fail("chain.link_broken"));
    assert_eq!(event(&report, 2).chain, Check::Pass);
    // seq 4 after seq 2: a gap is no fault in an excerpt, only an unchecked link.
    assert_eq!(
        event(&report, 3).chain,
        Check::Unknown("chain.not_in_excerpt")
    );
    for e in report.events() {
        assert_eq!(e.inclusion, Check::Pass);
    }
    assert_eq!(report.reasons(), ["chain.link_broken"]);

    // Without event 1, the broken link is not seen and event 2's is not checked.
    let report = verify(&make(&bundle, &[0, 2]), &root.public_key());
    assert_eq!(report.status(), Status::Verified, "{:?}", report.reasons());
    assert_eq!(
        event(&report, 2).chain,
        Check::Unknown("chain.not_in_excerpt")
    );
}

#[test]
fn making_refuses_what_cannot_be_excerpted() {
    let (bundle, _) = synthetic();
    let make = |positions: &[usize]| excerpt::make(bundle.as_bytes(), positions, &limits());
    assert_eq!(make(&[]), Err(ExcerptError::EmptySelection));
    assert_eq!(make(&[3, 1, 3]), Err(ExcerptError::DuplicatePosition(3)));
    assert_eq!(
        make(&[0, 40]),
        Err(ExcerptError::PositionOutOfRange {
            position: 40,
            count: 40
        })
    );
    assert_eq!(
        make(&[40]).unwrap_err().code(),
        "excerpt.position_out_of_range"
    );
    let refused = excerpt::make(b"{\"hello\": 1}", &[0], &limits()).unwrap_err();
    assert_eq!(refused.code(), "bundle.malformed");
    assert!(matches!(refused, ExcerptError::Bundle(_)));
    let refused = excerpt::make(b"not json", &[0], &limits()).unwrap_err();
    assert_eq!(refused.code(), "bundle.malformed");
    let newer = bundle.replacen("\"custodyBundle\":1", "\"custodyBundle\":2", 1);
    assert_eq!(
        excerpt::make(newer.as_bytes(), &[0], &limits())
            .unwrap_err()
            .code(),
        "bundle.unsupported_version"
    );
    assert!(make(&[39]).is_ok());
}

#[test]
fn verifying_refuses_what_is_not_an_excerpt() {
    let (bundle, root) = synthetic();
    let text = make(&bundle, &[1, 2]);
    let refused = |bytes: &[u8]| excerpt::verify(bytes, &[root], &limits()).expect_err("refused");
    assert_eq!(refused(b"not json").code(), "excerpt.malformed");
    let as_bundle = refused(bundle.as_bytes());
    assert_eq!(as_bundle.code(), "excerpt.malformed");
    assert!(as_bundle.to_string().contains("a bundle, not an excerpt"));
    let newer = text.replacen("\"custodyExcerpt\":1", "\"custodyExcerpt\":2", 1);
    assert_eq!(refused(newer.as_bytes()), ExcerptError::Version(2));
    let newer = altered(&newer, |v| v["more"] = json!(true));
    assert_eq!(
        refused(newer.as_bytes()).code(),
        "excerpt.unsupported_version"
    );

    for change in [
        // Positions must increase.
        (|v: &mut Value| v["events"][1]["position"] = json!(1)) as fn(&mut Value),
        |v| v["events"][1]["position"] = json!(0),
        |v| v["events"] = json!([]),
        |v| v["extra"] = json!(1),
        |v| {
            v.as_object_mut().expect("object").remove("revocations");
        },
        |v| v["events"][0]["position"] = json!(-1),
        |v| v["events"][0]["position"] = json!(1.0),
        |v| v["events"][0]["envelope"] = json!(["a", "b", []]),
        |v| v["events"][0]["proof"] = json!(null),
        |v| v["events"][0]["note"] = json!("hi"),
    ] {
        let bad = altered(&text, change);
        assert_eq!(refused(bad.as_bytes()).code(), "excerpt.malformed", "{bad}");
    }
    // A member given twice.
    let twice = text.replacen(
        "{\"custodyExcerpt\":1,",
        "{\"custodyExcerpt\":1,\"custodyExcerpt\":1,",
        1,
    );
    assert_eq!(refused(twice.as_bytes()).code(), "excerpt.malformed");

    let small = Limits {
        max_bundle_bytes: 100,
        ..Limits::default()
    };
    assert_eq!(
        excerpt::verify(text.as_bytes(), &[root], &small)
            .unwrap_err()
            .code(),
        "excerpt.too_large"
    );
    let few = Limits {
        max_events: 1,
        ..Limits::default()
    };
    assert_eq!(
        excerpt::verify(text.as_bytes(), &[root], &few).unwrap_err(),
        ExcerptError::TooManyEvents { count: 2, limit: 1 }
    );
}

#[test]
fn every_code_an_excerpt_gives_is_explained() {
    for code in [
        "chain.not_in_excerpt",
        "excerpt.too_large",
        "excerpt.malformed",
        "excerpt.unsupported_version",
        "excerpt.empty_selection",
        "excerpt.duplicate_position",
        "excerpt.position_out_of_range",
        "excerpt.proof_invalid",
    ] {
        assert_ne!(
            bundle::explain(code),
            bundle::explain("no.such_code"),
            "{code}"
        );
    }
}

#[test]
fn every_event_of_bundles_of_every_small_size_is_included() {
    // Trees of every shape up to 17 leaves: each event alone, and all at once.
    for n in 1..=17 {
        let (bundle, root) = producer::synthetic(n, "sizes");
        let all: Vec<usize> = (0..n).collect();
        for positions in all.iter().map(|p| vec![*p]).chain([all.clone()]) {
            let report = verify(&make(&bundle, &positions), &root);
            assert_eq!(report.status(), Status::Verified, "n={n} {positions:?}");
            assert!(
                report.events().iter().all(|e| e.inclusion == Check::Pass),
                "n={n} {positions:?}"
            );
        }
        // All of a bundle's events: every chain link is checked, as in the bundle.
        let report = verify(&make(&bundle, &all), &root);
        assert!(
            report.events().iter().all(|e| e.chain == Check::Pass),
            "n={n}"
        );
    }
}

#[test]
fn an_excerpt_of_a_one_event_bundle_has_an_empty_proof() {
    let (bundle, root) = producer::synthetic(1, "one");
    let text = make(&bundle, &[0]);
    assert_eq!(json(&text)["events"][0]["proof"], json!([]));
    assert_eq!(verify(&text, &root).status(), Status::Verified);
}

#[test]
fn no_byte_changed_anywhere_makes_verification_panic_or_pass_unnoticed() {
    let (bundle, _, root) = two_bundles();
    let text = make(&bundle, &[2]);
    let original = json(&text);
    let bytes = text.as_bytes();
    // Every other byte, to keep the test quick; both parities are alike.
    for at in (0..bytes.len()).step_by(2) {
        let mut changed = bytes.to_vec();
        changed[at] = if bytes[at] == b'0' { b'"' } else { b'0' };
        // A refusal, or a report that says something is wrong, or (where the byte is
        // outside anything signed or proved: a keyid hint) the same verdict.
        if let Ok(report) = excerpt::verify(&changed, &[root], &limits()) {
            if report.status() == Status::Verified {
                let v: Value = serde_json::from_slice(&changed).expect("JSON");
                for (a, b) in [
                    (&v["manifest"], &original["manifest"]),
                    (
                        &v["events"][0]["envelope"],
                        &original["events"][0]["envelope"],
                    ),
                ] {
                    assert_eq!(
                        (&a["payload"], &a["payloadType"]),
                        (&b["payload"], &b["payloadType"]),
                        "byte {at}"
                    );
                }
                assert_eq!(v["events"][0]["proof"], original["events"][0]["proof"]);
                assert_eq!(v["events"][0]["position"], 2);
            }
        }
    }
}
