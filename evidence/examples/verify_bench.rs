//! Prints bundle verification throughput: `cargo run --release -p evidence --example
//! verify_bench [EVENTS…]` (default 1000 10000 100000). One thread, then all cores;
//! events per second, and that as a multiple of plain `verify_strict` on all cores
//! measured in the same run (on a shared VM the machine's speed varies by tens of
//! percent from minute to minute; the ratio does not).

use std::time::Instant;

use evidence::bundle::{self, Limits, Status};
use evidence::producer::Signer;

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
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // This machine's speed right now: plain verify_strict, one signature at a time,
    // on every core (the target, 80k events/s, is about 1.74× the 2 × 23k/s
    // this gave when the target was set).
    let baseline = || {
        let message = vec![b'x'; 600];
        let signature = root.sign(&message);
        let key = root.public_key();
        let per_thread = 4_000;
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..cores {
                s.spawn(|| {
                    for _ in 0..per_thread {
                        assert!(evidence::keys::verify_strict(&key, &message, &signature).is_ok());
                    }
                });
            }
        });
        (per_thread * cores) as f64 / start.elapsed().as_secs_f64()
    };
    let before = baseline();
    println!("baseline: verify_strict alone on {cores} cores: {before:.0} signatures/s");
    for n in sizes {
        let (bundle, root_key) = evidence::producer::synthetic(n, "bench");
        let bytes = bundle.into_bytes();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        for threads in [1, cores] {
            let start = Instant::now();
            let report =
                bundle::verify_with(&bytes, &[root_key], &Limits::default(), threads, &|_, _| {})
                    .expect("readable");
            let secs = start.elapsed().as_secs_f64();
            assert_eq!(report.status(), Status::Verified, "{:?}", report.reasons());
            println!(
                "{n:>7} events, {:>6.1} MiB, {threads} thread(s): {:>8.3} s, {:>8.0} events/s ({:.2}× the baseline), status {}",
                bytes.len() as f64 / (1 << 20) as f64,
                secs,
                n as f64 / secs,
                n as f64 / secs / before,
                report.status().code()
            );
        }
    }
}
