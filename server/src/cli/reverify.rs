//! `custody reverify`: every stored bundle read again, its digest and verdict
//! recomputed and compared with what was stored.

use clap::Args;
use store::reverify;

use super::store::StoreArgs;
use super::Outcome;
use crate::config::LimitsConfig;

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
            let key = args.store.key(&db).await?;
            let lines = reverify::reverify(&db, &key, args.limits.ingest_options()).await?;
            let mut bad = 0;
            for line in &lines {
                if line.ok {
                    println!("ok        {} {}", line.sha256, line.verdict_now);
                } else {
                    bad += 1;
                    println!("MISMATCH  {}", line.sha256);
                    for difference in &line.differences {
                        println!("          {}", model::text::terminal(difference));
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
