//! The store the command line works on directly: which database to open
//! (`--data-dir` / `--database-url`) and the server key that signs the review log
//! entry each change makes (`--signing-key`). `ingest`, `trust-root`, `reverify`,
//! `user` and `export` share these options.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use store::review_log::ServerKey;
use store::Db;

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

    /// The server's signing key, refused when the review log in `db` is signed with
    /// another.
    pub async fn key(&self, db: &Db) -> anyhow::Result<ServerKey> {
        let path = self
            .signing_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join("server.key"));
        let key =
            crate::key_files::server_key(&path).context("cannot load the server's signing key")?;
        crate::key_files::check_server_key(db, &key, &path).await?;
        Ok(key)
    }
}
