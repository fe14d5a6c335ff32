//! `custody sign`: a bundle from a JSON Lines file of events.
//!
//! Each line is one event payload without `seq` and `prev` (the chain is built here,
//! per emitter, in file order). `emitter` names which key signs it: `--key
//! EMITTER=FILE`. Bindings and revocations (from `custody trust`) go in as they are.

use std::io::BufRead as _;
use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::Args;
use evidence::producer::{BundleBuilder, Signer};
use serde_json::Value;

use super::keys::{checked_time, read_signer};
use super::progress::Progress;

/// `custody sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The events: one JSON object per line.
    pub events: PathBuf,
    /// An emitter's signing key: EMITTER=SECRET_KEY_FILE (repeat for each emitter).
    #[arg(long = "key", value_name = "EMITTER=FILE", required = true)]
    pub keys: Vec<String>,
    /// The collector that signs the manifest: ID=SECRET_KEY_FILE.
    #[arg(long, value_name = "ID=FILE")]
    pub collector: String,
    /// Bindings and revocations to include: JSON Lines files from `custody trust`.
    #[arg(long = "statements", value_name = "FILE")]
    pub statements: Vec<PathBuf>,
    /// The bundle's ID; default derived from the events file name.
    #[arg(long)]
    pub bundle_id: Option<String>,
    /// When the manifest is issued (RFC 3339, UTC); default now.
    #[arg(long)]
    pub issued_at: Option<String>,
    /// Where to write the bundle.
    #[arg(long, short)]
    pub out: PathBuf,
}

pub fn sign(args: &SignArgs) -> anyhow::Result<()> {
    let signers = args
        .keys
        .iter()
        .map(|spec| named_signer(spec))
        .collect::<anyhow::Result<Vec<(String, Signer)>>>()?;
    let (collector_id, collector) = named_signer(&args.collector)?;
    let mut builder = BundleBuilder::new();
    for path in &args.statements {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            builder
                .statement(line)
                .map_err(|e| anyhow::anyhow!("{} line {}: {e}", path.display(), n + 1))?;
        }
    }

    let file = std::fs::File::open(&args.events)
        .with_context(|| format!("reading {}", args.events.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let progress = Progress::new("signing");
    let mut bytes_read = 0u64;
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", args.events.display()))?;
        bytes_read += line.len() as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{} line {}", args.events.display(), n + 1);
        let mut body = match serde_json::from_str::<Value>(&line) {
            Ok(Value::Object(body)) => body,
            Ok(_) => bail!("{}: an event is a JSON object", at()),
            Err(e) => bail!("{}: not JSON: {e}", at()),
        };
        for reserved in ["seq", "prev"] {
            if body.contains_key(reserved) {
                bail!("{}: `{reserved}` is set by `custody sign`; remove it", at());
            }
        }
        let (Some(Value::String(emitter)), Some(Value::String(time))) =
            (body.remove("emitter"), body.remove("time"))
        else {
            bail!("{}: an event needs `emitter` and `time` strings", at());
        };
        checked_time(&time).with_context(at)?;
        let Some((_, signer)) = signers.iter().find(|(id, _)| *id == emitter) else {
            bail!("{}: no --key for emitter {emitter:?}", at());
        };
        // The payload is checked before it is signed, with the chain fields it will get.
        let mut probe = body.clone();
        probe.insert("emitter".into(), emitter.clone().into());
        probe.insert("time".into(), time.clone().into());
        probe.insert("seq".into(), 0.into());
        probe.insert("prev".into(), Value::Null);
        evidence::event::Event::from_value(Value::Object(probe))
            .map_err(|e| anyhow::anyhow!("{}: {e}", at()))?;
        builder.event(signer, &emitter, &time, body);
        progress.update(bytes_read as usize, size as usize);
    }
    progress.finish();
    if builder.is_empty() {
        bail!("{} has no events", args.events.display());
    }
    let issued_at = match &args.issued_at {
        Some(t) => checked_time(t)?,
        None => chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    let bundle_id = args.bundle_id.clone().unwrap_or_else(|| {
        args.events
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bundle".into())
    });
    let bundle = builder.finish(&collector, &collector_id, &bundle_id, &issued_at);
    std::fs::write(&args.out, &bundle)
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "signed {} events into {} ({} bytes)",
        builder.len(),
        args.out.display(),
        bundle.len()
    );
    Ok(())
}

/// `ID=FILE` → (ID, signer).
fn named_signer(spec: &str) -> anyhow::Result<(String, Signer)> {
    let Some((id, file)) = spec.rsplit_once('=') else {
        bail!("{spec:?}: expected ID=SECRET_KEY_FILE");
    };
    Ok((id.to_owned(), read_signer(std::path::Path::new(file))?))
}
