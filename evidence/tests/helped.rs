//! Verification with signature batches handed to a helper (as browsers do with a
//! second worker) gives exactly the report of verification on one thread, whatever
//! the helper does.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, VecDeque};
use std::sync::Mutex;

use evidence::batch;
use evidence::bundle::helped::{self, Helper, Received};
use evidence::bundle::{self, Limits};
use evidence::keys::PublicKey;
use evidence::producer::Signer;
use serde_json::Value;

/// How the test helper behaves.
#[derive(Clone, Copy, PartialEq)]
enum Manner {
    /// Answers every batch.
    Faithful,
    /// Answers only when asked to wait, never before.
    Slow,
    /// Loses every second batch.
    Lossy,
    /// Takes nothing.
    Busy,
    /// Answers with one verdict too few.
    Garbled,
}

struct TestHelper {
    manner: Manner,
    answers: RefCell<VecDeque<Received>>,
    sent: Cell<usize>,
}

impl TestHelper {
    fn new(manner: Manner) -> Self {
        TestHelper {
            manner,
            answers: RefCell::new(VecDeque::new()),
            sent: Cell::new(0),
        }
    }
}

impl Helper for TestHelper {
    fn send(&self, packed: Vec<u8>, count: usize) -> bool {
        if self.manner == Manner::Busy {
            return false;
        }
        let n = self.sent.get();
        self.sent.set(n + 1);
        let answer = batch::verify_packed(&packed).expect("a batch pack made");
        assert_eq!(answer.len(), count);
        self.answers.borrow_mut().push_back(match self.manner {
            Manner::Lossy if n % 2 == 1 => Received::Lost,
            Manner::Garbled => Received::Answer(answer[1..].to_vec()),
            _ => Received::Answer(answer),
        });
        true
    }

    fn receive(&self, wait: bool) -> Received {
        if self.manner == Manner::Slow && !wait {
            return Received::NotYet;
        }
        self.answers
            .borrow_mut()
            .pop_front()
            .expect("an answer for every batch sent")
    }
}

/// The report (as JSON) and the indexes of the events handed over.
fn outcome(
    bytes: &[u8],
    roots: &[PublicKey],
    helper: Option<&dyn Helper>,
) -> (String, BTreeSet<usize>, usize) {
    let read = Mutex::new(BTreeSet::new());
    let last = Mutex::new(0);
    let on_read = |e: bundle::SignedEvent<'_>| {
        assert!(
            read.lock().expect("test value").insert(e.index),
            "each event read once"
        );
    };
    let progress = |done: usize, total: usize| {
        assert!(done <= total);
        *last.lock().expect("test value") = done;
    };
    let report = match helper {
        Some(h) => {
            helped::verify_and_read(bytes, roots, &Limits::default(), &progress, &on_read, h)
        }
        None => bundle::verify_and_read(bytes, roots, &Limits::default(), 1, &progress, &on_read),
    }
    .expect("readable");
    (
        serde_json::to_string(&report).expect("test value"),
        read.into_inner().expect("test value"),
        last.into_inner().expect("test value"),
    )
}

/// A bundle of three batches where event 9000's signature is another's and event
/// 17,000's payload was changed.
fn tampered() -> (String, PublicKey) {
    let (bundle, root) = evidence::producer::synthetic(2 * batch::BATCH + 3000, "helped");
    let mut v: Value = serde_json::from_str(&bundle).expect("test value");
    let events = v["events"].as_array_mut().expect("test value");
    let other = events[10]["signatures"][0]["sig"].clone();
    events[9000]["signatures"][0]["sig"] = other;
    let payload = events[17_000]["payload"]
        .as_str()
        .expect("test value")
        .to_owned();
    events[17_000]["payload"] = Value::String(payload.replacen('e', "f", 1));
    (serde_json::to_string(&v).expect("test value"), root)
}

#[test]
fn every_manner_of_helper_gives_the_report_of_one_thread() {
    let (bundle, root) = tampered();
    let roots = [root];
    let alone = outcome(bundle.as_bytes(), &roots, None);
    let report: Value = serde_json::from_str(&alone.0).expect("test value");
    assert_eq!(report["status"], "tampered");
    assert_eq!(report["events"][9000]["integrity"]["result"], "fail");
    assert_eq!(report["events"][17_000]["integrity"]["result"], "fail");
    assert_eq!(alone.1.len(), 2 * batch::BATCH + 3000 - 2);
    for manner in [
        Manner::Faithful,
        Manner::Slow,
        Manner::Lossy,
        Manner::Busy,
        Manner::Garbled,
    ] {
        let helper = TestHelper::new(manner);
        let helped = outcome(bundle.as_bytes(), &roots, Some(&helper));
        assert!(helped == alone, "a helper changed the outcome");
        let sent = helper.sent.get();
        if manner == Manner::Busy {
            assert_eq!(sent, 0);
        } else {
            assert!(sent >= 2, "the helper was given batches ({sent})");
        }
    }
}

#[test]
fn a_packed_batch_answers_as_the_batch_does_and_garbage_is_refused() {
    let signers = [Signer::from_seed([5; 32]), Signer::from_seed([6; 32])];
    let keys: Vec<PublicKey> = signers.iter().map(Signer::public_key).collect();
    let messages: Vec<Vec<u8>> = (0..6)
        .map(|i| format!("message {i}").into_bytes())
        .collect();
    let mut signatures: Vec<[u8; 64]> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| signers[i % 2].sign(m))
        .collect();
    signatures[3][10] ^= 1;
    let mut items: Vec<batch::Item<'_>> = messages
        .iter()
        .zip(&signatures)
        .enumerate()
        .map(|(i, (message, signature))| batch::Item {
            key: i % 2,
            message,
            signature,
        })
        .collect();
    // Signed by the other key, and a key index out of range.
    items[4].key = 1;
    items[5].key = 7;
    let packed = batch::pack(&keys, &items);
    assert_eq!(batch::verify_packed(&packed), Some(vec![1, 1, 1, 0, 0, 0]));
    assert_eq!(batch::verify_packed(&packed[..packed.len() - 1]), None);
    let mut longer = packed.clone();
    longer.push(0);
    assert_eq!(batch::verify_packed(&longer), None);
    assert_eq!(batch::verify_packed(&[]), None);
    assert_eq!(batch::verify_packed(&[1, 0, 0, 0]), None);
}
