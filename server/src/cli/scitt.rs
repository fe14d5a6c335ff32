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
    /// Check a signed statement with its issuer's key, and each receipt over it with
    /// the transparency service's key.
    Verify {
        /// The statement (CBOR), as registered.
        statement: PathBuf,
        /// The issuer's public key (a file, or the key itself).
        #[arg(long, value_name = "KEY")]
        issuer_key: String,
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
            receipt,
            service_key,
        } => {
            let bytes = read(statement)?;
            let issuer = read_public_key(issuer_key)?;
            let read_statement = match evidence::scitt::verify_statement(&bytes, &issuer) {
                Ok(s) => s,
                Err(e) => {
                    println!("NOT VALID: {e}");
                    return Ok(4);
                }
            };
            println!(
                "statement of {} about {} ({}, {} bytes): signature valid",
                read_statement.issuer,
                read_statement.subject,
                read_statement.content_type,
                read_statement.payload.len()
            );
            if receipt.is_empty() {
                return Ok(0);
            }
            let service = read_public_key(
                service_key
                    .as_deref()
                    .context("--service-key is needed to check receipts")?,
            )?;
            let mut code = 0;
            for path in receipt {
                match evidence::scitt::verify_receipt(&bytes, &read(path)?, &service) {
                    Ok(r) => println!(
                        "{}: registered at index {} of {} (receipt valid)",
                        path.display(),
                        r.index,
                        r.size
                    ),
                    Err(e) => {
                        println!("{}: NOT VALID: {e}", path.display());
                        code = 4;
                    }
                }
            }
            Ok(code)
        }
    }
}
