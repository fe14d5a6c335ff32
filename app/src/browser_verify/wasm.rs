//! The worker's entry points, exported to `public/verify-worker.js` with
//! wasm-bindgen: a [`VerificationHandle`] holds one bundle's [`Verification`] for the
//! page's questions.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::protocol::{Refusal, WorkerReply, WorkerRequest};
use super::worker::{check, Verification};

thread_local! {
    static PROGRESS: RefCell<Option<(js_sys::Function, usize)>> = const { RefCell::new(None) };
}

/// Reports progress to the worker's callback about a hundred times a run.
fn report_progress(done: usize, total: usize) {
    PROGRESS.with(|p| {
        if let Some((f, last)) = p.borrow_mut().as_mut() {
            let step = (total / 100).max(1);
            if done == total || done >= *last + step {
                *last = done;
                let reply = WorkerReply::Progress {
                    done: u32::try_from(done).unwrap_or(u32::MAX),
                    total: u32::try_from(total).unwrap_or(u32::MAX),
                };
                let _ = f.call1(&JsValue::NULL, &reply.to_json().into());
            }
        }
    });
}

/// The second worker's side of [`evidence::bundle::helped::Helper`], in JavaScript:
/// `send(packed, count)` posts a batch and says whether it was taken;
/// `receive(wait)` gives the oldest answer (bytes), `undefined` when it has not
/// come yet, `null` when it is lost.
struct JsHelper {
    helper: JsValue,
}

impl JsHelper {
    fn call(&self, name: &str, args: &[JsValue]) -> JsValue {
        let Ok(f) = js_sys::Reflect::get(&self.helper, &name.into())
            .and_then(|f| f.dyn_into::<js_sys::Function>())
        else {
            return JsValue::NULL;
        };
        let args: js_sys::Array = args.iter().collect();
        f.apply(&self.helper, &args).unwrap_or(JsValue::NULL)
    }
}

impl evidence::bundle::helped::Helper for JsHelper {
    fn send(&self, packed: Vec<u8>, count: usize) -> bool {
        let packed = js_sys::Uint8Array::from(packed.as_slice());
        self.call("send", &[packed.into(), (count as f64).into()])
            .as_bool()
            .unwrap_or(false)
    }

    fn receive(&self, wait: bool) -> evidence::bundle::helped::Received {
        let answer = self.call("receive", &[wait.into()]);
        if answer.is_undefined() {
            evidence::bundle::helped::Received::NotYet
        } else if let Some(bytes) = answer.dyn_ref::<js_sys::Uint8Array>() {
            evidence::bundle::helped::Received::Answer(bytes.to_vec())
        } else {
            evidence::bundle::helped::Received::Lost
        }
    }
}

/// Checks a batch of signatures another worker packed
/// ([`evidence::batch::verify_packed`]): one byte per signature, 1 where it holds;
/// nothing when the bytes are not a batch.
#[wasm_bindgen(js_name = checkBatch)]
pub fn check_batch(packed: &[u8]) -> Option<Vec<u8>> {
    evidence::batch::verify_packed(packed)
}

/// The wasm memory verifying a bundle takes, per bundle byte, the bundle's own
/// copy included (measured: 4.1 for 100,000 events, 4.4 for 10,000).
const MEMORY_PER_BUNDLE_BYTE: usize = 4;

/// Grows the wasm memory in one step to what verifying `bundle_bytes` takes,
/// where it is smaller, instead of the allocator's (dlmalloc) thousands of 64 KiB
/// steps, each of which V8 may follow with a garbage collection (see
/// docs/architecture.md, "Builds"). The block is freed at once and the allocator
/// keeps the memory for what comes; pages are backed only once written.
fn make_room(bundle_bytes: usize) {
    #[cfg(target_arch = "wasm32")]
    {
        let have = core::arch::wasm32::memory_size(0).saturating_mul(64 << 10);
        let mut want = bundle_bytes
            .saturating_mul(MEMORY_PER_BUNDLE_BYTE)
            .saturating_sub(have);
        while want >= 1 << 20 {
            let mut room = Vec::<u8>::new();
            if room.try_reserve_exact(want).is_ok() {
                return;
            }
            want /= 2;
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = bundle_bytes;
}

/// A bundle verified in this worker, held for the page's questions.
#[wasm_bindgen]
pub struct VerificationHandle {
    inner: Verification,
    checked_millis: f64,
    analysis_millis: f64,
}

/// A [`WorkerReply::Refused`] (JSON), for what the worker itself refuses
/// (a bundle it could not fetch, say).
#[wasm_bindgen]
pub fn refusal(code: &str, message: &str) -> String {
    WorkerReply::Refused {
        refusal: Refusal {
            code: code.to_owned(),
            message: message.to_owned(),
        },
    }
    .to_json()
}

#[wasm_bindgen]
impl VerificationHandle {
    /// Verifies `bytes` as `request` (a [`WorkerRequest::Verify`], JSON)
    /// asks, calling `progress` with each [`WorkerReply::Progress`] (JSON),
    /// with batches of signatures handed to `helper` when it is an object (see
    /// `JsHelper`); throws a [`WorkerReply::Refused`] (JSON) when the
    /// request, the bundle or the roots are refused.
    pub fn verify(
        bytes: &[u8],
        request: &str,
        progress: js_sys::Function,
        helper: JsValue,
    ) -> Result<VerificationHandle, JsValue> {
        let refused = |code: &str, message: String| JsValue::from_str(&refusal(code, &message));
        let (roots, anchors) = match serde_json::from_str::<WorkerRequest>(request) {
            Ok(WorkerRequest::Verify { roots, anchors }) => (roots, anchors),
            _ => {
                return Err(refused(
                    "worker.request",
                    format!("The verifier was asked something it does not know: {request}"),
                ))
            }
        };
        PROGRESS.with(|p| *p.borrow_mut() = Some((progress, 0)));
        let helper = helper.is_object().then_some(JsHelper { helper });
        let started = js_sys::Date::now();
        make_room(bytes.len());
        let outcome = check(
            bytes,
            &roots,
            &anchors,
            &report_progress,
            helper
                .as_ref()
                .map(|h| h as &dyn evidence::bundle::helped::Helper),
        );
        PROGRESS.with(|p| *p.borrow_mut() = None);
        let checked = js_sys::Date::now();
        match outcome {
            Ok(checked_bundle) => {
                let inner = checked_bundle.analyse();
                Ok(VerificationHandle {
                    inner,
                    checked_millis: checked - started,
                    analysis_millis: js_sys::Date::now() - checked,
                })
            }
            Err(r) => Err(refused(&r.code, r.message)),
        }
    }

    /// The [`WorkerReply::Done`] for this bundle (JSON): `size` its bytes,
    /// `helped` the batches the helper checked.
    pub fn done(&self, size: f64, helped: u32) -> String {
        WorkerReply::Done {
            summary: self.inner.summary(),
            timeline: Box::new(self.inner.timeline.clone()),
            findings: self.inner.findings.clone(),
            millis: self.checked_millis,
            analysis_millis: self.analysis_millis,
            size,
            helped,
            anchoring: Box::new(self.inner.anchoring.clone()),
        }
        .to_json()
    }

    /// The reply (JSON) to `request`, a [`WorkerRequest`] (JSON) other
    /// than `verify`; a refusal when it cannot be read.
    pub fn answer(&self, request: &str) -> String {
        match serde_json::from_str::<WorkerRequest>(request)
            .ok()
            .and_then(|r| self.inner.answer(&r))
        {
            Some(reply) => reply.to_json(),
            None => refusal(
                "worker.request",
                &format!("The verifier was asked something it does not know: {request}"),
            ),
        }
    }
}
