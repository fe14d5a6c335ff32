//! Machine tokens: made by an admin, shown once, stored hashed; they send evidence
//! and nothing else, are refused when expired or revoked, and their uses are in the
//! review log under their names.

use model::Role;

use crate::helpers::{call, demo, spawn, Backend, TestApp};

/// POSTs demo bundle `slug` to `/api/bundles{query}` with `client`.
async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    query: &str,
    slug: &str,
) -> reqwest::Response {
    client
        .post(format!("{}/api/bundles{query}", app.address))
        .body(demo(slug))
        .send()
        .await
        .expect("answered")
}

/// A refusal's status and body, and proof that nothing was stored.
async fn refused(app: &TestApp, r: reqwest::Response, before: i64) -> (u16, String) {
    let status = r.status().as_u16();
    let body = r.text().await.unwrap_or_default();
    assert_eq!(
        app.count("SELECT CAST(COUNT(*) AS BIGINT) FROM bundles")
            .await,
        before,
        "nothing stored"
    );
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_machine_token_sends_evidence_and_nothing_else_until_revoked() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = spawn(backend).await;
        app.trust_demo_root().await;
        let admin = app.user("t-admin", Role::Admin).await;

        // Made on the Users page: the secret is answered once, and only its hash is stored.
        let (status, made) = call(
            &app,
            &admin,
            "/api/tokens/create",
            &[("name", "ci-pipeline"), ("incident", ""), ("days", "30")],
        )
        .await;
        assert_eq!(status, 200, "{made}");
        let secret = made["secret"].as_str().expect("a secret").to_owned();
        assert!(
            secret.starts_with("custody_") && secret.len() > 60,
            "{secret}"
        );
        assert_eq!(made["token"]["state"], "active");
        let stored = app
            .count(&format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM api_tokens WHERE secret_hash = '{secret}'"
            ))
            .await;
        assert_eq!(stored, 0, "the secret itself is not stored");
        let (_, listed) = call(&app, &admin, "/api/tokens/list", &[]).await;
        assert_eq!(listed[0]["name"], "ci-pipeline");
        assert_eq!(listed[0]["last_used_at"], serde_json::Value::Null);
        assert!(
            !listed.to_string().contains(&secret),
            "the list has no secret"
        );
        // A name taken, or a lifetime out of range, is refused.
        let (status, _) = call(
            &app,
            &admin,
            "/api/tokens/create",
            &[("name", "ci-pipeline"), ("days", "30")],
        )
        .await;
        assert_eq!(status, 400);
        let (status, _) = call(
            &app,
            &admin,
            "/api/tokens/create",
            &[("name", "other"), ("days", "400")],
        )
        .await;
        assert_eq!(status, 400);

        // It uploads a bundle, logged under its name.
        let token = app.bearer(&secret);
        let response = send(&app, &token, "?name=ci.json", "cicd-change-ticket").await;
        assert_eq!(response.status(), 200);
        let summary: serde_json::Value = response.json().await.expect("json");
        let logged = app
            .count("SELECT CAST(COUNT(*) AS BIGINT) FROM review_log WHERE actor = 'token:ci-pipeline' AND action = 'upload'")
            .await;
        assert_eq!(logged, 1, "the upload is logged under the token");
        let uploader = app
            .count("SELECT CAST(COUNT(*) AS BIGINT) FROM bundles WHERE uploaded_by = 'token:ci-pipeline'")
            .await;
        assert_eq!(uploader, 1);
        let (_, listed) = call(&app, &admin, "/api/tokens/list", &[]).await;
        assert!(
            listed[0]["last_used_at"].is_string(),
            "its last use is shown"
        );

        // It reads nothing.
        for path in ["/api/incidents", "/api/review-log/export", "/"] {
            let r = token
                .get(format!("{}{path}", app.address))
                .send()
                .await
                .expect("answered");
            assert_eq!(r.status(), 403, "{path}");
        }
        let r = token
            .get(format!(
                "{}/api/bundles/{}",
                app.address,
                summary["sha256"].as_str().unwrap_or("")
            ))
            .send()
            .await
            .expect("answered");
        assert_eq!(r.status(), 403);

        // An unknown secret is 401, saying so.
        let r = app
            .bearer("custody_0000")
            .post(format!("{}/api/bundles", app.address))
            .body("{}")
            .send()
            .await
            .expect("answered");
        assert_eq!(r.status(), 401);
        assert!(r.text().await.unwrap_or_default().contains("token_unknown"));

        // Revoked: 401 naming the revocation, and nothing stored.
        let (status, revoked) = call(
            &app,
            &admin,
            "/api/tokens/revoke",
            &[("name", "ci-pipeline")],
        )
        .await;
        assert_eq!((status, revoked), (200, serde_json::json!(true)));
        let before = app
            .count("SELECT CAST(COUNT(*) AS BIGINT) FROM bundles")
            .await;
        let r = send(&app, &token, "", "secrets-export").await;
        let (status, body) = refused(&app, r, before).await;
        assert_eq!(status, 401);
        assert!(
            body.contains("token_revoked") && body.contains("ci-pipeline"),
            "{body}"
        );

        // Expired: 401 naming the expiry.
        let old = app.token("old", None).await;
        sqlx::query("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE name = 'old'")
            .execute(app.db.pool())
            .await
            .expect("age the token");
        let r = send(&app, &app.bearer(&old), "", "secrets-export").await;
        let (status, body) = refused(&app, r, before).await;
        assert_eq!(status, 401);
        assert!(
            body.contains("token_expired") && body.contains("2020-01-01"),
            "{body}"
        );

        // Scoped to one incident: it sends into that one by default, and into no other.
        let incident = summary["incident_id"].as_i64().expect("an incident");
        let scoped = app.bearer(&app.token("scoped", Some(incident)).await);
        let r = send(&app, &scoped, "", "secrets-export").await;
        assert_eq!(r.status(), 200);
        let into: serde_json::Value = r.json().await.expect("json");
        assert_eq!(into["incident_id"].as_i64(), Some(incident));
        let r = scoped
            .post(format!(
                "{}/api/bundles?incident={}",
                app.address,
                incident + 1
            ))
            .body(demo("secrets-export"))
            .send()
            .await
            .expect("answered");
        assert_eq!(r.status(), 403);
        // The log's check names the one edit made behind its back: the expiry this
        // test moved into the past with SQL. Everything else matches its entries.
        let (_, integrity) = call(&app, &admin, "/api/review-log/integrity", &[]).await;
        assert_eq!(integrity["intact"], false, "{integrity}");
        let problems: Vec<&str> = integrity["problems"]
            .as_array()
            .map(|p| p.iter().filter_map(|x| x.as_str()).collect())
            .unwrap_or_default();
        assert_eq!(problems.len(), 1, "{integrity}");
        assert!(
            problems[0].starts_with("api_tokens: old expires 2020-01-01T00:00:00Z; its entry "),
            "{integrity}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custody_ingest_sends_with_a_token_file_or_custody_token() {
    let app = spawn(Backend::Sqlite).await;
    let secret = app.token("pipeline", None).await;
    let dir = tempfile::tempdir().expect("a directory");
    let bundle = dir.path().join("ci.bundle.json");
    std::fs::write(&bundle, demo("cicd-change-ticket")).expect("write");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{secret}\n")).expect("write");
    let run = |args: Vec<String>, env: Option<(&str, &str)>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_custody"));
        command
            .args(args)
            .env_remove("CUSTODY_TOKEN")
            .env_remove("CUSTODY_USER");
        if let Some((k, v)) = env {
            command.env(k, v);
        }
        command.output().expect("custody runs")
    };
    let base = |extra: &[&str]| {
        let mut args = vec![
            "ingest".to_owned(),
            "--server".to_owned(),
            app.address.clone(),
            bundle.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };
    let out = run(
        base(&["--token-file", &token_file.display().to_string()]),
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ci.bundle.json: "));
    let out = run(base(&[]), Some(("CUSTODY_TOKEN", &secret)));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let by_token = app
        .count("SELECT CAST(COUNT(*) AS BIGINT) FROM review_log WHERE actor = 'token:pipeline' AND action = 'upload'")
        .await;
    assert_eq!(
        by_token, 1,
        "the same bytes twice store one bundle, logged once"
    );
    // A revoked token: the command fails, saying why.
    store::tokens::revoke(&app.db, &app.key, store::review_log::Actor::Cli, "pipeline")
        .await
        .expect("revoke");
    let out = run(base(&[]), Some(("CUSTODY_TOKEN", &secret)));
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("was revoked"), "{said}");
}
