//! `custody excerpt`: chosen events of a bundle with their inclusion proofs against
//! its signed manifest; `custody verify-excerpt`: their check, without the rest of
//! the bundle (`docs/bundle-format.md`, section 19).
//!
//! `verify-excerpt` exits as `custody verify` does: 0 verified; 1 verified with
//! warnings; 3 untrusted; 4 tampered; 5 malformed (including an excerpt refused as
//! unreadable); 2 a usage or I/O error. `excerpt` exits 2 when no excerpt can be made.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{bail, Context as _};
use clap::Args;
use evidence::bundle::{self, Check, Limits, Status};
use evidence::excerpt::{self, ExcerptError, ExcerptReport};

use super::keys::read_trusted;
use super::printer::{self, refusal};
use super::verify::read_within;
use super::Outcome;

/// `custody excerpt`.
#[derive(Debug, Args)]
pub struct ExcerptArgs {
    /// The bundle file.
    pub bundle: PathBuf,
    /// The events to excerpt, by position in the bundle from 0: a comma-separated list
    /// of positions and ranges (`3,7,9` or `0-4,12`).
    #[arg(long, value_name = "POSITIONS", required = true, value_delimiter = ',')]
    pub events: Vec<String>,
    /// Write the excerpt to this file (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `custody verify-excerpt`.
#[derive(Debug, Args)]
pub struct VerifyExcerptArgs {
    /// The excerpt file.
    pub excerpt: PathBuf,
    /// Trusted organisation root keys: a file of keys (one per line, or PEM), or a
    /// key itself. Repeat for several.
    #[arg(long = "trust", value_name = "ROOTS", required = true)]
    pub trust: Vec<String>,
    /// Print the full report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs `custody excerpt`.
pub fn excerpt(args: &ExcerptArgs) -> anyhow::Result<()> {
    let positions = parse_positions(&args.events)?;
    let limits = Limits::default();
    let bytes = read_bounded(&args.bundle, limits.max_bundle_bytes)?;
    let text = excerpt::make(&bytes, &positions, &limits).map_err(|e| {
        anyhow::anyhow!(
            "no excerpt of {}: {e} ({})",
            args.bundle.display(),
            e.code()
        )
    })?;
    match &args.out {
        Some(out) => {
            std::fs::write(out, format!("{text}\n"))
                .with_context(|| format!("writing {}", out.display()))?;
            eprintln!(
                "wrote {}: {} event{} of {}, each with its inclusion proof",
                out.display(),
                positions.len(),
                if positions.len() == 1 { "" } else { "s" },
                args.bundle.display()
            );
        }
        None => println!("{text}"),
    }
    Ok(())
}

/// Positions and inclusive ranges (`3`, `0-4`), each from 0.
fn parse_positions(items: &[String]) -> anyhow::Result<Vec<usize>> {
    let number = |text: &str| -> anyhow::Result<usize> {
        text.trim().parse().with_context(|| {
            format!("--events: {text:?} is not a position (a whole number from 0)")
        })
    };
    let mut positions = Vec::new();
    for item in items {
        match item.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (number(from)?, number(to)?);
                if from > to {
                    bail!("--events: the range {item:?} is empty");
                }
                if to - from >= Limits::default().max_events {
                    bail!("--events: the range {item:?} is longer than any bundle");
                }
                positions.extend(from..=to);
            }
            None => positions.push(number(item)?),
        }
    }
    Ok(positions)
}

/// The file's bytes, unless it is larger than `limit` (then refused unread).
fn read_bounded(path: &Path, limit: usize) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > limit as u64 {
        bail!(
            "{}: {size} bytes; the limit is {limit} ({})",
            path.display(),
            "bundle.too_large"
        );
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Runs `custody verify-excerpt`.
pub fn verify_excerpt(args: &VerifyExcerptArgs) -> Outcome {
    match run(args) {
        Ok(code) => Outcome::Code(code),
        Err(err) => Outcome::Failed(err),
    }
}

fn run(args: &VerifyExcerptArgs) -> anyhow::Result<u8> {
    let roots = read_trusted(&args.trust)?;
    let limits = Limits::default();
    let result = match read_within(&args.excerpt, &limits)? {
        Err(size) => Err(ExcerptError::TooLarge {
            size,
            limit: limits.max_bundle_bytes,
        }),
        Ok(bytes) => {
            // What each event says, for the person reading the report.
            let said: Mutex<BTreeMap<usize, String>> = Mutex::new(BTreeMap::new());
            let result = excerpt::verify_and_read(&bytes, &roots, &limits, &|e| {
                let line = format!(
                    "{} {} at {}",
                    e.event.kind.as_str(),
                    e.event.id,
                    e.event.time
                );
                if let Ok(mut said) = said.lock() {
                    said.insert(e.index, line);
                }
            });
            result.map(|report| (report, said.into_inner().unwrap_or_default()))
        }
    };
    let (report, said) = match result {
        Ok(read) => read,
        Err(refused) => {
            return Ok(refusal(
                "custody.excerpt-verification.v1",
                &args.excerpt,
                refused.code(),
                &refused.to_string(),
                args.json,
            ))
        }
    };
    Ok(printer::print(
        args.json,
        report.status(),
        || report.to_json(),
        || human(&report, &said, &args.excerpt),
    ))
}

/// The report as a person reads it: status, the bundle, every reason with its
/// meaning, then every excerpted event with its four checks.
fn human(report: &ExcerptReport, said: &BTreeMap<usize, String>, path: &Path) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    printer::heading(&mut out, report.status(), path);
    let n = report.events().len();
    let _ = writeln!(
        out,
        "  {n} event{} of bundle {} ({} events)",
        if n == 1 { "" } else { "s" },
        report.bundle_id().unwrap_or("(manifest unreadable)"),
        report
            .bundle_event_count()
            .map_or_else(|| "?".to_owned(), |c| c.to_string()),
    );
    let count = |f: fn(&bundle::EventReport) -> &Check| printer::passing(report.events(), f);
    let _ = writeln!(
        out,
        "  signatures {}/{n}, trusted {}/{n}, included {}/{n}, chain links checked {}/{n}",
        count(|e| &e.integrity),
        count(|e| &e.trust),
        count(|e| &e.inclusion),
        count(|e| &e.chain),
    );
    printer::reasons(&mut out, report.reasons());
    let _ = writeln!(out, "events:");
    let mut not_in_excerpt = false;
    for e in report.events() {
        let _ = writeln!(
            out,
            "  #{} {} {} by {}",
            e.index,
            e.digest.get(..16).unwrap_or(&e.digest),
            said.get(&e.index)
                .map_or("(payload not read)", String::as_str),
            e.emitter.as_deref().unwrap_or("(unknown emitter)")
        );
        let checks: Vec<String> = printer::checks(e)
            .iter()
            .map(|(name, check)| {
                not_in_excerpt |= **check == Check::Unknown("chain.not_in_excerpt");
                printer::check(name, check)
            })
            .collect();
        let _ = writeln!(out, "      {}", checks.join(", "));
        printer::notes(&mut out, e);
    }
    if not_in_excerpt {
        let _ = writeln!(
            out,
            "note: chain.not_in_excerpt: {}",
            bundle::explain("chain.not_in_excerpt")
        );
    }
    if matches!(
        report.status(),
        Status::Verified | Status::VerifiedWithWarnings
    ) {
        let _ = writeln!(
            out,
            "These events are genuine and in the signed bundle at these positions; the excerpt says nothing of the events it leaves out."
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse_positions;

    fn parse(items: &[&str]) -> anyhow::Result<Vec<usize>> {
        parse_positions(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn positions_and_ranges_are_read() {
        assert_eq!(parse(&["3", "7", "9"]).unwrap(), [3, 7, 9]);
        assert_eq!(parse(&["0-2", "5"]).unwrap(), [0, 1, 2, 5]);
        assert_eq!(parse(&[" 4 "]).unwrap(), [4]);
        assert!(parse(&["x"]).is_err());
        assert!(parse(&["-1"]).is_err());
        assert!(parse(&["3-1"]).is_err());
        assert!(parse(&["0-99999999999"]).is_err());
    }
}
