//! Prints ingest throughput (parse, verify, store) into SQLite and, when
//! `CUSTODY_TEST_POSTGRES_URL` names a server, into PostgreSQL:
//! `cargo run --release -p server --example ingest_bench [EVENTS…]` (default 1000
//! 10000 100000). Bundles are written to files first; each ingest is then its own
//! process, which reads one file and stores it, so its peak memory is its own.

mod common;

#[path = "common/memory.rs"]
mod memory;

use std::process::Command;
use std::time::Instant;

use store::{trust_roots, Db};

async fn one(file: &str, root: &str, url: &str) {
    let bytes = std::fs::read(file).expect("the bundle file");
    let root = evidence::keys::PublicKey::from_text(root).expect("a root key");
    let size = bytes.len();
    let db = Db::open(url).await.expect("database");
    let key = store::review_log::ServerKey::from_seed([3; 32]);
    trust_roots::add(&db, &key, store::review_log::Actor::Cli, &root, "bench")
        .await
        .expect("root");
    let before = memory::peak_rss_bytes();
    let start = Instant::now();
    let stored = common::store_in_new_incident(&db, bytes).await;
    let secs = start.elapsed().as_secs_f64();
    let peak = memory::peak_rss_bytes();
    let events = stored.event_count;
    println!(
        "{:>8} {events:>7} events, {:>6.1} MiB: {secs:>7.3} s, {:>8.0} events/s, peak RSS {:>6.1} MiB ({:.1}× the bundle; {:.1} MiB before ingest), verdict {}",
        if url.starts_with("sqlite") { "sqlite" } else { "postgres" },
        size as f64 / (1 << 20) as f64,
        events as f64 / secs,
        peak as f64 / (1 << 20) as f64,
        peak as f64 / size as f64,
        before as f64 / (1 << 20) as f64,
        stored.verdict.as_str(),
    );
    db.close().await;
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, file, root, url] = args.as_slice() {
        if flag == "--one" {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime.block_on(one(file, root, url));
            return;
        }
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000, 100_000]
    } else {
        sizes
    };
    let exe = std::env::current_exe().expect("this program");
    let postgres = std::env::var("CUSTODY_TEST_POSTGRES_URL").ok();
    for events in sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("bundle.json");
        let root = {
            let (bundle, root) =
                evidence::producer::synthetic(events, &format!("ingest-bench-{events}"));
            std::fs::write(&file, bundle).expect("write the bundle");
            root.to_hex()
        };
        let mut urls = vec![Db::sqlite_url(dir.path())];
        if let Some(admin) = &postgres {
            let name = format!("custody_bench_{events}_{}", std::process::id());
            let status = Command::new("psql")
                .arg(admin)
                .args(["-qc", &format!("CREATE DATABASE {name}")])
                .status();
            if status.is_ok_and(|s| s.success()) {
                if let Some((base, _)) = admin.rsplit_once('/') {
                    urls.push(format!("{base}/{name}"));
                }
            }
        }
        for url in urls {
            let status = Command::new(&exe)
                .arg("--one")
                .arg(&file)
                .args([&root, &url])
                .status()
                .expect("run");
            assert!(status.success());
        }
    }
}
