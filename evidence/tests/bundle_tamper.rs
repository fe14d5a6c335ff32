//! Bundle verification: a clean bundle verifies, and each tamper class gives its
//! exact reason.

use evidence::bundle::{self, Check, Limits, Status};
use evidence::producer::{BundleBuilder, Signer};
use serde_json::{json, Map, Value};

const ROOT_SEED: [u8; 32] = [1; 32];
const GATEWAY: &str = "spiffe://acme.example/gateway";
const AGENT: &str = "spiffe://acme.example/agent/deploy-bot";
const COLLECTOR: &str = "spiffe://acme.example/collector";

struct World {
    root: Signer,
    gateway: Signer,
    agent: Signer,
    collector: Signer,
}

fn world() -> World {
    World {
        root: Signer::from_seed(ROOT_SEED),
        gateway: Signer::from_seed([2; 32]),
        agent: Signer::from_seed([3; 32]),
        collector: Signer::from_seed([4; 32]),
    }
}

/// A minimal valid event payload, told apart by `label`.
fn body(label: &str) -> Map<String, Value> {
    let Value::Object(m) = json!({
        "kind": "system",
        "id": format!("evt-{label}"),
        "actor": { "type": "system", "id": GATEWAY },
        "ext": { "label": label },
    }) else {
        unreachable!()
    };
    m
}

/// A builder with bindings for the three components, valid through 2026.
fn bound(w: &World) -> BundleBuilder {
    let mut b = BundleBuilder::new();
    for (signer, subject) in [
        (&w.gateway, GATEWAY),
        (&w.agent, AGENT),
        (&w.collector, COLLECTOR),
    ] {
        b.bind(
            &w.root,
            &signer.public_key(),
            subject,
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
    }
    b
}

/// Five events over two emitters.
fn clean(w: &World) -> String {
    let mut b = bound(w);
    b.event(&w.gateway, GATEWAY, "2026-11-20T10:00:00Z", body("request"));
    b.event(&w.agent, AGENT, "2026-11-20T10:00:01Z", body("tool.call"));
    b.event(
        &w.gateway,
        GATEWAY,
        "2026-11-20T10:00:02Z",
        body("policy.decision"),
    );
    b.event(&w.agent, AGENT, "2026-11-20T10:00:03Z", body("side_effect"));
    b.event(
        &w.gateway,
        GATEWAY,
        "2026-11-20T10:00:04Z",
        body("response"),
    );
    b.finish(&w.collector, COLLECTOR, "bundle-1", "2026-11-20T10:01:00Z")
}

fn check(bundle: &str) -> bundle::Report {
    let roots = [world().root.public_key()];
    bundle::verify(bundle.as_bytes(), &roots, &Limits::default()).expect("readable bundle")
}

fn edit(bundle: &str, f: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(bundle).expect("json");
    f(&mut v);
    v.to_string()
}

fn events(v: &mut Value) -> &mut Vec<Value> {
    v["events"].as_array_mut().expect("events")
}

fn assert_reason(report: &bundle::Report, status: Status, reason: &str) {
    assert_eq!(report.status(), status, "{:?}", report.reasons());
    assert!(
        report.reasons().contains(&reason),
        "expected {reason} in {:?}",
        report.reasons()
    );
}

#[test]
fn a_clean_bundle_verifies_every_check_on_every_event() {
    let r = check(&clean(&world()));
    assert_eq!(r.status(), Status::Verified, "{:?}", r.reasons());
    assert!(r.reasons().is_empty());
    assert_eq!(r.bundle_id(), Some("bundle-1"));
    assert_eq!(r.events().len(), 5);
    for e in r.events() {
        assert_eq!(
            [&e.integrity, &e.trust, &e.chain, &e.inclusion],
            [&Check::Pass; 4],
            "event {}",
            e.index
        );
    }
}

#[test]
fn without_the_root_among_the_trusted_nothing_is_trusted() {
    let other = Signer::from_seed([9; 32]).public_key();
    let r = bundle::verify(clean(&world()).as_bytes(), &[other], &Limits::default()).unwrap();
    assert_reason(
        &r,
        Status::Untrusted,
        "trust.binding_not_signed_by_trusted_root",
    );
    assert!(r
        .events()
        .iter()
        .all(|e| e.trust == Check::Fail("trust.key_not_certified")));
    assert!(r.events().iter().all(|e| e.integrity == Check::Pass));
}

#[test]
fn modified_payload() {
    let b = edit(&clean(&world()), |v| {
        let e = &mut events(v)[1];
        let payload = e["payload"].as_str().unwrap().to_owned();
        use base64::Engine as _;
        let eng = base64::engine::general_purpose::STANDARD;
        let text = String::from_utf8(eng.decode(payload).unwrap())
            .unwrap()
            .replace("tool.call", "tool.cal1");
        e["payload"] = eng.encode(text).into();
    });
    let r = check(&b);
    assert_reason(&r, Status::Tampered, "signature.invalid");
    assert_eq!(r.events()[1].integrity, Check::Fail("signature.invalid"));
}

#[test]
fn modified_signature() {
    let b = edit(&clean(&world()), |v| {
        let sig = events(v)[0]["signatures"][0]["sig"]
            .as_str()
            .unwrap()
            .to_owned();
        let flipped = match sig.strip_prefix('A') {
            Some(rest) => format!("B{rest}"),
            None => format!("A{}", &sig[1..]),
        };
        events(v)[0]["signatures"][0]["sig"] = flipped.into();
    });
    assert_reason(&check(&b), Status::Tampered, "signature.invalid");
}

#[test]
fn deleted_event() {
    let b = edit(&clean(&world()), |v| {
        events(v).remove(2);
    });
    let r = check(&b);
    assert_reason(&r, Status::Tampered, "chain.sequence_gap");
    assert!(r.reasons().contains(&"manifest.event_count_mismatch"));
}

#[test]
fn inserted_event() {
    let w = world();
    // A genuine, signed event from another bundle of the same gateway.
    let mut other = bound(&w);
    other.event(&w.gateway, GATEWAY, "2026-11-20T09:00:00Z", body("request"));
    other.event(
        &w.gateway,
        GATEWAY,
        "2026-11-20T10:00:01Z",
        body("injected"),
    );
    let donor: Value =
        serde_json::from_str(&other.finish(&w.collector, COLLECTOR, "b2", "2026-11-20T10:01:00Z"))
            .unwrap();
    let b = edit(&clean(&w), |v| {
        events(v).insert(2, donor["events"][1].clone())
    });
    assert_reason(&check(&b), Status::Tampered, "chain.link_broken");
}

#[test]
fn reordered_events() {
    let b = edit(&clean(&world()), |v| events(v).swap(0, 2));
    let r = check(&b);
    assert_reason(&r, Status::Tampered, "chain.missing_start");
    assert!(r.reasons().contains(&"chain.out_of_order"));
}

#[test]
fn duplicated_event() {
    let b = edit(&clean(&world()), |v| {
        let e = events(v)[4].clone();
        events(v).push(e);
    });
    assert_reason(&check(&b), Status::Tampered, "chain.duplicate_event");
}

#[test]
fn truncated_tail() {
    let b = edit(&clean(&world()), |v| {
        events(v).pop();
    });
    let r = check(&b);
    assert_reason(&r, Status::Tampered, "manifest.event_count_mismatch");
    assert!(r.reasons().contains(&"manifest.root_mismatch"));
}

#[test]
fn manifest_from_another_bundle() {
    let w = world();
    let mut other = bound(&w);
    other.event(&w.gateway, GATEWAY, "2026-11-20T10:00:00Z", body("a"));
    other.event(&w.gateway, GATEWAY, "2026-11-20T10:00:01Z", body("b"));
    other.event(&w.gateway, GATEWAY, "2026-11-20T10:00:02Z", body("c"));
    other.event(&w.gateway, GATEWAY, "2026-11-20T10:00:03Z", body("d"));
    other.event(&w.gateway, GATEWAY, "2026-11-20T10:00:04Z", body("e"));
    let donor: Value =
        serde_json::from_str(&other.finish(&w.collector, COLLECTOR, "b2", "2026-11-20T10:01:00Z"))
            .unwrap();
    let b = edit(&clean(&w), |v| v["manifest"] = donor["manifest"].clone());
    let r = check(&b);
    assert_reason(&r, Status::Tampered, "manifest.root_mismatch");
    assert!(
        !r.reasons().contains(&"manifest.event_count_mismatch"),
        "same count: only the root betrays it"
    );
}

#[test]
fn key_not_certified() {
    let w = world();
    let rogue = Signer::from_seed([7; 32]);
    let mut b = bound(&w);
    b.event(&rogue, GATEWAY, "2026-11-20T10:00:00Z", body("request"));
    let r = check(&b.finish(&w.collector, COLLECTOR, "b", "2026-11-20T10:01:00Z"));
    assert_reason(&r, Status::Untrusted, "trust.key_not_certified");
    assert_eq!(
        r.events()[0].integrity,
        Check::Unknown("trust.key_not_certified")
    );
}

#[test]
fn key_used_outside_its_validity() {
    let w = world();
    let mut b = bound(&w);
    b.event(&w.gateway, GATEWAY, "2027-03-01T00:00:00Z", body("late"));
    let r = check(&b.finish(&w.collector, COLLECTOR, "b", "2026-11-20T10:01:00Z"));
    assert_reason(&r, Status::Untrusted, "trust.outside_validity");
}

#[test]
fn revoked_key() {
    let w = world();
    let mut b = bound(&w);
    b.revoke(&w.root, &w.agent.public_key(), "2026-11-20T10:00:02Z");
    b.event(&w.agent, AGENT, "2026-11-20T10:00:01Z", body("before"));
    b.event(&w.agent, AGENT, "2026-11-20T10:00:03Z", body("after"));
    let r = check(&b.finish(&w.collector, COLLECTOR, "b", "2026-11-20T10:01:00Z"));
    assert_reason(&r, Status::Untrusted, "trust.key_revoked");
    assert_eq!(r.events()[0].trust, Check::Pass);
    assert_eq!(r.events()[1].trust, Check::Fail("trust.key_revoked"));
}

#[test]
fn keyid_pointing_at_the_wrong_key() {
    let w = world();
    let agent_keyid = bundle::keyid(&w.agent.public_key());
    let b = edit(&clean(&w), |v| {
        events(v)[0]["signatures"][0]["keyid"] = agent_keyid.into()
    });
    let r = check(&b);
    // keyid is only a hint: the signature still verifies with the gateway's key.
    assert_reason(&r, Status::VerifiedWithWarnings, "signature.keyid_mismatch");
    assert_eq!(r.events()[0].integrity, Check::Pass);
}

#[test]
fn an_event_signed_as_another_emitter() {
    let w = world();
    let mut b = bound(&w);
    b.event(
        &w.agent,
        GATEWAY,
        "2026-11-20T10:00:00Z",
        body("impersonation"),
    );
    let r = check(&b.finish(&w.collector, COLLECTOR, "b", "2026-11-20T10:01:00Z"));
    assert_reason(&r, Status::Untrusted, "trust.subject_mismatch");
}

#[test]
fn malformed_base64() {
    let b = edit(&clean(&world()), |v| {
        events(v)[3]["payload"] = "not*base64".into()
    });
    let r = check(&b);
    assert_reason(&r, Status::Tampered, "envelope.payload_bad_base64");
    let b = edit(&clean(&world()), |v| {
        events(v)[3]["signatures"][0]["sig"] = "%%".into()
    });
    assert_reason(&check(&b), Status::Tampered, "signature.bad_base64");
}

#[test]
fn wrong_payload_type() {
    let b = edit(&clean(&world()), |v| {
        events(v)[0]["payloadType"] = "application/json".into()
    });
    assert_reason(&check(&b), Status::Tampered, "envelope.wrong_payload_type");
}

#[test]
fn unreadable_bundles_are_refused_with_a_code() {
    let limits = Limits::default();
    let roots = [world().root.public_key()];
    let refuse =
        |bytes: &[u8], limits: &Limits| bundle::verify(bytes, &roots, limits).unwrap_err().code();
    assert_eq!(refuse(b"{", &limits), "bundle.malformed");
    assert_eq!(refuse(br#"{"custodyBundle":2,"manifest":{"payloadType":"","payload":"","signatures":[]},"events":[]}"#, &limits), "bundle.unsupported_version");
    let clean = clean(&world());
    assert_eq!(
        refuse(
            clean.as_bytes(),
            &Limits {
                max_bundle_bytes: 100,
                ..limits
            }
        ),
        "bundle.too_large"
    );
    assert_eq!(
        refuse(
            clean.as_bytes(),
            &Limits {
                max_events: 4,
                ..limits
            }
        ),
        "bundle.too_many_events"
    );
    let dup = clean.replacen(
        "\"custodyBundle\":1",
        "\"custodyBundle\":1,\"custodyBundle\":1",
        1,
    );
    assert_eq!(refuse(dup.as_bytes(), &limits), "bundle.malformed");
}

#[test]
fn a_signed_payload_that_is_not_a_valid_event_is_malformed_with_the_field_named() {
    let w = world();
    let mut b = bound(&w);
    let Value::Object(no_tool) = json!({
        "kind": "tool.call",
        "id": "evt-1",
        "actor": { "type": "agent", "id": AGENT },
    }) else {
        unreachable!()
    };
    b.event(&w.agent, AGENT, "2026-11-20T10:00:00Z", no_tool);
    let report = check(&b.finish(&w.collector, COLLECTOR, "b-1", "2026-11-20T11:00:00Z"));
    assert_reason(&report, Status::Malformed, "payload.malformed");
    let event = &report.events()[0];
    assert_eq!(event.integrity, Check::Pass);
    assert_eq!(event.trust, Check::Unknown("payload.malformed"));
    assert_eq!(
        event.detail.as_deref(),
        Some("a tool.call event must have `tool`")
    );

    let mut b = bound(&w);
    let mut unknown = body("x");
    unknown.insert("surprise".into(), json!(1));
    b.event(&w.agent, AGENT, "2026-11-20T10:00:00Z", unknown);
    let report = check(&b.finish(&w.collector, COLLECTOR, "b-2", "2026-11-20T11:00:00Z"));
    assert_reason(&report, Status::Malformed, "payload.malformed");
    let detail = report.events()[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("unknown field `surprise`"), "{detail}");
}

#[test]
fn a_revocation_removed_after_assembly_is_tampering() {
    let w = world();
    let mut b = bound(&w);
    b.revoke(&w.root, &w.agent.public_key(), "2026-11-20T10:00:02Z");
    b.event(&w.agent, AGENT, "2026-11-20T10:00:03Z", body("after"));
    let bundle = b.finish(&w.collector, COLLECTOR, "b", "2026-11-20T10:01:00Z");
    let stripped = edit(&bundle, |v| {
        v["revocations"] = json!([]);
    });
    let r = check(&stripped);
    assert_reason(&r, Status::Tampered, "manifest.statements_mismatch");
    // Adding a statement is as visible as removing one.
    let mut other = bound(&w);
    other.revoke(&w.root, &w.gateway.public_key(), "2026-11-20T09:00:00Z");
    let extra = other.finish(&w.collector, COLLECTOR, "o", "2026-11-20T10:01:00Z");
    let extra: Value = serde_json::from_str(&extra).unwrap();
    let padded = edit(&clean(&w), |v| {
        v["revocations"] = extra["revocations"].clone();
    });
    assert_reason(
        &check(&padded),
        Status::Tampered,
        "manifest.statements_mismatch",
    );
}

#[test]
fn a_key_no_trusted_root_certified_is_tried_only_where_a_keyid_names_it() {
    let w = world();
    let rogue_root = Signer::from_seed([9; 32]);
    let rogue = Signer::from_seed([8; 32]);
    let mut b = bound(&w);
    b.bind(
        &rogue_root,
        &rogue.public_key(),
        AGENT,
        "2026-01-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
    );
    b.event(&rogue, AGENT, "2026-11-20T10:00:00Z", body("named"));
    b.event(&rogue, AGENT, "2026-11-20T10:00:01Z", body("unnamed"));
    let bundle = b.finish(&w.collector, COLLECTOR, "b", "2026-11-20T10:01:00Z");
    let unnamed = edit(&bundle, |v| {
        events(v)[1]["signatures"][0]
            .as_object_mut()
            .unwrap()
            .remove("keyid");
    });
    let r = check(&unnamed);
    // Named: its signature is checked and holds; the key is simply not certified.
    assert_eq!(r.events()[0].integrity, Check::Pass);
    assert_eq!(r.events()[0].trust, Check::Fail("trust.key_not_certified"));
    // Not named: an uncertified key is not searched for, so nothing could be checked.
    assert_eq!(
        r.events()[1].integrity,
        Check::Unknown("trust.key_not_certified")
    );
    assert_eq!(r.status(), Status::Untrusted, "{:?}", r.reasons());
}

#[test]
fn an_envelope_with_too_many_signatures_is_refused() {
    let w = world();
    let many = edit(&clean(&w), |v| {
        let sig = events(v)[0]["signatures"][0].clone();
        events(v)[0]["signatures"] = Value::Array(vec![sig; bundle::MAX_SIGNATURES + 1]);
    });
    let err = bundle::verify(many.as_bytes(), &[w.root.public_key()], &Limits::default())
        .expect_err("refused");
    assert_eq!(err.code(), "bundle.malformed");
    assert!(
        err.to_string().contains("9 signatures; the limit is 8"),
        "{err}"
    );
}
