//! The C2SP tlog-witness protocol (`evidence::witness`) on both sides:
//! `custody witness-serve` is a witness other logs push checkpoints to
//! (`POST /add-checkpoint`), and `custody push-checkpoint` takes the Custody server's
//! checkpoint to such a witness, with a consistency proof from the size the witness
//! last cosigned, and hands the cosignature back to the server.
//!
//! Exit codes (`push-checkpoint`): 0 cosigned; 4 the witness refused a log that was
//! cut short, rewritten or forked; 2 a usage, network or I/O error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use clap::Args;
use evidence::note::{Note, NoteSigner, Verifier};
use evidence::tlog::{self, CheckpointError, SignedCheckpoint};
use evidence::witness::{self, AddCheckpoint, Answer};

use super::anchor::{
    ended, fetch_checkpoint, fetch_consistency, send_cosignature, WitnessIdentity, EXIT_DIVERGED,
};
use super::keys::read_public_key;
use super::Outcome;

/// The most bytes of a request body the witness reads.
const MAX_BODY: usize = 64 * 1024;

/// `custody witness-serve`.
#[derive(Debug, Args)]
pub struct WitnessServeArgs {
    /// Where to listen, e.g. `127.0.0.1:7380`.
    #[arg(long, value_name = "ADDR")]
    pub listen: SocketAddr,
    /// The origin of the log this witness follows (a checkpoint's first line).
    #[arg(long)]
    pub origin: String,
    /// The log's public key (a file, or the key itself).
    #[arg(long = "trust", value_name = "KEY")]
    pub trust: String,
    #[command(flatten)]
    pub witness: WitnessIdentity,
}

/// `custody push-checkpoint`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The Custody server (`https://custody.example`).
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The server's public key: the checkpoint must be signed by it.
    #[arg(long = "trust", value_name = "KEY")]
    pub trust: String,
    /// The witness's submission prefix: `add-checkpoint` is appended.
    #[arg(long, value_name = "URL")]
    pub witness: String,
}

struct Witness {
    signer: NoteSigner,
    log: Verifier,
    state: PathBuf,
    /// The latest checkpoint cosigned, as in `state`. Checking the old size against
    /// it and keeping the new one happen under its lock, as one step.
    latest: tokio::sync::Mutex<Option<SignedCheckpoint>>,
}

/// Runs `custody witness-serve` until interrupted.
pub fn serve(args: &WitnessServeArgs) -> Outcome {
    match run_serve(args) {
        Ok(()) => Outcome::Code(0),
        Err(e) => Outcome::Failed(e),
    }
}

fn run_serve(args: &WitnessServeArgs) -> anyhow::Result<()> {
    let signer = args.witness.signer()?;
    let log = tlog::log_verifier(&args.origin, read_public_key(&args.trust)?)
        .context("the log's origin")?;
    let state = &args.witness.state;
    let latest = match std::fs::read_to_string(state) {
        Ok(text) => Some(
            tlog::open(&text, &log)
                .with_context(|| format!("{} is not a checkpoint of this log", state.display()))?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", state.display())),
    };
    let witness = Arc::new(Witness {
        signer,
        log,
        state: state.clone(),
        latest: tokio::sync::Mutex::new(latest),
    });
    let app = axum::Router::new()
        .route("/add-checkpoint", axum::routing::post(add_checkpoint))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(witness.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        println!(
            "witness {} for {} listening on http://{}/add-checkpoint",
            witness.signer.verifier().to_vkey(),
            args.origin,
            listener.local_addr()?
        );
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}

fn plain(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: String) -> Response {
    let request = match AddCheckpoint::parse(&body) {
        Ok(r) => r,
        Err(e) => return plain(StatusCode::BAD_REQUEST, format!("{e}\n")),
    };
    let now = match tlog::open(&request.checkpoint, &witness.log) {
        Ok(now) => now,
        Err(e @ CheckpointError::OtherLog { .. }) => {
            return plain(StatusCode::NOT_FOUND, format!("{e}\n"))
        }
        Err(e @ CheckpointError::LogSignature(_)) => {
            return plain(StatusCode::FORBIDDEN, format!("{e}\n"))
        }
        Err(e) => return plain(StatusCode::BAD_REQUEST, format!("{e}\n")),
    };
    let mut latest = witness.latest.lock().await;
    let answer = witness::decide(
        latest.as_ref().map(|l| &l.checkpoint),
        &request,
        &now.checkpoint,
    );
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::BAD_REQUEST);
    match answer {
        Answer::Cosign => {}
        Answer::OldSize(size) => {
            return (
                status,
                [(header::CONTENT_TYPE, witness::SIZE_CONTENT_TYPE)],
                format!("{size}\n"),
            )
                .into_response()
        }
        Answer::BadRequest(why) => return plain(status, format!("{why}\n")),
        Answer::Equivocation(d) | Answer::Inconsistent(d) => {
            tracing::warn!(origin = %now.checkpoint.origin, "refused to cosign: {d}");
            return plain(status, format!("{d}\n"));
        }
    }
    // Persist before answering: the next request is checked against this one.
    if let Err(e) = std::fs::write(&witness.state, now.note.to_text()) {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the witness's state: {e}\n"),
        );
    }
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let line = witness.signer.cosign(&now.checkpoint.text(), time).line();
    *latest = Some(now);
    plain(StatusCode::OK, format!("{line}\n"))
}

/// Runs `custody push-checkpoint`.
pub fn push(args: &PushArgs) -> Outcome {
    ended(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(run_push(args))),
    )
}

async fn run_push(args: &PushArgs) -> anyhow::Result<u8> {
    let key = read_public_key(&args.trust)?;
    let client = reqwest::Client::new();
    let text = fetch_checkpoint(&client, &args.server).await?;
    let now = tlog::open_by_any(&text, std::slice::from_ref(&key)).map_err(anyhow::Error::msg)?;
    // The checkpoint as the log signed it: the server's copy also carries the
    // cosignatures it keeps.
    let mut own = now.note.clone();
    own.signatures.retain(|s| s.name == now.checkpoint.origin);
    let url = format!("{}/add-checkpoint", args.witness.trim_end_matches('/'));
    // The witness's size is not known yet: ask with zero, and it says.
    let mut old = 0;
    for _ in 0..2 {
        let proof = if old == 0 || old >= now.checkpoint.size {
            Vec::new()
        } else {
            fetch_consistency(&client, &args.server, old, now.checkpoint.size).await?
        };
        let request = AddCheckpoint {
            old,
            proof,
            checkpoint: own.to_text(),
        };
        let response = client
            .post(&url)
            .body(request.to_body())
            .send()
            .await
            .with_context(|| url.clone())?;
        let status = response.status();
        let is_size = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| {
                v.as_bytes()
                    .starts_with(witness::SIZE_CONTENT_TYPE.as_bytes())
            });
        let answer = response.text().await?;
        match status.as_u16() {
            200 => return hand_back(&client, args, &own, &answer, now.checkpoint.size).await,
            409 if is_size && old == 0 => {
                old = answer
                    .trim()
                    .parse()
                    .with_context(|| format!("{url} answered 409 with {answer:?}"))?;
                if old > now.checkpoint.size {
                    eprintln!(
                        "custody: the witness at {url} cosigned {} at size {old}, and the log now has {}: truncated",
                        now.checkpoint.origin, now.checkpoint.size
                    );
                    return Ok(EXIT_DIVERGED);
                }
            }
            409 | 422 => {
                eprintln!(
                    "custody: the witness at {url} refused to cosign {} at size {} ({status}): {}",
                    now.checkpoint.origin,
                    now.checkpoint.size,
                    answer.trim()
                );
                return Ok(EXIT_DIVERGED);
            }
            _ => bail!("{url} answered {status}: {}", answer.trim()),
        }
    }
    bail!("{url} kept answering with another size")
}

/// Sends the witness's cosignature lines to the server with the checkpoint.
async fn hand_back(
    client: &reqwest::Client,
    args: &PushArgs,
    own: &Note,
    lines: &str,
    size: u64,
) -> anyhow::Result<u8> {
    let cosigned = format!("{}{}", own.to_text(), lines);
    Note::parse(&cosigned).context("the witness's answer is not signature lines")?;
    send_cosignature(client, &args.server, cosigned, size).await?;
    println!(
        "{}: cosigned at size {size}; the server kept it",
        args.witness
    );
    Ok(0)
}
