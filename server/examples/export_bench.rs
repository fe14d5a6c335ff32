//! Prints how long exporting an incident takes: the CSV of its events alone (the first
//! time with its attribution-gap findings computed, then with them cached), and the
//! whole signed export (CSV, JSON, report, manifest), for synthetic bundles stored in
//! a fresh SQLite database:
//! `cargo run --release -p server --example export_bench [EVENTS…]` (default 1000
//! 10000 100000).

mod common;

use std::time::Instant;

use store::review_log::{Actor, ServerKey};
use store::{exports, trust_roots, Db};

async fn bench(events: usize) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = Db::open(&Db::sqlite_url(dir.path()))
        .await
        .expect("database");
    let key = ServerKey::from_seed([3; 32]);
    let (bundle, root) = evidence::producer::synthetic(events, &format!("export-{events}"));
    trust_roots::add(&db, &key, Actor::Cli, &root, "bench")
        .await
        .expect("root");
    let stored = common::store_in_new_incident(&db, bundle.into_bytes()).await;
    let id = stored.incident_id;
    let start = Instant::now();
    let csv = exports::events_csv(&db, exports::Scope::Incident(id), &|_, _| {})
        .await
        .expect("csv");
    let csv_secs = start.elapsed().as_secs_f64();
    // Again: the bundle's findings (one more verification of it) are now cached.
    let start = Instant::now();
    exports::events_csv(&db, exports::Scope::Incident(id), &|_, _| {})
        .await
        .expect("csv");
    let warm_secs = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let log = store::tlog::LogKey::load(&db, &key, None)
        .await
        .expect("the log");
    let all = exports::export(
        &db,
        &key,
        &log,
        Actor::Cli,
        exports::Scope::Incident(id),
        &|_, _| {},
        None,
    )
    .await
    .expect("export")
    .expect("the incident");
    let all_secs = start.elapsed().as_secs_f64();
    let total: usize = all.files.iter().map(|(_, b)| b.len()).sum();
    println!(
        "{events:>7} events: CSV {:>6.1} MiB in {csv_secs:>6.3} s ({:>8.0} events/s), {warm_secs:>6.3} s with its findings cached; whole signed export {:>6.1} MiB in {all_secs:>6.3} s",
        csv.len() as f64 / (1 << 20) as f64,
        events as f64 / csv_secs,
        total as f64 / (1 << 20) as f64,
    );
    db.close().await;
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000, 100_000]
    } else {
        sizes
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    for n in sizes {
        runtime.block_on(bench(n));
    }
}
