//! The RFC 6962 / 9162 proof probes of transparency-dev/merkle in
//! `../shared/vectors/merkle/testdata`: every file's `wantErr` must match.

mod common;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use evidence::merkle::{self, Hash};
use serde_json::Value;

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
}

/// A hash field; `None` when it is absent, null or not 32 bytes (the probe then
/// expects an error, which a wrong-size hash must give).
fn hash(v: &Value) -> Option<Hash> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.as_str()?)
        .ok()?;
    bytes.try_into().ok()
}

fn proof(v: &Value) -> Option<Vec<Hash>> {
    match v {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items.iter().map(hash).collect(),
        _ => None,
    }
}

fn probes(kind: &str) -> Vec<(PathBuf, Value)> {
    let Some(dir) = common::vectors_dir().map(|d| d.join("merkle/testdata")) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    json_files(&dir.join(kind), &mut files);
    assert!(!files.is_empty(), "no {kind} probes");
    files
        .into_iter()
        .map(|f| {
            let v =
                serde_json::from_str(&std::fs::read_to_string(&f).expect("read")).expect("json");
            (f, v)
        })
        .collect()
}

/// Runs `verify` on every probe of `kind`; `None` means the probe's fields cannot be
/// given to the typed API (see [`unrepresentable`]).
fn run(kind: &str, verify: impl Fn(&Value) -> Option<Result<(), merkle::ProofError>>) {
    for (file, p) in probes(kind) {
        let Some(got) = verify(&p) else {
            unrepresentable(&file, &p);
            continue;
        };
        let want_err = p["wantErr"] == true;
        assert_eq!(
            got.is_err(),
            want_err,
            "{} ({}): {got:?}",
            file.display(),
            p["desc"]
        );
    }
}

#[test]
fn inclusion_probes_give_the_expected_verdict() {
    run("inclusion", |p| {
        let (leaf, root, proof) = (
            hash(&p["leafHash"])?,
            hash(&p["root"])?,
            proof(&p["proof"])?,
        );
        let index = p["leafIdx"].as_u64().expect("leafIdx");
        let size = p["treeSize"].as_u64().expect("treeSize");
        Some(merkle::verify_inclusion(index, size, &leaf, &proof, &root))
    });
}

#[test]
fn consistency_probes_give_the_expected_verdict() {
    run("consistency", |p| {
        let (root1, root2, proof) = (hash(&p["root1"])?, hash(&p["root2"])?, proof(&p["proof"])?);
        let size1 = p["size1"].as_u64().expect("size1");
        let size2 = p["size2"].as_u64().expect("size2");
        Some(merkle::verify_consistency(
            size1, size2, &proof, &root1, &root2,
        ))
    });
}

/// A probe whose hashes are not 32 bytes cannot be put to the typed API at all; that
/// is only acceptable for probes that expect an error, or that test byte-equality of
/// placeholder roots (the two `sizes-are-equal-*-and-proof-is-empty` probes, whose
/// rule `verify_consistency` covers with real hashes in its unit tests).
fn unrepresentable(file: &Path, p: &Value) {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let allowed = [
        "sizes-are-equal-one-and-proof-is-empty.json",
        "sizes-are-equal-zero-and-proof-is-empty.json",
    ];
    assert!(
        p["wantErr"] == true || allowed.contains(&name),
        "{}: valid probe with non-hash fields",
        file.display()
    );
}
