//! The page's side of browser verification: starts the verification worker
//! (`public/verify-worker.js`), follows its progress and keeps what it found.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;

use super::protocol::{EventDetail, Filter, Refusal, ResultsPage, WorkerRequest};
use model::timeline::Timeline;
use model::TranscriptHead;

/// What the browser found (the rest stays in the worker until asked for).
#[derive(Debug)]
pub struct PageVerification {
    /// The bundle-level verdict.
    pub summary: TranscriptHead,
    /// The events laid out.
    pub timeline: Timeline,
    /// Where each event (by bundle index) sits in [`Timeline::marks`].
    pub mark_of: HashMap<u32, u32>,
    /// The attribution-gap findings this browser found, under the default policy.
    pub findings: Vec<evidence::findings::Finding>,
    /// How long verification took in the worker, in ms.
    pub millis: f64,
    /// How long the findings and the timeline took after it, in ms.
    pub analysis_millis: f64,
    /// The bundle's size in bytes.
    pub size: f64,
    /// How many batches of signatures the worker's helper checked (0: it checked alone).
    pub helped: u32,
    /// When the page received the result, before reading it (ms since the epoch),
    /// for benchmarks.
    pub received_at: f64,
    /// What the bundle's anchors prove against the anchor trust given.
    pub anchoring: model::Anchoring,
}

/// Where a run is.
#[derive(Clone, Debug, Default)]
pub enum Phase {
    /// Nothing asked yet.
    #[default]
    Idle,
    /// Fetching or reading the bundle, loading the verifier.
    Loading,
    /// Checking signatures: done of total.
    Checking(u32, u32),
    /// Finished.
    Done(Arc<PageVerification>),
    /// The bundle or the roots were refused.
    Refused(Refusal),
}

/// Whether the worker and its wasm are loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Loaded {
    /// No worker started yet (and, on the server, never).
    #[default]
    NotStarted,
    /// The worker is fetching its script and the wasm.
    Loading,
    /// The wasm is compiled in the worker: a bundle is verified without fetching
    /// anything more.
    Ready,
    /// The worker or its wasm could not be loaded (the network went away before they
    /// were fetched, and no copy is kept).
    Failed,
}

/// A verification worker and what it reported. Copy; lives as long as the
/// component that made it.
#[derive(Clone, Copy)]
pub struct Verifier {
    /// Whether the worker can verify yet.
    pub loaded: RwSignal<Loaded>,
    /// Where the run is.
    pub phase: RwSignal<Phase>,
    /// Events the worker sent for the inspector, by index.
    pub events: RwSignal<HashMap<u32, EventDetail>>,
    /// The last page of results the worker sent.
    pub results: RwSignal<Option<ResultsPage>>,
    /// The file name the next transcript the worker sends is saved as.
    download_as: StoredValue<Option<String>>,
    #[cfg(feature = "hydrate")]
    worker: StoredValue<Option<client::Worker>, LocalStorage>,
}

/// What to verify.
pub enum Source<'a> {
    /// A bundle on this server (fetched by the worker).
    Url(&'a str),
    /// A file the reviewer chose (read by the worker; nothing is uploaded).
    #[cfg(feature = "hydrate")]
    File(&'a web_sys::File),
}

impl Verifier {
    /// A verifier for the current component.
    pub fn new() -> Self {
        let verifier = Verifier {
            loaded: RwSignal::new(Loaded::NotStarted),
            phase: RwSignal::new(Phase::Idle),
            events: RwSignal::new(HashMap::new()),
            results: RwSignal::new(None),
            download_as: StoredValue::new(None),
            #[cfg(feature = "hydrate")]
            worker: StoredValue::new_local(None),
        };
        #[cfg(feature = "hydrate")]
        on_cleanup(move || {
            verifier.worker.update_value(|w| {
                if let Some(w) = w.take() {
                    w.terminate();
                }
            })
        });
        verifier
    }

    /// Starts the worker now, so that its script and wasm load while the page opens
    /// and a bundle is verified later without the network. [`Self::loaded`] follows.
    pub fn preload(&self) {
        #[cfg(feature = "hydrate")]
        self.worker.update_value(|w| self.spawn_into(w));
    }

    /// A worker in `slot`: the one there, or a new one when there is none or the last
    /// could not load (the network may be back).
    #[cfg(feature = "hydrate")]
    fn spawn_into(&self, slot: &mut Option<client::Worker>) {
        if self.loaded.get_untracked() == Loaded::Failed {
            if let Some(old) = slot.take() {
                old.terminate();
            }
        }
        if slot.is_none() {
            self.loaded.set(Loaded::Loading);
            *slot = client::Worker::spawn(*self);
            if slot.is_none() {
                self.loaded.set(Loaded::Failed);
            }
        }
    }

    /// Starts verifying `source` against `roots` (PEM or one key per line), and its
    /// anchors against `anchors` (an anchor trust file; empty trusts none).
    pub fn start(&self, source: Source<'_>, roots: &str, anchors: &str) {
        self.events.set(HashMap::new());
        self.results.set(None);
        self.phase.set(Phase::Loading);
        #[cfg(feature = "hydrate")]
        {
            let this = *self;
            let sent = self.worker.try_update_value(|w| {
                this.spawn_into(w);
                w.as_ref().map(|w| w.verify(source, roots, anchors))
            });
            if !matches!(sent, Some(Some(Ok(())))) {
                self.phase.set(Phase::Refused(unavailable()));
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (source, roots, anchors);
    }

    /// The worker could not load: a run waiting for it is refused, saying why.
    #[cfg(feature = "hydrate")]
    fn failed_to_load(&self) {
        self.loaded.set(Loaded::Failed);
        if matches!(self.phase.get_untracked(), Phase::Loading) {
            self.phase.set(Phase::Refused(unavailable()));
        }
    }

    /// Asks the worker for event `index` (it arrives in [`Self::events`]).
    pub fn want_event(&self, index: u32) {
        if !self.events.with_untracked(|e| e.contains_key(&index)) {
            self.ask(WorkerRequest::Event {
                index: index as usize,
            });
        }
    }

    /// Asks the worker for page `page` of results `filter` keeps (it arrives in
    /// [`Self::results`]).
    pub fn want_results(&self, filter: Filter, page: usize, per_page: usize) {
        self.ask(WorkerRequest::Results {
            filter,
            page,
            per_page,
        });
    }

    /// Asks the worker for the transcript and saves it as `name` when it comes.
    pub fn download_transcript(&self, name: String) {
        self.download_as.set_value(Some(name));
        self.ask(WorkerRequest::Transcript);
    }

    fn ask(&self, request: WorkerRequest) {
        #[cfg(feature = "hydrate")]
        self.worker.with_value(|w| {
            if let Some(w) = w {
                w.ask(&request);
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = request;
    }
}

/// Why a run could not start: the worker or its wasm did not load.
#[cfg(feature = "hydrate")]
fn unavailable() -> Refusal {
    Refusal {
        code: "worker.unavailable".into(),
        message: "The verifier could not be loaded in this browser: open this page once with the network on, and it is kept for use offline.".into(),
    }
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use std::collections::HashMap;
    use std::sync::Arc;

    use js_sys::{Object, Reflect};
    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;

    use super::{Loaded, PageVerification, Phase, Source, Verifier};
    use crate::browser_verify::protocol::{Refusal, WorkerReply, WorkerRequest};

    pub(super) struct Worker {
        worker: web_sys::Worker,
        _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
        _on_error: Closure<dyn FnMut(web_sys::Event)>,
    }

    /// What the worker said: its reply in `data.json`, or whether its wasm loaded
    /// (`data.loaded`, a boolean written by the worker script, not the wasm).
    enum Said {
        Reply(WorkerReply),
        Loaded(bool),
    }

    fn said(data: &JsValue) -> Said {
        let field = |name: &str| Reflect::get(data, &name.into()).ok();
        if let Some(loaded) = field("loaded").and_then(|l| l.as_bool()) {
            return Said::Loaded(loaded);
        }
        Said::Reply(reply(
            &field("json")
                .and_then(|j| j.as_string())
                .unwrap_or_default(),
        ))
    }

    /// The worker's reply; a refusal when it cannot be read.
    fn reply(json: &str) -> WorkerReply {
        serde_json::from_str(json).unwrap_or_else(|e| WorkerReply::Refused {
            refusal: Refusal {
                code: "worker.garbled".into(),
                message: format!("The verifier's answer could not be read: {e}"),
            },
        })
    }

    /// Keeps what the worker answered.
    fn answer(verifier: Verifier, reply: WorkerReply) {
        match reply {
            WorkerReply::Progress { done, total } => {
                verifier.phase.set(Phase::Checking(done, total))
            }
            WorkerReply::Done {
                summary,
                timeline,
                findings,
                millis,
                analysis_millis,
                size,
                helped,
                anchoring,
            } => {
                let received_at = js_sys::Date::now();
                let mark_of = timeline
                    .marks
                    .iter()
                    .enumerate()
                    .map(|(m, mark)| (mark.index, m as u32))
                    .collect::<HashMap<_, _>>();
                verifier.phase.set(Phase::Done(Arc::new(PageVerification {
                    summary,
                    timeline: *timeline,
                    mark_of,
                    findings,
                    millis,
                    analysis_millis,
                    size,
                    helped,
                    received_at,
                    anchoring: *anchoring,
                })));
            }
            WorkerReply::Refused { refusal } => verifier.phase.set(Phase::Refused(refusal)),
            WorkerReply::Event { index, detail } => verifier.events.update(|e| {
                e.insert(index, *detail);
            }),
            WorkerReply::Results { page } => verifier.results.set(Some(page)),
            WorkerReply::Transcript { text } => {
                if let Some(name) = verifier
                    .download_as
                    .try_update_value(Option::take)
                    .flatten()
                {
                    crate::downloads::save_text(&name, &text);
                }
            }
        }
    }

    impl Worker {
        pub(super) fn spawn(verifier: Verifier) -> Option<Worker> {
            let options = web_sys::WorkerOptions::new();
            options.set_type(web_sys::WorkerType::Module);
            let worker = web_sys::Worker::new_with_options("/verify-worker.js", &options).ok()?;
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| match said(&event.data()) {
                    Said::Loaded(true) => verifier.loaded.set(Loaded::Ready),
                    Said::Loaded(false) => verifier.failed_to_load(),
                    Said::Reply(reply) => answer(verifier, reply),
                },
            );
            // Before the wasm is ready, an error is the script itself (or a module it
            // imports) that could not be fetched or run.
            let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                if verifier.loaded.get_untracked() != Loaded::Ready {
                    verifier.failed_to_load();
                }
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            Some(Worker {
                worker,
                _on_message: on_message,
                _on_error: on_error,
            })
        }

        fn post(&self, request: &WorkerRequest, bundle: Option<Source<'_>>) -> Result<(), JsValue> {
            let message = Object::new();
            let json = serde_json::to_string(request).unwrap_or_default();
            Reflect::set(&message, &"json".into(), &json.into())?;
            match bundle {
                Some(Source::Url(url)) => Reflect::set(&message, &"url".into(), &url.into())?,
                Some(Source::File(file)) => Reflect::set(&message, &"file".into(), file)?,
                None => true,
            };
            self.worker.post_message(&message)
        }

        pub(super) fn verify(
            &self,
            source: Source<'_>,
            roots: &str,
            anchors: &str,
        ) -> Result<(), JsValue> {
            self.post(
                &WorkerRequest::Verify {
                    roots: roots.to_owned(),
                    anchors: anchors.to_owned(),
                },
                Some(source),
            )
        }

        pub(super) fn ask(&self, request: &WorkerRequest) {
            let _ = self.post(request, None);
        }

        pub(super) fn terminate(&self) {
            self.worker.terminate();
        }
    }
}
