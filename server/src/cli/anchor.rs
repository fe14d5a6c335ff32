//! `custody witness` and `custody audit-log`: a witness that cosigns the server's
//! transparency log only as it grows, and an auditor's check that the log still
//! contains a checkpoint they kept.
//!
//! Exit codes (both): 0 the log extends what was seen before; 3 the witness policy's
//! quorum did not cosign (`audit-log --witnesses`); 4 the log was cut short,
//! rewritten or forked (nothing is cosigned); 2 a usage, network or I/O error.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use clap::Args;
use evidence::keys::PublicKey;
use evidence::merkle::Hash;
use evidence::note::{NoteSigner, SigType};
use evidence::tlog::{self, SignedCheckpoint, WitnessPolicy};

use super::keys::read_public_key;
use super::Outcome;

/// The log was cut short, rewritten or forked.
pub const EXIT_DIVERGED: u8 = 4;
/// The witness policy's quorum did not cosign.
pub const EXIT_UNWITNESSED: u8 = 3;

/// Where the log is and which key signs it.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// The Custody server (`https://custody.example`): its `/checkpoint`.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The server's public key (`server.pub`, or the key itself): it signs the
    /// checkpoints under the log's origin.
    #[arg(long = "trust", value_name = "KEY")]
    pub trust: String,
}

/// A witness: its key, its name and what it last verified.
#[derive(Debug, Args)]
pub struct WitnessIdentity {
    /// The witness's secret key file (64 hex digits); made (mode 0600) when missing.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The witness's name (its key name: no spaces, no plus), e.g.
    /// `witness.example.org/w1`.
    #[arg(long)]
    pub name: String,
    /// The last checkpoint this witness verified; written after each one. The
    /// first run trusts what it sees.
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
}

impl WitnessIdentity {
    /// The witness's cosigning key, its file made when missing.
    pub fn signer(&self) -> anyhow::Result<NoteSigner> {
        let seed = crate::key_files::own_seed(&self.key, "the witness's key")?;
        NoteSigner::new(&self.name, SigType::Cosignature, seed).context("the witness's name")
    }
}

/// `custody witness`.
#[derive(Debug, Args)]
pub struct WitnessArgs {
    #[command(flatten)]
    pub log: LogArgs,
    #[command(flatten)]
    pub witness: WitnessIdentity,
    /// Print the witness's verifier key (for a witness policy) and do nothing else.
    #[arg(long)]
    pub print_vkey: bool,
}

/// `custody timestamp`.
#[derive(Debug, Args)]
pub struct TimestampArgs {
    /// The bundle file.
    pub bundle: PathBuf,
    /// The time-stamping authority's URL (RFC 3161 over HTTP); repeat for several.
    #[arg(long = "tsa", value_name = "URL", required = true)]
    pub tsa: Vec<String>,
    /// Trusted TSA certificates (PEM): each token is checked before it is kept.
    #[arg(long, value_name = "PEM")]
    pub tsa_trust: Option<PathBuf>,
    /// Where to write the timestamped bundle (default: the bundle file itself; its
    /// signed bytes are unchanged).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `custody timestamp`: asks each authority for a token over the bundle's manifest
/// signature and adds it to the bundle's anchors.
pub fn timestamp(args: &TimestampArgs) -> Outcome {
    ended(runtime().and_then(|rt| rt.block_on(run_timestamp(args))))
}

async fn run_timestamp(args: &TimestampArgs) -> anyhow::Result<u8> {
    use evidence::anchor::{self, TimestampAnchor};
    use evidence::bundle::Limits;
    let bytes = std::fs::read(&args.bundle)
        .with_context(|| format!("reading {}", args.bundle.display()))?;
    let limits = Limits::default();
    let signature = evidence::bundle::manifest_signature(&bytes, &limits)?
        .context("the bundle's manifest has no signature to time-stamp")?;
    let trust = match &args.tsa_trust {
        Some(path) => Some(evidence::timestamp::TsaTrust::from_pem(
            &std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?,
        )?),
        None => None,
    };
    let mut stamps = Vec::with_capacity(args.tsa.len());
    let client = reqwest::Client::new();
    for url in &args.tsa {
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let request = evidence::timestamp::request(&signature, nonce)?;
        let response = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/timestamp-query")
            .header(reqwest::header::ACCEPT, "application/timestamp-reply")
            .body(request)
            .send()
            .await
            .with_context(|| url.clone())?;
        let status = response.status();
        let body = response.bytes().await?;
        if !status.is_success() {
            bail!("{url} answered {status}");
        }
        let token = evidence::timestamp::token_of(&body).with_context(|| url.clone())?;
        let said = match &trust {
            Some(trust) => {
                let stamp = evidence::timestamp::verify(&token, &signature, trust)
                    .with_context(|| format!("the token from {url}"))?;
                format!("timestamped by {} at {}", stamp.tsa, stamp.time)
            }
            None => "token kept (not checked: no --tsa-trust)".to_owned(),
        };
        stamps.push(TimestampAnchor {
            tsa: Some(url.clone()),
            token: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &token),
        });
        println!("{url}: {said}");
    }
    let out = args.out.as_ref().unwrap_or(&args.bundle);
    let anchored = anchor::with_timestamps(&bytes, &limits, stamps)?;
    std::fs::write(out, anchored).with_context(|| format!("writing {}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(0)
}

/// `custody audit-log`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub log: LogArgs,
    /// A checkpoint of this log kept earlier (from `/checkpoint`, an export, or
    /// `--save`): the log must still contain it.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// A witness policy (`witness <vkey>` lines, `quorum <k>`): the checkpoint must be
    /// cosigned by the quorum.
    #[arg(long, value_name = "FILE")]
    pub witnesses: Option<PathBuf>,
    /// Write the checkpoint verified now here, to audit against next time.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn base(server: &str) -> &str {
    server.trim_end_matches('/')
}

/// Opens `text` as a checkpoint signed by `key` under its own origin, or `origin`
/// when one is pinned.
fn open_with(
    text: &str,
    key: &PublicKey,
    origin: Option<&str>,
) -> anyhow::Result<SignedCheckpoint> {
    let opened = tlog::open_by_any(text, std::slice::from_ref(key)).map_err(anyhow::Error::msg)?;
    if let Some(origin) = origin.filter(|o| *o != opened.checkpoint.origin) {
        bail!(
            "the checkpoint is of log {:?}; the one seen before is {origin:?}'s",
            opened.checkpoint.origin
        );
    }
    Ok(opened)
}

pub(super) async fn fetch_checkpoint(
    client: &reqwest::Client,
    server: &str,
) -> anyhow::Result<String> {
    let url = format!("{}/checkpoint", base(server));
    let response = client.get(&url).send().await.with_context(|| url.clone())?;
    let status = response.status();
    let text = response.text().await?;
    if status == reqwest::StatusCode::CONFLICT {
        // The server itself found that its log no longer extends a checkpoint it
        // signed, and names how.
        bail!(Diverged(text));
    }
    if !status.is_success() {
        bail!("{url} answered {status}: {text}");
    }
    Ok(text)
}

/// A divergence, as the error that ends a command with [`EXIT_DIVERGED`].
#[derive(Debug)]
struct Diverged(String);

impl std::fmt::Display for Diverged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Diverged {}

pub(super) async fn fetch_consistency(
    client: &reqwest::Client,
    server: &str,
    old: u64,
    new: u64,
) -> anyhow::Result<Vec<Hash>> {
    if old == 0 || old >= new {
        return Ok(Vec::new());
    }
    #[derive(serde::Deserialize)]
    struct Proof {
        proof: Vec<String>,
    }
    let url = format!(
        "{}/checkpoint/consistency?old={old}&new={new}",
        base(server)
    );
    let response = client.get(&url).send().await.with_context(|| url.clone())?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        bail!("{url} answered {status}: {text}");
    }
    let proof: Proof = serde_json::from_str(&text).context("not a consistency proof")?;
    proof
        .proof
        .iter()
        .map(|h| {
            hex::decode(h)
                .ok()
                .and_then(|b| Hash::try_from(b).ok())
                .context("a proof hash is not 32 bytes of hex")
        })
        .collect()
}

/// Gives the server its checkpoint of `size` with a witness's cosignature (`cosigned`,
/// a note), for it to keep.
pub(super) async fn send_cosignature(
    client: &reqwest::Client,
    server: &str,
    cosigned: String,
    size: u64,
) -> anyhow::Result<()> {
    let url = format!("{}/checkpoint/cosignature", base(server));
    let response = client
        .post(&url)
        .header(reqwest::header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(cosigned)
        .send()
        .await
        .with_context(|| url.clone())?;
    let status = response.status();
    let answer = response.text().await?;
    if !status.is_success() {
        bail!("cosigned size {size}, but {url} answered {status}: {answer}");
    }
    Ok(())
}

/// The checkpoint now, checked to extend `earlier` (when there is one).
async fn follow(
    client: &reqwest::Client,
    args: &LogArgs,
    key: &PublicKey,
    earlier: Option<&SignedCheckpoint>,
) -> anyhow::Result<SignedCheckpoint> {
    let text = fetch_checkpoint(client, &args.server).await?;
    let origin = earlier.map(|e| e.checkpoint.origin.as_str());
    let now = open_with(&text, key, origin)
        .with_context(|| format!("the checkpoint {} serves", args.server))?;
    if let Some(earlier) = earlier {
        let proof = if now.checkpoint.size > earlier.checkpoint.size {
            fetch_consistency(
                client,
                &args.server,
                earlier.checkpoint.size,
                now.checkpoint.size,
            )
            .await?
        } else {
            Vec::new()
        };
        if let Err(d) = tlog::extends(&earlier.checkpoint, &now.checkpoint, &proof) {
            bail!(Diverged(d.to_string()));
        }
    }
    Ok(now)
}

pub(super) fn ended(result: anyhow::Result<u8>) -> Outcome {
    match result {
        Ok(code) => Outcome::Code(code),
        Err(e) if e.downcast_ref::<Diverged>().is_some() => {
            eprintln!("custody: {e}");
            Outcome::Code(EXIT_DIVERGED)
        }
        Err(e) => Outcome::Failed(e),
    }
}

fn read_checkpoint(path: &Path, key: &PublicKey) -> anyhow::Result<SignedCheckpoint> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    open_with(&text, key, None).with_context(|| format!("{}", path.display()))
}

/// `custody witness`: verify the log's checkpoint, check it extends the last one
/// this witness saw, cosign it and send the cosignature to the server.
pub fn witness(args: &WitnessArgs) -> Outcome {
    ended(runtime().and_then(|rt| rt.block_on(run_witness(args))))
}

async fn run_witness(args: &WitnessArgs) -> anyhow::Result<u8> {
    let signer = args.witness.signer()?;
    if args.print_vkey {
        println!("{}", signer.verifier().to_vkey());
        return Ok(0);
    }
    let key = read_public_key(&args.log.trust)?;
    let earlier = if args.witness.state.exists() {
        Some(read_checkpoint(&args.witness.state, &key)?)
    } else {
        None
    };
    let client = reqwest::Client::new();
    let now = follow(&client, &args.log, &key, earlier.as_ref()).await?;
    // What this witness has now verified is its state, whatever the server does
    // with the cosignature.
    let body = now.checkpoint.text();
    std::fs::write(&args.witness.state, now.note.to_text())
        .with_context(|| format!("writing {}", args.witness.state.display()))?;
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut cosigned = now.note.clone();
    cosigned.add(signer.cosign(&body, time));
    send_cosignature(
        &client,
        &args.log.server,
        cosigned.to_text(),
        now.checkpoint.size,
    )
    .await?;
    match &earlier {
        Some(e) if e.checkpoint.size < now.checkpoint.size => println!(
            "cosigned {} at size {} (it grew from {}, consistently)",
            now.checkpoint.origin, now.checkpoint.size, e.checkpoint.size
        ),
        Some(_) => println!(
            "cosigned {} at size {} (unchanged)",
            now.checkpoint.origin, now.checkpoint.size
        ),
        None => println!(
            "cosigned {} at size {} (first seen: trusted as it is)",
            now.checkpoint.origin, now.checkpoint.size
        ),
    }
    Ok(0)
}

/// `custody audit-log`: the log's checkpoint now, its witnesses against a policy,
/// and that it still contains a checkpoint kept earlier.
pub fn audit(args: &AuditArgs) -> Outcome {
    ended(runtime().and_then(|rt| rt.block_on(run_audit(args))))
}

async fn run_audit(args: &AuditArgs) -> anyhow::Result<u8> {
    let key = read_public_key(&args.log.trust)?;
    let earlier = match &args.checkpoint {
        Some(path) => Some(read_checkpoint(path, &key)?),
        None => None,
    };
    let policy = match &args.witnesses {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Some(
                WitnessPolicy::parse(&text)
                    .with_context(|| format!("{} is not a witness policy", path.display()))?,
            )
        }
        None => None,
    };
    let client = reqwest::Client::new();
    let now = follow(&client, &args.log, &key, earlier.as_ref()).await?;
    println!(
        "checkpoint of {}: {} entries, root {}",
        now.checkpoint.origin,
        now.checkpoint.size,
        now.checkpoint.root_hex()
    );
    if let Some(e) = &earlier {
        println!(
            "it contains your checkpoint of {} entries (consistency proof verified)",
            e.checkpoint.size
        );
    }
    if let Some(path) = &args.save {
        std::fs::write(path, now.note.to_text())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(policy) = &policy {
        let witnessing = policy.witnessing(&now);
        println!("{}", witnessing.sentence());
        if !witnessing.met() {
            return Ok(EXIT_UNWITNESSED);
        }
    }
    Ok(0)
}
