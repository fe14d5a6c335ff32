//! A SCITT signed statement checked in this browser, as `custody scitt verify` checks
//! it: its signature with the issuer's key, that its payload is the manifest of the
//! bundle given, and each RFC 9942 receipt over it with the transparency service's key
//! (`evidence::scitt`). Nothing is uploaded.

use leptos::prelude::*;

use crate::components::checked::{CheckButton, Checked, CheckedLines, FileField};
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

/// The file chosen in the input a `change` event came from, its name shown in `name`.
#[cfg(feature = "hydrate")]
fn picked_named(ev: &leptos::ev::Event, name: RwSignal<Option<String>>) -> Option<web_sys::File> {
    let file = crate::components::files::picked(ev);
    name.set(file.as_ref().map(|f| f.name()));
    file
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
        chosen.update_value(|c| c.statement = picked_named(&ev, statement_name));
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let on_bundle = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        chosen.update_value(|c| c.bundle = picked_named(&ev, bundle_name));
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
    let verify = move |_: leptos::ev::MouseEvent| {
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
    view! {
        <section aria-labelledby="scitt-verify-title" class="mt-12 border-t border-slate-200 pt-8 dark:border-slate-800">
            <h2 id="scitt-verify-title" class="mb-1 text-lg font-semibold">"Verify a SCITT statement and its receipts"</h2>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">
                "A bundle's manifest as a SCITT signed statement (custody scitt statement writes one), checked here as custody scitt verify checks it: its signature with the issuer's key, that its payload is the manifest of the bundle you choose, and each receipt a transparency service issued with the service's key."
            </p>
            <div class="grid grid-cols-1 gap-6 lg:grid-cols-3">
                <FileField id="scitt-statement" label="Statement (COSE_Sign1)" accept=".cbor,.cose,application/cose"
                    on_change=Callback::new(on_statement) chosen=move || statement_name.get().unwrap_or_default()/>
                <FileField id="scitt-bundle" label="The bundle it states (optional)" accept=".json,application/json"
                    on_change=Callback::new(on_bundle) chosen=move || bundle_name.get().unwrap_or_default()/>
                <FileField id="scitt-receipts" label="Receipts (optional, one or more)" accept=".cbor,.cose,application/cose" multiple=true
                    on_change=Callback::new(on_receipts) chosen=move || receipt_names.get().join(", ")/>
            </div>
            <div class="mt-4 grid grid-cols-1 gap-6 lg:grid-cols-2">
                <TextDrop id="scitt-issuer-key" label="The issuer's public key" placeholder="64 hex digits" rows=2 value=issuer/>
                <TextDrop id="scitt-service-key" label="The transparency service's public key (for receipts)" placeholder="64 hex digits" rows=2 value=service/>
            </div>
            <CheckButton label="Verify statement" on_click=Callback::new(verify) ready=move || statement_name.get().is_some()/>
            {move || result.get().map(|checked| view! { <CheckedLines checked testid="scitt-result"/> })}
        </section>
    }
}
