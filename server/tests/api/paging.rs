//! Keyset paging of the event search: walking `next` from the first page, and
//! `prev` back from the last, lists every match once, in the order a page asked by
//! number has them, for each sort, including events without a time (a tampered
//! event's payload is not read, so it has none).

use serde_json::Value;

use crate::helpers::{demo, spawn, Backend, TestApp};

/// Each event's place: `{bundle}:{index}`, as cursors name events.
fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["bundle_sha256"].as_str().expect("sha"),
                e["index"]
            )
        })
        .collect()
}

/// Every match of `filters`, read by page number, 500 at a time.
async fn by_number(app: &TestApp, filters: &str) -> Vec<String> {
    let mut all = Vec::new();
    for n in 1.. {
        let page = app
            .json(&format!("/api/events?{filters}&per_page=500&page={n}"))
            .await;
        let rows = names(&page);
        all.extend(rows);
        if page["next"].is_null() {
            break;
        }
    }
    all
}

/// Every match of `filters`, walked with cursors `per_page` at a time, forward
/// (`next`) from the first page, then back (`prev`) from the last.
async fn by_cursor(app: &TestApp, filters: &str, per_page: u32) -> (Vec<String>, Vec<String>) {
    let mut forward = Vec::new();
    let mut page = app
        .json(&format!("/api/events?{filters}&per_page={per_page}"))
        .await;
    assert!(
        page["prev"].is_null(),
        "{filters}: the first page has no prev"
    );
    loop {
        let rows = names(&page);
        assert!(rows.len() <= per_page as usize);
        forward.extend(rows);
        let Some(next) = page["next"].as_str() else {
            break;
        };
        page = app
            .json(&format!(
                "/api/events?{filters}&per_page={per_page}&after={next}"
            ))
            .await;
        assert!(
            !page["prev"].is_null(),
            "{filters}: a page after another has a prev"
        );
    }
    let mut backward: Vec<Vec<String>> = vec![names(&page)];
    while let Some(prev) = page["prev"].as_str() {
        page = app
            .json(&format!(
                "/api/events?{filters}&per_page={per_page}&before={prev}"
            ))
            .await;
        assert!(
            !page["next"].is_null(),
            "{filters}: a page before another has a next"
        );
        backward.push(names(&page));
    }
    backward.reverse();
    (forward, backward.concat())
}

crate::on_both_databases!(keyset_pages_list_every_match_once_in_order, keyset);
async fn keyset(backend: Backend) {
    let app = spawn(backend).await;
    app.trust_demo_root().await;
    let stored = app.store("", demo("revoked-credential-use")).await;
    let incident = stored["incident_id"].as_i64().expect("id");
    for variant in server::demo::tampered() {
        app.store("", variant.bundle).await;
    }
    let failed = app.json("/api/events?verdict=fail&per_page=500").await;
    let untimed: Vec<String> = failed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["time"].is_null())
        .map(|e| {
            format!(
                "{}:{}",
                e["bundle_sha256"].as_str().expect("sha"),
                e["index"]
            )
        })
        .collect();
    assert!(!untimed.is_empty(), "a tampered event has no time");

    let filters = [
        String::new(),
        "verdict=fail".to_owned(),
        "kind=tool.call".to_owned(),
        format!("incident={incident}"),
        "q=credential".to_owned(),
    ];
    for filter in &filters {
        for sort in ["time", "-time", "index", "-index"] {
            let filters = format!("{filter}&sort={sort}");
            let all = by_number(&app, &filters).await;
            assert!(all.len() > 3, "{filters}: {} matches", all.len());
            let mut unique = all.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), all.len(), "{filters}: an event listed twice");
            for per_page in [1, 7] {
                let (forward, backward) = by_cursor(&app, &filters, per_page).await;
                assert_eq!(forward, all, "{filters}, {per_page} a page, forward");
                assert_eq!(backward, all, "{filters}, {per_page} a page, backward");
            }
            // Events without a time come first in time order, last in reverse.
            if filter.is_empty() && sort == "time" {
                assert_eq!(all[..untimed.len()], untimed[..], "{filters}");
            }
            if filter.is_empty() && sort == "-time" {
                let mut last = all[all.len() - untimed.len()..].to_vec();
                last.sort();
                let mut expected = untimed.clone();
                expected.sort();
                assert_eq!(last, expected, "{filters}");
            }
        }
    }

    // A cursor names a stored event, as `{sha}:{index}`; one of the two at most.
    let first = by_number(&app, "").await.remove(0);
    for (query, says) in [
        ("after=abc", "`after` names an event"),
        ("before=xyz:1", "`before` names an event"),
        (
            &format!("after={}:-1", "a".repeat(64)),
            "`after` names an event",
        ),
        (
            &format!("after={}:0", "a".repeat(64)),
            "`after` names no stored event",
        ),
        (&format!("after={first}&before={first}"), "not both"),
    ] {
        let response = app.get(&format!("/api/events?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.expect("json");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(says),
            "{query}: {body}"
        );
    }
}

crate::on_both_databases!(a_broad_free_text_search_pages_as_a_narrow_one, broad);
/// More than 1,000 matches of a word: on SQLite a page is then read along the time
/// index (see `store::events`), and lists what the planner's own way lists.
async fn broad(backend: Backend) {
    let app = spawn(backend).await;
    let (bundle, _) = evidence::producer::synthetic(1500, "broad");
    let stored = app.store("", bundle).await;
    let incident = stored["incident_id"].as_i64().expect("id");
    for sort in ["time", "-time"] {
        // Within one incident, the events are gathered and sorted, never walked.
        let reference =
            by_number(&app, &format!("incident={incident}&q=kubectl&sort={sort}")).await;
        assert_eq!(reference.len(), 1500, "{sort}");
        let filters = format!("q=kubectl&sort={sort}");
        assert_eq!(by_number(&app, &filters).await, reference, "{sort}");
        let (forward, backward) = by_cursor(&app, &filters, 97).await;
        assert_eq!(forward, reference, "{sort}, forward");
        assert_eq!(backward, reference, "{sort}, backward");
    }
    let plan = store::events::explain(
        &app.db,
        &model::EventQuery {
            q: Some("kubectl".into()),
            ..model::EventQuery::default()
        },
    )
    .await
    .expect("a plan");
    if backend == Backend::Sqlite {
        assert!(
            plan.iter().any(|l| l.contains("USING INDEX events_time")),
            "{}",
            plan.join("\n")
        );
    }
}
