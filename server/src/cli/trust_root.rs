//! `custody trust-root`: add, list and remove the root keys the server verifies
//! bundles against, in the store directly.

use clap::{Args, Subcommand};
use evidence::keys::PublicKey;
use store::review_log::Actor;
use store::trust_roots;

use super::store::StoreArgs;

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
        let server_key = args.store.key(&db).await?;
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
