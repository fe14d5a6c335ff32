//! `custody verify`: the report on a bundle, for a person or (`--json`) a program.
//!
//! Exit codes: 0 verified; 1 verified with warnings; 3 untrusted; 4 tampered;
//! 5 malformed (including a bundle refused as unreadable); 2 a usage or I/O error.
//! The report is printed as [`super::printer`] prints every verification report.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use evidence::bundle::{self, Check, Limits, Report};

use super::keys::read_trusted;
use super::printer::{self, refusal};
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
    /// An anchor trust file (`log <server key>`, `witness <vkey>`, `quorum <k>`, and
    /// PEM certificates of time-stamping authorities): the bundle's anchors are
    /// checked against it and said ("Timestamped by …", "Witnessed by …", "Not
    /// anchored"). An anchor that does not hold makes a verified bundle exit 1.
    #[arg(long, value_name = "FILE")]
    pub anchors: Option<PathBuf>,
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
    let code = printer::print(
        args.json,
        report.status(),
        || report.to_json(),
        || human(&report, &args.bundle, args.show),
    );
    let Some(path) = &args.anchors else {
        return Ok(code);
    };
    let trust = evidence::anchor::AnchorTrust::parse(
        &std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
    )
    .with_context(|| format!("{}", path.display()))?;
    let bytes = std::fs::read(&args.bundle)
        .with_context(|| format!("reading {}", args.bundle.display()))?;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let (_, anchoring) = evidence::anchor::verify_bundle(&bytes, &roots, &limits, threads, &trust)?;
    for line in anchoring.state().sentences() {
        println!("  anchor: {line}");
    }
    let problems = anchoring.problems();
    for problem in &problems {
        println!("  anchor does not hold: {problem}");
    }
    if !anchoring.after_anchor.is_empty() {
        println!(
            "  time.after_anchor: {} events are dated after the earliest time stamp (events {})",
            anchoring.after_anchor.len(),
            anchoring
                .after_anchor
                .iter()
                .take(args.show)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(if code == 0 && !problems.is_empty() {
        1
    } else {
        code
    })
}

/// The report as a person reads it: status, what the bundle is, every reason with
/// its meaning, and the first failing events with their checks.
fn human(report: &Report, path: &std::path::Path, show: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    printer::heading(&mut out, report.status(), path);
    let _ = writeln!(
        out,
        "  bundle {}, {} events",
        report.bundle_id().unwrap_or("(manifest unreadable)"),
        report.events().len()
    );
    let count = |f: fn(&bundle::EventReport) -> &Check| printer::passing(report.events(), f);
    let _ = writeln!(
        out,
        "  signatures {}/{n}, trusted {}/{n}, chained {}/{n}, included {}/{n}",
        count(|e| &e.integrity),
        count(|e| &e.trust),
        count(|e| &e.chain),
        count(|e| &e.inclusion),
        n = report.events().len()
    );
    printer::reasons(&mut out, report.reasons());
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
            for (name, check) in printer::checks(e) {
                if *check != Check::Pass {
                    let _ = writeln!(out, "      {}", printer::check(name, check));
                }
            }
            printer::notes(&mut out, e);
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
