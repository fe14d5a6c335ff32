//! `custody ingest`, `custody trust-root` and `custody reverify`: the store, from
//! the command line, either directly (`--data-dir` / `--database-url`) or, for
//! `ingest`, through a running server (`--server`).

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use app::model::{BundleSummary, Severity};
use app::store::ingest::{self, IngestError, Target, Upload};
use app::store::reverify;
use app::store::review_log::{Actor, ServerKey};
use app::store::{trust_roots, Db};
use clap::{Args, Subcommand};
use evidence::keys::PublicKey;
use indicatif::{ProgressBar, ProgressStyle};

use super::Outcome;
use crate::config::LimitsConfig;

/// Which database to use directly.
#[derive(Clone, Debug, Args)]
pub struct StoreArgs {
    /// Data directory of the embedded database.
    #[arg(
        long,
        env = "CUSTODY_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Database URL (`sqlite://…` or `postgres://…`); overrides `--data-dir`.
    #[arg(long, env = "CUSTODY_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// The server's signing key file, which signs the review log entry each change
    /// makes. Default: `server.key` in the data directory (made when missing).
    #[arg(long, env = "CUSTODY_SIGNING_KEY", global = true)]
    pub signing_key: Option<PathBuf>,
}

impl StoreArgs {
    pub(crate) async fn open(&self) -> anyhow::Result<Db> {
        let url = match &self.database_url {
            Some(url) => url.clone(),
            None => {
                std::fs::create_dir_all(&self.data_dir).with_context(|| {
                    format!(
                        "cannot create the data directory {}",
                        self.data_dir.display()
                    )
                })?;
                Db::sqlite_url(&self.data_dir)
            }
        };
        Db::open(&url).await.context("cannot open the database")
    }

    /// The server's signing key.
    pub fn key(&self) -> anyhow::Result<ServerKey> {
        let path = self
            .signing_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join("server.key"));
        super::keys::server_key(&path).context("cannot load the server's signing key")
    }
}

/// `custody ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Bundle files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Send them to this running server (e.g. http://127.0.0.1:3000) instead of
    /// writing the database directly.
    #[arg(long, conflicts_with_all = ["data_dir", "database_url"])]
    pub server: Option<String>,
    /// Add every bundle to this incident; without it, each opens its own incident
    /// titled after its file.
    #[arg(long)]
    pub incident: Option<i64>,
    /// With `--server`: the account to sign in as (its password in
    /// `CUSTODY_PASSWORD`). It needs the compliance reviewer or admin role.
    #[arg(long, env = "CUSTODY_USER", requires = "server")]
    pub user: Option<String>,
    /// Severity of the incidents opened.
    #[arg(long, value_enum, default_value = "medium")]
    pub severity: SeverityArg,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub limits: LimitsConfig,
}

/// A severity on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

/// Exit code when a bundle was refused.
const EXIT_REFUSED: u8 = 5;

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "    ingest [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}

fn print_stored(file: &Path, b: &BundleSummary) {
    let reasons = if b.reasons.is_empty() {
        String::new()
    } else {
        format!(" [{}]", b.reasons.join(", "))
    };
    println!(
        "{}: {} sha256:{} incident {} ({} events){reasons}",
        file.display(),
        b.verdict.as_str(),
        b.sha256,
        b.incident_id,
        b.event_count
    );
}

/// Runs `custody ingest`.
pub fn ingest(args: &IngestArgs) -> Outcome {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return Outcome::Failed(e.into()),
    };
    runtime.block_on(async {
        let total: u64 = args
            .files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        let bar = bar(total);
        let db = match &args.server {
            Some(_) => None,
            None => match (args.store.open().await, args.store.key()) {
                (Ok(db), Ok(key)) => Some((db, key)),
                (Err(e), _) | (_, Err(e)) => return Outcome::Failed(e),
            },
        };
        let client = reqwest::Client::new();
        let login = match &args.server {
            Some(server) => match sign_in(&client, server, args.user.as_deref()).await {
                Ok(login) => Some(login),
                Err(e) => return Outcome::Failed(e),
            },
            None => None,
        };
        let mut refused = 0;
        for file in &args.files {
            bar.set_message(file_name(file));
            let bytes = match std::fs::read(file) {
                Ok(bytes) => bytes,
                Err(e) => {
                    bar.abandon();
                    return Outcome::Failed(
                        anyhow::Error::new(e).context(format!("cannot read {}", file.display())),
                    );
                }
            };
            let size = bytes.len() as u64;
            let result = match (&db, &args.server, &login) {
                (Some((db, key)), _, _) => {
                    let target = match args.incident {
                        Some(id) => Target::Incident(id),
                        None => Target::New {
                            title: file_name(file),
                            description: String::new(),
                            severity: args.severity.into(),
                        },
                    };
                    ingest::ingest(
                        db,
                        key,
                        Actor::Cli,
                        Upload {
                            bytes,
                            name: file_name(file),
                            target,
                        },
                        args.limits.ingest_options(),
                    )
                    .await
                    .map_err(|e| match e {
                        IngestError::Store(e) => Err(anyhow::Error::new(e)),
                        refused => Ok(refused.to_string()),
                    })
                }
                (None, Some(server), Some(login)) => {
                    upload(&client, server, login, args, file, bytes).await
                }
                _ => Err(Err(anyhow::anyhow!("no database and no server"))),
            };
            bar.inc(size);
            match result {
                Ok(stored) => bar.suspend(|| print_stored(file, &stored)),
                Err(Ok(reason)) => {
                    refused += 1;
                    bar.suspend(|| eprintln!("{}: refused: {reason}", file.display()));
                }
                Err(Err(e)) => {
                    bar.abandon();
                    return Outcome::Failed(
                        e.context(format!("while ingesting {}", file.display())),
                    );
                }
            }
        }
        bar.finish_and_clear();
        if let Some((db, _)) = db {
            db.close().await;
        }
        Outcome::Code(if refused > 0 { EXIT_REFUSED } else { 0 })
    })
}

/// Sends one bundle to a server. `Err(Ok(reason))`: the server refused it;
/// `Err(Err(e))`: it could not be asked.
/// A session on a server: its cookie and CSRF token.
struct Login {
    cookie: String,
    csrf: String,
}

/// Signs in to `server` as `user`, with the password in `CUSTODY_PASSWORD`.
async fn sign_in(
    client: &reqwest::Client,
    server: &str,
    user: Option<&str>,
) -> anyhow::Result<Login> {
    let user = user.context("--server needs --user (or CUSTODY_USER) to sign in as")?;
    let password = std::env::var("CUSTODY_PASSWORD")
        .context("set CUSTODY_PASSWORD to the password of the account to sign in as")?;
    let response = client
        .post(format!("{}/login", server.trim_end_matches('/')))
        .header("accept", "application/json")
        .form(&[("username", user), ("password", password.as_str())])
        .send()
        .await
        .with_context(|| format!("cannot reach {server}"))?;
    let status = response.status();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| {
            v.starts_with(crate::http::auth::HOST_COOKIE)
                || v.starts_with(crate::http::auth::COOKIE)
        })
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let csrf = response
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match (status.is_success(), cookie, csrf) {
        (true, Some(cookie), Some(csrf)) => Ok(Login { cookie, csrf }),
        _ => anyhow::bail!("{server} refused the sign-in as {user} ({status})"),
    }
}

async fn upload(
    client: &reqwest::Client,
    server: &str,
    login: &Login,
    args: &IngestArgs,
    file: &Path,
    bytes: Vec<u8>,
) -> Result<BundleSummary, Result<String, anyhow::Error>> {
    let mut query: Vec<(&str, String)> = vec![("name", file_name(file))];
    match args.incident {
        Some(id) => query.push(("incident", id.to_string())),
        None => {
            query.push(("title", file_name(file)));
            query.push((
                "severity",
                Severity::from(args.severity).as_str().to_owned(),
            ));
        }
    }
    let response = client
        .post(format!("{}/api/bundles", server.trim_end_matches('/')))
        .query(&query)
        .header("content-type", "application/json")
        .header("cookie", &login.cookie)
        .header("x-csrf-token", &login.csrf)
        .body(bytes)
        .send()
        .await
        .map_err(|e| Err(anyhow::Error::new(e).context(format!("cannot reach {server}"))))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| Err(anyhow::Error::new(e)))?;
    if status.is_success() {
        serde_json::from_str(&body)
            .map_err(|e| Err(anyhow::Error::new(e).context("the server's answer is not a bundle")))
    } else if status.is_client_error() {
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or(body);
        Err(Ok(format!("{status}: {message}")))
    } else {
        Err(Err(anyhow::anyhow!("the server answered {status}")))
    }
}

/// `custody trust-root`.
#[derive(Debug, Args)]
pub struct TrustRootArgs {
    #[command(subcommand)]
    pub command: TrustRootCommand,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// What to do with the server's trust roots.
#[derive(Debug, Subcommand)]
pub enum TrustRootCommand {
    /// Trust a root public key (a file as `custody keygen` writes, or the key text).
    Add {
        /// A key file, or the key itself (hex, base64 or PEM).
        key: String,
        /// A label for people.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List the trusted roots.
    List,
    /// Stop trusting a root (by hex key or keyid). Stored verdicts stay as they
    /// were computed; `custody reverify` recomputes them.
    Remove {
        /// The key in hex, or its keyid.
        key: String,
    },
}

/// Runs `custody trust-root`.
pub fn trust_root(args: &TrustRootArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let db = args.store.open().await?;
        let server_key = args.store.key()?;
        match &args.command {
            TrustRootCommand::Add { key, label } => {
                let text = std::fs::read_to_string(key).unwrap_or_else(|_| key.clone());
                let key = PublicKey::from_text(&text)
                    .map_err(|e| anyhow::anyhow!("not an ed25519 public key: {e}"))?;
                let label = trust_roots::clean_label(label).map_err(anyhow::Error::msg)?;
                let new = trust_roots::add(&db, &server_key, Actor::Cli, &key, label).await?;
                println!(
                    "{} {} ({})",
                    if new { "trusted" } else { "already trusted" },
                    key.to_hex(),
                    evidence::bundle::keyid(&key)
                );
            }
            TrustRootCommand::List => {
                for root in trust_roots::list(&db).await? {
                    println!(
                        "{}  {}  {}  {}",
                        root.public_key, root.keyid, root.added_at, root.label
                    );
                }
            }
            TrustRootCommand::Remove { key } => {
                if !trust_roots::remove(&db, &server_key, Actor::Cli, key).await? {
                    anyhow::bail!("no trusted root {key}");
                }
                println!("removed {key}");
            }
        }
        db.close().await;
        Ok(())
    })
}

/// `custody reverify`.
#[derive(Debug, Args)]
pub struct ReverifyArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub limits: LimitsConfig,
}

/// Exit code when a stored bundle no longer matches what was stored.
const EXIT_MISMATCH: u8 = 4;

/// Runs `custody reverify`: one line per bundle; exit 4 when any mismatches.
pub fn reverify(args: &ReverifyArgs) -> Outcome {
    let run = || -> anyhow::Result<u8> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let db = args.store.open().await?;
            let key = args.store.key()?;
            let lines = reverify::reverify(&db, &key, args.limits.ingest_options()).await?;
            let mut bad = 0;
            for line in &lines {
                if line.ok {
                    println!("ok        {} {}", line.sha256, line.verdict_now);
                } else {
                    bad += 1;
                    println!("MISMATCH  {}", line.sha256);
                    for difference in &line.differences {
                        println!("          {}", app::text::terminal(difference));
                    }
                }
            }
            println!("{} bundles, {} mismatched", lines.len(), bad);
            db.close().await;
            Ok(if bad > 0 { EXIT_MISMATCH } else { 0 })
        })
    };
    match run() {
        Ok(code) => Outcome::Code(code),
        Err(e) => Outcome::Failed(e),
    }
}
