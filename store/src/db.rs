use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor as _};

use model::{DatabaseKind, SqliteSettings};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// SQLite's own default: a commit that leaves the write-ahead log longer than this
/// many pages copies it into the database.
const SQLITE_AUTOCHECKPOINT: u32 = 1000;

/// Durability settings applied to every SQLite connection, then checked.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                              PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;";

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names neither SQLite nor Postgres.
    #[error("unsupported database URL (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    /// SQLite is not running with the settings Custody requires.
    #[error("SQLite setting {setting} is {actual}, Custody requires {required}")]
    SqliteSetting {
        /// The pragma.
        setting: &'static str,
        /// What it is.
        actual: String,
        /// What it must be.
        required: &'static str,
    },
    /// A stored value is not one Custody writes: the database was edited by hand.
    #[error("unexpected value {value:?} in {column}")]
    Corrupt {
        /// Where.
        column: &'static str,
        /// What was found.
        value: String,
    },
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database reported an error.
    #[error("database error: {0}")]
    Sqlx(sqlx::Error),
    /// A background task failed.
    #[error("background task failed: {0}")]
    Task(String),
    /// As many heavy reads (free-text searches, exports, review-log checks) as the
    /// server runs at once are under way, and none ended within [`HEAVY_WAIT`], or
    /// this one ran past [`HEAVY_TIME_LIMIT`].
    #[error(
        "the server is busy with other searches, exports or log checks; try again in a moment"
    )]
    Busy,
    /// The printable report could not be made into a PDF.
    #[error("the report could not be made into a PDF: {0}")]
    Render(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            // Postgres's query_canceled: a statement ran past its statement timeout.
            sqlx::Error::Database(db) if db.code().as_deref() == Some("57014") => StoreError::Busy,
            _ => StoreError::Sqlx(e),
        }
    }
}

/// A pool of connections to Custody's database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    kind: DatabaseKind,
    /// SQLite has one writer at a time: writers queue here rather than time out
    /// in the database while a large bundle is written.
    writes: Arc<tokio::sync::Mutex<()>>,
    /// On Postgres, review actions of this process queue here for the review log
    /// rather than each holding a connection while the database lock is elsewhere.
    appends: Arc<tokio::sync::Mutex<()>>,
    /// Bundles being stored by this process, by address.
    storing: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    /// Heavy reads under way: see [`Db::heavy`].
    heavy: Arc<tokio::sync::Semaphore>,
    /// The review log as this process last found it intact (see
    /// `review_log::read`): later checks verify only the entries since.
    log_head: Arc<std::sync::Mutex<Option<crate::review_log::LogHead>>>,
}

/// How many heavy reads (free-text searches, exports, review-log checks) a server
/// runs at once: one per core, and at least two, so that they leave connections and
/// time to everything else.
fn heavy_permits() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

/// How long a heavy read waits for its turn before it is refused as busy.
pub const HEAVY_WAIT: Duration = Duration::from_secs(5);

/// How long a search or a log check may run before it is answered busy (on
/// Postgres, also the statement timeout of a search's statements: see
/// [`Db::limited_read`]). Exports are not limited: they take as long as their rows.
pub const HEAVY_TIME_LIMIT: Duration = Duration::from_secs(30);

impl Db {
    /// The URL of the embedded database under `data_dir`.
    pub fn sqlite_url(data_dir: &Path) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("custody.db").display()
        )
    }

    /// Connects, applies pending migrations and checks the settings Custody
    /// requires; refuses (returns an error) when any of it fails.
    pub async fn open(url: &str) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let kind = if url.starts_with("sqlite:") {
            DatabaseKind::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            DatabaseKind::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        let options: AnyConnectOptions = url.parse()?;
        let pool_options = AnyPoolOptions::new()
            .max_connections(if kind == DatabaseKind::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10));
        let pool = match kind {
            DatabaseKind::Sqlite => {
                pool_options
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            DatabaseKind::Postgres => pool_options.connect_with(options).await?,
        };
        let db = Db {
            pool,
            kind,
            writes: Arc::default(),
            appends: Arc::default(),
            storing: Arc::default(),
            heavy: Arc::new(tokio::sync::Semaphore::new(heavy_permits())),
            log_head: Arc::default(),
        };
        match kind {
            DatabaseKind::Sqlite => SQLITE_MIGRATIONS.run(&db.pool).await?,
            DatabaseKind::Postgres => POSTGRES_MIGRATIONS.run(&db.pool).await?,
        }
        db.check_sqlite_settings().await?;
        // What was stored before the transparency log (or by a version without it)
        // is logged now, in order.
        crate::tlog::fill_manifest_digests(&db).await?;
        crate::tlog::catch_up(&db).await?;
        Ok(db)
    }

    /// The review log as this process last found it intact under the key `key`
    /// (hex), if it did.
    pub(crate) fn verified_log_head(&self, key: &str) -> Option<crate::review_log::LogHead> {
        self.log_head
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .filter(|head| head.key() == key)
    }

    /// Keeps `head` as the review log last found intact.
    pub(crate) fn remember_log_head(&self, head: crate::review_log::LogHead) {
        *self
            .log_head
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(head);
    }

    /// A turn for a heavy read (a free-text search, an export, a review-log
    /// check): at most [`heavy_permits`] run at once, and one waits up to
    /// [`HEAVY_WAIT`] for its turn, past which it is [`StoreError::Busy`], so that no
    /// reader can starve the others. The turn ends when the value is dropped.
    pub async fn heavy_turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, StoreError> {
        match tokio::time::timeout(HEAVY_WAIT, Arc::clone(&self.heavy).acquire_owned()).await {
            Ok(Ok(turn)) => Ok(turn),
            _ => Err(StoreError::Busy),
        }
    }

    /// Runs `read` in a turn of [`Db::heavy_turn`], answering [`StoreError::Busy`]
    /// if it has not ended after [`HEAVY_TIME_LIMIT`].
    pub async fn heavy<T, E>(
        &self,
        read: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let _turn = self.heavy_turn().await?;
        tokio::time::timeout(HEAVY_TIME_LIMIT, read)
            .await
            .unwrap_or_else(|_| Err(StoreError::Busy.into()))
    }

    /// A read-only transaction whose statements, on Postgres, stop after
    /// [`HEAVY_TIME_LIMIT`] (the database cancels them).
    pub(crate) async fn limited_read(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.kind == DatabaseKind::Postgres {
            sqlx::query(&format!(
                "SET LOCAL statement_timeout = {}",
                HEAVY_TIME_LIMIT.as_millis()
            ))
            .execute(&mut *tx)
            .await?;
        }
        Ok(tx)
    }

    /// Waits until no other task of this process stores the bundle at `address`.
    pub(crate) async fn lock_address(&self, address: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut storing = self
                .storing
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            storing.retain(|_, lock| Arc::strong_count(lock) > 1);
            Arc::clone(storing.entry(address.to_owned()).or_default())
        };
        lock.lock_owned().await
    }

    /// On SQLite, waits for this process's turn to write; elsewhere returns at once.
    pub(crate) async fn lock_writes(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.kind {
            DatabaseKind::Sqlite => Some(self.writes.lock().await),
            DatabaseKind::Postgres => None,
        }
    }

    /// Waits for this process's turn to record a review action, before taking a
    /// connection for it: on SQLite, [`Db::lock_writes`]; on Postgres, one action
    /// of this process at a time. The log is appended to one action at a time anyway
    /// (a database lock, across servers), and an action may read with a second
    /// connection while it holds that lock: were every connection of the pool held
    /// by actions waiting for the lock, that read would wait for the pool's timeout
    /// and fail.
    pub(crate) async fn lock_appends(&self) -> tokio::sync::MutexGuard<'_, ()> {
        match self.kind {
            DatabaseKind::Sqlite => self.writes.lock().await,
            DatabaseKind::Postgres => self.appends.lock().await,
        }
    }

    /// [`Db::lock_writes`] when no one else holds it, without waiting: `None` when
    /// another write is under way. On Postgres, always `Some`.
    pub(crate) fn try_lock_writes(&self) -> Option<Option<tokio::sync::MutexGuard<'_, ()>>> {
        match self.kind {
            DatabaseKind::Sqlite => self.writes.try_lock().ok().map(Some),
            DatabaseKind::Postgres => Some(None),
        }
    }

    /// A connection for one large write. On SQLite, committing would also copy the
    /// whole write-ahead log into the database file (SQLite's automatic checkpoint),
    /// which the uploader would wait for: this connection does not, and
    /// [`Db::after_large_write`] copies it in the background instead.
    pub(crate) async fn large_write_connection(
        &self,
    ) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        if self.kind == DatabaseKind::Sqlite {
            sqlx::query("PRAGMA wal_autocheckpoint = 0")
                .execute(&mut *conn)
                .await?;
        }
        Ok(conn)
    }

    /// Hands back a connection from [`Db::large_write_connection`] once its
    /// transaction has ended, and on SQLite starts the checkpoint it skipped.
    pub(crate) async fn after_large_write(&self, mut conn: sqlx::pool::PoolConnection<sqlx::Any>) {
        if self.kind != DatabaseKind::Sqlite {
            return;
        }
        if sqlx::query(&format!(
            "PRAGMA wal_autocheckpoint = {SQLITE_AUTOCHECKPOINT}"
        ))
        .execute(&mut *conn)
        .await
        .is_err()
        {
            // A connection that cannot be reset is not handed to anyone else.
            conn.detach();
            return;
        }
        drop(conn);
        let pool = self.pool.clone();
        tokio::spawn(async move {
            // PASSIVE: copies what no reader still needs; never blocks readers or writers.
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::warn!("checkpoint after a large write failed: {e}");
            }
        });
    }

    /// Which database this is.
    pub fn kind(&self) -> DatabaseKind {
        self.kind
    }

    /// The connection pool: the store's modules query through it; tests and
    /// tools may too.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the database answers a query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) async fn migrations_applied(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await?;
        Ok(n)
    }

    /// SQLite's durability settings as one pooled connection has them.
    pub(crate) async fn sqlite_settings(&self) -> Result<Option<SqliteSettings>, StoreError> {
        if self.kind != DatabaseKind::Sqlite {
            return Ok(None);
        }
        let mut conn = self.pool.acquire().await?;
        let (journal_mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await?;
        let (synchronous,): (i64,) = sqlx::query_as("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await?;
        let (foreign_keys,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await?;
        let synchronous = match synchronous {
            0 => "OFF".to_owned(),
            1 => "NORMAL".to_owned(),
            2 => "FULL".to_owned(),
            3 => "EXTRA".to_owned(),
            n => n.to_string(),
        };
        Ok(Some(SqliteSettings {
            journal_mode: journal_mode.to_lowercase(),
            synchronous,
            foreign_keys: foreign_keys == 1,
        }))
    }

    async fn check_sqlite_settings(&self) -> Result<(), StoreError> {
        let Some(s) = self.sqlite_settings().await? else {
            return Ok(());
        };
        if s.journal_mode != "wal" {
            return Err(StoreError::SqliteSetting {
                setting: "journal_mode",
                actual: s.journal_mode,
                required: "wal",
            });
        }
        if s.synchronous != "FULL" {
            return Err(StoreError::SqliteSetting {
                setting: "synchronous",
                actual: s.synchronous,
                required: "FULL",
            });
        }
        if !s.foreign_keys {
            return Err(StoreError::SqliteSetting {
                setting: "foreign_keys",
                actual: "off".into(),
                required: "on",
            });
        }
        Ok(())
    }
}
