//! Building the application from its configuration, and running it.

use std::net::SocketAddr;

use anyhow::Context as _;
use leptos::config::LeptosOptions;
use store::Db;
use tokio::net::TcpListener;

use crate::config::ServeConfig;
use crate::http::{self, AppState};

/// A built server: its listener is bound, its database open and migrated.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    connections: crate::connections::ConnectionLimits,
}

impl Application {
    /// Opens the database (creating the data directory for SQLite), applies
    /// migrations, checks durability settings and binds the listener.
    pub async fn build(config: ServeConfig) -> anyhow::Result<Self> {
        let url = config.database_url();
        let fresh = url.starts_with("sqlite:")
            && config.database_url.is_none()
            && !config.data_dir.join("custody.db").exists();
        if url.starts_with("sqlite:") {
            std::fs::create_dir_all(&config.data_dir).with_context(|| {
                format!(
                    "cannot create the data directory {}",
                    config.data_dir.display()
                )
            })?;
        }
        let db = Db::open(&url).await.context("cannot open the database")?;
        let key = crate::key_files::server_key(&config.signing_key())
            .context("cannot load the server's signing key")?;
        crate::key_files::check_server_key(&db, &key, &config.signing_key()).await?;
        let ingest = config.limits.ingest_options();
        let collector = config
            .collector
            .load(&config.data_dir, config.limits.max_bundle_bytes)
            .context("cannot load the collector's key")?;
        let mut log = config.anchoring.load(&db, &key).await?;
        let demo = config.demo && !config.no_demo;
        if demo && log.policy().is_none() {
            // The demo's own witnesses, so that a demo shows a witnessed log.
            log = log.with_policy(Some(std::sync::Arc::new(crate::demo::witness_policy())));
        }
        if demo && log.tsa_trust().is_empty() {
            // The demo's own time-stamping authority, so that a demo shows stamps.
            log = log.with_tsa_trust(crate::demo::tsa::DemoTsa::new()?.trust()?);
        }
        if fresh && demo {
            let loaded = crate::demo::load(&db, &key, ingest)
                .await
                .context("cannot load the demo corpus")?;
            tracing::info!(
                incidents = loaded,
                "new data directory: loaded the demo corpus (--demo)"
            );
            crate::demo::add_users(&db, &key)
                .await
                .context("cannot add the demo accounts")?;
            crate::demo::certify_collector(&db, &key, &collector)
                .await
                .context("cannot certify the collector with the demo root")?;
            crate::demo::load_traces(&db, &key, &collector, ingest)
                .await
                .context("cannot load the demo's traces")?;
            crate::demo::witness(&db, &log)
                .await
                .context("cannot have the demo's witnesses cosign the log")?;
            let trust_file = config.data_dir.join("demo-anchor-trust.txt");
            std::fs::write(&trust_file, crate::demo::anchor_trust(&log)?)
                .with_context(|| format!("cannot write {}", trust_file.display()))?;
            println!(
                "The demo's anchor trust, for the Verify page: {}",
                trust_file.display()
            );
            println!("Demo accounts (for the demo only; disable them before real use):");
            for (name, _, role, password) in crate::demo::DEMO_USERS {
                println!("  {:<20} {name:<12} password: {password}", role.label());
            }
        }
        if store::users::count(&db).await.unwrap_or(0) == 0 {
            tracing::warn!(
                "no reviewer accounts yet: make the first admin with \
                 `custody user add NAME --role admin`"
            );
        }
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let addr = listener.local_addr()?;
        let leptos_options = LeptosOptions::builder()
            .output_name("custody")
            .site_root(config.site_root().to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        Ok(Application {
            listener,
            connections: config.connection_limits(),
            state: AppState {
                leptos_options,
                db,
                ingest,
                key,
                auth: config.auth(),
                uploads: http::budget::UploadBudget::new(
                    config.upload_memory_mib,
                    config.upload_queue,
                ),
                collector,
                log,
            },
        })
    }

    /// The address the server listens on (with the real port when 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.state.leptos_options.site_addr)
    }

    /// The database, for tests that set up data.
    pub fn db(&self) -> Db {
        self.state.db.clone()
    }

    /// The transparency log's key and policy.
    pub fn log(&self) -> store::tlog::LogKey {
        self.state.log.clone()
    }

    /// The collector, for tests that certify it.
    pub fn collector(&self) -> store::collector::Collector {
        self.state.collector.clone()
    }

    /// The server's signing key, for tests that record review actions.
    pub fn key(&self) -> store::review_log::ServerKey {
        self.state.key.clone()
    }

    /// Serves until ctrl-c or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let db = self.state.db.clone();
        // Each request knows the address it came from: sign-in failures are counted
        // per account and client.
        let app = http::router(self.state);
        crate::connections::serve(self.listener, app, self.connections, shutdown_signal()).await;
        db.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
