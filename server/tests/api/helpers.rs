use std::net::SocketAddr;

use model::Role;
use server::config::ServeConfig;
use server::startup::Application;
use sqlx::Connection as _;
use store::review_log::{Actor, ServerKey};
use store::Db;

/// Which database a test server stores in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A Custody server running in the background for one test.
pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub key: ServerKey,
    /// The collector that seals received traces.
    pub collector: store::collector::Collector,
    /// The transparency log's key and policy.
    pub log: store::tlog::LogKey,
    /// Signed in as `reviewer`, a compliance reviewer (reads, uploads, annotates).
    pub client: reqwest::Client,
    /// Signed in as no one.
    pub anonymous: reqwest::Client,
    // Removed (with the SQLite database in it) when the test ends.
    _data_dir: tempfile::TempDir,
}

/// Builds the real application on port 0 with a fresh SQLite data directory.
/// The bundle of the demo scenario (or tampered variant) named `slug`.
pub fn demo(slug: &str) -> String {
    server::demo::scenarios()
        .into_iter()
        .chain(server::demo::tampered())
        .find(|s| s.slug == slug)
        .map(|s| s.bundle)
        .expect("a demo scenario")
}

pub async fn spawn_app() -> TestApp {
    spawn(Backend::Sqlite).await
}

/// A fresh, empty database for one test: a SQLite file in `data_dir`, or a new
/// database on the PostgreSQL server `CUSTODY_TEST_POSTGRES_URL` names (`./x test`
/// starts a throwaway one).
pub async fn fresh_database(backend: Backend, data_dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => Db::sqlite_url(data_dir),
        Backend::Postgres => {
            let admin = std::env::var("CUSTODY_TEST_POSTGRES_URL").expect(
                "CUSTODY_TEST_POSTGRES_URL names no PostgreSQL server: run `./x test`, \
                 which starts a throwaway one, or set it to a server's URL",
            );
            sqlx::any::install_default_drivers();
            let mut conn = sqlx::AnyConnection::connect(&admin)
                .await
                .expect("the test PostgreSQL server answers");
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).expect("random");
            let name = format!("custody_test_{}", hex::encode(bytes));
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create a test database");
            let _ = conn.close().await;
            let (base, _) = admin.rsplit_once('/').expect("a URL with a database name");
            format!("{base}/{name}")
        }
    }
}

/// Builds the real application on port 0 over a fresh database.
pub async fn spawn(backend: Backend) -> TestApp {
    spawn_with(backend, |_| {}).await
}

/// [`spawn`], with the configuration adjusted first.
pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut ServeConfig)) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        server::telemetry::init();
    }
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(backend, data_dir.path()).await;
    let mut config = ServeConfig::new(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir.path().to_owned(),
    );
    if backend == Backend::Postgres {
        config.database_url = Some(database_url.clone());
    }
    adjust(&mut config);
    let app = Application::build(config)
        .await
        .expect("application builds");
    let address = format!("http://{}", app.local_addr());
    let db = app.db();
    let key = app.key();
    let collector = app.collector();
    let log = app.log();
    tokio::spawn(app.run_until_stopped());
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut test = TestApp {
        address,
        db,
        key,
        collector,
        log,
        client: anonymous.clone(),
        anonymous,
        _data_dir: data_dir,
    };
    test.client = test.user("reviewer", Role::ComplianceReviewer).await;
    test
}

impl TestApp {
    /// The server's data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        self._data_dir.path()
    }
}

/// The password every test account has.
pub const PASSWORD: &str = "a test password";

/// A session: its cookie (`name=value`) and CSRF token.
pub struct Login {
    pub cookie: String,
    pub csrf: String,
}

/// Defines a test module with the test run once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $test:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$test($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$test($crate::helpers::Backend::Postgres).await
            }
        }
    };
}

/// A client sending `login`'s session cookie and CSRF token, following no redirects.
pub fn client_of(login: &Login) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", login.cookie.parse().expect("cookie"));
    headers.insert("x-csrf-token", login.csrf.parse().expect("token"));
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .expect("client")
}

/// Signs in as `name` on the server at `address` (`http://host:port`) with
/// `anonymous`, a client that follows no redirects: the session, or the status the
/// server answered.
pub async fn sign_in(
    anonymous: &reqwest::Client,
    address: &str,
    name: &str,
    password: &str,
) -> Result<Login, reqwest::StatusCode> {
    let response = anonymous
        .post(format!("{address}/login"))
        .header("accept", "application/json")
        .form(&[("username", name), ("password", password)])
        .send()
        .await
        .expect("request reaches the server");
    if !response.status().is_success() {
        return Err(response.status());
    }
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-custody_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let csrf = response.headers()["x-csrf-token"]
        .to_str()
        .expect("token")
        .to_owned();
    Ok(Login { cookie, csrf })
}

/// POSTs `form` to server function `path` as `client`: the status and the JSON answer.
pub async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let response = client
        .post(format!("{}{path}", app.address))
        .form(form)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

impl TestApp {
    /// Makes account `name` with `role` (password [`PASSWORD`]) and gives a client
    /// signed in as it.
    pub async fn user(&self, name: &str, role: Role) -> reqwest::Client {
        store::users::add(&self.db, &self.key, Actor::Cli, name, "", role, PASSWORD)
            .await
            .expect("add the account");
        self.signed_in(name).await
    }

    /// A machine token named `name` (scoped to `incident` when given), made by the
    /// command line; its secret.
    pub async fn token(&self, name: &str, incident: Option<i64>) -> String {
        store::tokens::create(&self.db, &self.key, Actor::Cli, name, incident, 30)
            .await
            .expect("make the token")
            .secret
    }

    /// A client that sends `Authorization: Bearer <secret>` and no cookie.
    pub fn bearer(&self, secret: &str) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            reqwest::header::HeaderValue::from_str(&format!("Bearer {secret}"))
                .expect("a header value"),
        );
        reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client")
    }

    /// A client signed in as account `name`, sending its session cookie and CSRF token.
    pub async fn signed_in(&self, name: &str) -> reqwest::Client {
        client_of(&self.login(name, PASSWORD).await.expect("signs in"))
    }

    /// Signs in as `name`; the session, or the status the server answered.
    pub async fn login(&self, name: &str, password: &str) -> Result<Login, reqwest::StatusCode> {
        sign_in(&self.anonymous, &self.address, name, password).await
    }

    /// The status `GET /api/session` answers with the session cookie `cookie` alone.
    pub async fn session_status(&self, cookie: &str) -> reqwest::StatusCode {
        self.anonymous
            .get(format!("{}/api/session", self.address))
            .header("cookie", cookie)
            .send()
            .await
            .expect("request reaches the server")
            .status()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request reaches the server")
    }

    /// GET `path` and read its JSON, asserting a 200.
    pub async fn json(&self, path: &str) -> serde_json::Value {
        let response = self.get(path).await;
        let status = response.status();
        let body = response.text().await.expect("body");
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    /// POSTs a bundle's bytes to `/api/bundles?{query}`.
    pub async fn upload(&self, query: &str, bytes: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(format!("{}/api/bundles?{query}", self.address))
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Uploads a bundle that must be stored, and gives the stored bundle's summary.
    pub async fn store(&self, query: &str, bytes: impl Into<reqwest::Body>) -> serde_json::Value {
        let response = self.upload(query, bytes).await;
        assert_eq!(response.status(), 200, "the upload is stored");
        response.json().await.expect("a JSON summary")
    }

    /// Trusts the demo corpus's root key.
    pub async fn trust_demo_root(&self) {
        store::trust_roots::add(
            &self.db,
            &self.key,
            Actor::Cli,
            &server::demo::root().public_key(),
            "demo",
        )
        .await
        .expect("add root");
    }

    /// One number from the database.
    pub async fn count(&self, sql: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql)
            .fetch_one(self.db.pool())
            .await
            .expect("count");
        n
    }
}
