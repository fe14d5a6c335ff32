//! The event search across incidents as the console asks it (the same answer as
//! `GET /api/events`, days as bounds) and saved views: named per reviewer, checked
//! as searches, replaced by name, deleted only by their owner.

use model::{EventQuery, Role};
use serde_json::Value;
use store::views::{self, ViewError};

use crate::helpers::{call, demo, spawn, Backend};
use crate::on_both_databases;

on_both_databases!(
    events_are_searched_across_incidents_and_searches_saved_as_views,
    search_and_views
);
async fn search_and_views(backend: Backend) {
    let app = spawn(backend).await;
    app.trust_demo_root().await;
    let first = app.store("", demo("revoked-credential-use")).await;
    let second = app.store("", demo("late-approval")).await;
    assert_ne!(first["incident_id"], second["incident_id"]);

    // The console's search answers what GET /api/events answers, across incidents.
    let api = app.json("/api/events?kind=tool.call&per_page=500").await;
    let (status, console) = call(
        &app,
        &app.client,
        "/api/events/search",
        &[("query", "kind=tool.call&per_page=500")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(console, api);
    let shas: std::collections::BTreeSet<&str> = console["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["bundle_sha256"].as_str())
        .collect();
    assert_eq!(shas.len(), 2, "both incidents' bundles answer");

    // A day is a bound: `from` from its start, `to` through its end.
    let all = app.json("/api/events?per_page=500").await;
    let day = all["items"][0]["time"].as_str().expect("a time")[..10].to_owned();
    let on_day = app
        .json(&format!("/api/events?from={day}&to={day}&per_page=500"))
        .await;
    let expected = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["time"].as_str().is_some_and(|t| t.starts_with(&day)))
        .count();
    assert_eq!(on_day["total"].as_u64(), Some(expected as u64));
    assert!(expected > 0);
    let (status, refused) = call(
        &app,
        &app.client,
        "/api/events/search",
        &[("query", "from=17%2F11%2F2026")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        refused.to_string().contains("`from` must be a day"),
        "{refused}"
    );
    let (status, _) = call(
        &app,
        &app.client,
        "/api/events/search",
        &[("query", "incident=0")],
    )
    .await;
    assert_eq!(status, 400);

    // Saved views: per reviewer, named, the search normalised, replaced by name.
    let (status, saved) = call(
        &app,
        &app.client,
        "/api/views/save",
        &[
            ("name", "Tool calls"),
            ("query", "page=3&kind=tool.call&actor=agent%3Adeploy+bot"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        saved["query"], "actor=agent%3Adeploy%20bot&kind=tool.call",
        "paging dropped, one spelling"
    );
    let (_, again) = call(
        &app,
        &app.client,
        "/api/views/save",
        &[("name", "Tool calls"), ("query", "kind=tool.result")],
    )
    .await;
    assert_eq!(
        again["id"], saved["id"],
        "the same name replaces the search"
    );
    let (_, mine) = call(&app, &app.client, "/api/views/list", &[]).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    assert_eq!(mine[0]["query"], "kind=tool.result");
    for (name, query, why) in [
        ("", "kind=tool.call", "1 to 100 characters"),
        ("Everything", "", "at least one filter"),
        ("Bad verdict", "verdict=maybe", "`verdict` is one of"),
        ("Bad day", "to=yesterday", "`to` must be a day"),
    ] {
        let (status, refused) = call(
            &app,
            &app.client,
            "/api/views/save",
            &[("name", name), ("query", query)],
        )
        .await;
        assert_eq!(status, 400, "{name}: {refused}");
        assert!(refused.to_string().contains(why), "{name}: {refused}");
    }

    // Another reviewer sees none of them and cannot delete them; the link works for them.
    let other = app.user("ines", Role::Auditor).await;
    let (_, theirs) = call(&app, &other, "/api/views/list", &[]).await;
    assert_eq!(theirs, Value::Array(vec![]));
    let id = saved["id"].as_i64().expect("id").to_string();
    let (status, deleted) = call(&app, &other, "/api/views/delete", &[("id", &id)]).await;
    assert_eq!((status, deleted), (200, Value::Bool(false)));
    let page = other
        .get(format!(
            "{}/events?{}",
            app.address,
            mine[0]["query"].as_str().expect("q")
        ))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let (status, deleted) = call(&app, &app.client, "/api/views/delete", &[("id", &id)]).await;
    assert_eq!((status, deleted), (200, Value::Bool(true)));

    // At most MAX_VIEWS per reviewer.
    let query = EventQuery {
        kind: Some("tool.call".into()),
        ..EventQuery::default()
    };
    for n in 0..views::MAX_VIEWS {
        views::save(&app.db, "ines", &format!("view {n}"), &query)
            .await
            .expect("save");
    }
    assert!(matches!(
        views::save(&app.db, "ines", "one too many", &query).await,
        Err(ViewError::Invalid(why)) if why.contains("delete one first")
    ));
    views::save(&app.db, "ines", "view 7", &query)
        .await
        .expect("replacing stays possible");
}
