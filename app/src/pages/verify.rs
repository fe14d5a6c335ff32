use evidence::dsse;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::hydrated::use_hydrated;
use crate::components::verdict::{Badge, Tone};

use super::PageHeader;

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

/// Verifies one DSSE envelope against one ed25519 public key, in the browser, with
/// the same `evidence` code the server runs. Nothing is sent anywhere.
#[component]
pub fn VerifyPage() -> impl IntoView {
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
        <Title text="Verify"/>
        <PageHeader
            title="Verify a signed envelope"
            lead="Paste or drop a DSSE envelope and the ed25519 public key you trust. Your browser checks the signature itself; nothing is uploaded."
        />
        <div class="grid gap-6 lg:grid-cols-2">
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
                class="rounded-md bg-emerald-700 px-5 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-600 focus:outline-none focus:ring-2 focus:ring-emerald-500/40 disabled:cursor-wait disabled:opacity-60"
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
                    "Reason code: " <code class="font-mono">{code}</code>
                </p>
            </section>
        }
        .into_any(),
    }
}

/// A labelled text area that also takes a dropped file or one chosen with a picker.
#[component]
fn TextDrop(
    id: &'static str,
    label: &'static str,
    placeholder: &'static str,
    rows: u32,
    value: RwSignal<String>,
) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let read_file = move |file: web_sys::File| {
        leptos::task::spawn_local(async move {
            if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                value.set(text.as_string().unwrap_or_default());
            }
        });
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = crate::components::files::dropped(&ev) {
            read_file(file);
        }
    };
    let on_pick = move |ev: leptos::ev::Event| {
        if let Some(file) = crate::components::files::picked(&ev) {
            read_file(file);
        }
    };
    let file_id = format!("{id}-file");
    view! {
        <div>
            <div class="mb-1 flex items-center justify-between">
                <label for=id class="text-sm font-medium">{label}</label>
                <label for=file_id.clone() class="cursor-pointer text-sm font-medium text-emerald-700 hover:underline dark:text-emerald-400">
                    "Choose file…"
                </label>
                <input id=file_id type="file" class="sr-only" on:change=on_pick/>
            </div>
            <textarea
                id=id
                rows=rows
                spellcheck="false"
                placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
                class=move || format!(
                    "block w-full rounded-md border bg-white p-3 font-mono text-xs shadow-sm focus:outline-none focus:ring-2 focus:ring-emerald-500/40 dark:bg-slate-900 {}",
                    if dragging.get() { "border-emerald-500 ring-2 ring-emerald-500/40" } else { "border-slate-300 dark:border-slate-700" },
                )
            ></textarea>
            <p class="mt-1 text-xs text-slate-500">"Paste, drop a file here, or choose one."</p>
        </div>
    }
}
