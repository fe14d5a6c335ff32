//! A SCITT signed statement checked in this browser, as `custody scitt verify` checks
//! it: its signature with the issuer's key, that its payload is the manifest of the
//! bundle given, and each RFC 9942 receipt over it with the transparency service's key
//! (`evidence::scitt`). Nothing is uploaded.

use leptos::prelude::*;

use crate::components::checked::{Checked, CheckedLines};
use crate::components::files::TextDrop;

/// The files a check reads: the statement, the bundle (optional) and the receipts,
/// each with its name.
pub struct ScittFiles {
    /// The statement's bytes.
    pub statement: Vec<u8>,
    /// The bundle's bytes, when one was chosen.
    pub bundle: Option<Vec<u8>>,
    /// Each receipt's file name and bytes.
    pub receipts: Vec<(String, Vec<u8>)>,
}

/// Checks `files` with the issuer's key `issuer` and the service's key `service`
/// (empty: none), both as text.
pub fn check(files: &ScittFiles, issuer: &str, service: &str) -> Checked {
    let fail = Checked::failed;
    let issuer = match evidence::keys::PublicKey::from_text(issuer) {
        Ok(key) => key,
        Err(e) => return fail(format!("The issuer's key cannot be read: {e}.")),
    };
    let service = if service.trim().is_empty() {
        None
    } else {
        match evidence::keys::PublicKey::from_text(service) {
            Ok(key) => Some(key),
            Err(e) => {
                return fail(format!(
                    "The transparency service's key cannot be read: {e}."
                ))
            }
        }
    };
    let found = evidence::scitt::check(
        &files.statement,
        &issuer,
        files.bundle.as_deref(),
        &files.receipts,
        service.as_ref(),
        &evidence::bundle::Limits::default(),
    );
    Checked {
        holds: found.holds(),
        lines: found.lines(),
    }
}

/// The files chosen so far.
#[cfg(feature = "hydrate")]
#[derive(Clone, Default)]
struct Chosen {
    statement: Option<web_sys::File>,
    bundle: Option<web_sys::File>,
    receipts: Vec<web_sys::File>,
}

/// Every file chosen in the input a `change` event came from.
#[cfg(feature = "hydrate")]
fn all_picked(ev: &leptos::ev::Event) -> Vec<web_sys::File> {
    crate::components::files::input_of(ev)
        .and_then(|i| i.files())
        .map(|list| (0..list.length()).filter_map(|n| list.get(n)).collect())
        .unwrap_or_default()
}

/// A file's bytes.
#[cfg(feature = "hydrate")]
async fn bytes_of(file: &web_sys::File) -> Option<Vec<u8>> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The Verify page's section for SCITT statements and receipts.
#[component]
pub fn ScittVerify() -> impl IntoView {
    let issuer = RwSignal::new(String::new());
    let service = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Checked>);
    let statement_name = RwSignal::new(None::<String>);
    let bundle_name = RwSignal::new(None::<String>);
    let receipt_names = RwSignal::new(Vec::<String>::new());
    #[cfg(feature = "hydrate")]
    let chosen: StoredValue<Chosen, LocalStorage> = StoredValue::new_local(Chosen::default());
    let on_statement = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let file = crate::components::files::picked(&ev);
            statement_name.set(file.as_ref().map(|f| f.name()));
            chosen.update_value(|c| c.statement = file);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_bundle = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let file = crate::components::files::picked(&ev);
            bundle_name.set(file.as_ref().map(|f| f.name()));
            chosen.update_value(|c| c.bundle = file);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_receipts = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let files = all_picked(&ev);
            receipt_names.set(files.iter().map(|f| f.name()).collect());
            chosen.update_value(|c| c.receipts = files);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let verify = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let Chosen {
                statement,
                bundle,
                receipts,
            } = chosen.get_value();
            let Some(statement) = statement else { return };
            leptos::task::spawn_local(async move {
                let unreadable = |name: String| {
                    result.set(Some(Checked::failed(format!("{name} cannot be read."))))
                };
                let Some(statement_bytes) = bytes_of(&statement).await else {
                    return unreadable(statement.name());
                };
                let bundle_bytes = match &bundle {
                    None => None,
                    Some(file) => match bytes_of(file).await {
                        Some(bytes) => Some(bytes),
                        None => return unreadable(file.name()),
                    },
                };
                let mut receipt_bytes = Vec::with_capacity(receipts.len());
                for file in &receipts {
                    match bytes_of(file).await {
                        Some(bytes) => receipt_bytes.push((file.name(), bytes)),
                        None => return unreadable(file.name()),
                    }
                }
                let files = ScittFiles {
                    statement: statement_bytes,
                    bundle: bundle_bytes,
                    receipts: receipt_bytes,
                };
                result.set(Some(check(
                    &files,
                    &issuer.get_untracked(),
                    &service.get_untracked(),
                )));
            });
        }
    };
    let hydrated = crate::components::hydrated::use_hydrated();
    let chosen_line = |names: Vec<String>| names.join(", ");
    view! {
        <section aria-labelledby="scitt-verify-title" class="mt-12 border-t border-slate-200 pt-8 dark:border-slate-800">
            <h2 id="scitt-verify-title" class="mb-1 text-lg font-semibold">"Verify a SCITT statement and its receipts"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">
                "A bundle's manifest as a SCITT signed statement (custody scitt statement writes one), checked here as custody scitt verify checks it: its signature with the issuer's key, that its payload is the manifest of the bundle you choose, and each receipt a transparency service issued with the service's key."
            </p>
            <div class="grid grid-cols-1 gap-6 lg:grid-cols-3">
                <div>
                    <label for="scitt-statement" class="mb-1 block text-sm font-medium">"Statement (COSE_Sign1)"</label>
                    <input id="scitt-statement" type="file" accept=".cbor,.cose,application/cose" on:change=on_statement class="text-sm"/>
                    <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">{move || statement_name.get().unwrap_or_default()}</p>
                </div>
                <div>
                    <label for="scitt-bundle" class="mb-1 block text-sm font-medium">"The bundle it states (optional)"</label>
                    <input id="scitt-bundle" type="file" accept=".json,application/json" on:change=on_bundle class="text-sm"/>
                    <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">{move || bundle_name.get().unwrap_or_default()}</p>
                </div>
                <div>
                    <label for="scitt-receipts" class="mb-1 block text-sm font-medium">"Receipts (optional, one or more)"</label>
                    <input id="scitt-receipts" type="file" multiple=true accept=".cbor,.cose,application/cose" on:change=on_receipts class="text-sm"/>
                    <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">{move || chosen_line(receipt_names.get())}</p>
                </div>
            </div>
            <div class="mt-4 grid grid-cols-1 gap-6 lg:grid-cols-2">
                <TextDrop id="scitt-issuer-key" label="The issuer's public key" placeholder="64 hex digits" rows=2 value=issuer/>
                <TextDrop id="scitt-service-key" label="The transparency service's public key (for receipts)" placeholder="64 hex digits" rows=2 value=service/>
            </div>
            <button
                type="button"
                on:click=verify
                disabled=move || !hydrated.get() || statement_name.get().is_none()
                class="mt-4 rounded-md bg-emerald-700 px-5 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-600 disabled:cursor-not-allowed disabled:opacity-60"
            >
                "Verify statement"
            </button>
            {move || result.get().map(|checked| view! { <CheckedLines checked testid="scitt-result"/> })}
        </section>
    }
}
