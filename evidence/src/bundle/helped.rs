//! Where a caller supplies signature answers: verification with batches of
//! signatures checked by a [`Helper`] the caller provides (in a browser, a second
//! worker: its workers share no memory, so the verifier cannot start threads of its
//! own there).
//!
//! What this means for trust: the verdicts come partly from the caller. A helper's
//! "holds" for a signature is taken as it is: that signature is not checked again
//! here. A "does not hold", a batch the helper cannot take or loses, or an answer of
//! the wrong length, only sends those signatures to be checked here, one at a time.
//! So the report is the one [`super::verify_and_read`] gives only if the helper runs
//! [`batch::verify_packed`] faithfully over exactly the bytes it was handed; a helper
//! that lies can make a forged signature pass (though never a genuine one fail). The
//! helper must therefore be code the caller trusts as it trusts this crate (the same
//! verifier, in another worker of the same page), never a party the evidence is
//! about or a service whose answers are themselves unverified.
//!
//! Nothing else in [`crate::bundle`] reaches this module: [`super::verify`],
//! [`super::verify_with`] and [`super::verify_and_read`] check every signature
//! themselves.

use super::events::{batch_items, open_prepared, prepare, Opened, Prepared};
use super::trust::Trust;
use super::{verify_opening, Limits, Malformed, Report, SignedEvent};
use crate::batch;
use crate::dsse::WireEnvelope;
use crate::keys::PublicKey;

/// [`super::verify_and_read`] on the calling thread, with batches of signatures
/// checked by `helper` meanwhile (see [`Helper`] and this module's note on trust).
/// With a faithful helper the report is the one [`super::verify_and_read`] gives:
/// whatever the helper does not answer is checked here.
pub fn verify_and_read(
    bytes: &[u8],
    roots: &[PublicKey],
    limits: &Limits,
    progress: &(dyn Fn(usize, usize) + Sync),
    read: &(dyn Fn(SignedEvent<'_>) + Sync),
    helper: &dyn Helper,
) -> Result<Report, Malformed> {
    verify_opening(bytes, roots, limits, progress, |events, trust| {
        open_helped(events, trust, limits, progress, read, helper)
    })
}

/// Opens `events` on the calling thread, handing batches of signatures to `helper`
/// (up to [`HELPER_SHARE`] of them, while it has fewer than three to answer) and
/// checking the others here. Whatever the helper cannot take, or loses, or answers
/// with the wrong length, is checked here: the helper speeds verification up and
/// never decides what was not asked of it.
fn open_helped(
    events: &[WireEnvelope<'_>],
    trust: &Trust,
    limits: &Limits,
    progress: &(dyn Fn(usize, usize) + Sync),
    read: &(dyn Fn(SignedEvent<'_>) + Sync),
    helper: &dyn Helper,
) -> Vec<Opened> {
    let total = events.len();
    // At least eight jobs where batches of 1,024 allow, so that both sides stay busy
    // on small bundles too.
    let job = (total / 8).clamp(1024, batch::BATCH);
    let ranges: Vec<std::ops::Range<usize>> = (0..total)
        .step_by(job)
        .map(|start| start..(start + job).min(total))
        .collect();
    let mut opened: Vec<Vec<Opened>> = (0..ranges.len()).map(|_| Vec::new()).collect();
    let mut waiting: std::collections::VecDeque<(usize, Vec<Prepared>)> =
        std::collections::VecDeque::new();
    let share = total * HELPER_SHARE.0 / HELPER_SHARE.1;
    let mut handed = 0;
    let mut done = 0;
    let mut finish = |job: usize, prepared: &[Prepared], answer: Option<Vec<u8>>| {
        let range = ranges.get(job).cloned().unwrap_or_default();
        let part = events.get(range.clone()).unwrap_or_default();
        let (at, items) = batch_items(prepared);
        let holds = match answer {
            Some(answer) if answer.len() == items.len() => {
                answer.into_iter().map(|b| b == 1).collect()
            }
            _ => batch::verify(&trust.keys, &items),
        };
        let out = open_prepared(
            part,
            &|i| range.start + i,
            trust,
            limits,
            read,
            prepared,
            &at,
            &holds,
        );
        if let Some(slot) = opened.get_mut(job) {
            *slot = out;
        }
        done += part.len();
        progress(done, total);
    };
    for (job, range) in ranges.iter().enumerate() {
        let part = events.get(range.clone()).unwrap_or_default();
        let prepared: Vec<Prepared> = part.iter().map(|e| prepare(e, &trust.keyids)).collect();
        let sent = waiting.len() < 3 && handed + part.len() / 2 <= share && {
            let (_, items) = batch_items(&prepared);
            helper.send(batch::pack(&trust.keys, &items), items.len())
        };
        if sent {
            handed += part.len();
            waiting.push_back((job, prepared));
        } else {
            finish(job, &prepared, None);
        }
        // Open what the helper has answered meanwhile.
        while !waiting.is_empty() {
            match helper.receive(false) {
                Received::NotYet => break,
                received => {
                    if let Some((job, prepared)) = waiting.pop_front() {
                        finish(job, &prepared, received.answer());
                    }
                }
            }
        }
    }
    while let Some((job, prepared)) = waiting.pop_front() {
        finish(job, &prepared, helper.receive(true).answer());
    }
    opened.into_iter().flatten().collect()
}

/// The part of the signatures [`open_helped`] hands to its helper, as a fraction:
/// the rest of each event's work (reading, hashing, parsing, the report) stays with
/// the caller, and in wasm costs about half what checking its signature does, so the
/// two sides finish together when the helper checks about two thirds of them.
const HELPER_SHARE: (usize, usize) = (2, 3);

/// Another worker that checks batches of signatures ([`batch::verify_packed`]) while
/// this one goes on: how [`verify_and_read`] spreads verification where
/// threads cannot start (a browser's workers share no memory).
pub trait Helper {
    /// Hands over a batch of `count` signatures ([`batch::pack`]); `false` when it
    /// cannot be taken.
    fn send(&self, packed: Vec<u8>, count: usize) -> bool;
    /// The answer to the oldest batch not yet received, waiting for it when `wait`.
    fn receive(&self, wait: bool) -> Received;
}

/// What a [`Helper`] answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// What [`batch::verify_packed`] gave for the batch.
    Answer(Vec<u8>),
    /// Not answered yet.
    NotYet,
    /// The batch is lost (the helper failed or gave up): it is checked here.
    Lost,
}

impl Received {
    fn answer(self) -> Option<Vec<u8>> {
        match self {
            Received::Answer(answer) => Some(answer),
            Received::NotYet | Received::Lost => None,
        }
    }
}
