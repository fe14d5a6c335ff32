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

    /// Open the console's Verify page in the desktop's browser once it is serving,
    /// for verifying bundle files offline on this machine.
    #[arg(long, env = "CUSTODY_OPEN")]
    pub open: bool,

    /// On a new data directory, load the demo corpus (its incidents and trust root)
    /// and make the demo accounts, whose passwords are in the README: for trying
    /// Custody, never for real use. Without it a new server starts empty, with no
    /// account.
    #[arg(long, env = "CUSTODY_DEMO")]
    pub demo: bool,

    /// The default; kept so that older scripts still start (it wins over `--demo`).
    #[arg(long, hide = true, env = "CUSTODY_NO_DEMO")]
    pub no_demo: bool,

    /// The server's ed25519 secret key file (64 hex digits), which signs the review
    /// log and exports. Created (mode 0600) when missing. Default: `server.key` in the
    /// data directory. Servers sharing one Postgres database must share this key.
    #[arg(long, env = "CUSTODY_SIGNING_KEY")]
    pub signing_key: Option<PathBuf>,

    /// Minutes without a request after which a session ends.
    #[arg(long, env = "CUSTODY_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u32,

    /// Hours after sign-in after which a session ends, however busy.
    #[arg(long, env = "CUSTODY_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u32,

    /// Send the session cookie without `Secure`, for a server reached over plain
    /// HTTP on another host than localhost. (Browsers accept `Secure` cookies from
    /// http://localhost and http://127.0.0.1.)
    #[arg(long, env = "CUSTODY_INSECURE_COOKIES")]
    pub insecure_cookies: bool,

    /// Limits on uploaded bundles.
    #[command(flatten)]
    pub limits: LimitsConfig,

    /// The collector that signs the OpenTelemetry traces received or imported.
    #[command(flatten)]
    pub collector: CollectorConfig,
    /// The transparency log: its origin and the witnesses it keeps cosignatures of.
    #[command(flatten)]
    pub anchoring: AnchoringConfig,

    /// Memory, in MiB, that uploads being read, verified and stored may take
    /// together; each reserves about six times its size (never more than all of it).
    #[arg(long, env = "CUSTODY_UPLOAD_MEMORY_MIB", default_value_t = 2048)]
    pub upload_memory_mib: u32,

    /// Uploads that may wait for that memory; one more is answered 503 with
    /// `Retry-After`.
    #[arg(long, env = "CUSTODY_UPLOAD_QUEUE", default_value_t = 8)]
    pub upload_queue: usize,

    /// Open connections from all clients together; past it, new ones wait.
    #[arg(long, env = "CUSTODY_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Open connections from one client address; past it, a new one is closed at
    /// once. Behind a reverse proxy every client shares its address: raise it there.
    #[arg(
        long,
        env = "CUSTODY_MAX_CONNECTIONS_PER_CLIENT",
        default_value_t = 128
    )]
    pub max_connections_per_client: usize,

    /// Seconds a client may take to send a request's headers; then its connection
    /// is closed.
    #[arg(long, env = "CUSTODY_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,
}

/// The server-wide transparency log (docs/anchoring.md).
#[derive(Clone, Debug, Default, Args)]
pub struct AnchoringConfig {
    /// The log's origin: the first line of its checkpoints and the name of the key
    /// that signs them (no spaces, no plus). Default: `custody.local/log/` and the
    /// first 16 hex digits of the server's public key.
    #[arg(long, env = "CUSTODY_LOG_ORIGIN")]
    pub log_origin: Option<String>,
    /// The witness policy file: `witness <vkey>` lines and `quorum <k>`. Only these
    /// witnesses' cosignatures are kept, and the console says "Witnessed by k of n"
    /// against it. Without one, no cosignature is kept.
    #[arg(long, env = "CUSTODY_WITNESS_POLICY")]
    pub witness_policy: Option<PathBuf>,
    /// Trusted time-stamping authorities' certificates (PEM): the time stamps bundles
    /// carry are checked against them ("Timestamped by X at T").
    #[arg(long, env = "CUSTODY_TSA_TRUST")]
    pub tsa_trust: Option<PathBuf>,
}

impl AnchoringConfig {
    /// The log's key under its origin, with the witness policy read from its file.
    pub async fn load(
        &self,
        db: &store::Db,
        key: &store::review_log::ServerKey,
    ) -> anyhow::Result<store::tlog::LogKey> {
        use anyhow::Context as _;
        let log = store::tlog::LogKey::load(db, key, self.log_origin.as_deref())
            .await
            .context("the transparency log's origin")?;
        let policy = match &self.witness_policy {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let policy = evidence::tlog::WitnessPolicy::parse(&text)
                    .with_context(|| format!("{} is not a witness policy", path.display()))?;
                Some(std::sync::Arc::new(policy))
            }
        };
        let tsas = match &self.tsa_trust {
            None => evidence::timestamp::TsaTrust::default(),
            Some(path) => evidence::timestamp::TsaTrust::from_pem(
                &std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            )
            .with_context(|| format!("{} holds no readable certificates", path.display()))?,
        };
        Ok(log.with_policy(policy).with_tsa_trust(tsas))
    }
}

/// The collector: the key that signs OpenTelemetry traces on receipt, the ID it is
/// bound to, and what one OTLP request may hold.
#[derive(Clone, Debug, Args)]
pub struct CollectorConfig {
    /// The collector's ed25519 secret key file (64 hex digits), which signs the
    /// traces received at `/v1/traces` and imported from files. Created (mode 0600)
    /// when missing. Default: `collector.key` in the data directory. Servers sharing
    /// one database must share it (its binding is kept in the database).
    #[arg(long, env = "CUSTODY_COLLECTOR_KEY")]
    pub collector_key: Option<PathBuf>,
    /// The ID the collector's key is bound to: the emitter and collector of the
    /// bundles it seals.
    #[arg(long, env = "CUSTODY_COLLECTOR_ID", default_value = store::collector::DEFAULT_ID)]
    pub collector_id: String,
    /// Most spans in one OTLP request (or one line or message of a file).
    #[arg(long, env = "CUSTODY_MAX_OTLP_SPANS", default_value_t = 20_000)]
    pub max_otlp_spans: usize,
    /// Largest attribute value of a span, in bytes.
    #[arg(long, env = "CUSTODY_MAX_OTLP_ATTRIBUTE_BYTES", default_value_t = 1 << 20)]
    pub max_otlp_attribute_bytes: usize,
}

impl Default for CollectorConfig {
    fn default() -> Self {
        CollectorConfig {
            collector_key: None,
            collector_id: store::collector::DEFAULT_ID.to_owned(),
            max_otlp_spans: 20_000,
            max_otlp_attribute_bytes: 1 << 20,
        }
    }
}

impl CollectorConfig {
    /// The collector, its key read from (or made at) its file; a request's bytes
    /// are bounded by `max_bytes`.
    pub fn load(
        &self,
        data_dir: &std::path::Path,
        max_bytes: usize,
    ) -> anyhow::Result<store::collector::Collector> {
        let path = self
            .collector_key
            .clone()
            .unwrap_or_else(|| data_dir.join("collector.key"));
        let seed = crate::key_files::own_seed(&path, "the collector's key")?;
        Ok(store::collector::Collector::from_seed(
            seed,
            &self.collector_id,
            otel::Limits {
                max_bytes,
                max_spans: self.max_otlp_spans,
                max_attribute_bytes: self.max_otlp_attribute_bytes,
            },
        ))
    }
}

/// Limits on what an upload may hold; a breach is refused with 413 or 400 naming it.
#[derive(Clone, Copy, Debug, Args)]
pub struct LimitsConfig {
    /// Largest bundle, in bytes (read as it arrives, refused past this).
    #[arg(long, env = "CUSTODY_MAX_BUNDLE_BYTES", default_value_t = 256 << 20)]
    pub max_bundle_bytes: usize,
    /// Most events in one bundle.
    #[arg(long, env = "CUSTODY_MAX_EVENTS", default_value_t = 1_000_000)]
    pub max_events: usize,
    /// Largest decoded payload of one envelope, in bytes.
    #[arg(long, env = "CUSTODY_MAX_PAYLOAD_BYTES", default_value_t = 1 << 20)]
    pub max_payload_bytes: usize,
    /// Deepest JSON nesting inside a payload.
    #[arg(long, env = "CUSTODY_MAX_JSON_DEPTH", default_value_t = 32)]
    pub max_json_depth: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let l = evidence::bundle::Limits::default();
        LimitsConfig {
            max_bundle_bytes: l.max_bundle_bytes,
            max_events: l.max_events,
            max_payload_bytes: l.max_payload_bytes,
            max_json_depth: l.max_depth,
        }
    }
}

impl LimitsConfig {
    /// How uploads are verified under these limits, on every core.
    pub fn ingest_options(&self) -> store::IngestOptions {
        store::IngestOptions {
            limits: evidence::bundle::Limits {
                max_bundle_bytes: self.max_bundle_bytes,
                max_events: self.max_events,
                max_payload_bytes: self.max_payload_bytes,
                max_depth: self.max_json_depth,
            },
            ..Default::default()
        }
    }
}

impl ServeConfig {
    /// The settings for a server on `addr` with its data under `data_dir`, default
    /// limits, and no demo corpus (set `demo` for it).
    pub fn new(addr: SocketAddr, data_dir: PathBuf) -> Self {
        ServeConfig {
            addr,
            data_dir,
            database_url: None,
            site_root: None,
            open: false,
            demo: false,
            no_demo: false,
            signing_key: None,
            session_idle_minutes: 30,
            session_max_hours: 12,
            insecure_cookies: false,
            limits: LimitsConfig::default(),
            collector: CollectorConfig::default(),
            anchoring: AnchoringConfig::default(),
            upload_memory_mib: 2048,
            upload_queue: 8,
            max_connections: 1024,
            max_connections_per_client: 128,
            header_timeout_secs: 10,
        }
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| store::Db::sqlite_url(&self.data_dir))
    }

    /// The signing key file in force.
    pub fn signing_key(&self) -> PathBuf {
        self.signing_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join("server.key"))
    }

    /// What the server accepts of connections.
    pub fn connection_limits(&self) -> crate::connections::ConnectionLimits {
        crate::connections::ConnectionLimits {
            max: self.max_connections.max(1),
            per_client: self.max_connections_per_client.max(1),
            header_timeout: std::time::Duration::from_secs(self.header_timeout_secs.max(1)),
        }
    }

    /// How sessions and cookies are set up.
    pub fn auth(&self) -> crate::http::auth::AuthConfig {
        crate::http::auth::AuthConfig {
            timeouts: store::sessions::Timeouts {
                idle: chrono::Duration::minutes(i64::from(self.session_idle_minutes.max(1))),
                absolute: chrono::Duration::hours(i64::from(self.session_max_hours.max(1))),
            },
            secure_cookies: !self.insecure_cookies,
        }
    }

    /// The site root in force: the flag, or `site/` in the build profile's directory,
    /// where `./x` builds it (`target/release/custody` → `target/release/site`).
    pub fn site_root(&self) -> PathBuf {
        if let Some(root) = &self.site_root {
            return root.clone();
        }
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join("site")))
            .unwrap_or_else(|| PathBuf::from("site"))
    }
}
