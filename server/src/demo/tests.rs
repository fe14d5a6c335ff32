//! The corpus checked against itself: every scenario verifies cleanly, every variant
//! reports exactly what it says, the stories say what their summaries say, and the
//! output is the same run to run.

use std::collections::HashSet;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use evidence::bundle::{verify, Check, Limits, Report};
use evidence::event::{Event, Kind};
use serde_json::Value;

use super::stories::{EXECUTOR, PLANNER, VALIDATOR};
use super::tampered::wire;
use super::*;

fn report(bundle: &str) -> Report {
    verify(
        bundle.as_bytes(),
        &[root().public_key()],
        &Limits::default(),
    )
    .expect("readable")
}

/// The events of a cleanly built bundle, parsed.
fn events(bundle: &str) -> Vec<Event> {
    wire(bundle)
        .expect("bundle")
        .events
        .iter()
        .map(|e| {
            let payload = BASE64.decode(&e.payload).expect("base64");
            Event::parse(&payload, Limits::default().max_depth).expect("event")
        })
        .collect()
}

fn scenario(slug: &str) -> Vec<Event> {
    let s = scenarios()
        .into_iter()
        .find(|s| s.slug == slug)
        .expect(slug);
    events(&s.bundle)
}

#[test]
fn the_nine_scenarios_verify_with_every_check_passing() {
    let all = scenarios();
    assert_eq!(all.len(), 9);
    for s in &all {
        assert_eq!(
            (s.expected_status, s.expected_reasons.len()),
            ("verified", 0)
        );
        let r = report(&s.bundle);
        assert_eq!(
            r.status().code(),
            "verified",
            "{}: {:?}",
            s.slug,
            r.reasons()
        );
        assert!(r.reasons().is_empty(), "{}: {:?}", s.slug, r.reasons());
        for e in r.events() {
            assert_eq!(
                [&e.integrity, &e.trust, &e.chain, &e.inclusion],
                [&Check::Pass; 4],
                "{} event {}",
                s.slug,
                e.index
            );
        }
    }
}

#[test]
fn every_variant_reports_exactly_its_expected_status_and_reasons() {
    let variants = tampered();
    assert_eq!(variants.len(), 14);
    for s in &variants {
        let r = report(&s.bundle);
        assert_eq!(
            (r.status().code(), r.reasons()),
            (s.expected_status, s.expected_reasons.as_slice()),
            "{}",
            s.slug
        );
        assert_ne!(s.expected_status, "verified", "{}", s.slug);
    }
}

#[test]
fn every_bundle_shows_exactly_its_expected_attribution_gaps() {
    use evidence::findings::{analyse, Policy};
    for s in scenarios().into_iter().chain(tampered()) {
        let read: std::sync::Mutex<Vec<(usize, Event)>> = std::sync::Mutex::default();
        let report = evidence::bundle::verify_and_read(
            s.bundle.as_bytes(),
            &[root().public_key()],
            &Limits::default(),
            1,
            &|_, _| {},
            &|e| read.lock().expect("lock").push((e.index, e.event)),
        )
        .expect("readable");
        let mut events = read.into_inner().expect("events");
        events.sort_by_key(|(i, _)| *i);
        let found: Vec<&str> = analyse(&report, &events, &Policy::default())
            .iter()
            .map(|f| f.rule.code())
            .collect();
        assert_eq!(found, s.expected_findings, "{}", s.slug);
    }
    let clean: Vec<&str> = scenarios()
        .iter()
        .filter(|s| s.expected_findings.is_empty())
        .map(|s| s.slug)
        .collect();
    assert_eq!(
        clean,
        [
            "privileged-api-jit",
            "token-refresh-vault",
            "cicd-change-ticket"
        ],
        "the well-evidenced incidents show no gap"
    );
}

#[test]
fn every_event_of_the_nine_parses_and_the_bundles_are_well_formed() {
    for s in scenarios() {
        let events = events(&s.bundle);
        assert!(
            (8..=30).contains(&events.len()),
            "{}: {}",
            s.slug,
            events.len()
        );
        let emitters: HashSet<&str> = events.iter().map(|e| e.emitter.as_str()).collect();
        assert!(emitters.len() >= 4, "{}: {emitters:?}", s.slug);
        let mut seen = HashSet::new();
        for e in &events {
            // Whole seconds, UTC, `Z`.
            assert_eq!(
                (e.time.len(), e.time.ends_with('Z')),
                (20, true),
                "{}",
                e.time
            );
            if let Some(parent) = &e.parent {
                assert!(
                    seen.contains(parent),
                    "{}: {} has unknown parent",
                    s.slug,
                    e.id
                );
            }
            assert!(seen.insert(e.id.clone()), "{}: id {} twice", s.slug, e.id);
            if let Some(initiator) = e.initiator.as_deref() {
                assert_ne!(initiator, &e.actor, "{}: {}", s.slug, e.id);
            }
        }
    }
}

#[test]
fn slugs_are_unique_and_every_entry_is_described() {
    let all: Vec<Scenario> = scenarios().into_iter().chain(tampered()).collect();
    let slugs: HashSet<&str> = all.iter().map(|s| s.slug).collect();
    assert_eq!(slugs.len(), all.len());
    for s in &all {
        assert!(!s.title.is_empty() && s.title.len() <= 200, "{}", s.slug);
        assert!(s.summary.len() > 100, "{}", s.slug);
        assert!(!s.summary.contains("  "), "{}: doubled space", s.slug);
        let valid = s
            .slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        assert!(valid, "{}", s.slug);
    }
    assert!(tampered().iter().all(|s| s.slug.starts_with("tampered-")));
}

#[test]
fn every_component_has_its_own_key() {
    let mut keys = HashSet::new();
    assert!(keys.insert(root().public_key().to_hex()));
    for s in scenarios() {
        for e in events(&s.bundle) {
            keys.insert(key(&e.emitter).public_key().to_hex());
        }
    }
    assert!(keys.insert(key(COLLECTOR).public_key().to_hex()));
    // Every distinct emitter of the corpus, the collector and the root.
    let emitters: HashSet<String> = scenarios()
        .iter()
        .flat_map(|s| events(&s.bundle).into_iter().map(|e| e.emitter))
        .collect();
    assert_eq!(keys.len(), emitters.len() + 2);
}

#[test]
fn the_incidents_say_what_their_summaries_say() {
    // 1: the prompt carries markup, shown as text only.
    let s1 = scenario("prod-config-change");
    let prompt = s1.iter().find(|e| e.kind == Kind::Request).expect("prompt");
    let text = prompt
        .input
        .as_ref()
        .and_then(|c| c.text.as_deref())
        .unwrap_or("");
    assert!(text.contains("<img src=x onerror=alert(1)>"));
    assert!(s1
        .iter()
        .all(|e| e.approval.is_none() && e.approval_ref.is_none()));

    // 5: every event carries the change ticket.
    let s5 = scenario("cicd-change-ticket");
    assert!(s5
        .iter()
        .all(|e| e.correlation_id.as_deref() == Some("CHG-20417")));

    // 6: the side effect's onBehalfOf runs back through all three agents to the human.
    let s6 = scenario("multi-agent-pipeline");
    let effect = s6
        .iter()
        .find(|e| e.kind == Kind::SideEffect)
        .expect("effect");
    let chain: Vec<&str> = effect.on_behalf_of.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        chain,
        [
            EXECUTOR,
            VALIDATOR,
            PLANNER,
            "lena.fischer@fernhill.example"
        ]
    );

    // 7: the attribution gap.
    let s7 = scenario("shared-account-gap");
    let effect = s7
        .iter()
        .find(|e| e.kind == Kind::SideEffect)
        .expect("effect");
    assert_eq!(effect.actor.id, "svc-reporting-shared");
    assert!(effect.initiator.is_none() && effect.on_behalf_of.is_empty());

    // 8: the approval is decided after the side effect that cites it.
    let s8 = scenario("late-approval");
    let effect = s8
        .iter()
        .find(|e| e.kind == Kind::SideEffect)
        .expect("effect");
    let decided = s8
        .iter()
        .find(|e| e.kind == Kind::ApprovalDecision)
        .expect("decision");
    let approval = decided.approval.as_ref().expect("approval");
    assert_eq!(
        effect.approval_ref.as_deref(),
        Some(approval.approval_id.as_str())
    );
    let time = |e: &Event| evidence::time::parse(&e.time).expect("time");
    assert!(time(decided) > time(effect));

    // 9: the credential is used, and has an effect, after its revocation.
    let s9 = scenario("revoked-credential-use");
    let revoked = s9
        .iter()
        .find(|e| e.kind == Kind::CredentialRevoke)
        .expect("revoke");
    let token = &revoked.credential.as_ref().expect("credential").token_id;
    for kind in [Kind::CredentialUse, Kind::SideEffect] {
        assert!(s9.iter().any(|e| e.kind == kind
            && time(e) > time(revoked)
            && e.credential.as_ref().map(|c| &c.token_id) == Some(token)));
    }
}

#[test]
fn write_produces_the_files_and_an_index_that_parses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = write(dir.path()).expect("write");
    assert_eq!(files.len(), 1 + 9 + 14 + 1);
    assert!(files.iter().all(|f| f.is_file()));
    let root_pub = std::fs::read_to_string(dir.path().join("root.pub")).expect("root.pub");
    assert_eq!(root_pub, format!("{}\n", root().public_key().to_hex()));
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("index.json")).expect("index"))
            .expect("index.json");
    let entries = index.as_array().expect("array");
    let all: Vec<Scenario> = scenarios().into_iter().chain(tampered()).collect();
    assert_eq!(entries.len(), all.len());
    for (entry, s) in entries.iter().zip(&all) {
        assert_eq!(entry["slug"], s.slug);
        assert_eq!(entry["title"], s.title);
        assert_eq!(entry["summary"], s.summary);
        assert_eq!(entry["expectedStatus"], s.expected_status);
        assert_eq!(entry["expectedReasons"], json!(s.expected_reasons));
        assert_eq!(entry["expectedFindings"], json!(s.expected_findings));
        let file = entry["file"].as_str().expect("file");
        assert_eq!(file, format!("{}.bundle.json", s.slug));
        let bytes = std::fs::read(dir.path().join(file)).expect("bundle file");
        assert_eq!(bytes, s.bundle.as_bytes());
    }
}

#[test]
fn the_output_is_deterministic() {
    let once: Vec<String> = scenarios()
        .into_iter()
        .chain(tampered())
        .map(|s| s.bundle)
        .collect();
    let twice: Vec<String> = scenarios()
        .into_iter()
        .chain(tampered())
        .map(|s| s.bundle)
        .collect();
    assert_eq!(once, twice);
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let (fa, fb) = (write(a.path()).expect("a"), write(b.path()).expect("b"));
    assert_eq!(fa.len(), fb.len());
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.file_name(), y.file_name());
        assert_eq!(std::fs::read(x).expect("x"), std::fs::read(y).expect("y"));
    }
}

#[test]
fn event_ids_look_like_ulids_and_carry_the_time() {
    let id = event_id("b", 0, "2026-10-14T09:12:03Z");
    assert_eq!(id.len(), 4 + 26);
    assert!(id.starts_with("evt_01"), "{id}");
    assert_ne!(id, event_id("b", 1, "2026-10-14T09:12:03Z"));
}

#[test]
fn the_refund_story_reconciles_two_calls_and_finds_the_third_on_one_side() {
    use evidence::bundle::{verify_and_collect, Limits};
    use evidence::findings::{across, Policy, Rule};
    use evidence::reconcile::{Calls, MatchedBy};

    let (scenario, otlp) = super::refund_traces();
    let roots = [super::root().public_key()];
    let (report, signed) =
        verify_and_collect(scenario.bundle.as_bytes(), &roots, &Limits::default())
            .expect("readable");
    assert_eq!(report.status().code(), "verified", "{:?}", report.reasons());
    let collector = evidence::producer::Signer::from_seed([7; 32]);
    let binding = super::root().binding(
        &collector.public_key(),
        "custody-collector",
        "2020-01-01T00:00:00Z",
        "2100-01-01T00:00:00Z",
    );
    let request: otel::Request = serde_json::from_str(&otlp).expect("OTLP/JSON");
    let receipt = otel::Receipt {
        via: evidence::event::Via::Received,
        received_at: "2026-11-24T10:01:00Z",
        file: None,
    };
    let sealed = otel::seal(
        otel::events(&request, &receipt),
        &otel::Collector {
            signer: &collector,
            id: "custody-collector",
            binding: Some(&binding),
        },
        "otlp-demo",
        "2026-11-24T10:01:00Z",
    )
    .expect("sealed");
    let (report, reported) =
        verify_and_collect(sealed.as_bytes(), &roots, &Limits::default()).expect("readable");
    assert_eq!(report.status().code(), "verified", "{:?}", report.reasons());
    let (signed, reported) = (Calls::of(&signed), Calls::of(&reported));
    let (reconciled, found) = across(
        &[("signed", &signed), ("traces", &reported)],
        &Policy::default(),
    );
    assert_eq!(reconciled.matches.len(), 2);
    assert!(reconciled.matches.iter().all(|m| m.by == MatchedBy::CallId));
    assert_eq!(reconciled.unmatched.len(), 1);
    let rules: Vec<(usize, Rule)> = found.iter().map(|(b, f)| (*b, f.rule)).collect();
    assert_eq!(
        rules,
        vec![(1, Rule::UnsignedProvenance), (1, Rule::Unreconciled)]
    );
    assert!(
        found[1].1.detail.contains("export_customers"),
        "{}",
        found[1].1.detail
    );
}
