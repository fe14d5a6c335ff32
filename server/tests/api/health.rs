use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_reports_the_database_it_reached() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        body,
        serde_json::json!({ "status": "ok", "database": "SQLite (embedded)" })
    );
}

#[tokio::test]
async fn healthz_is_unavailable_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db.close().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
}

#[tokio::test]
async fn an_unsupported_database_url_is_refused() {
    let err = store::Db::open("mysql://localhost/custody")
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("unsupported database URL"),
        "{err}"
    );
}
