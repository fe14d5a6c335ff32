//! The memory uploads may take: each upload reserves what reading, verifying and
//! storing its bundle needs before its first byte is read, and waits in a short queue
//! while others hold the budget; past the queue it is answered 503 with
//! `Retry-After`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Memory an ingest holds at its peak, as a multiple of the bundle's size: the bytes
/// themselves, the events read from them while verified, the report and the rows on
/// their way to the database (`ingest_bench` measures it; see docs/security.md).
pub const MEMORY_PER_BUNDLE_BYTE: u64 = 6;

/// How long a queued upload waits for memory before it is answered 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(60);

/// What a client is told to wait before trying again, in seconds.
pub const RETRY_AFTER_SECS: u64 = 30;

/// The upload budget. Cheap to clone.
#[derive(Clone, Debug)]
pub struct UploadBudget {
    mib: Arc<Semaphore>,
    total_mib: u32,
    waiting: Arc<AtomicUsize>,
    queue: usize,
}

/// The budget is spent and the queue full (or the wait too long).
#[derive(Debug)]
pub struct Busy;

impl UploadBudget {
    /// `total_mib` MiB for uploads in progress, and at most `queue` uploads waiting.
    pub fn new(total_mib: u32, queue: usize) -> Self {
        let total_mib = total_mib.max(1);
        UploadBudget {
            mib: Arc::new(Semaphore::new(total_mib as usize)),
            total_mib,
            waiting: Arc::default(),
            queue,
        }
    }

    /// The MiB an upload of `bytes` reserves: never more than the whole budget, so
    /// that the largest bundle allowed still goes in, alone.
    pub fn share(&self, bytes: u64) -> u32 {
        let mib = bytes
            .saturating_mul(MEMORY_PER_BUNDLE_BYTE)
            .div_ceil(1 << 20)
            .max(1);
        u32::try_from(mib).unwrap_or(u32::MAX).min(self.total_mib)
    }

    /// Reserves memory for an upload of `bytes`; held until the permit is dropped.
    pub async fn reserve(&self, bytes: u64) -> Result<OwnedSemaphorePermit, Busy> {
        let share = self.share(bytes);
        if let Ok(permit) = Arc::clone(&self.mib).try_acquire_many_owned(share) {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Busy);
        }
        let waited =
            tokio::time::timeout(QUEUE_WAIT, Arc::clone(&self.mib).acquire_many_owned(share)).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        match waited {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Busy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn uploads_past_the_budget_queue_then_are_turned_away() {
        let budget = UploadBudget::new(100, 1);
        // 10 MiB of bundle needs 60 MiB.
        let first = budget.reserve(10 << 20).await.expect("room for one");
        assert_eq!(budget.share(10 << 20), 60);
        // A second waits in the queue; a third finds the queue full.
        let queued = {
            let budget = budget.clone();
            tokio::spawn(async move { budget.reserve(10 << 20).await.is_ok() })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(budget.reserve(10 << 20).await.is_err(), "the queue is full");
        // The queue is fair: a small upload does not pass the one waiting.
        assert!(budget.reserve(1 << 20).await.is_err());
        drop(first);
        assert!(queued.await.expect("task"), "the queued upload goes in");
        // With no one waiting, a small one fits in what is left.
        drop(budget.reserve(1 << 20).await.expect("6 MiB fit"));
        // The largest bundle is capped at the whole budget, so it goes in alone.
        assert_eq!(budget.share(1 << 30), 100);
    }
}
