//! nst/JSONTestSuite in `../shared/vectors/jsontestsuite`: the strict parser never
//! panics, rejects every `n_` probe, and accepts every `y_` probe except the two
//! whose duplicate keys Custody refuses by design.

mod common;

use evidence::json::{self, JsonError, DEFAULT_MAX_DEPTH};

fn probes() -> Vec<(String, Vec<u8>)> {
    let Some(dir) = common::vectors_dir() else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join("jsontestsuite/test_parsing"))
        .expect("test_parsing")
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("name")
                .to_owned();
            (name, std::fs::read(&path).expect("read"))
        })
        .collect();
    out.sort();
    assert_eq!(out.len(), 318);
    out
}

#[test]
fn every_probe_gets_the_expected_verdict_without_panicking() {
    let duplicates = [
        "y_object_duplicated_key.json",
        "y_object_duplicated_key_and_value.json",
    ];
    for (name, bytes) in probes() {
        let got = std::panic::catch_unwind(|| json::parse(&bytes, DEFAULT_MAX_DEPTH))
            .unwrap_or_else(|_| panic!("{name}: the parser panicked"));
        if duplicates.contains(&name.as_str()) {
            assert!(
                matches!(got, Err(JsonError::DuplicateKey(_))),
                "{name}: {got:?}"
            );
        } else if name.starts_with("y_") {
            assert!(got.is_ok(), "{name} must parse: {got:?}");
        } else if name.starts_with("n_") {
            let err = got.expect_err(&name);
            assert!(
                !err.to_string().is_empty(),
                "{name}: the error must say something"
            );
        }
    }
}
