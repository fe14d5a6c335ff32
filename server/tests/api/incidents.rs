//! The incident list: search, filters, order and counts, through the JSON API
//! (`GET /api/incidents`), the UI's server function (`POST /api/incidents/list`) and
//! the server-rendered page (`GET /?…`), each test on SQLite and on PostgreSQL.

use serde_json::{json, Value};

use crate::helpers::{demo, spawn, Backend, TestApp};
use crate::on_both_databases;

/// Opens an incident through the API and gives its number.
async fn open(app: &TestApp, title: &str, description: &str, severity: &str) -> i64 {
    let response = app
        .client
        .post(format!("{}/api/incidents", app.address))
        .json(&json!({ "title": title, "description": description, "severity": severity }))
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(response.status(), 201, "{title}");
    let detail: Value = response.json().await.expect("json");
    detail["incident"]["id"].as_i64().expect("id")
}

/// Sets what only the review workflow changes (no API does yet): status, assignee
/// and when the incident was opened and last updated.
async fn review(
    app: &TestApp,
    id: i64,
    status: &str,
    assignee: Option<&str>,
    created_at: &str,
    updated_at: &str,
) {
    sqlx::query(
        "UPDATE incidents SET status = $1, assignee = $2, created_at = $3, updated_at = $4 \
         WHERE id = $5",
    )
    .bind(status)
    .bind(assignee)
    .bind(created_at)
    .bind(updated_at)
    .bind(id)
    .execute(app.db.pool())
    .await
    .expect("update the incident");
}

/// `GET /api/incidents` with `params`: the titles listed, in order.
async fn titles(app: &TestApp, params: &[(&str, &str)]) -> Vec<String> {
    let response = app
        .client
        .get(format!("{}/api/incidents", app.address))
        .query(params)
        .send()
        .await
        .expect("request reaches the server");
    let status = response.status();
    let body = response.text().await.expect("body");
    assert_eq!(status, 200, "{params:?}: {body}");
    let list: Value = serde_json::from_str(&body).expect("json");
    list.as_array()
        .expect("an array")
        .iter()
        .map(|i| i["title"].as_str().expect("title").to_owned())
        .collect()
}

/// The UI's server function with `params` as its form: its whole answer.
async fn list(app: &TestApp, params: &[(&str, &str)]) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/api/incidents/list", app.address))
        .form(params)
        .send()
        .await
        .expect("request reaches the server");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

/// The counts a list answer gives per status, in workflow order.
fn by_status(answer: &Value) -> Vec<(String, i64)> {
    answer["by_status"]
        .as_array()
        .expect("by_status")
        .iter()
        .map(|c| {
            (
                c["status"].as_str().expect("status").to_owned(),
                c["count"].as_i64().expect("count"),
            )
        })
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Query parameters, as a URL or a form carries them.
type Params = &'static [(&'static str, &'static str)];

/// An incident of [`five_incidents`]: what it is opened with, the demo bundles it
/// holds, then its status, assignee, and when it was opened and last updated.
type Fixture = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

/// Five incidents, one per verdict (and one without bundles), each in another
/// status, severity and time; returns the events each holds, by title.
async fn five_incidents(app: &TestApp) -> Vec<(&'static str, i64)> {
    app.trust_demo_root().await;
    let mut events = Vec::new();
    #[rustfmt::skip]
    let incidents: [Fixture; 5] = [
        ("Alpha gateway timeout", "Payments gateway timeout raised in prod", "critical",
            &["prod-config-change"], "open", Some("Ada Lovelace"),
            "2026-01-05T10:00:00Z", "2026-05-05T00:00:00Z"),
        ("Bravo pipeline", "Multi-agent deploy pipeline", "low",
            &["tampered-keyid-wrong-key"], "in_review", None,
            "2026-02-10T00:00:00Z", "2026-05-01T00:00:00Z"),
        ("Charlie shared account", "Warehouse rebuild through a bastion", "medium",
            &["tampered-key-not-certified", "privileged-api-jit"], "signed_off", Some("Ada Lovelace"),
            "2026-02-28T23:59:59Z", "2026-05-04T00:00:00Z"),
        ("Delta secrets", "Vault KV export to staging", "high",
            &["tampered-modified-payload", "token-refresh-vault"], "closed", Some("Alan Turing"),
            "2026-03-01T00:00:00Z", "2026-05-02T00:00:00Z"),
        ("Echo empty", "Opened before any evidence arrived", "medium",
            &[], "open", None,
            "2026-04-15T12:00:00Z", "2026-05-03T00:00:00Z"),
    ];
    for (title, description, severity, bundles, status, assignee, created, updated) in incidents {
        let id = open(app, title, description, severity).await;
        let mut count = 0;
        for slug in bundles {
            let stored = app.store(&format!("incident={id}"), demo(slug)).await;
            assert_eq!(stored["incident_id"], id, "{slug}");
            count += stored["event_count"].as_i64().expect("event count");
        }
        // After the bundles: storing one marks the incident as updated now.
        review(app, id, status, assignee, created, updated).await;
        events.push((title, count));
    }
    events
}

on_both_databases!(
    each_filter_narrows_the_incident_list_to_what_it_names,
    each_filter
);
async fn each_filter(backend: Backend) {
    let app = spawn(backend).await;
    five_incidents(&app).await;
    #[rustfmt::skip]
    let cases: Vec<(Params, &[&str])> = vec![
        // No filter: every incident, most recently updated first.
        (&[], &["Alpha gateway timeout", "Charlie shared account", "Echo empty", "Delta secrets", "Bravo pipeline"]),
        // Empty parameters (as a form without JavaScript sends them) filter nothing.
        (&[("q", ""), ("status", ""), ("verdict", " "), ("from", ""), ("sort", "")],
            &["Alpha gateway timeout", "Charlie shared account", "Echo empty", "Delta secrets", "Bravo pipeline"]),
        // Free text, case-insensitive, in the title or the description.
        (&[("q", "SHARED")], &["Charlie shared account"]),
        (&[("q", "vault kv")], &["Delta secrets"]),
        (&[("q", "  pipeline ")], &["Bravo pipeline"]),
        (&[("q", "no such words")], &[]),
        // Status.
        (&[("status", "open")], &["Alpha gateway timeout", "Echo empty"]),
        (&[("status", "in_review")], &["Bravo pipeline"]),
        (&[("status", "signed_off")], &["Charlie shared account"]),
        (&[("status", "closed")], &["Delta secrets"]),
        // Severity.
        (&[("severity", "critical")], &["Alpha gateway timeout"]),
        (&[("severity", "medium")], &["Charlie shared account", "Echo empty"]),
        (&[("severity", "low")], &["Bravo pipeline"]),
        // The worst verdict among the bundles, or none without bundles.
        (&[("verdict", "verified")], &["Alpha gateway timeout"]),
        (&[("verdict", "verified_with_warnings")], &["Bravo pipeline"]),
        (&[("verdict", "untrusted")], &["Charlie shared account"]),
        (&[("verdict", "tampered")], &["Delta secrets"]),
        (&[("verdict", "none")], &["Echo empty"]),
        // Opened from and to, both days included (UTC).
        (&[("from", "2026-02-28")], &["Charlie shared account", "Echo empty", "Delta secrets"]),
        (&[("to", "2026-02-28")], &["Alpha gateway timeout", "Charlie shared account", "Bravo pipeline"]),
        (&[("from", "2026-02-28"), ("to", "2026-03-01")], &["Charlie shared account", "Delta secrets"]),
        (&[("from", "2026-03-01"), ("to", "2026-03-01")], &["Delta secrets"]),
        // An actor its bundles name, by identity or name, case-insensitive.
        // (Bravo's bundle is the prod-config-change evidence re-signed: the same actors.)
        (&[("actor", "svc-deploy-prod")], &["Alpha gateway timeout", "Bravo pipeline"]),
        (&[("actor", "PRIYA RAMAN")], &["Alpha gateway timeout", "Bravo pipeline"]),
        (&[("actor", "priya"), ("verdict", "verified")], &["Alpha gateway timeout"]),
        (&[("actor", "dana.whitfield@fernhill.example")], &["Charlie shared account"]),
        (&[("actor", "nobody@nowhere.example")], &[]),
        // The assignee.
        (&[("assignee", "ada")], &["Alpha gateway timeout", "Charlie shared account"]),
        (&[("assignee", "TURING")], &["Delta secrets"]),
        // Together: every filter holds.
        (&[("status", "open"), ("q", "alpha")], &["Alpha gateway timeout"]),
        (&[("assignee", "ada"), ("verdict", "untrusted"), ("severity", "medium")], &["Charlie shared account"]),
        (&[("assignee", "ada"), ("status", "closed")], &[]),
    ];
    for (params, expected) in cases {
        assert_eq!(titles(&app, params).await, strings(expected), "{params:?}");
    }

    // The verdict filter and the verdict each incident is listed with agree.
    let all = app.json("/api/incidents").await;
    for incident in all.as_array().expect("array") {
        let verdict = incident["verdict"].as_str().unwrap_or("none");
        let title = incident["title"].as_str().expect("title");
        let listed = titles(&app, &[("verdict", verdict)]).await;
        assert_eq!(listed, vec![title.to_owned()], "{verdict}");
    }
}

on_both_databases!(the_incident_list_sorts_by_each_key_both_ways, each_sort);
async fn each_sort(backend: Backend) {
    let app = spawn(backend).await;
    let events = five_incidents(&app).await;
    let (a, b, c, d, e) = (
        "Alpha gateway timeout",
        "Bravo pipeline",
        "Charlie shared account",
        "Delta secrets",
        "Echo empty",
    );
    // By event count; ties (Alpha and Bravo hold 15 each) in the default order.
    let newest = [a, c, e, d, b];
    let rank = |title: &str| newest.iter().position(|t| *t == title);
    let mut by_events = events.clone();
    by_events.sort_by_key(|(t, n)| (std::cmp::Reverse(*n), rank(t)));
    let most_events: Vec<&str> = by_events.iter().map(|(t, _)| *t).collect();
    by_events.sort_by_key(|(t, n)| (*n, rank(t)));
    let fewest_events: Vec<&str> = by_events.iter().map(|(t, _)| *t).collect();
    assert_eq!(fewest_events.first(), Some(&e), "{events:?}");

    #[rustfmt::skip]
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("-updated", vec![a, c, e, d, b]),
        ("updated", vec![b, d, e, c, a]),
        ("-opened", vec![e, d, c, b, a]),
        ("opened", vec![a, b, c, d, e]),
        ("title", vec![a, b, c, d, e]),
        ("-title", vec![e, d, c, b, a]),
        // Ties (two medium) in the default order: most recently updated first.
        ("-severity", vec![a, d, c, e, b]),
        ("severity", vec![b, c, e, d, a]),
        ("-events", most_events),
        ("events", fewest_events),
    ];
    for (sort, expected) in cases {
        assert_eq!(
            titles(&app, &[("sort", sort)]).await,
            strings(&expected),
            "sort={sort}"
        );
    }
    // Sorting and filtering together.
    assert_eq!(
        titles(&app, &[("status", "open"), ("sort", "opened")]).await,
        strings(&[a, e])
    );
}

on_both_databases!(
    search_text_is_matched_literally_with_like_wildcards_escaped,
    search_escaping
);
async fn search_escaping(backend: Backend) {
    let app = spawn(backend).await;
    for title in [
        "100% uptime",
        "100 percent",
        "snake_case name",
        "snakeXcase name",
        r"back\slash",
        "backslash",
        "Mixed CASE Title",
    ] {
        open(&app, title, "", "medium").await;
    }
    open(&app, "Described", "an [odd] 'quoted' description", "low").await;
    #[rustfmt::skip]
    let cases: [(&str, &[&str]); 9] = [
        ("%", &["100% uptime"]),
        ("100%", &["100% uptime"]),
        ("_", &["snake_case name"]),
        ("e_c", &["snake_case name"]),
        (r"\", &[r"back\slash"]),
        (r"k\s", &[r"back\slash"]),
        ("mixed case", &["Mixed CASE Title"]),
        ("'quoted'", &["Described"]),
        ("[odd]", &["Described"]),
    ];
    for (q, expected) in cases {
        assert_eq!(
            titles(&app, &[("q", q), ("sort", "title")]).await,
            strings(expected),
            "q={q:?}"
        );
    }
    // The same escaping holds for the actor and assignee filters: nothing matches a
    // bare wildcard.
    assert_eq!(titles(&app, &[("actor", "%")]).await, Vec::<String>::new());
    assert_eq!(
        titles(&app, &[("assignee", "_")]).await,
        Vec::<String>::new()
    );
}

on_both_databases!(
    the_list_counts_what_matches_and_what_each_status_would_list,
    counts
);
async fn counts(backend: Backend) {
    let app = spawn(backend).await;
    five_incidents(&app).await;
    let statuses = |counts: [i64; 4]| {
        ["open", "in_review", "signed_off", "closed"]
            .into_iter()
            .zip(counts)
            .map(|(s, n)| (s.to_owned(), n))
            .collect::<Vec<_>>()
    };

    // Nothing filtered.
    let (status, answer) = list(&app, &[]).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["total"], 5);
    assert_eq!(answer["all"], 5);
    assert_eq!(answer["items"].as_array().map(Vec::len), Some(5));
    assert_eq!(by_status(&answer), statuses([2, 1, 1, 1]));

    // A status filter narrows the list, not the counts of the statuses.
    let (_, answer) = list(&app, &[("status", "open")]).await;
    assert_eq!(answer["total"], 2);
    assert_eq!(answer["all"], 5);
    assert_eq!(by_status(&answer), statuses([2, 1, 1, 1]));

    // Other filters narrow the counts too.
    let (_, answer) = list(&app, &[("severity", "medium")]).await;
    assert_eq!(answer["total"], 2);
    assert_eq!(by_status(&answer), statuses([1, 0, 1, 0]));
    let (_, answer) = list(&app, &[("severity", "medium"), ("status", "closed")]).await;
    assert_eq!(answer["total"], 0);
    assert_eq!(answer["items"], json!([]));
    assert_eq!(answer["all"], 5);
    assert_eq!(by_status(&answer), statuses([1, 0, 1, 0]));
    let (_, answer) = list(&app, &[("assignee", "ada"), ("sort", "title")]).await;
    assert_eq!(answer["total"], 2);
    assert_eq!(answer["items"][0]["title"], "Alpha gateway timeout");
    assert_eq!(answer["items"][0]["verdict"], "verified");
    assert_eq!(answer["items"][0]["assignee"], "Ada Lovelace");
    assert_eq!(answer["items"][1]["verdict"], "untrusted");
    assert_eq!(answer["items"][1]["bundle_count"], 2);
    assert_eq!(by_status(&answer), statuses([1, 0, 1, 0]));

    // The JSON API lists what the server function lists.
    let (_, answer) = list(&app, &[("q", "a"), ("sort", "-events")]).await;
    assert_eq!(
        &app.json("/api/incidents?q=a&sort=-events").await,
        &answer["items"]
    );
}

on_both_databases!(
    a_parameter_the_list_cannot_use_is_refused_with_its_name,
    invalid_parameters
);
async fn invalid_parameters(backend: Backend) {
    let app = spawn(backend).await;
    open(&app, "Anything", "", "medium").await;
    #[rustfmt::skip]
    let cases: [(Params, &[&str]); 10] = [
        (&[("status", "bogus")], &["`status` is one of open, in_review, signed_off, closed", "\"bogus\""]),
        (&[("status", "Open")], &["`status` is one of"]),
        (&[("severity", "urgent")], &["`severity` is one of low, medium, high, critical"]),
        (&[("verdict", "maybe")], &["`verdict` is one of verified, verified_with_warnings, untrusted, tampered, none"]),
        (&[("from", "2026-13-01")], &["`from` is a date as YYYY-MM-DD"]),
        (&[("to", "2026-3-1")], &["`to` is a date as YYYY-MM-DD"]),
        (&[("from", "yesterday")], &["`from` is a date"]),
        (&[("from", "2026-03-02"), ("to", "2026-03-01")], &["`from` (2026-03-02) is after `to` (2026-03-01)"]),
        (&[("sort", "size")], &["`sort` is one of -updated, updated"]),
        // Every parameter at fault is named at once.
        (&[("status", "x"), ("sort", "y"), ("to", "z")], &["`status`", "`sort`", "`to`"]),
    ];
    for (params, expected) in cases {
        // The JSON API: 400 with the message.
        let response = app
            .client
            .get(format!("{}/api/incidents", app.address))
            .query(params)
            .send()
            .await
            .expect("request reaches the server");
        assert_eq!(response.status(), 400, "{params:?}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"]["code"], "bad_request");
        let message = body["error"]["message"].as_str().expect("message");
        for part in expected {
            assert!(message.contains(part), "{params:?}: {message}");
        }

        // The server function: 400 `Invalid`, with the same message.
        let (status, answer) = list(&app, params).await;
        assert_eq!(status, 400, "{params:?}");
        assert_eq!(answer, json!({ "Invalid": message }), "{params:?}");
    }
}

on_both_databases!(
    the_incidents_page_renders_a_filtered_list_from_its_url_without_javascript,
    page_from_url
);
async fn page_from_url(backend: Backend) {
    let app = spawn(backend).await;
    five_incidents(&app).await;

    let response = app.get("/?q=a&severity=medium&sort=title").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("body");
    assert!(html.contains("Charlie shared account"), "{html}");
    assert!(html.contains("Echo empty"), "{html}");
    assert!(!html.contains("Alpha gateway timeout"), "{html}");
    assert!(
        html.find("Charlie shared account") < html.find("Echo empty"),
        "sorted by title"
    );
    // The count, and each status's count on its choice.
    assert!(
        html.contains(r#"<span data-testid="incident-count">2 incidents</span>"#),
        "{html}"
    );
    assert!(html.contains("match these filters, of 5 in all"), "{html}");
    for option in [
        "All statuses (2)",
        "Open (1)",
        "In review (0)",
        "Signed off (1)",
        "Closed (0)",
    ] {
        assert!(html.contains(option), "{option}: {html}");
    }
    // The form shows what the URL asked for, and every control has a label.
    assert!(html.contains(r#"name="q" value="a""#), "{html}");
    assert!(
        html.contains(r#"<option value="medium" selected"#),
        "{html}"
    );
    assert!(html.contains(r#"<option value="title" selected"#), "{html}");
    for id in [
        "filter-q",
        "filter-status",
        "filter-severity",
        "filter-verdict",
        "filter-from",
        "filter-to",
        "filter-actor",
        "filter-assignee",
        "filter-sort",
    ] {
        assert!(html.contains(&format!(r#"for="{id}""#)), "{id}");
        assert!(html.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    assert!(html.contains(r#"method="GET""#), "{html}");

    // Nothing matches: said so, with the way back.
    let html = app.get("/?q=zzz").await.text().await.expect("body");
    assert!(html.contains("No incident matches these filters"), "{html}");
    assert!(html.contains(">0 incidents<"), "{html}");
    assert!(!html.contains("No incidents yet"), "{html}");

    // A parameter the list cannot use: the page says which, with the form to fix it.
    let response = app.get("/?status=bogus&from=2026-02-30").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("body");
    assert!(html.contains("These filters cannot be applied"), "{html}");
    assert!(
        html.contains("`status` is one of open, in_review, signed_off, closed"),
        "{html}"
    );
    assert!(html.contains("`from` is a date as YYYY-MM-DD"), "{html}");
    assert!(html.contains(r#"id="filter-q""#), "{html}");
    assert!(!html.contains("Alpha gateway timeout"), "{html}");
}

on_both_databases!(
    an_assignee_is_shown_by_display_name_and_found_by_either_name,
    assignee_display_name
);
async fn assignee_display_name(backend: Backend) {
    use model::Role;
    use store::review_log::Actor;
    let app = spawn(backend).await;
    store::users::add(
        &app.db,
        &app.key,
        Actor::Cli,
        "ana",
        "Ana Ortiz",
        Role::ComplianceReviewer,
        "a long enough password",
    )
    .await
    .expect("add ana");
    let id = open(&app, "Gamma assigned", "", "low").await;
    let boss = model::Reviewer {
        username: "ana".into(),
        display_name: "Ana Ortiz".into(),
        role: Role::ComplianceReviewer,
    };
    store::incidents::assign(&app.db, &app.key, &boss, id, Some("ana"))
        .await
        .expect("assign");
    let (_, answer) = list(&app, &[]).await;
    assert_eq!(answer["items"][0]["assignee"], "ana");
    assert_eq!(answer["items"][0]["assignee_name"], "Ana Ortiz");
    // Found by the account name and by the display name.
    for name in ["ana", "ortiz"] {
        assert_eq!(
            titles(&app, &[("assignee", name)]).await,
            strings(&["Gamma assigned"]),
            "{name}"
        );
    }
    // The page shows the display name, and the log says both.
    let page = app.get(&format!("/incidents/{id}")).await;
    let html = page.text().await.expect("body");
    assert!(html.contains("Assignee: Ana Ortiz"), "{html}");
    let count = app
        .count("SELECT COUNT(*) FROM review_log WHERE summary = 'assigned to Ana Ortiz (ana)'")
        .await;
    assert_eq!(count, 1);
}

on_both_databases!(the_incident_list_pages_fifty_at_a_time, paged);
async fn paged(backend: Backend) {
    let app = spawn(backend).await;
    for n in 0..120 {
        open(&app, &format!("Paged incident {n:03}"), "", "low").await;
    }
    for sort in ["-updated", "title", "-events"] {
        let mut seen: Vec<i64> = Vec::new();
        let mut next = Some(format!("/api/incidents?sort={sort}"));
        let mut pages = 0;
        while let Some(address) = next.take() {
            let response = app.get(&address).await;
            assert_eq!(response.status(), 200, "{address}");
            assert_eq!(
                response.headers()["x-total-count"].to_str().expect("count"),
                "120"
            );
            let link = response
                .headers()
                .get("link")
                .map(|l| l.to_str().expect("link").to_owned());
            let items: Value = response.json().await.expect("json");
            let items = items.as_array().expect("an array");
            pages += 1;
            assert_eq!(items.len(), if pages < 3 { 50 } else { 20 }, "{address}");
            seen.extend(items.iter().filter_map(|i| i["id"].as_i64()));
            // `Link: </api/incidents?…&page=2>; rel="next", <…>; rel="prev"`.
            next = link.as_deref().and_then(|l| {
                l.split(", ")
                    .find(|part| part.ends_with("rel=\"next\""))
                    .and_then(|part| part.split_once('>'))
                    .map(|(address, _)| address.trim_start_matches('<').to_owned())
            });
            if pages > 1 {
                assert!(link.as_deref().is_some_and(|l| l.contains("rel=\"prev\"")));
            }
        }
        assert_eq!(pages, 3, "{sort}");
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 120, "{sort}: each incident on one page");
        if sort == "title" {
            let titles: Vec<Value> = app
                .json("/api/incidents?sort=title&page=2")
                .await
                .as_array()
                .expect("an array")
                .iter()
                .map(|i| i["title"].clone())
                .collect();
            assert_eq!(titles[0], "Paged incident 050");
        }
    }
    for bad in ["0", "two", "-1"] {
        let response = app.get(&format!("/api/incidents?page={bad}")).await;
        assert_eq!(response.status(), 400, "page={bad}");
    }
    // The page a reviewer reads: fifty, and the way to the others.
    let html = app
        .get("/?sort=title&page=2")
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("Paged incident 050"), "{html}");
    assert!(!html.contains("Paged incident 049"), "{html}");
    assert!(
        html.contains("Incidents 51–100 of 120, page 2 of 3"),
        "{html}"
    );
    assert!(
        html.contains(r#"href="/?sort=title&amp;page=3" rel="next""#)
            || html.contains(r#"href="/?sort=title&page=3" rel="next""#),
        "{html}"
    );
    assert!(html.contains(r#"href="/?sort=title" rel="prev""#), "{html}");
}
