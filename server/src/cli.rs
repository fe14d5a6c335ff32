//! The `custody` command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::ServeConfig;
use crate::startup::Application;

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
}

impl Cli {
    /// Runs the command and says how it ended.
    pub fn run(self) -> ExitCode {
        crate::telemetry::init();
        let result = match self.command {
            Command::Serve(config) => serve(config),
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!("{err:#}");
                eprintln!("custody: {err:#}");
                ExitCode::FAILURE
            }
        }
    }
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
            open_browser(&url);
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
