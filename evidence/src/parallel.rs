//! Work spread over threads where the platform has them. In a browser (wasm) a
//! thread cannot be started, and the same work runs on the calling thread: the
//! results never depend on how many threads ran.

use std::thread;

/// `f` over `items`, in order, over up to `threads` threads.
pub(crate) fn map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    map_indexed(items, threads, |_, item| f(item))
}

/// `f(index, item)` over `items`, in order, over up to `threads` threads.
pub(crate) fn map_indexed<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    // A few chunks per thread, so that a slow chunk does not hold the others up.
    let size = (items.len() / (threads.max(1) * 4)).max(64);
    let f = &f;
    let chunks: Vec<(usize, &[T])> = items
        .chunks(size)
        .enumerate()
        .map(|(i, c)| (i * size, c))
        .collect();
    run(&chunks, threads, |(start, chunk)| {
        chunk
            .iter()
            .enumerate()
            .map(|(i, item)| f(start + i, item))
            .collect()
    })
}

/// `f` over chunks of at most `chunk` items, results concatenated in order, over up
/// to `threads` threads (chunks are handed out in turn as threads free up).
pub(crate) fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    chunk: usize,
    f: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    let chunks: Vec<&[T]> = items.chunks(chunk.max(1)).collect();
    run(&chunks, threads, |c| f(c))
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
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .flatten()
        .collect()
}
