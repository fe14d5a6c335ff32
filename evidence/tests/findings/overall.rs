//! Every rule at once: the control table, `docs/findings.md`, the order of the
//! findings, determinism, and inputs that could trouble the rules.

use crate::support::*;
use evidence::findings::Rule;
use evidence::findings::{analyse, Finding, Policy};
use serde_json::json;

// ---------------------------------------------------------------------------------
// Controls, order, determinism, odd inputs

#[test]
fn every_rule_maps_to_at_least_two_controls() {
    for rule in Rule::ALL {
        let controls = rule.controls();
        assert!(controls.len() >= 2, "{}: {controls:?}", rule.code());
        let mut ids: Vec<&str> = controls.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(
            ids.len(),
            controls.len(),
            "{}: a control twice",
            rule.code()
        );
        assert!(controls.iter().all(|c| !c.title.is_empty()));
    }
}

#[test]
fn the_document_lists_every_rule_with_its_severity_and_controls() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/findings.md");
    let doc = std::fs::read_to_string(&path).expect("docs/findings.md");
    let rows: Vec<Vec<String>> = doc
        .lines()
        .skip_while(|l| l.trim() != "<!-- rules -->")
        .skip(3)
        .take_while(|l| l.starts_with('|'))
        .map(|row| {
            row.split('|')
                .map(|c| c.trim().trim_matches('`').to_owned())
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    let expected: Vec<Vec<String>> = Rule::ALL
        .iter()
        .map(|r| {
            let ids: Vec<&str> = r.controls().iter().map(|c| c.id).collect();
            vec![
                r.code().to_owned(),
                r.severity().as_str().to_owned(),
                ids.join(", "),
            ]
        })
        .collect();
    assert_eq!(rows, expected, "the rules table of docs/findings.md");
    for rule in Rule::ALL {
        assert!(
            doc.matches(&format!("| `{}` | ", rule.code())).count() >= 2,
            "{} has no row in a table of what triggers it",
            rule.code()
        );
        for c in rule.controls() {
            assert!(
                doc.contains(&format!("| {} | {} |", c.id, c.title)),
                "{} {} is not listed with its title",
                c.id,
                c.title
            );
        }
    }
}

#[test]
fn findings_come_by_severity_then_first_event_and_are_deterministic() {
    // A bundle with several findings: a shared account (high), a sequence gap
    // (medium) and a clock inversion (low).
    let mut s = Story::new();
    let d0 = s.raw(F, 0, None, "10:00:30", plain("a"));
    s.raw(F, 2, Some(&d0), "10:00:00", plain("b"));
    s.ev(
        E,
        "10:01:00",
        body(
            "policy.decision",
            "d",
            system("opa"),
            json!({ "decision": decision("dec-1", "allow") }),
        ),
    );
    s.ev(
        E,
        "10:02:00",
        body(
            "side_effect",
            "x",
            service("svc"),
            json!({ "parent": "d", "decisionRef": "dec-1", "change": change("db://staging/t") }),
        ),
    );
    let bundle = s.finish();
    let (report, events) = read(&bundle);
    let first = analyse(&report, &events, &Policy::default());
    assert_eq!(
        all(&first),
        vec![
            (Rule::SharedAccount, vec![3]),
            (Rule::SequenceGap, vec![1, 0]),
            (Rule::ClockInversion, vec![1, 0]),
        ]
    );
    // The same inputs, in another order, give the same findings and keys.
    let mut reversed = events.clone();
    reversed.reverse();
    let again = analyse(&report, &reversed, &Policy::default());
    assert_eq!(first, again);
    let (report2, events2) = read(&bundle);
    let keys = |f: &[Finding]| f.iter().map(Finding::key).collect::<Vec<_>>();
    assert_eq!(
        keys(&first),
        keys(&analyse(&report2, &events2, &Policy::default()))
    );
    assert_eq!(keys(&first)[0], "shared-account:3");
}

#[test]
fn cycles_duplicate_ids_and_unknown_references_do_not_trouble_the_rules() {
    let mut s = Story::new();
    s.ev(
        E,
        "10:00:00",
        body(
            "model.output",
            "a",
            agent(AGENT),
            json!({ "parent": "b", "output": output("x"), "decisionRef": "nowhere" }),
        ),
    );
    s.ev(
        E,
        "10:00:01",
        body(
            "tool.call",
            "b",
            agent(AGENT),
            json!({ "parent": "a", "tool": tool("t"), "approvalRef": "nowhere" }),
        ),
    );
    s.ev(E, "10:00:02", body("side_effect", "b", agent(AGENT), json!({ "parent": "b", "change": change("x://prod"), "credential": { "tokenId": "ghost" } })));
    s.ev(
        E,
        "10:00:03",
        body(
            "task.delegate",
            "c",
            agent(AGENT),
            json!({ "parent": "c", "delegation": { "to": agent(AGENT), "scope": [] } }),
        ),
    );
    let f = findings(&s.finish());
    // The side effect cites, through its ancestors, an approval and a decision that
    // are not there.
    assert_eq!(
        all(&f),
        vec![
            (Rule::DecisionAbsent, vec![0]),
            (Rule::ApprovalMissing, vec![2]),
        ]
    );
}
