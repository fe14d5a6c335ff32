//! Loading a bundle from the browser: a drop zone and a file picker. The file goes
//! to `POST /api/bundles` as it is on disk (the browser streams it), with a
//! progress bar; the server's verdict or its refusal is shown when it answers.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast as _;

use crate::components::files::{self, DropZone};
use crate::components::help::ReasonCodes;
use crate::components::hydrated::use_hydrated;
use crate::components::verdict::VerdictBadge;
use model::BundleSummary;

/// What the last upload came to.
#[derive(Clone, Debug, PartialEq)]
enum State {
    Idle,
    Sending { name: String, fraction: f64 },
    Stored(BundleSummary),
    Refused(String),
}

fn send(file: web_sys::File, state: RwSignal<State>, on_stored: Callback<()>) {
    let name = file.name();
    state.set(State::Sending {
        name: name.clone(),
        fraction: 0.0,
    });
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        state.set(State::Refused("this browser cannot send files".into()));
        return;
    };
    let url = format!(
        "/api/bundles?name={}",
        String::from(js_sys::encode_uri_component(&name))
    );
    if xhr.open("POST", &url).is_err() {
        state.set(State::Refused("the upload could not start".into()));
        return;
    }
    let _ = xhr.set_request_header("content-type", "application/json");
    if let Ok(upload) = xhr.upload() {
        let name = name.clone();
        let on_progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
                if ev.length_computable() && ev.total() > 0.0 {
                    state.set(State::Sending {
                        name: name.clone(),
                        fraction: ev.loaded() / ev.total(),
                    });
                }
            });
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
    }
    let answered = xhr.clone();
    let on_load = Closure::<dyn FnMut()>::new(move || {
        let status = answered.status().unwrap_or(0);
        let text = answered.response_text().ok().flatten().unwrap_or_default();
        if status == 200 {
            match serde_json::from_str::<BundleSummary>(&text) {
                Ok(bundle) => {
                    state.set(State::Stored(bundle));
                    on_stored.run(());
                }
                Err(_) => state.set(State::Refused(
                    "the server's answer could not be read".into(),
                )),
            }
        } else {
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
                .unwrap_or_else(|| format!("the server answered {status}"));
            state.set(State::Refused(message));
        }
    });
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    on_load.forget();
    let on_error = Closure::<dyn FnMut()>::new(move || {
        state.set(State::Refused(
            "the upload failed: the server could not be reached".into(),
        ));
    });
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    if xhr.send_with_opt_blob(Some(&file)).is_err() {
        state.set(State::Refused("the upload could not start".into()));
    }
}

/// Drop a bundle here or choose one; `on_stored` runs once the server stored it.
#[component]
pub fn UploadBundle(on_stored: Callback<()>) -> impl IntoView {
    let state = RwSignal::new(State::Idle);
    // Until the wasm runs, nothing here can send a file: the picker waits for it.
    let hydrated = use_hydrated();
    let on_pick = move |ev: leptos::ev::Event| {
        if let Some(file) = files::picked(&ev) {
            send(file, state, on_stored);
        }
        if let Some(input) = files::input_of(&ev) {
            input.set_value("");
        }
    };
    view! {
        <DropZone
            on_file=Callback::new(move |file| send(file, state, on_stored))
            label="Load a bundle"
            testid="upload"
            base="mb-6 rounded-lg border-2 border-dashed p-5 text-sm"
            idle="border-slate-300 bg-white dark:border-slate-700 dark:bg-slate-900"
            over="border-emerald-500 bg-emerald-50 dark:bg-emerald-950/30"
        >
            <p class="text-slate-700 dark:text-slate-300">
                "Drop an evidence bundle here, or "
                <label for="bundle-file" class="cursor-pointer font-medium text-emerald-700 underline dark:text-emerald-400">"choose a file"</label>
                ". The server verifies it against its trust roots and stores it exactly as received, in a new incident."
            </p>
            <input
                id="bundle-file"
                type="file"
                accept=".json,application/json"
                class="sr-only"
                disabled=move || !hydrated.get()
                on:change=on_pick
            />
            {move || match state.get() {
                State::Idle => ().into_any(),
                State::Sending { name, fraction } => {
                    let percent = (fraction * 100.0).round();
                    view! {
                        <div class="mt-3" role="status">
                            <p class="text-slate-600 dark:text-slate-400">{format!("Uploading {name}… {percent}%")}</p>
                            <progress class="mt-1 w-full" max="100" value=percent aria-label="Upload progress"></progress>
                        </div>
                    }
                    .into_any()
                }
                State::Stored(bundle) => view! {
                    <div class="mt-3" role="status" data-testid="upload-result">
                        <p>
                            {format!("Stored {} ({} events) in incident #{}: ", if bundle.name.is_empty() { "the bundle".to_owned() } else { bundle.name.clone() }, bundle.event_count, bundle.incident_id)}
                            <VerdictBadge verdict=bundle.verdict/>
                        </p>
                        {(!bundle.reasons.is_empty()).then(|| view! {
                            <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">"Reason codes: "<ReasonCodes codes=bundle.reasons.clone() separator=" · "/></p>
                        })}
                    </div>
                }
                .into_any(),
                State::Refused(message) => view! {
                    <p class="mt-3 rounded-md bg-red-50 p-3 text-red-800 dark:bg-red-950/40 dark:text-red-200" role="alert" data-testid="upload-error">
                        {format!("Not stored: {message}")}
                    </p>
                }
                .into_any(),
            }}
        </DropZone>
    }
}
