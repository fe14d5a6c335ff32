//! A verification report as the command line prints it, for `custody verify` and
//! `custody verify-excerpt`: the transcript as JSON, or the text a person reads, and
//! the exit code of its status; a refusal the same way; and the pieces both texts are
//! made of (the heading, the reasons, an event's checks and notes).
//!
//! Exit codes: 0 verified; 1 verified with warnings; 3 untrusted; 4 tampered;
//! 5 malformed (including a file refused as unreadable).

use std::fmt::Write as _;
use std::path::Path;

use evidence::bundle::{self, Check, EventReport, Status};

/// Prints a report, the transcript as JSON (`json`) or the text `human` makes (with
/// control, bidirectional and zero-width characters written out), and gives the exit
/// code of its `status`.
pub(super) fn print(
    json: bool,
    status: Status,
    transcript: impl FnOnce() -> serde_json::Value,
    human: impl FnOnce() -> String,
) -> u8 {
    if json {
        println!("{:#}", transcript());
    } else {
        print!("{}", model::text::terminal(&human()));
    }
    exit_code(status)
}

/// Says that `file` was refused (`code`, `detail`), as JSON of `format` or as text,
/// and gives the exit code of a malformed input.
pub(super) fn refusal(format: &str, file: &Path, code: &str, detail: &str, json: bool) -> u8 {
    if json {
        let json = serde_json::json!({
            "format": format,
            "status": "malformed",
            "reasons": [code],
            "detail": detail,
        });
        println!("{json:#}");
    } else {
        print!(
            "{}",
            model::text::terminal(&format!(
                "MALFORMED  {}\n  {code}: {detail}\n",
                file.display()
            ))
        );
    }
    exit_code(Status::Malformed)
}

/// The exit code for a status (see the module's documentation).
pub(super) fn exit_code(status: Status) -> u8 {
    match status {
        Status::Verified => 0,
        Status::VerifiedWithWarnings => 1,
        Status::Untrusted => 3,
        Status::Tampered => 4,
        Status::Malformed => 5,
    }
}

/// The text's first line: the status in capitals, and the file.
pub(super) fn heading(out: &mut String, status: Status, path: &Path) {
    let status = status.code().to_uppercase().replace('_', " ");
    let _ = writeln!(out, "{status}  {}", path.display());
}

/// How many of `events` pass the check `check` picks.
pub(super) fn passing(events: &[EventReport], check: fn(&EventReport) -> &Check) -> usize {
    events.iter().filter(|e| *check(e) == Check::Pass).count()
}

/// `reasons:` and every reason code with its meaning, when there are any.
pub(super) fn reasons(out: &mut String, reasons: &[&str]) {
    if !reasons.is_empty() {
        let _ = writeln!(out, "reasons:");
        for code in reasons {
            let _ = writeln!(out, "  {code}: {}", bundle::explain(code));
        }
    }
}

/// An event's four checks, named, in the order the text gives them.
pub(super) fn checks(e: &EventReport) -> [(&'static str, &Check); 4] {
    [
        ("integrity", &e.integrity),
        ("trust", &e.trust),
        ("chain", &e.chain),
        ("inclusion", &e.inclusion),
    ]
}

/// One check as the text says it: `NAME: pass`, `NAME: FAIL CODE` or
/// `NAME: unknown (CODE)`.
pub(super) fn check(name: &str, check: &Check) -> String {
    match check {
        Check::Pass => format!("{name}: pass"),
        Check::Fail(code) => format!("{name}: FAIL {code}"),
        Check::Unknown(code) => format!("{name}: unknown ({code})"),
    }
}

/// An event's warnings and its detail, one a line, under the event.
pub(super) fn notes(out: &mut String, e: &EventReport) {
    for w in &e.warnings {
        let _ = writeln!(out, "      warning: {w}");
    }
    if let Some(detail) = &e.detail {
        let _ = writeln!(out, "      detail: {detail}");
    }
}
