use evidence::dsse;
use leptos::prelude::*;
use leptos_meta::Title;

#[cfg(feature = "hydrate")]
use crate::browser_verify::page::Source;
use crate::browser_verify::page::{Loaded, Phase, Verifier};
use crate::components::files::{DropZone, TextDrop};
use crate::components::findings::BrowserFindings;
use crate::components::help::ReasonCode;
use crate::components::hydrated::use_hydrated;
use crate::components::offline::{keep_for_offline, Offline};
use crate::components::roots::RootsInput;
use crate::components::verdict::{Badge, Tone};
use crate::components::verified_bundle::{fit_once, timeline_state, Progress, VerifiedBundle};

use crate::components::page::PageHeader;

/// What the browser concluded about the envelope and key on the page.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Verified {
        payload_type: String,
        payload: String,
        signature_index: usize,
        keyid: Option<String>,
    },
    Rejected {
        code: &'static str,
        message: String,
    },
}

impl Outcome {
    fn of(envelope: &str, key: &str) -> Outcome {
        match dsse::verify_with_key_text(envelope.as_bytes(), key) {
            Ok(v) => Outcome::Verified {
                payload_type: v.payload_type().to_owned(),
                payload: String::from_utf8_lossy(v.payload()).into_owned(),
                signature_index: v.signature_index(),
                keyid: v.keyid().map(str::to_owned),
            },
            Err(reason) => Outcome::Rejected {
                code: reason.code(),
                message: reason.to_string(),
            },
        }
    }
}

/// The offline verifier: a bundle file and the trust roots the reviewer chose,
/// verified in this browser (nothing is uploaded), with the full report and the
/// timeline; below it, one DSSE envelope against one key.
#[component]
pub fn VerifyPage() -> impl IntoView {
    view! {
        <Title text="Verify"/>
        <PageHeader
            title="Verify evidence in your browser"
            lead="Drop a bundle and the trust roots you hold. Your browser verifies every signature, chain link and the Merkle root itself, with the same code as the server; nothing is uploaded."
        />
        <BundleVerify/>
        <crate::components::export_verify::ExportVerify/>
        <crate::components::scitt_verify::ScittVerify/>
        <hr class="my-10 border-slate-200 dark:border-slate-800"/>
        <EnvelopeVerify/>
    }
    .into_any()
}

/// Whether the page can verify, and whether it can with the network off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Readiness {
    /// The worker and its wasm are loading.
    Loading,
    /// The verifier is loaded; whether this browser keeps the page is not known yet.
    Ready,
    /// The verifier is loaded and the page is kept: it verifies offline.
    Offline,
    /// The verifier is loaded, but this browser does not keep the page.
    OpenTabOnly,
    /// The verifier could not be loaded.
    Failed,
}

impl Readiness {
    fn of(loaded: Loaded, offline: Offline) -> Readiness {
        match (loaded, offline) {
            (Loaded::NotStarted | Loaded::Loading, _) => Readiness::Loading,
            (Loaded::Failed, _) => Readiness::Failed,
            (Loaded::Ready, Offline::Checking) => Readiness::Ready,
            (Loaded::Ready, Offline::Kept) => Readiness::Offline,
            (Loaded::Ready, Offline::NotKept) => Readiness::OpenTabOnly,
        }
    }

    /// `data-state`, for tests and styles.
    fn state(self) -> &'static str {
        match self {
            Readiness::Loading => "loading",
            Readiness::Ready => "ready",
            Readiness::Offline => "offline",
            Readiness::OpenTabOnly => "open-tab-only",
            Readiness::Failed => "failed",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Readiness::Loading => "Loading the verifier…",
            Readiness::Ready => "Ready to verify. Keeping a copy in this browser for use offline…",
            Readiness::Offline => "Ready: verifies offline. This page and its verifier are kept in this browser: with the network off, /verify still opens and verifies.",
            Readiness::OpenTabOnly => "Ready to verify, offline too while this tab stays open; this browser does not keep the page for opening offline.",
            Readiness::Failed => "The verifier could not be loaded. Open this page once with the network on: it is then kept for use offline.",
        }
    }

    fn tone(self) -> &'static str {
        match self {
            Readiness::Loading | Readiness::Ready => "text-slate-600 dark:text-slate-400",
            Readiness::Offline => "text-emerald-800 dark:text-emerald-300",
            Readiness::OpenTabOnly => "text-amber-800 dark:text-amber-300",
            Readiness::Failed => "text-red-700 dark:text-red-400",
        }
    }
}

/// What stops a bundle from being verified yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Missing {
    /// No trust root was given: every key would be untrusted, which says nothing
    /// about the bundle, so the page asks for them rather than answer "Untrusted".
    Roots,
}

/// A bundle file verified against chosen roots, in the verification worker, which
/// starts as the page opens; the page is kept for use offline.
#[component]
fn BundleVerify() -> impl IntoView {
    let hydrated = use_hydrated();
    let verifier = Verifier::new();
    let offline = keep_for_offline();
    // The worker and its wasm load now, not when a bundle comes: by then the
    // network may be gone.
    Effect::new(move |_| verifier.preload());
    let readiness = move || Readiness::of(verifier.loaded.get(), offline.get());
    let state = timeline_state();
    let roots = RwSignal::new(String::new());
    let anchors = RwSignal::new(String::new());
    let missing = RwSignal::new(None::<Missing>);
    // Giving roots answers the question.
    Effect::new(move |_| {
        roots.track();
        missing.set(None);
    });
    let file_name = RwSignal::new(None::<String>);
    let file_input = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    let chosen: StoredValue<Option<web_sys::File>, LocalStorage> = StoredValue::new_local(None);
    #[cfg(feature = "hydrate")]
    let take = move |file: web_sys::File| {
        file_name.set(Some(format!("{} ({} bytes)", file.name(), file.size())));
        chosen.set_value(Some(file));
    };
    let on_drop = move |file: web_sys::File| {
        #[cfg(feature = "hydrate")]
        take(file);
        #[cfg(not(feature = "hydrate"))]
        let _ = file;
    };
    let on_pick = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        if let Some(file) = crate::components::files::picked(&ev) {
            take(file);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let verify = move |_| {
        let given = roots.get_untracked();
        if matches!(
            evidence::keys::PublicKey::list_from_text(&given),
            Err(evidence::keys::KeyListError::Empty)
        ) {
            verifier.phase.set(Phase::Idle);
            missing.set(Some(Missing::Roots));
        } else {
            #[cfg(feature = "hydrate")]
            chosen.with_value(|f| {
                if let Some(f) = f {
                    verifier.start(Source::File(f), &given, &anchors.get_untracked());
                }
            });
        }
    };
    Effect::new(move |_| {
        if let Phase::Done(found) = verifier.phase.get() {
            fit_once(state, &found, None);
            state.selected.set(None);
        }
    });
    let stem = move || {
        file_name
            .get()
            .and_then(|n| {
                n.split(" (")
                    .next()
                    .map(|s| s.trim_end_matches(".json").to_owned())
            })
            .unwrap_or_else(|| "bundle".into())
    };
    view! {
        <section aria-labelledby="bundle-verify-title">
            <h2 id="bundle-verify-title" class="mb-1 text-lg font-semibold">"Verify a bundle"</h2>
            <p role="status" aria-live="polite" data-testid="verifier-ready" data-state=move || readiness().state()
                class=move || format!("mb-3 text-sm {}", readiness().tone())>
                {move || readiness().text()}
            </p>
            <div class="grid grid-cols-1 gap-6 lg:grid-cols-2">
                <div>
                    <label for="bundle-file" class="mb-1 block text-sm font-medium">"Evidence bundle (JSON file)"</label>
                    <DropZone
                        on_file=Callback::new(on_drop)
                        input=file_input
                        testid="bundle-drop"
                        base="flex min-h-28 flex-col items-center justify-center gap-2 rounded-md border-2 border-dashed p-4 text-sm"
                        idle="border-slate-300 dark:border-slate-700"
                        over="border-emerald-500 bg-emerald-50 dark:bg-emerald-950"
                    >
                        <span>{move || file_name.get().unwrap_or_else(|| "Drop a bundle file here, or choose one.".into())}</span>
                        <input id="bundle-file" type="file" accept=".json,application/json" node_ref=file_input on:change=on_pick class="text-xs"/>
                    </DropZone>
                </div>
                <RootsInput value=roots/>
            </div>
            <details class="mt-4" data-testid="anchor-trust-details">
                <summary class="cursor-pointer text-sm font-medium">"Anchors: what you trust outside the organisation (optional)"</summary>
                <div class="mt-2">
                    <crate::components::files::TextDrop
                        id="anchor-trust"
                        label="Anchor trust: log keys (log <key>), witnesses (witness <vkey>, quorum <k>) and time-stamping authorities' certificates (PEM)"
                        placeholder="log 3b6a27bc…\nwitness w1.example+8d66cf3f+BA…\nquorum 2\n-----BEGIN CERTIFICATE-----"
                        rows=4
                        value=anchors
                    />
                </div>
            </details>
            <div class="mt-4 flex items-center gap-4">
                <button
                    type="button"
                    on:click=verify
                    disabled=move || !hydrated.get() || file_name.get().is_none()
                    class="rounded-md bg-emerald-700 px-5 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-800 disabled:cursor-not-allowed disabled:opacity-60"
                >
                    "Verify bundle"
                </button>
                <span class="text-sm text-slate-500">"Runs in a worker in this browser; the page stays responsive."</span>
            </div>
            {move || missing.get().map(|Missing::Roots| view! {
                <p role="alert" data-testid="roots-needed" class="mt-4 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-800 dark:bg-amber-950">
                    <strong>"Give the trust roots you hold."</strong>
                    " Paste them or choose the file: the organisation's root public keys (one per line, or PEM), or the server's key file (server.pub) for its exports and review log. Without a root every key is untrusted, and a verdict would say nothing about this bundle."
                </p>
            })}
            <div class="mt-4"><Progress verifier/></div>
            {move || match verifier.phase.get() {
                Phase::Done(found) => Some(view! {
                    <div class="mt-4">
                        <VerifiedBundle found=found.clone() verifier server=None roots_note="Against the trust roots given above." state file_stem=stem()/>
                        <section class="mt-4" aria-labelledby="verify-anchoring-title">
                            <h3 id="verify-anchoring-title" class="mb-2 text-base font-semibold">"Anchoring"</h3>
                            <crate::components::anchoring::AnchoringView anchoring=found.anchoring.clone()/>
                        </section>
                        <BrowserFindings found verifier state/>
                    </div>
                }),
                _ => None,
            }}
        </section>
    }
    .into_any()
}

/// Verifies one DSSE envelope against one ed25519 public key, in the browser, with
/// the same `evidence` code the server runs. Nothing is sent anywhere.
#[component]
fn EnvelopeVerify() -> impl IntoView {
    let hydrated = use_hydrated();
    let envelope = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Outcome>);
    // A verdict belongs to the inputs it was given: editing either clears it.
    Effect::new(move |_| {
        envelope.track();
        key.track();
        outcome.set(None);
    });
    let verify = move |_| {
        outcome.set(Some(Outcome::of(
            &envelope.get_untracked(),
            &key.get_untracked(),
        )))
    };

    view! {
        <h2 class="text-lg font-semibold">"Verify one signed envelope"</h2>
        <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">"Paste or drop a DSSE envelope and the ed25519 public key you trust."</p>
        <div class="grid grid-cols-1 gap-6 lg:grid-cols-2">
            <TextDrop
                id="envelope"
                label="DSSE envelope (JSON)"
                placeholder=r#"{"payloadType": "…", "payload": "…", "signatures": [{"keyid": "…", "sig": "…"}]}"#
                rows=12
                value=envelope
            />
            <TextDrop
                id="public-key"
                label="Public key (hex, base64 or PEM)"
                placeholder="64 hex digits, base64 of 32 bytes, or -----BEGIN PUBLIC KEY-----"
                rows=4
                value=key
            />
        </div>
        <div class="mt-6 flex items-center gap-4">
            <button
                type="button"
                on:click=verify
                disabled=move || !hydrated.get()
                class="rounded-md bg-emerald-700 px-5 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-800 focus:outline-none focus:ring-2 focus:ring-emerald-500/40 disabled:cursor-wait disabled:opacity-60"
            >
                "Verify"
            </button>
            <span class="text-sm text-slate-500">
                {move || if hydrated.get() { "Runs in this browser (wasm)." } else { "Loading the verifier…" }}
            </span>
        </div>
        <div aria-live="polite" class="mt-6">
            {move || outcome.get().map(|o| view! { <OutcomePanel outcome=o/> })}
        </div>
    }
    .into_any()
}

#[component]
fn OutcomePanel(outcome: Outcome) -> impl IntoView {
    match outcome {
        Outcome::Verified { payload_type, payload, signature_index, keyid } => view! {
            <section data-testid="verdict" data-verdict="verified" class="rounded-lg border border-emerald-300 bg-emerald-50 p-5 dark:border-emerald-800 dark:bg-emerald-950">
                <div class="flex items-center gap-3">
                    <Badge tone=Tone::Good text="Verified"/>
                    <h2 class="font-semibold">"Signature verified with the given key"</h2>
                </div>
                <dl class="mt-4 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
                    <dt class="text-slate-500">"Payload type"</dt>
                    <dd class="font-mono break-all">{payload_type}</dd>
                    <dt class="text-slate-500">"Signature"</dt>
                    <dd>{format!("#{signature_index}")}{keyid.map(|k| format!(" (keyid hint: {k})"))}</dd>
                </dl>
                <h3 class="mt-4 text-sm font-medium text-slate-500">"Payload, as signed (shown as text)"</h3>
                <pre class="mt-1 max-h-80 overflow-auto whitespace-pre-wrap break-all rounded-md bg-white p-3 font-mono text-xs dark:bg-slate-900">{payload}</pre>
            </section>
        }
        .into_any(),
        Outcome::Rejected { code, message } => view! {
            <section data-testid="verdict" data-verdict="rejected" data-reason=code class="rounded-lg border border-red-300 bg-red-50 p-5 dark:border-red-800 dark:bg-red-950">
                <div class="flex items-center gap-3">
                    <Badge tone=Tone::Bad text="Not verified"/>
                    <h2 class="font-semibold">{message}</h2>
                </div>
                <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
                    "Reason code: " <ReasonCode code/>
                </p>
            </section>
        }
        .into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_says_it_verifies_offline_only_with_the_wasm_loaded_and_the_copy_kept() {
        use Loaded::*;
        use Offline::*;
        let table = [
            (NotStarted, Checking, Readiness::Loading),
            (Loading, Kept, Readiness::Loading),
            (Ready, Checking, Readiness::Ready),
            (Ready, Kept, Readiness::Offline),
            (Ready, NotKept, Readiness::OpenTabOnly),
            (Failed, Kept, Readiness::Failed),
        ];
        for (loaded, offline, expected) in table {
            assert_eq!(
                Readiness::of(loaded, offline),
                expected,
                "{loaded:?}, {offline:?}"
            );
        }
        assert!(Readiness::Offline
            .text()
            .starts_with("Ready: verifies offline"));
        assert!(!Readiness::OpenTabOnly.text().contains("verifies offline"));
    }
}
