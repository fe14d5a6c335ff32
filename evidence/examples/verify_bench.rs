//! Prints bundle verification throughput: `cargo run --release -p evidence --example
//! verify_bench [EVENTS…]` (default 1000 10000 100000). One thread, then all cores;
//! events per second.

use std::time::Instant;

use evidence::bundle::{self, Limits, Status};
use evidence::producer::{BundleBuilder, Signer};
use serde_json::{json, Value};

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
    let root = Signer::from_seed([1; 32]);
    let emitters: Vec<(Signer, String)> = (0..4u8)
        .map(|i| {
            (
                Signer::from_seed([10 + i; 32]),
                format!("spiffe://bench.example/agent/{i}"),
            )
        })
        .collect();
    let collector = Signer::from_seed([2; 32]);
    for n in sizes {
        let mut b = BundleBuilder::new();
        for (s, id) in &emitters {
            b.bind(
                &root,
                &s.public_key(),
                id,
                "2026-01-01T00:00:00Z",
                "2027-01-01T00:00:00Z",
            );
        }
        b.bind(
            &root,
            &collector.public_key(),
            "collector",
            "2026-01-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
        );
        for i in 0..n {
            let (s, id) = &emitters[i % emitters.len()];
            let Value::Object(body) = json!({
                "kind": "tool.call", "id": format!("evt-{i}"),
                "actor": { "type": "agent", "id": id },
                "tool": { "name": "kubectl", "argumentsHash": evidence::event::hash_of(format!("{i}").as_bytes()),
                          "arguments": ["apply", "-f", format!("cfg-{i}.yaml")] },
            }) else {
                unreachable!()
            };
            b.event(
                s,
                id,
                &format!("2026-11-20T10:{:02}:{:02}Z", (i / 60) % 60, i % 60),
                body,
            );
        }
        let bytes = b
            .finish(&collector, "collector", "bench", "2026-11-20T11:00:00Z")
            .into_bytes();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        for threads in [1, cores] {
            let start = Instant::now();
            let report = bundle::verify_with(
                &bytes,
                &[root.public_key()],
                &Limits::default(),
                threads,
                &|_, _| {},
            )
            .expect("readable");
            let secs = start.elapsed().as_secs_f64();
            assert_eq!(report.status(), Status::Verified, "{:?}", report.reasons());
            println!(
                "{n:>7} events, {:>6.1} MiB, {threads} thread(s): {:>8.3} s, {:>8.0} events/s, status {}",
                bytes.len() as f64 / (1 << 20) as f64,
                secs,
                n as f64 / secs,
                report.status().code()
            );
        }
    }
}
