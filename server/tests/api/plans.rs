//! Query plans: every filter and sort of the event search (`GET /api/events`) and of
//! the incident list reads an index, never the whole events table, on both
//! databases. The plans come from the database itself (`EXPLAIN`), for the exact
//! statements the store runs.

use model::{EventQuery, IncidentQuery, IncidentSort};

use crate::helpers::{fresh_database, Backend};

/// The event queries to check: each filter alone, each sort, and a few together.
fn event_queries() -> Vec<(&'static str, EventQuery)> {
    let text = |v: &str| Some(v.to_owned());
    let sha = "a".repeat(64);
    let mut cases: Vec<(&'static str, EventQuery)> = vec![
        ("no filter", EventQuery::default()),
        (
            "incident",
            EventQuery {
                incident: Some(1),
                ..EventQuery::default()
            },
        ),
        (
            "bundle",
            EventQuery {
                bundle: Some(sha.clone()),
                ..EventQuery::default()
            },
        ),
        (
            "actor type",
            EventQuery {
                actor_type: text("agent"),
                ..EventQuery::default()
            },
        ),
        (
            "actor type human",
            EventQuery {
                actor_type: text("human"),
                ..EventQuery::default()
            },
        ),
        (
            "actor",
            EventQuery {
                actor: text("agent:billing"),
                ..EventQuery::default()
            },
        ),
        (
            "kind",
            EventQuery {
                kind: text("tool.call"),
                ..EventQuery::default()
            },
        ),
        (
            "resource",
            EventQuery {
                resource: text("db://ledger"),
                ..EventQuery::default()
            },
        ),
        (
            "credential",
            EventQuery {
                credential: text("tok-1"),
                ..EventQuery::default()
            },
        ),
        (
            "decision",
            EventQuery {
                decision: text("deny"),
                ..EventQuery::default()
            },
        ),
        (
            "verdict fail",
            EventQuery {
                verdict: text("fail"),
                ..EventQuery::default()
            },
        ),
        (
            "verdict pass",
            EventQuery {
                verdict: text("pass"),
                ..EventQuery::default()
            },
        ),
        (
            "time span",
            EventQuery {
                from: text("2026-03-01"),
                to: text("2026-03-02"),
                ..EventQuery::default()
            },
        ),
        (
            "free text",
            EventQuery {
                q: text("ledger entries"),
                ..EventQuery::default()
            },
        ),
        (
            "kind, actor and free text",
            EventQuery {
                kind: text("tool.call"),
                actor: text("agent:billing"),
                q: text("refund"),
                ..EventQuery::default()
            },
        ),
    ];
    for sort in ["-time", "index", "-index"] {
        cases.push((
            sort,
            EventQuery {
                sort: text(sort),
                ..EventQuery::default()
            },
        ));
        cases.push((
            sort,
            EventQuery {
                sort: text(sort),
                kind: text("tool.call"),
                ..EventQuery::default()
            },
        ));
    }
    cases
}

/// Whether a plan line reads a whole large table (events, bundles, actors) row
/// by row rather than through an index.
fn scans_a_large_table(kind: Backend, line: &str) -> bool {
    match kind {
        // SQLite names a table read whole `SCAN <alias>`, and one read through an
        // index `SCAN <alias> USING [COVERING] INDEX …` or `SEARCH …`.
        Backend::Sqlite => {
            let line = line.trim();
            [
                "SCAN e",
                "SCAN b",
                "SCAN a",
                "SCAN events",
                "SCAN bundles",
                "SCAN actors",
            ]
            .iter()
            .any(|scan| {
                line.strip_prefix(scan)
                    .is_some_and(|rest| rest.is_empty() || !rest.trim_start().starts_with("USING"))
                    && !line.contains("VIRTUAL TABLE")
            })
        }
        Backend::Postgres => [
            "Seq Scan on events",
            "Seq Scan on bundles",
            "Seq Scan on actors",
        ]
        .iter()
        .any(|scan| line.contains(scan)),
    }
}

async fn every_filter_and_sort_reads_an_index(backend: Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = store::Db::open(&fresh_database(backend, dir.path()).await)
        .await
        .expect("database");
    let mut problems = Vec::new();
    for (name, query) in event_queries() {
        let plan = store::events::explain(&db, &query).await.expect("a plan");
        assert!(!plan.is_empty(), "{name}: no plan");
        if plan.iter().any(|l| scans_a_large_table(backend, l)) {
            problems.push(format!("events, {name}:\n  {}", plan.join("\n  ")));
        }
    }
    let text = |v: &str| Some(v.to_owned());
    let mut incident_queries = vec![
        ("no filter", IncidentQuery::default()),
        (
            "verdict",
            IncidentQuery {
                verdict: text("tampered"),
                ..IncidentQuery::default()
            },
        ),
        (
            "status and severity",
            IncidentQuery {
                status: text("open"),
                severity: text("high"),
                ..IncidentQuery::default()
            },
        ),
        (
            "opened between",
            IncidentQuery {
                from: text("2026-03-01"),
                to: text("2026-03-31"),
                ..IncidentQuery::default()
            },
        ),
        (
            "assignee",
            IncidentQuery {
                assignee: text("ada"),
                ..IncidentQuery::default()
            },
        ),
    ];
    for sort in IncidentSort::ALL {
        incident_queries.push((
            sort.as_str(),
            IncidentQuery {
                sort: text(sort.as_str()),
                ..IncidentQuery::default()
            },
        ));
    }
    for (name, query) in incident_queries {
        let plan = store::incidents::explain(&db, &query)
            .await
            .expect("a plan");
        assert!(!plan.is_empty(), "{name}: no plan");
        if plan.iter().any(|l| scans_a_large_table(backend, l)) {
            problems.push(format!("incidents, {name}:\n  {}", plan.join("\n  ")));
        }
    }
    db.close().await;
    assert!(
        problems.is_empty(),
        "these statements read a whole large table:\n{}",
        problems.join("\n")
    );
}
crate::on_both_databases!(every_filter_and_sort, every_filter_and_sort_reads_an_index);

/// The check above finds what it looks for: a statement that reads every event
/// is named as one.
#[test]
fn a_whole_table_read_is_recognised() {
    assert!(scans_a_large_table(Backend::Sqlite, "SCAN e"));
    assert!(!scans_a_large_table(
        Backend::Sqlite,
        "SCAN e USING INDEX events_time"
    ));
    assert!(!scans_a_large_table(
        Backend::Sqlite,
        "SEARCH e USING INDEX events_kind (kind=?)"
    ));
    assert!(scans_a_large_table(
        Backend::Postgres,
        "  ->  Seq Scan on events e  (cost=10000000000.00..10000000001.10 rows=1 width=4)"
    ));
    assert!(!scans_a_large_table(
        Backend::Postgres,
        "Index Scan using events_kind on events e"
    ));
}

/// A page after or before an event (keyset paging) reads a range of an index:
/// each part of the order it reads (events with a time, those without) starts at
/// the cursor's event, never at the first event in the order.
async fn keyset_pages_read_a_range(backend: Backend) {
    let app = crate::helpers::spawn(backend).await;
    app.trust_demo_root().await;
    app.store("", crate::helpers::demo("revoked-credential-use"))
        .await;
    for variant in server::demo::tampered() {
        app.store("", variant.bundle).await;
    }
    let page = app.json("/api/events?per_page=500").await;
    let items = page["items"].as_array().expect("items");
    let name = |e: &serde_json::Value| {
        format!(
            "{}:{}",
            e["bundle_sha256"].as_str().expect("sha"),
            e["index"]
        )
    };
    let untimed = items
        .iter()
        .find(|e| e["time"].is_null())
        .map(name)
        .expect("an event without a time");
    let timed = items
        .iter()
        .find(|e| !e["time"].is_null())
        .map(name)
        .expect("an event with a time");
    let mut problems = Vec::new();
    for sort in ["time", "-time", "index", "-index"] {
        for filter in [None, Some("tool.call")] {
            for (cursor, backward) in [
                (&timed, false),
                (&timed, true),
                (&untimed, false),
                (&untimed, true),
            ] {
                let query = EventQuery {
                    sort: Some(sort.to_owned()),
                    kind: filter.map(str::to_owned),
                    after: (!backward).then(|| cursor.clone()),
                    before: backward.then(|| cursor.clone()),
                    ..EventQuery::default()
                };
                let plan = store::events::explain(&app.db, &query)
                    .await
                    .expect("a plan");
                if plan.iter().any(|l| scans_a_large_table(backend, l)) {
                    problems.push(format!(
                        "{sort}, {filter:?}, {} {cursor}:\n  {}",
                        if backward { "before" } else { "after" },
                        plan.join("\n  ")
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "these statements read a whole large table:\n{}",
        problems.join("\n")
    );
}
crate::on_both_databases!(keyset_pages, keyset_pages_read_a_range);
