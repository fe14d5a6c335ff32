//! `custody verify`: the report on a bundle, for a person or (`--json`) a program.
//!
//! Exit codes: 0 verified; 1 verified with warnings; 3 untrusted; 4 tampered;
//! 5 malformed (including a bundle refused as unreadable); 2 a usage or I/O error.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use evidence::bundle::{self, Check, Limits, Report, Status};

use super::keys::read_trusted;
use super::progress::Progress;
use super::Outcome;

/// The file at `path`, or (`Err`) its size when it is over the limit: such a file is
/// refused before it is read into memory.
pub(super) fn read_within(path: &Path, limits: &Limits) -> anyhow::Result<Result<Vec<u8>, usize>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > limits.max_bundle_bytes as u64 {
        return Ok(Err(usize::try_from(size).unwrap_or(usize::MAX)));
    }
    Ok(Ok(
        std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
    ))
}

/// A usage or I/O error (also clap's code for a bad command line).
pub const EXIT_ERROR: u8 = 2;

/// `custody verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle file.
    pub bundle: PathBuf,
    /// Trusted organisation root keys: a file of keys (one per line, or PEM), or a
    /// key itself. Repeat for several.
    #[arg(long = "trust", value_name = "ROOTS", required = true)]
    pub trust: Vec<String>,
    /// Print the full report as JSON (the verification transcript).
    #[arg(long)]
    pub json: bool,
    /// Threads to verify on; default all cores.
    #[arg(long)]
    pub threads: Option<usize>,
    /// How many failing events to list in the human-readable report.
    #[arg(long, default_value_t = 20)]
    pub show: usize,
}

pub fn verify(args: &VerifyArgs) -> Outcome {
    match run(args) {
        Ok(code) => Outcome::Code(code),
        Err(err) => Outcome::Failed(err),
    }
}

fn run(args: &VerifyArgs) -> anyhow::Result<u8> {
    let roots = read_trusted(&args.trust)?;
    let limits = Limits::default();
    let result = match read_within(&args.bundle, &limits)? {
        Err(size) => Err(bundle::Malformed::TooLarge {
            size,
            limit: limits.max_bundle_bytes,
        }),
        Ok(bytes) => {
            let threads = args
                .threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let progress = Progress::new("verifying");
            let result = bundle::verify_with(&bytes, &roots, &limits, threads, &|done, total| {
                progress.update(done, total)
            });
            progress.finish();
            result
        }
    };
    let report = match result {
        Ok(report) => report,
        Err(refused) => {
            return Ok(refusal(
                "custody.verification.v1",
                &args.bundle,
                refused.code(),
                &refused.to_string(),
                args.json,
            ))
        }
    };
    if args.json {
        println!("{:#}", report.to_json());
    } else {
        print!(
            "{}",
            app::text::terminal(&human(&report, &args.bundle, args.show))
        );
    }
    Ok(exit_code(report.status()))
}

/// Says that `file` was refused (`code`, `detail`), as JSON of `format` or as text,
/// and gives the exit code of a malformed input.
pub(super) fn refusal(
    format: &str,
    file: &std::path::Path,
    code: &str,
    detail: &str,
    json: bool,
) -> u8 {
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
            app::text::terminal(&format!(
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

/// The report as a person reads it: status, what the bundle is, every reason with
/// its meaning, and the first failing events with their checks.
fn human(report: &Report, path: &std::path::Path, show: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let status = report.status().code().to_uppercase().replace('_', " ");
    let _ = writeln!(out, "{status}  {}", path.display());
    let _ = writeln!(
        out,
        "  bundle {}, {} events",
        report.bundle_id().unwrap_or("(manifest unreadable)"),
        report.events().len()
    );
    let count = |f: fn(&bundle::EventReport) -> &Check| {
        report
            .events()
            .iter()
            .filter(|e| *f(e) == Check::Pass)
            .count()
    };
    let _ = writeln!(
        out,
        "  signatures {}/{n}, trusted {}/{n}, chained {}/{n}, included {}/{n}",
        count(|e| &e.integrity),
        count(|e| &e.trust),
        count(|e| &e.chain),
        count(|e| &e.inclusion),
        n = report.events().len()
    );
    if !report.reasons().is_empty() {
        let _ = writeln!(out, "reasons:");
        for code in report.reasons() {
            let _ = writeln!(out, "  {code}: {}", bundle::explain(code));
        }
    }
    let failing: Vec<&bundle::EventReport> = report
        .events()
        .iter()
        .filter(|e| {
            [&e.integrity, &e.trust, &e.chain, &e.inclusion]
                .iter()
                .any(|c| **c != Check::Pass)
                || !e.warnings.is_empty()
        })
        .collect();
    if !failing.is_empty() {
        let _ = writeln!(out, "events with findings ({}):", failing.len());
        for e in failing.iter().take(show) {
            let _ = writeln!(
                out,
                "  #{} {} by {}",
                e.index,
                e.digest.get(..16).unwrap_or(&e.digest),
                e.emitter.as_deref().unwrap_or("(unknown emitter)")
            );
            for (name, check) in [
                ("integrity", &e.integrity),
                ("trust", &e.trust),
                ("chain", &e.chain),
                ("inclusion", &e.inclusion),
            ] {
                match check {
                    Check::Pass => {}
                    Check::Fail(code) => {
                        let _ = writeln!(out, "      {name}: FAIL {code}");
                    }
                    Check::Unknown(code) => {
                        let _ = writeln!(out, "      {name}: unknown ({code})");
                    }
                }
            }
            for w in &e.warnings {
                let _ = writeln!(out, "      warning: {w}");
            }
            if let Some(detail) = &e.detail {
                let _ = writeln!(out, "      detail: {detail}");
            }
        }
        if failing.len() > show {
            let _ = writeln!(
                out,
                "  … and {} more (--show N, or --json)",
                failing.len() - show
            );
        }
    }
    out
}
