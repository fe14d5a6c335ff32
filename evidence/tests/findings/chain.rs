//! `no-executor`, `chain-broken`, `sequence-gap`, `clock-inversion`,
//! `outside-time-range`, `unsigned` and `untrusted`: what the chain of events, its
//! timestamps and its signatures show.

use crate::support::*;
use evidence::findings::Policy;
use evidence::findings::Rule;
use evidence::producer::{sign_event, Signer};
use serde_json::json;
use serde_json::Value;

// ---------------------------------------------------------------------------------
// no-executor

/// A model output, then a change whose parent is `parent`, with a credential when
/// `credential`.
fn executed(through_tool: bool, credential: bool) -> String {
    let mut s = Story::new();
    s.ev(
        E,
        "10:00:00",
        body(
            "policy.decision",
            "d",
            system("opa"),
            json!({ "decision": decision("dec-1", "allow") }),
        ),
    );
    s.ev(
        E,
        "10:00:01",
        body(
            "model.output",
            "m",
            agent(AGENT),
            json!({ "parent": "d", "initiator": human(ALICE), "output": output("do it") }),
        ),
    );
    let mut parent = "m";
    if through_tool {
        s.ev(
            E,
            "10:00:02",
            body(
                "tool.call",
                "c",
                agent(AGENT),
                json!({ "parent": "m", "initiator": human(ALICE), "tool": tool("t") }),
            ),
        );
        parent = "c";
    }
    let mut effect =
        json!({ "parent": parent, "initiator": human(ALICE), "change": change("db://staging/t") });
    if credential {
        effect["credential"] = json!({ "tokenId": "t" });
    }
    s.ev(
        E,
        "10:00:03",
        body("side_effect", "x", agent(AGENT), effect),
    );
    s.finish()
}

#[test]
fn a_change_straight_from_model_output_is_no_executor() {
    let f = findings(&executed(false, false));
    assert_eq!(all(&f), vec![(Rule::NoExecutor, vec![2, 1])]);
}

#[test]
fn a_tool_call_or_a_credential_makes_an_executor() {
    assert_eq!(all(&findings(&executed(true, false))), vec![]);
    assert_eq!(all(&findings(&executed(false, true))), vec![]);
}

// ---------------------------------------------------------------------------------
// chain-broken, sequence-gap, clock-inversion, outside-time-range

/// Three events of one emitter, signed one by one: the second's `prev` or `seq`
/// as given.
fn chained(second_prev_wrong: bool, second_seq: u64) -> String {
    let mut s = Story::new();
    let d0 = s.raw(E, 0, None, "10:00:00", plain("a"));
    let prev = if second_prev_wrong {
        "00".repeat(32)
    } else {
        d0
    };
    s.raw(E, second_seq, Some(&prev), "10:00:01", plain("b"));
    s.finish()
}

#[test]
fn a_broken_link_is_chain_broken() {
    let f = findings(&chained(true, 1));
    assert_eq!(all(&f), vec![(Rule::ChainBroken, vec![1])]);
    assert!(f[0].detail.contains(E), "{}", f[0].detail);
    assert_eq!(all(&findings(&chained(false, 1))), vec![]);
}

#[test]
fn reordered_events_are_chain_broken_and_the_manifest_says_so() {
    let mut s = Story::new();
    s.ev(E, "10:00:00", plain("a"));
    s.ev(E, "10:00:01", plain("b"));
    s.ev(E, "10:00:02", plain("c"));
    let bundle = edit(&s.finish(), |events| events.swap(1, 2));
    let f = findings(&bundle);
    // The manifest no longer matches; the event moved ahead leaves a gap behind
    // it, and the one moved back comes after a later one.
    assert_eq!(
        all(&f),
        vec![
            (Rule::ChainBroken, vec![]),
            (Rule::ChainBroken, vec![2]),
            (Rule::SequenceGap, vec![1, 0]),
        ]
    );
}

#[test]
fn skipped_sequence_numbers_are_a_sequence_gap() {
    let f = findings(&chained(false, 3));
    assert_eq!(all(&f), vec![(Rule::SequenceGap, vec![1, 0])]);
    assert!(f[0].detail.contains("2 missing"), "{}", f[0].detail);
}

#[test]
fn an_event_before_its_parent_or_its_predecessor_is_a_clock_inversion() {
    let mut s = Story::new();
    s.ev(E, "10:00:10", plain("a"));
    s.ev(E, "10:00:00", plain("b"));
    s.ev(F, "10:00:20", plain("c"));
    s.ev(
        E,
        "10:00:30",
        body("system", "d", system("s"), json!({ "parent": "c" })),
    );
    s.ev(
        F,
        "10:00:05",
        body("system", "e", system("s"), json!({ "parent": "d" })),
    );
    let f = findings(&s.finish());
    assert_eq!(
        all(&f),
        vec![
            (Rule::ClockInversion, vec![1, 0]),
            (Rule::ClockInversion, vec![4, 3, 2]),
        ]
    );
}

#[test]
fn an_inversion_within_the_clock_skew_is_no_finding() {
    let mut s = Story::new();
    s.ev(E, "10:00:10", plain("a"));
    s.ev(
        E,
        "10:00:06",
        body("system", "b", system("s"), json!({ "parent": "a" })),
    );
    let bundle = s.finish();
    assert_eq!(all(&findings(&bundle)), vec![]);
    let strict = Policy {
        clock_skew_seconds: 0,
        ..Policy::default()
    };
    assert_eq!(
        all(&findings_with(&bundle, &strict)),
        vec![(Rule::ClockInversion, vec![1, 0])]
    );
}

#[test]
fn an_event_outside_the_manifests_range_is_named() {
    let mut s = Story::new();
    s.ev(E, "10:00:00", plain("a"));
    s.ev(E, "10:01:00", plain("b"));
    let (late, _) = sign_event(s.key(F), F, 0, None, &at("12:00:00"), plain("late"));
    let clean = s.finish();
    assert_eq!(all(&findings(&clean)), vec![]);
    let late: Value = serde_json::from_str(&late).unwrap();
    let f = findings(&edit(&clean, |events| events.push(late)));
    assert_eq!(
        all(&f),
        vec![
            (Rule::ChainBroken, vec![]),
            (Rule::OutsideTimeRange, vec![2])
        ]
    );
    assert!(
        f[1].detail.contains("2026-11-20 12:00:00 UTC"),
        "{}",
        f[1].detail
    );
}

// ---------------------------------------------------------------------------------
// unsigned, untrusted

#[test]
fn an_event_whose_signature_fails_is_unsigned() {
    let mut s = Story::new();
    s.ev(E, "10:00:00", plain("a"));
    s.ev(F, "10:00:01", plain("b"));
    let clean = s.finish();
    assert_eq!(all(&findings(&clean)), vec![]);
    let bundle = edit(&clean, |events| {
        let sig = events[1]["signatures"][0]["sig"]
            .as_str()
            .unwrap()
            .to_owned();
        let flipped = match sig.strip_prefix('A') {
            Some(rest) => format!("B{rest}"),
            None => format!("A{}", &sig[1..]),
        };
        events[1]["signatures"][0]["sig"] = flipped.into();
    });
    let f = findings(&bundle);
    assert_eq!(all(&f), vec![(Rule::Unsigned, vec![1])]);
    assert!(f[0].detail.contains("signature.invalid"), "{}", f[0].detail);
}

#[test]
fn events_signed_outside_the_keys_certification_are_untrusted() {
    let mut s = Story::new();
    s.ev(E, "10:00:00", plain("a"));
    let stale = Signer::from_seed([77; 32]);
    s.builder.bind(
        &s.root,
        &stale.public_key(),
        F,
        "2026-01-01T00:00:00Z",
        "2026-06-01T00:00:00Z",
    );
    s.builder.event(&stale, F, &at("10:00:01"), plain("b"));
    s.builder.event(&stale, F, &at("10:00:02"), plain("c"));
    let f = findings(&s.finish());
    assert_eq!(all(&f), vec![(Rule::Untrusted, vec![1, 2])]);
    assert!(
        f[0].detail.contains("trust.outside_validity") && f[0].detail.contains(F),
        "{}",
        f[0].detail
    );
}

#[test]
fn an_uncertified_key_is_untrusted_not_unsigned() {
    let mut s = Story::new();
    s.ev(E, "10:00:00", plain("a"));
    let rogue = Signer::from_seed([78; 32]);
    s.builder.event(&rogue, F, &at("10:00:01"), plain("b"));
    let f = findings(&s.finish());
    assert_eq!(all(&f), vec![(Rule::Untrusted, vec![1])]);
}
