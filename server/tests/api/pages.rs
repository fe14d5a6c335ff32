use model::Severity;
use store::incidents::{self, NewIncident};

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_incidents_page_is_server_rendered_with_its_empty_state() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("body");
    assert!(
        html.contains("<title>Incidents · Custody</title>"),
        "{html}"
    );
    assert!(html.contains("No incidents yet"), "{html}");
    assert!(html.contains("custody ingest bundle.json"), "{html}");
    // The hydration scripts point at the wasm build.
    assert!(html.contains("/pkg/custody_bg.wasm"), "{html}");
    assert!(html.contains("/pkg/custody.css"), "{html}");
}

#[tokio::test]
async fn the_incidents_page_lists_incidents_from_the_database() {
    let app = spawn_app().await;
    let new = |title: &str, severity| NewIncident {
        title: title.into(),
        description: String::new(),
        severity,
    };
    incidents::create(
        &app.db,
        &app.key,
        store::review_log::Actor::Cli,
        &new("Prod config changed by deploy agent", Severity::Critical),
    )
    .await
    .expect("create");
    incidents::create(
        &app.db,
        &app.key,
        store::review_log::Actor::Cli,
        &new("Secrets <export> via tool call", Severity::High),
    )
    .await
    .expect("create");

    let html = app.get("/").await.text().await.expect("body");
    assert!(!html.contains("No incidents yet"));
    assert!(html.contains("Prod config changed by deploy agent"));
    // Text from the database is escaped, never markup.
    assert!(
        html.contains("Secrets &lt;export&gt; via tool call"),
        "{html}"
    );
    assert!(html.contains("2 incidents"));
    assert!(html.contains("Critical"));
}

#[tokio::test]
async fn an_unknown_path_gets_the_404_page() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.expect("body");
    assert!(html.contains("Page not found"));
}

#[tokio::test]
async fn the_settings_page_shows_the_checked_sqlite_settings() {
    let app = spawn_app().await;
    let html = app.get("/settings").await.text().await.expect("body");
    assert!(html.contains("SQLite (embedded)"), "{html}");
    assert!(html.contains(">wal<"), "{html}");
    assert!(html.contains(">FULL<"), "{html}");
}

#[tokio::test]
async fn the_verify_page_is_server_rendered_with_its_inputs_disabled_until_hydration() {
    let app = spawn_app().await;
    let html = app.get("/verify").await.text().await.expect("body");
    assert!(html.contains("Verify a bundle"));
    assert!(html.contains(r#"for="bundle-file""#));
    assert!(html.contains(r#"for="trust-roots""#));
    assert!(html.contains("Verify one signed envelope"));
    assert!(html.contains(r#"for="envelope""#));
    assert!(html.contains("disabled"), "the button waits for wasm");
}

#[tokio::test]
async fn a_bundle_page_is_server_rendered_with_the_stored_verdict_and_links_to_its_bytes() {
    let app = spawn_app().await;
    let (bundle, _) = evidence::producer::synthetic(5, "five");
    let stored = app.store("name=five%3Cb%3E.json", bundle).await;
    let sha = stored["sha256"].as_str().expect("sha256");
    let response = app.get(&format!("/bundles/{sha}")).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("body");
    // The name is text, never markup.
    assert!(html.contains("five&lt;b&gt;.json</h1>"), "{html}");
    assert!(html.contains("The server stored"), "{html}");
    assert!(html.contains("Untrusted"), "{html}");
    assert!(html.contains(&format!("/api/bundles/{sha}/raw")), "{html}");
    // Verification waits for the browser: nothing is claimed before it ran.
    assert!(!html.contains("Verified in this browser"), "{html}");

    let missing = app.get(&format!("/bundles/{}", "0".repeat(64))).await;
    let html = missing.text().await.expect("body");
    assert!(html.contains("No such bundle"), "{html}");
}

/// An incident title and a bundle name are the uploader's text: in the server-rendered
/// `<title>` (which leptos_meta writes unescaped) they are escaped, so they can end
/// neither the title nor start an element.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_titles_and_names_stay_text_in_the_page_title() {
    let app = spawn_app().await;
    app.trust_demo_root().await;
    let hostile = "</title><meta http-equiv=\"refresh\" content=\"0;url=//evil.example\"><script>alert(1)</script><title>";
    let query = format!(
        "name={}&title={}",
        urlencoding(hostile),
        urlencoding(hostile)
    );
    let stored = app
        .store(&query, crate::helpers::demo("late-approval"))
        .await;
    let id = stored["incident_id"].as_i64().expect("incident");
    let sha = stored["sha256"].as_str().expect("sha").to_owned();
    for path in [format!("/incidents/{id}"), format!("/bundles/{sha}")] {
        let html = app.get(&path).await.text().await.expect("body");
        let head = html.split("</head>").next().unwrap_or_default();
        assert_eq!(head.matches("<title>").count(), 1, "{path}: {head}");
        assert_eq!(head.matches("</title>").count(), 1, "{path}: {head}");
        assert!(!html.contains("<meta http-equiv"), "{path}");
        assert!(!html.contains("<script>alert(1)"), "{path}");
        assert!(head.contains("&lt;/title&gt;&lt;meta"), "{path}: {head}");
    }
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
