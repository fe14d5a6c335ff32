//! Configuration: every setting is a flag and a `CUSTODY_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

/// Settings of `custody serve`.
#[derive(Clone, Debug, Args)]
pub struct ServeConfig {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "CUSTODY_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Directory for Custody's own data: the embedded SQLite database lives here.
    #[arg(long, env = "CUSTODY_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://…` or `postgres://…`. Default: the embedded SQLite
    /// database `custody.db` in the data directory.
    #[arg(long, env = "CUSTODY_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Directory of the built web assets (`pkg/` with the wasm, JS and CSS). Default:
    /// `site/` in the build directory the binary was built into.
    #[arg(long, env = "CUSTODY_SITE_ROOT")]
    pub site_root: Option<PathBuf>,

    /// Open the console in the desktop's browser once it is serving.
    #[arg(long, env = "CUSTODY_OPEN")]
    pub open: bool,
}

impl ServeConfig {
    /// The settings for a server on `addr` with its data under `data_dir`.
    pub fn new(addr: SocketAddr, data_dir: PathBuf) -> Self {
        ServeConfig {
            addr,
            data_dir,
            database_url: None,
            site_root: None,
            open: false,
        }
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| app::store::Db::sqlite_url(&self.data_dir))
    }

    /// The site root in force: the flag, or `site/` beside the build profile's
    /// directory (`target/release/custody` → `target/site`).
    pub fn site_root(&self) -> PathBuf {
        if let Some(root) = &self.site_root {
            return root.clone();
        }
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent()?.parent().map(|dir| dir.join("site")))
            .unwrap_or_else(|| PathBuf::from("site"))
    }
}
