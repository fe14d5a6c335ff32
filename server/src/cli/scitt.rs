//! `custody scitt`: a bundle's manifest as a SCITT signed statement (COSE_Sign1), and
//! the check of a statement and of RFC 9942 receipts over it (`evidence::scitt`).
//!
//! Exit codes: 0 valid; 4 a signature or a receipt does not hold; 2 a usage or I/O
//! error.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use super::keys::{read_public_key, read_signer};
use super::Outcome;

/// `custody scitt`.
#[derive(Debug, Args)]
pub struct ScittArgs {
    #[command(subcommand)]
    pub command: ScittCommand,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum ScittCommand {
    /// Write a bundle's manifest as a signed statement of ISSUER (COSE_Sign1, EdDSA),
    /// to register with a transparency service.
    Statement {
        /// The bundle file.
        bundle: PathBuf,
        /// The issuer's secret key file (as `custody keygen` writes).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The issuer (the CWT `iss` claim), e.g. `https://acme.example`.
        #[arg(long)]
        issuer: String,
        /// Where to write the statement (CBOR).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Check a signed statement with its issuer's key, that it states the bundle given,
    /// and each receipt over it with the transparency service's key.
    Verify {
        /// The statement (CBOR), as registered.
        statement: PathBuf,
        /// The issuer's public key (a file, or the key itself).
        #[arg(long, value_name = "KEY")]
        issuer_key: String,
        /// The bundle the statement should state: its payload must be this bundle's
        /// manifest, as signed.
        #[arg(long, value_name = "FILE")]
        bundle: Option<PathBuf>,
        /// A receipt (CBOR); repeat for several.
        #[arg(long, value_name = "FILE")]
        receipt: Vec<PathBuf>,
        /// The transparency service's public key.
        #[arg(long, value_name = "KEY")]
        service_key: Option<String>,
    },
}

/// Runs `custody scitt`.
pub fn scitt(args: &ScittArgs) -> Outcome {
    match run(args) {
        Ok(code) => Outcome::Code(code),
        Err(e) => Outcome::Failed(e),
    }
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn run(args: &ScittArgs) -> anyhow::Result<u8> {
    match &args.command {
        ScittCommand::Statement {
            bundle,
            key,
            issuer,
            out,
        } => {
            let signer = read_signer(key)?;
            let statement = evidence::scitt::statement(
                &read(bundle)?,
                &evidence::bundle::Limits::default(),
                issuer,
                &signer,
            )?;
            std::fs::write(out, &statement)
                .with_context(|| format!("writing {}", out.display()))?;
            println!(
                "wrote {} ({} bytes): the manifest as a statement of {issuer}",
                out.display(),
                statement.len()
            );
            Ok(0)
        }
        ScittCommand::Verify {
            statement,
            issuer_key,
            bundle,
            receipt,
            service_key,
        } => {
            let bytes = read(statement)?;
            let issuer = read_public_key(issuer_key)?;
            let bundle = bundle.as_ref().map(read).transpose()?;
            let service = service_key.as_deref().map(read_public_key).transpose()?;
            let receipts = receipt
                .iter()
                .map(|path| Ok((path.display().to_string(), read(path)?)))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let found = evidence::scitt::check(
                &bytes,
                &issuer,
                bundle.as_deref(),
                &receipts,
                service.as_ref(),
                &evidence::bundle::Limits::default(),
            );
            for line in found.lines() {
                println!("{line}");
            }
            Ok(if found.holds() { 0 } else { 4 })
        }
    }
}
