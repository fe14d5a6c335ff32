//! `custody import otlp`: OpenTelemetry trace files (as a collector's file exporter
//! writes them) sealed by the collector and stored, directly (`--data-dir` /
//! `--database-url`, signed with the collector key there) or through a running
//! server (`--server`, with a machine token or an account).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use evidence::event::Via;
use model::{BundleSummary, Severity};
use store::ingest::{IngestError, Target};
use store::review_log::Actor;

use super::ingest::{answer, RemoteArgs};
use super::store::StoreArgs;
use super::Outcome;
use crate::config::{CollectorConfig, LimitsConfig};

/// `custody import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub what: ImportWhat,
}

/// What to import.
#[derive(Debug, Subcommand)]
pub enum ImportWhat {
    /// OpenTelemetry traces: files a collector's file exporter wrote (OTLP/JSON
    /// Lines, or length-prefixed protobuf; gzip or not). Each file becomes one
    /// bundle sealed by the collector, its events "imported from a file". Exit code
    /// 5 when a file was refused.
    Otlp(OtlpArgs),
}

/// `custody import otlp`.
#[derive(Debug, Args)]
pub struct OtlpArgs {
    /// Trace files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// Add every file's traces to this incident; without it, each opens its own
    /// incident titled after its file.
    #[arg(long)]
    pub incident: Option<i64>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub limits: LimitsConfig,
    #[command(flatten)]
    pub collector: CollectorConfig,
}

/// Exit code when a file was refused.
const EXIT_REFUSED: u8 = 5;

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Runs `custody import`.
pub fn import(args: &ImportArgs) -> Outcome {
    let ImportWhat::Otlp(args) = &args.what;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return Outcome::Failed(e.into()),
    };
    runtime.block_on(async {
        match run(args).await {
            Ok(refused) => Outcome::Code(if refused > 0 { EXIT_REFUSED } else { 0 }),
            Err(e) => Outcome::Failed(e),
        }
    })
}

/// Imports every file; how many were refused.
async fn run(args: &OtlpArgs) -> anyhow::Result<usize> {
    let mut refused = 0;
    match &args.remote.server {
        Some(server) => {
            let client = reqwest::Client::new();
            let login = args.remote.login(&client, server).await?;
            for file in &args.files {
                let bytes = std::fs::read(file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let mut query = vec![("name", file_name(file))];
                if let Some(id) = args.incident {
                    query.push(("incident", id.to_string()));
                }
                let request = client
                    .post(format!(
                        "{}/api/traces/import",
                        server.trim_end_matches('/')
                    ))
                    .query(&query)
                    .header("content-type", "application/octet-stream")
                    .body(bytes);
                let response = login
                    .attach(request)
                    .send()
                    .await
                    .with_context(|| format!("cannot reach {server}"))?;
                match answer::<BundleSummary>(response, "a bundle").await {
                    Ok(stored) => print_stored(file, &stored),
                    Err(Ok(reason)) => {
                        refused += 1;
                        eprintln!("{}: refused: {reason}", file.display());
                    }
                    Err(Err(e)) => {
                        return Err(e.context(format!("while importing {}", file.display())))
                    }
                }
            }
        }
        None => {
            let db = args.store.open().await?;
            let key = args.store.key(&db).await?;
            let collector = args
                .collector
                .load(&args.store.data_dir, args.limits.max_bundle_bytes)
                .context("cannot load the collector's key")?;
            for file in &args.files {
                let bytes = std::fs::read(file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let name = file_name(file);
                let requests = match otel::decode::file(&bytes, &collector.limits) {
                    Ok(r) => r,
                    Err(e) => {
                        refused += 1;
                        eprintln!("{}: refused: {} ({e})", file.display(), e.code());
                        continue;
                    }
                };
                let target = match args.incident {
                    Some(id) => Target::Incident(id),
                    None => Target::New {
                        title: name.clone(),
                        description: String::new(),
                        severity: Severity::Medium,
                    },
                };
                let stored = collector
                    .receive(
                        &db,
                        &key,
                        Actor::Cli,
                        store::collector::Batch {
                            requests,
                            via: Via::Imported,
                            file: Some(&name),
                        },
                        target,
                        args.limits.ingest_options(),
                    )
                    .await;
                match stored {
                    Ok(Some(stored)) => print_stored(file, &stored),
                    Ok(None) => {
                        refused += 1;
                        eprintln!("{}: refused: the file holds no span", file.display());
                    }
                    Err(IngestError::Store(e)) => return Err(e.into()),
                    Err(e) => {
                        refused += 1;
                        eprintln!("{}: refused: {e}", file.display());
                    }
                }
            }
            db.close().await;
        }
    }
    Ok(refused)
}

fn print_stored(file: &Path, b: &BundleSummary) {
    println!(
        "{}: {} sha256:{} incident {} ({} events)",
        file.display(),
        b.verdict.as_str(),
        b.sha256,
        b.incident_id,
        b.event_count
    );
}
