//! `custody ingest`: bundles into the store, either directly (`--data-dir` /
//! `--database-url`) or through a running server (`--server`).

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use model::{BundleSummary, Severity};
use store::ingest::{self, IngestError, Target, Upload};
use store::review_log::Actor;

use super::store::StoreArgs;
use super::Outcome;
use crate::config::LimitsConfig;

/// `custody ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Bundle files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// Add every bundle to this incident; without it, each opens its own incident
    /// titled after its file.
    #[arg(long)]
    pub incident: Option<i64>,
    /// Severity of the incidents opened.
    #[arg(long, value_enum, default_value = "medium")]
    pub severity: SeverityArg,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub limits: LimitsConfig,
}

/// A running server to send to, instead of writing the database directly, and how
/// the command speaks for itself there (`ingest` and `import` share these).
#[derive(Debug, Args)]
pub struct RemoteArgs {
    /// Send them to this running server (e.g. http://127.0.0.1:3000) instead of
    /// writing the database directly.
    #[arg(long, conflicts_with_all = ["data_dir", "database_url"])]
    pub server: Option<String>,
    /// With `--server`: the account to sign in as (its password in
    /// `CUSTODY_PASSWORD`). It needs the compliance reviewer or admin role.
    #[arg(long, env = "CUSTODY_USER", requires = "server")]
    pub user: Option<String>,
    /// With `--server`: send with the machine token whose secret is in this file
    /// (an admin makes one on the Users page) instead of signing in. The secret may
    /// also be given in `CUSTODY_TOKEN`.
    #[arg(long, requires = "server", conflicts_with = "user")]
    pub token_file: Option<PathBuf>,
}

impl RemoteArgs {
    /// The machine token of `--token-file` or `CUSTODY_TOKEN`, else a session for
    /// `--user`, on `server`.
    pub(crate) async fn login(
        &self,
        client: &reqwest::Client,
        server: &str,
    ) -> anyhow::Result<Login> {
        token_or_sign_in(
            client,
            server,
            self.token_file.as_deref(),
            self.user.as_deref(),
        )
        .await
    }
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
        let db = match &args.remote.server {
            Some(_) => None,
            None => match args.store.open().await {
                Ok(db) => match args.store.key(&db).await {
                    Ok(key) => Some((db, key)),
                    Err(e) => return Outcome::Failed(e),
                },
                Err(e) => return Outcome::Failed(e),
            },
        };
        let client = reqwest::Client::new();
        let login = match &args.remote.server {
            Some(server) => match args.remote.login(&client, server).await {
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
            let result = match (&db, &args.remote.server, &login) {
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

/// How the command speaks for itself to a server.
pub(crate) enum Login {
    /// A session: its cookie and CSRF token.
    Session { cookie: String, csrf: String },
    /// A machine token's secret.
    Token(String),
}

impl Login {
    /// `request`, carrying these credentials.
    pub(crate) fn attach(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Login::Session { cookie, csrf } => request
                .header("cookie", cookie)
                .header("x-csrf-token", csrf),
            Login::Token(secret) => request.bearer_auth(secret),
        }
    }
}

/// The machine token in `file` or `CUSTODY_TOKEN`, else a session for `user`.
async fn token_or_sign_in(
    client: &reqwest::Client,
    server: &str,
    file: Option<&Path>,
    user: Option<&str>,
) -> anyhow::Result<Login> {
    if let Some(file) = file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the token file {}", file.display()))?;
        let secret = text.trim();
        anyhow::ensure!(
            !secret.is_empty(),
            "the token file {} is empty",
            file.display()
        );
        return Ok(Login::Token(secret.to_owned()));
    }
    if user.is_none() {
        if let Some(secret) = std::env::var("CUSTODY_TOKEN")
            .ok()
            .filter(|s| !s.trim().is_empty())
        {
            return Ok(Login::Token(secret.trim().to_owned()));
        }
    }
    sign_in(client, server, user).await
}

/// Signs in to `server` as `user`, with the password in `CUSTODY_PASSWORD`.
async fn sign_in(
    client: &reqwest::Client,
    server: &str,
    user: Option<&str>,
) -> anyhow::Result<Login> {
    let user = user.context(
        "--server needs a machine token (--token-file, or CUSTODY_TOKEN) or an account to sign in as (--user, or CUSTODY_USER)",
    )?;
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
        (true, Some(cookie), Some(csrf)) => Ok(Login::Session { cookie, csrf }),
        _ => anyhow::bail!("{server} refused the sign-in as {user} ({status})"),
    }
}

/// Sends one bundle to a server. `Err(Ok(reason))`: the server refused it;
/// `Err(Err(e))`: it could not be asked.
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
    let request = client
        .post(format!("{}/api/bundles", server.trim_end_matches('/')))
        .query(&query)
        .header("content-type", "application/json")
        .body(bytes);
    let response = login
        .attach(request)
        .send()
        .await
        .map_err(|e| Err(anyhow::Error::new(e).context(format!("cannot reach {server}"))))?;
    answer(response, "a bundle").await
}

/// A server's answer read as `T`. `Err(Ok(reason))`: the server refused what was
/// sent; `Err(Err(e))`: it refused the sender (401, 403) or failed.
pub(crate) async fn answer<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    what: &str,
) -> Result<T, Result<String, anyhow::Error>> {
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| Err(anyhow::Error::new(e)))?;
    let message = || {
        serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| body.clone())
    };
    if status.is_success() {
        serde_json::from_str(&body).map_err(|e| {
            Err(anyhow::Error::new(e).context(format!("the server's answer is not {what}")))
        })
    } else if status == reqwest::StatusCode::UNAUTHORIZED
        || status == reqwest::StatusCode::FORBIDDEN
    {
        Err(Err(anyhow::anyhow!(
            "the server refused: {status}: {}",
            message()
        )))
    } else if status.is_client_error() {
        Err(Ok(format!("{status}: {}", message())))
    } else {
        Err(Err(anyhow::anyhow!("the server answered {status}")))
    }
}
