//! Verifying a bundle in the browser, with the same `evidence` code the server runs.
//!
//! The work runs in a Web Worker (`public/verify-worker.js`) that loads this crate's
//! wasm and calls `VerifiedBundle::verify`, so the page never freezes. The worker
//! answers with the [`Summary`] and the [`Timeline`], and keeps the report and each
//! event's payload as signed for the page to ask for: a page of results
//! ([`Verified::results`]), one event ([`Verified::event`]), or the whole transcript
//! (the report as JSON, exactly what `custody verify --json` prints), so that a
//! 100,000-event bundle never crosses into the page at once. [`verify`] is the pure
//! part, shared with the tests.

use std::sync::Mutex;

use evidence::bundle::Status;
use evidence::bundle::{self, Check, EventReport, Limits, Report, SignedEvent};
use evidence::event::Event;
use evidence::findings::{self, Account, Finding, Policy};
use evidence::keys::PublicKey;
use serde::{Deserialize, Serialize};

use crate::timeline::Timeline;

/// A bundle verified here: its report, its timeline and its payloads.
pub struct Verified {
    /// What verification found.
    pub report: Report,
    /// The events laid out.
    pub timeline: Timeline,
    /// Each event's payload as signed, by index; `None` where the signature failed.
    pub payloads: Vec<Option<String>>,
    /// The attribution-gap findings under the default policy (`evidence::findings`).
    pub findings: Vec<Finding>,
    /// The account of each side effect (`evidence::findings::account`), by position.
    pub accounts: std::collections::BTreeMap<usize, Account>,
}

/// The bundle-level part of a transcript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The bundle's status.
    pub status: Status,
    /// The bundle ID its manifest names.
    pub bundle_id: Option<String>,
    /// Every reason code found.
    pub reasons: Vec<String>,
    /// How many events.
    pub event_count: usize,
}

/// Which events a results page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// Every event.
    All,
    /// Events with a failed check.
    Failed,
    /// Events with a check that could not be made.
    Unknown,
    /// Events with warnings.
    Warnings,
    /// Events that passed every check.
    Passed,
}

impl Filter {
    /// Every filter, with what a reviewer reads for it.
    pub const ALL: [(Filter, &'static str); 5] = [
        (Filter::All, "all events"),
        (Filter::Failed, "failed a check"),
        (Filter::Unknown, "could not be checked"),
        (Filter::Warnings, "with warnings"),
        (Filter::Passed, "passed every check"),
    ];

    /// The filter's name in messages and addresses.
    pub fn as_str(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Failed => "failed",
            Filter::Unknown => "unknown",
            Filter::Warnings => "warnings",
            Filter::Passed => "passed",
        }
    }

    /// The filter named `name`, if any.
    pub fn parse(name: &str) -> Option<Filter> {
        Filter::ALL
            .iter()
            .map(|(f, _)| *f)
            .find(|f| f.as_str() == name)
    }

    /// Whether `event` is shown.
    pub fn keeps(self, event: &EventReport) -> bool {
        let checks = [
            &event.integrity,
            &event.trust,
            &event.chain,
            &event.inclusion,
        ];
        match self {
            Filter::All => true,
            Filter::Failed => checks.iter().any(|c| matches!(c, Check::Fail(_))),
            Filter::Unknown => checks.iter().any(|c| matches!(c, Check::Unknown(_))),
            Filter::Warnings => !event.warnings.is_empty(),
            Filter::Passed => checks.iter().all(|c| matches!(c, Check::Pass)),
        }
    }
}

/// One page of per-event results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsPage {
    /// How many events the filter keeps.
    pub total: usize,
    /// The page, from 0.
    pub page: usize,
    /// The events on it, as in the transcript.
    pub items: Vec<EventResult>,
}

/// One event for the inspector: its result and its payload as signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetail {
    /// Its result, as in the transcript.
    pub result: Option<EventResult>,
    /// Its payload as signed, if its signature held.
    pub payload: Option<String>,
    /// The account of it, when it is a side effect whose signature held.
    #[serde(default)]
    pub account: Option<Account>,
}

fn as_result(event: &EventReport) -> Option<EventResult> {
    serde_json::to_value(event)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
}

impl Verified {
    /// The bundle-level part of the transcript.
    pub fn summary(&self) -> Summary {
        Summary {
            status: self.report.status(),
            bundle_id: self.report.bundle_id().map(str::to_owned),
            reasons: self
                .report
                .reasons()
                .iter()
                .map(|r| (*r).to_owned())
                .collect(),
            event_count: self.report.events().len(),
        }
    }

    /// The transcript: the report as JSON, as `custody verify --json` prints it.
    pub fn transcript(&self) -> String {
        serde_json::to_string(&self.report).unwrap_or_default()
    }

    /// Page `page` (from 0) of `per_page` results that `filter` keeps.
    pub fn results(&self, filter: Filter, page: usize, per_page: usize) -> ResultsPage {
        let per_page = per_page.clamp(1, 1000);
        let kept = self.report.events().iter().filter(|e| filter.keeps(e));
        let total = kept.clone().count();
        let page = page.min(total.saturating_sub(1) / per_page);
        ResultsPage {
            total,
            page,
            items: kept
                .skip(page * per_page)
                .take(per_page)
                .filter_map(as_result)
                .collect(),
        }
    }

    /// Event `index`: its result and payload.
    pub fn event(&self, index: usize) -> EventDetail {
        EventDetail {
            result: self.report.events().get(index).and_then(as_result),
            payload: self.payloads.get(index).cloned().flatten(),
            account: self.accounts.get(&index).cloned(),
        }
    }
}

/// Why a bundle could not be verified at all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// A stable code (`bundle.malformed`, `roots.invalid`, …).
    pub code: String,
    /// What is wrong, for people.
    pub message: String,
}

/// What the page asks the verification worker (`public/verify-worker.js`), as JSON
/// text in the message's `json`; a `verify` carries the bundle beside it, as the
/// `file` the reviewer chose or the `url` to fetch it from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum WorkerRequest {
    /// Verify the bundle beside this message against `roots` (PEM or one key per line).
    Verify {
        /// The trust roots.
        roots: String,
    },
    /// A page of per-event results.
    #[serde(rename_all = "camelCase")]
    Results {
        /// Which events.
        filter: Filter,
        /// The page, from 0.
        page: usize,
        /// How many a page.
        per_page: usize,
    },
    /// One event, for the inspector.
    Event {
        /// Its position in the bundle.
        index: usize,
    },
    /// The whole transcript, to save.
    Transcript,
}

/// What the verification worker answers, as JSON text in the message's `json`: every
/// value typed, the bundle's status an [`evidence::bundle::Status`], so the page
/// never reads a verdict out of a string.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum WorkerReply {
    /// Signatures checked so far.
    Progress {
        /// Checked.
        done: u32,
        /// Of.
        total: u32,
    },
    /// The bundle is verified and read for review.
    #[serde(rename_all = "camelCase")]
    Done {
        /// The bundle-level verdict.
        summary: Summary,
        /// The events laid out.
        timeline: Box<Timeline>,
        /// The attribution-gap findings under the default policy.
        findings: Vec<Finding>,
        /// How long verification took, in ms.
        millis: f64,
        /// How long the findings, accounts and timeline took after it, in ms.
        analysis_millis: f64,
        /// The bundle's size in bytes.
        size: f64,
        /// How many batches of signatures the helper worker checked.
        helped: u32,
    },
    /// The bundle or the roots were refused.
    Refused {
        /// Why.
        refusal: Refusal,
    },
    /// A page of results.
    Results {
        /// The page.
        page: ResultsPage,
    },
    /// One event.
    Event {
        /// Its position in the bundle.
        index: u32,
        /// Its result, payload and account.
        detail: Box<EventDetail>,
    },
    /// The transcript.
    Transcript {
        /// The report as JSON, as `custody verify --json` prints it.
        text: String,
    },
}

impl WorkerReply {
    /// The reply as the JSON text the worker posts.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Verified {
    /// The answer to `request` (anything but a `verify`).
    pub fn answer(&self, request: &WorkerRequest) -> Option<WorkerReply> {
        match request {
            WorkerRequest::Verify { .. } => None,
            WorkerRequest::Results {
                filter,
                page,
                per_page,
            } => Some(WorkerReply::Results {
                page: self.results(*filter, *page, *per_page),
            }),
            WorkerRequest::Event { index } => Some(WorkerReply::Event {
                index: u32::try_from(*index).unwrap_or(u32::MAX),
                detail: Box::new(self.event(*index)),
            }),
            WorkerRequest::Transcript => Some(WorkerReply::Transcript {
                text: self.transcript(),
            }),
        }
    }
}

/// A bundle checked here and not yet read for review: the report, and each event
/// read from it. This is what `custody verify` computes.
pub struct Checked {
    report: Report,
    events: Vec<(usize, Event)>,
    payloads: Vec<Option<String>>,
}

/// Verifies `bytes` against the trust roots listed in `roots` (PEM blocks or one
/// key per line; none at all leaves every key untrusted), calling `progress(done, total)` as signatures are checked;
/// with a `helper` (a second worker), batches of signatures are checked there meanwhile.
pub fn verify(
    bytes: &[u8],
    roots: &str,
    progress: &(dyn Fn(usize, usize) + Sync),
    helper: Option<&dyn bundle::helped::Helper>,
) -> Result<Verified, Refusal> {
    check(bytes, roots, progress, helper).map(Checked::analyse)
}

/// The verification part of [`verify`]: the report and the events read, without
/// the findings and the timeline.
pub fn check(
    bytes: &[u8],
    roots: &str,
    progress: &(dyn Fn(usize, usize) + Sync),
    helper: Option<&dyn bundle::helped::Helper>,
) -> Result<Checked, Refusal> {
    let roots = if roots.trim().is_empty() {
        Vec::new()
    } else {
        PublicKey::list_from_text(roots).map_err(|e| Refusal {
            code: "roots.invalid".into(),
            message: format!("The trust roots cannot be read: {e}."),
        })?
    };
    let read: Mutex<Vec<(usize, Event, String)>> = Mutex::new(Vec::new());
    let keep = |e: SignedEvent<'_>| {
        if let Ok(mut read) = read.lock() {
            read.push((e.index, e.event, e.payload.to_owned()));
        }
    };
    let limits = Limits::default();
    let report = match helper {
        Some(helper) => {
            bundle::helped::verify_and_read(bytes, &roots, &limits, progress, &keep, helper)
        }
        None => bundle::verify_and_read(bytes, &roots, &limits, 1, progress, &keep),
    }
    .map_err(|m| Refusal {
        code: m.code().to_owned(),
        message: m.to_string(),
    })?;
    let read = read.into_inner().unwrap_or_default();
    let mut payloads = vec![None; report.events().len()];
    let mut events: Vec<(usize, Event)> = read
        .into_iter()
        .map(|(index, event, payload)| {
            if let Some(slot) = payloads.get_mut(index) {
                *slot = Some(payload);
            }
            (index, event)
        })
        .collect();
    events.sort_by_key(|(index, _)| *index);
    Ok(Checked {
        report,
        events,
        payloads,
    })
}

impl Checked {
    /// The findings under the default policy, and the timeline.
    pub fn analyse(self) -> Verified {
        let Checked {
            report,
            events,
            payloads,
        } = self;
        let policy = Policy::default();
        let findings = findings::analyse(&report, &events, &policy);
        let accounts = findings::accounts(&events, &policy)
            .into_iter()
            .map(|a| (a.position, a))
            .collect();
        Verified {
            accounts,
            timeline: Timeline::build(events, &report),
            report,
            payloads,
            findings,
        }
    }
}

/// Whether a check held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// Checked and held.
    Pass,
    /// Checked and failed.
    Fail,
    /// Could not be checked.
    Unknown,
}

impl CheckOutcome {
    /// The outcome as the transcript writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Pass => "pass",
            CheckOutcome::Fail => "fail",
            CheckOutcome::Unknown => "unknown",
        }
    }
}

/// The result of one check on one event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckResult {
    /// Whether the check held.
    pub result: CheckOutcome,
    /// The stable reason code, present unless the check passed.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = String, required = false))]
    pub code: Option<String>,
}

/// The verdict on one event of a bundle, as the transcript writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventResult {
    /// Its position in the bundle, from 0.
    pub index: usize,
    /// SHA-256 of its signed bytes, hex.
    pub digest: String,
    /// The emitter its payload names, once the signature held and the payload parsed.
    pub emitter: Option<String>,
    /// The signature over the bytes as received.
    pub integrity: CheckResult,
    /// Whether the signing key is certified for the emitter at the event's time.
    pub trust: CheckResult,
    /// The event's place in its emitter's hash chain.
    pub chain: CheckResult,
    /// Whether the manifest's Merkle root covers it.
    pub inclusion: CheckResult,
    /// Warnings that do not fail a check (stable codes).
    pub warnings: Vec<String>,
    /// Why the payload could not be read, naming the field, when it could not.
    pub detail: Option<String>,
}

impl EventResult {
    /// The four checks, named.
    pub fn checks(&self) -> [(&'static str, &CheckResult); 4] {
        [
            ("signature", &self.integrity),
            ("trust", &self.trust),
            ("chain", &self.chain),
            ("inclusion", &self.inclusion),
        ]
    }
}

#[cfg(feature = "hydrate")]
mod worker {
    use std::cell::RefCell;

    use wasm_bindgen::prelude::*;

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
                    let reply = super::WorkerReply::Progress {
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
    pub struct VerifiedBundle {
        inner: super::Verified,
        checked_millis: f64,
        analysis_millis: f64,
    }

    /// A [`super::WorkerReply::Refused`] (JSON), for what the worker itself refuses
    /// (a bundle it could not fetch, say).
    #[wasm_bindgen]
    pub fn refusal(code: &str, message: &str) -> String {
        super::WorkerReply::Refused {
            refusal: super::Refusal {
                code: code.to_owned(),
                message: message.to_owned(),
            },
        }
        .to_json()
    }

    #[wasm_bindgen]
    impl VerifiedBundle {
        /// Verifies `bytes` as `request` (a [`super::WorkerRequest::Verify`], JSON)
        /// asks, calling `progress` with each [`super::WorkerReply::Progress`] (JSON),
        /// with batches of signatures handed to `helper` when it is an object (see
        /// `JsHelper`); throws a [`super::WorkerReply::Refused`] (JSON) when the
        /// request, the bundle or the roots are refused.
        pub fn verify(
            bytes: &[u8],
            request: &str,
            progress: js_sys::Function,
            helper: JsValue,
        ) -> Result<VerifiedBundle, JsValue> {
            let refused = |code: &str, message: String| JsValue::from_str(&refusal(code, &message));
            let roots = match serde_json::from_str::<super::WorkerRequest>(request) {
                Ok(super::WorkerRequest::Verify { roots }) => roots,
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
            let outcome = super::check(
                bytes,
                &roots,
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
                    Ok(VerifiedBundle {
                        inner,
                        checked_millis: checked - started,
                        analysis_millis: js_sys::Date::now() - checked,
                    })
                }
                Err(r) => Err(refused(&r.code, r.message)),
            }
        }

        /// The [`super::WorkerReply::Done`] for this bundle (JSON): `size` its bytes,
        /// `helped` the batches the helper checked.
        pub fn done(&self, size: f64, helped: u32) -> String {
            super::WorkerReply::Done {
                summary: self.inner.summary(),
                timeline: Box::new(self.inner.timeline.clone()),
                findings: self.inner.findings.clone(),
                millis: self.checked_millis,
                analysis_millis: self.analysis_millis,
                size,
                helped,
            }
            .to_json()
        }

        /// The reply (JSON) to `request`, a [`super::WorkerRequest`] (JSON) other
        /// than `verify`; a refusal when it cannot be read.
        pub fn answer(&self, request: &str) -> String {
            match serde_json::from_str::<super::WorkerRequest>(request)
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synthetic(n: usize) -> (String, String) {
        let (bundle, root) = evidence::producer::synthetic(n, "s");
        (bundle, root.to_hex())
    }

    #[test]
    fn the_worker_protocol_is_typed_end_to_end() {
        let (bundle, root) = synthetic(5);
        let v = verify(bundle.as_bytes(), &root, &|_, _| {}, None).unwrap();
        // Requests and replies round-trip through their JSON.
        for request in [
            WorkerRequest::Verify {
                roots: root.clone(),
            },
            WorkerRequest::Results {
                filter: Filter::Failed,
                page: 2,
                per_page: 10,
            },
            WorkerRequest::Event { index: 3 },
            WorkerRequest::Transcript,
        ] {
            let json = serde_json::to_string(&request).unwrap();
            assert_eq!(
                serde_json::from_str::<WorkerRequest>(&json).unwrap(),
                request
            );
        }
        let reply = v.answer(&WorkerRequest::Event { index: 3 }).unwrap();
        let back: WorkerReply = serde_json::from_str(&reply.to_json()).unwrap();
        assert_eq!(back, reply);
        assert!(v.answer(&WorkerRequest::Verify { roots: root }).is_none());
        // The status is an enum on the wire: a status no verifier reports is refused,
        // never shown.
        let summary = serde_json::to_value(v.summary()).unwrap();
        assert_eq!(summary["status"], "verified");
        let mut bogus = summary.clone();
        bogus["status"] = "Verified in this browser".into();
        assert!(serde_json::from_value::<Summary>(bogus).is_err());
    }

    #[test]
    fn a_bundle_verifies_with_pasted_roots_and_pages_its_results() {
        let (bundle, root) = synthetic(7);
        let v = verify(
            bundle.as_bytes(),
            &format!("# ours\n{root}\n"),
            &|_, _| {},
            None,
        )
        .unwrap();
        let summary = v.summary();
        assert_eq!(summary.status, Status::Verified);
        assert_eq!(summary.event_count, 7);
        let page = v.results(Filter::All, 1, 3);
        assert_eq!((page.total, page.page), (7, 1));
        assert_eq!(
            page.items.iter().map(|r| r.index).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        // A page past the end is the last one.
        assert_eq!(v.results(Filter::All, 9, 3).page, 2);
        assert_eq!(v.results(Filter::Failed, 0, 50).total, 0);
        assert_eq!(v.results(Filter::Passed, 0, 50).total, 7);
        let detail = v.event(2);
        assert_eq!(detail.result.unwrap().integrity.result, CheckOutcome::Pass);
        assert!(detail.payload.unwrap().contains("\"evt-2\""));
        // The transcript is the report as the CLI writes it.
        let t: serde_json::Value = serde_json::from_str(&v.transcript()).unwrap();
        assert_eq!(t["format"], "custody.verification.v1");
        assert_eq!(t["events"].as_array().unwrap().len(), 7);
    }

    #[test]
    fn without_roots_every_key_is_untrusted_and_bad_roots_are_refused() {
        let (bundle, _) = synthetic(2);
        let v = verify(bundle.as_bytes(), " \n", &|_, _| {}, None).unwrap();
        assert_eq!(v.summary().status, Status::Untrusted);
        // Each event's trust check names why: no root certified its key.
        let first = v.event(0).result.unwrap();
        assert_eq!(first.trust.code.as_deref(), Some("trust.key_not_certified"));
        assert!(v
            .timeline
            .marks
            .iter()
            .all(|m| m.standing == crate::timeline::Standing::Untrusted));
        let refused = verify(bundle.as_bytes(), "not a key", &|_, _| {}, None)
            .err()
            .unwrap();
        assert_eq!(refused.code, "roots.invalid");
        assert!(refused.message.contains("line 1"), "{}", refused.message);
    }

    #[test]
    fn a_bundle_that_is_not_one_is_refused_with_its_code() {
        let refused = verify(b"{\"not\": \"a bundle\"}", "", &|_, _| {}, None)
            .err()
            .unwrap();
        assert_eq!(refused.code, "bundle.malformed");
    }

    #[test]
    fn each_filter_has_a_name_that_reads_back() {
        for (f, _) in Filter::ALL {
            assert_eq!(Filter::parse(f.as_str()), Some(f));
        }
        assert_eq!(Filter::parse("nope"), None);
    }
}
