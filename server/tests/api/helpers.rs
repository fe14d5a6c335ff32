use std::net::SocketAddr;

use app::store::Db;
use server::config::ServeConfig;
use server::startup::Application;

/// A Custody server running in the background for one test.
pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub client: reqwest::Client,
    // Removed (with the database in it) when the test ends.
    _data_dir: tempfile::TempDir,
}

/// Builds the real application on port 0 with a fresh SQLite data directory.
pub async fn spawn_app() -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        server::telemetry::init();
    }
    let data_dir = tempfile::tempdir().expect("temp dir");
    let config = ServeConfig::new(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir.path().to_owned(),
    );
    let app = Application::build(config)
        .await
        .expect("application builds");
    let address = format!("http://{}", app.local_addr());
    let db = app.db();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        _data_dir: data_dir,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request reaches the server")
    }
}
