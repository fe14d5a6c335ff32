//! `custody export` and `custody verify-report`, run as a user runs them: the export
//! written to a directory, with the report printed to PDF, verified with the key alone.

use std::process::Command;

use serde_json::Value;

use super::{base64_decode, code, custody, ok, tempdir};

/// `custody export` of incident 1 of `db` into `out`, with `--pdf`.
const EXPORT_PDF: [&str; 8] = [
    "export",
    "--data-dir",
    "db",
    "--incident",
    "1",
    "--out",
    "out",
    "--pdf",
];

/// A data directory holding the demo's late-approval incident (incident 1).
fn stored(dir: &std::path::Path) {
    ok(dir, &["demo", "--out", "demo"]);
    ok(
        dir,
        &["trust-root", "add", "--data-dir", "db", "demo/root.pub"],
    );
    ok(
        dir,
        &[
            "ingest",
            "--data-dir",
            "db",
            "demo/late-approval.bundle.json",
        ],
    );
}

#[test]
fn an_export_with_its_pdf_verifies_and_a_changed_pdf_is_named() {
    let dir = tempdir();
    let dir = dir.path();
    stored(dir);
    let printed = ok(dir, &EXPORT_PDF);
    assert!(printed.contains("report.pdf"), "{printed}");
    let pdf = std::fs::read(dir.join("out/report.pdf")).expect("report.pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(
        pdf.windows(10).any(|w| w == b"/Type /Pag"),
        "the PDF has pages"
    );
    let verified = ok(dir, &["verify-report", "out", "--trust", "out/server.pub"]);
    assert!(verified.starts_with("verified: incident 1"), "{verified}");
    // The signed manifest lists the PDF: one changed byte in it is named.
    let envelope: Value =
        serde_json::from_slice(&std::fs::read(dir.join("out/manifest.dsse.json")).expect("read"))
            .expect("JSON");
    let manifest: Value = serde_json::from_slice(&base64_decode(
        envelope["payload"].as_str().expect("a payload"),
    ))
    .expect("JSON");
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(listed.contains(&"report.pdf"), "{listed:?}");
    let mut changed = pdf.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0x01;
    std::fs::write(dir.join("out/report.pdf"), &changed).expect("write");
    let out = custody(dir, &["verify-report", "out", "--trust", "out/server.pub"]);
    assert_eq!(code(&out), 4);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("report.pdf: changed"), "{text}");
}

#[test]
fn without_a_browser_to_print_with_nothing_is_exported() {
    let dir = tempdir();
    let dir = dir.path();
    stored(dir);
    let out = Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(EXPORT_PDF)
        .env("CUSTODY_CHROMIUM", dir.join("no-such-browser"))
        .current_dir(dir)
        .output()
        .expect("runs");
    assert_ne!(code(&out), 0);
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("could not be made into a PDF") && text.contains("no-such-browser"),
        "{text}"
    );
    assert!(!dir.join("out").exists(), "nothing written");
    // Without --pdf the same export works, and holds no PDF.
    ok(dir, &EXPORT_PDF[..EXPORT_PDF.len() - 1]);
    assert!(dir.join("out/report.html").exists());
    assert!(!dir.join("out/report.pdf").exists());
}
