//! The account of every side effect in the demo corpus, against golden files
//! written from each scenario's story (`tests/golden/<slug>.txt`): who intended it,
//! who executed it, under which credential, on which authority, with which approval,
//! and what changed. The API tests check that the incident page, `events.csv`,
//! `review.json` and `report.html` state these same sentences.
//!
//! `CUSTODY_BLESS=1 cargo test -p server --test golden` rewrites the files from the
//! code; read the difference against the story before committing it.

use evidence::bundle::{self, Limits};
use evidence::findings::{accounts, Policy};
use server::demo::{self, Scenario};

/// The accounts of `scenario`'s bundle as the golden file writes them.
fn golden_text(scenario: &Scenario) -> String {
    let (_, events) = bundle::verify_and_collect(
        scenario.bundle.as_bytes(),
        &[demo::root().public_key()],
        &Limits::default(),
    )
    .expect("the corpus is readable");
    let mut out = format!("# {}: {}\n", scenario.slug, scenario.title);
    let found = accounts(&events, &Policy::default());
    if found.is_empty() {
        out.push_str("\n(no side effect whose signature held)\n");
    }
    for account in found {
        out.push_str(&format!(
            "\n## side effect #{} ({}) at {}\n",
            account.position,
            account.event_id,
            evidence::time::readable(&account.time)
        ));
        for (field, text) in account.sentences().fields() {
            out.push_str(&format!("{field}: {text}\n"));
        }
    }
    out
}

#[test]
fn every_side_effect_of_the_corpus_reads_as_its_story_says() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("CUSTODY_BLESS").is_some();
    let mut wrong = Vec::new();
    for scenario in demo::scenarios().into_iter().chain(demo::tampered()) {
        let text = golden_text(&scenario);
        let path = dir.join(format!("{}.txt", scenario.slug));
        if bless {
            std::fs::write(&path, &text).expect("writable");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != text {
            wrong.push(format!(
                "{}: the account differs from its golden file\n--- want\n{want}\n--- got\n{text}",
                scenario.slug
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
