//! The `custody` command line: serve the console, and the tools a producer and an
//! auditor use on their own machine (keys, bindings, signing, verification, demo).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::ServeConfig;
use crate::startup::Application;

mod anchor;
mod excerpt;
mod export;
mod import;
mod ingest;
mod keys;
mod printer;
mod progress;
mod reverify;
mod scitt;
mod sign;
mod store;
mod trust_root;
mod users;
mod verify;
mod witness_protocol;

/// Custody: review and verify signed evidence of what AI agents did.
#[derive(Debug, Parser)]
#[command(name = "custody", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the review console and its API.
    Serve(ServeConfig),
    /// Make an ed25519 key pair: NAME.key (secret, mode 0600) and NAME.pub.
    Keygen(keys::KeygenArgs),
    /// Certify a component's key for its identity with an organisation root key
    /// (a binding), or revoke a key (a revocation). Prints one JSON line.
    Trust(keys::TrustArgs),
    /// Build a signed bundle from a JSON Lines file of events and the emitters' keys.
    Sign(sign::SignArgs),
    /// Verify a bundle against trusted root keys. Exit code 0 only when verified.
    Verify(verify::VerifyArgs),
    /// Cut an excerpt from a bundle: the chosen events, each with its inclusion
    /// proof against the bundle's signed manifest, checkable without the rest.
    Excerpt(excerpt::ExcerptArgs),
    /// Verify an excerpt against trusted root keys; exit codes as for `verify`
    /// (0 only when verified).
    VerifyExcerpt(excerpt::VerifyExcerptArgs),
    /// Store bundles: verified against the server's trust roots, kept as received.
    /// Exit code 5 when a bundle was refused as malformed.
    Ingest(ingest::IngestArgs),
    /// Import OpenTelemetry trace files, sealed by the collector (`custody import
    /// otlp FILE…`).
    Import(import::ImportArgs),
    /// Manage the root keys the server verifies bundles against.
    TrustRoot(trust_root::TrustRootArgs),
    /// Export an incident's review (CSV, JSON, printable report) with a manifest
    /// signed by the server's key.
    Export(export::ExportArgs),
    /// Check an export (a directory or export.tar) against the server's public key;
    /// exit code 0 only when nothing in it was changed, added or removed.
    VerifyReport(export::VerifyReportArgs),
    /// Manage reviewer accounts (`custody user add NAME --role admin` makes the
    /// first admin).
    User(users::UserArgs),
    /// Time-stamp a bundle: ask RFC 3161 time-stamping authorities for tokens over
    /// its manifest's signature and add them to its anchors (no signed byte changes).
    Timestamp(anchor::TimestampArgs),
    /// SCITT: a bundle's manifest as a signed statement (COSE_Sign1), and the check
    /// of a statement and of RFC 9942 receipts over it.
    Scitt(scitt::ScittArgs),
    /// Witness the server's transparency log: check its checkpoint extends the last
    /// one this witness saw, cosign it (tlog-cosignature) and send the cosignature.
    /// Exit code 4, and no cosignature, when the log was cut short, rewritten or forked.
    Witness(anchor::WitnessArgs),
    /// Serve a witness of the C2SP tlog-witness protocol (POST /add-checkpoint): cosign
    /// a log's checkpoints pushed to it, only as the log grows.
    WitnessServe(witness_protocol::WitnessServeArgs),
    /// Push the server's checkpoint to a tlog-witness witness (add-checkpoint, with
    /// the consistency proof it asks for) and give its cosignature to the server.
    /// Exit code 4 when the witness refuses a log cut short, rewritten or forked.
    PushCheckpoint(witness_protocol::PushArgs),
    /// Audit the server's transparency log: its checkpoint, its witnesses against a
    /// policy, and that it still contains a checkpoint kept earlier. Exit code 4 when
    /// it does not (truncated, rewritten, equivocation), 3 when the quorum is missing.
    AuditLog(anchor::AuditArgs),
    /// Re-read every stored bundle and recompute its digest and verdict; exit code
    /// 4 when any no longer matches what was stored.
    Reverify(reverify::ReverifyArgs),
    /// Write the demo corpus: realistic incidents and tampered variants.
    Demo {
        /// Where to write it.
        #[arg(long, default_value = "demo")]
        out: PathBuf,
        /// Also write a synthetic bundle of this many cleanly signed events
        /// (`synthetic-N.bundle.json`, certified by `synthetic-root.pub`), for load
        /// and browser benchmarks.
        #[arg(long, value_name = "N")]
        synthetic: Option<usize>,
    },
}

/// How a command ended: its exit code, and an error to print when it failed.
pub(crate) enum Outcome {
    Code(u8),
    Failed(anyhow::Error),
}

impl From<anyhow::Result<()>> for Outcome {
    fn from(result: anyhow::Result<()>) -> Self {
        match result {
            Ok(()) => Outcome::Code(0),
            Err(err) => Outcome::Failed(err),
        }
    }
}

impl Cli {
    /// Runs the command and says how it ended.
    pub fn run(self) -> ExitCode {
        let outcome = match self.command {
            Command::Serve(config) => {
                crate::telemetry::init();
                serve(config).into()
            }
            Command::Keygen(args) => keys::keygen(&args).into(),
            Command::Trust(args) => keys::trust(&args).into(),
            Command::Sign(args) => sign::sign(&args).into(),
            Command::Verify(args) => verify::verify(&args),
            Command::Excerpt(args) => excerpt::excerpt(&args).into(),
            Command::VerifyExcerpt(args) => excerpt::verify_excerpt(&args),
            Command::Demo { out, synthetic } => demo(&out, synthetic).into(),
            Command::Ingest(args) => ingest::ingest(&args),
            Command::Import(args) => import::import(&args),
            Command::TrustRoot(args) => trust_root::trust_root(&args).into(),
            Command::User(args) => users::user(&args).into(),
            Command::Export(args) => export::export(&args).into(),
            Command::VerifyReport(args) => export::verify_report(&args),
            Command::Reverify(args) => reverify::reverify(&args),
            Command::Witness(args) => anchor::witness(&args),
            Command::WitnessServe(args) => witness_protocol::serve(&args),
            Command::PushCheckpoint(args) => witness_protocol::push(&args),
            Command::Timestamp(args) => anchor::timestamp(&args),
            Command::Scitt(args) => scitt::scitt(&args),
            Command::AuditLog(args) => anchor::audit(&args),
        };
        match outcome {
            Outcome::Code(code) => ExitCode::from(code),
            Outcome::Failed(err) => {
                tracing::error!("{err:#}");
                eprintln!("custody: {err:#}");
                ExitCode::from(verify::EXIT_ERROR)
            }
        }
    }
}

fn demo(out: &std::path::Path, synthetic: Option<usize>) -> anyhow::Result<()> {
    let files = crate::demo::write(out)?;
    println!("wrote {} files to {}", files.len(), out.display());
    if let Some(n) = synthetic {
        let (bundle, root) = evidence::producer::synthetic(n, &format!("synthetic-{n}"));
        let file = out.join(format!("synthetic-{n}.bundle.json"));
        std::fs::write(&file, bundle)?;
        std::fs::write(
            out.join("synthetic-root.pub"),
            format!("{}\n", root.to_hex()),
        )?;
        println!(
            "wrote {} ({n} events; its root: synthetic-root.pub)",
            file.display()
        );
    }
    println!(
        "verify one with: custody verify {} --trust {}",
        out.join("prod-config-change.bundle.json").display(),
        out.join("root.pub").display()
    );
    Ok(())
}

fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let open = config.open;
        let app = Application::build(config).await?;
        let url = format!("http://{}", app.local_addr());
        tracing::info!(%url, "Custody is serving");
        if open {
            open_browser(&format!("{url}/verify"));
        }
        app.run_until_stopped().await
    })
}

/// Opens `url` in the desktop's browser; failing to is not an error.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if let Err(err) = std::process::Command::new(opener).arg(url).spawn() {
        tracing::warn!(%err, "could not open a browser; visit {url}");
    }
}
