//! `custody keygen` and `custody trust`: key files, and bindings and revocations made
//! with a root key; and reading the public keys `--trust` names.
//!
//! A secret key file holds the 32-byte ed25519 seed as 64 hex digits
//! ([`crate::key_files`] reads and writes them); a public key file holds the public
//! key as 64 hex digits (PEM and base64 are read too).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use clap::Args;
use evidence::keys::PublicKey;
use evidence::producer::Signer;

use crate::key_files::{read_seed, write_secret};

/// `custody keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Path stem of the files to write: NAME.key and NAME.pub.
    pub name: PathBuf,
}

/// `custody trust`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The organisation root's secret key file.
    #[arg(long)]
    pub root: PathBuf,
    /// The public key (file, or the key itself) to certify or revoke.
    #[arg(long)]
    pub key: String,
    /// The identity the key is certified for (an emitter ID such as a SPIFFE ID).
    #[arg(long, required_unless_present = "revoke_at")]
    pub subject: Option<String>,
    /// Start of validity (RFC 3339, UTC); default now.
    #[arg(long)]
    pub not_before: Option<String>,
    /// End of validity (RFC 3339, UTC); default a year after the start, or after
    /// now when the start is past.
    #[arg(long)]
    pub not_after: Option<String>,
    /// Make a revocation of the key from this time instead of a binding.
    #[arg(long, conflicts_with_all = ["subject", "not_before", "not_after"])]
    pub revoke_at: Option<String>,
    /// Append the statement to this JSON Lines file instead of printing it.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn keygen(args: &KeygenArgs) -> anyhow::Result<()> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    let signer = Signer::from_seed(seed);
    let secret = with_extension(&args.name, "key");
    let public = with_extension(&args.name, "pub");
    for path in [&secret, &public] {
        if path.exists() {
            bail!("{} exists; refusing to overwrite a key", path.display());
        }
    }
    write_secret(&secret, &format!("{}\n", hex::encode(seed)))?;
    std::fs::write(&public, format!("{}\n", signer.public_key().to_hex()))
        .with_context(|| format!("writing {}", public.display()))?;
    println!("secret key: {} (keep it secret)", secret.display());
    println!("public key: {}", public.display());
    println!("{}", signer.public_key().to_hex());
    Ok(())
}

pub fn trust(args: &TrustArgs) -> anyhow::Result<()> {
    let root = read_signer(&args.root)?;
    let key = read_public_key(&args.key)?;
    let statement = match &args.revoke_at {
        Some(at) => root.revocation(&key, &checked_time(at)?),
        None => {
            let subject = args.subject.as_deref().unwrap_or_default();
            if subject.trim().is_empty() {
                bail!("--subject must name the identity the key acts as");
            }
            let now = chrono::Utc::now();
            let not_before = match &args.not_before {
                Some(t) => checked_time(t)?,
                None => format_time(now),
            };
            let not_after = match &args.not_after {
                Some(t) => checked_time(t)?,
                None => {
                    // A year from the start, or from now when the start is past: a
                    // binding that starts in the past (a collector's, which must cover
                    // the spans it seals) still lasts a year from when it is made.
                    let start = evidence::time::parse(&not_before).unwrap_or(now).max(now);
                    format_time(start + chrono::Duration::days(365))
                }
            };
            if evidence::time::parse(&not_after) <= evidence::time::parse(&not_before) {
                bail!("--not-after must be later than --not-before");
            }
            root.binding(&key, subject, &not_before, &not_after)
        }
    };
    match &args.out {
        Some(path) => {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))?;
            writeln!(file, "{statement}").with_context(|| format!("writing {}", path.display()))?;
            eprintln!("appended to {}", path.display());
        }
        None => println!("{statement}"),
    }
    Ok(())
}

/// A signer from a secret key file.
pub fn read_signer(path: &Path) -> anyhow::Result<Signer> {
    read_seed(path).map(Signer::from_seed)
}

/// A public key from a file holding one, or from the key text itself.
pub fn read_public_key(file_or_text: &str) -> anyhow::Result<PublicKey> {
    let path = Path::new(file_or_text);
    let text = if path.is_file() {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    } else {
        file_or_text.to_owned()
    };
    PublicKey::from_text(&text).with_context(|| format!("{file_or_text}: not a public key"))
}

/// Every public key in a file (one per line, or PEM blocks), or the key text itself.
pub fn read_public_keys(file_or_text: &str) -> anyhow::Result<Vec<PublicKey>> {
    let path = Path::new(file_or_text);
    if !path.is_file() {
        return Ok(vec![read_public_key(file_or_text)?]);
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    PublicKey::list_from_text(&text).with_context(|| format!("{}", path.display()))
}

/// Every key that `--trust` options name, each a file of keys or a key itself.
pub fn read_trusted(specs: &[String]) -> anyhow::Result<Vec<PublicKey>> {
    let mut keys = Vec::new();
    for spec in specs {
        keys.extend(read_public_keys(spec)?);
    }
    Ok(keys)
}

/// `text` if it is a timestamp bundles accept.
pub fn checked_time(text: &str) -> anyhow::Result<String> {
    match evidence::time::parse(text) {
        Some(_) => Ok(text.to_owned()),
        None => bail!("{text:?} is not an RFC 3339 time in UTC, like 2026-11-23T09:30:00Z"),
    }
}

fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn with_extension(stem: &Path, ext: &str) -> PathBuf {
    let mut name = stem.as_os_str().to_owned();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}
