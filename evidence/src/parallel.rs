//! Work spread over threads where the platform has them. In a browser (wasm) a
//! thread cannot be started, and the same work runs on the calling thread: the
//! results never depend on how many threads ran.

use std::thread;

/// `f` over the ranges `0..len` cut into pieces of at most `chunk`, results
/// concatenated in order, over up to `threads` threads.
pub(crate) fn map_ranges<R: Send>(
    len: usize,
    threads: usize,
    chunk: usize,
    f: impl Fn(std::ops::Range<usize>) -> Vec<R> + Sync,
) -> Vec<R> {
    let chunk = chunk.max(1);
    let ranges: Vec<std::ops::Range<usize>> = (0..len)
        .step_by(chunk)
        .map(|start| start..(start + chunk).min(len))
        .collect();
    run(&ranges, threads, |r| f(r.clone()))
}

/// Runs `f` on every job, on up to `threads` threads, and concatenates the results
/// in job order.
fn run<J: Sync, R: Send>(jobs: &[J], threads: usize, f: impl Fn(&J) -> Vec<R> + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    let threads = threads.clamp(1, jobs.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Vec<R>>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(job) = jobs.get(i) else { break };
        let out = f(job);
        if let Ok(mut results) = results.lock() {
            if let Some(slot) = results.get_mut(i) {
                *slot = Some(out);
            }
        }
    };
    thread::scope(|scope| {
        for _ in 1..threads {
            // Where threads cannot start (wasm), the calling thread does all the work.
            if thread::Builder::new().spawn_scoped(scope, work).is_err() {
                break;
            }
        }
        work();
    });
    let results = results.into_inner().unwrap_or_default();
    // Sized once: results can be large, and growing by doubling would hold up to
    // twice them at once.
    let mut all = Vec::with_capacity(results.iter().flatten().map(Vec::len).sum());
    for out in results.into_iter().flatten() {
        all.extend(out);
    }
    all
}
